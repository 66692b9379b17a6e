// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#usage-model to docs/semantics.md#drift-repair, docs/semantics.md#storage-totals,
// docs/semantics.md#api-counters, docs/semantics.md#aru-merge (merge semantics): updateUsage, storageTotals, drift repair with
// the recompute hook and pending repairs, remote usage merge, API counters.
#include "core_helpers.hpp"

#include <map>
#include <vector>

using namespace jsacct;
using namespace coretest;

TEST_CASE_TEMPLATE("docs/semantics.md#update-usage updateUsage: local, total and the server's used bytes move together", E,
                   engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  auto t = acc.tier("");
  acc.update_usage(t, storage_type::memory, 100);
  acc.update_usage(t, storage_type::file, 70);
  acc.update_usage(t, storage_type::unset, 5);  // not memory -> file (docs/semantics.md#storage-types)
  CHECK(acc.usage_of(t, storage_type::memory).local == 100);
  CHECK(acc.usage_of(t, storage_type::memory).total == 100);
  CHECK(acc.usage_of(t, storage_type::file).local == 75);
  CHECK(eng.used() == mem_store{100, 75});
  acc.update_usage(t, storage_type::file, -75);
  CHECK(acc.usage_of(t, storage_type::file).total == 0);
  CHECK(eng.used().store == 0);
}

TEST_CASE_TEMPLATE("docs/semantics.md#usage-model server used bytes sum every account (this server only)", E, engine, engine_v29,
                   plain_engine) {
  E eng(server(GiB, GiB));
  auto a = enable(eng, "A");
  auto b = enable(eng, "B");
  a.update_usage(a.tier(""), storage_type::file, 10);
  b.update_usage(b.tier(""), storage_type::file, 32);
  CHECK(eng.used().store == 42);
  CHECK(eng.usage_stats().store == 42);
  b.apply_remote_usage("peer", "", 1000, 1000);  // remote updates never touch server counters
  CHECK(eng.used() == mem_store{0, 42});
}

TEST_CASE_TEMPLATE("docs/semantics.md#storage-totals storageTotals: Σ uint64(total) over tiers, wrapping", E, engine, engine_v29,
                   plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  auto r1 = acc.tier("R1");
  auto r3 = acc.tier("R3");
  acc.update_usage(r1, storage_type::file, -10);  // a negative tier total
  acc.update_usage(r3, storage_type::file, 30);
  acc.update_usage(r3, storage_type::memory, 7);
  CHECK(acc.storage_totals() == std::pair<std::uint64_t, std::uint64_t>{7, 20});
  CHECK(acc.usage().store == 20);  // JetStreamUsage top level uses storageTotals (docs/semantics.md#account-usage-snapshot)
}

TEST_CASE(
    "TestJetStreamClusterStreamAccountingDriftFixups (docs/semantics.md#drift-repair): negative local usage repaired via the "
    "recompute hook") {
  engine eng(server(GiB, GiB));
  std::vector<std::tuple<std::string, std::string, storage_type>> calls;
  eng.set_usage_recompute([&](const std::string& a, std::string_view t, storage_type s) {
    calls.emplace_back(a, std::string(t), s);
    return std::int64_t{0};  // the streams really hold nothing after the purge
  });
  auto acc = enable(eng, "A");
  auto s = create(acc, file("S"));
  s.add_usage(500);
  s.add_usage(-500);  // purge
  CHECK(acc.usage().store == 0);
  CHECK(eng.usage_stats().store == 0);
  s.add_usage(-100);  // drift: local goes negative
  CHECK(acc.usage_of(s.tier(), storage_type::file).local == -100);
  CHECK(eng.usage_stats().store == 0);  // main clamps negative server usage (docs/semantics.md#usage-stats)
  CHECK(calls.empty());                 // never inline (docs/semantics.md#update-usage step 4)
  CHECK(eng.run_pending_repairs() == 1);
  REQUIRE(calls.size() == 1);
  CHECK(std::get<0>(calls[0]) == "A");
  CHECK(std::get<1>(calls[0]).empty());
  CHECK(std::get<2>(calls[0]) == storage_type::file);
  CHECK(acc.usage_of(s.tier(), storage_type::file).local == 0);
  CHECK(acc.usage().store == 0);
  CHECK(eng.used().store == 0);
  CHECK(eng.run_pending_repairs() == 0);
}

TEST_CASE(
    "TestJetStreamUsageSyncDeadlock (docs/semantics.md#drift-repair e018705a0): a task runner running inline does not deadlock") {
  engine eng(server(GiB, GiB));
  std::int64_t actual = 0;
  eng.set_usage_recompute([&](const std::string&, std::string_view, storage_type) { return actual; });
  eng.set_task_runner([](std::function<void()> task) { task(); });  // runs immediately on this thread
  auto acc = enable(eng, "A");
  auto s = create(acc, mem("S"));
  s.add_usage(200);
  actual = 200;
  s.add_usage(-1200);                                                // forced to -1000, as the Go test does
  CHECK(acc.usage_of(s.tier(), storage_type::memory).local == 200);  // repaired to the real value
  s.add_usage(33);                                                   // another publish works
  CHECK(acc.usage_of(s.tier(), storage_type::memory).local == 233);
  CHECK(eng.used().mem == 233);
}

TEST_CASE("docs/semantics.md#drift-repair 0a86bf4a9: two consecutive negative excursions are both repaired") {
  engine eng(server(GiB, GiB));
  eng.set_usage_recompute([](const std::string&, std::string_view, storage_type) { return std::int64_t{5}; });
  std::vector<event> seen;
  eng.set_event_sink([&](const event& e) { seen.push_back(e); });
  auto acc = enable(eng, "A");
  auto t = acc.tier("");
  acc.update_usage(t, storage_type::file, -1);
  CHECK(eng.run_pending_repairs() == 1);
  CHECK(acc.usage_of(t, storage_type::file).local == 5);
  acc.update_usage(t, storage_type::file, -10);
  CHECK(eng.run_pending_repairs() == 1);
  CHECK(acc.usage_of(t, storage_type::file).local == 5);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].kind == event_kind::usage_repaired);
  CHECK(seen[0].before == -1);
  CHECK(seen[0].after == 5);
  CHECK(seen[1].before == -5);
  CHECK(seen[1].account == "A");
}

TEST_CASE("docs/semantics.md#drift-repair drift repair leaves remote contributions untouched; totals move by the local delta") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  eng.set_usage_recompute([](const std::string&, std::string_view, storage_type) { return std::int64_t{0}; });
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}});
  auto t = acc.tier("R1");
  acc.apply_remote_usage("n2", "R1", 0, 400);
  acc.update_usage(t, storage_type::file, -50);
  CHECK(acc.usage_of(t, storage_type::file).total == 350);
  CHECK(eng.run_pending_repairs() == 1);
  CHECK(acc.usage_of(t, storage_type::file).local == 0);
  CHECK(acc.usage_of(t, storage_type::file).remote == 400);
  CHECK(acc.usage_of(t, storage_type::file).total == 400);
}

TEST_CASE("docs/semantics.md#drift-repair explicit sync_usage repairs over-counting too; no hook -> no-op") {
  engine eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  auto t = acc.tier("");
  acc.update_usage(t, storage_type::file, 100);
  CHECK(acc.sync_usage("", storage_type::file) == 0);  // no hook set
  eng.set_usage_recompute([](const std::string&, std::string_view, storage_type) { return std::int64_t{60}; });
  CHECK(acc.sync_usage("", storage_type::file) == -40);
  CHECK(acc.usage_of(t, storage_type::file).local == 60);
  CHECK(eng.used().store == 60);
  CHECK(acc.sync_usage("nope", storage_type::file) == 0);  // docs/semantics.md#drift-repair step 4: no usage entry
}

TEST_CASE("docs/semantics.md#drift-repair drift repair after the account was disabled does nothing") {
  engine eng(server(GiB, GiB));
  int calls = 0;
  eng.set_usage_recompute([&](const std::string&, std::string_view, storage_type) {
    ++calls;
    return std::int64_t{0};
  });
  auto acc = enable(eng, "A");
  acc.update_usage(acc.tier(""), storage_type::file, -5);
  REQUIRE(eng.disable_account("A").ok());
  CHECK(eng.run_pending_repairs() == 1);
  CHECK(calls == 0);
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#update-usage, docs/semantics.md#version-differences 2.9.10 and plain counters: 2.9.10 never repairs "
    "(negative usage persists)",
    E, engine_v29) {
  E eng(server(GiB, GiB));
  eng.set_usage_recompute([](const std::string&, std::string_view, storage_type) { return std::int64_t{0}; });
  auto acc = enable(eng, "A");
  auto t = acc.tier("");
  acc.update_usage(t, storage_type::file, -100);
  CHECK(eng.run_pending_repairs() == 0);
  CHECK(acc.usage_of(t, storage_type::file).local == -100);
  // 2.9.10 does not clamp: the negative value wraps (docs/semantics.md#usage-stats)
  CHECK(eng.usage_stats().store == static_cast<std::uint64_t>(std::int64_t{-100}));
}

TEST_CASE_TEMPLATE("docs/semantics.md#aru-merge remote merge: a node's contribution is replaced, never accumulated", E, engine,
                   engine_v29, plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R3", lim(-1, -1)}});
  auto t = acc.tier("R3");
  acc.update_usage(t, storage_type::file, 10);
  acc.apply_remote_usage("n2", "R3", 1, 100);
  acc.apply_remote_usage("n2", "R3", 1, 100);  // same update twice = same totals
  CHECK(acc.usage_of(t, storage_type::file).total == 110);
  CHECK(acc.usage_of(t, storage_type::memory).total == 1);
  acc.apply_remote_usage("n3", "R3", 0, 50);
  CHECK(acc.usage_of(t, storage_type::file).remote == 150);
  acc.apply_remote_usage("n2", "R3", 0, 20);  // replaced
  CHECK(acc.usage_of(t, storage_type::file).total == 80);
  CHECK(acc.usage_of(t, storage_type::memory).total == 0);
  CHECK(acc.usage_of(t, storage_type::file).local == 10);  // local untouched
  CHECK(eng.used().store == 10);                           // server untouched
  CHECK(acc.storage_totals().second == 80);
}

TEST_CASE_TEMPLATE("docs/semantics.md#aru-merge remote merge: an omitted tier keeps its old contribution; unknown tiers appear",
                   E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}});
  acc.apply_remote_usage("n2", "R1", 0, 5);
  acc.apply_remote_usage("n2", "R5", 0, 7);  // no limits for R5: still tracked
  acc.apply_remote_usage("n2", "R1", 0, 6);  // R5 omitted: kept
  CHECK(acc.usage_of(acc.tier("R5"), storage_type::file).total == 7);
  CHECK(acc.usage_of(acc.tier("R1"), storage_type::file).total == 6);
  CHECK(acc.storage_totals().second == 13);
  // jsacct's addition: removing a node subtracts everything it reported
  acc.remove_remote_node("n2");
  CHECK(acc.storage_totals().second == 0);
  acc.remove_remote_node("n2");  // unknown: no-op
  CHECK(acc.storage_totals().second == 0);
}

TEST_CASE(
    "docs/semantics.md#aru-merge, docs/semantics.md#account-publish-check publish checks use the cluster-wide total (local + "
    "remote)") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", untiered(lim(-1, 100)));
  auto s = create(acc, file("S"));
  CHECK(s.check_publish(msg(0, 70)) == errc::none);  // 100 <= 100
  acc.apply_remote_usage("n2", "", 0, 1);
  CHECK(s.check_publish(msg(0, 70)) == errc::account_resources_exceeded);
}

TEST_CASE("docs/semantics.md#aru-layout for_each_local_usage reports local values of tiers with a usage entry only") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  acc.update_usage(acc.tier("R1"), storage_type::memory, 3);
  acc.apply_remote_usage("n2", "R5", 9, 9);
  std::map<std::string, mem_store> seen;
  acc.for_each_local_usage([&](std::string_view t, std::int64_t m, std::int64_t f) { seen[std::string(t)] = {m, f}; });
  CHECK(seen.size() == 2);  // R1 (local delta) and R5 (remote report); R3 has limits but no usage entry
  CHECK(seen["R1"] == mem_store{3, 0});
  CHECK(seen["R5"] == mem_store{0, 0});
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#api-counters API counters: account and server, errors count as requests; remote counters replaced", E,
    engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A");
  acc.track_api();
  acc.track_api();
  acc.track_api_error();
  CHECK(acc.local_api() == std::pair<std::uint64_t, std::uint64_t>{3, 1});
  CHECK(acc.usage().api.total == 3);
  CHECK(acc.usage().api.errors == 1);
  CHECK(eng.usage_stats().api.total == 3);
  CHECK(eng.usage_stats().api.errors == 1);
  acc.set_remote_api("n2", 10, 2);
  acc.set_remote_api("n2", 10, 2);
  CHECK(acc.usage().api.total == 13);
  CHECK(acc.usage().api.errors == 3);
  acc.set_remote_api("n2", 4, 0);
  CHECK(acc.usage().api.total == 7);
  CHECK(eng.usage_stats().api.total == 3);  // server counters: this server only
  acc.remove_remote_node("n2");
  CHECK(acc.usage().api.total == 3);
}

TEST_CASE(
    "docs/semantics.md#drift-repair drift repair event text: nats-server's wording with friendlyBytes "
    "(docs/semantics.md#friendly-bytes, negatives per docs/semantics.md#diff-friendly-bytes-negative)") {
  jsacct::jetstream_config cfg;
  cfg.max_memory = std::int64_t{1} << 30;
  cfg.max_store = std::int64_t{1} << 30;
  jsacct::engine eng(cfg);
  std::vector<std::string> texts;
  eng.set_usage_recompute([](const std::string&, std::string_view, jsacct::storage_type) { return std::int64_t{2048}; });
  eng.set_event_sink([&](const jsacct::event& e) {
    if (e.kind == jsacct::event_kind::usage_repaired) texts.push_back(e.text);
  });
  auto acc = eng.enable_account("A").value();
  acc.update_usage(acc.tier(""), jsacct::storage_type::file, -1024);
  CHECK(eng.run_pending_repairs() == 1);
  REQUIRE(texts.size() == 1);
  CHECK(texts[0] == "FileStore usage drift of 2.00 KB vs -1.00 KB detected for account \"A\"");
  acc.update_usage(acc.tier(""), jsacct::storage_type::memory, -16);
  eng.set_usage_recompute([](const std::string&, std::string_view, jsacct::storage_type) { return std::int64_t{0}; });
  CHECK(eng.run_pending_repairs() == 1);
  REQUIRE(texts.size() == 2);
  CHECK(texts[1] == "MemStore usage drift of 0 B vs -16 B detected for account \"A\"");
}
