// SPDX-License-Identifier: Apache-2.0
// The README's embedding snippet, compiled and run so it cannot rot.
#include <cstdio>

#include <jsacct/jsacct.hpp>

int main() {
  using namespace jsacct;

  jetstream_config server;  // this server's capacity
  server.max_memory = 1 << 30;
  server.max_store = 10ll << 30;
  engine js(server);  // main semantics, atomic counters

  account_limits lim = dynamic_account_limits;  // all -1 = unlimited
  lim.max_store = 1 << 20;
  engine::account a = js.enable_account("A", {{"", lim}}).value();

  auto s = a.create_stream(stream_config{.name = "ORDERS", .storage = storage_type::file, .max_bytes = 512 << 10});
  if (!s) std::puts(s.error().text().c_str());  // e.g. "insufficient storage resources available (10047)"

  msg_lengths m{.subject = 8, .header = 0, .payload = 100};
  publish_verdict v = s->check_publish(m);  // lock-free, allocation-free
  if (v.accepted())                         // stream caps, account and server limits
    s->add_message(m);                      // counts its stored size for the stream's storage type

  account_stats info = a.usage();  // $JS.API.INFO numbers
  s->reset();                      // delete: the reservation is released
  std::printf("storage %llu, reserved after delete %lld\n", static_cast<unsigned long long>(info.store),
              static_cast<long long>(js.reserved().store));
  return info.store == 138 && js.reserved().store == 0 ? 0 : 1;
}
