// modules/rewrite/tensor.cpp — dense tensors of every real dtype: element loads and stores through
// memcpy (no aliasing games), float16/bfloat16 rounded to nearest-even as torch rounds them.
module;
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>
module aotkit.rewrite;

import aotkit.runtime;

namespace aotkit::rewrite {

using runtime::ScalarType;
using runtime::Value;

namespace {

float half_to_float(std::uint16_t h) {
  std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
  if (exp == 0) {  // zero or subnormal: man * 2^-24
    float v = std::ldexp(static_cast<float>(man), -24);
    return sign ? -v : v;
  }
  std::uint32_t bits = exp == 0x1f ? (sign | 0x7f800000u | (man << 13)) : (sign | ((exp + 112) << 23) | (man << 13));
  return std::bit_cast<float>(bits);
}

std::uint16_t float_to_half(float f) {
  std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  std::uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u));
  if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds past 65504
  if (abs < 0x38800000u) {  // below the smallest normal: subnormal, rounded to nearest even
    float v = std::bit_cast<float>(abs);
    float scaled = v * 16777216.0f;  // v / 2^-24, exact
    return static_cast<std::uint16_t>(sign | static_cast<std::uint16_t>(std::nearbyint(scaled)));
  }
  std::uint32_t mant_odd = (abs >> 13) & 1u;
  abs += 0xfffu + mant_odd;  // round to nearest even on the 13 dropped bits
  return static_cast<std::uint16_t>(sign | ((abs - (112u << 23)) >> 13));
}

float bf16_to_float(std::uint16_t b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }

std::uint16_t float_to_bf16(float f) {
  std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  if (std::isnan(f)) return static_cast<std::uint16_t>((x >> 16) | 0x40u);
  x += 0x7fffu + ((x >> 16) & 1u);
  return static_cast<std::uint16_t>(x >> 16);
}

template <class T>
T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class T>
void store(std::byte* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

// Python's int(): toward zero; NaN and out-of-range values give 0 / the saturated bound rather
// than UB (torch's result there is unspecified too).
std::int64_t to_int64(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9.2233720368547758e18) return std::numeric_limits<std::int64_t>::max();
  if (v <= -9.2233720368547758e18) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(v);
}

double load_double(ScalarType t, const std::byte* p) {
  switch (t) {
    case ScalarType::Byte: return load<std::uint8_t>(p);
    case ScalarType::Char: return load<std::int8_t>(p);
    case ScalarType::Short: return load<std::int16_t>(p);
    case ScalarType::Int: return load<std::int32_t>(p);
    case ScalarType::Long: return static_cast<double>(load<std::int64_t>(p));
    case ScalarType::Half: return half_to_float(load<std::uint16_t>(p));
    case ScalarType::Float: return load<float>(p);
    case ScalarType::Double: return load<double>(p);
    case ScalarType::Bool: return load<std::uint8_t>(p) != 0 ? 1.0 : 0.0;
    case ScalarType::BFloat16: return bf16_to_float(load<std::uint16_t>(p));
    case ScalarType::ComplexHalf:
    case ScalarType::ComplexFloat:
    case ScalarType::ComplexDouble: break;
  }
  throw not_implemented_error("interpreter: no arithmetic on " + std::string(runtime::to_string(t)) + " tensors");
}

std::int64_t load_int(ScalarType t, const std::byte* p) {
  switch (t) {
    case ScalarType::Byte: return load<std::uint8_t>(p);
    case ScalarType::Char: return load<std::int8_t>(p);
    case ScalarType::Short: return load<std::int16_t>(p);
    case ScalarType::Int: return load<std::int32_t>(p);
    case ScalarType::Long: return load<std::int64_t>(p);
    case ScalarType::Bool: return load<std::uint8_t>(p) != 0 ? 1 : 0;
    default: return to_int64(load_double(t, p));
  }
}

void store_double(ScalarType t, std::byte* p, double v) {
  switch (t) {
    case ScalarType::Half: return store(p, float_to_half(static_cast<float>(v)));
    case ScalarType::Float: return store(p, static_cast<float>(v));
    case ScalarType::Double: return store(p, v);
    case ScalarType::BFloat16: return store(p, float_to_bf16(static_cast<float>(v)));
    case ScalarType::Bool: return store(p, static_cast<std::uint8_t>(v != 0.0 ? 1 : 0));
    default: break;
  }
  std::int64_t i = to_int64(v);
  switch (t) {
    case ScalarType::Byte: return store(p, static_cast<std::uint8_t>(i));
    case ScalarType::Char: return store(p, static_cast<std::int8_t>(i));
    case ScalarType::Short: return store(p, static_cast<std::int16_t>(i));
    case ScalarType::Int: return store(p, static_cast<std::int32_t>(i));
    case ScalarType::Long: return store(p, i);
    default: break;
  }
  throw not_implemented_error("interpreter: no arithmetic on " + std::string(runtime::to_string(t)) + " tensors");
}

void store_int(ScalarType t, std::byte* p, std::int64_t v) {
  switch (t) {
    // Integer narrowing wraps modulo 2^n, as a C cast and torch's `.to()` do.
    case ScalarType::Byte: return store(p, static_cast<std::uint8_t>(v));
    case ScalarType::Char: return store(p, static_cast<std::int8_t>(v));
    case ScalarType::Short: return store(p, static_cast<std::int16_t>(v));
    case ScalarType::Int: return store(p, static_cast<std::int32_t>(v));
    case ScalarType::Long: return store(p, v);
    case ScalarType::Bool: return store(p, static_cast<std::uint8_t>(v != 0 ? 1 : 0));
    default: return store_double(t, p, static_cast<double>(v));
  }
}

int category(ScalarType t) { return t == ScalarType::Bool ? 0 : is_floating(t) ? 2 : 1; }

}  // namespace

std::size_t itemsize(ScalarType t) noexcept {
  switch (t) {
    case ScalarType::Byte:
    case ScalarType::Char:
    case ScalarType::Bool: return 1;
    case ScalarType::Short:
    case ScalarType::Half:
    case ScalarType::BFloat16: return 2;
    case ScalarType::Int:
    case ScalarType::Float:
    case ScalarType::ComplexHalf: return 4;
    case ScalarType::Long:
    case ScalarType::Double:
    case ScalarType::ComplexFloat: return 8;
    case ScalarType::ComplexDouble: return 16;
  }
  return 0;
}

bool is_floating(ScalarType t) noexcept {
  return t == ScalarType::Half || t == ScalarType::BFloat16 || t == ScalarType::Float || t == ScalarType::Double;
}

bool is_complex(ScalarType t) noexcept {
  return t == ScalarType::ComplexHalf || t == ScalarType::ComplexFloat || t == ScalarType::ComplexDouble;
}

ScalarType promote_types(ScalarType a, ScalarType b) {
  if (a == b) return a;
  if (is_complex(a) || is_complex(b))
    throw not_implemented_error("interpreter: complex dtypes (" + std::string(runtime::to_string(a)) + ", " +
                                std::string(runtime::to_string(b)) + ")");
  int ca = category(a), cb = category(b);
  if (ca != cb) return ca > cb ? a : b;
  if (ca == 2) {
    if (a == ScalarType::Double || b == ScalarType::Double) return ScalarType::Double;
    return ScalarType::Float;  // Float with a 16-bit type, or Half with BFloat16
  }
  // Two integer types: uint8 with a signed one needs the next signed width up.
  auto rank = [](ScalarType t) {
    switch (t) {
      case ScalarType::Char: return 1;
      case ScalarType::Short: return 2;
      case ScalarType::Int: return 3;
      default: return 4;  // Long
    }
  };
  if (a == ScalarType::Byte || b == ScalarType::Byte) {
    ScalarType other = a == ScalarType::Byte ? b : a;
    return other == ScalarType::Char ? ScalarType::Short : other;
  }
  return rank(a) > rank(b) ? a : b;
}

std::size_t numel_of(std::span<const std::int64_t> sizes) {
  std::size_t n = 1;
  for (std::int64_t s : sizes) {
    if (s < 0) throw value_error("negative dimension " + std::to_string(s));
    if (s != 0 && n > std::numeric_limits<std::size_t>::max() / 16 / static_cast<std::size_t>(s))
      throw value_error("tensor too large");
    n *= static_cast<std::size_t>(s);
  }
  return n;
}

dense_tensor::dense_tensor(std::vector<std::int64_t> sizes, ScalarType dtype, std::vector<std::byte> bytes)
    : sizes_(std::move(sizes)), dtype_(dtype), numel_(numel_of(sizes_)), bytes_(std::move(bytes)) {
  if (bytes_.size() != numel_ * itemsize(dtype_))
    throw value_error("dense_tensor: " + std::to_string(bytes_.size()) + " bytes for " + std::to_string(numel_) + " " +
                      std::string(runtime::to_string(dtype_)) + " elements");
}

double dense_tensor::value(std::size_t i) const { return load_double(dtype_, bytes_.data() + i * itemsize(dtype_)); }

std::int64_t dense_tensor::int_value(std::size_t i) const { return load_int(dtype_, bytes_.data() + i * itemsize(dtype_)); }

std::vector<double> dense_tensor::values() const {
  std::vector<double> out(numel_);
  if (dtype_ == ScalarType::Float) {
    for (std::size_t i = 0; i < numel_; ++i) out[i] = load<float>(bytes_.data() + i * 4);
    return out;
  }
  std::size_t w = itemsize(dtype_);
  for (std::size_t i = 0; i < numel_; ++i) out[i] = load_double(dtype_, bytes_.data() + i * w);
  return out;
}

std::vector<std::int64_t> dense_tensor::int_values() const {
  std::vector<std::int64_t> out(numel_);
  std::size_t w = itemsize(dtype_);
  for (std::size_t i = 0; i < numel_; ++i) out[i] = load_int(dtype_, bytes_.data() + i * w);
  return out;
}

std::span<const float> dense_tensor::data() const {
  if (dtype_ != ScalarType::Float) throw type_error("expected a torch.float32 tensor, got " + std::string(runtime::to_string(dtype_)));
  // The bytes came from operator new (aligned for any scalar), and the elements were written as floats.
  return {reinterpret_cast<const float*>(bytes_.data()), numel_};
}

std::string dense_tensor::repr() const {
  std::string s = "tensor([";
  for (std::size_t i = 0; i < numel_; ++i) {
    if (i) s += ", ";
    if (dtype_ == ScalarType::Bool) s += int_value(i) ? "True" : "False";
    else if (is_floating(dtype_)) python::append_float_repr(s, value(i));
    else s += std::to_string(int_value(i));
  }
  s += "]";
  if (dtype_ != ScalarType::Float && dtype_ != ScalarType::Long && dtype_ != ScalarType::Bool)
    s += ", dtype=" + std::string(runtime::to_string(dtype_));
  return s + ")";
}

Value make_tensor_bytes(std::vector<std::int64_t> sizes, ScalarType dtype, std::vector<std::byte> bytes) {
  return Value(runtime::Tensor(std::make_shared<const dense_tensor>(std::move(sizes), dtype, std::move(bytes))));
}

Value make_tensor(std::vector<std::int64_t> sizes, std::vector<float> data) {
  std::size_t n = numel_of(sizes);
  if (n != data.size())
    throw value_error("make_tensor: " + std::to_string(data.size()) + " values for " + std::to_string(n) + " elements");
  std::vector<std::byte> bytes(n * sizeof(float));
  if (n) std::memcpy(bytes.data(), data.data(), bytes.size());
  return make_tensor_bytes(std::move(sizes), ScalarType::Float, std::move(bytes));
}

Value make_tensor(std::vector<std::int64_t> sizes, ScalarType dtype, std::span<const double> values) {
  std::size_t n = numel_of(sizes);
  if (n != values.size())
    throw value_error("make_tensor: " + std::to_string(values.size()) + " values for " + std::to_string(n) + " elements");
  std::size_t w = itemsize(dtype);
  std::vector<std::byte> bytes(n * w);
  if (dtype == ScalarType::Float) {
    for (std::size_t i = 0; i < n; ++i) store(bytes.data() + i * 4, static_cast<float>(values[i]));
  } else {
    for (std::size_t i = 0; i < n; ++i) store_double(dtype, bytes.data() + i * w, values[i]);
  }
  return make_tensor_bytes(std::move(sizes), dtype, std::move(bytes));
}

Value make_int_tensor(std::vector<std::int64_t> sizes, ScalarType dtype, std::span<const std::int64_t> values) {
  std::size_t n = numel_of(sizes);
  if (n != values.size())
    throw value_error("make_int_tensor: " + std::to_string(values.size()) + " values for " + std::to_string(n) + " elements");
  std::size_t w = itemsize(dtype);
  std::vector<std::byte> bytes(n * w);
  for (std::size_t i = 0; i < n; ++i) store_int(dtype, bytes.data() + i * w, values[i]);
  return make_tensor_bytes(std::move(sizes), dtype, std::move(bytes));
}

const dense_tensor& as_dense(const Value& v) {
  if (!v.is_tensor()) throw type_error("expected a Tensor, got " + v.type_name());
  const auto* d = dynamic_cast<const dense_tensor*>(v.to_tensor().impl().get());
  if (!d) throw type_error("expected an interpreter tensor");
  return *d;
}

bool same_value(const Value& a, const Value& b) {
  if (a.is_tensor() && b.is_tensor()) {
    const auto& x = as_dense(a);
    const auto& y = as_dense(b);
    if (!std::equal(x.sizes().begin(), x.sizes().end(), y.sizes().begin(), y.sizes().end())) return false;
    return x.dtype() == y.dtype() && x.bytes().size() == y.bytes().size() &&
           (x.bytes().empty() || std::memcmp(x.bytes().data(), y.bytes().data(), x.bytes().size()) == 0);
  }
  if (a.is_sequence() && b.is_sequence()) {
    if (a.is_list() != b.is_list() || a.items().size() != b.items().size()) return false;
    for (std::size_t i = 0; i < a.items().size(); ++i)
      if (!same_value(a.items()[i], b.items()[i])) return false;
    return true;
  }
  return a == b;
}

}  // namespace aotkit::rewrite
