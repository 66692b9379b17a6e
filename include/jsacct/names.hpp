// SPDX-License-Identifier: Apache-2.0
/// \file
/// Stream and account name rules: nats-server's `isValidName` /
/// `isValidAssetName`, its 255-byte name limit, and the errors (codes and
/// texts) a bad name gets. The engine checks names with these at
/// `create_stream` and `enable_account`; code that builds file paths or
/// subjects from names (the facade) checks them first with the same functions.
#pragma once

#include "jsacct/config.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "jsacct/error.hpp"

namespace jsacct {

/// Which nats-server version's stream-name rule and text apply.
enum class name_rules : std::uint8_t {
  main,  ///< `isValidAssetName`: also refuses '\' and '/'; the text lists them
  v29,   ///< 2.9.10 `isValidName` and its shorter text
};

/// nats-server's JSMaxNameLen: the longest stream (or consumer) name, in bytes.
inline constexpr std::size_t max_name_length = 255;

/// nats-server `isValidName`: not empty and none of space, TAB, CR, LF, FF,
/// '.', '*', '>' (a vertical tab and other control bytes are allowed).
constexpr bool is_valid_name(std::string_view name) noexcept {
  return !name.empty() && name.find_first_of(std::string_view(" \t\r\n\f.*>")) == std::string_view::npos;
}

/// '\' or '/' anywhere in `name` (nats-server's API-layer check, 10128 for streams).
constexpr bool has_path_separator(std::string_view name) noexcept {
  return name.find_first_of(std::string_view("\\/")) != std::string_view::npos;
}

/// nats-server main `isValidAssetName`: `is_valid_name` and no path separator.
constexpr bool is_valid_asset_name(std::string_view name) noexcept { return is_valid_name(name) && !has_path_separator(name); }

/// The stream-create checks of a stream name, in nats-server's order:
/// 1. a path separator -> 10128 "Stream name can not contain path separators"
///    (the API layer, both versions);
/// 2. not a valid name -> 10052 "stream name is required and can not contain
///    '.', '*', '>', '\', '/'" (main; 2.9.10's text ends after '>');
/// 3. longer than 255 bytes -> 10052 "stream name is too long, maximum allowed is 255".
/// A NUL byte passes (as in nats-server, where only the file store then
/// fails); code that builds paths from names refuses it itself.
namespace detail {
/// True when `name` holds none of the bytes any name rule refuses (whitespace,
/// '.', '*', '>', '\\', '/'): one pass over a 256-entry table, for the common valid name.
constexpr bool has_no_refused_byte(std::string_view name) noexcept {
  constexpr auto table = [] {
    std::array<bool, 256> t{};
    for (const char c : std::string_view(" \t\r\n\f.*>\\/")) t[static_cast<unsigned char>(c)] = true;
    return t;
  }();
  bool bad = false;
  for (const char c : name) bad |= table[static_cast<unsigned char>(c)];
  return !bad;
}
}  // namespace detail

inline result<void> check_stream_name(std::string_view name, name_rules rules = name_rules::main) {
  if (!name.empty() && name.size() <= max_name_length && detail::has_no_refused_byte(name)) return {};  // valid: one pass
  if (has_path_separator(name)) return errc::stream_name_path_separators;
  if (!is_valid_name(name))
    return api_error(errc::stream_invalid_config, rules == name_rules::main
                                                      ? "stream name is required and can not contain '.', '*', '>', '\\', '/'"
                                                      : "stream name is required and can not contain '.', '*', '>'");
  if (name.size() > max_name_length)
    return api_error(errc::stream_invalid_config,
                     "stream name is too long, maximum allowed is " + std::to_string(max_name_length));
  return {};
}

/// jsacct's account-name rule. nats-server uses an account name as a file
/// name under the store directory and as a subject token (`$JSC.ARU.<account>...`),
/// so jsacct refuses, with 10051 (JSStreamGeneralErrorF, the code nats-server
/// gives a path separator in an account name):
/// 1. a path separator -> "account name can not contain path separators" (nats-server's text);
/// 2. empty, whitespace, '.', '*', '>' or a NUL byte -> "account name is required
///    and can not contain whitespace, '.', '*', '>' or NUL";
/// 3. longer than 255 bytes -> "account name is too long, maximum allowed is 255".
inline result<void> check_account_name(std::string_view name) {
  if (has_path_separator(name)) return api_error(errc::stream_general, "account name can not contain path separators");
  if (!is_valid_name(name) || name.find('\0') != std::string_view::npos)
    return api_error(errc::stream_general, "account name is required and can not contain whitespace, '.', '*', '>' or NUL");
  if (name.size() > max_name_length)
    return api_error(errc::stream_general, "account name is too long, maximum allowed is " + std::to_string(max_name_length));
  return {};
}

}  // namespace jsacct
