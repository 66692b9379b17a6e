// SPDX-License-Identifier: Apache-2.0
/// \file
/// How the CLI writes numbers and words for people: counted nouns with the
/// right plural, byte sizes in binary units (KiB, MiB, ... — 1024-based, as
/// the values are), percentages and usage bars. The arithmetic is done in
/// 128-bit integers or long double and clamped before any conversion, so
/// values at the int64/uint64 limits print correctly instead of overflowing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <jsacct/jsacct.hpp>

namespace jsacct_cli {

using jsacct::int128;

/// The decimal digits of a 128-bit integer.
inline std::string int128_text(int128 v) {
  if (v == 0) return "0";
  const bool neg = v < 0;
  // Negate in unsigned arithmetic: -INT128_MIN does not fit in int128.
  jsacct::uint128 u = neg ? jsacct::uint128(0) - static_cast<jsacct::uint128>(v) : static_cast<jsacct::uint128>(v);
  std::string digits;
  while (u > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  return neg ? "-" + digits : digits;
}

/// "1 stream", "0 streams", "2 streams" (`plural` for irregular nouns).
inline std::string count_of(int128 n, std::string_view singular, std::string_view plural = {}) {
  std::string word(singular);
  if (n != 1) word = plural.empty() ? word + "s" : std::string(plural);
  return int128_text(n) + " " + word;
}

/// A byte size in binary units: "512 B", "1.50 KiB", "8.00 EiB" (two decimals, 1024-based).
inline std::string iec_bytes(int128 v) {
  if (v < 0) return "-" + iec_bytes(int128(0) - v);
  static constexpr std::array<const char*, 8> units{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
  if (v < 1024) return int128_text(v) + " B";
  long double x = static_cast<long double>(v) / 1024.0L;
  std::size_t u = 0;
  while (x >= 1024.0L && u + 1 < units.size()) {
    x /= 1024.0L;
    ++u;
  }
  return fmt::format("{:.2f} {}", static_cast<double>(x), units[u]);
}

/// A limit: "unlimited" when negative, else the byte size.
inline std::string limit_bytes(std::int64_t v) { return v < 0 ? std::string("unlimited") : iec_bytes(v); }
/// A count limit: "unlimited" when <= 0 (nats-server treats 0 as no limit for counts).
inline std::string limit_count(std::int64_t v) { return v <= 0 ? std::string("unlimited") : int128_text(v); }

/// The fraction used/limit (limit 0: 1 when anything is used), never negative.
inline long double used_fraction(int128 used, int128 limit) {
  if (used <= 0) return 0.0L;
  if (limit <= 0) return 1.0L;
  return static_cast<long double>(used) / static_cast<long double>(limit);
}

/// "  52%" (right-aligned in 4 columns + '%'); ">999%" beyond 999 %.
inline std::string percent_text(long double frac) {
  const long double pct = frac * 100.0L + 0.5L;
  if (!(pct < 1000.0L)) return ">999%";  // also NaN
  return fmt::format("{:>3}%", static_cast<int>(pct < 0 ? 0 : pct));
}

/// "[#####.....]  52%" for used/limit; "(unlimited)" when limit < 0.
inline std::string usage_bar(int128 used, int128 limit, int width = 10) {
  if (limit < 0) return "(unlimited)";
  const long double frac = used_fraction(used, limit);
  const long double f = frac * width + 0.5L;
  const int filled = f >= static_cast<long double>(width) ? width : static_cast<int>(f);
  return "[" + std::string(static_cast<std::size_t>(filled), '#') + std::string(static_cast<std::size_t>(width - filled), '.') +
         "] " + percent_text(frac);
}

}  // namespace jsacct_cli
