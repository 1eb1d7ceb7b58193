// tests/graph/ir.test.cpp — the Graph API against FX's documented behaviour (docs/semantics.md §D):
// naming, insertion points, users, erase, RAUW, copies, find_nodes, printing examples, DCE rules.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

import aotkit.runtime;
import aotkit.graph;

#include "fx_json_error.hpp"

using namespace aotkit::graph;

namespace {

// §D.5's example: x; add = x + 1; mul = add * x; return (mul,)
Graph example() {
  Graph g;
  node_id x = g.placeholder("x");
  node_id add = g.call_function("operator.add", {arg::node(x), 1});
  node_id mul = g.call_function("operator.mul", {arg::node(add), arg::node(x)});
  g.output(arg::tuple({arg::node(mul)}));
  return g;
}

std::vector<std::string> names(const Graph& g) {
  std::vector<std::string> out;
  for (node_id n : g.nodes()) out.push_back(g.node(n).name());
  return out;
}

}  // namespace

TEST_CASE("str(graph) and python_code match FX's examples (§D.5, §D.6)", "[graph][print]") {
  Graph g = example();
  CHECK(graph_str(g) ==
        "graph():\n"
        "    %x : [num_users=2] = placeholder[target=x]\n"
        "    %add : [num_users=1] = call_function[target=operator.add](args = (%x, 1), kwargs = {})\n"
        "    %mul : [num_users=1] = call_function[target=operator.mul](args = (%add, %x), kwargs = {})\n"
        "    return (mul,)");
  CHECK(graph_str(g, print_style::torch1_13).find("%x : [#users=2] = placeholder[target=x]") != std::string::npos);
  CHECK(python_code(g) ==
        "\n\n\ndef forward(self, x):\n"
        "    add = x + 1\n"
        "    mul = add * x;  add = x = None\n"
        "    return (mul,)\n    ");
  CHECK(python_code_boxed(g).find("def forward(self, args_list):\n    args_iter = iter(args_list)\n    x = next(args_iter)\n"
                                  "    args_list.clear()\n    add = x + 1\n") != std::string::npos);
  CHECK(python_code(Graph{}) == "\n\n\ndef forward(self):\n    pass\n    ");
}

TEST_CASE("str(graph) and fx-json through their fast paths match the per-node formatter, past every reserve", "[graph][print]") {
  // names far longer than the printers reserve for, so their buffers grow mid-graph; nodes that
  // leave the fast path (kwargs, an annotation, a constant argument, another opcode) in between
  Graph g;
  std::string long_name(90, 'p');
  node_id x = g.placeholder(long_name, "torch.Tensor");
  node_id prev = x;
  for (int i = 0; i < 300; ++i) {
    std::string name = "node_with_a_rather_long_name_number_" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 50), 'z');
    if (i % 7 == 0) prev = g.call_function("aten.add.Tensor", {arg::node(prev), 2}, {{"alpha", 3}}, name);
    else if (i % 11 == 0) prev = g.call_method("relu", {arg::node(prev)});
    else prev = g.call_function("aten.mul.Tensor", {arg::node(prev), arg::node(x)}, {}, name, i % 13 == 0 ? "torch.Tensor" : "");
  }
  g.output(arg::tuple({arg::node(prev)}));
  for (print_style style : {print_style::torch2, print_style::torch1_13}) {
    std::string want = "graph():";
    for (node_id n : g.nodes()) want += "\n    " + format_node(g, n, style);
    CHECK(graph_str(g, style) == want);
  }
  std::string text = write_fx_json(g);
  CHECK(graph_str(read_fx_json(text).module.graph()) == graph_str(g));
  CHECK(write_fx_json(read_fx_json(text).module.graph()) == text);
}

TEST_CASE("print_tabular follows tabulate's simple format (§D.8)", "[graph][print]") {
  CHECK(print_tabular(example()) ==
        "opcode         name    target                   args       kwargs\n"
        "-------------  ------  -----------------------  ---------  --------\n"
        "placeholder    x       x                        ()         {}\n"
        "call_function  add     <built-in function add>  (x, 1)     {}\n"
        "call_function  mul     <built-in function mul>  (add, x)   {}\n"
        "output         output  output                   ((mul,),)  {}\n");
}

TEST_CASE("FX's namespace: counters, explicit suffixes, builtins and sanitizing (§D.4)", "[graph][naming]") {
  Graph g;
  node_id x = g.placeholder("x");
  CHECK(g.node(g.call_function("operator.add", {arg::node(x), 1})).name() == "add");
  CHECK(g.node(g.call_function("operator.add", {arg::node(x), 1})).name() == "add_1");
  CHECK(g.node(g.call_function("operator.add", {arg::node(x), 1})).name() == "add_2");
  CHECK(g.node(g.call_function("aten.add.Tensor", {arg::node(x), arg::node(x)})).name() == "add_tensor");
  CHECK(g.node(g.call_function("prims._make_token.default")).name() == "_make_token_default");
  CHECK(g.node(g.call_function("builtins.sum", {arg::node(x)})).name() == "sum_1");  // shadows a builtin
  CHECK(g.node(g.call_function("operator.getitem", {arg::node(x), 0})).name() == "getitem");
  CHECK(g.node(g.call_module("layer1.0.conv1", {arg::node(x)})).name() == "layer1_0_conv1");
  CHECK(g.node(g.call_function("operator.mul", {}, {}, std::string("mul_7"))).name() == "mul_7");
  CHECK(g.node(g.call_function("operator.mul", {}, {}, std::string("mul_7"))).name() == "mul_8");
  CHECK(g.node(g.call_function("operator.mul", {}, {}, std::string("9lives"))).name() == "_9lives");
  CHECK(g.node(g.call_function("operator.mul", {}, {}, std::string("a-b c"))).name() == "a_b_c");
  CHECK(g.node(g.call_method("__add__", {arg::node(x)})).name() == "add_3");
  CHECK(g.node(g.get_attr("torch")).name() == "torch_1");
  // names given whole with ever larger suffixes (a reader's case), then the counter, a smaller
  // suffix (torch's counter follows it down) and a suffix written with a leading zero
  auto named = [&](const char* n) { return g.node(g.call_function("operator.mul", {}, {}, std::string(n))).name(); };
  CHECK(named("sub_2") == "sub_2");
  CHECK(named("sub_5") == "sub_5");
  CHECK(named("sub") == "sub");
  CHECK(named("sub") == "sub_6");
  CHECK(named("sub_3") == "sub_3");
  CHECK(named("sub") == "sub_4");
  CHECK(named("sub_09") == "sub_9");
  CHECK(named("sub_9") == "sub_10");
}

TEST_CASE("force_name is FX's node.name = ...: the old name stays taken, generated code renames", "[graph][naming]") {
  // what torch 2.6 does (printed under ../shared/tools/torch26): placeholder("input") is input_1,
  // set back to input; input_1 stays taken, so the next candidates move on
  Graph g;
  node_id a = g.placeholder("input");
  CHECK(g.node(a).name() == "input_1");
  CHECK(!g.has_forced_names());
  g.force_name(a, "input");
  CHECK(g.has_forced_names());
  node_id b = g.placeholder("input_1");
  node_id c = g.placeholder("input");
  CHECK(g.node(b).name() == "input_2");
  CHECK(g.node(c).name() == "input_3");
  CHECK(g.find_node("input") == a);
  CHECK(!g.find_node("input_1").has_value());
  CHECK(g.peek_name("input_1") == "input_4");
  CHECK(graph_str(g) ==
        "graph():\n"
        "    %input : [num_users=0] = placeholder[target=input]\n"
        "    %input_2 : [num_users=0] = placeholder[target=input_1]\n"
        "    %input_3 : [num_users=0] = placeholder[target=input]");
  CHECK(python_code(g) ==
        "\n\n\ndef forward(self, input, input_1, input):\n"
        "    input_1 = input\n"
        "    input_2 = input_1\n"
        "    input_3 = input\n"
        "    ");
  CHECK_THROWS_AS(g.force_name(b, "for"), aotkit::value_error);      // a keyword
  CHECK_THROWS_AS(g.force_name(b, "9x"), aotkit::value_error);       // not an identifier
  CHECK_THROWS_AS(g.force_name(b, "input_3"), aotkit::value_error);  // another node's
  CHECK_THROWS_AS(g.force_name(999, "z"), aotkit::value_error);
  {
    // a name taken from a node and held by none may be forced again (FX allows any), and stays
    // out of the namespace's reach
    Graph h = g;
    h.force_name(b, "input_1");
    CHECK(h.find_node("input_1") == b);
    CHECK(h.peek_name("input_1") == "input_4");
    // a forced name is taken for the namespace's shortcuts too: bare, suffixed, forced away again
    node_id q = h.placeholder("q");
    h.force_name(q, "y");
    CHECK(h.node(h.placeholder("y")).name() == "y_1");
    h.force_name(q, "x_5");
    CHECK(h.node(h.placeholder("x_5")).name() == "x_6");
    CHECK(h.node(h.placeholder("y")).name() == "y_2");
    CHECK(h.node(h.placeholder("q")).name() == "q_1");
    CHECK(lint_problems(h).empty());
  }
  g.force_name(a, "input");  // its own name: nothing changes
  // copies and moves keep the forced names and the taken ones
  Graph copied = g;
  Graph moved = std::move(copied);
  CHECK(moved.has_forced_names());
  CHECK(python_code(moved) == python_code(g));
  CHECK(moved.peek_name("input_1") == "input_4");
  // names forced one after another on a big graph: each node found by its new name
  Graph big;
  std::vector<node_id> ids;
  for (int i = 0; i < 3000; ++i) ids.push_back(big.placeholder("x"));
  CHECK(big.find_node("x_2999").has_value());  // the name index is built
  for (int i = 0; i < 3000; ++i) big.force_name(ids[static_cast<std::size_t>(i)], "y" + std::to_string(i));
  for (int i = 0; i < 3000; i += 7) CHECK(big.find_node("y" + std::to_string(i)) == ids[static_cast<std::size_t>(i)]);
  CHECK(!big.find_node("x_5").has_value());
  CHECK(big.node(big.placeholder("x_5")).name() == "x_3000");
  CHECK(lint_problems(big).empty());
}

TEST_CASE("names given with suffixes already taken: each probe starts above the taken prefix", "[graph][naming]") {
  // base_1 .. base_k, then base_01, base_02, ...: FX gives base_{k+1}, base_{k+2}, ... and a
  // document may force the given spelling back. Walking up from each given number is quadratic.
  constexpr int k = 20000;
  Graph g;
  for (int i = 1; i <= k; ++i) g.placeholder("s_" + std::to_string(i));
  for (int i = 1; i <= k; ++i) {
    node_id n = g.placeholder("s_0" + std::to_string(i));
    REQUIRE(g.node(n).name() == "s_" + std::to_string(k + i));
    g.force_name(n, "s_0" + std::to_string(i));
  }
  CHECK(g.node(g.placeholder("s")).name() == "s");
  CHECK(g.node(g.placeholder("s")).name() == "s_" + std::to_string(2 * k + 1));
  CHECK(g.peek_name("s_7") == "s_" + std::to_string(2 * k + 2));
  // the same through fx-json, where each name is read as forced
  std::string doc = R"({"format": "fx-json/1", "nodes": [)";
  for (int i = 1; i <= k; ++i) doc += R"({"name": "t_)" + std::to_string(i) + R"(", "op": "placeholder", "target": "t"}, )";
  for (int i = 1; i <= k; ++i)
    doc += std::string(i > 1 ? ", " : "") + R"({"name": "t_0)" + std::to_string(i) + R"(", "op": "placeholder", "target": "t"})";
  doc += "]}";
  fx_document d = read_fx_json(doc);
  CHECK(d.module.graph().size() == 2 * k);
  CHECK(d.module.graph().find_node("t_0" + std::to_string(k)).has_value());
  CHECK(d.module.graph().peek_name("t_1") == "t_" + std::to_string(2 * k + 1));
}

TEST_CASE("lazy node, user and input ranges: the snapshots' lists, no vector, erasing as it goes", "[graph][ranges]") {
  static_assert(std::ranges::forward_range<decltype(std::declval<const Graph&>().node_range())>);
  static_assert(std::ranges::view<decltype(std::declval<const Graph&>().user_range(0))>);
  static_assert(std::ranges::random_access_range<decltype(std::declval<const Graph&>().input_range(0))>);
  Graph g;
  node_id x = g.placeholder("x");
  node_id y = g.placeholder("y");
  node_id a = g.call_function("operator.add", {arg::node(x), arg::node(y)});
  node_id b = g.call_function("operator.mul", {arg::node(a), arg::node(x), arg::node(a)});
  node_id c = g.call_function("operator.neg", {arg::node(x)});
  g.output(arg::node(b));
  CHECK(std::ranges::equal(g.node_range(), g.nodes()));
  CHECK(std::ranges::equal(g.user_range(x), std::vector<node_id>{a, b, c}));
  CHECK(std::ranges::equal(g.input_range(b), std::vector<node_id>{a, x}));
  CHECK(std::ranges::empty(g.input_range(x)));
  CHECK(std::ranges::distance(g.node_range()) == 6);
  // the body may erase the node it is on (the next one was read before it ran)
  for (node_id n : g.node_range())
    if (g.node(n).num_users() == 0 && g.node(n).op() == node_op::call_function) g.erase_node(n);
  CHECK(g.size() == 5);
  CHECK(std::ranges::equal(g.user_range(x), std::vector<node_id>{a, b}));
  // and erase the user it is on
  Graph h;
  node_id p = h.placeholder("p");
  for (int i = 0; i < 4; ++i) h.call_function("operator.neg", {arg::node(p)});
  for (node_id u : h.user_range(p)) h.erase_node(u);
  CHECK(h.node(p).num_users() == 0);
  CHECK(h.size() == 1);
  CHECK_THROWS_AS(h.user_range(99), aotkit::index_error);
}

TEST_CASE("names are sanitized byte by byte in ASCII, as FX's [^0-9a-zA-Z_]+", "[graph][naming]") {
  Graph g;
  // a requested name that FX's namespace sanitizes (placeholder targets themselves must be identifiers)
  auto named = [&](std::string name) { return g.node(g.call_function("operator.neg", {}, {}, std::move(name))).name(); };
  CHECK(named("caf\xc3\xa9") == "caf_");
  CHECK(named("\xc3\xa9t\xc3\xa9") == "_t_");
  CHECK(named("x\xb2") == "x_");  // a Latin-1 letter in some C locales
  CHECK(named("7") == "_7");
  CHECK(named("!!") == "_");
  CHECK(named("") == "_unnamed");
  CHECK(g.node(g.placeholder("caf\xc3\xa9")).name() == "caf__1");
}

TEST_CASE("the name index answers after growth, in copies and moves, and on several threads", "[graph][naming]") {
  Graph g;
  node_id x = g.placeholder("x");
  CHECK(g.find_node("x") == x);  // indexed now; the nodes below extend it
  std::vector<node_id> made;
  for (int i = 0; i < 3000; ++i) made.push_back(g.call_function("operator.add", {arg::node(x), i}));
  CHECK(g.find_node("add") == made[0]);
  CHECK(g.find_node("add_2999") == made[2999]);
  CHECK(!g.find_node("add_3000"));
  // a counter below an explicit suffix needs the index, which must hold the newest nodes
  node_id m9 = g.call_function("operator.mul", {}, {}, std::string("mul_9"));
  auto mul = [&](std::optional<std::string> name = std::nullopt) {
    return g.node(g.call_function("operator.mul", {}, {}, std::move(name))).name();
  };
  CHECK(mul("mul_3") == "mul_3");
  CHECK(mul("mul_3") == "mul_4");
  CHECK(mul() == "mul");
  CHECK(mul() == "mul_5");
  for (int i = 6; i <= 8; ++i) CHECK(mul() == "mul_" + std::to_string(i));
  CHECK(mul() == "mul_10");
  CHECK(g.find_node("mul_9") == m9);

  Graph copy = g;
  CHECK(copy.find_node("add_1500") == made[1500]);
  Graph moved = std::move(copy);
  CHECK(moved.find_node("add_17") == made[17]);
  CHECK(moved.node(moved.call_function("operator.add", {})).name() == "add_3000");
  CHECK(moved.find_node("add_3000").has_value());
  copy = moved;  // assigning into the moved-from graph
  CHECK(copy.find_node("add_3000").has_value());

  // the first lookups of a fresh copy race to build its index: every thread sees every name
  Graph shared = g;
  std::vector<std::thread> threads;
  std::vector<int> found(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < 3000; i += 4) found[t] += shared.find_node("add_" + std::to_string(i)).has_value() || i == 0;
    });
  for (auto& th : threads) th.join();
  CHECK(found[0] + found[1] + found[2] + found[3] == 3000);
  CHECK(lint_problems(shared).empty());
}

TEST_CASE("a graph whose use records outgrow the heap: remapped growth, copies and erasure", "[graph][big]") {
  // 2^19 + nodes with two inputs each: more than 8 MiB of use records, which get pages of their own
  Graph g;
  op_handle add = intern_op("aten.add.Tensor"), mul = intern_op("aten.mul.Tensor");
  node_id x = g.placeholder("x");
  node_id prev = x;
  constexpr int n = 300'000;
  for (int i = 0; i < n; ++i) {
    node_id a = g.call_function(add, {arg::node(prev), arg::node(x)});
    g.call_function(mul, {arg::node(a), arg::node(x)});  // dead
    prev = a;
  }
  g.output(arg::node(prev));
  CHECK(g.users(x).size() == 2 * n);
  Graph copy = g;  // the copy maps its records at once
  CHECK(eliminate_dead_code(copy));
  CHECK(copy.size() == static_cast<std::size_t>(n) + 2);
  CHECK(g.size() == 2 * static_cast<std::size_t>(n) + 2);
  CHECK(copy.users(x).size() == n);
  Graph moved = std::move(copy);
  CHECK(lint_problems(moved).empty());
  CHECK(lint_problems(g).empty());
  CHECK(g.node(g.users(x).back()).name() == "mul_tensor_" + std::to_string(n - 1));
}

TEST_CASE("a node with hundreds of inputs in one argument: distinct inputs in first-use order", "[graph][users]") {
  Graph g;
  std::vector<node_id> ph;
  for (int i = 0; i < 300; ++i) ph.push_back(g.placeholder("p" + std::to_string(i)));
  std::vector<arg> items;
  for (int rep = 0; rep < 2; ++rep)
    for (int i = 299; i >= 0; --i) items.push_back(arg::node(ph[static_cast<std::size_t>(i)]));
  node_id out = g.output(arg::tuple(std::move(items)));
  std::vector<node_id> expect(ph.rbegin(), ph.rend());
  CHECK(g.input_nodes(out) == expect);
  for (node_id p : ph) CHECK(g.users(p) == std::vector<node_id>{out});
  CHECK(lint_problems(g).empty());
}

TEST_CASE("inserting_before keeps creation order, inserting_after reverses it (§D.3)", "[graph][insert]") {
  Graph g = example();
  node_id add = *g.find_node("add");
  {
    auto guard = g.inserting_before(add);
    g.call_function("operator.neg", {1}, {}, std::string("a"));
    g.call_function("operator.neg", {2}, {}, std::string("b"));
  }
  {
    auto guard = g.inserting_after(add);
    g.call_function("operator.neg", {3}, {}, std::string("c"));
    g.call_function("operator.neg", {4}, {}, std::string("d"));
  }
  {
    auto guard = g.inserting_before();  // start of the graph
    g.call_function("operator.neg", {5}, {}, std::string("first"));
  }
  g.call_function("operator.neg", {6}, {}, std::string("last"));  // the default: the end
  CHECK(names(g) == std::vector<std::string>{"first", "x", "a", "b", "add", "d", "c", "mul", "output", "last"});
  CHECK(g.before(*g.find_node("a"), *g.find_node("b")));
  CHECK(g.before(*g.find_node("d"), *g.find_node("c")));
  CHECK_THROWS_WITH(g.set_insertion_point({12345, false}), "Node to insert before is not in graph.");
}

TEST_CASE("users, erase_node's error and erased references (§D.3)", "[graph][erase]") {
  Graph g = example();
  node_id x = *g.find_node("x"), add = *g.find_node("add"), mul = *g.find_node("mul");
  CHECK(g.users(x) == std::vector<node_id>{add, mul});
  CHECK(g.input_nodes(mul) == std::vector<node_id>{add, x});
  CHECK_THROWS_MATCHES(g.erase_node(x), aotkit::runtime_error,
                       Catch::Message("Tried to erase Node x but it still had 2 users in the graph: {add: None, mul: None}!"));
  g.erase_node(g.output_node());
  g.erase_node(mul);
  CHECK(g.users(add).empty());
  CHECK(g.node(mul).erased());
  CHECK(g.node(mul).args()[0].is_none());  // FX replaces an erased node's inputs by None
  std::vector<aotkit::capture_warnings::record> warnings;
  {
    aotkit::capture_warnings capture;
    g.erase_node(mul);
    warnings = capture.records();
  }
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].message == "erase_node(mul) on an already erased node");
  CHECK_THROWS_AS(g.call_function("operator.neg", {arg::node(mul)}), aotkit::value_error);
  CHECK(lint_problems(g).empty());
}

TEST_CASE("replace_all_uses_with, with a callback and propagate_meta", "[graph][rauw]") {
  Graph g = example();
  node_id x = *g.find_node("x"), add = *g.find_node("add"), mul = *g.find_node("mul");
  node_id y = g.placeholder("y");
  g.move_after(x, y);
  auto changed = g.replace_all_uses_with(x, y, [&](node_id user) { return user != mul; });
  CHECK(changed == std::vector<node_id>{add});
  CHECK(g.users(x) == std::vector<node_id>{mul});
  CHECK(g.users(y) == std::vector<node_id>{add});
  g.meta(add).seq_nr = 3;
  node_id neg = g.call_function("operator.neg", {arg::node(add)});
  g.move_after(add, neg);
  g.replace_all_uses_with(add, neg, [&](node_id u) { return u != neg; });  // FX's idiom: not neg itself
  CHECK(g.users(add) == std::vector<node_id>{neg});
  node_id neg2 = g.call_function("operator.neg", {arg::node(x)});
  g.meta(neg2).seq_nr = 1;
  CHECK_THROWS_WITH(g.replace_all_uses_with(x, neg2, {}, true),
                    "Called node.replace_all_uses_with(replace_with, propagate_meta=True), but replace_with already has .meta keys");
  CHECK(lint_problems(g).empty());
}

TEST_CASE("replace_input_with re-adds the user to every input's users, as FX's __update_args_kwargs", "[graph][rauw]") {
  Graph g;
  node_id x = g.placeholder("x"), y = g.placeholder("y");
  node_id a = g.call_function("operator.neg", {arg::node(x)});
  node_id b = g.call_function("operator.add", {arg::node(x), arg::node(a)});
  node_id c = g.call_function("operator.neg", {arg::node(a)});
  node_id d = g.call_function("operator.add", {arg::tuple({arg::node(a), arg::node(x)}), arg::node(x)});
  REQUIRE(g.users(a) == std::vector<node_id>{b, c, d});
  g.replace_input_with(b, x, y);  // same inputs, x's record becomes y's; b moves to the end of a's users
  CHECK(g.users(a) == std::vector<node_id>{c, d, b});
  CHECK(g.users(x) == std::vector<node_id>{a, d});
  CHECK(g.users(y) == std::vector<node_id>{b});
  CHECK(g.input_nodes(b) == std::vector<node_id>{y, a});
  g.replace_input_with(d, x, y);  // inside a tuple and at the top level
  CHECK(format_node(g, d) == "%add_1 : [num_users=0] = call_function[target=operator.add](args = ((%neg, %y), %y), kwargs = {})");
  CHECK(g.users(a) == std::vector<node_id>{c, b, d});
  g.replace_input_with(d, y, a);  // a is an input already: the two merge
  CHECK(g.input_nodes(d) == std::vector<node_id>{a});
  CHECK(g.users(a) == std::vector<node_id>{c, b, d});
  CHECK(g.users(y) == std::vector<node_id>{b});
  g.replace_input_with(c, x, y);  // x is not an input: nothing changes but the order of a's users
  CHECK(g.users(a) == std::vector<node_id>{b, d, c});
  CHECK(lint_problems(g).empty());
}

TEST_CASE("lint reports use-before-define with FX's text and the graph", "[graph][lint]") {
  Graph g = example();
  node_id add = *g.find_node("add"), mul = *g.find_node("mul");
  g.move_before(add, mul);
  auto problems = lint_problems(g);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "Argument 'add' of Node 'mul' was used before it has been defined! Please check that Nodes in "
                       "the graph are topologically ordered");
  CHECK_THROWS_WITH(lint(g), Catch::StartsWith(problems[0] + "\ngraph():\n"));
}

TEST_CASE("DCE keeps impure nodes and removes dead ones in reverse order", "[graph][dce]") {
  Graph g;
  node_id x = g.placeholder("x");
  node_id dead1 = g.call_function("aten.relu.default", {arg::node(x)});
  g.call_function("aten.neg.default", {arg::node(dead1)});
  g.call_function("aten.add_.Tensor", {arg::node(x), 1});        // mutable schema: kept
  g.call_function("aten.rand.default", {arg::list({2})});      // nondeterministic_seeded: kept
  g.call_function("torch._assert", {true, "msg"});             // side effect: kept
  g.call_function("prims._sink_tokens.default", {arg::list({})});
  g.output(arg::node(x));
  std::vector<std::string> removed;
  CHECK(eliminate_dead_code(g, {}, &removed));
  CHECK(removed == std::vector<std::string>{"neg_default", "relu_default"});
  CHECK_FALSE(eliminate_dead_code(g));
  CHECK(g.size() == 6);
  CHECK(is_impure(g, *g.find_node("rand_default")));
  CHECK_FALSE(is_impure(g, *g.find_node("rand_default"), false));
}

TEST_CASE("graph copies, node_copy with a transform, graph_copy with a value map", "[graph][copy]") {
  Graph g = example();
  g.meta(*g.find_node("add")).custom = arg::dict({{"k", arg::list({1, 2})}});
  Graph copy = g;
  CHECK(graph_str(copy) == graph_str(g));
  copy.erase_node(copy.output_node());
  CHECK(g.size() == 4);
  CHECK(copy.find_node("add").has_value());
  CHECK(copy.meta(*copy.find_node("add")).custom == g.meta(*g.find_node("add")).custom);

  Graph h;
  node_id y = h.placeholder("y");
  std::unordered_map<node_id, node_id> val_map{{*g.find_node("x"), y}};
  arg out = h.graph_copy(g, val_map);
  h.output(out);
  CHECK(graph_str(h) ==
        "graph():\n"
        "    %y : [num_users=2] = placeholder[target=y]\n"
        "    %add : [num_users=1] = call_function[target=operator.add](args = (%y, 1), kwargs = {})\n"
        "    %mul : [num_users=1] = call_function[target=operator.mul](args = (%add, %y), kwargs = {})\n"
        "    return (mul,)");
}

TEST_CASE("find_nodes uses the index and returns graph order", "[graph][find]") {
  Graph g;
  node_id x = g.placeholder("x");
  op_handle relu = intern_op("aten.relu.default");
  node_id a = g.call_function(relu, {arg::node(x)});
  node_id b;
  {
    auto guard = g.inserting_before(a);
    b = g.call_function(relu, {arg::node(x)});
  }
  CHECK(g.find_nodes(node_op::call_function, relu) == std::vector<node_id>{b, a});
  CHECK(g.find_nodes(node_op::placeholder) == std::vector<node_id>{x});
  g.erase_node(a);
  CHECK(g.find_nodes(node_op::call_function, relu) == std::vector<node_id>{b});
  CHECK_THROWS_AS(g.find_nodes(node_op::call_function), aotkit::value_error);
  // count_nodes sums the index's lists of an opcode, erased nodes left out
  g.call_function(intern_op("aten.neg.default"), {arg::node(x)});
  CHECK(g.count_nodes(node_op::call_function) == 2);
  CHECK(g.count_nodes(node_op::placeholder) == 1);
  CHECK(g.count_nodes(node_op::output) == 0);
}

TEST_CASE("find_nodes after erasing most of a list, and nodes made after it shrank", "[graph][find]") {
  Graph g;
  node_id x = g.placeholder("x");
  op_handle relu = intern_op("aten.relu.default");
  std::vector<node_id> made;
  for (int i = 0; i < 100; ++i) made.push_back(g.call_function(relu, {arg::node(x)}));
  std::vector<node_id> kept;
  for (std::size_t i = 0; i < made.size(); ++i) {
    if (i % 10 < 7) g.erase_node(made[i]);  // the list shrinks several times on the way
    else kept.push_back(made[i]);
  }
  CHECK(g.find_nodes(node_op::call_function, relu) == kept);
  node_id front;
  {
    auto guard = g.inserting_before(kept.front());
    front = g.call_function(relu, {arg::node(x)});
  }
  node_id back = g.call_function(relu, {arg::node(x)});
  std::vector<node_id> ordered{front};
  ordered.insert(ordered.end(), kept.begin(), kept.end());
  ordered.push_back(back);
  CHECK(g.find_nodes(node_op::call_function, relu) == ordered);
  std::vector<node_id> created = kept;
  created.push_back(front);
  created.push_back(back);
  CHECK(g.find_nodes(node_op::call_function, relu, false) == created);  // creation order
  for (node_id n : ordered) g.erase_node(n);
  CHECK(g.find_nodes(node_op::call_function, relu).empty());
  CHECK(g.find_nodes(node_op::placeholder) == std::vector<node_id>{x});
  CHECK(lint_problems(g).empty());
}

TEST_CASE("arguments: every fx-json value kind prints as FX prints it", "[graph][arg]") {
  Graph g;
  node_id x = g.placeholder("x");
  node_id n = g.call_function(
      "aten.foo.default",
      {arg::node(x), arg::list({1, 2.5, "s"}), arg::tuple({true}), arg::slice(1, arg(), -1), arg::ellipsis(),
       std::numeric_limits<double>::infinity(), arg::tagged(arg_kind::dtype, "torch.float32"),
       arg::tagged(arg_kind::device, "cuda:0"), arg::complex(1, -2)},
      {{"memory_format", arg::tagged(arg_kind::memory_format, "torch.contiguous_format")}});
  CHECK(format_node(g, n) ==
        "%foo_default : [num_users=0] = call_function[target=torch.ops.aten.foo.default](args = (%x, [1, 2.5, s], "
        "(True,), slice(1, None, -1), Ellipsis, inf, torch.float32, cuda:0, (1-2j)), kwargs = {memory_format: "
        "torch.contiguous_format})");
  CHECK(python_code(g).find("foo_default = torch.ops.aten.foo.default(x, [1, 2.5, 's'], (True,), slice(1, None, -1), "
                            "Ellipsis, inf, torch.float32, device(type='cuda', index=0), (1-2j), memory_format = "
                            "torch.contiguous_format);  x = foo_default = None") != std::string::npos);
  std::vector<arg> deep{1};
  arg a = 1;
  for (std::uint32_t i = 0; i < max_arg_depth; ++i) a = arg::list({a});
  CHECK_THROWS_AS(arg::list({a}), aotkit::value_error);
}

TEST_CASE("fx-json/1: round trip of every kind, errors naming node and field", "[graph][fx_json]") {
  Graph g;
  node_id x = g.placeholder("x", "torch.Tensor");
  node_id n = g.call_function("aten.foo.default",
                              {arg::node(x), arg::dict({{"a", arg::tuple({arg(), -0.0})}}), arg::slice(arg(), 3, arg()),
                               std::nan(""), arg::tagged(arg_kind::layout, "torch.strided")},
                              {{"k", arg::complex(0.5, 2)}});
  g.meta(n).seq_nr = 7;
  g.meta(n).set("anything", arg::list({1, "two"}));
  g.output(arg::list({arg::node(n), arg()}));
  GraphModule gm(g);
  Graph sub;
  sub.output(arg::node(sub.placeholder("p")));
  gm.add_submodule("", "body", sub);
  std::string text = write_fx_json(gm, "t");
  fx_document doc = read_fx_json(text);
  CHECK(doc.name == "t");
  CHECK(write_fx_json(doc.module, doc.name) == text);
  CHECK(graph_str(doc.module.submodule("body")) == graph_str(sub));
  CHECK(doc.module.graph().node(*doc.module.graph().find_node("foo_default")).meta() == g.meta(n));

  auto fails = fx_json_error;
  CHECK(fails(R"({"format": "fx-json/1", "nodes": [{"name": "a", "op": "call_function", "target": "aten.x.y", "args": [{"node": "zz"}], "kwargs": {}}]})") ==
        "/nodes/0/args: unknown node 'zz'");
  CHECK(fails(R"({"format": "fx-json/1", "nodes": [{"name": "a", "op": "bogus", "target": "t"}]})") ==
        "/nodes/0/op: unknown opcode 'bogus'");
  CHECK(fails(R"({"format": "fx-json/1", "nodes": [{"name": "a", "op": "placeholder", "target": "a"}, {"name": "a", "op": "placeholder", "target": "a"}]})") ==
        "/nodes/1/name: node name 'a' is taken by an earlier node");
  CHECK(fails(R"({"format": "fx-json/1", "nodes": [{"name": "a", "op": "placeholder", "target": "a", "args": [{"wat": 1}]}]})") ==
        "/nodes/0/args/0: unknown argument tag 'wat'");
  CHECK(fails(R"({"format": "fx-json/1", "nodes": [{"name": "a", "op": "placeholder", "target": "a"}, {"name": "b", "op": "call_function", "target": "aten.x.y", "args": [1, {"node": "a"}], "kwargs": {"alpha": {"wat": 1}}}]})") ==
        "/nodes/1/kwargs/alpha: unknown argument tag 'wat'");
  CHECK(fails(R"({"format": "fx-json/1", "nodes": [{"name": "a", "op": "placeholder", "target": "a", "meta": {"seq_nr": "x"}}]})")
            .starts_with("/nodes/0/meta/seq_nr: "));
  // a name FX would change but no one else has is FX's `node.name = ...` (a forced name)
  CHECK(graph_str(read_fx_json(R"({"format": "fx-json/1", "nodes": [{"name": "input", "op": "placeholder", "target": "input"}]})")
                      .module.graph()) == "graph():\n    %input : [num_users=0] = placeholder[target=input]");
  // input takes input_1 from FX's namespace and gives it back: a node named input_1 after it reads too
  CHECK(graph_str(read_fx_json(R"({"format": "fx-json/1", "nodes": [{"name": "input", "op": "placeholder", "target": "input"},
        {"name": "input_1", "op": "placeholder", "target": "input_1"}]})")
                      .module.graph()) ==
        "graph():\n    %input : [num_users=0] = placeholder[target=input]\n    %input_1 : [num_users=0] = placeholder[target=input_1]");
  CHECK(fails(R"({"format": "fx-json/1", "nodes": [{"name": "for", "op": "placeholder", "target": "a"}]})") ==
        "/nodes/0/name: node name 'for' is not one FX would give (it would be 'for_1')");
  CHECK(fails(R"({"format": "fx-json/1", "nodes": [], "submodules": [{"name": "s", "nodes": [{"name": "a", "op": "placeholder", "target": "a"}, {"name": "b", "op": "output", "target": "output", "args": [{"node": "q"}]}]}]})") ==
        "/submodules/0/nodes/1/args: unknown node 'q'");
  CHECK(fails(R"({"format": "fx-json/1", "nodes": [{"name": "a", "op": "placeholder", "target": "a", "args": [1, [2, {"float": "x"}]]}]})") ==
        "/nodes/0/args/1: {\"float\": ...} takes a number, \"inf\", \"-inf\" or \"nan\"");
  CHECK(fails(R"({"format": "fx-json/1", "nodes": [)") == "byte 34: unexpected end of input");
  // escaped keys and tags (decoded, not viewed in place), nested inside each other
  fx_document esc = read_fx_json(
      R"({"format": "fx-json/1", "nodes": [{"n\u0061me": "x", "op": "placeholder", "target": "x"}, {"name": "y", "o\u0070": "call_function", "target": "aten.x.y", "args": [{"tupl\u0065": [{"dtyp\u0065": "torch.float32"}, {"t\u0075ple": [{"node": "x"}]}]}]}]})");
  CHECK(format_node(esc.module.graph(), *esc.module.graph().find_node("y")) ==
        "%y : [num_users=0] = call_function[target=torch.ops.aten.x.y](args = ((torch.float32, (%x,)),), kwargs = {})");
  CHECK(fails(R"({"format": "fx-json/3", "nodes": []})") == "/format: unsupported format 'fx-json/3' (this reader knows fx-json/1 and fx-json/2)");
  std::string deep = R"({"format": "fx-json/1", "nodes": [{"name": "a", "op": "placeholder", "target": "a", "args": [)" +
                     std::string(2000, '[') + std::string(2000, ']') + "]}]}";
  CHECK(fails(deep).find("nest deeper than 1000") != std::string::npos);
  // forward references load; lint reports them
  fx_document fwd = read_fx_json(R"({"format": "fx-json/1", "nodes": [
    {"name": "b", "op": "call_function", "target": "operator.neg", "args": [{"node": "a"}], "kwargs": {}},
    {"name": "a", "op": "placeholder", "target": "a", "args": [], "kwargs": {}}]})");
  CHECK(lint_problems(fwd.module.graph()).size() == 1);
}

TEST_CASE("fx-json/1: keys in any order, node references with and without spaces, errors in each", "[graph][fx_json]") {
  std::string text = R"({"format": "fx-json/1", "nodes": [
    {"op": "placeholder", "name": "x", "target": "x", "type": "torch.Tensor"},
    {"name": "add", "type": null, "op": "call_function", "target": "operator.add", "meta": {}, "kwargs": {"alpha": {"node":"x"}}, "args": [{"node": "x"}, { "node" : "x" }]},
    {"name": "fwd", "op": "call_function", "target": "operator.mul", "args": [{"node": "later"}], "kwargs": {}, "meta": {}},
    {"name": "later", "op": "call_function", "target": "operator.neg", "args": [{"node": "add"}], "kwargs": {}, "meta": {}},
    {"name": "output", "op": "output", "target": "output", "args": [[{"node": "fwd"}, {"node": "later"}]], "kwargs": {}, "meta": {}}]})";
  fx_document doc = read_fx_json(text);
  const Graph& g = doc.module.graph();
  CHECK(graph_str(g) ==
        "graph():\n"
        "    %x : torch.Tensor [num_users=1] = placeholder[target=x]\n"
        "    %add : [num_users=1] = call_function[target=operator.add](args = (%x, %x), kwargs = {alpha: %x})\n"
        "    %fwd : [num_users=1] = call_function[target=operator.mul](args = (%later,), kwargs = {})\n"
        "    %later : [num_users=2] = call_function[target=operator.neg](args = (%add,), kwargs = {})\n"
        "    return [fwd, later]");
  CHECK(g.input_nodes(*g.find_node("add")) == std::vector<node_id>{*g.find_node("x")});

  // references the reader's cache of recent names must tell apart: long names that agree in their
  // first and last eight bytes and length, escaped names, a space before the closing brace
  fx_document longs = read_fx_json(R"({"format": "fx-json/1", "nodes": [
    {"name": "aaaaaaaa_x_bbbbbbbb", "op": "placeholder", "target": "aaaaaaaa_x_bbbbbbbb"},
    {"name": "aaaaaaaa_y_bbbbbbbb", "op": "placeholder", "target": "aaaaaaaa_y_bbbbbbbb"},
    {"name": "s", "op": "call_function", "target": "operator.sub", "args": [{"node": "aaaaaaaa_x_bbbbbbbb"}, {"node": "aaaaaaaa_y_bbbbbbbb"}]},
    {"name": "t", "op": "call_function", "target": "operator.sub", "args": [{"node": "aaaaaaaa_y_bbbbbbbb"}, {"node": "\u0073" }]}]})");
  CHECK(format_node(longs.module.graph(), *longs.module.graph().find_node("s")) ==
        "%s : [num_users=1] = call_function[target=operator.sub](args = (%aaaaaaaa_x_bbbbbbbb, %aaaaaaaa_y_bbbbbbbb), kwargs = {})");
  CHECK(format_node(longs.module.graph(), *longs.module.graph().find_node("t")) ==
        "%t : [num_users=0] = call_function[target=operator.sub](args = (%aaaaaaaa_y_bbbbbbbb, %s), kwargs = {})");

  auto fails = [](std::string_view nodes) {
    try {
      (void)read_fx_json(std::string(R"({"format": "fx-json/1", "nodes": [)") + std::string(nodes) + "]}");
    } catch (const aotkit::input_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(fails(R"({"name": "a", "op": "placeholder", "target": "a", "args": [{"node": "a", "x": 1}]})") ==
        "/nodes/0/args/0: a tagged argument has exactly one key");
  CHECK(fails(R"({"name": "a", "op": "placeholder", "target": "a", "args": [{"node": 3}]})") ==
        "/nodes/0/args/0: {\"node\": ...} needs a node name");
  CHECK(fails(R"({"name": "a", "op": "placeholder", "target": "a", "args": [{"node": "b\"}]})").starts_with("byte "));
  CHECK(fails(R"({"op": "placeholder", "target": "a"})") == "/nodes/0: a node needs \"name\", \"op\" and \"target\"");
  // a repeated key is an error, as in every reader of aotkit (Python's json would keep the last)
  CHECK(fails(R"({"name": "a", "name": "b", "op": "placeholder", "target": "a"})") == "/nodes/0: duplicate key 'name'");
  CHECK(fails(R"({"name": "if", "op": "placeholder", "target": "a"})") ==
        "/nodes/0/name: node name 'if' is not one FX would give (it would be 'if_1')");
}

TEST_CASE("emplace_node: arguments from spans, the name from a view", "[graph][create]") {
  Graph g;
  node_id x = g.placeholder("x");
  std::vector<arg> args{arg::node(x), 2, arg::list({arg::node(x)})};
  std::vector<kwarg> kwargs{{"alpha", arg::node(x)}};
  std::string buffer = "add_5 and more";
  node_id a = g.emplace_node(node_op::call_function, intern_op("operator.add"), args, kwargs,
                             std::string_view(buffer).substr(0, 5));
  CHECK(g.node(a).name() == "add_5");
  CHECK(g.node(a).args().size() == 3);
  CHECK(g.users(x) == std::vector<node_id>{a});
  node_id m = g.emplace_node(node_op::call_method, std::string("sum"), std::span<const arg>(args).first(1));
  CHECK(g.node(m).name() == "sum_1");  // `sum` shadows a builtin
  CHECK_THROWS_AS(g.emplace_node(node_op::call_function, std::string("f"), {}), aotkit::value_error);
  std::vector<arg> bad{arg::node(99)};
  CHECK_THROWS_AS(g.emplace_node(node_op::call_function, intern_op("operator.neg"), bad), aotkit::value_error);
  CHECK(g.size() == 3);
  CHECK(lint_problems(g).empty());
}

TEST_CASE("candidates repeated across many bases keep their own counters", "[graph][naming]") {
  // more bases than the memo of recent candidates holds, and enough to rebuild the base table
  Graph g;
  std::vector<std::string> bases;
  for (int b = 0; b < 60; ++b) bases.push_back("base" + std::string(1, static_cast<char>('a' + b % 26)) + std::string(static_cast<std::size_t>(b / 26), 'x'));
  bases.push_back("a-b");  // sanitized: never remembered as given
  bases.push_back("sum");  // illegal bare
  for (int round = 0; round < 4; ++round)
    for (const std::string& b : bases) {
      std::string got = g.node(g.call_function("operator.add", {}, {}, b)).name();
      std::string base = b == "a-b" ? "a_b" : b;
      std::string want = round == 0 && b != "sum" ? base : base + "_" + std::to_string(b == "sum" ? round + 1 : round);
      CHECK(got == want);
    }
  CHECK(lint_problems(g).empty());
}

TEST_CASE("call_function rejects an operator handle the registry never gave, before and after valid ones", "[graph][create]") {
  Graph g;
  node_id x = g.placeholder("x");
  op_handle bogus{0xFFFFFFF0u};
  CHECK_THROWS_AS(g.call_function(bogus, {arg::node(x)}), aotkit::value_error);
  node_id a = g.call_function(intern_op("aten.relu.default"), {arg::node(x)});
  CHECK_THROWS_AS(g.call_function(bogus, {arg::node(x)}, {}, std::string("named")), aotkit::value_error);
  CHECK_THROWS_AS(g.call_function(op_handle{}, {arg::node(x)}), aotkit::value_error);
  CHECK(g.size() == 2);
  CHECK(g.users(x) == std::vector<node_id>{a});
  CHECK(lint_problems(g).empty());
}

TEST_CASE("names of every length up to 40 that differ in one byte are told apart", "[graph][naming]") {
  Graph g;
  std::vector<std::pair<std::string, node_id>> made;
  for (std::size_t len = 1; len <= 40; ++len) {
    std::string base(len, 'a');
    made.emplace_back(base, g.placeholder(base));
    for (std::size_t at = 0; at < len; ++at) {
      std::string other = base;
      other[at] = 'b';
      if (g.find_node(other)) continue;  // made at an earlier position
      made.emplace_back(other, g.placeholder(other));
    }
  }
  for (const auto& [name, id] : made) {
    CHECK(g.node(id).name() == name);
    CHECK(g.find_node(name) == id);
  }
  CHECK(!g.find_node("c"));
  CHECK(!g.find_node(std::string(41, 'a')));
  CHECK(lint_problems(g).empty());
}

TEST_CASE("fx-json/1: strings needing escapes at every position of 8-byte words round trip", "[graph][fx_json]") {
  for (std::string_view special : {"\"", "\\", "\n", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac", " "}) {
    for (std::size_t len : {1u, 7u, 8u, 9u, 16u, 17u}) {
      for (std::size_t at = 0; at < len; ++at) {
        std::string text(len, 'a');
        text.replace(at, 1, special);
        Graph g;
        node_id x = g.placeholder("x");
        g.output(arg::tuple({arg::node(x), arg(text)}));
        std::string json = write_fx_json(g, text);
        fx_document doc = read_fx_json(json);
        CHECK(doc.name == text);
        CHECK(doc.module.graph().node(doc.module.graph().output_node()).args().front().items()[1].text() == text);
      }
    }
  }
}

TEST_CASE("fx-json/1: repeated meta values are shared, near misses are not", "[graph][fx_json]") {
  // The reader reuses a key's last value when the text repeats; a value that merely starts with
  // the last one's text ("ab" vs "abc", [1, 2] vs [1, 2, 3]) must still be read in full.
  fx_document doc = read_fx_json(R"({"format": "fx-json/1", "nodes": [
    {"name": "a", "op": "placeholder", "target": "a", "meta": {"s": "ab", "l": [1, 2], "d": {"k": [1]}}},
    {"name": "b", "op": "placeholder", "target": "b", "meta": {"s": "ab" , "l": [1, 2] , "d": {"k": [1]}}},
    {"name": "c", "op": "placeholder", "target": "c", "meta": {"s": "abc", "l": [1, 2, 3], "d": {"k": [1]}, "n": 1}},
    {"name": "d", "op": "placeholder", "target": "d", "meta": {"l": [1, 2]}},
    {"name": "output", "op": "output", "target": "output", "args": [null]}]})");
  const Graph& g = doc.module.graph();
  auto meta = [&](const char* node, const char* key) { return g.node(*g.find_node(node)).meta().get(key); };
  CHECK(*meta("a", "s") == arg("ab"));
  CHECK(*meta("b", "s") == arg("ab"));
  CHECK(*meta("c", "s") == arg("abc"));
  CHECK(*meta("b", "l") == arg::list({1, 2}));
  CHECK(*meta("c", "l") == arg::list({1, 2, 3}));
  CHECK(*meta("d", "l") == arg::list({1, 2}));
  CHECK(*meta("c", "d") == arg::dict({{"k", arg::list({1})}}));
  CHECK(*meta("c", "n") == arg(1));
  CHECK(!meta("d", "s"));
}

TEST_CASE("GraphModule walks modules as FX's modules() does", "[graph][module]") {
  GraphModule gm;
  gm.add_submodule("", "a", Graph{});
  gm.add_submodule("", "b", Graph{});
  gm.add_submodule("a", "inner", Graph{}, true);
  std::vector<std::string> order;
  for (const auto& [path, g] : std::as_const(gm).named_modules()) order.push_back(path);
  CHECK(order == std::vector<std::string>{"", "a", "a.inner", "b"});
  CHECK(gm.is_impure("a.inner"));
  CHECK_THROWS_AS(gm.add_submodule("", "a", Graph{}), aotkit::key_error);
  gm.graph().call_module("missing", {});
  CHECK_NOTHROW(lint(gm));  // no attributes known: no owning module to check targets against
  gm.set_attributes({});    // the submodule graphs are its only attributes
  CHECK_THROWS_WITH(lint(gm), "Node missing target missing references nonexistent attribute missing of ");
}

TEST_CASE("lint resolves get_attr and call_module targets through the module's attributes, with FX's texts", "[graph][module]") {
  // texts as torch 2.6's Graph.lint raises them (fx/graph.py, "Check targets are legit")
  GraphModule gm;
  gm.set_attributes({{"block", attribute_kind::module, "torch.nn.modules.container.Sequential"},
                     {"block.0", attribute_kind::module, "torch.nn.modules.linear.Linear"},
                     {"block.0.weight", attribute_kind::parameter, "torch.nn.parameter.Parameter"},
                     {"shift", attribute_kind::buffer, "torch.Tensor", false},
                     {"table", attribute_kind::attribute, "torch.Tensor"}});
  Graph& g = gm.graph();
  node_id x = g.placeholder("x");
  g.get_attr("block.0.weight");
  g.get_attr("shift");
  g.get_attr("table");  // FX only warns: not a module, parameter or buffer
  node_id y = g.call_module("block.0", {arg::node(x)});
  g.output(arg::node(y));
  CHECK_NOTHROW(lint(gm));
  CHECK(gm.attribute_at("block.0") == attribute_kind::module);
  CHECK(!gm.attribute_at("block.1"));

  GraphModule missing = gm;
  missing.graph().call_module("block.1", {});
  CHECK_THROWS_WITH(lint(missing), "Node block_1 target block.1 references nonexistent attribute 1 of block");
  GraphModule not_module = gm;
  not_module.graph().call_module("block.0.weight", {});
  CHECK_THROWS_WITH(lint(not_module), "Node block_0_weight_1 target block.0.weight weight of block.0 does not reference an nn.Module");
  GraphModule nested_attr = gm;
  nested_attr.graph().get_attr("table.real");  // the walk stays on the root after a plain attribute
  CHECK_THROWS_WITH(lint(nested_attr), "Node table_real target table.real references nonexistent attribute real of table");

  // attributes survive fx-json/2, which is what the writer says it wrote
  std::string text = write_fx_json(gm);
  CHECK(text.starts_with(R"({"format": "fx-json/2")"));
  fx_document back = read_fx_json(text);
  REQUIRE(back.module.attributes_known());
  CHECK(std::ranges::equal(back.module.attributes(), gm.attributes()));
  CHECK(write_fx_json(GraphModule{}).starts_with(R"({"format": "fx-json/1")"));
  CHECK_THROWS_WITH(gm.set_attributes({{"a", attribute_kind::module, ""}, {"a", attribute_kind::buffer, ""}}), "attribute 'a' given twice");
  CHECK_THROWS_AS(gm.set_attributes({{"a b", attribute_kind::module, ""}}), aotkit::value_error);
}

TEST_CASE("fx-json/2 codegen: FX's pytree code generator, read, printed and written", "[graph][fx_json]") {
  std::string in_spec =
      R"([1, {\"type\": \"builtins.tuple\", \"context\": \"null\", \"children_spec\": [{\"type\": \"builtins.tuple\", \"context\": \"null\", \"children_spec\": [{\"type\": null, \"context\": null, \"children_spec\": []}]}, {\"type\": \"builtins.dict\", \"context\": \"[\\\"scale\\\"]\", \"children_spec\": [{\"type\": null, \"context\": null, \"children_spec\": []}]}]}])";
  std::string text = R"({"format": "fx-json/2", "nodes": [
    {"name": "x", "op": "placeholder", "target": "x", "args": [], "kwargs": {}, "meta": {}},
    {"name": "scale", "op": "placeholder", "target": "scale", "args": [], "kwargs": {}, "meta": {}, "type": "float"},
    {"name": "mul", "op": "call_function", "target": "aten.mul.Tensor", "args": [{"node": "x"}, {"node": "scale"}], "kwargs": {}, "meta": {}},
    {"name": "output", "op": "output", "target": "output", "args": [{"tuple": [{"node": "mul"}]}], "kwargs": {}, "meta": {}}],
    "codegen": {"kind": "pytree", "orig_args": ["x", "scale"], "in_spec": ")" + in_spec + R"(", "out_spec": null}})";
  fx_document doc = read_fx_json(text);
  REQUIRE(doc.module.graph().codegen().has_value());
  // _PyTreeCodeGen with an (args, kwargs) in_spec; an annotated placeholder gets its own line; no
  // out_spec: a plain return
  CHECK(python_code(doc.module.graph()) ==
        "\n\n\ndef forward(self, x, scale):\n    scale : float; \n\n    x, scale , = fx_pytree.tree_flatten_spec(([x], "
        "{'scale':scale}), self._in_spec)\n    mul = torch.ops.aten.mul.Tensor(x, scale);  x = scale = None\n    return (mul,)\n    ");
  fx_document back = read_fx_json(write_fx_json(doc.module));
  CHECK(back.module.graph().codegen() == doc.module.graph().codegen());

  auto fails = [&](std::string_view codegen) {
    std::string t = R"({"format": "fx-json/2", "nodes": [], "codegen": )" + std::string(codegen) + "}";
    try {
      (void)read_fx_json(t);
    } catch (const aotkit::input_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(fails(R"({"kind": "boxed"})").starts_with("/codegen: unknown code generator 'boxed'"));
  CHECK(fails(R"({"kind": "pytree"})") == "/codegen: a pytree code generator needs \"in_spec\"");
  CHECK(fails(R"({"kind": "pytree", "in_spec": "[7]"})").starts_with("/codegen/in_spec: not a treespec_dumps text"));
  CHECK(fails(R"({"kind": "pytree", "orig_args": ["a b"], "in_spec": "[1, null]"})")
            .starts_with("/codegen/orig_args/0: 'a b' is not an identifier"));
}
