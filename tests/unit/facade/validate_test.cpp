// SPDX-License-Identifier: Apache-2.0
// Tests of jsacct/facade/validate.hpp: validate_jetstream_options (docs/semantics.md#validate-options),
// rule by rule with the exact texts, and the public account NKEY check.
#include "jsacct/facade/validate.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

using jsacct::server_options;
using jsacct::validate_jetstream_options;

namespace {

// Real account public keys, generated with github.com/nats-io/nkeys
// (nkeys.CreateAccount().PublicKey()); each is IsValidPublicAccountKey == true there.
constexpr const char* acc_key_1 = "ADDZKBJFT5CABYBGCPPBKOLEGGOGKPTLXCYCUVSVYTR4VFS4IUQKR3SK";
constexpr const char* acc_key_2 = "ADKHQMEXH6EQM5736UDTD3LVOTFS4TTIXOGNOIXADT4WVSQZQNDDXA3G";
constexpr const char* acc_key_3 = "ADJDEP5SD3ACF4QGVS5YF6WXMEEILBKBAJZHSA4KSG25RSWTLLZD2DEW";
// Other key types from the same library (all false for IsValidPublicAccountKey).
constexpr const char* user_key = "UATIKJ2LR75MGSFFPE6TPN5VIHS3YFHN7KSOFI6N4RZFOAG7QOJ5YH4Q";
constexpr const char* operator_key = "OCMPO3I5DMKVJESJHDZWRKNAEOYEKIVMPEMXTUF5L2X5PIWNP7CRX2XZ";
constexpr const char* server_key = "NDLDNPKNOSYHB2RTF5B3GTOUYKZJFMIDLM2BEHWHXSDGVR76NMGAWHCB";
constexpr const char* account_seed = "SAAMI725P5MVL7UE6SS4QIHMJRJ2K6YS5PQERRT62FDA2MQLMJKUBULHBI";

std::string err(server_options o) {
  auto r = validate_jetstream_options(o);
  return r ? std::string("<ok>") : r.error().text();
}

server_options clustered() {
  server_options o;
  o.jetstream = true;
  o.cluster_port = 6222;
  o.server_name = "S1";
  o.cluster_name = "C1";
  return o;
}

}  // namespace

TEST_CASE("is_valid_public_account_key: real keys and look-alikes") {
  CHECK(jsacct::is_valid_public_account_key(acc_key_1));
  CHECK(jsacct::is_valid_public_account_key(acc_key_2));
  CHECK(jsacct::is_valid_public_account_key(acc_key_3));
  CHECK_FALSE(jsacct::is_valid_public_account_key(user_key));
  CHECK_FALSE(jsacct::is_valid_public_account_key(operator_key));
  CHECK_FALSE(jsacct::is_valid_public_account_key(server_key));
  CHECK_FALSE(jsacct::is_valid_public_account_key(account_seed));
  CHECK_FALSE(jsacct::is_valid_public_account_key(""));
  CHECK_FALSE(jsacct::is_valid_public_account_key("A"));
  CHECK_FALSE(jsacct::is_valid_public_account_key("ABC"));
  std::string k = acc_key_1;
  std::string bad = k;  // one changed character breaks the CRC
  bad[20] = bad[20] == 'Q' ? 'R' : 'Q';
  CHECK_FALSE(jsacct::is_valid_public_account_key(bad));
  std::string lower = k;
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  CHECK_FALSE(jsacct::is_valid_public_account_key(lower));
  CHECK_FALSE(jsacct::is_valid_public_account_key(k.substr(0, 55)));
  std::string digit = k;
  digit[30] = '1';  // not in the RFC 4648 alphabet
  CHECK_FALSE(jsacct::is_valid_public_account_key(digit));
  CHECK(jsacct::detail::crc16_xmodem(reinterpret_cast<const std::uint8_t*>("123456789"), 9) == 0x31C3);  // XMODEM check value
  static_assert(jsacct::is_valid_public_account_key("ADDZKBJFT5CABYBGCPPBKOLEGGOGKPTLXCYCUVSVYTR4VFS4IUQKR3SK"));
}

// nkeys' rule (IsValidPublicAccountKey -> Decode(PrefixByteAccount)): Go's base32
// decoder without padding (CR/LF skipped), at least 4 bytes, a CRC-16/XMODEM
// of all but the last two bytes stored little-endian in them, and a first byte
// whose type bits (& 0xF8) are the account prefix 0. Keys below are built from
// that rule with an RFC 4648 encoder.
namespace {

std::string base32(const std::vector<std::uint8_t>& raw) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const std::uint8_t b : raw) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += alphabet[(acc >> bits) & 31];
    }
  }
  if (bits > 0) out += alphabet[(acc << (5 - bits)) & 31];
  return out;
}

/// `prefix` ‖ `payload` ‖ CRC (little-endian), encoded.
std::string make_key(std::uint8_t prefix, std::vector<std::uint8_t> payload, std::uint16_t crc_xor = 0) {
  std::vector<std::uint8_t> raw{prefix};
  raw.insert(raw.end(), payload.begin(), payload.end());
  const std::uint16_t crc = static_cast<std::uint16_t>(jsacct::detail::crc16_xmodem(raw.data(), raw.size()) ^ crc_xor);
  raw.push_back(static_cast<std::uint8_t>(crc & 0xFF));
  raw.push_back(static_cast<std::uint8_t>(crc >> 8));
  return base32(raw);
}

std::vector<std::uint8_t> bytes_from(std::uint8_t first, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(first + 37 * i);
  return v;
}

}  // namespace

TEST_CASE("is_valid_public_account_key: nkeys' rule, not only the 56-character form (issue 13)") {
  using jsacct::is_valid_public_account_key;
  // The canonical form: prefix 0, 32 key bytes, CRC = 35 bytes = 56 characters.
  const std::string canonical = make_key(0, bytes_from(1, 32));
  REQUIRE(canonical.size() == 56);
  CHECK(is_valid_public_account_key(canonical));
  CHECK(make_key(0, bytes_from(0xAB, 32)) != canonical);
  CHECK(is_valid_public_account_key(make_key(0, bytes_from(0xAB, 32))));

  SUBCASE("short and long keys: any decoded length of at least 4 bytes") {
    CHECK(make_key(0, {0x55}).size() == 7);                     // 4 bytes: the shortest key
    CHECK(is_valid_public_account_key(make_key(0, {0x55})));    // jsacct refused it before
    CHECK(is_valid_public_account_key("AAAAAAA"));              // 4 zero bytes: CRC of two zero bytes is 0
    CHECK(is_valid_public_account_key("AAAAAAAA"));             // 5 zero bytes
    CHECK_FALSE(is_valid_public_account_key("AAAAA"));          // 3 bytes: too short
    CHECK_FALSE(is_valid_public_account_key(make_key(0, {})));  // prefix + CRC = 3 bytes
    for (std::size_t n = 1; n <= 40; ++n) {
      CAPTURE(n);
      CHECK(is_valid_public_account_key(make_key(0, bytes_from(3, n))));
    }
    CHECK(is_valid_public_account_key(make_key(0, bytes_from(9, 5000))));
  }
  SUBCASE("CR and LF anywhere are skipped by the decoder") {
    for (std::size_t at : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{8}, std::size_t{30}, std::size_t{56}}) {
      CAPTURE(at);
      for (const char* nl : {"\r", "\n", "\r\n", "\n\n\r"}) {
        std::string k = canonical;
        k.insert(at, nl);
        CHECK(is_valid_public_account_key(k));
      }
    }
    CHECK(is_valid_public_account_key("AA\nAA\rAAA"));
    CHECK_FALSE(is_valid_public_account_key("\r\n"));
    CHECK_FALSE(is_valid_public_account_key(canonical.substr(0, 20) + " " + canonical.substr(20)));  // other whitespace is not
    CHECK_FALSE(is_valid_public_account_key(canonical.substr(0, 20) + "\t" + canonical.substr(20)));
  }
  SUBCASE("wrong CRC") {
    for (std::uint16_t flip : {std::uint16_t{1}, std::uint16_t{0x100}, std::uint16_t{0x8000}}) {
      CHECK_FALSE(is_valid_public_account_key(make_key(0, bytes_from(1, 32), flip)));
      CHECK_FALSE(is_valid_public_account_key(make_key(0, {0x55}, flip)));
    }
    // CRC stored big-endian instead of little-endian.
    std::vector<std::uint8_t> raw{0, 0x12, 0x34};
    const std::uint16_t crc = jsacct::detail::crc16_xmodem(raw.data(), raw.size());
    REQUIRE((crc >> 8) != (crc & 0xFF));
    raw.push_back(static_cast<std::uint8_t>(crc >> 8));
    raw.push_back(static_cast<std::uint8_t>(crc & 0xFF));
    CHECK_FALSE(is_valid_public_account_key(base32(raw)));
  }
  SUBCASE("prefix byte: only the type bits (& 0xF8) count") {
    for (std::uint8_t low = 1; low < 8; ++low) CHECK(is_valid_public_account_key(make_key(low, bytes_from(1, 32))));
    CHECK_FALSE(is_valid_public_account_key(make_key(0x08, bytes_from(1, 32))));
    CHECK_FALSE(is_valid_public_account_key(make_key(0xF8, bytes_from(1, 32))));
    CHECK_FALSE(is_valid_public_account_key(make_key(20 << 3, bytes_from(1, 32))));  // user ('U')
    CHECK_FALSE(is_valid_public_account_key(make_key(14 << 3, bytes_from(1, 32))));  // operator ('O')
    CHECK_FALSE(is_valid_public_account_key(make_key(13 << 3, bytes_from(1, 32))));  // server ('N')
    CHECK_FALSE(is_valid_public_account_key(make_key(18 << 3, bytes_from(1, 32))));  // seed ('S')
    CHECK(make_key(20 << 3, bytes_from(1, 32))[0] == 'U');
    CHECK(make_key(14 << 3, bytes_from(1, 32))[0] == 'O');
  }
  SUBCASE("alphabet: upper case A-Z and 2-7 only") {
    std::string lower = canonical;
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    CHECK_FALSE(is_valid_public_account_key(lower));
    for (const char c : {'0', '1', '8', '9', '=', '-', '_', '+', '/', '\0', '\t', 'a'}) {
      std::string k = canonical;
      k[10] = c;
      CHECK_FALSE(is_valid_public_account_key(k));
    }
  }
  SUBCASE("padding: '=' is refused, in any amount") {
    const std::string four = make_key(0, {0x55});  // 7 characters; padded it would be 8
    CHECK_FALSE(is_valid_public_account_key(four + "="));
    CHECK_FALSE(is_valid_public_account_key(canonical + "="));
    CHECK_FALSE(is_valid_public_account_key(canonical + "===="));
    CHECK_FALSE(is_valid_public_account_key(make_key(0, bytes_from(1, 2)) + "======"));
  }
  SUBCASE("the decoder's tail rules: 1, 3 or 6 trailing characters give no byte, unused bits are ignored") {
    // 56 characters are 7 groups of 8; a group of 1, 3 or 6 more characters decodes to nothing.
    CHECK(is_valid_public_account_key(canonical + "A"));
    CHECK(is_valid_public_account_key(canonical + "ZZZ"));
    CHECK(is_valid_public_account_key(canonical + "777777"));
    CHECK_FALSE(is_valid_public_account_key(canonical + "AA"));  // 2 characters: one more byte, CRC moves
    // The last of 7 characters carries 3 unused bits; the decoder ignores them.
    std::string four = make_key(0, {0x55});
    REQUIRE(four.size() == 7);
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const auto v = alphabet.find(four[6]);
    four[6] = alphabet[(v & ~std::size_t{7}) | (~v & 7)];  // same used bits, other unused bits
    CHECK(is_valid_public_account_key(four));
  }
  SUBCASE("byte 0xFF: Go's decoder without padding takes it for its padding character") {
    // A 7-character key followed by 0xFF: the last group ends at the 0xFF.
    const std::string four = make_key(0, {0x55});
    CHECK(is_valid_public_account_key(four + "\xFF"));
    // 0xFF after the second character of a final group, then 0xFF up to the group's end.
    const std::string canonical_2 = make_key(0, bytes_from(1, 30));  // 33 bytes: 6 groups of 8 and one of 5
    CHECK(canonical_2.size() == 53);
    CHECK(is_valid_public_account_key(canonical_2 + "\xFF\xFF\xFF"));
    CHECK(is_valid_public_account_key(canonical_2 + "\xFF\xFF\xFF" + "!!"));   // not read after the group
    CHECK_FALSE(is_valid_public_account_key(canonical_2 + "\xFF\xFF"));        // not enough of them
    CHECK_FALSE(is_valid_public_account_key(canonical_2 + "\xFF" + "A\xFF"));  // not 0xFF up to the end
    CHECK_FALSE(is_valid_public_account_key("\xFF" + canonical));              // too early in a group
    CHECK_FALSE(is_valid_public_account_key(canonical.substr(0, 10) + "\xFF" + canonical.substr(10)));  // not in the last 8
  }
}

TEST_CASE("validate: empty options and non-clustered servers pass") {
  CHECK(err(server_options{}) == "<ok>");
  server_options o;
  o.jetstream = true;  // no cluster port: stops after the domain rules
  o.extension_hint = "garbage";
  o.max_outstanding_catchup = -1;
  CHECK(err(o) == "<ok>");
  o = clustered();
  o.jetstream = false;  // cluster without JetStream: stops as well
  o.server_name.clear();
  CHECK(err(o) == "<ok>");
}

TEST_CASE("validate rule 1a: default_js_domain in non-operator mode") {
  server_options o;
  o.accounts = {{"A", true}, {"B", false}, {"SYS", false}};
  o.system_account = "SYS";

  SUBCASE("$G always exists") {
    o.default_js_domain = {{"$G", "hub"}};
    CHECK(err(o) == "<ok>");
  }
  SUBCASE("account with JetStream and a non-empty domain") {
    o.default_js_domain = {{"A", "hub"}};
    CHECK(err(o) == R"(default_js_domain contains account name "A" with enabled JetStream)");
  }
  SUBCASE("account with JetStream and an empty domain is accepted") {
    o.default_js_domain = {{"A", ""}};
    CHECK(err(o) == "<ok>");
  }
  SUBCASE("account without JetStream") {
    o.default_js_domain = {{"B", "hub"}};
    CHECK(err(o) == "<ok>");
  }
  SUBCASE("unknown account") {
    o.default_js_domain = {{"C", "hub"}};
    CHECK(err(o) == "in non operator mode, `default_js_domain` references non existing account \"C\"");
  }
  SUBCASE("unknown account with an empty domain") {
    o.default_js_domain = {{"C", ""}};
    CHECK(err(o) == "in non operator mode, `default_js_domain` references non existing account \"C\"");
  }
  SUBCASE("names are Go-quoted") {
    o.default_js_domain = {{"we\"ird\n", "hub"}};
    CHECK(err(o) == R"(in non operator mode, `default_js_domain` references non existing account "we\"ird\n")");
  }
  SUBCASE("the first violation in account-name order is reported") {
    o.default_js_domain = {{"A", "hub"}, {"Z", "hub"}};
    CHECK(err(o) == R"(default_js_domain contains account name "A" with enabled JetStream)");
    o.default_js_domain = {{"A", ""}, {"Z", "hub"}};
    CHECK(err(o) == "in non operator mode, `default_js_domain` references non existing account \"Z\"");
  }
}

TEST_CASE("validate rule 1b: default_js_domain in operator mode needs account NKEYs") {
  server_options o;
  o.trusted_operators = {"OP"};
  o.default_js_domain = {{acc_key_1, "hub"}, {acc_key_2, ""}};
  CHECK(err(o) == "<ok>");
  o.default_js_domain = {{"A", "hub"}};
  CHECK(err(o) == R"(default_js_domain contains account name "A", which is not a valid public account nkey)");
  o.default_js_domain = {{user_key, "hub"}};
  CHECK(err(o) ==
        std::string("default_js_domain contains account name \"") + user_key + "\", which is not a valid public account nkey");
  // Operator mode does not look at configured accounts or their JetStream limits.
  o.accounts = {{acc_key_1, true}};
  o.default_js_domain = {{acc_key_1, "hub"}};
  CHECK(err(o) == "<ok>");
  // $G gets no exemption in operator mode.
  o.default_js_domain = {{"$G", "hub"}};
  CHECK(err(o) == R"(default_js_domain contains account name "$G", which is not a valid public account nkey)");
  // nkeys' rule, as main applies it: a 4-byte key and a key with a line break pass.
  o.default_js_domain = {{"AAAAAAA", "hub"}, {std::string(acc_key_2).insert(28, "\r\n"), "hub"}};
  CHECK(err(o) == "<ok>");
  o.default_js_domain = {{"AAAAA", "hub"}};
  CHECK(err(o) == R"(default_js_domain contains account name "AAAAA", which is not a valid public account nkey)");
}

TEST_CASE("validate rule 1c: system account and domain names in default_js_domain") {
  SUBCASE("configured system account") {
    server_options o;
    o.accounts = {{"SYS", false}};
    o.system_account = "SYS";
    o.default_js_domain = {{"SYS", "hub"}};
    CHECK(err(o) == R"(system account "SYS" can not be in default_js_domain)");
    o.default_js_domain = {{"SYS", ""}};  // checked before the empty-domain skip
    CHECK(err(o) == R"(system account "SYS" can not be in default_js_domain)");
  }
  SUBCASE("default system account name $SYS") {
    server_options o;
    o.accounts = {{"$SYS", false}};
    o.default_js_domain = {{"$SYS", "hub"}};
    CHECK(err(o) == R"(system account "$SYS" can not be in default_js_domain)");
  }
  SUBCASE("operator mode system account") {
    server_options o;
    o.trusted_operators = {"OP"};
    o.system_account = acc_key_3;
    o.default_js_domain = {{acc_key_3, "hub"}};
    CHECK(err(o) == std::string("system account \"") + acc_key_3 + "\" can not be in default_js_domain");
  }
  SUBCASE("invalid domain names") {
    server_options o;
    o.accounts = {{"A", false}};
    o.default_js_domain = {{"A", "a b"}};
    CHECK(err(o) == R"(default_js_domain contains account "A" with invalid domain name "a b")");
    o.default_js_domain = {{"A", ">"}};
    CHECK(err(o) == R"(default_js_domain contains account "A" with invalid domain name ">")");
    o.default_js_domain = {{"A", "x."}};
    CHECK(err(o) == R"(default_js_domain contains account "A" with invalid domain name "x.")");
    o.default_js_domain = {{"A", "\t"}};
    CHECK(err(o) == R"(default_js_domain contains account "A" with invalid domain name "\t")");
    // Only the subject test applies here (no isValidName): "a.b" and "*" pass.
    o.default_js_domain = {{"A", "a.b"}};
    CHECK(err(o) == "<ok>");
    o.default_js_domain = {{"A", "*"}};
    CHECK(err(o) == "<ok>");
  }
  SUBCASE("non-operator rules run before the system-account rule") {
    server_options o;
    o.system_account = "SYS";  // not a configured account
    o.default_js_domain = {{"SYS", "hub"}};
    CHECK(err(o) == "in non operator mode, `default_js_domain` references non existing account \"SYS\"");
  }
}

TEST_CASE("validate rule 2: the server domain") {
  server_options o;
  o.jetstream_domain = "HUB";
  CHECK(err(o) == "<ok>");
  o.jetstream_domain = "a b";
  CHECK(err(o) == R"(invalid domain name: derived "$JS.a b.API.>" is not a valid subject)");
  o.jetstream_domain = ">";
  CHECK(err(o) == R"(invalid domain name: derived "$JS.>.API.>" is not a valid subject)");
  o.jetstream_domain = "a.b";
  CHECK(err(o) == "invalid domain name: may not contain ., * or >");
  o.jetstream_domain = "*";
  CHECK(err(o) == "invalid domain name: may not contain ., * or >");
  o.jetstream_domain = "x>";
  CHECK(err(o) == "invalid domain name: may not contain ., * or >");
  o.jetstream_domain = "\v";  // valid token, valid name
  CHECK(err(o) == "<ok>");
}

TEST_CASE("TestJetStreamServerDomainBadConfig: bad domains fail with \"invalid domain name\"") {
  for (const char* domain : {"HU..B", "HU B", " ", "\t", "CORE.", ".CORE", "C.*.O. RE", "C.ORE"}) {
    server_options o;
    o.jetstream = true;
    o.jetstream_domain = domain;
    const auto r = validate_jetstream_options(o);
    REQUIRE_MESSAGE(!r.has_value(), domain);
    CHECK_MESSAGE(r.error().text().find("invalid domain name") != std::string::npos, r.error().text());
  }
  server_options o;
  o.jetstream_domain = "HU..B";
  CHECK(err(o) == R"(invalid domain name: derived "$JS.HU..B.API.>" is not a valid subject)");
  o.jetstream_domain = "\t";
  CHECK(err(o) == R"(invalid domain name: derived "$JS.\t.API.>" is not a valid subject)");
  o.jetstream_domain = "C.ORE";
  CHECK(err(o) == "invalid domain name: may not contain ., * or >");
}

TEST_CASE("validate rules 3-5: cluster requirements") {
  server_options o = clustered();
  CHECK(err(o) == "<ok>");
  o.server_name.clear();
  CHECK(err(o) == "jetstream cluster requires `server_name` to be set");
  o.cluster_name.clear();
  CHECK(err(o) == "jetstream cluster requires `server_name` to be set");  // server_name first
  o.server_name = "S1";
  CHECK(err(o) == "jetstream cluster requires `cluster.name` to be set");
  o.cluster_port = 0;
  CHECK(err(o) == "<ok>");
  o.cluster_port = -1;  // random port: still a cluster
  CHECK(err(o) == "jetstream cluster requires `cluster.name` to be set");
}

TEST_CASE("TestJetStreamClusterConfig: cluster block without server_name / cluster.name") {
  server_options o;
  o.jetstream = true;
  o.cluster_port = -1;  // cluster { listen: 127.0.0.1:-1 }
  auto r = validate_jetstream_options(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().text().find("requires `server_name`") != std::string::npos);
  o.server_name = "TEST";
  r = validate_jetstream_options(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().text().find("requires `cluster.name`") != std::string::npos);
}

TEST_CASE("TestJetStreamLeafNodeDefaultDomainCfg: default_js_domain vs account JetStream") {
  // Hub: accounts A and SYS, system_account SYS, default_js_domain {A: "<d>"}.
  const auto hub = [](bool a_js, const char* domain) {
    server_options o;
    o.accounts = {{"A", a_js}, {"SYS", false}};
    o.system_account = "SYS";
    o.server_name = "HUB";
    o.default_js_domain = {{"A", domain}};
    return o;
  };
  CHECK(err(hub(false, "domain")) == "<ok>");  // account A has JetStream disabled
  CHECK(err(hub(false, "")) == "<ok>");
  const std::string e = err(hub(true, "domain"));
  CHECK(e.find(R"(default_js_domain contains account name "A" with enabled JetStream)") != std::string::npos);
  // "in case no domain name exists there are no additional guard rails, hence no error"
  CHECK(err(hub(true, "")) == "<ok>");
  // Leaf: A has JetStream, domain "" through default_js_domain {A:""}.
  server_options leaf = hub(true, "");
  leaf.jetstream = true;
  leaf.server_name = "LEAF";
  CHECK(err(leaf) == "<ok>");
}

TEST_CASE("validate rule 6: extension_hint, lower-cased in place (ASCII only, docs/semantics.md#diff-ascii-extension-hint)") {
  for (const char* ok : {"", "will_extend", "no_extend", "WILL_EXTEND", "No_Extend"}) {
    server_options o = clustered();
    o.extension_hint = ok;
    CHECK_MESSAGE(err(o) == "<ok>", ok);
    REQUIRE(validate_jetstream_options(o));
    std::string lowered = ok;
    for (char& c : lowered) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    CHECK(o.extension_hint == lowered);
  }
  server_options o = clustered();
  o.extension_hint = "maybe";
  CHECK(err(o) == "expected 'no_extend' for string value, got 'maybe'");
  o.extension_hint = "MayBe";
  CHECK(err(o) == "expected 'no_extend' for string value, got 'maybe'");
  CHECK(o.extension_hint == "MayBe");  // left as is when rejected
  o.extension_hint = "will extend";
  CHECK(err(o) == "expected 'no_extend' for string value, got 'will extend'");
  // U+0130 (capital I with dot) lower-cases to 'i' under Unicode rules; jsacct rejects it.
  o.extension_hint = "W\xC4\xB0LL_EXTEND";
  CHECK(err(o) == "expected 'no_extend' for string value, got 'w\xC4\xB0ll_extend'");
  o.extension_hint = "\xEF\xBC\xB7ILL_EXTEND";  // fullwidth W
  CHECK(err(o) == "expected 'no_extend' for string value, got '\xEF\xBC\xB7ill_extend'");
}

TEST_CASE("validate rule 7: max outstanding catch-up") {
  server_options o = clustered();
  o.max_outstanding_catchup = -1;
  CHECK(err(o) == "jetstream max catchup cannot be negative");
  o.extension_hint = "bad";
  CHECK(err(o) == "expected 'no_extend' for string value, got 'bad'");  // hint is checked first
  o.extension_hint.clear();
  o.max_outstanding_catchup = 0;
  CHECK(err(o) == "<ok>");
  o.max_outstanding_catchup = 64 * 1024 * 1024;
  CHECK(err(o) == "<ok>");
}

TEST_CASE("validate: rule order across groups") {
  server_options o = clustered();
  o.server_name.clear();
  o.jetstream_domain = "a.b";
  CHECK(err(o) == "invalid domain name: may not contain ., * or >");
  o.default_js_domain = {{"nobody", "x"}};
  CHECK(err(o) == "in non operator mode, `default_js_domain` references non existing account \"nobody\"");
}
