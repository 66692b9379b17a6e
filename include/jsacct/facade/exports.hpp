// SPDX-License-Identifier: Apache-2.0
/// \file
/// The subject tables of docs/semantics.md#exports-imports as data: the service the system account
/// exports, the per-account domain mappings (`$JS.<domain>.API.…` onto the
/// local API) and nats-server main's system-account domain mapping. Wiring them
/// into a bus is the embedder's job; these functions only say what to wire.
#pragma once

#include "jsacct/config.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jsacct {

/// The service the system account exports and every JetStream account imports.
inline constexpr std::string_view js_all_api_subject = "$JS.API.>";

/// The account-info request subject; an import shadowing it makes
/// "info-only" wiring a no-op (docs/semantics.md#exports-imports).
inline constexpr std::string_view js_api_account_info_subject = "$JS.API.INFO";

/// `$JS.<domain>.API.>`: the domain-prefixed API wildcard (also the subject
/// whose validity decides whether a domain name is acceptable, docs/semantics.md#validate-options).
inline std::string js_domain_api_subject(std::string_view domain) {
  std::string s;
  s.reserve(domain.size() + 12);
  s += "$JS.";
  s += domain;
  s += ".API.>";
  return s;
}

/// One subject mapping: messages published to `source` go to `destination`.
struct subject_mapping {
  std::string source;
  std::string destination;
  friend bool operator==(const subject_mapping&, const subject_mapping&) = default;
};

/// One row of the domain table: source is `$JS.<domain>.` + `source_suffix`.
struct domain_mapping_row {
  std::string_view source_suffix;
  std::string_view destination;
};

/// The domain table of docs/semantics.md#exports-imports, in the server's order.
inline constexpr std::array<domain_mapping_row, 9> domain_mapping_table{{
    {"API.INFO", "$JS.API.INFO"},
    {"API.STREAM.>", "$JS.API.STREAM.>"},
    {"API.CONSUMER.>", "$JS.API.CONSUMER.>"},
    {"API.DIRECT.>", "$JS.API.DIRECT.>"},
    {"API.META.>", "$JS.API.META.>"},
    {"API.SERVER.>", "$JS.API.SERVER.>"},
    {"API.ACCOUNT.>", "$JS.API.ACCOUNT.>"},
    {"API.$KV.>", "$KV.>"},
    {"API.$OBJ.>", "$OBJ.>"},
}};

/// The mappings an account gets when the server has JetStream domain `domain`
/// (9 entries, table order: `$JS.<d>.API.INFO` -> `$JS.API.INFO` first,
/// `$JS.<d>.API.$OBJ.>` -> `$OBJ.>` last). Empty for an empty domain, since
/// the server adds them only when a domain is configured. The server skips
/// entries whose source the account already maps; that filter is the caller's.
inline std::vector<subject_mapping> domain_mappings(std::string_view domain) {
  std::vector<subject_mapping> out;
  if (domain.empty()) return out;
  out.reserve(domain_mapping_table.size());
  for (const auto& row : domain_mapping_table) {
    std::string src = "$JS.";
    src += domain;
    src += '.';
    src += row.source_suffix;
    out.push_back({std::move(src), std::string(row.destination)});
  }
  return out;
}

/// nats-server main (2.15+): with a domain configured the system account also
/// maps `$JS.<domain>.API.>` onto `$JS.API.>`. No mapping for an empty domain.
inline std::optional<subject_mapping> system_account_domain_mapping(std::string_view domain) {
  if (domain.empty()) return std::nullopt;
  return subject_mapping{js_domain_api_subject(domain), std::string(js_all_api_subject)};
}

}  // namespace jsacct
