// tests/random/generator.test.cpp — PyTorch's CUDA generator rules, the kernel launch policy, and
// torch.rand/randn values against outputs published from real GPUs (4 decimals, as printed).
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

import aotkit.runtime;
import aotkit.random;

using namespace aotkit::random;

TEST_CASE("CUDAGenerator starts at c10's default seed and rounds offsets up to 4", "[generator]") {
  CUDAGenerator g;
  CHECK(g.initial_seed() == 67280421310721ull);
  CHECK(g.philox_offset_per_thread() == 0);
  CHECK(g.philox_cuda_state(1) == PhiloxCudaState{67280421310721ull, 0});
  CHECK(g.philox_cuda_state(4) == PhiloxCudaState{67280421310721ull, 4});
  CHECK(g.philox_cuda_state(5) == PhiloxCudaState{67280421310721ull, 8});
  CHECK(g.philox_offset_per_thread() == 16);
  g.manual_seed(3);
  CHECK(g.philox_offset_per_thread() == 0);
  CHECK_THROWS_WITH(g.set_philox_offset_per_thread(6), "offset must be a multiple of 4");
  std::uint64_t s = g.seed();
  CHECK(g.initial_seed() == s);
}

TEST_CASE("CUDAGenerator state is torch's 16 little-endian bytes", "[generator]") {
  CUDAGenerator g(0x0102030405060708ull);
  (void)g.philox_cuda_state(8);
  auto st = g.get_state();
  CHECK(st == std::array<std::uint8_t, 16>{8, 7, 6, 5, 4, 3, 2, 1, 8, 0, 0, 0, 0, 0, 0, 0});
  CUDAGenerator h;
  h.set_state(st);
  CHECK(h == g);
  std::array<std::uint8_t, 8> seed_only{1, 0, 0, 0, 0, 0, 0, 0};
  h.set_state(seed_only);
  CHECK(h.initial_seed() == 1);
  CHECK(h.philox_offset_per_thread() == 0);
  std::array<std::uint8_t, 3> bad{};
  CHECK_THROWS_AS(h.set_state(bad), aotkit::runtime_error);
  CHECK_THROWS_WITH(h.set_state(bad), "RNG state is wrong size");
  st[8] = 2;
  CHECK_THROWS_WITH(h.set_state(st), "offset must be a multiple of 4");
}

TEST_CASE("calc_execution_policy follows DistributionTemplates.h", "[generator][policy]") {
  auto p = calc_execution_policy(1, 4);
  CHECK(p.grid == 1);
  CHECK(p.increment == 4);
  // H100 SXM: 132 SMs x 8 blocks of 256 threads = 270,336 threads.
  p = calc_execution_policy(10'000'000, 4);
  CHECK(p.grid == 1056);
  CHECK(p.threads() == 270336);
  CHECK(p.increment == ((10'000'000 - 1) / (270336 * 4) + 1) * 4);
  CHECK(calc_execution_policy(270336 * 4, 4).increment == 4);
  CHECK(calc_execution_policy(270336 * 4 + 1, 4).increment == 8);
  CHECK(calc_execution_policy(10'000'000, 4, {108, 2048}).grid == 864);  // A100
  CHECK_THROWS_AS(calc_execution_policy(10, 0), aotkit::value_error);
}

TEST_CASE("torch_randn reproduces outputs published from real GPUs", "[generator][golden]") {
  // pytorch/pytorch#79496: torch.manual_seed(10); torch.randn(3, device='cuda')
  CUDAGenerator g(10);
  auto v = torch_randn(g, 3);
  CHECK(v[0] == Approx(-0.1029).margin(5e-5));
  CHECK(v[1] == Approx(1.6810).margin(5e-5));
  CHECK(v[2] == Approx(-0.2708).margin(5e-5));
  // pytorch/pytorch#158398: torch.randn([1, 64, 2048], generator=manual_seed(42), device='cuda')
  CUDAGenerator h(42);
  auto w = torch_randn(h, 64 * 2048);
  CHECK(w[0] == Approx(0.1940).margin(5e-5));
  CHECK(w[1] == Approx(2.1614).margin(5e-5));
  CHECK(w[2] == Approx(-0.1721).margin(5e-5));
  CHECK(w[2045] == Approx(1.4540).margin(5e-5));
  CHECK(w[2046] == Approx(-2.7733).margin(5e-5));
  CHECK(w[2047] == Approx(-0.8932).margin(5e-5));
  CHECK(w[2048] == Approx(-0.4574).margin(5e-5));
}

TEST_CASE("torch_cuda_fill element i comes from thread i % T, call i / 4T, component (i / T) % 4", "[generator]") {
  cuda_device_properties small{2, 512};  // T = 1024 threads: several calls per thread
  const std::size_t n = 5000;
  std::vector<float> out(n);
  torch_cuda_fill(out, torch_distribution::uniform, 99, 8, small);
  auto p = calc_execution_policy(n, 4, small);
  REQUIRE(p.threads() == 1024);
  for (std::size_t i = 0; i < n; i += 37) {
    std::uint64_t T = p.threads(), t = i % T, k = i / (4 * T), c = (i / T) % 4;
    philox_stream s(99, t, 8);
    std::array<float, 4> u{};
    for (std::uint64_t call = 0; call <= k; ++call) u = s.uniform4();
    float want = u[c] == 1.0f ? 0.0f : u[c];
    CHECK(out[i] == want);
  }
}

TEST_CASE("torch_rand takes philox_cuda_state like the kernel and continues the stream", "[generator]") {
  CUDAGenerator g(0);
  auto a = torch_rand(g, 1000);
  CHECK(g.philox_offset_per_thread() == 4);
  auto b = torch_rand(g, 1000);
  CHECK(g.philox_offset_per_thread() == 8);
  CHECK(a != b);
  std::vector<float> again(1000);
  torch_cuda_fill(again, torch_distribution::uniform, 0, 4);
  CHECK(again == b);
  for (float x : a) CHECK((x >= 0.0f && x < 1.0f));
  auto d = torch_rand_double(g, 10);
  for (double x : d) CHECK((x >= 0.0 && x < 1.0));
  CHECK(torch_rand(g, 0).empty());
}

TEST_CASE("run_with_rng_state replays what run_and_save_rng_state saw", "[generator][replay]") {
  CUDAGenerator g(123);
  (void)torch_rand(g, 10);
  auto [state, first] = run_and_save_rng_state(g, [&] { return torch_rand(g, 64); });
  auto after = g;
  auto replay = run_with_rng_state(g, state, [&] { return torch_rand(g, 64); });
  CHECK(replay == first);
  CHECK(g == after);  // the replay does not advance the caller's generator
  try {
    run_with_rng_state(g, state, [&]() -> int {
      (void)torch_rand(g, 64);
      throw std::runtime_error("op failed");
    });
  } catch (const std::runtime_error&) {
  }
  CHECK(g == after);
}

TEST_CASE("get_cuda_generator_meta_val clones the default generator", "[generator]") {
  CUDAGenerator meta = get_cuda_generator_meta_val(0);
  CHECK(meta == default_cuda_generator(0));
  (void)meta.philox_cuda_state(4);
  CHECK(meta != default_cuda_generator(0));
  CHECK_THROWS_AS(get_cuda_generator_meta_val(-1), aotkit::value_error);
}

TEST_CASE("torch_dropout_mask follows Dropout.cu's vectorised and grid-stride kernels", "[generator][dropout]") {
  cuda_device_properties dev{2, 512};  // 1024 threads: several iterations per thread
  for (std::size_t n : {4000u, 4002u, 4001u}) {
    CUDAGenerator g(5);
    auto mask = torch_dropout_mask(g, n, 0.25, dev);
    std::uint64_t T = calc_execution_policy(n, 4, dev).threads();
    CHECK(g.philox_offset_per_thread() == calc_execution_policy(n, 4, dev).increment);
    std::uint64_t vec = n % 4 == 0 ? 4 : n % 2 == 0 ? 2 : 1;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t t, k, c;
      if (vec == 1) {
        t = i % T, k = i / (4 * T), c = (i / T) % 4;
      } else {
        t = (i / vec) % T, k = (i / vec) / T, c = i % vec;
      }
      philox_stream s(5, t, 0);
      std::array<float, 4> u{};
      for (std::uint64_t call = 0; call <= k; ++call) u = s.uniform4();
      REQUIRE(mask[i] == (u[c] < 0.75f ? 1 : 0));
      kept += mask[i];
    }
    CHECK(kept > n * 7 / 10);
    CHECK(kept < n * 8 / 10);
  }
  CUDAGenerator g(1);
  CHECK(torch_dropout_mask(g, 10, 1.0) == std::vector<std::uint8_t>(10, 0));
  CHECK(torch_dropout_mask(g, 0, 0.5).empty());
  CHECK(g.philox_offset_per_thread() == 0);  // neither drew random numbers
  CHECK_THROWS_WITH(torch_dropout_mask(g, 4, 1.5), "dropout probability has to be between 0 and 1, but got 1.5");
  std::vector<std::uint8_t> m(8);
  CHECK_THROWS_AS(torch_dropout_keep_mask(m, 0.5f, 3, 0, 0), aotkit::value_error);
}

TEST_CASE("the *_auto fills fall back to the CPU without a GPU and agree with it", "[generator][device]") {
  std::vector<float> a(3000), b(3000);
  backend used = torch_cuda_fill_auto(a, torch_distribution::uniform, 7, 4);
  torch_cuda_fill(b, torch_distribution::uniform, 7, 4);
  CHECK(a == b);
  CHECK(used == (cuda_device_count() > 0 ? backend::cuda : backend::cpu));
  std::vector<float> c(1001), d(1001);
  (void)curand_generate_uniform_auto(c, 9, 3);
  curand_generate_uniform(d, 9, 3);
  CHECK(c == d);
  if (cuda_device_count() == 0) {
    std::vector<std::uint32_t> words(4);
    CHECK_THROWS_AS(gpu_curand_generate(words, 0), aotkit::runtime_error);
  }
}

// Issue 17, M3: `offset + n` wrapped past 2^64, the fill loop never ran, and the caller's buffer
// came back untouched from a noexcept function.
TEST_CASE("host-generator fills that would pass 2^64 throw instead of writing nothing", "[fill][curand]") {
  constexpr std::uint64_t top = ~std::uint64_t{0};
  std::vector<std::uint32_t> w(8, 0xDEADBEEFu);
  std::vector<float> f(8, -1.0f);
  std::vector<double> d(8, -1.0);
  CHECK_THROWS_AS(curand_generate(w, 1, top), aotkit::value_error);
  CHECK_THROWS_AS(curand_generate_uniform(f, 1, top - 3), aotkit::value_error);
  CHECK_THROWS_AS(curand_generate_normal(f, 1, top - 7), aotkit::value_error);
  CHECK_THROWS_AS(curand_generate_uniform_double(d, 1, top), aotkit::value_error);
  CHECK_THROWS_AS(curand_generate_normal_double(d, 1, top - 1), aotkit::value_error);
  // the last offsets that fit are filled, and a fill from a later offset continues the same words
  curand_generate(w, 1, top - 8);
  CHECK(std::find(w.begin(), w.end(), 0xDEADBEEFu) == w.end());
  std::vector<std::uint32_t> tail(4);
  curand_generate(tail, 1, top - 4);
  CHECK(std::equal(tail.begin(), tail.end(), w.begin() + 4));
}
