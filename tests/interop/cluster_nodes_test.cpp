// SPDX-License-Identifier: Apache-2.0
// Three jsacct engine nodes (examples/cluster_node) share one account limit
// through a real nats-server: each records 3000 bytes locally, the exchange
// ($JSC.ARU, jsacct::nats_usage_sync) makes every node see 9000, a publish
// check on any node is rejected (10002) once the cluster-wide total reaches
// the 10000-byte limit, and accepted again after one node's usage drops.
// Everything is bounded in time; the server and the nodes are always killed.
#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "interop_support.hpp"
#include "jsacct/wire/node_id.hpp"

using namespace std::chrono_literals;
using interop::steady;

namespace {

double ms(steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string cluster_node_path() {
  const char* p = std::getenv("CLUSTER_NODE");
  REQUIRE_MESSAGE(p != nullptr, "set CLUSTER_NODE to the cluster_node example binary");
  return p;
}

struct node {
  std::string name;
  std::unique_ptr<interop::child_process> proc;

  /// Send one command and read its one-line answer (bounded).
  std::string ask(const std::string& cmd) {
    REQUIRE_MESSAGE(proc->write_line(cmd), name << ": cannot write '" << cmd << "'");
    auto line = proc->read_line(5s);
    REQUIRE_MESSAGE(line.has_value(), name << ": no answer to '" << cmd << "'");
    return *line;
  }
};

/// Poll every node's "total" until all report `want` (bounded). Returns the time it took.
steady::duration wait_totals(std::vector<node>& nodes, long want, steady::duration limit = 10s) {
  const auto t0 = steady::now();
  std::string last;
  const bool ok = interop::wait_until(
      [&] {
        for (auto& n : nodes) {
          const std::string t = n.ask("total");
          last = n.name + " total " + t;
          if (std::stol(t) != want) return false;
        }
        return true;
      },
      limit, 50ms);
  REQUIRE_MESSAGE(ok, "cluster total did not reach " << want << " (last: " << last << ")");
  return steady::now() - t0;
}

/// The node id nodes[i] printed on its ready line is not kept; compute it the same way.
std::string jsacct_node_id_of(const std::vector<node>& nodes, std::size_t i) {
  return std::string(jsacct::node_id(nodes[i].name).view());
}

}  // namespace

TEST_CASE("three cluster_node processes share one account limit over a real nats-server") {
  const auto t_start = steady::now();
  const std::string bin = cluster_node_path();
  interop::nats_server srv("");  // plain: no JetStream, no accounts
  std::printf("nats-server up on %s in %.1f ms\n", srv.url().c_str(), ms(srv.startup_time()));

  std::vector<node> nodes;
  for (const char* name : {"n1", "n2", "n3"}) {
    interop::child_process::options o;
    o.pipe_stdin = true;
    o.pipe_stdout = true;
    nodes.push_back(
        node{name, std::make_unique<interop::child_process>(std::vector<std::string>{bin, srv.url(), name, "10000"}, o)});
  }
  for (auto& n : nodes) {
    auto ready = n.proc->read_line(10s);
    REQUIRE_MESSAGE(ready.has_value(), n.name << " did not start");
    CHECK(ready->rfind("ready " + n.name + " ", 0) == 0);
  }
  std::printf("3 nodes connected and subscribed after %.1f ms\n", ms(steady::now() - t_start));

  for (auto& n : nodes) CHECK(n.ask("add 3000") == "local 3000");
  std::printf("exchange: all nodes see 9000 after %.1f ms\n", ms(wait_totals(nodes, 9000)));

  // 9000 + (1000 + 31) > 10000 is refused everywhere; 9000 + (900 + 31) fits.
  for (auto& n : nodes) {
    CHECK(n.ask("check 1000") == "10002");
    CHECK(n.ask("check 900") == "ok");
    CHECK(n.ask("local") == "3000");
  }

  // n1 stores 1000 more: the cluster total reaches the limit; any publish is refused on every node.
  CHECK(nodes[0].ask("add 1000") == "local 4000");
  std::printf("exchange: all nodes see 10000 after %.1f ms\n", ms(wait_totals(nodes, 10000)));
  for (auto& n : nodes) CHECK(n.ask("check 0") == "10002");

  // n2's usage drops by 3000: accepted again everywhere.
  CHECK(nodes[1].ask("add -3000") == "local 0");
  std::printf("exchange: all nodes see 7000 after %.1f ms\n", ms(wait_totals(nodes, 7000)));
  for (auto& n : nodes) {
    CHECK(n.ask("check 1000") == "ok");
    CHECK(n.ask("check 3000") == "10002");
  }

  // Clean shutdown (bounded); the destructors kill whatever is left.
  for (auto& n : nodes) {
    CHECK(n.proc->write_line("quit"));
    const auto rc = n.proc->wait_exit(5s);
    CHECK_MESSAGE(rc.has_value(), n.name << " did not exit");
    if (rc) CHECK(*rc == 0);
  }
  CHECK(srv.running());
  std::printf("cluster test total %.1f ms\n", ms(steady::now() - t_start));
}

TEST_CASE("a killed cluster_node's usage expires in the nodes that sweep, and comes back when it restarts") {
  // docs/cluster.md#peer-expiry: n1, n2 and n3 expire a peer after 2 silent
  // ticks (3 s); w never expires (nats-server's behavior) and keeps counting
  // the dead node's last report: the phantom usage of nats-server #8563.
  const std::string bin = cluster_node_path();
  interop::nats_server srv("");
  auto start = [&](const std::string& name, bool expires) {
    interop::child_process::options o;
    o.pipe_stdin = true;
    o.pipe_stdout = true;
    std::vector<std::string> argv{bin};
    if (expires) argv.push_back("--expire-after-sweeps=2");
    for (const std::string& a : {srv.url(), name, std::string("100000")}) argv.push_back(a);
    node n{name, std::make_unique<interop::child_process>(argv, o)};
    auto ready = n.proc->read_line(10s);
    REQUIRE_MESSAGE(ready.has_value(), name << " did not start");
    REQUIRE(ready->rfind("ready " + name + " ", 0) == 0);
    return n;
  };
  std::vector<node> nodes;
  for (const char* name : {"n1", "n2", "n3"}) nodes.push_back(start(name, true));
  nodes.push_back(start("w", false));
  for (std::size_t i = 0; i < 3; ++i) CHECK(nodes[i].ask("add 2000") == "local 2000");
  std::printf("expiry: all nodes see 6000 after %.1f ms\n", ms(wait_totals(nodes, 6000)));
  const std::string n3_id = jsacct_node_id_of(nodes, 2);

  // SIGKILL: n3 sends nothing any more. n1 and n2 drop its 2000 bytes within
  // 2 silent ticks plus the tick in flight (at most 4.5 s; 15 s allowed).
  const auto killed = steady::now();
  nodes[2].proc->kill();
  std::vector<node> sweepers;
  sweepers.push_back(std::move(nodes[0]));
  sweepers.push_back(std::move(nodes[1]));
  wait_totals(sweepers, 4000, 15s);
  std::printf("expiry: n1 and n2 dropped the killed n3 %.1f ms after the kill\n", ms(steady::now() - killed));
  for (auto& n : sweepers) CHECK(n.ask("peers").find(n3_id) == std::string::npos);
  for (auto& n : sweepers) CHECK(n.ask("check 95000") == "ok");  // 4000 + 95031 <= 100000
  CHECK(nodes[3].ask("total") == "6000");                        // w: the phantom stays
  CHECK(nodes[3].ask("check 95000") == "10002");                 // and refuses what fits

  // n3 restarts (empty state) and stores 2000 again: it counts everywhere again.
  node again = start("n3", true);
  CHECK(again.ask("add 2000") == "local 2000");
  const auto restarted = steady::now();
  sweepers.push_back(std::move(again));
  sweepers.push_back(std::move(nodes[3]));
  wait_totals(sweepers, 6000, 10s);
  std::printf("expiry: the restarted n3 counts on every node again %.1f ms after its first report\n",
              ms(steady::now() - restarted));
  CHECK(sweepers[0].ask("peers").find(n3_id) != std::string::npos);
  for (auto& n : sweepers) {
    CHECK(n.proc->write_line("quit"));
    const auto rc = n.proc->wait_exit(5s);
    CHECK_MESSAGE(rc.has_value(), n.name << " did not exit");
  }
}
