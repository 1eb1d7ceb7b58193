// tests/pt2/write.test.cpp — writing: the program JSON comes back byte for byte (Python's json.dumps),
// and read -> save -> read is the identity on the program, the weights and the example inputs.
#include <catch2/catch.hpp>

#include <algorithm>
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

namespace {

const std::filesystem::path data_dir = "tests/pt2/data";

std::vector<std::filesystem::path> archives() {
  std::vector<std::filesystem::path> out;
  for (const auto& dir : {data_dir / "torch26", data_dir / "torch26_run"})
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".pt2") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string modules_text(const aotkit::graph::GraphModule& m) {
  std::string s;
  for (const auto& [path, g] : m.named_modules()) s += path + "\n" + aotkit::graph::graph_str(*g) + "\n" + aotkit::graph::python_code(*g);
  return s;
}

void check_same_values(const std::vector<named_value>& a, const std::vector<named_value>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].first == b[i].first);
    CHECK(aotkit::rewrite::same_value(a[i].second, b[i].second));
  }
}

}  // namespace

TEST_CASE("reading then writing a program gives torch's bytes back", "[pt2][write]") {
  std::size_t n = 0;
  for (const auto& path : archives()) {
    INFO(path);
    zip_archive a = zip_archive::open(path);
    std::string original(a.read_record(program_records(inspect(a)).program));
    CHECK(write_exported_program(read_exported_program(original)) == original);
    ++n;
  }
  CHECK(n >= 15);
}

TEST_CASE("Python's json.dumps escapes: non-ASCII, control characters, bare non-finite floats", "[pt2][write]") {
  zip_archive a = zip_archive::open(data_dir / "torch26/mlp_training_ir.pt2");
  std::string text(a.read_record("serialized_exported_program.json"));
  auto at = text.find("\"torch_version\": \"");
  REQUIRE(at != std::string::npos);
  // é, an astral character as a surrogate pair, DEL, a tab: json.dumps's spelling of each
  text.insert(at + 18, "\\u00e9\\ud83d\\ude00\\u007f\\t\\\\\\\"");
  exported_program ep = read_exported_program(text);
  CHECK(ep.torch_version.starts_with("\xc3\xa9\xf0\x9f\x98\x80\x7f\t\\\""));
  CHECK(write_exported_program(ep) == text);
}

TEST_CASE("a changed program is not written as if it were the document", "[pt2][write]") {
  zip_archive a = zip_archive::open(data_dir / "torch26/mlp_training_ir.pt2");
  exported_program ep = load_exported_program(a);
  exported_program renamed = ep;
  renamed.outputs.front().arg = "other";
  CHECK_THROWS_AS(write_exported_program(renamed), aotkit::not_implemented_error);
  exported_program built = ep;
  built.source.reset();
  CHECK_THROWS_AS(write_exported_program(built), aotkit::not_implemented_error);
  exported_program edited = ep;
  auto& g = edited.module.graph();
  g.erase_node(g.find_nodes(aotkit::graph::node_op::output).front());
  CHECK_THROWS_AS(write_exported_program(edited), aotkit::not_implemented_error);
}

TEST_CASE("read -> save -> read is the identity on program, weights and example inputs", "[pt2][write]") {
  for (const auto& path : archives()) {
    INFO(path);
    ExportedProgram ep = ExportedProgram::load(zip_archive::open(path));
    std::string bytes = ep.save();
    zip_archive written = zip_archive::view(bytes);
    CHECK(inspect(written).layout == pt2_layout::legacy_zip);
    ExportedProgram back = ExportedProgram::load(written);
    CHECK(modules_text(back.program().module) == modules_text(ep.program().module));
    CHECK(back.program().inputs == ep.program().inputs);
    CHECK(back.program().outputs == ep.program().outputs);
    CHECK(back.program().module_call_graph == ep.program().module_call_graph);
    CHECK(back.program().range_constraints == ep.program().range_constraints);
    CHECK(back.program().tensor_values == ep.program().tensor_values);
    check_same_values(back.state_dict(), ep.state_dict());
    check_same_values(back.constants(), ep.constants());
    REQUIRE(back.example_inputs().has_value() == ep.example_inputs().has_value());
    if (ep.example_inputs()) {
      CHECK(back.example_inputs()->structure() == ep.example_inputs()->structure());
      auto x = back.example_inputs()->leaves(), y = ep.example_inputs()->leaves();
      REQUIRE(x.size() == y.size());
      for (std::size_t i = 0; i < x.size(); ++i) CHECK(aotkit::rewrite::same_value(x[i], y[i]));
    }
    // parameters are saved as nn.Parameter, buffers as plain tensors
    auto state = load_tensor_dict(zip_archive::view(written.read_record("serialized_state_dict.pt")));
    for (const auto& [name, t] : state) {
      bool param = false;
      for (const input_spec& s : ep.program().inputs) param = param || (s.kind == input_kind::parameter && s.target && *s.target == name);
      CHECK(t.is_parameter == param);
    }
    // and a second save writes the same bytes
    CHECK(back.save() == bytes);
  }
}

TEST_CASE("a buffer mutated by a run is saved with its new value", "[pt2][write]") {
  ExportedProgram ep = ExportedProgram::load(zip_archive::open(data_dir / "torch26/struct_buffers.pt2"));
  (void)ep(*ep.example_inputs());
  ExportedProgram back = ExportedProgram::load(zip_archive::view(ep.save()));
  check_same_values(back.state_dict(), ep.state_dict());
}
