// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#stream-caps: check_publish reads the stream's message and byte totals
// lock-free while another thread records messages (add_message / remove_message through a
// second handle of the same stream). Run under ThreadSanitizer in CI: no data race, and the
// totals match what both threads recorded.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <thread>

#include "jsacct/jsacct.hpp"

using namespace jsacct;

TEST_CASE("docs/semantics.md#stream-caps concurrent check_publish, add_message and remove_message on one stream") {
  jetstream_config cfg;
  cfg.max_memory = std::int64_t{1} << 30;
  cfg.max_store = std::int64_t{1} << 40;
  engine eng(cfg);
  account_limits l = dynamic_account_limits;
  auto acc = eng.enable_account("A", limits_map{{"", l}}).value();
  stream_config c = stream_config{.name = "S", .storage = storage_type::memory};
  c.max_msgs = 1000;
  c.discard = discard_policy::new_;
  auto writer = acc.create_stream(c).value();
  create_options same;
  same.same_as_existing = true;
  auto reader = acc.create_stream(c, same).value();  // a second handle of the same stream
  REQUIRE_FALSE(reader.owns());

  const msg_lengths m{4, 0, 100};  // 120 bytes in memory
  constexpr int rounds = 200'000;
  std::atomic<std::int64_t> added{0}, removed{0}, refused{0};
  std::thread publisher([&] {
    for (int i = 0; i < rounds; ++i) {
      const auto v = writer.check_publish(m);
      if (v.accepted()) {
        (void)writer.add_message(m);
        added.fetch_add(1);
      } else {
        CHECK(v.text == "maximum messages exceeded");
        refused.fetch_add(1);
      }
    }
  });
  std::thread consumer([&] {
    for (int i = 0; i < rounds; ++i) {
      if (reader.stored_msgs() > 0) {
        (void)reader.remove_message(m);
        removed.fetch_add(1);
      }
    }
  });
  publisher.join();
  consumer.join();
  const std::int64_t held = added.load() - removed.load();
  CHECK(held >= 0);
  CHECK(reader.stored_msgs() == static_cast<std::uint64_t>(held));
  CHECK(writer.stored_bytes() == held * 120);
  CHECK(acc.usage().memory == static_cast<std::uint64_t>(held * 120));
  CHECK(added.load() + refused.load() == rounds);
}
