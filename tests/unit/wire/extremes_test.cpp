// SPDX-License-Identifier: Apache-2.0
// int64 / uint64 extremes at the public entry points of wire/, storage/msg_size.hpp
// and friendly_bytes.hpp. CI runs this suite under ASan + UBSan (halt on error),
// so "no undefined behavior" is checked by the run itself; the assertions pin
// the defined results: Go's wrapping int64 / uint64 arithmetic for remote sums
// and API counters (main's remoteUpdateUsage), exact codec round trips,
// saturating message sizes, exact publisher time arithmetic.
#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "jsacct/detail/arith.hpp"
#include "jsacct/engine/basic_engine.hpp"
#include "jsacct/friendly_bytes.hpp"
#include "jsacct/storage/msg_size.hpp"
#include "jsacct/wire/cluster_usage.hpp"
#include "jsacct/wire/usage_update.hpp"

using namespace jsacct;

namespace {

constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();
constexpr std::array<std::int64_t, 7> specials{0, 1, -1, i64_min, i64_max, i64_min + 1, i64_max - 1};

/// Go's int64 a + b (two's complement wrap), written independently of the library.
std::int64_t go_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

std::string encode(std::uint64_t api, std::uint64_t errors, const std::vector<usage_record>& tiers) {
  std::string out;
  encode_usage_update(api, errors, tiers, out);
  return out;
}

account_limits no_byte_limits() {
  account_limits l = dynamic_account_limits;
  l.max_memory = -1;
  l.max_store = -1;
  return l;
}

template <class A>
std::int64_t remote_of(A& acc, std::string_view tier, storage_type s) {
  return acc.usage_of(acc.tier(tier), s).remote;
}

}  // namespace

TEST_CASE("apply_usage_update: extreme values from several nodes wrap as Go's int64 sums, and remove_node undoes them") {
  for (const std::int64_t a : specials) {
    for (const std::int64_t b : specials) {
      CAPTURE(a);
      CAPTURE(b);
      engine eng(jetstream_config{}, {.mode = deployment::clustered});
      auto acc = eng.enable_account("A", {{"R1", no_byte_limits()}}).value();
      REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n1", encode(u64_max, u64_max, {{"R1", a, b}})).ok());
      REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(u64_max, 1, {{"R1", b, a}})).ok());
      REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(2, u64_max, {{"R1", a, a}})).ok());
      CHECK(remote_of(acc, "R1", storage_type::memory) == go_add(go_add(a, b), a));
      CHECK(remote_of(acc, "R1", storage_type::file) == go_add(go_add(b, a), a));
      const auto u = acc.usage();
      CHECK(u.api.total == u64_max + u64_max + 2);  // unsigned wrap, as main
      CHECK(u.api.errors == u64_max + 1 + u64_max);
      CHECK(u.memory == static_cast<std::uint64_t>(go_add(go_add(a, b), a)));
      // Replacing with the opposite extreme, then removing every node, returns to zero.
      REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n1", encode(0, 0, {{"R1", b, a}})).ok());
      remove_node(acc, "n1");
      remove_node(acc, "n2");
      remove_node(acc, "n3");
      CHECK(remote_of(acc, "R1", storage_type::memory) == 0);
      CHECK(remote_of(acc, "R1", storage_type::file) == 0);
      CHECK(acc.usage().api.total == 0);
      CHECK(acc.usage().api.errors == 0);
    }
  }
}

TEST_CASE("publish checks with remote totals at the int64 extremes: defined answers (main and 2.9.10)") {
  for (const std::int64_t remote : specials) {
    CAPTURE(remote);
    jetstream_config cfg;
    cfg.max_memory = i64_max;
    cfg.max_store = i64_max;
    engine m(cfg, {.mode = deployment::clustered});
    engine_v29 v(cfg, {.mode = deployment::clustered});
    account_limits l = no_byte_limits();
    l.max_store = i64_max;
    auto am = m.enable_account("A", {{"R1", l}}).value();
    auto av = v.enable_account("A", {{"R1", l}}).value();
    REQUIRE(apply_usage_update(am, "$JSC.ARU.A.n1", encode(0, 0, {{"R1", 0, remote}})).ok());
    REQUIRE(apply_usage_update(av, "$JSC.ARU.A.n1", encode(0, 0, {{"R1", 0, remote}})).ok());
    const auto tm = am.tier("R1");
    const auto tv = av.tier("R1");
    am.update_usage(tm, storage_type::file, i64_max);
    av.update_usage(tv, storage_type::file, i64_max);
    const errc rm = am.check_publish(tm, storage_type::file, 1, msg_lengths{u64_max, u64_max, u64_max});
    const errc rv = av.check_stored(tv, storage_type::file);
    // main compares exactly: the tier total (i64_max + remote, wrapped in the counter as Go's
    // int64) plus the saturated size, against the limit. (remote = 1 wraps the total to
    // INT64_MIN, and INT64_MIN + UINT64_MAX is exactly INT64_MAX: not over the limit.)
    const bool over = static_cast<int128>(go_add(i64_max, remote)) + static_cast<int128>(u64_max) > i64_max;
    CHECK(rm == (over ? errc::account_resources_exceeded : errc::none));
    CHECK(over == (remote != 1));
    // 2.9.10 compares the wrapped total with the limit.
    CHECK(rv == (go_add(i64_max, remote) > i64_max ? errc::account_resources_exceeded : errc::none));
  }
}

TEST_CASE("the publisher encodes local usage at the extremes exactly") {
  for (const std::int64_t x : specials) {
    CAPTURE(x);
    engine eng(jetstream_config{}, {.mode = deployment::clustered});
    auto acc = eng.enable_account("A", {{"R1", no_byte_limits()}}).value();
    acc.update_usage(acc.tier("R1"), storage_type::memory, x);
    acc.update_usage(acc.tier("R1"), storage_type::file, go_add(x, 1));
    usage_publisher pub(acc, "n1");
    std::string out;
    REQUIRE(pub.trigger(out));
    const auto v = decode_usage_update(out);
    REQUIRE(v.status() == usage_update_status::complete);
    CHECK(v.front() == usage_record{"R1", x, go_add(x, 1)});
  }
}

TEST_CASE("legacy 32-byte updates and codec headers at the extremes") {
  for (const std::int64_t x : specials) {
    std::string m(32, '\0');
    for (int i = 0; i < 8; ++i) {
      m[static_cast<std::size_t>(i)] = static_cast<char>(static_cast<std::uint64_t>(x) >> (8 * i));
      m[static_cast<std::size_t>(8 + i)] = static_cast<char>(static_cast<std::uint64_t>(x) >> (8 * i));
      m[static_cast<std::size_t>(16 + i)] = static_cast<char>(0xFF);
      m[static_cast<std::size_t>(24 + i)] = static_cast<char>(0xFF);
    }
    const auto v = decode_usage_update(m);
    CHECK(v.status() == usage_update_status::legacy);
    CHECK(v.front() == usage_record{"", x, x});
    CHECK(v.api() == u64_max);
    CHECK(v.errors() == u64_max);
    CHECK(encoded_size(std::vector<usage_record>{{"", x, x}}) == 44);
  }
}

TEST_CASE("msg sizes at every power-of-two boundary: exact or saturated, never wrapped") {
  for (int k = 0; k < 64; ++k) {
    const std::uint64_t p = std::uint64_t{1} << k;
    for (const std::uint64_t len : {p - 1, p, p + 1, u64_max - p}) {
      for (const std::uint64_t other : {std::uint64_t{0}, p, u64_max - p, u64_max}) {
        const msg_lengths m{len, 0, other};
        const auto exact = static_cast<uint128>(len) + other;
        const std::uint64_t mem = mem_store_msg_size(m);
        const std::uint64_t file = file_store_msg_size(m);
        CHECK(mem == (exact + 16 > u64_max ? u64_max : static_cast<std::uint64_t>(exact + 16)));
        CHECK(file == (exact + 30 > u64_max ? u64_max : static_cast<std::uint64_t>(exact + 30)));
        CHECK(file_store_msg_size({len, 1, other}) == (exact + 35 > u64_max ? u64_max : static_cast<std::uint64_t>(exact + 35)));
      }
    }
  }
}

TEST_CASE("friendly_bytes at every power-of-two boundary, signed and unsigned") {
  const std::array<std::string_view, 7> units{"B", "KB", "MB", "GB", "TB", "PB", "EB"};
  auto unit_of = [&](const std::string& s) { return s.substr(s.rfind(' ') + 1); };
  for (int k = 0; k < 64; ++k) {
    const std::uint64_t p = std::uint64_t{1} << k;
    for (const std::uint64_t u : {p - 1, p, p + 1}) {
      CAPTURE(u);
      const std::string s = friendly_bytes(u);
      REQUIRE(s.find(' ') != std::string::npos);
      // The unit: 1024^n <= u < 1024^(n+1), except just below a boundary, where the
      // double rounds up to the next unit as in Go (e.g. 2^50 - 1 -> "1.00 PB").
      const int n = u < 1024 ? 0 : (63 - __builtin_clzll(u)) / 10;
      const int n_up = (u + 1 != 0 && (u + 1) % 1024 == 0) ? (64 - __builtin_clzll(u)) / 10 : n;
      const auto got = unit_of(s);
      CHECK((got == units[static_cast<std::size_t>(n)] || got == units[static_cast<std::size_t>(std::min(n_up, 6))]));
      if (u <= static_cast<std::uint64_t>(i64_max)) {
        const auto i = static_cast<std::int64_t>(u);
        CHECK(friendly_bytes(i) == s);
        if (i > 0) CHECK(friendly_bytes(-i) == "-" + s);
      }
    }
  }
  CHECK(friendly_bytes(i64_min) == "-8.00 EB");
  CHECK(friendly_bytes(u64_max) == "16.00 EB");
  CHECK(friendly_bytes(i64_max) == "8.00 EB");
}

TEST_CASE("usage_publisher: an injected clock at the time_point extremes, with extreme options (no overflow)") {
  // now - last overflowed int64 in std::chrono when the clock jumped from min() to max()
  // (UBSan: signed integer overflow), and so did now + tick near max().
  using tp = std::chrono::steady_clock::time_point;
  using dur = std::chrono::steady_clock::duration;
  constexpr std::array<tp, 6> readings{tp::min(),          tp::min() + dur(1), tp{}, tp{} + std::chrono::seconds(1),
                                       tp::max() - dur(1), tp::max()};
  constexpr std::array<dur, 5> windows{dur::min(), dur::zero(), usage_update_min_window, dur::max() - dur(1), dur::max()};
  auto exact = [](tp t) { return static_cast<int128>(t.time_since_epoch().count()); };
  auto clamp = [](int128 v) { return tp(dur(saturate_cast(v))); };
  for (const dur window : windows) {
    for (const dur tick : windows) {
      CAPTURE(window.count());
      CAPTURE(tick.count());
      engine eng(jetstream_config{}, {.mode = deployment::clustered});
      auto acc = eng.enable_account("A", {{"R1", no_byte_limits()}}).value();
      acc.update_usage(acc.tier("R1"), storage_type::file, 7);
      tp now = tp::min();
      usage_publisher pub(
          acc, "n1", [&now] { return now; }, usage_publisher_options{true, window, tick});
      CHECK(pub.next_tick() == clamp(exact(now) + tick.count()));
      std::optional<tp> last;
      tp next = pub.next_tick();
      std::uint64_t sent = 0;
      std::string out;
      // Every pair of readings in both orders: the clock jumps forward and back.
      for (const tp a : readings) {
        for (const tp b : readings) {
          for (const tp t : {a, b}) {
            now = t;
            // tick(): due when now >= next; re-armed at now + tick, saturated; then a throttled trigger.
            const bool due = now >= next;
            if (due) next = clamp(exact(now) + tick.count());
            const bool sends = due && (!last || exact(now) - exact(*last) >= window.count());
            if (sends) last = now;
            CHECK(pub.tick(out) == sends);
            CHECK(pub.next_tick() == next);
            // trigger(): sends when no attempt yet or at least `window` after the last one.
            const bool triggers = !last || exact(now) - exact(*last) >= window.count();
            if (triggers) last = now;
            CHECK(pub.trigger(out) == triggers);
            CHECK(pub.last_update() == last);
            sent += static_cast<std::uint64_t>(sends) + static_cast<std::uint64_t>(triggers);
          }
        }
      }
      CHECK(pub.sent() == sent);
    }
  }
}

TEST_CASE("remote_tier_caps at 0 and SIZE_MAX: comparisons never wrap") {
  constexpr std::size_t size_max = std::numeric_limits<std::size_t>::max();
  SUBCASE("caps 0: only tiers with limits, known tiers and zero usage pass") {
    engine eng(jetstream_config{}, {.mode = deployment::clustered});
    eng.set_remote_tier_caps({0, 0});
    std::vector<event> events;
    eng.set_event_sink([&](const event& e) { events.push_back(e); });
    auto acc = eng.enable_account("A", {{"R1", no_byte_limits()}}).value();
    const auto r = apply_usage_update(acc, "$JSC.ARU.A.n1", encode(0, 0, {{"R1", 1, i64_max}, {"X", 0, 1}, {"Z", 0, 0}}));
    CHECK(r.ok());
    CHECK(r.tiers_merged == 2);
    CHECK(r.tiers_refused == 1);
    CHECK(remote_of(acc, "R1", storage_type::file) == i64_max);
    REQUIRE(events.size() == 1);
    CHECK(events[0].tier == "X");
    CHECK(events[0].text.ends_with("(limits: 0 tiers per node, 0 per account)"));
  }
  SUBCASE("caps SIZE_MAX: nothing is refused") {
    engine eng(jetstream_config{}, {.mode = deployment::clustered});
    eng.set_remote_tier_caps({size_max, size_max});
    CHECK(eng.remote_caps() == remote_tier_caps{size_max, size_max});
    std::vector<event> events;
    eng.set_event_sink([&](const event& e) { events.push_back(e); });
    auto acc = eng.enable_account("A", {{"R1", no_byte_limits()}}).value();
    std::vector<std::string> names;
    for (int i = 0; i < 2000; ++i) names.push_back("T" + std::to_string(i));
    std::vector<usage_record> recs;
    for (const auto& n : names) recs.push_back({n, i64_min, i64_max});
    const auto r = apply_usage_update(acc, "$JSC.ARU.A.n1", encode(0, 0, recs));
    CHECK(r.tiers_merged == names.size());
    CHECK(r.tiers_refused == 0);
    CHECK(events.empty());
    CHECK(remote_of(acc, "T1999", storage_type::memory) == i64_min);
    CHECK(acc.usage().store == u64_max - 1999);  // 2000 x INT64_MAX, wrapped as Go's int64 sum
    remove_node(acc, "n1");
    CHECK(acc.usage().store == 0);
    CHECK(acc.usage().memory == 0);
  }
}

TEST_CASE("friendly_bytes of every other integer type at its extremes") {
  // Go's friendlyBytes formula: below 1024 the digits; else x / 1024^e with e = int(ln x / ln 1024).
  CHECK(friendly_bytes(std::numeric_limits<signed char>::min()) == "-128 B");
  CHECK(friendly_bytes(std::numeric_limits<signed char>::max()) == "127 B");
  CHECK(friendly_bytes(std::numeric_limits<unsigned char>::max()) == "255 B");
  CHECK(friendly_bytes(std::numeric_limits<short>::min()) == "-32.00 KB");
  CHECK(friendly_bytes(std::numeric_limits<short>::max()) == "32.00 KB");  // 32767 / 1024 = 31.999
  CHECK(friendly_bytes(std::numeric_limits<unsigned short>::max()) == "64.00 KB");
  CHECK(friendly_bytes(std::numeric_limits<int>::min()) == "-2.00 GB");
  CHECK(friendly_bytes(std::numeric_limits<int>::max()) == "2.00 GB");
  CHECK(friendly_bytes(std::numeric_limits<unsigned>::max()) == "4.00 GB");
  CHECK(friendly_bytes(std::numeric_limits<long long>::min()) == "-8.00 EB");
  CHECK(friendly_bytes(std::numeric_limits<unsigned long long>::max()) == "16.00 EB");
  CHECK(friendly_bytes(0) == "0 B");
  CHECK(friendly_bytes(0u) == "0 B");
  CHECK(friendly_bytes(-1) == "-1 B");
}
