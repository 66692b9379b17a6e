// SPDX-License-Identifier: Apache-2.0
/// \file
/// The canonical text form of an oracle result (docs/scenario-format.md#result):
/// top-level keys sorted, one per line; `results` one compact record per line;
/// object keys sorted everywhere, integers as plain integers, no HTML escaping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

#include <jsacct/jsacct.hpp>
#include <nlohmann/json.hpp>

namespace jsacct_cli {

using json = nlohmann::json;

/// Marker for integers wider than 64 bits (cluster sums of wrapped server
/// counters): stored as a string and printed as a bare number.
inline constexpr const char* big_marker =
    "\x01"
    "BIG:";

/// A non-negative integer of up to 128 bits as a JSON value.
inline json big_uint(jsacct::uint128 v) {
  if (v <= static_cast<jsacct::uint128>(UINT64_MAX)) return json(static_cast<std::uint64_t>(v));
  std::string digits;
  while (v > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return json(std::string(big_marker) + digits);
}

/// Compact dump with object keys sorted (nlohmann's default map is ordered).
inline std::string compact(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  // Replace "\u0001BIG:<digits>" string values by the bare digits.
  const std::string mark = "\"\\u0001BIG:";
  for (std::size_t p = s.find(mark); p != std::string::npos; p = s.find(mark, p)) {
    const std::size_t end = s.find('"', p + mark.size());
    s = s.substr(0, p) + s.substr(p + mark.size(), end - p - mark.size()) + s.substr(end + 1);
  }
  return s;
}

/// Write `doc` (an object with a `results` array) in the canonical form.
inline void write_canonical(std::ostream& out, const json& doc) {
  out << "{\n";
  std::size_t i = 0;
  for (auto it = doc.begin(); it != doc.end(); ++it, ++i) {
    out << "  " << json(it.key()).dump() << ": ";
    if (it.key() == "results" && it.value().is_array()) {
      if (it.value().empty()) {
        out << "[]";
      } else {
        out << "[\n";
        for (std::size_t r = 0; r < it.value().size(); ++r)
          out << "    " << compact(it.value()[r]) << (r + 1 < it.value().size() ? ",\n" : "\n");
        out << "  ]";
      }
    } else {
      out << compact(it.value());
    }
    out << (i + 1 < doc.size() ? ",\n" : "\n");
  }
  out << "}\n";
}

}  // namespace jsacct_cli
