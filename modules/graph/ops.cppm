// modules/graph/ops.cppm — the operator registry (partition :ops): interned call_function targets
// with their schema facts (tags, mutability, side effects) and how FX prints them.
module;
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
export module aotkit.graph:ops;

export namespace aotkit::graph {

/// Operator tags (torch.Tag) that the passes read.
enum class op_tag : std::uint32_t {
  none = 0,
  inplace_view = 1u << 0,             ///< only modifies tensor metadata (docs/semantics.md §E.1)
  nondeterministic_seeded = 1u << 1,  ///< draws random numbers
  core = 1u << 2,
  pointwise = 1u << 3,
  view_copy = 1u << 4,
};
[[nodiscard]] constexpr op_tag operator|(op_tag a, op_tag b) noexcept {
  return static_cast<op_tag>(static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b));
}
[[nodiscard]] constexpr bool has_tag(op_tag set, op_tag t) noexcept {
  return (static_cast<std::uint32_t>(set) & static_cast<std::uint32_t>(t)) != 0;
}

/// What kind of callable a call_function target is; it decides how FX prints it.
enum class op_family : std::uint8_t {
  aten_overload,  ///< `aten.add.Tensor` (also prims, inductor, ... `ns.name.overload`): torch.ops.<name>
  higher_order,   ///< `higher_order.with_effects`: torch.ops.higher_order.<name>
  python_operator,///< `operator.add`: the _operator module (infix in code)
  python_builtin, ///< `builtins.getattr`
  python_function,///< anything else by qualified name: `torch.flatten`, `torch.nn.functional.relu`
};

/// The facts about one operator.
struct op_schema {
  std::string name;            ///< as fx-json/1 writes it: "aten.add.Tensor", "operator.getitem", "torch.flatten"
  op_family family = op_family::python_function;
  op_tag tags = op_tag::none;
  bool is_mutable = false;     ///< the schema mutates an argument (torch's `_schema.is_mutable`)
  bool side_effect = false;    ///< in FX's side-effect set (`has_side_effect`): never dead code
};

/// The facts of an operator without its name: what the passes test per node.
struct op_facts {
  op_family family = op_family::python_function;
  op_tag tags = op_tag::none;
  bool is_mutable = false;
  bool side_effect = false;
};

/// A handle to a registered operator (index into the registry; stable for the process).
struct op_handle {
  std::uint32_t index = 0xFFFFFFFFu;
  friend bool operator==(op_handle, op_handle) = default;
  [[nodiscard]] inline bool valid() const noexcept { return index != 0xFFFFFFFFu; }
};

/// The registry's spelling of an operator name: FX's printed `torch.ops.<namespace>.<name>...`
/// (`torch.ops.higher_order.with_effects`, `torch.ops.aten.add.Tensor`) without `torch.ops.`.
/// register_op, intern_op and find_op take either spelling; op_name gives this one.
[[nodiscard]] std::string_view canonical_op_name(std::string_view name) noexcept;

/// Registers an operator (or updates the facts of one already known by that name) and returns its
/// handle. Thread-safe. The built-ins are preregistered: the aten ops of docs/semantics.md §E.1 with inplace_view,
/// the side-effect set of docs/semantics.md §D.1, torch's random ops (nondeterministic_seeded),
/// `higher_order.with_effects`, `prims._make_token.default`, `prims._sink_tokens.default`.
op_handle register_op(op_schema schema);

/// The handle of `name`, registering it with facts inferred from the name when unknown: the
/// family from its prefix; aten overloads whose name ends in `_` (in-place) or whose overload is
/// `out` are mutable. Thread-safe; O(1) expected.
[[nodiscard]] op_handle intern_op(std::string_view name);

/// The handle of `name` if registered.
[[nodiscard]] std::optional<op_handle> find_op(std::string_view name);

/// The facts of a registered operator (a copy: register_op may update them concurrently).
/// Lookups by handle take no lock. Each throws aotkit::value_error for an invalid handle.
[[nodiscard]] op_schema op_info(op_handle op);

/// The same without the name (no allocation): what a pass tests per node.
[[nodiscard]] op_facts facts_of(op_handle op);

/// The name as fx-json/1 writes it ("aten.add.Tensor"). The reference stays valid for the process.
[[nodiscard]] const std::string& op_name(op_handle op);

/// FX's `_pretty_print_target`: "torch.ops.aten.add.Tensor", "operator.add", "builtins.getattr",
/// "torch.flatten", "torch.ops.higher_order.with_effects". Computed once, valid for the process.
[[nodiscard]] const std::string& pretty_target(op_handle op);

/// The name a node created with this target gets by default (FX's `_target_to_str` then
/// snake-case): "add_tensor" for aten.add.Tensor, "add" for operator.add, "flatten". Computed
/// once, valid for the process.
[[nodiscard]] const std::string& default_node_name(op_handle op);

}  // namespace aotkit::graph

// Module-internal (not exported): shared by the registry, the IR and the printers.
namespace aotkit::graph {

/// A Python identifier as FX's generated code may spell it: ASCII letters, digits and '_', not
/// starting with a digit (bytes past ASCII are taken as letters: they cannot break out of code).
[[nodiscard]] bool is_identifier(std::string_view text) noexcept;
/// A dotted name whose parts are non-empty runs of identifier characters (`layer1.0.conv`,
/// `aten.add.Tensor`): what generated code can name without quoting. Operator names, get_attr and
/// call_module targets must be one; aotkit::value_error otherwise (issue 17, M7).
[[nodiscard]] bool is_qualified_name(std::string_view text) noexcept;

/// FX's `_snake_case`: '_' between a lowercase letter and a following uppercase one, then lower.
[[nodiscard]] std::string snake_case(std::string_view text);

/// Text derived from an operator (a printed target, a JSON prefix), made once per operator by a
/// printer's pass and kept by operator index.
class op_text_cache {
 public:
  template <class Make>
  const std::string& get(op_handle op, Make make) {
    if (texts_.size() <= op.index) texts_.resize(op.index + 1);
    std::string& text = texts_[op.index];
    if (text.empty()) text = make();
    return text;
  }

 private:
  std::vector<std::string> texts_;
};

}  // namespace aotkit::graph
