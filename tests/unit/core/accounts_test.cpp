// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#account-lifecycle account lifecycle, docs/semantics.md#sufficient-resources sufficientResources,
// docs/semantics.md#diff-checked-limits diffCheckedLimits, docs/semantics.md#diff-sufficient-resources-overflow,
// docs/semantics.md#diff-limit-update-clamp.
#include "core_helpers.hpp"

using namespace jsacct;
using namespace coretest;

TEST_CASE_TEMPLATE("TestJetStreamEnableAndDisableAccount (docs/semantics.md#account-enable, docs/semantics.md#account-disable)",
                   E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto g = enable(eng, "$G");
  CHECK(eng.num_accounts() == 1);
  CHECK(eng.find_account("$G").enabled());
  REQUIRE(eng.disable_account("$G").ok());
  CHECK(eng.num_accounts() == 0);
  CHECK(eng.reserved() == mem_store{0, 0});
  CHECK_FALSE(static_cast<bool>(eng.find_account("$G")));
  auto foo = enable(eng, "$FOO");  // nil limits -> dynamic defaults
  CHECK(eng.num_accounts() == 1);
  CHECK(foo.limits() == default_account_tiers());
  REQUIRE(eng.disable_account("$FOO").ok());
  CHECK(eng.num_accounts() == 0);
  CHECK(err(eng.disable_account("$BAR")) == errc::not_enabled_for_account);
  CHECK(eng.usage_stats().accounts == 0);
}

TEST_CASE(
    "docs/semantics.md#account-enable, docs/semantics.md#version-differences main: enabling an enabled account is idempotent "
    "(same engine, limits unchanged)") {
  engine eng(server(GiB, GiB));
  auto a = enable(eng, "A", untiered(lim(10, 20)));
  auto b = enable(eng, "A", untiered(lim(99, 99)));
  CHECK(&a.name() == &b.name());  // one shared account
  CHECK(b.limits() == untiered(lim(10, 20)));
  CHECK(eng.num_accounts() == 1);
}

TEST_CASE_TEMPLATE(
    "TestJetStreamSystemLimits (docs/semantics.md#sufficient-resources, docs/semantics.md#account-limits-update): admission "
    "against 1024 / 8192",
    E, engine, engine_v29, plain_engine) {
  E eng(server(1024, 8192));
  auto limits = [](std::int64_t m, std::int64_t s) {
    account_limits l = zero_account_limits;
    l.max_memory = m;
    l.max_store = s;
    l.max_streams = -1;
    l.max_consumers = -1;
    return untiered(l);
  };
  CHECK(eng.reserved() == mem_store{0, 0});
  auto f = enable(eng, "FOO", limits(24, 192));
  auto b = enable(eng, "BAR", limits(1000, 0));  // exactly 1024 memory in total
  CHECK(err(eng.enable_account("BAZ", limits(1000, 0))) == errc::memory_resources_exceeded);
  CHECK(err(eng.enable_account("BAZ", limits(0, 10000))) == errc::storage_resources_exceeded);
  CHECK_FALSE(static_cast<bool>(eng.find_account("BAZ")));
  REQUIRE(eng.disable_account("FOO").ok());
  REQUIRE(eng.disable_account("BAR").ok());
  CHECK(err(eng.disable_account("BAZ")) == errc::not_enabled_for_account);
  CHECK(eng.reserved() == mem_store{0, 0});
  f = enable(eng, "FOO", limits(24, 192));
  auto full = limits(1024, 8192);
  full[""].max_streams = 10;
  full[""].max_consumers = 10;
  REQUIRE(eng.update_account_limits("FOO", full).ok());  // exactly the server capacity
  {
    std::vector<typename E::reservation> v;
    for (int i = 0; i < 10; ++i) v.push_back(create(f, mem(std::to_string(i))));
    CHECK(err(f.create_stream(mem("10"))) == errc::maximum_streams_limit);
  }
  CHECK(err(f.create_stream(mem("22", 8192 * 2))) == errc::memory_resources_exceeded);
  CHECK(err(f.create_stream(mem("22", -1, 10))) == errc::stream_invalid_config);
}

TEST_CASE_TEMPLATE(
    "TestJetStreamJWTLimits (docs/semantics.md#sufficient-resources, docs/semantics.md#account-limits-update): diff-checked "
    "updates on a 10 MiB server",
    E, engine, engine_v29, plain_engine) {
  auto jwt = [](std::int64_t m, std::int64_t d, std::int64_t streams, std::int64_t consumers, bool required) {
    account_limits l = lim(m, d, streams, consumers);
    l.max_bytes_required = required;
    return untiered(l);
  };
  const auto limits1 = jwt(1024 * 1024, 2048 * 1024, 1, 2, true);
  const auto limits2 = jwt(4096 * 1024, 8192 * 1024, 3, 4, false);
  const auto exceeded = jwt(8192 * 1024, 16384 * 1024, 5, 6, false);
  {
    E eng(server(10 * MiB, 10 * MiB));
    auto a = enable(eng, "A", limits1);
    CHECK(a.limits() == limits1);
    REQUIRE(eng.update_account_limits("A", limits2).ok());
    CHECK(a.limits() == limits2);
    REQUIRE(eng.update_account_limits("A", limits2).ok());  // the diff is 0: not counted twice
    CHECK(a.limits() == limits2);
    CHECK(err(eng.update_account_limits("A", exceeded)) == errc::storage_resources_exceeded);
    CHECK(a.limits() == limits2);  // old limits stay in force
    REQUIRE(eng.disable_account("A").ok());
    CHECK(err(eng.enable_account("A", exceeded)) == errc::storage_resources_exceeded);
    CHECK(eng.num_accounts() == 0);  // JetStream stays disabled for the account
  }
  {
    E eng(server(20 * MiB, 20 * MiB));  // restart with a larger server
    auto a = enable(eng, "A", exceeded);
    CHECK(a.limits() == exceeded);
  }
}

TEST_CASE_TEMPLATE("TestJetStreamJWTExpiredAccountNotCountedTowardLimits (docs/semantics.md#sufficient-resources c8af84d3d)", E,
                   engine, engine_v29, plain_engine) {
  E eng(server(10 * MiB, 10 * MiB));
  auto a = enable(eng, "A", untiered(lim(7 * MiB, 7 * MiB)));
  CHECK(err(eng.enable_account("B", untiered(lim(7 * MiB, 7 * MiB)))) == errc::memory_resources_exceeded);
  eng.set_account_expired("A", true);
  auto b = enable(eng, "B", untiered(lim(7 * MiB, 7 * MiB)));
  CHECK(b.limits().at("").max_memory == 7340032);
  CHECK(eng.account_limits_total() == std::pair<std::int64_t, std::int64_t>{7 * MiB, 7 * MiB});
  eng.set_account_expired("A", false);  // back: counted again
  CHECK(eng.account_limits_total() == std::pair<std::int64_t, std::int64_t>{14 * MiB, 14 * MiB});
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#sufficient-resources sufficientResources: only positive limits count; server reservations count; memory "
    "before storage",
    E, engine, engine_v29, plain_engine) {
  E eng(server(1000, 1000));
  CHECK(eng.sufficient_resources(untiered(lim(-1, -1))) == errc::none);
  CHECK(eng.sufficient_resources(untiered(lim(0, 0))) == errc::none);
  CHECK(eng.sufficient_resources(untiered(lim(1000, 1000))) == errc::none);  // exactly at capacity
  CHECK(eng.sufficient_resources(untiered(lim(1001, 1001))) == errc::memory_resources_exceeded);
  CHECK(eng.sufficient_resources(untiered(lim(1, 1001))) == errc::storage_resources_exceeded);
  CHECK(eng.sufficient_resources(limits_map{{"R1", lim(600, -1)}, {"R3", lim(401, -1)}}) == errc::memory_resources_exceeded);
  auto a = enable(eng, "A");  // unlimited: contributes nothing
  auto s = create(a, file("S", 600));
  CHECK(eng.sufficient_resources(untiered(lim(-1, 400))) == errc::none);
  CHECK(eng.sufficient_resources(untiered(lim(-1, 401))) == errc::storage_resources_exceeded);  // reserved 600 + 401
}

TEST_CASE_TEMPLATE("docs/semantics.md#sufficient-resources sufficientResources is skipped when not standalone", E, engine,
                   engine_v29, plain_engine) {
  E eng(server(10, 10), {.mode = deployment::clustered});
  CHECK(eng.sufficient_resources(untiered(lim(MaxInt64, MaxInt64))) == errc::none);
  auto a = enable(eng, "A", untiered(lim(1000, 1000)));
  CHECK(eng.update_account_limits("A", untiered(lim(5000, 5000))).ok());
}

TEST_CASE("docs/semantics.md#diff-sufficient-resources-overflow: two tiers of MaxInt64: main refuses, 2.9.10 wraps and admits") {
  const limits_map two{{"R1", lim(MaxInt64, -1)}, {"R3", lim(MaxInt64, -1)}};
  engine m(server(1024, 1024));
  CHECK(err(m.enable_account("A", two)) == errc::memory_resources_exceeded);
  engine_v29 v(server(1024, 1024));
  CHECK(v.enable_account("A", two).ok());
}

TEST_CASE(
    "docs/semantics.md#diff-limit-update-clamp: update from -1 to exactly the server capacity: main accepted, 2.9.10 refused "
    "(raw diff cap + 1)") {
  engine m(server(1024, 1024));
  auto am = enable(m, "A");
  CHECK(m.update_account_limits("A", untiered(lim(1024, 1024))).ok());
  engine_v29 v(server(1024, 1024));
  auto av = enable(v, "A");
  CHECK(err(v.update_account_limits("A", untiered(lim(1024, 1024)))) == errc::memory_resources_exceeded);
  CHECK(av.limits() == default_account_tiers());
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#account-limits-update update: not enabled -> 10039; usage above new limits is not re-checked", E, engine,
    engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  CHECK(err(eng.update_account_limits("X", untiered(lim(1, 1)))) == errc::not_enabled_for_account);
  auto a = enable(eng, "A");
  auto s = create(a, file("S", 1000));
  s.add_usage(900);
  REQUIRE(eng.update_account_limits("A", untiered(lim(10, 10))).ok());
  CHECK(eng.reserved().store == 1000);
  CHECK(a.usage().store == 900);
  REQUIRE(eng.update_account_limits("A", {}).ok());  // empty -> defaults
  CHECK(a.limits() == default_account_tiers());
}

TEST_CASE(
    "docs/semantics.md#diff-checked-limits diffCheckedLimits: raw subtraction, missing tiers count as zero, other fields zero") {
  auto ident = [](std::int64_t v) { return v; };
  // -1 -> 1 GiB gives +1 GiB + 1
  auto d = diff_checked_limits(untiered(lim(-1, -1)), untiered(lim(GiB, GiB)), ident);
  CHECK(d.at("").max_memory == GiB + 1);
  CHECK(d.at("").max_store == GiB + 1);
  CHECK(d.at("").max_streams == 0);
  CHECK(d.at("").max_consumers == 0);
  // 1 GiB -> -1: negative delta
  d = diff_checked_limits(untiered(lim(GiB, GiB)), untiered(lim(-1, -1)), ident);
  CHECK(d.at("").max_memory == -GiB - 1);
  // {"": all -1} -> {"R1": ...}: "" gets {+1, +1}, R1 the new values
  d = diff_checked_limits(untiered(lim(-1, -1)), limits_map{{"R1", lim(10, 20)}}, ident);
  REQUIRE(d.size() == 2);
  CHECK(d.at("").max_memory == 1);
  CHECK(d.at("").max_store == 1);
  CHECK(d.at("R1").max_memory == 10);
  CHECK(d.at("R1").max_store == 20);
  // main's operand clamps -1 to 0 (docs/semantics.md#diff-limit-update-clamp)
  d = diff_checked_limits(untiered(lim(-1, -1)), untiered(lim(GiB, GiB)),
                          [](std::int64_t v) { return main_limits::diff_operand(v); });
  CHECK(d.at("").max_memory == GiB);
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#account-disable disable keeps an owned stream's reservation while its handle lives, releases streams "
    "released to the engine; handles report 10039",
    E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto a = enable(eng, "A");
  auto s = create(a, mem("S", 100));
  auto k = create(a, mem("K", 50));
  CHECK(k.release() == "K");
  CHECK(eng.reserved().mem == 150);
  REQUIRE(eng.disable_account("A").ok());
  CHECK_FALSE(a.enabled());
  // S stays while its handle lives (main keeps it until a restart); K has no
  // handle that could ever release it, so it left with the disable
  // (docs/semantics.md#diff-disabled-handle-release, nats-server #3420).
  CHECK(eng.reserved().mem == 100);
  CHECK(eng.usage_stats().reserved_memory == 100);
  CHECK(err(a.delete_stream("S")) == errc::not_enabled_for_account);
  CHECK(err(a.delete_stream("K")) == errc::not_enabled_for_account);
  CHECK(s.release() == "S");  // after the disable nobody could delete it later: it leaves now
  CHECK(eng.reserved().mem == 0);
}
