// fuzz/fx_json.fuzz.cpp — read_fx_json on arbitrary bytes: a typed input_error, or a graph that lints
// (problems are fine; a crash is not), prints, DCEs, and survives write → read unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

import aotkit.runtime;
import aotkit.graph;

using namespace aotkit::graph;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  fx_document doc;
  try {
    doc = read_fx_json(text);
  } catch (const aotkit::input_error&) {
    return 0;
  }
  std::string written = write_fx_json(doc.module, doc.name);
  fx_document again = read_fx_json(written);
  if (write_fx_json(again.module, again.name) != written) __builtin_trap();
  try {
    lint(doc.module);  // the owning-module checks when attributes came with it
  } catch (const aotkit::error&) {
  }
  for (auto& [path, g] : doc.module.named_modules()) {
    for (node_id n = g->first(); n != no_node; n = g->node(n).next())
      if (is_impure(*g, n, torch_profile::torch2_6, &doc.module) && !is_impure(*g, n, torch_profile::latest, &doc.module))
        __builtin_trap();  // torch 2.6's impurity set is a subset of the newest one's
    (void)graph_str(*g);
    (void)graph_str(*g, print_style::torch1_13);
    (void)python_code(*g);
    (void)print_tabular(*g);
    if (lint_problems(*g).empty()) {
      eliminate_dead_code(*g);
      if (!lint_problems(*g).empty()) __builtin_trap();
    }
  }
  return 0;
}
