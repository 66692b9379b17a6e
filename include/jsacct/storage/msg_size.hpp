// SPDX-License-Identifier: Apache-2.0
/// \file
/// Per-message accounted sizes (spec §4), identical in main and 2.9.10.
#pragma once

#include <cstdint>

namespace jsacct {

/// Lengths of one message: subject, header block, payload (bytes).
struct msg_lengths {
  std::uint64_t subject = 0;
  std::uint64_t header = 0;
  std::uint64_t payload = 0;
};

/// Memory store (`memStoreMsgSize`): S + H + M + 16 (8-byte sequence + 8-byte timestamp).
constexpr std::uint64_t mem_store_msg_size(msg_lengths m) noexcept { return m.subject + m.header + m.payload + 16; }

/// File store (`fileStoreMsgSize`): S + M + 30 without headers, S + H + M + 34 with
/// (a 1-byte header block costs 5 bytes more than none: the 4-byte header length).
constexpr std::uint64_t file_store_msg_size(msg_lengths m) noexcept {
  if (m.header == 0) return 22 + m.subject + m.payload + 8;
  return 22 + m.subject + 4 + m.header + m.payload + 8;
}

}  // namespace jsacct
