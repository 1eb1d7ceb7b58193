// tools/aotkit/fx_io.hpp — fx-json/1 in and out of a command, as timed phases. Included after
// `import aotkit;` and without standard headers of its own (an #include after an import trips clang).
#pragma once

namespace aotkit::cli {

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
