// SPDX-License-Identifier: Apache-2.0
// spec §4 per-message sizes, §2.1 storage types, §2.9 constants.
#include "core_helpers.hpp"

using namespace jsacct;
using namespace coretest;

TEST_CASE("§4 memStoreMsgSize: S + H + M + 16") {
  // spec §4 examples
  CHECK(mem_store_msg_size(msg(1, 5)) == 22);  // subject "s", payload "hello"
  CHECK(mem_store_msg_size(msg(1, 0)) == 17);  // subject "B", no payload
  CHECK(mem_store_msg_size(msg(0, 0)) == 16);  // empty: limitsExceeded overhead
  CHECK(mem_store_msg_size(msg(1, 0, 1)) == 18);
  CHECK(mem_store_msg_size(msg(10, 20, 30)) == 76);
  static_assert(mem_store_msg_size(msg_lengths{}) == 16);
}

TEST_CASE("§4 fileStoreMsgSize: S + M + 30 without headers, S + H + M + 34 with") {
  CHECK(file_store_msg_size(msg(1, 5)) == 36);  // spec §4 example
  CHECK(file_store_msg_size(msg(1, 0)) == 31);  // spec §4 example ("B", 31)
  CHECK(file_store_msg_size(msg(0, 0)) == 30);
  // a 1-byte header block costs 5 bytes more than none (spec §4 discontinuity)
  CHECK(file_store_msg_size(msg(1, 0, 1)) == 36);
  CHECK(file_store_msg_size(msg(1, 0, 1)) - file_store_msg_size(msg(1, 0)) == 5);
  CHECK(file_store_msg_size(msg(3, 10, 7)) == 3 + 7 + 10 + 34);
  static_assert(file_store_msg_size(msg_lengths{}) == 30);
}

TEST_CASE("§4 sizes used by upstream tests (TestJWTJetStreamTiers, TestJWTJetStreamMaxStore)") {
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

TEST_CASE("§4 sizes are unsigned 64-bit (huge lengths do not trap)") {
  const std::uint64_t big = std::numeric_limits<std::uint64_t>::max() - 100;
  CHECK(mem_store_msg_size(msg(0, big)) == big + 16);
  CHECK(file_store_msg_size(msg(0, big)) == big + 30);
}

TEST_CASE("§2.1 storage backends: sizes, limits, errors, capacities (§2.9)") {
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

TEST_CASE("§2.1 storage type: numeric values, JSON and display names") {
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

TEST_CASE("§2.1 usage treats non-memory as file; reservations ignore other values") {
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

TEST_CASE("§2.3 dynamic limits and default tiers") {
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
  CHECK(js_api_level == 5);  // §2.6
}
