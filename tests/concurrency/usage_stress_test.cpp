// SPDX-License-Identifier: Apache-2.0
// Usage updates from several threads are conserved (docs/semantics.md#update-usage) and publish
// checks read consistent values without locks.
#include <doctest/doctest.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "jsacct/jsacct.hpp"

using namespace jsacct;

TEST_CASE("stress: concurrent updateUsage on one tier and on distinct accounts is conserved") {
  jetstream_config cfg;
  cfg.max_memory = std::int64_t{1} << 40;
  cfg.max_store = std::int64_t{1} << 40;
  engine e(cfg);
  auto shared = e.enable_account("S").value();
  auto own1 = e.enable_account("O1").value();
  auto own2 = e.enable_account("O2").value();
  const auto ts = shared.tier("");
  constexpr int n = 200'000;
  auto work = [&](engine::account own, int seed) {
    const auto to = own.tier("");
    for (int i = 0; i < n; ++i) {
      const std::int64_t d = (i + seed) % 3 == 0 ? -64 : 128;
      shared.update_usage(ts, storage_type::file, d);
      own.update_usage(to, storage_type::memory, 16);
      (void)shared.check_publish(ts, storage_type::file, 1, msg_lengths{1, 0, 8});
    }
  };
  std::thread t1(work, own1, 0), t2(work, own2, 1);
  t1.join();
  t2.join();
  std::int64_t expect = 0;
  for (int seed = 0; seed < 2; ++seed)
    for (int i = 0; i < n; ++i) expect += (i + seed) % 3 == 0 ? -64 : 128;
  CHECK(shared.usage_of(ts, storage_type::file).local == expect);
  CHECK(own1.usage_of(own1.tier(""), storage_type::memory).local == 16 * n);
  CHECK(own2.usage_of(own2.tier(""), storage_type::memory).local == 16 * n);
  CHECK(e.used().store == expect);
  CHECK(e.used().mem == 2 * 16 * n);
}
