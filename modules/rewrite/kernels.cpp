// modules/rewrite/kernels.cpp — the interpreter's kernel table: one entry per operator with its
// parameter list (as torch 2.6's schema names them) and a function over the bound arguments.
module;
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <numbers>
#include <numeric>
#include <type_traits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>
module aotkit.rewrite;

import aotkit.runtime;

namespace aotkit::rewrite {

using runtime::ScalarType;
using runtime::Value;
using runtime::value_list;

namespace {

using shape_t = std::vector<std::int64_t>;

std::string shape_str(std::span<const std::int64_t> s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// c10's name of a dtype in messages ("Long", "Float").
std::string c10_name(ScalarType t) {
  static constexpr std::string_view names[] = {"Byte", "Char", "Short", "Int", "Long", "Half", "Float", "Double",
                                               "ComplexHalf", "ComplexFloat", "ComplexDouble", "Bool", "BFloat16"};
  return std::string(names[static_cast<std::size_t>(t)]);
}

std::size_t product(std::span<const std::int64_t> s, std::size_t from = 0, std::size_t to = std::string::npos) {
  to = std::min(to, s.size());
  std::size_t n = 1;
  for (std::size_t i = from; i < to; ++i) n *= static_cast<std::size_t>(s[i]);
  return n;
}

shape_t strides_of(std::span<const std::int64_t> sizes) {
  shape_t st(sizes.size());
  std::int64_t acc = 1;
  for (std::size_t i = sizes.size(); i-- > 0;) {
    st[i] = acc;
    acc *= std::max<std::int64_t>(sizes[i], 1);
  }
  return st;
}

// torch's maybe_wrap_dim, with its IndexError text.
std::size_t wrap_dim(std::int64_t d, std::size_t rank) {
  std::int64_t r = std::max<std::int64_t>(static_cast<std::int64_t>(rank), 1);
  if (d < -r || d >= r)
    throw index_error("Dimension out of range (expected to be in range of [" + std::to_string(-r) + ", " +
                      std::to_string(r - 1) + "], but got " + std::to_string(d) + ")");
  return static_cast<std::size_t>(d < 0 ? d + r : d);
}

// ---- arguments ---------------------------------------------------------------------------------

struct args_view {
  const kernel_call& c;
  [[nodiscard]] const Value& at(std::size_t i) const { return c.args[i]; }
  [[nodiscard]] bool none(std::size_t i) const { return c.args[i].is_none(); }
  [[nodiscard]] const dense_tensor& t(std::size_t i) const { return as_dense(c.args[i]); }
  [[nodiscard]] std::int64_t i64(std::size_t i) const { return int_of(c.args[i]); }
  [[nodiscard]] double f64(std::size_t i) const { return number_of(c.args[i]); }
  [[nodiscard]] bool b(std::size_t i) const {
    const Value& v = c.args[i];
    if (v.is_bool()) return v.to_bool();
    return int_of(v) != 0;
  }
  [[nodiscard]] shape_t ints(std::size_t i) const {
    const Value& v = c.args[i];
    if (!v.is_sequence()) return {int_of(v)};
    shape_t out;
    for (const Value& x : v.items()) out.push_back(int_of(x));
    return out;
  }
  [[nodiscard]] std::optional<ScalarType> dtype(std::size_t i) const {
    const Value& v = c.args[i];
    if (v.is_none()) return std::nullopt;
    if (v.is_string()) return parse_dtype(v.to_string());
    throw type_error(std::string(c.op) + ": expected a dtype, got " + v.type_name());
  }
  static std::int64_t int_of(const Value& v) {
    if (v.is_int()) return v.to_int();
    if (v.is_bool()) return v.to_bool() ? 1 : 0;
    if (v.is_symint()) return runtime::_get_symint_hints(v.to_symint());
    if (v.is_tensor()) {
      const auto& t = as_dense(v);
      if (t.numel() != 1 || is_floating(t.dtype())) throw type_error("expected an int, got a Tensor");
      return t.int_value(0);
    }
    throw type_error("expected an int, got " + v.type_name());
  }
  static double number_of(const Value& v) {
    if (v.is_double()) return v.to_double();
    if (v.is_int()) return static_cast<double>(v.to_int());
    if (v.is_bool()) return v.to_bool() ? 1.0 : 0.0;
    if (v.is_symint()) return static_cast<double>(runtime::_get_symint_hints(v.to_symint()));
    if (v.is_tensor()) {
      const auto& t = as_dense(v);
      if (t.numel() != 1) throw runtime_error("a Tensor with " + std::to_string(t.numel()) + " elements cannot be converted to Scalar");
      return t.value(0);
    }
    throw type_error("expected a number, got " + v.type_name());
  }
};

Value tensor_of(shape_t sizes, ScalarType dtype, const std::vector<double>& v) { return make_tensor(std::move(sizes), dtype, v); }
Value int_tensor_of(shape_t sizes, ScalarType dtype, const std::vector<std::int64_t>& v) {
  return make_int_tensor(std::move(sizes), dtype, v);
}
shape_t sizes_of(const dense_tensor& t) { return {t.sizes().begin(), t.sizes().end()}; }

// ---- type promotion (c10's result_type: dimensioned tensors, zero-dim tensors, wrapped numbers) --

struct operand {
  const dense_tensor* t = nullptr;
  double number = 0;
  std::int64_t inumber = 0;
  ScalarType number_type = ScalarType::Long;  // of a Python number: Bool, Long or Double
  [[nodiscard]] std::span<const std::int64_t> sizes() const noexcept { return t ? t->sizes() : std::span<const std::int64_t>{}; }
};

operand operand_of(const Value& v) {
  operand o;
  if (v.is_tensor()) {
    o.t = &as_dense(v);
  } else if (v.is_bool()) {
    o.number = o.inumber = v.to_bool() ? 1 : 0;
    o.number_type = ScalarType::Bool;
  } else if (v.is_int() || v.is_symint()) {
    o.inumber = args_view::int_of(v);
    o.number = static_cast<double>(o.inumber);
  } else if (v.is_double()) {
    o.number = v.to_double();
    o.inumber = static_cast<std::int64_t>(std::isfinite(o.number) ? o.number : 0);
    o.number_type = ScalarType::Double;
  } else {
    throw type_error("expected a Tensor or a number, got " + v.type_name());
  }
  return o;
}

ScalarType combine_categories(std::optional<ScalarType> higher, std::optional<ScalarType> lower) {
  if (!higher) return *lower;
  if (!lower) return *higher;
  if (is_floating(*higher)) return *higher;
  if (*higher == ScalarType::Bool || is_floating(*lower)) return promote_types(*higher, *lower);
  return *higher;
}

ScalarType result_type(std::span<const operand> ops) {
  std::optional<ScalarType> dim, zero, wrapped;
  auto update = [](std::optional<ScalarType>& slot, ScalarType t) { slot = slot ? promote_types(*slot, t) : t; };
  for (const operand& o : ops) {
    if (o.t) update(o.t->sizes().empty() ? zero : dim, o.t->dtype());
    else update(wrapped, o.number_type == ScalarType::Double ? ScalarType::Float : o.number_type);
  }
  if (!dim && !zero && !wrapped) return ScalarType::Float;
  std::optional<ScalarType> lower = (zero || wrapped) ? std::optional(combine_categories(zero, wrapped)) : std::nullopt;
  return combine_categories(dim, lower);
}

// torch's infer_size: the broadcast shape of two size lists, with its error text.
shape_t broadcast_sizes(std::span<const std::int64_t> a, std::span<const std::int64_t> b) {
  std::size_t n = std::max(a.size(), b.size());
  shape_t r(n);
  for (std::size_t k = 0; k < n; ++k) {
    std::int64_t x = k < n - a.size() ? 1 : a[k - (n - a.size())];
    std::int64_t y = k < n - b.size() ? 1 : b[k - (n - b.size())];
    if (x != y && x != 1 && y != 1)
      throw runtime_error("The size of tensor a (" + std::to_string(x) + ") must match the size of tensor b (" +
                          std::to_string(y) + ") at non-singleton dimension " + std::to_string(k));
    r[k] = x == 1 ? y : x;
  }
  return r;
}

shape_t broadcast_shapes(std::span<const operand> ops) {
  shape_t out;
  for (const operand& o : ops) out = broadcast_sizes(out, o.sizes());
  return out;
}

// For each output element (row-major over `out`), the linear index into an operand of `in` sizes
// broadcast to it.
std::vector<std::size_t> broadcast_index(std::span<const std::int64_t> in, std::span<const std::int64_t> out) {
  std::size_t n = product(out), rank = out.size(), off = rank - in.size();
  shape_t st(rank, 0), in_st = strides_of(in);
  for (std::size_t k = 0; k < in.size(); ++k) st[off + k] = in[k] == 1 ? 0 : in_st[k];
  std::vector<std::size_t> idx(n);
  shape_t counter(rank, 0);
  std::int64_t pos = 0;
  for (std::size_t i = 0; i < n; ++i) {
    idx[i] = static_cast<std::size_t>(pos);
    for (std::size_t k = rank; k-- > 0;) {
      pos += st[k];
      if (++counter[k] < out[k]) break;
      pos -= st[k] * out[k];
      counter[k] = 0;
    }
  }
  return idx;
}

template <class T>
std::vector<T> load_values(const operand& o) {
  if constexpr (std::is_same_v<T, double>) return o.t ? o.t->values() : std::vector<double>{o.number};
  else return o.t ? o.t->int_values() : std::vector<std::int64_t>{o.inumber};
}

// Elementwise over broadcast operands, computing in T (double or int64) and storing `out_dtype`.
template <class T, class F>
Value elementwise(std::span<const operand> ops, ScalarType out_dtype, F f) {
  shape_t out = broadcast_shapes(ops);
  std::size_t n = product(out);
  std::vector<std::vector<T>> vals;
  std::vector<std::vector<std::size_t>> idx;
  for (const operand& o : ops) {
    vals.push_back(load_values<T>(o));
    idx.push_back(broadcast_index(o.sizes(), out));
  }
  using R = decltype(f(static_cast<const T*>(nullptr)));
  std::vector<R> res(n);
  T buf[3];
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < ops.size(); ++k) buf[k] = vals[k][idx[k][i]];
    res[i] = f(buf);
  }
  if constexpr (std::is_same_v<R, double>) return tensor_of(std::move(out), out_dtype, res);
  else return int_tensor_of(std::move(out), out_dtype, std::vector<std::int64_t>(res.begin(), res.end()));
}

// A binary op with torch's promotion: float math when the result is floating, integer math else.
template <class FD, class FI>
Value binary(const Value& a, const Value& b, FD fd, FI fi, std::optional<ScalarType> force = std::nullopt) {
  operand ops[2] = {operand_of(a), operand_of(b)};
  ScalarType rt = force.value_or(result_type(ops));
  if (is_floating(rt)) return elementwise<double>(ops, rt, [&](const double* v) { return fd(v[0], v[1]); });
  return elementwise<std::int64_t>(ops, rt, [&](const std::int64_t* v) { return fi(v[0], v[1]); });
}

// A comparison: computed in the promoted type, a bool result.
template <class F>
Value compare(const Value& a, const Value& b, F f) {
  operand ops[2] = {operand_of(a), operand_of(b)};
  ScalarType rt = result_type(ops);
  if (is_floating(rt))
    return elementwise<double>(ops, ScalarType::Bool, [&](const double* v) { return f(v[0], v[1]) ? 1.0 : 0.0; });
  return elementwise<std::int64_t>(ops, ScalarType::Bool, [&](const std::int64_t* v) -> std::int64_t { return f(v[0], v[1]) ? 1 : 0; });
}

// A float unary op: integer inputs give float32, as torch's unary float ops do.
template <class F>
Value unary_float(const dense_tensor& t, F f) {
  ScalarType rt = is_floating(t.dtype()) ? t.dtype() : ScalarType::Float;
  std::vector<double> v = t.values();
  for (double& x : v) x = f(x);
  return tensor_of(sizes_of(t), rt, v);
}

// A dtype-preserving unary op (relu, neg, abs, clamp...).
template <class FD, class FI>
Value unary_same(const dense_tensor& t, FD fd, FI fi) {
  if (is_floating(t.dtype())) {
    std::vector<double> v = t.values();
    for (double& x : v) x = fd(x);
    return tensor_of(sizes_of(t), t.dtype(), v);
  }
  std::vector<std::int64_t> v = t.int_values();
  for (auto& x : v) x = fi(x);
  return int_tensor_of(sizes_of(t), t.dtype(), v);
}

Value copy_of(const dense_tensor& t, std::optional<ScalarType> dtype = std::nullopt) {
  ScalarType d = dtype.value_or(t.dtype());
  if (d == t.dtype()) return make_tensor_bytes(sizes_of(t), d, {t.bytes().begin(), t.bytes().end()});
  if (is_floating(d)) return tensor_of(sizes_of(t), d, t.values());
  return int_tensor_of(sizes_of(t), d, t.int_values());  // floats truncated toward zero, as .to() does
}

// A strided gather: the view of `t` with these sizes, strides (in elements) and offset, made dense.
// Every view op (permute, transpose, expand, select, slice, unfold) is one of these.
Value gather(const dense_tensor& t, shape_t sizes, std::span<const std::int64_t> strides, std::int64_t offset) {
  std::size_t n = product(sizes), w = itemsize(t.dtype()), rank = sizes.size();
  std::vector<std::byte> out(n * w);
  shape_t counter(rank, 0);
  std::int64_t pos = offset;
  const std::byte* src = t.bytes().data();
  for (std::size_t i = 0; i < n; ++i) {
    std::copy_n(src + static_cast<std::size_t>(pos) * w, w, out.data() + i * w);
    for (std::size_t k = rank; k-- > 0;) {
      pos += strides[k];
      if (++counter[k] < sizes[k]) break;
      pos -= strides[k] * sizes[k];
      counter[k] = 0;
    }
  }
  return make_tensor_bytes(std::move(sizes), t.dtype(), std::move(out));
}

Value reshape_to(const dense_tensor& t, shape_t size) {
  std::int64_t known = 1;
  std::optional<std::size_t> infer;
  for (std::size_t i = 0; i < size.size(); ++i) {
    if (size[i] == -1) {
      if (infer) throw runtime_error("only one dimension can be inferred");
      infer = i;
    } else if (size[i] < 0) {
      throw runtime_error("invalid shape dimension " + std::to_string(size[i]));
    } else {
      known *= size[i];
    }
  }
  auto numel = static_cast<std::int64_t>(t.numel());
  if (infer) {
    if (known == 0 || numel % known != 0) throw runtime_error("shape '" + shape_str(size) + "' is invalid for input of size " + std::to_string(numel));
    size[*infer] = numel / known;
  } else if (known != numel) {
    throw runtime_error("shape '" + shape_str(size) + "' is invalid for input of size " + std::to_string(numel));
  }
  return make_tensor_bytes(std::move(size), t.dtype(), {t.bytes().begin(), t.bytes().end()});
}

Value permute(const dense_tensor& t, const shape_t& dims) {
  std::size_t r = t.sizes().size();
  if (dims.size() != r)
    throw runtime_error("permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = " +
                        std::to_string(r) + " is not equal to len(dims) = " + std::to_string(dims.size()));
  shape_t st = strides_of(t.sizes()), sizes(r), strides(r);
  std::vector<bool> seen(r, false);
  for (std::size_t i = 0; i < r; ++i) {
    std::size_t d = wrap_dim(dims[i], r);
    if (seen[d]) throw runtime_error("permute(): duplicate dims are not allowed.");
    seen[d] = true;
    sizes[i] = t.sizes()[d];
    strides[i] = st[d];
  }
  return gather(t, std::move(sizes), strides, 0);
}

Value transpose(const dense_tensor& t, std::int64_t d0, std::int64_t d1) {
  std::size_t r = t.sizes().size();
  if (r == 0) return copy_of(t);
  shape_t dims(r);
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[wrap_dim(d0, r)], dims[wrap_dim(d1, r)]);
  return permute(t, dims);
}

Value expand(const dense_tensor& t, const shape_t& size) {
  std::size_t r = t.sizes().size();
  if (size.size() < r)
    throw runtime_error("expand(" + std::string(runtime::to_string(t.dtype())) + "{" + shape_str(t.sizes()) +
                        "}, size=" + shape_str(size) + "): the number of sizes provided (" + std::to_string(size.size()) +
                        ") must be greater or equal to the number of dimensions in the tensor (" + std::to_string(r) + ")");
  shape_t st = strides_of(t.sizes()), out(size.size()), strides(size.size(), 0);
  std::size_t off = size.size() - r;
  for (std::size_t i = 0; i < size.size(); ++i) {
    if (i < off) {
      if (size[i] < 0) throw runtime_error("The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension " + std::to_string(i));
      out[i] = size[i];
      continue;
    }
    std::int64_t have = t.sizes()[i - off];
    std::int64_t want = size[i] == -1 ? have : size[i];
    if (have != want && have != 1)
      throw runtime_error("The expanded size of the tensor (" + std::to_string(want) + ") must match the existing size (" +
                          std::to_string(have) + ") at non-singleton dimension " + std::to_string(i) +
                          ".  Target sizes: " + shape_str(size) + ".  Tensor sizes: " + shape_str(t.sizes()));
    out[i] = want;
    strides[i] = have == want ? st[i - off] : 0;
  }
  return gather(t, std::move(out), strides, 0);
}

Value slice(const dense_tensor& t, std::int64_t dim, std::optional<std::int64_t> start, std::optional<std::int64_t> end, std::int64_t step) {
  std::size_t r = t.sizes().size(), d = wrap_dim(dim, r);
  if (step <= 0) throw runtime_error("slice step must be positive");
  std::int64_t n = t.sizes()[d];
  auto clamp = [n](std::int64_t v) { return std::clamp<std::int64_t>(v < 0 ? v + n : v, 0, n); };
  std::int64_t s = start ? clamp(*start) : 0, e = end ? clamp(*end) : n;
  std::int64_t len = e > s ? (e - s + step - 1) / step : 0;
  shape_t st = strides_of(t.sizes()), sizes = sizes_of(t), strides = st;
  sizes[d] = len;
  strides[d] = st[d] * step;
  return gather(t, std::move(sizes), strides, s * st[d]);
}

Value select(const dense_tensor& t, std::int64_t dim, std::int64_t index) {
  std::size_t r = t.sizes().size();
  if (r == 0) throw index_error("select() cannot be applied to a 0-dim tensor.");
  std::size_t d = wrap_dim(dim, r);
  std::int64_t n = t.sizes()[d];
  if (index < -n || index >= n)
    throw index_error("select(): index " + std::to_string(index) + " out of range for tensor of size " + shape_str(t.sizes()) +
                      " at dimension " + std::to_string(d));
  if (index < 0) index += n;
  shape_t st = strides_of(t.sizes()), sizes = sizes_of(t);
  sizes.erase(sizes.begin() + static_cast<std::ptrdiff_t>(d));
  shape_t strides = st;
  strides.erase(strides.begin() + static_cast<std::ptrdiff_t>(d));
  return gather(t, std::move(sizes), strides, index * st[d]);
}

Value with_sizes(const dense_tensor& t, shape_t sizes) {
  return make_tensor_bytes(std::move(sizes), t.dtype(), {t.bytes().begin(), t.bytes().end()});
}

Value cat(const Value& list, std::int64_t dim) {
  if (!list.is_sequence() || list.items().empty()) throw runtime_error("torch.cat(): expected a non-empty list of Tensors");
  std::vector<const dense_tensor*> ts;
  for (const Value& v : list.items()) {
    const auto& t = as_dense(v);
    // Legacy rule: 1-D empty tensors are skipped whatever the other shapes.
    if (t.sizes().size() == 1 && t.sizes()[0] == 0) continue;
    ts.push_back(&t);
  }
  if (ts.empty()) return copy_of(as_dense(list.items()[0]));
  std::size_t r = ts[0]->sizes().size(), d = wrap_dim(dim, r);
  ScalarType dt = ts[0]->dtype();
  shape_t out = sizes_of(*ts[0]);
  out[d] = 0;
  for (std::size_t k = 0; k < ts.size(); ++k) {
    const auto& t = *ts[k];
    dt = promote_types(dt, t.dtype());
    if (t.sizes().size() != r)
      throw runtime_error("Tensors must have same number of dimensions: got " + std::to_string(r) + " and " + std::to_string(t.sizes().size()));
    for (std::size_t i = 0; i < r; ++i)
      if (i != d && t.sizes()[i] != out[i])
        throw runtime_error("Sizes of tensors must match except in dimension " + std::to_string(d) + ". Expected size " +
                            std::to_string(out[i]) + " but got size " + std::to_string(t.sizes()[i]) + " for tensor number " +
                            std::to_string(k) + " in the list.");
    out[d] += t.sizes()[d];
  }
  std::size_t outer = product(out, 0, d), inner = product(out, d + 1), w = itemsize(dt);
  std::vector<std::byte> bytes(product(out) * w);
  std::size_t row = static_cast<std::size_t>(out[d]) * inner * w, at = 0;
  for (const dense_tensor* t : ts) {
    Value conv = copy_of(*t, dt);
    const auto& c = as_dense(conv);
    std::size_t chunk = static_cast<std::size_t>(t->sizes()[d]) * inner * w;
    for (std::size_t o = 0; o < outer; ++o) std::copy_n(c.bytes().data() + o * chunk, chunk, bytes.data() + o * row + at);
    at += chunk;
  }
  return make_tensor_bytes(std::move(out), dt, std::move(bytes));
}

// ---- reductions ----------------------------------------------------------------------------------

struct reduction {
  shape_t out;                      // with keepdim's ones
  shape_t out_squeezed;             // without
  std::vector<std::size_t> target;  // output index of each input element
  std::size_t groups = 0;
};

reduction plan_reduction(std::span<const std::int64_t> sizes, const std::optional<shape_t>& dims) {
  std::size_t r = sizes.size();
  std::vector<bool> reduce(r, !dims || dims->empty());
  if (dims)
    for (std::int64_t d : *dims) {
      std::size_t k = wrap_dim(d, r);
      if (r == 0) continue;
      if (reduce[k] && !dims->empty() && std::count(dims->begin(), dims->end(), d) > 1)
        throw runtime_error("dim " + std::to_string(k) + " appears multiple times in the list of dims");
      reduce[k] = true;
    }
  reduction p;
  for (std::size_t k = 0; k < r; ++k) {
    p.out.push_back(reduce[k] ? 1 : sizes[k]);
    if (!reduce[k]) p.out_squeezed.push_back(sizes[k]);
  }
  p.groups = product(p.out);
  std::size_t n = product(sizes);
  p.target.resize(n);
  shape_t ost = strides_of(p.out), counter(r, 0);
  std::int64_t pos = 0;
  for (std::size_t i = 0; i < n; ++i) {
    p.target[i] = static_cast<std::size_t>(pos);
    for (std::size_t k = r; k-- > 0;) {
      std::int64_t s = reduce[k] ? 0 : ost[k];
      pos += s;
      if (++counter[k] < sizes[k]) break;
      pos -= s * sizes[k];
      counter[k] = 0;
    }
  }
  return p;
}

std::optional<shape_t> dims_arg(const args_view& a, std::size_t i) {
  if (a.none(i)) return std::nullopt;
  return a.ints(i);
}

template <class F>
std::vector<double> reduce_values(const dense_tensor& t, const reduction& p, double init, F f) {
  std::vector<double> acc(p.groups, init);
  std::vector<double> v = t.values();
  for (std::size_t i = 0; i < v.size(); ++i) acc[p.target[i]] = f(acc[p.target[i]], v[i]);
  return acc;
}

Value sum_like(const dense_tensor& t, const std::optional<shape_t>& dims, bool keepdim, std::optional<ScalarType> dtype, bool mean) {
  reduction p = plan_reduction(t.sizes(), dims);
  ScalarType rt = dtype.value_or(is_floating(t.dtype()) ? t.dtype() : (mean ? t.dtype() : ScalarType::Long));
  if (mean && !is_floating(rt))
    throw runtime_error("mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: " +
                        c10_name(t.dtype()));
  shape_t out = keepdim ? p.out : p.out_squeezed;
  if (!is_floating(rt)) {
    std::vector<std::int64_t> acc(p.groups, 0);
    std::vector<std::int64_t> v = t.int_values();
    for (std::size_t i = 0; i < v.size(); ++i) acc[p.target[i]] += v[i];
    return int_tensor_of(std::move(out), rt, acc);
  }
  std::vector<double> acc = reduce_values(t, p, 0.0, [](double a, double x) { return a + x; });
  if (mean) {
    double count = p.groups ? static_cast<double>(t.numel()) / static_cast<double>(p.groups) : 0.0;
    if (t.numel() == 0) count = 0;
    for (double& x : acc) x /= count;
  }
  return tensor_of(std::move(out), rt, acc);
}

Value extreme(const dense_tensor& t, const std::optional<shape_t>& dims, bool keepdim, bool max, std::string_view op) {
  reduction p = plan_reduction(t.sizes(), dims);
  if (t.numel() == 0 && p.groups > 0)
    throw index_error(std::string(op) + "(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
  double init = max ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  std::vector<double> acc = reduce_values(t, p, init, [max](double a, double x) {
    if (std::isnan(a) || std::isnan(x)) return std::numeric_limits<double>::quiet_NaN();
    return max ? std::max(a, x) : std::min(a, x);
  });
  return tensor_of(keepdim ? p.out : p.out_squeezed, t.dtype(), acc);
}

Value any_all(const dense_tensor& t, const std::optional<shape_t>& dims, bool keepdim, bool any) {
  reduction p = plan_reduction(t.sizes(), dims);
  std::vector<std::int64_t> acc(p.groups, any ? 0 : 1);
  std::vector<double> v = t.values();
  for (std::size_t i = 0; i < v.size(); ++i) {
    bool x = v[i] != 0.0;
    auto& a = acc[p.target[i]];
    a = any ? (a || x) : (a && x);
  }
  // torch keeps uint8 for uint8 inputs, bool otherwise
  return int_tensor_of(keepdim ? p.out : p.out_squeezed, t.dtype() == ScalarType::Byte ? ScalarType::Byte : ScalarType::Bool, acc);
}

// max.dim / min.dim / argmax / argmin: values and indices along one dim (the first extreme wins;
// NaN is the extreme, as torch propagates it).
std::pair<Value, Value> extreme_dim(const dense_tensor& t, std::optional<std::int64_t> dim, bool keepdim, bool max) {
  if (!dim) {
    std::vector<double> v = t.values();
    if (v.empty()) throw runtime_error("argmax(): Expected reduction dim to be specified for input.numel() == 0.");
    std::size_t best = 0;
    for (std::size_t i = 1; i < v.size(); ++i) {
      if (std::isnan(v[best])) break;
      if (std::isnan(v[i]) || (max ? v[i] > v[best] : v[i] < v[best])) best = i;
    }
    shape_t out = keepdim ? shape_t(t.sizes().size(), 1) : shape_t{};
    return {tensor_of(out, t.dtype(), {v[best]}), int_tensor_of(out, ScalarType::Long, {static_cast<std::int64_t>(best)})};
  }
  std::size_t r = t.sizes().size(), d = wrap_dim(*dim, r);
  shape_t sizes = sizes_of(t);
  if (r == 0) sizes = {1};
  std::size_t outer = product(sizes, 0, d), len = static_cast<std::size_t>(sizes[d]), inner = product(sizes, d + 1);
  if (len == 0) throw index_error("max(): Expected reduction dim " + std::to_string(d) + " to have non-zero size.");
  std::vector<double> v = t.values(), vals(outer * inner);
  std::vector<std::int64_t> idx(outer * inner);
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t i = 0; i < inner; ++i) {
      std::size_t best = 0;
      for (std::size_t k = 1; k < len; ++k) {
        double b = v[(o * len + best) * inner + i], x = v[(o * len + k) * inner + i];
        if (std::isnan(b)) break;
        if (std::isnan(x) || (max ? x > b : x < b)) best = k;
      }
      vals[o * inner + i] = v[(o * len + best) * inner + i];
      idx[o * inner + i] = static_cast<std::int64_t>(best);
    }
  shape_t out = r == 0 ? shape_t{} : sizes;
  if (r) {
    if (keepdim) out[d] = 1;
    else out.erase(out.begin() + static_cast<std::ptrdiff_t>(d));
  }
  return {tensor_of(out, t.dtype(), vals), int_tensor_of(out, ScalarType::Long, idx)};
}

Value softmax(const dense_tensor& t, std::int64_t dim, bool log, std::optional<ScalarType> dtype) {
  ScalarType rt = dtype.value_or(is_floating(t.dtype()) ? t.dtype() : ScalarType::Float);
  std::size_t r = t.sizes().size(), d = r ? wrap_dim(dim, r) : 0;
  shape_t sizes = r ? sizes_of(t) : shape_t{1};
  std::size_t outer = product(sizes, 0, d), len = static_cast<std::size_t>(sizes[d]), inner = product(sizes, d + 1);
  std::vector<double> v = t.values();
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t i = 0; i < inner; ++i) {
      auto at = [&](std::size_t k) -> double& { return v[(o * len + k) * inner + i]; };
      double m = -std::numeric_limits<double>::infinity();
      for (std::size_t k = 0; k < len; ++k) m = std::max(m, at(k));
      double s = 0;
      for (std::size_t k = 0; k < len; ++k) s += std::exp(at(k) - m);
      for (std::size_t k = 0; k < len; ++k) at(k) = log ? at(k) - m - std::log(s) : std::exp(at(k) - m) / s;
    }
  return tensor_of(sizes_of(t), rt, v);
}

// ---- linear algebra ---------------------------------------------------------------------------

// C[b] = A[b] @ B[b] for `batch` matrices (m x k) and (k x n), in double.
std::vector<double> batched_mm(const std::vector<double>& a, const std::vector<double>& b, std::size_t batch, std::size_t m,
                               std::size_t k, std::size_t n, bool b_broadcast = false) {
  std::vector<double> c(batch * m * n, 0.0);
  for (std::size_t z = 0; z < batch; ++z) {
    const double* A = a.data() + z * m * k;
    const double* B = b.data() + (b_broadcast ? 0 : z * k * n);
    double* C = c.data() + z * m * n;
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t l = 0; l < k; ++l) {
        double x = A[i * k + l];
        for (std::size_t j = 0; j < n; ++j) C[i * n + j] += x * B[l * n + j];
      }
  }
  return c;
}

ScalarType float_result(const dense_tensor& a, const dense_tensor& b, std::string_view op) {
  if (a.dtype() != b.dtype())
    throw runtime_error("expected m1 and m2 to have the same dtype, but got: " + std::string(runtime::to_string(a.dtype()).substr(6)) +
                        " != " + std::string(runtime::to_string(b.dtype()).substr(6)) + " (" + std::string(op) + ")");
  return a.dtype();
}

Value mm(const dense_tensor& a, const dense_tensor& b) {
  if (a.sizes().size() != 2 || b.sizes().size() != 2) throw runtime_error("self must be a matrix");
  if (a.sizes()[1] != b.sizes()[0])
    throw runtime_error("mat1 and mat2 shapes cannot be multiplied (" + std::to_string(a.sizes()[0]) + "x" + std::to_string(a.sizes()[1]) +
                        " and " + std::to_string(b.sizes()[0]) + "x" + std::to_string(b.sizes()[1]) + ")");
  ScalarType rt = float_result(a, b, "mm");
  auto m = static_cast<std::size_t>(a.sizes()[0]), k = static_cast<std::size_t>(a.sizes()[1]), n = static_cast<std::size_t>(b.sizes()[1]);
  return tensor_of({a.sizes()[0], b.sizes()[1]}, rt, batched_mm(a.values(), b.values(), 1, m, k, n));
}

Value bmm(const dense_tensor& a, const dense_tensor& b) {
  if (a.sizes().size() != 3 || b.sizes().size() != 3) throw runtime_error("batch1 must be a 3D tensor");
  if (a.sizes()[0] != b.sizes()[0] || a.sizes()[2] != b.sizes()[1])
    throw runtime_error("Expected size for first two dimensions of batch2 tensor to be: [" + std::to_string(a.sizes()[0]) + ", " +
                        std::to_string(a.sizes()[2]) + "] but got: [" + std::to_string(b.sizes()[0]) + ", " + std::to_string(b.sizes()[1]) + "].");
  ScalarType rt = float_result(a, b, "bmm");
  auto z = static_cast<std::size_t>(a.sizes()[0]), m = static_cast<std::size_t>(a.sizes()[1]), k = static_cast<std::size_t>(a.sizes()[2]),
       n = static_cast<std::size_t>(b.sizes()[2]);
  return tensor_of({a.sizes()[0], a.sizes()[1], b.sizes()[2]}, rt, batched_mm(a.values(), b.values(), z, m, k, n));
}

// torch.matmul: 1-D operands get a dimension added and removed, batch dimensions broadcast.
Value matmul(const Value& av, const Value& bv) {
  const auto& a = as_dense(av);
  const auto& b = as_dense(bv);
  std::size_t ra = a.sizes().size(), rb = b.sizes().size();
  if (ra == 0 || rb == 0) throw runtime_error("both arguments to matmul need to be at least 1D, but they are " + std::to_string(ra) + "D and " + std::to_string(rb) + "D");
  shape_t sa = sizes_of(a), sb = sizes_of(b);
  if (ra == 1) sa.insert(sa.begin(), 1);
  if (rb == 1) sb.push_back(1);
  std::int64_t m = sa[sa.size() - 2], k = sa.back(), k2 = sb[sb.size() - 2], n = sb.back();
  if (k != k2)
    throw runtime_error("mat1 and mat2 shapes cannot be multiplied (" + std::to_string(product(sa) / static_cast<std::size_t>(std::max<std::int64_t>(k, 1))) + "x" +
                        std::to_string(k) + " and " + std::to_string(k2) + "x" + std::to_string(n) + ")");
  shape_t batch = broadcast_sizes(std::span<const std::int64_t>(sa).first(sa.size() - 2),
                                  std::span<const std::int64_t>(sb).first(sb.size() - 2));
  shape_t ea = batch, eb = batch;
  ea.push_back(m), ea.push_back(k), eb.push_back(k), eb.push_back(n);
  Value xa = expand(as_dense(reshape_to(a, sa)), ea), xb = expand(as_dense(reshape_to(b, sb)), eb);
  ScalarType rt = float_result(a, b, "matmul");
  std::vector<double> c = batched_mm(as_dense(xa).values(), as_dense(xb).values(), product(batch), static_cast<std::size_t>(m),
                                     static_cast<std::size_t>(k), static_cast<std::size_t>(n));
  shape_t out = batch;
  if (ra > 1) out.push_back(m);
  if (rb > 1) out.push_back(n);
  return tensor_of(out, rt, c);
}

Value addmm(const dense_tensor& self, const dense_tensor& a, const dense_tensor& b, double beta, double alpha) {
  Value prod = mm(a, b);
  const auto& p = as_dense(prod);
  shape_t out = sizes_of(p);
  if (broadcast_sizes(self.sizes(), out) != out)
    throw runtime_error("addmm: self of size " + shape_str(self.sizes()) + " does not broadcast to " + shape_str(out));
  std::vector<double> pv = p.values(), sv = self.values();
  std::vector<std::size_t> idx = broadcast_index(self.sizes(), out);
  for (std::size_t i = 0; i < pv.size(); ++i) pv[i] = (beta == 0 ? 0.0 : beta * sv[idx[i]]) + alpha * pv[i];
  return tensor_of(out, p.dtype(), pv);
}

Value linear(const dense_tensor& x, const dense_tensor& w, const dense_tensor* bias) {
  std::int64_t in = x.sizes().empty() ? 1 : x.sizes().back();
  if (w.sizes().size() != 2 || w.sizes()[1] != in)
    throw runtime_error("mat1 and mat2 shapes cannot be multiplied (" + std::to_string(x.numel() / static_cast<std::size_t>(std::max<std::int64_t>(in, 1))) +
                        "x" + std::to_string(in) + " and " + std::to_string(w.sizes().size() == 2 ? w.sizes()[1] : 0) + "x" +
                        std::to_string(w.sizes().empty() ? 0 : w.sizes()[0]) + ")");
  ScalarType rt = float_result(x, w, "linear");
  std::size_t rows = x.numel() / static_cast<std::size_t>(std::max<std::int64_t>(in, 1));
  auto k = static_cast<std::size_t>(in), n = static_cast<std::size_t>(w.sizes()[0]);
  std::vector<double> xv = x.values(), wv = w.values(), out(rows * n, 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < n; ++j) {
      double s = 0;
      for (std::size_t l = 0; l < k; ++l) s += xv[r * k + l] * wv[j * k + l];
      out[r * n + j] = s;
    }
  if (bias) {
    std::vector<double> bv = bias->values();
    if (bv.size() != n && bv.size() != 1) throw runtime_error("linear: bias of " + std::to_string(bv.size()) + " elements for " + std::to_string(n) + " outputs");
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t j = 0; j < n; ++j) out[r * n + j] += bv[bv.size() == 1 ? 0 : j];
  }
  shape_t sizes = sizes_of(x);
  if (sizes.empty()) sizes.push_back(1);
  sizes.back() = w.sizes()[0];
  if (x.sizes().empty()) sizes.clear();
  return tensor_of(sizes, rt, out);
}

// ---- convolution and pooling (1-d as 2-d with a unit height) ------------------------------------

struct conv2d_geom {
  std::int64_t sh, sw, ph, pw, dh, dw;
};

shape_t pair_of(const shape_t& v, std::size_t spatial, std::int64_t fill) {
  if (v.empty()) return shape_t(spatial, fill);
  if (v.size() == 1) return shape_t(spatial, v[0]);
  if (v.size() != spatial) throw runtime_error("expected " + std::to_string(spatial) + " values, got " + std::to_string(v.size()));
  return v;
}

Value convolution(const dense_tensor& x, const dense_tensor& w, const dense_tensor* bias, shape_t stride, shape_t padding,
                  shape_t dilation, bool transposed, std::int64_t groups) {
  std::size_t rank = x.sizes().size();
  if (transposed) throw not_implemented_error("interpreter: transposed convolution");
  if (rank != 3 && rank != 4)
    throw not_implemented_error("interpreter: convolution over " + std::to_string(rank) + "-d input (1-d and 2-d are supported)");
  if (w.sizes().size() != rank)
    throw runtime_error("Expected " + std::to_string(rank) + "-dimensional input for " + std::to_string(rank) +
                        "-dimensional weight " + shape_str(w.sizes()) + ", but got " + std::to_string(w.sizes().size()) +
                        "-dimensional input of size " + shape_str(x.sizes()) + " instead");
  std::size_t spatial = rank - 2;
  stride = pair_of(stride, spatial, 1), padding = pair_of(padding, spatial, 0), dilation = pair_of(dilation, spatial, 1);
  bool one_d = spatial == 1;
  std::int64_t N = x.sizes()[0], C = x.sizes()[1], H = one_d ? 1 : x.sizes()[2], W = x.sizes().back();
  std::int64_t O = w.sizes()[0], Cg = w.sizes()[1], KH = one_d ? 1 : w.sizes()[2], KW = w.sizes().back();
  conv2d_geom g{one_d ? 1 : stride[0], stride.back(), one_d ? 0 : padding[0], padding.back(), one_d ? 1 : dilation[0], dilation.back()};
  if (groups <= 0 || C != Cg * groups || O % groups != 0)
    throw runtime_error("Given groups=" + std::to_string(groups) + ", weight of size " + shape_str(w.sizes()) +
                        ", expected input" + shape_str(x.sizes()) + " to have " + std::to_string(Cg * groups) +
                        " channels, but got " + std::to_string(C) + " channels instead");
  std::int64_t OH = (H + 2 * g.ph - g.dh * (KH - 1) - 1) / g.sh + 1, OW = (W + 2 * g.pw - g.dw * (KW - 1) - 1) / g.sw + 1;
  if (OH <= 0 || OW <= 0) throw runtime_error("Calculated output size is too small (input " + shape_str(x.sizes()) + ", kernel " + shape_str(w.sizes()) + ")");
  ScalarType rt = float_result(x, w, "convolution");
  std::vector<double> xv = x.values(), wv = w.values(), bv = bias ? bias->values() : std::vector<double>{};
  std::vector<double> out(static_cast<std::size_t>(N * O * OH * OW), 0.0);
  std::int64_t og = O / groups;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t o = 0; o < O; ++o) {
      std::int64_t grp = o / og;
      for (std::int64_t oh = 0; oh < OH; ++oh)
        for (std::int64_t ow = 0; ow < OW; ++ow) {
          double s = bias ? bv[static_cast<std::size_t>(o)] : 0.0;
          for (std::int64_t c = 0; c < Cg; ++c) {
            std::int64_t ic = grp * Cg + c;
            for (std::int64_t kh = 0; kh < KH; ++kh) {
              std::int64_t ih = oh * g.sh - g.ph + kh * g.dh;
              if (ih < 0 || ih >= H) continue;
              for (std::int64_t kw = 0; kw < KW; ++kw) {
                std::int64_t iw = ow * g.sw - g.pw + kw * g.dw;
                if (iw < 0 || iw >= W) continue;
                s += xv[static_cast<std::size_t>(((n * C + ic) * H + ih) * W + iw)] *
                     wv[static_cast<std::size_t>(((o * Cg + c) * KH + kh) * KW + kw)];
              }
            }
          }
          out[static_cast<std::size_t>(((n * O + o) * OH + oh) * OW + ow)] = s;
        }
    }
  shape_t sizes = one_d ? shape_t{N, O, OW} : shape_t{N, O, OH, OW};
  return tensor_of(sizes, rt, out);
}

std::int64_t pool_out(std::int64_t in, std::int64_t k, std::int64_t pad, std::int64_t stride, std::int64_t dil, bool ceil) {
  std::int64_t span = in + 2 * pad - dil * (k - 1) - 1 + (ceil ? stride - 1 : 0);
  std::int64_t out = span / stride + 1;
  if (ceil && (out - 1) * stride >= in + pad) --out;
  return out;
}

struct pool2d {
  std::int64_t N, C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW;
  bool batched;
};

pool2d plan_pool(const dense_tensor& x, const shape_t& kernel, shape_t stride, const shape_t& padding, const shape_t& dilation, bool ceil) {
  std::size_t r = x.sizes().size();
  if (r != 3 && r != 4) throw runtime_error("pool2d: expected 3D or 4D (batch mode) tensor, got " + std::to_string(r) + "D");
  shape_t k = pair_of(kernel, 2, 1);
  if (stride.empty()) stride = k;
  stride = pair_of(stride, 2, 1);
  shape_t p = pair_of(padding, 2, 0), d = pair_of(dilation, 2, 1);
  pool2d g{};
  g.batched = r == 4;
  g.N = g.batched ? x.sizes()[0] : 1;
  g.C = x.sizes()[r - 3], g.H = x.sizes()[r - 2], g.W = x.sizes()[r - 1];
  g.KH = k[0], g.KW = k[1], g.SH = stride[0], g.SW = stride[1], g.PH = p[0], g.PW = p[1], g.DH = d[0], g.DW = d[1];
  if (g.KH <= 0 || g.KW <= 0 || g.SH <= 0 || g.SW <= 0 || g.DH <= 0 || g.DW <= 0)
    throw runtime_error("pool2d: kernel size, stride and dilation must be greater than zero");
  if (g.PH > g.KH / 2 || g.PW > g.KW / 2) throw runtime_error("pad should be at most half of effective kernel size");
  g.OH = pool_out(g.H, g.KH, g.PH, g.SH, g.DH, ceil), g.OW = pool_out(g.W, g.KW, g.PW, g.SW, g.DW, ceil);
  if (g.OH <= 0 || g.OW <= 0) throw runtime_error("pool2d: output size is too small");
  return g;
}

shape_t pool_sizes(const pool2d& g) { return g.batched ? shape_t{g.N, g.C, g.OH, g.OW} : shape_t{g.C, g.OH, g.OW}; }

std::pair<Value, Value> max_pool2d(const dense_tensor& x, const pool2d& g) {
  std::vector<double> xv = x.values();
  std::size_t planes = static_cast<std::size_t>(g.N * g.C);
  std::vector<double> out(planes * static_cast<std::size_t>(g.OH * g.OW));
  std::vector<std::int64_t> idx(out.size());
  for (std::size_t pl = 0; pl < planes; ++pl)
    for (std::int64_t oh = 0; oh < g.OH; ++oh)
      for (std::int64_t ow = 0; ow < g.OW; ++ow) {
        double best = -std::numeric_limits<double>::infinity();
        std::int64_t at = -1;
        for (std::int64_t kh = 0; kh < g.KH; ++kh) {
          std::int64_t ih = oh * g.SH - g.PH + kh * g.DH;
          if (ih < 0 || ih >= g.H) continue;
          for (std::int64_t kw = 0; kw < g.KW; ++kw) {
            std::int64_t iw = ow * g.SW - g.PW + kw * g.DW;
            if (iw < 0 || iw >= g.W) continue;
            double v = xv[pl * static_cast<std::size_t>(g.H * g.W) + static_cast<std::size_t>(ih * g.W + iw)];
            if (at < 0 || v > best || std::isnan(v)) {
              best = v, at = ih * g.W + iw;
              if (std::isnan(v)) goto done;
            }
          }
        }
      done:
        std::size_t o = pl * static_cast<std::size_t>(g.OH * g.OW) + static_cast<std::size_t>(oh * g.OW + ow);
        out[o] = best, idx[o] = at;
      }
  return {tensor_of(pool_sizes(g), x.dtype(), out), int_tensor_of(pool_sizes(g), ScalarType::Long, idx)};
}

Value avg_pool2d(const dense_tensor& x, const pool2d& g, bool count_include_pad, std::optional<std::int64_t> divisor) {
  std::vector<double> xv = x.values();
  std::size_t planes = static_cast<std::size_t>(g.N * g.C);
  std::vector<double> out(planes * static_cast<std::size_t>(g.OH * g.OW));
  for (std::size_t pl = 0; pl < planes; ++pl)
    for (std::int64_t oh = 0; oh < g.OH; ++oh)
      for (std::int64_t ow = 0; ow < g.OW; ++ow) {
        std::int64_t hs = oh * g.SH - g.PH, ws = ow * g.SW - g.PW;
        std::int64_t he = std::min(hs + g.KH, g.H + g.PH), we = std::min(ws + g.KW, g.W + g.PW);
        std::int64_t pool = (he - hs) * (we - ws);
        hs = std::max<std::int64_t>(hs, 0), ws = std::max<std::int64_t>(ws, 0);
        he = std::min(he, g.H), we = std::min(we, g.W);
        double s = 0;
        for (std::int64_t ih = hs; ih < he; ++ih)
          for (std::int64_t iw = ws; iw < we; ++iw) s += xv[pl * static_cast<std::size_t>(g.H * g.W) + static_cast<std::size_t>(ih * g.W + iw)];
        double div = divisor ? static_cast<double>(*divisor) : count_include_pad ? static_cast<double>(pool) : static_cast<double>((he - hs) * (we - ws));
        out[pl * static_cast<std::size_t>(g.OH * g.OW) + static_cast<std::size_t>(oh * g.OW + ow)] = s / div;
      }
  return tensor_of(pool_sizes(g), x.dtype(), out);
}

Value adaptive_avg_pool2d(const dense_tensor& x, const shape_t& output_size) {
  std::size_t r = x.sizes().size();
  if (r != 3 && r != 4) throw runtime_error("adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got " + shape_str(x.sizes()));
  shape_t os = pair_of(output_size, 2, 1);
  std::int64_t H = x.sizes()[r - 2], W = x.sizes()[r - 1], OH = os[0], OW = os[1];
  std::size_t planes = x.numel() / static_cast<std::size_t>(std::max<std::int64_t>(H * W, 1));
  std::vector<double> xv = x.values(), out(planes * static_cast<std::size_t>(OH * OW));
  for (std::size_t pl = 0; pl < planes; ++pl)
    for (std::int64_t oh = 0; oh < OH; ++oh)
      for (std::int64_t ow = 0; ow < OW; ++ow) {
        std::int64_t hs = oh * H / OH, he = ((oh + 1) * H + OH - 1) / OH, ws = ow * W / OW, we = ((ow + 1) * W + OW - 1) / OW;
        double s = 0;
        for (std::int64_t ih = hs; ih < he; ++ih)
          for (std::int64_t iw = ws; iw < we; ++iw) s += xv[pl * static_cast<std::size_t>(H * W) + static_cast<std::size_t>(ih * W + iw)];
        out[pl * static_cast<std::size_t>(OH * OW) + static_cast<std::size_t>(oh * OW + ow)] = s / static_cast<double>((he - hs) * (we - ws));
      }
  shape_t sizes = sizes_of(x);
  sizes[r - 2] = OH, sizes[r - 1] = OW;
  return tensor_of(sizes, x.dtype(), out);
}

// ---- normalization ------------------------------------------------------------------------------

Value layer_norm(const dense_tensor& x, const shape_t& normalized, const dense_tensor* w, const dense_tensor* b, double eps, bool with_stats) {
  std::size_t r = x.sizes().size(), k = normalized.size();
  bool ok = k >= 1 && k <= r;
  for (std::size_t i = 0; ok && i < k; ++i) ok = x.sizes()[r - k + i] == normalized[i];
  if (!ok)
    throw runtime_error("Given normalized_shape=" + shape_str(normalized) + ", expected input with shape [*, " +
                        shape_str(normalized).substr(1) + ", but got input of size" + shape_str(x.sizes()));
  std::size_t inner = product(normalized), outer = inner ? x.numel() / inner : 0;
  std::vector<double> v = x.values(), wv = w ? w->values() : std::vector<double>{}, bv = b ? b->values() : std::vector<double>{};
  std::vector<double> mean(outer), rstd(outer);
  for (std::size_t o = 0; o < outer; ++o) {
    double m = 0, var = 0;
    for (std::size_t i = 0; i < inner; ++i) m += v[o * inner + i];
    m /= static_cast<double>(inner);
    for (std::size_t i = 0; i < inner; ++i) var += (v[o * inner + i] - m) * (v[o * inner + i] - m);
    var /= static_cast<double>(inner);
    double rs = 1.0 / std::sqrt(var + eps);
    mean[o] = m, rstd[o] = rs;
    for (std::size_t i = 0; i < inner; ++i) {
      double y = (v[o * inner + i] - m) * rs;
      if (w) y *= wv[i];
      if (b) y += bv[i];
      v[o * inner + i] = y;
    }
  }
  Value out = tensor_of(sizes_of(x), x.dtype(), v);
  if (!with_stats) return out;
  shape_t stat = sizes_of(x);
  for (std::size_t i = r - k; i < r; ++i) stat[i] = 1;
  ScalarType st = x.dtype() == ScalarType::Half || x.dtype() == ScalarType::BFloat16 ? ScalarType::Float : x.dtype();
  return Value::tuple({out, tensor_of(stat, st, mean), tensor_of(stat, st, rstd)});
}

// Batch norm over dim 1; `training` uses the batch's statistics. Returns the output, the batch
// mean and 1/sqrt(var + eps) (empty in eval), and the updated running statistics.
struct batch_norm_result {
  Value out, save_mean, save_invstd, running_mean, running_var;
};

batch_norm_result batch_norm(const dense_tensor& x, const dense_tensor* w, const dense_tensor* b, const dense_tensor* rm,
                             const dense_tensor* rv, bool training, double momentum, double eps) {
  if (x.sizes().size() < 2) throw runtime_error("batch_norm: expected 2D or more input, got " + std::to_string(x.sizes().size()) + "D");
  auto C = static_cast<std::size_t>(x.sizes()[1]);
  std::size_t outer = static_cast<std::size_t>(x.sizes()[0]), inner = product(x.sizes(), 2);
  std::vector<double> v = x.values();
  std::vector<double> mean(C, 0.0), var(C, 0.0), invstd(C);
  std::size_t count = outer * inner;
  if (training) {
    if (count <= 1) throw value_error("Expected more than 1 value per channel when training, got input size " + shape_str(x.sizes()));
    for (std::size_t o = 0; o < outer; ++o)
      for (std::size_t c = 0; c < C; ++c)
        for (std::size_t i = 0; i < inner; ++i) mean[c] += v[(o * C + c) * inner + i];
    for (double& m : mean) m /= static_cast<double>(count);
    for (std::size_t o = 0; o < outer; ++o)
      for (std::size_t c = 0; c < C; ++c)
        for (std::size_t i = 0; i < inner; ++i) {
          double d = v[(o * C + c) * inner + i] - mean[c];
          var[c] += d * d;
        }
    for (double& s : var) s /= static_cast<double>(count);
  } else {
    if (!rm || !rv) throw runtime_error("running_mean and running_var must be defined in evaluation mode");
    mean = rm->values(), var = rv->values();
  }
  if (mean.size() != C || var.size() != C) throw runtime_error("batch_norm: running statistics do not match the channels");
  for (std::size_t c = 0; c < C; ++c) invstd[c] = 1.0 / std::sqrt(var[c] + eps);
  std::vector<double> wv = w ? w->values() : std::vector<double>(C, 1.0), bv = b ? b->values() : std::vector<double>(C, 0.0);
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t i = 0; i < inner; ++i) {
        double& y = v[(o * C + c) * inner + i];
        y = (y - mean[c]) * invstd[c] * wv[c] + bv[c];
      }
  batch_norm_result r;
  r.out = tensor_of(sizes_of(x), x.dtype(), v);
  ScalarType st = x.dtype() == ScalarType::Half || x.dtype() == ScalarType::BFloat16 ? ScalarType::Float : x.dtype();
  if (training) {
    r.save_mean = tensor_of({static_cast<std::int64_t>(C)}, st, mean);
    r.save_invstd = tensor_of({static_cast<std::int64_t>(C)}, st, invstd);
    if (rm && rv) {
      std::vector<double> nm = rm->values(), nv = rv->values();
      double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
      for (std::size_t c = 0; c < C; ++c) {
        nm[c] = (1 - momentum) * nm[c] + momentum * mean[c];
        nv[c] = (1 - momentum) * nv[c] + momentum * var[c] * unbias;
      }
      r.running_mean = tensor_of(sizes_of(*rm), rm->dtype(), nm);
      r.running_var = tensor_of(sizes_of(*rv), rv->dtype(), nv);
    }
  } else {
    r.save_mean = tensor_of({0}, st, {});
    r.save_invstd = tensor_of({0}, st, {});
    if (rm) r.running_mean = copy_of(*rm);
    if (rv) r.running_var = copy_of(*rv);
  }
  return r;
}

Value sdpa(const dense_tensor& q, const dense_tensor& k, const dense_tensor& v, const dense_tensor* mask, bool causal,
           std::optional<double> scale) {
  std::size_t r = q.sizes().size();
  if (r < 2 || k.sizes().size() != r || v.sizes().size() != r) throw runtime_error("scaled_dot_product_attention: query, key and value must have the same rank (at least 2)");
  std::int64_t L = q.sizes()[r - 2], E = q.sizes()[r - 1], S = k.sizes()[r - 2], Ev = v.sizes()[r - 1];
  double sc = scale.value_or(1.0 / std::sqrt(static_cast<double>(E)));
  Value kt = transpose(k, -2, -1);
  Value scores = matmul(copy_of(q), kt);
  std::vector<double> s = as_dense(scores).values();
  for (double& x : s) x *= sc;
  shape_t ss = sizes_of(as_dense(scores));
  if (causal)
    for (std::size_t i = 0; i < s.size(); ++i) {
      auto col = static_cast<std::int64_t>(i % static_cast<std::size_t>(S)), row = static_cast<std::int64_t>((i / static_cast<std::size_t>(S)) % static_cast<std::size_t>(L));
      if (col > row) s[i] = -std::numeric_limits<double>::infinity();
    }
  if (mask) {
    std::vector<std::size_t> idx = broadcast_index(mask->sizes(), ss);
    std::vector<double> mv = mask->values();
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (mask->dtype() == ScalarType::Bool) {
        if (mv[idx[i]] == 0.0) s[i] = -std::numeric_limits<double>::infinity();
      } else {
        s[i] += mv[idx[i]];
      }
    }
  }
  Value attn = softmax(as_dense(tensor_of(ss, ScalarType::Double, s)), -1, false, std::nullopt);
  Value out = matmul(attn, copy_of(v, ScalarType::Double));
  shape_t os = sizes_of(q);
  os[r - 1] = Ev;
  return tensor_of(os, q.dtype(), as_dense(out).values());
}

// ---- kernels -------------------------------------------------------------------------------------

double python_floordiv(double a, double b) { return std::floor(a / b); }
std::int64_t int_floordiv(std::int64_t a, std::int64_t b) {
  if (b == 0) throw runtime_error("ZeroDivisionError");
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
std::int64_t int_mod(std::int64_t a, std::int64_t b) { return a - int_floordiv(a, b) * b; }

// alpha for integer math: torch refuses a float alpha there, which the integer lambda reports.
std::int64_t int_alpha(const Value& alpha) {
  return alpha.is_double() ? std::numeric_limits<std::int64_t>::min() : args_view::int_of(alpha);
}
std::int64_t checked_alpha(std::int64_t alpha) {
  if (alpha == std::numeric_limits<std::int64_t>::min())
    throw runtime_error("For integral input tensors, argument alpha must not be a floating point number.");
  return alpha;
}

Value k_add(const kernel_call& c) {
  args_view a{c};
  double alpha = a.f64(2);
  std::int64_t ia = int_alpha(a.at(2));
  return binary(a.at(0), a.at(1), [alpha](double x, double y) { return x + alpha * y; }, [ia](std::int64_t x, std::int64_t y) { return x + checked_alpha(ia) * y; });
}
Value k_sub(const kernel_call& c) {
  args_view a{c};
  double alpha = a.f64(2);
  std::int64_t ia = int_alpha(a.at(2));
  return binary(a.at(0), a.at(1), [alpha](double x, double y) { return x - alpha * y; }, [ia](std::int64_t x, std::int64_t y) { return x - checked_alpha(ia) * y; });
}
Value k_rsub(const kernel_call& c) {
  args_view a{c};
  double alpha = a.f64(2);
  std::int64_t ia = int_alpha(a.at(2));
  return binary(a.at(0), a.at(1), [alpha](double x, double y) { return y - alpha * x; }, [ia](std::int64_t x, std::int64_t y) { return y - checked_alpha(ia) * x; });
}
Value k_mul(const kernel_call& c) {
  args_view a{c};
  return binary(a.at(0), a.at(1), [](double x, double y) { return x * y; }, [](std::int64_t x, std::int64_t y) { return x * y; });
}
Value k_div(const kernel_call& c) {
  args_view a{c};
  std::string mode = c.args.size() > 2 && c.args[2].is_string() ? c.args[2].to_string() : "";
  operand ops[2] = {operand_of(a.at(0)), operand_of(a.at(1))};
  ScalarType rt = result_type(ops);
  if (mode.empty()) {
    if (!is_floating(rt)) rt = ScalarType::Float;
    return elementwise<double>(ops, rt, [](const double* v) { return v[0] / v[1]; });
  }
  if (mode != "trunc" && mode != "floor")
    throw runtime_error("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '" + mode + "'");
  bool trunc = mode == "trunc";
  if (is_floating(rt)) return elementwise<double>(ops, rt, [trunc](const double* v) { return trunc ? std::trunc(v[0] / v[1]) : python_floordiv(v[0], v[1]); });
  return elementwise<std::int64_t>(ops, rt, [trunc](const std::int64_t* v) {
    if (v[1] == 0) throw runtime_error("ZeroDivisionError");
    return trunc ? v[0] / v[1] : int_floordiv(v[0], v[1]);
  });
}
Value k_pow(const kernel_call& c) {
  args_view a{c};
  return binary(a.at(0), a.at(1), [](double x, double y) { return std::pow(x, y); }, [](std::int64_t x, std::int64_t y) {
    if (y < 0) throw runtime_error("Integers to negative integer powers are not allowed.");
    std::int64_t r = 1;
    for (std::int64_t i = 0; i < y; ++i) r *= x;
    return r;
  });
}
Value k_maximum(const kernel_call& c) {
  args_view a{c};
  return binary(a.at(0), a.at(1), [](double x, double y) { return std::isnan(x) || std::isnan(y) ? std::nan("") : std::max(x, y); },
                [](std::int64_t x, std::int64_t y) { return std::max(x, y); });
}
Value k_minimum(const kernel_call& c) {
  args_view a{c};
  return binary(a.at(0), a.at(1), [](double x, double y) { return std::isnan(x) || std::isnan(y) ? std::nan("") : std::min(x, y); },
                [](std::int64_t x, std::int64_t y) { return std::min(x, y); });
}
Value k_remainder(const kernel_call& c) {
  args_view a{c};
  return binary(a.at(0), a.at(1), [](double x, double y) { return x - std::floor(x / y) * y; }, int_mod);
}
Value k_floor_divide(const kernel_call& c) {
  args_view a{c};
  return binary(a.at(0), a.at(1), python_floordiv, int_floordiv);
}

template <class Cmp>
Value cmp_kernel(const kernel_call& c) {
  args_view a{c};
  return compare(a.at(0), a.at(1), Cmp{});
}

template <int Which>
Value logical(const kernel_call& c) {
  args_view a{c};
  operand ops[2] = {operand_of(a.at(0)), operand_of(a.at(1))};
  return elementwise<double>(ops, ScalarType::Bool, [](const double* v) {
    bool x = v[0] != 0, y = v[1] != 0;
    return (Which == 0 ? (x && y) : Which == 1 ? (x || y) : (x != y)) ? 1.0 : 0.0;
  });
}

Value k_where(const kernel_call& c) {
  args_view a{c};
  operand ops[3] = {operand_of(a.at(0)), operand_of(a.at(1)), operand_of(a.at(2))};
  ScalarType rt = result_type(std::span<const operand>(ops + 1, 2));
  if (is_floating(rt)) return elementwise<double>(ops, rt, [](const double* v) { return v[0] != 0 ? v[1] : v[2]; });
  return elementwise<std::int64_t>(ops, rt, [](const std::int64_t* v) { return v[0] != 0 ? v[1] : v[2]; });
}

template <double (*F)(double)>
Value float_unary(const kernel_call& c) {
  return unary_float(args_view{c}.t(0), F);
}

double f_exp(double x) { return std::exp(x); }
double f_log(double x) { return std::log(x); }
double f_log1p(double x) { return std::log1p(x); }
double f_expm1(double x) { return std::expm1(x); }
double f_sqrt(double x) { return std::sqrt(x); }
double f_rsqrt(double x) { return 1.0 / std::sqrt(x); }
double f_tanh(double x) { return std::tanh(x); }
double f_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double f_sin(double x) { return std::sin(x); }
double f_cos(double x) { return std::cos(x); }
double f_erf(double x) { return std::erf(x); }
double f_reciprocal(double x) { return 1.0 / x; }
double f_silu(double x) { return x / (1.0 + std::exp(-x)); }

Value k_relu(const kernel_call& c) {
  return unary_same(args_view{c}.t(0), [](double x) { return std::isnan(x) ? x : x > 0 ? x : 0.0; }, [](std::int64_t x) { return x > 0 ? x : 0; });
}
Value k_neg(const kernel_call& c) {
  const auto& t = args_view{c}.t(0);
  if (t.dtype() == ScalarType::Bool)
    throw runtime_error("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  return unary_same(t, [](double x) { return -x; }, [](std::int64_t x) { return -x; });
}
Value k_abs(const kernel_call& c) {
  return unary_same(args_view{c}.t(0), [](double x) { return std::fabs(x); }, [](std::int64_t x) { return x < 0 ? -x : x; });
}
template <double (*F)(double)>
Value rounding(const kernel_call& c) {
  return unary_same(args_view{c}.t(0), F, [](std::int64_t x) { return x; });
}
double f_floor(double x) { return std::floor(x); }
double f_ceil(double x) { return std::ceil(x); }
double f_round(double x) { return std::nearbyint(x); }
double f_trunc(double x) { return std::trunc(x); }

Value k_logical_not(const kernel_call& c) {
  const auto& t = args_view{c}.t(0);
  std::vector<double> v = t.values();
  for (double& x : v) x = x == 0.0 ? 1.0 : 0.0;
  return tensor_of(sizes_of(t), ScalarType::Bool, v);
}
Value k_gelu(const kernel_call& c) {
  args_view a{c};
  std::string approx = a.at(1).is_string() ? a.at(1).to_string() : "none";
  if (approx != "none" && approx != "tanh") throw runtime_error("approximate argument must be either none or tanh.");
  if (approx == "tanh")
    return unary_float(a.t(0), [](double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2.0 / std::numbers::pi) * (x + 0.044715 * x * x * x))); });
  return unary_float(a.t(0), [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); });
}
Value k_clamp(const kernel_call& c) {
  args_view a{c};
  std::optional<double> lo, hi;
  if (!a.none(1)) lo = a.f64(1);
  if (c.args.size() > 2 && !a.none(2)) hi = a.f64(2);
  if (!lo && !hi) throw runtime_error("torch.clamp: At least one of 'min' or 'max' must not be None");
  const auto& t = a.t(0);
  operand ops[3] = {operand{}, operand_of(lo ? a.at(1) : Value(0)), operand_of(hi ? a.at(2) : Value(0))};
  ops[0].t = &t;
  ScalarType rt = result_type(std::span<const operand>(ops, 1 + (lo ? 1 : 0) + (hi ? 1 : 0)));
  return unary_same(as_dense(copy_of(t, rt)), [&](double x) {
      if (std::isnan(x)) return x;
      if (lo) x = std::max(x, *lo);
      if (hi) x = std::min(x, *hi);
      return x; }, [&](std::int64_t x) {
      if (lo) x = std::max<std::int64_t>(x, static_cast<std::int64_t>(*lo));
      if (hi) x = std::min<std::int64_t>(x, static_cast<std::int64_t>(*hi));
      return x; });
}
Value k_hardtanh(const kernel_call& c) {
  args_view a{c};
  double lo = a.f64(1), hi = a.f64(2);
  return unary_same(a.t(0), [=](double x) { return std::isnan(x) ? x : std::clamp(x, lo, hi); },
                    [=](std::int64_t x) { return std::clamp<std::int64_t>(x, static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi)); });
}
Value k_leaky_relu(const kernel_call& c) {
  args_view a{c};
  double s = a.f64(1);
  return unary_float(a.t(0), [s](double x) { return x > 0 ? x : x * s; });
}

Value k_identity(const kernel_call& c) { return copy_of(args_view{c}.t(0)); }
Value k_dropout(const kernel_call& c) {
  args_view a{c};
  if (a.b(2) && a.f64(1) > 0) throw not_implemented_error("interpreter: dropout in training mode (random)");
  return copy_of(a.t(0));
}
Value k_to_copy(const kernel_call& c) {
  args_view a{c};
  return copy_of(a.t(0), a.dtype(1));
}
Value k_type_as(const kernel_call& c) {
  args_view a{c};
  return copy_of(a.t(0), a.t(1).dtype());
}
Value k_view(const kernel_call& c) {
  args_view a{c};
  return reshape_to(a.t(0), a.ints(1));
}
Value k_flatten(const kernel_call& c) {
  args_view a{c};
  const auto& t = a.t(0);
  std::size_t r = t.sizes().size();
  if (r == 0) return with_sizes(t, {1});
  std::size_t s = wrap_dim(a.i64(1), r), e = wrap_dim(a.i64(2), r);
  if (s > e) throw runtime_error("flatten() has invalid args: start_dim cannot come after end_dim");
  shape_t out(t.sizes().begin(), t.sizes().begin() + static_cast<std::ptrdiff_t>(s));
  out.push_back(static_cast<std::int64_t>(product(t.sizes(), s, e + 1)));
  out.insert(out.end(), t.sizes().begin() + static_cast<std::ptrdiff_t>(e + 1), t.sizes().end());
  return with_sizes(t, out);
}
Value k_permute(const kernel_call& c) {
  args_view a{c};
  return permute(a.t(0), a.ints(1));
}
Value k_t(const kernel_call& c) {
  const auto& t = args_view{c}.t(0);
  if (t.sizes().size() > 2) throw runtime_error("t() expects a tensor with <= 2 dimensions, but self is " + std::to_string(t.sizes().size()) + "D");
  return t.sizes().size() < 2 ? copy_of(t) : transpose(t, 0, 1);
}
Value k_transpose(const kernel_call& c) {
  args_view a{c};
  return transpose(a.t(0), a.i64(1), a.i64(2));
}
Value k_expand(const kernel_call& c) {
  args_view a{c};
  return expand(a.t(0), a.ints(1));
}
Value k_expand_as(const kernel_call& c) {
  args_view a{c};
  return expand(a.t(0), sizes_of(a.t(1)));
}
Value k_unsqueeze(const kernel_call& c) {
  args_view a{c};
  const auto& t = a.t(0);
  shape_t s = sizes_of(t);
  std::size_t d = wrap_dim(a.i64(1), s.size() + 1);
  s.insert(s.begin() + static_cast<std::ptrdiff_t>(d), 1);
  return with_sizes(t, s);
}
Value squeeze_dims(const dense_tensor& t, const std::optional<shape_t>& dims) {
  std::size_t r = t.sizes().size();
  std::vector<bool> drop(r, !dims);
  if (dims)
    for (std::int64_t d : *dims) {
      std::size_t k = wrap_dim(d, r);  // a 0-d tensor accepts dims 0 and -1
      if (r) drop[k] = true;
    }
  shape_t s;
  for (std::size_t i = 0; i < r; ++i)
    if (!(drop[i] && t.sizes()[i] == 1)) s.push_back(t.sizes()[i]);
  return with_sizes(t, s);
}
Value k_squeeze(const kernel_call& c) { return squeeze_dims(args_view{c}.t(0), std::nullopt); }
Value k_squeeze_dims(const kernel_call& c) {
  args_view a{c};
  return squeeze_dims(a.t(0), a.ints(1));
}
Value k_select(const kernel_call& c) {
  args_view a{c};
  return select(a.t(0), a.i64(1), a.i64(2));
}
Value k_slice(const kernel_call& c) {
  args_view a{c};
  std::optional<std::int64_t> s, e;
  if (!a.none(2)) s = a.i64(2);
  if (!a.none(3)) e = a.i64(3);
  return slice(a.t(0), a.i64(1), s, e, a.i64(4));
}
Value k_narrow(const kernel_call& c) {
  args_view a{c};
  const auto& t = a.t(0);
  std::size_t d = wrap_dim(a.i64(1), t.sizes().size());
  std::int64_t start = a.i64(2), len = a.i64(3), n = t.sizes()[d];
  if (start < 0) start += n;
  if (start < 0 || len < 0 || start + len > n)
    throw runtime_error("start (" + std::to_string(start) + ") + length (" + std::to_string(len) + ") exceeds dimension size (" + std::to_string(n) + ").");
  return slice(t, static_cast<std::int64_t>(d), start, start + len, 1);
}
Value k_cat(const kernel_call& c) {
  args_view a{c};
  return cat(a.at(0), a.i64(1));
}
Value k_stack(const kernel_call& c) {
  args_view a{c};
  const Value& list = a.at(0);
  if (!list.is_sequence() || list.items().empty()) throw runtime_error("stack expects a non-empty TensorList");
  std::size_t r = as_dense(list.items()[0]).sizes().size();
  std::size_t d = wrap_dim(a.i64(1), r + 1);
  value_list parts;
  for (const Value& v : list.items()) {
    const auto& t = as_dense(v);
    if (t.sizes().size() != r || !std::equal(t.sizes().begin(), t.sizes().end(), as_dense(list.items()[0]).sizes().begin()))
      throw runtime_error("stack expects each tensor to be equal size, but got " + shape_str(as_dense(list.items()[0]).sizes()) +
                          " at entry 0 and " + shape_str(t.sizes()) + " at entry " + std::to_string(parts.size()));
    shape_t s = sizes_of(t);
    s.insert(s.begin() + static_cast<std::ptrdiff_t>(d), 1);
    parts.push_back(with_sizes(t, s));
  }
  return cat(Value::list(std::move(parts)), static_cast<std::int64_t>(d));
}
Value split_sizes(const dense_tensor& t, std::size_t d, const shape_t& sizes) {
  value_list out;
  std::int64_t at = 0;
  for (std::int64_t s : sizes) {
    out.push_back(slice(t, static_cast<std::int64_t>(d), at, at + s, 1));
    at += s;
  }
  if (at != t.sizes()[d])
    throw runtime_error("split_with_sizes expects split_sizes to sum exactly to " + std::to_string(t.sizes()[d]) +
                        " (input tensor's size at dimension " + std::to_string(d) + "), but got split_sizes=" + shape_str(sizes));
  return Value::list(std::move(out));
}
Value k_split(const kernel_call& c) {
  args_view a{c};
  const auto& t = a.t(0);
  std::size_t d = wrap_dim(a.i64(2), t.sizes().size());
  std::int64_t chunk = a.i64(1), n = t.sizes()[d];
  if (chunk <= 0 && n > 0) throw runtime_error("split_size can only be 0 if dimension size is 0, but got dimension size of " + std::to_string(n));
  shape_t sizes;
  for (std::int64_t at = 0; at < n; at += chunk) sizes.push_back(std::min(chunk, n - at));
  if (sizes.empty()) sizes.push_back(0);
  return split_sizes(t, d, sizes);
}
Value k_split_with_sizes(const kernel_call& c) {
  args_view a{c};
  const auto& t = a.t(0);
  return split_sizes(t, wrap_dim(a.i64(2), t.sizes().size()), a.ints(1));
}
Value k_chunk(const kernel_call& c) {
  args_view a{c};
  const auto& t = a.t(0);
  std::size_t d = wrap_dim(a.i64(2), t.sizes().size());
  std::int64_t chunks = a.i64(1), n = t.sizes()[d];
  if (chunks <= 0) throw runtime_error("chunk expects `chunks` to be greater than 0, got: " + std::to_string(chunks));
  std::int64_t each = (n + chunks - 1) / chunks;
  shape_t sizes;
  for (std::int64_t at = 0; at < n; at += each) sizes.push_back(std::min(each, n - at));
  if (sizes.empty()) sizes.push_back(0);
  return split_sizes(t, d, sizes);
}
Value k_unbind(const kernel_call& c) {
  args_view a{c};
  const auto& t = a.t(0);
  std::size_t d = wrap_dim(a.i64(1), t.sizes().size());
  value_list out;
  for (std::int64_t i = 0; i < t.sizes()[d]; ++i) out.push_back(select(t, static_cast<std::int64_t>(d), i));
  return Value::list(std::move(out));
}
Value k_index_select(const kernel_call& c) {
  args_view a{c};
  const auto& t = a.t(0);
  std::size_t r = t.sizes().size(), d = wrap_dim(a.i64(1), r);
  std::vector<std::int64_t> idx = a.t(2).int_values();
  value_list parts;
  for (std::int64_t i : idx) {
    Value s = select(t, static_cast<std::int64_t>(d), i);
    shape_t sz = sizes_of(as_dense(s));
    sz.insert(sz.begin() + static_cast<std::ptrdiff_t>(d), 1);
    parts.push_back(with_sizes(as_dense(s), sz));
  }
  if (parts.empty()) {
    shape_t sz = sizes_of(t);
    sz[d] = 0;
    return make_tensor_bytes(sz, t.dtype(), {});
  }
  return cat(Value::list(std::move(parts)), static_cast<std::int64_t>(d));
}

// The reductions come in pairs (sum/mean, max/min, any/all) that differ in one flag.
template <bool Mean>
Value k_sum(const kernel_call& c) {
  args_view a{c};
  return sum_like(a.t(0), std::nullopt, false, a.dtype(1), Mean);
}
template <bool Mean>
Value k_sum_dim(const kernel_call& c) {
  args_view a{c};
  return sum_like(a.t(0), dims_arg(a, 1), a.b(2), a.dtype(3), Mean);
}
template <bool Max>
Value k_amax(const kernel_call& c) {
  args_view a{c};
  return extreme(a.t(0), a.ints(1), a.b(2), Max, Max ? "amax" : "amin");
}
template <bool Max>
Value k_max_all(const kernel_call& c) {
  return extreme(args_view{c}.t(0), std::nullopt, false, Max, Max ? "max" : "min");
}
template <bool Max>
Value k_max_dim(const kernel_call& c) {
  args_view a{c};
  auto [v, i] = extreme_dim(a.t(0), a.i64(1), a.b(2), Max);
  return Value::tuple({v, i});
}
template <bool Max>
Value k_argmax(const kernel_call& c) {
  args_view a{c};
  std::optional<std::int64_t> d;
  if (!a.none(1)) d = a.i64(1);
  return extreme_dim(a.t(0), d, a.b(2), Max).second;
}
template <bool Any>
Value k_any_dims(const kernel_call& c) {
  args_view a{c};
  return any_all(a.t(0), dims_arg(a, 1), a.b(2), Any);
}
template <bool Any>
Value k_any(const kernel_call& c) {
  return any_all(args_view{c}.t(0), std::nullopt, false, Any);
}
Value k_var(const kernel_call& c) {
  args_view a{c};
  const auto& t = a.t(0);
  std::optional<shape_t> dims = dims_arg(a, 1);
  double correction = a.none(2) ? 1.0 : a.f64(2);
  bool keepdim = a.b(3);
  reduction p = plan_reduction(t.sizes(), dims);
  std::vector<double> mean = reduce_values(t, p, 0.0, [](double s, double x) { return s + x; });
  double n = p.groups ? static_cast<double>(t.numel()) / static_cast<double>(p.groups) : 0.0;
  for (double& m : mean) m /= n;
  std::vector<double> v = t.values(), acc(p.groups, 0.0);
  for (std::size_t i = 0; i < v.size(); ++i) acc[p.target[i]] += (v[i] - mean[p.target[i]]) * (v[i] - mean[p.target[i]]);
  for (double& x : acc) x /= std::max(0.0, n - correction);
  return tensor_of(keepdim ? p.out : p.out_squeezed, is_floating(t.dtype()) ? t.dtype() : ScalarType::Float, acc);
}

// _softmax / _log_softmax (half_to_float) and softmax.int / log_softmax.int (dtype)
template <bool Log>
Value k_softmax(const kernel_call& c) {
  args_view a{c};
  return softmax(a.t(0), a.i64(1), Log, a.b(2) ? std::optional(ScalarType::Float) : std::nullopt);
}
template <bool Log>
Value k_softmax_int(const kernel_call& c) {
  args_view a{c};
  return softmax(a.t(0), a.i64(1), Log, a.dtype(2));
}

const dense_tensor* opt_tensor(const args_view& a, std::size_t i) { return a.none(i) ? nullptr : &a.t(i); }

Value k_native_layer_norm(const kernel_call& c) {
  args_view a{c};
  return layer_norm(a.t(0), a.ints(1), opt_tensor(a, 2), opt_tensor(a, 3), a.f64(4), true);
}
Value k_layer_norm(const kernel_call& c) {
  args_view a{c};
  return layer_norm(a.t(0), a.ints(1), opt_tensor(a, 2), opt_tensor(a, 3), a.f64(4), false);
}
Value k_bn_no_training(const kernel_call& c) {
  args_view a{c};
  auto r = batch_norm(a.t(0), opt_tensor(a, 1), opt_tensor(a, 2), &a.t(3), &a.t(4), false, a.f64(5), a.f64(6));
  return Value::tuple({r.out, r.save_mean, r.save_invstd});
}
Value k_bn_functional(const kernel_call& c) {
  args_view a{c};
  auto r = batch_norm(a.t(0), opt_tensor(a, 1), opt_tensor(a, 2), &a.t(3), &a.t(4), a.b(5), a.f64(6), a.f64(7));
  return Value::tuple({r.out, r.save_mean, r.save_invstd, r.running_mean, r.running_var});
}
Value k_bn_no_stats(const kernel_call& c) {
  args_view a{c};
  auto r = batch_norm(a.t(0), opt_tensor(a, 1), opt_tensor(a, 2), nullptr, nullptr, a.b(3), a.f64(4), a.f64(5));
  return Value::tuple({r.out, r.save_mean, r.save_invstd});
}
Value k_batch_norm(const kernel_call& c) {
  args_view a{c};
  bool training = a.b(5);
  if (training && !a.none(3)) throw not_implemented_error("interpreter: aten.batch_norm in training mode updates its running statistics in place; export's functional form is _native_batch_norm_legit_functional");
  return batch_norm(a.t(0), opt_tensor(a, 1), opt_tensor(a, 2), opt_tensor(a, 3), opt_tensor(a, 4), training, a.f64(6), a.f64(7)).out;
}

Value k_mm(const kernel_call& c) {
  args_view a{c};
  return mm(a.t(0), a.t(1));
}
Value k_bmm(const kernel_call& c) {
  args_view a{c};
  return bmm(a.t(0), a.t(1));
}
Value k_matmul(const kernel_call& c) {
  args_view a{c};
  return matmul(a.at(0), a.at(1));
}
Value k_addmm(const kernel_call& c) {
  args_view a{c};
  return addmm(a.t(0), a.t(1), a.t(2), a.f64(3), a.f64(4));
}
Value k_linear(const kernel_call& c) {
  args_view a{c};
  return linear(a.t(0), a.t(1), opt_tensor(a, 2));
}
Value k_convolution(const kernel_call& c) {
  args_view a{c};
  if (a.b(6)) throw not_implemented_error("interpreter: transposed convolution");
  return convolution(a.t(0), a.t(1), opt_tensor(a, 2), a.ints(3), a.ints(4), a.ints(5), false, a.i64(8));
}
Value k_conv(const kernel_call& c) {  // conv1d / conv2d (input, weight, bias, stride, padding, dilation, groups)
  args_view a{c};
  if (a.at(4).is_string()) throw not_implemented_error("interpreter: string padding ('" + a.at(4).to_string() + "')");
  return convolution(a.t(0), a.t(1), opt_tensor(a, 2), a.ints(3), a.ints(4), a.ints(5), false, a.i64(6));
}
Value k_max_pool2d_with_indices(const kernel_call& c) {
  args_view a{c};
  auto [v, i] = max_pool2d(a.t(0), plan_pool(a.t(0), a.ints(1), a.ints(2), a.ints(3), a.ints(4), a.b(5)));
  return Value::tuple({v, i});
}
Value k_max_pool2d(const kernel_call& c) {
  args_view a{c};
  return max_pool2d(a.t(0), plan_pool(a.t(0), a.ints(1), a.ints(2), a.ints(3), a.ints(4), a.b(5))).first;
}
Value k_avg_pool2d(const kernel_call& c) {
  args_view a{c};
  std::optional<std::int64_t> div;
  if (!a.none(6)) div = a.i64(6);
  if (div && *div == 0) throw runtime_error("divisor must be not zero");
  return avg_pool2d(a.t(0), plan_pool(a.t(0), a.ints(1), a.ints(2), a.ints(3), {1}, a.b(4)), a.b(5), div);
}
Value k_adaptive_avg_pool2d(const kernel_call& c) {
  args_view a{c};
  return adaptive_avg_pool2d(a.t(0), a.ints(1));
}
Value k_embedding(const kernel_call& c) {
  args_view a{c};
  const auto& w = a.t(0);
  const auto& idx = a.t(1);
  if (w.sizes().size() != 2) throw runtime_error("'weight' must be 2-D");
  if (is_floating(idx.dtype())) throw runtime_error("Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.FloatTensor instead (while checking arguments for embedding)");
  std::int64_t rows = w.sizes()[0];
  std::size_t dim = static_cast<std::size_t>(w.sizes()[1]), wsz = itemsize(w.dtype());
  std::vector<std::int64_t> iv = idx.int_values();
  std::vector<std::byte> out(iv.size() * dim * wsz);
  for (std::size_t i = 0; i < iv.size(); ++i) {
    if (iv[i] < 0 || iv[i] >= rows) throw index_error("index out of range in self");
    std::copy_n(w.bytes().data() + static_cast<std::size_t>(iv[i]) * dim * wsz, dim * wsz, out.data() + i * dim * wsz);
  }
  shape_t s = sizes_of(idx);
  s.push_back(w.sizes()[1]);
  return make_tensor_bytes(s, w.dtype(), std::move(out));
}
Value k_sdpa(const kernel_call& c) {
  args_view a{c};
  if (a.f64(4) > 0) throw not_implemented_error("interpreter: scaled_dot_product_attention with dropout (random)");
  std::optional<double> scale;
  if (!a.none(6)) scale = a.f64(6);
  if (a.b(7)) throw not_implemented_error("interpreter: scaled_dot_product_attention with enable_gqa");
  return sdpa(a.t(0), a.t(1), a.t(2), opt_tensor(a, 3), a.b(5), scale);
}
Value k_sdpa_flash_cpu(const kernel_call& c) {
  args_view a{c};
  if (a.f64(3) > 0) throw not_implemented_error("interpreter: scaled_dot_product_attention with dropout (random)");
  std::optional<double> scale;
  if (!a.none(6)) scale = a.f64(6);
  Value out = sdpa(a.t(0), a.t(1), a.t(2), opt_tensor(a, 5), a.b(4), scale);
  // The log-sum-exp is only the backward's; an inference graph never reads it, so zeros stand in.
  const auto& q = a.t(0);
  shape_t ls(q.sizes().begin(), q.sizes().end() - 1);
  return Value::tuple({out, tensor_of(ls, ScalarType::Float, std::vector<double>(product(ls), 0.0))});
}

// Creation.
ScalarType fill_dtype(const args_view& a, std::size_t dtype_at, const Value& fill) {
  if (auto d = a.dtype(dtype_at)) return *d;
  if (fill.is_bool()) return ScalarType::Bool;
  if (fill.is_int() || fill.is_symint()) return ScalarType::Long;
  return ScalarType::Float;
}
Value filled(shape_t sizes, ScalarType dt, double v) {
  std::size_t n = numel_of(sizes);
  return tensor_of(std::move(sizes), dt, std::vector<double>(n, v));
}
Value k_full(const kernel_call& c) {
  args_view a{c};
  return filled(a.ints(0), fill_dtype(a, 2, a.at(1)), a.f64(1));
}
Value k_full_like(const kernel_call& c) {
  args_view a{c};
  const auto& t = a.t(0);
  return filled(sizes_of(t), a.dtype(2).value_or(t.dtype()), a.f64(1));
}
template <int V>
Value k_const_fill(const kernel_call& c) {
  args_view a{c};
  return filled(a.ints(0), a.dtype(1).value_or(ScalarType::Float), V);
}
template <int V>
Value k_const_like(const kernel_call& c) {
  args_view a{c};
  const auto& t = a.t(0);
  return filled(sizes_of(t), a.dtype(1).value_or(t.dtype()), V);
}
Value k_scalar_tensor(const kernel_call& c) {
  args_view a{c};
  return filled({}, a.dtype(1).value_or(ScalarType::Float), a.f64(0));
}
Value arange(const args_view& a, const Value& start, const Value& end, const Value& step, std::size_t dtype_at) {
  bool all_int = (start.is_int() || start.is_symint()) && (end.is_int() || end.is_symint()) && (step.is_int() || step.is_symint());
  ScalarType dt = a.dtype(dtype_at).value_or(all_int ? ScalarType::Long : ScalarType::Float);
  double s = args_view::number_of(start), e = args_view::number_of(end), st = args_view::number_of(step);
  if (st == 0) throw runtime_error("step must be nonzero");
  if ((st > 0 && s > e) || (st < 0 && s < e)) throw runtime_error("upper bound and larger bound inconsistent with step sign");
  auto n = static_cast<std::int64_t>(std::ceil((e - s) / st));
  std::vector<double> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = s + static_cast<double>(i) * st;
  return tensor_of({n}, dt, v);
}
Value k_arange(const kernel_call& c) {
  args_view a{c};
  return arange(a, Value(0), a.at(0), Value(1), 1);
}
Value k_arange_start(const kernel_call& c) {
  args_view a{c};
  return arange(a, a.at(0), a.at(1), Value(1), 2);
}
Value k_arange_start_step(const kernel_call& c) {
  args_view a{c};
  return arange(a, a.at(0), a.at(1), a.at(2), 3);
}

// Shapes and Python arithmetic (dynamic shapes compute sizes with these).
Value k_sym_size(const kernel_call& c) {
  args_view a{c};
  const auto& t = a.t(0);
  return Value(t.sizes()[wrap_dim(a.i64(1), t.sizes().size())]);
}
Value k_sym_numel(const kernel_call& c) { return Value(static_cast<std::int64_t>(args_view{c}.t(0).numel())); }
Value k_sym_stride(const kernel_call& c) {
  args_view a{c};
  const auto& t = a.t(0);
  return Value(strides_of(t.sizes())[wrap_dim(a.i64(1), t.sizes().size())]);
}
Value k_item(const kernel_call& c) {
  const auto& t = args_view{c}.t(0);
  if (t.numel() != 1) throw runtime_error("a Tensor with " + std::to_string(t.numel()) + " elements cannot be converted to Scalar");
  if (t.dtype() == ScalarType::Bool) return Value(t.int_value(0) != 0);
  if (is_floating(t.dtype())) return Value(t.value(0));
  return Value(t.int_value(0));
}

// Python's arithmetic on ints, floats and bools (bools count as ints).
template <class FI, class FD>
Value python_binary(const kernel_call& c, FI fi, FD fd) {
  const Value& x = c.args[0];
  const Value& y = c.args[1];
  if (x.is_tensor() || y.is_tensor()) return Value();  // the caller falls back to the tensor kernel
  bool ints = !x.is_double() && !y.is_double();
  if (ints) return Value(fi(args_view::int_of(x), args_view::int_of(y)));
  return Value(fd(args_view::number_of(x), args_view::number_of(y)));
}

template <kernel_fn Tensor, class FI, class FD>
Value python_or_tensor(const kernel_call& c, FI fi, FD fd) {
  if (c.args[0].is_tensor() || c.args[1].is_tensor()) {
    std::vector<Value> full{c.args[0], c.args[1], Value(1)};
    kernel_call inner{c.op, c.node, full, c.log};
    return Tensor(inner);
  }
  return python_binary(c, fi, fd);
}

Value k_op_add(const kernel_call& c) {
  return python_or_tensor<k_add>(c, [](std::int64_t x, std::int64_t y) { return x + y; }, [](double x, double y) { return x + y; });
}
Value k_op_sub(const kernel_call& c) {
  return python_or_tensor<k_sub>(c, [](std::int64_t x, std::int64_t y) { return x - y; }, [](double x, double y) { return x - y; });
}
Value k_op_mul(const kernel_call& c) {
  return python_or_tensor<k_mul>(c, [](std::int64_t x, std::int64_t y) { return x * y; }, [](double x, double y) { return x * y; });
}
Value k_op_truediv(const kernel_call& c) {
  if (c.args[0].is_tensor() || c.args[1].is_tensor()) return k_div(c);
  double y = args_view::number_of(c.args[1]);
  if (y == 0) throw runtime_error("ZeroDivisionError: division by zero");
  return Value(args_view::number_of(c.args[0]) / y);
}
Value k_op_floordiv(const kernel_call& c) {
  if (c.args[0].is_tensor() || c.args[1].is_tensor()) return k_floor_divide(c);
  return python_binary(c, int_floordiv, python_floordiv);
}
Value k_op_mod(const kernel_call& c) {
  if (c.args[0].is_tensor() || c.args[1].is_tensor()) return k_remainder(c);
  return python_binary(c, int_mod, [](double x, double y) { return x - std::floor(x / y) * y; });
}
Value k_op_neg(const kernel_call& c) {
  const Value& x = c.args[0];
  if (x.is_tensor()) return k_neg(c);
  if (x.is_double()) return Value(-x.to_double());
  return Value(-args_view::int_of(x));
}
template <class Cmp>
Value k_op_compare(const kernel_call& c) {
  if (c.args[0].is_tensor() || c.args[1].is_tensor()) return cmp_kernel<Cmp>(c);
  return Value(Cmp{}(args_view::number_of(c.args[0]), args_view::number_of(c.args[1])));
}
Value k_getitem(const kernel_call& c) {
  const Value& seq = c.args[0];
  if (seq.is_tensor()) return select(as_dense(seq), 0, args_view::int_of(c.args[1]));
  if (!seq.is_sequence()) throw type_error("'" + seq.type_name() + "' object is not subscriptable");
  std::int64_t i = args_view::int_of(c.args[1]), n = static_cast<std::int64_t>(seq.items().size());
  if (i < 0) i += n;
  if (i < 0 || i >= n) throw index_error(std::string(seq.is_list() ? "list" : "tuple") + " index out of range");
  return seq.items()[static_cast<std::size_t>(i)];
}

// Checks and effects.
Value k_assert_scalar(const kernel_call& c) {
  args_view a{c};
  if (!a.b(0)) throw runtime_error(a.at(1).is_string() ? a.at(1).to_string() : "assertion failed (node " + std::string(c.node) + ")");
  return Value();
}
Value k_assert_async(const kernel_call& c) {
  args_view a{c};
  const auto& t = a.t(0);
  if (t.numel() != 1) throw runtime_error("Boolean value of Tensor with more than one value is ambiguous");
  if (t.value(0) == 0.0) throw runtime_error(c.args.size() > 1 && a.at(1).is_string() ? a.at(1).to_string() : "Expected Tensor with single nonzero value, but got zero");
  return Value();
}
Value k_nothing(const kernel_call&) { return Value(); }
Value k_make_token(const kernel_call&) { return make_tensor({0}, {}); }
Value k_print(const kernel_call& c) {
  c.log->push_back("aten._print.default(" + c.args[0].repr() + ")");
  return Value();
}

// ---- the table --------------------------------------------------------------------------------------

// Parameters as "self, other, *, alpha=1": names, defaults (Python literals: ints, floats,
// True/False/None, 'strings', [lists]), `*` marking the keyword-only rest.
Value parse_default(std::string_view s) {
  if (s == "None") return Value();
  if (s == "True") return Value(true);
  if (s == "False") return Value(false);
  if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'') return Value(std::string(s.substr(1, s.size() - 2)));
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') {
    value_list items;
    std::string_view body = s.substr(1, s.size() - 2);
    while (!body.empty()) {
      std::size_t comma = body.find(';');
      items.push_back(parse_default(body.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      body.remove_prefix(comma + 1);
    }
    return Value::list(std::move(items));
  }
  if (s.find_first_of(".e") != std::string_view::npos) return Value(std::stod(std::string(s)));
  return Value(static_cast<std::int64_t>(std::stoll(std::string(s))));
}

std::vector<kernel_param> parse_params(std::string_view spec) {
  std::vector<kernel_param> out;
  bool kw = false;
  while (!spec.empty()) {
    std::size_t comma = spec.find(", ");
    std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 2);
    if (item == "*") {
      kw = true;
      continue;
    }
    kernel_param p;
    std::size_t eq = item.find('=');
    p.name = std::string(item.substr(0, eq));
    if (eq != std::string_view::npos) p.has_default = true, p.default_value = parse_default(item.substr(eq + 1));
    p.keyword_only = kw;
    out.push_back(std::move(p));
  }
  return out;
}

struct table_row {
  std::string_view op, params;
  kernel_fn fn;
};

constexpr std::string_view kUnary = "self";
constexpr std::string_view kBinary = "self, other";
constexpr std::string_view kAlpha = "self, other, *, alpha=1";
constexpr std::string_view kAlphaPos = "self, other, alpha=1";
constexpr std::string_view kCreate = "size, *, dtype=None, layout=None, device=None, pin_memory=None";
constexpr std::string_view kLike = "self, *, dtype=None, layout=None, device=None, pin_memory=None, memory_format=None";

const table_row kRows[] = {
    {"aten.add.Tensor", kAlpha, k_add},
    {"aten.add.Scalar", kAlphaPos, k_add},
    {"aten.sub.Tensor", kAlpha, k_sub},
    {"aten.sub.Scalar", kAlphaPos, k_sub},
    {"aten.rsub.Tensor", kAlpha, k_rsub},
    {"aten.rsub.Scalar", kAlphaPos, k_rsub},
    {"aten.mul.Tensor", kBinary, k_mul},
    {"aten.mul.Scalar", kBinary, k_mul},
    {"aten.div.Tensor", kBinary, k_div},
    {"aten.div.Scalar", kBinary, k_div},
    {"aten.div.Tensor_mode", "self, other, *, rounding_mode", k_div},
    {"aten.div.Scalar_mode", "self, other, *, rounding_mode", k_div},
    {"aten.pow.Tensor_Scalar", "self, exponent", k_pow},
    {"aten.pow.Tensor_Tensor", "self, exponent", k_pow},
    {"aten.pow.Scalar", "self, exponent", k_pow},
    {"aten.maximum.default", kBinary, k_maximum},
    {"aten.minimum.default", kBinary, k_minimum},
    {"aten.remainder.Tensor", kBinary, k_remainder},
    {"aten.remainder.Scalar", kBinary, k_remainder},
    {"aten.floor_divide.default", kBinary, k_floor_divide},
    {"aten.eq.Tensor", kBinary, cmp_kernel<std::equal_to<>>},
    {"aten.eq.Scalar", kBinary, cmp_kernel<std::equal_to<>>},
    {"aten.ne.Tensor", kBinary, cmp_kernel<std::not_equal_to<>>},
    {"aten.ne.Scalar", kBinary, cmp_kernel<std::not_equal_to<>>},
    {"aten.lt.Tensor", kBinary, cmp_kernel<std::less<>>},
    {"aten.lt.Scalar", kBinary, cmp_kernel<std::less<>>},
    {"aten.le.Tensor", kBinary, cmp_kernel<std::less_equal<>>},
    {"aten.le.Scalar", kBinary, cmp_kernel<std::less_equal<>>},
    {"aten.gt.Tensor", kBinary, cmp_kernel<std::greater<>>},
    {"aten.gt.Scalar", kBinary, cmp_kernel<std::greater<>>},
    {"aten.ge.Tensor", kBinary, cmp_kernel<std::greater_equal<>>},
    {"aten.ge.Scalar", kBinary, cmp_kernel<std::greater_equal<>>},
    {"aten.logical_and.default", kBinary, logical<0>},
    {"aten.logical_or.default", kBinary, logical<1>},
    {"aten.logical_xor.default", kBinary, logical<2>},
    {"aten.logical_not.default", kUnary, k_logical_not},
    {"aten.where.self", "condition, self, other", k_where},
    {"aten.relu.default", kUnary, k_relu},
    {"aten.gelu.default", "self, *, approximate='none'", k_gelu},
    {"aten.silu.default", kUnary, float_unary<f_silu>},
    {"aten.sigmoid.default", kUnary, float_unary<f_sigmoid>},
    {"aten.tanh.default", kUnary, float_unary<f_tanh>},
    {"aten.exp.default", kUnary, float_unary<f_exp>},
    {"aten.expm1.default", kUnary, float_unary<f_expm1>},
    {"aten.log.default", kUnary, float_unary<f_log>},
    {"aten.log1p.default", kUnary, float_unary<f_log1p>},
    {"aten.sqrt.default", kUnary, float_unary<f_sqrt>},
    {"aten.rsqrt.default", kUnary, float_unary<f_rsqrt>},
    {"aten.sin.default", kUnary, float_unary<f_sin>},
    {"aten.cos.default", kUnary, float_unary<f_cos>},
    {"aten.erf.default", kUnary, float_unary<f_erf>},
    {"aten.reciprocal.default", kUnary, float_unary<f_reciprocal>},
    {"aten.neg.default", kUnary, k_neg},
    {"aten.abs.default", kUnary, k_abs},
    {"aten.floor.default", kUnary, rounding<f_floor>},
    {"aten.ceil.default", kUnary, rounding<f_ceil>},
    {"aten.round.default", kUnary, rounding<f_round>},
    {"aten.trunc.default", kUnary, rounding<f_trunc>},
    {"aten.clamp.default", "self, min=None, max=None", k_clamp},
    {"aten.clamp_min.default", "self, min", k_clamp},
    {"aten.hardtanh.default", "self, min_val=-1, max_val=1", k_hardtanh},
    {"aten.leaky_relu.default", "self, negative_slope=0.01", k_leaky_relu},
    {"aten.clone.default", "self, *, memory_format=None", k_identity},
    {"aten.contiguous.default", "self, *, memory_format='torch.contiguous_format'", k_identity},
    {"aten.alias.default", kUnary, k_identity},
    {"aten.detach.default", kUnary, k_identity},
    {"aten.lift_fresh_copy.default", kUnary, k_identity},
    {"aten.dropout.default", "input, p, train", k_dropout},
    {"aten._to_copy.default", "self, *, dtype=None, layout=None, device=None, pin_memory=None, non_blocking=False, memory_format=None", k_to_copy},
    {"aten.to.dtype", "self, dtype, non_blocking=False, copy=False, memory_format=None", k_to_copy},
    {"aten.type_as.default", kBinary, k_type_as},
    {"aten.view.default", "self, size", k_view},
    {"aten.reshape.default", "self, shape", k_view},
    {"aten._unsafe_view.default", "self, size", k_view},
    {"aten.flatten.using_ints", "self, start_dim=0, end_dim=-1", k_flatten},
    {"aten.permute.default", "self, dims", k_permute},
    {"aten.t.default", kUnary, k_t},
    {"aten.transpose.int", "self, dim0, dim1", k_transpose},
    {"aten.expand.default", "self, size, *, implicit=False", k_expand},
    {"aten.expand_as.default", kBinary, k_expand_as},
    {"aten.unsqueeze.default", "self, dim", k_unsqueeze},
    {"aten.squeeze.default", kUnary, k_squeeze},
    {"aten.squeeze.dim", "self, dim", k_squeeze_dims},
    {"aten.squeeze.dims", "self, dim", k_squeeze_dims},
    {"aten.select.int", "self, dim, index", k_select},
    {"aten.slice.Tensor", "self, dim=0, start=None, end=None, step=1", k_slice},
    {"aten.narrow.default", "self, dim, start, length", k_narrow},
    {"aten.cat.default", "tensors, dim=0", k_cat},
    {"aten.stack.default", "tensors, dim=0", k_stack},
    {"aten.split.Tensor", "self, split_size, dim=0", k_split},
    {"aten.split_with_sizes.default", "self, split_sizes, dim=0", k_split_with_sizes},
    {"aten.chunk.default", "self, chunks, dim=0", k_chunk},
    {"aten.unbind.int", "self, dim=0", k_unbind},
    {"aten.index_select.default", "self, dim, index", k_index_select},
    {"aten.sum.default", "self, *, dtype=None", k_sum<false>},
    {"aten.sum.dim_IntList", "self, dim, keepdim=False, *, dtype=None", k_sum_dim<false>},
    {"aten.mean.default", "self, *, dtype=None", k_sum<true>},
    {"aten.mean.dim", "self, dim, keepdim=False, *, dtype=None", k_sum_dim<true>},
    {"aten.amax.default", "self, dim=[], keepdim=False", k_amax<true>},
    {"aten.amin.default", "self, dim=[], keepdim=False", k_amax<false>},
    {"aten.max.default", kUnary, k_max_all<true>},
    {"aten.min.default", kUnary, k_max_all<false>},
    {"aten.max.dim", "self, dim, keepdim=False", k_max_dim<true>},
    {"aten.min.dim", "self, dim, keepdim=False", k_max_dim<false>},
    {"aten.argmax.default", "self, dim=None, keepdim=False", k_argmax<true>},
    {"aten.argmin.default", "self, dim=None, keepdim=False", k_argmax<false>},
    {"aten.any.default", kUnary, k_any<true>},
    {"aten.any.dim", "self, dim, keepdim=False", k_any_dims<true>},
    {"aten.any.dims", "self, dim=None, keepdim=False", k_any_dims<true>},
    {"aten.all.default", kUnary, k_any<false>},
    {"aten.all.dim", "self, dim, keepdim=False", k_any_dims<false>},
    {"aten.all.dims", "self, dim=None, keepdim=False", k_any_dims<false>},
    {"aten.var.correction", "self, dim=None, *, correction=None, keepdim=False", k_var},
    {"aten._softmax.default", "self, dim, half_to_float", k_softmax<false>},
    {"aten._log_softmax.default", "self, dim, half_to_float", k_softmax<true>},
    {"aten.softmax.int", "self, dim, dtype=None", k_softmax_int<false>},
    {"aten.log_softmax.int", "self, dim, dtype=None", k_softmax_int<true>},
    {"aten.native_layer_norm.default", "input, normalized_shape, weight, bias, eps", k_native_layer_norm},
    {"aten.layer_norm.default", "input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True", k_layer_norm},
    {"aten._native_batch_norm_legit_no_training.default", "input, weight, bias, running_mean, running_var, momentum, eps", k_bn_no_training},
    {"aten._native_batch_norm_legit_functional.default", "input, weight, bias, running_mean, running_var, training, momentum, eps", k_bn_functional},
    {"aten._native_batch_norm_legit.no_stats", "input, weight, bias, training, momentum, eps", k_bn_no_stats},
    {"aten.batch_norm.default", "input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled", k_batch_norm},
    {"aten.mm.default", "self, mat2", k_mm},
    {"aten.bmm.default", "self, mat2", k_bmm},
    {"aten.matmul.default", kBinary, k_matmul},
    {"aten.addmm.default", "self, mat1, mat2, *, beta=1, alpha=1", k_addmm},
    {"aten.linear.default", "input, weight, bias=None", k_linear},
    {"aten.convolution.default", "input, weight, bias, stride, padding, dilation, transposed, output_padding, groups", k_convolution},
    {"aten.conv1d.default", "input, weight, bias=None, stride=[1], padding=[0], dilation=[1], groups=1", k_conv},
    {"aten.conv2d.default", "input, weight, bias=None, stride=[1;1], padding=[0;0], dilation=[1;1], groups=1", k_conv},
    {"aten.max_pool2d_with_indices.default", "self, kernel_size, stride=[], padding=[0;0], dilation=[1;1], ceil_mode=False", k_max_pool2d_with_indices},
    {"aten.max_pool2d.default", "self, kernel_size, stride=[], padding=[0;0], dilation=[1;1], ceil_mode=False", k_max_pool2d},
    {"aten.avg_pool2d.default", "self, kernel_size, stride=[], padding=[0;0], ceil_mode=False, count_include_pad=True, divisor_override=None", k_avg_pool2d},
    {"aten.adaptive_avg_pool2d.default", "self, output_size", k_adaptive_avg_pool2d},
    {"aten._adaptive_avg_pool2d.default", "self, output_size", k_adaptive_avg_pool2d},
    {"aten.embedding.default", "weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False", k_embedding},
    {"aten.scaled_dot_product_attention.default", "query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, *, scale=None, enable_gqa=False", k_sdpa},
    {"aten._scaled_dot_product_flash_attention_for_cpu.default", "query, key, value, dropout_p=0.0, is_causal=False, *, attn_mask=None, scale=None", k_sdpa_flash_cpu},
    {"aten.full.default", "size, fill_value, *, dtype=None, layout=None, device=None, pin_memory=None", k_full},
    {"aten.full_like.default", "self, fill_value, *, dtype=None, layout=None, device=None, pin_memory=None, memory_format=None", k_full_like},
    {"aten.zeros.default", kCreate, k_const_fill<0>},
    {"aten.ones.default", kCreate, k_const_fill<1>},
    {"aten.empty.memory_format", "size, *, dtype=None, layout=None, device=None, pin_memory=None, memory_format=None", k_const_fill<0>},
    {"aten.zeros_like.default", kLike, k_const_like<0>},
    {"aten.ones_like.default", kLike, k_const_like<1>},
    {"aten.empty_like.default", kLike, k_const_like<0>},
    {"aten.scalar_tensor.default", "s, *, dtype=None, layout=None, device=None, pin_memory=None", k_scalar_tensor},
    {"aten.arange.default", "end, *, dtype=None, layout=None, device=None, pin_memory=None", k_arange},
    {"aten.arange.start", "start, end, *, dtype=None, layout=None, device=None, pin_memory=None", k_arange_start},
    {"aten.arange.start_step", "start, end, step=1, *, dtype=None, layout=None, device=None, pin_memory=None", k_arange_start_step},
    {"aten.sym_size.int", "self, dim", k_sym_size},
    {"aten.sym_numel.default", kUnary, k_sym_numel},
    {"aten.sym_stride.int", "self, dim", k_sym_stride},
    {"aten.item.default", kUnary, k_item},
    {"aten._local_scalar_dense.default", kUnary, k_item},
    {"aten._assert_scalar.default", "self, assert_msg", k_assert_scalar},
    {"aten._assert_async.msg", "self, assert_msg", k_assert_async},
    {"aten._assert_async.default", kUnary, k_assert_async},
    {"aten.sym_constrain_range_for_size.default", "size, *, min=None, max=None", k_nothing},
    {"aten.sym_constrain_range.default", "size, *, min=None, max=None", k_nothing},
    {"aten._assert_tensor_metadata.default", "a, size=None, stride=None, dtype=None", k_nothing},
    {"aten._print.default", "s", k_print},
    {"prims._make_token.default", "", k_make_token},
    {"prims._sink_tokens.default", "tokens", k_nothing},
    {"operator.add", "a, b", k_op_add},
    {"operator.sub", "a, b", k_op_sub},
    {"operator.mul", "a, b", k_op_mul},
    {"operator.truediv", "a, b", k_op_truediv},
    {"operator.floordiv", "a, b", k_op_floordiv},
    {"operator.mod", "a, b", k_op_mod},
    {"operator.neg", "a", k_op_neg},
    {"operator.eq", "a, b", k_op_compare<std::equal_to<>>},
    {"operator.ne", "a, b", k_op_compare<std::not_equal_to<>>},
    {"operator.lt", "a, b", k_op_compare<std::less<>>},
    {"operator.le", "a, b", k_op_compare<std::less_equal<>>},
    {"operator.gt", "a, b", k_op_compare<std::greater<>>},
    {"operator.ge", "a, b", k_op_compare<std::greater_equal<>>},
    {"operator.getitem", "a, b", k_getitem},
};

struct kernel_table {
  std::unordered_map<std::string_view, kernel_entry> by_op;
  std::vector<std::string_view> names;
  kernel_table() {
    for (const table_row& r : kRows) {
      kernel_entry e{r.op, parse_params(r.params), r.fn};
      by_op.emplace(r.op, std::move(e));
      names.push_back(r.op);
    }
    std::sort(names.begin(), names.end());
  }
};

const kernel_table& table() {
  static const kernel_table t;  // built once, read-only after: thread-safe
  return t;
}

// The Python-visible name of an op in messages: "add" for "aten.add.Tensor".
std::string short_name(std::string_view op) {
  std::size_t dot = op.find('.');
  if (dot == std::string_view::npos) return std::string(op);
  std::string_view rest = op.substr(dot + 1);
  return std::string(rest.substr(0, rest.find('.')));
}

}  // namespace

ScalarType parse_dtype(std::string_view name) {
  static constexpr std::pair<std::string_view, ScalarType> names[] = {
      {"torch.float32", ScalarType::Float}, {"torch.float", ScalarType::Float},     {"torch.float64", ScalarType::Double},
      {"torch.double", ScalarType::Double}, {"torch.float16", ScalarType::Half},    {"torch.half", ScalarType::Half},
      {"torch.bfloat16", ScalarType::BFloat16}, {"torch.int64", ScalarType::Long},  {"torch.long", ScalarType::Long},
      {"torch.int32", ScalarType::Int},     {"torch.int", ScalarType::Int},         {"torch.int16", ScalarType::Short},
      {"torch.short", ScalarType::Short},   {"torch.int8", ScalarType::Char},       {"torch.uint8", ScalarType::Byte},
      {"torch.bool", ScalarType::Bool},     {"torch.complex64", ScalarType::ComplexFloat},
      {"torch.complex128", ScalarType::ComplexDouble}, {"torch.complex32", ScalarType::ComplexHalf},
  };
  for (const auto& [n, t] : names)
    if (n == name) return t;
  throw value_error("unknown dtype '" + std::string(name) + "'");
}

std::vector<std::string_view> supported_ops() { return table().names; }

const kernel_entry* find_kernel(std::string_view op) {
  const auto& t = table().by_op;
  auto it = t.find(op);
  return it == t.end() ? nullptr : &it->second;
}

value_list bind_arguments(const kernel_entry& k, value_list positional, std::vector<std::pair<std::string, Value>> keywords,
                          std::string_view node) {
  const auto& ps = k.params;
  std::string where = " (node " + std::string(node) + ")";
  std::string fn = short_name(k.op) + "()";
  std::size_t max_pos = 0;
  while (max_pos < ps.size() && !ps[max_pos].keyword_only) ++max_pos;
  if (positional.size() > max_pos)
    throw type_error(fn + " takes " + std::to_string(max_pos) + " positional arguments but " + std::to_string(positional.size()) +
                     " were given" + where);
  std::vector<std::optional<Value>> slots(ps.size());
  for (std::size_t i = 0; i < positional.size(); ++i) slots[i] = std::move(positional[i]);
  for (auto& [name, v] : keywords) {
    auto it = std::find_if(ps.begin(), ps.end(), [&](const kernel_param& p) { return p.name == name; });
    if (it == ps.end()) throw type_error(fn + " got an unexpected keyword argument '" + name + "'" + where);
    auto i = static_cast<std::size_t>(it - ps.begin());
    if (slots[i]) throw type_error(fn + " got multiple values for argument '" + name + "'" + where);
    slots[i] = std::move(v);
  }
  value_list out;
  out.reserve(ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) {
    if (slots[i]) out.push_back(std::move(*slots[i]));
    else if (ps[i].has_default) out.push_back(ps[i].default_value);
    else throw type_error(fn + " missing required argument '" + ps[i].name + "'" + where);
  }
  return out;
}

}  // namespace aotkit::rewrite
