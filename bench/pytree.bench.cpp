// bench/pytree.bench.cpp — ns per leaf of tree_flatten, tree_unflatten and tree_map on a wide list
// (1M leaves), deep chains (100 deep) and 10-ary dicts; treespec_dumps/loads. Peer: pytree_peer.py.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <span>
#include <string>
#include <vector>

import aotkit.runtime;
import aotkit.pytree;

using namespace aotkit::pytree;
using aotkit::runtime::Value;
using T = Tree<Value>;

// Every allocation of the process counted, so each benchmark can say how many it makes per leaf
// (a regression then names its cause: allocations, page faults, or neither).
namespace {
std::atomic<std::uint64_t> allocations{0};
}  // namespace
void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

std::uint64_t minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::uint64_t>(u.ru_minflt);
}

// Counts allocations and page faults over the timed loop; reports them per leaf.
struct per_leaf {
  std::uint64_t allocs = allocations.load(), faults = minor_faults();
  void report(benchmark::State& state, std::size_t leaves) const {
    double n = static_cast<double>(state.iterations()) * static_cast<double>(leaves);
    state.counters["allocs/leaf"] = static_cast<double>(allocations.load() - allocs) / n;
    state.counters["faults/leaf"] = static_cast<double>(minor_faults() - faults) / n;
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(leaves));
  }
};

T wide(std::size_t n) {
  tree_builder<Value> b;
  b.open(node_kind::list, n);
  for (std::size_t i = 0; i < n; ++i) b.leaf(Value(static_cast<std::int64_t>(i)));
  return std::move(b).finish();
}

// 10,000 chains [[[...[x]...]]] 100 deep, in one list: 1M nodes, 10k leaves.
T deep_chains() {
  tree_builder<Value> b;
  b.open(node_kind::list, 10000);
  for (int c = 0; c < 10000; ++c) {
    for (int d = 0; d < 100; ++d) b.open(node_kind::list, 1);
    b.leaf(Value(c));
  }
  return std::move(b).finish();
}

// Dicts of 10 keys nested 5 levels: 100,000 leaves.
T dicts() {
  tree_builder<Value> b;
  std::vector<key> keys;
  for (int k = 0; k < 10; ++k) keys.emplace_back("k" + std::to_string(k));
  std::int64_t leaf = 0;
  // Pre-order: a dict at every level above the last.
  std::vector<int> remaining{1};
  while (!remaining.empty()) {
    if (remaining.back() == 0) {
      remaining.pop_back();
      continue;
    }
    --remaining.back();
    if (remaining.size() <= 5) {
      node_context c;
      c.keys = keys;
      b.open(node_kind::dict, 10, c);
      remaining.push_back(10);
    } else {
      b.leaf(Value(leaf++));
    }
  }
  return std::move(b).finish();
}

template <class Make>
void run_flatten(benchmark::State& state, Make make) {
  T t = make();
  per_leaf count;
  for (auto _ : state) benchmark::DoNotOptimize(tree_flatten(t));
  count.report(state, t.leaves().size());
}
template <class Make>
void run_unflatten(benchmark::State& state, Make make) {
  auto [leaves, spec] = tree_flatten(make());
  per_leaf count;
  for (auto _ : state) benchmark::DoNotOptimize(tree_unflatten(leaves, spec));
  count.report(state, leaves.size());
}
template <class Make>
void run_map(benchmark::State& state, Make make) {
  T t = make();
  per_leaf count;
  for (auto _ : state) benchmark::DoNotOptimize(tree_map([](const Value& v) { return Value(v.to_int() + 1); }, t));
  count.report(state, t.leaves().size());
}

void flatten_wide(benchmark::State& s) { run_flatten(s, [] { return wide(1 << 20); }); }
// Flattening a tree that is not needed afterwards moves its leaves out.
void flatten_wide_move(benchmark::State& state) {
  T t = wide(1 << 20);
  for (auto _ : state) {
    auto [leaves, spec] = tree_flatten(std::move(t));
    benchmark::DoNotOptimize(leaves.data());
    state.PauseTiming();
    t = tree_unflatten(std::move(leaves), spec);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * (1 << 20));
}
BENCHMARK(flatten_wide_move)->Unit(benchmark::kMillisecond);
void unflatten_wide(benchmark::State& s) { run_unflatten(s, [] { return wide(1 << 20); }); }
void map_wide(benchmark::State& s) { run_map(s, [] { return wide(1 << 20); }); }
void flatten_deep(benchmark::State& s) { run_flatten(s, deep_chains); }
void unflatten_deep(benchmark::State& s) { run_unflatten(s, deep_chains); }
void map_deep(benchmark::State& s) { run_map(s, deep_chains); }
void flatten_dicts(benchmark::State& s) { run_flatten(s, dicts); }
void unflatten_dicts(benchmark::State& s) { run_unflatten(s, dicts); }
void map_dicts(benchmark::State& s) { run_map(s, dicts); }
BENCHMARK(flatten_wide)->Unit(benchmark::kMillisecond);
BENCHMARK(unflatten_wide)->Unit(benchmark::kMillisecond);
BENCHMARK(map_wide)->Unit(benchmark::kMillisecond);
BENCHMARK(flatten_deep)->Unit(benchmark::kMillisecond);
BENCHMARK(unflatten_deep)->Unit(benchmark::kMillisecond);
BENCHMARK(map_deep)->Unit(benchmark::kMillisecond);
BENCHMARK(flatten_dicts)->Unit(benchmark::kMillisecond);
BENCHMARK(unflatten_dicts)->Unit(benchmark::kMillisecond);
BENCHMARK(map_dicts)->Unit(benchmark::kMillisecond);

// The same wide list with int64 leaves: the cost of the tree machinery itself, without Value copies.
Tree<std::int64_t> wide_i64(std::size_t n) {
  tree_builder<std::int64_t> b;
  b.open(node_kind::list, n);
  for (std::size_t i = 0; i < n; ++i) b.leaf(static_cast<std::int64_t>(i));
  return std::move(b).finish();
}
void flatten_wide_i64(benchmark::State& state) {
  auto t = wide_i64(1 << 20);
  per_leaf count;
  for (auto _ : state) benchmark::DoNotOptimize(tree_flatten(t));
  count.report(state, 1 << 20);
}
void unflatten_wide_i64(benchmark::State& state) {
  auto [leaves, spec] = tree_flatten(wide_i64(1 << 20));
  per_leaf count;
  for (auto _ : state) benchmark::DoNotOptimize(tree_unflatten(leaves, spec));
  count.report(state, 1 << 20);
}
void map_wide_i64(benchmark::State& state) {
  auto t = wide_i64(1 << 20);
  per_leaf count;
  for (auto _ : state) benchmark::DoNotOptimize(tree_map([](std::int64_t x) { return x + 1; }, t));
  count.report(state, 1 << 20);
}
BENCHMARK(flatten_wide_i64)->Unit(benchmark::kMillisecond);
BENCHMARK(unflatten_wide_i64)->Unit(benchmark::kMillisecond);
BENCHMARK(map_wide_i64)->Unit(benchmark::kMillisecond);

// Static pytrees: 2^20 structs of two doubles flattened into a caller's buffer, against a plain
// copy of the same 2^21 doubles (the target: within 2x).
struct XY {
  double x, y;
};
}  // namespace
template <>
constexpr auto aotkit::pytree::struct_fields<XY> = aotkit::pytree::fields("XY", &XY::x, "x", &XY::y, "y");
namespace {
void static_flatten_structs(benchmark::State& state) {
  std::vector<XY> v(1 << 20, XY{1, 2});
  std::vector<double> out(2 << 20);
  for (auto _ : state) {
    flatten_into<double>(v, std::span<double>(out));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * (2 << 20));
}
void plain_copy_doubles(benchmark::State& state) {
  std::vector<double> in(2 << 20, 1.0), out(2 << 20);
  for (auto _ : state) {
    std::copy(in.begin(), in.end(), out.begin());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * (2 << 20));
}
void static_unflatten_structs(benchmark::State& state) {
  std::vector<double> leaves(2 << 20, 1.5);
  for (auto _ : state) {
    std::vector<XY> v(1 << 20);
    for (std::size_t i = 0; i < v.size(); ++i)
      v[i] = static_unflatten<XY, double>(std::span<const double>(leaves).subspan(2 * i, 2));
    benchmark::DoNotOptimize(v.data());
  }
  state.SetItemsProcessed(state.iterations() * (2 << 20));
}
BENCHMARK(static_flatten_structs)->Unit(benchmark::kMillisecond);
BENCHMARK(plain_copy_doubles)->Unit(benchmark::kMillisecond);
BENCHMARK(static_unflatten_structs)->Unit(benchmark::kMillisecond);

void dumps_dicts(benchmark::State& state) {
  TreeSpec s = tree_structure(dicts());
  for (auto _ : state) benchmark::DoNotOptimize(treespec_dumps(s));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(s.num_leaves()));
}
BENCHMARK(dumps_dicts)->Unit(benchmark::kMillisecond);

void loads_dicts(benchmark::State& state) {
  std::string j = treespec_dumps(tree_structure(dicts()));
  for (auto _ : state) benchmark::DoNotOptimize(treespec_loads(j));
  state.SetItemsProcessed(state.iterations() * 100000);
}
BENCHMARK(loads_dicts)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
