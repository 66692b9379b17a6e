// SPDX-License-Identifier: Apache-2.0
// Consumer test (cmake): enable an account, reserve a stream, print the snapshot.
#include <cstdio>

#include <jsacct/jsacct.hpp>

int main() {
  jsacct::jetstream_config server;
  server.max_memory = server.max_store = 1 << 20;
  jsacct::engine js(server);
  auto a = js.enable_account("A", {{"", jsacct::dynamic_account_limits}}).value();
  auto s = a.create_stream(jsacct::stream_config{.name = "ORDERS", .storage = jsacct::storage_type::file, .max_bytes = 4096});
  if (!s) return std::puts(s.error().text().c_str()), 1;
  const jsacct::account_stats st = a.usage();
  std::printf("cmake: streams %lld, reserved_storage %llu\n", static_cast<long long>(st.streams),
              static_cast<unsigned long long>(st.reserved_store));
  return st.streams == 1 && st.reserved_store == 4096 ? 0 : 1;
}
