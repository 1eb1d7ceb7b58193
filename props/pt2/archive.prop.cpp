// props/pt2/archive.prop.cpp — aotkit.pt2's readers against writers that know nothing of them: any
// zip (stored or deflated members, Zip64 or not, data descriptors or not, a root folder or not)
// reads back member for member; any cut of it is a typed error; any tree of plain values pickled
// with protocol 2 unpickles to the same tree; what torch_save and zip_writer write reads back;
// crc32_of (carry-less multiplication) gives zlib's CRC-32.
#include <catch2/catch.hpp>
#include <zlib.h>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <bit>
#include <memory>
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

namespace {

saved_value to_saved(const model& m) {
  using k = saved_value::kind;
  saved_value v;
  switch (m.k) {
    case model::none: v.type = k::none; break;
    case model::boolean: v.type = k::boolean, v.b = m.b; break;
    case model::integer: v.type = k::integer, v.i = m.i; break;
    case model::floating: v.type = k::floating, v.d = m.d; break;
    case model::string: v.type = k::string, v.s = m.s; break;
    case model::list:
    case model::tuple:
    case model::dict:
      v.type = m.k == model::list ? k::list : m.k == model::tuple ? k::tuple : k::dict;
      for (const model& x : m.items) v.items.push_back(to_saved(x));
      for (const model& x : m.keys) v.keys.push_back(to_saved(x));
      break;
  }
  return v;
}

}  // namespace

namespace {

// A few storages of any dtype, and up to `most` tensors viewing them (1-d views: an offset, a
// length, stride 1 or 2; some share a storage), named t0, t1, ...
std::vector<std::pair<std::string, std::shared_ptr<saved_tensor>>> random_views(int most) {
  const char* dtypes[] = {"torch.float32", "torch.int64", "torch.bool", "torch.float16", "torch.uint8"};
  std::vector<std::shared_ptr<storage>> storages;
  int ns = *rc::gen::inRange(1, 4);
  for (int j = 0; j < ns; ++j) {
    auto st = std::make_shared<storage>();
    st->key = std::to_string(j);
    st->dtype = dtypes[*rc::gen::inRange(0, 5)];
    st->device = "cpu";
    st->numel = *rc::gen::inRange(0, 24);
    st->bytes = *rc::gen::container<std::string>(static_cast<std::size_t>(st->numel) * dtype_itemsize(st->dtype), rc::gen::arbitrary<char>());
    storages.push_back(st);
  }
  std::vector<std::pair<std::string, std::shared_ptr<saved_tensor>>> out;
  int nt = *rc::gen::inRange(0, most + 1);
  for (int j = 0; j < nt; ++j) {
    auto st = storages[static_cast<std::size_t>(*rc::gen::inRange(0, ns))];
    auto t = std::make_shared<saved_tensor>();
    t->dtype = st->dtype;
    t->data = st;
    std::int64_t stride = *rc::gen::inRange<std::int64_t>(1, 3);
    std::int64_t offset = st->numel ? *rc::gen::inRange<std::int64_t>(0, st->numel) : 0;
    std::int64_t room = st->numel - offset;
    std::int64_t len = room > 0 ? *rc::gen::inRange<std::int64_t>(0, (room - 1) / stride + 2) : 0;
    t->shape = {len};
    t->stride = {stride};
    t->storage_offset = offset;
    t->is_parameter = *rc::gen::arbitrary<bool>();
    t->requires_grad = *rc::gen::arbitrary<bool>();
    out.emplace_back("t" + std::to_string(j), std::move(t));
  }
  return out;
}

}  // namespace

TEST_CASE("raw weight records (torch 2.9+) read back as written", "[pt2][weights]") {
  rc::prop("views of shared storages: one record per storage, each view and its aliasing back", [] {
    auto views = random_views(6);
    std::vector<std::pair<std::string, saved_tensor>> tensors;
    for (const auto& [name, t] : views) tensors.emplace_back(name, *t);
    raw_tensor_records raw = save_raw_tensors(tensors, "weight_");
    std::vector<const storage*> distinct;
    for (const auto& [name, t] : tensors)
      if (std::find(distinct.begin(), distinct.end(), t.data.get()) == distinct.end()) distinct.push_back(t.data.get());
    RC_ASSERT(raw.records.size() == distinct.size());
    zip_writer z;
    std::string root = *rc::gen::element<std::string>("archive", "model", "x");
    for (const auto& [name, bytes] : raw.records) z.add(root + "/data/weights/" + name, bytes);
    z.add(root + "/data/weights/model_weights_config.json", raw.config);
    std::string bytes = z.finish();
    auto back = load_raw_tensors(zip_archive::view(bytes), "data/weights/model_weights_config.json", "data/weights/");
    RC_ASSERT(back.size() == tensors.size());
    for (std::size_t j = 0; j < back.size(); ++j) {
      const saved_tensor& w = tensors[j].second;
      const saved_tensor& r = back[j].second;
      RC_ASSERT(back[j].first == tensors[j].first);
      RC_ASSERT(r.dtype == w.dtype && r.shape == w.shape && r.stride == w.stride && r.storage_offset == w.storage_offset);
      RC_ASSERT(r.is_parameter == w.is_parameter && r.requires_grad == w.requires_grad);
      RC_ASSERT(r.data->bytes == w.data->bytes);
      for (std::size_t i = 0; i < j; ++i)  // the same storage written is the same storage read
        RC_ASSERT((tensors[i].second.data == w.data) == (back[i].second.data == r.data));
    }
  });
}

TEST_CASE("torch_save writes what the unpickler reads", "[pt2][weights]") {
  rc::prop("plain values and tensors (views of shared storages, parameters, any dtype) read back as saved", [] {
    saved_value root;
    root.type = saved_value::kind::dict;
    std::vector<const storage*> used;
    for (const auto& [name, t] : random_views(5)) {
      if (std::find(used.begin(), used.end(), t->data.get()) == used.end()) used.push_back(t->data.get());
      saved_value key;
      key.type = saved_value::kind::string;
      key.s = name;
      saved_value v;
      v.type = saved_value::kind::tensor;
      v.t = t;
      root.keys.push_back(key);
      root.items.push_back(v);
    }
    saved_value k;
    k.type = saved_value::kind::string;
    k.s = "plain";
    root.keys.push_back(k);
    model plain = random_model(3);
    root.items.push_back(to_saved(plain));
    std::string zip = torch_save(root);
    zip_archive a = zip_archive::view(zip);
    RC_ASSERT(a.find("archive/data.pkl") != nullptr);
    RC_ASSERT(a.find("archive/version") != nullptr);
    saved_value back = unpickle_torch_save(a);
    RC_ASSERT(back.type == saved_value::kind::dict);
    RC_ASSERT(back.items.size() == root.items.size());
    std::vector<std::pair<const storage*, const storage*>> pairs;  // written -> read
    for (std::size_t j = 0; j + 1 < root.items.size(); ++j) {
      const saved_tensor& w = *root.items[j].t;
      RC_ASSERT(back.items[j].type == saved_value::kind::tensor);
      const saved_tensor& r = *back.items[j].t;
      RC_ASSERT(r.dtype == w.dtype && r.shape == w.shape && r.stride == w.stride && r.storage_offset == w.storage_offset);
      RC_ASSERT(r.is_parameter == w.is_parameter && r.requires_grad == w.requires_grad);
      RC_ASSERT(r.data->bytes == w.data->bytes);
      // sharing is kept: one written storage is one read storage
      for (const auto& [ws, rs] : pairs) RC_ASSERT((ws == w.data.get()) == (rs == r.data.get()));
      pairs.emplace_back(w.data.get(), r.data.get());
    }
    RC_ASSERT(back.keys.back().s == "plain");
    RC_ASSERT(same(plain, back.items.back()));
    std::size_t data_records = 0;
    for (const zip_entry& e : a.entries()) data_records += e.name.starts_with("archive/data/") ? 1 : 0;
    RC_ASSERT(data_records == used.size());
  });
}

TEST_CASE("zip_writer writes what zip_archive reads", "[pt2][zip]") {
  rc::prop("any members read back, each member's bytes aligned as asked", [] {
    std::size_t align = *rc::gen::element<std::size_t>(1, 8, 64, 4096);
    zip_writer w(align);
    std::vector<std::pair<std::string, std::string>> members;
    std::set<std::string> names;
    int n = *rc::gen::inRange(0, 8);
    for (int j = 0; j < n; ++j) {
      std::string name = *part() + "/" + *part();
      if (!names.insert(name).second) continue;
      std::string data = *rc::gen::arbitrary<std::string>();
      w.add(name, data);
      members.emplace_back(name, data);
    }
    std::string bytes = w.finish();
    zip_archive a = zip_archive::view(bytes);
    RC_ASSERT(a.entries().size() == members.size());
    for (std::size_t j = 0; j < members.size(); ++j) {
      const zip_entry& e = a.entries()[j];
      RC_ASSERT(e.name == members[j].first);
      RC_ASSERT(a.read(e) == members[j].second);
      RC_ASSERT(e.data_offset % align == 0);
    }
  });
}

TEST_CASE("crc32_of is zlib's crc32", "[pt2][zip]") {
  rc::prop("any bytes at any alignment, short and long (the carry-less multiplication path from 64 bytes)", [] {
    std::size_t size = *rc::gen::oneOf(rc::gen::inRange<std::size_t>(0, 200), rc::gen::inRange<std::size_t>(0, 20000));
    std::size_t skew = *rc::gen::inRange<std::size_t>(0, 16);
    std::uint64_t seed = *rc::gen::arbitrary<std::uint64_t>();
    std::string buffer(size + skew, '\0');
    for (char& c : buffer) {  // splitmix64: any bytes, fast for 20k of them
      seed += 0x9E3779B97F4A7C15ull;
      std::uint64_t z = (seed ^ (seed >> 30)) * 0xBF58476D1CE4E5B9ull;
      c = static_cast<char>((z ^ (z >> 27)) >> 56);
    }
    std::string_view bytes = std::string_view(buffer).substr(skew);
    uLong expected = crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size()));
    RC_ASSERT(crc32_of(bytes) == static_cast<std::uint32_t>(expected));
  });
  // the standard check value, and every length around the folding's block sizes
  CHECK(crc32_of("123456789") == 0xCBF43926u);
  std::string ramp(300, '\0');
  for (std::size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<char>(i * 7 + 3);
  for (std::size_t n = 0; n <= ramp.size(); ++n) {
    uLong expected = crc32(0L, reinterpret_cast<const Bytef*>(ramp.data()), static_cast<uInt>(n));
    CHECK(crc32_of(std::string_view(ramp).substr(0, n)) == static_cast<std::uint32_t>(expected));
  }
}
