// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#max-consumers max consumers (standalone main and 2.9.10), docs/semantics.md#reservation-checks checkLimits
// step 1.
#include "core_helpers.hpp"

using namespace jsacct;
using namespace coretest;

namespace {
consumer_request consumer(std::int64_t replicas = 1, bool limitable = true, bool is_update = false) {
  consumer_request q;
  q.replicas = replicas;
  q.limitable = limitable;
  q.is_update = is_update;
  return q;
}
}  // namespace

TEST_CASE_TEMPLATE(
    "TestJetStreamMaxConsumers (docs/semantics.md#max-consumers, docs/semantics.md#counting-streams e13d22baf): stream cap 2; an "
    "existing name does not count",
    E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  auto s = create(acc, stream("S", storage_type::file, -1, 1, 2));
  CHECK(s.add_consumer(consumer()).ok());
  CHECK(s.add_consumer(consumer()).ok());
  CHECK(s.add_consumer(consumer(1, true, true)).ok());  // re-create of an existing durable: an update
  CHECK(s.consumers() == 2);
  CHECK(err(s.add_consumer(consumer())) == errc::maximum_consumers_limit);
  CHECK(s.consumers() == 2);
}

TEST_CASE_TEMPLATE(
    "TestJetStreamSystemLimits (docs/semantics.md#max-consumers part): account cap per stream, stream cap, the smaller wins", E,
    engine, engine_v29, plain_engine) {
  E eng(server(1024, 8192));
  account_limits l = zero_account_limits;
  l.max_memory = 1024;
  l.max_store = 8192;
  l.max_streams = 10;
  l.max_consumers = 10;
  auto acc = enable(eng, "FOO", untiered(l));
  {
    auto s = create(acc, mem("22"));
    for (int i = 0; i < 10; ++i) CHECK(s.add_consumer(consumer()).ok());
    CHECK(err(s.add_consumer(consumer())) == errc::maximum_consumers_limit);
  }
  {
    auto s = create(acc, stream("22", storage_type::memory, -1, 1, 5));
    for (int i = 0; i < 5; ++i) CHECK(s.add_consumer(consumer()).ok());
    CHECK(err(s.add_consumer(consumer())) == errc::maximum_consumers_limit);
  }
  {
    auto s = create(acc, stream("22", storage_type::memory, -1, 1, 10));
    l.max_consumers = 5;
    REQUIRE(eng.update_account_limits("FOO", untiered(l)).ok());
    for (int i = 0; i < 5; ++i) CHECK(s.add_consumer(consumer()).ok());
    CHECK(err(s.add_consumer(consumer())) == errc::maximum_consumers_limit);
  }
}

TEST_CASE_TEMPLATE("docs/semantics.md#max-consumers the account cap is per stream, not per account", E, engine, engine_v29,
                   plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A", untiered(lim(-1, -1, -1, 1)));
  auto a = create(acc, file("A"));
  auto b = create(acc, file("B"));
  CHECK(a.add_consumer(consumer()).ok());
  CHECK(b.add_consumer(consumer()).ok());
  CHECK(err(a.add_consumer(consumer())) == errc::maximum_consumers_limit);
  CHECK(acc.usage().consumers == 2);
}

TEST_CASE_TEMPLATE("docs/semantics.md#max-consumers cap 0 / -1 is unlimited; direct and sourcing consumers are not limited", E,
                   engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A", untiered(lim(-1, -1, -1, 0)));
  auto s = create(acc, file("S"));
  for (int i = 0; i < 50; ++i) REQUIRE(s.add_consumer(consumer()).ok());
  auto t = create(acc, stream("T", storage_type::file, -1, 1, 1));
  CHECK(t.add_consumer(consumer()).ok());
  CHECK(t.add_consumer(consumer(1, false)).ok());  // not limitable
  CHECK(err(t.add_consumer(consumer())) == errc::maximum_consumers_limit);
  CHECK(t.consumers() == 2);
  CHECK(acc.usage().consumers == 52);  // account info counts all consumers (docs/semantics.md#account-usage-snapshot)
}

TEST_CASE_TEMPLATE("docs/semantics.md#max-consumers removing a consumer frees a slot", E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  auto s = create(acc, stream("S", storage_type::file, -1, 1, 1));
  CHECK(s.add_consumer(consumer()).ok());
  CHECK(err(s.add_consumer(consumer())) == errc::maximum_consumers_limit);
  s.remove_consumer();
  CHECK(s.consumers() == 0);
  CHECK(s.add_consumer(consumer()).ok());
  s.remove_consumer();
  s.remove_consumer();  // nothing left: no-op
  CHECK(s.consumers() == 0);
  CHECK(acc.usage().consumers == 0);
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#reservation-checks checkLimits step 1: stream MaxConsumers above the account's -> 10026 at create", E,
    engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A", untiered(lim(-1, -1, -1, 5)));
  CHECK(err(acc.create_stream(stream("S", storage_type::file, -1, 1, 6))) == errc::maximum_consumers_limit);
  auto ok = acc.create_stream(stream("S", storage_type::file, -1, 1, 5));
  CHECK(ok.ok());
}

TEST_CASE(
    "docs/semantics.md#max-consumers main: the consumer's own replica tier gives the account cap (c1a499139); 2.9.10: the "
    "stream's") {
  // R3 stream; R1 tier {consumers 2}, R3 tier {consumers 3, streams 1} (standalone counting: the stream's consumers)
  const limits_map tiers{{"R1", lim(-1, -1, 0, 2)}, {"R3", lim(-1, -1, 1, 3)}};
  {
    engine eng(server(GiB, GiB), {.mode = deployment::clustered});
    auto acc = enable(eng, "A", tiers);
    auto s = create(acc, file("S", -1, 3));
    CHECK(s.add_consumer(consumer(1)).ok());
    CHECK(s.add_consumer(consumer(1)).ok());
    CHECK(err(s.add_consumer(consumer(1))) == errc::maximum_consumers_limit);  // R1 cap 2
    CHECK(s.add_consumer(consumer(3)).ok());                                   // R3 cap 3
    CHECK(err(s.add_consumer(consumer(3))) == errc::maximum_consumers_limit);
    CHECK(err(s.add_consumer(consumer(2))) == errc::no_limits);  // no R2 tier
  }
  {
    engine_v29 eng(server(GiB, GiB), {.mode = deployment::clustered});
    auto acc = enable(eng, "A", tiers);
    auto s = create(acc, file("S", -1, 3));
    for (int i = 0; i < 3; ++i) CHECK(s.add_consumer(consumer(1)).ok());  // stream's (R3) cap 3
    CHECK(err(s.add_consumer(consumer(1))) == errc::maximum_consumers_limit);
  }
}

TEST_CASE("docs/semantics.md#account-usage-snapshot standalone: consumers are attributed to the stream's tier") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  auto s = create(acc, file("S", -1, 3));
  for (int i = 0; i < 10; ++i) REQUIRE(s.add_consumer(consumer(1)).ok());
  const auto info = acc.usage();
  CHECK(info.consumers == 10);
  CHECK(info.tiers.at("R3").consumers == 10);
  CHECK(info.tiers.at("R3").streams == 1);
  CHECK(info.tiers.at("R1").consumers == 0);
}
