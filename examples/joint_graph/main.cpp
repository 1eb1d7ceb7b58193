// examples/joint_graph/main.cpp — load resnet18's joint graph (fx-json/1 from functorch), copy the
// forward metadata onto backward nodes, eliminate dead code, print the generated Python code.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

import aotkit;

using namespace aotkit;

int main() {
  std::ifstream in(std::string(AOTKIT_DATA) + "/graphs/aot_resnet18_fw.json");
  std::stringstream text;
  text << in.rdbuf();
  graph::fx_document doc = graph::read_fx_json(text.str());
  graph::Graph& g = doc.module.graph();
  graph::lint(g);  // throws FX's RuntimeError text if anything is off

  rewrite::metadata_copy_report r = rewrite::copy_fwd_metadata_to_bw_nodes(doc.module);
  std::vector<std::string> removed;
  graph::eliminate_dead_code(g, {}, &removed);
  std::string code = graph::python_code(g, graph::print_style::torch1_13);
  std::printf("%zu nodes; forward nodes with seq_nr: %zu; DCE removed %zu\n%s\n", g.size(), r.forward, removed.size(),
              code.substr(0, code.find('\n', 200)).c_str());
  return code.find("def forward(self, primals_1") != std::string::npos ? 0 : 1;
}
