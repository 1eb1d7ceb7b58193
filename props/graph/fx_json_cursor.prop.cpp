// props/graph/fx_json_cursor.prop.cpp — the hand-written fx-json cursor against nlohmann: any JSON
// value nlohmann writes (compact or indented) reads back as the same value, and what aotkit writes
// nlohmann reads as that value again, in order (a differential check of reader and writer).
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

import aotkit.graph;

using namespace aotkit::graph;
using json = nlohmann::ordered_json;

namespace {

// Strings over a small alphabet that needs every kind of escape, and multi-byte UTF-8.
std::string random_text() {
  static const std::vector<std::string> pieces{"a", "Z", "_", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f",
                                               "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "0", "{", "]"};
  std::string s;
  for (std::size_t i : *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, pieces.size())))
    s += pieces[i];
  return s;
}

json random_json(int depth) {
  int kind = *rc::gen::inRange(0, depth > 0 ? 8 : 6);
  switch (kind) {
    case 0: return nullptr;
    case 1: return *rc::gen::arbitrary<bool>();
    case 2: return *rc::gen::arbitrary<std::int64_t>();
    case 3: {
      double d = *rc::gen::arbitrary<double>();
      return std::isfinite(d) ? d : 0.5;  // non-finite floats are not JSON (nlohmann writes null)
    }
    case 4: return static_cast<double>(*rc::gen::inRange(-1000, 1000)) / 8;  // floats with few digits: 1.0, -0.125
    case 5: return random_text();
    case 6: {
      json a = json::array();
      for (int i = *rc::gen::inRange(0, 4); i > 0; --i) a.push_back(random_json(depth - 1));
      return a;
    }
    default: {
      json o = json::object();
      std::set<std::string> keys;
      for (int i = *rc::gen::inRange(0, 4); i > 0; --i) {
        std::string k = random_text();
        if (keys.insert(k).second) o[k] = random_json(depth - 1);
      }
      return o;
    }
  }
}

// The meta value as nlohmann sees JSON: lists are arrays, dicts objects with string keys.
json to_json(const arg& a) {
  switch (a.kind()) {
    case arg_kind::none: return nullptr;
    case arg_kind::boolean: return a.to_bool();
    case arg_kind::integer: return a.to_int();
    case arg_kind::floating: return a.to_double();
    case arg_kind::string: return a.text();
    case arg_kind::list:
    case arg_kind::tuple: {
      json out = json::array();
      for (const arg& x : a.items()) out.push_back(to_json(x));
      return out;
    }
    case arg_kind::dict: {
      json out = json::object();
      for (const auto& [k, v] : a.entries()) out[k.text()] = to_json(v);
      return out;
    }
    default: throw std::logic_error("not a JSON value");
  }
}

// Equal as JSON, with integers and floats told apart (1 and 1.0 are different meta values).
bool same(const json& a, const json& b) {
  // nlohmann reads a non-negative integer as unsigned: signedness is no difference here
  if (a.is_number_integer() || b.is_number_integer()) return a.is_number_integer() && b.is_number_integer() && a == b;
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i])) return false;
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
      if (i.key() != j.key() || !same(i.value(), j.value())) return false;
    return true;
  }
  return a == b;
}

}  // namespace

TEST_CASE("fx-json's cursor reads what nlohmann writes, and nlohmann reads what fx-json writes", "[graph][fx_json][prop]") {
  rc::prop("meta values round trip through both", [] {
    json value = random_json(4);
    int indent = *rc::gen::element(-1, 0, 2);  // compact, newlines only, indented
    std::string text = value.dump(indent);
    std::string doc = R"({"format": "fx-json/1", "nodes": [{"name": "x", "op": "placeholder", "target": "x", "meta": {"custom": )" +
                      text + R"(}}, {"name": "output", "op": "output", "target": "output", "args": [{"node": "x"}]}]})";
    fx_document read = read_fx_json(doc);
    const node_meta& meta = read.module.graph().node(read.module.graph().first()).meta();
    RC_ASSERT(meta.custom.has_value());
    RC_ASSERT(same(to_json(*meta.custom), value));
    // the writer's text, read by nlohmann
    json written = json::parse(write_fx_json(read.module));
    RC_ASSERT(same(written["nodes"][0]["meta"]["custom"], value));
  });
}
