// SPDX-License-Identifier: Apache-2.0
/// \file
/// The `charging_policy` concept: how much of a stream's max_bytes the engine
/// reserves (against the account tier limit and the server budget) when the
/// stream is created or updated (docs/reservation-charging.md).
#pragma once

#include "jsacct/config.hpp"

#include <concepts>
#include <cstdint>
#include <string_view>

namespace jsacct {

/// \concept charging_policy
/// A stateless rule; every expression is `constexpr noexcept` (so thread-safe).
/// The engine calls `charge` wherever it reserves, releases, sums or checks a
/// stream's max_bytes; the per-stream config checks (max_bytes_required 10113,
/// the per-stream cap 10122) keep the real max_bytes.
///
/// | Expression | Returns | Semantics |
/// |---|---|---|
/// | `C::name` | `string_view` | "upfront", "on_use", "fraction50", ... |
/// | `C::charge(mb)` | `int64_t` | the max_bytes the engine charges for a stream whose max_bytes is `mb`: a value <= 0 stays <= 0
/// (reserves nothing; -1 still costs the one byte of an unlimited stream at the create check), a positive one gives a value in
/// 0..mb; a pure function, so a create and its delete reserve and release the same amount | | `C::charges_in_full` | `bool` |
/// true when `charge(mb) == mb` for every `mb` (the engine then uses the config as it is, no copy) |
// clang-format 14 mangles requires-expressions (`noexcept->`): keep them as written.
// clang-format off
template <class C>
concept charging_policy = requires(std::int64_t v) {
  { C::name } -> std::convertible_to<std::string_view>;
  { C::charge(v) } noexcept -> std::same_as<std::int64_t>;
  { C::charges_in_full } -> std::convertible_to<bool>;
};
// clang-format on

}  // namespace jsacct
