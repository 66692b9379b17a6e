// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#replica-scaling to docs/semantics.md#saturating-arithmetic, docs/semantics.md#server-publish-check to
// docs/semantics.md#reservation-checks, docs/semantics.md#stream-update, docs/semantics.md#sufficient-resources,
// docs/semantics.md#account-limits-update, docs/semantics.md#version-differences at the checker level: main_limits vs v29_limits,
// the pure rules every engine flow uses.
#include "core_helpers.hpp"

using namespace jsacct;
using namespace coretest;

static_assert(limit_checker<main_limits>);
static_assert(limit_checker<v29_limits>);

TEST_CASE("TestJetStreamAccountReservation (docs/semantics.md#account-reservation): accountReservation table") {
  // Table from docs/semantics.md#account-reservation / upstream TestJetStreamAccountReservation. untiered = tier "".
  CHECK(account_reservation(true, 3, 0) == 0);
  CHECK(account_reservation(true, 3, -100) == 0);
  CHECK(account_reservation(false, 3, -1) == 0);  // "R3"
  CHECK(account_reservation(true, 1, 100) == 100);
  CHECK(account_reservation(true, 0, 100) == 100);
  CHECK(account_reservation(true, 3, 100) == 300);
  CHECK(account_reservation(true, 5, 100) == 500);
  CHECK(account_reservation(false, 1, 100) == 100);  // "R1"
  CHECK(account_reservation(false, 3, 100) == 100);  // "R3"
  CHECK(account_reservation(true, 3, MaxInt64) == MaxInt64);
  CHECK(account_reservation(true, 2, MaxInt64 / 2 + 1) == MaxInt64);  // saturates
  CHECK(account_reservation(false, 3, MaxInt64) == MaxInt64);
  static_assert(account_reservation(true, 3, 100) == 300);
  // main footprint == accountReservation
  CHECK(main_limits::footprint(true, 3, 100) == 300);
  CHECK(main_limits::footprint(false, 3, 100) == 100);
}

TEST_CASE(
    "docs/semantics.md#replica-scaling, docs/semantics.md#version-differences 2.9.10 reservation footprint: R x MaxBytes for "
    "every tier, wrapping") {
  CHECK(v29_limits::footprint(false, 3, 100) == 300);
  CHECK(v29_limits::footprint(true, 3, 100) == 300);
  CHECK(v29_limits::footprint(false, 3, 4'000'000'000'000'000'000) == wrap_mul(3, 4'000'000'000'000'000'000));
  CHECK(v29_limits::footprint(false, 3, 4'000'000'000'000'000'000) < 0);  // wraps (no saturation in 2.9.10)
}

TEST_CASE(
    "docs/semantics.md#reservation-checks checkBytesLimits main demand: -1 costs 1 byte, 0 stays 0, untiered R x, server single "
    "replica") {
  CHECK(main_limits::demand(true, -1, 1, 0).account == 1);
  CHECK(main_limits::demand(true, -1, 1, 0).server == 1);
  CHECK(main_limits::demand(true, -1, 3, 0).account == 3);   // untiered: R x 1 byte
  CHECK(main_limits::demand(false, -1, 3, 0).account == 1);  // tiered: flat
  CHECK(main_limits::demand(true, 0, 3, 0).account == 0);
  CHECK(main_limits::demand(true, 0, 3, 0).server == 0);
  CHECK(main_limits::demand(true, 100, 3, 0).account == 300);
  CHECK(main_limits::demand(true, 100, 3, 0).server == 100);
  CHECK(main_limits::demand(false, 100, 3, 7).account == 107);
  CHECK(main_limits::demand(false, 100, 3, 7).server == 107);           // offset included in server bytes (306781218)
  CHECK(main_limits::demand(true, MaxInt64, 1, 1).server == MaxInt64);  // addSaturate
  CHECK(main_limits::demand(true, MaxInt64, 3, 0).account == MaxInt64);
}

TEST_CASE("docs/semantics.md#reservation-checks checkBytesLimits 2.9.10 demand: R x add + offset always, server ignores offset") {
  CHECK(v29_limits::demand(false, 100, 3, 0).account == 300);
  CHECK(v29_limits::demand(true, 100, 3, 0).account == 300);
  CHECK(v29_limits::demand(false, 100, 3, 7).account == 307);
  CHECK(v29_limits::demand(false, 100, 3, 7).server == 100);
  CHECK(v29_limits::demand(false, -1, 0, 0).account == 1);               // replicas < 1 -> 1; -1 -> 1
  CHECK(v29_limits::demand(false, MaxInt64, 1, 1).account == MinInt64);  // wraps
}

TEST_CASE(
    "docs/semantics.md#reservation-checks account comparison: exactly at the limit passes, one over fails, negative limit "
    "unlimited") {
  for (bool (*f)(std::int64_t, std::int64_t, std::int64_t) : {&main_limits::account_exceeds, &v29_limits::account_exceeds}) {
    CHECK_FALSE(f(1024, 1000, 24));
    CHECK(f(1024, 1000, 25));
    CHECK_FALSE(f(1024, 0, 1024));
    CHECK(f(1024, 0, 1025));
    CHECK_FALSE(f(-1, MaxInt64, MaxInt64));
    CHECK_FALSE(f(-5, 0, 1));
    CHECK_FALSE(f(0, 0, 0));  // limit 0: zero bytes fit
    CHECK(f(0, 0, 1));        // limit 0 is a real zero (docs/semantics.md#limit-values)
    CHECK(f(100, 101, 0));    // already over the limit
  }
}

TEST_CASE(
    "docs/semantics.md#saturating-arithmetic, docs/semantics.md#reservation-checks main subtraction form does not wrap; 2.9.10 "
    "wraps") {
  // current + bytes overflows int64: main refuses, 2.9.10 wraps negative and accepts
  CHECK(main_limits::account_exceeds(MaxInt64 - 10, MaxInt64 - 20, MaxInt64));
  CHECK_FALSE(v29_limits::account_exceeds(MaxInt64 - 10, MaxInt64 - 20, MaxInt64));
  CHECK(main_limits::server_exceeds(1024, MaxInt64 - 1, 2));
  CHECK_FALSE(main_limits::server_exceeds(MaxInt64, MaxInt64 - 2, 2));
  CHECK(main_limits::server_exceeds(MaxInt64, MaxInt64 - 1, 2));
  CHECK_FALSE(v29_limits::server_exceeds(MaxInt64, MaxInt64 - 1, 2));  // wraps to MinInt64
}

TEST_CASE(
    "docs/semantics.md#server-publish-check server usage check: used + sz > max (main) vs used > max + sz (2.9.10), "
    "docs/semantics.md#server-publish-check cc4e17501") {
  CHECK_FALSE(main_limits::server_would_exceed(100, 100, 0));
  CHECK(main_limits::server_would_exceed(101, 100, 0));
  CHECK(main_limits::server_would_exceed(100, 100, 1));
  CHECK_FALSE(main_limits::server_would_exceed(99, 100, 1));
  // 2.9.10 adds sz to the limit: never triggered by the size
  CHECK_FALSE(v29_limits::server_would_exceed(100, 100, 1));
  CHECK_FALSE(v29_limits::server_would_exceed(100, 100, 0));
  CHECK(v29_limits::server_would_exceed(101, 100, 0));
  CHECK(v29_limits::server_would_exceed(150, 100, 49));
}

TEST_CASE("docs/semantics.md#account-publish-check main pre-store account check: total + size*r > limit*lr") {
  // untiered R3: flat budget
  CHECK_FALSE(main_limits::would_exceed(300, true, 0, 100, 3));
  CHECK(main_limits::would_exceed(300, true, 0, 101, 3));
  // tiered R3: limit scaled by replicas (1c3981bfb)
  CHECK_FALSE(main_limits::would_exceed(100, false, 0, 100, 3));
  CHECK(main_limits::would_exceed(100, false, 0, 101, 3));
  // replicas 0 counts as 1
  CHECK_FALSE(main_limits::would_exceed(100, false, 0, 100, 0));
  CHECK(main_limits::would_exceed(100, false, 1, 100, 0));
  // negative limit: unlimited
  CHECK_FALSE(main_limits::would_exceed(-1, true, MaxInt64, std::numeric_limits<std::uint64_t>::max(), 5));
  // limit 0 refuses any message (size >= 16)
  CHECK(main_limits::would_exceed(0, true, 0, 16, 1));
  // TestJetStreamJWTClusteredTiers arithmetic: R3 tier limit 1100, usage 3300 = 2 x 550 x 3
  CHECK(main_limits::would_exceed(1100, false, 3300, file_store_msg_size(msg(3, 18)), 3));
  CHECK_FALSE(main_limits::would_exceed(1100, false, 1650, 550, 3));  // 1650 + 1650 == 3300
}

TEST_CASE("docs/semantics.md#diff-publish-overflow: huge message size does not wrap in the main publish check") {
  const auto huge = std::numeric_limits<std::uint64_t>::max();
  CHECK(main_limits::would_exceed(1024, true, 0, huge, 1));
  CHECK(main_limits::would_exceed(1024, false, 0, huge, 3));
  CHECK(main_limits::would_exceed(MaxInt64, false, 0, static_cast<std::uint64_t>(MaxInt64), 2) == false);  // limit*lr = 2*Max
  CHECK(main_limits::would_exceed(MaxInt64, true, 1, static_cast<std::uint64_t>(MaxInt64), 1));
}

TEST_CASE("docs/semantics.md#account-publish-check 2.9.10 post-store check: total > limit, or > per-stream cap (241ad30fe bug)") {
  CHECK_FALSE(v29_limits::exceeds_after_store(1100, -1, 1100));
  CHECK(v29_limits::exceeds_after_store(1100, -1, 1101));
  CHECK_FALSE(v29_limits::exceeds_after_store(-1, -1, MaxInt64));
  CHECK(v29_limits::exceeds_after_store(186, 93, 94));  // docs/semantics.md#account-publish-check: tier total vs per-stream cap
  CHECK_FALSE(v29_limits::exceeds_after_store(186, 0, 186));
  CHECK_FALSE(main_limits::exceeds_after_store(186, 93, 100));
}

TEST_CASE("docs/semantics.md#stream-update main update plan: clamped diff, non-growing part of the new footprint") {
  // untiered R3, 1 GiB -> 2 GiB
  auto p = main_limits::plan_update(true, file("s", GiB, 3), file("s", 2 * GiB, 3));
  CHECK(p.add_bytes == GiB);
  CHECK(p.offset == 0);
  CHECK(p.own_reserved == 3 * GiB);
  CHECK(p.reserve_delta == GiB);
  // shrink: no growth, footprint of the new size
  p = main_limits::plan_update(true, file("s", GiB, 3), file("s", GiB / 4, 3));
  CHECK(p.add_bytes == 0);
  CHECK(p.own_reserved == 3 * (GiB / 4));
  CHECK(p.reserve_delta == GiB / 4 - GiB);
  // -1 <-> positive: both sides clamped at 0 (docs/semantics.md#stream-update d0a653e9c)
  p = main_limits::plan_update(true, file("s", -1), file("s", 100));
  CHECK(p.add_bytes == 100);
  CHECK(p.reserve_delta == 100);
  p = main_limits::plan_update(true, file("s", 100), file("s", -1));
  CHECK(p.add_bytes == 0);
  CHECK(p.own_reserved == 0);
  CHECK(p.reserve_delta == -100);
}

TEST_CASE("docs/semantics.md#stream-update 2.9.10 update plan: raw diff, replica-growth offset, old R x MaxBytes added back") {
  auto p = v29_limits::plan_update(false, file("s", -1), file("s", 100));
  CHECK(p.add_bytes == 101);  // raw: -1 -> 100 gives 101
  CHECK(p.reserve_delta == 101);
  CHECK(p.own_reserved == -1);  // old R x MaxBytes with MaxBytes -1 (R1)
  p = v29_limits::plan_update(false, file("s", 100), file("s", -1));
  CHECK(p.add_bytes == 0);
  CHECK(p.reserve_delta == -101);
  p = v29_limits::plan_update(false, file("s", 1000, 1), file("s", 1000, 3));
  CHECK(p.offset == 2000);  // old.MaxBytes x (new.R - old.R)
  CHECK(p.own_reserved == 1000);
  p = v29_limits::plan_update(false, file("s", -1, 3), file("s", 5, 3));
  CHECK(p.own_reserved == -3);  // spec: "-3 for R3"
}

TEST_CASE("2.9.10 update reservation wraps like Go's int64 (recorded: edge_max_bytes_values)") {
  // -1 -> MaxInt64: the difference wraps to MinInt64; releasing -MinInt64 (still MinInt64) does nothing.
  auto p = v29_limits::plan_update(false, file("s", -1), file("s", MaxInt64));
  CHECK(p.reserve_delta == 0);
  CHECK(p.add_bytes == 0);
  // MaxInt64 -> -100: -100 - MaxInt64 wraps to MaxInt64 - 98, which is reserved.
  p = v29_limits::plan_update(false, file("s", MaxInt64), file("s", -100));
  CHECK(p.reserve_delta == MaxInt64 - 98);
  // MaxInt64 - 1 -> -1: -MaxInt64, released in full.
  p = v29_limits::plan_update(false, file("s", MaxInt64 - 1), file("s", -1));
  CHECK(p.reserve_delta == -MaxInt64);
  // One step short of the wrap: -2 -> MaxInt64 - 2 is MaxInt64, reserved.
  p = v29_limits::plan_update(false, file("s", -2), file("s", MaxInt64 - 2));
  CHECK(p.reserve_delta == MaxInt64);
}

TEST_CASE(
    "docs/semantics.md#diff-checked-limits, docs/semantics.md#diff-limit-update-clamp diffCheckedLimits operand: main clamps -1 "
    "to 0, 2.9.10 raw") {
  CHECK(main_limits::diff_operand(-1) == 0);
  CHECK(main_limits::diff_operand(5) == 5);
  CHECK(v29_limits::diff_operand(-1) == -1);
}

TEST_CASE(
    "docs/semantics.md#sufficient-resources, docs/semantics.md#diff-sufficient-resources-overflow sufficientResources "
    "comparison: main exact, 2.9.10 wraps") {
  const int128 two_max = static_cast<int128>(MaxInt64) * 2;
  CHECK(main_limits::sum_exceeds(0, two_max, 1024));
  CHECK_FALSE(v29_limits::sum_exceeds(0, two_max, 1024));  // wraps to -2
  CHECK_FALSE(main_limits::sum_exceeds(1000, 24, 1024));
  CHECK(main_limits::sum_exceeds(1000, 25, 1024));
}

TEST_CASE("docs/semantics.md#version-differences checker flags: main vs 2.9.10") {
  CHECK_FALSE(main_limits::count_same_name);
  CHECK(v29_limits::count_same_name);
  CHECK_FALSE(main_limits::tiered_sum_ignores_storage);
  CHECK(v29_limits::tiered_sum_ignores_storage);
  CHECK(main_limits::check_before_store);
  CHECK_FALSE(v29_limits::check_before_store);
  CHECK(main_limits::repair_negative_usage);
  CHECK_FALSE(v29_limits::repair_negative_usage);
  CHECK(main_limits::clamp_server_usage);
  CHECK_FALSE(v29_limits::clamp_server_usage);
  CHECK(main_limits::report_reserved);
  CHECK_FALSE(v29_limits::report_reserved);
  CHECK(main_limits::api_level == 5);
  CHECK(v29_limits::api_level == 0);
}

TEST_CASE(
    "TestJetStreamCheckBytesLimitsOverflow (docs/semantics.md#reservation-checks, docs/semantics.md#saturating-arithmetic "
    "3cb6e31bf)") {
  engine eng(server(MaxInt64, MaxInt64));
  auto acc = enable(eng, "A", untiered(lim(1024, 1024)));
  auto sel = acc.select_limits(file("x"));
  REQUIRE(sel.ok());
  // checkBytesLimits(addBytes = MaxInt64, offset = 1) errors for file and memory (no wrap)
  CHECK(acc.check_limits(*sel, file("x", MaxInt64), false, 0, 1) == errc::storage_resources_exceeded);
  CHECK(acc.check_limits(*sel, mem("x", MaxInt64), false, 0, 1) == errc::memory_resources_exceeded);
  // server reserved = MaxInt64 - 1, add 2 with the server check -> error
  auto big_f = create(acc, file("BIGF", MaxInt64 - 1), create_options{true, false, true, false});
  auto big_m = create(acc, mem("BIGM", MaxInt64 - 1), create_options{true, false, true, false});
  REQUIRE(eng.reserved().store == MaxInt64 - 1);
  REQUIRE(eng.reserved().mem == MaxInt64 - 1);
  const selected_limits unlimited{lim(-1, -1), ""};
  CHECK(acc.check_limits(unlimited, file("y", 2), true, 0, 0) == errc::storage_resources_exceeded);
  CHECK(acc.check_limits(unlimited, mem("y", 2), true, 0, 0) == errc::memory_resources_exceeded);
  CHECK(acc.check_limits(unlimited, file("y", 1), true, 0, 0) == errc::none);   // exactly at MaxInt64
  CHECK(acc.check_limits(unlimited, file("y", 2), false, 0, 0) == errc::none);  // no server check
}

TEST_CASE("docs/semantics.md#reservation-checks checkLimits: stream MaxConsumers above the account's -> 10026 (before bytes)") {
  engine eng(server(GiB, GiB));
  auto acc = enable(eng, "A", untiered(lim(0, 0, -1, 5)));
  const selected_limits sel{lim(0, 0, -1, 5), ""};
  CHECK(acc.check_limits(sel, stream("s", storage_type::file, 10, 1, 6), false, 0, 0) == errc::maximum_consumers_limit);
  CHECK(acc.check_limits(sel, stream("s", storage_type::file, 0, 1, 5), false, 0, 0) == errc::none);  // 0 bytes fit limit 0
  CHECK(acc.check_limits(sel, stream("s", storage_type::file, 1, 1, 5), false, 0, 0) == errc::storage_resources_exceeded);
  CHECK(acc.check_limits(sel, stream("s", storage_type::unset, MaxInt64, 1, 5), true, 0, 0) ==
        errc::none);  // other storage: no check
}
