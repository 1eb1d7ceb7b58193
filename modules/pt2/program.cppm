// modules/pt2/program.cppm — the serialized ExportedProgram (schema 8.x JSON) as aotkit types: the
// graph as a graph::GraphModule (as torch.export.load rebuilds it), the signature, the call graph.
module;
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
export module aotkit.pt2:program;

import aotkit.graph;
import aotkit.pytree;
import :zip;

export namespace aotkit::pt2 {

/// torch.export's InputKind.
enum class input_kind : std::uint8_t { user_input, parameter, buffer, tensor_constant, custom_obj, token };
/// torch.export's OutputKind.
enum class output_kind : std::uint8_t {
  user_output, loss_output, buffer_mutation, gradient_to_parameter, gradient_to_user_input, user_input_mutation, token,
  parameter_mutation,
};
/// Python's enum names: "USER_INPUT", "PARAMETER", ..., "BUFFER_MUTATION", ...
[[nodiscard]] std::string_view to_string(input_kind kind) noexcept;
[[nodiscard]] std::string_view to_string(output_kind kind) noexcept;

/// One entry of `graph_signature.input_specs`: the placeholder it binds and what it is.
struct input_spec {
  input_kind kind = input_kind::user_input;
  std::string arg;                    ///< the placeholder's name
  std::optional<std::string> target;  ///< the parameter's, buffer's or constant's fully qualified name
  std::optional<bool> persistent;     ///< buffers only
  /// A constant user input's value (schema's `constant_input`; torch 2.6 loads it as a USER_INPUT
  /// with a ConstantArgument): an int, float, bool, string or None.
  std::optional<graph::arg> value;
  friend bool operator==(const input_spec&, const input_spec&) = default;
};
/// One entry of `graph_signature.output_specs`.
struct output_spec {
  output_kind kind = output_kind::user_output;
  std::string arg;                    ///< the returned value's name ("" for a constant output)
  std::optional<std::string> target;  ///< the mutated buffer or input, the gradient's parameter
  friend bool operator==(const output_spec&, const output_spec&) = default;
};

/// One entry of the module call graph; the root entry's specs are the program's calling convention.
struct module_call_entry {
  std::string fqn;
  bool has_signature = false;
  std::vector<std::string> forward_arg_names;
  std::string in_spec, out_spec;  ///< treespec_dumps text, as serialized
  friend bool operator==(const module_call_entry&, const module_call_entry&) = default;
};

/// A symbol's range (`range_constraints`): nullopt bounds are unbounded (torch's -oo / oo).
struct range_constraint {
  std::string symbol;
  std::optional<std::int64_t> min, max;
  friend bool operator==(const range_constraint&, const range_constraint&) = default;
};

/// One size, stride or storage offset of a tensor's metadata (a SymInt as serialized): a number,
/// or a symbolic expression (sympy's srepr as serialized, e.g. "Symbol('s0', positive=True,
/// integer=True)") with its example value. 16 bytes: a number is held inline, an expression in one
/// immutable block its copies share (tensor metadata is one of these per dimension, twice, for
/// every value of a program).
class sym_size {
 public:
  constexpr sym_size() noexcept = default;
  /// A static size (implicit, as a SymInt converts from an int).
  constexpr sym_size(std::int64_t value) noexcept : value_(value) {}
  /// A symbolic size: its expression and example value.
  [[nodiscard]] static sym_size symbolic(std::string_view expr, std::optional<std::int64_t> hint = {});
  sym_size(const sym_size& other) noexcept;
  sym_size(sym_size&& other) noexcept
      : value_(std::exchange(other.value_, 0)), expr_(std::exchange(other.expr_, nullptr)) {}  // leaves a 0
  sym_size& operator=(sym_size other) noexcept {
    std::swap(value_, other.value_);
    std::swap(expr_, other.expr_);
    return *this;
  }
  ~sym_size();
  /// The static size; nullopt for a symbolic one.
  [[nodiscard]] inline std::optional<std::int64_t> value() const noexcept {
    return expr_ ? std::nullopt : std::optional<std::int64_t>(value_);
  }
  [[nodiscard]] inline bool is_symbolic() const noexcept { return expr_ != nullptr; }
  /// The serialized expression of a symbolic size ("" for a static one).
  [[nodiscard]] std::string_view expr() const noexcept;
  /// The symbol's name when the expression is one symbol ("s0"), else "".
  [[nodiscard]] std::string_view symbol() const noexcept;
  /// The example value of a symbolic size, when serialized.
  [[nodiscard]] std::optional<std::int64_t> hint() const noexcept;
  friend bool operator==(const sym_size& a, const sym_size& b) noexcept;

 private:
  struct expression;
  std::int64_t value_ = 0;         // the static size, or a symbolic one's hint
  const expression* expr_ = nullptr;  // shared between copies, counted
};

/// A value's tensor metadata (`graph.tensor_values`, torch's TensorMeta): what `node.meta["val"]`
/// tells torch. The sizes and strides share one allocation.
class tensor_meta {
 public:
  std::string dtype;  ///< "torch.float32", ...
  std::string device;  ///< "cpu", "cuda:0"
  sym_size storage_offset;
  bool requires_grad = false;
  std::int8_t layout = 7;  ///< the serialized Layout (7: torch.strided)

  tensor_meta() = default;
  /// Static sizes, contiguous (strides given when written).
  explicit tensor_meta(std::string dtype, std::vector<sym_size> sizes = {}, std::string device = "cpu");
  /// The sizes, and the strides: one per size, or none (contiguous ones, computed when the value is
  /// written: static sizes only). aotkit::value_error when the counts differ.
  void set_shape(std::span<const sym_size> sizes, std::span<const sym_size> strides = {});
  [[nodiscard]] inline std::span<const sym_size> sizes() const noexcept { return {dims_.data(), rank_}; }
  /// The strides as serialized; empty when none were given (contiguous).
  [[nodiscard]] inline std::span<const sym_size> strides() const noexcept {
    return dims_.size() > rank_ ? std::span<const sym_size>(dims_.data() + rank_, rank_) : std::span<const sym_size>();
  }
  friend bool operator==(const tensor_meta&, const tensor_meta&) = default;

 private:
  std::uint32_t rank_ = 0;      // beside the flags above: 112 bytes in all
  std::vector<sym_size> dims_;  // the sizes, then the strides when given
};

/// A serialized ExportedProgram, read. The graph is what `torch.export.load` rebuilds (torch 2.6's
/// deserializer: arguments with a default become keywords, multi-output operators get getitem
/// nodes named after their outputs, HOP subgraphs become submodules with get_attr nodes), so
/// `graph_str(module.graph())` is `str(ep.graph)` and `python_code` is `ep.graph_module.code`.
struct exported_program {
  graph::GraphModule module;
  std::vector<input_spec> inputs;
  std::vector<output_spec> outputs;
  std::vector<module_call_entry> module_call_graph;
  std::vector<range_constraint> range_constraints;
  /// The root graph's tensor metadata by value name (placeholders and node outputs), in the
  /// serialized order.
  std::vector<std::pair<std::string, tensor_meta>> tensor_values;
  /// The program JSON as read (what write_exported_program writes back), kept alive with what
  /// owns it: the archive it was read from when that owns its bytes (no copy), else a copy of the
  /// text. Null for a program built in C++.
  std::shared_ptr<const std::string_view> source;
  /// The metadata of value `name`, or null.
  [[nodiscard]] const tensor_meta* find_tensor_meta(std::string_view name) const noexcept;
  std::int64_t schema_major = 0, schema_minor = 0;
  std::string torch_version;
  /// The dialects the program was verified in (`verifiers`: "ATEN", "TRAINING") and the operator
  /// set versions (`opset_version`), as serialized; what a program built in C++ is written with:
  /// torch 2.6's ATEN dialect and aten opset 10.
  std::vector<std::string> verifiers{"ATEN"};
  std::vector<std::pair<std::string, std::int64_t>> opset_version{{"aten", 10}};
  /// The root call's `in_spec` / `out_spec` (aotkit::key_error when the program has no root signature).
  [[nodiscard]] pytree::TreeSpec in_spec() const;
  [[nodiscard]] pytree::TreeSpec out_spec() const;
};

/// Reads the program JSON (`serialized_exported_program.json`, `models/<m>.json`). Malformed JSON,
/// a schema major version other than 8, an unknown operator, argument tag or node reference is
/// aotkit::input_error naming the place (`/graph_module/graph/nodes/3/inputs/1: ...`).
[[nodiscard]] exported_program read_exported_program(std::string_view json);

/// Writes the program JSON as torch 2.6's `torch.export.save` writes it: Python's `json.dumps`
/// bytes (", " and ": " separators, ASCII only with \uXXXX escapes, floats as Python's repr,
/// non-finite floats as NaN / Infinity / -Infinity). A program as it was read is written as its
/// document (every field in its order, unknown fields too): the bytes torch wrote. A program whose
/// graph (any module), `tensor_values` or signature changed since is serialized as torch 2.6's
/// GraphModuleSerializer serializes the graph module (serialize_exported_program); the other
/// fields stay the document's. A value's metadata: the document's entry while unchanged, else its
/// `tensor_values` entry (its strides, or contiguous ones when it has none); a node's metadata (stack_trace, nn_module_stack, ...): the document's node of the same
/// output name, else the node's meta. aotkit::value_error names the node or value that cannot be
/// written (a tensor without metadata, an argument the schema has no form for);
/// aotkit::not_implemented_error for a changed call graph, range constraint or schema version. A
/// program built in C++ (no `source`) is serialized whole: its graph module (tensor values from
/// `tensor_values`; symbolic values, custom objects and the values of HOP subgraphs need a
/// document: value_error), signature, call graph
/// (root signature with empty argument lists, as torch 2.6 writes them), range constraints,
/// `opset_version`, schema version (8.2 when unset), `verifiers` and `torch_version` ("2.6.0" when
/// empty), in torch 2.6's field order.
[[nodiscard]] std::string write_exported_program(const exported_program& program);

/// The same, always through the serializer (torch's GraphModuleSerializer over the program's
/// graph module and signature), even when nothing changed: for a program as read, the bytes
/// torch wrote.
[[nodiscard]] std::string serialize_exported_program(const exported_program& program);

/// torch.export's `_remove_effect_tokens(ep)` (torch/export/_remove_effect_tokens_pass.py), in
/// place: the TOKEN input and output specs leave the signature; the token outputs leave the root
/// graph's output; every `with_effects(token, op, *args)` (in any graph of the module) becomes
/// `op(*args)` with its meta, its `getitem(_, 0)` users erased and the others re-pointed by the
/// op's return count (torch 2.6's schemas: one return replaces `getitem(_, 1)`, several shift the
/// indices down by one, none leaves no users); the token placeholders go and dead code is
/// eliminated. Where torch 2.6 asserts on a loaded program (the `getitem(_, 1)` its deserializer
/// makes for an op returning nothing), those unused getitems are erased. aotkit::assertion_error
/// when the token counts or names do not match, as torch's asserts; aotkit::key_error for an op
/// torch 2.6 does not know. Returns the number of tokens removed.
std::size_t _remove_effect_tokens(exported_program& program);

/// The program of an archive's model (see program_records).
[[nodiscard]] exported_program load_exported_program(const zip_archive& archive, std::string_view model = "model");

}  // namespace aotkit::pt2
