// modules/graph/arg.cppm — the value type of node arguments and JSON-like meta (partition :arg):
// everything fx-json/1 carries, 16 bytes, immutable and shared like FX's immutable_list/dict.
module;
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
export module aotkit.graph:arg;

import aotkit.runtime;

export namespace aotkit::graph {

/// A node's handle in its graph: stable for the node's life (erased slots are never reused).
using node_id = std::uint32_t;
inline constexpr node_id no_node = 0xFFFFFFFFu;

/// What an argument is.
enum class arg_kind : std::uint8_t {
  none, boolean, integer, floating, string, node, list, tuple, dict, slice, ellipsis,
  dtype, device, memory_format, layout, complex, repr, op,
};

/// Containers nest at most this deep (FX's own printers and pickling recurse too). Building a
/// deeper one throws aotkit::value_error, so every walk over arguments has a bounded depth.
inline constexpr std::uint32_t max_arg_depth = 1000;

// Throws aotkit::type_error for an accessor called on the wrong kind (out of line: the inline
// accessors stay small).
[[noreturn]] void wrong_kind(std::string_view expected, arg_kind got);

/// One argument value: None, bool, int64, double (inf/nan included), str, a node reference, list,
/// tuple, dict (insertion-ordered, any keys), slice, Ellipsis, torch.dtype / device /
/// memory_format / layout (by their Python names, e.g. "torch.float32", "cpu"), complex, or an
/// opaque `repr` text. Immutable; copies share containers (a reference count), so node_copy and
/// graph_copy are cheap, and equality is structural.
class arg {
 public:
  inline arg() noexcept : kind_(arg_kind::none), i_(0) {}
  inline arg(std::nullptr_t) noexcept : arg() {}  // NOLINT(google-explicit-constructor)
  inline arg(bool b) noexcept : kind_(arg_kind::boolean), i_(b) {}  // NOLINT
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  inline arg(I i) noexcept : kind_(arg_kind::integer), i_(static_cast<std::int64_t>(i)) {}  // NOLINT
  inline arg(double d) noexcept : kind_(arg_kind::floating), d_(d) {}  // NOLINT
  inline arg(std::string_view s) : arg(arg_kind::string, s) {}  // NOLINT
  inline arg(const char* s) : arg(std::string_view(s)) {}  // NOLINT
  inline arg(const std::string& s) : arg(std::string_view(s)) {}  // NOLINT

  /// A reference to node `n`.
  [[nodiscard]] static inline arg node(node_id n) noexcept {
    arg a;
    a.kind_ = arg_kind::node;
    a.i_ = n;  // the whole word in one store: a caller that copies the arg reads it whole
    return a;
  }
  [[nodiscard]] static arg list(std::vector<arg> items);
  [[nodiscard]] static arg tuple(std::vector<arg> items);
  [[nodiscard]] static arg dict(std::vector<std::pair<arg, arg>> entries);
  /// `slice(start, stop, step)`.
  [[nodiscard]] static arg slice(arg start, arg stop, arg step);
  [[nodiscard]] static inline arg ellipsis() noexcept {
    arg a;
    a.kind_ = arg_kind::ellipsis;
    return a;
  }
  /// A tagged name: dtype ("torch.float32"), device ("cpu", "cuda:0"), memory_format
  /// ("torch.contiguous_format"), layout ("torch.strided"), an operator passed as a value
  /// (op: "aten._print.default", the second argument of with_effects) or an opaque repr.
  [[nodiscard]] static arg tagged(arg_kind kind, std::string_view name);
  [[nodiscard]] static arg complex(double re, double im);

  inline arg(const arg& o) noexcept : kind_(o.kind_), i_(o.i_) {
    if (o.boxed()) retain();
  }
  inline arg(arg&& o) noexcept : kind_(o.kind_), i_(o.i_) { o.kind_ = arg_kind::none; }
  inline arg& operator=(const arg& o) noexcept {
    arg copy(o);
    swap(copy);
    return *this;
  }
  inline arg& operator=(arg&& o) noexcept {
    arg moved(std::move(o));
    swap(moved);
    return *this;
  }
  inline ~arg() {
    if (boxed()) release();
  }
  inline void swap(arg& o) noexcept {
    std::swap(kind_, o.kind_);
    std::swap(i_, o.i_);
  }

  [[nodiscard]] inline arg_kind kind() const noexcept { return kind_; }
  [[nodiscard]] inline bool is_none() const noexcept { return kind_ == arg_kind::none; }
  [[nodiscard]] inline bool is_node() const noexcept { return kind_ == arg_kind::node; }
  [[nodiscard]] inline bool is_sequence() const noexcept { return kind_ == arg_kind::list || kind_ == arg_kind::tuple; }
  // Accessors throw aotkit::type_error naming the expected and the actual kind.
  [[nodiscard]] bool to_bool() const;
  [[nodiscard]] std::int64_t to_int() const;
  [[nodiscard]] double to_double() const;
  /// The text of a string or of a tagged name (dtype, device, ...).
  [[nodiscard]] const std::string& text() const;
  // Inline: printers and writers read every node reference through it, and a function defined
  // in a module's class body is not implicitly inline.
  [[nodiscard]] inline node_id to_node() const {
    if (kind_ != arg_kind::node) [[unlikely]]
      wrong_kind("Node", kind_);
    return static_cast<node_id>(i_);
  }
  /// The items of a list or tuple, or (start, stop, step) of a slice.
  [[nodiscard]] std::span<const arg> items() const;
  /// The entries of a dict, in insertion order.
  [[nodiscard]] std::span<const std::pair<arg, arg>> entries() const;
  [[nodiscard]] std::pair<double, double> to_complex() const;
  /// Container nesting depth: 0 for scalars.
  [[nodiscard]] std::uint32_t depth() const noexcept;

  friend bool operator==(const arg& a, const arg& b) noexcept;

  /// Whether the value lives in a counted heap block (text, containers, slices, tagged values,
  /// complex numbers); scalars, node references, None and `...` are held inline.
  [[nodiscard]] inline bool boxed() const noexcept {
    return kind_ == arg_kind::string || kind_ == arg_kind::list || kind_ == arg_kind::tuple ||
           kind_ == arg_kind::dict || kind_ == arg_kind::slice || kind_ == arg_kind::complex ||
           (kind_ >= arg_kind::dtype && kind_ <= arg_kind::layout) || kind_ == arg_kind::repr || kind_ == arg_kind::op;
  }

 private:
  struct block;
  arg(arg_kind kind, std::string_view text);
  void retain() const noexcept;
  void release() noexcept;
  static arg boxed_arg(arg_kind kind, block* b) noexcept;
  [[nodiscard]] inline const block& get() const noexcept { return *p_; }

  arg_kind kind_;
  union {
    std::int64_t i_;  // integers, and node ids
    double d_;
    block* p_;
  };
};

/// Python's name of an argument's kind in messages: "int", "list", "Node", "torch.dtype", ...
[[nodiscard]] std::string_view kind_name(arg_kind kind) noexcept;

/// Calls `f(id)` for every node reference in `a`, in FX's `map_arg` order (depth first, left to
/// right, dict values in insertion order).
template <class F>
void for_each_node(const arg& a, F&& f) {
  switch (a.kind()) {
    case arg_kind::node: f(a.to_node()); break;
    case arg_kind::list:
    case arg_kind::tuple:
    case arg_kind::slice:
      for (const auto& x : a.items()) for_each_node(x, f);
      break;
    case arg_kind::dict:
      for (const auto& [k, v] : a.entries()) for_each_node(v, f);
      break;
    default: break;
  }
}

/// `map_arg`: `a` with every node reference replaced by `f(id)`'s result; unchanged containers
/// are shared, not copied.
[[nodiscard]] arg map_nodes(const arg& a, const std::function<arg(node_id)>& f);

/// How node references print: FX's `str(graph)` writes `%name`, its code generator `name`.
using node_namer = std::function<std::string_view(node_id)>;

/// `_format_arg` of `str(graph)` (torch.fx): lists `[a, b]`, tuples `(a,)`, dicts `{k: v}`, nodes
/// `%name`, everything else Python's `str()` (strings unquoted).
void append_format_arg(std::string& out, const arg& a, const node_namer& name);

/// Python's `repr()` as FX's code generator writes arguments: nodes by name, strings quoted,
/// `torch.float32`, `device(type='cpu')`, `slice(1, None, None)`, `Ellipsis`, `(1+2j)`,
/// operators by their global name (`torch.ops.aten._print.default`).
void append_repr(std::string& out, const arg& a, const node_namer& name);

}  // namespace aotkit::graph
