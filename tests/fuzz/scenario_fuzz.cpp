// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the jsacct CLI's scenario path: JSON text -> the
// scenario parser (size cap, nesting limit, strict validation) -> replay on
// the simulated servers under both semantics (main and v2.9) -> every output
// (the canonical result, the text report, the csv and json tables).
//
// On every input:
//   * parsing either succeeds or throws input_error (exit 2 in the CLI);
//     any other exception escaping is a bug (the CLI's "internal error");
//   * a parsed scenario replays and reports without any exception, and
//     ASan/UBSan see no memory error or undefined behaviour;
//   * the canonical result is valid JSON with one record per op, each
//     record's `i` its 0-based index and `ok` a boolean.
// Work is bounded: scenarios publishing more than 2,000 messages in all are
// skipped (their cost is in the message count, not in new paths).
// Seeds: the recorded scenarios in tests/conformance/{public,own}/*.json.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include <jsacct/jsacct.hpp>
#include <nlohmann/json.hpp>

#include "input_file.hpp"
#include "replay.hpp"
#include "report.hpp"
#include "report_table.hpp"
#include "result_writer.hpp"
#include "scenario.hpp"

#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "invariant violated: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace {

using namespace jsacct_cli;

constexpr std::int64_t max_messages = 2000;

template <class Engine>
void replay_and_report(const scenario& sc, const std::string& semantics) {
  replayer<Engine> r(sc);
  const json doc = r.run();
  std::ostringstream canonical, text, csv, table;
  write_canonical(canonical, doc);
  write_report(text, sc, r, doc, semantics);
  const auto rows = report_rows(sc, r, semantics);
  write_csv(csv, rows);
  write_json_rows(table, rows);

  const json back = json::parse(canonical.str());
  FUZZ_CHECK(back.is_object() && back["results"].is_array());
  if (back["startup"]["ok"].get<bool>()) {
    FUZZ_CHECK(back["results"].size() == sc.ops.size());
    for (std::size_t i = 0; i < sc.ops.size(); ++i) {
      FUZZ_CHECK(back["results"][i]["i"].get<std::size_t>() == i);
      FUZZ_CHECK(back["results"][i]["ok"].is_boolean());
    }
  } else {
    FUZZ_CHECK(back["results"].empty());
  }
  FUZZ_CHECK(json::parse(table.str()).is_array());
  FUZZ_CHECK(!text.str().empty() && !csv.str().empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  scenario sc;
  try {
    if (size > max_input_bytes) return 0;
    sc = parse_scenario(parse_json_text(text), "fuzz.json");
  } catch (const input_error&) {
    return 0;  // exit 2 in the CLI: the contract for bad input
  }
  std::int64_t messages = 0;
  for (const auto& op : sc.ops)
    if (op.op == "publish") messages += op.num("count", 1);
  if (messages > max_messages) return -1;  // not added to the corpus
  replay_and_report<jsacct::engine>(sc, "main");
  replay_and_report<jsacct::engine_v29>(sc, "v2.9");
  return 0;
}
