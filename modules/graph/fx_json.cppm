// modules/graph/fx_json.cppm — fx-json/1 (partition :fx_json): the graph interchange format the
// shared conformance data uses and tools/fx2json.py writes from any torch GraphModule.
module;
#include <string>
#include <string_view>
export module aotkit.graph:fx_json;

import aotkit.runtime;
import :ir;
import :graph_module;

export namespace aotkit::graph {

/// A document read from fx-json/1.
struct fx_document {
  GraphModule module;
  std::string name;  ///< the "name" member ("" when absent)
};

/// Reads fx-json/1 (data/FORMAT.md): nodes in order, node references by name (forward references
/// are allowed and left for lint to report), tagged argument values, meta. Members other than
/// "format", "name", "nodes" and "submodules" are skipped. Throws aotkit::input_error naming the
/// byte offset for malformed JSON and the JSON pointer of the node and field otherwise
/// (`/nodes/12/args/0: unknown node 'x'`). Containers nest at most max_arg_depth deep; any input
/// size and node count up to 2^32 - 2. Single pass, no DOM.
[[nodiscard]] fx_document read_fx_json(std::string_view text);

/// Writes fx-json/1: "format", "name", "num_nodes", "op_counts", "nodes" (and "submodules" when
/// the module has any). `read_fx_json(write_fx_json(m))` gives the same graphs.
[[nodiscard]] std::string write_fx_json(const GraphModule& module, std::string_view name = {});
[[nodiscard]] std::string write_fx_json(const Graph& graph, std::string_view name = {});

}  // namespace aotkit::graph
