// modules/graph/passes.cpp — eliminate_dead_code with torch 2.x's impurity rules (placeholders,
// outputs, mutable and side-effecting operators, seeded random ones, impure submodules).
module;
#include <algorithm>
#include <cstddef>
#include <optional>
#include <functional>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>
module aotkit.graph;

import aotkit.runtime;

namespace aotkit::graph {

bool is_impure(const Graph& g, node_id n, bool impure_random, const GraphModule* gm) {
  const Node& node = g.node(n);
  switch (node.op()) {
    case node_op::placeholder:
    case node_op::output: return true;
    case node_op::call_function: {
      op_facts s = facts_of(node.target_op());
      if (s.is_mutable || s.side_effect) return true;
      return impure_random && has_tag(s.tags, op_tag::nondeterministic_seeded);
    }
    case node_op::call_module: return gm && gm->has_submodule(node.target()) && gm->is_impure(node.target());
    default: return false;
  }
}

bool is_impure(const Graph& g, node_id n, torch_profile profile, const GraphModule* gm) {
  if (profile == torch_profile::latest) return is_impure(g, n, true, gm);
  const Node& node = g.node(n);
  if (node.op() == node_op::call_function) {
    // registered as side-effectful after torch 2.6 (fx/node.py's _side_effectful_functions)
    static const op_handle newer[] = {intern_op("prims._sink_tokens.default"), intern_op("operator.setitem"),
                                      intern_op("aten._async_error.default")};
    if (std::ranges::find(newer, node.target_op()) != std::end(newer)) return false;
  }
  return is_impure(g, n, false, gm);
}

bool eliminate_dead_code(Graph& g, const std::function<bool(node_id)>& is_impure_node, std::vector<std::string>* removed) {
  lint(g);
  bool changed = false;
  for (node_id n = g.last(); n != no_node;) {
    node_id prev = g.node(n).prev();
    bool impure = is_impure_node ? is_impure_node(n) : is_impure(g, n);
    if (!impure && g.node(n).num_users() == 0) {
      if (removed) removed->push_back(g.node(n).name());
      g.erase_node(n);
      changed = true;
    }
    n = prev;
  }
  return changed;
}

bool eliminate_dead_code(GraphModule& gm, std::vector<std::string>* removed, torch_profile profile) {
  bool changed = false;
  for (auto& [path, g] : gm.named_modules()) {
    changed = eliminate_dead_code(*g, [&](node_id n) { return is_impure(*g, n, profile, &gm); }, removed) || changed;
  }
  return changed;
}

}  // namespace aotkit::graph
