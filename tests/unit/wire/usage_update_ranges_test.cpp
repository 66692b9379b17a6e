// SPDX-License-Identifier: Apache-2.0
// A decoded $JSC.ARU message as a lazy range of records: a view and a borrowed
// range for range-v3 and for std::ranges, composing with either library's adaptors.
#include <doctest/doctest.h>

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <ranges>
#include <string>
#include <string_view>
#include <vector>

#include <range/v3/algorithm/find.hpp>
#include <range/v3/numeric/accumulate.hpp>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/take.hpp>
#include <range/v3/view/transform.hpp>

#include "jsacct/wire/usage_update.hpp"

using namespace jsacct;

namespace {

/// The R1/R3 worked example plus an untiered and an empty-usage tier, as sent.
std::string sample_message() {
  const std::vector<usage_record> tiers{{"R1", 0, 1000}, {"R3", 10, 0}, {"", 5, 7}, {"R5", 0, 0}};
  std::string m;
  encode_usage_update(7, 2, tiers, m);
  return m;
}

bool stores(usage_record r) { return r.store != 0; }
// Records are yielded by value: project with a function returning by value. (A
// member pointer, `transform(&usage_record::name)`, would return a reference
// into a temporary record.)
std::string_view name_of(usage_record r) { return r.name; }

}  // namespace

TEST_CASE("usage_update_view models view and borrowed_range in both range libraries") {
  static_assert(std::ranges::view<usage_update_view>);
  static_assert(std::ranges::forward_range<usage_update_view>);
  static_assert(std::ranges::common_range<usage_update_view>);
  static_assert(std::ranges::borrowed_range<usage_update_view>);
  static_assert(std::same_as<std::ranges::range_value_t<usage_update_view>, usage_record>);
  static_assert(ranges::view_<usage_update_view>);
  static_assert(ranges::forward_range<usage_update_view>);
  static_assert(ranges::common_range<usage_update_view>);
  static_assert(ranges::borrowed_range<usage_update_view>);
  static_assert(std::same_as<ranges::range_value_t<usage_update_view>, usage_record>);
  CHECK(std::ranges::distance(decode_usage_update(sample_message())) == 4);
  CHECK(ranges::distance(decode_usage_update(sample_message())) == 4);
}

TEST_CASE("range-v3 adaptors over the records") {
  const std::string m = sample_message();
  const auto v = decode_usage_update(m);
  const auto names =
      v | ranges::views::filter(stores) | ranges::views::transform(name_of) | ranges::to<std::vector<std::string_view>>();
  CHECK(names == std::vector<std::string_view>{"R1", ""});
  const auto total = ranges::accumulate(v | ranges::views::transform([](usage_record r) { return r.store; }), std::int64_t{0});
  CHECK(total == 1007);
  CHECK((v | ranges::views::take(2) | ranges::to<std::vector<usage_record>>()) ==
        std::vector<usage_record>{{"R1", 0, 1000}, {"R3", 10, 0}});
  // A borrowed range: an algorithm on a temporary view returns a usable iterator.
  const auto it = ranges::find(decode_usage_update(m), std::string_view("R3"), name_of);
  static_assert(!std::same_as<std::remove_const_t<decltype(it)>, ranges::dangling>);
  REQUIRE(it != usage_update_view::iterator{});
  CHECK((*it).mem == 10);
}

// clang 14 rejects libstdc++ 12's std::views adaptors (any of them, over any range; fixed in
// later clang releases), so the std::views pipelines are compiled by g++ (and newer clang) only.
// The std::ranges concepts and algorithms above and below build with both compilers.
#if !defined(__clang__) || __clang_major__ >= 15 || defined(_LIBCPP_VERSION)
#define JSACCT_TEST_STD_VIEWS 1
#endif

TEST_CASE("std::ranges algorithms over the records; a corrupt record ends the range") {
  const std::string m = sample_message();
  const auto it = std::ranges::find(decode_usage_update(m), std::string_view("R5"), name_of);
  static_assert(!std::same_as<std::remove_const_t<decltype(it)>, std::ranges::dangling>);
  CHECK((*it == usage_record{"R5", 0, 0}));
  CHECK(std::ranges::count_if(decode_usage_update(m), stores) == 2);
  std::string bad = m;
  bad[44 + 2 + 16] = static_cast<char>(0x7f);  // the R3 record's name length -> far too long
  const auto v = decode_usage_update(bad);
  CHECK(v.status() == usage_update_status::corrupt_extra_record);
  CHECK(std::ranges::distance(v) == 1);
  CHECK(std::ranges::equal(v | ranges::views::transform(name_of), std::vector<std::string_view>{"R1"}));
}

#ifdef JSACCT_TEST_STD_VIEWS
TEST_CASE("std::views adaptors over the records, and range-v3 into std") {
  const std::string m = sample_message();
  std::vector<std::string_view> names;
  for (std::string_view n : decode_usage_update(m) | std::views::filter(stores) | std::views::transform(name_of))
    names.push_back(n);
  CHECK(names == std::vector<std::string_view>{"R1", ""});
  // range-v3's filter, then std's transform and take.
  std::vector<std::int64_t> mem;
  for (std::int64_t x : decode_usage_update(m) | ranges::views::filter([](usage_record r) { return r.mem != 0; }) |
                            std::views::transform([](usage_record r) { return r.mem; }) | std::views::take(5))
    mem.push_back(x);
  CHECK(mem == std::vector<std::int64_t>{10, 5});
}
#endif
