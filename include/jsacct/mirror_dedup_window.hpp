// SPDX-License-Identifier: Apache-2.0
/// \file
/// The duplicates window of mirrors (docs/semantics.md#mirror-dedup-window):
/// a mirror copies its origin's messages, so it never deduplicates by message
/// id and its window must be 0. Old nats-server releases stored the default
/// window on mirrors; `fix_cfg_mirror_with_dedup_window` repairs such a config
/// where nats-server does: on configs recovered from disk and on stream
/// assignments decoded in a cluster (2.9.10 and main).
#pragma once

#include "jsacct/config.hpp"

#include <cstdint>

#include "jsacct/types.hpp"

namespace jsacct {

/// nats-server's StreamDefaultDuplicatesWindow (2 minutes), in nanoseconds:
/// the window a stream gets when it names none. Mirrors get none (2.9.10 and
/// main), streams with sources get none in main but this default in 2.9.10.
inline constexpr std::int64_t stream_default_duplicates_window_ns = 120'000'000'000;

/// nats-server's `fixCfgMirrorWithDedupWindow`: a mirror with a non-zero
/// duplicates window (negative values included) gets 0; anything else is left
/// as it is. Returns whether `cfg` changed, so a caller can log the repair.
/// Go's version also accepts a nil config, which has no C++ counterpart here.
inline bool fix_cfg_mirror_with_dedup_window(stream_config& cfg) noexcept {
  if (!cfg.mirror.has_value() || cfg.duplicate_window == 0) return false;
  cfg.duplicate_window = 0;
  return true;
}

}  // namespace jsacct
