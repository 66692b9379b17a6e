// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#mirror-dedup-window: nats-server's fixCfgMirrorWithDedupWindow. No upstream
// test calls the helper directly; TestJetStreamStreamMirrorWithoutDuplicateWindow
// (jetstream_test.go) and TestJetStreamClusterMirrorDeDupWindow (jetstream_cluster_2_test.go)
// pin its contract: a mirror carries a duplicates window of 0, and a recovered or assigned mirror
// config with a non-zero window is repaired to 0. Everything else is left as it was.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "core_helpers.hpp"
#include "jsacct/jsacct.hpp"

using namespace jsacct;
using namespace coretest;

namespace {
stream_config mirror_of(std::string origin, std::int64_t window) {
  return stream_config{.name = "M",
                       .storage = storage_type::memory,
                       .max_bytes = 1000,
                       .replicas = 3,
                       .max_msgs = 7,
                       .duplicate_window = window,
                       .mirror = std::move(origin)};
}
}  // namespace

TEST_CASE("fix_cfg_mirror_with_dedup_window: a mirror's non-zero window becomes 0, nothing else changes") {
  for (const std::int64_t w :
       {std::int64_t{1}, std::int64_t{100'000'000}, stream_default_duplicates_window_ns, std::int64_t{-1}, MaxInt64, MinInt64}) {
    CAPTURE(w);
    stream_config c = mirror_of("ORIGIN", w);
    stream_config expected = c;
    expected.duplicate_window = 0;
    CHECK(fix_cfg_mirror_with_dedup_window(c));
    CHECK(c == expected);                              // only the window moved
    CHECK_FALSE(fix_cfg_mirror_with_dedup_window(c));  // idempotent: a second call changes nothing
    CHECK(c == expected);
  }
}

TEST_CASE("fix_cfg_mirror_with_dedup_window: a mirror with window 0 is left alone and reports no change") {
  stream_config c = mirror_of("ORIGIN", 0);
  const stream_config before = c;
  CHECK_FALSE(fix_cfg_mirror_with_dedup_window(c));
  CHECK(c == before);
}

TEST_CASE("fix_cfg_mirror_with_dedup_window: a mirror without an origin name is still a mirror (Go: Mirror != nil)") {
  stream_config c = mirror_of("", 60'000'000'000);
  CHECK(fix_cfg_mirror_with_dedup_window(c));
  CHECK(c.duplicate_window == 0);
  CHECK(c.mirror == std::string());
}

TEST_CASE("fix_cfg_mirror_with_dedup_window: streams that are not mirrors keep their window") {
  for (const std::int64_t w : {std::int64_t{0}, stream_default_duplicates_window_ns, std::int64_t{-1}, MaxInt64, MinInt64}) {
    CAPTURE(w);
    stream_config c{.name = "S", .duplicate_window = w};
    const stream_config before = c;
    CHECK_FALSE(fix_cfg_mirror_with_dedup_window(c));
    CHECK(c == before);
  }
}

TEST_CASE("stream_default_duplicates_window_ns is nats-server's StreamDefaultDuplicatesWindow (2 minutes)") {
  CHECK(stream_default_duplicates_window_ns == std::int64_t{2} * 60 * 1000 * 1000 * 1000);
}

TEST_CASE_TEMPLATE("a recovered mirror config: repaired first, then created without limit checks, and kept as repaired", E,
                   engine, engine_v29) {
  // docs/semantics.md#stream-restore and docs/semantics.md#mirror-dedup-window: nats-server repairs a config read from
  // disk before it creates the stream from it; the engine stores the config it was given.
  E js(server(GiB, GiB), {.mode = deployment::clustered});
  auto a = js.enable_account("A").value();
  stream_config stored = mirror_of("ORIGIN", stream_default_duplicates_window_ns);  // what an old release wrote
  CHECK(fix_cfg_mirror_with_dedup_window(stored));
  auto s = a.create_stream(stored, create_options{.raw_precheck = false, .check_limits = false});
  REQUIRE(s.has_value());
  CHECK(s->config().duplicate_window == 0);
  CHECK(s->config().mirror == std::string("ORIGIN"));
  // A mirror reserves like any stream: its max_bytes on this server (docs/semantics.md#reserve-release).
  CHECK(js.reserved().mem == 1000);
  // The identical config compares equal; the unrepaired one does not (the create's identical-config check).
  CHECK(s->config() == stored);
  CHECK_FALSE(s->config() == mirror_of("ORIGIN", stream_default_duplicates_window_ns));
}
