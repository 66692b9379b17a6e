// SPDX-License-Identifier: Apache-2.0
// Receiving hostile or large $JSC.ARU updates (build/benchmarks/wire-bench).
//
// TierFlood/first: one op = apply_usage_update of ONE message carrying
// `tiers` distinct tier names from a node the account has never heard of
// (every record needs a new tier). The account is fresh for every op (its
// setup and teardown are outside the timed region).
// TierFlood/repeat: the same message again on an account that already holds
// those tiers (the steady state of a peer that keeps re-sending them).
// TierFlood/gone: the peer then reports every tier with zero usage (each entry
// is released).
// Second argument: 0 = the default remote_tier_caps (256 tiers per node: the
// rest of the flood is refused), 1 = caps lifted (every record merged).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jsacct/jsacct.hpp"
#include "jsacct/wire/cluster_usage.hpp"
#include "jsacct/wire/usage_update.hpp"

namespace {

jsacct::jetstream_config bench_config() {
  jsacct::jetstream_config c;
  c.max_memory = std::int64_t{1} << 40;
  c.max_store = std::int64_t{1} << 50;
  return c;
}

jsacct::limits_map bench_limits() {
  jsacct::account_limits l = jsacct::dynamic_account_limits;
  l.max_memory = -1;
  l.max_store = -1;
  return {{"R1", l}, {"R3", l}};
}

/// The flood: `n` distinct names "T<i>", each with non-zero usage (or zero when `zero`).
std::string flood_message(int n, bool zero) {
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) names.push_back("T" + std::to_string(i));
  std::vector<jsacct::usage_record> recs;
  recs.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i)
    recs.push_back({names[i], zero ? 0 : 1, zero ? 0 : static_cast<std::int64_t>(i + 1)});
  std::string msg;
  jsacct::encode_usage_update(1, 0, recs, msg);
  return msg;
}

struct flood_fixture {
  std::unique_ptr<jsacct::engine> eng =
      std::make_unique<jsacct::engine>(bench_config(), jsacct::engine_options{.mode = jsacct::deployment::clustered});
  jsacct::engine::account acct;
  explicit flood_fixture(bool uncapped) {
    if (uncapped) eng->set_remote_tier_caps({SIZE_MAX, SIZE_MAX});
    auto r = eng->enable_account("FLOOD", bench_limits());
    if (!r.ok()) std::abort();
    acct = *r;
  }
};

constexpr std::string_view k_subject = "$JSC.ARU.FLOOD.RNODE001";

void TierFloodFirst(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  const std::string msg = flood_message(n, false);
  std::size_t merged = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto f = std::make_unique<flood_fixture>(state.range(1) != 0);
    state.ResumeTiming();
    const auto r = jsacct::apply_usage_update(f->acct, k_subject, msg);
    merged = r.tiers_merged;
    state.PauseTiming();
    f.reset();
    state.ResumeTiming();
  }
  state.counters["merged"] = static_cast<double>(merged);
}

void TierFloodRepeat(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  const std::string msg = flood_message(n, false);
  flood_fixture f(state.range(1) != 0);
  auto r = jsacct::apply_usage_update(f.acct, k_subject, msg);
  for (auto _ : state) {
    r = jsacct::apply_usage_update(f.acct, k_subject, msg);
    benchmark::DoNotOptimize(r);
  }
  state.counters["merged"] = static_cast<double>(r.tiers_merged);
}

void TierFloodGone(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  const std::string msg = flood_message(n, false);
  const std::string gone = flood_message(n, true);
  for (auto _ : state) {
    state.PauseTiming();
    auto f = std::make_unique<flood_fixture>(state.range(1) != 0);
    jsacct::apply_usage_update(f->acct, k_subject, msg);
    state.ResumeTiming();
    const auto r = jsacct::apply_usage_update(f->acct, k_subject, gone);
    benchmark::DoNotOptimize(r);
    state.PauseTiming();
    f.reset();
    state.ResumeTiming();
  }
}

}  // namespace

BENCHMARK(TierFloodFirst)
    ->ArgsProduct({{1000, 30000}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();
BENCHMARK(TierFloodRepeat)->ArgsProduct({{1000, 30000}, {0, 1}})->Unit(benchmark::kMillisecond);
BENCHMARK(TierFloodGone)
    ->ArgsProduct({{1000, 30000}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

BENCHMARK_MAIN();
