// SPDX-License-Identifier: Apache-2.0
/// \file
/// Soft limits (docs/soft-limits.md): a warning fraction per limit, raised and
/// cleared with hysteresis, and per-tier event counters in the manner of
/// cgroup `memory.events` (warnings, limit hits, refusals by reason).
#pragma once

#include "jsacct/config.hpp"

#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "jsacct/engine/events.hpp"
#include "jsacct/error.hpp"

namespace jsacct {

/// Warning fractions of a tier's limits (0 = off). `memory` and `storage`
/// watch both the bytes used (local + remote) and the bytes reserved
/// (Σ MaxBytes of the tier's streams) against max_memory / max_store;
/// `streams` watches the tier's stream count against max_streams and
/// `consumers` the largest consumer count of one stream against
/// max_consumers (a per-stream limit). A warning clears below
/// floor(limit * (fraction - hysteresis)).
struct warning_levels {
  double memory = 0;
  double storage = 0;
  double streams = 0;
  double consumers = 0;
  double hysteresis = 0;
  friend bool operator==(const warning_levels&, const warning_levels&) = default;
};

/// The same fraction for every resource (0 turns them all off).
constexpr warning_levels warn_all_at(double fraction, double hysteresis = 0) noexcept {
  return warning_levels{fraction, fraction, fraction, fraction, hysteresis};
}

/// Checks `l`: every fraction in [0, 1], hysteresis in [0, f) for every
/// fraction f > 0 (or 0 when all are off). The error names the field, the
/// value and what is allowed.
inline result<void> validate_warning_levels(const warning_levels& l) {
  const auto bad = [](std::string_view field, double v, std::string_view allowed) {
    return api_error::plain("warning_levels." + std::string(field) + " = " + std::to_string(v) +
                            " is not allowed: " + std::string(allowed));
  };
  const std::array<std::pair<std::string_view, double>, 4> fractions{
      {{"memory", l.memory}, {"storage", l.storage}, {"streams", l.streams}, {"consumers", l.consumers}}};
  double smallest_on = 0;
  for (const auto& [field, v] : fractions) {
    if (!(v >= 0 && v <= 1)) return bad(field, v, "a fraction in [0, 1] (0 = off)");  // also NaN
    if (v > 0 && (smallest_on == 0 || v < smallest_on)) smallest_on = v;
  }
  if (!(l.hysteresis >= 0)) return bad("hysteresis", l.hysteresis, "a value >= 0");
  if (smallest_on > 0 && !(l.hysteresis < smallest_on))
    return bad("hysteresis", l.hysteresis, "below every fraction that is on (smallest: " + std::to_string(smallest_on) + ")");
  return {};
}

/// What a warning watches in a tier.
enum class soft_resource : std::uint8_t {
  memory_used,       ///< total memory bytes (local + remote) vs max_memory
  storage_used,      ///< total file bytes vs max_store
  memory_reserved,   ///< Σ MaxBytes of memory streams vs max_memory
  storage_reserved,  ///< Σ MaxBytes of file streams vs max_store
  streams,           ///< streams counted for max_streams
  consumers,         ///< the largest limitable consumer count of one stream vs max_consumers
};
inline constexpr std::size_t soft_resource_count = 6;

/// The label value of `r` ("memory_used", ...).
constexpr std::string_view to_string(soft_resource r) noexcept {
  constexpr std::array<std::string_view, soft_resource_count> names{"memory_used",      "storage_used", "memory_reserved",
                                                                    "storage_reserved", "streams",      "consumers"};
  return names[static_cast<std::size_t>(r)];
}

/// The event kinds of a raise and a clear of `r`.
constexpr event_kind warning_event(soft_resource r, bool raised) noexcept {
  switch (r) {
    case soft_resource::memory_used:
    case soft_resource::storage_used:
      return raised ? event_kind::usage_warning : event_kind::usage_warning_cleared;
    case soft_resource::memory_reserved:
    case soft_resource::storage_reserved:
      return raised ? event_kind::reservation_warning : event_kind::reservation_warning_cleared;
    case soft_resource::streams:
      return raised ? event_kind::streams_warning : event_kind::streams_warning_cleared;
    default:
      return raised ? event_kind::consumers_warning : event_kind::consumers_warning_cleared;
  }
}

/// Whether `k` is a soft-limit warning event (a raise or a clear).
constexpr bool is_warning_event(event_kind k) noexcept {
  return k >= event_kind::usage_warning && k <= event_kind::consumers_warning_cleared;
}

/// The fraction of `l` that applies to `r`.
constexpr double fraction_of(const warning_levels& l, soft_resource r) noexcept {
  switch (r) {
    case soft_resource::memory_used:
    case soft_resource::memory_reserved:
      return l.memory;
    case soft_resource::storage_used:
    case soft_resource::storage_reserved:
      return l.storage;
    case soft_resource::streams:
      return l.streams;
    default:
      return l.consumers;
  }
}

/// Where a warning raises and clears, or disarmed (raise_at < 0).
struct warning_threshold {
  std::int64_t raise_at = -1;     ///< raised when value >= raise_at
  std::int64_t clear_below = -1;  ///< cleared when value < clear_below
  bool armed() const noexcept { return raise_at >= 0; }
  friend bool operator==(const warning_threshold&, const warning_threshold&) = default;
};

/// The threshold of `fraction` (with `hysteresis`) of `limit`: raise_at =
/// floor(limit * fraction), clear_below = floor(limit * (fraction - hysteresis)).
/// Disarmed when the fraction is 0 or the limit is not positive: -1 is
/// unlimited (no limit to warn about) and 0 is "nothing allowed" (every
/// request is refused, a warning would say nothing more).
inline warning_threshold threshold_of(std::int64_t limit, double fraction, double hysteresis) noexcept {
  if (limit <= 0 || !(fraction > 0)) return {};
  const auto at = [&](double f) {
    const long double v = std::floor(static_cast<long double>(limit) * static_cast<long double>(f));
    return v <= 0 ? std::int64_t{0} : v >= static_cast<long double>(limit) ? limit : static_cast<std::int64_t>(v);
  };
  return {at(fraction), at(fraction - hysteresis)};
}

/// Event counters of one account tier (cgroup `memory.events` style). Monotonic.
struct tier_events {
  std::uint64_t warnings_raised = 0;
  std::uint64_t warnings_cleared = 0;
  std::uint64_t limit_hits = 0;  ///< publishes refused (check_publish / check_stored)
  // Refusals (publishes, stream creates and updates, consumer adds) by reason.
  std::uint64_t refused_memory = 0;          ///< account memory (10002 on memory, 10028)
  std::uint64_t refused_storage = 0;         ///< account storage (10002 on file, 10047)
  std::uint64_t refused_streams = 0;         ///< max_streams (10027)
  std::uint64_t refused_consumers = 0;       ///< max_consumers (10026)
  std::uint64_t refused_server_memory = 0;   ///< server memory capacity (10023 on memory)
  std::uint64_t refused_server_storage = 0;  ///< server storage capacity (10023 on file)
  std::uint64_t refused_no_limits = 0;       ///< the tier has no limits (10120)
  std::uint64_t refused_other = 0;           ///< any other refusal (bad config, caps, ...)
  friend bool operator==(const tier_events&, const tier_events&) = default;
  /// Adds every counter of `o` (sums over tiers, servers or sources).
  tier_events& operator+=(const tier_events& o) noexcept {
    warnings_raised += o.warnings_raised;
    warnings_cleared += o.warnings_cleared;
    limit_hits += o.limit_hits;
    refused_memory += o.refused_memory;
    refused_storage += o.refused_storage;
    refused_streams += o.refused_streams;
    refused_consumers += o.refused_consumers;
    refused_server_memory += o.refused_server_memory;
    refused_server_storage += o.refused_server_storage;
    refused_no_limits += o.refused_no_limits;
    refused_other += o.refused_other;
    return *this;
  }
};

/// A tier's counters and which warnings are raised now.
struct tier_soft_status {
  std::string tier;
  tier_events events;
  std::array<bool, soft_resource_count> raised{};  ///< index: soft_resource
  friend bool operator==(const tier_soft_status&, const tier_soft_status&) = default;
};

namespace detail {

/// Why a request was refused, as an index into tier_event_counters::refused.
enum class refusal_reason : std::uint8_t { memory, storage, streams, consumers, server_memory, server_storage, no_limits, other };

/// The reason of a refusal with code `e` for storage slot `slot` (0 memory, 1 file).
/// Create/update refusals by the server reservation answer 10028 / 10047 too,
/// so they count as memory / storage (the code cannot tell them apart).
constexpr refusal_reason reason_of(errc e, std::size_t slot) noexcept {
  switch (e) {
    case errc::account_resources_exceeded:
      return slot == 0 ? refusal_reason::memory : refusal_reason::storage;
    case errc::memory_resources_exceeded:
      return refusal_reason::memory;
    case errc::storage_resources_exceeded:
      return refusal_reason::storage;
    case errc::maximum_streams_limit:
      return refusal_reason::streams;
    case errc::maximum_consumers_limit:
      return refusal_reason::consumers;
    case errc::insufficient_resources:
      return slot == 0 ? refusal_reason::server_memory : refusal_reason::server_storage;
    case errc::no_limits:
      return refusal_reason::no_limits;
    default:
      return refusal_reason::other;
  }
}

/// The refusal counter of `e` for reason `r`.
constexpr std::uint64_t& refusals_of(tier_events& e, refusal_reason r) noexcept {
  switch (r) {
    case refusal_reason::memory:
      return e.refused_memory;
    case refusal_reason::storage:
      return e.refused_storage;
    case refusal_reason::streams:
      return e.refused_streams;
    case refusal_reason::consumers:
      return e.refused_consumers;
    case refusal_reason::server_memory:
      return e.refused_server_memory;
    case refusal_reason::server_storage:
      return e.refused_server_storage;
    case refusal_reason::no_limits:
      return e.refused_no_limits;
    default:
      return e.refused_other;
  }
}

/// tier_events as relaxed atomics: counted from lock-free refusal paths.
struct tier_event_counters {
  std::atomic<std::uint64_t> raised{0}, cleared{0}, limit_hits{0};
  std::array<std::atomic<std::uint64_t>, 8> refused{};

  void count_refusal(refusal_reason r) noexcept { refused[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed); }
  /// Adds these counters to `into`.
  void add_to(tier_events& into) const noexcept {
    const auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    into.warnings_raised += get(raised);
    into.warnings_cleared += get(cleared);
    into.limit_hits += get(limit_hits);
    for (std::size_t i = 0; i < refused.size(); ++i) refusals_of(into, static_cast<refusal_reason>(i)) += get(refused[i]);
  }
};

/// One watched value of a tier: its threshold (written under the account
/// mutex, read by usage updates without it) and whether its warning is up.
struct soft_watch {
  std::atomic<std::int64_t> raise_at{-1};
  std::atomic<std::int64_t> clear_below{-1};
  std::atomic<bool> raised{false};

  /// Reads the value with `read()` and makes the flip it calls for: +1
  /// raised, -1 cleared, 0 nothing (the value goes to `value`). The flag is
  /// read first and flipped with a compare-exchange from what was read, so
  /// among concurrent callers one flips and raises alternate with clears;
  /// and a value read after seeing a flip is at least as new as the value
  /// that made it (no clear from a value that was stale before the raise).
  template <class Read>
  int evaluate(Read&& read, std::int64_t& value) noexcept {
    bool up = raised.load(std::memory_order_acquire);
    value = read();
    const std::int64_t at = raise_at.load(std::memory_order_acquire);
    if (at < 0) return 0;
    if (!up && value >= at) return raised.compare_exchange_strong(up, true, std::memory_order_acq_rel) ? 1 : 0;
    if (up && value < clear_below.load(std::memory_order_acquire))
      return raised.compare_exchange_strong(up, false, std::memory_order_acq_rel) ? -1 : 0;
    return 0;
  }
};

/// A tier's soft-limit state, allocated when a warning level first applies
/// to the tier and kept for the tier entry's life (readers need no lock).
struct tier_soft_state {
  std::array<soft_watch, soft_resource_count> watch;
  warning_levels levels{};  ///< guarded by the account mutex
};

}  // namespace detail
}  // namespace jsacct
