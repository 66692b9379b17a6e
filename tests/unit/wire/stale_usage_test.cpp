// SPDX-License-Identifier: Apache-2.0
// docs/cluster.md#stale-usage: what a peer that has gone silent, but has not
// expired yet, counts: its last report (optimistic, nats-server's behavior),
// that plus its reservations (pessimistic), or nothing (exclude).
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "jsacct/engine/basic_engine.hpp"
#include "jsacct/storage/msg_size.hpp"
#include "jsacct/wire/cluster_usage.hpp"
#include "jsacct/wire/peer_expiry.hpp"
#include "jsacct/wire/usage_update.hpp"
#include "wire_helpers.hpp"

using namespace jsacct;
using namespace wiretest;

namespace {

jetstream_config server_cfg() { return server_config(std::int64_t{1} << 40, std::int64_t{1} << 40); }

bytes report(std::string_view tier, std::int64_t mem, std::int64_t store) { return encode(0, 0, {{tier, mem, store}}); }

// The tier's total (local + remote), signed; reading it creates no tier entry.
template <class A>
std::int64_t total(const A& acc, std::string_view tier, storage_type s = storage_type::file) {
  auto& st = *detail::account_access::state(acc);
  std::lock_guard lk(st.mu);
  const auto* e = st.find_tier(tier);
  return e == nullptr ? 0 : e->total(usage_slot(s));
}

template <class A>
bool has_tier_entry(const A& acc, std::string_view t) {
  auto& st = *detail::account_access::state(acc);
  std::lock_guard lk(st.mu);
  return st.find_tier(t) != nullptr;
}

}  // namespace

TEST_CASE_TEMPLATE("the default policy is nats-server's: a stale peer counts its last report", E, engine, plain_engine) {
  E eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = *eng.enable_account("A", limits_map{{"R1", lim(-1, -1)}});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", report("R1", 7, 1000)).ok());
  acc.set_remote_reservation("n2", "R1", 0, 5000);  // ignored by the optimistic policy
  const peer_expiry_options opts{};                 // expire after 10, stale after 2, optimistic
  CHECK(opts.stale == stale_usage_policy::optimistic);
  CHECK(sweep_remote_usage(acc, opts).heard == 1);
  auto r = sweep_remote_usage(acc, opts);  // silent for 1 sweep: not stale yet
  CHECK(r.silent == 1);
  CHECK(r.stale == 0);
  r = sweep_remote_usage(acc, opts);  // 2 sweeps: stale
  CHECK(r.stale == 1);
  CHECK(total(acc, "R1") == 1000);
  CHECK(total(acc, "R1", storage_type::memory) == 7);
}

TEST_CASE_TEMPLATE("pessimistic: a stale peer counts its last report plus its reservations, until it sends again", E, engine,
                   plain_engine) {
  E eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = *eng.enable_account("A", limits_map{{"R1", lim(-1, -1)}});
  const peer_expiry_options opts{.expire_after_sweeps = 5, .stale_after_sweeps = 2, .stale = stale_usage_policy::pessimistic};
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", report("R1", 10, 1000)).ok());
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", report("R1", 0, 200)).ok());
  set_remote_reservation(acc, "n2", "R1", 100, 5000);
  CHECK(total(acc, "R1") == 1200);  // a fresh peer's reservation changes nothing

  (void)sweep_remote_usage(acc, opts);  // both heard
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", report("R1", 0, 200)).ok());
  CHECK(sweep_remote_usage(acc, opts).stale == 0);  // n2 silent 1 sweep: one below stale_after_sweeps
  CHECK(total(acc, "R1") == 1200);
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", report("R1", 0, 200)).ok());
  CHECK(sweep_remote_usage(acc, opts).stale == 1);  // exactly stale_after_sweeps
  CHECK(total(acc, "R1") == 1000 + 5000 + 200);
  CHECK(total(acc, "R1", storage_type::memory) == 10 + 100);

  set_remote_reservation(acc, "n2", "R1", 0, 3000);  // a reservation changed while stale: follows at once
  CHECK(total(acc, "R1") == 1000 + 3000 + 200);
  CHECK(total(acc, "R1", storage_type::memory) == 10);

  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", report("R1", 0, 1300)).ok());  // heard: the report alone counts
  CHECK(total(acc, "R1") == 1300 + 200);
  CHECK(total(acc, "R1", storage_type::memory) == 0);

  for (int i = 0; i < 3; ++i) {  // the sweep that sees the message, then 2 silent ones
    REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", report("R1", 0, 200)).ok());
    (void)sweep_remote_usage(acc, opts);
  }
  CHECK(total(acc, "R1") == 1300 + 3000 + 200);  // stale again
  for (int i = 0; i < 3; ++i) {
    REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", report("R1", 0, 200)).ok());
    (void)sweep_remote_usage(acc, opts);
  }
  CHECK(remote_peers(acc) == std::vector<std::string>{"n3"});  // expired at 5 silent sweeps
  CHECK(total(acc, "R1") == 200);

  // The declaration outlives the expiry: n2 comes back, goes quiet again, and
  // counts its new report plus the declared 3000 once stale.
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", report("R1", 0, 400)).ok());
  CHECK(total(acc, "R1") == 400 + 200);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", report("R1", 0, 200)).ok());
    (void)sweep_remote_usage(acc, opts);
  }
  CHECK(total(acc, "R1") == 400 + 3000 + 200);
}

TEST_CASE("exclude: a stale peer counts nothing, so a publish that fits without it is accepted") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  constexpr std::int64_t limit = 100'000;
  auto acc = *eng.enable_account("A", limits_map{{"R1", lim(-1, limit)}});
  auto t = acc.tier("R1");
  acc.update_usage(t, storage_type::file, 10'000);
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", report("R1", 0, 80'000)).ok());
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", report("R1", 0, 5'000)).ok());
  // A message that fits exactly when n2 counts nothing: 10,000 + 5,000 + size == limit.
  msg_lengths m{.subject = 3, .header = 0, .payload = 0};
  m.payload = static_cast<std::uint64_t>(limit - 15'000) - file_store_msg_size(m);
  REQUIRE(static_cast<std::int64_t>(file_store_msg_size(m)) == limit - 15'000);
  msg_lengths one_more = m;
  ++one_more.payload;
  CHECK(acc.check_publish(t, storage_type::file, 1, m) == errc::account_resources_exceeded);  // n2 counts

  const peer_expiry_options opts{.expire_after_sweeps = 0, .stale_after_sweeps = 1, .stale = stale_usage_policy::exclude};
  (void)sweep_remote_usage(acc, opts);  // both heard
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n3", report("R1", 0, 5'000)).ok());
  CHECK(sweep_remote_usage(acc, opts).stale == 1);
  CHECK(acc.usage_of(t, storage_type::file).total == 15'000);
  CHECK(acc.check_publish(t, storage_type::file, 1, m) == errc::none);  // exactly at the limit
  CHECK(acc.check_publish(t, storage_type::file, 1, one_more) == errc::account_resources_exceeded);

  // expire_after_sweeps = 0: never expires, stays excluded while silent.
  for (int i = 0; i < 50; ++i) (void)sweep_remote_usage(acc, opts);
  CHECK(remote_peers(acc) == std::vector<std::string>{"n2", "n3"});
  CHECK(acc.usage_of(t, storage_type::file).total == 10'000);  // n3 silent now too
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", report("R1", 0, 80'000)).ok());
  CHECK(acc.usage_of(t, storage_type::file).total == 90'000);
}

TEST_CASE("a policy changed between sweeps applies at the next sweep; stale_after 0 or >= expiry never applies") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = *eng.enable_account("A", limits_map{{"R1", lim(-1, -1)}});
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", report("R1", 0, 1000)).ok());
  set_remote_reservation(acc, "n2", "R1", 0, 500);
  peer_expiry_options opts{.expire_after_sweeps = 0, .stale_after_sweeps = 1, .stale = stale_usage_policy::pessimistic};
  (void)sweep_remote_usage(acc, opts);
  (void)sweep_remote_usage(acc, opts);
  CHECK(total(acc, "R1") == 1500);
  opts.stale = stale_usage_policy::exclude;
  CHECK(sweep_remote_usage(acc, opts).stale == 1);
  CHECK(total(acc, "R1") == 0);
  opts.stale = stale_usage_policy::optimistic;
  (void)sweep_remote_usage(acc, opts);
  CHECK(total(acc, "R1") == 1000);
  opts = {.expire_after_sweeps = 0, .stale_after_sweeps = 0, .stale = stale_usage_policy::exclude};
  CHECK(sweep_remote_usage(acc, opts).stale == 0);  // 0: never stale; leaving the stale state restores the report
  CHECK(total(acc, "R1") == 1000);

  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", report("R1", 0, 1000)).ok());
  opts = {.expire_after_sweeps = 3, .stale_after_sweeps = 3, .stale = stale_usage_policy::exclude};
  for (int i = 0; i < 3; ++i) {
    const auto r = sweep_remote_usage(acc, opts);
    CHECK(r.stale == 0);
    CHECK(total(acc, "R1") == (i < 3 ? 1000 : 0));
  }
  CHECK(sweep_remote_usage(acc, opts).expired == std::vector<std::string>{"n2"});  // expired, never excluded first
  CHECK(total(acc, "R1") == 0);
}

TEST_CASE("a declaration holds its tier and outlives expiry; it counts only for a known, stale peer; remove_node drops it") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = *eng.enable_account("A", limits_map{{"R1", lim(-1, -1)}});
  const peer_expiry_options opts{.expire_after_sweeps = 4, .stale_after_sweeps = 1, .stale = stale_usage_policy::pessimistic};
  set_remote_reservation(acc, "n2", "R3", 0, 0);  // zero for an unknown node: nothing recorded
  CHECK_FALSE(has_tier_entry(acc, "R3"));
  set_remote_reservation(acc, "n2", "R3", 64, 4096);  // a tier n2 never reported usage for
  CHECK(has_tier_entry(acc, "R3"));
  CHECK(remote_peers(acc).empty());  // a declaration is not a message: n2 is not a known peer
  for (int i = 0; i < 3; ++i) CHECK(sweep_remote_usage(acc, opts).stale == 0);
  CHECK(total(acc, "R3") == 0);

  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", report("R1", 0, 10)).ok());
  (void)sweep_remote_usage(acc, opts);              // heard
  CHECK(sweep_remote_usage(acc, opts).stale == 1);  // stale after 1 silent sweep
  CHECK(total(acc, "R1") == 10);
  CHECK(total(acc, "R3") == 4096);  // reservation-only tier
  CHECK(total(acc, "R3", storage_type::memory) == 64);
  set_remote_reservation(acc, "n2", "R3", 0, 0);  // withdrawn while stale: leaves at once, and so does the tier
  CHECK(total(acc, "R3") == 0);
  CHECK_FALSE(has_tier_entry(acc, "R3"));
  set_remote_reservation(acc, "n2", "R3", 0, 4096);
  CHECK(total(acc, "R3") == 4096);  // still stale

  for (int i = 0; i < 3; ++i) (void)sweep_remote_usage(acc, opts);
  CHECK(remote_peers(acc).empty());  // expired after 4 silent sweeps
  CHECK(total(acc, "R3") == 0);
  CHECK(total(acc, "R1") == 0);
  CHECK(has_tier_entry(acc, "R3"));  // the declaration stays, and holds its tier

  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", report("R1", 0, 0)).ok());  // back, with nothing stored
  (void)sweep_remote_usage(acc, opts);
  (void)sweep_remote_usage(acc, opts);
  CHECK(total(acc, "R3") == 4096);  // stale again: the kept declaration counts
  remove_node(acc, "n2");           // the node left: its declarations go too
  CHECK_FALSE(has_tier_entry(acc, "R3"));
  CHECK(acc.usage().store == 0);
  for (int i = 0; i < 2; ++i) (void)sweep_remote_usage(acc, opts);
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", report("R1", 0, 5)).ok());
  for (int i = 0; i < 2; ++i) (void)sweep_remote_usage(acc, opts);
  CHECK(total(acc, "R1") == 5);  // stale, and nothing declared any more
}

TEST_CASE("extremes: a stale contribution saturates at MaxInt64 and leaving the stale state restores the report exactly") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = *eng.enable_account("A");  // untiered: the tier is ""
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", report("", 0, 1000)).ok());
  set_remote_reservation(acc, "n2", "", max, max);
  const peer_expiry_options opts{.expire_after_sweeps = 0, .stale_after_sweeps = 1, .stale = stale_usage_policy::pessimistic};
  (void)sweep_remote_usage(acc, opts);
  (void)sweep_remote_usage(acc, opts);
  CHECK(total(acc, "") == max);
  CHECK(total(acc, "", storage_type::memory) == max);
  set_remote_reservation(acc, "n2", "", -500, -500);  // a negative reservation is taken as given
  CHECK(total(acc, "") == 500);
  CHECK(total(acc, "", storage_type::memory) == -500);
  REQUIRE(apply_usage_update(acc, "$JSC.ARU.A.n2", report("", 0, 1000)).ok());
  CHECK(total(acc, "") == 1000);
  CHECK(total(acc, "", storage_type::memory) == 0);
  remove_node(acc, "n2");
  CHECK(total(acc, "") == 0);
  CHECK(total(acc, "", storage_type::memory) == 0);
}

TEST_CASE("a disabled account ignores reservations") {
  engine eng(server_cfg(), {.mode = deployment::clustered});
  auto acc = *eng.enable_account("A");
  REQUIRE(eng.disable_account("A").ok());
  set_remote_reservation(acc, "n2", "", 0, 10);
  CHECK(remote_peers(acc).empty());
  CHECK(to_string(stale_usage_policy::optimistic) == "optimistic");
  CHECK(to_string(stale_usage_policy::pessimistic) == "pessimistic");
  CHECK(to_string(stale_usage_policy::exclude) == "exclude");
}
