// SPDX-License-Identifier: Apache-2.0
/// \file
/// Server-option validation of JetStream settings (spec §11.3,
/// `validateJetStreamOptions`, identical in nats-server main and 2.9.10): the
/// `server_options` subset it reads, `validate_jetstream_options` returning the
/// server's exact first error text, and the public-account NKEY check it uses
/// in operator mode.
#pragma once

#include "jsacct/config.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jsacct/facade/exports.hpp"
#include "jsacct/facade/text.hpp"

namespace jsacct {

/// Name of the global account (`$G`), which always exists.
inline constexpr std::string_view global_account_name = "$G";
/// Name of the system account when the options name none.
inline constexpr std::string_view default_system_account_name = "$SYS";

namespace detail {

/// CRC-16/XMODEM (polynomial 0x1021, initial value 0, no reflection), the
/// checksum NKEYs carry.
constexpr std::uint16_t crc16_xmodem(const std::uint8_t* data, std::size_t len) noexcept {
  std::uint16_t crc = 0;
  for (std::size_t i = 0; i < len; ++i) {
    crc = static_cast<std::uint16_t>(crc ^ (static_cast<std::uint16_t>(data[i]) << 8));
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021) : static_cast<std::uint16_t>(crc << 1);
  }
  return crc;
}

/// Value of an RFC 4648 base32 character (A-Z, 2-7), or -1.
constexpr int base32_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

}  // namespace detail

/// True if `key` is a well-formed public account NKEY: 56 characters of
/// RFC 4648 base32 (upper case, no padding) decoding to 35 bytes = prefix byte
/// 0 (which renders as a leading `A`), 32 key bytes and a little-endian
/// CRC-16/XMODEM of the first 33 bytes.
///
/// Note: the Go nkeys library accepts any decodable length of at least 4
/// bytes (e.g. `"AAAAAAAA"`); jsacct requires the 56-character form every
/// generated account key has.
constexpr bool is_valid_public_account_key(std::string_view key) noexcept {
  constexpr std::size_t encoded_len = 56, raw_len = 35;
  if (key.size() != encoded_len) return false;
  std::array<std::uint8_t, raw_len> raw{};
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t n = 0;
  for (char c : key) {
    const int v = detail::base32_value(c);
    if (v < 0) return false;
    acc = (acc << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      raw[n++] = static_cast<std::uint8_t>(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  // 56 * 5 = 280 bits = exactly 35 bytes, nothing left over.
  if (raw[0] != 0) return false;  // account prefix byte ('A' << 0)
  const std::uint16_t want = static_cast<std::uint16_t>(raw[raw_len - 2] | (raw[raw_len - 1] << 8));
  return detail::crc16_xmodem(raw.data(), raw_len - 2) == want;
}

/// One configured account as far as validation cares.
struct account_option {
  std::string name;               ///< account name
  bool jetstream_limits = false;  ///< the account has JetStream limits configured (`jetstream: enabled` or a limits block)
  friend bool operator==(const account_option&, const account_option&) = default;
};

/// The server options `validate_jetstream_options` reads (spec §11.3).
struct server_options {
  bool jetstream = false;        ///< JetStream enabled on the server
  std::string server_name;       ///< `server_name`
  std::string cluster_name;      ///< `cluster { name }`
  int cluster_port = 0;          ///< `cluster { listen }` port; 0 = no cluster (-1 = random, counts as set)
  std::string jetstream_domain;  ///< `jetstream { domain }`
  std::map<std::string, std::string>
      default_js_domain;  ///< `default_js_domain`: account -> domain (ordered: the reported violation is deterministic)
  std::vector<account_option> accounts;        ///< configured accounts
  std::string system_account;                  ///< `system_account` ("" = `$SYS`)
  std::vector<std::string> trusted_operators;  ///< non-empty = operator mode
  std::string extension_hint;                  ///< `jetstream { extension_hint }`; lower-cased in place when valid
  std::int64_t max_outstanding_catchup = 0;    ///< `jetstream { max_outstanding_catchup }`
};

namespace detail {
/// ASCII lower-casing (spec §18 #9); other bytes are kept.
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}
}  // namespace detail

/// `validateJetStreamOptions` (spec §11.3): the first violated rule's exact
/// text, or nullopt when the options are acceptable. Rules, in order:
/// default_js_domain account existence / enabled JetStream (non-operator mode)
/// or NKEY form (operator mode); system account not in default_js_domain;
/// default_js_domain domain names; the server domain (subject, then name);
/// then, only for JetStream with a cluster port: server_name, cluster name,
/// extension hint (`will_extend`, `no_extend` or empty after ASCII
/// lower-casing, which is written back into `opts` when accepted; a hint with
/// non-ASCII bytes is always rejected) and a non-negative catch-up limit.
inline std::optional<std::string> validate_jetstream_options(server_options& opts) {
  using std::string;
  if (!opts.default_js_domain.empty()) {
    if (opts.trusted_operators.empty()) {
      for (const auto& [acc, domain] : opts.default_js_domain) {
        bool found = acc == global_account_name;
        if (!found) {
          for (const auto& a : opts.accounts) {
            if (a.name != acc) continue;
            if (a.jetstream_limits && !domain.empty())
              return "default_js_domain contains account name " + go_quote(acc) + " with enabled JetStream";
            found = true;
            break;
          }
        }
        if (!found) return "in non operator mode, `default_js_domain` references non existing account " + go_quote(acc);
      }
    } else {
      for (const auto& [acc, domain] : opts.default_js_domain) {
        if (!is_valid_public_account_key(acc))
          return "default_js_domain contains account name " + go_quote(acc) + ", which is not a valid public account nkey";
      }
    }
    const std::string_view sys =
        opts.system_account.empty() ? default_system_account_name : std::string_view(opts.system_account);
    for (const auto& [acc, domain] : opts.default_js_domain) {
      if (acc == sys) return "system account " + go_quote(acc) + " can not be in default_js_domain";
      if (domain.empty()) continue;
      if (!is_valid_subject(js_domain_api_subject(domain)))
        return "default_js_domain contains account " + go_quote(acc) + " with invalid domain name " + go_quote(domain);
    }
  }
  if (!opts.jetstream_domain.empty()) {
    if (const string subj = js_domain_api_subject(opts.jetstream_domain); !is_valid_subject(subj))
      return "invalid domain name: derived " + go_quote(subj) + " is not a valid subject";
    if (!is_valid_name(opts.jetstream_domain)) return string("invalid domain name: may not contain ., * or >");
  }
  if (!opts.jetstream || opts.cluster_port == 0) return std::nullopt;
  if (opts.server_name.empty()) return string("jetstream cluster requires `server_name` to be set");
  if (opts.cluster_name.empty()) return string("jetstream cluster requires `cluster.name` to be set");
  const string hint = detail::ascii_lower(opts.extension_hint);
  if (hint == "will_extend" || hint == "no_extend" || hint.empty()) {
    opts.extension_hint = hint;
  } else {
    return "expected 'no_extend' for string value, got '" + hint + "'";
  }
  if (opts.max_outstanding_catchup < 0) return string("jetstream max catchup cannot be negative");
  return std::nullopt;
}

}  // namespace jsacct
