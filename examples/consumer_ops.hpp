// SPDX-License-Identifier: Apache-2.0
/// \file
/// The consumer ops on the simulated servers: durable consumer create/update
/// (config defaults, validation in nats-server's order, the engine's consumer
/// limits on every replica) and delete.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <jsacct/jsacct.hpp>
#include <nlohmann/json.hpp>

#include "go_json.hpp"
#include "scenario.hpp"
#include "server_errors.hpp"
#include "simulated_cluster.hpp"
#include "stream_model.hpp"

namespace jsacct_cli {

/// Messages a new consumer has pending (its start sequence and filter).
template <class Stream>
std::uint64_t num_pending(const Stream& s, const consumer_model& c) {
  std::uint64_t n = 0;
  if (c.deliver_policy == "last_per_subject") {
    std::map<std::string, bool> seen;
    for (const auto& [seq, m] : s.store.msgs())
      if (c.filter_subject.empty() || subject_matches(c.filter_subject, m.subject)) seen[m.subject] = true;
    return seen.size();
  }
  for (const auto& [seq, m] : s.store.msgs())
    if (seq >= c.start_seq && (c.filter_subject.empty() || subject_matches(c.filter_subject, m.subject))) ++n;
  return n;
}

template <class Engine>
json consumer_create(simulated_cluster<Engine>& sim, const op_spec& op, json& rec) {
  constexpr bool v29 = simulated_cluster<Engine>::v29;
  const std::string stream = op.str("stream"), durable = op.str("durable");
  rec["stream"] = stream;
  rec["durable"] = durable;
  json cfg{{"ack_policy", "explicit"}};
  static const std::vector<std::pair<const char*, const char*>> keys{
      {"durable", "durable_name"},          {"ack_policy", "ack_policy"},           {"deliver_policy", "deliver_policy"},
      {"filter_subject", "filter_subject"}, {"max_ack_pending", "max_ack_pending"}, {"max_deliver", "max_deliver"},
      {"replicas", "num_replicas"},         {"memory_storage", "mem_storage"}};
  for (const auto& [ok, jk] : keys)
    if (op.has(ok)) cfg[jk] = op.raw.at(ok);
  if (op.has("config"))
    for (auto it = op.raw.at("config").begin(); it != op.raw.at("config").end(); ++it) cfg[it.key()] = it.value();
  rec["request"] = json{{"stream_name", stream}, {"config", cfg}};
  auto& a = sim.accounts.at(op.account);
  if (sim.gate(rec, op, a)) return rec;
  const std::string target = stream + "/" + durable;
  {  // The request is decoded into Go's ConsumerConfig before anything else is looked at.
    auto decoded = go_decode(cfg, go_consumer_config());
    if (!decoded) return sim.fail(rec, op, srv_err::invalid_json(), target), rec;
    cfg = std::move(*decoded);
  }
  if (cfg.value("deliver_policy", std::string()) == "undefined") cfg["deliver_policy"] = "all";  // decodes as DeliverAll
  consumer_model c;
  c.durable = cfg.value("durable_name", std::string());
  if (c.durable != durable)
    return sim.fail(rec, op, {400, 10017, "consumer name in subject does not match durable name in request"}, target), rec;
  // A single server refuses more than one replica before it looks the stream up.
  if (!sim.sc.cluster() && cfg.value("num_replicas", std::int64_t{0}) > 1)
    return sim.fail(rec, op, op_error::of(jsacct::errc::stream_replicas_not_supported), target), rec;
  auto it = a.streams.find(stream);
  if (it == a.streams.end()) return sim.fail(rec, op, op_error::of(jsacct::errc::stream_not_found), target), rec;
  auto& s = it->second;
  c.ack_policy = cfg.value("ack_policy", std::string("explicit"));
  c.deliver_policy = cfg.value("deliver_policy", std::string("all"));
  c.filter_subject = cfg.value("filter_subject", std::string());
  c.max_ack_pending = cfg.value("max_ack_pending", std::int64_t{0});
  c.max_deliver = cfg.value("max_deliver", std::int64_t{0});
  c.num_replicas = cfg.value("num_replicas", std::int64_t{0});
  c.mem_storage = cfg.value("mem_storage", false);
  static const std::vector<std::string> acks{"none", "all", "explicit"};
  static const std::vector<std::string> delivers{"all", "last", "new", "last_per_subject", "by_start_sequence", "by_start_time"};
  if (std::find(acks.begin(), acks.end(), c.ack_policy) == acks.end() ||
      std::find(delivers.begin(), delivers.end(), c.deliver_policy) == delivers.end())
    return sim.fail(rec, op, srv_err::invalid_json(), target), rec;
  // checkConsumerCfg: the replica count against the parent stream comes first, before any limit.
  if (c.num_replicas > 0 && c.num_replicas > s.cfg.replicas)
    return sim.fail(rec, op, {400, 10126, "consumer config replica count exceeds parent stream"}, target), rec;
  if (c.num_replicas < 0) return sim.fail(rec, op, op_error::of(jsacct::errc::replicas_count_negative), target), rec;
  {  // Start position conflicts (checkConsumerCfg), 10094.
    const std::uint64_t opt_seq = cfg.value("opt_start_seq", std::uint64_t{0});
    const bool opt_time = cfg.contains("opt_start_time");
    auto bad_start = [&](const char* dp, const char* start) {
      return op_error{
          400, 10094,
          std::string("consumer delivery policy is deliver ") + dp + ", but optional start " + start + " is also set"};
    };
    auto not_set = [&](const char* dp, const char* what) {
      return op_error{400, 10094,
                      std::string("consumer delivery policy is deliver ") + dp + ", but optional " + what + " is not set"};
    };
    std::optional<op_error> e;
    const std::string& dp = c.deliver_policy;
    const char* label = dp == "all" ? "all" : dp == "last" ? "last" : dp == "last_per_subject" ? "last per subject" : "new";
    if (dp == "all" || dp == "last" || dp == "last_per_subject" || dp == "new") {
      if (opt_seq > 0)
        e = bad_start(label, "sequence");
      else if (opt_time)
        e = bad_start(label, "time");
      else if (dp == "last_per_subject" && c.filter_subject.empty())
        e = not_set(label, "filter subject");
    } else if (dp == "by_start_sequence") {
      if (opt_seq == 0)
        e = not_set("by start sequence", "start sequence");
      else if (opt_time)
        e = bad_start("by start sequence", "time");
    } else if (dp == "by_start_time") {
      if (!opt_time)
        e = not_set("by start time", "start time");
      else if (opt_seq != 0)
        e = bad_start("by start time", "start sequence");
    }
    if (e) return sim.fail(rec, op, *e, target), rec;
    if (dp == "by_start_sequence") c.start_seq = opt_seq;
    // by_start_time needs message timestamps, which the stream layer does not keep.
    if (dp == "by_start_time") return sim.fail(rec, op, {0, 0, "deliver by start time is not modelled"}, target), rec;
  }
  if (c.max_deliver == 0) c.max_deliver = -1;
  // Account limits of the stream (2.9.10: the stream's, one combined cap).
  auto& leader = sim.acct_on(s.peers.front(), op.account);
  std::int64_t acct_ack = -1;
  if (auto sel = leader.select_limits(s.cfg.accounting())) acct_ack = sel->limits.max_ack_pending;
  if (c.ack_policy != "none") {
    if (c.max_ack_pending == 0) {
      c.max_ack_pending = 1000;
      if (acct_ack > 0 && acct_ack < c.max_ack_pending) c.max_ack_pending = acct_ack;
    } else if (acct_ack > 0 && c.max_ack_pending > acct_ack) {
      return sim.fail(rec, op, srv_err::ack_pending(acct_ack), target), rec;
    }
  }
  if (!c.filter_subject.empty()) {
    bool ok = false;
    for (const auto& subj : s.cfg.subjects) ok = ok || subject_subset(c.filter_subject, subj);
    if (!ok) return sim.fail(rec, op, srv_err::filter_subset(), target), rec;
  }
  c.effective_replicas = c.num_replicas == 0 ? s.cfg.replicas : c.num_replicas;  // 0 follows the stream
  auto existing = s.consumers.find(durable);
  const bool is_update = existing != s.consumers.end();
  if (is_update && existing->second.deliver_policy != c.deliver_policy)
    return sim.fail(rec, op, srv_err::deliver_update(), target), rec;
  if (!is_update && s.cfg.retention == "workqueue") {
    if (c.ack_policy == "none") return sim.fail(rec, op, {400, 10084, "consumer in pull mode requires ack policy"}, target), rec;
    if (c.ack_policy != "explicit") return sim.fail(rec, op, srv_err::wq_ack(), target), rec;
    for (const auto& [n, o] : s.consumers)
      if (o.filter_subject.empty() || c.filter_subject.empty() || subjects_overlap(o.filter_subject, c.filter_subject))
        return sim.fail(rec, op, srv_err::wq_multiple(), target), rec;
  }
  if (is_update && sim.sc.cluster() && v29) {  // 2.9.10 meta leader counts the consumer being updated
    std::int64_t maxc = s.cfg.max_consumers;
    if (auto sel = leader.select_limits(s.cfg.accounting()))
      if (maxc <= 0 || (sel->limits.max_consumers > 0 && sel->limits.max_consumers < maxc)) maxc = sel->limits.max_consumers;
    if (maxc > 0 && static_cast<std::int64_t>(s.consumers.size()) >= maxc) {
      auto sel = leader.select_limits(s.cfg.accounting());
      auto w = limit_why(jsacct::errc::maximum_consumers_limit, jsacct::limit_resource::consumers, op.account,
                         sel ? sel->tier : std::string(), s.cfg.name, 1, static_cast<std::int64_t>(s.consumers.size()), maxc);
      if (maxc == s.cfg.max_consumers) {
        w.level = jsacct::limit_level::stream;
        w.source = jsacct::limit_source::stream_config;
      }
      return sim.fail(rec, op, with_why(op_error::of(jsacct::errc::maximum_consumers_limit), std::move(w)), target), rec;
    }
  }
  jsacct::consumer_request q;
  q.replicas = c.effective_replicas;
  q.is_update = is_update;
  for (int p : s.peers) {
    auto r = s.res.at(p).add_consumer(q);
    if (!r) return sim.fail(rec, op, op_error::of(r.error()), target), rec;
  }
  if (c.deliver_policy == "new") c.start_seq = s.store.last_seq() + 1;
  if (c.deliver_policy == "last") {
    c.start_seq = s.store.last_seq() + 1;
    for (auto m = s.store.msgs().rbegin(); m != s.store.msgs().rend(); ++m)
      if (c.filter_subject.empty() || subject_matches(c.filter_subject, m->second.subject)) {
        c.start_seq = m->first;
        break;
      }
  }
  if (is_update) c.start_seq = existing->second.start_seq;
  s.consumers[durable] = c;
  json rc{{"durable_name", c.durable},
          {"ack_policy", c.ack_policy},
          {"deliver_policy", c.deliver_policy},
          {"max_deliver", c.max_deliver},
          {"num_replicas", c.num_replicas}};
  if (!c.filter_subject.empty()) rc["filter_subject"] = c.filter_subject;
  if (c.max_ack_pending != 0) rc["max_ack_pending"] = c.max_ack_pending;
  if (c.mem_storage) rc["mem_storage"] = true;
  rec["ok"] = true;
  rec["result"] = json{{"name", durable}, {"stream_name", stream}, {"config", rc}, {"num_pending", num_pending(s, c)}};
  return rec;
}

template <class Engine>
json consumer_delete(simulated_cluster<Engine>& sim, const op_spec& op, json& rec) {
  const std::string stream = op.str("stream"), durable = op.str("durable");
  rec["stream"] = stream;
  rec["durable"] = durable;
  auto& a = sim.accounts.at(op.account);
  if (sim.gate(rec, op, a)) return rec;
  const std::string target = stream + "/" + durable;
  auto it = a.streams.find(stream);
  if (it == a.streams.end()) return sim.fail(rec, op, op_error::of(jsacct::errc::stream_not_found), target), rec;
  auto ci = it->second.consumers.find(durable);
  if (ci == it->second.consumers.end()) return sim.fail(rec, op, srv_err::consumer_not_found(), target), rec;
  for (int p : it->second.peers) it->second.res.at(p).remove_consumer();
  it->second.consumers.erase(ci);
  rec["ok"] = true;
  rec["result"] = json{{"success", true}};
  return rec;
}

}  // namespace jsacct_cli
