// SPDX-License-Identifier: Apache-2.0
/// \file
/// What an account counts for a peer that has gone silent but has not expired
/// yet (docs/cluster.md#stale-usage), a jsacct addition modeled on Doorman's
/// client modes: nats-server always counts a peer's last report.
#pragma once

#include "jsacct/config.hpp"

#include <cstdint>
#include <string_view>

namespace jsacct {

/// The contribution of a *stale* peer: one that missed
/// `peer_expiry_options::stale_after_sweeps` sweeps in a row and is not yet
/// expired. A message from the peer ends the stale state at once.
enum class stale_usage_policy : std::uint8_t {
  /// Its last report, as if it were still sending (nats-server's behavior, the default).
  optimistic,
  /// Its last report plus what it holds reserved (`set_remote_reservation`):
  /// it may have stored up to that much since it went quiet. Refuses early
  /// rather than let an account exceed its limit.
  pessimistic,
  /// Nothing: a silent peer is assumed to have lost its data. Accepts early.
  exclude,
};

/// "optimistic", "pessimistic" or "exclude".
constexpr std::string_view to_string(stale_usage_policy p) noexcept {
  switch (p) {
    case stale_usage_policy::pessimistic:
      return "pessimistic";
    case stale_usage_policy::exclude:
      return "exclude";
    default:
      return "optimistic";
  }
}

}  // namespace jsacct
