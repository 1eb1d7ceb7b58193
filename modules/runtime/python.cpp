// modules/runtime/python.cpp — CPython's float and str repr.
// float: shortest round-trip digits from std::to_chars, laid out by CPython's 'r' format rules.
module;
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>
module aotkit.runtime;

namespace aotkit::python {

void append_float_repr(std::string& out, double x) {
  if (std::isnan(x)) {
    out += "nan";
    return;
  }
  if (std::isinf(x)) {
    out += x < 0 ? "-inf" : "inf";
    return;
  }
  std::array<char, 64> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), x, std::chars_format::scientific);
  std::string_view sci(buf.data(), static_cast<std::size_t>(end - buf.data()));
  // sci = [-]d[.ddd]e(+|-)XX : split into sign, digits and the decimal exponent.
  bool negative = sci.front() == '-';
  if (negative) sci.remove_prefix(1);
  auto e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e))
    if (c != '.') digits += c;
  int exp10 = std::atoi(std::string(sci.substr(e + 1)).c_str());
  // CPython: decpt is the position of the point relative to the digits (1.5 → decpt 1).
  int decpt = exp10 + 1;
  if (negative) out += '-';
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-decpt), '0');
      out += digits;
    } else if (static_cast<std::size_t>(decpt) >= digits.size()) {
      out += digits;
      out.append(static_cast<std::size_t>(decpt) - digits.size(), '0');
      out += ".0";
    } else {
      out.append(digits, 0, static_cast<std::size_t>(decpt));
      out += '.';
      out.append(digits, static_cast<std::size_t>(decpt));
    }
    return;
  }
  out += digits[0];
  if (digits.size() > 1) {
    out += '.';
    out.append(digits, 1);
  }
  out += 'e';
  out += exp10 < 0 ? '-' : '+';
  int a = std::abs(exp10);
  if (a < 10) out += '0';
  out += std::to_string(a);
}

std::string float_repr(double x) {
  std::string s;
  append_float_repr(s, x);
  return s;
}

namespace {

// Length of the valid UTF-8 sequence at s[i] (1-4), or 0 when the bytes there are not valid UTF-8
// (overlong forms, surrogates and code points above U+10FFFF are invalid, as in CPython's decoder).
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp) noexcept {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3Fu);
  }
  static constexpr std::array<char32_t, 5> min_cp{0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

void append_hex_escape(std::string& out, unsigned v) {
  static constexpr char hex[] = "0123456789abcdef";
  out += "\\x";
  out += hex[(v >> 4) & 0xF];
  out += hex[v & 0xF];
}

}  // namespace

bool is_valid_utf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    std::size_t n = utf8_sequence(s, i, cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void append_str_repr(std::string& out, std::string_view s) {
  char quote = (s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos) ? '"' : '\'';
  out += quote;
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    std::size_t n = utf8_sequence(s, i, cp);
    if (n == 0) {
      append_hex_escape(out, static_cast<unsigned char>(s[i]));
      ++i;
      continue;
    }
    if (n == 1) {
      char c = s[i];
      if (c == quote || c == '\\') {
        out += '\\';
        out += c;
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (cp < 0x20 || cp == 0x7F) {
        append_hex_escape(out, static_cast<unsigned>(cp));
      } else {
        out += c;
      }
    } else if (cp < 0xA0) {
      append_hex_escape(out, static_cast<unsigned>(cp));  // C1 controls are not printable
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  out += quote;
}

std::string str_repr(std::string_view utf8) {
  std::string s;
  append_str_repr(s, utf8);
  return s;
}

bool is_keyword(std::string_view s) noexcept {
  static constexpr std::array<std::string_view, 35> keywords{
      "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def",
      "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
      "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield"};
  return std::find(keywords.begin(), keywords.end(), s) != keywords.end();
}

}  // namespace aotkit::python
