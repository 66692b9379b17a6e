// SPDX-License-Identifier: Apache-2.0
// account_handle::selection reads an account's limits without the mutex (a
// seqlock over the tier entries' limit words and the tier table): under
// concurrent limits changes a reader sees one whole limits object, never a
// mix of two, and never a tier that has no limits in the version it read.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "jsacct/jsacct.hpp"

using namespace jsacct;

namespace {

/// Every numeric field `v`, max_bytes_required = v odd: a torn copy shows up
/// as two fields that differ.
account_limits uniform(std::int64_t v) { return {v, v, v, v, v, v, v, (v % 2) != 0}; }

bool whole(const account_limits& l) {
  const std::int64_t v = l.max_memory;
  return l.max_store == v && l.max_streams == v && l.max_consumers == v && l.max_ack_pending == v &&
         l.memory_max_stream_bytes == v && l.store_max_stream_bytes == v && l.max_bytes_required == ((v % 2) != 0);
}

jetstream_config big() {
  jetstream_config c;
  c.max_memory = std::int64_t{1} << 50;
  c.max_store = std::int64_t{1} << 50;
  return c;
}

}  // namespace

TEST_CASE("selection under concurrent limits changes: whole limits objects, the right tier, 0 torn reads") {
  engine eng(big(), {.mode = deployment::clustered});
  auto acc = eng.enable_account("A", limits_map{{"R1", uniform(1)}, {"R3", uniform(1)}}).value();
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> torn{0}, wrong_tier{0}, reads{0}, untiered_seen{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t)
    readers.emplace_back([&, t] {
      stream_config c;
      c.name = "S";
      c.replicas = t == 0 ? 1 : 3;
      while (!stop.load(std::memory_order_relaxed)) {
        auto s = acc.selection(c);
        reads.fetch_add(1, std::memory_order_relaxed);
        if (!s) continue;  // 10120 while an odd version has no tier for these replicas
        if (!whole(s->limits)) torn.fetch_add(1, std::memory_order_relaxed);
        const bool untiered = s->untiered();
        if (untiered) untiered_seen.fetch_add(1, std::memory_order_relaxed);
        // Versions: v % 3 == 0 untiered (limits = v), else tiered with R1 and R3 at v.
        if (untiered != (s->limits.max_memory % 3 == 0)) wrong_tier.fetch_add(1, std::memory_order_relaxed);
        if (!untiered && s->tier.name() != (c.replicas == 1 ? "R1" : "R3")) wrong_tier.fetch_add(1, std::memory_order_relaxed);
      }
    });
  for (std::int64_t v = 2; v < 4000; ++v) {
    limits_map m;
    if (v % 3 == 0)
      m[""] = uniform(v);
    else
      m = {{"R1", uniform(v)}, {"R3", uniform(v)}};
    for (int extra = 0; extra < static_cast<int>(v % 7); ++extra) m["X" + std::to_string(extra)] = uniform(v);  // grow the table
    REQUIRE(eng.update_account_limits("A", m).ok());
  }
  stop = true;
  for (auto& r : readers) r.join();
  CHECK(torn.load() == 0);
  CHECK(wrong_tier.load() == 0);
  CHECK(reads.load() > 0);
  MESSAGE("reads: " << reads.load() << ", untiered answers: " << untiered_seen.load());
}
