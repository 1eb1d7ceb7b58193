// modules/pytree/tree.cppm — Python-like tree values with leaves of any type L (partition :tree), and
// torch's flatten / unflatten / map / key paths over them.
module;
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>
export module aotkit.pytree:tree;

import aotkit.runtime;
import :spec;

export namespace aotkit::pytree {

/// A tree value: its structure as a TreeSpec in which None is a node (node_kind::none), and its
/// leaves in pre-order. Flat, like TreeSpec: flattening is a copy of the leaves, never a walk of
/// pointers. Build small trees by composition (`Tree::tuple({...})`) and large or deep ones with
/// tree_builder (linear time).
template <class L>
class Tree {
 public:
  using leaf_type = L;

  /// A leaf holding `value`.
  inline Tree(L value) : leaves_{std::move(value)} {}  // NOLINT(google-explicit-constructor)

  /// Python's None (a node with no children here; a leaf or not is the flattener's choice).
  [[nodiscard]] static inline Tree none() { return from(TreeSpec::none(), {}); }
  [[nodiscard]] static inline Tree tuple(std::vector<Tree> children) { return compose(node_kind::tuple, {}, std::move(children)); }
  [[nodiscard]] static inline Tree list(std::vector<Tree> children) { return compose(node_kind::list, {}, std::move(children)); }
  [[nodiscard]] static inline Tree dict(std::vector<key> keys, std::vector<Tree> children) {
    node_context c;
    c.keys = std::move(keys);
    return compose(node_kind::dict, std::move(c), std::move(children));
  }
  [[nodiscard]] static inline Tree ordered_dict(std::vector<key> keys, std::vector<Tree> children) {
    node_context c;
    c.keys = std::move(keys);
    return compose(node_kind::ordered_dict, std::move(c), std::move(children));
  }
  [[nodiscard]] static inline Tree namedtuple(std::string type_name, std::vector<std::string> fields, std::vector<Tree> children) {
    node_context c;
    c.type_name = std::move(type_name);
    c.fields = std::move(fields);
    return compose(node_kind::namedtuple, std::move(c), std::move(children));
  }
  /// Any node kind with its context (defaultdict, deque, custom, ...).
  [[nodiscard]] static inline Tree node(node_kind kind, node_context context, std::vector<Tree> children) {
    return compose(kind, std::move(context), std::move(children));
  }
  /// A tree from a structure and its leaves; throws value_error when the counts differ.
  [[nodiscard]] static Tree from(TreeSpec structure, std::vector<L> leaves);

  /// The structure, None nodes included.
  [[nodiscard]] inline const TreeSpec& structure() const noexcept { return structure_; }
  /// The leaves in pre-order (None nodes are not among them).
  [[nodiscard]] inline std::span<const L> leaves() const noexcept { return leaves_; }
  /// The leaves, mutable in place: a span, so their number (which the structure fixes) cannot
  /// change (a resizable vector here let callers break the tree: issue 17, M6).
  [[nodiscard]] inline std::span<L> leaves() noexcept { return leaves_; }
  /// Moves the leaves out of a tree that is going away.
  [[nodiscard]] inline std::vector<L> take_leaves() && noexcept { return std::move(leaves_); }
  [[nodiscard]] inline node_kind kind() const noexcept { return structure_.kind(); }
  [[nodiscard]] inline bool is_leaf() const noexcept { return structure_.kind() == node_kind::leaf; }
  /// The leaf value of a leaf tree.
  [[nodiscard]] const L& value() const;
  [[nodiscard]] inline std::size_t num_children() const noexcept { return structure_.num_children(); }
  /// A copy of child i (O(size of the child)).
  [[nodiscard]] Tree child(std::size_t i) const;

  friend bool operator==(const Tree& a, const Tree& b)
    requires std::equality_comparable<L>
  {
    return a.structure_ == b.structure_ && a.leaves_ == b.leaves_;
  }

 private:
  Tree() = default;
  static Tree compose(node_kind kind, node_context context, std::vector<Tree> children);
  TreeSpec structure_;
  std::vector<L> leaves_;
};

/// Builds a Tree in pre-order in linear time, without recursion (see spec_builder).
template <class L>
class tree_builder {
 public:
  inline void open(node_kind kind, std::size_t arity, node_context context = {}) { spec_.open(kind, arity, std::move(context)); }
  inline void leaf(L value) {
    spec_.leaf();
    leaves_.push_back(std::move(value));
  }
  inline void none() { spec_.open(node_kind::none, 0); }
  [[nodiscard]] Tree<L> finish() && { return Tree<L>::from(std::move(spec_).finish(), std::move(leaves_)); }

 private:
  spec_builder spec_;
  std::vector<L> leaves_;
};

/// How None is flattened: as a leaf (torch's `torch.utils._pytree`, the default) or as a node
/// with no children (optree's and JAX's default).
enum class none_is : std::uint8_t { leaf, node };

/// `tree_flatten(tree)`: the leaves in pre-order and the structure. With none_is::leaf every None
/// becomes a leaf whose value is `L(nullptr)`.
template <class L>
[[nodiscard]] std::pair<std::vector<L>, TreeSpec> tree_flatten(const Tree<L>& tree, none_is none = none_is::leaf);

/// `tree_flatten` of a tree you no longer need: the leaves are moved out, not copied.
template <class L>
[[nodiscard]] std::pair<std::vector<L>, TreeSpec> tree_flatten(Tree<L>&& tree, none_is none = none_is::leaf);

/// `partial_flatten_asdict(obj)` (docs/semantics.md §A.3) on a tree value: every dict-like node
/// (OrderedDict, defaultdict) becomes a plain dict with the same key order, lists and tuples keep
/// their kind, leaves stay as they are. (Python would call a namedtuple class with one list and
/// fail; here namedtuples keep their kind.)
template <class L>
[[nodiscard]] Tree<L> partial_flatten_asdict(const Tree<L>& tree) {
  const auto& nodes = tree.structure().nodes();
  spec_builder b;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const spec_node& n = nodes[i];
    if (n.kind == node_kind::leaf) {
      b.leaf();
    } else if (n.kind == node_kind::ordered_dict || n.kind == node_kind::default_dict) {
      node_context c;
      c.keys = tree.structure().context_of(i).keys;
      b.open(node_kind::dict, n.arity, std::move(c));
    } else {
      b.open(n.kind, n.arity, tree.structure().context_of(i));
    }
  }
  return Tree<L>::from(std::move(b).finish(), std::vector<L>(tree.leaves().begin(), tree.leaves().end()));
}

/// A node of a tree, as an `is_leaf` predicate sees it (no copy is made until `subtree()`).
template <class L>
class node_view {
 public:
  inline node_view(const Tree<L>& tree, std::size_t index) noexcept : tree_(&tree), index_(index) {}
  [[nodiscard]] inline node_kind kind() const noexcept { return tree_->structure().nodes()[index_].kind; }
  [[nodiscard]] inline const node_context& context() const noexcept { return tree_->structure().context_of(index_); }
  [[nodiscard]] inline std::size_t num_children() const noexcept { return tree_->structure().nodes()[index_].arity; }
  [[nodiscard]] inline std::size_t num_leaves() const noexcept { return tree_->structure().nodes()[index_].num_leaves; }
  /// The leaf value, for a leaf node.
  [[nodiscard]] const L& value() const;
  /// A copy of the subtree rooted here.
  [[nodiscard]] Tree<L> subtree() const;

 private:
  const Tree<L>* tree_;
  std::size_t index_;
};

/// `tree_flatten(tree, is_leaf=...)`: as tree_flatten, but every node for which `is_leaf` holds is
/// one leaf, whole — so the leaves are subtrees (`Tree<L>`; a plain leaf is a leaf tree). The
/// predicate is asked at every node before its children, as torch does.
template <class L, class P>
  requires std::predicate<P&, const node_view<L>&>
[[nodiscard]] std::pair<std::vector<Tree<L>>, TreeSpec> tree_flatten(const Tree<L>& tree, P&& is_leaf,
                                                                     none_is none = none_is::leaf);

/// `tree_map(f, tree, is_leaf=...)`: f receives every leaf-or-whole-subtree of the is_leaf
/// flatten as a Tree<L> (a plain leaf as a leaf tree); the result has f's return type as leaves.
template <class L, class F, class P>
  requires std::predicate<P&, const node_view<L>&> && std::invocable<F&, const Tree<L>&>
[[nodiscard]] auto tree_map(F&& f, const Tree<L>& tree, P&& is_leaf, none_is none = none_is::leaf) {
  using R = std::decay_t<std::invoke_result_t<F&, const Tree<L>&>>;
  auto [leaves, spec] = tree_flatten(tree, std::forward<P>(is_leaf), none);
  std::vector<R> mapped;
  mapped.reserve(leaves.size());
  for (const Tree<L>& x : leaves) mapped.push_back(std::invoke(f, x));
  return Tree<R>::from(std::move(spec), std::move(mapped));
}

/// `tree_leaves(tree)`.
template <class L>
[[nodiscard]] std::vector<L> tree_leaves(const Tree<L>& tree, none_is none = none_is::leaf) {
  return tree_flatten(tree, none).first;
}

/// `tree_structure(tree)`.
template <class L>
[[nodiscard]] TreeSpec tree_structure(const Tree<L>& tree, none_is none = none_is::leaf) {
  return tree_flatten(tree, none).second;
}

/// The message of `treespec.unflatten(leaves)` when the counts differ (torch's text).
[[nodiscard]] std::string unflatten_count_message(std::size_t got, const TreeSpec& spec);

/// `tree_unflatten(leaves, spec)`: throws aotkit::value_error with torch's message when
/// `leaves.size() != spec.num_leaves()`.
template <class L>
[[nodiscard]] Tree<L> tree_unflatten(std::vector<L> leaves, const TreeSpec& spec) {
  if (leaves.size() != spec.num_leaves()) throw value_error(unflatten_count_message(leaves.size(), spec));
  return Tree<L>::from(spec, std::move(leaves));
}

/// `tree_map(f, tree)`: the same structure with `f(leaf)` for every leaf; the result's leaf type
/// is what f returns. Under none_is::leaf f also receives `L(nullptr)` for every None.
template <class L, class F>
[[nodiscard]] auto tree_map(F&& f, const Tree<L>& tree, none_is none = none_is::leaf) {
  using R = std::decay_t<std::invoke_result_t<F&, const L&>>;
  std::vector<R> mapped;
  if (none == none_is::node || !tree.structure().has_none_nodes()) {
    // the leaves are read in place: no flattened copy in between
    mapped.reserve(tree.leaves().size());
    for (const L& x : tree.leaves()) mapped.push_back(std::invoke(f, x));
    return Tree<R>::from(tree.structure(), std::move(mapped));
  }
  auto [leaves, spec] = tree_flatten(tree, none);
  mapped.reserve(leaves.size());
  for (const L& x : leaves) mapped.push_back(std::invoke(f, x));
  return Tree<R>::from(std::move(spec), std::move(mapped));
}

/// `tree_map_only(pred, f, tree)`: `f(leaf)` where `pred(leaf)` holds, the leaf unchanged elsewhere
/// (torch's type filter becomes a predicate here); f must return the leaf type.
template <class L, class P, class F>
[[nodiscard]] Tree<L> tree_map_only(P&& pred, F&& f, const Tree<L>& tree, none_is none = none_is::leaf) {
  return tree_map([&](const L& x) -> L { return std::invoke(pred, x) ? L(std::invoke(f, x)) : x; }, tree, none);
}

/// `_broadcast_to_and_flatten(tree, spec)`: the leaves of `tree` broadcast to `spec` — each leaf of
/// `tree` repeated over the spec subtree at its place — or nullopt when the node types, arities
/// or contexts differ (exactly: dict key order included). Where `spec` has a leaf but `tree` a
/// node, torch returns the whole subtree as one element; with typed leaves that is nullopt.
template <class L>
[[nodiscard]] std::optional<std::vector<L>> _broadcast_to_and_flatten(const Tree<L>& tree, const TreeSpec& spec);

/// `tree_all(pred, tree)` / `tree_any(pred, tree)` over the leaves.
template <class L, class P>
[[nodiscard]] bool tree_all(P&& pred, const Tree<L>& tree, none_is none = none_is::leaf) {
  for (const L& x : tree_leaves(tree, none))
    if (!std::invoke(pred, x)) return false;
  return true;
}
template <class L, class P>
[[nodiscard]] bool tree_any(P&& pred, const Tree<L>& tree, none_is none = none_is::leaf) {
  for (const L& x : tree_leaves(tree, none))
    if (std::invoke(pred, x)) return true;
  return false;
}

/// Python's `repr(type)` of a node kind, as torch's mismatch messages print it:
/// "<class 'tuple'>", "<class 'collections.OrderedDict'>", "<class '__main__.Point'>".
[[nodiscard]] std::string type_repr_of(const TreeSpec& spec, std::size_t node);

/// The pre-order node indices of `tree`'s structure that sit at the leaves of `spec`, checking that
/// `spec` is a prefix of `tree` (torch's `flatten_up_to`): kinds must match (dict, OrderedDict and
/// defaultdict are interchangeable and matched by key set), arities and namedtuple classes too.
/// Children of dict-like nodes are returned in `spec`'s key order. Throws aotkit::value_error with
/// torch's messages ("Node type mismatch; expected <class 'list'>, but got <class 'tuple'>.",
/// "Node arity mismatch; expected 2, but got 3.", "Node keys mismatch; missing key(s): {'a'};
/// extra key(s): {'b'}.", "Node context mismatch for node type <class '...'>; ...").
[[nodiscard]] std::vector<std::size_t> flatten_up_to_nodes(const TreeSpec& spec, const TreeSpec& tree);

/// `spec.flatten_up_to(tree)`: the subtrees of `tree` at the leaves of `spec`, in leaf order.
template <class L>
[[nodiscard]] std::vector<Tree<L>> flatten_up_to(const TreeSpec& spec, const Tree<L>& tree);

/// `tree_map(f, tree, *rests)`: `f(leaf, rest_subtree...)` for each leaf of `tree`, where each rest
/// is flattened up to `tree`'s structure (its subtrees at those leaves are passed whole, as Trees).
/// None is a leaf.
template <class L, class F, class R1, class... Rs>
[[nodiscard]] auto tree_map(F&& f, const Tree<L>& tree, const Tree<R1>& rest, const Tree<Rs>&... rests) {
  auto [leaves, spec] = tree_flatten(tree);
  auto up1 = flatten_up_to(spec, rest);
  std::tuple<std::vector<Tree<Rs>>...> ups{flatten_up_to(spec, rests)...};
  using R = std::decay_t<std::invoke_result_t<F&, const L&, const Tree<R1>&, const Tree<Rs>&...>>;
  std::vector<R> mapped;
  mapped.reserve(leaves.size());
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    mapped.push_back(std::apply([&](auto&... vs) { return std::invoke(f, leaves[i], up1[i], vs[i]...); }, ups));
  }
  return Tree<R>::from(std::move(spec), std::move(mapped));
}

/// PyTorch's PytreeThunk (docs/semantics.md §A.9): remembers the output structure of a flattened
/// function; `unflatten` rebuilds outputs, with the fast paths torch has: a leaf spec returns the
/// single value, a tuple or list of leaves returns the flat values as a *list* (torch's quirk,
/// kept: a tuple of leaves comes back as a list).
class PytreeThunk {
 public:
  /// `set(spec)`: the first spec is kept; a different one throws aotkit::assertion_error
  /// ("spec mismatch: existing=<repr>, new=<repr>"). Flags are only ever set, never reset.
  void set(const TreeSpec& spec);
  [[nodiscard]] inline const std::optional<TreeSpec>& spec() const noexcept { return spec_; }
  [[nodiscard]] inline bool is_simple() const noexcept { return is_simple_; }
  [[nodiscard]] inline bool is_really_simple() const noexcept { return is_really_simple_; }
  /// `unflatten(x)`; throws aotkit::assertion_error "spec must be set before calling unflatten".
  template <class L>
  [[nodiscard]] inline Tree<L> unflatten(std::vector<L> x) const {
    if (is_really_simple_) {
      if (x.empty()) throw index_error("list index out of range");
      return Tree<L>(std::move(x.front()));
    }
    if (is_simple_) {
      std::vector<Tree<L>> items;
      items.reserve(x.size());
      for (auto& v : x) items.emplace_back(std::move(v));
      return Tree<L>::list(std::move(items));
    }
    if (!spec_) throw assertion_error("spec must be set before calling unflatten");
    return tree_unflatten(std::move(x), *spec_);
  }

 private:
  std::optional<TreeSpec> spec_;
  bool is_simple_ = false;
  bool is_really_simple_ = false;
};

/// A function over flat arguments, as `create_tree_flattened_fn` returns it.
using flat_fn = std::function<runtime::value_list(const runtime::value_list&)>;

/// `create_tree_flattened_fn(fn, args, kwargs)` (§A.10): `flat_fn(flat_args)` unflattens the flat
/// arguments by the structure of `(args, kwargs)` (torch's ValueError when their number is
/// wrong), calls `fn(args, kwargs)`, flattens its result (None as a leaf), checks every output leaf
/// is one of torch's KNOWN_TYPES (Tensor, int, str, float, bool, None, SymInt/SymFloat/SymBool; an
/// opaque object is not: aotkit::runtime_error, torch's "Found <class '...'> in output, which is
/// not a known type. ..."), records the output structure in the returned PytreeThunk (a later call
/// with another structure throws assertion_error) and returns the flat outputs.
[[nodiscard]] std::pair<flat_fn, std::shared_ptr<PytreeThunk>> create_tree_flattened_fn(
    std::function<Tree<runtime::Value>(const Tree<runtime::Value>& args, const Tree<runtime::Value>& kwargs)> fn,
    const Tree<runtime::Value>& args, const Tree<runtime::Value>& kwargs = Tree<runtime::Value>::dict({}, {}));

/// The same for a function object: `fn` is called as `fn(*args, **kwargs)` with the unflattened
/// arguments (its positional arguments are `args`' children; keyword arguments are not part of
/// runtime::Callable's convention, so `kwargs` must be an empty dict: value_error otherwise), and
/// the returned flat function is a runtime::Callable taking the flat arguments unpacked. As in
/// torch, fn's `_orig_mod` (from its `__dict__`) is set on the flat function, so whatever looks for
/// the non-strict export root through it (`root_module_when_exporting_non_strict`) finds it there.
[[nodiscard]] std::pair<runtime::Callable, std::shared_ptr<PytreeThunk>> create_tree_flattened_fn(
    const runtime::Callable& fn, const Tree<runtime::Value>& args,
    const Tree<runtime::Value>& kwargs = Tree<runtime::Value>::dict({}, {}));

/// The KNOWN_TYPES check of `flat_fn` on one output leaf: aotkit::runtime_error with torch's text
/// for a value that is none of them.
void check_known_output_type(const runtime::Value& leaf);

/// Key-path entries (torch's KeyEntry): `SequenceKey(idx)` prints `[0]`, `MappingKey(key)` prints
/// `['a']` or `[1]`, `GetAttrKey(name)` prints `.x`.
struct SequenceKey {
  std::size_t idx;
  friend bool operator==(const SequenceKey&, const SequenceKey&) = default;
};
struct MappingKey {
  key k;
  friend bool operator==(const MappingKey&, const MappingKey&) = default;
};
struct GetAttrKey {
  std::string name;
  friend bool operator==(const GetAttrKey&, const GetAttrKey&) = default;
};
using KeyEntry = std::variant<SequenceKey, MappingKey, GetAttrKey>;
using KeyPath = std::vector<KeyEntry>;

/// `keystr(path)`: e.g. `[1]['b'][0]`.
[[nodiscard]] std::string keystr(const KeyPath& path);

/// The key paths of every leaf of `spec`, in leaf order (`tree_flatten_with_path` without the
/// leaves). Sequences give SequenceKey, dicts MappingKey, namedtuples GetAttrKey.
[[nodiscard]] std::vector<KeyPath> leaf_paths(const TreeSpec& spec);

/// `tree_flatten_with_path(tree)`: (key path, leaf) pairs and the structure.
template <class L>
[[nodiscard]] std::pair<std::vector<std::pair<KeyPath, L>>, TreeSpec> tree_flatten_with_path(const Tree<L>& tree,
                                                                                              none_is none = none_is::leaf) {
  auto [leaves, spec] = tree_flatten(tree, none);
  auto paths = leaf_paths(spec);
  std::vector<std::pair<KeyPath, L>> out;
  out.reserve(leaves.size());
  for (std::size_t i = 0; i < leaves.size(); ++i) out.emplace_back(std::move(paths[i]), std::move(leaves[i]));
  return {std::move(out), std::move(spec)};
}

/// `tree_leaves_with_path(tree)`: the (key path, leaf) pairs.
template <class L>
[[nodiscard]] std::vector<std::pair<KeyPath, L>> tree_leaves_with_path(const Tree<L>& tree, none_is none = none_is::leaf) {
  return tree_flatten_with_path(tree, none).first;
}

/// `tree_map_with_path(f, tree)`: `f(key_path, leaf)` for every leaf, same structure.
template <class L, class F>
[[nodiscard]] auto tree_map_with_path(F&& f, const Tree<L>& tree, none_is none = none_is::leaf) {
  using R = std::decay_t<std::invoke_result_t<F&, const KeyPath&, const L&>>;
  auto [leaves, spec] = tree_flatten(tree, none);
  auto paths = leaf_paths(spec);
  std::vector<R> mapped;
  mapped.reserve(leaves.size());
  for (std::size_t i = 0; i < leaves.size(); ++i) mapped.push_back(std::invoke(f, paths[i], leaves[i]));
  return Tree<R>::from(std::move(spec), std::move(mapped));
}

/// The pre-order node index that `path` names in `spec`; throws key_error / index_error naming
/// the first entry that does not apply.
[[nodiscard]] std::size_t node_at(const TreeSpec& spec, const KeyPath& path);

/// `key_get(tree, path)`: the subtree (a leaf tree for a leaf) that `path` names.
template <class L>
[[nodiscard]] Tree<L> key_get(const Tree<L>& tree, const KeyPath& path);

//===--- implementation ---===//

namespace detail {
// The subtree of `tree` rooted at pre-order node `index`, with its leaves.
template <class L>
Tree<L> subtree_at(const Tree<L>& tree, std::size_t index) {
  TreeSpec sub = subtree(tree.structure(), index);
  std::size_t first = leaves_before(tree.structure(), index);
  std::vector<L> leaves(tree.leaves().begin() + static_cast<std::ptrdiff_t>(first),
                        tree.leaves().begin() + static_cast<std::ptrdiff_t>(first + sub.num_leaves()));
  return Tree<L>::from(std::move(sub), std::move(leaves));
}
// `spec` with every None node turned into a leaf, and the pre-order positions (in leaf order) of
// the new leaves.
TreeSpec none_as_leaves(const TreeSpec& spec, std::vector<std::size_t>& none_leaf_positions);
}  // namespace detail

template <class L>
Tree<L> Tree<L>::from(TreeSpec structure, std::vector<L> leaves) {
  if (leaves.size() != structure.num_leaves()) throw value_error(unflatten_count_message(leaves.size(), structure));
  Tree t;
  t.structure_ = std::move(structure);
  t.leaves_ = std::move(leaves);
  return t;
}

template <class L>
Tree<L> Tree<L>::compose(node_kind kind, node_context context, std::vector<Tree> children) {
  spec_builder b;
  b.open(kind, children.size(), std::move(context));
  std::vector<L> leaves;
  for (auto& c : children) {
    b.append(c.structure_);
    for (auto& x : c.leaves_) leaves.push_back(std::move(x));
  }
  return from(std::move(b).finish(), std::move(leaves));
}

template <class L>
const L& Tree<L>::value() const {
  if (!is_leaf()) throw type_error("value() of a " + std::string(kind_name(kind())) + " node; only leaves have one");
  return leaves_.front();
}

template <class L>
Tree<L> Tree<L>::child(std::size_t i) const {
  if (i >= num_children())
    throw index_error("child index " + std::to_string(i) + " out of range for a node with " +
                      std::to_string(num_children()) + " children");
  std::size_t at = 1;
  for (std::size_t k = 0; k < i; ++k) at += structure_.nodes()[at].num_nodes;
  return detail::subtree_at(*this, at);
}

template <class L>
std::pair<std::vector<L>, TreeSpec> tree_flatten(const Tree<L>& tree, none_is none) {
  if (none == none_is::node || !tree.structure().has_none_nodes()) {
    return {std::vector<L>(tree.leaves().begin(), tree.leaves().end()), tree.structure()};
  }
  if constexpr (std::is_constructible_v<L, std::nullptr_t>) {
    std::vector<std::size_t> none_at;
    TreeSpec spec = detail::none_as_leaves(tree.structure(), none_at);
    std::vector<L> leaves;
    leaves.reserve(spec.num_leaves());
    auto src = tree.leaves().begin();
    std::size_t next_none = 0;
    for (std::size_t i = 0; i < spec.num_leaves(); ++i) {
      if (next_none < none_at.size() && none_at[next_none] == i) {
        leaves.emplace_back(nullptr);
        ++next_none;
      } else {
        leaves.push_back(*src++);
      }
    }
    return {std::move(leaves), std::move(spec)};
  } else {
    throw type_error("flattening None as a leaf needs a leaf type constructible from nullptr");
  }
}

template <class L>
std::pair<std::vector<L>, TreeSpec> tree_flatten(Tree<L>&& tree, none_is none) {
  if (none == none_is::node || !tree.structure().has_none_nodes()) {
    TreeSpec structure = tree.structure();
    return {std::move(tree).take_leaves(), std::move(structure)};
  }
  return tree_flatten(static_cast<const Tree<L>&>(tree), none);
}

template <class L>
std::optional<std::vector<L>> _broadcast_to_and_flatten(const Tree<L>& tree, const TreeSpec& spec) {
  const auto& sn = spec.nodes();
  const auto& tn = tree.structure().nodes();
  std::vector<L> out;
  out.reserve(spec.num_leaves());
  std::vector<std::pair<std::size_t, std::size_t>> work{{0, 0}};  // (spec node, tree node)
  while (!work.empty()) {
    auto [s, t] = work.back();
    work.pop_back();
    if (tn[t].kind == node_kind::leaf) {
      const L& leaf = tree.leaves()[detail::leaves_before(tree.structure(), t)];
      out.insert(out.end(), sn[s].num_leaves, leaf);
      continue;
    }
    if (sn[s].kind != tn[t].kind || sn[s].arity != tn[t].arity || !(spec.context_of(s) == tree.structure().context_of(t)))
      return std::nullopt;
    std::vector<std::pair<std::size_t, std::size_t>> kids;
    for (std::size_t a = s + 1, b = t + 1, j = 0; j < sn[s].arity; ++j, a += sn[a].num_nodes, b += tn[b].num_nodes)
      kids.emplace_back(a, b);
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) work.push_back(*it);
  }
  return out;
}

template <class L>
const L& node_view<L>::value() const {
  if (kind() != node_kind::leaf) throw type_error("value() of a " + std::string(kind_name(kind())) + " node");
  return tree_->leaves()[detail::leaves_before(tree_->structure(), index_)];
}

template <class L>
Tree<L> node_view<L>::subtree() const {
  return detail::subtree_at(*tree_, index_);
}

template <class L, class P>
  requires std::predicate<P&, const node_view<L>&>
std::pair<std::vector<Tree<L>>, TreeSpec> tree_flatten(const Tree<L>& tree, P&& is_leaf, none_is none) {
  const auto& nodes = tree.structure().nodes();
  spec_builder b;
  std::vector<Tree<L>> leaves;
  std::size_t first_leaf = 0;  // leaves of `tree` before node i
  for (std::size_t i = 0; i < nodes.size();) {
    node_view<L> view(tree, i);
    const spec_node& n = nodes[i];
    bool whole = std::invoke(is_leaf, view) || n.kind == node_kind::leaf || (n.kind == node_kind::none && none == none_is::leaf);
    if (whole) {
      b.leaf();
      if (n.kind == node_kind::leaf) {
        leaves.emplace_back(tree.leaves()[first_leaf]);
      } else {
        auto begin = tree.leaves().begin() + static_cast<std::ptrdiff_t>(first_leaf);
        leaves.push_back(Tree<L>::from(detail::subtree(tree.structure(), i), std::vector<L>(begin, begin + n.num_leaves)));
      }
      first_leaf += n.num_leaves;
      i += n.num_nodes;  // skip the subtree
    } else {
      b.open(n.kind, n.arity, tree.structure().context_of(i));
      ++i;
    }
  }
  return {std::move(leaves), std::move(b).finish()};
}

template <class L>
std::vector<Tree<L>> flatten_up_to(const TreeSpec& spec, const Tree<L>& tree) {
  std::vector<Tree<L>> out;
  for (std::size_t index : flatten_up_to_nodes(spec, tree.structure())) out.push_back(detail::subtree_at(tree, index));
  return out;
}

template <class L>
Tree<L> key_get(const Tree<L>& tree, const KeyPath& path) {
  return detail::subtree_at(tree, node_at(tree.structure(), path));
}

}  // namespace aotkit::pytree
