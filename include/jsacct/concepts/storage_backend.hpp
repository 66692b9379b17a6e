// SPDX-License-Identifier: Apache-2.0
/// \file
/// The `storage_backend` concept: what differs between memory and file storage
/// for the accounting core (docs/semantics.md#storage-types, docs/semantics.md#limit-values, docs/semantics.md#message-sizes,
/// docs/semantics.md#enforcement).
#pragma once

#include "jsacct/config.hpp"

#include <concepts>
#include <cstdint>

#include "jsacct/error.hpp"
#include "jsacct/storage/msg_size.hpp"
#include "jsacct/types.hpp"

namespace jsacct {

/// \concept storage_backend
/// A stateless description of one storage type. Every expression is `noexcept`
/// and usable in constant expressions; thread-safe by construction (no state).
///
/// | Expression                  | Returns        | Semantics                                                         |
/// |-----------------------------|----------------|-------------------------------------------------------------------|
/// | `B::type`                   | `storage_type` | which stream storage this backend accounts for                    |
/// | `B::msg_size(m)`            | `uint64_t`     | bytes one stored message counts for (docs/semantics.md#message-sizes) | |
/// `B::account_limit(l)`       | `int64_t`      | the account tier byte limit (`max_memory` / `max_storage`)       | |
/// `B::stream_bytes_cap(l)`    | `int64_t`      | the per-stream max_bytes cap (`*_max_stream_bytes`; <= 0 = none)  | |
/// `B::server_limit(c)`        | `int64_t`      | the server capacity (`max_memory` / `max_storage` of the config)  | |
/// `B::resources_exceeded`     | `errc`         | reservation error: 10028 (memory) / 10047 (file)                  | |
/// `B::default_capacity`       | `int64_t`      | server capacity when it cannot be probed (256 MiB / 1 TiB)        |
// clang-format 14 mangles requires-expressions (`noexcept->`): keep them as written.
// clang-format off
template <class B>
concept storage_backend = requires(msg_lengths m, const account_limits& l, const jetstream_config& c) {
  { B::type } -> std::convertible_to<storage_type>;
  { B::msg_size(m) } noexcept -> std::same_as<std::uint64_t>;
  { B::account_limit(l) } noexcept -> std::same_as<std::int64_t>;
  { B::stream_bytes_cap(l) } noexcept -> std::same_as<std::int64_t>;
  { B::server_limit(c) } noexcept -> std::same_as<std::int64_t>;
  { B::resources_exceeded } -> std::convertible_to<errc>;
  { B::default_capacity } -> std::convertible_to<std::int64_t>;
};
// clang-format on

}  // namespace jsacct
