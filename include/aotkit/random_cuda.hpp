// include/aotkit/random_cuda.hpp — the plain C++ boundary between aotkit.random and its CUDA kernels
// (nvcc cannot import modules). Host pointers in and out; every call returns 0 or a cudaError_t.
#pragma once

#include <cstddef>
#include <cstdint>

namespace aotkit::random::cuda_backend {

/// True when this build has the CUDA kernels (nvcc was found at configure time).
bool compiled() noexcept;
/// Number of usable CUDA devices; 0 without a GPU, a driver, or CUDA support in the build.
int device_count() noexcept;
/// The SM count and max threads per SM of `device`; returns a cudaError_t (0 on success).
int device_properties(int device, int* multi_processor_count, int* max_threads_per_multi_processor) noexcept;
/// The CUDA error string of a status code.
const char* error_string(int status) noexcept;

/// Layouts and distributions the kernels implement.
enum class layout : int { curand_host = 0, torch = 1 };
enum class dist : int { u32 = 0, uniform = 1, normal = 2 };

/// Fills `n` 32-bit words (u32) or floats (uniform/normal) on the current device and copies them
/// to `host_out`. For layout::torch, `grid` is the kernel's grid size (PyTorch's policy).
int fill32(layout l, dist d, void* host_out, std::size_t n, std::uint64_t seed, std::uint64_t offset,
           std::uint64_t grid) noexcept;
/// The same for doubles (uniform/normal).
int fill64(layout l, dist d, double* host_out, std::size_t n, std::uint64_t seed, std::uint64_t offset,
           std::uint64_t grid) noexcept;
/// Fills `n` floats on the device without copying back and returns the kernel time in
/// milliseconds through `ms` (for benchmarks).
int time_fill32(layout l, dist d, std::size_t n, std::uint64_t seed, std::uint64_t grid, int repeats, float* ms) noexcept;

/// Times a device-to-device copy of `bytes` bytes (the bandwidth a fill can hope for).
int time_copy(std::size_t bytes, int repeats, float* ms) noexcept;

}  // namespace aotkit::random::cuda_backend
