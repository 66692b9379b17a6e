// SPDX-License-Identifier: Apache-2.0
/// \file
/// `jsacct explain SCENARIO.json OP`: replay a scenario up to and including op
/// #OP (numbered as the report numbers them: op #N is the N-th entry of the
/// scenario's `ops`, counting from 1) and print that op, its outcome and, when a
/// limit refused it, the whole explanation (docs/explanations.md): every field,
/// one contributor a line.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>
#include <jsacct/jsacct.hpp>
#include <nlohmann/json.hpp>

#include "replay.hpp"
#include "report.hpp"
#include "scenario.hpp"

namespace jsacct_cli {

/// The op number of `text` ("N", "#N" or "op #N", N >= 1), or nullopt.
inline std::optional<std::size_t> parse_op_number(std::string_view text) {
  if (text.substr(0, 3) == "op ") text.remove_prefix(3);
  if (!text.empty() && text.front() == '#') text.remove_prefix(1);
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n == 0) return std::nullopt;
  return n;
}

/// A byte count as its exact number and its binary-unit form, e.g. "131072 (128 KiB)".
inline std::string explain_number(std::int64_t v, bool bytes) {
  return bytes ? fmt::format("{} ({})", v, jsacct::exact_bytes(v)) : std::to_string(v);
}

/// Every field of `w`, one a line.
inline void write_explanation(std::ostream& out, const jsacct::explanation& w) {
  const bool bytes = jsacct::is_bytes(w.resource);
  const auto* row = jsacct::find_error(w.code);
  out << "why: " << w.text() << "\n";
  out << fmt::format("  code:       {}{}\n", static_cast<int>(w.code), row ? fmt::format(" ({})", row->name) : std::string());
  out << "  level:      " << jsacct::to_string(w.level) << "\n";
  out << "  resource:   " << jsacct::to_string(w.resource) << "\n";
  out << "  account:    " << (w.account.empty() ? std::string("-") : w.account) << "\n";
  out << "  tier:       " << (w.tier.empty() ? std::string("- (untiered or none)") : w.tier) << "\n";
  out << "  stream:     " << (w.stream.empty() ? std::string("-") : w.stream) << "\n";
  out << "  requested:  " << explain_number(w.requested, bytes) << "\n";
  out << "  used:       " << explain_number(w.used, bytes) << "\n";
  out << "  reserved:   " << explain_number(w.reserved, bytes) << "\n";
  out << "  limit:      " << explain_number(w.limit, bytes) << "\n";
  out << "  source:     " << jsacct::to_string(w.source) << "\n";
  out << "  contributors:" << (w.contributors.empty() ? " none\n" : "\n");
  for (const auto& c : w.contributors) out << "    " << c.stream << " " << explain_number(c.reserved, bytes) << "\n";
}

/// Replays `sc` up to op #`n` (1-based, in range) on `Engine` and explains that op.
template <class Engine>
void explain_op(std::ostream& out, scenario sc, std::size_t n) {
  sc.ops.resize(n);  // the ops after #n cannot change its outcome
  replayer<Engine> r(sc);
  const json doc = r.run();
  const op_spec& op = sc.ops.back();
  out << op_label(op.index) << " " << op.op;
  if (!op.account.empty()) out << " " << op.account;
  for (const char* k : {"name", "stream", "subject"})
    if (op.has(k) && op.raw.at(k).is_string()) out << " " << op.raw.at(k).get<std::string>();
  if (op.has("durable") && op.raw.at("durable").is_string()) out << "/" << op.raw.at("durable").get<std::string>();
  out << "\n";
  if (!doc["startup"]["ok"].get<bool>()) {
    out << "outcome: not run (startup failed: " << doc["startup"]["fatal"].get<std::string>() << ")\n";
    return;
  }
  bool refused = false;
  for (const decision& d : r.rejections()) {
    if (d.index != op.index) continue;
    refused = true;
    out << "outcome: refused";
    if (d.op == "publish") out << fmt::format(" ({} of {} messages)", d.count, op.num("count", 1));
    out << ": " << d.error.description;
    if (d.error.err_code != 0) out << " (" << d.error.err_code << ")";
    out << "\n";
    if (const jsacct::explanation* w = d.why())
      write_explanation(out, *w);
    else
      out << "why: no explanation (not a limit refusal)\n";
  }
  if (!refused) out << "outcome: accepted\n";
}

}  // namespace jsacct_cli
