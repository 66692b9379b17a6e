// SPDX-License-Identifier: Apache-2.0
// Scale: 100,000 accounts and 1,000,000 stream reservations on one engine.
// Total and per-item times, resident memory per account (2 tiers) and per live
// stream reservation (from glibc's allocator statistics), and the per-op costs
// of the hot paths at 10 and at 100,000 accounts (they must stay flat).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jsacct/jsacct.hpp"

namespace {

using namespace jsacct;

jetstream_config huge_server() {
  jetstream_config c;
  c.max_memory = std::int64_t{1} << 50;
  c.max_store = std::int64_t{1} << 60;
  return c;
}

limits_map two_tiers() {
  account_limits l = dynamic_account_limits;
  l.max_memory = std::int64_t{64} << 20;
  l.max_store = std::int64_t{1} << 30;
  return {{"R1", l}, {"R3", l}};
}

std::size_t heap_in_use() { return mallinfo2().uordblks; }

std::string account_name(std::int64_t i) { return "ACC" + std::to_string(i); }

// Enabling N accounts with 2 tiers: total seconds, ns and heap bytes per account.
void ScaleEnableAccounts(benchmark::State& state) {
  const auto n = state.range(0);
  std::vector<std::string> names;
  for (std::int64_t i = 0; i < n; ++i) names.push_back(account_name(i));
  const limits_map limits = two_tiers();
  double seconds = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto e = std::make_unique<engine>(huge_server());
    std::vector<engine::account> handles;
    handles.reserve(static_cast<std::size_t>(n));
    const std::size_t before = heap_in_use();
    state.ResumeTiming();
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& name : names) handles.push_back(e->enable_account(name, limits).value());
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.PauseTiming();
    bytes = heap_in_use() - before - handles.capacity() * sizeof(engine::account);
    handles.clear();
    e.reset();
    state.ResumeTiming();
  }
  state.counters["total_s"] = seconds;
  state.counters["ns_per_account"] = seconds * 1e9 / static_cast<double>(n);
  state.counters["bytes_per_account"] = static_cast<double>(bytes) / static_cast<double>(n);
}
BENCHMARK(ScaleEnableAccounts)->Arg(10)->Arg(1000)->Arg(10000)->Arg(100000)->Iterations(1)->Unit(benchmark::kMillisecond);

// 1,000,000 live stream reservations spread over 10,000 accounts.
void ScaleRegisterStreams(benchmark::State& state) {
  const std::int64_t accounts = 10'000, streams = state.range(0);
  double seconds = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto e = std::make_unique<engine>(huge_server());
    std::vector<engine::account> acc;
    for (std::int64_t i = 0; i < accounts; ++i) acc.push_back(e->enable_account(account_name(i), two_tiers()).value());
    std::vector<stream_config> cfgs;
    cfgs.reserve(static_cast<std::size_t>(streams));
    for (std::int64_t i = 0; i < streams; ++i)
      cfgs.push_back(stream_config{.name = "S" + std::to_string(i), .storage = storage_type::file, .max_bytes = 1024});
    std::vector<engine::reservation> held;
    held.reserve(static_cast<std::size_t>(streams));
    create_options o;
    o.raw_precheck = false;
    const std::size_t before = heap_in_use();
    state.ResumeTiming();
    const auto t0 = std::chrono::steady_clock::now();
    for (std::int64_t i = 0; i < streams; ++i)
      held.push_back(acc[static_cast<std::size_t>(i % accounts)].create_stream(cfgs[static_cast<std::size_t>(i)], o).value());
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.PauseTiming();
    bytes = heap_in_use() - before;
    if (e->reserved().store != streams * 1024) state.SkipWithError("reservations lost");
    held.clear();
    acc.clear();
    e.reset();
    state.ResumeTiming();
  }
  state.counters["total_s"] = seconds;
  state.counters["ns_per_stream"] = seconds * 1e9 / static_cast<double>(streams);
  state.counters["bytes_per_stream"] = static_cast<double>(bytes) / static_cast<double>(streams);
}
BENCHMARK(ScaleRegisterStreams)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);

// A fixture with N accounts (2 tiers, one 1 MiB R1 file stream each); the
// measured account is a random one in the middle of the registry.
struct population {
  std::unique_ptr<engine> e;
  std::vector<engine::account> acc;
  std::vector<engine::reservation> streams;
  explicit population(std::int64_t n) : e(std::make_unique<engine>(huge_server())) {
    for (std::int64_t i = 0; i < n; ++i) {
      acc.push_back(e->enable_account(account_name(i), two_tiers()).value());
      streams.push_back(
          acc.back().create_stream(stream_config{.name = "S", .storage = storage_type::file, .max_bytes = 1 << 20}).value());
      streams.back().add_usage(1000);
    }
  }
  static population& of(std::int64_t n) {
    static std::unique_ptr<population> small, large;
    auto& p = n <= 10 ? small : large;
    if (!p) p = std::make_unique<population>(n);
    return *p;
  }
  engine::account& pick() { return acc[acc.size() / 2]; }
};

void ScaleUpdateUsage(benchmark::State& state) {
  auto& p = population::of(state.range(0));
  auto a = p.pick();
  const auto t = a.tier("R1");
  std::int64_t d = 128;
  for (auto _ : state) {
    a.update_usage(t, storage_type::file, d);
    d = -d;
  }
}
BENCHMARK(ScaleUpdateUsage)->Arg(10)->Arg(100000);

void ScaleCheckPublish(benchmark::State& state) {
  auto& p = population::of(state.range(0));
  auto a = p.pick();
  const auto t = a.tier("R1");
  const msg_lengths m{17, 0, 128};
  for (auto _ : state) benchmark::DoNotOptimize(a.check_publish(t, storage_type::file, 1, m));
}
BENCHMARK(ScaleCheckPublish)->Arg(10)->Arg(100000);

void ScaleReserveRelease(benchmark::State& state) {
  auto& p = population::of(state.range(0));
  auto a = p.pick();
  const stream_config c = stream_config{.name = "TMP", .storage = storage_type::file, .max_bytes = 1 << 20};
  create_options o;
  o.raw_precheck = false;
  for (auto _ : state) {
    auto r = a.create_stream(c, o);
    benchmark::DoNotOptimize(r.ok());
    r->reset();
  }
}
BENCHMARK(ScaleReserveRelease)->Arg(10)->Arg(100000);

void ScaleAccountSnapshot(benchmark::State& state) {
  auto& p = population::of(state.range(0));
  auto a = p.pick();
  for (auto _ : state) {
    account_stats s = a.usage();
    benchmark::DoNotOptimize(s.store);
  }
}
BENCHMARK(ScaleAccountSnapshot)->Arg(10)->Arg(100000);

}  // namespace
