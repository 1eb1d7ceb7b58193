// fuzz/pt2_program.fuzz.cpp — the ExportedProgram JSON reader on arbitrary text: a typed error
// (input_error; key_error for a program without a root call signature), or a program whose graph
// module lints, prints, goes through fx-json and back to the same str(graph), and is written (as
// json.dumps writes it) into a document that reads back to the same program; serialized, it is a
// fixed point; _remove_effect_tokens refuses it with a typed error or leaves a graph that lints and
// serializes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <optional>
#include <vector>

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
  // writing: Python's json.dumps of the document, which reads back to the same program and writes
  // the same bytes again
  std::string written = pt2::write_exported_program(ep);
  pt2::exported_program again = pt2::read_exported_program(written);
  if (graph::graph_str(again.module.graph()) != printed || again.inputs != ep.inputs || again.outputs != ep.outputs ||
      again.tensor_values != ep.tensor_values)
    __builtin_trap();
  if (pt2::write_exported_program(again) != written) __builtin_trap();
  // the serializer (torch's GraphModuleSerializer over the program as it stands): a typed refusal,
  // or a document that reads back and serializes to the same bytes again (a fixed point)
  auto serialized_fixed_point = [](const pt2::exported_program& program) {
    std::string first;
    try {
      first = pt2::serialize_exported_program(program);
    } catch (const value_error&) {
      return;
    } catch (const not_implemented_error&) {
      return;
    }
    std::optional<pt2::exported_program> reread;
    try {
      reread = pt2::read_exported_program(first);
    } catch (const input_error&) {
      __builtin_trap();  // the serializer wrote what the reader refuses
    }
    if (pt2::serialize_exported_program(*reread) != first) __builtin_trap();
  };
  serialized_fixed_point(ep);
  // the export-side effect-token removal: a typed refusal, or a graph that still lints
  pt2::exported_program untokened = ep;
  try {
    (void)pt2::_remove_effect_tokens(untokened);
    graph::lint(untokened.module);
    serialized_fixed_point(untokened);
  } catch (const assertion_error&) {
  } catch (const key_error&) {
  } catch (const not_implemented_error&) {
  } catch (const runtime_error&) {  // a graph the fuzzer bent (erasing a node still in use, lint)
  } catch (const type_error&) {
  }
  try {
    (void)ep.in_spec();
    (void)ep.out_spec();
  } catch (const key_error&) {
  } catch (const input_error&) {  // a spec text the fuzzer bent
  }
  return 0;
}
