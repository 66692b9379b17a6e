// SPDX-License-Identifier: Apache-2.0
/// \file
/// Stream create/update requests: the request body a scenario op stands for,
/// and its decoding into the normalized config the server reports plus the raw
/// accounting view the engine checks (nats-server's request decoding and
/// config normalization, both semantics).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <jsacct/jsacct.hpp>
#include <nlohmann/json.hpp>

#include "go_json.hpp"
#include "scenario.hpp"
#include "server_errors.hpp"
#include "stream_model.hpp"

namespace jsacct_cli {

/// Build the request body of a stream create/update (docs/scenario-format.md: op keys, default subjects, raw config last).
inline json build_stream_request(const op_spec& op, const json& base) {
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

/// A stream source (a mirror or an entry of "sources") as the server echoes it: Go's
/// StreamSource always writes "name" and omits the other fields when they are zero.
inline json source_echo(const json& src) {
  json out{{"name", src.contains("name") ? src.at("name") : json("")}};
  for (auto it = src.begin(); it != src.end(); ++it) {
    if (it.key() == "name") continue;
    const json& v = it.value();
    const bool zero = v.is_null() || (v.is_string() && v.get<std::string>().empty()) || (v.is_number() && v == json(0)) ||
                      (v.is_object() && v.empty());
    if (!zero) out[it.key()] = v;
  }
  return out;
}

/// A subject a stream may hold (nats-server's IsValidSubject): non-empty tokens, no
/// whitespace, `>` only as the last token.
inline bool valid_subject(const std::string& subject) {
  if (subject.empty()) return false;
  bool full_wildcard = false;
  for (auto t : subject_tokens(subject)) {
    if (t.empty() || full_wildcard) return false;
    if (t.find_first_of(" \t\n\r\f") != std::string_view::npos) return false;
    if (t == ">") full_wildcard = true;
  }
  return true;
}

/// Decode a request body into a normalized config and the raw accounting view;
/// `v29` selects nats-server 2.9.10's normalization (main otherwise).
inline std::optional<op_error> parse_stream_request(const json& body, full_stream_config& c, jsacct::stream_config& raw,
                                                    bool v29) {
  const auto decoded = go_decode(body, go_stream_config());  // the Go struct decoding comes first
  if (!decoded) return srv_err::invalid_json();
  const json& req = *decoded;
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
  // 0 means unset (-1); main also maps every value below -1 to -1, 2.9.10 keeps it (oracle-verified).
  auto norm = [v29](std::int64_t v) { return (v == 0 || (!v29 && v < -1)) ? -1 : v; };
  c.replicas = raw.replicas == 0 ? 1 : raw.replicas;
  // 2.9.10 maps only 0 to -1 and echoes other negative values (oracle-verified); main maps every value < -1 too.
  c.max_bytes = (raw.max_bytes == 0 || (!v29 && raw.max_bytes < -1)) ? -1 : raw.max_bytes;
  c.max_consumers = (raw.max_consumers == 0 || (!v29 && raw.max_consumers < -1)) ? -1 : raw.max_consumers;
  c.max_msgs = norm(i64("max_msgs", 0));
  c.max_msgs_per_subject = norm(i64("max_msgs_per_subject", 0));
  c.max_msg_size = norm(i64("max_msg_size", 0));
  c.max_age = i64("max_age", 0);
  if (!v29 && c.max_age < 0) return srv_err::invalid_config("max age can not be negative");  // main checkStreamCfg
  c.description = str("description");
  c.allow_direct = flag("allow_direct");
  c.allow_rollup_hdrs = flag("allow_rollup_hdrs");
  c.deny_delete = flag("deny_delete");
  c.deny_purge = flag("deny_purge");
  c.mirror_direct = flag("mirror_direct");
  c.sealed = flag("sealed");
  if (req.contains("mirror")) {  // the decoder drops nulls: present means a mirror, even without a name
    c.mirror = req.at("mirror").contains("name") ? req.at("mirror").at("name").get<std::string>() : std::string();
    c.mirror_echo = source_echo(req.at("mirror")).dump();
  }
  const bool has_sources = req.contains("sources") && !req.at("sources").empty();
  if (has_sources) {
    json list = json::array();
    for (const auto& src : req.at("sources")) list.push_back(source_echo(src));
    c.sources_echo = list.dump();
  }
  c.no_ack = flag("no_ack");
  c.duplicate_window = i64("duplicate_window", 0);
  // No default window for a mirror (docs/semantics.md#mirror-dedup-window); none for a sourced
  // stream in main, the default in 2.9.10 (checkStreamCfg).
  constexpr std::int64_t two_min = jsacct::stream_default_duplicates_window_ns;
  if (c.duplicate_window == 0 && !c.mirror && (v29 || !has_sources))
    c.duplicate_window = (c.max_age != 0 && c.max_age < two_min) ? c.max_age : two_min;
  // checkStreamCfg's order (both versions): max_age, then the window (no server limit on it here).
  if (c.max_age > 0 && c.max_age < 100'000'000) return srv_err::invalid_config("max age needs to be >= 100ms");
  if (c.duplicate_window < 0) return srv_err::invalid_config("duplicates window can not be negative");
  if (c.max_age != 0 && c.duplicate_window > c.max_age)
    return srv_err::invalid_config("duplicates window can not be larger then max age");
  if (c.duplicate_window > 0 && c.duplicate_window < 100'000'000)
    return srv_err::invalid_config("duplicates window needs to be >= 100ms");
  if (c.mirror) {  // checkStreamCfg's mirror block, after the window checks
    if (!c.subjects.empty()) return srv_err::mirror_with_subjects();
    if (has_sources) return srv_err::mirror_with_sources();
  }
  if (c.subjects.empty() && !c.mirror && !has_sources) c.subjects = {c.name};
  c.subjects_empty_list = c.subjects.empty() && req.contains("subjects");
  for (std::size_t i = 0; i < c.subjects.size(); ++i) {
    if (std::find(c.subjects.begin(), c.subjects.begin() + static_cast<std::ptrdiff_t>(i), c.subjects[i]) !=
        c.subjects.begin() + static_cast<std::ptrdiff_t>(i))
      return srv_err::invalid_config("duplicate subjects detected");
    if (!valid_subject(c.subjects[i])) return srv_err::invalid_config("invalid subject");
  }
  return std::nullopt;
}

}  // namespace jsacct_cli
