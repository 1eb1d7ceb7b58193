// modules/runtime/json_scan.hpp — the scanner for runs of plain JSON string text, eight bytes at a
// time; shared by aotkit.graph's fx-json reader and writer and the flat JSON reader (not installed).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace aotkit::runtime::detail {

// The index of the first byte at or after `i` that ends a plain run of string text: '"', '\\', a
// control character or a non-ASCII byte (s.size() when none). Eight bytes at a time: each test's
// lowest flagged byte is exact (borrows only run upward from a flagged byte), so the lowest flag
// of their union is the first such byte.
inline std::size_t plain_run_end(std::string_view s, std::size_t i) noexcept {
#if defined(__SSE2__)
  // Sixteen bytes at a time where SSE2 is there (every x86-64): the names, opcodes and targets of
  // a graph are mostly under 16 bytes, so the loop leaves on its first test, whatever their length
  // (the word loop below leaves after one or two: a branch the predictor misses).
  for (; i + 16 <= s.size(); i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    // a signed compare flags control characters and every byte from 0x80 together
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                             _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
    if (int bits = _mm_movemask_epi8(m); bits != 0) return i + static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(bits)));
  }
#endif
  constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  auto has_zero = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    std::uint64_t m = has_zero(w ^ (0x22 * ones)) | has_zero(w ^ (0x5C * ones)) | ((w - 0x20 * ones) & ~w & highs) | (w & highs);
    if (m != 0) return i + static_cast<std::size_t>(std::countr_zero(m)) / 8;
  }
  for (; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return i;
  }
  return i;
}

}  // namespace aotkit::runtime::detail
