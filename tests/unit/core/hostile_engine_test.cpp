// SPDX-License-Identifier: Apache-2.0
// Hostile input and misuse of the engine (issue 17): stream usage at the int64
// extremes (docs/semantics.md#update-usage), the bounded drift-repair queue and
// a throwing event sink or recompute hook during repairs
// (docs/semantics.md#drift-repair). Run under ASan and UBSan in CI: a
// signed overflow or a use-after-free fails there even where a CHECK passes.
#include "core_helpers.hpp"

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace jsacct;
using namespace coretest;

// ------------------------------------------------------------------ stream usage at the int64 extremes

TEST_CASE_TEMPLATE("docs/semantics.md#update-usage add_usage past INT64_MAX wraps, as the usage counters do", E, engine,
                   engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  auto s = create(acc, file("S"));
  s.add_usage(MaxInt64);
  CHECK(s.stored_bytes() == MaxInt64);
  s.add_usage(1);  // one past INT64_MAX: was signed overflow (UB)
  CHECK(s.stored_bytes() == MinInt64);
  CHECK(acc.usage_of(s.tier(), storage_type::file).local == MinInt64);
  CHECK(eng.used().store == MinInt64);
  s.add_usage(-1);  // and back: wrapping is exact in both directions
  CHECK(s.stored_bytes() == MaxInt64);
  s.add_usage(MinInt64);  // MaxInt64 + MinInt64 = -1
  CHECK(s.stored_bytes() == -1);
  CHECK(acc.usage_of(s.tier(), storage_type::file).local == -1);
  s.add_usage(MinInt64);  // -1 + MinInt64 wraps to MaxInt64
  CHECK(s.stored_bytes() == MaxInt64);
  s.add_usage(-MaxInt64);
  CHECK(s.stored_bytes() == 0);
  CHECK(acc.usage_of(s.tier(), storage_type::file).local == 0);
  CHECK(eng.used().store == 0);
}

TEST_CASE("docs/semantics.md#tier-move a tier move carries INT64_MIN recorded bytes without overflow") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  auto s = create(acc, file("S", -1, 1));
  s.add_usage(MaxInt64);
  s.add_usage(1);  // recorded bytes: INT64_MIN
  REQUIRE(s.stored_bytes() == MinInt64);
  REQUIRE(s.update(file("S", -1, 3)).ok());  // moves INT64_MIN bytes from R1 to R3 (negating it was UB)
  CHECK(s.tier().name() == "R3");
  CHECK(acc.usage_of(acc.tier("R1"), storage_type::file).local == 0);
  CHECK(acc.usage_of(acc.tier("R3"), storage_type::file).local == MinInt64);
  // An explicit stored_bytes of INT64_MIN (the embedder's count) moves the same way.
  update_options o;
  o.stored_bytes = MinInt64;
  REQUIRE(s.update(file("S", -1, 1), o).ok());
  CHECK(acc.usage_of(acc.tier("R1"), storage_type::file).local == MinInt64);
  CHECK(acc.usage_of(acc.tier("R3"), storage_type::file).local == 0);
}

// ------------------------------------------------------------------ bounded repair queue

TEST_CASE(
    "docs/semantics.md#drift-repair without a task runner, usage that stays negative queues one repair per tier and storage") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  int recomputes = 0;
  eng.set_usage_recompute([&](const std::string&, std::string_view, storage_type) {
    ++recomputes;
    return std::int64_t{0};
  });
  auto a = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  auto b = enable(eng, "B");
  auto r1 = a.tier("R1");
  auto r3 = a.tier("R3");
  auto bt = b.tier("");
  a.update_usage(r1, storage_type::file, -1);
  for (int i = 0; i < 10'000; ++i) a.update_usage(r1, storage_type::file, -1);  // stays negative
  for (int i = 0; i < 100; ++i) a.update_usage(r1, storage_type::memory, -1);
  for (int i = 0; i < 100; ++i) a.update_usage(r3, storage_type::file, -1);
  for (int i = 0; i < 100; ++i) b.update_usage(bt, storage_type::file, -1);
  // One per (account, tier, storage): A/R1/file, A/R1/memory, A/R3/file, B/""/file.
  CHECK(eng.run_pending_repairs() == 4);
  CHECK(recomputes == 4);
  CHECK(a.usage_of(r1, storage_type::file).local == 0);
  CHECK(a.usage_of(r1, storage_type::memory).local == 0);
  CHECK(a.usage_of(r3, storage_type::file).local == 0);
  CHECK(b.usage_of(bt, storage_type::file).local == 0);
  CHECK(eng.run_pending_repairs() == 0);
  // Once a repair ran, the next excursion queues again.
  for (int i = 0; i < 50; ++i) a.update_usage(r1, storage_type::file, -2);
  CHECK(eng.run_pending_repairs() == 1);
  CHECK(a.usage_of(r1, storage_type::file).local == 0);
}

TEST_CASE("docs/semantics.md#drift-repair with a task runner, one repair per tier and storage is handed over until it runs") {
  engine eng(server(GiB, GiB));
  eng.set_usage_recompute([](const std::string&, std::string_view, storage_type) { return std::int64_t{7}; });
  std::vector<std::function<void()>> handed;
  eng.set_task_runner([&](std::function<void()> task) { handed.push_back(std::move(task)); });
  auto acc = enable(eng, "A");
  auto t = acc.tier("");
  for (int i = 0; i < 1000; ++i) acc.update_usage(t, storage_type::memory, -3);
  REQUIRE(handed.size() == 1);
  CHECK(eng.run_pending_repairs() == 0);  // the runner has it, not the queue
  handed[0]();
  CHECK(acc.usage_of(t, storage_type::memory).local == 7);
  acc.update_usage(t, storage_type::memory, -8);  // -1 again: a new repair
  REQUIRE(handed.size() == 2);
  acc.update_usage(t, storage_type::memory, -8);
  CHECK(handed.size() == 2);
  handed[1]();
  CHECK(acc.usage_of(t, storage_type::memory).local == 7);
}

TEST_CASE("docs/semantics.md#drift-repair a runner that throws does not leave the repair stuck as pending") {
  engine eng(server(GiB, GiB));
  eng.set_usage_recompute([](const std::string&, std::string_view, storage_type) { return std::int64_t{0}; });
  int offered = 0;
  std::vector<std::function<void()>> taken;
  eng.set_task_runner([&](std::function<void()> task) {
    if (++offered == 1) throw std::runtime_error("runner full");
    taken.push_back(std::move(task));
  });
  auto acc = enable(eng, "A");
  auto t = acc.tier("");
  acc.update_usage(t, storage_type::file, -1);  // the runner refuses it
  CHECK(offered == 1);
  CHECK(taken.empty());
  acc.update_usage(t, storage_type::file, -1);  // so the next negative update offers a new one
  CHECK(offered == 2);
  REQUIRE(taken.size() == 1);
  taken[0]();
  CHECK(acc.usage_of(t, storage_type::file).local == 0);
}

TEST_CASE(
    "docs/semantics.md#drift-repair a queued repair of a disabled, re-enabled account neither runs nor blocks the new one") {
  engine eng(server(GiB, GiB));
  int recomputes = 0;
  eng.set_usage_recompute([&](const std::string&, std::string_view, storage_type) {
    ++recomputes;
    return std::int64_t{0};
  });
  {
    auto old = enable(eng, "A");
    old.update_usage(old.tier(""), storage_type::file, -5);
    REQUIRE(eng.disable_account("A").ok());
  }
  auto acc = enable(eng, "A");
  acc.update_usage(acc.tier(""), storage_type::file, -5);
  CHECK(eng.run_pending_repairs() == 2);  // the old account's task finds its state gone
  CHECK(recomputes == 1);
  CHECK(acc.usage_of(acc.tier(""), storage_type::file).local == 0);
}

// ------------------------------------------------------------------ throwing hooks during repairs

TEST_CASE("docs/semantics.md#drift-repair a throwing event sink does not drop the other accounts' queued repairs") {
  engine eng(server(GiB, GiB));
  eng.set_usage_recompute([](const std::string&, std::string_view, storage_type) { return std::int64_t{0}; });
  int sink_calls = 0;
  eng.set_event_sink([&](const event&) {
    ++sink_calls;
    throw std::runtime_error("sink down");
  });
  auto a = enable(eng, "A");
  auto b = enable(eng, "B");
  auto c = enable(eng, "C");
  a.update_usage(a.tier(""), storage_type::file, -10);
  b.update_usage(b.tier(""), storage_type::memory, -20);
  c.update_usage(c.tier(""), storage_type::file, -30);
  std::size_t ran = 0;
  CHECK_NOTHROW(ran = eng.run_pending_repairs());
  CHECK(ran == 3);
  CHECK(sink_calls == 3);  // every repair reported, each throw contained
  CHECK(a.usage_of(a.tier(""), storage_type::file).local == 0);
  CHECK(b.usage_of(b.tier(""), storage_type::memory).local == 0);
  CHECK(c.usage_of(c.tier(""), storage_type::file).local == 0);
  CHECK(eng.used() == mem_store{0, 0});
  // The explicit call contains it too, and still returns the applied delta.
  a.update_usage(a.tier(""), storage_type::file, 40);
  std::int64_t delta = 0;
  CHECK_NOTHROW(delta = a.sync_usage("", storage_type::file));
  CHECK(delta == -40);
}

TEST_CASE(
    "docs/semantics.md#drift-repair a throwing recompute hook: every queued repair runs, then the first error is rethrown") {
  engine eng(server(GiB, GiB));
  eng.set_usage_recompute([](const std::string& account, std::string_view, storage_type) -> std::int64_t {
    if (account == "A") throw std::runtime_error("store of A unreadable");
    return 0;
  });
  auto a = enable(eng, "A");
  auto b = enable(eng, "B");
  a.update_usage(a.tier(""), storage_type::file, -10);
  b.update_usage(b.tier(""), storage_type::file, -20);
  CHECK_THROWS_WITH_AS(eng.run_pending_repairs(), "store of A unreadable", std::runtime_error);
  CHECK(a.usage_of(a.tier(""), storage_type::file).local == -10);  // not repaired: its hook failed
  CHECK(b.usage_of(b.tier(""), storage_type::file).local == 0);    // repaired although queued after A's
  CHECK(eng.run_pending_repairs() == 0);
  a.update_usage(a.tier(""), storage_type::file, -1);  // A's flag was cleared: it queues again
  CHECK_THROWS_AS(eng.run_pending_repairs(), std::runtime_error);
}

// ------------------------------------------------------------------ handle lifetime (docs/semantics.md#stream-handle-lifetime)

TEST_CASE_TEMPLATE("docs/semantics.md#stream-handle-lifetime delete_stream under a live owning handle: the handle answers 10059",
                   E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  auto s = create(acc, file("S", 100));
  s.add_usage(10);
  REQUIRE(s.add_consumer({}).ok());
  REQUIRE(acc.delete_stream("S").ok());  // the handle still owns it: was a dangling pointer afterwards
  CHECK(eng.reserved().store == 0);
  CHECK(acc.num_streams() == 0);
  CHECK(acc.usage().consumers == 0);
  CHECK(static_cast<bool>(s));
  CHECK(s.deleted());
  CHECK(s.check_publish(msg(1, 1)) == errc::stream_not_found);
  CHECK(s.check_stored() == errc::stream_not_found);
  s.add_usage(5);  // nothing: the stream is gone
  CHECK(s.stored_bytes() == 10);
  CHECK(acc.usage_of(s.tier(), storage_type::file).local == 10);
  CHECK(err(s.update(file("S", 200))) == errc::stream_not_found);
  CHECK(err(s.add_consumer({})) == errc::stream_not_found);
  s.remove_consumer();  // nothing
  CHECK(acc.usage().consumers == 0);
  CHECK(err(acc.delete_stream("S")) == errc::stream_not_found);
  // A new stream of the same name is not the old handle's: resetting it leaves the new one alone.
  auto again = create(acc, file("S", 50));
  CHECK(eng.reserved().store == 50);
  s.reset();
  CHECK_FALSE(static_cast<bool>(s));
  CHECK(eng.reserved().store == 50);
  CHECK(acc.num_streams() == 1);
  CHECK_FALSE(again.deleted());
  CHECK(again.check_publish(msg(1, 1)) == errc::none);
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#stream-handle-lifetime a non-owning handle (identical re-create) used after the owner deleted the stream",
    E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  auto owner = create(acc, file("S", 100));
  create_options same;
  same.same_as_existing = true;
  auto twin = create(acc, file("S", 100), same);
  REQUIRE_FALSE(twin.did_create());
  REQUIRE_FALSE(twin.owns());
  twin.add_usage(7);
  CHECK(owner.stored_bytes() == 7);  // one stream, two handles
  owner.reset();                     // deletes the stream: the twin pointed into freed memory
  CHECK(eng.reserved().store == 0);
  CHECK(twin.deleted());
  CHECK(twin.check_publish(msg(1, 1)) == errc::stream_not_found);
  twin.add_usage(3);
  CHECK(twin.stored_bytes() == 7);
  CHECK(acc.usage_of(twin.tier(), storage_type::file).local == 7);
  CHECK(err(twin.update(file("S", 10))) == errc::stream_not_found);
  twin.reset();
  CHECK(acc.num_streams() == 0);
  // And the other way round: the twin dying first deletes nothing.
  auto owner2 = create(acc, file("T", 10));
  { auto twin2 = create(acc, file("T", 10), same); }
  CHECK(acc.num_streams() == 1);
  CHECK_FALSE(owner2.deleted());
}

// ------------------------------------------------------------------ disabled accounts
// (docs/semantics.md#diff-disabled-handle-release)

TEST_CASE_TEMPLATE(
    "docs/semantics.md#diff-disabled-handle-release disable/re-enable cycles with live handles never exhaust the server budget",
    E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  for (int cycle = 0; cycle < 50; ++cycle) {
    CAPTURE(cycle);
    auto r = eng.enable_account("A", untiered(lim(-1, 512 * MiB)));
    REQUIRE_MESSAGE(r.ok(), r.error().text());  // was refused (10047) from the 5th cycle on
    auto acc = std::move(r).value();
    auto s1 = create(acc, file("S1", 128 * MiB));
    auto s2 = create(acc, mem("S2", 64 * MiB));
    REQUIRE(eng.disable_account("A").ok());
    // A stop keeps the reservations while the handles live, as main does.
    CHECK(eng.reserved() == mem_store{64 * MiB, 128 * MiB});
    s1.reset();
    CHECK(eng.reserved() == mem_store{64 * MiB, 0});
  }  // s2 dies here, after the disable
  CHECK(eng.reserved() == mem_store{0, 0});
}

TEST_CASE("docs/semantics.md#diff-disabled-handle-release a handle outliving its engine releases into nothing and is safe") {
  engine::reservation keep;
  {
    engine eng(server(GiB, GiB));
    auto acc = enable(eng, "A");
    keep = create(acc, file("S", 100));
    REQUIRE(eng.disable_account("A").ok());
  }
  CHECK(static_cast<bool>(keep));
  keep.reset();
  CHECK_FALSE(static_cast<bool>(keep));
}
