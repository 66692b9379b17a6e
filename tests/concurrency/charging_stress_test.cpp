// SPDX-License-Identifier: Apache-2.0
// Reservation charging (docs/reservation-charging.md) under concurrency: for
// each policy, threads create, update, delete and publish to streams of two
// accounts (one R1 tier each) against a small server budget. An observer
// checks at every look that what the policy reserves never over-commits the
// tier limits or the server budget; at the end every sum is back at zero.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "jsacct/jsacct.hpp"

using namespace jsacct;

namespace {

using upfront_engine = basic_engine<main_limits, replica_tiers, atomic_counters, upfront>;
using on_use_engine = basic_engine<main_limits, replica_tiers, atomic_counters, on_use>;
using half_engine = basic_engine<main_limits, replica_tiers, atomic_counters, fraction<50>>;

constexpr int workers_per_account = 2;
constexpr int ops_per_worker = 20'000;
constexpr std::int64_t server_max = 10'000;  // both tiers together could reserve 12 000: the server budget binds
constexpr std::int64_t tier_limit = 6'000;
constexpr std::int64_t max_piece = 3'000;

account_limits r1_store(std::int64_t max_store) {
  account_limits l = dynamic_account_limits;
  l.max_store = max_store;
  return l;
}

template <class Engine>
void stress() {
  using charging = typename Engine::charging;
  // Clustered: enabling two accounts whose limits together exceed the server is allowed.
  Engine eng(jetstream_config{.max_memory = server_max, .max_store = server_max}, {.mode = deployment::clustered});
  std::vector<typename Engine::account> accts;
  for (const char* n : {"A", "B"}) {
    auto a = eng.enable_account(n, limits_map{{"R1", r1_store(tier_limit)}});
    REQUIRE(a.ok());
    accts.push_back(*a);
  }
  std::atomic<bool> done{false};
  std::atomic<std::int64_t> over{0}, reserved_under_on_use{0}, bad_error{0}, created{0}, refused{0}, published{0};
  std::thread observer([&] {
    while (!done.load()) {
      const std::int64_t srv = eng.reserved().store;
      if (srv > server_max || srv < 0) over.fetch_add(1);
      if (std::is_same_v<charging, on_use> && srv != 0) reserved_under_on_use.fetch_add(1);
      for (auto& a : accts) {
        const auto tier = static_cast<std::int64_t>(a.reserved_storage("R1").second);
        if (tier > tier_limit) over.fetch_add(1);
        if (a.tiered_reservation("R1", stream_config{.name = "probe", .max_bytes = 1}) > tier_limit) over.fetch_add(1);
      }
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < workers_per_account * static_cast<int>(accts.size()); ++t) {
    workers.emplace_back([&, t] {
      auto& acct = accts[static_cast<std::size_t>(t) % accts.size()];
      std::mt19937_64 rng(static_cast<std::uint64_t>(t) * 7919 + 1);
      std::uniform_int_distribution<std::int64_t> bytes(-1, max_piece);  // -1: unlimited (0 is normalized to -1)
      std::uniform_int_distribution<int> pick(0, 9);
      std::deque<typename Engine::reservation> held;
      auto drop_oldest = [&] {
        auto& h = held.front();
        h.add_usage(-h.stored_bytes());  // the store is emptied before the stream goes
        h.reset();
        held.pop_front();
      };
      for (int i = 0; i < ops_per_worker; ++i) {
        const int what = pick(rng);
        if (what < 4 || held.empty()) {  // create
          auto r = acct.create_stream(
              stream_config{.name = "t" + std::to_string(t) + "-" + std::to_string(i), .max_bytes = bytes(rng)});
          if (r) {
            created.fetch_add(1);
            held.push_back(std::move(*r));
            if (held.size() > 4) drop_oldest();
          } else {
            refused.fetch_add(1);
            if (r.error().id() != errc::storage_resources_exceeded) bad_error.fetch_add(1);
          }
        } else if (what < 6) {  // update: grow or shrink
          auto& h = held[static_cast<std::size_t>(i) % held.size()];
          stream_config c = h.config();
          c.max_bytes = bytes(rng);
          if (auto r = h.update(c); !r && r.error().id() != errc::storage_resources_exceeded) bad_error.fetch_add(1);
        } else if (what < 7) {  // delete
          drop_oldest();
        } else {  // publish: 1 + 69 + 30 = 100 stored bytes a message
          auto& h = held[static_cast<std::size_t>(i) % held.size()];
          const msg_lengths m{1, 0, 69};
          const publish_verdict v = h.check_publish(m);
          if (v.error == errc::none) {
            (void)h.add_message(m);
            published.fetch_add(1);
            if (h.stored_msgs() > 3) (void)h.remove_message(m);
          } else if (v.error != errc::account_resources_exceeded && v.error != errc::insufficient_resources &&
                     v.error != errc::stream_store_failed) {
            bad_error.fetch_add(1);
          }
        }
      }
      while (!held.empty()) drop_oldest();
    });
  }
  for (auto& w : workers) w.join();
  done.store(true);
  observer.join();

  CHECK(over.load() == 0);
  CHECK(reserved_under_on_use.load() == 0);
  CHECK(bad_error.load() == 0);
  CHECK(created.load() > 0);
  CHECK(published.load() > 0);
  if constexpr (std::is_same_v<charging, on_use>) CHECK(refused.load() == 0);  // nothing is reserved: creates never fail
  if constexpr (!std::is_same_v<charging, on_use>) CHECK(refused.load() > 0);  // the budget was contended
  // Every sum is back at zero.
  CHECK(eng.reserved() == mem_store{0, 0});
  CHECK(eng.used() == mem_store{0, 0});
  for (auto& a : accts) {
    CHECK(a.num_streams() == 0);
    CHECK(a.reserved_storage("") == std::pair<std::uint64_t, std::uint64_t>{0, 0});
    CHECK(a.usage().reserved_store == 0);
    CHECK(a.tiered_reservation("R1", stream_config{.name = "probe", .max_bytes = 1}) == 0);
    CHECK(a.usage_of(a.tier("R1"), storage_type::file).total == 0);
  }
}

}  // namespace

TEST_CASE("charging stress: upfront never over-commits the tier or the server, sums return to zero") { stress<upfront_engine>(); }
TEST_CASE("charging stress: on_use reserves nothing, creates never fail, sums return to zero") { stress<on_use_engine>(); }
TEST_CASE("charging stress: fraction<50> never over-commits the tier or the server, sums return to zero") {
  stress<half_engine>();
}
