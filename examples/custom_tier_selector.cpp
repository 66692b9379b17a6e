// SPDX-License-Identifier: Apache-2.0
// A custom tier_selector: tiers named by the stream's placement tag ("gold",
// "silver") instead of its replica count. The engine keeps every other rule:
// untiered "" limits win, a tier without limits is refused with 10120, and
// max_streams / reservations are summed per tier.
#include <cstdio>
#include <string_view>

#include "jsacct/jsacct.hpp"

namespace {

/// The tier of a stream is its placement tag; untagged streams are "silver".
/// tier_of must be const and noexcept; it may return a view into the config.
struct tag_tiers {
  std::string_view tier_of(const jsacct::stream_config& c) const noexcept {
    return c.placement_tag.empty() ? std::string_view("silver") : std::string_view(c.placement_tag);
  }
};
static_assert(jsacct::tier_selector<tag_tiers>);

// main semantics, tiers by tag, thread-safe counters.
using tag_engine = jsacct::basic_engine<jsacct::main_limits, tag_tiers>;

jsacct::stream_config tagged(const char* name, const char* tag, std::int64_t max_bytes) {
  auto c = jsacct::stream_config{.name = name, .storage = jsacct::storage_type::file, .max_bytes = max_bytes};
  c.placement_tag = tag;
  return c;
}

void show(const char* what, const jsacct::api_error& e) { std::printf("%-38s -> %s\n", what, e ? e.text().c_str() : "ok"); }

}  // namespace

int main() {
  using namespace jsacct;
  jetstream_config server;
  server.max_memory = 1 << 20;
  server.max_store = 1 << 30;
  tag_engine js(server);

  // Tiered limits keyed by tag: gold gets 1 MB and 1 stream, silver 100 kB and 5 streams.
  account_limits gold = dynamic_account_limits, silver = dynamic_account_limits;
  gold.max_store = 1'000'000;
  gold.max_streams = 1;
  silver.max_store = 100'000;
  silver.max_streams = 5;
  auto acct = js.enable_account("ACME", {{"gold", gold}, {"silver", silver}}).value();

  auto orders = acct.create_stream(tagged("ORDERS", "gold", 800'000));
  show("ORDERS (gold, 800 kB)", orders ? api_error{} : orders.error());
  auto audit = acct.create_stream(tagged("AUDIT", "gold", 1'000));
  show("AUDIT (gold, second gold stream)", audit ? api_error{} : audit.error());  // 10027
  auto logs = acct.create_stream(tagged("LOGS", "", 200'000));
  show("LOGS (untagged = silver, 200 kB)", logs ? api_error{} : logs.error());  // 10047: over silver's 100 kB
  auto bronze = acct.create_stream(tagged("OLD", "bronze", 10));
  show("OLD (bronze: no limits)", bronze ? api_error{} : bronze.error());  // 10120

  // Usage lands in the stream's tier.
  orders->add_usage(4'096);
  const account_stats s = acct.usage();
  for (const auto& [tier, t] : s.tiers)
    std::printf("tier %-6s storage %6llu / %7lld bytes, streams %lld\n", tier.c_str(), static_cast<unsigned long long>(t.store),
                static_cast<long long>(t.limits.max_store), static_cast<long long>(t.streams));
  return orders && !audit && !logs && !bronze && s.tiers.at("gold").store == 4'096 ? 0 : 1;
}
