// SPDX-License-Identifier: Apache-2.0
// The cost of explanations (docs/explanations.md), on the refusal path only.
//
// ExplainRefusedCreate/contributors=N: one op = a create_stream refused by the
// account's max_store (10047), its explanation built under the account lock
// with the N other streams of the tier scanned for contributors (the 5 largest
// kept). ExplainRefusedCreate/bare: the same refusal through check_limits (the
// errc alone, no explanation): the difference is the explanation's cost.
// ExplainPublish/refused: explain_publish of a message the account's limit
// refuses (10002); ExplainPublish/accepted: of one that would pass (nullopt, no
// allocation); CheckPublish/refused: check_publish of the refused message.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "jsacct/jsacct.hpp"

namespace {

jsacct::jetstream_config explain_config() {
  jsacct::jetstream_config c;
  c.max_memory = std::int64_t{1} << 40;
  c.max_store = std::int64_t{1} << 40;
  return c;
}

jsacct::account_limits r1_store_limit(std::int64_t store) {
  jsacct::account_limits l;
  l.max_store = store;
  return l;
}

constexpr std::int64_t stream_bytes = 1024;

void ExplainRefusedCreate(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  jsacct::engine eng(explain_config());
  auto a = *eng.enable_account("A", {{"R1", r1_store_limit(stream_bytes * n)}});
  std::vector<jsacct::engine::reservation> keep;
  for (int i = 0; i < n; ++i) keep.push_back(*a.create_stream({.name = "S" + std::to_string(i), .max_bytes = stream_bytes}));
  const jsacct::stream_config over{.name = "OVER", .max_bytes = 1};
  for (auto _ : state) {
    auto r = a.create_stream(over);
    if (r.ok() || r.error().why() == nullptr) {
      state.SkipWithError("expected a refusal with an explanation");
      return;
    }
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(ExplainRefusedCreate)->ArgName("contributors")->Arg(1)->Arg(16)->Arg(256);

void RefusedCheckLimitsBare(benchmark::State& state) {
  jsacct::engine eng(explain_config());
  auto a = *eng.enable_account("A", {{"R1", r1_store_limit(stream_bytes)}});
  auto s = *a.create_stream({.name = "S", .max_bytes = stream_bytes});
  const jsacct::stream_config over{.name = "OVER", .max_bytes = 1};
  const auto sel = *a.select_limits(over);
  for (auto _ : state) {
    auto e = a.check_limits(sel, over, true, a.tiered_reservation(sel.tier, over), 0);
    benchmark::DoNotOptimize(e);
  }
}
BENCHMARK(RefusedCheckLimitsBare)->Name("ExplainRefusedCreate/bare");

struct publish_fixture {
  jsacct::engine eng{explain_config()};
  jsacct::engine::account a = *eng.enable_account("A", {{"R1", r1_store_limit(1000)}});
  jsacct::engine::reservation s = *a.create_stream({.name = "S"});
  publish_fixture() { s.add_usage(1000); }
};

void ExplainPublishRefused(benchmark::State& state) {
  publish_fixture f;
  const jsacct::msg_lengths m{8, 0, 128};
  for (auto _ : state) {
    auto w = f.s.explain_publish(m);
    if (!w) {
      state.SkipWithError("expected a refusal");
      return;
    }
    benchmark::DoNotOptimize(w);
  }
}
BENCHMARK(ExplainPublishRefused)->Name("ExplainPublish/refused");

void ExplainPublishAccepted(benchmark::State& state) {
  publish_fixture f;
  f.s.add_usage(-1000);
  const jsacct::msg_lengths m{8, 0, 128};
  for (auto _ : state) {
    auto w = f.s.explain_publish(m);
    benchmark::DoNotOptimize(w);
  }
}
BENCHMARK(ExplainPublishAccepted)->Name("ExplainPublish/accepted");

void CheckPublishRefused(benchmark::State& state) {
  publish_fixture f;
  const jsacct::msg_lengths m{8, 0, 128};
  for (auto _ : state) {
    auto v = f.s.check_publish(m);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(CheckPublishRefused)->Name("CheckPublish/refused");

}  // namespace
