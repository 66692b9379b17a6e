// SPDX-License-Identifier: Apache-2.0
/// \file
/// The `tier_selector` concept: which tier a stream belongs to (docs/semantics.md#tier-names to docs/semantics.md#select-limits).
#pragma once

#include "jsacct/config.hpp"

#include <concepts>
#include <string_view>

#include "jsacct/types.hpp"

namespace jsacct {

/// \concept tier_selector
/// Names the tier of a stream when the account has tiered limits. The engine
/// applies the rest of docs/semantics.md#select-limits itself: untiered `""` limits always win, and a
/// tier without limits is refused with 10120. Streams with the same tier name
/// are "the same tier" for max_streams and reservation sums (docs/semantics.md#counting-streams).
///
/// | Expression        | Returns                                    | Semantics                         | Thread-safety |
/// |-------------------|--------------------------------------------|-----------------------------------|---------------|
/// | `s.tier_of(cfg)`  | a value convertible to `std::string_view` | the tier name, e.g. `"R3"`; must not allocate on the hot
/// path, may view into `cfg` | const, any thread |
// clang-format 14 mangles requires-expressions (`noexcept->`): keep them as written.
// clang-format off
template <class S>
concept tier_selector = std::default_initializable<S> && requires(const S& s, const stream_config& c) {
  { s.tier_of(c) } noexcept;
  requires std::convertible_to<decltype(s.tier_of(c)), std::string_view>;
};
// clang-format on

}  // namespace jsacct
