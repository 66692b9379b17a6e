// SPDX-License-Identifier: Apache-2.0
// Embedding jsacct: enable accounts, reserve streams, record usage, hit a
// limit, print the usage snapshot. Build: meson setup build && ninja -C build;
// run: build/examples/embed
#include <cstdio>
#include <string>

#include "jsacct/jsacct.hpp"

namespace {

void print(const char* what, const jsacct::api_error& e) { std::printf("%-44s -> %s\n", what, e ? e.text().c_str() : "ok"); }

}  // namespace

int main() {
  using namespace jsacct;

  // One server with 1 MiB of memory and 10 MiB of file storage.
  jetstream_config server;
  server.max_memory = 1 << 20;
  server.max_store = 10 << 20;
  engine js(server);

  // Account A: untiered limits, 100 kB of file storage, at most 2 streams.
  account_limits lim = dynamic_account_limits;
  lim.max_memory = 50'000;
  lim.max_store = 100'000;
  lim.max_streams = 2;
  auto acct = js.enable_account("A", {{"", lim}});
  if (!acct) return print("enable account A", acct.error()), 1;
  engine::account a = acct.value();

  // Reserve streams: max_bytes counts against the account and the server.
  auto orders = a.create_stream(stream_config{.name = "ORDERS", .storage = storage_type::file, .max_bytes = 60'000});
  print("create ORDERS (file, max_bytes 60000)", orders ? api_error{} : orders.error());
  auto big = a.create_stream(stream_config{.name = "BIG", .storage = storage_type::file, .max_bytes = 40'001});
  print("create BIG (file, max_bytes 40001)", big ? api_error{} : big.error());
  auto events = a.create_stream(stream_config{.name = "EVENTS", .storage = storage_type::file});
  print("create EVENTS (file, unlimited)", events ? api_error{} : events.error());
  auto third = a.create_stream(stream_config{.name = "THIRD", .storage = storage_type::memory, .max_bytes = 1000});
  print("create THIRD (a third stream)", third ? api_error{} : third.error());

  // Publish into EVENTS until the account's 100 kB are used: each message is
  // checked before it is stored, then its stored size is recorded.
  const msg_lengths msg{.subject = 8, .header = 0, .payload = 1000};  // "events.x", 1000-byte payload
  int stored = 0;
  api_error refused;
  for (;;) {
    if (auto v = events->check_publish(msg); v != errc::none) {
      refused = v.to_api_error();
      break;
    }
    events->add_usage(static_cast<std::int64_t>(file_store_msg_size(msg)));
    ++stored;
  }
  std::printf("stored %d messages of %llu bytes; next publish -> %s\n", stored,
              static_cast<unsigned long long>(file_store_msg_size(msg)), refused.text().c_str());

  // The account snapshot, as $JS.API.INFO reports it.
  const account_stats s = a.usage();
  std::printf("account A: storage %llu / %lld bytes, reserved %llu, streams %lld\n", static_cast<unsigned long long>(s.store),
              static_cast<long long>(s.limits.max_store), static_cast<unsigned long long>(s.reserved_store),
              static_cast<long long>(s.streams));

  // Deleting a stream (destroying its reservation) gives its bytes back.
  orders->reset();
  const server_stats st = js.usage_stats();
  std::printf("server: storage %llu, reserved_storage %llu after deleting ORDERS\n", static_cast<unsigned long long>(st.store),
              static_cast<unsigned long long>(st.reserved_store));
  return 0;
}
