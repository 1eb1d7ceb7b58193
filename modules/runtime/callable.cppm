// modules/runtime/callable.cppm — callables with Python's function metadata (partition :callable):
// boxed or unboxed calling convention, functools.wraps / simple_wraps, the __wrapped__ chain.
module;
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>
export module aotkit.runtime:callable;

import :error;
import :value;

export namespace aotkit::runtime {

/// What a callable is, for the checks that care (`saved_tensors_hooks_are_inlineable`).
enum class callable_kind : std::uint8_t {
  function,      ///< opaque code
  graph_module,  ///< a traced graph (torch.fx.GraphModule): can be inlined into other graphs
};

/// The attributes `functools.wraps` copies.
struct function_info {
  std::string name;
  std::string qualname;
  std::string module;
  std::string doc;
  std::vector<std::pair<std::string, std::string>> annotations;
  /// The function's `__dict__` (e.g. `_orig_mod`).
  std::map<std::string, Value, std::less<>> dict;
};

/// A Python-style function object. Its calling convention is part of its type, not an attribute
/// that can disagree with it: an unboxed callable is called as `f(*args)`; a boxed one as
/// `f(args)` with one mutable list it may clear to release inputs early (docs/semantics.md §A.6).
/// Copies share the code and the wrapped chain.
class Callable {
 public:
  using unboxed_fn = std::function<Value(std::span<const Value>)>;
  using boxed_fn = std::function<Value(value_list&)>;

  /// An unboxed callable named `name`.
  Callable(std::string name, unboxed_fn fn, callable_kind kind = callable_kind::function);
  /// A boxed callable named `name` (Python's `_boxed_call = True`).
  [[nodiscard]] static Callable boxed(std::string name, boxed_fn fn, callable_kind kind = callable_kind::function);

  /// `__name__`.
  [[nodiscard]] inline const std::string& name() const noexcept { return info_.name; }
  /// Every copied attribute.
  [[nodiscard]] inline const function_info& info() const noexcept { return info_; }
  [[nodiscard]] inline function_info& info() noexcept { return info_; }
  /// True for the boxed calling convention.
  [[nodiscard]] inline bool is_boxed() const noexcept { return fn_.index() == 1; }
  [[nodiscard]] inline callable_kind kind() const noexcept { return kind_; }
  /// True when the callable is a traced graph.
  [[nodiscard]] inline bool is_graph_module() const noexcept { return kind_ == callable_kind::graph_module; }
  /// `__wrapped__`: the callable this one wraps, or null.
  [[nodiscard]] inline const Callable* wrapped() const noexcept { return wrapped_.get(); }
  /// Sets `__wrapped__`.
  void set_wrapped(Callable f);

  /// Calls an unboxed callable as `f(*args)`. Throws aotkit::type_error for a boxed one.
  Value operator()(std::span<const Value> args) const;
  inline Value operator()(std::initializer_list<Value> args) const {
    return (*this)(std::span<const Value>(args.begin(), args.size()));
  }
  /// Calls a boxed callable as `f(args)`; it may clear `args`. Throws aotkit::type_error for an
  /// unboxed one.
  Value call_boxed(value_list& args) const;

  /// Python's `f._boxed_call = True` on this callable: a boxed callable that calls this one's code
  /// with the argument list as its single argument (`f(args)`), same attributes and `__wrapped__`.
  /// A boxed callable is returned as it is.
  [[nodiscard]] Callable with_boxed_call() const;

  /// "<function name>" or "<GraphModule name>" (Python's repr without the address).
  [[nodiscard]] std::string repr() const;

 private:
  Callable() = default;
  std::variant<unboxed_fn, boxed_fn> fn_;
  function_info info_;
  callable_kind kind_ = callable_kind::function;
  std::shared_ptr<const Callable> wrapped_;
};

/// `functools.wraps(f)(wrapper)`: copies name, qualname, module, doc and annotations, updates the
/// dict from f's, sets `__wrapped__ = f`; returns the wrapper. Python's `__dict__` update carries
/// `_boxed_call` too: wrapping a boxed `f` gives a boxed wrapper (`wrapper.with_boxed_call()`), so
/// call_func_at_runtime_with_args calls it as `wrapper(args)`, as torch does.
[[nodiscard]] Callable wraps(const Callable& f, Callable wrapper);

/// `simple_wraps(f)(wrapper)` (docs/semantics.md §A.26): as `wraps` but keeps the wrapper's own name,
/// qualname and module, so stack traces show the wrapper (boxedness carried over as in `wraps`).
[[nodiscard]] Callable simple_wraps(const Callable& f, Callable wrapper);

/// `fn_wrappers(fn)` (§A.28): `[fn, fn.__wrapped__, fn.__wrapped__.__wrapped__, ...]`. The
/// pointers live as long as `fn`.
[[nodiscard]] std::vector<const Callable*> fn_wrappers(const Callable& fn);

/// Python's repr of `fn_wrappers(fn)`: "[<function inner>, <function f>]".
[[nodiscard]] std::string fn_wrappers_repr(const Callable& fn);

/// `normalize_as_list(x)` (§A.4): a tuple's items copied into a list; a list's items moved out
/// (Python returns the same list object); anything else, None included, as a one-element list.
[[nodiscard]] value_list normalize_as_list(Value x);

}  // namespace aotkit::runtime
