// SPDX-License-Identifier: Apache-2.0
/// \file
/// `account_handle`: one JetStream-enabled account of an engine (Go `jsAccount`).
/// Holds the account alive; the hot paths (usage update, publish checks) go
/// through a `tier_ref` and take no lock, touch no map and allocate nothing.
#pragma once

#include "jsacct/config.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <range/v3/range/conversion.hpp>
#include <range/v3/view/map.hpp>
#include <range/v3/view/transform.hpp>

#include "jsacct/charging/charging_policies.hpp"
#include "jsacct/engine/limit_change.hpp"
#include "jsacct/engine/soft_limits.hpp"
#include "jsacct/engine/state.hpp"
#include "jsacct/engine/stream_caps.hpp"
#include "jsacct/engine/views.hpp"
#include "jsacct/error.hpp"
#include "jsacct/explanation.hpp"
#include "jsacct/friendly_bytes.hpp"
#include "jsacct/names.hpp"
#include "jsacct/storage/backends.hpp"
#include "jsacct/types.hpp"

namespace jsacct {

/// Limits selected for a stream (docs/semantics.md#select-limits): a copy of the tier's limits and the tier name ("" = untiered).
struct selected_limits {
  account_limits limits{};
  std::string tier;
  bool untiered() const noexcept { return tier.empty(); }
};

/// How a stream create is checked (docs/semantics.md#stream-flows).
struct create_options {
  /// docs/semantics.md#stream-create step 2: check the raw request first (max_streams, limits). True
  /// for API creates and restores; the meta leader of a cluster runs its own.
  bool raw_precheck = true;
  /// docs/semantics.md#stream-create step 7: check the normalized config against the account (and the
  /// server). False when recovering from disk, and for main's peer-side creation.
  bool check_limits = true;
  /// Include the server reservation check in step 7 (and step 2).
  bool check_server = true;
  /// The stream layer's verdict when a stream of this name exists: true when
  /// the request is identical to it (success, nothing reserved), else 10058.
  bool same_as_existing = false;
};

/// How a stream update is checked (docs/semantics.md#stream-update).
struct update_options {
  bool check_limits = true;
  bool check_server = true;
  /// Bytes the stream stores now, moved between tiers when the update changes
  /// its tier (docs/semantics.md#tier-move). Unset: the bytes recorded through the stream's handle
  /// (`stream_reservation::add_usage`).
  std::optional<std::int64_t> stored_bytes;
};

/// A consumer create or update (docs/semantics.md#max-consumers).
struct consumer_request {
  /// Effective replica count (the caller applies docs/semantics.md#max-consumers's rule: 0 or more than
  /// the stream's -> the stream's, or 1 for an ephemeral on a limits stream).
  std::int64_t replicas = 1;
  /// Counted against max_consumers (false for direct and sourcing consumers).
  bool limitable = true;
  /// The consumer exists already (an update): never counted, never refused.
  bool is_update = false;
};

namespace detail {
/// jsacct's own access to an account's internal state (the `$JSC.ARU` merge
/// in wire/, white-box tests, fuzz targets, benchmarks). Not part of the API:
/// embedders use the public observers (`usage()`, `usage_of()`, ...).
struct account_access {
  template <class H>
  static const auto& state(const H& account) noexcept {
    return account.st_;
  }
  /// A peer_handle's cached node slot.
  template <class H>
  static auto& peer_cache(H& peer) noexcept {
    return peer.cache_;
  }
};

/// Reads and restores an engine's whole accounting state (persist/usage_snapshot.hpp).
struct snapshot_access;

/// The stream-name rules of checker `L`: its `L::stream_name_rules`, or main's
/// for a custom checker that does not say.
template <class L>
constexpr name_rules stream_name_rules_of() noexcept {
  if constexpr (requires { L::stream_name_rules; })
    return L::stream_name_rules;
  else
    return name_rules::main;
}
}  // namespace detail

template <class T>
class stream_reservation;
template <limit_checker L, tier_selector S, counter_policy P, charging_policy C>
class basic_engine;

/// An account's drift repairs and underflows so far (docs/cluster.md#reconciliation).
struct usage_repairs {
  std::uint64_t raised = 0;      ///< repairs that raised local usage to the store's (it was under-counted)
  std::uint64_t lowered = 0;     ///< repairs that lowered it (over-counted: nats-server #8563's local half)
  std::uint64_t underflows = 0;  ///< usage updates that left local usage below zero
  std::uint64_t clamped = 0;     ///< negative usage set to zero: a negative recompute answer, or reconcile_usage without a hook
  friend bool operator==(const usage_repairs&, const usage_repairs&) = default;
};

/// Non-owning reference to one tier of one account, for hot paths. Valid while
/// the account handle it came from (or any copy of it) lives.
template <class T>
class tier_ref {
 public:
  tier_ref() noexcept = default;
  explicit operator bool() const noexcept { return e_ != nullptr; }
  std::string_view name() const noexcept { return e_->name; }

 private:
  template <class>
  friend class account_handle;
  template <class>
  friend class stream_reservation;
  explicit tier_ref(detail::tier_entry<typename T::policy>* e) noexcept : e_(e) {}
  detail::tier_entry<typename T::policy>* e_ = nullptr;
};

/// One peer node of the cluster, as an account's `$JSC.ARU` merge sees it
/// (docs/cluster.md#peer-handles): the node id and a cached slot of its entry
/// in the account, so that apply_usage_update(account, peer, msg) looks the
/// node up by name only on the first message, and again only after a node of
/// the account left (expiry, remove_node). Obtained once per peer with
/// `account_handle::peer(node)`, which creates nothing: the first message
/// through the handle creates the node, as any first message does. The slot
/// is checked on every use, so the handle never dangles: a stale one (its
/// node expired or was removed, or it was last used with another account)
/// falls back to the lookup by name. Not synchronized: one thread at a time
/// uses a handle (keep one per account and peer).
template <class T>
class peer_handle {
 public:
  peer_handle() = default;
  explicit peer_handle(std::string_view node) : node_(node) {}
  /// The node id (the last token of the sender's `$JSC.ARU` subject).
  const std::string& node() const noexcept { return node_; }

 private:
  friend struct detail::account_access;
  std::string node_;
  detail::peer_cache<typename T::policy> cache_{};
};

/// What `account_handle::selection` answers: the limits that apply to a stream
/// config (a copy) and the tier they belong to, as a handle ("" when the
/// account is untiered). No strings: the name is the tier entry's, which lives
/// as long as the account.
template <class T>
struct tier_selection {
  account_limits limits{};
  tier_ref<T> tier{};
  bool untiered() const noexcept { return tier.name().empty(); }
};

/// A handle to an enabled account. Copies share the account. After the
/// account is disabled, `enabled()` is false and operations report 10039.
/// Thread-safety: with a concurrent policy every member is safe to call from
/// any thread; with plain counters, one thread at a time.
template <class T>
class account_handle {
  using L = typename T::checker;
  using P = typename T::policy;
  using C = typename T::charging;
  using state_t = detail::account_state<T>;
  using tier_t = detail::tier_entry<P>;
  using lock_t = std::unique_lock<typename P::mutex>;

 public:
  account_handle() noexcept = default;

  explicit operator bool() const noexcept { return st_ != nullptr; }
  /// True until the account is disabled.
  bool enabled() const noexcept { return st_ && !st_->removed.load(); }
  const std::string& name() const noexcept { return st_->name; }

  /// Current limits map (a copy).
  limits_map limits() const {
    lock_t lk(st_->mu);
    return st_->limits_copy();
  }

  // ---------------------------------------------------------------- limits

  /// docs/semantics.md#select-limits `selectLimits`: untiered "" wins, else the selector's tier;
  /// 10039 when disabled, 10120 when the tier has no limits. Lock-free (see
  /// `selection`); the tier name is copied into a std::string.
  result<selected_limits> select_limits(const stream_config& c) const {
    auto s = selection(c);
    if (!s) return s.error();
    return selected_limits{s->limits, std::string(s->tier.name())};
  }

  /// select_limits without strings, locks or allocation: a copy of the limits
  /// that apply to `c` and a handle to their tier ("" when untiered), which
  /// hot paths can keep (docs/semantics.md#select-limits). Reads a seqlock-published
  /// copy of the account's limits, so a concurrent limits change is seen whole
  /// or not at all.
  result<tier_selection<T>> selection(const stream_config& c) const noexcept {
    if (st_->removed.load()) return errc::not_enabled_for_account;
    const auto t = st_->server->selector.tier_of(c);
    using status = typename state_t::selection_status;
    tier_selection<T> v;
    tier_t* e = nullptr;
    const status found = st_->read_selection(t, v.limits, e);
    if (found == status::found) [[likely]] {
      v.tier = tier_ref<T>(e);
      return v;
    }
    if (found == status::no_limits) return errc::no_limits;
    return selection_locked(std::string_view(t));  // a tier name too long for the lock-free table
  }

  /// docs/semantics.md#max-bytes-limits `maxBytesLimits`: (MaxBytesRequired, per-stream cap for the
  /// stream's storage); (false, 0) when no limits apply or the account is disabled.
  std::pair<bool, std::int64_t> max_bytes_limits(const stream_config& c) const {
    lock_t lk(st_->mu);
    if (st_->removed) return {false, 0};  // no JetStream for the account: no limits apply (nats-server maxBytesLimits)
    return max_bytes_limits_locked(c);
  }

  /// docs/semantics.md#counting-streams `countStreams`: streams counting toward max_streams for a create of `c` in `tier`.
  std::int64_t count_streams(std::string_view tier, const stream_config& c) const {
    lock_t lk(st_->mu);
    return count_streams_locked(tier, c);
  }

  /// docs/semantics.md#counting-streams `tieredReservation`: other streams' reservation in `tier` for `c`.
  std::int64_t tiered_reservation(std::string_view tier, const stream_config& c) const {
    lock_t lk(st_->mu);
    return tiered_reservation_locked(tier, c);
  }

  /// docs/semantics.md#reserved-storage `reservedStorage(tier)`: Σ MaxBytes > 0 of local streams in the tier ("" = all), single
  /// replica; each MaxBytes as the charging policy charges it (docs/reservation-charging.md).
  std::pair<std::uint64_t, std::uint64_t> reserved_storage(std::string_view tier) const {
    lock_t lk(st_->mu);
    return reserved_storage_locked(tier);
  }

  /// docs/semantics.md#reservation-checks `checkLimits` (account part, and the server part when
  /// `check_server`), for callers that compute `current_reserved` themselves
  /// (e.g. a cluster meta leader summing assignments). Read-only. `c.max_bytes` and
  /// `current_reserved` are used as given: with a charging policy other than upfront,
  /// pass the charged amounts (`T::charging::charge(max_bytes)`, docs/reservation-charging.md).
  errc check_limits(const selected_limits& sel, const stream_config& c, bool check_server, std::int64_t current_reserved,
                    std::int64_t offset) const noexcept {
    return check_limits_of(sel.limits, sel.untiered(), c, check_server, current_reserved, offset);
  }

  /// check_limits for the limits `l` of an untiered or a tiered selection.
  errc check_limits_of(const account_limits& l, bool untiered, const stream_config& c, bool check_server,
                       std::int64_t current_reserved, std::int64_t offset) const noexcept {
    if (auto e = check_account_of(l, untiered, c, current_reserved, offset); e != errc::none) return e;
    if (!check_server) return errc::none;
    const int slot = reservation_slot(c.storage);
    if (slot < 0) return errc::none;
    const byte_demand d = L::demand(untiered, c.max_bytes, c.replicas, offset);
    const auto i = static_cast<std::size_t>(slot);
    if (L::server_exceeds(st_->server->max[i].load(), st_->server->reserved[i].load(), d.server)) return backend_error(slot);
    return errc::none;
  }

  /// check_limits with the reason: nullopt when it passes, else why it refused
  /// (docs/explanations.md#fields), its numbers taken under the account lock.
  /// The contributors are the streams registered on this engine.
  std::optional<explanation> explain_limits(const selected_limits& sel, const stream_config& c, bool check_server,
                                            std::int64_t current_reserved, std::int64_t offset) const {
    lock_t lk(st_->mu);
    const errc e = check_limits(sel, c, check_server, current_reserved, offset);
    if (e == errc::none) return std::nullopt;
    return explain_limits_locked(e, sel.limits, sel.tier, c, check_server, current_reserved, offset, bucket_of(c), 0);
  }

  // ---------------------------------------------------------------- usage (hot path)

  /// A tier of this account, created on first use (takes the account lock once).
  tier_ref<T> tier(std::string_view name) {
    lock_t lk(st_->mu);
    return tier_ref<T>(st_->tier(name));
  }
  /// A handle for peer `node`'s usage updates (apply_usage_update with a
  /// peer_handle, docs/cluster.md#peer-handles). No lock, creates nothing.
  peer_handle<T> peer(std::string_view node) const { return peer_handle<T>(node); }

  /// docs/semantics.md#update-usage `updateUsage`: add `delta` stored bytes to the tier's local and
  /// total usage and to the server's used bytes. Lock-free. main: a negative
  /// local result schedules drift repair (docs/semantics.md#drift-repair), never inline.
  void update_usage(tier_ref<T> t, storage_type s, std::int64_t delta) noexcept {
    tier_t& e = *t.e_;
    const std::size_t slot = usage_slot(s);
    const std::int64_t now = e.local[slot].add(delta);
    st_->server->used[slot].add(delta);
    if (now < 0) [[unlikely]] {
      st_->underflows.add(1);  // counted, never hidden (docs/cluster.md#reconciliation)
      if constexpr (L::repair_negative_usage) schedule_repair(e, s);
    }
    if (e.update_flags.load() != tier_t::update_seen) [[unlikely]]
      update_usage_cold(e, slot);  // the tier's first update, or a warning level is armed
  }

  /// Publish-time check before storing a message (docs/semantics.md#server-publish-check,
  /// docs/semantics.md#account-publish-check): the server capacity (10023), then, for main, the account tier limit with the
  /// message's size times replicas (10002), or 10120 when the tier has no
  /// limits. For 2.9.10 the account part runs after storing: check_stored().
  /// Lock-free.
  errc check_publish(tier_ref<T> t, storage_type s, std::int64_t replicas, msg_lengths m) const noexcept {
    const errc verdict = publish_verdict_of(*t.e_, s, replicas, m);
    if (verdict == errc::none) [[likely]]
      return errc::none;
    return refused(verdict == errc::insufficient_resources ? event_kind::server_limit_hit : event_kind::account_limit_hit, *t.e_,
                   s, verdict);
  }

  /// check_publish with the reason, built only on request: nullopt when the
  /// publish would pass, else why not (the same checks in the same order;
  /// no event is emitted). Lock-free; allocates only for a refusal.
  std::optional<explanation> explain_publish(tier_ref<T> t, storage_type s, std::int64_t replicas, msg_lengths m) const {
    const tier_t& e = *t.e_;
    const std::size_t slot = usage_slot(s);
    const auto& srv = *st_->server;
    const std::int64_t used = srv.used[slot].load(), max = srv.max[slot].load();
    if (L::server_would_exceed(used, max, 0)) {
      explanation w = publish_why(e, slot, errc::insufficient_resources);
      w.level = limit_level::server;
      w.source = limit_source::server_config;
      w.used = used;
      w.limit = max;
      return w;
    }
    if constexpr (L::check_before_store) {
      if (e.has_limits.load() == 0) return publish_why(e, slot, errc::no_limits);
      const std::uint64_t size = slot == 0 ? mem_store_msg_size(m) : file_store_msg_size(m);
      const std::int64_t limit = e.limits.limit(slot), total = e.total(slot);
      if (L::would_exceed(limit, e.name.empty(), total, size, replicas)) {
        // The comparison main makes: total + size x R > limit x (untiered ? 1 : R).
        const int128 r = std::max<std::int64_t>(1, replicas);
        explanation w = publish_why(e, slot, errc::account_resources_exceeded);
        w.requested = saturate_cast(static_cast<int128>(size) * r);
        w.used = total;
        w.limit = saturate_cast(static_cast<int128>(limit) * (e.name.empty() ? 1 : r));
        return w;
      }
    }
    return std::nullopt;
  }

  /// The account check after storing (2.9.10 semantics, docs/semantics.md#account-publish-check): 10120
  /// without limits, none without a usage entry, 10002 when the tier total
  /// exceeds the limit (or, 2.9.10's bug, the per-stream cap). Always none for main.
  errc check_stored(tier_ref<T> t, storage_type s, const detail::stream_record<P>* from = nullptr) const noexcept {
    if constexpr (L::check_before_store) {
      (void)t, (void)s, (void)from;
      return errc::none;
    } else {
      const tier_t& e = *t.e_;
      const std::size_t slot = usage_slot(s);
      if (e.has_limits.load() == 0) return refused(event_kind::account_limit_hit, e, s, errc::no_limits);
      if (e.has_usage.load() == 0) return errc::none;
      if (L::exceeds_after_store(e.limits.limit(slot), e.limits.stream_cap(slot), e.total(slot)) &&
          !detail::kept_allows_stored<L>(e, from, slot))
        return refused(event_kind::account_limit_hit, e, s, errc::account_resources_exceeded);
      return errc::none;
    }
  }

  /// docs/semantics.md#account-publish-check `limitsExceeded`: the publish check with an empty message (adds 16*r / 30*r).
  errc limits_exceeded(tier_ref<T> t, storage_type s, std::int64_t replicas) const noexcept {
    return check_publish(t, s, replicas, msg_lengths{});
  }

  /// Tier usage (local, remote sum, total) for `s`.
  struct tier_usage {
    std::int64_t local = 0, remote = 0, total = 0;
  };
  tier_usage usage_of(tier_ref<T> t, storage_type s) const noexcept {
    const std::size_t slot = usage_slot(s);
    return {t.e_->local[slot].load(), t.e_->remote[slot].load(), t.e_->total(slot)};
  }

  // ---------------------------------------------------------------- API counters

  /// docs/semantics.md#api-counters: a successful API response.
  void track_api() noexcept {
    st_->api_total.add(1);
    st_->server->api_total.add(1);
  }
  /// docs/semantics.md#api-counters: an API error response (also counts as a request).
  void track_api_error() noexcept {
    track_api();
    st_->api_errors.add(1);
    st_->server->api_errors.add(1);
  }

  // ---------------------------------------------------------------- remote usage (docs/semantics.md#aru-merge)

  /// Replace `node`'s contribution to `tier` (never adds). A tier reported by a
  /// peer appears locally even without limits. Local and server usage are untouched.
  /// A zero report drops the node's contribution; a new tier beyond the
  /// engine's remote_tier_caps is refused (false, counted, `remote_tiers_refused` event).
  /// The rules: docs/cluster.md#merge-rules and docs/cluster.md#bounds.
  bool apply_remote_usage(std::string_view node, std::string_view tier, std::int64_t mem, std::int64_t store) {
    lock_t lk(st_->mu);
    const auto r = st_->merge_remote(remote_locked(node), tier, mem, store, st_->server->remote_caps());
    if (r != detail::remote_merge::refused_node_cap && r != detail::remote_merge::refused_account_cap) return true;
    ++st_->cluster->remote_tiers_refused;
    lk.unlock();
    st_->note_remote_refusal(node, tier, 1, 1);
    return false;
  }
  /// Peer records refused so far by the remote_tier_caps.
  std::uint64_t remote_tiers_refused() const {
    lock_t lk(st_->mu);
    return st_->cluster ? st_->cluster->remote_tiers_refused : 0;
  }
  /// Replace `node`'s API counters (unsigned wrap-around, as main).
  void set_remote_api(std::string_view node, std::uint64_t api, std::uint64_t errors) {
    lock_t lk(st_->mu);
    auto& rn = remote_locked(node);
    auto& cs = *st_->cluster;
    cs.remote_api = cs.remote_api - rn.api + api;
    cs.remote_errors = cs.remote_errors - rn.errors + errors;
    rn.api = api;
    rn.errors = errors;
  }
  /// What `node` holds reserved in `tier` (for example the MaxBytes of its
  /// stream replicas, known from the embedder's stream assignments). It counts
  /// on top of the node's last report while the node is stale under
  /// stale_usage_policy::pessimistic (docs/cluster.md#stale-usage); otherwise it
  /// changes no total. Replaces the previous value; zero removes it. Not a sign
  /// of life: the expiry sweep still sees the node as silent. A declaration
  /// holds its tier entry and outlives the node's expiry; remove_node drops it.
  void set_remote_reservation(std::string_view node, std::string_view tier, std::int64_t mem, std::int64_t store) {
    lock_t lk(st_->mu);
    st_->set_remote_reservation(node, tier, mem_store{mem, store});
  }
  /// Drift repairs and underflows of this account so far (docs/cluster.md#reconciliation).
  usage_repairs repair_counters() const noexcept {
    return {static_cast<std::uint64_t>(st_->repairs_raised.load()), static_cast<std::uint64_t>(st_->repairs_lowered.load()),
            static_cast<std::uint64_t>(st_->underflows.load()), static_cast<std::uint64_t>(st_->clamped.load())};
  }
  /// The embedder says `node` is gone: subtract everything it reported.
  /// (nats-server never removes a node's contribution; this is jsacct's addition.)
  /// With `ignore_updates_for_sweeps` > 0, `$JSC.ARU` updates from the node
  /// (apply_usage_update) are ignored until that many expiry sweeps passed,
  /// so that one still in flight cannot bring it back (jsacct::remove_node
  /// does this by default).
  void remove_remote_node(std::string_view node, std::uint32_t ignore_updates_for_sweeps = 0) {
    lock_t lk(st_->mu);
    st_->remove_remote(node, ignore_updates_for_sweeps);
  }
  /// The local usage of every tier that has a usage entry (what a node sends, docs/semantics.md#aru-layout).
  template <class F>
  void for_each_local_usage(F&& f) const {
    lock_t lk(st_->mu);
    for (const auto& e : st_->tiers)
      if (e->has_usage.load() != 0) f(std::string_view(e->name), e->local[0].load(), e->local[1].load());
  }
  /// This node's own API counters (sent to peers).
  std::pair<std::uint64_t, std::uint64_t> local_api() const noexcept {
    return {static_cast<std::uint64_t>(st_->api_total.load()), static_cast<std::uint64_t>(st_->api_errors.load())};
  }

  // ---------------------------------------------------------------- soft limits (docs/soft-limits.md)

  /// Sets the warning levels of tier `tier_name` ("" for untiered limits),
  /// replacing the account default for it. Validated first: on error nothing
  /// changes. The new thresholds apply at once (warnings may rise or clear now).
  result<void> set_warning_levels(std::string_view tier_name, const warning_levels& l) { return set_levels(&tier_name, l); }
  /// Sets the warning levels of every tier without levels of its own.
  result<void> set_default_warning_levels(const warning_levels& l) { return set_levels(nullptr, l); }

  /// The event counters of tier `tier_name` (zero for a tier never seen).
  tier_events events(std::string_view tier_name) const {
    lock_t lk(st_->mu);
    tier_events out;
    if (const tier_t* e = st_->find_tier(tier_name)) e->counts.add_to(out);
    if (const auto it = st_->stream_refusals.find(tier_name); it != st_->stream_refusals.end()) out += it->second;
    return out;
  }

  /// Counters and raised warnings of every tier that has an entry or a
  /// counted refusal, sorted by tier name.
  std::vector<tier_soft_status> soft_status() const {
    lock_t lk(st_->mu);
    std::map<std::string, tier_soft_status, std::less<>> m;
    for (const auto& e : st_->tiers) {
      tier_soft_status& s = m[e->name];
      s.tier = e->name;
      e->counts.add_to(s.events);
      if (const detail::tier_soft_state* soft = e->soft.load(std::memory_order_acquire))
        for (std::size_t i = 0; i < soft_resource_count; ++i) s.raised[i] = soft->watch[i].raised.load(std::memory_order_acquire);
    }
    for (const auto& [t, ev] : st_->stream_refusals) {
      tier_soft_status& s = m[t];
      s.tier = t;
      s.events += ev;
    }
    std::vector<tier_soft_status> v;
    v.reserve(m.size());
    for (auto& [_, s] : m) v.push_back(std::move(s));
    return v;
  }

  // ---------------------------------------------------------------- streams (docs/semantics.md#stream-flows)

  /// The standalone stream-create flow of docs/semantics.md#stream-create (steps 2–8, the accounting
  /// part): raw pre-check, normalization of the accounting fields and docs/semantics.md#max-bytes-limits caps,
  /// 10074, existing name, normalized check, reservation. All or nothing.
  /// A bad stream name is refused first (after 10039), with nats-server's code
  /// and text (`check_stream_name`, docs/semantics.md#name-validation).
  result<stream_reservation<T>> create_stream(const stream_config& raw, const create_options& o = {}) {
    auto r = create_stream_impl(raw, o);
    if (!r) note_refusal(raw, r.error());
    soft_after_change();
    return r;
  }

  /// Delete a stream (docs/semantics.md#reserve-release: releases its MaxBytes). 10059 if unknown.
  /// Handles to the stream, owning or not, observe the delete: from then on
  /// their checks and updates answer 10059 and their usage calls do nothing
  /// (docs/semantics.md#stream-handle-lifetime).
  result<void> delete_stream(std::string_view name);

  /// A non-owning handle to the registered stream `name` (for example one
  /// restored from a usage snapshot, or released to the engine): destroying it
  /// keeps the stream. 10039 when the account is disabled, 10059 when unknown.
  result<stream_reservation<T>> stream(std::string_view name) const {
    lock_t lk(st_->mu);
    if (st_->removed) return errc::not_enabled_for_account;
    const auto it = st_->streams.find(name);
    if (it == st_->streams.end()) return errc::stream_not_found;
    return stream_reservation<T>(*this, it->second, false, false);
  }

  /// Number of streams registered.
  std::int64_t num_streams() const {
    lock_t lk(st_->mu);
    return static_cast<std::int64_t>(st_->streams.size());
  }

  // ---------------------------------------------------------------- snapshots

  /// docs/semantics.md#account-usage-snapshot `JetStreamUsage` (standalone view). Cost grows with the number
  /// of tiers, not of streams.
  account_stats usage() const;

  /// docs/semantics.md#storage-totals `storageTotals`: Σ uint64(total) over tiers (wrapping).
  std::pair<std::uint64_t, std::uint64_t> storage_totals() const {
    lock_t lk(st_->mu);
    std::uint64_t m = 0, f = 0;
    for (const auto& e : st_->tiers) {
      m += static_cast<std::uint64_t>(e->total(0));
      f += static_cast<std::uint64_t>(e->total(1));
    }
    return {m, f};
  }

  // ---------------------------------------------------------------- drift repair (docs/semantics.md#drift-repair)

  /// Recompute `tier`'s local usage of `s` with the engine's recompute hook and
  /// set it to the actual value, in either direction (main only repairs
  /// negative usage, automatically; this explicit call also repairs
  /// over-counting, nats-server issue #8563). Returns the applied delta.
  std::int64_t sync_usage(std::string_view tier, storage_type s) {
    auto& srv = *st_->server;
    if (!srv.recompute) return 0;
    std::int64_t actual = srv.recompute(st_->name, tier, s);
    lock_t lk(st_->mu);
    tier_t* e = st_->find_tier(tier);
    if (e == nullptr || e->has_usage.load() == 0) return 0;
    if (actual < 0) {  // a store cannot hold less than nothing: clamped, and counted
      actual = 0;
      st_->clamped.add(1);
    }
    const std::size_t slot = usage_slot(s);
    const std::int64_t before = e->local[slot].load();
    const std::int64_t delta = wrap_sub(actual, before);
    if (delta == 0) return 0;
    e->local[slot].add(delta);
    srv.used[slot].add(delta);
    (actual > before ? st_->repairs_raised : st_->repairs_lowered).add(1);
    lk.unlock();
    if (srv.events) {
      // emit() contains a throwing sink: a queued repair of another account must still run.
      JSACCT_TRY {
        std::string text = std::string(slot == 0 ? "MemStore" : "FileStore") + " usage drift of " + friendly_bytes(actual) +
                           " vs " + friendly_bytes(before) + " detected for account \"" + st_->name + "\"";
        srv.emit(event{event_kind::usage_repaired, st_->name, std::string(tier), s, before, actual, errc::none, std::move(text)});
      }
      JSACCT_CATCH_ALL {  // allocation failure building the text: the repair is applied, only its event is lost
      }
    }
    return delta;
  }

  /// The account's tiers as `usage()` reports them (one snapshot; an untiered
  /// account is one tier named ""). See jsacct/engine/views.hpp.
  snapshot_view<tier_snapshot> tiers() const { return account_tiers(usage()); }

  /// The account's streams, sorted by name: one snapshot taken under the
  /// account lock, owned by the returned view. See jsacct/engine/views.hpp.
  snapshot_view<stream_snapshot> streams() const {
    lock_t lk(st_->mu);
    return snapshot_view<stream_snapshot>(st_->streams | ranges::views::values |
                                          ranges::views::transform([](const auto& r) { return snapshot_of(*r); }) |
                                          ranges::to<std::vector>());
  }

 private:
  explicit account_handle(std::shared_ptr<state_t> s) noexcept : st_(std::move(s)) {}
  friend struct detail::account_access;
  friend struct detail::snapshot_access;
  template <class>
  friend class stream_reservation;
  template <limit_checker, tier_selector, counter_policy, charging_policy>
  friend class basic_engine;

  static errc backend_error(int slot) noexcept {
    return slot == 0 ? memory_backend::resources_exceeded : file_backend::resources_exceeded;
  }

  /// The max_bytes the charging policy reserves, sums and checks for a stream
  /// whose max_bytes is `mb` (docs/reservation-charging.md). The same pure
  /// function at create, update and delete, so every sum returns to zero.
  static constexpr std::int64_t charged(std::int64_t mb) noexcept { return C::charge(mb); }
  /// `c` with its max_bytes charged, for the checks and update plans that read a
  /// config: `c` itself (no copy) when the policy charges in full.
  static decltype(auto) charged_config(const stream_config& c) {
    if constexpr (C::charges_in_full) {
      return (c);
    } else {
      stream_config x = c;
      x.max_bytes = C::charge(c.max_bytes);
      return x;
    }
  }

  /// check_publish's comparisons alone: the code it would refuse with, no
  /// event, no counter. The refusal is handled after it returns, so the
  /// success path needs no more registers than the comparisons.
  errc publish_verdict_of(const tier_t& e, storage_type s, std::int64_t replicas, msg_lengths m) const noexcept {
    const std::size_t slot = usage_slot(s);
    const auto& srv = *st_->server;
    if (L::server_would_exceed(srv.used[slot].load(), srv.max[slot].load(), 0)) return errc::insufficient_resources;
    if constexpr (L::check_before_store) {
      if (e.has_limits.load() == 0) return errc::no_limits;
      const std::uint64_t size = slot == 0 ? mem_store_msg_size(m) : file_store_msg_size(m);
      if (L::would_exceed(e.limits.limit(slot), e.name.empty(), e.total(slot), size, replicas))
        return errc::account_resources_exceeded;
    }
    return errc::none;
  }

  /// check_publish for a message of stream `from` (stream_reservation's
  /// check), with keep_existing's allowance for that stream. Its storage and
  /// replicas are read from the stream, which keeps the success path's registers down.
  errc check_stream_publish(tier_ref<T> t, const detail::stream_record<P>& from, msg_lengths m) const noexcept {
    const errc verdict = publish_verdict_of(*t.e_, from.cfg.storage, from.cfg.replicas, m);
    if (verdict == errc::none) [[likely]]
      return errc::none;
    return stream_publish_refused(verdict, *t.e_, from, m);
  }

  /// check_stream_publish where a comparison refused (`verdict`): keep_existing's
  /// allowance may still admit the stream `from` past the account limit
  /// (docs/limit-changes.md); otherwise the refusal is counted and its event
  /// emitted. Out of line and cold.
#if defined(__GNUC__)
  [[gnu::noinline, gnu::cold]]
#endif
  errc
  stream_publish_refused(errc verdict, const tier_t& e, const detail::stream_record<P>& from, msg_lengths m) const noexcept {
    const storage_type s = from.cfg.storage;
    if (verdict == errc::insufficient_resources) return refused(event_kind::server_limit_hit, e, s, verdict);
    if (verdict == errc::account_resources_exceeded) {
      const std::size_t slot = usage_slot(s);
      const std::uint64_t size = slot == 0 ? mem_store_msg_size(m) : file_store_msg_size(m);
      if (detail::kept_allows<L>(e, &from, slot, size, from.cfg.replicas)) return errc::none;
    }
    return refused(event_kind::account_limit_hit, e, s, verdict);
  }

  errc refused(event_kind k, const tier_t& e, storage_type s, errc why) const noexcept {
    e.counts.limit_hits.fetch_add(1, std::memory_order_relaxed);
    e.counts.count_refusal(detail::reason_of(why, usage_slot(s)));
    const auto& srv = *st_->server;
    if (srv.events) {
      JSACCT_TRY { srv.events(event{k, st_->name, e.name, s, 0, 0, why, std::string(find_error(why)->description)}); }
      JSACCT_CATCH_ALL {  // an event sink must not turn a refusal into a crash
      }
    }
    return why;
  }

  /// A stream's accounting fields. Caller holds `mu`; the stream's spin lock
  /// orders the read of its bytes with add_usage (same order as a tier move).
  static stream_snapshot snapshot_of(detail::stream_record<P>& r) {
    stream_snapshot s;
    s.name = r.cfg.name;
    s.storage = r.cfg.storage;
    s.replicas = r.cfg.replicas;
    s.max_bytes = r.cfg.max_bytes;
    s.reserved = std::max<std::int64_t>(charged(r.cfg.max_bytes), 0);
    {
      std::lock_guard g(r.usage_lock);
      s.used = r.bytes.load();
    }
    s.tier = r.tier.load()->name;
    s.consumers = r.consumers;
    return s;
  }

  detail::remote_node<P>& remote_locked(std::string_view node) {
    auto& cs = st_->cluster_block();
    if (!cs.removed_nodes.empty())  // (almost always empty: no tree walk on the merge path)
      if (const auto r = cs.removed_nodes.find(node); r != cs.removed_nodes.end())
        cs.removed_nodes.erase(r);          // the embedder's own call: the node is back
    const auto it = cs.remotes.find(node);  // a known peer: one lookup (remote_entry creates)
    detail::remote_node<P>& rn = it != cs.remotes.end() ? it->second : st_->remote_entry(cs, node);
    st_->heard_from(rn);  // a sign of life for the expiry sweep (ends a stale state)
    return rn;
  }

  /// selection() for a selector tier name the lock-free table does not hold.
  result<tier_selection<T>> selection_locked(std::string_view t) const noexcept {
    lock_t lk(st_->mu);
    if (st_->removed) return errc::not_enabled_for_account;
    return selection_locked_held(t);
  }
  result<tier_selection<T>> selection_locked_held(std::string_view t) const noexcept {
    tier_t* e = st_->untiered_tier();
    if (e == nullptr) e = st_->limited_tier(t);
    if (e == nullptr) return errc::no_limits;
    return tier_selection<T>{e->limits.load(), tier_ref<T>(e)};
  }

  /// The selection for selector tier `name` under the lock: the limits into
  /// `out`, the entry into `e`; errc::no_limits when no limits apply.
  template <class N>
  errc select_entry_locked(const N& name, account_limits& out, tier_t*& e) const noexcept {
    using status = typename state_t::selection_status;
    const status s = st_->read_selection(name, out, e);
    if (s == status::found) return errc::none;
    if (s == status::no_limits) return errc::no_limits;
    auto r = selection_locked_held(std::string_view(name));
    if (!r) return errc::no_limits;
    out = r->limits;
    e = r->tier.e_;
    return errc::none;
  }

  result<selected_limits> select_locked(const stream_config& c) const {
    if (const tier_t* u = st_->untiered_tier()) return selected_limits{u->limits.load(), ""};
    const auto t = st_->server->selector.tier_of(c);
    return select_tier_locked(std::string_view(t));
  }

  /// select_locked for a config whose selector tier (bucket_of) is `name`.
  result<selected_limits> select_tier_locked(std::string_view name) const {
    if (const tier_t* u = st_->untiered_tier()) return selected_limits{u->limits.load(), ""};
    if (const tier_t* e = st_->limited_tier(name)) return selected_limits{e->limits.load(), std::string(name)};
    return errc::no_limits;
  }

  std::pair<bool, std::int64_t> max_bytes_limits_locked(const stream_config& c) const {
    return max_bytes_limits_of(select_locked(c), c);
  }

  static std::pair<bool, std::int64_t> max_bytes_limits_of(const result<selected_limits>& sel, const stream_config& c) {
    if (!sel) return {false, 0};
    const auto& l = sel->limits;
    return {l.max_bytes_required, c.storage == storage_type::memory ? l.memory_max_stream_bytes : l.store_max_stream_bytes};
  }

  std::string bucket_of(const stream_config& c) const {
    const auto t = st_->server->selector.tier_of(c);
    return std::string(std::string_view(t));
  }

  const detail::stream_record<P>* same_name(const stream_config& c) const {
    auto it = st_->streams.find(c.name);
    return it == st_->streams.end() ? nullptr : it->second.get();
  }

  std::int64_t count_streams_locked(std::string_view tier, const stream_config& c) const {
    return count_streams_locked(tier, c, tier.empty() ? std::string() : bucket_of(c));
  }

  /// count_streams_locked with `b` == bucket_of(c) computed by the caller (unused when `tier` is empty).
  /// Buckets are never erased: one with streams == 0 counts as absent.
  std::int64_t count_streams_locked(std::string_view tier, const stream_config& c, std::string_view b) const {
    const auto* same = L::count_same_name ? nullptr : same_name(c);
    if (tier.empty()) return static_cast<std::int64_t>(st_->streams.size()) - (same ? 1 : 0);
    const detail::reservation_bucket* bk = st_->find_bucket(b);
    const std::int64_t n = bk == nullptr ? 0 : bk->streams;
    return n - (same && same->bucket->name == b ? 1 : 0);
  }

  std::int64_t tiered_reservation_locked(std::string_view tier, const stream_config& c) const {
    return tiered_reservation_locked(tier, c, tier.empty() ? std::string() : bucket_of(c));
  }

  /// tiered_reservation_locked with `b` == bucket_of(c) computed by the caller (unused when `tier` is empty).
  /// Buckets are never erased: one with streams == 0 is skipped as absent.
  std::int64_t tiered_reservation_locked(std::string_view tier, const stream_config& c, std::string_view b) const {
    const int slot = reservation_slot(c.storage);
    const bool untiered = tier.empty();
    const bool mix = !untiered && L::tiered_sum_ignores_storage;
    if (slot < 0 && !mix) return 0;
    auto part = [&](const detail::reservation_bucket& rb, int s) {
      return untiered ? rb.untiered_footprint[static_cast<std::size_t>(s)] : rb.tiered_footprint[static_cast<std::size_t>(s)];
    };
    auto bucket_sum = [&](const detail::reservation_bucket& rb) { return mix ? part(rb, 0) + part(rb, 1) : part(rb, slot); };
    int128 sum = 0;
    if (untiered) {
      for (const auto& [_, bk] : st_->buckets)
        if (bk.streams != 0) sum += bucket_sum(bk);
    } else if (const detail::reservation_bucket* bk = st_->find_bucket(b); bk != nullptr && bk->streams != 0) {
      sum += bucket_sum(*bk);
    }
    // Other streams only: take the same-named stream's share back out.
    if (const auto* same = same_name(c); same && charged(same->cfg.max_bytes) > 0 && (untiered || same->bucket->name == b)) {
      const int ss = reservation_slot(same->cfg.storage);
      if (ss >= 0 && (mix || ss == slot)) sum -= L::footprint(untiered, same->cfg.replicas, charged(same->cfg.max_bytes));
    }
    return L::finish_sum(sum);
  }

  std::pair<std::uint64_t, std::uint64_t> reserved_storage_locked(std::string_view tier) const {
    int128 m = 0, f = 0;
    for (const auto& [name, bk] : st_->buckets) {
      if (bk.streams == 0 || (!tier.empty() && name != tier)) continue;  // empty buckets are kept: absent
      m += bk.max_bytes[0];
      f += bk.max_bytes[1];
    }
    return {static_cast<std::uint64_t>(wrap_cast(m)), static_cast<std::uint64_t>(wrap_cast(f))};
  }

  errc check_account_locked(const selected_limits& sel, const stream_config& c, std::int64_t current,
                            std::int64_t offset) const noexcept {
    return check_account_of(sel.limits, sel.untiered(), c, current, offset);
  }
  static errc check_account_of(const account_limits& l, bool untiered, const stream_config& c, std::int64_t current,
                               std::int64_t offset) noexcept {
    if (c.max_consumers > 0 && l.max_consumers > 0 && c.max_consumers > l.max_consumers) return errc::maximum_consumers_limit;
    const int slot = reservation_slot(c.storage);
    if (slot < 0) return errc::none;
    const byte_demand d = L::demand(untiered, c.max_bytes, c.replicas, offset);
    const std::int64_t limit = slot == 0 ? l.max_memory : l.max_store;
    if (L::account_exceeds(limit, current, d.account)) return backend_error(slot);
    return errc::none;
  }

  /// Server reservation: check and commit atomically (CAS), or just commit.
  errc reserve_server(int slot, bool check, std::int64_t check_bytes, std::int64_t commit) noexcept {
    if (slot < 0) return errc::none;
    const auto i = static_cast<std::size_t>(slot);
    auto& srv = *st_->server;
    if (!check) {
      if (commit != 0) srv.reserved[i].add(commit);
      return errc::none;
    }
    const std::int64_t max = srv.max[i].load();
    const bool ok = srv.reserved[i].update_if([&](std::int64_t cur) -> std::optional<std::int64_t> {
      if (L::server_exceeds(max, cur, check_bytes)) return std::nullopt;
      return wrap_add(cur, commit);
    });
    return ok ? errc::none : backend_error(slot);
  }

  static result<stream_config> normalize(const stream_config& raw) {
    stream_config c = raw;
    if (c.replicas < 0) return errc::replicas_count_negative;
    if (c.storage == storage_type::unset) c.storage = storage_type::file;
    if (c.replicas == 0) c.replicas = 1;
    if (c.replicas > 5) return api_error(errc::stream_invalid_config, "maximum replicas is 5");
    if (c.max_bytes == 0 || (L::normalize_negative_max_bytes && c.max_bytes < -1)) c.max_bytes = -1;
    if (c.max_consumers == 0 || c.max_consumers < -1) c.max_consumers = -1;
    for (std::int64_t* cap :
         {&c.max_msgs, &c.max_msg_size, &c.max_msgs_per_subject})  // as max_bytes (docs/semantics.md#stream-caps)
      if (*cap == 0 || (L::normalize_negative_max_bytes && *cap < -1)) *cap = -1;
    return c;
  }

  errc check_max_bytes_locked(const stream_config& c) const { return check_max_bytes_of(select_locked(c), c); }

  /// check_max_bytes_locked with the selection for `c` made by the caller.
  static errc check_max_bytes_of(const result<selected_limits>& sel, const stream_config& c) {
    const auto [required, cap] = max_bytes_limits_of(sel, c);
    if (required && c.max_bytes <= 0) return errc::stream_max_bytes_required;
    if (cap > 0 && c.max_bytes > cap) return errc::stream_max_stream_bytes_exceeded;
    return errc::none;
  }

  /// The reservation bucket of selector tier `name`, created empty on first
  /// use (an empty bucket counts as absent). Caller holds `mu`.
  detail::reservation_bucket& bucket_locked(std::string_view name) {
    if (detail::reservation_bucket* bk = st_->find_bucket(name)) return *bk;
    const auto it = st_->buckets.emplace(std::string(name), detail::reservation_bucket{}).first;
    it->second.name = it->first;
    return it->second;
  }

  void bucket_add(const detail::stream_record<P>& r, int sign) noexcept {
    auto& bk = *r.bucket;
    bk.streams += sign;
    const int slot = reservation_slot(r.cfg.storage);
    if (slot >= 0 && charged(r.cfg.max_bytes) > 0) {
      const auto s = static_cast<std::size_t>(slot);
      bk.max_bytes[s] += sign * static_cast<int128>(charged(r.cfg.max_bytes));
      bk.untiered_footprint[s] += sign * static_cast<int128>(L::footprint(true, r.cfg.replicas, charged(r.cfg.max_bytes)));
      bk.tiered_footprint[s] += sign * static_cast<int128>(L::footprint(false, r.cfg.replicas, charged(r.cfg.max_bytes)));
    }
    // An emptied bucket is kept (every reader treats streams == 0 as absent): the
    // next create in the tier reuses its node instead of allocating one.
  }

  /// Remove the registered stream `r` from the engine and release its
  /// reservation; its handles see `deleted`. Caller holds `mu`; `r` is registered.
  /// After the account was disabled: streams released to the engine have no
  /// handle that could delete them later, so they leave now and their server
  /// reservation with them (docs/semantics.md#diff-disabled-handle-release). Caller holds `mu`.
  void drop_engine_owned_locked() noexcept {
    for (auto it = st_->streams.begin(); it != st_->streams.end();) {
      detail::stream_record<P>& r = *it->second;
      ++it;  // unregister_locked erases r's entry
      if (r.engine_owned) unregister_locked(r);
    }
  }

  void unregister_locked(detail::stream_record<P>& r) noexcept {
    const auto it = st_->streams.find(r.cfg.name);
    {
      std::lock_guard g(r.usage_lock);  // an add_usage in flight ends first; later ones see `deleted`
      r.deleted.store(true, std::memory_order_release);
    }
    bucket_add(r, -1);
    tier_t* t = r.tier.load();
    t->streams -= 1;
    t->consumers -= r.consumers;
    st_->consumers -= r.consumers;
    if (r.kept.load(std::memory_order_relaxed) >= 0) detail::release_kept(*st_, r);  // keep_existing's allowance shrinks
    const int slot = reservation_slot(r.cfg.storage);
    if (slot >= 0 && charged(r.cfg.max_bytes) > 0)
      st_->server->reserved[static_cast<std::size_t>(slot)].add(-charged(r.cfg.max_bytes));
    // Last: it may destroy `r`. The node is kept for the next create (no allocation).
    auto node = st_->streams.extract(it);
    node.mapped().reset();
    if (!st_->spare_node) st_->spare_node = std::move(node);
  }

  /// The tier move of docs/semantics.md#tier-move: the stream's stored bytes leave one tier and enter
  /// another (Go's two updateUsage calls; the server total does not change).
  static void move_usage(tier_t& from, tier_t& to, storage_type s, std::int64_t bytes) noexcept {
    if (bytes == 0) return;
    const std::size_t slot = usage_slot(s);
    if (to.has_usage.load() == 0) to.has_usage.store(1);
    if (from.has_usage.load() == 0) from.has_usage.store(1);
    from.local[slot].add(wrap_sub(0, bytes));  // bytes may be INT64_MIN (wrapped usage): no UB negation
    to.local[slot].add(bytes);
  }

  result<stream_reservation<T>> create_stream_impl(const stream_config& raw, const create_options& o);
  /// Move a stream (its recorded bytes, its stream and consumer counts) to tier `to`. Caller holds `mu`.
  void retier_locked(detail::stream_record<P>& r, tier_t* to, std::optional<std::int64_t> bytes);
  /// After a limits change: move every stream to the tier the new limits select for it. Caller holds `mu`.
  void rekey_locked();
  result<void> update_stream_locked(detail::stream_record<P>& r, const stream_config& raw, const update_options& o);

  /// Report a refused create/update (after the account lock is released).
  void note_refusal(const stream_config& c, const api_error& e) const noexcept {
    const auto& srv = *st_->server;
    count_stream_refusal(c, e.id());
    if (!srv.events) return;
    JSACCT_TRY {
      const auto t = srv.selector.tier_of(c);
      srv.events(event{event_kind::reservation_refused, st_->name, std::string(std::string_view(t)), c.storage, 0, 0, e.id(),
                       e.description()});
    }
    JSACCT_CATCH_ALL {  // an event sink must not turn a refusal into a crash
    }
  }
  result<void> add_consumer_locked(detail::stream_record<P>& r, const consumer_request& q);

  // ---------------------------------------------------------------- soft limits (docs/soft-limits.md)

  /// Counts a refused create, update or consumer add of `c` against the tier
  /// whose limits applied (the untiered "" or the selector tier).
  void count_stream_refusal(const stream_config& c, errc why) const noexcept {
    JSACCT_TRY {
      lock_t lk(st_->mu);
      const std::string t = st_->untiered_tier() != nullptr ? std::string() : bucket_of(c);
      ++detail::refusals_of(st_->stream_refusals[t], detail::reason_of(why, usage_slot(c.storage)));
    }
    JSACCT_CATCH_ALL {  // out of memory for a new tier's counters: the refusal stands, uncounted
    }
  }

  result<void> set_levels(const std::string_view* tier_name, const warning_levels& l) {
    if (auto v = validate_warning_levels(l); !v) return v;
    {
      lock_t lk(st_->mu);
      if (st_->removed) return errc::not_enabled_for_account;
      if (tier_name != nullptr)
        st_->soft_levels.insert_or_assign(std::string(*tier_name), l);
      else
        st_->soft_default = l;
      st_->soft_any.store(true, std::memory_order_relaxed);
    }
    soft_after_change();
    return {};
  }

  /// The value `r` watches in tier `e`. Caller holds `mu`.
  std::int64_t soft_value_locked(const tier_t& e, soft_resource r) const noexcept {
    const bool all = e.name.empty();  // untiered limits cover every stream
    switch (r) {
      case soft_resource::memory_used:
        return e.total(0);
      case soft_resource::storage_used:
        return e.total(1);
      case soft_resource::memory_reserved:
      case soft_resource::storage_reserved: {
        const auto [m, f] = reserved_storage_locked(e.name);
        return static_cast<std::int64_t>(r == soft_resource::memory_reserved ? m : f);
      }
      case soft_resource::streams: {
        if (all) return static_cast<std::int64_t>(st_->streams.size());
        const detail::reservation_bucket* bk = st_->find_bucket(e.name);
        return bk == nullptr ? 0 : bk->streams;
      }
      default: {
        std::int64_t most = 0;
        for (const auto& [_, rec] : st_->streams)
          if (all || rec->bucket->name == e.name) most = std::max(most, rec->limitable_consumers);
        return most;
      }
    }
  }

  /// The limit `r` is watched against.
  static std::int64_t soft_limit_of(const account_limits& l, soft_resource r) noexcept {
    switch (r) {
      case soft_resource::memory_used:
      case soft_resource::memory_reserved:
        return l.max_memory;
      case soft_resource::storage_used:
      case soft_resource::storage_reserved:
        return l.max_store;
      case soft_resource::streams:
        return l.max_streams;
      default:
        return l.max_consumers;
    }
  }

  /// Counts a flip of `r` in `e` (+1 raised, -1 cleared) at `value` and, when
  /// an event sink is set, appends its event to `out`.
  void soft_flip(const tier_t& e, soft_resource r, int flip, std::int64_t value, std::int64_t threshold,
                 std::vector<event>& out) const {
    (flip > 0 ? e.counts.raised : e.counts.cleared).fetch_add(1, std::memory_order_relaxed);
    if (st_->server->events) out.push_back(soft_event(e, r, flip, value, threshold));
  }
  /// The event of a flip (see soft_flip).
  event soft_event(const tier_t& e, soft_resource r, int flip, std::int64_t value, std::int64_t threshold) const {
    const bool mem = r == soft_resource::memory_used || r == soft_resource::memory_reserved;
    std::string text = "Account \"" + st_->name + "\" tier \"" + e.name + "\": " + std::string(to_string(r)) + " " +
                       std::to_string(value) + (flip > 0 ? " reached warning level " : " fell below clear level ") +
                       std::to_string(threshold);
    return event{warning_event(r, flip > 0),
                 st_->name,
                 e.name,
                 mem ? storage_type::memory : storage_type::file,
                 value,
                 threshold,
                 errc::none,
                 std::move(text)};
  }

  /// Recomputes every tier's thresholds from its levels and limits and
  /// evaluates every watched value; the flips' events go to `out`. Caller holds `mu`.
  void soft_refresh_locked(std::vector<event>& out) {
    for (const auto& ep : st_->tiers) {
      tier_t& e = *ep;
      const warning_levels* lv = nullptr;
      if (const auto it = st_->soft_levels.find(e.name); it != st_->soft_levels.end())
        lv = &it->second;
      else if (st_->soft_default)
        lv = &*st_->soft_default;
      detail::tier_soft_state* soft = e.soft.load(std::memory_order_relaxed);
      if (soft == nullptr) {
        if (lv == nullptr) continue;
        e.soft_owner = std::make_unique<detail::tier_soft_state>();
        soft = e.soft_owner.get();
        e.soft.store(soft, std::memory_order_release);
      }
      const warning_levels levels = lv != nullptr ? *lv : warning_levels{};
      soft->levels = levels;
      const account_limits lim = e.limits.load();
      bool usage_armed = false;
      for (std::size_t i = 0; i < soft_resource_count; ++i) {
        const auto r = static_cast<soft_resource>(i);
        detail::soft_watch& w = soft->watch[i];
        const warning_threshold th = threshold_of(soft_limit_of(lim, r), fraction_of(levels, r), levels.hysteresis);
        w.clear_below.store(th.clear_below, std::memory_order_release);
        w.raise_at.store(th.raise_at, std::memory_order_release);
        if (!th.armed()) {  // disarmed while raised (level off, limit gone): cleared, with threshold -1
          if (w.raised.exchange(false, std::memory_order_acq_rel)) soft_flip(e, r, -1, soft_value_locked(e, r), -1, out);
          continue;
        }
        if (i < 2) usage_armed = true;
        std::int64_t value = 0;
        if (const int flip = w.evaluate([&] { return soft_value_locked(e, r); }, value); flip != 0)
          soft_flip(e, r, flip, value, flip > 0 ? th.raise_at : th.clear_below, out);
      }
      e.set_update_flag(tier_t::warn_armed, usage_armed);
    }
  }

  /// After a change that may move a watched value or threshold: re-evaluate
  /// (under the lock) and emit the flips (after it). Nothing without levels.
  void soft_after_change() {
    if (!st_->soft_any.load(std::memory_order_relaxed)) return;
    std::vector<event> out;
    {
      lock_t lk(st_->mu);
      soft_refresh_locked(out);
    }
    for (const event& ev : out) st_->server->emit(ev);
  }

  /// soft_after_change for noexcept callers: out of memory leaves the warnings
  /// as they were until the next re-evaluation.
  void soft_after_change_quiet() noexcept {
    JSACCT_TRY { soft_after_change(); }
    JSACCT_CATCH_ALL {}
  }

  /// update_usage's rare work: mark the tier used (usage() lists it from now
  /// on), and check the soft limits while armed.
  [[gnu::noinline, gnu::cold]] void update_usage_cold(tier_t& e, std::size_t slot) const noexcept {
    const std::int64_t flags = e.update_flags.load();
    if ((flags & tier_t::update_seen) == 0) {
      if (e.has_usage.load() == 0) e.has_usage.store(1);
      e.set_update_flag(tier_t::update_seen, true);
    }
    if ((flags & tier_t::warn_armed) != 0) watch_usage(e, slot);
  }

  /// update_usage's soft-limit check of `e`'s usage in `slot`: one
  /// compare-exchange per flip; after a flip the total is read again (a few
  /// rounds at most), so the last flipper leaves the warning matching the value.
  /// Kept out of update_usage_cold: inlined there, it made g++ 12 inline less
  /// elsewhere (ReserveRelease/plain measured +11 instructions per op).
  [[gnu::noinline, gnu::cold]] void watch_usage(tier_t& e, std::size_t slot) const noexcept {
    detail::tier_soft_state* soft = e.soft.load(std::memory_order_acquire);
    if (soft == nullptr) return;
    detail::soft_watch& w = soft->watch[slot];
    const auto r = static_cast<soft_resource>(slot);
    for (int rounds = 0; rounds < 4; ++rounds) {
      std::int64_t value = 0;
      const int flip = w.evaluate([&] { return e.total(slot); }, value);
      if (flip == 0) return;
      const std::int64_t th =
          flip > 0 ? w.raise_at.load(std::memory_order_relaxed) : w.clear_below.load(std::memory_order_relaxed);
      (flip > 0 ? e.counts.raised : e.counts.cleared).fetch_add(1, std::memory_order_relaxed);
      if (!st_->server->events) continue;
      JSACCT_TRY { st_->server->emit(soft_event(e, r, flip, value, th)); }
      JSACCT_CATCH_ALL {  // out of memory for the text: the flip is counted, its event is lost
      }
    }
  }

  /// Queues a drift repair of `e`'s `s` usage unless one is pending already: a
  /// usage that stays negative queues one task, not one per update.
  void schedule_repair(tier_t& e, storage_type s) noexcept {
    auto& pending = e.repair_pending[usage_slot(s)];
    if (pending.load(std::memory_order_relaxed) || pending.exchange(true, std::memory_order_acq_rel)) return;
    auto& srv = *st_->server;
    JSACCT_TRY {
      std::weak_ptr<state_t> weak = st_;
      auto task = [weak, &pending, tier = e.name, s] {
        auto st = weak.lock();
        if (!st) return;  // the account state (and `pending`, in its pinned tier) is gone
        // Cleared before the repair reads the usage: a negative update from now
        // on queues the next repair.
        pending.store(false, std::memory_order_release);
        if (st->removed.load()) return;
        if (st->syncing.exchange(true)) return;  // single flight: a concurrent request is dropped
        struct reset {
          std::atomic<bool>& f;
          ~reset() { f.store(false); }
        } guard{st->syncing};
        account_handle(st).sync_usage(tier, s);
      };
      if (srv.run_async) {
        srv.run_async(std::move(task));
      } else {
        std::lock_guard lk(srv.pending_mu);
        srv.pending.push_back(std::move(task));
      }
    }
    JSACCT_CATCH_ALL {  // allocation failure or a throwing runner: the next negative update schedules again
      pending.store(false, std::memory_order_release);
    }
  }

  // ---------------------------------------------------------------- explanations (cold: refusals only)

  /// An explanation of account `st_` for limits of `tier` ("" = untiered) and stream config `c`.
  explanation why_base(errc code, std::string_view tier, const stream_config& c, limit_resource res) const {
    explanation w;
    w.code = code;
    w.level = tier.empty() ? limit_level::account : limit_level::tier;
    w.source = tier.empty() ? limit_source::account_config : limit_source::tier_config;
    w.resource = res;
    w.account = st_->name;
    w.tier = std::string(tier);
    w.stream = c.name;
    return w;
  }
  static api_error attach(explanation w) {
    const errc code = w.code;
    return api_error(code).with_why(std::make_shared<const explanation>(std::move(w)));
  }
  static limit_resource bytes_resource(int slot) noexcept { return slot == 0 ? limit_resource::memory : limit_resource::storage; }
  explanation publish_why(const tier_t& e, std::size_t slot, errc code) const {
    explanation w;
    w.code = code;
    w.level = e.name.empty() ? limit_level::account : limit_level::tier;
    w.source = e.name.empty() ? limit_source::account_config : limit_source::tier_config;
    w.resource = bytes_resource(static_cast<int>(slot));
    w.account = st_->name;
    w.tier = e.name;
    return w;
  }

  /// The largest reservations of the account's other streams that count in a
  /// reservation sum for limits of `tier` in storage `slot`, as the checker counts them.
  std::vector<contributor> contributors_locked(bool untiered, std::string_view bucket, int slot, std::string_view exclude,
                                               bool server) const {
    const bool mix = !server && !untiered && L::tiered_sum_ignores_storage;
    // Names are copied for the 5 kept only.
    std::vector<std::pair<std::int64_t, const std::string*>> all;
    for (const auto& [n, r] : st_->streams) {
      const stream_config& sc = r->cfg;
      const int s = reservation_slot(sc.storage);
      const std::int64_t mb = charged(sc.max_bytes);  // what the charging policy reserved for it
      if (sc.name == exclude || s < 0 || (!mix && s != slot) || mb <= 0) continue;
      if (!server && !untiered && r->bucket->name != bucket) continue;
      const std::int64_t f = server ? mb : L::footprint(untiered, sc.replicas, mb);
      if (f > 0) all.emplace_back(f, &sc.name);
    }
    const auto kept = std::min<std::size_t>(all.size(), 5);
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(kept), all.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : *a.second < *b.second;
    });
    std::vector<contributor> v;
    v.reserve(kept);
    for (std::size_t i = 0; i < kept; ++i) v.push_back(contributor{*all[i].second, all[i].first});
    return v;
  }

  /// 10120 (no limits for selector tier `tier`); any other code `e` as it is.
  [[gnu::cold, gnu::noinline]] api_error why_no_limits(errc e, std::string_view tier, const stream_config& c) const {
    if (e != errc::no_limits) return e;
    const int slot = reservation_slot(c.storage);
    explanation w = why_base(e, tier, c, bytes_resource(slot < 0 ? 1 : slot));
    w.level = limit_level::tier;
    w.source = limit_source::tier_config;
    return attach(std::move(w));
  }

  /// 10027: `max` streams counted in the tier already.
  [[gnu::cold, gnu::noinline]] api_error why_max_streams_locked(std::string_view tier, const stream_config& c,
                                                                std::string_view bucket, std::int64_t max) const {
    explanation w = why_base(errc::maximum_streams_limit, tier, c, limit_resource::streams);
    w.requested = 1;
    w.used = count_streams_locked(tier, c, bucket);
    w.limit = max;
    return attach(std::move(w));
  }

  /// 10113 / 10122 for the limits `l` of `tier`.
  [[gnu::cold, gnu::noinline]] api_error why_max_bytes_locked(errc e, std::string_view tier, const account_limits& l,
                                                              const stream_config& c) const {
    const bool required = e == errc::stream_max_bytes_required;
    explanation w = why_base(e, tier, c, required ? limit_resource::max_bytes_required : limit_resource::stream_max_bytes);
    w.requested = c.max_bytes;
    w.limit = required ? 0 : (c.storage == storage_type::memory ? l.memory_max_stream_bytes : l.store_max_stream_bytes);
    return attach(std::move(w));
  }
  /// why_max_bytes_locked for the limits that apply to `c` now.
  [[gnu::cold, gnu::noinline]] api_error why_max_bytes_of_locked(errc e, const stream_config& c) const {
    auto sel = select_locked(c);
    if (!sel) return e;  // (not reached: the check refuses only with limits)
    return why_max_bytes_locked(e, sel->tier, sel->limits, c);
  }

  /// The server reservation check refused `bytes` of `c` (its numbers now).
  explanation server_why_locked(errc e, const stream_config& c, std::int64_t bytes) const {
    const int slot = reservation_slot(c.storage);
    explanation w = why_base(e, "", c, bytes_resource(slot));
    w.level = limit_level::server;
    w.source = limit_source::server_config;
    w.requested = bytes;
    if (slot >= 0) {
      const auto i = static_cast<std::size_t>(slot);
      w.reserved = st_->server->reserved[i].load();
      w.limit = st_->server->max[i].load();
      w.contributors = contributors_locked(true, "", slot, c.name, true);
    }
    return w;
  }
  [[gnu::cold, gnu::noinline]] api_error why_server_locked(errc e, const stream_config& c, std::int64_t bytes) const {
    return attach(server_why_locked(e, c, bytes));
  }

  /// Why check_limits_of(l, tier.empty(), c, check_server, current, offset) answered `e`: the
  /// stream's max_consumers (10026), the account's bytes, or the server's. `own`: the stream's own
  /// reservation included in `current` (an update), listed as a contributor.
  explanation explain_limits_locked(errc e, const account_limits& l, std::string_view tier, const stream_config& c,
                                    bool check_server, std::int64_t current, std::int64_t offset, std::string_view bucket,
                                    std::int64_t own) const {
    const bool untiered = tier.empty();
    if (e == errc::maximum_consumers_limit) {
      explanation w = why_base(e, tier, c, limit_resource::consumers);
      w.requested = c.max_consumers;
      w.limit = l.max_consumers;
      return w;
    }
    const int slot = reservation_slot(c.storage);
    const byte_demand d = L::demand(untiered, c.max_bytes, c.replicas, offset);
    if (check_server && check_account_of(l, untiered, c, current, offset) == errc::none) return server_why_locked(e, c, d.server);
    explanation w = why_base(e, tier, c, bytes_resource(slot));
    w.requested = d.account;
    w.reserved = current;
    w.limit = slot == 0 ? l.max_memory : l.max_store;
    w.contributors = contributors_locked(untiered, bucket, slot, c.name, false);
    if (own > 0) {
      w.contributors.push_back(contributor{c.name, own});
      detail::keep_largest(w.contributors);
    }
    return w;
  }
  [[gnu::cold, gnu::noinline]] api_error why_limits_locked(errc e, const account_limits& l, std::string_view tier,
                                                           const stream_config& c, bool check_server, std::int64_t current,
                                                           std::int64_t offset, std::string_view bucket,
                                                           std::int64_t own = 0) const {
    return attach(explain_limits_locked(e, l, tier, c, check_server, current, offset, bucket, own));
  }

  /// 10026 from add_consumer: `maxc` is the effective cap of stream `r`, `acct` the account's limits.
  [[gnu::cold, gnu::noinline]] api_error why_consumers_locked(const detail::stream_record<P>& r, const consumer_request& q,
                                                              const account_limits& acct, std::int64_t maxc) const {
    std::string tier = r.tier.load()->name;
    if constexpr (L::check_before_store) {  // main: the consumer's own tier
      stream_config probe = r.cfg;
      probe.replicas = q.replicas;
      if (auto sel = select_locked(probe)) tier = sel->tier;
    }
    explanation w = why_base(errc::maximum_consumers_limit, tier, r.cfg, limit_resource::consumers);
    const std::int64_t own = r.cfg.max_consumers;
    if (own > 0 && !(acct.max_consumers > 0 && acct.max_consumers < own)) {  // the stream's cap is the effective one
      w.level = limit_level::stream;
      w.source = limit_source::stream_config;
    }
    w.requested = 1;
    w.used = r.limitable_consumers;
    w.limit = maxc;
    return attach(std::move(w));
  }

  std::shared_ptr<state_t> st_;
};

/// A stream's reservation (docs/semantics.md#reserve-release): created by `account_handle::create_stream`,
/// it holds the stream's MaxBytes against the account tier and the server
/// budget. Move-only; destroying it deletes the stream from the engine
/// (releases its reservation) unless `release()` was called, also after the
/// account was disabled (nats-server keeps the reservation until a restart:
/// docs/semantics.md#diff-disabled-handle-release). Thread-safety: one thread per handle; the
/// engine calls it makes are thread-safe.
template <class T>
class [[nodiscard]] stream_reservation {
  using P = typename T::policy;
  using L = typename T::checker;
  using lock_t = std::unique_lock<typename P::mutex>;

 public:
  stream_reservation() noexcept = default;
  stream_reservation(stream_reservation&& o) noexcept
      : acct_(std::move(o.acct_)), rec_(std::move(o.rec_)), owns_(std::exchange(o.owns_, false)), created_(o.created_) {}
  stream_reservation& operator=(stream_reservation&& o) noexcept {
    if (this != &o) {
      reset();
      acct_ = std::move(o.acct_);
      rec_ = std::move(o.rec_);
      owns_ = std::exchange(o.owns_, false);
      created_ = o.created_;
    }
    return *this;
  }
  stream_reservation(const stream_reservation&) = delete;
  stream_reservation& operator=(const stream_reservation&) = delete;
  ~stream_reservation() { reset(); }

  /// True while the handle refers to a stream (also after the stream was
  /// deleted through `delete_stream`: see `deleted()`).
  explicit operator bool() const noexcept { return rec_ != nullptr; }
  /// True when the stream left the engine (`delete_stream`, or the owning
  /// handle was destroyed or reset): checks and updates answer 10059, usage
  /// calls do nothing (docs/semantics.md#stream-handle-lifetime).
  bool deleted() const noexcept { return rec_ != nullptr && rec_->deleted.load(std::memory_order_acquire); }
  /// False when create_stream returned an existing identical stream (docs/semantics.md#stream-create step 5).
  bool did_create() const noexcept { return created_; }
  /// True when destroying this handle deletes the stream.
  bool owns() const noexcept { return owns_; }
  /// The normalized accounting config.
  const stream_config& config() const noexcept { return rec_->cfg; }
  /// The stream tier (where usage goes), for hot paths.
  tier_ref<T> tier() const noexcept { return tier_ref<T>(rec_->tier.load()); }
  const account_handle<T>& account() const noexcept { return acct_; }

  /// Delete the stream now (release its reservation) if this handle owns it
  /// and it was not deleted already; forget it. Idempotent.
  void reset() noexcept {
    if (rec_ != nullptr && owns_ && acct_.st_ != nullptr) {
      auto& st = *acct_.st_;
      lock_t lk(st.mu);
      // Also after the account was disabled: the dying handle releases the server
      // reservation, which main keeps until a restart (docs/semantics.md#diff-disabled-handle-release).
      if (!rec_->deleted.load(std::memory_order_relaxed)) acct_.unregister_locked(*rec_);
      lk.unlock();
      acct_.soft_after_change_quiet();  // reservation and stream-count warnings may clear
    }
    rec_.reset();
    owns_ = false;
  }
  /// Keep the stream and its reservation in the engine and forget it here;
  /// delete it later with `account_handle::delete_stream(name)`. Returns the name.
  std::string release() noexcept {
    std::string n = rec_ ? rec_->cfg.name : std::string();
    if (rec_ != nullptr && owns_ && acct_.st_ != nullptr) {
      lock_t lk(acct_.st_->mu);
      // disable_account releases an engine-owned stream; after the disable nobody
      // could, so it leaves now (docs/semantics.md#diff-disabled-handle-release).
      if (!acct_.st_->removed.load())
        rec_->engine_owned = true;
      else if (!rec_->deleted.load(std::memory_order_relaxed))
        acct_.unregister_locked(*rec_);
    }
    owns_ = false;
    rec_.reset();
    return n;
  }

  /// docs/semantics.md#stream-update: update the accounting config (reservation diff, tier move).
  result<void> update(const stream_config& raw_new, const update_options& o = {}) {
    result<void> r;
    {
      lock_t lk(acct_.st_->mu);
      if (acct_.st_->removed) return errc::not_enabled_for_account;
      if (rec_->deleted.load(std::memory_order_relaxed)) return errc::stream_not_found;
      r = acct_.update_stream_locked(*rec_, raw_new, o);
    }
    if (!r) acct_.note_refusal(raw_new, r.error());
    acct_.soft_after_change();
    return r;
  }

  /// docs/semantics.md#max-consumers: create a consumer on this stream (10026 at the effective cap, 10120 without limits).
  result<void> add_consumer(const consumer_request& q) {
    result<void> r;
    {
      lock_t lk(acct_.st_->mu);
      if (acct_.st_->removed) return errc::not_enabled_for_account;
      if (rec_->deleted.load(std::memory_order_relaxed)) return errc::stream_not_found;
      r = acct_.add_consumer_locked(*rec_, q);
    }
    if (!r) acct_.count_stream_refusal(rec_->cfg, r.error().id());
    acct_.soft_after_change();
    return r;
  }
  /// A consumer of this stream was deleted (nothing once the stream was deleted).
  void remove_consumer(bool limitable = true) {
    lock_t lk(acct_.st_->mu);
    if (rec_->consumers == 0 || rec_->deleted.load(std::memory_order_relaxed)) return;
    rec_->consumers -= 1;
    if (limitable && rec_->limitable_consumers > 0) rec_->limitable_consumers -= 1;
    rec_->tier.load()->consumers -= 1;
    acct_.st_->consumers -= 1;
    lk.unlock();
    acct_.soft_after_change();
  }
  std::int64_t consumers() const noexcept { return rec_->consumers; }

  /// Stored bytes changed by `delta` (docs/semantics.md#update-usage, hot path).
  /// Holds the stream's short spin lock so a concurrent tier move (limits
  /// change) cannot strand the delta in the old tier.
  /// Does nothing once the stream was deleted.
  void add_usage(std::int64_t delta) noexcept {
    std::lock_guard g(rec_->usage_lock);
    if (rec_->deleted.load(std::memory_order_relaxed)) [[unlikely]]
      return;  // the delete holds usage_lock to set it: relaxed is enough
    acct_.update_usage(tier(), rec_->cfg.storage, delta);
    rec_->bytes.fetch_add(delta);  // atomic: wraps as the usage counters do (docs/semantics.md#update-usage)
  }
  /// Bytes recorded through add_usage (and add_message / remove_message).
  std::int64_t stored_bytes() const noexcept { return rec_->bytes.load(); }
  /// Messages recorded through add_message / remove_message (never below 0).
  std::uint64_t stored_msgs() const noexcept { return clamp_count(rec_->msgs.load()); }

  /// A message of these lengths was stored: adds its stored size for the stream's storage type
  /// (docs/semantics.md#message-sizes) as usage and one message to the totals the caps check reads
  /// (docs/semantics.md#stream-caps). Returns the stored size. Lock-free but for add_usage's spin lock.
  std::uint64_t add_message(msg_lengths m) noexcept {
    const std::uint64_t size = stored_size(m);
    if (rec_->deleted.load(std::memory_order_acquire)) [[unlikely]]
      return size;  // as add_usage: nothing once the stream was deleted
    add_usage(usage_delta(size));
    rec_->msgs.fetch_add(1);
    return size;
  }
  /// The inverse of add_message: a message of these lengths was removed (deleted, evicted, purged).
  std::uint64_t remove_message(msg_lengths m) noexcept {
    const std::uint64_t size = stored_size(m);
    if (rec_->deleted.load(std::memory_order_acquire)) [[unlikely]]
      return size;
    add_usage(-usage_delta(size));
    rec_->msgs.fetch_sub(1);
    return size;
  }
  /// The stored size of a message in this stream (memory or file store size).
  std::uint64_t stored_size(msg_lengths m) const noexcept {
    return rec_->cfg.storage == storage_type::memory ? mem_store_msg_size(m) : file_store_msg_size(m);
  }

  /// Publish check before storing a message of these lengths (docs/semantics.md#stream-caps):
  /// the stream's max_msg_size (10054), the server and account (docs/semantics.md#server-publish-check,
  /// docs/semantics.md#account-publish-check), then the stream's max_msgs and max_bytes with its discard
  /// policy (10077 with nats-server's text, or what to evict) against the totals recorded by
  /// add_message. Lock-free, allocation-free. `verdict == errc::none` when accepted.
  /// 10059 once the stream was deleted.
  publish_verdict check_publish(msg_lengths m) const noexcept { return check_publish_impl(m, std::nullopt); }
  /// As above, with the message's subject totals: max_msgs_per_subject is checked too.
  publish_verdict check_publish(msg_lengths m, subject_totals subject) const noexcept { return check_publish_impl(m, subject); }
  /// check_publish with the reason, built only on request (docs/explanations.md#fields):
  /// nullopt when the message would be accepted, else why not; the same checks
  /// in the same order (max_msg_size, server, account or tier, the stream's
  /// max_msgs / max_bytes under discard new). No event; allocates only for a refusal.
  std::optional<explanation> explain_publish(msg_lengths m) const {
    const stream_config& c = rec_->cfg;
    auto stream_why = [&](errc code) {  // built on a refusal only
      explanation w;
      w.code = code;
      w.level = limit_level::stream;
      w.source = limit_source::stream_config;
      w.account = acct_.name();
      w.stream = c.name;
      return w;
    };
    if (rec_->deleted.load(std::memory_order_acquire)) return stream_why(errc::stream_not_found);
    const int128 raw = static_cast<int128>(m.header) + m.payload;
    if (exceeds_max_msg_size(c.max_msg_size, m)) {
      explanation w = stream_why(errc::stream_message_exceeds_maximum);
      w.resource = limit_resource::message_size;
      w.requested = saturate_cast(raw);
      w.limit = c.max_msg_size;
      return w;
    }
    if (auto a = acct_.explain_publish(tier(), c.storage, c.replicas, m)) {
      a->stream = c.name;
      return a;
    }
    const stream_totals now{clamp_count(rec_->msgs.load()), clamp_count(rec_->bytes.load())};
    const publish_verdict v = check_stream_caps(c, now, m, std::nullopt, caps_rules);
    if (v.accepted()) return std::nullopt;
    explanation w = stream_why(v.error);
    w.tier = std::string(tier().name());
    if (v.text == err_max_msgs_text) {
      w.resource = limit_resource::stream_messages;
      w.requested = 1;
      w.used = saturate_cast(now.msgs);
      w.limit = c.max_msgs;
    } else {  // max_bytes: main counts the stored size, 2.9.10 header + payload
      w.resource = limit_resource::stream_bytes;
      w.requested = saturate_cast(caps_rules == stream_caps_rules::v2_9 ? raw : static_cast<int128>(stored_size(m)));
      w.used = saturate_cast(now.bytes);
      w.limit = c.max_bytes;
    }
    return w;
  }
  /// Account check after storing (2.9.10; none for main); 10059 once the stream was deleted.
  errc check_stored() const noexcept {
    if (rec_->deleted.load(std::memory_order_acquire)) [[unlikely]]
      return errc::stream_not_found;
    return acct_.check_stored(tier(), rec_->cfg.storage, rec_.get());
  }

 private:
  template <class>
  friend class account_handle;
  stream_reservation(account_handle<T> a, std::shared_ptr<detail::stream_record<P>> r, bool owns, bool created) noexcept
      : acct_(std::move(a)), rec_(std::move(r)), owns_(owns), created_(created) {}

  /// The checker's store comparisons (main for a custom checker without `caps_rules`).
  static constexpr stream_caps_rules caps_rules = [] {
    if constexpr (requires { L::caps_rules; }) return L::caps_rules;
    return stream_caps_rules::main;
  }();
  static constexpr std::uint64_t clamp_count(std::int64_t n) noexcept { return n > 0 ? static_cast<std::uint64_t>(n) : 0; }
  /// A stored size as a usage delta (a saturated size counts as INT64_MAX).
  static constexpr std::int64_t usage_delta(std::uint64_t size) noexcept {
    constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    return static_cast<std::int64_t>(size > max ? max : size);
  }
  publish_verdict check_publish_impl(msg_lengths m, std::optional<subject_totals> subject) const noexcept {
    if (rec_->deleted.load(std::memory_order_acquire)) [[unlikely]]
      return publish_verdict::refused(errc::stream_not_found);
    const stream_config& c = rec_->cfg;
    if (exceeds_max_msg_size(c.max_msg_size, m)) return publish_verdict::refused(errc::stream_message_exceeds_maximum);
    if (auto e = acct_.check_stream_publish(tier(), *rec_, m); e != errc::none) return publish_verdict::refused(e);
    const stream_totals now{clamp_count(rec_->msgs.load()), clamp_count(rec_->bytes.load())};
    return check_stream_caps(c, now, m, subject, caps_rules);
  }

  account_handle<T> acct_;
  std::shared_ptr<detail::stream_record<P>> rec_;  ///< shared with the engine and the stream's other handles
  bool owns_ = false;
  bool created_ = false;
};

// ------------------------------------------------------------------ out-of-line members

template <class T>
result<stream_reservation<T>> account_handle<T>::create_stream_impl(const stream_config& raw, const create_options& o) {
  lock_t lk(st_->mu);
  if (st_->removed) return errc::not_enabled_for_account;
  if (auto valid = check_stream_name(raw.name, detail::stream_name_rules_of<L>()); !valid) return valid.error();
  if (raw.replicas < 0)
    return errc::replicas_count_negative;  // invalid before any tier logic (docs/semantics.md#diff-negative-replicas)
  const auto& selector = st_->server->selector;
  // Step 2: pre-check on the raw request.
  if (o.raw_precheck) {
    const auto raw_bucket = selector.tier_of(raw);
    account_limits l;
    tier_t* e = nullptr;
    if (auto err = select_entry_locked(raw_bucket, l, e); err != errc::none)
      return why_no_limits(err, std::string_view(raw_bucket), raw);
    const std::string_view tier = e->name;
    if (l.max_streams > 0 && count_streams_locked(tier, raw, std::string_view(raw_bucket)) >= l.max_streams)
      return why_max_streams_locked(tier, raw, std::string_view(raw_bucket), l.max_streams);
    if (o.check_limits) {
      const std::int64_t res = tiered_reservation_locked(tier, raw, std::string_view(raw_bucket));
      if (auto err = check_limits_of(l, tier.empty(), charged_config(raw), o.check_server, res, 0); err != errc::none)
        return why_limits_locked(err, l, tier, charged_config(raw), o.check_server, res, 0, std::string_view(raw_bucket));
    }
  }
  // Step 3: normalization and the per-stream caps. The tier of the normalized
  // config and its limits are computed once for steps 3-8 (the limits cannot
  // change in between: the account lock is held).
  auto norm = normalize(raw);
  if (!norm) return norm.error();
  stream_config& c = *norm;
  const auto bucket = selector.tier_of(c);
  account_limits l;
  tier_t* t = nullptr;
  const errc selected = select_entry_locked(bucket, l, t);
  if (selected == errc::none) {
    const std::int64_t cap = c.storage == storage_type::memory ? l.memory_max_stream_bytes : l.store_max_stream_bytes;
    if (l.max_bytes_required && c.max_bytes <= 0) return why_max_bytes_locked(errc::stream_max_bytes_required, t->name, l, c);
    if (cap > 0 && c.max_bytes > cap) return why_max_bytes_locked(errc::stream_max_stream_bytes_exceeded, t->name, l, c);
  }
  // Step 4.
  if (st_->server->standalone && c.replicas > 1) return errc::stream_replicas_not_supported;
  // Step 5.
  if (auto it = st_->streams.find(c.name); it != st_->streams.end()) {
    if (o.same_as_existing) return stream_reservation<T>(*this, it->second, false, false);
    return errc::stream_name_exist;
  }
  // Steps 6-7.
  if (selected != errc::none) return why_no_limits(selected, std::string_view(bucket), c);
  const std::string_view tier = t->name;
  const int slot = reservation_slot(c.storage);
  const std::int64_t commit = charged(c.max_bytes) > 0 ? charged(c.max_bytes) : 0;  // what the charging policy reserves
  bool check_server = false;
  std::int64_t server_bytes = 0;
  if (o.check_limits) {
    const std::int64_t res = tiered_reservation_locked(tier, c, std::string_view(bucket));
    if (auto e = check_account_of(l, tier.empty(), charged_config(c), res, 0); e != errc::none)
      return why_limits_locked(e, l, tier, charged_config(c), false, res, 0, std::string_view(bucket));
    check_server = o.check_server;
    server_bytes = L::demand(tier.empty(), charged(c.max_bytes), c.replicas, 0).server;
  }
  // Everything that may allocate comes before the reservation: a failure
  // leaves nothing reserved. In steady state nothing allocates: the record's
  // memory and the map node are recycled, the bucket exists.
  detail::reservation_bucket& bk = bucket_locked(std::string_view(bucket));
  auto rec =
      std::allocate_shared<detail::stream_record<P>>(detail::pooled_allocator<detail::stream_record<P>>(&st_->record_blocks));
  rec->cfg = std::move(c);
  typename state_t::stream_map::node_type node;
  if (st_->spare_node) node = std::move(st_->spare_node);
  // Step 8: reserve (server check and commit in one CAS), then register (no failure from here on).
  if (auto e = reserve_server(slot, check_server, server_bytes, commit); e != errc::none) {
    if (node) st_->spare_node = std::move(node);
    return why_server_locked(e, rec->cfg, server_bytes);
  }
  rec->bucket = &bk;
  t->pinned = true;  // a stream keeps its address
  rec->tier.store(t);
  t->streams += 1;
  bucket_add(*rec, +1);
  if (node) {
    node.key() = rec->cfg.name;
    node.mapped() = rec;
    st_->streams.insert(std::move(node));
  } else {
    st_->streams.emplace(std::string_view(rec->cfg.name), rec);
  }
  return stream_reservation<T>(*this, std::move(rec), true, true);
}

template <class T>
result<void> account_handle<T>::delete_stream(std::string_view name) {
  lock_t lk(st_->mu);
  if (st_->removed) return errc::not_enabled_for_account;
  auto it = st_->streams.find(name);
  if (it == st_->streams.end()) return errc::stream_not_found;
  unregister_locked(*it->second);
  lk.unlock();
  soft_after_change();
  return {};
}

template <class T>
result<void> account_handle<T>::update_stream_locked(detail::stream_record<P>& r, const stream_config& raw,
                                                     const update_options& o) {
  auto norm = normalize(raw);
  if (!norm) return norm.error();
  stream_config c = *norm;
  c.name = r.cfg.name;
  if (auto e = check_max_bytes_locked(c); e != errc::none) return why_max_bytes_of_locked(e, c);
  if (L::refuse_replicas_on_update && st_->server->standalone && c.replicas > 1) return errc::stream_replicas_not_supported;
  const stream_config old = r.cfg;
  auto sel = select_locked(c);
  if (!sel && L::update_falls_back_to_old_tier && old.replicas != c.replicas) sel = select_locked(old);
  if (!sel) return why_no_limits(sel.error().id(), bucket_of(c), c);
  const update_plan plan = L::plan_update(sel->untiered(), charged_config(old), charged_config(c));
  detail::reservation_bucket& new_bucket = bucket_locked(bucket_of(c));  // before anything is reserved: it may allocate
  const int slot = reservation_slot(c.storage);
  const int old_slot = reservation_slot(old.storage);
  if (o.check_limits) {
    const std::int64_t others = tiered_reservation_locked(sel->tier, c);
    const std::int64_t reserved = L::combine(others, plan.own_reserved);
    stream_config probe = c;
    probe.max_bytes = plan.add_bytes;
    if (auto e = check_account_locked(*sel, probe, reserved, plan.offset); e != errc::none)
      return why_limits_locked(e, sel->limits, sel->tier, probe, false, reserved, plan.offset, bucket_of(c), plan.own_reserved);
  }
  // Server: check the growth and commit the reservation change in one step.
  const bool check_server = o.check_limits && o.check_server;
  const std::int64_t server_bytes = L::demand(sel->untiered(), plan.add_bytes, c.replicas, plan.offset).server;
  if (slot == old_slot) {
    if (auto e = reserve_server(slot, check_server, server_bytes, plan.reserve_delta); e != errc::none)
      return why_server_locked(e, c, server_bytes);
  } else {  // storage changed: the old reservation leaves one budget, the new one enters the other
    const std::int64_t add = std::max<std::int64_t>(charged(c.max_bytes), 0);
    if (auto e = reserve_server(slot, check_server, add, add); e != errc::none) return why_server_locked(e, c, add);
    if (const std::int64_t release = charged(old.max_bytes); old_slot >= 0 && release > 0)
      st_->server->reserved[static_cast<std::size_t>(old_slot)].add(-release);
  }
  // Apply: bucket membership follows the new config.
  bucket_add(r, -1);
  r.cfg = c;
  r.bucket = &new_bucket;
  bucket_add(r, +1);
  // Tier move (docs/semantics.md#tier-move): on every applied update, if the replica tier has limits and differs.
  const std::string target = bucket_of(c);
  tier_t* const was = r.tier.load();
  if (target != r.tier.load()->name && st_->limited_tier(target) != nullptr) retier_locked(r, st_->tier(target), o.stored_bytes);
  if (r.kept.load(std::memory_order_relaxed) >= 0) detail::shrink_kept(*st_, r, old, was);  // keep_existing's allowance shrinks
  return {};
}

template <class T>
void account_handle<T>::retier_locked(detail::stream_record<P>& r, tier_t* to, std::optional<std::int64_t> bytes) {
  std::lock_guard g(r.usage_lock);  // no usage update of this stream runs while it changes tier
  tier_t* cur = r.tier.load();
  move_usage(*cur, *to, r.cfg.storage, bytes.value_or(r.bytes.load()));
  cur->streams -= 1;
  cur->consumers -= r.consumers;
  to->streams += 1;
  to->consumers += r.consumers;
  r.tier.store(to);
}

template <class T>
void account_handle<T>::rekey_locked() {
  for (auto& [name, rec] : st_->streams) {
    auto sel = select_locked(rec->cfg);
    if (!sel || rec->tier.load()->name == sel->tier) continue;  // no tier applies (publishes get 10120), or unchanged
    retier_locked(*rec, st_->tier(sel->tier), std::nullopt);
  }
}

template <class T>
result<void> account_handle<T>::add_consumer_locked(detail::stream_record<P>& r, const consumer_request& q) {
  if (!q.is_update) {
    account_limits acct{};
    if constexpr (L::check_before_store) {  // main: limits of the consumer's own tier
      stream_config probe = r.cfg;
      probe.replicas = q.replicas;
      auto sel = select_locked(probe);
      if (!sel) return why_no_limits(sel.error().id(), bucket_of(probe), r.cfg);
      acct = sel->limits;
    } else {  // 2.9.10: the stream's limits, one combined cap
      acct = r.tier.load()->limits.load();
    }
    std::int64_t maxc = r.cfg.max_consumers;
    if (maxc <= 0 || (acct.max_consumers > 0 && acct.max_consumers < maxc)) maxc = acct.max_consumers;
    if (q.limitable && maxc > 0 && r.limitable_consumers >= maxc) return why_consumers_locked(r, q, acct, maxc);
    r.consumers += 1;
    if (q.limitable) r.limitable_consumers += 1;
    r.tier.load()->consumers += 1;
    st_->consumers += 1;
  }
  return {};
}

template <class T>
account_stats account_handle<T>::usage() const {
  lock_t lk(st_->mu);
  account_stats s;
  s.domain = st_->server->domain;
  s.api.level = L::api_level;
  s.api.total = static_cast<std::uint64_t>(st_->api_total.load()) + (st_->cluster ? st_->cluster->remote_api : 0);
  s.api.errors = static_cast<std::uint64_t>(st_->api_errors.load()) + (st_->cluster ? st_->cluster->remote_errors : 0);
  for (const auto& e : st_->tiers) {
    s.memory += static_cast<std::uint64_t>(e->total(0));
    s.store += static_cast<std::uint64_t>(e->total(1));
  }
  auto reserved = [&](std::string_view t, tier_stats& into) {
    if constexpr (L::report_reserved) {
      const auto [m, f] = reserved_storage_locked(t);
      into.reserved_memory = m;
      into.reserved_store = f;
    }
  };
  reserved("", s);
  s.streams = static_cast<std::int64_t>(st_->streams.size());
  s.consumers = st_->consumers;
  if (const tier_t* u = st_->untiered_tier()) {
    s.limits = u->limits.load();
    return s;
  }
  // Tiered (docs/semantics.md#account-usage-snapshot step 5), reproducing the count-gated insertion of configured tiers.
  std::size_t usage_entries = 0, skipped = 0;
  for (const auto& e : st_->tiers) {
    if (e->has_usage.load() == 0) continue;
    ++usage_entries;
    const bool zero = e->local[0].load() == 0 && e->local[1].load() == 0 && e->total(0) == 0 && e->total(1) == 0;
    if (e->has_limits.load() == 0 && zero) {
      ++skipped;
      continue;
    }
    tier_stats& t = s.tiers[e->name];
    t.memory = static_cast<std::uint64_t>(e->total(0));
    t.store = static_cast<std::uint64_t>(e->total(1));
    t.limits = e->limits.load();
    reserved(e->name, t);
  }
  if (st_->limited_tiers != usage_entries - skipped) {
    for (const auto& e : st_->tiers) {
      if (e->has_limits.load() == 0 || s.tiers.count(e->name) != 0) continue;
      tier_stats& t = s.tiers[e->name];
      t.limits = e->limits.load();
      reserved(e->name, t);
    }
  }
  for (const auto& e : st_->tiers) {
    if (e->streams == 0 && e->consumers == 0) continue;
    tier_stats& t = s.tiers[e->name];  // created with zero values if needed
    t.streams += e->streams;
    t.consumers += e->consumers;
  }
  return s;
}

}  // namespace jsacct
