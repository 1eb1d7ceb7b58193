// tests/pt2/effects.test.cpp — _remove_effect_tokens on loaded torch 2.6 programs with ordered
// effects (aten._print threaded through tokens), against torch's own pass; the program still runs.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "../data_files.hpp"

import aotkit.runtime;
import aotkit.pytree;
import aotkit.graph;
import aotkit.rewrite;
import aotkit.pt2;

using namespace aotkit::pt2;
using aotkit::runtime::Value;
using aotkit_testing::slurp;

namespace {
const std::filesystem::path data_dir = "tests/pt2/data/torch26_tokens";
}  // namespace

TEST_CASE("_remove_effect_tokens gives torch 2.6's graph and signature", "[pt2][effects]") {
  std::size_t checked = 0;
  for (const char* name : {"prints", "print_int"}) {
    INFO(name);
    auto oracle = nlohmann::json::parse(slurp(data_dir / (std::string(name) + ".oracle.json")));
    ExportedProgram loaded = ExportedProgram::load(zip_archive::open(data_dir / (std::string(name) + ".pt2")));
    exported_program ep = loaded.program();
    std::size_t tokens = 0;
    for (const input_spec& s : ep.inputs) tokens += s.kind == input_kind::token ? 1 : 0;
    REQUIRE(tokens == 1);
    CHECK(_remove_effect_tokens(ep) == 1);
    CHECK(aotkit::graph::graph_str(ep.module.graph()) == oracle["graph_str"].get<std::string>());
    CHECK(aotkit::graph::python_code(ep.module.graph()) == oracle["python_code"].get<std::string>());
    REQUIRE(ep.inputs.size() == oracle["inputs"].size());
    for (std::size_t i = 0; i < ep.inputs.size(); ++i) {
      CHECK(std::string(to_string(ep.inputs[i].kind)) == oracle["inputs"][i]["kind"].get<std::string>());
      CHECK(ep.inputs[i].arg == oracle["inputs"][i]["arg"].get<std::string>());
    }
    REQUIRE(ep.outputs.size() == oracle["outputs"].size());
    for (std::size_t i = 0; i < ep.outputs.size(); ++i) CHECK(ep.outputs[i].arg == oracle["outputs"][i]["arg"].get<std::string>());
    aotkit::graph::lint(ep.module);

    // the program without tokens runs as before: same outputs, same effects in the same order
    ExportedProgram with_tokens = loaded;
    auto before = with_tokens(*loaded.example_inputs());
    ExportedProgram without(ep, loaded.state_dict(), loaded.constants(), loaded.example_inputs());
    auto after = without(*loaded.example_inputs());
    REQUIRE(before.leaves().size() == after.leaves().size());
    for (std::size_t i = 0; i < before.leaves().size(); ++i) CHECK(aotkit::rewrite::same_value(before.leaves()[i], after.leaves()[i]));
    CHECK(with_tokens.effect_log() == without.effect_log());
    CHECK(!without.effect_log().empty());
    const auto& want = oracle["example_outputs"];
    REQUIRE(after.leaves().size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      auto v = aotkit::rewrite::as_dense(after.leaves()[i]).values();
      REQUIRE(v.size() == want[i]["values"].size());
      for (std::size_t k = 0; k < v.size(); ++k) CHECK(std::fabs(v[k] - want[i]["values"][k].get<double>()) <= 1e-5);
    }
    ++checked;
  }
  CHECK(checked == 2);
}

TEST_CASE("_remove_effect_tokens: a program without tokens is unchanged; mismatched tokens are refused", "[pt2][effects]") {
  exported_program ep = load_exported_program(zip_archive::open("tests/pt2/data/torch26/mlp_training_ir.pt2"));
  std::string before = aotkit::graph::graph_str(ep.module.graph());
  CHECK(_remove_effect_tokens(ep) == 0);
  CHECK(aotkit::graph::graph_str(ep.module.graph()) == before);
  exported_program broken = load_exported_program(zip_archive::open(data_dir / "prints.pt2"));
  std::erase_if(broken.outputs, [](const output_spec& s) { return s.kind == output_kind::token; });
  CHECK_THROWS_AS(_remove_effect_tokens(broken), aotkit::assertion_error);
}
