// SPDX-License-Identifier: Apache-2.0
// jsacct::plain_engine: the same accounting with plain integers and no-op
// locks, for an embedder that runs everything on one thread (an event loop,
// a simulation, a replay tool). Hot-path calls become plain arithmetic.
#include <cstdio>

#include "jsacct/jsacct.hpp"

// plain_engine = basic_engine<main_limits, replica_tiers, plain_counters>.
static_assert(!jsacct::plain_engine::policy::concurrent);
static_assert(jsacct::engine::policy::concurrent);

int main() {
  using namespace jsacct;
  jetstream_config server;
  server.max_memory = 64 << 20;
  server.max_store = 1 << 30;
  plain_engine js(server);  // not to be shared between threads

  account_limits lim = dynamic_account_limits;
  lim.max_memory = 1 << 20;
  auto acct = js.enable_account("SIM", {{"", lim}}).value();
  auto cache = acct.create_stream(stream_config{.name = "CACHE", .storage = storage_type::memory}).value();

  // A simulated workload: 20k small messages (more than the 1 MiB limit holds), then a purge of half the bytes.
  const msg_lengths m{.subject = 12, .header = 0, .payload = 64};
  const auto size = static_cast<std::int64_t>(memory_backend::msg_size(m));
  int refused = 0;
  for (int i = 0; i < 20'000; ++i) {
    if (cache.check_publish(m) != errc::none) {
      ++refused;
      continue;
    }
    cache.add_usage(size);
  }
  const auto before = acct.usage().memory;
  cache.add_usage(-static_cast<std::int64_t>(before / 2));
  std::printf("stored %llu bytes (%d refused at the 1 MiB limit), %llu after purging half; server memory %llu\n",
              static_cast<unsigned long long>(before), refused, static_cast<unsigned long long>(acct.usage().memory),
              static_cast<unsigned long long>(js.usage_stats().memory));
  return before <= static_cast<std::uint64_t>(lim.max_memory) && refused > 0 ? 0 : 1;
}
