// SPDX-License-Identifier: Apache-2.0
/// \file
/// The stream caps check (docs/semantics.md#stream-caps): is one message accepted by the
/// stream's own max_msg_size, max_msgs, max_bytes and max_msgs_per_subject under its
/// discard policy, and what must the store evict once it is stored. Pure arithmetic:
/// constexpr, noexcept, no allocation. It mirrors nats-server's
/// `processJetStreamMsg` (max_msg_size) and the stores' `storeRawMsg`,
/// `enforcePerSubjectLimit`, `enforceMsgLimit` and `enforceBytesLimit` (file and memory).
#pragma once

#include "jsacct/config.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

#include "jsacct/error.hpp"
#include "jsacct/storage/msg_size.hpp"
#include "jsacct/types.hpp"

namespace jsacct {

/// nats-server's store errors for discard new (server/store.go), the text of a 10077
/// (JSStreamStoreFailedF "{err}").
inline constexpr std::string_view err_max_msgs_text = "maximum messages exceeded";
inline constexpr std::string_view err_max_bytes_text = "maximum bytes exceeded";
inline constexpr std::string_view err_max_msgs_per_subject_text = "maximum messages per subject exceeded";

/// What the stream holds before the message is stored.
struct stream_totals {
  std::uint64_t msgs = 0;   ///< messages
  std::uint64_t bytes = 0;  ///< stored bytes (the store's sizes, docs/semantics.md#message-sizes)
};

/// The message's subject as the store tracks it, for max_msgs_per_subject.
struct subject_totals {
  std::uint64_t msgs = 0;         ///< messages of this subject stored now
  std::uint64_t oldest_size = 0;  ///< stored size of the subject's oldest message (0 when msgs is 0)
  bool rollup = false;            ///< the message carries a Nats-Rollup header (main lets it past discard_new_per_subject)
};

/// The answer to "is this message accepted, and what must be evicted first".
/// `error` is none when accepted; then the store stores the message and evicts,
/// oldest first: `evict_subject_msgs` messages of the message's subject, then more
/// messages until `evict_msgs` are gone in all and `evict_bytes` bytes are freed in all
/// (the subject's evictions count toward both). `evicts_new`: the message itself goes
/// too (its stored size alone is over max_bytes): nats-server acknowledges it with a
/// sequence and leaves the stream empty.
struct [[nodiscard]] publish_verdict {
  errc error = errc::none;               ///< 10054, 10077, or an account/server error (see check_publish)
  std::string_view text{};               ///< nats-server's description when `error` is set
  std::uint64_t evict_msgs = 0;          ///< messages that must go in all (max_msgs)
  std::uint64_t evict_bytes = 0;         ///< bytes that must be freed in all (max_bytes)
  std::uint64_t evict_subject_msgs = 0;  ///< oldest messages of the subject that must go (max_msgs_per_subject)
  bool evicts_new = false;               ///< the stored message is evicted too

  constexpr bool accepted() const noexcept { return error == errc::none; }
  /// Anything to evict after storing.
  constexpr bool evicts() const noexcept { return evict_msgs != 0 || evict_bytes != 0 || evict_subject_msgs != 0; }
  /// The refusal as an API error: catalog code and nats-server's text (allocates for 10077).
  api_error to_api_error() const {
    if (error == errc::stream_store_failed) return api_error(error, std::string(text));
    return api_error(error);
  }
  /// `verdict == errc::none` compares the error only.
  friend constexpr bool operator==(const publish_verdict& v, errc e) noexcept { return v.error == e; }
  friend constexpr bool operator==(const publish_verdict&, const publish_verdict&) = default;

  static constexpr publish_verdict refused(errc e, std::string_view t = {}) noexcept {
    publish_verdict v;
    v.error = e;
    v.text = t;
    return v;
  }
};

namespace detail {

constexpr std::uint64_t caps_add(std::uint64_t a, std::uint64_t b) noexcept { return msg_size_add(a, b); }
/// a - b for a > b, else 0.
constexpr std::uint64_t caps_excess(std::uint64_t a, std::uint64_t b) noexcept { return a > b ? a - b : 0; }
/// A positive cap as uint64; 0 for 0 and negatives (unlimited).
constexpr std::uint64_t cap_of(std::int64_t v) noexcept { return v > 0 ? static_cast<std::uint64_t>(v) : 0; }

}  // namespace detail

/// max_msg_size (docs/semantics.md#stream-caps rule 1, `processJetStreamMsg`): header + payload
/// over the cap is 10054; the subject does not count. 0 and negatives are unlimited (nats-server
/// normalizes them to -1 and compares only `max_msg_size >= 0`).
constexpr bool exceeds_max_msg_size(std::int64_t max_msg_size, msg_lengths m) noexcept {
  if (max_msg_size <= 0) return false;
  const auto cap = static_cast<std::uint64_t>(max_msg_size);
  return m.header > cap || m.payload > cap - m.header;  // main's overflow-safe form of hdr + msg > max
}

/// The stream caps check (docs/semantics.md#stream-caps). `c` supplies max_msg_size, max_msgs,
/// max_bytes, max_msgs_per_subject, discard and discard_new_per_subject; `now` what the stream holds;
/// `subject` the message's subject totals, or nullopt when the caller does not track subjects (then
/// max_msgs_per_subject is not checked). The stored size is the storage type's (docs/semantics.md#message-sizes).
constexpr publish_verdict check_stream_caps(const stream_config& c, stream_totals now, msg_lengths m,
                                            std::optional<subject_totals> subject = std::nullopt,
                                            stream_caps_rules rules = stream_caps_rules::main) noexcept {
  using detail::cap_of;
  using detail::caps_add;
  using detail::caps_excess;
  if (exceeds_max_msg_size(c.max_msg_size, m)) return publish_verdict::refused(errc::stream_message_exceeds_maximum);

  const bool v29 = rules == stream_caps_rules::v2_9;
  const std::uint64_t size = c.storage == storage_type::memory ? mem_store_msg_size(m) : file_store_msg_size(m);
  const std::uint64_t max_msgs = cap_of(c.max_msgs), max_bytes = cap_of(c.max_bytes);
  const std::uint64_t max_per = subject ? cap_of(c.max_msgs_per_subject) : 0;
  // At the subject's cap the new message replaces the subject's oldest ("asl" in the stores).
  const bool at_subject_cap = max_per != 0 && subject->msgs >= max_per;

  if (c.discard == discard_policy::new_) {
    // main exempts rollups (they purge the subject after storing); 2.9.10 has no exemption.
    if (at_subject_cap && c.discard_new_per_subject && (v29 || !subject->rollup))
      return publish_verdict::refused(errc::stream_store_failed, err_max_msgs_per_subject_text);
    if (max_msgs != 0 && now.msgs >= max_msgs && !at_subject_cap)
      return publish_verdict::refused(errc::stream_store_failed, err_max_msgs_text);
    if (max_bytes != 0) {
      // main: stored size, `bytes + size > max_bytes`. 2.9.10: header + payload only, and `>=`.
      const std::uint64_t raw = caps_add(m.header, m.payload);
      const bool over = v29 ? caps_add(now.bytes, raw) >= max_bytes : caps_add(now.bytes, size) > max_bytes;
      if (over) {
        if (!at_subject_cap) return publish_verdict::refused(errc::stream_store_failed, err_max_bytes_text);
        // At the subject's cap: refused unless dropping the subject's oldest makes room.
        // main: oldest < size (both stores). 2.9.10: memory oldest < raw, file oldest <= raw.
        const bool no_room = !v29                                ? subject->oldest_size < size
                             : c.storage == storage_type::memory ? subject->oldest_size < raw
                                                                 : subject->oldest_size <= raw;
        if (no_room) return publish_verdict::refused(errc::stream_store_failed, err_max_bytes_text);
      }
    }
  }

  // Accepted: what the store evicts after storing. The subject's limit applies under either policy;
  // max_msgs and max_bytes evict under discard old, and under discard new only in 2.9.10 (its
  // enforceMsgLimit / enforceBytesLimit run for both policies; main's return early for discard new).
  publish_verdict v;
  if (max_per != 0) v.evict_subject_msgs = caps_excess(caps_add(subject->msgs, 1), max_per);
  if (c.discard == discard_policy::old_ || v29) {
    const std::uint64_t msgs_after = caps_add(now.msgs, 1), bytes_after = caps_add(now.bytes, size);
    if (max_msgs != 0) v.evict_msgs = caps_excess(msgs_after, max_msgs);
    if (max_bytes != 0) {
      v.evict_bytes = caps_excess(bytes_after, max_bytes);
      // The eviction loop runs while bytes > max_bytes: a message over max_bytes on its own goes too.
      if (size > max_bytes) {
        v.evicts_new = true;
        v.evict_msgs = msgs_after;
        v.evict_bytes = bytes_after;
      }
    }
  }
  return v;
}

}  // namespace jsacct
