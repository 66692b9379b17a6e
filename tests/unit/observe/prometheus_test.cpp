// SPDX-License-Identifier: Apache-2.0
// observe/prometheus.hpp: the text exposition format 0.0.4, checked by a small
// parser (HELP/TYPE before each family, names, labels and their escaping,
// counters named _total, float values, no duplicate series, trailing newline)
// and exact values for a fixture engine.
#include <doctest/doctest.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "jsacct/jsacct.hpp"
#include "jsacct/observe/prometheus.hpp"

using namespace jsacct;

namespace {

/// What the parser found: series "name{k="v",...}" (labels sorted, values
/// unescaped, re-rendered unescaped) -> value, and the type of each family.
struct exposition {
  std::map<std::string, double> series;
  std::map<std::string, std::string> types;
  std::vector<std::string> errors;
};

bool metric_name(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_' || s[0] == ':')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':')) return false;
  return true;
}
bool label_name(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

/// A strict reader for the subset of format 0.0.4 jsacct writes (gauges and
/// counters, no timestamps).
exposition parse(const std::string& text) {
  exposition x;
  auto err = [&](int line, const std::string& what) { x.errors.push_back("line " + std::to_string(line) + ": " + what); };
  if (text.empty() || text.back() != '\n') err(0, "text does not end with a line feed");
  std::map<std::string, int> help_count, type_count;
  std::set<std::string> closed;  // families whose group has ended
  std::string current;           // family of the current group
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) {
      err(n, "empty line");
      continue;
    }
    auto start_group = [&](const std::string& name) {
      if (name == current) return;
      if (!current.empty()) closed.insert(current);
      if (closed.count(name) != 0) err(n, name + ": family split into several groups");
      current = name;
    };
    if (line[0] == '#') {
      std::istringstream ls(line);
      std::string hash, kw, name;
      ls >> hash >> kw >> name;
      if (kw != "HELP" && kw != "TYPE") continue;  // plain comment
      if (!metric_name(name)) err(n, "bad metric name in " + kw + ": " + name);
      start_group(name);
      if (kw == "HELP") {
        if (++help_count[name] > 1) err(n, name + ": second HELP");
        if (type_count[name] != 0) err(n, name + ": HELP after TYPE");
      } else {
        std::string type, rest;
        ls >> type >> rest;
        if (++type_count[name] > 1) err(n, name + ": second TYPE");
        if (type != "gauge" && type != "counter" && type != "untyped") err(n, name + ": unexpected type " + type);
        if (!rest.empty()) err(n, "trailing text after TYPE");
        x.types[name] = type;
      }
      continue;
    }
    // sample: name[{labels}] value
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    const std::string name = line.substr(0, i);
    if (!metric_name(name)) err(n, "bad metric name: " + name);
    start_group(name);
    if (help_count[name] != 1 || type_count[name] != 1) err(n, name + ": sample without exactly one preceding HELP and TYPE");
    if (x.types[name] == "counter" && !name.ends_with("_total")) err(n, name + ": counter not named *_total");
    std::map<std::string, std::string> labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        std::size_t eq = line.find('=', i);
        if (eq == std::string::npos) {
          err(n, "label without '='");
          break;
        }
        const std::string ln = line.substr(i, eq - i);
        if (!label_name(ln)) err(n, "bad label name: " + ln);
        i = eq + 1;
        if (i >= line.size() || line[i] != '"') {
          err(n, "label value not quoted");
          break;
        }
        ++i;
        std::string v;
        bool closed_quote = false;
        while (i < line.size()) {
          const char c = line[i++];
          if (c == '"') {
            closed_quote = true;
            break;
          }
          if (c == '\\') {
            if (i >= line.size()) break;
            const char e = line[i++];
            if (e == '\\')
              v += '\\';
            else if (e == '"')
              v += '"';
            else if (e == 'n')
              v += '\n';
            else
              err(n, std::string("bad escape \\") + e);
          } else {
            v += c;
          }
        }
        if (!closed_quote) err(n, "unterminated label value");
        if (!labels.emplace(ln, v).second) err(n, "duplicate label " + ln);
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size() || line[i] != '}') err(n, "labels not closed");
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') {
      err(n, "no space before the value");
      continue;
    }
    const std::string value = line.substr(i + 1);
    char* end = nullptr;
    const double d = std::strtod(value.c_str(), &end);
    if (value.empty() || end == nullptr || *end != '\0') err(n, "value is not a float: " + value);
    std::string key = name + "{";
    for (const auto& [k, v] : labels) key += k + "=\"" + v + "\",";
    key += "}";
    if (!x.series.emplace(key, d).second) err(n, "duplicate series " + key);
  }
  return x;
}

account_limits limits(std::int64_t mem, std::int64_t store, std::int64_t streams) {
  account_limits l = dynamic_account_limits;
  l.max_memory = mem;
  l.max_store = store;
  l.max_streams = streams;
  return l;
}

std::string errors_of(const exposition& x) {
  std::string s;
  for (const auto& e : x.errors) s += e + "\n";
  return s;
}

}  // namespace

TEST_CASE("the parser itself rejects what the format forbids") {
  CHECK(parse("# HELP a_x h\n# TYPE a_x gauge\na_x 1\n").errors.empty());
  CHECK_FALSE(parse("# HELP a_x h\n# TYPE a_x gauge\na_x 1").errors.empty());                     // no trailing newline
  CHECK_FALSE(parse("a_x 1\n").errors.empty());                                                   // no HELP/TYPE
  CHECK_FALSE(parse("# HELP a h\n# TYPE a counter\na 1\n").errors.empty());                       // counter without _total
  CHECK_FALSE(parse("# HELP a h\n# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n").errors.empty());  // duplicate series
  CHECK_FALSE(parse("# HELP a h\n# TYPE a gauge\na{x=\"\\t\"} 1\n").errors.empty());              // bad escape
  CHECK_FALSE(parse("# HELP a h\n# TYPE a gauge\na one\n").errors.empty());                       // not a float
  CHECK_FALSE(parse("# HELP 1a h\n# TYPE 1a gauge\n1a 1\n").errors.empty());                      // bad name
  CHECK_FALSE(parse("# HELP a h\n# TYPE a gauge\na 1\n# HELP b h\n# TYPE b gauge\nb 1\na 2\n").errors.empty());  // split group
  CHECK_FALSE(parse("# HELP a h\n# HELP a h\n# TYPE a gauge\na 1\n").errors.empty());                            // two HELPs
}

TEST_CASE("server series only (no accounts passed): usage, reservations, limits, accounts, API counters") {
  jetstream_config cfg;
  cfg.max_memory = 1 << 20;
  cfg.max_store = 10 << 20;
  engine eng(cfg);
  auto a = eng.enable_account("A", {{"", limits(50'000, 100'000, 2)}}).value();
  auto s = a.create_stream(stream_config{.name = "S", .storage = storage_type::file, .max_bytes = 60'000}).value();
  auto m = a.create_stream(stream_config{.name = "M", .storage = storage_type::memory, .max_bytes = 1'000}).value();
  s.add_usage(36 * 3);
  m.add_usage(22);
  a.track_api();
  a.track_api_error();
  const std::string text = prometheus_text(eng.usage_stats(), eng.config());
  const exposition x = parse(text);
  INFO(text);
  CHECK(errors_of(x) == "");
  const std::map<std::string, double> want{
      {R"(jsacct_server_used_bytes{storage="memory",})", 22},
      {R"(jsacct_server_used_bytes{storage="file",})", 108},
      {R"(jsacct_server_reserved_bytes{storage="memory",})", 1000},
      {R"(jsacct_server_reserved_bytes{storage="file",})", 60'000},
      {R"(jsacct_server_limit_bytes{storage="memory",})", 1 << 20},
      {R"(jsacct_server_limit_bytes{storage="file",})", 10 << 20},
      {"jsacct_server_accounts{}", 1},
      {"jsacct_server_ha_assets{}", 0},
      {"jsacct_server_api_requests_total{}", 2},
      {"jsacct_server_api_errors_total{}", 1},
  };
  CHECK(x.series == want);
  CHECK(x.types.at("jsacct_server_api_requests_total") == "counter");
  CHECK(x.types.at("jsacct_server_used_bytes") == "gauge");
  CHECK(text.starts_with("# HELP jsacct_server_used_bytes "));
}

TEST_CASE("per-account series for an untiered and a tiered account; unlimited limits omitted") {
  jetstream_config cfg;
  cfg.max_memory = 1 << 20;
  cfg.max_store = 10 << 20;
  engine eng(cfg, {.mode = deployment::clustered});  // clustered: R3 streams are allowed
  auto a = eng.enable_account("A", {{"", limits(50'000, 100'000, 2)}}).value();
  auto sa = a.create_stream(stream_config{.name = "S", .storage = storage_type::file, .max_bytes = 60'000}).value();
  sa.add_usage(108);
  (void)sa.add_consumer({});
  a.track_api();
  auto t = eng.enable_account("T", {{"R1", limits(-1, 5'000, -1)}, {"R3", limits(2'000, -1, 4)}}).value();
  auto r1 = t.create_stream(stream_config{.name = "ONE", .storage = storage_type::file, .max_bytes = 4'000}).value();
  auto r3 =
      t.create_stream(stream_config{.name = "THREE", .storage = storage_type::memory, .max_bytes = 500, .replicas = 3}).value();
  r1.add_usage(300);
  r3.add_usage(48);

  const std::vector<named_account_stats> accounts{{"A", a.usage()}, {"T", t.usage()}};
  const std::string text = prometheus_text(eng.usage_stats(), eng.config(), accounts);
  INFO(text);
  const exposition x = parse(text);
  CHECK(errors_of(x) == "");
  auto v = [&](const std::string& k) {
    auto it = x.series.find(k);
    return it == x.series.end() ? -1.0 : it->second;
  };
  // Untiered A: tier "".
  CHECK(v(R"(jsacct_account_used_bytes{account="A",storage="file",tier="",})") == 108);
  CHECK(v(R"(jsacct_account_used_bytes{account="A",storage="memory",tier="",})") == 0);
  CHECK(v(R"(jsacct_account_reserved_bytes{account="A",storage="file",tier="",})") == 60'000);
  CHECK(v(R"(jsacct_account_limit_bytes{account="A",storage="file",tier="",})") == 100'000);
  CHECK(v(R"(jsacct_account_limit_bytes{account="A",storage="memory",tier="",})") == 50'000);
  CHECK(v(R"(jsacct_account_streams{account="A",tier="",})") == 1);
  CHECK(v(R"(jsacct_account_consumers{account="A",tier="",})") == 1);
  CHECK(v(R"(jsacct_account_limit_streams{account="A",tier="",})") == 2);
  CHECK(v(R"(jsacct_account_api_requests_total{account="A",})") == 1);
  CHECK(v(R"(jsacct_account_api_errors_total{account="A",})") == 0);
  // Tiered T: one set per tier; -1 limits have no series.
  CHECK(v(R"(jsacct_account_used_bytes{account="T",storage="file",tier="R1",})") == 300);
  CHECK(v(R"(jsacct_account_used_bytes{account="T",storage="memory",tier="R3",})") == 48);
  CHECK(v(R"(jsacct_account_reserved_bytes{account="T",storage="file",tier="R1",})") == 4'000);
  CHECK(v(R"(jsacct_account_reserved_bytes{account="T",storage="memory",tier="R3",})") == 500);
  CHECK(v(R"(jsacct_account_limit_bytes{account="T",storage="file",tier="R1",})") == 5'000);
  CHECK(x.series.count(R"(jsacct_account_limit_bytes{account="T",storage="memory",tier="R1",})") == 0);
  CHECK(v(R"(jsacct_account_limit_bytes{account="T",storage="memory",tier="R3",})") == 2'000);
  CHECK(x.series.count(R"(jsacct_account_limit_bytes{account="T",storage="file",tier="R3",})") == 0);
  CHECK(v(R"(jsacct_account_streams{account="T",tier="R1",})") == 1);
  CHECK(v(R"(jsacct_account_streams{account="T",tier="R3",})") == 1);
  CHECK(v(R"(jsacct_account_limit_streams{account="T",tier="R3",})") == 4);
  CHECK(x.series.count(R"(jsacct_account_limit_streams{account="T",tier="R1",})") == 0);
  CHECK(x.series.count(R"(jsacct_account_used_bytes{account="T",storage="file",tier="",})") == 0);  // no totals row
  // Server numbers are unaffected by the opt-in.
  CHECK(v(R"(jsacct_server_accounts{})") == 2);
  CHECK(v(R"(jsacct_server_used_bytes{storage="file",})") == 408);
  // Exact series count: server 10, A 9+2, T 2 tiers x (2+2+1+1+1, +1 limit_streams on R3) + 2.
  CHECK(x.series.size() == 10 + 11 + (7 + 8) + 2);
}

TEST_CASE("label values are escaped: backslash, double quote, line feed") {
  account_stats s;
  s.tiers["R\"1"] = tier_stats{};
  const std::vector<named_account_stats> accounts{{"we\"ird\\name\nx", s}};
  const std::string text = prometheus_text(server_stats{}, jetstream_config{}, accounts);
  INFO(text);
  CHECK(text.find(R"(account="we\"ird\\name\nx",tier="R\"1")") != std::string::npos);
  const exposition x = parse(text);
  CHECK(errors_of(x) == "");
  CHECK(x.series.count("jsacct_account_streams{account=\"we\"ird\\name\nx\",tier=\"R\"1\",}") == 1);
  CHECK(text.back() == '\n');
}

TEST_CASE("large values print exactly; negative server capacity has no limit series") {
  server_stats s;
  s.reserved_store = UINT64_MAX;
  jetstream_config c;
  c.max_memory = -1;
  c.max_store = 5;
  const std::string text = prometheus_text(s, c);
  CHECK(text.find("jsacct_server_reserved_bytes{storage=\"file\"} 18446744073709551615\n") != std::string::npos);
  CHECK(text.find("jsacct_server_limit_bytes{storage=\"memory\"}") == std::string::npos);
  CHECK(text.find("jsacct_server_limit_bytes{storage=\"file\"} 5\n") != std::string::npos);
  CHECK(errors_of(parse(text)) == "");
  CHECK(prometheus_content_type == "text/plain; version=0.0.4; charset=utf-8");
}

TEST_CASE("label values with invalid UTF-8 become valid (U+FFFD per bad byte, as the JSON) and series stay unique") {
  const std::string R = "\xEF\xBF\xBD";  // U+FFFD
  account_stats s;
  s.tiers["R1"].store = 1;
  s.tiers["R\xFE"].store = 2;          // same label value as the next one once replaced
  s.tiers["R\xFF"].store = 3;          // the later one wins, as in the JSON
  s.tiers["A\xED\xA0\x80"].store = 4;  // encoded surrogate
  s.tiers["\x80"].store = 5;           // lone continuation byte
  s.tiers["\xC0\xAF"].store = 6;       // overlong
  s.tiers["T\xE2\x82"].store = 7;      // truncated at the end
  account_stats other;
  other.api.total = 9;
  const std::vector<named_account_stats> accounts{{"acc\xFF", s}, {"B", other}, {"B", other}};
  std::string text;
  CHECK_NOTHROW(text = prometheus_text(server_stats{}, jetstream_config{}, accounts));
  INFO(text);
  CHECK(valid_utf8(text));
  const exposition x = parse(text);
  CHECK(errors_of(x) == "");  // in particular: no duplicate series
  auto used = [&](const std::string& tier) {
    auto it = x.series.find("jsacct_account_used_bytes{account=\"acc" + R + "\",storage=\"file\",tier=\"" + tier + "\",}");
    return it == x.series.end() ? -1.0 : it->second;
  };
  CHECK(used("R1") == 1);
  CHECK(used("R" + R) == 3);
  CHECK(used("A" + R + R + R) == 4);
  CHECK(used(R) == 5);
  CHECK(used(R + R) == 6);
  CHECK(used("T" + R + R) == 7);
  CHECK(x.series.at(R"(jsacct_account_api_requests_total{account="B",})") == 9);
  // Six distinct tier labels for the first account, one series for B (untiered, passed twice).
  std::size_t streams_series = 0;
  for (const auto& [k, v] : x.series)
    if (k.starts_with("jsacct_account_streams{")) ++streams_series;
  CHECK(streams_series == 6 + 1);
}

TEST_CASE("int64 / uint64 extremes print exactly in every family") {
  constexpr auto u64_max = std::numeric_limits<std::uint64_t>::max();
  constexpr auto i64_min = std::numeric_limits<std::int64_t>::min();
  constexpr auto i64_max = std::numeric_limits<std::int64_t>::max();
  server_stats s{u64_max, u64_max, u64_max, u64_max, i64_max, i64_min, api_stats{0, u64_max, u64_max, 0}};
  jetstream_config c;
  c.max_memory = i64_max;
  c.max_store = 0;
  account_stats a;
  a.memory = u64_max;
  a.streams = i64_min;
  a.consumers = i64_max;
  a.limits = limits(i64_max, i64_min, i64_max);
  a.api.total = u64_max;
  const std::vector<named_account_stats> accounts{{"A", a}};
  const std::string text = prometheus_text(s, c, accounts);
  INFO(text);
  CHECK(errors_of(parse(text)) == "");
  for (const char* line :
       {"jsacct_server_used_bytes{storage=\"memory\"} 18446744073709551615\n",
        "jsacct_server_limit_bytes{storage=\"memory\"} 9223372036854775807\n", "jsacct_server_limit_bytes{storage=\"file\"} 0\n",
        "jsacct_server_accounts 9223372036854775807\n", "jsacct_server_ha_assets -9223372036854775808\n",
        "jsacct_server_api_requests_total 18446744073709551615\n",
        "jsacct_account_used_bytes{account=\"A\",tier=\"\",storage=\"memory\"} 18446744073709551615\n",
        "jsacct_account_streams{account=\"A\",tier=\"\"} -9223372036854775808\n",
        "jsacct_account_limit_bytes{account=\"A\",tier=\"\",storage=\"memory\"} 9223372036854775807\n",
        "jsacct_account_limit_streams{account=\"A\",tier=\"\"} 9223372036854775807\n"})
    CHECK(text.find(line) != std::string::npos);
  CHECK(text.find("jsacct_account_limit_bytes{account=\"A\",tier=\"\",storage=\"file\"}") ==
        std::string::npos);  // i64_min: unlimited
}
