// modules/pt2/run.cppm — an exported program with its weights, callable as `ep.module()(*args,
// **kwargs)` (partition :run): inputs checked and flattened by in_spec, state added by the
// signature, the graph run by aotkit.rewrite's interpreter, mutations applied, outputs unflattened.
module;
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
export module aotkit.pt2:run;

import aotkit.runtime;
import aotkit.pytree;
import :zip;
import :archive;
import :program;
import :weights;

export namespace aotkit::pt2 {

/// A checkpoint's tensor as an interpreter value: its strided view of the storage gathered into
/// a dense tensor of the same dtype (aotkit::not_implemented_error for a dtype the interpreter
/// does not store, aotkit::input_error for a view past its storage).
[[nodiscard]] runtime::Value to_value(const saved_tensor& t);

/// A torch.save value as a pytree of runtime values: tensors, numbers, strings and bytes are
/// leaves, None is None, lists, tuples and dicts (str or int keys) are nodes.
[[nodiscard]] pytree::Tree<runtime::Value> to_tree(const saved_value& v);

/// An interpreter tensor as a checkpoint's tensor: contiguous, over a storage of its own.
[[nodiscard]] saved_tensor to_saved_tensor(const runtime::Value& tensor);

/// A pytree of runtime values as a torch.save value (leaves: tensors, None, bools, ints, floats,
/// strings; nodes: tuples, lists, dicts and OrderedDicts, None). aotkit::value_error otherwise.
[[nodiscard]] saved_value to_saved_value(const pytree::Tree<runtime::Value>& tree);

/// A named tensor of a program's state.
using named_value = std::pair<std::string, runtime::Value>;

/// What `torch.export.load` returns, with its weights: the program, the state dict, the constants
/// (non-persistent buffers, lifted tensor constants) and the example inputs, callable like
/// `ep.module()`. Buffers that the program mutates keep the new value across calls, as the
/// unlifted module's buffers do.
class ExportedProgram {
 public:
  ExportedProgram(exported_program program, std::vector<named_value> state_dict, std::vector<named_value> constants,
                  std::optional<pytree::Tree<runtime::Value>> example_inputs = std::nullopt);
  /// Reads model `model` of any layout that holds a program (legacy zip, PT2 archive of 2.8 and
  /// 2.9+): program, state dict, constants and example inputs.
  [[nodiscard]] static ExportedProgram load(const zip_archive& archive, std::string_view model = "model");

  [[nodiscard]] inline const exported_program& program() const noexcept { return program_; }
  /// The program, to change as torch's `ep.graph` can be changed (a pass, `_remove_effect_tokens`):
  /// calls run it as it then stands, and save() serializes it (write_exported_program). The state
  /// dict and constants stay; the signature must keep naming them.
  [[nodiscard]] inline exported_program& program() noexcept { return program_; }
  [[nodiscard]] inline const std::vector<named_value>& state_dict() const noexcept { return state_dict_; }
  [[nodiscard]] inline const std::vector<named_value>& constants() const noexcept { return constants_; }
  /// `ep.example_inputs` as the tree `(args, kwargs)`; nullopt when the archive has none.
  [[nodiscard]] inline const std::optional<pytree::Tree<runtime::Value>>& example_inputs() const noexcept { return example_inputs_; }

  /// `ep.module()(*args, **kwargs)` with `args_kwargs` the tree `(args, kwargs)`: kwargs are
  /// reordered to the exported order (torch's ValueError "Ran into a kwarg keyword mismatch: ..."
  /// when the names differ), the inputs flattened and checked against `in_spec` (torch's
  /// "Trying to flatten user inputs with exported input tree spec: ..."), each tensor's rank,
  /// static sizes and symbolic ranges checked as torch checks them (aotkit::runtime_error "Expected
  /// input at *args[0].shape[0] to be <= 64, but got 65"), then the graph runs; the user outputs
  /// come back unflattened by `out_spec`.
  [[nodiscard]] pytree::Tree<runtime::Value> operator()(const pytree::Tree<runtime::Value>& args_kwargs);
  /// The same with positional arguments and keyword arguments given apart.
  [[nodiscard]] pytree::Tree<runtime::Value> call(std::vector<pytree::Tree<runtime::Value>> args,
                                                  std::vector<std::pair<std::string, pytree::Tree<runtime::Value>>> kwargs = {});
  /// `torch.export.save(ep, f)`'s bytes in the layout torch 2.1–2.7 write (the legacy zip:
  /// `serialized_exported_program.json` as write_exported_program gives it, the state dict, the
  /// constants and the example inputs as torch.save payloads, `version`). The state is the
  /// current one (buffers as the last call left them); parameters are saved as nn.Parameter. A
  /// program changed since it was read is serialized (write_exported_program).
  [[nodiscard]] std::string save() const;
  /// The same in a chosen layout: `legacy_zip` (save() above), or the PT2 archive torch 2.8+
  /// writes under the root folder `root` (torch names it after the file: `model.pt2` → `model`;
  /// a buffer gets `archive`): `archive_format` (`pt2`), `archive_version` (`0`), `byteorder`,
  /// `.data/version` (`6`), `.data/serialization_id` (40 digits, here a hash of the records:
  /// the same program writes the same bytes), `models/model.json` and
  /// `data/sample_inputs/model.pt`; the weights and constants as torch 2.8 writes them
  /// (`pt2_archive`: `data/weights/model.pt`, `data/constants/model.pt`, nested torch.save
  /// payloads) or torch 2.9+ (`pt2_archive_raw`: raw `weight_<i>` / `tensor_<i>` records and their
  /// payload configs, see save_raw_tensors). Built from torch's writer code and documentation
  /// (docs/pt2.md): no torch 2.8 or 2.9 runs here. aotkit::value_error for another layout or a
  /// root that is not one plain folder name.
  [[nodiscard]] std::string save(pt2_layout layout, std::string_view root = "archive") const;

  /// The user inputs the last call mutated (USER_INPUT_MUTATION outputs): input name, new value.
  [[nodiscard]] inline const std::vector<named_value>& mutated_inputs() const noexcept { return mutated_inputs_; }
  /// The effects the last call had, in order ("aten._print.default('moo')").
  [[nodiscard]] inline const std::vector<std::string>& effect_log() const noexcept { return effect_log_; }

 private:
  exported_program program_;
  std::vector<named_value> state_dict_, constants_;
  std::optional<pytree::Tree<runtime::Value>> example_inputs_;
  std::vector<named_value> mutated_inputs_;
  std::vector<std::string> frozen_parameters_;  // parameters loaded with requires_grad=False
  // The tensors as the archive held them, beside state_dict_ and constants_ when loaded: their
  // flags (Parameter, requires_grad), and the view of the storage when another tensor shares it:
  // save writes an unchanged one as that view, so tied weights and buffers that view one another
  // stay one storage.
  std::vector<std::optional<saved_tensor>> saved_state_, saved_constants_;
  std::vector<std::string> effect_log_;
};

}  // namespace aotkit::pt2
