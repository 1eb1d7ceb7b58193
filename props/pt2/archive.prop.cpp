// props/pt2/archive.prop.cpp — aotkit.pt2's readers against writers that know nothing of them: any
// zip (stored or deflated members, Zip64 or not, data descriptors or not, a root folder or not)
// reads back member for member; any cut of it is a typed error; any tree of plain values pickled
// with protocol 2 unpickles to the same tree.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <bit>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "../../fuzz/zip_writer.hpp"

import aotkit.runtime;
import aotkit.pt2;

using namespace aotkit::pt2;
using aotkit_testing::zip_member;

namespace {

rc::Gen<std::string> part() {
  return rc::gen::map(rc::gen::container<std::string>(rc::gen::element('a', 'b', 'c', '_', '1')),
                      [](std::string s) { return s.empty() ? std::string("x") : s; });
}

// A tree of plain values, as Python would pickle it: the model and the pickle side by side.
struct model {
  enum kind { none, boolean, integer, floating, string, list, tuple, dict } k = none;
  bool b = false;
  std::int64_t i = 0;
  double d = 0;
  std::string s;
  std::vector<model> items, keys;
};

model random_model(int depth) {
  int k = *rc::gen::inRange(0, depth > 0 ? 8 : 5);
  model m;
  m.k = static_cast<model::kind>(k);
  switch (m.k) {
    case model::boolean: m.b = *rc::gen::arbitrary<bool>(); break;
    case model::integer: m.i = *rc::gen::arbitrary<std::int64_t>(); break;
    case model::floating: m.d = *rc::gen::arbitrary<double>(); break;
    case model::string: m.s = *rc::gen::arbitrary<std::string>(); break;
    case model::list:
    case model::tuple:
    case model::dict: {
      int n = *rc::gen::inRange(0, 4);
      std::set<std::string> used;
      for (int j = 0; j < n; ++j) {
        if (m.k == model::dict) {
          model key;
          key.k = model::string;
          key.s = *part();
          if (!used.insert(key.s).second) continue;
          m.keys.push_back(key);
        }
        m.items.push_back(random_model(depth - 1));
      }
      break;
    }
    case model::none: break;
  }
  return m;
}

void put(std::string& out, std::uint64_t v, int n) {
  for (int j = 0; j < n; ++j) out += static_cast<char>(v >> (8 * j));
}

// Protocol 2, as CPython's pickler writes these types (without the memo).
void pickle(const model& m, std::string& out) {
  switch (m.k) {
    case model::none: out += 'N'; break;
    case model::boolean: out += m.b ? '\x88' : '\x89'; break;
    case model::integer:
      if (m.i >= INT32_MIN && m.i <= INT32_MAX) {
        out += 'J';
        put(out, static_cast<std::uint32_t>(m.i), 4);
      } else {
        out += '\x8a';
        out += '\x08';
        put(out, static_cast<std::uint64_t>(m.i), 8);
      }
      break;
    case model::floating: {
      out += 'G';
      auto bits = std::bit_cast<std::uint64_t>(m.d);
      for (int j = 7; j >= 0; --j) out += static_cast<char>(bits >> (8 * j));
      break;
    }
    case model::string:
      out += 'X';
      put(out, m.s.size(), 4);
      out += m.s;
      break;
    case model::list:
      out += ']';
      if (!m.items.empty()) {
        out += '(';
        for (const model& c : m.items) pickle(c, out);
        out += 'e';
      }
      break;
    case model::tuple:
      out += '(';
      for (const model& c : m.items) pickle(c, out);
      out += 't';
      break;
    case model::dict:
      out += '}';
      if (!m.items.empty()) {
        out += '(';
        for (std::size_t j = 0; j < m.items.size(); ++j) {
          pickle(m.keys[j], out);
          pickle(m.items[j], out);
        }
        out += 'u';
      }
      break;
  }
}

bool same(const model& m, const saved_value& v) {
  using k = saved_value::kind;
  switch (m.k) {
    case model::none: return v.type == k::none;
    case model::boolean: return v.type == k::boolean && v.b == m.b;
    case model::integer: return v.type == k::integer && v.i == m.i;
    case model::floating: return v.type == k::floating && std::bit_cast<std::uint64_t>(v.d) == std::bit_cast<std::uint64_t>(m.d);
    case model::string: return v.type == k::string && v.s == m.s;
    case model::list:
    case model::tuple:
    case model::dict: {
      k want = m.k == model::list ? k::list : m.k == model::tuple ? k::tuple : k::dict;
      if (v.type != want || v.items.size() != m.items.size() || v.keys.size() != m.keys.size()) return false;
      for (std::size_t j = 0; j < m.items.size(); ++j)
        if (!same(m.items[j], v.items[j]) || (j < m.keys.size() && !same(m.keys[j], v.keys[j]))) return false;
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("zip archives round trip", "[pt2][zip]") {
  rc::prop("any members, stored or deflated, Zip64 or not, descriptors or not, read back as written", [] {
    bool rooted = *rc::gen::arbitrary<bool>();
    std::string root = rooted ? *part() + "/" : "";
    std::vector<zip_member> members;
    std::set<std::string> names;
    int n = *rc::gen::inRange(0, 10);
    for (int j = 0; j < n; ++j) {
      std::string name = root + *part() + (*rc::gen::arbitrary<bool>() ? "/" + *part() : "");
      if (!names.insert(name).second) continue;
      // compressible or not: a repeated run or arbitrary bytes
      std::string data = *rc::gen::arbitrary<bool>() ? std::string(*rc::gen::inRange(0, 5000), 'z') : *rc::gen::arbitrary<std::string>();
      members.push_back({name, data, *rc::gen::arbitrary<bool>()});
    }
    aotkit_testing::zip_options o;
    o.zip64 = *rc::gen::arbitrary<bool>();
    o.descriptors = *rc::gen::arbitrary<bool>();
    std::string bytes = aotkit_testing::zip_of(members, o);
    zip_archive a = zip_archive::view(bytes);
    RC_ASSERT(a.entries().size() == members.size());
    for (std::size_t j = 0; j < members.size(); ++j) {
      const zip_entry& e = a.entries()[j];
      RC_ASSERT(e.name == members[j].name);
      RC_ASSERT(a.find(e.name) == &e);
      RC_ASSERT(a.read(e) == members[j].data);
      RC_ASSERT(e.method == (members[j].deflate ? zip_method::deflated : zip_method::stored));
    }
    // the root: the first name's folder, when every name has it
    std::string want_root;
    if (!members.empty() && members.front().name.find('/') != std::string::npos) {
      std::string first = members.front().name.substr(0, members.front().name.find('/') + 1);
      bool all = true;
      for (const zip_member& m : members) all = all && m.name.starts_with(first);
      if (all) want_root = first;
    }
    RC_ASSERT(a.root() == want_root);
    // any cut: a typed error (the end record is what a cut loses first)
    std::size_t cut = *rc::gen::inRange<std::size_t>(0, bytes.size());
    try {
      zip_archive c = zip_archive::view(std::string_view(bytes).substr(0, cut));
      for (const zip_entry& e : c.entries()) (void)c.read(e);
      RC_FAIL("a cut archive read");
    } catch (const aotkit::input_error&) {
    }
  });
}

TEST_CASE("pickled plain values round trip", "[pt2][weights]") {
  rc::prop("a tree of None, bools, ints, floats, strings, lists, tuples and dicts unpickles as pickled", [] {
    model m = random_model(4);
    std::string p = "\x80\x02";
    pickle(m, p);
    p += '.';
    std::string zip = aotkit_testing::zip_of({{"archive/data.pkl", p}});
    saved_value v = unpickle_torch_save(zip_archive::view(zip));
    RC_ASSERT(same(m, v));
  });
}
