// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for restore_usage_snapshot (include/jsacct/persist/usage_snapshot.hpp,
// docs/snapshots.md). The input is a snapshot's JSON text; it is restored into a
// fresh engine of each semantics (main, 2.9.10) and deployment (standalone,
// clustered). For every engine, either
//   * the restore succeeds: snapshotting the engine gives the input back (the
//     same JSON value, but for the server's config, which stays the engine's),
//     and restoring that snapshot into another fresh engine gives the same
//     usage() of every account and the same server totals; or
//   * it is refused with an error text that starts with "usage snapshot" and
//     the engine is untouched (no account, the totals of a new engine).
// Any difference aborts (a finding), as does a crash or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "jsacct/jsacct.hpp"
#include "jsacct/persist/usage_snapshot.hpp"

namespace {

[[noreturn]] void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "usage_snapshot_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

template <class E>
std::map<std::string, jsacct::account_stats> usages(const E& eng) {
  std::map<std::string, jsacct::account_stats> m;
  for (const auto& a : eng.accounts()) m.emplace(a.name(), a.usage());
  return m;
}

template <class E>
void check_one(std::string_view text, jsacct::deployment mode) {
  jsacct::jetstream_config cfg;
  cfg.max_memory = 1 << 30;
  cfg.max_store = 1 << 30;
  E eng(cfg, {.mode = mode});
  const auto r = jsacct::restore_usage_snapshot(eng, text);
  if (!r) {
    const std::string msg = r.error().text();
    if (msg.rfind("usage snapshot", 0) != 0) finding("an error without the usage snapshot prefix", msg);
    const E fresh(cfg, {.mode = mode});
    if (eng.num_accounts() != 0 || !(eng.usage_stats() == fresh.usage_stats()) || !(eng.reserved() == jsacct::mem_store{}) ||
        !(eng.used() == jsacct::mem_store{}))
      finding("a refused snapshot changed the engine", msg);
    return;
  }
  if (r->accounts != eng.num_accounts()) finding("restore_report.accounts", std::to_string(r->accounts));
  // The snapshot of the restored engine is the input, but for the server's config.
  nlohmann::json input = nlohmann::json::parse(text);
  input["server"]["max_memory"] = cfg.max_memory;
  input["server"]["max_store"] = cfg.max_store;
  input["server"]["domain"] = cfg.domain;
  const nlohmann::json again = jsacct::usage_snapshot(eng);
  if (again != input)
    finding("snapshot after restore differs from the input",
            again.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  // And it restores to the same observable state.
  E copy(cfg, {.mode = mode});
  const auto r2 = jsacct::restore_usage_snapshot(copy, jsacct::usage_snapshot_text(eng));
  if (!r2) finding("the snapshot of a restored engine is refused", r2.error().text());
  if (usages(copy) != usages(eng) || !(copy.usage_stats() == eng.usage_stats()) || !(copy.reserved() == eng.reserved()) ||
      !(copy.used() == eng.used()) || copy.account_limits_total() != eng.account_limits_total())
    finding("a second round trip changed the usage", "");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_one<jsacct::engine>(text, jsacct::deployment::standalone);
  check_one<jsacct::engine>(text, jsacct::deployment::clustered);
  check_one<jsacct::engine_v29>(text, jsacct::deployment::standalone);
  check_one<jsacct::engine_v29>(text, jsacct::deployment::clustered);
  return 0;
}
