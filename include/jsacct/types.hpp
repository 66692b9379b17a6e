// SPDX-License-Identifier: Apache-2.0
/// \file
/// Vocabulary types (docs/semantics.md#vocabulary): storage type, account limits per tier, the
/// stream-config subset the engine needs, the server JetStream config and the
/// usage snapshots, with nats-server's JSON field names noted on each field.
#pragma once

#include "jsacct/config.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace jsacct {

/// Storage type (docs/semantics.md#storage-types). Values are Go's numeric values. An unset type (0)
/// is normalized to file by stream validation. Usage accounting treats
/// everything that is not memory as file; reservation checks ignore other values.
enum class storage_type : std::uint8_t { unset = 0, file = 22, memory = 33 };

/// JSON name: "file" / "memory" ("" for any other value).
constexpr std::string_view to_json(storage_type t) noexcept {
  return t == storage_type::file ? "file" : t == storage_type::memory ? "memory" : "";
}
/// Display name used in logs: "File", "Memory", "Unknown Storage Type".
constexpr std::string_view display_name(storage_type t) noexcept {
  return t == storage_type::file ? "File" : t == storage_type::memory ? "Memory" : "Unknown Storage Type";
}

/// Per-tier account limits (docs/semantics.md#account-limits, docs/semantics.md#limit-values). JSON names in comments; every key
/// is always present in JSON. For max_memory/max_storage a negative value is
/// unlimited and 0 is a real limit of zero bytes; for the counts and the
/// per-stream caps, 0 and negatives are both unlimited.
///
/// `account_limits{}` is unlimited (every numeric field -1, nats-server's
/// dynamicJSAccountLimits), so a forgotten field never becomes a zero-byte
/// limit. Set only what you limit: `account_limits{.max_memory = 1 << 20,
/// .max_store = 1 << 30}`. A limit of zero bytes is `zero_account_limits`
/// (Go's zero value, which is also what a snapshot reports for a tier without limits).
struct account_limits {
  std::int64_t max_memory = -1;               ///< "max_memory"
  std::int64_t max_store = -1;                ///< "max_storage"
  std::int64_t max_streams = -1;              ///< "max_streams"
  std::int64_t max_consumers = -1;            ///< "max_consumers"
  std::int64_t max_ack_pending = -1;          ///< "max_ack_pending"
  std::int64_t memory_max_stream_bytes = -1;  ///< "memory_max_stream_bytes"
  std::int64_t store_max_stream_bytes = -1;   ///< "storage_max_stream_bytes"
  bool max_bytes_required = false;            ///< "max_bytes_required"
  friend bool operator==(const account_limits&, const account_limits&) = default;
};

/// Unlimited: every numeric field -1 (the default of `account_limits{}`).
inline constexpr account_limits unlimited_account_limits{};
/// Go's dynamicJSAccountLimits (docs/semantics.md#account-limits): the same as unlimited_account_limits.
inline constexpr account_limits dynamic_account_limits = unlimited_account_limits;
/// Every field 0 (Go's zero value): no memory and no file storage at all.
/// A snapshot's limits for a tier without limits, and what
/// `account_limits{}` meant before 0.2.
inline constexpr account_limits zero_account_limits{0, 0, 0, 0, 0, 0, 0, false};

/// Tier name -> limits. `""` is the untiered entry, which wins over every tier.
/// Ordered, so iteration (and JSON) is deterministic; Go's map order is random.
using limits_map = std::map<std::string, account_limits, std::less<>>;

/// Go's defaultJSAccountTiers: the single untiered entry with dynamic limits.
inline limits_map default_account_tiers() { return limits_map{{"", dynamic_account_limits}}; }

/// A stream's discard policy (docs/semantics.md#stream-caps). Values are Go's: DiscardOld = 0, DiscardNew = 1.
enum class discard_policy : std::uint8_t { old_ = 0, new_ = 1 };

/// JSON name: "old" / "new".
constexpr std::string_view to_json(discard_policy d) noexcept { return d == discard_policy::new_ ? "new" : "old"; }

/// Which nats-server's store comparisons the stream caps check follows (docs/semantics.md#stream-caps).
/// Each shipped limit checker names its own (`main_limits::caps_rules`, `v29_limits::caps_rules`).
enum class stream_caps_rules : std::uint8_t { main, v2_9 };

/// The stream-config subset the accounting core reads (docs/semantics.md#enforcement). Raw values
/// are allowed (replicas 0, storage unset, max_bytes 0): the create flow checks
/// the raw request before normalizing it, as nats-server does. For the caps
/// (max_bytes, max_msgs, max_msgs_per_subject, max_msg_size) 0 and negatives are unlimited.
/// Every member has a default, so designated initializers may name only what
/// they set (in declaration order): `stream_config{.name = "S", .storage =
/// storage_type::memory, .max_bytes = 1 << 20, .replicas = 3}`.
struct stream_config {
  std::string name{};                             ///< "name"
  storage_type storage = storage_type::file;      ///< "storage"
  std::int64_t max_bytes = -1;                    ///< "max_bytes" (-1 unlimited)
  std::int64_t replicas = 1;                      ///< "num_replicas"
  std::int64_t max_consumers = -1;                ///< "max_consumers" (-1 unlimited)
  std::int64_t max_msgs = -1;                     ///< "max_msgs" (-1 unlimited)
  std::int64_t max_msg_size = -1;                 ///< "max_msg_size" (-1 unlimited; header + payload)
  std::int64_t max_msgs_per_subject = -1;         ///< "max_msgs_per_subject" (-1 unlimited)
  discard_policy discard = discard_policy::old_;  ///< "discard"
  bool discard_new_per_subject = false;           ///< "discard_new_per_subject"
  std::int64_t duplicate_window = 0;              ///< "duplicate_window" (nanoseconds; 0 = none given)
  std::optional<std::string> mirror{};            ///< "mirror"."name" (nullopt: not a mirror; "" is a mirror)
  std::string placement_tag{};                    ///< optional: only custom tier selectors read it
  friend bool operator==(const stream_config&, const stream_config&) = default;
};

/// 0.1's positional shorthand (adjacent int64s: easy to swap). Removed in 0.3.
[[deprecated("use stream_config{.name = ..., .storage = ..., .max_bytes = ..., .replicas = ...}")]] inline stream_config
make_stream(std::string name, storage_type storage, std::int64_t max_bytes = -1, std::int64_t replicas = 1) {
  return stream_config{.name = std::move(name), .storage = storage, .max_bytes = max_bytes, .replicas = replicas};
}

/// Server JetStream configuration (docs/semantics.md#server-config).
struct jetstream_config {
  std::int64_t max_memory = 0;        ///< "max_memory"
  std::int64_t max_store = 0;         ///< "max_storage"
  std::string store_dir{};            ///< "store_dir"
  std::int64_t sync_interval_ns = 0;  ///< "sync_interval" (main)
  bool sync_always = false;           ///< "sync_always" (main)
  std::string domain{};               ///< "domain"
  bool compress_ok = false;           ///< "compress_ok"
  std::string unique_tag{};           ///< "unique_tag" (main)
  bool strict = false;                ///< "strict" (main)
  friend bool operator==(const jetstream_config&, const jetstream_config&) = default;
};

/// API counters (docs/semantics.md#api-stats).
struct api_stats {
  std::int64_t level = 0;      ///< "level" (main: JSApiLevel = 5; 0 = absent)
  std::uint64_t total = 0;     ///< "total"
  std::uint64_t errors = 0;    ///< "errors"
  std::uint64_t inflight = 0;  ///< "inflight" (server level only)
  friend bool operator==(const api_stats&, const api_stats&) = default;
};

/// nats-server main's JSApiLevel.
inline constexpr std::int64_t js_api_level = 5;

/// One tier of an account snapshot (docs/semantics.md#tier-stats).
struct tier_stats {
  std::uint64_t memory = 0;                     ///< "memory" (cluster-wide total)
  std::uint64_t store = 0;                      ///< "storage"
  std::uint64_t reserved_memory = 0;            ///< "reserved_memory" (main)
  std::uint64_t reserved_store = 0;             ///< "reserved_storage" (main)
  std::int64_t streams = 0;                     ///< "streams"
  std::int64_t consumers = 0;                   ///< "consumers"
  account_limits limits = zero_account_limits;  ///< "limits" (zero when the tier has none)
  friend bool operator==(const tier_stats&, const tier_stats&) = default;
};

/// `$JS.API.INFO` body (docs/semantics.md#account-stats): the embedded tier fields, domain, API and tiers.
struct account_stats : tier_stats {
  std::string domain{};                                    ///< "domain" (omitempty)
  api_stats api{};                                         ///< "api"
  std::map<std::string, tier_stats, std::less<>> tiers{};  ///< "tiers" (omitempty; absent when untiered)
  friend bool operator==(const account_stats&, const account_stats&) = default;
};

/// Server-level stats (docs/semantics.md#server-stats).
struct server_stats {
  std::uint64_t memory = 0;           ///< "memory"
  std::uint64_t store = 0;            ///< "storage"
  std::uint64_t reserved_memory = 0;  ///< "reserved_memory"
  std::uint64_t reserved_store = 0;   ///< "reserved_storage"
  std::int64_t accounts = 0;          ///< "accounts"
  std::int64_t ha_assets = 0;         ///< "ha_assets"
  api_stats api{};                    ///< "api"
  friend bool operator==(const server_stats&, const server_stats&) = default;
};

/// Memory and store amounts of one tier or one node.
struct mem_store {
  std::int64_t mem = 0;
  std::int64_t store = 0;
  friend bool operator==(const mem_store&, const mem_store&) = default;
};

}  // namespace jsacct
