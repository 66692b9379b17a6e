// SPDX-License-Identifier: Apache-2.0
// docs/explanations.md: the `why` of each refusal kind at its edges (exactly at the
// limit: accepted, no why; one over: refused with the exact numbers), the text form,
// and explain_publish against check_publish.
#include <string>
#include <vector>

#include "core_helpers.hpp"

using namespace jsacct;
using namespace coretest;

namespace {

template <class R>
explanation why_of(const R& r) {
  REQUIRE_FALSE(r.ok());
  REQUIRE_MESSAGE(r.error().why() != nullptr, r.error().text());
  return *r.error().why();
}

limits_map r1(const account_limits& l) { return limits_map{{"R1", l}}; }

}  // namespace

TEST_CASE("explanation text: tier, account, server and counts; exact binary units") {
  explanation w;
  w.code = errc::storage_resources_exceeded;
  w.level = limit_level::tier;
  w.resource = limit_resource::storage;
  w.tier = "R1";
  w.requested = 128 * KiB;
  w.reserved = 192 * KiB;
  w.limit = 256 * KiB;
  w.contributors = {{"NEW", 128 * KiB}, {"DONE", 64 * KiB}};
  CHECK(w.text() == "10047: tier R1 storage: requested 128 KiB + reserved 192 KiB (NEW 128 KiB, DONE 64 KiB) > limit 256 KiB");
  w.level = limit_level::account;
  w.requested = 131073;
  w.reserved = 128 * KiB;
  w.contributors = {{"NEW", 128 * KiB}};
  CHECK(w.text() == "10047: account storage: requested 131073 B + reserved 128 KiB (NEW 128 KiB) > limit 256 KiB");
  w.level = limit_level::server;
  w.contributors.clear();
  w.resource = limit_resource::memory;
  w.code = errc::memory_resources_exceeded;
  CHECK(w.text() == "10028: server memory: requested 131073 B + reserved 128 KiB > limit 256 KiB");

  explanation n;
  n.code = errc::maximum_streams_limit;
  n.level = limit_level::tier;
  n.resource = limit_resource::streams;
  n.tier = "R1";
  n.requested = 1;
  n.used = 2;
  n.limit = 2;
  CHECK(n.text() == "10027: tier R1 streams: requested 1 + used 2 > limit 2");
  n.used = 1;  // numbers that do not exceed are shown as they are, not as ">"
  CHECK(n.text() == "10027: tier R1 streams: requested 1 + used 1 >= limit 2");
  n.used = 0;
  CHECK(n.text() == "10027: tier R1 streams: requested 1 vs limit 2");
}

TEST_CASE("explanation text: int64 extremes do not overflow") {
  CHECK(exact_bytes(0) == "0 B");
  CHECK(exact_bytes(1023) == "1023 B");
  CHECK(exact_bytes(1024) == "1 KiB");
  CHECK(exact_bytes(-1) == "-1 B");
  CHECK(exact_bytes(MaxInt64) == "9223372036854775807 B");
  CHECK(exact_bytes(MinInt64) == "-8 EiB");  // -2^63
  CHECK(exact_bytes(std::int64_t{1} << 62) == "4 EiB");
  explanation w;
  w.code = errc::storage_resources_exceeded;
  w.resource = limit_resource::storage;
  w.requested = MaxInt64;
  w.used = MaxInt64;
  w.reserved = MaxInt64;
  w.limit = MaxInt64;
  CHECK(w.text() ==
        "10047: account storage: requested 9223372036854775807 B + used 9223372036854775807 B + reserved "
        "9223372036854775807 B > limit 9223372036854775807 B");
  w.requested = MinInt64;
  w.used = 0;
  w.reserved = 0;
  w.limit = MinInt64;
  CHECK(w.text() == "10047: account storage: requested -8 EiB >= limit -8 EiB");
}

TEST_CASE("api_error: the why is shared, not compared, and absent on a bare errc") {
  const api_error bare(errc::storage_resources_exceeded);
  CHECK(bare.why() == nullptr);
  auto w = std::make_shared<const explanation>(explanation{.code = errc::storage_resources_exceeded});
  const api_error with = bare.with_why(w);
  CHECK(with.why() == w.get());
  CHECK(with == bare);
  const api_error copy = with;
  CHECK(copy.why() == w.get());
  result<int> r(with);
  CHECK(r.error().why() == w.get());
}

TEST_CASE_TEMPLATE("max_streams (10027): at the limit no why, one over refused; -1 and 0 never refuse", E, engine, engine_v29) {
  E eng(server(GiB, GiB));
  SUBCASE("tier R1") {
    auto a = enable(eng, "T", r1(lim(MiB, MiB, 2)));
    auto s1 = create(a, file("A", 10));
    auto s2 = create(a, file("B", 10));
    const auto r = a.create_stream(file("C", 10));
    const explanation& w = why_of(r);
    CHECK(w.code == errc::maximum_streams_limit);
    CHECK(w.level == limit_level::tier);
    CHECK(w.source == limit_source::tier_config);
    CHECK(w.resource == limit_resource::streams);
    CHECK(w.account == "T");
    CHECK(w.tier == "R1");
    CHECK(w.stream == "C");
    CHECK(w.requested == 1);
    CHECK(w.used == 2);
    CHECK(w.limit == 2);
    CHECK(w.text() == "10027: tier R1 streams: requested 1 + used 2 > limit 2");
  }
  SUBCASE("untiered") {
    auto a = enable(eng, "U", untiered(lim(MiB, MiB, 1)));
    auto s1 = create(a, file("A", 10));
    const explanation& w = why_of(a.create_stream(file("B", 10)));
    CHECK(w.level == limit_level::account);
    CHECK(w.source == limit_source::account_config);
    CHECK(w.tier.empty());
    CHECK(w.text() == "10027: account streams: requested 1 + used 1 > limit 1");
  }
  for (const std::int64_t unlimited : {std::int64_t{-1}, std::int64_t{0}}) {
    CAPTURE(unlimited);
    auto a = enable(eng, "N" + std::to_string(unlimited + 2), untiered(lim(MiB, MiB, unlimited)));
    std::vector<typename E::reservation> keep;
    for (int i = 0; i < 10; ++i) {
      auto r = a.create_stream(file("S" + std::to_string(i), 1));
      REQUIRE(r.ok());
      CHECK(r.error().why() == nullptr);
      keep.push_back(std::move(r).value());
    }
  }
}

TEST_CASE("account reservation (10047/10028): exact at the limit accepted, one over refused with contributors") {
  engine eng(server(GiB, GiB));
  SUBCASE("untiered storage") {
    auto a = enable(eng, "ORDERS", untiered(lim(64 * KiB, 256 * KiB)));
    auto n = create(a, file("NEW", 128 * KiB));
    const auto over = a.create_stream(file("DONE", 128 * KiB + 1));
    const explanation& w = why_of(over);
    CHECK(w.code == errc::storage_resources_exceeded);
    CHECK(w.level == limit_level::account);
    CHECK(w.resource == limit_resource::storage);
    CHECK(w.source == limit_source::account_config);
    CHECK(w.requested == 128 * KiB + 1);
    CHECK(w.reserved == 128 * KiB);
    CHECK(w.used == 0);
    CHECK(w.limit == 256 * KiB);
    CHECK(w.contributors == std::vector<contributor>{{"NEW", 128 * KiB}});
    CHECK(w.text() == "10047: account storage: requested 131073 B + reserved 128 KiB (NEW 128 KiB) > limit 256 KiB");
    auto exact = a.create_stream(file("DONE", 128 * KiB));
    CHECK(exact.ok());
    CHECK(exact.error().why() == nullptr);
  }
  SUBCASE("memory, limit 0: an unlimited stream costs one byte") {
    auto a = enable(eng, "Z", untiered(lim(0, MiB)));
    const explanation& w = why_of(a.create_stream(mem("M")));
    CHECK(w.code == errc::memory_resources_exceeded);
    CHECK(w.resource == limit_resource::memory);
    CHECK(w.requested == 1);
    CHECK(w.reserved == 0);
    CHECK(w.limit == 0);
    CHECK(w.contributors.empty());
    CHECK(w.text() == "10028: account memory: requested 1 B > limit 0 B");
  }
  SUBCASE("-1 unlimited never refused") {
    auto a = enable(eng, "U", untiered(lim(-1, -1)));
    auto r = a.create_stream(file("BIG", 512 * MiB));
    CHECK(r.ok());
    CHECK(r.error().why() == nullptr);
  }
}

TEST_CASE("account reservation: untiered R3 counts replicas x max_bytes, tier R3 counts max_bytes once") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto u = enable(eng, "U", untiered(lim(MiB, 100)));
  auto s = create(u, file("A", 30, 3));  // 90 of 100
  const explanation& w = why_of(u.create_stream(file("B", 4, 3)));
  CHECK(w.requested == 12);
  CHECK(w.reserved == 90);
  CHECK(w.contributors == std::vector<contributor>{{"A", 90}});
  CHECK(u.create_stream(file("B", 3, 3)).ok());  // 90 + 9 <= 100

  auto t = enable(eng, "T", limits_map{{"R1", lim(MiB, MiB)}, {"R3", lim(MiB, 100)}});
  auto x = create(t, file("X", 60, 3));
  auto y = create(t, file("Y", 1000, 1));  // another tier: not a contributor
  const explanation& v = why_of(t.create_stream(file("Z", 41, 3)));
  CHECK(v.level == limit_level::tier);
  CHECK(v.tier == "R3");
  CHECK(v.requested == 41);
  CHECK(v.reserved == 60);
  CHECK(v.contributors == std::vector<contributor>{{"X", 60}});
  CHECK(v.text() == "10047: tier R3 storage: requested 41 B + reserved 60 B (X 60 B) > limit 100 B");
}

TEST_CASE("contributors: largest first, ties by name, at most 5, same storage only") {
  engine eng(server(GiB, GiB));
  auto a = enable(eng, "A", untiered(lim(MiB, 1000)));
  std::vector<engine::reservation> keep;
  for (auto [n, b] : std::vector<std::pair<std::string, std::int64_t>>{
           {"E", 100}, {"B", 200}, {"A", 200}, {"C", 150}, {"D", 100}, {"F", 50}, {"G", 10}})
    keep.push_back(create(a, file(n, b)));
  keep.push_back(create(a, mem("MEM", 500)));                         // another storage: not counted
  const explanation& w = why_of(a.create_stream(file("NEXT", 191)));  // 810 + 191 > 1000
  CHECK(w.reserved == 810);
  CHECK(w.contributors == std::vector<contributor>{{"A", 200}, {"B", 200}, {"C", 150}, {"D", 100}, {"E", 100}});
  CHECK(a.create_stream(file("NEXT", 190)).ok());
}

TEST_CASE("server reservation (10047): level server, source server_config") {
  engine eng(server(GiB, MiB));
  auto a = enable(eng, "A");
  auto s = create(a, file("S", MiB));
  const explanation& w = why_of(a.create_stream(file("T", 1)));
  CHECK(w.code == errc::storage_resources_exceeded);
  CHECK(w.level == limit_level::server);
  CHECK(w.source == limit_source::server_config);
  CHECK(w.requested == 1);
  CHECK(w.reserved == MiB);
  CHECK(w.limit == MiB);
  CHECK(w.contributors == std::vector<contributor>{{"S", MiB}});
  CHECK(w.text() == "10047: server storage: requested 1 B + reserved 1 MiB (S 1 MiB) > limit 1 MiB");
}

TEST_CASE("per-stream cap (10122) and max_bytes_required (10113)") {
  engine eng(server(GiB, GiB));
  account_limits l = lim(MiB, MiB);
  l.store_max_stream_bytes = 1000;
  auto a = enable(eng, "T", r1(l));
  auto ok = create(a, file("AT", 1000));
  const explanation& w = why_of(a.create_stream(file("OVER", 1001)));
  CHECK(w.code == errc::stream_max_stream_bytes_exceeded);
  CHECK(w.resource == limit_resource::stream_max_bytes);
  CHECK(w.level == limit_level::tier);
  CHECK(w.requested == 1001);
  CHECK(w.limit == 1000);
  CHECK(w.text() == "10122: tier R1 max stream bytes: requested 1001 B > limit 1000 B");

  account_limits req = lim(MiB, MiB);
  req.max_bytes_required = true;
  auto b = enable(eng, "B", untiered(req));
  const explanation& v = why_of(b.create_stream(file("S")));
  CHECK(v.code == errc::stream_max_bytes_required);
  CHECK(v.resource == limit_resource::max_bytes_required);
  CHECK(v.requested == -1);
  CHECK(v.text() == "10113: account max_bytes required: requested max_bytes -1, must be > 0");
  CHECK(b.create_stream(file("S", 1)).ok());
}

TEST_CASE("stream max_consumers over the account's (10026) at create") {
  engine eng(server(GiB, GiB));
  auto a = enable(eng, "A", untiered(lim(MiB, MiB, -1, 5)));
  const explanation& w = why_of(a.create_stream(stream("S", storage_type::file, 10, 1, 6)));
  CHECK(w.code == errc::maximum_consumers_limit);
  CHECK(w.resource == limit_resource::consumers);
  CHECK(w.requested == 6);
  CHECK(w.limit == 5);
  CHECK(a.create_stream(stream("S", storage_type::file, 10, 1, 5)).ok());
}

TEST_CASE_TEMPLATE("add_consumer (10026): account or stream cap, used = consumers counted", E, engine, engine_v29) {
  E eng(server(GiB, GiB));
  SUBCASE("the account's cap") {
    auto a = enable(eng, "A", untiered(lim(MiB, MiB, -1, 2)));
    auto s = create(a, file("S", 10));
    CHECK(s.add_consumer({}).ok());
    const auto second = s.add_consumer({});
    CHECK(second.ok());
    CHECK(second.error().why() == nullptr);
    const explanation& w = why_of(s.add_consumer({}));
    CHECK(w.level == limit_level::account);
    CHECK(w.source == limit_source::account_config);
    CHECK(w.requested == 1);
    CHECK(w.used == 2);
    CHECK(w.limit == 2);
    CHECK(w.stream == "S");
    CHECK(w.text() == "10026: account consumers: requested 1 + used 2 > limit 2");
  }
  SUBCASE("the stream's cap, tier R1") {
    auto a = enable(eng, "A", r1(lim(MiB, MiB, -1, 2)));
    auto s = create(a, stream("S", storage_type::file, 10, 1, 1));
    CHECK(s.add_consumer({}).ok());
    const explanation& w = why_of(s.add_consumer({}));
    CHECK(w.level == limit_level::stream);
    CHECK(w.source == limit_source::stream_config);
    CHECK(w.tier == "R1");
    CHECK(w.used == 1);
    CHECK(w.limit == 1);
    CHECK(w.text() == "10026: stream S consumers: requested 1 + used 1 > limit 1");
  }
}

TEST_CASE("stream update: growth over the account's limit lists the stream's own reservation") {
  engine eng(server(GiB, GiB));
  auto a = enable(eng, "A", untiered(lim(MiB, 1000)));
  auto x = create(a, file("X", 400));
  auto s = create(a, file("S", 500));
  CHECK(s.update(file("S", 600)).ok());  // exactly at the limit
  const auto r = s.update(file("S", 601));
  const explanation& w = why_of(r);
  CHECK(w.code == errc::storage_resources_exceeded);
  CHECK(w.requested + w.reserved == 1001);
  CHECK(w.limit == 1000);
  CHECK(w.contributors == std::vector<contributor>{{"S", 600}, {"X", 400}});
  CHECK(s.config().max_bytes == 600);  // nothing applied

  account_limits l = lim(MiB, MiB);
  l.store_max_stream_bytes = 700;
  REQUIRE(eng.update_account_limits("A", untiered(l)).ok());
  const explanation& c = why_of(s.update(file("S", 701)));
  CHECK(c.code == errc::stream_max_stream_bytes_exceeded);
  CHECK(c.limit == 700);
}

TEST_CASE("enable_account / update_account_limits (sufficient resources): level server") {
  engine eng(server(MiB, MiB));
  auto a = enable(eng, "A", untiered(lim(-1, MiB)));
  const auto over = eng.enable_account("B", untiered(lim(-1, 1)));
  const explanation& w = why_of(over);
  CHECK(w.code == errc::storage_resources_exceeded);
  CHECK(w.level == limit_level::server);
  CHECK(w.source == limit_source::server_config);
  CHECK(w.account == "B");
  CHECK(w.requested == 1);
  CHECK(w.used == MiB);  // every enabled account's positive limits
  CHECK(w.reserved == 0);
  CHECK(w.limit == MiB);
  CHECK(w.text() == "10047: server storage: requested 1 B + used 1 MiB > limit 1 MiB");
  CHECK(eng.enable_account("B", untiered(lim(-1, 0))).ok());  // 0 is not positive: nothing requested

  // The server's reservations refuse first.
  engine e2(server(MiB, MiB));
  auto d = enable(e2, "D");
  auto big = create(d, mem("M", MiB));
  const explanation& v = why_of(e2.enable_account("E", untiered(lim(1, -1))));
  CHECK(v.code == errc::memory_resources_exceeded);
  CHECK(v.reserved == MiB);
  CHECK(v.used == 0);
  CHECK(v.requested == 1);
  // An update charges the growth.
  const explanation& u = why_of(eng.update_account_limits("A", untiered(lim(-1, MiB + 1))));
  CHECK(u.requested == 1);
  CHECK(u.used == MiB);
  CHECK(u.limit == MiB);
}

TEST_CASE_TEMPLATE("explain_publish: nullopt when accepted, the check_publish code when refused", E, engine, engine_v29) {
  E eng(server(GiB, GiB));
  auto a = enable(eng, "A", untiered(lim(MiB, 200)));
  auto s = create(a, file("S"));
  const auto m = msg(1, 10);
  CHECK(s.check_publish(m) == errc::none);
  CHECK_FALSE(s.explain_publish(m).has_value());
  s.add_usage(200);
  const auto v = s.check_publish(m);
  const auto w = s.explain_publish(m);
  if (v.accepted()) {
    CHECK_FALSE(w.has_value());  // 2.9.10 checks the account after storing
  } else {
    REQUIRE(w.has_value());
    CHECK(w->code == v.error);
    CHECK(w->code == errc::account_resources_exceeded);
    CHECK(w->used == 200);
    CHECK(w->requested == static_cast<std::int64_t>(file_store_msg_size(m)));
    CHECK(w->limit == 200);
    CHECK(w->stream == "S");
  }
}

TEST_CASE("explain_publish: server (10023), max_msg_size (10054), stream caps (10077), tier R3 limit x replicas") {
  engine eng(server(GiB, 100), {.mode = deployment::clustered});
  auto a = enable(eng, "A", limits_map{{"R3", lim(MiB, 1000)}});
  stream_config c = file("S", -1, 3);
  c.max_msg_size = 10;
  c.max_msgs = 1;
  c.discard = discard_policy::new_;
  auto s = create(a, c);
  CHECK(s.explain_publish(msg(1, 10)) == std::nullopt);  // exactly max_msg_size
  auto big = s.explain_publish(msg(1, 11));
  REQUIRE(big.has_value());
  CHECK(big->code == s.check_publish(msg(1, 11)).error);
  CHECK(big->resource == limit_resource::message_size);
  CHECK(big->level == limit_level::stream);
  CHECK(big->requested == 11);
  CHECK(big->limit == 10);
  (void)s.add_message(msg(1, 1));
  auto caps = s.explain_publish(msg(1, 1));
  REQUIRE(caps.has_value());
  CHECK(caps->code == errc::stream_store_failed);
  CHECK(caps->resource == limit_resource::stream_messages);
  CHECK(caps->used == 1);
  CHECK(caps->limit == 1);
  CHECK(caps->text() == "10077: stream S messages: requested 1 + used 1 > limit 1");
  // Tier R3: usage + size x 3 > limit x 3.
  s.add_usage(2990);
  s.add_usage(-static_cast<std::int64_t>(file_store_msg_size(msg(1, 1))));
  auto t = s.explain_publish(msg(1, 1));
  REQUIRE(t.has_value());
  CHECK(t->code == errc::insufficient_resources);  // the server's 100 bytes are used up first
  CHECK(t->level == limit_level::server);
  CHECK(t->limit == 100);
  CHECK(t->code == s.check_publish(msg(1, 1)).error);
  eng.set_server_limits(GiB, GiB);
  auto u = s.explain_publish(msg(1, 4));
  REQUIRE(u.has_value());
  CHECK(u->code == errc::account_resources_exceeded);
  CHECK(u->tier == "R3");
  CHECK(u->used == 2990);
  CHECK(u->requested == 3 * static_cast<std::int64_t>(file_store_msg_size(msg(1, 4))));
  CHECK(u->limit == 3000);
}

TEST_CASE("explain_limits: nullopt when check_limits passes, its code otherwise") {
  engine eng(server(GiB, GiB));
  auto a = enable(eng, "A", untiered(lim(MiB, 100)));
  auto x = create(a, file("X", 60));
  auto sel = a.select_limits(file("Y", 40));
  REQUIRE(sel.ok());
  CHECK(a.explain_limits(*sel, file("Y", 40), true, 60, 0) == std::nullopt);
  const auto w = a.explain_limits(*sel, file("Y", 41), true, 60, 0);
  REQUIRE(w.has_value());
  CHECK(w->code == a.check_limits(*sel, file("Y", 41), true, 60, 0));
  CHECK(w->requested == 41);
  CHECK(w->reserved == 60);
  CHECK(w->contributors == std::vector<contributor>{{"X", 60}});
}

TEST_CASE("no limits for the tier (10120): the selector's tier is named") {
  engine eng(server(GiB, GiB));
  auto a = enable(eng, "TEAM", r1(lim(MiB, MiB)));
  const explanation& w = why_of(a.create_stream(file("HA", -1, 3)));
  CHECK(w.code == errc::no_limits);
  CHECK(w.level == limit_level::tier);
  CHECK(w.tier == "R3");
  CHECK(w.text() == "10120: tier R3 storage: no limits apply");
}

TEST_CASE("success results carry no why") {
  engine eng(server(GiB, GiB));
  auto e = eng.enable_account("A", untiered(lim(MiB, MiB, 1, 1)));
  REQUIRE(e.ok());
  CHECK(e.error().why() == nullptr);
  auto a = *e;
  auto s = a.create_stream(file("S", MiB));
  REQUIRE(s.ok());
  CHECK(s.error().why() == nullptr);
  const auto c = s->add_consumer({});
  CHECK(c.ok());
  CHECK(c.error().why() == nullptr);
  const auto u = s->update(file("S", MiB - 1));
  CHECK(u.ok());
  CHECK(u.error().why() == nullptr);
  const auto l = eng.update_account_limits("A", untiered(lim(MiB, MiB, 2, 2)));
  CHECK(l.ok());
  CHECK(l.error().why() == nullptr);
}
