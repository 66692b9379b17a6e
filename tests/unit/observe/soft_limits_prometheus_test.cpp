// SPDX-License-Identifier: Apache-2.0
// observe/prometheus.hpp: the soft-limit series (docs/soft-limits.md) of an
// engine whose counters are known, line by line.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "jsacct/jsacct.hpp"
#include "jsacct/observe/prometheus.hpp"

using namespace jsacct;

namespace {
bool has_line(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }
}  // namespace

TEST_CASE("prometheus: soft-limit counters and warning gauges per account and tier") {
  jetstream_config cfg;
  cfg.max_memory = 1 << 20;
  cfg.max_store = 1 << 20;
  engine js(cfg);
  account_limits l;
  l.max_store = 1000;
  l.max_streams = 1;
  auto acc = js.enable_account("ORDERS", {{"", l}}).value();
  REQUIRE(acc.set_warning_levels("", {0, 0.9, 0, 0, 0}).ok());
  const auto t = acc.tier("");
  acc.update_usage(t, storage_type::file, 1000);  // raised at 900
  CHECK(acc.check_publish(t, storage_type::file, 1, msg_lengths{1, 0, 1}) == errc::account_resources_exceeded);
  auto s = acc.create_stream(stream_config{.name = "A", .storage = storage_type::file}).value();
  CHECK(acc.create_stream(stream_config{.name = "B", .storage = storage_type::file}).error() == errc::maximum_streams_limit);

  std::string text;
  const std::vector<named_soft_status> accounts{{"ORDERS", acc.soft_status()}};
  write_prometheus_soft_limits(text, accounts);
  CHECK(has_line(text, "# TYPE jsacct_account_warnings_total counter"));
  CHECK(has_line(text, "jsacct_account_warnings_total{account=\"ORDERS\",tier=\"\",event=\"raised\"} 1"));
  CHECK(has_line(text, "jsacct_account_warnings_total{account=\"ORDERS\",tier=\"\",event=\"cleared\"} 0"));
  CHECK(has_line(text, "# TYPE jsacct_account_limit_hits_total counter"));
  CHECK(has_line(text, "jsacct_account_limit_hits_total{account=\"ORDERS\",tier=\"\"} 1"));
  CHECK(has_line(text, "# TYPE jsacct_account_refusals_total counter"));
  CHECK(has_line(text, "jsacct_account_refusals_total{account=\"ORDERS\",tier=\"\",reason=\"storage\"} 1"));
  CHECK(has_line(text, "jsacct_account_refusals_total{account=\"ORDERS\",tier=\"\",reason=\"streams\"} 1"));
  CHECK(has_line(text, "jsacct_account_refusals_total{account=\"ORDERS\",tier=\"\",reason=\"other\"} 0"));
  CHECK(has_line(text, "# TYPE jsacct_account_warning gauge"));
  CHECK(has_line(text, "jsacct_account_warning{account=\"ORDERS\",tier=\"\",resource=\"storage_used\"} 1"));
  CHECK(has_line(text, "jsacct_account_warning{account=\"ORDERS\",tier=\"\",resource=\"memory_used\"} 0"));
  CHECK(has_line(text, "jsacct_account_warning{account=\"ORDERS\",tier=\"\",resource=\"streams\"} 0"));
  // Every family has HELP before TYPE, once.
  for (const char* f : {"jsacct_account_warnings_total", "jsacct_account_limit_hits_total", "jsacct_account_refusals_total",
                        "jsacct_account_warning"}) {
    const auto help = text.find(std::string("# HELP ") + f + " ");
    CHECK(help != std::string::npos);
    CHECK(help < text.find(std::string("# TYPE ") + f + " "));
    CHECK(text.find(std::string("# HELP ") + f + " ", help + 1) == std::string::npos);
  }
  // 2 warning series, 1 limit-hit series, 8 refusal reasons, 6 resources; 4 HELP and 4 TYPE lines.
  std::size_t lines = 0;
  for (const char c : text) lines += c == '\n' ? 1 : 0;
  CHECK(lines == 2 + 1 + 8 + 6 + 8);
  CHECK(text.back() == '\n');

  // Nothing without tiers; label values escaped as elsewhere.
  std::string none;
  write_prometheus_soft_limits(none, {});
  CHECK(none.empty());
  std::string odd;
  const std::vector<named_soft_status> quoted{{"a\"b", {tier_soft_status{"R\n1", {}, {}}}}};
  write_prometheus_soft_limits(odd, quoted);
  CHECK(has_line(odd, "jsacct_account_limit_hits_total{account=\"a\\\"b\",tier=\"R\\n1\"} 0"));
}
