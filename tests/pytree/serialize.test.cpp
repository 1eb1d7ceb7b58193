// tests/pytree/serialize.test.cpp — treespec_dumps/loads against torch's worked examples (byte for
// byte), every loader error, the compact format, and specs nested deep.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>
#include "../deep.hpp"

import aotkit.runtime;
import aotkit.pytree;

using namespace aotkit::pytree;

namespace {

const TreeSpec L = TreeSpec::leaf();

std::string load_error(std::string_view text) {
  try {
    (void)treespec_loads(text);
  } catch (const aotkit::input_error& e) {
    return e.where() + " | " + e.detail();
  }
  return "no error";
}

}  // namespace

TEST_CASE("treespec_dumps reproduces torch's worked examples byte for byte", "[pytree][json]") {
  // test_pytree.py::TestPythonPytree::test_saved_serialized
  TreeSpec s1 = TreeSpec::ordered_dict({std::int64_t{1}, std::int64_t{2}, std::int64_t{3}},
                                       {TreeSpec::tuple({L, L}), L,
                                        TreeSpec::dict({std::int64_t{4}, std::int64_t{5}, std::int64_t{6}}, {L, L, L})});
  std::string j1 =
      R"([1, {"type": "collections.OrderedDict", "context": "[1, 2, 3]", "children_spec": [{"type": "builtins.tuple", "context": "null", "children_spec": [{"type": null, "context": null, "children_spec": []}, {"type": null, "context": null, "children_spec": []}]}, {"type": null, "context": null, "children_spec": []}, {"type": "builtins.dict", "context": "[4, 5, 6]", "children_spec": [{"type": null, "context": null, "children_spec": []}, {"type": null, "context": null, "children_spec": []}, {"type": null, "context": null, "children_spec": []}]}]}])";
  CHECK(treespec_dumps(s1) == j1);
  CHECK(treespec_loads(j1) == s1);
  // torch.export's in_spec for args=(x,), kwargs={}
  TreeSpec s2 = TreeSpec::tuple({TreeSpec::tuple({L}), TreeSpec::dict({}, {})});
  std::string j2 =
      R"([1, {"type": "builtins.tuple", "context": "null", "children_spec": [{"type": "builtins.tuple", "context": "null", "children_spec": [{"type": null, "context": null, "children_spec": []}]}, {"type": "builtins.dict", "context": "[]", "children_spec": []}]}])";
  CHECK(treespec_dumps(s2) == j2);
  CHECK(treespec_loads(j2) == s2);
  CHECK(treespec_dumps(L) == R"([1, {"type": null, "context": null, "children_spec": []}])");
  // (1, {"b": [2, 3], "a": None})
  TreeSpec s3 = TreeSpec::tuple({L, TreeSpec::dict({"b", "a"}, {TreeSpec::list({L, L}), L})});
  std::string j3 =
      R"([1, {"type": "builtins.tuple", "context": "null", "children_spec": [{"type": null, "context": null, "children_spec": []}, {"type": "builtins.dict", "context": "[\"b\", \"a\"]", "children_spec": [{"type": "builtins.list", "context": "null", "children_spec": [{"type": null, "context": null, "children_spec": []}, {"type": null, "context": null, "children_spec": []}]}, {"type": null, "context": null, "children_spec": []}]}]}])";
  CHECK(treespec_dumps(s3) == j3);
  CHECK(treespec_loads(j3) == s3);
  // defaultdict(list, {"x": 1})
  TreeSpec s4 = TreeSpec::default_dict("builtins", "list", {"x"}, {L});
  std::string j4 =
      R"([1, {"type": "collections.defaultdict", "context": {"default_factory_module": "builtins", "default_factory_name": "list", "dict_context": ["x"]}, "children_spec": [{"type": null, "context": null, "children_spec": []}]}])";
  CHECK(treespec_dumps(s4) == j4);
  CHECK(treespec_loads(j4) == s4);
}

TEST_CASE("treespec_dumps escapes like Python's json.dumps and round-trips deques", "[pytree][json]") {
  TreeSpec s = TreeSpec::dict({"caf\xc3\xa9", "q\"\\\n", "\xf0\x9f\x98\x80", std::int64_t{-7}}, {L, L, L, TreeSpec::deque({L}, 4)});
  std::string j = treespec_dumps(s);
  CHECK(j.find(R"("context": "[\"caf\\u00e9\", \"q\\\"\\\\\\n\", \"\\ud83d\\ude00\", -7]")") != std::string::npos);
  CHECK(j.find(R"("type": "collections.deque", "context": "4")") != std::string::npos);
  CHECK(treespec_loads(j) == s);
  CHECK(treespec_loads(treespec_dumps(TreeSpec::deque({}))) == TreeSpec::deque({}));
}

TEST_CASE("namedtuples and custom nodes serialize under their registered names", "[pytree][json]") {
  register_namedtuple("test.serialize.Point", {"x", "y"}, "test.Point");
  register_serializable_node("test.serialize.Pair", "test.Pair");
  TreeSpec p = TreeSpec::namedtuple("test.serialize.Point", {"x", "y"}, {L, TreeSpec::custom("test.serialize.Pair", "{\"k\": 1}", {L})});
  std::string j = treespec_dumps(p);
  CHECK(j.find(R"("type": "collections.namedtuple", "context": "test.Point")") != std::string::npos);
  CHECK(j.find(R"("type": "test.Pair", "context": "{\"k\": 1}")") != std::string::npos);
  CHECK(treespec_loads(j) == p);
  CHECK_THROWS_WITH(register_namedtuple("test.serialize.Point", {"x"}, "other"),
                    "<class 'test.serialize.Point'> is already registered as pytree node.");
  CHECK_THROWS_WITH(treespec_dumps(TreeSpec::namedtuple("test.Unknown", {"a"}, {L})),
                    "Can't serialize TreeSpec of namedtuple class <class 'test.Unknown'> because we didn't register a "
                    "serializated_type_name. Please register using `_register_namedtuple`.");
  CHECK_THROWS_AS(treespec_dumps(TreeSpec::none()), aotkit::not_implemented_error);
  CHECK_THROWS_WITH(treespec_dumps(L, 2), "Unknown protocol 2. Available protocols: [1]");
}

TEST_CASE("treespec_loads names the place of every error", "[pytree][json][errors]") {
  CHECK(load_error("[1, {").starts_with("byte 5 | "));
  CHECK(load_error("{}") == "/ | expected [protocol, schema], got object");
  CHECK(load_error(R"([2, {"type": null, "context": null, "children_spec": []}])") ==
        "/0 | Unknown protocol 2. Available protocols: [1]");
  CHECK(load_error(R"([1, {"type": "foo.Bar", "context": "null", "children_spec": []}])") ==
        "/1/type | Deserializing foo.Bar in pytree is not registered.");
  CHECK(load_error(R"([1, {"type": "builtins.list", "context": "null", "children_spec": [{"type": "builtins.dict", "context": "[1", "children_spec": []}]}])") ==
        "/1/children_spec/0/context | Unable to deserialize context. Please make the context json load-able, or "
        "register a custom serializer using _register_pytree_node.");
  CHECK(load_error(R"([1, {"type": "builtins.dict", "context": "[\"a\"]", "children_spec": []}])") ==
        "/1/context | 1 keys for 0 children");
  CHECK(load_error(R"([1, {"type": "collections.namedtuple", "context": "nope", "children_spec": []}])") ==
        "/1/context | Can't deserialize TreeSpec of namedtuple class nope because we couldn't find a serializated name.");
  CHECK(load_error(R"([1, {"type": "collections.defaultdict", "context": "x", "children_spec": []}])") ==
        "/1/context | dumpable_context must be a dict");
  CHECK(load_error(R"([1, {"type": "collections.defaultdict", "context": {"a": 1}, "children_spec": []}])") ==
        "/1/context | dumpable_context keys must be {'default_factory_module', 'default_factory_name', "
        "'dict_context'}, got {'a'}");
  CHECK(load_error(R"([1, {"type": null, "context": "null", "children_spec": []}])") ==
        "/1 | a leaf has a null context and no children");
  CHECK(load_error(R"([1, {"type": "builtins.tuple", "children_spec": []}])") ==
        "/1 | a schema object needs \"type\", \"context\" and \"children_spec\"");
  CHECK(load_error(R"([1, {"type": "builtins.dict", "context": "[\"a\", \"a\"]", "children_spec": [{"type": null, "context": null, "children_spec": []}, {"type": null, "context": null, "children_spec": []}]}])") ==
        "/1/context | duplicate key 'a'");
  // a repeated key in any object is an error, as in the runtime Value reader (issue 17, M8): the
  // last "type" used to win silently
  CHECK(load_error(R"([1, {"type": "builtins.list", "type": null, "context": "null", "children_spec": []}])") ==
        "/1 | duplicate key 'type'");
  CHECK(load_error(R"([1, {"type": "builtins.list", "context": "null", "children_spec": [{"type": null, "context": null, "context": null, "children_spec": []}]}])") ==
        "/1/children_spec/0 | duplicate key 'context'");
  CHECK(load_error(R"([1, {"type": "collections.defaultdict", "context": "{\"a\": 1, \"a\": 2}", "children_spec": []}])")
            .starts_with("/1/context | "));
}

TEST_CASE("pytree-json: a repeated key is an error, naming the object", "[pytree][json][errors]") {
  auto fails = [](std::string_view t) {
    try {
      (void)tree_from_json(t);
    } catch (const aotkit::input_error& e) {
      return std::string(e.where()) + " | " + e.detail();
    }
    return std::string("no error");
  };
  CHECK(fails(R"({"list": [{"int": 1}], "list": [{"int": 2}]})") == "/ | duplicate key 'list'");
  CHECK(fails(R"({"tree": {"int": 1}, "tree": {"int": 2}})") == "/ | duplicate key 'tree'");
  CHECK(fails(R"({"list": [{"int": 1}, {"namedtuple": {"type": "P", "type": "Q", "fields": [], "values": []}}]})") ==
        "/list/1/namedtuple | duplicate key 'type'");
  CHECK(fails(R"({"list": [{"int": 1}, {"int": 2}]})") == "no error");
}

TEST_CASE("the compact format reads and writes pytree.h's examples", "[pytree][compact]") {
  TreeSpec s = TreeSpec::tuple({L, TreeSpec::list({L, L})});
  CHECK(treespec_to_compact(s) == "T2#1#2($,L2#1#1($,$))");
  CHECK(treespec_from_compact("T2#1#2($,L2#1#1($,$))") == s);
  TreeSpec d = TreeSpec::dict({"a", std::int64_t{1}}, {L, L});
  CHECK(treespec_to_compact(d) == "D2#1#1('a':$,1:$)");
  CHECK(treespec_from_compact("D2#1#1('a':$,1:$)") == d);
  CHECK(treespec_to_compact(TreeSpec::list({})) == "L0()");
  CHECK(treespec_from_compact("L0()") == TreeSpec::list({}));
  CHECK(treespec_to_compact(L) == "$");
  TreeSpec quoted = TreeSpec::dict({"it's", "back\\slash"}, {L, L});
  CHECK(treespec_from_compact(treespec_to_compact(quoted)) == quoted);
  CHECK_THROWS_AS(treespec_to_compact(TreeSpec::ordered_dict({}, {})), aotkit::value_error);
}

TEST_CASE("the compact reader rejects lies and garbage with a byte offset", "[pytree][compact][errors]") {
  auto err = [](std::string_view t) {
    try {
      (void)treespec_from_compact(t);
    } catch (const aotkit::input_error& e) {
      return std::string(e.what());  // the exception dies with the handler: copy its text
    }
    return std::string("no error");
  };
  CHECK(std::string(err("T2#1#1($,L2#1#1($,$))")) == "byte 0: child 1 is declared with 1 leaves but has 2");
  CHECK(std::string(err("L1#1($")) == "byte 6: expected ')'");
  CHECK(std::string(err("L1#1($)x")) == "byte 7: trailing characters after the spec");
  CHECK(std::string(err("X")) == "byte 0: expected '$', 'L', 'T' or 'D', got 'X'");
  CHECK(std::string(err("N1#1($)")) == "byte 1: namedtuple specs cannot be read from the compact format");
  CHECK(std::string(err("L99999999999#1(")) == "byte 12: arity 99999999999 exceeds the input");
  CHECK(std::string(err("D1#1('a$)")) == "byte 9: unterminated string key");
  CHECK(std::string(err("D2#1#1('a':$,'a':$)")) == "byte 0: duplicate dict key 'a'");
  CHECK(std::string(err("")) == "byte 0: unexpected end of the spec");
}

TEST_CASE("specs nested deep dump, load, print and convert without recursion", "[pytree][deep]") {
  spec_builder b;
  constexpr std::size_t depth = 200'000;  // loads builds nlohmann's DOM: ~0.5 KB per level
  for (std::size_t i = 0; i < depth; ++i) b.open(node_kind::list, 1);
  b.leaf();
  TreeSpec deep = std::move(b).finish();
  CHECK(deep.num_nodes() == depth + 1);
  CHECK(treespec_loads(treespec_dumps(deep)) == deep);
  CHECK(deep.repr(repr_style::torch1_13).size() > depth * 20);
  spec_builder c;
  for (std::size_t i = 0; i < aotkit_testing::deep_levels; ++i) c.open(node_kind::tuple, 1);
  c.leaf();
  TreeSpec million = std::move(c).finish();
  CHECK(treespec_from_compact(treespec_to_compact(million)) == million);
  CHECK(treespec_pprint(million).size() == 3 * aotkit_testing::deep_levels + 1);
}

// Issue 17, L10: namedtuple fields Python could not define, and compact keys that are not text.
TEST_CASE("namedtuple fields are identifiers without repeats; compact str keys are UTF-8", "[pytree][errors]") {
  auto spec_of = [](std::vector<std::string> fields) {
    std::vector<TreeSpec> children(fields.size(), TreeSpec::leaf());
    return TreeSpec::namedtuple("m.P", std::move(fields), children);
  };
  CHECK_THROWS_WITH(spec_of({"x", "x"}), "Encountered duplicate field name: 'x'");
  CHECK_THROWS_WITH(spec_of({"1x"}), "Type names and field names must be valid identifiers: '1x'");
  CHECK_THROWS_WITH(spec_of({"a b"}), "Type names and field names must be valid identifiers: 'a b'");
  CHECK_THROWS_WITH(spec_of({"class"}), "Type names and field names cannot be a keyword: 'class'");
  CHECK_NOTHROW(spec_of({"x", "_1", "caf\xc3\xa9"}));  // rename=True makes _1; identifiers may be Unicode
  CHECK_THROWS_AS(tree_from_json(R"({"namedtuple": {"type": "P", "fields": ["x", "x"], "values": [{"int": 1}, {"int": 2}]}})"),
                  aotkit::error);
  CHECK_THROWS_AS(treespec_from_compact("D1#1('\xff':$)"), aotkit::input_error);
  CHECK(treespec_to_compact(treespec_from_compact("D1#1('\xc3\xa9':$)")) == "D1#1('\xc3\xa9':$)");
}
