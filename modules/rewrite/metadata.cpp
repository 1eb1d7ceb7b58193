// modules/rewrite/metadata.cpp — copy_fwd_metadata_to_bw_nodes: two linear passes over the module
// tree, one hash map keyed by seq_nr.
module;
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include "runtime/flat_table.hpp"
module aotkit.rewrite;

import aotkit.graph;

namespace aotkit::rewrite {

using namespace aotkit::graph;

std::uint32_t fwd_seq_nr_map::home(std::int64_t key) const noexcept {
  auto k = static_cast<std::uint64_t>(key);
  return static_cast<std::uint32_t>(mixed_ ? runtime::detail::mix64(k) : k);
}

void fwd_seq_nr_map::reserve(std::size_t n) { slots_.reserve(n); }

bool fwd_seq_nr_map::try_emplace(std::int64_t seq_nr, fwd_node_ref ref) {
  std::uint32_t h = home(seq_nr);
  auto [s, fresh] = slots_.emplace(h, [&](const slot& x) { return x.key == seq_nr; });
  if (!fresh) return false;
  *s = {seq_nr, ref, h, true};
  std::size_t probes = (slots_.index_of(*s) - h) & (slots_.capacity() - 1);
  if (probes > 32 && !mixed_) {  // clustered keys: spread them
    mixed_ = true;
    slots_.rebuild(slots_.capacity(), [&](slot& x) { return x.home = home(x.key); });
  }
  return true;
}

const fwd_node_ref* fwd_seq_nr_map::find(std::int64_t seq_nr) const noexcept {
  const slot* s = slots_.find(home(seq_nr), [&](const slot& x) { return x.key == seq_nr; });
  return s != nullptr ? &s->ref : nullptr;
}

bool _is_forward_node_with_seq_nr(const Node& node) noexcept {
  const node_meta& m = node.meta();
  return m.seq_nr.has_value() && !(m.partitioner_tag && *m.partitioner_tag == "is_backward");
}

bool _is_backward_node_with_seq_nr(const Node& node) noexcept {
  const node_meta& m = node.meta();
  return m.seq_nr.has_value() && m.partitioner_tag && *m.partitioner_tag == "is_backward";
}

void _collect_fwd_nodes_from_subgraph(const Graph& g, fwd_seq_nr_map& fwd_seq_nr_to_node) {
  for (node_id n : g.node_range()) {
    const Node& node = g.node(n);
    if (_is_forward_node_with_seq_nr(node)) fwd_seq_nr_to_node.try_emplace(*node.meta().seq_nr, fwd_node_ref{&g, n});
  }
}

metadata_copy_report _copy_metadata_to_bw_nodes_in_subgraph(Graph& g, const fwd_seq_nr_map& fwd_seq_nr_to_node) {
  metadata_copy_report r;
  for (node_id n : g.node_range()) {
    const Node& node = g.node(n);
    if (!node.meta().seq_nr) continue;
    // one look at the tag decides both predicates (docs/semantics.md §A.16)
    if (!_is_backward_node_with_seq_nr(node)) {
      ++r.forward;
      continue;
    }
    if (node.meta().is_gradient_acc.value_or(false)) {
      ++r.gradient_acc;
      continue;
    }
    const fwd_node_ref* ref = fwd_seq_nr_to_node.find(*node.meta().seq_nr);
    if (!ref) {
      ++r.unmatched;
      continue;
    }
    // Copy out of the forward node first: it may live in this very graph.
    const node_meta& fwd = ref->graph->node(ref->node).meta();
    arg nn_module_stack = fwd.nn_module_stack.value_or(arg());
    arg source_fn_stack = fwd.source_fn_stack.value_or(arg());
    std::optional<arg> custom = fwd.custom;
    node_meta& meta = g.meta(n);
    meta.fwd_nn_module_stack = std::move(nn_module_stack);
    meta.fwd_source_fn_stack = std::move(source_fn_stack);
    // args are immutable and shared: a copy is as good as Python's deepcopy (no aliasing is observable)
    if (custom && !custom->is_none()) meta.custom = std::move(custom);
    ++r.matched;
  }
  return r;
}

namespace {

// torch 2.6's copy_fwd_metadata_to_bw_nodes (docs/semantics.md §A.16, V1 predicates).
metadata_copy_report copy_by_nn_module_stack(Graph& g) {
  fwd_seq_nr_map map;
  metadata_copy_report r;
  for (node_id n : g.node_range()) {
    const node_meta& m = g.node(n).meta();
    if (!m.seq_nr || !m.nn_module_stack) continue;
    ++r.forward;
    map.try_emplace(*m.seq_nr, fwd_node_ref{&g, n});
  }
  for (node_id n : g.node_range()) {
    const node_meta& m = g.node(n).meta();
    if (!m.seq_nr || m.nn_module_stack) continue;
    const fwd_node_ref* ref = map.find(*m.seq_nr);
    if (!ref) {
      ++r.unmatched;
      continue;
    }
    const node_meta& fwd = g.node(ref->node).meta();
    arg nn_module_stack = *fwd.nn_module_stack;
    arg source_fn_stack = fwd.source_fn_stack.value_or(arg());
    node_meta& meta = g.meta(n);
    meta.fwd_nn_module_stack = std::move(nn_module_stack);
    meta.fwd_source_fn_stack = std::move(source_fn_stack);
    ++r.matched;
  }
  return r;
}

}  // namespace

metadata_copy_report copy_fwd_metadata_to_bw_nodes(GraphModule& fx_g, torch_profile profile) {
  if (profile != torch_profile::latest) return copy_by_nn_module_stack(fx_g.graph());
  fwd_seq_nr_map map;
  auto modules = fx_g.named_modules();
  std::size_t nodes = 0;
  for (const auto& [path, g] : modules) nodes += g->size();
  map.reserve(nodes / 2);  // about half the nodes of a joint graph are forward nodes
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
