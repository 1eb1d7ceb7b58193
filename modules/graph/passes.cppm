// modules/graph/passes.cppm — graph passes (partition :passes): impurity and dead-code elimination
// with torch 2.x's rules.
module;
#include <functional>
#include <string>
#include <vector>
export module aotkit.graph:passes;

import :ir;
import :graph_module;
import :profile;

export namespace aotkit::graph {

/// FX's `Node.is_impure(impure_random)` (torch 2.x): placeholder and output; call_function with a
/// mutable schema, a nondeterministic_seeded op when `impure_random`, or an op in the side-effect
/// set; call_module of a module marked impure (needs `gm`; false without).
[[nodiscard]] bool is_impure(const Graph& g, node_id n, bool impure_random = true, const GraphModule* gm = nullptr);

/// `Node.is_impure()` as `profile`'s torch decides it: the newest (as above, `impure_random`
/// true), or torch 2.6 / 1.13, whose side-effect set lacks `prims._sink_tokens.default`,
/// `operator.setitem` and `aten._async_error.default` and which has no `impure_random` (so DCE
/// there removes an unused `_sink_tokens` and the token chain behind it).
[[nodiscard]] bool is_impure(const Graph& g, node_id n, torch_profile profile, const GraphModule* gm = nullptr);

/// `graph.eliminate_dead_code(is_impure_node)`: lints, then erases, in reverse order, every node
/// with no users that is not impure (`is_impure_node` replaces the rule when given). Returns
/// whether anything changed; `removed` (if given) receives the erased names in removal order.
bool eliminate_dead_code(Graph& g, const std::function<bool(node_id)>& is_impure_node = {},
                         std::vector<std::string>* removed = nullptr);

/// DCE over every graph of a GraphModule (root first, then submodules in modules() order), with
/// `profile`'s impurity rule.
bool eliminate_dead_code(GraphModule& gm, std::vector<std::string>* removed = nullptr,
                         torch_profile profile = default_torch_profile);

}  // namespace aotkit::graph
