// modules/rewrite/tensor.cppm — the interpreter's tensors (partition :tensor): dense, contiguous,
// row-major, any of torch's real dtypes, stored as the little-endian bytes torch stores.
module;
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>
export module aotkit.rewrite:tensor;

import aotkit.runtime;

export namespace aotkit::rewrite {

/// Bytes per element of a dtype (1 for Bool, 2 for Half and BFloat16, ...).
[[nodiscard]] std::size_t itemsize(runtime::ScalarType dtype) noexcept;
/// torch.is_floating_point's rule: Half, BFloat16, Float, Double.
[[nodiscard]] bool is_floating(runtime::ScalarType dtype) noexcept;
/// True for the complex dtypes (which the interpreter stores but does not compute with).
[[nodiscard]] bool is_complex(runtime::ScalarType dtype) noexcept;
/// torch.promote_types for the real dtypes: a wider category wins (bool < integer < floating),
/// within one the wider type (uint8 with int8 gives int16, float16 with bfloat16 gives float32).
[[nodiscard]] runtime::ScalarType promote_types(runtime::ScalarType a, runtime::ScalarType b);

/// A dense row-major tensor of any real dtype: the interpreter's storage behind runtime::Tensor.
/// Elements are kept as torch keeps them (float16 as its 16 bits, bool as one byte), so a tensor
/// read from a checkpoint is the checkpoint's bytes.
class dense_tensor final : public runtime::tensor_impl {
 public:
  /// `bytes` must hold numel(sizes) * itemsize(dtype) bytes (aotkit::value_error otherwise).
  dense_tensor(std::vector<std::int64_t> sizes, runtime::ScalarType dtype, std::vector<std::byte> bytes);
  [[nodiscard]] std::span<const std::int64_t> sizes() const noexcept override { return sizes_; }
  [[nodiscard]] runtime::ScalarType dtype() const noexcept override { return dtype_; }
  /// `tensor([1., 2.])`-style text: the elements flat, with Python's float repr (ints as ints,
  /// bools as True/False), then `, dtype=torch.int64` for a dtype other than float32.
  [[nodiscard]] std::string repr() const override;
  /// The number of elements.
  [[nodiscard]] inline std::size_t numel() const noexcept { return numel_; }
  /// The raw little-endian elements.
  [[nodiscard]] inline std::span<const std::byte> bytes() const noexcept { return bytes_; }
  /// Element `i` (row-major) as a double: bools as 0/1, integers exactly up to 2^53.
  [[nodiscard]] double value(std::size_t i) const;
  /// Element `i` as an int64 (floating values truncated toward zero, as `int()`).
  [[nodiscard]] std::int64_t int_value(std::size_t i) const;
  /// Every element as a double / as an int64.
  [[nodiscard]] std::vector<double> values() const;
  [[nodiscard]] std::vector<std::int64_t> int_values() const;
  /// The float32 elements; aotkit::type_error for another dtype.
  [[nodiscard]] std::span<const float> data() const;

 private:
  std::vector<std::int64_t> sizes_;
  runtime::ScalarType dtype_;
  std::size_t numel_ = 0;
  std::vector<std::byte> bytes_;
};

/// The number of elements of `sizes`; aotkit::value_error for a negative size or an overflow.
[[nodiscard]] std::size_t numel_of(std::span<const std::int64_t> sizes);

/// A float32 tensor; aotkit::value_error when the data and sizes disagree.
[[nodiscard]] runtime::Value make_tensor(std::vector<std::int64_t> sizes, std::vector<float> data);
/// A tensor of `dtype` from values (rounded to the dtype as torch's `.to(dtype)` does: floats to
/// nearest, integers truncated toward zero, bools as `!= 0`).
[[nodiscard]] runtime::Value make_tensor(std::vector<std::int64_t> sizes, runtime::ScalarType dtype,
                                         std::span<const double> values);
/// A tensor of `dtype` from integers (exact for every integer dtype).
[[nodiscard]] runtime::Value make_int_tensor(std::vector<std::int64_t> sizes, runtime::ScalarType dtype,
                                             std::span<const std::int64_t> values);
/// A tensor of `dtype` from its raw little-endian bytes.
[[nodiscard]] runtime::Value make_tensor_bytes(std::vector<std::int64_t> sizes, runtime::ScalarType dtype,
                                               std::vector<std::byte> bytes);

/// The dense tensor inside `v`; throws aotkit::type_error for anything else.
[[nodiscard]] const dense_tensor& as_dense(const runtime::Value& v);

/// Structural equality of interpreter values: tensors by sizes, dtype and bytes (NaN == NaN when
/// the bits agree), everything else as runtime::Value compares.
[[nodiscard]] bool same_value(const runtime::Value& a, const runtime::Value& b);

}  // namespace aotkit::rewrite
