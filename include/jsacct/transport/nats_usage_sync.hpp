// jsacct: requires libnats
// SPDX-License-Identifier: Apache-2.0
/// \file
/// A small NATS transport for the cluster usage exchange (docs/semantics.md#usage-exchange): given a
/// connected `natsConnection*` (libnats), an account of a jsacct engine and
/// this node's id, it
///
/// * subscribes to `$JSC.ARU.<account>.*` and feeds every update from another
///   node through `apply_usage_update` (updates carrying this node's own id
///   are ignored, as nats-server's internal subscription never sees its own);
/// * publishes this node's local usage on `$JSC.ARU.<account>.<node>` through
///   a `usage_publisher`: on `notify_changed()` (throttled to one per 250 ms,
///   no trailing send) and on a timer thread every 1.5 s;
/// * with `expiry` set, sweeps the account's peers once per tick so that a
///   peer that went silent stops counting (docs/cluster.md#peer-expiry);
/// * with `reconcile_every_ticks` set, reconciles the account's local usage
///   with the engine's recompute hook (docs/cluster.md#reconciliation).
///
/// The payloads are byte-compatible with nats-server (main and 2.9.10), so a
/// jsacct node can share an account's usage with real servers. Only available
/// when libnats is found (Meson feature `nats`). The connection stays owned
/// by the caller and must outlive the adapter (or `stop()` it first).
///
/// Threads: libnats runs the message callback on its own threads and the
/// timer runs on a std::jthread; the engine's account handles are thread-safe
/// (concurrent counter policy required). All members are thread-safe.
#pragma once

#include "jsacct/config.hpp"

#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "jsacct/engine/account.hpp"
#include "jsacct/engine/reconcile.hpp"
#include "jsacct/wire/cluster_usage.hpp"
#include "jsacct/wire/peer_expiry.hpp"
#include "jsacct/wire/usage_update.hpp"

namespace jsacct {

/// Options of a nats_usage_sync.
struct nats_usage_sync_options {
  /// Throttle window, tick, publish flag (false: receive only).
  usage_publisher_options publisher{};
  /// Clock for the publisher's decisions (steady_clock::now by default). The
  /// timer thread sleeps in real time, at most one tick at a time.
  usage_clock clock{};
  /// Called for every received update from another node (on a libnats
  /// thread), including ignored ones: log `r.warning()` if not empty.
  std::function<void(std::string_view subject, const remote_usage_result& r)> on_update;
  /// Called when a publish fails (on the calling or the timer thread).
  std::function<void(natsStatus s)> on_publish_error;
  /// Peer expiry (docs/cluster.md#peer-expiry): one sweep_remote_usage per
  /// tick on the timer thread. Unset (the default) never expires a peer, as
  /// nats-server.
  std::optional<peer_expiry_options> expiry{};
  /// Called with each sweep's result (on the timer thread), e.g. to log the
  /// expired peers.
  std::function<void(const peer_sweep_result&)> on_sweep;
  /// Reconciliation (docs/cluster.md#reconciliation): one reconcile_usage every
  /// this many ticks on the timer thread; 0 (the default) never.
  std::uint32_t reconcile_every_ticks = 0;
  /// Called with each reconciliation's result (on the timer thread).
  std::function<void(const reconcile_result&)> on_reconcile;
};

/// The NATS adapter of the cluster usage exchange for one account (see file comment).
template <class T>
class nats_usage_sync {
 public:
  /// Nothing happens before start(). `node` is this node's id (jsacct::node_id(server_name)).
  nats_usage_sync(natsConnection* nc, account_handle<T> acct, std::string_view node, nats_usage_sync_options opts = {})
      : core_(std::make_shared<core>(nc, std::move(acct), node, std::move(opts))) {}
  nats_usage_sync(const nats_usage_sync&) = delete;
  nats_usage_sync& operator=(const nats_usage_sync&) = delete;
  ~nats_usage_sync() { stop(); }

  /// Subscribe (and flush, so the server knows the interest when this
  /// returns) and start the timer thread. NATS_OK on success; on failure
  /// nothing is left running. Calling it twice is an error (NATS_ILLEGAL_STATE).
  natsStatus start() {
    std::lock_guard lk(life_mu_);
    if (sub_ != nullptr || timer_.joinable()) return NATS_ILLEGAL_STATE;
    natsSubscription* sub = nullptr;
    natsStatus s = natsConnection_Subscribe(&sub, core_->nc, usage_update_subscription(core_->acct.name()).c_str(), &core::on_msg,
                                            core_.get());
    if (s == NATS_OK) s = natsSubscription_SetOnCompleteCB(sub, &core::on_complete, core_.get());
    if (s == NATS_OK) s = natsConnection_FlushTimeout(core_->nc, 5000);
    if (s != NATS_OK) {
      if (sub != nullptr) close_subscription(sub);
      return s;
    }
    sub_ = sub;
    timer_ = std::jthread([c = core_](std::stop_token st) { c->run_timer(st); });
    return NATS_OK;
  }

  /// Stop the timer thread and unsubscribe; waits (up to 5 s) until no
  /// message callback runs any more. Idempotent; the destructor calls it.
  void stop() {
    std::lock_guard lk(life_mu_);
    if (timer_.joinable()) {
      timer_.request_stop();
      timer_.join();
    }
    if (sub_ != nullptr) {
      close_subscription(sub_);
      sub_ = nullptr;
    }
  }

  /// Local usage or API counters changed: send now unless throttled (docs/semantics.md#aru-sending).
  /// Returns true when an update was published.
  bool notify_changed() { return core_->send(false); }

  /// The subject this node publishes on (`$JSC.ARU.<account>.<node>`; "" if not publishing).
  const std::string& subject() const noexcept { return core_->pub.subject(); }
  /// Updates received from other nodes (applied or not).
  std::uint64_t received() const noexcept { return core_->received.load(); }
  /// Updates published by this node.
  std::uint64_t published() const noexcept { return core_->published.load(); }
  const usage_publisher<T>& publisher() const noexcept { return core_->pub; }

 private:
  struct core {
    core(natsConnection* c, account_handle<T> a, std::string_view n, nats_usage_sync_options o)
        : nc(c), acct(a), node(n), opts(std::move(o)), pub(std::move(a), n, opts.clock, opts.publisher) {}

    static void on_msg(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
      auto* self = static_cast<core*>(closure);
      const std::string_view subject = natsMsg_GetSubject(msg);
      const auto sender = node_id_from_subject(subject);
      if (!sender || *sender != self->node) {  // our own publications come back: ignore them
        self->received.fetch_add(1);
        const int len = natsMsg_GetDataLength(msg);
        const std::string_view body(natsMsg_GetData(msg), static_cast<std::size_t>(std::max(len, 0)));
        try {
          const remote_usage_result r = apply_usage_update(self->acct, subject, body);
          if (self->opts.on_update) self->opts.on_update(subject, r);
        } catch (...) {  // allocation failure: drop this update, the sender repeats it
        }
      }
      natsMsg_Destroy(msg);
    }

    static void on_complete(void* closure) {
      auto* self = static_cast<core*>(closure);
      std::lock_guard lk(self->done_mu);
      self->done = true;
      self->done_cv.notify_all();
    }

    bool send(bool from_tick) {
      std::lock_guard lk(send_mu);
      const bool ready = from_tick ? pub.tick(buf) : pub.trigger(buf);
      if (!ready) return false;
      const natsStatus s = natsConnection_Publish(nc, pub.subject().c_str(), buf.data(), static_cast<int>(buf.size()));
      if (s != NATS_OK) {
        if (opts.on_publish_error) opts.on_publish_error(s);
        return false;
      }
      published.fetch_add(1);
      return true;
    }

    void run_timer(std::stop_token st) {
      std::mutex m;
      std::condition_variable_any cv;
      std::unique_lock lk(m);
      while (!st.stop_requested()) {
        const auto due = pub.next_tick();
        auto wait = due - now();
        wait = std::clamp<std::chrono::steady_clock::duration>(wait, std::chrono::steady_clock::duration::zero(),
                                                               opts.publisher.tick);
        (void)cv.wait_for(lk, st, wait, [] { return false; });  // only a stop request ends the wait early
        if (st.stop_requested()) break;
        try {
          send(true);
          if (now() >= due) {  // a tick fired: one sweep, and a reconciliation every N ticks
            if (opts.expiry) {
              const peer_sweep_result r = sweep_remote_usage(acct, *opts.expiry);
              if (opts.on_sweep) opts.on_sweep(r);
            }
            if (opts.reconcile_every_ticks != 0 && ++ticks_since_reconcile >= opts.reconcile_every_ticks) {
              ticks_since_reconcile = 0;
              const reconcile_result r = reconcile_usage(acct);
              if (opts.on_reconcile) opts.on_reconcile(r);
            }
          }
        } catch (...) {  // allocation failure or a throwing recompute hook: the next tick tries again
        }
      }
    }

    std::chrono::steady_clock::time_point now() const { return opts.clock ? opts.clock() : std::chrono::steady_clock::now(); }

    std::uint32_t ticks_since_reconcile = 0;  // timer thread only
    natsConnection* nc;
    account_handle<T> acct;
    std::string node;
    nats_usage_sync_options opts;
    usage_publisher<T> pub;
    std::mutex send_mu;
    std::vector<std::byte> buf;  // guarded by send_mu
    std::atomic<std::uint64_t> received{0};
    std::atomic<std::uint64_t> published{0};
    std::mutex done_mu;
    std::condition_variable done_cv;
    bool done = false;  // guarded by done_mu: no message callback runs any more
  };

  /// Unsubscribe and wait until libnats has returned from the last callback;
  /// if that does not happen in time, keep the core alive forever rather than
  /// risk a callback on freed memory.
  void close_subscription(natsSubscription* sub) {
    (void)natsSubscription_Unsubscribe(sub);
    bool done = false;
    {
      std::unique_lock lk(core_->done_mu);
      done = core_->done_cv.wait_for(lk, std::chrono::seconds(5), [&] { return core_->done; });
    }
    natsSubscription_Destroy(sub);
    if (!done) new std::shared_ptr<core>(core_);  // NOLINT: deliberate leak, see above
  }

  std::shared_ptr<core> core_;
  std::mutex life_mu_;
  natsSubscription* sub_ = nullptr;
  std::jthread timer_;
};

}  // namespace jsacct
