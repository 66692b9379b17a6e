// SPDX-License-Identifier: Apache-2.0
/// \file
/// The two shipped storage backends, memory and file, and `visit_backend`,
/// which maps a run-time storage_type onto them.
#pragma once

#include "jsacct/config.hpp"

#include <cstddef>
#include <cstdint>

#include "jsacct/concepts/storage_backend.hpp"

namespace jsacct {

/// Memory storage: size S+H+M+16, account limit max_memory, error 10028.
struct memory_backend {
  static constexpr storage_type type = storage_type::memory;
  static constexpr std::uint64_t msg_size(msg_lengths m) noexcept { return mem_store_msg_size(m); }
  static constexpr std::int64_t account_limit(const account_limits& l) noexcept { return l.max_memory; }
  static constexpr std::int64_t stream_bytes_cap(const account_limits& l) noexcept { return l.memory_max_stream_bytes; }
  static constexpr std::int64_t server_limit(const jetstream_config& c) noexcept { return c.max_memory; }
  static constexpr errc resources_exceeded = errc::memory_resources_exceeded;
  static constexpr std::int64_t default_capacity = std::int64_t{256} << 20;  ///< JetStreamMaxMemDefault
};
static_assert(storage_backend<memory_backend>);

/// File storage: size S+M+30 (S+H+M+34 with headers), account limit max_storage, error 10047.
struct file_backend {
  static constexpr storage_type type = storage_type::file;
  static constexpr std::uint64_t msg_size(msg_lengths m) noexcept { return file_store_msg_size(m); }
  static constexpr std::int64_t account_limit(const account_limits& l) noexcept { return l.max_store; }
  static constexpr std::int64_t stream_bytes_cap(const account_limits& l) noexcept { return l.store_max_stream_bytes; }
  static constexpr std::int64_t server_limit(const jetstream_config& c) noexcept { return c.max_store; }
  static constexpr errc resources_exceeded = errc::storage_resources_exceeded;
  static constexpr std::int64_t default_capacity = std::int64_t{1} << 40;  ///< JetStreamMaxStoreDefault
};
static_assert(storage_backend<file_backend>);

/// Usage accounting rule (docs/semantics.md#storage-types): everything that is not memory is file.
template <class F>
constexpr decltype(auto) visit_usage_backend(storage_type t, F&& f) {
  if (t == storage_type::memory) return f(memory_backend{});
  return f(file_backend{});
}

/// Index of the usage counter for `t`: 0 memory, 1 file (and anything else).
constexpr std::size_t usage_slot(storage_type t) noexcept { return t == storage_type::memory ? 0 : 1; }

/// Reservation rule (docs/semantics.md#storage-types): explicit memory and file cases; any other value is -1 (nothing).
constexpr int reservation_slot(storage_type t) noexcept {
  return t == storage_type::memory ? 0 : t == storage_type::file ? 1 : -1;
}

}  // namespace jsacct
