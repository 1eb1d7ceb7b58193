// fuzz/graph_api.fuzz.cpp — byte-chosen FX API sequences on a live graph (create, insert, erase,
// RAUW, set_args, copy, DCE; an fx-json round trip at the end), checking lint and use lists after each step.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <ranges>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

import aotkit.runtime;
import aotkit.graph;

#include "graph_ops.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::size_t pos = 0;
  bool exhausted = false;
  auto pick = [&](std::size_t n) -> std::size_t {
    if (pos >= size) {
      exhausted = true;
      return 0;
    }
    return data[pos++] % n;
  };
  aotkit_testing::graph_driver d(pick, 32, /*round_trips=*/false);
  // A bounded sequence keeps each input cheap (thousands of runs a second); the bytes after the
  // last step are ignored.
  for (int steps = 0; !exhausted && steps < 256; ++steps) {
    d.step();
    if (!d.check().empty()) __builtin_trap();
  }
  d.round_trip();  // once per input, from wherever the sequence left the graph
  if (!d.check().empty()) __builtin_trap();
  return 0;
}
