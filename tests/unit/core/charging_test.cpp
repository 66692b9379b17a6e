// SPDX-License-Identifier: Apache-2.0
// Reservation charging policies (docs/reservation-charging.md): upfront (the
// default, nats-server), on_use and fraction<N>, at every place the engine
// reserves, sums, checks or releases a stream's max_bytes.
#include "core_helpers.hpp"

#include <type_traits>

using namespace jsacct;
using namespace coretest;

namespace {
using upfront_engine = basic_engine<main_limits, replica_tiers, atomic_counters, upfront>;
using on_use_engine = basic_engine<main_limits, replica_tiers, atomic_counters, on_use>;
using half_engine = basic_engine<main_limits, replica_tiers, atomic_counters, fraction<50>>;
using third_engine = basic_engine<main_limits, replica_tiers, plain_counters, fraction<33>>;

using files = std::pair<std::uint64_t, std::uint64_t>;

/// Every sum the engine keeps for `acc` is zero: server reserved, reserved_storage, usage()'s
/// reserved numbers, tiered reservations of a probe in each tier.
template <class E, class A>
void check_all_zero(const E& eng, const A& acc) {
  CHECK(eng.reserved() == mem_store{0, 0});
  CHECK(acc.reserved_storage("") == files{0, 0});
  const auto u = acc.usage();
  CHECK(u.reserved_memory == 0);
  CHECK(u.reserved_store == 0);
  for (const auto& [name, t] : u.tiers) {
    CHECK(t.reserved_memory == 0);
    CHECK(t.reserved_store == 0);
    CHECK(acc.reserved_storage(name) == files{0, 0});
  }
  for (std::int64_t r : {1, 3}) {
    for (storage_type s : {storage_type::file, storage_type::memory}) {
      const auto probe = stream("probe", s, 1, r);
      CHECK(acc.tiered_reservation("", probe) == 0);
      CHECK(acc.tiered_reservation("R" + std::to_string(r), probe) == 0);
    }
  }
}
}  // namespace

// ------------------------------------------------------------------ the policies

TEST_CASE("charging: the default engines keep nats-server's upfront reservation") {
  static_assert(std::is_same_v<engine, upfront_engine>);
  static_assert(std::is_same_v<engine::charging, upfront>);
  static_assert(std::is_same_v<engine_v29::charging, upfront>);
  static_assert(std::is_same_v<plain_engine::charging, upfront>);
  static_assert(std::is_same_v<engine::traits::charging, upfront>);
  static_assert(std::is_same_v<plain_engine, basic_engine<main_limits, replica_tiers, plain_counters, upfront>>);
  CHECK(upfront::name == "upfront");
  CHECK(on_use::name == "on_use");
  CHECK(fraction<50>::name == "fraction50");
  CHECK(fraction<1>::name == "fraction1");
  CHECK(fraction<100>::name == "fraction100");
}

TEST_CASE("charging: what each policy charges for a max_bytes, at the edges") {
  for (std::int64_t mb : {MinInt64, std::int64_t{-5}, std::int64_t{-1}, std::int64_t{0}, std::int64_t{1}, MaxInt64}) {
    CHECK(upfront::charge(mb) == mb);
    CHECK(on_use::charge(mb) == 0);
  }
  // fraction<N>: ceil(mb * N / 100) for mb > 0; mb itself otherwise (nothing reserved, unlimited costs 1 byte at the check).
  CHECK(fraction<50>::charge(-1) == -1);
  CHECK(fraction<50>::charge(0) == 0);
  CHECK(fraction<50>::charge(MinInt64) == MinInt64);
  CHECK(fraction<50>::charge(1) == 1);     // 0.5 rounds up: a positive max_bytes reserves at least 1 byte
  CHECK(fraction<1>::charge(1) == 1);      // 0.01 rounds up
  CHECK(fraction<50>::charge(2) == 1);     // exact
  CHECK(fraction<50>::charge(3) == 2);     // 1.5 rounds up
  CHECK(fraction<33>::charge(100) == 33);  // exact
  CHECK(fraction<33>::charge(101) == 34);  // 33.33 rounds up
  CHECK(fraction<33>::charge(3) == 1);     // 0.99 rounds up
  CHECK(fraction<100>::charge(MaxInt64) == MaxInt64);
  // 128-bit product: (2^63 - 1) * 50 / 100 = 2^62 - 0.5, rounded up to 2^62.
  CHECK(fraction<50>::charge(MaxInt64) == std::int64_t{1} << 62);
  // (2^63 - 1) / 100 = 92233720368547758.07, rounded up.
  CHECK(fraction<1>::charge(MaxInt64) == 92233720368547759);
  CHECK(fraction<99>::charge(MaxInt64) == 9131138316486228049);  // 9131138316486228048.93 rounded up
  // Either side of the switch from 64-bit to 128-bit products: (2^63 - 1 - 99) / 100 = 92233720368547757.
  constexpr std::int64_t last64 = 92233720368547757;
  CHECK(fraction<100>::charge(last64) == last64);
  CHECK(fraction<100>::charge(last64 + 1) == last64 + 1);
  CHECK(fraction<50>::charge(last64) == 46116860184273879);      // ...78.5 rounded up
  CHECK(fraction<50>::charge(last64 + 1) == 46116860184273879);  // exact
  CHECK(fraction<33>::charge(last64) == 30437127721620760);
  CHECK(fraction<33>::charge(last64 + 1) == 30437127721620761);
  CHECK(fraction<99>::charge(last64) == 91311383164862280);
  CHECK(fraction<99>::charge(last64 + 1) == 91311383164862281);
  static_assert(fraction<100>::charges_in_full && !fraction<99>::charges_in_full && upfront::charges_in_full &&
                !on_use::charges_in_full);
}

// ------------------------------------------------------------------ account limit at create

TEST_CASE("charging: create against an untiered account limit of 1000, exactly at it and one over") {
  SUBCASE("upfront: max_bytes 1000 is exactly the limit; 1 more byte is refused") {
    upfront_engine eng(server(GiB, GiB));
    auto acc = enable(eng, "A", untiered(lim(-1, 1000)));
    CHECK(err(acc.create_stream(file("over", 1001))) == errc::storage_resources_exceeded);
    auto s = create(acc, file("S", 1000));
    CHECK(eng.reserved() == mem_store{0, 1000});
    CHECK(err(acc.create_stream(file("T", 1))) == errc::storage_resources_exceeded);
    CHECK(err(acc.create_stream(file("U", -1))) == errc::storage_resources_exceeded);  // unlimited costs 1 byte
  }
  SUBCASE("fraction<50>: max_bytes 2000 charges 1000, exactly the limit; 2001 charges 1001") {
    half_engine eng(server(GiB, GiB));
    auto acc = enable(eng, "A", untiered(lim(-1, 1000)));
    CHECK(err(acc.create_stream(file("over", 2001))) == errc::storage_resources_exceeded);
    auto s = create(acc, file("S", 2000));
    CHECK(s.config().max_bytes == 2000);  // the config keeps the real max_bytes
    CHECK(eng.reserved() == mem_store{0, 1000});
    CHECK(acc.reserved_storage("") == files{0, 1000});
    CHECK(acc.usage().reserved_store == 1000);
    CHECK(acc.tiered_reservation("", file("probe", 1)) == 1000);
    CHECK(acc.streams()[0].reserved == 1000);
    CHECK(err(acc.create_stream(file("T", 1))) == errc::storage_resources_exceeded);   // charges 1
    CHECK(err(acc.create_stream(file("U", -1))) == errc::storage_resources_exceeded);  // unlimited: 1 byte
  }
  SUBCASE("on_use: nothing is reserved, any number of streams of any max_bytes is accepted") {
    on_use_engine eng(server(GiB, GiB));
    auto acc = enable(eng, "A", untiered(lim(-1, 1000)));
    auto s = create(acc, file("S", MaxInt64));
    auto t = create(acc, file("T", 1001));
    auto u = create(acc, file("U", -1));
    CHECK(eng.reserved() == mem_store{0, 0});
    CHECK(acc.reserved_storage("") == files{0, 0});
    CHECK(acc.streams()[0].reserved == 0);
    CHECK(acc.tiered_reservation("", file("probe", 1)) == 0);
  }
}

TEST_CASE_TEMPLATE("charging: an account limit of 0 refuses an unlimited stream unless nothing is charged", E, upfront_engine,
                   on_use_engine, half_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A", untiered(lim(0, 0)));
  const auto r = acc.create_stream(file("S", -1));
  if constexpr (std::is_same_v<typename E::charging, on_use>) {
    REQUIRE(r.ok());
    // Usage is what on_use limits: the first message already exceeds the limit of 0 (10002).
    CHECK(r->check_publish(msg(1, 1)) == errc::account_resources_exceeded);
  } else {
    CHECK(err(r) == errc::storage_resources_exceeded);  // -1 still costs one byte at the check
  }
}

TEST_CASE_TEMPLATE("charging: the per-stream config checks keep the real max_bytes (10113, 10122)", E, upfront_engine,
                   on_use_engine, half_engine) {
  E eng(server(GiB, GiB));
  account_limits l = lim(-1, -1);
  l.store_max_stream_bytes = 500;
  l.max_bytes_required = true;
  auto acc = enable(eng, "A", untiered(l));
  CHECK(err(acc.create_stream(file("S", 501))) == errc::stream_max_stream_bytes_exceeded);  // charges 0 / 251, still refused
  CHECK(err(acc.create_stream(file("S", -1))) == errc::stream_max_bytes_required);
  auto s = create(acc, file("S", 500));  // exactly the cap
  CHECK(err(s.update(file("S", 501))) == errc::stream_max_stream_bytes_exceeded);
  CHECK(eng.reserved().store == std::max<std::int64_t>(E::charging::charge(500), 0));
}

// ------------------------------------------------------------------ server budget

TEST_CASE("charging: the server budget holds what the policy reserves (server max_store 1000)") {
  SUBCASE("upfront") {
    upfront_engine eng(server(GiB, 1000));
    auto acc = enable(eng, "A");
    auto s = create(acc, file("S", 1000));
    CHECK(err(acc.create_stream(file("T", 1))) == errc::storage_resources_exceeded);
    CHECK(eng.reserved().store == 1000);
  }
  SUBCASE("fraction<50>: 2000 charges exactly the budget, then nothing fits") {
    half_engine eng(server(GiB, 1000));
    auto acc = enable(eng, "A");
    CHECK(err(acc.create_stream(file("over", 2001))) == errc::storage_resources_exceeded);  // charges 1001
    CHECK(eng.reserved().store == 0);                                                       // a refusal reserves nothing
    auto s = create(acc, file("S", 2000));
    CHECK(err(acc.create_stream(file("T", 1))) == errc::storage_resources_exceeded);
    CHECK(eng.reserved().store == 1000);
  }
  SUBCASE("on_use: max_bytes above the budget is accepted; the server capacity refuses at publish") {
    on_use_engine eng(server(GiB, 1000));
    auto acc = enable(eng, "A");
    auto s = create(acc, file("S", 5000));
    auto t = create(acc, file("T", 5000));
    CHECK(eng.reserved().store == 0);
    CHECK(s.check_publish(msg(1, 969)) == errc::none);  // 1 + 969 + 30 = 1000 bytes
    (void)s.add_message(msg(1, 969));
    CHECK(eng.used().store == 1000);
    // The server check refuses once usage exceeds the capacity (nats-server's js.limitsExceeded):
    // at exactly 1000 a message is still accepted, after it none.
    CHECK(t.check_publish(msg(1, 1)) == errc::none);
    (void)t.add_message(msg(1, 1));
    CHECK(eng.used().store == 1032);
    CHECK(s.check_publish(msg(1, 1)) == errc::insufficient_resources);
    CHECK(t.check_publish(msg(1, 1)) == errc::insufficient_resources);
  }
}

TEST_CASE("charging: on_use's publish check is the account tier limit before storing (main)") {
  on_use_engine eng(server(GiB, GiB));
  auto acc = enable(eng, "A", untiered(lim(-1, 1000)));
  auto s = create(acc, file("S", 100000));
  CHECK(s.check_publish(msg(1, 969)) == errc::none);                        // 1 + 969 + 30 = 1000: exactly the limit
  CHECK(s.check_publish(msg(1, 970)) == errc::account_resources_exceeded);  // 1001: one over
  (void)s.add_message(msg(1, 469));                                         // 500 bytes stored
  CHECK(s.check_publish(msg(1, 469)) == errc::none);                        // 500 + 500 = 1000
  CHECK(s.check_publish(msg(1, 470)) == errc::account_resources_exceeded);
  CHECK(eng.reserved() == mem_store{0, 0});
}

// ------------------------------------------------------------------ replicas, tiers

TEST_CASE("charging: replicas 0/1/3 in an untiered account count R x the charged bytes") {
  // Clustered: R3 is allowed. Untiered limit 3000: R3 x charge must fit.
  SUBCASE("fraction<50>") {
    half_engine eng(server(GiB, GiB), {.mode = deployment::clustered});
    auto acc = enable(eng, "A", untiered(lim(-1, 3000)));
    CHECK(err(acc.create_stream(file("over", 2001, 3))) == errc::storage_resources_exceeded);  // 3 x 1001 = 3003
    auto s3 = create(acc, file("S3", 2000, 3));                                                // 3 x 1000 = 3000
    CHECK(eng.reserved().store == 1000);  // the server reserves one replica's worth
    CHECK(acc.tiered_reservation("", file("probe", 1)) == 3000);
    CHECK(err(acc.create_stream(file("S0", 1, 0))) == errc::storage_resources_exceeded);  // replicas 0 -> 1: charges 1
    s3.reset();
    auto s0 = create(acc, file("S0", 6000, 0));  // R0 is R1: charge 3000
    CHECK(s0.config().replicas == 1);
    CHECK(acc.tiered_reservation("", file("probe", 1)) == 3000);
    CHECK(err(acc.create_stream(file("S1", 1, 1))) == errc::storage_resources_exceeded);
  }
  SUBCASE("upfront") {
    upfront_engine eng(server(GiB, GiB), {.mode = deployment::clustered});
    auto acc = enable(eng, "A", untiered(lim(-1, 3000)));
    CHECK(err(acc.create_stream(file("over", 1001, 3))) == errc::storage_resources_exceeded);
    auto s3 = create(acc, file("S3", 1000, 3));
    CHECK(eng.reserved().store == 1000);
    CHECK(acc.tiered_reservation("", file("probe", 1)) == 3000);
  }
  SUBCASE("on_use") {
    on_use_engine eng(server(GiB, GiB), {.mode = deployment::clustered});
    auto acc = enable(eng, "A", untiered(lim(-1, 3000)));
    auto s3 = create(acc, file("S3", MaxInt64, 3));
    auto s0 = create(acc, file("S0", MaxInt64, 0));
    CHECK(eng.reserved().store == 0);
    CHECK(acc.tiered_reservation("", file("probe", 1)) == 0);
  }
}

TEST_CASE("charging: tiered account, one tier's reservation stays within its limit (R1 and R3 limits of 500)") {
  half_engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, 500)}, {"R3", lim(-1, 500)}});
  // Tiered: the footprint is the charged bytes once, whatever the replica count.
  CHECK(err(acc.create_stream(file("over", 1001, 3))) == errc::storage_resources_exceeded);  // charges 501
  auto s3 = create(acc, file("S3", 1000, 3));                                                // 500: exactly the limit
  CHECK(acc.tiered_reservation("R3", file("probe", 1, 3)) == 500);
  CHECK(acc.reserved_storage("R3") == files{0, 500});
  CHECK(acc.usage().tiers.at("R3").reserved_store == 500);
  CHECK(err(acc.create_stream(file("T3", 1, 3))) == errc::storage_resources_exceeded);
  auto s1 = create(acc, file("S1", 999, 1));  // R1 is its own tier: charges ceil(499.5) = 500, exactly its limit
  CHECK(acc.reserved_storage("R1") == files{0, 500});
  CHECK(eng.reserved().store == 1000);
  // R0 is R1 (main): the unlimited stream costs 1 byte at the check, 500 + 1 > 500.
  CHECK(err(acc.create_stream(file("S0", -1, 0))) == errc::storage_resources_exceeded);
  s3.reset();
  CHECK(acc.reserved_storage("R3") == files{0, 0});
  CHECK(acc.reserved_storage("R1") == files{0, 500});
  s1.reset();
  check_all_zero(eng, acc);
}

TEST_CASE("charging: INT64_MAX max_bytes with unlimited account and server") {
  SUBCASE("upfront") {
    upfront_engine eng(server(MaxInt64, MaxInt64), {.mode = deployment::clustered});
    auto acc = enable(eng, "A");
    auto s = create(acc, file("S", MaxInt64, 3));
    CHECK(eng.reserved().store == MaxInt64);
    CHECK(err(acc.create_stream(file("T", 1))) == errc::storage_resources_exceeded);  // the server budget is full
  }
  SUBCASE("fraction<50>: 2^62 reserved, a second one fits (2^63 - 1 - 2^62 >= 2^62 - 1)") {
    half_engine eng(server(MaxInt64, MaxInt64), {.mode = deployment::clustered});
    auto acc = enable(eng, "A");
    auto s = create(acc, file("S", MaxInt64, 3));
    CHECK(eng.reserved().store == std::int64_t{1} << 62);
    CHECK(err(acc.create_stream(file("T", MaxInt64))) == errc::storage_resources_exceeded);  // 2^62 > 2^62 - 1 left
    auto t = create(acc, file("T", MaxInt64 - 2));  // charges ceil((2^63 - 3) / 2) = 2^62 - 1: exactly what is left
    CHECK(eng.reserved().store == MaxInt64);
    s.reset();
    t.reset();
    check_all_zero(eng, acc);
  }
  SUBCASE("on_use") {
    on_use_engine eng(server(MaxInt64, MaxInt64), {.mode = deployment::clustered});
    auto acc = enable(eng, "A");
    auto s = create(acc, file("S", MaxInt64, 3));
    auto t = create(acc, file("T", MaxInt64));
    CHECK(eng.reserved().store == 0);
  }
}

// ------------------------------------------------------------------ update

TEST_CASE("charging: fraction<50> update grows, shrinks and changes storage by the charged difference") {
  half_engine eng(server(1000, 1000));
  auto acc = enable(eng, "A", untiered(lim(600, 1000)));
  auto s = create(acc, file("S", 1000));  // 500
  CHECK(eng.reserved() == mem_store{0, 500});
  REQUIRE(s.update(file("S", 2000)).ok());  // 1000: exactly the account and server limits
  CHECK(eng.reserved() == mem_store{0, 1000});
  CHECK(err(s.update(file("S", 2001))) == errc::storage_resources_exceeded);  // 1001: one over, nothing changes
  CHECK(eng.reserved() == mem_store{0, 1000});
  CHECK(s.config().max_bytes == 2000);
  REQUIRE(s.update(file("S", 101)).ok());  // 51
  CHECK(eng.reserved() == mem_store{0, 51});
  CHECK(acc.reserved_storage("") == files{0, 51});
  REQUIRE(s.update(file("S", -1)).ok());  // unlimited: nothing reserved
  CHECK(eng.reserved() == mem_store{0, 0});
  REQUIRE(s.update(file("S", 3)).ok());  // 2
  CHECK(eng.reserved() == mem_store{0, 2});
  // Storage change: the charge leaves the file budget and enters the memory one (limit 600).
  CHECK(err(s.update(mem("S", 1201))) == errc::memory_resources_exceeded);  // 601
  CHECK(eng.reserved() == mem_store{0, 2});
  REQUIRE(s.update(mem("S", 1200)).ok());  // 600: exactly the memory limit
  CHECK(eng.reserved() == mem_store{600, 0});
  CHECK(acc.reserved_storage("") == files{600, 0});
  REQUIRE(s.update(file("S", 7)).ok());  // back to file: 4
  CHECK(eng.reserved() == mem_store{0, 4});
  REQUIRE(acc.delete_stream("S").ok());
  check_all_zero(eng, acc);
}

TEST_CASE("charging: upfront and on_use updates at the limit") {
  SUBCASE("upfront") {
    upfront_engine eng(server(GiB, GiB));
    auto acc = enable(eng, "A", untiered(lim(-1, 1000)));
    auto s = create(acc, file("S", 10));
    REQUIRE(s.update(file("S", 1000)).ok());
    CHECK(err(s.update(file("S", 1001))) == errc::storage_resources_exceeded);
    CHECK(eng.reserved().store == 1000);
    REQUIRE(s.update(mem("S", 5)).ok());
    CHECK(eng.reserved() == mem_store{5, 0});
  }
  SUBCASE("on_use: every update is accepted, nothing is reserved") {
    on_use_engine eng(server(GiB, 1000));
    auto acc = enable(eng, "A", untiered(lim(1000, 1000)));
    auto s = create(acc, file("S", 10));
    REQUIRE(s.update(file("S", MaxInt64)).ok());
    REQUIRE(s.update(mem("S", MaxInt64)).ok());
    REQUIRE(s.update(file("S", -1)).ok());
    CHECK(eng.reserved() == mem_store{0, 0});
    CHECK(acc.reserved_storage("") == files{0, 0});
  }
}

// ------------------------------------------------------------------ round trips

TEST_CASE_TEMPLATE("charging: create/update/delete round trips leave every sum at zero", E, upfront_engine, on_use_engine,
                   half_engine, third_engine) {
  E eng(server(MaxInt64, MaxInt64), {.mode = deployment::clustered});
  auto untiered_acc = enable(eng, "U");
  auto tiered_acc = enable(eng, "T", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  for (auto* acc : {&untiered_acc, &tiered_acc}) {
    std::vector<typename E::reservation> held;
    std::int64_t i = 0;
    for (std::int64_t mb : {std::int64_t{-1}, std::int64_t{1}, std::int64_t{2}, std::int64_t{3}, std::int64_t{101}, MiB + 1}) {
      for (std::int64_t r : {0, 1, 3}) {
        for (storage_type s : {storage_type::file, storage_type::memory}) {
          auto c = stream("S" + std::to_string(i++), s, mb, r);
          held.push_back(create(*acc, c));
        }
      }
    }
    const std::int64_t n = static_cast<std::int64_t>(held.size());
    for (std::int64_t k = 0; k < n; ++k) {  // grow, shrink, switch storage, and back
      auto& h = held[static_cast<std::size_t>(k)];
      auto c = h.config();
      c.max_bytes = c.max_bytes < 0 ? 7 : c.max_bytes * 3;
      REQUIRE(h.update(c).ok());
      c.max_bytes = 1;
      REQUIRE(h.update(c).ok());
      c.storage = c.storage == storage_type::file ? storage_type::memory : storage_type::file;
      c.max_bytes = 999;
      REQUIRE(h.update(c).ok());
    }
    for (std::int64_t k = 0; k < n; k += 2) REQUIRE(acc->delete_stream(held[static_cast<std::size_t>(k)].config().name).ok());
    held.clear();  // the other half: their handles release them
    check_all_zero(eng, *acc);
  }
}
