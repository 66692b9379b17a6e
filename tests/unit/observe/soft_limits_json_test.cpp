// SPDX-License-Identifier: Apache-2.0
// observe/json.hpp: tier_events and tier_soft_status as JSON (docs/soft-limits.md).
#include <doctest/doctest.h>

#include <string>

#include "jsacct/jsacct.hpp"
#include "jsacct/observe/json.hpp"

using namespace jsacct;
using nlohmann::ordered_json;

TEST_CASE("json: tier_events renders every counter in order and parses back") {
  const tier_events e{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  const ordered_json j = e;
  CHECK(j.dump() ==
        "{\"warnings_raised\":1,\"warnings_cleared\":2,\"limit_hits\":3,\"refused_memory\":4,\"refused_storage\":5,"
        "\"refused_streams\":6,\"refused_consumers\":7,\"refused_server_memory\":8,\"refused_server_storage\":9,"
        "\"refused_no_limits\":10,\"refused_other\":11}");
  CHECK(j.get<tier_events>() == e);
  CHECK(ordered_json::parse("{}").get<tier_events>() == tier_events{});
  CHECK_THROWS_AS(ordered_json::parse("{\"limit_hits\":-1}").get<tier_events>(), ordered_json::type_error);
}

TEST_CASE("json: tier_soft_status lists the raised warnings by resource name") {
  tier_soft_status s{"R1", tier_events{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {}};
  s.raised[static_cast<std::size_t>(soft_resource::storage_used)] = true;
  s.raised[static_cast<std::size_t>(soft_resource::streams)] = true;
  const ordered_json j = s;
  CHECK(j["tier"] == "R1");
  CHECK(j["events"]["warnings_raised"] == 1);
  CHECK(j["warnings"].dump() == "[\"storage_used\",\"streams\"]");
  CHECK(ordered_json(tier_soft_status{}).at("warnings").empty());
}
