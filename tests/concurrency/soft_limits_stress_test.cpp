// SPDX-License-Identifier: Apache-2.0
// Soft limits under concurrent updaters (docs/soft-limits.md): a warning flips
// with one exchange, so raises and clears alternate whatever the interleaving,
// every flip is counted and emitted once, and the last state matches the value.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "jsacct/jsacct.hpp"

using namespace jsacct;

namespace {
constexpr std::size_t storage_used = static_cast<std::size_t>(soft_resource::storage_used);
}

TEST_CASE("stress: concurrent updaters around a warning threshold raise and clear in turn") {
  jetstream_config cfg;
  cfg.max_memory = std::int64_t{1} << 40;
  cfg.max_store = std::int64_t{1} << 40;
  engine eng(cfg);
  std::atomic<std::uint64_t> raised_events{0}, cleared_events{0};
  eng.set_event_sink([&](const event& e) {
    if (e.kind == event_kind::usage_warning) raised_events.fetch_add(1, std::memory_order_relaxed);
    if (e.kind == event_kind::usage_warning_cleared) cleared_events.fetch_add(1, std::memory_order_relaxed);
  });
  account_limits l;
  l.max_store = 1000;
  auto acc = eng.enable_account("A", limits_map{{"", l}}).value();
  const auto t = acc.tier("");
  // Raise at 900; hysteresis 0 (clear below 900) makes every crossing flip.
  REQUIRE(acc.set_warning_levels("", {0, 0.9, 0, 0, 0}).ok());
  acc.update_usage(t, storage_type::file, 895);
  constexpr int threads = 4;
  constexpr int rounds = 20'000;
  std::atomic<bool> stop{false}, relevel_failed{false};
  std::vector<std::thread> pool;
  for (int k = 0; k < threads; ++k)
    pool.emplace_back([&, k] {
      for (int i = 0; i < rounds; ++i) {
        const std::int64_t d = ((i + k) % 2 == 0) ? 3 : -3;  // each thread ends where it started
        acc.update_usage(t, storage_type::file, d);
      }
    });
  // Meanwhile the levels are re-applied (a refresh under the lock races the lock-free path).
  std::thread relevel([&] {
    while (!stop.load()) {
      if (!acc.set_warning_levels("", {0, 0.9, 0, 0, 0}).ok()) relevel_failed.store(true);
      std::this_thread::yield();
    }
  });
  for (auto& th : pool) th.join();
  stop.store(true);
  relevel.join();
  CHECK_FALSE(relevel_failed.load());

  const tier_events ev = acc.events("");
  const auto st = acc.soft_status();
  REQUIRE(st.size() == 1);
  const bool up = st[0].raised[storage_used];
  CHECK(ev.warnings_raised - ev.warnings_cleared == (up ? 1u : 0u));
  CHECK(raised_events.load() == ev.warnings_raised);
  CHECK(cleared_events.load() == ev.warnings_cleared);
  // Quiescent: one more evaluation leaves the state matching the value (895 < 900: cleared).
  CHECK(acc.usage_of(t, storage_type::file).total == 895);
  acc.update_usage(t, storage_type::file, 0);
  CHECK_FALSE(acc.soft_status()[0].raised[storage_used]);
  const tier_events end = acc.events("");
  CHECK(end.warnings_raised == end.warnings_cleared);
  CHECK(raised_events.load() == end.warnings_raised);
  CHECK(cleared_events.load() == end.warnings_cleared);
}

TEST_CASE("stress: updaters that all cross upward at once raise exactly once") {
  jetstream_config cfg;
  cfg.max_memory = std::int64_t{1} << 40;
  engine eng(cfg);
  std::atomic<std::uint64_t> raises{0};
  eng.set_event_sink([&](const event& e) {
    if (e.kind == event_kind::usage_warning) raises.fetch_add(1, std::memory_order_relaxed);
  });
  account_limits l;
  l.max_memory = 1'000'000;
  auto acc = eng.enable_account("A", limits_map{{"", l}}).value();
  const auto t = acc.tier("");
  REQUIRE(acc.set_warning_levels("", {0.5, 0, 0, 0, 0.1}).ok());  // raise at 500000, clear below 400000
  constexpr int threads = 4;
  std::atomic<int> ready{0};
  std::vector<std::thread> pool;
  for (int k = 0; k < threads; ++k)
    pool.emplace_back([&] {
      ready.fetch_add(1);
      while (ready.load() < threads) std::this_thread::yield();
      for (int i = 0; i < 50'000; ++i) acc.update_usage(t, storage_type::memory, 4);  // 4 * 4 * 50000 = 800000
    });
  for (auto& th : pool) th.join();
  CHECK(raises.load() == 1);
  CHECK(acc.events("").warnings_raised == 1);
  CHECK(acc.events("").warnings_cleared == 0);
  CHECK(acc.soft_status()[0].raised[static_cast<std::size_t>(soft_resource::memory_used)]);
}
