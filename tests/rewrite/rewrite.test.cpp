// tests/rewrite/rewrite.test.cpp — the AOT rewrites: docs/semantics.md §B.6's worked example byte for byte, unlift's
// checks and messages, copy_fwd_metadata_to_bw_nodes' rules (docs/semantics.md §A.16–A.19), the metadata-mutation
// predicate, the interpreter, and the shared torch joint graphs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

import aotkit.runtime;
import aotkit.graph;
import aotkit.rewrite;

using namespace aotkit::graph;
using namespace aotkit::rewrite;
using aotkit::runtime::Value;

namespace {

// docs/semantics.md §B.6 "before": tokens lifted.
Graph print_example() {
  Graph g;
  node_id t = g.placeholder("arg0_1");
  node_id x = g.placeholder("arg1_1");
  arg print_op = arg::tagged(arg_kind::op, "aten._print.default");
  node_id w = g.call_function("higher_order.with_effects", {arg::node(t), print_op, "moo"}, {}, std::string("with_effects"));
  node_id gi = g.call_function("operator.getitem", {arg::node(w), 0});
  node_id add = g.call_function("aten.add.Tensor", {arg::node(x), arg::node(x)}, {}, std::string("add"));
  node_id w1 = g.call_function("higher_order.with_effects", {arg::node(gi), print_op, "moo"}, {}, std::string("with_effects_1"));
  node_id gi2 = g.call_function("operator.getitem", {arg::node(w1), 0}, {}, std::string("getitem_2"));
  g.output(arg::tuple({arg::node(gi2), arg::node(add)}));
  return g;
}

}  // namespace

TEST_CASE("unlift_tokens reproduces docs/semantics.md §B.6 exactly", "[rewrite][effects]") {
  GraphModule fw(print_example());
  CHECK(python_code(fw.graph()) ==
        "\n\n\ndef forward(self, arg0_1, arg1_1):\n"
        "    with_effects = torch.ops.higher_order.with_effects(arg0_1, torch.ops.aten._print.default, 'moo');  arg0_1 = None\n"
        "    getitem = with_effects[0];  with_effects = None\n"
        "    add = torch.ops.aten.add.Tensor(arg1_1, arg1_1);  arg1_1 = None\n"
        "    with_effects_1 = torch.ops.higher_order.with_effects(getitem, torch.ops.aten._print.default, 'moo');  getitem = None\n"
        "    getitem_2 = with_effects_1[0];  with_effects_1 = None\n"
        "    return (getitem_2, add)\n    ");
  token_metadata meta{{"ordered"}, 0};
  unlift_report r = unlift_tokens(fw, meta);
  CHECK(r.inputs_removed == 1);
  CHECK(r.outputs_removed == 1);
  CHECK(python_code(fw.graph()) ==
        "\n\n\ndef forward(self, arg1_1):\n"
        "    _make_token_default = torch.ops.prims._make_token.default()\n"
        "    with_effects = torch.ops.higher_order.with_effects(_make_token_default, torch.ops.aten._print.default, 'moo');  _make_token_default = None\n"
        "    getitem = with_effects[0];  with_effects = None\n"
        "    add = torch.ops.aten.add.Tensor(arg1_1, arg1_1);  arg1_1 = None\n"
        "    with_effects_1 = torch.ops.higher_order.with_effects(getitem, torch.ops.aten._print.default, 'moo');  getitem = None\n"
        "    getitem_2 = with_effects_1[0];  with_effects_1 = None\n"
        "    _sink_tokens_default = torch.ops.prims._sink_tokens.default([getitem_2]);  getitem_2 = _sink_tokens_default = None\n"
        "    return (add,)\n    ");
  CHECK(meta.tokens.empty());
  CHECK(lint_problems(fw.graph()).empty());
  CHECK_FALSE(eliminate_dead_code(fw.graph()));  // the sink keeps the chain alive
  std::string after = python_code(fw.graph());
  unlift_tokens(fw, meta);  // a second call is a no-op
  CHECK(python_code(fw.graph()) == after);
}

TEST_CASE("unlift_tokens keeps what the graph computes and the order of effects", "[rewrite][interpreter]") {
  GraphModule before(print_example());
  GraphModule after = before;
  token_metadata meta{{"ordered"}, 0};
  unlift_tokens(after, meta);
  Value x = make_tensor({2}, {1.5f, -2.0f});
  interpreter a(before), b(after);
  Value out_a = a.run(std::vector<Value>{make_tensor({0}, {}), x});
  Value out_b = b.run(std::vector<Value>{x});
  REQUIRE(out_a.items().size() == 2);
  REQUIRE(out_b.items().size() == 1);
  CHECK(same_value(out_a.items()[1], out_b.items()[0]));
  CHECK(as_dense(out_b.items()[0]).data()[1] == -4.0f);
  CHECK(a.effect_log() == std::vector<std::string>{"aten._print.default('moo')", "aten._print.default('moo')"});
  CHECK(b.effect_log() == a.effect_log());
}

TEST_CASE("the interpreter honours alpha on aten.add and aten.sub, positional or keyword", "[rewrite][interpreter]") {
  Graph g;
  node_id x = g.placeholder("x");
  node_id y = g.placeholder("y");
  node_id a = g.call_function("aten.add.Tensor", {arg::node(x), arg::node(y)}, {{"alpha", arg(std::int64_t{3})}});
  node_id s = g.call_function("aten.sub.Tensor", {arg::node(a), arg::node(y)}, {{"alpha", arg(0.5)}});
  node_id t = g.call_function("aten.add.Scalar", {arg::node(s), arg(std::int64_t{2})}, {{"alpha", arg(-1.0)}});
  g.output(arg::tuple({arg::node(a), arg::node(s), arg::node(t)}));
  GraphModule gm(g);
  interpreter run(gm);
  Value out = run.run(std::vector<Value>{make_tensor({2}, {1.0f, 2.0f}), make_tensor({2}, {10.0f, 20.0f})});
  CHECK(as_dense(out.items()[0]).data()[0] == 31.0f);  // 1 + 3 * 10
  CHECK(as_dense(out.items()[1]).data()[1] == 52.0f);  // (2 + 60) - 0.5 * 20
  CHECK(as_dense(out.items()[2]).data()[0] == 24.0f);  // (31 - 5) + -1 * 2
  Graph other;
  node_id p = other.placeholder("p");
  other.output(arg::node(other.call_function("aten.mul.Tensor", {arg::node(p), arg::node(p)}, {{"alpha", arg(std::int64_t{2})}})));
  GraphModule other_gm(other);
  interpreter bad(other_gm);
  CHECK_THROWS_AS(bad.run(std::vector<Value>{make_tensor({1}, {1.0f})}), aotkit::type_error);  // mul() has no alpha
}

TEST_CASE("unlift_tokens checks the counts with V3's message", "[rewrite][effects]") {
  GraphModule fw(print_example());
  token_metadata meta{{"a", "b"}, 0};
  std::string message;
  try {
    unlift_tokens(fw, meta);
  } catch (const aotkit::assertion_error& e) {
    message = e.what();
  }
  CHECK(message.starts_with("forward num_erased_inputs:1 {arg0_1} != expected 2 \n\n\n\ndef forward(self, arg1_1):"));
  GraphModule none;
  node_id x = none.graph().placeholder("x");
  none.graph().output(arg::tuple({arg::node(x)}));
  std::string code = python_code(none.graph());
  token_metadata zero;
  unlift_tokens(none, zero);
  CHECK(python_code(none.graph()) == code);  // no tokens: untouched
}

TEST_CASE("V2's helpers: one _make_token per use, rewrite_output's sink", "[rewrite][effects]") {
  Graph g = print_example();
  node_id w = *g.find_node("with_effects");
  node_id t = rewrite_with_effects_input_token(g, w);
  CHECK(g.node(w).args()[0] == arg::node(t));
  CHECK(g.before(t, w));
  g.erase_node(*g.find_node("arg0_1"));
  node_id out = g.output_node();
  node_id gi2 = *g.find_node("getitem_2");
  std::vector<node_id> tokens{gi2};
  node_id sink = rewrite_output(g, out, tokens, {arg::node(*g.find_node("add"))});
  CHECK(g.node(sink).next() == out);
  CHECK(format_node(g, out) == "return (add,)");
  CHECK(lint_problems(g).empty());
  std::vector<node_id> bad{*g.find_node("add")};
  CHECK_THROWS_AS(rewrite_output(g, out, bad, {}), aotkit::assertion_error);
}

TEST_CASE("is_with_effects, is_with_effects_op, contain_metadata_mutation_ops", "[rewrite][effects]") {
  Graph g = print_example();
  CHECK(is_with_effects(g, *g.find_node("with_effects")));
  CHECK_FALSE(is_with_effects(g, *g.find_node("add")));
  CHECK(is_with_effects_op(g, *g.find_node("with_effects"), "aten._print.default"));
  CHECK_FALSE(is_with_effects_op(g, *g.find_node("with_effects"), "aten.add.Tensor"));
  CHECK_FALSE(contain_metadata_mutation_ops(g));
  GraphModule gm(g);
  Graph sub;
  sub.call_function("aten.t_.default", {arg::node(sub.placeholder("p"))});
  gm.add_submodule("", "sub", sub);
  CHECK_FALSE(contain_metadata_mutation_ops(gm));  // no recursion into submodules
  CHECK(contain_metadata_mutation_ops(sub));
  CHECK(has_tag(op_info(intern_op("aten.set_.source_Tensor")).tags, op_tag::inplace_view));
}

TEST_CASE("copy_fwd_metadata_to_bw_nodes: first forward wins, grad-acc skipped, custom copied, idempotent", "[rewrite][metadata]") {
  Graph g;
  node_id x = g.placeholder("x");
  auto fwd = [&](std::int64_t seq, const char* module, std::optional<arg> custom = std::nullopt) {
    node_id n = g.call_function("aten.relu.default", {arg::node(x)});
    node_meta& m = g.meta(n);
    m.seq_nr = seq;
    m.partitioner_tag = "is_forward";
    m.nn_module_stack = arg::list({arg::list({"L__self__", arg::list({module, "torch.nn.Linear"})})});
    m.custom = custom;
    return n;
  };
  node_id f1 = fwd(1, "fc1", arg::dict({{"k", arg::list({1, 2})}}));
  fwd(1, "second");  // same seq_nr: not the one copied
  node_id f2 = fwd(2, "fc2");
  auto bwd = [&](std::int64_t seq, bool acc = false) {
    node_id n = g.call_function("aten.threshold_backward.default", {arg::node(x), arg::node(x), 0});
    node_meta& m = g.meta(n);
    m.seq_nr = seq;
    m.partitioner_tag = "is_backward";
    if (acc) m.is_gradient_acc = true;
    m.custom = arg("mine");
    return n;
  };
  node_id b1 = bwd(1), b2 = bwd(2), b3 = bwd(3), acc = bwd(1, true);
  node_id plain = g.call_function("aten.neg.default", {arg::node(x)});
  g.output(arg::node(b1));
  GraphModule gm(g);
  metadata_copy_report r = copy_fwd_metadata_to_bw_nodes(gm);
  CHECK(r.matched == 2);
  CHECK(r.unmatched == 1);
  CHECK(r.gradient_acc == 1);
  const Graph& h = gm.graph();
  CHECK(h.node(b1).meta().get("fwd_nn_module_stack") == h.node(f1).meta().nn_module_stack);
  CHECK(h.node(b1).meta().get("fwd_source_fn_stack") == arg());  // written as None
  CHECK(h.node(b1).meta().custom == h.node(f1).meta().custom);   // replaced by the forward's
  CHECK(h.node(b2).meta().get("fwd_nn_module_stack") == h.node(f2).meta().nn_module_stack);
  CHECK(h.node(b2).meta().custom == arg("mine"));                // forward has none: kept
  CHECK_FALSE(h.node(b3).meta().get("fwd_nn_module_stack"));
  CHECK_FALSE(h.node(acc).meta().get("fwd_nn_module_stack"));
  CHECK(h.node(plain).meta().empty());
  std::string once = write_fx_json(gm);
  copy_fwd_metadata_to_bw_nodes(gm);
  CHECK(write_fx_json(gm) == once);
}

TEST_CASE("copy_fwd_metadata_to_bw_nodes matches across the module tree", "[rewrite][metadata]") {
  Graph root;
  node_id x = root.placeholder("x");
  node_id f = root.call_function("aten.relu.default", {arg::node(x)});
  root.meta(f).seq_nr = 7;
  root.meta(f).nn_module_stack = arg("root-stack");
  root.output(arg::node(f));
  Graph sub;
  node_id p = sub.placeholder("p");
  node_id b = sub.call_function("aten.threshold_backward.default", {arg::node(p), arg::node(p), 0});
  sub.meta(b).seq_nr = 7;
  sub.meta(b).partitioner_tag = "is_backward";
  sub.output(arg::node(b));
  GraphModule gm(root);
  gm.add_submodule("", "body", sub);
  CHECK(copy_fwd_metadata_to_bw_nodes(gm).matched == 1);
  CHECK(gm.submodule("body").node(b).meta().get("fwd_nn_module_stack") == arg("root-stack"));
}

TEST_CASE("copy_fwd_metadata_to_bw_nodes on torch's joint graphs pairs backward ops with their forward ops", "[rewrite][conformance]") {
  std::map<std::string, std::size_t> conv_pairs, relu_pairs;
  for (const char* name : {"aot_mlp_joint", "aot_mlp_fn_joint", "aot_mlp_mincut_joint", "aot_resnet18_joint"}) {
    INFO(name);
    std::ifstream in(std::filesystem::path(AOTKIT_GRAPH_DATA) / (std::string(name) + ".json"));
    std::stringstream ss;
    ss << in.rdbuf();
    fx_document doc = read_fx_json(ss.str());
    Graph& g = doc.module.graph();
    // first forward node per seq_nr, computed independently
    std::unordered_map<std::int64_t, node_id> first;
    for (node_id n : g.nodes())
      if (_is_forward_node_with_seq_nr(g.node(n))) first.try_emplace(*g.node(n).meta().seq_nr, n);
    metadata_copy_report r = copy_fwd_metadata_to_bw_nodes(doc.module);
    INFO("matched " << r.matched << ", gradient_acc " << r.gradient_acc << ", unmatched " << r.unmatched);
    CHECK(r.matched > 0);
    for (node_id n : g.nodes()) {
      const Node& node = g.node(n);
      if (!_is_backward_node_with_seq_nr(node) || node.meta().is_gradient_acc.value_or(false)) continue;
      auto it = first.find(*node.meta().seq_nr);
      if (it == first.end()) continue;
      const Node& fwd = g.node(it->second);
      CHECK(node.meta().get("fwd_nn_module_stack") == fwd.meta().nn_module_stack.value_or(arg()));
      if (node.target() == "aten.convolution_backward.default") {
        CHECK(fwd.target() == "aten.convolution.default");
        ++conv_pairs[name];
      }
      if (node.target() == "aten.threshold_backward.default") {
        CHECK(fwd.target() == "aten.relu.default");
        ++relu_pairs[name];
      }
    }
    CHECK(lint_problems(g).empty());
  }
  CHECK(conv_pairs["aot_resnet18_joint"] == 20);
  CHECK(relu_pairs["aot_resnet18_joint"] == 17);
  CHECK(relu_pairs["aot_mlp_joint"] == 1);
}
