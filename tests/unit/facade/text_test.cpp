// SPDX-License-Identifier: Apache-2.0
// Tests of jsacct/facade/text.hpp: friendly_bytes (docs/semantics.md#friendly-bytes,
// docs/semantics.md#diff-friendly-bytes-negative), name and subject validity (docs/semantics.md#validate-options,
// docs/semantics.md#name-validation) and go_quote.
#include "jsacct/facade/text.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

using namespace std::string_literals;
using jsacct::friendly_bytes;

TEST_CASE("friendly_bytes: docs/semantics.md#friendly-bytes table, row by row") {
  CHECK(friendly_bytes(std::int64_t{-1}) == "-1 B");
  CHECK(friendly_bytes(std::int64_t{0}) == "0 B");
  CHECK(friendly_bytes(std::int64_t{1023}) == "1023 B");
  CHECK(friendly_bytes(std::int64_t{1024}) == "1.00 KB");
  CHECK(friendly_bytes(std::int64_t{1536}) == "1.50 KB");
  CHECK(friendly_bytes(std::int64_t{1000000}) == "976.56 KB");
  CHECK(friendly_bytes(std::int64_t{1048575}) == "1024.00 KB");
  CHECK(friendly_bytes(std::int64_t{1048576}) == "1.00 MB");
  CHECK(friendly_bytes(std::int64_t{268435456}) == "256.00 MB");
  CHECK(friendly_bytes(std::int64_t{1073741823}) == "1024.00 MB");
  CHECK(friendly_bytes(std::int64_t{1099511627775}) == "1024.00 GB");
  CHECK(friendly_bytes(std::int64_t{1099511627776}) == "1.00 TB");
  CHECK(friendly_bytes((std::int64_t{1} << 50) - 1) == "1.00 PB");
  CHECK(friendly_bytes(std::int64_t{1} << 60) == "1.00 EB");
  CHECK(friendly_bytes(std::numeric_limits<std::int64_t>::max()) == "8.00 EB");
}

TEST_CASE("friendly_bytes: more boundaries and the values the server prints") {
  CHECK(friendly_bytes(std::int64_t{1}) == "1 B");
  CHECK(friendly_bytes(std::int64_t{1025}) == "1.00 KB");
  CHECK(friendly_bytes(std::int64_t{1000000000}) == "953.67 MB");       // `max_file_store: 1G` (docs/semantics.md#dynamic-config)
  CHECK(friendly_bytes(std::int64_t{10} * 1024 * 1024) == "10.00 MB");  // oracle banner (docs/semantics.md#recorded-facts)
  CHECK(friendly_bytes(std::int64_t{1} << 40) == "1.00 TB");
  CHECK(friendly_bytes(std::int64_t{1} << 50) == "1.00 PB");
  CHECK(friendly_bytes((std::int64_t{1} << 60) - 1) == "1.00 EB");
}

TEST_CASE("friendly_bytes: negative values are '-' and the magnitude's text (docs/semantics.md#diff-friendly-bytes-negative)") {
  CHECK(friendly_bytes(std::int64_t{-1000000}) == "-976.56 KB");  // main would print "-1e+06 B"
  CHECK(friendly_bytes(std::int64_t{-1023}) == "-1023 B");
  CHECK(friendly_bytes(std::int64_t{-1024}) == "-1.00 KB");
  CHECK(friendly_bytes(std::numeric_limits<std::int64_t>::min()) == "-8.00 EB");
  CHECK(friendly_bytes(-std::numeric_limits<std::int64_t>::max()) == "-8.00 EB");
}

TEST_CASE("friendly_bytes: unsigned and other integer types") {
  CHECK(friendly_bytes(std::uint64_t{0}) == "0 B");
  CHECK(friendly_bytes(std::uint64_t{1048576}) == "1.00 MB");
  CHECK(friendly_bytes(std::numeric_limits<std::uint64_t>::max()) == "16.00 EB");
  CHECK(friendly_bytes(1536) == "1.50 KB");           // int
  CHECK(friendly_bytes(-5) == "-5 B");                // int
  CHECK(friendly_bytes(2048u) == "2.00 KB");          // unsigned
  CHECK(friendly_bytes(1024LL * 1024) == "1.00 MB");  // long long
  CHECK(friendly_bytes(std::uint32_t{4294967295u}) == "4.00 GB");
}

TEST_CASE("is_valid_name (docs/semantics.md#name-validation)") {
  CHECK(jsacct::is_valid_name("HUB"));
  CHECK(jsacct::is_valid_name("a-b_c"));
  CHECK(jsacct::is_valid_name("\v"));      // vertical tab is allowed
  CHECK(jsacct::is_valid_name("a\x01z"));  // so are other control characters
  CHECK(jsacct::is_valid_name("a/b"));     // path separators only matter for asset names
  CHECK(jsacct::is_valid_name("a\\b"));
  CHECK_FALSE(jsacct::is_valid_name(""));
  for (const char* bad : {"a b", "a\tb", "a\rb", "a\nb", "a\fb", "a.b", "a*b", "a>b", ".", "*", ">", " "})
    CHECK_MESSAGE(!jsacct::is_valid_name(bad), bad);
}

TEST_CASE("is_valid_asset_name (docs/semantics.md#name-validation)") {
  CHECK(jsacct::is_valid_asset_name("ORDERS"));
  CHECK_FALSE(jsacct::is_valid_asset_name(""));
  CHECK_FALSE(jsacct::is_valid_asset_name("usr/bin"));
  CHECK_FALSE(jsacct::is_valid_asset_name("Documents\\readme.txt"));
  CHECK_FALSE(jsacct::is_valid_asset_name("a/b"));
  CHECK_FALSE(jsacct::is_valid_asset_name("a\\b"));
  CHECK_FALSE(jsacct::is_valid_asset_name("a b"));
}

TEST_CASE("TestJetStreamAddStreamCanonicalNames (name part): these stream names are invalid") {
  for (const char* name : {"foo.bar", "foo.bar.", "foo.*", "foo.>", "*", ">", "*>"}) {
    CHECK_MESSAGE(!jsacct::is_valid_asset_name(name), name);
    CHECK_MESSAGE(!jsacct::is_valid_name(name), name);  // 2.9.10 uses isValidName for stream names
  }
}

TEST_CASE("is_valid_subject (docs/semantics.md#validate-options)") {
  CHECK(jsacct::is_valid_subject("foo"));
  CHECK(jsacct::is_valid_subject("foo.bar"));
  CHECK(jsacct::is_valid_subject("foo.*.bar"));
  CHECK(jsacct::is_valid_subject("foo.>"));
  CHECK(jsacct::is_valid_subject(">"));
  CHECK(jsacct::is_valid_subject("*"));
  CHECK(jsacct::is_valid_subject("x>"));  // only a bare '>' token is a wildcard
  CHECK(jsacct::is_valid_subject("a>.b"));
  CHECK(jsacct::is_valid_subject("$JS.a.b.API.>"));  // domain "a.b": valid subject, invalid name
  CHECK(jsacct::is_valid_subject("$JS.*.API.>"));
  CHECK(jsacct::is_valid_subject("$JS.x>.API.>"));
  CHECK(jsacct::is_valid_subject("a\vb"));  // VT is not whitespace here
  CHECK(jsacct::is_valid_subject("\v"));
  CHECK_FALSE(jsacct::is_valid_subject(""));
  CHECK_FALSE(jsacct::is_valid_subject("."));
  CHECK_FALSE(jsacct::is_valid_subject("foo."));
  CHECK_FALSE(jsacct::is_valid_subject(".foo"));
  CHECK_FALSE(jsacct::is_valid_subject("foo..bar"));
  CHECK_FALSE(jsacct::is_valid_subject(">.foo"));  // '>' must be last
  CHECK_FALSE(jsacct::is_valid_subject("$JS.>.API.>"));
  CHECK_FALSE(jsacct::is_valid_subject("$JS.a b.API.>"));
  for (const char* ws : {" ", "\t", "\n", "\f", "\r"}) {
    CHECK_FALSE(jsacct::is_valid_subject(std::string("a.") + ws + ".b"));   // single-char token
    CHECK_FALSE(jsacct::is_valid_subject(std::string("a.x") + ws + ".b"));  // inside a longer token
  }
}

TEST_CASE("go_quote renders like Go's %q") {
  CHECK(jsacct::detail::go_quote("") == R"("")");
  CHECK(jsacct::detail::go_quote("A") == R"("A")");
  CHECK(jsacct::detail::go_quote("$JS.HU..B.API.>") == R"("$JS.HU..B.API.>")");
  CHECK(jsacct::detail::go_quote("a\"b\\c") == R"("a\"b\\c")");
  CHECK(jsacct::detail::go_quote("\t") == R"("\t")");
  CHECK(jsacct::detail::go_quote("a\nb\rc") == R"("a\nb\rc")");
  CHECK(jsacct::detail::go_quote("\a\b\f\v") == R"("\a\b\f\v")");
  CHECK(jsacct::detail::go_quote("\x01\x1f\x7f"s) == R"("\x01\x1f\x7f")");
  CHECK(jsacct::detail::go_quote("\0"s) == R"("\x00")");
  CHECK(jsacct::detail::go_quote("caf\xc3\xa9") == "\"caf\xc3\xa9\"");  // printable rune kept
  CHECK(jsacct::detail::go_quote("\xe6\x97\xa5\xe6\x9c\xac") == "\"\xe6\x97\xa5\xe6\x9c\xac\"");
  CHECK(jsacct::detail::go_quote("\xf0\x9f\x98\x80") == "\"\xf0\x9f\x98\x80\"");  // U+1F600
  CHECK(jsacct::detail::go_quote("\xff") == R"("\xff")");                         // invalid UTF-8 byte
  CHECK(jsacct::detail::go_quote("\xc3") == R"("\xc3")");                         // truncated sequence
  CHECK(jsacct::detail::go_quote("\xc0\xaf") == R"("\xc0\xaf")");                 // overlong
  CHECK(jsacct::detail::go_quote("\xed\xa0\x80") == R"("\xed\xa0\x80")");         // surrogate
  CHECK(jsacct::detail::go_quote("\xc2\x85") == R"("\u0085")");                   // C1 control
  CHECK(jsacct::detail::go_quote("\xc2\xa0") == R"("\u00a0")");                   // no-break space
  CHECK(jsacct::detail::go_quote("\xe2\x80\x8b") == R"("\u200b")");               // zero-width space
  CHECK(jsacct::detail::go_quote("\xef\xbb\xbf") == R"("\ufeff")");               // BOM
  CHECK(jsacct::detail::go_quote("\xf3\xb0\x80\x80") == R"("\U000f0000")");       // private use, plane 15
}
