// SPDX-License-Identifier: Apache-2.0
/// \file
/// `jsacct report --format json|csv`: the replayed scenario as a table, one
/// row per account and tier, for a spreadsheet or a plot. Columns (bytes are
/// plain integers, exact; the JSON form is an array of objects with the same
/// keys, null where the CSV cell is empty):
///
/// | column | meaning |
/// |---|---|
/// | `scenario` | the scenario's name |
/// | `semantics` | `main` or `v2.9` |
/// | `account` | the account |
/// | `jetstream` | `enabled`, `disabled`, or `no_responders` (enabling failed at startup) |
/// | `tier` | `R1`, `R3`, ... for tiered limits; `all` for untiered limits; empty when not enabled |
/// | `memory_used`, `storage_used` | bytes in use (account info; summed over the replicas) |
/// | `memory_reserved`, `storage_reserved` | Σ max_bytes of the tier's streams as charged, one replica each |
/// | `memory_limit`, `storage_limit` | the limit in bytes, -1 = unlimited |
/// | `streams`, `streams_limit` | streams in the tier and max_streams (<= 0 = unlimited) |
/// | `consumers`, `consumers_limit` | consumers in the tier and max_consumers per stream (<= 0 = unlimited) |
/// | `messages`, `stored_bytes` | messages and bytes stored in the tier's streams, one replica each |
/// | `rejected_ops` | ops of this account that were refused (per account, repeated on each tier row) |
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <jsacct/jsacct.hpp>
#include <nlohmann/json.hpp>
#include <range/v3/algorithm/count_if.hpp>
#include <range/v3/numeric/accumulate.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/map.hpp>
#include <range/v3/view/transform.hpp>

#include "scenario.hpp"
#include "simulated_cluster.hpp"
#include "text_format.hpp"

namespace jsacct_cli {

/// The table's columns, in order.
inline const std::vector<std::string>& report_columns() {
  static const std::vector<std::string> c{"scenario",      "semantics",       "account",       "jetstream",    "tier",
                                          "memory_used",   "memory_reserved", "memory_limit",  "storage_used", "storage_reserved",
                                          "storage_limit", "streams",         "streams_limit", "consumers",    "consumers_limit",
                                          "messages",      "stored_bytes",    "rejected_ops"};
  return c;
}

/// An integer of a JSON document as int128 (unsigned and signed alike; 0 when absent).
inline int128 json_int(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return static_cast<int128>(v.get<std::uint64_t>());
  if (v.is_number_integer()) return v.get<std::int64_t>();
  return 0;
}

/// A JSON number for an int128 that fits in 64 bits (saturated otherwise).
inline nlohmann::ordered_json json_number(int128 v) {
  if (v >= 0) {
    if (v > static_cast<int128>(UINT64_MAX)) return UINT64_MAX;
    return static_cast<std::uint64_t>(v);
  }
  if (v < static_cast<int128>(INT64_MIN)) return INT64_MIN;
  return static_cast<std::int64_t>(v);
}

/// Per-tier figures of an account's streams (one replica each): reservations and stored data.
struct tier_streams {
  int128 reserved_memory = 0, reserved_storage = 0, messages = 0, bytes = 0;
};

/// The streams of `a` in `tier` ("" = all of them: untiered limits); reservations as `Charging` charges
/// max_bytes (docs/reservation-charging.md).
template <class Charging, class Account>
tier_streams streams_in_tier(const Account& a, const std::string& tier) {
  auto in_tier = [&](const auto& s) { return tier.empty() || tier == "R" + std::to_string(s.cfg.replicas); };
  auto streams = a.streams | ranges::views::values | ranges::views::filter(in_tier);
  auto reserved = [&](bool memory) {
    return ranges::accumulate(
        streams | ranges::views::filter([memory](const auto& s) {
          return Charging::charge(s.cfg.max_bytes) > 0 && (s.cfg.storage == "memory") == memory;
        }) | ranges::views::transform([](const auto& s) { return int128{Charging::charge(s.cfg.max_bytes)}; }),
        int128{0});
  };
  tier_streams t;
  t.reserved_memory = reserved(true);
  t.reserved_storage = reserved(false);
  t.messages =
      ranges::accumulate(streams | ranges::views::transform([](const auto& s) { return int128{s.store.messages()}; }), int128{0});
  t.bytes =
      ranges::accumulate(streams | ranges::views::transform([](const auto& s) { return int128{s.store.bytes()}; }), int128{0});
  return t;
}

/// The rows of the table (each an object keyed by the columns).
template <class R>
std::vector<nlohmann::ordered_json> report_rows(const scenario& sc, const R& r, const std::string& semantics) {
  std::vector<nlohmann::ordered_json> rows;
  for (const auto& entry : r.accounts()) {
    const std::string& name = entry.first;  // structured bindings cannot be captured by clang 14
    const auto& a = entry.second;
    const auto rejected = ranges::count_if(r.rejections(), [&name = name](const decision& d) { return d.account == name; });
    auto row = [&](std::string_view jetstream, std::string_view tier) {
      nlohmann::ordered_json o;
      for (const auto& c : report_columns()) o[c] = nullptr;
      o["scenario"] = sc.name;
      o["semantics"] = semantics;
      o["account"] = name;
      o["jetstream"] = jetstream;
      o["tier"] = tier;
      o["rejected_ops"] = rejected;
      return o;
    };
    const auto info = r.account_info_json(name);
    if (!info) {
      rows.push_back(row(a.mode == account_mode::no_responders ? "no_responders" : "disabled", ""));
      continue;
    }
    auto tier_row = [&](const std::string& tier, const nlohmann::json& t) {
      auto o = row("enabled", tier.empty() ? "all" : tier);
      const auto& l = t["limits"];
      const tier_streams ts = streams_in_tier<typename R::charging>(a, tier);
      o["memory_used"] = json_number(json_int(t["memory"]));
      o["memory_reserved"] = json_number(ts.reserved_memory);
      o["memory_limit"] = json_number(json_int(l["max_memory"]));
      o["storage_used"] = json_number(json_int(t["storage"]));
      o["storage_reserved"] = json_number(ts.reserved_storage);
      o["storage_limit"] = json_number(json_int(l["max_storage"]));
      o["streams"] = json_number(json_int(t["streams"]));
      o["streams_limit"] = json_number(json_int(l["max_streams"]));
      o["consumers"] = json_number(json_int(t["consumers"]));
      o["consumers_limit"] = json_number(json_int(l["max_consumers"]));
      o["messages"] = json_number(ts.messages);
      o["stored_bytes"] = json_number(ts.bytes);
      rows.push_back(std::move(o));
    };
    if (a.tiered) {
      for (auto it = (*info)["tiers"].begin(); it != (*info)["tiers"].end(); ++it) tier_row(it.key(), it.value());
    } else {
      tier_row("", *info);
    }
  }
  return rows;
}

/// A CSV field (RFC 4180: quoted when it holds a comma, quote or line break).
inline std::string csv_field(const nlohmann::ordered_json& v) {
  if (v.is_null()) return {};
  const std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (const char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

inline void write_csv(std::ostream& out, const std::vector<nlohmann::ordered_json>& rows) {
  const auto& cols = report_columns();
  for (std::size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << cols[i];
  out << "\n";
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << csv_field(r[cols[i]]);
    out << "\n";
  }
}

inline void write_json_rows(std::ostream& out, const std::vector<nlohmann::ordered_json>& rows) {
  out << nlohmann::ordered_json(rows).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

}  // namespace jsacct_cli
