// tests/data_files.hpp — reading the recorded test data: a whole file, and the JSON documents of a
// folder in a stable order. Header-only, for the test programs that read captures.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace aotkit_testing {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The .json files under `dir` (with `recursive`, in its subfolders too) except index.json, sorted.
inline std::vector<std::filesystem::path> json_documents(const std::filesystem::path& dir, bool recursive = false) {
  std::vector<std::filesystem::path> files;
  auto take = [&](const std::filesystem::directory_entry& e) {
    if (e.path().extension() == ".json" && e.path().filename() != "index.json") files.push_back(e.path());
  };
  if (recursive) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) take(e);
  } else {
    for (const auto& e : std::filesystem::directory_iterator(dir)) take(e);
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace aotkit_testing
