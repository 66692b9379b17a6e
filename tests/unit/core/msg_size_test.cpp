// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#message-sizes per-message sizes, docs/semantics.md#storage-types storage types, docs/semantics.md#constants
// constants.
#include "core_helpers.hpp"

using namespace jsacct;
using namespace coretest;

TEST_CASE("docs/semantics.md#message-sizes memStoreMsgSize: S + H + M + 16") {
  // docs/semantics.md#message-sizes examples
  CHECK(mem_store_msg_size(msg(1, 5)) == 22);  // subject "s", payload "hello"
  CHECK(mem_store_msg_size(msg(1, 0)) == 17);  // subject "B", no payload
  CHECK(mem_store_msg_size(msg(0, 0)) == 16);  // empty: limitsExceeded overhead
  CHECK(mem_store_msg_size(msg(1, 0, 1)) == 18);
  CHECK(mem_store_msg_size(msg(10, 20, 30)) == 76);
  static_assert(mem_store_msg_size(msg_lengths{}) == 16);
}

TEST_CASE("docs/semantics.md#message-sizes fileStoreMsgSize: S + M + 30 without headers, S + H + M + 34 with") {
  CHECK(file_store_msg_size(msg(1, 5)) == 36);  // docs/semantics.md#message-sizes example
  CHECK(file_store_msg_size(msg(1, 0)) == 31);  // docs/semantics.md#message-sizes example ("B", 31)
  CHECK(file_store_msg_size(msg(0, 0)) == 30);
  // a 1-byte header block costs 5 bytes more than none (docs/semantics.md#message-sizes discontinuity)
  CHECK(file_store_msg_size(msg(1, 0, 1)) == 36);
  CHECK(file_store_msg_size(msg(1, 0, 1)) - file_store_msg_size(msg(1, 0)) == 5);
  CHECK(file_store_msg_size(msg(3, 10, 7)) == 3 + 7 + 10 + 34);
  static_assert(file_store_msg_size(msg_lengths{}) == 30);
}

TEST_CASE("docs/semantics.md#message-sizes sizes used by upstream tests (TestJWTJetStreamTiers, TestJWTJetStreamMaxStore)") {
  // TestJWTJetStreamTiers: 512-byte payload on subject "testR1-1" counts 550; "1" counts 39
  CHECK(file_store_msg_size(msg(8, 512)) == 550);
  CHECK(file_store_msg_size(msg(8, 1)) == 39);
  // TestJWTJetStreamMaxStore: 900 bytes on "foo" = 933, 991 -> 1024, 2015 on "bar" -> 2048
  CHECK(file_store_msg_size(msg(3, 900)) == 933);
  CHECK(file_store_msg_size(msg(3, 991)) == 1024);
  CHECK(file_store_msg_size(msg(3, 2015)) == 2048);
  // TestJetStreamClusterAccountStoreLimits: subject "B", nil payload: file 31, memory 17
  CHECK(file_store_msg_size(msg(1, 0)) == 31);
  CHECK(mem_store_msg_size(msg(1, 0)) == 17);
}

TEST_CASE("docs/semantics.md#message-sizes sizes are unsigned 64-bit (huge lengths do not trap)") {
  const std::uint64_t big = std::numeric_limits<std::uint64_t>::max() - 100;
  CHECK(mem_store_msg_size(msg(0, big)) == big + 16);
  CHECK(file_store_msg_size(msg(0, big)) == big + 30);
}

TEST_CASE("docs/semantics.md#storage-types storage backends: sizes, limits, errors, capacities (docs/semantics.md#constants)") {
  static_assert(storage_backend<memory_backend>);
  static_assert(storage_backend<file_backend>);
  CHECK(memory_backend::msg_size(msg(1, 5)) == 22);
  CHECK(file_backend::msg_size(msg(1, 5)) == 36);
  account_limits l = lim(11, 22);
  l.memory_max_stream_bytes = 33;
  l.store_max_stream_bytes = 44;
  CHECK(memory_backend::account_limit(l) == 11);
  CHECK(file_backend::account_limit(l) == 22);
  CHECK(memory_backend::stream_bytes_cap(l) == 33);
  CHECK(file_backend::stream_bytes_cap(l) == 44);
  CHECK(memory_backend::server_limit(server(5, 6)) == 5);
  CHECK(file_backend::server_limit(server(5, 6)) == 6);
  CHECK(memory_backend::resources_exceeded == errc::memory_resources_exceeded);
  CHECK(file_backend::resources_exceeded == errc::storage_resources_exceeded);
  CHECK(memory_backend::default_capacity == 268435456);    // JetStreamMaxMemDefault 256 MiB
  CHECK(file_backend::default_capacity == 1099511627776);  // JetStreamMaxStoreDefault 1 TiB
}

TEST_CASE("docs/semantics.md#storage-types storage type: numeric values, JSON and display names") {
  CHECK(static_cast<int>(storage_type::file) == 22);
  CHECK(static_cast<int>(storage_type::memory) == 33);
  CHECK(to_json(storage_type::file) == "file");
  CHECK(to_json(storage_type::memory) == "memory");
  CHECK(to_json(storage_type::unset).empty());
  CHECK(display_name(storage_type::file) == "File");
  CHECK(display_name(storage_type::memory) == "Memory");
  CHECK(display_name(storage_type::unset) == "Unknown Storage Type");
  CHECK(display_name(static_cast<storage_type>(7)) == "Unknown Storage Type");
}

TEST_CASE("docs/semantics.md#storage-types usage treats non-memory as file; reservations ignore other values") {
  CHECK(usage_slot(storage_type::memory) == 0);
  CHECK(usage_slot(storage_type::file) == 1);
  CHECK(usage_slot(storage_type::unset) == 1);
  CHECK(usage_slot(static_cast<storage_type>(7)) == 1);
  CHECK(reservation_slot(storage_type::memory) == 0);
  CHECK(reservation_slot(storage_type::file) == 1);
  CHECK(reservation_slot(storage_type::unset) == -1);
  CHECK(reservation_slot(static_cast<storage_type>(7)) == -1);
  CHECK(visit_usage_backend(storage_type::unset, [](auto b) { return decltype(b)::type; }) == storage_type::file);
  CHECK(visit_usage_backend(storage_type::memory, [](auto b) { return decltype(b)::type; }) == storage_type::memory);
}

TEST_CASE("docs/semantics.md#account-limits dynamic limits and default tiers") {
  CHECK(dynamic_account_limits.max_memory == -1);
  CHECK(dynamic_account_limits.max_store == -1);
  CHECK(dynamic_account_limits.max_streams == -1);
  CHECK(dynamic_account_limits.max_consumers == -1);
  CHECK(dynamic_account_limits.max_ack_pending == -1);
  CHECK(dynamic_account_limits.memory_max_stream_bytes == -1);
  CHECK(dynamic_account_limits.store_max_stream_bytes == -1);
  CHECK_FALSE(dynamic_account_limits.max_bytes_required);
  const auto d = default_account_tiers();
  REQUIRE(d.size() == 1);
  CHECK(d.begin()->first.empty());
  CHECK(d.begin()->second == dynamic_account_limits);
  CHECK(js_api_level == 5);  // docs/semantics.md#api-stats
}

TEST_CASE(
    "docs/semantics.md#message-sizes sizes saturate at UINT64_MAX instead of wrapping (issue 17: 2^63 + 0 + 2^63 counted as 30 "
    "bytes)") {
  constexpr std::uint64_t U = std::numeric_limits<std::uint64_t>::max();
  constexpr std::uint64_t I = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  constexpr std::uint64_t half = std::uint64_t{1} << 63;
  CHECK(msg_size_saturated == U);
  // The wrapped sums were 16 and 30 (mem / file) for {2^63, 0, 2^63}.
  CHECK(mem_store_msg_size(msg(half, half)) == U);
  CHECK(file_store_msg_size(msg(half, half)) == U);
  CHECK(mem_store_msg_size(msg(U, 0)) == U);
  CHECK(file_store_msg_size(msg(U, 0)) == U);
  CHECK(file_store_msg_size(msg(0, 0, U)) == U);  // header alone
  CHECK(file_store_msg_size(msg(U, U, U)) == U);
  CHECK(mem_store_msg_size(msg(U, U, U)) == U);
  CHECK(file_store_msg_size(msg(1, U - 1)) == U);  // S + M fits, the overhead does not
  CHECK(mem_store_msg_size(msg(1, U - 1)) == U);
  // Exact up to the top: the last sums that fit.
  CHECK(mem_store_msg_size(msg(0, U - 16)) == U);
  CHECK(mem_store_msg_size(msg(0, U - 17)) == U - 1);
  CHECK(file_store_msg_size(msg(0, U - 31)) == U - 1);
  CHECK(file_store_msg_size(msg(0, U - 36, 1)) == U - 1);
  CHECK(file_store_msg_size(msg(0, U - 35, 1)) == U);
  // INT64_MAX lengths do not overflow 64 bits: exact.
  CHECK(mem_store_msg_size(msg(I, 0)) == I + 16);
  CHECK(file_store_msg_size(msg(0, I)) == I + 30);
  CHECK(file_store_msg_size(msg(0, I, 1)) == I + 35);
  CHECK(file_store_msg_size(msg(I, I)) == U);  // 2^64 - 2 + 30 does not fit: saturated
  static_assert(file_store_msg_size(msg_lengths{half, 0, half}) == U);
  static_assert(mem_store_msg_size(msg_lengths{U, U, U}) == U);
}

TEST_CASE(
    "docs/semantics.md#account-publish-check huge messages are refused by check_publish with 10002 (issue 17: they passed a "
    "100-byte limit)") {
  constexpr std::uint64_t U = std::numeric_limits<std::uint64_t>::max();
  constexpr std::uint64_t half = std::uint64_t{1} << 63;
  const std::uint64_t I = static_cast<std::uint64_t>(MaxInt64);
  for (const storage_type st : {storage_type::file, storage_type::memory}) {
    CAPTURE(st);
    for (const bool tiered : {false, true}) {
      CAPTURE(tiered);
      engine eng(server(MaxInt64, MaxInt64));
      const auto l = lim(100, 100);
      auto acc = enable(eng, "A", tiered ? limits_map{{"R1", l}} : untiered(l));
      auto s = create(acc, stream("S", st));
      s.add_usage(10);  // the tier has a usage entry: the check runs (docs/semantics.md#account-publish-check step 2)
      CHECK(s.check_publish(msg(1, 1)) == errc::none);
      CHECK(s.check_publish(msg(half, half)) == errc::account_resources_exceeded);
      CHECK(s.check_publish(msg(U, 0)) == errc::account_resources_exceeded);
      CHECK(s.check_publish(msg(0, U)) == errc::account_resources_exceeded);
      CHECK(s.check_publish(msg(U, U, U)) == errc::account_resources_exceeded);
      CHECK(s.check_publish(msg(0, half, half)) == errc::account_resources_exceeded);
      CHECK(s.check_publish(msg(I, 0)) == errc::account_resources_exceeded);
      CHECK(s.check_publish(msg(0, I, 1)) == errc::account_resources_exceeded);
    }
  }
}

TEST_CASE(
    "docs/semantics.md#account-publish-check publish check at the int64 edge: a size of exactly INT64_MAX fits a MaxInt64 limit, "
    "one more does not") {
  constexpr std::uint64_t U = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t I = static_cast<std::uint64_t>(MaxInt64);
  for (const storage_type st : {storage_type::file, storage_type::memory}) {
    CAPTURE(st);
    const std::uint64_t overhead = st == storage_type::file ? 30 : 16;
    engine eng(server(MaxInt64, MaxInt64));
    auto acc = enable(eng, "A", untiered(lim(MaxInt64, MaxInt64)));
    auto s = create(acc, stream("S", st));
    s.add_usage(0);
    CHECK(s.check_publish(msg(0, I - overhead)) == errc::none);
    CHECK(s.check_publish(msg(0, I - overhead + 1)) == errc::account_resources_exceeded);
    CHECK(s.check_publish(msg(0, U)) == errc::account_resources_exceeded);
    s.add_usage(1);  // now one byte less room
    CHECK(s.check_publish(msg(0, I - overhead)) == errc::account_resources_exceeded);
    CHECK(s.check_publish(msg(0, I - overhead - 1)) == errc::none);
  }
  // -1 (unlimited): even a saturated size passes the account part.
  engine eng(server(MaxInt64, MaxInt64));
  auto acc = enable(eng, "A", untiered(lim(-1, -1)));
  auto s = create(acc, file("S"));
  s.add_usage(10);
  CHECK(s.check_publish(msg(U, U, U)) == errc::none);
}
