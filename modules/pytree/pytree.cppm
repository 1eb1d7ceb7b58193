// modules/pytree/pytree.cppm — primary interface of aotkit.pytree; only re-exports its partitions.
// Behaviour: docs/semantics.md §C (TreeSpec, repr, JSON protocol 1, the compact format).
export module aotkit.pytree;

export import :spec;
export import :tree;
export import :tree_json;
export import :static_tree;
export import :serialize;
export import :registry;
