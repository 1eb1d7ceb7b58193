// modules/rewrite/metadata.cppm — forward→backward metadata copy (partition :metadata): the
// seq_nr / partitioner_tag predicates and copy_fwd_metadata_to_bw_nodes over a GraphModule tree.
module;
#include <cstddef>
#include <cstdint>
#include <vector>
#include <utility>

#include "../runtime/flat_table.hpp"  // installed next to the interface units
export module aotkit.rewrite:metadata;

import aotkit.graph;

export namespace aotkit::rewrite {

/// `_is_forward_node_with_seq_nr(node)` (V2 (docs/semantics.md §0)+): `partitioner_tag != "is_backward"` and a seq_nr.
[[nodiscard]] bool _is_forward_node_with_seq_nr(const graph::Node& node) noexcept;

/// `_is_backward_node_with_seq_nr(node)` (V2+): `partitioner_tag == "is_backward"` and a seq_nr.
[[nodiscard]] bool _is_backward_node_with_seq_nr(const graph::Node& node) noexcept;

/// A forward node found by seq_nr: its graph and id.
struct fwd_node_ref {
  const graph::Graph* graph;
  graph::node_id node;
};

/// seq_nr → the first forward node with it (across every graph visited): a flat open-addressing
/// table (no node allocations).
class fwd_seq_nr_map {
 public:
  /// Adds `seq_nr → ref` unless seq_nr is present; returns whether it was added.
  bool try_emplace(std::int64_t seq_nr, fwd_node_ref ref);
  /// The entry for `seq_nr`, or null.
  [[nodiscard]] const fwd_node_ref* find(std::int64_t seq_nr) const noexcept;
  [[nodiscard]] inline std::size_t size() const noexcept { return slots_.size(); }
  /// Room for `n` entries without rehashing.
  void reserve(std::size_t n);

 private:
  struct slot {
    std::int64_t key = 0;
    fwd_node_ref ref{nullptr, graph::no_node};
    std::uint32_t home = 0;  // the hash it was placed by: the key's low bits, or mixed ones
    bool used = false;
    static constexpr bool compare_hash = false;  // probes compare keys
    [[nodiscard]] inline bool vacant() const noexcept { return !used; }
    [[nodiscard]] inline std::uint32_t hash() const noexcept { return home; }
  };
  [[nodiscard]] std::uint32_t home(std::int64_t key) const noexcept;
  runtime::detail::flat_table<slot> slots_;
  bool mixed_ = false;  // seq_nrs are dense and increasing: identity placement keeps lookups local;
                        // a long probe switches to a mixing hash for keys that are not
};

/// `_collect_fwd_nodes_from_subgraph(fx_g, map)`: adds each forward node of `g` (in order) whose
/// seq_nr is not yet a key; the first forward node with a seq_nr wins.
void _collect_fwd_nodes_from_subgraph(const graph::Graph& g, fwd_seq_nr_map& fwd_seq_nr_to_node);

/// What one copy pass did.
struct metadata_copy_report {
  std::size_t forward = 0;           ///< forward nodes with a seq_nr (collected or not)
  std::size_t matched = 0;           ///< backward nodes that got their forward node's metadata
  std::size_t gradient_acc = 0;      ///< backward nodes skipped as gradient accumulation
  std::size_t unmatched = 0;         ///< backward nodes with no forward node of their seq_nr
};

/// `_copy_metadata_to_bw_nodes_in_subgraph(fx_g, map)`: for each backward node of `g` that is not
/// gradient accumulation and whose seq_nr has a forward node, writes `fwd_nn_module_stack` and
/// `fwd_source_fn_stack` (None when the forward node has none: the keys are written anyway) and, when
/// the forward node has a `custom`, replaces the backward node's `custom` with a deep copy.
metadata_copy_report _copy_metadata_to_bw_nodes_in_subgraph(graph::Graph& g, const fwd_seq_nr_map& fwd_seq_nr_to_node);

/// `copy_fwd_metadata_to_bw_nodes(fx_g)` (V2+): one seq_nr map across every graph of the module
/// (FX's modules() order: root first, then depth first), collected first, then copied over the same
/// sequence — so a backward node in a subgraph can match a forward node in the root and vice versa.
/// Idempotent. Returns the counts over all graphs.
///
/// With `profile` torch 2.6 (or 1.13), torch 2.6's own version instead (V1, the predicates nested in
/// it): the root graph only; forward = `nn_module_stack` and `seq_nr` present, backward = `seq_nr`
/// without `nn_module_stack`; the first forward node per seq_nr wins; every matched backward node
/// gets `fwd_nn_module_stack` and `fwd_source_fn_stack` (None when absent); no gradient-accumulation
/// skip and no `custom` copy.
metadata_copy_report copy_fwd_metadata_to_bw_nodes(graph::GraphModule& fx_g,
                                                   graph::torch_profile profile = graph::default_torch_profile);

}  // namespace aotkit::rewrite
