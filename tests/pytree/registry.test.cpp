// tests/pytree/registry.test.cpp — custom node types: register_pytree_node with flatten/unflatten
// callbacks, key entries, (de)serializers, torch's error texts, and Python objects as trees.
#include <catch2/catch.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>
#include "../deep.hpp"

import aotkit.runtime;
import aotkit.pytree;

using namespace aotkit::pytree;
using aotkit::runtime::Value;
using aotkit::runtime::value_list;

namespace {

// A Python object with two attributes and a tag, like a user's `class Pair: first, second`.
class pair_object : public aotkit::runtime::object {
 public:
  pair_object(Value first, Value second, std::string tag) : first(std::move(first)), second(std::move(second)), tag(std::move(tag)) {}
  [[nodiscard]] std::string type_name() const override { return "my.Pair"; }
  [[nodiscard]] std::string repr() const override { return "Pair(" + first.repr() + ", " + second.repr() + ")"; }
  [[nodiscard]] bool equals(const aotkit::runtime::object& o) const noexcept override {
    const auto* p = dynamic_cast<const pair_object*>(&o);
    return p && p->first == first && p->second == second && p->tag == tag;
  }
  Value first, second;
  std::string tag;
};

Value make_pair(Value a, Value b, std::string tag = "t") {
  return Value(std::make_shared<const pair_object>(std::move(a), std::move(b), std::move(tag)));
}

// Registers my.Pair once per process (each TEST_CASE runs in its own ctest process, but Catch can
// also run them all in one).
void register_pair() {
  if (find_pytree_node("my.Pair")) return;
  node_def def;
  def.flatten = [](const Value& v) {
    const auto& p = dynamic_cast<const pair_object&>(*v.to_object());
    return std::pair{value_list{p.first, p.second}, aotkit::runtime::json_string(p.tag, true)};
  };
  def.unflatten = [](value_list children, std::string_view context) {
    std::string tag(context.substr(1, context.size() - 2));
    return make_pair(std::move(children.at(0)), std::move(children.at(1)), tag);
  };
  def.child_keys = [](std::string_view, std::size_t) { return KeyPath{GetAttrKey{"first"}, GetAttrKey{"second"}}; };
  def.serialized_type_name = "my.Pair";
  register_pytree_node("my.Pair", std::move(def));
}

}  // namespace

TEST_CASE("a registered type flattens through its flatten_fn, recursively", "[pytree][registry]") {
  register_pair();
  Value obj = Value::tuple({Value(1), make_pair(Value(2), make_pair(Value::list({Value(3)}), Value()))});
  auto [leaves, spec] = tree_flatten(obj);
  REQUIRE(leaves == value_list{Value(1), Value(2), Value(3), Value()});
  CHECK(spec.num_leaves() == 4);
  CHECK(spec.repr(repr_style::torch1_13) ==
        "TreeSpec(tuple, None, [*, TreeSpec(Pair, \"t\", [*, TreeSpec(Pair, \"t\", [TreeSpec(list, None, [*]), *])])])");
  CHECK(tree_unflatten_value(leaves, spec) == obj);
  auto [leaves2, spec2] = tree_flatten(obj, none_is::node);
  CHECK(leaves2.size() == 3);
  CHECK(tree_unflatten_value(leaves2, spec2) == obj);
}

TEST_CASE("unregistered objects are leaves, and is_leaf keeps a registered one whole", "[pytree][registry]") {
  register_pair();
  Value obj = Value::list({make_pair(Value(1), Value(2)), Value(3)});
  auto t = tree_from_value(obj, [](const Value& v) { return v.is_object(); });
  CHECK(t.leaves().size() == 2);
  CHECK(t.structure().repr() == "TreeSpec(list, None, [*,\n  *])");
  CHECK(tree_to_value(t) == obj);
}

TEST_CASE("key paths through custom nodes use flatten_with_keys", "[pytree][registry]") {
  register_pair();
  auto t = tree_from_value(Value::tuple({make_pair(Value(1), Value::list({Value(2)}))}));
  auto flat = tree_flatten_with_path(t).first;
  REQUIRE(flat.size() == 2);
  CHECK(keystr(flat[0].first) == "[0].first");
  CHECK(keystr(flat[1].first) == "[0].second[0]");
  CHECK(key_get(t, flat[1].first).value() == Value(2));
  auto mapped = tree_map_with_path([](const KeyPath& p, const Value&) { return keystr(p); }, t);
  CHECK(mapped.leaves()[1] == "[0].second[0]");
}

// A node type's two required callbacks, for tests about the rest of its registration.
node_def with_callbacks() {
  node_def def;
  def.flatten = [](const Value&) { return std::pair{value_list{Value(1)}, std::string("null")}; };
  def.unflatten = [](value_list children, std::string_view) { return Value::list(std::move(children)); };
  return def;
}

TEST_CASE("custom nodes without flatten_with_keys give torch's key path error", "[pytree][registry]") {
  node_def def = with_callbacks();
  register_pytree_node("my.NoKeys", std::move(def));
  auto spec = TreeSpec::custom("my.NoKeys", "null", {TreeSpec::leaf()});
  CHECK_THROWS_WITH(leaf_paths(spec), "Did not find a flatten_with_keys_fn for type: <class 'my.NoKeys'>. Please pass a "
                                      "flatten_with_keys_fn argument to register_pytree_node.");
}

TEST_CASE("registering twice is torch's ValueError; _register_pytree_node warns and overwrites", "[pytree][registry]") {
  // issue 17, L8: without callbacks objects of the type flattened as leaves, silently
  CHECK_THROWS_AS(register_pytree_node("my.Twice", {}), aotkit::value_error);
  node_def only_flatten;
  only_flatten.flatten = with_callbacks().flatten;
  CHECK_THROWS_AS(register_pytree_node("my.Twice", std::move(only_flatten)), aotkit::value_error);
  register_pytree_node("my.Twice", with_callbacks());
  CHECK_THROWS_MATCHES(register_pytree_node("my.Twice", with_callbacks()), aotkit::value_error,
                       Catch::Message("<class 'my.Twice'> is already registered as pytree node."));
  std::vector<aotkit::capture_warnings::record> warnings;
  {
    aotkit::capture_warnings guard;
    node_def def = with_callbacks();
    def.serialized_type_name = "twice";
    _register_pytree_node("my.Twice", std::move(def));
    warnings = guard.records();
  }
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].message == "<class 'my.Twice'> is already registered as pytree node. Overwriting the previous registration.");
  CHECK(find_pytree_node("my.Twice")->serialized_type_name.value() == "twice");
  CHECK(_deregister_pytree_node("my.Twice"));
  CHECK_FALSE(find_pytree_node("my.Twice"));
  node_def half = with_callbacks();
  half.to_dumpable_context = [](std::string_view c) { return std::string(c); };
  CHECK_THROWS_WITH(register_pytree_node("my.Half", std::move(half)),
                    "Both to_dumpable_context and from_dumpable_context for <class 'my.Half'> must be None or registered.");
  register_namedtuple("my.Point", {"x", "y"}, "my.Point");
  CHECK_THROWS_WITH(register_pytree_node("my.Point", with_callbacks()), "<class 'my.Point'> is already registered as pytree node.");
}

TEST_CASE("treespec_dumps of custom nodes: serialized name, dumpable contexts, torch's errors", "[pytree][registry]") {
  register_pair();
  auto spec = TreeSpec::custom("my.Pair", "\"t\"", {TreeSpec::leaf(), TreeSpec::leaf()});
  std::string text = treespec_dumps(spec);
  CHECK(text == R"([1, {"type": "my.Pair", "context": "\"t\"", "children_spec": [{"type": null, "context": null, )"
                R"("children_spec": []}, {"type": null, "context": null, "children_spec": []}]}])");
  CHECK(treespec_loads(text) == spec);

  node_def dumpable = with_callbacks();
  dumpable.serialized_type_name = "my.Boxed";
  dumpable.to_dumpable_context = [](std::string_view c) { return "{\"z\": " + std::string(c) + ", \"a\": [1.5, true]}"; };
  dumpable.from_dumpable_context = [](std::string_view d) {
    CHECK(d == R"({"z":7,"a":[1.5,true]})");  // member order kept
    return std::string("7");
  };
  register_pytree_node("my.Box", std::move(dumpable));
  auto box = TreeSpec::custom("my.Box", "7", {TreeSpec::leaf()});
  std::string boxed = treespec_dumps(box);
  CHECK(boxed == R"([1, {"type": "my.Boxed", "context": {"z": 7, "a": [1.5, true]}, "children_spec": [{"type": null, )"
                 R"("context": null, "children_spec": []}]}])");
  CHECK(treespec_loads(boxed) == box);

  register_pytree_node("my.Nameless", with_callbacks());
  CHECK_THROWS_MATCHES(treespec_dumps(TreeSpec::custom("my.Nameless", "null", {})), aotkit::not_implemented_error,
                       Catch::Message("No registered serialization name for <class 'my.Nameless'> found. Please update "
                                      "your _register_pytree_node call with a `serialized_type_name` kwarg."));
  CHECK_THROWS_MATCHES(treespec_dumps(TreeSpec::custom("my.Unknown", "null", {})), aotkit::not_implemented_error,
                       Catch::Message("Serializing <class 'my.Unknown'> in pytree is not registered."));
}

TEST_CASE("tree_map with is_leaf maps whole subtrees", "[pytree][registry]") {
  using T = Tree<Value>;
  T t = T::tuple({T::list({Value(1), Value(2)}), Value(3)});
  auto sizes = tree_map([](const T& sub) { return sub.leaves().size(); }, t,
                        [](const node_view<Value>& n) { return n.kind() == node_kind::list; });
  CHECK(sizes.leaves()[0] == 2);
  CHECK(sizes.leaves()[1] == 1);
  CHECK(sizes.structure().num_leaves() == 2);
}

TEST_CASE("Python objects nested a million levels deep flatten and unflatten without recursion", "[pytree][registry]") {
  register_pair();
  // A pair every 1000 levels: the test's own pair_object compares and dies recursively.
  Value v(0);
  for (std::size_t i = 0; i < aotkit_testing::deep_levels; ++i) {
    if (i % 1000 == 0) {
      v = make_pair(std::move(v), Value(static_cast<std::int64_t>(i)));
    } else {
      value_list one;  // not `{std::move(v)}`: an initializer_list would copy the whole chain
      one.push_back(std::move(v));
      v = Value::list(std::move(one));
    }
  }
  auto [leaves, spec] = tree_flatten(v);
  constexpr std::size_t pairs = aotkit_testing::deep_levels / 1000;
  CHECK(leaves.size() == pairs + 1);
  CHECK(spec.num_nodes() == aotkit_testing::deep_levels + pairs + 1);
  CHECK(tree_unflatten_value(std::move(leaves), spec) == v);
}
