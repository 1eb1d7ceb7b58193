// tests/deep.hpp — how deep the "nested a million levels" tests nest: a million in every preset
// (the CI preset, ASan + UBSan at -O1, runs them in about 35 s of test time).
#pragma once

#include <cstddef>

namespace aotkit_testing {

inline constexpr std::size_t deep_levels = 1'000'000;

}  // namespace aotkit_testing
