// SPDX-License-Identifier: Apache-2.0
/// \file
/// How nats-server decodes a JSON API request into its Go structs
/// (`encoding/json`), so the simulated server answers a request with wrong
/// types the way the real one does: 10025 "invalid JSON".
///
/// The rules modelled (checked against nats-server 2.9.10 with the oracle):
/// * keys match field names case-insensitively; unknown keys are ignored; when
///   several keys match one field, the last one (in the sorted order the
///   request is sent in) wins;
/// * an integer field takes only an integer literal within the Go type's range
///   (no fraction, no exponent; a negative value for an unsigned field fails);
/// * a string / bool / list / object field takes only that JSON type;
/// * `null` leaves a plain field unset, but fails for the enum types, whose
///   UnmarshalJSON is called with it;
/// * enum strings are case-sensitive, except the discard policy.
/// A decoded request is returned as an object with the canonical (lower-case)
/// keys of the fields that were set, nulls removed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace jsacct_cli {

/// The Go type of a request field.
enum class go_kind { string, boolean, i64, i32, u64, string_list, i64_list, object, object_list, enumeration, time };

struct go_schema;

struct go_field {
  const char* name;
  go_kind kind;
  std::vector<std::string> values{};  ///< enumeration: the accepted strings
  bool fold_case = false;             ///< enumeration: compared lower-cased (the discard policy)
  const go_schema* sub = nullptr;     ///< object / object_list: the nested struct
};

struct go_schema {
  std::vector<go_field> fields;
};

namespace detail {

inline bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

inline bool go_int_fits(const nlohmann::json& v, go_kind k) {
  if (!v.is_number_integer()) return false;  // floats (1.0, 1e3) and integers beyond uint64 arrive as floats
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (k == go_kind::u64) return true;
    if (k == go_kind::i32) return u <= static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max());
    return u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  }
  const auto s = v.get<std::int64_t>();
  if (k == go_kind::u64) return s >= 0;
  if (k == go_kind::i32) return s >= std::numeric_limits<std::int32_t>::min() && s <= std::numeric_limits<std::int32_t>::max();
  return true;
}

}  // namespace detail

/// Decode `in` against `schema`; nullopt when the server would answer "invalid JSON".
inline std::optional<nlohmann::json> go_decode(const nlohmann::json& in, const go_schema& schema);

/// Check one value against its field; false on a decode error.
inline bool go_decode_value(const nlohmann::json& v, const go_field& f, nlohmann::json& out) {
  if (v.is_null()) {
    if (f.kind == go_kind::enumeration) return false;  // UnmarshalJSON("null") is not a known value
    return true;                                       // plain field: left as it was
  }
  switch (f.kind) {
    case go_kind::string:
    case go_kind::time:  // RFC 3339 text; its parsing is not modelled beyond the JSON type
      if (!v.is_string()) return false;
      break;
    case go_kind::boolean:
      if (!v.is_boolean()) return false;
      break;
    case go_kind::i64:
    case go_kind::i32:
    case go_kind::u64:
      if (!detail::go_int_fits(v, f.kind)) return false;
      break;
    case go_kind::string_list:
    case go_kind::i64_list: {
      if (!v.is_array()) return false;
      nlohmann::json list = nlohmann::json::array();
      for (const auto& e : v) {
        if (e.is_null()) {  // a null element is the zero value
          list.push_back(f.kind == go_kind::string_list ? nlohmann::json("") : nlohmann::json(0));
          continue;
        }
        if (f.kind == go_kind::string_list ? !e.is_string() : !detail::go_int_fits(e, go_kind::i64)) return false;
        list.push_back(e);
      }
      out[f.name] = std::move(list);
      return true;
    }
    case go_kind::object: {
      if (!v.is_object()) return false;
      auto sub = go_decode(v, *f.sub);
      if (!sub) return false;
      out[f.name] = std::move(*sub);
      return true;
    }
    case go_kind::object_list: {
      if (!v.is_array()) return false;
      nlohmann::json list = nlohmann::json::array();
      for (const auto& e : v) {
        if (e.is_null()) continue;  // a nil pointer: nothing to check
        if (!e.is_object()) return false;
        auto sub = go_decode(e, *f.sub);
        if (!sub) return false;
        list.push_back(std::move(*sub));
      }
      out[f.name] = std::move(list);
      return true;
    }
    case go_kind::enumeration: {
      if (!v.is_string()) return false;
      std::string s = v.get<std::string>();
      for (const auto& allowed : f.values) {
        if (f.fold_case ? detail::ascii_iequal(s, allowed) : s == allowed) {
          out[f.name] = allowed;
          return true;
        }
      }
      return false;
    }
  }
  out[f.name] = v;
  return true;
}

inline std::optional<nlohmann::json> go_decode(const nlohmann::json& in, const go_schema& schema) {
  if (!in.is_object()) return std::nullopt;
  nlohmann::json out = nlohmann::json::object();
  for (auto it = in.begin(); it != in.end(); ++it) {  // sorted keys: the order the request is sent in
    const go_field* f = nullptr;
    for (const auto& cand : schema.fields) {  // an exact match first, then one that differs only in case
      if (it.key() == cand.name) {
        f = &cand;
        break;
      }
    }
    if (f == nullptr)
      for (const auto& cand : schema.fields)
        if (detail::ascii_iequal(it.key(), cand.name)) {
          f = &cand;
          break;
        }
    if (f == nullptr) continue;  // unknown keys are ignored
    if (!go_decode_value(it.value(), *f, out)) return std::nullopt;
  }
  return out;
}

// ------------------------------------------------------------------ nats-server 2.9.10 request structs

inline const go_schema& go_external_stream() {
  static const go_schema s{{{"api", go_kind::string}, {"deliver", go_kind::string}}};
  return s;
}
inline const go_schema& go_stream_source() {
  static const go_schema s{{{"name", go_kind::string},
                            {"opt_start_seq", go_kind::u64},
                            {"opt_start_time", go_kind::time},
                            {"filter_subject", go_kind::string},
                            {"external", go_kind::object, {}, false, &go_external_stream()}}};
  return s;
}
inline const go_schema& go_placement() {
  static const go_schema s{{{"cluster", go_kind::string}, {"tags", go_kind::string_list}}};
  return s;
}
inline const go_schema& go_republish() {
  static const go_schema s{{{"src", go_kind::string}, {"dest", go_kind::string}, {"headers_only", go_kind::boolean}}};
  return s;
}

/// StreamConfig (create and update requests).
inline const go_schema& go_stream_config() {
  static const go_schema s{{{"name", go_kind::string},
                            {"description", go_kind::string},
                            {"subjects", go_kind::string_list},
                            {"retention", go_kind::enumeration, {"limits", "interest", "workqueue"}},
                            {"max_consumers", go_kind::i64},
                            {"max_msgs", go_kind::i64},
                            {"max_bytes", go_kind::i64},
                            {"max_age", go_kind::i64},
                            {"max_msgs_per_subject", go_kind::i64},
                            {"max_msg_size", go_kind::i32},
                            {"discard", go_kind::enumeration, {"old", "new"}, true},
                            // "any" decodes too, but a stream with it takes the 2.9.10 server down; not modelled
                            {"storage", go_kind::enumeration, {"memory", "file"}},
                            {"num_replicas", go_kind::i64},
                            {"no_ack", go_kind::boolean},
                            {"template_owner", go_kind::string},
                            {"duplicate_window", go_kind::i64},
                            {"placement", go_kind::object, {}, false, &go_placement()},
                            {"mirror", go_kind::object, {}, false, &go_stream_source()},
                            {"sources", go_kind::object_list, {}, false, &go_stream_source()},
                            {"republish", go_kind::object, {}, false, &go_republish()},
                            {"allow_direct", go_kind::boolean},
                            {"mirror_direct", go_kind::boolean},
                            {"discard_new_per_subject", go_kind::boolean},
                            {"sealed", go_kind::boolean},
                            {"deny_delete", go_kind::boolean},
                            {"deny_purge", go_kind::boolean},
                            {"allow_rollup_hdrs", go_kind::boolean}}};
  return s;
}

/// ConsumerConfig (the "config" of a consumer create request).
inline const go_schema& go_consumer_config() {
  static const go_schema s{{{"durable_name", go_kind::string},
                            {"name", go_kind::string},
                            {"description", go_kind::string},
                            {"deliver_policy",
                             go_kind::enumeration,
                             {"all", "last", "new", "by_start_sequence", "by_start_time", "last_per_subject", "undefined"}},
                            {"opt_start_seq", go_kind::u64},
                            {"opt_start_time", go_kind::time},
                            {"ack_policy", go_kind::enumeration, {"none", "all", "explicit"}},
                            {"ack_wait", go_kind::i64},
                            {"max_deliver", go_kind::i64},
                            {"backoff", go_kind::i64_list},
                            {"filter_subject", go_kind::string},
                            {"replay_policy", go_kind::enumeration, {"instant", "original"}},
                            {"rate_limit_bps", go_kind::u64},
                            {"sample_freq", go_kind::string},
                            {"max_waiting", go_kind::i64},
                            {"max_ack_pending", go_kind::i64},
                            {"idle_heartbeat", go_kind::i64},
                            {"flow_control", go_kind::boolean},
                            {"headers_only", go_kind::boolean},
                            {"max_batch", go_kind::i64},
                            {"max_expires", go_kind::i64},
                            {"max_bytes", go_kind::i64},
                            {"deliver_subject", go_kind::string},
                            {"deliver_group", go_kind::string},
                            {"inactive_threshold", go_kind::i64},
                            {"num_replicas", go_kind::i64},
                            {"mem_storage", go_kind::boolean},
                            {"direct", go_kind::boolean}}};
  return s;
}

/// JSApiStreamPurgeRequest.
inline const go_schema& go_purge_request() {
  static const go_schema s{{{"seq", go_kind::u64}, {"filter", go_kind::string}, {"keep", go_kind::u64}}};
  return s;
}

}  // namespace jsacct_cli
