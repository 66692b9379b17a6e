// SPDX-License-Identifier: Apache-2.0
/// \file
/// A counter split over cache lines so threads adding to it do not share a
/// line (the server-wide used-bytes counters are bumped by every account).
#pragma once

#include "jsacct/config.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <thread>
#include <type_traits>

#include "jsacct/concepts/usage_counter.hpp"
#include "jsacct/detail/arith.hpp"

namespace jsacct {

namespace detail {

/// Upper bound of the stripes in use (the width of the free-stripe bitmask).
inline constexpr std::size_t max_stripes = 8;

/// Stripes in use: std::thread::hardware_concurrency() clamped to [1, max_stripes],
/// computed once per process. More stripes than CPUs buys nothing and makes every
/// load() (the publish check) sum more cache lines.
inline std::size_t active_stripes() noexcept {
  static const std::size_t n = [] {
    const unsigned hc = std::thread::hardware_concurrency();  // 0 = unknown
    return std::clamp<std::size_t>(hc, 1, max_stripes);
  }();
  return n;
}

/// Bit i set = stripe i is held by a live thread.
inline std::atomic<std::uint32_t> stripe_mask{0};

/// A thread's stripe: the lowest stripe no live thread holds, taken on the
/// thread's first use and given back when the thread ends; when every active
/// stripe is held, a stripe shared by thread id (not owned, not given back).
struct stripe_slot {
  std::size_t index = 0;
  bool owned = false;

  stripe_slot() noexcept {
    const std::size_t n = active_stripes();
    const std::uint32_t all = static_cast<std::uint32_t>((std::uint64_t{1} << n) - 1);
    std::uint32_t cur = stripe_mask.load(std::memory_order_relaxed);
    for (;;) {
      const std::uint32_t free = ~cur & all;
      if (free == 0) {
        index = std::hash<std::thread::id>{}(std::this_thread::get_id()) % n;
        return;
      }
      const auto bit = static_cast<std::size_t>(std::countr_zero(free));
      if (stripe_mask.compare_exchange_weak(cur, cur | (std::uint32_t{1} << bit), std::memory_order_acq_rel,
                                            std::memory_order_relaxed)) {
        index = bit;
        owned = true;
        return;
      }
    }
  }
  ~stripe_slot() {
    if (owned) stripe_mask.fetch_and(~(std::uint32_t{1} << index), std::memory_order_acq_rel);
  }
  stripe_slot(const stripe_slot&) = delete;
  stripe_slot& operator=(const stripe_slot&) = delete;
};

/// The calling thread's stripe, cached in a constant-initialized thread_local
/// (no guard, no TLS wrapper on the hot path); ~0 = not assigned yet.
inline thread_local std::size_t thread_stripe_cache = ~std::size_t{0};

/// First use on a thread: take a stripe (held until the thread ends) and cache it.
/// Out of line so that add() stays small enough to inline.
#if defined(__GNUC__)
[[gnu::noinline, gnu::cold]]
#endif
inline std::size_t
assign_thread_stripe() noexcept {
  thread_local const stripe_slot slot;
  thread_stripe_cache = slot.index;
  return slot.index;
}

/// The calling thread's stripe, in [0, active_stripes()): distinct for live
/// threads as long as there are no more live users than active stripes.
/// (A thread_local destructor that adds after the slot was given back keeps
/// using the cached index: a shared stripe for that moment, sums stay exact.)
inline std::size_t thread_stripe() noexcept {
  const std::size_t s = thread_stripe_cache;
  if (s != ~std::size_t{0}) [[likely]]
    return s;
  return assign_thread_stripe();
}

}  // namespace detail

/// `Stripes` counters of type `C`, one per cache line, of which the first
/// min(Stripes, detail::active_stripes()) are used. add() touches the calling
/// thread's stripe; load() sums the used ones (wrapping, like Go's int64).
/// With Stripes == 1 it is exactly one `C`. Thread-safety: that of `C`.
template <usage_counter C, std::size_t Stripes>
class striped_counter {
 public:
  striped_counter() noexcept {
    if constexpr (Stripes > 1) active_ = std::min(Stripes, detail::active_stripes());
  }

  std::int64_t load() const noexcept {
    if constexpr (Stripes == 1) {
      return cells_[0].c.load();
    } else {
      std::int64_t sum = 0;
      for (std::size_t i = 0; i < active_; ++i) sum = wrap_add(sum, cells_[i].c.load());
      return sum;
    }
  }
  void add(std::int64_t d) noexcept {
    // thread_stripe() < active_stripes(), so the index is below active_
    // (when Stripes < active_stripes(), the modulo keeps it below Stripes == active_).
    if constexpr (Stripes == 1)
      cells_[0].c.add(d);
    else
      cells_[detail::thread_stripe() % Stripes].c.add(d);
  }

 private:
  struct alignas(cache_line) cell {
    C c;
  };
  struct none {};
  std::array<cell, Stripes> cells_{};
  [[no_unique_address]] std::conditional_t<(Stripes > 1), std::size_t, none> active_{};
};

}  // namespace jsacct
