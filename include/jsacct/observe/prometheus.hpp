// SPDX-License-Identifier: Apache-2.0
/// \file
/// Prometheus text exposition (format 0.0.4) of the snapshot structs: server
/// usage, reservations, limits and API counters, and, opt-in, per-account
/// series. Needs only range-v3 (as the core); the caller serves the text (content type
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
/// Soft-limit series (`write_prometheus_soft_limits`, docs/soft-limits.md),
/// for the accounts passed in, one series per tier of `account_handle::soft_status()`:
///
/// | metric | type | labels |
/// |---|---|---|
/// | `jsacct_account_warnings_total` | counter | `account`, `tier`, `event` (`raised`, `cleared`) |
/// | `jsacct_account_limit_hits_total` | counter | `account`, `tier` |
/// | `jsacct_account_refusals_total` | counter | `account`, `tier`, `reason` (`memory`, `storage`, `streams`, `consumers`,
/// `server_memory`, `server_storage`, `no_limits`, `other`) | | `jsacct_account_warning` | gauge | `account`, `tier`, `resource`
/// (`memory_used`, …, see `soft_resource`): 1 while raised |
///
/// `tier` is the tier name of a tiered account (`"R1"`, …, or whatever a
/// custom tier selector names), and `""` for an untiered account (whose
/// numbers are the account totals). `storage` is `"memory"` or `"file"`.
/// Values are in base units (bytes, counts). Reserved bytes are the single
/// replica MaxBytes sums nats-server main reports (0 with 2.9.10 semantics).
///
/// Label values: the format requires UTF-8, and tier names come from peers in
/// any bytes. Every byte that does not begin a valid UTF-8 sequence becomes
/// U+FFFD, as in the JSON (observe/utf8.hpp, Go's rule), then backslash,
/// double quote and line feed are escaped. Series whose label sets coincide
/// after that (tier names that differ only in invalid bytes, or an account
/// passed twice) are written once, with the value added last; the account's
/// JSON keeps the same one. So the text is always a valid exposition.
#pragma once

#include "jsacct/config.hpp"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <range/v3/algorithm/copy.hpp>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/indirect.hpp>
#include <range/v3/view/join.hpp>
#include <range/v3/view/transform.hpp>

#include "jsacct/engine/soft_limits.hpp"
#include "jsacct/observe/utf8.hpp"
#include "jsacct/types.hpp"

namespace jsacct {

/// The HTTP content type of the text format.
inline constexpr std::string_view prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// One account's snapshot for the per-account series: (name, `account_handle::usage()`).
using named_account_stats = std::pair<std::string, account_stats>;

namespace prom_detail {

/// Label value escaping: invalid UTF-8 bytes become U+FFFD, then backslash,
/// double quote and line feed are escaped.
inline void append_label_value(std::string& out, std::string_view v) {
  std::string valid;
  if (!valid_utf8(v)) {
    append_valid_utf8(valid, v);
    v = valid;
  }
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

using label = std::pair<std::string_view, std::string_view>;

/// `k1="v1",k2="v2"`: a rendered label set without braces.
inline std::string render_labels(std::initializer_list<label> labels) {
  const auto pair = [](const label& l) {
    std::string s(l.first);
    s += "=\"";
    append_label_value(s, l.second);
    s += '"';
    return s;
  };
  return labels | ranges::views::transform(pair) | ranges::views::join(',') | ranges::to<std::string>();
}

/// One series of a family: rendered label set (without braces) and value.
struct sample {
  std::string labels;
  std::string value;
};

struct family {
  family(std::string_view n, std::string_view t, std::string_view h) : name(n), type(t), help(h) {}

  std::string_view name;
  std::string_view type;
  std::string_view help;
  std::vector<sample> samples;
  std::unordered_map<std::string, std::size_t> index;  ///< label set -> position in samples

  /// Adds a series; a label set added before keeps its place and takes the new value.
  template <class V>
  void add(std::initializer_list<label> labels, V value) {
    std::string l = render_labels(labels);
    std::string v = std::to_string(value);
    if (const auto it = index.find(l); it != index.end()) {
      samples[it->second].value = std::move(v);
      return;
    }
    index.emplace(l, samples.size());
    samples.push_back(sample{std::move(l), std::move(v)});
  }

  /// One sample line: `name{labels} value`.
  std::string line(const sample& s) const {
    std::string out(name);
    if (!s.labels.empty()) out += '{' + s.labels + '}';
    out += ' ';
    out += s.value;
    out += '\n';
    return out;
  }

  /// HELP and TYPE, then the samples (callers skip families without samples).
  std::string text() const {
    std::string out = "# HELP " + std::string(name) + ' ' + std::string(help) +  // fixed texts: nothing to escape
                      "\n# TYPE " + std::string(name) + ' ' + std::string(type) + '\n';
    ranges::copy(samples | ranges::views::transform([this](const sample& s) { return line(s); }) | ranges::views::join,
                 std::back_inserter(out));
    return out;
  }
};

}  // namespace prom_detail

/// Appends the exposition of `server` (`engine.usage_stats()`), `config`
/// (`engine.config()`) and, for each entry of `accounts`, that account's series.
/// Every family is written as one group with its `# HELP` and `# TYPE`; the
/// text ends with a line feed (or is empty, which never happens: the server
/// series are always there). An account passed twice is written once (the
/// later entry's values).
inline void write_prometheus(std::string& out, const server_stats& server, const jetstream_config& config,
                             std::span<const named_account_stats> accounts = {}) {
  using prom_detail::family;
  constexpr std::string_view mem = "memory", file = "file";

  family used{"jsacct_server_used_bytes", "gauge", "Bytes stored by all JetStream accounts on this server."};
  used.add({{"storage", mem}}, server.memory);
  used.add({{"storage", file}}, server.store);
  family reserved{"jsacct_server_reserved_bytes", "gauge", "Bytes reserved on this server by streams' max_bytes."};
  reserved.add({{"storage", mem}}, server.reserved_memory);
  reserved.add({{"storage", file}}, server.reserved_store);
  family limit{"jsacct_server_limit_bytes", "gauge", "JetStream capacity of this server (max_memory, max_storage)."};
  if (config.max_memory >= 0) limit.add({{"storage", mem}}, config.max_memory);
  if (config.max_store >= 0) limit.add({{"storage", file}}, config.max_store);
  family accts{"jsacct_server_accounts", "gauge", "JetStream-enabled accounts."};
  accts.add({}, server.accounts);
  family ha{"jsacct_server_ha_assets", "gauge", "Replicated (HA) assets."};
  ha.add({}, server.ha_assets);
  family api{"jsacct_server_api_requests_total", "counter", "JetStream API requests."};
  api.add({}, server.api.total);
  family api_err{"jsacct_server_api_errors_total", "counter", "JetStream API requests that returned an error."};
  api_err.add({}, server.api.errors);

  family a_used{"jsacct_account_used_bytes", "gauge", "Bytes stored by the account in the tier (cluster-wide total)."};
  family a_res{"jsacct_account_reserved_bytes", "gauge", "Bytes reserved by the account's streams in the tier (single replica)."};
  family a_lim{"jsacct_account_limit_bytes", "gauge", "Account tier byte limit (absent when unlimited)."};
  family a_streams{"jsacct_account_streams", "gauge", "Streams of the account in the tier."};
  family a_cons{"jsacct_account_consumers", "gauge", "Consumers of the account's streams in the tier."};
  family a_lstreams{"jsacct_account_limit_streams", "gauge", "Account tier stream limit (absent when unlimited)."};
  family a_api{"jsacct_account_api_requests_total", "counter", "JetStream API requests of the account."};
  family a_api_err{"jsacct_account_api_errors_total", "counter", "JetStream API requests of the account that returned an error."};

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

  const std::initializer_list<const family*> families{&used,      &reserved, &limit,      &accts, &ha,
                                                      &api,       &api_err,  &a_used,     &a_res, &a_lim,
                                                      &a_streams, &a_cons,   &a_lstreams, &a_api, &a_api_err};
  ranges::copy(families | ranges::views::indirect | ranges::views::filter([](const family& f) { return !f.samples.empty(); }) |
                   ranges::views::transform(&family::text) | ranges::views::join,
               std::back_inserter(out));
}

/// One account's soft-limit state: (name, `account_handle::soft_status()`).
using named_soft_status = std::pair<std::string, std::vector<tier_soft_status>>;

/// Appends the soft-limit series (see the table above) of `accounts`; nothing
/// when no account has a tier. Label values are escaped as in write_prometheus.
inline void write_prometheus_soft_limits(std::string& out, std::span<const named_soft_status> accounts) {
  using prom_detail::family;
  family warnings{"jsacct_account_warnings_total", "counter", "Soft-limit warnings raised and cleared in the account tier."};
  family hits{"jsacct_account_limit_hits_total", "counter", "Publishes refused by a limit in the account tier."};
  family refusals{"jsacct_account_refusals_total", "counter",
                  "Publishes, stream creates and updates and consumer adds refused in the account tier, by reason."};
  family raised{"jsacct_account_warning", "gauge", "1 while the soft-limit warning of the resource is raised."};
  for (const auto& [name, tiers] : accounts)
    for (const tier_soft_status& t : tiers) {
      const tier_events& e = t.events;
      warnings.add({{"account", name}, {"tier", t.tier}, {"event", "raised"}}, e.warnings_raised);
      warnings.add({{"account", name}, {"tier", t.tier}, {"event", "cleared"}}, e.warnings_cleared);
      hits.add({{"account", name}, {"tier", t.tier}}, e.limit_hits);
      const std::pair<std::string_view, std::uint64_t> reasons[] = {{"memory", e.refused_memory},
                                                                    {"storage", e.refused_storage},
                                                                    {"streams", e.refused_streams},
                                                                    {"consumers", e.refused_consumers},
                                                                    {"server_memory", e.refused_server_memory},
                                                                    {"server_storage", e.refused_server_storage},
                                                                    {"no_limits", e.refused_no_limits},
                                                                    {"other", e.refused_other}};
      for (const auto& [reason, n] : reasons) refusals.add({{"account", name}, {"tier", t.tier}, {"reason", reason}}, n);
      for (std::size_t i = 0; i < soft_resource_count; ++i)
        raised.add({{"account", name}, {"tier", t.tier}, {"resource", to_string(static_cast<soft_resource>(i))}},
                   t.raised[i] ? 1 : 0);
    }
  for (const family* f : {&warnings, &hits, &refusals, &raised})
    if (!f->samples.empty()) out += f->text();
}

/// The exposition as a string (see `write_prometheus`).
inline std::string prometheus_text(const server_stats& server, const jetstream_config& config,
                                   std::span<const named_account_stats> accounts = {}) {
  std::string out;
  write_prometheus(out, server, config, accounts);
  return out;
}

}  // namespace jsacct
