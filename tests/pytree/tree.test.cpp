// tests/pytree/tree.test.cpp — tree values: flatten/unflatten/map with None as a leaf or a node,
// key paths, torch's unflatten message, pytree-json/1, and the 2000 torch 1.13 cases.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

import aotkit.runtime;
import aotkit.pytree;

using namespace aotkit::pytree;
using aotkit::runtime::Value;
using T = Tree<Value>;

namespace {

// (1, {"b": [2, 3], "a": None})
T example() { return T::tuple({Value(1), T::dict({"b", "a"}, {T::list({Value(2), Value(3)}), T::none()})}); }

}  // namespace

TEST_CASE("tree_flatten treats None as a leaf by default, as torch does", "[pytree][tree]") {
  auto [leaves, spec] = tree_flatten(example());
  CHECK(leaves == std::vector<Value>{1, 2, 3, Value()});
  CHECK(spec.num_leaves() == 4);
  CHECK(spec.num_nodes() == 7);
  CHECK(spec.repr() ==
        "TreeSpec(tuple, None, [*,\n  TreeSpec(dict, ['b', 'a'], [TreeSpec(list, None, [*,\n      *]),\n    *])])");
  auto [leaves2, spec2] = tree_flatten(example(), none_is::node);
  CHECK(leaves2 == std::vector<Value>{1, 2, 3});
  CHECK(spec2.repr(repr_style::torch1_13) ==
        "TreeSpec(tuple, None, [*, TreeSpec(dict, ['b', 'a'], [TreeSpec(list, None, [*, *]), TreeSpec(NoneType, None, [])])])");
}

TEST_CASE("tree_unflatten inverts tree_flatten and reports torch's count message", "[pytree][tree]") {
  auto [leaves, spec] = tree_flatten(example(), none_is::node);
  CHECK(tree_unflatten(leaves, spec) == example());
  auto [leaves2, spec2] = tree_flatten(example());
  T back = tree_unflatten(leaves2, spec2);  // None came back as a leaf holding None
  CHECK(tree_leaves(back) == leaves2);
  CHECK_THROWS_AS(tree_unflatten(std::vector<Value>{1}, spec2), aotkit::value_error);
  CHECK_THROWS_WITH(tree_unflatten(std::vector<Value>{1, 2}, T::tuple({Value(1), Value(2), Value(3)}).structure()),
                    "treespec.unflatten(leaves): `leaves` has length 2 but the spec refers to a pytree that holds 3 "
                    "items (TreeSpec(tuple, None, [*,\n  *,\n  *])).");
}

TEST_CASE("tree_map deduces its leaf type and keeps the structure", "[pytree][tree]") {
  T t = T::list({Value(1), T::tuple({Value(2), Value(3)})});
  Tree<std::int64_t> doubled = tree_map([](const Value& v) { return v.to_int() * 2; }, t);
  CHECK(std::vector<std::int64_t>(doubled.leaves().begin(), doubled.leaves().end()) == std::vector<std::int64_t>{2, 4, 6});
  CHECK(doubled.structure() == t.structure());
  auto names = tree_map([](const Value& v) { return v.repr(); }, example());  // None is a leaf: "None"
  CHECK(std::vector<std::string>(names.leaves().begin(), names.leaves().end()) ==
        std::vector<std::string>{"1", "2", "3", "None"});
  CHECK(tree_all([](const Value& v) { return !v.is_string(); }, example()));
  CHECK(tree_any([](const Value& v) { return v.is_none(); }, example()));
  CHECK_FALSE(tree_any([](const Value& v) { return v.is_none(); }, example(), none_is::node));
}

TEST_CASE("key paths name leaves as torch's keystr prints them", "[pytree][keypath]") {
  auto [pairs, spec] = tree_flatten_with_path(example());
  std::vector<std::string> keys;
  for (const auto& [path, leaf] : pairs) keys.push_back(keystr(path));
  CHECK(keys == std::vector<std::string>{"[0]", "[1]['b'][0]", "[1]['b'][1]", "[1]['a']"});
  T nt = T::namedtuple("m.Point", {"x", "y"}, {Value(1), T::dict({std::int64_t{7}}, {Value(2)})});
  auto [p2, s2] = tree_flatten_with_path(nt);
  CHECK(keystr(p2[1].first) == ".y[7]");
  CHECK(key_get(nt, p2[1].first) == T(Value(2)));
  CHECK(key_get(example(), {SequenceKey{1}, MappingKey{"b"}}) == T::list({Value(2), Value(3)}));
  CHECK_THROWS_AS(key_get(example(), {SequenceKey{5}}), aotkit::index_error);
  CHECK_THROWS_AS(key_get(example(), {SequenceKey{1}, MappingKey{"zz"}}), aotkit::key_error);
  CHECK_THROWS_AS(key_get(example(), {GetAttrKey{"x"}}), aotkit::key_error);
  for (const auto& [path, leaf] : tree_flatten_with_path(example(), none_is::node).first)
    CHECK(key_get(example(), path).value() == leaf);
}

TEST_CASE("pytree-json/1 reads and writes trees", "[pytree][json]") {
  std::string j = R"({"tuple": [{"int": 1}, {"dict": [[{"str": "b"}, {"list": [{"int": 2}, {"int": 3}]}], [{"str": "a"}, {"none": null}]]}]})";
  T t = tree_from_json(j);
  CHECK(t == example());
  CHECK(tree_from_json(tree_to_json(t)) == t);
  T nt = tree_from_json(R"({"namedtuple": {"type": "Point", "fields": ["x", "y"], "values": [{"float": "nan"}, {"odict": [[{"int": 3}, {"bool": true}]]}]}})");
  CHECK(nt.structure().context().type_name == "__main__.Point");
  CHECK(tree_to_json(nt) == R"({"namedtuple": {"type": "Point", "fields": ["x", "y"], "values": [{"float": "nan"}, {"odict": [[{"int": 3}, {"bool": true}]]}]}})");
  auto err = [](std::string_view s) {
    try {
      (void)tree_from_json(s);
    } catch (const aotkit::input_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(err(R"({"list": [{"int": 1}, {"wat": 2}]})") == "/list/1/wat: unknown tag \"wat\"");
  CHECK(err(R"({"dict": [[{"str": "a"}, {"int": 1}], [{"str": "a"}, {"int": 2}]]})") == "/dict/1/0: duplicate key 'a'");
  CHECK(err(R"({"int": 1.5})") == "/int: expected an integer");
  CHECK(err("[").rfind("byte 1: ", 0) == 0);
}

namespace {

// Leaves compare as pytree-json/1 text: NaN is not equal to itself as a Value.
std::string leaves_json(const std::vector<Value>& leaves) {
  std::string s;
  for (const auto& v : leaves) s += aotkit::runtime::value_to_json(v) + ";";
  return s;
}

}  // namespace

TEST_CASE("the 2000 torch 1.13 cases flatten to the recorded leaves and specs", "[pytree][conformance]") {
  for (auto [file, none] : {std::pair{"cases_none_leaf.jsonl", none_is::leaf}, std::pair{"cases_none_node.jsonl", none_is::node}}) {
    std::ifstream in(std::string(AOTKIT_TEST_DATA) + "/" + file);
    REQUIRE(in);
    int n = 0;
    for (std::string line; std::getline(in, line); ++n) {
      auto c = nlohmann::json::parse(line);
      INFO(file << " case " << c["id"]);
      T tree = tree_from_json(c["tree"].dump());
      auto [leaves, spec] = tree_flatten(tree, none);
      std::vector<Value> want;
      for (const auto& l : c["leaves"]) want.push_back(tree_from_json(l.dump()).leaves().empty() ? Value() : tree_from_json(l.dump()).value());
      REQUIRE(leaves_json(leaves) == leaves_json(want));
      REQUIRE(spec.num_leaves() == c["num_leaves"].get<std::size_t>());
      REQUIRE(spec.repr(repr_style::torch1_13) == c["spec_repr"].get<std::string>());
      T back = tree_unflatten(leaves, spec);
      REQUIRE(tree_to_json(back) == tree_to_json(tree_unflatten(leaves, spec)));
      if (none == none_is::node) REQUIRE(tree_to_json(back) == tree_to_json(tree));
    }
    CHECK(n == 1000);
  }
}

TEST_CASE("the 1000 torch 2.6 trees: leaves, counts, repr, treespec_dumps and keystrs as torch 2.6 gave them", "[pytree][conformance][torch26]") {
  // the capture registered its namedtuple classes for serialization under their bare names
  for (auto [type, fields] : {std::pair<const char*, std::vector<std::string>>{"Point", {"x", "y"}},
                              {"Triple", {"a", "b", "c"}}, {"Single", {"v"}}, {"Empty", {}}}) {
    try {
      register_namedtuple(std::string("__main__.") + type, fields, type);
    } catch (const aotkit::value_error&) {  // registered by an earlier run of this test
    }
  }
  std::ifstream in(std::string(AOTKIT_TEST_DATA) + "/cases_torch26.jsonl");
  REQUIRE(in);
  std::size_t n = 0, dumped = 0, paths = 0;
  for (std::string line; std::getline(in, line); ++n) {
    auto c = nlohmann::json::parse(line);
    INFO("case " << c["id"]);
    T tree = tree_from_json(c["tree"].dump());
    auto [leaves, spec] = tree_flatten(tree, none_is::leaf);
    std::vector<Value> want;
    for (const auto& l : c["leaves"]) want.push_back(tree_from_json(l.dump()).leaves().empty() ? Value() : tree_from_json(l.dump()).value());
    REQUIRE(leaves_json(leaves) == leaves_json(want));
    REQUIRE(spec.num_leaves() == c["num_leaves"].get<std::size_t>());
    REQUIRE(spec.num_nodes() == c["num_nodes"].get<std::size_t>());
    REQUIRE(spec.repr() == c["repr"].get<std::string>());
    if (c["dumps"].is_string()) {
      REQUIRE(treespec_dumps(spec) == c["dumps"].get<std::string>());
      REQUIRE(treespec_loads(c["dumps"].get<std::string>()) == spec);
      ++dumped;
    }
    std::vector<std::string> keystrs;
    for (const auto& p : leaf_paths(spec)) keystrs.push_back(keystr(p));
    REQUIRE(keystrs == c["keystrs"].get<std::vector<std::string>>());
    paths += keystrs.size();
  }
  CHECK(n == 1000);
  CHECK(dumped >= 990);
  CHECK(paths > 5000);
}

TEST_CASE("flatten_up_to passes whole subtrees and reports torch's mismatch messages", "[pytree][map]") {
  T a = T::tuple({Value(1), T::dict({"x", "y"}, {Value(2), Value(3)})});
  T b = T::tuple({T::list({Value(10), Value(20)}), T::ordered_dict({"y", "x"}, {Value(30), Value(40)})});
  auto ups = flatten_up_to(a.structure(), b);
  REQUIRE(ups.size() == 3);
  CHECK(ups[0] == T::list({Value(10), Value(20)}));
  CHECK(ups[1] == T(Value(40)));  // matched by key: x
  CHECK(ups[2] == T(Value(30)));
  auto sums = tree_map([](const Value& x, const T& y) { return x.to_int() + static_cast<std::int64_t>(y.leaves().size()); }, a, b);
  CHECK(std::vector<std::int64_t>(sums.leaves().begin(), sums.leaves().end()) == std::vector<std::int64_t>{3, 3, 4});
  CHECK_THROWS_WITH(flatten_up_to(T::list({Value(1)}).structure(), T::tuple({Value(1)})),
                    "Node type mismatch; expected <class 'list'>, but got <class 'tuple'>.");
  CHECK_THROWS_WITH(flatten_up_to(T::list({Value(1)}).structure(), T::list({Value(1), Value(2)})),
                    "Node arity mismatch; expected 1, but got 2.");
  CHECK_THROWS_WITH(flatten_up_to(T::dict({"a"}, {Value(1)}).structure(), T::dict({"b"}, {Value(1)})),
                    "Node keys mismatch; missing key(s): {'a'}; extra key(s): {'b'}.");
  CHECK_THROWS_WITH(flatten_up_to(T::namedtuple("m.P", {"x"}, {Value(1)}).structure(), T::namedtuple("m.Q", {"x"}, {Value(1)})),
                    "Node context mismatch for node type <class 'm.P'>; expected <class 'm.P'>, but got <class 'm.Q'>.");
}

TEST_CASE("PytreeThunk keeps torch's fast paths and its tuple-to-list quirk", "[pytree][thunk]") {
  PytreeThunk leaf;
  leaf.set(TreeSpec::leaf());
  CHECK(leaf.is_really_simple());
  CHECK(leaf.unflatten(std::vector<Value>{Value(5)}) == T(Value(5)));
  PytreeThunk simple;
  simple.set(T::tuple({Value(1), Value(2)}).structure());
  CHECK(simple.is_simple());
  CHECK(simple.unflatten(std::vector<Value>{Value(1), Value(2)}) == T::list({Value(1), Value(2)}));  // a list, not a tuple
  PytreeThunk general;
  CHECK_THROWS_WITH(general.unflatten(std::vector<Value>{}), "spec must be set before calling unflatten");
  TreeSpec s = example().structure();
  general.set(s);
  CHECK_FALSE(general.is_simple());
  CHECK(general.unflatten(std::vector<Value>{Value(1), Value(2), Value(3)}) ==
        T::tuple({Value(1), T::dict({"b", "a"}, {T::list({Value(2), Value(3)}), T::none()})}));
  general.set(s);  // an equal spec is fine
  CHECK_THROWS_AS(general.set(TreeSpec::leaf()), aotkit::assertion_error);
  CHECK_THROWS_WITH(general.set(TreeSpec::leaf()), "spec mismatch: existing=" + s.repr() + ", new=*");
}

TEST_CASE("create_tree_flattened_fn flattens arguments and results and records the output spec", "[pytree][thunk]") {
  T args = T::tuple({Value(2), T::list({Value(3), Value(4)})});
  T kwargs = T::dict({"scale"}, {Value(10)});
  auto [flat, thunk] = create_tree_flattened_fn(
      [](const T& a, const T& kw) {
        std::int64_t scale = kw.child(0).value().to_int();
        return T::dict({"sum", "first"}, {Value((a.leaves()[1].to_int() + a.leaves()[2].to_int()) * scale), Value(a.leaves()[0])});
      },
      args, kwargs);
  auto out = flat({Value(2), Value(3), Value(4), Value(10)});
  CHECK(out == aotkit::runtime::value_list{Value(70), Value(2)});
  REQUIRE(thunk->spec().has_value());
  CHECK(thunk->unflatten(out) == T::dict({"sum", "first"}, {Value(70), Value(2)}));
  CHECK_THROWS_AS(flat({Value(1)}), aotkit::value_error);  // wrong number of flat arguments
}

namespace {
struct Opaque final : aotkit::runtime::object {
  std::string type_name() const override { return "mylib.Opaque"; }
};
}  // namespace

TEST_CASE("create_tree_flattened_fn rejects outputs that are not torch's KNOWN_TYPES", "[pytree][thunk]") {
  auto [flat, thunk] = create_tree_flattened_fn(
      [](const T& a, const T&) { return T::tuple({a.child(0), T(Value(std::make_shared<Opaque>()))}); },
      T::tuple({Value(1)}));
  CHECK_THROWS_AS(flat({Value(1)}), aotkit::runtime_error);
  CHECK_THROWS_WITH(flat({Value(1)}),
                    "Found <class 'mylib.Opaque'> in output, which is not a known type. If this type holds tensors, you "
                    "need to register a pytree for it. See https://github.com/pytorch/functorch/issues/475 for a brief "
                    "explanation why. If you don't need to register a pytree, please leave a comment explaining your "
                    "use case and we'll make this more ergonomic to deal with");
  CHECK_FALSE(thunk->spec().has_value());  // raised before the spec was recorded, as in torch
  CHECK_NOTHROW(check_known_output_type(Value(aotkit::runtime::SymInt::symbolic("s0", 2))));
  CHECK_NOTHROW(check_known_output_type(Value()));
}

TEST_CASE("tree_map_only, _broadcast_to_and_flatten and the moving tree_flatten", "[pytree][map]") {
  T t = T::list({Value(1), Value("s"), T::tuple({Value(2)})});
  T bumped = tree_map_only([](const Value& v) { return v.is_int(); }, [](const Value& v) { return Value(v.to_int() + 1); }, t);
  CHECK(bumped == T::list({Value(2), Value("s"), T::tuple({Value(3)})}));
  TreeSpec spec = T::tuple({T::list({Value(0), Value(0)}), Value(0)}).structure();
  auto b = _broadcast_to_and_flatten(T::tuple({Value(7), Value(8)}), spec);
  REQUIRE(b.has_value());
  CHECK(*b == std::vector<Value>{7, 7, 8});
  CHECK(_broadcast_to_and_flatten(T(Value(5)), spec) == std::vector<Value>{5, 5, 5});
  CHECK_FALSE(_broadcast_to_and_flatten(T::list({Value(7), Value(8)}), spec).has_value());
  CHECK_FALSE(_broadcast_to_and_flatten(T::tuple({Value(7)}), spec).has_value());
  T moved = example();
  auto [leaves, s] = tree_flatten(std::move(moved), none_is::node);
  CHECK(leaves == std::vector<Value>{1, 2, 3});
  CHECK(s == example().structure());
}

TEST_CASE("tree_flatten with is_leaf keeps whole subtrees as leaves", "[pytree][is_leaf]") {
  T t = T::tuple({Value(1), T::list({Value(2), Value(3)}), T::dict({"k"}, {T::list({Value(4)})}), T::none()});
  auto [leaves, spec] = tree_flatten(t, [](const node_view<Value>& n) { return n.kind() == node_kind::list; });
  REQUIRE(leaves.size() == 4);
  CHECK(leaves[0] == T(Value(1)));
  CHECK(leaves[1] == T::list({Value(2), Value(3)}));
  CHECK(leaves[2] == T::list({Value(4)}));
  CHECK(leaves[3] == T::none());
  CHECK(spec.repr(repr_style::torch1_13) == "TreeSpec(tuple, None, [*, *, TreeSpec(dict, ['k'], [*]), *])");
  auto [all, root] = tree_flatten(t, [](const node_view<Value>&) { return true; });
  CHECK(all.size() == 1);
  CHECK(all[0] == t);
  CHECK(root == TreeSpec::leaf());
  auto [plain, s2] = tree_flatten(t, [](const node_view<Value>&) { return false; }, none_is::node);
  CHECK(plain.size() == 4);
  CHECK(s2 == t.structure());
  auto [big, s3] = tree_flatten(t, [](const node_view<Value>& n) { return n.num_leaves() >= 2; });
  CHECK(big.size() == 1);  // the root holds 4 leaves
}

// Issue 17, M6: the non-const accessor handed out the vector itself, and a caller that resized it
// left the structure counting leaves that were gone (use after free in tree_flatten).
template <class Tr>
constexpr bool leaf_count_changeable = requires(Tr& t) { t.leaves().resize(1); } || requires(Tr& t) { t.leaves().clear(); } ||
                                       requires(Tr& t) { t.leaves().push_back({}); };

TEST_CASE("a tree's leaves change in place, never in number", "[pytree][tree]") {
  static_assert(!leaf_count_changeable<Tree<std::int64_t>>);
  static_assert(!leaf_count_changeable<T>);
  T t = T::list({Value(1), T::tuple({Value(2), Value(3)})});
  t.leaves()[1] = Value(20);
  CHECK(tree_flatten(t).first == std::vector<Value>{Value(1), Value(20), Value(3)});
  CHECK(tree_flatten(std::move(t)).first == std::vector<Value>{Value(1), Value(20), Value(3)});
}
