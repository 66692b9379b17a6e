// SPDX-License-Identifier: Apache-2.0
// A custom storage_backend: a compressed file store whose records are smaller
// than nats-server's file store. The backend is a stateless description that
// the concept checks at compile time; the embedder uses its msg_size to record
// usage, while the engine's publish check stays nats-server's (it tests the
// uncompressed size, a conservative bound).
#include <cstdint>
#include <cstdio>

#include "jsacct/jsacct.hpp"

namespace {

/// File storage with payloads compressed 2:1 and a 16-byte record header
/// (instead of the file store's 22 + 8 bytes). Limits, error and default
/// capacity are the file store's.
struct compressed_file_backend {
  static constexpr jsacct::storage_type type = jsacct::storage_type::file;
  static constexpr std::uint64_t msg_size(jsacct::msg_lengths m) noexcept {
    return 16 + m.subject + (m.header > 0 ? 4 + m.header : 0) + (m.payload + 1) / 2;
  }
  static constexpr std::int64_t account_limit(const jsacct::account_limits& l) noexcept { return l.max_store; }
  static constexpr std::int64_t stream_bytes_cap(const jsacct::account_limits& l) noexcept { return l.store_max_stream_bytes; }
  static constexpr std::int64_t server_limit(const jsacct::jetstream_config& c) noexcept { return c.max_store; }
  static constexpr jsacct::errc resources_exceeded = jsacct::errc::storage_resources_exceeded;
  static constexpr std::int64_t default_capacity = std::int64_t{1} << 40;
};
static_assert(jsacct::storage_backend<compressed_file_backend>);
// Sizes are constant expressions: 1000-byte payload on a 10-byte subject.
static_assert(compressed_file_backend::msg_size({10, 0, 1000}) == 526);
static_assert(jsacct::file_backend::msg_size({10, 0, 1000}) == 1040);

}  // namespace

int main() {
  using namespace jsacct;
  using B = compressed_file_backend;
  jetstream_config server;
  server.max_memory = 1 << 20;
  server.max_store = 1 << 30;
  engine js(server);
  account_limits lim = dynamic_account_limits;
  lim.max_store = 10'000;
  auto acct = js.enable_account("A", {{"", lim}}).value();
  auto stream = acct.create_stream(stream_config{.name = "Z", .storage = B::type}).value();

  // Publish 1000-byte messages: check with the engine, record the backend's size.
  const msg_lengths m{.subject = 10, .header = 0, .payload = 1000};
  int stored = 0;
  errc why = errc::none;
  while ((why = stream.check_publish(m).error) == errc::none) {
    acct.update_usage(stream.tier(), B::type, static_cast<std::int64_t>(B::msg_size(m)));
    ++stored;
  }
  const account_stats s = acct.usage();
  std::printf("%s: %d messages of %llu bytes (file store: %llu), account storage %llu / %lld, then %d\n", "compressed", stored,
              static_cast<unsigned long long>(B::msg_size(m)), static_cast<unsigned long long>(file_backend::msg_size(m)),
              static_cast<unsigned long long>(s.store), static_cast<long long>(B::account_limit(s.limits)),
              static_cast<int>(why));
  // 18 x 526 = 9468 bytes stored; the 19th is checked at its uncompressed
  // 1040 bytes: 9468 + 1040 > 10000 -> 10002 (the file store would stop at 9).
  return stored == 18 && why == errc::account_resources_exceeded ? 0 : 1;
}
