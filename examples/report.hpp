// SPDX-License-Identifier: Apache-2.0
/// \file
/// `jsacct report` (text): a replayed scenario for a person — per account and
/// tier usage against limits with bars, reservations, each stream, every
/// refused op (numbered from 1, as they appear in the scenario's `ops`) with
/// its error, and the server totals. Sizes are in binary units (KiB, MiB, ...);
/// a cluster's accounts, streams and consumers are counted once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <jsacct/jsacct.hpp>
#include <nlohmann/json.hpp>
#include <range/v3/numeric/accumulate.hpp>
#include <range/v3/view/join.hpp>
#include <range/v3/view/map.hpp>
#include <range/v3/view/transform.hpp>

#include "report_table.hpp"
#include "scenario.hpp"
#include "simulated_cluster.hpp"
#include "text_format.hpp"

namespace jsacct_cli {

/// The text report's line naming a reservation policy other than the default upfront (`--reservation`).
inline std::string reservation_policy_line(std::string_view policy) {
  if (policy == "on_use")
    return "Reservation: on_use (streams reserve nothing at create; publishes are checked against the account and server "
           "limits)";
  if (policy.substr(0, 8) == "fraction")
    return fmt::format("Reservation: {} (streams reserve {}% of max_bytes, rounded up)", policy, policy.substr(8));
  return fmt::format("Reservation: {}", policy);
}

/// "op #3" names the third entry of the scenario's `ops` (index 2).
inline std::string op_label(std::size_t index) { return fmt::format("op #{}", index + 1); }

/// The account_update ops (jsacct only) and what each found over the new
/// limits; nothing when the scenario has none.
template <class R>
void write_limit_changes(std::ostream& out, const R& r) {
  const auto& changes = r.limit_changes();
  if (changes.empty()) return;
  out << fmt::format("\nLimit changes: {} (--limit-change {})\n", changes.size(),
                     jsacct::limit_change_policy_name(r.limit_change_policy()));
  for (const auto& c : changes) {
    out << "  " << op_label(c.index) << " account_update " << c.account << ": " << (c.refused ? "refused" : "applied");
    out << (c.report.within_limits() ? ", within the new limits\n" : "; over the new limits:\n");
    for (const auto& o : c.report.over) {
      const std::string tier = o.tier.empty() ? std::string("all") : o.tier;
      const std::string_view what = jsacct::limited_resource_name(o.resource);
      if (o.resource == jsacct::limited_resource::memory || o.resource == jsacct::limited_resource::store)
        out << fmt::format("    tier {} {} {}: used {}, reserved {}\n", tier, what, iec_bytes(o.limit), iec_bytes(o.usage),
                           iec_bytes(o.reserved));
      else
        out << fmt::format("    tier {} {} {}: {} now\n", tier, what, o.limit, o.usage);
    }
    for (const auto& s : c.report.streams)
      out << fmt::format("    stream {:<12} {} reserved {}, stored {}\n", s.name,
                         s.storage == jsacct::storage_type::memory ? "memory" : "file", iec_bytes(s.reserved),
                         iec_bytes(s.stored));
  }
}

template <class R>
void write_report(std::ostream& out, const scenario& sc, const R& r, const json& doc, const std::string& semantics) {
  const int128 servers = static_cast<int128>(r.servers().size());
  out << fmt::format("Scenario {} ({}, {} accounts, {} semantics, {})\n", sc.name, sc.mode, sc.accounts_mode, semantics,
                     count_of(static_cast<int128>(sc.ops.size()), "operation"));
  if (!sc.description.empty()) out << "  " << sc.description << "\n";
  using charging = typename R::charging;
  constexpr bool in_full = std::is_same_v<charging, jsacct::upfront>;  // the default: nothing more to say
  if constexpr (!in_full) out << reservation_policy_line(charging::name) << "\n";
  out << fmt::format("Server: max memory {}, max storage {}{}\n", iec_bytes(sc.server_max_memory), iec_bytes(sc.server_max_store),
                     sc.cluster() ? fmt::format(" per server, {}", count_of(servers, "server")) : std::string());
  if (!doc["startup"]["ok"].get<bool>()) {
    out << "\nStartup FAILED: " << doc["startup"]["fatal"].get<std::string>() << "\n";
    return;
  }
  for (const auto& entry : r.accounts()) {
    const std::string& name = entry.first;  // structured bindings cannot be captured by clang 14
    const auto& a = entry.second;
    out << "\nAccount " << name;
    auto info = r.account_info_json(name);
    if (!info) {
      out << ": JetStream "
          << (a.mode == account_mode::no_responders ? "not available (enabling failed; API has no responders)" : "not enabled")
          << "\n";
      continue;
    }
    out << fmt::format("{}: {}, {}\n", a.tiered ? " (tiered)" : "", count_of(json_int((*info)["streams"]), "stream"),
                       count_of(json_int((*info)["consumers"]), "consumer"));
    auto line = [&](const std::string& label, const json& t) {
      const auto& l = t["limits"];
      const int128 mem = json_int(t["memory"]), st = json_int(t["storage"]);
      const std::int64_t max_mem = l["max_memory"].get<std::int64_t>(), max_st = l["max_storage"].get<std::int64_t>();
      out << fmt::format("  {:<6} memory  {:>10} of {:<10} {}\n", label, iec_bytes(mem), limit_bytes(max_mem),
                         usage_bar(mem, max_mem));
      out << fmt::format("  {:<6} storage {:>10} of {:<10} {}\n", "", iec_bytes(st), limit_bytes(max_st), usage_bar(st, max_st));
      out << fmt::format("  {:<6} streams {} of {}, consumers {} (per-stream cap {})\n", "", int128_text(json_int(t["streams"])),
                         limit_count(l["max_streams"].get<std::int64_t>()), int128_text(json_int(t["consumers"])),
                         limit_count(l["max_consumers"].get<std::int64_t>()));
    };
    if (a.tiered) {
      for (auto it = (*info)["tiers"].begin(); it != (*info)["tiers"].end(); ++it) line(it.key(), it.value());
    } else {
      line("all", *info);
    }
    // Reservations: Σ max_bytes of the account's streams (one replica's worth) and the R× account footprint.
    const tier_streams all = streams_in_tier<charging>(a, "");
    auto footprint = [&](bool memory) {
      return ranges::accumulate(a.streams | ranges::views::values | ranges::views::transform([memory](const auto& s) {
                                  const std::int64_t mb = charging::charge(s.cfg.max_bytes);
                                  const bool counted = mb > 0 && (s.cfg.storage == "memory") == memory;
                                  return counted ? int128{mb} * s.cfg.replicas : int128{0};
                                }),
                                int128{0});
    };
    const int128 fmem = footprint(true), fstore = footprint(false);
    out << fmt::format("  reserved ({}stream max_bytes): memory {}, storage {}",
                       in_full ? std::string() : std::string(charging::name) + " of ", iec_bytes(all.reserved_memory),
                       iec_bytes(all.reserved_storage));
    if (fmem != all.reserved_memory || fstore != all.reserved_storage)
      out << fmt::format("; with replicas: memory {}, storage {}", iec_bytes(fmem), iec_bytes(fstore));
    out << "\n";
    for (const auto& [sn, s] : a.streams) {
      out << fmt::format("    stream {:<12} {} R{}, {}, {} stored, max_bytes {}", sn, s.cfg.storage, s.cfg.replicas,
                         count_of(s.store.messages(), "message"), iec_bytes(s.store.bytes()),
                         s.cfg.max_bytes > 0 ? iec_bytes(s.cfg.max_bytes) : std::string("unlimited"));
      if (s.cfg.max_bytes > 0) out << " " << usage_bar(s.store.bytes(), s.cfg.max_bytes);
      if (!s.consumers.empty()) out << ", " << count_of(static_cast<int128>(s.consumers.size()), "consumer");
      out << "\n";
    }
  }
  const auto& rej = r.rejections();
  out << fmt::format("\nRejected operations: {}",
                     rej.empty() ? std::string("none") : int128_text(static_cast<int128>(rej.size())));
  out << fmt::format(" of {} (op #N is the N-th entry of the scenario's ops, counting from 1)\n", sc.ops.size());
  for (const auto& d : rej) {
    out << "  " << op_label(d.index) << " " << d.op;
    if (!d.account.empty()) out << " " << d.account;
    if (!d.target.empty()) out << " " << d.target;
    if (d.op == "publish") {
      const std::int64_t sent = d.index < sc.ops.size() ? sc.ops[d.index].num("count", 1) : 1;
      out << fmt::format(" ({} of {} refused)", int128_text(static_cast<int128>(d.count)), count_of(sent, "message"));
    }
    out << ": " << d.error.description;
    if (d.error.err_code != 0) out << " (" << d.error.err_code << ")";
    out << "\n";
    if (const jsacct::explanation* w = d.why()) out << "      why: " << w->text() << "\n";  // docs/explanations.md
  }
  write_limit_changes(out, r);
  const json s = r.server_info_json();
  auto num = [&](const char* k) { return json_int(s[k]); };
  out << "\nServer totals" << (servers > 1 ? fmt::format(" (sum over {})", count_of(servers, "server")) : std::string()) << ":\n";
  const int128 mem_cap = int128{sc.server_max_memory} * servers, store_cap = int128{sc.server_max_store} * servers;
  out << fmt::format("  memory  used {}, reserved {} of {} {}\n", iec_bytes(num("memory")), iec_bytes(num("reserved_memory")),
                     iec_bytes(mem_cap), usage_bar(num("reserved_memory"), mem_cap));
  out << fmt::format("  storage used {}, reserved {} of {} {}\n", iec_bytes(num("storage")), iec_bytes(num("reserved_storage")),
                     iec_bytes(store_cap), usage_bar(num("reserved_storage"), store_cap));
  // Accounts, streams and consumers counted once (a cluster holds each on several servers).
  auto streams = r.accounts() | ranges::views::values |
                 ranges::views::transform([](const auto& a) -> const auto& { return a.streams; }) | ranges::views::join |
                 ranges::views::values;
  const auto enabled = ranges::accumulate(r.accounts() | ranges::views::values | ranges::views::transform([](const auto& a) {
                                            return a.mode == account_mode::enabled ? int128{1} : int128{0};
                                          }),
                                          int128{0});
  auto sum = [&](auto field) { return ranges::accumulate(streams | ranges::views::transform(field), int128{0}); };
  const int128 n_streams = sum([](const auto&) { return int128{1}; });
  const int128 n_consumers = sum([](const auto& st) { return static_cast<int128>(st.consumers.size()); });
  const int128 messages = sum([](const auto& st) { return static_cast<int128>(st.store.messages()); });
  const int128 bytes = sum([](const auto& st) { return static_cast<int128>(st.store.bytes()); });
  out << fmt::format("  {}, {}, {}, {} ({}{})\n", count_of(enabled, "account"), count_of(n_streams, "stream"),
                     count_of(n_consumers, "consumer"), count_of(messages, "message"), iec_bytes(bytes),
                     servers > 1 ? " stored per replica" : "");
}

/// `report --warn-at`: the soft-limit warnings of a replay (docs/soft-limits.md), with the op that caused each.
struct warning_log {
  struct entry {
    std::size_t op;  ///< index of the op in the scenario's ops
    std::size_t server;
    jsacct::event ev;
  };
  std::vector<entry> entries;
  std::size_t ops_done = 0;  ///< kept current by the caller: the next event belongs to op #ops_done+1
};

/// Sets `fraction` on every tier and resource of every enabled account on
/// every server, and records their warning events in `log`.
template <class Cluster>
void arm_warnings(Cluster& sim, double fraction, warning_log& log) {
  for (std::size_t i = 0; i < sim.servers.size(); ++i) {
    auto& s = sim.servers[i];
    s.eng->set_event_sink([&log, i](const jsacct::event& e) {
      if (jsacct::is_warning_event(e.kind)) log.entries.push_back({log.ops_done, i, e});
    });
    for (auto& entry : s.accts)
      if (auto r = entry.second.set_default_warning_levels(jsacct::warn_all_at(fraction)); !r)
        throw std::runtime_error("--warn-at on account " + entry.first + ": " + r.error().text());
  }
}

/// The warning events and, per account and tier (summed over the servers), the event counters.
template <class R>
void write_warnings(std::ostream& out, const R& r, const warning_log& log, double fraction) {
  const bool many = r.servers().size() > 1;
  out << fmt::format("\nSoft limits: warning at {:g}% of every limit; warning events: {}\n", fraction * 100,
                     log.entries.empty() ? std::string("none") : std::to_string(log.entries.size()));
  for (const auto& e : log.entries)
    out << "  " << op_label(e.op) << (many ? fmt::format(" server {}", e.server + 1) : std::string()) << ": " << e.ev.text
        << "\n";
  std::map<std::pair<std::string, std::string>, jsacct::tier_events> sums;
  for (const auto& s : r.servers())
    for (const auto& [name, a] : s.accts)
      for (const auto& t : a.soft_status()) sums[{name, t.tier}] += t.events;
  out << "Event counters" << (many ? " (sum over the servers)" : "") << ":\n";
  for (const auto& [key, v] : sums) {
    out << fmt::format("  account {} tier \"{}\": warnings raised {}, cleared {}; limit hits {}; refused", key.first, key.second,
                       v.warnings_raised, v.warnings_cleared, v.limit_hits);
    const std::pair<const char*, std::uint64_t> reasons[] = {{"memory", v.refused_memory},
                                                             {"storage", v.refused_storage},
                                                             {"streams", v.refused_streams},
                                                             {"consumers", v.refused_consumers},
                                                             {"server_memory", v.refused_server_memory},
                                                             {"server_storage", v.refused_server_storage},
                                                             {"no_limits", v.refused_no_limits},
                                                             {"other", v.refused_other}};
    std::string listed;
    for (const auto& [why, n] : reasons)
      if (n != 0) listed += fmt::format("{} {} {}", listed.empty() ? "" : ",", why, n);
    out << (listed.empty() ? " none" : listed) << "\n";
  }
}

}  // namespace jsacct_cli
