// modules/random/device.cpp — turns the CUDA boundary's status codes into aotkit exceptions.
// The kernels themselves are in cuda/philox_kernels.cu (or cuda/no_cuda.cpp without nvcc).
module;
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>
#include "aotkit/random_cuda.hpp"
module aotkit.random;

import aotkit.runtime;  // the error hierarchy

namespace aotkit::random {

namespace {

namespace cb = cuda_backend;

void check(int status, const char* what) {
  if (status != 0) throw runtime_error(std::string("CUDA: ") + what + ": " + cb::error_string(status));
}

cb::dist as_dist(torch_distribution d) { return d == torch_distribution::uniform ? cb::dist::uniform : cb::dist::normal; }

void require_even(std::size_t n, const char* what) {
  if (n % 2 != 0) throw value_error(std::string(what) + ": the length must be even, got " + std::to_string(n));
}

}  // namespace

bool cuda_compiled() noexcept { return cb::compiled(); }
int cuda_device_count() noexcept { return cb::device_count(); }

cuda_device_properties cuda_device_props(int device) {
  cuda_device_properties p;
  check(cb::device_properties(device, &p.multi_processor_count, &p.max_threads_per_multi_processor), "device properties");
  return p;
}

void gpu_curand_generate(std::span<std::uint32_t> out, std::uint64_t seed, std::uint64_t offset) {
  check(cb::fill32(cb::layout::curand_host, cb::dist::u32, out.data(), out.size(), seed, offset, 0), "curand_generate");
}
void gpu_curand_generate_uniform(std::span<float> out, std::uint64_t seed, std::uint64_t offset) {
  check(cb::fill32(cb::layout::curand_host, cb::dist::uniform, out.data(), out.size(), seed, offset, 0),
        "curand_generate_uniform");
}
void gpu_curand_generate_normal(std::span<float> out, std::uint64_t seed, std::uint64_t offset) {
  require_even(out.size(), "gpu_curand_generate_normal");
  // Normals pair words (2i, 2i+1) of the stream: an odd offset starts mid-pair, so draw from the
  // even word before it and drop the first value.
  if (offset % 2 == 0) {
    check(cb::fill32(cb::layout::curand_host, cb::dist::normal, out.data(), out.size(), seed, offset, 0),
          "curand_generate_normal");
    return;
  }
  std::vector<float> wide(out.size() + 2);
  check(cb::fill32(cb::layout::curand_host, cb::dist::normal, wide.data(), wide.size(), seed, offset - 1, 0),
        "curand_generate_normal");
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = wide[i + 1];
}
void gpu_curand_generate_uniform_double(std::span<double> out, std::uint64_t seed, std::uint64_t offset) {
  check(cb::fill64(cb::layout::curand_host, cb::dist::uniform, out.data(), out.size(), seed, offset, 0),
        "curand_generate_uniform_double");
}
void gpu_curand_generate_normal_double(std::span<double> out, std::uint64_t seed, std::uint64_t offset) {
  require_even(out.size(), "gpu_curand_generate_normal_double");
  check(cb::fill64(cb::layout::curand_host, cb::dist::normal, out.data(), out.size(), seed, offset, 0),
        "curand_generate_normal_double");
}

void gpu_torch_cuda_fill(std::span<float> out, torch_distribution dist, std::uint64_t seed, std::uint64_t offset,
                         const cuda_device_properties& device) {
  auto p = calc_execution_policy(out.size(), 4, device);
  check(cb::fill32(cb::layout::torch, as_dist(dist), out.data(), out.size(), seed, offset, p.grid), "torch fill");
}
void gpu_torch_cuda_fill(std::span<double> out, torch_distribution dist, std::uint64_t seed, std::uint64_t offset,
                         const cuda_device_properties& device) {
  auto p = calc_execution_policy(out.size(), 2, device);
  check(cb::fill64(cb::layout::torch, as_dist(dist), out.data(), out.size(), seed, offset, p.grid), "torch fill");
}

namespace {

template <class T>
backend torch_fill_auto(std::span<T> out, torch_distribution dist, std::uint64_t seed, std::uint64_t offset,
                        const cuda_device_properties& device) {
  if (cuda_device_count() > 0) {
    gpu_torch_cuda_fill(out, dist, seed, offset, device);
    return backend::cuda;
  }
  torch_cuda_fill(out, dist, seed, offset, device);
  return backend::cpu;
}

}  // namespace

backend torch_cuda_fill_auto(std::span<float> out, torch_distribution dist, std::uint64_t seed, std::uint64_t offset,
                             const cuda_device_properties& device) {
  return torch_fill_auto(out, dist, seed, offset, device);
}

backend torch_cuda_fill_auto(std::span<double> out, torch_distribution dist, std::uint64_t seed, std::uint64_t offset,
                             const cuda_device_properties& device) {
  return torch_fill_auto(out, dist, seed, offset, device);
}

backend curand_generate_uniform_auto(std::span<float> out, std::uint64_t seed, std::uint64_t offset) {
  if (cuda_device_count() > 0) {
    gpu_curand_generate_uniform(out, seed, offset);
    return backend::cuda;
  }
  curand_generate_uniform(out, seed, offset);
  return backend::cpu;
}

gpu_timing gpu_time_uniform_fill(std::size_t n, bool torch_order, int repeats) {
  auto props = cuda_device_props(0);
  auto p = calc_execution_policy(n, 4, props);
  float fill = 0, copy = 0;
  check(cb::time_fill32(torch_order ? cb::layout::torch : cb::layout::curand_host, cb::dist::uniform, n, 1234, p.grid,
                        repeats, &fill),
        "timing a fill");
  check(cb::time_copy(n * sizeof(float), repeats, &copy), "timing a copy");
  return {fill, copy};
}

}  // namespace aotkit::random
