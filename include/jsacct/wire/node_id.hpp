// SPDX-License-Identifier: Apache-2.0
/// \file
/// The cluster node id (docs/semantics.md#aru-subjects, nats-server's "system hash"): the first 8
/// bytes of SHA-256(server name), each mapped to one of 62 alphanumerics. It is
/// the last token of the `$JSC.ARU.<account>.<node>` publish subject, so peers
/// must derive it exactly as nats-server does: "S1" -> "sQnRv29R".
#pragma once

#include "jsacct/config.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "jsacct/detail/sha256.hpp"

namespace jsacct {

/// The alphabet a node id byte is mapped into (`digits[byte % 62]`).
inline constexpr std::string_view node_id_digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// An 8-character node id held inline (no heap). Converts to std::string_view.
class node_id_string {
 public:
  /// Number of characters in every node id.
  static constexpr std::size_t length = 8;

  constexpr node_id_string() noexcept = default;
  constexpr std::string_view view() const noexcept { return {chars_.data(), chars_.size()}; }
  constexpr operator std::string_view() const noexcept { return view(); }  // NOLINT(google-explicit-constructor)
  std::string str() const { return std::string(view()); }
  friend constexpr bool operator==(const node_id_string& a, const node_id_string& b) noexcept { return a.view() == b.view(); }
  friend constexpr bool operator==(const node_id_string& a, std::string_view b) noexcept { return a.view() == b; }

 private:
  friend constexpr node_id_string node_id(std::string_view server_name) noexcept;
  std::array<char, length> chars_{};
};

/// nats-server's node id of the server named `server_name` (docs/semantics.md#aru-subjects):
/// `digits[b % 62]` for each of the first 8 bytes `b` of SHA-256(server_name).
/// The name is hashed as given (no trimming or case folding). `constexpr`.
constexpr node_id_string node_id(std::string_view server_name) noexcept {
  const auto digest = detail::sha256_of(server_name);
  node_id_string id;
  for (std::size_t i = 0; i < node_id_string::length; ++i) id.chars_[i] = node_id_digits[digest[i] % node_id_digits.size()];
  return id;
}

}  // namespace jsacct
