// SPDX-License-Identifier: Apache-2.0
/// \file
/// `jsacct validate [--semantics main|v2.9] [--probe-memory BYTES] [--probe-disk BYTES] OPTIONS.json`:
/// the server options that matter for JetStream, validated as nats-server
/// validates them (`validateJetStreamOptions`, docs/semantics.md#validate-options) and resolved as
/// server startup resolves them (docs/semantics.md#server-enable steps 3–4, docs/semantics.md#dynamic-config).
///
/// Input: one JSON object, every key optional, unknown keys rejected:
///
/// | key | type | server option |
/// |---|---|---|
/// | `jetstream` | bool | JetStream enabled |
/// | `server_name` | string | `server_name` |
/// | `cluster` | {`name`: string, `port`: -1..65535} | `cluster { name, listen }` (port 0 = no cluster) |
/// | `jetstream_domain` | string | `jetstream { domain }` |
/// | `default_js_domain` | object account -> domain string | `default_js_domain` |
/// | `accounts` | object name -> {`jetstream`: bool \| "enabled" \| "disabled" \| limits} | `accounts { … }` |
/// | `system_account` | string | `system_account` |
/// | `trusted_operators` | array of strings | `operator` (non-empty = operator mode) |
/// | `extension_hint` | string | `jetstream { extension_hint }` |
/// | `max_outstanding_catchup` | integer | `jetstream { max_outstanding_catchup }` |
/// | `max_memory`, `max_store` | integer | `jetstream { max_mem_store, max_file_store }` |
/// | `max_memory_set`, `max_store_set` | bool | that key appeared in the config file (docs/semantics.md#dynamic-config) |
/// | `store_dir` | string | `jetstream { store_dir }` |
///
/// Limits objects take `max_memory`, `max_store`, `max_streams`,
/// `max_consumers`, `max_ack_pending`, `memory_max_stream_bytes`,
/// `storage_max_stream_bytes` (integers) and `max_bytes_required` (bool);
/// missing fields are -1 (false), as for a config-file account (docs/semantics.md#account-limits).
///
/// Output (exit 0): a JSON object with `config` (the resolved JetStream
/// config with nats-server's field names and omitempty, or null when
/// `jetstream` is false), `accounts` (every account's resolved untiered
/// limits, null for JetStream disabled), and `warnings` / `debug` (the log
/// lines the resolution produced). Exit 1: one line on stdout, the server's
/// exact error text. Exit 2: bad input (input_file.hpp's `input_error`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <jsacct/facade/dyn_config.hpp>
#include <jsacct/facade/validate.hpp>
#include <jsacct/observe/json.hpp>
#include <jsacct/types.hpp>
#include <nlohmann/json.hpp>

#include "input_file.hpp"
#include "scenario.hpp"

namespace jsacct_cli {

/// The validate command's input, parsed.
struct validate_input {
  jsacct::server_options opts;
  std::map<std::string, std::optional<jsacct::account_limits>> account_limits;  ///< nullopt = JetStream disabled
  std::int64_t max_memory = 0, max_store = 0;
  bool max_memory_set = false, max_store_set = false;
  std::string store_dir;
};

/// Probe values given on the command line (nullopt = read the real system).
struct probe_override {
  std::optional<std::int64_t> memory;  ///< total memory; also disables the process memory limit
  std::optional<std::int64_t> disk;    ///< what diskAvailable(store dir) returns (already the 75% figure)
};

namespace detail {

inline bool get_bool(const json& v, const std::string& path) {
  if (!v.is_boolean()) throw input_error(path, "expected true or false");
  return v.get<bool>();
}

/// A config-file account's `jetstream` value (docs/semantics.md#account-limits): true / "enabled" /
/// "enable" -> all -1; false / "disabled" / "disable" -> none; an object of
/// limits -> all -1 overridden by the given keys.
inline std::optional<jsacct::account_limits> parse_account_jetstream(const json& js, const std::string& path) {
  if (js.is_boolean()) {
    if (!js.get<bool>()) return std::nullopt;
    return jsacct::dynamic_account_limits;
  }
  if (js.is_string()) {
    const auto s = js.get<std::string>();
    if (s == "enabled" || s == "enable") return jsacct::dynamic_account_limits;
    if (s == "disabled" || s == "disable") return std::nullopt;
  }
  if (!js.is_object()) throw input_error(path, "expected true, false, \"enabled\", \"disabled\" or an object of limits");
  const limits_spec l = parse_limits(js, path);
  jsacct::account_limits out = jsacct::dynamic_account_limits;
  auto set = [](std::int64_t& into, const std::optional<std::int64_t>& v) {
    if (v) into = *v;
  };
  set(out.max_memory, l.max_memory);
  set(out.max_store, l.max_store);
  set(out.max_streams, l.max_streams);
  set(out.max_consumers, l.max_consumers);
  set(out.max_ack_pending, l.max_ack_pending);
  set(out.memory_max_stream_bytes, l.memory_max_stream_bytes);
  set(out.store_max_stream_bytes, l.storage_max_stream_bytes);
  if (l.max_bytes_required) out.max_bytes_required = *l.max_bytes_required;
  return out;
}

}  // namespace detail

/// Parse and check a validate document (every problem is an `input_error`).
inline validate_input parse_validate_input(const json& j) {
  using namespace detail;
  validate_input in;
  auto& o = in.opts;
  if (!j.is_object()) throw input_error("", "expected an object of server options");
  only_keys(j, "",
            {"jetstream", "server_name", "cluster", "jetstream_domain", "default_js_domain", "accounts", "system_account",
             "trusted_operators", "extension_hint", "max_outstanding_catchup", "max_memory", "max_store", "max_memory_set",
             "max_store_set", "store_dir"});
  if (j.contains("jetstream")) o.jetstream = get_bool(j.at("jetstream"), "jetstream");
  if (j.contains("server_name")) o.server_name = get_str(j.at("server_name"), "server_name");
  if (j.contains("cluster")) {
    const json& c = j.at("cluster");
    if (!c.is_object()) throw input_error("cluster", "expected an object {name, port}");
    only_keys(c, "cluster", {"name", "port"});
    if (c.contains("name")) o.cluster_name = get_str(c.at("name"), "cluster.name");
    if (c.contains("port")) {
      const std::int64_t p = get_int(c.at("port"), "cluster.port");
      if (p < -1 || p > 65535) throw input_error("cluster.port", "must be an integer in -1..65535 (0 = no cluster, -1 = random)");
      o.cluster_port = static_cast<int>(p);
    }
  }
  if (j.contains("jetstream_domain")) o.jetstream_domain = get_str(j.at("jetstream_domain"), "jetstream_domain");
  if (j.contains("default_js_domain")) {
    const json& d = j.at("default_js_domain");
    if (!d.is_object()) throw input_error("default_js_domain", "expected an object account name -> domain string");
    for (auto it = d.begin(); it != d.end(); ++it)
      o.default_js_domain[it.key()] = get_str(it.value(), "default_js_domain." + it.key());
  }
  if (j.contains("accounts")) {
    const json& accs = j.at("accounts");
    if (!accs.is_object()) throw input_error("accounts", "expected an object account name -> {\"jetstream\": ...}");
    for (auto it = accs.begin(); it != accs.end(); ++it) {
      const std::string p = "accounts." + it.key();
      if (it.key().empty()) throw input_error(p, "an account name must not be empty");
      if (!it.value().is_object()) throw input_error(p, "expected an object {\"jetstream\": ...}");
      only_keys(it.value(), p, {"jetstream"});
      std::optional<jsacct::account_limits> lim;
      if (it.value().contains("jetstream")) lim = parse_account_jetstream(it.value().at("jetstream"), p + ".jetstream");
      in.account_limits[it.key()] = lim;
      o.accounts.push_back(jsacct::account_option{it.key(), lim.has_value()});
    }
  }
  if (j.contains("system_account")) o.system_account = get_str(j.at("system_account"), "system_account");
  if (j.contains("trusted_operators")) {
    const json& t = j.at("trusted_operators");
    if (!t.is_array()) throw input_error("trusted_operators", "expected an array of strings");
    for (std::size_t i = 0; i < t.size(); ++i)
      o.trusted_operators.push_back(get_str(t[i], "trusted_operators[" + std::to_string(i) + "]"));
  }
  if (j.contains("extension_hint")) o.extension_hint = get_str(j.at("extension_hint"), "extension_hint");
  if (j.contains("max_outstanding_catchup"))
    o.max_outstanding_catchup = get_int(j.at("max_outstanding_catchup"), "max_outstanding_catchup");
  if (j.contains("max_memory")) in.max_memory = get_int(j.at("max_memory"), "max_memory");
  if (j.contains("max_store")) in.max_store = get_int(j.at("max_store"), "max_store");
  if (j.contains("max_memory_set")) in.max_memory_set = get_bool(j.at("max_memory_set"), "max_memory_set");
  if (j.contains("max_store_set")) in.max_store_set = get_bool(j.at("max_store_set"), "max_store_set");
  if (in.max_memory_set && !j.contains("max_memory"))
    throw input_error("max_memory_set", "true needs max_memory (the value the config file gave)");
  if (in.max_store_set && !j.contains("max_store"))
    throw input_error("max_store_set", "true needs max_store (the value the config file gave)");
  if (j.contains("store_dir")) in.store_dir = get_str(j.at("store_dir"), "store_dir");
  return in;
}

/// Read and parse `path` ("-" = standard input; a missing file or invalid JSON is an `input_error` at "").
inline validate_input load_validate_input(const std::string& path) { return parse_validate_input(load_json(path)); }

/// The JSON of a JetStream config with nats-server's field names and omitempty
/// (docs/semantics.md#server-config); 2.9.10 has no sync_interval, sync_always, unique_tag, strict.
inline nlohmann::ordered_json config_json(const jsacct::jetstream_config& c, jsacct::server_version v) {
  const bool is_main = v == jsacct::server_version::main;
  nlohmann::ordered_json j;
  j["max_memory"] = c.max_memory;
  j["max_storage"] = c.max_store;
  if (!c.store_dir.empty()) j["store_dir"] = c.store_dir;
  if (is_main && c.sync_interval_ns != 0) j["sync_interval"] = c.sync_interval_ns;
  if (is_main && c.sync_always) j["sync_always"] = true;
  if (!c.domain.empty()) j["domain"] = c.domain;
  if (c.compress_ok) j["compress_ok"] = true;
  if (is_main && !c.unique_tag.empty()) j["unique_tag"] = c.unique_tag;
  if (is_main && c.strict) j["strict"] = true;
  return j;
}

/// Outcome of the validate command: exit status and the text for stdout.
struct validate_outcome {
  int status = 0;
  std::string out;
};

/// Validate and resolve `in` as a server starting with these options would.
inline validate_outcome run_validate(validate_input in, const probe_override& ov,
                                     jsacct::server_version version = jsacct::server_version::main) {
  if (auto valid = jsacct::validate_jetstream_options(in.opts); !valid) return {1, valid.error().text() + "\n"};
  // Server.Start(): the system account may not carry JetStream limits.
  const std::string sys =
      in.opts.system_account.empty() ? std::string(jsacct::default_system_account_name) : in.opts.system_account;
  if (in.opts.jetstream) {
    if (auto it = in.account_limits.find(sys); it != in.account_limits.end() && it->second)
      return {1, "Not allowed to enable JetStream on the system account\n"};
  }

  nlohmann::ordered_json doc;
  nlohmann::ordered_json warnings = nlohmann::ordered_json::array(), debug = nlohmann::ordered_json::array();
  if (in.opts.jetstream) {
    const bool is_main = version == jsacct::server_version::main;
    // Server startup's input (docs/semantics.md#server-enable): an unset limit of 0 becomes -1.
    jsacct::jetstream_config cfg;
    cfg.max_memory = (!in.max_memory_set && in.max_memory == 0) ? -1 : in.max_memory;
    cfg.max_store = (!in.max_store_set && in.max_store == 0) ? -1 : in.max_store;
    cfg.store_dir = in.store_dir;
    cfg.domain = in.opts.jetstream_domain;
    cfg.compress_ok = true;
    cfg.strict = is_main;
    jsacct::dyn_options dyn;
    dyn.max_mem_set = in.max_memory_set;
    dyn.max_store_set = in.max_store_set;
    jsacct::system_probe probe;  // real system by default (the disk probe creates the store dir, as the server does)
    if (ov.memory) {
      probe.total_memory = [m = *ov.memory] { return m; };
      probe.process_memory_limit = [] { return std::optional<std::int64_t>{}; };
    }
    if (ov.disk) probe.disk_available = [d = *ov.disk](const std::string&) { return d; };
    jsacct::config_result r = jsacct::resolve_enable_config(cfg, dyn, probe, version);
    doc["config"] = config_json(r.config, version);
    for (auto& w : r.warnings) warnings.push_back(w);
    for (auto& d : r.debug) debug.push_back(d);
  } else {
    doc["config"] = nullptr;
  }
  nlohmann::ordered_json accs = nlohmann::ordered_json::object();
  for (const auto& [name, lim] : in.account_limits)
    accs[name] = lim ? nlohmann::ordered_json(*lim) : nlohmann::ordered_json(nullptr);
  doc["accounts"] = std::move(accs);
  doc["warnings"] = std::move(warnings);
  doc["debug"] = std::move(debug);
  return {0, doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n"};
}

}  // namespace jsacct_cli
