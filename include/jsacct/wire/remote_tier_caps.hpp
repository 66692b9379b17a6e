// SPDX-License-Identifier: Apache-2.0
/// \file
/// How many tiers peers' `$JSC.ARU` usage updates may make an account keep
/// (a jsacct addition: nats-server keeps every tier name any peer ever sent).
/// The rule the engine applies with these caps: docs/cluster.md#bounds.
#pragma once

#include "jsacct/config.hpp"

#include <cstddef>

namespace jsacct {

/// Caps on the tiers accepted from peers. A record that would need a new entry
/// beyond a cap is refused (not merged), counted and reported as a
/// `remote_tiers_refused` event. Records for tiers the account has limits for
/// are always accepted, and so is a new value for a tier the peer already
/// reported. Zero usage never needs an entry, so it is never refused.
struct remote_tier_caps {
  /// Tiers with non-zero usage one peer may have reported for one account.
  std::size_t per_node = 256;
  /// Tier entries an account may hold (its own and its peers') before a peer's
  /// record for a tier the account does not know is refused.
  std::size_t per_account = 1024;
  friend bool operator==(const remote_tier_caps&, const remote_tier_caps&) = default;
};

}  // namespace jsacct
