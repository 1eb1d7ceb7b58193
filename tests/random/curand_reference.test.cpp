// tests/random/curand_reference.test.cpp — cuRAND itself as the reference, no GPU needed: the host
// generator (libcurand, CURAND_RNG_PSEUDO_PHILOX4_32_10) for the host-order fills, and cuRAND's
// device-API header code compiled for the host for philox_stream.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include <curand.h>
#include <curand_kernel.h>

import aotkit.random;

using namespace aotkit::random;

namespace {

struct host_generator {
  curandGenerator_t g{};
  host_generator(std::uint64_t seed, std::uint64_t offset) {
    REQUIRE(curandCreateGeneratorHost(&g, CURAND_RNG_PSEUDO_PHILOX4_32_10) == CURAND_STATUS_SUCCESS);
    REQUIRE(curandSetPseudoRandomGeneratorSeed(g, seed) == CURAND_STATUS_SUCCESS);
    REQUIRE(curandSetGeneratorOffset(g, offset) == CURAND_STATUS_SUCCESS);
  }
  ~host_generator() { curandDestroyGenerator(g); }
};

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

const std::uint64_t seeds[] = {0, 1234, 0x123456789abcdefull, default_rng_seed_val};
const std::uint64_t offsets[] = {0, 1, 2, 4, 5, 7, 1000, 262156, 600001};
constexpr std::size_t n = (1u << 18) + 6;  // crosses the 65,536-subsequence wrap

}  // namespace

TEST_CASE("curand_generate equals cuRAND's host generator, with offsets", "[curand][host]") {
  for (auto seed : seeds)
    for (auto offset : offsets) {
      std::vector<std::uint32_t> want(n), got(n);
      host_generator g(seed, offset);
      REQUIRE(curandGenerate(g.g, want.data(), n) == CURAND_STATUS_SUCCESS);
      curand_generate(got, seed, offset);
      CHECK(same_bits(got, want));
    }
}

TEST_CASE("curand_generate_uniform and _normal equal cuRAND's host generator", "[curand][host]") {
  for (auto seed : seeds)
    for (auto offset : offsets) {
      std::vector<float> want(n), got(n);
      host_generator g(seed, offset);
      REQUIRE(curandGenerateUniform(g.g, want.data(), n) == CURAND_STATUS_SUCCESS);
      curand_generate_uniform(got, seed, offset);
      CHECK(same_bits(got, want));
      host_generator h(seed, offset);
      REQUIRE(curandGenerateNormal(h.g, want.data(), n, 0.5f, 2.0f) == CURAND_STATUS_SUCCESS);
      curand_generate_normal(got, seed, offset, 0.5f, 2.0f);
      CAPTURE(seed, offset);
      CHECK(same_bits(got, want));
    }
}

TEST_CASE("curand_generate_uniform_double and _normal_double equal cuRAND's host generator", "[curand][host]") {
  for (auto seed : seeds)
    for (auto offset : offsets) {
      std::vector<double> want(n), got(n);
      host_generator g(seed, offset);
      REQUIRE(curandGenerateUniformDouble(g.g, want.data(), n) == CURAND_STATUS_SUCCESS);
      curand_generate_uniform_double(got, seed, offset);
      CAPTURE(seed, offset);
      CHECK(same_bits(got, want));
      host_generator h(seed, offset);
      REQUIRE(curandGenerateNormalDouble(h.g, want.data(), n, -1.0, 3.0) == CURAND_STATUS_SUCCESS);
      curand_generate_normal_double(got, seed, offset, -1.0, 3.0);
      CHECK(same_bits(got, want));
    }
}

TEST_CASE("philox_stream equals cuRAND's device API compiled for the host", "[curand][device-api]") {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    std::uint64_t seed = rng(), sub = rng() >> (trial % 64), off = rng() >> (trial % 64);
    curandStatePhilox4_32_10_t ref;
    curand_init(seed, sub, off, &ref);
    philox_stream s(seed, sub, off);
    for (int step = 0; step < 12; ++step) {
      switch ((trial + step) % 9) {
        case 0: REQUIRE(s.next_u32() == curand(&ref)); break;
        case 1: {
          uint4 r = curand4(&ref);
          auto g = s.next4();
          REQUIRE((g[0] == r.x && g[1] == r.y && g[2] == r.z && g[3] == r.w));
          break;
        }
        case 2: REQUIRE(s.uniform() == curand_uniform(&ref)); break;
        case 3: REQUIRE(s.uniform_double() == curand_uniform_double(&ref)); break;
        case 4: {
          double2 r = curand_uniform2_double(&ref);
          auto g = s.uniform2_double();
          REQUIRE((g[0] == r.x && g[1] == r.y));
          break;
        }
        case 5: REQUIRE(s.normal() == curand_normal(&ref)); break;
        case 6: {
          float4 r = curand_normal4(&ref);
          auto g = s.normal4();
          REQUIRE((g[0] == r.x && g[1] == r.y && g[2] == r.z && g[3] == r.w));
          break;
        }
        case 7: REQUIRE(s.normal_double() == curand_normal_double(&ref)); break;
        default: {
          std::uint64_t k = rng() % 1000;
          skipahead(k, &ref);
          s.skipahead(k);
          std::uint64_t q = rng() % 3;
          skipahead_sequence(q, &ref);
          s.skipahead_sequence(q);
          REQUIRE(s.next_u32() == curand(&ref));
        }
      }
    }
  }
}
