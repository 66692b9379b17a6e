// SPDX-License-Identifier: Apache-2.0
/// \file
/// The two shipped counter policies: atomic (engine shared between threads)
/// and plain (a single-threaded embedder pays no atomics and no locks).
#pragma once

#include "jsacct/config.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>

#include "jsacct/concepts/usage_counter.hpp"
#include "jsacct/detail/arith.hpp"

namespace jsacct {

/// Lock-free counter. Relaxed ordering: counters carry no other data; the
/// bookkeeping that must be consistent is guarded by the policy's mutex. Thread-safe.
class atomic_counter {
 public:
  atomic_counter() noexcept = default;
  explicit atomic_counter(std::int64_t v) noexcept : v_(v) {}
  std::int64_t load() const noexcept { return v_.load(std::memory_order_relaxed); }
  void store(std::int64_t v) noexcept { v_.store(v, std::memory_order_relaxed); }
  std::int64_t add(std::int64_t d) noexcept {
    // fetch_add on the unsigned view: wraps like Go's int64 instead of being UB.
    return wrap_add(v_.fetch_add(d, std::memory_order_relaxed), d);
  }
  /// Check-before-commit: never exposes a value `f` refused, even transiently.
  template <class F>
  bool update_if(F&& f) noexcept {
    std::int64_t cur = v_.load(std::memory_order_relaxed);
    for (;;) {
      std::optional<std::int64_t> next = f(cur);
      if (!next) return false;
      if (v_.compare_exchange_weak(cur, *next, std::memory_order_acq_rel, std::memory_order_relaxed)) return true;
    }
  }

 private:
  std::atomic<std::int64_t> v_{0};
};
static_assert(usage_counter<atomic_counter>);

/// Plain counter for single-threaded use. Not thread-safe.
class plain_counter {
 public:
  plain_counter() noexcept = default;
  explicit plain_counter(std::int64_t v) noexcept : v_(v) {}
  std::int64_t load() const noexcept { return v_; }
  void store(std::int64_t v) noexcept { v_ = v; }
  std::int64_t add(std::int64_t d) noexcept { return v_ = wrap_add(v_, d); }
  template <class F>
  bool update_if(F&& f) noexcept {
    std::optional<std::int64_t> next = f(v_);
    if (!next) return false;
    v_ = *next;
    return true;
  }

 private:
  std::int64_t v_ = 0;
};
static_assert(usage_counter<plain_counter>);

/// A mutex that does nothing (single-threaded policy).
struct null_mutex {
  void lock() noexcept {}
  bool try_lock() noexcept { return true; }
  void unlock() noexcept {}
};

/// Default policy: atomics and std::mutex; the engine may be shared between threads.
struct atomic_counters {
  using counter = atomic_counter;
  using mutex = std::mutex;
  static constexpr bool concurrent = true;
};
static_assert(counter_policy<atomic_counters>);

/// Single-threaded policy: plain integers, no locks. The embedder guarantees one thread at a time.
struct plain_counters {
  using counter = plain_counter;
  using mutex = null_mutex;
  static constexpr bool concurrent = false;
};
static_assert(counter_policy<plain_counters>);

}  // namespace jsacct
