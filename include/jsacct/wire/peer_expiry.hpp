// SPDX-License-Identifier: Apache-2.0
/// \file
/// Expiry of silent peers' usage (docs/cluster.md#peer-expiry), a jsacct
/// addition: nats-server keeps a peer's last `$JSC.ARU` report for the
/// account's life, so a peer that stops sending (crashed, partitioned,
/// replaced) leaves its usage counted forever (nats-server #8563).
///
/// The embedder calls `sweep_remote_usage` on a timer of its own, typically
/// once per usage tick (1.5 s). A peer with no message for
/// `expire_after_sweeps` consecutive sweeps is forgotten: its per-tier
/// contributions and API counters leave the totals, tiers only it kept are
/// released, and a `remote_usage_expired` event is emitted. Its next message
/// brings it back (a peer sends every tier with usage in each update). No
/// clock is read on the receive path: a message only marks its peer as heard.
///
/// Between going quiet and expiring, a peer silent for `stale_after_sweeps`
/// sweeps is *stale*, and `stale_usage_policy` decides what it counts
/// (docs/cluster.md#stale-usage): its last report (optimistic, nats-server's
/// behavior and the default), that plus its reservations (pessimistic), or
/// nothing (exclude).
#pragma once

#include "jsacct/config.hpp"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jsacct/engine/account.hpp"
#include "jsacct/engine/events.hpp"
#include "jsacct/wire/stale_usage_policy.hpp"

namespace jsacct {

/// How `sweep_remote_usage` expires peers.
struct peer_expiry_options {
  /// Consecutive sweeps without a message after which a peer's usage expires.
  /// With one sweep per 1.5 s usage tick, 10 is 15 s: ten missed sends. 0
  /// never expires anything (nats-server's behavior).
  std::uint32_t expire_after_sweeps = 10;
  /// Consecutive sweeps without a message after which a peer is stale and
  /// `stale` decides its contribution until it sends again or expires. The
  /// default 2 lets one late message pass (jitter) without a change. 0: never
  /// stale. A value at or above `expire_after_sweeps` never applies.
  std::uint32_t stale_after_sweeps = 2;
  /// What a stale peer counts. The default is nats-server's.
  stale_usage_policy stale = stale_usage_policy::optimistic;
  friend bool operator==(const peer_expiry_options&, const peer_expiry_options&) = default;
};

/// What one sweep saw and did.
struct peer_sweep_result {
  std::size_t heard = 0;             ///< peers with a message since the previous sweep
  std::size_t silent = 0;            ///< peers without one, kept (not expired yet)
  std::size_t stale = 0;             ///< of those, peers counted by the stale policy
  std::vector<std::string> expired;  ///< peers forgotten by this sweep
};

/// One expiry sweep over `acct`'s peers (docs/cluster.md#peer-expiry). Takes
/// the account lock once; events are emitted after it is released, and a
/// throwing event sink cannot break the sweep. A disabled account has no
/// peers to sweep (an empty result). O(peers + expired peers' tiers).
template <class T>
peer_sweep_result sweep_remote_usage(account_handle<T>& acct, const peer_expiry_options& opts = {}) {
  peer_sweep_result r;
  if (!acct.enabled()) return r;
  auto& st = *detail::account_access::state(acct);
  std::vector<std::pair<std::size_t, std::uint32_t>> dropped;  // (tiers, silent sweeps) per expired peer
  {
    std::unique_lock lk(st.mu);
    if (!st.cluster) return r;  // never heard of a peer
    auto& cs = *st.cluster;
    for (auto& [node, rn] : cs.remotes) {
      if (rn.heard) {
        rn.heard = false;
        rn.silent_sweeps = 0;
        ++r.heard;
        continue;
      }
      if (rn.silent_sweeps < UINT32_MAX) ++rn.silent_sweeps;
      if (opts.expire_after_sweeps == 0 || rn.silent_sweeps < opts.expire_after_sweeps) {
        ++r.silent;
        const bool stale = opts.stale_after_sweeps != 0 && rn.silent_sweeps >= opts.stale_after_sweeps;
        st.restate_remote(rn, stale, opts.stale);  // also follows a policy changed between sweeps
        if (stale) ++r.stale;
        continue;
      }
      r.expired.push_back(node);
      dropped.emplace_back(rn.tiers.size(), rn.silent_sweeps);
    }
    for (const auto& node : r.expired) st.forget_remote(node);
    for (auto it = cs.removed_nodes.begin(); it != cs.removed_nodes.end();)  // remove_node's recent removals age
      it = --it->second.sweeps_left == 0 ? cs.removed_nodes.erase(it) : std::next(it);
  }
  for (std::size_t i = 0; i < r.expired.size(); ++i) {
    std::string text = "Expired remote usage of node \"" + r.expired[i] + "\" for account \"" + st.name + "\" after " +
                       std::to_string(dropped[i].second) + " sweeps without an update (" + std::to_string(dropped[i].first) +
                       " tiers)";
    st.server->emit(event{event_kind::remote_usage_expired, st.name, std::string(), storage_type::file,
                          static_cast<std::int64_t>(dropped[i].first), static_cast<std::int64_t>(dropped[i].second), errc::none,
                          std::move(text)});
  }
  return r;
}

/// What `node` holds reserved in `tier` (for example the MaxBytes of its
/// stream replicas, from the embedder's stream assignments): counted on top of
/// its last report while it is stale under stale_usage_policy::pessimistic
/// (docs/cluster.md#stale-usage). Zero removes it. It outlives the peer's
/// expiry; remove_node drops it. A disabled account ignores it.
template <class T>
void set_remote_reservation(account_handle<T>& acct, std::string_view node, std::string_view tier, std::int64_t mem,
                            std::int64_t store) {
  if (acct.enabled()) acct.set_remote_reservation(node, tier, mem, store);
}

/// The peers `acct` holds a report from (sorted), for observability and tests.
template <class T>
std::vector<std::string> remote_peers(const account_handle<T>& acct) {
  std::vector<std::string> out;
  if (!acct.enabled()) return out;
  const auto& st = *detail::account_access::state(acct);
  std::unique_lock lk(st.mu);
  if (!st.cluster) return out;
  out.reserve(st.cluster->remotes.size());
  for (const auto& [node, rn] : st.cluster->remotes) out.push_back(node);
  return out;
}

}  // namespace jsacct
