// include/aotkit/philox_core.hpp — Philox4x32 and cuRAND's Philox stream semantics as constexpr
// __host__ __device__ code: the one definition shared by aotkit.random and its CUDA kernels.
// Algorithm: Salmon et al., "Parallel Random Numbers: As Easy as 1, 2, 3" (SC'11); stream, skip
// and conversion rules as cuRAND's curand_philox4x32_x.h / curand_uniform.h / curand_normal.h.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define AOTKIT_HD __host__ __device__
#else
#define AOTKIT_HD
#endif

namespace aotkit::random::core {

/// Four 32-bit words: a Philox counter or output block (cuRAND's uint4 x,y,z,w = words 0..3).
struct u32x4 {
  std::uint32_t v[4];
  AOTKIT_HD constexpr std::uint32_t operator[](int i) const noexcept { return v[i]; }
  AOTKIT_HD friend constexpr bool operator==(const u32x4& a, const u32x4& b) noexcept {
    return a.v[0] == b.v[0] && a.v[1] == b.v[1] && a.v[2] == b.v[2] && a.v[3] == b.v[3];
  }
};

/// A Philox4x32 key (cuRAND's uint2 x,y).
struct u32x2 {
  std::uint32_t v[2];
};

inline constexpr std::uint32_t philox_m0 = 0xD2511F53u;
inline constexpr std::uint32_t philox_m1 = 0xCD9E8D57u;
inline constexpr std::uint32_t philox_w0 = 0x9E3779B9u;  // golden ratio
inline constexpr std::uint32_t philox_w1 = 0xBB67AE85u;  // sqrt(3) - 1

/// One Philox4x32 round.
AOTKIT_HD constexpr u32x4 philox_round(u32x4 c, u32x2 k) noexcept {
  std::uint64_t p0 = static_cast<std::uint64_t>(philox_m0) * c.v[0];
  std::uint64_t p1 = static_cast<std::uint64_t>(philox_m1) * c.v[2];
  auto hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
  auto hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
  return {{hi1 ^ c.v[1] ^ k.v[0], lo1, hi0 ^ c.v[3] ^ k.v[1], lo0}};
}

/// Philox4x32 with R rounds: round 1 uses the key, which is bumped by the Weyl constants before
/// each later round (R-1 bumps). R = 10 is cuRAND's and PyTorch's.
template <int R = 10>
AOTKIT_HD constexpr u32x4 philox4x32(u32x4 ctr, u32x2 key) noexcept {
  static_assert(R >= 1 && R <= 16, "Philox4x32 is defined for 1..16 rounds");
  ctr = philox_round(ctr, key);
  for (int r = 1; r < R; ++r) {
    key.v[0] += philox_w0;
    key.v[1] += philox_w1;
    ctr = philox_round(ctr, key);
  }
  return ctr;
}

/// Adds a 64-bit `n` to words 0-1 of the 128-bit counter with full carry into words 2-3
/// (ATen's incr_n; cuRAND's Philox_State_Incr drops one carry when hi32(n) == 0xffffffff).
AOTKIT_HD constexpr u32x4 counter_add(u32x4 c, std::uint64_t n) noexcept {
  std::uint64_t low = (static_cast<std::uint64_t>(c.v[1]) << 32) | c.v[0];
  std::uint64_t sum = low + n;
  c.v[0] = static_cast<std::uint32_t>(sum);
  c.v[1] = static_cast<std::uint32_t>(sum >> 32);
  if (sum < low) {
    if (++c.v[2] == 0) ++c.v[3];
  }
  return c;
}

/// Adds a 64-bit `n` to words 2-3 of the counter (a skip by n subsequences).
AOTKIT_HD constexpr u32x4 counter_add_high(u32x4 c, std::uint64_t n) noexcept {
  std::uint64_t high = ((static_cast<std::uint64_t>(c.v[3]) << 32) | c.v[2]) + n;
  c.v[2] = static_cast<std::uint32_t>(high);
  c.v[3] = static_cast<std::uint32_t>(high >> 32);
  return c;
}

/// cuRAND's curandStatePhilox4_32_10 stream position: counter, key and the index of the next
/// word of Philox(counter, key). Box-Muller caches live one level up.
struct philox_state {
  u32x4 ctr;
  u32x2 key;
  u32x4 output;
  std::uint32_t index;  // 0..3: next word of `output`

  /// `curand_init(seed, subsequence, offset)`: key = seed, counter = (offset/4, subsequence),
  /// next word = offset % 4.
  AOTKIT_HD static constexpr philox_state init(std::uint64_t seed, std::uint64_t subsequence,
                                              std::uint64_t offset) noexcept {
    philox_state s{};
    s.key = {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
    s.ctr = counter_add_high(u32x4{{0, 0, 0, 0}}, subsequence);
    s.ctr = counter_add(s.ctr, offset / 4);
    s.index = static_cast<std::uint32_t>(offset % 4);
    s.output = philox4x32<10>(s.ctr, s.key);
    return s;
  }

  /// `skipahead(n)`: moves the position by n 32-bit values.
  AOTKIT_HD constexpr void skip(std::uint64_t n) noexcept {
    std::uint64_t words = index + (n & 3);
    ctr = counter_add(ctr, n / 4 + words / 4);
    index = static_cast<std::uint32_t>(words % 4);
    output = philox4x32<10>(ctr, key);
  }

  /// `skipahead_sequence(n)`: moves the position by n subsequences (n * 2^66 values).
  AOTKIT_HD constexpr void skip_subsequences(std::uint64_t n) noexcept {
    ctr = counter_add_high(ctr, n);
    output = philox4x32<10>(ctr, key);
  }

  /// `curand()`: the next 32-bit value.
  AOTKIT_HD constexpr std::uint32_t next() noexcept {
    std::uint32_t r = output.v[index++];
    if (index == 4) {
      ctr = counter_add(ctr, 1);
      output = philox4x32<10>(ctr, key);
      index = 0;
    }
    return r;
  }

  /// `curand4()`: the next four values in stream order.
  AOTKIT_HD constexpr u32x4 next4() noexcept {
    u32x4 r = output;
    u32x4 next_block = philox4x32<10>(counter_add(ctr, 1), key);
    if (index != 0) {
      for (std::uint32_t i = 0; i < 4; ++i) r.v[i] = i + index < 4 ? output.v[i + index] : next_block.v[i + index - 4];
    }
    ctr = counter_add(ctr, 1);
    output = next_block;
    return r;
  }
};

inline constexpr float two_pow32_inv = 2.3283064e-10f;  // exactly 2^-32
inline constexpr float two_pow32_inv_2pi = 2.3283064e-10f * 6.2831855f;
inline constexpr double two_pow32_inv_double = 2.3283064365386963e-10;  // 2^-32
inline constexpr double two_pow53_inv_double = 1.1102230246251565e-16;  // 2^-53
inline constexpr double pi_double = 3.1415926535897932;

/// `_curand_uniform`: (float)x * 2^-32 + 2^-33, in (0, 1].
AOTKIT_HD constexpr float uniform_float(std::uint32_t x) noexcept {
  return static_cast<float>(x) * two_pow32_inv + two_pow32_inv / 2.0f;
}

/// `curand_uniform_double` for Philox: one word, x * 2^-32 + 2^-32, in [2^-32, 1].
AOTKIT_HD constexpr double uniform_double_u32(std::uint32_t x) noexcept {
  return static_cast<double>(x) * two_pow32_inv_double + two_pow32_inv_double;
}

/// `_curand_uniform_double_hq(a, b)`: 53 random bits (b supplies the top 32), + 2^-54.
AOTKIT_HD constexpr double uniform_double_hq(std::uint32_t a, std::uint32_t b) noexcept {
  std::uint64_t z = static_cast<std::uint64_t>(a) ^ (static_cast<std::uint64_t>(b) << (53 - 32));
  return static_cast<double>(z) * two_pow53_inv_double + two_pow53_inv_double / 2.0;
}

/// The arguments of cuRAND's float Box-Muller: u in (0,1], v in (0, 2pi].
AOTKIT_HD constexpr float box_muller_u(std::uint32_t x) noexcept { return uniform_float(x); }
AOTKIT_HD constexpr float box_muller_v(std::uint32_t y) noexcept {
  return static_cast<float>(y) * two_pow32_inv_2pi + two_pow32_inv_2pi / 2.0f;
}

/// The arguments of cuRAND's double Box-Muller: u (53 bits, in (0,1]) and v in (0, 2] (times pi).
AOTKIT_HD constexpr double box_muller_double_u(std::uint32_t x0, std::uint32_t x1) noexcept {
  return uniform_double_hq(x0, x1);
}
AOTKIT_HD constexpr double box_muller_double_v(std::uint32_t y0, std::uint32_t y1) noexcept {
  std::uint64_t z = static_cast<std::uint64_t>(y0) ^ (static_cast<std::uint64_t>(y1) << (53 - 32));
  return static_cast<double>(z) * (two_pow53_inv_double * 2.0) + two_pow53_inv_double;
}

// Known-answer vectors (Random123 tests/kat_vectors, D. E. Shaw Research, BSD-3-Clause).
static_assert(philox4x32<10>({{0, 0, 0, 0}}, {{0, 0}}) == u32x4{{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}});
static_assert(philox4x32<10>({{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}}, {{0xffffffff, 0xffffffff}}) ==
              u32x4{{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}});
static_assert(philox4x32<10>({{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}}, {{0xa4093822, 0x299f31d0}}) ==
              u32x4{{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}});
static_assert(philox4x32<7>({{0, 0, 0, 0}}, {{0, 0}}) == u32x4{{0x5f6fb709, 0x0d893f64, 0x4f121f81, 0x4f730a48}});
static_assert(two_pow32_inv == 1.0f / 4294967296.0f);
static_assert(uniform_float(0xffffffffu) == 1.0f && uniform_float(0) > 0.0f);

}  // namespace aotkit::random::core
