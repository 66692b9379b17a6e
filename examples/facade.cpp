// SPDX-License-Identifier: Apache-2.0
// The facade: a JetStream server lifecycle around the engine. Enable with a
// dynamic config in a temporary store dir, register and enable an account,
// use the engine until the account limit refuses a message, handle an
// out-of-space condition, re-enable and disable. Every log line and advisory
// the facade produces is printed. Build: meson setup build && ninja -C build;
// run: build/examples/facade
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "jsacct/facade/server.hpp"
#include "jsacct/jsacct.hpp"

namespace {

const char* kind_name(jsacct::server_event_kind k) {
  switch (k) {
    case jsacct::server_event_kind::debug:
      return "DBG";
    case jsacct::server_event_kind::notice:
      return "INF";
    case jsacct::server_event_kind::warning:
      return "WRN";
    case jsacct::server_event_kind::error:
      return "ERR";
    case jsacct::server_event_kind::advisory:
      return "ADV";
  }
  return "???";
}

int fail(const char* what, const std::string& why) {
  std::printf("FAILED: %s: %s\n", what, why.c_str());
  return 1;
}

}  // namespace

int main() {
  using namespace jsacct;
  namespace fs = std::filesystem;

  // A temporary store dir; the server adds "/jetstream" to it.
  std::string dir = (fs::temp_directory_path() / "jsacct-facade-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) return fail("mkdtemp", dir);

  server_setup setup;
  setup.server_name = "n1";
  // The probes read the real machine by default (sysinfo, cgroup limit,
  // statvfs). Fixed values keep this example's output the same everywhere:
  setup.probe.total_memory = [] { return std::int64_t{8} << 30; };  // 8 GiB of RAM -> 6 GiB for JetStream
  setup.probe.process_memory_limit = [] { return std::optional<std::int64_t>{}; };
  setup.probe.disk_available = [](const std::string&) { return std::int64_t{100} << 20; };  // 100 MiB of usable disk
  setup.on_event = [](const server_event& e) {
    if (e.kind == server_event_kind::advisory)
      std::printf("  [ADV] %s %s\n", e.subject.c_str(), e.text.c_str());
    else
      std::printf("  [%s] %s\n", kind_name(e.kind), e.text.c_str());
  };
  jetstream_server srv(setup);

  // 1. Enable: no limits given (0 = unset), so the dynamic config decides them (docs/semantics.md#dynamic-config).
  jetstream_config cfg;
  cfg.store_dir = dir;
  std::puts("enable:");
  if (auto r = srv.enable(cfg); !r) return fail("enable", r.error().text());
  const jetstream_config c = *srv.config();
  std::printf("enabled=%d max_memory=%lld max_storage=%lld store_dir ends in /jetstream: %d\n", srv.enabled(),
              static_cast<long long>(c.max_memory), static_cast<long long>(c.max_store), c.store_dir == dir + "/jetstream");

  // 2. Accounts: registered with the server first, then enabled with limits.
  srv.register_account("A");
  std::printf("enable unregistered B -> %s\n", srv.enable_account("B").error().text().c_str());
  account_limits lim = dynamic_account_limits;
  lim.max_store = 10'000;
  std::puts("enable account A:");
  if (auto r = srv.enable_account("A", {{"", lim}}); !r) return fail("enable_account", r.error().text());

  // 3. The engine: reserve a stream and store messages until the account limit refuses one.
  auto acct = srv.lookup_account("A");
  if (!acct) return fail("lookup_account", acct.error().text());
  engine::account a = acct.value();
  auto orders = a.create_stream(stream_config{.name = "ORDERS", .storage = storage_type::file});
  if (!orders) return fail("create_stream", orders.error().text());
  const msg_lengths msg{.subject = 6, .header = 0, .payload = 1000};
  int stored = 0;
  api_error refused;
  while (!(refused = orders->check_publish(msg).to_api_error())) {
    orders->add_usage(static_cast<std::int64_t>(file_store_msg_size(msg)));
    ++stored;
  }
  std::printf("stored %d messages; next -> %s; accounts %zu\n", stored, refused.text().c_str(), srv.num_accounts());

  // 4. The store reports ENOSPC: out of space shuts JetStream down (once per engine), state is kept.
  std::puts("out of space:");
  const bool acted = srv.handle_out_of_space(storage_type::file, "ORDERS");
  std::printf("acted=%d enabled=%d account handle enabled=%d again=%d\n", acted, srv.enabled(), a.enabled(),
              srv.handle_out_of_space());

  // 5. Re-enable (configured accounts come back with their limits), then disable.
  std::puts("enable again:");
  if (auto r = srv.enable(cfg); !r) return fail("re-enable", r.error().text());
  std::printf("enabled=%d account A enabled=%d limits max_storage=%lld\n", srv.enabled(), srv.account_enabled("A"),
              static_cast<long long>(srv.lookup_account("A").value().limits().at("").max_store));
  std::puts("disable:");
  if (auto r = srv.disable(); !r) return fail("disable", r.error().text());
  std::printf("enabled=%d store_dir=\"%s\"\n", srv.enabled(), srv.store_dir().c_str());

  std::error_code ec;
  fs::remove_all(dir, ec);
  return acted && stored == 9 && !srv.enabled() ? 0 : 1;
}
