// SPDX-License-Identifier: Apache-2.0
/// \file
/// Dynamic JetStream server configuration (docs/semantics.md#dynamic-config, `dynJetStreamConfig`)
/// for nats-server main and 2.9.10, and the enable-time config resolution of
/// docs/semantics.md#server-enable steps 3–4 (dynamic vs explicit path, store-dir joining, temp-dir
/// fallback). The machine is reached only through `system_probe`, whose
/// default members read the real system (Linux): sysinfo(2), the cgroup memory
/// limit, statvfs(3) and `$TMPDIR`.
#pragma once

#include "jsacct/config.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "jsacct/facade/detail/paths.hpp"
#include "jsacct/facade/text.hpp"
#include "jsacct/types.hpp"

namespace jsacct {

/// nats-server's JetStreamMaxMemDefault: 256 MiB, used when total memory is unknown.
inline constexpr std::int64_t jetstream_max_mem_default = std::int64_t{256} * 1024 * 1024;
/// nats-server's JetStreamMaxStoreDefault: 1 TiB, used when disk space is unknown.
inline constexpr std::int64_t jetstream_max_store_default = std::int64_t{1024} * 1024 * 1024 * 1024;
/// Name of the directory JetStream appends to the configured store dir.
inline constexpr std::string_view jetstream_store_dir_name = "jetstream";
/// Warning logged when the store dir falls back to the temp directory.
inline constexpr std::string_view temp_store_dir_warning =
    "Temporary storage directory used, data could be lost on system reboot";

namespace detail {

/// Total RAM from sysinfo(2) (`totalram × mem_unit`), 0 on failure.
inline std::int64_t real_total_memory() {
  struct sysinfo info {};
  if (::sysinfo(&info) != 0) return 0;
  const auto total = static_cast<unsigned long long>(info.totalram) * info.mem_unit;
  return total > static_cast<unsigned long long>(max_int64) ? max_int64 : static_cast<std::int64_t>(total);
}

/// Parses a cgroup memory limit file: a decimal byte count, or `max` for none.
inline std::optional<std::int64_t> read_cgroup_limit(const std::string& file) {
  std::ifstream in(file);
  std::string word;
  if (!in || !(in >> word) || word == "max") return std::nullopt;
  std::int64_t v = 0;
  const auto [ptr, parse_err] = std::from_chars(word.data(), word.data() + word.size(), v);
  if (parse_err != std::errc{} || ptr != word.data() + word.size() || v <= 0) return std::nullopt;
  return v;
}

/// The process memory limit: cgroup v2 `/sys/fs/cgroup/memory.max`, else
/// cgroup v1 `/sys/fs/cgroup/memory/memory.limit_in_bytes`; nullopt if none.
/// (cgroup v1's "unlimited" is a huge number, which never undercuts RAM.)
inline std::optional<std::int64_t> real_process_memory_limit() {
  std::error_code fs_err;
  if (std::filesystem::exists("/sys/fs/cgroup/memory.max", fs_err)) return read_cgroup_limit("/sys/fs/cgroup/memory.max");
  return read_cgroup_limit("/sys/fs/cgroup/memory/memory.limit_in_bytes");
}

/// Go's `diskAvailable(dir)` on Linux: creates `dir` (0700, recursively) when
/// missing, then returns `(f_bavail × f_frsize) / 4 × 3` (unsigned, dividing
/// first; clamped to MaxInt64), or 1 TiB when statvfs fails. (Go multiplies
/// by statfs's `f_bsize`; `f_frsize` is the unit `f_bavail` counts in, and the
/// two are equal on common Linux file systems.)
inline std::int64_t real_disk_available(const std::string& dir) {
  (void)go_mkdir_all(dir, 0700);  // failures surface through statvfs
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return jetstream_max_store_default;
  const std::uint64_t avail = static_cast<std::uint64_t>(st.f_bavail) * static_cast<std::uint64_t>(st.f_frsize);
  const std::uint64_t usable = avail / 4 * 3;
  return usable > static_cast<std::uint64_t>(max_int64) ? max_int64 : static_cast<std::int64_t>(usable);
}

/// Go's `os.TempDir()` on Unix: `$TMPDIR` when non-empty, else `/tmp`.
inline std::string real_temp_dir() {
  const char* t = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe): read-only use
  return (t != nullptr && *t != '\0') ? std::string(t) : std::string("/tmp");
}

}  // namespace detail

/// The machine as the dynamic configuration sees it. Every member is
/// replaceable (tests inject fixed values); default-constructed members read
/// the real system. An empty member behaves like a failed probe (0 memory,
/// no limit, 1 TiB disk, `/tmp`).
struct system_probe {
  /// Total system memory in bytes, 0 if unknown.
  std::function<std::int64_t()> total_memory = detail::real_total_memory;
  /// Process memory limit (the C++ analogue of Go's GOMEMLIMIT), nullopt if none.
  std::function<std::optional<std::int64_t>()> process_memory_limit = detail::real_process_memory_limit;
  /// Go's `diskAvailable(dir)`: already the 75% figure (or the 1 TiB fallback);
  /// may create `dir`.
  std::function<std::int64_t(const std::string&)> disk_available = detail::real_disk_available;
  /// The platform temp directory.
  std::function<std::string()> temp_dir = detail::real_temp_dir;

  std::int64_t get_total_memory() const { return total_memory ? total_memory() : 0; }
  std::optional<std::int64_t> get_process_memory_limit() const {
    return process_memory_limit ? process_memory_limit() : std::nullopt;
  }
  std::int64_t get_disk_available(const std::string& dir) const {
    return disk_available ? disk_available(dir) : jetstream_max_store_default;
  }
  std::string get_temp_dir() const { return temp_dir ? temp_dir() : std::string("/tmp"); }
};

/// Which nats-server's rules to follow.
enum class server_version : std::uint8_t { main, v2_9 };

/// Server options the dynamic configuration reads besides its arguments.
struct dyn_options {
  /// `max_file_store` (or `max_file`) appeared in the configuration file, with any value.
  bool max_store_set = false;
  /// `max_mem_store` (or `max_memory_store`, `max_mem`) appeared in the configuration file.
  bool max_mem_set = false;
  /// main: `Strict` of the result (= not `NoJetStreamStrict`).
  bool strict = true;
  /// main: `SyncInterval` of the result, nanoseconds (0 = server default).
  std::int64_t sync_interval_ns = 0;
  /// main: `SyncAlways` of the result.
  bool sync_always = false;
};

/// A configuration together with the log lines producing it emitted.
struct config_result {
  jetstream_config config;
  std::vector<std::string> warnings;  ///< warning-level log lines, in order
  std::vector<std::string> debug;     ///< debug-level log lines, in order
};

/// `dynJetStreamConfig(storeDir, maxStore, maxMem)` (docs/semantics.md#dynamic-config).
///
/// StoreDir: `<store_dir>/jetstream`, or `<temp>/nats/jetstream` (main warns
/// `Temporary storage directory used, data could be lost on system reboot`).
/// main: MaxStore = `max_store` if > 0, or if it is 0 and was explicitly set,
/// else `disk_available(StoreDir)`; MaxMemory = `max_mem` under the same rule,
/// else 75% (`/4*3`) of total memory capped by a lower, positive process memory limit
/// (debug `JetStream detected GOMEMLIMIT of <size>`), or 256 MiB when memory is
/// unknown; Strict/SyncInterval/SyncAlways from `opts`.
/// v2_9: a value is taken only when explicitly set and >= 0; the memory limit
/// is ignored; no warning; no Strict/sync fields.
inline config_result dyn_jetstream_config(std::string_view store_dir, std::int64_t max_store, std::int64_t max_mem,
                                          const dyn_options& opts, const system_probe& probe,
                                          server_version version = server_version::main) {
  config_result r;
  auto& c = r.config;
  if (!store_dir.empty()) {
    c.store_dir = detail::go_join({store_dir, jetstream_store_dir_name});
  } else {
    const std::string tmp = probe.get_temp_dir();
    c.store_dir = detail::go_join({tmp, "nats", jetstream_store_dir_name});
    if (version == server_version::main) r.warnings.emplace_back(temp_store_dir_warning);
  }
  const bool is_main = version == server_version::main;
  if (is_main) {
    c.strict = opts.strict;
    c.sync_interval_ns = opts.sync_interval_ns;
    c.sync_always = opts.sync_always;
  }

  const bool keep_store =
      is_main ? (max_store > 0 || (opts.max_store_set && max_store == 0)) : (opts.max_store_set && max_store >= 0);
  c.max_store = keep_store ? max_store : probe.get_disk_available(c.store_dir);

  const bool keep_mem = is_main ? (max_mem > 0 || (opts.max_mem_set && max_mem == 0)) : (opts.max_mem_set && max_mem >= 0);
  if (keep_mem) {
    c.max_memory = max_mem;
  } else if (std::int64_t sys = probe.get_total_memory(); sys > 0) {
    if (is_main) {
      if (const auto limit = probe.get_process_memory_limit(); limit && *limit > 0 && *limit < sys) {
        r.debug.push_back("JetStream detected GOMEMLIMIT of " + friendly_bytes(*limit));
        sys = *limit;
      }
    }
    c.max_memory = sys / 4 * 3;
  } else {
    c.max_memory = jetstream_max_mem_default;
  }
  return r;
}

/// The configuration `EnableJetStream(cfg)` goes on with (docs/semantics.md#server-enable steps
/// 3–4), computed on a copy (`cfg` is never modified).
///
/// Dynamic path when `cfg` is absent or either limit is <= 0: the dynamic
/// configuration of `cfg`'s store dir and limits, with `cfg`'s Domain (and,
/// main, UniqueTag) put back when non-empty, every other field dropped, and
/// debug `JetStream creating dynamic configuration - <mem> memory, <store> disk`;
/// 2.9.10 then also restores a positive `cfg.max_memory`. Explicit path
/// otherwise: `cfg` with StoreDir `<store_dir>/jetstream` when non-empty.
/// Finally an empty StoreDir becomes `<temp>/jetstream` (note: not
/// `<temp>/nats/jetstream`), with the temp-dir warning in main.
inline config_result resolve_enable_config(const std::optional<jetstream_config>& cfg, const dyn_options& opts,
                                           const system_probe& probe, server_version version = server_version::main) {
  config_result r;
  if (!cfg || cfg->max_memory <= 0 || cfg->max_store <= 0) {
    std::string store_dir, domain, unique_tag;
    std::int64_t max_store = 0, max_mem = 0;
    if (cfg) {
      store_dir = cfg->store_dir;
      domain = cfg->domain;
      unique_tag = cfg->unique_tag;
      max_store = cfg->max_store;
      max_mem = cfg->max_memory;
    }
    r = dyn_jetstream_config(store_dir, max_store, max_mem, opts, probe, version);
    if (!domain.empty()) r.config.domain = domain;
    if (version == server_version::main) {
      if (!unique_tag.empty()) r.config.unique_tag = unique_tag;
    } else if (max_mem > 0) {
      r.config.max_memory = max_mem;  // 2.9.10 only, before the debug line
    }
    r.debug.push_back("JetStream creating dynamic configuration - " + friendly_bytes(r.config.max_memory) + " memory, " +
                      friendly_bytes(r.config.max_store) + " disk");
  } else {
    r.config = *cfg;
    if (!r.config.store_dir.empty()) r.config.store_dir = detail::go_join({r.config.store_dir, jetstream_store_dir_name});
  }
  if (r.config.store_dir.empty()) {
    r.config.store_dir = detail::go_join({probe.get_temp_dir(), jetstream_store_dir_name});
    if (version == server_version::main) r.warnings.emplace_back(temp_store_dir_warning);
  }
  return r;
}

}  // namespace jsacct
