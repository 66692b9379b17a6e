// SPDX-License-Identifier: Apache-2.0
// Misuse from several threads (issue 17), under ThreadSanitizer in CI: usage
// that stays negative while repairs run (docs/semantics.md#drift-repair), a
// stream deleted while its handles are used (docs/semantics.md#stream-handle-lifetime).
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "jsacct/jsacct.hpp"

using namespace jsacct;

namespace {

jetstream_config big_server() {
  jetstream_config cfg;
  cfg.max_memory = std::int64_t{1} << 40;
  cfg.max_store = std::int64_t{1} << 40;
  return cfg;
}

}  // namespace

TEST_CASE("stress: usage that stays negative from two threads queues at most one repair per tier and storage") {
  engine e(big_server());
  e.set_usage_recompute([](const std::string&, std::string_view, storage_type) { return std::int64_t{0}; });
  auto acc = e.enable_account("A").value();
  const auto t = acc.tier("");
  constexpr int n = 200'000;
  std::atomic<bool> done{false};
  std::size_t most_queued = 0, ran = 0;
  std::thread repairer([&] {
    while (!done.load()) {
      const std::size_t r = e.run_pending_repairs();
      most_queued = std::max(most_queued, r);
      ran += r;
    }
  });
  auto work = [&] {
    for (int i = 0; i < n; ++i) acc.update_usage(t, i % 2 == 0 ? storage_type::file : storage_type::memory, -1);
  };
  std::thread t1(work), t2(work);
  t1.join();
  t2.join();
  done.store(true);
  repairer.join();
  const std::size_t last = e.run_pending_repairs();
  CHECK(most_queued <= 2);  // file and memory of one tier
  CHECK(last <= 2);
  MESSAGE("repairs run: " << ran + last << " for " << 2 * n << " negative updates");
  // Usage negative after the last update implies a queued repair, and it ran.
  CHECK(acc.usage_of(t, storage_type::file).local == 0);
  CHECK(acc.usage_of(t, storage_type::memory).local == 0);
  CHECK(e.used() == mem_store{0, 0});
}

TEST_CASE("stress: delete_stream from one thread while another uses the stream's owning and non-owning handles") {
  engine e(big_server());
  auto acc = e.enable_account("A").value();
  create_options same;
  same.same_as_existing = true;
  for (int round = 0; round < 200; ++round) {
    stream_config c;
    c.name = "S";
    c.storage = storage_type::file;
    c.max_bytes = 1000;
    auto owner = acc.create_stream(c).value();
    auto twin = acc.create_stream(c, same).value();
    std::atomic<bool> go{false};
    int bad = 0;
    std::thread user([&] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < 2000; ++i) {
        const errc pc = owner.check_publish(msg_lengths{1, 0, 8}).error;
        if (pc != errc::none && pc != errc::stream_not_found) ++bad;
        owner.add_usage(1);
        twin.add_usage(1);
        const errc tc = twin.check_publish(msg_lengths{1, 0, 8}).error;
        if (tc != errc::none && tc != errc::stream_not_found) ++bad;
      }
    });
    go.store(true);
    REQUIRE(acc.delete_stream("S").ok());
    user.join();
    CHECK(bad == 0);
    CHECK(owner.deleted());
    CHECK(twin.deleted());
    const std::int64_t applied = owner.stored_bytes();
    // Every add_usage that ran before the delete counted, none after.
    CHECK(acc.usage_of(owner.tier(), storage_type::file).local == applied);
    CHECK(e.reserved().store == 0);
    owner.add_usage(-applied);  // inert now
    CHECK(acc.usage_of(owner.tier(), storage_type::file).local == applied);
    acc.update_usage(owner.tier(), storage_type::file, -applied);  // the embedder removes the stored bytes
  }
  CHECK(e.used().store == 0);
  CHECK(acc.num_streams() == 0);
}

TEST_CASE("stress: disable_account while handles die on another thread releases every reservation once") {
  engine e(big_server());
  for (int round = 0; round < 200; ++round) {
    auto acc = e.enable_account("A").value();
    std::vector<engine::reservation> handles;
    for (int i = 0; i < 20; ++i) {
      stream_config c;
      c.name = "S" + std::to_string(i);
      c.storage = i % 2 == 0 ? storage_type::file : storage_type::memory;
      c.max_bytes = 100 + i;
      handles.push_back(acc.create_stream(c).value());
    }
    std::thread killer([&] { handles.clear(); });
    REQUIRE(e.disable_account("A").ok());
    killer.join();
    CHECK(e.reserved() == mem_store{0, 0});
  }
}
