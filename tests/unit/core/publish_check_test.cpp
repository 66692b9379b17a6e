// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#server-publish-check server usage check, docs/semantics.md#account-publish-check account usage check at
// publish time (main pre-store vs 2.9.10 post-store), docs/semantics.md#diff-publish-overflow,
// docs/semantics.md#diff-first-message.
#include "core_helpers.hpp"

#include <vector>

using namespace jsacct;
using namespace coretest;

namespace {
/// Publish one message the way the stream layer does in main: check, then store.
template <class R>
errc publish(R& s, msg_lengths m) {
  if (auto v = s.check_publish(m); v != errc::none) return v.error;
  const auto size = s.config().storage == storage_type::memory ? mem_store_msg_size(m) : file_store_msg_size(m);
  s.add_usage(static_cast<std::int64_t>(size));
  return errc::none;
}
/// 2.9.10 stream layer: store, then check; a refused message is removed again.
template <class R>
errc publish_v29(R& s, msg_lengths m) {
  if (auto v = s.check_publish(m); v != errc::none) return v.error;  // server part only
  const auto size =
      static_cast<std::int64_t>(s.config().storage == storage_type::memory ? mem_store_msg_size(m) : file_store_msg_size(m));
  s.add_usage(size);
  if (auto e = s.check_stored(); e != errc::none) {
    s.add_usage(-size);
    return e;
  }
  return errc::none;
}
}  // namespace

TEST_CASE(
    "TestJWTJetStreamTiers (docs/semantics.md#account-publish-check, docs/semantics.md#counting-streams, "
    "docs/semantics.md#max-consumers): tiered R1 streams, consumers and storage") {
  engine eng(server(256 * MiB, 2 * GiB));
  auto acc = enable(eng, "acc", limits_map{{"R1", lim(0, 1100, 2, 2)}});
  auto s1 = create(acc, file("testR1-1"));
  auto s2 = create(acc, file("testR1-2"));
  CHECK(err(acc.create_stream(file("testR1-3"))) == errc::maximum_streams_limit);
  CHECK(s1.add_consumer({}).ok());                                   // dur1
  CHECK(s1.add_consumer({}).ok());                                   // dur3
  CHECK(err(s1.add_consumer({})) == errc::maximum_consumers_limit);  // dur4
  CHECK(err(s1.add_consumer({})) == errc::maximum_consumers_limit);  // dur5
  CHECK(publish(s1, msg(8, 512)) == errc::none);                     // 550
  CHECK(publish(s2, msg(8, 512)) == errc::none);                     // 550
  CHECK(acc.usage().tiers.at("R1").store == 1100);                   // exactly at the limit
  CHECK(publish(s1, msg(8, 1)) == errc::account_resources_exceeded);
  CHECK(acc.usage().tiers.at("R1").store == 1100);  // nothing stored
  REQUIRE(eng.update_account_limits("acc", limits_map{{"R1", lim(0, 1650, 3, 1)}}).ok());
  auto s3 = create(acc, file("testR1-3"));
  CHECK(err(acc.create_stream(file("testR1-4"))) == errc::maximum_streams_limit);
  CHECK(s3.add_consumer({}).ok());                                   // dur6
  CHECK(err(s3.add_consumer({})) == errc::maximum_consumers_limit);  // dur7
  CHECK(publish(s3, msg(8, 512)) == errc::none);
  CHECK(acc.usage().tiers.at("R1").store == 1650);
  CHECK(publish(s3, msg(8, 1)) == errc::account_resources_exceeded);
  CHECK(acc.usage().tiers.at("R1").store == 1650);
}

TEST_CASE("TestJWTJetStreamMaxStore (docs/semantics.md#account-publish-check): publishing to exactly the limit, then 10002") {
  engine eng(server(256 * MiB, 2 * GiB));
  account_limits r1 = lim(-1, 1024);
  r1.store_max_stream_bytes = 1024;
  auto acc = enable(eng, "acc", limits_map{{"R1", r1}});
  auto foo = create(acc, file("foo", 1024));
  CHECK(publish(foo, msg(3, 900)) == errc::none);  // 933
  CHECK(publish(foo, msg(3, 900)) == errc::account_resources_exceeded);
  account_limits r1b = lim(-1, 3072);
  r1b.store_max_stream_bytes = 2048;
  r1b.max_bytes_required = true;
  REQUIRE(eng.update_account_limits("acc", limits_map{{"R1", r1b}}).ok());
  auto bar = create(acc, file("bar", 2048));
  CHECK(acc.usage().tiers.at("R1").store == 933);
  // the store evicts (DiscardOld): the foo stream keeps at most its MaxBytes; usage is reported by deltas
  CHECK(publish(foo, msg(3, 991)) == errc::none);  // 933 + 1024 = 1957 <= 3072
  foo.add_usage(-933);                             // the old 933-byte message is evicted
  CHECK(acc.usage().tiers.at("R1").store == 1024);
  CHECK(publish(bar, msg(3, 2015)) == errc::none);  // 2048
  CHECK(acc.usage().tiers.at("R1").store == 3072);  // exactly at the limit
  CHECK(publish(bar, msg(3, 1)) == errc::account_resources_exceeded);
  CHECK(acc.usage().tiers.at("R1").store == 3072);
}

TEST_CASE("TestJetStreamClusterAccountStoreLimits R1 publish part (docs/semantics.md#account-publish-check 241ad30fe)") {
  for (storage_type st : {storage_type::memory, storage_type::file}) {
    CAPTURE(static_cast<int>(st));
    const std::int64_t unit =
        static_cast<std::int64_t>(st == storage_type::memory ? mem_store_msg_size(msg(1, 0)) : file_store_msg_size(msg(1, 0)));
    account_limits l = zero_account_limits;
    l.max_memory = static_cast<std::int64_t>(mem_store_msg_size(msg(1, 0))) * 6;
    l.memory_max_stream_bytes = static_cast<std::int64_t>(mem_store_msg_size(msg(1, 0))) * 3;
    l.max_store = static_cast<std::int64_t>(file_store_msg_size(msg(1, 0))) * 6;
    l.store_max_stream_bytes = static_cast<std::int64_t>(file_store_msg_size(msg(1, 0))) * 3;
    l.max_bytes_required = true;
    engine eng(server(GiB, GiB));
    auto acc = enable(eng, "$G", limits_map{{"R1", l}});
    auto a = create(acc, stream("A", st, unit * 3));
    auto b = create(acc, stream("B", st, unit * 3));
    // 10 messages into A: DiscardOld keeps A at 3 messages
    for (int i = 0; i < 10; ++i) {
      CHECK(publish(a, msg(1, 0)) == errc::none);
      if (i >= 3) a.add_usage(-unit);  // evicted
    }
    for (int i = 0; i < 3; ++i) CHECK(publish(b, msg(1, 0)) == errc::none);
    CHECK(publish(b, msg(1, 0)) == errc::account_resources_exceeded);  // 186 + 31 > 186 (pre-store, no eviction credit)
  }
}

TEST_CASE(
    "TestJetStreamStreamStorageTrackingAndLimits (docs/semantics.md#update-usage, docs/semantics.md#account-publish-check): "
    "memory 8192, usage == sum of deltas") {
  engine eng(server(GiB, GiB));
  auto acc = enable(eng, "A", untiered(lim(8192, -1)));
  auto s = create(acc, mem("S"));
  for (int i = 0; i < 10; ++i) REQUIRE(publish(s, msg(3, 100)) == errc::none);  // 119 each
  CHECK(acc.usage().memory == 1190);
  CHECK(acc.usage().streams == 1);
  {
    auto t = create(acc, mem("T"));
    for (int i = 0; i < 5; ++i) REQUIRE(publish(t, msg(3, 100)) == errc::none);
    CHECK(acc.usage().memory == 1190 + 595);
    t.add_usage(-595);  // drained
  }
  CHECK(acc.usage().memory == 1190);
  int accepted = 10;
  errc last = errc::none;
  while ((last = publish(s, msg(3, 100))) == errc::none) ++accepted;
  CHECK(last == errc::account_resources_exceeded);
  CHECK(accepted == 8192 / 119);  // 68 x 119 = 8092 <= 8192 < 69 x 119
  CHECK(acc.usage().memory == 8092);
  CHECK(acc.usage().memory <= 8192);
  REQUIRE(eng.update_account_limits("A", untiered(lim(-1, -1))).ok());
  for (int i = 0; i < 100; ++i) REQUIRE(publish(s, msg(3, 100)) == errc::none);  // unrestricted
}

TEST_CASE(
    "TestJetStreamStreamFileTrackingAndLimits (docs/semantics.md#update-usage, docs/semantics.md#account-publish-check): store "
    "9600") {
  engine eng(server(GiB, GiB));
  auto acc = enable(eng, "A", untiered(lim(-1, 9600)));
  auto s = create(acc, file("S"));
  auto t = create(acc, file("T"));
  for (int i = 0; i < 10; ++i) REQUIRE(publish(s, msg(3, 100)) == errc::none);  // 133 each
  for (int i = 0; i < 10; ++i) REQUIRE(publish(t, msg(3, 100)) == errc::none);
  CHECK(acc.usage().store == 2660);
  errc last = errc::none;
  while ((last = publish(s, msg(3, 100))) == errc::none) {}
  CHECK(last == errc::account_resources_exceeded);
  CHECK(acc.usage().store == 9600 / 133 * 133);
}

TEST_CASE_TEMPLATE("TestJetStreamPurgeExAndAccounting (docs/semantics.md#update-usage): purging half the messages halves usage",
                   E, engine, engine_v29, plain_engine) {
  E eng(server(GiB, GiB));
  auto acc = enable(eng, "A");
  for (storage_type st : {storage_type::memory, storage_type::file}) {
    auto s = create(acc, stream(st == storage_type::memory ? "M" : "F", st));
    const auto size =
        static_cast<std::int64_t>(st == storage_type::memory ? mem_store_msg_size(msg(3, 10)) : file_store_msg_size(msg(3, 10)));
    for (int i = 0; i < 200; ++i) s.add_usage(size);  // 100 "foo" + 100 "bar"
    s.add_usage(-100 * size);                         // purge subject foo
    const auto u = acc.usage();
    CHECK((st == storage_type::memory ? u.memory : u.store) == static_cast<std::uint64_t>(100 * size));
  }
}

TEST_CASE_TEMPLATE(
    "docs/semantics.md#server-publish-check, docs/semantics.md#account-publish-check publish order: server capacity (10023) "
    "before the account",
    E, engine, engine_v29, plain_engine) {
  E eng(server(1000, 1000));
  auto acc = enable(eng, "A", untiered(lim(10, 10)));
  auto s = create(acc, file("S", 5));
  s.add_usage(1000);
  CHECK(eng.used().store == 1000);
  CHECK_FALSE(eng.limits_exceeded(storage_type::file));  // used == max passes
  s.add_usage(1);
  CHECK(eng.limits_exceeded(storage_type::file));
  CHECK(s.check_publish(msg(1, 1)) == errc::insufficient_resources);
  CHECK_FALSE(eng.limits_exceeded(storage_type::memory));
}

TEST_CASE(
    "docs/semantics.md#server-publish-check server wouldExceedLimits with a size: main used + sz > max, 2.9.10 used > max + sz") {
  engine m(server(100, 100));
  auto am = enable(m, "A");
  auto sm = create(am, mem("S"));
  sm.add_usage(100);
  CHECK_FALSE(m.would_exceed_limits(storage_type::memory, 0));
  CHECK(m.would_exceed_limits(storage_type::memory, 1));
  engine_v29 v(server(100, 100));
  auto av = enable(v, "A");
  auto sv = create(av, mem("S"));
  sv.add_usage(100);
  CHECK_FALSE(v.would_exceed_limits(storage_type::memory, 1));
}

TEST_CASE(
    "TestJetStreamJWTClusteredTiers arithmetic (docs/semantics.md#account-publish-check, 1c3981bfb): tiered R3 limit scaled by "
    "replicas, untiered flat") {
  // One node's view of an R3 stream: local bytes plus two peers reporting the same (docs/semantics.md#aru-merge).
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto tiered = enable(eng, "T", limits_map{{"R1", lim(0, 1100, 2, 2)}, {"R3", lim(0, 1100, 1, 1)}});
  auto t = create(tiered, file("S", -1, 3));
  auto replicate = [&] {
    const auto local = tiered.usage_of(t.tier(), storage_type::file).local;
    tiered.apply_remote_usage("n2", "R3", 0, local);
    tiered.apply_remote_usage("n3", "R3", 0, local);
  };
  CHECK(publish(t, msg(3, 517)) == errc::none);  // 550 x 3 <= 3300
  replicate();
  CHECK(publish(t, msg(3, 517)) == errc::none);  // 1650 + 1650 == 3300
  replicate();
  CHECK(tiered.usage().tiers.at("R3").store == 3300);                 // 2 msgs x 550 x 3 replicas
  CHECK(publish(t, msg(3, 18)) == errc::account_resources_exceeded);  // "fail this message!"
  CHECK(tiered.usage().tiers.at("R3").store == 3300);
  const auto info = tiered.usage();
  CHECK(info.tiers.at("R3").limits == lim(0, 1100, 1, 1));
  CHECK(info.limits == zero_account_limits);  // tiered: top-level limits zero-valued

  auto untier = enable(eng, "U", untiered(lim(0, 1100)));
  auto u = create(untier, file("S", -1, 3));
  CHECK(publish(u, msg(3, 517)) == errc::account_resources_exceeded);  // 550 x 3 > 1100 (flat)
  CHECK(publish(u, msg(3, 300)) == errc::none);                        // 333 x 3 = 999 <= 1100
}

TEST_CASE("docs/semantics.md#account-publish-check limitsExceeded adds 16 x r (memory) / 30 x r (file) of overhead") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(16, 30)}, {"R3", lim(16, 30)}});
  auto r1 = acc.tier("R1");
  CHECK(acc.limits_exceeded(r1, storage_type::memory, 1) == errc::none);  // 0 + 16 <= 16
  CHECK(acc.limits_exceeded(r1, storage_type::file, 1) == errc::none);    // 0 + 30 <= 30
  acc.update_usage(r1, storage_type::memory, 1);
  acc.update_usage(r1, storage_type::file, 1);
  CHECK(acc.limits_exceeded(r1, storage_type::memory, 1) == errc::account_resources_exceeded);
  CHECK(acc.limits_exceeded(r1, storage_type::file, 1) == errc::account_resources_exceeded);
  auto r3 = acc.tier("R3");
  CHECK(acc.limits_exceeded(r3, storage_type::memory, 3) == errc::none);  // 48 <= 16 x 3
  acc.update_usage(r3, storage_type::memory, 1);
  CHECK(acc.limits_exceeded(r3, storage_type::memory, 3) == errc::account_resources_exceeded);
}

TEST_CASE(
    "docs/semantics.md#diff-first-message: main checks the first message of a tier (limit 0 refuses it); 2.9.10 checks after "
    "storing") {
  engine m(server(GiB, GiB));
  auto am = enable(m, "A", limits_map{{"R1", lim(0, 0)}});
  auto tm = am.tier("R1");
  CHECK(am.check_publish(tm, storage_type::file, 1, msg(1, 1)) == errc::account_resources_exceeded);
  CHECK(am.check_stored(tm, storage_type::file) == errc::none);  // main: no post-store check
  engine_v29 v(server(GiB, GiB));
  auto av = enable(v, "A", limits_map{{"R1", lim(0, 0)}});
  auto tv = av.tier("R1");
  CHECK(av.check_publish(tv, storage_type::file, 1, msg(1, 1)) == errc::none);  // server part only
  CHECK(av.check_stored(tv, storage_type::file) == errc::none);                 // no usage entry yet
  av.update_usage(tv, storage_type::file, 32);
  CHECK(av.check_stored(tv, storage_type::file) == errc::account_resources_exceeded);
}

TEST_CASE(
    "docs/semantics.md#account-publish-check 2.9.10 post-store: reject when the total after storing exceeds the limit; message "
    "removed") {
  engine_v29 eng(server(GiB, GiB));
  auto acc = enable(eng, "A", untiered(lim(-1, 100)));
  auto s = create(acc, file("S"));
  CHECK(publish_v29(s, msg(0, 70)) == errc::none);                       // 100: exactly at the limit
  CHECK(publish_v29(s, msg(0, 0)) == errc::account_resources_exceeded);  // 130 > 100, removed
  CHECK(acc.usage().store == 100);
}

TEST_CASE(
    "docs/semantics.md#account-publish-check 241ad30fe: 2.9.10 compares the tier total with the per-stream cap; main does not") {
  account_limits l = lim(-1, 6 * 31);
  l.store_max_stream_bytes = 3 * 31;
  {
    engine_v29 eng(server(GiB, GiB));
    auto acc = enable(eng, "A", untiered(l));
    auto a = create(acc, file("A", 3 * 31));
    auto b = create(acc, file("B", 3 * 31));
    for (int i = 0; i < 3; ++i) CHECK(publish_v29(a, msg(1, 0)) == errc::none);
    CHECK(publish_v29(b, msg(1, 0)) == errc::account_resources_exceeded);  // tier total 124 > cap 93
  }
  {
    engine eng(server(GiB, GiB));
    auto acc = enable(eng, "A", untiered(l));
    auto a = create(acc, file("A", 3 * 31));
    auto b = create(acc, file("B", 3 * 31));
    for (int i = 0; i < 3; ++i) CHECK(publish(a, msg(1, 0)) == errc::none);
    for (int i = 0; i < 3; ++i) CHECK(publish(b, msg(1, 0)) == errc::none);  // up to 186
    CHECK(publish(b, msg(1, 0)) == errc::account_resources_exceeded);
  }
}

TEST_CASE("docs/semantics.md#diff-publish-overflow: a huge message is refused by the main publish check (no wrap)") {
  engine eng(server(MaxInt64, MaxInt64));
  auto acc = enable(eng, "A", untiered(lim(-1, 1024)));
  auto s = create(acc, file("S"));
  CHECK(s.check_publish(msg(0, std::numeric_limits<std::uint64_t>::max() - 100)) == errc::account_resources_exceeded);
}

TEST_CASE(
    "TestJetStreamJWTClusteredDeleteTierWithStreamAndMove (docs/semantics.md#account-publish-check): tier removed while a stream "
    "uses it -> 10120") {
  engine m(server(GiB, GiB), {.mode = deployment::clustered});
  auto am = enable(m, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  auto sm = create(am, file("S"));
  sm.add_usage(10);
  REQUIRE(m.update_account_limits("A", limits_map{{"R3", lim(-1, -1)}}).ok());
  CHECK(sm.check_publish(msg(1, 1)) == errc::no_limits);
  update_options o;
  o.stored_bytes = 10;
  REQUIRE(sm.update(file("S", -1, 3), o).ok());  // move to R3 works
  CHECK(sm.check_publish(msg(1, 1)) == errc::none);
  const auto info = am.usage();
  CHECK(info.tiers.at("R3").streams == 1);
  CHECK(info.tiers.at("R3").store > 0);
  CHECK(info.tiers.count("R1") == 0);  // zero usage, no limits: skipped
  engine_v29 v(server(GiB, GiB), {.mode = deployment::clustered});
  auto av = enable(v, "A", limits_map{{"R1", lim(-1, -1)}});
  auto sv = create(av, file("S"));
  sv.add_usage(10);
  REQUIRE(v.update_account_limits("A", limits_map{{"R3", lim(-1, -1)}}).ok());
  CHECK(sv.check_stored() == errc::no_limits);
}

TEST_CASE("docs/semantics.md#account-publish-check refused publishes are reported as events with nats-server's texts") {
  engine eng(server(100, 100));
  std::vector<event> seen;
  eng.set_event_sink([&](const event& e) { seen.push_back(e); });
  auto acc = enable(eng, "A", untiered(lim(-1, 50)));
  auto s = create(acc, file("S"));
  s.add_usage(50);
  CHECK(s.check_publish(msg(1, 1)) == errc::account_resources_exceeded);
  s.add_usage(51);
  CHECK(s.check_publish(msg(1, 1)) == errc::insufficient_resources);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].kind == event_kind::account_limit_hit);
  CHECK(seen[0].account == "A");
  CHECK(seen[0].error == errc::account_resources_exceeded);
  CHECK(seen[0].text == "resource limits exceeded for account");
  CHECK(seen[1].kind == event_kind::server_limit_hit);
  CHECK(seen[1].error == errc::insufficient_resources);
}
