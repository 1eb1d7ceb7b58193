// tests/random/random123.test.cpp — Random123's Philox as a second, independent implementation,
// on random counters and keys (its own unit: Random123 and cuRAND both define mulhilo32).
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>

#include <Random123/philox.h>

import aotkit.random;

using namespace aotkit::random;

TEST_CASE("Philox4x32-10 and -7 agree with Random123 on random counters and keys", "[philox][random123]") {
  std::mt19937_64 rng(20261126);
  for (int i = 0; i < 100000; ++i) {
    r123::Philox4x32_R<10>::ctr_type c{};
    r123::Philox4x32_R<10>::key_type k{};
    core::u32x4 ctr{};
    core::u32x2 key{};
    for (int w = 0; w < 4; ++w) c[w] = ctr.v[w] = static_cast<std::uint32_t>(rng());
    for (int w = 0; w < 2; ++w) k[w] = key.v[w] = static_cast<std::uint32_t>(rng());
    auto want10 = r123::Philox4x32_R<10>()(c, k);
    auto want7 = r123::Philox4x32_R<7>()(c, k);
    auto got10 = core::philox4x32<10>(ctr, key);
    auto got7 = core::philox4x32<7>(ctr, key);
    for (int w = 0; w < 4; ++w) {
      REQUIRE(got10.v[w] == want10[w]);
      REQUIRE(got7.v[w] == want7[w]);
    }
  }
}
