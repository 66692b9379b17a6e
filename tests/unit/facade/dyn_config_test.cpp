// SPDX-License-Identifier: Apache-2.0
// Tests of jsacct/facade/dyn_config.hpp: dyn_jetstream_config (docs/semantics.md#dynamic-config) for main
// and 2.9.10 with an injected system probe, the enable-time resolution of docs/semantics.md#server-enable
// steps 3-4, and the real probe defaults.
#include "jsacct/facade/dyn_config.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

using jsacct::config_result;
using jsacct::dyn_jetstream_config;
using jsacct::dyn_options;
using jsacct::jetstream_config;
using jsacct::resolve_enable_config;
using jsacct::server_version;
using jsacct::system_probe;

namespace {

constexpr std::int64_t GiB = std::int64_t{1024} * 1024 * 1024;
constexpr std::int64_t ram = 16 * GiB;
constexpr std::int64_t ram75 = 12 * GiB;
constexpr std::int64_t disk75 = 100 * GiB;  // what the probe reports (already 75%)

struct fake_probe {
  std::vector<std::string> disk_calls;
  std::int64_t total = ram;
  std::optional<std::int64_t> limit;
  system_probe probe() {
    system_probe p;
    p.total_memory = [this] { return total; };
    p.process_memory_limit = [this] { return limit; };
    p.disk_available = [this](const std::string& dir) {
      disk_calls.push_back(dir);
      return disk75;
    };
    p.temp_dir = [] { return std::string("/tmpx"); };
    return p;
  }
};

jetstream_config cfg_of(std::int64_t mem, std::int64_t store, std::string dir = "/data") {
  jetstream_config c;
  c.max_memory = mem;
  c.max_store = store;
  c.store_dir = std::move(dir);
  return c;
}

}  // namespace

TEST_CASE("dyn_jetstream_config: store dir and temp-dir warning (docs/semantics.md#dynamic-config)") {
  fake_probe f;
  auto r = dyn_jetstream_config("/data", 0, 0, {}, f.probe());
  CHECK(r.config.store_dir == "/data/jetstream");
  CHECK(r.warnings.empty());
  REQUIRE(f.disk_calls.size() == 1);
  CHECK(f.disk_calls[0] == "/data/jetstream");  // disk probed at the final store dir

  r = dyn_jetstream_config("/data/", 0, 0, {}, f.probe());
  CHECK(r.config.store_dir == "/data/jetstream");
  r = dyn_jetstream_config("rel/./x/..", 0, 0, {}, f.probe());
  CHECK(r.config.store_dir == "rel/jetstream");

  r = dyn_jetstream_config("", 0, 0, {}, f.probe());
  CHECK(r.config.store_dir == "/tmpx/nats/jetstream");
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0] == "Temporary storage directory used, data could be lost on system reboot");

  r = dyn_jetstream_config("", 0, 0, {}, f.probe(), server_version::v2_9);
  CHECK(r.config.store_dir == "/tmpx/nats/jetstream");
  CHECK(r.warnings.empty());  // 2.9.10 does not warn
}

TEST_CASE("dyn_jetstream_config: main MaxStore / MaxMemory selection") {
  fake_probe f;
  const dyn_options unset{};
  dyn_options set_both;
  set_both.max_store_set = set_both.max_mem_set = true;

  // Positive values are kept whether set or not.
  auto r = dyn_jetstream_config("/d", 5, 7, unset, f.probe());
  CHECK(r.config.max_store == 5);
  CHECK(r.config.max_memory == 7);
  CHECK(f.disk_calls.empty());
  // Zero is kept only when explicitly set.
  r = dyn_jetstream_config("/d", 0, 0, unset, f.probe());
  CHECK(r.config.max_store == disk75);
  CHECK(r.config.max_memory == ram75);
  r = dyn_jetstream_config("/d", 0, 0, set_both, f.probe());
  CHECK(r.config.max_store == 0);
  CHECK(r.config.max_memory == 0);
  // Negative values are dynamic, set or not.
  r = dyn_jetstream_config("/d", -1, -1, set_both, f.probe());
  CHECK(r.config.max_store == disk75);
  CHECK(r.config.max_memory == ram75);
  r = dyn_jetstream_config("/d", -5, -5, unset, f.probe());
  CHECK(r.config.max_store == disk75);
  CHECK(r.config.max_memory == ram75);
  // Flags are independent.
  dyn_options store_only;
  store_only.max_store_set = true;
  r = dyn_jetstream_config("/d", 0, 0, store_only, f.probe());
  CHECK(r.config.max_store == 0);
  CHECK(r.config.max_memory == ram75);
}

TEST_CASE("dyn_jetstream_config: 2.9.10 MaxStore / MaxMemory selection") {
  fake_probe f;
  const dyn_options unset{};
  dyn_options set_both;
  set_both.max_store_set = set_both.max_mem_set = true;
  const auto v29 = server_version::v2_9;

  // Programmatic (never set): even positive values are replaced.
  auto r = dyn_jetstream_config("/d", 5, 7, unset, f.probe(), v29);
  CHECK(r.config.max_store == disk75);
  CHECK(r.config.max_memory == ram75);
  // Set and >= 0: kept, 0 included.
  r = dyn_jetstream_config("/d", 5, 7, set_both, f.probe(), v29);
  CHECK(r.config.max_store == 5);
  CHECK(r.config.max_memory == 7);
  r = dyn_jetstream_config("/d", 0, 0, set_both, f.probe(), v29);
  CHECK(r.config.max_store == 0);
  CHECK(r.config.max_memory == 0);
  // Set and negative: dynamic.
  r = dyn_jetstream_config("/d", -1, -1, set_both, f.probe(), v29);
  CHECK(r.config.max_store == disk75);
  CHECK(r.config.max_memory == ram75);
}

TEST_CASE("dyn_jetstream_config: 75% of memory, divided first, capped by the process limit") {
  fake_probe f;
  f.total = 10;
  CHECK(dyn_jetstream_config("/d", 1, 0, {}, f.probe()).config.max_memory == 6);  // (10/4)*3, not 7
  f.total = 16 * GiB;
  CHECK(dyn_jetstream_config("/d", 1, 0, {}, f.probe()).config.max_memory == 12 * GiB);
  f.total = 3;
  CHECK(dyn_jetstream_config("/d", 1, 0, {}, f.probe()).config.max_memory == 0);
  f.total = 0;  // unknown memory -> 256 MiB
  CHECK(dyn_jetstream_config("/d", 1, 0, {}, f.probe()).config.max_memory == 256 * 1024 * 1024);
  CHECK(dyn_jetstream_config("/d", 1, 0, {}, f.probe(), server_version::v2_9).config.max_memory == 256 * 1024 * 1024);
  f.total = -1;
  CHECK(dyn_jetstream_config("/d", 1, 0, {}, f.probe()).config.max_memory == jsacct::jetstream_max_mem_default);

  f.total = 16 * GiB;
  f.limit = 8 * GiB;
  auto r = dyn_jetstream_config("/d", 1, 0, {}, f.probe());
  CHECK(r.config.max_memory == 6 * GiB);
  REQUIRE(r.debug.size() == 1);
  CHECK(r.debug[0] == "JetStream detected GOMEMLIMIT of 8.00 GB");
  // 2.9.10 ignores the limit.
  r = dyn_jetstream_config("/d", 1, 0, {}, f.probe(), server_version::v2_9);
  CHECK(r.config.max_memory == 12 * GiB);
  CHECK(r.debug.empty());
  // A limit not below RAM changes nothing.
  f.limit = 16 * GiB;
  r = dyn_jetstream_config("/d", 1, 0, {}, f.probe());
  CHECK(r.config.max_memory == 12 * GiB);
  CHECK(r.debug.empty());
  f.limit = 32 * GiB;
  CHECK(dyn_jetstream_config("/d", 1, 0, {}, f.probe()).config.max_memory == 12 * GiB);
  // The limit only matters on the dynamic branch.
  f.limit = 1;
  CHECK(dyn_jetstream_config("/d", 1, 5, {}, f.probe()).config.max_memory == 5);
}

TEST_CASE("dyn_jetstream_config: strict and sync settings come from the options (main only)") {
  fake_probe f;
  dyn_options o;
  o.strict = false;
  o.sync_interval_ns = 120'000'000'000;
  o.sync_always = true;
  auto r = dyn_jetstream_config("/d", 1, 1, o, f.probe());
  CHECK_FALSE(r.config.strict);
  CHECK(r.config.sync_interval_ns == 120'000'000'000);
  CHECK(r.config.sync_always);
  o.strict = true;
  CHECK(dyn_jetstream_config("/d", 1, 1, o, f.probe()).config.strict);
  r = dyn_jetstream_config("/d", 1, 1, o, f.probe(), server_version::v2_9);
  CHECK_FALSE(r.config.strict);
  CHECK(r.config.sync_interval_ns == 0);
  CHECK_FALSE(r.config.sync_always);
}

TEST_CASE("TestJetStreamDynConfigBothPositive: both positive, flags unset, kept verbatim") {
  fake_probe f;
  const std::int64_t max_store = GiB, max_mem = 2 * GiB;
  const auto r = dyn_jetstream_config("/some/dir", max_store, max_mem, dyn_options{}, f.probe());
  CHECK(r.config.max_store == 1073741824);
  CHECK(r.config.max_memory == 2147483648);
}

TEST_CASE("dyn-config outcome table of docs/semantics.md#dynamic-config (programmatic options), main and 2.9.10") {
  struct row {
    std::int64_t mem, store;
    std::int64_t main_mem, main_store;
    std::int64_t v29_mem, v29_store;
  };
  const row rows[] = {
      {0, GiB, ram75, GiB, ram75, disk75},             // only max store
      {2 * GiB, 0, 2 * GiB, disk75, 2 * GiB, disk75},  // only max memory (2.9.10: via the extra override)
      {2 * GiB, GiB, 2 * GiB, GiB, 2 * GiB, GiB},      // both: explicit path
      {0, 0, ram75, disk75, ram75, disk75},            // neither
  };
  for (const auto& r : rows) {
    CAPTURE(r.mem);
    CAPTURE(r.store);
    fake_probe f;
    const auto m = resolve_enable_config(cfg_of(r.mem, r.store), {}, f.probe());
    CHECK(m.config.max_memory == r.main_mem);
    CHECK(m.config.max_store == r.main_store);
    CHECK(m.config.store_dir == "/data/jetstream");
    const auto v = resolve_enable_config(cfg_of(r.mem, r.store), {}, f.probe(), server_version::v2_9);
    CHECK(v.config.max_memory == r.v29_mem);
    CHECK(v.config.max_store == r.v29_store);
    CHECK(v.config.store_dir == "/data/jetstream");
  }
}

TEST_CASE("TestJetStreamProgrammaticMaxStoreAndMaxMemory: positive values kept, 0 becomes dynamic > 0") {
  struct tc {
    const char* name;
    std::int64_t mem, store;
  };
  for (const tc& t :
       {tc{"only-max-store", 0, GiB}, tc{"only-max-memory", 2 * GiB, 0}, tc{"both", 2 * GiB, GiB}, tc{"neither", 0, 0}}) {
    CAPTURE(t.name);
    fake_probe f;
    // Startup turns an unset 0 into -1; both spellings must behave the same.
    for (const std::int64_t unset : {std::int64_t{0}, std::int64_t{-1}}) {
      const auto r = resolve_enable_config(cfg_of(t.mem > 0 ? t.mem : unset, t.store > 0 ? t.store : unset), {}, f.probe());
      if (t.store > 0)
        CHECK(r.config.max_store == t.store);
      else
        CHECK(r.config.max_store > 0);
      if (t.mem > 0)
        CHECK(r.config.max_memory == t.mem);
      else
        CHECK(r.config.max_memory > 0);
    }
  }
}

TEST_CASE("TestJetStreamConfigExplicitZeroLimits: max_mem_store: 0, max_file_store: 0 keep 0") {
  fake_probe f;
  dyn_options file_set;
  file_set.max_mem_set = file_set.max_store_set = true;
  for (const auto v : {server_version::main, server_version::v2_9}) {
    const auto r = resolve_enable_config(cfg_of(0, 0), file_set, f.probe(), v);
    CHECK(r.config.max_memory == 0);
    CHECK(r.config.max_store == 0);
  }
  CHECK(f.disk_calls.empty());
}

TEST_CASE("TestJetStreamConfigNegativeLimitsFallBackToDynamic: -1 in the config file is dynamic") {
  fake_probe f;
  dyn_options file_set;
  file_set.max_mem_set = file_set.max_store_set = true;
  for (const auto v : {server_version::main, server_version::v2_9}) {
    const auto r = resolve_enable_config(cfg_of(-1, -1), file_set, f.probe(), v);
    CHECK(r.config.max_memory > 0);
    CHECK(r.config.max_store > 0);
    CHECK(r.config.max_memory == ram75);
    CHECK(r.config.max_store == disk75);
  }
}

TEST_CASE("config-file cases of docs/semantics.md#dynamic-config (identical in both versions)") {
  for (const auto v : {server_version::main, server_version::v2_9}) {
    fake_probe f;
    // only `max_file_store: 1GB` (memory not in the file -> -1)
    dyn_options store_set;
    store_set.max_store_set = true;
    auto r = resolve_enable_config(cfg_of(-1, GiB), store_set, f.probe(), v);
    CHECK(r.config.max_store == 1073741824);
    CHECK(r.config.max_memory == ram75);
    // unquoted `1G` is decimal
    r = resolve_enable_config(cfg_of(-1, 1000000000), store_set, f.probe(), v);
    CHECK(r.config.max_store == 1000000000);
    CHECK(jsacct::friendly_bytes(r.config.max_store) == "953.67 MB");
    // `max_mem_store: 0` -> memory 0 (nothing fits)
    dyn_options mem_set;
    mem_set.max_mem_set = true;
    r = resolve_enable_config(cfg_of(0, -1), mem_set, f.probe(), v);
    CHECK(r.config.max_memory == 0);
    CHECK(r.config.max_store == disk75);
    // `max_mem_store: -1` -> dynamic
    r = resolve_enable_config(cfg_of(-1, -1), mem_set, f.probe(), v);
    CHECK(r.config.max_memory == ram75);
  }
}

TEST_CASE("resolve_enable_config: dynamic path keeps Domain (and main's UniqueTag) only") {
  fake_probe f;
  jetstream_config in = cfg_of(0, GiB, "/data");
  in.domain = "HUB";
  in.unique_tag = "az";
  in.compress_ok = true;
  in.sync_always = true;
  in.strict = false;
  const jetstream_config before = in;
  dyn_options o;  // strict = true by default
  auto r = resolve_enable_config(in, o, f.probe());
  CHECK(in == before);  // the input is not modified
  CHECK(r.config.domain == "HUB");
  CHECK(r.config.unique_tag == "az");
  CHECK_FALSE(r.config.compress_ok);  // dropped
  CHECK_FALSE(r.config.sync_always);  // taken from the options
  CHECK(r.config.strict);
  CHECK(r.config.store_dir == "/data/jetstream");
  REQUIRE(r.debug.size() == 1);
  CHECK(r.debug[0] == "JetStream creating dynamic configuration - 12.00 GB memory, 1.00 GB disk");
  CHECK(r.warnings.empty());

  r = resolve_enable_config(in, o, f.probe(), server_version::v2_9);
  CHECK(r.config.domain == "HUB");
  CHECK(r.config.unique_tag.empty());  // 2.9.10 does not carry it
  CHECK(r.config.max_store == disk75);
  REQUIRE(r.debug.size() == 1);
  CHECK(r.debug[0] == "JetStream creating dynamic configuration - 12.00 GB memory, 100.00 GB disk");

  // 2.9.10's extra override happens before the debug line.
  in = cfg_of(2 * GiB, 0, "/data");
  r = resolve_enable_config(in, o, f.probe(), server_version::v2_9);
  CHECK(r.config.max_memory == 2 * GiB);
  REQUIRE(r.debug.size() == 1);
  CHECK(r.debug[0] == "JetStream creating dynamic configuration - 2.00 GB memory, 100.00 GB disk");
}

TEST_CASE("resolve_enable_config: absent config and empty store dirs") {
  fake_probe f;
  auto r = resolve_enable_config(std::nullopt, {}, f.probe());
  CHECK(r.config.store_dir == "/tmpx/nats/jetstream");
  CHECK(r.config.max_memory == ram75);
  CHECK(r.config.max_store == disk75);
  REQUIRE(r.warnings.size() == 1);  // from the dynamic config; step 4 does not apply
  CHECK(r.warnings[0] == "Temporary storage directory used, data could be lost on system reboot");

  // Explicit path with an empty store dir: <tmp>/jetstream (not <tmp>/nats/jetstream).
  r = resolve_enable_config(cfg_of(GiB, GiB, ""), {}, f.probe());
  CHECK(r.config.store_dir == "/tmpx/jetstream");
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0] == "Temporary storage directory used, data could be lost on system reboot");
  CHECK(r.debug.empty());
  r = resolve_enable_config(cfg_of(GiB, GiB, ""), {}, f.probe(), server_version::v2_9);
  CHECK(r.config.store_dir == "/tmpx/jetstream");
  CHECK(r.warnings.empty());
}

TEST_CASE("resolve_enable_config: explicit path keeps every field and joins the store dir") {
  fake_probe f;
  jetstream_config in = cfg_of(2 * GiB, GiB, "/srv/nats/");
  in.compress_ok = true;
  in.domain = "D";
  in.unique_tag = "u";
  in.sync_interval_ns = 5;
  const auto r = resolve_enable_config(in, {}, f.probe());
  jetstream_config want = in;
  want.store_dir = "/srv/nats/jetstream";
  CHECK(r.config == want);
  CHECK(r.warnings.empty());
  CHECK(r.debug.empty());
  CHECK(f.disk_calls.empty());
  // Calling twice on the same input does not append twice (the input is a copy).
  CHECK(resolve_enable_config(in, {}, f.probe()).config.store_dir == "/srv/nats/jetstream");
}

TEST_CASE("system_probe: empty members behave like failed probes") {
  system_probe p;
  p.total_memory = nullptr;
  p.process_memory_limit = nullptr;
  p.disk_available = nullptr;
  p.temp_dir = nullptr;
  const auto r = dyn_jetstream_config("", 0, 0, {}, p);
  CHECK(r.config.max_memory == jsacct::jetstream_max_mem_default);
  CHECK(r.config.max_store == jsacct::jetstream_max_store_default);
  CHECK(r.config.store_dir == "/tmp/nats/jetstream");
}

TEST_CASE("system_probe: real defaults") {
  const system_probe p;
  CHECK(p.get_total_memory() > 0);
  if (const auto lim = p.get_process_memory_limit()) CHECK(*lim > 0);

  namespace fs = std::filesystem;
  const fs::path base = fs::temp_directory_path() / ("jsacct-dyn-" + std::to_string(::getpid()));
  fs::remove_all(base);
  const std::string dir = (base / "a" / "jetstream").string();
  const std::int64_t avail = p.get_disk_available(dir);
  CHECK(avail > 0);
  CHECK(fs::is_directory(dir));  // created as a side effect
  CHECK((fs::status(dir).permissions() & fs::perms::all) == fs::perms::owner_all);
  CHECK(avail % 3 == 0);  // (x / 4) * 3
  fs::remove_all(base);
  // statvfs failure (directory cannot be created) -> 1 TiB.
  CHECK(p.get_disk_available("/proc/jsacct-no-such-dir/x") == jsacct::jetstream_max_store_default);

  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  ::setenv("TMPDIR", "/var/custom-tmp", 1);
  CHECK(p.get_temp_dir() == "/var/custom-tmp");
  ::setenv("TMPDIR", "", 1);
  CHECK(p.get_temp_dir() == "/tmp");
  ::unsetenv("TMPDIR");
  CHECK(p.get_temp_dir() == "/tmp");
  if (old) ::setenv("TMPDIR", saved.c_str(), 1);
}

TEST_CASE("cgroup limit parsing") {
  namespace fs = std::filesystem;
  const fs::path f = fs::temp_directory_path() / ("jsacct-cg-" + std::to_string(::getpid()));
  const auto write = [&](const char* text) {
    std::ofstream(f) << text;
    return jsacct::detail::read_cgroup_limit(f.string());
  };
  CHECK(write("max\n") == std::nullopt);
  CHECK(write("8589934592\n") == std::optional<std::int64_t>(8589934592));
  CHECK(write("9223372036854771712\n") == std::optional<std::int64_t>(9223372036854771712));  // cgroup v1 "unlimited"
  CHECK(write("") == std::nullopt);
  CHECK(write("12abc") == std::nullopt);
  fs::remove(f);
  CHECK(jsacct::detail::read_cgroup_limit(f.string()) == std::nullopt);
}
