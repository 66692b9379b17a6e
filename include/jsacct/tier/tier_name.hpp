// SPDX-License-Identifier: Apache-2.0
/// \file
/// Tier names (docs/semantics.md#tier-names): "R<replicas>", held inline so naming a tier never allocates.
#pragma once

#include "jsacct/config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace jsacct {

/// A tier name such as "R3", stored inline (no heap). Converts to std::string_view.
class tier_name {
 public:
  constexpr tier_name() noexcept = default;
  /// Copies up to `capacity` characters of `s` (longer names are truncated:
  /// only replica tiers use this type; custom selectors return their own views).
  constexpr explicit tier_name(std::string_view s) noexcept : len_(static_cast<std::uint8_t>(std::min(s.size(), capacity))) {
    std::copy_n(s.begin(), len_, buf_);
  }
  constexpr std::string_view view() const noexcept { return {buf_, len_}; }
  constexpr operator std::string_view() const noexcept { return view(); }  // NOLINT(google-explicit-constructor)
  std::string str() const { return std::string(view()); }
  friend constexpr bool operator==(const tier_name& a, const tier_name& b) noexcept { return a.view() == b.view(); }
  friend constexpr bool operator==(const tier_name& a, std::string_view b) noexcept { return a.view() == b; }

  static constexpr std::size_t capacity = 23;

  /// "R" followed by the decimal `replicas`, exactly as printed (no normalization).
  static tier_name of_replicas(std::int64_t replicas) noexcept {
    tier_name t;
    t.buf_[0] = 'R';
    if (static_cast<std::uint64_t>(replicas) < 10) {  // 0..9, every valid replica count: no to_chars
      t.buf_[1] = static_cast<char>('0' + replicas);
      t.len_ = 2;
      return t;
    }
    auto [end, ec] = std::to_chars(t.buf_ + 1, t.buf_ + capacity, replicas);
    (void)ec;  // 20 digits + sign always fit in 22 characters
    t.len_ = static_cast<std::uint8_t>(end - t.buf_);
    return t;
  }

 private:
  char buf_[capacity]{};
  std::uint8_t len_ = 0;
};

/// main `tierName(replicas)`: "R<n>", with 0 treated as 1 (tier_name_of(0) == "R1");
/// a negative count prints as is ("R-1").
inline tier_name tier_name_of(std::int64_t replicas) noexcept { return tier_name::of_replicas(replicas == 0 ? 1 : replicas); }

/// 2.9.10 `tierName(cfg)`: "R<Replicas>" with no 0 -> 1 mapping ("R0").
inline tier_name tier_name_of_v29(std::int64_t replicas) noexcept { return tier_name::of_replicas(replicas); }

/// main `isSameTier(a, b)`: max(1, a) == max(1, b).
constexpr bool is_same_tier(std::int64_t a, std::int64_t b) noexcept {
  return std::max<std::int64_t>(1, a) == std::max<std::int64_t>(1, b);
}

/// 2.9.10 `isSameTier`: plain equality of the replica counts.
constexpr bool is_same_tier_v29(std::int64_t a, std::int64_t b) noexcept { return a == b; }

}  // namespace jsacct
