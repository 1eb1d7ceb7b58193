// bench/runtime.bench.cpp — costs of aotkit.runtime: strict_zip against a plain loop, the boxed
// call path, tagged-JSON reading and Value copies. Peer numbers: bench/runtime_peer.py.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <vector>

import aotkit.runtime;

using namespace aotkit::runtime;

namespace {

void strict_zip_sum(benchmark::State& state) {
  std::vector<std::int64_t> a(static_cast<std::size_t>(state.range(0))), b(a.size());
  std::iota(a.begin(), a.end(), 0);
  std::iota(b.begin(), b.end(), 1);
  for (auto _ : state) {
    std::int64_t s = 0;
    for (auto [x, y] : strict_zip(a, b)) s += x * y;
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(strict_zip_sum)->Arg(1 << 20);

void index_loop_sum(benchmark::State& state) {
  std::vector<std::int64_t> a(static_cast<std::size_t>(state.range(0))), b(a.size());
  std::iota(a.begin(), a.end(), 0);
  std::iota(b.begin(), b.end(), 1);
  for (auto _ : state) {
    std::int64_t s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(index_loop_sum)->Arg(1 << 20);

void strict_zip_construct_3(benchmark::State& state) {
  std::vector<int> a(8), b(8), c(8);
  for (auto _ : state) benchmark::DoNotOptimize(strict_zip(a, b, c));
}
BENCHMARK(strict_zip_construct_3);

// call_func_at_runtime_with_args on a boxed callee with 8 tensor inputs, stealing (the AOT
// runtime's hot path) and copying.
void boxed_call(benchmark::State& state) {
  bool steal = state.range(0) != 0;
  Callable f = Callable::boxed("f", [](value_list& args) {
    Value first = args[0];
    args.clear();
    return Value::tuple({std::move(first)});
  });
  value_list inputs;
  for (int i = 0; i < 8; ++i) inputs.emplace_back(empty_meta({i + 1}));
  // As the Python peer: stealing gets a fresh list(inputs) each call, copying passes inputs as is.
  for (auto _ : state) {
    if (steal) {
      value_list args = inputs;
      benchmark::DoNotOptimize(call_func_at_runtime_with_args(f, args, true));
    } else {
      benchmark::DoNotOptimize(call_func_at_runtime_with_args(f, inputs, false));
    }
  }
}
BENCHMARK(boxed_call)->Arg(1)->Arg(0);

void make_boxed_func_call(benchmark::State& state) {
  Callable g = make_boxed_func(Callable("add", [](std::span<const Value> a) { return Value(a[0].to_int() + a[1].to_int()); }));
  value_list args{1, 2};
  for (auto _ : state) benchmark::DoNotOptimize(g.call_boxed(args));
}
BENCHMARK(make_boxed_func_call);

std::string int_list_json(std::size_t n) {
  std::string j = R"({"list": [)";
  for (std::size_t i = 0; i < n; ++i) {
    if (i) j += ", ";
    j += R"({"int": )" + std::to_string(i) + "}";
  }
  return j + "]}";
}

void value_from_json_ints(benchmark::State& state) {
  std::string j = int_list_json(100'000);
  for (auto _ : state) benchmark::DoNotOptimize(value_from_json(j));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(j.size()));
}
BENCHMARK(value_from_json_ints);

void value_to_json_ints(benchmark::State& state) {
  Value v = value_from_json(int_list_json(100'000));
  for (auto _ : state) benchmark::DoNotOptimize(value_to_json(v));
  state.SetItemsProcessed(state.iterations() * 100'000);
}
BENCHMARK(value_to_json_ints);

void symint_hints_nested(benchmark::State& state) {
  value_list rows;
  for (int i = 0; i < 1000; ++i) rows.push_back(Value::tuple({SymInt::symbolic("s0", 4), 3, SymInt(i)}));
  Value v = Value::list(std::move(rows));
  for (auto _ : state) benchmark::DoNotOptimize(_get_symint_hints(v));
  state.SetItemsProcessed(state.iterations() * 3000);
}
BENCHMARK(symint_hints_nested);

}  // namespace

BENCHMARK_MAIN();
