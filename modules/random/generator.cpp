// modules/random/generator.cpp — the CUDA generator's state rules and the torch.rand emulations.
// The default generators are the module's one piece of global state: a registry under a mutex.
module;
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <vector>
module aotkit.random;

import aotkit.runtime;  // the error hierarchy

namespace aotkit::random {

CUDAGenerator& CUDAGenerator::manual_seed(std::uint64_t seed) noexcept {
  seed_ = seed;
  offset_ = 0;
  return *this;
}

std::uint64_t CUDAGenerator::seed() {
  // c10::detail::getNonDeterministicRandom: /dev/urandom through random_device.
  std::random_device rd;
  std::uint64_t s = (static_cast<std::uint64_t>(rd()) << 32) | rd();
  manual_seed(s);
  return s;
}

void CUDAGenerator::set_philox_offset_per_thread(std::uint64_t offset) {
  if (offset % 4 != 0) throw runtime_error("offset must be a multiple of 4");
  offset_ = offset;
}

PhiloxCudaState CUDAGenerator::philox_cuda_state(std::uint64_t increment) noexcept {
  PhiloxCudaState s{seed_, offset_};
  offset_ += ((increment + 3) / 4) * 4;
  return s;
}

std::array<std::uint8_t, 16> CUDAGenerator::get_state() const noexcept {
  std::array<std::uint8_t, 16> out{};
  for (int i = 0; i < 8; ++i) {
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(seed_ >> (8 * i));
    out[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(offset_ >> (8 * i));
  }
  return out;
}

void CUDAGenerator::set_state(std::span<const std::uint8_t> state) {
  if (state.size() != 16 && state.size() != 8) throw runtime_error("RNG state is wrong size");
  auto word = [&](std::size_t at) {
    std::uint64_t w = 0;
    for (std::size_t i = 0; i < 8; ++i) w |= static_cast<std::uint64_t>(state[at + i]) << (8 * i);
    return w;
  };
  std::uint64_t offset = state.size() == 16 ? word(8) : 0;
  if (offset % 4 != 0) throw runtime_error("offset must be a multiple of 4");
  seed_ = word(0);
  offset_ = offset;
}

CUDAGenerator& default_cuda_generator(int device) {
  if (device < 0) throw value_error("default_cuda_generator: device index must be >= 0, got " + std::to_string(device));
  static std::mutex mutex;
  static std::map<int, std::unique_ptr<CUDAGenerator>> generators;
  std::scoped_lock lock(mutex);
  auto& slot = generators[device];
  if (!slot) {
    slot = std::make_unique<CUDAGenerator>();
    slot->seed();
  }
  return *slot;
}

CUDAGenerator get_cuda_generator_meta_val(int device_idx) { return default_cuda_generator(device_idx).clone_state(); }

namespace {

template <class T>
std::vector<T> torch_draw(CUDAGenerator& gen, std::size_t numel, torch_distribution dist, int unroll,
                          const cuda_device_properties& device) {
  std::vector<T> out(numel);
  if (numel == 0) return out;  // PyTorch launches nothing and takes no offset for empty tensors
  launch_policy p = calc_execution_policy(numel, unroll, device);
  PhiloxCudaState s = gen.philox_cuda_state(p.increment);
  torch_cuda_fill(std::span<T>(out), dist, s.seed, s.offset, device);
  return out;
}

}  // namespace

std::vector<float> torch_rand(CUDAGenerator& gen, std::size_t numel, const cuda_device_properties& device) {
  return torch_draw<float>(gen, numel, torch_distribution::uniform, 4, device);
}
std::vector<float> torch_randn(CUDAGenerator& gen, std::size_t numel, const cuda_device_properties& device) {
  return torch_draw<float>(gen, numel, torch_distribution::normal, 4, device);
}
std::vector<double> torch_rand_double(CUDAGenerator& gen, std::size_t numel, const cuda_device_properties& device) {
  return torch_draw<double>(gen, numel, torch_distribution::uniform, 2, device);
}
std::vector<double> torch_randn_double(CUDAGenerator& gen, std::size_t numel, const cuda_device_properties& device) {
  return torch_draw<double>(gen, numel, torch_distribution::normal, 2, device);
}

std::vector<std::uint8_t> torch_dropout_mask(CUDAGenerator& gen, std::size_t numel, double p,
                                             const cuda_device_properties& device) {
  if (!(p >= 0.0 && p <= 1.0))
    throw value_error("dropout probability has to be between 0 and 1, but got " + python::float_repr(p));
  std::vector<std::uint8_t> mask(numel, 0);
  if (numel == 0 || p == 1.0) return mask;
  int vec = numel % 4 == 0 ? 4 : numel % 2 == 0 ? 2 : 1;  // get_vector_size: no remainders
  launch_policy policy = calc_execution_policy(numel, 4, device);
  PhiloxCudaState s = gen.philox_cuda_state(policy.increment);
  torch_dropout_keep_mask(mask, static_cast<float>(1.0 - p), vec, s.seed, s.offset, device);
  return mask;
}

}  // namespace aotkit::random
