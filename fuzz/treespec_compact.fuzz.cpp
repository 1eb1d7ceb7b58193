// fuzz/treespec_compact.fuzz.cpp — treespec_from_compact on arbitrary bytes: a typed input_error, or a
// spec that writes back to the same text and survives a JSON round trip.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

import aotkit.runtime;
import aotkit.pytree;

using namespace aotkit::pytree;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  TreeSpec s;
  try {
    s = treespec_from_compact(text);
  } catch (const aotkit::input_error&) {
    return 0;
  }
  std::string written = treespec_to_compact(s);
  if (!(treespec_from_compact(written) == s)) __builtin_trap();
  // Keys were read from arbitrary bytes: only valid UTF-8 can go through JSON.
  try {
    if (!(treespec_loads(treespec_dumps(s)) == s)) __builtin_trap();
  } catch (const aotkit::value_error&) {
  }
  return 0;
}
