// SPDX-License-Identifier: Apache-2.0
// The facade's pure functions at their extremes, for the sanitizer builds (CI
// runs every test under ASan+UBSan with -fno-sanitize-recover): every byte
// value, invalid UTF-8, megabyte inputs, seeded random inputs checked against
// properties the functions promise, int64 extremes through the dynamic config,
// and an injected clock that jumps between time_point::min() and max().
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "jsacct/facade/detail/paths.hpp"
#include "jsacct/facade/dyn_config.hpp"
#include "jsacct/facade/exports.hpp"
#include "jsacct/facade/server.hpp"
#include "jsacct/facade/text.hpp"
#include "jsacct/facade/validate.hpp"

namespace {

constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();

/// Seeded random strings over `alphabet`, lengths 0..max_len.
std::vector<std::string> random_strings(std::string_view alphabet, std::size_t count, std::size_t max_len, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::string s(rng() % (max_len + 1), '\0');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    out.push_back(std::move(s));
  }
  return out;
}

std::string all_bytes() {
  std::string s;
  for (int b = 0; b < 256; ++b) s.push_back(static_cast<char>(b));
  return s;
}

/// Valid UTF-8 with no control characters (what %q output must be).
bool printable_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto [r, width] = jsacct::detail::decode_rune(s, i);
    if (r < 0x20 || r == 0x7F) return false;  // -1 (invalid) included
    i += width;
  }
  return true;
}

}  // namespace

TEST_CASE("go_quote: every byte, invalid UTF-8 and 1 MiB inputs give quoted, printable UTF-8") {
  const std::string bytes = all_bytes();
  for (char c : bytes) {
    const std::string q = jsacct::detail::go_quote(std::string(1, c));
    CHECK(q.size() >= 3);
    CHECK(q.front() == '"');
    CHECK(q.back() == '"');
    CHECK(printable_utf8(q));
  }
  CHECK(printable_utf8(jsacct::detail::go_quote(bytes)));
  const std::string big(1 << 20, '\xFF');
  const std::string q = jsacct::detail::go_quote(big);
  CHECK(q.size() == 2 + 4 * big.size());  // each invalid byte is \xff
  for (const auto& s : random_strings(bytes, 20'000, 24, 1)) {
    const std::string qs = jsacct::detail::go_quote(s);
    REQUIRE(printable_utf8(qs));
    REQUIRE(qs.size() >= s.size() + 2);
  }
  // Truncated multi-byte sequences at the very end of the input.
  for (std::string_view tail : {"\xC3", "\xE2\x82", "\xF0\x9F\x98", "\xF4\x90\x80\x80", "\xED\xA0\x80"})
    CHECK(printable_utf8(jsacct::detail::go_quote(std::string("x") + std::string(tail))));
}

TEST_CASE("subject, name and domain helpers: every byte and 1 MiB inputs") {
  const std::string bytes = all_bytes();
  for (const auto& s : random_strings(std::string(bytes) + "....>>**", 20'000, 16, 2)) {
    const bool subject = jsacct::is_valid_subject(s);
    CHECK((!subject || (!s.empty() && s.front() != '.' && s.back() != '.')));
    (void)jsacct::is_valid_name(s);
    (void)jsacct::is_valid_asset_name(s);
    const auto mappings = jsacct::domain_mappings(s);
    CHECK(mappings.size() == (s.empty() ? 0U : jsacct::domain_mapping_table.size()));
  }
  const std::string big(1 << 20, 'a');
  CHECK(jsacct::is_valid_subject(big));
  CHECK(jsacct::is_valid_subject(big + ".>"));
  CHECK_FALSE(jsacct::is_valid_subject(big + ".>.a"));
  CHECK(jsacct::js_domain_api_subject(big).size() == big.size() + 10);
}

TEST_CASE("go_clean / go_join / join_under: random paths keep their promises") {
  using jsacct::detail::go_clean;
  for (const auto& s : random_strings(std::string_view("a./\0\xFF", 5), 50'000, 20, 3)) {
    const std::string c = go_clean(s);
    REQUIRE_FALSE(c.empty());
    REQUIRE(go_clean(c) == c);                                                // clean is idempotent
    REQUIRE(c.find("//") == std::string::npos);                               // no doubled separators
    REQUIRE((c == "/" || c.back() != '/'));                                   // no trailing separator
    REQUIRE((c == "." || ("/" + c + "/").find("/./") == std::string::npos));  // no `.` elements, except "." itself
    for (const std::string_view root : {"/store", "store", ".", "/", "../x"}) {
      const auto j = jsacct::detail::join_under(root, {s});
      if (!j) continue;
      const std::string r = go_clean(root);
      REQUIRE(*j == jsacct::detail::go_join({root, s}));
      REQUIRE(jsacct::detail::is_strictly_below(r, *j));
      REQUIRE(s.find('\0') == std::string::npos);
    }
  }
}

TEST_CASE("is_valid_public_account_key: random bytes; CR and LF never change the answer") {
  const std::string alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567AAAA\r\n=\xFF\0a", 42);
  std::mt19937 rng(4);
  for (const auto& s : random_strings(alphabet, 50'000, 70, 5)) {
    const bool valid = jsacct::is_valid_public_account_key(s);
    std::string with_newline = s;
    with_newline.insert(s.empty() ? 0 : rng() % (s.size() + 1), rng() % 2 ? "\r" : "\n");
    REQUIRE(jsacct::is_valid_public_account_key(with_newline) == valid);
  }
  CHECK_FALSE(jsacct::is_valid_public_account_key(std::string(1 << 20, '\xFF')));
  CHECK_FALSE(jsacct::is_valid_public_account_key(std::string(1 << 20, '\n')));
  (void)jsacct::is_valid_public_account_key(std::string(1 << 20, 'A'));  // a megabyte of zero bytes: decodes, CRC 0
  CHECK(jsacct::is_valid_public_account_key(std::string((1 << 20) - 1, 'A')));
}

TEST_CASE("dynamic config: int64 extremes of limits and probes") {
  const std::vector<std::int64_t> values{i64_min, i64_min + 1, -1, 0, 1, 3, i64_max - 1, i64_max};
  const std::vector<std::optional<std::int64_t>> limits{std::nullopt, i64_min, -1, 0, 1, i64_max};
  for (const auto version : {jsacct::server_version::main, jsacct::server_version::v2_9}) {
    for (const std::int64_t total : values) {
      for (const auto& limit : limits) {
        for (const std::int64_t given : values) {
          jsacct::system_probe probe;
          probe.total_memory = [total] { return total; };
          probe.process_memory_limit = [limit] { return limit; };
          probe.disk_available = [total](const std::string&) { return total; };
          probe.temp_dir = [] { return std::string("/tmp"); };
          const auto r = jsacct::dyn_jetstream_config("/s", given, given, {}, probe, version);
          const bool kept = version == jsacct::server_version::main ? given > 0 : false;
          if (!kept) {
            // Not explicitly set: derived from the probes, never negative.
            REQUIRE(r.config.max_memory >= 0);
            REQUIRE((total > 0 || r.config.max_memory == jsacct::jetstream_max_mem_default));
          } else {
            REQUIRE(r.config.max_memory == given);
            REQUIRE(r.config.max_store == given);
          }
          jsacct::jetstream_config cfg;
          cfg.max_memory = given;
          cfg.max_store = given;
          cfg.store_dir = "/s";
          (void)jsacct::resolve_enable_config(cfg, {}, probe, version);
        }
      }
    }
  }
}

TEST_CASE("validate_jetstream_options: int64 and int extremes") {
  for (const std::int64_t catchup : {i64_min, std::int64_t{-1}, std::int64_t{0}, i64_max}) {
    for (const int port : {std::numeric_limits<int>::min(), -1, 0, 1, std::numeric_limits<int>::max()}) {
      jsacct::server_options o;
      o.jetstream = true;
      o.server_name = "S";
      o.cluster_name = "C";
      o.cluster_port = port;
      o.max_outstanding_catchup = catchup;
      o.extension_hint = all_bytes();
      const auto r = jsacct::validate_jetstream_options(o);
      CHECK(r.has_value() == (port == 0));  // the hint (every byte) is refused whenever the cluster rules run
    }
  }
}

TEST_CASE("resources_exceeded_error: an injected clock jumping between its extremes (no overflow)") {
  using tp = std::chrono::steady_clock::time_point;
  tp now = tp::min();
  std::vector<std::string> alerts;
  jsacct::server_setup st;
  st.clock = [&now] { return now; };
  st.on_event = [&alerts](const jsacct::server_event& e) { alerts.push_back(e.text); };
  jsacct::jetstream_server s(st);
  CHECK(s.resources_exceeded_error(jsacct::storage_type::memory));  // first alert
  now = tp::max();
  CHECK(s.resources_exceeded_error(jsacct::storage_type::file));  // max - min overflowed here before
  now = tp::min();
  CHECK_FALSE(s.resources_exceeded_error(jsacct::storage_type::file));  // the clock went back: throttled
  now = tp::max();
  CHECK_FALSE(s.resources_exceeded_error(jsacct::storage_type::file));  // 0 s later
  CHECK(alerts.size() == 2);
  // Exactly 10 s after an alert near the top of the range: throttled; the next tick would overflow + 10 s.
  jsacct::jetstream_server s2(st);
  now = tp::max() - std::chrono::seconds(10);
  CHECK(s2.resources_exceeded_error(jsacct::storage_type::memory));
  now = tp::max();
  CHECK_FALSE(s2.resources_exceeded_error(jsacct::storage_type::memory));
  // No clock at all: the steady clock.
  jsacct::server_setup no_clock;
  no_clock.clock = nullptr;
  jsacct::jetstream_server s3(no_clock);
  CHECK(s3.resources_exceeded_error(jsacct::storage_type::memory));
}
