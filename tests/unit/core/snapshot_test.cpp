// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#account-usage-snapshot JetStreamUsage (untiered / tiered quirks), docs/semantics.md#reserved-storage,
// docs/semantics.md#usage-stats usageStats, docs/semantics.md#tier-stats to docs/semantics.md#server-stats.
#include "core_helpers.hpp"

using namespace jsacct;
using namespace coretest;

TEST_CASE(
    "docs/semantics.md#account-usage-snapshot oracle example (2.9.10): untiered account, one file stream holding \"hello\" on "
    "\"s\", 2 API calls") {
  engine_v29 eng(server(GiB, GiB));
  account_limits l = lim(500, 1000, 2, 3);
  auto acc = enable(eng, "A", untiered(l));
  auto s = create(acc, file("S"));
  s.add_usage(static_cast<std::int64_t>(file_store_msg_size(msg(1, 5))));
  acc.track_api();
  acc.track_api();
  const auto u = acc.usage();
  CHECK(u.memory == 0);
  CHECK(u.store == 36);
  CHECK(u.streams == 1);
  CHECK(u.consumers == 0);
  CHECK(u.limits == l);
  CHECK(u.api.total == 2);
  CHECK(u.api.errors == 0);
  CHECK(u.api.level == 0);  // 2.9.10: no api.level
  CHECK(u.reserved_memory == 0);
  CHECK(u.reserved_store == 0);
  CHECK(u.tiers.empty());
}

TEST_CASE("docs/semantics.md#account-usage-snapshot main: the same account reports api.level 5 and reserved_* ") {
  jetstream_config cfg = server(GiB, GiB);
  cfg.domain = "HUB";
  engine eng(cfg);
  account_limits l = lim(500, 1000, 2, 3);
  auto acc = enable(eng, "A", untiered(l));
  auto s = create(acc, file("S", 700));
  auto m = create(acc, mem("M", 300));
  s.add_usage(36);
  const auto u = acc.usage();
  CHECK(u.api.level == 5);
  CHECK(u.domain == "HUB");
  CHECK(u.store == 36);
  CHECK(u.reserved_store == 700);
  CHECK(u.reserved_memory == 300);
  CHECK(u.limits == l);
  CHECK(u.streams == 2);
  CHECK(u.tiers.empty());  // untiered: no "tiers"
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#account-usage-snapshot untiered wins in the snapshot too: limits[\"\"], no tiers even with tiered entries",
    E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A", limits_map{{"", lim(1, 2)}, {"R1", lim(3, 4)}});
  auto s = create(acc, file("S"));
  s.add_usage(5);
  const auto u = acc.usage();
  CHECK(u.limits == lim(1, 2));
  CHECK(u.tiers.empty());
  CHECK(u.store == 5);
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#account-usage-snapshot tiered: configured tiers listed with zero usage; top-level limits zero-valued; "
    "streams bumped (docs/semantics.md#account-usage-snapshot)",
    E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(0, 1100, 2, 2)}, {"R3", lim(0, 1100, 1, 1)}});
  auto s = create(acc, file("S"));
  const auto u = acc.usage();
  CHECK(u.limits == zero_account_limits);
  REQUIRE(u.tiers.size() == 2);
  CHECK(u.tiers.at("R1").limits == lim(0, 1100, 2, 2));
  CHECK(u.tiers.at("R1").streams == 1);
  CHECK(u.tiers.at("R3").limits == lim(0, 1100, 1, 1));
  CHECK(u.tiers.at("R3").store == 0);
  CHECK(u.streams == 1);  // d9da66d67
}

TEST_CASE("TestJetStreamJWTClusteredTiers account info (docs/semantics.md#account-usage-snapshot): totals, tiers, limits") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  const auto l1 = lim(0, 1100, 2, 2), l3 = lim(0, 1100, 1, 1);
  auto acc = enable(eng, "A", limits_map{{"R1", l1}, {"R3", l3}});
  auto a = create(acc, file("A", -1, 1));
  auto b = create(acc, file("B", -1, 1));
  auto c = create(acc, file("C", -1, 3));
  consumer_request r1;
  consumer_request r3;
  r3.replicas = 3;
  REQUIRE(a.add_consumer(r1).ok());
  REQUIRE(b.add_consumer(r1).ok());
  REQUIRE(c.add_consumer(r3).ok());
  a.add_usage(550);
  b.add_usage(550);
  c.add_usage(1100);  // 2 msgs x 550 on this replica
  acc.apply_remote_usage("n2", "R3", 0, 1100);
  acc.apply_remote_usage("n3", "R3", 0, 1100);
  const auto u = acc.usage();
  CHECK(u.memory == 0);
  CHECK(u.store == 4400);
  CHECK(u.streams == 3);
  CHECK(u.consumers == 3);
  CHECK(u.limits == zero_account_limits);
  const auto& t1 = u.tiers.at("R1");
  CHECK(t1.streams == 2);
  CHECK(t1.consumers == 2);
  CHECK(t1.store == 1100);
  CHECK(t1.limits == l1);
  CHECK(t1.limits.max_ack_pending == -1);
  const auto& t3 = u.tiers.at("R3");
  CHECK(t3.streams == 1);
  CHECK(t3.consumers == 1);
  CHECK(t3.store == 3300);
  CHECK(t3.limits == l3);
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#account-usage-snapshot tiered: a tier without limits and zero usage is skipped; with usage it is listed "
    "with zero limits",
    E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}});
  acc.apply_remote_usage("n2", "R5", 0, 0);  // entry created, all zero, no limits
  auto u = acc.usage();
  CHECK(u.tiers.count("R5") == 0);
  CHECK(u.tiers.count("R1") == 1);
  acc.apply_remote_usage("n2", "R5", 0, 9);
  u = acc.usage();
  REQUIRE(u.tiers.count("R5") == 1);
  CHECK(u.tiers.at("R5").store == 9);
  CHECK(u.tiers.at("R5").limits == zero_account_limits);
  CHECK(u.store == 9);
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#account-usage-snapshot quirk: the count-gated insertion hides a limited tier compensated by an unlimited "
    "one",
    E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  acc.update_usage(acc.tier("R1"), storage_type::file, 10);  // limited tier with usage
  acc.apply_remote_usage("n2", "R5", 0, 7);                  // unlimited tier with usage
  // len(limits) == 2 == len(usage) - skipped (R1, R5): R3 is not inserted
  const auto u = acc.usage();
  CHECK(u.tiers.count("R1") == 1);
  CHECK(u.tiers.count("R5") == 1);
  CHECK(u.tiers.count("R3") == 0);
}

TEST_CASE("docs/semantics.md#account-usage-snapshot tiered reserved_* per tier (main), not reported by 2.9.10") {
  engine m(server(GiB, GiB), {.mode = deployment::clustered});
  auto am = enable(m, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  auto a = create(am, file("A", 100, 1));
  auto b = create(am, mem("B", 30, 3));
  auto u = am.usage();
  CHECK(u.reserved_store == 100);
  CHECK(u.reserved_memory == 30);
  CHECK(u.tiers.at("R1").reserved_store == 100);
  CHECK(u.tiers.at("R3").reserved_memory == 30);
  CHECK(u.tiers.at("R3").reserved_store == 0);
  engine_v29 v(server(GiB, GiB), {.mode = deployment::clustered});
  auto av = enable(v, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  auto va = create(av, file("A", 100, 1));
  const auto uv = av.usage();
  CHECK(uv.reserved_store == 0);
  CHECK(uv.tiers.at("R1").reserved_store == 0);
}

TEST_CASE(
    "docs/semantics.md#storage-totals, docs/semantics.md#conventions account info memory/storage wrap when a total is negative "
    "(uint64 reinterpretation)") {
  engine_v29 eng(server(GiB, GiB));  // no drift repair
  auto acc = enable(eng, "A");
  acc.update_usage(acc.tier(""), storage_type::file, -3);
  CHECK(acc.usage().store == static_cast<std::uint64_t>(std::int64_t{-3}));
}

TEST_CASE("docs/semantics.md#usage-stats usageStats (main): accounts, reserved unclamped, used clamped at 0, api.level 5") {
  engine eng(server(GiB, GiB));
  auto a = enable(eng, "A");
  auto b = enable(eng, "B");
  auto s = create(a, file("S", 100));
  auto m = create(b, mem("M", 50));
  a.update_usage(a.tier(""), storage_type::file, -7);
  const auto st = eng.usage_stats();
  CHECK(st.accounts == 2);
  CHECK(st.reserved_store == 100);
  CHECK(st.reserved_memory == 50);
  CHECK(st.store == 0);  // negative -> 0
  CHECK(st.memory == 0);
  CHECK(st.api.level == 5);
  CHECK(st.ha_assets == 0);
  CHECK(st.api.inflight == 0);
}

TEST_CASE("docs/semantics.md#usage-stats usageStats (2.9.10): used wraps, reserved wraps when negative, no api.level") {
  engine_v29 eng(server(GiB, GiB));
  auto a = enable(eng, "A");
  a.update_usage(a.tier(""), storage_type::file, -7);
  auto s = create(a, file("S", 100));
  REQUIRE(s.update(file("S", -1)).ok());  // 2.9.10 releases 101: reserved -1 (docs/semantics.md#stream-update)
  const auto st = eng.usage_stats();
  CHECK(st.store == static_cast<std::uint64_t>(std::int64_t{-7}));
  CHECK(st.reserved_store == static_cast<std::uint64_t>(std::int64_t{-1}));
  CHECK(st.api.level == 0);
}

TEST_CASE_TEMPLATE("docs/semantics.md#server-config config(): the construction config with the current capacities", E, engine,
                   engine_v29, plain_engine) {
  jetstream_config cfg = server(11, 22);
  cfg.domain = "D";
  cfg.store_dir = "/x";
  E eng(cfg);
  CHECK(eng.config() == cfg);
  CHECK(eng.standalone());
  eng.set_server_limits(33, 44);
  CHECK(eng.config().max_memory == 33);
  CHECK(eng.config().max_store == 44);
  CHECK(eng.config().domain == "D");
  E clustered(cfg, {.mode = deployment::clustered});
  CHECK_FALSE(clustered.standalone());
}
