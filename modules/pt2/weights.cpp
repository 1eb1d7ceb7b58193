// modules/pt2/weights.cpp — the restricted unpickler: a pickle machine over a flat arena (no value
// owns another, so cycles and depth cost nothing until a bounded conversion), five allowed globals,
// storages from the archive's data records, tensor views checked against their storage.
module;
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime/json_document.hpp"
module aotkit.pt2;

import aotkit.runtime;

namespace aotkit::pt2 {

namespace {

struct dtype_info {
  std::string_view storage_class;  // torch.<X>Storage
  std::string_view dtype;
  std::size_t itemsize;
};
constexpr dtype_info dtypes[] = {
    {"FloatStorage", "torch.float32", 4},      {"DoubleStorage", "torch.float64", 8},  {"HalfStorage", "torch.float16", 2},
    {"BFloat16Storage", "torch.bfloat16", 2},  {"LongStorage", "torch.int64", 8},     {"IntStorage", "torch.int32", 4},
    {"ShortStorage", "torch.int16", 2},        {"CharStorage", "torch.int8", 1},      {"ByteStorage", "torch.uint8", 1},
    {"BoolStorage", "torch.bool", 1},          {"ComplexFloatStorage", "torch.complex64", 8},
    {"ComplexDoubleStorage", "torch.complex128", 16},
};

enum class nk : std::uint8_t { none, boolean, integer, floating, string, bytes, list, tuple, dict, tensor, global, storage };
enum class callable : std::uint8_t { none, rebuild_tensor_v2, rebuild_parameter, rebuild_parameter_with_state, ordered_dict, storage_class };

struct node {
  explicit node(nk k = nk::none) : kind(k) {}
  nk kind;
  bool b = false;
  std::int64_t i = 0;  // integer; tensor, storage: index into their tables
  double d = 0;
  std::string s;       // string, bytes; storage_class global: its dtype
  callable fn = callable::none;
  std::vector<std::uint32_t> items;  // list, tuple; dict: keys and values alternating
};

double half_to_double(std::uint16_t h) {
  int exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
  double v = exp == 0 ? std::ldexp(mant, -24) : exp == 31 ? (mant ? NAN : INFINITY) : std::ldexp(mant + 1024, exp - 25);
  return (h & 0x8000) ? -v : v;
}

class machine {
 public:
  machine(const zip_archive& zip, std::string_view pickle, unpickle_limits limits) : zip_(zip), p_(pickle), limits_(limits) {}

  saved_value run() {
    for (;;) {
      if (pos_ >= p_.size()) fail("the pickle ends without STOP");
      op_at_ = pos_;
      auto op = static_cast<unsigned char>(p_[pos_++]);
      switch (op) {
        case 0x80: take(1); break;                          // PROTO
        case 0x95: take(8); break;                          // FRAME
        case '}': push(make(nk::dict)); break;              // EMPTY_DICT
        case ']': push(make(nk::list)); break;              // EMPTY_LIST
        case ')': push(make(nk::tuple)); break;             // EMPTY_TUPLE
        case '(': marks_.push_back(stack_.size()); break;   // MARK
        case 't': push(tuple_of(pop_mark())); break;        // TUPLE
        case 0x85: push(tuple_of(pop_n(1))); break;         // TUPLE1
        case 0x86: push(tuple_of(pop_n(2))); break;         // TUPLE2
        case 0x87: push(tuple_of(pop_n(3))); break;         // TUPLE3
        case 'X': push(text(nk::string, le(4))); break;     // BINUNICODE
        case 0x8c: push(text(nk::string, le(1))); break;    // SHORT_BINUNICODE
        case 0x8d: push(text(nk::string, le(8))); break;    // BINUNICODE8
        case 'C': push(text(nk::bytes, le(1))); break;      // SHORT_BINBYTES
        case 'B': push(text(nk::bytes, le(4))); break;      // BINBYTES
        case 0x8e: push(text(nk::bytes, le(8))); break;     // BINBYTES8
        case 'J': push(integer(static_cast<std::int32_t>(le(4)))); break;  // BININT
        case 'K': push(integer(static_cast<std::int64_t>(le(1)))); break;  // BININT1
        case 'M': push(integer(static_cast<std::int64_t>(le(2)))); break;  // BININT2
        case 0x8a: push(long_int(le(1))); break;            // LONG1
        case 0x8b: push(long_int(le(4))); break;            // LONG4
        case 'G': {                                         // BINFLOAT (big-endian)
          std::string_view b = take(8);
          std::uint64_t bits = 0;
          for (char c : b) bits = bits << 8 | static_cast<unsigned char>(c);
          node n{nk::floating};
          n.d = std::bit_cast<double>(bits);
          push(add(std::move(n)));
          break;
        }
        case 0x88: push(boolean(true)); break;   // NEWTRUE
        case 0x89: push(boolean(false)); break;  // NEWFALSE
        case 'N': push(make(nk::none)); break;   // NONE
        case 'q': memo_put(le(1)); break;        // BINPUT
        case 'r': memo_put(le(4)); break;        // LONG_BINPUT
        case 0x94: memo_put(memo_.size()); break;  // MEMOIZE
        case 'h': push(memo_get(le(1))); break;  // BINGET
        case 'j': push(memo_get(le(4))); break;  // LONG_BINGET
        case 'c': {                              // GLOBAL module\nname\n
          std::string module = line(), name = line();
          push(global(module, name));
          break;
        }
        case 0x93: {                             // STACK_GLOBAL
          std::uint32_t name = pop(), module = pop();
          if (nodes_[module].kind != nk::string || nodes_[name].kind != nk::string) fail("STACK_GLOBAL takes two strings");
          push(global(nodes_[module].s, nodes_[name].s));
          break;
        }
        case 'R': {                              // REDUCE
          std::uint32_t args = pop(), fn = pop();
          push(reduce(fn, args));
          break;
        }
        case 'Q': push(persistent(pop())); break;  // BINPERSID
        case 's': {                              // SETITEM
          std::uint32_t v = pop(), k = pop();
          dict_at(top()).items.insert(dict_at(top()).items.end(), {k, v});
          break;
        }
        case 'u': {                              // SETITEMS
          std::vector<std::uint32_t> kv = pop_mark();
          if (kv.size() % 2 != 0) fail("SETITEMS takes keys and values in pairs");
          node& d = dict_at(top());
          d.items.insert(d.items.end(), kv.begin(), kv.end());
          break;
        }
        case 'a': {                              // APPEND
          std::uint32_t v = pop();
          list_at(top()).items.push_back(v);
          break;
        }
        case 'e': {                              // APPENDS
          std::vector<std::uint32_t> vs = pop_mark();
          node& l = list_at(top());
          l.items.insert(l.items.end(), vs.begin(), vs.end());
          break;
        }
        case 'b': {                              // BUILD: only an empty state (what OrderedDict gets)
          std::uint32_t state = pop();
          const node& s = nodes_[state];
          if (!(s.kind == nk::none || ((s.kind == nk::dict || s.kind == nk::tuple) && s.items.empty())))
            fail("BUILD with object state is not allowed (only plain containers and tensors are built)");
          (void)top();
          break;
        }
        case '0': (void)pop(); break;            // POP
        case '1': (void)pop_mark(); break;       // POP_MARK
        case '2': push(top()); break;            // DUP
        case '.': {                              // STOP
          std::uint32_t result = pop();
          return convert(result, 0);
        }
        default: fail("opcode 0x" + hex(op) + " is not allowed");
      }
    }
  }

 private:
  [[noreturn]] void fail(const std::string& detail) const {
    throw input_error(zip_.root() + "data.pkl at offset " + std::to_string(op_at_), detail);
  }
  static std::string hex(unsigned v) {
    const char* digits = "0123456789abcdef";
    return {digits[(v >> 4) & 0xF], digits[v & 0xF]};
  }
  std::string_view take(std::uint64_t n) {
    if (n > p_.size() - pos_) fail("the pickle ends inside an opcode's argument");
    std::string_view out = p_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::uint64_t le(std::size_t n) {
    std::string_view b = take(n);
    std::uint64_t v = 0;
    for (std::size_t k = 0; k < n; ++k) v |= std::uint64_t{static_cast<unsigned char>(b[k])} << (8 * k);
    return v;
  }
  std::string line() {
    std::size_t nl = p_.find('\n', pos_);
    if (nl == std::string_view::npos) fail("GLOBAL's names end without a newline");
    std::string out(p_.substr(pos_, nl - pos_));
    pos_ = nl + 1;
    return out;
  }
  std::uint32_t add(node n) {
    nodes_.push_back(std::move(n));
    return static_cast<std::uint32_t>(nodes_.size() - 1);
  }
  std::uint32_t make(nk kind) { return add(node{kind}); }
  std::uint32_t boolean(bool b) {
    node n{nk::boolean};
    n.b = b;
    return add(std::move(n));
  }
  std::uint32_t integer(std::int64_t i) {
    node n{nk::integer};
    n.i = i;
    return add(std::move(n));
  }
  std::uint32_t long_int(std::uint64_t size) {
    if (size > 8) fail("an integer wider than 64 bits");
    std::string_view b = take(size);
    std::uint64_t v = 0;
    for (std::size_t k = 0; k < size; ++k) v |= std::uint64_t{static_cast<unsigned char>(b[k])} << (8 * k);
    if (size > 0 && size < 8 && (static_cast<unsigned char>(b[size - 1]) & 0x80)) v |= ~std::uint64_t{0} << (8 * size);
    return integer(static_cast<std::int64_t>(v));
  }
  std::uint32_t text(nk kind, std::uint64_t size) {
    node n{kind};
    n.s = std::string(take(size));
    return add(std::move(n));
  }
  void push(std::uint32_t v) { stack_.push_back(v); }
  std::uint32_t pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() == marks_.back())) fail("the stack is empty");
    std::uint32_t v = stack_.back();
    stack_.pop_back();
    return v;
  }
  std::uint32_t top() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() == marks_.back())) fail("the stack is empty");
    return stack_.back();
  }
  std::vector<std::uint32_t> pop_mark() {
    if (marks_.empty()) fail("no MARK to pop to");
    std::size_t at = marks_.back();
    marks_.pop_back();
    std::vector<std::uint32_t> out(stack_.begin() + static_cast<std::ptrdiff_t>(at), stack_.end());
    stack_.resize(at);
    return out;
  }
  std::vector<std::uint32_t> pop_n(std::size_t n) {
    std::vector<std::uint32_t> out(n);
    for (std::size_t k = n; k-- > 0;) out[k] = pop();
    return out;
  }
  std::uint32_t tuple_of(std::vector<std::uint32_t> items) {
    node n{nk::tuple};
    n.items = std::move(items);
    return add(std::move(n));
  }
  node& dict_at(std::uint32_t v) {
    if (nodes_[v].kind != nk::dict) fail("SETITEM on something that is not a dict");
    return nodes_[v];
  }
  node& list_at(std::uint32_t v) {
    if (nodes_[v].kind != nk::list) fail("APPEND on something that is not a list");
    return nodes_[v];
  }
  void memo_put(std::uint64_t key) {
    if (key > p_.size()) fail("a memo key larger than the pickle");  // keys are dense in practice
    memo_[key] = top();
  }
  std::uint32_t memo_get(std::uint64_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) fail("memo key " + std::to_string(key) + " was never put");
    return it->second;
  }

  std::uint32_t global(const std::string& module, const std::string& name) {
    node n{nk::global};
    if (module == "torch._utils" && name == "_rebuild_tensor_v2") n.fn = callable::rebuild_tensor_v2;
    else if (module == "torch._utils" && name == "_rebuild_parameter") n.fn = callable::rebuild_parameter;
    else if (module == "torch._utils" && name == "_rebuild_parameter_with_state") n.fn = callable::rebuild_parameter_with_state;
    else if (module == "collections" && name == "OrderedDict") n.fn = callable::ordered_dict;
    else if (module == "torch") {
      for (const dtype_info& d : dtypes)
        if (name == d.storage_class) {
          n.fn = callable::storage_class;
          n.s = d.dtype;
        }
    }
    if (n.fn == callable::none)
      fail("global '" + quote_excerpt(module) + "." + quote_excerpt(name) +
           "' is not allowed (the unpickler builds tensors, storages and plain containers only)");
    return add(std::move(n));
  }

  const node& arg_of(const node& args, std::size_t k) const {
    if (k >= args.items.size()) fail("too few arguments");
    return nodes_[args.items[k]];
  }
  std::vector<std::int64_t> ints(const node& n, std::string_view what) const {
    if (n.kind != nk::tuple && n.kind != nk::list) fail(std::string(what) + " is a tuple of ints");
    std::vector<std::int64_t> out;
    for (std::uint32_t v : n.items) {
      if (nodes_[v].kind != nk::integer || nodes_[v].i < 0) fail(std::string(what) + " holds a value that is not a non-negative int");
      out.push_back(nodes_[v].i);
    }
    return out;
  }

  std::uint32_t reduce(std::uint32_t fn_id, std::uint32_t args_id) {
    const node& fn = nodes_[fn_id];
    const node& args = nodes_[args_id];
    if (fn.kind != nk::global) fail("REDUCE of something that is not an allowed global");
    if (args.kind != nk::tuple) fail("REDUCE's arguments are a tuple");
    switch (fn.fn) {
      case callable::ordered_dict:
        if (!args.items.empty()) fail("OrderedDict(...) with arguments is not supported");
        return make(nk::dict);
      case callable::rebuild_tensor_v2: {
        const node& st = arg_of(args, 0);
        if (st.kind != nk::storage) fail("_rebuild_tensor_v2 takes a storage");
        const node& off = arg_of(args, 1);
        if (off.kind != nk::integer || off.i < 0) fail("_rebuild_tensor_v2's storage offset is a non-negative int");
        auto t = std::make_shared<saved_tensor>();
        t->data = storages_[static_cast<std::size_t>(st.i)];
        t->dtype = t->data->dtype;
        t->storage_offset = off.i;
        t->shape = ints(arg_of(args, 2), "the size");
        t->stride = ints(arg_of(args, 3), "the stride");
        if (t->shape.size() != t->stride.size()) fail("the size and the stride differ in length");
        const node& rg = arg_of(args, 4);
        if (rg.kind != nk::boolean) fail("requires_grad is a bool");
        t->requires_grad = rg.b;
        check_view(*t);
        tensors_.push_back(std::move(t));
        node n{nk::tensor};
        n.i = static_cast<std::int64_t>(tensors_.size() - 1);
        return add(std::move(n));
      }
      case callable::rebuild_parameter:
      case callable::rebuild_parameter_with_state: {
        const node& data = arg_of(args, 0);
        if (data.kind != nk::tensor) fail("_rebuild_parameter takes a tensor");
        const node& rg = arg_of(args, 1);
        if (rg.kind != nk::boolean) fail("requires_grad is a bool");
        auto t = std::make_shared<saved_tensor>(*tensors_[static_cast<std::size_t>(data.i)]);
        t->requires_grad = rg.b;
        t->is_parameter = true;
        tensors_.push_back(std::move(t));
        node n{nk::tensor};
        n.i = static_cast<std::int64_t>(tensors_.size() - 1);
        return add(std::move(n));
      }
      case callable::storage_class: fail("a storage class is not called directly");
      case callable::none: break;
    }
    fail("REDUCE of something that is not an allowed global");
  }

  void check_view(const saved_tensor& t) const {
    switch (fit_of(t)) {
      case view_fit::fits: return;
      case view_fit::size_overflows: fail("the tensor's size overflows");
      case view_fit::past_storage:
        fail("a tensor view reaches past its storage '" + t.data->key + "' (" + std::to_string(t.data->numel) + " elements)");
    }
  }

  std::uint32_t persistent(std::uint32_t pid_id) {
    const node& pid = nodes_[pid_id];
    if (pid.kind != nk::tuple || pid.items.size() != 5 || nodes_[pid.items[0]].kind != nk::string || nodes_[pid.items[0]].s != "storage")
      fail("a persistent id is ('storage', type, key, location, numel)");
    const node& type = nodes_[pid.items[1]];
    const node& key = nodes_[pid.items[2]];
    const node& location = nodes_[pid.items[3]];
    const node& numel = nodes_[pid.items[4]];
    if (type.kind != nk::global || type.fn != callable::storage_class) fail("a storage's type is a torch storage class");
    if (key.kind != nk::string || location.kind != nk::string || numel.kind != nk::integer || numel.i < 0)
      fail("a storage's key and location are strings, its numel a non-negative int");
    auto cached = storage_index_.find(key.s);
    std::size_t index;
    if (cached != storage_index_.end()) {
      index = cached->second;
      if (storages_[index]->dtype != type.s) fail("storage '" + quote_excerpt(key.s) + "' is given two dtypes");
    } else {
      std::size_t itemsize = dtype_itemsize(type.s);
      std::uint64_t need = 0;
      if (__builtin_mul_overflow(static_cast<std::uint64_t>(numel.i), itemsize, &need) || need > limits_.max_storage_bytes)
        fail("storage '" + quote_excerpt(key.s) + "' is larger than the limit");
      const zip_entry* e = zip_.find_record("data/" + key.s);
      if (e == nullptr) fail("storage '" + quote_excerpt(key.s) + "' has no record data/" + quote_excerpt(key.s));
      if (e->size < need)
        fail("storage '" + quote_excerpt(key.s) + "' holds " + std::to_string(e->size) + " bytes, fewer than its " +
             std::to_string(numel.i) + " elements need");
      auto s = std::make_shared<storage>();
      s->key = key.s;
      s->dtype = type.s;
      s->device = location.s;
      s->numel = numel.i;
      s->bytes = std::string(zip_.read(*e).substr(0, need));
      storages_.push_back(std::move(s));
      index = storages_.size() - 1;
      storage_index_.emplace(key.s, index);
    }
    node n{nk::storage};
    n.i = static_cast<std::int64_t>(index);
    return add(std::move(n));
  }

  // The value at `id` as a tree; depth bounded, which also refuses cycles.
  saved_value convert(std::uint32_t id, std::size_t depth) const {
    if (depth > limits_.max_depth) fail("values nest deeper than " + std::to_string(limits_.max_depth) + " levels (or refer to themselves)");
    const node& n = nodes_[id];
    saved_value v;
    switch (n.kind) {
      case nk::none: break;
      case nk::boolean: v.type = saved_value::kind::boolean; v.b = n.b; break;
      case nk::integer: v.type = saved_value::kind::integer; v.i = n.i; break;
      case nk::floating: v.type = saved_value::kind::floating; v.d = n.d; break;
      case nk::string: v.type = saved_value::kind::string; v.s = n.s; break;
      case nk::bytes: v.type = saved_value::kind::bytes; v.s = n.s; break;
      case nk::tensor: v.type = saved_value::kind::tensor; v.t = tensors_[static_cast<std::size_t>(n.i)]; break;
      case nk::list:
      case nk::tuple:
        v.type = n.kind == nk::list ? saved_value::kind::list : saved_value::kind::tuple;
        for (std::uint32_t c : n.items) v.items.push_back(convert(c, depth + 1));
        break;
      case nk::dict:
        v.type = saved_value::kind::dict;
        for (std::size_t k = 0; k + 1 < n.items.size(); k += 2) {
          v.keys.push_back(convert(n.items[k], depth + 1));
          v.items.push_back(convert(n.items[k + 1], depth + 1));
        }
        break;
      case nk::global: fail("the result holds a global, which is not a value");
      case nk::storage: fail("the result holds a bare storage");
    }
    return v;
  }

  const zip_archive& zip_;
  std::string_view p_;
  unpickle_limits limits_;
  std::size_t pos_ = 0, op_at_ = 0;
  std::vector<node> nodes_;
  std::vector<std::uint32_t> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, std::uint32_t> memo_;
  std::vector<std::shared_ptr<const storage>> storages_;
  std::unordered_map<std::string, std::size_t> storage_index_;
  std::vector<std::shared_ptr<const saved_tensor>> tensors_;
};

}  // namespace

// Whether a view reads only inside its storage: its size fits 64 bits, and the farthest element it
// can reach (overflow-free) is below the storage's numel. An empty view reads nothing.
view_fit fit_of(const saved_tensor& t) noexcept {
  std::int64_t numel = 1;
  unsigned __int128 last = static_cast<unsigned __int128>(t.storage_offset);
  for (std::size_t k = 0; k < t.shape.size(); ++k) {
    if (t.shape[k] == 0) return view_fit::fits;
    last += static_cast<unsigned __int128>(t.shape[k] - 1) * static_cast<unsigned __int128>(t.stride[k]);
    if (__builtin_mul_overflow(numel, t.shape[k], &numel)) return view_fit::size_overflows;
  }
  return last < static_cast<unsigned __int128>(t.data->numel) ? view_fit::fits : view_fit::past_storage;
}


std::string_view dtype_of_scalar_type(std::int64_t code) noexcept {
  switch (code) {
    case 1: return "torch.uint8";
    case 2: return "torch.int8";
    case 3: return "torch.int16";
    case 4: return "torch.int32";
    case 5: return "torch.int64";
    case 6: return "torch.float16";
    case 7: return "torch.float32";
    case 8: return "torch.float64";
    case 9: return "torch.complex32";
    case 10: return "torch.complex64";
    case 11: return "torch.complex128";
    case 12: return "torch.bool";
    case 13: return "torch.bfloat16";
    case 28: return "torch.uint16";
    default: return {};
  }
}

std::int64_t scalar_type_of_dtype(std::string_view dtype) noexcept {
  for (std::int64_t code : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 28})
    if (dtype_of_scalar_type(code) == dtype) return code;
  return -1;
}

std::size_t dtype_itemsize(std::string_view dtype) noexcept {
  for (const dtype_info& d : dtypes)
    if (d.dtype == dtype) return d.itemsize;
  return 0;
}

std::int64_t saved_tensor::numel() const noexcept {
  std::int64_t n = 1;
  for (std::int64_t s : shape) n *= s;
  return n;
}

std::vector<double> saved_tensor::values(std::size_t count) const {
  std::size_t itemsize = dtype_itemsize(dtype);
  if (itemsize == 0 || dtype.starts_with("torch.complex")) throw not_implemented_error("values() of a " + dtype + " tensor");
  std::vector<double> out;
  auto total = static_cast<std::size_t>(numel());
  std::size_t n = std::min(count, total);
  out.reserve(n);
  std::vector<std::int64_t> index(shape.size(), 0);
  for (std::size_t k = 0; k < n; ++k) {
    std::int64_t element = storage_offset;
    for (std::size_t d = 0; d < shape.size(); ++d) element += index[d] * stride[d];
    const char* p = data->bytes.data() + static_cast<std::size_t>(element) * itemsize;
    auto load = [&](auto type) {
      decltype(type) x;
      std::memcpy(&x, p, sizeof x);
      return x;
    };
    double v;
    if (dtype == "torch.float32") v = load(float{});
    else if (dtype == "torch.float64") v = load(double{});
    else if (dtype == "torch.float16") v = half_to_double(load(std::uint16_t{}));
    else if (dtype == "torch.bfloat16") v = std::bit_cast<float>(static_cast<std::uint32_t>(load(std::uint16_t{})) << 16);
    else if (dtype == "torch.int64") v = static_cast<double>(load(std::int64_t{}));
    else if (dtype == "torch.int32") v = load(std::int32_t{});
    else if (dtype == "torch.int16") v = load(std::int16_t{});
    else if (dtype == "torch.int8") v = load(std::int8_t{});
    else if (dtype == "torch.uint8") v = load(std::uint8_t{});
    else v = load(std::uint8_t{}) != 0;  // torch.bool
    out.push_back(v);
    for (std::size_t d = shape.size(); d-- > 0;) {  // the next index, row-major
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

saved_value unpickle_torch_save(const zip_archive& torch_save, unpickle_limits limits) {
  const zip_entry* pkl = torch_save.find_record("data.pkl");
  if (pkl == nullptr) throw input_error(torch_save.root() + "data.pkl", "a torch.save archive has a data.pkl record");
  machine m(torch_save, torch_save.read(*pkl), limits);
  return m.run();
}

std::vector<std::pair<std::string, saved_tensor>> load_tensor_dict(const zip_archive& torch_save) {
  saved_value v = unpickle_torch_save(torch_save);
  if (v.type != saved_value::kind::dict) throw input_error(torch_save.root() + "data.pkl", "the payload is not a dict of tensors");
  std::vector<std::pair<std::string, saved_tensor>> out;
  for (std::size_t i = 0; i < v.keys.size(); ++i) {
    const saved_value& k = v.keys[i];
    const saved_value& t = v.items[i];
    if (k.type != saved_value::kind::string || t.type != saved_value::kind::tensor)
      throw input_error(torch_save.root() + "data.pkl", "the payload is not a dict of tensors (a '" + quote_excerpt(k.s) + "' entry)");
    out.emplace_back(k.s, *t.t);
  }
  return out;
}

std::vector<std::pair<std::string, saved_tensor>> load_raw_tensors(const zip_archive& archive, std::string_view config_record,
                                                                   std::string_view folder) {
  using json = nlohmann::ordered_json;
  std::string where = archive.root() + std::string(config_record);
  json doc;
  try {
    doc = runtime::detail::parse_json_unique_keys<json>(archive.read_record(config_record));
  } catch (const runtime::detail::duplicate_json_key& e) {
    throw input_error(where + e.pointer, e.what());
  } catch (const json::exception& e) {
    throw input_error(where, std::string("malformed JSON: ") + e.what());
  }
  auto fail = [&](const std::string& at, const std::string& detail) -> void { throw input_error(where + at, detail); };
  if (!doc.is_object() || !doc.contains("config") || !doc["config"].is_object()) fail("", "a payload config is {\"config\": {...}}");
  auto sym_int = [&](const json& v, const std::string& at) -> std::int64_t {
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (v.is_object() && v.size() == 1 && v.contains("as_int") && v["as_int"].is_number_integer()) return v["as_int"].get<std::int64_t>();
    fail(at, "a size, stride or offset is {\"as_int\": n} (symbolic ones are not weights)");
    return 0;
  };
  // a flag of the config: false when absent, else a JSON boolean (nlohmann's value() would throw its own error)
  auto flag = [&](const json& o, const char* key, const std::string& at) -> bool {
    auto it = o.find(key);
    if (it == o.end()) return false;
    if (!it->is_boolean()) fail(at + "/" + key, "expected true or false");
    return it->get<bool>();
  };
  std::unordered_map<std::string, std::shared_ptr<const storage>> storages;
  std::vector<std::pair<std::string, saved_tensor>> out;
  for (const auto& [fqn, entry] : doc["config"].items()) {
    std::string at = "/config/" + fqn;
    if (!entry.is_object() || !entry.contains("path_name") || !entry["path_name"].is_string()) fail(at, "an entry names its record in \"path_name\"");
    std::string path = entry["path_name"].get<std::string>();
    std::string record = std::string(folder) + path;
    if (flag(entry, "use_pickle", at)) {
      saved_value v = unpickle_torch_save(zip_archive::view(archive.read_record(record)));
      if (v.type != saved_value::kind::tensor) fail(at, "a pickled weight is a tensor");
      out.emplace_back(fqn, *v.t);
      continue;
    }
    const json* meta = entry.contains("tensor_meta") && entry["tensor_meta"].is_object() ? &entry["tensor_meta"] : nullptr;
    if (meta == nullptr) fail(at, "a raw weight needs its tensor_meta");
    saved_tensor t;
    if (!meta->contains("dtype") || !(*meta)["dtype"].is_number_integer()) fail(at + "/tensor_meta", "missing dtype");
    t.dtype = std::string(dtype_of_scalar_type((*meta)["dtype"].get<std::int64_t>()));
    std::size_t itemsize = dtype_itemsize(t.dtype);
    if (itemsize == 0) fail(at + "/tensor_meta/dtype", "unknown scalar type " + (*meta)["dtype"].dump());
    for (const char* key : {"sizes", "strides"}) {
      if (!meta->contains(key) || !(*meta)[key].is_array()) fail(at + "/tensor_meta", std::string("missing ") + key);
      auto& dst = std::string_view(key) == "sizes" ? t.shape : t.stride;
      for (const json& x : (*meta)[key]) {
        std::int64_t v = sym_int(x, at + "/tensor_meta/" + key);
        if (v < 0) fail(at + "/tensor_meta/" + key, "a negative size or stride");
        dst.push_back(v);
      }
    }
    if (t.shape.size() != t.stride.size()) fail(at + "/tensor_meta", "sizes and strides differ in length");
    t.storage_offset = meta->contains("storage_offset") ? sym_int((*meta)["storage_offset"], at + "/tensor_meta/storage_offset") : 0;
    if (t.storage_offset < 0) fail(at + "/tensor_meta/storage_offset", "a negative storage offset");
    t.requires_grad = flag(*meta, "requires_grad", at + "/tensor_meta");
    t.is_parameter = flag(entry, "is_param", at);
    auto& s = storages[path];
    if (!s) {
      const zip_entry* e = archive.find_record(record);
      if (e == nullptr) fail(at, "no record " + record);
      auto st = std::make_shared<storage>();
      st->key = path;
      st->dtype = t.dtype;
      st->device = "cpu";
      if (e->size == 0) {
        // torch's _build_file_map: an empty record is a tensor of zeros of the first view's sizes
        // (so much memory from no bytes at all: bounded as an inflated member is)
        std::uint64_t count = std::ranges::find(t.shape, 0) != t.shape.end() ? 0 : 1, bytes = 0;
        bool overflows = false;
        for (std::int64_t d : t.shape) overflows = overflows || __builtin_mul_overflow(count, static_cast<std::uint64_t>(d), &count);
        if (overflows || __builtin_mul_overflow(count, itemsize, &bytes) || bytes > archive.limits().max_member_size)
          fail(at, "record " + record + " is empty: zeros of the tensor's sizes would be over the limit of " +
                       std::to_string(archive.limits().max_member_size) + " bytes");
        st->numel = static_cast<std::int64_t>(count);
        st->bytes.assign(static_cast<std::size_t>(bytes), '\0');
      } else {
        if (e->size % itemsize != 0)
          fail(at, "record " + record + ": size " + std::to_string(e->size) + " is not a multiple of element size " +
                       std::to_string(itemsize) + " for dtype " + t.dtype);
        st->numel = static_cast<std::int64_t>(e->size / itemsize);
        st->bytes = std::string(archive.read(*e));
      }
      s = std::move(st);
    } else if (s->dtype != t.dtype) {
      fail(at, "record " + record + " is viewed with two dtypes");
    }
    t.data = s;
    switch (fit_of(t)) {
      case view_fit::fits: break;
      case view_fit::size_overflows: fail(at, "the tensor's size overflows");
      case view_fit::past_storage:
        fail(at, "the view reaches past record " + record + " (" + std::to_string(s->numel) + " elements)");
    }
    out.emplace_back(fqn, std::move(t));
  }
  return out;
}

// ---- writing (torch.save) ----

namespace {

class pickler {
 public:
  void proto() { out_ += "\x80\x02"; }
  void stop() { out_ += '.'; }
  void none() { out_ += 'N'; }
  void boolean(bool b) { out_ += b ? '\x88' : '\x89'; }
  void integer(std::int64_t v) {
    if (v >= std::numeric_limits<std::int32_t>::min() && v <= std::numeric_limits<std::int32_t>::max()) {
      out_ += 'J';
      put_le(static_cast<std::uint32_t>(static_cast<std::int32_t>(v)), 4);
      return;
    }
    out_ += '\x8a';  // LONG1: little-endian two's complement, 8 bytes suffice
    out_ += '\x08';
    put_le(static_cast<std::uint64_t>(v), 8);
  }
  void floating(double d) {
    out_ += 'G';
    std::uint64_t bits;
    std::memcpy(&bits, &d, 8);
    for (int i = 7; i >= 0; --i) out_ += static_cast<char>((bits >> (8 * i)) & 0xff);  // big-endian
  }
  void string(std::string_view s) {
    out_ += 'X';
    put_le(s.size(), 4);
    out_ += s;
  }
  void bytes(std::string_view s) {
    out_ += 'B';
    put_le(s.size(), 4);
    out_ += s;
  }
  void global(std::string_view module, std::string_view name) {
    out_ += 'c';
    out_ += module;
    out_ += '\n';
    out_ += name;
    out_ += '\n';
  }
  void mark() { out_ += '('; }
  void tuple() { out_ += 't'; }
  void empty_tuple() { out_ += ')'; }
  void empty_list() { out_ += ']'; }
  void appends() { out_ += 'e'; }
  void empty_dict() { out_ += '}'; }
  void setitems() { out_ += 'u'; }
  void reduce() { out_ += 'R'; }
  void binpersid() { out_ += 'Q'; }
  std::string take() { return std::move(out_); }

 private:
  void put_le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_ += static_cast<char>((v >> (8 * i)) & 0xff);
  }
  std::string out_;
};

std::string_view storage_class_of(std::string_view dtype) {
  for (const dtype_info& d : dtypes)
    if (d.dtype == dtype) return d.storage_class;
  throw value_error("torch_save: no storage class for dtype '" + std::string(dtype) + "'");
}

// The storages a payload writes, in key order, and each one's key (no scan per tensor).
struct storage_keys {
  std::vector<const storage*> order;
  std::unordered_map<const storage*, std::size_t> key;
};

void pickle_tensor(pickler& p, const saved_tensor& t, storage_keys& storages) {
  if (!t.data) throw value_error("torch_save: a tensor without a storage");
  if (t.shape.size() != t.stride.size()) throw value_error("torch_save: a tensor's shape and strides differ in length");
  if (fit_of(t) != view_fit::fits) throw value_error("torch_save: a view past its storage ('" + t.data->key + "')");
  auto [it, fresh] = storages.key.try_emplace(t.data.get(), storages.order.size());
  std::size_t key = it->second;
  if (fresh) storages.order.push_back(t.data.get());
  if (t.is_parameter) p.global("torch._utils", "_rebuild_parameter");
  if (t.is_parameter) p.mark();
  p.global("torch._utils", "_rebuild_tensor_v2");
  p.mark();
  // the persistent id ('storage', torch.<T>Storage, key, location, numel)
  p.mark();
  p.string("storage");
  p.global("torch", storage_class_of(t.data->dtype));
  p.string(std::to_string(key));
  p.string(t.data->device.empty() ? "cpu" : t.data->device);
  p.integer(t.data->numel);
  p.tuple();
  p.binpersid();
  p.integer(t.storage_offset);
  p.mark();
  for (auto s : t.shape) p.integer(s);
  p.tuple();
  p.mark();
  for (auto s : t.stride) p.integer(s);
  p.tuple();
  p.boolean(t.is_parameter ? false : t.requires_grad);  // a parameter's flag goes to _rebuild_parameter
  p.global("collections", "OrderedDict");
  p.empty_tuple();
  p.reduce();
  p.tuple();
  p.reduce();
  if (t.is_parameter) {
    p.boolean(t.requires_grad);
    p.global("collections", "OrderedDict");
    p.empty_tuple();
    p.reduce();
    p.tuple();
    p.reduce();
  }
}

}  // namespace

std::string torch_save(const saved_value& value, std::string_view archive_name) {
  using kind = saved_value::kind;
  pickler p;
  storage_keys storages;
  p.proto();
  // Pre-order walk with an explicit stack; a container's closing opcode runs after its children.
  struct frame {
    const saved_value* v;
    std::size_t next = 0;
  };
  std::vector<frame> stack;
  auto open = [&](const saved_value& v) {
    switch (v.type) {
      case kind::none: p.none(); return;
      case kind::boolean: p.boolean(v.b); return;
      case kind::integer: p.integer(v.i); return;
      case kind::floating: p.floating(v.d); return;
      case kind::string: p.string(v.s); return;
      case kind::bytes: p.bytes(v.s); return;
      case kind::tensor:
        if (!v.t) throw value_error("torch_save: a tensor value without a tensor");
        pickle_tensor(p, *v.t, storages);
        return;
      case kind::list: p.empty_list(), p.mark(); break;
      case kind::tuple: p.mark(); break;
      case kind::dict:
        if (v.keys.size() != v.items.size()) throw value_error("torch_save: a dict with " + std::to_string(v.keys.size()) + " keys and " + std::to_string(v.items.size()) + " values");
        p.empty_dict(), p.mark();
        break;
    }
    if (stack.size() >= unpickle_limits{}.max_depth) throw value_error("torch_save: containers nest deeper than " + std::to_string(unpickle_limits{}.max_depth));
    stack.push_back({&v, 0});
  };
  open(value);
  while (!stack.empty()) {
    frame& f = stack.back();
    const saved_value& v = *f.v;
    std::size_t n = v.type == kind::dict ? 2 * v.items.size() : v.items.size();
    if (f.next == n) {
      if (v.type == kind::list) p.appends();
      else if (v.type == kind::tuple) p.tuple();
      else p.setitems();
      stack.pop_back();
      continue;
    }
    std::size_t i = f.next++;
    if (v.type == kind::dict) open(i % 2 == 0 ? v.keys[i / 2] : v.items[i / 2]);
    else open(v.items[i]);
  }
  p.stop();
  std::string root(archive_name);
  zip_writer z;
  z.add(root + "/data.pkl", p.take());
  z.add(root + "/byteorder", "little");
  for (std::size_t k = 0; k < storages.order.size(); ++k) z.add(root + "/data/" + std::to_string(k), storages.order[k]->bytes);
  z.add(root + "/version", "3\n");
  return z.finish();
}

raw_tensor_records save_raw_tensors(const std::vector<std::pair<std::string, saved_tensor>>& tensors, std::string_view prefix) {
  raw_tensor_records out;
  std::unordered_map<const storage*, std::size_t> seen;  // the record of each storage met
  // Python's json.dumps of _dataclass_to_dict(PayloadConfig): default separators, keys in the
  // dataclasses' field order, a None-defaulted field left out when None (Device.index)
  std::string& j = out.config;
  j = "{\"config\": {";
  auto sym_ints = [&](const std::vector<std::int64_t>& xs) {
    j += '[';
    for (std::size_t i = 0; i < xs.size(); ++i) j += (i ? ", {\"as_int\": " : "{\"as_int\": ") + std::to_string(xs[i]) + "}";
    j += ']';
  };
  for (std::size_t n = 0; n < tensors.size(); ++n) {
    const auto& [fqn, t] = tensors[n];
    if (!t.data) throw value_error("save_raw_tensors: tensor '" + fqn + "' has no storage");
    std::int64_t code = scalar_type_of_dtype(t.dtype);
    if (code < 0) throw value_error("save_raw_tensors: tensor '" + fqn + "' has dtype '" + t.dtype + "', which has no scalar type");
    if (fit_of(t) != view_fit::fits) throw value_error("save_raw_tensors: tensor '" + fqn + "' reaches past its storage");
    auto [it, fresh] = seen.try_emplace(t.data.get(), out.records.size());
    std::size_t index = it->second;
    if (fresh) out.records.emplace_back(std::string(prefix) + std::to_string(index), t.data->bytes);
    if (n != 0) j += ", ";
    runtime::append_json_string(j, fqn, true);
    j += ": {\"path_name\": ";
    runtime::append_json_string(j, out.records[index].first, true);
    j += std::string(", \"is_param\": ") + (t.is_parameter ? "true" : "false") + ", \"use_pickle\": false, \"tensor_meta\": {\"dtype\": ";
    j += std::to_string(code) + ", \"sizes\": ";
    sym_ints(t.shape);
    j += std::string(", \"requires_grad\": ") + (t.requires_grad ? "true" : "false") + ", \"device\": {\"type\": \"cpu\"}, \"strides\": ";
    sym_ints(t.stride);
    j += ", \"storage_offset\": {\"as_int\": " + std::to_string(t.storage_offset) + "}, \"layout\": 7}}";
  }
  j += "}}";
  return out;
}

std::string save_tensor_dict(const std::vector<std::pair<std::string, saved_tensor>>& tensors, std::string_view archive_name) {
  saved_value dict;
  dict.type = saved_value::kind::dict;
  for (const auto& [name, t] : tensors) {
    saved_value k;
    k.type = saved_value::kind::string;
    k.s = name;
    saved_value v;
    v.type = saved_value::kind::tensor;
    v.t = std::make_shared<const saved_tensor>(t);
    dict.keys.push_back(std::move(k));
    dict.items.push_back(std::move(v));
  }
  return torch_save(dict, archive_name);
}

}  // namespace aotkit::pt2
