// SPDX-License-Identifier: Apache-2.0
// Limit changes while usage exists (untiered <-> tiered): each stream's usage
// and counts move to the tier the new limits select, atomically with respect
// to concurrent usage updates and reservations (nats-server issue #2971).
// And disabling an account under load is safe.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "jsacct/jsacct.hpp"

using namespace jsacct;

namespace {

account_limits store_limit(std::int64_t v) {
  account_limits l = dynamic_account_limits;
  l.max_store = v;
  return l;
}

limits_map untiered() { return {{"", store_limit(std::int64_t{1} << 40)}}; }
limits_map tiered() { return {{"R1", store_limit(std::int64_t{1} << 40)}, {"R3", store_limit(std::int64_t{1} << 40)}}; }

jetstream_config big_server() {
  jetstream_config c;
  c.max_memory = std::int64_t{1} << 40;
  c.max_store = std::int64_t{1} << 50;
  return c;
}

}  // namespace

TEST_CASE("rekey: untiered -> tiered -> untiered moves each stream's usage and counts (main), not in 2.9.10") {
  engine e(big_server(), {.mode = deployment::clustered});
  auto a = e.enable_account("A", untiered()).value();
  auto s1 = a.create_stream(stream_config{.name = "S1", .storage = storage_type::file, .max_bytes = 1000, .replicas = 1}).value();
  auto s3 = a.create_stream(stream_config{.name = "S3", .storage = storage_type::file, .max_bytes = 2000, .replicas = 3}).value();
  s1.add_usage(500);
  s3.add_usage(3 * 700);
  CHECK(a.usage().store == 500 + 2100);
  REQUIRE(e.update_account_limits("A", tiered()));
  account_stats st = a.usage();
  CHECK(st.store == 2600);
  CHECK(st.tiers.count("") == 0);  // empty, no limits: skipped (docs/semantics.md#account-usage-snapshot)
  CHECK(st.tiers.at("R1").store == 500);
  CHECK(st.tiers.at("R1").streams == 1);
  CHECK(st.tiers.at("R3").store == 2100);
  CHECK(st.tiers.at("R3").streams == 1);
  CHECK(s1.tier().name() == "R1");
  CHECK(s1.check_publish(msg_lengths{1, 0, 1}) == errc::none);  // R1 limits apply, no 10120
  CHECK(e.reserved().store == 3000);                            // reservations untouched
  REQUIRE(e.update_account_limits("A", untiered()));
  st = a.usage();
  CHECK(st.tiers.empty());
  CHECK(st.store == 2600);
  CHECK(s3.tier().name() == "");
  CHECK(a.usage_of(s3.tier(), storage_type::file).local == 2600);
}

TEST_CASE("rekey: 2.9.10 keeps streams in their old tier (the #2971 symptom: 10120 until the stream is updated)") {
  engine_v29 e(big_server(), {.mode = deployment::clustered});
  auto a = e.enable_account("A", untiered()).value();
  auto s1 = a.create_stream(stream_config{.name = "S1", .storage = storage_type::file, .max_bytes = 1000, .replicas = 1}).value();
  s1.add_usage(500);
  REQUIRE(e.update_account_limits("A", tiered()));
  CHECK(s1.tier().name() == "");
  s1.add_usage(10);
  CHECK(s1.check_stored() == errc::no_limits);
}

TEST_CASE("stress: switching untiered <-> tiered under load conserves usage and reservations") {
  engine e(big_server(), {.mode = deployment::clustered});
  auto a = e.enable_account("A", untiered()).value();
  std::vector<engine::reservation> streams;
  for (int i = 0; i < 8; ++i)
    streams.push_back(a.create_stream(stream_config{.name = "S" + std::to_string(i),
                                                    .storage = storage_type::file,
                                                    .max_bytes = 1000 + i,
                                                    .replicas = i % 2 == 0 ? 1 : 3})
                          .value());
  std::atomic<bool> stop{false};
  std::vector<std::int64_t> applied(streams.size(), 0);
  std::thread writer([&] {
    for (int round = 0; !stop.load(); ++round) {
      for (std::size_t i = 0; i < streams.size(); ++i) {
        const std::int64_t d = round % 4 == 3 ? -64 : 128;
        streams[i].add_usage(d);
        applied[i] += d;
        (void)streams[i].check_publish(msg_lengths{2, 0, 16});
      }
    }
  });
  std::thread churn([&] {  // reservations come and go meanwhile
    for (int i = 0; !stop.load(); ++i) {
      auto r = a.create_stream(stream_config{
          .name = "C" + std::to_string(i % 4), .storage = storage_type::file, .max_bytes = 10, .replicas = 1 + 2 * (i % 2)});
      if (r) r->add_usage(5), r->add_usage(-5);
    }
  });
  for (int i = 0; i < 5000; ++i) REQUIRE(e.update_account_limits("A", i % 2 == 0 ? tiered() : untiered()));
  stop.store(true);
  writer.join();
  churn.join();
  // Final state untiered (5000 switches): every stream in "", all usage there.
  std::int64_t total = 0;
  for (std::size_t i = 0; i < streams.size(); ++i) {
    CHECK(streams[i].stored_bytes() == applied[i]);
    total += applied[i];
  }
  const account_stats st = a.usage();
  CHECK(st.store == static_cast<std::uint64_t>(total));
  CHECK(a.usage_of(streams[0].tier(), storage_type::file).local == total);
  CHECK(e.used().store == total);
  std::int64_t reserved = 0;
  for (int i = 0; i < 8; ++i) reserved += 1000 + i;
  CHECK(e.reserved().store == reserved);  // the churn streams were all released
  CHECK(st.streams == 8);
  // And tiered: the usage splits by replica tier.
  REQUIRE(e.update_account_limits("A", tiered()));
  const account_stats t = a.usage();
  std::int64_t r1 = 0, r3 = 0;
  for (std::size_t i = 0; i < streams.size(); ++i) (i % 2 == 0 ? r1 : r3) += applied[i];
  CHECK(t.tiers.at("R1").store == static_cast<std::uint64_t>(r1));
  CHECK(t.tiers.at("R3").store == static_cast<std::uint64_t>(r3));
}

TEST_CASE("stress: disabling an account while other threads use it is safe; handles report it gone") {
  for (int round = 0; round < 20; ++round) {
    engine e(big_server());
    auto a = e.enable_account("A", untiered()).value();
    auto s = a.create_stream(stream_config{.name = "S", .storage = storage_type::file, .max_bytes = 1000}).value();
    std::atomic<bool> go{false};
    std::atomic<int> refused_after{0};
    std::thread user([&] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < 20000; ++i) {
        s.add_usage(16);
        (void)s.check_publish(msg_lengths{1, 0, 1});
        auto r =
            a.create_stream(stream_config{.name = "T" + std::to_string(i % 8), .storage = storage_type::file, .max_bytes = 10});
        if (!r && r.error() == errc::not_enabled_for_account) refused_after.fetch_add(1);
      }
    });
    go.store(true);
    REQUIRE(e.disable_account("A"));
    user.join();
    CHECK_FALSE(a.enabled());
    CHECK(a.create_stream(stream_config{.name = "X", .storage = storage_type::file, .max_bytes = 10}).error() ==
          errc::not_enabled_for_account);
    CHECK(s.update(stream_config{.name = "S", .storage = storage_type::file, .max_bytes = 2000}).error() ==
          errc::not_enabled_for_account);
    CHECK(e.num_accounts() == 0);
    s.reset();  // after disable: nothing released (docs/semantics.md#reserve-release), no crash
  }
}
