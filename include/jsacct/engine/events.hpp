// SPDX-License-Identifier: Apache-2.0
/// \file
/// Events the engine reports instead of logging (the library never logs).
#pragma once

#include "jsacct/config.hpp"

#include <cstdint>
#include <functional>
#include <string>

#include "jsacct/error.hpp"
#include "jsacct/types.hpp"

namespace jsacct {

/// What happened.
enum class event_kind : std::uint8_t {
  account_limit_hit,     ///< a publish was refused by an account limit (10002 / 10120)
  server_limit_hit,      ///< a publish was refused by the server capacity (10023)
  reservation_refused,   ///< a stream create/update was refused by a limit
  usage_repaired,        ///< drift repair moved local usage to the recomputed value (docs/semantics.md#drift-repair)
  remote_tiers_refused,  ///< a peer's usage update named more new tiers than remote_tier_caps allow
  remote_usage_expired,  ///< a silent peer's contribution left the totals (sweep_remote_usage)
  // Soft limits (docs/soft-limits.md): before = the value, after = the threshold crossed.
  usage_warning,                ///< bytes used (local + remote) reached the warning level of the tier's limit
  usage_warning_cleared,        ///< bytes used fell below the clear level
  reservation_warning,          ///< bytes reserved (Σ MaxBytes) reached the warning level
  reservation_warning_cleared,  ///< bytes reserved fell below the clear level
  streams_warning,              ///< the tier's stream count reached the warning level of max_streams
  streams_warning_cleared,      ///< and fell below the clear level
  consumers_warning,            ///< a stream's consumer count reached the warning level of max_consumers
  consumers_warning_cleared,    ///< and fell below the clear level
};

/// One event. `text` follows nats-server's log wording where one exists.
struct event {
  event_kind kind;
  std::string account;  ///< empty for server-level events
  std::string tier;
  storage_type storage = storage_type::file;
  std::int64_t before = 0;  ///< usage_repaired: tracked value; remote_tiers_refused: records refused;
                            ///< remote_usage_expired: the peer's tiers dropped; warnings: the value; others: 0
  std::int64_t after = 0;   ///< usage_repaired: recomputed value; remote_tiers_refused: records in the update;
                            ///< remote_usage_expired: sweeps the peer was silent; warnings: the threshold
  errc error = errc::none;
  std::string text;
};

/// Receives events. Called on the thread that caused the event, never with an
/// engine lock held on the publish path; keep it cheap or hand off.
using event_sink = std::function<void(const event&)>;

}  // namespace jsacct
