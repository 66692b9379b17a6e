// SPDX-License-Identifier: Apache-2.0
/// \file
/// Replays an oracle scenario against jsacct engines: one engine per simulated
/// server (1 standalone, 3 in a cluster), the stream layer of stream_model.hpp
/// around them, and one result record per op in the oracle's format. Every
/// accounting decision (limits, reservations, usage checks, account admission)
/// is the engine's; this file only sequences the flows the way nats-server does.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <jsacct/jsacct.hpp>
#include <jsacct/observe/json.hpp>
#include <nlohmann/json.hpp>

#include "result_writer.hpp"
#include "scenario.hpp"
#include "stream_model.hpp"

namespace jsacct_cli {

using json = nlohmann::json;

/// A rejected op as the server reports it.
struct op_error {
  int code = 0;
  int err_code = 0;
  std::string description;
  static op_error of(const jsacct::api_error& e) { return {e.code(), e.err_code(), e.description()}; }
  json to_json() const { return json{{"code", code}, {"err_code", err_code}, {"description", description}}; }
};

/// Server texts the stream layer produces (nats-server 2.9.10, verified with the oracle).
namespace srv_err {
inline op_error invalid_json() { return {400, 10025, "invalid JSON"}; }
inline op_error bad_request() { return {400, 10003, "bad request"}; }
inline op_error stream_mismatch() { return {400, 10056, "stream name in subject does not match request"}; }
inline op_error overlap() { return {400, 10065, "subjects overlap with an existing stream"}; }
inline op_error invalid_config(const std::string& s) { return {500, 10052, s}; }
inline op_error consumer_not_found() { return {404, 10014, "consumer not found"}; }
inline op_error max_msgs() { return {503, 10077, "maximum messages exceeded"}; }
inline op_error max_bytes() { return {503, 10077, "maximum bytes exceeded"}; }
inline op_error msg_too_big() { return {400, 10054, "message size exceeds maximum allowed"}; }
inline op_error filter_subset() { return {400, 10093, "consumer filter subject is not a valid subset of the interest subjects"}; }
inline op_error deliver_update() { return {500, 10012, "deliver policy can not be updated"}; }
inline op_error ack_pending(std::int64_t lim) {
  return {400, 10121, "consumer max ack pending exceeds system limit of " + std::to_string(lim)};
}
inline op_error wq_multiple() { return {400, 10099, "multiple non-filtered consumers not allowed on workqueue stream"}; }
inline op_error wq_ack() { return {400, 10098, "workqueue stream requires explicit ack"}; }
inline op_error no_peers() { return {400, 10005, "no suitable peers for placement"}; }
}  // namespace srv_err

/// How an account answers the JetStream API.
enum class account_mode { enabled, not_enabled /*10039*/, no_responders };

/// One op decision (for the human report).
struct decision {
  std::size_t index;
  std::string op, account, target;
  op_error error;
  std::uint64_t count = 1;
};

template <class Engine>
class replayer {
 public:
  using account = typename Engine::account;
  using reservation = typename Engine::reservation;
  using L = typename Engine::checker;
  static constexpr bool v29 = !L::check_before_store;

  explicit replayer(const scenario& sc) : sc_(sc) {}

  struct stream_rt {
    full_stream_config cfg;
    std::vector<int> peers;
    std::map<int, reservation> res;
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

  /// Run the scenario; returns the result document.
  json run() {
    json doc;
    doc["scenario"] = sc_.name;
    doc["mode"] = sc_.mode;
    doc["accounts_mode"] = sc_.accounts_mode;
    doc["oracle_format"] = 1;
    doc["server_version"] = v29 ? "2.9.10" : "main";
    doc["results"] = json::array();
    if (auto fatal = startup()) {
      doc["startup"] = json{{"ok", false}, {"fatal", *fatal}};
      return doc;
    }
    doc["startup"] = json{{"ok", true}};
    for (const auto& op : sc_.ops) doc["results"].push_back(exec(op));
    return doc;
  }

  const std::vector<decision>& rejections() const { return rejections_; }
  const std::map<std::string, account_rt>& accounts() const { return accts_; }
  const std::vector<server_rt>& servers() const { return servers_; }
  /// account_info result for `name` (nullopt when not enabled).
  std::optional<json> account_info_json(const std::string& name) const {
    auto it = accts_.find(name);
    if (it == accts_.end() || it->second.mode != account_mode::enabled) return std::nullopt;
    return account_info(name, it->second);
  }
  json server_info_json() const { return server_info(); }

 private:
  // ------------------------------------------------------------ startup

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

  std::optional<std::string> startup() {
    const int n = sc_.cluster() ? 3 : 1;
    for (int i = 0; i < n; ++i) {
      jsacct::jetstream_config jc;
      jc.max_memory = sc_.server_max_memory;
      jc.max_store = sc_.server_max_store;
      jc.domain = sc_.domain;
      servers_.push_back(server_rt{std::make_unique<Engine>(jc, !sc_.cluster()), {}});
    }
    const bool jwt = sc_.accounts_mode == "jwt";
    for (const auto& [name, spec] : sc_.accounts) {
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
        for (auto& s : servers_) {
          auto r = s.eng->enable_account(name, a.limits);
          if (!r) {
            if (!jwt) return "Can't start JetStream: Error enabling jetstream on configured accounts: " + r.error().text();
            a.mode = account_mode::no_responders;  // the account's JetStream import never appears
            for (auto& s2 : servers_) (void)s2.eng->disable_account(name);
            for (auto& s2 : servers_) s2.accts.erase(name);
            break;
          }
          s.accts.emplace(name, *r);
        }
      }
      accts_.emplace(name, std::move(a));
    }
    return std::nullopt;
  }

  // ------------------------------------------------------------ helpers

  static bool valid_stream_name(const std::string& n) {
    return !n.empty() && n.find_first_of(" \t\r\n\f.*>") == std::string::npos;
  }

  json base_record(const op_spec& op) const {
    json r{{"i", op.index}, {"op", op.op}};
    if (!op.account.empty()) r["account"] = op.account;
    return r;
  }
  void fail(json& rec, const op_spec& op, const op_error& e, const std::string& target = {}) {
    rec["ok"] = false;
    rec["error"] = e.to_json();
    rejections_.push_back(decision{op.index, op.op, op.account, target, e, 1});
  }
  /// True when the account's mode answered the op already.
  bool gate(json& rec, const op_spec& op, const account_rt& a) {
    if (a.mode == account_mode::no_responders) {
      rec["ok"] = false;
      rec["no_responders"] = true;
      rejections_.push_back(decision{op.index, op.op, op.account, {}, op_error{0, 0, "no responders"}, 1});
      return true;
    }
    if (a.mode == account_mode::not_enabled) {
      fail(rec, op, op_error::of(jsacct::errc::not_enabled_for_account));
      return true;
    }
    return false;
  }

  static json config_result(const full_stream_config& c) {
    return json{{"name", c.name},
                {"subjects", c.subjects},
                {"storage", c.storage},
                {"num_replicas", c.replicas},
                {"retention", c.retention},
                {"discard", c.discard},
                {"max_bytes", c.max_bytes},
                {"max_msgs", c.max_msgs},
                {"max_msgs_per_subject", c.max_msgs_per_subject},
                {"max_msg_size", c.max_msg_size},
                {"max_consumers", c.max_consumers},
                {"max_age", c.max_age}};
  }
  /// The whole config as the server's stream info carries it (the merge base of an update).
  static json config_full(const full_stream_config& c) {
    json j = config_result(c);
    j["duplicate_window"] = c.duplicate_window;
    j["allow_direct"] = c.allow_direct;
    j["allow_rollup_hdrs"] = c.allow_rollup_hdrs;
    j["deny_delete"] = c.deny_delete;
    j["deny_purge"] = c.deny_purge;
    j["mirror_direct"] = c.mirror_direct;
    j["sealed"] = c.sealed;
    if (!c.description.empty()) j["description"] = c.description;
    if (c.no_ack) j["no_ack"] = true;
    return j;
  }
  static json state_json(const stream_rt& s) {
    json j{{"messages", s.store.messages()},
           {"bytes", s.store.bytes()},
           {"first_seq", s.store.first_seq()},
           {"last_seq", s.store.last_seq()},
           {"consumer_count", s.consumers.size()}};
    if (auto d = s.store.num_deleted(); d > 0) j["num_deleted"] = d;
    if (auto n = s.store.num_subjects(); n > 0) j["num_subjects"] = n;
    return j;
  }
  static json stream_result(const stream_rt& s) { return json{{"config", config_result(s.cfg)}, {"state", state_json(s)}}; }

  /// Build the request body of a stream create/update (FORMAT.md: op keys, default subjects, raw config last).
  static json build_stream_request(const op_spec& op, const json& base) {
    json cfg = base.is_object() ? base : json::object();
    static const std::vector<std::pair<const char*, const char*>> keys{{"name", "name"},
                                                                       {"subjects", "subjects"},
                                                                       {"storage", "storage"},
                                                                       {"replicas", "num_replicas"},
                                                                       {"max_bytes", "max_bytes"},
                                                                       {"max_msgs", "max_msgs"},
                                                                       {"max_msgs_per_subject", "max_msgs_per_subject"},
                                                                       {"max_msg_size", "max_msg_size"},
                                                                       {"max_consumers", "max_consumers"},
                                                                       {"max_age", "max_age"},
                                                                       {"discard", "discard"},
                                                                       {"retention", "retention"}};
    for (const auto& [ok, jk] : keys)
      if (op.has(ok)) cfg[jk] = op.raw.at(ok);
    if (!cfg.contains("subjects")) cfg["subjects"] = json::array({op.str("name") + ".>"});
    if (op.has("config"))
      for (auto it = op.raw.at("config").begin(); it != op.raw.at("config").end(); ++it) cfg[it.key()] = it.value();
    return cfg;
  }

  /// Decode a request body into a normalized config and the raw accounting view.
  static std::optional<op_error> parse_stream_request(const json& req, full_stream_config& c, jsacct::stream_config& raw) {
    auto i64 = [&](const char* k, std::int64_t d) { return req.contains(k) ? req.at(k).get<std::int64_t>() : d; };
    auto str = [&](const char* k) { return req.contains(k) ? req.at(k).get<std::string>() : std::string(); };
    auto flag = [&](const char* k) { return req.contains(k) && req.at(k).get<bool>(); };
    c = full_stream_config{};
    c.name = str("name");
    if (req.contains("subjects")) c.subjects = req.at("subjects").get<std::vector<std::string>>();
    const std::string st = str("storage");
    if (st.empty() || st == "file")
      c.storage = "file";
    else if (st == "memory")
      c.storage = "memory";
    else
      return srv_err::invalid_json();
    const std::string ret = str("retention");
    if (ret.empty() || ret == "limits")
      c.retention = "limits";
    else if (ret == "interest" || ret == "workqueue")
      c.retention = ret;
    else
      return srv_err::invalid_json();
    const std::string dis = str("discard");
    if (dis.empty() || dis == "old")
      c.discard = "old";
    else if (dis == "new")
      c.discard = "new";
    else
      return srv_err::invalid_json();
    raw.name = c.name;
    raw.storage = st.empty() ? jsacct::storage_type::unset : c.storage_type();
    raw.replicas = i64("num_replicas", 0);
    raw.max_bytes = i64("max_bytes", 0);
    raw.max_consumers = i64("max_consumers", 0);
    auto norm = [](std::int64_t v) { return v == 0 ? -1 : v; };
    c.replicas = raw.replicas == 0 ? 1 : raw.replicas;
    // 2.9.10 maps only 0 to -1 and echoes other negative values (oracle-verified); main maps every value < -1 too.
    c.max_bytes = (raw.max_bytes == 0 || (!v29 && raw.max_bytes < -1)) ? -1 : raw.max_bytes;
    c.max_consumers = (raw.max_consumers == 0 || (!v29 && raw.max_consumers < -1)) ? -1 : raw.max_consumers;
    c.max_msgs = norm(i64("max_msgs", 0));
    c.max_msgs_per_subject = norm(i64("max_msgs_per_subject", 0));
    c.max_msg_size = norm(i64("max_msg_size", 0));
    c.max_age = i64("max_age", 0);
    c.description = str("description");
    c.allow_direct = flag("allow_direct");
    c.allow_rollup_hdrs = flag("allow_rollup_hdrs");
    c.deny_delete = flag("deny_delete");
    c.deny_purge = flag("deny_purge");
    c.mirror_direct = flag("mirror_direct");
    c.sealed = flag("sealed");
    c.no_ack = flag("no_ack");
    c.duplicate_window = i64("duplicate_window", 0);
    constexpr std::int64_t two_min = 120'000'000'000;
    if (c.duplicate_window == 0) c.duplicate_window = (c.max_age != 0 && c.max_age < two_min) ? c.max_age : two_min;
    if (c.duplicate_window < 0) return srv_err::invalid_config("duplicates window can not be negative");
    if (c.max_age > 0 && c.max_age < 100'000'000) return srv_err::invalid_config("max age needs to be >= 100ms");
    if (c.max_age != 0 && c.duplicate_window > c.max_age)
      return srv_err::invalid_config("duplicates window can not be larger then max age");
    if (c.subjects.empty()) c.subjects = {c.name};
    return std::nullopt;
  }

  bool overlaps_other(const account_rt& a, const full_stream_config& c) const {
    for (const auto& [n, s] : a.streams) {
      if (n == c.name) continue;
      for (const auto& x : s.cfg.subjects)
        for (const auto& y : c.subjects)
          if (subjects_overlap(x, y)) return true;
    }
    return false;
  }

  account& acct_on(int server, const std::string& name) { return servers_[static_cast<std::size_t>(server)].accts.at(name); }

  /// Feed one replica's usage delta to its engine.
  void add_usage(stream_rt& s, std::int64_t delta) {
    for (auto& [peer, r] : s.res) r.add_usage(delta);
  }

  /// $JSC.ARU: every server's local usage replaces its contribution on the others.
  void exchange_usage() {
    if (servers_.size() < 2) return;
    for (std::size_t i = 0; i < servers_.size(); ++i) {
      const std::string node = "n" + std::to_string(i + 1);
      for (auto& entry : servers_[i].accts) {
        const std::string& name = entry.first;  // a structured binding cannot be captured by clang 14
        entry.second.for_each_local_usage([&](std::string_view tier, std::int64_t mem, std::int64_t store) {
          for (std::size_t j = 0; j < servers_.size(); ++j) {
            if (j == i) continue;
            auto it = servers_[j].accts.find(name);
            if (it != servers_[j].accts.end()) it->second.apply_remote_usage(node, tier, mem, store);
          }
        });
      }
    }
  }

  // ------------------------------------------------------------ ops

  json exec(const op_spec& op) {
    json rec = base_record(op);
    if (op.op == "stream_create") return stream_create(op, rec);
    if (op.op == "stream_update") return stream_update(op, rec);
    if (op.op == "stream_delete") return stream_delete(op, rec);
    if (op.op == "stream_purge") return stream_purge(op, rec);
    if (op.op == "stream_info") return stream_info(op, rec);
    if (op.op == "stream_names") return stream_names(op, rec);
    if (op.op == "publish") return publish(op, rec);
    if (op.op == "consumer_create") return consumer_create(op, rec);
    if (op.op == "consumer_delete") return consumer_delete(op, rec);
    if (op.op == "account_info") {
      auto& a = accts_.at(op.account);
      if (gate(rec, op, a)) return rec;
      rec["ok"] = true;
      rec["result"] = account_info(op.account, a);
      return rec;
    }
    if (op.op == "server_info") {
      rec["ok"] = true;
      rec["result"] = server_info();
      rec["servers"] = servers_.size();
      return rec;
    }
    rec["ok"] = true;  // wait
    return rec;
  }

  json stream_create(const op_spec& op, json& rec) {
    const std::string name = op.str("name");
    rec["stream"] = name;
    json req = build_stream_request(op, json());
    rec["request"] = req;
    auto& a = accts_.at(op.account);
    if (gate(rec, op, a)) return rec;
    if (!valid_stream_name(name)) {
      rec["ok"] = false;
      rec["timeout"] = true;
      rejections_.push_back(decision{op.index, op.op, op.account, name, op_error{0, 0, "timeout (invalid stream name)"}, 1});
      return rec;
    }
    full_stream_config c;
    jsacct::stream_config raw;
    if (auto e = parse_stream_request(req, c, raw)) return fail(rec, op, *e, name), rec;
    if (c.name != name) return fail(rec, op, srv_err::stream_mismatch(), name), rec;
    auto existing = a.streams.find(name);
    const bool same = existing != a.streams.end() && existing->second.cfg == c;
    if (sc_.cluster()) return cluster_create(op, rec, a, c, same);

    account& acc = acct_on(0, op.account);
    if (overlaps_other(a, c) && !same) {
      // The server finds the overlap after the pre-check, the config checks and the
      // existing-name check but before the reservation check: run those first.
      if (auto e = precheck_until_overlap(acc, raw, c, existing != a.streams.end()); e) return fail(rec, op, *e, name), rec;
      return fail(rec, op, srv_err::overlap(), name), rec;
    }
    jsacct::create_options o;
    o.same_as_existing = same;
    auto r = acc.create_stream(raw, o);
    if (!r) return fail(rec, op, op_error::of(r.error()), name), rec;
    if (!r->did_create()) {
      (void)r->release();  // the existing stream keeps its own handle
      rec["ok"] = true;
      rec["result"] = stream_result(existing->second);
      rec["result"]["did_create"] = true;  // 2.9.10 standalone answers an identical re-create as a create
      return rec;
    }
    stream_rt s;
    s.cfg = c;
    s.peers = {0};
    s.res.emplace(0, std::move(*r));
    auto& ins = a.streams[name] = std::move(s);
    rec["ok"] = true;
    rec["result"] = stream_result(ins);
    rec["result"]["did_create"] = true;
    return rec;
  }

  std::optional<op_error> precheck_until_overlap(account& acc, const jsacct::stream_config& raw, const full_stream_config& c,
                                                 bool exists) {
    auto sel = acc.select_limits(raw);
    if (!sel) return op_error::of(sel.error());
    if (sel->limits.max_streams > 0 && acc.count_streams(sel->tier, raw) >= sel->limits.max_streams)
      return op_error::of(jsacct::errc::maximum_streams_limit);
    if (auto e = acc.check_limits(*sel, raw, true, acc.tiered_reservation(sel->tier, raw), 0); e != jsacct::errc::none)
      return op_error::of(e);
    const auto norm = c.accounting();
    const auto [required, cap] = acc.max_bytes_limits(norm);
    if (required && norm.max_bytes <= 0) return op_error::of(jsacct::errc::stream_max_bytes_required);
    if (cap > 0 && norm.max_bytes > cap) return op_error::of(jsacct::errc::stream_max_stream_bytes_exceeded);
    if (!sc_.cluster() && norm.replicas > 1) return op_error::of(jsacct::errc::stream_replicas_not_supported);
    if (exists) return op_error::of(jsacct::errc::stream_name_exist);
    return std::nullopt;
  }

  /// Other assignments of the account: count and reservation for `c` (spec §7.4, clustered).
  std::pair<std::int64_t, std::int64_t> cluster_count_and_reservation(const account_rt& a, const std::string& tier,
                                                                      const full_stream_config& c) {
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
      if (s.cfg.max_bytes > 0 && s.cfg.storage == c.storage) res += L::footprint(untiered, s.cfg.replicas, s.cfg.max_bytes);
    }
    return {count, L::finish_sum(res)};
  }

  json cluster_create(const op_spec& op, json& rec, account_rt& a, const full_stream_config& c, bool same) {
    const std::string& name = c.name;
    account& meta = acct_on(0, op.account);
    const auto norm = c.accounting();
    // 1. Normalization and validation first.
    if (norm.replicas > 5) return fail(rec, op, srv_err::invalid_config("maximum replicas is 5"), name), rec;
    const auto [required, cap] = meta.max_bytes_limits(norm);
    if (required && norm.max_bytes <= 0) return fail(rec, op, op_error::of(jsacct::errc::stream_max_bytes_required), name), rec;
    if (cap > 0 && norm.max_bytes > cap)
      return fail(rec, op, op_error::of(jsacct::errc::stream_max_stream_bytes_exceeded), name), rec;
    // 2. Existing assignment.
    auto existing = a.streams.find(name);
    if (existing != a.streams.end() && !same) return fail(rec, op, op_error::of(jsacct::errc::stream_name_exist), name), rec;
    if (!same && overlaps_other(a, c)) return fail(rec, op, srv_err::overlap(), name), rec;
    // 3. Meta leader limits check with the account's assignments.
    auto sel = meta.select_limits(norm);
    if (!sel) return fail(rec, op, op_error::of(sel.error()), name), rec;
    const auto [count, reserved] = cluster_count_and_reservation(a, sel->tier, c);
    if (sel->limits.max_streams > 0 && count >= sel->limits.max_streams)
      return fail(rec, op, op_error::of(jsacct::errc::maximum_streams_limit), name), rec;
    if (auto e = meta.check_limits(*sel, norm, false, reserved, 0); e != jsacct::errc::none)
      return fail(rec, op, op_error::of(e), name), rec;
    if (same) {
      rec["ok"] = true;
      rec["result"] = stream_result(existing->second);
      return rec;
    }
    // 4. Placement and peer-side creation.
    const std::size_t r = static_cast<std::size_t>(c.replicas);
    if (r > servers_.size()) return fail(rec, op, srv_err::no_peers(), name), rec;
    std::vector<int> order;
    for (std::size_t i = 0; i < servers_.size(); ++i) {
      // Placement only considers servers whose reservations leave room for max_bytes (unlimited streams fit anywhere).
      if (c.max_bytes > 0 &&
          acct_on(static_cast<int>(i), op.account).check_limits(*sel, norm, true, reserved, 0) != jsacct::errc::none)
        continue;
      order.push_back(static_cast<int>(i));
    }
    if (order.size() < r)
      return fail(rec, op, {400, 10005, std::string("no suitable peers for placement, insufficient storage")}, name), rec;
    const int slot = c.storage == "memory" ? 0 : 1;
    std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
      const auto rx = servers_[static_cast<std::size_t>(x)].eng->reserved(),
                 ry = servers_[static_cast<std::size_t>(y)].eng->reserved();
      return (slot == 0 ? rx.mem : rx.store) < (slot == 0 ? ry.mem : ry.store);
    });
    order.resize(r);
    std::sort(order.begin(), order.end());
    if (v29) {  // 2.9.10: every peer re-runs the account check and its own server check
      for (int p : order)
        if (auto e = acct_on(p, op.account).check_limits(*sel, norm, true, reserved, 0); e != jsacct::errc::none)
          return fail(rec, op, op_error::of(e), name), rec;
    }
    stream_rt s;
    s.cfg = c;
    s.peers = order;
    for (int p : order) {
      jsacct::create_options o;
      o.raw_precheck = false;
      o.check_limits = false;
      auto cr = acct_on(p, op.account).create_stream(norm, o);
      if (!cr) return fail(rec, op, op_error::of(cr.error()), name), rec;
      s.res.emplace(p, std::move(*cr));
    }
    auto& ins = a.streams[name] = std::move(s);
    rec["ok"] = true;
    rec["result"] = stream_result(ins);
    rec["result"]["did_create"] = true;
    return rec;
  }

  json stream_update(const op_spec& op, json& rec) {
    const std::string name = op.str("name");
    rec["stream"] = name;
    auto& a = accts_.at(op.account);
    auto it = a.streams.find(name);
    json base;
    if (op.flag("merge", true) && a.mode == account_mode::enabled && it != a.streams.end()) base = config_full(it->second.cfg);
    json req = build_stream_request(op, base);
    rec["request"] = req;
    if (gate(rec, op, a)) return rec;
    full_stream_config c;
    jsacct::stream_config raw;
    if (auto e = parse_stream_request(req, c, raw)) return fail(rec, op, *e, name), rec;
    if (c.name != name) return fail(rec, op, srv_err::stream_mismatch(), name), rec;
    if (it == a.streams.end()) return fail(rec, op, op_error::of(jsacct::errc::stream_not_found), name), rec;
    stream_rt& s = it->second;
    const auto norm = c.accounting();
    account& leader = acct_on(s.peers.front(), op.account);
    if (norm.replicas > 5) return fail(rec, op, srv_err::invalid_config("maximum replicas is 5"), name), rec;
    const auto [required, cap] = leader.max_bytes_limits(norm);
    if (required && norm.max_bytes <= 0) return fail(rec, op, op_error::of(jsacct::errc::stream_max_bytes_required), name), rec;
    if (cap > 0 && norm.max_bytes > cap)
      return fail(rec, op, op_error::of(jsacct::errc::stream_max_stream_bytes_exceeded), name), rec;
    if (c.max_consumers != s.cfg.max_consumers)
      return fail(rec, op, srv_err::invalid_config("stream configuration update can not change MaxConsumers"), name), rec;
    if (c.storage != s.cfg.storage)
      return fail(rec, op, srv_err::invalid_config("stream configuration update can not change storage type"), name), rec;
    if (c.retention != s.cfg.retention)
      return fail(rec, op, srv_err::invalid_config("stream configuration update can not change retention policy"), name), rec;
    if (overlaps_other(a, c)) return fail(rec, op, srv_err::overlap(), name), rec;
    if (!sc_.cluster() && !(v29 && norm.replicas > 1)) {
      jsacct::update_options uo;
      uo.stored_bytes = static_cast<std::int64_t>(s.store.bytes());
      auto r = s.res.at(0).update(norm, uo);
      if (!r) return fail(rec, op, op_error::of(r.error()), name), rec;
    } else if (!sc_.cluster()) {
      // 2.9.10 accepts a standalone update to replicas > 1 (no 10074 on update, oracle-verified);
      // the engine refuses it, so check with the engine's primitives and apply with the accounting replicas of the stream.
      auto sel = leader.select_limits(norm);
      if (!sel) return fail(rec, op, op_error::of(sel.error()), name), rec;
      const jsacct::update_plan plan = L::plan_update(sel->untiered(), s.cfg.accounting(), norm);
      jsacct::stream_config probe = norm;
      probe.max_bytes = plan.add_bytes;
      const std::int64_t reserved = L::combine(leader.tiered_reservation(sel->tier, norm), plan.own_reserved);
      if (auto e = leader.check_limits(*sel, probe, true, reserved, plan.offset); e != jsacct::errc::none)
        return fail(rec, op, op_error::of(e), name), rec;
      jsacct::update_options uo;
      uo.check_limits = false;
      uo.stored_bytes = static_cast<std::int64_t>(s.store.bytes());
      jsacct::stream_config applied = norm;
      applied.replicas = 1;
      auto r = s.res.at(0).update(applied, uo);
      if (!r) return fail(rec, op, op_error::of(r.error()), name), rec;
    } else {
      auto sel = leader.select_limits(norm);
      if (!sel && L::update_falls_back_to_old_tier && norm.replicas != s.cfg.accounting().replicas)
        sel = leader.select_limits(s.cfg.accounting());  // spec §7.5.3 step 3
      if (!sel) return fail(rec, op, op_error::of(sel.error()), name), rec;
      const auto [count, others] = cluster_count_and_reservation(a, sel->tier, c);
      (void)count;
      const jsacct::update_plan plan = L::plan_update(sel->untiered(), s.cfg.accounting(), norm);
      jsacct::stream_config probe = norm;
      probe.max_bytes = plan.add_bytes;
      const std::int64_t reserved = L::combine(others, plan.own_reserved);
      for (int p : s.peers) {
        if (auto e = acct_on(p, op.account).check_limits(*sel, probe, v29 || p == s.peers.front(), reserved, plan.offset);
            e != jsacct::errc::none)
          return fail(rec, op, op_error::of(e), name), rec;
        if (!v29) break;
      }
      if (static_cast<std::size_t>(norm.replicas) > servers_.size()) return fail(rec, op, srv_err::no_peers(), name), rec;
      // Replica count change: shrink drops the last peers, growth adds the least reserved servers.
      while (s.peers.size() > static_cast<std::size_t>(norm.replicas)) {
        const int p = s.peers.back();
        s.res.at(p).add_usage(-static_cast<std::int64_t>(s.store.bytes()));
        s.res.at(p).reset();
        s.res.erase(p);
        s.peers.pop_back();
      }
      std::vector<int> added;
      while (s.peers.size() < static_cast<std::size_t>(norm.replicas)) {
        int best = -1;
        for (std::size_t i = 0; i < servers_.size(); ++i) {
          if (std::find(s.peers.begin(), s.peers.end(), static_cast<int>(i)) != s.peers.end()) continue;
          const auto rv = servers_[i].eng->reserved();
          const auto rb = best < 0 ? 0
                                   : (c.storage == "memory" ? servers_[static_cast<std::size_t>(best)].eng->reserved().mem
                                                            : servers_[static_cast<std::size_t>(best)].eng->reserved().store);
          if (best < 0 || (c.storage == "memory" ? rv.mem : rv.store) < rb) best = static_cast<int>(i);
        }
        s.peers.push_back(best);
        added.push_back(best);
      }
      for (int p : s.peers) {
        if (std::find(added.begin(), added.end(), p) != added.end()) {
          jsacct::create_options o;
          o.raw_precheck = false;
          o.check_limits = false;
          auto cr = acct_on(p, op.account).create_stream(norm, o);
          if (!cr) return fail(rec, op, op_error::of(cr.error()), name), rec;
          cr->add_usage(static_cast<std::int64_t>(s.store.bytes()));
          jsacct::consumer_request q;
          for (std::size_t k = 0; k < s.consumers.size(); ++k) (void)cr->add_consumer(q);
          s.res.emplace(p, std::move(*cr));
          continue;
        }
        jsacct::update_options uo;
        uo.check_limits = false;
        uo.stored_bytes = static_cast<std::int64_t>(s.store.bytes());
        auto r = s.res.at(p).update(norm, uo);
        if (!r) return fail(rec, op, op_error::of(r.error()), name), rec;
      }
      std::sort(s.peers.begin(), s.peers.end());
    }
    s.cfg = c;
    s.store.enforce_all_subjects(c, [&](std::int64_t d) { add_usage(s, d); });
    exchange_usage();
    rec["ok"] = true;
    rec["result"] = stream_result(s);
    return rec;
  }

  json stream_delete(const op_spec& op, json& rec) {
    const std::string name = op.str("name");
    rec["stream"] = name;
    auto& a = accts_.at(op.account);
    if (gate(rec, op, a)) return rec;
    auto it = a.streams.find(name);
    if (it == a.streams.end()) return fail(rec, op, op_error::of(jsacct::errc::stream_not_found), name), rec;
    stream_rt& s = it->second;
    s.store.clear([&](std::int64_t d) { add_usage(s, d); });
    for (auto& [p, r] : s.res) r.reset();
    a.streams.erase(it);
    exchange_usage();
    rec["ok"] = true;
    rec["result"] = json{{"success", true}};
    return rec;
  }

  json stream_purge(const op_spec& op, json& rec) {
    const std::string name = op.str("name");
    rec["stream"] = name;
    json body = json::object();
    for (const char* k : {"filter", "keep", "seq"})
      if (op.has(k)) body[k] = op.raw.at(k);
    if (!body.empty()) rec["request"] = body;
    auto& a = accts_.at(op.account);
    if (gate(rec, op, a)) return rec;
    auto it = a.streams.find(name);
    if (it == a.streams.end()) return fail(rec, op, op_error::of(jsacct::errc::stream_not_found), name), rec;
    stream_rt& s = it->second;
    std::optional<std::string> filter;
    std::optional<std::uint64_t> seq, keep;
    if (op.has("filter")) filter = op.str("filter");
    if (op.has("seq")) {
      const auto v = op.num("seq");
      if (v > 0) seq = static_cast<std::uint64_t>(v);
    }
    if (op.has("keep")) {
      const auto v = op.num("keep");
      if (v > 0) keep = static_cast<std::uint64_t>(v);
    }
    if (seq && keep) return fail(rec, op, srv_err::bad_request(), name), rec;
    // 2.9.10 quirk (oracle-verified): a subject-filtered purge of a file stream does not
    // lower the account/server usage (the store's own byte count is right).
    const bool filtered = filter && !filter->empty() && *filter != ">";
    const bool drift = v29 && filtered && s.cfg.storage == "file";
    const auto n = s.store.purge(filter, seq, keep, [&](std::int64_t d) {
      if (!drift) add_usage(s, d);
    });
    exchange_usage();
    rec["ok"] = true;
    rec["result"] = json{{"success", true}, {"purged", n}};
    return rec;
  }

  json stream_info(const op_spec& op, json& rec) {
    const std::string name = op.str("name");
    rec["stream"] = name;
    auto& a = accts_.at(op.account);
    if (gate(rec, op, a)) return rec;
    auto it = a.streams.find(name);
    if (it == a.streams.end()) return fail(rec, op, op_error::of(jsacct::errc::stream_not_found), name), rec;
    rec["ok"] = true;
    rec["result"] = stream_result(it->second);
    return rec;
  }

  json stream_names(const op_spec& op, json& rec) {
    auto& a = accts_.at(op.account);
    if (gate(rec, op, a)) return rec;
    json names = json::array();
    for (const auto& [n, _] : a.streams) names.push_back(n);
    rec["ok"] = true;
    rec["result"] = json{{"streams", names}, {"total", a.streams.size()}};
    return rec;
  }

  // ------------------------------------------------------------ publish

  /// One message; returns the sequence or the error.
  std::variant<std::uint64_t, op_error> publish_one(stream_rt& s, const std::string& subject, std::uint64_t hdr,
                                                    std::uint64_t payload) {
    const auto& c = s.cfg;
    if (c.max_msg_size >= 0 && hdr + payload > static_cast<std::uint64_t>(c.max_msg_size)) return srv_err::msg_too_big();
    const jsacct::msg_lengths m{subject.size(), hdr, payload};
    const std::uint64_t size = c.storage == "memory" ? jsacct::mem_store_msg_size(m) : jsacct::file_store_msg_size(m);
    reservation& leader = s.res.at(s.peers.front());
    if (auto e = leader.check_publish(m); e != jsacct::errc::none) return op_error::of(e);
    if (v29 && sc_.cluster()) {  // 2.9.10 clustered leader pre-check: store total vs MaxStore (also for memory)
      auto acc = leader.account();
      auto sel = acc.select_limits(c.accounting());
      if (sel) {
        const auto u = acc.usage_of(leader.tier(), jsacct::storage_type::file);
        const std::int64_t lim = sel->limits.max_store;
        if (lim > 0 && u.total + static_cast<std::int64_t>(size) * c.replicas > lim)
          return op_error::of(jsacct::errc::account_resources_exceeded);
      }
    }
    if (c.discard == "new") {
      if (c.max_msgs > 0 && s.store.messages() >= static_cast<std::uint64_t>(c.max_msgs)) return srv_err::max_msgs();
      if (c.max_bytes > 0 && s.store.bytes() + size > static_cast<std::uint64_t>(c.max_bytes)) return srv_err::max_bytes();
    }
    auto delta = [&](std::int64_t d) { add_usage(s, d); };
    const std::uint64_t seq = s.store.store(subject, size, delta);
    s.store.enforce(c, subject, delta);
    exchange_usage();
    if (auto e = leader.check_stored(); e != jsacct::errc::none) {  // 2.9.10: stored, checked, removed; the sequence is burnt
      s.store.remove(seq, delta);
      exchange_usage();
      return op_error::of(e);
    }
    if (c.retention == "interest" && s.consumers.empty()) {  // no interest: acknowledged, then dropped at once
      s.store.remove(seq, delta);
      exchange_usage();
    }
    return seq;
  }

  stream_rt* stream_for_subject(account_rt& a, const std::string& subject) {
    for (auto& [n, s] : a.streams)
      for (const auto& f : s.cfg.subjects)
        if (subject_matches(f, subject)) return &s;
    return nullptr;
  }

  json publish(const op_spec& op, json& rec) {
    const std::string subject = op.str("subject");
    const std::int64_t count = op.num("count", 1), size = op.num("size", 0), hb = op.num("header_bytes", 0);
    rec["subject"] = subject;
    rec["count"] = count;
    rec["size"] = size;
    rec["header_bytes"] = hb;
    auto& a = accts_.at(op.account);
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
    std::map<std::string, std::uint64_t> failures;
    for (std::int64_t n = 0; n < count; ++n) {
      stream_rt* s = a.mode == account_mode::enabled ? stream_for_subject(a, subject) : nullptr;
      if (s == nullptr) {
        all_ok = false;
        push(json{{"no_responders", true}}, "nr", std::nullopt);
        failures["no responders"] += 1;
        continue;
      }
      auto r = publish_one(*s, subject, static_cast<std::uint64_t>(hb), static_cast<std::uint64_t>(size));
      if (auto* e = std::get_if<op_error>(&r)) {
        all_ok = false;
        json entry{{"error", e->to_json()}, {"stream", s->cfg.name}};
        push(entry, compact(entry), std::nullopt);
        failures[s->cfg.name + "\x1f" + std::to_string(e->code) + "\x1f" + std::to_string(e->err_code) + "\x1f" +
                 e->description] += 1;
      } else {
        push(json{{"stream", s->cfg.name}}, "ok:" + s->cfg.name, std::get<std::uint64_t>(r));
      }
    }
    for (const auto& [k, n] : failures) {
      decision d{op.index, op.op, op.account, subject, {}, n};
      if (k == "no responders") {
        d.error.description = k;
      } else {
        auto p1 = k.find('\x1f'), p2 = k.find('\x1f', p1 + 1), p3 = k.find('\x1f', p2 + 1);
        d.target = k.substr(0, p1);
        d.error = op_error{std::stoi(k.substr(p1 + 1, p2 - p1 - 1)), std::stoi(k.substr(p2 + 1, p3 - p2 - 1)), k.substr(p3 + 1)};
      }
      rejections_.push_back(d);
    }
    rec["acks"] = runs;
    rec["ok"] = all_ok;
    return rec;
  }

  // ------------------------------------------------------------ consumers

  static std::uint64_t num_pending(const stream_rt& s, const consumer_model& c) {
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

  json consumer_create(const op_spec& op, json& rec) {
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
    auto& a = accts_.at(op.account);
    if (gate(rec, op, a)) return rec;
    const std::string target = stream + "/" + durable;
    auto it = a.streams.find(stream);
    if (it == a.streams.end()) return fail(rec, op, op_error::of(jsacct::errc::stream_not_found), target), rec;
    stream_rt& s = it->second;
    if (!sc_.cluster() && cfg.value("num_replicas", std::int64_t{0}) > 1)
      return fail(rec, op, op_error::of(jsacct::errc::stream_replicas_not_supported), target), rec;
    consumer_model c;
    c.durable = cfg.value("durable_name", std::string());
    if (c.durable != durable)
      return fail(rec, op, {400, 10017, "consumer name in subject does not match durable name in request"}, target), rec;
    c.ack_policy = cfg.value("ack_policy", std::string("explicit"));
    c.deliver_policy = cfg.value("deliver_policy", std::string("all"));
    c.filter_subject = cfg.value("filter_subject", std::string());
    c.max_ack_pending = cfg.value("max_ack_pending", std::int64_t{0});
    c.max_deliver = cfg.value("max_deliver", std::int64_t{0});
    c.num_replicas = cfg.value("num_replicas", std::int64_t{0});
    c.mem_storage = cfg.value("mem_storage", false);
    static const std::vector<std::string> acks{"none", "all", "explicit"};
    static const std::vector<std::string> delivers{"all",          "last", "new", "last_per_subject", "by_start_sequence",
                                                   "by_start_time"};
    if (std::find(acks.begin(), acks.end(), c.ack_policy) == acks.end() ||
        std::find(delivers.begin(), delivers.end(), c.deliver_policy) == delivers.end())
      return fail(rec, op, srv_err::invalid_json(), target), rec;
    if (c.deliver_policy == "by_start_sequence")
      return fail(rec, op,
                  {400, 10094, "consumer delivery policy is deliver by start sequence, but optional start sequence is not set"},
                  target),
             rec;
    if (c.deliver_policy == "by_start_time")
      return fail(rec, op, {400, 10094, "consumer delivery policy is deliver by start time, but optional start time is not set"},
                  target),
             rec;
    if (c.deliver_policy == "last_per_subject" && c.filter_subject.empty())
      return fail(rec, op,
                  {400, 10094, "consumer delivery policy is deliver last per subject, but optional filter subject is not set"},
                  target),
             rec;
    if (c.max_deliver == 0) c.max_deliver = -1;
    // Account limits of the stream (2.9.10: the stream's, one combined cap).
    account& leader = acct_on(s.peers.front(), op.account);
    std::int64_t acct_ack = -1;
    if (auto sel = leader.select_limits(s.cfg.accounting())) acct_ack = sel->limits.max_ack_pending;
    if (c.ack_policy != "none") {
      if (c.max_ack_pending == 0) {
        c.max_ack_pending = 1000;
        if (acct_ack > 0 && acct_ack < c.max_ack_pending) c.max_ack_pending = acct_ack;
      } else if (acct_ack > 0 && c.max_ack_pending > acct_ack) {
        return fail(rec, op, srv_err::ack_pending(acct_ack), target), rec;
      }
    }
    if (!c.filter_subject.empty()) {
      bool ok = false;
      for (const auto& subj : s.cfg.subjects) ok = ok || subject_subset(c.filter_subject, subj);
      if (!ok) return fail(rec, op, srv_err::filter_subset(), target), rec;
    }
    c.effective_replicas = (c.num_replicas == 0 || c.num_replicas > s.cfg.replicas) ? s.cfg.replicas : c.num_replicas;
    auto existing = s.consumers.find(durable);
    const bool is_update = existing != s.consumers.end();
    if (is_update && existing->second.deliver_policy != c.deliver_policy)
      return fail(rec, op, srv_err::deliver_update(), target), rec;
    if (!is_update && s.cfg.retention == "workqueue") {
      if (c.ack_policy == "none") return fail(rec, op, {400, 10084, "consumer in pull mode requires ack policy"}, target), rec;
      if (c.ack_policy != "explicit") return fail(rec, op, srv_err::wq_ack(), target), rec;
      for (const auto& [n, o] : s.consumers)
        if (o.filter_subject.empty() || c.filter_subject.empty() || subjects_overlap(o.filter_subject, c.filter_subject))
          return fail(rec, op, srv_err::wq_multiple(), target), rec;
    }
    if (is_update && sc_.cluster() && v29) {  // 2.9.10 meta leader counts the consumer being updated
      std::int64_t maxc = s.cfg.max_consumers;
      if (auto sel = leader.select_limits(s.cfg.accounting()))
        if (maxc <= 0 || (sel->limits.max_consumers > 0 && sel->limits.max_consumers < maxc)) maxc = sel->limits.max_consumers;
      if (maxc > 0 && static_cast<std::int64_t>(s.consumers.size()) >= maxc)
        return fail(rec, op, op_error::of(jsacct::errc::maximum_consumers_limit), target), rec;
    }
    jsacct::consumer_request q;
    q.replicas = c.effective_replicas;
    q.is_update = is_update;
    for (int p : s.peers) {
      auto r = s.res.at(p).add_consumer(q);
      if (!r) return fail(rec, op, op_error::of(r.error()), target), rec;
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

  json consumer_delete(const op_spec& op, json& rec) {
    const std::string stream = op.str("stream"), durable = op.str("durable");
    rec["stream"] = stream;
    rec["durable"] = durable;
    auto& a = accts_.at(op.account);
    if (gate(rec, op, a)) return rec;
    const std::string target = stream + "/" + durable;
    auto it = a.streams.find(stream);
    if (it == a.streams.end()) return fail(rec, op, op_error::of(jsacct::errc::stream_not_found), target), rec;
    auto ci = it->second.consumers.find(durable);
    if (ci == it->second.consumers.end()) return fail(rec, op, srv_err::consumer_not_found(), target), rec;
    for (int p : it->second.peers) it->second.res.at(p).remove_consumer();
    it->second.consumers.erase(ci);
    rec["ok"] = true;
    rec["result"] = json{{"success", true}};
    return rec;
  }

  // ------------------------------------------------------------ info

  json account_info(const std::string& name, const account_rt& a) const {
    const account& acc = servers_.front().accts.at(name);
    jsacct::account_stats st = acc.usage();
    if (sc_.cluster()) {  // counts come from the assignments (spec §8.1 step 6, 2.9.10)
      st.streams = static_cast<std::int64_t>(a.streams.size());
      st.consumers = 0;
      for (auto& [t, ts] : st.tiers) ts.streams = ts.consumers = 0;
      if constexpr (L::report_reserved) {  // main: reservedStorage over the account's assignments (§8.1 step 4, §8.2)
        auto reserved = [&](const std::string& tier, jsacct::tier_stats& into) {
          into.reserved_memory = into.reserved_store = 0;
          for (const auto& [n, s] : a.streams) {
            const auto c = s.cfg.accounting();
            if (c.max_bytes <= 0 || (!tier.empty() && tier != "R" + std::to_string(c.replicas))) continue;
            (c.storage == jsacct::storage_type::memory ? into.reserved_memory : into.reserved_store) +=
                static_cast<std::uint64_t>(c.max_bytes);
          }
        };
        reserved("", st);
        for (auto& [t, ts] : st.tiers) reserved(t, ts);
      }
      for (const auto& [n, s] : a.streams) {
        st.consumers += static_cast<std::int64_t>(s.consumers.size());
        if (a.tiered) {
          auto& ts = st.tiers["R" + std::to_string(s.cfg.replicas)];
          ts.streams += 1;
          ts.consumers += static_cast<std::int64_t>(s.consumers.size());
        }
      }
    }
    json j;
    jsacct::json_options o = jsacct::json_options_for<L>();
    o.api = false;  // the recordings carry no API counters (FORMAT.md)
    jsacct::to_json(j, st, o);
    return j;
  }

  json server_info() const {
    jsacct::uint128 memory = 0, storage = 0, rmem = 0, rstore = 0, accounts = 0, ha = 0, streams = 0, consumers = 0, messages = 0,
                    bytes = 0;
    for (std::size_t i = 0; i < servers_.size(); ++i) {
      const auto st = servers_[i].eng->usage_stats();
      memory += st.memory;
      storage += st.store;
      rmem += st.reserved_memory;
      rstore += st.reserved_store;
      accounts += static_cast<std::uint64_t>(st.accounts);
      if (sc_.cluster()) ha += 1;  // the meta group
      for (const auto& [an, a] : accts_) {
        for (const auto& [sn, s] : a.streams) {
          if (std::find(s.peers.begin(), s.peers.end(), static_cast<int>(i)) == s.peers.end()) continue;
          streams += 1;
          consumers += s.consumers.size();
          messages += s.store.messages();
          bytes += s.store.bytes();
          if (sc_.cluster()) {
            if (s.cfg.replicas > 1) ha += 1;
            for (const auto& [cn, c] : s.consumers)
              if (c.effective_replicas > 1) ha += 1;
          }
        }
      }
    }
    json cfg{{"max_memory", sc_.server_max_memory}, {"max_storage", sc_.server_max_store}};
    if (!sc_.domain.empty()) cfg["domain"] = sc_.domain;
    return json{{"config", cfg},
                {"memory", big_uint(memory)},
                {"storage", big_uint(storage)},
                {"reserved_memory", big_uint(rmem)},
                {"reserved_storage", big_uint(rstore)},
                {"accounts", big_uint(accounts)},
                {"ha_assets", big_uint(ha)},
                {"streams", big_uint(streams)},
                {"consumers", big_uint(consumers)},
                {"messages", big_uint(messages)},
                {"bytes", big_uint(bytes)}};
  }

  const scenario& sc_;
  std::vector<server_rt> servers_;
  std::map<std::string, account_rt> accts_;
  std::vector<decision> rejections_;
};

}  // namespace jsacct_cli
