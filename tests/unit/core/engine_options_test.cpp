// SPDX-License-Identifier: Apache-2.0
// Embedder API v1: engine_options, the designated-initializer stream_config,
// the unlimited account_limits default, and what a replicated stream reports
// per server (docs/semantics.md#replicated-usage).
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "core_helpers.hpp"
#include "jsacct/jsacct.hpp"

using namespace jsacct;
using namespace coretest;

TEST_CASE_TEMPLATE("engine_options: standalone by default, clustered on request", E, engine, engine_v29, plain_engine) {
  E standalone(server(GiB, GiB));
  CHECK(standalone.standalone());
  CHECK(standalone.options() == engine_options{});
  CHECK(standalone.options().mode == deployment::standalone);
  E clustered(server(GiB, GiB), {.mode = deployment::clustered});
  CHECK_FALSE(clustered.standalone());
  CHECK(clustered.options().mode == deployment::clustered);
  // The modes differ where docs/semantics.md#stream-create step 4 says: R3 is refused standalone only (10074).
  auto a = standalone.enable_account("A").value();
  CHECK(a.create_stream(stream_config{.name = "S", .replicas = 3}).error() == errc::stream_replicas_not_supported);
  auto c = clustered.enable_account("A").value();
  CHECK(c.create_stream(stream_config{.name = "S", .replicas = 3}).has_value());
}

TEST_CASE("engine_options: sufficientResources applies to standalone only (docs/semantics.md#sufficient-resources)") {
  const limits_map too_big{{"", account_limits{.max_memory = 2048, .max_store = 1}}};
  engine standalone(server(1024, 1024));
  CHECK(standalone.enable_account("A", too_big).error() == errc::memory_resources_exceeded);
  engine clustered(server(1024, 1024), {.mode = deployment::clustered});
  CHECK(clustered.enable_account("A", too_big).has_value());
}

TEST_CASE("engine_options: `{}` as the options argument is the standalone default, with a selector after it") {
  engine js(server(GiB, GiB), {}, replica_tiers{});
  CHECK(js.standalone());
}

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
TEST_CASE("engine_options: the deprecated bool constructor still maps true/false to standalone/clustered") {
  engine t(server(GiB, GiB), true);
  CHECK(t.options().mode == deployment::standalone);
  engine f(server(GiB, GiB), false);
  CHECK(f.options().mode == deployment::clustered);
  CHECK(make_stream("S", storage_type::memory, 10, 3) ==
        stream_config{.name = "S", .storage = storage_type::memory, .max_bytes = 10, .replicas = 3});
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
// The bool overload takes exactly bool: an int does not pick it.
static_assert(!std::is_constructible_v<engine, const jetstream_config&, int>);
static_assert(std::is_constructible_v<engine, const jetstream_config&, engine_options>);

TEST_CASE("stream_config: designated initializers, every member defaulted") {
  const stream_config c{.name = "S", .storage = storage_type::memory, .max_bytes = 1 << 20, .replicas = 3};
  CHECK(c.name == "S");
  CHECK(c.storage == storage_type::memory);
  CHECK(c.max_bytes == 1 << 20);
  CHECK(c.replicas == 3);
  CHECK(c.max_consumers == -1);
  CHECK(c.placement_tag.empty());
  const stream_config d{};
  CHECK(d.storage == storage_type::file);
  CHECK(d.max_bytes == -1);
  CHECK(d.replicas == 1);
  // Edges pass through unchanged (the create flow checks raw values).
  const stream_config e{.name = "E", .max_bytes = std::numeric_limits<std::int64_t>::max(), .replicas = 0};
  CHECK(e.max_bytes == MaxInt64);
  CHECK(e.replicas == 0);
}

TEST_CASE("account_limits{}: unlimited; zero_account_limits: zero bytes") {
  constexpr account_limits u{};
  for (std::int64_t v : {u.max_memory, u.max_store, u.max_streams, u.max_consumers, u.max_ack_pending, u.memory_max_stream_bytes,
                         u.store_max_stream_bytes})
    CHECK(v == -1);
  CHECK_FALSE(u.max_bytes_required);
  CHECK(u == unlimited_account_limits);
  CHECK(u == dynamic_account_limits);
  for (std::int64_t v : {zero_account_limits.max_memory, zero_account_limits.max_store, zero_account_limits.max_streams,
                         zero_account_limits.max_consumers, zero_account_limits.max_ack_pending,
                         zero_account_limits.memory_max_stream_bytes, zero_account_limits.store_max_stream_bytes})
    CHECK(v == 0);
  // A designated initializer sets one field; the others stay unlimited.
  constexpr account_limits one{.max_store = 1000};
  CHECK(one.max_memory == -1);
  CHECK(one.max_store == 1000);
  CHECK(one.max_streams == -1);
}

TEST_CASE_TEMPLATE("account_limits{} admits anything; zero_account_limits refuses the first byte", E, engine, engine_v29,
                   plain_engine) {
  E js(server(GiB, GiB));
  auto u = js.enable_account("U", limits_map{{"", account_limits{}}}).value();
  auto s = u.create_stream(stream_config{.name = "S", .storage = storage_type::memory, .max_bytes = MiB});
  REQUIRE(s.has_value());
  CHECK(u.create_stream(stream_config{.name = "F", .max_bytes = GiB}).has_value());  // exactly the server's capacity
  s->add_usage(MiB);
  CHECK(s->check_publish(msg_lengths{.subject = 1, .header = 0, .payload = 1}) == errc::none);

  auto z = js.enable_account("Z", limits_map{{"", zero_account_limits}}).value();
  CHECK(z.create_stream(stream_config{.name = "M", .storage = storage_type::memory, .max_bytes = 1}).error() ==
        errc::memory_resources_exceeded);
  CHECK(z.create_stream(stream_config{.name = "F", .max_bytes = 1}).error() == errc::storage_resources_exceeded);
  // Even an unlimited MaxBytes (-1) stream is refused: the account has no byte at all.
  auto n = z.create_stream(stream_config{.name = "N", .storage = storage_type::memory});
  CHECK(n.error() == errc::memory_resources_exceeded);
  // One byte of limit is not zero: a one-byte stream fits exactly.
  REQUIRE(js.update_account_limits("Z", limits_map{{"", account_limits{.max_memory = 1, .max_store = 0}}}).has_value());
  CHECK(z.create_stream(stream_config{.name = "M", .storage = storage_type::memory, .max_bytes = 1}).has_value());
  REQUIRE(js.update_account_limits("Z", limits_map{{"", zero_account_limits}}).has_value());
  // The snapshot of an unlimited account reports -1 everywhere, of a zero one 0.
  CHECK(u.usage().limits == unlimited_account_limits);
  CHECK(z.usage().limits == zero_account_limits);
}

// docs/semantics.md#replicated-usage: three servers hold an R3 stream; each
// records ONE replica's bytes. Numbers follow from file_store_msg_size.
TEST_CASE("R3 stream: each server records one replica; totals add the replicas; the publish check scales once") {
  const msg_lengths m{.subject = 8, .header = 0, .payload = 100};
  const auto one = static_cast<std::int64_t>(file_store_msg_size(m));  // stored bytes of one message on one server
  const std::int64_t msgs = 10;
  const std::int64_t limit = 3 * msgs * one + 3 * one - 1;  // untiered: raw bytes of all replicas; room for < 1 more R3 message
  const std::int64_t max_bytes = limit / 3;
  std::array<std::string, 3> node{"n1", "n2", "n3"};
  std::array<engine*, 3> js{};
  engine e1(server(GiB, GiB), {.mode = deployment::clustered});
  engine e2(server(GiB, GiB), {.mode = deployment::clustered});
  engine e3(server(GiB, GiB), {.mode = deployment::clustered});
  js = {&e1, &e2, &e3};
  std::array<engine::account, 3> acc;
  std::array<engine::reservation, 3> s;
  for (std::size_t i = 0; i < 3; ++i) {
    acc[i] = js[i]->enable_account("A", limits_map{{"", account_limits{.max_store = limit}}}).value();
    // MaxBytes M costs the untiered account 3M (docs/semantics.md#replica-scaling): the largest M that fits.
    s[i] = acc[i].create_stream(stream_config{.name = "ORDERS", .max_bytes = max_bytes, .replicas = 3}).value();
    for (std::int64_t k = 0; k < msgs; ++k) {
      REQUIRE(s[i].check_publish(m) == errc::none);
      s[i].add_usage(one);  // the bytes THIS server stored: one replica, not one * 3
    }
  }
  // Each server tells the others its local usage ($JSC.ARU, docs/semantics.md#aru-merge).
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j)
      if (i != j) acc[i].apply_remote_usage(node[j], "", 0, msgs * one);
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    const auto u = acc[i].usage_of(s[i].tier(), storage_type::file);
    CHECK(u.local == msgs * one);       // this server's replica
    CHECK(u.remote == 2 * msgs * one);  // the two peers' replicas
    CHECK(u.total == 3 * msgs * one);   // every replica: what account info reports
    CHECK(acc[i].usage().store == static_cast<std::uint64_t>(3 * msgs * one));
    CHECK(js[i]->used().store == msgs * one);     // server used bytes: one replica
    CHECK(js[i]->reserved().store == max_bytes);  // server reservation: one replica's MaxBytes
    // total + one * 3 = 3*msgs*one + 3*one > limit by one byte: the check multiplies by the replicas.
    CHECK(s[i].check_publish(m) == errc::account_resources_exceeded);
  }
  // One byte more of limit and the next R3 message fits exactly (equal is allowed).
  for (std::size_t i = 0; i < 3; ++i) {
    REQUIRE(js[i]->update_account_limits("A", limits_map{{"", account_limits{.max_store = limit + 1}}}).has_value());
    CHECK(s[i].check_publish(m) == errc::none);
  }
}
