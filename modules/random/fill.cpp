// modules/random/fill.cpp — the bulk fills. Each computes every Philox block once and writes the
// words where the emulated generator or kernel would; no per-element stream objects.
module;
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
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

// Blocks are computed in tiles through the SIMD batch kernel; 512 blocks keep the eight
// structure-of-arrays buffers (16 KiB) in L1.
constexpr std::size_t tile_blocks = 512;

struct tile {
  std::array<std::uint32_t, tile_blocks> c[4];
  std::array<std::uint32_t, tile_blocks> o[4];
  void run(std::size_t count, u32x2 key) {
    philox4x32_10_soa({std::span<const std::uint32_t>(c[0].data(), count), std::span<const std::uint32_t>(c[1].data(), count),
                       std::span<const std::uint32_t>(c[2].data(), count), std::span<const std::uint32_t>(c[3].data(), count)},
                      key,
                      {std::span<std::uint32_t>(o[0].data(), count), std::span<std::uint32_t>(o[1].data(), count),
                       std::span<std::uint32_t>(o[2].data(), count), std::span<std::uint32_t>(o[3].data(), count)});
  }
};

// Calls emit(i, word) for words m = offset + i, i < n, of the host order.
template <class Emit>
void host_words(std::uint64_t offset, std::size_t n, std::uint64_t seed, Emit emit) {
  if (n == 0) return;
  u32x2 key = key_of(seed);
  tile t;
  std::uint64_t m = offset, end = offset + n;
  while (m < end) {
    std::uint64_t j0 = m / 4;
    auto count = static_cast<std::size_t>(std::min<std::uint64_t>(tile_blocks, (end - 1) / 4 - j0 + 1));
    for (std::size_t b = 0; b < count; ++b) {
      std::uint64_t j = j0 + b, hi = j / host_subsequences;
      t.c[0][b] = static_cast<std::uint32_t>(hi);
      t.c[1][b] = static_cast<std::uint32_t>(hi >> 32);
      t.c[2][b] = static_cast<std::uint32_t>(j % host_subsequences);
      t.c[3][b] = 0;
    }
    t.run(count, key);
    // Whole blocks inside [m, end) go through a branch-free loop; the ragged ends word by word.
    std::size_t b = 0;
    if (m % 4 != 0) {
      for (std::uint64_t w = m % 4; w < 4 && m < end; ++w, ++m) emit(m - offset, t.o[w][0]);
      b = 1;
    }
    std::size_t whole = std::min<std::size_t>(count, b + static_cast<std::size_t>((end - m) / 4));
    const std::uint64_t base = m - offset;
    for (std::size_t q = b; q < whole; ++q) {
      std::uint64_t i = base + 4 * (q - b);
      emit(i, t.o[0][q]);
      emit(i + 1, t.o[1][q]);
      emit(i + 2, t.o[2][q]);
      emit(i + 3, t.o[3][q]);
    }
    m += 4 * (whole - b);
    for (b = whole; b < count; ++b)
      for (std::uint64_t w = 0; w < 4 && m < end; ++w, ++m) emit(m - offset, t.o[w][b]);
  }
}

// The host generator's block for double k (docs/philox.md §2.6), given the generator offset. Doubles
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

// cuRAND's host generator keeps its offset in 64 bits: values past 2^64 have no defined place in
// its stream (and `offset + n` would wrap, so a loop bounded by it would write nothing at all).
void require_in_stream(std::uint64_t offset, std::size_t n, const char* what) {
  if (n > std::numeric_limits<std::uint64_t>::max() - offset)
    throw value_error(std::string(what) + ": offset " + std::to_string(offset) + " + " + std::to_string(n) +
                      " values reaches 2^64, past cuRAND's 64-bit host generator offset");
}

void require_even(std::size_t n, const char* what) {
  if (n % 2 != 0)
    throw value_error(std::string(what) + ": the length must be even (cuRAND's CURAND_STATUS_LENGTH_NOT_MULTIPLE), got " +
                      std::to_string(n));
}

}  // namespace

void curand_generate(std::span<std::uint32_t> out, std::uint64_t seed, std::uint64_t offset) {
  require_in_stream(offset, out.size(), "curand_generate");
  host_words(offset, out.size(), seed, [&](std::size_t i, std::uint32_t w) { out[i] = w; });
}

namespace {

// The hottest fill gets its conversion loop compiled for AVX-512 too (vcvtudq2ps); the
// arithmetic is the same two IEEE operations, so the bits are the same.
__attribute__((target("avx512f"))) void uniform_avx512(std::span<float> out, std::uint64_t seed, std::uint64_t offset) {
  host_words(offset, out.size(), seed, [&](std::size_t i, std::uint32_t w) { out[i] = core::uniform_float(w); });
}

}  // namespace

void curand_generate_uniform(std::span<float> out, std::uint64_t seed, std::uint64_t offset) {
  require_in_stream(offset, out.size(), "curand_generate_uniform");
  if (best_simd_level() == simd_level::avx512) return uniform_avx512(out, seed, offset);
  host_words(offset, out.size(), seed, [&](std::size_t i, std::uint32_t w) { out[i] = core::uniform_float(w); });
}

void curand_generate_normal(std::span<float> out, std::uint64_t seed, std::uint64_t offset, float mean, float stddev) {
  require_even(out.size(), "curand_generate_normal");
  require_in_stream(offset, out.size(), "curand_generate_normal");
  // Pairs are aligned on the stream, not on the offset: normal m pairs words (2*(m/2), +1).
  std::uint64_t first = offset - offset % 2;
  // An odd offset starts and ends mid-pair: one extra pair of words.
  std::size_t n = out.size() + 2 * static_cast<std::size_t>(offset % 2);
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

void curand_generate_uniform_double(std::span<double> out, std::uint64_t seed, std::uint64_t offset) {
  require_in_stream(offset, out.size(), "curand_generate_uniform_double");
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
  require_in_stream(offset, out.size(), "curand_generate_normal_double");
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
// call k = i / (unroll T), component (i / T) % unroll; call k of thread t reads Philox block
// (offset/4 + k, t). For each call, threads are taken a tile at a time, and
// visit(first, count, T, tile) gets the blocks of threads first - k·unroll·T ...
template <class Visit>
void torch_tiles(std::size_t numel, int unroll, std::uint64_t seed, std::uint64_t offset,
                 const cuda_device_properties& device, Visit visit) {
  if (numel == 0) return;
  launch_policy p = calc_execution_policy(numel, unroll, device);
  const std::uint64_t T = p.threads(), u = static_cast<std::uint64_t>(unroll);
  const std::uint64_t calls = (numel + u * T - 1) / (u * T);
  u32x2 key = key_of(seed);
  tile tl;
  for (std::uint64_t k = 0; k < calls; ++k) {
    std::uint64_t low = offset / 4 + k;
    std::uint64_t carry = low < offset / 4 ? 1 : 0;  // into the subsequence words, as counter_add
    std::uint64_t first_of_call = k * u * T;
    std::uint64_t threads = std::min<std::uint64_t>(T, numel - first_of_call);
    for (std::uint64_t t0 = 0; t0 < threads; t0 += tile_blocks) {
      auto count = static_cast<std::size_t>(std::min<std::uint64_t>(tile_blocks, threads - t0));
      for (std::size_t b = 0; b < count; ++b) {
        std::uint64_t high = t0 + b + carry;
        tl.c[0][b] = static_cast<std::uint32_t>(low);
        tl.c[1][b] = static_cast<std::uint32_t>(low >> 32);
        tl.c[2][b] = static_cast<std::uint32_t>(high);
        tl.c[3][b] = static_cast<std::uint32_t>(high >> 32);
      }
      tl.run(count, key);
      visit(first_of_call + t0, count, T, tl);
    }
  }
}

}  // namespace

void torch_cuda_fill(std::span<float> out, torch_distribution dist, std::uint64_t seed, std::uint64_t offset,
                     const cuda_device_properties& device) {
  const std::size_t n = out.size();
  const bool uniform = dist == torch_distribution::uniform;
  torch_tiles(n, 4, seed, offset, device, [&](std::uint64_t first, std::size_t count, std::uint64_t T, const tile& tl) {
    // Component c of the threads of this tile lands on consecutive elements first + c·T + b.
    for (std::uint64_t c = 0; c < 4; ++c) {
      std::uint64_t base = first + c * T;
      if (base >= n) break;
      auto m = static_cast<std::size_t>(std::min<std::uint64_t>(count, n - base));
      float* dst = out.data() + base;
      if (uniform) {
        for (std::size_t b = 0; b < m; ++b) {
          float r = core::uniform_float(tl.o[c][b]);
          dst[b] = r == 1.0f ? 0.0f : r;  // uniform_kernel: value == to ? from : value
        }
      } else {
        std::size_t x = c < 2 ? 0 : 2;
        for (std::size_t b = 0; b < m; ++b) dst[b] = box_muller(tl.o[x][b], tl.o[x + 1][b])[c % 2];
      }
    }
  });
}

void torch_cuda_fill(std::span<double> out, torch_distribution dist, std::uint64_t seed, std::uint64_t offset,
                     const cuda_device_properties& device) {
  const std::size_t n = out.size();
  const bool uniform = dist == torch_distribution::uniform;
  torch_tiles(n, 2, seed, offset, device, [&](std::uint64_t first, std::size_t count, std::uint64_t T, const tile& tl) {
    for (std::uint64_t c = 0; c < 2; ++c) {
      std::uint64_t base = first + c * T;
      if (base >= n) break;
      auto m = static_cast<std::size_t>(std::min<std::uint64_t>(count, n - base));
      double* dst = out.data() + base;
      for (std::size_t b = 0; b < m; ++b) {
        if (uniform) {
          double r = core::uniform_double_hq(tl.o[2 * c][b], tl.o[2 * c + 1][b]);
          dst[b] = r == 1.0 ? 0.0 : r;
        } else {
          dst[b] = box_muller_double(tl.o[0][b], tl.o[1][b], tl.o[2][b], tl.o[3][b])[c];
        }
      }
    }
  });
}

void torch_dropout_keep_mask(std::span<std::uint8_t> out, float p_keep, int vec, std::uint64_t seed,
                             std::uint64_t offset, const cuda_device_properties& device) {
  if (vec != 1 && vec != 2 && vec != 4) throw value_error("torch_dropout_keep_mask: vec must be 1, 2 or 4, got " + std::to_string(vec));
  const std::size_t n = out.size();
  auto keep = [p_keep](std::uint32_t w) { return static_cast<std::uint8_t>(core::uniform_float(w) < p_keep); };
  if (vec == 1) {
    torch_tiles(n, 4, seed, offset, device, [&](std::uint64_t first, std::size_t count, std::uint64_t T, const tile& tl) {
      for (std::uint64_t c = 0; c < 4; ++c) {
        std::uint64_t base = first + c * T;
        if (base >= n) break;
        auto m = static_cast<std::size_t>(std::min<std::uint64_t>(count, n - base));
        for (std::size_t b = 0; b < m; ++b) out[base + b] = keep(tl.o[c][b]);
      }
    });
    return;
  }
  // The grid is PyTorch's for n elements (unroll 4), whatever the vector width.
  const std::uint64_t T = calc_execution_policy(n, 4, device).threads(), v = static_cast<std::uint64_t>(vec);
  const u32x2 key = key_of(seed);
  for (std::uint64_t t = 0; t < T && t * v < n; ++t) {
    core::u32x4 ctr = core::counter_add_high(core::counter_add(core::u32x4{{0, 0, 0, 0}}, offset / 4), t);
    for (std::uint64_t k = 0; (t + k * T) * v < n; ++k) {
      core::u32x4 b = core::philox4x32<10>(core::counter_add(ctr, k), key);
      std::uint64_t first = (t + k * T) * v;
      for (std::uint64_t c = 0; c < v && first + c < n; ++c) out[first + c] = keep(b.v[c]);
    }
  }
}

}  // namespace aotkit::random
