// fuzz/flat_json.fuzz.cpp — the flat JSON document on arbitrary bytes, against nlohmann: what nlohmann
// reads (repeated keys refused by both) it reads as the same value, and what it writes reads back.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "runtime/flat_json.hpp"

import aotkit.runtime;

using namespace aotkit::runtime;
using json = nlohmann::ordered_json;

namespace {

void put_string(std::string& out, std::string_view s) { out += json_string(s, true); }
void put_float(std::string& out, double d) {
  if (std::isnan(d)) out += "NaN";
  else if (std::isinf(d)) out += d > 0 ? "Infinity" : "-Infinity";
  else aotkit::python::append_float_repr(out, d);
}
bool has_big_integer(const detail::flat_json_document& doc) {
  for (const detail::flat_json& n : doc.nodes())
    if (n.is_big_integer()) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<detail::flat_json_document> doc;
  bool duplicate = false;
  try {
    doc = detail::flat_json_document::parse(text);
  } catch (const detail::flat_json_syntax_error& e) {
    if (e.byte > size) __builtin_trap();
  } catch (const detail::duplicate_json_key&) {
    duplicate = true;
  }
  std::optional<json> reference;
  bool reference_duplicate = false;
  try {
    // nlohmann takes a NUL byte for the end of the text ("8\0" reads as 8); json.loads does not
    if (text.find('\0') == std::string_view::npos) reference = detail::parse_json_unique_keys<json>(text);
  } catch (const detail::duplicate_json_key&) {
    reference_duplicate = true;
  } catch (const json::exception&) {
  }
  // nlohmann reads a subset: not json.dumps's NaN / Infinity, nor 1e999 (Python reads both)
  if (reference && !doc) __builtin_trap();
  if (reference_duplicate && !duplicate && doc) __builtin_trap();
  if (!doc) return 0;
  std::string written = detail::dump_flat(*doc, put_string, put_float);
  if (reference && !has_big_integer(*doc) && written != detail::dump_iterative(*reference, put_string, put_float)) __builtin_trap();
  if (detail::dump_flat(detail::flat_json_document::parse(written), put_string, put_float) != written) __builtin_trap();
  return 0;
}
