// SPDX-License-Identifier: Apache-2.0
// Interop with a real nats-server 2.9.10 (docs/semantics.md#usage-exchange, docs/semantics.md#recorded-facts): its $JSC.ARU
// messages decode with jsacct and match what $JS.API.INFO reports, and
// jsacct-encoded updates injected for a made-up node are merged by the server.
// Never sends a malformed update: 2.9.10 crashes on one (docs/semantics.md#aru-merge).
#include <doctest/doctest.h>
#include <nats/nats.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "interop_support.hpp"
#include "jsacct/engine/basic_engine.hpp"
#include "jsacct/storage/msg_size.hpp"
#include "jsacct/transport/nats_usage_sync.hpp"
#include "jsacct/wire/cluster_usage.hpp"
#include "jsacct/wire/node_id.hpp"
#include "jsacct/wire/usage_update.hpp"

using json = nlohmann::json;
using namespace std::chrono_literals;
using interop::steady;

namespace {

constexpr const char* server_config = R"(
server_name: S1
jetstream {
  max_mem_store: 1MB
  max_file_store: 10MB
  store_dir: @STORE_DIR@
}
accounts {
  A: { jetstream: { max_file: 100000, max_mem: 50000 }, users: [ { user: a, password: a } ] }
  SYS: { users: [ { user: sys, password: sys } ] }
}
system_account: SYS
)";

double ms(steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

/// A libnats connection (destroyed with this object).
class connection {
 public:
  connection(const std::string& url, const char* user, const char* pass) {
    natsOptions* o = nullptr;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK) s = natsOptions_SetURL(o, url.c_str());
    if (s == NATS_OK) s = natsOptions_SetUserInfo(o, user, pass);
    if (s == NATS_OK) s = natsOptions_SetTimeout(o, 5000);
    if (s == NATS_OK) s = natsOptions_SetAllowReconnect(o, false);
    if (s == NATS_OK) s = natsConnection_Connect(&nc_, o);
    natsOptions_Destroy(o);
    if (s != NATS_OK) FAIL("connect as " << user << ": " << natsStatus_GetText(s));
  }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection() { natsConnection_Destroy(nc_); }
  natsConnection* get() const { return nc_; }

  /// A request with a JSON response.
  json request(const std::string& subject, const std::string& body) {
    natsMsg* reply = nullptr;
    const natsStatus s = natsConnection_Request(&reply, nc_, subject.c_str(), body.data(), static_cast<int>(body.size()), 5000);
    if (s != NATS_OK) FAIL("request " << subject << ": " << natsStatus_GetText(s));
    const std::string text(natsMsg_GetData(reply), static_cast<std::size_t>(natsMsg_GetDataLength(reply)));
    natsMsg_Destroy(reply);
    return json::parse(text);
  }
  void publish(const std::string& subject, std::span<const std::byte> body) {
    REQUIRE(natsConnection_Publish(nc_, subject.c_str(), body.data(), static_cast<int>(body.size())) == NATS_OK);
    REQUIRE(natsConnection_FlushTimeout(nc_, 5000) == NATS_OK);
  }

 private:
  natsConnection* nc_ = nullptr;
};

/// A synchronous subscription (destroyed with this object).
class sync_sub {
 public:
  sync_sub(connection& c, const char* subject) {
    REQUIRE(natsConnection_SubscribeSync(&sub_, c.get(), subject) == NATS_OK);
    REQUIRE(natsConnection_FlushTimeout(c.get(), 5000) == NATS_OK);
  }
  sync_sub(const sync_sub&) = delete;
  sync_sub& operator=(const sync_sub&) = delete;
  ~sync_sub() { natsSubscription_Destroy(sub_); }

  struct message {
    std::string subject;
    std::vector<std::byte> data;
  };
  std::optional<message> next(steady::duration limit) {
    natsMsg* m = nullptr;
    const auto t = std::chrono::duration_cast<std::chrono::milliseconds>(limit).count();
    if (natsSubscription_NextMsg(&m, sub_, t <= 0 ? 1 : t) != NATS_OK) return std::nullopt;
    message out;
    out.subject = natsMsg_GetSubject(m);
    const auto* p = reinterpret_cast<const std::byte*>(natsMsg_GetData(m));
    out.data.assign(p, p + natsMsg_GetDataLength(m));
    natsMsg_Destroy(m);
    return out;
  }

 private:
  natsSubscription* sub_ = nullptr;
};

/// libnats' global state is released once all tests ran.
struct nats_library {
  ~nats_library() { nats_Close(); }
} const library_guard;

}  // namespace

TEST_CASE("nats-server 2.9.10: $JSC.ARU decodes with jsacct, matches $JS.API.INFO, and accepts jsacct-encoded updates") {
  const auto t_start = steady::now();
  interop::nats_server srv(server_config);
  std::printf("nats-server up on %s in %.1f ms\n", srv.url().c_str(), ms(srv.startup_time()));

  connection sys(srv.url(), "sys", "sys");
  connection a(srv.url(), "a", "a");
  sync_sub aru(sys, "$JSC.ARU.>");

  // A file stream and messages of known sizes (stored size per docs/semantics.md#message-sizes: 22 + S + M + 8).
  json r = a.request("$JS.API.STREAM.CREATE.S", R"({"name":"S","subjects":["s"],"storage":"file","num_replicas":1})");
  INFO(r.dump());
  REQUIRE_FALSE(r.contains("error"));
  std::uint64_t expected = 0;
  for (std::size_t n : {5u, 100u, 1000u}) {
    const std::string payload(n, 'x');
    natsMsg* ack = nullptr;
    REQUIRE(natsConnection_Request(&ack, a.get(), "s", payload.data(), static_cast<int>(n), 5000) == NATS_OK);
    const json pa = json::parse(std::string(natsMsg_GetData(ack), static_cast<std::size_t>(natsMsg_GetDataLength(ack))));
    natsMsg_Destroy(ack);
    INFO(pa.dump());
    REQUIRE_FALSE(pa.contains("error"));
    expected += jsacct::file_store_msg_size(jsacct::msg_lengths{1, 0, n});
  }
  CHECK(expected == 36 + 131 + 1031);

  json info = a.request("$JS.API.INFO", "");
  INFO(info.dump());
  REQUIRE(info.contains("storage"));
  CHECK(info["storage"].get<std::uint64_t>() == expected);
  CHECK(info["memory"].get<std::uint64_t>() == 0);
  const std::uint64_t api_before = info["api"]["total"].get<std::uint64_t>();

  // (a) The server's own update: every 1.5 s, even standalone (2.9.10), on $JSC.ARU.A.<node id of S1>.
  const auto t_wait = steady::now();
  std::optional<sync_sub::message> mine;
  std::size_t seen = 0;
  while (steady::now() - t_wait < 10s) {
    auto m = aru.next(10s - (steady::now() - t_wait));
    if (!m) break;
    ++seen;
    const auto v = jsacct::decode_usage_update(m->data);
    if (v.status() == jsacct::usage_update_status::complete && !v.empty() &&
        static_cast<std::uint64_t>(v.front().store) == expected) {
      mine = std::move(m);
      break;
    }
  }
  const auto waited = steady::now() - t_wait;
  std::printf("first $JSC.ARU.A update with the final usage after %.1f ms (%zu messages seen)\n", ms(waited), seen);
  REQUIRE(mine.has_value());
  CHECK(jsacct::node_id("S1") == "sQnRv29R");
  CHECK(mine->subject == "$JSC.ARU.A.sQnRv29R");
  CHECK(jsacct::node_id_from_subject(mine->subject) == std::optional<std::string_view>(jsacct::node_id("S1").view()));
  const auto v = jsacct::decode_usage_update(mine->data);
  CHECK(mine->data.size() == 44);  // one untiered record
  CHECK(v.declared_extra() == 0);
  CHECK(v.size() == 1);
  CHECK(v.front().name.empty());
  CHECK(v.front().mem == 0);
  CHECK(v.errors() == 0);
  CHECK(v.api() >= 1);
  CHECK(v.api() <= api_before + 1);

  // The server's bytes merged into a jsacct engine (as a peer would) give the server's own total.
  jsacct::jetstream_config cfg;
  cfg.max_memory = 1 << 20;
  cfg.max_store = 10 << 20;
  jsacct::engine peer(cfg, {.mode = jsacct::deployment::clustered});
  jsacct::account_limits lim = jsacct::dynamic_account_limits;
  lim.max_memory = 50000;
  lim.max_store = 100000;
  auto peer_acc = peer.enable_account("A", jsacct::limits_map{{"", lim}});
  REQUIRE(peer_acc.ok());
  const auto applied = jsacct::apply_usage_update(*peer_acc, mine->subject, mine->data);
  CHECK(applied.outcome == jsacct::remote_usage_outcome::applied);
  CHECK(applied.node == "sQnRv29R");
  CHECK(peer_acc->usage().store == info["storage"].get<std::uint64_t>());

  // (b) Inject updates for a made-up node FAKE, produced by jsacct's publisher (docs/semantics.md#recorded-facts).
  jsacct::engine fake_engine(cfg, {.mode = jsacct::deployment::clustered});
  auto fake = fake_engine.enable_account("A", jsacct::limits_map{{"", lim}});
  REQUIRE(fake.ok());
  fake->update_usage(fake->tier(""), jsacct::storage_type::file, 100);
  for (int i = 0; i < 4; ++i) fake->track_api();
  for (int i = 0; i < 3; ++i) fake->track_api_error();  // api 7, errors 3
  jsacct::usage_publisher pub(*fake, "FAKE");
  CHECK(pub.subject() == "$JSC.ARU.A.FAKE");
  std::vector<std::byte> out;
  REQUIRE(pub.trigger(out));
  CHECK(out.size() == 44);
  const auto t_inject = steady::now();
  sys.publish(pub.subject(), out);

  auto storage_is = [&](std::uint64_t want) {
    return interop::wait_until([&] { return a.request("$JS.API.INFO", "")["storage"].get<std::uint64_t>() == want; }, 10s, 50ms);
  };
  REQUIRE(storage_is(expected + 100));
  std::printf("injected update visible in $JS.API.INFO after %.1f ms\n", ms(steady::now() - t_inject));
  info = a.request("$JS.API.INFO", "");
  CHECK(info["api"]["errors"].get<std::uint64_t>() == 3);
  CHECK(info["api"]["total"].get<std::uint64_t>() >= api_before + 7);

  // The same update again: replaced, not added.
  sys.publish(pub.subject(), out);
  std::this_thread::sleep_for(200ms);
  CHECK(a.request("$JS.API.INFO", "")["storage"].get<std::uint64_t>() == expected + 100);

  // A 32-byte legacy update from the same node (store 50, api 1, errors 0): storage -50, errors back to 0.
  std::vector<std::byte> legacy(32);
  legacy[8] = std::byte{50};
  legacy[16] = std::byte{1};
  sys.publish("$JSC.ARU.A.FAKE", legacy);
  REQUIRE(storage_is(expected + 50));
  info = a.request("$JS.API.INFO", "");
  CHECK(info["api"]["errors"].get<std::uint64_t>() == 0);

  // A multi-tier jsacct update (R1, R3 tiers the account has no limits for) is accepted too; the
  // untiered account total counts every tier.
  const std::vector<jsacct::usage_record> tiers{{"", 0, 10}, {"R3", 0, 7}};
  std::vector<std::byte> multi;
  jsacct::encode_usage_update(1, 0, tiers, multi);
  sys.publish("$JSC.ARU.A.FAKE", multi);
  REQUIRE(storage_is(expected + 17));

  CHECK(srv.running());
  std::printf("interop test total %.1f ms\n", ms(steady::now() - t_start));
}

TEST_CASE(
    "nats_usage_sync: reconcile_every_ticks repairs drifted local usage on the timer thread, stale peers follow the policy") {
  // docs/cluster.md#reconciliation and #stale-usage through the transport.
  interop::nats_server srv("");
  natsConnection* nc = nullptr;
  REQUIRE(natsConnection_ConnectTo(&nc, srv.url().c_str()) == NATS_OK);
  jsacct::jetstream_config cfg;
  cfg.max_memory = 1 << 20;
  cfg.max_store = 1 << 30;
  jsacct::engine eng(cfg, {.mode = jsacct::deployment::clustered});
  eng.set_usage_recompute([](const std::string&, std::string_view, jsacct::storage_type s) {
    return s == jsacct::storage_type::file ? std::int64_t{1000} : std::int64_t{0};  // what the store holds
  });
  auto acc = eng.enable_account("A", jsacct::limits_map{{"R1", jsacct::account_limits{}}}).value();
  acc.update_usage(acc.tier("R1"), jsacct::storage_type::file, 1500);  // counted 500 too high
  REQUIRE(acc.apply_remote_usage("n2", "R1", 0, 300));                 // a peer that will never send
  jsacct::set_remote_reservation(acc, "n2", "R1", 0, 2000);
  std::mutex mu;
  std::vector<jsacct::reconcile_result> seen;
  std::size_t max_stale = 0;
  jsacct::nats_usage_sync_options o;
  o.publisher.tick = 50ms;
  o.expiry = jsacct::peer_expiry_options{
      .expire_after_sweeps = 0, .stale_after_sweeps = 2, .stale = jsacct::stale_usage_policy::pessimistic};
  o.on_sweep = [&](const jsacct::peer_sweep_result& r) {
    std::lock_guard lk(mu);
    max_stale = std::max(max_stale, r.stale);
  };
  o.reconcile_every_ticks = 3;
  o.on_reconcile = [&](const jsacct::reconcile_result& r) {
    std::lock_guard lk(mu);
    seen.push_back(r);
  };
  {
    jsacct::nats_usage_sync sync(nc, acc, "n1", o);
    REQUIRE(sync.start() == NATS_OK);
    const auto r1 = acc.tier("R1");
    CHECK(interop::wait_until(
        [&] {
          std::lock_guard lk(mu);
          return seen.size() >= 2 && max_stale == 1;
        },
        10s));
    sync.stop();
    CHECK(acc.usage_of(r1, jsacct::storage_type::file).local == 1000);
    CHECK(acc.usage_of(r1, jsacct::storage_type::file).total == 1000 + 300 + 2000);  // n2 stale: report + reservation
  }
  std::lock_guard lk(mu);
  REQUIRE(seen.size() >= 2);
  CHECK(seen[0].lowered == 1);  // the first reconciliation repaired it
  CHECK(seen[1].lowered == 0);  // the second found nothing
  CHECK(acc.repair_counters().lowered == 1);
  natsConnection_Destroy(nc);
}
