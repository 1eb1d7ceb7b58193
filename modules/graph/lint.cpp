// modules/graph/lint.cpp — lint: FX's checks (topological order, names, owning-module targets),
// the texts codegen pastes in, and the use-list invariants the arena keeps.
module;
#include <algorithm>
#include <cstddef>
#include <optional>
#include <functional>
#include <string>
#include <string_view>
#include <vector>
module aotkit.graph;

import aotkit.runtime;

namespace aotkit::graph {

std::vector<std::string> lint_problems(const Graph& g) {
  std::vector<std::string> problems;
  std::vector<char> seen(g.capacity(), 0);
  std::size_t count = 0;
  const std::vector<node_id> misnamed = g.misnamed_nodes();  // in list order
  std::size_t next_misnamed = 0;
  std::vector<node_id> unlinked;
  for (node_id n : g.node_range()) {
    const Node& node = g.node(n);
    ++count;
    if (node.erased()) problems.push_back("Node '" + node.name() + "' does not belong to this Graph!");
    auto check_input = [&](node_id p) {
      if (p < seen.size() && seen[p]) return;  // defined earlier in this list: the common case
      if (p >= g.capacity() || g.node(p).erased()) {
        problems.push_back("Argument '" + (p < g.capacity() ? g.node(p).name() : "#" + std::to_string(p)) +
                           "' of Node '" + node.name() +
                           "' does not belong to this Graph, but was used as an argument! If you are copying nodes "
                           "from another graph, make sure to use ``arg_transform`` on node_copy() to remap values");
      } else {
        problems.push_back("Argument '" + g.node(p).name() + "' of Node '" + node.name() +
                           "' was used before it has been defined! Please check that Nodes in the graph are "
                           "topologically ordered");
      }
    };
    for (const arg& a : node.args()) for_each_node(a, check_input);
    for (const kwarg& kw : node.kwargs()) for_each_node(kw.second, check_input);
    // the name table maps each name to one node: another node answering to it is a redefinition
    if (next_misnamed < misnamed.size() && misnamed[next_misnamed] == n) {
      problems.push_back("Node redefined name " + node.name() + "!");
      ++next_misnamed;
    }
    // text that generated code pastes in must not be able to break out of it (creation checks it,
    // and the registry checks operator names; lint says so for a graph that got past that)
    if (node.op() != node_op::call_function) {
      if (const char* problem = target_text_problem(node.op(), node.target()))
        problems.push_back("Node " + node.name() + " target '" + quote_excerpt(node.target()) + "': " + problem);
    }
    if (const char* problem = type_text_problem(node.type()))
      problems.push_back("Node " + node.name() + " type '" + quote_excerpt(node.type()) + "': " + problem);
    seen[n] = 1;
    // the side table and the use lists (FX's users dicts) must agree with the nodes; checked in
    // the same pass, reported after FX's own problems
    if (!g.links_consistent(n)) unlinked.push_back(n);
  }
  if (count != g.size()) problems.push_back("graph holds " + std::to_string(g.size()) + " nodes but its list has " + std::to_string(count));
  for (node_id n : unlinked) problems.push_back("Node '" + g.node(n).name() + "' is not added to the side table");
  return problems;
}

void lint(const Graph& g) {
  auto problems = lint_problems(g);
  if (problems.empty()) return;
  std::string msg = problems.front();
  if (msg.find("topologically ordered") != std::string::npos || msg.find("arg_transform") != std::string::npos)
    msg += "\n" + graph_str(g);
  throw runtime_error(msg);
}

std::optional<std::string> target_problem(const GraphModule& gm, std::string_view path, const Node& node) {
  // FX's lint walks the target's atoms with getattr from the owning module (graph.py, "Check
  // targets are legit"); seen_qualname is the part walked so far ("" for the first atom)
  const std::string& target = node.target();
  std::string base(path), seen;
  std::size_t start = 0;
  for (bool first = true;; first = false) {
    std::size_t dot = target.find('.', start);
    std::string_view atom = std::string_view(target).substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    std::string full = base.empty() ? std::string(atom) : base + "." + std::string(atom);
    std::optional<attribute_kind> kind = gm.attribute_at(full);
    if (!kind)
      return "Node " + node.name() + " target " + target + " references nonexistent attribute " + std::string(atom) + " of " + seen;
    if (node.op() == node_op::call_module && *kind != attribute_kind::module)
      return "Node " + node.name() + " target " + target + " " + std::string(atom) + " of " + seen +
             " does not reference an nn.Module";
    // get_attr of a plain attribute only warns in FX, and its walk stays on the module it was on
    if (node.op() == node_op::call_module || *kind != attribute_kind::attribute) base = std::move(full);
    if (!first) seen += '.';
    seen += atom;
    if (dot == std::string::npos) return std::nullopt;
    start = dot + 1;
  }
}

void lint(const GraphModule& gm) {
  for (const auto& [path, g] : gm.named_modules()) {
    lint(*g);
    // FX checks targets only against an owning module; without its attributes there is none
    if (!gm.attributes_known()) continue;
    for (node_id n : g->node_range()) {
      const Node& node = g->node(n);
      if (node.op() != node_op::call_module && node.op() != node_op::get_attr) continue;
      if (auto problem = target_problem(gm, path, node)) throw runtime_error(*problem);
    }
  }
}

}  // namespace aotkit::graph
