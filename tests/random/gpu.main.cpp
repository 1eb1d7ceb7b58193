// tests/random/gpu.main.cpp — GPU fills against the CPU fills (bit for bit; normals within the
// documented __sincosf tolerance) and against cuRAND's device API in a kernel. Exits 77 (ctest:
// Skipped) without a GPU. With --bench it also times a 1 GiB fill against a device copy and
// cuRAND's device generator.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string_view>
#include <vector>

import aotkit.random;

#if AOTKIT_HAVE_CUDA
int curand_torch_uniform_reference(float* host_out, std::size_t n, std::uint64_t seed, std::uint64_t offset,
                                   std::uint64_t grid);
int curand_device_generate_uniform_ms(std::size_t n, int repeats, float* ms);
#endif

using namespace aotkit::random;

namespace {

int failures = 0;

template <class T>
void expect_bits(const char* what, const std::vector<T>& gpu, const std::vector<T>& cpu) {
  if (gpu.size() == cpu.size() && std::memcmp(gpu.data(), cpu.data(), gpu.size() * sizeof(T)) == 0) return;
  std::size_t i = 0;
  while (i < gpu.size() && std::memcmp(&gpu[i], &cpu[i], sizeof(T)) == 0) ++i;
  std::printf("FAIL %s: first difference at %zu\n", what, i);
  ++failures;
}

template <class T>
void expect_close(const char* what, const std::vector<T>& gpu, const std::vector<T>& cpu, double tol) {
  double worst = 0;
  for (std::size_t i = 0; i < gpu.size(); ++i) worst = std::max(worst, std::abs(double(gpu[i]) - double(cpu[i])));
  if (worst <= tol) return;
  std::printf("FAIL %s: max |gpu - cpu| = %g > %g\n", what, worst, tol);
  ++failures;
}

}  // namespace

int main(int argc, char** argv) {
  if (!cuda_compiled()) {
    std::printf("SKIP: built without CUDA\n");
    return 77;
  }
  if (cuda_device_count() == 0) {
    std::printf("SKIP: no CUDA device\n");
    return 77;
  }
  auto props = cuda_device_props(0);
  std::printf("device 0: %d SMs, %d threads per SM\n", props.multi_processor_count, props.max_threads_per_multi_processor);
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 12; ++trial) {
    std::uint64_t seed = rng();
    std::uint64_t offset = trial < 6 ? trial : rng() % 1000000;
    std::size_t n = 2 * (1 + rng() % (trial % 3 == 0 ? 3000000 : 5000));
    std::vector<std::uint32_t> gw(n), cw(n);
    gpu_curand_generate(gw, seed, offset);
    curand_generate(cw, seed, offset);
    expect_bits("curand_generate", gw, cw);
    std::vector<float> gf(n), cf(n);
    gpu_curand_generate_uniform(gf, seed, offset);
    curand_generate_uniform(cf, seed, offset);
    expect_bits("curand_generate_uniform", gf, cf);
    gpu_curand_generate_normal(gf, seed, offset);
    curand_generate_normal(cf, seed, offset);
    expect_close("curand_generate_normal", gf, cf, 1e-4);
    std::vector<double> gd(n), cd(n);
    gpu_curand_generate_uniform_double(gd, seed, offset);
    curand_generate_uniform_double(cd, seed, offset);
    expect_bits("curand_generate_uniform_double", gd, cd);
    gpu_curand_generate_normal_double(gd, seed, offset);
    curand_generate_normal_double(cd, seed, offset);
    expect_close("curand_generate_normal_double", gd, cd, 1e-12);

    std::uint64_t toff = 4 * (rng() % 100000);
    gpu_torch_cuda_fill(gf, torch_distribution::uniform, seed, toff, props);
    torch_cuda_fill(cf, torch_distribution::uniform, seed, toff, props);
    expect_bits("torch uniform float32", gf, cf);
#if AOTKIT_HAVE_CUDA
    std::vector<float> ref(n);
    if (curand_torch_uniform_reference(ref.data(), n, seed, toff, calc_execution_policy(n, 4, props).grid) != 0) {
      std::printf("FAIL: cuRAND reference kernel\n");
      ++failures;
    }
    expect_bits("torch uniform float32 vs curand_uniform4 kernel", gf, ref);
#endif
    gpu_torch_cuda_fill(gf, torch_distribution::normal, seed, toff, props);
    torch_cuda_fill(cf, torch_distribution::normal, seed, toff, props);
    expect_close("torch normal float32", gf, cf, 1e-4);
    gpu_torch_cuda_fill(gd, torch_distribution::uniform, seed, toff, props);
    torch_cuda_fill(cd, torch_distribution::uniform, seed, toff, props);
    expect_bits("torch uniform float64", gd, cd);
  }
  std::printf("%s: %d failures\n", failures ? "FAIL" : "PASS", failures);
  if (argc > 1 && std::string_view(argv[1]) == "--bench") {
    const std::size_t n = (std::size_t{1} << 30) / sizeof(float);  // 1 GiB of float32
    for (bool torch_order : {false, true}) {
      auto t = gpu_time_uniform_fill(n, torch_order);
      double fill_gbs = double(n * sizeof(float)) / (t.fill_ms * 1e6);
      double copy_gbs = 2.0 * double(n * sizeof(float)) / (t.copy_ms * 1e6);  // read + write
      std::printf("bench %s order: fill 1 GiB %.3f ms = %.1f GB/s; d2d copy %.1f GB/s; fill/copy %.1f%%\n",
                  torch_order ? "torch" : "curand-host", t.fill_ms, fill_gbs, copy_gbs, 100.0 * fill_gbs / copy_gbs);
    }
#if AOTKIT_HAVE_CUDA
    float ms = 0;
    if (curand_device_generate_uniform_ms(n, 20, &ms) == 0)
      std::printf("bench curandGenerateUniform (device generator) 1 GiB: %.3f ms = %.1f GB/s\n", ms,
                  double(n * sizeof(float)) / (ms * 1e6));
#endif
  }
  return failures ? 1 : 0;
}
