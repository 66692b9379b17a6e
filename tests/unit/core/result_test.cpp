// SPDX-License-Identifier: Apache-2.0
// result<T> / result<void>: a sum type (no T on error), bad_result_access on
// value access of an error, the std::expected-style members, and the
// std::error_condition mapping of the error category.
#include "core_helpers.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>

using namespace jsacct;
using namespace coretest;

namespace {
/// Counts constructions; not default-constructible.
struct tracked {
  static inline int made = 0;
  explicit tracked(int x) : v(x) { ++made; }
  tracked(const tracked& o) : v(o.v) { ++made; }
  tracked(tracked&& o) noexcept : v(o.v) { ++made; }
  tracked& operator=(const tracked&) = default;
  tracked& operator=(tracked&&) = default;
  ~tracked() = default;
  int v;
};
static_assert(!std::is_default_constructible_v<tracked>);

result<tracked> make(bool ok) {
  if (ok) return tracked(7);
  return errc::storage_resources_exceeded;
}
}  // namespace

TEST_CASE("result<T> holds a value or an error, never both; T need not be default-constructible") {
  tracked::made = 0;
  auto bad = make(false);
  CHECK(tracked::made == 0);  // the old result always built a T
  CHECK_FALSE(bad.has_value());
  CHECK_FALSE(bad.ok());
  CHECK_FALSE(static_cast<bool>(bad));
  CHECK(bad.error() == errc::storage_resources_exceeded);

  auto good = make(true);
  CHECK(good.has_value());
  CHECK(good.value().v == 7);
  CHECK((*good).v == 7);
  CHECK(good->v == 7);
  CHECK_FALSE(good.error());  // an empty api_error
  CHECK(good.error().text().empty());

  // Move-only values work.
  result<std::unique_ptr<int>> p = std::make_unique<int>(3);
  CHECK(**p == 3);
  std::unique_ptr<int> taken = std::move(p).value();
  CHECK(*taken == 3);
}

TEST_CASE("value(), operator* and operator-> of an error throw bad_result_access with the full text") {
  auto bad = make(false);
  CHECK_THROWS_AS((void)bad.value(), bad_result_access);
  CHECK_THROWS_AS((void)*bad, bad_result_access);
  CHECK_THROWS_AS((void)bad->v, bad_result_access);
  CHECK_THROWS_AS((void)std::move(bad).value(), bad_result_access);
  const auto& cbad = bad;
  CHECK_THROWS_AS((void)cbad.value(), bad_result_access);
  try {
    (void)bad.value();
    FAIL("no exception");
  } catch (const std::exception& e) {  // catchable as std::exception
    CHECK(std::string(e.what()) == "insufficient storage resources available (10047)");
    const auto* b = dynamic_cast<const bad_result_access*>(&e);
    REQUIRE(b != nullptr);
    CHECK(b->error() == errc::storage_resources_exceeded);
    const bad_result_access copy = *b;  // copies share the error, never throw
    CHECK(std::string(copy.what()) == e.what());
  }
  // A templated error keeps its substituted text.
  result<int> t = api_error(errc::stream_invalid_config, "maximum replicas is 5");
  CHECK_THROWS_WITH((void)t.value(), "maximum replicas is 5 (10052)");
  // result<void>
  result<void> v = errc::memory_resources_exceeded;
  CHECK_THROWS_WITH(v.value(), "insufficient memory resources available (10028)");
  result<void> fine;
  CHECK_NOTHROW(fine.value());
  // A plain (non-API) error: the text alone.
  result<int> pl = api_error::plain("jetstream already enabled");
  CHECK_THROWS_WITH((void)pl.value(), "jetstream already enabled");
}

TEST_CASE("The README's failure: value() on a refused create throws instead of handing back an empty handle") {
  engine js(server(1 * MiB, 1 * MiB));
  auto a = enable(js, "A", untiered(lim(-1, 100 * KiB)));
  auto r = a.create_stream(file("ORDERS", 512 * KiB));
  REQUIRE_FALSE(r);
  try {
    auto s = std::move(r).value();
    FAIL("no exception");
  } catch (const bad_result_access& e) {
    CHECK(std::string(e.what()).find("insufficient storage resources available") != std::string::npos);
    CHECK(e.error().id() == errc::storage_resources_exceeded);
  }
}

TEST_CASE("value_or, and_then, transform, or_else") {
  tracked::made = 0;
  CHECK(make(false).value_or(tracked(9)).v == 9);
  CHECK(make(true).value_or(tracked(9)).v == 7);
  result<int> i = 4;
  CHECK(i.value_or(1) == 4);
  result<int> ie = errc::no_limits;
  CHECK(ie.value_or(1) == 1);

  // and_then: chains a call returning a result; an error short-circuits.
  int calls = 0;
  auto twice = [&](int x) -> result<int> {
    ++calls;
    return x * 2;
  };
  CHECK(i.and_then(twice).value() == 8);
  auto short_circuit = ie.and_then(twice);
  CHECK(calls == 1);
  CHECK(short_circuit.error() == errc::no_limits);
  auto refuse = [](int) -> result<std::string> { return errc::maximum_streams_limit; };
  CHECK(i.and_then(refuse).error() == errc::maximum_streams_limit);

  // transform: maps the value; the type may change, to void too.
  result<std::string> s = i.transform([](int x) { return std::to_string(x); });
  CHECK(s.value() == "4");
  CHECK(ie.transform([](int x) { return x + 1; }).error() == errc::no_limits);
  int seen = 0;
  result<void> rv = i.transform([&](int x) { seen = x; });
  CHECK(rv.has_value());
  CHECK(seen == 4);
  // rvalue transform moves the value.
  result<std::unique_ptr<int>> up = std::make_unique<int>(5);
  auto moved = std::move(up).transform([](std::unique_ptr<int> p) { return *p + 1; });
  CHECK(moved.value() == 6);

  // or_else: recovers from an error.
  auto recovered = ie.or_else([](const api_error& e) -> result<int> { return e.err_code(); });
  CHECK(recovered.value() == 10120);
  CHECK(i.or_else([](const api_error&) -> result<int> { return 0; }).value() == 4);

  // result<void>
  result<void> ok;
  result<void> err = errc::not_enabled_for_account;
  CHECK(ok.and_then([] { return result<int>(1); }).value() == 1);
  CHECK(err.and_then([] { return result<int>(1); }).error() == errc::not_enabled_for_account);
  CHECK(ok.transform([] { return 3; }).value() == 3);
  CHECK(err.transform([] { return 3; }).error() == errc::not_enabled_for_account);
  CHECK(err.or_else([](const api_error&) { return result<void>(); }).has_value());
  CHECK(ok.or_else([](const api_error&) { return result<void>(errc::no_limits); }).has_value());
}

TEST_CASE("result<void>: success, error, and an empty api_error is success") {
  result<void> a;
  CHECK(a.has_value());
  CHECK(a.ok());
  CHECK_FALSE(a.error());
  result<void> b = errc::stream_not_found;
  CHECK_FALSE(b.has_value());
  CHECK(b.error().text() == "stream not found (10059)");
  result<void> c = api_error{};
  CHECK(c.has_value());
  result<void> d = api_error::plain("jetstream account not registered");
  CHECK_FALSE(d.has_value());
}

TEST_CASE("error category: standard conditions where the meaning matches") {
  using std::errc;
  CHECK(make_error_code(jsacct::errc::storage_resources_exceeded) == errc::no_space_on_device);
  CHECK(make_error_code(jsacct::errc::memory_resources_exceeded) == errc::no_space_on_device);
  CHECK(make_error_code(jsacct::errc::insufficient_resources) == errc::no_space_on_device);
  CHECK(api_error(jsacct::errc::storage_resources_exceeded).error_code() == errc::no_space_on_device);
  CHECK(std::error_code(jsacct::errc::storage_resources_exceeded) == errc::no_space_on_device);  // is_error_code_enum
  for (auto e : {jsacct::errc::invalid_json, jsacct::errc::stream_invalid_config, jsacct::errc::consumer_name_path_separators,
                 jsacct::errc::stream_name_path_separators, jsacct::errc::replicas_count_negative}) {
    INFO(static_cast<int>(e));
    CHECK(make_error_code(e) == errc::invalid_argument);
    CHECK(make_error_code(e) != errc::no_space_on_device);
  }
  CHECK(make_error_code(jsacct::errc::stream_name_exist) == errc::file_exists);
  CHECK(make_error_code(jsacct::errc::stream_name_exist_restore_failed) == errc::file_exists);
  CHECK(make_error_code(jsacct::errc::cluster_not_avail) == errc::resource_unavailable_try_again);
  CHECK(make_error_code(jsacct::errc::limit_change_refused) == errc::device_or_resource_busy);
  CHECK(api_error(jsacct::errc::limit_change_refused, "x").error_code() == errc::device_or_resource_busy);
  CHECK(make_error_code(jsacct::errc::limit_change_refused) != errc::no_space_on_device);
  // No standard counterpart: the condition stays in the jsacct category.
  for (auto e : {jsacct::errc::account_resources_exceeded, jsacct::errc::no_limits, jsacct::errc::stream_not_found,
                 jsacct::errc::maximum_streams_limit, jsacct::errc::not_enabled_for_account}) {
    INFO(static_cast<int>(e));
    const auto cond = make_error_code(e).default_error_condition();
    CHECK(&cond.category() == &jsacct::error_category());
    CHECK(cond.value() == static_cast<int>(e));
    CHECK(make_error_code(e) != errc::no_space_on_device);
    CHECK(make_error_code(e) != errc::invalid_argument);
  }
  CHECK(jsacct::error_category().default_error_condition(-1).value() == -1);  // out of range: itself
  CHECK(std::string(jsacct::error_category().name()) == "jsacct");
}
