// tests/rewrite/torch26.test.cpp — every graph torch 2.6 made in the project's corpus
// (tools/capture_torch26.py) and the shared one: print, code, lint, DCE, convert, and under
// `torch_profile::torch2_6` the metadata copy and unlift_tokens, each against torch 2.6's own result.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../data_files.hpp"

import aotkit.runtime;
import aotkit.graph;
import aotkit.rewrite;

using namespace aotkit::graph;
using namespace aotkit::rewrite;

namespace {

using aotkit_testing::slurp;

// Every fx-json file of the corpus and of the shared captures, sorted.
std::vector<std::filesystem::path> torch26_graphs() { return aotkit_testing::json_documents(AOTKIT_TORCH26_GRAPHS, true); }

std::string label(const std::filesystem::path& p) {
  return p.parent_path().filename().string() + "/" + p.filename().string();
}

node_id named(const Graph& g, const std::string& name) {
  auto n = g.find_node(name);
  REQUIRE(n.has_value());
  return *n;
}

}  // namespace

TEST_CASE("torch 2.6 graphs: str(graph), python_code, lint, DCE and convert as torch 2.6 gives them", "[graph][torch26]") {
  auto files = torch26_graphs();
  REQUIRE(files.size() >= 50);
  std::size_t codegen = 0, attributes = 0, dce_nonempty = 0;
  for (const auto& file : files) {
    INFO(label(file));
    std::string text = slurp(file);
    auto doc_json = nlohmann::json::parse(text);
    const auto& oracle = doc_json["oracle"];
    fx_document doc = read_fx_json(text);
    const Graph& g = doc.module.graph();
    codegen += g.codegen().has_value();
    attributes += doc.module.attributes_known();
    CHECK(graph_str(g, print_style_of(torch_profile::torch2_6)) == oracle["graph_str"].get<std::string>());
    // fx-json/1 cannot say a graph has FX's pytree code generator (the shared joint captures)
    bool pytree_code = oracle["python_code"].get<std::string>().find("fx_pytree.tree_flatten_spec") != std::string::npos;
    if (g.codegen() || !pytree_code)
      CHECK(python_code(g, print_style_of(torch_profile::torch2_6)) == oracle["python_code"].get<std::string>());
    else
      CHECK(doc_json["format"] == "fx-json/1");

    bool lint_ok = true;
    std::string lint_error;
    try {
      lint(doc.module);
    } catch (const aotkit::error& e) {
      lint_ok = false;
      lint_error = e.what();
    }
    CHECK(lint_ok == oracle["lint_ok"].get<bool>());
    if (oracle.contains("lint_error") && !oracle["lint_error"].is_null())
      CHECK(lint_error == oracle["lint_error"].get<std::string>());

    // torch's oracle ran Graph.eliminate_dead_code on the root graph of a deep copy
    Graph copy = g;
    std::vector<std::string> removed;
    bool changed = eliminate_dead_code(copy, [&](node_id n) { return is_impure(copy, n, torch_profile::torch2_6, &doc.module); },
                                       &removed);
    CHECK(changed == oracle["dce_changed"].get<bool>());
    std::reverse(removed.begin(), removed.end());  // DCE walks backwards; the oracle lists graph order
    CHECK(removed == oracle["dce_removed"].get<std::vector<std::string>>());
    dce_nonempty += !removed.empty();

    // convert: the written document reads back to the same module, and writes the same text again
    std::string written = write_fx_json(doc.module, doc.name);
    fx_document back = read_fx_json(written);
    CHECK(graph_str(back.module.graph()) == graph_str(g));
    CHECK(python_code(back.module.graph()) == python_code(g));
    CHECK(back.module.graph().codegen() == g.codegen());
    CHECK(write_fx_json(back.module, back.name) == written);
    auto subs = doc.module.named_modules();
    auto back_subs = back.module.named_modules();
    REQUIRE(subs.size() == back_subs.size());
    for (std::size_t i = 1; i < subs.size(); ++i) CHECK(graph_str(*back_subs[i].second) == graph_str(*subs[i].second));
  }
  CHECK(codegen >= 11);      // every joint graph of the corpus and ep.module()
  CHECK(attributes >= 40);   // the corpus is fx-json/2
  CHECK(dce_nonempty >= 4);  // token graphs: torch 2.6's DCE takes _sink_tokens and its chain
}

TEST_CASE("torch 2.6 joint graphs: copy_fwd_metadata_to_bw_nodes as torch 2.6 copied, and the newest rule", "[rewrite][torch26]") {
  std::size_t joints = 0, pairs = 0;
  for (const auto& file : torch26_graphs()) {
    std::string text = slurp(file);
    auto doc_json = nlohmann::json::parse(text);
    const auto& oracle = doc_json["oracle"];
    if (!oracle.contains("copied")) continue;
    INFO(label(file));
    ++joints;
    auto copied = oracle["copied"].get<std::map<std::string, std::string>>();

    fx_document doc = read_fx_json(text);
    metadata_copy_report r = copy_fwd_metadata_to_bw_nodes(doc.module, torch_profile::torch2_6);
    CHECK(r.matched == copied.size());
    const Graph& g = doc.module.graph();
    std::set<std::string> got;
    for (node_id n = g.first(); n != no_node; n = g.node(n).next())
      if (g.node(n).meta().fwd_nn_module_stack) got.insert(g.node(n).name());
    std::set<std::string> want;
    for (const auto& [bw, fw] : copied) {
      want.insert(bw);
      const Node& b = g.node(named(g, bw));
      const Node& f = g.node(named(g, fw));
      REQUIRE(b.meta().fwd_nn_module_stack.has_value());
      CHECK(*b.meta().fwd_nn_module_stack == *f.meta().nn_module_stack);
      CHECK(b.meta().fwd_source_fn_stack.value_or(arg()) == f.meta().source_fn_stack.value_or(arg()));
      ++pairs;
    }
    CHECK(got == want);

    // the newest rule (partitioner_tag) on the same graph: it copies at least where torch 2.6 did
    fx_document latest = read_fx_json(text);
    copy_fwd_metadata_to_bw_nodes(latest.module, torch_profile::latest);
    const Graph& lg = latest.module.graph();
    for (const auto& [bw, fw] : copied) {
      const Node& b = lg.node(named(lg, bw));
      CHECK(b.meta().fwd_nn_module_stack.has_value());
    }
  }
  CHECK(joints >= 9);
  CHECK(pairs >= 150);
}

TEST_CASE("torch 2.6 token graphs: unlift_tokens --torch 2.6 equals torch 2.6's own unlift", "[rewrite][torch26]") {
  std::size_t forward = 0, backward = 0;
  for (const auto& file : torch26_graphs()) {
    std::string text = slurp(file);
    auto doc_json = nlohmann::json::parse(text);
    const auto& oracle = doc_json["oracle"];
    if (!oracle.contains("unlifted_graph_str")) continue;
    INFO(label(file));
    bool is_backward = file.filename().string().find("tokens_bw") != std::string::npos;
    fx_document doc = read_fx_json(text);
    token_metadata meta;
    meta.tokens.assign(oracle["num_forward_tokens"].get<std::size_t>(), "ordered");
    meta.num_backward_tokens = oracle["num_backward_tokens"].get<std::size_t>();
    unlift_report r;
    if (is_backward) {
      GraphModule none;
      meta.tokens.clear();  // the forward module was unlifted on its own file
      r = unlift_tokens(none, meta, &doc.module, torch_profile::torch2_6);
      CHECK(r.inputs_removed == oracle["num_backward_tokens"].get<std::size_t>());
      ++backward;
    } else {
      r = unlift_tokens(doc.module, meta, nullptr, torch_profile::torch2_6);
      CHECK(r.inputs_removed == oracle["num_forward_tokens"].get<std::size_t>());
      ++forward;
    }
    const Graph& g = doc.module.graph();
    CHECK(graph_str(g) == oracle["unlifted_graph_str"].get<std::string>());
    CHECK(python_code(g) == oracle["unlifted_python_code"].get<std::string>());
    lint(doc.module);

    // the newest algorithm differs where the issue says: a tuple output, one _make_token per input
    fx_document newest = read_fx_json(text);
    token_metadata meta2;
    meta2.tokens.assign(is_backward ? 0 : oracle["num_forward_tokens"].get<std::size_t>(), "ordered");
    meta2.num_backward_tokens = oracle["num_backward_tokens"].get<std::size_t>();
    GraphModule none;
    if (is_backward) unlift_tokens(none, meta2, &newest.module, torch_profile::latest);
    else unlift_tokens(newest.module, meta2, nullptr, torch_profile::latest);
    const Graph& ng = newest.module.graph();
    CHECK(ng.node(ng.output_node()).args().front().kind() == arg_kind::tuple);
    CHECK(g.node(g.output_node()).args().front().kind() == arg_kind::list);
  }
  CHECK(forward >= 5);
  CHECK(backward >= 1);
}

TEST_CASE("torch 2.6's unlift_tokens: one _make_token per use, its count texts, the graph already rewritten", "[rewrite][torch26]") {
  // a token placeholder used by two with_effects calls (torch 2.6 gives each its own _make_token)
  Graph g;
  node_id token = g.placeholder("token");
  node_id x = g.placeholder("x");
  node_id w1 = g.call_function("higher_order.with_effects", {arg::node(token), arg::tagged(arg_kind::op, "aten._print.default"), arg("a")});
  node_id t1 = g.call_function("operator.getitem", {arg::node(w1), arg(std::int64_t{0})});
  node_id w2 = g.call_function("torch.ops.higher_order.with_effects",
                               {arg::node(token), arg::tagged(arg_kind::op, "aten._print.default"), arg("b")});
  node_id t2 = g.call_function("operator.getitem", {arg::node(w2), arg(std::int64_t{0})});
  (void)t1;
  g.output(arg::tuple({arg::node(t2), arg::node(x)}));
  CHECK(g.node(w1).target_op() == g.node(w2).target_op());  // both spellings: one operator

  Graph v2 = g;
  unlift_report r = unlift_tokens_from_graph_v2(v2, "forward", 1);
  CHECK(r.inputs_removed == 1);
  CHECK(r.outputs_removed == 1);
  CHECK(v2.find_nodes(node_op::call_function, intern_op("prims._make_token.default")).size() == 2);
  CHECK(graph_str(v2).find("return [x]") != std::string::npos);
  CHECK(graph_str(v2).find("args = ([%getitem_1],)") != std::string::npos);

  Graph v3 = g;
  unlift_tokens_from_graph(v3, "forward", std::nullopt);
  CHECK(v3.find_nodes(node_op::call_function, intern_op("prims._make_token.default")).size() == 1);
  CHECK(graph_str(v3).find("return (x,)") != std::string::npos);

  // a count that does not match: torch 2.6's text (no space before "!="), graph already rewritten
  Graph bad = g;
  CHECK_THROWS_WITH(unlift_tokens_from_graph_v2(bad, "forward", 2),
                    "forward num_erased_inputs:1 {token}!=expected 2");
  CHECK(bad.find_nodes(node_op::placeholder).size() == 1);
  Graph outs = g;
  outs.set_args(outs.output_node(), {arg::tuple({arg::node(x)})});
  CHECK_THROWS_WITH(unlift_tokens_from_graph_v2(outs, "backward", 1), "backward num_erased_outs:0 []!=expected 1");

  // a token placeholder with another user cannot be erased: FX's text
  Graph used = g;
  used.set_args(used.output_node(), {arg::tuple({arg::node(t2), arg::node(token)})});
  CHECK_THROWS_WITH(unlift_tokens_from_graph_v2(used, "forward", 1),
                    Catch::Contains("Tried to erase Node token but it still had 1 users in the graph"));
}

TEST_CASE("torch 2.6's copy_fwd_metadata_to_bw_nodes: nn_module_stack decides, the root graph only", "[rewrite][torch26]") {
  Graph g;
  node_id x = g.placeholder("x");
  node_id f = g.call_function("aten.relu.default", {arg::node(x)});
  node_id b = g.call_function("aten.threshold_backward.default", {arg::node(f), arg::node(f), arg(std::int64_t{0})});
  node_id acc = g.call_function("aten.add.Tensor", {arg::node(b), arg::node(b)});
  g.output(arg::tuple({arg::node(acc)}));
  arg stack = arg::list({arg::list({arg("fn"), arg::list({arg("fn"), arg("torch.nn.ReLU")})})});
  g.meta(f).seq_nr = 7;
  g.meta(f).nn_module_stack = stack;
  g.meta(b).seq_nr = 7;                          // no nn_module_stack: backward in torch 2.6
  g.meta(acc).seq_nr = 7;
  g.meta(acc).is_gradient_acc = true;            // torch 2.6 copies to it too
  g.meta(acc).partitioner_tag = "is_backward";
  GraphModule gm26{g};
  metadata_copy_report r = copy_fwd_metadata_to_bw_nodes(gm26, torch_profile::torch2_6);
  CHECK(r.matched == 2);
  CHECK(gm26.graph().node(b).meta().fwd_nn_module_stack == stack);
  CHECK(gm26.graph().node(acc).meta().fwd_source_fn_stack == arg());  // None: the key is written anyway
  GraphModule newest{g};
  r = copy_fwd_metadata_to_bw_nodes(newest, torch_profile::latest);
  CHECK(r.gradient_acc == 1);                          // skipped by the newest rule
  CHECK_FALSE(newest.graph().node(b).meta().fwd_nn_module_stack);  // no partitioner_tag: forward there
}

TEST_CASE("torch 2.6's DCE takes an unused _sink_tokens; the newest keeps it", "[graph][torch26]") {
  Graph g;
  node_id t = g.call_function("prims._make_token.default");
  g.call_function("prims._sink_tokens.default", {arg::list({arg::node(t)})});
  node_id r = g.call_function("aten.rand.default", {arg::list({arg(std::int64_t{2})})});
  (void)r;
  g.output(arg::tuple({}));
  GraphModule a{g}, b{g};
  std::vector<std::string> removed_26, removed_latest;
  eliminate_dead_code(a, &removed_26, torch_profile::torch2_6);
  eliminate_dead_code(b, &removed_latest, torch_profile::latest);
  CHECK(removed_26 == std::vector<std::string>{"rand_default", "_sink_tokens_default", "_make_token_default"});
  CHECK(removed_latest.empty());
}
