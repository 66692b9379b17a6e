// SPDX-License-Identifier: Apache-2.0
/// \file
/// Periodic reconciliation of an account's local usage with its stores
/// (docs/cluster.md#reconciliation), a jsacct addition. nats-server main only
/// repairs local usage that went negative; usage counted too high stays too
/// high, and is sent to every peer (the local half of nats-server #8563).
///
/// The embedder calls `reconcile_usage` on a timer of its own (every few usage
/// ticks is plenty: each call asks the recompute hook once per tier and
/// storage with usage). Every difference is repaired, in both directions, and
/// counted in `account_handle::repair_counters()`; each repair also emits a
/// `usage_repaired` event. Without a recompute hook nothing can be compared,
/// and only negative usage is set to zero (clamped, and counted).
#pragma once

#include "jsacct/config.hpp"

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "jsacct/detail/arith.hpp"
#include "jsacct/engine/account.hpp"
#include "jsacct/storage/backends.hpp"
#include "jsacct/types.hpp"

namespace jsacct {

/// What one `reconcile_usage` call did.
struct reconcile_result {
  std::size_t checked = 0;  ///< (tier, storage) pairs compared or inspected
  std::size_t raised = 0;   ///< repaired upwards (the counter was below the store)
  std::size_t lowered = 0;  ///< repaired downwards (above the store)
  std::size_t clamped = 0;  ///< negative usage set to zero (no recompute hook)
  friend bool operator==(const reconcile_result&, const reconcile_result&) = default;
};

/// Compares every tier's local memory and file usage of `acct` with the
/// engine's recompute hook and sets it to the store's value in either
/// direction (account_handle::sync_usage; the repair counters and events
/// follow). Without a hook, negative usage is set to zero and counted as
/// clamped. A disabled account has nothing to reconcile (an empty result).
/// Takes the account lock once to list the tiers, then once per repair; the
/// hook runs without it. A throwing hook propagates, with the repairs made so
/// far applied and counted.
template <class T>
reconcile_result reconcile_usage(account_handle<T>& acct) {
  reconcile_result r;
  if (!acct.enabled()) return r;
  auto& st = *detail::account_access::state(acct);
  std::vector<std::string> tiers;
  {
    std::unique_lock lk(st.mu);
    for (const auto& e : st.tiers)
      if (e->has_usage.load() != 0) tiers.push_back(e->name);
  }
  const bool hook = static_cast<bool>(st.server->recompute);
  for (const std::string& tier : tiers) {
    for (const storage_type s : {storage_type::memory, storage_type::file}) {
      ++r.checked;
      if (hook) {
        const std::int64_t delta = acct.sync_usage(tier, s);
        if (delta > 0) ++r.raised;
        if (delta < 0) ++r.lowered;
        continue;
      }
      std::unique_lock lk(st.mu);
      auto* e = st.find_tier(tier);
      if (e == nullptr) continue;  // released since the listing
      const std::size_t slot = usage_slot(s);
      const std::int64_t now = e->local[slot].load();
      if (now >= 0) continue;
      // Raise exactly the observed deficit; a concurrent update keeps its own delta.
      e->local[slot].add(wrap_sub(0, now));
      st.server->used[slot].add(wrap_sub(0, now));
      st.clamped.add(1);
      ++r.clamped;
    }
  }
  return r;
}

}  // namespace jsacct
