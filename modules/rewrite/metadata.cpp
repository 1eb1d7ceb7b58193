// modules/rewrite/metadata.cpp — copy_fwd_metadata_to_bw_nodes: two linear passes over the module
// tree, one hash map keyed by seq_nr.
module;
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
module aotkit.rewrite;

import aotkit.graph;

namespace aotkit::rewrite {

using namespace aotkit::graph;

bool _is_forward_node_with_seq_nr(const Node& node) noexcept {
  const node_meta& m = node.meta();
  return m.seq_nr.has_value() && !(m.partitioner_tag && *m.partitioner_tag == "is_backward");
}

bool _is_backward_node_with_seq_nr(const Node& node) noexcept {
  const node_meta& m = node.meta();
  return m.seq_nr.has_value() && m.partitioner_tag && *m.partitioner_tag == "is_backward";
}

void _collect_fwd_nodes_from_subgraph(const Graph& g, fwd_seq_nr_map& fwd_seq_nr_to_node) {
  for (node_id n = g.first(); n != no_node; n = g.node(n).next()) {
    const Node& node = g.node(n);
    if (_is_forward_node_with_seq_nr(node)) fwd_seq_nr_to_node.try_emplace(*node.meta().seq_nr, fwd_node_ref{&g, n});
  }
}

metadata_copy_report _copy_metadata_to_bw_nodes_in_subgraph(Graph& g, const fwd_seq_nr_map& fwd_seq_nr_to_node) {
  metadata_copy_report r;
  for (node_id n = g.first(); n != no_node; n = g.node(n).next()) {
    const Node& node = g.node(n);
    if (_is_forward_node_with_seq_nr(node)) ++r.forward;
    if (!_is_backward_node_with_seq_nr(node)) continue;
    if (node.meta().is_gradient_acc.value_or(false)) {
      ++r.gradient_acc;
      continue;
    }
    auto it = fwd_seq_nr_to_node.find(*node.meta().seq_nr);
    if (it == fwd_seq_nr_to_node.end()) {
      ++r.unmatched;
      continue;
    }
    // Copy out of the forward node first: it may live in this very graph.
    const node_meta& fwd = it->second.graph->node(it->second.node).meta();
    arg nn_module_stack = fwd.nn_module_stack.value_or(arg());
    arg source_fn_stack = fwd.source_fn_stack.value_or(arg());
    std::optional<arg> custom = fwd.custom;
    node_meta& meta = g.meta(n);
    meta.set("fwd_nn_module_stack", std::move(nn_module_stack));
    meta.set("fwd_source_fn_stack", std::move(source_fn_stack));
    // args are immutable and shared: a copy is as good as Python's deepcopy (no aliasing is observable)
    if (custom && !custom->is_none()) meta.custom = std::move(custom);
    ++r.matched;
  }
  return r;
}

metadata_copy_report copy_fwd_metadata_to_bw_nodes(GraphModule& fx_g) {
  fwd_seq_nr_map map;
  auto modules = fx_g.named_modules();
  for (const auto& [path, g] : modules) _collect_fwd_nodes_from_subgraph(*g, map);
  metadata_copy_report total;
  for (const auto& [path, g] : modules) {
    metadata_copy_report r = _copy_metadata_to_bw_nodes_in_subgraph(*g, map);
    total.forward += r.forward;
    total.matched += r.matched;
    total.gradient_acc += r.gradient_acc;
    total.unmatched += r.unmatched;
  }
  return total;
}

}  // namespace aotkit::rewrite
