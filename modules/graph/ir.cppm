// modules/graph/ir.cppm — the FX-style IR (partition :ir): nodes in an arena with stable handles,
// MLIR-style use lists, FX's naming and insertion points.
module;
#include <algorithm>
#include <cstddef>
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <ranges>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "../runtime/flat_table.hpp"  // installed next to the interface units
export module aotkit.graph:ir;

import aotkit.runtime;
import aotkit.pytree;
import :arg;
import :ops;
import :memory;
import :text;

export namespace aotkit::graph {

/// FX's opcodes.
enum class node_op : std::uint8_t { placeholder, get_attr, call_function, call_method, call_module, output };
/// Every opcode, in declaration order.
inline constexpr std::array<node_op, 6> all_node_ops{node_op::placeholder, node_op::get_attr,    node_op::call_function,
                                                     node_op::call_method, node_op::call_module, node_op::output};

/// "placeholder", "call_function", ...
[[nodiscard]] std::string_view to_string(node_op op) noexcept;
/// The opcode named `name`, if it is one.
[[nodiscard]] std::optional<node_op> parse_node_op(std::string_view name) noexcept;

/// A node's meta: typed slots for the keys the AOT passes read, and an open map for the rest.
/// JSON-like values are args (immutable, so a copy is a deep copy).
struct node_meta {
  std::optional<std::int64_t> seq_nr;
  std::optional<std::string> partitioner_tag;   ///< "is_forward" / "is_backward"
  std::optional<arg> nn_module_stack;           ///< [[key, [path, type]], ...]
  std::optional<arg> source_fn_stack;
  std::optional<std::string> stack_trace;
  std::optional<arg> custom;                    ///< any JSON-like value
  std::optional<arg> tensor_meta;               ///< {shape, dtype, stride, requires_grad} or a list of them
  std::optional<arg> val;
  std::optional<bool> is_gradient_acc;
  std::optional<arg> fwd_nn_module_stack;       ///< written by copy_fwd_metadata_to_bw_nodes
  std::optional<arg> fwd_source_fn_stack;       ///< written by copy_fwd_metadata_to_bw_nodes
  std::vector<std::pair<std::string, arg>> other;  ///< every other key, in insertion order

  /// Number of keys present.
  [[nodiscard]] std::size_t size() const noexcept;
  [[nodiscard]] inline bool empty() const noexcept {  // inline: writers ask it of every node
    return !seq_nr && !partitioner_tag && !nn_module_stack && !source_fn_stack && !stack_trace && !custom &&
           !tensor_meta && !val && !is_gradient_acc && !fwd_nn_module_stack && !fwd_source_fn_stack && other.empty();
  }
  /// The keys present: the typed ones in the order above, then `other`'s.
  [[nodiscard]] std::vector<std::string> keys() const;
  /// The value under `key` as an arg (typed slots converted), or nullopt.
  [[nodiscard]] std::optional<arg> get(std::string_view key) const;
  /// Sets `key` (a typed slot when it is one; throws aotkit::type_error when the value does not fit it).
  void set(std::string_view key, arg value);
  /// Removes `key`; returns whether it was present.
  bool erase(std::string_view key);
  friend bool operator==(const node_meta&, const node_meta&) = default;
};

/// A call_function target is an operator; every other op's target is a string.
using node_target = std::variant<op_handle, std::string>;
}  // namespace aotkit::graph

namespace aotkit::graph {
// What a node without its extra part answers (defined in ir.cpp; not exported).
extern const std::string empty_node_text;
extern const node_meta empty_node_meta;
}  // namespace aotkit::graph

export namespace aotkit::graph {

/// A keyword argument.
using kwarg = std::pair<std::string, arg>;

class Graph;

/// A node's positional arguments: up to two inline (most nodes), more in one heap block.
class arg_store {
 public:
  inline arg_store() noexcept {}
  inline arg_store(const arg_store& o) : arg_store() { assign(o.span()); }
  inline arg_store(arg_store&& o) noexcept : arg_store() { take(o); }
  inline arg_store& operator=(const arg_store& o) {
    if (this != &o) assign(o.span());
    return *this;
  }
  inline arg_store& operator=(arg_store&& o) noexcept {
    if (this != &o) {
      clear();
      take(o);
    }
    return *this;
  }
  inline ~arg_store() { clear(); }
  /// Copies `items`.
  void assign(std::span<const arg> items);
  /// Moves the items of `items` in.
  void assign(std::vector<arg>&& items);
  [[nodiscard]] inline std::size_t size() const noexcept { return size_; }
  [[nodiscard]] inline arg* data() noexcept { return size_ <= inline_size ? inline_ : heap_; }
  [[nodiscard]] inline const arg* data() const noexcept { return size_ <= inline_size ? inline_ : heap_; }
  [[nodiscard]] inline std::span<arg> span() noexcept { return {data(), size_}; }
  [[nodiscard]] inline std::span<const arg> span() const noexcept { return {data(), size_}; }
  [[nodiscard]] inline arg* begin() noexcept { return data(); }
  [[nodiscard]] inline arg* end() noexcept { return data() + size_; }
  [[nodiscard]] inline const arg* begin() const noexcept { return data(); }
  [[nodiscard]] inline const arg* end() const noexcept { return data() + size_; }
  [[nodiscard]] inline arg& operator[](std::size_t i) noexcept { return data()[i]; }

 private:
  static constexpr std::size_t inline_size = 2;
  void clear() noexcept;
  template <class It>
  void assign_range(It first, std::size_t n);
  void take(arg_store& o) noexcept;  // moves o's items into this empty store; o ends empty
  arg* allocate(std::size_t n);      // room for n items (constructed None), size_ = n
  std::size_t size_ = 0;
  union {
    arg inline_[inline_size];
    arg* heap_;
  };
};

/// One node. Read it through `Graph::node(id)`; change it through the Graph, which keeps the
/// use lists and indexes right. Compact: what most call_function nodes lack (kwargs, meta, a type
/// annotation, a string target) lives behind one pointer that is null until needed.
class node_edit;

class Node {
 public:
  Node() = default;
  Node(const Node& o);
  Node& operator=(const Node& o);
  Node(Node&&) noexcept = default;
  Node& operator=(Node&&) noexcept = default;
  ~Node() = default;

  [[nodiscard]] inline const std::string& name() const noexcept { return own_.name_; }
  [[nodiscard]] inline node_op op() const noexcept { return op_; }
  /// The operator of a call_function node (invalid handle otherwise).
  [[nodiscard]] inline op_handle target_op() const noexcept { return target_op_; }
  /// The target as text: the operator's name for call_function ("aten.add.Tensor").
  [[nodiscard]] const std::string& target() const;
  [[nodiscard]] inline std::span<const arg> args() const noexcept { return own_.args_.span(); }
  // inline (a function defined in a module's class body is not implicitly): printers and
  // writers ask these of every node
  [[nodiscard]] inline std::span<const kwarg> kwargs() const noexcept {
    return own_.extra_ ? std::span<const kwarg>(own_.extra_->kwargs) : std::span<const kwarg>();
  }
  [[nodiscard]] inline const node_meta& meta() const noexcept { return own_.extra_ ? own_.extra_->meta : empty_node_meta; }
  /// The type annotation as FX prints it ("torch.Tensor"); empty for none.
  [[nodiscard]] inline const std::string& type() const noexcept { return own_.extra_ ? own_.extra_->type : empty_node_text; }
  [[nodiscard]] inline std::size_t num_users() const noexcept { return num_users_; }
  [[nodiscard]] inline bool erased() const noexcept { return erased_; }
  [[nodiscard]] inline node_id prev() const noexcept { return prev_; }
  [[nodiscard]] inline node_id next() const noexcept { return next_; }

 private:
  friend class Graph;
  friend class node_edit;
  struct extra {
    std::string target_text;  // non-call_function targets
    std::string type;
    std::vector<kwarg> kwargs;
    node_meta meta;
  };
  // The parts that may hold memory of their own. Only a node_edit writes them (Graph, a friend
  // of Node but not of these, reads them through the const accessors), and the edit lists the
  // node with its arena when done: a node holding memory is always destroyed, by construction.
  class owned {
    friend class Node;
    friend class node_edit;
    std::string name_;
    arg_store args_;
    std::unique_ptr<extra> extra_;

   public:
    owned() = default;
    owned(const owned& o);
    owned& operator=(const owned&) = delete;
    owned(owned&&) noexcept = default;
    owned& operator=(owned&&) noexcept = default;
  };
  [[nodiscard]] inline const extra* extra_block() const noexcept { return own_.extra_.get(); }
  // Whether destroying the node would free anything: an extra block, arguments on the heap (more
  // than two, or a boxed one), a name past the small-string buffer.
  [[nodiscard]] inline bool holds_memory() const noexcept {
    if (own_.extra_ || own_.args_.size() > 2 || own_.name_.capacity() > std::string().capacity()) return true;
    return std::ranges::any_of(own_.args_.span(), [](const arg& a) { return a.boxed(); });
  }
  owned own_;
  std::uint64_t order_ = 0;            // increases along the list (FX's _sort_key)
  op_handle target_op_;
  std::uint32_t name_hash_ = 0;  // the name index's key for the name (in what would be padding)
  node_id prev_ = no_node, next_ = no_node;
  std::uint32_t first_use_ = 0xFFFFFFFFu, last_use_ = 0xFFFFFFFFu, num_users_ = 0;
  std::uint32_t inputs_ = 0xFFFFFFFFu, num_inputs_ = 0;  // a block of use records: the distinct inputs
  node_op op_ = node_op::placeholder;
  bool erased_ = false;
  bool owner_ = false;  // holds memory of its own (its arena lists it to destroy it)
};

/// FX's `_PyTreeInfo` (the pytree code generator a graph has after AOT Autograd's joint tracing or
/// torch.export): `forward` takes `orig_args`, flattens them by `in_spec` with
/// `fx_pytree.tree_flatten_spec`, and (when `out_spec` is set) returns
/// `pytree.tree_unflatten([...], self._out_spec)`.
struct pytree_info {
  std::vector<std::string> orig_args;
  pytree::TreeSpec in_spec;
  std::optional<pytree::TreeSpec> out_spec;
  friend bool operator==(const pytree_info&, const pytree_info&) = default;
};

/// An FX graph. Value type: copying a Graph copies every node with the same ids (graph_copy for
/// free). Handles (node_id) stay valid until the graph dies; erased nodes keep their slot and name.
class Graph {
 public:
  Graph() = default;

  //===--- creation ---===//
  /// `create_node(op, target, args, kwargs, name, type_expr)`: the name is `name` or derived from
  /// the target (FX's `_target_to_str` + snake case), made unique by FX's namespace rules. The
  /// node goes to the current insertion point. Throws aotkit::value_error for a target of the
  /// wrong kind (torch's text) or an argument that references a node not live in this graph.
  node_id create_node(node_op op, node_target target, std::vector<arg> args = {}, std::vector<kwarg> kwargs = {},
                      std::optional<std::string> name = std::nullopt, std::string type = {});
  /// `create_node` from views: the arguments copied out of spans, the name a view, nothing built
  /// on the way (a reader makes node after node this way with buffers it reuses).
  node_id emplace_node(node_op op, node_target target, std::span<const arg> args, std::span<const kwarg> kwargs = {},
                       std::optional<std::string_view> name = std::nullopt, std::string type = {});
  node_id placeholder(std::string name, std::string type = {}, std::optional<arg> default_value = std::nullopt);
  node_id get_attr(std::string qualified_name, std::string type = {});
  node_id call_function(op_handle op, std::vector<arg> args = {}, std::vector<kwarg> kwargs = {},
                        std::optional<std::string> name = std::nullopt, std::string type = {});
  /// The same from a braced list, `call_function(add, {arg::node(a), arg::node(b)})`, without a
  /// vector in between (two arguments or fewer are stored in the node itself).
  node_id call_function(op_handle op, std::initializer_list<arg> args, std::vector<kwarg> kwargs = {},
                        std::optional<std::string> name = std::nullopt, std::string type = {});
  /// The same, by operator name ("aten.add.Tensor", "operator.add"); unknown names are interned.
  node_id call_function(std::string_view op, std::vector<arg> args = {}, std::vector<kwarg> kwargs = {},
                        std::optional<std::string> name = std::nullopt, std::string type = {});
  node_id call_method(std::string method, std::vector<arg> args = {}, std::vector<kwarg> kwargs = {});
  node_id call_module(std::string qualified_name, std::vector<arg> args = {}, std::vector<kwarg> kwargs = {});
  /// `output(result)`: op output, target "output", args (result,).
  node_id output(arg result, std::string type = {});

  //===--- code generation ---===//
  /// `graph._codegen`'s pytree info: none for FX's plain code generator.
  [[nodiscard]] inline const std::optional<pytree_info>& codegen() const noexcept { return codegen_; }
  /// `graph.set_codegen(_PyTreeCodeGen(info))`, or back to the plain generator with nullopt.
  inline void set_codegen(std::optional<pytree_info> info) { codegen_ = std::move(info); }

  //===--- reading ---===//
  /// The node; throws aotkit::index_error for an id this graph never made.
  [[nodiscard]] inline const Node& node(node_id id) const {
    if (id >= nodes_.size()) [[unlikely]]
      throw_bad_id(id);
    return nodes_[id];
  }
  /// Live nodes.
  [[nodiscard]] inline std::size_t size() const noexcept { return size_; }
  /// Every slot ever made (live and erased); ids are < this.
  [[nodiscard]] inline std::size_t capacity() const noexcept { return nodes_.size(); }
  [[nodiscard]] inline node_id first() const noexcept { return first_; }
  [[nodiscard]] inline node_id last() const noexcept { return last_; }
  /// The live nodes in order (a snapshot).
  [[nodiscard]] std::vector<node_id> nodes() const;
  /// `node.users`: the distinct consumers, in the order they started using the node.
  [[nodiscard]] std::vector<node_id> users(node_id id) const;
  /// `node.all_input_nodes`: distinct node inputs, args then kwargs, first occurrence order.
  [[nodiscard]] std::vector<node_id> input_nodes(node_id id) const;

  /// Lazy views of the same lists, read as the loop goes (MLIR's `getUsers()` ranges): no vector.
  /// Each reads the next element before the loop body runs (an early-increment range), so the
  /// body may erase the node it is on; any other change to the list being walked (inserting
  /// after the current node, replacing uses of the node whose users are walked) is not seen or
  /// invalidates the walk — take the snapshot (nodes(), users()) for those.
  template <bool Users>
  class id_iterator {
   public:
    using iterator_concept = std::forward_iterator_tag;
    using value_type = node_id;
    using difference_type = std::ptrdiff_t;
    id_iterator() = default;
    inline id_iterator(const Graph* g, std::uint32_t at) noexcept : g_(g), at_(at), next_(step(g, at)) {}
    [[nodiscard]] inline node_id operator*() const noexcept { return Users ? g_->uses_[at_].consumer : at_; }
    inline id_iterator& operator++() noexcept {
      at_ = next_;
      next_ = step(g_, at_);
      return *this;
    }
    inline id_iterator operator++(int) noexcept {
      id_iterator before = *this;
      ++*this;
      return before;
    }
    friend inline bool operator==(const id_iterator& a, const id_iterator& b) noexcept { return a.at_ == b.at_; }

   private:
    // node ids end at no_node, use records at no_use: both all ones
    static inline std::uint32_t step(const Graph* g, std::uint32_t at) noexcept {
      if (at == 0xFFFFFFFFu) return at;
      return Users ? g->uses_[at].next : g->nodes_[at].next_;
    }
    const Graph* g_ = nullptr;
    std::uint32_t at_ = 0xFFFFFFFFu, next_ = 0xFFFFFFFFu;
  };
  template <bool Users>
  class id_range : public std::ranges::view_interface<id_range<Users>> {
   public:
    id_range() = default;
    inline id_range(const Graph* g, std::uint32_t first) noexcept : g_(g), first_(first) {}
    [[nodiscard]] inline id_iterator<Users> begin() const noexcept { return {g_, first_}; }
    [[nodiscard]] inline id_iterator<Users> end() const noexcept { return {g_, 0xFFFFFFFFu}; }

   private:
    const Graph* g_ = nullptr;
    std::uint32_t first_ = 0xFFFFFFFFu;
  };
  /// The live nodes in order, lazily (`for (node_id n : g.node_range())`).
  [[nodiscard]] inline id_range<false> node_range() const noexcept { return {this, first_}; }
  /// `node.users`, lazily: the distinct consumers in the order they started using the node.
  [[nodiscard]] inline id_range<true> user_range(node_id id) const { return {this, node(id).first_use_}; }
  /// `node.all_input_nodes`, lazily (a view of the node's block of use records).
  [[nodiscard]] inline auto input_range(node_id id) const {
    const Node& n = node(id);
    return std::span<const use>(n.num_inputs_ == 0 ? nullptr : &uses_[n.inputs_], n.num_inputs_) |
           std::views::transform([](const use& u) { return u.producer; });
  }
  /// The live node named `name`.
  [[nodiscard]] std::optional<node_id> find_node(std::string_view name) const;
  /// `output_node()`: the last node, which must be an output (aotkit::assertion_error otherwise).
  [[nodiscard]] node_id output_node() const;
  /// `find_nodes(op=..., target=...)`: nodes with that op (and call_function target), in graph
  /// order when `sort`. O(matches) via an index kept up to date.
  [[nodiscard]] std::vector<node_id> find_nodes(node_op op, std::optional<op_handle> target = std::nullopt,
                                                bool sort = true) const;
  /// How many live nodes have opcode `op`: O(distinct call_function targets), from find_nodes' index.
  [[nodiscard]] std::size_t count_nodes(node_op op) const noexcept;
  /// The arena's own invariants for node `id`: its (op, target) has a find_nodes list, each of its
  /// users lists it among their inputs, and each input's use record names it. What `lint` checks
  /// beyond FX.
  [[nodiscard]] bool links_consistent(node_id id) const noexcept;
  /// The live nodes that `find_node(name)` does not answer with, in order: FX's "redefined name"
  /// check. The name index notes them as it places names (a probe passing a slot that holds the
  /// same name), so after the index is current this costs nothing per node.
  [[nodiscard]] std::vector<node_id> misnamed_nodes() const;
  /// True when `a` comes before `b` (both live). O(1).
  [[nodiscard]] bool before(node_id a, node_id b) const;

  //===--- mutation ---===//
  /// `node.args = ...`: recomputes the inputs and the users of old and new inputs.
  void set_args(node_id id, std::vector<arg> args);
  void set_kwargs(node_id id, std::vector<kwarg> kwargs);
  /// `update_arg(i, value)`.
  void update_arg(node_id id, std::size_t index, arg value);
  [[nodiscard]] node_meta& meta(node_id id);
  void set_type(node_id id, std::string type);
  /// `replace_all_uses_with(new, delete_user_cb, propagate_meta)`: returns the users changed.
  std::vector<node_id> replace_all_uses_with(node_id id, node_id replacement,
                                             const std::function<bool(node_id)>& delete_user_cb = {},
                                             bool propagate_meta = false);
  /// `user.replace_input_with(old, new)`.
  void replace_input_with(node_id user, node_id old_input, node_id new_input);
  /// `erase_node(n)`: throws aotkit::runtime_error with FX's text while it has users; erasing an
  /// erased node warns and returns.
  void erase_node(node_id id);
  /// `n.prepend(x)` / `n.append(x)`: moves x right before / after n.
  void move_before(node_id n, node_id x);
  void move_after(node_id n, node_id x);

  /// Where new nodes go: before `anchor` (inserting_before), or after it (inserting_after).
  struct insert_point {
    node_id anchor = no_node;  ///< no_node: the sentinel (end of graph for before, start for after)
    bool after = false;
  };
  [[nodiscard]] inline insert_point insertion_point() const noexcept { return insert_; }
  void set_insertion_point(insert_point p);

  /// RAII `with graph.inserting_before(n):` — restores the previous insertion point.
  class insert_guard {
   public:
    inline insert_guard(Graph& g, insert_point p) : g_(&g), saved_(g.insertion_point()) { g.set_insertion_point(p); }
    insert_guard(const insert_guard&) = delete;
    insert_guard& operator=(const insert_guard&) = delete;
    inline ~insert_guard() { g_->insert_ = saved_; }

   private:
    Graph* g_;
    insert_point saved_;
  };
  /// New nodes go right before `n` (in creation order); no_node: the start of the graph.
  [[nodiscard]] inline insert_guard inserting_before(node_id n = no_node) { return {*this, {n, n == no_node}}; }
  /// New nodes go right after `n` (so several appear in reverse creation order); no_node: the end.
  [[nodiscard]] inline insert_guard inserting_after(node_id n = no_node) { return {*this, {n, n != no_node}}; }

  /// `node_copy(node, arg_transform)`: a copy of `src`'s node in this graph, its node references
  /// mapped by `arg_transform`; meta copied.
  node_id node_copy(const Graph& src, node_id n, const std::function<arg(node_id)>& arg_transform);
  /// `graph_copy(g, val_map)`: copies every node of `src` but its output, mapping references
  /// through `val_map` (filled as it goes); returns the mapped output value (None if no output).
  arg graph_copy(const Graph& src, std::unordered_map<node_id, node_id>& val_map);

  /// The name FX's namespace would give `candidate` now (without taking it).
  [[nodiscard]] std::string peek_name(std::string_view candidate) const;
  /// `node.name = name`, as torch.export's deserializer does to a placeholder whose name FX's
  /// namespace changed (an input called `input` or `list`, Python builtins, comes back as
  /// `input_1`): the node takes `name` as it is; the name it had stays taken, as in FX's
  /// `_graph_namespace`. str(graph) prints the forced name; generated code calls the node by the
  /// name FX's code generator gives it (`input_1 = input`). aotkit::value_error when `name` is not
  /// an identifier, is a Python keyword, or was given to another node (erased ones included).
  void force_name(node_id id, std::string_view name);
  /// Whether a node's name was forced (force_name): the code generator then renames nodes.
  [[nodiscard]] inline bool has_forced_names() const noexcept { return !retired_names_.names.empty(); }

 private:
  friend class insert_guard;
  friend class node_edit;
  struct use {
    node_id producer, consumer;
    std::uint32_t prev, next;  // in the producer's user list; `next` also links free blocks
  };
  [[noreturn]] static void throw_bad_id(node_id id);
  inline Node& at(node_id id) {
    if (id >= nodes_.size()) [[unlikely]]
      throw_bad_id(id);
    return nodes_[id];
  }
  inline const Node& at(node_id id) const { return node(id); }
  Node& live(node_id id, std::string_view what);
  struct name_choice {
    std::uint64_t num = 0;   // the base's counter after taking it
    std::optional<std::uint64_t> suffix;  // the name's N in `base_N`; nullopt: the bare base
    bool dense_to_suffix = false;         // every `base_1` .. `base_<suffix>` is now known taken
  };
  // What the names taken so far with one base (the part before a `_N` suffix) allow: a candidate
  // `base_N` with N above max_num, or the bare base while !bare, is free without a table probe.
  struct base_entry {
    std::uint64_t count = 0;    // torch's _base_count[base]
    std::uint64_t max_num = 0;  // the largest N of a taken `base_N`
    std::uint64_t dense = 0;    // every `base_1` .. `base_dense` is taken: a probe starts above
    bool bare = false;          // `base` itself is taken
    // The last name the counter gave, `base_N` (short bases): the next one is its decimal
    // digits incremented in place, not the base copied and the number formatted again.
    std::uint8_t last_len = 0;  // 0: none
    std::uint64_t last_num = 0;
    char last[39];
  };
  static std::uint64_t hash_text(std::string_view s) noexcept;  // short names: a few multiplies
  static std::uint32_t name_hash(std::string_view s) noexcept;  // its low bits: the name table's key
  struct arg_source {
    std::span<const arg> view;
    std::vector<arg>* owner;  // when set, `view` is its items, moved rather than copied
  };
  node_id make_node(node_op op, node_target& target, const arg_source& args, std::vector<kwarg>& kwargs,
                    const std::string_view* name, std::string& type);  // name: null for none
  void create_name(std::string_view candidate, std::string& out);
  name_choice probe_name(std::string_view base, std::optional<std::uint64_t> own, std::uint64_t num,
                         const base_entry& e, std::string& out) const;
  [[nodiscard]] bool name_free(std::string_view name, std::optional<std::uint64_t> num,
                               const base_entry& e) const noexcept;
  // The base table: every base a name was taken with, by hash_text.
  struct base_slot {
    std::uint64_t hash_ = 0;
    std::string base;
    base_entry entry;
    bool used = false;
    [[nodiscard]] inline bool vacant() const noexcept { return !used; }
    [[nodiscard]] inline std::uint64_t hash() const noexcept { return hash_; }
  };
  std::size_t base_of(std::string_view base);  // its slot in bases_, added when new
  // Recent bases of 1 to 16 bytes and their slots in bases_: a builder names node after node from
  // a few candidates ("add", "mul"), a reader from a few bases under new suffixes; a hit skips
  // hashing the base (and, for a candidate that is a base, splitting it).
  struct candidate_memo {
    std::uint64_t w0 = 0, w1 = 0;  // text_words of the base
    std::size_t size = 0;          // 0: empty
    std::size_t slot = 0;
  };
  [[nodiscard]] const base_entry* find_base(std::string_view base) const noexcept;
  void link(node_id id);
  void unlink(node_id id);
  void relabel();
  void attach_inputs(node_id id);
  void detach_inputs(node_id id);
  void use_unlink(std::uint32_t r) noexcept;  // takes use record r out of its producer's user list
  void use_append(std::uint32_t r) noexcept;  // puts it at the end of its producer's user list
  std::uint32_t alloc_uses(std::uint32_t n);
  void free_uses(std::uint32_t first, std::uint32_t n);
  void index_names() const;  // brings the name index up to the nodes made so far
  [[nodiscard]] node_id name_lookup(std::string_view name) const;
  void gather_inputs(std::span<const arg> args, std::span<const kwarg> kwargs);
  void attach_gathered(node_id id);
  // find_nodes' index: per (op, target), the nodes made with it in creation order. Erasing a
  // node only counts it; the list drops erased nodes when they are half of it (amortized O(1)).
  struct index_slot {
    static constexpr std::uint64_t empty = ~std::uint64_t{0};
    std::uint64_t key = empty;
    std::vector<node_id> ids;
    std::size_t erased = 0;  // erased nodes still in `ids`
    std::uint32_t hash_ = 0;  // fibonacci_hash(key)'s low bits (for growing)
    static constexpr bool compare_hash = false;  // probes compare keys
    [[nodiscard]] inline bool vacant() const noexcept { return key == empty; }
    [[nodiscard]] inline std::uint32_t hash() const noexcept { return hash_; }
  };
  [[nodiscard]] index_slot* index_find(std::uint64_t key) noexcept;
  [[nodiscard]] const index_slot* index_find(std::uint64_t key) const noexcept;
  index_slot& index_emplace(std::uint64_t key);
  void index_add(node_id id);
  void index_remove(node_id id);
  static std::uint64_t index_key(node_op op, op_handle target) noexcept;
  static inline std::array<std::uint32_t, 9> filled_free_blocks() noexcept {
    std::array<std::uint32_t, 9> a;
    a.fill(0xFFFFFFFFu);
    return a;
  }

  // Nodes in chunks of 16, 32, ..., 1024 and then 2 MiB each: stable addresses (node() references
  // stay valid), small graphs (HOP bodies, copies) pay for 16 nodes, and the big chunks are whole
  // huge pages (table memory, :memory). Nodes are constructed as they are made, so untouched
  // capacity is never faulted in.
  class node_arena {
   public:
    static constexpr std::size_t first_chunk = 16;
    static constexpr std::size_t small_chunks = 7, small_total = 2032;  // 16 + 32 + ... + 1024
    static constexpr std::size_t big_bytes = huge_page;
    static constexpr std::size_t big_chunk = big_bytes / sizeof(Node);
    node_arena() = default;
    inline node_arena(const node_arena& o) {
      try {
        owners_ = o.owners_;
        for (std::size_t i = 0; i < o.size_; ++i) emplace_back() = o[i];
      } catch (...) {
        release(true);  // a constructor that throws runs no destructor: free what it made here
        throw;
      }
    }
    node_arena& operator=(const node_arena& o) {
      if (this != &o) {
        node_arena copy(o);
        *this = std::move(copy);
      }
      return *this;
    }
    inline node_arena(node_arena&& o) noexcept
        : chunks_(std::move(o.chunks_)), owners_(std::move(o.owners_)), size_(std::exchange(o.size_, 0)),
          capacity_(std::exchange(o.capacity_, 0)) {}
    inline node_arena& operator=(node_arena&& o) noexcept {
      if (this != &o) {
        release();
        chunks_ = std::move(o.chunks_);
        size_ = std::exchange(o.size_, 0);
        capacity_ = std::exchange(o.capacity_, 0);
        owners_ = std::move(o.owners_);
      }
      return *this;
    }
    inline ~node_arena() { release(); }
    /// Node `id` holds memory of its own. release() runs the destructors of the nodes listed so
    /// (the others would free nothing: a million-node graph is not read once more to find that out).
    inline void note_owner(node_id id) {
      Node& n = (*this)[id];
      if (n.owner_) return;
      owners_.push_back(id);
      n.owner_ = true;
    }
    /// Room to list one more owner: noting it then cannot throw (a node_edit does it as it ends).
    inline void reserve_owner() {
      if (owners_.size() == owners_.capacity()) owners_.reserve(2 * owners_.size() + 16);
    }
    /// A default node in the next slot, not yet counted: size() and ids below it do not include
    /// it until commit() (a node being made is invisible to lookups); abandon() unmakes it.
    inline Node& make() {
      if (size_ == capacity_) add_chunk();
      return *::new (static_cast<void*>(&(*this)[size_])) Node();
    }
    inline void commit() noexcept { ++size_; }
    inline void abandon() noexcept {
      Node& n = (*this)[size_];
      if (n.owner_) owners_.pop_back();  // an edit listed it last
      n.~Node();
    }
    inline Node& emplace_back() {
      Node& n = make();
      commit();
      return n;
    }
    [[nodiscard]] inline std::size_t size() const noexcept { return size_; }
    inline Node& operator[](std::size_t i) noexcept {
      auto [c, k] = locate(i);
      return chunks_[c][k];
    }
    inline const Node& operator[](std::size_t i) const noexcept {
      auto [c, k] = locate(i);
      return chunks_[c][k];
    }

   private:
    void add_chunk();
    // Destroys the nodes that hold memory (`every`: all constructed nodes, else the listed ones
    // when few are listed) and frees the chunks.
    void release(bool every = false) noexcept;
    // (chunk, slot) of node i
    static inline std::pair<std::size_t, std::size_t> locate(std::size_t i) noexcept {
      if (i < small_total) return doubling_segment(i, std::countr_zero(first_chunk));
      std::size_t j = i - small_total;
      return {small_chunks + j / big_chunk, j % big_chunk};
    }
    std::vector<Node*> chunks_;  // raw storage; nodes below size_ are constructed
    std::vector<node_id> owners_;  // the nodes that hold memory of their own
    std::size_t size_ = 0, capacity_ = 0;
  };
  node_arena nodes_;
  pod_buffer<use> uses_;
  std::array<std::uint32_t, 9> free_blocks_ = filled_free_blocks();  // free use blocks by size (1..8)
  // The name index: open addressing over every name ever given (names are never reused), slots
  // (id, low 32 bits of the name's hash). Built by the first lookup and extended by later ones
  // with the nodes made since, so building a graph does not pay for it. Lookups are const and
  // may run on several threads: extension happens under the mutex, and `indexed` is published
  // with release so a reader that sees it current reads the table without the lock.
  struct name_index {
    struct slot {
      node_id id = no_node;
      std::uint32_t hash_ = 0;  // low 32 bits of the name's hash
      [[nodiscard]] inline bool vacant() const noexcept { return id == no_node; }
      [[nodiscard]] inline std::uint32_t hash() const noexcept { return hash_; }
    };
    runtime::detail::flat_table<slot, table_array<slot>> table;
    std::vector<node_id> shadowed;  // nodes find_node does not answer with: another has their name
    std::atomic<std::uint32_t> indexed{0};  // node ids below this are in the table
    std::size_t stale = 0;  // slots left by force_name under a node's old name (they match no name now)
    std::size_t min_entries = 0;  // the room the next rebuild makes at least (force_name filled the table)
    std::mutex mu;
    name_index() = default;
    inline name_index(const name_index&) noexcept {}  // a copy indexes its own nodes when asked
    inline name_index(name_index&& o) noexcept
        : table(std::move(o.table)), shadowed(std::move(o.shadowed)), indexed(o.indexed.exchange(0)), stale(std::exchange(o.stale, 0)), min_entries(std::exchange(o.min_entries, 0)) {}
    inline name_index& operator=(const name_index& o) noexcept {
      if (this != &o) {
        table.release();
        shadowed.clear();
        indexed = 0;
        stale = 0;
        min_entries = 0;
      }
      return *this;
    }
    inline name_index& operator=(name_index&& o) noexcept {
      if (this != &o) {
        table = std::move(o.table);
        shadowed = std::move(o.shadowed);
        indexed = o.indexed.exchange(0);
        stale = std::exchange(o.stale, 0);
        min_entries = std::exchange(o.min_entries, 0);
      }
      return *this;
    }
  };
  mutable name_index names_;
  std::vector<node_id> scratch_;  // gather_inputs' result: a node's distinct inputs
  runtime::detail::flat_table<base_slot> bases_;
  std::array<candidate_memo, 8> memo_{};  // cleared when bases_ grows (slots move)
  bool long_suffixes_ = false;  // a taken `base_N` has N >= 10^18: base_entry shortcuts are off
  // Names force_name took from their nodes: still taken. Hashed (name_hash) indices into `names`,
  // so a reader forcing name after name stays linear.
  struct retired_set {
    struct slot {
      std::uint32_t index = 0;  // into names, + 1 (0: vacant)
      std::uint32_t hash_ = 0;
      [[nodiscard]] inline bool vacant() const noexcept { return index == 0; }
      [[nodiscard]] inline std::uint32_t hash() const noexcept { return hash_; }
    };
    std::vector<std::string> names;
    runtime::detail::flat_table<slot> slots;
    [[nodiscard]] bool contains(std::string_view name) const noexcept;
    void insert(std::string name);
  };
  retired_set retired_names_;
  runtime::detail::flat_table<index_slot> index_;  // find_nodes lists by index_key
  node_id first_ = no_node, last_ = no_node;
  std::uint32_t ops_checked_ = 0;  // operator handles below this index were found valid
  std::size_t size_ = 0;
  insert_point insert_{};
  std::optional<pytree_info> codegen_;

 public:
  Graph(const Graph& other);
  Graph& operator=(const Graph& other);
  /// A moved-from graph is empty (a member-wise move left its counts and list ends behind).
  Graph(Graph&& other) noexcept;
  Graph& operator=(Graph&& other) noexcept;
  /// Exchanges the whole state of two graphs.
  void swap(Graph& other) noexcept;
  friend inline void swap(Graph& a, Graph& b) noexcept { a.swap(b); }
};

/// One change to a node's name, arguments or extra block (kwargs, meta, type, target text), made
/// by Graph's mutators: the only way to write those parts. When the edit ends (an exception
/// included: a change half made may hold memory too), the node is listed with its arena if it now
/// holds memory of its own, so the arena's destructor frees it; no mutator can forget to. Not
/// constructible outside Graph.
class node_edit {
 public:
  node_edit(const node_edit&) = delete;
  node_edit& operator=(const node_edit&) = delete;
  inline ~node_edit() {
    if (!refs_only_ && !node_.owner_) list_if_owning();
  }
  [[nodiscard]] inline std::string& name() noexcept { return node_.own_.name_; }
  [[nodiscard]] inline arg_store& args() noexcept { return node_.own_.args_; }
  /// The extra block, or null: kwargs to rewrite in place need none made.
  [[nodiscard]] inline Node::extra* extra_block() noexcept { return node_.own_.extra_.get(); }
  /// The extra block, made when the node has none.
  inline Node::extra& extra() {
    if (!node_.own_.extra_) node_.own_.extra_ = std::make_unique<Node::extra>();
    return *node_.own_.extra_;
  }

 private:
  friend class Graph;
  // node `id` may be one being made (not yet committed to the arena)
  inline node_edit(Graph& g, node_id id) : graph_(g), id_(id), node_(g.nodes_[id]) { g.nodes_.reserve_owner(); }
  // An edit that only replaces node references by node references or None (replace_input_with,
  // erase_node): whether the node holds memory cannot change (a node that holds none has no
  // containers to rebuild), so its end has nothing to note.
  struct refs_only_t {};
  inline node_edit(Graph& g, node_id id, refs_only_t) : graph_(g), id_(id), node_(g.nodes_[id]), refs_only_(true) {}
  // Lists the node with its arena when it now holds memory; room was reserved as the edit began,
  // so this cannot throw. Out of line: the destructor stays small enough to inline everywhere.
  void list_if_owning() noexcept;
  Graph& graph_;
  node_id id_;
  Node& node_;
  bool refs_only_ = false;
};

}  // namespace aotkit::graph

namespace aotkit::graph {

// Why the target text of a node of `op` cannot be pasted into generated Python, or null when it
// can: a placeholder's is an identifier (`*args` / `**kwargs` allowed), a call_method's an
// identifier, a get_attr's or call_module's a dotted name, an output's "output". Node creation,
// the fx-json reader and lint ask the same question (issue 17, M7: `graph code` emitted code that
// ran what a target held).
[[nodiscard]] const char* target_text_problem(node_op op, std::string_view target) noexcept;
// Why a node's type annotation cannot be pasted into generated Python, or null: it is a type
// expression of dotted names, brackets, commas and spaces (`torch.Tensor`, `List[int]`).
[[nodiscard]] const char* type_text_problem(std::string_view type) noexcept;

}  // namespace aotkit::graph
