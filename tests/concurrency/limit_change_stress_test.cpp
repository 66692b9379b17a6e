// SPDX-License-Identifier: Apache-2.0
// docs/limit-changes.md under load, one run per policy: limits changes
// (untiered <-> R1, high <-> below the reservation) racing stream creates and
// deletes, publishes and usage updates. Creates are admitted under the account
// lock, so at every instant a tier's reservation is at most the larger of its
// limit and what it reserved when the limit was set (for refuse: the limit
// itself); refused changes change nothing; the totals add up at the end.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "jsacct/jsacct.hpp"

using namespace jsacct;

namespace {

constexpr std::int64_t hi = 1'000'000, lo = 9'000;
constexpr msg_lengths m{1, 0, 50};  // 1 + 50 + 30 = 81 bytes in a file store
constexpr std::int64_t msg_size = 81;

account_limits store_limit(std::int64_t v) {
  account_limits l = dynamic_account_limits;
  l.max_store = v;
  return l;
}

stream_config file_stream(std::string name, std::int64_t max_bytes) {
  stream_config c;
  c.name = std::move(name);
  c.storage = storage_type::file;
  c.max_bytes = max_bytes;
  return c;
}

void stress(limit_change_policy policy) {
  jetstream_config cfg;
  cfg.max_memory = std::int64_t{1} << 40;
  cfg.max_store = std::int64_t{1} << 40;
  engine e(cfg);
  auto a = e.enable_account("A", {{"", store_limit(hi)}}).value();
  // Four publishing streams reserve 4 x 2000 = 8000, within lo; each creator holds up to 3 more of 1000:
  // one fits under lo, more are over it.
  std::vector<engine::reservation> pub;
  for (int i = 0; i < 4; ++i) pub.push_back(a.create_stream(file_stream("P" + std::to_string(i), 2000)).value());

  std::atomic<bool> done{false};
  std::atomic<std::int64_t> created{0}, refused_creates{0}, accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {  // creators and deleters: up to 3 live streams each
      std::deque<engine::reservation> live;
      auto drop_oldest = [&] {
        live.front().add_usage(-300);  // the store empties it first
        live.front().reset();
        live.pop_front();
      };
      for (int i = 0; !done.load(); ++i) {
        auto r = a.create_stream(file_stream("C" + std::to_string(t) + "_" + std::to_string(i % 8), 1000));
        if (!r) {
          CHECK(r.error().id() == errc::storage_resources_exceeded);
          refused_creates.fetch_add(1);
          if (!live.empty()) drop_oldest();
          std::this_thread::yield();
          continue;
        }
        created.fetch_add(1);
        r->add_usage(300);
        live.push_back(std::move(*r));
        if (live.size() > 3) drop_oldest();
        std::this_thread::yield();
      }
      while (!live.empty()) drop_oldest();
    });
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {  // publishers on two streams each
      for (int i = 0; !done.load(); ++i) {
        auto& s = pub[static_cast<std::size_t>(2 * t + i % 2)];
        if (s.stored_bytes() > 1000) {
          s.remove_message(m);
          continue;
        }
        if (s.check_publish(m).error == errc::none) {
          s.add_message(m);
          accepted.fetch_add(1);
        }
      }
    });

  // The changer: the only thread that changes limits, so it knows them.
  const limits_map targets[] = {
      {{"R1", store_limit(lo)}}, {{"", store_limit(hi)}}, {{"", store_limit(lo)}}, {{"R1", store_limit(hi)}}};
  limits_map current{{"", store_limit(hi)}};
  std::map<std::string, std::int64_t> bound{{"", hi}};  // per tier: the reservation it may hold
  int applied = 0, refused = 0;
  for (int i = 0; i < 200; ++i) {
    const limits_map& next = targets[i % 4];
    auto r = e.change_account_limits("A", next, policy);
    if (!r) {
      REQUIRE(policy == limit_change_policy::refuse);
      CHECK(r.error().error_code() == std::errc::device_or_resource_busy);
      CHECK(a.limits() == current);  // nothing changed
      ++refused;
    } else {
      ++applied;
      CHECK(a.limits() == next);
      current = next;
      bound.clear();
      for (const auto& [t, l] : next) bound[t] = l.max_store;
      for (const auto& o : r->over) {
        CHECK(policy != limit_change_policy::refuse);
        if (o.resource == limited_resource::store) bound[o.tier] = std::max(bound[o.tier], o.reserved);
      }
    }
    // No create was admitted beyond what the policy allows since the change.
    auto p = e.preview_limit_change("A", current);
    REQUIRE(p.ok());
    for (const auto& o : p->over) {
      CAPTURE(o.tier);
      CHECK(o.reserved <= bound[o.tier]);
      if (policy == limit_change_policy::refuse) CHECK(o.reserved <= o.limit);
    }
    std::this_thread::yield();
  }
  done.store(true);
  for (auto& t : threads) t.join();
  MESSAGE(limit_change_policy_name(policy) << ": " << applied << " changes applied, " << refused << " refused; " << created.load()
                                           << " creates, " << refused_creates.load() << " refused; " << accepted.load()
                                           << " publishes");
  CHECK(applied > 0);
  if (policy == limit_change_policy::refuse) CHECK(refused > 0);  // lo is below 8000 + two creators' streams

  // Totals: the creators took their usage out before deleting.
  std::int64_t stored = 0;
  for (const auto& s : pub) stored += s.stored_bytes();
  const account_stats st = a.usage();
  CHECK(static_cast<std::int64_t>(st.store) == stored);
  CHECK(e.used().store == stored);
  CHECK(e.reserved().store == 4 * 2000);
  CHECK(st.streams == 4);
  CHECK(a.num_streams() == 4);

  // Quiescent: the policy's publish rule, exactly. A limit of 100 is below the 8000 reserved.
  auto last = e.change_account_limits("A", {{"", store_limit(100)}}, policy);
  const bool fits_limit = stored + msg_size <= 100;
  const bool fits_kept = stored + msg_size <= 8000;  // the allowance: the four streams' reservations
  const bool ok = pub[0].check_publish(m).error == errc::none;
  switch (policy) {
    case limit_change_policy::refuse:
      CHECK_FALSE(last.ok());
      CHECK(a.limits() == current);
      break;
    case limit_change_policy::keep_existing:
      REQUIRE(last.ok());
      CHECK(ok == fits_kept);
      break;
    default:
      REQUIRE(last.ok());
      CHECK(ok == fits_limit);
      break;
  }
}

}  // namespace

TEST_CASE("stress: limit changes under load, policy apply") { stress(limit_change_policy::apply); }
TEST_CASE("stress: limit changes under load, policy refuse") { stress(limit_change_policy::refuse); }
TEST_CASE("stress: limit changes under load, policy keep_existing") { stress(limit_change_policy::keep_existing); }
