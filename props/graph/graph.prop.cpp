// props/graph/graph.prop.cpp — laws of the graph IR under random API sequences: lint-clean, use lists
// equal to the arguments, DCE exact and idempotent, fx-json and copy round trips.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

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

}  // namespace

TEST_CASE("graph laws", "[graph]") {
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
