// tests/graph/conformance.test.cpp — every graph torch 1.13 recorded in the shared data: lint
// verdict, str(graph), python code (non-joint graphs), DCE results, fx-json round trip.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../data_files.hpp"

import aotkit.graph;

using namespace aotkit::graph;

using aotkit_testing::slurp;

namespace {
std::vector<std::filesystem::path> graph_files() { return aotkit_testing::json_documents(AOTKIT_GRAPH_DATA); }
}  // namespace

TEST_CASE("the shared graphs print, lint and DCE exactly as torch 1.13 recorded", "[graph][conformance]") {
  auto files = graph_files();
  REQUIRE(files.size() >= 13);
  for (const auto& file : files) {
    INFO(file.filename().string());
    std::string text = slurp(file);
    auto oracle = nlohmann::json::parse(text);
    fx_document doc = read_fx_json(text);
    Graph& g = doc.module.graph();
    CHECK(g.size() == oracle["num_nodes"].get<std::size_t>());
    CHECK(lint_problems(g).empty() == oracle["checks"]["lint_ok"].get<bool>());
    CHECK(graph_str(g, print_style::torch1_13) == oracle["graph_str"].get<std::string>());
    if (file.filename().string().find("joint") == std::string::npos)
      CHECK(python_code(g, print_style::torch1_13) == oracle["python_code"].get<std::string>());

    Graph copy = g;
    std::vector<std::string> removed;
    CHECK(eliminate_dead_code(copy, {}, &removed) == oracle["checks"]["dce_changed"].get<bool>());
    CHECK(std::set<std::string>(removed.begin(), removed.end()) ==
          oracle["checks"]["dce_removed"].get<std::set<std::string>>());

    // the output cut to its first value
    Graph cut = g;
    node_id out = cut.output_node();
    const arg& result = cut.node(out).args().front();
    // "first value": the first node the output returns (None entries are skipped)
    arg first = result;
    if (result.is_sequence())
      for (const arg& x : result.items())
        if (x.is_node()) {
          first = x;
          break;
        }
    REQUIRE(cut.node(first.to_node()).name() == oracle["checks"]["keep_first_output"].get<std::string>());
    cut.set_args(out, {arg::list({first})});
    removed.clear();
    eliminate_dead_code(cut, {}, &removed);
    CHECK(std::set<std::string>(removed.begin(), removed.end()) ==
          oracle["checks"]["keep_first_output_dce_removed"].get<std::set<std::string>>());
    CHECK(lint_problems(cut).empty());

    // write → read gives the same graph
    fx_document again = read_fx_json(write_fx_json(doc.module, doc.name));
    CHECK(graph_str(again.module.graph()) == graph_str(g));
    CHECK(write_fx_json(again.module, again.name) == write_fx_json(doc.module, doc.name));
  }
}
