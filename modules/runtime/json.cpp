// modules/runtime/json.cpp — tagged-JSON reader (nlohmann's SAX parser, which is iterative) and writer.
// Semantic errors name a JSON pointer built from the reader's own stack of open values.
module;
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <nlohmann/json.hpp>
#include "runtime/json_document.hpp"  // append_pointer_token
#include "runtime/json_scan.hpp"
module aotkit.runtime;

namespace aotkit::runtime {

namespace {

enum class tag : std::uint8_t { unknown, none, boolean, integer, floating, string, list, tuple, symint, symfloat, symbool };

tag tag_of(std::string_view k) {
  if (k == "none") return tag::none;
  if (k == "bool") return tag::boolean;
  if (k == "int") return tag::integer;
  if (k == "float") return tag::floating;
  if (k == "str") return tag::string;
  if (k == "list") return tag::list;
  if (k == "tuple") return tag::tuple;
  if (k == "symint") return tag::symint;
  if (k == "symfloat") return tag::symfloat;
  if (k == "symbool") return tag::symbool;
  return tag::unknown;
}

class value_reader final : public nlohmann::json_sax<nlohmann::json> {
 public:
  Value take() {
    if (!root_) throw input_error("byte 0", "the document holds no value");
    return std::move(*root_);
  }

  bool null() override { return scalar(Value(), "null"); }
  bool boolean(bool b) override { return scalar(Value(b), "a boolean"); }
  bool number_integer(number_integer_t i) override { return number(static_cast<double>(i), i, "an integer"); }
  bool number_unsigned(number_unsigned_t u) override {
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      if (expects_payload(tag::floating)) return scalar(Value(static_cast<double>(u)), "a number");
      fail("integer " + std::to_string(u) + " does not fit in int64");
    }
    return number(static_cast<double>(u), static_cast<std::int64_t>(u), "an integer");
  }
  bool number_float(number_float_t d, const string_t&) override { return number(d, std::nullopt, "a float"); }
  bool string(string_t& s) override {
    if (auto* f = top(); f && f->kind == frame_kind::sym) return sym_value(Value(std::move(s)), "a string");
    if (expects_payload(tag::floating)) {
      if (s == "nan") return scalar(Value(std::numeric_limits<double>::quiet_NaN()), "");
      if (s == "inf") return scalar(Value(std::numeric_limits<double>::infinity()), "");
      if (s == "-inf") return scalar(Value(-std::numeric_limits<double>::infinity()), "");
      fail("a float is a number or one of \"nan\", \"inf\", \"-inf\", got \"" + s + "\"");
    }
    return scalar(Value(std::move(s)), "a string");
  }
  bool binary(binary_t&) override { fail("binary values are not JSON"); }

  bool start_object(std::size_t) override {
    frame* f = top();
    if (f && f->kind == frame_kind::tagged && f->state == tagged_state::payload) {
      if (f->t == tag::symint || f->t == tag::symfloat || f->t == tag::symbool) {
        stack_.emplace_back(frame_kind::sym);
        return true;
      }
      fail(std::string("expected ") + payload_description(f->t) + ", got an object");
    }
    if (f && f->kind == frame_kind::sym) fail("a symbolic field is a string, a number, a boolean or null");
    if (f && f->kind == frame_kind::tagged) fail("a tagged value has exactly one key");
    if (!f && root_) fail("trailing value");
    stack_.emplace_back(frame_kind::tagged);
    return true;
  }

  bool key(string_t& k) override {
    frame& f = stack_.back();
    if (f.kind == frame_kind::sym) {
      if (k != "expr" && k != "hint") fail("unknown field \"" + k + "\" of a symbolic value (expected \"expr\" or \"hint\")");
      if ((k == "expr" && f.expr) || (k == "hint" && f.has_hint)) fail("duplicate field \"" + k + "\"");
      f.key = k;
      return true;
    }
    if (f.state != tagged_state::tag) fail("a tagged value has exactly one key, got a second one \"" + k + "\"");
    f.t = tag_of(k);
    f.key = k;
    f.state = tagged_state::payload;
    if (f.t == tag::unknown) {
      if (k == "dict" || k == "odict" || k == "namedtuple") fail("\"" + k + "\" is a pytree node, not a runtime value");
      fail("unknown tag \"" + k + "\" (expected none, bool, int, float, str, list, tuple, symint, symfloat or symbool)");
    }
    return true;
  }

  bool end_object() override {
    frame f = std::move(stack_.back());
    if (f.kind == frame_kind::sym) {
      stack_.pop_back();
      return finish_payload(make_sym(f));
    }
    if (f.state == tagged_state::tag) fail("an empty object is not a value; expected {\"<tag>\": <payload>}");
    stack_.pop_back();
    deliver(std::move(*f.result));
    return true;
  }

  bool start_array(std::size_t) override {
    frame* f = top();
    if (f && f->kind == frame_kind::tagged && f->state == tagged_state::payload &&
        (f->t == tag::list || f->t == tag::tuple)) {
      stack_.emplace_back(frame_kind::sequence);
      return true;
    }
    not_a_value("an array");
  }

  bool end_array() override {
    frame f = std::move(stack_.back());
    stack_.pop_back();
    bool is_tuple = stack_.back().t == tag::tuple;
    return finish_payload(is_tuple ? Value::tuple(std::move(f.items)) : Value::list(std::move(f.items)));
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    throw json_syntax_error(ex.what(), position);
  }

 private:
  enum class frame_kind : std::uint8_t { tagged, sequence, sym };
  enum class tagged_state : std::uint8_t { tag, payload, done };
  struct frame {
    explicit frame(frame_kind k) : kind(k) {}
    frame_kind kind;
    tagged_state state = tagged_state::tag;
    tag t = tag::unknown;
    std::string key;             // the tag (tagged) or the current field (sym)
    std::optional<Value> result;  // tagged: the finished value
    value_list items;             // sequence: the items so far
    std::optional<std::string> expr;
    Value hint;
    bool has_hint = false;
  };

  frame* top() { return stack_.empty() ? nullptr : &stack_.back(); }

  bool expects_payload(tag t) {
    frame* f = top();
    return f && f->kind == frame_kind::tagged && f->state == tagged_state::payload && f->t == t;
  }

  static const char* payload_description(tag t) {
    switch (t) {
      case tag::none: return "null";
      case tag::boolean: return "a boolean";
      case tag::integer: return "an integer";
      case tag::floating: return "a number or \"nan\", \"inf\", \"-inf\"";
      case tag::string: return "a string";
      case tag::list:
      case tag::tuple: return "an array of values";
      case tag::symint: return "an integer or {\"expr\", \"hint\"}";
      case tag::symfloat: return "a number or {\"expr\", \"hint\"}";
      case tag::symbool: return "a boolean or {\"expr\", \"hint\"}";
      case tag::unknown: break;
    }
    return "a value";
  }

  [[noreturn]] void not_a_value(const char* got) {
    frame* f = top();
    if (f && f->kind == frame_kind::tagged && f->state == tagged_state::payload)
      fail(std::string("expected ") + payload_description(f->t) + ", got " + got);
    if (f && f->kind == frame_kind::sym) fail(std::string("a symbolic field is a string, a number, a boolean or null, got ") + got);
    fail(std::string("expected a tagged value {\"<tag>\": <payload>}, got ") + got);
  }

  bool number(double d, std::optional<std::int64_t> i, const char* got) {
    if (auto* f = top(); f && f->kind == frame_kind::sym) return sym_value(i ? Value(*i) : Value(d), got);
    if (expects_payload(tag::floating) || expects_payload(tag::symfloat)) return scalar(Value(d), got);
    if (i) return scalar(Value(*i), got);
    not_a_value(got);
  }

  // A scalar payload: checks it against the open tag.
  bool scalar(Value v, const char* got) {
    if (auto* f = top(); f && f->kind == frame_kind::sym) return sym_value(std::move(v), got);
    frame* f = top();
    if (!f || f->kind != frame_kind::tagged || f->state != tagged_state::payload) not_a_value(got);
    bool ok = false;
    switch (f->t) {
      case tag::none: ok = v.is_none(); break;
      case tag::boolean: ok = v.is_bool(); break;
      case tag::integer: ok = v.is_int(); break;
      case tag::floating: ok = v.is_double(); break;
      case tag::string: ok = v.is_string(); break;
      case tag::symint: ok = v.is_int(); if (ok) v = Value(SymInt(v.to_int())); break;
      case tag::symfloat: ok = v.is_double(); if (ok) v = Value(SymFloat(v.to_double())); break;
      case tag::symbool: ok = v.is_bool(); if (ok) v = Value(SymBool(v.to_bool())); break;
      default: break;
    }
    if (!ok) not_a_value(got);
    return finish_payload(std::move(v));
  }

  bool sym_value(Value v, const char* got) {
    frame& f = stack_.back();
    if (f.key == "expr") {
      if (!v.is_string()) fail(std::string("\"expr\" is a string, got ") + got);
      f.expr = v.to_string();
    } else {
      f.hint = std::move(v);
      f.has_hint = true;
    }
    return true;
  }

  Value make_sym(const frame& f) {
    tag t = stack_.back().t;  // the enclosing tagged frame
    if (!f.expr) fail("a symbolic value needs \"expr\"");
    const Value& h = f.hint;
    auto bad_hint = [&](const char* want) { fail(std::string("\"hint\" of a ") + want); };
    switch (t) {
      case tag::symint:
        if (!h.is_none() && !h.is_int()) bad_hint("symint is an integer or null");
        return SymInt::symbolic(*f.expr, h.is_none() ? std::nullopt : std::optional(h.to_int()));
      case tag::symfloat:
        if (!h.is_none() && !h.is_int() && !h.is_double()) bad_hint("symfloat is a number or null");
        return SymFloat::symbolic(*f.expr, h.is_none() ? std::nullopt
                                                       : std::optional(h.is_int() ? static_cast<double>(h.to_int())
                                                                                  : h.to_double()));
      default:
        if (!h.is_none() && !h.is_bool()) bad_hint("symbool is a boolean or null");
        return SymBool::symbolic(*f.expr, h.is_none() ? std::nullopt : std::optional(h.to_bool()));
    }
  }

  // The payload of the innermost tagged frame is complete.
  bool finish_payload(Value v) {
    frame& f = stack_.back();
    f.result = std::move(v);
    f.state = tagged_state::done;
    return true;
  }

  // A tagged value is complete: it goes to the enclosing sequence, or becomes the root.
  void deliver(Value v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return;
    }
    stack_.back().items.push_back(std::move(v));
  }

  [[noreturn]] void fail(const std::string& detail) {
    std::string pointer;
    for (const auto& f : stack_) {
      if (f.kind == frame_kind::tagged && f.state != tagged_state::tag) detail::append_pointer_token(pointer, f.key);
      else if (f.kind == frame_kind::sequence) detail::append_pointer_token(pointer, std::to_string(f.items.size()));
      else if (f.kind == frame_kind::sym && !f.key.empty()) detail::append_pointer_token(pointer, f.key);
    }
    throw input_error(pointer.empty() ? std::string("/") : pointer, detail);
  }

  std::vector<frame> stack_;
  std::optional<Value> root_;
};

// A JSON string literal of valid UTF-8 `s`. With `ensure_ascii` every non-ASCII code point is
// written as \uXXXX (a surrogate pair above U+FFFF), as Python's json.dumps does by default.
void put_json_string(std::string& out, std::string_view s, bool ensure_ascii = false) {
  static constexpr char hex[] = "0123456789abcdef";
  auto u4 = [&](unsigned v) {
    out += "\\u";
    for (int sh = 12; sh >= 0; sh -= 4) out += hex[(v >> sh) & 0xF];
  };
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    // a run that needs no escape, copied at once (DEL is escaped with ensure_ascii)
    std::size_t end = detail::plain_run_end(s, i);
    if (ensure_ascii && end > i)
      if (const void* del = std::memchr(s.data() + i, 0x7f, end - i)) end = static_cast<std::size_t>(static_cast<const char*>(del) - s.data());
    out.append(s.data() + i, end - i);
    i = end;
    if (i >= s.size()) break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80 && ensure_ascii) {
      std::size_t n = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;  // the caller checked the UTF-8
      char32_t cp = n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
      for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
      if (cp >= 0x10000) {
        cp -= 0x10000;
        u4(0xD800 + (cp >> 10));
        u4(0xDC00 + (cp & 0x3FF));
      } else {
        u4(cp);
      }
      i += n;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        // json.dumps's ensure_ascii escapes everything outside ' '..'~', DEL included
        if (c < 0x20 || (ensure_ascii && c == 0x7f)) u4(c);
        else out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
}

void append_json_double(std::string& out, double d) {
  if (std::isnan(d)) out += "\"nan\"";
  else if (std::isinf(d)) out += d < 0 ? "\"-inf\"" : "\"inf\"";
  else python::append_float_repr(out, d);  // "1.0", "1e+16": valid JSON numbers that read back as floats
}

template <class T, class Append>
void append_sym(std::string& out, const char* tag_name, const Sym<T>& s, Append append_number) {
  out += "{\"";
  out += tag_name;
  out += "\": ";
  if (!s.is_symbolic()) {
    append_number(out, *s.hint());
  } else {
    out += "{\"expr\": ";
    put_json_string(out, s.expr());
    out += ", \"hint\": ";
    if (s.hint()) append_number(out, *s.hint());
    else out += "null";
    out += '}';
  }
  out += '}';
}

}  // namespace

input_error json_syntax_error(std::string_view library_message, std::size_t chars_read) {
  std::string what(library_message);
  // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..." → the tail.
  if (auto p = what.find("] "); p != std::string::npos) what.erase(0, p + 2);
  if (chars_read == 0) return input_error("/", what);
  return input_error("byte " + std::to_string(chars_read - 1), what);
}

std::string json_string(std::string_view utf8, bool ensure_ascii) {
  std::string out;
  append_json_string(out, utf8, ensure_ascii);
  return out;
}

void append_json_string(std::string& out, std::string_view utf8, bool ensure_ascii) {
  if (!python::is_valid_utf8(utf8)) throw value_error("a str that is not valid UTF-8 has no JSON form");
  put_json_string(out, utf8, ensure_ascii);
}

Value value_from_json(std::string_view json) {
  value_reader reader;
  nlohmann::json::sax_parse(json.begin(), json.end(), &reader);
  return reader.take();
}

std::string value_to_json(const Value& root) {
  std::string out;
  struct frame {
    const value_list* items;
    std::size_t next;
  };
  std::vector<frame> stack;
  auto emit = [&](const Value& v) {
    switch (v.kind()) {
      case value_kind::none: out += "{\"none\": null}"; break;
      case value_kind::boolean: out += v.to_bool() ? "{\"bool\": true}" : "{\"bool\": false}"; break;
      case value_kind::integer: out += "{\"int\": " + std::to_string(v.to_int()) + "}"; break;
      case value_kind::floating:
        out += "{\"float\": ";
        append_json_double(out, v.to_double());
        out += '}';
        break;
      case value_kind::string:
        if (!python::is_valid_utf8(v.to_string())) throw value_error("a str that is not valid UTF-8 has no JSON form");
        out += "{\"str\": ";
        put_json_string(out, v.to_string());
        out += '}';
        break;
      case value_kind::symint:
        append_sym(out, "symint", v.to_symint(), [](std::string& o, std::int64_t i) { o += std::to_string(i); });
        break;
      case value_kind::symfloat: append_sym(out, "symfloat", v.to_symfloat(), append_json_double); break;
      case value_kind::symbool:
        append_sym(out, "symbool", v.to_symbool(), [](std::string& o, bool b) { o += b ? "true" : "false"; });
        break;
      case value_kind::tensor:
      case value_kind::object: throw value_error("a " + v.type_name() + " has no JSON form");
      case value_kind::list:
      case value_kind::tuple:
        out += v.is_tuple() ? "{\"tuple\": [" : "{\"list\": [";
        stack.push_back({&v.items(), 0});
        break;
    }
  };
  emit(root);
  while (!stack.empty()) {
    frame& f = stack.back();
    if (f.next == f.items->size()) {
      out += "]}";
      stack.pop_back();
      continue;
    }
    if (f.next > 0) out += ", ";
    emit((*f.items)[f.next++]);  // may invalidate f
  }
  return out;
}

}  // namespace aotkit::runtime
