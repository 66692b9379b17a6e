// SPDX-License-Identifier: Apache-2.0
// docs/cluster.md#reconciliation: local usage compared with the stores in both
// directions, repairs counted, underflows counted and clamped, never hidden.
#include "core_helpers.hpp"

#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "jsacct/engine/reconcile.hpp"

using namespace jsacct;
using namespace coretest;

namespace {

// What the account's streams really hold: (tier, storage) -> bytes.
using disk_t = std::map<std::pair<std::string, storage_type>, std::int64_t>;

template <class E>
void use_disk(E& eng, const disk_t& disk) {
  eng.set_usage_recompute([&disk](const std::string&, std::string_view tier, storage_type s) {
    const auto it = disk.find({std::string(tier), s});
    return it == disk.end() ? std::int64_t{0} : it->second;
  });
}

}  // namespace

TEST_CASE_TEMPLATE("reconcile_usage repairs over- and under-counting, counts each repair and emits its event", E, engine,
                   engine_v29, plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  disk_t disk{{{"R1", storage_type::file}, 1000}, {{"R3", storage_type::memory}, 300}};
  use_disk(eng, disk);
  std::vector<event> seen;
  eng.set_event_sink([&](const event& e) { seen.push_back(e); });
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  auto r1 = acc.tier("R1");
  auto r3 = acc.tier("R3");
  acc.update_usage(r1, storage_type::file, 1000 + 512);   // over-counted by 512 (nats-server #8563's local half)
  acc.update_usage(r3, storage_type::memory, 300 - 100);  // under-counted by 100
  acc.apply_remote_usage("n2", "R1", 0, 7000);            // peers' shares are not the store's business

  const auto r = reconcile_usage(acc);
  CHECK(r.checked == 4);  // 2 tiers x 2 storage types
  CHECK(r.lowered == 1);
  CHECK(r.raised == 1);
  CHECK(r.clamped == 0);
  CHECK(acc.usage_of(r1, storage_type::file).local == 1000);
  CHECK(acc.usage_of(r1, storage_type::file).total == 8000);
  CHECK(acc.usage_of(r3, storage_type::memory).local == 300);
  CHECK(eng.used() == mem_store{300, 1000});
  CHECK(acc.repair_counters() == usage_repairs{.raised = 1, .lowered = 1, .underflows = 0, .clamped = 0});
  REQUIRE(seen.size() == 2);
  for (const auto& e : seen) CHECK(e.kind == event_kind::usage_repaired);

  CHECK(reconcile_usage(acc) == reconcile_result{.checked = 4, .raised = 0, .lowered = 0, .clamped = 0});  // nothing left
  CHECK(acc.repair_counters().raised == 1);
}

TEST_CASE_TEMPLATE("an underflow is counted under both semantics; main repairs it, reconciliation repairs it for 2.9.10", E,
                   engine, engine_v29) {
  E eng(server(GiB, GiB));
  disk_t disk{{{"", storage_type::file}, 40}};
  use_disk(eng, disk);
  auto acc = enable(eng, "A");
  auto t = acc.tier("");
  acc.update_usage(t, storage_type::file, 100);
  acc.update_usage(t, storage_type::file, -100);  // exactly zero: no underflow
  CHECK(acc.repair_counters().underflows == 0);
  acc.update_usage(t, storage_type::file, -1);  // one below zero
  CHECK(acc.repair_counters().underflows == 1);
  CHECK(acc.usage_of(t, storage_type::file).local == -1);  // visible until repaired, never hidden
  (void)eng.run_pending_repairs();                         // main queued a repair; 2.9.10 never does
  const bool main_semantics = std::is_same_v<E, engine>;
  CHECK(acc.usage_of(t, storage_type::file).local == (main_semantics ? 40 : -1));
  const auto r = reconcile_usage(acc);
  CHECK(r.raised == (main_semantics ? 0u : 1u));
  CHECK(acc.usage_of(t, storage_type::file).local == 40);
  CHECK(acc.repair_counters() == usage_repairs{.raised = 1, .lowered = 0, .underflows = 1, .clamped = 0});
}

TEST_CASE("a negative recompute answer is clamped to zero and counted") {
  engine eng(server(GiB, GiB));
  disk_t disk{{{"", storage_type::file}, -5}};
  use_disk(eng, disk);
  auto acc = enable(eng, "A");
  auto t = acc.tier("");
  acc.update_usage(t, storage_type::file, 30);
  CHECK(reconcile_usage(acc).lowered == 1);
  CHECK(acc.usage_of(t, storage_type::file).local == 0);
  CHECK(eng.used().store == 0);
  CHECK(acc.repair_counters() == usage_repairs{.raised = 0, .lowered = 1, .underflows = 0, .clamped = 1});
  CHECK(reconcile_usage(acc).lowered == 0);  // at zero already: clamped again, nothing to repair
  CHECK(acc.repair_counters().clamped == 2);
}

TEST_CASE_TEMPLATE("without a recompute hook only negative usage is set to zero, and counted", E, engine, engine_v29,
                   plain_engine) {
  E eng(server(GiB, GiB), {.mode = deployment::clustered});
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}, {"R3", lim(-1, -1)}});
  auto r1 = acc.tier("R1");
  auto r3 = acc.tier("R3");
  acc.update_usage(r1, storage_type::file, 500);  // cannot be checked without a store to ask
  acc.update_usage(r3, storage_type::memory, std::numeric_limits<std::int64_t>::min());  // the most negative value
  const auto r = reconcile_usage(acc);
  CHECK(r.checked == 4);
  CHECK(r.clamped == 1);
  CHECK(acc.usage_of(r1, storage_type::file).local == 500);
  CHECK(acc.usage_of(r3, storage_type::memory).local == 0);
  CHECK(eng.used() == mem_store{0, 500});
  CHECK(acc.repair_counters().clamped == 1);
  CHECK(acc.repair_counters().underflows == 1);
  CHECK(reconcile_usage(acc).clamped == 0);
}

TEST_CASE("a disabled account has nothing to reconcile; a throwing hook keeps the repairs made before it") {
  engine eng(server(GiB, GiB), {.mode = deployment::clustered});
  int calls = 0;
  eng.set_usage_recompute([&](const std::string&, std::string_view, storage_type) -> std::int64_t {
    if (++calls == 2) throw std::runtime_error("store offline");
    return 0;
  });
  auto acc = enable(eng, "A", limits_map{{"R1", lim(-1, -1)}});
  auto t = acc.tier("R1");
  acc.update_usage(t, storage_type::memory, 70);
  acc.update_usage(t, storage_type::file, 80);
  CHECK_THROWS_WITH_AS(reconcile_usage(acc), "store offline", std::runtime_error);
  CHECK(acc.usage_of(t, storage_type::memory).local == 0);  // asked first, repaired
  CHECK(acc.usage_of(t, storage_type::file).local == 80);   // the hook threw: unchanged
  CHECK(acc.repair_counters().lowered == 1);
  REQUIRE(eng.disable_account("A").ok());
  CHECK(reconcile_usage(acc) == reconcile_result{});
}
