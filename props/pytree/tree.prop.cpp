// props/pytree/tree.prop.cpp — laws of tree values over arbitrary trees of every node kind (deep and
// wide): flatten/unflatten inverses, counts, identity maps, key paths, and Python objects as trees.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

import aotkit.runtime;
import aotkit.pytree;

using namespace aotkit::pytree;
using aotkit::runtime::Value;
using aotkit::runtime::value_list;
using T = Tree<Value>;

namespace {

// A registered Python class with a variable number of attributes; its context is the count.
class bag : public aotkit::runtime::object {
 public:
  explicit bag(value_list items) : items(std::move(items)) {}
  [[nodiscard]] std::string type_name() const override { return "props.Bag"; }
  [[nodiscard]] bool equals(const aotkit::runtime::object& o) const noexcept override {
    const auto* b = dynamic_cast<const bag*>(&o);
    return b && b->items == items;
  }
  value_list items;
};

void register_bag() {
  static const bool once = [] {
    node_def def;
    def.flatten = [](const Value& v) {
      const auto& b = dynamic_cast<const bag&>(*v.to_object());
      return std::pair{b.items, std::to_string(b.items.size())};
    };
    def.unflatten = [](value_list children, std::string_view) { return Value(std::make_shared<const bag>(std::move(children))); };
    def.child_keys = [](std::string_view, std::size_t n) {
      KeyPath keys;
      for (std::size_t i = 0; i < n; ++i) keys.push_back(GetAttrKey{"a" + std::to_string(i)});
      return keys;
    };
    def.serialized_type_name = "props.Bag";
    register_pytree_node("props.Bag", std::move(def));
    return true;
  }();
  (void)once;
}

Value gen_leaf() {
  switch (*rc::gen::inRange(0, 4)) {
    case 0: return Value(*rc::gen::arbitrary<std::int64_t>());
    case 1: return Value(*rc::gen::arbitrary<double>());
    case 2: return Value(*rc::gen::container<std::string>(rc::gen::inRange<char>('a', 'z' + 1)));
    default: return Value(*rc::gen::arbitrary<bool>());
  }
}

std::vector<key> unique_keys(std::size_t n) {
  std::vector<key> keys;
  for (std::size_t i = 0; i < n; ++i) {
    if (*rc::gen::arbitrary<bool>()) keys.emplace_back(static_cast<std::int64_t>(i));
    else keys.emplace_back("k" + std::to_string(i));
  }
  return keys;
}

// A tree of every node kind; `depth` bounds the nesting, `wide` allows up to 40 children.
T gen_tree(int depth, bool wide) {
  int k = depth == 0 ? 0 : *rc::gen::inRange(0, 10);
  if (k == 0) return T(gen_leaf());
  if (k == 1) return T::none();
  auto n = *rc::gen::inRange<std::size_t>(0, wide ? 40 : 4);
  std::vector<T> children;
  for (std::size_t i = 0; i < n; ++i) children.push_back(gen_tree(depth - 1, false));
  node_context c;
  switch (k) {
    case 2: return T::list(std::move(children));
    case 3: return T::tuple(std::move(children));
    case 4: return T::dict(unique_keys(n), std::move(children));
    case 5: return T::ordered_dict(unique_keys(n), std::move(children));
    case 6:
      c.type_module = "builtins";
      c.type_name = "list";
      c.keys = unique_keys(n);
      return T::node(node_kind::default_dict, std::move(c), std::move(children));
    case 7:
      c.maxlen = *rc::gen::element<std::optional<std::int64_t>>(std::nullopt, 9);
      return T::node(node_kind::deque, std::move(c), std::move(children));
    case 8: {
      std::vector<std::string> fields;
      for (std::size_t i = 0; i < n; ++i) fields.push_back("f" + std::to_string(i));
      return T::namedtuple("props.Point" + std::to_string(n), std::move(fields), std::move(children));
    }
    default:
      c.type_name = "props.Bag";
      c.json = std::to_string(n);
      return T::node(node_kind::custom, std::move(c), std::move(children));
  }
}

// A Python object: lists, tuples, bags, None and scalars.
Value gen_value(int depth) {
  int k = depth == 0 ? 0 : *rc::gen::inRange(0, 5);
  if (k == 0) return gen_leaf();
  if (k == 1) return Value();
  auto n = *rc::gen::inRange<std::size_t>(0, 4);
  value_list items;
  for (std::size_t i = 0; i < n; ++i) items.push_back(gen_value(depth - 1));
  if (k == 2) return Value::list(std::move(items));
  if (k == 3) return Value::tuple(std::move(items));
  return Value(std::make_shared<const bag>(std::move(items)));
}

}  // namespace

TEST_CASE("tree laws", "[pytree][tree]") {
  register_bag();
  rc::prop("unflatten(flatten(t)) == t and the leaf count is num_leaves, under both None conventions", [] {
    T t = gen_tree(*rc::gen::inRange(0, 7), *rc::gen::arbitrary<bool>());
    for (none_is none : {none_is::leaf, none_is::node}) {
      auto [leaves, spec] = tree_flatten(t, none);
      RC_ASSERT(leaves.size() == spec.num_leaves());
      T back = tree_unflatten(leaves, spec);
      auto [leaves2, spec2] = tree_flatten(back, none);
      RC_ASSERT(spec2 == spec);
      RC_ASSERT(leaves2 == leaves);
    }
    RC_ASSERT(tree_unflatten(tree_flatten(t, none_is::node).first, t.structure()) == t);
  });
  rc::prop("tree_map(identity) == t", [] {
    T t = gen_tree(*rc::gen::inRange(0, 7), *rc::gen::arbitrary<bool>());
    RC_ASSERT(tree_map([](const Value& v) { return v; }, t, none_is::node) == t);
  });
  rc::prop("key paths fetch the leaves they name", [] {
    T t = gen_tree(*rc::gen::inRange(0, 6), *rc::gen::arbitrary<bool>());
    auto [pairs, spec] = tree_flatten_with_path(t, none_is::node);
    RC_ASSERT(pairs.size() == spec.num_leaves());
    for (const auto& [path, leaf] : pairs) RC_ASSERT(key_get(t, path).value() == leaf);
  });
  rc::prop("Python objects round-trip through tree_flatten / tree_unflatten_value", [] {
    Value v = gen_value(*rc::gen::inRange(0, 7));
    for (none_is none : {none_is::leaf, none_is::node}) {
      auto [leaves, spec] = tree_flatten(v, none);
      RC_ASSERT(leaves.size() == spec.num_leaves());
      RC_ASSERT(tree_unflatten_value(leaves, spec) == v);
    }
  });
}
