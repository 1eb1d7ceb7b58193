// modules/pt2/program.cpp — the program JSON read as torch 2.6's GraphModuleDeserializer reads it:
// placeholders, nodes (operator schemas decide args and kwargs), getitems for multiple outputs,
// HOP subgraphs, the output; then the signature, the module call graph and the range constraints.
module;
#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "runtime/flat_json.hpp"
#include "runtime/flat_table.hpp"
#include "schema.hpp"
module aotkit.pt2;

import aotkit.runtime;
import aotkit.graph;
import aotkit.pytree;

namespace aotkit::pt2 {

using json = runtime::detail::flat_json;
using graph::arg;
using graph::node_id;

namespace {

using detail::find_schema;
using detail::op_schema;
using detail::schema_arg;
using detail::sym_op;

std::string_view layout_name(std::int64_t code) { return detail::enum_name(detail::layout_names, code); }
std::string_view memory_format_name(std::int64_t code) { return detail::enum_name(detail::memory_format_names, code); }

constexpr std::size_t max_graph_depth = 64;  // HOP subgraphs inside subgraphs

// ---- the reader ----

struct name_hash {  // lets a table of names be searched by a view of the document
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// A graph's values by name while it is read: names view the document, which outlives the reading.
struct name_slot {
  std::string_view name{};  // vacant: no text at all (a name, even "", views the document)
  std::uint64_t h = 0;
  node_id node{};
  [[nodiscard]] bool vacant() const noexcept { return name.data() == nullptr; }
  [[nodiscard]] std::uint64_t hash() const noexcept { return h; }
};

// A place in the document, spelled out only when an error names it: a chain of parts on the stack
// (a base text, then "/key" or "/nodes/" + index parts), so reading builds no strings.
class doc_place {
 public:
  doc_place(const std::string& base) noexcept : base_(base) {}  // NOLINT: a base place converts implicitly
  doc_place(const char* base) noexcept : base_(base) {}          // NOLINT
  doc_place(const doc_place& parent, std::string_view part) noexcept : parent_(&parent), base_(part) {}
  doc_place(const doc_place& parent, std::string_view part, std::size_t index) noexcept
      : parent_(&parent), base_(part), index_(index), indexed_(true) {}
  // a parent is referred to, so it must outlive its children: never a temporary (a place made
  // from a string in the same declaration would die at its end)
  doc_place(doc_place&& parent, std::string_view part) = delete;
  doc_place(doc_place&& parent, std::string_view part, std::size_t index) = delete;
  doc_place(const doc_place&) = delete;

  doc_place& operator=(const doc_place&) = delete;

  [[nodiscard]] std::string str() const {
    std::vector<const doc_place*> chain;  // code builds the chains: a few links, never the input's depth
    for (const doc_place* p = this; p != nullptr; p = p->parent_) chain.push_back(p);
    std::string out;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      out += (*it)->base_;
      if ((*it)->indexed_) out += std::to_string((*it)->index_);
    }
    return out;
  }

 private:
  const doc_place* parent_ = nullptr;
  std::string_view base_;
  std::size_t index_ = 0;
  bool indexed_ = false;
};

// The tags of a serialized Argument union, told apart once per argument (not by a chain of
// string comparisons).
enum class arg_tag : std::uint8_t {
  as_none, as_tensor, as_int, as_float, as_bool, as_string, as_scalar_type, as_layout, as_memory_format, as_device,
  as_sym_int, as_sym_float, as_sym_bool, as_operator, as_custom_obj, as_graph,
  // lists
  as_tensors, as_ints, as_floats, as_bools, as_strings, as_sym_ints, as_sym_floats, as_sym_bools, as_optional_tensors,
  unknown
};
constexpr std::array<std::string_view, static_cast<std::size_t>(arg_tag::unknown)> arg_tag_names{
    "as_none", "as_tensor", "as_int", "as_float", "as_bool", "as_string", "as_scalar_type", "as_layout", "as_memory_format",
    "as_device", "as_sym_int", "as_sym_float", "as_sym_bool", "as_operator", "as_custom_obj", "as_graph",
    "as_tensors", "as_ints", "as_floats", "as_bools", "as_strings", "as_sym_ints", "as_sym_floats", "as_sym_bools",
    "as_optional_tensors"};
arg_tag classify(std::string_view tag) noexcept {
  // the tags differ in length or in the letters after "as_": compare those first, then the text
  if (tag.size() < 6 || !tag.starts_with("as_")) return arg_tag::unknown;
  for (std::size_t i = 0; i < arg_tag_names.size(); ++i) {
    std::string_view n = arg_tag_names[i];
    if (n.size() == tag.size() && n[3] == tag[3] && n.back() == tag.back() && n == tag) return static_cast<arg_tag>(i);
  }
  return arg_tag::unknown;
}
constexpr bool is_list_tag(arg_tag t) noexcept { return t >= arg_tag::as_tensors && t < arg_tag::unknown; }

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
    runtime::detail::flat_table<name_slot> names;
    graph::Graph& g = out.g;
    auto sync = [&](std::string_view name, node_id n, const doc_place& at) {
      std::uint64_t h = std::hash<std::string_view>{}(name);
      auto [slot, fresh] = names.emplace(h, [&](const name_slot& x) { return x.name == name; });
      if (!fresh) fail(at, "node '" + quote_excerpt(name) + "' has already been deserialized before");
      *slot = name_slot{name, h, n};
    };
    auto ref = [&](const json& name_json, const doc_place& at) -> node_id {
      std::string_view name = text(name_json, at);
      const name_slot* slot = names.find(std::hash<std::string_view>{}(name), [&](const name_slot& x) { return x.name == name; });
      if (slot == nullptr) fail(at, "unknown value '" + quote_excerpt(name) + "'");
      return slot->node;
    };
    // deserialize_input: one serialized Argument as an FX argument
    auto input = [&](const json& a, const doc_place& at) -> arg {
      auto [tag_text, v] = union_of(a, at);
      const arg_tag tag = classify(tag_text);
      switch (tag) {
        case arg_tag::as_none: return arg();
        case arg_tag::as_tensor: return arg::node(ref(member(v, "name", at), at));
        case arg_tag::as_int: return arg(integer(v, at));
        case arg_tag::as_float: return arg(floating(v, at));
        case arg_tag::as_bool: return arg(boolean(v, at));
        case arg_tag::as_string: return arg(std::string_view(text(v, at)));
        case arg_tag::as_scalar_type: return named(dtype_of_scalar_type(integer(v, at)), graph::arg_kind::dtype, "scalar type", v, at);
        case arg_tag::as_layout: return named(layout_name(integer(v, at)), graph::arg_kind::layout, "layout", v, at);
        case arg_tag::as_memory_format:
          return named(memory_format_name(integer(v, at)), graph::arg_kind::memory_format, "memory format", v, at);
        case arg_tag::as_device: {
          std::string d(text(member(v, "type", at), at));
          if (const json* index = v.contains("index") ? &v["index"] : nullptr; index && !index->is_null())
            d += ":" + std::to_string(integer(*index, at));
          return arg::tagged(graph::arg_kind::device, d);
        }
        case arg_tag::as_sym_int:
        case arg_tag::as_sym_float:
        case arg_tag::as_sym_bool: return sym(v, at, ref);
        case arg_tag::as_operator: return arg::tagged(graph::arg_kind::op, operator_name(text(v, at)));
        case arg_tag::as_custom_obj: return arg::node(ref(member(v, "name", at), at));
        case arg_tag::as_graph: {
          std::string name(text(member(v, "name", at), at));
          built_graph sub = read_graph(member(v, "graph", at), doc_place(at, "/graph").str(), depth + 1);
          out.sub_names.push_back(name);
          out.subs.push_back(std::move(sub));
          return arg::node(build(at, [&] { return g.get_attr(name); }));
        }
        default: break;
      }
      if (!v.is_array() || !is_list_tag(tag)) fail(at, "unknown argument tag '" + quote_excerpt(tag_text) + "'");
      std::vector<arg> items;
      items.reserve(v.size());
      const doc_place list_at(at, "/");
      const doc_place tag_at(list_at, tag_text);
      for (std::size_t i = 0; i < v.size(); ++i) {
        const doc_place ai(tag_at, "/", i);
        const json& x = v[i];
        switch (tag) {
          case arg_tag::as_tensors: items.push_back(arg::node(ref(member(x, "name", ai), ai))); break;
          case arg_tag::as_ints: items.emplace_back(integer(x, ai)); break;
          case arg_tag::as_floats: items.emplace_back(floating(x, ai)); break;
          case arg_tag::as_bools: items.emplace_back(boolean(x, ai)); break;
          case arg_tag::as_strings: items.emplace_back(std::string_view(text(x, ai))); break;
          case arg_tag::as_sym_ints:
          case arg_tag::as_sym_floats:
          case arg_tag::as_sym_bools: items.push_back(sym(x, ai, ref)); break;
          default: {  // as_optional_tensors
            auto [t2, v2] = union_of(x, ai);
            if (t2 == "as_none") items.emplace_back();
            else if (t2 == "as_tensor") items.push_back(arg::node(ref(member(v2, "name", ai), ai)));
            else fail(ai, "an optional tensor is as_none or as_tensor, not '" + quote_excerpt(t2) + "'");
          }
        }
      }
      return arg::list(std::move(items));
    };

    // inputs: placeholders
    const json& inputs = array_member(sg, "inputs", where);
    names.reserve(inputs.size());
    const doc_place graph_at(where);
    const doc_place inputs_at(graph_at, "/inputs/");
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const doc_place at(inputs_at, "", i);
      auto [tag, v] = union_of(inputs[i], at);
      std::string_view name;
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
             node_id p = g.placeholder(std::string(name));
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
    names.reserve(names.size() + nodes.size());
    const doc_place nodes_at(graph_at, "/nodes/");
    // reused from node to node: no allocation per node once they have grown
    std::vector<std::pair<std::string_view, arg>> actual;
    std::string qualified;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const doc_place at(nodes_at, "", i);
      const doc_place out0(at, "/outputs/0");
      const json& sn = nodes[i];
      if (!sn.is_object()) fail(at, "a node is an object");
      std::string_view target = text(member(sn, "target", at), at);
      const json& sin = array_member(sn, "inputs", at);
      const json& souts = array_member(sn, "outputs", at);
      std::vector<arg> args;
      std::vector<graph::kwarg> kwargs;
      std::optional<std::string> name;
      const doc_place inputs_of(at, "/inputs/");
      auto named_input = [&](std::size_t k) -> std::pair<std::string_view, arg> {
        const doc_place ak(inputs_of, "", k);
        const doc_place ak_arg(ak, "/arg");
        const json& x = sin[k];
        return {text(member(x, "name", ak), ak), input(member(x, "arg", ak), ak_arg)};
      };
      auto single_output_name = [&](std::string_view key) -> std::optional<std::string> {
        if (souts.size() != 1 || !souts[0].is_object() || !souts[0].contains(key)) return std::nullopt;
        const json& v = souts[0][key];
        if (key == "as_tensor") return std::string(text(member(v, "name", out0), out0));
        return std::string(text(member(v, "as_name", out0), out0));
      };
      if (sym_op(target)) {
        args.reserve(sin.size());
        for (std::size_t k = 0; k < sin.size(); ++k) args.push_back(named_input(k).second);
        if (souts.size() != 1) fail(doc_place(at, "/outputs"), "a symbolic operator has one output");
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
          auto [slot, fresh] = slots.try_emplace(std::string(n), kwargs.size());
          if (!fresh) kwargs[slot->second].second = std::move(a);
          else kwargs.emplace_back(std::string(n), std::move(a));
        }
        name = single_output_name("as_tensor");
      } else if (target.starts_with("torch.ops.")) {
        // torch.ops.aten.add.Tensor -> aten::add.Tensor
        qualified.assign(target.substr(10));
        if (std::size_t dot = qualified.find('.'); dot != std::string::npos) qualified.replace(dot, 1, "::");
        const op_schema* schema = find_schema(qualified);
        if (schema == nullptr) fail(doc_place(at, "/target"), "operator '" + quote_excerpt(target) + "' has no schema in torch 2.6's table");
        actual.clear();
        for (std::size_t k = 0; k < sin.size(); ++k) actual.push_back(named_input(k));
        auto find_actual = [&](std::string_view n) -> arg* {
          for (auto& [an, a] : actual)
            if (an == n) return &a;
          return nullptr;
        };
        args.reserve(schema->args.size());
        for (const schema_arg& sa : schema->args) {
          arg* a = find_actual(sa.name);
          if (!sa.has_default && !sa.kwarg_only) {
            if (a == nullptr) fail(doc_place(at, "/inputs"), "the required argument '" + std::string(sa.name) + "' is missing");
            args.push_back(std::move(*a));
          } else if (python::is_keyword(sa.name)) {  // deserialize_inputs: passed positionally, earlier kwargs dropped
            kwargs.clear();
            if (a == nullptr) fail(doc_place(at, "/inputs"), "the argument '" + std::string(sa.name) + "' is missing");
            args.push_back(std::move(*a));
          } else if (a != nullptr) {
            kwargs.emplace_back(std::string(sa.name), std::move(*a));
          }
        }
        if (schema->single_tensor_return) name = single_output_name("as_tensor");
      } else {
        fail(doc_place(at, "/target"), "unsupported target '" + quote_excerpt(target) + "'");
      }
      node_id n = build(at, [&] {
        return g.create_node(graph::node_op::call_function, intern_target(target), std::move(args), std::move(kwargs),
                             std::move(name));
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

  [[noreturn]] static void fail(const doc_place& where, const std::string& detail) { throw input_error(where.str(), detail); }

  // Runs a graph-building step: what the graph refuses (a name that is not an identifier, a
  // target text generated code cannot hold) is a fault of the document, reported at `where`.
  template <class F>
  static auto build(const doc_place& where, F&& step) -> decltype(step()) {
    try {
      return step();
    } catch (const input_error&) {
      throw;
    } catch (const aotkit::error& e) {
      fail(where, e.what());
    }
  }

  static const json& member(const json& o, std::string_view key, const doc_place& where) {
    if (!o.is_object()) fail(where, "expected an object");
    auto it = o.find(key);
    if (it == o.end()) fail(where, "missing \"" + std::string(key) + "\"");
    return *it;
  }
  static const json& array_member(const json& o, std::string_view key, const doc_place& where) {
    const json& a = member(o, key, where);
    if (!a.is_array()) fail(where.str() + "/" + std::string(key), "expected an array");
    return a;
  }
  static std::string_view text(const json& v, const doc_place& where) {
    if (!v.is_string()) fail(where, "expected a string");
    return v.get_string();
  }
  static std::int64_t integer(const json& v, const doc_place& where) {
    if (v.is_number_integer()) return v.get_int();
    fail(where, "expected an integer");
  }
  static double floating(const json& v, const doc_place& where) {
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
  static bool boolean(const json& v, const doc_place& where) {
    if (!v.is_boolean()) fail(where, "expected true or false");
    return v.get_bool();
  }
  // A union: an object with exactly one key (the tag).
  static std::pair<std::string_view, const json&> union_of(const json& v, const doc_place& where) {
    if (!v.is_object() || v.size() != 1) fail(where, "a union is an object with exactly one key");
    auto it = v.begin();
    return {it.key(), it.value()};
  }
  static arg named(std::string_view name, graph::arg_kind kind, std::string_view what, const json& v, const doc_place& where) {
    if (name.empty()) fail(where, "unknown " + std::string(what) + " " + v.dump());
    return arg::tagged(kind, name);
  }
  template <class Ref>
  static arg sym(const json& v, const doc_place& where, Ref& ref) {
    auto [tag, x] = union_of(v, where);
    if (tag == "as_name") return arg::node(ref(x, where));
    if (tag == "as_int") return arg(integer(x, where));
    if (tag == "as_float") return arg(floating(x, where));
    if (tag == "as_bool") return arg(boolean(x, where));
    fail(where, "unknown symbolic argument '" + quote_excerpt(tag) + "'");
  }
  // The registry's name of a serialized target: torch.ops.aten.add.Tensor -> aten.add.Tensor,
  // _operator.getitem -> operator.getitem, torch.sym_max stays.
  static graph::op_handle intern_target(std::string_view target) {
    return target.starts_with("_operator.") ? graph::intern_op(operator_name(target)) : graph::intern_op(target);
  }
  static std::string operator_name(std::string_view target) {
    if (target.starts_with("_operator.")) return "operator." + std::string(target.substr(10));
    return std::string(graph::canonical_op_name(target));
  }

  // deserialize_outputs: the node takes its one output's name; several outputs become getitems.
  template <class Sync>
  void outputs(graph::Graph& g, const json& souts, node_id n, const doc_place& at, const doc_place& out0, Sync& sync) {
    if (souts.empty()) return;
    if (souts.size() == 1) {
      auto [tag, v] = union_of(souts[0], out0);
      if (tag == "as_tensor") return sync(text(member(v, "name", at), at), n, at);
      if (tag == "as_sym_int" || tag == "as_sym_bool" || tag == "as_sym_float") return sync(text(member(v, "as_name", at), at), n, at);
      if (tag != "as_tensors") fail(out0, "a single output of kind '" + quote_excerpt(tag) + "'");
      const doc_place list_at(out0, "/as_tensors");
      if (!v.is_array()) fail(list_at, "expected an array");
      getitems(g, n, v, list_at, sync, 0);
      return;
    }
    getitems(g, n, souts, doc_place(at, "/outputs"), sync, 0);
  }
  template <class Sync>
  void getitems(graph::Graph& g, node_id from, const json& items, const doc_place& at, Sync& sync, std::size_t depth) {
    if (depth > 2) fail(at, "outputs nest deeper than lists of values");
    graph::op_handle getitem = graph::intern_op("operator.getitem");
    for (std::size_t idx = 0; idx < items.size(); ++idx) {
      const doc_place ai(at, "/", idx);
      const json& item = items[idx];
      auto make = [&](std::optional<std::string> name) {
        return build(ai, [&] {
          return g.create_node(graph::node_op::call_function, getitem, {arg::node(from), arg(static_cast<std::int64_t>(idx))}, {},
                               std::move(name));
        });
      };
      // a bare TensorArgument ({"name": ...}) inside as_tensors, or an Argument union
      if (item.is_object() && item.size() == 1 && item.contains("name")) {
        std::string_view name = text(item["name"], ai);
        sync(name, make(std::string(name)), ai);
        continue;
      }
      auto [tag, v] = union_of(item, ai);
      if (tag == "as_tensor") {
        std::string_view name = text(member(v, "name", ai), ai);
        sync(name, make(std::string(name)), ai);
      } else if (tag == "as_sym_int" || tag == "as_sym_float") {
        std::string_view name = text(member(v, "as_name", ai), ai);
        sync(name, make(std::string(name)), ai);
      } else if (arg_tag t = classify(tag); is_list_tag(t) && t != arg_tag::as_optional_tensors) {
        if (!v.is_array()) fail(ai, "expected an array");
        const doc_place list_at(ai, "/");
        getitems(g, make(std::nullopt), v, doc_place(list_at, tag), sync, depth + 1);
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

struct sym_size::expression {
  mutable std::atomic<std::uint32_t> refs{1};
  bool has_hint = false;
  std::string expr, symbol;
};

sym_size sym_size::symbolic(std::string_view expr, std::optional<std::int64_t> hint) {
  auto e = std::make_unique<expression>();
  e->has_hint = hint.has_value();
  e->expr = std::string(expr);
  e->symbol = symbol_of_srepr(expr);
  sym_size s;
  s.value_ = hint.value_or(0);
  s.expr_ = e.release();
  return s;
}

sym_size::sym_size(const sym_size& other) noexcept : value_(other.value_), expr_(other.expr_) {
  if (expr_) expr_->refs.fetch_add(1, std::memory_order_relaxed);
}

sym_size::~sym_size() {
  if (expr_ && expr_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete expr_;
}

std::string_view sym_size::expr() const noexcept { return expr_ ? std::string_view(expr_->expr) : std::string_view(); }

std::string_view sym_size::symbol() const noexcept { return expr_ ? std::string_view(expr_->symbol) : std::string_view(); }

std::optional<std::int64_t> sym_size::hint() const noexcept {
  return expr_ && expr_->has_hint ? std::optional<std::int64_t>(value_) : std::nullopt;
}

bool operator==(const sym_size& a, const sym_size& b) noexcept {
  if (!a.expr_ || !b.expr_) return !a.expr_ && !b.expr_ && a.value_ == b.value_;
  return a.expr_->expr == b.expr_->expr && a.hint() == b.hint();
}

tensor_meta::tensor_meta(std::string dtype_name, std::vector<sym_size> sizes, std::string device_name)
    : dtype(std::move(dtype_name)), device(std::move(device_name)) {
  set_shape(sizes);
}

void tensor_meta::set_shape(std::span<const sym_size> sizes, std::span<const sym_size> strides) {
  if (!strides.empty() && strides.size() != sizes.size())
    throw value_error("tensor metadata: " + std::to_string(strides.size()) + " strides for " + std::to_string(sizes.size()) + " sizes");
  if (sizes.size() > std::numeric_limits<std::uint32_t>::max()) throw value_error("tensor metadata: too many sizes");
  std::vector<sym_size> dims;
  dims.reserve(sizes.size() + strides.size());
  dims.insert(dims.end(), sizes.begin(), sizes.end());
  dims.insert(dims.end(), strides.begin(), strides.end());
  dims_ = std::move(dims);
  rank_ = static_cast<std::uint32_t>(sizes.size());
}

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

// One SymInt of a TensorMeta (`si` names it in errors): {"as_int": n} or {"as_expr": {"expr_str",
// "hint"}}.
sym_size read_sym_size(const json& x, const doc_place& si) {
  auto [tag, v] = reader::union_of(x, si);
  if (tag == "as_int") return sym_size(reader::integer(v, si));
  if (tag != "as_expr") throw input_error(si.str(), "a size is as_int or as_expr, not '" + quote_excerpt(tag) + "'");
  std::string_view expr = reader::text(reader::member(v, "expr_str", si), si);
  std::optional<std::int64_t> hint;
  if (auto h = v.find("hint"); h != v.end() && !h->is_null()) {
    const doc_place hint_at(si, "/hint");
    auto [htag, hv] = reader::union_of(*h, hint_at);
    if (htag == "as_int") hint = reader::integer(hv, hint_at);
  }
  return sym_size::symbolic(expr, hint);
}

// One TensorMeta of tensor_values (`at` names it in errors; `dims` a reused buffer).
tensor_meta read_tensor_meta(const json& meta, const doc_place& at, std::vector<sym_size>& dims) {
  tensor_meta m;
  const json& dtype = reader::member(meta, "dtype", at);
  m.dtype = std::string(dtype_of_scalar_type(reader::integer(dtype, doc_place(at, "/dtype"))));
  if (m.dtype.empty()) throw input_error(doc_place(at, "/dtype").str(), "unknown scalar type " + dtype.dump());
  dims.clear();
  const json& sizes = reader::array_member(meta, "sizes", at);
  const doc_place sizes_at(at, "/sizes/");
  for (std::size_t i = 0; i < sizes.size(); ++i) dims.push_back(read_sym_size(sizes[i], doc_place(sizes_at, "", i)));
  std::size_t rank = dims.size();
  if (auto st = meta.find("strides"); st != meta.end()) {
    const doc_place strides_at(at, "/strides");
    if (!st->is_array()) throw input_error(strides_at.str(), "expected an array");
    if (st->size() != rank)
      throw input_error(strides_at.str(), std::to_string(st->size()) + " strides for " + std::to_string(rank) + " sizes");
    const doc_place stride_at(strides_at, "/");
    for (std::size_t i = 0; i < st->size(); ++i) dims.push_back(read_sym_size((*st)[i], doc_place(stride_at, "", i)));
  }
  m.set_shape(std::span<const sym_size>(dims.data(), rank), std::span<const sym_size>(dims.data() + rank, dims.size() - rank));
  if (auto off = meta.find("storage_offset"); off != meta.end() && !off->is_null())
    m.storage_offset = read_sym_size(*off, doc_place(at, "/storage_offset"));
  if (auto layout = meta.find("layout"); layout != meta.end() && !layout->is_null()) {
    const doc_place layout_at(at, "/layout");
    std::int64_t code = reader::integer(*layout, layout_at);
    if (code < 0 || code > 127) throw input_error(layout_at.str(), "unknown layout " + std::to_string(code));
    m.layout = static_cast<std::int8_t>(code);
  }
  if (auto rg = meta.find("requires_grad"); rg != meta.end()) m.requires_grad = reader::boolean(*rg, doc_place(at, "/requires_grad"));
  if (auto dev = meta.find("device"); dev != meta.end() && dev->is_object()) {
    const doc_place device_at(at, "/device");
    m.device = reader::text(reader::member(*dev, "type", device_at), device_at);
    if (auto index = dev->find("index"); index != dev->end() && !index->is_null())
      m.device += ":" + std::to_string(reader::integer(*index, doc_place(device_at, "/index")));
  }
  return m;
}
tensor_meta read_tensor_meta(const json& meta, const std::string& at) {
  std::vector<sym_size> dims;
  return read_tensor_meta(meta, at, dims);
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
  if (auto it = doc.find("verifiers"); it != doc.end() && it->is_array()) {
    ep.verifiers.clear();
    for (const json& v : *it) ep.verifiers.emplace_back(reader::text(v, "/verifiers"));
  }
  if (auto it = doc.find("opset_version"); it != doc.end() && it->is_object()) {
    ep.opset_version.clear();
    for (const json& v : *it) ep.opset_version.emplace_back(std::string(v.key()), reader::integer(v, "/opset_version/" + std::string(v.key())));
  }
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
    const doc_place folder("/graph_module/graph/tensor_values/");
    std::vector<sym_size> dims;  // reused: no allocation per value
    for (const json& meta : *tv) {
      std::string_view name = meta.key();
      ep.tensor_values.emplace_back(std::string(name), read_tensor_meta(meta, doc_place(folder, name), dims));
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

// Python's json.dumps with its defaults: ensure_ascii, ", " and ": ", float repr, the bare NaN /
// Infinity / -Infinity tokens for non-finite floats.
void put_json_string(std::string& out, std::string_view s) { runtime::append_json_string(out, s, true); }
void put_json_float(std::string& out, double d) {
  if (std::isnan(d)) out += "NaN";
  else if (std::isinf(d)) out += d > 0 ? "Infinity" : "-Infinity";
  else python::append_float_repr(out, d);
}
// json.dumps(json.loads(text)) of a document, and of one of its values
std::string python_json_dumps(const runtime::detail::flat_json_document& doc) {
  return runtime::detail::dump_flat(doc, put_json_string, put_json_float);
}
void put_document(std::string& out, const json& v) { runtime::detail::append_flat(out, v, put_json_string, put_json_float); }

}  // namespace

// ---- the serializer: torch 2.6's GraphModuleSerializer over a changed program ----

namespace {

void put_int(std::string& out, std::int64_t v) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
}
void put_bool(std::string& out, bool b) { out += b ? "true" : "false"; }

[[noreturn]] void cannot(const std::string& what) { throw value_error("write_exported_program: " + what); }

// What the document said about one graph's values and nodes (the graph read at that module path).
struct graph_record {
  const json* graph = nullptr;  // the serialized graph object
  std::unordered_map<std::string_view, const json*> tensor_values, sym_int_values, sym_float_values, sym_bool_values,
      custom_obj_values;
  std::unordered_map<std::string_view, const json*> inputs;       // placeholder name -> its serialized input
  std::vector<const json*> input_list;                            // the serialized inputs in order
  std::unordered_map<std::string_view, const json*> node_of;      // an output's name -> its serialized node
  std::unordered_map<std::string_view, const json*> subgraphs;    // as_graph name -> its serialized graph
};

// The serialized name of an Argument naming a value: {"as_tensor": {"name"}}, {"as_sym_int": {"as_name"}}, ...
std::string_view argument_name(const json& a) {
  if (!a.is_object() || a.size() != 1) return {};
  const json& v = *a.begin();
  if (v.is_object() && v.contains("name") && v["name"].is_string()) return v["name"].get_string();
  if (v.is_object() && v.contains("as_name") && v["as_name"].is_string()) return v["as_name"].get_string();
  return {};
}

void index_values(const json& g, std::string_view key, std::unordered_map<std::string_view, const json*>& into) {
  if (auto it = g.find(std::string(key)); it != g.end() && it->is_object())
    for (const json& v : *it) into.emplace(v.key(), &v);
}

graph_record record_of(const json& g) {
  graph_record r;
  r.graph = &g;
  index_values(g, "tensor_values", r.tensor_values);
  index_values(g, "sym_int_values", r.sym_int_values);
  index_values(g, "sym_float_values", r.sym_float_values);
  index_values(g, "sym_bool_values", r.sym_bool_values);
  index_values(g, "custom_obj_values", r.custom_obj_values);
  if (auto it = g.find("inputs"); it != g.end() && it->is_array())
    for (const json& in : *it) {
      r.input_list.push_back(&in);
      if (std::string_view n = argument_name(in); !n.empty()) r.inputs.emplace(n, &in);
    }
  if (auto it = g.find("nodes"); it != g.end() && it->is_array()) {
    for (const json& node : *it) {
      if (!node.is_object()) continue;
      // every name the node's outputs give (nested lists of tensors too)
      std::vector<const json*> work;
      if (auto outs = node.find("outputs"); outs != node.end() && outs->is_array())
        for (const json& o : *outs) work.push_back(&o);
      while (!work.empty()) {
        const json& o = *work.back();
        work.pop_back();
        if (o.is_object() && o.size() == 1 && o.contains("name") && o["name"].is_string()) {
          r.node_of.emplace(o["name"].get_string(), &node);
        } else if (o.is_object() && o.size() == 1 && o.begin()->is_array()) {
          for (const json& x : *o.begin()) work.push_back(&x);
        } else if (std::string_view n = argument_name(o); !n.empty()) {
          r.node_of.emplace(n, &node);
        }
      }
      if (auto ins = node.find("inputs"); ins != node.end() && ins->is_array())
        for (const json& in : *ins)
          if (in.is_object() && in.contains("arg") && in["arg"].is_object() && in["arg"].contains("as_graph")) {
            const json& ag = in["arg"]["as_graph"];
            if (ag.is_object() && ag.contains("name") && ag["name"].is_string() && ag.contains("graph"))
              r.subgraphs.emplace(ag["name"].get_string(), &ag["graph"]);
          }
    }
  }
  return r;
}

// The serialized target of a call_function's operator: aten.add.Tensor -> torch.ops.aten.add.Tensor,
// operator.mul -> _operator.mul, torch.sym_max stays.
std::string serialized_target(std::string_view op) {
  if (op.starts_with("operator.")) return "_operator." + std::string(op.substr(9));
  if (op.starts_with("torch.")) return std::string(op);
  return "torch.ops." + std::string(op);
}

class program_serializer {
 public:
  explicit program_serializer(const exported_program& program) : program_(program) {
    for (std::size_t i = 0; i < program.tensor_values.size(); ++i) root_meta_.emplace(program.tensor_values[i].first, i);
  }

  // The root graph's JSON, then each submodule's through as_graph arguments.
  void graph(std::string& out, const graph::Graph& g, const std::string& path, const graph_record* record, std::size_t depth) {
    if (depth > max_graph_depth) cannot("subgraphs nest deeper than " + std::to_string(max_graph_depth) + " levels");
    graph_state s(g, path, record, depth);
    for (node_id n : g.node_range()) {
      const graph::Node& node = g.node(n);
      switch (node.op()) {
        case graph::node_op::placeholder: placeholder(s, n); break;
        case graph::node_op::get_attr: break;  // as_graph arguments, written where they are used
        case graph::node_op::call_function: call_function(s, n); break;
        case graph::node_op::output: output(s, n); break;
        case graph::node_op::call_method:
        case graph::node_op::call_module: cannot("node '" + node.name() + "': a " + std::string(to_string(node.op())) + " node has no serialized form");
      }
    }
    // the fields in the document's order (a new graph: the schema's)
    static constexpr std::array<std::string_view, 9> schema_fields{
        "inputs", "outputs", "nodes", "tensor_values", "sym_int_values", "sym_bool_values", "is_single_tensor_return",
        "custom_obj_values", "sym_float_values"};
    std::vector<std::string_view> fields;
    if (record) for (const json& f : *record->graph) fields.push_back(f.key());
    else fields.assign(schema_fields.begin(), schema_fields.end());
    out += '{';
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) out += ", ";
      put_json_string(out, fields[i]);
      out += ": ";
      std::string_view f = fields[i];
      if (f == "inputs") list(out, s.inputs);
      else if (f == "outputs") list(out, s.outputs);
      else if (f == "nodes") list(out, s.nodes);
      else if (f == "tensor_values") object(out, s.tensor_values);
      else if (f == "sym_int_values") object(out, s.sym_int_values);
      else if (f == "sym_bool_values") object(out, s.sym_bool_values);
      else if (f == "sym_float_values") object(out, s.sym_float_values);
      else if (f == "custom_obj_values") object(out, s.custom_obj_values);
      else if (f == "is_single_tensor_return") put_bool(out, s.single_tensor_return);
      else put_document(out, (*record->graph)[std::string(f)]);  // a field this version does not know: kept
    }
    out += '}';
  }

  void signature(std::string& out, const exported_program& as_read, const json& doc_signature) {
    out += "{\"input_specs\": ";
    specs(out, program_.inputs, as_read.inputs, doc_signature["input_specs"], [&](const input_spec& s) { input(out, s); });
    out += ", \"output_specs\": ";
    specs(out, program_.outputs, as_read.outputs, doc_signature["output_specs"], [&](const output_spec& s) { output_spec_json(out, s); });
    out += '}';
  }

 private:
  struct graph_state {
    graph_state(const graph::Graph& graph, const std::string& at, const graph_record* from, std::size_t level)
        : g(graph), path(at), record(from), depth(level) {}
    const graph::Graph& g;
    const std::string& path;
    const graph_record* record;
    std::size_t depth;
    std::vector<std::string> inputs, outputs, nodes;
    std::vector<std::pair<std::string, std::string>> tensor_values, sym_int_values, sym_bool_values, sym_float_values,
        custom_obj_values;
    bool single_tensor_return = false;
    std::unordered_map<std::string, std::string> duplicate_getitems;  // a second getitem of one output -> the first
    std::unordered_set<std::string> written;                            // the names in tensor_values
  };

  static void list(std::string& out, const std::vector<std::string>& items) {
    out += '[';
    for (std::size_t i = 0; i < items.size(); ++i) (i ? out += ", " : out) += items[i];
    out += ']';
  }
  static void object(std::string& out, const std::vector<std::pair<std::string, std::string>>& items) {
    out += '{';
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i) out += ", ";
      put_json_string(out, items[i].first);
      out += ": ";
      out += items[i].second;
    }
    out += '}';
  }
  static std::string tensor_argument(std::string_view name) {
    std::string s = "{\"name\": ";
    put_json_string(s, name);
    return s + "}";
  }
  static std::string tagged(std::string_view tag, const std::string& value) {
    std::string s = "{";
    put_json_string(s, tag);
    return s + ": " + value + "}";
  }
  static std::string as_name(std::string_view tag, std::string_view name) {
    std::string s = "{\"as_name\": ";
    put_json_string(s, name);
    return tagged(tag, s + "}");
  }

  // What kind of value `name` is in this graph: the document's tables, or the program's tensor
  // metadata (root graph) for a value the document did not have.
  enum class value_kind { unknown, tensor, sym_int, sym_float, sym_bool, custom_obj };
  value_kind kind_of(const graph_state& s, std::string_view name) const {
    if (s.depth == 0 && root_meta_.contains(name)) return value_kind::tensor;
    if (!s.record) return value_kind::unknown;
    if (s.record->tensor_values.contains(name)) return value_kind::tensor;
    if (s.record->sym_int_values.contains(name)) return value_kind::sym_int;
    if (s.record->sym_float_values.contains(name)) return value_kind::sym_float;
    if (s.record->sym_bool_values.contains(name)) return value_kind::sym_bool;
    if (s.record->custom_obj_values.contains(name)) return value_kind::custom_obj;
    return value_kind::unknown;
  }

  // serialize_tensor_output: the TensorMeta of `name` into tensor_values.
  void tensor_value(graph_state& s, const std::string& name, std::string_view meta_of = {}) {
    if (meta_of.empty()) meta_of = name;
    std::string meta;
    const json* doc_meta = nullptr;
    if (s.record) {
      auto it = s.record->tensor_values.find(meta_of);
      if (it != s.record->tensor_values.end()) doc_meta = it->second;
    }
    const tensor_meta* now = nullptr;
    if (s.depth == 0) {
      auto it = root_meta_.find(meta_of);
      if (it != root_meta_.end()) now = &program_.tensor_values[it->second].second;
    }
    if (doc_meta && (!now || read_tensor_meta(*doc_meta, "/tensor_values/" + std::string(meta_of)) == *now)) {
      put_document(meta, *doc_meta);
    } else if (now) {
      tensor_meta_json(meta, *now, name);
    } else {
      cannot("value '" + name + "' of graph '" + s.path + "' has no tensor metadata (add it to tensor_values)");
    }
    if (!s.written.insert(name).second) cannot("value '" + name + "' is serialized twice in graph '" + s.path + "'");
    s.tensor_values.emplace_back(name, std::move(meta));
  }

  // A TensorMeta from tensor_meta; strides given, or contiguous ones (static sizes only).
  static void tensor_meta_json(std::string& out, const tensor_meta& m, const std::string& name) {
    std::int64_t dtype = scalar_type_of_dtype(m.dtype);
    if (dtype < 0) cannot("value '" + name + "': unknown dtype '" + m.dtype + "'");
    auto sym_list = [&out](std::span<const sym_size> list) {
      out += '[';
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (i) out += ", ";
        sym_int(out, list[i]);
      }
      out += ']';
    };
    out += "{\"dtype\": ";
    put_int(out, dtype);
    out += ", \"sizes\": ";
    sym_list(m.sizes());
    out += ", \"requires_grad\": ";
    put_bool(out, m.requires_grad);
    out += ", \"device\": ";
    device_json(out, m.device.empty() ? std::string_view("cpu") : std::string_view(m.device));
    out += ", \"strides\": ";
    if (!m.strides().empty() || m.sizes().empty()) {
      sym_list(m.strides());
    } else {
      std::vector<sym_size> strides(m.sizes().size());
      std::int64_t step = 1;
      for (std::size_t i = m.sizes().size(); i-- > 0;) {
        std::optional<std::int64_t> size = m.sizes()[i].value();
        if (!size) cannot("value '" + name + "': contiguous strides of a symbolic size are not written (give its strides)");
        strides[i] = step;
        if (__builtin_mul_overflow(step, std::max<std::int64_t>(*size, 1), &step))
          cannot("value '" + name + "': its sizes overflow 64-bit strides");
      }
      sym_list(strides);
    }
    out += ", \"storage_offset\": ";
    sym_int(out, m.storage_offset);
    out += ", \"layout\": ";
    put_int(out, m.layout);
    out += '}';
  }
  // A Device: {"type": "cuda", "index": 0} from "cuda:0" (the index left out when there is none, as
  // torch leaves out a None field); an index that is not a number is refused.
  static void device_json(std::string& out, std::string_view device) {
    auto colon = device.find(':');
    out += "{\"type\": ";
    put_json_string(out, device.substr(0, colon));
    if (colon != std::string_view::npos) {
      std::string_view digits = device.substr(colon + 1);
      std::int64_t index = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
      if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty())
        cannot("device '" + std::string(device) + "' has no numeric index");
      out += ", \"index\": ";
      put_int(out, index);
    }
    out += '}';
  }
  static void sym_int(std::string& out, const sym_size& s) {
    if (auto value = s.value()) {
      out += "{\"as_int\": ";
      put_int(out, *value);
      out += '}';
      return;
    }
    out += "{\"as_expr\": {\"expr_str\": ";
    put_json_string(out, s.expr());
    if (auto hint = s.hint()) {
      out += ", \"hint\": {\"as_int\": ";
      put_int(out, *hint);
      out += '}';
    }
    out += "}}";
  }

  // A symbolic output's value (sym_int_values, ...): the document's entry for `meta_of`, under `name`.
  void sym_value(graph_state& s, value_kind k, const std::string& name, std::string_view meta_of) {
    auto [table, into] = k == value_kind::sym_int     ? std::pair{&s.record->sym_int_values, &s.sym_int_values}
                         : k == value_kind::sym_float ? std::pair{&s.record->sym_float_values, &s.sym_float_values}
                                                      : std::pair{&s.record->sym_bool_values, &s.sym_bool_values};
    std::string v;
    put_document(v, *table->at(meta_of));
    into->emplace_back(name, std::move(v));
  }

  // serialize_output: one output value named `name`; `meta_of` names where its metadata is.
  std::string output_value(graph_state& s, const std::string& name, std::string_view meta_of = {}) {
    if (meta_of.empty()) meta_of = name;
    value_kind k = kind_of(s, meta_of);
    switch (k) {
      case value_kind::tensor: tensor_value(s, name, meta_of); return tagged("as_tensor", tensor_argument(name));
      case value_kind::sym_int:
      case value_kind::sym_float:
      case value_kind::sym_bool: {
        sym_value(s, k, name, meta_of);
        return as_name(k == value_kind::sym_int ? "as_sym_int" : k == value_kind::sym_float ? "as_sym_float" : "as_sym_bool", name);
      }
      case value_kind::custom_obj:
      case value_kind::unknown: break;
    }
    cannot("value '" + name + "' of graph '" + s.path + "' has no tensor metadata (add it to tensor_values)");
  }

  void placeholder(graph_state& s, node_id n) {
    const std::string& name = s.g.node(n).name();
    if (s.record) {
      auto it = s.record->inputs.find(name);
      const json* doc_input = it != s.record->inputs.end() ? it->second : nullptr;
      // a constant input (as_int, as_none, ...) has no name of its own: the one at this place
      if (!doc_input && s.inputs.size() < s.record->input_list.size() && argument_name(*s.record->input_list[s.inputs.size()]).empty() &&
          kind_of(s, name) == value_kind::unknown)
        doc_input = s.record->input_list[s.inputs.size()];
      if (doc_input) {
        std::string in;
        put_document(in, *doc_input);
        s.inputs.push_back(std::move(in));
        if (kind_of(s, name) == value_kind::tensor) tensor_value(s, name);
        else if (kind_of(s, name) == value_kind::custom_obj) custom_value(s, name);
        return;
      }
    }
    // a program built in C++: a constant user input is its value (handle_placeholder's serialize_input)
    std::size_t index = s.inputs.size();
    if (s.depth == 0 && kind_of(s, name) == value_kind::unknown && index < program_.inputs.size() &&
        program_.inputs[index].arg == name && program_.inputs[index].value) {
      s.inputs.push_back(input_argument(s, *program_.inputs[index].value, 0));
      return;
    }
    if (kind_of(s, name) != value_kind::tensor) cannot("input '" + name + "' of graph '" + s.path + "' has no tensor metadata");
    tensor_value(s, name);
    s.inputs.push_back(tagged("as_tensor", tensor_argument(name)));
  }
  void custom_value(graph_state& s, const std::string& name) {
    std::string v;
    put_document(v, *s.record->custom_obj_values.at(name));
    s.custom_obj_values.emplace_back(name, std::move(v));
  }

  void output(graph_state& s, node_id n) {
    const graph::Node& node = s.g.node(n);
    if (node.args().size() != 1) cannot("the output node of graph '" + s.path + "' has " + std::to_string(node.args().size()) + " arguments");
    const arg& a = node.args()[0];
    if (a.is_node()) {
      s.single_tensor_return = true;
      s.outputs.push_back(input_argument(s, a, 0));
    } else if (a.is_sequence()) {
      for (const arg& x : a.items()) s.outputs.push_back(input_argument(s, x, 0));
    } else {
      cannot("the output of graph '" + s.path + "' is not a value or a tuple of values");
    }
  }

  // The document's node this graph node came from: by its name, or a getitem user's.
  const json* source_node(const graph_state& s, node_id n) const {
    if (!s.record) return nullptr;
    const graph::Node& node = s.g.node(n);
    if (auto it = s.record->node_of.find(node.name()); it != s.record->node_of.end()) return it->second;
    for (node_id u : s.g.user_range(n)) {
      if (s.g.node(u).target() != "operator.getitem") continue;
      if (const json* j = source_node(s, u)) return j;  // nested getitems: depth 2 at most (as read)
    }
    return nullptr;
  }

  void call_function(graph_state& s, node_id n) {
    const graph::Node& node = s.g.node(n);
    std::string op = node.target();
    if (op == "operator.getitem") return;  // written with the node it takes from
    std::string target = serialized_target(op);
    const json* source = source_node(s, n);
    std::string inputs = "[", outputs;
    value_kind k = kind_of(s, node.name());
    bool sym = detail::sym_op(target) || k == value_kind::sym_int || k == value_kind::sym_float || k == value_kind::sym_bool;
    if (sym) {
      if (!node.kwargs().empty()) cannot("node '" + node.name() + "': a symbolic operator takes no keyword arguments");
      std::vector<std::string_view> params;
      if (const std::string_view* p = detail::sym_op_params(target)) {
        for (std::string_view rest = *p; !rest.empty();) {
          auto comma = rest.find(',');
          params.push_back(rest.substr(0, comma));
          rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        }
      } else if (const op_schema* schema = schema_of(op)) {
        for (const schema_arg& a : schema->args) params.push_back(a.name);
      } else {
        cannot("node '" + node.name() + "': unknown symbolic operator '" + op + "'");
      }
      for (std::size_t i = 0; i < std::min(params.size(), node.args().size()); ++i)
        named(inputs, i, params[i], input_argument(s, node.args()[i], 0));
      outputs = "[" + output_value(s, node.name()) + "]";
    } else if (op.starts_with("higher_order.")) {
      std::size_t i = 0;
      for (const arg& a : node.args()) named(inputs, i++, "", input_argument(s, a, 0));
      for (const auto& [name, a] : node.kwargs()) named(inputs, i++, name, input_argument(s, a, 0));
      outputs = hop_outputs(s, n, source);
    } else if (const op_schema* schema = schema_of(op)) {
      // torch's serialize_inputs silently drops what its schema has no place for; a node a pass
      // built wrong is refused here instead
      std::size_t positional = 0;
      for (const schema_arg& sa : schema->args) positional += sa.kwarg_only ? 0 : 1;
      if (node.args().size() > positional)
        cannot("node '" + node.name() + "': " + std::to_string(node.args().size()) + " positional arguments for " + op + ", which takes " +
               std::to_string(positional));
      for (const auto& [name, a] : node.kwargs())
        if (std::none_of(schema->args.begin(), schema->args.end(), [&](const schema_arg& sa) { return sa.name == name; }))
          cannot("node '" + node.name() + "': " + op + " has no argument '" + name + "'");
      std::size_t i = 0, k2 = 0;
      for (const schema_arg& sa : schema->args) {
        auto kw = std::find_if(node.kwargs().begin(), node.kwargs().end(), [&](const auto& kv) { return kv.first == sa.name; });
        if (kw != node.kwargs().end()) named(inputs, k2++, sa.name, input_argument(s, kw->second, sa.list_element ? sa.list_element : 'x', true));
        else if (!sa.kwarg_only && i < node.args().size()) named(inputs, k2++, sa.name, input_argument(s, node.args()[i], sa.list_element ? sa.list_element : 'x', true));
        ++i;
      }
      outputs = op_outputs(s, n, *schema, source);
    } else {
      cannot("node '" + node.name() + "': operator '" + op + "' has no schema in torch 2.6's table");
    }
    inputs += ']';
    std::string out = "{\"target\": ";
    put_json_string(out, target);
    out += ", \"inputs\": " + inputs + ", \"outputs\": " + outputs + ", \"metadata\": ";
    if (source && source->contains("metadata")) put_document(out, (*source)["metadata"]);
    else metadata(out, node);
    out += '}';
    s.nodes.push_back(std::move(out));
  }

  static const op_schema* schema_of(std::string_view op) {
    std::string qualified(op);
    auto dot = qualified.find('.');
    if (dot == std::string::npos) return nullptr;
    qualified.replace(dot, 1, "::");
    return find_schema(qualified);
  }
  static void named(std::string& out, std::size_t i, std::string_view name, const std::string& argument) {
    if (i) out += ", ";
    out += "{\"name\": ";
    put_json_string(out, name);
    out += ", \"arg\": " + argument + "}";
  }

  // serialize_metadata from a node's meta (a node the program gained after reading)
  static void metadata(std::string& out, const graph::Node& node) {
    const graph::node_meta& m = node.meta();
    std::vector<std::pair<std::string_view, std::string>> fields;
    if (m.stack_trace && !m.stack_trace->empty()) fields.emplace_back("stack_trace", *m.stack_trace);
    auto join = [&](const arg& a, auto&& one) {
      std::string text;
      if (!a.is_sequence()) return text;
      for (const arg& x : a.items()) {
        if (!text.empty()) text += ';';
        text += one(x);
      }
      return text;
    };
    auto str = [](const arg& a) { return a.kind() == graph::arg_kind::string ? a.text() : std::string(); };
    if (m.nn_module_stack)  // [[key, [path, type]], ...] -> "key,path,type;..."
      if (std::string t = join(*m.nn_module_stack, [&](const arg& e) {
            if (!e.is_sequence() || e.items().size() != 2 || !e.items()[1].is_sequence() || e.items()[1].items().size() != 2) return std::string();
            return str(e.items()[0]) + "," + str(e.items()[1].items()[0]) + "," + str(e.items()[1].items()[1]);
          }); !t.empty())
        fields.emplace_back("nn_module_stack", t);
    if (m.source_fn_stack)  // [[name, target], ...] -> "name,target;..."
      if (std::string t = join(*m.source_fn_stack, [&](const arg& e) {
            if (!e.is_sequence() || e.items().size() != 2) return std::string();
            return str(e.items()[0]) + "," + str(e.items()[1]);
          }); !t.empty())
        fields.emplace_back("source_fn_stack", t);
    if (auto fn = m.get("torch_fn"); fn && fn->is_sequence())
      if (std::string t = join(*fn, str); !t.empty()) fields.emplace_back("torch_fn", t);
    if (m.custom) cannot("node '" + node.name() + "': custom metadata is not written yet");
    out += '{';
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) out += ", ";
      put_json_string(out, fields[i].first);
      out += ": ";
      put_json_string(out, fields[i].second);
    }
    out += '}';
  }

  // The getitem users of `n` by index (FX's _output_node_at_index: the first one; a later one of
  // the same index is written as the first).
  std::vector<node_id> getitems(graph_state& s, node_id n, std::size_t count) {
    std::vector<node_id> at(count, graph::no_node);
    for (node_id u : s.g.user_range(n)) {
      const graph::Node& user = s.g.node(u);
      if (user.target() != "operator.getitem" || user.args().size() != 2 || user.args()[1].kind() != graph::arg_kind::integer)
        cannot("node '" + user.name() + "' uses multi-output node '" + s.g.node(n).name() + "' without a getitem");
      std::int64_t i = user.args()[1].to_int();
      if (i < 0 || static_cast<std::size_t>(i) >= count)
        cannot("getitem '" + user.name() + "' takes output " + std::to_string(i) + " of '" + s.g.node(n).name() + "', which has " + std::to_string(count));
      if (at[static_cast<std::size_t>(i)] == graph::no_node) at[static_cast<std::size_t>(i)] = u;
      else s.duplicate_getitems.emplace(user.name(), s.g.node(at[static_cast<std::size_t>(i)]).name());
    }
    return at;
  }
  std::string output_name(graph_state& s, node_id n, const std::vector<node_id>& at, std::size_t i) const {
    return at[i] != graph::no_node ? s.g.node(at[i]).name() : s.g.node(n).name() + "_unused_" + std::to_string(i);
  }

  // One output slot of a multi-output node: what the document had there (a read node), or what
  // the return letter says (a new one). `was` is the document's output at this index.
  std::string slot(graph_state& s, node_id n, const std::vector<node_id>& at, std::size_t i, char letter, const json* was) {
    std::string name = output_name(s, n, at, i);
    std::string_view was_name = was ? argument_name(*was) : std::string_view();
    bool was_list = was && was->is_object() && was->size() == 1 && was->contains("as_tensors");
    bool was_none = was && was->is_object() && was->contains("as_none");
    // None: where the document had it; for a new node, an output no value metadata describes and
    // nothing uses (an op's missing result, with_effects' second slot for an op returning nothing)
    bool unused = at[i] == graph::no_node || s.g.node(at[i]).num_users() == 0;
    if (was_none || (!was && letter != 'l' && unused && kind_of(s, name) == value_kind::unknown)) {
      if (at[i] != graph::no_node && s.g.node(at[i]).num_users() > 0) cannot("'" + name + "' uses an output that is None");
      return "{\"as_none\": true}";
    }
    if (was_list || letter == 'l') {
      // torch asserts a getitem takes the list (it names the list's items)
      if (at[i] == graph::no_node) cannot("list output " + std::to_string(i) + " of '" + s.g.node(n).name() + "' has no getitem");
      const json* was_items = was_list ? &(*was)["as_tensors"] : nullptr;
      return tagged("as_tensors", tensor_list(s, at[i], was_items));
    }
    // an unused output keeps the metadata of the value the document had there
    return output_value(s, name, at[i] == graph::no_node && !was_name.empty() ? was_name : std::string_view(name));
  }
  // How many values getitems of `from` take: the document's count, or one past the largest index.
  // An index far past the getitems there are (each unused value needs metadata) is refused before
  // anything is sized by it.
  std::size_t taken_length(graph_state& s, node_id from, std::size_t known) const {
    std::size_t count = known;
    for (node_id u : s.g.user_range(from)) {
      const graph::Node& user = s.g.node(u);
      if (user.target() != "operator.getitem" || user.args().size() != 2 || user.args()[1].kind() != graph::arg_kind::integer) continue;
      std::int64_t i = user.args()[1].to_int();
      if (i < 0 || static_cast<std::uint64_t>(i) >= known + 2 * s.g.node(from).num_users() + 64)
        cannot("getitem '" + user.name() + "' takes output " + std::to_string(i) + " of '" + s.g.node(from).name() + "'");
      count = std::max(count, static_cast<std::size_t>(i) + 1);
    }
    return count;
  }

  // The items of a Tensor[] output taken by getitems of `from` (the document's item names give the
  // metadata of items no getitem takes any more).
  std::string tensor_list(graph_state& s, node_id from, const json* was_items) {
    std::size_t count = taken_length(s, from, was_items && was_items->is_array() ? was_items->size() : 0);
    std::vector<node_id> at = getitems(s, from, count);
    std::string items = "[";
    for (std::size_t j = 0; j < count; ++j) {
      if (j) items += ", ";
      std::string item = output_name(s, from, at, j);
      std::string meta_of = item;
      if (at[j] == graph::no_node && was_items && was_items->size() > j) {
        const json& w = (*was_items)[j];
        if (w.is_object() && w.contains("name") && w["name"].is_string()) meta_of = std::string(w["name"].get_string());
      }
      tensor_value(s, item, meta_of);
      items += tensor_argument(item);
    }
    return items + "]";
  }

  std::string op_outputs(graph_state& s, node_id n, const op_schema& schema, const json* source) {
    const graph::Node& node = s.g.node(n);
    if (schema.returns == 0) return "[]";
    if (schema.returns == 1 && schema.return_kinds[0] != 'l') {  // serialize_output(node.name, val)
      if (schema.return_kinds[0] == 't' || node.num_users() > 0 || kind_of(s, node.name()) != value_kind::unknown)
        return "[" + output_value(s, node.name()) + "]";
      return "[{\"as_none\": true}]";  // a Tensor? (or a number) with no value recorded: None
    }
    const json* was = source && source->contains("outputs") && (*source)["outputs"].is_array() ? &(*source)["outputs"] : nullptr;
    if (schema.returns == 1) {  // "-> Tensor[]": one as_tensors of the getitems' names
      const json* was_items = was && was->size() == 1 && (*was)[0].is_object() && (*was)[0].contains("as_tensors") ? &(*was)[0]["as_tensors"] : nullptr;
      return "[" + tagged("as_tensors", tensor_list(s, n, was_items)) + "]";
    }
    std::vector<node_id> at = getitems(s, n, static_cast<std::size_t>(schema.returns));
    std::string out = "[";
    for (std::size_t i = 0; i < static_cast<std::size_t>(schema.returns); ++i) {
      if (i) out += ", ";
      const json* w = was && was->size() > i ? &(*was)[i] : nullptr;
      out += slot(s, n, at, i, schema.return_kinds[i], w);
    }
    return out + "]";
  }

  // serialize_hoo_outputs: the structure the document had for a read node; a new one is a tuple
  // when getitems take from it, else one value.
  std::string hop_outputs(graph_state& s, node_id n, const json* source) {
    const graph::Node& node = s.g.node(n);
    const json* was = source && source->contains("outputs") && (*source)["outputs"].is_array() ? &(*source)["outputs"] : nullptr;
    bool tuple = false;
    std::size_t count = 0;
    if (was) {
      bool single_list = was->size() == 1 && (*was)[0].is_object() && (*was)[0].contains("as_tensors") && source_node_name_differs(s, n);
      if (single_list) return "[" + tagged("as_tensors", tensor_list(s, n, &(*was)[0]["as_tensors"])) + "]";  // a one-tensor tuple
      tuple = was->size() != 1 || source_node_name_differs(s, n);
      count = was->size();
    } else {
      for (node_id u : s.g.user_range(n)) tuple = tuple || s.g.node(u).target() == "operator.getitem";
      count = taken_length(s, n, 0);
    }
    if (!tuple) return "[" + output_value(s, node.name()) + "]";
    std::vector<node_id> at = getitems(s, n, count);
    std::string out = "[";
    for (std::size_t i = 0; i < count; ++i) {
      if (i) out += ", ";
      out += slot(s, n, at, i, 't', was ? &(*was)[i] : nullptr);
    }
    return out + "]";
  }
  // Whether a read node took a name of its own (FX's) rather than its single output's name: then
  // its outputs were a tuple.
  bool source_node_name_differs(const graph_state& s, node_id n) const {
    return !s.record || !s.record->node_of.contains(s.g.node(n).name());
  }

  // serialize_input: one argument. `element` is the schema's list element letter ('x' when the
  // schema gives none, 0 for HOP arguments, which have no schema).
  std::string input_argument(graph_state& s, const arg& a, char element, bool has_schema = false) {
    if (auto v = scalar_argument(a)) return *v;
    auto coded = [&](std::string_view tag, std::int64_t code, std::string_view what) {
      if (code < 0) cannot("unknown " + std::string(what) + " '" + a.text() + "'");
      std::string v;
      put_int(v, code);
      return tagged(tag, v);
    };
    switch (a.kind()) {
      case graph::arg_kind::none:
      case graph::arg_kind::boolean:
      case graph::arg_kind::integer:
      case graph::arg_kind::floating:
      case graph::arg_kind::string: break;  // scalar_argument's
      case graph::arg_kind::node: return node_argument(s, a.to_node());
      case graph::arg_kind::dtype: return coded("as_scalar_type", scalar_type_of_dtype(a.text()), "dtype");
      case graph::arg_kind::layout: return coded("as_layout", detail::enum_code(detail::layout_names, a.text()), "layout");
      case graph::arg_kind::memory_format:
        return coded("as_memory_format", detail::enum_code(detail::memory_format_names, a.text()), "memory format");
      case graph::arg_kind::device: {
        std::string v;
        device_json(v, a.text());
        return tagged("as_device", v);
      }
      case graph::arg_kind::op: {
        std::string v;
        put_json_string(v, "torch.ops." + a.text());
        return tagged("as_operator", v);
      }
      case graph::arg_kind::list:
      case graph::arg_kind::tuple: return list_argument(s, a.items(), element, has_schema);
      case graph::arg_kind::dict:
      case graph::arg_kind::slice:
      case graph::arg_kind::ellipsis:
      case graph::arg_kind::complex:
      case graph::arg_kind::repr: break;
    }
    cannot("an argument of kind " + std::to_string(static_cast<int>(a.kind())) + " has no serialized form");
  }

  std::string node_argument(graph_state& s, node_id ref) {
    const graph::Node& r = s.g.node(ref);
    if (r.op() == graph::node_op::get_attr) {  // a HOP's subgraph
      const std::string& name = r.target();
      std::string path = s.path.empty() ? name : s.path + "." + name;
      if (!program_.module.has_submodule(path)) cannot("get_attr '" + r.name() + "' names no submodule graph ('" + path + "')");
      const graph_record* sub = nullptr;
      if (s.record) {
        if (auto it = s.record->subgraphs.find(name); it != s.record->subgraphs.end()) {
          auto [slot, fresh] = records_.try_emplace(path);
          if (fresh) slot->second = std::make_unique<graph_record>(record_of(*it->second));
          sub = slot->second.get();
        }
      }
      std::string g;
      graph(g, program_.module.submodule(path), path, sub, s.depth + 1);
      std::string v = "{\"name\": ";
      put_json_string(v, name);
      return tagged("as_graph", v + ", \"graph\": " + g + "}");
    }
    const std::string& name = r.name();
    switch (kind_of(s, name)) {
      case value_kind::sym_int: return as_name("as_sym_int", name);
      case value_kind::sym_float: return as_name("as_sym_float", name);
      case value_kind::sym_bool: return as_name("as_sym_bool", name);
      case value_kind::custom_obj: {
        std::string v;
        put_document(v, *s.record->custom_obj_values.at(name));
        return tagged("as_custom_obj", v);
      }
      case value_kind::tensor:
      case value_kind::unknown: break;
    }
    if (auto it = s.duplicate_getitems.find(name); it != s.duplicate_getitems.end()) return tagged("as_tensor", tensor_argument(it->second));
    return tagged("as_tensor", tensor_argument(name));
  }

  std::string list_argument(graph_state& s, std::span<const arg> items, char element, bool has_schema) {
    if (items.empty()) {
      if (!has_schema) return "{\"as_tensors\": []}";  // serialize_input's default for an untyped empty list
      switch (element) {
        case 'b': return "{\"as_bools\": []}";
        case 'i': return "{\"as_ints\": []}";
        case 'f': return "{\"as_floats\": []}";
        case 's': return "{\"as_strings\": []}";
        case 't': return "{\"as_tensors\": []}";
        default: cannot("an empty list of an argument type torch's serializer does not write");
      }
    }
    auto all = [&](auto&& pred) { return std::all_of(items.begin(), items.end(), pred); };
    auto is = [](graph::arg_kind k) { return [k](const arg& a) { return a.kind() == k; }; };
    auto sym_of = [&](const arg& a, value_kind k) { return a.is_node() && kind_of(s, s.g.node(a.to_node()).name()) == k; };
    auto join = [&](std::string_view tag, auto&& one) {
      std::string v = "[";
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) v += ", ";
        v += one(items[i]);
      }
      return tagged(tag, v + "]");
    };
    auto scalar = [&](const arg& a) {  // the bare JSON of a scalar argument
      std::string v = input_argument(s, a, 0);
      return v.substr(v.find(": ") + 2, v.size() - v.find(": ") - 3);
    };
    if (all(is(graph::arg_kind::boolean))) return join("as_bools", scalar);
    if (all(is(graph::arg_kind::integer))) return join("as_ints", scalar);
    if (all(is(graph::arg_kind::floating))) return join("as_floats", scalar);
    if (all(is(graph::arg_kind::string))) return join("as_strings", scalar);
    auto sym_list = [&](value_kind k, graph::arg_kind plain, std::string_view tag, std::string_view plain_tag) -> std::optional<std::string> {
      if (!all([&](const arg& a) { return a.kind() == plain || sym_of(a, k); })) return std::nullopt;
      return join(tag, [&](const arg& a) {
        if (a.is_node()) return std::string("{\"as_name\": ") + [&] { std::string q; put_json_string(q, s.g.node(a.to_node()).name()); return q; }() + "}";
        return "{\"" + std::string(plain_tag) + "\": " + scalar(a) + "}";
      });
    };
    if (auto v = sym_list(value_kind::sym_int, graph::arg_kind::integer, "as_sym_ints", "as_int")) return *v;
    if (auto v = sym_list(value_kind::sym_float, graph::arg_kind::floating, "as_sym_floats", "as_float")) return *v;
    if (auto v = sym_list(value_kind::sym_bool, graph::arg_kind::boolean, "as_sym_bools", "as_bool")) return *v;
    if (all([](const arg& a) { return a.is_node(); })) {
      return join("as_tensors", [&](const arg& a) {
        const graph::Node& r = s.g.node(a.to_node());
        if (r.op() == graph::node_op::get_attr) cannot("getattr nodes containing tensors should not appear in the graph");
        auto dup = s.duplicate_getitems.find(r.name());
        return tensor_argument(dup != s.duplicate_getitems.end() ? dup->second : r.name());
      });
    }
    if (all([](const arg& a) { return a.is_node() || a.is_none(); })) {
      return join("as_optional_tensors", [&](const arg& a) {
        return a.is_none() ? std::string("{\"as_none\": true}") : tagged("as_tensor", tensor_argument(s.g.node(a.to_node()).name()));
      });
    }
    cannot("a list argument mixing kinds torch's serializer does not write");
  }

  // A list of specs: one equal to a spec as read is written as the document had it (found by its
  // argument's name), another by `write_new`.
  template <class Spec, class Write>
  static void specs(std::string& out, const std::vector<Spec>& now, const std::vector<Spec>& read, const json& doc, Write write_new) {
    std::unordered_multimap<std::string_view, std::size_t> by_arg;
    for (std::size_t i = 0; i < read.size() && i < doc.size() && doc.is_array(); ++i) by_arg.emplace(read[i].arg, i);
    out += '[';
    for (std::size_t i = 0; i < now.size(); ++i) {
      if (i) out += ", ";
      const json* same = nullptr;
      auto [first, last] = by_arg.equal_range(now[i].arg);
      for (auto it = first; it != last && !same; ++it)
        if (read[it->second] == now[i]) same = &doc[it->second];
      if (same) put_document(out, *same);
      else write_new(now[i]);
    }
    out += ']';
  }

  // serialize_argument_spec of a user input or output: a symbolic value by its kind in the root
  // graph, otherwise a tensor
  std::string user_argument(std::string_view name) const {
    if (root_record_ && root_record_->sym_int_values.contains(name)) return as_name("as_sym_int", name);
    if (root_record_ && root_record_->sym_float_values.contains(name)) return as_name("as_sym_float", name);
    return tagged("as_tensor", tensor_argument(name));
  }

  // serialize_input of None, a bool, an int, a float or a string (also a constant input's
  // ConstantValue, which has the same tags); nullopt for any other kind
  static std::optional<std::string> scalar_argument(const arg& a) {
    std::string v;
    if (a.is_none()) return "{\"as_none\": true}";
    if (a.kind() == graph::arg_kind::boolean) return a.to_bool() ? "{\"as_bool\": true}" : "{\"as_bool\": false}";
    if (a.kind() == graph::arg_kind::integer) return put_int(v, a.to_int()), tagged("as_int", v);
    if (a.kind() == graph::arg_kind::floating) return put_json_float(v, a.to_double()), tagged("as_float", v);
    if (a.kind() == graph::arg_kind::string) return put_json_string(v, a.text()), tagged("as_string", v);
    return std::nullopt;
  }

  void input(std::string& out, const input_spec& s) const {
    auto arg_of = [&](std::string_view key, const std::string& body) { out += tagged(key, body); };
    std::string name;
    put_json_string(name, s.arg);
    std::string target;
    if (s.target) put_json_string(target, *s.target);
    switch (s.kind) {
      case input_kind::user_input:
        if (s.value) {
          std::optional<std::string> value = scalar_argument(*s.value);
          if (!value) cannot("constant input '" + s.arg + "' is not an int, float, bool, string or None");
          arg_of("constant_input", "{\"name\": " + name + ", \"value\": " + *value + "}");
        } else {
          arg_of("user_input", "{\"arg\": " + user_argument(s.arg) + "}");
        }
        return;
      case input_kind::parameter:
        if (!s.target) break;
        arg_of("parameter", "{\"arg\": {\"name\": " + name + "}, \"parameter_name\": " + target + "}");
        return;
      case input_kind::buffer:
        if (!s.target || !s.persistent) break;
        arg_of("buffer", "{\"arg\": {\"name\": " + name + "}, \"buffer_name\": " + target + ", \"persistent\": " +
                             (*s.persistent ? "true" : "false") + "}");
        return;
      case input_kind::tensor_constant:
        if (!s.target) break;
        arg_of("tensor_constant", "{\"arg\": {\"name\": " + name + "}, \"tensor_constant_name\": " + target + "}");
        return;
      case input_kind::token: arg_of("token", "{\"arg\": {\"name\": " + name + "}}"); return;
      case input_kind::custom_obj: break;
    }
    cannot("input spec '" + s.arg + "' (" + std::string(to_string(s.kind)) + ") cannot be written as it stands");
  }

  void output_spec_json(std::string& out, const output_spec& s) const {
    std::string name;
    put_json_string(name, s.arg);
    std::string target;
    if (s.target) put_json_string(target, *s.target);
    auto with = [&](std::string_view tag, std::string_view key) {
      if (!s.target) cannot("output spec '" + s.arg + "' (" + std::string(to_string(s.kind)) + ") needs a target");
      out += tagged(tag, "{\"arg\": {\"name\": " + name + "}, \"" + std::string(key) + "\": " + target + "}");
    };
    switch (s.kind) {
      case output_kind::user_output: out += tagged("user_output", "{\"arg\": " + user_argument(s.arg) + "}"); return;
      case output_kind::loss_output: out += tagged("loss_output", "{\"arg\": {\"name\": " + name + "}}"); return;
      case output_kind::token: out += tagged("token", "{\"arg\": {\"name\": " + name + "}}"); return;
      case output_kind::buffer_mutation: return with("buffer_mutation", "buffer_name");
      case output_kind::gradient_to_parameter: return with("gradient_to_parameter", "parameter_name");
      case output_kind::gradient_to_user_input: return with("gradient_to_user_input", "user_input_name");
      case output_kind::user_input_mutation: return with("user_input_mutation", "user_input_name");
      case output_kind::parameter_mutation: break;
    }
    cannot("output spec '" + s.arg + "' (" + std::string(to_string(s.kind)) + ") has no form in schema 8 as torch 2.6 writes it");
  }

  const exported_program& program_;
  std::unordered_map<std::string, std::size_t, name_hash, std::equal_to<>> root_meta_;  // program.tensor_values by name
  std::unordered_map<std::string, std::unique_ptr<graph_record>> records_;

 public:
  const graph_record* root_record_ = nullptr;  // the root graph's, for the signature
};

}  // namespace

namespace {

// torch's ExportedProgram.validate() before serializing: the signature names the root graph's
// placeholders and returned values, in order.
void check_signature(const exported_program& program) {
  const graph::Graph& g = program.module.graph();
  std::vector<node_id> placeholders = g.find_nodes(graph::node_op::placeholder);
  if (placeholders.size() != program.inputs.size())
    cannot(std::to_string(program.inputs.size()) + " input specs for " + std::to_string(placeholders.size()) + " placeholders");
  for (std::size_t i = 0; i < placeholders.size(); ++i)
    if (g.node(placeholders[i]).name() != program.inputs[i].arg)
      cannot("input spec " + std::to_string(i) + " names '" + program.inputs[i].arg + "', placeholder " + std::to_string(i) +
             " is '" + g.node(placeholders[i]).name() + "'");
  std::vector<node_id> outputs = g.find_nodes(graph::node_op::output);
  if (outputs.empty()) cannot("the root graph has no output node");
  const graph::Node& out = g.node(outputs.front());
  std::vector<arg> returned;
  if (!out.args().empty() && out.args()[0].is_sequence()) returned.assign(out.args()[0].items().begin(), out.args()[0].items().end());
  else if (!out.args().empty()) returned.push_back(out.args()[0]);
  if (returned.size() != program.outputs.size())
    cannot(std::to_string(program.outputs.size()) + " output specs for " + std::to_string(returned.size()) + " returned values");
  for (std::size_t i = 0; i < returned.size(); ++i) {
    std::string name = returned[i].is_node() ? g.node(returned[i].to_node()).name() : std::string();
    if (name != program.outputs[i].arg)
      cannot("output spec " + std::to_string(i) + " names '" + program.outputs[i].arg + "', output " + std::to_string(i) +
             " is " + (name.empty() ? std::string("a constant") : "'" + name + "'"));
  }
}

// Writes object `o` member by member: `write(member)` writes a member's value and returns true, or
// returns false for one written as the document has it.
template <class Write>
void put_object(std::string& out, const json& o, Write write) {
  out += '{';
  bool first = true;
  for (const json& member : o) {
    if (!first) out += ", ";
    first = false;
    put_json_string(out, member.key());
    out += ": ";
    if (!write(member)) put_document(out, member);
  }
  out += '}';
}

// A program built in C++: every field from the program, in torch 2.6's order.
std::string write_built(const exported_program& program) {
  check_signature(program);
  if (program.schema_major != 0 && program.schema_major != 8)
    throw not_implemented_error("write_exported_program: schema " + std::to_string(program.schema_major) + " is not written (aotkit writes schema 8.x)");
  program_serializer writer(program);
  std::string out = "{\"graph_module\": {\"graph\": ";
  writer.graph(out, program.module.graph(), "", nullptr, 0);
  out += ", \"signature\": ";
  writer.signature(out, exported_program(), json::null_value());
  out += ", \"module_call_graph\": [";
  for (std::size_t i = 0; i < program.module_call_graph.size(); ++i) {
    const module_call_entry& e = program.module_call_graph[i];
    if (i) out += ", ";
    out += "{\"fqn\": ";
    put_json_string(out, e.fqn);
    if (e.has_signature) {
      out += ", \"signature\": {\"inputs\": [], \"outputs\": [], \"in_spec\": ";
      put_json_string(out, e.in_spec);
      out += ", \"out_spec\": ";
      put_json_string(out, e.out_spec);
      if (!e.forward_arg_names.empty()) {  // torch writes None (left out) for no names
        out += ", \"forward_arg_names\": [";
        for (std::size_t k = 0; k < e.forward_arg_names.size(); ++k) {
          if (k) out += ", ";
          put_json_string(out, e.forward_arg_names[k]);
        }
        out += ']';
      }
      out += '}';
    }
    out += '}';
  }
  out += "], \"metadata\": {}}, \"opset_version\": {";
  for (std::size_t i = 0; i < program.opset_version.size(); ++i) {
    if (i) out += ", ";
    put_json_string(out, program.opset_version[i].first);
    out += ": ";
    put_int(out, program.opset_version[i].second);
  }
  out += "}, \"range_constraints\": {";
  for (std::size_t i = 0; i < program.range_constraints.size(); ++i) {
    const range_constraint& r = program.range_constraints[i];
    if (i) out += ", ";
    put_json_string(out, r.symbol);
    out += ": {\"min_val\": ";
    if (r.min) put_int(out, *r.min);
    else out += "null";
    out += ", \"max_val\": ";
    if (r.max) put_int(out, *r.max);
    else out += "null";
    out += '}';
  }
  out += "}, \"schema_version\": {\"major\": ";
  put_int(out, program.schema_major == 0 ? 8 : program.schema_major);
  out += ", \"minor\": ";
  put_int(out, program.schema_major == 0 ? 2 : program.schema_minor);
  out += "}, \"verifiers\": [";
  for (std::size_t i = 0; i < program.verifiers.size(); ++i) {
    if (i) out += ", ";
    put_json_string(out, program.verifiers[i]);
  }
  out += "], \"torch_version\": ";
  put_json_string(out, program.torch_version.empty() ? std::string_view("2.6.0") : std::string_view(program.torch_version));
  out += '}';
  return out;
}

// The program JSON of `program` read from its document: the document's bytes when nothing changed
// since (or `serialize`), else the graph and signature serialized from the program.
std::string write_program(const exported_program& program, bool serialize) {
  if (!program.source) return write_built(program);
  runtime::detail::flat_json_document doc = parse_program(*program.source);
  exported_program as_read = read_parsed(doc.root(), program.source);
  auto modules_text = [](const graph::GraphModule& m) {
    std::string text;
    for (const auto& [path, g] : m.named_modules()) text += path + "\n" + graph::graph_str(*g) + "\n";
    return text;
  };
  bool graph_same = modules_text(as_read.module) == modules_text(program.module) && as_read.tensor_values == program.tensor_values;
  bool signature_same = as_read.inputs == program.inputs && as_read.outputs == program.outputs;
  if (as_read.module_call_graph != program.module_call_graph || as_read.range_constraints != program.range_constraints ||
      as_read.schema_major != program.schema_major || as_read.schema_minor != program.schema_minor)
    throw not_implemented_error("write_exported_program: the call graph, range constraints or schema version changed since the program was read; only the graph, its tensor metadata and the signature can change (not yet the others)");
  if (!serialize && graph_same && signature_same) return python_json_dumps(doc);
  check_signature(program);

  const json& root = doc.root();
  const json& gm = reader::member(root, "graph_module", "/");
  program_serializer writer(program);
  graph_record root_record = record_of(reader::member(gm, "graph", "/graph_module"));
  writer.root_record_ = &root_record;
  std::string out;
  out.reserve(program.source->size() + program.source->size() / 8);
  put_object(out, root, [&](const json& field) {
    if (field.key() != "graph_module") return false;
    put_object(out, gm, [&](const json& part) {
      if (part.key() == "graph") writer.graph(out, program.module.graph(), "", &root_record, 0);
      else if (part.key() == "signature") writer.signature(out, as_read, part);
      else return false;
      return true;
    });
    return true;
  });
  return out;
}

}  // namespace

std::string write_exported_program(const exported_program& program) { return write_program(program, false); }

std::string serialize_exported_program(const exported_program& program) { return write_program(program, true); }

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
