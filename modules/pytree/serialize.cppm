// modules/pytree/serialize.cppm — TreeSpec interchange (partition :serialize): torch's JSON protocol 1
// (`treespec_dumps` / `treespec_loads`, byte for byte) and the compact string of torch's C++ pytree.h.
module;
#include <string>
#include <string_view>
#include <vector>
export module aotkit.pytree:serialize;

import aotkit.runtime;
import :spec;

export namespace aotkit::pytree {

/// The only treespec serialization protocol torch has.
inline constexpr int default_treespec_serialization_protocol = 1;

/// `_register_namedtuple(cls, serialized_type_name=...)`: lets specs of the namedtuple class
/// `type_name` (qualified, e.g. "__main__.Point") with `fields` be dumped and loaded under
/// `serialized_type_name`. Thread-safe; registering a class or a name twice throws
/// aotkit::value_error ("<class 'X'> is already registered as pytree node.").
void register_namedtuple(std::string type_name, std::vector<std::string> fields, std::string serialized_type_name);

/// Registers a custom node type for serialization under `serialized_type_name`; its context is
/// JSON text, written double-encoded as torch does. Thread-safe; duplicates throw value_error.
void register_serializable_node(std::string type_name, std::string serialized_type_name);

/// `treespec_dumps(spec, protocol)`: `json.dumps([protocol, schema])` with Python's separators
/// and ASCII escaping, contexts double-encoded (dict keys `"[\"a\", \"b\"]"`), defaultdict as a
/// JSON object, namedtuple as its registered name. Throws aotkit::value_error
/// ("Unknown protocol 2. Available protocols: [1]") and aotkit::not_implemented_error (Python's NotImplementedError) for kinds or
/// classes that have no serialized name. Any depth.
[[nodiscard]] std::string treespec_dumps(const TreeSpec& spec, int protocol = default_treespec_serialization_protocol);

/// `treespec_loads(text)`: the inverse; a spec that torch.export wrote loads as it is. Throws
/// aotkit::input_error naming the byte offset (malformed JSON) or the JSON pointer of the bad
/// field, with torch's messages where it has them. Iterative: any depth.
[[nodiscard]] TreeSpec treespec_loads(std::string_view json);

/// The compact format of torch's C++ `torch/csrc/utils/pytree.h` and ExecuTorch's pytree:
/// `$` leaf, `L<n>#<leaves>...(...)` list, `T` tuple, `D` dict with `'str'` or int keys, e.g.
/// `T2#1#2($,L2#1#1($,$))`. Only leaves, lists, tuples and dicts exist there; other kinds throw
/// aotkit::value_error. Unlike pytree.h, string keys may hold `'` and `\` (escaped with `\`).
[[nodiscard]] std::string treespec_to_compact(const TreeSpec& spec);

/// Parses the compact format (no depth limit, unlike pytree.h's recursive parser); the `#` leaf
/// counts must agree with the children. Throws aotkit::input_error naming the byte offset.
[[nodiscard]] TreeSpec treespec_from_compact(std::string_view text);

}  // namespace aotkit::pytree
