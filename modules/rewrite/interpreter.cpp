// modules/rewrite/interpreter.cpp — the reference interpreter: one environment per graph run,
// kernels looked up by operator name, effects appended to a log in execution order.
module;
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
module aotkit.rewrite;

import aotkit.runtime;
import aotkit.graph;

namespace aotkit::rewrite {

using runtime::Value;
using runtime::value_list;
using namespace aotkit::graph;

dense_tensor::dense_tensor(std::vector<std::int64_t> sizes, std::vector<float> data)
    : sizes_(std::move(sizes)), data_(std::move(data)) {}

std::string dense_tensor::repr() const {
  std::string s = "tensor([";
  for (std::size_t i = 0; i < data_.size(); ++i) {
    if (i) s += ", ";
    s += python::float_repr(data_[i]);
  }
  return s + "])";
}

Value make_tensor(std::vector<std::int64_t> sizes, std::vector<float> data) {
  std::int64_t numel = 1;
  for (auto s : sizes) {
    if (s < 0) throw value_error("negative size");
    numel *= s;
  }
  if (static_cast<std::size_t>(numel) != data.size())
    throw value_error("make_tensor: " + std::to_string(data.size()) + " values for " + std::to_string(numel) + " elements");
  return Value(runtime::Tensor(std::make_shared<const dense_tensor>(std::move(sizes), std::move(data))));
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
    return x.data().size() == y.data().size() &&
           std::memcmp(x.data().data(), y.data().data(), x.data().size() * sizeof(float)) == 0;
  }
  if (a.is_sequence() && b.is_sequence()) {
    if (a.is_list() != b.is_list() || a.items().size() != b.items().size()) return false;
    for (std::size_t i = 0; i < a.items().size(); ++i)
      if (!same_value(a.items()[i], b.items()[i])) return false;
    return true;
  }
  return a == b;
}

namespace {

[[noreturn]] void no_kernel(std::string_view op, std::string_view node) {
  throw not_implemented_error("interpreter: no kernel for " + std::string(op) + " (node " + std::string(node) + ")");
}

float scalar_of(const Value& v) {
  if (v.is_int()) return static_cast<float>(v.to_int());
  if (v.is_double()) return static_cast<float>(v.to_double());
  if (v.is_bool()) return v.to_bool() ? 1.0f : 0.0f;
  const auto& t = as_dense(v);
  if (t.data().size() != 1) throw value_error("a tensor with " + std::to_string(t.data().size()) + " elements is not a scalar");
  return t.data()[0];
}

Value unary(const Value& a, float (*f)(float)) {
  const auto& t = as_dense(a);
  std::vector<float> out(t.data().begin(), t.data().end());
  for (float& x : out) x = f(x);
  return make_tensor(std::vector<std::int64_t>(t.sizes().begin(), t.sizes().end()), std::move(out));
}

// Elementwise with scalar broadcasting (a one-element operand or a Python number).
template <class F>
Value binary(const Value& a, const Value& b, F f) {
  bool ta = a.is_tensor(), tb = b.is_tensor();
  if (!ta && !tb) return Value(static_cast<double>(f(scalar_of(a), scalar_of(b))));
  const dense_tensor* x = ta ? &as_dense(a) : nullptr;
  const dense_tensor* y = tb ? &as_dense(b) : nullptr;
  const dense_tensor* shape = (x && (!y || x->data().size() >= y->data().size())) ? x : y;
  std::size_t n = shape->data().size();
  auto at = [n](const dense_tensor* t, const Value& v, std::size_t i) {
    if (!t) return scalar_of(v);
    if (t->data().size() == n) return t->data()[i];
    if (t->data().size() == 1) return t->data()[0];
    throw value_error("shapes do not broadcast");
  };
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = f(at(x, a, i), at(y, b, i));
  return make_tensor(std::vector<std::int64_t>(shape->sizes().begin(), shape->sizes().end()), std::move(out));
}

Value reduce(const Value& a, bool mean) {
  const auto& t = as_dense(a);
  double s = 0;
  for (float x : t.data()) s += x;
  if (mean) s /= static_cast<double>(t.data().size());
  return make_tensor({}, {static_cast<float>(s)});
}

Value mm(const Value& a, const Value& b) {
  const auto& x = as_dense(a);
  const auto& y = as_dense(b);
  if (x.sizes().size() != 2 || y.sizes().size() != 2 || x.sizes()[1] != y.sizes()[0]) throw value_error("mm: shapes do not match");
  std::int64_t m = x.sizes()[0], k = x.sizes()[1], n = y.sizes()[1];
  std::vector<float> out(static_cast<std::size_t>(m * n), 0.0f);
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      float s = 0;
      for (std::int64_t l = 0; l < k; ++l) s += x.data()[static_cast<std::size_t>(i * k + l)] * y.data()[static_cast<std::size_t>(l * n + j)];
      out[static_cast<std::size_t>(i * n + j)] = s;
    }
  return make_tensor({m, n}, std::move(out));
}

Value transpose(const Value& a) {
  const auto& x = as_dense(a);
  if (x.sizes().size() != 2) return a;  // t() of a 0-D or 1-D tensor is itself
  std::int64_t m = x.sizes()[0], n = x.sizes()[1];
  std::vector<float> out(x.data().size());
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) out[static_cast<std::size_t>(j * m + i)] = x.data()[static_cast<std::size_t>(i * n + j)];
  return make_tensor({n, m}, std::move(out));
}

Value token() { return make_tensor({0}, {}); }

// Runs a (non-HOP) operator on evaluated arguments.
Value call_op(std::string_view op, const value_list& a, std::vector<std::string>& log, std::string_view node) {
  auto need = [&](std::size_t n) {
    if (a.size() < n) throw value_error(std::string(op) + " takes " + std::to_string(n) + " arguments, got " + std::to_string(a.size()));
  };
  auto name_is = [&](std::initializer_list<std::string_view> names) {
    for (auto n : names)
      if (op == n) return true;
    return false;
  };
  // aten.add/sub(self, other, alpha=1): self ± alpha * other (the third argument, when given, is alpha)
  auto alpha = [&]() -> float {
    if (a.size() < 3) return 1.0f;
    if (a[2].is_tensor() || !(a[2].is_int() || a[2].is_double() || a[2].is_bool()))
      throw type_error(std::string(op) + ": alpha must be a number, got " + a[2].type_name());
    return scalar_of(a[2]);
  };
  if (name_is({"aten.add.Tensor", "aten.add.Scalar", "operator.add"})) {
    need(2);
    float k = alpha();
    return binary(a[0], a[1], [k](float x, float y) { return x + k * y; });
  }
  if (name_is({"aten.sub.Tensor", "aten.sub.Scalar", "operator.sub"})) {
    need(2);
    float k = alpha();
    return binary(a[0], a[1], [k](float x, float y) { return x - k * y; });
  }
  if (name_is({"aten.mul.Tensor", "aten.mul.Scalar", "operator.mul"})) {
    need(2);
    return binary(a[0], a[1], [](float x, float y) { return x * y; });
  }
  if (name_is({"aten.div.Tensor", "aten.div.Scalar", "operator.truediv"})) {
    need(2);
    return binary(a[0], a[1], [](float x, float y) { return x / y; });
  }
  if (name_is({"aten.neg.default", "operator.neg"})) {
    need(1);
    return a[0].is_tensor() ? unary(a[0], [](float x) { return -x; }) : Value(-static_cast<double>(scalar_of(a[0])));
  }
  if (op == "aten.relu.default") {
    need(1);
    return unary(a[0], [](float x) { return x > 0 ? x : 0.0f; });
  }
  if (op == "aten.tanh.default") return need(1), unary(a[0], [](float x) { return std::tanh(x); });
  if (op == "aten.exp.default") return need(1), unary(a[0], [](float x) { return std::exp(x); });
  if (op == "aten.sin.default") return need(1), unary(a[0], [](float x) { return std::sin(x); });
  if (op == "aten.cos.default") return need(1), unary(a[0], [](float x) { return std::cos(x); });
  if (op == "aten.sigmoid.default") return need(1), unary(a[0], [](float x) { return 1.0f / (1.0f + std::exp(-x)); });
  if (name_is({"aten.detach.default", "aten.clone.default", "aten.alias.default"})) return need(1), a[0];
  if (op == "aten.sum.default") return need(1), reduce(a[0], false);
  if (op == "aten.mean.default") return need(1), reduce(a[0], true);
  if (op == "aten.mm.default") return need(2), mm(a[0], a[1]);
  if (op == "aten.t.default") return need(1), transpose(a[0]);
  if (op == "operator.getitem") {
    need(2);
    if (!a[0].is_sequence()) throw type_error("getitem on a " + a[0].type_name());
    std::int64_t i = a[1].to_int(), n = static_cast<std::int64_t>(a[0].items().size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) throw index_error("tuple index out of range");
    return a[0].items()[static_cast<std::size_t>(i)];
  }
  if (op == "prims._make_token.default") return token();
  if (op == "prims._sink_tokens.default") return Value();
  if (op == "aten._print.default") {
    need(1);
    std::string entry = "aten._print.default(" + a[0].repr() + ")";
    log.push_back(std::move(entry));
    return Value();
  }
  no_kernel(op, node);
}

}  // namespace

Value interpreter::run(std::span<const Value> inputs) { return run_graph(module_->graph(), inputs, ""); }

Value interpreter::run_graph(const Graph& g, std::span<const Value> inputs, std::string_view path) {
  std::vector<Value> env(g.capacity());
  std::size_t next_input = 0;
  Value result;
  auto eval = [&](const arg& a) -> Value {
    std::function<Value(const arg&)> go = [&](const arg& x) -> Value {
      switch (x.kind()) {
        case arg_kind::node: return env[x.to_node()];
        case arg_kind::none: return Value();
        case arg_kind::boolean: return Value(x.to_bool());
        case arg_kind::integer: return Value(x.to_int());
        case arg_kind::floating: return Value(x.to_double());
        case arg_kind::string:
        case arg_kind::op: return Value(x.text());
        case arg_kind::list:
        case arg_kind::tuple: {
          value_list items;
          for (const arg& y : x.items()) items.push_back(go(y));
          return x.kind() == arg_kind::list ? Value::list(std::move(items)) : Value::tuple(std::move(items));
        }
        default: throw not_implemented_error("interpreter: cannot evaluate a " + std::string(kind_name(x.kind())) + " argument");
      }
    };
    return go(a);
  };
  for (node_id n = g.first(); n != no_node; n = g.node(n).next()) {
    const Node& node = g.node(n);
    switch (node.op()) {
      case node_op::placeholder:
        if (next_input >= inputs.size()) throw value_error("graph takes more inputs than the " + std::to_string(inputs.size()) + " given");
        env[n] = inputs[next_input++];
        break;
      case node_op::get_attr: {
        std::string full = path.empty() ? node.target() : std::string(path) + "." + node.target();
        env[n] = Value(full);  // a submodule reference: its path
        break;
      }
      case node_op::output: result = node.args().empty() ? Value() : eval(node.args().front()); break;
      case node_op::call_function: {
        const std::string& op = node.target();
        value_list args;
        for (const arg& a : node.args()) args.push_back(eval(a));
        for (const kwarg& kw : node.kwargs()) {
          bool alpha = kw.first == "alpha" && (op == "aten.add.Tensor" || op == "aten.add.Scalar" ||
                                               op == "aten.sub.Tensor" || op == "aten.sub.Scalar");
          if (!alpha) throw not_implemented_error("interpreter: keyword argument '" + kw.first + "' of " + op + " (node " + node.name() + ")");
          if (args.size() != 2) throw type_error(op + "() got multiple values for argument 'alpha' (node " + node.name() + ")");
          args.push_back(eval(kw.second));
        }
        if (op == "higher_order.with_effects") {
          if (args.size() < 2 || !args[1].is_string()) throw value_error("with_effects(token, op, *args) (node " + node.name() + ")");
          if (!args[0].is_tensor()) throw type_error("with_effects needs a token tensor (node " + node.name() + ")");
          value_list op_args(args.begin() + 2, args.end());
          Value out = call_op(args[1].to_string(), op_args, log_, node.name());
          value_list items{token()};
          if (out.is_tuple()) items.insert(items.end(), out.items().begin(), out.items().end());
          else items.push_back(std::move(out));
          env[n] = Value::tuple(std::move(items));
        } else if (op == "higher_order.invoke_subgraph") {
          if (args.empty() || !args[0].is_string()) throw value_error("invoke_subgraph(subgraph, identifier, *operands) (node " + node.name() + ")");
          std::string sub = args[0].to_string();
          if (!module_->has_submodule(sub)) throw key_error("no submodule '" + sub + "' (node " + node.name() + ")");
          std::vector<Value> operands(args.begin() + std::min<std::ptrdiff_t>(2, static_cast<std::ptrdiff_t>(args.size())), args.end());
          env[n] = run_graph(module_->submodule(sub), operands, sub);
        } else {
          env[n] = call_op(op, args, log_, node.name());
        }
        break;
      }
      default: no_kernel(std::string(to_string(node.op())) + " " + node.target(), node.name());
    }
  }
  if (next_input != inputs.size()) throw value_error("graph takes " + std::to_string(next_input) + " inputs, got " + std::to_string(inputs.size()));
  return result;
}

}  // namespace aotkit::rewrite
