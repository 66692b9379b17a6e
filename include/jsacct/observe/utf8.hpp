// SPDX-License-Identifier: Apache-2.0
/// \file
/// Invalid UTF-8 in names the library prints (tier names come from peers'
/// `$JSC.ARU` updates and may hold any bytes): replaced the way Go's
/// `encoding/json` writes strings, so that jsacct's JSON and Prometheus text
/// stay valid UTF-8 and show the same name nats-server shows.
///
/// Go's rule: decoding from the left, a byte that does not begin a valid
/// UTF-8 sequence becomes U+FFFD and decoding resumes at the next byte. So
/// every byte of a lone continuation byte, an overlong form (`C0 AF`), an
/// encoded surrogate (`ED A0 80`), a code point above U+10FFFF (`F4 90 80 80`)
/// or a sequence cut short (`E2 82` at the end) becomes one U+FFFD each:
/// `"R\xE2\x82"` -> `"R\uFFFD\uFFFD"`. (This is not the "maximal subpart"
/// practice of Unicode, which would give one U+FFFD for `E2 82`.)
#pragma once

#include "jsacct/config.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace jsacct {

/// The UTF-8 text of U+FFFD REPLACEMENT CHARACTER.
inline constexpr std::string_view utf8_replacement = "\xEF\xBF\xBD";

/// Length (1..4) of the valid UTF-8 sequence that starts `s`, or 0 when the
/// first byte does not begin one (Go's `utf8.DecodeRuneInString` returning
/// `RuneError, 1` on a byte other than the encoding of U+FFFD). `s` is not empty.
constexpr std::size_t utf8_sequence_length(std::string_view s) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (b0 < 0xC2 || b0 > 0xF4) return 0;  // a continuation byte, C0/C1 (always overlong), or beyond U+10FFFF
  std::size_t len = 2;
  unsigned char lo = 0x80, hi = 0xBF;  // the accepted range of the second byte
  if (b0 >= 0xF0) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong below U+10000
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else if (b0 >= 0xE0) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong below U+0800
    if (b0 == 0xED) hi = 0x9F;  // surrogates U+D800..U+DFFF
  }
  if (s.size() < len) return 0;
  if (byte(1) < lo || byte(1) > hi) return 0;
  for (std::size_t i = 2; i < len; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  return len;
}

/// True when `s` is entirely valid UTF-8.
constexpr bool valid_utf8(std::string_view s) noexcept {
  while (!s.empty()) {
    const std::size_t n = utf8_sequence_length(s);
    if (n == 0) return false;
    s.remove_prefix(n);
  }
  return true;
}

/// Appends `s` to `out` with every byte that does not begin a valid UTF-8
/// sequence replaced by U+FFFD (Go's `encoding/json` rule, see the file comment).
inline void append_valid_utf8(std::string& out, std::string_view s) {
  while (!s.empty()) {
    const std::size_t n = utf8_sequence_length(s);
    if (n == 0) {
      out += utf8_replacement;
      s.remove_prefix(1);
    } else {
      out.append(s.data(), n);
      s.remove_prefix(n);
    }
  }
}

/// `s` with every byte that does not begin a valid UTF-8 sequence replaced by
/// U+FFFD; `s` itself when it is valid.
inline std::string to_valid_utf8(std::string_view s) {
  std::string out;
  if (valid_utf8(s)) {
    out.assign(s);
  } else {
    out.reserve(s.size() + 8);
    append_valid_utf8(out, s);
  }
  return out;
}

}  // namespace jsacct
