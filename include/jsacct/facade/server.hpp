// SPDX-License-Identifier: Apache-2.0
/// \file
/// `jetstream_server`: the non-template facade for JetStream server and
/// account lifecycle (docs/semantics.md#server-enable, docs/semantics.md#server-restart to docs/semantics.md#out-of-space,
/// docs/semantics.md#resources-exceeded-log to docs/semantics.md#server-getters, docs/semantics.md#account-lifecycle) over the
/// default engine (`jsacct::engine`, nats-server main semantics). Plain class,
/// inline members: an embedder who never touches a template runs JetStream's
/// accounting through it. The library never logs: log lines, advisories and
/// shutdown requests reach the embedder as `server_event`s.
#pragma once

#include "jsacct/config.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "jsacct/engine/basic_engine.hpp"
#include "jsacct/error.hpp"
#include "jsacct/facade/detail/paths.hpp"
#include "jsacct/facade/dyn_config.hpp"
#include "jsacct/facade/store_dir.hpp"
#include "jsacct/facade/text.hpp"
#include "jsacct/names.hpp"
#include "jsacct/types.hpp"

namespace jsacct {

/// Level or kind of a facade event.
enum class server_event_kind : std::uint8_t {
  debug,
  notice,
  warning,
  error,
  advisory,  ///< an advisory a server would publish (`subject` and JSON `text`)
};

/// A log line or advisory the facade produced. `text` follows nats-server's wording.
struct server_event {
  server_event_kind kind;
  std::string text;
  std::string subject;  ///< advisories only
};

/// What the facade needs from its host. Every member has a working default.
struct server_setup {
  std::string server_name = "jsacct";
  std::string cluster_name;  ///< for the out-of-space advisory
  bool standalone = true;    ///< no cluster and no gateway port (docs/semantics.md#server-enable step 8)
  std::string system_account = "$SYS";
  dyn_options dyn{};     ///< explicit-limit flags, strict, sync settings (docs/semantics.md#dynamic-config)
  system_probe probe{};  ///< memory, disk, temp dir probes (real by default)
  /// Is `name` an account this server knows? (store-dir migration, docs/semantics.md#store-dir-migration). Default: registered
  /// accounts.
  std::function<bool(std::string_view)> is_account;
  /// Monotonic clock for the resources-exceeded throttle (docs/semantics.md#resources-exceeded-log).
  std::function<std::chrono::steady_clock::time_point()> clock = [] { return std::chrono::steady_clock::now(); };
  /// Receives log lines and advisories.
  std::function<void(const server_event&)> on_event;
  /// Runs the asynchronous shutdowns of docs/semantics.md#out-of-space. Default: immediately, on the calling thread.
  /// A queued task may run at any time, also after the server is destroyed: it
  /// then does nothing. It shuts down only the engine that asked for it, not
  /// one enabled since.
  std::function<void(std::function<void()>)> run_async;
};

/// The facade. Thread-safety: every member may be called from any thread
/// (one mutex); the engine it hands out is itself thread-safe.
class jetstream_server {
 public:
  explicit jetstream_server(server_setup setup = {}) : setup_(std::move(setup)) {}
  jetstream_server(const jetstream_server&) = delete;
  jetstream_server& operator=(const jetstream_server&) = delete;
  /// Cancels the asynchronous shutdowns still queued in `run_async` and waits
  /// for one that is running on another thread. (Do not destroy the server
  /// from inside one of its own callbacks.)
  ~jetstream_server() {
    std::unique_lock lk(async_->mu);
    async_->server = nullptr;
    async_->idle.wait(lk, [this] { return async_->running == 0; });
  }

  // ---------------------------------------------------------------- accounts known to the server

  /// Register an account with the server (nats-server's account registry, which
  /// exists whether or not JetStream is enabled for it).
  void register_account(std::string name) {
    std::lock_guard lk(mu_);
    registered_.insert(std::move(name));
  }

  // ---------------------------------------------------------------- server lifecycle

  /// docs/semantics.md#server-enable `EnableJetStream(cfg)`: "jetstream already enabled"; the
  /// dynamic or explicit config (docs/semantics.md#dynamic-config); store-dir migration (docs/semantics.md#store-dir-migration)
  /// and checks (docs/semantics.md#server-enable step 2). On a store-dir failure the engine stays published, as in nats-server
  /// (the getters answer, `enabled()` is true). Errors: see `result<void>`; the
  /// non-API ones (already enabled, store dir) are `api_error::plain` (err_code 0).
  result<void> enable(const std::optional<jetstream_config>& cfg = std::nullopt) {
    std::lock_guard lk(mu_);
    return enable_locked(cfg);
  }

  /// docs/semantics.md#server-shutdown `DisableJetStream()`: shut down and drop persistent meta state.
  result<void> disable() {
    std::lock_guard lk(mu_);
    return disable_locked(true);
  }
  /// docs/semantics.md#server-shutdown main `ShutdownJetStream()`: shut down, keep meta state (transient errors).
  result<void> shutdown() {
    std::lock_guard lk(mu_);
    return disable_locked(false);
  }

  /// docs/semantics.md#server-restart `restartJetStream()` after a config reload: "Restarting
  /// JetStream", enable; on error a warning `Can't start JetStream: <err>` and
  /// a shutdown whose (success) result is returned.
  result<void> restart(const std::optional<jetstream_config>& cfg = std::nullopt) {
    std::lock_guard lk(mu_);
    emit(server_event_kind::notice, "Restarting JetStream");
    if (auto r = enable_locked(cfg); !r) {
      emit(server_event_kind::warning, "Can't start JetStream: " + r.error().text());
      return disable_locked(false);
    }
    return {};
  }

  /// docs/semantics.md#server-getters `JetStreamEnabled()`: engine present and not disabled.
  bool enabled() const {
    std::lock_guard lk(mu_);
    return js_ != nullptr && !disabled_;
  }
  /// docs/semantics.md#server-getters `JetStreamEnabledForDomain()`: enabled here, or any known peer
  /// (online or not) advertised JetStream.
  bool enabled_for_domain(std::span<const bool> peers_jetstream) const {
    if (enabled()) return true;
    for (bool p : peers_jetstream)
      if (p) return true;
    return false;
  }
  /// docs/semantics.md#server-getters: a copy of the config while an engine exists.
  std::optional<jetstream_config> config() const {
    std::lock_guard lk(mu_);
    if (!js_) return std::nullopt;
    return js_->config();
  }
  /// docs/semantics.md#server-getters `StoreDir()`: "" without an engine.
  std::string store_dir() const {
    std::lock_guard lk(mu_);
    return js_ ? config_.store_dir : std::string();
  }
  /// docs/semantics.md#server-getters `JetStreamNumAccounts()`: 0 without an engine.
  std::size_t num_accounts() const {
    std::lock_guard lk(mu_);
    return js_ ? js_->num_accounts() : 0;
  }
  /// docs/semantics.md#server-getters `JetStreamReservedResources()`: (memory, store) reserved, or
  /// 10039 (sic: the account-level error) without an engine.
  result<mem_store> reserved_resources() const {
    std::lock_guard lk(mu_);
    if (!js_) return errc::not_enabled_for_account;
    return js_->reserved();
  }
  /// main `isShuttingDown()`.
  bool shutting_down() const {
    std::lock_guard lk(mu_);
    return shutting_down_;
  }
  /// The engine (nullptr while JetStream is off). Valid until disable/shutdown.
  engine* get_engine() {
    std::lock_guard lk(mu_);
    return js_.get();
  }

  // ---------------------------------------------------------------- docs/semantics.md#out-of-space,
  // docs/semantics.md#resources-exceeded-log

  /// docs/semantics.md#out-of-space `handleOutOfSpace`: at most once per engine (the out-of-space
  /// flag is never reset): an error log, an asynchronous shutdown (state kept)
  /// and the `$JS.EVENT.ADVISORY.SERVER.OUT_OF_STORAGE` advisory. Returns true when it acted.
  bool handle_out_of_space(std::optional<storage_type> stream_storage = std::nullopt, std::string_view stream = {}) {
    std::unique_lock lk(mu_);
    if (!js_ || disabled_ || oos_) return false;
    oos_ = true;
    emit(server_event_kind::error,
         stream_storage ? "JetStream out of " + std::string(display_name(*stream_storage)) + " resources, will be DISABLED"
                        : std::string("JetStream out of resources, will be DISABLED"));
    std::string adv =
        "{\"type\":\"io.nats.jetstream.advisory.v1.server_out_of_space\",\"server\":" + detail::go_quote(setup_.server_name);
    if (!stream.empty()) adv += ",\"stream\":" + detail::go_quote(stream);
    adv += ",\"cluster\":" + detail::go_quote(setup_.cluster_name);
    if (!config_.domain.empty()) adv += ",\"domain\":" + detail::go_quote(config_.domain);
    adv += "}";
    emit(server_event_kind::advisory, std::move(adv), "$JS.EVENT.ADVISORY.SERVER.OUT_OF_STORAGE");
    const std::uint64_t generation = engine_generation_;
    lk.unlock();
    async_shutdown(generation);
    return true;
  }

  /// docs/semantics.md#out-of-space main `handleWritePermissionError`: when enabled, an error log
  /// and an asynchronous shutdown (no flag, no advisory). Returns true when it acted.
  bool handle_write_permission_error() {
    std::unique_lock lk(mu_);
    if (!js_ || disabled_) return false;
    emit(server_event_kind::error, "File system permission denied while writing, disabling JetStream");
    const std::uint64_t generation = engine_generation_;
    lk.unlock();
    async_shutdown(generation);
    return true;
  }

  /// docs/semantics.md#resources-exceeded-log `resourcesExceededError`: logs `JetStream <memory|file>
  /// resource limits exceeded for server` at most once per 10 s (strictly
  /// more than 10 s since the last alert, by `server_setup::clock`; a clock
  /// that goes back throttles). Returns true when it alerted.
  bool resources_exceeded_error(storage_type s) {
    std::lock_guard lk(alert_mu_);
    const auto now = setup_.clock ? setup_.clock() : std::chrono::steady_clock::now();
    if (last_alert_ && !more_than_10s_after(now, *last_alert_)) return false;
    last_alert_ = now;
    const std::string_view type = s == storage_type::memory ? "memory"
                                  : s == storage_type::file ? "file"
                                                            : "unknown storage type";
    emit(server_event_kind::error, "JetStream " + std::string(type) + " resource limits exceeded for server");
    return true;
  }

  // ---------------------------------------------------------------- accounts (docs/semantics.md#account-lifecycle)

  /// docs/semantics.md#account-enable `EnableJetStream(limits)`: "jetstream account not registered",
  /// "jetstream can not be enabled on the system account", the account name
  /// rule of `check_account_name` (10051: the name becomes a directory below
  /// the store dir; refused before anything changes), empty limits -> dynamic
  /// defaults (assigned even if a later step fails), 10076 without JetStream,
  /// idempotent when enabled, sufficientResources (10028 / 10047, standalone),
  /// the streams-directory writability probe. Every path built from the name
  /// is joined like Go's `filepath.Join` and must lie below the store dir.
  result<void> enable_account(std::string_view name, limits_map limits = {}) {
    std::lock_guard lk(mu_);
    if (registered_.count(std::string(name)) == 0) return api_error::plain("jetstream account not registered");
    if (name == setup_.system_account) return api_error::plain("jetstream can not be enabled on the system account");
    if (auto valid = check_account_name(name); !valid) return valid.error();
    std::string acc_dir;
    if (js_ && !disabled_) {
      auto dir = detail::join_under(config_.store_dir, {name});
      if (!dir) return outside_store_dir(name);
      acc_dir = std::move(*dir);
    }
    if (limits.empty()) limits = default_account_tiers();
    configured_[std::string(name)] = limits;  // step 5: assigned even if a later step fails
    if (!js_ || disabled_) return errc::not_enabled;
    if (js_->find_account(name)) return {};  // step 8 (main): already enabled
    auto r = js_->enable_account(name, std::move(limits));
    if (!r) return r.error();
    emit(server_event_kind::debug, "Enabled JetStream for account " + detail::go_quote(name));
    return probe_account_dirs(acc_dir);
  }

  /// docs/semantics.md#account-limits-update `UpdateJetStreamLimits`: 10076 without JetStream, 10039 when
  /// the account is not enabled; diff-checked; on failure the old limits stay.
  result<void> update_account_limits(std::string_view name, limits_map limits) {
    std::lock_guard lk(mu_);
    if (registered_.count(std::string(name)) == 0) return api_error::plain("jetstream account not registered");
    if (!js_ || disabled_) return errc::not_enabled;
    auto r = js_->update_account_limits(name, std::move(limits));
    if (!r) return std::move(r).error();
    return {};
  }

  /// docs/semantics.md#account-disable `DisableJetStream` of an account: configured limits are kept.
  result<void> disable_account(std::string_view name) {
    std::lock_guard lk(mu_);
    if (registered_.count(std::string(name)) == 0) return api_error::plain("jetstream account not registered");
    if (!js_) return errc::not_enabled_for_account;
    auto r = js_->disable_account(name);
    if (!r) return std::move(r).error();
    return {};
  }

  /// docs/semantics.md#account-lookups `jetStreamConfigured()`: configured limits exist and are non-empty.
  bool account_configured(std::string_view name) const {
    std::lock_guard lk(mu_);
    auto it = configured_.find(std::string(name));
    return it != configured_.end() && !it->second.empty();
  }
  /// docs/semantics.md#account-lookups `JetStreamEnabled()` of an account.
  bool account_enabled(std::string_view name) const {
    std::lock_guard lk(mu_);
    return js_ && static_cast<bool>(js_->find_account(name));
  }
  /// docs/semantics.md#account-lookups `checkForJetStream()`: the account's engine handle or 10039.
  result<engine::account> lookup_account(std::string_view name) const {
    std::lock_guard lk(mu_);
    if (!js_) return errc::not_enabled_for_account;
    auto a = js_->find_account(name);
    if (!a) return errc::not_enabled_for_account;
    return a;
  }

 private:
  result<void> enable_locked(const std::optional<jetstream_config>& cfg) {
    if (js_ && !disabled_) return api_error::plain("jetstream already enabled");
    emit(server_event_kind::notice, "Starting JetStream");
    config_result r = resolve_enable_config(cfg, setup_.dyn, setup_.probe);
    for (auto& w : r.warnings) emit(server_event_kind::warning, std::move(w));
    for (auto& d : r.debug) emit(server_event_kind::debug, std::move(d));
    auto is_account =
        setup_.is_account ? setup_.is_account : [this](std::string_view n) { return registered_.count(std::string(n)) != 0; };
    auto checked = check_store_dir(r.config.store_dir, is_account, false,
                                   [this](std::string_view n) { emit(server_event_kind::notice, std::string(n)); });
    if (!checked) return checked;
    // docs/semantics.md#server-enable step 1: the engine is published first; a later failure leaves it in place.
    config_ = r.config;
    js_ = std::make_unique<engine>(config_, engine_options{setup_.standalone ? deployment::standalone : deployment::clustered});
    ++engine_generation_;
    disabled_ = false;
    oos_ = false;
    shutting_down_ = false;
    if (auto prepared = prepare_store_dir(config_.store_dir); !prepared) return prepared;
    emit(server_event_kind::notice, "---------------- JETSTREAM ----------------");
    if (config_.strict) emit(server_event_kind::notice, "  Strict:          true");
    emit(server_event_kind::notice, "  Max Memory:      " + friendly_bytes(config_.max_memory));
    emit(server_event_kind::notice, "  Max Storage:     " + friendly_bytes(config_.max_store));
    emit(server_event_kind::notice, "  Store Directory: \"" + config_.store_dir + "\"");
    if (!config_.domain.empty()) emit(server_event_kind::notice, "  Domain:          " + config_.domain);
    emit(server_event_kind::notice, "  API Level:       " + std::to_string(js_api_level));
    emit(server_event_kind::notice, "-------------------------------------------");
    // docs/semantics.md#account-wiring: accounts with configured limits are enabled with the server.
    for (const auto& [name, lim] : configured_) {
      if (name == setup_.system_account) continue;
      auto r2 = js_->enable_account(name, lim);
      if (!r2) return api_error::plain("Error enabling jetstream on configured accounts: " + r2.error().text());
    }
    return {};
  }

  result<void> disable_locked(bool delete_state) {
    if (!js_ || disabled_) return {};
    disabled_ = true;
    emit(server_event_kind::notice, "Initiating JetStream Shutdown...");
    shutting_down_ = true;
    js_.reset();  // all accounts removed, registry gone; handles report the accounts disabled
    if (delete_state) emit(server_event_kind::debug, "JetStream meta state deleted");
    emit(server_event_kind::notice, "JetStream Shutdown");
    return {};
  }

  /// The asynchronous shutdown of docs/semantics.md#out-of-space. The task holds the shared guard, not
  /// `this`: after the destructor it finds no server and does nothing; while it
  /// runs, the destructor waits. It only shuts down the engine it was queued
  /// for (`generation`, read under the lock by the caller).
  void async_shutdown(std::uint64_t generation) {
    auto task = [guard = async_, generation] {
      jetstream_server* self = nullptr;
      {
        std::lock_guard lk(guard->mu);
        self = guard->server;
        if (self == nullptr) return;
        ++guard->running;
      }
      struct done_on_exit {
        async_guard& g;
        ~done_on_exit() {
          {
            std::lock_guard lk(g.mu);
            --g.running;
          }
          g.idle.notify_all();
        }
      } done{*guard};
      self->shutdown_engine(generation);
    };
    if (setup_.run_async)
      setup_.run_async(std::move(task));
    else
      task();
  }

  /// `shutdown()` of engine number `generation` only.
  void shutdown_engine(std::uint64_t generation) {
    std::lock_guard lk(mu_);
    if (js_ && engine_generation_ == generation) (void)disable_locked(false);
  }

  /// docs/semantics.md#account-enable steps 15–17: remove `.snap-staging`; probe that `<acc>/streams` can
  /// be created (then remove it and an empty `<acc>`); remove `<acc>/__snapshots__`.
  /// `acc_dir` is the account's directory, already checked to lie below the store dir.
  result<void> probe_account_dirs(const std::string& acc_dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::remove_all(detail::go_join({config_.store_dir, ".snap-staging"}), ec);
    const std::string sdir = detail::go_join({acc_dir, "streams"});
    if (!fs::exists(sdir, ec)) {
      if (auto err = detail::go_mkdir_all(sdir, store_dir_perms))
        return api_error::plain("could not create storage streams directory - " + err->text);
      fs::remove(sdir, ec);
      fs::remove(acc_dir, ec);  // only succeeds when empty
    }
    fs::remove_all(detail::go_join({acc_dir, "__snapshots__"}), ec);
    return {};
  }

  /// The refusal of a name whose directory would not lie below the store dir.
  api_error outside_store_dir(std::string_view name) const {
    return api_error(errc::stream_general, "account name " + detail::go_quote(name) +
                                               " does not name a directory below the store directory " +
                                               detail::go_quote(config_.store_dir));
  }

  /// `now - last > 10 s` without computing `now - last`, which overflows when
  /// an injected clock jumps between its extremes.
  static bool more_than_10s_after(std::chrono::steady_clock::time_point now, std::chrono::steady_clock::time_point last) {
    constexpr std::chrono::steady_clock::duration window = std::chrono::seconds(10);
    if (now <= last || last > std::chrono::steady_clock::time_point::max() - window) return false;
    return now > last + window;
  }

  void emit(server_event_kind k, std::string text, std::string subject = {}) const {
    if (setup_.on_event) setup_.on_event(server_event{k, std::move(text), std::move(subject)});
  }

  /// What queued asynchronous shutdowns share with the server (they may outlive it).
  struct async_guard {
    std::mutex mu;
    std::condition_variable idle;
    jetstream_server* server = nullptr;  ///< null once the destructor has started
    int running = 0;                     ///< tasks between their start and their end
  };

  server_setup setup_;
  mutable std::recursive_mutex mu_;  // recursive: async_shutdown may run inline from a member
  std::mutex alert_mu_;
  std::unique_ptr<engine> js_;
  jetstream_config config_;
  bool disabled_ = false;
  bool oos_ = false;
  bool shutting_down_ = false;
  std::set<std::string, std::less<>> registered_;
  std::map<std::string, limits_map, std::less<>> configured_;
  std::optional<std::chrono::steady_clock::time_point> last_alert_;
  std::uint64_t engine_generation_ = 0;  ///< counts the engines created (enable)
  std::shared_ptr<async_guard> async_ = make_async_guard(this);

  static std::shared_ptr<async_guard> make_async_guard(jetstream_server* self) {
    auto g = std::make_shared<async_guard>();
    g->server = self;
    return g;
  }
};

}  // namespace jsacct
