// modules/graph/fx_json_reader.cpp — the fx-json/1 reader: a single-pass pull parser that builds
// nodes as it reads (no DOM), rejects repeated keys and names the place of every error.
module;
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>
module aotkit.graph;

import aotkit.runtime;
import aotkit.pytree;

namespace aotkit::graph {

namespace {

//===--- a pull parser over JSON text ---===//

// The keys of one JSON object read so far. A repeated key is an error in every reader of aotkit
// (the runtime Value reader's rule): kept silently, the last value would win or lists would merge.
class seen_keys {
 public:
  /// False when `k` was there already.
  bool insert(std::string_view k) {
    if (big_.empty()) {
      for (const std::string& s : small_)
        if (s == k) return false;
      if (small_.size() < small_limit) {
        small_.emplace_back(k);
        return true;
      }
      big_.insert(small_.begin(), small_.end());
    }
    return big_.emplace(k).second;
  }
  void clear() noexcept {
    small_.clear();
    if (!big_.empty()) big_.clear();  // an empty set's clear still wipes its buckets: once per node
  }

 private:
  static constexpr std::size_t small_limit = 16;
  std::vector<std::string> small_;
  std::unordered_set<std::string> big_;
};

class cursor {
 public:
  explicit cursor(std::string_view s) : s_(s) {}

  // Errors are built out of line: the token functions are inlined into the recursive readers, and
  // their frames must stay small (a 1000-deep argument recurses 1000 times, under ASan too).
  [[noreturn, gnu::noinline, gnu::cold]] void syntax(std::string_view what) const {
    throw input_error("byte " + std::to_string(pos_), std::string(what));
  }
  [[noreturn, gnu::noinline, gnu::cold]] void expected(char c) const { syntax(std::string("expected '") + c + "'"); }
  [[noreturn, gnu::noinline, gnu::cold]] void expected(char c, char close) const {
    syntax(std::string("expected '") + c + "' or '" + close + "'");
  }
  // The token functions run several times per node: inlined into the reader's loops.
  // Every JSON whitespace byte is at most ' ', and no byte that starts a token is: most calls find
  // a token at once (or after the one space json.dumps puts after ':' and ','), and leave on one test.
  [[gnu::always_inline]] void ws() noexcept {
    while (pos_ < s_.size() && static_cast<unsigned char>(s_[pos_]) <= ' ' &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
      ++pos_;
  }
  [[gnu::always_inline]] char peek() {
    ws();
    if (pos_ >= s_.size()) syntax("unexpected end of input");
    return s_[pos_];
  }
  bool at_end() {
    ws();
    return pos_ >= s_.size();
  }
  [[gnu::always_inline]] void expect(char c) {
    if (peek() != c) expected(c);
    ++pos_;
  }
  bool consume(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  // After '{' or '[': true while there is another member/item (eats the ',' between them).
  [[gnu::always_inline]] bool more(char close, bool& first) {
    char c = peek();
    if (c == close) {
      ++pos_;
      return false;
    }
    if (!first) {
      if (c != ',') expected(',', close);
      ++pos_;
    }
    first = false;
    return true;
  }
  [[gnu::noinline]] void string(std::string& out) {  // escapes and UTF-8 checks: kept out of the readers' frames
    if (peek() != '"') syntax("expected a string");
    ++pos_;
    out.clear();
    std::size_t opened = pos_;
    bool high = false;  // raw non-ASCII bytes must form valid UTF-8 (JSON text is UTF-8)
    while (true) {
      std::size_t start = pos_;
      while (true) {  // plain runs at word speed, then non-ASCII bytes one by one
        pos_ = plain_run_end(s_, pos_);
        if (pos_ >= s_.size() || static_cast<unsigned char>(s_[pos_]) < 0x80) break;
        high = true;
        ++pos_;
      }
      out.append(s_.data() + start, pos_ - start);
      if (pos_ >= s_.size()) syntax("unterminated string");
      char c = s_[pos_];
      if (c == '"') {
        if (high && !python::is_valid_utf8(out)) {
          pos_ = opened;
          syntax("invalid UTF-8 in a string");
        }
        ++pos_;
        return;
      }
      if (c != '\\') syntax("control character in a string");
      if (++pos_ >= s_.size()) syntax("unterminated string");
      char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00) {
            if (pos_ + 1 < s_.size() && s_[pos_] == '\\' && s_[pos_ + 1] == 'u') {
              pos_ += 2;
              std::uint32_t lo = hex4();
              if (lo < 0xDC00 || lo >= 0xE000) syntax("invalid surrogate pair");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              syntax("lone surrogate in a string");
            }
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            syntax("lone surrogate in a string");
          }
          utf8(out, cp);
          break;
        }
        default: --pos_; syntax("invalid escape in a string");
      }
    }
  }
  // A string's text without copying it when it has no escapes and is ASCII (keys, tags, most
  // names); otherwise decoded into `scratch`. The view lives as long as the input or `scratch`.
  std::string_view text(std::string& scratch) {
    if (peek() != '"') syntax("expected a string");
    std::size_t from = pos_ + 1, end = plain_run_end(s_, from);
    if (end < s_.size() && s_[end] == '"') {
      pos_ = end + 1;
      return s_.substr(from, end - from);
    }
    string(scratch);
    return scratch;
  }
  struct number {
    bool is_float;
    std::int64_t i;
    double d;
  };
  number num() {
    ws();
    // Python's json spells non-finite floats NaN, Infinity and -Infinity (not JSON, but what
    // json.dumps writes for meta such as tensor bounds, and what the writer here writes too)
    if (std::string_view r = s_.substr(pos_); !r.empty() && (r[0] == 'N' || r[0] == 'I' || r.starts_with("-I"))) {
      for (auto [word, value] : {std::pair<std::string_view, double>{"NaN", std::numeric_limits<double>::quiet_NaN()},
                                 {"Infinity", HUGE_VAL},
                                 {"-Infinity", -HUGE_VAL}}) {
        if (r.starts_with(word)) {
          pos_ += word.size();
          return {true, 0, value};
        }
      }
      syntax("expected a value");
    }
    std::size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    std::size_t digits = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    if (pos_ == digits) syntax("expected a value");
    if (s_[digits] == '0' && pos_ - digits > 1) syntax("leading zero in a number");
    bool is_float = false;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      is_float = true;
      std::size_t f = ++pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == f) syntax("expected digits after '.'");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      is_float = true;
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      std::size_t e = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == e) syntax("expected exponent digits");
    }
    number n{is_float, 0, 0};
    const char* b = s_.data() + start;
    const char* e = s_.data() + pos_;
    if (is_float) {
      auto r = std::from_chars(b, e, n.d);
      if (r.ec == std::errc::result_out_of_range) n.d = (*b == '-') ? -HUGE_VAL : HUGE_VAL;  // Python: 1e999 → inf
      else if (r.ec != std::errc()) syntax("invalid number");
    } else {
      auto r = std::from_chars(b, e, n.i);
      if (r.ec != std::errc()) {
        pos_ = start;
        syntax("integer out of the int64 range");
      }
    }
    return n;
  }
  void literal(std::string_view word) {
    ws();
    if (s_.substr(pos_, word.size()) != word) syntax("expected a value");
    pos_ += word.size();
  }
  // The text from the current position (after whitespace) on, and a jump forward within it.
  std::string_view rest() {
    ws();
    return s_.substr(pos_);
  }
  std::size_t offset() const noexcept { return pos_; }
  // Consumes `lit` when the text (after whitespace) starts with it.
  bool try_literal(std::string_view lit) noexcept {
    ws();
    if (s_.size() - pos_ < lit.size() || !same_text(s_.substr(pos_, lit.size()), lit)) return false;
    pos_ += lit.size();
    return true;
  }
  void advance(std::size_t n) noexcept { pos_ += n; }
  std::string_view between(std::size_t from, std::size_t to) const noexcept { return s_.substr(from, to - from); }

  // Skips any value without recursion (an explicit stack of open brackets).
  void skip() {
    std::vector<char> open;
    std::vector<seen_keys> keys;  // one per open object
    std::string scratch;
    auto key = [&] {
      string(scratch);
      if (!keys.back().insert(scratch)) syntax("duplicate key '" + scratch + "'");
      expect(':');
    };
    while (true) {
      char c = peek();
      if (c == '{' || c == '[') {
        ++pos_;
        if (!consume(c == '{' ? '}' : ']')) {
          open.push_back(c);
          if (c == '{') {
            keys.emplace_back();
            key();
          }
          continue;
        }
      } else if (c == '"') {
        string(scratch);
      } else if (c == 't') {
        literal("true");
      } else if (c == 'f') {
        literal("false");
      } else if (c == 'n') {
        literal("null");
      } else {
        num();
      }
      // a value is complete: close containers or go on to the next item
      while (true) {
        if (open.empty()) return;
        char d = peek();
        if (d == ',') {
          ++pos_;
          if (open.back() == '{') key();
          break;
        }
        if (d != (open.back() == '{' ? '}' : ']')) syntax("expected ',' or a closing bracket");
        ++pos_;
        if (open.back() == '{') keys.pop_back();
        open.pop_back();
      }
    }
  }

 private:
  std::uint32_t hex4() {
    if (pos_ + 4 > s_.size()) syntax("short \\u escape");
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else syntax("invalid \\u escape");
    }
    return v;
  }
  static void utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

constexpr node_id forward_bit = 0x80000000u;

//===--- the reader ---===//

class reader {
 public:
  explicit reader(std::string_view text) : c_(text) {}

  fx_document read() {
    fx_document doc;
    bool saw_format = false, saw_nodes = false;
    read_object("/", [&](std::string_view key) {
      if (key == "format") {
        std::string f;
        locate("/format");
        if (c_.peek() != '"') fail("expected a string");
        c_.string(f);
        if (f != "fx-json/1" && f != "fx-json/2")
          fail("unsupported format '" + f + "' (this reader knows fx-json/1 and fx-json/2)");
        saw_format = true;
      } else if (key == "name") {
        locate("/name");
        if (c_.peek() != '"') fail("expected a string");
        c_.string(doc.name);
      } else if (key == "nodes") {
        read_nodes(doc.module.graph(), "/nodes");
        saw_nodes = true;
      } else if (key == "submodules") {
        read_submodules(doc.module);
      } else if (key == "codegen") {
        doc.module.graph().set_codegen(read_codegen("/codegen"));
      } else if (key == "attributes") {
        read_attributes(doc.module);
      } else {
        c_.skip();
      }
    });
    if (!c_.at_end()) c_.syntax("trailing characters after the document");
    if (!saw_format) throw input_error("/", "missing \"format\": \"fx-json/2\" (or fx-json/1)");
    if (!saw_nodes) throw input_error("/", "missing \"nodes\"");
    return doc;
  }

 private:
  // Where a failure is: where_, then (inside a node) the node's index, then up to two parts or
  // an index. Composed only when something fails, so reading a node builds no location strings.
  [[noreturn, gnu::noinline, gnu::cold]] void fail(std::string_view what) const {
    std::string w = where_;
    if (node_index_ != npos) w.append("/").append(std::to_string(node_index_));
    if (!at1_.empty()) w.append("/").append(at1_);
    if (!at2_.empty()) w.append("/").append(at2_);
    if (at_index_ != npos) w.append("/").append(std::to_string(at_index_));
    throw input_error(w, std::string(what));
  }
  void locate(std::string where) {
    where_ = std::move(where);
    node_index_ = npos;
    at();
  }
  // The part of the location below the current node.
  void at(std::string_view a = {}, std::string_view b = {}, std::size_t index = npos) noexcept {
    at1_ = a;
    at2_ = b;
    at_index_ = index;
  }

  // Reads one object's members: `on_member(key)` reads each value; a key given twice is an error
  // at `base` (one rule for every object of the format).
  template <class F>
  void read_object(const std::string& base, F&& on_member) {
    c_.expect('{');
    bool first = true;
    std::string key;
    seen_keys keys;
    while (c_.more('}', first)) {
      c_.string(key);
      c_.expect(':');
      if (!keys.insert(key)) throw input_error(base, "duplicate key '" + key + "'");
      on_member(std::string_view(key));
    }
  }

  std::string read_string_at(std::string where) {
    locate(std::move(where));
    if (c_.peek() != '"') fail("expected a string");
    std::string out;
    c_.string(out);
    return out;
  }

  pytree::TreeSpec read_spec_at(const std::string& where) {
    std::string text = read_string_at(where);
    try {
      return pytree::treespec_loads(text);
    } catch (const aotkit::error& e) {
      fail(std::string("not a treespec_dumps text: ") + e.what());
    }
  }

  // "codegen": {"kind": "pytree", "orig_args": [...], "in_spec": dumps, "out_spec": dumps | null}
  std::optional<pytree_info> read_codegen(const std::string& base) {
    locate(base);
    if (c_.peek() == 'n') {
      c_.literal("null");
      return std::nullopt;
    }
    bool saw_in = false;
    std::string kind;
    pytree_info info;
    read_object(base, [&](std::string_view key) {
      if (key == "kind") {
        kind = read_string_at(base + "/kind");
      } else if (key == "orig_args") {
        locate(base + "/orig_args");
        c_.expect('[');
        bool first = true;
        while (c_.more(']', first)) {
          std::string a = read_string_at(base + "/orig_args/" + std::to_string(info.orig_args.size()));
          if (!is_identifier(a)) fail("'" + quote_excerpt(a) + "' is not an identifier");
          info.orig_args.push_back(std::move(a));
        }
      } else if (key == "in_spec") {
        info.in_spec = read_spec_at(base + "/in_spec");
        saw_in = true;
      } else if (key == "out_spec") {
        locate(base + "/out_spec");
        if (c_.peek() == 'n') c_.literal("null");
        else info.out_spec = read_spec_at(base + "/out_spec");
      } else {
        c_.skip();
      }
    });
    locate(base);
    if (kind != "pytree") fail("unknown code generator '" + quote_excerpt(kind) + "' (this reader knows \"pytree\")");
    if (!saw_in) fail("a pytree code generator needs \"in_spec\"");
    return info;
  }

  // "attributes": [{"name", "kind", "type", "persistent"}, ...]
  void read_attributes(GraphModule& gm) {
    locate("/attributes");
    c_.expect('[');
    bool first = true;
    std::vector<module_attribute> attributes;
    while (c_.more(']', first)) {
      std::string base = "/attributes/" + std::to_string(attributes.size());
      locate(base);
      bool saw_kind = false;
      module_attribute a;
      read_object(base, [&](std::string_view key) {
        if (key == "name") {
          a.name = read_string_at(base + "/name");
        } else if (key == "kind") {
          std::string k = read_string_at(base + "/kind");
          auto kind = parse_attribute_kind(k);
          if (!kind) fail("unknown attribute kind '" + quote_excerpt(k) + "'");
          a.kind = *kind;
          saw_kind = true;
        } else if (key == "type") {
          a.type = read_string_at(base + "/type");
        } else if (key == "persistent") {
          locate(base + "/persistent");
          a.persistent = read_bool();
        } else {
          c_.skip();
        }
      });
      locate(base);
      if (a.name.empty() || !saw_kind) fail("an attribute needs \"name\" and \"kind\"");
      attributes.push_back(std::move(a));
    }
    try {
      gm.set_attributes(std::move(attributes));
    } catch (const aotkit::value_error& e) {
      throw input_error("/attributes", e.what());
    }
  }

  void read_submodules(GraphModule& gm) {
    c_.expect('[');
    bool first = true;
    std::size_t i = 0;
    while (c_.more(']', first)) {
      std::string base = "/submodules/" + std::to_string(i++);
      std::string path;
      bool impure = false;
      std::optional<Graph> g;
      std::optional<pytree_info> codegen;
      read_object(base, [&](std::string_view key) {
        if (key == "name") {
          locate(base + "/name");
          if (c_.peek() != '"') fail("expected a string");
          c_.string(path);
        } else if (key == "impure") {
          locate(base + "/impure");
          impure = read_bool();
        } else if (key == "nodes") {
          g.emplace();
          read_nodes(*g, base + "/nodes");
        } else if (key == "codegen") {
          codegen = read_codegen(base + "/codegen");
        } else {
          c_.skip();
        }
      });
      locate(base);
      if (path.empty() || !g) fail("a submodule needs \"name\" and \"nodes\"");
      g->set_codegen(std::move(codegen));
      auto dot = path.rfind('.');
      try {
        gm.add_submodule(dot == std::string::npos ? "" : std::string_view(path).substr(0, dot),
                         dot == std::string::npos ? path : path.substr(dot + 1), std::move(*g), impure);
      } catch (const aotkit::key_error& e) {
        fail(e.what());
      }
    }
  }

  bool read_bool() {
    char ch = c_.peek();
    if (ch == 't') {
      c_.literal("true");
      return true;
    }
    if (ch == 'f') {
      c_.literal("false");
      return false;
    }
    fail("expected true or false");
  }

  void read_nodes(Graph& g, const std::string& base) {
    g_ = &g;
    forward_names_.clear();
    forward_index_.clear();
    deferred_.clear();
    c_.expect('[');
    bool first = true;
    std::size_t i = 0;
    locate(base);
    recent_.fill({});
    while (c_.more(']', first)) read_node(i++);
    // resolve forward references now that every node exists
    for (auto& d : deferred_) {
      node_index_ = d.index;
      at("args");
      auto resolve = [&](node_id p) {
        if (!(p & forward_bit) || p == no_node) return arg::node(p);
        const std::string& name = forward_names_[p & ~forward_bit];
        auto id = g.find_node(name);
        if (!id) fail("unknown node '" + name + "'");
        return arg::node(*id);
      };
      std::vector<arg> args;
      for (const arg& a : d.args) args.push_back(map_nodes(a, resolve));
      std::vector<kwarg> kwargs;
      for (const kwarg& kw : d.kwargs) kwargs.emplace_back(kw.first, map_nodes(kw.second, resolve));
      g.set_args(d.node, std::move(args));
      g.set_kwargs(d.node, std::move(kwargs));
    }
  }

  void read_node(std::size_t index) {
    node_index_ = index;
    at();
    c_.expect('{');
    bool first = true;
    std::string type;
    std::string_view name, op_text, target;
    // buffers kept across nodes: no allocation per node for its args, kwargs or texts
    args_buf_.clear();
    kwargs_buf_.clear();
    std::optional<node_meta> meta;  // most nodes of a big graph have none: no 300-byte struct for them
    forward_ = false;
    std::size_t next_key = 0;  // writers put the keys in fx-json's order: try that key first
    std::uint32_t seen = 0;    // the known fields read, one bit each
    other_keys_.clear();
    while (c_.more('}', first)) {
      node_field field;
      // the key goes straight into the place (at1_) from where it is: a string_view spilled to the
      // stack and read back whole stalled on store forwarding, six times a node
      if (next_key < node_fields.size() && c_.try_literal(node_fields[next_key].quoted)) {
        at(node_fields[next_key].key);
        field = node_fields[next_key++].field;
      } else {
        at(c_.text(key_buf_));
        c_.expect(':');
        field = node_key(at1_);
      }
      if (field == node_field::other ? !other_keys_.insert(at1_) : (seen & (1u << static_cast<unsigned>(field))) != 0) {
        std::string key(at1_);
        at();
        fail("duplicate key '" + key + "'");
      }
      seen |= 1u << static_cast<unsigned>(field);
      switch (field) {
        case node_field::name:
          if (c_.peek() != '"') fail("expected a string");
          name = c_.text(name_buf_);
          break;
        case node_field::op:
          if (c_.peek() != '"') fail("expected a string");
          op_text = c_.text(op_buf_);
          break;
        case node_field::target:
          if (c_.peek() != '"') fail("expected a string");
          target = c_.text(target_buf_);
          break;
        case node_field::type:
          if (c_.peek() == 'n') c_.literal("null");
          else if (c_.peek() == '"') c_.string(type);
          else fail("expected a string or null");
          break;
        case node_field::args: {
          c_.expect('[');
          bool f2 = true;
          std::size_t k = 0;
          while (c_.more(']', f2)) {
            at("args", {}, k++);
            if (arg& a = args_buf_.emplace_back(); !node_ref_fast(a)) a = read_arg(1);
          }
          break;
        }
        case node_field::kwargs: {
          c_.expect('{');
          bool f2 = true;
          std::string k;
          kwarg_keys_.clear();
          while (c_.more('}', f2)) {
            c_.string(k);
            c_.expect(':');
            at("kwargs", k);
            if (!kwarg_keys_.insert(k)) fail("duplicate key '" + k + "'");
            arg v = read_arg(1);
            at();
            kwargs_buf_.emplace_back(std::move(k), std::move(v));
          }
          break;
        }
        case node_field::meta:
          if (c_.rest().starts_with("{}")) c_.advance(2);
          else read_meta(meta.emplace());
          break;
        case node_field::other: c_.skip(); break;
      }
    }
    at();
    constexpr std::uint32_t required = 1u << static_cast<unsigned>(node_field::name) | 1u << static_cast<unsigned>(node_field::op) |
                                       1u << static_cast<unsigned>(node_field::target);
    if ((seen & required) != required) fail("a node needs \"name\", \"op\" and \"target\"");
    auto op = parse_node_op(op_text);
    if (!op) {
      at("op");
      fail("unknown opcode '" + std::string(op_text) + "'");
    }
    if (*op == node_op::call_function && target.empty()) {
      at("target");
      fail("empty call_function target");
    }
    // texts that generated code will paste in (M7): checked here to name the place
    if (*op != node_op::call_function) {  // call_function targets: intern_op checks them, once per operator
      if (const char* problem = target_text_problem(*op, target)) {
        at("target");
        fail("'" + quote_excerpt(target) + "': " + problem);
      }
    }
    if (*op == node_op::output && args_buf_.size() != 1) {
      at("args");
      fail("an output node takes exactly one argument (the returned value), got " + std::to_string(args_buf_.size()));
    }
    if (const char* problem = type_text_problem(type)) {
      at("type");
      fail("'" + quote_excerpt(type) + "': " + problem);
    }
    node_target t;
    if (*op == node_op::call_function) {
      try {
        t = target_op(target);
      } catch (const aotkit::value_error&) {  // not a name generated code can hold
        at("target");
        fail("'" + quote_excerpt(target) + "': a call_function target must be a dotted name of identifiers");
      }
    } else {
      t = std::string(target);
    }
    node_id id;
    if (forward_) {
      id = g_->emplace_node(*op, std::move(t), {}, {}, name, std::move(type));
      deferred_.push_back({id, index, args_buf_, kwargs_buf_});
    } else {
      id = g_->emplace_node(*op, std::move(t), args_buf_, kwargs_buf_, name, std::move(type));
    }
    // FX would give a taken or illegal name another one. A name that is no one else's is FX's
    // `node.name = name` (torch.export's deserializer forces a placeholder called `input` so);
    // a taken one, or one Python cannot bind, means the document does not describe this graph.
    if (const std::string& given = g_->node(id).name(); !same_text(given, name)) {
      at("name");
      bool taken = g_->find_node(name).has_value();
      if (!taken) {
        try {
          g_->force_name(id, name);
        } catch (const aotkit::value_error&) {  // which changed nothing: `given` is still FX's name
          fail("node name '" + std::string(name) + "' is not one FX would give (it would be '" + given + "')");
        }
      } else {
        fail("node name '" + std::string(name) + "' is taken by an earlier node");
      }
    }
    if (meta && !meta->empty()) g_->meta(id) = std::move(*meta);
    remember(name, id);
  }

  enum class node_field : std::uint8_t { name, op, target, type, args, kwargs, meta, other };
  struct field_key {
    std::string_view quoted;  // `"name":`
    std::string_view key;
    node_field field;
  };
  static constexpr std::array<field_key, 6> node_fields{{{"\"name\":", "name", node_field::name},
                                                         {"\"op\":", "op", node_field::op},
                                                         {"\"target\":", "target", node_field::target},
                                                         {"\"args\":", "args", node_field::args},
                                                         {"\"kwargs\":", "kwargs", node_field::kwargs},
                                                         {"\"meta\":", "meta", node_field::meta}}};
  static node_field node_key(std::string_view key) noexcept {
    for (const field_key& f : node_fields)
      if (key == f.key) return f.field;
    return key == "type" ? node_field::type : node_field::other;
  }


  // Arguments mostly name recent nodes: a small cache by a hash of the name answers them without
  // a probe into the graph's name table, a random access on a big graph. (A hash of the tail alone
  // would put add_7 and mul_7 in one slot.)
  static std::size_t recent_slot(std::uint64_t head, std::uint64_t tail, std::size_t size) noexcept {
    std::uint64_t h = (head * 0x9E3779B97F4A7C15ull) ^ (tail * 0xC2B2AE3D27D4EB4Full) ^ size;
    return static_cast<std::size_t>(h >> 40) & (recent_size - 1);
  }
  static std::size_t recent_slot(std::string_view name) noexcept {
    // the first and the last eight bytes (all of a name up to 16 bytes) and the length
    auto [head, tail] = text_words(name);
    return recent_slot(head, tail, name.size());
  }
  // The operator of a call_function target: nodes repeat a few targets, so the last handle of
  // each cache slot is reused before asking the registry (a lock and a hash per node).
  op_handle target_op(std::string_view target) {
    auto& [text, op] = targets_[recent_slot(target) & (targets_.size() - 1)];
    if (op.valid() && same_text(text, target)) return op;
    op = intern_op(target);
    text = target;
    return op;
  }

  // A slot holds the words of its name (all of a name up to 16 bytes): a hit on a short name is
  // told without touching the node.
  struct recent_node {
    std::uint64_t head = 0, tail = 0;
    std::uint32_t size = 0;
    node_id id = no_node;
  };
  void remember(std::string_view name, node_id id) noexcept {
    auto [head, tail] = text_words(name);
    recent_[recent_slot(head, tail, name.size())] = {head, tail, static_cast<std::uint32_t>(name.size()), id};
  }
  node_id lookup_node(std::string_view name) {
    auto [head, tail] = text_words(name);
    recent_node& slot = recent_[recent_slot(head, tail, name.size())];
    if (slot.id != no_node && slot.head == head && slot.tail == tail && slot.size == name.size() &&
        (name.size() <= 16 || g_->node(slot.id).name() == name))
      return slot.id;
    auto id = g_->find_node(name);
    if (!id) return no_node;
    slot = {head, tail, static_cast<std::uint32_t>(name.size()), *id};
    return *id;
  }

  void read_meta(node_meta& meta) {
    c_.expect('{');
    bool first = true;
    std::string key;
    while (c_.more('}', first)) {
      c_.string(key);
      c_.expect(':');
      at("meta", key);
      arg v = read_meta_value(key);
      std::size_t before = meta.size();
      try {
        meta.set(key, std::move(v));
        if (meta.size() == before) fail("duplicate key '" + key + "'");
      } catch (const aotkit::type_error& e) {
        fail(e.what());
      }
    }
    at();  // `key` dies here
  }

  // Meta values repeat from node to node (a layer's nn_module_stack, a stack_trace): when the text
  // is the same as the last value of this key, the node shares that value (args are immutable and
  // reference-counted) instead of parsing and allocating it again. Numbers are never cached.
  arg read_meta_value(const std::string& key) {
    std::string_view rest = c_.rest();
    if (rest.empty() || (rest[0] != '{' && rest[0] != '[' && rest[0] != '"')) return read_json(1);
    meta_memo* memo = nullptr;
    for (auto& m : memos_)
      if (m.key == key) memo = &m;
    if (memo && rest.starts_with(memo->raw)) {
      // The match is the whole value only if the meta object goes on or ends right after it.
      std::size_t after = memo->raw.size();
      while (after < rest.size() && (rest[after] == ' ' || rest[after] == '\n' || rest[after] == '\r' || rest[after] == '\t')) ++after;
      if (after < rest.size() && (rest[after] == ',' || rest[after] == '}')) {
        c_.advance(memo->raw.size());
        return memo->value;
      }
    }
    std::size_t from = c_.offset();
    arg v = read_json(1);
    std::string_view raw = c_.between(from, c_.offset());
    if (raw.size() > max_memo_bytes) return v;
    if (!memo) {
      if (memos_.size() >= max_memo_keys) return v;
      memo = &memos_.emplace_back();
      memo->key = key;
    }
    memo->raw.assign(raw);
    memo->value = v;
    return v;
  }

  // `depth` counts the containers open, this one included (as arg's own limit does: scalars
  // inside max_arg_depth containers are fine, and the writer writes what arg allows).
  void check_depth(std::uint32_t depth) const {
    if (depth > max_arg_depth) fail("containers nest deeper than " + std::to_string(max_arg_depth) + " levels");
  }

  // A plain JSON value (meta): arrays are lists, objects dicts with string keys.
  arg read_json(std::uint32_t depth) { return read_nested<true>(depth); }

  arg scalar() {
    char ch = c_.peek();
    if (ch == '"') {
      c_.string(text_);
      return arg(text_);
    }
    if (ch == 't') {
      c_.literal("true");
      return arg(true);
    }
    if (ch == 'f') {
      c_.literal("false");
      return arg(false);
    }
    if (ch == 'n') {
      c_.literal("null");
      return arg();
    }
    auto n = c_.num();
    return n.is_float ? arg(n.d) : arg(n.i);
  }

  // An argument: JSON arrays are lists; one-key objects are tagged values.
  arg read_arg(std::uint32_t depth) { return read_nested<false>(depth); }

  // The containers of an argument or a meta value nest as deep as the input says (max_arg_depth):
  // they are read with an explicit stack, so nesting costs heap, never the call stack (whose frames
  // sanitizer and coverage instrumentation make several times larger).
  enum class open_kind : std::uint8_t { list, tuple, slice, dict, object };
  struct open_container {
    explicit open_container(open_kind k) : kind(k) {}
    open_kind kind;
    bool first = true;
    std::vector<arg> items;  // a dict's and an object's keys and values alternate
    seen_keys keys;          // an object's
  };

  template <bool Json>
  arg read_nested(std::uint32_t depth) {
    std::vector<open_container> stack;
    arg value;
    bool have = start_value<Json>(stack, depth, value);
    for (;;) {
      if (!have) {
        if (next_element(stack.back())) {
          have = start_value<Json>(stack, depth, value);
          continue;
        }
        value = close_container(stack.back());
        stack.pop_back();
      }
      if (stack.empty()) return value;
      open_container& top = stack.back();
      top.items.push_back(std::move(value));
      have = false;
      if (top.kind == open_kind::dict) {
        if (top.items.size() % 2 == 1) {
          c_.expect(',');
          have = start_value<Json>(stack, depth, value);
        } else {
          c_.expect(']');
        }
      }
    }
  }

  // Reads a value whole into `value` (true), or opens its container on `stack` (false).
  template <bool Json>
  bool start_value(std::vector<open_container>& stack, std::uint32_t depth, arg& value) {
    auto open = [&](open_kind kind, char bracket) {
      check_depth(depth + static_cast<std::uint32_t>(stack.size()));
      c_.expect(bracket);
      stack.emplace_back(kind);
      return false;
    };
    char ch = c_.peek();
    if (ch == '[') return open(open_kind::list, '[');
    if (ch != '{') {
      value = scalar();
      return true;
    }
    if constexpr (Json) {
      return open(open_kind::object, '{');
    } else {
      if (node_ref_fast(value)) return true;
      c_.expect('{');
      if (c_.peek() == '}') fail("an empty object is not an argument");
      std::string_view tag = c_.text(tag_text_);
      c_.expect(':');
      if (tag == "node") {
        if (c_.peek() != '"') fail("{\"node\": ...} needs a node name");
        value = node_ref(c_.text(text_));
      } else if (tag == "tuple" || tag == "slice" || tag == "dict") {
        return open(tag == "tuple" ? open_kind::tuple : tag == "slice" ? open_kind::slice : open_kind::dict, '[');
      } else {
        value = read_leaf(tag);
      }
      close_tag();
      return true;
    }
  }

  // Steps into the next element of `top` (a dict's `[key, value]` pair, an object's `"key":`), or
  // past its closing bracket (false).
  bool next_element(open_container& top) {
    switch (top.kind) {
      case open_kind::list:
      case open_kind::tuple:
      case open_kind::slice: return c_.more(']', top.first);
      case open_kind::dict:
        if (!c_.more(']', top.first)) return false;
        c_.expect('[');
        return true;
      case open_kind::object:
        if (!c_.more('}', top.first)) return false;
        c_.string(text_);
        c_.expect(':');
        if (!top.keys.insert(text_)) fail("duplicate key '" + text_ + "'");
        top.items.emplace_back(text_);
        return true;
    }
    __builtin_unreachable();  // every open_kind is handled above
  }

  arg close_container(open_container& top) {
    auto pairs = [&] {
      std::vector<std::pair<arg, arg>> entries;
      entries.reserve(top.items.size() / 2);
      for (std::size_t i = 0; i + 1 < top.items.size(); i += 2)
        entries.emplace_back(std::move(top.items[i]), std::move(top.items[i + 1]));
      return entries;
    };
    switch (top.kind) {
      case open_kind::list: return arg::list(std::move(top.items));
      case open_kind::object: return arg::dict(pairs());
      case open_kind::tuple: close_tag(); return arg::tuple(std::move(top.items));
      case open_kind::slice:
        if (top.items.size() != 3) fail("a slice has 3 parts");
        close_tag();
        return arg::slice(top.items[0], top.items[1], top.items[2]);
      case open_kind::dict: close_tag(); return arg::dict(pairs());
    }
    __builtin_unreachable();  // every open_kind is handled above
  }

  // Most arguments are node references, written `{"node": "name"}`: read without the tag
  // dispatch (and, for a node's top-level arguments, without read_nested's frame).
  bool node_ref_fast(arg& value) {
    constexpr std::string_view open = "{\"node\": \"";
    std::string_view r = c_.rest();
    if (r.size() < open.size() + 2 || !same_text(r.substr(0, open.size()), open)) return false;
    // a plain name closed by `"}`; anything else (escapes, spaces, an error) takes the full path
    std::size_t end = plain_run_end(r, open.size());
    if (end + 1 >= r.size() || r[end] != '"' || r[end + 1] != '}') return false;
    value = node_ref(r.substr(open.size(), end - open.size()));
    c_.advance(end + 2);
    return true;
  }

  void close_tag() {
    if (!c_.consume('}')) fail("a tagged argument has exactly one key");
  }

  // The value of a tagged argument that holds no other arguments.
  arg read_leaf(std::string_view tag) {
    if (tag == "ellipsis") {
      c_.skip();
      return arg::ellipsis();
    }
    if (tag == "float") {
      if (c_.peek() == '"') {
        c_.string(text_);
        if (text_ == "inf") return arg(std::numeric_limits<double>::infinity());
        if (text_ == "-inf") return arg(-std::numeric_limits<double>::infinity());
        if (text_ == "nan") return arg(std::numeric_limits<double>::quiet_NaN());
        fail("{\"float\": ...} takes a number, \"inf\", \"-inf\" or \"nan\"");
      }
      auto n = c_.num();
      return arg(n.is_float ? n.d : static_cast<double>(n.i));
    }
    if (tag == "complex") {
      c_.expect('[');
      auto re = c_.num();
      c_.expect(',');
      auto im = c_.num();
      c_.expect(']');
      return arg::complex(re.is_float ? re.d : static_cast<double>(re.i), im.is_float ? im.d : static_cast<double>(im.i));
    }
    if (tag == "dtype" || tag == "device" || tag == "memory_format" || tag == "layout" || tag == "repr" ||
               tag == "op") {
      if (c_.peek() != '"') fail("{\"" + std::string(tag) + "\": ...} needs a string");
      c_.string(text_);
      arg_kind k = tag == "dtype"           ? arg_kind::dtype
                   : tag == "device"        ? arg_kind::device
                   : tag == "memory_format" ? arg_kind::memory_format
                   : tag == "layout"        ? arg_kind::layout
                   : tag == "op"            ? arg_kind::op
                                            : arg_kind::repr;
      // an operator argument names its operator as the registry does (`torch.ops.` is optional)
      return arg::tagged(k, k == arg_kind::op ? canonical_op_name(text_) : std::string_view(text_));
    }
    fail("unknown argument tag '" + std::string(tag) + "'");
  }

  // A reference to the node named `ref`: a known one, or a forward reference resolved at the end.
  arg node_ref(std::string_view ref) {
    if (node_id id = lookup_node(ref); id != no_node) return arg::node(id);
    return forward_ref(ref);
  }
  [[gnu::noinline]] arg forward_ref(std::string_view ref) {
    auto [it, fresh] = forward_index_.try_emplace(std::string(ref), static_cast<node_id>(forward_names_.size()));
    if (fresh) forward_names_.emplace_back(ref);
    forward_ = true;
    return arg::node(it->second | forward_bit);
  }

  struct deferred {
    node_id node;
    std::size_t index;  // in its nodes array
    std::vector<arg> args;
    std::vector<kwarg> kwargs;
  };

  cursor c_;
  Graph* g_ = nullptr;
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::string where_ = "/";
  std::size_t node_index_ = npos;
  std::string_view at1_, at2_;
  std::size_t at_index_ = npos;
  std::string text_;
  std::string tag_text_;  // an escaped tag; text_ is free again before the tag is last used
  std::string key_buf_, name_buf_, op_buf_, target_buf_;  // escaped texts of the node being read
  seen_keys other_keys_, kwarg_keys_;  // keys of the node being read that need a set (unknown ones, kwargs)
  std::vector<arg> args_buf_;
  std::vector<kwarg> kwargs_buf_;
  bool forward_ = false;
  std::vector<std::string> forward_names_;
  std::unordered_map<std::string, node_id> forward_index_;
  std::vector<deferred> deferred_;
  static constexpr std::size_t recent_size = 1024;
  std::array<recent_node, recent_size> recent_{};
  std::array<std::pair<std::string, op_handle>, 16> targets_;

  struct meta_memo {
    std::string key;
    std::string raw;  // the JSON text of the key's last container or string value
    arg value;
  };
  static constexpr std::size_t max_memo_keys = 32, max_memo_bytes = std::size_t{1} << 16;
  std::vector<meta_memo> memos_;
};

}  // namespace

fx_document read_fx_json(std::string_view text) {
  reader r(text);
  return r.read();
}


}  // namespace aotkit::graph
