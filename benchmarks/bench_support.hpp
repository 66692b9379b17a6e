// SPDX-License-Identifier: Apache-2.0
// What every jsacct-bench source shares: the fixed iteration count that
// count-instructions relies on, and the publish-check loop of the
// StreamCheckPublish rows.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdlib>

#include "jsacct/error.hpp"
#include "jsacct/storage/msg_size.hpp"

namespace jsacct_bench {

/// JSACCT_BENCH_ITERATIONS=n runs `b` for exactly n iterations (no ramp-up), so
/// an instruction count (count-instructions, callgrind) divides exactly.
inline benchmark::internal::Benchmark* tune(benchmark::internal::Benchmark* b) {
  static const long iters = [] {
    const char* e = std::getenv("JSACCT_BENCH_ITERATIONS");
    return e ? std::atol(e) : 0L;
  }();
  if (iters > 0) b->Iterations(iters);
  return b;
}

/// One op = `s.check_publish(m)`, which must accept (else the row is skipped
/// with an error: a refusal measures another path).
template <class Stream>
void publish_check_loop(benchmark::State& state, const Stream& s, jsacct::msg_lengths m) {
  if (s.check_publish(m) != jsacct::errc::none) {
    state.SkipWithError("unexpectedly refused");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(m);
    auto v = s.check_publish(m);
    benchmark::DoNotOptimize(v);
    benchmark::ClobberMemory();
  }
}

}  // namespace jsacct_bench
