// SPDX-License-Identifier: Apache-2.0
/// \file
/// Project-wide constants and the C++20 gate. Every public header includes
/// this file first, so that a build in an older language mode stops with one
/// message instead of hundreds of errors from the C++20 code that follows.
#pragma once

// GCC and clang keep compiling after `#error`; a missing include is the one
// diagnostic that stops both at once, so there the message is the name of an
// include that does not exist. MSVC stops at its `#error`.
#if defined(_MSVC_LANG)
#define JSACCT_CPLUSPLUS _MSVC_LANG
#else
#define JSACCT_CPLUSPLUS __cplusplus
#endif
#if JSACCT_CPLUSPLUS < 202002L
#if defined(_MSC_VER) && !defined(__clang__)
#error "jsacct requires C++20 or later: compile with /std:c++20"
#else
#include "jsacct requires C++20 or later: compile with -std=c++20"
#endif
#endif

#include <cstddef>
#include <cstdint>
#include <limits>

namespace jsacct {

/// Size of a destructive-interference unit. libstdc++ 12 under clang 14 lacks
/// std::hardware_destructive_interference_size, so we name our own.
inline constexpr std::size_t cache_line = 64;

/// Go's MaxInt64 (docs/semantics.md#conventions).
inline constexpr std::int64_t max_int64 = std::numeric_limits<std::int64_t>::max();

/// Any negative limit means "unlimited" (docs/semantics.md#limit-values).
inline constexpr std::int64_t unlimited = -1;

}  // namespace jsacct
