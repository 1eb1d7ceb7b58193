// modules/runtime/value.cpp — Value's special members, printing and comparison, all iterative,
// so that the depth of a value (which input controls) never becomes the depth of the C++ stack.
module;
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>
module aotkit.runtime;

namespace aotkit::runtime {

std::string_view to_string(ScalarType t) noexcept {
  switch (t) {
    case ScalarType::Byte: return "torch.uint8";
    case ScalarType::Char: return "torch.int8";
    case ScalarType::Short: return "torch.int16";
    case ScalarType::Int: return "torch.int32";
    case ScalarType::Long: return "torch.int64";
    case ScalarType::Half: return "torch.float16";
    case ScalarType::Float: return "torch.float32";
    case ScalarType::Double: return "torch.float64";
    case ScalarType::ComplexHalf: return "torch.complex32";
    case ScalarType::ComplexFloat: return "torch.complex64";
    case ScalarType::ComplexDouble: return "torch.complex128";
    case ScalarType::Bool: return "torch.bool";
    case ScalarType::BFloat16: return "torch.bfloat16";
  }
  return "torch.unknown";
}

std::string object::repr() const { return "<" + type_name() + " object>"; }

std::string tensor_impl::repr() const {
  std::string s = "tensor(..., device='meta', size=(";
  auto sz = sizes();
  for (std::size_t i = 0; i < sz.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(sz[i]);
  }
  s += sz.size() == 1 ? ",)" : ")";
  if (dtype() != ScalarType::Float) {
    s += ", dtype=";
    s += runtime::to_string(dtype());
  }
  s += ')';
  return s;
}

namespace {

class meta_tensor final : public tensor_impl {
 public:
  meta_tensor(std::vector<std::int64_t> sizes, ScalarType dtype) : sizes_(std::move(sizes)), dtype_(dtype) {}
  std::span<const std::int64_t> sizes() const noexcept override { return sizes_; }
  ScalarType dtype() const noexcept override { return dtype_; }

 private:
  std::vector<std::int64_t> sizes_;
  ScalarType dtype_;
};

}  // namespace

Tensor empty_meta(std::vector<std::int64_t> sizes, ScalarType dtype) {
  for (auto d : sizes)
    if (d < 0) throw value_error("Trying to create tensor with negative dimension " + std::to_string(d));
  return Tensor(std::make_shared<const meta_tensor>(std::move(sizes), dtype));
}

Value Value::list(value_list items) {
  Value v;
  v.storage_.emplace<list_box>(std::move(items));
  return v;
}

Value Value::tuple(value_list items) {
  Value v;
  v.storage_.emplace<tuple_box>(std::move(items));
  return v;
}

value_list* Value::existing_children() noexcept {
  sequence_box* box = std::get_if<list_box>(&storage_);
  if (!box) box = std::get_if<tuple_box>(&storage_);
  return box ? box->items.get() : nullptr;
}

value_list* Value::children() {
  sequence_box* box = std::get_if<list_box>(&storage_);
  if (!box) box = std::get_if<tuple_box>(&storage_);
  if (!box) return nullptr;
  // a moved-from sequence: empty (an empty vector does not allocate)
  if (!box->items) box->items = std::make_unique<value_list>();
  return box->items.get();
}

const value_list* Value::children() const noexcept {
  static const value_list empty;
  const sequence_box* box = std::get_if<list_box>(&storage_);
  if (!box) box = std::get_if<tuple_box>(&storage_);
  if (!box) return nullptr;
  return box->items ? box->items.get() : &empty;
}

// Grants the iterative algorithms below access to the storage without making them members.
struct value_access {
  static value_list* children(Value& v) { return v.children(); }
  static const value_list* children(const Value& v) noexcept { return v.children(); }
  static Value::storage& storage(Value& v) noexcept { return v.storage_; }
  static const Value::storage& storage(const Value& v) noexcept { return v.storage_; }
  // A copy of `v` that, for a list or tuple, has the right kind and size but None items.
  static Value shell(const Value& v) {
    Value out;
    if (v.is_list()) out.storage_.emplace<Value::list_box>(value_list(v.children()->size()));
    else if (v.is_tuple()) out.storage_.emplace<Value::tuple_box>(value_list(v.children()->size()));
    else out.storage_ = v.storage_;  // not a container: the variant copy does not recurse
    return out;
  }
};

void Value::copy_sequence(const Value& other) {
  *this = value_access::shell(other);
  std::vector<std::pair<const Value*, Value*>> work{{&other, this}};
  while (!work.empty()) {
    auto [src, dst] = work.back();
    work.pop_back();
    const value_list& from = *src->children();
    value_list& to = *dst->children();
    for (std::size_t i = 0; i < from.size(); ++i) {
      to[i] = value_access::shell(from[i]);  // shallow: a container shell's items are None
      if (from[i].children()) work.emplace_back(&from[i], &to[i]);
    }
  }
}

Value& Value::operator=(const Value& other) {
  if (this != &other) {
    Value copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Value& Value::operator=(Value&& other) noexcept {
  if (this != &other) {
    // Take `other` first: it may live inside this value (`v = std::move(v.items()[0])`).
    storage taken = std::move(other.storage_);
    release_children();  // the old contents may be deep
    storage_ = std::move(taken);
  }
  return *this;
}

// Flattens a deep value into a work list so that each element is destroyed with no children left;
// a list of scalars (the common case) is left to the ordinary destructor.
void Value::release_children() noexcept {
  value_list* mine = existing_children();
  if (!mine) return;
  bool deep = false;
  for (auto& c : *mine) {
    if (auto* cc = c.existing_children(); cc && !cc->empty()) {
      deep = true;
      break;
    }
  }
  if (!deep) return;
  value_list pending = std::move(*mine);
  mine->clear();
  while (!pending.empty()) {
    Value v = std::move(pending.back());
    pending.pop_back();
    if (auto* cc = v.existing_children()) {
      for (auto& c : *cc) pending.push_back(std::move(c));
      cc->clear();
    }
  }
}

void Value::wrong_kind(std::string_view expected) const {
  throw type_error("expected " + std::string(expected) + ", got " + type_repr());
}

bool Value::to_bool() const {
  if (auto* p = std::get_if<bool>(&storage_)) return *p;
  wrong_kind("bool");
}
std::int64_t Value::to_int() const {
  if (auto* p = std::get_if<std::int64_t>(&storage_)) return *p;
  wrong_kind("int");
}
double Value::to_double() const {
  if (auto* p = std::get_if<double>(&storage_)) return *p;
  wrong_kind("float");
}
const std::string& Value::to_string() const {
  if (auto* p = std::get_if<std::shared_ptr<const std::string>>(&storage_)) return **p;
  wrong_kind("str");
}
const SymInt& Value::to_symint() const {
  if (auto* p = std::get_if<std::shared_ptr<const SymInt>>(&storage_)) return **p;
  wrong_kind("SymInt");
}
const SymFloat& Value::to_symfloat() const {
  if (auto* p = std::get_if<std::shared_ptr<const SymFloat>>(&storage_)) return **p;
  wrong_kind("SymFloat");
}
const SymBool& Value::to_symbool() const {
  if (auto* p = std::get_if<std::shared_ptr<const SymBool>>(&storage_)) return **p;
  wrong_kind("SymBool");
}
const Tensor& Value::to_tensor() const {
  if (auto* p = std::get_if<Tensor>(&storage_)) return *p;
  wrong_kind("Tensor");
}
const std::shared_ptr<const object>& Value::to_object() const {
  if (auto* p = std::get_if<std::shared_ptr<const object>>(&storage_)) return *p;
  wrong_kind("object");
}
const value_list& Value::items() const {
  if (auto* c = children()) return *c;
  wrong_kind("list or tuple");
}
value_list& Value::items() {
  if (auto* c = children()) return *c;
  wrong_kind("list or tuple");
}

std::string Value::type_name() const {
  switch (kind()) {
    case value_kind::none: return "NoneType";
    case value_kind::boolean: return "bool";
    case value_kind::integer: return "int";
    case value_kind::floating: return "float";
    case value_kind::string: return "str";
    case value_kind::symint: return "SymInt";
    case value_kind::symfloat: return "SymFloat";
    case value_kind::symbool: return "SymBool";
    case value_kind::tensor: return "Tensor";
    case value_kind::list: return "list";
    case value_kind::tuple: return "tuple";
    case value_kind::object: {
      const auto& o = std::get<std::shared_ptr<const object>>(storage_);
      std::string q = o ? o->type_name() : "NoneType";
      auto dot = q.rfind('.');
      return dot == std::string::npos ? q : q.substr(dot + 1);
    }
  }
  return "object";
}

std::string Value::type_repr() const {
  switch (kind()) {
    case value_kind::symint:
    case value_kind::symfloat:
    case value_kind::symbool:
    case value_kind::tensor: return "<class 'torch." + type_name() + "'>";
    case value_kind::object: {
      const auto& o = std::get<std::shared_ptr<const object>>(storage_);
      return "<class '" + (o ? o->type_name() : std::string("NoneType")) + "'>";
    }
    default: return "<class '" + type_name() + "'>";
  }
}

namespace {

void append_scalar_repr(std::string& out, const Value& v) {
  switch (v.kind()) {
    case value_kind::none: out += "None"; break;
    case value_kind::boolean: out += v.to_bool() ? "True" : "False"; break;
    case value_kind::integer: out += std::to_string(v.to_int()); break;
    case value_kind::floating: python::append_float_repr(out, v.to_double()); break;
    case value_kind::string: python::append_str_repr(out, v.to_string()); break;
    case value_kind::symint: {
      const auto& s = v.to_symint();
      out += s.is_symbolic() ? s.expr() : std::to_string(*s.hint());
      break;
    }
    case value_kind::symfloat: {
      const auto& s = v.to_symfloat();
      if (s.is_symbolic()) out += s.expr();
      else python::append_float_repr(out, *s.hint());
      break;
    }
    case value_kind::symbool: {
      const auto& s = v.to_symbool();
      out += s.is_symbolic() ? s.expr() : (*s.hint() ? "True" : "False");
      break;
    }
    case value_kind::tensor: {
      const auto& t = v.to_tensor();
      out += t.defined() ? t.impl()->repr() : std::string("None");
      break;
    }
    case value_kind::object: {
      const auto& o = v.to_object();
      out += o ? o->repr() : std::string("None");
      break;
    }
    case value_kind::list:
    case value_kind::tuple: break;  // containers are handled by the caller
  }
}

}  // namespace

std::string Value::repr() const {
  std::string out;
  struct frame {
    const value_list* items;
    std::size_t next;
    bool tuple;
  };
  std::vector<frame> stack;
  auto open = [&](const Value& v) {
    if (const value_list* c = v.children()) {
      out += v.is_tuple() ? '(' : '[';
      stack.push_back({c, 0, v.is_tuple()});
    } else {
      append_scalar_repr(out, v);
    }
  };
  open(*this);
  while (!stack.empty()) {
    frame& f = stack.back();
    if (f.next < f.items->size()) {
      if (f.next > 0) out += ", ";
      const Value& child = (*f.items)[f.next++];
      open(child);  // may invalidate f
      continue;
    }
    if (f.tuple && f.items->size() == 1) out += ',';
    out += f.tuple ? ')' : ']';
    stack.pop_back();
  }
  return out;
}

namespace {

bool scalar_equal(const Value& x, const Value& y) {
  switch (x.kind()) {
    case value_kind::none: return true;
    case value_kind::boolean: return x.to_bool() == y.to_bool();
    case value_kind::integer: return x.to_int() == y.to_int();
    case value_kind::floating: return x.to_double() == y.to_double();
    case value_kind::string: return x.to_string() == y.to_string();
    case value_kind::symint: return x.to_symint() == y.to_symint();
    case value_kind::symfloat: return x.to_symfloat() == y.to_symfloat();
    case value_kind::symbool: return x.to_symbool() == y.to_symbool();
    case value_kind::tensor: return x.to_tensor() == y.to_tensor();
    default: return false;  // containers and objects are compared by the caller
  }
}

}  // namespace

bool operator==(const Value& a, const Value& b) {
  std::vector<std::pair<const Value*, const Value*>> work{{&a, &b}};
  while (!work.empty()) {
    auto [x, y] = work.back();
    work.pop_back();
    if (x->kind() != y->kind()) return false;
    if (const value_list* xs = x->children()) {
      const value_list* ys = y->children();
      if (xs->size() != ys->size()) return false;
      for (std::size_t i = 0; i < xs->size(); ++i) work.emplace_back(&(*xs)[i], &(*ys)[i]);
      continue;
    }
    if (x->is_object()) {
      const auto& ox = x->to_object();
      const auto& oy = y->to_object();
      if (ox == oy) continue;
      if (!ox || !oy || !ox->equals(*oy)) return false;
      continue;
    }
    if (!scalar_equal(*x, *y)) return false;
  }
  return true;
}

std::int64_t _get_symint_hints(const SymInt& s) {
  if (auto hint = s.hint()) return *hint;
  // ShapeEnv.size_hint's error for an expression with free unbacked symbols (its first line; the
  // rest of torch's text is logging advice)
  throw data_dependent_error("Could not extract specialized integer from data-dependent expression " + s.expr() +
                             " (unhinted: " + s.expr() + ").  (Size-like symbols: none)");
}

Value _get_symint_hints(const Value& v) {
  Value out = v;
  std::vector<Value*> work{&out};
  while (!work.empty()) {  // pre-order, as Python's recursion: the first unbacked symbol raises
    Value* x = work.back();
    work.pop_back();
    if (x->is_symint()) {
      *x = Value(_get_symint_hints(x->to_symint()));
    } else if (value_list* c = value_access::children(*x)) {
      for (auto it = c->rbegin(); it != c->rend(); ++it) work.push_back(&*it);
    }
  }
  return out;
}

}  // namespace aotkit::runtime
