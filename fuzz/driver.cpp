// fuzz/driver.cpp — a libFuzzer-compatible driver for builds without libFuzzer (dev, asan): replays
// every file of the given corpus directories, then runs -runs=N deterministic mutations of them.
// Flags it reads: -runs=N -seed=S -max_len=L -artifact_prefix=P; other libFuzzer flags are ignored.
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

// The input being run, so that a crash can leave it behind as an artifact.
std::vector<std::uint8_t> current;
std::string crash_path;

extern "C" void on_crash(int sig) {
  // Only async-signal-safe calls here.
  int fd = ::open(crash_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    (void)!::write(fd, current.data(), current.size());
    ::close(fd);
  }
  static constexpr char msg[] = "driver: crash; input written to the artifact file crash-driver\n";
  (void)!::write(2, msg, sizeof msg - 1);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void run_one(const std::vector<std::uint8_t>& input) {
  current = input;
  LLVMFuzzerTestOneInput(current.data(), current.size());
}

std::vector<std::uint8_t> mutate(std::mt19937_64& rng, const std::vector<std::vector<std::uint8_t>>& corpus,
                                 std::size_t max_len) {
  std::vector<std::uint8_t> x;
  if (!corpus.empty()) x = corpus[rng() % corpus.size()];
  static constexpr std::string_view tokens[] = {"{", "}", "[", "]", ",", ":", "\"", "null", "true", "-1",
                                                "1e308", "\\u0000", "{\"list\": [", "]}", "\0", "--", "-h"};
  int n = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < n; ++k) {
    std::size_t pos = x.empty() ? 0 : rng() % (x.size() + 1);
    switch (rng() % 6) {
      case 0:
        if (!x.empty()) x[pos % x.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        break;
      case 1: x.insert(x.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<std::uint8_t>(rng())); break;
      case 2:
        if (!x.empty()) x.erase(x.begin() + static_cast<std::ptrdiff_t>(pos % x.size()));
        break;
      case 3: {
        auto t = tokens[rng() % std::size(tokens)];
        x.insert(x.begin() + static_cast<std::ptrdiff_t>(pos), t.begin(), t.end());
        break;
      }
      case 4:
        if (!x.empty()) {
          std::size_t a = rng() % x.size(), len = 1 + rng() % std::min<std::size_t>(x.size() - a, 64);
          std::vector<std::uint8_t> chunk(x.begin() + static_cast<std::ptrdiff_t>(a),
                                          x.begin() + static_cast<std::ptrdiff_t>(a + len));
          x.insert(x.begin() + static_cast<std::ptrdiff_t>(pos), chunk.begin(), chunk.end());
        }
        break;
      default:
        if (!corpus.empty()) {
          const auto& other = corpus[rng() % corpus.size()];
          std::size_t cut = other.empty() ? 0 : rng() % other.size();
          x.resize(pos);
          x.insert(x.end(), other.begin() + static_cast<std::ptrdiff_t>(cut), other.end());
        }
    }
  }
  if (x.size() > max_len) x.resize(max_len);
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  long runs = 0;
  std::uint64_t seed = 1;
  std::size_t max_len = 4096;
  std::string artifact_prefix = "./";
  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view flag) { return std::string(a.substr(flag.size())); };
    if (a.starts_with("-runs=")) runs = std::atol(value("-runs=").c_str());
    else if (a.starts_with("-seed=")) seed = std::strtoull(value("-seed=").c_str(), nullptr, 10);
    else if (a.starts_with("-max_len=")) max_len = std::strtoull(value("-max_len=").c_str(), nullptr, 10);
    else if (a.starts_with("-artifact_prefix=")) artifact_prefix = value("-artifact_prefix=");
    else if (!a.starts_with("-")) inputs.emplace_back(a);
  }
  crash_path = artifact_prefix + "crash-driver";
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, on_crash);

  std::vector<std::vector<std::uint8_t>> corpus;
  for (const auto& p : inputs) {
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p))
        if (e.is_regular_file()) files.push_back(e.path());
    } else if (std::filesystem::is_regular_file(p)) {
      files.push_back(p);
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  for (const auto& input : corpus) run_one(input);
  std::printf("driver: replayed %zu corpus inputs\n", corpus.size());
  std::mt19937_64 rng(seed);
  for (long r = 0; r < runs; ++r) run_one(mutate(rng, corpus, max_len));
  std::printf("driver: ran %ld mutated inputs (seed %llu), no crash\n", runs, static_cast<unsigned long long>(seed));
  return 0;
}
