// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#tier-names tier naming, docs/semantics.md#version-differences (2.9.10 differences),
// docs/semantics.md#tier-names (6e9d05988).
#include "core_helpers.hpp"

using namespace jsacct;
using namespace coretest;

TEST_CASE("docs/semantics.md#tier-names tierName: R<n> with replicas 0 mapped to R1 (main)") {
  CHECK(tier_name_of(0) == std::string_view("R1"));
  CHECK(tier_name_of(1) == std::string_view("R1"));
  CHECK(tier_name_of(3) == std::string_view("R3"));
  CHECK(tier_name_of(5) == std::string_view("R5"));
  // only 0 is mapped; negative counts print as is
  CHECK(tier_name_of(-1) == std::string_view("R-1"));
  CHECK(tier_name_of(10) == std::string_view("R10"));
}

TEST_CASE("docs/semantics.md#tier-names tierName: int64 extremes print in full (no truncation, no allocation)") {
  CHECK(tier_name_of(MaxInt64) == std::string_view("R9223372036854775807"));
  CHECK(tier_name_of(MinInt64) == std::string_view("R-9223372036854775808"));
  CHECK(tier_name_of_v29(MinInt64).str() == "R-9223372036854775808");
}

TEST_CASE("docs/semantics.md#tier-names, docs/semantics.md#version-differences tierName 2.9.10: no 0 -> 1 mapping (R0)") {
  CHECK(tier_name_of_v29(0) == std::string_view("R0"));
  CHECK(tier_name_of_v29(1) == std::string_view("R1"));
  CHECK(tier_name_of_v29(3) == std::string_view("R3"));
  CHECK(tier_name_of_v29(-1) == std::string_view("R-1"));
}

TEST_CASE("docs/semantics.md#tier-names isSameTier: max(1,a) == max(1,b); asymmetry with tierName for negatives") {
  CHECK(is_same_tier(1, 1));
  CHECK(is_same_tier(0, 1));
  CHECK(is_same_tier(1, 0));
  CHECK(is_same_tier(3, 3));
  CHECK_FALSE(is_same_tier(1, 3));
  CHECK_FALSE(is_same_tier(3, 1));
  // spec: isSameTier(-1, 1) is true although the names differ
  CHECK(is_same_tier(-1, 1));
  CHECK(tier_name_of(-1) != tier_name_of(1));
  static_assert(is_same_tier(0, 1));
}

TEST_CASE("docs/semantics.md#version-differences isSameTier 2.9.10: exact equality") {
  CHECK(is_same_tier_v29(3, 3));
  CHECK_FALSE(is_same_tier_v29(0, 1));
  CHECK_FALSE(is_same_tier_v29(-1, 1));
  static_assert(!is_same_tier_v29(0, 1));
}

TEST_CASE("docs/semantics.md#tier-names replica tier selectors map stream configs") {
  const replica_tiers main_sel;
  const replica_tiers_v29 v29_sel;
  CHECK(std::string_view(main_sel.tier_of(file("a", -1, 0))) == "R1");
  CHECK(std::string_view(v29_sel.tier_of(file("a", -1, 0))) == "R0");
  CHECK(std::string_view(main_sel.tier_of(file("a", -1, 3))) == "R3");
  CHECK(std::string_view(v29_sel.tier_of(file("a", -1, 3))) == "R3");
  static_assert(tier_selector<replica_tiers>);
  static_assert(tier_selector<replica_tiers_v29>);
}

TEST_CASE("tier_name: inline value type, truncates at capacity") {
  constexpr tier_name t("R3");
  static_assert(t.view() == "R3");
  static_assert(t == std::string_view("R3"));
  constexpr tier_name empty;
  static_assert(empty.view().empty());
  const std::string long_name(40, 'x');
  const tier_name tl(long_name);
  CHECK(tl.view().size() == tier_name::capacity);
  CHECK(tl.view() == std::string_view(long_name).substr(0, tier_name::capacity));
  CHECK(tier_name("R1") == tier_name_of(0));
}

TEST_CASE("docs/semantics.md#tier-names 6e9d05988: tiered {R1}, create without num_replicas -> main OK, 2.9.10 10120") {
  const limits_map tiers{{"R1", lim(-1, -1)}};
  {
    engine eng(server(GiB, GiB));
    auto acc = enable(eng, "A", tiers);
    auto r = acc.create_stream(file("S", -1, 0));
    REQUIRE(r.ok());
    CHECK(r->config().replicas == 1);  // normalized 0 -> 1 (docs/semantics.md#stream-create step 3)
    CHECK(r->tier().name() == "R1");
  }
  {
    engine_v29 eng(server(GiB, GiB));
    auto acc = enable(eng, "A", tiers);
    auto r = acc.create_stream(file("S", -1, 0));
    CHECK(err(r) == errc::no_limits);
    CHECK(acc.num_streams() == 0);
  }
}
