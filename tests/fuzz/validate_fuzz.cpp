// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for `jsacct validate`'s input: JSON text -> the options
// parser (size cap, nesting limit, strict validation) -> validation and
// resolution as a server starting with these options, under both semantics.
//
// On every input:
//   * parsing either succeeds or throws input_error (exit 2 in the CLI);
//     any other exception escaping is a bug;
//   * run_validate answers exit 0 with a JSON document ({config, accounts,
//     warnings, debug}) or exit 1 with one line of error text;
//   * validate_jetstream_options answers success or a plain error (err_code
//     0, non-empty text), and that text is exactly what run_validate prints;
//   * no memory error or undefined behaviour (ASan/UBSan).
// The system probes are fixed (16 GiB of memory, 5000 bytes of disk), so the
// target never touches the file system or depends on the machine.
// Seeds: the options documents of tests/cli/validate_test.py (run.sh writes them).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "input_file.hpp"
#include "validate_command.hpp"

#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "invariant violated: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jsacct_cli;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  validate_input in;
  try {
    if (size > max_input_bytes) return 0;
    in = parse_validate_input(parse_json_text(text));
  } catch (const input_error&) {
    return 0;
  }
  {
    jsacct::server_options opts = in.opts;
    const jsacct::result<void> valid = jsacct::validate_jetstream_options(opts);
    if (!valid) {
      FUZZ_CHECK(valid.error().err_code() == 0 && valid.error().code() == 0 && !valid.error().text().empty());
      FUZZ_CHECK(run_validate(in, {}, jsacct::server_version::main).out == valid.error().text() + "\n");
    }
  }
  probe_override probes;
  probes.memory = std::int64_t{16} << 30;
  probes.disk = 5000;
  for (const auto version : {jsacct::server_version::main, jsacct::server_version::v2_9}) {
    const validate_outcome r = run_validate(in, probes, version);
    FUZZ_CHECK(r.status == 0 || r.status == 1);
    FUZZ_CHECK(!r.out.empty() && r.out.back() == '\n');
    if (r.status == 0) {
      const auto doc = nlohmann::json::parse(r.out);
      FUZZ_CHECK(doc.contains("config") && doc["accounts"].is_object() && doc["warnings"].is_array());
    } else {
      FUZZ_CHECK(r.out.find('\n') == r.out.size() - 1);  // one line
    }
  }
  return 0;
}
