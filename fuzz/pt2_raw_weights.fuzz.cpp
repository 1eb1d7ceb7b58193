// fuzz/pt2_raw_weights.fuzz.cpp — torch 2.9+'s payload config reader (load_raw_tensors) on arbitrary
// JSON, over records weight_0 (64 bytes), weight_1 (3) and weight_2 (empty: zeros of the view's
// sizes, within a 1 MiB limit): a typed error, or tensors whose every element lies in its storage.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "zip_writer.hpp"

import aotkit.runtime;
import aotkit.pt2;

using namespace aotkit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string config(reinterpret_cast<const char*>(data), size);
  static const std::string weight0(64, '\x3f'), weight1(3, '\x01');
  std::string zip = aotkit_testing::zip_of({{"archive/data/weights/model_weights_config.json", config},
                                           {"archive/data/weights/weight_0", weight0},
                                           {"archive/data/weights/weight_1", weight1},
                                           {"archive/data/weights/weight_2", ""}},
                                          {.crc = false});
  pt2::zip_limits limits;
  limits.check_crc = false;
  limits.max_member_size = std::uint64_t{1} << 20;
  try {
    auto tensors = pt2::load_raw_tensors(pt2::zip_archive::view(zip, limits), "data/weights/model_weights_config.json", "data/weights/");
    for (const auto& [name, t] : tensors) {
      if (!t.data || t.data->bytes.size() != static_cast<std::size_t>(t.data->numel) * pt2::dtype_itemsize(t.dtype)) __builtin_trap();
      if (t.dtype.find("complex") == std::string::npos && t.values().size() != static_cast<std::size_t>(t.numel())) __builtin_trap();
    }
  } catch (const input_error&) {
  }
  return 0;
}
