// modules/runtime/value.cppm — the dynamic value of the boxed calling convention (partition :value):
// None, bool, int, float, str, SymInt/SymFloat/SymBool, Tensor, list, tuple and opaque objects.
module;
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>
export module aotkit.runtime:value;

import :error;

export namespace aotkit::runtime {

/// torch.dtype, by its C++ name (c10::ScalarType); `to_string` gives Python's "torch.float32".
enum class ScalarType : std::uint8_t {
  Byte, Char, Short, Int, Long, Half, Float, Double, ComplexHalf, ComplexFloat, ComplexDouble,
  Bool, BFloat16,
};

/// Returns Python's name of a dtype: "torch.float16", "torch.bfloat16", "torch.int64", ...
[[nodiscard]] std::string_view to_string(ScalarType t) noexcept;

/// A symbolic scalar as PyTorch's SymInt/SymFloat/SymBool: either concrete, or a symbolic
/// expression with an optional hint (the example value a ShapeEnv knows; absent for unbacked
/// symbols).
template <class T>
class Sym {
 public:
  /// A concrete value (implicit, like `SymInt(5)`).
  inline constexpr Sym(T value) noexcept : value_(value) {}  // NOLINT(google-explicit-constructor)
  /// A symbolic value named by `expr` (e.g. "s0", "2*s1"), with its hint when one is known.
  [[nodiscard]] static inline Sym symbolic(std::string expr, std::optional<T> hint = std::nullopt) {
    Sym s(T{});
    s.expr_ = std::move(expr);
    s.value_ = hint;
    s.symbolic_ = true;
    return s;
  }
  /// True when the value is an expression rather than a number.
  [[nodiscard]] inline bool is_symbolic() const noexcept { return symbolic_; }
  /// The concrete value, or the hint of a symbolic value (`shape_env.size_hint`).
  [[nodiscard]] inline std::optional<T> hint() const noexcept { return value_; }
  /// The expression of a symbolic value; empty for a concrete one.
  [[nodiscard]] inline const std::string& expr() const noexcept { return expr_; }
  friend bool operator==(const Sym&, const Sym&) = default;

 private:
  std::string expr_;
  std::optional<T> value_;
  bool symbolic_ = false;
};

using SymInt = Sym<std::int64_t>;
using SymFloat = Sym<double>;
using SymBool = Sym<bool>;

/// Base of user objects carried by a Value (Python objects of classes aotkit does not model:
/// script objects, opaque values, output descriptors, ...). Held by shared pointer, immutable.
class object {
 public:
  virtual ~object() = default;
  /// Python's qualified class name, e.g. "torch._functorch._aot_autograd.descriptors.PlainAOTOutput".
  [[nodiscard]] virtual std::string type_name() const = 0;
  /// Python's repr of the object; defaults to "<type_name object>".
  [[nodiscard]] virtual std::string repr() const;
  /// Structural equality; defaults to identity.
  [[nodiscard]] inline virtual bool equals(const object& other) const noexcept { return this == &other; }
};

/// The storage behind a Tensor handle; aotkit's interpreter and users provide implementations.
class tensor_impl {
 public:
  virtual ~tensor_impl() = default;
  /// The tensor's sizes.
  [[nodiscard]] virtual std::span<const std::int64_t> sizes() const noexcept = 0;
  /// The tensor's dtype.
  [[nodiscard]] virtual ScalarType dtype() const noexcept = 0;
  /// Python's repr of the tensor; defaults to a meta tensor's:
  /// "tensor(..., device='meta', size=(2, 3))", with ", dtype=torch.float64" unless float32.
  [[nodiscard]] virtual std::string repr() const;
};

/// A reference-counted handle to a tensor, as a Python reference to a torch.Tensor: copies alias.
class Tensor {
 public:
  Tensor() = default;
  inline explicit Tensor(std::shared_ptr<const tensor_impl> impl) noexcept : impl_(std::move(impl)) {}
  /// True when the handle refers to a tensor.
  [[nodiscard]] inline bool defined() const noexcept { return impl_ != nullptr; }
  /// The implementation; null for an undefined handle.
  [[nodiscard]] inline const std::shared_ptr<const tensor_impl>& impl() const noexcept { return impl_; }
  /// Identity, as Python's `is`.
  friend inline bool operator==(const Tensor& a, const Tensor& b) noexcept { return a.impl_ == b.impl_; }

 private:
  std::shared_ptr<const tensor_impl> impl_;
};

/// A tensor with sizes and a dtype and no storage, as PyTorch's `torch.empty(sizes,
/// device='meta')`: what shape analyses and tests need. Negative sizes throw aotkit::value_error.
[[nodiscard]] Tensor empty_meta(std::vector<std::int64_t> sizes, ScalarType dtype = ScalarType::Float);

/// What a Value holds.
enum class value_kind : std::uint8_t {
  none, boolean, integer, floating, string, symint, symfloat, symbool, tensor, list, tuple, object,
};

class Value;

/// A list of values: the boxed calling convention's argument list and every Python list.
using value_list = std::vector<Value>;

/// A Python-like dynamic value with value semantics. Lists and tuples nest to any depth: copy,
/// comparison, destruction and printing are iterative, so a value nested a million deep is safe.
class Value {
 public:
  /// None.
  Value() noexcept = default;
  inline Value(std::nullptr_t) noexcept {}  // NOLINT: None
  inline Value(bool b) noexcept : storage_(b) {}  // NOLINT
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  inline Value(I i) noexcept : storage_(static_cast<std::int64_t>(i)) {}  // NOLINT
  template <std::floating_point F>
  inline Value(F f) noexcept : storage_(static_cast<double>(f)) {}  // NOLINT
  inline Value(std::string s) : storage_(std::make_shared<const std::string>(std::move(s))) {}  // NOLINT
  inline Value(std::string_view s) : storage_(std::make_shared<const std::string>(s)) {}  // NOLINT
  inline Value(const char* s) : storage_(std::make_shared<const std::string>(s)) {}  // NOLINT
  inline Value(SymInt s) : storage_(std::make_shared<const SymInt>(std::move(s))) {}  // NOLINT
  inline Value(SymFloat s) : storage_(std::make_shared<const SymFloat>(std::move(s))) {}  // NOLINT
  inline Value(SymBool s) : storage_(std::make_shared<const SymBool>(std::move(s))) {}  // NOLINT
  inline Value(Tensor t) noexcept : storage_(std::move(t)) {}  // NOLINT
  template <class T>
    requires std::derived_from<std::remove_const_t<T>, object>
  inline Value(std::shared_ptr<T> o) noexcept : storage_(std::shared_ptr<const object>(std::move(o))) {}  // NOLINT

  /// A Python list holding `items`.
  [[nodiscard]] static Value list(value_list items = {});
  /// A Python tuple holding `items`.
  [[nodiscard]] static Value tuple(value_list items = {});

  // Scalars copy and die inline (the hot case: leaves); lists and tuples go through the
  // iterative out-of-line paths.
  inline Value(const Value& other) : storage_(other.is_sequence() ? storage{} : other.storage_) {
    if (other.is_sequence()) copy_sequence(other);
  }
  Value(Value&& other) noexcept = default;
  Value& operator=(const Value& other);
  Value& operator=(Value&& other) noexcept;
  inline ~Value() {
    if (is_sequence()) release_children();
  }

  [[nodiscard]] inline value_kind kind() const noexcept { return static_cast<value_kind>(storage_.index()); }
  [[nodiscard]] inline bool is_none() const noexcept { return kind() == value_kind::none; }
  [[nodiscard]] inline bool is_bool() const noexcept { return kind() == value_kind::boolean; }
  [[nodiscard]] inline bool is_int() const noexcept { return kind() == value_kind::integer; }
  [[nodiscard]] inline bool is_double() const noexcept { return kind() == value_kind::floating; }
  [[nodiscard]] inline bool is_string() const noexcept { return kind() == value_kind::string; }
  [[nodiscard]] inline bool is_symint() const noexcept { return kind() == value_kind::symint; }
  [[nodiscard]] inline bool is_tensor() const noexcept { return kind() == value_kind::tensor; }
  [[nodiscard]] inline bool is_list() const noexcept { return kind() == value_kind::list; }
  [[nodiscard]] inline bool is_tuple() const noexcept { return kind() == value_kind::tuple; }
  /// True for a list or a tuple.
  [[nodiscard]] inline bool is_sequence() const noexcept { return is_list() || is_tuple(); }
  [[nodiscard]] inline bool is_object() const noexcept { return kind() == value_kind::object; }

  // Accessors throw aotkit::type_error naming the expected and the actual Python type.
  [[nodiscard]] bool to_bool() const;
  [[nodiscard]] std::int64_t to_int() const;
  [[nodiscard]] double to_double() const;
  [[nodiscard]] const std::string& to_string() const;
  [[nodiscard]] const SymInt& to_symint() const;
  [[nodiscard]] const SymFloat& to_symfloat() const;
  [[nodiscard]] const SymBool& to_symbool() const;
  [[nodiscard]] const Tensor& to_tensor() const;
  [[nodiscard]] const std::shared_ptr<const object>& to_object() const;
  /// The items of a list or tuple.
  [[nodiscard]] const value_list& items() const;
  [[nodiscard]] value_list& items();

  /// Python's class name of the value: "NoneType", "bool", "int", "float", "str", "SymInt",
  /// "SymFloat", "SymBool", "Tensor", "list", "tuple", or the object's own.
  [[nodiscard]] std::string type_name() const;
  /// Python's `str(type(v))` as PyTorch's messages print it: "<class 'int'>",
  /// "<class 'torch.Tensor'>", "<class 'torch.SymInt'>", "<class 'pkg.Mod.Name'>".
  [[nodiscard]] std::string type_repr() const;
  /// Python's repr: `None`, `True`, `3`, `1.5`, `'s'`, `[1, (2,)]`, `s0`, object reprs.
  [[nodiscard]] std::string repr() const;

  /// Structural equality: same kind and equal contents, recursively (no numeric tower:
  /// `Value(1) != Value(1.0)`); tensors and objects compare by identity unless an object
  /// defines `equals`.
  friend bool operator==(const Value& a, const Value& b);

 private:
  // A list's or tuple's items, owned (value semantics: a copy of the Value copies them, through
  // copy_sequence, iteratively). Boxed so that a Value stays at 24 bytes.
  struct sequence_box {
    std::unique_ptr<value_list> items;
    sequence_box() = default;
    explicit sequence_box(value_list v) : items(std::make_unique<value_list>(std::move(v))) {}
    // Only for std::variant's copy; Value copies sequences itself (iteratively)
    sequence_box(const sequence_box& o) : items(o.items ? std::make_unique<value_list>(*o.items) : nullptr) {}
    sequence_box& operator=(const sequence_box& o) {
      items = o.items ? std::make_unique<value_list>(*o.items) : nullptr;
      return *this;
    }
    sequence_box(sequence_box&&) noexcept = default;
    sequence_box& operator=(sequence_box&&) noexcept = default;
  };
  struct list_box : sequence_box {
    using sequence_box::sequence_box;
  };
  struct tuple_box : sequence_box {
    using sequence_box::sequence_box;
  };
  // Strings are immutable and shared, symbolic scalars rare and large, sequences boxed: a Value is
  // 24 bytes, which is what flattening, mapping and copying leaves pays for (a 2^20-leaf list of
  // them stays under glibc's mmap threshold, so its memory is reused instead of faulted in anew).
  using storage = std::variant<std::monostate, bool, std::int64_t, double, std::shared_ptr<const std::string>,
                               std::shared_ptr<const SymInt>, std::shared_ptr<const SymFloat>,
                               std::shared_ptr<const SymBool>, Tensor, list_box, tuple_box, std::shared_ptr<const object>>;
  storage storage_;

  [[noreturn]] void wrong_kind(std::string_view expected) const;
  void copy_sequence(const Value& other);
  value_list* children();                      // a moved-from sequence gets an empty vector
  value_list* existing_children() noexcept;    // null also for a moved-from sequence
  [[nodiscard]] const value_list* children() const noexcept;
  void release_children() noexcept;
  friend struct value_access;
};

static_assert(sizeof(Value) == 24, "a Value is 24 bytes: leaves are copied by the million");

/// Returns `v` with every SymInt replaced by its hint (`_get_symint_hints`, docs/semantics.md §A.2):
/// lists and tuples are rebuilt with the same kind, a concrete SymInt gives its value, a symbolic
/// one its hint; everything else, SymFloat and SymBool included, is returned unchanged. An unbacked
/// symbol (no hint) throws aotkit::data_dependent_error, as torch's ShapeEnv.size_hint does (the
/// first in Python's order). Iterative: any nesting depth.
[[nodiscard]] Value _get_symint_hints(const Value& v);

/// The hint of one SymInt (its value when concrete). An unbacked symbol throws
/// aotkit::data_dependent_error: "Could not extract specialized integer from data-dependent
/// expression u0 (unhinted: u0).  (Size-like symbols: none)".
[[nodiscard]] std::int64_t _get_symint_hints(const SymInt& s);

}  // namespace aotkit::runtime
