// SPDX-License-Identifier: Apache-2.0
// Observing an engine: the Prometheus text exposition of the server and two
// accounts, with ORDERS' soft-limit counters and warnings
// (jsacct/observe/prometheus.hpp, no dependencies) and, when built
// with nlohmann_json, an account's $JS.API.INFO JSON (jsacct/observe/json.hpp).
#include <cstdio>
#include <string>
#include <vector>

#include "jsacct/jsacct.hpp"
#include "jsacct/observe/prometheus.hpp"
#ifdef JSACCT_EXAMPLE_JSON
#include "jsacct/observe/json.hpp"
#endif

int main() {
  using namespace jsacct;
  jetstream_config server;
  server.max_memory = 1 << 20;
  server.max_store = 10 << 20;
  server.domain = "HUB";
  engine js(server);

  account_limits lim = dynamic_account_limits;
  lim.max_store = 100'000;
  lim.max_streams = 3;
  auto orders = js.enable_account("ORDERS", {{"", lim}}).value();
  // Warn at 50% of every ORDERS limit (docs/soft-limits.md): the stream below raises two warnings,
  // its 50'000 bytes reserved of 100'000 and 1 stream of 3 (floor(3 * 0.5) = 1).
  if (!orders.set_default_warning_levels(warn_all_at(0.5))) return 1;
  auto s = orders.create_stream(stream_config{.name = "NEW", .storage = storage_type::file, .max_bytes = 50'000}).value();
  s.add_usage(static_cast<std::int64_t>(file_store_msg_size({.subject = 7, .header = 0, .payload = 500})));
  orders.track_api();
  auto billing = js.enable_account("BILLING").value();  // dynamic limits: no limit series
  auto b = billing.create_stream(stream_config{.name = "INVOICES", .storage = storage_type::memory}).value();
  b.add_usage(1'024);

  // Which accounts get per-account series is the embedder's choice (cardinality).
  const std::vector<named_account_stats> accounts{{"ORDERS", orders.usage()}, {"BILLING", billing.usage()}};
  std::string text = prometheus_text(js.usage_stats(), js.config(), accounts);
  // Soft-limit counters and warning gauges (same per-account choice).
  const std::vector<named_soft_status> soft{{"ORDERS", orders.soft_status()}};
  write_prometheus_soft_limits(text, soft);
  std::fputs(text.c_str(), stdout);

#ifdef JSACCT_EXAMPLE_JSON
  // nats-server main's $JS.API.INFO body (ordered_json keeps Go's key order).
  auto info = account_json<nlohmann::ordered_json>(orders.usage(), json_options_for<engine::checker>());
  std::printf("\n$JS.API.INFO (ORDERS): %s\n", info.dump(2).c_str());
  std::printf("/jsz (JetStream part): %s\n", jsz_json<nlohmann::ordered_json>(js.usage_stats(), js.config()).dump().c_str());
#endif
  return 0;
}
