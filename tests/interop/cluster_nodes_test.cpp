// SPDX-License-Identifier: Apache-2.0
// Three jsacct engine nodes (examples/cluster_node) share one account limit
// through a real nats-server: each records 3000 bytes locally, the exchange
// ($JSC.ARU, jsacct::nats_usage_sync) makes every node see 9000, a publish
// check on any node is rejected (10002) once the cluster-wide total reaches
// the 10000-byte limit, and accepted again after one node's usage drops.
// Everything is bounded in time; the server and the nodes are always killed.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "interop_support.hpp"

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
