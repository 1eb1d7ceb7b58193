// modules/runtime/flat_json.hpp — a read-only JSON document in one flat array (pre-order: each value,
// then its members), parsed in linear time without recursion; for implementation units (not installed).
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/json_document.hpp"  // duplicate_json_key, append_pointer_token, repeated_key
#include "runtime/json_scan.hpp"
#include "runtime/large_buffer.hpp"

namespace aotkit::runtime::detail {

/// Malformed JSON: what was expected, and the byte offset where the text went wrong.
struct flat_json_syntax_error : std::runtime_error {
  flat_json_syntax_error(const std::string& what, std::size_t byte_)
      : std::runtime_error(what + " at byte " + std::to_string(byte_)), byte(byte_) {}
  std::size_t byte;
};

/// One value of a flat_json_document. Nodes are only ever seen by reference into their document:
/// a container reaches its members through a table of offsets from itself, so indexing an array,
/// iterating an object and finding a member cost no pointer chasing through a tree. The API is
/// the subset of nlohmann::json's that a reader needs (is_object, size, operator[], find, ...).
class flat_json {
 public:
  enum class kind : std::uint8_t { null, boolean, integer, unsigned_integer, big_integer, floating, string, array, object };

  // A container finds its members at offsets from itself: a copy elsewhere would find nothing.
  // Values are used by reference into their document (moves are for the document's own array).
  flat_json() = default;
  flat_json(const flat_json&) = delete;
  flat_json& operator=(const flat_json&) = delete;
  flat_json(flat_json&&) noexcept = default;
  flat_json& operator=(flat_json&&) noexcept = default;

  [[nodiscard]] kind type() const noexcept { return kind_; }
  [[nodiscard]] bool is_null() const noexcept { return kind_ == kind::null; }
  [[nodiscard]] bool is_boolean() const noexcept { return kind_ == kind::boolean; }
  /// Integers that fit 64 bits (signed, or unsigned above INT64_MAX), as nlohmann counts them.
  [[nodiscard]] bool is_number_integer() const noexcept { return kind_ == kind::integer || kind_ == kind::unsigned_integer; }
  [[nodiscard]] bool is_number_float() const noexcept { return kind_ == kind::floating; }
  [[nodiscard]] bool is_number() const noexcept { return is_number_integer() || is_number_float(); }
  /// An integer too large for 64 bits: kept as its text (Python's json reads it exactly).
  [[nodiscard]] bool is_big_integer() const noexcept { return kind_ == kind::big_integer; }
  [[nodiscard]] bool is_string() const noexcept { return kind_ == kind::string; }
  [[nodiscard]] bool is_array() const noexcept { return kind_ == kind::array; }
  [[nodiscard]] bool is_object() const noexcept { return kind_ == kind::object; }
  [[nodiscard]] bool is_structured() const noexcept { return is_array() || is_object(); }

  /// Members of a container; 0 for null and 1 for other scalars (nlohmann's convention).
  [[nodiscard]] std::size_t size() const noexcept { return is_structured() ? size_ : is_null() ? 0 : 1; }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

  /// The member's key when this value is a member of an object, else "".
  [[nodiscard]] std::string_view key() const noexcept { return {key_data_, key_size_}; }

  [[nodiscard]] bool get_bool() const noexcept { return bool_; }
  /// An integer (an unsigned one above INT64_MAX wraps, as nlohmann's get<int64_t> does); a float truncated.
  /// 0 for anything that is not a number.
  [[nodiscard]] std::int64_t get_int() const noexcept {
    if (kind_ == kind::floating) return std::isfinite(num_.f) && std::fabs(num_.f) < 9.2e18 ? static_cast<std::int64_t>(num_.f) : 0;
    return is_number_integer() ? static_cast<std::int64_t>(num_.u) : 0;
  }
  [[nodiscard]] std::uint64_t get_unsigned() const noexcept { return is_number_integer() ? num_.u : 0; }
  /// A number as a double (a big integer too: to the nearest double, or an infinity); 0 otherwise.
  [[nodiscard]] double get_double() const noexcept {
    switch (kind_) {
      case kind::floating: return num_.f;
      case kind::integer: return static_cast<double>(num_.i);
      case kind::unsigned_integer: return static_cast<double>(num_.u);
      case kind::big_integer: {
        double d = 0;
        std::string_view t = get_string();
        if (std::from_chars(t.data(), t.data() + t.size(), d).ec == std::errc::result_out_of_range)
          d = t.starts_with('-') ? -HUGE_VAL : HUGE_VAL;
        return d;
      }
      default: return 0;
    }
  }
  /// A string's text, or a big integer's digits.
  [[nodiscard]] std::string_view get_string() const noexcept { return {num_.text, size_}; }

  class const_iterator {
   public:
    using value_type = flat_json;
    using difference_type = std::ptrdiff_t;
    const_iterator() = default;
    const flat_json& operator*() const noexcept { return *(base_ + *at_); }
    const flat_json* operator->() const noexcept { return base_ + *at_; }
    const_iterator& operator++() noexcept {
      ++at_;
      return *this;
    }
    const_iterator operator++(int) noexcept {
      const_iterator old = *this;
      ++at_;
      return old;
    }
    bool operator==(const const_iterator& o) const noexcept { return at_ == o.at_; }
    [[nodiscard]] std::string_view key() const noexcept { return (**this).key(); }
    [[nodiscard]] const flat_json& value() const noexcept { return **this; }

   private:
    friend class flat_json;
    const_iterator(const flat_json* base, const std::uint32_t* at) : base_(base), at_(at) {}
    const flat_json* base_ = nullptr;
    const std::uint32_t* at_ = nullptr;
  };

  /// A container's members in document order (nothing for a scalar).
  [[nodiscard]] const_iterator begin() const noexcept { return {this, is_structured() ? num_.children : nullptr}; }
  [[nodiscard]] const_iterator end() const noexcept { return {this, is_structured() ? num_.children + size_ : nullptr}; }

  /// A container's i-th member; a null value past the end or for a scalar (never a read out of bounds).
  [[nodiscard]] const flat_json& operator[](std::size_t i) const noexcept {
    return is_structured() && i < size_ ? *(this + num_.children[i]) : null_value();
  }
  /// An object's member named `k` (its first, keys being unique), or end().
  [[nodiscard]] const_iterator find(std::string_view k) const noexcept {
    if (!is_object()) return end();
    for (const_iterator it = begin(), e = end(); it != e; ++it)
      if (it->key() == k) return it;
    return end();
  }
  [[nodiscard]] bool contains(std::string_view k) const noexcept { return find(k) != end(); }
  /// An object's member named `k`; a null value when there is none.
  [[nodiscard]] const flat_json& operator[](std::string_view k) const noexcept {
    const_iterator it = find(k);
    return it == end() ? null_value() : *it;
  }

  /// A scalar as compact JSON text (error messages); a container as "[...]" / "{...}".
  [[nodiscard]] std::string dump() const {
    switch (kind_) {
      case kind::null: return "null";
      case kind::boolean: return bool_ ? "true" : "false";
      case kind::integer: return std::to_string(num_.i);
      case kind::unsigned_integer: return std::to_string(num_.u);
      case kind::big_integer: return std::string(get_string());
      case kind::floating: {
        if (std::isnan(num_.f)) return "NaN";
        if (std::isinf(num_.f)) return num_.f > 0 ? "Infinity" : "-Infinity";
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, num_.f);
        return std::string(buf, r.ptr);
      }
      case kind::string: {
        std::string out = "\"";
        for (char c : get_string()) {
          if (c == '"' || c == '\\') out += '\\';
          if (static_cast<unsigned char>(c) < 0x20) {
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
            out += esc;
          } else {
            out += c;
          }
        }
        return out + "\"";
      }
      case kind::array: return "[...]";
      case kind::object: return "{...}";
    }
    return "null";
  }

  static const flat_json& null_value() noexcept {
    static const flat_json null;
    return null;
  }

 private:
  friend class flat_json_document;
  union number {
    std::int64_t i;
    std::uint64_t u;
    double f;
    const std::uint32_t* children;  // containers: each member's offset from this node
    const char* text;               // strings and big integers
  };

  // 32 bytes a value: a program of a million nodes has some forty million of them
  const char* key_data_ = "";
  number num_{.u = 0};
  std::uint32_t key_size_ = 0;
  std::uint32_t size_ = 0;  // containers: members; strings and big integers: bytes
  kind kind_ = kind::null;
  bool bool_ = false;
};

static_assert(sizeof(flat_json) == 32);

/// A parsed document: its nodes in pre-order, their member tables and the decoded text of strings
/// that had escapes (others view the source text, which must outlive the document). Move-only.
class flat_json_document {
 public:
  flat_json_document() = default;
  flat_json_document(flat_json_document&&) noexcept = default;
  flat_json_document& operator=(flat_json_document&&) noexcept = default;
  flat_json_document(const flat_json_document&) = delete;
  flat_json_document& operator=(const flat_json_document&) = delete;

  /// JSON as Python's json.loads reads it (also the bare NaN, Infinity and -Infinity tokens
  /// json.dumps writes), strictly: one value, nothing after it but whitespace, UTF-8 checked.
  /// A repeated key throws duplicate_json_key (the pointer of the object that repeats it);
  /// anything else malformed throws flat_json_syntax_error naming the byte.
  static flat_json_document parse(std::string_view text) {
    flat_json_document doc;
    parser p(doc, text);
    p.run();
    return doc;
  }

  [[nodiscard]] const flat_json& root() const noexcept { return nodes_.empty() ? flat_json::null_value() : nodes_.front(); }
  /// Every value in document order: a container, then its members (each followed by its own).
  [[nodiscard]] std::span<const flat_json> nodes() const noexcept { return nodes_; }

 private:
  using kind = flat_json::kind;
  static constexpr std::size_t chunk_size = 64 * 1024;
  static constexpr std::size_t linear_keys = 16;  // keys checked by a scan as they come

  struct frame {
    std::uint32_t node;
    std::uint32_t first;  // its first member's slot in `pending`
    bool object;
  };

  class parser {
   public:
    parser(flat_json_document& doc, std::string_view text) : doc_(doc), text_(text) {}

    void run() {
      doc_.nodes_.reserve(text_.size() / 16 + 1);
      doc_.members_.reserve(doc_.nodes_.capacity());
      skip_ws();
      begin_value({});
      while (!open_.empty()) {
        skip_ws();
        frame& f = open_.back();
        std::size_t members = pending_.size() - f.first;
        if (peek() == (f.object ? '}' : ']')) {
          ++pos_;
          close();
          continue;
        }
        if (members > 0) {
          expect(',', f.object ? "',' or '}' in an object" : "',' or ']' in an array");
          skip_ws();
        }
        std::string_view k;
        if (f.object) {
          if (peek() != '"') fail("a string key");
          k = read_string();
          check_key(f, k, members);
          skip_ws();
          expect(':', "':' after an object key");
          skip_ws();
        }
        begin_value(k);
      }
      skip_ws();
      if (pos_ != text_.size()) fail("the end of the text after the value");
      // the member tables are complete: containers point into them
      for (flat_json& n : doc_.nodes_)
        if (n.is_structured()) n.num_.children = doc_.members_.data() + n.num_.u;
    }

   private:
    [[noreturn]] void fail(const std::string& expected) const {
      if (pos_ >= text_.size()) throw flat_json_syntax_error("unexpected end of text, expected " + expected, pos_);
      unsigned char c = static_cast<unsigned char>(text_[pos_]);
      std::string seen = c >= 0x20 && c < 0x7f ? "'" + std::string(1, static_cast<char>(c)) + "'" : "byte " + std::to_string(c);
      throw flat_json_syntax_error("unexpected " + seen + ", expected " + expected, pos_);
    }
    char peek() const noexcept { return pos_ < text_.size() ? text_[pos_] : '\0'; }
    void expect(char c, const char* what) {
      if (pos_ >= text_.size() || text_[pos_] != c) fail(what);
      ++pos_;
    }
    void skip_ws() noexcept {
      while (pos_ < text_.size()) {
        char c = text_[pos_];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
        ++pos_;
      }
    }
    bool literal(std::string_view word) {
      if (text_.substr(pos_, word.size()) != word) return false;
      pos_ += word.size();
      return true;
    }

    flat_json& add(std::string_view k) {
      if (doc_.nodes_.size() >= std::numeric_limits<std::uint32_t>::max())
        throw flat_json_syntax_error("a document of more than 2^32 values", pos_);
      if (!open_.empty()) pending_.push_back(static_cast<std::uint32_t>(doc_.nodes_.size()));
      flat_json& n = doc_.nodes_.emplace_back();
      n.key_data_ = k.data() ? k.data() : "";
      n.key_size_ = static_cast<std::uint32_t>(k.size());
      return n;
    }

    void begin_value(std::string_view k) {
      char c = peek();
      if (c == '{' || c == '[') {
        ++pos_;
        std::uint32_t index = static_cast<std::uint32_t>(doc_.nodes_.size());
        flat_json& n = add(k);
        n.kind_ = c == '{' ? kind::object : kind::array;
        open_.push_back(frame{index, static_cast<std::uint32_t>(pending_.size()), c == '{'});
        return;
      }
      if (c == '"') {
        std::string_view s = read_string();
        flat_json& n = add(k);
        n.kind_ = kind::string;
        n.num_.text = s.data() ? s.data() : "";
        n.size_ = static_cast<std::uint32_t>(s.size());
        return;
      }
      flat_json& n = add(k);
      auto special = [&](std::string_view word, kind kd, double f) {
        if (!literal(word)) fail("a value");
        n.kind_ = kd;
        if (kd == kind::floating) n.num_.f = f;
        else n.bool_ = word == "true";
      };
      constexpr double inf = std::numeric_limits<double>::infinity();
      switch (c) {
        case 't': special("true", kind::boolean, 0); break;
        case 'f': special("false", kind::boolean, 0); break;
        case 'n': special("null", kind::null, 0); break;
        case 'N': special("NaN", kind::floating, std::numeric_limits<double>::quiet_NaN()); break;
        case 'I': special("Infinity", kind::floating, inf); break;
        case '-':
          if (text_.substr(pos_, 2) == "-I") special("-Infinity", kind::floating, -inf);
          else read_number(n);
          break;
        default:
          if (c >= '0' && c <= '9') read_number(n);
          else fail("a value");
      }
    }

    void close() {
      frame& f = open_.back();
      flat_json& n = doc_.nodes_[f.node];
      std::size_t members = pending_.size() - f.first;
      if (f.object && members > linear_keys) check_sorted_keys(f);
      n.size_ = static_cast<std::uint32_t>(members);
      n.num_.u = doc_.members_.size();  // its table's start (a pointer once the text is read)
      for (std::size_t i = f.first; i < pending_.size(); ++i) doc_.members_.push_back(pending_[i] - f.node);
      pending_.resize(f.first);
      open_.pop_back();
    }

    // A repeated key is an error at the object's pointer (nlohmann and json.loads would keep the
    // last). The first members are checked as they come; an object longer than that is checked
    // again when it closes, by sorting its keys: no hash a hostile document could flood.
    void check_key(const frame& f, std::string_view k, std::size_t members) {
      if (members >= linear_keys) return;
      for (std::size_t i = f.first; i < pending_.size(); ++i)
        if (doc_.nodes_[pending_[i]].key() == k) throw duplicate_json_key(pointer(), std::string(k));
    }
    void check_sorted_keys(const frame& f) {
      keys_.clear();
      for (std::size_t i = f.first; i < pending_.size(); ++i) keys_.push_back(hash_key(doc_.nodes_[pending_[i]].key()));
      if (auto k = repeated_key(keys_)) throw duplicate_json_key(pointer(), std::string(*k));
    }

    // the JSON pointer of the innermost open container ("/" for the root)
    std::string pointer() const {
      std::string p;
      for (std::size_t i = 0; i + 1 < open_.size(); ++i) {
        if (open_[i].object) append_pointer_token(p, doc_.nodes_[open_[i + 1].node].key());
        else append_pointer_token(p, std::to_string(open_[i + 1].first - 1 - open_[i].first));  // the open member is the last
      }
      return p.empty() ? std::string("/") : p;
    }

    void read_number(flat_json& n) {
      std::size_t start = pos_;
      bool negative = peek() == '-';
      if (negative) ++pos_;
      auto digits = [&] {
        std::size_t d = pos_;
        while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
        return pos_ - d;
      };
      std::size_t int_start = pos_;
      std::size_t int_digits = digits();
      if (int_digits == 0) fail("a digit");
      if (int_digits > 1 && text_[int_start] == '0') {
        pos_ = int_start + 1;
        fail("no digits after a leading 0");
      }
      bool integral = true;
      if (peek() == '.') {
        ++pos_;
        integral = false;
        if (digits() == 0) fail("a digit after '.'");
      }
      if (peek() == 'e' || peek() == 'E') {
        ++pos_;
        integral = false;
        if (peek() == '+' || peek() == '-') ++pos_;
        if (digits() == 0) fail("a digit in the exponent");
      }
      const char* first = text_.data() + start;
      const char* last = text_.data() + pos_;
      if (integral) {
        std::int64_t i = 0;
        if (auto r = std::from_chars(first, last, i); r.ec == std::errc() && r.ptr == last) {
          n.kind_ = kind::integer;
          n.num_.i = i;
          return;
        }
        std::uint64_t u = 0;
        if (!negative) {
          if (auto r = std::from_chars(first, last, u); r.ec == std::errc() && r.ptr == last) {
            n.kind_ = kind::unsigned_integer;
            n.num_.u = u;
            return;
          }
        }
        n.kind_ = kind::big_integer;
        if (last - first > std::numeric_limits<std::uint32_t>::max()) fail("a number shorter than 4 GiB");
        n.num_.text = first;
        n.size_ = static_cast<std::uint32_t>(last - first);
        return;
      }
      double d = 0;
      auto r = std::from_chars(first, last, d);
      if (r.ec == std::errc::result_out_of_range) {
        // overflow to an infinity, underflow to zero, as Python's float() gives (no strtod: it
        // reads the locale's decimal point)
        d = overflows(std::string_view(first, static_cast<std::size_t>(last - first))) ? HUGE_VAL : 0.0;
        if (negative) d = -d;
      } else if (r.ec != std::errc() || r.ptr != last) {
        pos_ = start;
        fail("a number");
      }
      n.kind_ = kind::floating;
      n.num_.f = d;
    }

    // Whether a number from_chars found out of range is too large (not too small): its decimal
    // exponent, from the digits before the point (or the zeros after it) and the exponent part.
    static bool overflows(std::string_view t) noexcept {
      if (t.starts_with('-')) t.remove_prefix(1);
      std::size_t e = t.find_first_of("eE");
      std::string_view mantissa = t.substr(0, e);
      std::int64_t exponent = 0;
      if (e != std::string_view::npos) {
        std::string_view x = t.substr(e + 1);
        bool minus = x.starts_with('-');
        if (minus || x.starts_with('+')) x.remove_prefix(1);
        for (char c : x) exponent = std::min<std::int64_t>(exponent * 10 + (c - '0'), std::int64_t{1} << 40);
        if (minus) exponent = -exponent;
      }
      std::size_t point = mantissa.find('.');
      std::string_view whole = mantissa.substr(0, point);
      std::size_t lead = whole.find_first_not_of('0');
      if (lead != std::string_view::npos) return exponent + static_cast<std::int64_t>(whole.size() - lead) > 0;
      std::string_view fraction = point == std::string_view::npos ? std::string_view() : mantissa.substr(point + 1);
      std::size_t zeros = fraction.find_first_not_of('0');
      return zeros != std::string_view::npos && exponent - static_cast<std::int64_t>(zeros) > 0;
    }

    static int hex(char c) noexcept {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    }
    unsigned read_hex4() {
      unsigned v = 0;
      for (int i = 0; i < 4; ++i) {
        int h = pos_ < text_.size() ? hex(text_[pos_]) : -1;
        if (h < 0) fail("four hex digits after \\u");
        v = v * 16 + static_cast<unsigned>(h);
        ++pos_;
      }
      return v;
    }
    // one UTF-8 sequence starting at pos_ (its lead byte >= 0x80), checked as nlohmann checks it
    void skip_utf8() {
      auto byte = [&](std::size_t i) -> unsigned { return i < text_.size() ? static_cast<unsigned char>(text_[i]) : 0u; };
      unsigned b0 = byte(pos_);
      std::size_t len = 0;
      unsigned lo = 0x80, hi = 0xbf;  // the second byte's range
      if (b0 >= 0xc2 && b0 <= 0xdf) len = 2;
      else if (b0 == 0xe0) len = 3, lo = 0xa0;
      else if ((b0 >= 0xe1 && b0 <= 0xec) || b0 == 0xee || b0 == 0xef) len = 3;
      else if (b0 == 0xed) len = 3, hi = 0x9f;  // no surrogates
      else if (b0 == 0xf0) len = 4, lo = 0x90;
      else if (b0 >= 0xf1 && b0 <= 0xf3) len = 4;
      else if (b0 == 0xf4) len = 4, hi = 0x8f;
      else fail("valid UTF-8");
      unsigned b1 = byte(pos_ + 1);
      if (b1 < lo || b1 > hi) fail("valid UTF-8");
      for (std::size_t i = 2; i < len; ++i)
        if (byte(pos_ + i) < 0x80 || byte(pos_ + i) > 0xbf) fail("valid UTF-8");
      pos_ += len;
    }

    // a string at pos_ (its opening quote): a view of the text, or of its decoded copy when it has escapes
    std::string_view read_string() {
      std::size_t start = ++pos_;
      bool escaped = false;
      for (;;) {
        pos_ = plain_run_end(text_, pos_);
        if (pos_ >= text_.size()) fail("'\"' to end the string");
        unsigned char c = static_cast<unsigned char>(text_[pos_]);
        if (c == '"') break;
        if (c == '\\') {
          escaped = true;
          // a bad escape is the first error in the string, before what follows it
          if (pos_ + 1 < text_.size() && std::string_view("\"\\/bfnrtu").find(text_[pos_ + 1]) == std::string_view::npos)
            fail("an escape (one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)");
          pos_ = std::min(pos_ + 2, text_.size());  // an error at the end when the text ends in the escape
        } else if (c >= 0x80) {
          skip_utf8();
        } else {
          fail("no control character in a string (escape it)");
        }
      }
      std::size_t end = pos_++;
      if (end - start > std::numeric_limits<std::uint32_t>::max()) {
        pos_ = start;
        fail("a string shorter than 4 GiB");
      }
      if (!escaped) return text_.substr(start, end - start);
      return decode(start, end);
    }

    std::string_view decode(std::size_t start, std::size_t end) {
      char* out = doc_.reserve(end - start);  // decoding never grows the text
      char* w = out;
      std::size_t resume = pos_;
      pos_ = start;
      while (pos_ < end) {
        char c = text_[pos_];
        if (c != '\\') {
          *w++ = c;
          ++pos_;
          continue;
        }
        ++pos_;
        char e = pos_ < text_.size() ? text_[pos_] : '\0';
        ++pos_;
        switch (e) {
          case '"': *w++ = '"'; break;
          case '\\': *w++ = '\\'; break;
          case '/': *w++ = '/'; break;
          case 'b': *w++ = '\b'; break;
          case 'f': *w++ = '\f'; break;
          case 'n': *w++ = '\n'; break;
          case 'r': *w++ = '\r'; break;
          case 't': *w++ = '\t'; break;
          case 'u': {
            unsigned cp = read_hex4();
            if (cp >= 0xd800 && cp <= 0xdbff) {
              if (!(pos_ + 1 < end && text_[pos_] == '\\' && text_[pos_ + 1] == 'u')) fail("a low surrogate after a high one");
              pos_ += 2;
              unsigned low = read_hex4();
              if (low < 0xdc00 || low > 0xdfff) fail("a low surrogate after a high one");
              cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
              pos_ -= 6;
              fail("a high surrogate before a low one");
            }
            w = put_utf8(w, cp);
            break;
          }
          default: pos_ -= 2; fail("an escape (one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)");
        }
      }
      pos_ = resume;
      doc_.commit(static_cast<std::size_t>(w - out));
      return {out, static_cast<std::size_t>(w - out)};
    }
    static char* put_utf8(char* w, unsigned cp) noexcept {
      if (cp < 0x80) {
        *w++ = static_cast<char>(cp);
      } else if (cp < 0x800) {
        *w++ = static_cast<char>(0xc0 | (cp >> 6));
        *w++ = static_cast<char>(0x80 | (cp & 0x3f));
      } else if (cp < 0x10000) {
        *w++ = static_cast<char>(0xe0 | (cp >> 12));
        *w++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        *w++ = static_cast<char>(0x80 | (cp & 0x3f));
      } else {
        *w++ = static_cast<char>(0xf0 | (cp >> 18));
        *w++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        *w++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        *w++ = static_cast<char>(0x80 | (cp & 0x3f));
      }
      return w;
    }

    flat_json_document& doc_;
    std::string_view text_;
    std::size_t pos_ = 0;
    std::vector<frame> open_;
    std::vector<std::uint32_t> pending_;  // members of the open containers, innermost last
    std::vector<hashed_key> keys_;  // a large object's keys, sorted when it closes
  };

  // room for `n` bytes of decoded text that stay where they are for the document's life
  char* reserve(std::size_t n) {
    if (arena_.empty() || arena_used_ + n > arena_size_) {
      arena_size_ = std::max(chunk_size, n);
      arena_.push_back(std::make_unique_for_overwrite<char[]>(arena_size_));
      arena_used_ = 0;
    }
    return arena_.back().get() + arena_used_;
  }
  void commit(std::size_t n) noexcept { arena_used_ += n; }

  std::vector<flat_json, large_allocator<flat_json>> nodes_;
  std::vector<std::uint32_t, large_allocator<std::uint32_t>> members_;  // each container's members, as offsets from it
  std::vector<std::unique_ptr<char[]>> arena_;
  std::size_t arena_size_ = 0, arena_used_ = 0;
};

/// Appends Python's `json.dumps` of `value` (a value of a parsed document, a whole subtree: values
/// are stored in document order, so its descendants follow it) to `out`, without recursion: ", "
/// and ": ", strings by `put_string(out, view)`, floats by `put_float(out, d)` (the caller's writers).
template <class PutString, class PutFloat>
void append_flat(std::string& out, const flat_json& value, PutString put_string, PutFloat put_float) {
  struct frame {
    std::size_t count, written;
    bool object;
  };
  std::vector<frame> open;
  const flat_json* n = &value;
  do {
    if (!open.empty()) {
      frame& f = open.back();
      if (f.written++ > 0) out += ", ";
      if (f.object) {
        put_string(out, n->key());
        out += ": ";
      }
    }
    switch (n->type()) {
      case flat_json::kind::object:
      case flat_json::kind::array:
        out += n->is_object() ? '{' : '[';
        open.push_back({n->size(), 0, n->is_object()});
        break;
      case flat_json::kind::string: put_string(out, n->get_string()); break;
      case flat_json::kind::floating: put_float(out, n->get_double()); break;
      default: out += n->dump(); break;  // null, booleans, integers
    }
    while (!open.empty() && open.back().written == open.back().count) {
      out += open.back().object ? '}' : ']';
      open.pop_back();
    }
    ++n;
  } while (!open.empty());
}

/// Python's `json.dumps(loads(text))` for a parsed document (append_flat of its root).
template <class PutString, class PutFloat>
std::string dump_flat(const flat_json_document& doc, PutString put_string, PutFloat put_float) {
  std::string out;
  out.reserve(doc.nodes().size() * 20);  // about what a value takes in programs; the string grows past it
  if (!doc.nodes().empty()) append_flat(out, doc.root(), put_string, put_float);
  return out;
}

}  // namespace aotkit::runtime::detail
