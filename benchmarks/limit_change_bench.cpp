// SPDX-License-Identifier: Apache-2.0
// Limit changes (docs/limit-changes.md): change_account_limits per policy on
// an account of N streams, within the new limits and over them, and the
// publish check of a keep_existing stream where the limit refuses and its
// tier's allowance admits (the only path that reads the allowance). The
// success path of the publish check is StreamCheckPublish / AcctWouldExceedLimits
// in jsacct_bench.cpp. JSACCT_BENCH_ITERATIONS=n fixes the iteration count
// (count-instructions).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bench_support.hpp"
#include "jsacct/jsacct.hpp"

namespace {

using namespace jsacct;

constexpr std::int64_t stream_bytes = 1000;  // each stream's max_bytes; it stores half

jetstream_config big_server() {
  jetstream_config c;
  c.max_memory = std::int64_t{1} << 40;
  c.max_store = std::int64_t{1} << 40;
  return c;
}

limits_map store_limit(std::int64_t v) {
  account_limits l = dynamic_account_limits;
  l.max_store = v;
  return {{"", l}};
}

/// An engine with account "A" and `n` file streams of max_bytes 1000, each storing 500 bytes.
struct fixture {
  engine eng{big_server()};
  engine::account acct;
  std::vector<engine::reservation> streams;
  explicit fixture(std::int64_t n) : acct(eng.enable_account("A", store_limit(n * stream_bytes)).value()) {
    for (std::int64_t i = 0; i < n; ++i) {
      stream_config c;
      c.name = "S" + std::to_string(i);
      c.storage = storage_type::file;
      c.max_bytes = stream_bytes;
      streams.push_back(acct.create_stream(c).value());
      streams.back().add_usage(stream_bytes / 2);
    }
  }
};

// One op = change_account_limits(policy) alternating two limits at or above the
// reservation N x 1000: nothing over (for refuse: admitted).
void LimitChangeWithin(benchmark::State& state, limit_change_policy p) {
  const std::int64_t n = state.range(0);
  fixture f(n);
  const limits_map a = store_limit(n * stream_bytes), b = store_limit(n * stream_bytes + 1);
  bool flip = false;
  for (auto _ : state) {
    auto r = f.eng.change_account_limits("A", (flip = !flip) ? a : b, p);
    if (!r || !r->within_limits()) {
      state.SkipWithError("unexpected refusal or overage");
      return;
    }
    benchmark::DoNotOptimize(r);
  }
}

// One op = change_account_limits(policy) alternating two limits below the
// reservation (above the usage N x 500): every stream is listed; refuse refuses.
void LimitChangeOver(benchmark::State& state, limit_change_policy p) {
  const std::int64_t n = state.range(0);
  fixture f(n);
  const limits_map a = store_limit(n * stream_bytes - 1), b = store_limit(n * stream_bytes - 2);
  bool flip = false;
  for (auto _ : state) {
    auto r = f.eng.change_account_limits("A", (flip = !flip) ? a : b, p);
    if (r.ok() == (p == limit_change_policy::refuse)) {
      state.SkipWithError("unexpected outcome");
      return;
    }
    benchmark::DoNotOptimize(r);
  }
}

// One op = stream_reservation::check_publish of 100 bytes on a kept stream whose
// tier is over its new limit (usage 4 x 500 = 2000 > 1000) but within the
// allowance 4 x 1000: the limit refuses, the allowance admits.
void CheckPublishKept(benchmark::State& state) {
  fixture f(4);
  if (!f.eng.change_account_limits("A", store_limit(1000), limit_change_policy::keep_existing)) {
    state.SkipWithError("change refused");
    return;
  }
  jsacct_bench::publish_check_loop(state, f.streams[0], msg_lengths{10, 0, 60});  // 10 + 60 + 30 = 100 bytes
}

using jsacct_bench::tune;

[[maybe_unused]] const bool registered = [] {
  for (auto p : {limit_change_policy::apply, limit_change_policy::refuse, limit_change_policy::keep_existing}) {
    const std::string name(limit_change_policy_name(p));
    tune(benchmark::RegisterBenchmark(("LimitChangeWithin/" + name).c_str(), LimitChangeWithin, p))->Arg(1)->Arg(100);
    tune(benchmark::RegisterBenchmark(("LimitChangeOver/" + name).c_str(), LimitChangeOver, p))->Arg(1)->Arg(100);
  }
  tune(benchmark::RegisterBenchmark("StreamCheckPublishKept", CheckPublishKept));
  return true;
}();

}  // namespace
