// SPDX-License-Identifier: Apache-2.0
// Structure-aware libFuzzer target for the $JSC.ARU merge (apply_usage_update,
// remove_node, the remote_tier_caps and zero-report releases), checked against
// a simple model after every operation.
//
// The input is a script read front to back (missing bytes read as zero):
//
//   byte   caps: per_node = 1 + b % 6, per_account = 2 + (b >> 3) % 10
//   then operations, each starting with an op byte (op % 8):
//     0..3 message   node (byte), shape (byte), record count (byte % 7), records, api (u64), errors (u64)
//                    record: name (byte, an index into a fixed pool), mem, store (each: a value byte,
//                    0..7 pick 0, 1, -1, 7, INT64_MAX, INT64_MIN, 2^32, and 8.. read a raw i64)
//                    shape: 0..9 as encoded; 10 cut at (byte) bytes; 11 first name length set to
//                    (u64); 12 a later record's name length set to (u64); 13 extra count raised by
//                    (byte); 14 (byte) junk bytes appended; 15 no node in the subject
//     4    raw      node (byte), length (u16 LE), that many message bytes (the seeds use this)
//     5    remove   node (byte)
//     6    local    name (byte), delta (value): the tier is used locally (pinned) and gets usage
//     7    caps     as the first byte
//
// The model (a map node -> tier -> (mem, store), the documented merge rules,
// the set of tier entries the account must hold) is checked against the
// engine's internal state after every operation: tier entries, per-node
// contributions, remote sums per tier, API sums, refusal counts. A message
// that applies nothing (too short, no node, corrupt first record) must leave
// the account's snapshot unchanged. The records a message carries are found
// by an independent reference decoder (128-bit bounds), not by the library's.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "jsacct/engine/basic_engine.hpp"
#include "jsacct/wire/cluster_usage.hpp"
#include "jsacct/wire/usage_update.hpp"

#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "invariant violated: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace {

using jsacct::uint128;

// ---------------------------------------------------------------- input reader

struct reader {
  const std::uint8_t* p;
  std::size_t n;
  bool done() const { return n == 0; }
  std::uint8_t byte() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(byte()) << (8 * i);
    return v;
  }
  std::int64_t value() {
    const std::uint8_t b = byte();
    switch (b) {
      case 0:
      case 1:
      case 2:
        return 0;  // zero reports are the interesting case: weight them
      case 3:
        return 1;
      case 4:
        return -1;
      case 5:
        return std::numeric_limits<std::int64_t>::max();
      case 6:
        return std::numeric_limits<std::int64_t>::min();
      case 7:
        return std::int64_t{1} << 32;
      default:
        return b < 64 ? b : static_cast<std::int64_t>(u64());
    }
  }
};

// Names: the untiered "", two tiers with limits, plain names, invalid UTF-8.
const std::vector<std::string> k_names{"", "R1", "R3", "R5", "a", "b", "c\xFF", "\xE2\x82", "dd", "R\xFE"};
const std::set<std::string> k_limited{"R1", "R3"};
constexpr int k_nodes = 4;

std::string node_name(std::uint8_t b) { return "n" + std::to_string(b % k_nodes); }

// ---------------------------------------------------------------- reference decoder

struct ref_record {
  std::string name;
  std::int64_t mem, store;
};
struct ref_decoded {
  bool too_short = false;
  bool applies_api = false;
  std::vector<ref_record> records;
};

std::uint64_t load(const std::uint8_t* d, int width) {
  std::uint64_t v = 0;
  for (int i = 0; i < width; ++i) v |= static_cast<std::uint64_t>(d[i]) << (8 * i);
  return v;
}

// nats-server main's rules, written additively on 128-bit integers.
ref_decoded reference_decode(const std::string& m) {
  ref_decoded r;
  const auto* d = reinterpret_cast<const std::uint8_t*>(m.data());
  const std::size_t n = m.size();
  if (n < 32) {
    r.too_short = true;
    return r;
  }
  const auto mem = static_cast<std::int64_t>(load(d, 8));
  const auto store = static_cast<std::int64_t>(load(d + 8, 8));
  if (n < 44) {
    r.records.push_back({"", mem, store});
    r.applies_api = true;
    return r;
  }
  std::uint64_t extra = load(d + 32, 4);
  const std::uint64_t first = load(d + 36, 8);
  if (uint128{44} + first > n) return r;  // corrupt first record
  r.records.push_back({std::string(m, 44, static_cast<std::size_t>(first)), mem, store});
  std::size_t pos = 44 + static_cast<std::size_t>(first);
  while (extra > 0 && uint128{pos} + 24 <= n) {
    const std::uint64_t len = load(d + pos + 16, 8);
    if (uint128{pos} + 24 + len > n) return r;  // corrupt extra record: API not applied
    r.records.push_back({std::string(m, pos + 24, static_cast<std::size_t>(len)), static_cast<std::int64_t>(load(d + pos, 8)),
                         static_cast<std::int64_t>(load(d + pos + 8, 8))});
    pos += 24 + static_cast<std::size_t>(len);
    --extra;
  }
  r.applies_api = true;
  return r;
}

// ---------------------------------------------------------------- the model

std::int64_t wadd(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

struct model_node {
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> tiers;  // only non-zero contributions
  std::uint64_t api = 0, errors = 0;
};

struct model {
  jsacct::remote_tier_caps caps;
  std::map<std::string, model_node> nodes;
  std::set<std::string> entries;  // tier entries the account holds
  std::set<std::string> pinned;   // used locally
  std::map<std::string, std::int64_t> local_store;
  std::uint64_t refused = 0;
  std::set<std::string> removed;  // remove_node with ignore_updates_for_sweeps > 0 (no sweeps here: for good)

  bool held_by_a_node(const std::string& t) const {
    for (const auto& [_, n] : nodes)
      if (n.tiers.count(t) != 0) return true;
    return false;
  }
  void maybe_release(const std::string& t) {
    if (pinned.count(t) == 0 && k_limited.count(t) == 0 && !held_by_a_node(t)) entries.erase(t);
  }
  /// One record; returns false when refused by a cap.
  bool merge(model_node& n, const std::string& t, std::int64_t mem, std::int64_t store) {
    const bool zero = mem == 0 && store == 0;
    if (auto it = n.tiers.find(t); it != n.tiers.end()) {
      if (!zero) {
        it->second = {mem, store};
        return true;
      }
      n.tiers.erase(it);
      maybe_release(t);
      return true;
    }
    const bool limited = k_limited.count(t) != 0;
    if (zero) {
      if (limited) entries.insert(t);
      return true;
    }
    if (!limited) {
      if (n.tiers.size() >= caps.per_node) return false;
      if (entries.count(t) == 0 && entries.size() >= caps.per_account) return false;
    }
    entries.insert(t);
    n.tiers[t] = {mem, store};
    return true;
  }
  void remove(const std::string& node) {
    auto it = nodes.find(node);
    if (it == nodes.end()) return;
    const auto tiers = it->second.tiers;
    nodes.erase(it);
    for (const auto& [t, _] : tiers) maybe_release(t);
  }
  std::pair<std::int64_t, std::int64_t> remote_sum(const std::string& t) const {
    std::int64_t m = 0, s = 0;
    for (const auto& [_, n] : nodes)
      if (auto it = n.tiers.find(t); it != n.tiers.end()) {
        m = wadd(m, it->second.first);
        s = wadd(s, it->second.second);
      }
    return {m, s};
  }
};

jsacct::remote_tier_caps caps_of(std::uint8_t b) { return {1 + std::size_t{b} % 6, 2 + (std::size_t{b} >> 3) % 10}; }

// ---------------------------------------------------------------- building messages

void put_u64(std::string& m, std::size_t at, std::uint64_t v) {
  for (std::size_t i = 0; i < 8 && at + i < m.size(); ++i) m[at + i] = static_cast<char>(v >> (8 * i));
}

/// A message and its subject from the script.
std::pair<std::string, std::string> build_message(reader& in) {
  const std::string node = node_name(in.byte());
  const std::uint8_t shape = in.byte() % 16;
  const std::size_t count = in.byte() % 7;
  std::vector<std::string> names;
  std::vector<jsacct::usage_record> recs;
  for (std::size_t i = 0; i < count; ++i) names.push_back(k_names[in.byte() % k_names.size()]);
  for (std::size_t i = 0; i < count; ++i) {
    const std::int64_t mem = in.value();
    const std::int64_t store = in.value();
    recs.push_back({names[i], mem, store});
  }
  const std::uint64_t api = in.u64();
  const std::uint64_t errors = in.u64();
  std::string m;
  jsacct::encode_usage_update(api, errors, recs, m);
  switch (shape) {
    case 10:
      m.resize(std::min<std::size_t>(m.size(), in.byte()));
      break;
    case 11:
      put_u64(m, 36, in.u64());
      break;
    case 12:
      if (count >= 2) put_u64(m, 44 + recs[0].name.size() + 16, in.u64());
      break;
    case 13:
      if (m.size() >= 36) {
        const std::uint32_t extra = static_cast<std::uint32_t>(load(reinterpret_cast<const std::uint8_t*>(m.data()) + 32, 4));
        const std::uint32_t more = extra + in.byte();
        for (int i = 0; i < 4; ++i) m[32 + static_cast<std::size_t>(i)] = static_cast<char>(more >> (8 * i));
      }
      break;
    case 14:
      for (int i = in.byte() % 40; i > 0; --i) m += static_cast<char>(in.byte());
      break;
    default:
      break;
  }
  const std::string subject = shape == 15 ? std::string("$JSC.ARU.A.") : "$JSC.ARU.A." + node;
  return {m, subject};
}

// ---------------------------------------------------------------- checking

template <class A>
void check_against_model(const A& acc, const model& mod) {
  const auto& st = *jsacct::detail::account_access::state(acc);
  std::lock_guard lk(st.mu);
  // Tier entries: exactly the model's, index consistent.
  FUZZ_CHECK(st.tiers.size() == mod.entries.size());
  FUZZ_CHECK(st.tier_index == nullptr ? st.tiers.size() < st.index_from : st.tier_index->size() == st.tiers.size());
  for (std::size_t i = 0; i < st.tiers.size(); ++i) {
    const auto& e = *st.tiers[i];
    FUZZ_CHECK(mod.entries.count(e.name) == 1);
    if (st.tier_index != nullptr) {
      const auto it = st.tier_index->find(std::string_view(e.name));
      FUZZ_CHECK(it != st.tier_index->end() && it->second == i);
    }
    FUZZ_CHECK(st.find_tier(e.name) == &e);
    const auto [m, s] = mod.remote_sum(e.name);
    FUZZ_CHECK(e.remote[0].load() == m);
    FUZZ_CHECK(e.remote[1].load() == s);
    const auto lit = mod.local_store.find(e.name);
    FUZZ_CHECK(e.local[1].load() == (lit == mod.local_store.end() ? 0 : lit->second));
    FUZZ_CHECK(e.local[0].load() == 0);
    std::size_t holders = 0;
    for (const auto& [_, n] : mod.nodes) holders += n.tiers.count(e.name);
    FUZZ_CHECK(e.remote_nodes == holders);
    FUZZ_CHECK(e.pinned == (mod.pinned.count(e.name) != 0 || k_limited.count(e.name) != 0));
  }
  // Nodes and their contributions: exactly the model's.
  // The cluster block exists once any node was heard of (and stays).
  FUZZ_CHECK(st.cluster != nullptr || mod.nodes.empty());
  const std::size_t nodes = st.cluster == nullptr ? 0 : st.cluster->remotes.size();
  FUZZ_CHECK(nodes == mod.nodes.size());
  std::uint64_t api = 0, errors = 0;
  for (const auto& [name, n] : mod.nodes) {
    const auto it = st.cluster->remotes.find(name);
    FUZZ_CHECK(it != st.cluster->remotes.end());
    FUZZ_CHECK(it->second.tiers.size() == n.tiers.size());
    FUZZ_CHECK(it->second.index == nullptr ? it->second.tiers.size() < it->second.index_from
                                           : it->second.index->size() == it->second.tiers.size());
    for (const auto& [t, v] : n.tiers) {
      const auto* jt = it->second.share(t);
      FUZZ_CHECK(jt != nullptr);
      FUZZ_CHECK(jt->last.mem == v.first && jt->last.store == v.second);
      FUZZ_CHECK(jt->tier == st.find_tier(t));
      FUZZ_CHECK(v.first != 0 || v.second != 0);
    }
    FUZZ_CHECK(it->second.api == n.api && it->second.errors == n.errors);
    api += n.api;
    errors += n.errors;
  }
  FUZZ_CHECK((st.cluster == nullptr ? 0 : st.cluster->remote_api) == api);
  FUZZ_CHECK((st.cluster == nullptr ? 0 : st.cluster->remote_errors) == errors);
  FUZZ_CHECK((st.cluster == nullptr ? 0 : st.cluster->remote_tiers_refused) == mod.refused);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  reader in{data, size};
  model mod;
  mod.caps = caps_of(in.byte());
  mod.entries = k_limited;  // the limits' tier entries exist from the start (pinned)
  jsacct::engine eng(jsacct::jetstream_config{}, {.mode = jsacct::deployment::clustered});
  eng.set_remote_tier_caps(mod.caps);
  std::uint64_t refusal_events = 0;
  eng.set_event_sink([&](const jsacct::event& e) {
    if (e.kind == jsacct::event_kind::remote_tiers_refused) ++refusal_events;
  });
  jsacct::account_limits l = jsacct::dynamic_account_limits;
  auto enabled = eng.enable_account("A", jsacct::limits_map{{"R1", l}, {"R3", l}});
  FUZZ_CHECK(enabled.ok());
  auto acc = *enabled;
  check_against_model(acc, mod);

  for (int ops = 0; ops < 32 && !in.done(); ++ops) {
    const std::uint8_t op = in.byte() % 8;
    if (op <= 4) {
      std::string msg, subject;
      if (op == 4) {
        subject = "$JSC.ARU.A." + node_name(in.byte());
        std::size_t len = in.byte();
        len |= std::size_t{in.byte()} << 8;
        for (; len > 0 && !in.done(); --len) msg += static_cast<char>(in.byte());
      } else {
        std::tie(msg, subject) = build_message(in);
      }
      // The model: size guard, node id, node entry, records, API counters.
      const ref_decoded d = reference_decode(msg);
      const auto node = jsacct::node_id_from_subject(subject);
      const bool ignored = !d.too_short && node && mod.removed.count(std::string(*node)) != 0;
      const bool applies_nothing = d.too_short || !node || d.records.empty() || ignored;
      std::optional<jsacct::account_stats> before;
      if (applies_nothing) before = acc.usage();
      const std::uint64_t events_before = refusal_events;
      const auto r = jsacct::apply_usage_update(acc, subject, msg);

      std::size_t merged = 0, refused = 0;
      if (d.too_short) {
        FUZZ_CHECK(r.outcome == jsacct::remote_usage_outcome::too_short);
      } else if (!node) {
        FUZZ_CHECK(r.outcome == jsacct::remote_usage_outcome::no_remote_node);
      } else if (ignored) {  // an update still in flight from a removed node
        FUZZ_CHECK(r.outcome == jsacct::remote_usage_outcome::dropped_removed_node);
      } else {
        model_node& n = mod.nodes[std::string(*node)];
        for (const auto& rec : d.records) (mod.merge(n, rec.name, rec.mem, rec.store) ? merged : refused) += 1;
        if (d.applies_api) {  // main replaces the node's counters
          FUZZ_CHECK(r.api_applied);
          n.api = load(reinterpret_cast<const std::uint8_t*>(msg.data()) + 16, 8);
          n.errors = load(reinterpret_cast<const std::uint8_t*>(msg.data()) + 24, 8);
        } else {
          FUZZ_CHECK(!r.api_applied);
        }
      }
      mod.refused += refused;
      FUZZ_CHECK(r.tiers_merged == merged);
      FUZZ_CHECK(r.tiers_refused == refused);
      FUZZ_CHECK(refusal_events == events_before + (refused != 0 ? 1 : 0));
      check_against_model(acc, mod);
      if (before) FUZZ_CHECK(acc.usage() == *before);  // nothing applied: nothing changed
    } else if (op == 5) {
      const std::string node = node_name(in.byte());
      const std::uint32_t ignore = in.byte() % 2 == 0 ? 0 : 2;
      jsacct::remove_node(acc, node, {.ignore_updates_for_sweeps = ignore});
      mod.remove(node);
      if (ignore != 0) mod.removed.insert(node);
      check_against_model(acc, mod);
    } else if (op == 6) {
      const std::string& t = k_names[in.byte() % k_names.size()];
      const std::int64_t delta = in.value();
      auto tier = acc.tier(t);
      acc.update_usage(tier, jsacct::storage_type::file, delta);
      mod.pinned.insert(t);
      mod.entries.insert(t);
      mod.local_store[t] = wadd(mod.local_store[t], delta);
      check_against_model(acc, mod);
    } else {
      mod.caps = caps_of(in.byte());
      eng.set_remote_tier_caps(mod.caps);
      FUZZ_CHECK(eng.remote_caps() == mod.caps);
    }
  }
  return 0;
}
