// SPDX-License-Identifier: Apache-2.0
// docs/limit-changes.md: lowering an account's limits below what it uses,
// reserves or counts, under each limit_change_policy, and the report.
#include "core_helpers.hpp"

#include <string>
#include <system_error>
#include <vector>

using namespace jsacct;
using namespace coretest;

namespace {
// File store sizes (docs/semantics.md#message-sizes): subject + payload + 30 without headers.
constexpr std::uint64_t payload_for(std::uint64_t file_size) { return file_size - 30; }

/// One stream with its stored bytes recorded.
template <class A>
auto stored(A& acc, const stream_config& c, std::int64_t bytes) {
  auto s = create(acc, c);
  s.add_usage(bytes);
  return s;
}

std::string refusal_text(const api_error& e) { return e.description(); }
}  // namespace

// The common account: untiered, max_store 10000; A reserves 5000 and stores 3000,
// B reserves 1000 and stores 500, C reserves nothing (max_bytes -1) and stores 500.
// Usage 4000, reservation 6000, 3 streams.
TEST_CASE_TEMPLATE("limit change refuse: over only strictly above usage, reservation or counts", E, engine, plain_engine) {
  E eng(server(1 * GiB, 1 * GiB));
  auto a = enable(eng, "A", untiered(lim(-1, 10000)));
  auto sa = stored(a, file("A", 5000), 3000);
  auto sb = stored(a, file("B", 1000), 500);
  auto sc = stored(a, file("C"), 500);
  REQUIRE(sa.add_consumer({}).ok());
  REQUIRE(sa.add_consumer({}).ok());
  const auto before_usage = a.usage();
  const auto before_limits = a.limits();

  SUBCASE("new max_store exactly the reservation 6000: not over") {
    auto r = eng.change_account_limits("A", untiered(lim(-1, 6000)), limit_change_policy::refuse);
    REQUIRE(r.ok());
    CHECK(r->within_limits());
    CHECK(r->policy == limit_change_policy::refuse);
    CHECK(r->streams.empty());
    CHECK(a.limits() == untiered(lim(-1, 6000)));
  }
  SUBCASE("one below the reservation: refused, nothing changes") {
    auto r = eng.change_account_limits("A", untiered(lim(-1, 5999)), limit_change_policy::refuse);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().id() == errc::limit_change_refused);
    CHECK(r.error().error_code() == std::errc::device_or_resource_busy);
    CHECK(refusal_text(r.error()) == "limits change refused: tier \"\" max_store 5999 is below its current reservation 6000");
    CHECK(a.limits() == before_limits);
    CHECK(a.usage() == before_usage);
    CHECK(a.tiers().size() == 1);
    // The old limits still admit a 4000-byte stream (6000 + 4000 = 10000).
    CHECK(a.create_stream(file("D", 4000)).ok());
  }
  SUBCASE("0: usage 4000 and reservation 6000 are over; usage is named first") {
    auto r = eng.change_account_limits("A", untiered(lim(-1, 0)), limit_change_policy::refuse);
    REQUIRE_FALSE(r.ok());
    CHECK(refusal_text(r.error()) == "limits change refused: tier \"\" max_store 0 is below its current usage 4000");
    CHECK(a.limits() == before_limits);
  }
  SUBCASE("-1 (unlimited) and raising are never over") {
    for (std::int64_t store : {std::int64_t{-1}, std::int64_t{20000}, 1 * GiB - 6000}) {  // 6000 + limit fits the server
      CAPTURE(store);
      auto r = eng.change_account_limits("A", untiered(lim(-1, store)), limit_change_policy::refuse);
      REQUIRE(r.ok());
      CHECK(r->within_limits());
      CHECK(a.limits() == untiered(lim(-1, store)));
    }
  }
  SUBCASE("max_streams 3 with 3 streams is not over, 2 is; 0 and -1 are unlimited") {
    CHECK(eng.change_account_limits("A", untiered(lim(-1, -1, 3)), limit_change_policy::refuse).ok());
    CHECK(eng.change_account_limits("A", untiered(lim(-1, -1, 0)), limit_change_policy::refuse).ok());
    CHECK(eng.change_account_limits("A", untiered(lim(-1, -1, -1)), limit_change_policy::refuse).ok());
    auto r = eng.change_account_limits("A", untiered(lim(-1, -1, 2)), limit_change_policy::refuse);
    REQUIRE_FALSE(r.ok());
    CHECK(refusal_text(r.error()) == "limits change refused: tier \"\" max_streams 2 is below its current streams 3");
    CHECK(a.limits() == untiered(lim(-1, -1, -1)));
  }
  SUBCASE("max_consumers 2 with 2 consumers is not over, 1 is") {
    CHECK(eng.change_account_limits("A", untiered(lim(-1, -1, -1, 2)), limit_change_policy::refuse).ok());
    auto r = eng.change_account_limits("A", untiered(lim(-1, -1, -1, 1)), limit_change_policy::refuse);
    REQUIRE_FALSE(r.ok());
    CHECK(refusal_text(r.error()) == "limits change refused: tier \"\" max_consumers 1 is below its current consumers 2");
  }
  SUBCASE("several limits over: the first is named, the rest counted") {
    auto r = eng.change_account_limits("A", untiered(lim(0, 100, 1, 1)), limit_change_policy::refuse);
    REQUIRE_FALSE(r.ok());
    // over: max_store (usage 4000), max_streams (3), max_consumers (2); max_memory 0 is not over (nothing in memory).
    CHECK(refusal_text(r.error()) ==
          "limits change refused: tier \"\" max_store 100 is below its current usage 4000 (and 2 more)");
  }
  SUBCASE("usage alone: an unlimited stream's 500 bytes") {
    sa.reset();
    sb.reset();  // deleted: their usage stays recorded until the store reports it gone
    REQUIRE(a.num_streams() == 1);
    // Usage is still 4000 (deleting a stream does not subtract usage), reservation 0.
    CHECK(eng.change_account_limits("A", untiered(lim(-1, 4000)), limit_change_policy::refuse).ok());
    auto r = eng.change_account_limits("A", untiered(lim(-1, 3999)), limit_change_policy::refuse);
    REQUIRE_FALSE(r.ok());
    CHECK(refusal_text(r.error()) == "limits change refused: tier \"\" max_store 3999 is below its current usage 4000");
  }
  SUBCASE("the server's diff check still applies after the account's") {
    CHECK(err(eng.change_account_limits("A", untiered(lim(-1, 2 * GiB)), limit_change_policy::refuse)) ==
          errc::storage_resources_exceeded);
    CHECK(a.limits() == before_limits);
  }
  CHECK(err(eng.change_account_limits("nobody", untiered(lim(-1, 1)), limit_change_policy::refuse)) ==
        errc::not_enabled_for_account);
}

TEST_CASE_TEMPLATE("limit change apply: the new limits take effect, nothing existing is re-checked; report of what is over", E,
                   engine, plain_engine) {
  E eng(server(1 * GiB, 1 * GiB));
  auto a = enable(eng, "A", untiered(lim(-1, 10000)));
  auto sa = stored(a, file("A", 5000), 3000);
  auto sb = stored(a, file("B", 1000), 500);
  auto sc = stored(a, file("C"), 500);
  auto r = eng.change_account_limits("A", untiered(lim(-1, 4500)));  // apply is the default
  REQUIRE(r.ok());
  CHECK(r->policy == limit_change_policy::apply);
  REQUIRE(r->over.size() == 1);
  CHECK(r->over[0] == limit_overage{"", limited_resource::store, 4500, 4000, 6000});
  // Largest reservation first: A 5000, B 1000, C 0.
  REQUIRE(r->streams.size() == 3);
  CHECK(r->streams[0] == limit_change_stream{"A", "", storage_type::file, 5000, 3000});
  CHECK(r->streams[1] == limit_change_stream{"B", "", storage_type::file, 1000, 500});
  CHECK(r->streams[2] == limit_change_stream{"C", "", storage_type::file, 0, 500});
  CHECK(a.limits() == untiered(lim(-1, 4500)));
  CHECK(a.num_streams() == 3);  // nothing existing is touched
  // Publishes meet the new limit: 4000 + 500 = 4500 is at the limit (accepted), 4000 + 501 is over.
  CHECK(sa.check_publish(msg(0, payload_for(500))).error == errc::none);
  CHECK(sa.check_publish(msg(0, payload_for(501))).error == errc::account_resources_exceeded);
  CHECK(sc.check_publish(msg(0, payload_for(501))).error == errc::account_resources_exceeded);
  // Creates meet it: the reservation 6000 is already over 4500.
  CHECK(err(a.create_stream(file("D", 1))) == errc::storage_resources_exceeded);
  // Growth too; shrinking is allowed (own reservation 3000 + others 1000 <= 4500).
  CHECK(err(sa.update(file("A", 5001))) == errc::storage_resources_exceeded);
  CHECK(sa.update(file("A", 3000)).ok());
  // update_account_limits is apply.
  CHECK(eng.update_account_limits("A", untiered(lim(-1, 100))).ok());
  CHECK(a.limits() == untiered(lim(-1, 100)));
}

TEST_CASE_TEMPLATE("limit change keep_existing: existing streams publish up to what they still reserve", E, engine,
                   plain_engine) {
  E eng(server(1 * GiB, 1 * GiB));
  auto a = enable(eng, "A", untiered(lim(-1, 10000)));
  auto sa = stored(a, file("A", 5000), 3000);
  auto sb = stored(a, file("B", 1000), 500);
  auto sc = stored(a, file("C"), 500);
  auto r = eng.change_account_limits("A", untiered(lim(-1, 4500)), limit_change_policy::keep_existing);
  REQUIRE(r.ok());
  CHECK(r->policy == limit_change_policy::keep_existing);
  REQUIRE(r->over.size() == 1);
  CHECK(r->over[0] == limit_overage{"", limited_resource::store, 4500, 4000, 6000});
  sa.add_usage(1400);  // usage 5400: over the new limit 4500, under the allowance 6000 (A 5000 + B 1000 + C 0)
  // Kept streams: 5400 + 600 = 6000 is at the allowance, 5400 + 601 over it.
  CHECK(sa.check_publish(msg(0, payload_for(600))).error == errc::none);
  CHECK(sa.check_publish(msg(0, payload_for(601))).error == errc::account_resources_exceeded);
  CHECK(sc.check_publish(msg(0, payload_for(600))).error == errc::none);  // C reserves nothing but is kept
  // The account-level check (no stream) and new streams meet the new limit.
  CHECK(a.check_publish(sa.tier(), storage_type::file, 1, msg(0, payload_for(1))) == errc::account_resources_exceeded);
  // Admission meets the new limit at once: no new stream, no growth.
  CHECK(err(a.create_stream(file("D", 1))) == errc::storage_resources_exceeded);
  CHECK(err(sb.update(file("B", 1001))) == errc::storage_resources_exceeded);

  SUBCASE("deleting a kept stream shrinks the allowance") {
    sb.add_usage(-500);
    sb.reset();  // usage 4900; allowance A 5000 + C 0 = 5000
    CHECK(sa.check_publish(msg(0, payload_for(100))).error == errc::none);
    CHECK(sa.check_publish(msg(0, payload_for(101))).error == errc::account_resources_exceeded);
  }
  SUBCASE("shrinking a kept stream shrinks the allowance") {
    // Without the limit check (e.g. a recovery), A 5000 -> 4800: allowance 4800 + 1000 = 5800; 5400 + 400 at it, + 401 over.
    update_options unchecked;
    unchecked.check_limits = false;
    REQUIRE(sa.update(file("A", 4800), unchecked).ok());
    CHECK(sa.check_publish(msg(0, payload_for(400))).error == errc::none);
    CHECK(sa.check_publish(msg(0, payload_for(401))).error == errc::account_resources_exceeded);
    // Checked, a shrink must bring the reservation to the limit: A 3500 + B 1000 = 4500. The allowance
    // 3500 + 1000 is then not above the limit 4500: the limit decides, 5400 is over it.
    CHECK(err(sa.update(file("A", 3501))) == errc::storage_resources_exceeded);
    REQUIRE(sa.update(file("A", 3500)).ok());
    CHECK(sa.check_publish(msg(0, payload_for(1))).error == errc::account_resources_exceeded);
  }
  SUBCASE("a stream created after the change is not kept") {
    create_options recovery;  // a recovery: no limit check
    recovery.check_limits = false;
    auto rec = create(a, file("R", 100), recovery);
    CHECK(rec.check_publish(msg(0, payload_for(1))).error == errc::account_resources_exceeded);
    CHECK(sa.check_publish(msg(0, payload_for(600))).error == errc::none);
    // A new keep_existing change keeps it too: allowance 5000 + 1000 + 0 + 100 = 6100.
    REQUIRE(eng.change_account_limits("A", untiered(lim(-1, 4500)), limit_change_policy::keep_existing).ok());
    CHECK(rec.check_publish(msg(0, payload_for(700))).error == errc::none);
    CHECK(rec.check_publish(msg(0, payload_for(701))).error == errc::account_resources_exceeded);
  }
  SUBCASE("the next limits change drops the allowance, whatever its policy") {
    REQUIRE(eng.change_account_limits("A", untiered(lim(-1, 4500))).ok());
    CHECK(sa.check_publish(msg(0, payload_for(1))).error == errc::account_resources_exceeded);
    REQUIRE(eng.update_account_limits("A", untiered(lim(-1, 4500))).ok());
    CHECK(sc.check_publish(msg(0, payload_for(1))).error == errc::account_resources_exceeded);
  }
}

TEST_CASE_TEMPLATE("limit change: -1 and 0 under keep_existing; raising is never over", E, engine, plain_engine) {
  E eng(server(1 * GiB, 1 * GiB));
  auto a = enable(eng, "A", untiered(lim(-1, 10000)));
  auto sa = stored(a, file("A", 2000), 1000);
  SUBCASE("0: only the kept stream publishes, up to its reservation 2000") {
    auto r = eng.change_account_limits("A", untiered(lim(-1, 0)), limit_change_policy::keep_existing);
    REQUIRE(r.ok());
    CHECK(r->over[0] == limit_overage{"", limited_resource::store, 0, 1000, 2000});
    CHECK(sa.check_publish(msg(0, payload_for(1000))).error == errc::none);
    CHECK(sa.check_publish(msg(0, payload_for(1001))).error == errc::account_resources_exceeded);
    CHECK(err(a.create_stream(file("B", 1))) == errc::storage_resources_exceeded);
  }
  SUBCASE("-1 and raising: within limits, nothing kept matters") {
    for (std::int64_t store : {std::int64_t{-1}, std::int64_t{2000}, std::int64_t{50000}}) {
      auto r = eng.change_account_limits("A", untiered(lim(-1, store)), limit_change_policy::keep_existing);
      REQUIRE(r.ok());
      CHECK(r->within_limits());
    }
    CHECK(a.create_stream(file("B", 48000)).ok());  // 2000 + 48000 = 50000
  }
}

TEST_CASE("limit change: tiered vs untiered reservations, and the R1 <-> untiered rekey") {
  SUBCASE("an R3 stream reserves 3 x max_bytes untiered, max_bytes in its tier (clustered)") {
    engine eng(server(1 * GiB, 1 * GiB), {.mode = deployment::clustered});
    auto a = enable(eng, "A", untiered(lim(-1, 3000)));
    auto s = stored(a, file("S", 1000, 3), 0);
    auto r = eng.change_account_limits("A", untiered(lim(-1, 2999)), limit_change_policy::refuse);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().description() == "limits change refused: tier \"\" max_store 2999 is below its current reservation 3000");
    auto t = eng.change_account_limits("A", limits_map{{"R3", lim(-1, 1000)}}, limit_change_policy::refuse);
    REQUIRE(t.ok());
    CHECK(t->within_limits());
    CHECK(std::string(s.tier().name()) == "R3");
    auto o = eng.change_account_limits("A", limits_map{{"R3", lim(-1, 999)}}, limit_change_policy::refuse);
    REQUIRE_FALSE(o.ok());
    CHECK(o.error().description() == "limits change refused: tier \"R3\" max_store 999 is below its current reservation 1000");
  }
  SUBCASE("R1 -> untiered: the streams' usage and reservations move to \"\" before the comparison") {
    engine eng(server(1 * GiB, 1 * GiB));
    auto a = enable(eng, "A", limits_map{{"R1", lim(-1, 10000)}});
    auto sa = stored(a, file("A", 4000), 3000);
    auto sb = stored(a, file("B", 2000), 1000);
    const auto before = a.usage();
    auto r = eng.change_account_limits("A", untiered(lim(-1, 5999)), limit_change_policy::refuse);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().description() == "limits change refused: tier \"\" max_store 5999 is below its current reservation 6000");
    CHECK(a.limits() == limits_map{{"R1", lim(-1, 10000)}});
    CHECK(a.usage() == before);
    CHECK(std::string(sa.tier().name()) == "R1");  // not moved
    auto ok = eng.change_account_limits("A", untiered(lim(-1, 6000)), limit_change_policy::refuse);
    REQUIRE(ok.ok());
    CHECK(std::string(sa.tier().name()).empty());
    CHECK(a.usage_of(sa.tier(), storage_type::file).total == 4000);
    // untiered -> R1: usage 4000 > 3999 (checked before the reservation 6000).
    auto back = eng.change_account_limits("A", limits_map{{"R1", lim(-1, 3999)}}, limit_change_policy::refuse);
    REQUIRE_FALSE(back.ok());
    CHECK(back.error().description() == "limits change refused: tier \"R1\" max_store 3999 is below its current usage 4000");
    CHECK(std::string(sa.tier().name()).empty());
  }
  SUBCASE("keep_existing across a rekey: the allowance is in the tier the streams move to") {
    engine eng(server(1 * GiB, 1 * GiB));
    auto a = enable(eng, "A", untiered(lim(-1, 10000)));
    auto sa = stored(a, file("A", 4000), 3000);
    auto r = eng.change_account_limits("A", limits_map{{"R1", lim(-1, 2000)}}, limit_change_policy::keep_existing);
    REQUIRE(r.ok());
    CHECK(r->over[0] == limit_overage{"R1", limited_resource::store, 2000, 3000, 4000});
    CHECK(std::string(sa.tier().name()) == "R1");
    CHECK(sa.check_publish(msg(0, payload_for(1000))).error == errc::none);  // 3000 + 1000 = 4000
    CHECK(sa.check_publish(msg(0, payload_for(1001))).error == errc::account_resources_exceeded);
  }
}

TEST_CASE("limit change report: only the tiers over, their streams largest first; preview changes nothing") {
  engine eng(server(1 * GiB, 1 * GiB), {.mode = deployment::clustered});
  auto a = enable(eng, "A", limits_map{{"R1", lim(-1, 100000)}, {"R3", lim(-1, 100000)}});
  auto s1 = stored(a, file("b", 2000), 300);
  auto s2 = stored(a, file("a", 2000), 100);
  auto s3 = stored(a, mem("c", 1000), 0);
  auto s4 = stored(a, file("e"), 50);
  auto s5 = stored(a, file("d"), 50);
  auto s6 = stored(a, file("z", 9000, 3), 10);  // R3: not over
  const limits_map lower{{"R1", lim(500, 4000)}, {"R3", lim(-1, 9000)}};
  auto p = eng.preview_limit_change("A", lower);
  REQUIRE(p.ok());
  CHECK(a.limits() == limits_map{{"R1", lim(-1, 100000)}, {"R3", lim(-1, 100000)}});
  // R1: memory reservation 1000 > 500; store reservation 4000 = 4000 is not over.
  REQUIRE(p->over.size() == 1);
  CHECK(p->over[0] == limit_overage{"R1", limited_resource::memory, 500, 0, 1000});
  // Reservation descending, then stored descending, then name: b (2000, 300), a (2000, 100), c (1000), d (0, 50), e (0, 50).
  std::vector<std::string> names;
  for (const auto& s : p->streams) names.push_back(s.name);
  CHECK(names == std::vector<std::string>{"b", "a", "c", "d", "e"});
  CHECK(p->streams[2] == limit_change_stream{"c", "R1", storage_type::memory, 1000, 0});
  auto r = eng.change_account_limits("A", lower, limit_change_policy::keep_existing);
  REQUIRE(r.ok());
  CHECK(r->over == p->over);
  CHECK(r->streams == p->streams);
  CHECK(err(eng.preview_limit_change("nobody", lower)) == errc::not_enabled_for_account);
}

TEST_CASE("limit change on 2.9.10 semantics: no rekey, keep_existing allowance in the post-store check") {
  engine_v29 eng(server(1 * GiB, 1 * GiB));
  auto a = enable(eng, "A", untiered(lim(-1, 10000)));
  auto sa = stored(a, file("A", 5000), 3000);
  REQUIRE(eng.change_account_limits("A", untiered(lim(-1, 2000)), limit_change_policy::keep_existing).ok());
  CHECK(sa.check_stored() == errc::none);  // 3000 <= allowance 5000
  sa.add_usage(2001);
  CHECK(sa.check_stored() == errc::account_resources_exceeded);  // 5001 > 5000
  REQUIRE(eng.change_account_limits("A", untiered(lim(-1, 2000))).ok());
  sa.add_usage(-2001);
  CHECK(sa.check_stored() == errc::account_resources_exceeded);  // 3000 > 2000 without the allowance
  CHECK(err(eng.change_account_limits("A", untiered(lim(-1, 2999)), limit_change_policy::refuse)) == errc::limit_change_refused);
}
