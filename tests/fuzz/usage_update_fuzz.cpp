// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the $JSC.ARU usage-update codec (docs/semantics.md#aru-layout, docs/semantics.md#aru-merge).
//
// Decodes arbitrary bytes (ASan/UBSan catch any out-of-bounds read or UB) and
// checks, on every input:
//   * the decoder agrees with an independent reference decoder that uses
//     128-bit additive guards (no overflow possible) on status, record count
//     and consumed bytes;
//   * every record name lies inside the input, and header + Σ record sizes
//     equals consumed() and never exceeds the input length;
//   * the status is consistent with the input length and with what applies;
//   * re-encoding the records of a complete decode gives back the input bytes
//     up to consumed() (all of them when the decode is fully valid);
//   * encoding tiers built from the input and decoding them round-trips.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "jsacct/detail/arith.hpp"
#include "jsacct/wire/usage_update.hpp"

#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "invariant violated: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace {

using jsacct::uint128;
using jsacct::usage_record;
using jsacct::usage_update_status;

std::uint64_t load(const std::uint8_t* p, int width) {
  std::uint64_t v = 0;
  for (int i = 0; i < width; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

struct reference_result {
  usage_update_status status = usage_update_status::too_short;
  std::size_t count = 0;
  std::size_t consumed = 0;
};

// The rules of docs/semantics.md#aru-merge, written independently in additive form on 128-bit integers.
reference_result reference_decode(const std::uint8_t* d, std::size_t n) {
  reference_result r;
  if (n < 32) return r;
  if (n < 44) return {usage_update_status::legacy, 1, 32};
  std::uint64_t extra = load(d + 32, 4);
  const std::uint64_t first_len = load(d + 36, 8);
  if (uint128{44} + first_len > n) return {usage_update_status::corrupt_first_record, 0, 0};
  auto pos = static_cast<std::size_t>(44 + first_len);
  r.count = 1;
  while (extra > 0) {
    if (uint128{pos} + 24 > n) break;
    const std::uint64_t len = load(d + pos + 16, 8);
    if (uint128{pos} + 24 + len > n) return {usage_update_status::corrupt_extra_record, r.count, pos};
    pos += 24 + static_cast<std::size_t>(len);
    ++r.count;
    --extra;
  }
  r.status = extra > 0 ? usage_update_status::truncated : usage_update_status::complete;
  r.consumed = pos;
  return r;
}

void check_decode(const std::uint8_t* data, std::size_t size) {
  const auto bytes = std::as_bytes(std::span<const std::uint8_t>(data, size));
  const auto v = jsacct::decode_usage_update(bytes);
  const auto ref = reference_decode(data, size);
  FUZZ_CHECK(v.status() == ref.status);
  FUZZ_CHECK(v.size() == ref.count);
  FUZZ_CHECK(v.consumed() == ref.consumed);
  FUZZ_CHECK(v.bytes().data() == bytes.data() && v.bytes().size() == size);

  // Status vs length and what applies.
  FUZZ_CHECK((v.status() == usage_update_status::too_short) == (size < 32));
  FUZZ_CHECK((v.status() == usage_update_status::legacy) == (size >= 32 && size < 44));
  FUZZ_CHECK(v.empty() ==
             (v.status() == usage_update_status::too_short || v.status() == usage_update_status::corrupt_first_record));
  FUZZ_CHECK(v.applies_api() == (v.status() == usage_update_status::complete || v.status() == usage_update_status::legacy ||
                                 v.status() == usage_update_status::truncated));
  if (size >= 32) {
    FUZZ_CHECK(v.api() == load(data + 16, 8));
    FUZZ_CHECK(v.errors() == load(data + 24, 8));
  }

  // Records: names inside the input; header + record sizes == consumed <= size.
  const auto* lo = reinterpret_cast<const char*>(data);
  const auto* hi = lo + size;
  uint128 total = 0;
  std::size_t k = 0;
  for (const usage_record r : v) {
    if (!r.name.empty()) FUZZ_CHECK(r.name.data() >= lo && r.name.size() <= static_cast<std::size_t>(hi - r.name.data()));
    total += (k == 0 ? (v.status() == usage_update_status::legacy ? 32 : 44) : 24) + uint128{r.name.size()};
    ++k;
  }
  FUZZ_CHECK(k == v.size());
  FUZZ_CHECK(total <= size);
  FUZZ_CHECK(total == v.consumed());
  if (v.status() == usage_update_status::legacy) FUZZ_CHECK(v.front().name.empty());

  // The corrupt record really does not fit; truncation really had < 24 bytes left.
  if (v.status() == usage_update_status::corrupt_extra_record) {
    FUZZ_CHECK(size - v.consumed() >= 24);
    FUZZ_CHECK(load(data + v.consumed() + 16, 8) > size - v.consumed() - 24);
  }
  if (v.status() == usage_update_status::truncated) FUZZ_CHECK(size - v.consumed() < 24);

  // A complete decode re-encodes to the same bytes (the fully valid case is consumed() == size).
  if (v.status() == usage_update_status::complete) {
    FUZZ_CHECK(v.declared_extra() + std::size_t{1} == v.size());
    static std::vector<std::byte> again;
    const std::size_t n = jsacct::encode_usage_update(v.api(), v.errors(), v, again);
    FUZZ_CHECK(n == v.consumed());
    FUZZ_CHECK(n == 0 || std::memcmp(again.data(), data, n) == 0);
  }
}

// Builds up to 8 tiers from the input, encodes them, decodes the result.
void check_round_trip(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return;
  const std::size_t n = data[0] % 9;
  std::size_t pos = 1;
  auto take_u64 = [&] {
    std::uint64_t v = 0;
    for (int i = 0; i < 8 && pos < size; ++i) v |= static_cast<std::uint64_t>(data[pos++]) << (8 * i);
    return v;
  };
  static std::vector<usage_record> tiers;
  tiers.clear();
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t want = pos < size ? data[pos++] % 24 : 0;
    const std::size_t len = want < size - pos ? want : size - pos;
    const std::string_view name(reinterpret_cast<const char*>(data + pos), len);
    pos += len;
    const auto mem = static_cast<std::int64_t>(take_u64());
    const auto store = static_cast<std::int64_t>(take_u64());
    tiers.push_back({name, mem, store});
  }
  const std::uint64_t api = take_u64();
  const std::uint64_t err = take_u64();
  static std::string out;
  const std::size_t len = jsacct::encode_usage_update(api, err, tiers, out);
  FUZZ_CHECK(len == out.size() && len == jsacct::encoded_size(tiers));
  if (n == 0) {
    FUZZ_CHECK(len == 0);
    return;
  }
  const auto v = jsacct::decode_usage_update(std::string_view(out));
  FUZZ_CHECK(v.status() == usage_update_status::complete);
  FUZZ_CHECK(v.consumed() == len);
  FUZZ_CHECK(v.api() == api && v.errors() == err);
  FUZZ_CHECK(v.size() == n);
  std::size_t k = 0;
  for (const usage_record r : v) FUZZ_CHECK(r == tiers[k++]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_decode(data, size);
  check_round_trip(data, size);
  return 0;
}
