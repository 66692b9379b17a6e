// SPDX-License-Identifier: Apache-2.0
/// \file
/// Prometheus text exposition (format 0.0.4) of the snapshot structs: server
/// usage, reservations, limits and API counters, and, opt-in, per-account
/// series. No dependencies; the caller serves the text (content type
/// `prometheus_content_type`) or hands it to its own registry.
///
/// Server series (always):
///
/// | metric | type | labels | source |
/// |---|---|---|---|
/// | `jsacct_server_used_bytes` | gauge | `storage` | `server_stats::memory` / `store` |
/// | `jsacct_server_reserved_bytes` | gauge | `storage` | `server_stats::reserved_*` |
/// | `jsacct_server_limit_bytes` | gauge | `storage` | `jetstream_config::max_memory` / `max_store` (omitted when negative) |
/// | `jsacct_server_accounts` | gauge | – | `server_stats::accounts` |
/// | `jsacct_server_ha_assets` | gauge | – | `server_stats::ha_assets` |
/// | `jsacct_server_api_requests_total` | counter | – | `server_stats::api.total` |
/// | `jsacct_server_api_errors_total` | counter | – | `server_stats::api.errors` |
///
/// Per-account series (only for the accounts passed in; accounts are a
/// high-cardinality label, so the embedder chooses which, if any):
///
/// | metric | type | labels |
/// |---|---|---|
/// | `jsacct_account_used_bytes` | gauge | `account`, `tier`, `storage` |
/// | `jsacct_account_reserved_bytes` | gauge | `account`, `tier`, `storage` |
/// | `jsacct_account_limit_bytes` | gauge | `account`, `tier`, `storage` (omitted when unlimited, < 0) |
/// | `jsacct_account_streams` | gauge | `account`, `tier` |
/// | `jsacct_account_consumers` | gauge | `account`, `tier` |
/// | `jsacct_account_limit_streams` | gauge | `account`, `tier` (omitted when unlimited, <= 0) |
/// | `jsacct_account_api_requests_total` | counter | `account` |
/// | `jsacct_account_api_errors_total` | counter | `account` |
///
/// `tier` is the tier name of a tiered account (`"R1"`, …, or whatever a
/// custom tier selector names), and `""` for an untiered account (whose
/// numbers are the account totals). `storage` is `"memory"` or `"file"`.
/// Values are in base units (bytes, counts). Reserved bytes are the single
/// replica MaxBytes sums nats-server main reports (0 with 2.9.10 semantics).
#pragma once

#include "jsacct/config.hpp"

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jsacct/types.hpp"

namespace jsacct {

/// The HTTP content type of the text format.
inline constexpr std::string_view prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// One account's snapshot for the per-account series: (name, `account_handle::usage()`).
using named_account_stats = std::pair<std::string, account_stats>;

namespace prom_detail {

/// Label value escaping: backslash, double quote and line feed.
inline void append_label_value(std::string& out, std::string_view v) {
  for (const char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

/// One series of a family: rendered label set (without braces) and value.
struct sample {
  std::string labels;
  std::string value;
};

struct family {
  std::string_view name;
  std::string_view type;
  std::string_view help;
  std::vector<sample> samples;

  template <class V>
  void add(std::initializer_list<std::pair<std::string_view, std::string_view>> labels, V value) {
    sample s;
    for (const auto& [k, v] : labels) {
      if (!s.labels.empty()) s.labels += ',';
      s.labels += k;
      s.labels += "=\"";
      append_label_value(s.labels, v);
      s.labels += '"';
    }
    s.value = std::to_string(value);
    samples.push_back(std::move(s));
  }

  /// HELP and TYPE, then the samples; nothing when there are none.
  void write(std::string& out) const {
    if (samples.empty()) return;
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;  // fixed texts without backslashes or line feeds
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
    for (const auto& s : samples) {
      out += name;
      if (!s.labels.empty()) {
        out += '{';
        out += s.labels;
        out += '}';
      }
      out += ' ';
      out += s.value;
      out += '\n';
    }
  }
};

}  // namespace prom_detail

/// Appends the exposition of `server` (`engine.usage_stats()`), `config`
/// (`engine.config()`) and, for each entry of `accounts`, that account's series.
/// Every family is written as one group with its `# HELP` and `# TYPE`; the
/// text ends with a line feed (or is empty, which never happens: the server
/// series are always there). Account names should be unique.
inline void write_prometheus(std::string& out, const server_stats& server, const jetstream_config& config,
                             std::span<const named_account_stats> accounts = {}) {
  using prom_detail::family;
  constexpr std::string_view mem = "memory", file = "file";

  family used{"jsacct_server_used_bytes", "gauge", "Bytes stored by all JetStream accounts on this server.", {}};
  used.add({{"storage", mem}}, server.memory);
  used.add({{"storage", file}}, server.store);
  family reserved{"jsacct_server_reserved_bytes", "gauge", "Bytes reserved on this server by streams' max_bytes.", {}};
  reserved.add({{"storage", mem}}, server.reserved_memory);
  reserved.add({{"storage", file}}, server.reserved_store);
  family limit{"jsacct_server_limit_bytes", "gauge", "JetStream capacity of this server (max_memory, max_storage).", {}};
  if (config.max_memory >= 0) limit.add({{"storage", mem}}, config.max_memory);
  if (config.max_store >= 0) limit.add({{"storage", file}}, config.max_store);
  family accts{"jsacct_server_accounts", "gauge", "JetStream-enabled accounts.", {}};
  accts.add({}, server.accounts);
  family ha{"jsacct_server_ha_assets", "gauge", "Replicated (HA) assets.", {}};
  ha.add({}, server.ha_assets);
  family api{"jsacct_server_api_requests_total", "counter", "JetStream API requests.", {}};
  api.add({}, server.api.total);
  family api_err{"jsacct_server_api_errors_total", "counter", "JetStream API requests that returned an error.", {}};
  api_err.add({}, server.api.errors);

  family a_used{"jsacct_account_used_bytes", "gauge", "Bytes stored by the account in the tier (cluster-wide total).", {}};
  family a_res{
      "jsacct_account_reserved_bytes", "gauge", "Bytes reserved by the account's streams in the tier (single replica).", {}};
  family a_lim{"jsacct_account_limit_bytes", "gauge", "Account tier byte limit (absent when unlimited).", {}};
  family a_streams{"jsacct_account_streams", "gauge", "Streams of the account in the tier.", {}};
  family a_cons{"jsacct_account_consumers", "gauge", "Consumers of the account's streams in the tier.", {}};
  family a_lstreams{"jsacct_account_limit_streams", "gauge", "Account tier stream limit (absent when unlimited).", {}};
  family a_api{"jsacct_account_api_requests_total", "counter", "JetStream API requests of the account.", {}};
  family a_api_err{
      "jsacct_account_api_errors_total", "counter", "JetStream API requests of the account that returned an error.", {}};

  auto tier_series = [&](std::string_view account, std::string_view tier, const tier_stats& t) {
    a_used.add({{"account", account}, {"tier", tier}, {"storage", mem}}, t.memory);
    a_used.add({{"account", account}, {"tier", tier}, {"storage", file}}, t.store);
    a_res.add({{"account", account}, {"tier", tier}, {"storage", mem}}, t.reserved_memory);
    a_res.add({{"account", account}, {"tier", tier}, {"storage", file}}, t.reserved_store);
    if (t.limits.max_memory >= 0) a_lim.add({{"account", account}, {"tier", tier}, {"storage", mem}}, t.limits.max_memory);
    if (t.limits.max_store >= 0) a_lim.add({{"account", account}, {"tier", tier}, {"storage", file}}, t.limits.max_store);
    a_streams.add({{"account", account}, {"tier", tier}}, t.streams);
    a_cons.add({{"account", account}, {"tier", tier}}, t.consumers);
    if (t.limits.max_streams > 0) a_lstreams.add({{"account", account}, {"tier", tier}}, t.limits.max_streams);
  };
  for (const auto& [name, s] : accounts) {
    if (s.tiers.empty()) {
      tier_series(name, "", s);  // untiered: the totals and the "" limits
    } else {
      for (const auto& [tier, t] : s.tiers) tier_series(name, tier, t);
    }
    a_api.add({{"account", name}}, s.api.total);
    a_api_err.add({{"account", name}}, s.api.errors);
  }

  for (const family* f : {&used, &reserved, &limit, &accts, &ha, &api, &api_err, &a_used, &a_res, &a_lim, &a_streams, &a_cons,
                          &a_lstreams, &a_api, &a_api_err})
    f->write(out);
}

/// The exposition as a string (see `write_prometheus`).
inline std::string prometheus_text(const server_stats& server, const jetstream_config& config,
                                   std::span<const named_account_stats> accounts = {}) {
  std::string out;
  write_prometheus(out, server, config, accounts);
  return out;
}

}  // namespace jsacct
