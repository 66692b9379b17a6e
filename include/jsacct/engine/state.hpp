// SPDX-License-Identifier: Apache-2.0
/// \file
/// The engine's internal state (not part of the public API): the server
/// budget, accounts, their tiers and their stream reservations. The public
/// types (`basic_engine`, `account_handle`, `stream_reservation`) wrap it.
#pragma once

#include "jsacct/config.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "jsacct/concepts/limit_checker.hpp"
#include "jsacct/concepts/storage_backend.hpp"
#include "jsacct/concepts/tier_selector.hpp"
#include "jsacct/concepts/usage_counter.hpp"
#include "jsacct/detail/arith.hpp"
#include "jsacct/engine/events.hpp"
#include "jsacct/storage/backends.hpp"
#include "jsacct/types.hpp"
#include "jsacct/usage/striped_counter.hpp"

namespace jsacct::detail {

/// Per-tier state of one account (spec §5.1 jsaStorage plus the tier's limits).
/// Stable address for the account's lifetime; hot fields on their own lines.
template <class P>
struct alignas(cache_line) tier_entry {
  using counter = typename P::counter;
  // Written by every usage update of the tier (index: usage_slot()).
  alignas(cache_line) std::array<counter, 2> local{};
  // Read by publish checks, written rarely (limit changes, remote updates).
  alignas(cache_line) std::array<counter, 2> remote{};  ///< Σ remote nodes' local values
  std::array<counter, 2> limit{};                       ///< max_memory, max_store
  std::array<counter, 2> stream_cap{};                  ///< *_max_stream_bytes (2.9.10 publish check)
  counter has_limits{};                                 ///< 1 when the limits map has this tier
  counter has_usage{};                                  ///< 1 once a usage delta created the entry (§5.1)
  // Guarded by the account mutex.
  std::string name;
  account_limits limits{};
  std::int64_t streams = 0;    ///< streams whose stream tier is this tier
  std::int64_t consumers = 0;  ///< their consumers

  std::int64_t total(std::size_t slot) const noexcept { return wrap_add(local[slot].load(), remote[slot].load()); }

  void set_limits(const account_limits* l) noexcept {
    limits = l ? *l : account_limits{};
    limit[0].store(limits.max_memory);
    limit[1].store(limits.max_store);
    stream_cap[0].store(limits.memory_max_stream_bytes);
    stream_cap[1].store(limits.store_max_stream_bytes);
    has_limits.store(l ? 1 : 0);
  }
};

/// Running reservation sums of the streams whose selector tier is one name
/// (spec §7.4), per reservation slot (0 memory, 1 file). Exact, so removing a
/// stream undoes adding it even where the checker saturates or wraps.
struct reservation_bucket {
  std::int64_t streams = 0;
  std::array<int128, 2> max_bytes{};           ///< Σ MaxBytes > 0 (reservedStorage, tiered footprint in main)
  std::array<int128, 2> untiered_footprint{};  ///< Σ checker footprint(untiered = true)
  std::array<int128, 2> tiered_footprint{};    ///< Σ checker footprint(untiered = false)
};

/// A stream known to the engine (one server's view).
/// A spin lock for the short critical section that orders a stream's usage
/// updates with moving the stream to another tier; a no-op for single-threaded policies.
template <bool Concurrent>
class stream_spin_lock {
 public:
  void lock() noexcept {
    if constexpr (Concurrent) {
      while (flag_.test_and_set(std::memory_order_acquire)) flag_.wait(true, std::memory_order_relaxed);
    }
  }
  void unlock() noexcept {
    if constexpr (Concurrent) {
      flag_.clear(std::memory_order_release);
      flag_.notify_one();
    }
  }

 private:
  std::atomic_flag flag_;
};

template <class P>
struct stream_record {
  stream_config cfg;                           ///< normalized accounting fields
  std::string bucket;                          ///< selector tier name (reservation bucket)
  std::atomic<tier_entry<P>*> tier{nullptr};   ///< stream tier: where usage goes (§3.2)
  std::int64_t consumers = 0;                  ///< all consumers
  std::int64_t limitable_consumers = 0;        ///< consumers counted against max_consumers (§7.6)
  std::int64_t bytes = 0;                      ///< stored bytes recorded through the stream's handle (under usage_lock)
  stream_spin_lock<P::concurrent> usage_lock;  ///< held by add_usage and by a tier move
};

/// One remote node's last report (spec §6.5 rusage).
struct remote_node {
  std::map<std::string, mem_store, std::less<>> tiers;
  std::uint64_t api = 0;
  std::uint64_t errors = 0;
};

/// Server-wide state (Go `jetStream`): budget, reservations, used bytes.
/// `T` bundles checker, selector and policy (see basic_engine).
template <class T>
struct server_state {
  using P = typename T::policy;
  using counter = typename P::counter;
  static constexpr std::size_t stripes = P::concurrent ? 8 : 1;

  std::array<counter, 2> max{};                             ///< MaxMemory, MaxStore (reloadable)
  alignas(cache_line) std::array<counter, 2> reserved{};    ///< Σ MaxBytes of this server's streams
  std::array<striped_counter<counter, stripes>, 2> used{};  ///< Σ local usage of all accounts
  alignas(cache_line) counter api_total{};
  counter api_errors{};
  bool standalone = true;
  std::string domain;
  event_sink events;
  typename T::selector selector{};
  /// Drift repair hooks (§5.3): recompute(account, tier, storage) -> actual bytes; run(task).
  std::function<std::int64_t(const std::string&, std::string_view, storage_type)> recompute;
  std::function<void(std::function<void()>)> run_async;
  std::mutex pending_mu;
  std::vector<std::function<void()>> pending;  ///< repairs waiting when no run_async is set
};

/// Per-account state (Go `jsAccount`). Shared by handles; `removed` once disabled.
template <class T>
struct account_state {
  using P = typename T::policy;
  using tier_t = tier_entry<P>;
  explicit account_state(std::string n, std::shared_ptr<server_state<T>> s) : name(std::move(n)), server(std::move(s)) {}

  const std::string name;
  const std::shared_ptr<server_state<T>> server;
  mutable typename P::mutex mu;  ///< guards everything below that is not atomic
  limits_map limits;
  std::vector<std::unique_ptr<tier_t>> tiers;  ///< never shrinks while the account lives
  std::map<std::string, std::unique_ptr<stream_record<P>>, std::less<>> streams;
  std::map<std::string, reservation_bucket, std::less<>> buckets;
  std::map<std::string, remote_node, std::less<>> remotes;
  std::int64_t consumers = 0;
  std::array<int128, 2> positive_limits{};  ///< Σ positive MaxMemory / MaxStore over tiers (§7.8)
  bool expired = false;
  std::atomic<bool> removed{false};
  std::atomic<bool> syncing{false};  ///< single-flight drift repair (§5.3)
  typename P::counter api_total{};   ///< own API requests
  typename P::counter api_errors{};
  std::uint64_t remote_api = 0;  ///< Σ remote nodes' API counters (guarded by mu)
  std::uint64_t remote_errors = 0;

  /// Tier entry by name, or nullptr. Caller holds `mu`.
  tier_t* find_tier(std::string_view t) const noexcept {
    for (const auto& e : tiers)
      if (e->name == t) return e.get();
    return nullptr;
  }
  /// Tier entry by name, created on first use. Caller holds `mu`.
  tier_t* tier(std::string_view t) {
    if (auto* e = find_tier(t)) return e;
    auto e = std::make_unique<tier_t>();
    e->name = std::string(t);
    if (auto it = limits.find(t); it != limits.end()) e->set_limits(&it->second);
    tiers.push_back(std::move(e));
    return tiers.back().get();
  }
};

/// Σ of the positive MaxMemory / MaxStore of a limits map (sufficientResources `pos`).
inline std::array<int128, 2> positive_limits(const limits_map& m) noexcept {
  std::array<int128, 2> s{};
  for (const auto& [_, l] : m) {
    if (l.max_memory > 0) s[0] += l.max_memory;
    if (l.max_store > 0) s[1] += l.max_store;
  }
  return s;
}

}  // namespace jsacct::detail
