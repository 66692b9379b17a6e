// SPDX-License-Identifier: Apache-2.0
// One error shape across the facade (docs/architecture.md#error-shape): every
// fallible facade call returns result<T> / result<void>. For each one, its
// success path, its error paths through .error().text() (nats-server's exact
// texts, err_code 0 for the errors that are not API errors, the catalog code
// for those that are), and value() of an error throwing bad_result_access
// whose what() is that text.
#include <doctest/doctest.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "jsacct/facade/server.hpp"
#include "jsacct/facade/store_dir.hpp"
#include "jsacct/facade/validate.hpp"
#include "result_print.hpp"
#include "temp_tree.hpp"

#ifdef JSACCT_HAVE_ENCRYPTION_LIBS
#include "jsacct/facade/encryption.hpp"
#endif

using namespace jsacct;
namespace fs = std::filesystem;

namespace {

/// what() of the bad_result_access that value() of `r` throws, or "<no throw>".
template <class R>
std::string thrown_by_value(const R& r) {
  try {
    static_cast<void>(r.value());
  } catch (const bad_result_access& e) {
    CHECK(e.error() == r.error());
    return e.what();
  }
  return "<no throw>";
}

/// `r` holds an error that is not an API error (err_code and code 0, Go's
/// plain error text), and reading its value throws with that text.
template <class R>
void check_plain_error(const R& r, const std::string& text) {
  INFO("expected: " << text);
  REQUIRE_FALSE(r.has_value());
  CHECK_FALSE(r.ok());
  CHECK(r.error().text() == text);
  CHECK(r.error().description() == text);
  CHECK(r.error().id() == errc::none);
  CHECK(r.error().err_code() == 0);
  CHECK(r.error().code() == 0);
  CHECK(thrown_by_value(r) == text);
}

/// `r` holds the catalog error `id`; its text is "<description> (<err_code>)".
template <class R>
void check_api_error(const R& r, errc id, const std::string& description) {
  INFO("expected: " << description);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().id() == id);
  CHECK(r.error().description() == description);
  const std::string text = description + " (" + std::to_string(static_cast<int>(id)) + ")";
  CHECK(r.error().text() == text);
  CHECK(r.error().code() == find_error(id)->code);
  CHECK(thrown_by_value(r) == text);
}

/// A success: has_value, no error, value() does not throw.
template <class R>
void check_ok(const R& r) {
  REQUIRE(r);
  CHECK(r.has_value());
  CHECK_FALSE(r.error());
  CHECK(thrown_by_value(r) == "<no throw>");
}

server_setup fixed_setup(const fs::path& root, std::vector<server_event>* events = nullptr) {
  server_setup s;
  s.probe.total_memory = [] { return std::int64_t{16} << 30; };
  s.probe.process_memory_limit = [] { return std::optional<std::int64_t>{}; };
  s.probe.disk_available = [](const std::string&) { return std::int64_t{3} << 40; };
  s.probe.temp_dir = [root] { return root.string(); };
  if (events != nullptr) s.on_event = [events](const server_event& e) { events->push_back(e); };
  return s;
}

jetstream_config explicit_cfg(const fs::path& dir, std::int64_t mem, std::int64_t store) {
  jetstream_config c;
  c.max_memory = mem;
  c.max_store = store;
  c.store_dir = dir.string();
  return c;
}

account_limits limits_of(std::int64_t mem, std::int64_t store) {
  account_limits l = dynamic_account_limits;
  l.max_memory = mem;
  l.max_store = store;
  return l;
}

}  // namespace

// ---------------------------------------------------------------- jetstream_server

TEST_CASE("jetstream_server::enable: result<void>; already enabled and store-dir errors are plain") {
  facade_test::temp_root t;
  jetstream_server s(fixed_setup(t.path));
  const result<void> first = s.enable(explicit_cfg(t.path, 1 << 20, 1 << 20));
  check_ok(first);
  CHECK(s.enabled());
  check_plain_error(s.enable(explicit_cfg(t.path, 1 << 20, 1 << 20)), "jetstream already enabled");

  // prepare_store_dir's error, through enable: a file where <dir>/jetstream should be.
  fs::create_directories(t.path / "f");
  std::ofstream(t.path / "f" / "jetstream") << "in the way";
  jetstream_server s2(fixed_setup(t.path));
  check_plain_error(s2.enable(explicit_cfg(t.path / "f", 1 << 20, 1 << 20)), "storage directory is not a directory");
}

TEST_CASE("jetstream_server::enable: check_store_dir's notices become events, its error the result") {
  // <dir>/jetstream is a file: the store dir lists as empty, the registered
  // account A beside it is moved, and the rename into a file fails.
  facade_test::temp_root t;
  std::ofstream(t.path / "jetstream") << "in the way";
  fs::create_directories(t.path / "A");
  std::vector<server_event> events;
  jetstream_server s(fixed_setup(t.path, &events));
  s.register_account("A");
  const std::string from = (t.path / "A").string(), to = (t.path / "jetstream" / "A").string();
  check_plain_error(s.enable(explicit_cfg(t.path, 1 << 20, 1 << 20)), "rename " + from + " " + to + ": not a directory");
  bool noticed = false;
  for (const auto& e : events)
    noticed = noticed || (e.kind == server_event_kind::notice &&
                          e.text == "JetStream relocated account " + detail::go_quote(from) + " to " + detail::go_quote(to));
  CHECK(noticed);
  CHECK_FALSE(s.enabled());  // refused before the engine is published
}

TEST_CASE("jetstream_server::disable / shutdown / restart: result<void>, success whether or not enabled") {
  facade_test::temp_root t;
  jetstream_server s(fixed_setup(t.path));
  check_ok(s.disable());  // nothing to disable
  check_ok(s.shutdown());
  check_ok(s.restart(explicit_cfg(t.path, 1 << 20, 1 << 20)));
  CHECK(s.enabled());
  check_ok(s.shutdown());
  CHECK_FALSE(s.enabled());
  check_ok(s.restart(explicit_cfg(t.path, 1 << 20, 1 << 20)));
  check_ok(s.disable());
  CHECK_FALSE(s.enabled());
  // A restart whose enable fails is logged and answered by the shutdown's success.
  fs::create_directories(t.path / "f");
  std::ofstream(t.path / "f" / "jetstream") << "in the way";
  std::vector<server_event> events;
  jetstream_server s2(fixed_setup(t.path, &events));
  check_ok(s2.restart(explicit_cfg(t.path / "f", 1 << 20, 1 << 20)));
  CHECK_FALSE(s2.enabled());
  bool warned = false;
  for (const auto& e : events) warned = warned || e.text == "Can't start JetStream: storage directory is not a directory";
  CHECK(warned);
}

TEST_CASE("jetstream_server::enable_account: plain, catalog and engine errors in one shape") {
  facade_test::temp_root t;
  jetstream_server s(fixed_setup(t.path));
  s.register_account("A");
  s.register_account("$SYS");
  s.register_account("a/b");
  check_plain_error(s.enable_account("nobody"), "jetstream account not registered");
  s.register_account("early");
  check_api_error(s.enable_account("early"), errc::not_enabled, "JetStream not enabled");  // 10076, before enable
  REQUIRE(s.enable(explicit_cfg(t.path, 1024, 8192)));
  check_plain_error(s.enable_account("$SYS"), "jetstream can not be enabled on the system account");
  check_api_error(s.enable_account("a/b"), errc::stream_general, "account name can not contain path separators");
  check_api_error(s.enable_account("A", {{"", limits_of(1025, 0)}}), errc::memory_resources_exceeded,
                  "insufficient memory resources available");      // one over the server's 1024
  check_ok(s.enable_account("A", {{"", limits_of(1024, 8192)}}));  // exactly the server's limits
  check_ok(s.enable_account("A"));                                 // already enabled: success
  CHECK(s.account_enabled("A"));
  CHECK(s.account_enabled("early"));  // its limits were recorded before the 10076: enabled with the server
}

TEST_CASE("jetstream_server::update_account_limits: result<void>; a refused update keeps the old limits") {
  facade_test::temp_root t;
  jetstream_server s(fixed_setup(t.path));
  s.register_account("A");
  check_plain_error(s.update_account_limits("nobody", {{"", limits_of(1, 1)}}), "jetstream account not registered");
  check_api_error(s.update_account_limits("A", {{"", limits_of(1, 1)}}), errc::not_enabled, "JetStream not enabled");
  REQUIRE(s.enable(explicit_cfg(t.path, 1024, 8192)));
  check_api_error(s.update_account_limits("A", {{"", limits_of(1, 1)}}), errc::not_enabled_for_account,
                  "JetStream not enabled for account");
  REQUIRE(s.enable_account("A", {{"", limits_of(10, 10)}}));
  check_ok(s.update_account_limits("A", {{"", limits_of(1024, 8192)}}));  // exactly at the server max
  check_api_error(s.update_account_limits("A", {{"", limits_of(1024, 8193)}}), errc::storage_resources_exceeded,
                  "insufficient storage resources available");
  CHECK(s.lookup_account("A")->limits().at("").max_store == 8192);
}

TEST_CASE("jetstream_server::disable_account: result<void>") {
  facade_test::temp_root t;
  jetstream_server s(fixed_setup(t.path));
  s.register_account("A");
  check_plain_error(s.disable_account("nobody"), "jetstream account not registered");
  check_api_error(s.disable_account("A"), errc::not_enabled_for_account, "JetStream not enabled for account");  // no engine
  REQUIRE(s.enable(explicit_cfg(t.path, 1 << 20, 1 << 20)));
  check_api_error(s.disable_account("A"), errc::not_enabled_for_account, "JetStream not enabled for account");  // never enabled
  REQUIRE(s.enable_account("A"));
  check_ok(s.disable_account("A"));
  CHECK_FALSE(s.account_enabled("A"));
}

// ---------------------------------------------------------------- validate, store dir

TEST_CASE("validate_jetstream_options: result<void> with the server's plain text") {
  server_options o;
  o.jetstream = true;
  o.cluster_port = 6222;
  check_plain_error(validate_jetstream_options(o), "jetstream cluster requires `server_name` to be set");
  o.server_name = "S";
  o.cluster_name = "C";
  o.max_outstanding_catchup = -1;
  check_plain_error(validate_jetstream_options(o), "jetstream max catchup cannot be negative");
  o.max_outstanding_catchup = 0;
  o.extension_hint = "WILL_EXTEND";
  check_ok(validate_jetstream_options(o));
  CHECK(o.extension_hint == "will_extend");  // written back only on success
}

TEST_CASE("check_store_dir: result<void>; the notice sink is optional") {
  facade_test::temp_root t;
  fs::create_directories(t.path / "A" / "streams");
  fs::create_directories(t.path / "B");
  const auto is_a = [](std::string_view n) { return n == "A"; };
  check_ok(check_store_dir((t.path / "jetstream").string(), is_a));  // no sink: moved all the same
  CHECK(fs::is_directory(t.path / "jetstream" / "A" / "streams"));
  CHECK(fs::is_directory(t.path / "B"));

  facade_test::temp_root u;
  std::ofstream(u.path / "jetstream") << "in the way";
  fs::create_directories(u.path / "A");
  std::vector<std::string> notices;
  const auto r =
      check_store_dir((u.path / "jetstream").string(), is_a, false, [&notices](std::string_view n) { notices.emplace_back(n); });
  check_plain_error(r, "rename " + (u.path / "A").string() + " " + (u.path / "jetstream" / "A").string() + ": not a directory");
  CHECK(notices.size() == 1);  // the notice of the failed move, sent before it
}

TEST_CASE("prepare_store_dir: result<void>") {
  facade_test::temp_root t;
  check_ok(prepare_store_dir((t.path / "a" / "jetstream").string()));
  std::ofstream(t.path / "file") << "x";
  check_plain_error(prepare_store_dir((t.path / "file").string()), "storage directory is not a directory");
}

// ---------------------------------------------------------------- encryption

#ifdef JSACCT_HAVE_ENCRYPTION_LIBS

namespace {
bytes filled(std::size_t n, std::uint8_t v) { return bytes(n, v); }

/// `len` bytes of address space that may not be touched (PROT_NONE, nothing
/// committed): for size checks that must refuse an input before reading it.
struct untouchable {
  void* p = MAP_FAILED;
  std::size_t len;
  explicit untouchable(std::size_t n) : len(n) {
    p = ::mmap(nullptr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  }
  ~untouchable() {
    if (p != MAP_FAILED) ::munmap(p, len);
  }
  untouchable(const untouchable&) = delete;
  untouchable& operator=(const untouchable&) = delete;
  bool ok() const { return p != MAP_FAILED; }
  std::span<const std::uint8_t> span(std::size_t n) const { return {static_cast<const std::uint8_t*>(p), n}; }
};
}  // namespace

TEST_CASE("js_key_gen: result<key_gen>; no key is `encryption not enabled`") {
  check_plain_error(js_key_gen("", "ACC"), "encryption not enabled");
  const auto prf = js_key_gen("k", "ACC");
  check_ok(prf);
  CHECK((*prf)("S") == prf.value()("S"));
}

TEST_CASE("aead::make: Go's key-size errors at and around the valid sizes") {
  for (const std::size_t n : {std::size_t{0}, std::size_t{16}, std::size_t{31}, std::size_t{33}}) {
    CAPTURE(n);
    check_plain_error(aead::make(store_cipher::chacha, filled(n, 1)), "chacha20poly1305: bad key length");
  }
  check_ok(aead::make(store_cipher::chacha, filled(32, 1)));
  for (const std::size_t n : {std::size_t{0}, std::size_t{15}, std::size_t{17}, std::size_t{20}, std::size_t{33}}) {
    CAPTURE(n);
    check_plain_error(aead::make(store_cipher::aes, filled(n, 1)), "crypto/aes: invalid key size " + std::to_string(n));
  }
  for (const std::size_t n : {std::size_t{16}, std::size_t{24}, std::size_t{32}})
    check_ok(aead::make(store_cipher::aes, filled(n, 1)));
}

TEST_CASE("aead::seal / open: Go's nonce, length and authentication texts") {
  const auto x = aead::make(store_cipher::chacha, filled(32, 7)).value();
  const auto g = aead::make(store_cipher::aes, filled(32, 7)).value();
  const bytes pt = filled(5, 'p');

  check_plain_error(x.seal(filled(23, 0), pt), "chacha20poly1305: bad nonce length passed to Seal");
  check_plain_error(x.seal(filled(16, 0), pt), "chacha20poly1305: bad nonce length passed to Seal");
  check_plain_error(x.open(filled(25, 0), filled(32, 0)), "chacha20poly1305: bad nonce length passed to Open");
  check_plain_error(g.seal(filled(24, 0), pt), "crypto/cipher: incorrect nonce length given to GCM");
  check_plain_error(g.open(filled(12, 0), filled(32, 0)), "crypto/cipher: incorrect nonce length given to GCM");

  const auto sx = x.seal(filled(24, 0), pt);
  const auto sg = g.seal(filled(16, 0), pt);
  check_ok(sx);
  check_ok(sg);
  CHECK(sx->size() == pt.size() + aead::tag_size);
  CHECK(x.open(filled(24, 0), *sx).value() == pt);
  CHECK(g.open(filled(16, 0), *sg).value() == pt);

  // Wrong nonce, tampered, exactly a tag (empty plaintext, bad tag) and one byte short of a tag.
  check_plain_error(x.open(filled(24, 1), *sx), "chacha20poly1305: message authentication failed");
  check_plain_error(g.open(filled(16, 1), *sg), "cipher: message authentication failed");
  check_plain_error(x.open(filled(24, 0), filled(16, 0)), "chacha20poly1305: message authentication failed");
  check_plain_error(g.open(filled(16, 0), filled(16, 0)), "cipher: message authentication failed");
  check_plain_error(x.open(filled(24, 0), filled(15, 0)), "chacha20poly1305: message authentication failed");
  check_plain_error(g.open(filled(16, 0), bytes{}), "cipher: message authentication failed");
  // An empty plaintext seals to exactly a tag and opens again.
  CHECK(x.open(filled(24, 0), x.seal(filled(24, 0), {}).value()).value().empty());
}

TEST_CASE("aead::seal / open: inputs over Go's size limits are refused before they are read") {
  // ChaCha: plaintext at most 2^38 - 64 bytes, sealed at most 2^38 - 48; GCM:
  // (2^32 - 2) * 16 bytes, sealed 16 more. libsodium aborts the process beyond
  // its (equal) limit; here it is an error.
  const untouchable big(std::size_t{1} << 38);
  if (!big.ok()) {
    MESSAGE("no 256 GiB of address space: oversize cases skipped");
    return;
  }
  const auto x = aead::make(store_cipher::chacha, filled(32, 7)).value();
  const auto g = aead::make(store_cipher::aes, filled(32, 7)).value();
  const auto cmax = static_cast<std::size_t>(aead::chacha_max_plaintext);
  const auto gmax = static_cast<std::size_t>(aead::gcm_max_plaintext);
  check_plain_error(x.seal(filled(24, 0), big.span(cmax + 1)), "chacha20poly1305: plaintext too large");
  check_plain_error(x.open(filled(24, 0), big.span(cmax + aead::tag_size + 1)), "chacha20poly1305: ciphertext too large");
  check_plain_error(g.seal(filled(16, 0), big.span(gmax + 1)), "crypto/cipher: message too large for GCM");
  check_plain_error(g.open(filled(16, 0), big.span(gmax + aead::tag_size + 1)), "cipher: message authentication failed");
}

TEST_CASE("decrypt_meta / decrypt_meta_v29 / encrypt_meta: result<...> with nats-server's texts") {
  const std::string_view cfg = R"({"name":"S"})";
  check_plain_error(encrypt_meta(store_cipher::chacha, "", "A", "S", as_bytes_view(cfg)), "encryption not enabled");
  const auto m = encrypt_meta(store_cipher::chacha, "key", "A", "S", as_bytes_view(cfg));
  check_ok(m);

  const auto r = decrypt_meta(store_cipher::chacha, m->meta_key, m->meta_inf, "A", "S", "key");
  check_ok(r);
  CHECK(std::string(r->plaintext.begin(), r->plaintext.end()) == cfg);
  CHECK_FALSE(r->used_fallback);
  const auto v = decrypt_meta_v29(store_cipher::chacha, m->meta_key, m->meta_inf, "A", "S", "key");
  check_ok(v);
  CHECK(v->plaintext == r->plaintext);

  const bytes short_key(m->meta_key.begin(), m->meta_key.begin() + 63);  // one under min_meta_key_size
  check_plain_error(decrypt_meta(store_cipher::chacha, short_key, m->meta_inf, "A", "S", "key"), "encryption bad key size");
  check_plain_error(decrypt_meta_v29(store_cipher::chacha, short_key, m->meta_inf, "A", "S", "key"), "encryption bad key size");
  check_plain_error(decrypt_meta(store_cipher::chacha, m->meta_key, m->meta_inf, "A", "S", ""), "encryption not enabled");
  check_plain_error(decrypt_meta_v29(store_cipher::chacha, m->meta_key, m->meta_inf, "A", "S", ""), "encryption not enabled");
  check_plain_error(decrypt_meta(store_cipher::chacha, m->meta_key, m->meta_inf, "A", "S", "wrong"), "unable to recover keys");
  check_plain_error(decrypt_meta_v29(store_cipher::chacha, m->meta_key, m->meta_inf, "A", "S", "wrong"),
                    "chacha20poly1305: message authentication failed");
  check_plain_error(decrypt_meta_v29(store_cipher::aes, m->meta_key, m->meta_inf, "A", "S", "key"),
                    "cipher: message authentication failed");
}

#endif  // JSACCT_HAVE_ENCRYPTION_LIBS
