// props/graph/graph.prop.cpp — laws of the graph IR under random API sequences: lint-clean, use lists
// equal to the arguments, DCE exact and idempotent, fx-json and copy round trips.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <ranges>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

import aotkit.runtime;
import aotkit.graph;

#include "../../fuzz/graph_ops.hpp"

using namespace aotkit::graph;
using aotkit_testing::graph_driver;

namespace {

graph_driver random_graph(std::size_t steps) {
  graph_driver d([](std::size_t n) { return *rc::gen::inRange<std::size_t>(0, n); });
  for (std::size_t i = 0; i < steps; ++i) {
    std::string op = d.step();
    std::string problem = d.check();
    RC_ASSERT(problem.empty());
  }
  return d;
}

// torch 2.x's _Namespace.create_name, written the plain way (a set of used names, a counter per
// base, std::regex for the suffix): the model the graph's shortcuts must agree with. Suffixes over
// 18 digits stay part of the base (they do not fit 64 bits), as documented for Graph.
struct namespace_model {
  std::set<std::string> used;
  std::map<std::string, std::uint64_t> count;
  static bool illegal(const std::string& n) {
    return n == "input" || n == "for" || n == "torch" || n == "sum" || n == "list" || n == "None";
  }
  std::string create(const std::string& raw, bool take = true) {
    std::string c = std::regex_replace(raw, std::regex("[^0-9a-zA-Z_]+"), "_");
    if (c.empty()) c = "_unnamed";
    if (c[0] >= '0' && c[0] <= '9') c = "_" + c;
    std::smatch m;
    std::string base = c;
    std::uint64_t num = 0;
    bool has_num = false;
    if (std::regex_match(c, m, std::regex("(.*)_(\\d+)")) && m[2].length() <= 18) {
      base = m[1];
      num = std::stoull(m[2]);
      has_num = true;
    }
    std::string cand = has_num ? base + "_" + std::to_string(num) : base;
    if (num == 0) num = count[base];
    while (used.contains(cand) || illegal(cand)) cand = base + "_" + std::to_string(++num);
    if (take) {
      used.insert(cand);
      count[base] = num;
    }
    return cand;
  }
};

}  // namespace

TEST_CASE("graph laws", "[graph]") {
  rc::prop("node names are torch 2.x's _Namespace names, counters and explicit suffixes mixed", [] {
    const std::vector<std::string> bases{"add", "x", "a_1", "input", "for", "torch", "9z", "a-b", "_", "", "sum"};
    const std::vector<std::string> suffixes{"", "", "", "_0", "_1", "_2", "_3", "_007", "_10",
                                            "_999999999999999999", "_1000000000000000000", "_12345678901234567890"};
    Graph g;
    namespace_model model;
    auto steps = *rc::gen::inRange<std::size_t>(1, 80);
    for (std::size_t i = 0; i < steps; ++i) {
      std::string raw = *rc::gen::elementOf(bases) + *rc::gen::elementOf(suffixes);
      if (*rc::gen::inRange(0, 8) == 0) {
        RC_ASSERT(g.peek_name(raw) == model.create(raw, false));
        continue;
      }
      node_id n = g.call_function("operator.mul", {}, {}, raw);
      RC_ASSERT(g.node(n).name() == model.create(raw));
      RC_ASSERT(g.find_node(g.node(n).name()).value_or(no_node) == n);
    }
    RC_ASSERT(lint_problems(g).empty());
  });

  rc::prop("random API sequences keep the graph lint-clean with consistent use lists", [] {
    random_graph(*rc::gen::inRange<std::size_t>(0, 60));
  });
  rc::prop("DCE removes exactly the pure nodes no impure node depends on, and is idempotent", [] {
    graph_driver d = random_graph(*rc::gen::inRange<std::size_t>(0, 40));
    auto keep = aotkit_testing::dce_survivors(d.g);
    eliminate_dead_code(d.g);
    auto after = d.g.nodes();
    RC_ASSERT(std::set<node_id>(after.begin(), after.end()) == keep);
    RC_ASSERT(!eliminate_dead_code(d.g));
  });
  rc::prop("fx-json round trip and copies print the same graph", [] {
    graph_driver d = random_graph(*rc::gen::inRange<std::size_t>(0, 40));
    std::string text = write_fx_json(d.g);
    fx_document doc = read_fx_json(text);
    RC_ASSERT(graph_str(doc.module.graph()) == graph_str(d.g));
    RC_ASSERT(python_code(doc.module.graph()) == python_code(d.g));
    RC_ASSERT(write_fx_json(doc.module.graph()) == text);
  });
}
