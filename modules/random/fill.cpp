// modules/random/fill.cpp — the bulk fills. Each computes every Philox block once and writes the
// words where the emulated generator or kernel would; no per-element stream objects.
module;
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <aotkit/philox_core.hpp>
module aotkit.random;

import aotkit.runtime;  // the error hierarchy

namespace aotkit::random {

namespace {

using core::u32x2;
using core::u32x4;

constexpr std::uint64_t host_subsequences = 65536;

u32x2 key_of(std::uint64_t seed) noexcept {
  return {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
}

// The host generator's Philox block for 4-word group j (philox.md §2.6).
u32x4 host_block(std::uint64_t j, u32x2 key) noexcept {
  std::uint64_t b = j / host_subsequences;
  u32x4 ctr{{static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(b >> 32),
             static_cast<std::uint32_t>(j % host_subsequences), 0}};
  return core::philox4x32<10>(ctr, key);
}

// Calls emit(m, word) for words m = offset .. offset + n - 1 of the host order, a block at a time.
template <class Emit>
void host_words(std::uint64_t offset, std::size_t n, std::uint64_t seed, Emit emit) {
  u32x2 key = key_of(seed);
  std::uint64_t m = offset, end = offset + n;
  while (m < end) {
    u32x4 block = host_block(m / 4, key);
    for (std::uint64_t w = m % 4; w < 4 && m < end; ++w, ++m) emit(m - offset, block.v[w]);
  }
}

// The host generator's block for double k (philox.md §2.6), given the generator offset. Doubles
// come in groups of 4 (two Philox blocks); group G belongs to subsequence G % 65536, which takes
// its groups in turn. With an offset, cuRAND starts each subsequence 4 words (one block, not the
// two a group of doubles uses) further per whole group that lies before the offset — observed
// against libcurand 10.4's host generator — so group j of subsequence t reads blocks
// 2j - c_t and 2j - c_t + 1, with c_t the number of t's groups before the offset.
u32x4 host_double_block(std::uint64_t k, std::uint64_t offset, u32x2 key) noexcept {
  std::uint64_t group = k / 4;
  std::uint64_t t = group % host_subsequences;
  std::uint64_t j = group / host_subsequences;
  std::uint64_t groups_before = offset / 4;
  std::uint64_t c = groups_before > t ? (groups_before - 1 - t) / host_subsequences + 1 : 0;
  std::uint64_t b = 2 * j - c + (k % 4) / 2;
  u32x4 ctr{{static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(b >> 32), static_cast<std::uint32_t>(t), 0}};
  return core::philox4x32<10>(ctr, key);
}

void require_even(std::size_t n, const char* what) {
  if (n % 2 != 0)
    throw value_error(std::string(what) + ": the length must be even (cuRAND's CURAND_STATUS_LENGTH_NOT_MULTIPLE), got " +
                      std::to_string(n));
}

}  // namespace

void curand_generate(std::span<std::uint32_t> out, std::uint64_t seed, std::uint64_t offset) noexcept {
  host_words(offset, out.size(), seed, [&](std::size_t i, std::uint32_t w) { out[i] = w; });
}

void curand_generate_uniform(std::span<float> out, std::uint64_t seed, std::uint64_t offset) noexcept {
  host_words(offset, out.size(), seed, [&](std::size_t i, std::uint32_t w) { out[i] = core::uniform_float(w); });
}

void curand_generate_normal(std::span<float> out, std::uint64_t seed, std::uint64_t offset, float mean, float stddev) {
  require_even(out.size(), "curand_generate_normal");
  // Pairs are aligned on the stream, not on the offset: normal m pairs words (2*(m/2), +1).
  std::uint64_t first = offset - offset % 2;
  std::size_t n = out.size() + static_cast<std::size_t>(offset % 2) + 1;
  std::uint32_t x = 0;
  host_words(first, n, seed, [&](std::size_t i, std::uint32_t w) {
    if (i % 2 == 0) {
      x = w;
      return;
    }
    auto bm = box_muller(x, w);
    for (int h = 0; h < 2; ++h) {
      std::uint64_t k = first + i - 1 + static_cast<std::uint64_t>(h);  // stream index of this normal
      if (k >= offset && k - offset < out.size()) out[k - offset] = bm[h] * stddev + mean;
    }
  });
}

void curand_generate_uniform_double(std::span<double> out, std::uint64_t seed, std::uint64_t offset) noexcept {
  u32x2 key = key_of(seed);
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint64_t k = offset + i;
    u32x4 b = host_double_block(k, offset, key);
    out[i] = k % 2 == 0 ? core::uniform_double_hq(b.v[0], b.v[1]) : core::uniform_double_hq(b.v[2], b.v[3]);
  }
}

void curand_generate_normal_double(std::span<double> out, std::uint64_t seed, std::uint64_t offset, double mean,
                                   double stddev) {
  require_even(out.size(), "curand_generate_normal_double");
  u32x2 key = key_of(seed);
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint64_t k = offset + i;
    u32x4 b = host_double_block(k, offset, key);
    auto bm = box_muller_double(b.v[0], b.v[1], b.v[2], b.v[3]);
    out[i] = bm[k % 2] * stddev + mean;
  }
}

launch_policy calc_execution_policy(std::uint64_t numel, int unroll, const cuda_device_properties& device) {
  if (unroll <= 0) throw value_error("calc_execution_policy: unroll must be positive");
  if (device.multi_processor_count <= 0 || device.max_threads_per_multi_processor < 256)
    throw value_error("calc_execution_policy: a device needs at least one SM and 256 threads per SM");
  launch_policy p;
  std::uint64_t blocks_per_sm = static_cast<std::uint64_t>(device.max_threads_per_multi_processor) / p.block;
  std::uint64_t wanted = numel == 0 ? 1 : (numel + p.block - 1) / p.block;
  p.grid = std::min(wanted, static_cast<std::uint64_t>(device.multi_processor_count) * blocks_per_sm);
  std::uint64_t per_call = p.block * p.grid * static_cast<std::uint64_t>(unroll);
  p.increment = ((numel == 0 ? 0 : numel - 1) / per_call + 1) * 4;  // curand4_engine_calls = 4
  return p;
}

namespace {

// Element i of a grid-stride kernel with `unroll` components per call comes from thread i % T,
// call i / (unroll T), component (i / T) % unroll; call k of thread t reads Philox block
// (offset/4 + k, t). Visits elements block by block.
template <class Visit>
void torch_blocks(std::size_t numel, int unroll, std::uint64_t seed, std::uint64_t offset,
                  const cuda_device_properties& device, Visit visit) {
  launch_policy p = calc_execution_policy(numel, unroll, device);
  std::uint64_t T = p.threads();
  u32x2 key = key_of(seed);
  std::uint64_t u = static_cast<std::uint64_t>(unroll);
  std::uint64_t calls = (numel + u * T - 1) / (u * T);
  core::u32x4 base = core::counter_add(core::u32x4{{0, 0, 0, 0}}, offset / 4);
  for (std::uint64_t t = 0; t < std::min<std::uint64_t>(T, numel); ++t) {
    core::u32x4 ctr = core::counter_add_high(base, t);
    for (std::uint64_t k = 0; k < calls; ++k) {
      std::uint64_t first = t + k * u * T;
      if (first >= numel) break;
      visit(first, T, core::philox4x32<10>(core::counter_add(ctr, k), key));
    }
  }
}

}  // namespace

void torch_cuda_fill(std::span<float> out, torch_distribution dist, std::uint64_t seed, std::uint64_t offset,
                     const cuda_device_properties& device) {
  const std::size_t n = out.size();
  torch_blocks(n, 4, seed, offset, device, [&](std::uint64_t first, std::uint64_t T, const core::u32x4& b) {
    float v[4];
    if (dist == torch_distribution::uniform) {
      for (int c = 0; c < 4; ++c) {
        float r = core::uniform_float(b.v[c]);
        v[c] = r == 1.0f ? 0.0f : r;  // uniform_kernel: value == to ? from : value
      }
    } else {
      auto p = box_muller(b.v[0], b.v[1]);
      auto q = box_muller(b.v[2], b.v[3]);
      v[0] = p[0], v[1] = p[1], v[2] = q[0], v[3] = q[1];
    }
    for (std::uint64_t c = 0; c < 4; ++c)
      if (std::uint64_t i = first + c * T; i < n) out[i] = v[c];
  });
}

void torch_cuda_fill(std::span<double> out, torch_distribution dist, std::uint64_t seed, std::uint64_t offset,
                     const cuda_device_properties& device) {
  const std::size_t n = out.size();
  torch_blocks(n, 2, seed, offset, device, [&](std::uint64_t first, std::uint64_t T, const core::u32x4& b) {
    double v[2];
    if (dist == torch_distribution::uniform) {
      v[0] = core::uniform_double_hq(b.v[0], b.v[1]);
      v[1] = core::uniform_double_hq(b.v[2], b.v[3]);
      for (double& x : v) x = x == 1.0 ? 0.0 : x;
    } else {
      auto bm = box_muller_double(b.v[0], b.v[1], b.v[2], b.v[3]);
      v[0] = bm[0], v[1] = bm[1];
    }
    for (std::uint64_t c = 0; c < 2; ++c)
      if (std::uint64_t i = first + c * T; i < n) out[i] = v[c];
  });
}

}  // namespace aotkit::random
