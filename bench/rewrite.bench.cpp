// bench/rewrite.bench.cpp — ns per node of copy_fwd_metadata_to_bw_nodes and unlift_tokens on
// 1M-node joint-style graphs (half forward nodes with seq_nr and nn_module_stack, half backward
// nodes sharing them; a token chain of with_effects/getitem pairs between pure ops).
// Peer: rewrite_peer.py (the Python of docs/semantics.md §A.19 / §B.4 over torch.fx 1.13).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

import aotkit.graph;
import aotkit.rewrite;

using namespace aotkit::graph;
using namespace aotkit::rewrite;

namespace {

GraphModule joint(std::int64_t n) {
  Graph g;
  op_handle relu = intern_op("aten.relu.default"), tb = intern_op("aten.threshold_backward.default");
  node_id x = g.placeholder("primals_1");
  node_id prev = x;
  arg stack = arg::list({arg::list({"L__self__", arg::list({"layer", "torch.nn.Linear"})})});
  for (std::int64_t i = 0; i < n / 2; ++i) {
    prev = g.call_function(relu, {arg::node(prev)});
    node_meta& m = g.meta(prev);
    m.seq_nr = i;
    m.partitioner_tag = "is_forward";
    m.nn_module_stack = stack;
  }
  for (std::int64_t i = n / 2 - 1; i >= 0; --i) {
    prev = g.call_function(tb, {arg::node(prev), arg::node(x), 0});
    node_meta& m = g.meta(prev);
    m.seq_nr = i;
    m.partitioner_tag = "is_backward";
  }
  g.output(arg::tuple({arg::node(prev)}));
  return GraphModule(std::move(g));
}

GraphModule tokens(std::int64_t n) {
  Graph g;
  node_id tok = g.placeholder("token");
  node_id x = g.placeholder("x");
  op_handle we = intern_op("higher_order.with_effects"), gi = intern_op("operator.getitem"), relu = intern_op("aten.relu.default");
  arg print = arg::tagged(arg_kind::op, "aten._print.default");
  node_id chain = tok, prev = x;
  for (std::int64_t i = 0; i < n / 3; ++i) {
    node_id w = g.call_function(we, {arg::node(chain), print, "m"});
    chain = g.call_function(gi, {arg::node(w), 0});
    prev = g.call_function(relu, {arg::node(prev)});
  }
  g.output(arg::tuple({arg::node(chain), arg::node(prev)}));
  return GraphModule(std::move(g));
}

void per_node(benchmark::State& state) {
  state.counters["ns_per_node"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(state.range(0)), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void copy_fwd_metadata(benchmark::State& state) {
  GraphModule gm = joint(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(copy_fwd_metadata_to_bw_nodes(gm));  // idempotent: same work each time
  per_node(state);
}

void unlift(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    GraphModule gm = tokens(state.range(0));
    token_metadata meta{{"ordered"}, 0};
    state.ResumeTiming();
    benchmark::DoNotOptimize(unlift_tokens(gm, meta));
    state.PauseTiming();
    gm = GraphModule();
    state.ResumeTiming();
  }
  per_node(state);
}

}  // namespace

BENCHMARK(copy_fwd_metadata)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(unlift)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
