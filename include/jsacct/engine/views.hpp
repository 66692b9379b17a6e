// SPDX-License-Identifier: Apache-2.0
/// \file
/// Snapshot views of an engine: `basic_engine::accounts()` (account handles,
/// sorted by name), `account_handle::tiers()` (each tier with its stats, as
/// account info reports them) and `account_handle::streams()` (each stream's
/// accounting, sorted by name).
///
/// The engine is concurrent, so these are not live views of its registries:
/// each call copies what it lists once, under the lock that guards it, into a
/// vector that the returned `snapshot_view` owns (shared by its copies). No
/// lock is held while the caller iterates, and nothing dangles when the engine
/// changes (or goes away) meanwhile; call again for a newer snapshot. A
/// `snapshot_view` is a view and a contiguous, sized range in both std::ranges
/// and range-v3, so it composes with either library's adaptors:
///
///     for (auto& a : js.accounts()) ...
///     js.accounts() | std::views::filter(...)
///     acc.streams() | ranges::views::transform(&stream_snapshot::used) | ranges::to<std::vector>()
///
/// It is not a borrowed range: its iterators live as long as some copy of the
/// view does, so std::ranges algorithms on a temporary return `dangling`.
#pragma once

#include "jsacct/config.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <ranges>
#include <string>
#include <utility>
#include <vector>

#include <range/v3/range/concepts.hpp>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/transform.hpp>

#include "jsacct/types.hpp"

namespace jsacct {

/// A view that owns its elements: a snapshot shared by the view's copies
/// (copying a view is O(1)). Iterators are pointers into the snapshot, valid
/// while any copy of the view lives. A default-constructed view is empty.
/// Elements are mutable, as through a std::span: a handle's operations
/// (`account_handle::create_stream`, ...) are non-const members.
template <class E>
class snapshot_view {
 public:
  using value_type = E;
  using iterator = E*;

  snapshot_view() noexcept = default;
  explicit snapshot_view(std::vector<E> elements) : elements_(std::make_shared<std::vector<E>>(std::move(elements))) {}

  E* begin() const noexcept { return elements_ ? elements_->data() : nullptr; }
  E* end() const noexcept { return elements_ ? elements_->data() + elements_->size() : nullptr; }
  E* data() const noexcept { return begin(); }
  std::size_t size() const noexcept { return elements_ ? elements_->size() : 0; }
  bool empty() const noexcept { return size() == 0; }
  /// Element `i` (< size()).
  E& operator[](std::size_t i) const noexcept { return (*elements_)[i]; }

 private:
  std::shared_ptr<std::vector<E>> elements_;
};

/// One tier of an account, as account info reports it (`account_handle::usage()`):
/// a tiered account lists its tiers by name; an untiered account is one entry
/// named "" whose stats are the account totals and its "" limits (as the
/// Prometheus series name it, observe/prometheus.hpp).
struct tier_snapshot {
  std::string name;  ///< tier name ("R1", ..., a custom selector's name), "" when untiered
  tier_stats stats;  ///< usage (cluster-wide totals), reservations, streams, consumers, limits
  bool untiered() const noexcept { return name.empty(); }
  friend bool operator==(const tier_snapshot&, const tier_snapshot&) = default;
};

/// One stream of an account, its accounting fields (the normalized config and
/// what it holds on this server).
struct stream_snapshot {
  std::string name;                           ///< stream name
  storage_type storage = storage_type::file;  ///< normalized storage (memory or file)
  std::int64_t replicas = 1;                  ///< normalized replica count (>= 1)
  std::int64_t max_bytes = -1;                ///< normalized MaxBytes (-1 unlimited)
  /// Bytes the stream reserves against this server's budget: max_bytes when
  /// positive, else 0 (docs/semantics.md#reserve-release), as the engine's
  /// charging policy charges it (docs/reservation-charging.md).
  std::int64_t reserved = 0;
  /// Stored bytes recorded through the stream's handle (`stream_reservation::add_usage`).
  std::int64_t used = 0;
  std::string tier;            ///< the tier its usage goes to ("" when untiered, docs/semantics.md#tier-move)
  std::int64_t consumers = 0;  ///< consumers of the stream
  friend bool operator==(const stream_snapshot&, const stream_snapshot&) = default;
};

/// The tiers of an account snapshot (`tier_snapshot`): its `tiers` by name, or,
/// when it has none (untiered), one entry "" with the account's own fields.
inline snapshot_view<tier_snapshot> account_tiers(const account_stats& s) {
  if (s.tiers.empty()) return snapshot_view<tier_snapshot>(std::vector<tier_snapshot>{{"", static_cast<const tier_stats&>(s)}});
  return snapshot_view<tier_snapshot>(s.tiers | ranges::views::transform([](const auto& entry) {
                                        return tier_snapshot{entry.first, entry.second};
                                      }) |
                                      ranges::to<std::vector>());
}

}  // namespace jsacct

// A snapshot_view is a view (O(1) copy, shared snapshot) in both range
// libraries; not a borrowed range (its iterators need a live copy of the view).
template <class E>
inline constexpr bool std::ranges::enable_view<jsacct::snapshot_view<E>> = true;
template <class E>
inline constexpr bool ranges::enable_view<jsacct::snapshot_view<E>> = true;

namespace jsacct::views_detail {
static_assert(std::ranges::view<snapshot_view<tier_snapshot>> && std::ranges::contiguous_range<snapshot_view<tier_snapshot>> &&
              std::ranges::sized_range<const snapshot_view<tier_snapshot>>);
static_assert(!std::ranges::borrowed_range<snapshot_view<tier_snapshot>>);
static_assert(ranges::view_<snapshot_view<tier_snapshot>> && ranges::contiguous_range<snapshot_view<tier_snapshot>> &&
              ranges::sized_range<const snapshot_view<tier_snapshot>>);
}  // namespace jsacct::views_detail
