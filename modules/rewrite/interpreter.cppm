// modules/rewrite/interpreter.cppm — a reference interpreter for GraphModules (partition
// :interpreter): dense tensors of every real dtype, the core ATen ops of exported MLPs, CNNs and
// small transformers, effect tokens and subgraphs, so programs and rewrites are checked by what
// they compute.
module;
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
export module aotkit.rewrite:interpreter;

import aotkit.runtime;
import aotkit.graph;
import :tensor;

export namespace aotkit::rewrite {

/// Parses a dtype as graphs spell it ("torch.float32", "torch.long", ...); aotkit::value_error
/// for anything else.
[[nodiscard]] runtime::ScalarType parse_dtype(std::string_view name);

/// Every operator the interpreter has a kernel for, sorted ("aten.add.Tensor", "operator.getitem",
/// ...), besides the higher-order ops it runs itself: higher_order.cond, with_effects and
/// invoke_subgraph.
[[nodiscard]] std::vector<std::string_view> supported_ops();

/// Runs a GraphModule's root graph. Kernels live in one table keyed by operator name, each with
/// its parameter list (names, defaults, keyword-only marks as torch's schema has them), so
/// positional and keyword arguments bind the same way for every op. Compute follows torch:
/// broadcasting, type promotion (result_type's three tiers), float math in double rounded to the
/// result dtype. Unknown ops throw aotkit::not_implemented_error naming the op and the node; a bad
/// binding throws aotkit::type_error as Python would ("add() got an unexpected keyword argument
/// 'beta' (node add_1)"); shape errors throw aotkit::runtime_error with torch's text.
class interpreter {
 public:
  inline explicit interpreter(const graph::GraphModule& module) : module_(&module) {}
  /// Makes get_attr of `path` (a dotted attribute of the root module) give `value`. Paths not
  /// bound resolve to submodules (what HOPs take), else aotkit::key_error.
  void bind_attribute(std::string path, runtime::Value value);
  /// Binds `inputs` to the placeholders in order (aotkit::value_error when the counts differ) and
  /// returns the output node's value (None when the graph has no output).
  runtime::Value run(std::span<const runtime::Value> inputs);
  /// Every effect in execution order, e.g. "aten._print.default('moo')".
  [[nodiscard]] inline const std::vector<std::string>& effect_log() const noexcept { return log_; }

 private:
  runtime::Value run_graph(const graph::Graph& g, std::span<const runtime::Value> inputs, std::string_view path);
  const graph::GraphModule* module_;
  std::map<std::string, runtime::Value, std::less<>> attributes_;
  std::vector<std::string> log_;
};

}  // namespace aotkit::rewrite

namespace aotkit::rewrite {

// One kernel's call: arguments bound to the op's parameters (defaults filled in), in order.
struct kernel_call {
  std::string_view op;
  std::string_view node;
  std::span<const runtime::Value> args;
  std::vector<std::string>* log;
};

using kernel_fn = runtime::Value (*)(const kernel_call&);

struct kernel_param {
  std::string name;
  runtime::Value default_value;
  bool has_default = false;
  bool keyword_only = false;
};

struct kernel_entry {
  std::string_view op;
  std::vector<kernel_param> params;
  kernel_fn fn = nullptr;
};

// The kernel of `op`, or null (not exported: the interpreter and its tests share it).
[[nodiscard]] const kernel_entry* find_kernel(std::string_view op);

// Binds positional and keyword arguments to the kernel's parameters, as Python binds a call.
[[nodiscard]] runtime::value_list bind_arguments(const kernel_entry& k, runtime::value_list positional,
                                                 std::vector<std::pair<std::string, runtime::Value>> keywords,
                                                 std::string_view node);

}  // namespace aotkit::rewrite
