// SPDX-License-Identifier: Apache-2.0
// jsacct: requires nlohmann_json
/// \file
/// Usage snapshots (docs/snapshots.md): an engine's whole accounting state as
/// versioned JSON, and its restore into a fresh engine, so that a restarted
/// server does not forget the usage it had accounted.
///
/// * `usage_snapshot(engine)` returns the JSON value, `usage_snapshot_text(engine)`
///   its text. Exact for an engine no other thread changes meanwhile.
/// * `restore_usage_snapshot(fresh, text)` parses and validates the whole
///   text first (an error names the JSON path, the value and what is
///   allowed), then applies it without limit checks (the state was valid when
///   it was taken). All or nothing: on any error the engine is left as it was.
/// * Restored streams belong to the engine (as after `stream_reservation::release()`):
///   `account_handle::stream(name)` gives non-owning handles to them.
///
/// Only this header (and its users) needs nlohmann_json; jsacct.hpp does not include it.
#pragma once

#include "jsacct/config.hpp"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "jsacct/engine/account.hpp"
#include "jsacct/engine/basic_engine.hpp"
#include "jsacct/engine/state.hpp"
#include "jsacct/error.hpp"
#include "jsacct/names.hpp"
#include "jsacct/types.hpp"
#include "jsacct/wire/stale_usage_policy.hpp"

namespace jsacct {

/// The `format` member of every usage snapshot.
inline constexpr std::string_view usage_snapshot_format = "jsacct-usage-snapshot";
/// The snapshot version this jsacct writes and reads.
inline constexpr std::int64_t usage_snapshot_version = 1;

/// What a successful restore did.
struct restore_report {
  std::size_t accounts = 0;  ///< accounts enabled
  std::size_t streams = 0;   ///< streams registered (owned by the engine)
  std::size_t peers = 0;     ///< peer nodes restored, over all accounts
  /// The snapshot's server max_memory, max_store or domain differ from the
  /// engine's: the engine's configuration is kept (the operator's current one).
  bool server_config_differs = false;
  friend bool operator==(const restore_report&, const restore_report&) = default;
};

/// The semantics name a snapshot of checker `L` carries: `L::name`
/// ("main", "v2.9"), or "" for a custom checker without one.
template <class L>
constexpr std::string_view snapshot_semantics_of() noexcept {
  if constexpr (requires { L::name; })
    return std::string_view(L::name);
  else
    return std::string_view();
}

namespace snapshot_detail {

using json = nlohmann::json;

/// The validated content of a snapshot, before anything is applied.
struct tier_rec {
  std::string name;
  mem_store local{};
  bool usage_entry = false;  ///< tier_entry::has_usage (it decides which tiers usage() lists)
  bool pinned = false;       ///< used locally: kept for the account's life
};
struct stream_rec {
  stream_config cfg;
  std::string tier;
  std::int64_t bytes = 0, msgs = 0, consumers = 0, limitable_consumers = 0;
};
struct peer_rec {
  std::string node;
  std::vector<std::pair<std::string, mem_store>> shares;
  std::uint64_t api = 0, errors = 0;
  std::uint32_t age = 0;
  bool heard = true, stale = false;
  stale_usage_policy policy = stale_usage_policy::optimistic;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> sequence;  ///< sender instance, sequence
};
struct reservation_rec {
  std::string node, tier;
  mem_store amount{};
};
struct account_rec {
  std::string name;
  limits_map limits;
  bool expired = false;
  std::int64_t api_total = 0, api_errors = 0;
  std::vector<tier_rec> tiers;
  std::vector<stream_rec> streams;
  std::vector<peer_rec> peers;
  std::vector<reservation_rec> reservations;
};
struct snapshot_rec {
  jetstream_config server;
  mem_store used{}, reserved{};
  std::int64_t api_total = 0, api_errors = 0;
  std::vector<account_rec> accounts;
};

constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();

inline json amounts_json(std::int64_t mem, std::int64_t store) { return json{{"memory", mem}, {"store", store}}; }

inline json limits_json(const account_limits& l) {
  return json{{"max_memory", l.max_memory},
              {"max_store", l.max_store},
              {"max_streams", l.max_streams},
              {"max_consumers", l.max_consumers},
              {"max_ack_pending", l.max_ack_pending},
              {"memory_max_stream_bytes", l.memory_max_stream_bytes},
              {"store_max_stream_bytes", l.store_max_stream_bytes},
              {"max_bytes_required", l.max_bytes_required}};
}

/// A value in an error message: its JSON text (invalid UTF-8 replaced), cut at 64 bytes.
inline std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 64) s = s.substr(0, 61) + "...";
  return s;
}
/// `path["key"]`: the key as a JSON string.
inline std::string member_path(const std::string& path, std::string_view key) {
  return path + "[" + shown(json(std::string(key))) + "]";
}

/// Checks the text before the DOM is built: JSON syntax (the parser's message),
/// duplicate keys (nlohmann would keep one silently) and nesting depth, each
/// error with the JSON path where it is.
class syntax_checker {
 public:
  std::string error;

  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t) { return true; }
  bool number_unsigned(json::number_unsigned_t) { return true; }
  bool number_float(json::number_float_t, const json::string_t&) { return true; }
  bool string(json::string_t&) { return true; }
  bool binary(json::binary_t&) { return true; }
  bool start_object(std::size_t) { return push(true); }
  bool start_array(std::size_t) { return push(false); }
  bool end_object() { return pop(); }
  bool end_array() { return pop(); }
  bool key(json::string_t& k) {
    frame& f = frames_.back();
    if (!f.keys.insert(k).second) {
      error = where(frames_.size() - 1) + ": key " + shown(json(k)) + " appears twice (allowed: each key once)";
      return false;
    }
    f.key = k;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    error = std::string("not valid JSON: ") + e.what();
    return false;
  }

 private:
  static constexpr std::size_t max_depth = 16;  ///< a snapshot nests 6 deep
  struct frame {
    bool object;
    std::set<std::string, std::less<>> keys;
    std::string key;
  };
  std::vector<frame> frames_;
  bool push(bool object) {
    if (frames_.size() >= max_depth) {
      error = where(frames_.size()) + ": nested " + std::to_string(max_depth + 1) + " deep (allowed: at most " +
              std::to_string(max_depth) + " levels)";
      return false;
    }
    frames_.push_back(frame{object, {}, {}});
    return true;
  }
  bool pop() {
    frames_.pop_back();
    return true;
  }
  /// The path of the value inside the first `depth` frames.
  std::string where(std::size_t depth) const {
    std::string p = "$";
    for (std::size_t i = 0; i < depth; ++i) {
      if (frames_[i].object)
        p = member_path(p, frames_[i].key);
      else
        p += "[]";
    }
    return p;
  }
};

/// Reads the validated DOM into a snapshot_rec; the first error wins.
class reader {
 public:
  std::optional<api_error> err;

  bool fail(const std::string& path, const json& v, std::string_view allowed) {
    err = api_error::plain("usage snapshot: " + path + ": " + shown(v) + " (allowed: " + std::string(allowed) + ")");
    return false;
  }
  bool fail_text(std::string text) {
    err = api_error::plain("usage snapshot: " + std::move(text));
    return false;
  }

  /// `j` is an object with exactly the keys `keys`.
  bool object(const json& j, const std::string& path, std::initializer_list<std::string_view> keys) {
    std::string list;
    for (auto k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
    if (!j.is_object()) return fail(path, j, "an object with the keys " + list);
    for (auto k : keys)
      if (!j.contains(k)) {
        std::string text = path;
        text.append(": the key \"").append(k).append("\" is missing (keys: ").append(list).append(")");
        return fail_text(text);
      }
    for (const auto& [k, v] : j.items()) {
      bool known = false;
      for (auto want : keys) known |= want == k;
      if (!known) return fail(member_path(path, k), v, "no such key here; the keys are " + list);
    }
    return true;
  }
  /// `j` is an object (its keys are names).
  bool map(const json& j, const std::string& path, std::string_view what) {
    if (!j.is_object()) return fail(path, j, "an object of " + std::string(what));
    return true;
  }
  bool i64(const json& obj, const std::string& path, const char* key, std::int64_t& out, std::int64_t lo = i64_min,
           std::int64_t hi = i64_max, std::string_view allowed = {}) {
    const json& v = obj.at(key);
    const std::string p = path + "." + key;
    const std::string range =
        allowed.empty() ? "an integer " + std::to_string(lo) + ".." + std::to_string(hi) : std::string(allowed);
    if (v.is_number_unsigned()) {
      const auto u = v.get<json::number_unsigned_t>();
      if (u > static_cast<std::uint64_t>(hi < 0 ? 0 : hi) || hi < 0) return fail(p, v, range);
      out = static_cast<std::int64_t>(u);
    } else if (v.is_number_integer()) {
      out = v.get<json::number_integer_t>();
    } else {
      return fail(p, v, range);
    }
    if (out < lo || out > hi) return fail(p, v, range);
    return true;
  }
  bool u64(const json& obj, const std::string& path, const char* key, std::uint64_t& out,
           std::uint64_t hi = std::numeric_limits<std::uint64_t>::max()) {
    const json& v = obj.at(key);
    const std::string range = "an integer 0.." + std::to_string(hi);
    if (v.is_number_unsigned())
      out = v.get<json::number_unsigned_t>();
    else if (v.is_number_integer() && v.get<json::number_integer_t>() >= 0)
      out = static_cast<std::uint64_t>(v.get<json::number_integer_t>());
    else
      return fail(path + "." + key, v, range);
    if (out > hi) return fail(path + "." + key, v, range);
    return true;
  }
  bool boolean(const json& obj, const std::string& path, const char* key, bool& out) {
    const json& v = obj.at(key);
    if (!v.is_boolean()) return fail(path + "." + key, v, "true or false");
    out = v.get<bool>();
    return true;
  }
  bool str(const json& obj, const std::string& path, const char* key, std::string& out) {
    const json& v = obj.at(key);
    if (!v.is_string()) return fail(path + "." + key, v, "a string");
    out = v.get<std::string>();
    return true;
  }
  bool amounts(const json& j, const std::string& path, mem_store& out, bool non_zero) {
    if (!object(j, path, {"memory", "store"}) || !i64(j, path, "memory", out.mem) || !i64(j, path, "store", out.store))
      return false;
    if (non_zero && out.mem == 0 && out.store == 0)
      return fail(path, j, "a non-zero amount: a zero one is not kept, leave it out");
    return true;
  }
  bool limits(const json& j, const std::string& path, account_limits& l) {
    return object(j, path,
                  {"max_memory", "max_store", "max_streams", "max_consumers", "max_ack_pending", "memory_max_stream_bytes",
                   "store_max_stream_bytes", "max_bytes_required"}) &&
           i64(j, path, "max_memory", l.max_memory) && i64(j, path, "max_store", l.max_store) &&
           i64(j, path, "max_streams", l.max_streams) && i64(j, path, "max_consumers", l.max_consumers) &&
           i64(j, path, "max_ack_pending", l.max_ack_pending) &&
           i64(j, path, "memory_max_stream_bytes", l.memory_max_stream_bytes) &&
           i64(j, path, "store_max_stream_bytes", l.store_max_stream_bytes) &&
           boolean(j, path, "max_bytes_required", l.max_bytes_required);
  }
};

/// A tier a stream, a peer share or a reservation names must be listed in the account's tiers.
inline const tier_rec* listed_tier(const account_rec& a, std::string_view t) {
  for (const auto& e : a.tiers)
    if (e.name == t) return &e;
  return nullptr;
}

}  // namespace snapshot_detail

namespace detail {

/// The engine internals a snapshot reads and a restore writes (a friend of
/// basic_engine and account_handle).
struct snapshot_access {
  using json = nlohmann::json;

  template <limit_checker L, tier_selector S, counter_policy P, charging_policy C>
  static json snapshot(const basic_engine<L, S, P, C>& e) {
    using traits = typename basic_engine<L, S, P, C>::traits;
    json doc;
    doc["format"] = std::string(usage_snapshot_format);
    doc["version"] = usage_snapshot_version;
    doc["semantics"] = std::string(snapshot_semantics_of<L>());
    doc["deployment"] = e.standalone() ? "standalone" : "clustered";
    doc["charging"] = std::string(C::name);
    json accounts = json::object();
    std::lock_guard lk(e.reg_mu_);  // no account is enabled or disabled meanwhile
    for (const auto& [name, st] : e.accounts_) accounts[name] = account_json<traits>(*st);
    const auto& srv = *e.srv_;
    const jetstream_config c = e.config();
    doc["server"] = json{{"max_memory", c.max_memory},
                         {"max_store", c.max_store},
                         {"domain", c.domain},
                         {"used", snapshot_detail::amounts_json(srv.used[0].load(), srv.used[1].load())},
                         {"reserved", snapshot_detail::amounts_json(srv.reserved[0].load(), srv.reserved[1].load())},
                         {"api", json{{"total", srv.api_total.load()}, {"errors", srv.api_errors.load()}}}};
    doc["accounts"] = std::move(accounts);
    return doc;
  }

  template <class T>
  static json account_json(account_state<T>& st) {
    using namespace snapshot_detail;
    std::lock_guard lk(st.mu);
    json a;
    a["expired"] = st.expired;
    json limits = json::object();
    for (const auto& [t, l] : st.limits_copy()) limits[t] = limits_json(l);
    a["limits"] = std::move(limits);
    a["api"] = json{{"total", st.api_total.load()}, {"errors", st.api_errors.load()}};
    json tiers = json::object();
    for (const auto& t : st.tiers) {
      json v = amounts_json(t->local[0].load(), t->local[1].load());
      v["usage_entry"] = t->has_usage.load() != 0;
      v["pinned"] = t->pinned;
      tiers[t->name] = std::move(v);
    }
    a["tiers"] = std::move(tiers);
    json streams = json::object();
    for (const auto& [name, r] : st.streams) {
      const stream_config& c = r->cfg;
      json s{{"storage", to_json(c.storage)},
             {"replicas", c.replicas},
             {"max_bytes", c.max_bytes},
             {"max_msgs", c.max_msgs},
             {"max_msg_size", c.max_msg_size},
             {"max_msgs_per_subject", c.max_msgs_per_subject},
             {"max_consumers", c.max_consumers},
             {"discard", to_json(c.discard)},
             {"discard_new_per_subject", c.discard_new_per_subject},
             {"duplicate_window", c.duplicate_window},
             {"mirror", c.mirror ? json(*c.mirror) : json(nullptr)},
             {"placement_tag", c.placement_tag},
             {"consumers", r->consumers},
             {"limitable_consumers", r->limitable_consumers},
             {"msgs", r->msgs.load()}};
      {
        std::lock_guard g(r->usage_lock);  // orders the read with add_usage and a tier move
        s["bytes"] = r->bytes.load();
        s["tier"] = r->tier.load()->name;
      }
      streams[c.name] = std::move(s);
    }
    a["streams"] = std::move(streams);
    json peers = json::object(), reservations = json::object();
    if (st.cluster) {
      for (const auto& [node, rn] : st.cluster->remotes) {
        json shares = json::object();
        for (const auto& sh : rn.tiers) shares[sh.tier->name] = amounts_json(sh.last.mem, sh.last.store);
        peers[node] =
            json{{"tiers", std::move(shares)},
                 {"api", json{{"total", rn.api}, {"errors", rn.errors}}},
                 {"age", rn.silent_sweeps},
                 {"heard", rn.heard},
                 {"stale", rn.stale},
                 {"stale_policy", to_string(rn.stale_as)},
                 {"sequence", rn.has_sequence ? json{{"instance", rn.instance}, {"sequence", rn.sequence}} : json(nullptr)}};
      }
      for (const auto& [node, m] : st.cluster->remote_reservations) {
        json d = json::object();
        for (const auto& [t, v] : m) d[t] = amounts_json(v.mem, v.store);
        reservations[node] = std::move(d);
      }
    }
    a["peers"] = std::move(peers);
    a["reservations"] = std::move(reservations);
    return a;
  }

  /// Parses and validates `text` into `out` for an engine of checker L, charging policy C and deployment `standalone`.
  template <class L, class C>
  static std::optional<api_error> read(std::string_view text, bool standalone, snapshot_detail::snapshot_rec& out) {
    using namespace snapshot_detail;
    syntax_checker check;
    if (!json::sax_parse(text, &check) || !check.error.empty())
      return api_error::plain("usage snapshot: " + (check.error.empty() ? std::string("not valid JSON") : check.error));
    const json doc = json::parse(text, nullptr, false);
    reader r;
    const std::string root = "$";
    auto failed = [&](bool ok) { return ok ? std::optional<api_error>() : r.err; };
    if (!doc.is_object()) return failed(r.fail(root, doc, "an object"));
    // Format and version first: a snapshot of another version may have other keys.
    const json format = doc.contains("format") ? doc["format"] : json();
    if (!format.is_string() || format.get<std::string>() != usage_snapshot_format)
      return failed(r.fail(root + ".format", format, "\"" + std::string(usage_snapshot_format) + "\""));
    std::int64_t version = 0;
    if (!doc.contains("version")) return failed(r.fail_text("$: the key \"version\" is missing"));
    if (!r.i64(doc, root, "version", version)) return r.err;
    if (version != usage_snapshot_version)
      return api_error::plain("usage snapshot version " + std::to_string(version) +
                              " is not supported: this jsacct reads version " + std::to_string(usage_snapshot_version));
    if (!r.object(doc, root, {"format", "version", "semantics", "deployment", "charging", "server", "accounts"})) return r.err;
    std::string semantics, mode;
    if (!r.str(doc, root, "semantics", semantics) || !r.str(doc, root, "deployment", mode)) return r.err;
    if (semantics != snapshot_semantics_of<L>())
      return api_error::plain("usage snapshot: taken with semantics \"" + semantics + "\", this engine has \"" +
                              std::string(snapshot_semantics_of<L>()) + "\" (restore it into an engine of the same semantics)");
    if (mode != "standalone" && mode != "clustered")
      return failed(r.fail(root + ".deployment", doc["deployment"], "standalone, clustered"));
    if ((mode == "standalone") != standalone)
      return api_error::plain("usage snapshot: taken from a " + mode + " engine, this engine is " +
                              (standalone ? "standalone" : "clustered") + " (restore it into an engine of the same deployment)");
    // Reservations are what the charging policy charged (docs/reservation-charging.md): another policy
    // would restore other reserved totals.
    std::string charging;
    if (!r.str(doc, root, "charging", charging)) return r.err;
    if (charging != C::name)
      return api_error::plain("usage snapshot: taken with charging policy \"" + charging + "\", this engine has \"" +
                              std::string(C::name) + "\" (restore it into an engine of the same charging policy)");
    const json& srv = doc["server"];
    const std::string sp = root + ".server";
    if (!r.object(srv, sp, {"max_memory", "max_store", "domain", "used", "reserved", "api"}) ||
        !r.i64(srv, sp, "max_memory", out.server.max_memory) || !r.i64(srv, sp, "max_store", out.server.max_store) ||
        !r.str(srv, sp, "domain", out.server.domain) || !r.amounts(srv["used"], sp + ".used", out.used, false) ||
        !r.amounts(srv["reserved"], sp + ".reserved", out.reserved, false) ||
        !r.object(srv["api"], sp + ".api", {"total", "errors"}) || !r.i64(srv["api"], sp + ".api", "total", out.api_total) ||
        !r.i64(srv["api"], sp + ".api", "errors", out.api_errors))
      return r.err;
    const json& accounts = doc["accounts"];
    if (!r.map(accounts, root + ".accounts", "accounts by name")) return r.err;
    out.accounts.reserve(accounts.size());
    for (const auto& [name, a] : accounts.items()) {
      out.accounts.emplace_back();
      if (!read_account<L>(r, member_path(root + ".accounts", name), name, a, out.accounts.back())) return r.err;
    }
    return std::nullopt;
  }

  template <class L>
  static bool read_account(snapshot_detail::reader& r, const std::string& path, const std::string& name, const nlohmann::json& a,
                           snapshot_detail::account_rec& out) {
    using namespace snapshot_detail;
    if (auto valid = check_account_name(name); !valid)
      return r.fail(path, json(name), "an account name: " + valid.error().description());
    out.name = name;
    if (!r.object(a, path, {"expired", "limits", "api", "tiers", "streams", "peers", "reservations"}) ||
        !r.boolean(a, path, "expired", out.expired) || !r.object(a["api"], path + ".api", {"total", "errors"}) ||
        !r.i64(a["api"], path + ".api", "total", out.api_total) || !r.i64(a["api"], path + ".api", "errors", out.api_errors))
      return false;
    // Tiers first: the limits, streams, peers and reservations name them.
    const json& tiers = a["tiers"];
    if (!r.map(tiers, path + ".tiers", "tiers by name")) return false;
    for (const auto& [t, v] : tiers.items()) {
      const std::string p = member_path(path + ".tiers", t);
      tier_rec e;
      e.name = t;
      if (!r.object(v, p, {"memory", "store", "usage_entry", "pinned"}) || !r.i64(v, p, "memory", e.local.mem) ||
          !r.i64(v, p, "store", e.local.store) || !r.boolean(v, p, "usage_entry", e.usage_entry) ||
          !r.boolean(v, p, "pinned", e.pinned))
        return false;
      out.tiers.push_back(std::move(e));
    }
    auto pinned_tier = [&](const std::string& p, const std::string& t, const char* what) {
      const tier_rec* e = listed_tier(out, t);
      if (e == nullptr) return r.fail(p, json(t), std::string("a tier listed in ") + path + ".tiers");
      if (!e->pinned) return r.fail(p, json(t), std::string("a tier with \"pinned\": true (") + what + " pin their tier)");
      return true;
    };
    const json& limits = a["limits"];
    if (!r.map(limits, path + ".limits", "limits by tier name (\"\" for untiered limits)")) return false;
    for (const auto& [t, v] : limits.items()) {
      const std::string p = member_path(path + ".limits", t);
      account_limits l;
      if (!r.limits(v, p, l) || !pinned_tier(p, t, "limits")) return false;
      out.limits.emplace(t, l);
    }
    const json& streams = a["streams"];
    if (!r.map(streams, path + ".streams", "streams by name")) return false;
    for (const auto& [sname, v] : streams.items())
      if (!read_stream<L>(r, member_path(path + ".streams", sname), sname, v, out, pinned_tier)) return false;
    const json& peers = a["peers"];
    if (!r.map(peers, path + ".peers", "peer nodes by name")) return false;
    for (const auto& [node, v] : peers.items())
      if (!read_peer(r, member_path(path + ".peers", node), node, v, out)) return false;
    const json& reservations = a["reservations"];
    if (!r.map(reservations, path + ".reservations", "peer nodes by name")) return false;
    for (const auto& [node, v] : reservations.items()) {
      const std::string p = member_path(path + ".reservations", node);
      if (!r.map(v, p, "amounts by tier name")) return false;
      if (v.empty()) return r.fail(p, v, "at least one tier: a node without reservations is not kept, leave it out");
      for (const auto& [t, amount] : v.items()) {
        const std::string tp = member_path(p, t);
        reservation_rec d{node, t, {}};
        if (!r.amounts(amount, tp, d.amount, true)) return false;
        if (listed_tier(out, t) == nullptr) return r.fail(tp, json(t), std::string("a tier listed in ") + path + ".tiers");
        out.reservations.push_back(std::move(d));
      }
    }
    return true;
  }

  template <class L, class F>
  static bool read_stream(snapshot_detail::reader& r, const std::string& p, const std::string& name, const nlohmann::json& v,
                          snapshot_detail::account_rec& a, F& pinned_tier) {
    using namespace snapshot_detail;
    if (auto valid = check_stream_name(name, stream_name_rules_of<L>()); !valid)
      return r.fail(p, json(name), "a stream name: " + valid.error().description());
    stream_rec s;
    stream_config& c = s.cfg;
    c.name = name;
    if (!r.object(v, p,
                  {"storage", "replicas", "max_bytes", "max_msgs", "max_msg_size", "max_msgs_per_subject", "max_consumers",
                   "discard", "discard_new_per_subject", "duplicate_window", "mirror", "placement_tag", "tier", "bytes", "msgs",
                   "consumers", "limitable_consumers"}))
      return false;
    std::string storage, discard;
    if (!r.str(v, p, "storage", storage)) return false;
    if (storage != "memory" && storage != "file") return r.fail(p + ".storage", v["storage"], "memory, file");
    c.storage = storage == "memory" ? storage_type::memory : storage_type::file;
    if (!r.i64(v, p, "replicas", c.replicas, 1, 5)) return false;
    // Normalized caps: 0 means unlimited and is stored as -1 (main: every negative too).
    const std::string_view cap_rule =
        L::normalize_negative_max_bytes ? "-1 (unlimited) or 1..9223372036854775807" : "any integer but 0 (-1: unlimited)";
    for (auto [key, field] :
         {std::pair{"max_bytes", &c.max_bytes}, std::pair{"max_msgs", &c.max_msgs}, std::pair{"max_msg_size", &c.max_msg_size},
          std::pair{"max_msgs_per_subject", &c.max_msgs_per_subject}}) {
      if (!r.i64(v, p, key, *field)) return false;
      if (*field == 0 || (L::normalize_negative_max_bytes && *field < -1)) return r.fail(p + "." + key, v[key], cap_rule);
    }
    if (!r.i64(v, p, "max_consumers", c.max_consumers)) return false;
    if (c.max_consumers == 0 || c.max_consumers < -1)
      return r.fail(p + ".max_consumers", v["max_consumers"], "-1 (unlimited) or 1..9223372036854775807");
    if (!r.str(v, p, "discard", discard)) return false;
    if (discard != "old" && discard != "new") return r.fail(p + ".discard", v["discard"], "old, new");
    c.discard = discard == "new" ? discard_policy::new_ : discard_policy::old_;
    if (!r.boolean(v, p, "discard_new_per_subject", c.discard_new_per_subject) ||
        !r.i64(v, p, "duplicate_window", c.duplicate_window) || !r.str(v, p, "placement_tag", c.placement_tag))
      return false;
    if (v["mirror"].is_string())
      c.mirror = v["mirror"].get<std::string>();
    else if (!v["mirror"].is_null())
      return r.fail(p + ".mirror", v["mirror"], "null (not a mirror) or the mirrored stream's name");
    if (!r.str(v, p, "tier", s.tier) || !pinned_tier(p + ".tier", s.tier, "streams") || !r.i64(v, p, "bytes", s.bytes) ||
        !r.i64(v, p, "msgs", s.msgs) || !r.i64(v, p, "consumers", s.consumers, 0, i64_max) ||
        !r.i64(v, p, "limitable_consumers", s.limitable_consumers, 0, s.consumers,
               "an integer 0..consumers (" + std::to_string(s.consumers) + ")"))
      return false;
    a.streams.push_back(std::move(s));
    return true;
  }

  static bool read_peer(snapshot_detail::reader& r, const std::string& p, const std::string& node, const nlohmann::json& v,
                        snapshot_detail::account_rec& a) {
    using namespace snapshot_detail;
    peer_rec n;
    n.node = node;
    std::uint64_t age = 0;
    std::string policy;
    if (!r.object(v, p, {"tiers", "api", "age", "heard", "stale", "stale_policy", "sequence"}) ||
        !r.object(v["api"], p + ".api", {"total", "errors"}) || !r.u64(v["api"], p + ".api", "total", n.api) ||
        !r.u64(v["api"], p + ".api", "errors", n.errors) || !r.u64(v, p, "age", age, std::numeric_limits<std::uint32_t>::max()) ||
        !r.boolean(v, p, "heard", n.heard) || !r.boolean(v, p, "stale", n.stale) || !r.str(v, p, "stale_policy", policy))
      return false;
    n.age = static_cast<std::uint32_t>(age);
    bool known = false;
    for (auto q : {stale_usage_policy::optimistic, stale_usage_policy::pessimistic, stale_usage_policy::exclude})
      if (policy == to_string(q)) n.policy = q, known = true;
    if (!known) return r.fail(p + ".stale_policy", v["stale_policy"], "optimistic, pessimistic, exclude");
    const json& seq = v["sequence"];
    if (!seq.is_null()) {
      std::pair<std::uint64_t, std::uint64_t> s;
      if (!r.object(seq, p + ".sequence", {"instance", "sequence"}) || !r.u64(seq, p + ".sequence", "instance", s.first) ||
          !r.u64(seq, p + ".sequence", "sequence", s.second))
        return false;
      n.sequence = s;
    }
    const json& shares = v["tiers"];
    if (!r.map(shares, p + ".tiers", "the node's last report by tier name")) return false;
    for (const auto& [t, amount] : shares.items()) {
      const std::string tp = member_path(p + ".tiers", t);
      mem_store m;
      if (!r.amounts(amount, tp, m, true)) return false;
      if (listed_tier(a, t) == nullptr) return r.fail(tp, json(t), "a tier listed in the account's tiers");
      n.shares.emplace_back(t, m);
    }
    a.peers.push_back(std::move(n));
    return true;
  }

  /// Adds one validated account to the registry. Caller holds the engine's registry mutex.
  /// May throw only std::bad_alloc; the caller then discards the accounts created.
  template <limit_checker L, tier_selector S, counter_policy P, charging_policy C>
  static void apply_account(basic_engine<L, S, P, C>& e, const snapshot_detail::account_rec& a,
                            std::vector<std::shared_ptr<account_state<typename basic_engine<L, S, P, C>::traits>>>& created) {
    using traits = typename basic_engine<L, S, P, C>::traits;
    using state_t = account_state<traits>;
    auto st = std::make_shared<state_t>(a.name, e.srv_);
    {
      std::lock_guard alk(st->mu);
      st->reserve_selection(a.limits.size());
      for (const auto& t : a.tiers) {
        tier_entry<P>* te = t.pinned ? st->tier(t.name) : st->unpinned_tier(t.name);
        te->local[0].store(t.local.mem);
        te->local[1].store(t.local.store);
      }
      st->publish_limits(a.limits);
      st->positive_limits = detail::positive_limits(a.limits);
      st->expired = a.expired;
      st->api_total.store(a.api_total);
      st->api_errors.store(a.api_errors);
      account_handle<traits> h(st);
      for (const auto& s : a.streams) {
        reservation_bucket& bk = h.bucket_locked(h.bucket_of(s.cfg));
        auto rec = std::allocate_shared<stream_record<P>>(pooled_allocator<stream_record<P>>(&st->record_blocks));
        rec->cfg = s.cfg;
        tier_entry<P>* t = st->find_tier(s.tier);
        st->streams.emplace(std::string_view(rec->cfg.name), rec);
        rec->bucket = &bk;
        rec->tier.store(t);
        rec->consumers = s.consumers;
        rec->limitable_consumers = s.limitable_consumers;
        rec->bytes.store(s.bytes);
        rec->msgs.store(s.msgs);
        rec->engine_owned = true;  // no handle owns it: account_handle::stream(name) gives non-owning ones
        t->streams += 1;
        t->consumers += s.consumers;
        st->consumers += s.consumers;
        h.bucket_add(*rec, +1);
      }
      if (!a.peers.empty() || !a.reservations.empty()) {
        cluster_state<P>& cs = st->cluster_block();
        for (const auto& n : a.peers) {
          auto& rn = state_t::remote_entry(cs, n.node);
          for (const auto& [t, m] : n.shares) {
            tier_entry<P>* te = st->find_tier(t);
            state_t::add_share(rn, te, m);
            ++te->remote_nodes;
            te->remote[0].add(m.mem);
            te->remote[1].add(m.store);
          }
          rn.api = n.api;
          rn.errors = n.errors;
          cs.remote_api += n.api;
          cs.remote_errors += n.errors;
        }
        for (const auto& d : a.reservations) st->set_remote_reservation(d.node, d.tier, d.amount);
        for (const auto& n : a.peers) {
          auto& rn = cs.remotes.find(n.node)->second;
          if (n.stale)
            st->restate_remote(rn, true, n.policy);  // its declarations count from now on
          else
            rn.stale_as = n.policy;
          rn.heard = n.heard;
          rn.silent_sweeps = n.age;
          rn.has_sequence = n.sequence.has_value();
          if (n.sequence) std::tie(rn.instance, rn.sequence) = *n.sequence;
        }
      }
      for (const auto& t : a.tiers) {
        auto* te = st->find_tier(t.name);
        te->has_usage.store(t.usage_entry ? 1 : 0);
        // The next usage update looks at has_usage again (its cold path).
        te->set_update_flag(std::remove_reference_t<decltype(*te)>::update_seen, false);
      }
    }
    e.accounts_.emplace(a.name, st);
    created.push_back(st);  // room reserved by the caller: cannot throw
    if (!a.expired) e.add_positive(st->positive_limits, +1);
  }

  template <limit_checker L, tier_selector S, counter_policy P, charging_policy C>
  static result<restore_report> restore(basic_engine<L, S, P, C>& e, std::string_view text) {
    snapshot_detail::snapshot_rec snap;
    if (auto err = read<L, C>(text, e.standalone(), snap)) return *err;
    return apply(e, snap);
  }

  /// Applies a validated snapshot (read's output) to `e` if it is fresh. All or nothing.
  template <limit_checker L, tier_selector S, counter_policy P, charging_policy C>
  static result<restore_report> apply(basic_engine<L, S, P, C>& e, const snapshot_detail::snapshot_rec& snap) {
    using traits = typename basic_engine<L, S, P, C>::traits;
    std::lock_guard lk(e.reg_mu_);
    auto& srv = *e.srv_;
    if (!e.accounts_.empty() || srv.used[0].load() != 0 || srv.used[1].load() != 0 || srv.reserved[0].load() != 0 ||
        srv.reserved[1].load() != 0 || srv.api_total.load() != 0 || srv.api_errors.load() != 0)
      return api_error::plain(
          "usage snapshot: the engine is not fresh (it has accounts, usage, reservations or API counts): restore into a new "
          "engine");
    std::vector<std::shared_ptr<account_state<traits>>> created;
    JSACCT_TRY {
      created.reserve(snap.accounts.size());
      for (const auto& a : snap.accounts) apply_account(e, a, created);
    }
    JSACCT_CATCH_ALL {
      for (auto& st : created) discard(e, *st);
      return api_error::plain("usage snapshot: restore failed (out of memory): nothing was restored");
    }
    // The server totals as saved: the accounts' usage and reservations, and
    // what accounts disabled before the snapshot still held (docs/snapshots.md).
    for (std::size_t i = 0; i < 2; ++i) {
      srv.used[i].add(i == 0 ? snap.used.mem : snap.used.store);
      srv.reserved[i].add(i == 0 ? snap.reserved.mem : snap.reserved.store);
    }
    srv.api_total.add(snap.api_total);
    srv.api_errors.add(snap.api_errors);
    restore_report rep;
    rep.accounts = snap.accounts.size();
    for (const auto& a : snap.accounts) {
      rep.streams += a.streams.size();
      rep.peers += a.peers.size();
    }
    const jetstream_config c = e.config();
    rep.server_config_differs =
        c.max_memory != snap.server.max_memory || c.max_store != snap.server.max_store || c.domain != snap.server.domain;
    return rep;
  }

  /// Undoes apply_account for `st`: the account leaves the registry, its
  /// streams are marked deleted (no handle was given out). The server totals
  /// were not touched yet. Caller holds the registry mutex.
  template <limit_checker L, tier_selector S, counter_policy P, charging_policy C, class State>
  static void discard(basic_engine<L, S, P, C>& e, State& st) noexcept {
    {
      std::lock_guard alk(st.mu);
      st.removed.store(true);
      for (auto& [_, r] : st.streams) r->deleted.store(true, std::memory_order_release);
    }
    if (!st.expired) e.add_positive(st.positive_limits, -1);
    e.accounts_.erase(e.accounts_.find(st.name));
  }
};

}  // namespace detail

/// The engine's accounting state as a version-1 usage snapshot (docs/snapshots.md#format).
template <limit_checker L, tier_selector S, counter_policy P, charging_policy C>
nlohmann::json usage_snapshot(const basic_engine<L, S, P, C>& eng) {
  return detail::snapshot_access::snapshot(eng);
}

/// usage_snapshot as JSON text (`indent` as nlohmann's dump: -1 compact).
/// A name that is not valid UTF-8 (only a peer can send such a tier name)
/// has its invalid bytes replaced by U+FFFD (docs/snapshots.md#what-is-not-saved).
template <limit_checker L, tier_selector S, counter_policy P, charging_policy C>
std::string usage_snapshot_text(const basic_engine<L, S, P, C>& eng, int indent = -1) {
  return usage_snapshot(eng).dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// Restores a usage snapshot into `fresh`, an engine without accounts, usage,
/// reservations or API counts, of the snapshot's semantics and deployment
/// (docs/snapshots.md#restore-rules). The whole text is validated before
/// anything is applied; on any error the engine is unchanged.
template <limit_checker L, tier_selector S, counter_policy P, charging_policy C>
result<restore_report> restore_usage_snapshot(basic_engine<L, S, P, C>& fresh, std::string_view json_text) {
#if defined(__cpp_exceptions)
  try {
    return detail::snapshot_access::restore(fresh, json_text);
  } catch (const std::bad_alloc&) {
    return api_error::plain("usage snapshot: restore failed (out of memory): nothing was restored");
  }
#else
  return detail::snapshot_access::restore(fresh, json_text);
#endif
}

}  // namespace jsacct
