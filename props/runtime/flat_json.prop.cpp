// props/runtime/flat_json.prop.cpp — the flat JSON document against nlohmann: any value nlohmann writes
// (compact or indented) reads back as the same value, and both write it as Python's json.dumps does.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <cmath>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "../json_values.hpp"
#include "runtime/flat_json.hpp"

import aotkit.runtime;

using namespace aotkit::runtime;
using aotkit_props::json;

namespace {

void put_string(std::string& out, std::string_view s) { out += json_string(s, true); }
void put_float(std::string& out, double d) { aotkit::python::append_float_repr(out, d); }

// Equal as JSON, integers and floats told apart, members in order.
bool same(const detail::flat_json& a, const json& b) {
  if (b.is_number_integer()) return a.is_number_integer() && a.get_int() == b.get<std::int64_t>();
  if (b.is_number_float()) return a.is_number_float() && a.get_double() == b.get<double>();
  if (b.is_null()) return a.is_null();
  if (b.is_boolean()) return a.is_boolean() && a.get_bool() == b.get<bool>();
  if (b.is_string()) return a.is_string() && a.get_string() == b.get_ref<const std::string&>();
  if (b.is_array()) {
    if (!a.is_array() || a.size() != b.size()) return false;
    for (std::size_t i = 0; i < b.size(); ++i)
      if (!same(a[i], b[i])) return false;
    return true;
  }
  if (!a.is_object() || a.size() != b.size()) return false;
  auto i = a.begin();
  for (auto j = b.begin(); j != b.end(); ++i, ++j)
    if (i.key() != j.key() || !same(*i, j.value())) return false;
  return true;
}

}  // namespace

TEST_CASE("flat_json reads what nlohmann writes, and writes it as nlohmann's DOM is written", "[runtime][flat_json][prop]") {
  rc::prop("values round trip", [] {
    json value = aotkit_props::random_json(4);
    int indent = *rc::gen::element(-1, 0, 2);  // compact, newlines only, indented
    std::string text = value.dump(indent);
    detail::flat_json_document doc = detail::flat_json_document::parse(text);
    RC_ASSERT(same(doc.root(), value));
    std::string flat = detail::dump_flat(doc, put_string, put_float);
    RC_ASSERT(flat == detail::dump_iterative(value, put_string, put_float));
    // the written text reads back as itself
    RC_ASSERT(detail::dump_flat(detail::flat_json_document::parse(flat), put_string, put_float) == flat);
  });
}
