// SPDX-License-Identifier: Apache-2.0
// docs/cluster.md#peer-handles: apply_usage_update through a peer_handle (the
// node's cached slot) at its edges: unknown node, node removed or expired while
// a handle is held, a handle used with another account, caps, ordering; and
// the cluster block allocated only once an account hears of a peer.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jsacct/engine/basic_engine.hpp"
#include "jsacct/types.hpp"
#include "jsacct/wire/cluster_usage.hpp"
#include "jsacct/wire/peer_expiry.hpp"
#include "jsacct/wire/usage_update.hpp"
#include "wire_helpers.hpp"

using namespace jsacct;
using namespace wiretest;
using outcome = remote_usage_outcome;

namespace {

jetstream_config server_cfg() { return server_config(1 << 20, 10 << 20); }

template <class E>
typename E::account enable(E& eng, std::string_view name) {
  auto r = eng.enable_account(name, limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  REQUIRE(r.ok());
  return *r;
}

/// The tier's remote file usage, read without creating a tier entry.
template <class A>
std::int64_t remote_store(const A& acc, std::string_view tier) {
  const auto& st = *detail::account_access::state(acc);
  std::lock_guard lk(st.mu);
  const auto* e = st.find_tier(tier);
  return e == nullptr ? 0 : e->remote[1].load();
}

/// Whether `peer`'s cached slot is `node`'s live entry in `acc`.
template <class A, class H>
bool cached_in(const A& acc, H& peer, std::string_view node) {
  const auto& st = *detail::account_access::state(acc);
  std::lock_guard lk(st.mu);
  if (st.cluster == nullptr) return false;
  const auto it = st.cluster->remotes.find(node);
  const auto& c = detail::account_access::peer_cache(peer);
  return it != st.cluster->remotes.end() && c.cluster == st.cluster->id && c.epoch == st.cluster->epoch && c.slot == &it->second;
}

template <class A>
bool has_cluster_block(const A& acc) {
  const auto& st = *detail::account_access::state(acc);
  std::lock_guard lk(st.mu);
  return st.cluster != nullptr;
}

}  // namespace

TEST_CASE_TEMPLATE("a handle for an unknown node creates nothing; its first message creates the node and caches it", E, engine,
                   plain_engine) {
  E eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A");
  auto peer = acc.peer("n2");
  CHECK(peer.node() == "n2");
  CHECK(remote_peers(acc).empty());
  CHECK_FALSE(has_cluster_block(acc));
  auto r = apply_usage_update(acc, peer, encode(5, 1, {{"R1", 0, 100}, {"R3", 7, 300}}));
  CHECK(r.outcome == outcome::applied);
  CHECK(r.node == "n2");
  CHECK(r.tiers_merged == 2);
  CHECK(r.api_applied);
  CHECK(remote_peers(acc) == std::vector<std::string>{"n2"});
  CHECK(cached_in(acc, peer, "n2"));
  CHECK(acc.usage().store == 400);
  CHECK(acc.usage().memory == 7);
  CHECK(acc.usage().api.total == 5);
  // Later messages replace the node's contributions, through the cached slot.
  r = apply_usage_update(acc, peer, encode(6, 1, {{"R3", 0, 50}, {"R1", 0, 10}}));  // other order
  CHECK(r.outcome == outcome::applied);
  CHECK(acc.usage().store == 60);
  CHECK(acc.usage().memory == 0);
  CHECK(acc.usage().api.total == 6);
  CHECK(cached_in(acc, peer, "n2"));
  // The subject path sees the same node.
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", encode(6, 1, {{"R1", 0, 1}})).ok());
  CHECK(remote_store(acc, "R1") == 1);
  CHECK(remote_store(acc, "R3") == 50);
  CHECK(cached_in(acc, peer, "n2"));
}

TEST_CASE("a handle's guards: empty node id, short message, disabled account") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A");
  const bytes ok = encode(1, 0, {{"R1", 0, 10}});
  peer_handle<engine::traits> none;
  CHECK(none.node().empty());
  CHECK(apply_usage_update(acc, none, ok).outcome == outcome::no_remote_node);
  auto peer = acc.peer("n2");
  CHECK(apply_usage_update(acc, peer, std::span<const std::byte>(ok).first(31)).outcome == outcome::too_short);
  CHECK(apply_usage_update(acc, none, std::span<const std::byte>(ok).first(31)).outcome == outcome::too_short);
  CHECK_FALSE(has_cluster_block(acc));
  // The character overload.
  const std::string chars(reinterpret_cast<const char*>(ok.data()), ok.size());
  CHECK(apply_usage_update(acc, peer, chars).outcome == outcome::applied);
  CHECK(acc.usage().store == 10);
  REQUIRE(eng.disable_account("A").ok());
  CHECK(apply_usage_update(acc, peer, ok).outcome == outcome::account_disabled);
}

TEST_CASE_TEMPLATE("a node removed while a handle is held: its updates are ignored, then it comes back", E, engine,
                   plain_engine) {
  E eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A");
  auto peer = acc.peer("n2");
  REQUIRE(apply_usage_update(acc, peer, encode(3, 0, {{"R1", 0, 100}, {"X", 0, 5}})).ok());
  REQUIRE(cached_in(acc, peer, "n2"));
  remove_node(acc, "n2");  // ignores its updates for 2 sweeps
  CHECK(acc.usage().store == 0);
  CHECK(acc.usage().api.total == 0);
  CHECK(remote_peers(acc).empty());
  CHECK_FALSE(cached_in(acc, peer, "n2"));
  const auto r = apply_usage_update(acc, peer, encode(4, 0, {{"R1", 0, 200}}));
  CHECK(r.outcome == outcome::dropped_removed_node);
  CHECK(acc.usage().store == 0);
  CHECK(remote_peers(acc).empty());
  sweep_remote_usage(acc);
  sweep_remote_usage(acc);
  CHECK(apply_usage_update(acc, peer, encode(4, 0, {{"R1", 0, 200}})).outcome == outcome::applied);
  CHECK(acc.usage().store == 200);
  CHECK(acc.usage().api.total == 4);
  CHECK(remote_store(acc, "X") == 0);
  CHECK(cached_in(acc, peer, "n2"));
  // Removed without an ignore window: the next message brings it back at once.
  acc.remove_remote_node("n2");
  CHECK(acc.usage().store == 0);
  CHECK(apply_usage_update(acc, peer, encode(4, 0, {{"R3", 0, 30}})).outcome == outcome::applied);
  CHECK(acc.usage().store == 30);
  CHECK(remote_store(acc, "R1") == 0);
  CHECK(cached_in(acc, peer, "n2"));
}

TEST_CASE_TEMPLATE(
    "a node expired while a handle is held comes back with its next message; another node's expiry changes nothing", E, engine,
    plain_engine) {
  E eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A");
  const peer_expiry_options opts{.expire_after_sweeps = 1, .stale_after_sweeps = 0};
  auto n2 = acc.peer("n2");
  auto n3 = acc.peer("n3");
  REQUIRE(apply_usage_update(acc, n2, encode(1, 0, {{"R1", 0, 100}})).ok());
  REQUIRE(apply_usage_update(acc, n3, encode(2, 0, {{"R1", 0, 10}, {"Y", 0, 1}})).ok());
  sweep_remote_usage(acc, opts);  // both heard
  REQUIRE(apply_usage_update(acc, n2, encode(1, 0, {{"R1", 0, 100}})).ok());
  const auto swept = sweep_remote_usage(acc, opts);  // n3 silent: expires
  REQUIRE(swept.expired == std::vector<std::string>{"n3"});
  CHECK(acc.usage().store == 100);
  CHECK(remote_store(acc, "Y") == 0);
  // n2's handle is out of date (a node left): one lookup finds the same entry.
  CHECK_FALSE(cached_in(acc, n2, "n2"));
  REQUIRE(apply_usage_update(acc, n2, encode(1, 0, {{"R1", 0, 120}})).ok());
  CHECK(cached_in(acc, n2, "n2"));
  CHECK(acc.usage().store == 120);
  // n3 sends again: a new entry, its usage counts again.
  REQUIRE(apply_usage_update(acc, n3, encode(2, 0, {{"R1", 0, 10}, {"Y", 0, 1}})).ok());
  CHECK(cached_in(acc, n3, "n3"));
  CHECK(acc.usage().store == 131);
  CHECK(acc.usage().api.total == 3);
  CHECK(remote_peers(acc) == std::vector<std::string>{"n2", "n3"});
}

TEST_CASE_TEMPLATE("a handle used with another account looks the node up there; each account keeps its own", E, engine,
                   plain_engine) {
  E eng(server_cfg(), {.mode = deployment::clustered});
  auto a = enable(eng, "A");
  auto b = enable(eng, "B");
  auto peer = a.peer("n2");
  REQUIRE(apply_usage_update(a, peer, encode(1, 0, {{"R1", 0, 100}})).ok());
  REQUIRE(cached_in(a, peer, "n2"));
  CHECK_FALSE(has_cluster_block(b));
  REQUIRE(apply_usage_update(b, peer, encode(2, 0, {{"R1", 0, 7}})).ok());
  CHECK(cached_in(b, peer, "n2"));
  CHECK_FALSE(cached_in(a, peer, "n2"));
  CHECK(a.usage().store == 100);
  CHECK(b.usage().store == 7);
  REQUIRE(apply_usage_update(a, peer, encode(3, 0, {{"R1", 0, 50}})).ok());
  CHECK(a.usage().store == 50);
  CHECK(a.usage().api.total == 3);
  CHECK(b.usage().store == 7);
  CHECK(b.usage().api.total == 2);
  CHECK(remote_peers(a) == std::vector<std::string>{"n2"});
  CHECK(remote_peers(b) == std::vector<std::string>{"n2"});
  // A handle outlives the account it was cached for: the next use looks up by name.
  {
    auto c = enable(eng, "C");
    REQUIRE(apply_usage_update(c, peer, encode(1, 0, {{"R1", 0, 1}})).ok());
    REQUIRE(eng.disable_account("C").ok());
  }
  REQUIRE(apply_usage_update(a, peer, encode(3, 0, {{"R1", 0, 60}})).ok());
  CHECK(a.usage().store == 60);
  CHECK(cached_in(a, peer, "n2"));
}

TEST_CASE_TEMPLATE("caps refusals through a handle: counted, one event per message, known tiers still merge", E, engine,
                   plain_engine) {
  E eng(server_cfg(), {.mode = deployment::clustered});
  std::vector<event> events;
  eng.set_event_sink([&](const event& e) { events.push_back(e); });
  eng.set_remote_tier_caps({2, 1024});
  auto acc = enable(eng, "A");
  auto peer = acc.peer("n2");
  auto r = apply_usage_update(acc, peer, encode(1, 0, {{"X", 0, 1}, {"Y", 0, 2}, {"Z", 0, 3}, {"R1", 0, 4}}));
  CHECK(r.outcome == outcome::applied);
  CHECK(r.tiers_merged == 3);  // X, Y and R1 (a tier with limits is never refused)
  CHECK(r.tiers_refused == 1);
  CHECK(acc.remote_tiers_refused() == 1);
  CHECK(acc.usage().store == 7);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == event_kind::remote_tiers_refused);
  CHECK(events[0].tier == "Z");
  CHECK(events[0].text.find("from node \"n2\"") != std::string::npos);
  // Zero reports free the node's places (R1 holds one too), and Z fits.
  r = apply_usage_update(acc, peer, encode(1, 0, {{"X", 0, 0}, {"Y", 0, 0}, {"Z", 0, 3}}));
  CHECK(r.tiers_merged == 3);
  CHECK(r.tiers_refused == 0);
  CHECK(remote_store(acc, "X") == 0);
  CHECK(remote_store(acc, "Y") == 0);
  CHECK(remote_store(acc, "Z") == 3);
  CHECK(acc.usage().store == 7);  // R1 kept its 4
  CHECK(events.size() == 1);
}

TEST_CASE("sequenced updates through a handle: out-of-order ones are dropped") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = enable(eng, "A");
  auto peer = acc.peer("n2");
  REQUIRE(apply_usage_update(acc, peer, encode(1, 0, {{"R1", 0, 10}}), {.sequence = 5, .instance = 1}).ok());
  CHECK(apply_usage_update(acc, peer, encode(1, 0, {{"R1", 0, 99}}), {.sequence = 5, .instance = 1}).outcome ==
        outcome::dropped_out_of_order);
  CHECK(apply_usage_update(acc, peer, encode(1, 0, {{"R1", 0, 99}}), {.sequence = 9, .instance = 0}).outcome ==
        outcome::dropped_out_of_order);
  CHECK(acc.usage().store == 10);
  CHECK(apply_usage_update(acc, peer, encode(1, 0, {{"R1", 0, 20}}), {.sequence = 6, .instance = 1}).ok());
  CHECK(acc.usage().store == 20);
}

TEST_CASE_TEMPLATE("a handle and the subject path agree on every message, with many tiers and zero reports", E, engine,
                   plain_engine) {
  E eng(server_cfg(), {.mode = deployment::clustered});
  auto by_handle = enable(eng, "A");
  auto by_subject = enable(eng, "B");
  std::vector<peer_handle<typename E::traits>> peers;
  for (int n = 0; n < 3; ++n) peers.push_back(by_handle.peer("n" + std::to_string(n)));
  std::uint64_t x = 12345;
  auto next = [&x] {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x >> 33;
  };
  for (int round = 0; round < 400; ++round) {
    const std::size_t n = next() % peers.size();
    std::vector<std::string> names;
    std::vector<usage_record> recs;
    const std::size_t count = next() % 20;  // up to 19 tiers: the node index path too
    for (std::size_t i = 0; i < count; ++i) names.push_back("T" + std::to_string(next() % 24));
    for (const auto& t : names) recs.push_back({t, 0, static_cast<std::int64_t>(next() % 4)});  // zero a quarter of the time
    const bytes msg = encode(static_cast<std::uint64_t>(round), 0, recs);
    const auto rh = apply_usage_update(by_handle, peers[n], msg);
    const auto rs = apply_usage_update(by_subject, "$JSC.ARU.B." + peers[n].node(), msg);
    CHECK(rh.outcome == rs.outcome);
    CHECK(rh.tiers_merged == rs.tiers_merged);
    if (round % 50 == 49) {
      remove_node(by_handle, peers[n].node(), {.ignore_updates_for_sweeps = 0});
      remove_node(by_subject, peers[n].node(), {.ignore_updates_for_sweeps = 0});
    }
  }
  const auto uh = by_handle.usage();
  const auto us = by_subject.usage();
  CHECK(uh.store == us.store);
  CHECK(uh.api.total == us.api.total);
  for (int t = 0; t < 24; ++t)
    CHECK(remote_store(by_handle, "T" + std::to_string(t)) == remote_store(by_subject, "T" + std::to_string(t)));
  // Every node's shares are consistent with its index.
  const auto& st = *detail::account_access::state(by_handle);
  std::lock_guard lk(st.mu);
  for (const auto& [name, rn] : st.cluster->remotes) {
    if (rn.index == nullptr) {
      CHECK(rn.tiers.size() < rn.index_from);
      continue;
    }
    REQUIRE(rn.index->size() == rn.tiers.size());
    for (std::size_t i = 0; i < rn.tiers.size(); ++i) CHECK(rn.index->at(rn.tiers[i].tier) == i);
  }
}

TEST_CASE("the cluster block: allocated on the first peer report, declaration or removal, never for a standalone account") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto standalone = enable(eng, "S");
  auto t = standalone.tier("R1");
  standalone.update_usage(t, storage_type::file, 10);
  CHECK(standalone.usage().api.total == 0);
  CHECK(standalone.remote_tiers_refused() == 0);
  CHECK(remote_peers(standalone).empty());
  CHECK(sweep_remote_usage(standalone).heard == 0);
  set_remote_reservation(standalone, "n2", "R1", 0, 0);  // zero: nothing to declare
  standalone.remove_remote_node("n2");                   // nothing to remove, nothing to remember
  CHECK_FALSE(has_cluster_block(standalone));

  auto declared = enable(eng, "D");
  set_remote_reservation(declared, "n2", "R1", 0, 100);
  CHECK(has_cluster_block(declared));
  auto removed = enable(eng, "R");
  remove_node(removed, "n2");  // remembered for the ignore window
  CHECK(has_cluster_block(removed));
  auto reported = enable(eng, "P");
  reported.set_remote_api("n2", 1, 0);
  CHECK(has_cluster_block(reported));
  CHECK(reported.usage().api.total == 1);
}
