// props/runtime/flat_table.prop.cpp — the one internal hash table against std::unordered_map: any
// sequence of insertions and lookups, under good and deliberately colliding hashes, agrees.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <bit>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "runtime/flat_table.hpp"

using aotkit::runtime::detail::flat_table;
using aotkit::runtime::detail::mix64;

namespace {

struct slot {
  std::uint64_t key = 0;
  std::uint64_t value = 0;
  std::uint32_t hash_ = 0;  // fewer bits than a lookup's hash: the table compares the low 32
  bool used = false;
  [[nodiscard]] bool vacant() const noexcept { return !used; }
  [[nodiscard]] std::uint32_t hash() const noexcept { return hash_; }
};

// `bits` of a good hash: few bits make long runs of equal hashes and long probe paths.
std::uint64_t hash_of(std::uint64_t key, int bits) { return mix64(key) & ((std::uint64_t{1} << bits) - 1); }

struct op {
  bool insert;
  std::uint64_t key;
  std::uint64_t value;
};

}  // namespace

TEST_CASE("flat_table agrees with std::unordered_map", "[runtime][flat_table]") {
  rc::prop("emplace keeps the first value; find answers every key; at most half full", [] {
    const int bits = *rc::gen::element(2, 8, 32);
    const auto ops = *rc::gen::container<std::vector<op>>(rc::gen::build<op>(
        rc::gen::set(&op::insert, rc::gen::arbitrary<bool>()),
        rc::gen::set(&op::key, rc::gen::inRange<std::uint64_t>(0, 300)),
        rc::gen::set(&op::value, rc::gen::arbitrary<std::uint64_t>())));
    flat_table<slot> table;
    std::unordered_map<std::uint64_t, std::uint64_t> model;
    for (const op& o : ops) {
      std::uint64_t h = hash_of(o.key, bits);
      auto match = [&](const slot& s) { return s.key == o.key; };
      if (o.insert) {
        auto [s, fresh] = table.emplace(h, match);
        RC_ASSERT(fresh == !model.contains(o.key));
        if (fresh) *s = {o.key, o.value, static_cast<std::uint32_t>(h), true};
        model.try_emplace(o.key, o.value);
        RC_ASSERT(s->value == model.at(o.key));
      } else {
        const slot* s = std::as_const(table).find(h, match);
        RC_ASSERT((s != nullptr) == model.contains(o.key));
        if (s != nullptr) RC_ASSERT(s->value == model.at(o.key));
      }
      RC_ASSERT(table.size() == model.size());
      RC_ASSERT(2 * table.size() <= table.capacity() || table.capacity() == 0);
      RC_ASSERT(std::has_single_bit(table.capacity()) || table.capacity() == 0);
    }
    std::size_t seen = 0;
    table.for_each([&](const slot& s) {
      ++seen;
      RC_ASSERT(model.at(s.key) == s.value);
    });
    RC_ASSERT(seen == model.size());
  });

  rc::prop("rebuild under a new hash keeps every entry findable by it", [] {
    const auto keys = *rc::gen::container<std::vector<std::uint64_t>>(rc::gen::inRange<std::uint64_t>(0, 1000));
    flat_table<slot> table;
    std::unordered_map<std::uint64_t, std::uint64_t> model;
    for (std::uint64_t k : keys) {
      auto [s, fresh] = table.emplace(k, [&](const slot& x) { return x.key == k; });  // identity placement
      if (fresh) *s = {k, k * 3, static_cast<std::uint32_t>(k), true};
      model.try_emplace(k, k * 3);
    }
    table.rebuild(flat_table<slot>::capacity_for(model.size()), [](slot& s) {
      return s.hash_ = static_cast<std::uint32_t>(mix64(s.key));
    });
    RC_ASSERT(table.size() == model.size());
    for (auto [k, v] : model) {
      const slot* s = table.find(static_cast<std::uint32_t>(mix64(k)), [&](const slot& x) { return x.key == k; });
      RC_ASSERT(s != nullptr);
      RC_ASSERT(s->value == v);
    }
  });

  rc::prop("place puts a second entry behind the first: find answers the first, passed sees it", [] {
    const auto keys = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::uint64_t>>(rc::gen::inRange<std::uint64_t>(0, 50)));
    flat_table<slot> table;
    table.reserve(keys.size());
    std::unordered_map<std::uint64_t, std::uint64_t> first;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      std::uint64_t k = keys[i], h = hash_of(k, 3);
      bool shadowed = false;
      table.place(h, [&](const slot& s) noexcept { shadowed = shadowed || s.key == k; }) = {k, i, static_cast<std::uint32_t>(h), true};
      RC_ASSERT(shadowed == first.contains(k));
      first.try_emplace(k, i);
    }
    for (auto [k, i] : first)
      RC_ASSERT(table.find(hash_of(k, 3), [&](const slot& s) { return s.key == k; })->value == i);
  });
}
