// SPDX-License-Identifier: Apache-2.0
// Shared helpers for the core suites: limit/config builders, printing of
// jsacct's enums in doctest messages, and small result accessors.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "jsacct/jsacct.hpp"

namespace doctest {
template <>
struct StringMaker<jsacct::errc> {
  static String convert(jsacct::errc e) {
    const auto* row = jsacct::find_error(e);
    std::string s = std::to_string(static_cast<int>(e));
    if (row != nullptr) s += std::string(" ") + std::string(row->name);
    return String(s.c_str());
  }
};
template <>
struct StringMaker<jsacct::publish_verdict> {
  static String convert(const jsacct::publish_verdict& v) {
    std::string s = StringMaker<jsacct::errc>::convert(v.error).c_str();
    if (!v.text.empty()) s += " \"" + std::string(v.text) + "\"";
    s += " evict_msgs=" + std::to_string(v.evict_msgs) + " evict_bytes=" + std::to_string(v.evict_bytes) +
         " evict_subject_msgs=" + std::to_string(v.evict_subject_msgs) + (v.evicts_new ? " evicts_new" : "");
    return String(s.c_str());
  }
};
template <>
struct StringMaker<jsacct::api_error> {
  static String convert(const jsacct::api_error& e) { return String(e.text().c_str()); }
};
}  // namespace doctest

namespace coretest {

using jsacct::errc;
using jsacct::storage_type;

inline constexpr std::int64_t KiB = 1024;
inline constexpr std::int64_t MiB = 1024 * KiB;
inline constexpr std::int64_t GiB = 1024 * MiB;
inline constexpr std::int64_t MaxInt64 = std::numeric_limits<std::int64_t>::max();
inline constexpr std::int64_t MinInt64 = std::numeric_limits<std::int64_t>::min();

/// Account limits: memory/store as given, every other numeric field -1 (as a
/// config-file map or a JWT conversion yields), max_bytes_required false.
inline jsacct::account_limits lim(std::int64_t mem, std::int64_t store, std::int64_t streams = -1, std::int64_t consumers = -1) {
  jsacct::account_limits l = jsacct::dynamic_account_limits;
  l.max_memory = mem;
  l.max_store = store;
  l.max_streams = streams;
  l.max_consumers = consumers;
  return l;
}

/// Untiered limits map {"": l}.
inline jsacct::limits_map untiered(const jsacct::account_limits& l) { return jsacct::limits_map{{"", l}}; }

/// Server JetStream config with the given capacities.
inline jsacct::jetstream_config server(std::int64_t max_mem, std::int64_t max_store) {
  jsacct::jetstream_config c;
  c.max_memory = max_mem;
  c.max_store = max_store;
  return c;
}

inline jsacct::stream_config stream(std::string name, storage_type st, std::int64_t max_bytes = -1, std::int64_t replicas = 1,
                                    std::int64_t max_consumers = -1) {
  jsacct::stream_config c;
  c.name = std::move(name);
  c.storage = st;
  c.replicas = replicas;
  c.max_bytes = max_bytes;
  c.max_consumers = max_consumers;
  return c;
}
inline jsacct::stream_config file(std::string name, std::int64_t max_bytes = -1, std::int64_t replicas = 1) {
  return stream(std::move(name), storage_type::file, max_bytes, replicas);
}
inline jsacct::stream_config mem(std::string name, std::int64_t max_bytes = -1, std::int64_t replicas = 1) {
  return stream(std::move(name), storage_type::memory, max_bytes, replicas);
}

/// The error of a result (errc::none when it succeeded).
template <class R>
errc err(const R& r) {
  return r.ok() ? errc::none : r.error().id();
}

/// Enable an account that must be admitted.
template <class E>
typename E::account enable(E& eng, std::string_view name, jsacct::limits_map l = {}) {
  auto r = eng.enable_account(name, std::move(l));
  REQUIRE_MESSAGE(r.ok(), r.error().text());
  return std::move(r).value();
}

/// Create a stream that must be accepted.
template <class A>
auto create(A& acc, const jsacct::stream_config& c, const jsacct::create_options& o = {}) {
  auto r = acc.create_stream(c, o);
  REQUIRE_MESSAGE(r.ok(), (c.name + ": " + r.error().text()));
  return std::move(r).value();
}

/// msg_lengths helper (subject, header, payload lengths).
inline jsacct::msg_lengths msg(std::uint64_t subject, std::uint64_t payload, std::uint64_t header = 0) {
  return jsacct::msg_lengths{subject, header, payload};
}

/// Memory/store slot of a mem_store.
inline std::int64_t slot_of(const jsacct::mem_store& m, storage_type s) { return s == storage_type::memory ? m.mem : m.store; }

}  // namespace coretest
