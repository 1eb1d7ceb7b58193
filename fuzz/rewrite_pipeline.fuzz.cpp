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
  auto c = aotkit_testing::make_token_case(pick);
  GraphModule after = c.module;
  copy_fwd_metadata_to_bw_nodes(after);
  token_metadata meta;
  meta.tokens.assign(c.tokens, "ordered");
  unlift_tokens(after, meta);
  if (!aotkit_testing::check_unlift(c.module.graph(), after.graph(), c.tokens).empty()) __builtin_trap();
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
