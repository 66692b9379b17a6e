// SPDX-License-Identifier: Apache-2.0
/// \file
/// Server-option validation of JetStream settings (docs/semantics.md#validate-options,
/// `validateJetStreamOptions`, identical in nats-server main and 2.9.10): the
/// `server_options` subset it reads, `validate_jetstream_options` returning the
/// server's exact first error text, and the public-account NKEY check it uses
/// in operator mode.
#pragma once

#include "jsacct/config.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jsacct/error.hpp"
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
constexpr std::uint16_t crc16_xmodem_update(std::uint16_t crc, std::uint8_t byte) noexcept {
  crc = static_cast<std::uint16_t>(crc ^ (static_cast<std::uint16_t>(byte) << 8));
  for (int bit = 0; bit < 8; ++bit)
    crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021) : static_cast<std::uint16_t>(crc << 1);
  return crc;
}

constexpr std::uint16_t crc16_xmodem(const std::uint8_t* data, std::size_t len) noexcept {
  std::uint16_t crc = 0;
  for (std::size_t i = 0; i < len; ++i) crc = crc16_xmodem_update(crc, data[i]);
  return crc;
}

/// Value of an RFC 4648 base32 character (A-Z, 2-7), or -1.
constexpr int base32_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

/// The characters of an encoded key that its decoder reads: everything but CR and LF.
class nkey_chars {
 public:
  explicit constexpr nkey_chars(std::string_view s) noexcept : s_(s) {
    for (char c : s)
      if (c != '\r' && c != '\n') ++count_;
  }
  constexpr std::size_t remaining() const noexcept { return count_ - taken_; }
  /// The next character (remaining() > 0).
  constexpr char next() noexcept {
    skip_newlines();
    ++taken_;
    return s_[pos_++];
  }
  /// The character `k` places after the next one would be (k < remaining()).
  constexpr char peek(std::size_t k) const noexcept {
    std::size_t p = pos_;
    for (std::size_t seen = 0;; ++p) {
      if (s_[p] == '\r' || s_[p] == '\n') continue;
      if (seen++ == k) return s_[p];
    }
  }

 private:
  constexpr void skip_newlines() noexcept {
    while (s_[pos_] == '\r' || s_[pos_] == '\n') ++pos_;
  }
  std::string_view s_;
  std::size_t pos_ = 0, count_ = 0, taken_ = 0;
};

/// Receives the bytes of a decoded key one by one and checks, at the end, the
/// rules of nkeys' `Decode`: at least 4 bytes, the last two a little-endian
/// CRC-16/XMODEM of the others, the first one's type bits (`& 0xF8`) `prefix`.
class nkey_check {
 public:
  explicit constexpr nkey_check(std::uint8_t prefix) noexcept : prefix_(prefix) {}
  constexpr void put(std::uint8_t b) noexcept {
    if (n_ == 0) first_ = b;
    if (n_ >= 2) crc_ = crc16_xmodem_update(crc_, last_[0]);  // bytes before the final two
    last_[0] = last_[1];
    last_[1] = b;
    ++n_;
  }
  constexpr bool ok() const noexcept {
    if (n_ < 4) return false;
    const auto want = static_cast<std::uint16_t>(last_[0] | (last_[1] << 8));
    return crc_ == want && (first_ & 0xF8) == prefix_;
  }

 private:
  std::uint8_t prefix_;
  std::uint8_t first_ = 0;
  std::uint8_t last_[2] = {0, 0};
  std::uint16_t crc_ = 0;
  std::size_t n_ = 0;
};

/// Decodes `key` as nkeys does (Go's standard base32 alphabet without padding)
/// into `out`; false for input that decoder refuses. The rules, all Go's:
/// CR and LF anywhere are skipped; the rest is read in groups of 8 characters
/// (5 bytes); a final group of 2, 4, 5 or 7 characters gives 1, 2, 3 or 4
/// bytes and one of 1, 3 or 6 characters gives none; unused low bits of a
/// final group are ignored; any character outside `A-Z2-7` is refused except
/// byte 0xFF, which that decoder takes for its padding character (the Go value
/// of "no padding", -1, as a byte): at the third to eighth place of one of the
/// last 8 characters it ends the input, provided the group it would complete
/// is 0xFF up to its eighth place (characters after that are not read) and
/// the group so far is not 3 or 6 characters long.
template <class Sink>
constexpr bool nkey_base32_decode(std::string_view key, Sink& out) noexcept {
  nkey_chars in(key);
  bool end = false;
  while (in.remaining() > 0 && !end) {
    std::uint8_t d[8] = {};
    std::size_t len = 8;
    for (std::size_t j = 0; j < 8;) {
      if (in.remaining() == 0) {
        len = j;
        end = true;
        break;
      }
      const char c = in.next();
      const std::size_t rem = in.remaining();
      if (static_cast<unsigned char>(c) == 0xFF && j >= 2 && rem < 8) {
        if (rem + j < 7) return false;  // not enough padding
        for (std::size_t k = 0; k + j < 7; ++k)
          if (k < rem && static_cast<unsigned char>(in.peek(k)) != 0xFF) return false;
        if (j == 3 || j == 6) return false;
        len = j;
        end = true;
        break;
      }
      const int v = base32_value(c);
      if (v < 0) return false;
      d[j++] = static_cast<std::uint8_t>(v);
    }
    const auto byte = [](int v) { return static_cast<std::uint8_t>(v & 0xFF); };
    if (len >= 2 && len != 3 && len != 6) out.put(byte(d[0] << 3 | d[1] >> 2));
    if (len >= 4 && len != 6) out.put(byte(d[1] << 6 | d[2] << 1 | d[3] >> 4));
    if (len >= 5 && len != 6) out.put(byte(d[3] << 4 | d[4] >> 1));
    if (len >= 7) out.put(byte(d[4] << 7 | d[5] << 2 | d[6] >> 3));
    if (len == 8) out.put(byte(d[6] << 5 | d[7]));
  }
  return true;
}

/// nkeys' `PrefixByteAccount`: the type bits of an account key's first byte
/// (0, which renders as a leading `A`).
inline constexpr std::uint8_t nkey_prefix_account = 0;

}  // namespace detail

/// nkeys' `IsValidPublicAccountKey`, as nats-server main uses it: `key`
/// decodes (see `detail::nkey_base32_decode`: Go's base32 alphabet `A-Z2-7`
/// without padding, CR and LF skipped) to at least 4 bytes whose last two are
/// the little-endian CRC-16/XMODEM of the others and whose first byte has the
/// account type bits (`byte & 0xF8` = 0). Generated account keys are 56
/// characters (35 bytes: prefix, 32 key bytes, CRC); shorter or longer keys
/// that satisfy these rules are accepted too, as nkeys accepts them (e.g.
/// `"AAAAAAA"`: 4 zero bytes, CRC of two zero bytes = 0).
constexpr bool is_valid_public_account_key(std::string_view key) noexcept {
  detail::nkey_check check(detail::nkey_prefix_account);
  return detail::nkey_base32_decode(key, check) && check.ok();
}

/// One configured account as far as validation cares.
struct account_option {
  std::string name;               ///< account name
  bool jetstream_limits = false;  ///< the account has JetStream limits configured (`jetstream: enabled` or a limits block)
  friend bool operator==(const account_option&, const account_option&) = default;
};

/// The server options `validate_jetstream_options` reads (docs/semantics.md#validate-options).
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
/// ASCII lower-casing (docs/semantics.md#diff-ascii-extension-hint); other bytes are kept.
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}
}  // namespace detail

/// `validateJetStreamOptions` (docs/semantics.md#validate-options): success when the options are
/// acceptable, else the first violated rule as an `api_error::plain` (err_code
/// 0: nats-server returns a plain Go error here) whose `text()` is the server's
/// exact text. Rules, in order:
/// default_js_domain account existence / enabled JetStream (non-operator mode)
/// or NKEY form (operator mode); system account not in default_js_domain;
/// default_js_domain domain names; the server domain (subject, then name);
/// then, only for JetStream with a cluster port: server_name, cluster name,
/// extension hint (`will_extend`, `no_extend` or empty after ASCII
/// lower-casing, which is written back into `opts` when accepted; a hint with
/// non-ASCII bytes is always rejected) and a non-negative catch-up limit.
inline result<void> validate_jetstream_options(server_options& opts) {
  using std::string;
  const auto fail = [](string text) { return api_error::plain(std::move(text)); };
  if (!opts.default_js_domain.empty()) {
    if (opts.trusted_operators.empty()) {
      for (const auto& [acc, domain] : opts.default_js_domain) {
        bool found = acc == global_account_name;
        if (!found) {
          for (const auto& a : opts.accounts) {
            if (a.name != acc) continue;
            if (a.jetstream_limits && !domain.empty())
              return fail("default_js_domain contains account name " + detail::go_quote(acc) + " with enabled JetStream");
            found = true;
            break;
          }
        }
        if (!found)
          return fail("in non operator mode, `default_js_domain` references non existing account " + detail::go_quote(acc));
      }
    } else {
      for (const auto& [acc, domain] : opts.default_js_domain) {
        if (!is_valid_public_account_key(acc))
          return fail("default_js_domain contains account name " + detail::go_quote(acc) +
                      ", which is not a valid public account nkey");
      }
    }
    const std::string_view sys =
        opts.system_account.empty() ? default_system_account_name : std::string_view(opts.system_account);
    for (const auto& [acc, domain] : opts.default_js_domain) {
      if (acc == sys) return fail("system account " + detail::go_quote(acc) + " can not be in default_js_domain");
      if (domain.empty()) continue;
      if (!is_valid_subject(js_domain_api_subject(domain)))
        return fail("default_js_domain contains account " + detail::go_quote(acc) + " with invalid domain name " +
                    detail::go_quote(domain));
    }
  }
  if (!opts.jetstream_domain.empty()) {
    if (const string subj = js_domain_api_subject(opts.jetstream_domain); !is_valid_subject(subj))
      return fail("invalid domain name: derived " + detail::go_quote(subj) + " is not a valid subject");
    if (!is_valid_name(opts.jetstream_domain)) return fail("invalid domain name: may not contain ., * or >");
  }
  if (!opts.jetstream || opts.cluster_port == 0) return {};
  if (opts.server_name.empty()) return fail("jetstream cluster requires `server_name` to be set");
  if (opts.cluster_name.empty()) return fail("jetstream cluster requires `cluster.name` to be set");
  const string hint = detail::ascii_lower(opts.extension_hint);
  if (hint == "will_extend" || hint == "no_extend" || hint.empty()) {
    opts.extension_hint = hint;
  } else {
    return fail("expected 'no_extend' for string value, got '" + hint + "'");
  }
  if (opts.max_outstanding_catchup < 0) return fail("jetstream max catchup cannot be negative");
  return {};
}

}  // namespace jsacct
