// SPDX-License-Identifier: Apache-2.0
// Reservation charging policies (docs/reservation-charging.md): ReserveRelease's
// op (benchmarks/jsacct_bench.cpp) on an engine of each policy. One op =
// create_stream(cfg{File, R1, MaxBytes 1 MiB}, raw_precheck=false) then reset().
// ChargingReserveRelease/upfront is the default engine: compare it with
// ReserveRelease/atomic (same op, same limits, its own engine).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "bench_support.hpp"
#include "jsacct/jsacct.hpp"

namespace {

using namespace jsacct;

template <charging_policy C>
using charged_engine = basic_engine<main_limits, replica_tiers, atomic_counters, C>;

constexpr std::int64_t k_mib = std::int64_t{1} << 20;

template <class Engine>
void ChargingReserveRelease(benchmark::State& state) {
  // The fixture of ReserveRelease: 1 PiB file budget, R1 and R3 tiers of 1 GiB file / 64 MiB memory.
  Engine eng(jetstream_config{.max_memory = std::int64_t{1} << 40, .max_store = std::int64_t{1} << 50});
  const account_limits l{std::int64_t{64} << 20, std::int64_t{1} << 30, -1, -1, -1, -1, -1, false};
  auto acct = eng.enable_account("RSV", limits_map{{"R1", l}, {"R3", l}});
  if (!acct) {
    state.SkipWithError("enable_account refused");
    return;
  }
  const stream_config cfg{.name = "RSV", .storage = storage_type::file, .max_bytes = k_mib, .replicas = 1};
  create_options o;
  o.raw_precheck = false;
  {
    auto warm = acct->create_stream(cfg, o);  // the bucket and the pooled record exist from now on
    if (!warm) {
      state.SkipWithError("create_stream refused");
      return;
    }
  }
  for (auto _ : state) {
    auto r = acct->create_stream(cfg, o);
    benchmark::DoNotOptimize(r);
    r->reset();
  }
  if (eng.reserved() != mem_store{0, 0}) state.SkipWithError("reservation leaked");
  state.counters["reserved_per_stream"] = static_cast<double>(std::max<std::int64_t>(Engine::charging::charge(k_mib), 0));
}

// JSACCT_BENCH_ITERATIONS=n: exactly n iterations, as jsacct_bench.cpp's rows (count-instructions).
template <class Engine>
void register_charging(const std::string& name) {
  jsacct_bench::tune(benchmark::RegisterBenchmark(("ChargingReserveRelease/" + name).c_str(), ChargingReserveRelease<Engine>));
}

const bool registered = [] {
  register_charging<charged_engine<upfront>>("upfront");
  register_charging<charged_engine<on_use>>("on_use");
  register_charging<charged_engine<fraction<50>>>("fraction50");
  return true;
}();

}  // namespace
