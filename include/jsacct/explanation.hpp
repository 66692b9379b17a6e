// SPDX-License-Identifier: Apache-2.0
/// \file
/// `explanation` (docs/explanations.md): why a request was refused, as data. Every
/// limit refusal of the engine carries one in its `api_error` (`api_error::why()`);
/// the publish checks build one only on request (`explain_publish`), so the hot
/// path stays allocation-free. Which numbers each refusal fills: docs/explanations.md#fields.
#pragma once

#include "jsacct/config.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jsacct/detail/arith.hpp"
#include "jsacct/error.hpp"

namespace jsacct {

/// Whose limit refused the request.
enum class limit_level : std::uint8_t {
  server,   ///< this server's max_memory / max_store
  account,  ///< the account's untiered limits
  tier,     ///< one tier's limits (e.g. R1)
  stream,   ///< the stream's own config
};

/// Which limit.
enum class limit_resource : std::uint8_t {
  none,                ///< not a limit (e.g. 10059: the stream was deleted)
  memory,              ///< memory bytes (max_memory, server max_memory)
  storage,             ///< file bytes (max_storage, server max_store)
  streams,             ///< max_streams
  consumers,           ///< max_consumers (account, tier or stream)
  stream_max_bytes,    ///< the per-stream cap (memory_max_stream_bytes / storage_max_stream_bytes)
  max_bytes_required,  ///< max_bytes_required: the stream must set max_bytes
  message_size,        ///< the stream's max_msg_size
  stream_messages,     ///< the stream's max_msgs (discard new)
  stream_bytes,        ///< the stream's max_bytes (discard new)
  subject_messages,    ///< the stream's max_msgs_per_subject (discard new per subject)
};

/// Where the limit was configured.
enum class limit_source : std::uint8_t {
  account_config,  ///< the account's untiered limits
  tier_config,     ///< a tier's limits
  server_config,   ///< the server's (dynamic) max_memory / max_store
  stream_config,   ///< the stream's config
};

/// Lower-case names, as text() and the CLI print them.
constexpr std::string_view to_string(limit_level v) noexcept {
  switch (v) {
    case limit_level::server:
      return "server";
    case limit_level::account:
      return "account";
    case limit_level::tier:
      return "tier";
    case limit_level::stream:
      return "stream";
    default:
      return "?";
  }
}
constexpr std::string_view to_string(limit_resource v) noexcept {
  switch (v) {
    case limit_resource::none:
      return "none";
    case limit_resource::memory:
      return "memory";
    case limit_resource::storage:
      return "storage";
    case limit_resource::streams:
      return "streams";
    case limit_resource::consumers:
      return "consumers";
    case limit_resource::stream_max_bytes:
      return "max stream bytes";
    case limit_resource::max_bytes_required:
      return "max_bytes required";
    case limit_resource::message_size:
      return "message size";
    case limit_resource::stream_messages:
      return "messages";
    case limit_resource::stream_bytes:
      return "bytes";
    case limit_resource::subject_messages:
      return "messages per subject";
    default:
      return "?";
  }
}
constexpr std::string_view to_string(limit_source v) noexcept {
  switch (v) {
    case limit_source::account_config:
      return "account config";
    case limit_source::tier_config:
      return "tier config";
    case limit_source::server_config:
      return "server config";
    case limit_source::stream_config:
      return "stream config";
    default:
      return "?";
  }
}

/// Whether a resource is counted in bytes (text() prints binary units) or in items.
constexpr bool is_bytes(limit_resource r) noexcept {
  return r == limit_resource::memory || r == limit_resource::storage || r == limit_resource::stream_max_bytes ||
         r == limit_resource::message_size || r == limit_resource::stream_bytes;
}

/// An exact byte count in the largest binary unit that divides it: "128 KiB",
/// "3 MiB", "131073 B" (never rounded: an explanation's numbers add up). Any int64.
inline std::string exact_bytes(std::int64_t n) {
  // The magnitude as unsigned: well defined for INT64_MIN.
  std::uint64_t m = n < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
  static constexpr std::string_view units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  std::size_t u = 0;
  while (m != 0 && m % 1024 == 0 && u + 1 < std::size(units)) {
    m /= 1024;
    ++u;
  }
  std::string out = n < 0 ? "-" : "";
  out += std::to_string(m);
  out += ' ';
  out += units[u];
  return out;
}

/// One stream's share of a reservation sum.
struct contributor {
  std::string stream{};
  std::int64_t reserved = 0;  ///< bytes, as the checker counts them (replicas x max_bytes for an untiered account)
  friend bool operator==(const contributor&, const contributor&) = default;
};

/// Why a request was refused (docs/explanations.md#fields). The check that
/// refused compares `requested + used + reserved` against `limit`.
struct explanation {
  errc code = errc::none;
  limit_level level = limit_level::account;
  limit_resource resource = limit_resource::none;
  std::string account{};       ///< "" for a server-wide check
  std::string tier{};          ///< the tier of the limits ("" when untiered or not applicable)
  std::string stream{};        ///< the stream the request was for ("" when none)
  std::int64_t requested = 0;  ///< what the request adds
  std::int64_t used = 0;       ///< what is in use (stored bytes, streams, consumers, other accounts' limits)
  std::int64_t reserved = 0;   ///< what is reserved by others (stream max_bytes)
  std::int64_t limit = 0;      ///< the limit compared against
  limit_source source = limit_source::account_config;
  std::vector<contributor> contributors{};  ///< the largest reservations, largest first (up to 5)
  friend bool operator==(const explanation&, const explanation&) = default;

  /// One line, e.g. "10047: tier R1 storage: requested 128 KiB + reserved 192 KiB
  /// (NEW 128 KiB, DONE 64 KiB) > limit 256 KiB" (docs/explanations.md#text-form).
  std::string text() const {
    std::string out = std::to_string(static_cast<int>(code));
    out += ": ";
    out += scope();
    if (resource == limit_resource::none) {  // not a limit: the catalog text
      const auto* row = find_error(code);
      out += ": ";
      out += row ? row->description : std::string_view("refused");
      return out;
    }
    out += ' ';
    out += to_string(resource);
    out += ": ";
    const bool bytes = is_bytes(resource);
    auto num = [bytes](std::int64_t v) { return bytes ? exact_bytes(v) : std::to_string(v); };
    if (resource == limit_resource::max_bytes_required) {
      out += "requested max_bytes " + std::to_string(requested) + ", must be > 0";
      return out;
    }
    if (code == errc::no_limits) {
      out += "no limits apply";
      return out;
    }
    out += "requested " + num(requested);
    if (used != 0) out += " + used " + num(used);
    if (reserved != 0 || !contributors.empty()) {
      out += " + reserved " + num(reserved);
      if (!contributors.empty()) {
        out += " (";
        for (std::size_t i = 0; i < contributors.size(); ++i) {
          if (i != 0) out += ", ";
          out += contributors[i].stream + " " + num(contributors[i].reserved);
        }
        out += ")";
      }
    }
    // The relation the numbers show (exact: no int64 overflow).
    const int128 sum = static_cast<int128>(requested) + used + reserved;
    out += sum > limit ? " > limit " : sum == limit ? " >= limit " : " vs limit ";
    out += num(limit);
    return out;
  }

 private:
  std::string scope() const {
    switch (level) {
      case limit_level::server:
        return "server";
      case limit_level::account:
        return "account";
      case limit_level::tier:
        return "tier " + tier;
      case limit_level::stream:
        return "stream " + stream;
      default:
        return "?";
    }
  }
};

namespace detail {
/// The largest `n` contributors, largest first, ties by name.
inline void keep_largest(std::vector<contributor>& v, std::size_t n = 5) {
  std::sort(v.begin(), v.end(), [](const contributor& a, const contributor& b) {
    return a.reserved != b.reserved ? a.reserved > b.reserved : a.stream < b.stream;
  });
  if (v.size() > n) v.resize(n);
}
}  // namespace detail

}  // namespace jsacct
