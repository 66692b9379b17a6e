// SPDX-License-Identifier: Apache-2.0
/// \file
/// The info results of the simulated servers as JSON, in the shapes nats-server
/// answers them: stream config and state (`$JS.API.STREAM.INFO`), account info
/// (`$JS.API.INFO`, cluster-aware) and the server's `/jsz` totals.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include <jsacct/jsacct.hpp>
#include <jsacct/observe/json.hpp>
#include <nlohmann/json.hpp>

#include "result_writer.hpp"
#include "simulated_cluster.hpp"
#include "stream_model.hpp"

namespace jsacct_cli {

/// The config fields a stream create/update/info result carries.
inline json config_result(const full_stream_config& c) {
  json j{{"name", c.name},
         {"storage", c.storage},
         {"num_replicas", c.replicas},
         {"retention", c.retention},
         {"discard", c.discard},
         {"max_bytes", c.max_bytes},
         {"max_msgs", c.max_msgs},
         {"max_msgs_per_subject", c.max_msgs_per_subject},
         {"max_msg_size", c.max_msg_size},
         {"max_consumers", c.max_consumers},
         {"max_age", c.max_age}};
  if (!c.subjects.empty()) j["subjects"] = c.subjects;  // omitempty: a mirror has none
  return j;
}

/// The whole config as the server's stream info carries it (the merge base of an update).
inline json config_full(const full_stream_config& c) {
  json j = config_result(c);
  if (c.duplicate_window != 0) j["duplicate_window"] = c.duplicate_window;  // omitempty
  if (c.mirror) j["mirror"] = json::parse(c.mirror_echo);
  if (!c.sources_echo.empty()) j["sources"] = json::parse(c.sources_echo);
  j["allow_direct"] = c.allow_direct;
  j["allow_rollup_hdrs"] = c.allow_rollup_hdrs;
  j["deny_delete"] = c.deny_delete;
  j["deny_purge"] = c.deny_purge;
  j["mirror_direct"] = c.mirror_direct;
  j["sealed"] = c.sealed;
  if (!c.description.empty()) j["description"] = c.description;
  if (c.no_ack) j["no_ack"] = true;
  return j;
}

/// A stream's state (messages, bytes, sequences, consumers).
template <class Stream>
json state_json(const Stream& s) {
  json j{{"messages", s.store.messages()},
         {"bytes", s.store.bytes()},
         {"first_seq", s.store.first_seq()},
         {"last_seq", s.store.last_seq()},
         {"consumer_count", s.consumers.size()}};
  if (auto d = s.store.num_deleted(); d > 0) j["num_deleted"] = d;
  if (auto n = s.store.num_subjects(); n > 0) j["num_subjects"] = n;
  return j;
}

/// A stream's info result.
template <class Stream>
json stream_result(const Stream& s) {
  return json{{"config", config_result(s.cfg)}, {"state", state_json(s)}};
}

/// Account info of `name` as the first server answers it; in a cluster the
/// counts (and under main the reservations) come from the account's assignments.
template <class Engine>
json account_info(const simulated_cluster<Engine>& sim, const std::string& name,
                  const typename simulated_cluster<Engine>::account_rt& a) {
  using L = typename simulated_cluster<Engine>::L;
  const auto& acc = sim.servers.front().accts.at(name);
  jsacct::account_stats st = acc.usage();
  if (sim.sc.cluster()) {  // counts come from the assignments (docs/semantics.md#account-usage-snapshot step 6, 2.9.10)
    st.streams = static_cast<std::int64_t>(a.streams.size());
    st.consumers = 0;
    for (auto& [t, ts] : st.tiers) ts.streams = ts.consumers = 0;
    if constexpr (L::report_reserved) {  // main: reservedStorage over the account's assignments
                                         // (docs/semantics.md#account-usage-snapshot step 4, docs/semantics.md#reserved-storage)
      auto reserved = [&](const std::string& tier, jsacct::tier_stats& into) {
        into.reserved_memory = into.reserved_store = 0;
        for (const auto& [n, s] : a.streams) {
          const auto c = charged<Engine>(s.cfg.accounting());  // as the charging policy reserves it
          if (c.max_bytes <= 0 || (!tier.empty() && tier != "R" + std::to_string(c.replicas))) continue;
          (c.storage == jsacct::storage_type::memory ? into.reserved_memory : into.reserved_store) +=
              static_cast<std::uint64_t>(c.max_bytes);
        }
      };
      reserved("", st);
      for (auto& [t, ts] : st.tiers) reserved(t, ts);
    }
    for (const auto& [n, s] : a.streams) {
      st.consumers += static_cast<std::int64_t>(s.consumers.size());
      if (a.tiered) {
        auto& ts = st.tiers["R" + std::to_string(s.cfg.replicas)];
        ts.streams += 1;
        ts.consumers += static_cast<std::int64_t>(s.consumers.size());
      }
    }
  }
  json j;
  jsacct::json_options o = jsacct::json_options_for<L>();
  o.api = false;  // the recordings carry no API counters (docs/scenario-format.md)
  jsacct::to_json(j, st, o);
  return j;
}

/// The `/jsz` totals, summed over the servers (128-bit: wrapped counters stay exact).
template <class Engine>
json server_info(const simulated_cluster<Engine>& sim) {
  jsacct::uint128 memory = 0, storage = 0, rmem = 0, rstore = 0, accounts = 0, ha = 0, streams = 0, consumers = 0, messages = 0,
                  bytes = 0;
  for (std::size_t i = 0; i < sim.servers.size(); ++i) {
    const auto st = sim.servers[i].eng->usage_stats();
    memory += st.memory;
    storage += st.store;
    rmem += st.reserved_memory;
    rstore += st.reserved_store;
    accounts += static_cast<std::uint64_t>(st.accounts);
    if (sim.sc.cluster()) ha += 1;  // the meta group
    for (const auto& [an, a] : sim.accounts) {
      for (const auto& [sn, s] : a.streams) {
        if (std::find(s.peers.begin(), s.peers.end(), static_cast<int>(i)) == s.peers.end()) continue;
        streams += 1;
        messages += s.store.messages();
        bytes += s.store.bytes();
        if (sim.sc.cluster() && s.cfg.replicas > 1) ha += 1;
      }
    }
  }
  // A consumer lives on as many servers as it has replicas (0: the stream's), whatever the stream's peers;
  // only the sums over the servers are reported, so where each replica sits does not matter.
  for (const auto& [an, a] : sim.accounts) {
    for (const auto& [sn, s] : a.streams) {
      for (const auto& [cn, c] : s.consumers) {
        const auto n = static_cast<std::uint64_t>(sim.sc.cluster() ? c.effective_replicas : 1);
        consumers += n;
        if (sim.sc.cluster() && c.effective_replicas > 1) ha += n;
      }
    }
  }
  json cfg{{"max_memory", sim.sc.server_max_memory}, {"max_storage", sim.sc.server_max_store}};
  if (!sim.sc.domain.empty()) cfg["domain"] = sim.sc.domain;
  return json{{"config", cfg},
              {"memory", big_uint(memory)},
              {"storage", big_uint(storage)},
              {"reserved_memory", big_uint(rmem)},
              {"reserved_storage", big_uint(rstore)},
              {"accounts", big_uint(accounts)},
              {"ha_assets", big_uint(ha)},
              {"streams", big_uint(streams)},
              {"consumers", big_uint(consumers)},
              {"messages", big_uint(messages)},
              {"bytes", big_uint(bytes)}};
}

}  // namespace jsacct_cli
