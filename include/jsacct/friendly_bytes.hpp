// SPDX-License-Identifier: Apache-2.0
/// \file
/// `friendly_bytes` (docs/semantics.md#friendly-bytes): the server's human-readable byte sizes,
/// bit-exact with nats-server including its logarithm-based boundary behavior.
/// Core-level so that engine events can use it without the facade.
#pragma once

#include "jsacct/config.hpp"

#include <charconv>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace jsacct {

/// Human-readable size exactly as nats-server's `friendlyBytes` prints it
/// (docs/semantics.md#friendly-bytes): values below 1024 as `"<n> B"`, larger ones as
/// `"<x.xx> <K|M|G|T|P|E>B"` with the unit exponent computed as
/// `int(ln(n) / ln(1024))` on doubles (so `2^50 - 1` prints `1.00 PB`, and
/// `1048575` prints `1024.00 KB`).
inline std::string friendly_bytes(std::uint64_t n) {
  const double f = static_cast<double>(n);
  if (f < 1024.0) {
    // Go prints the double with %v; every integer below 1024 prints as its digits.
    return std::to_string(n) + " B";
  }
  static constexpr std::string_view units[] = {"K", "M", "G", "T", "P", "E"};
  const int exp = static_cast<int>(std::log(f) / std::log(1024.0));
  const double scaled = f / std::pow(1024.0, exp);
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, scaled, std::chars_format::fixed, 2);
  std::string out(buf, res.ec == std::errc{} ? res.ptr : buf);
  out += ' ';
  out += units[exp - 1];  // exp is 1..6 for every 64-bit value >= 1024
  out += 'B';
  return out;
}

/// Signed variant. Non-negative values print as the unsigned overload does;
/// a negative value prints `"-"` followed by the text of its magnitude
/// (jsacct rule, docs/semantics.md#diff-friendly-bytes-negative: `-1` -> `-1 B`, `-1000000` -> `-976.56 KB`,
/// where nats-server main would print Go's `%v` form `-1e+06 B`).
inline std::string friendly_bytes(std::int64_t n) {
  if (n >= 0) return friendly_bytes(static_cast<std::uint64_t>(n));
  // Magnitude via unsigned negation: well defined for INT64_MIN as well.
  // (Appending instead of `"-" + text`: g++ 12 -O3 reports a false -Wrestrict there.)
  std::string out(1, '-');
  out += friendly_bytes(std::uint64_t{0} - static_cast<std::uint64_t>(n));
  return out;
}

/// Any other integer type (int, unsigned, long long, ...): dispatches on signedness.
template <std::integral T>
requires(!std::same_as<T, bool> && !std::same_as<T, std::int64_t> && !std::same_as<T, std::uint64_t>) inline std::string
    friendly_bytes(T n) {
  if constexpr (std::is_signed_v<T>)
    return friendly_bytes(static_cast<std::int64_t>(n));
  else
    return friendly_bytes(static_cast<std::uint64_t>(n));
}

}  // namespace jsacct
