// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#aru-subjects: node id = digits[b % 62] over the first 8 bytes of SHA-256(server name).
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "jsacct/wire/node_id.hpp"
#include "jsacct/wire/usage_update.hpp"

using namespace jsacct;

TEST_CASE("node_id: values verified against nats-server (docs/semantics.md#aru-subjects, docs/semantics.md#recorded-facts)") {
  CHECK(node_id("S1") == "sQnRv29R");  // logged by the 2.9.10 oracle for server_name S1
  CHECK(node_id("S2") == "n2ha8Va6");
  CHECK(node_id("S3") == "6Sih0Zs8");
  static_assert(node_id("S1") == std::string_view("sQnRv29R"));
}

TEST_CASE("node_id: shape and mapping") {
  // SHA-256("") starts e3 b0 c4 42 98 fc 1c 14 -> 227%62=41 'f', 176%62=52 'q', 196%62=10 'A', 66%62=4 '4',
  // 152%62=28 'S', 252%62=4 '4', 28 'S', 20 'K'.
  CHECK(node_id("") == "fqA4S4SK");
  const auto id = node_id("a-much-longer-server-name-that-spans-more-than-one-sha256-block-of-sixty-four-bytes");
  CHECK(id.view().size() == node_id_string::length);
  for (char c : id.view()) CHECK(node_id_digits.find(c) != std::string_view::npos);
  CHECK(node_id("s1") != node_id("S1"));  // hashed as given, no case folding
  CHECK(node_id("S1").str() == std::string("sQnRv29R"));
  CHECK(node_id("S1") == node_id("S1"));
}

TEST_CASE("node_id: feeds the publish subject and round-trips through node_id_from_subject") {
  const auto subject = usage_update_subject("A", node_id("S1"));
  CHECK(subject == "$JSC.ARU.A.sQnRv29R");
  REQUIRE(node_id_from_subject(subject).has_value());
  CHECK(*node_id_from_subject(subject) == node_id("S1"));
}
