// modules/runtime/runtime.cppm — primary interface of aotkit.runtime; only re-exports its partitions.
// Behaviour: docs/semantics.md §A (strict_zip, boxed calls, wrappers, runtime context).
export module aotkit.runtime;

export import :error;
export import :python;
export import :value;
export import :zip;
export import :callable;
export import :context;
export import :boxed;
export import :json;
