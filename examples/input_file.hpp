// SPDX-License-Identifier: Apache-2.0
/// \file
/// Reading the CLI's JSON inputs safely: a file or standard input (`-`), at
/// most `max_input_bytes`, nested at most `max_json_depth` levels, any JSON
/// error (syntax, a number out of range such as 1e400) reported as one
/// `input_error` instead of an exception the caller does not expect.
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <istream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace jsacct_cli {

using json = nlohmann::json;

/// A bad input: `path` is the JSON path ("" for the whole file), `what` says what is allowed.
struct input_error : std::runtime_error {
  input_error(std::string p, const std::string& w) : std::runtime_error(w), path(std::move(p)) {}
  std::string path;
};

/// The largest input accepted (a scenario with 200,000-message publishes is a few KiB).
inline constexpr std::size_t max_input_bytes = std::size_t{64} << 20;  // 64 MiB
/// The deepest nesting of arrays and objects accepted (scenarios need 6 levels).
inline constexpr std::size_t max_json_depth = 64;

/// Read all of `in`, refusing more than `cap` bytes (never allocates more than cap + 1).
inline std::string read_capped(std::istream& in, std::size_t cap = max_input_bytes) {
  std::string text;
  char buf[65536];
  while (in) {
    in.read(buf, sizeof buf);
    const auto n = static_cast<std::size_t>(in.gcount());
    if (n > cap - text.size())
      throw input_error("", "input larger than " + std::to_string(cap >> 20) + " MiB (the limit for one input)");
    text.append(buf, n);
  }
  if (in.bad()) throw input_error("", "read error");
  return text;
}

/// The contents of `path`, or of standard input when `path` is "-".
inline std::string read_input(const std::string& path, std::size_t cap = max_input_bytes) {
  if (path == "-") return read_capped(std::cin, cap);
  std::ifstream f(path, std::ios::binary);
  if (!f) throw input_error("", "cannot open file");
  return read_capped(f, cap);
}

/// Refuse JSON text nested deeper than `limit` before parsing it: nlohmann's
/// DOM copies and prints recursively, so a 100,000-deep value would exhaust the stack.
inline void check_json_depth(std::string_view text, std::size_t limit = max_json_depth) {
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit)
        throw input_error("", "not valid JSON: nested deeper than " + std::to_string(limit) + " levels (the limit) at byte " +
                                  std::to_string(i + 1));
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

/// Parse JSON text; every nlohmann error (syntax, out of range numbers) becomes an `input_error`.
inline json parse_json_text(std::string_view text) {
  check_json_depth(text);
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw input_error("", std::string("not valid JSON: ") + e.what());
  }
}

/// Read and parse `path` ("-" = standard input).
inline json load_json(const std::string& path) { return parse_json_text(read_input(path)); }

/// `s` on one line: control characters (newlines in keys or file names) written as escapes.
inline std::string one_line(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace jsacct_cli
