// SPDX-License-Identifier: Apache-2.0
/// \file
/// Cluster usage exchange without I/O (docs/semantics.md#api-counters, docs/semantics.md#aru-sending,
/// docs/semantics.md#aru-merge): merging a received `$JSC.ARU.<account>.<node>` message into an account
/// (`apply_usage_update`, nats-server main's `remoteUpdateUsage`), and the
/// sending side (`usage_publisher`: the 250 ms throttle of
/// `sendClusterUsageUpdate` and the 1.5 s `usageTick`) with an injected clock.
/// The library never logs: warnings are returned to the caller. A transport
/// (e.g. jsacct/transport/nats_usage_sync.hpp) moves the bytes.
#pragma once

#include "jsacct/config.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "jsacct/detail/arith.hpp"
#include "jsacct/engine/account.hpp"
#include "jsacct/wire/remote_tier_caps.hpp"
#include "jsacct/wire/usage_update.hpp"

namespace jsacct {

// ---------------------------------------------------------------------------
// Receiving (docs/semantics.md#aru-merge)
// ---------------------------------------------------------------------------

/// What `apply_usage_update` did with one message.
enum class remote_usage_outcome : std::uint8_t {
  applied,               ///< multi-tier form, every declared record merged, API counters replaced
  applied_legacy,        ///< 32..43-byte legacy form: untiered tier and API counters replaced
  applied_truncated,     ///< declared records missing (< 24 bytes left): the present ones and the API counters applied
  corrupt_extra_record,  ///< records before the corrupt one merged, API counters untouched (warning)
  corrupt_first_record,  ///< nothing merged (warning); the node's entry exists nonetheless
  too_short,             ///< fewer than 32 bytes: ignored (warning)
  no_remote_node,        ///< no node id in the subject: ignored (warning)
  account_disabled,      ///< the account is gone: ignored (jsacct only; main unsubscribes on delete)
  dropped_out_of_order,  ///< a sequenced update not newer than the last applied one of its sender instance: ignored
  dropped_removed_node,  ///< from a node remove_node removed recently (an update still in flight): ignored
};

/// nats-server main's warning text for `o`, or "" when main logs nothing.
constexpr std::string_view warning_text(remote_usage_outcome o) noexcept {
  switch (o) {
    case remote_usage_outcome::too_short:
      return warning_text(usage_update_status::too_short);
    case remote_usage_outcome::no_remote_node:
      return usage_update_no_node_warning;
    case remote_usage_outcome::corrupt_first_record:
      return warning_text(usage_update_status::corrupt_first_record);
    case remote_usage_outcome::corrupt_extra_record:
      return warning_text(usage_update_status::corrupt_extra_record);
    default:
      return "";
  }
}

/// Short name of `o` ("applied", "too_short", ...), for logs and test output.
constexpr std::string_view to_string(remote_usage_outcome o) noexcept {
  switch (o) {
    case remote_usage_outcome::applied:
      return "applied";
    case remote_usage_outcome::applied_legacy:
      return "applied_legacy";
    case remote_usage_outcome::applied_truncated:
      return "applied_truncated";
    case remote_usage_outcome::corrupt_extra_record:
      return "corrupt_extra_record";
    case remote_usage_outcome::corrupt_first_record:
      return "corrupt_first_record";
    case remote_usage_outcome::too_short:
      return "too_short";
    case remote_usage_outcome::no_remote_node:
      return "no_remote_node";
    case remote_usage_outcome::account_disabled:
      return "account_disabled";
    case remote_usage_outcome::dropped_out_of_order:
      return "dropped_out_of_order";
    case remote_usage_outcome::dropped_removed_node:
      return "dropped_removed_node";
    default:
      return "unknown";
  }
}

/// The result of `apply_usage_update`.
struct remote_usage_result {
  remote_usage_outcome outcome = remote_usage_outcome::too_short;
  std::string_view node;          ///< the sender's node id (points into the subject; empty if none)
  std::size_t tiers_merged = 0;   ///< records merged into the account
  std::size_t tiers_refused = 0;  ///< records refused by the engine's remote_tier_caps (not merged)
  bool api_applied = false;       ///< the node's API counters were replaced

  /// main's warning text ("" when none): the caller decides whether and how to log it.
  constexpr std::string_view warning() const noexcept { return warning_text(outcome); }
  /// True when main logs no warning for the message (something was applied).
  constexpr bool ok() const noexcept {
    return outcome == remote_usage_outcome::applied || outcome == remote_usage_outcome::applied_legacy ||
           outcome == remote_usage_outcome::applied_truncated;
  }
};

/// Where a received update stands in its sender's stream of updates
/// (docs/cluster.md#ordering). nats-server sends no sequence: its updates are
/// applied in arrival order. A transport that can tell the order (its own
/// per-sender counter, or a sequence the sender attached) passes it here, and
/// an update that is not newer than the last applied one of its sender (an
/// older instance, or the same instance and a sequence not above the last) is
/// dropped: duplicates and reordered updates change nothing.
struct remote_update_info {
  /// The sender's sequence of this update, increasing per sender instance;
  /// unset: apply in arrival order (what nats-server does).
  std::optional<std::uint64_t> sequence{};
  /// One run of the sender, increasing with each restart (e.g. its start
  /// time in nanoseconds): a restarted sender starts a new sequence, and a
  /// late update of an earlier run is dropped.
  std::uint64_t instance = 0;
};

namespace detail {

/// The body of apply_usage_update once the node id is known (`node`, not
/// empty): `entry(st)` finds or creates the node's entry (caller holds the
/// account mutex). One lock for the whole message.
template <class T, class Entry>
remote_usage_result merge_usage_update(account_handle<T>& acct, std::string_view node, std::span<const std::byte> msg,
                                       const remote_update_info& info, Entry&& entry) {
  remote_usage_result r;
  r.node = node;
  const usage_update_view v = decode_usage_update(msg);  // steps 4, 5, 7 (validation)
  auto& st = *account_access::state(acct);
  std::string_view first_refused;
  {
    std::unique_lock lk(st.mu);
    if (st.ignore_removed(r.node, info.sequence.has_value(), info.instance)) {  // docs/cluster.md#merge-rules
      r.outcome = remote_usage_outcome::dropped_removed_node;
      return r;
    }
    auto& rn = entry(st);  // step 3: the entry exists even if the body is corrupt
    st.heard_from(rn);     // any message is a sign of life for the expiry sweep, and ends a stale state (peer_expiry.hpp)
    if (info.sequence) {   // docs/cluster.md#ordering
      if (rn.has_sequence && (info.instance < rn.instance || (info.instance == rn.instance && *info.sequence <= rn.sequence))) {
        r.outcome = remote_usage_outcome::dropped_out_of_order;
        return r;
      }
      // Recorded only for an update whose body is valid enough to apply
      // something: a corrupt newer update must not hide a valid older one.
      if (v.status() != usage_update_status::corrupt_first_record) {
        rn.has_sequence = true;
        rn.instance = info.instance;
        rn.sequence = *info.sequence;
      }
    }
    auto& cs = *st.cluster;
    const remote_tier_caps caps = st.server->remote_caps();
    std::size_t slot = 0;                // record i is looked for at the node's slot i first
    for (const usage_record& rec : v) {  // steps 6, 7 (merge)
      const auto m = st.merge_remote(rn, rec.name, rec.mem, rec.store, caps, slot++);
      if (m == remote_merge::refused_node_cap || m == remote_merge::refused_account_cap) {
        if (r.tiers_refused++ == 0) first_refused = rec.name;
      } else {
        ++r.tiers_merged;
      }
    }
    cs.remote_tiers_refused += r.tiers_refused;
    if (v.applies_api()) {  // step 8 (unsigned wrap-around, as main)
      cs.remote_api = cs.remote_api - rn.api + v.api();
      cs.remote_errors = cs.remote_errors - rn.errors + v.errors();
      rn.api = v.api();
      rn.errors = v.errors();
      r.api_applied = true;
    }
  }
  if (r.tiers_refused != 0) st.note_remote_refusal(r.node, first_refused, r.tiers_refused, v.size());
  switch (v.status()) {
    case usage_update_status::complete:
      r.outcome = remote_usage_outcome::applied;
      break;
    case usage_update_status::legacy:
      r.outcome = remote_usage_outcome::applied_legacy;
      break;
    case usage_update_status::truncated:
      r.outcome = remote_usage_outcome::applied_truncated;
      break;
    case usage_update_status::corrupt_extra_record:
      r.outcome = remote_usage_outcome::corrupt_extra_record;
      break;
    case usage_update_status::corrupt_first_record:
      r.outcome = remote_usage_outcome::corrupt_first_record;
      break;
    case usage_update_status::too_short:
      r.outcome = remote_usage_outcome::too_short;
      break;
  }
  return r;
}

}  // namespace detail

/// nats-server main's `remoteUpdateUsage` (docs/semantics.md#aru-merge) for one message received
/// on `subject` (`$JSC.ARU.<account>.<node>`): size guard (32 bytes), node id
/// from the subject (text after the last `.`), the node's entry created, then
/// each valid record *replaces* that node's contribution to its tier
/// (account_handle::apply_remote_usage: never accumulates; omitted tiers keep
/// their value), and the node's API counters are replaced only when the whole
/// message was valid enough (usage_update_view::applies_api). Local usage and
/// the server's used bytes are never touched. Thread-safe with a concurrent
/// engine policy; messages from one node should be applied in arrival order.
///
/// jsacct's bounds (docs/cluster.md#bounds): a zero record
/// drops the node's contribution to that tier, and the tier itself when
/// nothing else keeps it; records for new tiers beyond the engine's
/// remote_tier_caps are refused (`tiers_refused`, one `remote_tiers_refused`
/// event per message). The account lock is taken once per message and the
/// node is looked up by name once; each record is found among the node's
/// shares without hashing (a new one costs a tier lookup). The overload
/// taking a peer_handle skips the node lookup too.
template <class T>
remote_usage_result apply_usage_update(account_handle<T>& acct, std::string_view subject, std::span<const std::byte> msg,
                                       const remote_update_info& info = {}) {
  remote_usage_result r;
  if (!acct.enabled()) {
    r.outcome = remote_usage_outcome::account_disabled;
    return r;
  }
  if (msg.size() < usage_update_min_size) {  // step 1
    r.outcome = remote_usage_outcome::too_short;
    return r;
  }
  const auto node = node_id_from_subject(subject);  // step 2
  if (!node) {
    r.outcome = remote_usage_outcome::no_remote_node;
    return r;
  }
  return detail::merge_usage_update(
      acct, *node, msg, info, [node](detail::account_state<T> & st) -> auto& { return st.remote_entry(*node); });
}

/// apply_usage_update for a message from the node of `peer`
/// (docs/cluster.md#peer-handles): the same rules and outcomes, the node taken
/// from the handle instead of the subject (an empty node id is
/// `no_remote_node`), and its entry from the handle's cached slot: no lookup
/// by name after the first message, unless a node of the account left since
/// (expiry, remove_node) or the handle was last used with another account.
/// `result.node` views the handle's node id.
template <class T>
remote_usage_result apply_usage_update(account_handle<T>& acct, peer_handle<T>& peer, std::span<const std::byte> msg,
                                       const remote_update_info& info = {}) {
  remote_usage_result r;
  if (!acct.enabled()) {
    r.outcome = remote_usage_outcome::account_disabled;
    return r;
  }
  if (msg.size() < usage_update_min_size) {
    r.outcome = remote_usage_outcome::too_short;
    return r;
  }
  if (peer.node().empty()) {
    r.outcome = remote_usage_outcome::no_remote_node;
    return r;
  }
  auto& cache = detail::account_access::peer_cache(peer);
  return detail::merge_usage_update(
      acct, peer.node(), msg, info,
      [&peer, &cache ](detail::account_state<T> & st) -> auto& { return st.peer_entry(peer.node(), cache); });
}

/// The peer_handle overload for a payload held as characters.
template <class T>
remote_usage_result apply_usage_update(account_handle<T>& acct, peer_handle<T>& peer, std::string_view msg,
                                       const remote_update_info& info = {}) {
  return apply_usage_update(acct, peer, std::as_bytes(std::span<const char>(msg.data(), msg.size())), info);
}

/// Convenience overload for a payload held as characters (e.g. a NATS message body).
template <class T>
remote_usage_result apply_usage_update(account_handle<T>& acct, std::string_view subject, std::string_view msg,
                                       const remote_update_info& info = {}) {
  return apply_usage_update(acct, subject, std::as_bytes(std::span<const char>(msg.data(), msg.size())), info);
}

/// How `remove_node` treats the removed node's later updates.
struct node_removal_options {
  /// Its `$JSC.ARU` updates are ignored (`dropped_removed_node`) until this
  /// many expiry sweeps (sweep_remote_usage) passed: an update still in flight
  /// when the node was removed cannot bring its usage back. A sequenced update
  /// from a newer sender instance (docs/cluster.md#ordering) is accepted at
  /// once: the node restarted and rejoined. 0 accepts every later update.
  std::uint32_t ignore_updates_for_sweeps = 2;
  friend bool operator==(const node_removal_options&, const node_removal_options&) = default;
};

/// The embedder says `node` left the cluster: subtract everything it reported
/// (its per-tier contributions, API counters and declared reservations) and
/// release the tiers that only it kept; its updates still in flight are
/// ignored for `opts.ignore_updates_for_sweeps` sweeps. nats-server never does
/// this (remote entries live as long as the account); it is jsacct's
/// addition. Costs O(tiers the node reported).
template <class T>
void remove_node(account_handle<T>& acct, std::string_view node, const node_removal_options& opts = {}) {
  acct.remove_remote_node(node, opts.ignore_updates_for_sweeps);
}

// ---------------------------------------------------------------------------
// Sending (docs/semantics.md#aru-sending)
// ---------------------------------------------------------------------------

/// nats-server's `minUsageUpdateWindow`: sends closer together than this are suppressed.
inline constexpr std::chrono::milliseconds usage_update_min_window{250};
/// nats-server's `usageTick`: the periodic re-send.
inline constexpr std::chrono::milliseconds usage_update_tick{1500};

/// The clock a usage_publisher reads (tests inject a fake one).
using usage_clock = std::function<std::chrono::steady_clock::time_point()>;

namespace detail {

// The publisher's time arithmetic is exact for any clock reading and any
// option, so an injected clock may jump between time_point::min() and max()
// (plain chrono arithmetic would overflow int64 there: undefined behavior).
using usage_time = std::chrono::steady_clock::time_point;
using usage_duration = std::chrono::steady_clock::duration;
static_assert(sizeof(usage_duration::rep) <= sizeof(std::int64_t) && std::is_signed_v<usage_duration::rep>);

/// `now - last < window`, with the difference taken exactly (Go's Time.Sub
/// saturates instead; both give the same answer for every window).
constexpr bool within_window(usage_time now, usage_time last, usage_duration window) noexcept {
  return static_cast<int128>(now.time_since_epoch().count()) - last.time_since_epoch().count() < window.count();
}

/// `t + d`, saturating at time_point::min() / max().
constexpr usage_time saturating_add(usage_time t, usage_duration d) noexcept {
  return usage_time(usage_duration(saturate_cast(static_cast<int128>(t.time_since_epoch().count()) + d.count())));
}

}  // namespace detail

/// How a usage_publisher behaves.
struct usage_publisher_options {
  /// False models nats-server main in plain standalone mode: the publish
  /// subject is empty, so the throttle state still advances but nothing is
  /// ever sent. (2.9.10 publishes even standalone.)
  bool publish = true;
  std::chrono::steady_clock::duration min_window = usage_update_min_window;
  std::chrono::steady_clock::duration tick = usage_update_tick;
};

/// The sending side of the exchange for one account on one node: produces
/// the bytes to publish on `subject()` (this node's *local* usage per tier and
/// its own API counters, docs/semantics.md#aru-layout), following `sendClusterUsageUpdate`:
///
/// * `trigger(out)`: called after a usage change or an API response. If less
///   than 250 ms passed since the last attempt, nothing is produced and
///   nothing is scheduled (no trailing send: the periodic tick picks the
///   change up). Otherwise the attempt time is recorded — even if the account
///   has no usage tier, in which case nothing is produced either.
/// * `tick(out)`: the periodic timer; due every 1.5 s from construction
///   (re-armed 1.5 s after each firing), it then makes a `trigger` (so it is
///   throttled too). `next_tick()` tells a timer thread when to call it.
///
/// Any clock reading and any option value is defined: the throttle compares
/// exact differences (a clock that goes back throttles, as Go's time.Since
/// would) and `next_tick()` saturates at the ends of the time_point range.
///
/// No I/O. Thread-safe (an internal mutex; the account calls are thread-safe
/// with a concurrent engine policy). Outputs go to any usage_update_buffer
/// (std::vector<std::byte>, std::string, ...), reused without allocating once large enough.
template <class T>
class usage_publisher {
 public:
  using clock_type = std::chrono::steady_clock;
  using time_point = clock_type::time_point;

  /// `node` is this node's id (jsacct::node_id(server_name)); `clock` defaults to steady_clock::now.
  usage_publisher(account_handle<T> acct, std::string_view node, usage_clock clock = {}, usage_publisher_options opts = {})
      : acct_(std::move(acct)),
        clock_(clock ? std::move(clock) : usage_clock([] { return clock_type::now(); })),
        opts_(opts),
        subject_(opts.publish ? usage_update_subject(acct_.name(), node) : std::string()),
        next_tick_(detail::saturating_add(clock_(), opts_.tick)) {}

  /// `$JSC.ARU.<account>.<node>`, or "" when not publishing (main standalone).
  const std::string& subject() const noexcept { return subject_; }
  const account_handle<T>& account() const noexcept { return acct_; }

  /// `sendClusterUsageUpdate`: true when `out` now holds an update to publish
  /// on subject(); false (and `out` untouched) when throttled, when the
  /// account has no usage tier, when not publishing or when the account is gone.
  template <class Buffer>
  requires usage_update_buffer<Buffer>
  bool trigger(Buffer& out) {
    std::lock_guard lk(mu_);
    return trigger_locked(out, clock_());
  }

  /// The periodic timer: when due (now >= next_tick()), re-arm it one tick
  /// later and make a throttled trigger. True when `out` holds an update.
  template <class Buffer>
  requires usage_update_buffer<Buffer>
  bool tick(Buffer& out) {
    std::lock_guard lk(mu_);
    const time_point now = clock_();
    if (now < next_tick_) return false;
    next_tick_ = detail::saturating_add(now, opts_.tick);
    return trigger_locked(out, now);
  }

  /// When the periodic timer fires next.
  time_point next_tick() const {
    std::lock_guard lk(mu_);
    return next_tick_;
  }
  /// The last attempt (the throttle's reference), if any.
  std::optional<time_point> last_update() const {
    std::lock_guard lk(mu_);
    return lupdate_;
  }
  /// Number of updates produced so far.
  std::uint64_t sent() const {
    std::lock_guard lk(mu_);
    return sent_;
  }

 private:
  template <class Buffer>
  bool trigger_locked(Buffer& out, time_point now) {
    if (lupdate_ && detail::within_window(now, *lupdate_, opts_.min_window)) return false;  // step 1: no trailing send
    lupdate_ = now;                                                                         // step 2: even if nothing follows
    if (!opts_.publish || !acct_.enabled()) return false;
    records_.clear();
    acct_.for_each_local_usage([&](std::string_view tier, std::int64_t mem, std::int64_t store) {
      records_.push_back(usage_record{tier, mem, store});  // names live as long as the account
    });
    if (records_.empty()) return false;  // step 3
    const auto [api, errors] = acct_.local_api();
    encode_usage_update(api, errors, records_, out);  // step 4
    ++sent_;
    return true;
  }

  account_handle<T> acct_;
  usage_clock clock_;
  usage_publisher_options opts_;
  std::string subject_;
  mutable std::mutex mu_;
  std::optional<time_point> lupdate_;
  time_point next_tick_;
  std::vector<usage_record> records_;
  std::uint64_t sent_ = 0;
};

}  // namespace jsacct
