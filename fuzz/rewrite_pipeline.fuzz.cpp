// fuzz/rewrite_pipeline.fuzz.cpp — bytes → a random valid GraphModule with token chains, a subgraph,
// dead code and seq_nr meta → copy_fwd_metadata_to_bw_nodes, unlift_tokens, DCE → lint, docs/semantics.md §B.7's
// invariants, and interpreter equality (outputs and effect order) before and after.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

import aotkit.runtime;
import aotkit.graph;
import aotkit.rewrite;

#include "rewrite_gen.hpp"

using namespace aotkit::graph;
using namespace aotkit::rewrite;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::size_t pos = 0;
  auto pick = [&](std::size_t n) -> std::size_t { return pos < size ? data[pos++] % n : 0; };
  // the last byte's low bit picks whose rules run (the generator reads from the front)
  torch_profile profile = size > 0 && (data[size - 1] & 1) ? torch_profile::torch2_6 : torch_profile::latest;
  auto c = aotkit_testing::make_token_case(pick);
  GraphModule after = c.module;
  copy_fwd_metadata_to_bw_nodes(after, profile);
  token_metadata meta;
  meta.tokens.assign(c.tokens, "ordered");
  unlift_tokens(after, meta, nullptr, profile);
  if (!aotkit_testing::check_unlift(c.module.graph(), after.graph(), c.tokens, profile).empty()) __builtin_trap();
  // torch 2.6's DCE would take the sink and the token chain; the interpreter check below needs the effects
  eliminate_dead_code(after);
  for (const auto& [path, g] : std::as_const(after).named_modules())
    if (!lint_problems(*g).empty()) __builtin_trap();
  interpreter a(c.module), b(after);
  auto out_a = a.run(aotkit_testing::token_case_inputs(c, true));
  auto out_b = b.run(aotkit_testing::token_case_inputs(c, false));
  if (out_a.items().size() != out_b.items().size() + c.tokens) __builtin_trap();
  for (std::size_t i = 0; i < out_b.items().size(); ++i)
    if (!same_value(out_a.items()[c.tokens + i], out_b.items()[i])) __builtin_trap();
  if (a.effect_log() != b.effect_log()) __builtin_trap();
  return 0;
}
