// modules/random/stream.cppm — a Philox stream with cuRAND's device-API semantics (partition :stream):
// curand_init, curand, curand4, the uniform and normal conversions, skip-ahead.
module;
#include <array>
#include <cmath>
#include <cstdint>
#include <aotkit/philox_core.hpp>
export module aotkit.random:stream;

export namespace aotkit::random {

/// cuRAND's Box-Muller on the host path: `(sin v * s, cos v * s)`, s = sqrt(-2 log u), in float,
/// with the same operations in the same order as curand_normal.h's host branch.
[[nodiscard]] inline std::array<float, 2> box_muller(std::uint32_t x, std::uint32_t y) noexcept {
  float u = core::box_muller_u(x);
  float v = core::box_muller_v(y);
  float s = std::sqrt(-2.0f * std::log(u));
  return {std::sin(v) * s, std::cos(v) * s};
}

/// cuRAND's double Box-Muller (host path: sin(v*pi), cos(v*pi)) over four words.
[[nodiscard]] inline std::array<double, 2> box_muller_double(std::uint32_t x0, std::uint32_t x1, std::uint32_t y0,
                                                             std::uint32_t y1) noexcept {
  double u = core::box_muller_double_u(x0, x1);
  double v = core::box_muller_double_v(y0, y1);
  double s = std::sqrt(-2.0 * std::log(u));
  return {std::sin(v * 3.1415926535897932) * s, std::cos(v * 3.1415926535897932) * s};
}

/// A Philox4x32-10 stream with the semantics of cuRAND's `curandStatePhilox4_32_10_t`: the same
/// values, in the same order, for the same `(seed, subsequence, offset)` as `curand_init`.
/// Normals are computed on cuRAND's host path (`sinf`/`cosf`); a GPU's `__sincosf` differs in
/// the last bits.
class philox_stream {
 public:
  /// `curand_init(seed, subsequence, offset, &state)`.
  constexpr explicit philox_stream(std::uint64_t seed, std::uint64_t subsequence = 0, std::uint64_t offset = 0) noexcept
      : s_(core::philox_state::init(seed, subsequence, offset)) {}

  /// `curand()`.
  inline constexpr std::uint32_t next_u32() noexcept { return s_.next(); }
  /// `curand4()`: four values in stream order.
  inline constexpr std::array<std::uint32_t, 4> next4() noexcept {
    auto b = s_.next4();
    return {b.v[0], b.v[1], b.v[2], b.v[3]};
  }
  /// `curand_uniform()`: (0, 1].
  inline constexpr float uniform() noexcept { return core::uniform_float(next_u32()); }
  /// `curand_uniform4()`.
  inline constexpr std::array<float, 4> uniform4() noexcept {
    auto b = s_.next4();
    return {core::uniform_float(b.v[0]), core::uniform_float(b.v[1]), core::uniform_float(b.v[2]),
            core::uniform_float(b.v[3])};
  }
  /// `curand_uniform_double()`: one word, [2^-32, 1].
  inline constexpr double uniform_double() noexcept { return core::uniform_double_u32(next_u32()); }
  /// `curand_uniform2_double()`: four words, two 53-bit doubles.
  inline constexpr std::array<double, 2> uniform2_double() noexcept {
    auto b = s_.next4();
    return {core::uniform_double_hq(b.v[0], b.v[1]), core::uniform_double_hq(b.v[2], b.v[3])};
  }
  /// `curand_normal()`: draws two words per pair and caches the second normal.
  inline float normal() noexcept {
    if (has_normal_) {
      has_normal_ = false;
      return normal_extra_;
    }
    std::uint32_t x = next_u32();
    std::uint32_t y = next_u32();
    auto bm = box_muller(x, y);
    normal_extra_ = bm[1];
    has_normal_ = true;
    return bm[0];
  }
  /// `curand_normal2()` (no cache).
  std::array<float, 2> normal2() noexcept {
    std::uint32_t x = next_u32();
    std::uint32_t y = next_u32();
    return box_muller(x, y);
  }
  /// `curand_normal4()` (no cache).
  std::array<float, 4> normal4() noexcept {
    auto b = s_.next4();
    auto p = box_muller(b.v[0], b.v[1]);
    auto q = box_muller(b.v[2], b.v[3]);
    return {p[0], p[1], q[0], q[1]};
  }
  /// `curand_normal_double()`: four words per pair, the second cached.
  inline double normal_double() noexcept {
    if (has_normal_double_) {
      has_normal_double_ = false;
      return normal_double_extra_;
    }
    auto b = s_.next4();
    auto bm = box_muller_double(b.v[0], b.v[1], b.v[2], b.v[3]);
    normal_double_extra_ = bm[1];
    has_normal_double_ = true;
    return bm[0];
  }
  /// `curand_normal2_double()` (no cache).
  std::array<double, 2> normal2_double() noexcept {
    auto b = s_.next4();
    return box_muller_double(b.v[0], b.v[1], b.v[2], b.v[3]);
  }
  /// `skipahead(n)`: skips n 32-bit values (normal caches are kept, as in cuRAND).
  inline constexpr void skipahead(std::uint64_t n) noexcept { s_.skip(n); }
  /// `skipahead_sequence(n)`: skips n subsequences of 2^66 values.
  inline constexpr void skipahead_sequence(std::uint64_t n) noexcept { s_.skip_subsequences(n); }
  /// The counter, key and word index.
  [[nodiscard]] inline constexpr const core::philox_state& state() const noexcept { return s_; }

 private:
  core::philox_state s_;
  float normal_extra_ = 0;
  double normal_double_extra_ = 0;
  bool has_normal_ = false;
  bool has_normal_double_ = false;
};

}  // namespace aotkit::random
