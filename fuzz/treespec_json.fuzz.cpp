// fuzz/treespec_json.fuzz.cpp — treespec_loads on arbitrary bytes: a typed input_error, or a spec
// whose dumps loads back equal (and dumps again byte for byte), with consistent counts.
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
    s = treespec_loads(text);
  } catch (const aotkit::input_error&) {
    return 0;
  }
  if (s.nodes().front().num_nodes != s.nodes().size()) __builtin_trap();
  std::string once = treespec_dumps(s);
  TreeSpec again = treespec_loads(once);
  if (!(again == s) || again.hash() != s.hash() || treespec_dumps(again) != once) __builtin_trap();
  (void)s.repr();
  (void)treespec_pprint(s);
  return 0;
}
