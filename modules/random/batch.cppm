// modules/random/batch.cppm — many Philox4x32-10 blocks at once (partition :batch): structure-of-
// arrays counters in, outputs out, with AVX-512, AVX2 or scalar code chosen at run time.
module;
#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <aotkit/philox_core.hpp>
export module aotkit.random:batch;

export namespace aotkit::random {

/// The instruction sets the batch kernels can use.
enum class simd_level : std::uint8_t { scalar, avx2, avx512 };

/// "scalar", "avx2" or "avx512".
[[nodiscard]] std::string_view to_string(simd_level level) noexcept;

/// The best level this CPU supports (checked once).
[[nodiscard]] simd_level best_simd_level() noexcept;

/// Computes `out[w][i] = Philox4x32-10(ctr[0..3][i], key)[w]` for every i, at `level` (clamped
/// to what the CPU supports). All eight spans must have the same length; every level gives the
/// same bits. Throws aotkit::value_error on mismatched lengths.
void philox4x32_10_soa(const std::array<std::span<const std::uint32_t>, 4>& ctr, core::u32x2 key,
                       const std::array<std::span<std::uint32_t>, 4>& out, simd_level level = best_simd_level());

}  // namespace aotkit::random
