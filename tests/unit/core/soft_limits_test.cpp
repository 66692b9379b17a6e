// SPDX-License-Identifier: Apache-2.0
// docs/soft-limits.md: warning levels, thresholds with hysteresis, warning
// events and the per-tier event counters.
#include "core_helpers.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace jsacct;
using namespace coretest;

namespace {

/// An engine whose events are recorded.
struct fixture {
  engine eng{server(8 * GiB, 8 * GiB), {.mode = deployment::clustered}};
  std::vector<event> seen;
  fixture() {
    eng.set_event_sink([this](const event& e) { seen.push_back(e); });
  }
  /// The warning events only (raises and clears).
  std::vector<event> warnings() const {
    std::vector<event> v;
    for (const auto& e : seen)
      if (e.kind >= event_kind::usage_warning) v.push_back(e);
    return v;
  }
};

}  // namespace

TEST_CASE("soft limits: threshold_of is floor(limit * fraction), clear at floor(limit * (fraction - hysteresis))") {
  CHECK(threshold_of(1000, 0.9, 0.1) == warning_threshold{900, 800});
  CHECK(threshold_of(1000, 0.9, 0) == warning_threshold{900, 900});
  CHECK(threshold_of(999, 0.5, 0) == warning_threshold{499, 499});  // 499.5 floors to 499
  CHECK(threshold_of(1000, 1.0, 0) == warning_threshold{1000, 1000});
  CHECK(threshold_of(3, 0.1, 0) == warning_threshold{0, 0});  // floor(0.3) = 0: raised at any value
  CHECK(threshold_of(MaxInt64, 1.0, 0.5).raise_at == MaxInt64);
  CHECK(threshold_of(MaxInt64, 1.0, 0.5).clear_below == MaxInt64 / 2);
  // Disarmed: fraction 0 (off), limit -1 (unlimited), limit 0 (nothing allowed), any negative limit.
  CHECK_FALSE(threshold_of(1000, 0, 0).armed());
  CHECK_FALSE(threshold_of(-1, 0.9, 0).armed());
  CHECK_FALSE(threshold_of(0, 0.9, 0).armed());
  CHECK_FALSE(threshold_of(MinInt64, 0.9, 0).armed());
  CHECK(threshold_of(1, 1.0, 0) == warning_threshold{1, 1});
}

TEST_CASE("soft limits: validation names the field, the value and what is allowed; nothing applied on error") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(validate_warning_levels({}).ok());
  CHECK(validate_warning_levels(warn_all_at(1.0, 0.99)).ok());
  CHECK(validate_warning_levels({0.5, 0, 0, 0, 0.4}).ok());
  const auto text = [](const warning_levels& l) {
    const auto r = validate_warning_levels(l);
    return r.ok() ? std::string() : r.error().text();
  };
  CHECK(text({nan, 0, 0, 0, 0}).find("warning_levels.memory = nan") != std::string::npos);
  CHECK(text({0, -0.1, 0, 0, 0}).find("warning_levels.storage = -0.1") != std::string::npos);
  CHECK(text({0, 0, 1.1, 0, 0}).find("warning_levels.streams = 1.1") != std::string::npos);
  CHECK(text({0, 0, 0, 1.0000001, 0}).find("warning_levels.consumers") != std::string::npos);
  CHECK(text({0, 0, 0, 0.5, 0}).empty());
  CHECK(text({0, 0, 1.1, 0, 0}).find("[0, 1]") != std::string::npos);
  CHECK(text({0.5, 0, 0, 0, -0.1}).find("warning_levels.hysteresis = -0.1") != std::string::npos);
  CHECK(text({0.5, 0, 0, 0, nan}).find("warning_levels.hysteresis") != std::string::npos);
  CHECK(text({0.5, 0, 0, 0, 0.5}).find("below every fraction that is on") != std::string::npos);  // == fraction
  CHECK(text({0.9, 0.3, 0, 0, 0.3}).find("smallest: 0.3") != std::string::npos);                  // the smallest one counts
  CHECK(text({0, 0, 0, 0, 0.7}).empty());  // everything off: the hysteresis is unused

  fixture f;
  auto acc = enable(f.eng, "a", untiered(lim(-1, 1000)));
  const auto t = acc.tier("");
  REQUIRE(acc.set_warning_levels("", {0, 0.9, 0, 0, 0}).ok());
  const auto bad = acc.set_warning_levels("", {0, 0.5, 0, 0, 0.5});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().text().find("hysteresis") != std::string::npos);
  CHECK_FALSE(acc.set_default_warning_levels({2, 0, 0, 0, 0}).ok());
  acc.update_usage(t, storage_type::file, 500);  // 0.5 would have raised here: still 0.9
  CHECK(f.warnings().empty());
  acc.update_usage(t, storage_type::file, 400);
  REQUIRE(f.warnings().size() == 1);
  CHECK(f.warnings()[0].after == 900);
}

TEST_CASE("soft limits: usage crossing at the exact boundaries, and clearing at the clear level") {
  fixture f;
  auto acc = enable(f.eng, "a", untiered(lim(-1, 1000)));
  const auto t = acc.tier("");
  REQUIRE(acc.set_warning_levels("", {0, 0.9, 0, 0, 0.1}).ok());  // raise at 900, clear below 800
  acc.update_usage(t, storage_type::file, 899);                   // threshold - 1
  CHECK(f.warnings().empty());
  acc.update_usage(t, storage_type::file, 1);  // threshold
  REQUIRE(f.warnings().size() == 1);
  const event e = f.warnings()[0];
  CHECK(e.kind == event_kind::usage_warning);
  CHECK(e.account == "a");
  CHECK(e.tier == "");
  CHECK(e.storage == storage_type::file);
  CHECK(e.before == 900);
  CHECK(e.after == 900);
  CHECK(e.text.find("storage_used 900 reached warning level 900") != std::string::npos);
  acc.update_usage(t, storage_type::file, 1);  // threshold + 1: still raised, no second event
  CHECK(f.warnings().size() == 1);
  acc.update_usage(t, storage_type::file, -101);  // 800: the clear level itself does not clear
  CHECK(f.warnings().size() == 1);
  acc.update_usage(t, storage_type::file, -1);  // 799: one below clears
  REQUIRE(f.warnings().size() == 2);
  CHECK(f.warnings()[1].kind == event_kind::usage_warning_cleared);
  CHECK(f.warnings()[1].before == 799);
  CHECK(f.warnings()[1].after == 800);
  const tier_events ev = acc.events("");
  CHECK(ev.warnings_raised == 1);
  CHECK(ev.warnings_cleared == 1);
  CHECK(ev == tier_events{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  // Memory is watched separately (its limit is -1 here: disarmed).
  acc.update_usage(t, storage_type::memory, 1 * GiB);
  CHECK(f.warnings().size() == 2);
}

TEST_CASE("soft limits: the tier's first usage update is watched and marks the entry; disarming keeps the mark") {
  // One flag word of the tier holds "entry marked" and "level armed"; the
  // update leaves its inline path while either says so.
  fixture f;
  auto acc = enable(f.eng, "a", limits_map{{"R1", lim(-1, 1000)}, {"R3", lim(-1, 1000)}});
  auto entries = [&] {
    std::vector<std::string> v;
    acc.for_each_local_usage([&](std::string_view t, std::int64_t, std::int64_t) { v.emplace_back(t); });
    return v;
  };
  REQUIRE(acc.set_warning_levels("R1", {0, 0.9, 0, 0, 0}).ok());  // armed before any usage
  CHECK(entries().empty());
  const auto r1 = acc.tier("R1"), r3 = acc.tier("R3");
  acc.update_usage(r1, storage_type::file, 950);  // the first update: marked and watched
  CHECK(entries() == std::vector<std::string>{"R1"});
  REQUIRE(f.warnings().size() == 1);
  CHECK(f.warnings()[0].kind == event_kind::usage_warning);
  REQUIRE(acc.set_warning_levels("R1", {}).ok());  // disarmed while raised: cleared
  REQUIRE(f.warnings().size() == 2);
  acc.update_usage(r1, storage_type::file, 1);  // not watched any more, still an entry
  acc.update_usage(r1, storage_type::file, -951);
  CHECK(f.warnings().size() == 2);
  CHECK(entries() == std::vector<std::string>{"R1"});
  REQUIRE(acc.set_warning_levels("R3", {0, 0.5, 0, 0, 0}).ok());
  acc.update_usage(r3, storage_type::file, 499);  // marked, watched, below the level
  CHECK(entries() == std::vector<std::string>{"R1", "R3"});
  CHECK(f.warnings().size() == 2);
  acc.update_usage(r3, storage_type::file, 1);  // 500: raised (armed after the mark)
  REQUIRE(f.warnings().size() == 3);
  CHECK(f.warnings()[2].tier == "R3");
}

TEST_CASE("soft limits: hysteresis suppresses a flapping value; without it each crossing is an event") {
  fixture f;
  auto acc = enable(f.eng, "a", untiered(lim(1000, -1)));
  const auto t = acc.tier("");
  REQUIRE(acc.set_warning_levels("", {0.9, 0, 0, 0, 0.05}).ok());  // raise at 900, clear below 850
  acc.update_usage(t, storage_type::memory, 900);
  for (int i = 0; i < 50; ++i) {
    acc.update_usage(t, storage_type::memory, -20);  // 880
    acc.update_usage(t, storage_type::memory, 20);   // 900
  }
  CHECK(f.warnings().size() == 1);
  CHECK(acc.events("").warnings_raised == 1);
  REQUIRE(acc.set_warning_levels("", {0.9, 0, 0, 0, 0}).ok());  // no hysteresis: 880 < 900 clears
  CHECK(f.warnings().size() == 1);                              // still raised at 900
  for (int i = 0; i < 5; ++i) {
    acc.update_usage(t, storage_type::memory, -20);
    acc.update_usage(t, storage_type::memory, 20);
  }
  CHECK(f.warnings().size() == 11);
  CHECK(acc.events("") == tier_events{6, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(f.warnings().back().kind == event_kind::usage_warning);
  CHECK(f.warnings().back().storage == storage_type::memory);
}

TEST_CASE("soft limits: fraction 1.0 raises exactly at the limit; fraction 0 is off") {
  fixture f;
  auto acc = enable(f.eng, "a", untiered(lim(-1, 1000)));
  const auto t = acc.tier("");
  REQUIRE(acc.set_warning_levels("", warn_all_at(1.0)).ok());
  acc.update_usage(t, storage_type::file, 999);
  CHECK(f.warnings().empty());
  acc.update_usage(t, storage_type::file, 1);
  REQUIRE(f.warnings().size() == 1);
  CHECK(f.warnings()[0].after == 1000);
  acc.update_usage(t, storage_type::file, -1);
  CHECK(f.warnings().size() == 2);

  fixture g;
  auto off = enable(g.eng, "b", untiered(lim(-1, 1000)));
  const auto u = off.tier("");
  REQUIRE(off.set_warning_levels("", warn_all_at(0)).ok());
  off.update_usage(u, storage_type::file, 1000);
  off.update_usage(u, storage_type::file, 5000);
  CHECK(g.warnings().empty());
  CHECK(off.events("") == tier_events{});
  REQUIRE(off.soft_status().size() == 1);
  CHECK(off.soft_status()[0].raised == std::array<bool, soft_resource_count>{});
}

TEST_CASE("soft limits: limit -1 (unlimited) and 0 (nothing allowed) never warn") {
  for (const std::int64_t limit : {std::int64_t{-1}, std::int64_t{0}}) {
    CAPTURE(limit);
    fixture f;
    auto acc = enable(f.eng, "a", untiered(lim(limit, limit, limit, limit)));
    const auto t = acc.tier("");
    REQUIRE(acc.set_warning_levels("", warn_all_at(0.5)).ok());
    acc.update_usage(t, storage_type::file, MaxInt64 / 2);
    acc.update_usage(t, storage_type::memory, 1);
    CHECK(f.warnings().empty());
    CHECK(acc.events("").warnings_raised == 0);
  }
}

TEST_CASE("soft limits: a limits change while raised recomputes the thresholds") {
  fixture f;
  auto acc = enable(f.eng, "a", untiered(lim(-1, 1000)));
  const auto t = acc.tier("");
  REQUIRE(acc.set_warning_levels("", {0, 0.9, 0, 0, 0.1}).ok());
  acc.update_usage(t, storage_type::file, 900);
  REQUIRE(f.warnings().size() == 1);
  // 2000: raise at 1800, clear below 1600; 900 clears at once.
  REQUIRE(f.eng.update_account_limits("a", untiered(lim(-1, 2000))).ok());
  REQUIRE(f.warnings().size() == 2);
  CHECK(f.warnings()[1].kind == event_kind::usage_warning_cleared);
  CHECK(f.warnings()[1].after == 1600);
  // 1000 again: 900 raises at once.
  REQUIRE(f.eng.update_account_limits("a", untiered(lim(-1, 1000))).ok());
  REQUIRE(f.warnings().size() == 3);
  CHECK(f.warnings()[2].kind == event_kind::usage_warning);
  // 1125: raise at 1012, clear below 900: 900 stays raised (inside the band).
  REQUIRE(f.eng.update_account_limits("a", untiered(lim(-1, 1125))).ok());
  CHECK(f.warnings().size() == 3);
  // Unlimited: the warning is disarmed, and a raised one clears (threshold -1).
  REQUIRE(f.eng.update_account_limits("a", untiered(lim(-1, -1))).ok());
  REQUIRE(f.warnings().size() == 4);
  CHECK(f.warnings()[3].kind == event_kind::usage_warning_cleared);
  CHECK(f.warnings()[3].after == -1);
  acc.update_usage(t, storage_type::file, 1 * GiB);
  CHECK(f.warnings().size() == 4);
  CHECK(acc.events("") == tier_events{2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  // Fractions changed while raised: the same recomputation.
  REQUIRE(f.eng.update_account_limits("a", untiered(lim(-1, 2 * GiB))).ok());
  REQUIRE(acc.set_warning_levels("", {0, 0.5, 0, 0, 0}).ok());  // 1 GiB + 900 >= 1 GiB
  REQUIRE(f.warnings().size() == 5);
  REQUIRE(acc.set_warning_levels("", {0, 0.75, 0, 0, 0}).ok());
  REQUIRE(f.warnings().size() == 6);
  CHECK(f.warnings()[5].kind == event_kind::usage_warning_cleared);
}

TEST_CASE("soft limits: tiered tiers warn on their own limits; the default applies to tiers without their own levels") {
  fixture f;
  auto acc = enable(f.eng, "a", limits_map{{"R1", lim(-1, 1000)}, {"R3", lim(-1, 3000)}});
  REQUIRE(acc.set_default_warning_levels({0, 0.5, 0, 0, 0}).ok());
  REQUIRE(acc.set_warning_levels("R3", {0, 0.9, 0, 0, 0}).ok());
  auto s1 = create(acc, file("one"));
  auto s3 = create(acc, file("three", -1, 3));
  s1.add_usage(499);
  s3.add_usage(1499);
  CHECK(f.warnings().empty());
  s1.add_usage(1);  // R1: 500 of 1000 at the default 0.5
  REQUIRE(f.warnings().size() == 1);
  CHECK(f.warnings()[0].tier == "R1");
  s3.add_usage(1);  // R3: 1500, its own level is 0.9 (2700)
  CHECK(f.warnings().size() == 1);
  s3.add_usage(1200);
  REQUIRE(f.warnings().size() == 2);
  CHECK(f.warnings()[1].tier == "R3");
  CHECK(f.warnings()[1].after == 2700);
  CHECK(acc.events("R1").warnings_raised == 1);
  CHECK(acc.events("R3").warnings_raised == 1);
  CHECK(acc.events("R5") == tier_events{});
  const auto st = acc.soft_status();
  REQUIRE(st.size() == 2);
  CHECK(st[0].tier == "R1");
  CHECK(st[0].raised[static_cast<std::size_t>(soft_resource::storage_used)]);
  CHECK_FALSE(st[0].raised[static_cast<std::size_t>(soft_resource::memory_used)]);
  CHECK(st[1].tier == "R3");
}

TEST_CASE("soft limits: reservation crossing on create and delete, stream and consumer counts") {
  fixture f;
  auto acc = enable(f.eng, "a", untiered(lim(1000, 1000, 4, 4)));
  REQUIRE(acc.set_warning_levels("", warn_all_at(0.5)).ok());  // bytes at 500, counts at 2
  auto a = create(acc, file("a", 499));
  CHECK(f.warnings().empty());
  auto b = create(acc, file("b", 1));  // reserved 500, streams 2: both raise
  REQUIRE(f.warnings().size() == 2);
  CHECK(f.warnings()[0].kind == event_kind::reservation_warning);
  CHECK(f.warnings()[0].storage == storage_type::file);
  CHECK(f.warnings()[0].before == 500);
  CHECK(f.warnings()[0].after == 500);
  CHECK(f.warnings()[1].kind == event_kind::streams_warning);
  CHECK(f.warnings()[1].before == 2);
  REQUIRE(acc.delete_stream("b").ok());  // both fall below 500 / 2
  REQUIRE(f.warnings().size() == 4);
  CHECK(f.warnings()[2].kind == event_kind::reservation_warning_cleared);
  CHECK(f.warnings()[2].before == 499);
  CHECK(f.warnings()[3].kind == event_kind::streams_warning_cleared);
  auto m = create(acc, mem("m", 500));  // memory reservation 500: raises; streams 2 again
  REQUIRE(f.warnings().size() == 6);
  CHECK(f.warnings()[4].kind == event_kind::reservation_warning);
  CHECK(f.warnings()[4].storage == storage_type::memory);
  CHECK(a.add_consumer({}).ok());
  CHECK(f.warnings().size() == 6);
  CHECK(a.add_consumer({}).ok());  // 2 consumers on one stream
  REQUIRE(f.warnings().size() == 7);
  CHECK(f.warnings()[6].kind == event_kind::consumers_warning);
  CHECK(m.add_consumer({}).ok());  // the largest per stream stays 2
  CHECK(f.warnings().size() == 7);
  a.remove_consumer();
  REQUIRE(f.warnings().size() == 8);
  CHECK(f.warnings()[7].kind == event_kind::consumers_warning_cleared);
  CHECK(acc.events("") == tier_events{5, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0});
}

TEST_CASE("soft limits: refusals are counted by reason; publish refusals are limit hits") {
  fixture f;
  engine& eng = f.eng;
  eng.set_server_limits(1000, 1000);
  auto acc = enable(eng, "a", limits_map{{"R1", lim(100, 100, 1, 1)}});
  const auto r1 = acc.tier("R1");
  const auto r5 = acc.tier("R5");  // no limits
  acc.update_usage(r1, storage_type::file, 100);
  CHECK(acc.check_publish(r1, storage_type::file, 1, msg(1, 1)) == errc::account_resources_exceeded);
  acc.update_usage(r1, storage_type::memory, 100);
  CHECK(acc.check_publish(r1, storage_type::memory, 1, msg(1, 1)) == errc::account_resources_exceeded);
  CHECK(acc.check_publish(r5, storage_type::file, 1, msg(1, 1)) == errc::no_limits);
  tier_events want;
  want.limit_hits = 2;
  want.refused_memory = 1;
  want.refused_storage = 1;
  CHECK(acc.events("R1") == want);
  CHECK(acc.events("R5") == tier_events{0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0});
  // Server capacity: used 1001 of 1000 on each storage.
  auto other = enable(eng, "b", untiered(lim(-1, -1)));
  const auto u = other.tier("");
  other.update_usage(u, storage_type::file, 901);
  other.update_usage(u, storage_type::memory, 901);
  CHECK(acc.check_publish(r1, storage_type::file, 1, msg(1, 1)) == errc::insufficient_resources);
  CHECK(acc.check_publish(r1, storage_type::memory, 1, msg(1, 1)) == errc::insufficient_resources);
  want.limit_hits = 4;
  want.refused_server_memory = 1;
  want.refused_server_storage = 1;
  CHECK(acc.events("R1") == want);
  other.update_usage(u, storage_type::file, -901);
  other.update_usage(u, storage_type::memory, -901);
  // Creates, updates and consumer adds: counted by reason against the tier whose limits applied.
  auto s = create(acc, file("s", 50));
  CHECK(err(acc.create_stream(file("t"))) == errc::maximum_streams_limit);
  REQUIRE(acc.delete_stream("s").ok());
  CHECK(err(acc.create_stream(file("big", 101))) == errc::storage_resources_exceeded);
  CHECK(err(acc.create_stream(mem("bigm", 101))) == errc::memory_resources_exceeded);
  CHECK(err(acc.create_stream(file("a.b"))) == errc::stream_invalid_config);  // a bad name: other
  auto c = create(acc, file("c"));
  CHECK(c.add_consumer({}).ok());
  CHECK(err(c.add_consumer({})) == errc::maximum_consumers_limit);
  CHECK(err(c.update(file("c", 200))) == errc::storage_resources_exceeded);
  want.refused_streams = 1;
  want.refused_storage += 2;
  want.refused_memory += 1;
  want.refused_other = 1;
  want.refused_consumers = 1;
  CHECK(acc.events("R1") == want);  // limit_hits: publishes only
  CHECK(acc.events("R1").limit_hits == 4);
  // A create in a tier without limits: 10120, counted against that tier.
  CHECK(err(acc.create_stream(file("r3", -1, 3))) == errc::no_limits);
  CHECK(acc.events("R3").refused_no_limits == 1);
  const auto st = acc.soft_status();  // R1, R3 (counted refusal only), R5
  REQUIRE(st.size() == 3);
  CHECK(st[1].tier == "R3");
  CHECK(st[1].events.refused_no_limits == 1);
  // Untiered limits: every refusal counts against "".
  CHECK(err(other.create_stream(file("x", -1, 9))) == errc::stream_invalid_config);  // replicas > 5: other
  CHECK(other.events("").refused_other == 1);
}

TEST_CASE("soft limits: a stream released by its owning handle clears the reservation warning it raised") {
  fixture f;
  auto acc = enable(f.eng, "a", untiered(lim(-1, 1000)));
  REQUIRE(acc.set_warning_levels("", {0, 0.5, 0, 0, 0}).ok());
  {
    auto s = create(acc, file("s", 500));
    REQUIRE(f.warnings().size() == 1);
    CHECK(f.warnings()[0].kind == event_kind::reservation_warning);
  }  // the handle dies: the stream and its reservation leave
  REQUIRE(f.warnings().size() == 2);
  CHECK(f.warnings()[1].kind == event_kind::reservation_warning_cleared);
  CHECK(f.warnings()[1].before == 0);
  CHECK(f.warnings()[1].after == 500);
}

TEST_CASE("soft limits: a tier that gains limits later is armed by the limits change") {
  fixture f;
  auto acc = enable(f.eng, "a", limits_map{{"R1", lim(-1, 1000)}});
  REQUIRE(acc.set_default_warning_levels({0, 0.5, 0, 0, 0}).ok());
  const auto t = acc.tier("R3");  // no limits yet: disarmed
  acc.update_usage(t, storage_type::file, 600);
  CHECK(f.warnings().empty());
  REQUIRE(f.eng.update_account_limits("a", limits_map{{"R1", lim(-1, 1000)}, {"R3", lim(-1, 1000)}}).ok());
  REQUIRE(f.warnings().size() == 1);  // 600 >= 500 at once
  CHECK(f.warnings()[0].tier == "R3");
  acc.update_usage(t, storage_type::file, -200);
  REQUIRE(f.warnings().size() == 2);
  CHECK(f.warnings()[1].kind == event_kind::usage_warning_cleared);
  // Disabled accounts refuse new levels.
  REQUIRE(f.eng.disable_account("a").ok());
  CHECK(err(acc.set_warning_levels("R1", {})) == errc::not_enabled_for_account);
}
