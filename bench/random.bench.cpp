// bench/random.bench.cpp — CPU Philox throughput: aotkit's fills and batch kernel at each SIMD level,
// against Random123's scalar Philox and cuRAND's host generator, in the same run.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <string>
#include <cstdint>
#include <vector>

#include <Random123/philox.h>
#include <Random123/uniform.hpp>
#if AOTKIT_BENCH_HAVE_CURAND
#include <curand.h>
#endif

import aotkit.random;

using namespace aotkit::random;

namespace {

constexpr std::size_t n_floats = 1 << 22;  // 16 MiB of float32

void set_bytes(benchmark::State& state, std::size_t bytes) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes));
}

void aotkit_curand_generate_uniform(benchmark::State& state) {
  std::vector<float> out(n_floats);
  for (auto _ : state) {
    curand_generate_uniform(out, 1234, 0);
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state, out.size() * sizeof(float));
}
BENCHMARK(aotkit_curand_generate_uniform)->Unit(benchmark::kMillisecond);

void aotkit_torch_rand(benchmark::State& state) {
  std::vector<float> out(n_floats);
  for (auto _ : state) {
    torch_cuda_fill(out, torch_distribution::uniform, 1234, 0);
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state, out.size() * sizeof(float));
}
BENCHMARK(aotkit_torch_rand)->Unit(benchmark::kMillisecond);

// The batch kernel alone: 2^20 blocks (16 MiB of output words) at the given level.
void aotkit_philox_soa(benchmark::State& state) {
  auto level = static_cast<simd_level>(state.range(0));
  const std::size_t n = n_floats / 4;
  std::array<std::vector<std::uint32_t>, 4> c, o;
  for (int w = 0; w < 4; ++w) {
    c[static_cast<std::size_t>(w)].assign(n, 0);
    o[static_cast<std::size_t>(w)].assign(n, 0);
  }
  for (std::size_t i = 0; i < n; ++i) c[0][i] = static_cast<std::uint32_t>(i);
  for (auto _ : state) {
    philox4x32_10_soa({c[0], c[1], c[2], c[3]}, {{1234, 0}}, {o[0], o[1], o[2], o[3]}, level);
    benchmark::DoNotOptimize(o[0].data());
  }
  set_bytes(state, n * 16);
  state.SetLabel(std::string(to_string(std::min(level, best_simd_level()))));
}
BENCHMARK(aotkit_philox_soa)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

// Random123's scalar Philox4x32-10 with its u01 conversion (the same formula as cuRAND's).
void random123_scalar_uniform(benchmark::State& state) {
  std::vector<float> out(n_floats);
  r123::Philox4x32 rng;
  for (auto _ : state) {
    r123::Philox4x32::ctr_type c{{0, 0, 0, 0}};
    r123::Philox4x32::key_type k{{1234, 0}};
    for (std::size_t i = 0; i < out.size(); i += 4) {
      c[0] = static_cast<std::uint32_t>(i / 4);
      auto r = rng(c, k);
      for (int w = 0; w < 4; ++w) out[i + static_cast<std::size_t>(w)] = r123::u01<float>(r[w]);
    }
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state, out.size() * sizeof(float));
}
BENCHMARK(random123_scalar_uniform)->Unit(benchmark::kMillisecond);

#if AOTKIT_BENCH_HAVE_CURAND
void curand_host_generate_uniform(benchmark::State& state) {
  std::vector<float> out(n_floats);
  curandGenerator_t g{};
  curandCreateGeneratorHost(&g, CURAND_RNG_PSEUDO_PHILOX4_32_10);
  curandSetPseudoRandomGeneratorSeed(g, 1234);
  for (auto _ : state) {
    curandSetGeneratorOffset(g, 0);
    curandGenerateUniform(g, out.data(), out.size());
    benchmark::DoNotOptimize(out.data());
  }
  curandDestroyGenerator(g);
  set_bytes(state, out.size() * sizeof(float));
}
BENCHMARK(curand_host_generate_uniform)->Unit(benchmark::kMillisecond);
#endif

}  // namespace

BENCHMARK_MAIN();
