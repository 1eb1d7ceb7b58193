// modules/graph/lint.cppm — FX's graph checks and dead-code elimination (partition :lint).
module;
#include <functional>
#include <string>
#include <vector>
export module aotkit.graph:lint;

import aotkit.runtime;
import :arg;
import :ir;
import :graph_module;

export namespace aotkit::graph {

/// Every problem FX's `lint()` would raise, in its order and with its texts (the `{graph}` that FX
/// appends to the topological-order messages is left out; `lint()` adds it). Empty when clean.
/// Checks: each node's inputs are live nodes of this graph defined before it, names are unique,
/// the find_nodes index holds every live node, use lists agree with the arguments.
[[nodiscard]] std::vector<std::string> lint_problems(const Graph& g);

/// `graph.lint()`: throws aotkit::runtime_error with the first problem (FX's text).
void lint(const Graph& g);

/// `lint()` over a GraphModule: every graph, plus FX's owning-module checks (call_module targets
/// must name a submodule: "Node {n} target {t} references nonexistent attribute {atom} of {qualname}").
void lint(const GraphModule& gm);

/// FX's `Node.is_impure(impure_random)` (torch 2.x): placeholder and output; call_function with a
/// mutable schema, a nondeterministic_seeded op when `impure_random`, or an op in the side-effect
/// set; call_module of a module marked impure (needs `gm`; false without).
[[nodiscard]] bool is_impure(const Graph& g, node_id n, bool impure_random = true, const GraphModule* gm = nullptr);

/// `graph.eliminate_dead_code(is_impure_node)`: lints, then erases, in reverse order, every node
/// with no users that is not impure (`is_impure_node` replaces the rule when given). Returns
/// whether anything changed; `removed` (if given) receives the erased names in removal order.
bool eliminate_dead_code(Graph& g, const std::function<bool(node_id)>& is_impure_node = {},
                         std::vector<std::string>* removed = nullptr);

/// DCE over every graph of a GraphModule (root first, then submodules in modules() order).
bool eliminate_dead_code(GraphModule& gm, std::vector<std::string>* removed = nullptr);

}  // namespace aotkit::graph
