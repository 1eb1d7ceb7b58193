// fuzz/pt2_program.fuzz.cpp — the ExportedProgram JSON reader on arbitrary text: a typed error
// (input_error; key_error for a program without a root call signature), or a program whose graph
// module lints, prints, and goes through fx-json and back to the same str(graph).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

import aotkit.runtime;
import aotkit.graph;
import aotkit.pytree;
import aotkit.pt2;

using namespace aotkit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  pt2::exported_program ep;
  try {
    ep = pt2::read_exported_program(text);
  } catch (const input_error&) {
    return 0;
  }
  std::string printed = graph::graph_str(ep.module.graph());
  (void)graph::python_code(ep.module.graph());
  try {
    graph::lint(ep.module);
  } catch (const runtime_error&) {  // lint's own findings on a program the fuzzer bent
  }
  graph::fx_document back = graph::read_fx_json(graph::write_fx_json(ep.module));
  if (graph::graph_str(back.module.graph()) != printed) __builtin_trap();
  try {
    (void)ep.in_spec();
    (void)ep.out_spec();
  } catch (const key_error&) {
  } catch (const input_error&) {  // a spec text the fuzzer bent
  }
  return 0;
}
