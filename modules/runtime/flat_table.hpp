// modules/runtime/flat_table.hpp — the one open-addressing hash table of aotkit's internals (node
// names, name bases, find_nodes lists, forced names, seq_nr maps); installed beside the interface
// units that include it, but not an API.
#pragma once

#include <algorithm>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

namespace aotkit::runtime::detail {

/// murmur3's 64-bit finalizer: spreads keys whose differences sit in a few bits (dense ids, a
/// small tag in the high word) over the low bits a table indexes by.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDull;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ull;
  x ^= x >> 33;
  return x;
}

/// Fibonacci hashing: one multiply, its high word. Enough for small integer keys (ids, an opcode
/// beside an index) on a hot path where mix64's two multiplies show.
constexpr std::uint64_t fibonacci_hash(std::uint64_t x) noexcept { return (x * 0x9E3779B97F4A7C15ull) >> 32; }

/// A slot of a flat_table: vacant as default-constructed; once filled, `hash()` is the hash it was
/// placed by. Slots store it (whole or its low bits), so growing never hashes a key again and a
/// probe compares it before touching the key (which may live elsewhere: a node's name), unless
/// the slot declares `static constexpr bool compare_hash = false` (an integer key is as cheap).
template <class S>
concept flat_slot = std::default_initializable<S> && std::movable<S> && requires(const S& s) {
  { s.vacant() } noexcept -> std::same_as<bool>;
  { s.hash() } noexcept -> std::convertible_to<std::uint64_t>;
};

/// Linear probing over a power-of-two array of slots, at most half full: an insertion that would
/// pass half load first grows the array to the next power of two with room, re-placing each slot
/// by its stored hash. Nothing is ever removed (callers keep lists that drop entries, or stale
/// slots that match nothing and count toward the load). Lookups take a hash and a predicate on
/// slots, so a key may be anything the slot can be compared with. `Storage` is the slot array:
/// std::vector, or any type constructible as (count, fill) with size() and operator[]. (Slot is
/// checked against flat_slot where the table places one, not at the template's head: a slot type
/// nested in a class being defined is not yet default-initializable there.)
template <class Slot, class Storage = std::vector<Slot>>
class flat_table {
 public:
  static constexpr std::size_t min_capacity = 16;

  flat_table() = default;
  flat_table(const flat_table&) = default;
  flat_table& operator=(const flat_table&) = default;
  // a moved-from table is empty: its count goes with its slots
  flat_table(flat_table&& o) noexcept : slots_(std::move(o.slots_)), size_(std::exchange(o.size_, 0)) {}
  flat_table& operator=(flat_table&& o) noexcept {
    slots_ = std::move(o.slots_);
    size_ = std::exchange(o.size_, 0);
    return *this;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }  ///< occupied slots
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

  /// The occupied slot on h's probe path that `match` accepts, or null.
  template <class Match>
  [[nodiscard]] Slot* find(std::uint64_t h, Match&& match) noexcept {
    return const_cast<Slot*>(std::as_const(*this).find(h, match));
  }
  template <class Match>
  [[nodiscard]] const Slot* find(std::uint64_t h, Match&& match) const noexcept {
    if (slots_.size() == 0) return nullptr;
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      static_assert(flat_slot<Slot>);
      if (s.vacant()) return nullptr;
      if (compare_hash && static_cast<std::uint64_t>(s.hash()) != (h & hash_bits(s))) continue;
      if (match(s)) return &s;
    }
  }

  /// {the slot `match` accepts, false}; else {a vacant slot on h's path, now counted, true}, which
  /// the caller fills (its hash() then being h). May grow, moving every slot.
  template <class Match>
  std::pair<Slot*, bool> emplace(std::uint64_t h, Match&& match) {
    if (2 * (size_ + 1) > slots_.size()) {  // a new entry would grow the table: look first
      if (Slot* s = find(h, match)) return {s, false};
      reserve(size_ + 1);
      return {&place(h, [](const Slot&) noexcept {}), true};
    }
    std::size_t mask = slots_.size() - 1;  // one walk: the key's slot, or the vacant one ending its path
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.vacant()) {
        ++size_;
        return {&s, true};
      }
      if (compare_hash && static_cast<std::uint64_t>(s.hash()) != (h & hash_bits(s))) continue;
      if (match(std::as_const(s))) return {&s, false};
    }
  }

  /// A vacant slot on h's path, now counted, for an entry known to be absent (or a second slot
  /// for one: the earlier answers find first); `passed` sees each occupied slot on the way. Does
  /// not grow: reserve first.
  template <class Passed>
  Slot& place(std::uint64_t h, Passed&& passed) noexcept {
    static_assert(flat_slot<Slot>);
    std::size_t mask = slots_.size() - 1, i = h & mask;
    for (; !slots_[i].vacant(); i = (i + 1) & mask) passed(std::as_const(slots_[i]));
    ++size_;
    return slots_[i];
  }

  /// Room for `n` occupied slots at most half full: grows (re-placing by stored hashes) if not.
  void reserve(std::size_t n) {
    if (2 * n > slots_.size()) rebuild(capacity_for(n), [](const Slot& s) noexcept { return s.hash(); });
  }

  /// Every slot re-placed into `capacity` slots (a power of two, more than twice size()) by
  /// `rehash(slot)`, which returns the slot's new hash and may store it.
  /// Strong guarantee: when the new slots cannot be allocated, the table is as it was.
  template <class Rehash>
  void rebuild(std::size_t capacity, Rehash&& rehash) {
    static_assert(std::is_nothrow_move_assignable_v<Slot>, "slots are re-placed by moves that cannot fail");
    Storage old(capacity, Slot{});  // allocated first: what throws, throws before anything moved
    std::swap(old, slots_);
    size_ = 0;
    for (std::size_t k = 0; k < old.size(); ++k)
      if (!old[k].vacant()) {
        std::uint64_t h = rehash(old[k]);
        place(h, [](const Slot&) noexcept {}) = std::move(old[k]);
      }
  }

  /// Emptied, with room for `n` entries.
  void reset(std::size_t n) {
    slots_ = Storage(capacity_for(n), Slot{});
    size_ = 0;
  }
  /// Emptied, holding no memory.
  void release() noexcept {
    slots_ = Storage();
    size_ = 0;
  }

  /// The power-of-two capacity holding `n` slots at most half full.
  [[nodiscard]] static std::size_t capacity_for(std::size_t n) noexcept {
    return std::max(min_capacity, std::bit_ceil(2 * n));
  }

  /// Starts fetching h's home slot (a batch of placements overlaps their cache misses).
  void prefetch(std::uint64_t h) const noexcept {
    if (slots_.size() != 0) __builtin_prefetch(&slots_[h & (slots_.size() - 1)], 1);
  }

  /// Slot `i` (0 .. capacity()), and a slot's index: stable until the table grows.
  [[nodiscard]] Slot& operator[](std::size_t i) noexcept { return slots_[i]; }
  [[nodiscard]] const Slot& operator[](std::size_t i) const noexcept { return slots_[i]; }
  [[nodiscard]] std::size_t index_of(const Slot& s) const noexcept {
    return static_cast<std::size_t>(&s - &slots_[0]);
  }

  /// `f(slot)` for each occupied slot, in slot order.
  template <class F>
  void for_each(F&& f) {
    for (std::size_t i = 0; i < slots_.size(); ++i)
      if (!slots_[i].vacant()) f(slots_[i]);
  }
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < slots_.size(); ++i)
      if (!slots_[i].vacant()) f(slots_[i]);
  }

 private:
  // A probe compares the stored hash before calling `match`, unless the slot says its key
  // compares as cheaply (`static constexpr bool compare_hash = false`: an integer key).
  static constexpr bool compare_hash = [] {
    if constexpr (requires { Slot::compare_hash; })
      return Slot::compare_hash;
    else
      return true;
  }();
  // Slots storing fewer hash bits than 64 compare that many of h's.
  static constexpr std::uint64_t hash_bits(const Slot& s) noexcept {
    using H = decltype(s.hash());
    if constexpr (sizeof(H) >= sizeof(std::uint64_t))
      return ~std::uint64_t{0};
    else
      return (std::uint64_t{1} << (8 * sizeof(H))) - 1;
  }

  Storage slots_;
  std::size_t size_ = 0;
};

}  // namespace aotkit::runtime::detail
