// tests/runtime/flat_json.test.cpp — the flat JSON document the program reader parses into: values,
// member access, Python's tokens, every error with its byte or pointer, and a million levels deep.
#include <catch2/catch.hpp>

#include <cmath>
#include <type_traits>
#include <string>
#include <string_view>

#include "../deep.hpp"
#include "runtime/flat_json.hpp"

import aotkit.runtime;

using namespace aotkit::runtime::detail;
using aotkit::runtime::json_string;

namespace {

std::string error_of(std::string_view text) {
  try {
    (void)flat_json_document::parse(text);
  } catch (const flat_json_syntax_error& e) {
    return std::string("syntax: ") + e.what();
  } catch (const duplicate_json_key& e) {
    return "duplicate: " + e.pointer + " " + e.what();
  }
  return "no error";
}

std::string dumps(const flat_json_document& doc) {
  return dump_flat(
      doc, [](std::string& out, std::string_view s) { out += json_string(s, true); },
      [](std::string& out, double d) { out += std::isnan(d) ? "NaN" : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity") : std::to_string(d); });
}

}  // namespace

TEST_CASE("flat_json reads every kind of value and reaches members in place", "[flat_json]") {
  std::string text = R"({"a": [1, -2, 18446744073709551615, 123456789012345678901234567890, 1.5e3, true, false, null],
                         "s": "x\u00e9\n\"\\\/\ud83d\ude00", "o": {}, "e": [], "k": {"z": 1, "y": {"x": "w"}}})";
  flat_json_document doc = flat_json_document::parse(text);
  const flat_json& root = doc.root();
  REQUIRE(root.is_object());
  CHECK(root.size() == 5);
  const flat_json& a = root["a"];
  REQUIRE(a.is_array());
  CHECK(a.size() == 8);
  CHECK(a[0].get_int() == 1);
  CHECK(a[1].get_int() == -2);
  CHECK(a[2].is_number_integer());
  CHECK(a[2].get_unsigned() == 18446744073709551615ULL);
  CHECK(a[3].is_big_integer());
  CHECK_FALSE(a[3].is_number());
  CHECK(a[3].get_string() == "123456789012345678901234567890");
  CHECK(a[4].get_double() == 1500.0);
  CHECK(a[5].get_bool());
  CHECK_FALSE(a[6].get_bool());
  CHECK(a[7].is_null());
  CHECK(root["s"].get_string() == "x\xc3\xa9\n\"\\/\xf0\x9f\x98\x80");
  CHECK(root["o"].is_object());
  CHECK(root["o"].empty());
  CHECK(root["e"].is_array());
  CHECK(root["k"]["y"]["x"].get_string() == "w");
  CHECK(root["missing"].is_null());
  CHECK(a[8].is_null());  // past the end, and indexing a scalar: a null value, never a stray read
  CHECK(a[0][0].is_null());
  CHECK(root["s"][3].is_null());
  CHECK_FALSE(root.contains("missing"));
  std::string keys;
  for (const flat_json& m : root) keys += std::string(m.key()) + ",";
  CHECK(keys == "a,s,o,e,k,");
  auto it = root.find("k");
  REQUIRE(it != root.end());
  CHECK(it.key() == "k");
  CHECK(it->size() == 2);
  // in document order: a container, then its members
  CHECK(doc.nodes().size() == 1 + 1 + 8 + 1 + 1 + 1 + 1 + 2 + 1);
}

TEST_CASE("flat_json reads json.dumps's NaN and infinities and writes them back", "[flat_json]") {
  flat_json_document doc = flat_json_document::parse(R"([NaN, Infinity, -Infinity, 1e999, -1e999, 1e-999])");
  const flat_json& a = doc.root();
  CHECK(std::isnan(a[0].get_double()));
  CHECK(a[1].get_double() == HUGE_VAL);
  CHECK(a[2].get_double() == -HUGE_VAL);
  CHECK(a[3].get_double() == HUGE_VAL);  // Python's float('1e999')
  CHECK(a[4].get_double() == -HUGE_VAL);
  CHECK(a[5].get_double() == 0.0);
  CHECK(dumps(doc).starts_with("[NaN, Infinity, -Infinity, Infinity, -Infinity, "));
}

TEST_CASE("flat_json's numbers: out-of-range floats as Python reads them, accessors that never misread", "[flat_json]") {
  flat_json_document doc = flat_json_document::parse(R"([0.1e400, -0.1e400, 1234e-500, 0.00001e-330, 99999999999999999999999, "7"])");
  const flat_json& a = doc.root();
  CHECK(a[0].get_double() == HUGE_VAL);
  CHECK(a[1].get_double() == -HUGE_VAL);
  CHECK(a[2].get_double() == 0.0);
  CHECK(a[3].get_double() == 0.0);
  CHECK(a[4].is_big_integer());
  CHECK(a[4].get_double() == 1e23);
  CHECK(a[4].get_int() == 0);  // not a 64-bit integer
  CHECK(a[5].get_int() == 0);  // a string is no number
  CHECK(a[5].get_double() == 0.0);
  static_assert(!std::is_copy_constructible_v<flat_json>, "a copy would lose its members");
}

TEST_CASE("flat_json writes what it read with Python's separators and escapes", "[flat_json]") {
  flat_json_document doc = flat_json_document::parse(R"({"b":[1,{"c":null,"d":"\u00e9"}],"a":{}, "e": [[]]})");
  CHECK(dumps(doc) == R"({"b": [1, {"c": null, "d": "\u00e9"}], "a": {}, "e": [[]]})");
  CHECK(dumps(flat_json_document::parse("  7 ")) == "7");
  CHECK(dumps(flat_json_document::parse("\"x\"")) == "\"x\"");
}

TEST_CASE("flat_json names the byte of every syntax error", "[flat_json]") {
  CHECK(error_of("") == "syntax: unexpected end of text, expected a value at byte 0");
  CHECK(error_of("[1,]") == "syntax: unexpected ']', expected a value at byte 3");
  CHECK(error_of("[1 2]") == "syntax: unexpected '2', expected ',' or ']' in an array at byte 3");
  CHECK(error_of(R"({"a" 1})") == "syntax: unexpected '1', expected ':' after an object key at byte 5");
  CHECK(error_of("{1: 2}") == "syntax: unexpected '1', expected a string key at byte 1");
  CHECK(error_of("[1] x") == "syntax: unexpected 'x', expected the end of the text after the value at byte 4");
  CHECK(error_of("01") == "syntax: unexpected '1', expected no digits after a leading 0 at byte 1");
  CHECK(error_of("1.") == "syntax: unexpected end of text, expected a digit after '.' at byte 2");
  CHECK(error_of("-") == "syntax: unexpected end of text, expected a digit at byte 1");
  CHECK(error_of("tru") == "syntax: unexpected 't', expected a value at byte 0");
  CHECK(error_of("\"ab") == "syntax: unexpected end of text, expected '\"' to end the string at byte 3");
  CHECK(error_of("\"ab\\") == "syntax: unexpected end of text, expected '\"' to end the string at byte 4");  // in an escape
  CHECK(error_of("\"a\x01\"") == "syntax: unexpected byte 1, expected no control character in a string (escape it) at byte 2");
  CHECK(error_of("\"\\x\x01\"") == R"(syntax: unexpected '\', expected an escape (one of \" \\ \/ \b \f \n \r \t \u) at byte 1)");
  CHECK(error_of(R"("\x")") == R"(syntax: unexpected '\', expected an escape (one of \" \\ \/ \b \f \n \r \t \u) at byte 1)");
  CHECK(error_of(R"("\u12g4")") == "syntax: unexpected 'g', expected four hex digits after \\u at byte 5");
  CHECK(error_of(R"("\ud800x")") == "syntax: unexpected 'x', expected a low surrogate after a high one at byte 7");
  CHECK(error_of(R"("\udc00")") == R"(syntax: unexpected '\', expected a high surrogate before a low one at byte 1)");
  CHECK(error_of("\"\xc3\x28\"") == "syntax: unexpected byte 195, expected valid UTF-8 at byte 1");
  CHECK(error_of("\"\xed\xa0\x80\"") == "syntax: unexpected byte 237, expected valid UTF-8 at byte 1");  // a surrogate
  CHECK(error_of("\"\xf4\x90\x80\x80\"") == "syntax: unexpected byte 244, expected valid UTF-8 at byte 1");  // > U+10FFFF
  CHECK(error_of("[\"\xe2\x82\"]") == "syntax: unexpected byte 226, expected valid UTF-8 at byte 2");  // cut short
}

TEST_CASE("flat_json refuses a repeated key at the pointer of its object", "[flat_json]") {
  CHECK(error_of(R"({"a": 1, "a": 2})") == "duplicate: / duplicate key 'a'");
  CHECK(error_of(R"({"x": [0, {"b/c~": {"k": 1, "k": 2}}]})") == "duplicate: /x/1/b~1c~0 duplicate key 'k'");
  // past the scan's limit the keys are hashed: the repeat is found all the same
  std::string big = "{";
  for (int i = 0; i < 100; ++i) big += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ", ";
  CHECK(error_of(big + "\"k7\": 0}") == "duplicate: / duplicate key 'k7'");
  CHECK(error_of(big + "\"k100\": 0}") == "no error");
  CHECK(error_of(big + "\"k100\": {\"x\": [{\"k5\": 1, \"k5\": 2}]}}") == "duplicate: /k100/x/0 duplicate key 'k5'");
  // nlohmann's DOM, built from SAX events: the same rule, long objects sorted when they close
  CHECK_THROWS_AS(parse_json_unique_keys<nlohmann::ordered_json>(big + "\"k7\": 0}"), duplicate_json_key);
  CHECK(parse_json_unique_keys<nlohmann::ordered_json>(big + "\"k100\": 0}").size() == 101);
  try {
    (void)parse_json_unique_keys<nlohmann::ordered_json>("{\"a\": [" + big + "\"k3\": 0}]}");
    FAIL("no error");
  } catch (const duplicate_json_key& e) {
    CHECK(e.pointer == "/a/0");
    CHECK(e.key == "k3");
  }
  // equal after decoding is equal
  CHECK(error_of(R"({"\u0061": 1, "a": 2})") == "duplicate: / duplicate key 'a'");
}

TEST_CASE("flat_json reads and writes a document nested a million levels deep", "[flat_json]") {
  std::size_t n = aotkit_testing::deep_levels;
  std::string text(n, '[');
  text += std::string(n, ']');
  flat_json_document doc = flat_json_document::parse(text);
  CHECK(doc.nodes().size() == n);
  const flat_json* x = &doc.root();
  std::size_t depth = 0;
  while (!x->empty()) {
    x = &(*x)[0];
    ++depth;
  }
  CHECK(depth == n - 1);
  CHECK(dumps(doc) == text);
  CHECK(error_of(std::string(n, '[')).starts_with("syntax: unexpected end of text"));
}
