// modules/random/batch.cpp — the SIMD Philox kernels: 8 (AVX2) or 16 (AVX-512) blocks per step in
// registers, one 32x32→64 multiply per even and odd lane set, the same rounds as philox_core.hpp.
module;
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <immintrin.h>
#include <aotkit/philox_core.hpp>
module aotkit.random;

import aotkit.runtime;  // the error hierarchy

namespace aotkit::random {

std::string_view to_string(simd_level level) noexcept {
  switch (level) {
    case simd_level::avx512: return "avx512";
    case simd_level::avx2: return "avx2";
    case simd_level::scalar: break;
  }
  return "scalar";
}

simd_level best_simd_level() noexcept {
  static const simd_level level = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return simd_level::avx512;
    if (__builtin_cpu_supports("avx2")) return simd_level::avx2;
    return simd_level::scalar;
  }();
  return level;
}

namespace {

using core::philox_m0;
using core::philox_m1;
using core::philox_w0;
using core::philox_w1;

struct soa {
  const std::uint32_t* c[4];
  std::uint32_t* o[4];
};

void philox_scalar(const soa& s, std::size_t begin, std::size_t end, core::u32x2 key) {
  for (std::size_t i = begin; i < end; ++i) {
    auto r = core::philox4x32<10>({{s.c[0][i], s.c[1][i], s.c[2][i], s.c[3][i]}}, key);
    for (int w = 0; w < 4; ++w) s.o[w][i] = r.v[w];
  }
}

__attribute__((target("avx2"))) std::size_t philox_avx2(const soa& s, std::size_t n, core::u32x2 key) {
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(philox_m0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(philox_m1));
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i c[4];
    for (int w = 0; w < 4; ++w) c[w] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s.c[w] + i));
    std::uint32_t k0 = key.v[0], k1 = key.v[1];
    for (int r = 0; r < 10; ++r) {
      if (r > 0) k0 += philox_w0, k1 += philox_w1;
      // 32x32→64 products of the even lanes, then of the odd lanes moved down.
      __m256i pe0 = _mm256_mul_epu32(c[0], m0), po0 = _mm256_mul_epu32(_mm256_srli_epi64(c[0], 32), m0);
      __m256i pe1 = _mm256_mul_epu32(c[2], m1), po1 = _mm256_mul_epu32(_mm256_srli_epi64(c[2], 32), m1);
      __m256i lo0 = _mm256_blend_epi32(pe0, _mm256_slli_epi64(po0, 32), 0xAA);
      __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(pe0, 32), po0, 0xAA);
      __m256i lo1 = _mm256_blend_epi32(pe1, _mm256_slli_epi64(po1, 32), 0xAA);
      __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(pe1, 32), po1, 0xAA);
      __m256i n0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c[1]), _mm256_set1_epi32(static_cast<int>(k0)));
      __m256i n2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c[3]), _mm256_set1_epi32(static_cast<int>(k1)));
      c[0] = n0, c[1] = lo1, c[2] = n2, c[3] = lo0;
    }
    for (int w = 0; w < 4; ++w) _mm256_storeu_si256(reinterpret_cast<__m256i*>(s.o[w] + i), c[w]);
  }
  return i;
}

__attribute__((target("avx512f"))) std::size_t philox_avx512(const soa& s, std::size_t n, core::u32x2 key) {
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(philox_m0));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(philox_m1));
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512i c[4];
    for (int w = 0; w < 4; ++w) c[w] = _mm512_loadu_si512(s.c[w] + i);
    std::uint32_t k0 = key.v[0], k1 = key.v[1];
    for (int r = 0; r < 10; ++r) {
      if (r > 0) k0 += philox_w0, k1 += philox_w1;
      __m512i pe0 = _mm512_mul_epu32(c[0], m0), po0 = _mm512_mul_epu32(_mm512_srli_epi64(c[0], 32), m0);
      __m512i pe1 = _mm512_mul_epu32(c[2], m1), po1 = _mm512_mul_epu32(_mm512_srli_epi64(c[2], 32), m1);
      __m512i lo0 = _mm512_mask_blend_epi32(0xAAAA, pe0, _mm512_slli_epi64(po0, 32));
      __m512i hi0 = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe0, 32), po0);
      __m512i lo1 = _mm512_mask_blend_epi32(0xAAAA, pe1, _mm512_slli_epi64(po1, 32));
      __m512i hi1 = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe1, 32), po1);
      __m512i n0 = _mm512_xor_si512(_mm512_xor_si512(hi1, c[1]), _mm512_set1_epi32(static_cast<int>(k0)));
      __m512i n2 = _mm512_xor_si512(_mm512_xor_si512(hi0, c[3]), _mm512_set1_epi32(static_cast<int>(k1)));
      c[0] = n0, c[1] = lo1, c[2] = n2, c[3] = lo0;
    }
    for (int w = 0; w < 4; ++w) _mm512_storeu_si512(s.o[w] + i, c[w]);
  }
  return i;
}

}  // namespace

void philox4x32_10_soa(const std::array<std::span<const std::uint32_t>, 4>& ctr, core::u32x2 key,
                       const std::array<std::span<std::uint32_t>, 4>& out, simd_level level) {
  const std::size_t n = ctr[0].size();
  for (int w = 0; w < 4; ++w) {
    if (ctr[static_cast<std::size_t>(w)].size() != n || out[static_cast<std::size_t>(w)].size() != n)
      throw value_error("philox4x32_10_soa: all counter and output spans must have the same length");
  }
  soa s{{ctr[0].data(), ctr[1].data(), ctr[2].data(), ctr[3].data()}, {out[0].data(), out[1].data(), out[2].data(), out[3].data()}};
  if (level > best_simd_level()) level = best_simd_level();
  std::size_t done = 0;
  if (level == simd_level::avx512) done = philox_avx512(s, n, key);
  else if (level == simd_level::avx2) done = philox_avx2(s, n, key);
  philox_scalar(s, done, n, key);
}

}  // namespace aotkit::random
