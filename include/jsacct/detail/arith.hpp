// SPDX-License-Identifier: Apache-2.0
/// \file
/// Integer helpers with nats-server's exact overflow behavior (docs/semantics.md#saturating-arithmetic):
/// saturating add/mul on the unsigned reinterpretation, and explicit
/// two's-complement wrap where Go uses plain int64 arithmetic.
#pragma once

#include "jsacct/config.hpp"

#include <cstdint>

namespace jsacct {

/// Go `addSaturate`: unsigned sum with carry; carry or > MaxInt64 -> MaxInt64.
/// A negative argument saturates (addSaturate(5, -1) == MaxInt64).
constexpr std::int64_t add_saturate(std::int64_t a, std::int64_t b) noexcept {
  const auto ua = static_cast<std::uint64_t>(a);
  const auto ub = static_cast<std::uint64_t>(b);
  const std::uint64_t sum = ua + ub;
  if (sum < ua || sum > static_cast<std::uint64_t>(max_int64)) return max_int64;
  return static_cast<std::int64_t>(sum);
}

/// Go `mulSaturate`: 128-bit unsigned product; high word or low > MaxInt64 -> MaxInt64.
constexpr std::int64_t mul_saturate(std::int64_t a, std::int64_t b) noexcept {
  const auto ua = static_cast<std::uint64_t>(a);
  const auto ub = static_cast<std::uint64_t>(b);
  if (ua == 0 || ub == 0) return 0;
  if (ua > static_cast<std::uint64_t>(-1) / ub) return max_int64;  // high word non-zero
  const std::uint64_t p = ua * ub;
  if (p > static_cast<std::uint64_t>(max_int64)) return max_int64;
  return static_cast<std::int64_t>(p);
}

/// Go's plain int64 `a + b` (wraps modulo 2^64, no UB).
constexpr std::int64_t wrap_add(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

/// Go's plain int64 `a - b`.
constexpr std::int64_t wrap_sub(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}

/// Go's plain int64 `a * b`.
constexpr std::int64_t wrap_mul(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}

}  // namespace jsacct

namespace jsacct {

/// Exact 128-bit integer for running sums that must not wrap (g++ and clang).
__extension__ using int128 = __int128;
__extension__ using uint128 = unsigned __int128;

/// Clamp an exact sum into int64 (MaxInt64 above, MinInt64 below).
constexpr std::int64_t saturate_cast(int128 v) noexcept {
  if (v > static_cast<int128>(max_int64)) return max_int64;
  if (v < static_cast<int128>(std::numeric_limits<std::int64_t>::min())) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(v);
}

/// Go's wrapping result of a sum known exactly (two's complement truncation).
constexpr std::int64_t wrap_cast(int128 v) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(static_cast<uint128>(v)));
}

}  // namespace jsacct
