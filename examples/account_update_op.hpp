// SPDX-License-Identifier: Apache-2.0
/// \file
/// The jsacct-only `account_update` op (docs/scenario-format.md#account_update):
/// new limits for an account on every simulated server, under the policy
/// `jsacct report --limit-change` picks (docs/limit-changes.md), and the
/// report of what is over them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <jsacct/jsacct.hpp>
#include <nlohmann/json.hpp>

#include "scenario.hpp"
#include "server_errors.hpp"
#include "simulated_cluster.hpp"

namespace jsacct_cli {

using json = nlohmann::json;

/// One account_update for the text report: what was over the new limits, and the refusal, if any.
struct limit_change_log {
  std::size_t index = 0;  ///< 0-based position in the scenario's `ops`
  std::string account;
  jsacct::limit_change_report report;
  std::optional<op_error> refused;
};

/// The report as the op's `result`.
inline json limit_change_json(const jsacct::limit_change_report& r) {
  json over = json::array(), streams = json::array();
  for (const auto& o : r.over)
    over.push_back(json{{"tier", o.tier},
                        {"resource", std::string(jsacct::limited_resource_name(o.resource))},
                        {"limit", o.limit},
                        {"usage", o.usage},
                        {"reserved", o.reserved}});
  for (const auto& s : r.streams)
    streams.push_back(json{{"name", s.name},
                           {"tier", s.tier},
                           {"storage", s.storage == jsacct::storage_type::memory ? "memory" : "file"},
                           {"reserved", s.reserved},
                           {"stored", s.stored}});
  return json{{"policy", std::string(jsacct::limit_change_policy_name(r.policy))}, {"over", over}, {"streams", streams}};
}

/// `account_update`: every server previews the change first, so that a refusal
/// on one leaves all of them as they were. The report is the first server's.
template <class Engine>
json account_update(simulated_cluster<Engine>& sim, const op_spec& op, json& rec, jsacct::limit_change_policy policy,
                    std::vector<limit_change_log>& log) {
  auto& a = sim.accounts.at(op.account);
  if (sim.gate(rec, op, a)) return rec;
  const account_spec spec = detail::parse_update_limits(op.account, op.raw.at("limits"), "limits");
  const jsacct::limits_map limits = sim.limits_of(spec);
  std::optional<jsacct::limit_change_report> report;
  std::optional<std::size_t> over_on;
  for (std::size_t i = 0; i < sim.servers.size(); ++i) {
    auto p = sim.servers[i].eng->preview_limit_change(op.account, limits);
    if (!p) {
      sim.fail(rec, op, op_error::of(p.error()));
      return rec;
    }
    if (!report) report = *p;
    if (!p->within_limits() && !over_on) over_on = i;
  }
  report->policy = policy;
  rec["result"] = limit_change_json(*report);
  auto refuse = [&](const jsacct::api_error& e) {
    const op_error err = op_error::of(e);
    sim.fail(rec, op, err);
    log.push_back(limit_change_log{op.index, op.account, *report, err});
    return rec;
  };
  if (policy == jsacct::limit_change_policy::refuse && over_on) {
    auto r = sim.servers[*over_on].eng->change_account_limits(op.account, limits, policy);
    if (!r) return refuse(r.error());
  }
  for (auto& s : sim.servers) {
    // Only a standalone server checks its capacity (one server): no change is left half-applied.
    auto r = s.eng->change_account_limits(op.account, limits, policy);
    if (!r) return refuse(r.error());
  }
  a.limits = limits;
  a.tiered = spec.js == account_spec::kind::tiered;
  rec["ok"] = true;
  log.push_back(limit_change_log{op.index, op.account, *report, std::nullopt});
  return rec;
}

}  // namespace jsacct_cli
