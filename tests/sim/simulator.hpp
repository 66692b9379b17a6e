// SPDX-License-Identifier: Apache-2.0
// A deterministic cluster usage simulator on a virtual clock (tests/sim/README.md):
// 3-5 jsacct engines exchange `$JSC.ARU` updates over a simulated network with
// loss, duplication, delay, partitions, crashes and restarts, driven by a
// scenario file, and every step checks the engines' invariants against a model
// of each node's disk.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <jsacct/engine/reconcile.hpp>
#include <jsacct/jsacct.hpp>
#include <jsacct/wire/cluster_usage.hpp>
#include <jsacct/wire/peer_expiry.hpp>

namespace jsacct_sim {

/// Virtual time in milliseconds since the scenario started.
using ms = std::int64_t;

/// A malformed scenario: the message is "file:line: what 'token'".
class scenario_error : public std::runtime_error {
 public:
  scenario_error(const std::string& file, int line, const std::string& what)
      : std::runtime_error(file + ":" + std::to_string(line) + ": " + what), line_(line) {}
  int line() const noexcept { return line_; }

 private:
  int line_;
};

// ------------------------------------------------------------------ values

namespace detail {

/// digits[.digits] as an exact (mantissa, decimal places); nullopt when malformed.
struct decimal {
  jsacct::int128 mantissa = 0;
  int places = 0;
};
inline std::optional<decimal> parse_decimal(std::string_view s) {
  decimal d;
  bool dot = false, digit = false;
  int digits = 0;
  for (char c : s) {
    if (c == '.') {
      if (dot) return std::nullopt;
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (++digits > 30) return std::nullopt;  // int128 holds 38 digits: room for the unit factor
    digit = true;
    d.mantissa = d.mantissa * 10 + (c - '0');
    if (dot) ++d.places;
  }
  if (!digit) return std::nullopt;
  return d;
}

inline jsacct::int128 pow10(int n) {
  jsacct::int128 p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

}  // namespace detail

/// "1GiB", "57.66GiB", "-512MiB", "+3KiB", "1000", "12B": bytes (binary units,
/// a decimal fraction of a unit rounded down to whole bytes). nullopt when malformed.
inline std::optional<std::int64_t> parse_size(std::string_view tok) {
  bool neg = false;
  if (!tok.empty() && (tok[0] == '-' || tok[0] == '+')) {
    neg = tok[0] == '-';
    tok.remove_prefix(1);
  }
  std::size_t n = 0;
  while (n < tok.size() && ((tok[n] >= '0' && tok[n] <= '9') || tok[n] == '.')) ++n;
  const std::string_view num = tok.substr(0, n), unit = tok.substr(n);
  static constexpr std::pair<std::string_view, std::int64_t> units[] = {
      {"", 1}, {"B", 1}, {"KiB", 1LL << 10}, {"MiB", 1LL << 20}, {"GiB", 1LL << 30}, {"TiB", 1LL << 40}};
  const auto* u = std::find_if(std::begin(units), std::end(units), [&](const auto& e) { return e.first == unit; });
  if (u == std::end(units)) return std::nullopt;
  const auto d = detail::parse_decimal(num);
  if (!d) return std::nullopt;
  const jsacct::int128 scaled = d->mantissa * u->second;
  const jsacct::int128 div = detail::pow10(d->places);
  if (u->second == 1 && scaled % div != 0) return std::nullopt;  // no fractions of a byte
  const jsacct::int128 v = scaled / div;
  if (v > std::numeric_limits<std::int64_t>::max()) return std::nullopt;
  return neg ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
}

/// "1500ms", "1.5s", "0s": milliseconds (a whole number of them). nullopt when malformed.
inline std::optional<ms> parse_time(std::string_view tok) {
  std::int64_t factor = 0;
  if (tok.ends_with("ms")) {
    factor = 1;
    tok.remove_suffix(2);
  } else if (tok.ends_with("s")) {
    factor = 1000;
    tok.remove_suffix(1);
  } else {
    return std::nullopt;
  }
  const auto d = detail::parse_decimal(tok);
  if (!d) return std::nullopt;
  const jsacct::int128 scaled = d->mantissa * factor, div = detail::pow10(d->places);
  if (scaled % div != 0 || scaled / div > (jsacct::int128{1} << 50)) return std::nullopt;
  return static_cast<ms>(scaled / div);
}

/// "0.2", "1", "20%": a probability in parts per million. nullopt when malformed or above 1.
inline std::optional<std::uint32_t> parse_ppm(std::string_view tok) {
  jsacct::int128 scale = 1'000'000;
  if (tok.ends_with("%")) {
    tok.remove_suffix(1);
    scale = 10'000;
  }
  const auto d = detail::parse_decimal(tok);
  if (!d) return std::nullopt;
  const jsacct::int128 scaled = d->mantissa * scale, div = detail::pow10(d->places);
  if (scaled % div != 0 || scaled / div > 1'000'000) return std::nullopt;
  return static_cast<std::uint32_t>(scaled / div);
}

/// 15574 -> "15.574s".
inline std::string format_ms(ms t) {
  std::string sign = t < 0 ? "-" : "";
  const std::int64_t a = t < 0 ? -t : t;
  std::string frac = std::to_string(a % 1000);
  frac.insert(0, 3 - frac.size(), '0');
  return sign + std::to_string(a / 1000) + "." + frac + "s";
}

/// 61911953571 -> "57.66GiB (61911953571)" (rounded to hundredths); small values as plain bytes.
inline std::string format_bytes(std::int64_t b) {
  const std::int64_t a = b < 0 ? -b : b;
  if (a < 1024) return std::to_string(b) + "B";
  static constexpr std::pair<std::int64_t, std::string_view> units[] = {
      {1LL << 40, "TiB"}, {1LL << 30, "GiB"}, {1LL << 20, "MiB"}, {1LL << 10, "KiB"}};
  for (const auto& [size, name] : units) {
    if (a < size) continue;
    const std::int64_t hundredths = static_cast<std::int64_t>((static_cast<jsacct::int128>(a) * 100 + size / 2) / size);
    std::string frac = std::to_string(hundredths % 100);
    frac.insert(0, 2 - frac.size(), '0');
    return std::string(b < 0 ? "-" : "") + std::to_string(hundredths / 100) + "." + frac + std::string(name) + " (" +
           std::to_string(b) + ")";
  }
  return std::to_string(b) + "B";
}

// ------------------------------------------------------------------ scenario

struct tier_def {
  std::string name;  ///< "" for an untiered account
  jsacct::account_limits limits{};
};

struct account_def {
  std::string name;
  bool untiered = false;
  std::vector<tier_def> tiers;  ///< one entry "" when untiered
};

/// The simulated network. Probabilities in parts per million.
struct net_params {
  std::uint64_t seed = 1;
  std::uint32_t loss_ppm = 0;
  std::uint32_t dup_ppm = 0;
  ms delay_lo = 0;
  ms delay_hi = 0;
};

/// A `net` line: only the keys it names change.
struct net_change {
  std::optional<std::uint64_t> seed;
  std::optional<std::uint32_t> loss_ppm, dup_ppm;
  std::optional<std::pair<ms, ms>> delay;
  void apply(net_params& p) const {
    if (seed) p.seed = *seed;
    if (loss_ppm) p.loss_ppm = *loss_ppm;
    if (dup_ppm) p.dup_ppm = *dup_ppm;
    if (delay) std::tie(p.delay_lo, p.delay_hi) = *delay;
  }
};

enum class op : std::uint8_t { store, drift, stream, unstream, reserve, crash, restart, replace, forget, partition, heal, net };

/// One `at` line.
struct event {
  ms at = 0;
  int line = 0;
  op kind = op::store;
  std::string node;   ///< the node acting (store .. reserve, forget), crashed, restarted, or replaced
  std::string other;  ///< reserve: the peer; replace: the new node; forget: the node forgotten
  std::string account, tier, stream;
  jsacct::storage_type storage = jsacct::storage_type::file;
  std::int64_t bytes = 0;
  bool wiped = false;
  std::vector<std::vector<std::string>> groups;
  net_change net;
  /// Changes usage, membership or the network: a convergence Δ is measured from the last one.
  bool perturbs() const noexcept {
    return kind != op::stream && kind != op::unstream && kind != op::reserve && kind != op::forget;
  }
};

enum class check_kind : std::uint8_t { total, truth, publish, repairs };

struct check {
  ms at = 0;
  int line = 0;
  check_kind kind = check_kind::total;
  std::string node, account, tier;
  jsacct::storage_type storage = jsacct::storage_type::file;
  std::int64_t bytes = 0;
  bool accepted = false;
  std::vector<std::pair<std::string, std::uint64_t>> repairs;
};

struct converge_spec {
  ms at = 0;
  int line = 0;
  std::int64_t bound = 0;
  std::optional<ms> within;  ///< the largest Δ the scenario's own rule allows
};

/// An (account, tier, storage) whose usage the scenario follows.
struct usage_key {
  std::string account, tier;
  jsacct::storage_type storage = jsacct::storage_type::file;
  friend auto operator<=>(const usage_key&, const usage_key&) = default;
};

struct scenario {
  std::string file;
  std::vector<std::string> nodes;
  std::vector<account_def> accounts;
  jsacct::peer_expiry_options expiry{};
  bool sequence = false;
  std::uint32_t reconcile_every = 0;
  ms tick = 1500;
  net_params net{};
  std::vector<event> events;  ///< sorted by time, file order kept within a time
  std::vector<check> checks;
  std::vector<converge_spec> converges;
  ms end = -1;
  int end_line = 0;
  std::set<usage_key> keys;

  const account_def* find_account(std::string_view name) const {
    for (const auto& a : accounts)
      if (a.name == name) return &a;
    return nullptr;
  }
};

/// The replica count of a stream in `tier` ("R3" -> 3; untiered "" -> 1).
inline std::int64_t replicas_of(std::string_view tier) {
  if (tier.size() == 2 && tier[0] == 'R' && tier[1] >= '1' && tier[1] <= '5') return tier[1] - '0';
  return 1;
}

namespace detail {

inline std::vector<std::string_view> tokens_of(std::string_view line) {
  if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

class parser {
 public:
  parser(std::string_view text, std::string file) : text_(text) { sc_.file = std::move(file); }

  scenario run() {
    std::size_t pos = 0;
    while (pos <= text_.size()) {
      const std::size_t nl = text_.find('\n', pos);
      const std::string_view raw = text_.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      ++line_;
      toks_ = tokens_of(raw);
      if (!toks_.empty()) statement();
      if (nl == std::string_view::npos) break;
      pos = nl + 1;
    }
    line_ = 0;
    if (sc_.nodes.empty()) fail("no `nodes` line", "");
    if (sc_.accounts.empty()) fail("no `account` line", "");
    if (sc_.end < 0) fail("no `end` line", "");
    auto after_end = [&](ms at, int line) {
      if (at > sc_.end) throw scenario_error(sc_.file, line, "after `end " + format_ms(sc_.end) + "`");
    };
    for (const auto& e : sc_.events) after_end(e.at, e.line);
    for (const auto& c : sc_.checks) after_end(c.at, c.line);
    for (const auto& c : sc_.converges) after_end(c.at, c.line);
    std::stable_sort(sc_.events.begin(), sc_.events.end(), [](const event& a, const event& b) { return a.at < b.at; });
    std::stable_sort(sc_.checks.begin(), sc_.checks.end(), [](const check& a, const check& b) { return a.at < b.at; });
    std::stable_sort(sc_.converges.begin(), sc_.converges.end(),
                     [](const converge_spec& a, const converge_spec& b) { return a.at < b.at; });
    return std::move(sc_);
  }

 private:
  [[noreturn]] void fail(const std::string& what, std::string_view tok) const {
    throw scenario_error(sc_.file, line_, tok.empty() ? what : what + " '" + std::string(tok) + "'");
  }
  /// The line has exactly `n` words; else the first extra word, or the last one, is the offending token.
  void arity(std::size_t n) const {
    if (toks_.size() > n)
      fail("unexpected word in `" + std::string(toks_[0]) + "` line (" + std::to_string(n) + " words)", toks_[n]);
    at_least(n);
  }
  void at_least(std::size_t n) const {
    if (toks_.size() < n)
      fail("missing words in `" + std::string(toks_[0]) + "` line (" + std::to_string(n) + " needed) after", toks_.back());
  }
  ms time(std::string_view t) const {
    const auto v = parse_time(t);
    if (!v) fail("bad time", t);
    return *v;
  }
  std::int64_t size(std::string_view t) const {
    const auto v = parse_size(t);
    if (!v) fail("bad size", t);
    return *v;
  }
  std::uint32_t count(std::string_view t) const {
    std::uint64_t v = 0;
    if (t.empty() || t.size() > 9) fail("bad number", t);
    for (char c : t) {
      if (c < '0' || c > '9') fail("bad number", t);
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return static_cast<std::uint32_t>(v);
  }
  jsacct::storage_type storage(std::string_view t) const {
    if (t == "file") return jsacct::storage_type::file;
    if (t == "mem" || t == "memory") return jsacct::storage_type::memory;
    fail("bad storage (file or mem)", t);
  }
  bool keyword(std::string_view t) const {
    static constexpr std::string_view words[] = {"crash", "restart", "replace", "forget", "partition", "heal", "net", "|"};
    return std::find(std::begin(words), std::end(words), t) != std::end(words);
  }
  const std::string& node(std::string_view t) const {
    for (const auto& n : known_nodes_)
      if (n == t) return n;
    fail("unknown node", t);
  }
  const account_def& account(std::string_view t) const {
    if (const auto* a = sc_.find_account(t)) return *a;
    fail("unknown account", t);
  }
  std::string tier(const account_def& a, std::string_view t) const {
    const std::string name = (t == "-" || t == "\"\"") ? std::string() : std::string(t);
    for (const auto& td : a.tiers)
      if (td.name == name) return name;
    fail("tier not configured for account " + a.name + " (`-` is the untiered tier)", t);
  }
  void no_scenario_line_after_end(std::string_view cmd) const {
    if (sc_.end >= 0) fail("nothing may follow `end`", cmd);
  }

  void statement() {
    const std::string_view cmd = toks_[0];
    no_scenario_line_after_end(cmd);
    if (cmd == "nodes") return nodes();
    if (cmd == "account") return account_line();
    if (cmd == "expiry") {
      arity(2);
      sc_.expiry.expire_after_sweeps = count(toks_[1]);
      return;
    }
    if (cmd == "stale") return stale();
    if (cmd == "sequence") {
      arity(2);
      if (toks_[1] != "on" && toks_[1] != "off") fail("expected on or off", toks_[1]);
      sc_.sequence = toks_[1] == "on";
      return;
    }
    if (cmd == "reconcile") {
      arity(2);
      sc_.reconcile_every = count(toks_[1]);
      return;
    }
    if (cmd == "tick") {
      arity(2);
      sc_.tick = time(toks_[1]);
      if (sc_.tick <= 0) fail("tick must be positive", toks_[1]);
      return;
    }
    if (cmd == "net") {
      net(1).apply(sc_.net);
      return;
    }
    if (cmd == "at") return at();
    if (cmd == "check") return check_line();
    if (cmd == "converge") return converge();
    if (cmd == "end") {
      arity(2);
      sc_.end = time(toks_[1]);
      sc_.end_line = line_;
      return;
    }
    fail("unknown command", cmd);
  }

  void nodes() {
    at_least(2);
    if (!sc_.nodes.empty()) fail("second `nodes` line", toks_[0]);
    for (std::size_t i = 1; i < toks_.size(); ++i) {
      const std::string_view n = toks_[i];
      if (keyword(n) || n.find('.') != std::string_view::npos) fail("bad node name", n);
      if (std::find(known_nodes_.begin(), known_nodes_.end(), n) != known_nodes_.end()) fail("duplicate node", n);
      known_nodes_.emplace_back(n);
      sc_.nodes.emplace_back(n);
    }
    if (sc_.nodes.size() < 2 || sc_.nodes.size() > 16) fail("between 2 and 16 nodes", toks_[1]);
  }

  void account_line() {
    at_least(2);
    account_def a;
    a.name = std::string(toks_[1]);
    if (sc_.find_account(a.name) || !jsacct::check_account_name(a.name)) fail("bad or duplicate account name", toks_[1]);
    for (std::size_t i = 2; i < toks_.size(); ++i) {
      const std::string_view spec = toks_[i];
      const auto colon = spec.find(':');
      tier_def t;
      const std::string_view name = spec.substr(0, colon);
      if (name == "-" || name == "\"\"") {
        a.untiered = true;
      } else if (name.size() == 2 && name[0] == 'R' && name[1] >= '1' && name[1] <= '5') {
        t.name = std::string(name);
      } else {
        fail("bad tier (R1..R5, or - for untiered)", name);
      }
      if (colon != std::string_view::npos) limits(spec.substr(colon + 1), t.limits);
      for (const auto& other : a.tiers)
        if (other.name == t.name) fail("duplicate tier", name);
      a.tiers.push_back(std::move(t));
    }
    if (a.tiers.empty()) {
      a.untiered = true;
      a.tiers.push_back(tier_def{});
    }
    if (a.untiered && a.tiers.size() != 1) fail("an untiered account has one tier", toks_[1]);
    sc_.accounts.push_back(std::move(a));
  }

  void limits(std::string_view list, jsacct::account_limits& l) const {
    while (!list.empty()) {
      const auto comma = list.find(',');
      const std::string_view kv = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      const auto eq = kv.find('=');
      if (eq == std::string_view::npos) fail("bad limit (key=value)", kv);
      const std::string_view k = kv.substr(0, eq), v = kv.substr(eq + 1);
      if (k == "store")
        l.max_store = size(v);
      else if (k == "mem")
        l.max_memory = size(v);
      else if (k == "streams")
        l.max_streams = count(v);
      else if (k == "consumers")
        l.max_consumers = count(v);
      else
        fail("unknown limit (store, mem, streams, consumers)", k);
    }
  }

  void stale() {
    at_least(2);
    if (toks_.size() > 3) fail("`stale` takes a sweep count and a policy", toks_[3]);
    sc_.expiry.stale_after_sweeps = count(toks_[1]);
    if (toks_.size() == 3) {
      const std::string_view p = toks_[2];
      if (p == "optimistic")
        sc_.expiry.stale = jsacct::stale_usage_policy::optimistic;
      else if (p == "pessimistic")
        sc_.expiry.stale = jsacct::stale_usage_policy::pessimistic;
      else if (p == "exclude")
        sc_.expiry.stale = jsacct::stale_usage_policy::exclude;
      else
        fail("unknown stale policy (optimistic, pessimistic, exclude)", p);
    }
  }

  /// `net` keys from token `first` on.
  net_change net(std::size_t first) const {
    net_change c;
    if (toks_.size() <= first) fail("`net` needs key=value settings after", toks_.back());
    for (std::size_t i = first; i < toks_.size(); ++i) {
      const std::string_view kv = toks_[i];
      const auto eq = kv.find('=');
      if (eq == std::string_view::npos) fail("bad net setting (key=value)", kv);
      const std::string_view k = kv.substr(0, eq), v = kv.substr(eq + 1);
      if (k == "seed") {
        c.seed = count(v);
      } else if (k == "loss" || k == "dup") {
        const auto p = parse_ppm(v);
        if (!p) fail("bad probability", v);
        (k == "loss" ? c.loss_ppm : c.dup_ppm) = *p;
      } else if (k == "delay") {
        const auto dots = v.find("..");
        const ms lo = time(v.substr(0, dots));
        const ms hi = dots == std::string_view::npos ? lo : time(v.substr(dots + 2));
        if (hi < lo) fail("delay range upside down", v);
        c.delay = {lo, hi};
      } else {
        fail("unknown net setting (seed, loss, dup, delay)", k);
      }
    }
    return c;
  }

  void key(const std::string& acct, const std::string& t, jsacct::storage_type s) { sc_.keys.insert(usage_key{acct, t, s}); }

  void at() {
    at_least(3);
    event e;
    e.line = line_;
    e.at = time(toks_[1]);
    const std::string_view w = toks_[2];
    if (w == "crash" || w == "restart") {
      if (toks_.size() == 5 && w == "restart" && toks_[4] == "wiped") {
        e.wiped = true;
      } else {
        arity(4);
      }
      e.kind = w == "crash" ? op::crash : op::restart;
      e.node = node(toks_[3]);
    } else if (w == "replace") {
      arity(5);
      e.kind = op::replace;
      e.node = node(toks_[3]);
      const std::string_view n = toks_[4];
      if (keyword(n) || n.find('.') != std::string_view::npos) fail("bad node name", n);
      if (std::find(known_nodes_.begin(), known_nodes_.end(), n) != known_nodes_.end()) fail("node exists already", n);
      known_nodes_.emplace_back(n);
      e.other = std::string(n);
    } else if (w == "forget") {
      arity(5);
      e.kind = op::forget;
      e.node = node(toks_[3]);
      e.other = node(toks_[4]);
    } else if (w == "partition") {
      at_least(4);
      e.kind = op::partition;
      e.groups.emplace_back();
      std::set<std::string> seen;
      for (std::size_t i = 3; i < toks_.size(); ++i) {
        if (toks_[i] == "|") {
          if (e.groups.back().empty()) fail("empty partition group", toks_[i]);
          e.groups.emplace_back();
          continue;
        }
        const std::string& n = node(toks_[i]);
        if (!seen.insert(n).second) fail("node in two groups", toks_[i]);
        e.groups.back().push_back(n);
      }
      if (e.groups.back().empty() || e.groups.size() < 2) fail("a partition needs two groups separated by |", toks_.back());
    } else if (w == "heal") {
      arity(3);
      e.kind = op::heal;
    } else if (w == "net") {
      e.kind = op::net;
      e.net = net(3);
    } else {
      e.node = node(w);
      at_least(4);
      node_action(e);
    }
    sc_.events.push_back(std::move(e));
  }

  void node_action(event& e) {
    const std::string_view a = toks_[3];
    if (a == "store" || a == "drift") {
      arity(8);
      e.kind = a == "store" ? op::store : op::drift;
      const auto& acct = account(toks_[4]);
      e.account = acct.name;
      e.tier = tier(acct, toks_[5]);
      e.storage = storage(toks_[6]);
      e.bytes = size(toks_[7]);
    } else if (a == "stream") {
      arity(9);
      e.kind = op::stream;
      const auto& acct = account(toks_[4]);
      e.account = acct.name;
      e.stream = std::string(toks_[5]);
      if (!jsacct::check_stream_name(e.stream)) fail("bad stream name", toks_[5]);
      e.tier = tier(acct, toks_[6]);
      e.storage = storage(toks_[7]);
      e.bytes = size(toks_[8]);
      if (e.bytes <= 0) fail("a stream reserves max_bytes > 0", toks_[8]);
    } else if (a == "unstream") {
      arity(6);
      e.kind = op::unstream;
      e.account = account(toks_[4]).name;
      e.stream = std::string(toks_[5]);
    } else if (a == "reserve") {
      arity(9);
      e.kind = op::reserve;
      e.other = node(toks_[4]);
      const auto& acct = account(toks_[5]);
      e.account = acct.name;
      e.tier = tier(acct, toks_[6]);
      e.storage = storage(toks_[7]);
      e.bytes = size(toks_[8]);
      if (e.bytes < 0) fail("a reservation is not negative", toks_[8]);
    } else {
      fail("unknown node action (store, drift, stream, unstream, reserve)", a);
    }
    if (e.kind != op::unstream) key(e.account, e.tier, e.storage);
  }

  void check_line() {
    at_least(5);
    check c;
    c.line = line_;
    c.at = time(toks_[1]);
    c.node = node(toks_[2]);
    const auto& acct = account(toks_[3]);
    c.account = acct.name;
    if (toks_[4] == "repairs") {
      c.kind = check_kind::repairs;
      if (toks_.size() < 6) fail("`repairs` needs name=value counters after", toks_[4]);
      for (std::size_t i = 5; i < toks_.size(); ++i) {
        const std::string_view kv = toks_[i];
        const auto eq = kv.find('=');
        const std::string_view k = kv.substr(0, eq);
        if (eq == std::string_view::npos || (k != "raised" && k != "lowered" && k != "underflows" && k != "clamped"))
          fail("bad repair counter (raised, lowered, underflows, clamped)=N", kv);
        c.repairs.emplace_back(std::string(k), count(kv.substr(eq + 1)));
      }
      sc_.checks.push_back(std::move(c));
      return;
    }
    at_least(7);
    c.tier = tier(acct, toks_[4]);
    c.storage = storage(toks_[5]);
    const std::string_view what = toks_[6];
    if (what == "total") {
      arity(8);
      c.kind = check_kind::total;
      c.bytes = size(toks_[7]);
    } else if (what == "truth") {
      arity(7);
      c.kind = check_kind::truth;
    } else if (what == "publish") {
      arity(9);
      c.kind = check_kind::publish;
      c.bytes = size(toks_[7]);
      if (c.bytes < 0) fail("a message size is not negative", toks_[7]);
      if (toks_[8] != "accepted" && toks_[8] != "refused") fail("expected accepted or refused", toks_[8]);
      c.accepted = toks_[8] == "accepted";
    } else {
      fail("unknown check (total, truth, publish, repairs)", what);
    }
    key(c.account, c.tier, c.storage);
    sc_.checks.push_back(std::move(c));
  }

  /// converge T [bound B] [within D]
  void converge() {
    at_least(2);
    converge_spec c;
    c.line = line_;
    c.at = time(toks_[1]);
    for (std::size_t i = 2; i < toks_.size(); i += 2) {
      if (i + 1 >= toks_.size()) fail("expected `bound B` or `within D`", toks_[i]);
      if (toks_[i] == "bound") {
        c.bound = size(toks_[i + 1]);
        if (c.bound < 0) fail("a bound is not negative", toks_[i + 1]);
      } else if (toks_[i] == "within") {
        c.within = time(toks_[i + 1]);
      } else {
        fail("expected `bound B` or `within D`", toks_[i]);
      }
    }
    sc_.converges.push_back(c);
  }

  std::string_view text_;
  scenario sc_;
  int line_ = 0;
  std::vector<std::string_view> toks_;
  std::vector<std::string> known_nodes_;
};

}  // namespace detail

/// Parses a scenario (README.md); throws scenario_error naming `file`:line and the token.
inline scenario parse_scenario(std::string_view text, std::string file) { return detail::parser(text, std::move(file)).run(); }

// ------------------------------------------------------------------ results

struct converge_result {
  int line = 0;
  ms at = 0;
  std::int64_t bound = 0;
  bool ok = false;
  ms t0 = 0;               ///< since when every view stayed within the bound
  ms delta = 0;            ///< t0 minus the last perturbing event at or before t0
  std::int64_t error = 0;  ///< the largest |view - truth| at `at`
};

struct failure {
  int line = 0;
  std::string text;  ///< "file:line: ..."
};

struct run_result {
  std::string file;
  std::uint64_t steps = 0, threads = 0;
  std::uint64_t overlapping = 0;  ///< steps where a node applied inbound messages and its own events at once
  std::uint64_t sent = 0, lost = 0, duplicated = 0, dropped = 0, delivered = 0;
  std::uint64_t older = 0;         ///< arrivals not newer than their sender's last arrival (reordered or duplicated)
  std::uint64_t regressive = 0;    ///< of those, carrying other (older) values than their sender's newest
  std::uint64_t out_of_order = 0;  ///< of those, dropped by the sequence check (`sequence on`)
  std::uint64_t removed = 0;       ///< arrivals from a node remove_node removed recently (dropped_removed_node)
  std::uint64_t expired = 0, reconciled = 0;
  std::size_t checks = 0;
  std::int64_t max_error = 0;  ///< the largest max |view - truth| once an instant settled
  ms max_error_at = 0;
  std::int64_t error_integral = 0;  ///< ∫ Σ |view - truth| dt over up nodes and keys, in byte-seconds
  std::vector<converge_result> converges;
  std::vector<failure> failures;

  std::string summary() const {
    std::string s = file + ": " + std::to_string(steps) + " steps, " + std::to_string(sent) + " sent, " + std::to_string(lost) +
                    " lost, " + std::to_string(duplicated) + " duplicated, " + std::to_string(dropped) + " dropped, " +
                    std::to_string(delivered) + " delivered (" + std::to_string(removed) + " ignored from removed nodes), " +
                    std::to_string(older) + " older arrivals (" + std::to_string(regressive) + " with older values, " +
                    std::to_string(out_of_order) + " dropped by sequence), " + std::to_string(expired) + " expiries, " +
                    std::to_string(reconciled) + " reconcile repairs, " + std::to_string(threads) + " threads (" +
                    std::to_string(overlapping) + " steps with a node's receive and store overlapping), " +
                    std::to_string(checks) + " checks";
    for (const auto& c : converges)
      s += "; converge " + format_ms(c.at) + " bound " + std::to_string(c.bound) + ": " +
           (c.ok ? "t0=" + format_ms(c.t0) + " Δ=" + format_ms(c.delta) : "NOT converged, error " + format_bytes(c.error));
    s += "; max |view-truth| " + format_bytes(max_error) + " at " + format_ms(max_error_at) + "; ∫Σ|view-truth|dt " +
         format_bytes(error_integral) + "·s";
    return s;
  }
};

// ------------------------------------------------------------------ simulator

namespace detail {

using engine_t = jsacct::engine;
using account_t = engine_t::account;
using reservation_t = engine_t::reservation;
using publisher_t = jsacct::usage_publisher<engine_t::traits>;

struct stream_def {
  std::string tier;
  jsacct::storage_type storage = jsacct::storage_type::file;
  std::int64_t max_bytes = 0;
};

/// What survives a crash: stored bytes and the streams the meta layer places here.
struct disk_t {
  std::map<usage_key, std::int64_t> bytes;
  std::map<std::pair<std::string, std::string>, stream_def> streams;  ///< (account, stream)
  std::int64_t get(const std::string& acct, std::string_view t, jsacct::storage_type s) const {
    const auto it = bytes.find(usage_key{acct, std::string(t), s});
    return it == bytes.end() ? 0 : it->second;
  }
};

struct account_rt {
  account_t handle;
  std::unique_ptr<publisher_t> pub;
  std::uint64_t seq = 0;
  std::map<std::string, reservation_t, std::less<>> streams;
};

/// A running node: destroyed by a crash (members go before the engine).
struct runtime {
  std::unique_ptr<engine_t> eng;
  std::map<std::string, account_rt, std::less<>> accounts;
};

enum class node_state : std::uint8_t { up, down, gone };

struct node {
  std::string name;
  std::size_t index = 0;
  node_state state = node_state::down;
  disk_t disk;
  /// (peer, account, tier) -> what this node's meta layer says the peer reserves.
  std::map<std::tuple<std::string, std::string, std::string>, jsacct::mem_store> reservations;
  std::unique_ptr<runtime> rt;
  struct newest_arrival {
    std::pair<std::uint64_t, std::uint64_t> order{};  ///< (instance, sequence)
    std::string body;
  };
  /// (sender, account) -> its newest arrival here: touched by this node's receive thread only.
  std::map<std::pair<std::size_t, std::string>, newest_arrival> newest;
  std::uint64_t instance = 0;
  ms next_tick = 0;
  std::int64_t ticks = 0;
};

struct output {
  std::size_t from = 0;
  std::string account, body;
  std::uint64_t seq = 0, instance = 0;
};

struct in_flight {
  ms arrive = 0;
  std::uint64_t order = 0;
  std::size_t from = 0, to = 0;
  std::uint64_t to_instance = 0;  ///< a copy for a node that restarted meanwhile is dropped
  std::string account, body;
  std::uint64_t seq = 0, instance = 0;
  bool operator>(const in_flight& o) const noexcept { return std::tie(arrive, order) > std::tie(o.arrive, o.order); }
};

/// What a parallel task reports back (merged after the join, in node order).
struct task_out {
  std::vector<output> outputs;
  std::vector<failure> failures;
  std::uint64_t delivered = 0, older = 0, regressive = 0, out_of_order = 0, removed = 0;
};

class simulator {
 public:
  explicit simulator(const scenario& sc) : sc_(sc), net_(sc.net), rng_(sc.net.seed) { res_.file = sc.file; }

  run_result run() {
    for (const auto& n : sc_.nodes) add_node(n);
    for (auto& n : nodes_) {  // booted before the scenario: node i's usage tick falls at i x 37 ms
      const ms phase = static_cast<ms>(n->index) * 37 % sc_.tick;
      start(*n, phase - sc_.tick, nullptr);
      n->ticks = -1;
    }
    clock_.store(0);
    for (;;) {
      const ms work = next_work(), obs = next_observer();
      const ms t = std::min(work, obs);
      if (t == never || t > sc_.end) break;
      clock_.store(t, std::memory_order_relaxed);
      if (work == t) {
        step(t);
        stepped_ = true;
      }
      if (next_work() != t) {  // the instant has settled (zero-delay deliveries are steps of their own)
        if (stepped_) track_error(t);
        stepped_ = false;
        observe(t);
        if (t == sc_.end) break;
      }
      if (res_.failures.size() > 50) {
        fail(last_line_, "too many failures, stopping");
        break;
      }
    }
    for (auto& n : nodes_) n->rt.reset();
    return std::move(res_);
  }

 private:
  static constexpr ms never = std::numeric_limits<ms>::max();

  // ---------------------------------------------------------------- plumbing

  void fail(int line, const std::string& what) {
    res_.failures.push_back({line, sc_.file + ":" + std::to_string(line) + ": " + what});
  }
  static void fail_into(std::vector<failure>& into, const std::string& file, int line, const std::string& what) {
    into.push_back({line, file + ":" + std::to_string(line) + ": " + what});
  }

  node& add_node(const std::string& name) {
    auto n = std::make_unique<node>();
    n->name = name;
    n->index = nodes_.size();
    nodes_.push_back(std::move(n));
    return *nodes_.back();
  }
  node* find(std::string_view name) const {
    for (const auto& n : nodes_)
      if (n->name == name) return n.get();
    return nullptr;
  }
  bool up(const node& n) const noexcept { return n.state == node_state::up && n.rt; }

  std::size_t group_of(std::string_view name) const {
    const auto it = partition_.find(std::string(name));
    return it == partition_.end() ? 0 : it->second;
  }
  bool partitioned(std::size_t a, std::size_t b) const {
    return !partition_.empty() && group_of(nodes_[a]->name) != group_of(nodes_[b]->name);
  }

  std::uint64_t draw(std::uint64_t n) { return rng_() % n; }  // our own mapping: identical on every library

  ms next_work() const {
    ms t = never;
    if (ev_ < sc_.events.size()) t = std::min(t, sc_.events[ev_].at);
    if (!net_queue_.empty()) t = std::min(t, net_queue_.top().arrive);
    for (const auto& n : nodes_)
      if (up(*n)) t = std::min(t, n->next_tick);
    return t;
  }
  ms next_observer() const {
    ms t = sc_.end;
    if (ck_ < sc_.checks.size()) t = std::min(t, sc_.checks[ck_].at);
    if (cv_ < sc_.converges.size()) t = std::min(t, sc_.converges[cv_].at);
    return t;
  }

  // ---------------------------------------------------------------- node lifecycle

  /// Builds `n`'s engine from its disk, with its publishers' clocks reading
  /// `construct_at` (their first tick is one tick later). `out` gets the
  /// update a recovering node sends (nats-server: recovered usage triggers one).
  void start(node& n, ms construct_at, std::vector<output>* out) {
    const ms now = clock_.load();
    clock_.store(construct_at);
    auto rt = std::make_unique<runtime>();
    jsacct::jetstream_config cfg;
    cfg.max_memory = 1LL << 50;
    cfg.max_store = 1LL << 50;
    rt->eng = std::make_unique<engine_t>(cfg, jsacct::engine_options{.mode = jsacct::deployment::clustered});
    const disk_t* disk = &n.disk;  // the recompute hook reads the disk; runs only in the sequential phase
    rt->eng->set_usage_recompute(
        [disk](const std::string& a, std::string_view t, jsacct::storage_type s) { return disk->get(a, t, s); });
    const jsacct::usage_clock clk = [this] {
      return std::chrono::steady_clock::time_point(std::chrono::milliseconds(clock_.load(std::memory_order_relaxed)));
    };
    for (const auto& a : sc_.accounts) {
      jsacct::limits_map lm;
      for (const auto& t : a.tiers) lm.emplace(t.name, t.limits);
      auto h = rt->eng->enable_account(a.name, lm);
      if (!h) {
        fail(last_line_, n.name + ": enable_account " + a.name + ": " + h.error().text());
        continue;
      }
      account_rt& ar = rt->accounts[a.name];
      ar.handle = *h;
    }
    for (const auto& [key, def] : n.disk.streams) {  // re-created as a recovering server does: no limit checks
      auto* ar = find_account(*rt, key.first);
      if (ar == nullptr) continue;
      auto r = ar->handle.create_stream(stream_config_of(key.second, def), {.raw_precheck = false, .check_limits = false});
      if (!r) {
        fail(last_line_, n.name + ": recovering stream " + key.second + ": " + r.error().text());
        continue;
      }
      ar->streams.emplace(key.second, std::move(*r));
    }
    for (const auto& [key, bytes] : n.disk.bytes) {
      auto* ar = find_account(*rt, key.account);
      if (ar != nullptr && bytes != 0) ar->handle.update_usage(ar->handle.tier(key.tier), key.storage, bytes);
    }
    for (const auto& [key, res] : n.reservations) {
      auto* ar = find_account(*rt, std::get<1>(key));
      if (ar != nullptr) jsacct::set_remote_reservation(ar->handle, std::get<0>(key), std::get<2>(key), res.mem, res.store);
    }
    for (auto& [name, ar] : rt->accounts)
      ar.pub = std::make_unique<publisher_t>(ar.handle, n.name, clk,
                                             jsacct::usage_publisher_options{.tick = std::chrono::milliseconds(sc_.tick)});
    n.rt = std::move(rt);
    n.newest.clear();  // a new engine knows no sender's order
    n.state = node_state::up;
    ++n.instance;
    n.next_tick = construct_at + sc_.tick;
    n.ticks = 0;
    clock_.store(now);
    if (out != nullptr)
      for (auto& [name, ar] : n.rt->accounts) trigger(n, name, ar, *out);
  }

  static account_rt* find_account(runtime& rt, std::string_view name) {
    const auto it = rt.accounts.find(name);
    return it == rt.accounts.end() ? nullptr : &it->second;
  }

  static jsacct::stream_config stream_config_of(const std::string& name, const stream_def& d) {
    jsacct::stream_config c;
    c.name = name;
    c.storage = d.storage;
    c.max_bytes = d.max_bytes;
    c.replicas = replicas_of(d.tier);
    return c;
  }

  static void trigger(const node& n, const std::string& acct, account_rt& ar, std::vector<output>& out) {
    std::string buf;
    if (!ar.pub->trigger(buf)) return;
    out.push_back(output{n.index, acct, std::move(buf), ++ar.seq, n.instance});
  }

  // ---------------------------------------------------------------- one step

  void step(ms t) {
    ++res_.steps;
    std::vector<output> outputs;
    std::vector<const event*> local;  // store and drift: applied in the parallel phase
    for (; ev_ < sc_.events.size() && sc_.events[ev_].at == t; ++ev_) {
      const event& e = sc_.events[ev_];
      last_line_ = e.line;
      if (e.perturbs()) last_perturbation_ = t;
      if (e.kind == op::store || e.kind == op::drift)
        local.push_back(&e);
      else
        control(e, t, outputs);
    }
    parallel_phase(t, local, outputs);
    for (auto& n : nodes_)
      if (up(*n) && n->next_tick <= t) node_tick(*n, t, outputs);
    for (const auto& o : outputs) send(o, t);
    for (auto& n : nodes_)
      if (up(*n)) n->rt->eng->run_pending_repairs();
    invariants(t);
  }

  void control(const event& e, ms t, std::vector<output>& outputs) {
    node* n = e.node.empty() ? nullptr : find(e.node);
    auto need_up = [&](node* x) {
      if (x != nullptr && up(*x)) return true;
      fail(e.line, (x ? x->name : e.node) + " is not up");
      return false;
    };
    switch (e.kind) {
      case op::crash:
        if (!need_up(n)) return;
        n->rt.reset();
        n->state = node_state::down;
        return;
      case op::restart:
        if (n == nullptr || n->state != node_state::down) return fail(e.line, e.node + " is not down");
        if (e.wiped)
          for (auto& [key, bytes] : n->disk.bytes) bytes = 0;
        start(*n, t, &outputs);
        return;
      case op::replace: {
        if (n == nullptr || n->state == node_state::gone) return fail(e.line, e.node + " cannot be replaced");
        n->rt.reset();
        n->state = node_state::gone;
        node& m = add_node(e.other);
        n = find(e.node);  // add_node may have moved the vector's elements (not the nodes)
        m.disk = n->disk;
        m.reservations = n->reservations;
        start(m, t, &outputs);
        return;
      }
      case op::forget: {
        if (!need_up(n)) return;
        for (auto& [name, ar] : n->rt->accounts) jsacct::remove_node(ar.handle, e.other);
        std::erase_if(n->reservations, [&](const auto& kv) { return std::get<0>(kv.first) == e.other; });
        return;
      }
      case op::partition:
        partition_.clear();
        for (std::size_t g = 0; g < e.groups.size(); ++g)
          for (const auto& name : e.groups[g]) partition_[name] = g + 1;
        return;
      case op::heal:
        partition_.clear();
        return;
      case op::net:
        e.net.apply(net_);
        if (e.net.seed) rng_.seed(*e.net.seed);
        return;
      case op::stream: {
        if (!need_up(n)) return;
        auto* ar = find_account(*n->rt, e.account);
        const stream_def d{e.tier, e.storage, e.bytes};
        const auto key = std::make_pair(e.account, e.stream);
        if (n->disk.streams.count(key) != 0) return fail(e.line, "stream " + e.stream + " exists on " + n->name);
        auto r = ar->handle.create_stream(stream_config_of(e.stream, d));
        if (!r) return fail(e.line, n->name + ": create_stream " + e.stream + " refused: " + r.error().text());
        ar->streams.emplace(e.stream, std::move(*r));
        n->disk.streams.emplace(key, d);
        trigger(*n, e.account, *ar, outputs);
        return;
      }
      case op::unstream: {
        if (!need_up(n)) return;
        auto* ar = find_account(*n->rt, e.account);
        const auto it = ar->streams.find(e.stream);
        if (it == ar->streams.end()) return fail(e.line, "no stream " + e.stream + " on " + n->name);
        ar->streams.erase(it);  // the reservation's destructor deletes the stream
        n->disk.streams.erase(std::make_pair(e.account, e.stream));
        trigger(*n, e.account, *ar, outputs);
        return;
      }
      case op::reserve: {
        if (n == nullptr) return;
        auto& r = n->reservations[std::make_tuple(e.other, e.account, e.tier)];
        (e.storage == jsacct::storage_type::memory ? r.mem : r.store) = e.bytes;
        if (up(*n)) jsacct::set_remote_reservation(find_account(*n->rt, e.account)->handle, e.other, e.tier, r.mem, r.store);
        return;
      }
      case op::store:
      case op::drift:
        return;
    }
  }

  /// Each node's inbound messages and its own store/drift events run on two
  /// threads, every node in parallel: they touch different counters of the
  /// same account, so the outcome does not depend on the interleaving.
  void parallel_phase(ms t, const std::vector<const event*>& local, std::vector<output>& outputs) {
    std::vector<std::vector<in_flight>> inbound(nodes_.size());
    while (!net_queue_.empty() && net_queue_.top().arrive <= t) {
      in_flight m = net_queue_.top();
      net_queue_.pop();
      const node& to = *nodes_[m.to];
      if (!up(to) || to.instance != m.to_instance || partitioned(m.from, m.to)) {
        ++res_.dropped;
        continue;
      }
      inbound[m.to].push_back(std::move(m));
    }
    std::vector<std::vector<const event*>> mine(nodes_.size());
    for (const event* e : local) {
      node* n = find(e->node);
      if (n == nullptr || !up(*n)) {
        fail(e->line, e->node + " is not up");
        continue;
      }
      mine[n->index].push_back(e);
    }
    struct task {
      std::function<void()> fn;
      task_out out;
    };
    std::vector<task> tasks;
    tasks.reserve(2 * nodes_.size());  // no reallocation: the lambdas point at their task's `out`
    std::size_t overlap = 0;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      if (!inbound[i].empty() && !mine[i].empty()) ++overlap;
      if (!inbound[i].empty()) {
        tasks.push_back({});
        task_out* o = &tasks.back().out;
        tasks.back().fn = [this, i, o, msgs = std::move(inbound[i])] { receive(*nodes_[i], msgs, *o); };
      }
      if (!mine[i].empty()) {
        tasks.push_back({});
        task_out* o = &tasks.back().out;
        tasks.back().fn = [this, i, o, evs = std::move(mine[i])] { apply_local(*nodes_[i], evs, *o); };
      }
    }
    if (overlap != 0) ++res_.overlapping;
    if (tasks.size() == 1) {
      tasks[0].fn();
    } else if (tasks.size() > 1) {
      std::vector<std::thread> threads;
      threads.reserve(tasks.size());
      for (auto& tk : tasks) threads.emplace_back([&tk] { tk.fn(); });
      for (auto& th : threads) th.join();
      res_.threads += tasks.size();
    }
    for (auto& tk : tasks) {  // merged in node order: the network draws stay deterministic
      for (auto& o : tk.out.outputs) outputs.push_back(std::move(o));
      for (auto& f : tk.out.failures) res_.failures.push_back(std::move(f));
      res_.delivered += tk.out.delivered;
      res_.older += tk.out.older;
      res_.regressive += tk.out.regressive;
      res_.out_of_order += tk.out.out_of_order;
      res_.removed += tk.out.removed;
    }
  }

  /// Thread A: the node's inbound `$JSC.ARU` messages, in arrival order.
  void receive(node& n, const std::vector<in_flight>& msgs, task_out& out) const {
    for (const auto& m : msgs) {
      auto* ar = find_account(*n.rt, m.account);
      if (ar == nullptr) continue;
      auto& newest = n.newest[{m.from, m.account}];
      if (std::pair(m.instance, m.seq) <= newest.order) {
        ++out.older;
        if (m.body != newest.body) ++out.regressive;  // applied without a sequence: the view goes back
      } else {
        newest = {{m.instance, m.seq}, m.body};
      }
      jsacct::remote_update_info info;
      if (sc_.sequence) info = jsacct::remote_update_info{.sequence = m.seq, .instance = m.instance};
      const auto r =
          jsacct::apply_usage_update(ar->handle, jsacct::usage_update_subject(m.account, nodes_[m.from]->name), m.body, info);
      ++out.delivered;
      if (r.outcome == jsacct::remote_usage_outcome::dropped_out_of_order)
        ++out.out_of_order;
      else if (r.outcome == jsacct::remote_usage_outcome::dropped_removed_node)
        ++out.removed;
      else if (!r.ok())
        fail_into(
            out.failures, sc_.file, last_line_,
            n.name + ": update from " + nodes_[m.from]->name + " not applied: " + std::string(jsacct::to_string(r.outcome)));
    }
  }

  /// Thread B: the node's own store and drift events, each followed by a (throttled) trigger.
  void apply_local(node& n, const std::vector<const event*>& evs, task_out& out) const {
    for (const event* e : evs) {
      auto* ar = find_account(*n.rt, e->account);
      if (e->kind == op::store) {
        std::int64_t& b = n.disk.bytes[usage_key{e->account, e->tier, e->storage}];
        if (b + e->bytes < 0) {
          fail_into(out.failures, sc_.file, e->line, n.name + ": the disk would hold " + format_bytes(b + e->bytes));
          continue;
        }
        b += e->bytes;
      }
      ar->handle.update_usage(ar->handle.tier(e->tier), e->storage, e->bytes);
      trigger(n, e->account, *ar, out.outputs);
    }
  }

  /// The node's usage tick: reconcile (every `reconcile` ticks), the publisher's tick, the expiry sweep.
  void node_tick(node& n, ms t, std::vector<output>& outputs) {
    ++n.ticks;
    for (auto& [name, ar] : n.rt->accounts) {
      if (sc_.reconcile_every != 0 && n.ticks > 0 && n.ticks % sc_.reconcile_every == 0) {
        const auto r = jsacct::reconcile_usage(ar.handle);
        res_.reconciled += r.raised + r.lowered + r.clamped;
      }
      std::string buf;
      const bool sent = ar.pub->tick(buf);
      if (ar.pub->next_tick() != std::chrono::steady_clock::time_point(std::chrono::milliseconds(t + sc_.tick)))
        fail(last_line_, n.name + ": the publisher's tick is out of step with the simulator's");
      if (sent) outputs.push_back(output{n.index, name, std::move(buf), ++ar.seq, n.instance});
      const auto r = jsacct::sweep_remote_usage(ar.handle, sc_.expiry);
      res_.expired += r.expired.size();
    }
    n.next_tick = t + sc_.tick;
  }

  void send(const output& o, ms t) {
    for (const auto& to : nodes_) {
      if (to->index == o.from || !up(*to)) continue;
      ++res_.sent;
      if (partitioned(o.from, to->index)) {
        ++res_.dropped;
        continue;
      }
      if (draw(1'000'000) < net_.loss_ppm) {
        ++res_.lost;
        continue;
      }
      int copies = 1;
      if (net_.dup_ppm != 0 && draw(1'000'000) < net_.dup_ppm) {
        copies = 2;
        ++res_.duplicated;
      }
      for (int c = 0; c < copies; ++c) {
        const ms span = net_.delay_hi - net_.delay_lo;
        const ms delay = net_.delay_lo + (span > 0 ? static_cast<ms>(draw(static_cast<std::uint64_t>(span) + 1)) : 0);
        net_queue_.push(in_flight{t + delay, order_++, o.from, to->index, to->instance, o.account, o.body, o.seq, o.instance});
      }
    }
  }

  // ---------------------------------------------------------------- model checks

  std::int64_t truth(const usage_key& k) const {
    std::int64_t sum = 0;
    for (const auto& n : nodes_)
      if (up(*n)) sum += n->disk.get(k.account, k.tier, k.storage);
    return sum;
  }

  /// A node's view of a tier total (local + remote), from the account info
  /// snapshot: it neither creates nor pins a tier.
  static std::int64_t view(const runtime& rt, const usage_key& k) {
    const auto it = rt.accounts.find(k.account);
    if (it == rt.accounts.end()) return 0;
    const jsacct::account_stats s = it->second.handle.usage();
    const bool mem = k.storage == jsacct::storage_type::memory;
    if (s.tiers.empty()) return static_cast<std::int64_t>(mem ? s.memory : s.store);  // untiered: the account totals
    const auto t = s.tiers.find(k.tier);
    if (t == s.tiers.end()) return 0;
    return static_cast<std::int64_t>(mem ? t->second.memory : t->second.store);
  }

  void invariants(ms t) {
    for (const auto& n : nodes_) {
      if (!up(*n)) continue;
      const auto used = n->rt->eng->used();
      if (used.mem < 0 || used.store < 0)
        fail(last_line_, "at " + format_ms(t) + " " + n->name + ": engine.used() negative (" + std::to_string(used.mem) + ", " +
                             std::to_string(used.store) + ")");
      jsacct::mem_store want{};
      std::map<std::string, std::int64_t> streams_per_account;
      for (const auto& [key, def] : n->disk.streams) {
        (def.storage == jsacct::storage_type::memory ? want.mem : want.store) += def.max_bytes;
        ++streams_per_account[key.first];
      }
      if (n->rt->eng->reserved() != want)
        fail(last_line_, "at " + format_ms(t) + " " + n->name + ": engine.reserved() is (" +
                             format_bytes(n->rt->eng->reserved().mem) + ", " + format_bytes(n->rt->eng->reserved().store) +
                             "), its streams' max_bytes sum to (" + format_bytes(want.mem) + ", " + format_bytes(want.store) +
                             ")");
      for (const auto& [name, ar] : n->rt->accounts) {
        if (ar.handle.num_streams() != streams_per_account[name])
          fail(last_line_, "at " + format_ms(t) + " " + n->name + ": account " + name + " has " +
                               std::to_string(ar.handle.num_streams()) + " streams, the model " +
                               std::to_string(streams_per_account[name]));
        // White-box (account_access is jsacct's test door): every tier's
        // local, remote and total counters, without creating a tier.
        const auto& st = *jsacct::detail::account_access::state(ar.handle);
        std::lock_guard lk(st.mu);
        for (const auto& e : st.tiers)
          for (std::size_t s = 0; s < 2; ++s)
            if (e->local[s].load() < 0 || e->remote[s].load() < 0 || e->total(s) < 0)
              fail(last_line_, "at " + format_ms(t) + " " + n->name + ": account " + name + " tier \"" + e->name + "\" " +
                                   (s == 0 ? "memory" : "file") + " usage negative: local " + std::to_string(e->local[s].load()) +
                                   ", remote " + std::to_string(e->remote[s].load()));
      }
    }
  }

  /// (max, Σ) of |view - truth| over up nodes and the scenario's keys.
  std::pair<std::int64_t, jsacct::int128> current_error() const {
    std::int64_t worst = 0;
    jsacct::int128 sum = 0;
    for (const auto& k : sc_.keys) {
      const std::int64_t want = truth(k);
      for (const auto& n : nodes_) {
        if (!up(*n)) continue;
        const std::int64_t d = view(*n->rt, k) - want;
        worst = std::max(worst, d < 0 ? -d : d);
        sum += d < 0 ? -d : d;
      }
    }
    return {worst, sum};
  }

  void track_error(ms t) {
    const auto [e, sum] = current_error();
    if (!history_.empty()) error_ms_ += last_sum_ * (t - history_.back().first);
    last_sum_ = sum;
    res_.error_integral = static_cast<std::int64_t>(error_ms_ / 1000);
    history_.emplace_back(t, e);
    if (e > res_.max_error) {
      res_.max_error = e;
      res_.max_error_at = t;
    }
    perturbations_.push_back(last_perturbation_);
  }

  void observe(ms t) {
    for (; ck_ < sc_.checks.size() && sc_.checks[ck_].at == t; ++ck_) run_check(sc_.checks[ck_]);
    for (; cv_ < sc_.converges.size() && sc_.converges[cv_].at == t; ++cv_) run_converge(sc_.converges[cv_], t);
  }

  void run_check(const check& c) {
    ++res_.checks;
    node* n = find(c.node);
    if (n == nullptr || !up(*n)) return fail(c.line, c.node + " is not up at " + format_ms(c.at));
    account_rt* ar = find_account(*n->rt, c.account);
    const usage_key k{c.account, c.tier, c.storage};
    const std::string where = c.node + " " + c.account + " " + (c.tier.empty() ? "-" : c.tier) + " " +
                              std::string(jsacct::to_json(c.storage)) + " at " + format_ms(c.at);
    switch (c.kind) {
      case check_kind::total: {
        const std::int64_t v = view(*n->rt, k);
        if (v != c.bytes)
          fail(c.line, where + ": total is " + format_bytes(v) + ", expected " + format_bytes(c.bytes) + " (truth " +
                           format_bytes(truth(k)) + ")");
        return;
      }
      case check_kind::truth: {
        const std::int64_t v = view(*n->rt, k), want = truth(k);
        if (v != want) fail(c.line, where + ": total is " + format_bytes(v) + ", the truth " + format_bytes(want));
        return;
      }
      case check_kind::publish: {
        const jsacct::errc e = ar->handle.check_publish(ar->handle.tier(c.tier), c.storage, 1,
                                                        jsacct::msg_lengths{.payload = static_cast<std::uint64_t>(c.bytes)});
        if ((e == jsacct::errc::none) != c.accepted)
          fail(c.line, where + ": a " + format_bytes(c.bytes) + " publish was " +
                           (e == jsacct::errc::none ? "accepted" : "refused (" + jsacct::api_error(e).text() + ")") +
                           ", expected " + (c.accepted ? "accepted" : "refused") + "; total " + format_bytes(view(*n->rt, k)));
        return;
      }
      case check_kind::repairs: {
        const auto rc = ar->handle.repair_counters();
        for (const auto& [name, want] : c.repairs) {
          const std::uint64_t got = name == "raised"       ? rc.raised
                                    : name == "lowered"    ? rc.lowered
                                    : name == "underflows" ? rc.underflows
                                                           : rc.clamped;
          if (got != want)
            fail(c.line, c.node + " " + c.account + " at " + format_ms(c.at) + ": repairs " + name + " = " + std::to_string(got) +
                             ", expected " + std::to_string(want));
        }
        return;
      }
    }
  }

  void run_converge(const converge_spec& c, ms t) {
    converge_result r;
    r.line = c.line;
    r.at = t;
    r.bound = c.bound;
    if (history_.empty()) {
      r.ok = true;
      res_.converges.push_back(r);
      return;
    }
    r.error = history_.back().second;
    std::size_t i = history_.size();
    while (i > 0 && history_[i - 1].second <= c.bound) --i;
    r.ok = i < history_.size();
    if (r.ok) {
      r.t0 = history_[i].first;
      r.delta = r.t0 - perturbations_[i];  // the last perturbing event at or before t0
      if (c.within && r.delta > *c.within)
        fail(c.line, "converged at " + format_ms(r.t0) + ", Δ " + format_ms(r.delta) + " after the last event, more than " +
                         format_ms(*c.within));
    } else {
      fail(c.line, "not converged at " + format_ms(t) + ": |view - truth| is " + format_bytes(r.error) + ", bound " +
                       format_bytes(c.bound));
    }
    res_.converges.push_back(r);
  }

  const scenario& sc_;
  net_params net_;
  std::mt19937_64 rng_;
  std::atomic<ms> clock_{0};
  std::vector<std::unique_ptr<node>> nodes_;
  std::map<std::string, std::size_t> partition_;
  std::priority_queue<in_flight, std::vector<in_flight>, std::greater<>> net_queue_;
  std::uint64_t order_ = 0;
  std::size_t ev_ = 0, ck_ = 0, cv_ = 0;
  int last_line_ = 0;
  ms last_perturbation_ = 0;
  bool stepped_ = false;                              ///< a step ran at the current instant
  jsacct::int128 error_ms_ = 0;                       ///< ∫ Σ |view - truth| dt, in byte-milliseconds
  jsacct::int128 last_sum_ = 0;                       ///< Σ |view - truth| at the last settled instant
  std::vector<std::pair<ms, std::int64_t>> history_;  ///< (instant, max |view - truth|) once each instant settled
  std::vector<ms> perturbations_;                     ///< the last perturbing event at or before each instant
  run_result res_;
};

}  // namespace detail

/// Runs a parsed scenario to its `end`.
inline run_result run(const scenario& sc) { return detail::simulator(sc).run(); }

}  // namespace jsacct_sim
