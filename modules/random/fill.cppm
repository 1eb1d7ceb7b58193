// modules/random/fill.cppm — bulk fills (partition :fill) in two layouts: the order of cuRAND's host
// generator CURAND_RNG_PSEUDO_PHILOX4_32_10, and the order of PyTorch's CUDA distribution kernels.
module;
#include <cstddef>
#include <cstdint>
#include <span>
export module aotkit.random:fill;

import aotkit.runtime;

export namespace aotkit::random {

//===--- cuRAND host generator order (curandGenerate*, docs/philox.md §2.6) ---===//

/// `curandGenerate` with the generator's seed and offset: 32-bit value m (counting from the
/// offset) is word m%4 of Philox(ctr = (j/65536, j%65536 in word 2), key = seed), j = m/4.
/// Every fill of this order throws aotkit::value_error when offset + length passes 2^64 (cuRAND's
/// host generator offset is 64 bits).
void curand_generate(std::span<std::uint32_t> out, std::uint64_t seed, std::uint64_t offset = 0);
/// `curandGenerateUniform`: `_curand_uniform` of each value of `curand_generate`.
void curand_generate_uniform(std::span<float> out, std::uint64_t seed, std::uint64_t offset = 0);
/// `curandGenerateNormal`: Box-Muller over value pairs (2i, 2i+1) → (sin, cos), times stddev
/// plus mean. The length must be even (cuRAND's CURAND_STATUS_LENGTH_NOT_MULTIPLE): else
/// aotkit::value_error.
void curand_generate_normal(std::span<float> out, std::uint64_t seed, std::uint64_t offset = 0, float mean = 0.0f,
                            float stddev = 1.0f);
/// `curandGenerateUniformDouble`: double k takes words of block 2*(t/65536) + (k%4)/2 of
/// subsequence t%65536, t = k/4 (pair (0,1) for even k, (2,3) for odd), 53 bits each; with an
/// offset, each subsequence starts one block back per group of its own that lies before the
/// offset, as libcurand does (see fill.cpp).
void curand_generate_uniform_double(std::span<double> out, std::uint64_t seed, std::uint64_t offset = 0);
/// `curandGenerateNormalDouble`: the double Box-Muller of the whole block that uniform double k
/// would read from; even k → sin, odd → cos. The length must be even.
void curand_generate_normal_double(std::span<double> out, std::uint64_t seed, std::uint64_t offset = 0,
                                   double mean = 0.0, double stddev = 1.0);

//===--- PyTorch CUDA kernel order (DistributionTemplates.h, docs/philox.md §3.3) ---===//

/// The device facts PyTorch's launch configuration depends on. Defaults: H100 SXM.
struct cuda_device_properties {
  int multi_processor_count = 132;
  int max_threads_per_multi_processor = 2048;
};

/// PyTorch's `calc_execution_policy(numel, unroll)`: 256 threads a block, grid capped at
/// SMs × (max threads per SM / 256), and the Philox offset increment each thread may consume.
struct launch_policy {
  std::uint64_t block = 256;
  std::uint64_t grid = 1;
  std::uint64_t increment = 4;
  [[nodiscard]] inline std::uint64_t threads() const noexcept { return block * grid; }
};
[[nodiscard]] launch_policy calc_execution_policy(std::uint64_t numel, int unroll,
                                                  const cuda_device_properties& device = {});

/// What `torch.rand`-style kernels draw per element.
enum class torch_distribution { uniform, normal };

/// The values PyTorch's CUDA kernel writes for `uniform_(0, 1)` / `normal_(0, 1)` on a float32
/// tensor of `out.size()` elements, given the (seed, offset) its generator handed out: element i
/// comes from thread i % T, call (i / 4T), component (i / T) % 4 of curand_uniform4 /
/// curand_normal4 (uniform maps 1.0 to 0.0, as PyTorch does). Normals follow cuRAND's host path.
void torch_cuda_fill(std::span<float> out, torch_distribution dist, std::uint64_t seed, std::uint64_t offset,
                     const cuda_device_properties& device = {});
/// The same for float64 tensors (curand_uniform2_double / curand_normal2_double, unroll 2).
void torch_cuda_fill(std::span<double> out, torch_distribution dist, std::uint64_t seed, std::uint64_t offset,
                     const cuda_device_properties& device = {});

/// The keep mask PyTorch's CUDA dropout kernel draws (Dropout.cu, `dropout_cuda`) for `out.size()`
/// elements with keep probability `p_keep` (= 1 - p), given its (seed, offset): element kept iff
/// `curand_uniform < p_keep` (in float; cuRAND's 1.0 is never below 1, so even p = 0 can drop).
/// `vec` is the kernel's vector width: 4 or 2 (`fused_dropout_kernel_vec`: thread t, iteration
/// k covers elements (t + k·T)·vec ... + vec - 1 from one curand_uniform4, which with vec 2 uses
/// only its first two values), or 1 (`fused_dropout_kernel`: the grid-stride unroll-4 order of
/// the distribution kernels). Throws aotkit::value_error for another vec.
void torch_dropout_keep_mask(std::span<std::uint8_t> out, float p_keep, int vec, std::uint64_t seed,
                             std::uint64_t offset, const cuda_device_properties& device = {});

}  // namespace aotkit::random
