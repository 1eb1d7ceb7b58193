// tests/random/philox.test.cpp — Philox4x32 known answers (Random123's kat_vectors), cuRAND's stream
// semantics (values from docs/philox.md, taken from cuRAND 13.0), conversions and skip-ahead.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <random>
#include <string>
#include <vector>

import aotkit.runtime;
import aotkit.random;

using namespace aotkit::random;
using core::u32x2;
using core::u32x4;

TEST_CASE("Philox4x32 reproduces Random123's known-answer vectors", "[philox][kat]") {
  std::ifstream in("tests/random/kat_vectors.txt");
  REQUIRE(in);
  int checked = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    std::string name;
    int rounds = 0;
    u32x4 ctr{}, expected{};
    u32x2 key{};
    s >> name >> rounds >> std::hex;
    for (auto& w : ctr.v) s >> w;
    for (auto& w : key.v) s >> w;
    for (auto& w : expected.v) s >> w;
    REQUIRE(name == "philox4x32");
    u32x4 got = rounds == 7 ? core::philox4x32<7>(ctr, key) : core::philox4x32<10>(ctr, key);
    CHECK(got == expected);
    ++checked;
  }
  CHECK(checked == 6);
}

TEST_CASE("Philox4x32-10 matches extra vectors computed with cuRAND", "[philox][kat]") {
  CHECK(core::philox4x32<10>({{1, 0, 0, 0}}, {{0, 0}}) == u32x4{{0xf8e4cca4, 0x5cb200db, 0xb1a574eb, 0x097eff67}});
  CHECK(core::philox4x32<10>({{0, 0, 1, 0}}, {{0, 0}}) == u32x4{{0x844515e1, 0xf08d6eaa, 0x0f19c053, 0x83f875f0}});
  CHECK(core::philox4x32<10>({{0, 0, 0, 0}}, {{1, 0}}) == u32x4{{0xe3e80670, 0xe50a0ebc, 0x95f222c0, 0xb615aa27}});
  CHECK(core::philox4x32<10>({{0, 0, 0, 0}}, {{0x2a, 0}}) == u32x4{{0x9ceaf053, 0x77f5493b, 0x12bf50ad, 0x5742b3d7}});
}

TEST_CASE("philox_stream follows curand_init's placement of seed, subsequence and offset", "[philox][stream]") {
  philox_stream s(0x0123456789abcdefull, 0xfedcba9876543210ull, 0x100000007ull);
  CHECK(s.state().key.v[0] == 0x89abcdef);
  CHECK(s.state().key.v[1] == 0x01234567);
  CHECK(s.state().ctr == u32x4{{0x40000001, 0, 0x76543210, 0xfedcba98}});
  CHECK(s.state().index == 3);
  CHECK(s.next_u32() == 0x1c404c92);
  CHECK(s.next_u32() == 0x303565a6);
}

TEST_CASE("philox_stream yields cuRAND's first values", "[philox][stream]") {
  philox_stream zero(0);
  std::array<std::uint32_t, 8> expect0{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8,
                                       0xf8e4cca4, 0x5cb200db, 0xb1a574eb, 0x097eff67};
  for (auto e : expect0) CHECK(zero.next_u32() == e);
  philox_stream dflt(default_rng_seed_val);
  std::array<std::uint32_t, 8> expect1{0x64a3e0f6, 0xd72e25ab, 0x0be1367b, 0x53eccf2d,
                                       0x252d372a, 0xd70d580d, 0x15614e1c, 0x0dfa50b9};
  for (auto e : expect1) CHECK(dflt.next_u32() == e);
  philox_stream off1(0, 0, 1);
  CHECK(off1.next4() == std::array<std::uint32_t, 4>{0xe169c58d, 0xbc57ac4c, 0x9b00dbd8, 0xf8e4cca4});
}

TEST_CASE("curand conversions have cuRAND's ranges", "[philox][uniform]") {
  CHECK(core::uniform_float(0) == 0x1p-33f);
  CHECK(core::uniform_float(0xffffff7fu) < 1.0f);
  CHECK(core::uniform_float(0xffffff80u) == 1.0f);  // 128 inputs round up to 1.0
  CHECK(core::uniform_double_u32(0) == 0x1p-32);
  CHECK(core::uniform_double_u32(0xffffffffu) == 1.0);
  CHECK(core::uniform_double_hq(0, 0) == 0x1p-54);
  CHECK(core::uniform_double_hq(0xffffffffu, 0xffffffffu) < 1.0);
}

TEST_CASE("skipahead equals stepping, across blocks and subsequences", "[philox][skip]") {
  for (std::uint64_t n : {0ull, 1ull, 3ull, 4ull, 5ull, 10ull, 1023ull}) {
    philox_stream stepped(42, 7, 3);
    for (std::uint64_t i = 0; i < n; ++i) (void)stepped.next_u32();
    philox_stream skipped(42, 7, 3);
    skipped.skipahead(n);
    CHECK(skipped.next_u32() == stepped.next_u32());
    CHECK(philox_stream(42, 7, 3 + n).next_u32() == philox_stream(42, 7, 3 + n).next_u32());
  }
  philox_stream a(9, 0, 0);
  a.skipahead_sequence(5);
  CHECK(a.next_u32() == philox_stream(9, 5, 0).next_u32());
}

TEST_CASE("counter_add carries through all four words", "[philox][skip]") {
  // cuRAND's Philox_State_Incr loses this carry; ATen's incr_n and aotkit keep it.
  CHECK(core::counter_add({{1, 0, 0, 0}}, std::numeric_limits<std::uint64_t>::max()) == u32x4{{0, 0, 1, 0}});
  CHECK(core::counter_add({{0xffffffff, 0xffffffff, 0xffffffff, 0}}, 1) == u32x4{{0, 0, 0, 1}});
  CHECK(core::counter_add_high({{5, 6, 0xffffffff, 0}}, 1) == u32x4{{5, 6, 0, 1}});
}

TEST_CASE("normal() caches the second Box-Muller value like curand_normal", "[philox][normal]") {
  philox_stream a(1234), b(1234);
  auto pair = b.normal2();
  CHECK(a.normal() == pair[0]);
  CHECK(a.normal() == pair[1]);
  CHECK(a.state().index == b.state().index);
  philox_stream c(5), d(5);
  auto quad = d.normal4();
  for (float q : quad) CHECK(c.normal() == q);
  philox_stream e(77), f(77);
  auto dd = f.normal2_double();
  CHECK(e.normal_double() == dd[0]);
  CHECK(e.normal_double() == dd[1]);
}

TEST_CASE("philox4x32_10_soa gives the same bits at every SIMD level", "[philox][simd]") {
  std::mt19937 rng(3);
  for (std::size_t n : {0u, 1u, 7u, 8u, 15u, 16u, 17u, 1000u}) {
    std::array<std::vector<std::uint32_t>, 4> c;
    for (auto& w : c) {
      w.resize(n);
      for (auto& x : w) x = rng();
    }
    core::u32x2 key{{static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng())}};
    std::array<std::vector<std::uint32_t>, 3 * 4> o;
    for (auto& w : o) w.resize(n);
    int l = 0;
    for (auto level : {simd_level::scalar, simd_level::avx2, simd_level::avx512}) {
      philox4x32_10_soa({c[0], c[1], c[2], c[3]}, key, {o[4 * l], o[4 * l + 1], o[4 * l + 2], o[4 * l + 3]}, level);
      ++l;
    }
    for (std::size_t i = 0; i < n; ++i) {
      auto want = core::philox4x32<10>({{c[0][i], c[1][i], c[2][i], c[3][i]}}, key);
      for (int lv = 0; lv < 3; ++lv)
        for (int w = 0; w < 4; ++w) REQUIRE(o[static_cast<std::size_t>(4 * lv + w)][i] == want.v[w]);
    }
  }
  std::vector<std::uint32_t> a(3), b(4);
  CHECK_THROWS_AS(philox4x32_10_soa({a, a, a, a}, {{0, 0}}, {b, b, b, b}), aotkit::value_error);
  INFO("best level on this CPU: " << to_string(best_simd_level()));
}
