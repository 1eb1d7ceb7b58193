// modules/rewrite/interpreter.cppm — a reference interpreter for GraphModules (partition
// :interpreter): small dense float tensors, a few aten ops, effect tokens and subgraphs, so the
// rewrites are checked by what graphs compute, not by their shape.
module;
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>
export module aotkit.rewrite:interpreter;

import aotkit.runtime;
import aotkit.graph;

export namespace aotkit::rewrite {

/// A small dense float32 tensor, row-major: the interpreter's storage behind runtime::Tensor.
class dense_tensor final : public runtime::tensor_impl {
 public:
  dense_tensor(std::vector<std::int64_t> sizes, std::vector<float> data);
  [[nodiscard]] std::span<const std::int64_t> sizes() const noexcept override { return sizes_; }
  [[nodiscard]] runtime::ScalarType dtype() const noexcept override { return runtime::ScalarType::Float; }
  /// `tensor([1., 2.])`-style text (values with Python's float repr).
  [[nodiscard]] std::string repr() const override;
  [[nodiscard]] inline std::span<const float> data() const noexcept { return data_; }

 private:
  std::vector<std::int64_t> sizes_;
  std::vector<float> data_;
};

/// A runtime::Value holding a dense tensor; throws aotkit::value_error when data and sizes disagree.
[[nodiscard]] runtime::Value make_tensor(std::vector<std::int64_t> sizes, std::vector<float> data);

/// The dense tensor inside `v`; throws aotkit::type_error for anything else.
[[nodiscard]] const dense_tensor& as_dense(const runtime::Value& v);

/// Structural equality of interpreter values: tensors by sizes and data (bitwise, NaN == NaN),
/// everything else as runtime::Value compares.
[[nodiscard]] bool same_value(const runtime::Value& a, const runtime::Value& b);

/// Runs the root graph of a GraphModule. Executable ops: aten add/sub/mul/div (.Tensor, .Scalar),
/// neg, relu, tanh, exp, sigmoid, sin, cos, detach, clone (.default), sum.default, mean.default,
/// mm, t; operator add/sub/mul/neg/getitem; prims._make_token / _sink_tokens;
/// higher_order.with_effects over effectful ops (aten._print.default appends to the effect log);
/// higher_order.invoke_subgraph on submodule graphs (args[0] a get_attr of the submodule).
/// Unknown ops throw aotkit::not_implemented_error naming the op and the node.
class interpreter {
 public:
  inline explicit interpreter(const graph::GraphModule& module) : module_(&module) {}
  /// Binds `inputs` to the placeholders in order (aotkit::value_error when the counts differ) and
  /// returns the output node's value (None when the graph has no output).
  runtime::Value run(std::span<const runtime::Value> inputs);
  /// Every effect in execution order, e.g. "aten._print.default('moo')".
  [[nodiscard]] inline const std::vector<std::string>& effect_log() const noexcept { return log_; }

 private:
  runtime::Value run_graph(const graph::Graph& g, std::span<const runtime::Value> inputs, std::string_view path);
  const graph::GraphModule* module_;
  std::vector<std::string> log_;
};

}  // namespace aotkit::rewrite
