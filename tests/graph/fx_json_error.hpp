// tests/graph/fx_json_error.hpp — what read_fx_json says about a text: its input_error's message,
// or "no error". Include after `import aotkit.graph;` (and <string>, <string_view>).
#pragma once

inline std::string fx_json_error(std::string_view text) {
  try {
    (void)aotkit::graph::read_fx_json(text);
  } catch (const aotkit::input_error& e) {
    return std::string(e.what());
  }
  return std::string("no error");
}
