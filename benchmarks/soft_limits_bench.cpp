// SPDX-License-Identifier: Apache-2.0
// Soft limits (docs/soft-limits.md) on the usage hot path: account_handle::update_usage
// (tier with limits, file, ±128 alternating) with no warning levels (the
// default: one relaxed load of the tier's armed flag), with a level armed but
// far below it (the out-of-line check runs and finds nothing to flip), and
// crossing the threshold on every op (a raise or a clear each time: counted,
// no event sink). JSACCT_BENCH_ITERATIONS=n fixes the iteration count, as in
// jsacct_bench.cpp, for benchmarks/count-instructions.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <utility>

#include "bench_support.hpp"
#include "jsacct/jsacct.hpp"

namespace {

enum class mode { off, armed_below, crossing };

template <class Engine>
void SoftUpdateUsage(benchmark::State& state, mode m) {
  jsacct::jetstream_config cfg;
  cfg.max_memory = std::int64_t{1} << 40;
  cfg.max_store = std::int64_t{1} << 40;
  Engine eng(cfg);
  jsacct::account_limits l;
  l.max_store = std::int64_t{1} << 30;
  auto a = eng.enable_account("SOFT", jsacct::limits_map{{"R1", l}}).value();
  auto t = a.tier("R1");
  if (m != mode::off) {
    const auto set = a.set_warning_levels("R1", jsacct::warning_levels{0, 0.5, 0, 0, 0});  // raise at 512 MiB
    if (!set) state.SkipWithError("set_warning_levels failed");
  }
  // Crossing: sit one byte below the threshold, so +128 raises and -128 clears.
  const std::int64_t start = m == mode::crossing ? (std::int64_t{1} << 29) - 1 : 0;
  a.update_usage(t, jsacct::storage_type::file, start);
  std::int64_t d = 128;
  for (auto _ : state) {
    benchmark::DoNotOptimize(t);
    a.update_usage(t, jsacct::storage_type::file, d);
    d = -d;
    benchmark::ClobberMemory();
  }
  if (d < 0) a.update_usage(t, jsacct::storage_type::file, d);
  if (m == mode::crossing && a.events("R1").warnings_raised == 0) state.SkipWithError("never crossed");
  if (m != mode::crossing && a.events("R1").warnings_raised != 0) state.SkipWithError("crossed");
}

template <class Engine>
void register_soft(const char* pol) {
  for (const auto& [name, m] :
       {std::pair{"Off", mode::off}, std::pair{"ArmedBelow", mode::armed_below}, std::pair{"Crossing", mode::crossing}}) {
    jsacct_bench::tune(benchmark::RegisterBenchmark((std::string("SoftUpdateUsage") + name + "/" + pol).c_str(),
                                                    [m = m](benchmark::State& s) { SoftUpdateUsage<Engine>(s, m); }));
  }
}

const bool registered = [] {
  register_soft<jsacct::engine>("atomic");
  register_soft<jsacct::plain_engine>("plain");
  return true;
}();

}  // namespace
