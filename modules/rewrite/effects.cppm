// modules/rewrite/effects.cppm — effect tokens (partition :effects): is_with_effects, the
// metadata-mutation predicate, and unlift_tokens with its V2-named helpers (docs/semantics.md §B).
module;
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>
export module aotkit.rewrite:effects;

import aotkit.runtime;
import aotkit.graph;

export namespace aotkit::rewrite {

/// `is_with_effects(node)`: a call_function of `higher_order.with_effects`. (V3's effectful
/// invoke_subgraph case needs a tracing context's subgraph-effects cache, which aotkit does not model.)
[[nodiscard]] bool is_with_effects(const graph::Graph& g, graph::node_id n);

/// `is_with_effects_op(node, op)`: is_with_effects and `args[1]` is the operator `op`.
[[nodiscard]] bool is_with_effects_op(const graph::Graph& g, graph::node_id n, std::string_view op);

/// `contain_metadata_mutation_ops(module)`: some call_function of the top-level graph (no
/// recursion into submodules) targets an op tagged inplace_view in the op registry.
[[nodiscard]] bool contain_metadata_mutation_ops(const graph::Graph& g);
[[nodiscard]] bool contain_metadata_mutation_ops(const graph::GraphModule& module);

/// The parts of ViewAndMutationMeta that unlift_tokens reads and resets.
struct token_metadata {
  std::vector<std::string> tokens;      ///< effect keys, in order (`fw_metadata.tokens`)
  std::size_t num_backward_tokens = 0;  ///< `fw_metadata.num_backward_tokens`
};

/// What unlifting did to one module.
struct unlift_report {
  std::size_t inputs_removed = 0;   ///< token placeholders replaced by _make_token
  std::size_t outputs_removed = 0;  ///< token outputs moved into _sink_tokens
};

/// V3's `replace_input_token_with_make_token(module, placeholder)`: inserts
/// `_make_token_default = prims._make_token.default()` before the placeholder (meta `val` and
/// `tensor_meta` set to the empty token tensor), replaces every use and erases the placeholder.
graph::node_id replace_input_token_with_make_token(graph::Graph& g, graph::node_id placeholder);

/// V2's `rewrite_with_effects_input_token(module, node)`: a fresh `_make_token` right before this
/// with_effects node becomes its `args[0]` (one per use).
graph::node_id rewrite_with_effects_input_token(graph::Graph& g, graph::node_id with_effects);

/// `rewrite_output(module, node, output_token_nodes, other_output_args)`: inserts
/// `_sink_tokens([tokens...])` before the output node and makes the output the tuple of the others
/// (a list under torch 2.6's profile, as torch 2.6 does).
/// Each token must be `getitem(w, 0)` of a with_effects node (aotkit::assertion_error otherwise).
graph::node_id rewrite_output(graph::Graph& g, graph::node_id output, std::span<const graph::node_id> output_token_nodes,
                              std::vector<graph::arg> other_output_args,
                              graph::torch_profile profile = graph::default_torch_profile);

/// One module of V3's `unlift_tokens_from_module`: every with_effects whose token is a placeholder
/// gets a `_make_token` (one per placeholder), every returned `getitem(with_effects, 0)` moves into
/// one `_sink_tokens` before the output (graph order), the output becomes a tuple of the rest. With
/// `expected`, the counts are checked (aotkit::assertion_error, V3's text: "{label}
/// num_erased_inputs:{n} {nodes} != expected {expected} \n{code}"). A graph without tokens is left
/// untouched. `rewrite_output` and `replace_input_token_with_make_token` do the edits.
unlift_report unlift_tokens_from_graph(graph::Graph& g, std::string_view label, std::optional<std::size_t> expected);

/// torch 2.6's `do(module, subgraph, expected)` (V2, docs/semantics.md §B.4): one walk in graph
/// order; each with_effects whose `args[0]` is a placeholder seen so far gets its own `_make_token`
/// right before it (rewrite_with_effects_input_token); at the output, each returned
/// `getitem(with_effects, 0)` moves into `_sink_tokens([...])` (output order) and the output
/// becomes the **list** of the rest; then the token placeholders are erased (aotkit::runtime_error,
/// FX's text, when one has another user) and both counts checked against `expected`
/// (aotkit::assertion_error, torch 2.6's text: "{subgraph} num_erased_inputs:{n} {set}!=expected {expected}";
/// the graph is already rewritten then, as in torch). Runs even when the graph has no tokens.
unlift_report unlift_tokens_from_graph_v2(graph::Graph& g, std::string_view subgraph, std::size_t expected);

/// `unlift_tokens(fw_module, fw_metadata, aot_config, bw_module)` (V3, §G defaults: tuple outputs,
/// sink in graph order, one `_make_token` per token placeholder): the root of `fw` is checked against
/// `len(tokens)`, the root of `bw` (when given) against `num_backward_tokens`, submodules unchecked
/// (labels `forward_<path>`); only runs when the count is positive; then resets `metadata`. A second
/// call is a no-op.
/// With `profile` torch 2.6 (or 1.13): torch 2.6's algorithm instead, unlift_tokens_from_graph_v2
/// on the root graphs of `fw` and `bw` (no submodules).
unlift_report unlift_tokens(graph::GraphModule& fw, token_metadata& metadata, graph::GraphModule* bw = nullptr,
                            graph::torch_profile profile = graph::default_torch_profile);

}  // namespace aotkit::rewrite
