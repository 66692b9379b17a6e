// SPDX-License-Identifier: Apache-2.0
// Stream and account names: nats-server's isValidName / isValidAssetName
// (server/jetstream.go), the API layer's path-separator check (10128,
// jsStreamCreateRequest) and checkStreamCfg's texts (server/stream.go, main and v2.9.10).
#include "core_helpers.hpp"

#include <string>

#include "jsacct/names.hpp"

using namespace jsacct;
using namespace coretest;

namespace {
std::string text_of(const result<void>& r) { return r ? std::string() : r.error().text(); }
}  // namespace

TEST_CASE("is_valid_name refuses empty, whitespace (space TAB CR LF FF), '.', '*', '>'") {
  CHECK_FALSE(is_valid_name(""));
  for (char c : std::string(" \t\r\n\f.*>")) {
    INFO("character ", static_cast<int>(c));
    CHECK_FALSE(is_valid_name(std::string(1, c)));
    CHECK_FALSE(is_valid_name("A" + std::string(1, c)));
    CHECK_FALSE(is_valid_name(std::string(1, c) + "A"));
    CHECK_FALSE(is_valid_name("A" + std::string(1, c) + "B"));
  }
  CHECK(is_valid_name("ORDERS"));
  CHECK(is_valid_name("\v"));                    // vertical tab is not in Go's set
  CHECK(is_valid_name(std::string("a\0b", 3)));  // nor is NUL
  CHECK(is_valid_name("a/b"));                   // isValidName allows separators
  CHECK(is_valid_name("a\\b"));
  CHECK(is_valid_name("$G"));
  CHECK(is_valid_name("\xc3\xa9t\xc3\xa9"));                   // UTF-8 is fine
  static_assert(is_valid_name("S") && !is_valid_name("S.T"));  // usable in constant expressions
}

TEST_CASE("is_valid_asset_name = is_valid_name and no '\\' or '/'") {
  CHECK(is_valid_asset_name("ORDERS"));
  CHECK_FALSE(is_valid_asset_name(""));
  CHECK_FALSE(is_valid_asset_name("a/b"));
  CHECK_FALSE(is_valid_asset_name("a\\b"));
  CHECK_FALSE(is_valid_asset_name("/"));
  CHECK_FALSE(is_valid_asset_name("a.b"));
  CHECK(has_path_separator("x/"));
  CHECK(has_path_separator("\\"));
  CHECK_FALSE(has_path_separator("x.y"));
}

TEST_CASE("check_stream_name: 10128 first, then 10052 texts of main and 2.9.10") {
  CHECK(check_stream_name("ORDERS"));
  CHECK(check_stream_name("ORDERS", name_rules::v29));

  for (const char* n : {"a/b", "/", "\\", "a\\b", "/abs", "a/.."}) {
    INFO(n);
    const auto r = check_stream_name(n);
    REQUIRE_FALSE(r);
    CHECK(r.error() == errc::stream_name_path_separators);
    CHECK(text_of(r) == "Stream name can not contain path separators (10128)");
    CHECK(check_stream_name(n, name_rules::v29).error() == errc::stream_name_path_separators);
  }
  for (const char* n : {"", "a.b", "..", "*", ">", "a b", "a\tb", "a\rb", "a\nb", "a\fb"}) {
    INFO(n);
    const auto r = check_stream_name(n);
    REQUIRE_FALSE(r);
    CHECK(r.error().id() == errc::stream_invalid_config);
    CHECK(text_of(r) == "stream name is required and can not contain '.', '*', '>', '\\', '/' (10052)");
    CHECK(text_of(check_stream_name(n, name_rules::v29)) == "stream name is required and can not contain '.', '*', '>' (10052)");
  }
}

TEST_CASE("check_stream_name: 255 bytes is the longest name") {
  CHECK(check_stream_name(std::string(max_name_length, 'S')));
  CHECK(check_stream_name(std::string(255, 'S'), name_rules::v29));
  const auto r = check_stream_name(std::string(256, 'S'));
  REQUIRE_FALSE(r);
  CHECK(text_of(r) == "stream name is too long, maximum allowed is 255 (10052)");
  CHECK(text_of(check_stream_name(std::string(256, 'S'), name_rules::v29)) ==
        "stream name is too long, maximum allowed is 255 (10052)");
  // Bytes, not characters (Go len): 128 two-byte characters are 256 bytes.
  std::string e;
  for (int i = 0; i < 128; ++i) e += "\xc3\xa9";
  CHECK_FALSE(check_stream_name(e));
  // nats-server checks the characters before the length.
  CHECK(text_of(check_stream_name(std::string(300, '.'))) ==
        "stream name is required and can not contain '.', '*', '>', '\\', '/' (10052)");
  CHECK(check_stream_name(std::string(300, '/')).error() == errc::stream_name_path_separators);
}

TEST_CASE("check_stream_name: NUL and other control bytes pass as in nats-server") {
  CHECK(check_stream_name(std::string("a\0b", 3)));
  CHECK(check_stream_name("a\vb"));
  CHECK(check_stream_name("\x1f"));
}

TEST_CASE("check_account_name: 10051 with separators, invalid characters, NUL and length") {
  CHECK(check_account_name("A"));
  CHECK(check_account_name("$G"));
  CHECK(check_account_name("ACDPQ4W2RZ3HNXO5TUJQ6XG7X4HVBMJUEWRJLWQ2P5GZP6FVKEKYJJTE"));
  CHECK(check_account_name(std::string(255, 'A')));

  for (const char* n : {"/x/victim", "a/b", "..\\x"}) {
    INFO(n);
    const auto r = check_account_name(n);
    REQUIRE_FALSE(r);
    CHECK(r.error().id() == errc::stream_general);
    CHECK(text_of(r) == "account name can not contain path separators (10051)");
  }
  for (std::string n : {std::string(), std::string("."), std::string(".."), std::string("a.b"), std::string("*"),
                        std::string(">"), std::string("a b"), std::string("\t"), std::string("a\nb"), std::string("a\0b", 3)}) {
    INFO(n);
    const auto r = check_account_name(n);
    REQUIRE_FALSE(r);
    CHECK(text_of(r) == "account name is required and can not contain whitespace, '.', '*', '>' or NUL (10051)");
  }
  const auto r = check_account_name(std::string(256, 'A'));
  REQUIRE_FALSE(r);
  CHECK(text_of(r) == "account name is too long, maximum allowed is 255 (10051)");
}
