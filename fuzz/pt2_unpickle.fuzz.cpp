// fuzz/pt2_unpickle.fuzz.cpp — the restricted unpickler on arbitrary pickle bytes, inside a stored
// torch.save zip whose storages data/0 and data/1 hold 64 and 3 bytes: a typed error, or a value
// whose every tensor reads all its elements inside its storage.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "zip_writer.hpp"

import aotkit.runtime;
import aotkit.pt2;

using namespace aotkit;

namespace {

void walk(const pt2::saved_value& v) {
  if (v.type == pt2::saved_value::kind::tensor && v.t->dtype.find("complex") == std::string::npos) {
    if (v.t->values().size() != static_cast<std::size_t>(v.t->numel())) __builtin_trap();
  }
  for (const auto& c : v.items) walk(c);
  for (const auto& c : v.keys) walk(c);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view pickle(reinterpret_cast<const char*>(data), size);
  static const std::string storage0(64, '\x3f'), storage1(3, '\x01');
  std::string zip = aotkit_testing::zip_of({{"archive/data.pkl", std::string(pickle)}, {"archive/data/0", storage0}, {"archive/data/1", storage1}},
                                          {.crc = false});
  pt2::zip_limits limits;
  limits.check_crc = false;
  try {
    walk(pt2::unpickle_torch_save(pt2::zip_archive::view(zip, limits)));
  } catch (const input_error&) {
  }
  return 0;
}
