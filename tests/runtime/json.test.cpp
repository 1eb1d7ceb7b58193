// tests/runtime/json.test.cpp — tagged JSON for Values: round trips, every error with its place,
// and documents nested a million deep.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include "../deep.hpp"

import aotkit.runtime;

using namespace aotkit::runtime;

namespace {

std::string where_of(std::string_view json) {
  try {
    (void)value_from_json(json);
  } catch (const aotkit::input_error& e) {
    return e.where() + " | " + e.detail();
  }
  return "no error";
}

}  // namespace

TEST_CASE("value_from_json reads every tag", "[json]") {
  Value v = value_from_json(R"({"list": [{"none": null}, {"bool": true}, {"int": -3}, {"float": 1.5},
      {"float": 2}, {"str": "x\u00e9"}, {"tuple": [{"int": 1}]}, {"symint": 7},
      {"symint": {"expr": "s0", "hint": 4}}, {"symint": {"expr": "u0", "hint": null}},
      {"symfloat": {"expr": "f0", "hint": 1}}, {"symbool": {"expr": "b0"}}, {"symbool": false}]})");
  CHECK(v == Value::list({Value(), true, -3, 1.5, 2.0, "x\xc3\xa9", Value::tuple({1}), SymInt(7),
                          SymInt::symbolic("s0", 4), SymInt::symbolic("u0"), SymFloat::symbolic("f0", 1.0),
                          SymBool::symbolic("b0"), SymBool(false)}));
  CHECK(std::isnan(value_from_json(R"({"float": "nan"})").to_double()));
  CHECK(value_from_json(R"({"float": "-inf"})").to_double() < 0);
  CHECK(std::signbit(value_from_json(R"({"float": -0.0})").to_double()));
}

TEST_CASE("value_to_json writes what value_from_json reads", "[json]") {
  Value v = Value::list({Value(), false, 9, -0.0, 1e20, "q\"\\\n\x01", Value::tuple(), SymInt::symbolic("s0", 2),
                         SymFloat::symbolic("s1"), SymBool(true), Value::tuple({Value::list()})});
  std::string j = value_to_json(v);
  CHECK(value_from_json(j) == v);
  CHECK(value_to_json(Value::tuple({1, 2.0})) == R"({"tuple": [{"int": 1}, {"float": 2.0}]})");
  CHECK(value_to_json(SymInt::symbolic("u0")) == R"({"symint": {"expr": "u0", "hint": null}})");
  CHECK_THROWS_AS(value_to_json(Value(empty_meta({1}))), aotkit::value_error);
  CHECK_THROWS_AS(value_to_json(Value(std::string("\xff"))), aotkit::value_error);
}

TEST_CASE("value_from_json names the byte of a syntax error", "[json][errors]") {
  CHECK(where_of(R"({"int": 1)").starts_with("byte 9 | "));
  CHECK(where_of("").starts_with("byte 0 | "));
  CHECK(where_of(R"({"int": 1} x)").starts_with("byte 11 | "));
  CHECK(where_of("{\"str\": \"\xff\"}").find("invalid") != std::string::npos);
}

TEST_CASE("value_from_json names the JSON pointer of a semantic error", "[json][errors]") {
  CHECK(where_of(R"({"list": [{"int": 1}, {"int": 1.5}]})") == "/list/1/int | expected an integer, got a float");
  CHECK(where_of(R"({"dict": []})") == "/dict | \"dict\" is a pytree node, not a runtime value");
  CHECK(where_of(R"({"wat": 1})").starts_with("/wat | unknown tag \"wat\""));
  CHECK(where_of(R"({})") == "/ | an empty object is not a value; expected {\"<tag>\": <payload>}");
  CHECK(where_of(R"({"int": 1, "str": "a"})") == "/int | a tagged value has exactly one key, got a second one \"str\"");
  CHECK(where_of("[1]") == "/ | expected a tagged value {\"<tag>\": <payload>}, got an array");
  CHECK(where_of(R"({"tuple": [3]})") == "/tuple/0 | expected a tagged value {\"<tag>\": <payload>}, got an integer");
  // JSON integers beyond 64 bits arrive as floats (nlohmann's reading), so an int tag refuses them.
  CHECK(where_of(R"({"int": 99999999999999999999})") == "/int | expected an integer, got a float");
  CHECK(where_of(R"({"int": 18446744073709551615})") == "/int | integer 18446744073709551615 does not fit in int64");
  CHECK(where_of(R"({"float": "huge"})") == "/float | a float is a number or one of \"nan\", \"inf\", \"-inf\", got \"huge\"");
  CHECK(where_of(R"({"symint": {"hint": 3}})") == "/symint | a symbolic value needs \"expr\"");
  CHECK(where_of(R"({"symint": {"expr": "s", "hint": 1.5}})") == "/symint | \"hint\" of a symint is an integer or null");
  CHECK(where_of(R"({"symint": {"expr": "s", "expr": "t"}})") == "/symint/expr | duplicate field \"expr\"");
  CHECK(where_of(R"({"list": {"int": 1}})") == "/list | expected an array of values, got an object");
}

TEST_CASE("value_from_json reads and value_to_json writes a value nested a million deep", "[json][deep]") {
  constexpr std::size_t depth = aotkit_testing::deep_levels;
  std::string j;
  for (std::size_t i = 0; i < depth; ++i) j += R"({"list": [)";
  j += R"({"int": 0})";
  for (std::size_t i = 0; i < depth; ++i) j += "]}";
  Value v = value_from_json(j);
  CHECK(value_to_json(v) == j);
}
