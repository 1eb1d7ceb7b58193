// fuzz/value_json.fuzz.cpp — value_from_json on arbitrary bytes: either a typed input_error or a
// Value that survives copy, repr, _get_symint_hints and a JSON round trip unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

import aotkit.runtime;

using namespace aotkit::runtime;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Value v;
  try {
    v = value_from_json(text);
  } catch (const aotkit::input_error&) {
    return 0;
  }
  Value copy = v;
  (void)copy.repr();
  try {
    (void)_get_symint_hints(copy);
  } catch (const aotkit::data_dependent_error&) {  // an unbacked symbol: torch raises too
  }
  // NaN breaks ==, so the round trip is checked on the text, which is canonical after one pass.
  std::string once = value_to_json(v);
  std::string twice = value_to_json(value_from_json(once));
  if (once != twice) __builtin_trap();
  return 0;
}
