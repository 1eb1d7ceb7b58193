// tools/aotkit/random_commands.cpp — `aotkit random ...`: Philox streams on the command line, in
// cuRAND's device-API order, cuRAND's host-generator order, and PyTorch's CUDA kernel order.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <iostream>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "commands.hpp"

import aotkit;

namespace aotkit::cli {

namespace {

// One value per line: 9 significant digits for floats, 17 for doubles (enough to round-trip).
void print(std::ostream& out, std::span<const float> v) {
  char buf[32];
  for (float x : v) {
    std::snprintf(buf, sizeof buf, "%.9g\n", static_cast<double>(x));
    out << buf;
  }
}
void print(std::ostream& out, std::span<const double> v) {
  char buf[40];
  for (double x : v) {
    std::snprintf(buf, sizeof buf, "%.17g\n", x);
    out << buf;
  }
}
void print(std::ostream& out, std::span<const std::uint32_t> v) {
  for (auto x : v) out << x << '\n';
}

// Values are made and printed a chunk at a time: --count up to 2^32 needs no more memory than this.
constexpr std::size_t chunk_values = std::size_t{1} << 16;

// Calls fill(chunk, done) for successive chunks of `n` values (done: values before this chunk),
// printing each one before the next is made.
template <class T, class Fill>
void print_chunked(std::ostream& out, std::size_t n, Fill fill) {
  std::vector<T> v;
  for (std::size_t done = 0; done < n;) {
    v.resize(std::min(chunk_values, n - done));
    fill(std::span<T>(v), done);
    print(out, std::span<const T>(v));
    if (!out) return;  // a closed or full stdout: the tool reports it; no point making the rest
    done += v.size();
  }
}

std::size_t count_of(const invocation& inv) {
  std::uint64_t n = option_u64(inv, "count", 0);
  if (!inv.has("count")) throw usage_failure("--count is required");
  if (n > (std::uint64_t{1} << 32)) throw usage_failure("--count: at most 2^32 values");
  return static_cast<std::size_t>(n);
}

constexpr std::size_t max_double_values = std::size_t{1} << 27;

const std::initializer_list<std::string_view> dists{"u32", "uniform", "normal", "uniform_double", "normal_double"};

}  // namespace

void add_random_commands(registry& reg) {
  reg.groups.push_back({"random", "Philox4x32-10 streams as cuRAND and PyTorch's CUDA generator produce them"});
  reg.commands.push_back({
      .group = "random",
      .name = "stream",
      .summary = "values of one cuRAND device-API stream (curand_init(seed, subsequence, offset))",
      .description = "u32: curand(); uniform: curand_uniform(); normal: curand_normal() (cuRAND's host\n"
                     "path); uniform_double / normal_double: curand_uniform_double() / curand_normal_double().",
      .options = {{"seed", "S", "64-bit seed (decimal or 0x hex), default 0"},
                  {"subsequence", "N", "subsequence, default 0"},
                  {"offset", "O", "offset in 32-bit values, default 0"},
                  {"count", "C", "how many values (required)"},
                  {"dist", "D", "u32 | uniform | normal | uniform_double | normal_double (default u32)"}},
      .takes_input = false,
      .run =
          [](const invocation& inv, const io& io) {
            random::philox_stream s(option_u64(inv, "seed", 0), option_u64(inv, "subsequence", 0),
                                    option_u64(inv, "offset", 0));
            std::string dist = option_choice(inv, "dist", dists, "u32");
            std::size_t n = count_of(inv);
            if (dist == "u32") {
              print_chunked<std::uint32_t>(io.out, n, [&](std::span<std::uint32_t> v, std::size_t) {
                for (auto& x : v) x = s.next_u32();
              });
            } else if (dist == "uniform" || dist == "normal") {
              print_chunked<float>(io.out, n, [&](std::span<float> v, std::size_t) {
                for (auto& x : v) x = dist == "uniform" ? s.uniform() : s.normal();
              });
            } else {
              print_chunked<double>(io.out, n, [&](std::span<double> v, std::size_t) {
                for (auto& x : v) x = dist == "uniform_double" ? s.uniform_double() : s.normal_double();
              });
            }
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "random",
      .name = "curand-host",
      .summary = "values of cuRAND's host generator CURAND_RNG_PSEUDO_PHILOX4_32_10 (curandGenerate*)",
      .description = "The order of curandGenerate, curandGenerateUniform, curandGenerateNormal,\n"
                     "curandGenerateUniformDouble and curandGenerateNormalDouble with\n"
                     "curandSetPseudoRandomGeneratorSeed(seed) and curandSetGeneratorOffset(offset).",
      .options = {{"seed", "S", "64-bit seed, default 0"},
                  {"offset", "O", "generator offset, default 0"},
                  {"count", "C", "how many values (required; even for normals)"},
                  {"dist", "D", "u32 | uniform | normal | uniform_double | normal_double (default u32)"}},
      .takes_input = false,
      .run =
          [](const invocation& inv, const io& io) {
            std::uint64_t seed = option_u64(inv, "seed", 0), offset = option_u64(inv, "offset", 0);
            std::string dist = option_choice(inv, "dist", dists, "u32");
            std::size_t n = count_of(inv);
            if ((dist == "normal" || dist == "normal_double") && n % 2 != 0)
              throw usage_failure("--count: cuRAND generates normals in pairs; give an even count");
            if (n > std::numeric_limits<std::uint64_t>::max() - offset)
              throw usage_failure("--offset + --count: reaches 2^64, past cuRAND's 64-bit generator offset");
            // 32-bit values (and normals, in pairs aligned on the stream) continue from one chunk
            // to the next by offset; chunks are even, so pairs stay whole
            if (dist == "u32") {
              print_chunked<std::uint32_t>(io.out, n, [&](std::span<std::uint32_t> v, std::size_t done) {
                random::curand_generate(v, seed, offset + done);
              });
            } else if (dist == "uniform" || dist == "normal") {
              print_chunked<float>(io.out, n, [&](std::span<float> v, std::size_t done) {
                if (dist == "uniform") random::curand_generate_uniform(v, seed, offset + done);
                else random::curand_generate_normal(v, seed, offset + done);
              });
            } else {
              // a double's place depends on the generator offset itself (fill.cpp): made in one piece
              if (n > max_double_values)
                throw usage_failure("--count: at most 2^27 doubles from the host generator (1 GiB in memory)");
              std::vector<double> v(n);
              if (dist == "uniform_double") random::curand_generate_uniform_double(v, seed, offset);
              else random::curand_generate_normal_double(v, seed, offset);
              print(io.out, std::span<const double>(v));
            }
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "random",
      .name = "torch",
      .summary = "what torch.manual_seed(S); torch.rand/randn(N, device='cuda') returns",
      .description = "Emulates PyTorch's CUDA generator and distribution kernels: each call takes\n"
                     "philox_cuda_state(increment) and fills in the kernel's grid-stride order, which\n"
                     "depends on the GPU's SM count (132 = H100 SXM, 114 = H100 PCIe, 108 = A100).\n"
                     "--calls K prints K successive calls, as K torch.rand calls in a row would return.\n"
                     "--dist dropout prints the keep mask (1 kept, 0 dropped) of F.dropout(x, p) on a\n"
                     "contiguous float32 tensor.\n"
                     "Normals follow cuRAND's host path; a GPU's __sincosf differs in the last bits.",
      .options = {{"seed", "S", "torch.manual_seed value (default 67280421310721, c10's default)"},
                  {"numel", "N", "number of elements (required)"},
                  {"dist", "D", "uniform (torch.rand) | normal (torch.randn) | dropout (keep mask); default uniform"},
                  {"p", "P", "dropout probability for --dist dropout (default 0.5)"},
                  {"dtype", "T", "float32 | float64 (default float32)"},
                  {"sm-count", "M", "streaming multiprocessors of the GPU (default 132)"},
                  {"calls", "K", "successive calls to print (default 1)"}},
      .takes_input = false,
      .run =
          [](const invocation& inv, const io& io) {
            if (!inv.has("numel")) throw usage_failure("--numel is required");
            std::uint64_t numel = option_u64(inv, "numel", 0);
            std::uint64_t sm = option_u64(inv, "sm-count", 132), calls = option_u64(inv, "calls", 1);
            if (sm == 0 || sm > 4096) throw usage_failure("--sm-count: expected 1..4096");
            std::string dist = option_choice(inv, "dist", {"uniform", "normal", "dropout"}, "uniform");
            std::string dtype = option_choice(inv, "dtype", {"float32", "float64"}, "float32");
            if (inv.has("p") && dist != "dropout") throw usage_failure("--p: only with --dist dropout");
            if (inv.has("dtype") && dist == "dropout") throw usage_failure("--dtype: not with --dist dropout (its mask has no dtype)");
            // one call's tensor is made whole (the kernel order spans it): at most 1 GiB of it
            std::uint64_t max_numel = dist == "dropout" ? (std::uint64_t{1} << 30) : dtype == "float64" ? (std::uint64_t{1} << 27) : (std::uint64_t{1} << 28);
            if (numel > max_numel)
              throw usage_failure("--numel: at most " + std::to_string(max_numel) + " elements for this --dist/--dtype (1 GiB in memory)");
            // every call costs time even when it prints nothing
            if (calls > (std::uint64_t{1} << 20)) throw usage_failure("--calls: at most 2^20 calls");
            random::CUDAGenerator gen(option_u64(inv, "seed", random::default_rng_seed_val));
            random::cuda_device_properties dev{static_cast<int>(sm), 2048};
            auto n = static_cast<std::size_t>(numel);
            double p = 0.5;
            if (auto it = inv.options.find("p"); it != inv.options.end()) {
              char* end = nullptr;
              p = std::strtod(it->second.c_str(), &end);
              if (it->second.empty() || *end != '\0' || !(p >= 0.0 && p <= 1.0))
                throw usage_failure("--p: expected a probability in [0, 1], got '" + it->second + "'");
            }
            for (std::uint64_t c = 0; c < calls && io.out; ++c) {
              if (dist == "dropout") {
                for (auto keep : random::torch_dropout_mask(gen, n, p, dev)) io.out << (keep ? "1\n" : "0\n");
              } else if (dtype == "float32") {
                auto v = dist == "uniform" ? random::torch_rand(gen, n, dev) : random::torch_randn(gen, n, dev);
                print(io.out, v);
              } else {
                auto v = dist == "uniform" ? random::torch_rand_double(gen, n, dev) : random::torch_randn_double(gen, n, dev);
                print(io.out, v);
              }
            }
            return int{ok};
          },
  });
}

}  // namespace aotkit::cli
