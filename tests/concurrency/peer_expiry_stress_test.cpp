// SPDX-License-Identifier: Apache-2.0
// Peer expiry (docs/cluster.md#peer-expiry) while peers' $JSC.ARU updates
// arrive on other threads: sweeps and merges interleave, an expired peer comes
// back with its next message, and once the threads stop every total is
// exactly what the live peers last reported. TSan in CI.
#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "jsacct/jsacct.hpp"
#include "jsacct/wire/cluster_usage.hpp"
#include "jsacct/wire/peer_expiry.hpp"

using namespace jsacct;

TEST_CASE("peer expiry: sweeps race merges from two peers; the final totals are the live peers' last reports") {
  jetstream_config cfg;
  cfg.max_memory = std::int64_t{1} << 30;
  cfg.max_store = std::int64_t{1} << 40;
  engine js(cfg, {.mode = deployment::clustered});
  auto acc = js.enable_account("A", limits_map{{"R1", account_limits{}}, {"R3", account_limits{}}}).value();
  constexpr int updates = 20000;
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> expired{0};
  std::atomic<std::size_t> sweeps{0};
  std::thread sweeper([&] {
    while (!stop.load()) {
      expired += sweep_remote_usage(acc, {.expire_after_sweeps = 2}).expired.size();
      ++sweeps;
    }
  });
  auto peer = [&](const std::string& node, std::int64_t scale) {
    std::vector<std::byte> msg;
    for (int i = 1; i <= updates; ++i) {
      // Bursts with pauses so that the sweeper expires the peer now and then.
      encode_usage_update(static_cast<std::uint64_t>(i), 0,
                          std::vector<usage_record>{{"R1", 0, scale * i}, {i % 2 == 0 ? "R3" : "X", scale, scale * 2 * i}}, msg);
      CHECK(apply_usage_update(acc, "$JSC.ARU.A." + node, msg).ok());
      if (i % 1000 == 0) std::this_thread::yield();
    }
  };
  std::thread n2(peer, "n2", 1);
  std::thread n3(peer, "n3", 10);
  n2.join();
  n3.join();
  stop.store(true);
  sweeper.join();
  MESSAGE("sweeps " << sweeps.load() << ", peers expired " << expired.load());

  // Quiet now: n2 reports once more, n3 stays silent and expires.
  std::vector<std::byte> last;
  encode_usage_update(7, 0, std::vector<usage_record>{{"R1", 0, 111}, {"R3", 0, 0}, {"X", 0, 0}}, last);
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", last).ok());
  for (int i = 0; i < 3; ++i) (void)sweep_remote_usage(acc, {.expire_after_sweeps = 2});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", last).ok());
  (void)sweep_remote_usage(acc, {.expire_after_sweeps = 2});
  CHECK(remote_peers(acc) == std::vector<std::string>{"n2"});
  const account_stats s = acc.usage();
  CHECK(s.store == 111);
  CHECK(s.memory == 0);
  CHECK(s.api.total == 7);
  // No counter went below zero or kept a stale share: R3 (limits) is back at
  // zero, X (no limits, only peers used it) is released.
  REQUIRE(s.tiers.count("R1") == 1);
  CHECK(s.tiers.at("R1").store == 111);
  REQUIRE(s.tiers.count("R3") == 1);
  CHECK(s.tiers.at("R3").store == 0);
  CHECK(s.tiers.at("R3").memory == 0);
  CHECK(s.tiers.count("X") == 0);
}
