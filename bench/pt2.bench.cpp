// bench/pt2.bench.cpp — reading a large torch.export archive to a usable program (torch.export.load's
// job): the program alone, and with weights and example inputs; memory per node against the graph's;
// and writing it back, as read and changed (the serializer).
// The archive: $AOTKIT_PT2_BENCH (bench/make_big_pt2.py makes one), else the committed fixture it
// replicates (so the ctest smoke run has something to read).
#include <benchmark/benchmark.h>

#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

import aotkit.graph;
import aotkit.pt2;

using namespace aotkit;

namespace {

std::string archive_path() {
  if (const char* p = std::getenv("AOTKIT_PT2_BENCH")) return p;
  return AOTKIT_SOURCE_DIR "/tests/pt2/data/torch26_run/mlp_square_decomposed.pt2";
}

std::size_t resident() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, rss = 0;
  statm >> pages >> rss;
  return rss * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

std::size_t node_count(const graph::GraphModule& m) {
  std::size_t n = 0;
  for (const auto& [path, g] : m.named_modules()) n += g->size();
  return n;
}

// Per-node time is the reported real time over `nodes` (bench/compare.py divides).
void per_node(benchmark::State& state, std::size_t nodes) { state.counters["nodes"] = static_cast<double>(nodes); }

// Resident bytes gained between two readings, per node (negative when glibc gave memory back).
double per_node_bytes(std::size_t after, std::size_t before, std::size_t nodes) {
  return (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(nodes);
}

// The timed loop: open the archive with `open` (zip_archive::open or map), read the program.
// Returns the program's node count.
template <class Open>
std::size_t load_programs(benchmark::State& state, const std::string& path, Open open) {
  std::size_t nodes = 0;
  for (auto _ : state) {
    pt2::exported_program ep = pt2::load_exported_program(open(path));
    nodes = node_count(ep.module);
    benchmark::DoNotOptimize(ep);
  }
  per_node(state, nodes);
  return nodes;
}

// open the file and read the program: graph module, signature, call graph, tensor metadata
void pt2_load_program(benchmark::State& state) {
  std::string path = archive_path();
  std::size_t nodes = load_programs(state, path, [](const std::string& p) { return pt2::zip_archive::open(p); });
  // memory: what the program holds beyond the archive's bytes (which it keeps, as its document),
  // and what its graph module alone holds (a copy of it), per node
  malloc_trim(0);
  std::size_t before = resident();
  pt2::zip_archive archive = pt2::zip_archive::open(path);
  std::size_t with_file = resident();
  pt2::exported_program ep = pt2::load_exported_program(archive);
  malloc_trim(0);
  std::size_t loaded = resident();
  graph::GraphModule copy = ep.module;
  malloc_trim(0);
  std::size_t copied = resident();
  state.counters["file_bytes/node"] = per_node_bytes(with_file, before, nodes);
  state.counters["program_bytes/node"] = per_node_bytes(loaded, with_file, nodes);
  state.counters["graph_bytes/node"] = per_node_bytes(copied, loaded, nodes);
  benchmark::DoNotOptimize(copy);
  // the same graph module as aotkit.graph holds it when it reads it itself (fx-json: that reader
  // builds the name index and the find_nodes lists as the pt2 reader does)
  {
    std::string text = graph::write_fx_json(ep.module);
    malloc_trim(0);
    std::size_t with_text = resident();
    graph::fx_document read = graph::read_fx_json(text);
    malloc_trim(0);
    state.counters["graph_read_bytes/node"] = per_node_bytes(resident(), with_text, nodes);
    benchmark::DoNotOptimize(read);
  }
  // of the program's own, what its tensor metadata (graph.tensor_values) holds
  decltype(ep.tensor_values)().swap(ep.tensor_values);
  malloc_trim(0);
  state.counters["tensor_values_bytes/node"] = per_node_bytes(copied, resident(), nodes);
}

// the same from a mapped file (zip_archive::map): the archive's bytes are the page cache's, not a
// copy in fresh memory
void pt2_load_program_mapped(benchmark::State& state) {
  (void)load_programs(state, archive_path(), [](const std::string& p) { return pt2::zip_archive::map(p); });
}

// and the weights, constants and example inputs: ExportedProgram::load, ready to call
void pt2_load_with_weights(benchmark::State& state) {
  std::string path = archive_path();
  std::size_t nodes = 0;
  for (auto _ : state) {
    pt2::ExportedProgram ep = pt2::ExportedProgram::load(pt2::zip_archive::open(path));
    nodes = node_count(ep.program().module);
    benchmark::DoNotOptimize(ep);
  }
  per_node(state, nodes);
}

// writing it back (torch.export.save's bytes)
void pt2_save(benchmark::State& state) {
  pt2::ExportedProgram ep = pt2::ExportedProgram::load(pt2::zip_archive::open(archive_path()));
  for (auto _ : state) benchmark::DoNotOptimize(ep.save());
  per_node(state, node_count(ep.program().module));
}

// writing a changed program: the serializer (torch's GraphModuleSerializer) over the whole graph
// module, then the archive (a tensor_values entry flipped, so the program is not its document)
void pt2_save_changed(benchmark::State& state) {
  pt2::ExportedProgram ep = pt2::ExportedProgram::load(pt2::zip_archive::open(archive_path()));
  auto& values = ep.program().tensor_values;
  if (!values.empty()) values.front().second.requires_grad = !values.front().second.requires_grad;
  for (auto _ : state) benchmark::DoNotOptimize(ep.save());
  per_node(state, node_count(ep.program().module));
}

}  // namespace

BENCHMARK(pt2_load_program)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(pt2_load_program_mapped)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(pt2_load_with_weights)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(pt2_save)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(pt2_save_changed)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK_MAIN();
