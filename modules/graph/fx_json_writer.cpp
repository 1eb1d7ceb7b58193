// modules/graph/fx_json_writer.cpp — the fx-json/1 writer (Python json.dumps-style text), through
// the output cursor where nothing needs escaping.
module;
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>
module aotkit.graph;

import aotkit.runtime;
import aotkit.pytree;

namespace aotkit::graph {

namespace {

//===--- the writer ---===//

void write_string(std::string& out, std::string_view s) {
  // most text (names, targets) is printable ASCII with nothing to escape: append it as it is
  if (!plain_ascii(s)) {
    out += runtime::json_string(s, false);
    return;
  }
  out += '"';
  out += s;
  out += '"';
}

void write_double(std::string& out, double d) {
  if (std::isnan(d)) out += R"({"float": "nan"})";
  else if (std::isinf(d)) out += d > 0 ? R"({"float": "inf"})" : R"({"float": "-inf"})";
  else python::append_float_repr(out, d);
}

void write_json(std::string& out, const arg& a);

void write_arg(std::string& out, const Graph& g, const arg& a) {
  switch (a.kind()) {
    case arg_kind::none: out += "null"; break;
    case arg_kind::boolean: out += a.to_bool() ? "true" : "false"; break;
    case arg_kind::integer: out += std::to_string(a.to_int()); break;
    case arg_kind::floating: write_double(out, a.to_double()); break;
    case arg_kind::string: write_string(out, a.text()); break;
    case arg_kind::node:
      out += R"({"node": )";
      write_string(out, g.node(a.to_node()).name());
      out += '}';
      break;
    case arg_kind::list:
    case arg_kind::tuple:
    case arg_kind::slice: {
      if (a.kind() == arg_kind::tuple) out += R"({"tuple": )";
      if (a.kind() == arg_kind::slice) out += R"({"slice": )";
      out += '[';
      bool first = true;
      for (const arg& x : a.items()) {
        if (!first) out += ", ";
        first = false;
        write_arg(out, g, x);
      }
      out += ']';
      if (a.kind() != arg_kind::list) out += '}';
      break;
    }
    case arg_kind::dict: {
      out += R"({"dict": [)";
      bool first = true;
      for (const auto& [k, v] : a.entries()) {
        if (!first) out += ", ";
        first = false;
        out += '[';
        write_arg(out, g, k);
        out += ", ";
        write_arg(out, g, v);
        out += ']';
      }
      out += "]}";
      break;
    }
    case arg_kind::ellipsis: out += R"({"ellipsis": true})"; break;
    case arg_kind::complex: {
      auto [re, im] = a.to_complex();
      out += R"({"complex": [)";
      python::append_float_repr(out, re);
      out += ", ";
      python::append_float_repr(out, im);
      out += "]}";
      break;
    }
    default: {
      out += "{\"" + std::string(a.kind() == arg_kind::dtype           ? "dtype"
                                 : a.kind() == arg_kind::device        ? "device"
                                 : a.kind() == arg_kind::memory_format ? "memory_format"
                                 : a.kind() == arg_kind::layout        ? "layout"
                                 : a.kind() == arg_kind::op            ? "op"
                                                                       : "repr") +
             "\": ";
      write_string(out, a.text());
      out += '}';
    }
  }
}

// Meta values are plain JSON (dicts with string keys, lists).
void write_json(std::string& out, const arg& a) {
  switch (a.kind()) {
    case arg_kind::list:
    case arg_kind::tuple: {
      out += '[';
      bool first = true;
      for (const arg& x : a.items()) {
        if (!first) out += ", ";
        first = false;
        write_json(out, x);
      }
      out += ']';
      break;
    }
    case arg_kind::dict: {
      out += '{';
      bool first = true;
      for (const auto& [k, v] : a.entries()) {
        if (!first) out += ", ";
        first = false;
        std::string key;
        if (k.kind() == arg_kind::string) key = k.text();
        else append_repr(key, k, [](node_id) { return std::string_view("?"); });
        write_string(out, key);
        out += ": ";
        write_json(out, v);
      }
      out += '}';
      break;
    }
    case arg_kind::none: out += "null"; break;
    case arg_kind::boolean: out += a.to_bool() ? "true" : "false"; break;
    case arg_kind::integer: out += std::to_string(a.to_int()); break;
    case arg_kind::floating:
      if (std::isfinite(a.to_double())) python::append_float_repr(out, a.to_double());
      else out += std::isnan(a.to_double()) ? "NaN" : (a.to_double() > 0 ? "Infinity" : "-Infinity");
      break;
    case arg_kind::string: write_string(out, a.text()); break;
    default: {
      std::string r;
      append_repr(r, a, [](node_id) { return std::string_view("?"); });
      write_string(out, r);
    }
  }
}

// `"name"` of a node: the namespace makes every node name an identifier (create_name is the only
// writer of a name), so it needs no escaping and no scan for bytes that would.
[[gnu::always_inline]] inline void write_name(text_out& out, std::string_view name) {
  out.room(name.size() + 2);
  out.put('"');
  out.put(name);
  out.put('"');
}

// `"text"`, through the cursor when nothing needs escaping.
void write_string(text_out& out, std::string_view s) {
  if (!plain_ascii(s)) {
    out.flush() += runtime::json_string(s, false);
    out.resume();
    return;
  }
  out.room(s.size() + 2);
  out.put('"');
  out.put(s);
  out.put('"');
}

void write_nodes(std::string& text, const Graph& g) {
  text += '[';
  text_out out(text);
  bool first = true;
  op_text_cache op_parts;
  std::string scratch;
  for (node_id id : g.node_range()) {
    const Node& n = g.node(id);
    out.room(16);
    out.put(first ? std::string_view("\n  ") : std::string_view(",\n  "));
    first = false;
    out.put(R"({"name": )");
    write_name(out, n.name());
    // `, "op": ..., "target": ..., "args": [`: the same text for every node of an operator
    auto op_part = [&](std::string& part) {
      part.assign(R"(, "op": ")").append(to_string(n.op())).append(R"(", "target": )");
      write_string(part, n.target());
      part.append(R"(, "args": [)");
    };
    const std::string& part = n.op() == node_op::call_function ? op_parts.get(n.target_op(), [&] {
      std::string t;
      op_part(t);
      return t;
    })
                                                               : (op_part(scratch), scratch);
    out.room(part.size());
    out.put(part);
    for (std::size_t i = 0; i < n.args().size(); ++i) {
      const arg& a = n.args()[i];
      out.room(16);
      if (i) out.put(", ");
      if (a.is_node()) {  // most arguments
        out.put(R"({"node": )");
        write_name(out, g.node(a.to_node()).name());
        out.room(1);
        out.put('}');
      } else {
        write_arg(out.flush(), g, a);
        out.resume();
      }
    }
    out.room(32);
    out.put(R"(], "kwargs": {)");
    if (!n.kwargs().empty()) {
      std::string& raw = out.flush();
      for (std::size_t i = 0; i < n.kwargs().size(); ++i) {
        if (i) raw += ", ";
        write_string(raw, n.kwargs()[i].first);
        raw += ": ";
        write_arg(raw, g, n.kwargs()[i].second);
      }
      out.resume();
      out.room(32);
    }
    out.put(R"(}, "meta": {)");
    if (!n.meta().empty()) {
      std::string& raw = out.flush();
      bool mfirst = true;
      for (const std::string& k : n.meta().keys()) {
        if (!mfirst) raw += ", ";
        mfirst = false;
        write_string(raw, k);
        raw += ": ";
        write_json(raw, *n.meta().get(k));
      }
      out.resume();
      out.room(32);
    }
    out.put('}');
    if (!n.type().empty()) {
      out.put(R"(, "type": )");
      write_string(out, n.type());
      out.room(1);
    }
    out.put('}');
  }
  out.room(2);
  out.put("\n]");
}

// `, "codegen": {...}` when the graph has FX's pytree code generator.
void write_codegen(std::string& out, const Graph& g) {
  const auto& info = g.codegen();
  if (!info) return;
  out += R"(, "codegen": {"kind": "pytree", "orig_args": [)";
  for (std::size_t i = 0; i < info->orig_args.size(); ++i) {
    if (i) out += ", ";
    write_string(out, info->orig_args[i]);
  }
  out += R"(], "in_spec": )";
  write_string(out, pytree::treespec_dumps(info->in_spec));
  out += R"(, "out_spec": )";
  if (info->out_spec) write_string(out, pytree::treespec_dumps(*info->out_spec));
  else out += "null";
  out += '}';
}

// The document of `g`, with the submodules and attributes of `module` when there is one. The
// format is the oldest that holds it: fx-json/2 only with a code generator or attributes.
std::string write_document(const Graph& g, const GraphModule* module, std::string_view name) {
  bool v2 = g.codegen().has_value() ||
            (module && (module->attributes_known() || std::ranges::any_of(module->named_modules(), [](const auto& m) {
                          return m.second->codegen().has_value();
                        })));
  std::string out = v2 ? R"({"format": "fx-json/2", "name": )" : R"({"format": "fx-json/1", "name": )";
  write_string(out, name);
  out += R"(, "num_nodes": )" + std::to_string(g.size()) + R"(, "op_counts": {)";
  bool first = true;
  for (node_op op : all_node_ops) {  // in node_op order; counted from the index, not by a walk of the list
    std::size_t count = g.count_nodes(op);
    if (count == 0) continue;
    out += (first ? "\"" : ", \"") + std::string(to_string(op)) + "\": " + std::to_string(count);
    first = false;
  }
  out += R"(}, "nodes": )";
  out.reserve(out.size() + 160 * g.size());  // a call_function node with two arguments and no meta: ~150 bytes
  write_nodes(out, g);
  write_codegen(out, g);
  if (module && module->attributes_known()) {
    out += R"(, "attributes": [)";
    bool first_attribute = true;
    for (const module_attribute& a : module->attributes()) {
      out += first_attribute ? "\n{\"name\": " : ",\n{\"name\": ";
      first_attribute = false;
      write_string(out, a.name);
      out.append(R"(, "kind": ")").append(to_string(a.kind)).append("\"");
      if (!a.type.empty()) {
        out += R"(, "type": )";
        write_string(out, a.type);
      }
      if (a.kind == attribute_kind::buffer) out += a.persistent ? R"(, "persistent": true)" : R"(, "persistent": false)";
      out += '}';
    }
    out += ']';
  }
  std::vector<std::pair<std::string, const Graph*>> mods;
  if (module) mods = module->named_modules();
  if (mods.size() > 1) {
    out += R"(, "submodules": [)";
    for (std::size_t i = 1; i < mods.size(); ++i) {
      out += i > 1 ? ",\n" : "\n";
      out += R"({"name": )";
      write_string(out, mods[i].first);
      if (module->is_impure(mods[i].first)) out += R"(, "impure": true)";
      out += R"(, "nodes": )";
      write_nodes(out, *mods[i].second);
      write_codegen(out, *mods[i].second);
      out += '}';
    }
    out += "]";
  }
  out += "}\n";
  return out;
}

}  // namespace

std::string write_fx_json(const GraphModule& module, std::string_view name) {
  return write_document(module.graph(), &module, name);
}

std::string write_fx_json(const Graph& graph, std::string_view name) { return write_document(graph, nullptr, name); }

}  // namespace aotkit::graph
