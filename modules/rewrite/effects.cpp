// modules/rewrite/effects.cpp — unlift_tokens: one pass per graph, edits through the Graph API (so
// use lists and names stay FX's), checks with V3's messages.
module;
#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
module aotkit.rewrite;

import aotkit.runtime;
import aotkit.graph;

namespace aotkit::rewrite {

using namespace aotkit::graph;

namespace {

op_handle with_effects_op() {
  static const op_handle h = intern_op("higher_order.with_effects");
  return h;
}
op_handle make_token_op() {
  static const op_handle h = intern_op("prims._make_token.default");
  return h;
}
op_handle sink_tokens_op() {
  static const op_handle h = intern_op("prims._sink_tokens.default");
  return h;
}
op_handle getitem_op() {
  static const op_handle h = intern_op("operator.getitem");
  return h;
}

// `getitem(w, 0)` of a with_effects node w.
bool is_token_getitem(const Graph& g, node_id n) {
  const Node& node = g.node(n);
  if (node.op() != node_op::call_function || node.target_op() != getitem_op() || node.args().size() < 2) return false;
  const arg& src = node.args()[0];
  const arg& idx = node.args()[1];
  return src.is_node() && idx.kind() == arg_kind::integer && idx.to_int() == 0 && is_with_effects(g, src.to_node());
}

node_id make_token_before(Graph& g, node_id anchor) {
  auto guard = g.inserting_before(anchor);
  node_id t = g.call_function(make_token_op());
  node_meta& m = g.meta(t);
  m.val = arg::tagged(arg_kind::repr, "tensor([])");  // torch.tensor([]): the token (quirk kept: not a TensorMetadata)
  m.tensor_meta = arg::tagged(arg_kind::repr, "tensor([])");
  return t;
}

// The names of `nodes`, comma-separated: the inside of Python's repr of a set or list of them.
std::string joined_names(const Graph& g, const std::vector<node_id>& nodes) {
  std::string s;
  for (std::size_t i = 0; i < nodes.size(); ++i) s += (i ? ", " : "") + g.node(nodes[i]).name();
  return s;
}

// Python's repr of a set of nodes (`set()` when empty).
std::string nodes_repr(const Graph& g, const std::vector<node_id>& nodes) {
  return nodes.empty() ? "set()" : "{" + joined_names(g, nodes) + "}";
}

}  // namespace

bool is_with_effects(const Graph& g, node_id n) {
  const Node& node = g.node(n);
  return node.op() == node_op::call_function && node.target_op() == with_effects_op();
}

bool is_with_effects_op(const Graph& g, node_id n, std::string_view op) {
  if (!is_with_effects(g, n)) return false;
  const Node& node = g.node(n);
  return node.args().size() > 1 && node.args()[1].kind() == arg_kind::op && node.args()[1].text() == op;
}

bool contain_metadata_mutation_ops(const Graph& g) {
  for (node_id n : g.node_range()) {
    const Node& node = g.node(n);
    if (node.op() == node_op::call_function && has_tag(facts_of(node.target_op()).tags, op_tag::inplace_view)) return true;
  }
  return false;
}

bool contain_metadata_mutation_ops(const GraphModule& module) { return contain_metadata_mutation_ops(module.graph()); }

node_id replace_input_token_with_make_token(Graph& g, node_id placeholder) {
  if (g.node(placeholder).op() != node_op::placeholder) throw assertion_error("expected a placeholder token");
  node_id t = make_token_before(g, placeholder);
  g.replace_all_uses_with(placeholder, t);
  g.erase_node(placeholder);
  return t;
}

node_id rewrite_with_effects_input_token(Graph& g, node_id with_effects) {
  node_id t = make_token_before(g, with_effects);
  g.update_arg(with_effects, 0, arg::node(t));
  return t;
}

node_id rewrite_output(Graph& g, node_id output, std::span<const node_id> output_token_nodes,
                       std::vector<arg> other_output_args, torch_profile profile) {
  std::vector<arg> tokens;
  for (node_id t : output_token_nodes) {
    if (!is_token_getitem(g, t)) throw assertion_error("output token " + g.node(t).name() + " is not getitem(with_effects, 0)");
    tokens.push_back(arg::node(t));
  }
  node_id sink;
  {
    auto guard = g.inserting_before(output);
    sink = g.call_function(sink_tokens_op(), {arg::list(std::move(tokens))});
  }
  // torch 2.6 assigns the Python list it collected; the newest torch builds a tuple
  g.set_args(output, {profile == torch_profile::latest ? arg::tuple(std::move(other_output_args))
                                                       : arg::list(std::move(other_output_args))});
  return sink;
}

unlift_report unlift_tokens_from_graph(Graph& g, std::string_view label, std::optional<std::size_t> expected) {
  std::vector<node_id> input_tokens, output_tokens;
  node_id output = no_node;
  for (node_id n : g.nodes()) {  // a snapshot: the pass inserts and erases
    if (g.node(n).erased()) continue;
    if (g.node(n).op() == node_op::output) output = n;
    if (!is_with_effects(g, n)) continue;
    const auto& args = g.node(n).args();
    if (!args.empty() && args[0].is_node() && g.node(args[0].to_node()).op() == node_op::placeholder) {
      node_id p = args[0].to_node();
      input_tokens.push_back(p);
      replace_input_token_with_make_token(g, p);
    }
    // V3's get_output_tokens: getitem(n, 0) users that the output returns
    for (node_id u : g.users(n)) {
      if (!is_token_getitem(g, u)) continue;
      auto users = g.users(u);
      bool returned = std::any_of(users.begin(), users.end(), [&](node_id x) { return g.node(x).op() == node_op::output; });
      if (returned && std::find(output_tokens.begin(), output_tokens.end(), u) == output_tokens.end())
        output_tokens.push_back(u);
    }
  }
  unlift_report r{input_tokens.size(), output_tokens.size()};
  if (input_tokens.empty() && output_tokens.empty()) return r;
  if (output == no_node) throw assertion_error("output node not found in graph");
  // graph order for the sink (V3 iterates a set; docs/semantics.md §G recommends graph order)
  std::sort(output_tokens.begin(), output_tokens.end(), [&](node_id a, node_id b) { return g.before(a, b); });
  std::vector<arg> others;
  const arg& result = g.node(output).args().empty() ? arg() : g.node(output).args().front();
  auto keep = [&](const arg& a) {
    return !(a.is_node() && std::find(output_tokens.begin(), output_tokens.end(), a.to_node()) != output_tokens.end());
  };
  if (result.is_sequence()) {
    for (const arg& a : result.items())
      if (keep(a)) others.push_back(a);
  } else if (keep(result)) {
    others.push_back(result);
  }
  rewrite_output(g, output, output_tokens, std::move(others));
  if (expected) {
    // the names of erased placeholders are still readable through their slots
    if (input_tokens.size() != *expected)
      throw assertion_error(std::string(label) + " num_erased_inputs:" + std::to_string(input_tokens.size()) + " " +
                            nodes_repr(g, input_tokens) + " != expected " + std::to_string(*expected) + " \n" +
                            python_code(g));
    if (output_tokens.size() != *expected)
      throw assertion_error(std::string(label) + " num_erased_outs:" + std::to_string(output_tokens.size()) + " " +
                            nodes_repr(g, output_tokens) + " != expected " + std::to_string(*expected) + " \n" +
                            python_code(g));
  }
  return r;
}

namespace {

// Python's `x == 0` for an argument (0, False and 0.0 all compare equal to 0).
bool equals_zero(const arg& a) {
  switch (a.kind()) {
    case arg_kind::integer: return a.to_int() == 0;
    case arg_kind::boolean: return !a.to_bool();
    case arg_kind::floating: return a.to_double() == 0.0;
    default: return false;
  }
}

}  // namespace

unlift_report unlift_tokens_from_graph_v2(Graph& g, std::string_view subgraph, std::size_t expected) {
  // as in torch, the token and other outputs accumulate over the walk (a graph has one output node)
  std::vector<node_id> input_token_nodes, output_token_nodes;
  std::vector<arg> others;
  // torch's `x in input_nodes` / `x in with_effect_nodes`: such a node seen earlier in the walk
  auto seen_before = [&](const arg& a, node_id n, auto&& is_kind) {
    return a.is_node() && is_kind(a.to_node()) && g.before(a.to_node(), n);
  };
  auto is_placeholder = [&](node_id x) { return g.node(x).op() == node_op::placeholder; };
  auto is_effects = [&](node_id x) { return is_with_effects(g, x); };
  for (node_id n = g.first(); n != no_node; n = g.node(n).next()) {
    if (is_with_effects(g, n)) {
      const auto& args = g.node(n).args();
      if (!args.empty() && seen_before(args[0], n, is_placeholder)) {
        node_id token = args[0].to_node();
        if (std::find(input_token_nodes.begin(), input_token_nodes.end(), token) == input_token_nodes.end())
          input_token_nodes.push_back(token);
        rewrite_with_effects_input_token(g, n);  // inserts before n: the walk goes on from n
      }
    } else if (g.node(n).op() == node_op::output) {
      const auto& out_args = g.node(n).args();
      if (out_args.empty()) throw index_error("tuple index out of range");
      if (!out_args[0].is_sequence()) throw type_error("the output of " + std::string(subgraph) + " is not iterable");
      for (const arg& out : out_args[0].items()) {
        bool token = false;
        if (out.is_node()) {
          const Node& o = g.node(out.to_node());
          token = o.op() == node_op::call_function && o.target_op() == getitem_op() && o.args().size() > 1 &&
                  equals_zero(o.args()[1]) && seen_before(o.args()[0], n, is_effects);
        }
        if (token) output_token_nodes.push_back(out.to_node());
        else others.push_back(out);
      }
      rewrite_output(g, n, output_token_nodes, others, torch_profile::torch2_6);
    }
  }
  // the set's order is Python's hash order; graph order is the deterministic choice
  std::sort(input_token_nodes.begin(), input_token_nodes.end(), [&](node_id a, node_id b) { return g.before(a, b); });
  for (node_id p : input_token_nodes) g.erase_node(p);
  std::size_t num_erased_inputs = input_token_nodes.size(), num_erased_outs = output_token_nodes.size();
  if (num_erased_inputs != expected)
    throw assertion_error(std::string(subgraph) + " num_erased_inputs:" + std::to_string(num_erased_inputs) + " " +
                          nodes_repr(g, input_token_nodes) + "!=expected " + std::to_string(expected));
  if (num_erased_outs != expected)
    throw assertion_error(std::string(subgraph) + " num_erased_outs:" + std::to_string(num_erased_outs) + " [" +
                          joined_names(g, output_token_nodes) + "]!=expected " + std::to_string(expected));
  return {num_erased_inputs, num_erased_outs};
}

namespace {

unlift_report unlift_module(GraphModule& m, std::string_view label, std::size_t expected) {
  unlift_report total;
  for (auto& [path, g] : m.named_modules()) {
    std::optional<std::size_t> check;
    std::string name(label);
    if (path.empty()) check = expected;
    else name += "_" + path;
    unlift_report r = unlift_tokens_from_graph(*g, name, check);
    total.inputs_removed += r.inputs_removed;
    total.outputs_removed += r.outputs_removed;
  }
  return total;
}

}  // namespace

unlift_report unlift_tokens(GraphModule& fw, token_metadata& metadata, GraphModule* bw, torch_profile profile) {
  // the newest torch unlifts every graph of the module; torch 2.6 the root graph only, and checks
  // its counts even when it found nothing
  auto unlift = [profile](GraphModule& m, std::string_view label, std::size_t expected) {
    return profile == torch_profile::latest ? unlift_module(m, label, expected)
                                            : unlift_tokens_from_graph_v2(m.graph(), label, expected);
  };
  unlift_report total;
  if (!metadata.tokens.empty()) total = unlift(fw, "forward", metadata.tokens.size());
  if (bw && metadata.num_backward_tokens > 0) {
    unlift_report r = unlift(*bw, "backward", metadata.num_backward_tokens);
    total.inputs_removed += r.inputs_removed;
    total.outputs_removed += r.outputs_removed;
  }
  metadata.tokens.clear();
  metadata.num_backward_tokens = 0;
  return total;
}

}  // namespace aotkit::rewrite
