// SPDX-License-Identifier: Apache-2.0
/// \file
/// The `counter_policy` concept: how the engine stores the numbers that change
/// at run time (usage, reservations, limits read on hot paths) and which mutex
/// guards its bookkeeping.
#pragma once

#include "jsacct/config.hpp"

#include <concepts>
#include <cstdint>
#include <mutex>

namespace jsacct {

/// \concept usage_counter
/// One signed 64-bit number.
///
/// | Expression               | Returns   | Semantics                                                        | Thread-safety |
/// |--------------------------|-----------|------------------------------------------------------------------|---------------|
/// | `c.load()`               | `int64_t` | current value (may be stale, never torn)                         | atomic model: any
/// thread | | `c.store(v)`             | —         | sets the value                                                   | idem | |
/// `c.add(d)`               | `int64_t` | adds `d` (wrapping), returns the **new** value                   | idem | |
/// `c.update_if(f)`         | `bool`    | `f(cur)` returns `optional<int64_t>`: the new value, or nullopt to refuse; applied
/// atomically (CAS loop: `f` may run several times, so no side effects) | idem |
///
/// All operations are noexcept.
// clang-format 14 mangles requires-expressions (`noexcept->`): keep them as written.
// clang-format off
template <class C>
concept usage_counter = std::default_initializable<C> && requires(C& c, const C& cc, std::int64_t v) {
  { cc.load() } noexcept -> std::same_as<std::int64_t>;
  { c.store(v) } noexcept;
  { c.add(v) } noexcept -> std::same_as<std::int64_t>;
};
// clang-format on

/// \concept counter_policy
/// Bundles a counter type, a mutex type and whether the engine may be shared between threads.
///
/// | Expression          | Meaning                                                             |
/// |---------------------|---------------------------------------------------------------------|
/// | `P::counter`        | a `usage_counter` model                                             |
/// | `P::mutex`          | BasicLockable; guards bookkeeping (streams, tiers, registry)        |
/// | `P::concurrent`     | `bool`: true when callers may use the engine from several threads   |
// clang-format 14 mangles requires-expressions (`noexcept->`): keep them as written.
// clang-format off
template <class P>
concept counter_policy = usage_counter<typename P::counter> && requires(typename P::mutex& m) {
  { P::concurrent } -> std::convertible_to<bool>;
  m.lock();
  m.unlock();
};
// clang-format on

}  // namespace jsacct
