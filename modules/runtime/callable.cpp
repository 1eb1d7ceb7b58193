// modules/runtime/callable.cpp — Callable, functools.wraps/simple_wraps, fn_wrappers,
// normalize_as_list.
module;
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>
module aotkit.runtime;

namespace aotkit::runtime {

namespace {
[[noreturn]] void empty_callable(const std::string& name) {
  // std::function would throw std::bad_function_call, which is no aotkit::error
  throw type_error("'NoneType' object is not callable (Callable '" + name + "' holds no function)");
}
}  // namespace

Callable::Callable(std::string name, unboxed_fn fn, callable_kind kind) : fn_(std::move(fn)), kind_(kind) {
  if (!std::get<unboxed_fn>(fn_)) throw value_error("Callable '" + name + "': the function is empty");
  info_.qualname = name;
  info_.name = std::move(name);
}

Callable Callable::boxed(std::string name, boxed_fn fn, callable_kind kind) {
  if (!fn) throw value_error("Callable '" + name + "': the function is empty");
  Callable c;
  c.fn_.emplace<boxed_fn>(std::move(fn));
  c.kind_ = kind;
  c.info_.qualname = name;
  c.info_.name = std::move(name);
  return c;
}

void Callable::set_wrapped(Callable f) { wrapped_ = std::make_shared<const Callable>(std::move(f)); }

Value Callable::operator()(std::span<const Value> args) const {
  const auto* f = std::get_if<unboxed_fn>(&fn_);
  if (!f) {
    throw type_error(info_.name + "() takes boxed arguments (one list); call it with call_boxed, got " +
                     std::to_string(args.size()) + " unpacked arguments");
  }
  if (!*f) empty_callable(info_.name);
  return (*f)(args);
}

Value Callable::call_boxed(value_list& args) const {
  const auto* f = std::get_if<boxed_fn>(&fn_);
  if (!f) throw type_error(info_.name + "() does not take boxed arguments; call it with its arguments unpacked");
  if (!*f) empty_callable(info_.name);
  return (*f)(args);
}

Callable Callable::with_boxed_call() const {
  if (is_boxed()) return *this;
  Callable c = *this;
  c.fn_.emplace<boxed_fn>([inner = std::get<unboxed_fn>(fn_)](value_list& args) {
    Value one = Value::list(args);
    return inner(std::span<const Value>(&one, 1));
  });
  return c;
}

std::string Callable::repr() const {
  return (is_graph_module() ? "<GraphModule " : "<function ") + info_.qualname + ">";
}

Callable simple_wraps(const Callable& f, Callable wrapper) {
  auto& to = wrapper.info();
  const auto& from = f.info();
  to.doc = from.doc;
  to.annotations = from.annotations;
  for (const auto& [k, v] : from.dict) to.dict.insert_or_assign(k, v);
  wrapper.set_wrapped(f);
  // `_boxed_call` lives in f.__dict__, which the update copied
  return f.is_boxed() ? wrapper.with_boxed_call() : wrapper;
}

Callable wraps(const Callable& f, Callable wrapper) {
  wrapper.info().name = f.info().name;
  wrapper.info().qualname = f.info().qualname;
  wrapper.info().module = f.info().module;
  return simple_wraps(f, std::move(wrapper));
}

std::vector<const Callable*> fn_wrappers(const Callable& fn) {
  std::vector<const Callable*> chain;
  for (const Callable* c = &fn; c; c = c->wrapped()) chain.push_back(c);
  return chain;
}

std::string fn_wrappers_repr(const Callable& fn) {
  std::string s = "[";
  for (const Callable* c : fn_wrappers(fn)) {
    if (s.size() > 1) s += ", ";
    s += c->repr();
  }
  return s + "]";
}

value_list normalize_as_list(Value x) {
  if (x.is_list()) return std::move(x.items());
  if (x.is_tuple()) return std::move(x.items());  // x is our own copy: no need to copy again
  value_list out;
  out.push_back(std::move(x));
  return out;
}

}  // namespace aotkit::runtime
