// SPDX-License-Identifier: Apache-2.0
/// \file
/// `jsacct report`: a human-readable summary of a replayed scenario — per
/// account and tier usage against limits with text bars, reservations, every
/// rejected op with its error text, and the server totals.
#pragma once

#include <cstdint>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <string>

#include <jsacct/facade/text.hpp>
#include <nlohmann/json.hpp>

#include "replay.hpp"
#include "scenario.hpp"

namespace jsacct_cli {

/// "[#####.....]  52%" for used/limit; "(unlimited)" when limit < 0.
inline std::string usage_bar(std::int64_t used, std::int64_t limit, int width = 10) {
  if (limit < 0) return "(unlimited)";
  const double frac = limit == 0 ? (used > 0 ? 1.0 : 0.0) : static_cast<double>(used) / static_cast<double>(limit);
  int filled = static_cast<int>(frac * width + 0.5);
  if (filled > width) filled = width;
  if (filled < 0) filled = 0;
  std::ostringstream s;
  s << '[' << std::string(static_cast<std::size_t>(filled), '#') << std::string(static_cast<std::size_t>(width - filled), '.')
    << "] " << std::setw(3) << static_cast<int>(frac * 100.0 + 0.5) << '%';
  return s.str();
}

inline std::string limit_text(std::int64_t v) { return v < 0 ? std::string("unlimited") : jsacct::friendly_bytes(v); }
inline std::string count_text(std::int64_t v) { return v <= 0 ? std::string("unlimited") : std::to_string(v); }

template <class R>
void write_report(std::ostream& out, const scenario& sc, const R& r, const json& doc, const std::string& semantics) {
  out << "Scenario " << sc.name << " (" << sc.mode << ", " << sc.accounts_mode << " accounts, " << semantics << " semantics)\n";
  if (!sc.description.empty()) out << "  " << sc.description << "\n";
  out << "Server: max memory " << jsacct::friendly_bytes(sc.server_max_memory) << ", max storage "
      << jsacct::friendly_bytes(sc.server_max_store) << (sc.cluster() ? " per server, 3 servers" : "") << "\n";
  if (!doc["startup"]["ok"].get<bool>()) {
    out << "\nStartup FAILED: " << doc["startup"]["fatal"].get<std::string>() << "\n";
    return;
  }
  for (const auto& [name, a] : r.accounts()) {
    out << "\nAccount " << name;
    auto info = r.account_info_json(name);
    if (!info) {
      out << ": JetStream "
          << (a.mode == account_mode::no_responders ? "not available (enabling failed; API has no responders)" : "not enabled")
          << "\n";
      continue;
    }
    out << (a.tiered ? " (tiered)" : "") << ": " << (*info)["streams"].template get<std::int64_t>() << " streams, "
        << (*info)["consumers"].template get<std::int64_t>() << " consumers\n";
    auto line = [&](const std::string& label, const json& t) {
      const auto& l = t["limits"];
      const auto mem = t["memory"].get<std::uint64_t>(), st = t["storage"].get<std::uint64_t>();
      out << "  " << std::left << std::setw(6) << label << std::right << " memory  " << std::setw(10)
          << jsacct::friendly_bytes(mem) << " of " << std::left << std::setw(10)
          << limit_text(l["max_memory"].get<std::int64_t>()) << std::right << " "
          << usage_bar(static_cast<std::int64_t>(mem), l["max_memory"].get<std::int64_t>()) << "\n";
      out << "  " << std::setw(6) << ""
          << " storage " << std::setw(10) << jsacct::friendly_bytes(st) << " of " << std::left << std::setw(10)
          << limit_text(l["max_storage"].get<std::int64_t>()) << std::right << " "
          << usage_bar(static_cast<std::int64_t>(st), l["max_storage"].get<std::int64_t>()) << "\n";
      out << "  " << std::setw(6) << ""
          << " streams " << t["streams"].get<std::int64_t>() << " of " << count_text(l["max_streams"].get<std::int64_t>())
          << ", consumers " << t["consumers"].get<std::int64_t>() << " (per-stream cap "
          << count_text(l["max_consumers"].get<std::int64_t>()) << ")\n";
    };
    if (a.tiered) {
      for (auto it = (*info)["tiers"].begin(); it != (*info)["tiers"].end(); ++it) line(it.key(), it.value());
    } else {
      line("all", *info);
    }
    // Reservations: Σ max_bytes of the account's streams (one replica's worth) and the R× account footprint.
    std::int64_t rmem = 0, rstore = 0, fmem = 0, fstore = 0;
    for (const auto& [sn, s] : a.streams) {
      if (s.cfg.max_bytes <= 0) continue;
      (s.cfg.storage == "memory" ? rmem : rstore) += s.cfg.max_bytes;
      (s.cfg.storage == "memory" ? fmem : fstore) += s.cfg.max_bytes * s.cfg.replicas;
    }
    out << "  reserved (stream max_bytes): memory " << jsacct::friendly_bytes(rmem) << ", storage "
        << jsacct::friendly_bytes(rstore);
    if (fmem != rmem || fstore != rstore)
      out << "; with replicas: memory " << jsacct::friendly_bytes(fmem) << ", storage " << jsacct::friendly_bytes(fstore);
    out << "\n";
    for (const auto& [sn, s] : a.streams) {
      out << "    stream " << std::left << std::setw(12) << sn << std::right << " " << s.cfg.storage << " R" << s.cfg.replicas
          << ", " << s.store.messages() << " msgs, " << jsacct::friendly_bytes(s.store.bytes()) << " stored, max_bytes "
          << (s.cfg.max_bytes > 0 ? jsacct::friendly_bytes(s.cfg.max_bytes) : std::string("unlimited"));
      if (s.cfg.max_bytes > 0) out << " " << usage_bar(static_cast<std::int64_t>(s.store.bytes()), s.cfg.max_bytes);
      if (!s.consumers.empty()) out << ", " << s.consumers.size() << " consumers";
      out << "\n";
    }
  }
  out << "\nRejected operations: " << (r.rejections().empty() ? "none" : std::to_string(r.rejections().size())) << "\n";
  for (const auto& d : r.rejections()) {
    out << "  op " << d.index << " " << d.op;
    if (!d.account.empty()) out << " " << d.account;
    if (!d.target.empty()) out << " " << d.target;
    if (d.count > 1) out << " x" << d.count;
    out << ": " << d.error.description;
    if (d.error.err_code != 0) out << " (" << d.error.err_code << ")";
    out << "\n";
  }
  const json s = r.server_info_json();
  auto num = [&](const char* k) {
    const auto& v = s[k];
    return v.is_number() ? v.get<std::uint64_t>() : std::uint64_t{0};
  };
  const std::int64_t servers = static_cast<std::int64_t>(r.servers().size());
  out << "\nServer totals" << (servers > 1 ? " (sum over 3 servers)" : "") << ":\n";
  out << "  memory  used " << jsacct::friendly_bytes(num("memory")) << ", reserved "
      << jsacct::friendly_bytes(num("reserved_memory")) << " of " << jsacct::friendly_bytes(sc.server_max_memory * servers) << " "
      << usage_bar(static_cast<std::int64_t>(num("reserved_memory")), sc.server_max_memory * servers) << "\n";
  out << "  storage used " << jsacct::friendly_bytes(num("storage")) << ", reserved "
      << jsacct::friendly_bytes(num("reserved_storage")) << " of " << jsacct::friendly_bytes(sc.server_max_store * servers) << " "
      << usage_bar(static_cast<std::int64_t>(num("reserved_storage")), sc.server_max_store * servers) << "\n";
  out << "  " << num("accounts") << " accounts, " << num("streams") << " streams, " << num("consumers") << " consumers, "
      << num("messages") << " messages (" << jsacct::friendly_bytes(num("bytes")) << ")\n";
}

}  // namespace jsacct_cli
