// modules/rewrite/interpreter.cpp — the reference interpreter: one environment per graph run,
// arguments bound through the kernel table, higher-order ops (cond, with_effects,
// invoke_subgraph) run here because they run graphs.
module;
#include <algorithm>
#include <cstdint>
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

namespace {

[[noreturn]] void no_kernel(std::string_view op, std::string_view node) {
  throw not_implemented_error("interpreter: no kernel for " + std::string(op) + " (node " + std::string(node) + ")");
}

Value token() { return make_tensor({0}, {}); }

// An argument's value. Containers nest at most graph::max_arg_depth deep, so recursion is bounded.
Value eval(const arg& x, const std::vector<Value>& env) {
  switch (x.kind()) {
    case arg_kind::node: return env[x.to_node()];
    case arg_kind::none: return Value();
    case arg_kind::boolean: return Value(x.to_bool());
    case arg_kind::integer: return Value(x.to_int());
    case arg_kind::floating: return Value(x.to_double());
    case arg_kind::string:
    case arg_kind::op:
    case arg_kind::dtype:
    case arg_kind::device:
    case arg_kind::memory_format:
    case arg_kind::layout: return Value(x.text());
    case arg_kind::list:
    case arg_kind::tuple: {
      value_list items;
      items.reserve(x.items().size());
      for (const arg& y : x.items()) items.push_back(eval(y, env));
      return x.kind() == arg_kind::list ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    case arg_kind::dict:
    case arg_kind::slice:
    case arg_kind::ellipsis:
    case arg_kind::complex:
    case arg_kind::repr: break;
  }
  throw not_implemented_error("interpreter: cannot evaluate a " + std::string(kind_name(x.kind())) + " argument");
}

Value call_kernel(std::string_view op, value_list positional, std::vector<std::pair<std::string, Value>> keywords,
                  std::vector<std::string>& log, std::string_view node) {
  const kernel_entry* k = find_kernel(op);
  if (!k) no_kernel(op, node);
  value_list bound = bind_arguments(*k, std::move(positional), std::move(keywords), node);
  return k->fn(kernel_call{op, node, bound, &log});
}

bool truth(const Value& v, std::string_view node) {
  if (v.is_bool()) return v.to_bool();
  if (v.is_int()) return v.to_int() != 0;
  if (v.is_tensor()) {
    const auto& t = as_dense(v);
    if (t.numel() != 1) throw runtime_error("Boolean value of Tensor with more than one value is ambiguous (node " + std::string(node) + ")");
    return t.value(0) != 0.0;
  }
  throw type_error("cond predicate must be a bool or a one-element tensor, got " + v.type_name() + " (node " + std::string(node) + ")");
}

}  // namespace

void interpreter::bind_attribute(std::string path, Value value) { attributes_.insert_or_assign(std::move(path), std::move(value)); }

Value interpreter::run(std::span<const Value> inputs) { return run_graph(module_->graph(), inputs, ""); }

Value interpreter::run_graph(const Graph& g, std::span<const Value> inputs, std::string_view path) {
  std::vector<Value> env(g.capacity());
  std::size_t next_input = 0;
  Value result;
  auto submodule_graph = [&](const Value& ref, const Node& node) -> const Graph& {
    if (!ref.is_string()) throw type_error("expected a submodule, got " + ref.type_name() + " (node " + node.name() + ")");
    if (!module_->has_submodule(ref.to_string())) throw key_error("no submodule '" + ref.to_string() + "' (node " + node.name() + ")");
    return module_->submodule(ref.to_string());
  };
  for (node_id n : g.node_range()) {
    const Node& node = g.node(n);
    switch (node.op()) {
      case node_op::placeholder:
        if (next_input >= inputs.size()) throw value_error("graph takes more inputs than the " + std::to_string(inputs.size()) + " given");
        env[n] = inputs[next_input++];
        break;
      case node_op::get_attr: {
        std::string full = path.empty() ? node.target() : std::string(path) + "." + node.target();
        if (auto it = attributes_.find(full); it != attributes_.end()) env[n] = it->second;
        else env[n] = Value(full);  // a submodule reference: its path
        break;
      }
      case node_op::output: result = node.args().empty() ? Value() : eval(node.args().front(), env); break;
      case node_op::call_function: {
        const std::string& op = node.target();
        value_list args;
        args.reserve(node.args().size());
        for (const arg& a : node.args()) args.push_back(eval(a, env));
        std::vector<std::pair<std::string, Value>> kwargs;
        for (const kwarg& kw : node.kwargs()) kwargs.emplace_back(kw.first, eval(kw.second, env));
        if (op == "higher_order.with_effects") {
          if (args.size() < 2 || !args[1].is_string()) throw value_error("with_effects(token, op, *args) (node " + node.name() + ")");
          if (!args[0].is_tensor()) throw type_error("with_effects needs a token tensor (node " + node.name() + ")");
          std::string inner = args[1].to_string();
          value_list op_args(args.begin() + 2, args.end());
          Value out = call_kernel(inner, std::move(op_args), std::move(kwargs), log_, node.name());
          value_list items{token()};
          if (out.is_tuple()) items.insert(items.end(), out.items().begin(), out.items().end());
          else items.push_back(std::move(out));
          env[n] = Value::tuple(std::move(items));
        } else if (op == "higher_order.invoke_subgraph") {
          if (args.empty()) throw value_error("invoke_subgraph(subgraph, identifier, *operands) (node " + node.name() + ")");
          const Graph& sub = submodule_graph(args[0], node);
          std::vector<Value> operands(args.begin() + std::min<std::ptrdiff_t>(2, static_cast<std::ptrdiff_t>(args.size())), args.end());
          env[n] = run_graph(sub, operands, args[0].to_string());
        } else if (op == "higher_order.cond") {
          // cond(pred, true_fn, false_fn, operands): runs one branch on the operands (a list or tuple).
          if (args.size() != 4 || !kwargs.empty()) throw type_error("cond(pred, true_fn, false_fn, operands) takes 4 arguments (node " + node.name() + ")");
          const Value& branch = truth(args[0], node.name()) ? args[1] : args[2];
          const Graph& sub = submodule_graph(branch, node);
          if (!args[3].is_sequence()) throw type_error("cond operands must be a list or tuple (node " + node.name() + ")");
          const value_list& ops = args[3].items();
          env[n] = run_graph(sub, ops, branch.to_string());
        } else {
          env[n] = call_kernel(op, std::move(args), std::move(kwargs), log_, node.name());
        }
        break;
      }
      case node_op::call_method:
      case node_op::call_module: no_kernel(std::string(to_string(node.op())) + " " + node.target(), node.name());
    }
  }
  if (next_input != inputs.size()) throw value_error("graph takes " + std::to_string(next_input) + " inputs, got " + std::to_string(inputs.size()));
  return result;
}

}  // namespace aotkit::rewrite
