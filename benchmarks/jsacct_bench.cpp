// SPDX-License-Identifier: Apache-2.0
//
// jsacct-bench: Google Benchmark equivalents of the Go reference benchmarks in
// benchmarks/go-reference (nats-server v2.9.10, accounting_reference_test.go).
// Same names, same operation, same fixture; see benchmarks/README.md.
//
// Every benchmark is registered as  <GoName>/<counters>  where <counters> is
// "atomic" (jsacct::engine, thread-safe) or "plain" (jsacct::plain_engine,
// single-threaded). Parallel ones run with 1 and 2 threads and report real
// (wall) time divided by the operations of all threads, like Go's RunParallel.
//
// This TU replaces the global operator new/delete with counting versions, so
// every benchmark reports allocs/op and B/op (thread-local counts, summed over
// threads by Google Benchmark and divided by the total iterations).

#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench_support.hpp"
#include "jsacct/jsacct.hpp"
#include "jsacct/wire/cluster_usage.hpp"
#include "jsacct/wire/usage_update.hpp"

// ---------------------------------------------------------------------------
// Allocation counting (global operator new in this TU)
// ---------------------------------------------------------------------------

namespace {
thread_local std::uint64_t t_allocs = 0;
thread_local std::uint64_t t_alloc_bytes = 0;

void* counted_alloc(std::size_t n) {
  ++t_allocs;
  t_alloc_bytes += n;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* counted_alloc_aligned(std::size_t n, std::align_val_t al) {
  ++t_allocs;
  t_alloc_bytes += n;
  const auto a = static_cast<std::size_t>(al);
  const std::size_t rounded = (n + a - 1) / a * a;
  if (void* p = std::aligned_alloc(a, rounded == 0 ? a : rounded)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t a) { return counted_alloc_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_alloc_aligned(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

/// Snapshot of this thread's allocation counters; report() adds allocs/op and B/op.
struct alloc_probe {
  std::uint64_t a0 = t_allocs, b0 = t_alloc_bytes;
  void report(benchmark::State& state) const {
    const auto allocs = static_cast<double>(t_allocs - a0);  // read before the counter map allocates
    const auto bytes = static_cast<double>(t_alloc_bytes - b0);
    state.counters["allocs/op"] = benchmark::Counter(allocs, benchmark::Counter::kAvgIterations);
    state.counters["B/op"] = benchmark::Counter(bytes, benchmark::Counter::kAvgIterations);
  }
};

// ---------------------------------------------------------------------------
// Fixture (mirrors acctBench* in accounting_bench_test.go)
// ---------------------------------------------------------------------------

constexpr std::int64_t k_delta = 128;                       // acctBenchDelta
constexpr std::uint64_t k_msg = 128;                        // acctBenchMsgSize
constexpr std::int64_t k_srv_mem = std::int64_t{1} << 40;   // 1 TiB
constexpr std::int64_t k_srv_file = std::int64_t{1} << 50;  // 1 PiB
constexpr std::int64_t k_acc_mem = std::int64_t{64} << 20;  // 64 MiB
constexpr std::int64_t k_acc_file = std::int64_t{1} << 30;  // 1 GiB
constexpr std::int64_t k_mib = std::int64_t{1} << 20;
constexpr std::string_view k_subj = "orders.eu.created";  // 17 bytes
constexpr std::string_view k_remote = "RNODE0001";
constexpr std::array<std::string_view, 4> k_tiers{"R1", "R3", "R5", "R7"};

jsacct::limits_map bench_limits() {
  const jsacct::account_limits l{k_acc_mem, k_acc_file, -1, -1, -1, -1, -1, false};
  return jsacct::limits_map{{"R1", l}, {"R3", l}};
}

jsacct::jetstream_config bench_config() {
  jsacct::jetstream_config c;
  c.max_memory = k_srv_mem;
  c.max_store = k_srv_file;
  return c;
}

jsacct::stream_config stream_cfg(std::string name, jsacct::storage_type st, std::int64_t replicas, std::int64_t max_bytes) {
  jsacct::stream_config c;
  c.name = std::move(name);
  c.storage = st;
  c.replicas = replicas;
  c.max_bytes = max_bytes;
  c.max_consumers = -1;
  return c;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "jsacct-bench: fixture failed: %s\n", what.c_str());
  std::exit(2);
}

/// One standalone engine with per-benchmark accounts, created lazily. One per
/// counter policy (the "main" server of the Go fixture).
template <class Engine>
struct fixture {
  using account = typename Engine::account;
  Engine eng{bench_config()};  // standalone

  account acct(const std::string& name) {
    if (auto a = eng.find_account(name)) return a;
    auto r = eng.enable_account(name, bench_limits());
    if (!r) die("enable_account(" + name + "): " + r.error().text());
    return *r;
  }
  static fixture& get() {
    static fixture f;
    return f;
  }
};

template <class Engine>
void check_zero(benchmark::State& state, typename Engine::account& a, typename Engine::tier t) {
  const auto u = a.usage_of(t, jsacct::storage_type::file);
  if (u.local != 0 || u.total != 0) state.SkipWithError("usage not balanced");
}

// ---------------------------------------------------------------------------
// updateUsage
// ---------------------------------------------------------------------------

// One op = account_handle::update_usage(tier_ref "R1", file, ±128), sign alternating.
template <class Engine>
void AcctUpdateUsage(benchmark::State& state) {
  auto a = fixture<Engine>::get().acct("UPD");
  auto t = a.tier("R1");
  alloc_probe ap;
  std::int64_t d = k_delta;
  for (auto _ : state) {
    benchmark::DoNotOptimize(t);
    a.update_usage(t, jsacct::storage_type::file, d);
    d = -d;
    benchmark::ClobberMemory();
  }
  ap.report(state);
  if (d < 0) a.update_usage(t, jsacct::storage_type::file, d);
  check_zero<Engine>(state, a, t);
}

// Same op from N threads on ONE account (RunParallel equivalent).
void AcctUpdateUsageParallel(benchmark::State& state) {
  using E = jsacct::engine;
  static E::account a = fixture<E>::get().acct("UPDP");  // thread-safe static init
  static E::tier t = a.tier("R1");
  alloc_probe ap;
  std::int64_t d = k_delta;
  for (auto _ : state) {
    a.update_usage(t, jsacct::storage_type::file, d);
    d = -d;
  }
  if (d < 0) a.update_usage(t, jsacct::storage_type::file, d);
  ap.report(state);
}

// Same op, each thread on its OWN account (64 prepared, like Go).
void AcctUpdateUsageParallelDistinct(benchmark::State& state) {
  using E = jsacct::engine;
  struct acc_tier {
    E::account a;
    E::tier t;
  };
  static const std::vector<acc_tier> accts = [] {
    std::vector<acc_tier> v;
    for (int i = 0; i < 64; ++i) {
      char n[16];
      std::snprintf(n, sizeof n, "UPDD%02d", i);
      auto a = fixture<E>::get().acct(n);
      auto t = a.tier("R1");
      v.push_back({a, t});
    }
    return v;
  }();
  auto a = accts[static_cast<std::size_t>(state.thread_index()) % accts.size()].a;
  auto t = accts[static_cast<std::size_t>(state.thread_index()) % accts.size()].t;
  // Which stripe of the server's used-bytes counter this thread adds to
  // (jsacct::detail::thread_stripe(): the lowest free stripe among the live
  // threads, shared only when every active stripe is taken). Reported as "stripe_shared" = 1 when two threads
  // of this run landed on the same stripe (false sharing inside the engine).
  static std::array<std::atomic<std::size_t>, 2> stripe{};
  constexpr std::size_t stripes = 8;  // detail::server_state<...>::stripes for atomic_counters
  if (state.thread_index() < 2)
    stripe[static_cast<std::size_t>(state.thread_index())] = jsacct::detail::thread_stripe() % stripes;
  alloc_probe ap;
  std::int64_t d = k_delta;
  for (auto _ : state) {
    a.update_usage(t, jsacct::storage_type::file, d);
    d = -d;
  }
  if (d < 0) a.update_usage(t, jsacct::storage_type::file, d);
  ap.report(state);
  if (state.thread_index() == 0 && state.threads() == 2) state.counters["stripe_shared"] = stripe[0] == stripe[1] ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Per-message limit checks
// ---------------------------------------------------------------------------

// One op = check_publish(R1, file, replicas 1, {subject 17, header 0, payload 128})
// with 1000 bytes of usage in R1: server capacity check, then main's account
// check with the message size (fileStoreMsgSize) times replicas. Passes.
template <class Engine>
void AcctWouldExceedLimits(benchmark::State& state) {
  auto a = fixture<Engine>::get().acct("WEL");
  auto t = a.tier("R1");
  if (a.usage_of(t, jsacct::storage_type::file).local == 0) a.update_usage(t, jsacct::storage_type::file, 1000);
  jsacct::msg_lengths m{k_subj.size(), 0, k_msg};
  if (a.check_publish(t, jsacct::storage_type::file, 1, m) != jsacct::errc::none) {
    state.SkipWithError("unexpectedly exceeded");
    return;
  }
  alloc_probe ap;
  for (auto _ : state) {
    benchmark::DoNotOptimize(t);
    benchmark::DoNotOptimize(m);
    auto r = a.check_publish(t, jsacct::storage_type::file, 1, m);
    benchmark::DoNotOptimize(r);
    benchmark::ClobberMemory();
  }
  ap.report(state);
}

// One op = stream_reservation::check_publish({subject 17, header 0, payload 128}) on an R1 file
// stream with max_msgs 1000, max_bytes 1 MiB, max_msg_size 1 MiB, discard new, holding 10 messages:
// max_msg_size, the server and account checks, then the stream caps against the stream's
// atomic totals (docs/semantics.md#stream-caps). Passes; no Go counterpart (the store does it
// under the stream lock).
template <class Engine>
void StreamCheckPublish(benchmark::State& state) {
  auto a = fixture<Engine>::get().acct("SCP");
  auto cfg = stream_cfg("SCP", jsacct::storage_type::file, 1, k_mib);
  cfg.max_msgs = 1000;
  cfg.max_msg_size = k_mib;
  cfg.discard = jsacct::discard_policy::new_;
  auto r = a.create_stream(cfg);
  if (!r) {
    state.SkipWithError("create_stream refused");
    return;
  }
  auto s = std::move(*r);
  const jsacct::msg_lengths m{k_subj.size(), 0, k_msg};
  for (int i = 0; i < 10; ++i) (void)s.add_message(m);
  alloc_probe ap;
  jsacct_bench::publish_check_loop(state, s, m);
  ap.report(state);
}

// One op = engine::would_exceed_limits(file, 128): server used vs max.
template <class Engine>
void ServerWouldExceedLimits(benchmark::State& state) {
  auto& eng = fixture<Engine>::get().eng;
  if (eng.would_exceed_limits(jsacct::storage_type::file, k_msg)) {
    state.SkipWithError("unexpectedly exceeded");
    return;
  }
  std::int64_t sz = k_msg;
  alloc_probe ap;
  for (auto _ : state) {
    benchmark::DoNotOptimize(sz);
    bool r = eng.would_exceed_limits(jsacct::storage_type::file, sz);
    benchmark::DoNotOptimize(r);
    benchmark::ClobberMemory();
  }
  ap.report(state);
}

// ---------------------------------------------------------------------------
// Stream-create time checks
// ---------------------------------------------------------------------------

// One op = check_limits(selected R1 limits, cfg{File, R1, MaxBytes 1 MiB}, check_server, 0, 0).
template <class Engine>
void CheckLimits(benchmark::State& state) {
  auto a = fixture<Engine>::get().acct("CHK");
  const auto cfg = stream_cfg("CHK", jsacct::storage_type::file, 1, k_mib);
  auto sel = a.select_limits(cfg);
  if (!sel || sel->tier != "R1") {
    state.SkipWithError("select_limits");
    return;
  }
  const jsacct::selected_limits selected = *sel;
  if (a.check_limits(selected, cfg, true, 0, 0) != jsacct::errc::none) {
    state.SkipWithError("check_limits refused");
    return;
  }
  alloc_probe ap;
  for (auto _ : state) {
    benchmark::ClobberMemory();
    auto r = a.check_limits(selected, cfg, true, 0, 0);
    benchmark::DoNotOptimize(r);
  }
  ap.report(state);
}

// One op = create_stream(cfg{File, R1, MaxBytes 1 MiB}, raw_precheck=false)
// then reset(): the full stream reservation lifecycle (account checks,
// server-budget CAS, stream registration, unregistration, release).
template <class Engine>
void ReserveRelease(benchmark::State& state) {
  auto a = fixture<Engine>::get().acct("RSV");
  const auto cfg = stream_cfg("RSV", jsacct::storage_type::file, 1, k_mib);
  jsacct::create_options o;
  o.raw_precheck = false;
  auto& eng = fixture<Engine>::get().eng;
  const auto before = eng.reserved();
  {
    auto r = a.create_stream(cfg, o);
    if (!r) {
      state.SkipWithError("create_stream refused");
      return;
    }
  }
  alloc_probe ap;
  for (auto _ : state) {
    auto r = a.create_stream(cfg, o);
    benchmark::DoNotOptimize(r);
    r->reset();
  }
  ap.report(state);
  if (eng.reserved() != before) state.SkipWithError("reservation leaked");
}

// One op = the server-budget part of ReserveRelease alone: the check-and-commit
// CAS of +1 MiB on the server's reserved store (what create_stream's
// reserve_server does), then the release (-1 MiB, what unregister does).
// NOTE: jsacct has no public API for this; it goes through
// detail::account_access::state(account)->server (detail::server_state), replicating
// account_handle::reserve_server. It is the equivalent of Go's pair
// (js.reserveStreamResources + js.releaseStreamResources).
template <class Engine>
void ReserveReleaseServerOnly(benchmark::State& state) {
  using L = typename Engine::checker;
  auto a = fixture<Engine>::get().acct("RSVS");
  auto& srv = *jsacct::detail::account_access::state(a)->server;
  const auto& eng = fixture<Engine>::get().eng;
  const auto before = eng.reserved();
  std::int64_t bytes = k_mib;
  alloc_probe ap;
  for (auto _ : state) {
    benchmark::DoNotOptimize(bytes);
    const std::int64_t max = srv.max[1].load();
    const bool ok = srv.reserved[1].update_if([&](std::int64_t cur) -> std::optional<std::int64_t> {
      if (L::server_exceeds(max, cur, bytes)) return std::nullopt;
      return jsacct::wrap_add(cur, bytes);
    });
    benchmark::DoNotOptimize(ok);
    srv.reserved[1].add(-bytes);
  }
  ap.report(state);
  if (eng.reserved() != before) state.SkipWithError("reservation leaked");
}

// ---------------------------------------------------------------------------
// Contended reservations (benchmarks/README.md#contended-reservations)
// ---------------------------------------------------------------------------

// One op = create_stream(cfg{File, R1, MaxBytes 1 MiB}) then reset(), as in
// ReserveRelease, from N threads on ONE account and tier (each thread its own
// stream name): the account mutex, the tier bucket and the server budget are
// shared by all threads.
void ContendedReserveRelease(benchmark::State& state) {
  using E = jsacct::engine;
  static E::account a = fixture<E>::get().acct("CRR");  // thread-safe static init
  const auto cfg = stream_cfg("CRR-" + std::to_string(state.thread_index()), jsacct::storage_type::file, 1, k_mib);
  jsacct::create_options o;
  o.raw_precheck = false;
  alloc_probe ap;
  for (auto _ : state) {
    auto r = a.create_stream(cfg, o);
    if (!r) {
      state.SkipWithError("create_stream refused");
      break;
    }
    benchmark::DoNotOptimize(r);
    r->reset();
  }
  ap.report(state);
}

// One op = the server-budget part of ContendedReserveRelease alone, from N
// threads on one budget: reserve 1 MiB of the file budget, then release it.
// "cas": the engine's scheme, one check-and-commit CAS on the server's
// reserved counter and one fetch_add back (replicates reserve_server through
// detail::server_state, like ReserveReleaseServerOnly). "stock": the same
// budget as a jsacct::budget_stock with a 16 MiB slab per stripe (the
// reserve and the release are served by the thread's own stock).
void ContendedServerBudgetCas(benchmark::State& state) {
  using E = jsacct::engine;
  using L = E::checker;
  static E::account a = fixture<E>::get().acct("CSB");
  auto& srv = *jsacct::detail::account_access::state(a)->server;
  std::int64_t bytes = k_mib;
  alloc_probe ap;
  for (auto _ : state) {
    benchmark::DoNotOptimize(bytes);
    const std::int64_t max = srv.max[1].load();
    const bool ok = srv.reserved[1].update_if([&](std::int64_t cur) -> std::optional<std::int64_t> {
      if (L::server_exceeds(max, cur, bytes)) return std::nullopt;
      return jsacct::wrap_add(cur, bytes);
    });
    benchmark::DoNotOptimize(ok);
    srv.reserved[1].add(-bytes);
  }
  ap.report(state);
}

// Also reports "stripe_shared" = 1 when the two threads landed on the same
// stripe (then their stocks share a cache line, as the CAS does).
void ContendedServerBudgetStock(benchmark::State& state) {
  static jsacct::budget_stock<> budget(k_srv_file, 16 * k_mib);
  static std::array<std::atomic<std::size_t>, 2> stripe{};
  if (state.thread_index() < 2)
    stripe[static_cast<std::size_t>(state.thread_index())] = jsacct::detail::thread_stripe() % budget.stripes();
  std::int64_t bytes = k_mib;
  alloc_probe ap;
  for (auto _ : state) {
    benchmark::DoNotOptimize(bytes);
    const bool ok = budget.reserve(bytes);
    benchmark::DoNotOptimize(ok);
    budget.release(bytes);
  }
  ap.report(state);
  if (state.thread_index() == 0 && budget.held() != 0) state.SkipWithError("reservation leaked");
  if (state.thread_index() == 0 && state.threads() == 2) state.counters["stripe_shared"] = stripe[0] == stripe[1] ? 1 : 0;
}

// One op = selection(cfg{Replicas 3}) -> a copy of the R3 limits and a tier
// handle (lock-free, no string). SelectLimitsString: select_limits(cfg), the
// same plus the tier name copied into a std::string (SSO: no allocation).
template <class Engine, bool AsString>
void SelectLimitsOp(benchmark::State& state) {
  auto a = fixture<Engine>::get().acct("SEL");
  const auto cfg = stream_cfg("SEL", jsacct::storage_type::file, 3, -1);
  {
    auto s = a.select_limits(cfg);
    auto v = a.selection(cfg);
    if (!s || s->tier != "R3" || !v || v->tier.name() != "R3" || v->limits != s->limits) {
      state.SkipWithError("select_limits");
      return;
    }
  }
  alloc_probe ap;
  for (auto _ : state) {
    benchmark::ClobberMemory();
    if constexpr (AsString) {
      auto r = a.select_limits(cfg);
      benchmark::DoNotOptimize(r);
    } else {
      auto r = a.selection(cfg);
      benchmark::DoNotOptimize(r);
    }
  }
  ap.report(state);
}
template <class Engine>
void SelectLimits(benchmark::State& state) {
  SelectLimitsOp<Engine, false>(state);
}
template <class Engine>
void SelectLimitsString(benchmark::State& state) {
  SelectLimitsOp<Engine, true>(state);
}

// One op = tier_name_of(3) == "R3" (inline buffer, no allocation).
void TierName(benchmark::State& state) {
  if (jsacct::tier_name_of(3) != "R3") {
    state.SkipWithError("tier_name_of");
    return;
  }
  std::int64_t replicas = 3;
  alloc_probe ap;
  for (auto _ : state) {
    benchmark::DoNotOptimize(replicas);
    auto n = jsacct::tier_name_of(replicas);
    benchmark::DoNotOptimize(n);
  }
  ap.report(state);
}

// ---------------------------------------------------------------------------
// Account usage snapshot
// ---------------------------------------------------------------------------

// One op = account_handle::usage() on an account with n R1 memory streams
// (MaxBytes -1, no consumers, no messages), tiered R1/R3 limits.
template <class Engine>
void JetStreamUsage(benchmark::State& state, int n) {
  using R = typename Engine::reservation;
  static std::vector<R> keep;  // the streams live for the whole run
  auto a = fixture<Engine>::get().acct("USAGE" + std::to_string(n));
  for (auto i = a.num_streams(); i < n; ++i) {
    auto r = a.create_stream(stream_cfg("U" + std::to_string(n) + "S" + std::to_string(i), jsacct::storage_type::memory, 1, -1));
    if (!r) die("create_stream: " + r.error().text());
    keep.push_back(std::move(*r));
  }
  if (a.usage().streams != n) {
    state.SkipWithError("stream count");
    return;
  }
  alloc_probe ap;
  for (auto _ : state) {
    auto s = a.usage();
    benchmark::DoNotOptimize(s);
  }
  ap.report(state);
}

// ---------------------------------------------------------------------------
// Cluster usage replication: encode and decode+merge
// ---------------------------------------------------------------------------

template <class Engine>
typename Engine::account usage_account(const std::string& name, int tiers) {
  auto a = fixture<Engine>::get().acct(name);
  for (int i = 0; i < tiers; ++i) {
    auto t = a.tier(k_tiers[static_cast<std::size_t>(i)]);
    const std::int64_t mem = std::int64_t{i + 1} << 20, store = std::int64_t{i + 1} << 30;
    const auto um = a.usage_of(t, jsacct::storage_type::memory), uf = a.usage_of(t, jsacct::storage_type::file);
    a.update_usage(t, jsacct::storage_type::memory, mem - um.local);
    a.update_usage(t, jsacct::storage_type::file, store - uf.local);
  }
  return a;
}

// One op = what a node does to build its $JSC.ARU update for one account:
// for_each_local_usage (account lock, tiers with a usage entry) into a small
// stack array, local_api(), encode_usage_update into a reused buffer.
// (Go's op also pays time.Now(), 2 allocations and an ipQueue push, but not
// the usage lock; see README.)
template <class Engine>
void SendClusterUsageUpdateEncode(benchmark::State& state, int tiers) {
  auto a = usage_account<Engine>("ENC" + std::to_string(tiers), tiers);
  std::vector<std::byte> buf;
  std::size_t want = 20;
  for (int i = 0; i < tiers; ++i) want += 24 + k_tiers[static_cast<std::size_t>(i)].size();
  auto encode_once = [&] {
    std::array<jsacct::usage_record, 8> recs;
    std::size_t n = 0;
    a.for_each_local_usage([&](std::string_view tier, std::int64_t mem, std::int64_t store) {
      if (n < recs.size()) recs[n++] = jsacct::usage_record{tier, mem, store};
    });
    const auto [api, errs] = a.local_api();
    return jsacct::encode_usage_update(api, errs, std::span<const jsacct::usage_record>(recs.data(), n), buf);
  };
  if (encode_once() != want) {
    state.SkipWithError("encoded size");
    return;
  }
  alloc_probe ap;
  for (auto _ : state) {
    auto sz = encode_once();
    benchmark::DoNotOptimize(sz);
    benchmark::DoNotOptimize(buf.data());
    benchmark::ClobberMemory();
  }
  ap.report(state);
}

// One op = receive one update from the known node RNODE0001: node id from the
// subject (checked against the peer handle the embedder keeps for that node),
// then apply_usage_update through the peer_handle: decode_usage_update
// (validation, zero-copy view) and the merge of every record and the API
// counters under one account lock, the node taken from the handle's cached
// slot (no lookup by name) and each record found at its slot among the node's
// shares (no hashing).
template <class Engine>
void RemoteUpdateUsageDecode(benchmark::State& state, int tiers) {
  auto a = fixture<Engine>::get().acct("DEC" + std::to_string(tiers));
  const std::string subj = jsacct::usage_update_subject(a.name(), k_remote);
  std::vector<jsacct::usage_record> recs;
  for (int i = 0; i < tiers; ++i)
    recs.push_back({k_tiers[static_cast<std::size_t>(i)], std::int64_t{i + 1} << 20, std::int64_t{i + 1} << 30});
  std::string msg;
  jsacct::encode_usage_update(1000, 3, recs, msg);
  auto peer = a.peer(k_remote);
  auto receive = [&a, &peer](std::string_view subject, std::string_view payload) {
    const auto node = jsacct::node_id_from_subject(subject);
    if (!node || *node != peer.node()) return false;
    return jsacct::apply_usage_update(a, peer, payload).ok();
  };
  receive(subj, msg);  // first contact: creates the node and tier entries
  auto r1 = a.tier("R1");
  if (a.usage_of(r1, jsacct::storage_type::file).total != (std::int64_t{1} << 30) || a.usage().api.total != 1000) {
    state.SkipWithError("decode sanity");
    return;
  }
  alloc_probe ap;
  for (auto _ : state) {
    benchmark::ClobberMemory();
    bool ok = receive(subj, msg);
    benchmark::DoNotOptimize(ok);
  }
  ap.report(state);
  if (a.usage_of(r1, jsacct::storage_type::file).total != (std::int64_t{1} << 30)) state.SkipWithError("not idempotent");
}

// ---------------------------------------------------------------------------
// sufficientResources with N accounts
// ---------------------------------------------------------------------------

// One op = engine::sufficient_resources({"R1": MaxMemory 1 MiB, MaxStore 1 MiB})
// on a standalone engine with exactly n enabled accounts (its own engine).
template <class Engine>
void SufficientResources(benchmark::State& state, int n) {
  auto eng = std::make_unique<Engine>(bench_config());
  for (int i = 0; i < n; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "SR%05d", i);
    if (!eng->enable_account(name, bench_limits())) die("enable_account");
  }
  if (eng->num_accounts() != static_cast<std::size_t>(n)) die("account count");
  jsacct::account_limits req = jsacct::zero_account_limits;
  req.max_memory = k_mib;
  req.max_store = k_mib;
  const jsacct::limits_map limits{{"R1", req}};
  if (eng->sufficient_resources(limits) != jsacct::errc::none) {
    state.SkipWithError("sufficient_resources refused");
    return;
  }
  alloc_probe ap;
  for (auto _ : state) {
    benchmark::ClobberMemory();
    auto r = eng->sufficient_resources(limits);
    benchmark::DoNotOptimize(r);
  }
  ap.report(state);
}

// ---------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------

// Every row runs with jsacct_bench::tune (JSACCT_BENCH_ITERATIONS).
template <class F>
benchmark::internal::Benchmark* reg(const std::string& name, F&& f) {
  return jsacct_bench::tune(benchmark::RegisterBenchmark(name.c_str(), std::forward<F>(f)));
}

template <class Engine>
void register_policy(const std::string& pol) {
  reg("AcctUpdateUsage/" + pol, AcctUpdateUsage<Engine>);
  reg("AcctWouldExceedLimits/" + pol, AcctWouldExceedLimits<Engine>);
  reg("StreamCheckPublish/" + pol, StreamCheckPublish<Engine>);
  reg("ServerWouldExceedLimits/" + pol, ServerWouldExceedLimits<Engine>);
  reg("CheckLimits/" + pol, CheckLimits<Engine>);
  reg("ReserveRelease/" + pol, ReserveRelease<Engine>);
  reg("ReserveReleaseServerOnly/" + pol, ReserveReleaseServerOnly<Engine>);
  reg("SelectLimits/" + pol, SelectLimits<Engine>);
  reg("SelectLimitsString/" + pol, SelectLimitsString<Engine>);
  for (int n : {1, 16, 256})
    reg("JetStreamUsage_" + std::to_string(n) + "Streams/" + pol, [n](benchmark::State& s) { JetStreamUsage<Engine>(s, n); });
  for (int n : {1, 4})
    reg("SendClusterUsageUpdateEncode/tiers=" + std::to_string(n) + "/" + pol,
        [n](benchmark::State& s) { SendClusterUsageUpdateEncode<Engine>(s, n); });
  for (int n : {1, 4})
    reg("RemoteUpdateUsageDecode/tiers=" + std::to_string(n) + "/" + pol,
        [n](benchmark::State& s) { RemoteUpdateUsageDecode<Engine>(s, n); });
  for (int n : {10, 100, 1000})
    reg("SufficientResources_" + std::to_string(n) + "Accounts/" + pol,
        [n](benchmark::State& s) { SufficientResources<Engine>(s, n); });
}

}  // namespace

int main(int argc, char** argv) {
  register_policy<jsacct::engine>("atomic");
  register_policy<jsacct::plain_engine>("plain");
  // Thread-safe engine only; 1 and 2 threads, wall time / all threads' ops (RunParallel).
  reg("AcctUpdateUsageParallel/atomic", AcctUpdateUsageParallel)->Threads(1)->Threads(2)->UseRealTime();
  reg("AcctUpdateUsageParallelDistinct/atomic", AcctUpdateUsageParallelDistinct)->Threads(1)->Threads(2)->UseRealTime();
  reg("ContendedReserveRelease/atomic", ContendedReserveRelease)->Threads(1)->Threads(2)->UseRealTime();
  reg("ContendedServerBudget/cas", ContendedServerBudgetCas)->Threads(1)->Threads(2)->UseRealTime();
  reg("ContendedServerBudget/stock", ContendedServerBudgetStock)->Threads(1)->Threads(2)->UseRealTime();
  reg("TierName", TierName);

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
