// SPDX-License-Identifier: Apache-2.0
/// \file
/// Text helpers of the facade layer (docs/semantics.md#validate-options to docs/semantics.md#friendly-bytes): `friendly_bytes`
/// (from jsacct/friendly_bytes.hpp, re-exported), the name rules (from jsacct/names.hpp, re-exported: `is_valid_name` checks
/// JetStream domains), the subject validity rule, and `detail::go_quote`, Go's `%q` rendering used inside error texts.
#pragma once

#include "jsacct/config.hpp"

#include "jsacct/friendly_bytes.hpp"
#include "jsacct/names.hpp"

#include <charconv>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace jsacct {

/// nats-server's `IsValidSubject` (docs/semantics.md#validate-options, last paragraph): non-empty;
/// every `.`-separated token non-empty; a multi-character token contains no
/// space, TAB, LF, FF or CR; a single-character token is not one of those;
/// a `>` token must be the last one. `*` is allowed anywhere.
constexpr bool is_valid_subject(std::string_view subject) noexcept {
  if (subject.empty()) return false;
  constexpr std::string_view ws = " \t\n\f\r";
  bool saw_full_wildcard = false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = subject.find('.', start);
    const std::string_view tok = subject.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (tok.empty() || saw_full_wildcard) return false;
    if (tok.size() > 1) {
      if (tok.find_first_of(ws) != std::string_view::npos) return false;
    } else if (tok[0] == '>') {
      saw_full_wildcard = true;
    } else if (ws.find(tok[0]) != std::string_view::npos) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

namespace detail {

/// Decodes one UTF-8 sequence at `s[i]` the way Go's `utf8.DecodeRuneInString`
/// does (no overlongs, no surrogates, max U+10FFFF). Returns the rune and its
/// width, or rune -1 with width 1 for an invalid byte.
constexpr std::pair<std::int32_t, std::size_t> decode_rune(std::string_view s, std::size_t i) noexcept {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c0 = b(i);
  if (c0 < 0x80) return {c0, 1};
  const std::size_t left = s.size() - i;
  const auto cont = [&](std::size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  if (c0 >= 0xC2 && c0 <= 0xDF && left >= 2 && cont(i + 1))
    return {static_cast<std::int32_t>(((c0 & 0x1F) << 6) | (b(i + 1) & 0x3F)), 2};
  if (c0 >= 0xE0 && c0 <= 0xEF && left >= 3 && cont(i + 1) && cont(i + 2)) {
    const unsigned char c1 = b(i + 1);
    if ((c0 == 0xE0 && c1 < 0xA0) || (c0 == 0xED && c1 > 0x9F)) return {-1, 1};  // overlong / surrogate
    return {static_cast<std::int32_t>(((c0 & 0x0F) << 12) | ((c1 & 0x3F) << 6) | (b(i + 2) & 0x3F)), 3};
  }
  if (c0 >= 0xF0 && c0 <= 0xF4 && left >= 4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
    const unsigned char c1 = b(i + 1);
    if ((c0 == 0xF0 && c1 < 0x90) || (c0 == 0xF4 && c1 > 0x8F)) return {-1, 1};  // overlong / > U+10FFFF
    return {static_cast<std::int32_t>(((c0 & 0x07) << 18) | ((c1 & 0x3F) << 12) | ((b(i + 2) & 0x3F) << 6) | (b(i + 3) & 0x3F)),
            4};
  }
  return {-1, 1};
}

/// Approximation of Go's `unicode.IsPrint` for non-ASCII runes: false for the
/// C1 controls, the non-ASCII space separators, line/paragraph separators, the
/// common format characters, private-use code points and noncharacters; true
/// otherwise (unassigned code points are treated as printable).
constexpr bool is_print_non_ascii(std::int32_t r) noexcept {
  const auto in = [r](std::int32_t lo, std::int32_t hi) { return r >= lo && r <= hi; };
  if (in(0x80, 0xA0) || r == 0xAD) return false;  // C1, NBSP, soft hyphen
  if (r == 0x1680 || in(0x2000, 0x200F) || in(0x2028, 0x202F) || in(0x205F, 0x206F) || r == 0x3000) return false;
  if (in(0x0600, 0x0605) || r == 0x061C || r == 0x06DD || r == 0x070F || r == 0x08E2 || r == 0x180E) return false;
  if (r == 0xFEFF || in(0xFFF9, 0xFFFB) || in(0xFDD0, 0xFDEF) || (r & 0xFFFE) == 0xFFFE) return false;
  if (in(0xE000, 0xF8FF) || in(0xF0000, 0x10FFFF)) return false;  // private use (planes 15-16 are all PUA/nonchar)
  if (r == 0x110BD || r == 0x110CD || in(0x13430, 0x1343F) || in(0x1BCA0, 0x1BCA3) || in(0x1D173, 0x1D17A)) return false;
  if (r == 0xE0001 || in(0xE0020, 0xE007F)) return false;
  return true;
}

}  // namespace detail

namespace detail {

/// Go's `%q` of a string (`strconv.Quote`), as used in nats-server's error
/// texts: surrounded by double quotes; `"` and `\` backslash-escaped;
/// printable ASCII as is; `\a \b \f \n \r \t \v` for those controls; other
/// ASCII controls and every byte of invalid UTF-8 as `\xNN`; valid non-ASCII
/// runes as is when printable, else `\uNNNN` / `\UNNNNNNNN` (lower-case hex).
/// Printability of non-ASCII runes follows `is_print_non_ascii`. An
/// implementation detail of the error texts (not public API).
inline std::string go_quote(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto [r, width] = detail::decode_rune(s, i);
    if (r < 0) {
      const auto byte = static_cast<unsigned char>(s[i]);
      out += "\\x";
      out += hex[byte >> 4];
      out += hex[byte & 0xF];
    } else if (r == '"' || r == '\\') {
      out += '\\';
      out += static_cast<char>(r);
    } else if (r >= 0x20 && r < 0x7F) {
      out += static_cast<char>(r);
    } else if (r >= 0x80 && detail::is_print_non_ascii(r)) {
      out.append(s.substr(i, width));
    } else {
      switch (r) {
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default: {
          if (r < 0x80) {
            out += "\\x";
            out += hex[(r >> 4) & 0xF];
            out += hex[r & 0xF];
          } else {
            const int digits = r < 0x10000 ? 4 : 8;
            out += r < 0x10000 ? "\\u" : "\\U";
            for (int d = digits - 1; d >= 0; --d) out += hex[(r >> (4 * d)) & 0xF];
          }
        }
      }
    }
    i += width;
  }
  out += '"';
  return out;
}

}  // namespace detail

}  // namespace jsacct
