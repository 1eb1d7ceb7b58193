// tests/runtime/value.test.cpp — Value: kinds, Python reprs, deep values, _get_symint_hints.
// Expected reprs are CPython's own output for the same objects.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include "../deep.hpp"

import aotkit.runtime;

using namespace aotkit::runtime;
using aotkit::python::float_repr;
using aotkit::python::str_repr;

namespace {

// [[[...[0]...]]] nested `depth` lists deep, built without recursion.
Value nested_list(std::size_t depth) {
  Value v = 0;
  for (std::size_t i = 0; i < depth; ++i) {
    value_list items;  // not an initializer_list: that would copy the whole value each time
    items.push_back(std::move(v));
    v = Value::list(std::move(items));
  }
  return v;
}

}  // namespace

TEST_CASE("Value holds each Python kind and names its type", "[value]") {
  CHECK(Value().is_none());
  CHECK(Value(nullptr).type_repr() == "<class 'NoneType'>");
  CHECK(Value(true).kind() == value_kind::boolean);
  CHECK(Value(3).kind() == value_kind::integer);
  CHECK(Value(std::int64_t{1} << 40).to_int() == std::int64_t{1} << 40);
  CHECK(Value(2.5f).to_double() == 2.5);
  CHECK(Value("s").to_string() == "s");
  CHECK(Value(SymInt::symbolic("s0", 4)).type_repr() == "<class 'torch.SymInt'>");
  CHECK(Value(empty_meta({2})).type_repr() == "<class 'torch.Tensor'>");
  CHECK(Value::tuple({1, 2}).type_name() == "tuple");
  CHECK(Value::list().type_repr() == "<class 'list'>");
}

TEST_CASE("Value accessors throw type_error naming both types", "[value]") {
  CHECK_THROWS_AS(Value(1).to_string(), aotkit::type_error);
  CHECK_THROWS_WITH(Value(1).to_string(), "expected str, got <class 'int'>");
  CHECK_THROWS_WITH(Value(true).to_int(), "expected int, got <class 'bool'>");
  CHECK_THROWS_WITH(Value(1.0).items(), "expected list or tuple, got <class 'float'>");
}

TEST_CASE("float_repr matches CPython's repr(float)", "[value][python]") {
  CHECK(float_repr(1.0) == "1.0");
  CHECK(float_repr(1.5) == "1.5");
  CHECK(float_repr(-0.0) == "-0.0");
  CHECK(float_repr(0.1) == "0.1");
  CHECK(float_repr(100.0) == "100.0");
  CHECK(float_repr(1e15) == "1000000000000000.0");
  // keyword.iskeyword: the 35 reserved words, soft keywords and builtins not among them
  CHECK(aotkit::python::is_keyword("from"));
  CHECK(aotkit::python::is_keyword("None"));
  CHECK(aotkit::python::is_keyword("nonlocal"));
  CHECK_FALSE(aotkit::python::is_keyword("match"));
  CHECK_FALSE(aotkit::python::is_keyword("input"));
  CHECK_FALSE(aotkit::python::is_keyword(""));
  CHECK(float_repr(1e16) == "1e+16");
  CHECK(float_repr(1.2345678901234568e+17) == "1.2345678901234568e+17");
  CHECK(float_repr(0.0001) == "0.0001");
  CHECK(float_repr(0.00001) == "1e-05");
  CHECK(float_repr(1.5e-7) == "1.5e-07");
  CHECK(float_repr(1e300) == "1e+300");
  CHECK(float_repr(5e-324) == "5e-324");
  CHECK(float_repr(123456.789) == "123456.789");
  CHECK(float_repr(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(float_repr(-std::numeric_limits<double>::infinity()) == "-inf");
  CHECK(float_repr(std::nan("")) == "nan");
}

TEST_CASE("str_repr matches CPython's repr(str)", "[value][python]") {
  CHECK(str_repr("a") == "'a'");
  CHECK(str_repr("it's") == "\"it's\"");
  CHECK(str_repr("both ' and \"") == "'both \\' and \"'");
  CHECK(str_repr("tab\there\nnl\\") == "'tab\\there\\nnl\\\\'");
  CHECK(str_repr(std::string("\x01\x7f", 2)) == "'\\x01\\x7f'");
  CHECK(str_repr("caf\xc3\xa9") == "'caf\xc3\xa9'");       // printable non-ASCII stays as is
  CHECK(str_repr("\xc2\x85") == "'\\x85'");                // C1 control
  CHECK(str_repr("\xff") == "'\\xff'");                    // not UTF-8
  CHECK(aotkit::python::is_valid_utf8("caf\xc3\xa9"));
  CHECK_FALSE(aotkit::python::is_valid_utf8("\xc0\xaf"));  // overlong '/'
  CHECK_FALSE(aotkit::python::is_valid_utf8("\xed\xa0\x80"));  // surrogate
}

TEST_CASE("Value::repr prints Python's repr", "[value]") {
  CHECK(Value().repr() == "None");
  CHECK(Value(false).repr() == "False");
  CHECK(Value(-7).repr() == "-7");
  CHECK(Value(2.0).repr() == "2.0");
  CHECK(Value::tuple({1}).repr() == "(1,)");
  CHECK(Value::tuple().repr() == "()");
  CHECK(Value::list({1, Value::tuple({2.5, "x"}), Value::list()}).repr() == "[1, (2.5, 'x'), []]");
  CHECK(Value(SymInt::symbolic("s0", 3)).repr() == "s0");
  CHECK(Value(SymInt(5)).repr() == "5");
  CHECK(Value(SymBool(true)).repr() == "True");
  CHECK(Value(SymFloat::symbolic("s1/2")).repr() == "s1/2");
  CHECK(Value(empty_meta({2, 3})).repr() == "tensor(..., device='meta', size=(2, 3))");
  CHECK(Value(empty_meta({4}, ScalarType::Double)).repr() ==
        "tensor(..., device='meta', size=(4,), dtype=torch.float64)");
  CHECK_THROWS_AS(empty_meta({-1}), aotkit::value_error);
}

TEST_CASE("Value equality is structural and kind-exact", "[value]") {
  CHECK(Value::list({1, Value::tuple({2})}) == Value::list({1, Value::tuple({2})}));
  CHECK(Value::list({1}) != Value::tuple({1}));
  CHECK(Value(1) != Value(1.0));
  CHECK(Value(1) != Value(true));
  Tensor t = empty_meta({1});
  CHECK(Value(t) == Value(t));
  CHECK(Value(t) != Value(empty_meta({1})));  // identity, as Python's `is`
}

TEST_CASE("Values nested a million deep copy, compare, print and destroy", "[value][deep]") {
  constexpr std::size_t depth = aotkit_testing::deep_levels;
  Value a = nested_list(depth);
  Value b = a;  // copy
  CHECK(a == b);
  std::string r = a.repr();
  CHECK(r.size() == 2 * depth + 1);
  CHECK(r.substr(depth - 2, 5) == "[[0]]");
  Value c = std::move(b);
  c = a;  // copy-assign over a deep value
  CHECK(c == a);
  Value hints = _get_symint_hints(a);
  CHECK(hints == a);
}

TEST_CASE("Value can be assigned a part of itself", "[value]") {
  Value v = Value::list({Value::list({Value::tuple({1, 2}), 3}), 4});
  v = std::move(v.items()[0]);  // the source lives inside the target
  CHECK(v == Value::list({Value::tuple({1, 2}), 3}));
  v = v.items()[0];
  CHECK(v == Value::tuple({1, 2}));
  Value deep = nested_list(1000);
  deep = std::move(deep.items()[0].items()[0]);
  CHECK(deep == nested_list(998));
}

TEST_CASE("_get_symint_hints replaces SymInts by hints and keeps the rest", "[value][symint]") {
  Value in = Value::list({1, SymInt::symbolic("s0", 8), Value::tuple({SymInt(3), SymInt::symbolic("s3", 5)}),
                          SymFloat::symbolic("s1", 0.5), SymBool(true), "x"});
  Value out = _get_symint_hints(in);
  CHECK(out == Value::list({1, 8, Value::tuple({3, 5}), SymFloat::symbolic("s1", 0.5), SymBool(true), "x"}));
  CHECK(_get_symint_hints(Value(7)) == Value(7));
  CHECK(_get_symint_hints(SymInt::symbolic("s2", 11)) == 11);
}

TEST_CASE("_get_symint_hints on an unbacked symbol raises torch's data-dependent error", "[value][symint]") {
  // torch 2.6: ShapeEnv().create_unbacked_symint() through _get_symint_hints (recorded)
  CHECK_THROWS_AS(_get_symint_hints(SymInt::symbolic("u1")), aotkit::data_dependent_error);
  CHECK_THROWS_WITH(_get_symint_hints(SymInt::symbolic("u1 + 3")),
                    "Could not extract specialized integer from data-dependent expression u1 + 3 (unhinted: u1 + 3).  "
                    "(Size-like symbols: none)");
  // the first unbacked symbol in Python's (pre-)order is the one named
  Value v = Value::list({Value::tuple({SymInt::symbolic("u0")}), SymInt::symbolic("u5")});
  CHECK_THROWS_WITH(_get_symint_hints(v), Catch::Contains("expression u0 "));
  CHECK_THROWS_AS(_get_symint_hints(v), aotkit::runtime_error);  // a RuntimeError in Python
}
