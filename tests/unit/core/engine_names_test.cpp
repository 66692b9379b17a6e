// SPDX-License-Identifier: Apache-2.0
// Names at the engine boundary (docs/semantics.md#name-validation): create_stream
// and enable_account refuse bad names with nats-server's codes and texts, in
// the main and the 2.9.10 engine, and nothing is reserved or registered.
#include <doctest/doctest.h>

#include <string>

#include "core_helpers.hpp"
#include "jsacct/jsacct.hpp"

using namespace jsacct;
using namespace coretest;

namespace {
template <class E>
constexpr bool is_v29 = !E::checker::check_before_store;

// main: isValidAssetName's text; 2.9.10: isValidName's shorter one.
template <class E>
std::string invalid_text() {
  return is_v29<E> ? "stream name is required and can not contain '.', '*', '>' (10052)"
                   : "stream name is required and can not contain '.', '*', '>', '\\', '/' (10052)";
}
}  // namespace

TEST_CASE_TEMPLATE("create_stream refuses bad stream names with nats-server's codes and texts", E, engine, engine_v29,
                   plain_engine) {
  E js(server(GiB, GiB));
  auto a = js.enable_account("A", limits_map{{"", account_limits{.max_memory = GiB, .max_store = GiB}}}).value();
  for (const char* bad : {"a/b", "a\\b", "/", "a/b c"}) {
    CAPTURE(bad);
    auto r = a.create_stream(stream_config{.name = bad, .max_bytes = 1000});
    CHECK(r.error() == errc::stream_name_path_separators);
    CHECK(r.error().text() == "Stream name can not contain path separators (10128)");
  }
  for (const char* bad : {"", "a b", "a\tb", "a\nb", "a.b", "a*", "a>", ".", "*", ">"}) {
    CAPTURE(bad);
    auto r = a.create_stream(stream_config{.name = bad, .max_bytes = 1000});
    CHECK(r.error() == errc::stream_invalid_config);
    CHECK(r.error().text() == invalid_text<E>());
  }
  const std::string longest(max_name_length, 'S');
  const std::string too_long(max_name_length + 1, 'S');
  auto r = a.create_stream(stream_config{.name = too_long, .max_bytes = 1000});
  CHECK(r.error() == errc::stream_invalid_config);
  CHECK(r.error().text() == "stream name is too long, maximum allowed is 255 (10052)");
  // Nothing was reserved or registered by the refusals.
  CHECK(a.num_streams() == 0);
  CHECK(js.reserved() == mem_store{0, 0});
  // Exactly 255 bytes is accepted and reserves its MaxBytes.
  auto ok = a.create_stream(stream_config{.name = longest, .max_bytes = 1000});
  REQUIRE(ok.has_value());
  CHECK(ok->config().name.size() == 255);
  CHECK(js.reserved() == mem_store{0, 1000});
}

TEST_CASE_TEMPLATE("create_stream: the name is checked after 10039 and before every other check", E, engine, engine_v29) {
  E js(server(GiB, GiB));
  auto a = js.enable_account("A", limits_map{{"", zero_account_limits}}).value();
  // A bad name and negative replicas: the name wins (checkStreamCfg checks the name first).
  CHECK(a.create_stream(stream_config{.name = "a.b", .replicas = -1}).error() == errc::stream_invalid_config);
  // A bad name and no room in the account: the name wins.
  CHECK(a.create_stream(stream_config{.name = "a/b", .max_bytes = GiB}).error() == errc::stream_name_path_separators);
  REQUIRE(js.disable_account("A").has_value());
  CHECK(a.create_stream(stream_config{.name = "a.b"}).error() == errc::not_enabled_for_account);
}

TEST_CASE_TEMPLATE("enable_account refuses bad account names with 10051", E, engine, engine_v29, plain_engine) {
  E js(server(GiB, GiB));
  for (const char* bad : {"a/b", "a\\b"}) {
    CAPTURE(bad);
    auto r = js.enable_account(bad);
    CHECK(r.error() == errc::stream_general);
    CHECK(r.error().text() == "account name can not contain path separators (10051)");
  }
  for (const std::string& bad : {std::string(), std::string("a b"), std::string("a.b"), std::string("a*"), std::string("a>"),
                                 std::string("a\tb"), std::string("a\0b", 3)}) {
    CAPTURE(bad);
    auto r = js.enable_account(bad);
    CHECK(r.error() == errc::stream_general);
    CHECK(r.error().text() == "account name is required and can not contain whitespace, '.', '*', '>' or NUL (10051)");
  }
  auto r = js.enable_account(std::string(max_name_length + 1, 'A'));
  CHECK(r.error() == errc::stream_general);
  CHECK(r.error().text() == "account name is too long, maximum allowed is 255 (10051)");
  CHECK(js.num_accounts() == 0);
  CHECK(js.enable_account(std::string(max_name_length, 'A')).has_value());
  CHECK(js.enable_account("$G").has_value());
  CHECK(js.num_accounts() == 2);
}
