// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#stream-caps: the stream's own max_msg_size, max_msgs, max_bytes and
// max_msgs_per_subject with its discard policy. Expected values follow the comparisons of
// nats-server's processJetStreamMsg and the memory/file stores' storeRawMsg and enforce*Limit
// (main and 2.9.10), applied to the message sizes of docs/semantics.md#message-sizes.
#include "core_helpers.hpp"

#include <optional>

using namespace jsacct;
using namespace coretest;

namespace {
constexpr std::uint64_t U64 = std::numeric_limits<std::uint64_t>::max();
constexpr auto main_rules = stream_caps_rules::main;
constexpr auto v29 = stream_caps_rules::v2_9;

stream_config caps(storage_type st, std::int64_t max_msgs, std::int64_t max_bytes, discard_policy d) {
  stream_config c;
  c.name = "S";
  c.storage = st;
  c.max_msgs = max_msgs;
  c.max_bytes = max_bytes;
  c.discard = d;
  return c;
}
constexpr msg_lengths lens(std::uint64_t subject, std::uint64_t payload, std::uint64_t header = 0) {
  return msg_lengths{subject, header, payload};
}
}  // namespace

TEST_CASE("docs/semantics.md#stream-caps max_msg_size: header + payload, subject not counted, 0 and negatives unlimited") {
  stream_config c = caps(storage_type::file, -1, -1, discard_policy::old_);
  c.max_msg_size = 100;
  CHECK(check_stream_caps(c, {}, lens(50, 100)) == errc::none);     // exactly at the cap
  CHECK(check_stream_caps(c, {}, lens(50, 60, 40)) == errc::none);  // header counts: 40 + 60 = 100
  CHECK(check_stream_caps(c, {}, lens(0, 101)) == errc::stream_message_exceeds_maximum);
  CHECK(check_stream_caps(c, {}, lens(0, 61, 40)) == errc::stream_message_exceeds_maximum);
  CHECK(check_stream_caps(c, {}, lens(0, 0, 101)) == errc::stream_message_exceeds_maximum);
  CHECK(check_stream_caps(c, {}, lens(0, U64, U64)) == errc::stream_message_exceeds_maximum);  // no wrap-around
  const auto refused = check_stream_caps(c, {}, lens(0, 101));
  CHECK(refused.to_api_error().text() == "message size exceeds maximum allowed (10054)");
  CHECK(refused.to_api_error().code() == 400);
  for (std::int64_t unlimited : {std::int64_t{-1}, std::int64_t{0}, MinInt64}) {
    c.max_msg_size = unlimited;
    CHECK(check_stream_caps(c, {}, lens(0, U64)) == errc::none);
  }
  c.max_msg_size = MaxInt64;
  CHECK(check_stream_caps(c, {}, lens(0, static_cast<std::uint64_t>(MaxInt64))) == errc::none);
  CHECK(check_stream_caps(c, {}, lens(0, static_cast<std::uint64_t>(MaxInt64), 1)) == errc::stream_message_exceeds_maximum);
}

TEST_CASE("docs/semantics.md#stream-caps discard new, max_msgs: refused at the cap (msgs >= max_msgs), both rules") {
  for (auto rules : {main_rules, v29}) {
    const stream_config c = caps(storage_type::memory, 3, -1, discard_policy::new_);
    CHECK(check_stream_caps(c, {2, 0}, lens(1, 1), std::nullopt, rules) == errc::none);
    const auto v = check_stream_caps(c, {3, 0}, lens(1, 1), std::nullopt, rules);
    CHECK(v == errc::stream_store_failed);
    CHECK(v.text == "maximum messages exceeded");
    CHECK(v.to_api_error().text() == "maximum messages exceeded (10077)");
    CHECK(v.to_api_error().code() == 503);
    CHECK(check_stream_caps(c, {U64, 0}, lens(1, 1), std::nullopt, rules) == errc::stream_store_failed);
  }
}

TEST_CASE("docs/semantics.md#stream-caps discard new, max_bytes main: stored size, bytes + size > max_bytes") {
  // file: S + M + 30 without headers; memory: S + H + M + 16.
  const stream_config f = caps(storage_type::file, -1, 1000, discard_policy::new_);
  CHECK(check_stream_caps(f, {5, 900}, lens(10, 60)) == errc::none);  // 900 + 100 == 1000: at the cap
  const auto v = check_stream_caps(f, {5, 900}, lens(10, 61));        // 1001
  CHECK(v == errc::stream_store_failed);
  CHECK(v.text == "maximum bytes exceeded");
  CHECK(check_stream_caps(f, {5, 895}, lens(10, 60, 1)) == errc::none);  // with headers: 10 + 1 + 60 + 34 = 105
  CHECK(check_stream_caps(f, {5, 895}, lens(10, 61, 1)) == errc::stream_store_failed);
  const stream_config m = caps(storage_type::memory, -1, 1000, discard_policy::new_);
  CHECK(check_stream_caps(m, {5, 900}, lens(10, 74)) == errc::none);  // 10 + 74 + 16 = 100
  CHECK(check_stream_caps(m, {5, 900}, lens(10, 75)) == errc::stream_store_failed);
  // The stored size alone over the cap on an empty stream, and int64 extremes.
  CHECK(check_stream_caps(f, {0, 0}, lens(0, 971)) == errc::stream_store_failed);
  CHECK(check_stream_caps(f, {0, U64}, lens(0, 0)) == errc::stream_store_failed);  // saturating sum, no wrap
  const stream_config big = caps(storage_type::file, -1, MaxInt64, discard_policy::new_);
  CHECK(check_stream_caps(big, {0, static_cast<std::uint64_t>(MaxInt64) - 30}, lens(0, 0)) == errc::none);
  CHECK(check_stream_caps(big, {0, static_cast<std::uint64_t>(MaxInt64) - 29}, lens(0, 0)) == errc::stream_store_failed);
}

TEST_CASE("docs/semantics.md#stream-caps discard new, max_bytes 2.9.10: header + payload only, bytes + len >= max_bytes") {
  for (auto st : {storage_type::file, storage_type::memory}) {
    const stream_config c = caps(st, -1, 1000, discard_policy::new_);
    CHECK(check_stream_caps(c, {5, 900}, lens(10, 99), std::nullopt, v29) == errc::none);                  // 999 < 1000
    CHECK(check_stream_caps(c, {5, 900}, lens(10, 100), std::nullopt, v29) == errc::stream_store_failed);  // == refused
    CHECK(check_stream_caps(c, {5, 900}, lens(10, 50, 50), std::nullopt, v29) == errc::stream_store_failed);
    // Accepted by the raw comparison, the stored size still overflows the cap: 2.9.10's
    // enforceBytesLimit runs for discard new too and evicts.
    const auto v = check_stream_caps(c, {5, 900}, lens(10, 99), std::nullopt, v29);
    const std::uint64_t size = st == storage_type::file ? 10 + 99 + 30 : 10 + 99 + 16;
    CHECK(v.evict_bytes == 900 + size - 1000);
    CHECK(v.evict_msgs == 0u);
    CHECK_FALSE(v.evicts_new);
  }
}

TEST_CASE("docs/semantics.md#stream-caps discard old: accepted, with what to evict; -1 and 0 unlimited") {
  for (auto rules : {main_rules, v29}) {
    const stream_config c = caps(storage_type::file, 3, 1000, discard_policy::old_);
    auto v = check_stream_caps(c, {2, 800}, lens(10, 60), std::nullopt, rules);  // 3 msgs, 900 bytes: fits
    CHECK(v == errc::none);
    CHECK_FALSE(v.evicts());
    v = check_stream_caps(c, {3, 900}, lens(10, 60), std::nullopt, rules);  // 4 msgs, 1000 bytes
    CHECK(v == errc::none);
    CHECK(v.evict_msgs == 1u);
    CHECK(v.evict_bytes == 0u);
    v = check_stream_caps(c, {1, 950}, lens(10, 60), std::nullopt, rules);  // 1050 bytes
    CHECK(v.evict_msgs == 0u);
    CHECK(v.evict_bytes == 50u);
    CHECK_FALSE(v.evicts_new);
    for (std::int64_t unlimited : {std::int64_t{-1}, std::int64_t{0}, MinInt64}) {
      const stream_config u = caps(storage_type::memory, unlimited, unlimited, discard_policy::old_);
      v = check_stream_caps(u, {U64, U64}, lens(U64, U64), std::nullopt, rules);
      CHECK(v == errc::none);
      CHECK_FALSE(v.evicts());
    }
  }
}

TEST_CASE(
    "docs/semantics.md#stream-caps discard old: a message larger than max_bytes on its own is stored, then evicted with all") {
  // enforceBytesLimit deletes the first message while bytes > max_bytes: the new one is last to go.
  for (auto rules : {main_rules, v29}) {
    const stream_config c = caps(storage_type::memory, -1, 100, discard_policy::old_);
    auto v = check_stream_caps(c, {4, 90}, lens(0, 85), std::nullopt, rules);  // 101 bytes
    CHECK(v == errc::none);
    CHECK(v.evicts_new);
    CHECK(v.evict_msgs == 5u);
    CHECK(v.evict_bytes == 90u + 101);
    v = check_stream_caps(c, {4, 90}, lens(0, 84), std::nullopt, rules);  // exactly 100: stays, the 4 others go
    CHECK_FALSE(v.evicts_new);
    CHECK(v.evict_bytes == 90u);
  }
}

TEST_CASE("docs/semantics.md#stream-caps max_msgs_per_subject: checked only when the subject's totals are given") {
  stream_config c = caps(storage_type::file, 10, -1, discard_policy::old_);
  c.max_msgs_per_subject = 2;
  CHECK_FALSE(check_stream_caps(c, {5, 0}, lens(3, 1)).evicts());  // not given: not checked
  auto v = check_stream_caps(c, {5, 0}, lens(3, 1), subject_totals{2, 40});
  CHECK(v == errc::none);
  CHECK(v.evict_subject_msgs == 1u);
  CHECK(check_stream_caps(c, {5, 0}, lens(3, 1), subject_totals{1, 40}).evict_subject_msgs == 0u);
  c.max_msgs_per_subject = 0;  // unlimited
  CHECK(check_stream_caps(c, {5, 0}, lens(3, 1), subject_totals{U64, 40}).evict_subject_msgs == 0u);

  // Discard new at the subject's cap: the message replaces the subject's oldest, so max_msgs is no refusal.
  c = caps(storage_type::file, 5, -1, discard_policy::new_);
  c.max_msgs_per_subject = 2;
  CHECK(check_stream_caps(c, {5, 0}, lens(3, 1)) == errc::stream_store_failed);  // not given: max_msgs refuses
  v = check_stream_caps(c, {5, 0}, lens(3, 1), subject_totals{2, 40});
  CHECK(v == errc::none);
  CHECK(v.evict_subject_msgs == 1u);
  CHECK(check_stream_caps(c, {5, 0}, lens(3, 1), subject_totals{1, 40}) == errc::stream_store_failed);
  // discard_new_per_subject: refused at the subject's cap; main lets a rollup through, 2.9.10 does not.
  c.discard_new_per_subject = true;
  v = check_stream_caps(c, {1, 0}, lens(3, 1), subject_totals{2, 40});
  CHECK(v == errc::stream_store_failed);
  CHECK(v.text == "maximum messages per subject exceeded");
  CHECK(check_stream_caps(c, {1, 0}, lens(3, 1), subject_totals{1, 40}) == errc::none);
  CHECK(check_stream_caps(c, {1, 0}, lens(3, 1), subject_totals{2, 40, true}) == errc::none);
  CHECK(check_stream_caps(c, {1, 0}, lens(3, 1), subject_totals{2, 40, true}, v29) == errc::stream_store_failed);
}

TEST_CASE(
    "docs/semantics.md#stream-caps discard new, max_bytes at the subject's cap: room if the oldest of the subject is big "
    "enough") {
  stream_config c = caps(storage_type::file, -1, 1000, discard_policy::new_);
  c.max_msgs_per_subject = 1;
  // New stored size 10 + 60 + 30 = 100, 950 stored: over the cap.
  CHECK(check_stream_caps(c, {3, 950}, lens(10, 60), subject_totals{1, 100}) == errc::none);  // main: 100 < 100 false
  CHECK(check_stream_caps(c, {3, 950}, lens(10, 60), subject_totals{1, 99}) == errc::stream_store_failed);
  // 2.9.10 compares with header + payload (60): file refuses oldest <= 60, memory oldest < 60.
  CHECK(check_stream_caps(c, {3, 950}, lens(10, 60), subject_totals{1, 60}, v29) == errc::stream_store_failed);
  CHECK(check_stream_caps(c, {3, 950}, lens(10, 60), subject_totals{1, 61}, v29) == errc::none);
  c.storage = storage_type::memory;
  CHECK(check_stream_caps(c, {3, 950}, lens(10, 60), subject_totals{1, 60}, v29) == errc::none);
  CHECK(check_stream_caps(c, {3, 950}, lens(10, 60), subject_totals{1, 59}, v29) == errc::stream_store_failed);
}

TEST_CASE("docs/semantics.md#stream-caps stream_reservation: add_message tracks msgs and bytes, check_publish answers") {
  engine eng(server(256 * MiB, 2 * GiB));
  auto acc = enable(eng, "A", untiered(lim(-1, -1)));
  stream_config c = caps(storage_type::file, 2, 1000, discard_policy::new_);
  c.max_msg_size = 500;
  auto s = acc.create_stream(c).value();
  const msg_lengths m = lens(10, 60);  // 100 stored
  CHECK(s.check_publish(m) == errc::none);
  CHECK(s.add_message(m) == 100u);
  CHECK(s.stored_msgs() == 1u);
  CHECK(s.stored_bytes() == 100);
  CHECK(s.add_message(m) == 100u);
  CHECK(s.check_publish(m).text == "maximum messages exceeded");
  CHECK(s.check_publish(lens(0, 501)) == errc::stream_message_exceeds_maximum);  // 10054 before the caps
  CHECK(s.remove_message(m) == 100u);
  CHECK(s.stored_msgs() == 1u);
  CHECK(s.check_publish(m) == errc::none);
  CHECK(s.check_publish(lens(10, 900 - 40 + 1)) == errc::stream_message_exceeds_maximum);
  // Usage went to the account as well.
  CHECK(acc.usage().store == 100u);
  // Normalization: 0 caps become -1.
  stream_config z = caps(storage_type::memory, 0, 0, discard_policy::old_);
  z.name = "Z";
  z.max_msg_size = 0;
  z.max_msgs_per_subject = 0;
  auto sz = acc.create_stream(z).value();
  CHECK(sz.config().max_msgs == -1);
  CHECK(sz.config().max_msg_size == -1);
  CHECK(sz.config().max_msgs_per_subject == -1);
  CHECK(sz.add_message(m) == 10u + 60 + 16);  // memory size
  CHECK(sz.remove_message(m) == 86u);
  CHECK(sz.remove_message(m) == 86u);  // more removes than adds: the count stays at 0
  CHECK(sz.stored_msgs() == 0u);
}

TEST_CASE("docs/semantics.md#stream-caps stream_reservation: the account check comes before the stream caps") {
  engine eng(server(256 * MiB, 2 * GiB));
  auto acc = enable(eng, "A", untiered(lim(-1, 150)));
  auto s = acc.create_stream(caps(storage_type::file, 1, -1, discard_policy::new_)).value();
  (void)s.add_message(lens(10, 60));
  CHECK(s.check_publish(lens(10, 60)) == errc::account_resources_exceeded);  // main: 100 + 100 > 150 first
  engine_v29 e29(server(256 * MiB, 2 * GiB));
  auto a29 = enable(e29, "A", untiered(lim(-1, 150)));
  auto s29 = a29.create_stream(caps(storage_type::file, 1, -1, discard_policy::new_)).value();
  (void)s29.add_message(lens(10, 60));
  CHECK(s29.check_publish(lens(10, 60)).text == "maximum messages exceeded");  // 2.9.10: account after storing
}
