// modules/graph/ops.cpp — the operator registry: one process-wide table read without locks, preloaded
// with the facts FX's dead-code rules and the AOT passes need.
module;
#include <cctype>
#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>
module aotkit.graph;

import aotkit.runtime;

namespace aotkit::graph {

namespace {

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

op_family family_of(std::string_view name) {
  if (name.starts_with("operator.")) return op_family::python_operator;
  if (name.starts_with("builtins.")) return op_family::python_builtin;
  if (name.starts_with("higher_order.")) return op_family::higher_order;
  if (name.starts_with("torch.")) return op_family::python_function;
  // ns.op.overload: three dotted parts (aten, prims, inductor, quantized, custom namespaces)
  std::size_t dots = 0;
  for (char c : name) dots += c == '.';
  return dots == 2 ? op_family::aten_overload : op_family::python_function;
}

op_schema inferred(std::string_view name) {
  op_schema s;
  s.name = std::string(name);
  s.family = family_of(name);
  if (s.family == op_family::aten_overload) {
    auto first = name.find('.'), last = name.rfind('.');
    std::string_view op = name.substr(first + 1, last - first - 1), overload = name.substr(last + 1);
    s.is_mutable = (op.ends_with('_') && !op.ends_with("__")) || overload == "out" || overload.starts_with("out_");
  }
  return s;
}

std::uint64_t pack(const op_schema& s) noexcept {
  return static_cast<std::uint64_t>(s.tags) | (std::uint64_t{s.is_mutable} << 32) |
         (std::uint64_t{s.side_effect} << 33) | (static_cast<std::uint64_t>(s.family) << 40);
}

op_facts unpack(std::uint64_t f) noexcept {
  return {static_cast<op_family>((f >> 40) & 0xFF), static_cast<op_tag>(f & 0xFFFFFFFFu), ((f >> 32) & 1) != 0,
          ((f >> 33) & 1) != 0};
}

struct registry {
  // Entries live in segments of 256, 512, 1024, ... that never move, so readers index them
  // without a lock: an entry is complete before `size` (release) makes it visible, and only its
  // `facts` word changes afterwards (register_op updating a known operator).
  struct entry {
    std::string name, pretty, node_name;  // immutable once published
    std::atomic<std::uint64_t> facts{0};
  };
  static constexpr std::size_t first_segment = 256, num_segments = 24;  // 256 * (2^24 - 1) > 2^32 entries

  std::shared_mutex mutex;  // guards by_name; writers hold it exclusively
  std::array<std::atomic<entry*>, num_segments> segments{};
  std::atomic<std::uint32_t> size{0};
  std::unordered_map<std::string, std::uint32_t, string_hash, std::equal_to<>> by_name;

  static std::pair<std::size_t, std::size_t> locate(std::size_t i) noexcept {
    return doubling_segment(i, std::countr_zero(first_segment));
  }
  [[nodiscard]] const entry* find(op_handle op) const noexcept {
    if (op.index >= size.load(std::memory_order_acquire)) return nullptr;
    auto [k, j] = locate(op.index);
    return &segments[k].load(std::memory_order_relaxed)[j];
  }

  registry() {
    for (const char* n : {"aten.as_strided_.default", "aten.resize_.default", "aten.rename_.default",
                          "aten.unsqueeze_.default", "aten.resize_as_.default", "aten.detach_.default",
                          "aten.squeeze_.default", "aten.squeeze_.dim", "aten.squeeze_.dims", "aten.squeeze_.dimname",
                          "aten.t_.default", "aten.transpose_.default", "aten.swapaxes_.default",
                          "aten.swapdims_.default", "aten.set_.default", "aten.set_.source_Storage",
                          "aten.set_.source_Storage_storage_offset", "aten.set_.source_Tensor",
                          "aten.set_.source_Tensor_storage_offset"}) {
      op_schema s = inferred(n);
      s.tags = op_tag::inplace_view;
      add(std::move(s));
    }
    for (const char* n : {"aten.rand.default", "aten.randn.default", "aten.randint.default", "aten.randint.low",
                          "aten.randperm.default", "aten.rand_like.default", "aten.randn_like.default",
                          "aten.randint_like.default", "aten.normal.Tensor_Tensor", "aten.normal.float_Tensor",
                          "aten.normal.Tensor_float", "aten.normal.float_float", "aten.bernoulli.default",
                          "aten.bernoulli.p", "aten.multinomial.default", "aten.poisson.default",
                          "aten.native_dropout.default", "aten.uniform.default", "aten.exponential.default"}) {
      op_schema s = inferred(n);
      s.tags = op_tag::nondeterministic_seeded;
      add(std::move(s));
    }
    // Python RNG functions and FX's side-effect set (torch 2.x's fx/node.py)
    for (const char* n : {"torch.rand", "torch.randn", "torch.randint", "torch.randperm", "torch.rand_like",
                          "torch.randn_like", "torch.randint_like", "torch.normal", "torch.poisson",
                          "torch.bernoulli", "torch.multinomial"}) {
      op_schema s = inferred(n);
      s.tags = op_tag::nondeterministic_seeded;
      add(std::move(s));
    }
    for (const char* n : {"torch._assert", "torch._assert_async", "aten._async_error.default",
                          "aten._assert_async.msg", "aten._assert_scalar.default",
                          "aten._assert_tensor_metadata.default", "aten.sym_constrain_range.default",
                          "aten.sym_constrain_range_for_size.default", "profiler._record_function_enter.default",
                          "profiler._record_function_enter_new.default", "profiler._record_function_exit._RecordFunction",
                          "inductor.accumulate_grad_.default", "operator.setitem", "torch._C._set_grad_enabled",
                          "torch.amp._enter_autocast", "torch.amp._exit_autocast",
                          "inductor.resize_storage_bytes_.default", "prims._sink_tokens.default"}) {
      op_schema s = inferred(n);
      s.side_effect = true;
      add(std::move(s));
    }
    add(inferred("higher_order.with_effects"));
    add(inferred("prims._make_token.default"));
  }

  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;
  ~registry() {
    for (auto& seg : segments) delete[] seg.load(std::memory_order_relaxed);
  }

  // Under the exclusive lock.
  std::uint32_t add(op_schema s) {
    auto it = by_name.find(s.name);
    if (it != by_name.end()) {
      auto [k, j] = locate(it->second);
      segments[k].load(std::memory_order_relaxed)[j].facts.store(pack(s), std::memory_order_release);
      return it->second;
    }
    std::uint32_t index = size.load(std::memory_order_relaxed);
    if (index == 0xFFFFFFFFu) throw runtime_error("the operator registry is full");
    auto [k, j] = locate(index);
    if (segments[k].load(std::memory_order_relaxed) == nullptr)
      segments[k].store(new entry[first_segment << k], std::memory_order_relaxed);
    entry& e = segments[k].load(std::memory_order_relaxed)[j];
    std::string_view name = s.name;
    op_family family = family_of(name);
    bool torch_ops = family == op_family::aten_overload || family == op_family::higher_order;
    e.pretty = torch_ops ? "torch.ops." + s.name : s.name;
    // __name__: "add.Tensor" for an overload, the last dotted part otherwise
    e.node_name = snake_case(family == op_family::aten_overload ? name.substr(name.find('.') + 1)
                                                                : name.substr(name.rfind('.') + 1));
    e.facts.store(pack(s), std::memory_order_relaxed);
    e.name = std::move(s.name);
    by_name.emplace(e.name, index);
    size.store(index + 1, std::memory_order_release);
    return index;
  }
};

registry& ops() {
  static registry r;
  return r;
}

const registry::entry& checked(op_handle op) {
  const registry::entry* e = ops().find(op);
  if (e == nullptr) throw value_error("invalid op_handle " + std::to_string(op.index));
  return *e;
}

}  // namespace

std::string snake_case(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i > 0 && std::isupper(static_cast<unsigned char>(c)) && std::islower(static_cast<unsigned char>(text[i - 1])))
      out += '_';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string_view canonical_op_name(std::string_view name) noexcept {
  // `torch.ops.` + a namespace is how FX prints torch.ops operators (and how torch 2.x's own
  // exporters spell higher-order ones); the registry keys them without it
  constexpr std::string_view prefix = "torch.ops.";
  if (name.starts_with(prefix) && name.find('.', prefix.size()) != std::string_view::npos) name.remove_prefix(prefix.size());
  return name;
}

op_handle register_op(op_schema schema) {
  schema.name = std::string(canonical_op_name(schema.name));
  if (schema.name.empty()) throw value_error("register_op: an operator needs a name");
  if (!is_qualified_name(schema.name))
    throw value_error("register_op: operator name '" + quote_excerpt(schema.name) + "' is not a dotted name of identifiers");
  auto& r = ops();
  std::unique_lock lock(r.mutex);
  return {r.add(std::move(schema))};
}

namespace {
bool identifier_char(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' || u >= 0x80;
}
}  // namespace

bool is_identifier(std::string_view text) noexcept {
  if (text.empty() || (text[0] >= '0' && text[0] <= '9')) return false;
  return std::ranges::all_of(text, identifier_char);
}

bool is_qualified_name(std::string_view text) noexcept {
  bool part_empty = true;
  for (char c : text) {
    if (c == '.') {
      if (part_empty) return false;
      part_empty = true;
    } else if (identifier_char(c)) {
      part_empty = false;
    } else {
      return false;
    }
  }
  return !part_empty;
}

op_handle intern_op(std::string_view name) {
  name = canonical_op_name(name);
  auto& r = ops();
  {
    std::shared_lock lock(r.mutex);
    auto it = r.by_name.find(name);
    if (it != r.by_name.end()) return {it->second};
  }
  if (name.empty()) throw value_error("an operator needs a name");
  if (!is_qualified_name(name))
    throw value_error("operator name '" + quote_excerpt(name) + "' is not a dotted name of identifiers (it would be pasted into generated code)");
  std::unique_lock lock(r.mutex);
  auto it = r.by_name.find(name);
  if (it != r.by_name.end()) return {it->second};
  return {r.add(inferred(name))};
}

std::optional<op_handle> find_op(std::string_view name) {
  name = canonical_op_name(name);
  auto& r = ops();
  std::shared_lock lock(r.mutex);
  auto it = r.by_name.find(name);
  if (it == r.by_name.end()) return std::nullopt;
  return op_handle{it->second};
}

op_schema op_info(op_handle op) {
  const auto& e = checked(op);
  op_facts f = unpack(e.facts.load(std::memory_order_acquire));
  return {e.name, f.family, f.tags, f.is_mutable, f.side_effect};
}

op_facts facts_of(op_handle op) { return unpack(checked(op).facts.load(std::memory_order_acquire)); }

const std::string& op_name(op_handle op) { return checked(op).name; }

const std::string& pretty_target(op_handle op) { return checked(op).pretty; }

const std::string& default_node_name(op_handle op) { return checked(op).node_name; }

}  // namespace aotkit::graph
