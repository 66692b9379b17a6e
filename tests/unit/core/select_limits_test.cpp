// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#select-limits selectLimits, docs/semantics.md#counting-streams countStreams / tieredReservation,
// docs/semantics.md#max-bytes-limits maxBytesLimits, docs/semantics.md#reserved-storage reservedStorage.
#include "core_helpers.hpp"

using namespace jsacct;
using namespace coretest;

TEST_CASE_TEMPLATE("docs/semantics.md#select-limits selectLimits: untiered \"\" wins over tiered entries", E, engine, engine_v29,
                   plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"", lim(100, 200)}, {"R1", lim(1, 2)}, {"R3", lim(3, 4)}});
  for (std::int64_t r : {1, 3}) {
    auto sel = acc.select_limits(file("s", -1, r));
    REQUIRE(sel.ok());
    CHECK(sel->tier.empty());
    CHECK(sel->untiered());
    CHECK(sel->limits == lim(100, 200));
  }
}

TEST_CASE_TEMPLATE("docs/semantics.md#select-limits selectLimits: tiered selection by replica count", E, engine, engine_v29,
                   plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(1, 2)}, {"R3", lim(3, 4)}});
  auto s1 = acc.select_limits(file("s", -1, 1));
  REQUIRE(s1.ok());
  CHECK(s1->tier == "R1");
  CHECK_FALSE(s1->untiered());
  CHECK(s1->limits == lim(1, 2));
  auto s3 = acc.select_limits(mem("s", -1, 3));
  REQUIRE(s3.ok());
  CHECK(s3->tier == "R3");
  CHECK(s3->limits == lim(3, 4));
}

TEST_CASE_TEMPLATE("docs/semantics.md#select-limits selectLimits: unknown tier -> 10120", E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(1, 2)}, {"R3", lim(3, 4)}});
  CHECK(err(acc.select_limits(file("s", -1, 2))) == errc::no_limits);
  CHECK(err(acc.select_limits(file("s", -1, 5))) == errc::no_limits);
  auto r = acc.create_stream(file("s", -1, 2));
  CHECK(err(r) == errc::no_limits);
  CHECK(r.error().text() == "no JetStream default or applicable tiered limit present (10120)");
}

TEST_CASE(
    "docs/semantics.md#select-limits, docs/semantics.md#version-differences selectLimits with replicas 0: main R1, 2.9.10 R0 "
    "(10120)") {
  const limits_map tiers{{"R1", lim(1, 2)}};
  engine m(server(GiB, GiB));
  auto am = enable(m, "A", tiers);
  auto sm = am.select_limits(file("s", -1, 0));
  REQUIRE(sm.ok());
  CHECK(sm->tier == "R1");
  engine_v29 v(server(GiB, GiB));
  auto av = enable(v, "A", tiers);
  CHECK(err(av.select_limits(file("s", -1, 0))) == errc::no_limits);
}

TEST_CASE_TEMPLATE("docs/semantics.md#select-limits selectLimits on a disabled account -> 10039", E, engine, engine_v29,
                   plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  REQUIRE(eng.disable_account("A").ok());
  CHECK_FALSE(acc.enabled());
  CHECK(static_cast<bool>(acc));
  CHECK(err(acc.select_limits(file("s"))) == errc::not_enabled_for_account);
  CHECK(err(acc.create_stream(file("s"))) == errc::not_enabled_for_account);
  CHECK(err(acc.delete_stream("s")) == errc::not_enabled_for_account);
}

TEST_CASE_TEMPLATE(
    "TestJetStreamTieredLimits (docs/semantics.md#select-limits): only a foreign tier -> 10120; after adding R1 the create works",
    E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A", limits_map{{"nottheer", lim(-1, -1)}});
  auto r = acc.create_stream(file("S"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() == errc::no_limits);
  CHECK(r.error().description().find("no JetStream default or applicable tiered limit present") != std::string::npos);
  REQUIRE(eng.update_account_limits("A", limits_map{{"R1", lim(-1, -1)}}).ok());
  auto ok = acc.create_stream(file("S"));
  CHECK(ok.ok());
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#max-bytes-limits maxBytesLimits: (required, cap for the storage); (false, 0) without limits", E, engine,
    engine_v29, plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  account_limits l1 = lim(-1, -1);
  l1.max_bytes_required = true;
  l1.memory_max_stream_bytes = 51;
  l1.store_max_stream_bytes = 93;
  auto acc = enable(eng, "A", limits_map{{"R1", l1}});
  CHECK(acc.max_bytes_limits(file("s")) == std::pair<bool, std::int64_t>{true, 93});
  CHECK(acc.max_bytes_limits(mem("s")) == std::pair<bool, std::int64_t>{true, 51});
  CHECK(acc.max_bytes_limits(file("s", -1, 3)) == std::pair<bool, std::int64_t>{false, 0});  // no R3 limits
  // A disabled account has no limits at all, as nats-server's maxBytesLimits without a jsAccount.
  REQUIRE(eng.disable_account("A").ok());
  CHECK(acc.max_bytes_limits(file("s")) == std::pair<bool, std::int64_t>{false, 0});
  CHECK(acc.max_bytes_limits(mem("s")) == std::pair<bool, std::int64_t>{false, 0});
}

TEST_CASE(
    "TestJetStreamClusterTieredReservationConsistency (docs/semantics.md#counting-streams): untiered 31/2, R1 1/1, R3 10/1") {
  // R1 file stream MaxBytes 1 and R3 file stream MaxBytes 10 (cluster mode so R3 is allowed).
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", untiered(lim(-1, -1)));
  auto s1 = create(acc, file("R1S", 1, 1));
  auto s3 = create(acc, file("R3S", 10, 3));
  const auto probe1 = file("NEW", 5, 1);
  const auto probe3 = file("NEW", 5, 3);
  // untiered: all streams, each R x MaxBytes: 1 + 3*10
  CHECK(acc.tiered_reservation("", probe1) == 31);
  CHECK(acc.count_streams("", probe1) == 2);
  // tiered views: same tier only, not multiplied
  CHECK(acc.tiered_reservation("R1", probe1) == 1);
  CHECK(acc.count_streams("R1", probe1) == 1);
  CHECK(acc.tiered_reservation("R3", probe3) == 10);
  CHECK(acc.count_streams("R3", probe3) == 1);
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#counting-streams countStreams/tieredReservation exclude the same name (main), include it (2.9.10)", E,
    engine, engine_v29) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A", untiered(lim(-1, -1)));
  auto a = create(acc, file("A", 100));
  auto b = create(acc, file("B", 200));
  const bool v29 = std::is_same_v<typename E::checker, v29_limits>;
  CHECK(acc.count_streams("", file("A", 100)) == (v29 ? 2 : 1));
  CHECK(acc.count_streams("", file("C", 100)) == 2);
  // reservation sums exclude the same-named stream in both versions (docs/semantics.md#counting-streams)
  CHECK(acc.tiered_reservation("", file("A", 100)) == 200);
  CHECK(acc.tiered_reservation("", file("C", 100)) == 300);
}

TEST_CASE_TEMPLATE("docs/semantics.md#counting-streams tieredReservation: only MaxBytes > 0 and (untiered) the same storage", E,
                   engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A", untiered(lim(-1, -1)));
  auto f1 = create(acc, file("F1", 100));
  auto f2 = create(acc, file("F2", -1));
  auto m1 = create(acc, mem("M1", 50));
  CHECK(acc.tiered_reservation("", file("X")) == 100);
  CHECK(acc.tiered_reservation("", mem("X")) == 50);
  CHECK(acc.tiered_reservation("", stream("X", storage_type::unset)) == 0);
}

TEST_CASE(
    "docs/semantics.md#counting-streams, docs/semantics.md#version-differences tiered tieredReservation: main same storage only, "
    "2.9.10 mixes memory and file") {
  const limits_map tiers{{"R1", lim(-1, -1)}};
  engine m(server(GiB, GiB));
  auto am = enable(m, "A", tiers);
  auto mf = create(am, file("F", 100));
  auto mm = create(am, mem("M", 50));
  CHECK(am.tiered_reservation("R1", file("X")) == 100);
  CHECK(am.tiered_reservation("R1", mem("X")) == 50);
  engine_v29 v(server(GiB, GiB));
  auto av = enable(v, "A", tiers);
  auto vf = create(av, file("F", 100));
  auto vm = create(av, mem("M", 50));
  CHECK(av.tiered_reservation("R1", file("X")) == 150);
  CHECK(av.tiered_reservation("R1", mem("X")) == 150);
}

TEST_CASE(
    "docs/semantics.md#reserved-storage reservedStorage: single replica, by tier name, MaxBytes > 0 only "
    "(docs/semantics.md#reserved-storage 47382b1ee)") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", untiered(lim(-1, -1)));
  auto a = create(acc, file("A", 100, 3));
  auto b = create(acc, file("B", -1, 1));  // unlimited: contributes nothing (not 2^64-1)
  auto c = create(acc, mem("C", 7, 1));
  auto d = create(acc, stream("D", storage_type::unset, 1000, 1));  // normalized to file
  CHECK(acc.reserved_storage("") == std::pair<std::uint64_t, std::uint64_t>{7, 1100});
  CHECK(acc.reserved_storage("R3") == std::pair<std::uint64_t, std::uint64_t>{0, 100});
  CHECK(acc.reserved_storage("R1") == std::pair<std::uint64_t, std::uint64_t>{7, 1000});
  CHECK(acc.reserved_storage("R2") == std::pair<std::uint64_t, std::uint64_t>{0, 0});
}

// ------------------------------------------------------------------ selection(): the lock-free form

TEST_CASE_TEMPLATE("selection: the same answer as select_limits, with a tier handle and no string", E, engine, engine_v29,
                   plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(1, 2)}, {"R3", lim(3, 4)}});
  for (std::int64_t r : {1, 3}) {
    auto s = acc.select_limits(file("s", -1, r));
    auto v = acc.selection(file("s", -1, r));
    REQUIRE(s.ok());
    REQUIRE(v.ok());
    CHECK(v->limits == s->limits);
    CHECK(v->tier.name() == s->tier);
    CHECK_FALSE(v->untiered());
    // The handle is the tier's: usage recorded through it is the tier's usage.
    acc.update_usage(v->tier, storage_type::file, 7);
    CHECK(acc.usage_of(acc.tier(s->tier), storage_type::file).local == 7);
  }
  CHECK(err(acc.selection(file("s", -1, 2))) == errc::no_limits);
  REQUIRE(eng.disable_account("A").ok());
  CHECK(err(acc.selection(file("s"))) == errc::not_enabled_for_account);
}

TEST_CASE_TEMPLATE("selection: untiered wins; a limits change is seen at once, in both directions", E, engine, engine_v29,
                   plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(1, 2)}});
  REQUIRE(acc.selection(file("s", -1, 1)).ok());
  REQUIRE(eng.update_account_limits("A", limits_map{{"", lim(100, 200)}, {"R1", lim(1, 2)}}).ok());
  auto u = acc.selection(file("s", -1, 3));
  REQUIRE(u.ok());
  CHECK(u->untiered());
  CHECK(u->limits == lim(100, 200));
  REQUIRE(eng.update_account_limits("A", limits_map{{"R3", lim(3, 4)}}).ok());
  CHECK(err(acc.selection(file("s", -1, 1))) == errc::no_limits);  // R1 lost its limits
  auto t = acc.selection(file("s", -1, 3));
  REQUIRE(t.ok());
  CHECK(t->tier.name() == "R3");
  CHECK(t->limits == lim(3, 4));
}

TEST_CASE("selection: the table grows past its first capacity; every tier stays selectable, extremes are copied exactly") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(1, 1)}});
  for (int round = 0; round < 3; ++round) {
    limits_map m;
    for (std::int64_t r = 1; r <= 5; ++r)
      m["R" + std::to_string(r)] = lim(r + round, std::numeric_limits<std::int64_t>::max() - r);
    for (int extra = 0; extra < 20 * (round + 1); ++extra) m["X" + std::to_string(extra)] = lim(-1, -1);
    REQUIRE(eng.update_account_limits("A", m).ok());
    for (std::int64_t r = 1; r <= 5; ++r) {
      auto v = acc.selection(file("s", -1, r));
      REQUIRE(v.ok());
      CHECK(v->limits == m["R" + std::to_string(r)]);
    }
  }
}

namespace {
/// A selector whose tier names are longer than tier_name's 23 bytes: the
/// lock-free table cannot hold them, and selection() takes the mutex path.
struct long_name_selector {
  std::string tier_of(const stream_config& c) const noexcept {
    return c.replicas == 1 ? std::string("a-tier-name-longer-than-23-bytes") : std::string("short");
  }
  bool same_tier(const stream_config& a, const stream_config& b) const noexcept { return a.replicas == b.replicas; }
};
}  // namespace

TEST_CASE("selection: a tier name longer than 23 bytes is found through the locked path") {
  if constexpr (tier_selector<long_name_selector>) {
    basic_engine<main_limits, long_name_selector, atomic_counters> eng(server(GiB, GiB), {.mode = deployment::clustered});
    auto acc = eng.enable_account("A", limits_map{{"a-tier-name-longer-than-23-bytes", lim(5, 6)}, {"short", lim(7, 8)}}).value();
    auto l = acc.selection(file("s", -1, 1));
    REQUIRE(l.ok());
    CHECK(l->tier.name() == "a-tier-name-longer-than-23-bytes");
    CHECK(l->limits == lim(5, 6));
    auto s = acc.selection(file("s", -1, 3));
    REQUIRE(s.ok());
    CHECK(s->tier.name() == "short");
    CHECK(s->limits == lim(7, 8));
    auto sl = acc.select_limits(file("s", -1, 1));
    REQUIRE(sl.ok());
    CHECK(sl->tier == "a-tier-name-longer-than-23-bytes");
  } else {
    FAIL("long_name_selector does not model tier_selector");
  }
}
