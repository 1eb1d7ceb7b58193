// modules/random/cuda/no_cuda.cpp — the CUDA boundary of aotkit.random in builds without nvcc:
// no devices; every fill reports cudaErrorNoDevice (100), so callers fall back to the CPU.
#include "aotkit/random_cuda.hpp"

namespace aotkit::random::cuda_backend {

namespace {
constexpr int no_device = 100;  // cudaErrorNoDevice
}

bool compiled() noexcept { return false; }
int device_count() noexcept { return 0; }
int device_properties(int, int*, int*) noexcept { return no_device; }
const char* error_string(int) noexcept { return "aotkit was built without CUDA"; }
int fill32(layout, dist, void*, std::size_t, std::uint64_t, std::uint64_t, std::uint64_t) noexcept { return no_device; }
int fill64(layout, dist, double*, std::size_t, std::uint64_t, std::uint64_t, std::uint64_t) noexcept { return no_device; }
int time_fill32(layout, dist, std::size_t, std::uint64_t, std::uint64_t, int, float*) noexcept { return no_device; }
int time_copy(std::size_t, int, float*) noexcept { return no_device; }

}  // namespace aotkit::random::cuda_backend
