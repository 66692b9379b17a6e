// SPDX-License-Identifier: Apache-2.0
/// \file
/// Scenario files of the differential oracle (docs/scenario-format.md#scenario):
/// strict parsing and validation. Every problem is reported as one
/// `input_error` naming the JSON path (e.g. `ops[3].max_bytes`) and what is
/// allowed there; unknown keys are errors everywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "input_file.hpp"

namespace jsacct_cli {

using json = nlohmann::json;

/// Account limits as written in a scenario (absent keys stay empty).
struct limits_spec {
  std::optional<std::int64_t> max_memory, max_store, max_streams, max_consumers, max_ack_pending, memory_max_stream_bytes,
      storage_max_stream_bytes;
  std::optional<bool> max_bytes_required;
};

/// An account's JetStream setting.
struct account_spec {
  enum class kind { none, dynamic, limits, tiered };
  std::string name;
  kind js = kind::none;
  limits_spec lim;
  std::map<std::string, limits_spec> tiers;
};

/// One op: its name, account, index and the validated raw object.
struct op_spec {
  std::size_t index = 0;
  std::string op;
  std::string account;
  json raw;

  bool has(const char* k) const { return raw.contains(k); }
  std::string str(const char* k, std::string def = {}) const { return has(k) ? raw.at(k).get<std::string>() : def; }
  std::int64_t num(const char* k, std::int64_t def = 0) const { return has(k) ? raw.at(k).get<std::int64_t>() : def; }
  bool flag(const char* k, bool def = false) const { return has(k) ? raw.at(k).get<bool>() : def; }
};

struct scenario {
  std::string file;
  std::string name, description;
  std::string mode = "standalone";
  std::string accounts_mode;
  std::int64_t server_max_memory = 1073741824, server_max_store = 1073741824;
  std::string domain;
  std::int64_t settle_ms = 2000;
  std::map<std::string, account_spec> accounts;
  std::vector<op_spec> ops;
  bool cluster() const { return mode == "cluster"; }
};

namespace detail {

inline bool is_int(const json& v) { return v.is_number_integer(); }

inline std::int64_t get_int(const json& v, const std::string& path, const char* what = "an integer") {
  if (!v.is_number_integer()) throw input_error(path, std::string("expected ") + what);
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
    throw input_error(path, std::string("expected ") + what + " (64-bit signed)");
  return v.get<std::int64_t>();
}

inline std::string get_str(const json& v, const std::string& path, bool nonempty = false) {
  if (!v.is_string()) throw input_error(path, "expected a string");
  auto s = v.get<std::string>();
  if (nonempty && s.empty()) throw input_error(path, "expected a non-empty string");
  return s;
}

inline void only_keys(const json& obj, const std::string& path, const std::set<std::string>& allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (allowed.count(it.key()) == 0) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      throw input_error(path.empty() ? it.key() : path + "." + it.key(), "unknown key (allowed: " + list + ")");
    }
  }
}

inline limits_spec parse_limits(const json& j, const std::string& path) {
  if (!j.is_object()) throw input_error(path, "expected an object of limits");
  only_keys(j, path,
            {"max_memory", "max_store", "max_streams", "max_consumers", "max_ack_pending", "memory_max_stream_bytes",
             "storage_max_stream_bytes", "max_bytes_required"});
  limits_spec l;
  auto num = [&](const char* k, std::optional<std::int64_t>& into) {
    if (j.contains(k)) into = get_int(j.at(k), path + "." + k);
  };
  num("max_memory", l.max_memory);
  num("max_store", l.max_store);
  num("max_streams", l.max_streams);
  num("max_consumers", l.max_consumers);
  num("max_ack_pending", l.max_ack_pending);
  num("memory_max_stream_bytes", l.memory_max_stream_bytes);
  num("storage_max_stream_bytes", l.storage_max_stream_bytes);
  if (j.contains("max_bytes_required")) {
    if (!j.at("max_bytes_required").is_boolean()) throw input_error(path + ".max_bytes_required", "expected true or false");
    l.max_bytes_required = j.at("max_bytes_required").get<bool>();
  }
  return l;
}

inline account_spec parse_account(const std::string& name, const json& j, const std::string& path) {
  account_spec a;
  a.name = name;
  if (!j.is_object()) throw input_error(path, "expected an object {\"jetstream\": ...}");
  only_keys(j, path, {"jetstream"});
  if (!j.contains("jetstream")) return a;
  const json& js = j.at("jetstream");
  const std::string jp = path + ".jetstream";
  if (js.is_null() || (js.is_boolean() && !js.get<bool>()) || (js.is_string() && js.get<std::string>() == "disabled")) return a;
  if ((js.is_boolean() && js.get<bool>()) || (js.is_string() && js.get<std::string>() == "enabled")) {
    a.js = account_spec::kind::dynamic;
    return a;
  }
  if (!js.is_object()) throw input_error(jp, "expected true, false, null, \"enabled\", \"disabled\" or an object of limits");
  if (js.contains("tiers")) {
    if (js.size() != 1) throw input_error(jp, "\"tiers\" can not be mixed with untiered limits");
    const json& t = js.at("tiers");
    if (!t.is_object()) throw input_error(jp + ".tiers", "expected an object tier name -> limits");
    a.js = account_spec::kind::tiered;
    for (auto it = t.begin(); it != t.end(); ++it) a.tiers[it.key()] = parse_limits(it.value(), jp + ".tiers." + it.key());
    return a;
  }
  a.js = account_spec::kind::limits;
  a.lim = parse_limits(js, jp);
  return a;
}

/// `account_update`'s `limits` (jsacct only, docs/scenario-format.md#account_update): the shape of an
/// account's `jetstream` object, untiered limits or {"tiers": {tier: limits}}.
inline account_spec parse_update_limits(const std::string& account, const json& j, const std::string& path) {
  if (!j.is_object()) throw input_error(path, "expected an object of limits or {\"tiers\": {tier name: limits}}");
  account_spec a;
  a.name = account;
  if (j.contains("tiers")) {
    if (j.size() != 1) throw input_error(path, "\"tiers\" can not be mixed with untiered limits");
    const json& t = j.at("tiers");
    if (!t.is_object() || t.empty()) throw input_error(path + ".tiers", "expected a non-empty object tier name -> limits");
    a.js = account_spec::kind::tiered;
    for (auto it = t.begin(); it != t.end(); ++it) a.tiers[it.key()] = parse_limits(it.value(), path + ".tiers." + it.key());
    return a;
  }
  a.js = account_spec::kind::limits;
  a.lim = parse_limits(j, path);
  return a;
}

// Value kinds of op keys. `any`: a value the oracle puts into the request unchanged
// (docs/scenario-format.md: "sent as given"): the simulated server answers it, so any JSON is accepted.
enum class vk { str, nstr, integer, boolean, subjects, object, any };

inline const std::map<std::string, std::map<std::string, vk>>& op_keys() {
  static const std::map<std::string, vk> stream_keys{{"name", vk::nstr},
                                                     {"subjects", vk::any},
                                                     {"storage", vk::any},
                                                     {"replicas", vk::any},
                                                     {"max_bytes", vk::any},
                                                     {"max_msgs", vk::any},
                                                     {"max_msgs_per_subject", vk::any},
                                                     {"max_msg_size", vk::any},
                                                     {"max_consumers", vk::any},
                                                     {"max_age", vk::any},
                                                     {"discard", vk::any},
                                                     {"retention", vk::any},
                                                     {"config", vk::object}};
  static const std::map<std::string, std::map<std::string, vk>> m = [] {
    std::map<std::string, std::map<std::string, vk>> r;
    r["stream_create"] = stream_keys;
    r["stream_update"] = stream_keys;
    r["stream_update"]["merge"] = vk::boolean;
    r["stream_delete"] = {{"name", vk::nstr}};
    r["stream_purge"] = {{"name", vk::nstr}, {"filter", vk::any}, {"keep", vk::any}, {"seq", vk::any}};
    r["stream_info"] = {{"name", vk::nstr}};
    r["stream_names"] = {};
    r["publish"] = {{"subject", vk::nstr}, {"size", vk::integer}, {"header_bytes", vk::integer}, {"count", vk::integer}};
    r["consumer_create"] = {{"stream", vk::nstr},        {"durable", vk::nstr},       {"ack_policy", vk::any},
                            {"deliver_policy", vk::any}, {"filter_subject", vk::any}, {"max_ack_pending", vk::any},
                            {"max_deliver", vk::any},    {"replicas", vk::any},       {"memory_storage", vk::any},
                            {"config", vk::object}};
    r["consumer_delete"] = {{"stream", vk::nstr}, {"durable", vk::nstr}};
    r["account_info"] = {};
    r["server_info"] = {};
    r["wait"] = {{"ms", vk::integer}};
    r["account_update"] = {{"limits", vk::object}};  // jsacct only: not recordable from the oracle
    return r;
  }();
  return m;
}

inline void check_value(const json& v, vk kind, const std::string& path) {
  switch (kind) {
    case vk::str:
      get_str(v, path);
      break;
    case vk::nstr:
      get_str(v, path, true);
      break;
    case vk::integer:
      get_int(v, path);
      break;
    case vk::boolean:
      if (!v.is_boolean()) throw input_error(path, "expected true or false");
      break;
    case vk::subjects:
      if (!v.is_array()) throw input_error(path, "expected an array of subject strings");
      for (std::size_t i = 0; i < v.size(); ++i) get_str(v[i], path + "[" + std::to_string(i) + "]", true);
      break;
    case vk::object:
      if (!v.is_object()) throw input_error(path, "expected an object");
      break;
    case vk::any:
      break;
  }
}

inline op_spec parse_op(std::size_t i, const json& j, const std::map<std::string, account_spec>& accounts) {
  const std::string path = "ops[" + std::to_string(i) + "]";
  if (!j.is_object()) throw input_error(path, "expected an op object");
  if (!j.contains("op"))
    throw input_error(path + ".op",
                      "missing (one of: stream_create, stream_update, stream_delete, stream_purge, stream_info, stream_names, "
                      "publish, consumer_create, consumer_delete, account_info, server_info, wait)");
  const std::string name = get_str(j.at("op"), path + ".op");
  const auto& table = op_keys();
  auto t = table.find(name);
  if (t == table.end()) {
    std::string list;
    for (const auto& [k, _] : table) list += (list.empty() ? "" : ", ") + k;
    throw input_error(path + ".op", "unknown op \"" + name + "\" (one of: " + list + ")");
  }
  std::map<std::string, vk> keys = t->second;
  keys["op"] = vk::str;
  keys["comment"] = vk::str;
  const bool needs_account = name != "server_info" && name != "wait";
  if (needs_account) keys["account"] = vk::nstr;
  {
    std::set<std::string> names;
    for (const auto& [k, _] : keys) names.insert(k);
    only_keys(j, path, names);
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "comment") continue;  // free text, any JSON value is ignored
    check_value(it.value(), keys.at(it.key()), path + "." + it.key());
  }
  op_spec o;
  o.index = i;
  o.op = name;
  o.raw = j;
  if (needs_account) {
    if (!j.contains("account")) throw input_error(path + ".account", "missing: must name a declared account");
    o.account = j.at("account").get<std::string>();
    if (accounts.count(o.account) == 0) throw input_error(path + ".account", "\"" + o.account + "\" is not a declared account");
  }
  auto need = [&](const char* k) {
    if (!j.contains(k)) throw input_error(path + "." + k, "missing: a non-empty string is required");
  };
  auto range = [&](const char* k, std::int64_t lo, std::int64_t hi, const std::string& what) {
    if (!j.contains(k)) return;
    const auto v = j.at(k).get<std::int64_t>();
    if (v < lo || v > hi) throw input_error(path + "." + k, what);
  };
  if (name.rfind("stream_", 0) == 0 && name != "stream_names") need("name");
  if (name == "consumer_create" || name == "consumer_delete") {
    need("stream");
    need("durable");
  }
  if (name == "publish") {
    need("subject");
    range("count", 1, 200000, "must be an integer in 1..200000");
    range("size", 0, 1 << 20, "must be an integer in 0..1048576");
    if (j.contains("header_bytes")) {
      const auto v = j.at("header_bytes").get<std::int64_t>();
      if ((v != 0 && v < 18) || v > (1 << 20))
        throw input_error(path + ".header_bytes", "must be 0 or an integer in 18..1048576");
    }
  }
  if (name == "account_update") {
    if (!j.contains("limits")) throw input_error(path + ".limits", "missing: the account's new limits are required");
    parse_update_limits(o.account, j.at("limits"), path + ".limits");
  }
  if (name == "wait") {
    if (!j.contains("ms")) throw input_error(path + ".ms", "missing: an integer in 0..10000 is required");
    range("ms", 0, 10000, "must be an integer in 0..10000");
  }
  return o;
}

}  // namespace detail

/// Parse and validate a scenario document (`file` is only used for messages).
inline scenario parse_scenario(const json& j, const std::string& file) {
  using namespace detail;
  scenario sc;
  sc.file = file;
  if (!j.is_object()) throw input_error("", "expected a scenario object");
  only_keys(j, "", {"name", "description", "mode", "accounts_mode", "server", "settle_ms", "accounts", "ops"});
  if (!j.contains("name")) throw input_error("name", "missing: a non-empty string is required");
  sc.name = get_str(j.at("name"), "name", true);
  if (j.contains("description")) sc.description = get_str(j.at("description"), "description");
  if (j.contains("mode")) {
    sc.mode = get_str(j.at("mode"), "mode");
    if (sc.mode.empty()) sc.mode = "standalone";
    if (sc.mode != "standalone" && sc.mode != "cluster") throw input_error("mode", "must be \"standalone\" or \"cluster\"");
  }
  if (j.contains("server")) {
    const json& s = j.at("server");
    if (!s.is_object()) throw input_error("server", "expected an object {max_memory, max_store, domain}");
    only_keys(s, "server", {"max_memory", "max_store", "domain"});
    if (s.contains("max_memory")) sc.server_max_memory = get_int(s.at("max_memory"), "server.max_memory");
    if (s.contains("max_store")) sc.server_max_store = get_int(s.at("max_store"), "server.max_store");
    if (s.contains("domain")) sc.domain = get_str(s.at("domain"), "server.domain");
  }
  if (j.contains("settle_ms")) sc.settle_ms = get_int(j.at("settle_ms"), "settle_ms");
  if (!j.contains("accounts"))
    throw input_error("accounts", "missing: an object account name -> {\"jetstream\": ...} is required");
  const json& accs = j.at("accounts");
  if (!accs.is_object()) throw input_error("accounts", "expected an object account name -> {\"jetstream\": ...}");
  bool any_tiered = false;
  for (auto it = accs.begin(); it != accs.end(); ++it) {
    const std::string& n = it.key();
    const std::string p = "accounts." + n;
    if (n.empty() || n.find_first_of(" \t\r\n.*>\"'{}[]:=#/\\") != std::string::npos || n[0] == '$' || n.rfind("_ORACLE", 0) == 0)
      throw input_error(p,
                        "invalid account name (no whitespace or . * > \" ' { } [ ] : = # / \\, not starting with $ or _ORACLE)");
    sc.accounts[n] = parse_account(n, it.value(), p);
    if (sc.accounts[n].js == account_spec::kind::tiered) any_tiered = true;
  }
  if (sc.accounts.empty()) throw input_error("accounts", "at least one account is required");
  if (j.contains("accounts_mode")) {
    sc.accounts_mode = get_str(j.at("accounts_mode"), "accounts_mode");
    if (sc.accounts_mode != "config" && sc.accounts_mode != "jwt" && !sc.accounts_mode.empty())
      throw input_error("accounts_mode", "must be \"config\" or \"jwt\"");
    if (sc.accounts_mode == "config" && any_tiered)
      throw input_error("accounts_mode",
                        "tiered limits need \"jwt\" (nats-server config files only support untiered account limits)");
  }
  if (sc.accounts_mode.empty()) sc.accounts_mode = any_tiered ? "jwt" : "config";
  if (j.contains("ops")) {
    const json& ops = j.at("ops");
    if (!ops.is_array()) throw input_error("ops", "expected an array of op objects");
    for (std::size_t i = 0; i < ops.size(); ++i) sc.ops.push_back(parse_op(i, ops[i], sc.accounts));
  }
  return sc;
}

/// Read, parse and validate `path` ("-" = standard input).
inline scenario load_scenario(const std::string& path) { return parse_scenario(load_json(path), path); }

}  // namespace jsacct_cli
