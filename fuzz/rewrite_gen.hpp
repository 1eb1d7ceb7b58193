// fuzz/rewrite_gen.hpp — random GraphModules for the rewrite laws: effect-token chains, pure and
// dead ops, seq_nr / partitioner_tag meta, a backward subgraph; and the checks of docs/semantics.md §B.7 and docs/semantics.md §A.19.
// Include after `import aotkit.runtime; import aotkit.graph; import aotkit.rewrite;` (and
// <algorithm>, <cstdint>, <functional>, <string>, <vector>).
#pragma once

namespace aotkit_testing {

using namespace aotkit::graph;
using aotkit::runtime::Value;

struct token_case {
  GraphModule module;
  std::size_t tokens = 0;
  std::size_t data_inputs = 0;
};

/// Builds a forward graph: `tokens` token placeholders, data placeholders, a program of effects
/// (aten._print on a chain) and pure ops (some dead), output (final tokens..., data results...).
/// Every chain has at least one effect. A "body" submodule holds backward nodes sharing seq_nrs.
inline token_case make_token_case(const std::function<std::size_t(std::size_t)>& pick) {
  token_case c;
  Graph& g = c.module.graph();
  c.tokens = 1 + pick(3);
  c.data_inputs = 1 + pick(2);
  std::vector<node_id> chain, data;
  for (std::size_t i = 0; i < c.tokens; ++i) chain.push_back(g.placeholder("token_" + std::to_string(i)));
  for (std::size_t i = 0; i < c.data_inputs; ++i) data.push_back(g.placeholder("x" + std::to_string(i)));
  std::vector<char> used(c.tokens, 0);
  std::int64_t seq = 0;
  static const char* const pure[] = {"aten.relu.default", "aten.neg.default", "aten.add.Tensor", "aten.mul.Tensor",
                                     "aten.tanh.default"};
  std::size_t steps = 2 + pick(12);
  for (std::size_t s = 0; s < steps + c.tokens; ++s) {
    bool effect = s >= steps || pick(3) == 0;
    if (effect) {
      std::size_t k = s >= steps ? s - steps : pick(c.tokens);
      if (s >= steps && used[k]) continue;
      node_id w = g.call_function("higher_order.with_effects",
                                  {arg::node(chain[k]), arg::tagged(arg_kind::op, "aten._print.default"),
                                   "msg" + std::to_string(s)});
      chain[k] = g.call_function("operator.getitem", {arg::node(w), 0});
      used[k] = 1;
    } else {
      const char* op = pure[pick(5)];
      bool binary = std::string(op).find("add") != std::string::npos || std::string(op).find("mul") != std::string::npos;
      std::vector<arg> args{arg::node(data[pick(data.size())])};
      if (binary) args.push_back(arg::node(data[pick(data.size())]));
      node_id n = g.call_function(op, std::move(args));
      node_meta& m = g.meta(n);
      m.seq_nr = seq++;
      m.partitioner_tag = "is_forward";
      m.nn_module_stack = arg::list({arg::list({"L__self__", arg::list({"layer" + std::to_string(pick(4)), "torch.nn.Linear"})})});
      if (pick(2)) m.custom = arg::dict({{"tag", static_cast<std::int64_t>(pick(100))}});
      if (pick(4) != 0) data.push_back(n);  // otherwise dead
    }
  }
  std::vector<arg> outs;
  for (node_id t : chain) outs.push_back(arg::node(t));
  for (std::size_t i = 0; i < 1 + pick(2); ++i) outs.push_back(arg::node(data[pick(data.size())]));
  g.output(arg::tuple(std::move(outs)));
  // a backward body sharing seq_nrs (and one gradient accumulation)
  Graph body;
  node_id p = body.placeholder("grad");
  node_id prev = p;
  for (std::size_t i = 0; i < 1 + pick(4); ++i) {
    prev = body.call_function("aten.neg.default", {arg::node(prev)});
    node_meta& m = body.meta(prev);
    m.seq_nr = static_cast<std::int64_t>(pick(static_cast<std::size_t>(seq) + 2));
    m.partitioner_tag = "is_backward";
    if (pick(5) == 0) m.is_gradient_acc = true;
  }
  body.output(arg::node(prev));
  c.module.add_submodule("", "body", std::move(body));
  return c;
}

inline std::vector<Value> token_case_inputs(const token_case& c, bool with_tokens) {
  std::vector<Value> in;
  if (with_tokens)
    for (std::size_t i = 0; i < c.tokens; ++i) in.push_back(aotkit::rewrite::make_tensor({0}, {}));
  for (std::size_t i = 0; i < c.data_inputs; ++i)
    in.push_back(aotkit::rewrite::make_tensor({2}, {0.5f + static_cast<float>(i), -1.25f}));
  return in;
}

/// docs/semantics.md §B.7's invariants between `before` and `after` (unlifted with `tokens` under
/// `profile`: torch 2.6 returns a list, the newest torch a tuple); "" when they hold.
inline std::string check_unlift(const Graph& before, const Graph& after, std::size_t tokens,
                                torch_profile profile = torch_profile::latest) {
  auto names = [](const Graph& g, node_op op) {
    std::vector<std::string> out;
    for (node_id n : g.nodes())
      if (g.node(n).op() == op) out.push_back(g.node(n).name());
    return out;
  };
  auto pb = names(before, node_op::placeholder), pa = names(after, node_op::placeholder);
  if (pa.size() + tokens != pb.size()) return "placeholder count";
  if (!std::equal(pa.begin(), pa.end(), pb.end() - static_cast<std::ptrdiff_t>(pa.size()))) return "placeholder order";
  node_id out = after.output_node();
  const arg& res = after.node(out).args().front();
  if (res.kind() != (profile == torch_profile::latest ? arg_kind::tuple : arg_kind::list)) return "output container";
  const arg& res_before = before.node(before.output_node()).args().front();
  if (res.items().size() + tokens != res_before.items().size()) return "output count";
  for (std::size_t i = 0; i < res.items().size(); ++i)
    if (after.node(res.items()[i].to_node()).name() != before.node(res_before.items()[tokens + i].to_node()).name())
      return "output order";
  node_id sink = after.node(out).prev();
  if (after.node(sink).target() != "prims._sink_tokens.default") return "no sink before the output";
  if (after.find_nodes(node_op::call_function, intern_op("prims._sink_tokens.default")).size() != 1) return "sink count";
  if (after.node(sink).num_users() != 0) return "sink has users";
  if (after.node(sink).args().front().items().size() != tokens) return "sink arity";
  auto we = intern_op("higher_order.with_effects");
  auto wb = before.find_nodes(node_op::call_function, we), wa = after.find_nodes(node_op::call_function, we);
  if (wb.size() != wa.size()) return "with_effects count";
  for (std::size_t i = 0; i < wa.size(); ++i) {
    const auto& a = after.node(wa[i]).args();
    const auto& b = before.node(wb[i]).args();
    if (a.size() != b.size() || !(a[1] == b[1]) || !(a[2] == b[2])) return "with_effects args changed";
    const Node& tok = after.node(a[0].to_node());
    if (tok.op() == node_op::placeholder) return "a placeholder token survived";
    if (tok.target() == "prims._make_token.default" && !after.before(a[0].to_node(), wa[i])) return "make_token after use";
  }
  if (!lint_problems(after).empty()) return "lint: " + lint_problems(after).front();
  return {};
}

}  // namespace aotkit_testing
