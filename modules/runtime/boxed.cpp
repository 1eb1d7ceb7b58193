// modules/runtime/boxed.cpp — the boxed calling convention and the output-descriptor checks.
// Structure walks over Values use explicit stacks: the depth of a result is the callee's choice.
module;
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>
module aotkit.runtime;

namespace aotkit::runtime {

Callable make_boxed_func(Callable f) {
  Callable g = Callable::boxed("g", [f](value_list& args) { return f(std::span<const Value>(args)); });
  g.info().qualname = "make_boxed_func.<locals>.g";
  g.info().module = "aotkit.runtime";
  return simple_wraps(f, std::move(g));
}

value_list call_func_at_runtime_with_args(const Callable& f, value_list& args, bool steal_args, bool disable_amp) {
  std::optional<value_list> copy;
  if (!steal_args) copy.emplace(args);
  value_list& passed = copy ? *copy : args;
  std::optional<disable_autocast> no_amp;
  if (disable_amp) no_amp.emplace();
  if (f.is_boxed()) return normalize_as_list(f.call_boxed(passed));
  warn(warning_category::user_warning, unboxed_call_warning);
  return normalize_as_list(f(std::span<const Value>(passed)));
}

value_list call_func_at_runtime_with_args(const Callable& f, Value& args, bool steal_args, bool disable_amp) {
  if (steal_args) {
    if (!args.is_list()) throw assertion_error("args must be a list, got " + args.type_repr());
    return call_func_at_runtime_with_args(f, args.items(), true, disable_amp);
  }
  if (!args.is_sequence()) throw type_error("'" + args.type_name() + "' object is not iterable");
  value_list copy = args.items();
  return call_func_at_runtime_with_args(f, copy, true, disable_amp);
}

Callable without_output_descs(Callable f) {
  auto first = [](Value pair) {
    if (!pair.is_sequence()) throw type_error("'" + pair.type_name() + "' object is not subscriptable");
    if (pair.items().empty()) throw index_error(pair.type_name() + " index out of range");
    return std::move(pair.items()[0]);
  };
  // a boxed f makes inner boxed (wraps copies _boxed_call): inner(args) passes the list on
  if (f.is_boxed())
    return wraps(f, Callable::boxed("inner", [f, first](value_list& args) { return first(f.call_boxed(args)); }));
  return wraps(f, Callable("inner", [f, first](std::span<const Value> args) { return first(f(args)); }));
}

std::string PlainAOTOutput::type_name() const { return "torch._functorch._aot_autograd.descriptors.PlainAOTOutput"; }

std::string PlainAOTOutput::repr() const { return "PlainAOTOutput(idx=" + std::to_string(idx_) + ")"; }

bool PlainAOTOutput::equals(const object& other) const noexcept {
  const auto* o = dynamic_cast<const PlainAOTOutput*>(&other);
  return o && o->idx_ == idx_;
}

bool is_aot_output(const Value& v) noexcept {
  return v.is_object() && dynamic_cast<const AOTOutput*>(v.to_object().get()) != nullptr;
}

std::string value_structure_repr(const Value& v) {
  // torch's TreeSpec.__repr__: the first child inline, each further one on a new line indented
  // by two more spaces than the node, children separated by ",".
  std::string out;
  struct frame {
    const value_list* items;
    std::size_t next;
    std::size_t indent;
  };
  std::vector<frame> stack;
  auto open = [&](const Value& x, std::size_t indent) {
    if (!x.is_sequence()) {
      out += '*';
      return;
    }
    out += x.is_tuple() ? "TreeSpec(tuple, None, [" : "TreeSpec(list, None, [";
    stack.push_back({&x.items(), 0, indent + 2});
  };
  open(v, 0);
  while (!stack.empty()) {
    frame& f = stack.back();
    if (f.next == f.items->size()) {
      out += "])";
      stack.pop_back();
      continue;
    }
    if (f.next > 0) {
      out += ",\n";
      out.append(f.indent, ' ');
    }
    const Value& child = (*f.items)[f.next++];
    open(child, f.indent);  // may invalidate f
  }
  return out;
}

namespace {

// Pre-order leaves of a Value's list/tuple structure.
std::vector<const Value*> value_leaves(const Value& v) {
  std::vector<const Value*> leaves;
  std::vector<const Value*> work{&v};
  while (!work.empty()) {
    const Value* x = work.back();
    work.pop_back();
    if (!x->is_sequence()) {
      leaves.push_back(x);
      continue;
    }
    const auto& items = x->items();
    for (auto it = items.rbegin(); it != items.rend(); ++it) work.push_back(&*it);
  }
  return leaves;
}

bool same_structure(const Value& a, const Value& b) {
  std::vector<std::pair<const Value*, const Value*>> work{{&a, &b}};
  while (!work.empty()) {
    auto [x, y] = work.back();
    work.pop_back();
    if (x->is_sequence() != y->is_sequence()) return false;
    if (!x->is_sequence()) continue;
    if (x->kind() != y->kind() || x->items().size() != y->items().size()) return false;
    for (std::size_t i = 0; i < x->items().size(); ++i) work.emplace_back(&x->items()[i], &y->items()[i]);
  }
  return true;
}

std::string leaves_repr(const std::vector<const Value*>& leaves) {
  std::string s = "[";
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    if (i) s += ", ";
    s += leaves[i]->repr();
  }
  return s + "]";
}

}  // namespace

Value call_and_expect_output_descs(const Callable& fn, std::span<const Value> args) {
  Value outs_pair = fn(args);
  if (!outs_pair.is_tuple() || outs_pair.items().size() != 2) {
    throw assertion_error("expected tuple of length 2, got " + outs_pair.type_repr() + " with value " +
                          outs_pair.repr());
  }
  const Value& outs = outs_pair.items()[0];
  const Value& outs_descs = outs_pair.items()[1];
  auto context = [&] {
    return fn_wrappers_repr(fn) + ", outs=" + outs.repr() + ", outs_descs=" + outs_descs.repr();
  };
  if (!same_structure(outs, outs_descs)) {
    throw assertion_error("output spec mismatch: " + context() + ", out_spec=" + value_structure_repr(outs) +
                          ", out_desc_spec=" + value_structure_repr(outs_descs));
  }
  auto out_vals = value_leaves(outs);
  auto out_desc_vals = value_leaves(outs_descs);
  for (const Value* x : out_vals) {
    if (is_aot_output(*x)) {
      throw assertion_error("unexpected AOTOutput in out_vals: " + context() + ", out_vals=" + leaves_repr(out_vals));
    }
  }
  for (std::size_t i = 0; i < out_vals.size(); ++i) {
    const Value& x = *out_vals[i];
    bool needs_descriptor = x.is_tensor() || x.is_symint() || x.is_int();
    if (needs_descriptor && !is_aot_output(*out_desc_vals[i])) {
      throw assertion_error("expected all descriptors to be AOTOutput: " + context() + ", out_vals=" +
                            leaves_repr(out_vals) + ", out_desc_vals=" + leaves_repr(out_desc_vals));
    }
  }
  return outs_pair;
}

}  // namespace aotkit::runtime
