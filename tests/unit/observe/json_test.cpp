// SPDX-License-Identifier: Apache-2.0
// observe/json.hpp: nats-server's JSON for the snapshot structs (docs/semantics.md#server-config to
// docs/semantics.md#server-stats, docs/semantics.md#account-usage-snapshot). Round trip of every recorded $JS.API.INFO body and
// /jsz JetStream part of the conformance scenarios (nats-server 2.9.10), byte-exact Go key order with ordered_json, omitempty
// rules, engine snapshots.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "jsacct/jsacct.hpp"
#include "jsacct/observe/json.hpp"
#include "jsacct/wire/cluster_usage.hpp"

#ifndef JSACCT_CONFORMANCE_DIR
#error "JSACCT_CONFORMANCE_DIR must name tests/conformance"
#endif

using namespace jsacct;
using nlohmann::json;
using nlohmann::ordered_json;

namespace {

/// Every *.expected.json of tests/conformance/{public,own}, sorted.
std::vector<std::filesystem::path> recordings() {
  std::vector<std::filesystem::path> out;
  for (const char* sub : {"public", "own"}) {
    for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(JSACCT_CONFORMANCE_DIR) / sub)) {
      const std::string n = e.path().filename().string();
      if (n.size() > 14 && n.ends_with(".expected.json")) out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

json load(const std::filesystem::path& p) {
  std::ifstream in(p);
  REQUIRE(in.good());
  return json::parse(in);
}

account_limits limits(std::int64_t mem, std::int64_t store, std::int64_t streams, std::int64_t consumers) {
  account_limits l = dynamic_account_limits;
  l.max_memory = mem;
  l.max_store = store;
  l.max_streams = streams;
  l.max_consumers = consumers;
  return l;
}

jetstream_config server(std::int64_t mem, std::int64_t store) {
  jetstream_config c;
  c.max_memory = mem;
  c.max_store = store;
  return c;
}

}  // namespace

TEST_CASE("round trip: every recorded account_info result (nats-server 2.9.10 $JS.API.INFO without type and api)") {
  const auto files = recordings();
  REQUIRE(files.size() >= 61);  // 12 public + 49 own scenarios
  int bodies = 0, tiered = 0;
  for (const auto& f : files) {
    const json doc = load(f);
    for (const auto& r : doc.at("results")) {
      if (r.at("op") != "account_info" || !r.contains("result")) continue;
      const json& want = r.at("result");
      INFO(f.filename().string() << " op " << r.at("i").dump() << ": " << want.dump());
      const auto s = want.get<account_stats>();
      // 2.9.10 rendering: no reserved_*; the recording strips "api".
      json got = account_json(s, json_options{.reserved = false, .api = false});
      CHECK(got == want);
      CHECK(got.dump() == want.dump());  // same number spelling and (sorted) keys
      // And nothing is lost going the other way.
      CHECK(got.get<account_stats>() == s);
      ++bodies;
      if (s.tiers.size() > 0) ++tiered;
    }
  }
  MESSAGE("account_info bodies round-tripped: " << bodies << " (" << tiered << " tiered)");
  CHECK(bodies == 178);
  CHECK(tiered == 43);
}

TEST_CASE("round trip: every recorded server_info result (the /jsz fields that map onto server_stats and jetstream_config)") {
  int n = 0, beyond = 0;
  for (const auto& f : recordings()) {
    const json doc = load(f);
    for (const auto& r : doc.at("results")) {
      if (r.at("op") != "server_info" || !r.contains("result")) continue;
      const json& res = r.at("result");
      INFO(f.filename().string() << " op " << r.at("i").dump() << ": " << res.dump());
      // A cluster record sums three servers' unsigned counters; a sum beyond 2^64 - 1 (wrapped
      // reservations) is no single server's value and parses as a float.
      if (std::any_of(res.begin(), res.end(), [](const json& v) { return v.is_number_float(); })) {
        ++beyond;
        continue;
      }
      const auto cfg = res.at("config").get<jetstream_config>();
      const auto st = res.get<server_stats>();
      json got = jsz_json(st, cfg);
      got.erase("api");  // the recording has no API counters
      // The oracle also reports stream/consumer/message totals, which are not
      // JetStreamStats fields (they come from the embedder's streams).
      json want = res;
      for (const char* k : {"streams", "consumers", "messages", "bytes"}) want.erase(k);
      CHECK(got == want);
      CHECK(got.dump() == want.dump());
      CHECK(jsz_json(st, cfg).at("config").get<jetstream_config>() == cfg);
      ++n;
    }
  }
  MESSAGE("server_info results round-tripped: " << n << " (" << beyond << " cluster sums beyond 2^64 - 1 skipped)");
  CHECK(n == 114);
  CHECK(beyond == 1);
}

TEST_CASE(
    "docs/semantics.md#account-usage-snapshot oracle example, byte for byte: 2.9.10 engine snapshot rendered with ordered_json") {
  engine_v29 eng(server(std::int64_t{1} << 30, std::int64_t{1} << 30));
  auto acc = eng.enable_account("A", {{"", limits(500, 1000, 2, 3)}}).value();
  auto s = acc.create_stream(stream_config{.name = "S", .storage = storage_type::file}).value();
  s.add_usage(static_cast<std::int64_t>(file_store_msg_size(msg_lengths{1, 0, 5})));
  acc.track_api();
  acc.track_api();
  ordered_json j;
  j["type"] = "io.nats.jetstream.api.v1.account_info_response";
  j.update(account_json<ordered_json>(acc.usage(), json_options_for<engine_v29::checker>()));
  CHECK(
      j.dump() ==
      R"({"type":"io.nats.jetstream.api.v1.account_info_response","memory":0,"storage":36,"streams":1,"consumers":0,)"
      R"("limits":{"max_memory":500,"max_storage":1000,"max_streams":2,"max_consumers":3,"max_ack_pending":-1,)"
      R"("memory_max_stream_bytes":-1,"storage_max_stream_bytes":-1,"max_bytes_required":false},"api":{"total":2,"errors":0}})");
}

TEST_CASE("docs/semantics.md#account-usage-snapshot main: reserved_* after storage and api.level first, when asked") {
  jetstream_config cfg = server(std::int64_t{1} << 30, std::int64_t{1} << 30);
  cfg.domain = "HUB";
  engine eng(cfg);
  auto acc = eng.enable_account("A", {{"", limits(500, 1000, 2, 3)}}).value();
  auto s = acc.create_stream(stream_config{.name = "S", .storage = storage_type::file, .max_bytes = 700}).value();
  s.add_usage(36);
  acc.track_api_error();
  const account_stats u = acc.usage();
  const auto opts = json_options_for<engine::checker>();
  CHECK(opts.reserved);
  CHECK(account_json<ordered_json>(u, opts).dump() ==
        R"({"memory":0,"storage":36,"reserved_memory":0,"reserved_storage":700,"streams":1,"consumers":0,)"
        R"("limits":{"max_memory":500,"max_storage":1000,"max_streams":2,"max_consumers":3,"max_ack_pending":-1,)"
        R"("memory_max_stream_bytes":-1,"storage_max_stream_bytes":-1,"max_bytes_required":false},)"
        R"("domain":"HUB","api":{"level":5,"total":1,"errors":1}})");
  // The ADL default: no reserved fields.
  const json plain = u;
  CHECK_FALSE(plain.contains("reserved_storage"));
  CHECK(plain.at("api").at("level") == 5);
  // Lossless with the reserved fields.
  CHECK(account_json(u, opts).get<account_stats>() == u);
}

TEST_CASE("tiered main account: tiers sorted, each with its limits and (when asked) reserved bytes; top-level limits zero") {
  engine eng(server(std::int64_t{1} << 30, std::int64_t{1} << 30));
  limits_map tiers{{"R1", limits(100, 2000, 3, -1)}, {"R3", limits(0, 9000, -1, -1)}};
  auto acc = eng.enable_account("T", tiers).value();
  auto s = acc.create_stream(stream_config{.name = "S", .storage = storage_type::file, .max_bytes = 1500}).value();
  s.add_usage(50);
  const account_stats u = acc.usage();
  const ordered_json j = account_json<ordered_json>(u, json_options_for<engine::checker>());
  CHECK_FALSE(j.contains("domain"));
  REQUIRE(j.contains("tiers"));
  std::vector<std::string> keys;
  for (auto it = j["tiers"].begin(); it != j["tiers"].end(); ++it) keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{"R1", "R3"});
  CHECK(j["tiers"]["R1"].dump() ==
        R"({"memory":0,"storage":50,"reserved_memory":0,"reserved_storage":1500,"streams":1,"consumers":0,)"
        R"("limits":{"max_memory":100,"max_storage":2000,"max_streams":3,"max_consumers":-1,"max_ack_pending":-1,)"
        R"("memory_max_stream_bytes":-1,"storage_max_stream_bytes":-1,"max_bytes_required":false}})");
  CHECK(j["limits"] == ordered_json(zero_account_limits));
  CHECK(j["limits"]["max_memory"] == 0);
  CHECK(j["storage"] == 50);
  CHECK(account_json(u, json_options_for<engine::checker>()).get<account_stats>() == u);
}

TEST_CASE("api_stats: level omitted when 0, inflight omitempty, order level/total/errors/inflight") {
  CHECK(ordered_json(api_stats{}).dump() == R"({"total":0,"errors":0})");
  CHECK(ordered_json(api_stats{5, 7, 2, 0}).dump() == R"({"level":5,"total":7,"errors":2})");
  CHECK(ordered_json(api_stats{5, 7, 2, 3}).dump() == R"({"level":5,"total":7,"errors":2,"inflight":3})");
  CHECK(json::parse(R"({"level":5,"total":7,"errors":2,"inflight":3})").get<api_stats>() == api_stats{5, 7, 2, 3});
  CHECK(json::parse(R"({"total":18446744073709551615,"errors":1})").get<api_stats>() == api_stats{0, UINT64_MAX, 1, 0});
}

TEST_CASE("server_stats: the JetStreamStats fields in Go order, api always present") {
  server_stats s;
  s.memory = 1;
  s.store = 2;
  s.reserved_memory = 3;
  s.reserved_store = UINT64_MAX;  // a negative server reservation, as nats-server shows it
  s.accounts = 4;
  s.ha_assets = 5;
  s.api = {5, 6, 7, 0};
  CHECK(ordered_json(s).dump() ==
        R"({"memory":1,"storage":2,"reserved_memory":3,"reserved_storage":18446744073709551615,"accounts":4,"ha_assets":5,)"
        R"("api":{"level":5,"total":6,"errors":7}})");
  CHECK(json(s).get<server_stats>() == s);
  engine eng(server(1000, 2000));
  (void)eng.enable_account("A");
  const auto jsz = jsz_json<ordered_json>(eng.usage_stats(), eng.config());
  CHECK(jsz.dump() ==
        R"({"config":{"max_memory":1000,"max_storage":2000},"memory":0,"storage":0,"reserved_memory":0,"reserved_storage":0,)"
        R"("accounts":1,"ha_assets":0,"api":{"level":5,"total":0,"errors":0}})");
}

TEST_CASE("jetstream_config: docs/semantics.md#server-config names, omitempty except max_memory / max_storage") {
  CHECK(ordered_json(jetstream_config{}).dump() == R"({"max_memory":0,"max_storage":0})");
  jetstream_config c;
  c.max_memory = -1;
  c.max_store = 1 << 20;
  c.store_dir = "/data/jetstream";
  c.sync_interval_ns = 120'000'000'000;
  c.sync_always = true;
  c.domain = "HUB";
  c.compress_ok = true;
  c.unique_tag = "az";
  c.strict = true;
  const ordered_json j = c;
  CHECK(j.dump() == R"({"max_memory":-1,"max_storage":1048576,"store_dir":"/data/jetstream","sync_interval":120000000000,)"
                    R"("sync_always":true,"domain":"HUB","compress_ok":true,"unique_tag":"az","strict":true})");
  CHECK(j.get<jetstream_config>() == c);
}

TEST_CASE("parsing is lenient: missing keys default, unknown keys ignored, wrong types throw") {
  const auto s =
      json::parse(R"({"type":"io.nats.jetstream.api.v1.account_info_response","storage":7,"extra":[1]})").get<account_stats>();
  CHECK(s.store == 7);
  CHECK(s.limits == zero_account_limits);
  CHECK(s.tiers.empty());
  CHECK_THROWS_AS(json::parse(R"({"storage":"7"})").get<account_stats>(), json::type_error);
  CHECK(json::parse(R"({"limits":null})").get<tier_stats>() == tier_stats{});
}

// ---------------------------------------------------------------------------- invalid UTF-8 (issue 17 item 6)

TEST_CASE("tier names a peer sent in invalid UTF-8 serialize as Go does (dump() threw type_error 316)") {
  engine eng(server(1 << 20, 1 << 30), {.mode = deployment::clustered});
  auto acc = eng.enable_account("A", {{"R1", limits(-1, -1, -1, -1)}}).value();
  const std::vector<usage_record> recs{
      {"R1", 0, 3},
      {"R\xFE", 0, 1},          // collides with the next one once replaced
      {"R\xFF", 0, 2},          // lone invalid byte
      {"A\xED\xA0\x80", 0, 4},  // an encoded surrogate
      {"\x80", 0, 5},           // lone continuation byte
      {"\xC0\xAF", 0, 6},       // overlong
      {"T\xE2\x82", 0, 7},      // truncated at the end
  };
  std::string msg;
  encode_usage_update(0, 0, recs, msg);
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", msg).ok());
  const account_stats s = acc.usage();
  REQUIRE(s.tiers.size() == 7);

  std::string text;
  CHECK_NOTHROW(text = json(s).dump());
  CHECK_NOTHROW((void)ordered_json(s).dump());
  const json got = json::parse(text);
  // Go 1.19's json.Marshal of the same tiers (storage only), as text: invalid bytes -> \ufffd,
  // "R\xFE" and "R\xFF" both -> "R\ufffd" (twice, in byte order; parsing keeps the later).
  const json go =
      json::parse(R"({"A\ufffd\ufffd\ufffd":{"storage":4},"R1":{"storage":3},"R\ufffd":{"storage":1},"R\ufffd":{"storage":2},)"
                  R"("T\ufffd\ufffd":{"storage":7},"\ufffd":{"storage":5},"\ufffd\ufffd":{"storage":6}})");
  REQUIRE(got.at("tiers").size() == go.size());
  for (auto it = go.begin(); it != go.end(); ++it) {
    CAPTURE(it.key());
    REQUIRE(got.at("tiers").contains(it.key()));
    CHECK(got.at("tiers").at(it.key()).at("storage") == it.value().at("storage"));
  }
  CHECK(got.at("tiers").at("R\xEF\xBF\xBD").at("storage") == 2);
  CHECK(got.at("storage") == 28);
}

TEST_CASE("config strings with invalid UTF-8 (a store dir is bytes) serialize as Go does") {
  jetstream_config c;
  c.max_memory = 1;
  c.max_store = 2;
  c.store_dir = "/data/\xFF\xFE";
  c.domain = "d\xC3";
  c.unique_tag = "az\x80";
  std::string text;
  CHECK_NOTHROW(text = ordered_json(c).dump());
  // Go: {"domain":"d\ufffd","store_dir":"/data/\ufffd\ufffd"} for the same two strings.
  const json got = json::parse(text);
  CHECK(got.at("store_dir") == "/data/\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(got.at("domain") == "d\xEF\xBF\xBD");
  CHECK(got.at("unique_tag") == "az\xEF\xBF\xBD");
  account_stats s;
  s.domain = "x\xF5";
  CHECK(json::parse(json(s).dump()).at("domain") == "x\xEF\xBF\xBD");
  server_stats ss;
  CHECK_NOTHROW((void)jsz_json(ss, c).dump());
}

TEST_CASE("int64 / uint64 extremes round-trip through the JSON of every snapshot struct") {
  constexpr auto u64_max = std::numeric_limits<std::uint64_t>::max();
  constexpr auto i64_min = std::numeric_limits<std::int64_t>::min();
  constexpr auto i64_max = std::numeric_limits<std::int64_t>::max();
  account_limits l;
  l.max_memory = i64_min;
  l.max_store = i64_max;
  l.max_streams = -1;
  l.max_consumers = i64_min;
  l.max_ack_pending = i64_max;
  l.memory_max_stream_bytes = i64_max;
  l.store_max_stream_bytes = i64_min;
  account_stats s;
  s.memory = u64_max;
  s.store = u64_max - 1;
  s.reserved_memory = u64_max;
  s.reserved_store = 0;
  s.streams = i64_max;
  s.consumers = i64_min;
  s.api = api_stats{i64_max, u64_max, u64_max, u64_max};
  s.tiers["R1"] = tier_stats{u64_max, 1, u64_max, u64_max, i64_min, i64_max, l};
  const json_options o{.reserved = true, .api = true};
  for (const std::string& text : {account_json(s, o).dump(), account_json<ordered_json>(s, o).dump()}) {
    CAPTURE(text);
    const auto back = json::parse(text).get<account_stats>();
    CHECK(back.tiers == s.tiers);
    CHECK(back.api == s.api);
    CHECK(static_cast<const tier_stats&>(back) == static_cast<const tier_stats&>(s));
  }
  CHECK(json(s).at("memory").dump() == "18446744073709551615");
  CHECK(json(s).at("consumers").dump() == "-9223372036854775808");
  server_stats ss{u64_max, u64_max, u64_max, u64_max, i64_min, i64_max, api_stats{0, u64_max, u64_max, u64_max}};
  CHECK(json(ss).get<server_stats>() == ss);
  jetstream_config c;
  c.max_memory = i64_min;
  c.max_store = i64_max;
  c.sync_interval_ns = i64_max;
  CHECK(json(c).get<jetstream_config>().max_memory == i64_min);
  CHECK(json(c).get<jetstream_config>().sync_interval_ns == i64_max);
  CHECK_NOTHROW((void)jsz_json(ss, c).dump());
}

TEST_CASE("an integer field refuses a number that is not an integer in its range, as Go's json.Unmarshal does") {
  // nlohmann's own conversion truncated 1.5, wrapped -1 into an unsigned field, and
  // converting 1e300 to an integer was undefined behavior (UBSan: "outside the range of
  // representable values"). Each line names the key, the value and the range.
  struct refused {
    const char* text;
    const char* what;
  };
  for (const refused& r : {
           refused{R"({"storage":1e300})", R"("storage" must be an integer from 0 to 18446744073709551615, but is 1e+300)"},
           refused{R"({"storage":-1e300})", R"("storage" must be an integer from 0 to 18446744073709551615, but is -1e+300)"},
           refused{R"({"memory":-1})", R"("memory" must be an integer from 0 to 18446744073709551615, but is -1)"},
           refused{R"({"memory":1.5})", R"("memory" must be an integer from 0 to 18446744073709551615, but is 1.5)"},
           refused{R"({"memory":1e3})", R"("memory" must be an integer from 0 to 18446744073709551615, but is 1000.0)"},
           refused{R"({"memory":true})", R"("memory" must be an integer from 0 to 18446744073709551615, but is true)"},
           refused{
               R"({"streams":9223372036854775808})",
               R"("streams" must be an integer from -9223372036854775808 to 9223372036854775807, but is 9223372036854775808)"},
           refused{R"({"consumers":-1e19})",
                   R"("consumers" must be an integer from -9223372036854775808 to 9223372036854775807, but is -1e+19)"},
           refused{R"({"limits":{"max_memory":1e19}})",
                   R"("max_memory" must be an integer from -9223372036854775808 to 9223372036854775807, but is 1e+19)"},
           refused{R"({"api":{"total":-1}})", R"("total" must be an integer from 0 to 18446744073709551615, but is -1)"},
           refused{R"({"api":{"level":1e300}})",
                   R"("level" must be an integer from -9223372036854775808 to 9223372036854775807, but is 1e+300)"},
           refused{R"({"tiers":{"R1":{"reserved_storage":18446744073709551616}}})",
                   R"("reserved_storage" must be an integer from 0 to 18446744073709551615, but is 1.8446744073709552e+19)"},
       }) {
    CAPTURE(r.text);
    const json j = json::parse(r.text);
    try {
      (void)j.get<account_stats>();
      FAIL("accepted");
    } catch (const json::type_error& e) {
      CHECK(e.id == 302);
      CHECK(std::string_view(e.what()).ends_with(r.what));
    }
  }
  CHECK_THROWS_AS(json::parse(R"({"accounts":0.5})").get<server_stats>(), json::type_error);
  CHECK_THROWS_AS(json::parse(R"({"ha_assets":-1e300})").get<server_stats>(), json::type_error);
  CHECK_THROWS_AS(json::parse(R"({"sync_interval":1e300})").get<jetstream_config>(), json::type_error);
  CHECK_THROWS_AS(json::parse(R"({"max_storage":9.3e18})").get<jetstream_config>(), json::type_error);
  // Every integer in range still parses, including both ends of each type.
  const auto s = json::parse(R"({"memory":18446744073709551615,"storage":0,"streams":-9223372036854775808,)"
                             R"("consumers":9223372036854775807,"limits":{"max_memory":-1,"max_storage":9223372036854775807}})")
                     .get<account_stats>();
  CHECK(s.memory == std::numeric_limits<std::uint64_t>::max());
  CHECK(s.streams == std::numeric_limits<std::int64_t>::min());
  CHECK(s.consumers == std::numeric_limits<std::int64_t>::max());
  CHECK(s.limits.max_memory == -1);
  CHECK(s.limits.max_store == std::numeric_limits<std::int64_t>::max());
}
