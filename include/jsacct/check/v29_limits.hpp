// SPDX-License-Identifier: Apache-2.0
/// \file
/// nats-server **2.9.10** limit semantics (docs/semantics.md#version-differences): the behavior of the only
/// server we can run, used to replay scenarios recorded from it.
#pragma once

#include "jsacct/config.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string_view>

#include "jsacct/concepts/limit_checker.hpp"
#include "jsacct/detail/arith.hpp"
#include "jsacct/names.hpp"
#include "jsacct/tier/replica_tiers.hpp"

namespace jsacct {

/// The limit rules of nats-server v2.9.10: no saturation (wrapping int64),
/// replica multiplication for every tier, post-store publish check. Stateless.
struct v29_limits {
  static constexpr std::string_view name = "v2.9";
  using default_tiers = replica_tiers_v29;

  static constexpr name_rules stream_name_rules = name_rules::v29;  ///< 2.9.10's stream-name text (names.hpp)
  static constexpr bool count_same_name = true;                     ///< re-create at max_streams -> 10027
  static constexpr bool tiered_sum_ignores_storage = true;          ///< standalone tiered tieredReservation
  static constexpr bool update_falls_back_to_old_tier =
      true;  ///< as main (oracle: an R3 -> R2 update without an R2 tier is accepted)

  static constexpr std::int64_t footprint(bool, std::int64_t replicas, std::int64_t max_bytes) noexcept {
    return wrap_mul(replicas, max_bytes);
  }
  static constexpr std::int64_t finish_sum(int128 exact) noexcept { return wrap_cast(exact); }
  static constexpr std::int64_t combine(std::int64_t a, std::int64_t b) noexcept { return wrap_add(a, b); }

  /// 2.9.10 checkBytesLimits: account R*add + offset (any tier); server add (offset ignored).
  static constexpr byte_demand demand(bool, std::int64_t add_bytes, std::int64_t replicas, std::int64_t offset) noexcept {
    if (replicas < 1) replicas = 1;
    if (add_bytes < 0) add_bytes = 1;
    return {wrap_add(wrap_mul(add_bytes, replicas), offset), add_bytes};
  }
  static constexpr bool account_exceeds(std::int64_t limit, std::int64_t current, std::int64_t bytes) noexcept {
    return limit >= 0 && wrap_add(current, bytes) > limit;
  }
  static constexpr bool server_exceeds(std::int64_t max, std::int64_t reserved, std::int64_t bytes) noexcept {
    return wrap_add(reserved, bytes) > max;
  }

  /// 2.9.10 update: raw diff, replica-growth offset, old R*MaxBytes added back,
  /// raw new - old reserved afterwards (docs/semantics.md#stream-update).
  static constexpr update_plan plan_update(bool, const stream_config& old_cfg, const stream_config& new_cfg) noexcept {
    const std::int64_t raw = wrap_sub(new_cfg.max_bytes, old_cfg.max_bytes);
    const std::int64_t offset = (old_cfg.max_bytes > 0 && new_cfg.replicas > old_cfg.replicas)
                                    ? wrap_mul(old_cfg.max_bytes, wrap_sub(new_cfg.replicas, old_cfg.replicas))
                                    : 0;
    // A negative difference is released as its negation, and releasing a non-positive amount
    // does nothing: a difference that wrapped to MinInt64 (e.g. -1 -> MaxInt64) changes nothing.
    const std::int64_t delta = raw == std::numeric_limits<std::int64_t>::min() ? 0 : raw;
    return {std::max<std::int64_t>(raw, 0), offset, wrap_mul(old_cfg.replicas, old_cfg.max_bytes), delta};
  }

  /// Stream normalization: MaxBytes below -1 becomes -1 (2.9.10 only normalizes 0 and keeps e.g. -5).
  static constexpr bool normalize_negative_max_bytes = false;
  /// A standalone server refuses an update to more than one replica with 10074 (2.9.10 accepts it).
  static constexpr bool refuse_replicas_on_update = false;

  /// A limits change moves every stream (its recorded usage and counts) to the tier the new limits select: as 2.9.10: streams
  /// keep their tier until their next update.
  static constexpr bool rekey_on_limits_update = false;

  static constexpr bool check_before_store = false;
  /// The stores' comparisons the stream caps check follows (docs/semantics.md#stream-caps).
  static constexpr stream_caps_rules caps_rules = stream_caps_rules::v2_9;
  static constexpr bool would_exceed(std::int64_t, bool, std::int64_t, std::uint64_t, std::int64_t) noexcept { return false; }
  /// Post-store check (docs/semantics.md#account-publish-check, 2.9.10): tier total > per-stream cap (if > 0; the
  /// upstream bug 241ad30fe) or > the account limit (if >= 0).
  static constexpr bool exceeds_after_store(std::int64_t limit, std::int64_t stream_cap, std::int64_t total) noexcept {
    return (stream_cap > 0 && total > stream_cap) || (limit >= 0 && total > limit);
  }
  /// 2.9.10 `wouldExceedLimits`: used > max + sz (fixed upstream in cc4e17501).
  static constexpr bool server_would_exceed(std::int64_t used, std::int64_t max, std::int64_t sz) noexcept {
    return used > wrap_add(max, sz);
  }

  static constexpr bool repair_negative_usage = false;
  static constexpr bool clamp_server_usage = false;
  static constexpr bool report_reserved = false;
  static constexpr std::int64_t api_level = 0;
  static constexpr std::int64_t diff_operand(std::int64_t v) noexcept { return v; }
  static constexpr bool sum_exceeds(int128 a, int128 b, std::int64_t max) noexcept { return wrap_cast(a + b) > max; }
};
static_assert(limit_checker<v29_limits>);

}  // namespace jsacct
