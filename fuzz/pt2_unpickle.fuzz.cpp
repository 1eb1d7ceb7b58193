// fuzz/pt2_unpickle.fuzz.cpp — the restricted unpickler on arbitrary pickle bytes, inside a stored
// torch.save zip whose storages data/0 and data/1 hold 64 and 3 bytes: a typed error, or a value
// whose every tensor reads all its elements inside its storage.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

import aotkit.runtime;
import aotkit.pt2;

using namespace aotkit;

namespace {

void put(std::string& b, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b += static_cast<char>(v >> (8 * i));
}

// A stored zip of `members` (CRCs left 0: the harness reads with check_crc off).
std::string zip_of(const std::vector<std::pair<std::string, std::string_view>>& members) {
  std::string out, central;
  for (const auto& [name, data] : members) {
    std::size_t offset = out.size();
    put(out, 0x04034b50, 4);
    put(out, 20, 2), put(out, 0, 2), put(out, 0, 2), put(out, 0, 4), put(out, 0, 4);
    put(out, data.size(), 4), put(out, data.size(), 4), put(out, name.size(), 2), put(out, 0, 2);
    out += name;
    out += data;
    put(central, 0x02014b50, 4);
    put(central, 20, 2), put(central, 20, 2), put(central, 0, 2), put(central, 0, 2), put(central, 0, 4), put(central, 0, 4);
    put(central, data.size(), 4), put(central, data.size(), 4), put(central, name.size(), 2), put(central, 0, 2);
    put(central, 0, 2), put(central, 0, 2), put(central, 0, 2), put(central, 0, 4), put(central, offset, 4);
    central += name;
  }
  std::size_t cd = out.size();
  out += central;
  put(out, 0x06054b50, 4);
  put(out, 0, 2), put(out, 0, 2), put(out, members.size(), 2), put(out, members.size(), 2);
  put(out, central.size(), 4), put(out, cd, 4), put(out, 0, 2);
  return out;
}

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
  std::string zip = zip_of({{"archive/data.pkl", pickle}, {"archive/data/0", storage0}, {"archive/data/1", storage1}});
  pt2::zip_limits limits;
  limits.check_crc = false;
  try {
    walk(pt2::unpickle_torch_save(pt2::zip_archive::view(zip, limits)));
  } catch (const input_error&) {
  }
  return 0;
}
