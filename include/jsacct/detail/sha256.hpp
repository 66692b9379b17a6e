// SPDX-License-Identifier: Apache-2.0
/// \file
/// A small, self-contained SHA-256 (FIPS 180-4). It exists for the cluster
/// node id (`wire/node_id.hpp`, docs/semantics.md#aru-subjects), which hashes short server names
/// and is part of the core: the core must build with a C++20 compiler and
/// range-v3 alone, so it cannot use a crypto library. Where one is required
/// anyway, jsacct uses the library's SHA-256 instead (the facade's metafile
/// encryption takes HMAC-SHA256 from libsodium). Correct for any input
/// length, not tuned for bulk hashing, no constant-time promises; `constexpr`.
#pragma once

#include "jsacct/config.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace jsacct::detail {

/// Incremental SHA-256. Feed bytes with `update`, then call `finish` once.
/// Not thread-safe; cheap to copy (112 bytes of state).
class sha256 {
 public:
  /// Size of a digest in bytes.
  static constexpr std::size_t digest_size = 32;
  /// Size of one compression block in bytes.
  static constexpr std::size_t block_size = 64;
  /// A finished digest, big-endian as the standard prints it.
  using digest = std::array<std::uint8_t, digest_size>;

  constexpr sha256() noexcept = default;

  /// Appends `data` to the message.
  constexpr sha256& update(std::span<const std::byte> data) noexcept {
    for (std::byte b : data) put(static_cast<std::uint8_t>(b));
    return *this;
  }
  /// Appends the bytes of `text` to the message.
  constexpr sha256& update(std::string_view text) noexcept {
    for (char c : text) put(static_cast<std::uint8_t>(c));
    return *this;
  }

  /// Pads the message, returns its digest and leaves the object in an
  /// unspecified state (construct a new one to hash again).
  constexpr digest finish() noexcept {
    const std::uint64_t bit_length = total_ * 8U;
    put(0x80);
    while (fill_ != block_size - 8) put(0x00);
    for (int shift = 56; shift >= 0; shift -= 8) put(static_cast<std::uint8_t>(bit_length >> shift));
    digest out{};
    for (std::size_t i = 0; i < state_.size(); ++i) {
      out[4 * i + 0] = static_cast<std::uint8_t>(state_[i] >> 24);
      out[4 * i + 1] = static_cast<std::uint8_t>(state_[i] >> 16);
      out[4 * i + 2] = static_cast<std::uint8_t>(state_[i] >> 8);
      out[4 * i + 3] = static_cast<std::uint8_t>(state_[i]);
    }
    return out;
  }

 private:
  static constexpr std::array<std::uint32_t, 64> k_{
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
      0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
      0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
      0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
      0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
      0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

  static constexpr std::uint32_t rotr(std::uint32_t x, int n) noexcept { return (x >> n) | (x << (32 - n)); }

  constexpr void put(std::uint8_t b) noexcept {
    block_[fill_++] = b;
    ++total_;
    if (fill_ == block_size) {
      compress();
      fill_ = 0;
    }
  }

  constexpr void compress() noexcept {
    std::array<std::uint32_t, 64> w{};
    for (std::size_t t = 0; t < 16; ++t) {
      w[t] = (std::uint32_t{block_[4 * t]} << 24) | (std::uint32_t{block_[4 * t + 1]} << 16) |
             (std::uint32_t{block_[4 * t + 2]} << 8) | std::uint32_t{block_[4 * t + 3]};
    }
    for (std::size_t t = 16; t < 64; ++t) {
      const std::uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
      const std::uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
    std::uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
    for (std::size_t t = 0; t < 64; ++t) {
      const std::uint32_t big_s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const std::uint32_t ch = (e & f) ^ (~e & g);
      const std::uint32_t t1 = h + big_s1 + ch + k_[t] + w[t];
      const std::uint32_t big_s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      const std::uint32_t t2 = big_s0 + maj;
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    state_[0] += a;
    state_[1] += b;
    state_[2] += c;
    state_[3] += d;
    state_[4] += e;
    state_[5] += f;
    state_[6] += g;
    state_[7] += h;
  }

  std::array<std::uint32_t, 8> state_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<std::uint8_t, block_size> block_{};
  std::size_t fill_ = 0;
  std::uint64_t total_ = 0;  // message length in bytes (FIPS 180-4 caps messages below 2^64 bits)
};

/// SHA-256 of `text` in one call.
constexpr sha256::digest sha256_of(std::string_view text) noexcept { return sha256{}.update(text).finish(); }

/// SHA-256 of `data` in one call.
constexpr sha256::digest sha256_of(std::span<const std::byte> data) noexcept { return sha256{}.update(data).finish(); }

}  // namespace jsacct::detail
