// modules/random/generator.cppm — PyTorch's CUDA generator semantics (partition :generator): seed and
// Philox offset, 16-byte state, graph-safe clones, run/replay with saved state, torch.rand values.
module;
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <utility>
#include <vector>
export module aotkit.random:generator;

import aotkit.runtime;
import :fill;

export namespace aotkit::random {

/// c10's default_rng_seed_val, the seed of a freshly created generator.
inline constexpr std::uint64_t default_rng_seed_val = 67280421310721ull;

/// The (seed, offset) a kernel receives from `philox_cuda_state` (PyTorch's PhiloxCudaState,
/// eager form).
struct PhiloxCudaState {
  std::uint64_t seed;
  std::uint64_t offset;
  friend bool operator==(const PhiloxCudaState&, const PhiloxCudaState&) = default;
};

/// A CUDA generator with `at::CUDAGeneratorImpl`'s semantics: a 64-bit seed and a Philox offset
/// per thread that only ever grows by multiples of 4. A value type: copies are independent
/// (`clone_state`, the graph-safe clone).
class CUDAGenerator {
 public:
  /// `createCUDAGenerator`: seed default_rng_seed_val, offset 0.
  CUDAGenerator() = default;
  inline explicit CUDAGenerator(std::uint64_t seed) noexcept : seed_(seed) {}

  /// `manual_seed(seed)` / `set_current_seed`: sets the seed and resets the offset to 0.
  CUDAGenerator& manual_seed(std::uint64_t seed) noexcept;
  /// `seed()`: draws a non-deterministic seed, sets it (offset 0) and returns it.
  std::uint64_t seed();
  /// `initial_seed()`.
  [[nodiscard]] inline std::uint64_t initial_seed() const noexcept { return seed_; }
  /// `philox_offset_per_thread()`.
  [[nodiscard]] inline std::uint64_t philox_offset_per_thread() const noexcept { return offset_; }
  /// `set_philox_offset_per_thread(offset)`; throws aotkit::runtime_error
  /// ("offset must be a multiple of 4") otherwise.
  void set_philox_offset_per_thread(std::uint64_t offset);
  /// `philox_cuda_state(increment)`: returns (seed, current offset), then advances the offset by
  /// `increment` rounded up to a multiple of 4.
  PhiloxCudaState philox_cuda_state(std::uint64_t increment) noexcept;

  /// `get_state()`: 16 bytes, the seed then the offset, little-endian (`torch.cuda.get_rng_state`).
  [[nodiscard]] std::array<std::uint8_t, 16> get_state() const noexcept;
  /// `set_state(bytes)`: 16 bytes (seed, offset) or 8 bytes (seed; offset 0). Throws
  /// aotkit::runtime_error "RNG state is wrong size" or "offset must be a multiple of 4".
  void set_state(std::span<const std::uint8_t> state);
  /// `clone_state()` / `graphsafe_get_state()`: an independent copy of seed and offset.
  [[nodiscard]] inline CUDAGenerator clone_state() const noexcept { return *this; }

  friend bool operator==(const CUDAGenerator&, const CUDAGenerator&) = default;

 private:
  std::uint64_t seed_ = default_rng_seed_val;
  std::uint64_t offset_ = 0;
};

/// The process's default CUDA generator for `device` (`torch.cuda.default_generators[device]`),
/// created on first use with a non-deterministic seed, as PyTorch does. Thread-safe registry;
/// the reference stays valid for the life of the process. Negative devices throw value_error.
CUDAGenerator& default_cuda_generator(int device = 0);

/// `get_cuda_generator_meta_val(device_idx)` (docs/semantics.md §A.22): a clone of the default
/// generator's state, holding no device memory, safe to keep in a graph node's meta["val"].
[[nodiscard]] CUDAGenerator get_cuda_generator_meta_val(int device_idx);

/// `run_and_save_rng_state(op)`: the generator's 16-byte state taken before `op` runs, and op's
/// result.
template <class Op>
auto run_and_save_rng_state(CUDAGenerator& gen, Op&& op) {
  auto state = gen.get_state();
  return std::pair{state, std::invoke(std::forward<Op>(op))};
}

/// `run_with_rng_state(state, op)`: runs `op` with the generator set to `state`, then restores
/// the generator's previous state (also when op throws), so a replay neither repeats nor skips
/// the caller's numbers.
template <class Op>
auto run_with_rng_state(CUDAGenerator& gen, std::span<const std::uint8_t> state, Op&& op) {
  struct restore {
    CUDAGenerator& g;
    CUDAGenerator saved;
    inline ~restore() { g = saved; }
  } guard{gen, gen};
  gen.set_state(state);
  return std::invoke(std::forward<Op>(op));
}

/// What `torch.rand(numel, device='cuda', dtype=float32)` returns when drawn from `gen` on a GPU
/// with `device`'s SM count: takes `philox_cuda_state(increment)` as PyTorch's kernel does and
/// fills in its order.
[[nodiscard]] std::vector<float> torch_rand(CUDAGenerator& gen, std::size_t numel, const cuda_device_properties& device = {});
/// `torch.randn(numel, device='cuda')` (normals on cuRAND's host path; the GPU's __sincosf
/// differs in the last bits).
[[nodiscard]] std::vector<float> torch_randn(CUDAGenerator& gen, std::size_t numel, const cuda_device_properties& device = {});
/// `torch.rand(numel, device='cuda', dtype=torch.float64)`.
[[nodiscard]] std::vector<double> torch_rand_double(CUDAGenerator& gen, std::size_t numel,
                                                    const cuda_device_properties& device = {});
/// `torch.randn(numel, device='cuda', dtype=torch.float64)`.
[[nodiscard]] std::vector<double> torch_randn_double(CUDAGenerator& gen, std::size_t numel,
                                                     const cuda_device_properties& device = {});

/// What `torch.nn.functional.dropout(x, p, training=True)` on a contiguous, 16-byte-aligned
/// float32 CUDA tensor of `numel` elements uses as its keep mask (`native_dropout`'s second
/// output), drawn from `gen` as Dropout.cu does: p == 1 drops everything and numel == 0 draws
/// nothing, without touching the generator; otherwise the kernel takes
/// `philox_cuda_state(((numel-1)/(256·grid·4)+1)·4)` and uses vector width 4, 2 or 1, the widest
/// that divides numel. Throws aotkit::value_error unless 0 <= p <= 1.
[[nodiscard]] std::vector<std::uint8_t> torch_dropout_mask(CUDAGenerator& gen, std::size_t numel, double p,
                                                           const cuda_device_properties& device = {});

}  // namespace aotkit::random
