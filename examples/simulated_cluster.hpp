// SPDX-License-Identifier: Apache-2.0
/// \file
/// The simulated servers a scenario runs on: one jsacct engine per server (1
/// standalone, 3 in a cluster), the scenario's accounts enabled on each, the
/// streams with their replicas' reservations and stores (stream_model.hpp),
/// the $JSC.ARU usage exchange between the servers, and the log of rejected
/// ops for the report. Every accounting decision is the engine's.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <jsacct/jsacct.hpp>
#include <nlohmann/json.hpp>

#include "scenario.hpp"
#include "server_errors.hpp"
#include "stream_model.hpp"

namespace jsacct_cli {

using json = nlohmann::json;

/// How an account answers the JetStream API.
enum class account_mode { enabled, not_enabled /*10039*/, no_responders };

/// `c` with its max_bytes as `Engine`'s charging policy charges it (docs/reservation-charging.md):
/// what the engine reserves, and what the checks the simulation runs with its own sums compare.
template <class Engine>
jsacct::stream_config charged(jsacct::stream_config c) {
  c.max_bytes = Engine::charging::charge(c.max_bytes);
  return c;
}

/// One rejected op (or run of rejected publishes) for the human report.
struct decision {
  std::size_t index;  ///< 0-based position in the scenario's `ops`
  std::string op, account, target;
  op_error error;
  std::uint64_t count = 1;
  /// Why a limit refused it (docs/explanations.md), or nullptr.
  const jsacct::explanation* why() const noexcept { return error.why.get(); }
};

template <class Engine>
class simulated_cluster {
 public:
  using account = typename Engine::account;
  using reservation = typename Engine::reservation;
  using L = typename Engine::checker;
  using charging = typename Engine::charging;  ///< how much of max_bytes a stream reserves (upfront by default)
  static constexpr bool v29 = !L::check_before_store;

  struct stream_rt {
    full_stream_config cfg;
    std::vector<int> peers;          ///< servers holding a replica (the first is the leader)
    std::map<int, reservation> res;  ///< each replica's reservation on its server's engine
    msg_store store;
    std::map<std::string, consumer_model> consumers;
  };
  struct account_rt {
    account_mode mode = account_mode::not_enabled;
    jsacct::limits_map limits;
    bool tiered = false;
    std::map<std::string, stream_rt> streams;
  };
  struct server_rt {
    std::unique_ptr<Engine> eng;
    std::map<std::string, account> accts;
  };

  explicit simulated_cluster(const scenario& s) : sc(s) {}

  const scenario& sc;
  std::vector<server_rt> servers;
  std::map<std::string, account_rt> accounts;
  std::vector<decision> rejections;

  bool cluster() const { return sc.cluster(); }

  /// Start the servers and enable the scenario's accounts; the fatal startup error, if any.
  std::optional<std::string> startup() {
    const int n = sc.cluster() ? 3 : 1;
    for (int i = 0; i < n; ++i) {
      jsacct::jetstream_config jc;
      jc.max_memory = sc.server_max_memory;
      jc.max_store = sc.server_max_store;
      jc.domain = sc.domain;
      servers.push_back(server_rt{
          std::make_unique<Engine>(
              jc, jsacct::engine_options{sc.cluster() ? jsacct::deployment::clustered : jsacct::deployment::standalone}),
          {}});
    }
    const bool jwt = sc.accounts_mode == "jwt";
    for (const auto& [name, spec] : sc.accounts) {
      account_rt a;
      switch (spec.js) {
        case account_spec::kind::none:
          a.mode = account_mode::not_enabled;
          break;
        case account_spec::kind::dynamic:
          a.mode = account_mode::enabled;
          a.limits = jsacct::default_account_tiers();
          break;
        case account_spec::kind::limits: {
          const auto l = to_limits(spec.lim, jwt);
          a.mode = (jwt && l.max_memory == 0 && l.max_store == 0) ? account_mode::not_enabled : account_mode::enabled;
          a.limits = jsacct::limits_map{{"", l}};
          break;
        }
        case account_spec::kind::tiered:
          a.mode = account_mode::enabled;
          a.tiered = true;
          for (const auto& [t, l] : spec.tiers) a.limits[t] = to_limits(l, jwt);
          if (a.limits.empty()) a.mode = account_mode::not_enabled;
          break;
      }
      if (a.mode == account_mode::enabled) {
        for (auto& s : servers) {
          auto r = s.eng->enable_account(name, a.limits);
          if (!r) {
            if (!jwt) return "Can't start JetStream: Error enabling jetstream on configured accounts: " + r.error().text();
            a.mode = account_mode::no_responders;  // the account's JetStream import never appears
            for (auto& s2 : servers) (void)s2.eng->disable_account(name);
            for (auto& s2 : servers) s2.accts.erase(name);
            break;
          }
          s.accts.emplace(name, *r);
        }
      }
      accounts.emplace(name, std::move(a));
    }
    return std::nullopt;
  }

  account& acct_on(int server, const std::string& name) { return servers[static_cast<std::size_t>(server)].accts.at(name); }

  /// Feed one replica's usage delta to its engine.
  void add_usage(stream_rt& s, std::int64_t delta) {
    for (auto& [peer, r] : s.res) r.add_usage(delta);
  }

  /// $JSC.ARU: every server's local usage replaces its contribution on the others.
  void exchange_usage() {
    if (servers.size() < 2) return;
    for (std::size_t i = 0; i < servers.size(); ++i) {
      const std::string node = "n" + std::to_string(i + 1);
      for (auto& entry : servers[i].accts) {
        const std::string& name = entry.first;  // a structured binding cannot be captured by clang 14
        entry.second.for_each_local_usage([&](std::string_view tier, std::int64_t mem, std::int64_t store) {
          for (std::size_t j = 0; j < servers.size(); ++j) {
            if (j == i) continue;
            auto it = servers[j].accts.find(name);
            if (it != servers[j].accts.end()) it->second.apply_remote_usage(node, tier, mem, store);
          }
        });
      }
    }
  }

  /// Does `c` overlap the subjects of another stream of the account?
  bool overlaps_other(const account_rt& a, const full_stream_config& c) const {
    for (const auto& [n, s] : a.streams) {
      if (n == c.name) continue;
      for (const auto& x : s.cfg.subjects)
        for (const auto& y : c.subjects)
          if (subjects_overlap(x, y)) return true;
    }
    return false;
  }

  /// The stream a publish to `subject` lands in (nullptr: no responders).
  stream_rt* stream_for_subject(account_rt& a, const std::string& subject) {
    for (auto& [n, s] : a.streams)
      for (const auto& f : s.cfg.subjects)
        if (subject_matches(f, subject)) return &s;
    return nullptr;
  }

  /// Other assignments of the account: count and reservation for `c` (docs/semantics.md#counting-streams, clustered),
  /// each max_bytes as the charging policy charges it.
  std::pair<std::int64_t, std::int64_t> cluster_count_and_reservation(const account_rt& a, const std::string& tier,
                                                                      const full_stream_config& c) const {
    std::int64_t count = 0;
    jsacct::int128 res = 0;
    const bool untiered = tier.empty();
    for (const auto& [n, s] : a.streams) {
      const bool same_tier =
          untiered || (v29 ? s.cfg.replicas == c.replicas
                           : std::max<std::int64_t>(1, s.cfg.replicas) == std::max<std::int64_t>(1, c.replicas));
      if (!same_tier) continue;
      if (n != c.name || L::count_same_name) ++count;
      if (n == c.name) continue;
      const std::int64_t mb = charging::charge(s.cfg.max_bytes);
      if (mb > 0 && s.cfg.storage == c.storage) res += L::footprint(untiered, s.cfg.replicas, mb);
    }
    return {count, L::finish_sum(res)};
  }

  /// The largest of those reservations (docs/explanations.md#fields), for a refusal's
  /// explanation; `own` (an update's own reservation) is listed under `c`'s name.
  std::vector<jsacct::contributor> cluster_contributors(const account_rt& a, const std::string& tier, const full_stream_config& c,
                                                        std::int64_t own = 0) const {
    std::vector<jsacct::contributor> v;
    const bool untiered = tier.empty();
    for (const auto& [n, s] : a.streams) {
      const bool same_tier =
          untiered || (v29 ? s.cfg.replicas == c.replicas
                           : std::max<std::int64_t>(1, s.cfg.replicas) == std::max<std::int64_t>(1, c.replicas));
      const std::int64_t mb = Engine::charging::charge(s.cfg.max_bytes);  // what the engine reserved for it
      if (!same_tier || n == c.name || mb <= 0 || s.cfg.storage != c.storage) continue;
      v.push_back({n, L::footprint(untiered, s.cfg.replicas, mb)});
    }
    if (own > 0) v.push_back({c.name, own});
    std::sort(v.begin(), v.end(), [](const auto& x, const auto& y) {
      return x.reserved != y.reserved ? x.reserved > y.reserved : x.stream < y.stream;
    });
    if (v.size() > 5) v.resize(5);
    return v;
  }

  /// A select_limits error for `c`, with a 10120 explained: no limits for the tier `c` selects.
  op_error selection_error(const jsacct::api_error& e, const std::string& account, const jsacct::stream_config& c) const {
    if (e.why() != nullptr || e.id() != jsacct::errc::no_limits) return op_error::of(e);
    const std::string tier(std::string_view(typename Engine::selector{}.tier_of(c)));
    auto w = limit_why(
        e.id(), c.storage == jsacct::storage_type::memory ? jsacct::limit_resource::memory : jsacct::limit_resource::storage,
        account, tier, c.name, 0, 0, 0);
    w.level = jsacct::limit_level::tier;
    w.source = jsacct::limit_source::tier_config;
    return with_why(op_error::of(e), std::move(w));
  }

  /// The meta leader's check_limits refusal `e`, explained with the cluster's assignments as contributors.
  op_error cluster_limits_error(account& acc, const account_rt& a, const jsacct::selected_limits& sel,
                                const jsacct::stream_config& c, const full_stream_config& full, bool check_server,
                                std::int64_t reserved, std::int64_t offset, std::int64_t own = 0) const {
    auto w = acc.explain_limits(sel, c, check_server, reserved, offset);
    if (w && w->level != jsacct::limit_level::server) w->contributors = cluster_contributors(a, sel.tier, full, own);
    return with_why(op_error::of(acc.check_limits(sel, c, check_server, reserved, offset)), std::move(w));
  }

  /// Record a refusal in the op's result and in the rejection log.
  void fail(json& rec, const op_spec& op, const op_error& e, const std::string& target = {}) {
    rec["ok"] = false;
    rec["error"] = e.to_json();
    rejections.push_back(decision{op.index, op.op, op.account, target, e, 1});  // with e.why
  }

  /// The engine limits of an account's `jetstream` block (or an account_update's `limits`).
  jsacct::limits_map limits_of(const account_spec& spec) const {
    const bool jwt = sc.accounts_mode == "jwt";
    if (spec.js != account_spec::kind::tiered) return jsacct::limits_map{{"", to_limits(spec.lim, jwt)}};
    jsacct::limits_map m;
    for (const auto& [t, l] : spec.tiers) m[t] = to_limits(l, jwt);
    return m;
  }

  /// True when the account's mode answered the op already (no responders, or JetStream not enabled).
  bool gate(json& rec, const op_spec& op, const account_rt& a) {
    if (a.mode == account_mode::no_responders) {
      rec["ok"] = false;
      rec["no_responders"] = true;
      rejections.push_back(decision{op.index, op.op, op.account, {}, op_error{0, 0, "no responders"}, 1});
      return true;
    }
    if (a.mode == account_mode::not_enabled) {
      fail(rec, op, op_error::of(jsacct::errc::not_enabled_for_account));
      return true;
    }
    return false;
  }

 private:
  static jsacct::account_limits to_limits(const limits_spec& l, bool jwt) {
    jsacct::account_limits a;
    a.max_memory = l.max_memory.value_or(-1);
    a.max_store = l.max_store.value_or(-1);
    a.max_streams = l.max_streams.value_or(-1);
    a.max_consumers = l.max_consumers.value_or(-1);
    a.max_ack_pending = l.max_ack_pending.value_or(-1);
    a.memory_max_stream_bytes = l.memory_max_stream_bytes.value_or(-1);
    a.store_max_stream_bytes = l.storage_max_stream_bytes.value_or(-1);
    a.max_bytes_required = l.max_bytes_required.value_or(false);
    if (jwt) {
      if (a.memory_max_stream_bytes <= 0) a.memory_max_stream_bytes = -1;
      if (a.store_max_stream_bytes <= 0) a.store_max_stream_bytes = -1;
      if (a.max_ack_pending <= 0) a.max_ack_pending = -1;
    }
    return a;
  }
};

}  // namespace jsacct_cli
