// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the wire unit tests: limits, a server budget and encoded
// `$JSC.ARU` updates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "jsacct/types.hpp"
#include "jsacct/wire/usage_update.hpp"

namespace wiretest {

using bytes = std::vector<std::byte>;

/// Dynamic limits (-1 everywhere) with the given memory and store limits.
inline jsacct::account_limits lim(std::int64_t mem, std::int64_t store) {
  jsacct::account_limits l = jsacct::dynamic_account_limits;
  l.max_memory = mem;
  l.max_store = store;
  return l;
}

/// A server budget of `mem` memory and `store` file bytes.
inline jsacct::jetstream_config server_config(std::int64_t mem, std::int64_t store) {
  jsacct::jetstream_config c;
  c.max_memory = mem;
  c.max_store = store;
  return c;
}

/// An encoded usage update with these API counters and tier records.
inline bytes encode(std::uint64_t api, std::uint64_t errors, const std::vector<jsacct::usage_record>& tiers) {
  bytes out;
  jsacct::encode_usage_update(api, errors, tiers, out);
  return out;
}

}  // namespace wiretest
