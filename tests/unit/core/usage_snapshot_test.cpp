// SPDX-License-Identifier: Apache-2.0
// Usage snapshots (include/jsacct/persist/usage_snapshot.hpp, docs/snapshots.md):
// round trips at the edges, refused snapshots leave the engine untouched, and
// a restore that runs out of memory midway undoes what it did.
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core_helpers.hpp"
#include "jsacct/persist/usage_snapshot.hpp"
#include "jsacct/wire/peer_expiry.hpp"

// ---- allocation failure injection (armed by one test of this file only) ----
// g++ 12 reports a false -Wmismatched-new-delete where a test replaces the
// global operator new/delete and std code inlines them (meson.build says more).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
thread_local long g_fail_countdown = -1;  ///< the allocation that fails when it reaches 0; -1: none
bool fail_now() noexcept {
  if (g_fail_countdown < 0) return false;
  return g_fail_countdown-- == 0;
}
}  // namespace

void* operator new(std::size_t n) {
  if (fail_now()) throw std::bad_alloc();
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  if (fail_now()) throw std::bad_alloc();
  const auto al = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using namespace jsacct;
using namespace coretest;
using json = nlohmann::json;

namespace {

/// Everything a restore must reproduce, read through the public API.
template <class E>
struct observed {
  std::map<std::string, account_stats> accounts;
  server_stats stats;
  mem_store reserved, used;
  std::pair<std::int64_t, std::int64_t> limits_total;
  bool operator==(const observed&) const = default;
};
template <class E>
observed<E> observe(const E& eng) {
  observed<E> o;
  for (const auto& a : eng.accounts()) o.accounts.emplace(a.name(), a.usage());
  o.stats = eng.usage_stats();
  o.reserved = eng.reserved();
  o.used = eng.used();
  o.limits_total = eng.account_limits_total();
  return o;
}

template <class E>
std::unique_ptr<E> fresh_like(const E& eng) {
  return std::make_unique<E>(eng.config(), eng.options());
}

/// Snapshot `eng`, restore into a fresh engine of the same config, and check
/// that every observable total is the same and that a second snapshot is equal.
template <class E>
std::unique_ptr<E> round_trip(const E& eng) {
  const std::string text = usage_snapshot_text(eng);
  auto copy = fresh_like(eng);
  const auto r = restore_usage_snapshot(*copy, text);
  REQUIRE_MESSAGE(r.ok(), r.error().text());
  CHECK(r->accounts == eng.num_accounts());
  CHECK_FALSE(r->server_config_differs);
  CHECK(observe(*copy) == observe(eng));
  CHECK(usage_snapshot(*copy) == usage_snapshot(eng));
  return copy;
}

/// The engine is as a new one: no account, zero totals.
template <class E>
void check_untouched(const E& eng) {
  CHECK(eng.num_accounts() == 0);
  CHECK(eng.usage_stats() == E(eng.config(), eng.options()).usage_stats());
  CHECK(eng.reserved() == mem_store{});
  CHECK(eng.used() == mem_store{});
}

/// A snapshot with two accounts (untiered and tiered), streams, consumers,
/// usage and a peer: the base the bad-input cases mutate. Clustered, so peers count.
json sample_snapshot() {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto a = enable(eng, "A", untiered(lim(MiB, 10 * MiB, 5, 5)));
  auto s = create(a, file("S", 4 * KiB));
  s.add_usage(100);
  REQUIRE(s.add_consumer({}).ok());
  (void)s.release();
  auto b = enable(eng, "B", limits_map{{"R1", lim(MiB, MiB)}, {"R3", lim(MiB, MiB)}});
  auto m = create(b, mem("M", -1, 3));
  m.add_usage(7);
  (void)m.release();
  b.apply_remote_usage("n2", "R3", 11, 12);
  b.set_remote_api("n2", 3, 1);
  return usage_snapshot(eng);
}

}  // namespace

TEST_CASE("usage snapshot: an empty engine round-trips (no accounts, zero totals)") {
  engine eng(server(GiB, 2 * GiB));
  const json j = usage_snapshot(eng);
  CHECK(j["format"] == "jsacct-usage-snapshot");
  CHECK(j["version"] == 1);
  CHECK(j["semantics"] == "main");
  CHECK(j["deployment"] == "standalone");
  CHECK(j["charging"] == "upfront");
  CHECK(j["server"]["max_store"] == 2 * GiB);
  CHECK(j["accounts"].empty());
  auto copy = round_trip(eng);
  check_untouched(*copy);
}

TEST_CASE("usage snapshot: untiered and tiered accounts with streams, consumers, messages and API counts round-trip") {
  jetstream_config cfg = server(GiB, GiB);
  cfg.domain = "HUB";
  engine eng(cfg);
  auto a = enable(eng, "A", untiered(lim(MiB, 10 * MiB, 5, 3)));
  auto s1 = create(a, file("S1", 4 * KiB));
  auto s2 = create(a, mem("S2"));  // max_bytes -1: reserves nothing
  CHECK(s1.add_message(msg(3, 100)) > 0);
  s2.add_usage(250);
  REQUIRE(s1.add_consumer({}).ok());
  REQUIRE(s1.add_consumer({.limitable = false}).ok());
  a.track_api();
  a.track_api_error();
  auto b = enable(eng, "B", limits_map{{"R1", lim(MiB, MiB, 2)}});
  auto s3 = create(b, file("S3", 1000, 1));
  s3.add_usage(999);
  eng.set_account_expired("B", true);
  (void)s1.release();
  (void)s2.release();
  (void)s3.release();

  auto copy = round_trip(eng);
  // The restored streams belong to the engine; stream(name) gives non-owning handles.
  auto ca = copy->find_account("A");
  auto h = ca.stream("S1");
  REQUIRE(h.ok());
  CHECK_FALSE(h->owns());
  CHECK(h->stored_bytes() == static_cast<std::int64_t>(file_store_msg_size(msg(3, 100))));
  CHECK(h->stored_msgs() == 1);
  CHECK(h->consumers() == 2);
  CHECK(h->config().max_bytes == 4 * KiB);
  CHECK(ca.stream("S2")->config().max_bytes == -1);
  h->reset();  // non-owning: the stream stays
  CHECK(ca.num_streams() == 2);
  CHECK(err(ca.stream("NOPE")) == errc::stream_not_found);
  // Consumer counts go on: the limitable one counts against max_consumers 3.
  auto h2 = ca.stream("S1");
  REQUIRE(h2->add_consumer({}).ok());
  REQUIRE(h2->add_consumer({}).ok());
  CHECK(err(h2->add_consumer({})) == errc::maximum_consumers_limit);
  // Deleting a restored stream releases its reservation.
  REQUIRE(ca.delete_stream("S1").ok());
  CHECK(copy->reserved().store == 1000);
  REQUIRE(copy->disable_account("A").ok());
  CHECK(err(ca.stream("S2")) == errc::not_enabled_for_account);
}

TEST_CASE("usage snapshot: int64 extremes, wrapped and negative usage, limits at the extremes") {
  engine eng(server(MaxInt64, MaxInt64), {.mode = deployment::clustered});
  account_limits l = lim(MaxInt64, MaxInt64, MaxInt64, MaxInt64);
  l.max_ack_pending = MinInt64;
  l.max_bytes_required = true;
  auto a = enable(eng, "A", limits_map{{"R1", l}, {"R3", lim(0, 0)}});
  auto s = create(a, file("S", MaxInt64), {.check_limits = false});
  s.add_usage(MaxInt64);
  s.add_usage(1);  // wraps to INT64_MIN, as Go's int64
  CHECK(s.stored_bytes() == MinInt64);
  auto t = a.tier("R1");
  a.update_usage(t, storage_type::memory, -5);  // negative: an underflow (counted, repair queued)
  a.apply_remote_usage("n2", "R1", MaxInt64, MinInt64);
  (void)s.release();
  const json j = usage_snapshot(eng);
  CHECK(j["accounts"]["A"]["streams"]["S"]["bytes"] == MinInt64);
  CHECK(j["accounts"]["A"]["tiers"]["R1"]["memory"] == -5);
  CHECK(j["accounts"]["A"]["limits"]["R1"]["max_ack_pending"] == MinInt64);
  round_trip(eng);
}

TEST_CASE("usage snapshot: tier usage that no stream owns survives (update_usage through a tier handle)") {
  engine eng(server(GiB, GiB));
  auto a = enable(eng, "A", limits_map{{"R1", lim(MiB, MiB)}});
  a.update_usage(a.tier("R1"), storage_type::file, 4096);
  a.update_usage(a.tier("R7"), storage_type::memory, 10);  // a tier without limits
  auto copy = round_trip(eng);
  auto ca = copy->find_account("A");
  CHECK(ca.num_streams() == 0);
  CHECK(ca.usage_of(ca.tier("R1"), storage_type::file).local == 4096);
  CHECK(ca.usage_of(ca.tier("R7"), storage_type::memory).local == 10);
}

TEST_CASE("usage snapshot: a limited tier's usage entry is kept, so usage() lists the same tiers") {
  // One tier has an entry with zero usage, the other none: usage() lists the
  // configured tiers only when the counts differ (docs/semantics.md#account-usage-snapshot).
  engine eng(server(GiB, GiB));
  auto a = enable(eng, "A", limits_map{{"R1", lim(MiB, MiB)}, {"R3", lim(MiB, MiB)}});
  auto t = a.tier("R1");
  a.update_usage(t, storage_type::file, 1);
  a.update_usage(t, storage_type::file, -1);
  const auto before = a.usage();
  auto copy = round_trip(eng);
  CHECK(copy->find_account("A").usage() == before);
  CHECK(usage_snapshot(eng)["accounts"]["A"]["tiers"]["R1"]["usage_entry"] == true);
  CHECK(usage_snapshot(eng)["accounts"]["A"]["tiers"]["R3"]["usage_entry"] == false);
}

TEST_CASE("usage snapshot: a restored tier without a usage entry gets one at its first usage update") {
  // The update marks the entry on its out-of-line path, taken while the tier's
  // flag word says the mark may be missing: a restore must leave it saying so.
  engine eng(server(GiB, GiB));
  auto a = enable(eng, "A", limits_map{{"R1", lim(MiB, MiB)}, {"R3", lim(MiB, MiB)}});
  a.update_usage(a.tier("R1"), storage_type::file, 1);
  auto copy = round_trip(eng);
  REQUIRE(usage_snapshot(*copy)["accounts"]["A"]["tiers"]["R3"]["usage_entry"] == false);
  auto ca = copy->find_account("A");
  const auto r3 = ca.tier("R3");
  ca.update_usage(r3, storage_type::memory, 5);
  ca.update_usage(r3, storage_type::memory, -5);
  CHECK(usage_snapshot(*copy)["accounts"]["A"]["tiers"]["R3"]["usage_entry"] == true);
  // The same updates on the original engine give the same entries and usage().
  a.update_usage(a.tier("R3"), storage_type::memory, 5);
  a.update_usage(a.tier("R3"), storage_type::memory, -5);
  CHECK(ca.usage() == a.usage());
}

TEST_CASE("usage snapshot: peers with age, stale state under each policy, API counters and declared reservations") {
  for (auto policy : {stale_usage_policy::optimistic, stale_usage_policy::pessimistic, stale_usage_policy::exclude}) {
    CAPTURE(to_string(policy));
    engine eng(server(GiB, GiB), {.mode = deployment::clustered});
    auto a = enable(eng, "A", limits_map{{"R3", lim(MiB, MiB)}});
    a.apply_remote_usage("n2", "R3", 100, 200);
    a.apply_remote_usage("n3", "R3", 5, 0);
    a.apply_remote_usage("n3", "R9", 1, 1);  // a tier only a peer reported (not pinned)
    a.set_remote_api("n2", 7, 2);
    a.set_remote_reservation("n2", "R3", 1000, 2000);
    a.set_remote_reservation("n4", "R3", 1, 0);  // declared for a node that never reported
    const peer_expiry_options opts{.expire_after_sweeps = 10, .stale_after_sweeps = 2, .stale = policy};
    sweep_remote_usage(a, opts);
    a.apply_remote_usage("n3", "R3", 6, 0);  // n3 is heard again
    sweep_remote_usage(a, opts);
    sweep_remote_usage(a, opts);  // n2: silent 2 sweeps, stale; n3: silent 1
    const json j = usage_snapshot(eng);
    const json& n2 = j["accounts"]["A"]["peers"]["n2"];
    CHECK(n2["age"] == 2);
    CHECK(n2["stale"] == true);
    CHECK(n2["stale_policy"] == to_string(policy));
    CHECK(j["accounts"]["A"]["peers"]["n3"]["stale"] == false);
    CHECK(j["accounts"]["A"]["tiers"]["R9"]["pinned"] == false);
    auto copy = round_trip(eng);
    // The restored peers go on ageing as the originals do.
    auto ca = copy->find_account("A");
    for (int i = 0; i < 9; ++i) {  // both expire, at the same sweeps
      const auto x = sweep_remote_usage(a, opts), y = sweep_remote_usage(ca, opts);
      CHECK(x.expired == y.expired);
      CHECK(x.stale == y.stale);
    }
    CHECK(observe(*copy) == observe(eng));
    CHECK(remote_peers(ca) == remote_peers(a));
  }
}

TEST_CASE("usage snapshot: usage left by an account disabled before the snapshot stays in the server totals") {
  engine eng(server(GiB, GiB));
  auto a = enable(eng, "GONE", untiered(lim(MiB, MiB)));
  auto s = create(a, file("S", 500));  // its handle keeps the reservation after the disable
  s.add_usage(40);
  a.track_api();
  REQUIRE(eng.disable_account("GONE").ok());
  enable(eng, "KEPT");
  CHECK(eng.used().store == 40);
  CHECK(eng.reserved().store == 500);
  round_trip(eng);
}

TEST_CASE("usage snapshot: 2.9.10 semantics round-trip, and a snapshot of one semantics is refused by the other") {
  engine_v29 eng(server(GiB, GiB));
  auto a = enable(eng, "A", untiered(lim(MiB, MiB)));
  auto s = create(a, file("S", 100));
  s.add_usage(10);
  (void)s.release();
  const json j = usage_snapshot(eng);
  CHECK(j["semantics"] == "v2.9");
  round_trip(eng);
  engine other(server(GiB, GiB));
  const auto r = restore_usage_snapshot(other, j.dump());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().text() ==
        "usage snapshot: taken with semantics \"v2.9\", this engine has \"main\" (restore it into an engine of the same "
        "semantics)");
  check_untouched(other);
}

TEST_CASE("usage snapshot: a snapshot of another charging policy is refused (its reservations are other amounts)") {
  basic_engine<main_limits, replica_tiers, atomic_counters, on_use> lazy(server(GiB, GiB));
  auto a = enable(lazy, "A", untiered(lim(MiB, MiB)));
  auto s = create(a, file("S", 100));
  s.add_usage(10);
  (void)s.release();
  const json j = usage_snapshot(lazy);
  CHECK(j["charging"] == "on_use");
  round_trip(lazy);
  engine upfront(server(GiB, GiB));
  const auto r = restore_usage_snapshot(upfront, j.dump());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().text() ==
        "usage snapshot: taken with charging policy \"on_use\", this engine has \"upfront\" (restore it into an engine of "
        "the same charging policy)");
  check_untouched(upfront);
  basic_engine<main_limits, replica_tiers, atomic_counters, fraction<50>> half(server(GiB, GiB));
  CHECK_FALSE(restore_usage_snapshot(half, j.dump()).ok());
  check_untouched(half);
}

TEST_CASE("usage snapshot: another version is refused with a clear error") {
  json j = sample_snapshot();
  for (std::int64_t v : {2, 0, -1}) {
    j["version"] = v;
    engine eng(server(GiB, GiB), {.mode = deployment::clustered});
    const auto r = restore_usage_snapshot(eng, j.dump());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text() == "usage snapshot version " + std::to_string(v) + " is not supported: this jsacct reads version 1");
    check_untouched(eng);
  }
}

TEST_CASE("usage snapshot: a clustered snapshot is refused by a standalone engine (and the reverse)") {
  const json j = sample_snapshot();
  engine eng(server(GiB, GiB));
  const auto r = restore_usage_snapshot(eng, j.dump());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().text().find("taken from a clustered engine, this engine is standalone") != std::string::npos);
  check_untouched(eng);
}

TEST_CASE("usage snapshot: a restore into an engine that is not fresh is refused and changes nothing") {
  const std::string text = sample_snapshot().dump();
  SUBCASE("an account") {
    engine eng(server(GiB, GiB), {.mode = deployment::clustered});
    enable(eng, "X");
    const auto before = observe(eng);
    CHECK_FALSE(restore_usage_snapshot(eng, text).ok());
    CHECK(observe(eng) == before);
  }
  SUBCASE("no account, but API counts of a disabled one") {
    engine eng(server(GiB, GiB), {.mode = deployment::clustered});
    enable(eng, "X").track_api();
    REQUIRE(eng.disable_account("X").ok());
    const auto r = restore_usage_snapshot(eng, text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text().find("not fresh") != std::string::npos);
    CHECK(eng.num_accounts() == 0);
  }
  SUBCASE("restored once: a second restore is refused") {
    engine eng(server(GiB, GiB), {.mode = deployment::clustered});
    REQUIRE(restore_usage_snapshot(eng, text).ok());
    const auto before = observe(eng);
    CHECK_FALSE(restore_usage_snapshot(eng, text).ok());
    CHECK(observe(eng) == before);
  }
}

TEST_CASE("usage snapshot: a restore does not re-check limits (a smaller server, an over-limit account)") {
  engine eng(server(GiB, GiB));
  auto a = enable(eng, "A", untiered(lim(MiB, 1000)));
  auto s = create(a, file("S", 1000));
  s.add_usage(5000);  // over the account's max_store
  (void)s.release();
  engine small(server(10, 10));  // sufficientResources would refuse the account
  const auto r = restore_usage_snapshot(small, usage_snapshot_text(eng));
  REQUIRE_MESSAGE(r.ok(), r.error().text());
  CHECK(r->server_config_differs);
  CHECK(small.config().max_store == 10);  // the engine's config is kept
  CHECK(small.find_account("A").usage() == a.usage());
  CHECK(small.reserved() == eng.reserved());
}

TEST_CASE(
    "usage snapshot: every kind of bad input is refused with its path, value and what is allowed; the engine is untouched") {
  const json base = sample_snapshot();
  struct bad_case {
    const char* what;
    std::string text;
    std::string expect;  ///< a part of the error text
  };
  auto mutate = [&](auto f) {
    json j = base;
    f(j);
    return j.dump();
  };
  const std::vector<bad_case> cases = {
      {"not JSON", "{\"format\": ", "not valid JSON"},
      {"empty text", "", "not valid JSON"},
      {"not an object", "[1,2]", "$: [1,2] (allowed: an object)"},
      {"trailing garbage", base.dump() + "x", "not valid JSON"},
      {"duplicate key", "{\"format\":\"jsacct-usage-snapshot\",\"format\":1}", "$: key \"format\" appears twice"},
      {"deep nesting", std::string(100, '[') + std::string(100, ']'), "nested 17 deep"},
      {"wrong format", mutate([](json& j) { j["format"] = "other"; }),
       "$.format: \"other\" (allowed: \"jsacct-usage-snapshot\")"},
      {"no version", mutate([](json& j) { j.erase("version"); }), "\"version\" is missing"},
      {"version a string", mutate([](json& j) { j["version"] = "1"; }), "$.version: \"1\" (allowed: an integer"},
      {"version 1.0", mutate([](json& j) { j["version"] = 1.0; }), "$.version: 1.0"},
      {"unknown top-level key", mutate([](json& j) { j["extra"] = 1; }), "$[\"extra\"]: 1 (allowed: no such key here"},
      {"missing accounts", mutate([](json& j) { j.erase("accounts"); }), "the key \"accounts\" is missing"},
      {"charging not a string", mutate([](json& j) { j["charging"] = 1; }), "$.charging: 1"},
      {"missing charging", mutate([](json& j) { j.erase("charging"); }), "the key \"charging\" is missing"},
      {"bad deployment", mutate([](json& j) { j["deployment"] = "mesh"; }),
       "$.deployment: \"mesh\" (allowed: standalone, clustered)"},
      {"server used not an int", mutate([](json& j) { j["server"]["used"]["memory"] = "1"; }), "$.server.used.memory: \"1\""},
      {"api over int64", mutate([](json& j) { j["server"]["api"]["total"] = 9223372036854775808ULL; }),
       "$.server.api.total: 9223372036854775808 (allowed: an integer -9223372036854775808..9223372036854775807)"},
      {"bad account name", mutate([](json& j) { j["accounts"]["a.b"] = j["accounts"]["A"]; }),
       "$.accounts[\"a.b\"]: \"a.b\" (allowed: an account name"},
      {"account not an object", mutate([](json& j) { j["accounts"]["A"] = 3; }), "$.accounts[\"A\"]: 3"},
      {"expired not a bool", mutate([](json& j) { j["accounts"]["A"]["expired"] = 0; }),
       "$.accounts[\"A\"].expired: 0 (allowed: true or false)"},
      {"limits field missing", mutate([](json& j) { j["accounts"]["A"]["limits"][""].erase("max_store"); }),
       "$.accounts[\"A\"].limits[\"\"]: the key \"max_store\" is missing"},
      {"limits tier not listed", mutate([](json& j) { j["accounts"]["A"]["limits"]["R5"] = j["accounts"]["A"]["limits"][""]; }),
       "$.accounts[\"A\"].limits[\"R5\"]: \"R5\" (allowed: a tier listed in"},
      {"limits tier not pinned", mutate([](json& j) { j["accounts"]["A"]["tiers"][""]["pinned"] = false; }),
       "(allowed: a tier with \"pinned\": true"},
      {"tier usage a float", mutate([](json& j) { j["accounts"]["A"]["tiers"][""]["store"] = 1e300; }),
       "$.accounts[\"A\"].tiers[\"\"].store: 1e+300"},
      {"stream replicas 0", mutate([](json& j) { j["accounts"]["A"]["streams"]["S"]["replicas"] = 0; }),
       "$.accounts[\"A\"].streams[\"S\"].replicas: 0 (allowed: an integer 1..5)"},
      {"stream replicas 6", mutate([](json& j) { j["accounts"]["A"]["streams"]["S"]["replicas"] = 6; }),
       "replicas: 6 (allowed: an integer 1..5)"},
      {"stream max_bytes 0", mutate([](json& j) { j["accounts"]["A"]["streams"]["S"]["max_bytes"] = 0; }),
       "max_bytes: 0 (allowed: -1 (unlimited) or 1..9223372036854775807)"},
      {"stream max_msgs -2", mutate([](json& j) { j["accounts"]["A"]["streams"]["S"]["max_msgs"] = -2; }), "max_msgs: -2"},
      {"stream max_consumers 0", mutate([](json& j) { j["accounts"]["A"]["streams"]["S"]["max_consumers"] = 0; }),
       "max_consumers: 0"},
      {"stream storage", mutate([](json& j) { j["accounts"]["A"]["streams"]["S"]["storage"] = "disk"; }),
       "storage: \"disk\" (allowed: memory, file)"},
      {"stream discard", mutate([](json& j) { j["accounts"]["A"]["streams"]["S"]["discard"] = 1; }),
       "discard: 1 (allowed: a string)"},
      {"stream mirror", mutate([](json& j) { j["accounts"]["A"]["streams"]["S"]["mirror"] = 1; }), "mirror: 1 (allowed: null"},
      {"stream bad name", mutate([](json& j) { j["accounts"]["A"]["streams"]["a*b"] = j["accounts"]["A"]["streams"]["S"]; }),
       "streams[\"a*b\"]: \"a*b\" (allowed: a stream name"},
      {"stream tier not listed", mutate([](json& j) { j["accounts"]["A"]["streams"]["S"]["tier"] = "R2"; }),
       "streams[\"S\"].tier: \"R2\" (allowed: a tier listed in"},
      {"negative consumers", mutate([](json& j) { j["accounts"]["A"]["streams"]["S"]["consumers"] = -1; }),
       "consumers: -1 (allowed: an integer 0..9223372036854775807)"},
      {"limitable over consumers", mutate([](json& j) { j["accounts"]["A"]["streams"]["S"]["limitable_consumers"] = 2; }),
       "limitable_consumers: 2 (allowed: an integer 0..consumers (1))"},
      {"unknown stream key", mutate([](json& j) { j["accounts"]["A"]["streams"]["S"]["subjects"] = json::array(); }),
       "streams[\"S\"][\"subjects\"]: [] (allowed: no such key here"},
      {"peer zero share", mutate([](json& j) {
         j["accounts"]["B"]["peers"]["n2"]["tiers"]["R3"] = {{"memory", 0}, {"store", 0}};
       }),
       "peers[\"n2\"].tiers[\"R3\"]: {\"memory\":0,\"store\":0} (allowed: a non-zero amount"},
      {"peer share tier not listed", mutate([](json& j) {
         j["accounts"]["B"]["peers"]["n2"]["tiers"]["R4"] = {{"memory", 1}, {"store", 0}};
       }),
       "peers[\"n2\"].tiers[\"R4\"]: \"R4\" (allowed: a tier listed"},
      {"peer age over uint32", mutate([](json& j) { j["accounts"]["B"]["peers"]["n2"]["age"] = 4294967296LL; }),
       "age: 4294967296 (allowed: an integer 0..4294967295)"},
      {"peer api negative", mutate([](json& j) { j["accounts"]["B"]["peers"]["n2"]["api"]["total"] = -1; }),
       "api.total: -1 (allowed: an integer 0..18446744073709551615)"},
      {"peer policy", mutate([](json& j) { j["accounts"]["B"]["peers"]["n2"]["stale_policy"] = "hopeful"; }),
       "stale_policy: \"hopeful\" (allowed: optimistic, pessimistic, exclude)"},
      {"peer sequence", mutate([](json& j) {
         j["accounts"]["B"]["peers"]["n2"]["sequence"] = {{"instance", 1}};
       }),
       "peers[\"n2\"].sequence: the key \"sequence\" is missing"},
      {"empty reservations", mutate([](json& j) { j["accounts"]["B"]["reservations"]["n9"] = json::object(); }),
       "reservations[\"n9\"]: {} (allowed: at least one tier"},
      {"zero reservation", mutate([](json& j) {
         j["accounts"]["B"]["reservations"]["n9"]["R3"] = {{"memory", 0}, {"store", 0}};
       }),
       "(allowed: a non-zero amount"},
      // The last account is bad: nothing of the first one may have been applied.
      {"second account bad", mutate([](json& j) { j["accounts"]["B"]["tiers"]["R1"]["memory"] = true; }),
       "$.accounts[\"B\"].tiers[\"R1\"].memory: true"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    engine eng(server(GiB, GiB), {.mode = deployment::clustered});
    const auto r = restore_usage_snapshot(eng, c.text);
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.error().text().find(c.expect) != std::string::npos, r.error().text());
    CHECK(r.error().text().rfind("usage snapshot", 0) == 0);
    check_untouched(eng);
  }
  // The base itself restores (the cases above fail for their mutation alone).
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  CHECK(restore_usage_snapshot(eng, base.dump()).ok());
}

TEST_CASE("usage snapshot: a peer's sequence and a non-default policy of a peer that is not stale round-trip") {
  json j = sample_snapshot();
  j["accounts"]["B"]["peers"]["n2"]["sequence"] = {{"instance", 18446744073709551615ULL}, {"sequence", 0}};
  j["accounts"]["B"]["peers"]["n2"]["stale_policy"] = "exclude";
  j["accounts"]["B"]["peers"]["n2"]["heard"] = false;
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  REQUIRE(restore_usage_snapshot(eng, j.dump()).ok());
  CHECK(usage_snapshot(eng) == j);
}

TEST_CASE("usage snapshot: a restore that runs out of memory at any allocation while applying leaves the engine untouched") {
  // Only the apply step is failed: nlohmann's DOM destructor allocates, so a
  // failure while a parsed document exists ends in std::terminate inside nlohmann.
  snapshot_detail::snapshot_rec snap;
  REQUIRE_FALSE(detail::snapshot_access::read<main_limits, upfront>(sample_snapshot().dump(), false, snap).has_value());
  bool succeeded = false;
  long n = 0;
  for (; !succeeded && n < 100000; ++n) {
    engine eng(server(GiB, GiB), {.mode = deployment::clustered});
    g_fail_countdown = n;
    const auto r = detail::snapshot_access::apply(eng, snap);
    const bool failed_inside = g_fail_countdown < 0;  // the injected failure happened
    g_fail_countdown = -1;
    if (r.ok()) {
      succeeded = true;
      CHECK_FALSE(failed_inside);
      CHECK(eng.num_accounts() == 2);
    } else {
      CAPTURE(n);
      CHECK(failed_inside);
      CHECK(r.error().text() == "usage snapshot: restore failed (out of memory): nothing was restored");
      check_untouched(eng);
    }
  }
  CHECK(succeeded);
  CHECK(n > 10);  // every allocation of the apply step was failed in turn
}
