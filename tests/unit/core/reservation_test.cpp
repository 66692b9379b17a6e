// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#reservation-checks to docs/semantics.md#stream-flows and docs/semantics.md#reserve-release: stream create /
// update / delete flows, server and account reservations, the RAII stream_reservation handle, tier moves
// (docs/semantics.md#tier-move).
#include "core_helpers.hpp"

#include <type_traits>

using namespace jsacct;
using namespace coretest;

namespace {
template <class E>
constexpr bool is_v29 = std::is_same_v<typename E::checker, v29_limits>;
const create_options recovering{true, false, true,
                                false};  // docs/semantics.md#stream-create step 7 skipped (recovery / main peer)
}  // namespace

// ------------------------------------------------------------------ create flow

TEST_CASE_TEMPLATE(
    "docs/semantics.md#stream-create create: reserves MaxBytes on the server once, single replica "
    "(docs/semantics.md#reserve-release)",
    E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  {
    auto f = create(acc, file("F", 1000));
    auto m = create(acc, mem("M", 10));
    CHECK(f.did_create());
    CHECK(f.owns());
    CHECK(f.config().max_bytes == 1000);
    CHECK(eng.reserved() == mem_store{10, 1000});
    CHECK(acc.num_streams() == 2);
  }
  // handles destroyed: the streams are deleted and their reservations released
  CHECK(eng.reserved() == mem_store{0, 0});
  CHECK(acc.num_streams() == 0);
}

TEST_CASE_TEMPLATE(
    "TestJetStreamUsageNoReservation (docs/semantics.md#reserve-release, docs/semantics.md#reserved-storage): streams without "
    "MaxBytes reserve nothing",
    E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A");
  auto f1 = create(acc, file("F1"));
  auto m1 = create(acc, mem("M1"));
  auto f3 = create(acc, file("F3", -1, 3));
  auto m3 = create(acc, mem("M3", -1, 3));
  CHECK(eng.reserved() == mem_store{0, 0});
  CHECK(acc.reserved_storage("") == std::pair<std::uint64_t, std::uint64_t>{0, 0});
  if constexpr (!is_v29<E>) {
    const auto u = acc.usage();
    CHECK(u.reserved_memory == 0);
    CHECK(u.reserved_store == 0);
  }
}

TEST_CASE(
    "TestJetStreamUsageReservationNegativeMaxBytes (docs/semantics.md#stream-update, docs/semantics.md#reserve-release): 1024 -> "
    "0 -> 512 -> -1, R1 and R3 not multiplied") {
  for (storage_type st : {storage_type::file, storage_type::memory}) {
    for (std::int64_t r : {1, 3}) {
      CAPTURE(static_cast<int>(st));
      CAPTURE(r);
      engine eng(server(GiB, GiB), {.mode = deployment::clustered});
      auto acc = enable(eng, "A");
      auto s = create(acc, stream("S", st, 1024, r));
      CHECK(slot_of(eng.reserved(), st) == 1024);
      CHECK(acc.usage().reserved_memory + acc.usage().reserved_store == 1024);
      REQUIRE(s.update(stream("S", st, 0, r)).ok());
      CHECK(slot_of(eng.reserved(), st) == 0);
      CHECK(acc.usage().reserved_memory + acc.usage().reserved_store == 0);
      REQUIRE(s.update(stream("S", st, 512, r)).ok());
      CHECK(slot_of(eng.reserved(), st) == 512);
      CHECK(acc.usage().reserved_memory + acc.usage().reserved_store == 512);
      REQUIRE(s.update(stream("S", st, -1, r)).ok());
      CHECK(slot_of(eng.reserved(), st) == 0);
      CHECK(acc.usage().reserved_memory + acc.usage().reserved_store == 0);
    }
  }
}

TEST_CASE("docs/semantics.md#stream-update d0a653e9c: -1 <-> positive updates: main exact, 2.9.10 off by one byte") {
  {
    engine eng(server(GiB, GiB));
    auto acc = enable(eng, "A");
    auto s = create(acc, file("S", -1));
    REQUIRE(s.update(file("S", 100)).ok());
    CHECK(eng.reserved().store == 100);
    REQUIRE(s.update(file("S", -1)).ok());
    CHECK(eng.reserved().store == 0);
  }
  {
    engine_v29 eng(server(GiB, GiB));
    auto acc = enable(eng, "A");
    auto s = create(acc, file("S", -1));
    REQUIRE(s.update(file("S", 100)).ok());
    CHECK(eng.reserved().store == 101);  // raw 100 - (-1)
    s.release();
    REQUIRE(acc.delete_stream("S").ok());
    CHECK(eng.reserved().store == 1);  // delete releases only the current 100
    auto t = create(acc, file("T", 100));
    REQUIRE(t.update(file("T", -1)).ok());
    CHECK(eng.reserved().store == 0);  // 1 + 100 - 101: the reservation drifts
  }
}

TEST_CASE_TEMPLATE(
    "TestJetStreamStorageReservedBytes (docs/semantics.md#reservation-checks, docs/semantics.md#stream-update, "
    "docs/semantics.md#reserve-release): server 1024/1024",
    E, engine, engine_v29, plain_engine) {
  struct tc {
    std::int64_t account_limit;
    std::int64_t create_bytes;
    std::int64_t update_bytes;
    bool want_error;
  };
  // From the upstream table: round(1024 * .666) = 682, round(512 * .666) = 341.
  const tc cases[] = {
      {-1, 682, 683, false},  {-1, 1024, 1025, true}, {-1, 1023, 1024, false},
      {512, 341, 342, false}, {512, 512, 513, true},  {512, 511, 512, false},
  };
  E eng(server(1024, 1024));
  auto acc = enable(eng, "$G");
  for (storage_type st : {storage_type::file, storage_type::memory}) {
    for (const auto& c : cases) {
      CAPTURE(static_cast<int>(st));
      CAPTURE(c.account_limit);
      CAPTURE(c.create_bytes);
      account_limits l = zero_account_limits;
      l.max_memory = c.account_limit;
      l.max_store = c.account_limit;
      REQUIRE(eng.update_account_limits("$G", untiered(l)).ok());
      {
        auto s = create(acc, stream("TEST", st, c.create_bytes));
        auto u = s.update(stream("TEST", st, c.update_bytes));
        CHECK(u.ok() == !c.want_error);
        if (c.want_error) {
          CHECK(err(u) == (st == storage_type::memory ? errc::memory_resources_exceeded : errc::storage_resources_exceeded));
          CHECK(slot_of(eng.reserved(), st) == c.create_bytes);  // a refused update changes nothing
          CHECK(s.config().max_bytes == c.create_bytes);
        } else {
          CHECK(slot_of(eng.reserved(), st) == c.update_bytes);
          CHECK(eng.usage_stats().reserved_store + eng.usage_stats().reserved_memory ==
                static_cast<std::uint64_t>(c.update_bytes));
        }
      }
      CHECK(eng.reserved() == mem_store{0, 0});  // deleted -> 0
    }
  }
}

TEST_CASE_TEMPLATE(
    "TestJetStreamReloadMaxMemAndStore (docs/semantics.md#reservation-checks server reservation, "
    "docs/semantics.md#server-getters reload)",
    E, engine, engine_v29, plain_engine) {
  E eng(server(128 * MiB, 128 * MiB));
  auto acc = enable(eng, "A");
  auto f1 = create(acc, file("F1", 128 * MiB));
  auto m1 = create(acc, mem("M1", 128 * MiB));
  CHECK(err(acc.create_stream(file("F2", 128 * MiB))) == errc::storage_resources_exceeded);
  CHECK(err(acc.create_stream(mem("M2", 128 * MiB))) == errc::memory_resources_exceeded);
  eng.set_server_limits(512 * MiB, 512 * MiB);
  CHECK(eng.config().max_memory == 512 * MiB);
  CHECK(eng.config().max_store == 512 * MiB);
  auto f2 = create(acc, file("F2", 128 * MiB));
  auto m2 = create(acc, mem("M2", 128 * MiB));
  CHECK(eng.reserved() == mem_store{256 * MiB, 256 * MiB});
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#reservation-checks server reservation: exactly at capacity passes, one byte over fails; "
    "check_server=false skips it",
    E, engine, engine_v29, plain_engine) {
  E eng(server(1000, 1000));
  auto acc = enable(eng, "A");
  auto a = create(acc, file("A", 999));
  auto b = create(acc, file("B", 1));
  CHECK(eng.reserved().store == 1000);
  // an unlimited stream costs one byte (docs/semantics.md#reservation-checks step 1)
  CHECK(err(acc.create_stream(file("C"))) == errc::storage_resources_exceeded);
  CHECK(err(acc.create_stream(file("C", 1))) == errc::storage_resources_exceeded);
  create_options no_server;
  no_server.check_server = false;
  auto c = create(acc, file("C", 5), no_server);
  CHECK(eng.reserved().store == 1005);  // still reserved
}

TEST_CASE_TEMPLATE(
    "TestJetStreamDisabledLimitsEnforcement (docs/semantics.md#limit-values): disk 0 refuses an unlimited file stream", E, engine,
    engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A", untiered(lim(1024, 0, 1, 2)));
  CHECK(err(acc.create_stream(file("S"))) == errc::storage_resources_exceeded);
  CHECK(err(acc.create_stream(stream("S", storage_type::unset))) == errc::storage_resources_exceeded);  // normalized to file
  auto m = acc.create_stream(mem("M"));  // memory 1024 fits one byte
  CHECK(m.ok());
}

TEST_CASE_TEMPLATE("TestJetStreamDisabledLimitsEnforcementJWT (docs/semantics.md#limit-values): tiered {mem 1024, disk 0}", E,
                   engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A", limits_map{{"R1", lim(1024, 0)}});
  CHECK(err(acc.create_stream(file("S"))) == errc::storage_resources_exceeded);
  CHECK(acc.create_stream(mem("M")).ok());
}

TEST_CASE_TEMPLATE(
    "TestJetStreamInvalidRestoreRequests (docs/semantics.md#stream-create, docs/semantics.md#stream-restore, create part): "
    "replicas 6, too large, max streams",
    E, engine, engine_v29, plain_engine) {
  // Account {max_store 1 MiB, max_streams 1}, server 2 MiB / 8 MiB (the restore path normalizes first;
  // the create flow reaches the same verdicts).
  E eng(server(2 * MiB, 8 * MiB));
  auto acc = enable(eng, "A", untiered(lim(-1, MiB, 1, -1)));
  auto r6 = acc.create_stream(file("S", -1, 6));
  REQUIRE_FALSE(r6.ok());
  CHECK(r6.error() == errc::stream_invalid_config);
  CHECK(r6.error().description() == "maximum replicas is 5");
  auto big = acc.create_stream(file("S", 2 * 1012 * 1024));
  CHECK(err(big) == errc::storage_resources_exceeded);
  CHECK(big.error().description() == "insufficient storage resources available");
  auto s = create(acc, file("S"));
  auto t = acc.create_stream(file("T"));
  CHECK(err(t) == errc::maximum_streams_limit);
  CHECK(t.error().description() == "maximum number of streams reached");
}

TEST_CASE_TEMPLATE("docs/semantics.md#stream-create order: max_streams (10027) before bytes", E, engine, engine_v29,
                   plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A", untiered(lim(-1, 100, 1)));
  auto a = create(acc, file("A", 100));
  CHECK(err(acc.create_stream(file("B", 1000))) == errc::maximum_streams_limit);
  // max_streams is never checked on update (docs/semantics.md#stream-create)
  CHECK(a.update(file("A", 50)).ok());
}

TEST_CASE_TEMPLATE("docs/semantics.md#stream-create standalone R3 request: raw pre-check with R x (untiered) before 10074", E,
                   engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A", untiered(lim(-1, 100)));
  CHECK(err(acc.create_stream(file("S", 50, 3))) == errc::storage_resources_exceeded);  // 150 > 100
  CHECK(err(acc.create_stream(file("S", 10, 3))) == errc::stream_replicas_not_supported);
  CHECK(err(acc.create_stream(file("S", 10, 2))) == errc::stream_replicas_not_supported);
  CHECK(eng.reserved() == mem_store{0, 0});
  CHECK(acc.num_streams() == 0);
}

TEST_CASE_TEMPLATE("docs/semantics.md#diff-negative-replicas negative replicas -> 10133 before any tier logic", E, engine,
                   engine_v29, plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}});
  CHECK(err(acc.create_stream(file("S", -1, -1))) == errc::replicas_count_negative);
  auto s = create(acc, file("S"));
  CHECK(err(s.update(file("S", -1, -1))) == errc::replicas_count_negative);
}

TEST_CASE_TEMPLATE("docs/semantics.md#stream-create step 5: identical re-create returns the existing stream, different -> 10058",
                   E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  auto s = create(acc, file("S", 100));
  create_options same;
  same.same_as_existing = true;
  {
    auto again = create(acc, file("S", 100), same);
    CHECK_FALSE(again.did_create());
    CHECK_FALSE(again.owns());
    CHECK(eng.reserved().store == 100);  // nothing reserved twice
  }
  CHECK(acc.num_streams() == 1);  // the non-owning handle deleted nothing
  CHECK(eng.reserved().store == 100);
  CHECK(err(acc.create_stream(file("S", 200))) == errc::stream_name_exist);
}

TEST_CASE(
    "TestJetStreamStreamLimitUpdate (docs/semantics.md#counting-streams): re-create at max_streams is OK, update works (main)") {
  for (storage_type st : {storage_type::memory, storage_type::file}) {
    engine eng(server(GiB, GiB));
    auto acc = enable(eng, "A", untiered(lim(128, 128, 1)));
    auto s = create(acc, stream("TEST", st, 32));
    create_options same;
    same.same_as_existing = true;
    auto again = acc.create_stream(stream("TEST", st, 32), same);
    CHECK(again.ok());
    CHECK(s.update(stream("TEST", st, 16)).ok());
    CHECK(slot_of(eng.reserved(), st) == 16);
  }
}

TEST_CASE("docs/semantics.md#counting-streams e13d22baf: re-create at max_streams: main OK, 2.9.10 10027") {
  create_options same;
  same.same_as_existing = true;
  {
    engine eng(server(GiB, GiB));
    auto acc = enable(eng, "A", untiered(lim(-1, -1, 2)));
    auto a = create(acc, file("A"));
    auto b = create(acc, file("B"));
    CHECK(acc.create_stream(file("A"), same).ok());
    CHECK(err(acc.create_stream(file("C"))) == errc::maximum_streams_limit);
  }
  {
    engine_v29 eng(server(GiB, GiB));
    auto acc = enable(eng, "A", untiered(lim(-1, -1, 2)));
    auto a = create(acc, file("A"));
    auto b = create(acc, file("B"));
    CHECK(err(acc.create_stream(file("A"), same)) == errc::maximum_streams_limit);
  }
  {  // tiered variant (same tier counted)
    engine eng(server(GiB, GiB));
    auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1, 1)}});
    auto a = create(acc, file("A"));
    CHECK(acc.create_stream(file("A"), same).ok());
    CHECK(err(acc.create_stream(file("B"))) == errc::maximum_streams_limit);
  }
}

TEST_CASE_TEMPLATE(
    "TestJetStreamClusterAccountStoreLimits R1 (docs/semantics.md#stream-create, docs/semantics.md#max-bytes-limits): check "
    "order and exact fit",
    E, engine, engine_v29, plain_engine) {
  for (storage_type st : {storage_type::memory, storage_type::file}) {
    CAPTURE(static_cast<int>(st));
    const std::int64_t store_unit = static_cast<std::int64_t>(file_store_msg_size(msg(1, 0)));  // 31
    const std::int64_t mem_unit = static_cast<std::int64_t>(mem_store_msg_size(msg(1, 0)));     // 17
    account_limits l = zero_account_limits;
    l.max_memory = mem_unit * 6;
    l.memory_max_stream_bytes = mem_unit * 3;
    l.max_store = store_unit * 6;
    l.store_max_stream_bytes = store_unit * 3;
    l.max_bytes_required = true;
    E eng(server(GiB, GiB));
    auto acc = enable(eng, "$G", limits_map{{"R1", l}});
    const errc resources = st == storage_type::memory ? errc::memory_resources_exceeded : errc::storage_resources_exceeded;
    const std::int64_t max_acc = st == storage_type::memory ? l.max_memory : l.max_store;
    const std::int64_t max_bytes = st == storage_type::memory ? l.memory_max_stream_bytes : l.store_max_stream_bytes;
    CHECK(err(acc.create_stream(stream("A", st, 0))) == errc::stream_max_bytes_required);
    CHECK(err(acc.create_stream(stream("A", st, max_acc + 1))) == resources);  // R1: account check wins over 10122
    CHECK(err(acc.create_stream(stream("A", st, max_bytes + 1))) == errc::stream_max_stream_bytes_exceeded);
    auto a = create(acc, stream("A", st, max_bytes));
    auto b = create(acc, stream("B", st, max_bytes));
    CHECK(err(acc.create_stream(stream("C", st, 1))) == resources);
    // publishing: main checks before storing (pre-store); see publish_check_test for the byte-level part
  }
}

TEST_CASE("TestJWTJetStreamMaxStore (docs/semantics.md#stream-create, docs/semantics.md#max-bytes-limits): stream create part") {
  engine eng(server(256 * MiB, 2 * GiB));
  account_limits r1 = lim(-1, 1024);
  r1.store_max_stream_bytes = 1024;
  auto acc = enable(eng, "acc", limits_map{{"R1", r1}});
  CHECK(err(acc.create_stream(file("foo", 2048))) == errc::storage_resources_exceeded);  // account before the cap
  auto foo = create(acc, file("foo", 1024));
  account_limits r1b = lim(-1, 3072);
  r1b.store_max_stream_bytes = 2048;
  r1b.max_bytes_required = true;
  REQUIRE(eng.update_account_limits("acc", limits_map{{"R1", r1b}}).ok());
  CHECK(err(acc.create_stream(file("bar", 3000))) == errc::storage_resources_exceeded);  // 3000 > 3072 - 1024
  auto bar = create(acc, file("bar", 2048));
  CHECK(err(bar.update(file("bar"))) == errc::stream_max_bytes_required);
  CHECK(err(bar.update(file("bar", 2049))) == errc::stream_max_stream_bytes_exceeded);
}

// ------------------------------------------------------------------ untiered R x reservations (cluster mode)

TEST_CASE_TEMPLATE(
    "TestJetStreamClusterAccountReservations (docs/semantics.md#replica-scaling, docs/semantics.md#stream-update): untiered 3 "
    "GiB, R3 and R1",
    E, engine, engine_v29, plain_engine) {
  for (std::int64_t r : {3, 1}) {
    CAPTURE(r);
    const std::int64_t big = r == 3 ? GiB : 3 * GiB;  // fills 3 GiB
    const std::int64_t half = r == 3 ? 512 * MiB : 3 * GiB / 2;
    E eng(server(GiB, 16 * GiB), {.mode = deployment::clustered});
    auto acc = enable(eng, "A", untiered(lim(-1, 3 * GiB)));
    auto s1 = create(acc, file("S1", big, r));
    CHECK(err(acc.create_stream(file("S2", 1024, r))) == errc::storage_resources_exceeded);
    REQUIRE(s1.update(file("S1", half, r)).ok());
    auto s2 = create(acc, file("S2", half, r));
    CHECK(err(acc.create_stream(file("S3", 1024, r))) == errc::storage_resources_exceeded);
    auto up = s2.update(file("S2", half + 1, r));
    CHECK(err(up) == errc::storage_resources_exceeded);
    CHECK(up.error().description() == "insufficient storage resources available");
  }
}

TEST_CASE_TEMPLATE("TestJetStreamClusterAccountReservationsCreateUpdateConsistency (docs/semantics.md#stream-update)", E, engine,
                   engine_v29, plain_engine) {
  E eng(server(GiB, 16 * GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", untiered(lim(-1, 3 * GiB)));
  CHECK(err(acc.create_stream(file("S", 3 * GiB, 3))) == errc::storage_resources_exceeded);
  {
    auto s = create(acc, file("S", 3 * GiB, 1));
    CHECK(s.update(file("S", 3 * GiB, 1)).ok());
  }
  auto s = create(acc, file("S", GiB, 3));
  CHECK(s.update(file("S", GiB, 3)).ok());
  CHECK(err(s.update(file("S", GiB + 1, 3))) == errc::storage_resources_exceeded);
}

TEST_CASE(
    "TestJetStreamClusterConfigUpdateCheckReplicaScalingReservation (docs/semantics.md#stream-update): main OK; 2.9.10 adds old "
    "R x MaxBytes back") {
  {
    engine eng(server(GiB, 16 * GiB), {.mode = deployment::clustered});
    auto acc = enable(eng, "A", untiered(lim(-1, 3 * GiB)));
    {
      auto s = create(acc, file("S", GiB, 3));
      CHECK(s.update(file("S", 2 * GiB, 1)).ok());
    }
    auto fresh = acc.create_stream(file("S", 2 * GiB, 1));
    CHECK(fresh.ok());
  }
  {
    // 2.9.10 (docs/semantics.md#stream-update): reserved = others + old R x MaxBytes (3 GiB) + growth 1 GiB > 3 GiB
    engine_v29 eng(server(GiB, 16 * GiB), {.mode = deployment::clustered});
    auto acc = enable(eng, "A", untiered(lim(-1, 3 * GiB)));
    auto s = create(acc, file("S", GiB, 3));
    CHECK(err(s.update(file("S", 2 * GiB, 1))) == errc::storage_resources_exceeded);
  }
}

TEST_CASE(
    "TestJetStreamClusterConfigUpdateCheckOverLimitStreamCanShrink (docs/semantics.md#stream-update, "
    "docs/semantics.md#account-reservation d931913fd)") {
  {
    engine eng(server(GiB, 16 * GiB), {.mode = deployment::clustered});
    auto acc = enable(eng, "A", untiered(lim(-1, 3 * GiB)));
    auto s = create(acc, file("S", GiB, 3));
    REQUIRE(eng.update_account_limits("A", untiered(lim(-1, GiB))).ok());
    CHECK(err(s.update(file("S", 2 * GiB, 3))) == errc::storage_resources_exceeded);
    CHECK(s.update(file("S", GiB / 4, 3)).ok());  // R3 footprint 0.75 GiB
    CHECK(eng.reserved().store == GiB / 4);
  }
  {
    // 2.9.10 added the old footprint back, so the over-limit stream cannot shrink (docs/semantics.md#account-reservation)
    engine_v29 eng(server(GiB, 16 * GiB), {.mode = deployment::clustered});
    auto acc = enable(eng, "A", untiered(lim(-1, 3 * GiB)));
    auto s = create(acc, file("S", GiB, 3));
    REQUIRE(eng.update_account_limits("A", untiered(lim(-1, GiB))).ok());
    CHECK(err(s.update(file("S", GiB / 4, 3))) == errc::storage_resources_exceeded);
  }
}

TEST_CASE_TEMPLATE(
    "TestJetStreamClusterAccountReservationsRecoveryOfOverLimitStream (docs/semantics.md#clustered-create, "
    "docs/semantics.md#stream-create): recovery skips checks",
    E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, 16 * GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", untiered(lim(-1, GiB)));
  CHECK(err(acc.create_stream(file("S", GiB, 3))) == errc::storage_resources_exceeded);
  auto s = create(acc, file("S", GiB, 3), recovering);
  CHECK(eng.reserved().store == GiB);  // the reservation still happens (docs/semantics.md#stream-create step 8)
}

TEST_CASE(
    "TestJetStreamClusterTieredReservationOverflow (docs/semantics.md#saturating-arithmetic 3cb6e31bf): main saturates, 2.9.10 "
    "wraps") {
  {
    engine eng(server(GiB, MaxInt64), {.mode = deployment::clustered});
    auto acc = enable(eng, "A", untiered(lim(-1, MaxInt64)));
    auto s = create(acc, file("S1", 4'000'000'000'000'000'000, 3));  // 3 x 4e18 saturates to MaxInt64 == limit
    auto r = acc.create_stream(file("S2", 1, 3));
    CHECK(err(r) == errc::storage_resources_exceeded);
    CHECK(acc.tiered_reservation("", file("S3", 1, 3)) == MaxInt64);
  }
  {
    engine_v29 eng(server(GiB, MaxInt64), {.mode = deployment::clustered});
    auto acc = enable(eng, "A", untiered(lim(-1, MaxInt64)));
    auto s = create(acc, file("S1", 4'000'000'000'000'000'000, 3));
    CHECK(acc.create_stream(file("S2", 1, 3)).ok());  // wrapped negative: accepted (the upstream bug)
  }
}

// ------------------------------------------------------------------ tiered reservations

TEST_CASE(
    "TestJetStreamJWTHAStorageLimitsOnScaleAndUpdate (docs/semantics.md#replica-scaling, docs/semantics.md#stream-update, "
    "docs/semantics.md#reserved-storage): tiered reservations are not x R") {
  const std::int64_t max_file = 5 * MiB, max_mem = MiB;
  account_limits l = zero_account_limits;
  l.max_store = max_file;
  l.max_memory = max_mem;
  engine eng(server(256 * MiB, 2 * GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "acc", limits_map{{"R3", l}, {"R1", l}});
  { auto t = create(acc, file("TEST", max_file, 3)); }  // deleted
  std::vector<engine::reservation> s;
  for (int i = 1; i <= 5; ++i) s.push_back(create(acc, file("TEST" + std::to_string(i), MiB, 3)));
  auto sixth = acc.create_stream(file("TEST6", MiB, 3));
  CHECK(err(sixth) == errc::storage_resources_exceeded);
  REQUIRE(s[0].update(file("TEST1", 512 * KiB, 3)).ok());
  REQUIRE(s[1].update(file("TEST2", 512 * KiB, 3)).ok());
  { auto t6 = create(acc, file("TEST6", MiB, 3)); }  // deleted again
  auto t6 = create(acc, file("TEST6", MiB, 1));
  REQUIRE(t6.update(file("TEST6", MiB, 3)).ok());  // scale up fits exactly (5 MiB)
  CHECK(t6.tier().name() == "R3");
  auto t7 = create(acc, file("TEST7", 2 * MiB, 1));
  auto t8 = create(acc, mem("TEST8", 256 * KiB, 1));
  auto t9 = create(acc, mem("TEST9", 22 * KiB, 3));
  const auto info = acc.usage();
  REQUIRE(info.tiers.count("R1") == 1);
  REQUIRE(info.tiers.count("R3") == 1);
  CHECK(info.tiers.at("R1").reserved_memory == 256 * 1024);      // TEST8
  CHECK(info.tiers.at("R1").reserved_store == 2 * 1024 * 1024);  // TEST7
  CHECK(info.tiers.at("R3").reserved_memory == 22 * 1024);       // TEST9
  CHECK(info.tiers.at("R3").reserved_store == 5 * 1024 * 1024);  // TEST1-TEST6
}

TEST_CASE(
    "TestJetStreamJWTClusteredTiersChange (docs/semantics.md#tier-move tier move, docs/semantics.md#stream-update): R1 -> R3 not "
    "x R (main)") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(0, 1000)}, {"R3", lim(0, 500)}});
  auto s = create(acc, file("S", 1000, 1));
  auto before = acc.usage();
  CHECK(before.tiers.at("R1").streams == 1);
  CHECK(before.tiers.at("R3").streams == 0);
  CHECK(err(s.update(file("S", 1000, 3))) == errc::storage_resources_exceeded);  // 1000 > 500
  CHECK(s.tier().name() == "R1");
  REQUIRE(eng.update_account_limits("A", limits_map{{"R1", lim(0, 1000)}, {"R3", lim(0, 1000)}}).ok());
  REQUIRE(s.update(file("S", 1000, 3)).ok());
  CHECK(s.tier().name() == "R3");
  auto after = acc.usage();
  CHECK(after.tiers.at("R1").streams == 0);
  CHECK(after.tiers.at("R3").streams == 1);
  CHECK(after.streams == 1);
}

TEST_CASE(
    "TestJetStreamJWTClusteredTiersChange under 2.9.10 (docs/semantics.md#stream-update): replica growth offset refuses the "
    "move") {
  engine_v29 eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(0, 1000)}, {"R3", lim(0, 1000)}});
  auto s = create(acc, file("S", 1000, 1));
  // 2.9.10: reserved = 1 x 1000, offset = 1000 x (3 - 1): 3000 > 1000
  CHECK(err(s.update(file("S", 1000, 3))) == errc::storage_resources_exceeded);
}

TEST_CASE(
    "TestJetStreamClusterStreamLimitsOnScaleUpAndMove (docs/semantics.md#reservation-checks, meta-leader check): R3 disk 0 "
    "refuses an unlimited stream") {
  // The clustered scale-up runs the create limits check on the new config (jsClusteredStreamLimitsCheck).
  engine eng(server(256 * MiB, 2 * GiB), {.mode = deployment::clustered});
  account_limits r1 = lim(0, -1, 1, -1);
  account_limits r3 = lim(0, 0, 1, -1);
  auto acc = enable(eng, "A", limits_map{{"R1", r1}, {"R3", r3}});
  auto s = create(acc, file("TEST"));
  s.add_usage(100 * 1054);
  const auto up = file("TEST", -1, 3);
  auto sel = acc.select_limits(up);
  REQUIRE(sel.ok());
  CHECK(sel->tier == "R3");
  const auto reserved = acc.tiered_reservation(sel->tier, up);
  CHECK(reserved == 0);
  CHECK(acc.check_limits(*sel, up, false, reserved, 0) == errc::storage_resources_exceeded);
  CHECK(api_error(errc::storage_resources_exceeded).description().find("insufficient storage resources") == 0);
}

TEST_CASE(
    "TestJetStreamClusterAccountUsageDrifts (docs/semantics.md#tier-move tier move rule): usage follows the stream between R1 "
    "and R3") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  auto s = create(acc, file("S", -1, 3));
  s.add_usage(300);
  auto r1 = acc.tier("R1");
  auto r3 = acc.tier("R3");
  CHECK(acc.usage_of(r3, storage_type::file).local == 300);
  update_options o;
  o.stored_bytes = 300;
  REQUIRE(s.update(file("S", -1, 1), o).ok());  // scale down: bytes move to R1
  CHECK(acc.usage_of(r1, storage_type::file).local == 300);
  CHECK(acc.usage_of(r3, storage_type::file).local == 0);
  CHECK(eng.used().store == 300);  // the server total does not change
  CHECK(acc.usage().tiers.at("R1").store == 300);
  CHECK(acc.usage().tiers.at("R3").store == 0);
  REQUIRE(s.update(file("S", -1, 3), o).ok());  // and back up
  CHECK(acc.usage_of(r3, storage_type::file).local == 300);
  CHECK(acc.usage_of(r1, storage_type::file).local == 0);
  s.add_usage(-300);  // purge
  CHECK(acc.usage().tiers.at("R3").store == 0);
}

TEST_CASE_TEMPLATE("docs/semantics.md#tier-move tier move on any update once the map gains the tier; no move without limits", E,
                   engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  auto s = create(acc, file("S", 100));
  s.add_usage(40);
  CHECK(s.tier().name().empty());
  update_options o;
  o.stored_bytes = 40;
  REQUIRE(s.update(file("S", 100), o).ok());
  CHECK(s.tier().name().empty());  // untiered map has no "R1": nothing changes
  REQUIRE(eng.update_account_limits("A", limits_map{{"R1", lim(-1, -1)}}).ok());
  REQUIRE(s.update(file("S", 100), o).ok());  // no replica change, still moved
  CHECK(s.tier().name() == "R1");
  CHECK(acc.usage_of(acc.tier(""), storage_type::file).local == 0);
  CHECK(acc.usage_of(acc.tier("R1"), storage_type::file).local == 40);
  CHECK(eng.used().store == 40);
}

TEST_CASE_TEMPLATE("docs/semantics.md#stream-update storage change on update moves the reservation between budgets", E, engine,
                   engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  auto s = create(acc, file("S", 100));
  REQUIRE(s.update(mem("S", 100)).ok());
  CHECK(eng.reserved() == mem_store{100, 0});
}

TEST_CASE_TEMPLATE("docs/semantics.md#stream-create step 4 (main): standalone update to replicas > 1 -> 10074", E, engine,
                   plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  auto s = create(acc, file("S", 100));
  CHECK(err(s.update(file("S", 100, 3))) == errc::stream_replicas_not_supported);
  CHECK(s.config().replicas == 1);
}

TEST_CASE_TEMPLATE("docs/semantics.md#stream-update update on a disabled account -> 10039", E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  auto s = create(acc, file("S", 100));
  REQUIRE(eng.disable_account("A").ok());
  CHECK(err(s.update(file("S", 50))) == errc::not_enabled_for_account);
}

// ------------------------------------------------------------------ delete and RAII

TEST_CASE_TEMPLATE(
    "TestJetStreamClusterStreamAccountingOnStoreError (docs/semantics.md#reserve-release f098c253a): delete releases usage and "
    "reservation",
    E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  {
    auto s = create(acc, file("S", MiB));
    s.add_usage(500);
    CHECK(eng.reserved().store == MiB);
    s.add_usage(-500);  // the stream layer reports the removed bytes
  }
  CHECK(eng.reserved().store == 0);
  CHECK(acc.usage().store == 0);
  CHECK(eng.usage_stats().store == 0);
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#reserve-release RAII: release() keeps the stream; delete_stream releases later; unknown -> 10059", E,
    engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  std::string name;
  {
    auto s = create(acc, file("S", 100));
    name = s.release();
    CHECK_FALSE(static_cast<bool>(s));
    CHECK_FALSE(s.owns());
    CHECK(s.release().empty());  // second release: nothing
  }
  CHECK(name == "S");
  CHECK(acc.num_streams() == 1);
  CHECK(eng.reserved().store == 100);
  REQUIRE(acc.delete_stream("S").ok());
  CHECK(eng.reserved().store == 0);
  CHECK(acc.num_streams() == 0);
  CHECK(err(acc.delete_stream("S")) == errc::stream_not_found);
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#reserve-release RAII: moving handles transfers ownership; move-assign deletes the overwritten stream", E,
    engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  auto a = create(acc, file("A", 10));
  auto moved = std::move(a);
  CHECK_FALSE(static_cast<bool>(a));  // NOLINT(bugprone-use-after-move): moved-from state is specified
  CHECK_FALSE(a.owns());              // NOLINT(bugprone-use-after-move)
  CHECK(moved.owns());
  CHECK(moved.config().name == "A");
  CHECK(eng.reserved().store == 10);
  auto b = create(acc, file("B", 20));
  CHECK(eng.reserved().store == 30);
  b = std::move(moved);  // B is deleted, A now owned by b
  CHECK(eng.reserved().store == 10);
  CHECK(acc.num_streams() == 1);
  CHECK(b.config().name == "A");
  b.reset();
  b.reset();  // idempotent
  CHECK(eng.reserved().store == 0);
  CHECK(acc.num_streams() == 0);
  typename E::reservation empty;
  CHECK_FALSE(static_cast<bool>(empty));
  empty.reset();
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#reserve-release, docs/semantics.md#account-disable RAII: a handle outliving a disabled account keeps "
    "the reservation while it lives (docs/semantics.md#diff-disabled-handle-release)",
    E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  {
    auto s = create(acc, file("S", 100));
    s.add_usage(10);
    REQUIRE(eng.disable_account("A").ok());
    CHECK(eng.num_accounts() == 0);
    CHECK(err(s.add_consumer({})) == errc::not_enabled_for_account);
    CHECK(eng.reserved().store == 100);  // a plain stop does not release (docs/semantics.md#reserve-release)
    // re-enabling creates a fresh account: no streams, the old reservation is still counted on the server
    auto again = enable(eng, "A");
    CHECK(again.num_streams() == 0);
    CHECK(eng.reserved().store == 100);
  }
  CHECK(eng.reserved().store == 0);  // the handle died: released (main keeps it until a restart)
}

TEST_CASE("docs/semantics.md#reserve-release RAII: a handle outliving the engine can be destroyed safely") {
  engine::reservation keep;
  {
    engine eng(server(GiB, GiB));
    auto acc = enable(eng, "A");
    keep = create(acc, file("S", 100));
  }
  CHECK(static_cast<bool>(keep));
  keep.reset();
  CHECK_FALSE(static_cast<bool>(keep));
}

TEST_CASE("docs/semantics.md#stream-update step 3 (main): new replica tier without limits falls back to the old tier's limits") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, 1000)}});
  auto s = create(acc, file("S", 100, 1));
  REQUIRE(s.update(file("S", 100, 3)).ok());  // R3 has no limits: R1's are used
  CHECK(s.tier().name() == "R1");             // no move: R3 has no limits (docs/semantics.md#tier-move)
  // the stream is now R3; an update that keeps R3 has no replica change, so no fallback: 10120 (docs/semantics.md#stream-update
  // step 3)
  CHECK(err(s.update(file("S", 50, 3))) == errc::no_limits);
  // the fallback still checks the old tier's limit: R1 -> R3 with 1001 bytes exceeds R1's 1000
  auto t = create(acc, file("T", 100, 1));
  CHECK(err(t.update(file("T", 1001, 3))) == errc::storage_resources_exceeded);
}

TEST_CASE("events: a refused stream create or update reports reservation_refused (after the lock is released)") {
  jsacct::jetstream_config cfg;
  cfg.max_memory = std::int64_t{1} << 30;
  cfg.max_store = std::int64_t{1} << 30;
  jsacct::engine eng(cfg);
  auto lim = jsacct::dynamic_account_limits;
  lim.max_store = 1000;
  auto acc = eng.enable_account("A", {{"", lim}}).value();
  std::vector<jsacct::event> seen;
  eng.set_event_sink([&](const jsacct::event& e) {
    seen.push_back(e);
    (void)acc.num_streams();  // the sink may call back into the engine: no lock is held
  });
  auto ok = acc.create_stream(jsacct::stream_config{.name = "S", .storage = jsacct::storage_type::file, .max_bytes = 600});
  REQUIRE(ok);
  CHECK(seen.empty());
  auto refused = acc.create_stream(
      jsacct::stream_config{.name = "T", .storage = jsacct::storage_type::file, .max_bytes = 401});  // 600 + 401 > 1000
  CHECK_FALSE(refused);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].kind == jsacct::event_kind::reservation_refused);
  CHECK(seen[0].account == "A");
  CHECK(seen[0].error == jsacct::errc::storage_resources_exceeded);
  CHECK(seen[0].text == "insufficient storage resources available");
  CHECK_FALSE(ok->update(jsacct::stream_config{.name = "S", .storage = jsacct::storage_type::file, .max_bytes = 1001}));
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].error == jsacct::errc::storage_resources_exceeded);
}
