// modules/random/cuda/philox_kernels.cu — the CUDA kernels of aotkit.random: cuRAND host-generator
// order (one 16-byte store per Philox block) and PyTorch's grid-stride kernel order, built from the
// same constexpr core as the CPU code (include/aotkit/philox_core.hpp).
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "aotkit/philox_core.hpp"
#include "aotkit/random_cuda.hpp"

namespace aotkit::random::cuda_backend {

namespace {

using core::philox4x32;
using core::u32x2;
using core::u32x4;

constexpr std::uint64_t host_subsequences = 65536;

__device__ inline u32x2 key_of(std::uint64_t seed) {
  return {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
}

// cuRAND's device Box-Muller: __sincosf, as curand_normal.h's device branch.
__device__ inline float2 box_muller_device(std::uint32_t x, std::uint32_t y) {
  float u = core::box_muller_u(x), v = core::box_muller_v(y);
  float s = sqrtf(-2.0f * logf(u));
  float2 r;
  __sincosf(v, &r.x, &r.y);
  r.x *= s;
  r.y *= s;
  return r;
}

__device__ inline double2 box_muller_double_device(std::uint32_t x0, std::uint32_t x1, std::uint32_t y0, std::uint32_t y1) {
  double u = core::box_muller_double_u(x0, x1), v = core::box_muller_double_v(y0, y1);
  double s = sqrt(-2.0 * log(u));
  double2 r;
  sincospi(v, &r.x, &r.y);
  r.x *= s;
  r.y *= s;
  return r;
}

__device__ inline float to_float(dist d, std::uint32_t w, std::uint32_t pair_x, std::uint32_t pair_y, bool second) {
  if (d == dist::uniform) return core::uniform_float(w);
  float2 bm = box_muller_device(pair_x, pair_y);
  return second ? bm.y : bm.x;
}

// Host order: block j covers words 4j..4j+3 of the stream; words [offset, offset + n) are written.
__global__ void host_order32(dist d, std::uint32_t* out, std::uint64_t n, std::uint64_t seed, std::uint64_t offset) {
  const u32x2 key = key_of(seed);
  const std::uint64_t first_block = offset / 4, last_block = (offset + n - 1) / 4;
  for (std::uint64_t j = first_block + blockIdx.x * static_cast<std::uint64_t>(blockDim.x) + threadIdx.x; j <= last_block;
       j += static_cast<std::uint64_t>(gridDim.x) * blockDim.x) {
    std::uint64_t hi = j / host_subsequences;
    u32x4 b = philox4x32<10>({{static_cast<std::uint32_t>(hi), static_cast<std::uint32_t>(hi >> 32),
                               static_cast<std::uint32_t>(j % host_subsequences), 0}},
                             key);
    std::uint32_t v[4];
    for (int w = 0; w < 4; ++w) {
      if (d == dist::u32) v[w] = b.v[w];
      else {
        float f = to_float(d, b.v[w], b.v[w & ~1], b.v[w | 1], (w & 1) != 0);
        v[w] = __float_as_uint(f);
      }
    }
    std::uint64_t word0 = 4 * j;
    if (word0 >= offset && word0 + 4 <= offset + n && (offset % 4) == 0) {
      *reinterpret_cast<uint4*>(out + (word0 - offset)) = make_uint4(v[0], v[1], v[2], v[3]);  // 16-byte store
    } else {
      for (int w = 0; w < 4; ++w) {
        std::uint64_t m = word0 + w;
        if (m >= offset && m < offset + n) out[m - offset] = v[w];
      }
    }
  }
}

// Host-order doubles (see fill.cpp for the offset rule observed in libcurand).
__global__ void host_order64(dist d, double* out, std::uint64_t n, std::uint64_t seed, std::uint64_t offset) {
  const u32x2 key = key_of(seed);
  for (std::uint64_t i = blockIdx.x * static_cast<std::uint64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::uint64_t>(gridDim.x) * blockDim.x) {
    std::uint64_t k = offset + i, group = k / 4, t = group % host_subsequences, j = group / host_subsequences;
    std::uint64_t before = offset / 4;
    std::uint64_t c = before > t ? (before - 1 - t) / host_subsequences + 1 : 0;
    std::uint64_t blk = 2 * j - c + (k % 4) / 2;
    u32x4 b = philox4x32<10>({{static_cast<std::uint32_t>(blk), static_cast<std::uint32_t>(blk >> 32),
                               static_cast<std::uint32_t>(t), 0}},
                             key);
    if (d == dist::uniform) out[i] = k % 2 == 0 ? core::uniform_double_hq(b.v[0], b.v[1]) : core::uniform_double_hq(b.v[2], b.v[3]);
    else {
      double2 bm = box_muller_double_device(b.v[0], b.v[1], b.v[2], b.v[3]);
      out[i] = k % 2 == 0 ? bm.x : bm.y;
    }
  }
}

// PyTorch's distribution_elementwise_grid_stride_kernel with unroll 4 (float) or 2 (double).
__global__ void torch_order32(dist d, float* out, std::uint64_t n, std::uint64_t seed, std::uint64_t offset) {
  const std::uint64_t T = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  const std::uint64_t t = blockIdx.x * static_cast<std::uint64_t>(blockDim.x) + threadIdx.x;
  core::philox_state s = core::philox_state::init(seed, t, offset);
  for (std::uint64_t first = t; first < n; first += 4 * T) {
    u32x4 b = s.next4();
    float v[4];
    if (d == dist::normal) {
      float2 p = box_muller_device(b.v[0], b.v[1]), q = box_muller_device(b.v[2], b.v[3]);
      v[0] = p.x, v[1] = p.y, v[2] = q.x, v[3] = q.y;
    } else {
      for (int c = 0; c < 4; ++c) {
        float r = core::uniform_float(b.v[c]);
        v[c] = r == 1.0f ? 0.0f : r;
      }
    }
    for (int c = 0; c < 4; ++c)
      if (first + c * T < n) out[first + c * T] = v[c];
  }
}

__global__ void torch_order64(dist d, double* out, std::uint64_t n, std::uint64_t seed, std::uint64_t offset) {
  const std::uint64_t T = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  const std::uint64_t t = blockIdx.x * static_cast<std::uint64_t>(blockDim.x) + threadIdx.x;
  core::philox_state s = core::philox_state::init(seed, t, offset);
  for (std::uint64_t first = t; first < n; first += 2 * T) {
    u32x4 b = s.next4();
    double v[2];
    if (d == dist::normal) {
      double2 bm = box_muller_double_device(b.v[0], b.v[1], b.v[2], b.v[3]);
      v[0] = bm.x, v[1] = bm.y;
    } else {
      v[0] = core::uniform_double_hq(b.v[0], b.v[1]);
      v[1] = core::uniform_double_hq(b.v[2], b.v[3]);
      for (double& x : v) x = x == 1.0 ? 0.0 : x;
    }
    for (int c = 0; c < 2; ++c)
      if (first + c * T < n) out[first + c * T] = v[c];
  }
}

constexpr unsigned block_size = 256;

unsigned host_grid(std::uint64_t work) {
  std::uint64_t g = (work + block_size - 1) / block_size;
  return static_cast<unsigned>(g < 65535 * 8 ? (g == 0 ? 1 : g) : 65535 * 8);
}

template <class T, class Launch>
int run_and_copy(T* host_out, std::size_t n, Launch launch) noexcept {
  if (n == 0) return 0;
  T* dev = nullptr;
  cudaError_t e = cudaMalloc(&dev, n * sizeof(T));
  if (e != cudaSuccess) return static_cast<int>(e);
  launch(dev);
  e = cudaGetLastError();
  if (e == cudaSuccess) e = cudaMemcpy(host_out, dev, n * sizeof(T), cudaMemcpyDeviceToHost);
  cudaFree(dev);
  return static_cast<int>(e);
}

}  // namespace

bool compiled() noexcept { return true; }

int device_count() noexcept {
  int n = 0;  // left untouched by cudaGetDeviceCount when there is no driver
  if (cudaGetDeviceCount(&n) != cudaSuccess) return 0;
  return n;
}

int device_properties(int device, int* sms, int* threads) noexcept {
  cudaError_t e = cudaDeviceGetAttribute(sms, cudaDevAttrMultiProcessorCount, device);
  if (e == cudaSuccess) e = cudaDeviceGetAttribute(threads, cudaDevAttrMaxThreadsPerMultiProcessor, device);
  return static_cast<int>(e);
}

const char* error_string(int status) noexcept { return cudaGetErrorString(static_cast<cudaError_t>(status)); }

int fill32(layout l, dist d, void* host_out, std::size_t n, std::uint64_t seed, std::uint64_t offset,
           std::uint64_t grid) noexcept {
  if (l == layout::curand_host) {
    return run_and_copy(static_cast<std::uint32_t*>(host_out), n, [&](std::uint32_t* dev) {
      host_order32<<<host_grid((n + 3) / 4 + 1), block_size>>>(d, dev, n, seed, offset);
    });
  }
  return run_and_copy(static_cast<float*>(host_out), n, [&](float* dev) {
    torch_order32<<<static_cast<unsigned>(grid), block_size>>>(d, dev, n, seed, offset);
  });
}

int fill64(layout l, dist d, double* host_out, std::size_t n, std::uint64_t seed, std::uint64_t offset,
           std::uint64_t grid) noexcept {
  return run_and_copy(host_out, n, [&](double* dev) {
    if (l == layout::curand_host) host_order64<<<host_grid(n), block_size>>>(d, dev, n, seed, offset);
    else torch_order64<<<static_cast<unsigned>(grid), block_size>>>(d, dev, n, seed, offset);
  });
}

int time_fill32(layout l, dist d, std::size_t n, std::uint64_t seed, std::uint64_t grid, int repeats, float* ms) noexcept {
  float* dev = nullptr;
  cudaError_t e = cudaMalloc(&dev, n * sizeof(float));
  if (e != cudaSuccess) return static_cast<int>(e);
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  auto launch = [&] {
    if (l == layout::curand_host)
      host_order32<<<host_grid((n + 3) / 4 + 1), block_size>>>(d, reinterpret_cast<std::uint32_t*>(dev), n, seed, 0);
    else
      torch_order32<<<static_cast<unsigned>(grid), block_size>>>(d, dev, n, seed, 0);
  };
  launch();  // warm-up
  cudaEventRecord(start);
  for (int r = 0; r < repeats; ++r) launch();
  cudaEventRecord(stop);
  cudaEventSynchronize(stop);
  cudaEventElapsedTime(ms, start, stop);
  *ms /= static_cast<float>(repeats > 0 ? repeats : 1);
  e = cudaGetLastError();
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaFree(dev);
  return static_cast<int>(e);
}

int time_copy(std::size_t bytes, int repeats, float* ms) noexcept {
  void *a = nullptr, *b = nullptr;
  cudaError_t e = cudaMalloc(&a, bytes);
  if (e == cudaSuccess) e = cudaMalloc(&b, bytes);
  if (e != cudaSuccess) {
    cudaFree(a);
    return static_cast<int>(e);
  }
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice);
  cudaEventRecord(start);
  for (int r = 0; r < repeats; ++r) cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice);
  cudaEventRecord(stop);
  cudaEventSynchronize(stop);
  cudaEventElapsedTime(ms, start, stop);
  *ms /= static_cast<float>(repeats > 0 ? repeats : 1);
  e = cudaGetLastError();
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaFree(a);
  cudaFree(b);
  return static_cast<int>(e);
}

}  // namespace aotkit::random::cuda_backend
