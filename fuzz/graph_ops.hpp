// fuzz/graph_ops.hpp — random FX API sequences driven by a choice source: the graph_api fuzz target
// and the graph properties share it. Include after `import aotkit.runtime; import aotkit.graph;` (and <algorithm>,
// <cstdint>, <functional>, <ranges>, <set>, <string>, <vector>, <unordered_map>).
#pragma once

namespace aotkit_testing {

using namespace aotkit::graph;

/// A graph under random edits that stays topologically ordered: x placeholders, then calls, then
/// one output. `pick(n)` returns a choice in [0, n). At `max_nodes` nodes, creating one erases a
/// node instead: every step costs O(max_nodes), so a fuzzer runs thousands of sequences a second
/// (the bugs an API sequence finds show in small graphs; big ones are the benchmarks' business).
class graph_driver {
 public:
  /// `round_trips`: whether fx-json round trips are among the steps (a fuzzer that does one per
  /// input itself passes false: parsing text under coverage instrumentation costs more than
  /// everything else together).
  explicit graph_driver(std::function<std::size_t(std::size_t)> pick, std::size_t max_nodes = 32, bool round_trips = true)
      : pick_(std::move(pick)), max_nodes_(max_nodes), round_trips_(round_trips) {
    for (int i = 0; i < 2; ++i) g.placeholder("x");
    g.output(arg::node(g.first()));
  }

  Graph g;

  /// Applies one operation; returns its name (for messages).
  std::string step() {
    // Local edits four times as often as the whole-graph steps (copy, DCE, fx-json), which cost
    // O(n) each and dominate the run time under sanitizers.
    static constexpr std::size_t weights[] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                              4, 4, 4, 4, 5, 5, 5, 5, 6, 7, 8, 0, 1, 2, 3, 9};
    std::size_t choice = weights[pick_(32)];
    if (choice == 8 && !round_trips_) choice = 0;
    if (choice <= 1 && g.size() >= max_nodes_) choice = 3;  // full: drop a node instead
    switch (choice) {
      case 0: return add_call(g.output_node());
      case 1: {
        auto calls = live(node_op::call_function);
        return calls.empty() ? add_call(g.output_node()) : add_call(calls[pick_(calls.size())]);
      }
      case 2: {
        auto calls = live(node_op::call_function);
        for (node_id n : calls)
          if (g.node(n).num_users() == 0) {
            g.erase_node(n);
            return "erase";
          }
        return "erase(none)";
      }
      case 3: {  // RAUW a call by an earlier node, then drop it
        auto calls = live(node_op::call_function);
        if (calls.empty()) return "rauw(none)";
        node_id a = calls[pick_(calls.size())];
        auto before = earlier(a);
        node_id b = before[pick_(before.size())];
        g.replace_all_uses_with(a, b);
        g.erase_node(a);
        return "rauw";
      }
      case 4: {  // rewire a call's arguments to other earlier nodes
        auto calls = live(node_op::call_function);
        if (calls.empty()) return "set_args(none)";
        node_id a = calls[pick_(calls.size())];
        g.set_args(a, random_args(earlier(a)));
        return "set_args";
      }
      case 5: {  // point the output at something else
        auto all = earlier(g.output_node());
        g.set_args(g.output_node(), {arg::list({arg::node(all[pick_(all.size())]), arg()})});
        return "output";
      }
      case 6: {
        Graph copy = g;
        if (graph_str(copy) != graph_str(g)) throw std::logic_error("copy prints differently");
        g = std::move(copy);
        return "copy";
      }
      case 7: {
        std::vector<std::string> removed;
        eliminate_dead_code(g, {}, &removed);
        return "dce";
      }
      case 9: {  // node.name = ...: builtins, suffixes FX would spell otherwise, taken or unbindable ones (refused)
        auto all = g.nodes();
        static const char* const names[] = {"input", "list", "sum", "x_01", "x_1", "x", "add_007", "for", "y", "x_2"};
        try {
          g.force_name(all[pick_(all.size())], names[pick_(std::size(names))]);
        } catch (const aotkit::value_error&) {
        }
        (void)python_code(g);  // generated code renames what FX's code generator renames
        return "force_name";
      }
      default: return round_trip();
    }
  }

  /// Writes the graph as fx-json/1 and reads it back in its place; it must print the same.
  std::string round_trip() {
    fx_document doc = read_fx_json(write_fx_json(g));
    if (graph_str(doc.module.graph()) != graph_str(g)) throw std::logic_error("fx-json round trip changed the graph");
    g = std::move(doc.module.graph());
    return "fx-json";
  }

  /// The invariants every step keeps: lint-clean, and users equal to the nodes whose arguments
  /// reference each node (no dangling references).
  [[nodiscard]] std::string check() const {
    auto problems = lint_problems(g);
    if (!problems.empty()) return problems.front();
    // (user, producer) pairs from the arguments, once per distinct producer of each user
    std::vector<std::pair<node_id, node_id>> expected, actual;
    std::vector<node_id> nodes = g.nodes();
    for (node_id n : nodes) {
      std::size_t from = expected.size();
      auto add = [&](node_id p) { expected.emplace_back(p, n); };
      for (const arg& a : g.node(n).args()) for_each_node(a, add);
      for (const kwarg& kw : g.node(n).kwargs()) for_each_node(kw.second, add);
      std::sort(expected.begin() + static_cast<std::ptrdiff_t>(from), expected.end());
      expected.erase(std::unique(expected.begin() + static_cast<std::ptrdiff_t>(from), expected.end()), expected.end());
      for (node_id u : g.users(n)) actual.emplace_back(n, u);
      // the lazy ranges walk the same lists as the snapshots
      if (!std::ranges::equal(g.user_range(n), g.users(n))) return "user_range of " + g.node(n).name() + " disagrees with users";
      if (!std::ranges::equal(g.input_range(n), g.input_nodes(n)))
        return "input_range of " + g.node(n).name() + " disagrees with input_nodes";
    }
    if (!std::ranges::equal(g.node_range(), nodes)) return "node_range disagrees with nodes";
    for (node_op op : all_node_ops)
      if (g.count_nodes(op) != live(op).size()) return "count_nodes(" + std::string(to_string(op)) + ") disagrees with the list";
    std::sort(expected.begin(), expected.end());
    std::sort(actual.begin(), actual.end());
    if (expected != actual) {
      auto [a, b] = std::mismatch(expected.begin(), expected.end(), actual.begin(), actual.end());
      node_id n = a != expected.end() ? a->first : b->first;
      return "users of " + g.node(n).name() + " disagree with the arguments";
    }
    return {};
  }

 private:
  std::vector<node_id> live(node_op op) const {
    std::vector<node_id> out;
    for (node_id n : g.nodes())
      if (g.node(n).op() == op) out.push_back(n);
    return out;
  }
  std::vector<node_id> earlier(node_id n) const {
    std::vector<node_id> out;
    for (node_id m = g.first(); m != n; m = g.node(m).next()) out.push_back(m);
    return out;
  }
  std::vector<arg> random_args(const std::vector<node_id>& pool) {
    std::vector<arg> args;
    std::size_t n = 1 + pick_(3);
    for (std::size_t i = 0; i < n; ++i) {
      switch (pick_(4)) {
        case 0: args.push_back(static_cast<std::int64_t>(pick_(5))); break;
        case 1: args.push_back(arg::list({arg::node(pool[pick_(pool.size())]), 1.5})); break;
        default: args.push_back(arg::node(pool[pick_(pool.size())]));
      }
    }
    return args;
  }
  std::string add_call(node_id before) {
    static const char* const ops[] = {"aten.add.Tensor", "aten.relu.default", "operator.getitem", "aten.add_.Tensor",
                                      "aten.rand.default", "prims._sink_tokens.default"};
    auto pool = earlier(before);
    auto guard = g.inserting_before(before);
    g.call_function(ops[pick_(6)], random_args(pool));
    return "create";
  }

  std::function<std::size_t(std::size_t)> pick_;
  std::size_t max_nodes_;
  bool round_trips_;
};

/// The nodes DCE must keep: impure ones and everything they (transitively) use.
inline std::set<node_id> dce_survivors(const Graph& g) {
  std::set<node_id> keep;
  std::vector<node_id> work;
  for (node_id n : g.nodes())
    if (is_impure(g, n)) work.push_back(n);
  while (!work.empty()) {
    node_id n = work.back();
    work.pop_back();
    if (!keep.insert(n).second) continue;
    for (node_id p : g.input_nodes(n)) work.push_back(p);
  }
  return keep;
}

}  // namespace aotkit_testing
