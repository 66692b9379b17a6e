// SPDX-License-Identifier: Apache-2.0
// Runs every tests/sim/scenarios/*.sim through the cluster usage simulator
// (tests/sim/README.md), and checks the scenario parser's error messages.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "simulator.hpp"

#ifndef JSACCT_SIM_DIR
#error "JSACCT_SIM_DIR must name tests/sim/scenarios (tests/sim/meson.build defines it)"
#endif

namespace {

std::vector<std::filesystem::path> scenario_files() {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(JSACCT_SIM_DIR))
    if (e.is_regular_file() && e.path().extension() == ".sim") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string parse_error(std::string_view text) {
  try {
    (void)jsacct_sim::parse_scenario(text, "inline.sim");
  } catch (const jsacct_sim::scenario_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("sim: every scenario converges, keeps the invariants and passes its checks") {
  std::size_t ran = 0;
  for (const auto& path : scenario_files()) {
    const std::string name = "tests/sim/scenarios/" + path.filename().string();
    CAPTURE(name);
    const auto started = std::chrono::steady_clock::now();
    jsacct_sim::run_result r;
    try {
      r = jsacct_sim::run(jsacct_sim::parse_scenario(slurp(path), name));
    } catch (const jsacct_sim::scenario_error& e) {
      ADD_FAIL_CHECK_AT(name.c_str(), e.line(), std::string(e.what()));
      continue;
    }
    ++ran;
    const auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    for (const auto& f : r.failures) ADD_FAIL_CHECK_AT(name.c_str(), f.line, f.text);
    CHECK_MESSAGE(r.checks > 0, name << ": no check ran");
    CHECK_MESSAGE(!r.converges.empty(), name << ": no converge line");
    MESSAGE(r.summary() << " [" << wall.count() << " ms wall]");
  }
  CHECK(ran >= 10);
}

TEST_CASE("sim: a bad scenario line reports file:line and the offending token") {
  CHECK(parse_error("nodes n1 n2 n3\naccount A R1\nfrobnicate 3\nend 10s\n") == "inline.sim:3: unknown command 'frobnicate'");
  CHECK(parse_error("nodes n1 n2 n3\naccount A R1\n\nat 1s n1 store A R1 file 12QiB\nend 10s\n") ==
        "inline.sim:4: bad size '12QiB'");
  CHECK(parse_error("nodes n1 n2 n3\naccount A R1\n# a comment\nat 5sec n1 store A R1 file 1GiB\nend 10s\n") ==
        "inline.sim:4: bad time '5sec'");
  CHECK(parse_error("nodes n1 n2\naccount A R1\nat 1s n9 store A R1 file 1GiB\nend 10s\n") == "inline.sim:3: unknown node 'n9'");
  CHECK(parse_error("nodes n1 n2\naccount A R1\nat 1s n1 store A R1 file 5 GiB\nend 10s\n") ==
        "inline.sim:3: unexpected word in `at` line (8 words) 'GiB'");
  CHECK(parse_error("nodes n1 n2\naccount A R1\nat 1s n1 store A R1\nend 10s\n") ==
        "inline.sim:3: missing words in `at` line (8 needed) after 'R1'");
  CHECK(parse_error("nodes n1 n2\naccount A R1\ncheck 1s n1 A R3 file truth\nend 10s\n") ==
        "inline.sim:3: tier not configured for account A (`-` is the untiered tier) 'R3'");
}

TEST_CASE("sim: sizes and times") {
  CHECK(jsacct_sim::parse_size("57.66GiB") == 61911953571);  // 57.66 * 2^30 = 61911953571.84, rounded down
  CHECK(jsacct_sim::parse_size("-512MiB") == -(512LL << 20));
  CHECK(jsacct_sim::parse_size("+3KiB") == 3072);
  CHECK(jsacct_sim::parse_size("1000") == 1000);
  CHECK(jsacct_sim::parse_size("1.5B") == std::nullopt);
  CHECK(jsacct_sim::parse_size("GiB") == std::nullopt);
  CHECK(jsacct_sim::parse_time("1.5s") == 1500);
  CHECK(jsacct_sim::parse_time("37ms") == 37);
  CHECK(jsacct_sim::parse_time("0.0005s") == std::nullopt);
  CHECK(jsacct_sim::parse_time("15") == std::nullopt);
  CHECK(jsacct_sim::parse_ppm("0.2") == 200000u);
  CHECK(jsacct_sim::parse_ppm("10%") == 100000u);
  CHECK(jsacct_sim::parse_ppm("1.5") == std::nullopt);
}

TEST_CASE("sim: a minimal inline scenario sums two nodes' usage") {
  const auto sc = jsacct_sim::parse_scenario(
      "nodes a b c\naccount A R1:store=10GiB\nat 0s a store A R1 file 1GiB\nat 0s b store A R1 file 2GiB\n"
      "check 2s c A R1 file total 3GiB\ncheck 2s a A R1 file publish 7GiB refused\ncheck 2s a A R1 file publish 6GiB accepted\n"
      "converge 5s bound 0\nend 5s\n",
      "inline.sim");
  const auto r = jsacct_sim::run(sc);
  for (const auto& f : r.failures) ADD_FAIL_CHECK_AT("inline.sim", f.line, f.text);
  CHECK(r.checks == 3);
  REQUIRE(r.converges.size() == 1);
  CHECK(r.converges[0].ok);
  CHECK(r.converges[0].t0 == 0);  // zero network delay: the same virtual instant
}
