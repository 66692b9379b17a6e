// SPDX-License-Identifier: Apache-2.0
/// \file
/// `jsacct`: replay scenarios against the jsacct engine, report on them,
/// print the usage snapshot of a replayed engine, and validate server options.
/// `jsacct --help` and `jsacct COMMAND --help` list the options; the exit codes are:
///
///   0  success
///   1  validate: the server would refuse the options (its error text on stdout);
///      snapshot --check: the restored engine differs (diff lines on stderr);
///      any command: an internal error (a bug: please report it)
///   2  bad usage or bad input: one line on stderr naming the file, the JSON
///      path and what is allowed (bad arguments: the message, then the usage);
///      nothing on stdout
///
/// Each command is a struct that adds itself to the CLI11 app (`add`) and runs
/// once parsed (`run`): a new command or option is added in one place.
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <jsacct/jsacct.hpp>
#include <jsacct/observe/json.hpp>
#include <jsacct/persist/usage_snapshot.hpp>
#include <nlohmann/json.hpp>

#include "explain_command.hpp"
#include "input_file.hpp"
#include "progress.hpp"
#include "replay.hpp"
#include "report.hpp"
#include "report_table.hpp"
#include "result_writer.hpp"
#include "scenario.hpp"
#include "validate_command.hpp"

namespace {

using namespace jsacct_cli;

constexpr int exit_ok = 0, exit_refused = 1, exit_bad_input = 2;

const std::string version_text = fmt::format("jsacct {}.{}.{}", JSACCT_VERSION_MAJOR, JSACCT_VERSION_MINOR, JSACCT_VERSION_PATCH);

constexpr const char* exit_codes_text =
    "Exit codes:\n"
    "  0  success\n"
    "  1  validate: the server would refuse the options (its error text on stdout);\n"
    "     snapshot --check: the restored engine differs (diff lines on stderr);\n"
    "     any command: internal error (a bug)\n"
    "  2  bad usage or bad input (one line on stderr; nothing on stdout)\n";

constexpr const char* report_columns_text =
    "json and csv columns (bytes as exact integers; -1 = unlimited):\n"
    "  scenario, semantics, account, jetstream (enabled|disabled|no_responders),\n"
    "  tier (R1, R3, ...; all = untiered limits), memory_used, memory_reserved,\n"
    "  memory_limit, storage_used, storage_reserved, storage_limit, streams,\n"
    "  streams_limit, consumers, consumers_limit (per stream), messages,\n"
    "  stored_bytes, rejected_ops\n";

/// A bad input file: one line naming the file, the JSON path and what is allowed.
void report_input_error(const std::string& file, const input_error& e) {
  std::cerr << "jsacct: " << one_line(file == "-" ? std::string("<stdin>") : file) << ": "
            << (e.path.empty() ? std::string() : one_line(e.path) + ": ") << one_line(e.what()) << "\n";
}

/// `load(file)`, or nullopt after report_input_error when the input is bad.
template <class Load>
auto load_or_report(const std::string& file, Load load) -> std::optional<decltype(load(file))> {
  try {
    return load(file);
  } catch (const input_error& e) {
    report_input_error(file, e);
    return std::nullopt;
  }
}

/// A value from a fixed list: `--format: "xml" (allowed: text, json, csv)`.
CLI::Validator one_of(std::vector<std::string> allowed) {
  return CLI::Validator(
      [allowed](std::string& s) {
        for (const auto& a : allowed)
          if (s == a) return std::string();
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        return "\"" + s + "\" (allowed: " + list + ")";
      },
      "", "one of");
}

/// A byte count: a decimal integer in 0..2^63-1.
const CLI::Validator byte_count(
    [](std::string& s) {
      std::int64_t v = 0;
      const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size() || v < 0)
        return "\"" + s + "\" (allowed: a byte count 0..9223372036854775807)";
      return std::string();
    },
    "", "byte count");

/// --semantics: main (nats-server main, the default) or v2.9 (nats-server 2.9.10; aliases 2.9, 2.9.10, v2.9.10).
void add_semantics(CLI::App& cmd, std::string& into) {
  cmd.add_option("--semantics", into, "main (nats-server main, default) or v2.9 (nats-server 2.9.10)")
      ->type_name("main|v2.9")
      ->transform(CLI::Validator(
          [](std::string& s) {
            if (s == "2.9" || s == "2.9.10" || s == "v2.9.10") s = "v2.9";
            return s == "main" || s == "v2.9" ? std::string() : "\"" + s + "\" (allowed: main, v2.9)";
          },
          "", "semantics"));
}

/// The main-semantics engine with reservation charging policy `C` (`report --reservation`).
template <jsacct::charging_policy C>
using main_engine = jsacct::basic_engine<jsacct::main_limits, jsacct::replica_tiers, jsacct::atomic_counters, C>;

/// `replay` and `report`: run a scenario through the engines.
struct scenario_command {
  std::string name;
  bool report = false;
  std::string semantics = "main";
  std::string reservation = "upfront";
  std::string file;
  std::string format = "text";
  std::string progress = "auto";
  std::string limit_change = "apply";
  int progress_delay_ms = 1000;
  double warn_at = 0;  ///< report --warn-at: soft-limit warning fraction (0: off)
  CLI::App* app = nullptr;

  void add(CLI::App& parent) {
    app = parent.add_subcommand(name, report ? "replay a scenario and report usage, limits and refusals for a person "
                                               "(text) or a spreadsheet (json, csv)"
                                             : "replay a scenario and print every operation's result in the oracle's "
                                               "canonical form");
    add_semantics(*app, semantics);
    if (report)
      app->add_option("--warn-at", warn_at,
                      "text report: warn at this fraction of every limit (0 < F <= 1), list the warnings and event counters")
          ->check(CLI::Range(0.0, 1.0))
          ->type_name("FRACTION");
    if (report)
      app->add_option("--format", format, "text (default), json or csv: one row per account and tier (columns below)")
          ->check(one_of({"text", "json", "csv"}))
          ->type_name("text|json|csv");
    app->add_option("--limit-change", limit_change,
                    "what account_update (a jsacct-only op) does with limits below an account's usage: apply (default, "
                    "nats-server's), refuse or keep_existing (docs/limit-changes.md)")
        ->check(one_of({"apply", "refuse", "keep_existing"}))
        ->type_name("apply|refuse|keep_existing");
    if (report)
      app->add_option("--reservation", reservation,
                      "how much of a stream's max_bytes is reserved: upfront (all of it, as nats-server; default), on_use "
                      "(nothing: publishes are checked against the limits) or fraction50 (half, rounded up); main semantics "
                      "only (docs/reservation-charging.md)")
          ->check(one_of({"upfront", "on_use", "fraction50"}))
          ->type_name("upfront|on_use|fraction50");
    app->add_option("--progress", progress, "progress line on stderr after 1 s: auto (stderr is a terminal), always, never")
        ->check(one_of({"auto", "always", "never"}))
        ->type_name("auto|always|never");
    app->add_option("--progress-delay-ms", progress_delay_ms)->group("")->check(CLI::NonNegativeNumber);  // tests
    app->add_option("SCENARIO.json", file, "scenario file (JSON), - for standard input")->required()->type_name("");
    app->footer(report ? std::string(report_columns_text) + "\n" + exit_codes_text : std::string(exit_codes_text));
  }

  template <class Engine>
  int run_with(const scenario& sc) {
    warning_log warnings;  // before the replayer: its streams' last warning events arrive while it is destroyed
    replayer<Engine> r(sc, jsacct::parse_limit_change_policy(limit_change).value_or(jsacct::limit_change_policy::apply));
    if (warn_at > 0) r.on_started = [&](auto& sim) { arm_warnings(sim, warn_at, warnings); };
    const bool show = progress == "always" || (progress == "auto" && ::isatty(STDERR_FILENO) == 1);
    progress_meter meter(std::cerr, show, std::chrono::milliseconds(progress_delay_ms));
    const auto doc = r.run([&](std::size_t done, std::size_t total) {
      warnings.ops_done = done;
      meter.update(done, total);
    });
    meter.finish();
    std::ostringstream out;
    if (!report)
      write_canonical(out, doc);
    else if (format == "text")
      write_report(out, sc, r, doc, semantics);
    else if (format == "csv")
      write_csv(out, report_rows(sc, r, semantics));
    else
      write_json_rows(out, report_rows(sc, r, semantics));
    if (report && format == "text" && warn_at > 0) write_warnings(out, r, warnings, warn_at);
    std::cout << out.str();
    return exit_ok;
  }

  int run() {
    auto loaded = load_or_report(file, load_scenario);
    if (!loaded) return exit_bad_input;
    scenario& sc = *loaded;
    if (reservation != "upfront") {
      // nats-server 2.9.10 reserves max_bytes in full; the other policies are defined for main's checks.
      if (semantics == "v2.9") {
        std::cerr << "jsacct: --reservation " << reservation
                  << ": v2.9 semantics allow only upfront (nats-server 2.9.10 reserves max_bytes in full); use --semantics "
                     "main\n";
        return exit_bad_input;
      }
      if (reservation == "on_use") return run_with<main_engine<jsacct::on_use>>(sc);
      return run_with<main_engine<jsacct::fraction<50>>>(sc);
    }
    return semantics == "v2.9" ? run_with<jsacct::engine_v29>(sc) : run_with<jsacct::engine>(sc);
  }
};

/// `explain`: replay up to one op and explain its outcome (docs/explanations.md#cli).
struct explain_cmd {
  std::string semantics = "main";
  std::string file;
  std::string op;
  CLI::App* app = nullptr;

  void add(CLI::App& parent) {
    app = parent.add_subcommand("explain",
                                "replay a scenario up to and including one op and print the op, its outcome and, when a "
                                "limit refused it, why (every field of the explanation)");
    add_semantics(*app, semantics);
    app->add_option("SCENARIO.json", file, "scenario file (JSON), - for standard input")->required()->type_name("");
    app->add_option("OP", op,
                    "the op: N (or #N), numbered as `jsacct report` numbers them: op #N is the N-th entry of "
                    "the scenario's ops, counting from 1")
        ->required()
        ->type_name("");
    app->footer(exit_codes_text);
  }

  int run() {
    auto loaded = load_or_report(file, load_scenario);
    if (!loaded) return exit_bad_input;
    scenario& sc = *loaded;
    const auto n = parse_op_number(op);
    if (!n || *n > sc.ops.size()) {
      std::cerr << "jsacct: OP: \"" << one_line(op) << "\" is not an op of " << (file == "-" ? "<stdin>" : file)
                << " (allowed: 1 to " << sc.ops.size() << ", op #N is the N-th entry of its ops)\n";
      return exit_bad_input;
    }
    std::ostringstream out;
    if (semantics == "v2.9")
      explain_op<jsacct::engine_v29>(out, std::move(sc), *n);
    else
      explain_op<jsacct::engine>(out, std::move(sc), *n);
    std::cout << out.str();
    return exit_ok;
  }
};

/// `validate`: server options checked and resolved as nats-server does.
struct validate_cmd {
  std::string semantics = "main";
  std::string file;
  probe_override probes;
  CLI::App* app = nullptr;

  void add(CLI::App& parent) {
    app = parent.add_subcommand("validate",
                                "check server options as nats-server validates them and print the resolved JetStream "
                                "config (exit 1 with the server's error text when it would refuse them)");
    add_semantics(*app, semantics);
    app->add_option("--probe-memory", probes.memory, "total memory to assume instead of the system's (bytes)")
        ->check(byte_count)
        ->type_name("BYTES");
    app->add_option("--probe-disk", probes.disk, "available disk to assume for the store dir (bytes)")
        ->check(byte_count)
        ->type_name("BYTES");
    app->add_option("OPTIONS.json", file, "server options file (JSON), - for standard input")->required()->type_name("");
    app->footer(exit_codes_text);
  }

  int run() {
    auto in = load_or_report(file, load_validate_input);
    if (!in) return exit_bad_input;
    const auto r =
        run_validate(std::move(*in), probes, semantics == "v2.9" ? jsacct::server_version::v2_9 : jsacct::server_version::main);
    std::cout << r.out;
    return r.status == 0 ? exit_ok : exit_refused;
  }
};

/// `snapshot`: replay a standalone scenario and print its engine's usage
/// snapshot (docs/snapshots.md); `--check` restores it into a fresh engine and
/// compares. A clustered scenario is refused: each of its servers has its own state.
struct snapshot_cmd {
  std::string semantics = "main";
  std::string file;
  bool check = false;
  CLI::App* app = nullptr;

  void add(CLI::App& parent) {
    app = parent.add_subcommand("snapshot",
                                "replay a standalone scenario and print the engine's usage snapshot (JSON, the format of "
                                "docs/snapshots.md)");
    add_semantics(*app, semantics);
    app->add_flag("--check", check,
                  "also restore the snapshot into a fresh engine and compare every account's usage and the server totals "
                  "(exit 1 and a diff line per difference on stderr)");
    app->add_option("SCENARIO.json", file, "scenario file (JSON, standalone), - for standard input")->required()->type_name("");
    app->footer(exit_codes_text);
  }

  /// One line per difference between `eng` and a fresh engine restored from `text`; the count.
  template <class Engine>
  static int compare_restored(const Engine& eng, const std::string& text) {
    Engine copy(eng.config(), eng.options());
    const auto r = jsacct::restore_usage_snapshot(copy, text);
    if (!r) {
      std::cerr << "jsacct: snapshot check: the restore was refused: " << one_line(r.error().text()) << "\n";
      return 1;
    }
    int diffs = 0;
    auto diff = [&](const std::string& what, const nlohmann::json& original, const nlohmann::json& restored) {
      ++diffs;
      std::cerr << "jsacct: snapshot check: " << one_line(what) << " differs: original " << one_line(original.dump())
                << ", restored " << one_line(restored.dump()) << "\n";
    };
    for (const auto& a : eng.accounts()) {
      const auto c = copy.find_account(a.name());
      if (!c)
        diff("account \"" + a.name() + "\"", nlohmann::json(a.usage()), nullptr);
      else if (c.usage() != a.usage())
        diff("account \"" + a.name() + "\" usage", nlohmann::json(a.usage()), nlohmann::json(c.usage()));
    }
    for (const auto& c : copy.accounts())
      if (!eng.find_account(c.name())) diff("account \"" + c.name() + "\"", nullptr, nlohmann::json(c.usage()));
    if (copy.usage_stats() != eng.usage_stats())
      diff("server usage_stats", nlohmann::json(eng.usage_stats()), nlohmann::json(copy.usage_stats()));
    auto totals = [](jsacct::mem_store m) { return nlohmann::json{{"memory", m.mem}, {"store", m.store}}; };
    if (copy.reserved() != eng.reserved()) diff("server reserved", totals(eng.reserved()), totals(copy.reserved()));
    if (copy.used() != eng.used()) diff("server used", totals(eng.used()), totals(copy.used()));
    return diffs;
  }

  template <class Engine>
  int run_with(const scenario& sc) {
    if (sc.cluster()) {
      std::cerr << "jsacct: " << one_line(file == "-" ? std::string("<stdin>") : file)
                << ": snapshot replays standalone scenarios only (this one is clustered: each of its servers has its own "
                   "state)\n";
      return exit_bad_input;
    }
    replayer<Engine> r(sc);
    (void)r.run();
    const Engine& eng = *r.servers().front().eng;
    const std::string text = jsacct::usage_snapshot_text(eng, 2);
    if (check && compare_restored(eng, text) != 0) return exit_refused;
    std::cout << text << "\n";
    return exit_ok;
  }

  int run() {
    auto loaded = load_or_report(file, load_scenario);
    if (!loaded) return exit_bad_input;
    scenario& sc = *loaded;
    return semantics == "v2.9" ? run_with<jsacct::engine_v29>(sc) : run_with<jsacct::engine>(sc);
  }
};

bool is_command(CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    if (sub->get_name() == name) return true;
  return false;
}

/// A bad command line: the message, then the usage of the command it was for.
int usage_error(const CLI::App& app, const CLI::ParseError& e) {
  const CLI::App* cmd = &app;
  for (const CLI::App* sub : app.get_subcommands()) cmd = sub;
  const std::string name = cmd == &app ? std::string("jsacct") : "jsacct " + cmd->get_name();
  std::cerr << "jsacct: " << one_line(e.what()) << "\n"
            << CLI::Formatter().make_usage(cmd, name) << "Run '" << name << " --help' for the options and exit codes.\n";
  return exit_bad_input;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("jsacct: JetStream resource accounting, replayed and explained", "jsacct");
  app.set_version_flag("--version", version_text, "print the version and exit");
  app.require_subcommand(1);
  app.footer(exit_codes_text);
  scenario_command replay;
  replay.name = "replay";
  scenario_command report;
  report.name = "report";
  report.report = true;
  validate_cmd validate;
  snapshot_cmd snapshot;
  explain_cmd explain;
  replay.add(app);
  report.add(app);
  validate.add(app);
  snapshot.add(app);
  explain.add(app);
  if (argc > 1 && argv[1][0] != '-' && !is_command(app, argv[1])) {
    std::cerr << "jsacct: unknown command \"" << one_line(argv[1])
              << "\" (allowed: replay, report, validate, snapshot, explain)\n"
              << CLI::Formatter().make_usage(&app, "jsacct") << "Run 'jsacct --help' for the options and exit codes.\n";
    return exit_bad_input;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    return usage_error(app, e);
  }
  try {
    if (replay.app->parsed()) return replay.run();
    if (report.app->parsed()) return report.run();
    if (snapshot.app->parsed()) return snapshot.run();
    if (explain.app->parsed()) return explain.run();
    return validate.run();
  } catch (const std::bad_alloc&) {
    std::cerr << "jsacct: out of memory\n";
    return exit_refused;
  } catch (const std::exception& e) {
    std::cerr << "jsacct: internal error: " << one_line(e.what()) << "\n";
    return exit_refused;
  }
}
