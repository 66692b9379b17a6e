// SPDX-License-Identifier: Apache-2.0
/// \file
/// Replays a scenario against jsacct engines: the simulated servers of
/// simulated_cluster.hpp, one op after the other through the stream, consumer
/// and publish flows, and one result record per op in the oracle's format
/// (result_writer.hpp prints it). This file only sequences the ops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <jsacct/jsacct.hpp>
#include <nlohmann/json.hpp>

#include "account_update_op.hpp"
#include "consumer_ops.hpp"
#include "info_json.hpp"
#include "publish_op.hpp"
#include "scenario.hpp"
#include "simulated_cluster.hpp"
#include "stream_ops.hpp"

namespace jsacct_cli {

using json = nlohmann::json;

template <class Engine>
class replayer {
 public:
  using cluster_type = simulated_cluster<Engine>;
  using account_rt = typename cluster_type::account_rt;
  using stream_rt = typename cluster_type::stream_rt;
  using server_rt = typename cluster_type::server_rt;
  static constexpr bool v29 = cluster_type::v29;
  using charging = typename cluster_type::charging;  ///< the engine's reservation charging policy

  /// \param on_lower what `account_update` does with limits below the account's usage (docs/limit-changes.md)
  explicit replayer(const scenario& sc, jsacct::limit_change_policy on_lower = jsacct::limit_change_policy::apply)
      : sim_(sc), on_lower_(on_lower) {}

  /// Called after each op with (ops done, ops in the scenario), e.g. for a progress line.
  using progress_fn = std::function<void(std::size_t, std::size_t)>;

  /// Run the scenario; returns the result document.
  json run(const progress_fn& on_op = {}) {
    const scenario& sc = sim_.sc;
    json doc;
    doc["scenario"] = sc.name;
    doc["mode"] = sc.mode;
    doc["accounts_mode"] = sc.accounts_mode;
    doc["oracle_format"] = 1;
    doc["server_version"] = v29 ? "2.9.10" : "main";
    doc["results"] = json::array();
    if (auto fatal = sim_.startup()) {
      doc["startup"] = json{{"ok", false}, {"fatal", *fatal}};
      return doc;
    }
    doc["startup"] = json{{"ok", true}};
    if (on_started) on_started(sim_);
    for (const auto& op : sc.ops) {
      doc["results"].push_back(exec(op));
      if (on_op) on_op(op.index + 1, sc.ops.size());
    }
    return doc;
  }

  /// Called once the servers are up, before the first op (`report --warn-at`).
  std::function<void(cluster_type&)> on_started;

  const std::vector<decision>& rejections() const { return sim_.rejections; }
  /// The account_update ops run, in order.
  const std::vector<limit_change_log>& limit_changes() const { return limit_changes_; }
  jsacct::limit_change_policy limit_change_policy() const { return on_lower_; }
  const std::map<std::string, account_rt>& accounts() const { return sim_.accounts; }
  const std::vector<server_rt>& servers() const { return sim_.servers; }
  /// account_info result for `name` (nullopt when not enabled).
  std::optional<json> account_info_json(const std::string& name) const {
    auto it = sim_.accounts.find(name);
    if (it == sim_.accounts.end() || it->second.mode != account_mode::enabled) return std::nullopt;
    return account_info(sim_, name, it->second);
  }
  json server_info_json() const { return server_info(sim_); }

 private:
  static json base_record(const op_spec& op) {
    json r{{"i", op.index}, {"op", op.op}};
    if (!op.account.empty()) r["account"] = op.account;
    return r;
  }

  json exec(const op_spec& op) {
    cluster_type& sim = sim_;
    json rec = base_record(op);
    if (op.op == "stream_create") return stream_create(sim, op, rec);
    if (op.op == "stream_update") return stream_update(sim, op, rec);
    if (op.op == "stream_delete") return stream_delete(sim, op, rec);
    if (op.op == "stream_purge") return stream_purge(sim, op, rec);
    if (op.op == "stream_info") return stream_info(sim, op, rec);
    if (op.op == "stream_names") return stream_names(sim, op, rec);
    if (op.op == "publish") return publish(sim, op, rec);
    if (op.op == "consumer_create") return consumer_create(sim, op, rec);
    if (op.op == "consumer_delete") return consumer_delete(sim, op, rec);
    if (op.op == "account_update") return account_update(sim, op, rec, on_lower_, limit_changes_);
    if (op.op == "account_info") {
      auto& a = sim.accounts.at(op.account);
      if (sim.gate(rec, op, a)) return rec;
      rec["ok"] = true;
      rec["result"] = account_info(sim, op.account, a);
      return rec;
    }
    if (op.op == "server_info") {
      rec["ok"] = true;
      rec["result"] = server_info(sim);
      rec["servers"] = sim.servers.size();
      return rec;
    }
    rec["ok"] = true;  // wait
    return rec;
  }

  cluster_type sim_;
  jsacct::limit_change_policy on_lower_;
  std::vector<limit_change_log> limit_changes_;
};

}  // namespace jsacct_cli
