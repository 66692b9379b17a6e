// SPDX-License-Identifier: Apache-2.0
/// \file
/// The `$JSC.ARU` cluster usage-update codec (docs/semantics.md#usage-exchange), byte-compatible with
/// nats-server. Each server periodically publishes, per account, its *local*
/// memory and store usage per tier plus its own API counters; peers replace
/// that sender's previous contribution with what they decode.
///
/// Wire layout (all integers little-endian; docs/semantics.md#aru-layout):
///
///     first record  0: i64 mem | 8: i64 store | 16: u64 api | 24: u64 errors
///                  32: u32 extra-record count | 36: u64 name length L0 | 44: L0 name bytes
///     extra record  0: i64 mem | 8: i64 store | 16: u64 name length L | 24: L name bytes
///
/// A 32..43-byte message is the legacy untiered form (tier "", bytes 32.. ignored).
///
/// Encoding never allocates when given a buffer (or a reused container with
/// enough capacity). Decoding never allocates: it validates the message once
/// and returns a view whose records point into the caller's bytes, together
/// with a status telling exactly which part a receiver applies (docs/semantics.md#aru-merge).
/// That view is a lazy range of the records and a view in both std::ranges
/// and range-v3 (borrowed: its iterators point into the message, not into the
/// view), so either library's adaptors compose with it:
///
///     auto stored = decode_usage_update(msg) | ranges::views::filter([](usage_record r) { return r.store > 0; })
///                                             | std::views::transform([](usage_record r) { return r.name; });
///
/// Records are yielded by value: project them with functions that return by
/// value (a member pointer such as `&usage_record::name` would hand out a
/// reference into a temporary record).
#pragma once

#include "jsacct/config.hpp"

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <range/v3/range/access.hpp>
#include <range/v3/range/concepts.hpp>

namespace jsacct {

// ---------------------------------------------------------------------------
// Subjects and node identity (docs/semantics.md#aru-subjects)
// ---------------------------------------------------------------------------

/// Prefix of every usage-update subject.
inline constexpr std::string_view usage_update_prefix = "$JSC.ARU.";

/// Publish subject of `account`'s usage from node `node`: `$JSC.ARU.<account>.<node>`.
/// (nats-server main leaves it empty in plain standalone mode, meaning "do not
/// publish"; that decision belongs to the caller.)
inline std::string usage_update_subject(std::string_view account, std::string_view node) {
  std::string s;
  s.reserve(usage_update_prefix.size() + account.size() + 1 + node.size());
  s.append(usage_update_prefix).append(account).append(1, '.').append(node);
  return s;
}

/// Subscription subject for every node's usage of `account`: `$JSC.ARU.<account>.*`.
inline std::string usage_update_subscription(std::string_view account) {
  std::string s;
  s.reserve(usage_update_prefix.size() + account.size() + 2);
  s.append(usage_update_prefix).append(account).append(".*");
  return s;
}

/// The sending node's id from a usage-update subject, as nats-server derives
/// it: the text after the **last** `.`, provided that `.` is at an index > 0
/// and the text after it is non-empty. Nothing else of the subject is checked.
/// On `nullopt` the receiver logs `usage_update_no_node_warning` and ignores the message.
constexpr std::optional<std::string_view> node_id_from_subject(std::string_view subject) noexcept {
  const auto dot = subject.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  const auto node = subject.substr(dot + 1);
  if (node.empty()) return std::nullopt;
  return node;
}

/// nats-server's warning for a subject without a usable node id.
inline constexpr std::string_view usage_update_no_node_warning = "Received remote usage update with no remote node";

// ---------------------------------------------------------------------------
// Records and layout constants
// ---------------------------------------------------------------------------

/// One tier of a usage update: the tier name and the sender's *local* usage.
/// As a decode result, `name` points into the decoded buffer.
struct usage_record {
  std::string_view name;   ///< tier name ("" = untiered)
  std::int64_t mem = 0;    ///< local memory bytes (may be negative on the wire)
  std::int64_t store = 0;  ///< local store bytes
  friend bool operator==(const usage_record&, const usage_record&) = default;
};

/// Messages shorter than this are ignored (docs/semantics.md#aru-merge step 1).
inline constexpr std::size_t usage_update_min_size = 32;
/// Fixed part of the multi-tier form: the first record up to its name.
inline constexpr std::size_t usage_update_header_size = 44;
/// Fixed part of each extra record, before its name.
inline constexpr std::size_t usage_update_record_header_size = 24;

/// What the encoder accepts per tier: anything with `name`, `mem` and `store`
/// members (usage_record, or an engine's own struct).
template <class T>
concept usage_record_like = requires(const T& t) {
  { t.name } -> std::convertible_to<std::string_view>;
  { t.mem } -> std::convertible_to<std::int64_t>;
  { t.store } -> std::convertible_to<std::int64_t>;
};

/// A multi-pass range whose elements, after projection `Proj`, are usage_record_like.
/// Example projection for a `std::map<std::string, mem_store>`:
/// `[](const auto& kv) { return usage_record{kv.first, kv.second.mem, kv.second.store}; }`.
template <class R, class Proj = std::identity>
concept usage_record_range =
    std::ranges::forward_range<const R> && std::invocable<const Proj&, std::ranges::range_reference_t<const R>> &&
    usage_record_like<std::remove_cvref_t<std::invoke_result_t<const Proj&, std::ranges::range_reference_t<const R>>>>;

/// A resizable contiguous container of single bytes that encode output can be
/// written into and reused: std::string, std::vector<std::byte>, std::vector<char>,
/// std::vector<unsigned char>, ...
template <class B>
concept usage_update_buffer = requires(B& b, std::size_t n) {
  b.resize(n);
  { b.size() } -> std::convertible_to<std::size_t>;
  { b.data() } -> std::convertible_to<const void*>;
}
&&(std::same_as<std::remove_cvref_t<decltype(*std::declval<B&>().data())>, char> ||
   std::same_as<std::remove_cvref_t<decltype(*std::declval<B&>().data())>, unsigned char> ||
   std::same_as<std::remove_cvref_t<decltype(*std::declval<B&>().data())>,
                std::byte>)&&!std::is_const_v<std::remove_reference_t<decltype(*std::declval<B&>().data())>>;

namespace detail {

// Little-endian integers of `width` (4 or 8) bytes. At run time on a little-endian
// host each is one unaligned load/store (memcpy of the whole value); the byte
// loop remains for constant evaluation and big-endian hosts.
constexpr void store_le(std::byte* p, std::uint64_t v, std::size_t width) noexcept {
  if (!std::is_constant_evaluated() && std::endian::native == std::endian::little) {
    if (width == 8) {
      std::memcpy(p, &v, 8);
      return;
    }
    if (width == 4) {
      const auto w = static_cast<std::uint32_t>(v);
      std::memcpy(p, &w, 4);
      return;
    }
  }
  for (std::size_t i = 0; i < width; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}

constexpr std::uint64_t load_le(const std::byte* p, std::size_t width) noexcept {
  if (!std::is_constant_evaluated() && std::endian::native == std::endian::little) {
    if (width == 8) {
      std::uint64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
    if (width == 4) {
      std::uint32_t w;
      std::memcpy(&w, p, 4);
      return w;
    }
  }
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) v |= std::to_integer<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

inline std::string_view name_at(const std::byte* p, std::uint64_t len) noexcept {
  return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(len)};
}

template <class Rec>
constexpr usage_record to_record(const Rec& r) noexcept {
  return usage_record{std::string_view(r.name), static_cast<std::int64_t>(r.mem), static_cast<std::int64_t>(r.store)};
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Encoding (docs/semantics.md#aru-layout)
// ---------------------------------------------------------------------------

/// Size in bytes of the update encoding `tiers`:
/// `44 + L0 + Σ_{k≥1}(24 + Lk)`, or 0 when `tiers` is empty (nothing is sent
/// for an empty usage map: upstream 9ee03aedd).
template <class R, class Proj = std::identity>
requires usage_record_range<R, Proj> std::size_t encoded_size(const R& tiers, Proj proj = {}) {
  std::size_t size = 0;
  bool first = true;
  for (auto&& t : tiers) {
    const usage_record r = detail::to_record(std::invoke(proj, t));
    size += (first ? usage_update_header_size : usage_update_record_header_size) + r.name.size();
    first = false;
  }
  return size;
}

namespace detail {

/// Writes the encoding of a non-empty `tiers` at `out`, which holds at least
/// `encoded_size(tiers, proj)` bytes (the callers size it once).
template <class R, class Proj>
void encode_into(std::byte* out, std::uint64_t api, std::uint64_t errors, const R& tiers, const Proj& proj) {
  std::byte* p = out;
  std::size_t count = 0;
  for (auto&& t : tiers) {
    const usage_record r = to_record(std::invoke(proj, t));
    store_le(p, static_cast<std::uint64_t>(r.mem), 8);
    store_le(p + 8, static_cast<std::uint64_t>(r.store), 8);
    if (count == 0) {
      store_le(p + 16, api, 8);
      store_le(p + 24, errors, 8);
      store_le(p + 36, r.name.size(), 8);  // the count at 32 is written once all tiers are known
      p += usage_update_header_size;
    } else {
      store_le(p + 16, r.name.size(), 8);
      p += usage_update_record_header_size;
    }
    if (!r.name.empty()) std::memcpy(p, r.name.data(), r.name.size());
    p += r.name.size();
    ++count;
  }
  store_le(out + 32, static_cast<std::uint32_t>(count - 1), 4);
}

}  // namespace detail

/// Encodes `tiers` (the first one visited goes into the fixed header) with this
/// server's API counters `api` and `errors` into `out`, snprintf-style: returns
/// `encoded_size(tiers)` and writes the bytes only if that fits in `out`
/// (a return value larger than `out.size()` means nothing was written; 0 means
/// there is nothing to send). Never allocates. Tier order is the caller's
/// (nats-server iterates a Go map: any order is valid). The extra-record count
/// is a u32 on the wire; more than 2^32 tiers is a precondition violation.
template <class R, class Proj = std::identity>
requires usage_record_range<R, Proj> std::size_t encode_usage_update(std::uint64_t api, std::uint64_t errors, const R& tiers,
                                                                     std::span<std::byte> out, Proj proj = {}) {
  const std::size_t size = encoded_size(tiers, proj);
  if (size == 0 || size > out.size()) return size;
  detail::encode_into(out.data(), api, errors, tiers, proj);
  return size;
}

/// Encodes into a reusable container: `out` is resized to exactly the encoded
/// size (cleared when `tiers` is empty) and the size is returned. Once `out`
/// has the capacity, the steady path does not allocate.
template <class R, class Buffer, class Proj = std::identity>
requires usage_record_range<R, Proj> && usage_update_buffer<Buffer> std::size_t encode_usage_update(std::uint64_t api,
                                                                                                    std::uint64_t errors,
                                                                                                    const R& tiers, Buffer& out,
                                                                                                    Proj proj = {}) {
  const std::size_t size = encoded_size(tiers, proj);
  out.resize(size);
  if (size != 0) detail::encode_into(reinterpret_cast<std::byte*>(out.data()), api, errors, tiers, proj);
  return size;
}

// ---------------------------------------------------------------------------
// Decoding (docs/semantics.md#aru-merge)
// ---------------------------------------------------------------------------

/// How much of a usage update is valid, i.e. what a receiver applies (nats-server main).
/// Whatever the status, applying the view's records and (if `applies_api`)
/// its API counters reproduces main exactly.
enum class usage_update_status : std::uint8_t {
  complete,              ///< multi-tier form, every declared record decoded; records and API counters apply
                         ///< (bytes after the last record, if any, are ignored: consumed() < size)
  legacy,                ///< 32..43 bytes: one untiered record ("", mem, store) and the API counters apply
  truncated,             ///< records were still declared but fewer than 24 bytes remained: the decoded
                         ///< records and the API counters apply, the rest is skipped silently
  corrupt_extra_record,  ///< an extra record's name length exceeds the remaining bytes: the records before
                         ///< it apply, the API counters do **not** (warning logged)
  corrupt_first_record,  ///< the first record's name length exceeds the message: nothing applies (warning)
  too_short,             ///< fewer than 32 bytes: nothing applies (warning)
};

/// Whether a receiver updates its per-node API counters for a message with this status.
constexpr bool applies_api(usage_update_status s) noexcept {
  return s == usage_update_status::complete || s == usage_update_status::legacy || s == usage_update_status::truncated;
}

/// nats-server main's warning text for `s`, or "" when no warning is logged.
constexpr std::string_view warning_text(usage_update_status s) noexcept {
  switch (s) {
    case usage_update_status::too_short:
      return "Ignoring remote usage update with size too short";
    case usage_update_status::corrupt_first_record:
      return "Received corrupt remote usage update";
    case usage_update_status::corrupt_extra_record:
      return "Received corrupt remote usage update on excess record";
    default:
      return "";
  }
}

/// Short name of `s` ("complete", "legacy", ...), for logs and test output.
constexpr std::string_view to_string(usage_update_status s) noexcept {
  switch (s) {
    case usage_update_status::complete:
      return "complete";
    case usage_update_status::legacy:
      return "legacy";
    case usage_update_status::truncated:
      return "truncated";
    case usage_update_status::corrupt_extra_record:
      return "corrupt_extra_record";
    case usage_update_status::corrupt_first_record:
      return "corrupt_first_record";
    case usage_update_status::too_short:
      return "too_short";
    default:
      return "unknown";
  }
}

class usage_update_view;
inline usage_update_view decode_usage_update(std::span<const std::byte> message) noexcept;

/// A validated, non-owning view of one decoded usage update. It borrows the
/// decoded bytes: keep them alive (and unchanged) while using the view or any
/// record name. A forward range of usage_record holding exactly the records a
/// receiver applies, in wire order, produced lazily (each step reads one
/// record header). Cheap to copy; immutable; thread-compatible. A view and a
/// borrowed range for std::ranges and for range-v3.
class usage_update_view {
 public:
  /// Forward iterator over the applicable records (yields usage_record by value).
  class iterator {
   public:
    using value_type = usage_record;
    using difference_type = std::ptrdiff_t;
    using reference = usage_record;
    using iterator_concept = std::forward_iterator_tag;
    using iterator_category = std::input_iterator_tag;  // yields prvalues

    iterator() noexcept = default;
    usage_record operator*() const noexcept { return cur_; }
    iterator& operator++() noexcept {
      if (--remaining_ != 0) {
        // Validated by decode_usage_update: this record lies entirely inside the buffer.
        const std::byte* p = data_ + next_;
        const std::uint64_t len = detail::load_le(p + 16, 8);
        cur_ =
            usage_record{detail::name_at(p + usage_update_record_header_size, len),
                         static_cast<std::int64_t>(detail::load_le(p, 8)), static_cast<std::int64_t>(detail::load_le(p + 8, 8))};
        next_ += usage_update_record_header_size + static_cast<std::size_t>(len);
      }
      return *this;
    }
    iterator operator++(int) noexcept {
      iterator old = *this;
      ++*this;
      return old;
    }
    /// Iterators of one view compare by position.
    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.remaining_ == b.remaining_; }

   private:
    friend class usage_update_view;
    iterator(const std::byte* data, std::size_t next, std::size_t remaining, usage_record cur) noexcept
        : data_(data), next_(next), remaining_(remaining), cur_(cur) {}
    const std::byte* data_ = nullptr;
    std::size_t next_ = 0;       // offset of the record after cur_
    std::size_t remaining_ = 0;  // records left including cur_ (0 = end)
    usage_record cur_{};
  };

  /// An empty view of nothing (status too_short).
  usage_update_view() noexcept = default;

  /// How far the message was valid; decides what a receiver applies.
  usage_update_status status() const noexcept { return status_; }
  /// True for complete, legacy and truncated: replace the node's API counters with api()/errors().
  bool applies_api() const noexcept { return jsacct::applies_api(status_); }
  /// The sender's API request count (u64 at 16; 0 when too short). Apply only if applies_api().
  std::uint64_t api() const noexcept { return api_; }
  /// The sender's API error count (u64 at 24; 0 when too short). Apply only if applies_api().
  std::uint64_t errors() const noexcept { return errors_; }
  /// The extra-record count declared at offset 32 (0 for the legacy form or when too short).
  std::uint32_t declared_extra() const noexcept { return declared_extra_; }

  /// Number of applicable records. For corrupt_extra_record the corrupt one is
  /// record index `size()` (0 = the header record) and starts at byte `consumed()`.
  std::size_t size() const noexcept { return count_; }
  /// True when no record applies (too_short, corrupt_first_record).
  bool empty() const noexcept { return count_ == 0; }
  iterator begin() const noexcept { return count_ == 0 ? iterator{} : iterator{bytes_.data(), first_end_, count_, first_}; }
  iterator end() const noexcept { return iterator{}; }
  /// The header record (valid only when !empty()).
  usage_record front() const noexcept { return first_; }

  /// Bytes covered by what applies: header plus the applicable records (32 for
  /// the legacy form, 0 when nothing applies). Never exceeds bytes().size().
  std::size_t consumed() const noexcept { return consumed_; }
  /// The decoded message.
  std::span<const std::byte> bytes() const noexcept { return bytes_; }

 private:
  friend usage_update_view decode_usage_update(std::span<const std::byte> message) noexcept;

  std::span<const std::byte> bytes_{};
  usage_record first_{};
  std::uint64_t api_ = 0;
  std::uint64_t errors_ = 0;
  std::size_t first_end_ = 0;
  std::size_t count_ = 0;
  std::size_t consumed_ = 0;
  std::uint32_t declared_extra_ = 0;
  usage_update_status status_ = usage_update_status::too_short;
};

}  // namespace jsacct

// usage_update_view is a view (O(1) copies, borrows the message) and a borrowed
// range (its iterators point into the message bytes, never into the view) for
// both range libraries.
template <>
inline constexpr bool std::ranges::enable_view<jsacct::usage_update_view> = true;
template <>
inline constexpr bool std::ranges::enable_borrowed_range<jsacct::usage_update_view> = true;
template <>
inline constexpr bool ranges::enable_view<jsacct::usage_update_view> = true;
template <>
inline constexpr bool ranges::enable_borrowed_range<jsacct::usage_update_view> = true;

namespace jsacct {

static_assert(std::forward_iterator<usage_update_view::iterator>);
static_assert(std::ranges::forward_range<const usage_update_view>);
static_assert(std::ranges::view<usage_update_view> && std::ranges::borrowed_range<usage_update_view>);
static_assert(ranges::forward_range<const usage_update_view>);
static_assert(ranges::view_<usage_update_view> && ranges::borrowed_range<usage_update_view>);

/// Validates `message` in one pass (nats-server main's `remoteUpdateUsage`
/// rules, docs/semantics.md#aru-merge) and returns a view of what applies. Never allocates,
/// never reads outside `message`. All length guards are in subtraction form
/// (`L > remaining − fixed`), so lengths near 2^64 cannot overflow (f04c3b437).
inline usage_update_view decode_usage_update(std::span<const std::byte> message) noexcept {
  usage_update_view v;
  v.bytes_ = message;
  const std::size_t n = message.size();
  if (n < usage_update_min_size) return v;  // too_short
  const std::byte* m = message.data();
  const auto mem = static_cast<std::int64_t>(detail::load_le(m, 8));
  const auto store = static_cast<std::int64_t>(detail::load_le(m + 8, 8));
  v.api_ = detail::load_le(m + 16, 8);
  v.errors_ = detail::load_le(m + 24, 8);

  if (n < usage_update_header_size) {  // legacy untiered form; bytes 32..43 are ignored
    v.first_ = usage_record{std::string_view{}, mem, store};
    v.first_end_ = v.consumed_ = usage_update_min_size;
    v.count_ = 1;
    v.status_ = usage_update_status::legacy;
    return v;
  }

  v.declared_extra_ = static_cast<std::uint32_t>(detail::load_le(m + 32, 4));
  const std::uint64_t first_len = detail::load_le(m + 36, 8);
  if (first_len > static_cast<std::uint64_t>(n - usage_update_header_size)) {
    v.status_ = usage_update_status::corrupt_first_record;
    return v;
  }
  v.first_ = usage_record{detail::name_at(m + usage_update_header_size, first_len), mem, store};
  std::size_t pos = usage_update_header_size + static_cast<std::size_t>(first_len);
  v.first_end_ = pos;
  v.count_ = 1;

  std::uint32_t extra = v.declared_extra_;
  while (extra > 0 && n - pos >= usage_update_record_header_size) {
    const std::uint64_t len = detail::load_le(m + pos + 16, 8);
    if (len > static_cast<std::uint64_t>(n - pos - usage_update_record_header_size)) {
      v.consumed_ = pos;
      v.status_ = usage_update_status::corrupt_extra_record;
      return v;
    }
    pos += usage_update_record_header_size + static_cast<std::size_t>(len);
    ++v.count_;
    --extra;
  }
  v.consumed_ = pos;
  v.status_ = extra > 0 ? usage_update_status::truncated : usage_update_status::complete;
  return v;
}

/// Convenience overload for a payload held as characters (e.g. a NATS message body).
inline usage_update_view decode_usage_update(std::string_view message) noexcept {
  return decode_usage_update(std::as_bytes(std::span<const char>(message.data(), message.size())));
}

}  // namespace jsacct
