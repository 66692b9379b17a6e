// SPDX-License-Identifier: Apache-2.0
/// \file
/// The stream ops of a scenario on the simulated servers: create (standalone
/// and clustered), update, delete, purge, info and names, each checked and
/// ordered as nats-server does it; every accounting decision is the engine's.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <jsacct/jsacct.hpp>
#include <nlohmann/json.hpp>

#include "go_json.hpp"
#include "info_json.hpp"
#include "scenario.hpp"
#include "server_errors.hpp"
#include "simulated_cluster.hpp"
#include "stream_model.hpp"
#include "stream_request.hpp"

namespace jsacct_cli {

/// A name the stream API accepts (others time out: no subscription matches).
inline bool valid_stream_name(const std::string& n) { return !n.empty() && n.find_first_of(" \t\r\n\f.*>") == std::string::npos; }

/// Standalone create: the limits pre-check on the raw request (tier, max_streams, bytes), in the server's order.
/// `raw` carries the charged max_bytes (charged<Engine>).
template <class Account>
std::optional<op_error> raw_precheck(Account& acc, const jsacct::stream_config& raw) {
  auto sel = acc.select_limits(raw);
  if (!sel) return op_error::of(sel.error());
  if (sel->limits.max_streams > 0 && acc.count_streams(sel->tier, raw) >= sel->limits.max_streams)
    return max_streams_error(acc.name(), *sel, raw.name, acc.count_streams(sel->tier, raw));
  const std::int64_t reserved = acc.tiered_reservation(sel->tier, raw);
  if (auto e = acc.check_limits(*sel, raw, true, reserved, 0); e != jsacct::errc::none)
    return with_why(op_error::of(e), acc.explain_limits(*sel, raw, true, reserved, 0));
  return std::nullopt;
}

template <class Engine>
json stream_create(simulated_cluster<Engine>& sim, const op_spec& op, json& rec) {
  constexpr bool v29 = simulated_cluster<Engine>::v29;
  const std::string name = op.str("name");
  rec["stream"] = name;
  json req = build_stream_request(op, json());
  rec["request"] = req;
  auto& a = sim.accounts.at(op.account);
  if (sim.gate(rec, op, a)) return rec;
  if (!valid_stream_name(name)) {
    rec["ok"] = false;
    rec["timeout"] = true;
    sim.rejections.push_back(decision{op.index, op.op, op.account, name, op_error{0, 0, "timeout (invalid stream name)"}, 1});
    return rec;
  }
  full_stream_config c;
  jsacct::stream_config raw;
  if (auto e = parse_stream_request(req, c, raw, v29)) return sim.fail(rec, op, *e, name), rec;
  if (c.name != name) return sim.fail(rec, op, srv_err::stream_mismatch(), name), rec;
  // The create handler's own config checks, before the clustered / standalone paths split.
  if (c.sealed) return sim.fail(rec, op, srv_err::invalid_config("stream configuration for create can not be sealed"), name), rec;
  if (c.mirror_direct && !c.mirror.has_value())
    return sim.fail(rec, op, srv_err::invalid_config("stream has no mirror but does have mirror direct"), name), rec;
  auto existing = a.streams.find(name);
  const bool same = existing != a.streams.end() && existing->second.cfg == c;
  if (sim.sc.cluster()) return cluster_create(sim, op, rec, a, c, same);

  auto& acc = sim.acct_on(0, op.account);
  if (v29 && raw.replicas < 0) {
    // 2.9.10 runs the limits pre-check on the raw request (tier "R-1", max_streams, bytes)
    // before normalization finds the negative count.
    if (auto e = raw_precheck(acc, charged<Engine>(raw))) return sim.fail(rec, op, *e, name), rec;
    return sim.fail(rec, op, op_error::of(jsacct::errc::replicas_count_negative), name), rec;
  }
  if (sim.overlaps_other(a, c) && !same) {
    // The server finds the overlap after the pre-check, the config checks and the
    // existing-name check but before the reservation check: run those first.
    if (auto e = precheck_until_overlap(sim, acc, raw, c, existing != a.streams.end()); e)
      return sim.fail(rec, op, *e, name), rec;
    return sim.fail(rec, op, srv_err::overlap(), name), rec;
  }
  jsacct::create_options o;
  o.same_as_existing = same;
  auto r = acc.create_stream(raw, o);
  if (!r) return sim.fail(rec, op, op_error::of(r.error()), name), rec;
  if (!r->did_create()) {
    (void)r->release();  // the existing stream keeps its own handle
    rec["ok"] = true;
    rec["result"] = stream_result(existing->second);
    rec["result"]["did_create"] = true;  // 2.9.10 standalone answers an identical re-create as a create
    return rec;
  }
  typename simulated_cluster<Engine>::stream_rt s;
  s.cfg = c;
  s.peers = {0};
  s.res.emplace(0, std::move(*r));
  auto& ins = a.streams[name] = std::move(s);
  rec["ok"] = true;
  rec["result"] = stream_result(ins);
  rec["result"]["did_create"] = true;
  return rec;
}

/// Standalone create of a stream whose subjects overlap another: the checks the server
/// runs before it finds the overlap, in its order.
template <class Engine>
std::optional<op_error> precheck_until_overlap(const simulated_cluster<Engine>& sim,
                                               typename simulated_cluster<Engine>::account& acc, const jsacct::stream_config& raw,
                                               const full_stream_config& c, bool exists) {
  if (auto e = raw_precheck(acc, charged<Engine>(raw))) return e;
  const auto norm = c.accounting();
  const auto [required, cap] = acc.max_bytes_limits(norm);
  if (required && norm.max_bytes <= 0)
    return max_bytes_error(jsacct::errc::stream_max_bytes_required, acc.name(), *acc.select_limits(norm), norm);
  if (cap > 0 && norm.max_bytes > cap)
    return max_bytes_error(jsacct::errc::stream_max_stream_bytes_exceeded, acc.name(), *acc.select_limits(norm), norm);
  if (!sim.sc.cluster() && norm.replicas > 1) return op_error::of(jsacct::errc::stream_replicas_not_supported);
  if (exists) return op_error::of(jsacct::errc::stream_name_exist);
  return std::nullopt;
}

/// The config a clustered stream keeps: its assignment went through JSON, which drops an empty
/// subjects list, and decoding an assignment repairs a mirror's duplicates window in 2.9.10 and
/// main alike (docs/semantics.md#mirror-dedup-window).
inline full_stream_config as_assigned(full_stream_config c) {
  c.subjects_empty_list = false;
  auto acc = c.accounting();
  if (jsacct::fix_cfg_mirror_with_dedup_window(acc)) c.duplicate_window = acc.duplicate_window;
  return c;
}

/// Clustered create: the meta leader's checks, placement, then the peers' reservations.
template <class Engine>
json cluster_create(simulated_cluster<Engine>& sim, const op_spec& op, json& rec,
                    typename simulated_cluster<Engine>::account_rt& a, const full_stream_config& c, bool same) {
  constexpr bool v29 = simulated_cluster<Engine>::v29;
  const std::string& name = c.name;
  auto& meta = sim.acct_on(0, op.account);
  const auto norm = c.accounting();
  const auto charged_norm = charged<Engine>(norm);  // the reservation checks compare the charged max_bytes
  // 1. Normalization and validation first (checkStreamCfg: before any tier or limits logic).
  if (norm.replicas < 0) return sim.fail(rec, op, op_error::of(jsacct::errc::replicas_count_negative), name), rec;
  if (norm.replicas > 5) return sim.fail(rec, op, srv_err::invalid_config("maximum replicas is 5"), name), rec;
  const auto [required, cap] = meta.max_bytes_limits(norm);
  if (required && norm.max_bytes <= 0)
    return sim.fail(rec, op,
                    max_bytes_error(jsacct::errc::stream_max_bytes_required, op.account, *meta.select_limits(norm), norm), name),
           rec;
  if (cap > 0 && norm.max_bytes > cap)
    return sim.fail(rec, op,
                    max_bytes_error(jsacct::errc::stream_max_stream_bytes_exceeded, op.account, *meta.select_limits(norm), norm),
                    name),
           rec;
  // 2. Existing assignment.
  auto existing = a.streams.find(name);
  if (existing != a.streams.end() && !same) return sim.fail(rec, op, op_error::of(jsacct::errc::stream_name_exist), name), rec;
  if (v29 && same) {  // 2.9.10 forwards an identical create as a stream info request: no overlap or limits check
    rec["ok"] = true;
    rec["result"] = stream_result(existing->second);
    return rec;
  }
  if (!same && sim.overlaps_other(a, c)) return sim.fail(rec, op, srv_err::overlap(), name), rec;
  // 3. Meta leader limits check with the account's assignments.
  auto sel = meta.select_limits(norm);
  if (!sel) return sim.fail(rec, op, sim.selection_error(sel.error(), op.account, norm), name), rec;
  const auto [count, reserved] = sim.cluster_count_and_reservation(a, sel->tier, c);
  if (sel->limits.max_streams > 0 && count >= sel->limits.max_streams)
    return sim.fail(rec, op, max_streams_error(op.account, *sel, name, count), name), rec;
  if (auto e = meta.check_limits(*sel, charged_norm, false, reserved, 0); e != jsacct::errc::none)
    return sim.fail(rec, op, sim.cluster_limits_error(meta, a, *sel, charged_norm, c, false, reserved, 0), name), rec;
  if (same) {
    rec["ok"] = true;
    rec["result"] = stream_result(existing->second);
    return rec;
  }
  // 4. Placement and peer-side creation.
  const std::size_t r = static_cast<std::size_t>(c.replicas);
  if (r > sim.servers.size()) return sim.fail(rec, op, srv_err::no_peers(), name), rec;
  std::vector<int> order;
  for (std::size_t i = 0; i < sim.servers.size(); ++i) {
    // Placement only considers servers whose reservations leave room for the charged max_bytes (unlimited
    // streams, and streams that reserve nothing, fit anywhere).
    if (charged_norm.max_bytes > 0 &&
        sim.acct_on(static_cast<int>(i), op.account).check_limits(*sel, charged_norm, true, reserved, 0) != jsacct::errc::none)
      continue;
    order.push_back(static_cast<int>(i));
  }
  if (order.size() < r)
    return sim.fail(rec, op, {400, 10005, std::string("no suitable peers for placement, insufficient storage")}, name), rec;
  const int slot = c.storage == "memory" ? 0 : 1;
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
    const auto rx = sim.servers[static_cast<std::size_t>(x)].eng->reserved(),
               ry = sim.servers[static_cast<std::size_t>(y)].eng->reserved();
    return (slot == 0 ? rx.mem : rx.store) < (slot == 0 ? ry.mem : ry.store);
  });
  order.resize(r);
  std::sort(order.begin(), order.end());
  if (v29) {  // 2.9.10: every peer re-runs the account check and its own server check
    for (int p : order)
      if (auto e = sim.acct_on(p, op.account).check_limits(*sel, charged_norm, true, reserved, 0); e != jsacct::errc::none)
        return sim.fail(rec, op,
                        sim.cluster_limits_error(sim.acct_on(p, op.account), a, *sel, charged_norm, c, true, reserved, 0), name),
               rec;
  }
  typename simulated_cluster<Engine>::stream_rt s;
  s.cfg = as_assigned(c);
  s.peers = order;
  for (int p : order) {
    jsacct::create_options o;
    o.raw_precheck = false;
    o.check_limits = false;
    auto cr = sim.acct_on(p, op.account).create_stream(s.cfg.accounting(), o);
    if (!cr) return sim.fail(rec, op, op_error::of(cr.error()), name), rec;
    s.res.emplace(p, std::move(*cr));
  }
  auto& ins = a.streams[name] = std::move(s);
  rec["ok"] = true;
  rec["result"] = stream_result(ins);
  rec["result"]["did_create"] = true;
  return rec;
}

template <class Engine>
json stream_update(simulated_cluster<Engine>& sim, const op_spec& op, json& rec) {
  using L = typename simulated_cluster<Engine>::L;
  constexpr bool v29 = simulated_cluster<Engine>::v29;
  const std::string name = op.str("name");
  rec["stream"] = name;
  auto& a = sim.accounts.at(op.account);
  auto it = a.streams.find(name);
  json base;
  if (op.flag("merge", true) && a.mode == account_mode::enabled && it != a.streams.end()) base = config_full(it->second.cfg);
  json req = build_stream_request(op, base);
  rec["request"] = req;
  if (sim.gate(rec, op, a)) return rec;
  full_stream_config c;
  jsacct::stream_config raw;
  if (auto e = parse_stream_request(req, c, raw, v29)) return sim.fail(rec, op, *e, name), rec;
  if (c.name != name) return sim.fail(rec, op, srv_err::stream_mismatch(), name), rec;
  if (it == a.streams.end()) return sim.fail(rec, op, op_error::of(jsacct::errc::stream_not_found), name), rec;
  auto& s = it->second;
  const auto norm = c.accounting();
  auto& leader = sim.acct_on(s.peers.front(), op.account);
  if (norm.replicas < 0) return sim.fail(rec, op, op_error::of(jsacct::errc::replicas_count_negative), name), rec;
  if (norm.replicas > 5) return sim.fail(rec, op, srv_err::invalid_config("maximum replicas is 5"), name), rec;
  const auto [required, cap] = leader.max_bytes_limits(norm);
  if (required && norm.max_bytes <= 0)
    return sim.fail(rec, op,
                    max_bytes_error(jsacct::errc::stream_max_bytes_required, op.account, *leader.select_limits(norm), norm),
                    name),
           rec;
  if (cap > 0 && norm.max_bytes > cap)
    return sim.fail(
               rec, op,
               max_bytes_error(jsacct::errc::stream_max_stream_bytes_exceeded, op.account, *leader.select_limits(norm), norm),
               name),
           rec;
  if (c.max_consumers != s.cfg.max_consumers)
    return sim.fail(rec, op, srv_err::invalid_config("stream configuration update can not change MaxConsumers"), name), rec;
  if (c.storage != s.cfg.storage)
    return sim.fail(rec, op, srv_err::invalid_config("stream configuration update can not change storage type"), name), rec;
  if (c.retention != s.cfg.retention)
    return sim.fail(rec, op, srv_err::invalid_config("stream configuration update can not change retention policy"), name), rec;
  // configUpdateCheck: the mirror config cannot change; main lets an update drop it (promotion).
  if ((v29 || c.mirror) && (c.mirror.has_value() != s.cfg.mirror.has_value() || c.mirror_echo != s.cfg.mirror_echo))
    return sim.fail(rec, op, srv_err::mirror_not_updatable(), name), rec;
  if (sim.overlaps_other(a, c)) return sim.fail(rec, op, srv_err::overlap(), name), rec;
  if (!sim.sc.cluster()) {
    // The engine decides standalone updates, replica changes included (2.9.10 accepts them: the
    // account then counts replicas x max_bytes, the server still reserves max_bytes once).
    jsacct::update_options uo;
    uo.stored_bytes = static_cast<std::int64_t>(s.store.bytes());
    auto r = s.res.at(0).update(norm, uo);
    if (!r) return sim.fail(rec, op, op_error::of(r.error()), name), rec;
  } else {
    auto sel = leader.select_limits(norm);
    if (!sel && L::update_falls_back_to_old_tier && norm.replicas != s.cfg.accounting().replicas)
      sel = leader.select_limits(s.cfg.accounting());  // docs/semantics.md#stream-update step 3
    if (!sel) return sim.fail(rec, op, sim.selection_error(sel.error(), op.account, norm), name), rec;
    const auto [count, others] = sim.cluster_count_and_reservation(a, sel->tier, c);
    (void)count;
    const jsacct::update_plan plan = L::plan_update(sel->untiered(), charged<Engine>(s.cfg.accounting()), charged<Engine>(norm));
    jsacct::stream_config probe = norm;
    probe.max_bytes = plan.add_bytes;
    const std::int64_t reserved = L::combine(others, plan.own_reserved);
    for (int p : s.peers) {
      if (auto e = sim.acct_on(p, op.account).check_limits(*sel, probe, v29 || p == s.peers.front(), reserved, plan.offset);
          e != jsacct::errc::none)
        return sim.fail(rec, op,
                        sim.cluster_limits_error(sim.acct_on(p, op.account), a, *sel, probe, c, v29 || p == s.peers.front(),
                                                 reserved, plan.offset, plan.own_reserved),
                        name),
               rec;
      if (!v29) break;
    }
    // main: adding replicas also runs the clustered create's limits check for the
    // new replica count, with no fallback to the old tier (docs/semantics.md#clustered-update).
    if (!v29 && static_cast<std::size_t>(std::max<std::int64_t>(1, norm.replicas)) > s.peers.size()) {
      auto up = leader.select_limits(norm);
      if (!up) return sim.fail(rec, op, sim.selection_error(up.error(), op.account, norm), name), rec;
      const auto [streams, others_up] = sim.cluster_count_and_reservation(a, up->tier, c);
      if (up->limits.max_streams > 0 && streams >= up->limits.max_streams)
        return sim.fail(rec, op, max_streams_error(op.account, *up, name, streams), name), rec;
      if (auto e = leader.check_limits(*up, charged<Engine>(norm), false, others_up, 0); e != jsacct::errc::none)
        return sim.fail(rec, op, sim.cluster_limits_error(leader, a, *up, charged<Engine>(norm), c, false, others_up, 0), name),
               rec;
    }
    if (static_cast<std::size_t>(norm.replicas) > sim.servers.size()) return sim.fail(rec, op, srv_err::no_peers(), name), rec;
    // Replica count change: shrink drops the last peers, growth adds the least
    // reserved servers. Everything that can be refused runs first (creates on
    // new peers, updates on kept ones) and is rolled back on a refusal, so a
    // refused update leaves peers, reservations and usage as they were.
    std::vector<int> peers = s.peers;
    std::vector<int> dropped;
    while (peers.size() > static_cast<std::size_t>(norm.replicas)) {
      dropped.push_back(peers.back());
      peers.pop_back();
    }
    std::vector<int> added;
    while (peers.size() < static_cast<std::size_t>(norm.replicas)) {
      int best = -1;
      for (std::size_t i = 0; i < sim.servers.size(); ++i) {
        if (std::find(peers.begin(), peers.end(), static_cast<int>(i)) != peers.end()) continue;
        const auto rv = sim.servers[i].eng->reserved();
        const auto rb = best < 0 ? 0
                                 : (c.storage == "memory" ? sim.servers[static_cast<std::size_t>(best)].eng->reserved().mem
                                                          : sim.servers[static_cast<std::size_t>(best)].eng->reserved().store);
        if (best < 0 || (c.storage == "memory" ? rv.mem : rv.store) < rb) best = static_cast<int>(i);
      }
      peers.push_back(best);
      added.push_back(best);
    }
    std::map<int, typename simulated_cluster<Engine>::reservation> fresh;  // released if refused
    for (int p : added) {
      jsacct::create_options o;
      o.raw_precheck = false;
      o.check_limits = false;
      auto cr = sim.acct_on(p, op.account).create_stream(norm, o);
      if (!cr && v29 && cr.error() == jsacct::errc::no_limits) {
        // 2.9.10 has no scale-up check: the update is accepted, and the new peer's own
        // stream creation fails for lack of a tier, so that server holds nothing.
        peers.erase(std::find(peers.begin(), peers.end(), p));
        continue;
      }
      if (!cr) return sim.fail(rec, op, op_error::of(cr.error()), name), rec;
      fresh.emplace(p, std::move(*cr));
    }
    const jsacct::stream_config before = s.cfg.accounting();
    std::vector<int> updated;
    for (int p : peers) {
      if (fresh.count(p) != 0) continue;
      jsacct::update_options uo;
      uo.check_limits = false;
      uo.stored_bytes = static_cast<std::int64_t>(s.store.bytes());
      if (auto r = s.res.at(p).update(norm, uo); !r) {
        for (int q : updated) (void)s.res.at(q).update(before, uo);  // back to the config they accepted before
        return sim.fail(rec, op, op_error::of(r.error()), name), rec;
      }
      updated.push_back(p);
    }
    // Nothing below can be refused.
    for (int p : dropped) {
      s.res.at(p).add_usage(-static_cast<std::int64_t>(s.store.bytes()));
      s.res.at(p).reset();
      s.res.erase(p);
    }
    for (auto& [p, r] : fresh) {
      r.add_usage(static_cast<std::int64_t>(s.store.bytes()));
      jsacct::consumer_request q;
      for (std::size_t k = 0; k < s.consumers.size(); ++k) (void)r.add_consumer(q);
      s.res.emplace(p, std::move(r));
    }
    s.peers = std::move(peers);
    std::sort(s.peers.begin(), s.peers.end());
  }
  s.cfg = sim.sc.cluster() ? as_assigned(c) : c;
  s.store.enforce_all_subjects(c, [&](std::int64_t d) { sim.add_usage(s, d); });
  sim.exchange_usage();
  rec["ok"] = true;
  rec["result"] = stream_result(s);
  return rec;
}

template <class Engine>
json stream_delete(simulated_cluster<Engine>& sim, const op_spec& op, json& rec) {
  const std::string name = op.str("name");
  rec["stream"] = name;
  auto& a = sim.accounts.at(op.account);
  if (sim.gate(rec, op, a)) return rec;
  auto it = a.streams.find(name);
  if (it == a.streams.end()) return sim.fail(rec, op, op_error::of(jsacct::errc::stream_not_found), name), rec;
  auto& s = it->second;
  s.store.clear([&](std::int64_t d) { sim.add_usage(s, d); });
  for (auto& [p, r] : s.res) r.reset();
  a.streams.erase(it);
  sim.exchange_usage();
  rec["ok"] = true;
  rec["result"] = json{{"success", true}};
  return rec;
}

template <class Engine>
json stream_purge(simulated_cluster<Engine>& sim, const op_spec& op, json& rec) {
  constexpr bool v29 = simulated_cluster<Engine>::v29;
  const std::string name = op.str("name");
  rec["stream"] = name;
  json body = json::object();
  for (const char* k : {"filter", "keep", "seq"})
    if (op.has(k)) body[k] = op.raw.at(k);
  if (!body.empty()) rec["request"] = body;
  auto& a = sim.accounts.at(op.account);
  if (sim.gate(rec, op, a)) return rec;
  // The body is decoded (and seq with keep refused) before the stream is looked up.
  std::optional<std::string> filter;
  std::uint64_t seq = 0, keep = 0;
  if (!body.empty()) {
    const auto req = go_decode(body, go_purge_request());
    if (!req) return sim.fail(rec, op, srv_err::invalid_json(), name), rec;
    if (req->contains("filter")) filter = req->at("filter").get<std::string>();
    if (req->contains("seq")) seq = req->at("seq").get<std::uint64_t>();
    if (req->contains("keep")) keep = req->at("keep").get<std::uint64_t>();
    if (seq > 0 && keep > 0) return sim.fail(rec, op, srv_err::bad_request(), name), rec;
  }
  auto it = a.streams.find(name);
  if (it == a.streams.end()) return sim.fail(rec, op, op_error::of(jsacct::errc::stream_not_found), name), rec;
  auto& s = it->second;
  if (s.cfg.sealed) return sim.fail(rec, op, {400, 10109, "invalid operation on sealed stream"}, name), rec;
  if (s.cfg.deny_purge) return sim.fail(rec, op, {500, 10110, "stream purge not permitted"}, name), rec;
  // 2.9.10 quirk (oracle-verified): a subject-filtered purge of a file stream does not
  // lower the account/server usage (the store's own byte count is right).
  const bool filtered = filter && !filter->empty() && *filter != ">";
  const bool drift = v29 && filtered && s.cfg.storage == "file";
  const compact_rule rule = v29 && s.cfg.storage == "memory" ? compact_rule::memory_v29 : compact_rule::exact;
  const auto r = s.store.purge(filter, seq, keep, rule, [&](std::int64_t d) {
    if (!drift) sim.add_usage(s, d);
  });
  if (r.no_message) return sim.fail(rec, op, srv_err::no_message_found(), name), rec;
  sim.exchange_usage();
  rec["ok"] = true;
  rec["result"] = json{{"success", true}, {"purged", r.purged}};
  return rec;
}

template <class Engine>
json stream_info(simulated_cluster<Engine>& sim, const op_spec& op, json& rec) {
  const std::string name = op.str("name");
  rec["stream"] = name;
  auto& a = sim.accounts.at(op.account);
  if (sim.gate(rec, op, a)) return rec;
  auto it = a.streams.find(name);
  if (it == a.streams.end()) return sim.fail(rec, op, op_error::of(jsacct::errc::stream_not_found), name), rec;
  rec["ok"] = true;
  rec["result"] = stream_result(it->second);
  return rec;
}

template <class Engine>
json stream_names(simulated_cluster<Engine>& sim, const op_spec& op, json& rec) {
  auto& a = sim.accounts.at(op.account);
  if (sim.gate(rec, op, a)) return rec;
  json names = json::array();
  for (const auto& [n, _] : a.streams) names.push_back(n);
  rec["ok"] = true;
  rec["result"] = json{{"streams", names}, {"total", a.streams.size()}};
  return rec;
}

}  // namespace jsacct_cli
