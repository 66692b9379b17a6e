// SPDX-License-Identifier: Apache-2.0
/// \file
/// nats-server **main** limit semantics (the default): accountReservation,
/// saturating arithmetic and subtraction-form comparisons (docs/semantics.md#replica-scaling to
/// docs/semantics.md#saturating-arithmetic, docs/semantics.md#enforcement), plus jsacct's fixes of the upstream defects listed in
/// docs/semantics.md#deliberate-differences.
#pragma once

#include "jsacct/config.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "jsacct/concepts/limit_checker.hpp"
#include "jsacct/detail/arith.hpp"
#include "jsacct/names.hpp"
#include "jsacct/tier/replica_tiers.hpp"

namespace jsacct {

/// main `accountReservation(tier, replicas, bytes)` (docs/semantics.md#account-reservation): bytes counted
/// against the account limit; R x bytes (saturating) for the untiered tier.
constexpr std::int64_t account_reservation(bool untiered, std::int64_t replicas, std::int64_t bytes) noexcept {
  if (bytes <= 0) return 0;
  if (untiered && replicas > 1) return mul_saturate(replicas, bytes);
  return bytes;
}

/// The limit rules of nats-server main (commit 1787eee03). Stateless.
struct main_limits {
  static constexpr std::string_view name = "main";
  using default_tiers = replica_tiers;

  // -- docs/semantics.md#counting-streams: counting other streams ------------------------------------
  static constexpr name_rules stream_name_rules = name_rules::main;  ///< main's stream-name text (names.hpp)
  static constexpr bool count_same_name = false;                     ///< re-create at max_streams succeeds (e13d22baf)
  static constexpr bool tiered_sum_ignores_storage = false;
  static constexpr bool update_falls_back_to_old_tier = true;  ///< docs/semantics.md#stream-update step 3

  /// One stream's contribution to a reservation sum (docs/semantics.md#counting-streams tieredReservation).
  static constexpr std::int64_t footprint(bool untiered, std::int64_t replicas, std::int64_t max_bytes) noexcept {
    return account_reservation(untiered, replicas, max_bytes);
  }
  /// A sum of footprints, known exactly: saturates (addSaturate over non-negatives).
  static constexpr std::int64_t finish_sum(int128 exact) noexcept { return saturate_cast(exact); }
  static constexpr std::int64_t combine(std::int64_t a, std::int64_t b) noexcept { return add_saturate(a, b); }

  // -- docs/semantics.md#reservation-checks: checkBytesLimits --------------------------------------------
  /// Bytes a request costs against the account and against this server.
  static constexpr byte_demand demand(bool untiered, std::int64_t add_bytes, std::int64_t replicas,
                                      std::int64_t offset) noexcept {
    if (add_bytes < 0) add_bytes = 1;  // an unlimited stream costs one byte
    const std::int64_t server_bytes = add_saturate(add_bytes, offset);
    return {account_reservation(untiered, replicas, server_bytes), server_bytes};
  }
  /// Subtraction form: fail iff limit >= 0 and (current > limit or bytes > limit - current).
  static constexpr bool account_exceeds(std::int64_t limit, std::int64_t current, std::int64_t bytes) noexcept {
    return limit >= 0 && (current > limit || bytes > wrap_sub(limit, current));
  }
  static constexpr bool server_exceeds(std::int64_t max, std::int64_t reserved, std::int64_t bytes) noexcept {
    return reserved > max || bytes > wrap_sub(max, reserved);
  }

  // -- docs/semantics.md#stream-update: stream update ---------------------------------------------
  static constexpr update_plan plan_update(bool untiered, const stream_config& old_cfg, const stream_config& new_cfg) noexcept {
    const std::int64_t grow =
        wrap_sub(std::max<std::int64_t>(new_cfg.max_bytes, 0), std::max<std::int64_t>(old_cfg.max_bytes, 0));
    const std::int64_t diff = std::max<std::int64_t>(grow, 0);
    return {diff, 0, account_reservation(untiered, new_cfg.replicas, wrap_sub(new_cfg.max_bytes, diff)), grow};
  }

  // -- docs/semantics.md#server-publish-check, docs/semantics.md#account-publish-check: publish time
  // --------------------------------------------
  /// Stream normalization: MaxBytes below -1 becomes -1 (2.9.10 only normalizes 0 and keeps e.g. -5).
  static constexpr bool normalize_negative_max_bytes = true;
  /// A standalone server refuses an update to more than one replica with 10074 (2.9.10 accepts it).
  static constexpr bool refuse_replicas_on_update = true;

  /// A limits change moves every stream (its recorded usage and counts) to the tier the new limits select: jsacct rule
  /// (nats-server main does not re-key; issue #2971).
  static constexpr bool rekey_on_limits_update = true;

  static constexpr bool check_before_store = true;
  /// The stores' comparisons the stream caps check follows (docs/semantics.md#stream-caps).
  static constexpr stream_caps_rules caps_rules = stream_caps_rules::main;
  /// Account check before storing (docs/semantics.md#account-publish-check), exact arithmetic
  /// (docs/semantics.md#diff-publish-overflow: no wrap, so a huge message is refused): usage + size*r > limit*lr.
  static constexpr bool would_exceed(std::int64_t limit, bool untiered, std::int64_t total_usage, std::uint64_t msg_size,
                                     std::int64_t replicas) noexcept {
    if (limit < 0) return false;
    const int128 r = std::max<std::int64_t>(1, replicas);
    const int128 lr = untiered ? 1 : r;
    return static_cast<int128>(total_usage) + static_cast<int128>(msg_size) * r > static_cast<int128>(limit) * lr;
  }
  /// Not used by main (the check runs before storing); kept so both models share one shape.
  static constexpr bool exceeds_after_store(std::int64_t, std::int64_t, std::int64_t) noexcept { return false; }
  /// docs/semantics.md#server-publish-check `js.wouldExceedLimits`: used + sz > max.
  static constexpr bool server_would_exceed(std::int64_t used, std::int64_t max, std::int64_t sz) noexcept {
    return wrap_add(used, sz) > max;
  }

  // -- docs/semantics.md#usage, docs/semantics.md#sufficient-resources, docs/semantics.md#account-limits-update
  // -----------------------------------------------------
  static constexpr bool repair_negative_usage = true;  ///< docs/semantics.md#drift-repair drift repair
  static constexpr bool clamp_server_usage = true;     ///< docs/semantics.md#usage-stats negative used -> 0
  static constexpr bool report_reserved = true;        ///< account info has reserved_* (docs/semantics.md#tier-stats)
  static constexpr std::int64_t api_level = js_api_level;
  /// diffCheckedLimits operand: jsacct clamps -1 to 0 (docs/semantics.md#diff-limit-update-clamp).
  static constexpr std::int64_t diff_operand(std::int64_t v) noexcept { return std::max<std::int64_t>(v, 0); }
  /// sufficientResources comparison, exact (docs/semantics.md#diff-sufficient-resources-overflow): a + b > max.
  static constexpr bool sum_exceeds(int128 a, int128 b, std::int64_t max) noexcept { return a + b > max; }
};
static_assert(limit_checker<main_limits>);

}  // namespace jsacct
