// SPDX-License-Identifier: Apache-2.0
/// \file
/// Lowering an account's limits below what it uses or reserves
/// (docs/limit-changes.md): the policy the embedder picks
/// (`limit_change_policy`), the report of what is over the new limits
/// (`limit_change_report`), and the engine's internal bookkeeping of
/// keep_existing's publish allowance.
#pragma once

#include "jsacct/config.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "jsacct/detail/arith.hpp"
#include "jsacct/engine/state.hpp"
#include "jsacct/error.hpp"
#include "jsacct/storage/backends.hpp"
#include "jsacct/types.hpp"

namespace jsacct {

/// What happens when an account's new limits are below its current usage,
/// reservation or counts (docs/limit-changes.md).
enum class limit_change_policy : std::uint8_t {
  /// nats-server's behavior: the new limits take effect at once; nothing
  /// existing is re-checked; later creates, growth and publishes meet them.
  apply,
  /// Refuse the whole change (errc::limit_change_refused, std::errc::device_or_resource_busy)
  /// when any tier would be over; nothing changes.
  refuse,
  /// Apply the new limits to admission at once, but the streams that exist now
  /// keep what they reserve: their publishes are checked against the larger of
  /// the new limit and what those streams still reserve in their tier.
  keep_existing,
};

/// The policy's name as the CLI spells it ("apply", "refuse", "keep_existing").
constexpr std::string_view limit_change_policy_name(limit_change_policy p) noexcept {
  switch (p) {
    case limit_change_policy::refuse:
      return "refuse";
    case limit_change_policy::keep_existing:
      return "keep_existing";
    default:
      return "apply";
  }
}

/// The policy named `s` (limit_change_policy_name's spelling), or nothing.
constexpr std::optional<limit_change_policy> parse_limit_change_policy(std::string_view s) noexcept {
  for (auto p : {limit_change_policy::apply, limit_change_policy::refuse, limit_change_policy::keep_existing})
    if (limit_change_policy_name(p) == s) return p;
  return std::nullopt;
}

/// A limit of a tier.
enum class limited_resource : std::uint8_t { memory, store, streams, consumers };

/// The limit's field name in account_limits ("max_memory", "max_store", "max_streams", "max_consumers").
constexpr std::string_view limited_resource_name(limited_resource r) noexcept {
  switch (r) {
    case limited_resource::memory:
      return "max_memory";
    case limited_resource::streams:
      return "max_streams";
    case limited_resource::consumers:
      return "max_consumers";
    default:
      return "max_store";
  }
}

/// One limit of one tier that the account is over once the new limits apply.
struct limit_overage {
  std::string tier;  ///< "" when untiered
  limited_resource resource = limited_resource::store;
  std::int64_t limit = 0;  ///< the new limit
  /// max_memory / max_store: the tier's usage (local and peers', as the publish
  /// check reads it) once the change moved its streams; max_streams /
  /// max_consumers: the tier's stream or consumer count.
  std::int64_t usage = 0;
  /// max_memory / max_store: what the tier's streams reserve against the limit
  /// (as a stream create counts it); 0 for the counts.
  std::int64_t reserved = 0;
  friend bool operator==(const limit_overage&, const limit_overage&) = default;
};

/// A stream of a tier that is over its new limits.
struct limit_change_stream {
  std::string name;
  std::string tier;  ///< the tier it is in once the change applies
  storage_type storage = storage_type::file;
  std::int64_t reserved = 0;  ///< its reservation against the tier's limit (0 without max_bytes)
  std::int64_t stored = 0;    ///< bytes recorded through its handle
  friend bool operator==(const limit_change_stream&, const limit_change_stream&) = default;
};

/// What a limits change finds over the new limits, whatever the policy did.
struct limit_change_report {
  limit_change_policy policy = limit_change_policy::apply;
  /// Every limit the account is over, by tier then resource (memory, store, streams, consumers).
  std::vector<limit_overage> over;
  /// The streams of the tiers in `over`, largest reservation first, then most
  /// stored bytes, then by name.
  std::vector<limit_change_stream> streams;
  /// True when nothing is over the new limits.
  bool within_limits() const noexcept { return over.empty(); }
};

namespace detail {

/// Where the streams of `st` go under `limits` (as account_handle::rekey_locked
/// moves them when `rekey`), and what each tier of `limits` then uses,
/// reserves and counts. Caller holds `st.mu`. Allocates; changes nothing.
template <class T>
limit_change_report limit_change_report_of(const account_state<T>& st, const limits_map& limits, limit_change_policy policy) {
  using L = typename T::checker;
  struct sums {
    std::array<int128, 2> usage{}, reserved{};
    std::int64_t streams = 0, consumers = 0;
  };
  std::map<std::string_view, sums, std::less<>> tiers;  // the tiers of `limits`
  for (const auto& [t, l] : limits) {
    sums& s = tiers[t];
    if (const auto* e = st.find_tier(t))
      for (std::size_t slot = 0; slot < 2; ++slot) s.usage[slot] = e->total(slot);
  }
  const bool untiered = limits.count("") != 0;
  // The tier each stream is in after the change: "" when the limits are
  // untiered, else its selector tier if the limits name it, else where it is.
  auto target_of = [&](const stream_record<typename T::policy>& r) -> std::string_view {
    const std::string_view cur = r.tier.load()->name;
    if (!L::rekey_on_limits_update) return cur;
    if (untiered) return "";
    const auto sel = st.server->selector.tier_of(r.cfg);
    const auto it = limits.find(std::string_view(sel));
    return it == limits.end() ? cur : std::string_view(it->first);
  };
  for (const auto& [_, r] : st.streams) {
    const std::string_view cur = r->tier.load()->name;
    const std::string_view to = target_of(*r);
    const std::size_t slot = usage_slot(r->cfg.storage);
    const std::int64_t bytes = r->bytes.load();
    if (to != cur) {
      if (const auto it = tiers.find(cur); it != tiers.end()) it->second.usage[slot] -= bytes;
      if (const auto it = tiers.find(to); it != tiers.end()) it->second.usage[slot] += bytes;
    }
    const auto it = tiers.find(to);
    if (it == tiers.end()) continue;
    it->second.streams += 1;
    it->second.consumers += r->consumers;
    if (const std::int64_t mb = T::charging::charge(r->cfg.max_bytes); mb > 0 && reservation_slot(r->cfg.storage) >= 0)
      it->second.reserved[slot] += L::footprint(to.empty(), r->cfg.replicas, mb);
  }
  limit_change_report rep;
  rep.policy = policy;
  for (const auto& [t, l] : limits) {
    const sums& s = tiers[t];
    for (std::size_t slot = 0; slot < 2; ++slot) {
      const std::int64_t limit = slot == 0 ? l.max_memory : l.max_store;
      const std::int64_t usage = saturate_cast(s.usage[slot]), reserved = saturate_cast(s.reserved[slot]);
      if (limit >= 0 && (usage > limit || reserved > limit))
        rep.over.push_back({t, slot == 0 ? limited_resource::memory : limited_resource::store, limit, usage, reserved});
    }
    // max_streams and max_consumers of 0 or less are unlimited (docs/semantics.md#max-consumers).
    if (l.max_streams > 0 && s.streams > l.max_streams)
      rep.over.push_back({t, limited_resource::streams, l.max_streams, s.streams, 0});
    if (l.max_consumers > 0 && s.consumers > l.max_consumers)
      rep.over.push_back({t, limited_resource::consumers, l.max_consumers, s.consumers, 0});
  }
  if (rep.over.empty()) return rep;
  for (const auto& [_, r] : st.streams) {
    const std::string_view to = target_of(*r);
    if (std::none_of(rep.over.begin(), rep.over.end(), [&](const limit_overage& o) { return o.tier == to; })) continue;
    const std::int64_t mb = T::charging::charge(r->cfg.max_bytes);  // what the charging policy reserved
    const bool reserves = mb > 0 && reservation_slot(r->cfg.storage) >= 0;
    rep.streams.push_back({r->cfg.name, std::string(to), r->cfg.storage,
                           reserves ? L::footprint(to.empty(), r->cfg.replicas, mb) : 0, r->bytes.load()});
  }
  std::sort(rep.streams.begin(), rep.streams.end(), [](const limit_change_stream& a, const limit_change_stream& b) {
    return std::tie(b.reserved, b.stored, a.name) < std::tie(a.reserved, a.stored, b.name);
  });
  return rep;
}

/// limit_change_policy::refuse's error for the first limit in `over`: names the
/// tier, the resource, the new limit and the current value.
inline api_error limit_change_refusal(const std::vector<limit_overage>& over) {
  const limit_overage& o = over.front();
  const bool bytes = o.resource == limited_resource::memory || o.resource == limited_resource::store;
  std::string text = "tier \"" + o.tier + "\" " + std::string(limited_resource_name(o.resource)) + " " + std::to_string(o.limit);
  if (!bytes)
    text += " is below its current " + std::string(o.resource == limited_resource::streams ? "streams " : "consumers ") +
            std::to_string(o.usage);
  else if (o.usage > o.limit)
    text += " is below its current usage " + std::to_string(o.usage);
  else
    text += " is below its current reservation " + std::to_string(o.reserved);
  if (over.size() > 1) text += " (and " + std::to_string(over.size() - 1) + " more)";
  return api_error(errc::limit_change_refused, std::move(text));
}

/// What stream `r` reserves against the limit of its tier under the charging
/// policy `C` (0 without max_bytes, and for a policy that reserves nothing).
template <class L, class C, class P>
std::int64_t kept_footprint(const stream_record<P>& r) noexcept {
  const std::int64_t mb = C::charge(r.cfg.max_bytes);
  if (mb <= 0 || reservation_slot(r.cfg.storage) < 0) return 0;
  return L::footprint(r.tier.load()->name.empty(), r.cfg.replicas, mb);
}

/// Sets tier `e`'s keep_existing allowance to what its kept streams still
/// reserve (saturating). Caller holds `st.mu`. Cold path: a scan of the streams.
template <class T>
void recompute_kept(account_state<T>& st, tier_entry<typename T::policy>& e) noexcept {
  std::array<std::int64_t, 2> sum{};
  for (const auto& [_, r] : st.streams)
    if (r->tier.load() == &e) {
      const std::size_t slot = usage_slot(r->cfg.storage);
      sum[slot] = add_saturate(sum[slot], std::max<std::int64_t>(r->kept.load(std::memory_order_relaxed), 0));
    }
  for (std::size_t slot = 0; slot < 2; ++slot) e.kept[slot].store(sum[slot]);
}

/// After a limits change: drops every allowance, then, for keep_existing,
/// marks every stream kept with its current reservation (0 without max_bytes:
/// it still publishes within the tier's allowance) and gives each tier their sum. Caller
/// holds `st.mu`. No allocation.
template <class T>
void reset_kept(account_state<T>& st, bool keep) noexcept {
  using L = typename T::checker;
  for (const auto& e : st.tiers)
    for (auto& k : e->kept) k.store(0);
  for (const auto& [_, r] : st.streams) {
    const std::int64_t f = keep ? kept_footprint<L, typename T::charging>(*r) : -1;
    r->kept.store(f, std::memory_order_relaxed);
    if (f <= 0) continue;
    auto& k = r->tier.load()->kept[usage_slot(r->cfg.storage)];
    k.store(add_saturate(k.load(), f));
  }
}

/// A kept stream `r` was updated from `old` (its tier was `was`): it keeps at
/// most its new reservation, and is no longer kept once it changed tier or storage. Caller holds `st.mu`.
template <class T>
void shrink_kept(account_state<T>& st, stream_record<typename T::policy>& r, const stream_config& old,
                 tier_entry<typename T::policy>* was) noexcept {
  using L = typename T::checker;
  const bool same = r.tier.load() == was && usage_slot(old.storage) == usage_slot(r.cfg.storage);
  r.kept.store(same ? std::min(r.kept.load(std::memory_order_relaxed), kept_footprint<L, typename T::charging>(r)) : -1,
               std::memory_order_relaxed);
  recompute_kept(st, *was);
}

/// A kept stream `r` is being deleted: its tier's allowance loses its share. Caller holds `st.mu`.
template <class T>
void release_kept(account_state<T>& st, stream_record<typename T::policy>& r) noexcept {
  r.kept.store(-1, std::memory_order_relaxed);
  recompute_kept(st, *r.tier.load());
}

/// The publish check's second look, only where the limit refused: a stream
/// kept by keep_existing (`from`) may use up to its tier's allowance when that
/// is above the limit. Lock-free.
template <class L, class P>
bool kept_allows(const tier_entry<P>& e, const stream_record<P>* from, std::size_t slot, std::uint64_t size,
                 std::int64_t replicas) noexcept {
  if (from == nullptr || from->kept.load(std::memory_order_relaxed) < 0) return false;
  const std::int64_t allowance = e.kept[slot].load();
  return allowance > e.limits.limit(slot) && !L::would_exceed(allowance, e.name.empty(), e.total(slot), size, replicas);
}

/// check_stored's (2.9.10) second look, as kept_allows.
template <class L, class P>
#if defined(__GNUC__)
[[gnu::noinline, gnu::cold]]
#endif
bool kept_allows_stored(const tier_entry<P>& e, const stream_record<P>* from, std::size_t slot) noexcept {
  if (from == nullptr || from->kept.load(std::memory_order_relaxed) < 0) return false;
  const std::int64_t allowance = e.kept[slot].load();
  return allowance > e.limits.limit(slot) && !L::exceeds_after_store(allowance, e.limits.stream_cap(slot), e.total(slot));
}

}  // namespace detail
}  // namespace jsacct
