// SPDX-License-Identifier: Apache-2.0
// observe/utf8.hpp: invalid UTF-8 replaced byte by byte with U+FFFD, as Go's
// encoding/json writes strings. The expected strings are Go 1.19's output
// (json.Marshal of each input, decoded back).
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jsacct/observe/utf8.hpp"

using namespace jsacct;

namespace {

std::string fffd(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "\xEF\xBF\xBD";
  return s;
}

}  // namespace

TEST_CASE("valid UTF-8 is kept as is, including every boundary code point") {
  const std::vector<std::string_view> valid{
      "",
      "R1",
      "\x7F",              // U+007F
      "\xC2\x80",          // U+0080
      "\xDF\xBF",          // U+07FF
      "\xE0\xA0\x80",      // U+0800
      "\xED\x9F\xBF",      // U+D7FF, just below the surrogates
      "\xEE\x80\x80",      // U+E000, just above them
      "\xEF\xBF\xBD",      // U+FFFD itself
      "\xEF\xBF\xBF",      // U+FFFF
      "\xF0\x90\x80\x80",  // U+10000
      "\xF4\x8F\xBF\xBF",  // U+10FFFF
      "caf\xC3\xA9 \xF0\x9F\x98\x80",
      std::string_view("a\0b", 3),  // NUL is valid UTF-8
  };
  for (const auto s : valid) {
    CAPTURE(std::string(s));
    CHECK(valid_utf8(s));
    CHECK(to_valid_utf8(s) == s);
  }
}

TEST_CASE("invalid sequences: each byte that does not begin a valid sequence becomes U+FFFD (Go encoding/json)") {
  const std::vector<std::pair<std::string_view, std::string>> cases{
      {"\x80", fffd(1)},  // lone continuation byte
      {"a\x80"
       "b",
       "a" + fffd(1) + "b"},          // inside a name
      {"\xBF\xBF", fffd(2)},          // two continuation bytes
      {"\xC0\xAF", fffd(2)},          // overlong '/' (2 bytes)
      {"\xC1\xBF", fffd(2)},          // overlong (C1)
      {"\xE0\x80\xAF", fffd(3)},      // overlong '/' (3 bytes)
      {"\xF0\x80\x80\xAF", fffd(4)},  // overlong '/' (4 bytes)
      {"\xED\xA0\x80", fffd(3)},      // U+D800 (surrogate) encoded
      {"\xED\xBF\xBF", fffd(3)},      // U+DFFF encoded
      {"\xF4\x90\x80\x80", fffd(4)},  // U+110000, beyond Unicode
      {"\xF5\x80\x80\x80", fffd(4)},  // F5: never a lead byte
      {"\xFF", fffd(1)},              // FF: never in UTF-8
      {"\xC3", fffd(1)},              // truncated at the end (2-byte)
      {"R\xE2\x82", "R" + fffd(2)},   // truncated at the end (3-byte): one per byte
      {"\xF0\x9F\x98", fffd(3)},      // truncated at the end (4-byte)
      {"\xE2\x82"
       "A",
       fffd(2) + "A"},                                      // cut short by an ASCII byte
      {"R1\xFFR3\xC3\xA9", "R1" + fffd(1) + "R3\xC3\xA9"},  // mixed with valid text
  };
  for (const auto& c : cases) {  // (no structured binding: clang 14 cannot capture one in CAPTURE)
    const std::string_view in = c.first;
    const std::string& want = c.second;
    CAPTURE(std::string(in));
    CHECK_FALSE(valid_utf8(in));
    CHECK(to_valid_utf8(in) == want);
    CHECK(valid_utf8(to_valid_utf8(in)));
    std::string out = "x";
    append_valid_utf8(out, in);
    CHECK(out == "x" + want);
  }
}

TEST_CASE("utf8_sequence_length and valid_utf8 are constexpr") {
  static_assert(utf8_sequence_length("A") == 1);
  static_assert(utf8_sequence_length("\xC3\xA9") == 2);
  static_assert(utf8_sequence_length("\xE2\x82\xAC") == 3);
  static_assert(utf8_sequence_length("\xF0\x9F\x98\x80") == 4);
  static_assert(utf8_sequence_length("\xE2\x82") == 0);
  static_assert(utf8_sequence_length("\xED\xA0\x80") == 0);
  static_assert(valid_utf8("R3"));
  static_assert(!valid_utf8("R\xFF"));
  CHECK(utf8_replacement == "\xEF\xBF\xBD");
}

TEST_CASE("every single byte and every two-byte string: the output is valid UTF-8 and agrees with valid_utf8") {
  for (int a = 0; a < 256; ++a) {
    for (int b = -1; b < 256; ++b) {
      std::string s(1, static_cast<char>(a));
      if (b >= 0) s += static_cast<char>(b);
      const std::string out = to_valid_utf8(s);
      REQUIRE(valid_utf8(out));
      REQUIRE((out == s) == valid_utf8(s));
    }
  }
}
