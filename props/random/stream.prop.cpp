// props/random/stream.prop.cpp — laws of the Philox streams and fills: skip-ahead equals stepping,
// every bulk fill equals the per-element stream it emulates, saved generator state replays,
// offsets stay multiples of 4.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <array>
#include <cstdint>
#include <vector>

import aotkit.random;

using namespace aotkit::random;

TEST_CASE("Philox stream laws", "[random]") {
  rc::prop("skipahead(n) lands where n calls of next_u32 land", [](std::uint64_t seed, std::uint64_t sub, std::uint32_t off) {
    auto n = *rc::gen::inRange<std::uint64_t>(0, 2000);
    philox_stream stepped(seed, sub, off), skipped(seed, sub, off);
    for (std::uint64_t i = 0; i < n; ++i) (void)stepped.next_u32();
    skipped.skipahead(n);
    RC_ASSERT(stepped.state().ctr == skipped.state().ctr);
    RC_ASSERT(stepped.state().index == skipped.state().index);
    RC_ASSERT(stepped.next_u32() == skipped.next_u32());
    RC_ASSERT(philox_stream(seed, sub, std::uint64_t{off} + n).next_u32() == philox_stream(seed, sub, off + n).next_u32());
  });
  rc::prop("next4 is four next_u32 calls", [](std::uint64_t seed, std::uint64_t sub, std::uint64_t off) {
    philox_stream a(seed, sub, off), b(seed, sub, off);
    auto q = a.next4();
    for (auto w : q) RC_ASSERT(w == b.next_u32());
    RC_ASSERT(a.next_u32() == b.next_u32());
  });
  rc::prop("curand_generate word m is word m%4 of curand4 after curand_init(s, j%65536, 4*(j/65536))",
           [](std::uint64_t seed) {
             auto offset = *rc::gen::inRange<std::uint64_t>(0, 300000);
             auto n = *rc::gen::inRange<std::size_t>(1, 300);
             std::vector<std::uint32_t> out(n);
             curand_generate(out, seed, offset);
             for (std::size_t i = 0; i < n; ++i) {
               std::uint64_t m = offset + i, j = m / 4;
               philox_stream s(seed, j % 65536, 4 * (j / 65536));
               RC_ASSERT(out[i] == s.next4()[m % 4]);
             }
           });
  rc::prop("curand_generate_uniform is uniform_float of curand_generate", [](std::uint64_t seed, std::uint16_t off) {
    std::vector<std::uint32_t> bits(64);
    std::vector<float> u(64);
    curand_generate(bits, seed, off);
    curand_generate_uniform(u, seed, off);
    for (std::size_t i = 0; i < bits.size(); ++i) RC_ASSERT(u[i] == core::uniform_float(bits[i]));
  });
  rc::prop("torch_cuda_fill element i is component (i/T)%4 of call i/4T of thread i%T", [](std::uint64_t seed) {
    cuda_device_properties dev{*rc::gen::inRange(1, 4), 256 * *rc::gen::inRange(1, 5)};
    auto n = *rc::gen::inRange<std::size_t>(1, 6000);
    std::uint64_t offset = 4 * *rc::gen::inRange<std::uint64_t>(0, 1000);
    bool normal = *rc::gen::arbitrary<bool>();
    std::vector<float> out(n);
    torch_cuda_fill(out, normal ? torch_distribution::normal : torch_distribution::uniform, seed, offset, dev);
    std::uint64_t T = calc_execution_policy(n, 4, dev).threads();
    auto i = *rc::gen::inRange<std::size_t>(0, n);
    philox_stream s(seed, i % T, offset);
    std::array<float, 4> v{};
    for (std::uint64_t k = 0; k <= i / (4 * T); ++k) v = normal ? s.normal4() : s.uniform4();
    float want = v[(i / T) % 4];
    if (!normal && want == 1.0f) want = 0.0f;
    RC_ASSERT(out[i] == want);
  });
  rc::prop("float64 torch fills use curand_uniform2_double / normal2_double with unroll 2", [](std::uint64_t seed) {
    cuda_device_properties dev{1, 256};
    auto n = *rc::gen::inRange<std::size_t>(1, 2000);
    bool normal = *rc::gen::arbitrary<bool>();
    std::vector<double> out(n);
    torch_cuda_fill(out, normal ? torch_distribution::normal : torch_distribution::uniform, seed, 8, dev);
    std::uint64_t T = calc_execution_policy(n, 2, dev).threads();
    auto i = *rc::gen::inRange<std::size_t>(0, n);
    philox_stream s(seed, i % T, 8);
    std::array<double, 2> v{};
    for (std::uint64_t k = 0; k <= i / (2 * T); ++k) v = normal ? s.normal2_double() : s.uniform2_double();
    double want = v[(i / T) % 2];
    if (!normal && want == 1.0) want = 0.0;
    RC_ASSERT(out[i] == want);
  });
}

TEST_CASE("CUDA generator laws", "[random][generator]") {
  rc::prop("offsets stay multiples of 4 and grow by the rounded increment", [](std::uint64_t seed) {
    CUDAGenerator g(seed);
    auto incs = *rc::gen::container<std::vector<std::uint32_t>>(rc::gen::inRange<std::uint32_t>(0, 1000));
    std::uint64_t expect = 0;
    for (auto inc : incs) {
      auto st = g.philox_cuda_state(inc);
      RC_ASSERT(st.offset == expect);
      RC_ASSERT(st.seed == seed);
      expect += (inc + 3) / 4 * 4;
      RC_ASSERT(g.philox_offset_per_thread() % 4 == 0);
    }
    RC_ASSERT(g.philox_offset_per_thread() == expect);
  });
  rc::prop("a saved state replays the same numbers and leaves the generator where it was", [](std::uint64_t seed) {
    CUDAGenerator g(seed);
    auto warmup = *rc::gen::inRange<std::size_t>(0, 3000);
    (void)torch_rand(g, warmup);
    auto n = *rc::gen::inRange<std::size_t>(1, 3000);
    auto [state, first] = run_and_save_rng_state(g, [&] { return torch_randn(g, n); });
    CUDAGenerator after = g;
    auto again = run_with_rng_state(g, state, [&] { return torch_randn(g, n); });
    RC_ASSERT(again == first);
    RC_ASSERT(g == after);
    CUDAGenerator restored;
    restored.set_state(state);
    RC_ASSERT(torch_randn(restored, n) == first);
  });
}
