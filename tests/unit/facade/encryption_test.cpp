// SPDX-License-Identifier: Apache-2.0
// Tests of jsacct/facade/encryption.hpp (docs/semantics.md#encryption): the key generator, both
// AEADs (libsodium's XChaCha20-Poly1305, OpenSSL's AES-GCM) against vectors
// from Go's crypto libraries, the candidate order and error texts of
// decrypt_meta, and interop with metafiles written by a real nats-server
// 2.9.10 (recorded in data/, see data/README.md).
// Built only when libsodium and OpenSSL's libcrypto are available (JSACCT_HAVE_ENCRYPTION_LIBS).
#ifdef JSACCT_HAVE_ENCRYPTION_LIBS

#include "jsacct/facade/encryption.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

using jsacct::aead;
using jsacct::bytes;
using jsacct::decrypt_meta;
using jsacct::decrypt_meta_v29;
using jsacct::store_cipher;

namespace {

std::string to_hex(std::span<const std::uint8_t> b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (auto x : b) {
    s += digits[x >> 4];
    s += digits[x & 15];
  }
  return s;
}

bytes seq(std::size_t n, std::uint8_t start) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(start + i);
  return b;
}

bytes read_data(const std::string& rel) {
  std::ifstream in(std::string(JSACCT_FACADE_DATA_DIR) + "/" + rel, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string as_text(const bytes& b) { return {b.begin(), b.end()}; }

// The key of data/record.sh (the `jetstream { key: ... }` option of both recorded runs).
constexpr std::string_view recorded_key = "jsacct-test-key-0123456789abcdef";

}  // namespace

TEST_CASE("key generator: HMAC-SHA256(key, info || context)") {
  CHECK_FALSE(jsacct::js_key_gen("", "ACC").has_value());
  const auto prf = jsacct::js_key_gen("my-key", "ACC");
  REQUIRE(prf.has_value());
  // Reference value from Go: hmac.New(sha256.New, "my-key"), Write("ACC"), Write("STREAM").
  CHECK(to_hex((*prf)("STREAM")) == "0d3fe824eea3487dd35fc6ff8ecaa30655c1a788ba6ce1219f639e259f987c07");
  // info and context are concatenated, so only their concatenation matters.
  CHECK(to_hex((*jsacct::js_key_gen("my-key", "ACCST"))("REAM")) == to_hex((*prf)("STREAM")));
  // Keys at and beyond SHA-256's 64-byte block (longer keys are hashed first), values from Go's crypto/hmac.
  CHECK(to_hex((*jsacct::js_key_gen(std::string(64, 'k'), "ACC"))("STREAM")) ==
        "0a30b6c3df94cc8f8c57046a4ca4476d54c00fc77705e8b082fd8b1458a6f9a7");
  CHECK(to_hex((*jsacct::js_key_gen(std::string(65, 'k'), "ACC"))("STREAM")) ==
        "0d42c679fad767fd0b8bc28a2760a90f66df2fa1b50c2a0714940f76938eddf8");
  CHECK(to_hex((*jsacct::js_key_gen(std::string(200, 'k'), "ACC"))("STREAM")) ==
        "ed258dcf8afa5450a664a73e67bddf7e3ab12bac9b7ec4bf81834f5144fdee02");
}

TEST_CASE("aead: XChaCha20-Poly1305 and AES-GCM-16 match Go's implementations") {
  const bytes key = seq(32, 0x80);
  const std::string_view pt = "jsacct interop vector";
  const auto pt_bytes = jsacct::as_bytes_view(pt);

  const auto x = aead::make(store_cipher::chacha, key);
  REQUIRE(x.has_value());
  CHECK(x->nonce_size() == 24);
  CHECK(x->overhead() == 16);
  const bytes n24 = seq(24, 0x40);
  // chacha20poly1305.NewX(key).Seal(nil, nonce, pt, nil)
  const bytes sealed_x = x->seal(n24, pt_bytes).value();
  CHECK(to_hex(sealed_x) == "9b7f12973884d433956612a199debd2357240601774d533017e6f31c448d3917f56279b11e");
  CHECK(to_hex(x->seal(n24, {}).value()) == "1dac8f73146d1e9da796cb7f7221a5df");
  auto opened = x->open(n24, sealed_x);
  REQUIRE(opened.has_value());
  CHECK(as_text(*opened) == pt);

  const auto g = aead::make(store_cipher::aes, key);
  REQUIRE(g.has_value());
  CHECK(g->nonce_size() == 16);
  const bytes n16 = seq(16, 0x40);
  // cipher.NewGCMWithNonceSize(aes.NewCipher(key), 16).Seal(nil, nonce, pt, nil)
  const bytes sealed_g = g->seal(n16, pt_bytes).value();
  CHECK(to_hex(sealed_g) == "5da5772f7de457d8476dad8f5eeb85021dcb07ffbb1ed6f8bca928a42a183ff2190ed575ba");
  opened = g->open(n16, sealed_g);
  REQUIRE(opened.has_value());
  CHECK(as_text(*opened) == pt);

  // Tampering, wrong nonces and short inputs fail authentication.
  bytes bad = sealed_x;
  bad[3] ^= 1;
  CHECK_FALSE(x->open(n24, bad).has_value());
  bad = sealed_g;
  bad.back() ^= 0x80;
  CHECK_FALSE(g->open(n16, bad).has_value());
  CHECK_FALSE(x->open(seq(24, 0x41), sealed_x).has_value());
  CHECK_FALSE(x->open(n16, sealed_x).has_value());
  CHECK_FALSE(g->open(n16, bytes(15)).has_value());

  // Key sizes: XChaCha needs 32 bytes; AES takes 16/24/32 like Go's aes.NewCipher.
  CHECK_FALSE(aead::make(store_cipher::chacha, seq(16, 0)).has_value());
  CHECK(aead::make(store_cipher::aes, seq(16, 0)).has_value());
  CHECK(aead::make(store_cipher::aes, seq(24, 0)).has_value());
  CHECK_FALSE(aead::make(store_cipher::aes, seq(20, 0)).has_value());
  CHECK(jsacct::cipher_name(store_cipher::chacha) == "ChaCha20-Poly1305");
  CHECK(jsacct::cipher_name(store_cipher::aes) == "AES-GCM");
}

TEST_CASE("decrypt_meta: metafiles written by nats-server 2.9.10 (ChaCha, the default cipher)") {
  const bytes key_file = read_data("chacha/meta.key");
  const bytes meta = read_data("chacha/meta.inf");
  REQUIRE(key_file.size() == 72);  // 24-byte nonce + 32-byte seed + 16-byte tag

  auto r = decrypt_meta(store_cipher::chacha, key_file, meta, "$G", "S", recorded_key);
  REQUIRE_MESSAGE(r.ok(), r.error().text());
  const std::string json = as_text(r->plaintext);
  CHECK(json.find("\"name\":\"S\"") != std::string::npos);
  CHECK(json.find("\"subjects\":[\"s\"]") != std::string::npos);
  CHECK_FALSE(r->used_fallback);

  // Configured for AES now: the second candidate (current key, other cipher) works.
  r = decrypt_meta(store_cipher::aes, key_file, meta, "$G", "S", recorded_key);
  REQUIRE(r.ok());
  CHECK(as_text(r->plaintext) == json);
  CHECK(r->used_fallback);

  // Key rotated: the old key is the prev_key.
  r = decrypt_meta(store_cipher::chacha, key_file, meta, "$G", "S", "new-key", recorded_key);
  REQUIRE(r.ok());
  CHECK(as_text(r->plaintext) == json);
  CHECK(r->used_fallback);
  r = decrypt_meta(store_cipher::aes, key_file, meta, "$G", "S", "new-key", recorded_key);
  REQUIRE(r.ok());
  CHECK(r->used_fallback);

  // 2.9.10's single attempt.
  r = decrypt_meta_v29(store_cipher::chacha, key_file, meta, "$G", "S", recorded_key);
  REQUIRE(r.ok());
  CHECK(as_text(r->plaintext) == json);
  r = decrypt_meta_v29(store_cipher::aes, key_file, meta, "$G", "S", recorded_key);
  CHECK(r.error().text() == "cipher: message authentication failed");
}

TEST_CASE("decrypt_meta: metafiles written by nats-server 2.9.10 with cipher: aes") {
  const bytes key_file = read_data("aes/meta.key");
  const bytes meta = read_data("aes/meta.inf");
  REQUIRE(key_file.size() == 64);  // 16 + 32 + 16: exactly the minimum size

  auto r = decrypt_meta(store_cipher::aes, key_file, meta, "$G", "S", recorded_key);
  REQUIRE_MESSAGE(r.ok(), r.error().text());
  const std::string json = as_text(r->plaintext);
  CHECK(json.find("\"name\":\"S\"") != std::string::npos);
  CHECK_FALSE(r->used_fallback);

  r = decrypt_meta(store_cipher::chacha, key_file, meta, "$G", "S", recorded_key);
  REQUIRE(r.ok());
  CHECK(as_text(r->plaintext) == json);
  CHECK(r->used_fallback);

  r = decrypt_meta_v29(store_cipher::aes, key_file, meta, "$G", "S", recorded_key);
  REQUIRE(r.ok());
  CHECK(as_text(r->plaintext) == json);
  r = decrypt_meta_v29(store_cipher::chacha, key_file, meta, "$G", "S", recorded_key);
  CHECK(r.error().text() == "chacha20poly1305: message authentication failed");
}

TEST_CASE("decrypt_meta: error texts and their order") {
  const bytes key_file = read_data("chacha/meta.key");
  const bytes meta = read_data("chacha/meta.inf");

  // Size first, even without a key.
  const bytes short_key(key_file.begin(), key_file.begin() + 63);
  CHECK(decrypt_meta(store_cipher::chacha, short_key, meta, "$G", "S", recorded_key).error().text() == "encryption bad key size");
  CHECK(decrypt_meta(store_cipher::chacha, short_key, meta, "$G", "S", "").error().text() == "encryption bad key size");
  CHECK(decrypt_meta_v29(store_cipher::chacha, short_key, meta, "$G", "S", "").error().text() == "encryption bad key size");
  CHECK(decrypt_meta(store_cipher::chacha, {}, meta, "$G", "S", recorded_key).error().text() == "encryption bad key size");

  // No current key: not enabled, even with a previous key.
  CHECK(decrypt_meta(store_cipher::chacha, key_file, meta, "$G", "S", "").error().text() == "encryption not enabled");
  CHECK(decrypt_meta(store_cipher::chacha, key_file, meta, "$G", "S", "", recorded_key).error().text() ==
        "encryption not enabled");
  CHECK(decrypt_meta_v29(store_cipher::chacha, key_file, meta, "$G", "S", "").error().text() == "encryption not enabled");

  // Nothing works.
  const std::string unrecoverable = "unable to recover keys";
  CHECK(decrypt_meta(store_cipher::chacha, key_file, meta, "$G", "S", "wrong").error().text() == unrecoverable);
  CHECK(decrypt_meta(store_cipher::chacha, key_file, meta, "$G", "S", "wrong", "also-wrong").error().text() == unrecoverable);
  CHECK(decrypt_meta(store_cipher::chacha, key_file, meta, "A", "S", recorded_key).error().text() ==
        unrecoverable);  // account is the info
  CHECK(decrypt_meta(store_cipher::chacha, key_file, meta, "$G", "T", recorded_key).error().text() ==
        unrecoverable);  // stream is the context
  CHECK(decrypt_meta_v29(store_cipher::chacha, key_file, meta, "$G", "S", "wrong").error().text() ==
        "chacha20poly1305: message authentication failed");

  // Right key file, corrupt or truncated metafile (Go would panic on a metafile shorter than a nonce).
  bytes bad = meta;
  bad[30] ^= 1;
  CHECK(decrypt_meta(store_cipher::chacha, key_file, bad, "$G", "S", recorded_key).error().text() == unrecoverable);
  CHECK(decrypt_meta(store_cipher::chacha, key_file, bytes(10), "$G", "S", recorded_key).error().text() == unrecoverable);
  CHECK(decrypt_meta(store_cipher::chacha, key_file, {}, "$G", "S", recorded_key).error().text() == unrecoverable);
  CHECK(decrypt_meta_v29(store_cipher::chacha, key_file, bytes(10), "$G", "S", recorded_key).error().text() ==
        "chacha20poly1305: message authentication failed");
}

TEST_CASE("encrypt_meta / decrypt_meta round trips and the candidate order") {
  const std::string_view cfg = R"({"name":"ORDERS","subjects":["orders.>"]})";
  const auto plain = jsacct::as_bytes_view(cfg);
  CHECK_FALSE(jsacct::encrypt_meta(store_cipher::chacha, "", "A", "ORDERS", plain).has_value());

  for (const auto written_with : {store_cipher::chacha, store_cipher::aes}) {
    CAPTURE(static_cast<int>(written_with));
    const auto m = jsacct::encrypt_meta(written_with, "k1", "ACC", "ORDERS.C1", plain);
    REQUIRE(m.has_value());
    const std::size_t ns = written_with == store_cipher::chacha ? 24 : 16;
    CHECK(m->meta_key.size() == ns + 32 + 16);
    CHECK(m->meta_inf.size() == ns + cfg.size() + 16);
    const auto other = jsacct::other_cipher(written_with);

    struct attempt {
      store_cipher configured;
      std::string_view current, prev;
      bool fallback;
    };
    for (const attempt& a : {attempt{written_with, "k1", "", false},   // candidate 1
                             attempt{other, "k1", "", true},           // candidate 2
                             attempt{written_with, "k2", "k1", true},  // candidate 3
                             attempt{other, "k2", "k1", true}}) {      // candidate 4
      const auto r = decrypt_meta(a.configured, m->meta_key, m->meta_inf, "ACC", "ORDERS.C1", a.current, a.prev);
      REQUIRE_MESSAGE(r.ok(), r.error().text());
      CHECK(as_text(r->plaintext) == cfg);
      CHECK(r->used_fallback == a.fallback);
    }
    CHECK(decrypt_meta(written_with, m->meta_key, m->meta_inf, "ACC", "ORDERS.C1", "k2", "k3").error().text() ==
          "unable to recover keys");
  }
  // Fresh random seed and nonces every time.
  const auto a = jsacct::encrypt_meta(store_cipher::aes, "k", "A", "S", plain);
  const auto b = jsacct::encrypt_meta(store_cipher::aes, "k", "A", "S", plain);
  REQUIRE((a && b));
  CHECK(a->meta_key != b->meta_key);
  CHECK(a->meta_inf != b->meta_inf);
}

#endif  // JSACCT_HAVE_ENCRYPTION_LIBS
