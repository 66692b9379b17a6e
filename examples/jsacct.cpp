// SPDX-License-Identifier: Apache-2.0
/// \file
/// `jsacct`: replay oracle scenarios against the jsacct engine.
///
///   jsacct replay [--semantics main|v2.9] SCENARIO.json   canonical result (FORMAT.md §2)
///   jsacct report [--semantics main|v2.9] SCENARIO.json   human-readable usage report
///   jsacct validate [--semantics main|v2.9] [--probe-memory BYTES] [--probe-disk BYTES] OPTIONS.json
///                                                         server options checked and resolved (validate_command.hpp)
///
/// Exit status: 0 on success, 2 for bad usage or a bad input file (one line on
/// stderr naming the file, the JSON path and what is allowed; nothing on stdout);
/// validate: 1 when the server would refuse the options (its error text on stdout).
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <jsacct/jsacct.hpp>

#include "replay.hpp"
#include "report.hpp"
#include "result_writer.hpp"
#include "scenario.hpp"
#include "validate_command.hpp"

namespace {

constexpr const char* usage_text =
    "usage: jsacct replay [--semantics main|v2.9] SCENARIO.json\n"
    "       jsacct report [--semantics main|v2.9] SCENARIO.json\n"
    "       jsacct validate [--semantics main|v2.9] [--probe-memory BYTES] [--probe-disk BYTES] OPTIONS.json\n";

int usage_error(const std::string& msg) {
  std::cerr << "jsacct: " << msg << "\n" << usage_text;
  return 2;
}

template <class Engine>
int run(const std::string& cmd, const jsacct_cli::scenario& sc, const std::string& semantics) {
  jsacct_cli::replayer<Engine> r(sc);
  const auto doc = r.run();
  std::ostringstream out;
  if (cmd == "replay")
    jsacct_cli::write_canonical(out, doc);
  else
    jsacct_cli::write_report(out, sc, r, doc, semantics);
  std::cout << out.str();
  return 0;
}

/// A non-negative decimal byte count (int64), or nullopt.
std::optional<std::int64_t> parse_bytes(const std::string& s) {
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage_error("missing command");
  if (args[0] == "-h" || args[0] == "--help") {
    std::cout << usage_text;
    return 0;
  }
  const std::string cmd = args[0];
  if (cmd != "replay" && cmd != "report" && cmd != "validate")
    return usage_error("unknown command \"" + cmd + "\" (allowed: replay, report, validate)");
  jsacct_cli::probe_override probes;
  std::string semantics = cmd == "replay" ? "main" : "main";
  std::string file;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--semantics") {
      if (i + 1 >= args.size()) return usage_error("--semantics needs a value (allowed: main, v2.9)");
      semantics = args[++i];
    } else if (a.rfind("--semantics=", 0) == 0) {
      semantics = a.substr(12);
    } else if (cmd == "validate" && (a == "--probe-memory" || a == "--probe-disk")) {
      if (i + 1 >= args.size()) return usage_error(a + " needs a value (allowed: a byte count >= 0)");
      const auto v = parse_bytes(args[++i]);
      if (!v) return usage_error(a + ": \"" + args[i] + "\" (allowed: a byte count >= 0)");
      (a == "--probe-memory" ? probes.memory : probes.disk) = *v;
    } else if (!a.empty() && a[0] == '-') {
      return usage_error("unknown option \"" + a + "\" (allowed: --semantics main|v2.9" +
                         (cmd == "validate" ? ", --probe-memory BYTES, --probe-disk BYTES)" : ")"));
    } else if (file.empty()) {
      file = a;
    } else {
      return usage_error(cmd == "validate" ? "more than one options file given" : "more than one scenario file given");
    }
  }
  if (semantics == "2.9.10" || semantics == "v2.9.10" || semantics == "2.9") semantics = "v2.9";
  if (semantics != "main" && semantics != "v2.9") return usage_error("--semantics: \"" + semantics + "\" (allowed: main, v2.9)");
  if (file.empty()) return usage_error(cmd == "validate" ? "missing OPTIONS.json" : "missing SCENARIO.json");
  if (cmd == "validate") {
    jsacct_cli::validate_input in;
    try {
      in = jsacct_cli::load_validate_input(file);
    } catch (const jsacct_cli::input_error& e) {
      std::cerr << "jsacct: " << file << ": " << (e.path.empty() ? std::string() : e.path + ": ") << e.what() << "\n";
      return 2;
    }
    try {
      const auto r = jsacct_cli::run_validate(std::move(in), probes,
                                              semantics == "v2.9" ? jsacct::server_version::v2_9 : jsacct::server_version::main);
      std::cout << r.out;
      return r.status;
    } catch (const std::exception& e) {
      std::cerr << "jsacct: " << file << ": internal error: " << e.what() << "\n";
      return 1;
    }
  }
  jsacct_cli::scenario sc;
  try {
    sc = jsacct_cli::load_scenario(file);
  } catch (const jsacct_cli::input_error& e) {
    std::cerr << "jsacct: " << file << ": " << (e.path.empty() ? std::string() : e.path + ": ") << e.what() << "\n";
    return 2;
  }
  try {
    if (semantics == "v2.9") return run<jsacct::engine_v29>(cmd, sc, semantics);
    return run<jsacct::engine>(cmd, sc, semantics);
  } catch (const std::exception& e) {
    std::cerr << "jsacct: " << file << ": internal error: " << e.what() << "\n";
    return 1;
  }
}
