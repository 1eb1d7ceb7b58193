// modules/graph/graph.cppm — primary interface of aotkit.graph; only re-exports its partitions.
// Behaviour: docs/semantics.md §D (FX nodes, graphs, naming, printing) and §E (op tags).
export module aotkit.graph;

export import :arg;
export import :ops;
export import :profile;
export import :memory;
export import :text;
export import :ir;
export import :graph_module;
export import :lint;
export import :passes;
export import :print;
export import :fx_json;
