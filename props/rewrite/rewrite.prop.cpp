// props/rewrite/rewrite.prop.cpp — laws of the AOT rewrites over random GraphModules: docs/semantics.md §B.7 for
// unlift_tokens (with the interpreter: same outputs, same effect order, also after DCE) and the six
// metadata-copy properties of docs/semantics.md §A.19.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

import aotkit.runtime;
import aotkit.graph;
import aotkit.rewrite;

#include "../../fuzz/rewrite_gen.hpp"

using namespace aotkit::graph;
using namespace aotkit::rewrite;
using aotkit_testing::make_token_case;

namespace {
std::size_t rc_pick(std::size_t n) { return *rc::gen::inRange<std::size_t>(0, n); }
}  // namespace

TEST_CASE("unlift_tokens laws (docs/semantics.md §B.7)", "[rewrite]") {
  rc::prop("inputs, outputs, sink, sources, chain and lint", [] {
    auto c = make_token_case(rc_pick);
    GraphModule after = c.module;
    token_metadata meta;
    meta.tokens.assign(c.tokens, "ordered");
    unlift_tokens(after, meta);
    std::string problem = aotkit_testing::check_unlift(c.module.graph(), after.graph(), c.tokens);
    RC_ASSERT(problem.empty());
    RC_ASSERT(meta.tokens.empty());
    std::string code = python_code(after.graph());
    unlift_tokens(after, meta);  // no tokens left: a no-op
    RC_ASSERT(python_code(after.graph()) == code);
  });
  rc::prop("the interpreter sees the same outputs and effects before, after, and after DCE", [] {
    auto c = make_token_case(rc_pick);
    GraphModule after = c.module;
    token_metadata meta;
    meta.tokens.assign(c.tokens, "ordered");
    unlift_tokens(after, meta);
    interpreter a(c.module), b(after);
    auto out_a = a.run(aotkit_testing::token_case_inputs(c, true));
    auto out_b = b.run(aotkit_testing::token_case_inputs(c, false));
    RC_ASSERT(out_a.items().size() == out_b.items().size() + c.tokens);
    for (std::size_t i = 0; i < out_b.items().size(); ++i) RC_ASSERT(same_value(out_a.items()[c.tokens + i], out_b.items()[i]));
    RC_ASSERT(a.effect_log() == b.effect_log());
    GraphModule dced = after;
    eliminate_dead_code(dced.graph());
    interpreter d(dced);
    auto out_d = d.run(aotkit_testing::token_case_inputs(c, false));
    RC_ASSERT(same_value(out_d, out_b));
    RC_ASSERT(d.effect_log() == a.effect_log());
  });
}

TEST_CASE("unlift_tokens under torch 2.6's profile: the same laws, a list output, one _make_token per use", "[rewrite]") {
  rc::prop("§B.7's invariants hold, effects and outputs equal the newest algorithm's", [] {
    auto c = make_token_case(rc_pick);
    GraphModule v2 = c.module, v3 = c.module;
    token_metadata m2, m3;
    m2.tokens.assign(c.tokens, "ordered");
    m3.tokens = m2.tokens;
    unlift_report r2 = unlift_tokens(v2, m2, nullptr, torch_profile::torch2_6);
    unlift_report r3 = unlift_tokens(v3, m3, nullptr, torch_profile::latest);
    RC_ASSERT(aotkit_testing::check_unlift(c.module.graph(), v2.graph(), c.tokens, torch_profile::torch2_6).empty());
    RC_ASSERT(r2.inputs_removed == r3.inputs_removed);
    RC_ASSERT(r2.outputs_removed == r3.outputs_removed);
    // torch 2.6 makes a token for each with_effects that read a placeholder token: at least one per input
    auto make_token = intern_op("prims._make_token.default");
    RC_ASSERT(v2.graph().find_nodes(node_op::call_function, make_token).size() >=
              v3.graph().find_nodes(node_op::call_function, make_token).size());
    interpreter a(v2), b(v3);
    auto out_a = a.run(aotkit_testing::token_case_inputs(c, false));
    auto out_b = b.run(aotkit_testing::token_case_inputs(c, false));
    RC_ASSERT(out_a.items().size() == out_b.items().size());
    for (std::size_t i = 0; i < out_b.items().size(); ++i) RC_ASSERT(same_value(out_a.items()[i], out_b.items()[i]));
    RC_ASSERT(a.effect_log() == b.effect_log());
  });
}

TEST_CASE("copy_fwd_metadata_to_bw_nodes laws (docs/semantics.md §A.19)", "[rewrite]") {
  rc::prop("untouched non-backward nodes, copied keys, first wins, idempotent", [] {
    auto c = make_token_case(rc_pick);
    GraphModule before = c.module;
    copy_fwd_metadata_to_bw_nodes(c.module);
    std::unordered_map<std::int64_t, const Node*> first;
    for (const auto& [path, g] : std::as_const(before).named_modules())
      for (node_id n : g->nodes())
        if (_is_forward_node_with_seq_nr(g->node(n))) first.try_emplace(*g->node(n).meta().seq_nr, &g->node(n));
    auto now = c.module.named_modules();
    auto old = std::as_const(before).named_modules();
    for (std::size_t m = 0; m < now.size(); ++m) {
      const Graph& g = *now[m].second;
      const Graph& o = *old[m].second;
      for (node_id n : g.nodes()) {
        const Node& node = g.node(n);
        if (!_is_backward_node_with_seq_nr(o.node(n)) || o.node(n).meta().is_gradient_acc.value_or(false)) {
          RC_ASSERT((node.meta() == o.node(n).meta()));  // (1) (2): no seq_nr, forward, grad-acc: unchanged
          continue;
        }
        auto it = first.find(*node.meta().seq_nr);
        if (it == first.end()) {
          RC_ASSERT((node.meta() == o.node(n).meta()));
          continue;
        }
        // (3) (4): the first forward node's values
        RC_ASSERT((node.meta().get("fwd_nn_module_stack") == it->second->meta().nn_module_stack.value_or(arg())));
        RC_ASSERT((node.meta().get("fwd_source_fn_stack") == it->second->meta().source_fn_stack.value_or(arg())));
        if (it->second->meta().custom) RC_ASSERT((node.meta().custom == it->second->meta().custom));
      }
    }
    std::string once = write_fx_json(c.module);
    copy_fwd_metadata_to_bw_nodes(c.module);
    RC_ASSERT(write_fx_json(c.module) == once);  // (5); (6) holds by construction: meta values are immutable
  });
}
