// modules/pytree/compact.cpp — the compact spec string of torch's C++ pytree.h / ExecuTorch, read
// and written without recursion. Grammar (docs/semantics.md §C.9): `$` | K n (#leaves){n} '(' items ')'
// with K in L T D, items separated by ',', and D items written `key:child`.
module;
#include <cstddef>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>
module aotkit.pytree;

import aotkit.runtime;

namespace aotkit::pytree {

std::string treespec_to_compact(const TreeSpec& spec) {
  const auto& nodes = spec.nodes();
  std::string out;
  detail::walk_preorder(
      nodes,
      [&](std::size_t i) {
        const spec_node& n = nodes[i];
        char k;
        switch (n.kind) {
          case node_kind::leaf: out += '$'; return false;
          case node_kind::list: k = 'L'; break;
          case node_kind::tuple: k = 'T'; break;
          case node_kind::dict: k = 'D'; break;
          case node_kind::none:
          case node_kind::ordered_dict:
          case node_kind::default_dict:
          case node_kind::deque:
          case node_kind::namedtuple:
          case node_kind::custom:
            throw value_error("the compact format has no " + std::string(kind_name(n.kind)) +
                              " nodes (only lists, tuples, dicts and leaves)");
        }
        out += k;
        out += std::to_string(n.arity);
        for (std::size_t c = i + 1, j = 0; j < n.arity; ++j, c += nodes[c].num_nodes) out += '#' + std::to_string(nodes[c].num_leaves);
        out += '(';
        return true;
      },
      [&](std::size_t parent, std::size_t k, std::size_t) {
        if (k > 0) out += ',';
        if (nodes[parent].kind != node_kind::dict) return;
        const key& dk = spec.context_of(parent).keys[k];
        if (const auto* iv = std::get_if<std::int64_t>(&dk)) {
          out += std::to_string(*iv);
        } else {
          out += '\'';
          for (char ch : std::get<std::string>(dk)) {
            if (ch == '\'' || ch == '\\') out += '\\';
            out += ch;
          }
          out += '\'';
        }
        out += ':';
      },
      [&](std::size_t) { out += ')'; });
  return out;
}

namespace {

class compact_reader {
 public:
  explicit compact_reader(std::string_view s) : s_(s) {}

  TreeSpec read() {
    // Pass 1 checks the grammar and collects each node's kind, arity, declared leaf counts and
    // keys in pre-order; pass 2 feeds them to a spec_builder.
    struct open_node {
      std::size_t index;  // into items_
      std::size_t arity;
      std::size_t done;
    };
    std::vector<open_node> stack;
    auto after_header = [&](std::size_t index) {
      const item_info& it = items_[index];
      if (it.is_leaf) return;
      if (it.arity == 0) expect(')');
      else stack.push_back({index, it.arity, 0});
    };
    item();
    after_header(0);
    while (!stack.empty()) {
      open_node& top = stack.back();
      if (top.done == top.arity) {
        expect(')');
        stack.pop_back();
        continue;
      }
      if (top.done > 0) expect(',');
      if (items_[top.index].kind == node_kind::dict) {
        key k = dict_key();
        items_[top.index].keys.push_back(std::move(k));
        expect(':');
      }
      ++top.done;
      std::size_t child = items_.size();
      item();
      after_header(child);  // may invalidate top
    }
    if (pos_ != s_.size()) fail("trailing characters after the spec");
    return build();
  }

 private:
  struct item_info {
    bool is_leaf = false;
    node_kind kind = node_kind::leaf;
    std::size_t arity = 0;
    std::vector<std::uint64_t> declared;  // '#' leaf counts of the children
    std::vector<key> keys;
    std::size_t at = 0;  // byte offset, for messages
  };

  [[noreturn]] void fail(const std::string& what) const { throw input_error("byte " + std::to_string(pos_), what); }

  void expect(char c) {
    if (pos_ >= s_.size() || s_[pos_] != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  std::uint64_t number() {
    std::size_t start = pos_;
    std::uint64_t v = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      auto d = static_cast<std::uint64_t>(s_[pos_] - '0');
      if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) fail("number too large");
      v = v * 10 + d;
      ++pos_;
    }
    if (pos_ == start) fail("expected a number");
    return v;
  }

  // One node header: `$`, or the kind, arity, '#' counts and '(' (children follow).
  void item() {
    item_info info;
    info.at = pos_;
    if (pos_ >= s_.size()) fail("unexpected end of the spec");
    char k = s_[pos_++];
    if (k == '$') {
      info.is_leaf = true;
      items_.push_back(std::move(info));
      return;
    }
    if (k == 'N') fail("namedtuple specs cannot be read from the compact format");
    if (k != 'L' && k != 'T' && k != 'D') {
      --pos_;
      fail(std::string("expected '$', 'L', 'T' or 'D', got '") + k + "'");
    }
    info.kind = k == 'L' ? node_kind::list : k == 'T' ? node_kind::tuple : node_kind::dict;
    std::uint64_t arity = number();
    // Each child needs at least two more bytes, so a longer arity cannot be honest.
    if (arity > s_.size()) fail("arity " + std::to_string(arity) + " exceeds the input");
    info.arity = static_cast<std::size_t>(arity);
    for (std::size_t i = 0; i < info.arity; ++i) {
      expect('#');
      info.declared.push_back(number());
    }
    expect('(');
    items_.push_back(std::move(info));
  }

  key dict_key() {
    if (pos_ < s_.size() && s_[pos_] == '\'') {
      ++pos_;
      std::string k;
      while (true) {
        if (pos_ >= s_.size()) fail("unterminated string key");
        char c = s_[pos_++];
        if (c == '\'') break;
        if (c == '\\') {
          if (pos_ >= s_.size()) fail("unterminated escape in a string key");
          c = s_[pos_++];
        }
        k += c;
      }
      // a Python str key: text (the JSON form needs it to be, and so does every other reader)
      if (!python::is_valid_utf8(k)) fail("a string key that is not valid UTF-8");
      return k;
    }
    bool negative = pos_ < s_.size() && s_[pos_] == '-';
    if (negative) ++pos_;
    std::uint64_t v = number();
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + (negative ? 1 : 0))
      fail("integer key out of range");
    return negative ? static_cast<std::int64_t>(0 - v) : static_cast<std::int64_t>(v);
  }

  TreeSpec build() {
    spec_builder b;
    for (auto& it : items_) {
      if (it.is_leaf) b.leaf();
      else {
        node_context c;
        c.keys = std::move(it.keys);
        std::set<key> seen;
        for (const auto& k : c.keys)
          if (!seen.insert(k).second) {
            pos_ = it.at;
            fail("duplicate dict key " + key_repr(k));
          }
        b.open(it.kind, it.arity, std::move(c));
      }
    }
    TreeSpec spec = std::move(b).finish();
    // The declared '#' counts must match the children (pytree.h trusts them; a lie would make
    // unflatten read the wrong leaves).
    const auto& nodes = spec.nodes();
    for (std::size_t i = 0; i < items_.size(); ++i) {
      const item_info& it = items_[i];
      if (it.is_leaf) continue;
      for (std::size_t c = i + 1, j = 0; j < it.arity; ++j, c += nodes[c].num_nodes) {
        if (it.declared[j] != nodes[c].num_leaves) {
          pos_ = it.at;
          fail("child " + std::to_string(j) + " is declared with " + std::to_string(it.declared[j]) + " leaves but has " +
               std::to_string(nodes[c].num_leaves));
        }
      }
    }
    return spec;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::vector<item_info> items_;
};

}  // namespace

TreeSpec treespec_from_compact(std::string_view text) { return compact_reader(text).read(); }

}  // namespace aotkit::pytree
