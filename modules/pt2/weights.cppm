// modules/pt2/weights.cppm — tensors out of torch.save payloads (the nested `.pt` zips of a .pt2)
// through a restricted unpickler: only what torch.save writes for tensors and containers is built.
module;
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
export module aotkit.pt2:weights;

import :zip;

export namespace aotkit::pt2 {

/// One storage of a torch.save archive (`archive/data/<key>`): untyped bytes and the element type
/// its pickle gave it. Tensors that view it share it.
struct storage {
  std::string key;
  std::string dtype;     ///< "torch.float32", ...
  std::string device;    ///< where it was saved from ("cpu", "cuda:0")
  std::int64_t numel = 0;
  std::string bytes;     ///< little-endian, numel * itemsize of them
};

/// Bytes per element of a torch dtype name ("torch.float32" -> 4); 0 for an unknown one.
[[nodiscard]] std::size_t dtype_itemsize(std::string_view dtype) noexcept;

/// A tensor as torch.save wrote it: a strided view of a storage.
struct saved_tensor {
  std::string dtype;
  std::vector<std::int64_t> shape, stride;
  std::int64_t storage_offset = 0;
  std::shared_ptr<const storage> data;
  bool requires_grad = false;
  bool is_parameter = false;  ///< saved as an nn.Parameter
  /// Number of elements (the product of the shape).
  [[nodiscard]] std::int64_t numel() const noexcept;
  /// The first `count` elements in row-major order, as doubles (bools as 0/1, integers exactly
  /// up to 2^53). aotkit::not_implemented_error for complex and unknown dtypes.
  [[nodiscard]] std::vector<double> values(std::size_t count = static_cast<std::size_t>(-1)) const;
};

/// A value of a torch.save payload: None, bool, int, float, str, bytes, a tensor, or a list, tuple
/// or dict of them (an OrderedDict is a dict; a dict's keys are `keys`, its values `items`, in order).
struct saved_value {
  enum class kind : std::uint8_t { none, boolean, integer, floating, string, bytes, tensor, list, tuple, dict };
  kind type = kind::none;
  bool b = false;
  std::int64_t i = 0;
  double d = 0;
  std::string s;
  std::shared_ptr<const saved_tensor> t;
  std::vector<saved_value> items;  ///< list, tuple; dict: the values
  std::vector<saved_value> keys;   ///< dict: the keys
};

/// Limits of the unpickler, whatever the pickle claims.
struct unpickle_limits {
  std::size_t max_depth = 100;          ///< containers inside containers (and so no cycles)
  std::uint64_t max_storage_bytes = std::uint64_t{16} << 30;
};

/// Unpickles `archive/data.pkl` of a torch.save zip (its root folder, whatever it is named). The
/// pickle may use the opcodes of protocols 0–5 that build tuples, lists, dicts, scalars, strings
/// and bytes, and exactly these globals: `torch._utils._rebuild_tensor_v2`,
/// `torch._utils._rebuild_parameter` (and `_with_state`), `collections.OrderedDict`, and the
/// `torch.<Type>Storage` classes (persistent ids `('storage', type, key, location, numel)`).
/// Any other global is aotkit::input_error naming it (pickle is a code-execution format: nothing
/// else is ever constructed); so is a malformed pickle (at its byte offset), a storage record that
/// is missing or shorter than its numel, a view past its storage, or nesting past the limits.
[[nodiscard]] saved_value unpickle_torch_save(const zip_archive& torch_save, unpickle_limits limits = {});

/// A torch.save of `{name: tensor}` (a state dict, a .pt2's constants), in its order.
/// aotkit::input_error when the payload is anything else.
[[nodiscard]] std::vector<std::pair<std::string, saved_tensor>> load_tensor_dict(const zip_archive& torch_save);

/// The weights (or constants) of a torch 2.9+ PT2 archive: the payload config at `config_record`
/// (`{"config": {fqn: {"path_name", "is_param", "use_pickle", "tensor_meta"}}}`) and the raw storage
/// records it names in `folder` ("data/weights/"), each viewed by its TensorMeta (dtype, sizes,
/// strides, storage offset; entries naming one record share its storage). `use_pickle` entries are
/// torch.save payloads read by the restricted unpickler. Built from PyTorch's documentation and
/// writer code: no torch 2.9 runs here. aotkit::input_error for a malformed config, a missing or
/// short record, a view past its record.
[[nodiscard]] std::vector<std::pair<std::string, saved_tensor>> load_raw_tensors(const zip_archive& archive,
                                                                                  std::string_view config_record,
                                                                                  std::string_view folder);

/// Writes `value` as torch.save does (`torch.save(value, f)`): a zip of `<archive_name>/data.pkl`
/// (a protocol 2 pickle: tensors through `torch._utils._rebuild_tensor_v2`, parameters through
/// `_rebuild_parameter`, dicts as plain dicts, bytes as protocol 3 BINBYTES), `byteorder`, one
/// `data/<key>` record per storage (tensors sharing a storage share it) and `version`. What
/// `unpickle_torch_save` reads back is `value`. aotkit::value_error for a tensor without a storage
/// or a view past it, nesting past unpickle_limits' depth; containers are walked without recursion.
[[nodiscard]] std::string torch_save(const saved_value& value, std::string_view archive_name = "archive");

/// The records torch 2.9+'s `torch.export.save` writes for a state dict or the constants (its
/// `_save_raw_tensors`): each storage's bytes once, as `<prefix><i>` in the order storages are
/// first met, and the payload config naming them, `{"config": {fqn: {"path_name", "is_param",
/// "use_pickle": false, "tensor_meta"}}}` in Python's json.dumps bytes (TensorMeta: the schema's
/// dtype code, sizes, strides and storage offset as `{"as_int": n}`, `requires_grad`, device
/// `{"type": "cpu"}`, layout 7 = strided). Views of one storage name one record, so aliasing
/// survives as torch's loader rebuilds it (`as_strided` over the record). `load_raw_tensors`
/// reads them back. aotkit::value_error for a tensor without a storage or an unknown dtype.
struct raw_tensor_records {
  std::string config;                                        ///< the payload config JSON
  std::vector<std::pair<std::string, std::string>> records;  ///< path name (`weight_0`), bytes
};
[[nodiscard]] raw_tensor_records save_raw_tensors(const std::vector<std::pair<std::string, saved_tensor>>& tensors,
                                                  std::string_view prefix);

/// `torch_save` of `{name: tensor}` in the given order.
[[nodiscard]] std::string save_tensor_dict(const std::vector<std::pair<std::string, saved_tensor>>& tensors,
                                           std::string_view archive_name = "archive");

}  // namespace aotkit::pt2

namespace aotkit::pt2 {
// The dtype name of the schema's ScalarType code ("torch.float32" for 7), or "" (not exported:
// the program and weight readers share it).
[[nodiscard]] std::string_view dtype_of_scalar_type(std::int64_t code) noexcept;
// Its inverse: the ScalarType code of "torch.float32" (7), or -1.
[[nodiscard]] std::int64_t scalar_type_of_dtype(std::string_view dtype) noexcept;

// Whether a saved tensor's view lies inside its storage (the unpickler, the raw-record reader and
// ExportedProgram's loader share it).
enum class view_fit : std::uint8_t { fits, size_overflows, past_storage };
[[nodiscard]] view_fit fit_of(const saved_tensor& t) noexcept;
}  // namespace aotkit::pt2
