// SPDX-License-Identifier: Apache-2.0
/// \file
/// The `limit_checker` concept: the comparison rules of one nats-server version.
/// The engine sequences the flows of docs/semantics.md#enforcement; a checker decides every number.
#pragma once

#include "jsacct/config.hpp"

#include <concepts>
#include <cstdint>
#include <string_view>

#include "jsacct/concepts/tier_selector.hpp"
#include "jsacct/detail/arith.hpp"
#include "jsacct/types.hpp"

namespace jsacct {

/// What a stream create/update costs (docs/semantics.md#reservation-checks).
struct byte_demand {
  std::int64_t account = 0;  ///< bytes compared with the account tier limit
  std::int64_t server = 0;   ///< bytes compared with this server's capacity
};

/// How a stream update is checked and applied (docs/semantics.md#stream-update).
struct update_plan {
  std::int64_t add_bytes = 0;      ///< MaxBytes passed to checkBytesLimits (the growth)
  std::int64_t offset = 0;         ///< offset passed to checkBytesLimits
  std::int64_t own_reserved = 0;   ///< this stream's part added to the others' reservation
  std::int64_t reserve_delta = 0;  ///< server reservation change once applied (+ reserve, - release)
};

/// \concept limit_checker
/// A stateless bundle of static rules; every function is `constexpr noexcept`.
///
/// | Expression | Returns | Semantics (spec) |
/// |---|---|---|
/// | `L::name` | `string_view` | "main" / "v2.9" |
/// | `L::default_tiers` | `tier_selector` | the matching replica tier naming (docs/semantics.md#tier-names) |
/// | `L::count_same_name` | `bool` | a same-named stream counts toward max_streams (docs/semantics.md#counting-streams) |
/// | `L::tiered_sum_ignores_storage` | `bool` | tiered reservation sums mix memory and file
/// (docs/semantics.md#counting-streams, 2.9.10) | | `L::update_falls_back_to_old_tier` | `bool` | docs/semantics.md#stream-update
/// step 3 | | `L::footprint(untiered, r, mb)` | `int64_t` | one stream's reservation against the account
/// (docs/semantics.md#account-reservation, docs/semantics.md#counting-streams) | | `L::finish_sum(exact)` | `int64_t` | turns an
/// exact 128-bit sum into the version's int64 (saturate / wrap) | | `L::combine(a, b)` | `int64_t` | adds two reservation amounts
/// (addSaturate / wrap) | | `L::demand(untiered, add, r, off)` | `byte_demand` | docs/semantics.md#reservation-checks steps 1–3 |
/// | `L::account_exceeds(limit, cur, b)` | `bool` | docs/semantics.md#reservation-checks account comparison |
/// | `L::server_exceeds(max, res, b)` | `bool` | docs/semantics.md#reservation-checks server comparison |
/// | `L::plan_update(untiered, old, new)` | `update_plan` | docs/semantics.md#stream-update |
/// | `L::normalize_negative_max_bytes` | `bool` | MaxBytes < -1 becomes -1 on normalization (main) or stays (2.9.10) |
/// | `L::refuse_replicas_on_update` | `bool` | standalone update to R > 1 is refused with 10074 (main) |
/// | `L::rekey_on_limits_update` | `bool` | a limits change moves streams to the tier the new limits select (jsacct main) |
/// | `L::check_before_store` | `bool` | publish check before (main) or after (2.9.10) storing
/// (docs/semantics.md#account-publish-check) | | `L::would_exceed(limit, untiered, usage, size, r)` | `bool` |
/// docs/semantics.md#account-publish-check pre-store check | | `L::exceeds_after_store(limit, cap, total)` | `bool` |
/// docs/semantics.md#account-publish-check post-store check (2.9.10) | | `L::server_would_exceed(used, max, sz)` | `bool` |
/// docs/semantics.md#server-publish-check | | `L::repair_negative_usage` | `bool` | docs/semantics.md#drift-repair drift repair
/// exists | | `L::clamp_server_usage` | `bool` | docs/semantics.md#usage-stats negative server usage reported as 0 | |
/// `L::report_reserved`, `L::api_level` | `bool`, `int64_t` | account info fields (docs/semantics.md#tier-stats,
/// docs/semantics.md#api-stats) | | `L::diff_operand(v)` | `int64_t` | value used by diffCheckedLimits
/// (docs/semantics.md#diff-checked-limits) | | `L::sum_exceeds(a, b, max)` | `bool` | sufficientResources comparison
/// (docs/semantics.md#sufficient-resources) |
// clang-format 14 mangles requires-expressions (`noexcept->`): keep them as written.
// clang-format off
template <class L>
concept limit_checker = tier_selector<typename L::default_tiers> &&
    requires(bool b, std::int64_t v, std::uint64_t u, int128 w, const stream_config& c) {
      { L::name } -> std::convertible_to<std::string_view>;
      { L::count_same_name } -> std::convertible_to<bool>;
      { L::tiered_sum_ignores_storage } -> std::convertible_to<bool>;
      { L::update_falls_back_to_old_tier } -> std::convertible_to<bool>;
      { L::footprint(b, v, v) } noexcept -> std::same_as<std::int64_t>;
      { L::finish_sum(w) } noexcept -> std::same_as<std::int64_t>;
      { L::combine(v, v) } noexcept -> std::same_as<std::int64_t>;
      { L::demand(b, v, v, v) } noexcept -> std::same_as<byte_demand>;
      { L::account_exceeds(v, v, v) } noexcept -> std::same_as<bool>;
      { L::server_exceeds(v, v, v) } noexcept -> std::same_as<bool>;
      { L::plan_update(b, c, c) } noexcept -> std::same_as<update_plan>;
      { L::check_before_store } -> std::convertible_to<bool>;
      { L::rekey_on_limits_update } -> std::convertible_to<bool>;
      { L::normalize_negative_max_bytes } -> std::convertible_to<bool>;
      { L::refuse_replicas_on_update } -> std::convertible_to<bool>;
      { L::would_exceed(v, b, v, u, v) } noexcept -> std::same_as<bool>;
      { L::exceeds_after_store(v, v, v) } noexcept -> std::same_as<bool>;
      { L::server_would_exceed(v, v, v) } noexcept -> std::same_as<bool>;
      { L::repair_negative_usage } -> std::convertible_to<bool>;
      { L::clamp_server_usage } -> std::convertible_to<bool>;
      { L::report_reserved } -> std::convertible_to<bool>;
      { L::api_level } -> std::convertible_to<std::int64_t>;
      { L::diff_operand(v) } noexcept -> std::same_as<std::int64_t>;
      { L::sum_exceeds(w, w, v) } noexcept -> std::same_as<bool>;
    };
// clang-format on

}  // namespace jsacct
