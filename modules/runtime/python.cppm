// modules/runtime/python.cppm — Python's textual forms that PyTorch's messages and printers use
// (partition :python): repr of floats and strings, exactly as CPython writes them.
module;
#include <string>
#include <string_view>
export module aotkit.runtime:python;

export namespace aotkit::python {

/// Returns CPython's `repr(float)`: the shortest digits that round-trip, fixed notation for
/// decimal exponents in [-4, 16), else `1e+16` style; `inf`, `-inf`, `nan`, `-0.0`.
[[nodiscard]] std::string float_repr(double x);

/// Returns CPython's `repr(str)` of UTF-8 text: single quotes unless the text holds `'` and no
/// `"`; `\\`, `\n`, `\r`, `\t` and the quote escaped; other C0 controls, DEL and C1 controls as
/// `\xNN`; bytes that are not valid UTF-8 as `\xNN` (as CPython's surrogateescape would show them).
[[nodiscard]] std::string str_repr(std::string_view utf8);

/// `keyword.iskeyword(s)`: one of Python 3's 35 reserved words (`class`, `from`, `None`, ...).
[[nodiscard]] bool is_keyword(std::string_view s) noexcept;

/// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view s) noexcept;

/// Appends `float_repr(x)` to `out`.
void append_float_repr(std::string& out, double x);

/// Appends `str_repr(s)` to `out`.
void append_str_repr(std::string& out, std::string_view s);

}  // namespace aotkit::python
