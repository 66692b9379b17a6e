// SPDX-License-Identifier: Apache-2.0
/// \file
/// A counter split over cache lines so threads adding to it do not share a
/// line (the server-wide used-bytes counters are bumped by every account).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "jsacct/concepts/usage_counter.hpp"
#include "jsacct/config.hpp"
#include "jsacct/detail/arith.hpp"

namespace jsacct {

namespace detail {
/// A small per-thread number, assigned round-robin on first use.
inline std::size_t thread_stripe() noexcept {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t mine = next.fetch_add(1, std::memory_order_relaxed);
  return mine;
}
}  // namespace detail

/// `Stripes` counters of type `C`, one per cache line. add() touches the
/// calling thread's stripe; load() sums all of them (wrapping, like Go's int64).
/// With Stripes == 1 it is exactly one `C`. Thread-safety: that of `C`.
template <usage_counter C, std::size_t Stripes>
class striped_counter {
 public:
  std::int64_t load() const noexcept {
    std::int64_t sum = 0;
    for (const auto& cell : cells_) sum = wrap_add(sum, cell.c.load());
    return sum;
  }
  void add(std::int64_t d) noexcept {
    if constexpr (Stripes == 1) cells_[0].c.add(d);
    else cells_[detail::thread_stripe() % Stripes].c.add(d);
  }

 private:
  struct alignas(cache_line) cell { C c; };
  std::array<cell, Stripes> cells_{};
};

}  // namespace jsacct
