// tests/runtime/boxed.test.cpp — the boxed calling convention, wrappers and output-descriptor checks
// (docs/semantics.md §A.4, §A.6–A.8, §A.25–A.28), messages included.
#include <catch2/catch.hpp>

#include <memory>
#include <span>
#include <string>
#include <vector>

import aotkit.runtime;

using namespace aotkit::runtime;

namespace {

Callable adder() {
  Callable f("add", [](std::span<const Value> args) { return Value(args[0].to_int() + args[1].to_int()); });
  f.info().doc = "adds two ints";
  f.info().annotations = {{"return", "int"}};
  f.info().dict.emplace("_orig_mod", Value("mod"));
  return f;
}

}  // namespace

TEST_CASE("normalize_as_list keeps lists, copies tuples and wraps the rest", "[boxed]") {
  CHECK(normalize_as_list(Value::list({1, 2})) == value_list{1, 2});
  CHECK(normalize_as_list(Value::tuple({1, Value::tuple({2})})) == value_list{1, Value::tuple({2})});
  CHECK(normalize_as_list(Value()) == value_list{Value()});
  CHECK(normalize_as_list(Value(3)) == value_list{3});
}

TEST_CASE("make_boxed_func calls f(*args), keeps its own name and wraps f", "[boxed]") {
  Callable g = make_boxed_func(adder());
  CHECK(g.is_boxed());
  CHECK(g.name() == "g");
  CHECK(g.info().qualname == "make_boxed_func.<locals>.g");
  CHECK(g.info().doc == "adds two ints");
  CHECK(g.info().annotations == adder().info().annotations);
  CHECK(g.info().dict.at("_orig_mod") == Value("mod"));
  REQUIRE(g.wrapped() != nullptr);
  CHECK(g.wrapped()->name() == "add");
  value_list args{2, 3};
  CHECK(g.call_boxed(args) == Value(5));
  CHECK(args.size() == 2);  // make_boxed_func does not clear
  CHECK_THROWS_AS(g({1, 2}), aotkit::type_error);
  CHECK_THROWS_AS(adder().call_boxed(args), aotkit::type_error);
}

TEST_CASE("simple_wraps and wraps copy what functools copies", "[boxed]") {
  Callable f = adder();
  f.info().module = "user.mod";
  Callable w("wrapper", [](std::span<const Value>) { return Value(); });
  w.info().dict.emplace("own", Value(1));
  Callable s = simple_wraps(f, w);
  CHECK(s.name() == "wrapper");
  CHECK(s.info().module.empty());
  CHECK(s.info().doc == "adds two ints");
  CHECK(s.info().dict.size() == 2);
  Callable full = wraps(f, w);
  CHECK(full.name() == "add");
  CHECK(full.info().module == "user.mod");
  CHECK(full.wrapped()->name() == "add");
}

TEST_CASE("wrapping a boxed function gives a boxed wrapper: _boxed_call travels in __dict__", "[boxed]") {
  // Python: @wraps(f) def g(*args) — g.__dict__ gets f's _boxed_call, so the runtime calls g(args)
  Callable f = make_boxed_func(adder());
  std::size_t seen = 0;
  Callable g("g", [&](std::span<const Value> args) {
    seen = args.size();
    return args.empty() ? Value() : args[0];
  });
  CHECK_FALSE(g.is_boxed());
  for (Callable w : {wraps(f, g), simple_wraps(f, g)}) {
    CHECK(w.is_boxed());
    value_list args{Value(1), Value(2)};
    value_list out = call_func_at_runtime_with_args(w, args);
    CHECK(seen == 1);  // one argument: the list
    CHECK(out == value_list{Value(1), Value(2)});
    CHECK(w.wrapped()->is_boxed());
  }
  CHECK_FALSE(wraps(adder(), g).is_boxed());  // an unboxed f leaves the wrapper as it is
  CHECK(g.with_boxed_call().name() == "g");
}

TEST_CASE("fn_wrappers follows the wrapped chain", "[boxed]") {
  Callable f = adder();
  Callable inner = without_output_descs(f);
  Callable outer = make_boxed_func(inner);
  auto chain = fn_wrappers(outer);
  REQUIRE(chain.size() == 3);
  CHECK(chain[0]->name() == "g");
  CHECK(chain[1]->name() == "add");  // without_output_descs carries f's name
  CHECK(chain[2]->wrapped() == nullptr);
  CHECK(fn_wrappers_repr(outer) == "[<function make_boxed_func.<locals>.g>, <function add>, <function add>]");
  CHECK(fn_wrappers(f).size() == 1);
}

TEST_CASE("call_func_at_runtime_with_args: boxed callee, stealing and not", "[boxed]") {
  Callable clears = Callable::boxed("clears", [](value_list& args) {
    Value n = static_cast<std::int64_t>(args.size());
    args.clear();  // release the inputs early, as generated code does
    return Value::tuple({n, "done"});
  });
  aotkit::capture_warnings w;
  value_list args{1, 2, 3};
  CHECK(call_func_at_runtime_with_args(clears, args) == value_list{3, "done"});
  CHECK(args.size() == 3);  // not stolen: the callee got a copy
  CHECK(call_func_at_runtime_with_args(clears, args, /*steal_args=*/true) == value_list{3, "done"});
  CHECK(args.empty());  // stolen: the callee cleared the caller's list
  CHECK(w.records().empty());
}

TEST_CASE("call_func_at_runtime_with_args warns for an unboxed callee and normalises", "[boxed]") {
  aotkit::capture_warnings w;
  value_list args{2, 5};
  CHECK(call_func_at_runtime_with_args(adder(), args) == value_list{7});
  auto records = w.records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].category == aotkit::warning_category::user_warning);
  CHECK(records[0].message == unboxed_call_warning);
  CHECK(std::string(unboxed_call_warning).starts_with("Your compiler for AOTAutograd is returning a function"));
}

TEST_CASE("call_func_at_runtime_with_args on Values applies Python's checks", "[boxed]") {
  Callable count = Callable::boxed("count", [](value_list& a) { return Value(static_cast<std::int64_t>(a.size())); });
  Value tuple_args = Value::tuple({1, 2});
  CHECK(call_func_at_runtime_with_args(count, tuple_args) == value_list{2});
  CHECK_THROWS_AS(call_func_at_runtime_with_args(count, tuple_args, true), aotkit::assertion_error);
  CHECK_THROWS_WITH(call_func_at_runtime_with_args(count, tuple_args, true),
                    "args must be a list, got <class 'tuple'>");
  Value not_iterable = 5;
  CHECK_THROWS_WITH(call_func_at_runtime_with_args(count, not_iterable), "'int' object is not iterable");
  Value list_args = Value::list({1, 2, 3});
  CHECK(call_func_at_runtime_with_args(count, list_args, true) == value_list{3});
}

TEST_CASE("call_func_at_runtime_with_args with disable_amp runs the callee without autocast", "[boxed]") {
  autocast on(DeviceType::CUDA);
  Callable probe = Callable::boxed("probe", [](value_list&) { return Value(is_autocast_active(DeviceType::CUDA)); });
  value_list args;
  CHECK(call_func_at_runtime_with_args(probe, args, false, false) == value_list{true});
  CHECK(call_func_at_runtime_with_args(probe, args, false, true) == value_list{false});
  CHECK(is_autocast_active(DeviceType::CUDA));  // restored after the call
}

TEST_CASE("make_boxed_compiler boxes what the compiler returns", "[boxed]") {
  auto compiler = [](const std::string& graph, std::span<const Value> inputs) {
    auto n = static_cast<std::int64_t>(inputs.size());
    return Callable(graph, [n](std::span<const Value> args) { return Value(n + static_cast<std::int64_t>(args.size())); });
  };
  auto boxed = make_boxed_compiler(compiler);
  value_list example{1, 2};
  Callable compiled = boxed(std::string("graph"), std::span<const Value>(example));
  CHECK(compiled.is_boxed());
  CHECK(compiled.wrapped()->name() == "graph");
  value_list args{7};
  CHECK(call_func_at_runtime_with_args(compiled, args) == value_list{3});
}

TEST_CASE("without_output_descs returns the first half of the pair", "[boxed]") {
  Callable f("pair", [](std::span<const Value> args) {
    return Value::tuple({Value::list({args[0]}), Value::list({std::make_shared<const PlainAOTOutput>(0)})});
  });
  Callable g = without_output_descs(f);
  CHECK(g.name() == "pair");
  CHECK(g.wrapped()->name() == "pair");
  CHECK(g({42}) == Value::list({42}));
  Callable scalar("scalar", [](std::span<const Value>) { return Value(1); });
  CHECK_THROWS_WITH(without_output_descs(scalar)({}), "'int' object is not subscriptable");
}

TEST_CASE("call_and_expect_output_descs accepts a well-formed pair", "[boxed][descs]") {
  auto desc = [](std::int64_t i) { return Value(std::make_shared<const PlainAOTOutput>(i)); };
  Callable f("f", [&](std::span<const Value>) {
    return Value::tuple({Value::list({empty_meta({2}), 3, true, 1.5, Value()}),
                         Value::list({desc(0), desc(1), Value(), Value(), Value()})});
  });
  Value pair = call_and_expect_output_descs(f, {});
  CHECK(pair.items()[0].items().size() == 5);
  CHECK(pair.items()[1].items()[1].repr() == "PlainAOTOutput(idx=1)");
}

TEST_CASE("call_and_expect_output_descs rejects malformed results with V3's messages", "[boxed][descs]") {
  auto desc = Value(std::make_shared<const PlainAOTOutput>(0));
  auto returning = [](Value v) {
    return Callable("f", [v](std::span<const Value>) { return v; });
  };
  CHECK_THROWS_WITH(call_and_expect_output_descs(returning(Value::list({1, 2})), {}),
                    "expected tuple of length 2, got <class 'list'> with value [1, 2]");
  CHECK_THROWS_WITH(call_and_expect_output_descs(returning(Value::tuple({1})), {}),
                    "expected tuple of length 2, got <class 'tuple'> with value (1,)");
  CHECK_THROWS_WITH(
      call_and_expect_output_descs(returning(Value::tuple({Value::list({1, 2}), Value::list({desc})})), {}),
      "output spec mismatch: [<function f>], outs=[1, 2], outs_descs=[PlainAOTOutput(idx=0)], "
      "out_spec=TreeSpec(list, None, [*,\n  *]), out_desc_spec=TreeSpec(list, None, [*])");
  CHECK_THROWS_WITH(call_and_expect_output_descs(returning(Value::tuple({Value::list({desc}), Value::list({desc})})), {}),
                    "unexpected AOTOutput in out_vals: [<function f>], outs=[PlainAOTOutput(idx=0)], "
                    "outs_descs=[PlainAOTOutput(idx=0)], out_vals=[PlainAOTOutput(idx=0)]");
  CHECK_THROWS_WITH(call_and_expect_output_descs(returning(Value::tuple({Value::list({3}), Value::list({Value()})})), {}),
                    "expected all descriptors to be AOTOutput: [<function f>], outs=[3], outs_descs=[None], "
                    "out_vals=[3], out_desc_vals=[None]");
  CHECK_THROWS_AS(call_and_expect_output_descs(returning(Value::tuple({Value::list({3}), Value::list({Value()})})), {}),
                  aotkit::assertion_error);
}

TEST_CASE("value_structure_repr prints torch's TreeSpec repr", "[boxed][descs]") {
  Value v = Value::tuple({0, Value::list({0, 0, Value::list({0})})});
  CHECK(value_structure_repr(v) ==
        "TreeSpec(tuple, None, [*,\n  TreeSpec(list, None, [*,\n    *,\n    TreeSpec(list, None, [*])])])");
  CHECK(value_structure_repr(Value(1)) == "*");
  CHECK(value_structure_repr(Value::tuple()) == "TreeSpec(tuple, None, [])");
}

// Issue 17, L8: an empty function threw std::bad_function_call when called, no aotkit::error.
TEST_CASE("a Callable needs a function", "[boxed]") {
  CHECK_THROWS_AS(Callable("f", Callable::unboxed_fn{}), aotkit::value_error);
  CHECK_THROWS_AS(Callable::boxed("g", Callable::boxed_fn{}), aotkit::value_error);
}
