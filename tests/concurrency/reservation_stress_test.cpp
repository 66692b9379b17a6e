// SPDX-License-Identifier: Apache-2.0
// DESIGN "No over-commit, ever": concurrent stream reservations against one
// account tier and one server budget never together exceed the limit.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "jsacct/jsacct.hpp"

using namespace jsacct;

namespace {

constexpr int threads = 2;
constexpr int attempts_per_thread = 500'000;  // 10^6 attempts in all

account_limits store_limit(std::int64_t max_store) {
  account_limits l = dynamic_account_limits;
  l.max_store = max_store;
  return l;
}

struct outcome {
  std::int64_t accepted = 0, refused = 0;
};

// Each thread creates streams of random MaxBytes (1..max_piece) in `acct`,
// keeps up to `keep` of them alive and deletes the oldest; every refusal must
// be one of the two resource errors. While running, an observer checks the
// server reservation never exceeds the budget.
template <class Engine>
outcome hammer(Engine& e, std::vector<typename Engine::account> accts, std::int64_t max_piece, std::size_t keep,
               std::int64_t server_max, std::int64_t tier_limit, std::vector<std::int64_t>& live_bytes) {
  std::atomic<bool> done{false};
  std::atomic<std::int64_t> accepted{0}, refused{0}, bad_error{0}, over{0};
  live_bytes.assign(threads, 0);
  std::thread observer([&] {
    while (!done.load()) {
      if (e.reserved().store > server_max) over.fetch_add(1);
      for (auto& a : accts)
        if (static_cast<std::int64_t>(a.reserved_storage("").second) > tier_limit) over.fetch_add(1);
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<std::uint64_t>(t) * 7919 + 1);
      std::uniform_int_distribution<std::int64_t> size(1, max_piece);
      auto& acct = accts[static_cast<std::size_t>(t) % accts.size()];
      std::deque<typename Engine::reservation> held;
      for (int i = 0; i < attempts_per_thread; ++i) {
        stream_config c;
        c.name = "t" + std::to_string(t) + "-" + std::to_string(i);
        c.storage = storage_type::file;
        c.max_bytes = size(rng);
        auto r = acct.create_stream(c);
        if (r) {
          accepted.fetch_add(1);
          held.push_back(std::move(r.value()));
          if (held.size() > keep) held.pop_front();  // destroying the handle releases
        } else {
          refused.fetch_add(1);
          if (r.error().id() != errc::storage_resources_exceeded) bad_error.fetch_add(1);
        }
      }
      std::int64_t sum = 0;
      for (auto& h : held) sum += h.config().max_bytes;
      live_bytes[static_cast<std::size_t>(t)] = sum;
      for (auto& h : held) (void)h.release();  // keep them in the engine for the final check
    });
  }
  for (auto& w : workers) w.join();
  done.store(true);
  observer.join();
  CHECK(bad_error.load() == 0);
  CHECK(over.load() == 0);
  return {accepted.load(), refused.load()};
}

}  // namespace

TEST_CASE("stress: 2 threads, 10^6 reservations against one account tier (no over-commit)") {
  jetstream_config cfg;
  cfg.max_memory = std::int64_t{1} << 40;
  cfg.max_store = std::int64_t{1} << 50;  // the server never limits here
  engine e(cfg);
  const std::int64_t tier_limit = 1'000'000;
  auto a = e.enable_account("A", {{"", store_limit(tier_limit)}});
  REQUIRE(a);
  std::vector<std::int64_t> live;
  const outcome o = hammer(e, {a.value(), a.value()}, 20'000, 64, cfg.max_store, tier_limit, live);
  MESSAGE("accepted " << o.accepted << ", refused " << o.refused);
  CHECK(o.accepted + o.refused == std::int64_t{threads} * attempts_per_thread);
  CHECK(o.refused > 0);  // the limit was actually reached
  const std::int64_t held = live[0] + live[1];
  CHECK(e.reserved().store == held);                                         // final reserved == Σ live handles
  CHECK(static_cast<std::int64_t>(a->reserved_storage("").second) == held);  // account view agrees
  CHECK(held <= tier_limit);
}

TEST_CASE("stress: 2 threads on 2 accounts, 10^6 reservations against the server budget (no over-commit)") {
  jetstream_config cfg;
  cfg.max_memory = std::int64_t{1} << 40;
  cfg.max_store = 1'000'000;
  engine e(cfg, {.mode = deployment::clustered});  // not standalone: no admission check, accounts may claim more than the server
  auto a = e.enable_account("A");                  // dynamic (unlimited) limits: only the server limits
  auto b = e.enable_account("B");
  REQUIRE(a);
  REQUIRE(b);
  std::vector<std::int64_t> live;
  const outcome o = hammer(e, {a.value(), b.value()}, 20'000, 64, cfg.max_store, std::int64_t{1} << 62, live);
  MESSAGE("accepted " << o.accepted << ", refused " << o.refused);
  CHECK(o.refused > 0);
  const std::int64_t held = live[0] + live[1];
  CHECK(e.reserved().store == held);
  CHECK(held <= cfg.max_store);
}
