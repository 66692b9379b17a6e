// SPDX-License-Identifier: Apache-2.0
/// \file
/// The in-memory stream layer the CLI puts around the jsacct engine: what
/// nats-server's stream and store code own and the accounting engine does not —
/// messages with their stored sizes, sequence numbers, retention limits,
/// purge, subjects and durable consumers. Every size change is reported to the
/// caller as a signed byte delta so it can be fed to the engine.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <jsacct/jsacct.hpp>

namespace jsacct_cli {

/// NATS subject matching with `*` and `>` wildcards in `filter`.
inline bool subject_matches(std::string_view filter, std::string_view subject) {
  auto next = [](std::string_view& s) {
    auto p = s.find('.');
    std::string_view tok = s.substr(0, p);
    s = p == std::string_view::npos ? std::string_view{} : s.substr(p + 1);
    return tok;
  };
  bool fdone = false, sdone = false;
  while (true) {
    fdone = filter.empty();
    sdone = subject.empty();
    if (fdone || sdone) return fdone && sdone;
    std::string_view f = next(filter), s = next(subject);
    if (f == ">") return true;
    if (f != "*" && f != s) return false;
  }
}

/// The `.`-separated tokens of a subject.
inline std::vector<std::string_view> subject_tokens(std::string_view s) {
  std::vector<std::string_view> t;
  while (true) {
    auto p = s.find('.');
    t.push_back(s.substr(0, p));
    if (p == std::string_view::npos) break;
    s = s.substr(p + 1);
  }
  return t;
}

/// True when some subject could match both filters (wildcard-aware overlap).
inline bool subjects_overlap(std::string_view a, std::string_view b) {
  auto x = subject_tokens(a), y = subject_tokens(b);
  for (std::size_t i = 0;; ++i) {
    if (i == x.size() || i == y.size()) return x.size() == y.size();
    if (x[i] == ">" || y[i] == ">") return true;
    if (x[i] != "*" && y[i] != "*" && x[i] != y[i]) return false;
  }
}

/// Is `sub` a subset of `super` (every subject matching sub matches super)?
inline bool subject_subset(std::string_view sub, std::string_view super) {
  auto x = subject_tokens(sub), y = subject_tokens(super);
  for (std::size_t i = 0;; ++i) {
    if (i == y.size()) return i == x.size();
    if (y[i] == ">") return i < x.size();
    if (i == x.size()) return false;
    if (x[i] == ">") return false;
    if (y[i] == "*") continue;
    if (x[i] == "*" || x[i] != y[i]) return false;
  }
}

/// The full stream configuration as the server reports it (normalized).
struct full_stream_config {
  std::string name;
  std::vector<std::string> subjects;
  std::string storage = "file";
  std::int64_t replicas = 1;
  std::string retention = "limits";
  std::string discard = "old";
  std::int64_t max_bytes = -1, max_msgs = -1, max_msgs_per_subject = -1, max_msg_size = -1, max_consumers = -1, max_age = 0;
  std::int64_t duplicate_window = 0;
  std::string description;
  bool allow_direct = false, allow_rollup_hdrs = false, deny_delete = false, deny_purge = false, mirror_direct = false,
       sealed = false, no_ack = false;
  std::optional<std::string> mirror;  ///< the mirror's origin stream (nullopt: not a mirror)
  std::string mirror_echo;            ///< the "mirror" object as the server echoes it (compact JSON)
  std::string sources_echo;           ///< the "sources" list as the server echoes it ("" = none)
  /// "subjects": [] was sent and stayed empty (a mirror or sourced stream). Go keeps an empty
  /// slice apart from a missing one in the identical-config check; a clustered stream's stored
  /// config went through JSON, which drops the empty list.
  bool subjects_empty_list = false;
  friend bool operator==(const full_stream_config&, const full_stream_config&) = default;

  jsacct::storage_type storage_type() const {
    return storage == "memory" ? jsacct::storage_type::memory : jsacct::storage_type::file;
  }
  /// The accounting subset for the engine.
  jsacct::stream_config accounting() const {
    jsacct::stream_config c;
    c.name = name;
    c.storage = storage_type();
    c.replicas = replicas;
    c.max_bytes = max_bytes;
    c.max_consumers = max_consumers;
    c.duplicate_window = duplicate_window;
    c.mirror = mirror;
    return c;
  }
};

/// How a store compacts. nats-server 2.9.10's memory store answers "no message found"
/// when the compact point is a missing sequence inside its range, and leaves its
/// per-subject state alone; its file store and both stores of main do neither.
enum class compact_rule { exact, memory_v29 };

/// What a purge did: messages removed, or refused because the compact point has no message.
struct purge_result {
  std::uint64_t purged = 0;
  bool no_message = false;
};

struct stored_msg {
  std::string subject;
  std::uint64_t size = 0;
};

/// One stream's messages (a file or memory store).
class msg_store {
 public:
  using delta_fn = std::function<void(std::int64_t)>;

  std::uint64_t messages() const { return msgs_.size(); }
  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t first_seq() const { return first_; }
  std::uint64_t last_seq() const { return last_; }
  std::uint64_t num_deleted() const {
    if (msgs_.empty() || last_ < first_) return 0;
    return (last_ - first_ + 1) - msgs_.size();
  }
  std::uint64_t num_subjects() const { return per_subject_.size(); }
  const std::map<std::uint64_t, stored_msg>& msgs() const { return msgs_; }
  std::uint64_t count_subject(const std::string& s) const {
    auto it = per_subject_.find(s);
    return it == per_subject_.end() ? 0 : it->second;
  }

  /// Store a message; returns its sequence.
  std::uint64_t store(const std::string& subject, std::uint64_t size, const delta_fn& d) {
    const std::uint64_t seq = ++last_;
    if (msgs_.empty()) first_ = seq;
    msgs_.emplace(seq, stored_msg{subject, size});
    bytes_ += size;
    per_subject_[subject] += 1;
    d(static_cast<std::int64_t>(size));
    return seq;
  }

  /// Remove one message (if present).
  bool remove(std::uint64_t seq, const delta_fn& d) {
    auto it = msgs_.find(seq);
    if (it == msgs_.end()) return false;
    const auto size = it->second.size;
    if (--per_subject_[it->second.subject] == 0) per_subject_.erase(it->second.subject);
    msgs_.erase(it);
    bytes_ -= size;
    fix_first();
    d(-static_cast<std::int64_t>(size));
    return true;
  }

  /// Apply the retention limits after a store (per subject, then msgs, then bytes, discard old).
  void enforce(const full_stream_config& c, const std::string& last_subject, const delta_fn& d) {
    if (c.max_msgs_per_subject > 0 && !last_subject.empty()) {
      while (count_subject(last_subject) > static_cast<std::uint64_t>(c.max_msgs_per_subject)) {
        for (const auto& [seq, m] : msgs_) {
          if (m.subject == last_subject) {
            remove(seq, d);
            break;
          }
        }
      }
    }
    enforce_limits(c, d);
  }
  /// Enforce max_msgs / max_bytes (and per-subject on every subject: config update).
  void enforce_limits(const full_stream_config& c, const delta_fn& d) {
    if (c.max_msgs > 0)
      while (msgs_.size() > static_cast<std::uint64_t>(c.max_msgs)) remove(msgs_.begin()->first, d);
    if (c.max_bytes > 0)
      while (!msgs_.empty() && bytes_ > static_cast<std::uint64_t>(c.max_bytes)) remove(msgs_.begin()->first, d);
  }
  void enforce_all_subjects(const full_stream_config& c, const delta_fn& d) {
    if (c.max_msgs_per_subject > 0) {
      std::vector<std::string> subs;
      for (const auto& [s, n] : per_subject_)
        if (n > static_cast<std::uint64_t>(c.max_msgs_per_subject)) subs.push_back(s);
      for (const auto& s : subs) enforce(c, s, [&](std::int64_t x) { d(x); });
    }
    enforce_limits(c, d);
  }

  /// Purge: optional subject filter, keep the last `keep` (matching) messages, or
  /// remove everything below `seq` (0: not given; without a filter, seq 1 purges
  /// everything). `rule` says how this store compacts (purge by seq, or keep without a filter).
  purge_result purge(const std::optional<std::string>& filter, std::uint64_t seq, std::uint64_t keep, compact_rule rule,
                     const delta_fn& d) {
    const bool filtered = filter && !filter->empty() && *filter != ">";
    if (seq == 1) seq = 0;                     // nothing lies below sequence 1
    if (!filtered && seq == 0 && keep == 0) {  // full purge
      const std::uint64_t n = msgs_.size();
      std::int64_t total = 0;
      for (const auto& [_, m] : msgs_) total += static_cast<std::int64_t>(m.size);
      msgs_.clear();
      per_subject_.clear();
      bytes_ = 0;
      first_ = last_ + 1;
      if (total != 0) d(-total);
      return {n, false};
    }
    if (!filtered) {
      if (seq == 0) {  // keep N: compact to last_seq - N + 1 (sequence based, like the stores)
        if (keep >= msgs_.size()) return {};
        seq = last_ + 1 - keep;
      }
      return compact(seq, rule, d);
    }
    std::vector<std::uint64_t> match;
    for (const auto& [s, m] : msgs_)
      if (subject_matches(*filter, m.subject)) match.push_back(s);
    std::vector<std::uint64_t> del;
    if (keep > 0) {
      if (match.size() > keep) del.assign(match.begin(), match.end() - static_cast<std::ptrdiff_t>(keep));
    } else {
      for (auto s : match)
        if (seq == 0 || s < seq) del.push_back(s);
    }
    std::uint64_t n = 0;
    for (auto s : del) n += remove(s, d) ? 1 : 0;
    return {n, false};
  }

  /// Drop everything (stream delete); reports the released bytes.
  void clear(const delta_fn& d) {
    if (bytes_ != 0) d(-static_cast<std::int64_t>(bytes_));
    msgs_.clear();
    per_subject_.clear();
    bytes_ = 0;
  }

 private:
  /// Remove everything below `seq` (the stores' Compact).
  purge_result compact(std::uint64_t seq, compact_rule rule, const delta_fn& d) {
    const bool mem29 = rule == compact_rule::memory_v29;
    // 2.9.10's memory store needs a message at `seq` when seq is inside its range.
    if (mem29 && seq <= last_ && msgs_.find(seq) == msgs_.end()) return {0, true};
    std::uint64_t n = 0;
    std::int64_t total = 0;
    for (auto it = msgs_.begin(); it != msgs_.end() && it->first < seq;) {
      // 2.9.10's memory store leaves its per-subject state (num_subjects) as it was.
      if (!mem29 && --per_subject_[it->second.subject] == 0) per_subject_.erase(it->second.subject);
      bytes_ -= it->second.size;
      total += static_cast<std::int64_t>(it->second.size);
      it = msgs_.erase(it);
      ++n;
    }
    if (seq > last_ + 1) {  // past the end: the next message gets `seq`
      last_ = seq - 1;
      first_ = seq;
    } else {
      fix_first();
    }
    if (total != 0) d(-total);
    return {n, false};
  }

  void fix_first() {
    if (msgs_.empty())
      first_ = last_ + 1;
    else
      first_ = msgs_.begin()->first;
  }

  std::map<std::uint64_t, stored_msg> msgs_;
  std::map<std::string, std::uint64_t> per_subject_;
  std::uint64_t bytes_ = 0, first_ = 0, last_ = 0;
};

/// A durable pull consumer as the server reports its config.
struct consumer_model {
  std::string durable;
  std::string ack_policy = "explicit";
  std::string deliver_policy = "all";
  std::string filter_subject;
  std::int64_t max_ack_pending = 0;
  std::int64_t max_deliver = -1;
  std::int64_t num_replicas = 0;
  bool mem_storage = false;
  std::int64_t effective_replicas = 1;
  std::uint64_t start_seq = 0;  ///< first sequence the consumer delivers (num_pending counts from here)
};

}  // namespace jsacct_cli
