// modules/rewrite/rewrite.cppm — primary interface of aotkit.rewrite; only re-exports its partitions.
// Behaviour: docs/semantics.md §A.11–A.21 and §B (effect tokens); choices per §G.
export module aotkit.rewrite;

export import :metadata;
export import :effects;
export import :tensor;
export import :interpreter;
export import :state;
