// SPDX-License-Identifier: Apache-2.0
// Tests of jsacct/facade/exports.hpp: the subject tables of docs/semantics.md#exports-imports.
#include "jsacct/facade/exports.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using jsacct::subject_mapping;

TEST_CASE("system account export and the info subject") {
  CHECK(jsacct::js_all_api_subject == "$JS.API.>");
  CHECK(jsacct::js_api_account_info_subject == "$JS.API.INFO");
  CHECK(jsacct::js_domain_api_subject("HUB") == "$JS.HUB.API.>");
  CHECK(jsacct::js_domain_api_subject("") == "$JS..API.>");
}

TEST_CASE("domain mappings: 9 entries in the spec's order") {
  const std::vector<subject_mapping> want{
      {"$JS.HUB.API.INFO", "$JS.API.INFO"},
      {"$JS.HUB.API.STREAM.>", "$JS.API.STREAM.>"},
      {"$JS.HUB.API.CONSUMER.>", "$JS.API.CONSUMER.>"},
      {"$JS.HUB.API.DIRECT.>", "$JS.API.DIRECT.>"},
      {"$JS.HUB.API.META.>", "$JS.API.META.>"},
      {"$JS.HUB.API.SERVER.>", "$JS.API.SERVER.>"},
      {"$JS.HUB.API.ACCOUNT.>", "$JS.API.ACCOUNT.>"},
      {"$JS.HUB.API.$KV.>", "$KV.>"},
      {"$JS.HUB.API.$OBJ.>", "$OBJ.>"},
  };
  CHECK(jsacct::domain_mappings("HUB") == want);
  CHECK(jsacct::domain_mapping_table.size() == 9);
  CHECK(jsacct::domain_mappings("").empty());
  const auto leaf = jsacct::domain_mappings("leaf-1");
  REQUIRE(leaf.size() == 9);
  CHECK(leaf.front() == subject_mapping{"$JS.leaf-1.API.INFO", "$JS.API.INFO"});
  CHECK(leaf.back() == subject_mapping{"$JS.leaf-1.API.$OBJ.>", "$OBJ.>"});
}

TEST_CASE("main's system-account domain mapping") {
  const auto m = jsacct::system_account_domain_mapping("HUB");
  REQUIRE(m.has_value());
  CHECK(m->source == "$JS.HUB.API.>");
  CHECK(m->destination == "$JS.API.>");
  CHECK_FALSE(jsacct::system_account_domain_mapping("").has_value());
}
