// fuzz/pt2_zip.fuzz.cpp — the .pt2 zip reader and layout detection on arbitrary bytes: a typed
// error (input_error; value_error for a PT2 archive version torch refuses), or an archive whose
// every member reads back at its recorded size and whose lookups agree with its directory.
#include <cstddef>
#include <cstdint>
#include <string_view>

import aotkit.runtime;
import aotkit.pt2;

using namespace aotkit::pt2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  zip_limits limits;
  limits.max_member_size = std::uint64_t{1} << 24;  // a fuzzer's input inflates to at most 16 MiB
  try {
    zip_archive a = zip_archive::view(bytes, limits);
    for (const zip_entry& e : a.entries()) {
      if (a.find(e.name) != &e) __builtin_trap();
      if (e.data_offset + e.compressed_size > size) __builtin_trap();
      try {
        if (a.read(e).size() != e.size) __builtin_trap();
      } catch (const aotkit::input_error&) {
      }
    }
    pt2_info info = inspect(a);
    try {
      (void)program_records(info);
    } catch (const aotkit::value_error&) {
    } catch (const aotkit::key_error&) {
    }
  } catch (const aotkit::input_error&) {
  } catch (const aotkit::value_error&) {
  }
  return 0;
}
