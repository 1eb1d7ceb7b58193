// tools/aotkit/fx_io.hpp — fx-json/1 in and out of a command, as timed phases. Included after
// `import aotkit;` and without standard headers of its own (an #include after an import trips clang).
#pragma once

namespace aotkit::cli {

/// `--torch V`: whose behaviour a graph command reproduces where torch versions differ.
inline const option_spec torch_option{"torch", "V",
                                      "behave as torch V: 2.6, latest (default: the newest upstream) or 1.13"};

/// The profile `--torch` names (graph::default_torch_profile when absent).
inline graph::torch_profile profile_of(const invocation& inv) {
  auto choice = option_choice(inv, "torch", {"1.13", "2.6", "latest"}, graph::to_string(graph::default_torch_profile));
  return *graph::parse_torch_profile(choice);
}

/// Reads the run's input as fx-json/1 (phases "read" and "parse fx-json").
inline graph::fx_document read_graph(const invocation& inv, const io& io) {
  std::string text = read_input(inv, io);
  auto parsing = phase(io, "parse fx-json");
  return graph::read_fx_json(text);
}

/// Writes `doc` as fx-json/1 to the run's output (phase "write fx-json").
inline void write_graph(const graph::fx_document& doc, const io& io) {
  auto writing = phase(io, "write fx-json");
  io.out << graph::write_fx_json(doc.module, doc.name);
}

}  // namespace aotkit::cli
