// SPDX-License-Identifier: Apache-2.0
// Usage snapshots (docs/snapshots.md): taking and restoring the snapshot of an
// engine with 100 accounts of 10 streams each (2 tiers, usage, consumers).
// Per iteration: the whole engine; the counters give the text size and the
// cost per account.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "jsacct/jsacct.hpp"
#include "jsacct/persist/usage_snapshot.hpp"

namespace {

using namespace jsacct;

constexpr int snapshot_accounts = 100;
constexpr int streams_per_account = 10;

jetstream_config snapshot_server() {
  jetstream_config c;
  c.max_memory = std::int64_t{1} << 50;
  c.max_store = std::int64_t{1} << 60;
  return c;
}

/// 100 accounts (tiers R1 and R3, clustered) of 10 streams each with usage and a consumer.
void fill(engine& eng) {
  account_limits l = dynamic_account_limits;
  l.max_memory = std::int64_t{64} << 20;
  l.max_store = std::int64_t{1} << 30;
  for (int a = 0; a < snapshot_accounts; ++a) {
    auto acct = eng.enable_account("ACC" + std::to_string(a), {{"R1", l}, {"R3", l}}).value();
    for (int s = 0; s < streams_per_account; ++s) {
      const stream_config c{.name = "S" + std::to_string(s),
                            .storage = s % 2 == 0 ? storage_type::file : storage_type::memory,
                            .max_bytes = 1 << 20,
                            .replicas = s % 3 == 0 ? 3 : 1};
      auto r = acct.create_stream(c).value();
      r.add_usage(1000 + s);
      (void)r.add_consumer({});
      (void)r.release();
    }
    acct.apply_remote_usage("n2", "R3", 4000, 8000);
  }
}

void set_counters(benchmark::State& state, std::size_t text_size) {
  state.counters["text_bytes"] = static_cast<double>(text_size);
  state.counters["per_account"] = benchmark::Counter(static_cast<double>(state.iterations()) * snapshot_accounts,
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// usage_snapshot_text: the JSON value built under the locks, then its text.
void SnapshotTake(benchmark::State& state) {
  engine eng(snapshot_server(), {.mode = deployment::clustered});
  fill(eng);
  std::size_t size = 0;
  for (auto _ : state) {
    const std::string text = usage_snapshot_text(eng);
    size = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  set_counters(state, size);
}
BENCHMARK(SnapshotTake)->Unit(benchmark::kMillisecond);

// restore_usage_snapshot into a fresh engine: parse, validate, apply (the
// engine's construction and destruction are outside the timing).
void SnapshotRestore(benchmark::State& state) {
  engine eng(snapshot_server(), {.mode = deployment::clustered});
  fill(eng);
  const std::string text = usage_snapshot_text(eng);
  for (auto _ : state) {
    state.PauseTiming();
    auto fresh = std::make_unique<engine>(snapshot_server(), engine_options{.mode = deployment::clustered});
    state.ResumeTiming();
    auto r = restore_usage_snapshot(*fresh, text);
    if (!r) state.SkipWithError(r.error().text().c_str());
    benchmark::DoNotOptimize(r);
    state.PauseTiming();
    fresh.reset();
    state.ResumeTiming();
  }
  set_counters(state, text.size());
}
BENCHMARK(SnapshotRestore)->Unit(benchmark::kMillisecond);

}  // namespace
