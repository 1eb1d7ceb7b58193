// modules/pt2/program.cpp — the program JSON read as torch 2.6's GraphModuleDeserializer reads it:
// placeholders, nodes (operator schemas decide args and kwargs), getitems for multiple outputs,
// HOP subgraphs, the output; then the signature, the module call graph and the range constraints.
module;
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime/flat_json.hpp"
module aotkit.pt2;

import aotkit.runtime;
import aotkit.graph;
import aotkit.pytree;

namespace aotkit::pt2 {

using json = runtime::detail::flat_json;
using graph::arg;
using graph::node_id;

namespace {

// ---- operator schemas (tools/capture_op_schemas.py under torch 2.6) ----

constexpr const char* schema_lines[] = {
#include "op_schemas_torch26.inc"
};

struct schema_arg {
  std::string_view name;
  bool kwarg_only, has_default;
};
struct op_schema {
  bool single_tensor_return;
  int returns;  // how many values the overload returns
  std::vector<schema_arg> args;
};

const op_schema* find_schema(std::string_view qualified) {  // "aten::add.Tensor"
  static const auto table = [] {
    std::unordered_map<std::string_view, op_schema> t;
    for (std::string_view line : schema_lines) {
      std::size_t bar1 = line.find('|'), bar2 = line.find('|', bar1 + 1);
      std::string_view ret = line.substr(bar1 + 1, bar2 - bar1 - 1);
      int returns = 1;
      if (ret != "T") {
        returns = 0;
        for (char c : ret) returns = returns * 10 + (c - '0');
      }
      op_schema s{ret == "T", returns, {}};
      std::string_view rest = line.substr(bar2 + 1);
      while (!rest.empty()) {
        std::size_t comma = rest.find(',');
        std::string_view a = rest.substr(0, comma);
        schema_arg x{a, false, false};
        if (x.name.starts_with('*')) x = {x.name.substr(1), true, false};
        if (x.name.ends_with('=')) x = {x.name.substr(0, x.name.size() - 1), x.kwarg_only, true};
        s.args.push_back(x);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
      t.emplace(line.substr(0, bar1), std::move(s));
    }
    return t;
  }();
  auto it = table.find(qualified);
  return it == table.end() ? nullptr : &it->second;
}

// ---- serialized enums ----

std::string_view layout_name(std::int64_t code) {
  switch (code) {
    case 1: return "torch.sparse_coo";
    case 2: return "torch.sparse_csr";
    case 3: return "torch.sparse_csc";
    case 4: return "torch.sparse_bsr";
    case 5: return "torch.sparse_bsc";
    case 6: return "torch._mkldnn";
    case 7: return "torch.strided";
    default: return {};
  }
}
std::string_view memory_format_name(std::int64_t code) {
  switch (code) {
    case 1: return "torch.contiguous_format";
    case 2: return "torch.channels_last";
    case 3: return "torch.channels_last_3d";
    case 4: return "torch.preserve_format";
    default: return {};
  }
}

// serialize.py's _SYM_INT_OPS, _SYM_BOOL_OPS and _SYM_FLOAT_OPS, and aten.item: positional
// arguments, named after their one symbolic output
bool sym_op(std::string_view target) {
  static constexpr std::array<std::string_view, 23> ops{
      "_operator.mul",  "_operator.add", "_operator.sub", "_operator.floordiv", "_operator.mod", "_operator.pow",
      "torch.sym_int",  "torch.sym_float", "torch.sym_ite", "torch.sym_max", "torch.sym_min", "torch.sym_sqrt",
      "_operator.eq",   "_operator.ne",  "_operator.le",  "_operator.ge",  "_operator.lt",  "_operator.gt",
      "_operator.neg",  "_operator.pos", "torch.sym_not", "_operator.truediv", "torch.ops.aten.item.default"};
  return std::find(ops.begin(), ops.end(), target) != ops.end();
}

constexpr std::size_t max_graph_depth = 64;  // HOP subgraphs inside subgraphs

// ---- the reader ----

struct name_hash {  // lets the table of names be searched by a view of the document
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct built_graph {
  graph::Graph g;
  std::vector<std::string> sub_names;  // the submodules registered on this graph's module, in order
  std::vector<built_graph> subs;
};

class reader {
 public:
  explicit reader(const json& signature) : signature_(signature) {}

  built_graph read_graph(const json& sg, const std::string& where, std::size_t depth) {
    if (depth > max_graph_depth) fail(where, "subgraphs nest deeper than " + std::to_string(max_graph_depth) + " levels");
    built_graph out;
    std::unordered_map<std::string, node_id, name_hash, std::equal_to<>> names;
    graph::Graph& g = out.g;
    auto sync = [&](std::string_view name, node_id n, const std::string& at) {
      if (!names.emplace(std::string(name), n).second) fail(at, "node '" + quote_excerpt(name) + "' has already been deserialized before");
    };
    auto ref = [&](const json& name_json, const std::string& at) -> node_id {
      std::string_view name = text(name_json, at);
      auto it = names.find(name);
      if (it == names.end()) fail(at, "unknown value '" + quote_excerpt(name) + "'");
      return it->second;
    };
    // deserialize_input: one serialized Argument as an FX argument
    std::function<arg(const json&, const std::string&)> input = [&](const json& a, const std::string& at) -> arg {
      auto [tag, v] = union_of(a, at);
      if (tag == "as_none") return arg();
      if (tag == "as_tensor") return arg::node(ref(member(v, "name", at), at));
      if (tag == "as_int") return arg(integer(v, at));
      if (tag == "as_float") return arg(floating(v, at));
      if (tag == "as_bool") return arg(boolean(v, at));
      if (tag == "as_string") return arg(std::string_view(text(v, at)));
      if (tag == "as_scalar_type") return named(dtype_of_scalar_type(integer(v, at)), graph::arg_kind::dtype, "scalar type", v, at);
      if (tag == "as_layout") return named(layout_name(integer(v, at)), graph::arg_kind::layout, "layout", v, at);
      if (tag == "as_memory_format")
        return named(memory_format_name(integer(v, at)), graph::arg_kind::memory_format, "memory format", v, at);
      if (tag == "as_device") {
        std::string d(text(member(v, "type", at), at));
        if (const json* index = v.contains("index") ? &v["index"] : nullptr; index && !index->is_null())
          d += ":" + std::to_string(integer(*index, at));
        return arg::tagged(graph::arg_kind::device, d);
      }
      if (tag == "as_sym_int" || tag == "as_sym_float" || tag == "as_sym_bool") return sym(v, at, ref);
      if (tag == "as_operator") return arg::tagged(graph::arg_kind::op, operator_name(text(v, at)));
      if (tag == "as_custom_obj") return arg::node(ref(member(v, "name", at), at));
      if (tag == "as_graph") {
        std::string name(text(member(v, "name", at), at));
        built_graph sub = read_graph(member(v, "graph", at), at + "/graph", depth + 1);
        out.sub_names.push_back(name);
        out.subs.push_back(std::move(sub));
        return arg::node(build(at, [&] { return g.get_attr(name); }));
      }
      if (!v.is_array()) fail(at, "unknown argument tag '" + quote_excerpt(tag) + "'");
      std::vector<arg> items;
      items.reserve(v.size());
      for (std::size_t i = 0; i < v.size(); ++i) {
        std::string ai = at + "/" + std::string(tag) + "/" + std::to_string(i);
        const json& x = v[i];
        if (tag == "as_tensors") items.push_back(arg::node(ref(member(x, "name", ai), ai)));
        else if (tag == "as_ints") items.emplace_back(integer(x, ai));
        else if (tag == "as_floats") items.emplace_back(floating(x, ai));
        else if (tag == "as_bools") items.emplace_back(boolean(x, ai));
        else if (tag == "as_strings") items.emplace_back(std::string_view(text(x, ai)));
        else if (tag == "as_sym_ints" || tag == "as_sym_floats" || tag == "as_sym_bools") items.push_back(sym(x, ai, ref));
        else if (tag == "as_optional_tensors") {
          auto [t2, v2] = union_of(x, ai);
          if (t2 == "as_none") items.emplace_back();
          else if (t2 == "as_tensor") items.push_back(arg::node(ref(member(v2, "name", ai), ai)));
          else fail(ai, "an optional tensor is as_none or as_tensor, not '" + quote_excerpt(t2) + "'");
        } else {
          fail(at, "unknown argument tag '" + quote_excerpt(tag) + "'");
        }
      }
      return arg::list(std::move(items));
    };

    // inputs: placeholders
    const json& inputs = array_member(sg, "inputs", where);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      std::string at = where + "/inputs/" + std::to_string(i);
      auto [tag, v] = union_of(inputs[i], at);
      std::string name;
      bool forced = tag != "as_int" && tag != "as_float" && tag != "as_bool" && tag != "as_none" && tag != "as_string";
      if (tag == "as_tensor" || tag == "as_custom_obj") {
        name = text(member(v, "name", at), at);
      } else if (tag == "as_sym_int" || tag == "as_sym_float") {
        name = text(member(v, "as_name", at), at);
      } else if (tag == "as_int" || tag == "as_float" || tag == "as_bool" || tag == "as_none" || tag == "as_string") {
        // a constant input takes its name from the signature's spec at the same index
        const json& specs = array_member(signature_, "input_specs", "/graph_module/signature");
        if (i >= specs.size()) fail(at, "a constant input without an input spec");
        std::string sat = "/graph_module/signature/input_specs/" + std::to_string(i);
        auto [stag, sv] = union_of(specs[i], sat);
        name = stag == "constant_input" ? text(member(sv, "name", sat), sat) : text(member(member(sv, "arg", sat), "name", sat), sat);
      } else {
        fail(at, "invalid input type '" + quote_excerpt(tag) + "'");
      }
      sync(name, build(at, [&] {
             node_id p = g.placeholder(name);
             // torch 2.6's `placeholder_node.name = node_name`: an input FX's namespace renamed
             // (`input` is a builtin, so `input_1`) keeps the program's name, where a graph node
             // can hold it (an identifier that is not a keyword); otherwise FX's name stays
             if (forced && g.node(p).name() != name) {
               try {
                 g.force_name(p, name);
               } catch (const aotkit::value_error&) {  // checked before anything changed
               }
             }
             return p;
           }), at);
    }

    // nodes
    const json& nodes = array_member(sg, "nodes", where);
    // the places errors would name, rebuilt in the same buffers node after node (no allocation)
    std::string at, out0, ak, ak_arg, qualified;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      place(at, where, "/nodes/", i);
      place(out0, at, "/outputs/0");
      const json& sn = nodes[i];
      if (!sn.is_object()) fail(at, "a node is an object");
      std::string_view target = text(member(sn, "target", at), at);
      const json& sin = array_member(sn, "inputs", at);
      const json& souts = array_member(sn, "outputs", at);
      std::vector<arg> args;
      std::vector<graph::kwarg> kwargs;
      std::optional<std::string> name;
      auto named_input = [&](std::size_t k) -> std::pair<std::string, arg> {
        place(ak, at, "/inputs/", k);
        place(ak_arg, ak, "/arg");
        const json& x = sin[k];
        return {std::string(text(member(x, "name", ak), ak)), input(member(x, "arg", ak), ak_arg)};
      };
      auto single_output_name = [&](std::string_view key) -> std::optional<std::string> {
        if (souts.size() != 1 || !souts[0].is_object() || !souts[0].contains(key)) return std::nullopt;
        const json& v = souts[0][std::string(key)];
        if (key == "as_tensor") return std::string(text(member(v, "name", out0), out0));
        return std::string(text(member(v, "as_name", out0), out0));
      };
      std::string op_text = operator_name(target);
      if (sym_op(target)) {
        for (std::size_t k = 0; k < sin.size(); ++k) args.push_back(named_input(k).second);
        if (souts.size() != 1) fail(at + "/outputs", "a symbolic operator has one output");
        auto [otag, ov] = union_of(souts[0], out0);
        name = text(member(ov, "as_name", out0), out0);
      } else if (target.starts_with("torch.ops.higher_order.")) {
        std::map<std::string, std::size_t, std::less<>> slots;  // name -> its place in kwargs
        for (std::size_t k = 0; k < sin.size(); ++k) {  // deserialize_hoo_inputs
          auto [n, a] = named_input(k);
          if (n.empty()) {
            args.push_back(std::move(a));
            continue;
          }
          // a Python dict: a repeated name keeps its first place and takes the last value
          auto [slot, fresh] = slots.try_emplace(n, kwargs.size());
          if (!fresh) kwargs[slot->second].second = std::move(a);
          else kwargs.emplace_back(std::move(n), std::move(a));
        }
        name = single_output_name("as_tensor");
      } else if (target.starts_with("torch.ops.")) {
        qualified.assign(op_text);  // aten.add.Tensor -> aten::add.Tensor
        qualified.replace(qualified.find('.'), 1, "::");
        const op_schema* schema = find_schema(qualified);
        if (schema == nullptr) fail(at + "/target", "operator '" + quote_excerpt(target) + "' has no schema in torch 2.6's table");
        std::vector<std::pair<std::string, arg>> actual;
        for (std::size_t k = 0; k < sin.size(); ++k) actual.push_back(named_input(k));
        auto find_actual = [&](std::string_view n) -> const arg* {
          for (const auto& [an, a] : actual)
            if (an == n) return &a;
          return nullptr;
        };
        for (const schema_arg& sa : schema->args) {
          const arg* a = find_actual(sa.name);
          if (!sa.has_default && !sa.kwarg_only) {
            if (a == nullptr) fail(at + "/inputs", "the required argument '" + std::string(sa.name) + "' is missing");
            args.push_back(*a);
          } else if (python::is_keyword(sa.name)) {  // deserialize_inputs: passed positionally, earlier kwargs dropped
            kwargs.clear();
            if (a == nullptr) fail(at + "/inputs", "the argument '" + std::string(sa.name) + "' is missing");
            args.push_back(*a);
          } else if (a != nullptr) {
            kwargs.emplace_back(std::string(sa.name), *a);
          }
        }
        if (schema->single_tensor_return) name = single_output_name("as_tensor");
      } else {
        fail(at + "/target", "unsupported target '" + quote_excerpt(target) + "'");
      }
      node_id n = build(at, [&] {
        return g.create_node(graph::node_op::call_function, graph::intern_op(op_text), std::move(args), std::move(kwargs), name);
      });
      outputs(g, souts, n, at, out0, sync);
    }

    // the output node
    const json& outs = array_member(sg, "outputs", where);
    std::vector<arg> results;
    for (std::size_t i = 0; i < outs.size(); ++i) {
      std::string at = where + "/outputs/" + std::to_string(i);
      auto [tag, v] = union_of(outs[i], at);
      if (tag == "as_tensor") results.push_back(arg::node(ref(member(v, "name", at), at)));
      else if (tag == "as_sym_int" || tag == "as_sym_bool" || tag == "as_sym_float") results.push_back(arg::node(ref(member(v, "as_name", at), at)));
      else if (tag == "as_int") results.emplace_back(integer(v, at));
      else if (tag == "as_float") results.emplace_back(floating(v, at));
      else if (tag == "as_none") results.emplace_back();
      else fail(at, "unable to deserialize output '" + quote_excerpt(tag) + "'");
    }
    bool single = sg.contains("is_single_tensor_return") && sg["is_single_tensor_return"].is_boolean() &&
                  sg["is_single_tensor_return"].get_bool();
    if (single) {
      if (results.size() != 1) fail(where + "/outputs", "is_single_tensor_return with " + std::to_string(results.size()) + " outputs");
      build(where + "/outputs", [&] { return g.output(results.front()); });
    } else {
      build(where + "/outputs", [&] { return g.output(arg::tuple(std::move(results))); });
    }
    return out;
  }

  [[noreturn]] static void fail(const std::string& where, const std::string& detail) { throw input_error(where, detail); }

  // out = base + part (+ index): a place in the document, in a buffer that keeps its capacity
  static const std::string& place(std::string& out, const std::string& base, std::string_view part) {
    out.assign(base);
    out += part;
    return out;
  }
  static const std::string& place(std::string& out, const std::string& base, std::string_view part, std::size_t index) {
    place(out, base, part);
    char digits[24];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, index).ptr);
    return out;
  }

  // Runs a graph-building step: what the graph refuses (a name that is not an identifier, a
  // target text generated code cannot hold) is a fault of the document, reported at `where`.
  template <class F>
  static auto build(const std::string& where, F&& step) -> decltype(step()) {
    try {
      return step();
    } catch (const input_error&) {
      throw;
    } catch (const aotkit::error& e) {
      fail(where, e.what());
    }
  }

  static const json& member(const json& o, std::string_view key, const std::string& where) {
    if (!o.is_object()) fail(where, "expected an object");
    auto it = o.find(std::string(key));
    if (it == o.end()) fail(where, "missing \"" + std::string(key) + "\"");
    return *it;
  }
  static const json& array_member(const json& o, std::string_view key, const std::string& where) {
    const json& a = member(o, key, where);
    if (!a.is_array()) fail(where + "/" + std::string(key), "expected an array");
    return a;
  }
  static std::string_view text(const json& v, const std::string& where) {
    if (!v.is_string()) fail(where, "expected a string");
    return v.get_string();
  }
  static std::int64_t integer(const json& v, const std::string& where) {
    if (v.is_number_integer()) return v.get_int();
    fail(where, "expected an integer");
  }
  static double floating(const json& v, const std::string& where) {
    if (v.is_number() || v.is_big_integer()) return v.get_double();  // json.loads gives an int, used as a float
    // the JSON spells non-finite floats as strings
    if (v.is_string()) {
      std::string_view t = v.get_string();
      if (t == "Infinity" || t == "inf") return std::numeric_limits<double>::infinity();
      if (t == "-Infinity" || t == "-inf") return -std::numeric_limits<double>::infinity();
      if (t == "NaN" || t == "nan") return std::numeric_limits<double>::quiet_NaN();
    }
    fail(where, "expected a number");
  }
  static bool boolean(const json& v, const std::string& where) {
    if (!v.is_boolean()) fail(where, "expected true or false");
    return v.get_bool();
  }
  // A union: an object with exactly one key (the tag).
  static std::pair<std::string_view, const json&> union_of(const json& v, const std::string& where) {
    if (!v.is_object() || v.size() != 1) fail(where, "a union is an object with exactly one key");
    auto it = v.begin();
    return {it.key(), it.value()};
  }
  static arg named(std::string_view name, graph::arg_kind kind, std::string_view what, const json& v, const std::string& where) {
    if (name.empty()) fail(where, "unknown " + std::string(what) + " " + v.dump());
    return arg::tagged(kind, name);
  }
  template <class Ref>
  static arg sym(const json& v, const std::string& where, Ref& ref) {
    auto [tag, x] = union_of(v, where);
    if (tag == "as_name") return arg::node(ref(x, where));
    if (tag == "as_int") return arg(integer(x, where));
    if (tag == "as_float") return arg(floating(x, where));
    if (tag == "as_bool") return arg(boolean(x, where));
    fail(where, "unknown symbolic argument '" + quote_excerpt(tag) + "'");
  }
  // The registry's name of a serialized target: torch.ops.aten.add.Tensor -> aten.add.Tensor,
  // _operator.getitem -> operator.getitem, torch.sym_max stays.
  static std::string operator_name(std::string_view target) {
    if (target.starts_with("_operator.")) return "operator." + std::string(target.substr(10));
    return std::string(graph::canonical_op_name(target));
  }

  // deserialize_outputs: the node takes its one output's name; several outputs become getitems.
  template <class Sync>
  void outputs(graph::Graph& g, const json& souts, node_id n, const std::string& at, const std::string& out0, Sync& sync) {
    if (souts.empty()) return;
    if (souts.size() == 1) {
      auto [tag, v] = union_of(souts[0], out0);
      if (tag == "as_tensor") return sync(text(member(v, "name", at), at), n, at);
      if (tag == "as_sym_int" || tag == "as_sym_bool" || tag == "as_sym_float") return sync(text(member(v, "as_name", at), at), n, at);
      if (tag != "as_tensors") fail(out0, "a single output of kind '" + quote_excerpt(tag) + "'");
      if (!v.is_array()) fail(out0 + "/as_tensors", "expected an array");
      getitems(g, n, v, out0 + "/as_tensors", sync, 0);
      return;
    }
    getitems(g, n, souts, at + "/outputs", sync, 0);
  }
  template <class Sync>
  void getitems(graph::Graph& g, node_id from, const json& items, const std::string& at, Sync& sync, std::size_t depth) {
    if (depth > 2) fail(at, "outputs nest deeper than lists of values");
    graph::op_handle getitem = graph::intern_op("operator.getitem");
    for (std::size_t idx = 0; idx < items.size(); ++idx) {
      std::string ai = at + "/" + std::to_string(idx);
      const json& item = items[idx];
      auto make = [&](std::optional<std::string> name) {
        return build(ai, [&] {
          return g.create_node(graph::node_op::call_function, getitem, {arg::node(from), arg(static_cast<std::int64_t>(idx))}, {},
                               std::move(name));
        });
      };
      // a bare TensorArgument ({"name": ...}) inside as_tensors, or an Argument union
      if (item.is_object() && item.size() == 1 && item.contains("name")) {
        std::string name(text(item["name"], ai));
        sync(name, make(name), ai);
        continue;
      }
      auto [tag, v] = union_of(item, ai);
      if (tag == "as_tensor") {
        std::string name(text(member(v, "name", ai), ai));
        sync(name, make(name), ai);
      } else if (tag == "as_sym_int" || tag == "as_sym_float") {
        std::string name(text(member(v, "as_name", ai), ai));
        sync(name, make(name), ai);
      } else if (tag == "as_tensors" || tag == "as_sym_ints" || tag == "as_sym_floats" || tag == "as_ints" ||
                 tag == "as_floats" || tag == "as_strings" || tag == "as_bools" || tag == "as_sym_bools") {
        if (!v.is_array()) fail(ai, "expected an array");
        getitems(g, make(std::nullopt), v, ai + "/" + std::string(tag), sync, depth + 1);
      } else if (tag == "as_none") {
        make(std::string("as_none"));
      } else {
        fail(ai, "unimplemented node output type '" + quote_excerpt(tag) + "'");
      }
    }
  }

 private:
  const json& signature_;
};

void add_subgraphs(graph::GraphModule& gm, const std::string& parent, built_graph& b) {
  for (std::size_t i = 0; i < b.subs.size(); ++i) {
    std::string path = reader::build("/graph_module/graph", [&] { return gm.add_submodule(parent, b.sub_names[i], std::move(b.subs[i].g)); });
    add_subgraphs(gm, path, b.subs[i]);  // depth bounded by max_graph_depth
  }
}

std::optional<std::string> optional_text(const json& o, std::string_view key, const std::string& where) {
  auto it = o.find(std::string(key));
  if (it == o.end() || it->is_null()) return std::nullopt;
  return std::string(reader::text(*it, where + "/" + std::string(key)));
}

}  // namespace

std::string_view to_string(input_kind kind) noexcept {
  switch (kind) {
    case input_kind::user_input: return "USER_INPUT";
    case input_kind::parameter: return "PARAMETER";
    case input_kind::buffer: return "BUFFER";
    case input_kind::tensor_constant: return "CONSTANT_TENSOR";
    case input_kind::custom_obj: return "CUSTOM_OBJ";
    case input_kind::token: return "TOKEN";
  }
  return "?";
}

std::string_view to_string(output_kind kind) noexcept {
  switch (kind) {
    case output_kind::user_output: return "USER_OUTPUT";
    case output_kind::loss_output: return "LOSS_OUTPUT";
    case output_kind::buffer_mutation: return "BUFFER_MUTATION";
    case output_kind::gradient_to_parameter: return "GRADIENT_TO_PARAMETER";
    case output_kind::gradient_to_user_input: return "GRADIENT_TO_USER_INPUT";
    case output_kind::user_input_mutation: return "USER_INPUT_MUTATION";
    case output_kind::token: return "TOKEN";
    case output_kind::parameter_mutation: return "PARAMETER_MUTATION";
  }
  return "?";
}

namespace {
const module_call_entry& root_call(const exported_program& ep) {
  for (const module_call_entry& e : ep.module_call_graph)
    if (e.fqn.empty() && e.has_signature) return e;
  throw key_error("the program has no root module call signature");
}
}  // namespace

pytree::TreeSpec exported_program::in_spec() const { return pytree::treespec_loads(root_call(*this).in_spec); }

pytree::TreeSpec exported_program::out_spec() const { return pytree::treespec_loads(root_call(*this).out_spec); }

// The symbol's name when a serialized expression is one symbol: "Symbol('s0', positive=True,
// integer=True)" (sympy's srepr, what torch 2.6 writes) or a bare "s0"; "" otherwise.
namespace {
std::string symbol_of_srepr(std::string_view expr) {
  constexpr std::string_view open = "Symbol('";
  if (expr.starts_with(open)) {
    std::size_t end = expr.find('\'', open.size());
    if (end == std::string_view::npos || expr.find("Symbol(", end) != std::string_view::npos) return {};
    return std::string(expr.substr(open.size(), end - open.size()));
  }
  bool ident = !expr.empty() && (std::isalpha(static_cast<unsigned char>(expr[0])) || expr[0] == '_');
  for (char c : expr) ident = ident && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return ident ? std::string(expr) : std::string();
}
}  // namespace

const tensor_meta* exported_program::find_tensor_meta(std::string_view name) const noexcept {
  for (const auto& [n, m] : tensor_values)
    if (n == name) return &m;
  return nullptr;
}

namespace {
// The program's document kept with what owns its bytes: a copy of the text, or the archive it is
// a member of (no copy: the archive's bytes or its inflated member stay alive with it).
struct owned_text {
  std::string text;
  std::string_view view;
};
struct archived_text {
  zip_archive archive;
  std::string_view view;
};
runtime::detail::flat_json_document parse_program(std::string_view text);
exported_program read_parsed(const json& doc, std::shared_ptr<const std::string_view> source);
exported_program read_program(std::string_view text, std::shared_ptr<const std::string_view> source) {
  return read_parsed(parse_program(text).root(), std::move(source));
}
}  // namespace

exported_program read_exported_program(std::string_view text) {
  auto owned = std::make_shared<owned_text>();
  owned->text = std::string(text);
  owned->view = owned->text;
  std::shared_ptr<const std::string_view> source(owned, &owned->view);
  return read_program(*source, std::move(source));
}

namespace {
runtime::detail::flat_json_document parse_program(std::string_view text) {
  try {
    return runtime::detail::flat_json_document::parse(text);
  } catch (const runtime::detail::duplicate_json_key& e) {
    throw input_error(e.pointer, e.what());
  } catch (const runtime::detail::flat_json_syntax_error& e) {
    throw input_error("", std::string("malformed JSON: ") + e.what());
  }
}

exported_program read_parsed(const json& doc, std::shared_ptr<const std::string_view> source) {
  exported_program ep;
  if (!doc.is_object()) throw input_error("/", "the program is a JSON object");
  ep.source = std::move(source);
  const json& version = reader::member(doc, "schema_version", "/");
  ep.schema_major = reader::integer(reader::member(version, "major", "/schema_version"), "/schema_version/major");
  ep.schema_minor = reader::integer(reader::member(version, "minor", "/schema_version"), "/schema_version/minor");
  if (ep.schema_major != 8)
    throw input_error("/schema_version", "schema " + std::to_string(ep.schema_major) + "." + std::to_string(ep.schema_minor) +
                                             " is not supported (aotkit reads schema 8.x)");
  if (auto v = optional_text(doc, "torch_version", "")) ep.torch_version = *v;
  const json& gm = reader::member(doc, "graph_module", "/");
  const json& signature = reader::member(gm, "signature", "/graph_module");
  reader r(signature);
  built_graph root = r.read_graph(reader::member(gm, "graph", "/graph_module"), "/graph_module/graph", 0);
  ep.module = graph::GraphModule(std::move(root.g));
  add_subgraphs(ep.module, "", root);

  // the signature
  const json& in_specs = reader::array_member(signature, "input_specs", "/graph_module/signature");
  for (std::size_t i = 0; i < in_specs.size(); ++i) {
    std::string at = "/graph_module/signature/input_specs/" + std::to_string(i);
    auto [tag, v] = reader::union_of(in_specs[i], at);
    input_spec s;
    auto tensor_name = [&](const json& a) { return std::string(reader::text(reader::member(a, "name", at), at)); };
    if (tag == "user_input") {
      s.kind = input_kind::user_input;
      auto [atag, av] = reader::union_of(reader::member(v, "arg", at), at + "/arg");
      s.arg = av.is_object() && av.contains("name") ? tensor_name(av)
              : av.is_object() && av.contains("as_name") ? std::string(reader::text(av["as_name"], at)) : std::string();
    } else if (tag == "parameter" || tag == "buffer" || tag == "tensor_constant" || tag == "custom_obj") {
      s.kind = tag == "parameter" ? input_kind::parameter : tag == "buffer" ? input_kind::buffer
               : tag == "tensor_constant" ? input_kind::tensor_constant : input_kind::custom_obj;
      s.arg = tensor_name(reader::member(v, "arg", at));
      std::string_view key = tag == "parameter" ? "parameter_name" : tag == "buffer" ? "buffer_name"
                             : tag == "tensor_constant" ? "tensor_constant_name" : "custom_obj_name";
      s.target = reader::text(reader::member(v, key, at), at);
      if (tag == "buffer") s.persistent = reader::boolean(reader::member(v, "persistent", at), at);
    } else if (tag == "token") {
      s.kind = input_kind::token;
      s.arg = tensor_name(reader::member(v, "arg", at));
    } else if (tag == "constant_input") {
      s.kind = input_kind::user_input;
      s.arg = reader::text(reader::member(v, "name", at), at);
      auto [ctag, cv] = reader::union_of(reader::member(v, "value", at), at + "/value");
      if (ctag == "as_int") s.value = arg(reader::integer(cv, at + "/value"));
      else if (ctag == "as_float") s.value = arg(reader::floating(cv, at + "/value"));
      else if (ctag == "as_bool") s.value = arg(reader::boolean(cv, at + "/value"));
      else if (ctag == "as_string") s.value = arg(std::string_view(reader::text(cv, at + "/value")));
      else if (ctag == "as_none") s.value = arg();
      else throw input_error(at + "/value", "unhandled constant input '" + quote_excerpt(ctag) + "'");
    } else {
      throw input_error(at, "unknown input spec '" + quote_excerpt(tag) + "'");
    }
    ep.inputs.push_back(std::move(s));
  }
  const json& out_specs = reader::array_member(signature, "output_specs", "/graph_module/signature");
  for (std::size_t i = 0; i < out_specs.size(); ++i) {
    std::string at = "/graph_module/signature/output_specs/" + std::to_string(i);
    auto [tag, v] = reader::union_of(out_specs[i], at);
    static constexpr std::array<std::pair<std::string_view, output_kind>, 8> kinds{{
        {"user_output", output_kind::user_output}, {"loss_output", output_kind::loss_output},
        {"buffer_mutation", output_kind::buffer_mutation}, {"gradient_to_parameter", output_kind::gradient_to_parameter},
        {"gradient_to_user_input", output_kind::gradient_to_user_input},
        {"user_input_mutation", output_kind::user_input_mutation}, {"token", output_kind::token},
        {"parameter_mutation", output_kind::parameter_mutation}}};
    auto k = std::find_if(kinds.begin(), kinds.end(), [&](const auto& p) { return p.first == tag; });
    if (k == kinds.end()) throw input_error(at, "unknown output spec '" + quote_excerpt(tag) + "'");
    output_spec s;
    s.kind = k->second;
    const json& a = reader::member(v, "arg", at);
    if (a.is_object() && a.contains("name") && a.size() == 1) {
      s.arg = reader::text(a["name"], at + "/arg");
    } else {
      auto [atag, av] = reader::union_of(a, at + "/arg");
      if (av.is_object() && av.contains("name")) s.arg = reader::text(av["name"], at + "/arg");
      else if (av.is_object() && av.contains("as_name")) s.arg = reader::text(av["as_name"], at + "/arg");
    }
    for (std::string_view key : {"buffer_name", "parameter_name", "user_input_name"})
      if (v.contains(std::string(key))) s.target = reader::text(v[std::string(key)], at);
    ep.outputs.push_back(std::move(s));
  }

  // the module call graph
  const json& calls = reader::array_member(gm, "module_call_graph", "/graph_module");
  for (std::size_t i = 0; i < calls.size(); ++i) {
    std::string at = "/graph_module/module_call_graph/" + std::to_string(i);
    module_call_entry e;
    e.fqn = reader::text(reader::member(calls[i], "fqn", at), at + "/fqn");
    if (auto it = calls[i].find("signature"); it != calls[i].end() && !it->is_null()) {
      e.has_signature = true;
      e.in_spec = reader::text(reader::member(*it, "in_spec", at), at + "/signature/in_spec");
      e.out_spec = reader::text(reader::member(*it, "out_spec", at), at + "/signature/out_spec");
      if (auto names = it->find("forward_arg_names"); names != it->end() && names->is_array())
        for (const json& n : *names) e.forward_arg_names.emplace_back(reader::text(n, at + "/signature/forward_arg_names"));
    }
    ep.module_call_graph.push_back(std::move(e));
  }

  // range constraints: {symbol: {"min_val": int|null, "max_val": int|null}}
  // tensor metadata of the root graph's values
  const json& root_graph = reader::member(gm, "graph", "/graph_module");
  if (auto tv = root_graph.find("tensor_values"); tv != root_graph.end()) {
    if (!tv->is_object()) throw input_error("/graph_module/graph/tensor_values", "expected an object");
    ep.tensor_values.reserve(tv->size());
    const std::string folder = "/graph_module/graph/tensor_values/";
    std::string at, si;  // reused: no allocation per value
    for (const json& meta : *tv) {
      std::string name(meta.key());
      reader::place(at, folder, name);
      tensor_meta m;
      m.dtype = std::string(dtype_of_scalar_type(reader::integer(reader::member(meta, "dtype", at), at + "/dtype")));
      if (m.dtype.empty()) throw input_error(at + "/dtype", "unknown scalar type " + reader::member(meta, "dtype", at).dump());
      const json& sizes = reader::array_member(meta, "sizes", at);
      for (std::size_t i = 0; i < sizes.size(); ++i) {
        reader::place(si, at, "/sizes/", i);
        auto [tag, v] = reader::union_of(sizes[i], si);
        sym_size s;
        if (tag == "as_int") {
          s.value = reader::integer(v, si);
        } else if (tag == "as_expr") {
          s.expr = reader::text(reader::member(v, "expr_str", si), si);
          s.symbol = symbol_of_srepr(s.expr);
          if (auto h = v.find("hint"); h != v.end() && !h->is_null()) {
            auto [htag, hv] = reader::union_of(*h, si + "/hint");
            if (htag == "as_int") s.hint = reader::integer(hv, si + "/hint");
          }
        } else {
          throw input_error(si, "a size is as_int or as_expr, not '" + quote_excerpt(tag) + "'");
        }
        m.sizes.push_back(std::move(s));
      }
      if (auto rg = meta.find("requires_grad"); rg != meta.end()) m.requires_grad = reader::boolean(*rg, at + "/requires_grad");
      if (auto dev = meta.find("device"); dev != meta.end() && dev->is_object()) {
        m.device = reader::text(reader::member(*dev, "type", at + "/device"), at + "/device");
        if (auto index = dev->find("index"); index != dev->end() && !index->is_null())
          m.device += ":" + std::to_string(reader::integer(*index, at + "/device/index"));
      }
      ep.tensor_values.emplace_back(name, std::move(m));
    }
  }
  if (auto it = doc.find("range_constraints"); it != doc.end() && it->is_object()) {
    for (const json& range : *it) {
      std::string symbol(range.key());
      std::string at = "/range_constraints/" + symbol;
      range_constraint c{symbol, std::nullopt, std::nullopt};
      for (auto [key, slot] : {std::pair<const char*, std::optional<std::int64_t>*>{"min_val", &c.min}, {"max_val", &c.max}}) {
        auto v = range.find(key);
        if (v != range.end() && v->is_number_integer()) *slot = v->get_int();
      }
      ep.range_constraints.push_back(std::move(c));
    }
  }
  return ep;
}
}  // namespace

exported_program load_exported_program(const zip_archive& archive, std::string_view model) {
  pt2_records records = program_records(inspect(archive), model);
  std::string_view text = archive.read_record(records.program);
  if (!archive.owns_bytes()) return read_exported_program(text);  // the caller's bytes may go: copy
  auto kept = std::make_shared<archived_text>(archived_text{archive, text});
  std::shared_ptr<const std::string_view> source(kept, &kept->view);
  return read_program(text, std::move(source));
}

// ---- writing ----

namespace {

// Python's json.dumps(json.loads(text)) with its defaults (ensure_ascii, ", " and ": ", float repr,
// the bare NaN / Infinity / -Infinity tokens for non-finite floats).
std::string python_json_dumps(const runtime::detail::flat_json_document& doc) {
  auto put_string = [](std::string& out, std::string_view s) { runtime::append_json_string(out, s, true); };
  auto put_float = [](std::string& out, double d) {
    if (std::isnan(d)) out += "NaN";
    else if (std::isinf(d)) out += d > 0 ? "Infinity" : "-Infinity";
    else python::append_float_repr(out, d);
  };
  return runtime::detail::dump_flat(doc, put_string, put_float);
}

}  // namespace

std::string write_exported_program(const exported_program& program) {
  if (!program.source)
    throw not_implemented_error("write_exported_program: a program built in C++ has no document to write; writing one needs a graph serializer (not yet)");
  // The program must be what its document says: compare with a fresh read of it (its own bytes,
  // parsed once for the check and the writing)
  runtime::detail::flat_json_document doc = parse_program(*program.source);
  exported_program as_read = read_parsed(doc.root(), program.source);
  auto modules_text = [](const graph::GraphModule& m) {
    std::string text;
    for (const auto& [path, g] : m.named_modules()) text += path + "\n" + graph::graph_str(*g) + "\n";
    return text;
  };
  if (modules_text(as_read.module) != modules_text(program.module))
    throw not_implemented_error("write_exported_program: the graph changed since it was read; writing a changed graph needs a graph serializer (not yet)");
  if (as_read.inputs != program.inputs || as_read.outputs != program.outputs || as_read.module_call_graph != program.module_call_graph ||
      as_read.range_constraints != program.range_constraints || as_read.schema_major != program.schema_major ||
      as_read.schema_minor != program.schema_minor)
    throw not_implemented_error("write_exported_program: the signature, call graph or range constraints changed since the program was read; only a program as read can be written (not yet a changed one)");
  return python_json_dumps(doc);
}

// ---- _remove_effect_tokens ----

std::size_t _remove_effect_tokens(exported_program& ep) {
  std::vector<std::string> input_tokens, output_tokens;
  std::vector<input_spec> new_inputs;
  std::vector<output_spec> new_outputs;
  for (input_spec& s : ep.inputs) {
    if (s.kind == input_kind::token) input_tokens.push_back(s.arg);
    else new_inputs.push_back(std::move(s));
  }
  for (output_spec& s : ep.outputs) {
    if (s.kind == output_kind::token) output_tokens.push_back(s.arg);
    else new_outputs.push_back(std::move(s));
  }
  ep.inputs = std::move(new_inputs);
  ep.outputs = std::move(new_outputs);
  std::size_t num_tokens = input_tokens.size();
  if (num_tokens != output_tokens.size())
    throw assertion_error("_remove_effect_tokens: " + std::to_string(num_tokens) + " input tokens but " +
                          std::to_string(output_tokens.size()) + " output tokens");
  using graph::arg;
  using graph::node_id;
  graph::Graph& root = ep.module.graph();

  // the token outputs
  node_id out = root.output_node();
  const graph::Node& out_node = root.node(out);
  if (out_node.args().empty() || !(out_node.args()[0].kind() == graph::arg_kind::tuple || out_node.args()[0].kind() == graph::arg_kind::list))
    throw assertion_error("_remove_effect_tokens: the output is not a tuple of values");
  std::vector<arg> results(out_node.args()[0].items().begin(), out_node.args()[0].items().end());
  if (results.size() < num_tokens) throw assertion_error("_remove_effect_tokens: fewer outputs than tokens");
  std::vector<node_id> out_tokens;
  for (std::size_t i = 0; i < num_tokens; ++i) {
    if (results[i].kind() != graph::arg_kind::node) throw assertion_error("_remove_effect_tokens: a token output is not a node");
    node_id t = results[i].to_node();
    if (std::find(output_tokens.begin(), output_tokens.end(), root.node(t).name()) == output_tokens.end())
      throw assertion_error("_remove_effect_tokens: output '" + root.node(t).name() + "' is not a token output");
    out_tokens.push_back(t);
  }
  root.set_args(out, {arg::tuple(std::vector<arg>(results.begin() + static_cast<std::ptrdiff_t>(num_tokens), results.end()))});
  for (node_id t : out_tokens)
    if (!root.node(t).erased() && root.node(t).num_users() == 0) root.erase_node(t);

  // with_effects(token, op, *args) -> op(*args), graph by graph, last first. torch registers every
  // op it threads through with_effects as side-effectful (effects.py: has_side_effect(op)), so the
  // final DCE keeps them.
  std::vector<graph::op_handle> effectful;
  for (const auto& [path, graph_ptr] : ep.module.named_modules()) {
    graph::Graph& g = *graph_ptr;
    std::vector<node_id> effects;
    for (node_id n : g.nodes())
      if (g.node(n).op() == graph::node_op::call_function && g.node(n).target() == "higher_order.with_effects") effects.push_back(n);
    for (auto it = effects.rbegin(); it != effects.rend(); ++it) {
      node_id n = *it;
      const graph::Node& node = g.node(n);
      if (node.args().size() < 2 || node.args()[1].kind() != graph::arg_kind::op)
        throw assertion_error("_remove_effect_tokens: with_effects without an operator (node " + node.name() + ")");
      std::string op = node.args()[1].text();
      if (op == "higher_order.call_torchbind")
        throw not_implemented_error("_remove_effect_tokens: with_effects over call_torchbind (a TorchBind object; node " + node.name() + ")");
      // torch's schema of the op: "aten._print.default" is "aten::_print.default"
      std::string qualified = op;
      if (auto dot = qualified.find('.'); dot != std::string::npos) qualified.replace(dot, 1, "::");
      const op_schema* schema = find_schema(qualified);
      if (!schema) throw key_error("_remove_effect_tokens: torch 2.6 has no operator '" + op + "' (node " + node.name() + ")");
      effectful.push_back(graph::intern_op(op));  // a known name: a valid one
      std::vector<arg> args(node.args().begin() + 2, node.args().end());
      std::vector<graph::kwarg> kwargs(node.kwargs().begin(), node.kwargs().end());
      graph::node_meta meta = node.meta();
      node_id fresh;
      {
        auto guard = g.inserting_before(n);
        fresh = g.call_function(std::string_view(op), std::move(args), std::move(kwargs));
      }
      g.meta(fresh) = std::move(meta);
      g.replace_all_uses_with(n, fresh);
      for (node_id user : g.users(fresh)) {
        const graph::Node& u = g.node(user);
        if (u.target() != "operator.getitem" || u.args().size() != 2 || u.args()[1].kind() != graph::arg_kind::integer)
          throw assertion_error("_remove_effect_tokens: a use of with_effects that is not getitem (node " + u.name() + ")");
        if (u.args()[1].to_int() == 0) {
          if (u.num_users() != 0) throw assertion_error("_remove_effect_tokens: the token '" + u.name() + "' is still used");
          g.erase_node(user);
        }
      }
      int returns = schema->single_tensor_return ? 1 : schema->returns;
      for (node_id user : g.users(fresh)) {
        std::int64_t index = g.node(user).args()[1].to_int();
        if (returns == 1) {
          if (index != 1) throw assertion_error("_remove_effect_tokens: getitem " + std::to_string(index) + " of a one-result op");
          g.replace_all_uses_with(user, fresh);
        } else if (returns > 1) {
          g.update_arg(user, 1, arg(index - 1));
        } else if (g.node(user).num_users() == 0) {
          g.erase_node(user);  // the deserializer's getitem for an op returning nothing
        } else {
          throw assertion_error("_remove_effect_tokens: '" + g.node(user).name() + "' uses the result of " + op + ", which returns nothing");
        }
      }
      g.erase_node(n);
    }
  }

  // the token placeholders
  std::vector<node_id> placeholders = root.find_nodes(graph::node_op::placeholder);
  if (placeholders.size() < num_tokens) throw assertion_error("_remove_effect_tokens: fewer placeholders than tokens");
  for (std::size_t i = 0; i < num_tokens; ++i) {
    const std::string& name = root.node(placeholders[i]).name();
    if (std::find(input_tokens.begin(), input_tokens.end(), name) == input_tokens.end())
      throw assertion_error("_remove_effect_tokens: placeholder '" + name + "' is not a token input");
    root.erase_node(placeholders[i]);
  }
  graph::eliminate_dead_code(root, [&](node_id n) {
    const graph::Node& node = root.node(n);
    if (node.op() == graph::node_op::call_function && std::find(effectful.begin(), effectful.end(), node.target_op()) != effectful.end())
      return true;
    return graph::is_impure(root, n);
  });
  return num_tokens;
}

}  // namespace aotkit::pt2
