// SPDX-License-Identifier: Apache-2.0
// Snapshot views while another thread enables/disables accounts and
// creates/deletes streams: every snapshot is sorted, consistent and owned
// (no lock held while iterating, nothing dangles). TSan in CI.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "jsacct/jsacct.hpp"

using namespace jsacct;

TEST_CASE("views: snapshots while another thread creates and deletes accounts and streams") {
  jetstream_config cfg;
  cfg.max_memory = std::int64_t{1} << 30;
  cfg.max_store = std::int64_t{1} << 40;
  engine js(cfg);
  auto base = js.enable_account("BASE").value();
  constexpr int rounds = 2000;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < rounds; ++i) {
      const std::string name = "A" + std::to_string(i % 7);
      auto a = js.enable_account(name);
      if (a) {
        auto s =
            a->create_stream(stream_config{.name = "S" + std::to_string(i % 5), .storage = storage_type::file, .max_bytes = 100});
        if (s) s->add_usage(10);
        auto b = base.create_stream(
            stream_config{.name = "B" + std::to_string(i % 3), .storage = storage_type::memory, .max_bytes = 50});
        if (b) b->add_usage(1);
        // b and s deleted here (their handles own them)
      }
      if (i % 2 == 1) (void)js.disable_account(name);
    }
    done.store(true);
  });
  std::int64_t snapshots = 0, bad = 0;
  while (!done.load() || snapshots == 0) {
    const auto accts = js.accounts();
    ++snapshots;
    for (std::size_t i = 1; i < accts.size(); ++i)
      if (!(accts[i - 1].name() < accts[i].name())) ++bad;
    for (auto& a : accts) {
      const auto streams = a.streams();
      for (std::size_t i = 1; i < streams.size(); ++i)
        if (!(streams[i - 1].name < streams[i].name)) ++bad;
      for (const auto& s : streams)
        if (s.reserved != s.max_bytes || s.used < 0 || s.used > 10) ++bad;
      const auto tiers = a.tiers();
      if (tiers.size() != 1 || !tiers[0].untiered()) ++bad;
    }
  }
  writer.join();
  CHECK(bad == 0);
  CHECK(snapshots > 0);
  // Afterwards: BASE and the accounts left enabled (even rounds), no streams.
  const auto last = js.accounts();
  CHECK(last.size() == js.num_accounts());
  CHECK(base.streams().empty());
}
