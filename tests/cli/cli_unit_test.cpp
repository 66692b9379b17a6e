// SPDX-License-Identifier: Apache-2.0
// The CLI's building blocks at their edges: the progress line's timing (with
// an injected clock, no terminal needed), the report's number formatting at
// the int64/uint64 limits, and the safe input reader (size cap, nesting limit,
// JSON errors as input_error, one-line error texts).
#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>

#include "input_file.hpp"
#include "progress.hpp"
#include "text_format.hpp"

using namespace jsacct_cli;
using namespace std::chrono_literals;

namespace {

struct fake_clock {
  progress_meter::clock::time_point t{};
  progress_meter::now_fn fn() {
    return [this] { return t; };
  }
};

}  // namespace

TEST_CASE("progress: nothing before the delay, then one line, throttled, erased") {
  fake_clock c;
  std::ostringstream err;
  progress_meter m(err, true, 1000ms, c.fn());
  m.update(1, 10);
  c.t += 999ms;
  m.update(2, 10);
  CHECK(err.str().empty());  // 999 ms: not yet
  c.t += 1ms;
  m.update(3, 10);
  CHECK(err.str() == "\rjsacct: op 3 of 10 (30%)");  // exactly 1 s: shown
  c.t += 99ms;
  m.update(4, 10);
  CHECK(err.str() == "\rjsacct: op 3 of 10 (30%)");  // redraw at most every 100 ms
  c.t += 1ms;
  m.update(10, 10);
  CHECK(err.str() == "\rjsacct: op 3 of 10 (30%)\rjsacct: op 10 of 10 (100%)");
  m.finish();
  CHECK(err.str().ends_with("\r" + std::string(26, ' ') + "\r"));
  CHECK_FALSE(m.drawn());
}

TEST_CASE("progress: a shorter line overwrites the longer one completely") {
  fake_clock c;
  std::ostringstream err;
  progress_meter m(err, true, 0ms, c.fn());
  m.update(100, 100);
  c.t += 100ms;
  m.update(5, 9);
  CHECK(err.str() == "\rjsacct: op 100 of 100 (100%)\rjsacct: op 5 of 9 (55%)" + std::string(5, ' '));
}

TEST_CASE("progress: disabled (stderr not a terminal) draws nothing") {
  fake_clock c;
  std::ostringstream err;
  {
    progress_meter m(err, false, 0ms, c.fn());
    c.t += 10s;
    m.update(1, 1);
  }
  CHECK(err.str().empty());
}

TEST_CASE("progress: 0 ops") {
  fake_clock c;
  std::ostringstream err;
  progress_meter m(err, true, 0ms, c.fn());
  m.update(0, 0);
  CHECK(err.str() == "\rjsacct: op 0 of 0 (100%)");
}

TEST_CASE("iec_bytes: binary units, exact below 1 KiB, int64/uint64 extremes") {
  CHECK(iec_bytes(0) == "0 B");
  CHECK(iec_bytes(1023) == "1023 B");
  CHECK(iec_bytes(1024) == "1.00 KiB");
  CHECK(iec_bytes(1536) == "1.50 KiB");
  CHECK(iec_bytes(int128{1} << 20) == "1.00 MiB");
  CHECK(iec_bytes(int128{10} << 30) == "10.00 GiB");
  CHECK(iec_bytes(std::numeric_limits<std::int64_t>::max()) == "8.00 EiB");
  CHECK(iec_bytes(std::numeric_limits<std::uint64_t>::max()) == "16.00 EiB");
  CHECK(iec_bytes(int128{std::numeric_limits<std::int64_t>::max()} * 3) == "24.00 EiB");
  CHECK(iec_bytes(-1536) == "-1.50 KiB");
  CHECK(iec_bytes(int128{1} << 100) == "1048576.00 YiB");
}

TEST_CASE("count_of: plurals") {
  CHECK(count_of(0, "stream") == "0 streams");
  CHECK(count_of(1, "stream") == "1 stream");
  CHECK(count_of(2, "stream") == "2 streams");
  CHECK(count_of(-1, "stream") == "-1 streams");
  CHECK(count_of(1, "entry", "entries") == "1 entry");
  CHECK(count_of(3, "entry", "entries") == "3 entries");
  CHECK(count_of(std::numeric_limits<std::uint64_t>::max(), "message") == "18446744073709551615 messages");
}

TEST_CASE("percent and usage bar: clamped, never negative, no float->int overflow") {
  constexpr auto max64 = std::numeric_limits<std::int64_t>::max();
  CHECK(usage_bar(0, 100) == "[..........]   0%");
  CHECK(usage_bar(52, 100) == "[#####.....]  52%");
  CHECK(usage_bar(100, 100) == "[##########] 100%");
  CHECK(usage_bar(999, 100) == "[##########] 999%");
  CHECK(usage_bar(1000, 100) == "[##########] >999%");
  CHECK(usage_bar(max64, 1) == "[##########] >999%");
  CHECK(usage_bar(std::numeric_limits<std::uint64_t>::max(), max64) == "[##########] 200%");
  CHECK(usage_bar(1, 0) == "[##########] 100%");  // a zero limit with usage: full
  CHECK(usage_bar(0, 0) == "[..........]   0%");
  CHECK(usage_bar(-5, 100) == "[..........]   0%");
  CHECK(usage_bar(5, -1) == "(unlimited)");
  CHECK(usage_bar(1, max64) == "[..........]   0%");
  CHECK(limit_bytes(-1) == "unlimited");
  CHECK(limit_count(0) == "unlimited");
  CHECK(limit_count(max64) == "9223372036854775807");
}

TEST_CASE("input: the size cap refuses more than the cap without reading it all") {
  std::istringstream ok(std::string(100, ' '));
  CHECK(read_capped(ok, 100).size() == 100);
  std::istringstream big(std::string(101, ' '));
  CHECK_THROWS_WITH_AS(read_capped(big, 100), "input larger than 0 MiB (the limit for one input)", input_error);
  std::istringstream big2(std::string((std::size_t{1} << 20) + 1, ' '));
  CHECK_THROWS_WITH_AS(read_capped(big2, std::size_t{1} << 20), "input larger than 1 MiB (the limit for one input)", input_error);
}

TEST_CASE("input: nesting limit, exactly at and one over; brackets inside strings do not count") {
  const std::string at = std::string(max_json_depth, '[') + std::string(max_json_depth, ']');
  CHECK_NOTHROW(parse_json_text(at));
  const std::string over = std::string(max_json_depth + 1, '[') + std::string(max_json_depth + 1, ']');
  CHECK_THROWS_WITH_AS(parse_json_text(over), "not valid JSON: nested deeper than 64 levels (the limit) at byte 65", input_error);
  CHECK_NOTHROW(parse_json_text("\"" + std::string(1000, '[') + "\\\"\""));
  CHECK_THROWS_AS(parse_json_text(std::string(100000, '[')), input_error);
}

TEST_CASE("input: every JSON error is an input_error (1e400, syntax)") {
  CHECK_THROWS_AS(parse_json_text("1e400"), input_error);
  CHECK_THROWS_AS(parse_json_text("{\"a\": -1e400}"), input_error);
  CHECK_THROWS_AS(parse_json_text("{"), input_error);
  CHECK(parse_json_text("1e300").is_number_float());
}

TEST_CASE("one_line: control characters escaped") {
  CHECK(one_line("a\nb\r\tc") == "a\\nb\\r\\tc");
  CHECK(one_line(std::string("x\x1fy\x7f", 4)) == "x\\u001fy\\u007f");
  CHECK(one_line("plain ✓") == "plain ✓");
}
