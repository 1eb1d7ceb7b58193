// modules/graph/names.cpp — FX's namespace (torch 2.x _Namespace.create_name) and the name table:
// illegal names, sanitizing, base counters and candidates, open addressing over node ids.
module;
#include <algorithm>
#include <array>
#include <bit>
#include <mutex>
#include <cctype>
#include <charconv>
#include <cstring>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>
#include "runtime/flat_table.hpp"
module aotkit.graph;

import aotkit.runtime;

namespace aotkit::graph {

namespace {


// Python keywords, builtins and FX's custom builtins: names a node may not take (FX's
// _is_illegal_name), so generated code never shadows them.
bool illegal_name(std::string_view n) {
  // None of the names below ends in a digit, and most generated names (add_17) do.
  if (!n.empty() && n.back() >= '0' && n.back() <= '9') return false;
  static const std::unordered_set<std::string_view> names = {
      // keyword.kwlist
      "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
      "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
      "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
      // dir(builtins)
      "ArithmeticError", "AssertionError", "AttributeError", "BaseException", "BaseExceptionGroup", "BlockingIOError",
      "BrokenPipeError", "BufferError", "BytesWarning", "ChildProcessError", "ConnectionAbortedError",
      "ConnectionError", "ConnectionRefusedError", "ConnectionResetError", "DeprecationWarning", "EOFError",
      "Ellipsis", "EncodingWarning", "EnvironmentError", "Exception", "ExceptionGroup", "FileExistsError",
      "FileNotFoundError", "FloatingPointError", "FutureWarning", "GeneratorExit", "IOError", "ImportError",
      "ImportWarning", "IndentationError", "IndexError", "InterruptedError", "IsADirectoryError", "KeyError",
      "KeyboardInterrupt", "LookupError", "MemoryError", "ModuleNotFoundError", "NameError", "NotADirectoryError",
      "NotImplemented", "NotImplementedError", "OSError", "OverflowError", "PendingDeprecationWarning",
      "PermissionError", "ProcessLookupError", "RecursionError", "ReferenceError", "ResourceWarning", "RuntimeError",
      "RuntimeWarning", "StopAsyncIteration", "StopIteration", "SyntaxError", "SyntaxWarning", "SystemError",
      "SystemExit", "TabError", "TimeoutError", "TypeError", "UnboundLocalError", "UnicodeDecodeError",
      "UnicodeEncodeError", "UnicodeError", "UnicodeTranslateError", "UnicodeWarning", "UserWarning", "ValueError",
      "Warning", "ZeroDivisionError", "__build_class__", "__debug__", "__doc__", "__import__", "__loader__",
      "__name__", "__package__", "__spec__", "abs", "aiter", "all", "anext", "any", "ascii", "bin", "bool",
      "breakpoint", "bytearray", "bytes", "callable", "chr", "classmethod", "compile", "complex", "copyright",
      "credits", "delattr", "dict", "dir", "divmod", "enumerate", "eval", "exec", "exit", "filter", "float",
      "format", "frozenset", "getattr", "globals", "hasattr", "hash", "help", "hex", "id", "input", "int",
      "isinstance", "issubclass", "iter", "len", "license", "list", "locals", "map", "max", "memoryview", "min",
      "next", "object", "oct", "open", "ord", "pow", "print", "property", "quit", "range", "repr", "reversed",
      "round", "set", "setattr", "slice", "sorted", "staticmethod", "str", "sum", "super", "tuple", "type", "vars",
      "zip",
      // torch.fx.graph._custom_builtins
      "inf", "nan", "NoneType", "torch", "device", "fx_pytree", "pytree"};
  return names.contains(n);
}

// ASCII, as FX's `[^0-9a-zA-Z_]+` (std::isalnum would follow the C locale)
constexpr bool digit_char(char c) { return c >= '0' && c <= '9'; }
// a table: every node a reader or builder makes has its candidate name checked byte by byte
constexpr auto ident_table = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[static_cast<std::size_t>(c)] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  return t;
}();
constexpr bool ident_char(char c) { return ident_table[static_cast<unsigned char>(c)]; }
// What FX's namespace keeps as it is: ASCII identifier characters, not starting with a digit.
bool ascii_identifier(std::string_view s) {
  return !s.empty() && !digit_char(s[0]) && std::all_of(s.begin(), s.end(), ident_char);
}

}  // namespace

//===--- the name table: open addressing over node ids, keyed by the nodes' own names ---===//

// Slots hold (id, the low 32 bits of the name's hash): probes compare those bits and touch a node
// only on a likely match, so a miss (every fresh name) costs no node access, and growing the table
// re-places slots by their stored bits without hashing any name again.

// Eight bytes at a time with a multiply-xorshift mix: node names are short, and this runs for
// every candidate name and every lookup.
std::uint64_t Graph::hash_text(std::string_view name) noexcept {
  constexpr std::uint64_t k1 = 0x9E3779B97F4A7C15ull, k2 = 0xFF51AFD7ED558CCDull;
  std::size_t n = name.size();
  std::uint64_t h = k1 ^ n;
  if (n > 16) {
    const char* p = name.data();
    for (; n > 8; p += 8, n -= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      h = (h ^ w) * k2;
      h ^= h >> 32;
    }
    name = {p, n};  // the last one to eight bytes
  }
  auto [a, b] = text_words(name);
  h = (h ^ a) * k2;
  h ^= h >> 32;
  h = (h ^ b) * k1;
  h ^= h >> 29;
  h *= k2;
  h ^= h >> 32;
  return h;
}

std::uint32_t Graph::name_hash(std::string_view name) noexcept { return static_cast<std::uint32_t>(hash_text(name)); }

node_id Graph::name_lookup(std::string_view name) const {
  index_names();
  const name_index::slot* s =
      names_.table.find(name_hash(name), [&](const name_index::slot& x) { return same_text(nodes_[x.id].name(), name); });
  return s != nullptr ? s->id : no_node;
}

// Places the nodes made since the last call; a table that would pass half load is rebuilt with
// room for twice as many, from the nodes themselves (stale slots dropped). The slots of a batch
// are fetched together, so on a graph far bigger than the cache their misses overlap instead of
// being paid one by one.
void Graph::index_names() const {
  auto n = static_cast<std::uint32_t>(nodes_.size());
  if (names_.indexed.load(std::memory_order_acquire) == n) return;
  std::lock_guard lock(names_.mu);
  std::uint32_t from = names_.indexed.load(std::memory_order_relaxed);
  if (from == n) return;
  auto& table = names_.table;
  if (2 * (std::size_t{n} + names_.stale) >= table.capacity()) {
    table.reset(std::max<std::size_t>(std::size_t{n} + 1, names_.min_entries));
    names_.min_entries = 0;
    names_.shadowed.clear();
    names_.stale = 0;
    from = 0;
  }
  constexpr std::uint32_t batch = 32;
  std::array<std::uint32_t, batch> hashes;
  for (std::uint32_t lo = from; lo < n; lo += batch) {
    std::uint32_t k = std::min(batch, n - lo);
    for (std::uint32_t j = 0; j < k; ++j) {
      hashes[j] = nodes_[lo + j].name_hash_;
      table.prefetch(hashes[j]);
    }
    for (std::uint32_t j = 0; j < k; ++j) {
      std::uint32_t h = hashes[j];
      const std::string& name = nodes_[lo + j].name();
      // a slot passed on the way holding the same name answers find_node first: this node is shadowed
      bool shadowed = false;
      table.place(h, [&](const name_index::slot& x) noexcept {
        shadowed = shadowed || (x.hash_ == h && nodes_[x.id].name() == name);
      }) = {lo + j, h};
      if (shadowed) names_.shadowed.push_back(lo + j);
    }
  }
  names_.indexed.store(n, std::memory_order_release);
}

//===--- naming (torch 2.x _Namespace.create_name) ---===//

namespace {

// Suffixes of at most 18 digits are numbers (they fit 64 bits); longer ones stay part of the base.
constexpr std::uint64_t max_suffix = 1'000'000'000'000'000'000ull;

struct name_parts {
  std::string_view clean;  // the name with illegal characters replaced: raw itself when it has none
  std::string storage;     // clean's bytes when they are not raw's
  std::size_t base_len = 0;
  std::optional<std::uint64_t> num;  // the `_N` suffix
};

// Filled in place: `clean` may point into `storage`.
void split_name(std::string_view raw, name_parts& p) {
  if (ascii_identifier(raw)) {
    p.clean = raw;
  } else {
    std::string& c = p.storage;
    c.reserve(raw.size() + 1);
    for (std::size_t i = 0; i < raw.size();) {
      if (ident_char(raw[i])) {
        c += raw[i++];
      } else {
        c += '_';
        while (i < raw.size() && !ident_char(raw[i])) ++i;
      }
    }
    if (c.empty()) c = "_unnamed";
    if (digit_char(c[0])) c.insert(c.begin(), '_');
    p.clean = c;
  }
  std::string_view c = p.clean;
  // (.*)_(\d+)$
  std::size_t end = c.size(), d = end;
  while (d > 0 && digit_char(c[d - 1])) --d;
  p.base_len = end;
  if (d < end && d > 0 && c[d - 1] == '_' && end - d <= 18) {
    std::uint64_t n = 0;  // at most 18 digits: no overflow
    for (std::size_t i = d; i < end; ++i) n = 10 * n + static_cast<std::uint64_t>(c[i] - '0');
    p.num = n;
    p.base_len = d - 1;
  }
}

// A candidate built in place, `base` or `base_N`: on the stack unless the base is long.
class candidate_text {
 public:
  explicit candidate_text(std::string_view base) noexcept : base_(base) {}
  [[nodiscard]] std::string_view bare() const noexcept { return base_; }
  std::string_view with(std::uint64_t n) {
    std::size_t need = base_.size() + 22;
    char* p = small_;
    if (need > sizeof small_) {
      big_.resize(need);
      p = big_.data();
    }
    std::memcpy(p, base_.data(), base_.size());
    p[base_.size()] = '_';
    auto r = std::to_chars(p + base_.size() + 1, p + need, n);
    return {p, static_cast<std::size_t>(r.ptr - p)};
  }

 private:
  std::string_view base_;
  char small_[64];
  std::string big_;
};

}  // namespace

std::size_t Graph::base_of(std::string_view base) {
  std::uint64_t h = hash_text(base);
  std::size_t capacity = bases_.capacity();
  auto [s, fresh] = bases_.emplace(h, [&](const base_slot& x) { return same_text(x.base, base); });
  if (bases_.capacity() != capacity) memo_ = {};  // the memo's slots moved
  if (fresh) {
    s->base.assign(base);
    s->hash_ = h;
    s->used = true;
  }
  return bases_.index_of(*s);
}

const Graph::base_entry* Graph::find_base(std::string_view base) const noexcept {
  const base_slot* s = bases_.find(hash_text(base), [&](const base_slot& x) { return same_text(x.base, base); });
  return s != nullptr ? &s->entry : nullptr;
}

// Free without a probe when the base's entry rules every taken name out; the table decides the rest.
bool Graph::name_free(std::string_view name, std::optional<std::uint64_t> num, const base_entry& e) const noexcept {
  // a bare base once taken stays taken (as in torch, even if creating its node then failed)
  if (!num && e.bare) return false;
  if (!long_suffixes_) {
    if (!num) return true;
    if (*num > e.max_num && *num < max_suffix) return true;
  }
  return name_lookup(name) == no_node &&
         !retired_names_.contains(name);
}

// torch 2.x's probe: the candidate (`base`, or `base_own`), then from the base's counter (or the
// candidate's own suffix) the first `base_N` that is neither taken nor illegal. Writes the name
// to `out`; returns the counter to record and the suffix taken.
Graph::name_choice Graph::probe_name(std::string_view base, std::optional<std::uint64_t> own, std::uint64_t num,
                                     const base_entry& e, std::string& out) const {
  name_choice f;
  candidate_text text(base);
  std::string_view c = own ? text.with(*own) : text.bare();
  // generated names end in a digit, and no illegal name does
  if (name_free(c, own, e) && (own || !illegal_name(c))) {
    f.suffix = own;
    f.dense_to_suffix = own && *own == e.dense + 1;
  } else {
    // Every base_1 .. base_dense is taken: the walk starts above them, with the same result. (A
    // document naming base_01, base_02, ... after base_1 .. base_k would otherwise walk k names
    // for each one.) It ends on the first free number: everything below is then known taken when
    // the walk began inside that prefix, or right above it at the candidate just found taken.
    bool from_prefix = num <= e.dense || (own && *own == num && num == e.dense + 1);
    num = std::max(num, e.dense);
    do c = text.with(++num);
    while (!name_free(c, num, e));
    f.suffix = num;
    f.dense_to_suffix = from_prefix;
  }
  f.num = num;
  out.assign(c);
  return f;
}

void Graph::create_name(std::string_view raw, std::string& out) {
  name_parts p;
  std::string_view base;
  std::size_t slot = 0;
  // The memo maps recent bases of 1 to 16 bytes to their slots in bases_: a builder repeats a few
  // candidates, a reader a few bases under ever new suffixes.
  candidate_memo* miss = nullptr;  // where a base looked for and not found goes
  auto recall = [&](std::string_view text) {
    miss = nullptr;
    if (text.size() - 1 >= 16) return false;
    auto [w0, w1] = text_words(text);
    candidate_memo& m = memo_[((w0 * 0x9E3779B97F4A7C15ull) ^ (w1 * 0xC2B2AE3D27D4EB4Full) ^ text.size()) >> 61];
    if (m.size == text.size() && m.w0 == w0 && m.w1 == w1) {
      slot = m.slot;
      return true;
    }
    m = {w0, w1, 0, 0};
    miss = &m;
    return false;
  };
  // a candidate not ending in a digit has no suffix: a remembered base (bases are clean) as it is
  if (!raw.empty() && !digit_char(raw.back()) && recall(raw)) {
    base = raw;
  } else {
    split_name(raw, p);
    base = std::string_view(p.clean.data(), p.base_len);
    if (!recall(base)) {
      slot = base_of(base);
      if (miss != nullptr) {
        miss->size = base.size();
        miss->slot = slot;
      }
    }
  }
  base_entry& e = bases_[slot].entry;
  // a builder's usual case: the bare base is taken and the counter's next number is above every
  // number taken, so `base_{count + 1}` is free without a probe
  if (!p.num && e.bare && !long_suffixes_ && e.count >= e.max_num && e.count + 1 < max_suffix &&
      base.size() + 21 <= sizeof e.last) {
    std::uint64_t next = e.count + 1;
    std::size_t nines = 0;
    if (e.last_len != 0 && e.last_num + 1 == next) {
      while (e.last[e.last_len - 1 - nines] == '9') ++nines;
      if (e.last[e.last_len - 1 - nines] == '_') e.last_len = 0;  // 99 -> 100: one digit more
    } else {
      e.last_len = 0;
    }
    if (e.last_len != 0) {
      std::fill_n(e.last + e.last_len - nines, nines, '0');
      ++e.last[e.last_len - 1 - nines];
    } else {
      std::memcpy(e.last, base.data(), base.size());
      e.last[base.size()] = '_';
      char* end = std::to_chars(e.last + base.size() + 1, e.last + sizeof e.last, next).ptr;
      e.last_len = static_cast<std::uint8_t>(end - e.last);
    }
    e.last_num = next;
    out.assign(e.last, e.last_len);
    e.max_num = e.count = next;
    return;
  }
  // a reader's usual case: a name `base_N` given whole, its N above every taken one and written
  // as FX writes numbers (no leading zero), is free as it is: no probe, no candidate rebuilt
  if (p.num && *p.num > e.max_num && *p.num < max_suffix && !long_suffixes_ && p.clean[p.base_len + 1] != '0') {
    out.assign(p.clean);
    e.count = e.max_num = *p.num;
    return;
  }
  name_choice f = probe_name(base, p.num, p.num && *p.num != 0 ? *p.num : e.count, e, out);
  e.count = f.num;
  if (f.dense_to_suffix) e.dense = *f.suffix;
  if (!f.suffix) {
    e.bare = true;
  } else {
    e.max_num = std::max(e.max_num, *f.suffix);
    if (*f.suffix >= max_suffix) long_suffixes_ = true;
  }
}

bool Graph::retired_set::contains(std::string_view name) const noexcept {
  return slots.find(name_hash(name), [&](const slot& x) { return names[x.index - 1] == name; }) != nullptr;
}

void Graph::retired_set::insert(std::string name) {
  std::uint32_t h = name_hash(name);
  slots.reserve(slots.size() + 1);
  names.push_back(std::move(name));
  slots.place(h, [](const slot&) noexcept {}) = {static_cast<std::uint32_t>(names.size()), h};
}

void Graph::force_name(node_id id, std::string_view name) {
  if (id >= nodes_.size() || nodes_[id].erased_)
    throw value_error("force_name: node id " + std::to_string(id) + " is not a live node of this graph");
  Node& n = nodes_[id];
  if (!ascii_identifier(name) || python::is_keyword(name))
    throw value_error("force_name: '" + quote_excerpt(name) + "' is not a name Python can bind (an identifier, not a keyword)");
  if (n.name() == name) return;
  // a name no node holds may be forced again (FX allows any); one a node holds, or held before
  // it was erased, may not: names stay unique
  if (name_lookup(name) != no_node) throw value_error("force_name: the name '" + std::string(name) + "' was given to another node");
  // What can throw comes first, so a failure changes nothing a lookup could see: the new text,
  // the edit (room to list the node, should the new text leave the string's inline buffer), the
  // retired old name, and the new name's base entry (so the namespace's shortcuts do not hand the
  // name out again).
  std::string fresh(name);
  node_edit edit(*this, id);
  retired_names_.insert(n.name());
  name_parts p;
  split_name(fresh, p);
  base_entry& e = bases_[base_of(std::string_view(fresh).substr(0, p.base_len))].entry;
  if (!p.num) {
    e.bare = true;
  } else {
    e.max_num = std::max(e.max_num, *p.num);
    if (*p.num >= max_suffix) long_suffixes_ = true;
  }
  edit.name().swap(fresh);
  n.name_hash_ = name_hash(n.name());
  // An indexed node gets a slot under its new name; its old slot stays and matches no name now
  // (a probe compares the node's text). Counted, so the table still grows at half load; when it
  // is full the next lookup rebuilds it twice as big, so forcing name after name costs O(1) each.
  std::lock_guard lock(names_.mu);
  std::erase(names_.shadowed, id);
  if (id >= names_.indexed.load(std::memory_order_relaxed)) return;  // indexed later, by its new name
  auto& table = names_.table;
  if (2 * (std::size_t{names_.indexed.load(std::memory_order_relaxed)} + names_.stale + 1) >= table.capacity()) {
    names_.min_entries = table.capacity();
    table.release();
    names_.shadowed.clear();
    names_.stale = 0;
    names_.indexed.store(0, std::memory_order_release);
    return;
  }
  table.place(n.name_hash_, [](const name_index::slot&) noexcept {}) = {id, n.name_hash_};
  ++names_.stale;
}

std::string Graph::peek_name(std::string_view candidate) const {
  name_parts p;
  split_name(candidate, p);
  std::string_view base(p.clean.data(), p.base_len);
  const base_entry* found = find_base(base);
  base_entry none;
  const base_entry& e = found ? *found : none;
  std::string out;
  probe_name(base, p.num, p.num && *p.num != 0 ? *p.num : e.count, e, out);
  return out;
}


}  // namespace aotkit::graph
