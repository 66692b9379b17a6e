// SPDX-License-Identifier: Apache-2.0
/// \file
/// The shipped reservation charging policies (docs/reservation-charging.md):
/// `upfront` (nats-server: a stream reserves its whole max_bytes, the
/// default), `on_use` (nothing reserved; usage is checked at publish) and
/// `fraction<N>` (N percent of max_bytes, rounded up).
#pragma once

#include "jsacct/config.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "jsacct/concepts/charging_policy.hpp"
#include "jsacct/detail/arith.hpp"

namespace jsacct {

/// nats-server's rule: max_bytes is reserved in full at create (the default).
struct upfront {
  static constexpr std::string_view name = "upfront";
  static constexpr bool charges_in_full = true;
  static constexpr std::int64_t charge(std::int64_t max_bytes) noexcept { return max_bytes; }
};

/// Nothing is reserved at create or update; what a stream stores is limited at
/// publish only (the account tier limit before storing with main semantics,
/// and the server capacity), as a cgroup limits memory on use.
struct on_use {
  static constexpr std::string_view name = "on_use";
  static constexpr bool charges_in_full = false;
  static constexpr std::int64_t charge(std::int64_t) noexcept { return 0; }
};

namespace detail {
/// "fraction" followed by the decimal digits of `N` (1..100): `fraction<N>::name`.
template <int N>
struct fraction_name {
  static constexpr std::size_t size = 8 + (N >= 100 ? 3 : N >= 10 ? 2 : 1);
  static constexpr std::array<char, size> text = [] {
    std::array<char, size> s{'f', 'r', 'a', 'c', 't', 'i', 'o', 'n'};
    std::size_t i = size;
    for (int v = N; v > 0; v /= 10) s[--i] = static_cast<char>('0' + v % 10);
    return s;
  }();
};
}  // namespace detail

/// N percent of max_bytes is reserved, rounded up: ceil(max_bytes * N / 100)
/// computed exactly (a 128-bit product when 64 bits cannot hold it), so a positive max_bytes reserves at least one
/// byte and never more than max_bytes. A max_bytes <= 0 (unlimited) is charged
/// as it is, like upfront: nothing reserved, one byte at the create check.
template <int N>
struct fraction {
  static_assert(N >= 1 && N <= 100, "fraction<N>: N is a percentage of max_bytes in 1..100");
  static constexpr std::string_view name{detail::fraction_name<N>::text.data(), detail::fraction_name<N>::size};
  static constexpr bool charges_in_full = N == 100;
  static constexpr std::int64_t charge(std::int64_t max_bytes) noexcept {
    if (max_bytes <= 0) return max_bytes;
    // 64-bit while max_bytes * N + 99 fits (every real size), 128-bit above: exact either way.
    if (max_bytes <= (std::numeric_limits<std::int64_t>::max() - 99) / 100) return (max_bytes * N + 99) / 100;
    return static_cast<std::int64_t>((static_cast<int128>(max_bytes) * N + 99) / 100);
  }
};

static_assert(charging_policy<upfront>);
static_assert(charging_policy<on_use>);
static_assert(charging_policy<fraction<50>>);

}  // namespace jsacct
