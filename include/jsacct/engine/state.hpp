// SPDX-License-Identifier: Apache-2.0
/// \file
/// The engine's internal state (not part of the public API): the server
/// budget, accounts, their tiers and their stream reservations. The public
/// types (`basic_engine`, `account_handle`, `stream_reservation`) wrap it.
#pragma once

#include "jsacct/config.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "jsacct/concepts/limit_checker.hpp"
#include "jsacct/concepts/storage_backend.hpp"
#include "jsacct/concepts/tier_selector.hpp"
#include "jsacct/concepts/usage_counter.hpp"
#include "jsacct/detail/arith.hpp"
#include "jsacct/engine/events.hpp"
#include "jsacct/engine/soft_limits.hpp"
#include "jsacct/error.hpp"
#include "jsacct/storage/backends.hpp"
#include "jsacct/tier/tier_name.hpp"
#include "jsacct/types.hpp"
#include "jsacct/usage/striped_counter.hpp"
#include "jsacct/wire/remote_tier_caps.hpp"
#include "jsacct/wire/stale_usage_policy.hpp"

namespace jsacct::detail {

/// An account_limits held as atomic words, so select_limits can copy it
/// without the account mutex. Stores release and loads acquire: that is what
/// lets the seqlock of account_state::read_selection work without fences
/// (free on x86; ThreadSanitizer does not model fences). The four words the
/// publish check reads come first (tier_entry keeps them on its read-mostly line).
class atomic_limits {
 public:
  explicit atomic_limits(const account_limits& l) noexcept { store(l); }
  void store(const account_limits& l) noexcept {
    const std::int64_t v[words] = {l.max_memory,  l.max_store,     l.memory_max_stream_bytes, l.store_max_stream_bytes,
                                   l.max_streams, l.max_consumers, l.max_ack_pending,         l.max_bytes_required ? 1 : 0};
    for (std::size_t i = 0; i < words; ++i) w_[i].store(v[i], std::memory_order_release);
  }
  account_limits load() const noexcept {
    account_limits l;
    l.max_memory = w_[0].load(std::memory_order_acquire);
    l.max_store = w_[1].load(std::memory_order_acquire);
    l.memory_max_stream_bytes = w_[2].load(std::memory_order_acquire);
    l.store_max_stream_bytes = w_[3].load(std::memory_order_acquire);
    l.max_streams = w_[4].load(std::memory_order_acquire);
    l.max_consumers = w_[5].load(std::memory_order_acquire);
    l.max_ack_pending = w_[6].load(std::memory_order_acquire);
    l.max_bytes_required = w_[7].load(std::memory_order_acquire) != 0;
    return l;
  }
  /// max_memory (slot 0) or max_store (slot 1).
  std::int64_t limit(std::size_t slot) const noexcept { return w_[slot].load(std::memory_order_acquire); }
  /// memory_max_stream_bytes (slot 0) or store_max_stream_bytes (slot 1).
  std::int64_t stream_cap(std::size_t slot) const noexcept { return w_[2 + slot].load(std::memory_order_acquire); }

 private:
  static constexpr std::size_t words = 8;
  std::array<std::atomic<std::int64_t>, words> w_{};
};

/// Per-tier state of one account (docs/semantics.md#usage-model jsaStorage plus the tier's limits).
/// Stable address for the account's lifetime; hot fields on their own lines.
template <class P>
struct alignas(cache_line) tier_entry {
  using counter = typename P::counter;
  // Written by every usage update of the tier (index: usage_slot()).
  alignas(cache_line) std::array<counter, 2> local{};
  /// A drift repair of this tier and storage is queued or about to run: at most
  /// one waits per account, tier and storage (docs/semantics.md#drift-repair).
  std::array<std::atomic<bool>, 2> repair_pending{};
  /// What a usage update must do besides adding, read with one load on the line
  /// it writes anyway: update_seen once an update has set has_usage, warn_armed
  /// while a usage warning level is armed (docs/soft-limits.md). Any value but
  /// update_seen sends the update to its cold path.
  counter update_flags{};
  static constexpr std::int64_t update_seen = 1, warn_armed = 2;
  /// Sets (`on`) or clears `bit` of update_flags; safe against concurrent setters.
  void set_update_flag(std::int64_t bit, bool on) noexcept {
    update_flags.update_if([&](std::int64_t v) { return std::optional<std::int64_t>(on ? (v | bit) : (v & ~bit)); });
  }
  // Read by publish checks, written rarely (limit changes, remote updates):
  // this line holds remote, the flags and the limits' first four words.
  alignas(cache_line) std::array<counter, 2> remote{};  ///< Σ remote nodes' local values
  counter has_limits{};                                 ///< 1 when the limits map has this tier
  counter has_usage{};  ///< 1 once a usage delta created the entry (docs/semantics.md#usage-model)
  /// The tier's limits (zero without limits): read by publish checks, and by
  /// select_limits lock-free. Written under the account mutex inside its selection seqlock.
  atomic_limits limits{zero_account_limits};
  // Guarded by the account mutex.
  std::string name;
  std::int64_t streams = 0;           ///< streams whose stream tier is this tier
  std::int64_t consumers = 0;         ///< their consumers
  std::size_t remote_nodes = 0;       ///< peers holding a (non-zero) contribution to this tier
  std::size_t reservation_holds = 0;  ///< peers with a reservation declared in this tier
  bool pinned = false;                ///< used locally (a tier_ref or a stream has its address): kept for the account's life
  /// limit_change_policy::keep_existing's publish allowance: what the streams kept at
  /// the last limits change still reserve here (docs/limit-changes.md). Written under the
  /// account mutex; read only by a publish check the limit refused.
  std::array<counter, 2> kept{};
  // Soft limits (docs/soft-limits.md), cold: the state is allocated under the
  // account mutex when a warning level first applies, and kept.
  std::atomic<tier_soft_state*> soft{nullptr};
  std::unique_ptr<tier_soft_state> soft_owner;
  mutable tier_event_counters counts;  ///< warnings and publish refusals (counted from const checks)

  std::int64_t total(std::size_t slot) const noexcept { return wrap_add(local[slot].load(), remote[slot].load()); }

  /// Caller holds the account mutex and, when readers may run, the account's
  /// selection seqlock (account_state::selection_writer).
  void set_limits(const account_limits* l) noexcept {
    const account_limits v = l ? *l : zero_account_limits;
    limits.store(v);
    has_limits.store(l ? 1 : 0);
  }
};

/// Running reservation sums of the streams whose selector tier is one name
/// (docs/semantics.md#counting-streams), per reservation slot (0 memory, 1 file). Exact, so removing a
/// stream undoes adding it even where the checker saturates or wraps.
struct reservation_bucket {
  std::string_view name;  ///< the selector tier name (the key of its account_state::buckets entry)
  std::int64_t streams = 0;
  std::array<int128, 2> max_bytes{};           ///< Σ MaxBytes > 0 (reservedStorage, tiered footprint in main)
  std::array<int128, 2> untiered_footprint{};  ///< Σ checker footprint(untiered = true)
  std::array<int128, 2> tiered_footprint{};    ///< Σ checker footprint(untiered = false)
};

/// A stream known to the engine (one server's view).
/// A spin lock for the short critical section that orders a stream's usage
/// updates with moving the stream to another tier; a no-op for single-threaded policies.
template <bool Concurrent>
class stream_spin_lock {
 public:
  void lock() noexcept {
    if constexpr (Concurrent) {
      while (flag_.test_and_set(std::memory_order_acquire)) flag_.wait(true, std::memory_order_relaxed);
    }
  }
  void unlock() noexcept {
    if constexpr (Concurrent) {
      flag_.clear(std::memory_order_release);
      flag_.notify_one();
    }
  }

 private:
  std::atomic_flag flag_;
};

/// Shared by the engine (while registered) and by every handle to the stream,
/// so a handle never outlives it. `deleted` is set once, under the account
/// lock and the usage lock, when the stream leaves the engine.
template <class P>
struct stream_record {
  stream_config cfg;                          ///< normalized accounting fields (cfg.name is also the `streams` key)
  reservation_bucket* bucket = nullptr;       ///< its selector tier's bucket (account_state::buckets: never erased)
  std::atomic<tier_entry<P>*> tier{nullptr};  ///< stream tier: where usage goes (docs/semantics.md#tier-move)
  std::int64_t consumers = 0;                 ///< all consumers
  std::int64_t limitable_consumers = 0;       ///< consumers counted against max_consumers (docs/semantics.md#max-consumers)
  std::atomic<std::int64_t> bytes{0};         ///< stored bytes recorded through the stream's handle (written under usage_lock)
  std::atomic<std::int64_t> msgs{0};  ///< messages recorded by add_message / remove_message (docs/semantics.md#stream-caps)
  stream_spin_lock<P::concurrent> usage_lock;  ///< held by add_usage, a tier move and the delete
  std::atomic<bool> deleted{false};            ///< the stream left the engine: its handles are inert (10059)
  bool engine_owned = false;  ///< released to the engine (stream_reservation::release): no handle deletes it (guarded by mu)
  /// What it keeps reserved in its tier under limit_change_policy::keep_existing
  /// (0 or more), or -1 when it is not kept. Written under mu; read by a refused publish check.
  std::atomic<std::int64_t> kept{-1};
};

/// Recycles the memory of an account's stream records (a shared_ptr control
/// block and the record, one allocation of one size): creating and deleting a
/// stream allocates nothing in steady state. Blocks come back from whatever
/// thread drops the last reference (a lock-free push); they are taken under
/// the account mutex, one taker at a time, so the stack has no ABA problem.
/// The pool keeps as many blocks as the account once had live streams, and
/// frees them with the account (it outlives every record: a handle holds the
/// account, and the account's `streams` map is destroyed before its pool).
class record_pool {
 public:
  record_pool() noexcept = default;
  record_pool(const record_pool&) = delete;
  record_pool& operator=(const record_pool&) = delete;
  ~record_pool() {
    free_list(shared_.exchange(nullptr, std::memory_order_acquire));
    free_list(private_);
  }
  /// A block of `size` bytes: a recycled one when the size is the pool's. Caller holds the account mutex.
  void* take(std::size_t size) {
    if (size == block_size_) {
      if (private_ == nullptr) private_ = shared_.exchange(nullptr, std::memory_order_acquire);
      if (node* n = private_) {
        private_ = n->next;
        return n;
      }
    }
    if (block_size_ == 0 && size >= sizeof(node)) block_size_ = size;
    return ::operator new(size);
  }
  /// Returns a block from take(); any thread.
  void give(void* p, std::size_t size) noexcept {
    if (size != block_size_) {
      ::operator delete(p);
      return;
    }
    node* head = shared_.load(std::memory_order_relaxed);
    node* const n = std::construct_at(static_cast<node*>(p), node{head});
    while (!shared_.compare_exchange_weak(head, n, std::memory_order_release, std::memory_order_relaxed)) n->next = head;
  }

 private:
  struct node {
    node* next;
  };
  static void free_list(node* n) noexcept {
    while (n != nullptr) {
      node* next = n->next;
      ::operator delete(n);
      n = next;
    }
  }
  std::atomic<node*> shared_{nullptr};  ///< given back, not yet taken
  node* private_ = nullptr;             ///< moved here by a taker (account mutex)
  std::size_t block_size_ = 0;          ///< set by the first take (the only size allocate_shared asks for)
};

/// The allocator allocate_shared uses for stream records: blocks from the account's record_pool.
template <class U>
struct pooled_allocator {
  using value_type = U;
  record_pool* pool;
  explicit pooled_allocator(record_pool* p) noexcept : pool(p) {}
  template <class V>
  pooled_allocator(const pooled_allocator<V>& o) noexcept : pool(o.pool) {}  // NOLINT(google-explicit-constructor)
  U* allocate(std::size_t n) { return static_cast<U*>(pool->take(n * sizeof(U))); }
  void deallocate(U* p, std::size_t n) noexcept { pool->give(p, n * sizeof(U)); }
  template <class V>
  friend bool operator==(const pooled_allocator& a, const pooled_allocator<V>& b) noexcept {
    return a.pool == b.pool;
  }
};

/// Transparent string hash: lookups by std::string_view without a temporary string.
struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

/// Amounts per tier name.
using tier_amounts = std::unordered_map<std::string, mem_store, string_hash, std::equal_to<>>;

/// One remote node's contribution to one tier: the tier entry (its
/// `remote_nodes` counts the node, so the entry lives as long as the share)
/// and the node's last non-zero report for it.
template <class P>
struct remote_share {
  tier_entry<P>* tier = nullptr;
  mem_store last{};
};

/// One remote node's last report (docs/semantics.md#aru-merge rusage). Only non-zero
/// contributions are kept (a zero one adds nothing); forgetting a node walks
/// just its own entries. The shares are a flat vector, in the order the node
/// first reported them (a peer sends its tiers in a stable order, so record
/// `i` of an update is looked for at slot `i` first); a node with
/// `index_from` shares or more (a flood of tiers) also indexes them by entry.
template <class P>
struct remote_node {
  using tier_t = tier_entry<P>;
  using share_index = std::unordered_map<const tier_t*, std::size_t>;
  static constexpr std::size_t index_from = 8;
  std::vector<remote_share<P>> tiers;
  std::unique_ptr<share_index> index;  ///< tier entry -> slot in `tiers`, built at index_from shares
  /// The reservations declared for the node (cluster_state::remote_reservations), or nullptr.
  const tier_amounts* reserved = nullptr;
  std::uint64_t api = 0;
  std::uint64_t errors = 0;
  bool heard = true;                ///< a message arrived since the last expiry sweep (docs/cluster.md#peer-expiry)
  std::uint32_t silent_sweeps = 0;  ///< consecutive sweeps without a message
  bool stale = false;               ///< silent long enough for `stale_as` to decide its contribution
  stale_usage_policy stale_as = stale_usage_policy::optimistic;
  bool has_sequence = false;   ///< a sequenced update was applied (docs/cluster.md#ordering)
  std::uint64_t instance = 0;  ///< the sender instance of the last sequenced update
  std::uint64_t sequence = 0;  ///< and its sequence

  /// The node's share in tier `t`, or nullptr (a scan: cold paths and tests).
  const remote_share<P>* share(std::string_view t) const noexcept {
    for (const auto& s : tiers)
      if (s.tier->name == t) return &s;
    return nullptr;
  }
};

/// A node the embedder removed (remove_node): its updates still in flight are
/// ignored for a few sweeps instead of bringing its usage back (docs/cluster.md#merge-rules).
struct removed_node {
  std::uint32_t sweeps_left = 0;  ///< expiry sweeps until its updates are accepted again
  bool has_sequence = false;      ///< it had sent a sequenced update (docs/cluster.md#ordering) ...
  std::uint64_t instance = 0;     ///< ... from this sender instance: a newer instance has rejoined
};

/// What merging one peer record did.
enum class remote_merge : std::uint8_t {
  applied,              ///< the node's contribution replaced (or a zero one: nothing to keep)
  released,             ///< a zero report removed the node's contribution (and maybe the tier)
  refused_node_cap,     ///< a new non-zero tier beyond remote_tier_caps::per_node
  refused_account_cap,  ///< a new tier beyond remote_tier_caps::per_account
};

/// A process-wide unique id for a cluster_state (never 0, never reused), so a
/// peer_handle cached for one account's block never matches another's.
inline std::uint64_t next_cluster_id() noexcept {
  static std::atomic<std::uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

/// What a peer_handle caches: the node's entry in one account's cluster
/// block, valid while the block's id and epoch are the ones it was taken at.
template <class P>
struct peer_cache {
  std::uint64_t cluster = 0;  ///< cluster_state::id, 0: nothing cached
  std::uint64_t epoch = 0;    ///< cluster_state::epoch when cached
  remote_node<P>* slot = nullptr;
};

/// An account's cluster-only state, allocated on the first peer report,
/// reservation declaration or node removal: a standalone account pays one
/// null pointer for it. Guarded by the account mutex; lives as long as the account.
template <class P>
struct cluster_state {
  explicit cluster_state(std::uint64_t i) noexcept : id(i) {}
  const std::uint64_t id;  ///< next_cluster_id()
  /// Bumped whenever a node leaves `remotes` (expiry, removal): entries of
  /// `remotes` never move otherwise, so a peer_cache taken at the current
  /// epoch points at a live entry, and an older one is looked up again.
  std::uint64_t epoch = 0;
  std::map<std::string, remote_node<P>, std::less<>> remotes;
  /// What the embedder declared each peer holds reserved (docs/cluster.md#stale-usage). Kept
  /// apart from `remotes`: a declaration outlives the peer's expiry, and holds its tier entries.
  std::map<std::string, tier_amounts, std::less<>> remote_reservations;
  std::map<std::string, removed_node, std::less<>> removed_nodes;  ///< remove_node's recent removals
  std::uint64_t remote_api = 0;                                    ///< Σ remote nodes' API counters
  std::uint64_t remote_errors = 0;
  std::uint64_t remote_tiers_refused = 0;  ///< peer records refused by the remote_tier_caps
};

/// Server-wide state (Go `jetStream`): budget, reservations, used bytes.
/// `T` bundles checker, selector and policy (see basic_engine).
template <class T>
struct server_state {
  using P = typename T::policy;
  using counter = typename P::counter;
  static constexpr std::size_t stripes = P::concurrent ? 8 : 1;

  std::array<counter, 2> max{};                             ///< MaxMemory, MaxStore (reloadable)
  alignas(cache_line) std::array<counter, 2> reserved{};    ///< Σ MaxBytes of this server's streams
  std::array<striped_counter<counter, stripes>, 2> used{};  ///< Σ local usage of all accounts
  alignas(cache_line) counter api_total{};
  counter api_errors{};
  bool standalone = true;
  std::string domain;
  event_sink events;
  typename T::selector selector{};
  /// Drift repair hooks (docs/semantics.md#drift-repair): recompute(account, tier, storage) -> actual bytes; run(task).
  std::function<std::int64_t(const std::string&, std::string_view, storage_type)> recompute;
  std::function<void(std::function<void()>)> run_async;
  std::mutex pending_mu;
  std::vector<std::function<void()>> pending;                             ///< repairs waiting when no run_async is set
  std::atomic<std::size_t> remote_per_node{remote_tier_caps{}.per_node};  ///< remote_tier_caps (set any time)
  std::atomic<std::size_t> remote_per_account{remote_tier_caps{}.per_account};

  remote_tier_caps remote_caps() const noexcept {
    return {remote_per_node.load(std::memory_order_relaxed), remote_per_account.load(std::memory_order_relaxed)};
  }
  /// Hands `e` to the event sink, if any; a throwing sink cannot break the caller.
  void emit(const event& e) const noexcept {
    if (!events) return;
    JSACCT_TRY { events(e); }
    JSACCT_CATCH_ALL {}
  }
};

/// Per-account state (Go `jsAccount`). Shared by handles; `removed` once disabled.
template <class T>
struct account_state {
  using P = typename T::policy;
  using tier_t = tier_entry<P>;
  explicit account_state(std::string n, std::shared_ptr<server_state<T>> s) : name(std::move(n)), server(std::move(s)) {}

  const std::string name;
  const std::shared_ptr<server_state<T>> server;
  mutable typename P::mutex mu;  ///< guards everything below that is not atomic
  // The limits live in the tier entries (atomic_limits, has_limits): every
  // tier named in the limits has a pinned entry, so no separate map is kept.
  std::size_t limited_tiers = 0;  ///< entries with has_limits (the size of the limits map)

  // ------------------------------------------------------------ lock-free selection
  // select_limits reads an account's limits without the mutex: a seqlock
  // (sel_seq, odd while a writer holds it) over the untiered entry, a table
  // of {tier name, tier entry} for the tiers with limits, and the entries'
  // atomic limit words. Tier entries named in the limits are pinned (they live
  // as long as the account), so a reader never follows a freed pointer. A
  // table is replaced only to grow, doubling; replaced tables are kept until
  // the account is destroyed (a reader may still scan one), which bounds the
  // extra memory by the largest table's size.

  /// One tier with limits: its name (a tier_name, 24 bytes, as 3 words) and entry.
  struct selection_slot {
    std::array<std::atomic<std::uint64_t>, 3> key{};
    std::atomic<tier_t*> tier{nullptr};
  };
  /// A tier name of at most tier_name::capacity (23) bytes as 3 words, laid
  /// out as a tier_name (bytes, zero padding, length in the last byte), so a
  /// selector's tier_name converts with one 24-byte copy.
  using selection_key = std::array<std::uint64_t, 3>;
  static_assert(sizeof(tier_name) == sizeof(selection_key) && std::is_trivially_copyable_v<tier_name>);
  static selection_key key_of(std::string_view t) noexcept { return std::bit_cast<selection_key>(tier_name(t)); }
  template <class N>
  static selection_key key_of_selected(const N& t) noexcept {
    if constexpr (std::is_same_v<N, tier_name>)
      return std::bit_cast<selection_key>(t);
    else
      return key_of(std::string_view(t));
  }

  std::atomic<std::uint64_t> sel_seq{0};
  std::atomic<tier_t*> sel_untiered{nullptr};  ///< the "" entry when the limits have one
  std::atomic<selection_slot*> sel_table{nullptr};
  std::atomic<std::size_t> sel_count{0};
  std::atomic<bool> sel_long_names{false};  ///< a tier name longer than tier_name::capacity: readers ask the mutex path
  /// The table while the limits name at most `inline_slots` tiers (most
  /// accounts: R1 and R3, or the untiered ""), so it costs no allocation.
  static constexpr std::size_t inline_slots = 2;
  std::array<selection_slot, inline_slots> sel_inline{};
  std::vector<std::unique_ptr<selection_slot[]>> sel_tables;  ///< tables grown past sel_inline; back() is current
  std::size_t sel_capacity = inline_slots;
  selection_slot* sel_current = sel_inline.data();  ///< where publish_limits writes

  /// What read_selection found.
  enum class selection_status : std::uint8_t { found, no_limits, ask_locked };

  /// Room for `n` tiers with limits, allocated before a limits change commits
  /// (strong guarantee: on bad_alloc nothing changed). Caller holds `mu`.
  void reserve_selection(std::size_t n) {
    if (n <= sel_capacity) return;
    const std::size_t cap = std::max<std::size_t>({8, n, 2 * sel_capacity});
    if (sel_tables.size() == sel_tables.capacity()) sel_tables.reserve(std::max<std::size_t>(2, 2 * sel_tables.size()));
    sel_tables.push_back(std::make_unique<selection_slot[]>(cap));
    sel_capacity = cap;
    sel_current = sel_tables.back().get();
  }

  /// Writes `limits` into the tier entries and the selection table inside the
  /// seqlock. Caller holds `mu`, has called reserve_selection(limits.size())
  /// and created (pinned) an entry for every tier in `limits`. No allocation.
  void publish_limits(const limits_map& limits) noexcept {
    const std::uint64_t s = sel_seq.load(std::memory_order_relaxed);
    sel_seq.store(s + 1, std::memory_order_relaxed);
    for (auto& e : tiers) {
      const auto l = limits.find(e->name);
      e->set_limits(l == limits.end() ? nullptr : &l->second);
    }
    limited_tiers = limits.size();
    selection_slot* table = sel_current;
    std::size_t n = 0;
    bool long_names = false;
    tier_t* untiered = nullptr;
    for (const auto& [t, _] : limits) {
      tier_t* e = find_tier(t);
      if (t.empty()) untiered = e;
      if (t.size() > tier_name::capacity) {
        long_names = true;
        continue;
      }
      const selection_key k = key_of(t);
      for (std::size_t i = 0; i < 3; ++i) table[n].key[i].store(k[i], std::memory_order_release);
      table[n].tier.store(e, std::memory_order_release);
      ++n;
    }
    sel_untiered.store(untiered, std::memory_order_release);
    sel_table.store(table, std::memory_order_release);
    sel_count.store(n, std::memory_order_release);
    sel_long_names.store(long_names, std::memory_order_release);
    sel_seq.store(s + 2, std::memory_order_release);
  }

  /// The entry of tier `t` when the limits name it, else nullptr. Caller holds `mu`.
  tier_t* limited_tier(std::string_view t) const noexcept {
    tier_t* e = find_tier(t);
    return e != nullptr && e->has_limits.load() != 0 ? e : nullptr;
  }
  /// The untiered ("") entry when the limits are untiered, else nullptr. Caller holds `mu`.
  tier_t* untiered_tier() const noexcept { return sel_untiered.load(std::memory_order_relaxed); }
  /// The limits as a map (rebuilt from the entries). Caller holds `mu`.
  limits_map limits_copy() const {
    limits_map m;
    for (const auto& e : tiers)
      if (e->has_limits.load() != 0) m.emplace(e->name, e->limits.load());
    return m;
  }

  /// nats-server's selectLimits without the mutex: the untiered entry wins,
  /// else the entry of selector tier `selected`; its limits are copied into
  /// `out` and its entry into `tier` when found. `ask_locked` when the name is
  /// too long for the table and the limits hold such a name. Readers retry
  /// only while a limits change is being written. Ordering without fences:
  /// publish_limits stores release after the odd sequence, so a reader whose
  /// acquire load sees any new word also sees the odd sequence on re-check.
  template <class N>
  selection_status read_selection(const N& selected, account_limits& out, tier_t*& tier) const noexcept {
    const std::string_view t(selected);
    const bool short_name = t.size() <= tier_name::capacity;
    const selection_key k = short_name ? key_of_selected(selected) : selection_key{};
    for (;;) {
      const std::uint64_t s = sel_seq.load(std::memory_order_acquire);
      if ((s & 1) != 0) {
        std::this_thread::yield();
        continue;
      }
      tier_t* e = sel_untiered.load(std::memory_order_acquire);
      if (e == nullptr && short_name) {
        const selection_slot* table = sel_table.load(std::memory_order_acquire);
        const std::size_t n = sel_count.load(std::memory_order_acquire);
        for (std::size_t i = 0; i < n; ++i)
          if (table[i].key[0].load(std::memory_order_acquire) == k[0] &&
              table[i].key[1].load(std::memory_order_acquire) == k[1] &&
              table[i].key[2].load(std::memory_order_acquire) == k[2]) {
            e = table[i].tier.load(std::memory_order_acquire);
            break;
          }
      }
      selection_status r = selection_status::no_limits;
      if (e != nullptr) {
        r = selection_status::found;
        out = e->limits.load();
      } else if (!short_name && sel_long_names.load(std::memory_order_acquire)) {
        r = selection_status::ask_locked;
      }
      if (sel_seq.load(std::memory_order_relaxed) == s) {
        tier = e;
        return r;
      }
    }
  }
  std::vector<std::unique_ptr<tier_t>> tiers;  ///< every tier entry (order: creation, except after a release)
  /// Tier name (viewing tier_t::name) -> index in `tiers`, built when the
  /// account reaches `index_from` tiers. Below that a scan of `tiers` is as
  /// fast as hashing and costs no memory (most accounts have 1 to 3 tiers).
  using tier_index_map = std::unordered_map<std::string_view, std::size_t>;
  static constexpr std::size_t index_from = 8;
  std::unique_ptr<tier_index_map> tier_index;
  record_pool record_blocks;  ///< before `streams`: destroyed after every record
  /// Keyed by a view of the record's own cfg.name (the name is stored once).
  using stream_map = std::map<std::string_view, std::shared_ptr<stream_record<P>>, std::less<>>;
  stream_map streams;
  /// The node of the last deleted stream, reused by the next create (no
  /// allocation in a create/delete cycle). One, not more: it costs 24 bytes
  /// in every account, used or not.
  typename stream_map::node_type spare_node;
  std::map<std::string, reservation_bucket, std::less<>> buckets;
  /// The bucket found last: most accounts create and check streams of one
  /// or two tiers, so a name compare usually replaces the map walk.
  /// Buckets are never erased, so the pointer stays valid.
  reservation_bucket* last_bucket = nullptr;
  /// The bucket of selector tier `tier_name`, or nullptr. Caller holds `mu`.
  reservation_bucket* find_bucket(std::string_view tier_name) noexcept {
    if (last_bucket != nullptr && last_bucket->name == tier_name) return last_bucket;
    const auto it = buckets.find(tier_name);
    if (it == buckets.end()) return nullptr;
    last_bucket = &it->second;
    return last_bucket;
  }
  /// Peers' reports, declarations and removals: null until the account hears of a peer.
  std::unique_ptr<cluster_state<P>> cluster;
  std::int64_t consumers = 0;
  // Soft limits (docs/soft-limits.md), guarded by `mu`.
  std::atomic<bool> soft_any{false};  ///< a warning level was set: creates, deletes and limit changes re-evaluate
  std::map<std::string, warning_levels, std::less<>> soft_levels;   ///< per tier
  std::optional<warning_levels> soft_default;                       ///< for tiers without their own
  std::map<std::string, tier_events, std::less<>> stream_refusals;  ///< create/update/consumer refusals by tier
  std::array<int128, 2>
      positive_limits{};  ///< Σ positive MaxMemory / MaxStore over tiers (docs/semantics.md#sufficient-resources)
  bool expired = false;
  std::atomic<bool> removed{false};
  std::atomic<bool> syncing{false};  ///< single-flight drift repair (docs/semantics.md#drift-repair)
  typename P::counter api_total{};   ///< own API requests
  typename P::counter api_errors{};
  // Drift repairs and underflows (docs/cluster.md#reconciliation): counted, never hidden.
  typename P::counter repairs_raised{};   ///< repairs that raised local usage (it was under-counted)
  typename P::counter repairs_lowered{};  ///< repairs that lowered it (over-counted)
  typename P::counter underflows{};       ///< usage updates that left local usage below zero
  typename P::counter clamped{};          ///< negative local usage set to zero with no recompute answer

  /// What node `rn` adds to a tier it reported `last` for and holds `reserved`
  /// in, given its stale state (docs/cluster.md#stale-usage).
  static mem_store contribution(bool stale, stale_usage_policy p, mem_store last, mem_store reserved) noexcept {
    if (!stale || p == stale_usage_policy::optimistic) return last;
    if (p == stale_usage_policy::exclude) return {0, 0};
    return {saturate_cast(static_cast<int128>(last.mem) + reserved.mem),
            saturate_cast(static_cast<int128>(last.store) + reserved.store)};
  }

  using remote_node_t = remote_node<P>;
  using remote_share_t = remote_share<P>;
  static constexpr std::size_t no_share = static_cast<std::size_t>(-1);

  /// The cluster block, allocated on first use. Caller holds `mu`.
  cluster_state<P>& cluster_block() {
    if (!cluster) cluster = std::make_unique<cluster_state<P>>(next_cluster_id());
    return *cluster;
  }

  /// Calls `f(entry, last, reserved, reported)` once for every tier `rn`
  /// reported (`reported`: counted in its `remote_nodes`) or has a reservation
  /// in (`entry` is never null: a share or a declaration holds its entry).
  template <class F>
  void for_each_held(const remote_node_t& rn, F&& f) const {
    for (const auto& sh : rn.tiers) {
      mem_store res{};
      if (rn.reserved != nullptr)
        if (const auto r = rn.reserved->find(std::string_view(sh.tier->name)); r != rn.reserved->end()) res = r->second;
      f(sh.tier, sh.last, res, true);
    }
    if (rn.reserved == nullptr) return;
    for (const auto& [t, res] : *rn.reserved)
      if (find_share(rn, t, 0) == no_share)
        if (tier_t* e = find_tier(t); e != nullptr) f(e, mem_store{}, res, false);
  }

  /// The slot of `rn`'s share in tier `t`, or no_share: slot `hint` first,
  /// then a scan, or the node's index when it has one. Caller holds `mu`.
  std::size_t find_share(const remote_node_t& rn, std::string_view t, std::size_t hint) const noexcept {
    const auto& v = rn.tiers;
    if (hint < v.size() && v[hint].tier->name == t) return hint;
    if (rn.index == nullptr) {
      for (std::size_t i = 0; i < v.size(); ++i)
        if (v[i].tier->name == t) return i;
      return no_share;
    }
    const tier_t* e = find_tier(t);
    if (e == nullptr) return no_share;
    const auto it = rn.index->find(e);
    return it == rn.index->end() ? no_share : it->second;
  }

  /// Appends `rn`'s share in `e`. Strong guarantee: on bad_alloc nothing changed. Caller holds `mu`.
  static void add_share(remote_node_t& rn, tier_t* e, mem_store last) {
    auto& v = rn.tiers;
    if (v.size() == v.capacity()) v.reserve(std::max<std::size_t>(2, 2 * v.capacity()));
    std::unique_ptr<typename remote_node_t::share_index> built;
    if (rn.index) {
      rn.index->emplace(e, v.size());
    } else if (v.size() + 1 >= remote_node_t::index_from) {
      built = std::make_unique<typename remote_node_t::share_index>();
      built->reserve(2 * remote_node_t::index_from);
      for (std::size_t i = 0; i < v.size(); ++i) built->emplace(v[i].tier, i);
      built->emplace(e, v.size());
    }
    v.push_back(remote_share_t{e, last});
    if (built) rn.index = std::move(built);
  }

  /// Removes `rn`'s share at slot `i` (the last one takes its place). Caller holds `mu`.
  static void erase_share(remote_node_t& rn, std::size_t i) noexcept {
    auto& v = rn.tiers;
    if (rn.index) rn.index->erase(v[i].tier);
    if (i + 1 != v.size()) {
      v[i] = v.back();
      if (rn.index) rn.index->find(v[i].tier)->second = i;
    }
    v.pop_back();
  }

  /// The entry of peer `node` in `cs` (the cluster block), created on its
  /// first message with its declared reservations attached. Callers look a
  /// known peer up themselves first (`remotes.find`, inlined on the merge
  /// path). Caller holds `mu`.
  static remote_node_t& remote_entry(cluster_state<P>& cs, std::string_view node) {
    const auto [it, created] = cs.remotes.try_emplace(std::string(node));
    if (created)
      if (const auto r = cs.remote_reservations.find(node); r != cs.remote_reservations.end()) it->second.reserved = &r->second;
    return it->second;
  }

  /// The entry of peer `node`, found or created (the cluster block too).
  remote_node_t& remote_entry(std::string_view node) {
    cluster_state<P>& cs = cluster_block();
    const auto it = cs.remotes.find(node);
    return it != cs.remotes.end() ? it->second : remote_entry(cs, node);
  }

  /// The entry of peer `node` through a peer_handle's cache `c`: the cached
  /// slot while the cluster block and its epoch are the ones it was taken at
  /// (no lookup), else found or created by name and cached. Caller holds `mu`.
  remote_node_t& peer_entry(std::string_view node, peer_cache<P>& c) {
    cluster_state<P>& cs = cluster_block();
    if (c.cluster == cs.id && c.epoch == cs.epoch) return *c.slot;
    const auto it = cs.remotes.find(node);
    remote_node_t& rn = it != cs.remotes.end() ? it->second : remote_entry(cs, node);
    c = peer_cache<P>{cs.id, cs.epoch, &rn};
    return rn;
  }

  /// Moves `rn` into (or out of) the stale state under policy `p`, adjusting
  /// the remote sums of the tiers it holds by the change in its contribution.
  /// Caller holds `mu`. No allocation.
  void restate_remote(remote_node_t& rn, bool stale, stale_usage_policy p) noexcept {
    if (rn.stale == stale && (!stale || rn.stale_as == p)) return;
    for_each_held(rn, [&](tier_t* e, mem_store last, mem_store res, bool) {
      const mem_store before = contribution(rn.stale, rn.stale_as, last, res);
      const mem_store after = contribution(stale, p, last, res);
      e->remote[0].add(wrap_sub(after.mem, before.mem));
      e->remote[1].add(wrap_sub(after.store, before.store));
      if ((after.mem != 0 || after.store != 0) && e->has_usage.load() == 0) e->has_usage.store(1);
    });
    rn.stale = stale;
    rn.stale_as = p;
  }

  /// A message from `rn` arrived: a sign of life for the expiry sweep, and the
  /// end of any stale state (its last report counts again). Caller holds `mu`.
  void heard_from(remote_node_t& rn) noexcept {
    rn.heard = true;
    restate_remote(rn, false, rn.stale_as);
  }

  /// Records what peer `node` holds reserved in `tier_name` (replacing the
  /// previous declaration; zero removes it). A declaration holds its tier
  /// entry and survives the peer's expiry; it counts only while the peer is
  /// stale under the pessimistic policy. Caller holds `mu`. Strong guarantee:
  /// on bad_alloc nothing changed.
  void set_remote_reservation(std::string_view node, std::string_view tier_name, mem_store res) {
    const bool zero = res.mem == 0 && res.store == 0;
    if (zero && !cluster) return;  // nothing declared: no cluster block for nothing
    cluster_state<P>& cs = cluster_block();
    auto& remote_reservations = cs.remote_reservations;
    auto decl = remote_reservations.find(node);
    if (decl == remote_reservations.end()) {
      if (zero) return;
      decl = remote_reservations.emplace(std::string(node), tier_amounts{}).first;
    }
    tier_amounts& m = decl->second;
    const auto it = m.find(tier_name);
    tier_t* e = find_tier(tier_name);
    const bool created = e == nullptr && !zero;
    // Undone on failure (a scope guard: no try/catch under -fno-exceptions).
    struct undo_on_failure {
      account_state* self;
      decltype(decl) d;
      tier_t* entry;
      bool armed;
      ~undo_on_failure() {
        if (!armed) return;
        if (entry != nullptr) self->release_if_unused(entry);
        if (d->second.empty()) self->cluster->remote_reservations.erase(d);
      }
    } guard{this, decl, nullptr, true};
    if (created) guard.entry = e = unpinned_tier(tier_name);
    if (it == m.end() && zero) return;  // nothing declared, nothing to remove (the guard drops an empty map)
    const mem_store old_res = it == m.end() ? mem_store{} : it->second;
    if (it == m.end())
      m.emplace(std::string(tier_name), res);
    else if (!zero)
      it->second = res;
    guard.armed = false;
    remote_node_t* rn = nullptr;
    if (const auto r = cs.remotes.find(node); r != cs.remotes.end()) rn = &r->second;
    if (rn != nullptr && e != nullptr) {
      const std::size_t rep = find_share(*rn, tier_name, 0);
      const mem_store last = rep == no_share ? mem_store{} : rn->tiers[rep].last;
      const mem_store before = contribution(rn->stale, rn->stale_as, last, old_res);
      const mem_store after = contribution(rn->stale, rn->stale_as, last, zero ? mem_store{} : res);
      e->remote[0].add(wrap_sub(after.mem, before.mem));
      e->remote[1].add(wrap_sub(after.store, before.store));
      if ((after.mem != 0 || after.store != 0) && e->has_usage.load() == 0) e->has_usage.store(1);
    }
    if (it == m.end()) {
      ++e->reservation_holds;
    } else if (zero) {
      m.erase(it);
      if (e != nullptr) {
        --e->reservation_holds;
        release_if_unused(e);
      }
    }
    if (m.empty()) {
      if (rn != nullptr) rn->reserved = nullptr;
      remote_reservations.erase(decl);
    } else if (rn != nullptr) {
      rn->reserved = &m;
    }
  }

  /// Drops every reservation declared for `node` (remove_node). Caller holds `mu`.
  void forget_remote_reservations(std::string_view node) noexcept {
    if (!cluster) return;
    auto& remote_reservations = cluster->remote_reservations;
    const auto decl = remote_reservations.find(node);
    if (decl == remote_reservations.end()) return;
    if (const auto r = cluster->remotes.find(node); r != cluster->remotes.end()) {
      restate_remote(r->second, false, r->second.stale_as);  // its declarations stop counting
      r->second.reserved = nullptr;
    }
    for (const auto& [t, _] : decl->second)
      if (tier_t* e = find_tier(t); e != nullptr) {
        --e->reservation_holds;
        release_if_unused(e);
      }
    remote_reservations.erase(decl);
  }

  /// Tier entry by name, or nullptr. Caller holds `mu`.
  tier_t* find_tier(std::string_view t) const noexcept {
    if (tier_index) {
      const auto it = tier_index->find(t);
      return it == tier_index->end() ? nullptr : tiers[it->second].get();
    }
    for (const auto& e : tiers)
      if (e->name == t) return e.get();
    return nullptr;
  }
  /// Tier entry by name for local use, created on first use and pinned (its
  /// address may be kept: it lives as long as the account). Caller holds `mu`.
  tier_t* tier(std::string_view t) {
    tier_t* e = unpinned_tier(t);
    e->pinned = true;
    return e;
  }
  /// Tier entry by name, created on first use, not pinned: peer reports only. Caller holds `mu`.
  tier_t* unpinned_tier(std::string_view t) {
    if (auto* e = find_tier(t)) return e;
    auto e = std::make_unique<tier_t>();
    e->name = std::string(t);  // a new entry has no limits: every tier with limits already has one
    // Everything that may fail comes first (the index, room in `tiers`), so
    // a failed allocation leaves the account unchanged and the push_back
    // cannot throw; no try/catch is needed (the engine compiles with -fno-exceptions).
    std::unique_ptr<tier_index_map> built;
    if (!tier_index && tiers.size() + 1 >= index_from) {
      built = std::make_unique<tier_index_map>();
      built->reserve(2 * index_from);
      for (std::size_t i = 0; i < tiers.size(); ++i) built->emplace(std::string_view(tiers[i]->name), i);
    }
    if (tiers.size() == tiers.capacity()) tiers.reserve(std::max<std::size_t>(2, 2 * tiers.capacity()));
    if (tier_index_map* idx = built ? built.get() : tier_index.get()) idx->emplace(std::string_view(e->name), tiers.size());
    tiers.push_back(std::move(e));
    if (built) tier_index = std::move(built);
    return tiers.back().get();
  }
  /// Frees `e` when nothing keeps it: no peer contribution, not pinned, no
  /// limits, no local usage, no streams or consumers. Such a tier is invisible
  /// in account info and in limit checks (a tier without limits answers 10120).
  void release_if_unused(tier_t* e) noexcept {
    if (e->remote_nodes != 0 || e->reservation_holds != 0 || e->pinned || e->has_limits.load() != 0 || e->local[0].load() != 0 ||
        e->local[1].load() != 0 || e->streams != 0 || e->consumers != 0)
      return;
    std::size_t i = 0;
    if (tier_index) {
      const auto it = tier_index->find(std::string_view(e->name));
      i = it->second;
      tier_index->erase(it);
    } else {
      while (tiers[i].get() != e) ++i;
    }
    if (i + 1 != tiers.size()) {
      std::swap(tiers[i], tiers.back());
      if (tier_index) tier_index->find(std::string_view(tiers[i]->name))->second = i;
    }
    tiers.pop_back();
  }

  /// nats-server main's `merge(tier, mem, store)` for node `rn` (replace its
  /// contribution, never accumulate), with jsacct's bounds: a zero report drops
  /// the node's contribution (and the tier when nothing else keeps it), and a
  /// new non-zero tier is refused beyond `caps` unless the tier has limits.
  /// Caller holds `mu` and has called heard_from(rn) (a node that sends is not
  /// stale). Strong guarantee: on bad_alloc nothing changed.
  remote_merge merge_remote(remote_node_t& rn, std::string_view tier_name, std::int64_t mem, std::int64_t store,
                            const remote_tier_caps& caps, std::size_t hint = 0) {
    const bool zero = mem == 0 && store == 0;
    if (const std::size_t i = find_share(rn, tier_name, hint); i != no_share) {
      remote_share_t& sh = rn.tiers[i];
      tier_t* e = sh.tier;
      // An unchanged report (the steady state) writes no shared counter.
      if (const std::int64_t d = wrap_sub(mem, sh.last.mem); d != 0) e->remote[0].add(d);
      if (const std::int64_t d = wrap_sub(store, sh.last.store); d != 0) e->remote[1].add(d);
      if (!zero) {
        sh.last = {mem, store};
        return remote_merge::applied;
      }
      erase_share(rn, i);
      --e->remote_nodes;
      release_if_unused(e);
      return remote_merge::released;
    }
    tier_t* e = find_tier(tier_name);
    const bool limited = e != nullptr && e->has_limits.load() != 0;
    if (zero) {
      // main creates the tier's usage entry even for zero usage; only a tier
      // with limits can tell (2.9.10's post-store check skips tiers without
      // one), and such a tier always has an entry.
      if (e != nullptr && e->has_usage.load() == 0) e->has_usage.store(1);
      return remote_merge::applied;
    }
    if (!limited) {
      if (rn.tiers.size() >= caps.per_node) return remote_merge::refused_node_cap;
      if (e == nullptr && tiers.size() >= caps.per_account) return remote_merge::refused_account_cap;
    }
    const bool created = e == nullptr;
    if (created) e = unpinned_tier(tier_name);
    // A tier created here is freed again if recording the node's share fails
    // (a scope guard: no try/catch, the engine compiles with -fno-exceptions).
    struct release_on_failure {
      account_state* self;
      tier_t* entry;
      bool armed;
      ~release_on_failure() {
        if (armed) self->release_if_unused(entry);
      }
    } guard{this, e, created};
    add_share(rn, e, mem_store{mem, store});
    guard.armed = false;
    ++e->remote_nodes;
    if (e->has_usage.load() == 0) e->has_usage.store(1);
    e->remote[0].add(mem);
    e->remote[1].add(store);
    return remote_merge::applied;
  }

  /// Emits the `remote_tiers_refused` event: `refused` of `records` records
  /// from `node` were refused, the first for `first_tier`. Call without `mu` held.
  void note_remote_refusal(std::string_view node, std::string_view first_tier, std::size_t refused, std::size_t records) const {
    if (!server->events) return;
    const auto caps = server->remote_caps();
    std::string text = "Refused " + std::to_string(refused) + " of " + std::to_string(records) +
                       " tiers in remote usage update from node \"" + std::string(node) + "\" for account \"" + name +
                       "\" (limits: " + std::to_string(caps.per_node) + " tiers per node, " + std::to_string(caps.per_account) +
                       " per account)";
    server->emit(event{event_kind::remote_tiers_refused, name, std::string(first_tier), storage_type::file,
                       static_cast<std::int64_t>(refused), static_cast<std::int64_t>(records), errc::none, std::move(text)});
  }

  /// forget_remote(node), and ignore its updates for `ignore_sweeps` expiry
  /// sweeps (0: accept them at once). Caller holds `mu`. Strong guarantee.
  void remove_remote(std::string_view node, std::uint32_t ignore_sweeps) {
    if (ignore_sweeps != 0) {
      cluster_state<P>& cs = cluster_block();
      removed_node tomb{ignore_sweeps, false, 0};
      if (const auto it = cs.remotes.find(node); it != cs.remotes.end())
        tomb = {ignore_sweeps, it->second.has_sequence, it->second.instance};
      if (const auto it = cs.removed_nodes.find(node); it != cs.removed_nodes.end())
        it->second = tomb;
      else
        cs.removed_nodes.emplace(std::string(node), tomb);
    }
    forget_remote(node);
    forget_remote_reservations(node);
  }

  /// Whether an update from `node` is one remove_node said to ignore: true
  /// while its removal is recent, unless the update is sequenced and comes
  /// from a newer sender instance (the node restarted and rejoined, which
  /// ends the removal). Caller holds `mu`.
  bool ignore_removed(std::string_view node, bool sequenced, std::uint64_t instance) noexcept {
    if (!cluster || cluster->removed_nodes.empty()) return false;  // the common case: no tree walk
    auto& removed_nodes = cluster->removed_nodes;
    const auto it = removed_nodes.find(node);
    if (it == removed_nodes.end()) return false;
    if (sequenced && it->second.has_sequence && instance > it->second.instance) {
      removed_nodes.erase(it);
      return false;
    }
    return true;
  }

  /// Subtracts everything `node` reported and forgets it (its tiers are
  /// released when nothing else keeps them). O(the node's tiers). Caller holds `mu`.
  void forget_remote(std::string_view node) noexcept {
    if (!cluster) return;
    const auto it = cluster->remotes.find(node);
    if (it != cluster->remotes.end()) forget_remote(it);
  }
  /// forget_remote for the entry at `it` (cluster->remotes). Bumps the
  /// cluster epoch: peer handles cached before look the node up again.
  void forget_remote(typename std::map<std::string, remote_node_t, std::less<>>::iterator it) noexcept {
    cluster_state<P>& cs = *cluster;
    const remote_node_t& rn = it->second;
    for_each_held(rn, [&](tier_t* e, mem_store last, mem_store res, bool reported) {
      const mem_store v = contribution(rn.stale, rn.stale_as, last, res);
      e->remote[0].add(wrap_sub(0, v.mem));
      e->remote[1].add(wrap_sub(0, v.store));
      if (!reported) return;  // held by the declaration, which stays
      --e->remote_nodes;
      release_if_unused(e);
    });
    cs.remote_api -= rn.api;
    cs.remote_errors -= rn.errors;
    cs.remotes.erase(it);
    ++cs.epoch;
  }
};

/// Σ of the positive MaxMemory / MaxStore of a limits map (sufficientResources `pos`).
inline std::array<int128, 2> positive_limits(const limits_map& m) noexcept {
  std::array<int128, 2> s{};
  for (const auto& [_, l] : m) {
    if (l.max_memory > 0) s[0] += l.max_memory;
    if (l.max_store > 0) s[1] += l.max_store;
  }
  return s;
}

}  // namespace jsacct::detail
