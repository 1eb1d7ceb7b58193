// modules/random/device.cppm — the GPU side of aotkit.random (partition :device): the same fills as
// :fill, computed by CUDA kernels. Without a GPU (or a CUDA build) they throw; check first.
module;
#include <cstddef>
#include <cstdint>
#include <span>
export module aotkit.random:device;

import :fill;

export namespace aotkit::random {

/// True when this build has the CUDA kernels.
[[nodiscard]] bool cuda_compiled() noexcept;
/// Usable CUDA devices; 0 without a GPU, a driver, or a CUDA build.
[[nodiscard]] int cuda_device_count() noexcept;
/// The launch-relevant properties of a real device. Throws aotkit::runtime_error without one.
[[nodiscard]] cuda_device_properties cuda_device_props(int device = 0);

/// `curand_generate` (host order) computed on the GPU; throws aotkit::runtime_error on CUDA errors.
void gpu_curand_generate(std::span<std::uint32_t> out, std::uint64_t seed, std::uint64_t offset = 0);
/// `curand_generate_uniform` on the GPU (bit-identical to the CPU).
void gpu_curand_generate_uniform(std::span<float> out, std::uint64_t seed, std::uint64_t offset = 0);
/// `curand_generate_normal` on the GPU (device `__sincosf`: last bits differ from the CPU).
void gpu_curand_generate_normal(std::span<float> out, std::uint64_t seed, std::uint64_t offset = 0);
/// `curand_generate_uniform_double` / `_normal_double` on the GPU.
void gpu_curand_generate_uniform_double(std::span<double> out, std::uint64_t seed, std::uint64_t offset = 0);
void gpu_curand_generate_normal_double(std::span<double> out, std::uint64_t seed, std::uint64_t offset = 0);
/// `torch_cuda_fill` on the GPU, launched with the grid PyTorch would use on `device`.
void gpu_torch_cuda_fill(std::span<float> out, torch_distribution dist, std::uint64_t seed, std::uint64_t offset,
                         const cuda_device_properties& device);
void gpu_torch_cuda_fill(std::span<double> out, torch_distribution dist, std::uint64_t seed, std::uint64_t offset,
                         const cuda_device_properties& device);

/// Where a fill ran.
enum class backend : std::uint8_t { cpu, cuda };

/// `torch_cuda_fill` on the GPU when one is usable, else on the CPU (same values; normals differ in
/// the last bits between the two). Returns where it ran.
backend torch_cuda_fill_auto(std::span<float> out, torch_distribution dist, std::uint64_t seed, std::uint64_t offset,
                             const cuda_device_properties& device = {});
backend torch_cuda_fill_auto(std::span<double> out, torch_distribution dist, std::uint64_t seed, std::uint64_t offset,
                             const cuda_device_properties& device = {});
/// `curand_generate_uniform` on the GPU when one is usable, else on the CPU (bit-identical).
backend curand_generate_uniform_auto(std::span<float> out, std::uint64_t seed, std::uint64_t offset = 0);

/// Milliseconds per fill of `n` uniform floats on the GPU, kernel only (torch order when
/// `torch_order`, else host order), and per device-to-device copy of the same bytes.
struct gpu_timing {
  double fill_ms;
  double copy_ms;
};
[[nodiscard]] gpu_timing gpu_time_uniform_fill(std::size_t n, bool torch_order, int repeats = 20);

}  // namespace aotkit::random
