// SPDX-License-Identifier: Apache-2.0
// docs/cluster.md#peer-expiry: silent peers' usage expires after a number of
// sweeps without a message (nats-server #8563: a peer's last report otherwise
// counts forever), their tiers are released, a later message restores them.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "jsacct/engine/basic_engine.hpp"
#include "jsacct/wire/cluster_usage.hpp"
#include "jsacct/wire/peer_expiry.hpp"
#include "jsacct/wire/usage_update.hpp"
#include "wire_helpers.hpp"

using namespace jsacct;
using namespace wiretest;

namespace {

jetstream_config server_cfg() { return server_config(1 << 20, std::int64_t{1} << 40); }

template <class A>
std::int64_t tier_store(A& acc, std::string_view tier) {
  return acc.usage_of(acc.tier(tier), storage_type::file).total;
}

template <class A>
bool has_tier_entry(const A& acc, std::string_view t) {
  auto& st = *detail::account_access::state(acc);
  std::lock_guard lk(st.mu);
  return st.find_tier(t) != nullptr;
}

}  // namespace

TEST_CASE_TEMPLATE("a peer silent for exactly expire_after_sweeps sweeps expires; one sweep fewer keeps it", E, engine,
                   plain_engine) {
  E eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = *eng.enable_account("A", limits_map{{"R1", lim(-1, -1)}});
  const peer_expiry_options opts{.expire_after_sweeps = 3};
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(4, 1, {{"R1", 0, 1000}})).ok());
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(0, 0, {{"R1", 0, 500}})).ok());

  auto r = sweep_remote_usage(acc, opts);  // both heard since the start
  CHECK(r.heard == 2);
  CHECK(r.silent == 0);
  CHECK(r.expired.empty());
  for (int sweep = 1; sweep <= 2; ++sweep) {  // n3 keeps sending, n2 is silent for 1, then 2 sweeps
    REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(0, 0, {{"R1", 0, 500}})).ok());
    r = sweep_remote_usage(acc, opts);
    CHECK(r.heard == 1);
    CHECK(r.silent == 1);
    CHECK(r.expired.empty());
    CHECK(tier_store(acc, "R1") == 1500);
    CHECK(acc.usage().api.total == 4);
  }
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(0, 0, {{"R1", 0, 500}})).ok());
  r = sweep_remote_usage(acc, opts);  // the third silent sweep
  CHECK(r.heard == 1);
  CHECK(r.silent == 0);
  CHECK(r.expired == std::vector<std::string>{"n2"});
  CHECK(tier_store(acc, "R1") == 500);
  CHECK(acc.usage().api.total == 0);
  CHECK(acc.usage().api.errors == 0);
  CHECK(remote_peers(acc) == std::vector<std::string>{"n3"});

  // A later message restores the peer's contribution.
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(4, 1, {{"R1", 0, 1000}})).ok());
  CHECK(tier_store(acc, "R1") == 1500);
  CHECK(acc.usage().api.total == 4);
  CHECK(remote_peers(acc) == std::vector<std::string>{"n2", "n3"});
}

TEST_CASE("a peer that sends once per sweep interval, or more often than it expires, never expires") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = *eng.enable_account("A", limits_map{{"R1", lim(-1, -1)}});
  const peer_expiry_options opts{.expire_after_sweeps = 3};
  for (int sweep = 0; sweep < 300; ++sweep) {
    if (sweep % 3 == 0) REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"R1", 0, 70}})).ok());
    CHECK(sweep_remote_usage(acc, opts).expired.empty());  // at most 2 silent sweeps in a row
  }
  CHECK(tier_store(acc, "R1") == 70);
}

TEST_CASE("expire_after_sweeps 1 and 0: the first silent sweep expires; 0 never expires (nats-server's behavior)") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = *eng.enable_account("A", limits_map{{"R1", lim(-1, -1)}});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"R1", 0, 70}})).ok());
  for (int sweep = 0; sweep < 1000; ++sweep) CHECK(sweep_remote_usage(acc, {.expire_after_sweeps = 0}).expired.empty());
  CHECK(tier_store(acc, "R1") == 70);
  auto r = sweep_remote_usage(acc, {.expire_after_sweeps = 1000});  // silent for 1001 sweeps by now
  CHECK(r.expired == std::vector<std::string>{"n2"});
  CHECK(tier_store(acc, "R1") == 0);

  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"R1", 0, 70}})).ok());
  CHECK(sweep_remote_usage(acc, {.expire_after_sweeps = 1}).expired.empty());  // heard
  CHECK(sweep_remote_usage(acc, {.expire_after_sweeps = 1}).expired == std::vector<std::string>{"n2"});
  CHECK(remote_peers(acc).empty());
  CHECK(peer_expiry_options{}.expire_after_sweeps == 10);
}

TEST_CASE("expiry releases the tiers only the silent peer kept; limited, local and other peers' tiers stay") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = *eng.enable_account("A", limits_map{{"R1", lim(-1, -1)}});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(3, 1, {{"X", 1, 10}, {"Y", 0, 20}, {"R1", 0, 30}})).ok());
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(0, 0, {{"Y", 0, 5}})).ok());
  const peer_expiry_options opts{.expire_after_sweeps = 2};
  (void)sweep_remote_usage(acc, opts);
  (void)sweep_remote_usage(acc, opts);
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(0, 0, {{"Y", 0, 5}})).ok());
  const auto r = sweep_remote_usage(acc, opts);
  CHECK(r.expired == std::vector<std::string>{"n2"});
  CHECK_FALSE(has_tier_entry(acc, "X"));
  CHECK(has_tier_entry(acc, "Y"));
  CHECK(has_tier_entry(acc, "R1"));
  CHECK(acc.usage().store == 5);
  CHECK(acc.usage().memory == 0);
}

TEST_CASE("nats-server #8563: a silent peer's phantom usage refuses publishes forever without expiry, not with it") {
  // The shape: a leader reports 57.66 GiB for an account that stores
  // nothing, because a departed peer's last report never leaves.
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = *eng.enable_account("A", limits_map{{"R1", lim(-1, std::int64_t{60} << 30)}});
  const std::int64_t phantom = 61'911'820'288;  // 57.66 GiB
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.gone", encode(0, 0, {{"R1", 0, phantom}})).ok());
  const auto r1 = acc.tier("R1");
  const msg_lengths msg{.subject = 1, .header = 0, .payload = std::uint64_t{3} << 30};  // 3 GiB
  CHECK(acc.check_publish(r1, storage_type::file, 1, msg) == errc::account_resources_exceeded);
  for (int sweep = 0; sweep < 100; ++sweep) (void)sweep_remote_usage(acc, {.expire_after_sweeps = 0});
  CHECK(acc.usage().store == phantom);  // today's default: it stays
  CHECK(acc.check_publish(r1, storage_type::file, 1, msg) == errc::account_resources_exceeded);
  CHECK(sweep_remote_usage(acc, {.expire_after_sweeps = 10}).expired == std::vector<std::string>{"gone"});
  CHECK(acc.usage().store == 0);
  CHECK(acc.check_publish(r1, storage_type::file, 1, msg) == errc::none);
}

TEST_CASE("any message from a peer is a sign of life: corrupt bodies, set_remote_api, apply_remote_usage") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = *eng.enable_account("A", limits_map{{"R1", lim(-1, -1)}});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"R1", 0, 70}})).ok());
  const peer_expiry_options opts{.expire_after_sweeps = 1};
  CHECK(sweep_remote_usage(acc, opts).heard == 1);
  bytes corrupt = encode(0, 0, {{"R1", 0, 70}});
  corrupt[corrupt.size() - 1] = std::byte{0xff};  // breaks the first record's layout or value: still from n2
  (void)apply_usage_update(acc, "$JSC.ARU.A.n2", corrupt);
  CHECK(sweep_remote_usage(acc, opts).heard == 1);
  acc.set_remote_api("n2", 1, 0);
  CHECK(sweep_remote_usage(acc, opts).heard == 1);
  CHECK(acc.apply_remote_usage("n2", "R1", 0, 80));
  CHECK(sweep_remote_usage(acc, opts).heard == 1);
  CHECK(tier_store(acc, "R1") == 80);
  CHECK(sweep_remote_usage(acc, opts).expired == std::vector<std::string>{"n2"});
  CHECK(tier_store(acc, "R1") == 0);
}

TEST_CASE("expiry events: one per expired peer with its tiers and silent sweeps; a throwing sink breaks nothing") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  std::vector<event> seen;
  eng.set_event_sink([&](const event& e) { seen.push_back(e); });
  auto acc = *eng.enable_account("A", limits_map{{"R1", lim(-1, -1)}});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"R1", 0, 70}, {"R3", 0, 30}})).ok());
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(0, 0, {{"R1", 0, 5}})).ok());
  const peer_expiry_options opts{.expire_after_sweeps = 2};
  for (int i = 0; i < 2; ++i) CHECK(sweep_remote_usage(acc, opts).expired.empty());
  CHECK(sweep_remote_usage(acc, opts).expired == std::vector<std::string>{"n2", "n3"});
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].kind == event_kind::remote_usage_expired);
  CHECK(seen[0].account == "A");
  CHECK(seen[0].before == 2);
  CHECK(seen[0].after == 2);
  CHECK(seen[0].text == "Expired remote usage of node \"n2\" for account \"A\" after 2 sweeps without an update (2 tiers)");
  CHECK(seen[1].before == 1);

  eng.set_event_sink([](const event&) { throw std::runtime_error("sink"); });
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"R1", 0, 70}})).ok());
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", encode(0, 0, {{"R1", 0, 5}})).ok());
  for (int i = 0; i < 2; ++i) (void)sweep_remote_usage(acc, opts);
  CHECK(sweep_remote_usage(acc, opts).expired.size() == 2);
  CHECK(acc.usage().store == 0);
}

TEST_CASE("a disabled account has nothing to sweep; disabling drops its peers' usage with the account") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = *eng.enable_account("A", limits_map{{"R1", lim(-1, -1)}});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(0, 0, {{"R1", 0, 70}})).ok());
  REQUIRE(eng.disable_account("A").ok());
  const auto r = sweep_remote_usage(acc, {.expire_after_sweeps = 1});
  CHECK(r.heard == 0);
  CHECK(r.silent == 0);
  CHECK(r.expired.empty());
  CHECK(remote_peers(acc).empty());
  auto again = *eng.enable_account("A", limits_map{{"R1", lim(-1, -1)}});
  CHECK(again.usage().store == 0);
  CHECK(remote_peers(again).empty());
}

TEST_CASE("nats-server #3420's shape: deleting an account or losing a peer leaks no reservation and no remote usage") {
  // #3420: after an account was deleted its streams' reservations stayed on the
  // server, so the server refused new accounts' streams for good.
  jetstream_config c;
  c.max_memory = 1 << 20;
  c.max_store = 10'000;
  engine eng(c, {.mode = deployment::clustered});
  auto a = *eng.enable_account("A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  auto owned = a.create_stream(stream_config{.name = "OWNED", .storage = storage_type::file, .max_bytes = 4000, .replicas = 3});
  REQUIRE(owned.ok());
  auto kept = a.create_stream(stream_config{.name = "KEPT", .storage = storage_type::file, .max_bytes = 5000});
  REQUIRE(kept.ok());
  CHECK(kept->release() == "KEPT");  // the engine keeps it, no handle owns it
  owned->add_usage(1000);
  REQUIRE(apply_usage_update(a, "$JSC.ARU.A.n2", encode(0, 0, {{"R3", 0, 1000}, {"R1", 0, 77}})).ok());
  REQUIRE(apply_usage_update(a, "$JSC.ARU.A.n3", encode(0, 0, {{"R3", 0, 1000}})).ok());
  CHECK(eng.reserved().store == 9000);
  CHECK(a.usage().store == 3077);

  REQUIRE(eng.disable_account("A").ok());
  CHECK(eng.reserved().store == 4000);  // KEPT, which no handle could release, is gone at once
  owned->add_usage(-1000);              // the store removes OWNED's messages,
  owned->reset();                       // then its last handle dies
  CHECK(eng.reserved().store == 0);
  CHECK(eng.used().store == 0);
  auto b = *eng.enable_account("B", limits_map{{"R1", lim(-1, -1)}});
  auto all = b.create_stream(stream_config{.name = "ALL", .storage = storage_type::file, .max_bytes = 10'000});
  CHECK(all.ok());  // the whole server budget is free again

  // The account comes back: none of the old peers' usage, streams or reservations.
  auto again = *eng.enable_account("A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  CHECK(again.usage().store == 0);
  CHECK(again.usage().streams == 0);
  CHECK(remote_peers(again).empty());

  // A peer that left (remove_node) or went silent (expiry) leaves nothing behind either.
  REQUIRE(apply_usage_update(again, "$JSC.ARU.A.n2", encode(0, 0, {{"R3", 0, 500}, {"X", 0, 9}})).ok());
  REQUIRE(apply_usage_update(again, "$JSC.ARU.A.n3", encode(0, 0, {{"R3", 0, 500}})).ok());
  remove_node(again, "n2");
  CHECK(again.usage().store == 500);
  CHECK_FALSE(has_tier_entry(again, "X"));
  for (int i = 0; i < 3; ++i) (void)sweep_remote_usage(again, {.expire_after_sweeps = 2});
  CHECK(again.usage().store == 0);
  CHECK(remote_peers(again).empty());
  CHECK(eng.reserved().store == 10'000);  // only B's stream
}
