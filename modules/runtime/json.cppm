// modules/runtime/json.cppm — Values as JSON (partition :json), in pytree-json/1's tagged encoding
// (data/FORMAT.md) extended with symbolic scalars; the reader is iterative.
module;
#include <cstddef>
#include <string>
#include <string_view>
export module aotkit.runtime:json;

import :error;
import :value;

export namespace aotkit::runtime {

/// Parses one Value from pytree-json/1's tagged encoding: `{"none": null}`, `{"bool": true}`,
/// `{"int": 5}`, `{"float": 1.5 | "nan" | "inf" | "-inf"}`, `{"str": "s"}`, `{"list": [...]}`,
/// `{"tuple": [...]}`, plus `{"symint": 4 | {"expr": "s0", "hint": 4}}` and the same for
/// "symfloat" and "symbool" (hint optional or null: an unbacked symbol). Dicts and namedtuples are
/// pytree nodes, not runtime Values, and are rejected. Throws aotkit::input_error whose `where()` is
/// "byte N" for malformed JSON and a JSON pointer ("/list/2/int") for a well-formed document that
/// is not a Value. Any nesting depth.
[[nodiscard]] Value value_from_json(std::string_view json);

/// Writes `v` in the encoding `value_from_json` reads (compact, one line). Throws
/// aotkit::value_error for tensors and objects, which have no JSON form, and for strings that are
/// not valid UTF-8. Any nesting depth.
[[nodiscard]] std::string value_to_json(const Value& v);

/// A JSON string literal for UTF-8 text (quotes included; `"`, `\` and controls escaped). With
/// `ensure_ascii`, non-ASCII characters become `\uXXXX` escapes exactly as Python's json.dumps
/// writes them; otherwise they stay as they are. Throws aotkit::value_error for text that is not
/// valid UTF-8.
[[nodiscard]] std::string json_string(std::string_view utf8, bool ensure_ascii = false);
/// json_string appended to `out` (writers of large documents: no string per literal).
void append_json_string(std::string& out, std::string_view utf8, bool ensure_ascii = false);

/// The input_error for a JSON library's syntax error: `where()` "byte N" (0-based) when the
/// library reports `chars_read` (one past the offending byte), "/" otherwise; the library's
/// "[json.exception.x.y] " prefix is dropped. Shared by every JSON reader of aotkit.
[[nodiscard]] input_error json_syntax_error(std::string_view library_message, std::size_t chars_read = 0);

}  // namespace aotkit::runtime
