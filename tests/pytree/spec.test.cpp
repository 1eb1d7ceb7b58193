// tests/pytree/spec.test.cpp — TreeSpec: counts, children, equality and hash, torch's reprs and
// treespec_pprint, and conformance with 2000 specs recorded from torch 1.13.
#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

import aotkit.runtime;
import aotkit.pytree;

using namespace aotkit::pytree;

namespace {

const TreeSpec L = TreeSpec::leaf();

// (1, {"b": [2, 3], "a": None}) with None as a leaf.
TreeSpec example() { return TreeSpec::tuple({L, TreeSpec::dict({"b", "a"}, {TreeSpec::list({L, L}), L})}); }

}  // namespace

TEST_CASE("TreeSpec counts nodes, leaves and children in O(1)", "[pytree][spec]") {
  TreeSpec s = example();
  CHECK(s.num_leaves() == 4);
  CHECK(s.num_nodes() == 7);
  CHECK(s.num_children() == 2);
  CHECK(s.kind() == node_kind::tuple);
  CHECK(L.is_leaf());
  CHECK_FALSE(TreeSpec::tuple({}).is_leaf());  // nodes 1, leaves 0
  CHECK(TreeSpec::tuple({}).num_leaves() == 0);
  CHECK(s.child(1) == TreeSpec::dict({"b", "a"}, {TreeSpec::list({L, L}), L}));
  CHECK(s.child(1).context().keys == std::vector<key>{"b", "a"});
  CHECK(s.children().size() == 2);
  CHECK_THROWS_AS(s.child(2), aotkit::index_error);
  CHECK_THROWS_AS(TreeSpec::dict({"a"}, {}), aotkit::value_error);
  CHECK_THROWS_AS(TreeSpec::dict({"a", "a"}, {L, L}), aotkit::value_error);
}

TEST_CASE("TreeSpec equality and hash include keys, kinds and contexts", "[pytree][spec]") {
  CHECK(example() == example());
  CHECK(example().hash() == example().hash());
  CHECK(std::hash<TreeSpec>{}(example()) == example().hash());
  TreeSpec swapped = TreeSpec::tuple({L, TreeSpec::dict({"a", "b"}, {TreeSpec::list({L, L}), L})});
  CHECK(swapped != example());
  CHECK(swapped.hash() != example().hash());
  CHECK(TreeSpec::dict({std::int64_t{1}}, {L}) != TreeSpec::dict({"1"}, {L}));
  CHECK(TreeSpec::dict({"a"}, {L}) != TreeSpec::ordered_dict({"a"}, {L}));
  CHECK(TreeSpec::tuple({L}) != TreeSpec::list({L}));
  CHECK(TreeSpec::deque({L}, 3) != TreeSpec::deque({L}));
  CHECK(TreeSpec::namedtuple("m.P", {"x"}, {L}) != TreeSpec::namedtuple("m.Q", {"x"}, {L}));
}

TEST_CASE("TreeSpec::repr prints current torch's multi-line repr", "[pytree][repr]") {
  TreeSpec s = TreeSpec::tuple({L, TreeSpec::list({L, L, TreeSpec::list({L})})});
  CHECK(s.repr() ==
        "TreeSpec(tuple, None, [*,\n  TreeSpec(list, None, [*,\n    *,\n    TreeSpec(list, None, [*])])])");
  CHECK(example().repr() ==
        "TreeSpec(tuple, None, [*,\n  TreeSpec(dict, ['b', 'a'], [TreeSpec(list, None, [*,\n      *]),\n    *])])");
  CHECK(L.repr() == "*");
  CHECK(TreeSpec::tuple({}).repr() == "TreeSpec(tuple, None, [])");
}

TEST_CASE("TreeSpec::repr prints torch 1.13's one-line repr", "[pytree][repr]") {
  CHECK(TreeSpec::dict({"b", "a"}, {L, TreeSpec::list({L})}).repr(repr_style::torch1_13) ==
        "TreeSpec(dict, ['b', 'a'], [*, TreeSpec(list, None, [*])])");
  CHECK(TreeSpec::namedtuple("__main__.Point", {"x", "y"}, {L, L}).repr(repr_style::torch1_13) ==
        "TreeSpec(namedtuple, <class '__main__.Point'>, [*, *])");
  CHECK(TreeSpec::none().repr(repr_style::torch1_13) == "TreeSpec(NoneType, None, [])");
  CHECK(TreeSpec::deque({L}, 5).repr() == "TreeSpec(deque, 5, [*])");
  CHECK(TreeSpec::default_dict("builtins", "list", {"x"}, {L}).repr() ==
        "TreeSpec(defaultdict, [<class 'list'>, ['x']], [*])");
}

TEST_CASE("treespec_pprint shows the tree with stars for leaves", "[pytree][repr]") {
  CHECK(treespec_pprint(example()) == "(*, {'b': [*, *], 'a': *})");
  CHECK(treespec_pprint(TreeSpec::tuple({L})) == "(*,)");
  CHECK(treespec_pprint(TreeSpec::namedtuple("m.Point", {"x", "y"}, {L, TreeSpec::none()})) == "Point(x=*, y=None)");
  CHECK(treespec_pprint(TreeSpec::ordered_dict({std::int64_t{1}}, {L})) == "OrderedDict({1: *})");
  CHECK(treespec_pprint(TreeSpec::deque({L, L}, 2)) == "deque([*, *], maxlen=2)");
}

namespace {

// 1.13's spec rendering (shared/data/FORMAT.md) → TreeSpec, without recursion.
TreeSpec from_recorded(const nlohmann::json& root) {
  spec_builder b;
  std::vector<const nlohmann::json*> work{&root};
  while (!work.empty()) {
    const nlohmann::json& j = *work.back();
    work.pop_back();
    const auto& children = j["children"];
    for (auto it = children.rbegin(); it != children.rend(); ++it) work.push_back(&*it);
    if (j["type"].is_null()) {
      b.leaf();
      continue;
    }
    std::string t = j["type"];
    node_context c;
    node_kind k;
    if (t == "list") k = node_kind::list;
    else if (t == "tuple") k = node_kind::tuple;
    else if (t == "NoneType") k = node_kind::none;
    else if (t == "namedtuple") {
      k = node_kind::namedtuple;
      c.type_name = "__main__." + j["context"]["name"].get<std::string>();
      for (const auto& f : j["context"]["fields"]) c.fields.push_back(f.get<std::string>());
    } else {
      k = t == "dict" ? node_kind::dict : node_kind::ordered_dict;
      for (const auto& key : j["context"]) {
        if (key.contains("str")) c.keys.emplace_back(key["str"].get<std::string>());
        else c.keys.emplace_back(key["int"].get<std::int64_t>());
      }
    }
    b.open(k, children.size(), std::move(c));
  }
  return std::move(b).finish();
}

}  // namespace

TEST_CASE("specs recorded from torch 1.13 rebuild with the same repr and leaf count", "[pytree][conformance]") {
  for (const char* file : {"cases_none_leaf.jsonl", "cases_none_node.jsonl"}) {
    std::ifstream in(std::string(AOTKIT_TEST_DATA) + "/" + file);
    REQUIRE(in);
    int n = 0;
    for (std::string line; std::getline(in, line); ++n) {
      auto c = nlohmann::json::parse(line);
      TreeSpec s = from_recorded(c["spec"]);
      INFO(file << " case " << c["id"]);
      REQUIRE(s.repr(repr_style::torch1_13) == c["spec_repr"].get<std::string>());
      REQUIRE(s.num_leaves() == c["num_leaves"].get<std::size_t>());
    }
    CHECK(n == 1000);
  }
}
