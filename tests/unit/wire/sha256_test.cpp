// SPDX-License-Identifier: Apache-2.0
// detail::sha256 against the FIPS 180-4 / NIST example vectors.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "jsacct/detail/sha256.hpp"

using jsacct::detail::sha256;
using jsacct::detail::sha256_of;

namespace {

std::string hex(const sha256::digest& d) {
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string s;
  for (auto b : d) {
    s += digits[b >> 4];
    s += digits[b & 0xF];
  }
  return s;
}

constexpr std::string_view v448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
constexpr std::string_view v896 =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

}  // namespace

TEST_CASE("sha256: FIPS 180-4 example vectors") {
  CHECK(hex(sha256_of("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex(sha256_of("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex(sha256_of(v448)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hex(sha256_of(v896)) == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST_CASE("sha256: one million 'a' fed in uneven chunks") {
  sha256 h;
  const std::string chunk(997, 'a');
  std::size_t left = 1'000'000;
  while (left > 0) {
    const std::size_t n = left < chunk.size() ? left : chunk.size();
    h.update(std::string_view(chunk).substr(0, n));
    left -= n;
  }
  CHECK(hex(h.finish()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256: padding boundaries (55, 56, 63, 64, 65 bytes) agree between one-shot and byte-wise input") {
  for (std::size_t len : {55u, 56u, 63u, 64u, 65u, 119u, 120u, 128u}) {
    CAPTURE(len);
    const std::string msg(len, 'x');
    sha256 h;
    for (char c : msg) h.update(std::string_view(&c, 1));
    CHECK(h.finish() == sha256_of(msg));
  }
  // Known: 64 'a' bytes (exactly one block before padding).
  CHECK(hex(sha256_of(std::string(64, 'a'))) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST_CASE("sha256: byte-span input equals text input") {
  const std::vector<std::byte> bytes{std::byte{'a'}, std::byte{'b'}, std::byte{'c'}};
  CHECK(sha256_of(std::span<const std::byte>(bytes)) == sha256_of("abc"));
}

TEST_CASE("sha256: usable in constant expressions") {
  constexpr auto d = sha256_of("abc");
  static_assert(d[0] == 0xba && d[1] == 0x78 && d[31] == 0xad);
  CHECK(d[2] == 0x16);
}
