// SPDX-License-Identifier: Apache-2.0
/// \file
/// `basic_engine`: one server's JetStream accounting (Go `jetStream`): the
/// server budget, the account registry with admission (sufficientResources),
/// limit updates (diffCheckedLimits), server-level checks and stats.
#pragma once

#include "jsacct/config.hpp"

#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <range/v3/range/conversion.hpp>
#include <range/v3/view/map.hpp>
#include <range/v3/view/transform.hpp>

#include "jsacct/charging/charging_policies.hpp"
#include "jsacct/check/main_limits.hpp"
#include "jsacct/check/v29_limits.hpp"
#include "jsacct/engine/account.hpp"
#include "jsacct/engine/limit_change.hpp"
#include "jsacct/engine/state.hpp"
#include "jsacct/engine/views.hpp"
#include "jsacct/explanation.hpp"
#include "jsacct/usage/counters.hpp"

namespace jsacct {

/// Whether the server runs alone or in a cluster (or supercluster). Only a
/// standalone server checks sufficientResources and refuses replicas > 1
/// (docs/semantics.md#sufficient-resources); a clustered one leaves both to the
/// meta leader and keeps R3 tiers.
enum class deployment : std::uint8_t {
  standalone,  ///< no cluster and no gateway (the default)
  clustered,   ///< a cluster or gateway is configured
};

/// How an engine is run. Designated-initializer friendly:
/// `engine js(cfg, {.mode = deployment::clustered});`
struct engine_options {
  deployment mode = deployment::standalone;
  friend bool operator==(const engine_options&, const engine_options&) = default;
};

/// The policy bundle an engine is built from.
template <limit_checker L, tier_selector S, counter_policy P, charging_policy C = upfront>
struct engine_traits {
  using checker = L;
  using selector = S;
  using policy = P;
  using charging = C;  ///< how much of a stream's max_bytes is reserved (docs/reservation-charging.md)
};

/// docs/semantics.md#diff-checked-limits `diffCheckedLimits(a = old, b = new)`: per-tier deltas of
/// MaxMemory and MaxStore (a missing tier counts as zero); other fields zero.
/// `operand` maps each raw value first (identity for 2.9.10/main literal; jsacct
/// main clamps -1 to 0, docs/semantics.md#diff-limit-update-clamp).
template <class Operand>
limits_map diff_checked_limits(const limits_map& a, const limits_map& b, Operand operand) {
  limits_map d;
  for (const auto& [t, old] : a) {
    account_limits x = zero_account_limits;
    const auto it = b.find(t);
    const account_limits now = it == b.end() ? zero_account_limits : it->second;
    x.max_memory = wrap_sub(operand(now.max_memory), operand(old.max_memory));
    x.max_store = wrap_sub(operand(now.max_store), operand(old.max_store));
    d.emplace(t, x);
  }
  for (const auto& [t, now] : b) {
    if (a.count(t) != 0) continue;
    account_limits x = zero_account_limits;
    x.max_memory = operand(now.max_memory);
    x.max_store = operand(now.max_store);
    d.emplace(t, x);
  }
  return d;
}

/// One server's JetStream accounting engine.
///
/// \tparam L limit checker (main_limits by default, v29_limits for 2.9.10)
/// \tparam S tier selector (the checker's replica tiers by default)
/// \tparam P counter policy (atomic_counters: thread-safe; plain_counters: one thread)
/// \tparam C reservation charging (upfront: max_bytes in full, as nats-server; on_use;
/// fraction<N>; docs/reservation-charging.md)
///
/// Thread-safety: with atomic_counters every member is safe to call
/// concurrently; with plain_counters, one thread at a time.
template <limit_checker L = main_limits, tier_selector S = typename L::default_tiers, counter_policy P = atomic_counters,
          charging_policy C = upfront>
class basic_engine {
 public:
  using traits = engine_traits<L, S, P, C>;
  using checker = L;
  using selector = S;
  using policy = P;
  using charging = C;
  using account = account_handle<traits>;
  using reservation = stream_reservation<traits>;
  using tier = tier_ref<traits>;
  using peer = peer_handle<traits>;  ///< a peer node's cached slot (docs/cluster.md#peer-handles)

  /// \param config server JetStream config; only max_memory, max_store and domain are read
  /// \param options deployment mode (standalone by default; sufficientResources
  /// only applies standalone, docs/semantics.md#sufficient-resources)
  /// \param sel the tier selector
  explicit basic_engine(const jetstream_config& config, engine_options options = {}, S sel = {})
      : srv_(std::make_shared<detail::server_state<traits>>()), config_(config), options_(options) {
    srv_->max[0].store(config.max_memory);
    srv_->max[1].store(config.max_store);
    srv_->standalone = options.mode == deployment::standalone;
    srv_->domain = config.domain;
    srv_->selector = std::move(sel);
  }
  /// 0.1's positional flag (true = standalone). Removed in 0.3. A template on
  /// exactly `bool`, so `basic_engine(cfg, {}, sel)` still means engine_options{}.
  template <std::same_as<bool> B>
  [[deprecated("use basic_engine(config, {.mode = deployment::standalone or clustered})")]] basic_engine(
      const jetstream_config& config, B standalone, S sel = {})
      : basic_engine(config, engine_options{standalone ? deployment::standalone : deployment::clustered}, std::move(sel)) {}
  basic_engine(const basic_engine&) = delete;
  basic_engine& operator=(const basic_engine&) = delete;
  /// Handles that outlive the engine see their accounts disabled (10039).
  ~basic_engine() {
    std::lock_guard lk(reg_mu_);
    for (auto& [_, st] : accounts_) {
      std::lock_guard alk(st->mu);
      st->removed.store(true);
    }
  }

  // ---------------------------------------------------------------- server

  /// The config given at construction, with the current max_memory/max_store.
  jetstream_config config() const {
    jetstream_config c = config_;
    c.max_memory = srv_->max[0].load();
    c.max_store = srv_->max[1].load();
    return c;
  }
  /// The options given at construction.
  engine_options options() const noexcept { return options_; }
  bool standalone() const noexcept { return options_.mode == deployment::standalone; }
  /// New server capacity (a config reload; the facade enforces who may change it).
  void set_server_limits(std::int64_t max_memory, std::int64_t max_store) noexcept {
    srv_->max[0].store(max_memory);
    srv_->max[1].store(max_store);
  }
  /// Caps on the tiers peers' `$JSC.ARU` updates may make an account keep
  /// (remote_tier_caps; defaults 256 per node, 1024 per account). May be
  /// changed at any time: it applies to the records merged after the call.
  void set_remote_tier_caps(const remote_tier_caps& caps) noexcept {
    srv_->remote_per_node.store(caps.per_node, std::memory_order_relaxed);
    srv_->remote_per_account.store(caps.per_account, std::memory_order_relaxed);
  }
  remote_tier_caps remote_caps() const noexcept { return srv_->remote_caps(); }
  /// docs/semantics.md#server-publish-check `js.wouldExceedLimits(type, sz)`. Lock-free.
  bool would_exceed_limits(storage_type s, std::int64_t sz) const noexcept {
    const std::size_t slot = usage_slot(s);
    return L::server_would_exceed(srv_->used[slot].load(), srv_->max[slot].load(), sz);
  }
  /// docs/semantics.md#server-publish-check `js.limitsExceeded(type)`.
  bool limits_exceeded(storage_type s) const noexcept { return would_exceed_limits(s, 0); }
  /// Server reserved bytes (memory, store): Σ MaxBytes of this server's streams (docs/semantics.md#reserve-release),
  /// each as the charging policy charges it (docs/reservation-charging.md).
  mem_store reserved() const noexcept { return {srv_->reserved[0].load(), srv_->reserved[1].load()}; }
  /// Server used bytes (memory, store): Σ local usage of all accounts (docs/semantics.md#usage-model), unclamped.
  mem_store used() const noexcept { return {srv_->used[0].load(), srv_->used[1].load()}; }

  /// docs/semantics.md#usage-stats `usageStats`.
  server_stats usage_stats() const {
    server_stats s;
    {
      std::lock_guard lk(reg_mu_);
      s.accounts = static_cast<std::int64_t>(accounts_.size());
    }
    s.reserved_memory = static_cast<std::uint64_t>(srv_->reserved[0].load());
    s.reserved_store = static_cast<std::uint64_t>(srv_->reserved[1].load());
    auto used = [](std::int64_t v) { return static_cast<std::uint64_t>(L::clamp_server_usage && v < 0 ? 0 : v); };
    s.memory = used(srv_->used[0].load());
    s.store = used(srv_->used[1].load());
    s.api.level = L::api_level;
    s.api.total = static_cast<std::uint64_t>(srv_->api_total.load());
    s.api.errors = static_cast<std::uint64_t>(srv_->api_errors.load());
    return s;
  }

  /// Install the event sink (call before sharing the engine between threads).
  void set_event_sink(const event_sink& sink) { srv_->events = sink; }

  /// Drift repair hooks (docs/semantics.md#drift-repair). `recompute(account, tier, storage)`
  /// returns the bytes the account's streams of that tier and storage really
  /// hold. `run_async(task)` runs a task later on another thread; without it,
  /// repairs wait for `run_pending_repairs()`. Set before sharing the engine.
  void set_usage_recompute(const std::function<std::int64_t(const std::string&, std::string_view, storage_type)>& f) {
    srv_->recompute = f;
  }
  void set_task_runner(const std::function<void(std::function<void()>)>& run) { srv_->run_async = run; }
  /// Run the drift repairs scheduled without a task runner. Returns how many ran.
  /// At most one repair per account, tier and storage type waits at a time.
  /// Every queued repair runs even if one throws (the recompute hook; a throwing
  /// event sink is contained): the first exception is rethrown after the last.
  std::size_t run_pending_repairs() {
    std::vector<std::function<void()>> tasks;
    {
      std::lock_guard lk(srv_->pending_mu);
      tasks.swap(srv_->pending);
    }
#if defined(__cpp_exceptions)
    std::exception_ptr first;
    for (auto& t : tasks) {
      try {
        t();
      } catch (...) {
        if (!first) first = std::current_exception();
      }
    }
    if (first) std::rethrow_exception(first);
#else
    for (auto& t : tasks) t();
#endif
    return tasks.size();
  }

  // ---------------------------------------------------------------- accounts

  /// Number of enabled accounts.
  std::size_t num_accounts() const {
    std::lock_guard lk(reg_mu_);
    return accounts_.size();
  }

  /// The enabled accounts, sorted by name: one snapshot of handles taken under
  /// the registry lock, owned by the returned view (iterating takes no lock; an
  /// account disabled since shows `enabled() == false`). See jsacct/engine/views.hpp.
  snapshot_view<account> accounts() const {
    std::lock_guard lk(reg_mu_);
    return snapshot_view<account>(accounts_ | ranges::views::values |
                                  ranges::views::transform([](const auto& st) { return account(st); }) |
                                  ranges::to<std::vector>());
  }

  /// The account named `name`, or an empty handle.
  account find_account(std::string_view name) const {
    std::lock_guard lk(reg_mu_);
    auto it = accounts_.find(name);
    return it == accounts_.end() ? account{} : account(it->second);
  }

  /// docs/semantics.md#account-enable (engine part): enable `name` with `limits` (empty -> dynamic
  /// defaults, all -1), after sufficientResources in standalone mode (10028 /
  /// 10047). Enabling an enabled account returns it unchanged (main is idempotent).
  /// A bad account name is refused first with 10051 (`check_account_name`:
  /// empty, path separators, whitespace, '.', '*', '>', NUL, over 255 bytes).
  result<account> enable_account(std::string_view name, limits_map limits = {}) {
    if (auto valid = check_account_name(name); !valid) return valid.error();
    if (limits.empty()) limits = default_account_tiers();
    std::lock_guard lk(reg_mu_);
    if (auto it = accounts_.find(name); it != accounts_.end()) return account(it->second);
    if (auto e = sufficient_resources_locked(limits); e != errc::none) return why_insufficient_locked(e, name, limits);
    auto st = std::make_shared<detail::account_state<traits>>(std::string(name), srv_);
    st->reserve_selection(limits.size());
    for (const auto& [t, l] : limits) st->tier(t);
    st->publish_limits(limits);
    st->positive_limits = detail::positive_limits(limits);
    add_positive(st->positive_limits, +1);
    accounts_.emplace(std::string(name), st);
    return account(std::move(st));
  }

  /// docs/semantics.md#account-limits-update `UpdateJetStreamLimits`: diff-checked against the server
  /// (standalone); on failure the old limits stay in force. 10039 when the
  /// account is not enabled. Existing usage and reservations are not re-checked.
  /// With main semantics every stream then moves to the tier the new limits
  /// select for it (untiered <-> tiered, added or removed tiers), taking the
  /// usage recorded through its handle, its stream and consumer counts; a
  /// stream no tier applies to stays where it is. Atomic with respect to
  /// concurrent reservations (account lock) and to the stream's usage updates
  /// (its spin lock). nats-server main does not do this (issue #2971).
  /// change_account_limits with limit_change_policy::apply.
  result<void> update_account_limits(std::string_view name, limits_map limits) {
    auto r = change_account_limits(name, std::move(limits), limit_change_policy::apply);
    if (!r) return r.error();
    return {};
  }

  /// update_account_limits with a policy for limits below what the account
  /// uses, reserves or counts (docs/limit-changes.md): `apply` (nats-server's),
  /// `refuse` (errc::limit_change_refused, comparing equal to
  /// std::errc::device_or_resource_busy; nothing changes) or `keep_existing`
  /// (the streams that exist now keep what they reserve for their publishes).
  /// The account check runs before the server's diff check. Returns what is over
  /// the new limits. Any change drops the allowance of an earlier keep_existing.
  result<limit_change_report> change_account_limits(std::string_view name, limits_map limits,
                                                    limit_change_policy on_over = limit_change_policy::apply) {
    std::vector<event> warnings;  // soft-limit flips (docs/soft-limits.md), emitted without the locks
    auto r = change_limits_collecting(name, std::move(limits), on_over, warnings);
    for (const event& w : warnings) srv_->emit(w);
    return r;
  }

  /// What change_account_limits(name, limits) would find over the new limits,
  /// without changing anything (the report's policy is `apply`). 10039 when the
  /// account is not enabled.
  result<limit_change_report> preview_limit_change(std::string_view name, limits_map limits) const {
    if (limits.empty()) limits = default_account_tiers();
    std::lock_guard lk(reg_mu_);
    auto it = accounts_.find(name);
    if (it == accounts_.end()) return errc::not_enabled_for_account;
    std::lock_guard alk(it->second->mu);
    return detail::limit_change_report_of(*it->second, limits, limit_change_policy::apply);
  }

 private:
  result<limit_change_report> change_limits_collecting(std::string_view name, limits_map limits, limit_change_policy on_over,
                                                       std::vector<event>& warnings) {
    if (limits.empty()) limits = default_account_tiers();
    std::lock_guard lk(reg_mu_);
    auto it = accounts_.find(name);
    if (it == accounts_.end()) return errc::not_enabled_for_account;
    auto& st = *it->second;
    std::lock_guard alk(st.mu);
    limit_change_report report = detail::limit_change_report_of(st, limits, on_over);  // allocates: before any change
    if (on_over == limit_change_policy::refuse && !report.within_limits()) return detail::limit_change_refusal(report.over);
    const limits_map delta = diff_checked_limits(st.limits_copy(), limits, [](std::int64_t v) { return L::diff_operand(v); });
    if (auto e = sufficient_resources_locked(delta); e != errc::none) return why_insufficient_locked(e, name, delta);
    st.reserve_selection(limits.size());
    for (const auto& [t, l] : limits) st.tier(t);  // entries first: publishing below cannot fail
    st.publish_limits(limits);
    if constexpr (L::rekey_on_limits_update) account(it->second).rekey_locked();
    detail::reset_kept(st, on_over == limit_change_policy::keep_existing);
    if (!st.expired) add_positive(st.positive_limits, -1);
    st.positive_limits = detail::positive_limits(limits);
    if (!st.expired) add_positive(st.positive_limits, +1);
    if (st.soft_any.load(std::memory_order_relaxed)) account(it->second).soft_refresh_locked(warnings);
    return report;
  }

 public:
  /// docs/semantics.md#account-disable: remove the account. Its handles see `enabled() == false`; its
  /// streams' server reservations stay while their handles live (nats-server stops, not deletes,
  /// them) and are released when an owning handle dies; streams released to the engine (no handle)
  /// are released now (docs/semantics.md#diff-disabled-handle-release).
  result<void> disable_account(std::string_view name) {
    std::lock_guard lk(reg_mu_);
    auto it = accounts_.find(name);
    if (it == accounts_.end()) return errc::not_enabled_for_account;
    auto& st = *it->second;
    {
      std::lock_guard alk(st.mu);
      st.removed.store(true);
      account(it->second).drop_engine_owned_locked();  // owned streams leave when their handles die
    }
    if (!st.expired) add_positive(st.positive_limits, -1);
    accounts_.erase(it);
    return {};
  }

  /// An expired (JWT) account is skipped by sufficientResources (c8af84d3d).
  void set_account_expired(std::string_view name, bool expired) {
    std::lock_guard lk(reg_mu_);
    auto it = accounts_.find(name);
    if (it == accounts_.end() || it->second->expired == expired) return;
    add_positive(it->second->positive_limits, expired ? -1 : +1);
    it->second->expired = expired;
  }

  /// docs/semantics.md#sufficient-resources `sufficientResources(limits)`: standalone only; positive limits
  /// against the server capacity minus reservations, then against the sum of
  /// every enabled (non-expired) account's limits. Cost independent of the
  /// number of accounts (running totals).
  errc sufficient_resources(const limits_map& limits) const {
    std::lock_guard lk(reg_mu_);
    return sufficient_resources_locked(limits);
  }

  /// Σ positive MaxMemory / MaxStore of all enabled, non-expired accounts.
  std::pair<std::int64_t, std::int64_t> account_limits_total() const {
    std::lock_guard lk(reg_mu_);
    return {saturate_cast(pos_total_[0]), saturate_cast(pos_total_[1])};
  }

 private:
  friend struct detail::snapshot_access;

  errc sufficient_resources_locked(const limits_map& limits) const {
    if (!srv_->standalone) return errc::none;
    const auto req = detail::positive_limits(limits);
    const std::int64_t max_mem = srv_->max[0].load(), max_store = srv_->max[1].load();
    if (L::sum_exceeds(srv_->reserved[0].load(), req[0], max_mem)) return errc::memory_resources_exceeded;
    if (L::sum_exceeds(srv_->reserved[1].load(), req[1], max_store)) return errc::storage_resources_exceeded;
    if (L::sum_exceeds(pos_total_[0], req[0], max_mem)) return errc::memory_resources_exceeded;
    if (L::sum_exceeds(pos_total_[1], req[1], max_store)) return errc::storage_resources_exceeded;
    return errc::none;
  }

  /// Why sufficient_resources_locked(`req_limits`) answered `e` for account `name`
  /// (docs/explanations.md#fields): requested = Σ positive limits (for an update: the growth
  /// the check charges); reserved = the server's reservations, or used = Σ every
  /// enabled account's positive limits, whichever comparison refused.
  [[gnu::cold, gnu::noinline]] api_error why_insufficient_locked(errc e, std::string_view name,
                                                                 const limits_map& req_limits) const {
    const std::size_t slot = e == errc::memory_resources_exceeded ? 0 : 1;
    const int128 req = detail::positive_limits(req_limits)[slot];
    const std::int64_t max = srv_->max[slot].load(), reserved = srv_->reserved[slot].load();
    explanation w;
    w.code = e;
    w.level = limit_level::server;
    w.source = limit_source::server_config;
    w.resource = slot == 0 ? limit_resource::memory : limit_resource::storage;
    w.account = std::string(name);
    w.requested = saturate_cast(req);
    if (L::sum_exceeds(reserved, req, max))
      w.reserved = reserved;
    else
      w.used = saturate_cast(pos_total_[slot]);
    w.limit = max;
    return api_error(e).with_why(std::make_shared<const explanation>(std::move(w)));
  }

  void add_positive(const std::array<int128, 2>& v, int sign) noexcept {
    pos_total_[0] += sign * v[0];
    pos_total_[1] += sign * v[1];
  }

  std::shared_ptr<detail::server_state<traits>> srv_;
  jetstream_config config_;
  engine_options options_;
  mutable typename P::mutex reg_mu_;
  std::map<std::string, std::shared_ptr<detail::account_state<traits>>, std::less<>> accounts_;
  std::array<int128, 2> pos_total_{};
};

/// The default engine: nats-server main semantics, replica tiers, atomic counters.
using engine = basic_engine<>;
/// nats-server 2.9.10 semantics (to replay scenarios recorded from it).
using engine_v29 = basic_engine<v29_limits>;
/// Single-threaded engine: no atomics, no locks.
using plain_engine = basic_engine<main_limits, replica_tiers, plain_counters>;

}  // namespace jsacct
