// modules/graph/lint.cppm — FX's graph checks (partition :lint).
module;
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

/// `lint()` over a GraphModule: every graph, plus, when the module's attributes are known
/// (fx-json/2, set_attributes), FX's owning-module checks of get_attr and call_module targets, atom
/// by atom from the graph's module: "Node {n} target {t} references nonexistent attribute {atom} of
/// {seen}" and "Node {n} target {t} {atom} of {seen} does not reference an nn.Module" ({seen}: the
/// atoms before, "" for the first). Without attributes there is no owning module and FX checks none.
void lint(const GraphModule& gm);

}  // namespace aotkit::graph
