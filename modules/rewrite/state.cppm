// modules/rewrite/state.cppm — module state during export tracing (partition :state): named
// parameters, buffers and submodules; buffer-registration hooks with RAII handles;
// register_buffer_assignment_hook, root_module_when_exporting_non_strict, maybe_to_fresh_input.
module;
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>
export module aotkit.rewrite:state;

import aotkit.runtime;
import aotkit.graph;

export namespace aotkit::rewrite {

/// An nn.Module's state as torch.export sees it: parameters, buffers (insertion-ordered) and named
/// submodules. Owned by its parent; addresses are stable (submodules are held by pointer).
class module_state {
 public:
  module_state() = default;
  module_state(const module_state&) = delete;
  module_state& operator=(const module_state&) = delete;

  void register_parameter(std::string name, runtime::Value value);
  /// `register_buffer(name, tensor)` (also what `self.name = tensor` does for a buffer): runs every
  /// buffer-registration hook in registration order; a hook's non-empty result replaces the value
  /// stored (nn.Module's hook protocol).
  void register_buffer(std::string name, runtime::Value value);
  /// Adds (or returns) the submodule `name`.
  module_state& submodule(std::string_view name);
  [[nodiscard]] inline const std::vector<std::pair<std::string, runtime::Value>>& parameters() const noexcept { return parameters_; }
  [[nodiscard]] inline const std::vector<std::pair<std::string, runtime::Value>>& buffers() const noexcept { return buffers_; }
  /// `state_dict()`: parameters then buffers of this module, then each submodule's under "name.".
  [[nodiscard]] std::vector<std::pair<std::string, runtime::Value>> state_dict() const;

 private:
  std::vector<std::pair<std::string, runtime::Value>> parameters_, buffers_;
  std::vector<std::pair<std::string, std::unique_ptr<module_state>>> children_;
};

/// A global buffer-registration hook: `(module, name, buffer) -> replacement or nullopt`.
using buffer_registration_hook =
    std::function<std::optional<runtime::Value>(module_state& module, std::string_view name, const runtime::Value& buffer)>;

/// Removes its hook when destroyed or `remove()`d (torch's RemovableHandle). Movable.
class hook_handle {
 public:
  hook_handle() = default;
  inline explicit hook_handle(std::uint64_t id) : id_(id) {}
  inline hook_handle(hook_handle&& o) noexcept : id_(std::exchange(o.id_, 0)) {}
  hook_handle& operator=(hook_handle&& o) noexcept;
  hook_handle(const hook_handle&) = delete;
  hook_handle& operator=(const hook_handle&) = delete;
  inline ~hook_handle() { remove(); }
  void remove() noexcept;

 private:
  std::uint64_t id_ = 0;
};

/// `register_module_buffer_registration_hook(hook)`: fires for buffer registrations on every
/// module. Thread-safe.
[[nodiscard]] hook_handle register_module_buffer_registration_hook(buffer_registration_hook hook);

/// The proxy tracer's view that the hook needs: which graph node produced a tensor (by identity).
struct proxy_tracer {
  std::unordered_map<const runtime::tensor_impl*, std::string> tensor_to_node;
};

/// `register_buffer_assignment_hook(mod, assigned_buffers)`: while the handle lives, a buffer
/// registered on `mod` itself (not on a submodule) is recorded as `assigned_buffers[name] = <name of
/// the node that produced it>`. The buffer must be a tensor (aotkit::assertion_error "expected
/// FakeTensor, got <type>") and `tracer` non-null ("proxy_mode must not be None"); a tensor the
/// tracer does not know is a key_error. The buffer is stored unchanged.
[[nodiscard]] hook_handle register_buffer_assignment_hook(module_state& mod,
                                                          std::unordered_map<std::string, std::string>& assigned_buffers,
                                                          const proxy_tracer* tracer);

/// A flat function as non-strict torch.export wraps it: `_orig_mod._export_root` when present.
struct export_flat_fn {
  std::function<runtime::value_list(const runtime::value_list&)> fn;
  module_state* export_root = nullptr;  ///< `flat_fn._orig_mod._export_root`, if the wrapper has one
};

/// `root_module_when_exporting_non_strict(flat_fn)`: the export root, or null.
[[nodiscard]] module_state* root_module_when_exporting_non_strict(const export_flat_fn& flat_fn) noexcept;

/// The module non-strict torch.export wraps the user's module in (`_orig_mod` of the function it
/// traces), holding the user's module as `_export_root`.
class export_wrapper final : public runtime::object {
 public:
  explicit export_wrapper(module_state* export_root) noexcept : export_root_(export_root) {}
  [[nodiscard]] std::string type_name() const override { return "torch.export._trace._WrapperModule"; }
  /// `_export_root` (may be null: a wrapper without one).
  [[nodiscard]] module_state* export_root() const noexcept { return export_root_; }

 private:
  module_state* export_root_;
};

/// The same on a function object: `flat_fn._orig_mod._export_root` when `_orig_mod` (in its
/// `__dict__`) is an export_wrapper, else null. create_tree_flattened_fn carries `_orig_mod` from the
/// function it flattens, so the chain holds through it.
[[nodiscard]] module_state* root_module_when_exporting_non_strict(const runtime::Callable& flat_fn) noexcept;

/// One input's entry of ViewAndMutationMeta.input_info.
struct input_info {
  bool requires_grad = false;
  bool mutates_data = false;
  bool mutates_metadata = false;
};

/// The parts of ViewAndMutationMeta that maybe_to_fresh_input reads.
struct mutation_meta {
  std::vector<input_info> inputs;
  std::vector<std::size_t> mutated_inp_runtime_indices;
};

/// What `maybe_to_fresh_input(idx, t, meta)` does to input idx (docs/semantics.md §A.11): inputs that are mutated
/// and require grad with data mutation get `t.clone()`; otherwise, mutated with metadata mutation,
/// `t.view(t.shape)`; everything else stays `t`. Out-of-range indices throw index_error.
enum class fresh_input : std::uint8_t { unchanged, clone, view };
[[nodiscard]] fresh_input maybe_to_fresh_input_kind(std::size_t idx, const mutation_meta& meta);

/// The graph-level form: for placeholder `t` of input `idx`, inserts right after the placeholders
/// `aten.clone.default(t)` or `aten.view.default(t, shape)` (shape from `t`'s tensor_meta; without
/// one, `aten.alias.default(t)`, the same fresh view), makes every other user of `t` use it, and
/// returns it — so the mutation's aliasing is explicit; returns `t` when nothing is needed.
graph::node_id maybe_to_fresh_input(graph::Graph& g, std::size_t idx, graph::node_id t, const mutation_meta& meta);

}  // namespace aotkit::rewrite
