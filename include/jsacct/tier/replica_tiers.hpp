// SPDX-License-Identifier: Apache-2.0
/// \file
/// The shipped tier selectors: tiers by replica count, as nats-server names them.
#pragma once

#include "jsacct/config.hpp"

#include "jsacct/concepts/tier_selector.hpp"
#include "jsacct/tier/tier_name.hpp"

namespace jsacct {

/// main: tier "R<replicas>", replicas 0 counts as 1 (docs/semantics.md#tier-names).
struct replica_tiers {
  tier_name tier_of(const stream_config& c) const noexcept { return tier_name_of(c.replicas); }
};
static_assert(tier_selector<replica_tiers>);

/// 2.9.10: tier "R<replicas>" with no 0 -> 1 mapping, so an unset count is "R0" (docs/semantics.md#tier-names,
/// docs/semantics.md#version-differences).
struct replica_tiers_v29 {
  tier_name tier_of(const stream_config& c) const noexcept { return tier_name_of_v29(c.replicas); }
};
static_assert(tier_selector<replica_tiers_v29>);

}  // namespace jsacct
