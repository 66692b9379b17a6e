// SPDX-License-Identifier: Apache-2.0
// Snapshot views (jsacct/engine/views.hpp): basic_engine::accounts(),
// account_handle::tiers() and streams(). Each is one snapshot, owned by the
// view, independent of later engine changes, and composes with std::ranges
// and range-v3.
#include <algorithm>
#include <concepts>
#include <cstdint>
#include <ranges>
#include <string>
#include <vector>

#include <range/v3/numeric/accumulate.hpp>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/transform.hpp>

#include "core_helpers.hpp"
#include "jsacct/observe/prometheus.hpp"

using namespace jsacct;
using namespace coretest;

namespace {

template <class E>
std::vector<std::string> account_names(const E& eng) {
  return eng.accounts() | ranges::views::transform([](const typename E::account& a) { return a.name(); }) |
         ranges::to<std::vector>();
}

std::vector<std::string> stream_names(const snapshot_view<stream_snapshot>& v) {
  return v | ranges::views::transform(&stream_snapshot::name) | ranges::to<std::vector>();
}

std::vector<std::string> tier_names(const snapshot_view<tier_snapshot>& v) {
  return v | ranges::views::transform(&tier_snapshot::name) | ranges::to<std::vector>();
}

limits_map tiered_r1_r3(const account_limits& l) { return {{"R1", l}, {"R3", l}}; }

}  // namespace

TEST_CASE("snapshot_view: a view and a contiguous sized range in std::ranges and range-v3, not borrowed") {
  using V = snapshot_view<engine::account>;
  static_assert(std::ranges::view<V> && std::ranges::contiguous_range<V> && std::ranges::sized_range<V>);
  static_assert(std::ranges::common_range<V> && std::ranges::viewable_range<V>);
  static_assert(!std::ranges::borrowed_range<V>);
  static_assert(std::same_as<std::ranges::range_reference_t<const V>, engine::account&>);
  static_assert(ranges::view_<V> && ranges::contiguous_range<V> && ranges::sized_range<V>);
  static_assert(!ranges::borrowed_range<V>);
  // An algorithm on a temporary snapshot returns dangling: its storage dies with the view.
  engine eng(server(GiB, GiB));
  static_assert(std::same_as<decltype(std::ranges::find_if(eng.accounts(), [](const engine::account&) { return true; })),
                             std::ranges::dangling>);
  const V none;
  CHECK(none.empty());
  CHECK(none.size() == 0);
  CHECK(none.begin() == none.end());
  CHECK(std::ranges::distance(none) == 0);
}

TEST_CASE_TEMPLATE("accounts(): empty engine, one account, many accounts in name order", E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  CHECK(eng.accounts().empty());
  CHECK(std::ranges::distance(eng.accounts()) == 0);
  enable(eng, "ONE", untiered(lim(-1, -1)));
  const auto one = eng.accounts();
  REQUIRE(one.size() == 1);
  CHECK(one[0].name() == "ONE");
  CHECK(one[0].enabled());
  // Enabled out of order; listed sorted by name (byte-wise: upper case first).
  std::vector<std::string> names{"b", "ONE", "a", "Z", "A1", "A"};
  for (const auto& n : names)
    if (n != "ONE") enable(eng, n, untiered(lim(-1, -1)));
  std::ranges::sort(names);
  CHECK(account_names(eng) == names);
  CHECK(eng.accounts().size() == eng.num_accounts());
  // The handles are the engine's accounts: operating through one changes the account.
  for (auto& a : eng.accounts())
    if (a.name() == "Z") a.track_api();
  CHECK(eng.find_account("Z").usage().api.total == 1);
  CHECK(eng.find_account("a").usage().api.total == 0);
}

TEST_CASE("accounts(): a snapshot; later enables and disables show in the next one, the old handles see the disable") {
  engine eng(server(GiB, GiB));
  enable(eng, "A", untiered(lim(-1, -1)));
  enable(eng, "B", untiered(lim(-1, -1)));
  const auto before = eng.accounts();
  enable(eng, "C", untiered(lim(-1, -1)));
  REQUIRE(eng.disable_account("A"));
  REQUIRE(before.size() == 2);
  CHECK(before[0].name() == "A");
  CHECK_FALSE(before[0].enabled());
  CHECK(before[1].enabled());
  CHECK(account_names(eng) == std::vector<std::string>{"B", "C"});
}

TEST_CASE("accounts(): a snapshot outlives its engine (handles then report disabled)") {
  snapshot_view<engine::account> kept;
  {
    engine eng(server(GiB, GiB));
    enable(eng, "A", untiered(lim(-1, -1)));
    enable(eng, "B", untiered(lim(-1, -1)));
    kept = eng.accounts();
  }
  REQUIRE(kept.size() == 2);
  CHECK(kept[1].name() == "B");
  CHECK(std::ranges::none_of(kept, [](const engine::account& a) { return a.enabled(); }));
  auto s = kept[0].create_stream(file("S"));
  REQUIRE_FALSE(s);
  CHECK(s.error().id() == errc::not_enabled_for_account);
}

TEST_CASE_TEMPLATE("tiers(): an untiered account is one tier \"\" holding the account totals", E, engine, engine_v29,
                   plain_engine) {
  E eng(server(GiB, GiB));
  const account_limits l = lim(500, 1000, 2, 3);
  auto acc = enable(eng, "A", untiered(l));
  auto s = create(acc, file("S", 700));
  s.add_usage(36);
  const auto tiers = acc.tiers();
  REQUIRE(tiers.size() == 1);
  CHECK(tiers[0].untiered());
  CHECK(tiers[0].name.empty());
  const account_stats u = acc.usage();
  CHECK(tiers[0].stats == static_cast<const tier_stats&>(u));
  CHECK(tiers[0].stats.store == 36);
  CHECK(tiers[0].stats.streams == 1);
  CHECK(tiers[0].stats.limits == l);
}

TEST_CASE_TEMPLATE("tiers(): a tiered account lists the tiers of usage() by name", E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  const account_limits l = lim(GiB, GiB);
  auto acc = enable(eng, "A", tiered_r1_r3(l));
  auto s1 = create(acc, file("S1", 100));
  auto s3 = create(acc, file("S3", 200, 3));
  s1.add_usage(10);
  s3.add_usage(30);
  const auto tiers = acc.tiers();
  CHECK(tier_names(tiers) == std::vector<std::string>{"R1", "R3"});
  const account_stats u = acc.usage();
  REQUIRE(tiers.size() == u.tiers.size());
  for (const auto& t : tiers) {
    CHECK_FALSE(t.untiered());
    CHECK(t.stats == u.tiers.at(t.name));
  }
  CHECK(tiers[0].stats.store == 10);
  CHECK(tiers[1].stats.store == 30);
  CHECK(tiers[1].stats.streams == 1);
  // A snapshot: later usage is not in it.
  s1.add_usage(5);
  CHECK(tiers[0].stats.store == 10);
  CHECK(acc.tiers()[0].stats.store == 15);
}

TEST_CASE("tiers(): a limits change from untiered to tiered shows in the next snapshot (main moves the usage)") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", untiered(lim(GiB, GiB)));
  auto s = create(acc, file("S", 100, 3));
  s.add_usage(300);
  const auto before = acc.tiers();
  REQUIRE(eng.update_account_limits("A", tiered_r1_r3(lim(GiB, GiB))));
  const auto after = acc.tiers();
  CHECK(tier_names(before) == std::vector<std::string>{""});
  CHECK(tier_names(after) == std::vector<std::string>{"R1", "R3"});
  CHECK(after[1].stats.store == 300);
  CHECK(after[0].stats.store == 0);
  CHECK(acc.streams()[0].tier == "R3");
}

TEST_CASE("account_tiers(account_stats): no tiers -> one entry \"\" with the account fields; else each tier") {
  account_stats s;
  s.store = 7;
  s.limits.max_store = 9;
  auto one = account_tiers(s);
  REQUIRE(one.size() == 1);
  CHECK(one[0].name.empty());
  CHECK(one[0].stats == static_cast<const tier_stats&>(s));
  s.tiers["R3"].store = 3;
  s.tiers["R1"].store = 1;
  auto two = account_tiers(s);
  CHECK(tier_names(two) == std::vector<std::string>{"R1", "R3"});
  CHECK(two[0].stats == s.tiers.at("R1"));
  CHECK(two[1].stats == s.tiers.at("R3"));
}

TEST_CASE_TEMPLATE("streams(): the normalized accounting fields, sorted by name", E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A", untiered(lim(GiB, GiB)));
  CHECK(acc.streams().empty());
  stream_config raw = file("b", 0, 0);  // max_bytes 0 -> -1, replicas 0 -> 1, storage unset -> file
  raw.storage = storage_type::unset;
  auto b = create(acc, raw);
  auto a = create(acc, mem("a", 4096));
  auto c = create(acc, file("C", 1));  // exactly one byte reserved
  a.add_usage(100);
  REQUIRE(a.add_consumer({}));
  REQUIRE(a.add_consumer({}));
  const auto v = acc.streams();
  CHECK(stream_names(v) == std::vector<std::string>{"C", "a", "b"});
  CHECK(std::ranges::distance(v) == acc.num_streams());
  stream_snapshot want_a;
  want_a.name = "a";
  want_a.storage = storage_type::memory;
  want_a.replicas = 1;
  want_a.max_bytes = 4096;
  want_a.reserved = 4096;
  want_a.used = 100;
  want_a.tier = "";
  want_a.consumers = 2;
  CHECK(v[1] == want_a);
  CHECK(v[2].storage == storage_type::file);
  CHECK(v[2].replicas == 1);
  CHECK(v[2].max_bytes == -1);
  CHECK(v[2].reserved == 0);  // unlimited: nothing reserved
  CHECK(v[2].used == 0);
  CHECK(v[0].max_bytes == 1);
  CHECK(v[0].reserved == 1);
  // The reserved column adds up to the server's reservations.
  const auto reserved = [](const snapshot_view<stream_snapshot>& s, storage_type t) {
    return ranges::accumulate(s | ranges::views::filter([t](const stream_snapshot& x) { return x.storage == t; }) |
                                  ranges::views::transform(&stream_snapshot::reserved),
                              std::int64_t{0});
  };
  CHECK(reserved(v, storage_type::memory) == eng.reserved().mem);
  CHECK(reserved(v, storage_type::file) == eng.reserved().store);
}

TEST_CASE("streams(): created and deleted between snapshots; an old snapshot keeps its streams") {
  engine eng(server(GiB, GiB));
  auto acc = enable(eng, "A", untiered(lim(GiB, GiB)));
  auto s1 = create(acc, file("S1", 10));
  const auto first = acc.streams();
  auto s2 = create(acc, file("S2", 20));
  s1.reset();  // deletes S1
  const auto second = acc.streams();
  CHECK(stream_names(first) == std::vector<std::string>{"S1"});
  CHECK(stream_names(second) == std::vector<std::string>{"S2"});
  const std::string kept = s2.release();
  CHECK(stream_names(acc.streams()) == std::vector<std::string>{"S2"});  // released: still in the engine
  REQUIRE(acc.delete_stream(kept));
  CHECK(acc.streams().empty());
  CHECK(first[0].reserved == 10);  // the old snapshot is unchanged
}

TEST_CASE("streams(): int64 extremes and negative usage are reported as recorded") {
  engine eng(server(MaxInt64, MaxInt64));
  auto acc = enable(eng, "A", untiered(lim(-1, -1)));
  auto big = create(acc, file("BIG", MaxInt64));
  auto neg = create(acc, mem("NEG"));
  neg.add_usage(-5);  // drift: recorded as is (main schedules a repair)
  big.add_usage(MaxInt64);
  const auto v = acc.streams();
  REQUIRE(v.size() == 2);
  CHECK(v[0].max_bytes == MaxInt64);
  CHECK(v[0].reserved == MaxInt64);
  CHECK(v[0].used == MaxInt64);
  CHECK(v[1].used == -5);
  CHECK(v[1].reserved == 0);
}

TEST_CASE("streams(): a tiered account names each stream's tier; replicas 0 counts as R1") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", tiered_r1_r3(lim(GiB, GiB)));
  auto s0 = create(acc, file("S0", 100, 0));
  auto s3 = create(acc, mem("S3", 100, 3));
  const auto v = acc.streams();
  REQUIRE(v.size() == 2);
  CHECK(v[0].tier == "R1");
  CHECK(v[0].replicas == 1);
  CHECK(v[1].tier == "R3");
  CHECK(v[1].replicas == 3);
  CHECK(v[1].reserved == 100);  // single replica: this server's reservation
}

TEST_CASE("composition: std::ranges algorithms and range-v3 pipelines over the views") {
  engine eng(server(GiB, GiB));
  for (const char* n : {"D", "A", "C", "B"}) enable(eng, n, untiered(lim(-1, -1)));
  auto b = eng.find_account("B");
  auto sb = create(b, file("S", 100));
  sb.add_usage(40);
  auto c = eng.find_account("C");
  auto sc = create(c, file("S", 100));
  sc.add_usage(2);
  const auto accts = eng.accounts();
  CHECK(std::ranges::distance(accts) == 4);
  CHECK(std::ranges::count_if(accts, [](const engine::account& a) { return a.num_streams() > 0; }) == 2);
  const auto it = std::ranges::find_if(accts, [](const engine::account& a) { return a.name() == "C"; });
  REQUIRE(it != accts.end());
  CHECK(it - accts.begin() == 2);
  // range-v3: accounts with streams, and the bytes their streams hold.
  const auto stored =
      eng.accounts() | ranges::views::filter([](const engine::account& a) { return a.num_streams() > 0; }) |
      ranges::views::transform([](const engine::account& a) {
        return ranges::accumulate(a.streams() | ranges::views::transform(&stream_snapshot::used), std::int64_t{0});
      }) |
      ranges::to<std::vector>();
  CHECK(stored == std::vector<std::int64_t>{40, 2});
  // The Prometheus input in one pipeline.
  const auto named = eng.accounts() | ranges::views::transform([](const engine::account& a) {
                       return named_account_stats{a.name(), a.usage()};
                     }) |
                     ranges::to<std::vector>();
  REQUIRE(named.size() == 4);
  CHECK(named[1].first == "B");
  CHECK(named[1].second.store == 40);
}

// clang 14 rejects libstdc++ 12's std::views adaptors (see usage_update_ranges_test.cpp):
// the std::views pipelines are compiled by g++ (and newer clang) only.
#if !defined(__clang__) || __clang_major__ >= 15 || defined(_LIBCPP_VERSION)
TEST_CASE("composition: std::views adaptors over the views (g++, clang >= 15)") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  for (const char* n : {"T", "U"}) enable(eng, n, n[0] == 'T' ? tiered_r1_r3(lim(GiB, GiB)) : untiered(lim(GiB, GiB)));
  auto tiered = eng.accounts() | std::views::filter([](const engine::account& a) { return a.tiers().size() > 1; });
  REQUIRE(std::ranges::distance(tiered) == 1);
  CHECK((*tiered.begin()).name() == "T");
  auto t = eng.find_account("T");
  auto s1 = create(t, file("S1", 10));
  auto s3 = create(t, file("S3", 30, 3));
  std::vector<std::string> r3;
  for (const auto& s : t.streams() | std::views::filter([](const stream_snapshot& x) { return x.tier == "R3"; }) |
                           std::views::transform(&stream_snapshot::name))
    r3.push_back(s);
  CHECK(r3 == std::vector<std::string>{"S3"});
  // std::views over a range-v3 pipeline's result and the other way round.
  auto names = t.tiers() | std::views::transform(&tier_snapshot::name);
  CHECK((names | ranges::to<std::vector<std::string>>()) == std::vector<std::string>{"R1", "R3"});
}
#endif
