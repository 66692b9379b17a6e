// SPDX-License-Identifier: Apache-2.0
/// \file
/// Project-wide constants and the contract-check macro.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#define JSACCT_VERSION_MAJOR 0
#define JSACCT_VERSION_MINOR 1
#define JSACCT_VERSION_PATCH 0

namespace jsacct {

/// Size of a destructive-interference unit. libstdc++ 12 under clang 14 lacks
/// std::hardware_destructive_interference_size, so we name our own.
inline constexpr std::size_t cache_line = 64;

/// Go's MaxInt64 (spec §0).
inline constexpr std::int64_t max_int64 = std::numeric_limits<std::int64_t>::max();

/// Any negative limit means "unlimited" (spec §3.3).
inline constexpr std::int64_t unlimited = -1;

}  // namespace jsacct
