// modules/pytree/registry.cppm — custom pytree node types registered at run time (partition :registry):
// torch's register_pytree_node with flatten/unflatten callbacks, key entries and context (de)serializers.
module;
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
export module aotkit.pytree:registry;

import aotkit.runtime;
import :spec;
import :tree;

export namespace aotkit::pytree {

/// The callbacks of a custom node type: torch's NodeDef plus its serialization entry. A node's
/// context is JSON text (what `json.dumps(context)` would give in Python).
struct node_def {
  /// `flatten_fn(obj) -> (children, context)` for runtime::Value objects of the type. Give it and
  /// `unflatten` both, or neither for a type that only appears in specs (loaded or built by hand),
  /// which then needs `serialized_type_name`: registration throws aotkit::value_error otherwise.
  std::function<std::pair<runtime::value_list, std::string>(const runtime::Value& object)> flatten;
  /// `unflatten_fn(children, context) -> obj`.
  std::function<runtime::Value(runtime::value_list children, std::string_view context)> unflatten;
  /// The key half of `flatten_with_keys_fn`: the key entry of each child, given the context and the
  /// number of children. Without it, key paths through the type throw torch's ValueError.
  std::function<KeyPath(std::string_view context, std::size_t arity)> child_keys;
  /// `serialized_type_name`; without it treespec_dumps throws torch's NotImplementedError.
  std::optional<std::string> serialized_type_name;
  /// `to_dumpable_context`: context → the JSON *value* embedded in treespec_dumps' output (instead
  /// of the double-encoded context). Give both or neither.
  std::function<std::string(std::string_view context)> to_dumpable_context;
  /// `from_dumpable_context`: the embedded JSON value's text → context.
  std::function<std::string(std::string_view dumpable)> from_dumpable_context;
};

/// `register_pytree_node(cls, ...)` for the class qualified as `type_name`. Thread-safe. Throws
/// aotkit::value_error "<class 'T'> is already registered as pytree node." for a second
/// registration (namedtuple registrations included), "serialized type name 'S' is already
/// registered" when the name is taken, and "Both to_dumpable_context and from_dumpable_context for
/// <class 'T'> must be None or registered." when only one is given.
void register_pytree_node(std::string type_name, node_def def);

/// `_register_pytree_node`: as register_pytree_node, but a second registration warns (torch's text,
/// through aotkit::warn) and replaces the first.
void _register_pytree_node(std::string type_name, node_def def);

/// Removes a registration (torch's `_deregister_pytree_node`); returns whether there was one.
bool _deregister_pytree_node(std::string_view type_name);

/// The registration of `type_name`, or null. Callers keep the definition alive while they use it.
[[nodiscard]] std::shared_ptr<const node_def> find_pytree_node(std::string_view type_name);

/// The registration whose serialized_type_name is `name`, with its type name, or null.
[[nodiscard]] std::pair<std::string, std::shared_ptr<const node_def>> find_serialized_pytree_node(std::string_view name);

/// A Python object as a tree value: lists and tuples become nodes, None a None node, objects of
/// registered types nodes of their flatten_fn (recursively), everything else a leaf. A node for
/// which `is_leaf` holds stays one leaf, whole. Iterative: any depth.
[[nodiscard]] Tree<runtime::Value> tree_from_value(const runtime::Value& value,
                                                   const std::function<bool(const runtime::Value&)>& is_leaf = {});

/// The inverse: tuples and lists become Values, custom nodes their unflatten_fn's result. Dict-like
/// nodes, deques and namedtuples have no runtime::Value counterpart: aotkit::type_error.
[[nodiscard]] runtime::Value tree_to_value(const Tree<runtime::Value>& tree);

/// `tree_flatten(obj)` on a Python object (see tree_from_value).
[[nodiscard]] std::pair<runtime::value_list, TreeSpec> tree_flatten(const runtime::Value& value,
                                                                    none_is none = none_is::leaf);

/// `tree_unflatten(leaves, spec)` into a Python object (see tree_to_value); torch's ValueError when
/// the counts differ.
[[nodiscard]] runtime::Value tree_unflatten_value(runtime::value_list leaves, const TreeSpec& spec);

namespace detail {
/// The serialized name registered for the namedtuple class `type_name`.
std::optional<std::string> namedtuple_serialized_name(std::string_view type_name);
/// The namedtuple class (qualified name, fields) registered under `serialized_name`.
std::optional<std::pair<std::string, std::vector<std::string>>> namedtuple_by_serialized_name(std::string_view serialized_name);
}  // namespace detail

}  // namespace aotkit::pytree
