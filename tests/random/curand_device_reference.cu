// tests/random/curand_device_reference.cu — cuRAND's own device API run in kernels, as references
// for the GPU test: PyTorch's uniform kernel written with curand_init/curand_uniform4, and
// cuRAND's device generator timed for the benchmark.
#include <cuda_runtime.h>
#include <curand.h>
#include <curand_kernel.h>

#include <cstddef>
#include <cstdint>

namespace {

__global__ void torch_uniform_with_curand(float* out, std::uint64_t n, std::uint64_t seed, std::uint64_t offset) {
  const std::uint64_t T = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  const std::uint64_t t = blockIdx.x * static_cast<std::uint64_t>(blockDim.x) + threadIdx.x;
  curandStatePhilox4_32_10_t state;
  curand_init(seed, t, offset, &state);
  for (std::uint64_t first = t; first < n; first += 4 * T) {
    float4 r = curand_uniform4(&state);
    float v[4] = {r.x, r.y, r.z, r.w};
    for (int c = 0; c < 4; ++c)
      if (first + c * T < n) out[first + c * T] = v[c] == 1.0f ? 0.0f : v[c];
  }
}

}  // namespace

int curand_torch_uniform_reference(float* host_out, std::size_t n, std::uint64_t seed, std::uint64_t offset,
                                   std::uint64_t grid) {
  float* dev = nullptr;
  cudaError_t e = cudaMalloc(&dev, n * sizeof(float));
  if (e != cudaSuccess) return static_cast<int>(e);
  torch_uniform_with_curand<<<static_cast<unsigned>(grid), 256>>>(dev, n, seed, offset);
  e = cudaGetLastError();
  if (e == cudaSuccess) e = cudaMemcpy(host_out, dev, n * sizeof(float), cudaMemcpyDeviceToHost);
  cudaFree(dev);
  return static_cast<int>(e);
}

int curand_device_generate_uniform_ms(std::size_t n, int repeats, float* ms) {
  float* dev = nullptr;
  if (cudaMalloc(&dev, n * sizeof(float)) != cudaSuccess) return 1;
  curandGenerator_t g;
  if (curandCreateGenerator(&g, CURAND_RNG_PSEUDO_PHILOX4_32_10) != CURAND_STATUS_SUCCESS) return 2;
  curandSetPseudoRandomGeneratorSeed(g, 1234);
  curandGenerateUniform(g, dev, n);
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  cudaEventRecord(a);
  for (int r = 0; r < repeats; ++r) curandGenerateUniform(g, dev, n);
  cudaEventRecord(b);
  cudaEventSynchronize(b);
  cudaEventElapsedTime(ms, a, b);
  *ms /= static_cast<float>(repeats);
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  curandDestroyGenerator(g);
  cudaFree(dev);
  return 0;
}
