// tests/deep.hpp — how deep the "nested a million levels" tests nest: a million, or 200,000 under
// AddressSanitizer, where each level costs several times more and the walks run 5–10× slower.
#pragma once

#include <cstddef>

namespace aotkit_testing {

// Still far past what a recursive walk survives under ASan (its frames are at least twice the
// size, and the 8 MB stack holds well under 100,000 of them), so the sanitizer build keeps
// proving the walks iterative; the dev build runs the full million. (Keeps CI under 10 minutes:
// these four tests took 140 s of the asan build's test time.)
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr std::size_t deep_levels = 200'000;
#else
inline constexpr std::size_t deep_levels = 1'000'000;
#endif
#else
inline constexpr std::size_t deep_levels = 1'000'000;
#endif

}  // namespace aotkit_testing
