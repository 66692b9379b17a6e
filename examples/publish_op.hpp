// SPDX-License-Identifier: Apache-2.0
/// \file
/// The publish op on the simulated servers: each message's size as the store
/// counts it, the engine's usage checks, the stream's own limits and discard
/// policy, and the acks collapsed into runs as the oracle records them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <variant>

#include <jsacct/jsacct.hpp>
#include <nlohmann/json.hpp>

#include "result_writer.hpp"
#include "scenario.hpp"
#include "server_errors.hpp"
#include "simulated_cluster.hpp"
#include "stream_model.hpp"

namespace jsacct_cli {

/// Why the stream's own limits refused a message (max_msg_size, or a discard-new cap of
/// the check_stream_caps verdict `v`), against the model store's totals.
inline jsacct::explanation stream_limit_why(const std::string& account, const full_stream_config& c, jsacct::errc code,
                                            jsacct::limit_resource res, std::int64_t requested, std::int64_t used,
                                            std::int64_t limit) {
  jsacct::explanation w;
  w.code = code;
  w.level = jsacct::limit_level::stream;
  w.source = jsacct::limit_source::stream_config;
  w.resource = res;
  w.account = account;
  w.stream = c.name;
  w.requested = requested;
  w.used = used;
  w.limit = limit;
  return w;
}

/// One message; returns the sequence or the error.
template <class Engine>
std::variant<std::uint64_t, op_error> publish_one(simulated_cluster<Engine>& sim,
                                                  typename simulated_cluster<Engine>::stream_rt& s, const std::string& subject,
                                                  std::uint64_t hdr, std::uint64_t payload) {
  constexpr bool v29 = simulated_cluster<Engine>::v29;
  const auto& c = s.cfg;
  const std::string& account = s.res.at(s.peers.front()).account().name();
  if (c.max_msg_size >= 0 && hdr + payload > static_cast<std::uint64_t>(c.max_msg_size))
    return with_why(srv_err::msg_too_big(), stream_limit_why(account, c, jsacct::errc::stream_message_exceeds_maximum,
                                                             jsacct::limit_resource::message_size,
                                                             static_cast<std::int64_t>(hdr + payload), 0, c.max_msg_size));
  const jsacct::msg_lengths m{subject.size(), hdr, payload};
  const std::uint64_t size = c.storage == "memory" ? jsacct::mem_store_msg_size(m) : jsacct::file_store_msg_size(m);
  auto& leader = s.res.at(s.peers.front());
  if (auto v = leader.check_publish(m); v != jsacct::errc::none)
    return with_why(op_error::of(v.to_api_error()), leader.explain_publish(m));
  if (v29 && sim.sc.cluster()) {  // 2.9.10 clustered leader pre-check: store total vs MaxStore (also for memory)
    auto acc = leader.account();
    auto sel = acc.select_limits(c.accounting());
    if (sel) {
      const auto u = acc.usage_of(leader.tier(), jsacct::storage_type::file);
      const std::int64_t lim = sel->limits.max_store;
      if (lim > 0 && u.total + static_cast<std::int64_t>(size) * c.replicas > lim) {
        auto w = limit_why(jsacct::errc::account_resources_exceeded, jsacct::limit_resource::storage, account, sel->tier, c.name,
                           static_cast<std::int64_t>(size) * c.replicas, u.total, lim);
        return with_why(op_error::of(jsacct::errc::account_resources_exceeded), std::move(w));
      }
    }
  }
  // The store's discard-new refusals (docs/semantics.md#stream-caps), against the model store's totals;
  // the evictions of an accepted message are the model store's enforce() below.
  jsacct::stream_config caps = c.accounting();
  caps.max_msgs = c.max_msgs;
  caps.discard = c.discard == "new" ? jsacct::discard_policy::new_ : jsacct::discard_policy::old_;
  constexpr auto rules = v29 ? jsacct::stream_caps_rules::v2_9 : jsacct::stream_caps_rules::main;
  if (auto v = jsacct::check_stream_caps(caps, {s.store.messages(), s.store.bytes()}, m, std::nullopt, rules); !v.accepted()) {
    const bool msgs = v.text == jsacct::err_max_msgs_text;
    const std::uint64_t counted = v29 ? hdr + payload : size;  // 2.9.10 compares header + payload
    return with_why(op_error::of(v.to_api_error()),
                    stream_limit_why(account, c, v.error,
                                     msgs ? jsacct::limit_resource::stream_messages : jsacct::limit_resource::stream_bytes,
                                     msgs ? 1 : static_cast<std::int64_t>(counted),
                                     static_cast<std::int64_t>(msgs ? s.store.messages() : s.store.bytes()),
                                     msgs ? c.max_msgs : c.max_bytes));
  }
  auto delta = [&](std::int64_t d) { sim.add_usage(s, d); };
  const std::uint64_t seq = s.store.store(subject, size, delta);
  s.store.enforce(c, subject, delta);
  sim.exchange_usage();
  if (auto e = leader.check_stored(); e != jsacct::errc::none) {  // 2.9.10: stored, checked, removed; the sequence is burnt
    // The usage with the message stored: the total the post-store check compared.
    const auto u = leader.account().usage_of(leader.tier(),
                                             c.storage == "memory" ? jsacct::storage_type::memory : jsacct::storage_type::file);
    auto sel = leader.account().select_limits(c.accounting());
    std::optional<jsacct::explanation> w;
    if (sel && e == jsacct::errc::account_resources_exceeded) {
      const bool memory = c.storage == "memory";
      const std::int64_t lim = memory ? sel->limits.max_memory : sel->limits.max_store;
      const std::int64_t cap = memory ? sel->limits.memory_max_stream_bytes : sel->limits.store_max_stream_bytes;
      // 2.9.10 also compares the tier's total against the per-stream cap (its bug).
      const bool by_cap = !(lim >= 0 && u.total > lim);
      w = limit_why(e,
                    by_cap   ? jsacct::limit_resource::stream_max_bytes
                    : memory ? jsacct::limit_resource::memory
                             : jsacct::limit_resource::storage,
                    account, sel->tier, c.name, static_cast<std::int64_t>(size), u.total - static_cast<std::int64_t>(size),
                    by_cap ? cap : lim);
    }
    s.store.remove(seq, delta);
    sim.exchange_usage();
    return with_why(op_error::of(e), std::move(w));
  }
  if (c.retention == "interest" && s.consumers.empty()) {  // no interest: acknowledged, then dropped at once
    s.store.remove(seq, delta);
    sim.exchange_usage();
  }
  return seq;
}

/// A publish op: `count` messages, acks collapsed into runs.
template <class Engine>
json publish(simulated_cluster<Engine>& sim, const op_spec& op, json& rec) {
  const std::string subject = op.str("subject");
  const std::int64_t count = op.num("count", 1), size = op.num("size", 0), hb = op.num("header_bytes", 0);
  rec["subject"] = subject;
  rec["count"] = count;
  rec["size"] = size;
  rec["header_bytes"] = hb;
  auto& a = sim.accounts.at(op.account);
  json runs = json::array();
  std::string cur_key;
  bool all_ok = true;
  auto push = [&](json entry, const std::string& key, std::optional<std::uint64_t> seq) {
    if (!runs.empty() && key == cur_key) {
      json& cur = runs.back();
      if (seq) {
        if (cur["last_seq"].get<std::uint64_t>() + 1 == *seq) {
          cur["last_seq"] = *seq;
          cur["n"] = cur["n"].get<std::int64_t>() + 1;
          return;
        }
      } else {
        cur["n"] = cur["n"].get<std::int64_t>() + 1;
        return;
      }
    }
    entry["n"] = 1;
    if (seq) {
      entry["first_seq"] = *seq;
      entry["last_seq"] = *seq;
    }
    cur_key = key;
    runs.push_back(std::move(entry));
  };
  // Refused messages per (no responders, stream, code, err_code, description), for the report.
  std::map<std::tuple<bool, std::string, int, int, std::string>, std::uint64_t> failures;
  std::map<std::tuple<bool, std::string, int, int, std::string>, std::shared_ptr<const jsacct::explanation>> first_why;
  for (std::int64_t n = 0; n < count; ++n) {
    auto* s = a.mode == account_mode::enabled ? sim.stream_for_subject(a, subject) : nullptr;
    if (s == nullptr) {
      all_ok = false;
      push(json{{"no_responders", true}}, "nr", std::nullopt);
      failures[{true, {}, 0, 0, "no responders"}] += 1;
      continue;
    }
    auto r = publish_one(sim, *s, subject, static_cast<std::uint64_t>(hb), static_cast<std::uint64_t>(size));
    if (auto* e = std::get_if<op_error>(&r)) {
      all_ok = false;
      json entry{{"error", e->to_json()}, {"stream", s->cfg.name}};
      push(entry, compact(entry), std::nullopt);
      failures[{false, s->cfg.name, e->code, e->err_code, e->description}] += 1;
      auto& why = first_why[{false, s->cfg.name, e->code, e->err_code, e->description}];
      if (!why) why = e->why;  // the first refused message's explanation
    } else {
      push(json{{"stream", s->cfg.name}}, "ok:" + s->cfg.name, std::get<std::uint64_t>(r));
    }
  }
  for (const auto& [k, n] : failures) {
    const auto& [no_responders, stream, code, err_code, description] = k;
    sim.rejections.push_back(decision{op.index, op.op, op.account, no_responders ? subject : stream,
                                      op_error{code, err_code, description, first_why[k]}, n});
  }
  rec["acks"] = runs;
  rec["ok"] = all_ok;
  return rec;
}

}  // namespace jsacct_cli
