// modules/pytree/tree_json.cpp — pytree-json/1 reader (nlohmann DOM, walked with an explicit stack
// into a tree_builder) and writer.
module;
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>
#include <nlohmann/json.hpp>
module aotkit.pytree;

import aotkit.runtime;

namespace aotkit::pytree {

namespace detail {
// Defined in json.cpp.
nlohmann::ordered_json parse_json_document(std::string_view text);
}  // namespace detail

namespace {

using json = nlohmann::ordered_json;
using runtime::Value;

std::string strip_main(const std::string& qualified) {
  return qualified.rfind("__main__.", 0) == 0 ? qualified.substr(9) : qualified;
}

}  // namespace

Tree<Value> tree_from_json(std::string_view text, std::string_view member) {
  json doc = detail::parse_json_document(text);
  tree_builder<Value> b;
  // Each frame: the children still to visit (as JSON values) with their pointer segments.
  struct frame {
    std::vector<std::pair<const json*, std::string>> items;
    std::size_t next = 0;
  };
  std::vector<frame> stack;
  std::vector<std::string> path;  // pointer segments of the value being visited
  auto where = [&](std::string_view extra = {}) {
    std::string p;
    for (const auto& s : path) p += "/" + s;
    if (!extra.empty()) p += "/" + std::string(extra);
    return p.empty() ? std::string("/") : p;
  };
  auto visit = [&](const json& v) {
    if (!v.is_object() || v.size() != 1) throw input_error(where(), "expected a one-key object {\"<tag>\": <payload>}");
    const std::string& tag = v.begin().key();
    const json& p = v.begin().value();
    auto fail = [&](const std::string& what) -> void { throw input_error(where(tag), what); };
    frame f;
    if (tag == "int") {
      if (!p.is_number_integer()) fail("expected an integer");
      if (p.is_number_unsigned() && p.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        fail("integer does not fit in int64");
      b.leaf(Value(p.get<std::int64_t>()));
    } else if (tag == "float") {
      if (p.is_number()) b.leaf(Value(p.get<double>()));
      else if (p == "nan") b.leaf(Value(std::numeric_limits<double>::quiet_NaN()));
      else if (p == "inf") b.leaf(Value(std::numeric_limits<double>::infinity()));
      else if (p == "-inf") b.leaf(Value(-std::numeric_limits<double>::infinity()));
      else fail("expected a number or \"nan\", \"inf\", \"-inf\"");
    } else if (tag == "str") {
      if (!p.is_string()) fail("expected a string");
      b.leaf(Value(p.get<std::string>()));
    } else if (tag == "bool") {
      if (!p.is_boolean()) fail("expected a boolean");
      b.leaf(Value(p.get<bool>()));
    } else if (tag == "none") {
      if (!p.is_null()) fail("expected null");
      b.none();
    } else if (tag == "list" || tag == "tuple") {
      if (!p.is_array()) fail("expected an array");
      for (std::size_t i = 0; i < p.size(); ++i) f.items.emplace_back(&p[i], tag + "/" + std::to_string(i));
      b.open(tag == "list" ? node_kind::list : node_kind::tuple, p.size());
    } else if (tag == "dict" || tag == "odict") {
      if (!p.is_array()) fail("expected an array of [key, value] pairs");
      node_context c;
      std::set<key> seen;
      for (std::size_t i = 0; i < p.size(); ++i) {
        const json& pair = p[i];
        std::string at = tag + "/" + std::to_string(i);
        if (!pair.is_array() || pair.size() != 2) throw input_error(where(at), "expected a [key, value] pair");
        const json& k = pair[0];
        if (k.is_object() && k.size() == 1 && k.contains("str") && k["str"].is_string()) c.keys.emplace_back(k["str"].get<std::string>());
        else if (k.is_object() && k.size() == 1 && k.contains("int") && k["int"].is_number_integer())
          c.keys.emplace_back(k["int"].get<std::int64_t>());
        else throw input_error(where(at + "/0"), "a key is {\"str\": ...} or {\"int\": ...}");
        if (!seen.insert(c.keys.back()).second) throw input_error(where(at + "/0"), "duplicate key " + key_repr(c.keys.back()));
        f.items.emplace_back(&pair[1], at + "/1");
      }
      b.open(tag == "dict" ? node_kind::dict : node_kind::ordered_dict, p.size(), std::move(c));
    } else if (tag == "namedtuple") {
      if (!p.is_object() || !p.contains("type") || !p["type"].is_string() || !p.contains("fields") ||
          !p["fields"].is_array() || !p.contains("values") || !p["values"].is_array())
        fail("expected {\"type\": str, \"fields\": [str], \"values\": [...]}");
      node_context c;
      std::string type = p["type"].get<std::string>();
      c.type_name = type.find('.') == std::string::npos ? "__main__." + type : type;
      for (const auto& fld : p["fields"]) {
        if (!fld.is_string()) fail("field names are strings");
        c.fields.push_back(fld.get<std::string>());
      }
      const json& values = p["values"];
      if (values.size() != c.fields.size())
        fail(std::to_string(c.fields.size()) + " fields but " + std::to_string(values.size()) + " values");
      for (std::size_t i = 0; i < values.size(); ++i) f.items.emplace_back(&values[i], tag + "/values/" + std::to_string(i));
      try {
        b.open(node_kind::namedtuple, values.size(), std::move(c));
      } catch (const value_error& e) {  // fields Python's namedtuple would refuse
        fail(e.what());
      }
    } else {
      throw input_error(where(tag), "unknown tag \"" + tag + "\"");
    }
    if (!f.items.empty()) stack.push_back(std::move(f));
  };
  const json* root = &doc;
  if (std::string m(member); !m.empty() && doc.is_object() && doc.contains(m)) {
    root = &doc[m];
    path.push_back(m);
  }
  visit(*root);
  while (!stack.empty()) {
    frame& f = stack.back();
    if (f.next == f.items.size()) {
      stack.pop_back();
      if (!stack.empty()) path.pop_back();  // the root's own segment (a member name) stays
      continue;
    }
    auto [node, seg] = f.items[f.next++];
    std::size_t depth_before = stack.size();
    path.push_back(seg);
    visit(*node);  // may push (invalidating f)
    if (stack.size() == depth_before) path.pop_back();  // a leaf or an empty container
  }
  return std::move(b).finish();
}

std::string tree_to_json(const Tree<Value>& tree) {
  const TreeSpec& spec = tree.structure();
  const auto& nodes = spec.nodes();
  std::string out;
  std::size_t leaf = 0;
  bool pair = false;        // the node about to open is the value of a dict's [key, value] pair
  std::vector<bool> pairs;  // the same, for every entered node
  detail::walk_preorder(
      nodes,
      [&](std::size_t i) {
        const spec_node& n = nodes[i];
        const node_context& c = spec.context_of(i);
        bool in_pair = std::exchange(pair, false);
        switch (n.kind) {
          case node_kind::leaf:
          case node_kind::none:
            out += n.kind == node_kind::leaf ? runtime::value_to_json(tree.leaves()[leaf++]) : "{\"none\": null}";
            if (in_pair) out += ']';
            return false;
          case node_kind::list: out += "{\"list\": ["; break;
          case node_kind::tuple: out += "{\"tuple\": ["; break;
          case node_kind::dict: out += "{\"dict\": ["; break;
          case node_kind::ordered_dict: out += "{\"odict\": ["; break;
          case node_kind::namedtuple:
            out += "{\"namedtuple\": {\"type\": " + runtime::json_string(strip_main(c.type_name)) + ", \"fields\": [";
            for (std::size_t k = 0; k < c.fields.size(); ++k) out += (k ? ", " : "") + runtime::json_string(c.fields[k]);
            out += "], \"values\": [";
            break;
          case node_kind::default_dict:
          case node_kind::deque:
          case node_kind::custom: throw value_error("pytree-json/1 has no " + std::string(kind_name(n.kind)) + " nodes");
        }
        pairs.push_back(in_pair);
        return true;
      },
      [&](std::size_t parent, std::size_t k, std::size_t) {
        if (k > 0) out += ", ";
        if (!traits_of(nodes[parent].kind).keyed) return;
        const key& dk = spec.context_of(parent).keys[k];
        out += '[';
        out += std::holds_alternative<std::int64_t>(dk) ? runtime::value_to_json(Value(std::get<std::int64_t>(dk)))
                                                        : runtime::value_to_json(Value(std::get<std::string>(dk)));
        out += ", ";
        pair = true;
      },
      [&](std::size_t i) {
        out += nodes[i].kind == node_kind::namedtuple ? "]}}" : "]}";
        if (pairs.back()) out += ']';
        pairs.pop_back();
      });
  return out;
}

}  // namespace aotkit::pytree
