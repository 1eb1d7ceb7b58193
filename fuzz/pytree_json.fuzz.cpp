// fuzz/pytree_json.fuzz.cpp — tree_from_json on arbitrary bytes, then flatten/unflatten round trips
// under both None conventions, key paths that fetch their leaves, and a JSON round trip.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

import aotkit.runtime;
import aotkit.pytree;

using namespace aotkit::pytree;
using aotkit::runtime::Value;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Tree<Value> t = Tree<Value>::none();
  try {
    t = tree_from_json(text);
  } catch (const aotkit::input_error&) {
    return 0;
  }
  std::string j = tree_to_json(t);
  if (tree_to_json(tree_from_json(j)) != j) __builtin_trap();
  auto [leaves, spec] = tree_flatten(t, none_is::node);
  if (tree_to_json(tree_unflatten(leaves, spec)) != j) __builtin_trap();
  auto [leaves2, spec2] = tree_flatten(t);
  if (leaves2.size() != spec2.num_leaves()) __builtin_trap();
  auto [pairs, s3] = tree_flatten_with_path(t, none_is::node);
  for (const auto& [path, leaf] : pairs)
    if (aotkit::runtime::value_to_json(key_get(t, path).value()) != aotkit::runtime::value_to_json(leaf)) __builtin_trap();
  return 0;
}
