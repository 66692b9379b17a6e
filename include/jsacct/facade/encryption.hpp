// SPDX-License-Identifier: Apache-2.0
/// \file
/// JetStream at-rest encryption of metafiles (docs/semantics.md#encryption), compatible with the
/// files nats-server writes: the key-encryption-key generator (HMAC-SHA256 of
/// `info ‖ context` keyed by the server key), the two AEADs (ChaCha =
/// XChaCha20-Poly1305 with a 24-byte nonce, AES = AES-GCM with a 16-byte
/// nonce) and `decrypt_meta`, which recovers a stream's or consumer's
/// `meta.inf` from it and its `meta.key` trying the candidates in main's order.
///
/// Optional feature: needs libsodium (Debian `libsodium-dev`, pkg-config
/// `libsodium`) and OpenSSL's libcrypto (1.1 or 3.x, `libssl-dev`,
/// `libcrypto`). No cryptography is implemented here:
/// - XChaCha20-Poly1305 is libsodium's `crypto_aead_xchacha20poly1305_ietf_*`;
/// - HMAC-SHA256 (the key generator) is libsodium's `crypto_auth_hmacsha256_*`,
///   random seeds and nonces come from `randombytes_buf`;
/// - AES-GCM is OpenSSL's EVP: nats-server uses GCM with a 16-byte nonce (the
///   AES block size) and AES-128/192/256 by key length, and libsodium's AES-GCM
///   has only AES-256 with a 12-byte nonce (and needs AES-NI), so it cannot
///   open these files.
#pragma once

#include "jsacct/config.hpp"

// jsacct: requires libsodium
// jsacct: requires libcrypto

#if !__has_include(<sodium.h>)
#error "jsacct/facade/encryption.hpp needs libsodium's headers (Debian: libsodium-dev)"
#endif
#if !__has_include(<openssl/evp.h>)
#error "jsacct/facade/encryption.hpp needs OpenSSL's libcrypto headers (Debian: libssl-dev)"
#endif

#include <openssl/evp.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jsacct/error.hpp"

namespace jsacct {

/// Store cipher; values are nats-server's `StoreCipher` values.
enum class store_cipher : std::uint8_t { chacha = 0, aes = 1 };

/// Banner name of a cipher (`ChaCha20-Poly1305`, `AES-GCM`).
constexpr std::string_view cipher_name(store_cipher c) noexcept {
  return c == store_cipher::chacha ? "ChaCha20-Poly1305" : "AES-GCM";
}

/// The other cipher (the fallback candidate of `decrypt_meta`).
constexpr store_cipher other_cipher(store_cipher c) noexcept {
  return c == store_cipher::chacha ? store_cipher::aes : store_cipher::chacha;
}

/// Smallest valid `meta.key` (nats-server's minMetaKeySize).
inline constexpr std::size_t min_meta_key_size = 64;

/// Byte buffer type used throughout.
using bytes = std::vector<std::uint8_t>;

namespace detail {
/// libsodium initialised (once per process, thread-safe); false if it cannot be.
inline bool sodium_ready() noexcept {
  static const bool ready = ::sodium_init() >= 0;
  return ready;
}
}  // namespace detail

/// Views a string's bytes.
inline std::span<const std::uint8_t> as_bytes_view(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// `jsKeyGen(key, info)`: maps a context to HMAC-SHA256(key, info ‖ context).
/// `info` is the account name; the context is the stream name, or
/// `<stream>.<consumer>` for consumers.
class key_gen {
 public:
  key_gen(std::string key, std::string info) : key_(std::move(key)), info_(std::move(info)) {}
  /// The 32-byte key-encryption key for `context`.
  std::array<std::uint8_t, 32> operator()(std::string_view context) const {
    static_assert(crypto_auth_hmacsha256_BYTES == 32);
    crypto_auth_hmacsha256_state st;
    ::crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key_.data()), key_.size());
    ::crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(info_.data()), info_.size());
    ::crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(context.data()), context.size());
    std::array<std::uint8_t, 32> out{};
    ::crypto_auth_hmacsha256_final(&st, out.data());
    ::sodium_memzero(&st, sizeof st);
    return out;
  }

 private:
  std::string key_;
  std::string info_;
};

/// nats-server's error when no key is configured (`errNoEncryption`).
inline constexpr std::string_view encryption_not_enabled_text = "encryption not enabled";

/// `jsKeyGen`: the generator for `key`, or the error `encryption not enabled`
/// when no key is configured (Go returns nil there, and its callers report
/// that text).
inline result<key_gen> js_key_gen(std::string_view key, std::string_view info) {
  if (key.empty()) return api_error::plain(std::string(encryption_not_enabled_text));
  return key_gen(std::string(key), std::string(info));
}

/// An AEAD as nats-server builds it from 32 bytes of key material (`seed` or
/// generated key): XChaCha20-Poly1305 (24-byte nonce, 32-byte key) or AES-GCM
/// with a 16-byte nonce (AES-128/192/256 by key length, as Go's `aes.NewCipher`).
/// Sealed output is `ciphertext ‖ 16-byte tag`; no additional data is used.
/// Every failure is a `result` error with the text of Go's
/// `golang.org/x/crypto/chacha20poly1305` or `crypto/aes` + `crypto/cipher`
/// (where Go panics, on a wrong nonce length or an oversized input, the panic
/// message); a failure of libsodium or libcrypto itself has a text of its own.
class aead {
 public:
  static constexpr std::size_t tag_size = 16;
  /// Largest plaintext XChaCha20-Poly1305 seals (Go's and libsodium's limit, 2^38 - 64 bytes).
  static constexpr std::uint64_t chacha_max_plaintext = (std::uint64_t{1} << 38) - 64;
  /// Largest plaintext GCM seals (Go's limit, (2^32 - 2) blocks of 16 bytes).
  static constexpr std::uint64_t gcm_max_plaintext = ((std::uint64_t{1} << 32) - 2) * 16;

  /// The AEAD for `key`, or Go's key-size error: `chacha20poly1305: bad key
  /// length` (ChaCha needs 32 bytes), `crypto/aes: invalid key size <n>` (AES
  /// takes 16, 24 or 32).
  static result<aead> make(store_cipher c, std::span<const std::uint8_t> key) {
    if (c == store_cipher::chacha) {
      if (key.size() != 32) return api_error::plain("chacha20poly1305: bad key length");
    } else if (key.size() != 16 && key.size() != 24 && key.size() != 32) {
      return api_error::plain("crypto/aes: invalid key size " + std::to_string(key.size()));
    }
    aead a;
    a.cipher_ = c;
    a.key_.assign(key.begin(), key.end());
    return a;
  }

  store_cipher cipher() const noexcept { return cipher_; }
  std::size_t nonce_size() const noexcept { return cipher_ == store_cipher::chacha ? 24 : 16; }
  std::size_t overhead() const noexcept { return tag_size; }

  /// Encrypts `plain` under `nonce` (nonce_size() bytes): `ciphertext ‖ tag`.
  /// Errors: `chacha20poly1305: bad nonce length passed to Seal` /
  /// `crypto/cipher: incorrect nonce length given to GCM`;
  /// `chacha20poly1305: plaintext too large` / `crypto/cipher: message too
  /// large for GCM`; a failure of the crypto library.
  result<bytes> seal(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> plain) const {
    const bool chacha = cipher_ == store_cipher::chacha;
    if (nonce.size() != nonce_size())
      return api_error::plain(chacha ? "chacha20poly1305: bad nonce length passed to Seal" : std::string(gcm_bad_nonce));
    if (plain.size() > (chacha ? chacha_max_plaintext : gcm_max_plaintext))
      return api_error::plain(chacha ? "chacha20poly1305: plaintext too large" : "crypto/cipher: message too large for GCM");
    bytes out;
    if (auto r = run(nonce, plain, true, out); !r) return std::move(r).error();
    return out;
  }

  /// Decrypts and authenticates `sealed` (`ciphertext ‖ tag`).
  /// Errors: `chacha20poly1305: bad nonce length passed to Open` /
  /// `crypto/cipher: incorrect nonce length given to GCM`;
  /// `chacha20poly1305: ciphertext too large` (GCM: authentication failure);
  /// `chacha20poly1305: message authentication failed` / `cipher: message
  /// authentication failed` for a wrong key, nonce or tag, a tampered or a
  /// too short (< 16 bytes) input; a failure of the crypto library.
  result<bytes> open(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> sealed) const {
    const bool chacha = cipher_ == store_cipher::chacha;
    if (nonce.size() != nonce_size())
      return api_error::plain(chacha ? "chacha20poly1305: bad nonce length passed to Open" : std::string(gcm_bad_nonce));
    if (sealed.size() < tag_size) return auth_failed();
    if (sealed.size() > (chacha ? chacha_max_plaintext : gcm_max_plaintext) + tag_size) {
      if (chacha) return api_error::plain("chacha20poly1305: ciphertext too large");
      return auth_failed();
    }
    bytes out;
    if (auto r = run(nonce, sealed, false, out); !r) return std::move(r).error();
    return out;
  }

  /// Go's authentication-failure error of this cipher.
  api_error auth_failed() const {
    return api_error::plain(cipher_ == store_cipher::chacha ? "chacha20poly1305: message authentication failed"
                                                            : "cipher: message authentication failed");
  }

 private:
  static constexpr std::string_view gcm_bad_nonce = "crypto/cipher: incorrect nonce length given to GCM";

  aead() = default;

  result<void> run(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> in, bool encrypt, bytes& out) const {
    return cipher_ == store_cipher::chacha ? run_xchacha(nonce, in, encrypt, out) : run_aes_gcm(nonce, in, encrypt, out);
  }

  /// libsodium's XChaCha20-Poly1305 (IETF), no additional data.
  result<void> run_xchacha(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> in, bool encrypt,
                           bytes& out) const {
    static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == 24 && crypto_aead_xchacha20poly1305_ietf_ABYTES == tag_size);
    if (!detail::sodium_ready()) return api_error::plain("libsodium: sodium_init failed");
    unsigned long long len = 0;
    if (encrypt) {
      out.assign(in.size() + tag_size, 0);
      ::crypto_aead_xchacha20poly1305_ietf_encrypt(out.data(), &len, in.data(), in.size(), nullptr, 0, nullptr, nonce.data(),
                                                   key_.data());
    } else {
      out.assign(in.size() - tag_size, 0);
      if (::crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &len, nullptr, in.data(), in.size(), nullptr, 0, nonce.data(),
                                                       key_.data()) != 0) {
        out.clear();
        return auth_failed();
      }
    }
    out.resize(static_cast<std::size_t>(len));
    return {};
  }

  struct ctx_deleter {
    void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
  };

  /// OpenSSL's AES-GCM (EVP) with a 16-byte nonce, no additional data.
  result<void> run_aes_gcm(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> in, bool encrypt,
                           bytes& out) const {
    const auto lib_failed = [](const char* step) {
      return api_error::plain(std::string("libcrypto: AES-GCM ") + step + " failed");
    };
    const std::size_t body = encrypt ? in.size() : in.size() - tag_size;
    std::unique_ptr<EVP_CIPHER_CTX, ctx_deleter> ctx(EVP_CIPHER_CTX_new());
    if (!ctx) return lib_failed("EVP_CIPHER_CTX_new");
    const EVP_CIPHER* evp = key_.size() == 16 ? EVP_aes_128_gcm() : key_.size() == 24 ? EVP_aes_192_gcm() : EVP_aes_256_gcm();
    const int enc = encrypt ? 1 : 0;
    if (EVP_CipherInit_ex(ctx.get(), evp, nullptr, nullptr, nullptr, enc) != 1) return lib_failed("EVP_CipherInit_ex");
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) != 1)
      return lib_failed("EVP_CTRL_AEAD_SET_IVLEN");
    if (EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key_.data(), nonce.data(), enc) != 1)
      return lib_failed("EVP_CipherInit_ex");
    out.assign(body + (encrypt ? tag_size : 0), 0);
    constexpr std::size_t chunk = std::size_t{1} << 30;  // EVP takes int lengths
    for (std::size_t done = 0; done < body;) {
      const std::size_t n = body - done < chunk ? body - done : chunk;
      int len = 0;
      if (EVP_CipherUpdate(ctx.get(), out.data() + done, &len, in.data() + done, static_cast<int>(n)) != 1) {
        out.clear();
        return lib_failed("EVP_CipherUpdate");
      }
      done += n;
    }
    if (!encrypt) {
      std::array<std::uint8_t, tag_size> tag{};
      std::memcpy(tag.data(), in.data() + body, tag_size);
      if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag_size), tag.data()) != 1) {
        out.clear();
        return lib_failed("EVP_CTRL_AEAD_SET_TAG");
      }
    }
    int fin = 0;
    std::array<std::uint8_t, 16> scratch{};
    if (EVP_CipherFinal_ex(ctx.get(), scratch.data(), &fin) != 1) {
      out.clear();
      if (!encrypt) return auth_failed();  // the tag does not match
      return lib_failed("EVP_CipherFinal_ex");
    }
    if (encrypt && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag_size), out.data() + body) != 1) {
      out.clear();
      return lib_failed("EVP_CTRL_AEAD_GET_TAG");
    }
    return {};
  }

  store_cipher cipher_ = store_cipher::chacha;
  bytes key_;
};

/// A metafile `decrypt_meta` recovered.
struct decrypted_meta {
  bytes plaintext;             ///< the decrypted metafile
  bool used_fallback = false;  ///< main: a candidate other than the first one worked
};

/// nats-server's error of a `meta.key` shorter than `min_meta_key_size` (`errBadKeySize`).
inline constexpr std::string_view encryption_bad_key_size_text = "encryption bad key size";
/// nats-server main's error when no candidate opens the metafile.
inline constexpr std::string_view unable_to_recover_keys_text = "unable to recover keys";

namespace detail {
/// One candidate of `decryptMeta`: open `meta.key` (`enc_key`, at least
/// `min_meta_key_size` bytes) with the kek, then `buf` with the seed's AEAD.
/// On failure the error is Go's text of the failing step (the 2.9.10 caller reports it).
inline result<bytes> try_decrypt(store_cipher c, const key_gen& prf, std::span<const std::uint8_t> enc_key,
                                 std::span<const std::uint8_t> buf, std::string_view context) {
  const auto kek_bytes = prf(context);
  return aead::make(c, kek_bytes).and_then([&](const aead& kek) {
    const std::size_t ns = kek.nonce_size();
    return kek.open(enc_key.first(ns), enc_key.subspan(ns)).and_then([&](const bytes& seed) {
      return aead::make(c, seed).and_then([&](const aead& aek) -> result<bytes> {
        if (buf.size() < ns) return aek.auth_failed();  // Go would slice out of range and panic
        return aek.open(buf.first(ns), buf.subspan(ns));
      });
    });
  });
}
}  // namespace detail

/// nats-server main's `decryptMeta` (docs/semantics.md#encryption): recovers a metafile `buf`
/// (`nonce ‖ sealed config`) using its encrypted key file `enc_key`
/// (`nonce ‖ sealed 32-byte seed`). `account` is the key generator's info,
/// `context` the stream name (`<stream>.<consumer>` for consumers).
/// Errors (`api_error::plain`, err_code 0): `encryption bad key size`
/// (`enc_key` shorter than 64 bytes), `encryption not enabled` (no
/// `current_key`), `unable to recover keys` (no candidate worked).
/// Candidates: current key with `cipher`, current key with the other cipher,
/// then `prev_key` (if non-empty) with `cipher` and with the other cipher;
/// `used_fallback` is set unless the first one worked.
inline result<decrypted_meta> decrypt_meta(store_cipher cipher, std::span<const std::uint8_t> enc_key,
                                           std::span<const std::uint8_t> buf, std::string_view account, std::string_view context,
                                           std::string_view current_key, std::string_view prev_key = {}) {
  if (enc_key.size() < min_meta_key_size) return api_error::plain(std::string(encryption_bad_key_size_text));
  auto cur = js_key_gen(current_key, account);
  if (!cur) return std::move(cur).error();
  std::vector<std::pair<key_gen, store_cipher>> candidates{{*cur, cipher}, {*cur, other_cipher(cipher)}};
  if (auto prev = js_key_gen(prev_key, account)) {
    candidates.emplace_back(*prev, cipher);
    candidates.emplace_back(*prev, other_cipher(cipher));
  }
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    auto res = detail::try_decrypt(candidates[i].second, candidates[i].first, enc_key, buf, context);
    if (res) return decrypted_meta{std::move(res).value(), i > 0};
  }
  return api_error::plain(std::string(unable_to_recover_keys_text));
}

/// nats-server 2.9.10's `decryptMeta`: one attempt (the key, `cipher`),
/// failing with the underlying error text, e.g.
/// `chacha20poly1305: message authentication failed` or
/// `cipher: message authentication failed` (also for a metafile shorter than a
/// nonce, where 2.9.10 would crash), after the checks of `decrypt_meta`
/// (`encryption bad key size`, `encryption not enabled`). (2.9.10's caller
/// retries with the other cipher itself.) `used_fallback` is always false.
inline result<decrypted_meta> decrypt_meta_v29(store_cipher cipher, std::span<const std::uint8_t> enc_key,
                                               std::span<const std::uint8_t> buf, std::string_view account,
                                               std::string_view context, std::string_view key) {
  if (enc_key.size() < min_meta_key_size) return api_error::plain(std::string(encryption_bad_key_size_text));
  return js_key_gen(key, account)
      .and_then([&](const key_gen& prf) { return detail::try_decrypt(cipher, prf, enc_key, buf, context); })
      .transform([](bytes plain) {
        return decrypted_meta{std::move(plain), false};
      });
}

/// An encrypted metafile pair as nats-server writes it.
struct encrypted_meta {
  bytes meta_key;  ///< `meta.key`: kek nonce ‖ kek.seal(seed)
  bytes meta_inf;  ///< `meta.inf`: aek nonce ‖ aek.seal(plaintext)
};

/// Encrypts `plaintext` the way nats-server's file store does: a random
/// 32-byte seed sealed by the kek of (`server_key`, `account`, `context`),
/// and the plaintext sealed by the seed's AEAD. Errors: `encryption not
/// enabled` (empty `server_key`), the `seal` errors (e.g. an oversized
/// plaintext), a failure of libsodium's random generator. (Test and tooling helper.)
inline result<encrypted_meta> encrypt_meta(store_cipher cipher, std::string_view server_key, std::string_view account,
                                           std::string_view context, std::span<const std::uint8_t> plaintext) {
  auto prf = js_key_gen(server_key, account);
  if (!prf) return std::move(prf).error();
  if (!detail::sodium_ready()) return api_error::plain("libsodium: sodium_init failed");
  std::array<std::uint8_t, 32> seed{};
  std::array<std::uint8_t, 24> nonce1{}, nonce2{};
  ::randombytes_buf(seed.data(), seed.size());
  ::randombytes_buf(nonce1.data(), nonce1.size());
  ::randombytes_buf(nonce2.data(), nonce2.size());
  const auto kek_bytes = (*prf)(context);
  auto kek = aead::make(cipher, kek_bytes);
  if (!kek) return std::move(kek).error();
  auto aek = aead::make(cipher, seed);
  if (!aek) return std::move(aek).error();
  const std::size_t ns = kek->nonce_size();
  auto sealed_seed = kek->seal(std::span(nonce1).first(ns), seed);
  if (!sealed_seed) return std::move(sealed_seed).error();
  auto sealed = aek->seal(std::span(nonce2).first(ns), plaintext);
  if (!sealed) return std::move(sealed).error();
  encrypted_meta m;
  m.meta_key.assign(nonce1.begin(), nonce1.begin() + static_cast<std::ptrdiff_t>(ns));
  m.meta_key.insert(m.meta_key.end(), sealed_seed->begin(), sealed_seed->end());
  m.meta_inf.assign(nonce2.begin(), nonce2.begin() + static_cast<std::ptrdiff_t>(ns));
  m.meta_inf.insert(m.meta_inf.end(), sealed->begin(), sealed->end());
  return m;
}

}  // namespace jsacct
