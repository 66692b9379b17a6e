// SPDX-License-Identifier: Apache-2.0
/// \file
/// Per-message accounted sizes (nats-server's `memStoreMsgSize` and
/// `fileStoreMsgSize`), identical in main and 2.9.10.
///
/// The sums saturate at `UINT64_MAX` (`msg_size_saturated`) instead of wrapping:
/// lengths whose true sum does not fit in 64 bits (e.g. subject and payload of
/// 2^63 bytes each) must not count as a few bytes and slip under a limit.
/// Every result up to `UINT64_MAX - 1` is exact. A saturated size exceeds every
/// non-negative account limit, so the main checker's publish check refuses it
/// (10002); a size above `INT64_MAX` cannot be stored as usage either.
#pragma once

#include "jsacct/config.hpp"

#include <cstdint>
#include <limits>

namespace jsacct {

/// Lengths of one message: subject, header block, payload (bytes).
struct msg_lengths {
  std::uint64_t subject = 0;
  std::uint64_t header = 0;
  std::uint64_t payload = 0;
};

/// What the size functions return when the true size does not fit in 64 bits.
inline constexpr std::uint64_t msg_size_saturated = std::numeric_limits<std::uint64_t>::max();

namespace detail {

/// a + b, or msg_size_saturated when the sum does not fit.
constexpr std::uint64_t msg_size_add(std::uint64_t a, std::uint64_t b) noexcept {
  return b > msg_size_saturated - a ? msg_size_saturated : a + b;
}

}  // namespace detail

/// Memory store (`memStoreMsgSize`): S + H + M + 16 (8-byte sequence + 8-byte timestamp), saturating.
constexpr std::uint64_t mem_store_msg_size(msg_lengths m) noexcept {
  using detail::msg_size_add;
  return msg_size_add(msg_size_add(msg_size_add(m.subject, m.header), m.payload), 16);
}

/// File store (`fileStoreMsgSize`): S + M + 30 without headers, S + H + M + 34 with
/// (a 1-byte header block costs 5 bytes more than none: the 4-byte header length), saturating.
constexpr std::uint64_t file_store_msg_size(msg_lengths m) noexcept {
  using detail::msg_size_add;
  const std::uint64_t overhead = m.header == 0 ? 22 + 8 : 22 + 4 + 8;
  return msg_size_add(msg_size_add(msg_size_add(m.subject, m.header), m.payload), overhead);
}

}  // namespace jsacct
