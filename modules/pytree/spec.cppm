// modules/pytree/spec.cppm — TreeSpec as one flat pre-order array of nodes (partition :spec): kinds,
// contexts, O(1) counts, equality, hashing, torch's two repr styles and treespec_pprint.
module;
#include <array>
#include <memory>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>
export module aotkit.pytree:spec;

import aotkit.runtime;

export namespace aotkit::pytree {

/// What a spec node is: torch's built-in node types, None as a node (optree's convention), and
/// custom types registered by name.
enum class node_kind : std::uint8_t {
  leaf, none, tuple, list, dict, ordered_dict, default_dict, deque, namedtuple, custom,
};

/// A dict key: Python str or int.
using key = std::variant<std::int64_t, std::string>;

/// Python's repr of a key: `'a'` or `1`.
[[nodiscard]] std::string key_repr(const key& k);

/// The data a node carries besides its children (Python's `TreeSpec.context`).
struct node_context {
  /// dict, OrderedDict, defaultdict: the keys in insertion (= flatten) order.
  std::vector<key> keys;
  /// namedtuple: the class's qualified name ("__main__.Point"); defaultdict: the factory's
  /// qualified name ("list"); custom: the registered type name ("my.Module.Pair").
  std::string type_name;
  /// defaultdict: the factory's module ("builtins").
  std::string type_module;
  /// namedtuple: the field names.
  std::vector<std::string> fields;
  /// deque: maxlen (nullopt = None).
  std::optional<std::int64_t> maxlen;
  /// custom: the context as JSON text.
  std::string json;
  friend bool operator==(const node_context&, const node_context&) = default;
};

/// One node of a spec's pre-order array. The children of node i start at i + 1; the next sibling
/// of node i is at i + num_nodes.
struct spec_node {
  node_kind kind;
  std::uint32_t arity;
  std::uint32_t num_nodes;   ///< nodes in this subtree, itself included
  std::uint32_t num_leaves;  ///< leaves in this subtree
  std::uint32_t context;     ///< index into the contexts, or no_context
  static constexpr std::uint32_t no_context = 0xFFFFFFFFu;
};

/// Which PyTorch's repr to print.
enum class repr_style : std::uint8_t {
  torch2,    ///< current torch: first child inline, later ones on new lines indented by 2 per level
  torch1_13, ///< torch 1.13: one line, children as a Python list
};

/// A pytree structure. Value type: one flat pre-order array of nodes and one array of contexts,
/// no per-node allocation, immutable and shared between copies (a copy is O(1)); counts are O(1);
/// equality and hash are structural and include keys.
class TreeSpec {
 public:
  /// The leaf spec `*`.
  TreeSpec();
  TreeSpec(const TreeSpec&) = default;
  TreeSpec& operator=(const TreeSpec&) = default;
  /// A moved-from spec is the leaf spec.
  TreeSpec(TreeSpec&& other) noexcept;
  TreeSpec& operator=(TreeSpec&& other) noexcept;

  [[nodiscard]] static inline TreeSpec leaf() { return {}; }
  [[nodiscard]] static TreeSpec none();
  [[nodiscard]] static TreeSpec tuple(const std::vector<TreeSpec>& children);
  [[nodiscard]] static TreeSpec list(const std::vector<TreeSpec>& children);
  /// A dict (insertion-ordered); throws aotkit::value_error when keys and children differ in
  /// number or a key repeats.
  [[nodiscard]] static TreeSpec dict(std::vector<key> keys, const std::vector<TreeSpec>& children);
  [[nodiscard]] static TreeSpec ordered_dict(std::vector<key> keys, const std::vector<TreeSpec>& children);
  [[nodiscard]] static TreeSpec default_dict(std::string factory_module, std::string factory_name, std::vector<key> keys,
                                             const std::vector<TreeSpec>& children);
  [[nodiscard]] static TreeSpec deque(const std::vector<TreeSpec>& children, std::optional<std::int64_t> maxlen = std::nullopt);
  /// A namedtuple of class `type_name` with `fields` (one child per field).
  [[nodiscard]] static TreeSpec namedtuple(std::string type_name, std::vector<std::string> fields,
                                           const std::vector<TreeSpec>& children);
  /// A node of a custom type registered under `type_name`, with its context as JSON text.
  [[nodiscard]] static TreeSpec custom(std::string type_name, std::string context_json, const std::vector<TreeSpec>& children);

  [[nodiscard]] inline node_kind kind() const noexcept { return data_->nodes.front().kind; }
  [[nodiscard]] inline std::size_t num_nodes() const noexcept { return data_->nodes.front().num_nodes; }
  [[nodiscard]] inline std::size_t num_leaves() const noexcept { return data_->nodes.front().num_leaves; }
  [[nodiscard]] inline std::size_t num_children() const noexcept { return data_->nodes.front().arity; }
  /// Whether some node is a None node (known from construction: O(1)).
  [[nodiscard]] inline bool has_none_nodes() const noexcept { return data_->has_none; }
  /// `is_leaf()`: one node and one leaf (an empty tuple is not a leaf).
  [[nodiscard]] inline bool is_leaf() const noexcept { return num_nodes() == 1 && num_leaves() == 1; }
  /// The root's context; empty for leaves, tuples and lists.
  [[nodiscard]] const node_context& context() const noexcept;
  /// `child(i)`: a copy of the i-th child's subtree. O(size of the subtree); throws index_error.
  [[nodiscard]] TreeSpec child(std::size_t i) const;
  /// `children()`: copies of every child.
  [[nodiscard]] std::vector<TreeSpec> children() const;

  /// The pre-order nodes and the contexts they index.
  [[nodiscard]] inline const std::vector<spec_node>& nodes() const noexcept { return data_->nodes; }
  [[nodiscard]] inline const std::vector<node_context>& contexts() const noexcept { return data_->contexts; }
  /// The context of node i.
  [[nodiscard]] const node_context& context_of(std::size_t i) const noexcept;

  /// torch's `repr(spec)` in the chosen style (leaf: `*`).
  [[nodiscard]] std::string repr(repr_style style = repr_style::torch2) const;
  /// A strong structural hash (kinds, arities, counts and every context, keys included).
  [[nodiscard]] std::size_t hash() const noexcept;
  friend bool operator==(const TreeSpec& a, const TreeSpec& b) noexcept;

 private:
  friend class spec_builder;
  // Immutable once built and shared by copies: copying a spec (every flatten returns one) costs a
  // reference count, not the node array.
  struct data {
    std::vector<spec_node> nodes;
    std::vector<node_context> contexts;
    bool has_none = false;  // some node is a None node (flatten with None as a leaf rewrites them)
  };
  [[nodiscard]] static const std::shared_ptr<const data>& leaf_data();
  std::shared_ptr<const data> data_;
};

/// `treespec_pprint(spec)`: the tree with `*` for leaves, e.g. `(*, {'b': [*, *], 'a': *})`.
[[nodiscard]] std::string treespec_pprint(const TreeSpec& spec);

/// Builds a TreeSpec in pre-order in linear time and without recursion: `open` a node with its
/// arity, then give its children (`leaf` or another `open`); a node closes by itself when its
/// last child is complete. `finish` checks that the spec is complete.
class spec_builder {
 public:
  /// Starts a node of `kind` with `arity` children; `context` is stored when the kind has one.
  void open(node_kind kind, std::size_t arity, node_context context = {});
  /// Adds a leaf.
  inline void leaf() { open(node_kind::leaf, 0); }
  /// Appends a whole spec as the next child.
  void append(const TreeSpec& spec);
  /// True when the root is complete.
  [[nodiscard]] inline bool complete() const noexcept { return !nodes_.empty() && open_.empty(); }
  /// Returns the spec; throws aotkit::value_error if it is incomplete.
  [[nodiscard]] TreeSpec finish() &&;

 private:
  void closed(std::size_t index);
  std::vector<spec_node> nodes_;
  std::vector<node_context> contexts_;
  std::vector<std::pair<std::size_t, std::size_t>> open_;  // (node index, children still missing)
};

namespace detail {
/// The subtree of `spec` rooted at pre-order node `index`, contexts renumbered densely.
TreeSpec subtree(const TreeSpec& spec, std::size_t index);
/// The number of leaves before pre-order node `index`.
std::size_t leaves_before(const TreeSpec& spec, std::size_t index);
}  // namespace detail

/// What a node kind is, in one table (node_kind_table, indexed by the kind): what the walks and
/// printers ask of a kind, kept in one place so a new kind is one row, not a change in every switch.
struct node_kind_traits {
  std::string_view name;  ///< Python's type name in reprs: "tuple", "OrderedDict", "NoneType", ...
  bool has_context;       ///< the spec keeps a node_context for it
  bool keyed;             ///< its children are keyed by the context's keys (dict, OrderedDict, defaultdict)
  bool sequence;          ///< its children are reached by position (tuple, list, deque)
};

/// The traits of every node kind, in node_kind's order.
inline constexpr std::array<node_kind_traits, 10> node_kind_table{{
    {"leaf", false, false, false},
    {"NoneType", false, false, false},
    {"tuple", false, false, true},
    {"list", false, false, true},
    {"dict", true, true, false},
    {"OrderedDict", true, true, false},
    {"defaultdict", true, true, false},
    {"deque", true, false, true},
    {"namedtuple", true, false, false},
    {"custom", true, false, false},
}};
static_assert(static_cast<std::size_t>(node_kind::custom) + 1 == node_kind_table.size(), "one row per node kind");

namespace detail {
// what traits_of answers for a value outside the enumeration (a namespace-scope constant: a static
// in a constexpr function is C++23)
inline constexpr node_kind_traits unknown_kind_traits{"unknown", false, false, false};
}  // namespace detail

/// The traits of `kind` (a value outside the enumeration reads as a context-free "unknown").
[[nodiscard]] constexpr const node_kind_traits& traits_of(node_kind kind) noexcept {
  auto i = static_cast<std::size_t>(kind);
  return i < node_kind_table.size() ? node_kind_table[i] : detail::unknown_kind_traits;
}

/// Python's type name of a node kind in reprs: "tuple", "OrderedDict", "NoneType", ...
[[nodiscard]] std::string_view kind_name(node_kind kind) noexcept;

namespace detail {
/// The one pre-order walk of a spec's node array, with an explicit stack (specs nest as deep as
/// their input says). `open(i)` sees every node; when it returns true node i is entered:
/// `child(i, k, depth)` runs before its child k is opened (depth: the entered nodes, i included),
/// and `close(i)` after its last child. Leaves are never entered, whatever `open` returns.
template <class Open, class Child, class Close>
void walk_preorder(const std::vector<spec_node>& nodes, Open&& open, Child&& child, Close&& close) {
  if (nodes.empty()) return;
  struct frame {
    std::size_t node, next;
    std::uint32_t done;
  };
  std::vector<frame> stack;
  auto enter = [&](std::size_t i) {
    if (open(i) && nodes[i].kind != node_kind::leaf) stack.push_back({i, i + 1, 0});
  };
  enter(0);
  while (!stack.empty()) {
    frame& f = stack.back();
    if (f.done == nodes[f.node].arity) {
      std::size_t done = f.node;
      stack.pop_back();
      close(done);
      continue;
    }
    std::size_t parent = f.node, next = f.next;
    std::uint32_t k = f.done++;
    f.next += nodes[next].num_nodes;
    child(parent, static_cast<std::size_t>(k), stack.size());  // f may be invalid from here on
    enter(next);
  }
}
}  // namespace detail

}  // namespace aotkit::pytree

template <>
struct std::hash<aotkit::pytree::TreeSpec> {
  inline std::size_t operator()(const aotkit::pytree::TreeSpec& s) const noexcept { return s.hash(); }
};
