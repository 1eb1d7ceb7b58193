// examples/effect_tokens/main.cpp — build a graph with effectful ops threaded by a token, unlift the
// token, and run both graphs in the reference interpreter: same outputs, same effects, same order.
#include <cstdio>
#include <string>
#include <vector>

import aotkit;

using namespace aotkit::graph;
using namespace aotkit::rewrite;
using aotkit::runtime::Value;

int main() {
  Graph g;
  node_id token = g.placeholder("token");
  node_id x = g.placeholder("x");
  arg print = arg::tagged(arg_kind::op, "aten._print.default");
  node_id w = g.call_function("higher_order.with_effects", {arg::node(token), print, "hello"});
  node_id t1 = g.call_function("operator.getitem", {arg::node(w), 0});
  node_id y = g.call_function("aten.relu.default", {arg::node(x)});
  node_id w2 = g.call_function("higher_order.with_effects", {arg::node(t1), print, "world"});
  node_id t2 = g.call_function("operator.getitem", {arg::node(w2), 0});
  g.output(arg::tuple({arg::node(t2), arg::node(y)}));
  GraphModule before(g), after(g);

  token_metadata meta{{"ordered"}, 0};
  unlift_tokens(after, meta);
  std::printf("%s\n", python_code(after.graph()).c_str());

  Value input = make_tensor({3}, {-1.0f, 0.5f, 2.0f});
  interpreter a(before), b(after);
  Value out_a = a.run(std::vector<Value>{make_tensor({0}, {}), input});
  Value out_b = b.run(std::vector<Value>{input});
  for (const auto& e : b.effect_log()) std::printf("effect: %s\n", e.c_str());
  bool same = same_value(out_a.items()[1], out_b.items()[0]) && a.effect_log() == b.effect_log();
  std::printf("relu(x) = %s; same outputs and effects: %s\n", out_b.items()[0].repr().c_str(), same ? "yes" : "no");
  return same ? 0 : 1;
}
