// SPDX-License-Identifier: Apache-2.0
// One node of a jsacct "cluster": a jsacct engine whose account A shares its
// usage with the other nodes over NATS ($JSC.ARU.A.<node>, the nats-server
// wire format), so a publish check on any node sees the cluster-wide total.
//
//   cluster_node [--expire-after-sweeps=N] <nats-url> <node-name> <account-limit-bytes> [script...]
//
// With --expire-after-sweeps=N a peer that sent nothing for N ticks (1.5 s
// each) stops counting (docs/cluster.md#peer-expiry); without it peers never
// expire, as in nats-server.
// The script is read from the remaining arguments or, without any, from stdin
// (one command per line). Commands and what they print (one line each, except wait):
//   add <bytes>    record <bytes> (may be negative) stored on this node -> "local <n>"
//   check <bytes>  may a message with a <bytes>-byte payload on subject "s" be
//                  stored (file stream, stored size = bytes + 31)? -> "ok" or "10002"
//   wait <ms>      sleep
//   total          the account's cluster-wide stored bytes -> "<n>"
//   local          this node's stored bytes -> "<n>"
//   peers          the peers whose usage counts, sorted -> "<id> <id> ..." (empty line if none)
//   quit           exit (end of input does the same)
// At startup it prints "ready <node-name> <node-id>" once subscribed.
//
// Example (a nats-server on localhost:4222, three shells):
//   build/examples/cluster_node nats://127.0.0.1:4222 n1 10000 add 3000 wait 3000 total check 500
#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "jsacct/jsacct.hpp"
#include "jsacct/transport/nats_usage_sync.hpp"
#include "jsacct/wire/cluster_usage.hpp"
#include "jsacct/wire/peer_expiry.hpp"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: cluster_node [--expire-after-sweeps=N] <nats-url> <node-name> <account-limit-bytes> "
               "[add N|check N|wait MS|total|local|peers|quit ...]\n");
  return 2;
}

bool parse_i64(const std::string& s, std::int64_t& out) {
  try {
    std::size_t pos = 0;
    out = std::stoll(s, &pos);
    return pos == s.size();
  } catch (...) {
    return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<jsacct::peer_expiry_options> expiry;
  if (argc > 1 && std::string_view(argv[1]).starts_with("--expire-after-sweeps=")) {
    std::int64_t n = 0;
    if (!parse_i64(std::string(argv[1]).substr(std::string_view("--expire-after-sweeps=").size()), n) || n < 0 ||
        n > UINT32_MAX) {
      std::fprintf(stderr, "--expire-after-sweeps: expected a number of ticks from 0 to 4294967295, got \"%s\"\n", argv[1]);
      return 2;
    }
    expiry = jsacct::peer_expiry_options{.expire_after_sweeps = static_cast<std::uint32_t>(n)};
    --argc;
    ++argv;
  }
  if (argc < 4) return usage();
  const std::string url = argv[1], name = argv[2];
  std::int64_t limit = 0;
  if (!parse_i64(argv[3], limit)) return usage();

  // The engine: one server (clustered: standalone = false), account A with an
  // untiered file limit, one R1 file stream S whose stored bytes we record.
  jsacct::jetstream_config cfg;
  cfg.max_memory = 1 << 30;
  cfg.max_store = std::int64_t{1} << 40;
  jsacct::engine eng(cfg, {.mode = jsacct::deployment::clustered});
  jsacct::account_limits lim = jsacct::dynamic_account_limits;
  lim.max_store = limit;
  auto acc = eng.enable_account("A", jsacct::limits_map{{"", lim}});
  if (!acc.ok()) {
    std::fprintf(stderr, "enable account: %s\n", acc.error().text().c_str());
    return 1;
  }
  auto stream = acc->create_stream(jsacct::stream_config{.name = "S", .storage = jsacct::storage_type::file});
  if (!stream.ok()) {
    std::fprintf(stderr, "create stream: %s\n", stream.error().text().c_str());
    return 1;
  }

  natsOptions* opts = nullptr;
  natsConnection* nc = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = natsOptions_SetURL(opts, url.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, 5000);
  if (s == NATS_OK) s = natsConnection_Connect(&nc, opts);
  natsOptions_Destroy(opts);
  if (s != NATS_OK) {
    std::fprintf(stderr, "connect %s: %s\n", url.c_str(), natsStatus_GetText(s));
    nats_Close();
    return 1;
  }

  const auto id = jsacct::node_id(name);
  int rc = 0;
  {
    jsacct::nats_usage_sync_options o;
    o.on_update = [](std::string_view subject, const jsacct::remote_usage_result& r) {
      if (!r.warning().empty())
        std::fprintf(stderr, "%.*s: %.*s\n", static_cast<int>(subject.size()), subject.data(),
                     static_cast<int>(r.warning().size()), r.warning().data());
    };
    o.on_publish_error = [](natsStatus st) { std::fprintf(stderr, "publish: %s\n", natsStatus_GetText(st)); };
    o.expiry = expiry;
    o.on_sweep = [](const jsacct::peer_sweep_result& r) {
      for (const auto& peer : r.expired) std::fprintf(stderr, "usage of peer %s expired\n", peer.c_str());
    };
    jsacct::nats_usage_sync sync(nc, *acc, id, std::move(o));
    if (s = sync.start(); s != NATS_OK) {
      std::fprintf(stderr, "subscribe: %s\n", natsStatus_GetText(s));
      rc = 1;
    } else {
      std::cout << "ready " << name << ' ' << id.view() << std::endl;

      // Commands: from the arguments if any, else from stdin.
      std::vector<std::string> script(argv + 4, argv + argc);
      std::istringstream args_in;
      if (!script.empty()) {
        std::string joined;
        for (const auto& a : script) joined += a + ' ';
        args_in.str(joined);
      }
      std::istream& in = script.empty() ? std::cin : static_cast<std::istream&>(args_in);
      std::string cmd;
      while (in >> cmd) {
        std::int64_t n = 0;
        if (cmd == "quit") break;
        if (cmd == "total") {
          std::cout << acc->usage().store << std::endl;
        } else if (cmd == "peers") {
          std::string line;
          for (const auto& p : jsacct::remote_peers(*acc)) line += (line.empty() ? "" : " ") + p;
          std::cout << line << std::endl;
        } else if (cmd == "local") {
          std::cout << acc->usage_of(stream->tier(), jsacct::storage_type::file).local << std::endl;
        } else if (cmd == "add" || cmd == "check" || cmd == "wait") {
          std::string arg;
          if (!(in >> arg) || !parse_i64(arg, n)) {
            std::fprintf(stderr, "%s: expected a number\n", cmd.c_str());
            rc = 2;
            break;
          }
          if (cmd == "add") {
            stream->add_usage(n);
            sync.notify_changed();  // throttled; the 1.5 s tick sends what this one suppresses
            std::cout << "local " << acc->usage_of(stream->tier(), jsacct::storage_type::file).local << std::endl;
          } else if (cmd == "check") {
            const auto e = stream->check_publish(jsacct::msg_lengths{1, 0, static_cast<std::uint64_t>(n < 0 ? 0 : n)});
            if (e == jsacct::errc::none) {
              std::cout << "ok" << std::endl;
            } else {
              std::cout << static_cast<int>(e.error) << std::endl;
            }
          } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(n));
          }
        } else {
          std::fprintf(stderr, "unknown command: %s\n", cmd.c_str());
          rc = 2;
          break;
        }
      }
    }
  }  // the adapter stops (timer joined, unsubscribed) before the connection goes
  natsConnection_Destroy(nc);
  nats_Close();
  return rc;
}
