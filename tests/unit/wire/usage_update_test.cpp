// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#aru-subjects, docs/semantics.md#aru-layout, docs/semantics.md#aru-merge; docs/semantics.md#aru-merge
// (832df1cdb), #28 (f04c3b437), #31 (9ee03aedd).
#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <map>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "jsacct/types.hpp"
#include "jsacct/wire/usage_update.hpp"

using namespace jsacct;
using status = usage_update_status;

// ---- allocation counting (this test binary only) ---------------------------
namespace {
thread_local std::size_t g_allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

std::vector<std::byte> from_hex(std::string_view h) {
  auto nibble = [](char c) -> unsigned {
    if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
    FAIL("bad hex digit");
    return 0;
  };
  std::vector<std::byte> out;
  unsigned hi = 0;
  bool have_hi = false;
  for (char c : h) {
    if (c == ' ') continue;
    if (!have_hi) {
      hi = nibble(c);
      have_hi = true;
    } else {
      out.push_back(static_cast<std::byte>((hi << 4) | nibble(c)));
      have_hi = false;
    }
  }
  REQUIRE_FALSE(have_hi);
  return out;
}

std::string to_hex(std::span<const std::byte> b) {
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string s;
  for (auto x : b) {
    const auto v = std::to_integer<unsigned>(x);
    s += digits[v >> 4];
    s += digits[v & 0xF];
  }
  return s;
}

/// Builds arbitrary (also malformed) messages field by field.
struct msg {
  std::vector<std::byte> b;
  msg& u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::byte>(v >> (8 * i)));
    return *this;
  }
  msg& i64(std::int64_t v) { return u64(static_cast<std::uint64_t>(v)); }
  msg& u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::byte>(v >> (8 * i)));
    return *this;
  }
  msg& str(std::string_view s) {
    for (char c : s) b.push_back(static_cast<std::byte>(c));
    return *this;
  }
  msg& fill(std::size_t n, std::uint8_t v = 0xAB) {
    b.insert(b.end(), n, static_cast<std::byte>(v));
    return *this;
  }
  /// First record: mem, store, api, errors, extra count, name length, name.
  msg& head(std::int64_t mem, std::int64_t store, std::uint64_t api, std::uint64_t err, std::uint32_t extra, std::uint64_t len,
            std::string_view name = {}) {
    return i64(mem).i64(store).u64(api).u64(err).u32(extra).u64(len).str(name);
  }
  /// Extra record: mem, store, name length, name.
  msg& rec(std::int64_t mem, std::int64_t store, std::uint64_t len, std::string_view name = {}) {
    return i64(mem).i64(store).u64(len).str(name);
  }
  std::span<const std::byte> span() const { return b; }
};

std::vector<usage_record> records_of(const usage_update_view& v) { return {v.begin(), v.end()}; }

std::vector<std::byte> encode_vec(std::uint64_t api, std::uint64_t err, const std::vector<usage_record>& tiers) {
  std::vector<std::byte> out;
  (void)encode_usage_update(api, err, tiers, out);
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// Encoding: the worked examples of docs/semantics.md#aru-layout, byte for byte
// ---------------------------------------------------------------------------

TEST_CASE("encode: one untiered tier (docs/semantics.md#aru-layout example 1)") {
  const std::vector<usage_record> tiers{{"", 100, 2048}};
  const auto expected = from_hex("6400000000000000 0008000000000000 0500000000000000 0100000000000000 00000000 0000000000000000");
  REQUIRE(expected.size() == 44);
  CHECK(encoded_size(tiers) == 44);
  CHECK(encode_vec(5, 1, tiers) == expected);

  std::array<std::byte, 64> buf{};
  CHECK(encode_usage_update(5, 1, tiers, std::span<std::byte>(buf)) == 44);
  CHECK(to_hex(std::span<const std::byte>(buf.data(), 44)) == to_hex(expected));

  const auto v = decode_usage_update(expected);
  CHECK(v.status() == status::complete);
  CHECK(v.applies_api());
  CHECK(v.api() == 5);
  CHECK(v.errors() == 1);
  CHECK(v.declared_extra() == 0);
  CHECK(v.consumed() == 44);
  CHECK(records_of(v) == tiers);
}

TEST_CASE("encode: tiers R1 then R3, 72 bytes (docs/semantics.md#aru-layout example 2)") {
  const std::vector<usage_record> tiers{{"R1", 0, 1000}, {"R3", 10, 0}};
  const auto expected = from_hex(
      "0000000000000000 e803000000000000 0700000000000000 0200000000000000 01000000 0200000000000000 5231"
      "0a00000000000000 0000000000000000 0200000000000000 5233");
  REQUIRE(expected.size() == 72);
  CHECK(encoded_size(tiers) == 72);
  CHECK(to_hex(encode_vec(7, 2, tiers)) == to_hex(expected));

  const auto v = decode_usage_update(expected);
  CHECK(v.status() == status::complete);
  CHECK(v.api() == 7);
  CHECK(v.errors() == 2);
  CHECK(v.declared_extra() == 1);
  CHECK(v.size() == 2);
  CHECK(v.consumed() == 72);
  CHECK(records_of(v) == tiers);
  CHECK(v.front() == usage_record{"R1", 0, 1000});
}

TEST_CASE("encode: negative local mem is sent as two's complement (docs/semantics.md#aru-layout example 3)") {
  const auto out = encode_vec(0, 0, {{"", -31, 0}});
  REQUIRE(out.size() == 44);
  CHECK(to_hex(std::span<const std::byte>(out).first(8)) == "e1ffffffffffffff");
  const auto v = decode_usage_update(out);
  REQUIRE(v.size() == 1);
  CHECK(v.front().mem == -31);
}

TEST_CASE("the 44-byte message observed on the 2.9.10 binary (docs/semantics.md#aru-layout, docs/semantics.md#recorded-facts)") {
  // One 5-byte message on "s" in a file stream (36 bytes), two API calls.
  const auto observed = from_hex("0000000000000000 2400000000000000 0200000000000000 0000000000000000 00000000 0000000000000000");
  REQUIRE(observed.size() == 44);
  CHECK(encode_vec(2, 0, {{"", 0, 36}}) == observed);
  const auto v = decode_usage_update(observed);
  CHECK(v.status() == status::complete);
  CHECK(v.api() == 2);
  CHECK(v.errors() == 0);
  CHECK(records_of(v) == std::vector<usage_record>{{"", 0, 36}});
}

TEST_CASE("encode: an empty usage map sends nothing (9ee03aedd)") {
  const std::vector<usage_record> none;
  CHECK(encoded_size(none) == 0);
  std::array<std::byte, 8> buf{};
  buf.fill(std::byte{0x5A});
  CHECK(encode_usage_update(1, 1, none, std::span<std::byte>(buf)) == 0);
  for (auto b : buf) CHECK(b == std::byte{0x5A});
  std::string out = "stale";
  CHECK(encode_usage_update(1, 1, none, out) == 0);
  CHECK(out.empty());
}

TEST_CASE("encode: a too-small span gets nothing written and learns the size (snprintf style)") {
  const std::vector<usage_record> tiers{{"R1", 1, 2}, {"R3", 3, 4}};
  std::array<std::byte, 71> small{};
  small.fill(std::byte{0x77});
  CHECK(encode_usage_update(0, 0, tiers, std::span<std::byte>(small)) == 72);
  for (auto b : small) CHECK(b == std::byte{0x77});
  std::array<std::byte, 72> exact{};
  CHECK(encode_usage_update(0, 0, tiers, std::span<std::byte>(exact)) == 72);
  CHECK(decode_usage_update(exact).status() == status::complete);
}

TEST_CASE("encode: projections and other record types") {
  struct engine_tier {
    std::string name;
    std::int64_t mem;
    std::int64_t store;
  };
  const std::vector<engine_tier> own{{"R1", 0, 1000}, {"R3", 10, 0}};
  const std::map<std::string, mem_store, std::less<>> by_name{{"R1", {0, 1000}}, {"R3", {10, 0}}};
  const auto expected = encode_vec(7, 2, {{"R1", 0, 1000}, {"R3", 10, 0}});

  CHECK(encode_vec(7, 2, {{"R1", 0, 1000}, {"R3", 10, 0}}).size() == 72);
  std::vector<std::byte> a;
  CHECK(encode_usage_update(7, 2, own, a) == 72);
  CHECK(a == expected);

  std::vector<std::byte> b;
  const auto proj = [](const auto& kv) { return usage_record{kv.first, kv.second.mem, kv.second.store}; };
  CHECK(encoded_size(by_name, proj) == 72);
  CHECK(encode_usage_update(7, 2, by_name, b, proj) == 72);
  CHECK(b == expected);

  std::vector<unsigned char> c;
  CHECK(encode_usage_update(7, 2, own, c) == 72);
  CHECK(std::equal(c.begin(), c.end(), expected.begin(), [](unsigned char x, std::byte y) { return std::byte{x} == y; }));

  const std::array<usage_record, 2> arr{{{"R1", 0, 1000}, {"R3", 10, 0}}};
  std::string s;
  CHECK(encode_usage_update(7, 2, arr, s) == 72);
  CHECK(decode_usage_update(std::string_view(s)).size() == 2);
}

TEST_CASE("encode and decode do not allocate on the steady path") {
  const std::vector<usage_record> tiers{{"R1", 1, 2}, {"R3", 3, 4}, {"", 5, 6}};
  std::vector<std::byte> out;
  out.reserve(256);
  std::array<std::byte, 256> fixed{};
  const std::size_t before = g_allocations;
  std::size_t total = 0;
  for (int i = 0; i < 100; ++i) {
    total += encode_usage_update(static_cast<std::uint64_t>(i), 0, tiers, out);
    total += encode_usage_update(static_cast<std::uint64_t>(i), 0, tiers, std::span<std::byte>(fixed));
    const auto v = decode_usage_update(out);
    for (const auto r : v) total += r.name.size();
    total += encoded_size(tiers);
  }
  CHECK(g_allocations == before);
  CHECK(total > 0);
}

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

TEST_CASE("round trip: 0..8 tiers with empty names, binary names and int64 extremes") {
  std::uint64_t seed = 0x9E3779B97F4A7C15ULL;
  auto next = [&] {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
  };
  const std::array<std::int64_t, 7> specials{0, 1, -1, i64_min, i64_max, i64_min + 1, i64_max - 1};
  std::vector<std::string> names_storage;
  std::vector<std::byte> out;
  for (int round = 0; round < 50; ++round) {
    for (std::size_t n = 0; n <= 8; ++n) {
      CAPTURE(round);
      CAPTURE(n);
      names_storage.clear();
      for (std::size_t k = 0; k < n; ++k) {
        std::string name;
        const auto len = (k + static_cast<std::size_t>(round)) % 3 == 0 ? 0 : next() % 40;  // many empty names
        for (std::size_t j = 0; j < len; ++j) name += static_cast<char>(next() & 0xFF);     // incl. '\0', 0xFF, '.'
        names_storage.push_back(std::move(name));
      }
      std::vector<usage_record> tiers;
      for (std::size_t k = 0; k < n; ++k) {
        const auto mem = (next() & 1) ? specials[next() % specials.size()] : static_cast<std::int64_t>(next());
        const auto store = (next() & 1) ? specials[next() % specials.size()] : static_cast<std::int64_t>(next());
        tiers.push_back({names_storage[k], mem, store});
      }
      const std::uint64_t api = (round % 4 == 0) ? u64_max : next();
      const std::uint64_t err = (round % 5 == 0) ? u64_max : next();
      const std::size_t size = encode_usage_update(api, err, tiers, out);
      CHECK(size == out.size());
      CHECK(size == encoded_size(tiers));
      if (n == 0) {
        CHECK(size == 0);
        continue;
      }
      std::size_t expect = 20;
      for (const auto& t : tiers) expect += 24 + t.name.size();
      CHECK(size == expect);
      const auto v = decode_usage_update(out);
      CHECK(v.status() == status::complete);
      CHECK(v.api() == api);
      CHECK(v.errors() == err);
      CHECK(v.declared_extra() == n - 1);
      CHECK(v.size() == n);
      CHECK(v.consumed() == size);
      CHECK(records_of(v) == tiers);
      CHECK(static_cast<std::size_t>(std::distance(v.begin(), v.end())) == n);
      // Re-encoding the decoded records reproduces the bytes.
      std::vector<std::byte> again;
      CHECK(encode_usage_update(v.api(), v.errors(), v, again) == size);
      CHECK(again == out);
    }
  }
}

// ---------------------------------------------------------------------------
// Decoding: every status at its exact boundaries (docs/semantics.md#aru-merge)
// ---------------------------------------------------------------------------

TEST_CASE("decode: fewer than 32 bytes is too short") {
  for (std::size_t len : {0u, 1u, 8u, 31u}) {
    CAPTURE(len);
    const msg m = msg{}.fill(len, 0x01);
    const auto v = decode_usage_update(m.span());
    CHECK(v.status() == status::too_short);
    CHECK_FALSE(v.applies_api());
    CHECK(v.empty());
    CHECK(v.begin() == v.end());
    CHECK(v.api() == 0);
    CHECK(v.errors() == 0);
    CHECK(v.consumed() == 0);
    CHECK(warning_text(v.status()) == "Ignoring remote usage update with size too short");
  }
  CHECK(decode_usage_update(std::span<const std::byte>{}).status() == status::too_short);
  const usage_update_view empty_view;
  CHECK(empty_view.status() == status::too_short);
  CHECK(empty_view.empty());
}

TEST_CASE("decode: 32..43 bytes is the legacy untiered form") {
  // 2.9.10 oracle (docs/semantics.md#recorded-facts): a 32-byte update with store 50, api 1, errors 0.
  const msg m32 = msg{}.i64(0).i64(50).u64(1).u64(0);
  REQUIRE(m32.b.size() == 32);
  auto v = decode_usage_update(m32.span());
  CHECK(v.status() == status::legacy);
  CHECK(v.applies_api());
  CHECK(v.api() == 1);
  CHECK(v.errors() == 0);
  CHECK(v.declared_extra() == 0);
  CHECK(v.consumed() == 32);
  CHECK(records_of(v) == std::vector<usage_record>{{"", 0, 50}});
  CHECK(warning_text(v.status()).empty());

  // 43 bytes: bytes 32..42 ignored even if they look like a huge count and length.
  const msg m43 = msg{}.i64(-5).i64(i64_max).u64(u64_max).u64(3).fill(11, 0xFF);
  REQUIRE(m43.b.size() == 43);
  v = decode_usage_update(m43.span());
  CHECK(v.status() == status::legacy);
  CHECK(v.api() == u64_max);
  CHECK(v.errors() == 3);
  CHECK(v.consumed() == 32);
  CHECK(records_of(v) == std::vector<usage_record>{{"", -5, i64_max}});
}

TEST_CASE("decode: first-record length guard at L = len-44 and len-43") {
  // 44 bytes, L = 0: smallest multi-tier message.
  auto v = decode_usage_update(msg{}.head(1, 2, 3, 4, 0, 0).span());
  CHECK(v.status() == status::complete);
  CHECK(records_of(v) == std::vector<usage_record>{{"", 1, 2}});

  // 50 bytes: name "R1" followed by 4 trailing bytes; L = len-44 = 6 takes them all.
  const msg exact = msg{}.head(1, 2, 3, 4, 0, 6, "R1abcd");
  REQUIRE(exact.b.size() == 50);
  v = decode_usage_update(exact.span());
  CHECK(v.status() == status::complete);
  CHECK(v.consumed() == 50);
  CHECK(v.front().name == "R1abcd");

  // L = len-43 = 7: one byte past the end -> nothing applies, API counters untouched.
  const msg over = msg{}.head(1, 2, 3, 4, 0, 7, "R1abcd");
  v = decode_usage_update(over.span());
  CHECK(v.status() == status::corrupt_first_record);
  CHECK_FALSE(v.applies_api());
  CHECK(v.empty());
  CHECK(v.begin() == v.end());
  CHECK(v.consumed() == 0);
  CHECK(warning_text(v.status()) == "Received corrupt remote usage update");

  // 44 bytes, L = 1 (= len-43).
  CHECK(decode_usage_update(msg{}.head(1, 2, 3, 4, 0, 1).span()).status() == status::corrupt_first_record);
}

TEST_CASE("decode: length 0xFFFFFFFFFFFFFFFF cannot overflow the guards (f04c3b437)") {
  // Upstream TestJetStreamRemoteUsageUpdateLengthOverflow, first message: 44 bytes, first length all 0xFF.
  const msg first = msg{}.head(0, 0, 0, 0, 0, u64_max);
  REQUIRE(first.b.size() == 44);
  auto v = decode_usage_update(first.span());
  CHECK(v.status() == status::corrupt_first_record);
  CHECK(v.empty());
  CHECK_FALSE(v.applies_api());

  // Lengths that would wrap an additive guard `44 + L <= len` to a small value.
  for (std::uint64_t len : {u64_max - 43, u64_max - 42, u64_max - 20, std::uint64_t{1} << 63}) {
    CAPTURE(len);
    CHECK(decode_usage_update(msg{}.head(0, 0, 0, 0, 0, len).fill(8).span()).status() == status::corrupt_first_record);
  }

  // Second message: 68 bytes, count 1, first length 0, excess record length all 0xFF.
  const msg excess = msg{}.head(7, 8, 9, 1, 1, 0).rec(1, 2, u64_max);
  REQUIRE(excess.b.size() == 68);
  v = decode_usage_update(excess.span());
  CHECK(v.status() == status::corrupt_extra_record);
  CHECK_FALSE(v.applies_api());
  CHECK(v.size() == 1);  // the first record stays applied
  CHECK(v.consumed() == 44);
  CHECK(records_of(v) == std::vector<usage_record>{{"", 7, 8}});
  CHECK(warning_text(v.status()) == "Received corrupt remote usage update on excess record");

  for (std::uint64_t len : {u64_max - 23, u64_max - 22, std::uint64_t{1} << 63}) {
    CAPTURE(len);
    CHECK(decode_usage_update(msg{}.head(7, 8, 9, 1, 1, 0).rec(1, 2, len).fill(4).span()).status() ==
          status::corrupt_extra_record);
  }
}

TEST_CASE("decode: excess-record length guard at L = rest-24 and rest-23") {
  // rest after the first record = 24 + 5 bytes; L = 5 fits exactly.
  const msg exact = msg{}.head(1, 1, 5, 0, 1, 2, "R1").rec(3, 3, 5, "R3xyz");
  auto v = decode_usage_update(exact.span());
  CHECK(v.status() == status::complete);
  CHECK(v.consumed() == exact.b.size());
  CHECK(records_of(v) == std::vector<usage_record>{{"R1", 1, 1}, {"R3xyz", 3, 3}});

  // L = 6 = rest-23: corrupt; "R1" stays applied, API counters do not.
  const msg over = msg{}.head(1, 1, 5, 0, 1, 2, "R1").rec(3, 3, 6, "R3xyz");
  v = decode_usage_update(over.span());
  CHECK(v.status() == status::corrupt_extra_record);
  CHECK(v.size() == 1);
  CHECK(v.consumed() == 46);
  CHECK(records_of(v) == std::vector<usage_record>{{"R1", 1, 1}});

  // Rest exactly 24 bytes with an empty name completes.
  v = decode_usage_update(msg{}.head(1, 1, 5, 0, 1, 0).rec(2, 2, 0).span());
  CHECK(v.status() == status::complete);
  CHECK(v.size() == 2);
}

TEST_CASE("decode: a corrupt third record keeps the first two applied") {
  const msg m = msg{}.head(1, 10, 4, 1, 3, 2, "R1").rec(2, 20, 2, "R2").rec(3, 30, 100, "R3").rec(4, 40, 2, "R4");
  const auto v = decode_usage_update(m.span());
  CHECK(v.status() == status::corrupt_extra_record);
  CHECK(v.declared_extra() == 3);
  CHECK(v.size() == 2);                    // record index 2 is the corrupt one ...
  CHECK(v.consumed() == 44 + 2 + 24 + 2);  // ... and starts here
  CHECK(records_of(v) == std::vector<usage_record>{{"R1", 1, 10}, {"R2", 2, 20}});
  CHECK_FALSE(v.applies_api());
}

TEST_CASE("decode: extra count larger than the records present is truncated, API counters apply") {
  // Count 5, two extra records present, then nothing.
  msg m = msg{}.head(1, 10, 6, 2, 5, 2, "R1").rec(2, 20, 2, "R2").rec(3, 30, 2, "R3");
  auto v = decode_usage_update(m.span());
  CHECK(v.status() == status::truncated);
  CHECK(v.applies_api());
  CHECK(v.api() == 6);
  CHECK(v.errors() == 2);
  CHECK(v.declared_extra() == 5);
  CHECK(v.size() == 3);
  CHECK(v.consumed() == m.b.size());
  CHECK(records_of(v) == std::vector<usage_record>{{"R1", 1, 10}, {"R2", 2, 20}, {"R3", 3, 30}});
  CHECK(warning_text(v.status()).empty());

  // 23 leftover bytes (one short of a record header) are skipped silently.
  const std::size_t before = m.b.size();
  m.fill(23, 0xFF);
  v = decode_usage_update(m.span());
  CHECK(v.status() == status::truncated);
  CHECK(v.size() == 3);
  CHECK(v.consumed() == before);

  // Count 1 but no extra record at all (44 + L0 bytes).
  v = decode_usage_update(msg{}.head(1, 2, 3, 4, 1, 0).span());
  CHECK(v.status() == status::truncated);
  CHECK(v.size() == 1);
  CHECK(v.applies_api());

  // Count 0xFFFFFFFF with one record present.
  v = decode_usage_update(msg{}.head(1, 2, 3, 4, 0xFFFFFFFFu, 0).rec(5, 6, 0).span());
  CHECK(v.status() == status::truncated);
  CHECK(v.size() == 2);
}

TEST_CASE("decode: bytes after the last declared record are ignored") {
  const msg m = msg{}.head(1, 2, 3, 4, 0, 2, "R1").fill(30, 0xFF);
  const auto v = decode_usage_update(m.span());
  CHECK(v.status() == status::complete);
  CHECK(v.size() == 1);
  CHECK(v.consumed() == 46);
  CHECK(v.bytes().size() == 76);
}

TEST_CASE("decode: names are views into the message; string_view overload") {
  const msg m = msg{}.head(1, 2, 3, 4, 1, 2, "R1").rec(5, 6, 2, "R3");
  const auto v = decode_usage_update(m.span());
  const auto recs = records_of(v);
  REQUIRE(recs.size() == 2);
  CHECK(static_cast<const void*>(recs[0].name.data()) == static_cast<const void*>(m.b.data() + 44));
  CHECK(static_cast<const void*>(recs[1].name.data()) == static_cast<const void*>(m.b.data() + 46 + 24));
  const std::string as_text(reinterpret_cast<const char*>(m.b.data()), m.b.size());
  const auto t = decode_usage_update(std::string_view(as_text));
  CHECK(records_of(t) == recs);
  auto it = t.begin();
  CHECK((*it++).name == "R1");
  CHECK((*it).name == "R3");
  CHECK(++it == t.end());
}

TEST_CASE("status helpers") {
  CHECK(applies_api(status::complete));
  CHECK(applies_api(status::legacy));
  CHECK(applies_api(status::truncated));
  CHECK_FALSE(applies_api(status::corrupt_extra_record));
  CHECK_FALSE(applies_api(status::corrupt_first_record));
  CHECK_FALSE(applies_api(status::too_short));
  CHECK(to_string(status::truncated) == "truncated");
  CHECK(to_string(status::corrupt_first_record) == "corrupt_first_record");
  CHECK(warning_text(status::complete).empty());
  CHECK(warning_text(status::legacy).empty());
}

// ---------------------------------------------------------------------------
// Subjects (docs/semantics.md#aru-subjects)
// ---------------------------------------------------------------------------

TEST_CASE("subjects") {
  CHECK(usage_update_subject("A", "sQnRv29R") == "$JSC.ARU.A.sQnRv29R");
  CHECK(usage_update_subscription("A") == "$JSC.ARU.A.*");
  CHECK(usage_update_subject("ACC.X", "N") == "$JSC.ARU.ACC.X.N");
}

TEST_CASE("node_id_from_subject") {
  CHECK(node_id_from_subject("$JSC.ARU.A.FAKE") == std::optional<std::string_view>("FAKE"));
  CHECK(node_id_from_subject("$JSC.ARU.A.NODE1") == std::optional<std::string_view>("NODE1"));
  CHECK(node_id_from_subject("a.b") == std::optional<std::string_view>("b"));
  CHECK(node_id_from_subject("a..b") == std::optional<std::string_view>("b"));
  CHECK(node_id_from_subject("x.*") == std::optional<std::string_view>("*"));  // nothing but the last token is checked
  CHECK_FALSE(node_id_from_subject("").has_value());
  CHECK_FALSE(node_id_from_subject("nodots").has_value());
  CHECK_FALSE(node_id_from_subject(".").has_value());
  CHECK_FALSE(node_id_from_subject(".node").has_value());        // the '.' must be at index > 0
  CHECK_FALSE(node_id_from_subject("$JSC.ARU.A.").has_value());  // empty remainder
  CHECK_FALSE(node_id_from_subject("a.b.").has_value());
  CHECK(usage_update_no_node_warning == "Received remote usage update with no remote node");
  static_assert(*node_id_from_subject("$JSC.ARU.A.sQnRv29R") == "sQnRv29R");
}
