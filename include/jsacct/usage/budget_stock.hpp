// SPDX-License-Identifier: Apache-2.0
/// \file
/// A hard-limited byte budget whose reservations are served from per-stripe
/// stocks: each stripe keeps a slab already charged against the limit, so a
/// reserve or release from a thread that owns its stripe usually touches no
/// shared cache line. Near the limit it falls back to exact accounting.
/// See docs/performance.md#budget-stock.
#pragma once

#include "jsacct/config.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "jsacct/detail/arith.hpp"
#include "jsacct/usage/striped_counter.hpp"

namespace jsacct {

/// A budget of `limit` bytes shared by threads, with per-stripe stocks.
///
/// Counters:
/// * charged(): the global counter. Every byte held by a caller *or* sitting
///   in a stock is charged. Never above limit() (every increase is a CAS that
///   checks the limit first), so the held bytes, which are at most charged(),
///   never exceed the limit: no over-commit, ever.
/// * stocked(): the bytes pre-charged in the stripes' stocks, not held by anyone.
/// * held(): charged() - stocked(), what callers hold. Exact whenever no
///   reserve() or release() runs at the same time; read while they run, the
///   sum of the stripes is not one instant and may be off by the slabs being
///   moved at that moment. charged() alone is exact at every instant but
///   counts the stocks too.
///
/// reserve(n), for a limited budget:
/// 1. n <= slab(): take n from the calling thread's stock when it holds n;
///    else, when the headroom limit() - charged() is at least threshold()
///    (= stripes() * slab()), charge one slab with a CAS and keep slab - n of it
///    in the stock.
/// 2. Otherwise (n > slab(), or headroom below threshold()): an exact CAS of n
///    on charged(); if that refuses, every stock is drained back into
///    charged() and the exact CAS is tried once more.
///
/// Guarantee: a refused reserve(n) saw limit() - charged() < n after it had
/// drained every stock. Without concurrent callers that means held() + n >
/// limit() exactly. With them, what can make it refuse more than the exact
/// held bytes would is only what other threads put in stocks since the drain
/// (at most one slab per stripe, plus releases in progress), and it refuses
/// only with less than n of headroom left: for n <= slab(), only below
/// threshold().
///
/// release(n) puts n back in the calling thread's stock and returns what the
/// stock holds above one slab to charged(); n >= slab() goes straight back.
///
/// A negative limit means unlimited: reserve() always succeeds and every
/// amount goes straight to charged() (no stocks). slab() <= 0 disables the
/// stocks (every reserve is exact). slab() is capped at 2^47 (128 TiB) so that
/// no stock can overflow. Amounts are non-negative: reserve(n < 0) refuses,
/// release(n <= 0) does nothing; releasing more than was reserved is a caller
/// bug (charged() then goes below zero). Thread-safe.
///
/// `Stripes`: the most stripes used; min(Stripes, detail::active_stripes())
/// are (a thread's stripe is detail::thread_stripe(), as for striped_counter).
template <std::size_t Stripes = detail::max_stripes>
class budget_stock {
  static_assert(Stripes >= 1 && Stripes <= detail::max_stripes);

 public:
  /// Largest slab (2^47 bytes).
  static constexpr std::int64_t max_slab = std::int64_t{1} << 47;

  budget_stock(std::int64_t limit, std::int64_t slab) noexcept
      : limit_(limit), slab_(limit < 0 ? 0 : std::clamp<std::int64_t>(slab, 0, max_slab)) {
    active_ = std::min(Stripes, detail::active_stripes());
    threshold_ = slab_ * static_cast<std::int64_t>(active_);  // <= 2^47 * 8: no overflow
  }
  budget_stock(const budget_stock&) = delete;
  budget_stock& operator=(const budget_stock&) = delete;

  std::int64_t limit() const noexcept { return limit_; }
  std::int64_t slab() const noexcept { return slab_; }
  std::size_t stripes() const noexcept { return active_; }
  /// Headroom below which no stripe charges a new slab: stripes() * slab().
  std::int64_t threshold() const noexcept { return threshold_; }

  std::int64_t charged() const noexcept { return charged_.v.load(std::memory_order_relaxed); }
  std::int64_t stocked() const noexcept {
    std::int64_t s = 0;
    for (std::size_t i = 0; i < active_; ++i) s += cells_[i].stock.load(std::memory_order_relaxed);
    return s;
  }
  std::int64_t held() const noexcept { return wrap_sub(charged(), stocked()); }
  /// limit() - held() (saturated); the int64 maximum when unlimited.
  std::int64_t available() const noexcept {
    if (limit_ < 0) return std::numeric_limits<std::int64_t>::max();
    return saturate_cast(static_cast<int128>(limit_) - held());
  }

  /// Reserves n bytes, or refuses (false) without changing anything held.
  bool reserve(std::int64_t n) noexcept {
    if (n <= 0) return n == 0;
    if (limit_ < 0) {
      charged_.v.fetch_add(n, std::memory_order_relaxed);  // unlimited: no check, no stock
      return true;
    }
    if (n <= slab_) {
      std::atomic<std::int64_t>& stock = my_stock();
      std::int64_t s = stock.load(std::memory_order_relaxed);
      while (s >= n)
        if (stock.compare_exchange_weak(s, s - n, std::memory_order_relaxed)) return true;
      std::int64_t cur = charged_.v.load(std::memory_order_relaxed);
      while (headroom(cur) >= threshold_) {
        // headroom >= threshold >= slab: cur + slab <= limit.
        if (charged_.v.compare_exchange_weak(cur, cur + slab_, std::memory_order_relaxed)) {
          stock.fetch_add(slab_ - n, std::memory_order_relaxed);
          return true;
        }
      }
    }
    if (try_exact(n)) return true;
    drain();
    return try_exact(n);
  }

  /// Gives back n bytes reserved earlier (by any thread).
  void release(std::int64_t n) noexcept {
    if (n <= 0) return;
    if (n >= slab_) {  // also: unlimited, no stocks
      charged_.v.fetch_sub(n, std::memory_order_relaxed);
      return;
    }
    std::atomic<std::int64_t>& stock = my_stock();
    std::int64_t s = stock.fetch_add(n, std::memory_order_relaxed) + n;
    while (s > slab_) {
      if (stock.compare_exchange_weak(s, slab_, std::memory_order_relaxed)) {
        charged_.v.fetch_sub(s - slab_, std::memory_order_relaxed);
        return;
      }
    }
  }

  /// Returns every stock to charged(): afterwards (without concurrent
  /// callers) charged() == held().
  void drain() noexcept {
    for (std::size_t i = 0; i < active_; ++i) {
      const std::int64_t s = cells_[i].stock.exchange(0, std::memory_order_relaxed);
      if (s != 0) charged_.v.fetch_sub(s, std::memory_order_relaxed);
    }
  }

 private:
  /// limit - cur, wide enough for any cur (cur < 0 only after a caller bug).
  int128 headroom(std::int64_t cur) const noexcept { return static_cast<int128>(limit_) - cur; }

  /// One CAS loop of n on charged(), refusing when the headroom is below n.
  bool try_exact(std::int64_t n) noexcept {
    std::int64_t cur = charged_.v.load(std::memory_order_relaxed);
    while (headroom(cur) >= n)
      if (charged_.v.compare_exchange_weak(cur, cur + n, std::memory_order_relaxed)) return true;
    return false;
  }

  std::atomic<std::int64_t>& my_stock() noexcept {
    // thread_stripe() < active_stripes(): below active_ (the modulo matters
    // only when Stripes < active_stripes(), and then active_ == Stripes).
    return cells_[detail::thread_stripe() % Stripes].stock;
  }

  struct alignas(cache_line) global {
    std::atomic<std::int64_t> v{0};
  };
  struct alignas(cache_line) cell {
    std::atomic<std::int64_t> stock{0};
  };

  std::int64_t limit_;
  std::int64_t slab_;
  std::int64_t threshold_ = 0;
  std::size_t active_ = 1;
  global charged_;
  std::array<cell, Stripes> cells_{};
};

}  // namespace jsacct
