// SPDX-License-Identifier: Apache-2.0
// jsacct: requires nlohmann_json
/// \file
/// nats-server's JSON for the snapshot structs (docs/semantics.md#server-config to docs/semantics.md#server-stats), as nlohmann
/// ADL functions: `nlohmann::json j = acct.usage();` renders a `$JS.API.INFO`
/// body, `j.get<jsacct::account_stats>()` parses one.
///
/// * Keys are emitted in Go's declaration order, so with `nlohmann::ordered_json`
///   the text is nats-server's byte for byte; with `nlohmann::json` the keys
///   are sorted (same value).
/// * omitempty follows nats-server: `domain` and `tiers` of an account,
///   `inflight` of the API counters, and the optional JetStreamConfig fields.
///   `api.level` is omitted when 0 (2.9.10 has none).
/// * `reserved_memory` / `reserved_storage` of an account and its tiers are
///   emitted only when asked (`json_options::reserved`): nats-server main has
///   them, 2.9.10 does not. `json_options_for<Checker>()` picks the checker's
///   answer; the ADL functions use the defaults (no reserved fields).
/// * Strings are written as Go writes them: every byte that does not begin a
///   valid UTF-8 sequence becomes U+FFFD (observe/utf8.hpp), so `dump()` never
///   throws for a tier name a peer sent in bytes that are not UTF-8. Two tier
///   names that differ only in such bytes become one key; the value is the
///   later name's (byte order), which is what parsing nats-server's output
///   (both keys, in that order) gives. nats-server also escapes `<`, `>`, `&`,
///   U+2028 and U+2029 as `\u` sequences: the same JSON value, other bytes.
/// * Parsing is lenient: a missing key leaves the field at its default (so
///   both versions' JSON parse), unknown keys are ignored; a key of the wrong
///   type throws `nlohmann::json::type_error`. So does a number for an integer
///   field that is not an integer in the field's range (`1.5`, `1e3`, `1e300`,
///   `-1` for an unsigned field, `2^63` for a signed one, `true`), as Go's
///   `json.Unmarshal` refuses it: nlohmann's own conversion would truncate,
///   wrap, or (for a double out of range) be undefined behavior.
///
/// Only this header (and observe/ users) needs nlohmann_json; the core does not.
#pragma once

#include "jsacct/config.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "jsacct/engine/soft_limits.hpp"
#include "jsacct/observe/utf8.hpp"
#include "jsacct/types.hpp"

namespace jsacct {

/// How an account snapshot is rendered.
struct json_options {
  /// Emit `reserved_memory` / `reserved_storage` in the account and its tiers (main).
  bool reserved = false;
  /// Emit `api` in the account object (nats-server always does; the
  /// conformance recordings strip it).
  bool api = true;
};

/// The options matching a limit checker's version (`L::report_reserved`), e.g.
/// `json_options_for<jsacct::engine::checker>()`.
template <class L>
constexpr json_options json_options_for() noexcept {
  json_options o;
  o.reserved = L::report_reserved;
  return o;
}

/// An nlohmann JSON value type (`nlohmann::json`, `nlohmann::ordered_json`, ...).
template <class J>
concept json_value = nlohmann::detail::is_basic_json<J>::value;

namespace json_detail {

/// The integer `j` holds, when it is a JSON integer that `T` represents;
/// otherwise type_error 302 naming the key, the value and the range.
template <class T, json_value J>
T integer_at(const J& j, const char* key) {
  if (j.is_number_unsigned()) {
    const auto u = j.template get<typename J::number_unsigned_t>();
    if (std::in_range<T>(u)) return static_cast<T>(u);
  } else if (j.is_number_integer()) {
    const auto i = j.template get<typename J::number_integer_t>();
    if (std::in_range<T>(i)) return static_cast<T>(i);
  }
  throw J::type_error::create(302,
                              std::string("\"") + key + "\" must be an integer from " +
                                  std::to_string(std::numeric_limits<T>::min()) + " to " +
                                  std::to_string(std::numeric_limits<T>::max()) + ", but is " + j.dump(),
                              &j);
}

/// `j[key]` into `v` when present (and not null); integers checked by integer_at.
template <json_value J, class T>
void get_opt(const J& j, const char* key, T& v) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    v = integer_at<T>(*it, key);
  else
    it->get_to(v);
}

}  // namespace json_detail

// ------------------------------------------------------------------ account_limits (docs/semantics.md#account-limits)

/// All 8 keys, always.
template <json_value J>
void to_json(J& j, const account_limits& l) {
  j = J::object();
  j["max_memory"] = l.max_memory;
  j["max_storage"] = l.max_store;
  j["max_streams"] = l.max_streams;
  j["max_consumers"] = l.max_consumers;
  j["max_ack_pending"] = l.max_ack_pending;
  j["memory_max_stream_bytes"] = l.memory_max_stream_bytes;
  j["storage_max_stream_bytes"] = l.store_max_stream_bytes;
  j["max_bytes_required"] = l.max_bytes_required;
}

template <json_value J>
void from_json(const J& j, account_limits& l) {
  l = zero_account_limits;  // a key left out is Go's zero value, not unlimited
  json_detail::get_opt(j, "max_memory", l.max_memory);
  json_detail::get_opt(j, "max_storage", l.max_store);
  json_detail::get_opt(j, "max_streams", l.max_streams);
  json_detail::get_opt(j, "max_consumers", l.max_consumers);
  json_detail::get_opt(j, "max_ack_pending", l.max_ack_pending);
  json_detail::get_opt(j, "memory_max_stream_bytes", l.memory_max_stream_bytes);
  json_detail::get_opt(j, "storage_max_stream_bytes", l.store_max_stream_bytes);
  json_detail::get_opt(j, "max_bytes_required", l.max_bytes_required);
}

// ------------------------------------------------------------------ api_stats (docs/semantics.md#api-stats)

/// `level` omitted when 0, `inflight` omitempty.
template <json_value J>
void to_json(J& j, const api_stats& a) {
  j = J::object();
  if (a.level != 0) j["level"] = a.level;
  j["total"] = a.total;
  j["errors"] = a.errors;
  if (a.inflight != 0) j["inflight"] = a.inflight;
}

template <json_value J>
void from_json(const J& j, api_stats& a) {
  a = api_stats{};
  json_detail::get_opt(j, "level", a.level);
  json_detail::get_opt(j, "total", a.total);
  json_detail::get_opt(j, "errors", a.errors);
  json_detail::get_opt(j, "inflight", a.inflight);
}

// ------------------------------------------------------------------ tier_stats (docs/semantics.md#tier-stats)

/// Adds the JetStreamTier fields to the object `j` (the account embeds them).
template <json_value J>
void tier_fields_to_json(J& j, const tier_stats& t, const json_options& o) {
  j["memory"] = t.memory;
  j["storage"] = t.store;
  if (o.reserved) {
    j["reserved_memory"] = t.reserved_memory;
    j["reserved_storage"] = t.reserved_store;
  }
  j["streams"] = t.streams;
  j["consumers"] = t.consumers;
  j["limits"] = t.limits;
}

template <json_value J>
void to_json(J& j, const tier_stats& t, const json_options& o) {
  j = J::object();
  tier_fields_to_json(j, t, o);
}

template <json_value J>
void to_json(J& j, const tier_stats& t) {
  to_json(j, t, json_options{});
}

template <json_value J>
void from_json(const J& j, tier_stats& t) {
  t = tier_stats{};
  json_detail::get_opt(j, "memory", t.memory);
  json_detail::get_opt(j, "storage", t.store);
  json_detail::get_opt(j, "reserved_memory", t.reserved_memory);
  json_detail::get_opt(j, "reserved_storage", t.reserved_store);
  json_detail::get_opt(j, "streams", t.streams);
  json_detail::get_opt(j, "consumers", t.consumers);
  json_detail::get_opt(j, "limits", t.limits);
}

// ------------------------------------------------------------------ account_stats (docs/semantics.md#account-stats)

/// The `$JS.API.INFO` body (without the response's `"type"`): the tier fields
/// flattened, `domain` (omitempty), `api`, `tiers` (omitempty, keys sorted).
template <json_value J>
void to_json(J& j, const account_stats& s, const json_options& o) {
  j = J::object();
  tier_fields_to_json(j, static_cast<const tier_stats&>(s), o);
  if (!s.domain.empty()) j["domain"] = to_valid_utf8(s.domain);
  if (o.api) j["api"] = s.api;
  if (!s.tiers.empty()) {
    J tiers = J::object();
    for (const auto& [name, t] : s.tiers) {  // std::map: byte-wise sorted, as Go
      J tj;
      to_json(tj, t, o);
      tiers[to_valid_utf8(name)] = std::move(tj);  // later duplicates overwrite, as parsing Go's output does
    }
    j["tiers"] = std::move(tiers);
  }
}

template <json_value J>
void to_json(J& j, const account_stats& s) {
  to_json(j, s, json_options{});
}

template <json_value J>
void from_json(const J& j, account_stats& s) {
  s = account_stats{};
  from_json(j, static_cast<tier_stats&>(s));
  json_detail::get_opt(j, "domain", s.domain);
  json_detail::get_opt(j, "api", s.api);
  if (auto it = j.find("tiers"); it != j.end() && !it->is_null()) {
    for (auto t = it->begin(); t != it->end(); ++t) s.tiers[t.key()] = t.value().template get<tier_stats>();
  }
}

/// `to_json` with options, as a value: `account_json(acct.usage(), json_options_for<engine::checker>())`.
template <json_value J = nlohmann::json>
J account_json(const account_stats& s, const json_options& o = {}) {
  J j;
  to_json(j, s, o);
  return j;
}

// ------------------------------------------------------------------ server_stats (docs/semantics.md#server-stats)

/// JetStreamStats as embedded in `/jsz` (and varz/statsz).
template <json_value J>
void to_json(J& j, const server_stats& s) {
  j = J::object();
  j["memory"] = s.memory;
  j["storage"] = s.store;
  j["reserved_memory"] = s.reserved_memory;
  j["reserved_storage"] = s.reserved_store;
  j["accounts"] = s.accounts;
  j["ha_assets"] = s.ha_assets;
  j["api"] = s.api;
}

template <json_value J>
void from_json(const J& j, server_stats& s) {
  s = server_stats{};
  json_detail::get_opt(j, "memory", s.memory);
  json_detail::get_opt(j, "storage", s.store);
  json_detail::get_opt(j, "reserved_memory", s.reserved_memory);
  json_detail::get_opt(j, "reserved_storage", s.reserved_store);
  json_detail::get_opt(j, "accounts", s.accounts);
  json_detail::get_opt(j, "ha_assets", s.ha_assets);
  json_detail::get_opt(j, "api", s.api);
}

// ------------------------------------------------------------------ jetstream_config (docs/semantics.md#server-config)

/// max_memory and max_storage always; the others omitempty.
template <json_value J>
void to_json(J& j, const jetstream_config& c) {
  j = J::object();
  j["max_memory"] = c.max_memory;
  j["max_storage"] = c.max_store;
  if (!c.store_dir.empty()) j["store_dir"] = to_valid_utf8(c.store_dir);
  if (c.sync_interval_ns != 0) j["sync_interval"] = c.sync_interval_ns;  // Go time.Duration: integer ns
  if (c.sync_always) j["sync_always"] = true;
  if (!c.domain.empty()) j["domain"] = to_valid_utf8(c.domain);
  if (c.compress_ok) j["compress_ok"] = true;
  if (!c.unique_tag.empty()) j["unique_tag"] = to_valid_utf8(c.unique_tag);
  if (c.strict) j["strict"] = true;
}

template <json_value J>
void from_json(const J& j, jetstream_config& c) {
  c = jetstream_config{};
  json_detail::get_opt(j, "max_memory", c.max_memory);
  json_detail::get_opt(j, "max_storage", c.max_store);
  json_detail::get_opt(j, "store_dir", c.store_dir);
  json_detail::get_opt(j, "sync_interval", c.sync_interval_ns);
  json_detail::get_opt(j, "sync_always", c.sync_always);
  json_detail::get_opt(j, "domain", c.domain);
  json_detail::get_opt(j, "compress_ok", c.compress_ok);
  json_detail::get_opt(j, "unique_tag", c.unique_tag);
  json_detail::get_opt(j, "strict", c.strict);
}

// ------------------------------------------------------------------ soft limits (docs/soft-limits.md)

/// tier_events: every counter, always, in declaration order.
template <json_value J>
void to_json(J& j, const tier_events& e) {
  j = J::object();
  j["warnings_raised"] = e.warnings_raised;
  j["warnings_cleared"] = e.warnings_cleared;
  j["limit_hits"] = e.limit_hits;
  j["refused_memory"] = e.refused_memory;
  j["refused_storage"] = e.refused_storage;
  j["refused_streams"] = e.refused_streams;
  j["refused_consumers"] = e.refused_consumers;
  j["refused_server_memory"] = e.refused_server_memory;
  j["refused_server_storage"] = e.refused_server_storage;
  j["refused_no_limits"] = e.refused_no_limits;
  j["refused_other"] = e.refused_other;
}

template <json_value J>
void from_json(const J& j, tier_events& e) {
  e = tier_events{};
  json_detail::get_opt(j, "warnings_raised", e.warnings_raised);
  json_detail::get_opt(j, "warnings_cleared", e.warnings_cleared);
  json_detail::get_opt(j, "limit_hits", e.limit_hits);
  json_detail::get_opt(j, "refused_memory", e.refused_memory);
  json_detail::get_opt(j, "refused_storage", e.refused_storage);
  json_detail::get_opt(j, "refused_streams", e.refused_streams);
  json_detail::get_opt(j, "refused_consumers", e.refused_consumers);
  json_detail::get_opt(j, "refused_server_memory", e.refused_server_memory);
  json_detail::get_opt(j, "refused_server_storage", e.refused_server_storage);
  json_detail::get_opt(j, "refused_no_limits", e.refused_no_limits);
  json_detail::get_opt(j, "refused_other", e.refused_other);
}

/// `{"tier": …, "events": {…}, "warnings": [raised resources, in soft_resource order]}`.
template <json_value J>
void to_json(J& j, const tier_soft_status& s) {
  j = J::object();
  j["tier"] = to_valid_utf8(s.tier);
  j["events"] = s.events;
  J raised = J::array();
  for (std::size_t i = 0; i < soft_resource_count; ++i)
    if (s.raised[i]) raised.push_back(std::string(to_string(static_cast<soft_resource>(i))));
  j["warnings"] = std::move(raised);
}

// ------------------------------------------------------------------ /jsz

/// The JetStream part of `/jsz` that jsacct knows: `{"config": …, <server_stats
/// fields flattened>}` (nats-server's JSInfo embeds JetStreamStats after
/// `config`; its id, now, stream/consumer/message totals and meta fields
/// belong to the embedder).
template <json_value J = nlohmann::json>
J jsz_json(const server_stats& s, const jetstream_config& c) {
  J j = J::object();
  j["config"] = c;
  J stats = s;
  for (auto it = stats.begin(); it != stats.end(); ++it) j[it.key()] = it.value();
  return j;
}

}  // namespace jsacct
