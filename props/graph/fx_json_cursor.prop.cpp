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

#include "../json_values.hpp"

import aotkit.graph;

using namespace aotkit::graph;
using json = nlohmann::ordered_json;
using aotkit_props::random_json;

namespace {

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
