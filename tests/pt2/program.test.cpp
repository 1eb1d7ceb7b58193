// tests/pt2/program.test.cpp — the program JSON of torch 2.6's archives read as torch.export.load
// rebuilds it: str(ep.graph), ep.graph_module.code (and the HOP subgraphs') and the signature,
// byte for byte against tests/pt2/data/torch26/*.loaded.json (tools/capture_pt2_loaded.py).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "../data_files.hpp"

import aotkit.runtime;
import aotkit.graph;
import aotkit.pytree;
import aotkit.pt2;

using namespace aotkit::pt2;
using aotkit_testing::slurp;

namespace {
const std::filesystem::path torch26_dir = "tests/pt2/data/torch26";
}

TEST_CASE("torch 2.6 archives: str(ep.graph), ep.graph_module.code and the signature as torch.export.load gives them",
          "[pt2][program]") {
  std::size_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(torch26_dir)) {
    if (entry.path().extension() != ".pt2") continue;
    INFO(entry.path());
    auto loaded = nlohmann::json::parse(slurp(std::filesystem::path(entry.path()).replace_extension(".loaded.json")));
    exported_program ep = load_exported_program(zip_archive::open(entry.path()));
    CHECK(ep.schema_major == 8);
    CHECK(ep.schema_minor == 2);
    CHECK(aotkit::graph::graph_str(ep.module.graph()) == loaded["graph_str"].get<std::string>());
    CHECK(aotkit::graph::python_code(ep.module.graph()) == loaded["python_code"].get<std::string>());
    for (const auto& [name, code] : loaded["submodules"].items()) {
      INFO(name);
      REQUIRE(ep.module.has_submodule(name));
      CHECK(aotkit::graph::python_code(ep.module.submodule(name)) == code.get<std::string>());
    }
    const auto& sig = loaded["signature"];
    REQUIRE(ep.inputs.size() == sig["inputs"].size());
    for (std::size_t i = 0; i < ep.inputs.size(); ++i) {
      const auto& want = sig["inputs"][i];
      CHECK(std::string(to_string(ep.inputs[i].kind)) == want["kind"].get<std::string>());
      CHECK(ep.inputs[i].arg == want["arg"].get<std::string>());
      CHECK(ep.inputs[i].target.value_or("<null>") == (want["target"].is_null() ? "<null>" : want["target"].get<std::string>()));
      CHECK(ep.inputs[i].persistent.has_value() == !want["persistent"].is_null());
      if (ep.inputs[i].persistent) CHECK(*ep.inputs[i].persistent == want["persistent"].get<bool>());
    }
    REQUIRE(ep.outputs.size() == sig["outputs"].size());
    for (std::size_t i = 0; i < ep.outputs.size(); ++i) {
      const auto& want = sig["outputs"][i];
      CHECK(std::string(to_string(ep.outputs[i].kind)) == want["kind"].get<std::string>());
      CHECK(ep.outputs[i].arg == want["arg"].get<std::string>());
      CHECK(ep.outputs[i].target.value_or("<null>") == (want["target"].is_null() ? "<null>" : want["target"].get<std::string>()));
    }
    // the calling convention: the oracle's specs (treespec_dumps) load, and dump back byte for byte
    auto oracle = nlohmann::json::parse(slurp(std::filesystem::path(entry.path()).replace_extension(".oracle.json")));
    CHECK(aotkit::pytree::treespec_dumps(ep.in_spec()) == oracle["in_spec"].get<std::string>());
    CHECK(aotkit::pytree::treespec_dumps(ep.out_spec()) == oracle["out_spec"].get<std::string>());
    aotkit::graph::lint(ep.module);
    if (entry.path().stem() == "struct_buffers") {  // `scale: float = 3.0`, a constant input
      auto scale = std::find_if(ep.inputs.begin(), ep.inputs.end(), [](const input_spec& s) { return s.arg == "scale"; });
      REQUIRE(scale != ep.inputs.end());
      CHECK(scale->value == aotkit::graph::arg(3.0));
    }
    ++checked;
  }
  CHECK(checked == 7);
}

TEST_CASE("inputs named like Python builtins keep their names, as torch.export.load forces them", "[pt2][program]") {
  // forward(self, input, list): FX's namespace says input_1 and list_1; torch's deserializer sets
  // node.name back, and FX's code generator renames the variables (`input_1 = input`)
  const std::filesystem::path path = "tests/pt2/data/torch26_names/builtin_names.pt2";
  auto loaded = nlohmann::json::parse(slurp(std::filesystem::path(path).replace_extension(".loaded.json")));
  exported_program ep = load_exported_program(zip_archive::open(path));
  const aotkit::graph::Graph& g = ep.module.graph();
  CHECK(aotkit::graph::graph_str(g) == loaded["graph_str"].get<std::string>());
  CHECK(aotkit::graph::python_code(g) == loaded["python_code"].get<std::string>());
  CHECK(g.find_node("input").has_value());
  CHECK(!g.find_node("input_1").has_value());
  aotkit::graph::lint(ep.module);
  // through fx-json and back: the same graph, the same code
  aotkit::graph::fx_document back = aotkit::graph::read_fx_json(aotkit::graph::write_fx_json(ep.module));
  CHECK(aotkit::graph::graph_str(back.module.graph()) == loaded["graph_str"].get<std::string>());
  CHECK(aotkit::graph::python_code(back.module.graph()) == loaded["python_code"].get<std::string>());
  // and it runs on its example inputs, and writes back byte for byte
  ExportedProgram run = ExportedProgram::load(zip_archive::open(path));
  CHECK(run(*run.example_inputs()).leaves().size() == 1);
  std::string original(zip_archive::open(path).read_record("serialized_exported_program.json"));
  CHECK(write_exported_program(ep) == original);
}

TEST_CASE("malformed programs name the place", "[pt2][program][hostile]") {
  std::string good(zip_archive::open(torch26_dir / "mlp_training_ir.pt2").read_record("serialized_exported_program.json"));
  auto error_of = [](const std::string& text) -> std::string {
    try {
      (void)read_exported_program(text);
    } catch (const aotkit::input_error& e) {
      return e.what();
    }
    return "no error";
  };
  auto replaced = [&](std::string_view from, std::string_view to) {
    std::string s = good;
    auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  CHECK_THAT(error_of(replaced("\"major\": 8", "\"major\": 9")), Catch::Contains("schema 9.2 is not supported"));
  CHECK_THAT(error_of(replaced("torch.ops.aten.relu.default", "torch.ops.aten.no_such_op.default")),
             Catch::Contains("/graph_module/graph/nodes/1/target") && Catch::Contains("has no schema"));
  CHECK_THAT(error_of(replaced("{\"as_tensor\": {\"name\": \"linear\"}}]", "{\"as_tensor\": {\"name\": \"nowhere\"}}]")),
             Catch::Contains("/graph_module/graph/nodes/1/inputs/0/arg: unknown value 'linear'"));
  CHECK_THAT(error_of(good.substr(0, good.size() / 2)), Catch::Contains("malformed JSON"));
  CHECK_THAT(error_of("[]"), Catch::Contains("the program is a JSON object"));
  CHECK_THAT(error_of(replaced("\"outputs\": [{\"as_tensor\": {\"name\": \"relu\"}}]", "\"outputs\": [{\"as_tensors\": 5}]")),
             Catch::Contains("/graph_module/graph/nodes/1/outputs/0/as_tensors: expected an array"));
  CHECK_THAT(error_of(replaced("{\"as_tensor\": {\"name\": \"p_l__s___l1_bias\"}}", "{\"as_what\": 1}")),
             Catch::Contains("/graph_module/graph/inputs/1: invalid input type 'as_what'"));
  // places inside argument lists and tensor metadata (spelled out only when an error names them)
  CHECK_THAT(error_of(replaced("\"bias\", \"arg\": {\"as_tensor\": {\"name\": \"p_l__s___l1_bias\"}}", "\"bias\", \"arg\": {\"as_ints\": [1, 2, \"x\"]}")),
             Catch::Contains("/graph_module/graph/nodes/0/inputs/2/arg/as_ints/2: expected an integer"));
  CHECK_THAT(error_of(replaced("\"bias\", \"arg\": {\"as_tensor\": {\"name\": \"p_l__s___l1_bias\"}}", "\"bias\", \"arg\": {\"as_what\": 1}")),
             Catch::Contains("/graph_module/graph/nodes/0/inputs/2/arg: unknown argument tag 'as_what'"));
  CHECK_THAT(error_of(replaced("\"sizes\": [{\"as_int\": 16}, {\"as_int\": 8}]", "\"sizes\": [{\"as_int\": 16}, {\"as_what\": 8}]")),
             Catch::Contains("/graph_module/graph/tensor_values/p_l__s___l1_weight/sizes/1: a size is as_int or as_expr, not 'as_what'"));
  CHECK_THAT(error_of(replaced("\"strides\": [{\"as_int\": 8}, {\"as_int\": 1}]", "\"strides\": [{\"as_int\": 8}, {\"as_int\": true}]")),
             Catch::Contains("/graph_module/graph/tensor_values/p_l__s___l1_weight/strides/1: expected an integer"));
  CHECK_THAT(error_of(replaced("\"device\": {\"type\": \"cpu\"}", "\"device\": {\"type\": \"cpu\", \"index\": \"x\"}")),
             Catch::Contains("/graph_module/graph/tensor_values/p_l__s___l1_weight/device/index: expected an integer"));
}

TEST_CASE("tensor metadata keeps torch's whole TensorMeta: sizes, strides, storage offset, layout, symbolic sizes", "[pt2][program]") {
  sym_size s0 = sym_size::symbolic("Symbol('s0', positive=True, integer=True)", 4);
  CHECK(sizeof(sym_size) == 16);
  CHECK(sizeof(tensor_meta) <= 112);  // two strings, an offset, the flags and one vector
  sym_size gone = sym_size::symbolic("s9", 7);
  sym_size taken = std::move(gone);
  CHECK(gone == sym_size(0));  // a moved-from size is a plain 0, not its old hint
  CHECK(taken.hint() == std::optional<std::int64_t>(7));
  CHECK(s0.is_symbolic());
  CHECK(!s0.value());
  CHECK(s0.symbol() == "s0");
  CHECK(s0.hint() == std::optional<std::int64_t>(4));
  sym_size copy = s0;  // shares the expression
  CHECK(copy == s0);
  CHECK(copy.expr().data() == s0.expr().data());
  CHECK(sym_size::symbolic("2*s0") != s0);
  CHECK(sym_size::symbolic("2*s0").symbol().empty());
  CHECK(!sym_size::symbolic("2*s0").hint());
  CHECK(sym_size(4) != s0);  // a number is never equal to an expression, whatever its hint
  CHECK(sym_size(4).value() == std::optional<std::int64_t>(4));
  sym_size moved = std::move(copy);
  CHECK(moved == s0);

  tensor_meta m("torch.float32", {s0, 8});
  CHECK(m.sizes().size() == 2);
  CHECK(m.strides().empty());
  m.set_shape(std::vector<sym_size>{s0, 8}, std::vector<sym_size>{1, s0});
  CHECK(m.strides()[1] == s0);
  CHECK_THROWS_AS(m.set_shape(std::vector<sym_size>{1, 2}, std::vector<sym_size>{1}), aotkit::value_error);
  CHECK(m.strides().size() == 2);  // unchanged by the refused call

  // read from torch 2.6's program: a transposed view's strides and symbolic sizes come back as written
  exported_program dynamic = load_exported_program(zip_archive::open(torch26_dir / "mlp_dynamic.pt2"));
  bool symbolic = false;
  for (const auto& [name, meta] : dynamic.tensor_values) {
    INFO(name);
    CHECK(meta.strides().size() == meta.sizes().size());
    CHECK(meta.layout == 7);
    for (const sym_size& d : meta.sizes()) symbolic = symbolic || d.is_symbolic();
  }
  CHECK(symbolic);
  exported_program convbn = load_exported_program(zip_archive::open(torch26_dir / "convbn_eval.pt2"));
  bool transposed = false;
  for (const auto& [name, meta] : convbn.tensor_values)
    if (meta.sizes().size() == 2 && meta.strides()[0] == sym_size(1) && meta.strides()[1] != sym_size(1)) transposed = true;
  CHECK(transposed);  // permute's output: strides (1, n)

  std::string good(zip_archive::open(torch26_dir / "mlp_training_ir.pt2").read_record("serialized_exported_program.json"));
  auto at = good.find("\"strides\": [{\"as_int\": ");
  REQUIRE(at != std::string::npos);
  std::string lying = good;
  lying.insert(at + std::string_view("\"strides\": [").size(), "{\"as_int\": 1}, ");
  try {
    (void)read_exported_program(lying);
    FAIL("a stride more than sizes was read");
  } catch (const aotkit::input_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("/graph_module/graph/tensor_values/") && Catch::Contains("strides for"));
  }
}

TEST_CASE("a higher-order op's repeated argument name keeps its first place and its last value", "[pt2][program]") {
  // deserialize_hoo_inputs builds a Python dict (found by the program fuzzer: the graph then held
  // a node with a repeated keyword, which fx-json refuses)
  std::string text(zip_archive::open(torch26_dir / "mlp_training_ir.pt2").read_record("serialized_exported_program.json"));
  std::string from = R"("target": "torch.ops.aten.relu.default", "inputs": [{"name": "self", "arg": {"as_tensor": {"name": "linear"}}}])";
  std::string to = R"("target": "torch.ops.higher_order.h", "inputs": [{"name": "a", "arg": {"as_int": 1}}, )"
                   R"({"name": "b", "arg": {"as_int": 2}}, {"name": "a", "arg": {"as_tensor": {"name": "linear"}}}])";
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  exported_program ep = read_exported_program(text.replace(at, from.size(), to));
  std::string printed = aotkit::graph::graph_str(ep.module.graph());
  CHECK_THAT(printed, Catch::Contains("call_function[target=torch.ops.higher_order.h](args = (), kwargs = {a: %linear, b: 2})"));
  aotkit::graph::fx_document back = aotkit::graph::read_fx_json(aotkit::graph::write_fx_json(ep.module));
  CHECK(aotkit::graph::graph_str(back.module.graph()) == printed);
}
