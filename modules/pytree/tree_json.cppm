// modules/pytree/tree_json.cppm — pytree-json/1 (data/FORMAT.md) for trees whose leaves are
// runtime Values (partition :tree_json): what the tool and the conformance cases use.
module;
#include <string>
#include <string_view>
export module aotkit.pytree:tree_json;

import aotkit.runtime;
import :tree;

export namespace aotkit::pytree {

/// Reads one pytree-json/1 tree: `{"list": [...]}`, `{"tuple": [...]}`, `{"dict": [[k, v], ...]}`,
/// `{"odict": ...}`, `{"namedtuple": {"type", "fields", "values"}}`, `{"none": null}` (a None node)
/// and the leaves `{"int"}`, `{"float"}` (numbers or "nan"/"inf"/"-inf"), `{"str"}`, `{"bool"}`.
/// A namedtuple type without a dot is a class of `__main__` (as the recorded cases name them).
/// Throws aotkit::input_error with the byte offset of a syntax error or the JSON pointer of a bad
/// value. Iterative: any depth.
/// With `member`, a document that is an object holding that member (not a pytree-json/1 tag, e.g.
/// "tree" in the recorded cases' `{"id": .., "tree": ..}`) has the tree there; any other document
/// is the tree itself.
[[nodiscard]] Tree<runtime::Value> tree_from_json(std::string_view json, std::string_view member = {});

/// Writes a tree in pytree-json/1 (leaves as `runtime::value_to_json` writes them). Throws
/// aotkit::value_error for node kinds the format lacks (defaultdict, deque, custom).
[[nodiscard]] std::string tree_to_json(const Tree<runtime::Value>& tree);

}  // namespace aotkit::pytree
