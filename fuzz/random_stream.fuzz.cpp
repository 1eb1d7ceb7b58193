// fuzz/random_stream.fuzz.cpp — bytes → (seed, subsequence, offset, n, layout): every bulk fill must
// equal the per-element philox_stream it emulates, and skip-ahead must equal stepping.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

import aotkit.random;

using namespace aotkit::random;

namespace {

struct reader {
  const std::uint8_t* p;
  std::size_t n;
  std::uint64_t u64() {
    std::uint64_t v = 0;
    std::size_t k = n < 8 ? n : 8;
    std::memcpy(&v, p, k);
    p += k;
    n -= k;
    return v;
  }
};

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  reader r{data, size};
  std::uint64_t layout = r.u64() % 4;
  std::uint64_t seed = r.u64(), sub = r.u64(), offset = r.u64();
  std::size_t n = static_cast<std::size_t>(r.u64() % 2048) + 1;
  switch (layout) {
    case 0: {  // skip-ahead against stepping, on an arbitrary 128-bit position
      philox_stream a(seed, sub, offset), b(seed, sub, offset);
      for (std::size_t i = 0; i < n; ++i) (void)a.next_u32();
      b.skipahead(n);
      check(a.next_u32() == b.next_u32());
      break;
    }
    case 1: {  // cuRAND host order against per-element streams
      offset %= (std::uint64_t{1} << 40);
      std::vector<std::uint32_t> out(n);
      curand_generate(out, seed, offset);
      for (std::size_t i = 0; i < n; i += 1 + i / 16) {
        std::uint64_t m = offset + i, j = m / 4;
        check(out[i] == philox_stream(seed, j % 65536, 4 * (j / 65536)).next4()[m % 4]);
      }
      break;
    }
    case 2: {  // PyTorch kernel order against per-thread streams
      cuda_device_properties dev{static_cast<int>(sub % 8) + 1, 256 * (static_cast<int>(sub / 8 % 8) + 1)};
      offset = offset % (std::uint64_t{1} << 40) / 4 * 4;
      std::vector<float> out(n);
      torch_cuda_fill(out, torch_distribution::uniform, seed, offset, dev);
      std::uint64_t T = calc_execution_policy(n, 4, dev).threads();
      for (std::size_t i = 0; i < n; i += 1 + i / 16) {
        philox_stream s(seed, i % T, offset);
        std::array<float, 4> v{};
        for (std::uint64_t k = 0; k <= i / (4 * T); ++k) v = s.uniform4();
        float want = v[(i / T) % 4] == 1.0f ? 0.0f : v[(i / T) % 4];
        check(out[i] == want);
        check(out[i] >= 0.0f && out[i] < 1.0f);
      }
      break;
    }
    default: {  // host-order doubles and normals: finite, in range, even-length rules
      offset %= (std::uint64_t{1} << 40);
      std::vector<double> d(n);
      curand_generate_uniform_double(d, seed, offset);
      for (double x : d) check(x > 0.0 && x <= 1.0);
      std::vector<float> f(n + n % 2);
      curand_generate_normal(f, seed, offset);
      for (float x : f) check(x == x && x > -20.0f && x < 20.0f);
    }
  }
  return 0;
}
