// modules/runtime/boxed.cppm — the boxed calling convention and the output-descriptor checks
// (partition :boxed): make_boxed_func, call_func_at_runtime_with_args, call_and_expect_output_descs.
module;
#include <concepts>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
export module aotkit.runtime:boxed;

import :error;
import :value;
import :callable;

export namespace aotkit::runtime {

/// The UserWarning `call_func_at_runtime_with_args` emits for an unboxed callable (docs/semantics.md §A.8).
inline constexpr std::string_view unboxed_call_warning =
    "Your compiler for AOTAutograd is returning a function that doesn't take boxed arguments. Please wrap "
    "it with functorch.compile.make_boxed_func or handle the boxed arguments yourself. See "
    "https://github.com/pytorch/pytorch/pull/83137#issuecomment-1211320670 for rationale.";

/// `make_boxed_func(f)` (docs/semantics.md §A.6): a boxed callable `g(args)` that calls `f(*args)` without clearing
/// `args`; `g` keeps its own name (`simple_wraps`) and `g.wrapped()` is `f`.
[[nodiscard]] Callable make_boxed_func(Callable f);

/// `make_boxed_compiler(compiler)` (docs/semantics.md §A.7): a compiler `(fx_g, example_inputs) -> Callable` whose
/// result is boxed with `make_boxed_func`.
template <class Compiler>
[[nodiscard]] auto make_boxed_compiler(Compiler compiler) {
  return [compiler = std::move(compiler)]<class Graph, class Inputs>(Graph&& fx_g, Inputs&& inps) -> Callable
           requires std::convertible_to<std::invoke_result_t<const Compiler&, Graph, Inputs>, Callable>
  { return make_boxed_func(std::invoke(compiler, std::forward<Graph>(fx_g), std::forward<Inputs>(inps))); };
}

/// `call_func_at_runtime_with_args(f, args, steal_args, disable_amp)` (docs/semantics.md §A.8). Without
/// `steal_args` the callee gets a copy, so `args` is never cleared by it; with `steal_args` the
/// callee gets `args` itself and may clear it to release the inputs early. With `disable_amp` the
/// call runs under `disable_autocast`. A boxed `f` is called as `f(args)`; an unboxed one warns
/// (`unboxed_call_warning`) and is called as `f(*args)`. The result goes through
/// `normalize_as_list`.
value_list call_func_at_runtime_with_args(const Callable& f, value_list& args, bool steal_args = false,
                                          bool disable_amp = false);

/// The same for arguments held in a Value, with Python's checks: a tuple or list is copied when
/// not stealing; stealing anything but a list throws aotkit::assertion_error
/// ("args must be a list, got <class 'tuple'>"); a value that is not a sequence throws
/// aotkit::type_error ("'int' object is not iterable").
value_list call_func_at_runtime_with_args(const Callable& f, Value& args, bool steal_args = false,
                                          bool disable_amp = false);

/// `without_output_descs(f)` (docs/semantics.md §A.25): `inner(*args) = f(*args)[0]`, carrying f's metadata
/// (`wraps`) with `inner.wrapped()` = f.
[[nodiscard]] Callable without_output_descs(Callable f);

/// Base of AOT Autograd's output descriptors (`AOTOutput`), carried in Values as objects.
class AOTOutput : public object {};

/// `PlainAOTOutput(idx)`: the idx-th plain output of a traced function.
class PlainAOTOutput final : public AOTOutput {
 public:
  inline explicit PlainAOTOutput(std::int64_t idx) noexcept : idx_(idx) {}
  [[nodiscard]] inline std::int64_t idx() const noexcept { return idx_; }
  [[nodiscard]] std::string type_name() const override;
  [[nodiscard]] std::string repr() const override;
  [[nodiscard]] bool equals(const object& other) const noexcept override;

 private:
  std::int64_t idx_;
};

/// True when `v` is an object derived from AOTOutput.
[[nodiscard]] bool is_aot_output(const Value& v) noexcept;

/// Python's repr of the pytree structure of a Value, as torch's TreeSpec repr prints it: lists
/// and tuples are nodes, everything else a leaf `*` (e.g. "TreeSpec(tuple, None, [*,\n  *])").
[[nodiscard]] std::string value_structure_repr(const Value& v);

/// `call_and_expect_output_descs(fn, args)` (docs/semantics.md §A.27): calls `fn(*args)`, which must return a
/// 2-tuple `(outs, outs_descs)` of the same structure, no AOTOutput among the outputs, and an
/// AOTOutput descriptor for every Tensor, SymInt or exact int output (bool, float, None and
/// SymFloat are exempt). Throws aotkit::assertion_error with V3's messages; returns the pair.
Value call_and_expect_output_descs(const Callable& fn, std::span<const Value> args);

}  // namespace aotkit::runtime
