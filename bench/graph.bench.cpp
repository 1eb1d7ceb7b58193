// bench/graph.bench.cpp — ns per node of the graph IR on issue 4's shape (x; hub = relu(x);
// hub2 = neg(x); then alternately a live add(prev, hub) and a dead mul(prev, hub); output(prev)),
// 10k and 1M call_function nodes: build, lint, str, python_code, RAUW, DCE, fx-json save/load; and
// fx-json save of the same graph with meta and kwargs on every node, as real torch graphs have.
// Peer: graph_peer.py (torch.fx 1.13) on the same shape.
#include <benchmark/benchmark.h>

#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

import aotkit.graph;

using namespace aotkit::graph;

namespace {

Graph build(std::int64_t n) {
  Graph g;
  op_handle relu = intern_op("aten.relu.default"), neg = intern_op("aten.neg.default");
  op_handle add = intern_op("aten.add.Tensor"), mul = intern_op("aten.mul.Tensor");
  node_id x = g.placeholder("x");
  node_id hub = g.call_function(relu, {arg::node(x)}, {}, std::string("hub"));
  g.call_function(neg, {arg::node(x)}, {}, std::string("hub2"));
  node_id prev = hub;
  for (std::int64_t i = 0; i < n; ++i) {
    if (i % 2 == 0) prev = g.call_function(add, {arg::node(prev), arg::node(hub)}, {}, std::string("add"));
    else g.call_function(mul, {arg::node(prev), arg::node(hub)}, {}, std::string("mul"));
  }
  g.output(arg::node(prev));
  return g;
}

void per_node(benchmark::State& state) {
  state.counters["ns/node"] =
      benchmark::Counter(static_cast<double>(state.range(0)), benchmark::Counter::kIsIterationInvariantRate |
                                                               benchmark::Counter::kInvert);
  state.counters["ns/node"].value *= 1e9;
}

void graph_build(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(build(state.range(0)));
  per_node(state);
  // bytes per node: the memory a built graph holds resident (the pages it made the process touch,
  // huge pages whole), measured after glibc returned its free memory. (malloc's own count would
  // include capacity never touched: a realloc'd block's spare room, an aligned chunk's mapping.)
  auto resident = [] {
    std::ifstream statm("/proc/self/statm");
    std::size_t pages = 0, rss = 0;
    statm >> pages >> rss;
    return rss * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  };
  malloc_trim(0);
  auto before = resident();
  Graph g = build(state.range(0));
  state.counters["bytes/node"] = static_cast<double>(resident() - before) / static_cast<double>(g.size());
}

void graph_lint(benchmark::State& state) {
  Graph g = build(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(lint_problems(g));
  per_node(state);
}

void graph_str_bench(benchmark::State& state) {
  Graph g = build(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(graph_str(g));
  per_node(state);
}

void graph_code(benchmark::State& state) {
  Graph g = build(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(python_code(g));
  per_node(state);
}

void graph_rauw(benchmark::State& state) {
  Graph g = build(state.range(0));
  node_id hub = *g.find_node("hub"), hub2 = *g.find_node("hub2");
  for (auto _ : state) {
    g.replace_all_uses_with(hub, hub2);  // every add and mul, then back
    g.replace_all_uses_with(hub2, hub);
  }
  state.counters["ns/node"] = benchmark::Counter(static_cast<double>(2 * state.range(0)),
                                                 benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["ns/node"].value *= 1e9;
}

void graph_dce(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    Graph g = build(state.range(0));
    state.ResumeTiming();
    benchmark::DoNotOptimize(eliminate_dead_code(g));
    state.PauseTiming();
    g = Graph();
    state.ResumeTiming();
  }
  per_node(state);
}

void graph_fx_json_save(benchmark::State& state) {
  Graph g = build(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(write_fx_json(g));
  per_node(state);
}

// Every node with seq_nr, nn_module_stack and a kwarg: the writer appends those outside its fast
// path (issue 17's H2: that path once re-zeroed the reserved tail per node, quadratic in nodes).
void graph_fx_json_save_meta(benchmark::State& state) {
  Graph g = build(state.range(0));
  arg stack = arg::list({arg::list({arg("L__self___layer"), arg::list({arg("layer"), arg("torch.nn.modules.linear.Linear")})})});
  std::int64_t seq = 0;
  for (node_id n = g.first(); n != no_node; n = g.node(n).next()) {
    node_meta& m = g.meta(n);
    m.seq_nr = seq++;
    m.nn_module_stack = stack;
    if (g.node(n).op() == node_op::call_function) g.set_kwargs(n, {{"alpha", arg(std::int64_t{1})}});
  }
  for (auto _ : state) benchmark::DoNotOptimize(write_fx_json(g));
  per_node(state);
}

void graph_fx_json_load(benchmark::State& state) {
  std::string text = write_fx_json(build(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(read_fx_json(text));
  per_node(state);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
}

}  // namespace

BENCHMARK(graph_build)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(graph_lint)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(graph_str_bench)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(graph_code)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(graph_rauw)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(graph_dce)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(graph_fx_json_save)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(graph_fx_json_save_meta)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(graph_fx_json_load)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
