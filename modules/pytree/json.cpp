// modules/pytree/json.cpp — treespec_dumps / treespec_loads, torch's protocol 1 byte for byte.
// The writer emits Python's json.dumps text itself; the reader walks nlohmann's DOM (parsed and
// destroyed without recursion) with an explicit stack, feeding a spec_builder.
module;
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>
#include <nlohmann/json.hpp>
#include "runtime/json_document.hpp"
module aotkit.pytree;

import aotkit.runtime;

namespace aotkit::pytree {

namespace detail {
// Parses a whole JSON document; syntax errors become aotkit::input_error with the byte offset.
nlohmann::ordered_json parse_json_document(std::string_view text);
}  // namespace detail

namespace {

//===--- Python's json.dumps ---===//

// A JSON string as Python's json.dumps writes it (ensure_ascii=True).
void append_py_json_string(std::string& out, std::string_view s) { out += runtime::json_string(s, true); }

// The same, without the quotes (for text placed inside quotes already written).
void append_py_json_raw(std::string& out, std::string_view s) {
  std::string q = runtime::json_string(s, true);
  out.append(q, 1, q.size() - 2);
}

// Python's json.dumps of a JSON value (separators ", " and ": ", ASCII escaping), without recursion.
std::string python_dumps(const nlohmann::ordered_json& root) {
  return runtime::detail::dump_iterative(root, append_py_json_string, python::append_float_repr);
}

std::string keys_json(const std::vector<key>& keys) {
  std::string s = "[";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i) s += ", ";
    if (const auto* iv = std::get_if<std::int64_t>(&keys[i])) s += std::to_string(*iv);
    else append_py_json_string(s, std::get<std::string>(keys[i]));
  }
  return s + "]";
}

std::string class_repr(const std::string& qualified) { return "<class '" + qualified + "'>"; }

}  // namespace

std::string treespec_dumps(const TreeSpec& spec, int protocol) {
  if (protocol != default_treespec_serialization_protocol)
    throw value_error("Unknown protocol " + std::to_string(protocol) + ". Available protocols: [1]");
  std::string out = "[1, ";
  const auto& nodes = spec.nodes();
  auto open = [&](std::size_t i) {
    const spec_node& n = nodes[i];
    const node_context& c = spec.context_of(i);
    if (n.kind == node_kind::leaf) {
      out += R"({"type": null, "context": null, "children_spec": []})";
      return false;
    }
    out += R"({"type": ")";
    std::string context;
    switch (n.kind) {
      case node_kind::tuple: out += "builtins.tuple"; context = "\"null\""; break;
      case node_kind::list: out += "builtins.list"; context = "\"null\""; break;
      case node_kind::dict:
      case node_kind::ordered_dict:
        out += n.kind == node_kind::dict ? "builtins.dict" : "collections.OrderedDict";
        append_py_json_string(context, keys_json(c.keys));
        break;
      case node_kind::default_dict:
        out += "collections.defaultdict";
        context = R"({"default_factory_module": )";
        append_py_json_string(context, c.type_module);
        context += R"(, "default_factory_name": )";
        append_py_json_string(context, c.type_name);
        context += R"(, "dict_context": )" + keys_json(c.keys) + "}";
        break;
      case node_kind::deque:
        out += "collections.deque";
        context = c.maxlen ? "\"" + std::to_string(*c.maxlen) + "\"" : "\"null\"";
        break;
      case node_kind::namedtuple: {
        out += "collections.namedtuple";
        auto name = detail::namedtuple_serialized_name(c.type_name);
        if (!name)
          throw not_implemented_error("Can't serialize TreeSpec of namedtuple class " + class_repr(c.type_name) +
                                      " because we didn't register a serializated_type_name. Please register using "
                                      "`_register_namedtuple`.");
        append_py_json_string(context, *name);
        break;
      }
      case node_kind::custom: {
        auto def = find_pytree_node(c.type_name);
        if (!def) throw not_implemented_error("Serializing " + class_repr(c.type_name) + " in pytree is not registered.");
        if (!def->serialized_type_name)
          throw not_implemented_error("No registered serialization name for " + class_repr(c.type_name) +
                                      " found. Please update your _register_pytree_node call with a "
                                      "`serialized_type_name` kwarg.");
        append_py_json_raw(out, *def->serialized_type_name);
        if (def->to_dumpable_context) {
          context = def->to_dumpable_context(c.json);
          if (!nlohmann::ordered_json::accept(context))
            throw type_error("Unable to serialize context. Please make the context json dump-able, or register a "
                             "custom serializer using _register_pytree_node.");
          context = python_dumps(nlohmann::ordered_json::parse(context));
        } else {
          append_py_json_string(context, c.json);
        }
        break;
      }
      case node_kind::none: throw not_implemented_error("Serializing <class 'NoneType'> in pytree is not registered.");
      case node_kind::leaf: break;
    }
    out += R"(", "context": )" + context + R"(, "children_spec": [)";
    return true;
  };
  detail::walk_preorder(
      nodes, open, [&](std::size_t, std::size_t k, std::size_t) { if (k > 0) out += ", "; },
      [&](std::size_t) { out += "]}"; });
  out += ']';
  return out;
}

namespace {

using json = nlohmann::ordered_json;

const char* const context_error =
    "Unable to deserialize context. Please make the context json load-able, or register a custom serializer using "
    "_register_pytree_node.";

std::vector<key> keys_from(const json& j, bool& ok) {
  std::vector<key> keys;
  ok = j.is_array();
  if (!ok) return keys;
  for (const auto& k : j) {
    if (k.is_string()) keys.emplace_back(k.get<std::string>());
    else if (k.is_number_integer()) keys.emplace_back(k.get<std::int64_t>());
    else ok = false;
  }
  return keys;
}

}  // namespace

// Declared again in tree_json.cpp: one JSON entry point for both readers of this module.
nlohmann::ordered_json detail::parse_json_document(std::string_view text) {
  try {
    return runtime::detail::parse_json_unique_keys<nlohmann::ordered_json>(text);
  } catch (const runtime::detail::duplicate_json_key& e) {
    throw input_error(e.pointer, e.what());
  } catch (const nlohmann::ordered_json::parse_error& e) {
    throw runtime::json_syntax_error(e.what(), e.byte);
  } catch (const nlohmann::ordered_json::exception& e) {  // e.g. out_of_range 406: a number too large for a double
    throw runtime::json_syntax_error(e.what());
  }
}

TreeSpec treespec_loads(std::string_view text) {
  json doc = detail::parse_json_document(text);
  if (!doc.is_array() || doc.size() != 2)
    throw input_error("/", "expected [protocol, schema], got " + std::string(doc.type_name()));
  if (!doc[0].is_number_integer() || doc[0].get<std::int64_t>() != 1)
    throw input_error("/0", "Unknown protocol " + doc[0].dump() + ". Available protocols: [1]");

  // frames: the children_spec array being walked and the index of the next child
  struct frame {
    const json* children;
    std::size_t next;
  };
  std::vector<frame> stack;
  spec_builder builder;
  auto where = [&](std::string_view field) {
    std::string p = "/1";
    for (const auto& f : stack) p += "/children_spec/" + std::to_string(f.next - 1);
    if (!field.empty()) p += "/" + std::string(field);
    return p;
  };
  auto visit = [&](const json& node) {
    if (!node.is_object()) throw input_error(where(""), "expected a schema object, got " + std::string(node.type_name()));
    auto type_it = node.find("type"), ctx_it = node.find("context"), ch_it = node.find("children_spec");
    if (type_it == node.end() || ctx_it == node.end() || ch_it == node.end())
      throw input_error(where(""), "a schema object needs \"type\", \"context\" and \"children_spec\"");
    const json& children = *ch_it;
    if (!children.is_array()) throw input_error(where("children_spec"), "expected an array");
    const json& ctx = *ctx_it;
    if (type_it->is_null()) {
      if (!ctx.is_null() || !children.empty())
        throw input_error(where(""), "a leaf has a null context and no children");
      builder.leaf();
      return;
    }
    if (!type_it->is_string()) throw input_error(where("type"), "expected a string or null");
    const std::string& type = type_it->get_ref<const std::string&>();
    // Every context but defaultdict's is a JSON text inside a JSON string.
    auto decoded = [&]() -> json {
      if (!ctx.is_string()) throw input_error(where("context"), context_error);
      try {
        return runtime::detail::parse_json_unique_keys<json>(ctx.get_ref<const std::string&>());
      } catch (const runtime::detail::duplicate_json_key& e) {
        throw input_error(where("context"), context_error + std::string(" (") + e.what() + ")");
      } catch (const json::exception&) {
        throw input_error(where("context"), context_error);
      }
    };
    std::size_t n = children.size();
    node_context c;
    node_kind kind;
    if (type == "builtins.tuple" || type == "builtins.list" || type == "collections.deque") {
      kind = type == "builtins.tuple" ? node_kind::tuple : type == "builtins.list" ? node_kind::list : node_kind::deque;
      json d = decoded();
      if (kind == node_kind::deque && d.is_number_integer()) c.maxlen = d.get<std::int64_t>();
      else if (!d.is_null()) throw input_error(where("context"), "expected null" + std::string(kind == node_kind::deque ? " or an integer maxlen" : ""));
    } else if (type == "builtins.dict" || type == "collections.OrderedDict") {
      kind = type == "builtins.dict" ? node_kind::dict : node_kind::ordered_dict;
      bool ok = false;
      c.keys = keys_from(decoded(), ok);
      if (!ok) throw input_error(where("context"), "expected a list of str and int keys");
    } else if (type == "collections.defaultdict") {
      kind = node_kind::default_dict;
      if (!ctx.is_object()) throw input_error(where("context"), "dumpable_context must be a dict");
      std::set<std::string> names;
      for (auto it = ctx.begin(); it != ctx.end(); ++it) names.insert(it.key());
      if (names != std::set<std::string>{"default_factory_module", "default_factory_name", "dict_context"}) {
        std::string got;
        for (const auto& k : names) got += (got.empty() ? "'" : ", '") + k + "'";
        throw input_error(where("context"), "dumpable_context keys must be {'default_factory_module', "
                                            "'default_factory_name', 'dict_context'}, got {" + got + "}");
      }
      if (!ctx["default_factory_module"].is_string())
        throw input_error(where("context"), "default_factory_module must be a string");
      if (!ctx["default_factory_name"].is_string())
        throw input_error(where("context"), "default_factory_name must be a string");
      c.type_module = ctx["default_factory_module"].get<std::string>();
      c.type_name = ctx["default_factory_name"].get<std::string>();
      bool ok = false;
      c.keys = keys_from(ctx["dict_context"], ok);
      if (!ok) throw input_error(where("context"), "dict_context must be a list of str and int keys");
    } else if (type == "collections.namedtuple") {
      kind = node_kind::namedtuple;
      if (!ctx.is_string()) throw input_error(where("context"), context_error);
      const std::string& name = ctx.get_ref<const std::string&>();
      auto entry = detail::namedtuple_by_serialized_name(name);
      if (!entry)
        throw input_error(where("context"), "Can't deserialize TreeSpec of namedtuple class " + name +
                                                " because we couldn't find a serializated name.");
      c.type_name = std::move(entry->first);
      c.fields = std::move(entry->second);
    } else {
      auto [type_name, def] = find_serialized_pytree_node(type);
      if (!def) throw input_error(where("type"), "Deserializing " + type + " in pytree is not registered.");
      kind = node_kind::custom;
      c.type_name = std::move(type_name);
      if (def->from_dumpable_context) {
        c.json = def->from_dumpable_context(ctx.dump());
      } else {
        if (!ctx.is_string()) throw input_error(where("context"), context_error);
        c.json = ctx.get<std::string>();
      }
      if (!json::accept(c.json)) throw input_error(where("context"), context_error);
    }
    bool keyed = kind == node_kind::dict || kind == node_kind::ordered_dict || kind == node_kind::default_dict;
    if (keyed && c.keys.size() != n)
      throw input_error(where("context"), std::to_string(c.keys.size()) + " keys for " + std::to_string(n) + " children");
    if (kind == node_kind::namedtuple && c.fields.size() != n)
      throw input_error(where("children_spec"), "namedtuple " + class_repr(c.type_name) + " has " +
                                                    std::to_string(c.fields.size()) + " fields, got " + std::to_string(n) +
                                                    " children");
    if (keyed) {
      std::set<key> seen;
      for (const auto& k : c.keys)
        if (!seen.insert(k).second) throw input_error(where("context"), "duplicate key " + key_repr(k));
    }
    builder.open(kind, n, std::move(c));
    if (n > 0) stack.push_back({&children, 0});
  };
  visit(doc[1]);
  while (!stack.empty()) {
    frame& f = stack.back();
    if (f.next == f.children->size()) {
      stack.pop_back();
      continue;
    }
    const json& child = (*f.children)[f.next++];
    visit(child);  // may push (invalidating f)
  }
  return std::move(builder).finish();
}

}  // namespace aotkit::pytree
