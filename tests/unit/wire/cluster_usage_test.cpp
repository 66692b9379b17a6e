// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#api-counters, docs/semantics.md#aru-sending, docs/semantics.md#aru-merge, docs/semantics.md#recorded-facts:
// merging received $JSC.ARU updates into an account (main's remoteUpdateUsage) and the throttled / periodic sending side.
#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jsacct/engine/basic_engine.hpp"
#include "jsacct/storage/msg_size.hpp"
#include "jsacct/types.hpp"
#include "jsacct/wire/cluster_usage.hpp"
#include "jsacct/wire/node_id.hpp"
#include "jsacct/wire/peer_expiry.hpp"
#include "jsacct/wire/usage_update.hpp"
#include "wire_helpers.hpp"

using namespace jsacct;
using namespace wiretest;
using namespace std::chrono_literals;
using outcome = remote_usage_outcome;

namespace {

jetstream_config server_cfg() { return server_config(1 << 20, 10 << 20); }

template <class E>
typename E::account enable(E& eng, std::string_view name, limits_map limits) {
  auto r = eng.enable_account(name, std::move(limits));
  REQUIRE(r.ok());
  return *r;
}

/// The 32-byte legacy form: mem, store, api, errors.
bytes legacy(std::int64_t mem, std::int64_t store, std::uint64_t api, std::uint64_t errors) {
  bytes out(32);
  auto put = [&](std::size_t at, std::uint64_t v) {
    for (std::size_t i = 0; i < 8; ++i) out[at + i] = static_cast<std::byte>(v >> (8 * i));
  };
  put(0, static_cast<std::uint64_t>(mem));
  put(8, static_cast<std::uint64_t>(store));
  put(16, api);
  put(24, errors);
  return out;
}

void put_u64(bytes& b, std::size_t at, std::uint64_t v) {
  for (std::size_t i = 0; i < 8; ++i) b[at + i] = static_cast<std::byte>(v >> (8 * i));
}

template <class A>
std::int64_t tier_store(A& acc, std::string_view tier) {
  return acc.usage_of(acc.tier(tier), storage_type::file).total;
}
template <class A>
std::int64_t tier_mem(A& acc, std::string_view tier) {
  return acc.usage_of(acc.tier(tier), storage_type::memory).total;
}

/// A fake steady clock the tests move by hand.
struct fake_clock {
  std::chrono::steady_clock::time_point now{std::chrono::steady_clock::time_point{} + 1h};
  usage_clock fn() {
    return [this] { return now; };
  }
};

}  // namespace

TEST_CASE_TEMPLATE("docs/semantics.md#aru-merge a node's contribution is replaced, never accumulated", E, engine, plain_engine) {
  E eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  const auto msg = encode(5, 1, {{"R1", 10, 1000}, {"R3", 0, 3000}});
  auto r = apply_usage_update(acc, "$JSC.ARU.A.n2", msg);
  CHECK(r.outcome == outcome::applied);
  CHECK(r.ok());
  CHECK(r.warning().empty());
  CHECK(r.node == "n2");
  CHECK(r.tiers_merged == 2);
  CHECK(r.api_applied);
  CHECK(tier_store(acc, "R1") == 1000);
  CHECK(tier_mem(acc, "R1") == 10);
  CHECK(tier_store(acc, "R3") == 3000);
  const auto first = acc.usage();
  CHECK(first.api.total == 5);
  CHECK(first.api.errors == 1);

  r = apply_usage_update(acc, "$JSC.ARU.A.n2", msg);  // the same update again
  CHECK(r.outcome == outcome::applied);
  CHECK(acc.usage() == first);
  CHECK(tier_store(acc, "R1") == 1000);
  CHECK(tier_store(acc, "R3") == 3000);

  // A second node adds its own contribution; the first node's new values replace its old ones.
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(1, 0, {{"R1", 0, 500}})).ok());
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(6, 0, {{"R1", 0, 200}, {"R3", 0, 100}})).ok());
  CHECK(tier_store(acc, "R1") == 700);
  CHECK(tier_mem(acc, "R1") == 0);
  CHECK(tier_store(acc, "R3") == 100);
  CHECK(acc.usage().api.total == 7);
  CHECK(acc.usage().api.errors == 0);
}

TEST_CASE("docs/semantics.md#aru-merge a tier a node omits later keeps its earlier contribution") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"R1", 0, 1000}, {"R3", 7, 3000}})).ok());
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"R1", 0, 400}})).ok());
  CHECK(tier_store(acc, "R1") == 400);
  CHECK(tier_store(acc, "R3") == 3000);
  CHECK(tier_mem(acc, "R3") == 7);
  CHECK(acc.usage().store == 3400);
}

TEST_CASE("docs/semantics.md#aru-merge a tier reported by a peer appears locally even without limits") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"R5", 0, 9}})).ok());
  const auto u = acc.usage();
  REQUIRE(u.tiers.count("R5") == 1);
  CHECK(u.tiers.at("R5").store == 9);
}

TEST_CASE("docs/semantics.md#aru-merge legacy 32-byte form replaces the untiered tier and the API counters") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"", lim(-1, -1)}});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(7, 3, {{"", 5, 100}})).ok());
  CHECK(tier_store(acc, "") == 100);
  auto r = apply_usage_update(acc, "$JSC.ARU.A.n2", legacy(1, 50, 1, 0));
  CHECK(r.outcome == outcome::applied_legacy);
  CHECK(r.ok());
  CHECK(r.tiers_merged == 1);
  CHECK(r.api_applied);
  CHECK(tier_store(acc, "") == 50);
  CHECK(tier_mem(acc, "") == 1);
  CHECK(acc.usage().api.total == 1);
  CHECK(acc.usage().api.errors == 0);

  // 33..43 bytes are still the legacy form: bytes 32.. are ignored.
  bytes longer = legacy(0, 60, 2, 2);
  longer.resize(43, std::byte{0xff});
  r = apply_usage_update(acc, "$JSC.ARU.A.n2", longer);
  CHECK(r.outcome == outcome::applied_legacy);
  CHECK(tier_store(acc, "") == 60);
  CHECK(acc.usage().api.errors == 2);
}

TEST_CASE("docs/semantics.md#aru-merge a corrupt first record applies nothing (but the node's entry is created)") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"", lim(-1, -1)}});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(4, 2, {{"", 0, 100}})).ok());
  bytes bad = encode(9, 9, {{"", 0, 555}});
  put_u64(bad, 36, 1);  // first name length 1 > 44 - 44
  auto r = apply_usage_update(acc, "$JSC.ARU.A.n2", bad);
  CHECK(r.outcome == outcome::corrupt_first_record);
  CHECK_FALSE(r.ok());
  CHECK(r.warning() == "Received corrupt remote usage update");
  CHECK(r.tiers_merged == 0);
  CHECK_FALSE(r.api_applied);
  CHECK(tier_store(acc, "") == 100);
  CHECK(acc.usage().api.total == 4);
  CHECK(acc.usage().api.errors == 2);

  put_u64(bad, 36, std::numeric_limits<std::uint64_t>::max());  // f04c3b437: no overflow
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n9", bad).outcome == outcome::corrupt_first_record);
  CHECK(tier_store(acc, "") == 100);
  // main creates the node's rusage entry before validating the body.
  CHECK(jsacct::detail::account_access::state(acc)->cluster->remotes.count("n9") == 1);
  CHECK(jsacct::detail::account_access::state(acc)->cluster->remotes.at("n9").tiers.empty());
}

TEST_CASE("docs/semantics.md#aru-merge a corrupt excess record keeps the earlier tiers and skips the API counters") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(4, 2, {{"R1", 0, 1}, {"R3", 0, 1}})).ok());
  bytes bad = encode(99, 98, {{"R1", 0, 1000}, {"R3", 0, 3000}, {"R5", 0, 5000}});
  // Third record starts at 44+2 + 24+2 = 72; its length field at 72+16.
  put_u64(bad, 72 + 16, 3);  // 3 > 2 bytes left
  auto r = apply_usage_update(acc, "$JSC.ARU.A.n2", bad);
  CHECK(r.outcome == outcome::corrupt_extra_record);
  CHECK(r.warning() == "Received corrupt remote usage update on excess record");
  CHECK(r.tiers_merged == 2);
  CHECK_FALSE(r.api_applied);
  CHECK(tier_store(acc, "R1") == 1000);
  CHECK(tier_store(acc, "R3") == 3000);
  CHECK(acc.usage().tiers.count("R5") == 0);
  CHECK(acc.usage().api.total == 4);
  CHECK(acc.usage().api.errors == 2);
}

TEST_CASE("docs/semantics.md#aru-merge records declared but missing are skipped silently; the API counters apply") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}});
  bytes msg = encode(3, 1, {{"R1", 0, 700}});
  put_u64(msg, 32, 5);  // 5 extra records declared, none present (the u32 count; the u64 write spills into L0 too)
  put_u64(msg, 36, 2);  // restore L0
  auto r = apply_usage_update(acc, "$JSC.ARU.A.n2", msg);
  CHECK(r.outcome == outcome::applied_truncated);
  CHECK(r.ok());
  CHECK(r.tiers_merged == 1);
  CHECK(r.api_applied);
  CHECK(tier_store(acc, "R1") == 700);
  CHECK(acc.usage().api.total == 3);
}

TEST_CASE("docs/semantics.md#aru-merge size guard and node id from the subject") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"", lim(-1, -1)}});
  const bytes ok = encode(1, 0, {{"", 0, 10}});
  auto r = apply_usage_update(acc, "$JSC.ARU.A.n2", std::span<const std::byte>(ok).first(31));
  CHECK(r.outcome == outcome::too_short);
  CHECK(r.warning() == "Ignoring remote usage update with size too short");
  // The size guard comes first: a short message with no node is "too short".
  CHECK(apply_usage_update(acc, "nodot", std::span<const std::byte>(ok).first(5)).outcome == outcome::too_short);
  for (std::string_view subject : {"nodot", ".leading", "trailing.", ""}) {
    r = apply_usage_update(acc, subject, ok);
    CHECK(r.outcome == outcome::no_remote_node);
    CHECK(r.warning() == "Received remote usage update with no remote node");
  }
  CHECK(acc.usage().store == 0);
  CHECK(jsacct::detail::account_access::state(acc)->cluster == nullptr);  // no peer heard of: no cluster block
  // The node is the text after the last '.', nothing else of the subject is checked.
  r = apply_usage_update(acc, "x.y", ok);
  CHECK(r.outcome == outcome::applied);
  CHECK(r.node == "y");
  CHECK(acc.usage().store == 10);
  // Character payloads (a NATS message body) work the same.
  const std::string chars(reinterpret_cast<const char*>(ok.data()), ok.size());
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n3", std::string_view(chars)).ok());
  CHECK(acc.usage().store == 20);
}

TEST_CASE("docs/semantics.md#usage-model local usage and the server's used bytes are untouched by remote updates") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"", lim(-1, -1)}});
  auto t = acc.tier("");
  acc.update_usage(t, storage_type::file, 36);
  acc.update_usage(t, storage_type::memory, 5);
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(7, 3, {{"", 11, 100}})).ok());
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", legacy(-4, 10, 0, 0)).ok());
  const auto f = acc.usage_of(t, storage_type::file);
  CHECK(f.local == 36);
  CHECK(f.remote == 110);
  CHECK(f.total == 146);
  const auto m = acc.usage_of(t, storage_type::memory);
  CHECK(m.local == 5);
  CHECK(m.remote == 7);
  CHECK(eng.used().mem == 5);
  CHECK(eng.used().store == 36);
  CHECK(eng.usage_stats().store == 36);
  CHECK(acc.local_api() == std::pair<std::uint64_t, std::uint64_t>{0, 0});
}

TEST_CASE("remove_node subtracts everything the node reported") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  acc.update_usage(acc.tier("R1"), storage_type::file, 10);
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(7, 3, {{"R1", 0, 100}, {"R3", 1, 300}})).ok());
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(2, 0, {{"R1", 0, 1000}})).ok());
  CHECK(tier_store(acc, "R1") == 1110);
  remove_node(acc, "n2");
  CHECK(tier_store(acc, "R1") == 1010);
  CHECK(tier_store(acc, "R3") == 0);
  CHECK(tier_mem(acc, "R3") == 0);
  CHECK(acc.usage().api.total == 2);
  CHECK(acc.usage().api.errors == 0);
  remove_node(acc, "n2");  // unknown now: nothing happens
  remove_node(acc, "n3");
  CHECK(tier_store(acc, "R1") == 10);
  CHECK(acc.usage().api.total == 0);
  // Updates still in flight are ignored for 2 sweeps (the default), then the
  // node may come back: its next update counts again from zero.
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(1, 0, {{"R1", 0, 5}})).outcome ==
        remote_usage_outcome::dropped_removed_node);
  CHECK(tier_store(acc, "R1") == 10);
  (void)sweep_remote_usage(acc, {.expire_after_sweeps = 0});
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(1, 0, {{"R1", 0, 5}})).outcome ==
        remote_usage_outcome::dropped_removed_node);  // exactly one sweep fewer than ignore_updates_for_sweeps
  (void)sweep_remote_usage(acc, {.expire_after_sweeps = 0});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(1, 0, {{"R1", 0, 5}})).ok());
  CHECK(tier_store(acc, "R1") == 15);
  CHECK(acc.usage().api.total == 1);
}

TEST_CASE("remove_node: a late update cannot revive the node; 0 sweeps accepts it; a newer sender instance rejoins at once") {
  // An update in flight when the node was removed would otherwise bring its
  // usage back for good (no expiry) or until it expires.
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}});
  const auto late = encode(0, 0, {{"R1", 0, 700}});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", late, {.sequence = 8, .instance = 1}).ok());
  remove_node(acc, "n2", {.ignore_updates_for_sweeps = 3});
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", late, {.sequence = 9, .instance = 1}).outcome ==
        remote_usage_outcome::dropped_removed_node);  // same instance, newer sequence: still in flight
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", late).outcome == remote_usage_outcome::dropped_removed_node);
  CHECK(remote_peers(acc).empty());
  CHECK(tier_store(acc, "R1") == 0);
  for (int i = 0; i < 2; ++i) (void)sweep_remote_usage(acc, {.expire_after_sweeps = 0});
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", late).outcome == remote_usage_outcome::dropped_removed_node);
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", late, {.sequence = 1, .instance = 2}).ok());  // restarted: rejoined
  CHECK(tier_store(acc, "R1") == 700);
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", late).ok());  // the removal is over

  remove_node(acc, "n2", {.ignore_updates_for_sweeps = 0});
  CHECK(tier_store(acc, "R1") == 0);
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", late).ok());  // accepted at once
  CHECK(tier_store(acc, "R1") == 700);

  remove_node(acc, "n2");
  CHECK(acc.apply_remote_usage("n2", "R1", 0, 50));  // the embedder's own call ends the removal
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", late).ok());
  CHECK(tier_store(acc, "R1") == 700);
  CHECK(to_string(remote_usage_outcome::dropped_removed_node) == "dropped_removed_node");
  CHECK(warning_text(remote_usage_outcome::dropped_removed_node).empty());
}

TEST_CASE(
    "docs/semantics.md#recorded-facts oracle: injected store 100 + api 7/3 -> storage 136; then legacy store 50, api 1, errors 0 "
    "-> 86") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  account_limits l = lim(500, 1000);
  l.max_streams = 2;
  l.max_consumers = 3;
  auto acc = enable(eng, "A", limits_map{{"", l}});
  auto s = acc.create_stream(stream_config{.name = "S", .storage = storage_type::file});
  REQUIRE(s.ok());
  // One "hello" on subject "s" (36 bytes) and two API calls, as on the 2.9.10 oracle.
  s->add_usage(static_cast<std::int64_t>(file_store_msg_size(msg_lengths{1, 0, 5})));
  acc.track_api();
  acc.track_api();
  CHECK(acc.usage().store == 36);

  auto r = apply_usage_update(acc, "$JSC.ARU.A.FAKE", encode(7, 3, {{"", 0, 100}}));
  REQUIRE(r.ok());
  CHECK(encode(7, 3, {{"", 0, 100}}).size() == 44);
  auto u = acc.usage();
  CHECK(u.store == 136);
  CHECK(u.api.total == 9);
  CHECK(u.api.errors == 3);

  r = apply_usage_update(acc, "$JSC.ARU.A.FAKE", legacy(0, 50, 1, 0));
  CHECK(r.outcome == outcome::applied_legacy);
  u = acc.usage();
  CHECK(u.store == 86);
  CHECK(u.api.total == 3);
  CHECK(u.api.errors == 0);

  // Injected remote usage counts toward the account limit: 17 x 51 bytes fit (953), the 18th does not.
  int accepted = 0;
  const msg_lengths m{1, 0, 20};
  while (s->check_publish(m) == errc::none) {
    s->add_usage(static_cast<std::int64_t>(file_store_msg_size(m)));
    ++accepted;
    REQUIRE(accepted < 100);
  }
  CHECK(accepted == 17);
  CHECK(acc.usage().store == 953);
  CHECK(s->check_publish(m) == errc::account_resources_exceeded);
}

// ---------------------------------------------------------------------------- sending

TEST_CASE("docs/semantics.md#aru-sending throttle: a second send within 250 ms is suppressed, exactly 250 ms later it goes") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"", lim(-1, -1)}});
  acc.update_usage(acc.tier(""), storage_type::file, 36);
  fake_clock clk;
  const auto t0 = clk.now;
  usage_publisher pub(acc, node_id("S1"), clk.fn());
  CHECK(pub.subject() == "$JSC.ARU.A.sQnRv29R");
  bytes out;
  CHECK(pub.trigger(out));  // first ever: lupdate is unset
  CHECK(out.size() == 44);
  CHECK(pub.last_update() == t0);
  auto v = decode_usage_update(out);
  CHECK(v.status() == usage_update_status::complete);
  CHECK(v.front() == usage_record{"", 0, 36});

  out.clear();
  clk.now = t0 + 249ms;
  acc.update_usage(acc.tier(""), storage_type::file, 10);
  CHECK_FALSE(pub.trigger(out));  // suppressed, and no trailing send is scheduled
  CHECK(out.empty());
  CHECK(pub.last_update() == t0);  // a suppressed attempt does not move lupdate
  clk.now = t0 + 250ms;
  CHECK(pub.trigger(out));
  CHECK(pub.last_update() == t0 + 250ms);
  CHECK(decode_usage_update(out).front().store == 46);
  clk.now = t0 + 499ms;
  CHECK_FALSE(pub.trigger(out));
  clk.now = t0 + 500ms;
  CHECK(pub.trigger(out));
  CHECK(pub.sent() == 3);
}

TEST_CASE("docs/semantics.md#aru-sending nothing is sent for an empty usage map, but lupdate is still set") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"", lim(-1, -1)}});
  fake_clock clk;
  const auto t0 = clk.now;
  usage_publisher pub(acc, "n1", clk.fn());
  bytes out;
  CHECK_FALSE(pub.trigger(out));
  CHECK(out.empty());
  CHECK(pub.last_update() == t0);
  acc.track_api();  // API counters alone do not create a usage tier
  clk.now = t0 + 300ms;
  CHECK_FALSE(pub.trigger(out));
  CHECK(pub.last_update() == t0 + 300ms);
  acc.update_usage(acc.tier(""), storage_type::file, 1);
  clk.now = t0 + 400ms;  // within 250 ms of the empty attempt
  CHECK_FALSE(pub.trigger(out));
  clk.now = t0 + 550ms;
  CHECK(pub.trigger(out));
  const auto v = decode_usage_update(out);
  CHECK(v.api() == 1);
  CHECK(v.front().store == 1);
  CHECK(pub.sent() == 1);
}

TEST_CASE("docs/semantics.md#aru-sending the periodic tick fires every 1.5 s and is throttled like any trigger") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"", lim(-1, -1)}});
  acc.update_usage(acc.tier(""), storage_type::memory, 8);
  fake_clock clk;
  const auto t0 = clk.now;
  usage_publisher pub(acc, "n1", clk.fn());
  CHECK(pub.next_tick() == t0 + 1500ms);
  bytes out;
  clk.now = t0 + 1499ms;
  CHECK_FALSE(pub.tick(out));
  CHECK(pub.next_tick() == t0 + 1500ms);
  CHECK_FALSE(pub.last_update().has_value());
  clk.now = t0 + 1500ms;
  CHECK(pub.tick(out));
  CHECK(decode_usage_update(out).front().mem == 8);
  CHECK(pub.next_tick() == t0 + 3000ms);
  CHECK_FALSE(pub.tick(out));  // not due again yet
  // A trigger 100 ms before the next tick makes that tick fall inside the window: suppressed, re-armed.
  clk.now = t0 + 2900ms;
  CHECK(pub.trigger(out));
  clk.now = t0 + 3000ms;
  CHECK_FALSE(pub.tick(out));
  CHECK(pub.next_tick() == t0 + 4500ms);
  clk.now = t0 + 4600ms;  // a late timer re-arms from when it actually fired
  CHECK(pub.tick(out));
  CHECK(pub.next_tick() == t0 + 6100ms);
  CHECK(pub.sent() == 3);
}

TEST_CASE("docs/semantics.md#aru-subjects main standalone: no subject, nothing ever sent, the throttle still advances") {
  engine eng(server_cfg());
  auto acc = enable(eng, "A", limits_map{{"", lim(-1, -1)}});
  acc.update_usage(acc.tier(""), storage_type::file, 36);
  fake_clock clk;
  const auto t0 = clk.now;
  usage_publisher_options opts;
  opts.publish = false;
  usage_publisher pub(acc, "n1", clk.fn(), opts);
  CHECK(pub.subject().empty());
  bytes out;
  CHECK_FALSE(pub.trigger(out));
  CHECK(pub.last_update() == t0);
  clk.now = t0 + 1500ms;
  CHECK_FALSE(pub.tick(out));
  CHECK(out.empty());
  CHECK(pub.sent() == 0);
}

TEST_CASE("docs/semantics.md#aru-layout only local values are sent: remote contributions never echo") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  acc.update_usage(acc.tier("R1"), storage_type::file, 100);
  acc.track_api_error();
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(50, 5, {{"R1", 0, 999}, {"R3", 3, 333}})).ok());
  fake_clock clk;
  usage_publisher pub(acc, "n1", clk.fn());
  std::string out;  // any byte container works
  REQUIRE(pub.trigger(out));
  const auto v = decode_usage_update(out);
  CHECK(v.status() == usage_update_status::complete);
  CHECK(v.api() == 1);
  CHECK(v.errors() == 1);
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> got;
  for (const auto& r : v) got[std::string(r.name)] = {r.mem, r.store};
  // R3 exists locally only because the peer reported it: main sends it with local zeros.
  CHECK(got == std::map<std::string, std::pair<std::int64_t, std::int64_t>>{{"R1", {0, 100}}, {"R3", {0, 0}}});
}

TEST_CASE("exchange: three engines converge on the cluster total and the limit applies cluster-wide") {
  struct node {
    engine eng{server_cfg(), {.mode = deployment::clustered}};
    engine::account acc;
    std::optional<usage_publisher<engine::traits>> pub;
    std::optional<engine::reservation> stream;
  };
  fake_clock clk;
  std::vector<std::unique_ptr<node>> nodes;
  for (std::string name : {"S1", "S2", "S3"}) {
    auto n = std::make_unique<node>();
    n->acc = enable(n->eng, "A", limits_map{{"", lim(-1, 10000)}});
    n->pub.emplace(n->acc, node_id(name), clk.fn());
    auto s = n->acc.create_stream(stream_config{.name = "S", .storage = storage_type::file});
    REQUIRE(s.ok());
    n->stream.emplace(std::move(*s));
    nodes.push_back(std::move(n));
  }
  auto exchange = [&] {
    for (auto& from : nodes) {
      bytes out;
      if (!from->pub->trigger(out)) continue;
      for (auto& to : nodes)
        if (to != from) REQUIRE(apply_usage_update(to->acc, from->pub->subject(), out).ok());
    }
  };
  for (auto& n : nodes) n->stream->add_usage(3000);
  exchange();
  for (auto& n : nodes) CHECK(n->acc.usage().store == 9000);
  const msg_lengths big{1, 0, 1000};   // 1031 bytes: 9000 + 1031 > 10000
  const msg_lengths small{1, 0, 900};  // 931 bytes
  for (auto& n : nodes) {
    CHECK(n->stream->check_publish(big) == errc::account_resources_exceeded);
    CHECK(n->stream->check_publish(small) == errc::none);
  }
  nodes[0]->stream->add_usage(-3000);
  clk.now += 250ms;
  exchange();
  for (auto& n : nodes) {
    CHECK(n->acc.usage().store == 6000);
    CHECK(n->stream->check_publish(big) == errc::none);
  }
}

// ---------------------------------------------------------------------------- tier floods (issue 17 item 5)

namespace {

/// Whether the account holds a tier entry named `t` (without creating or pinning one).
template <class A>
bool has_tier_entry(const A& acc, std::string_view t) {
  auto& st = *jsacct::detail::account_access::state(acc);
  std::lock_guard lk(st.mu);
  return st.find_tier(t) != nullptr;
}
template <class A>
std::size_t tier_entries(const A& acc) {
  auto& st = *jsacct::detail::account_access::state(acc);
  std::lock_guard lk(st.mu);
  REQUIRE((st.tier_index == nullptr ? st.tiers.size() < st.index_from : st.tier_index->size() == st.tiers.size()));
  return st.tiers.size();
}
/// Σ remote store over the account's tiers, read without touching them.
template <class A>
std::int64_t remote_store_sum(const A& acc) {
  auto& st = *jsacct::detail::account_access::state(acc);
  std::lock_guard lk(st.mu);
  std::int64_t sum = 0;
  for (const auto& e : st.tiers) sum += e->remote[1].load();
  return sum;
}

std::vector<std::string> tier_names(std::string_view prefix, int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(std::string(prefix) + std::to_string(i));
  return v;
}

bytes encode_names(const std::vector<std::string>& names, std::int64_t store) {
  std::vector<usage_record> recs;
  for (const auto& n : names) recs.push_back({n, 0, store});
  return encode(1, 0, recs);
}

}  // namespace

TEST_CASE("remote_tier_caps: defaults, setter, getter") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  CHECK(eng.remote_caps() == remote_tier_caps{256, 1024});
  eng.set_remote_tier_caps({3, 7});
  CHECK(eng.remote_caps() == remote_tier_caps{3, 7});
}

TEST_CASE_TEMPLATE("a peer's new tiers beyond the per-node cap are refused, counted and reported once per message", E, engine,
                   plain_engine) {
  E eng(server_cfg(), {.mode = deployment::clustered});
  std::vector<event> events;
  eng.set_event_sink([&](const event& e) { events.push_back(e); });
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  const std::size_t cap = eng.remote_caps().per_node;
  auto names = tier_names("T", static_cast<int>(cap) + 44);
  auto r = apply_usage_update(acc, "$JSC.ARU.A.n2", encode_names(names, 10));
  CHECK(r.outcome == outcome::applied);
  CHECK(r.ok());
  CHECK(r.tiers_merged == cap);
  CHECK(r.tiers_refused == 44);
  CHECK(r.api_applied);
  CHECK(acc.remote_tiers_refused() == 44);
  CHECK(jsacct::detail::account_access::state(acc)->cluster->remotes.at("n2").tiers.size() == cap);
  CHECK(remote_store_sum(acc) == static_cast<std::int64_t>(cap) * 10);
  CHECK(has_tier_entry(acc, "T" + std::to_string(cap - 1)));
  CHECK_FALSE(has_tier_entry(acc, "T" + std::to_string(cap)));
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == event_kind::remote_tiers_refused);
  CHECK(events[0].account == "A");
  CHECK(events[0].tier == "T" + std::to_string(cap));  // the first refused record
  CHECK(events[0].before == 44);
  CHECK(events[0].after == static_cast<std::int64_t>(cap) + 44);
  CHECK(events[0].text == "Refused 44 of " + std::to_string(cap + 44) +
                              " tiers in remote usage update from node \"n2\" for account \"A\" (limits: 256 tiers per node, "
                              "1024 per account)");

  // At the cap: new values for accepted tiers apply, tiers with limits are always accepted,
  // zero usage is never refused, a new unlimited tier still is.
  std::vector<usage_record> recs{{"T0", 0, 99}, {"R3", 0, 5}, {"NEW", 0, 0}, {"NEW2", 0, 1}};
  events.clear();
  r = apply_usage_update(acc, "$JSC.ARU.A.n2", encode(1, 0, recs));
  CHECK(r.tiers_merged == 3);
  CHECK(r.tiers_refused == 1);
  CHECK(acc.remote_tiers_refused() == 45);
  CHECK(tier_store(acc, "T0") == 99);
  CHECK(tier_store(acc, "R3") == 5);
  CHECK_FALSE(has_tier_entry(acc, "NEW"));
  CHECK_FALSE(has_tier_entry(acc, "NEW2"));
  REQUIRE(events.size() == 1);
  CHECK(events[0].tier == "NEW2");
  // Another node has its own allowance.
  r = apply_usage_update(acc, "$JSC.ARU.A.n3", encode(0, 0, {{"NEW2", 0, 1}}));
  CHECK(r.tiers_refused == 0);
  CHECK(tier_store(acc, "NEW2") == 1);
}

TEST_CASE("the per-account cap counts every tier entry; tiers with limits and known tiers pass") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  eng.set_remote_tier_caps({100, 6});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}, {"R5", lim(-1, -1)}});
  // enable creates the tier entries of the limits: R1, R3, R5.
  CHECK(tier_entries(acc) == 3);
  auto r = apply_usage_update(acc, "$JSC.ARU.A.n2", encode_names({"A1", "A2", "A3", "A4"}, 1));
  CHECK(r.tiers_merged == 3);
  CHECK(r.tiers_refused == 1);
  CHECK(tier_entries(acc) == 6);
  // A second node may add to existing tiers but not create new ones.
  r = apply_usage_update(acc, "$JSC.ARU.A.n3", encode_names({"A1", "A4", "R5"}, 2));
  CHECK(r.tiers_merged == 2);
  CHECK(r.tiers_refused == 1);
  CHECK(tier_store(acc, "A1") == 3);
  CHECK(tier_store(acc, "R5") == 2);
  CHECK(acc.remote_tiers_refused() == 2);
  // Raising the cap at run time lets the next update through.
  eng.set_remote_tier_caps({100, 7});
  r = apply_usage_update(acc, "$JSC.ARU.A.n3", encode_names({"A4"}, 2));
  CHECK(r.tiers_refused == 0);
  CHECK(tier_store(acc, "A4") == 2);
}

TEST_CASE_TEMPLATE("a zero report releases the peer's contribution and the tier when nothing else keeps it", E, engine,
                   plain_engine) {
  E eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}});
  const std::size_t base = tier_entries(acc);  // R1
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"X", 5, 50}, {"Y", 0, 7}, {"R1", 0, 3}})).ok());
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(0, 0, {{"Y", 0, 8}})).ok());
  CHECK(tier_entries(acc) == base + 2);
  CHECK(acc.usage().store == 68);

  // n2 reports everything gone: X has no other reason to exist, Y is still n3's, R1 has limits.
  auto r = apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"X", 0, 0}, {"Y", 0, 0}, {"R1", 0, 0}}));
  CHECK(r.outcome == outcome::applied);
  CHECK(r.tiers_merged == 3);
  CHECK_FALSE(has_tier_entry(acc, "X"));
  CHECK(has_tier_entry(acc, "Y"));
  CHECK(has_tier_entry(acc, "R1"));
  CHECK(jsacct::detail::account_access::state(acc)->cluster->remotes.at("n2").tiers.empty());
  CHECK(acc.usage().store == 8);
  CHECK(acc.usage().memory == 0);
  CHECK(tier_entries(acc) == base + 1);

  // n3's zero releases Y; a zero for a tier nobody reported creates nothing.
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(0, 0, {{"Y", 0, 0}, {"Z", 0, 0}})).ok());
  CHECK_FALSE(has_tier_entry(acc, "Y"));
  CHECK_FALSE(has_tier_entry(acc, "Z"));
  CHECK(tier_entries(acc) == base);
  CHECK(acc.usage().store == 0);

  // A released tier comes back like a new one.
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"X", 0, 4}})).ok());
  CHECK(acc.usage().store == 4);
  CHECK(acc.usage().tiers.at("X").store == 4);
}

TEST_CASE("a tier used locally is never released: tier_ref, stream, local usage") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"P", 0, 1}, {"Q", 0, 1}})).ok());
  auto p = acc.tier("P");  // a tier_ref is handed out: its address must stay valid
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"P", 0, 0}, {"Q", 0, 0}})).ok());
  CHECK(has_tier_entry(acc, "P"));
  CHECK_FALSE(has_tier_entry(acc, "Q"));
  acc.update_usage(p, storage_type::file, 12);  // still usable
  CHECK(acc.usage_of(p, storage_type::file).total == 12);
  CHECK(acc.usage().tiers.at("P").store == 12);
}

TEST_CASE("a limited tier reported with zero usage gets its usage entry (2.9.10's post-store check sees it)") {
  engine_v29 eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, 10)}});
  auto s = acc.create_stream(stream_config{.name = "S", .storage = storage_type::file});
  REQUIRE(s.ok());
  // Before any usage: no usage entry, 2.9.10 passes the post-store check.
  CHECK(s->check_stored() == errc::none);
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"R1", 0, 0}})).ok());
  auto& st = *jsacct::detail::account_access::state(acc);
  CHECK(st.find_tier("R1")->has_usage.load() == 1);
}

TEST_CASE("remove_node releases the tiers only that node kept") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}});
  const std::size_t base = tier_entries(acc);
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(3, 1, {{"X", 1, 10}, {"Y", 0, 20}, {"R1", 0, 30}})).ok());
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(0, 0, {{"Y", 0, 5}})).ok());
  remove_node(acc, "n2");
  CHECK_FALSE(has_tier_entry(acc, "X"));
  CHECK(has_tier_entry(acc, "Y"));
  CHECK(has_tier_entry(acc, "R1"));
  CHECK(tier_entries(acc) == base + 1);
  CHECK(acc.usage().store == 5);
  CHECK(acc.usage().memory == 0);
  CHECK(acc.usage().api.total == 0);
  remove_node(acc, "n3");
  CHECK(tier_entries(acc) == base);
  CHECK(jsacct::detail::account_access::state(acc)->cluster->remotes.empty());
}

TEST_CASE("tier floods: memory stays bounded over many floods, and 30,000 tiers in one message merge when allowed") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}});
  const auto caps = eng.remote_caps();
  // Ten floods of 2,000 fresh names from ten nodes: the account never holds more than the cap.
  for (int round = 0; round < 10; ++round) {
    const std::string node = "$JSC.ARU.A.f" + std::to_string(round);
    auto r = apply_usage_update(acc, node, encode_names(tier_names("F" + std::to_string(round) + "_", 2000), 1));
    CHECK(r.tiers_merged + r.tiers_refused == 2000);
    CHECK(tier_entries(acc) <= caps.per_account);
    for (const auto& [n, rn] : jsacct::detail::account_access::state(acc)->cluster->remotes)
      CHECK(rn.tiers.size() <= caps.per_node);
  }
  CHECK(tier_entries(acc) == caps.per_account);
  // Each flooding node then reports its tiers gone: everything is released.
  for (int round = 0; round < 10; ++round) {
    const std::string node = "$JSC.ARU.A.f" + std::to_string(round);
    REQUIRE(apply_usage_update(acc, node, encode_names(tier_names("F" + std::to_string(round) + "_", 2000), 0)).ok());
  }
  CHECK(tier_entries(acc) == 1);
  CHECK(acc.usage().store == 0);

  // Caps lifted: one message with 30,000 distinct names merges completely (hash lookups; see
  // benchmarks/wire_bench.cpp for the cost).
  eng.set_remote_tier_caps({SIZE_MAX, SIZE_MAX});
  const auto names = tier_names("T", 30000);
  auto r = apply_usage_update(acc, "$JSC.ARU.A.n2", encode_names(names, 2));
  CHECK(r.tiers_merged == 30000);
  CHECK(r.tiers_refused == 0);
  CHECK(tier_entries(acc) == 30001);
  CHECK(acc.usage().store == 60000);
  CHECK(acc.usage().tiers.size() == 30001);
  remove_node(acc, "n2");
  CHECK(tier_entries(acc) == 1);
  CHECK(acc.usage().store == 0);
}

TEST_CASE("a throwing event sink does not break a refused merge") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  eng.set_remote_tier_caps({1, 1024});
  eng.set_event_sink([](const event&) { throw std::runtime_error("sink"); });
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}});
  auto r = apply_usage_update(acc, "$JSC.ARU.A.n2", encode_names({"A", "B"}, 1));
  CHECK(r.tiers_merged == 1);
  CHECK(r.tiers_refused == 1);
  CHECK_FALSE(acc.apply_remote_usage("n2", "C", 0, 1));
  CHECK(acc.apply_remote_usage("n2", "A", 0, 2));
  CHECK(acc.remote_tiers_refused() == 2);
  CHECK(tier_store(acc, "A") == 2);
}

// ------------------------------------------------------------------ ordering (docs/cluster.md#ordering)

TEST_CASE("ordering: without a sequence updates apply in arrival order, as nats-server's") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(2, 0, {{"R1", 0, 200}})).ok());
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(1, 0, {{"R1", 0, 100}})).ok());  // older, arrives later
  CHECK(tier_store(acc, "R1") == 100);
  CHECK(acc.usage().api.total == 1);
}

TEST_CASE_TEMPLATE("ordering: sequenced duplicates and reordered updates change nothing", E, engine, plain_engine) {
  E eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}});
  const auto seq = [](std::uint64_t s, std::uint64_t inst = 7) { return remote_update_info{.sequence = s, .instance = inst}; };
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(2, 0, {{"R1", 0, 200}}), seq(2)).outcome == outcome::applied);
  auto r = apply_usage_update(acc, "$JSC.ARU.A.n2", encode(1, 0, {{"R1", 0, 100}}), seq(1));  // reordered
  CHECK(r.outcome == outcome::dropped_out_of_order);
  CHECK(to_string(r.outcome) == "dropped_out_of_order");
  CHECK(r.warning().empty());
  CHECK_FALSE(r.ok());
  CHECK(r.tiers_merged == 0);
  CHECK_FALSE(r.api_applied);
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(9, 9, {{"R1", 0, 900}}), seq(2)).outcome ==
        outcome::dropped_out_of_order);  // duplicate sequence
  CHECK(tier_store(acc, "R1") == 200);
  CHECK(acc.usage().api.total == 2);
  CHECK(acc.usage().api.errors == 0);
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(3, 0, {{"R1", 0, 300}}), seq(3)).ok());
  CHECK(tier_store(acc, "R1") == 300);

  // A restart (a higher instance) starts over at any sequence; the old run's late update is dropped.
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"R1", 0, 50}}), seq(0, 8)).ok());
  CHECK(tier_store(acc, "R1") == 50);
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(4, 0, {{"R1", 0, 400}}), seq(4, 7)).outcome ==
        outcome::dropped_out_of_order);
  CHECK(tier_store(acc, "R1") == 50);
  // Extremes: sequence 0 first, UINT64_MAX, then nothing newer in that instance.
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(0, 0, {{"R1", 0, 1}}), seq(0, 0)).ok());
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(0, 0, {{"R1", 0, 2}}), seq(UINT64_MAX, 0)).ok());
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(0, 0, {{"R1", 0, 3}}), seq(UINT64_MAX, 0)).outcome ==
        outcome::dropped_out_of_order);
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(0, 0, {{"R1", 0, 4}}), seq(0, UINT64_MAX)).ok());
  CHECK(tier_store(acc, "R1") == 54);
}

TEST_CASE("ordering: a corrupt newer update does not hide a valid older one; unsequenced updates always apply") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"", lim(-1, -1)}});
  const auto seq = [](std::uint64_t s) { return remote_update_info{.sequence = s, .instance = 1}; };
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"", 0, 100}}), seq(1)).ok());
  bytes bad = encode(0, 0, {{"", 0, 300}});
  put_u64(bad, 36, 1);  // first name length 1 > 44 - 44: the first record is corrupt
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", bad, seq(3)).outcome == outcome::corrupt_first_record);
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"", 0, 200}}), seq(2)).ok());  // still newer than 1
  CHECK(tier_store(acc, "") == 200);
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"", 0, 250}}), seq(5)).ok());
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"", 0, 70}})).ok());  // no sequence: arrival order
  CHECK(tier_store(acc, "") == 70);
  CHECK(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"", 0, 60}}), seq(5)).outcome ==
        outcome::dropped_out_of_order);  // the last sequence applied is still 5
}
