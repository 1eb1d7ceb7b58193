// modules/graph/ir.cpp — Graph: meta, argument storage, copies, access, order labels, use lists, the
// find_nodes index, creation, insertion points and mutation (RAUW, erase, move, copy).
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

#if defined(__linux__)
#include <sys/mman.h>
#endif
#include "runtime/flat_table.hpp"
module aotkit.graph;

import aotkit.runtime;

namespace aotkit::graph {

namespace {

constexpr std::uint32_t no_use = 0xFFFFFFFFu;
constexpr std::uint64_t order_gap = 1ull << 20;
}  // namespace

//===--- node_op and meta ---===//

std::string_view to_string(node_op op) noexcept {
  switch (op) {
    case node_op::placeholder: return "placeholder";
    case node_op::get_attr: return "get_attr";
    case node_op::call_function: return "call_function";
    case node_op::call_method: return "call_method";
    case node_op::call_module: return "call_module";
    case node_op::output: return "output";
  }
  return "?";
}

std::optional<node_op> parse_node_op(std::string_view name) noexcept {
  for (node_op op : {node_op::placeholder, node_op::get_attr, node_op::call_function, node_op::call_method,
                     node_op::call_module, node_op::output})
    if (to_string(op) == name) return op;
  return std::nullopt;
}

std::size_t node_meta::size() const noexcept {
  return seq_nr.has_value() + partitioner_tag.has_value() + nn_module_stack.has_value() + source_fn_stack.has_value() +
         stack_trace.has_value() + custom.has_value() + tensor_meta.has_value() + val.has_value() +
         is_gradient_acc.has_value() + fwd_nn_module_stack.has_value() + fwd_source_fn_stack.has_value() + other.size();
}

std::vector<std::string> node_meta::keys() const {
  std::vector<std::string> k;
  if (seq_nr) k.emplace_back("seq_nr");
  if (partitioner_tag) k.emplace_back("partitioner_tag");
  if (nn_module_stack) k.emplace_back("nn_module_stack");
  if (source_fn_stack) k.emplace_back("source_fn_stack");
  if (stack_trace) k.emplace_back("stack_trace");
  if (custom) k.emplace_back("custom");
  if (tensor_meta) k.emplace_back("tensor_meta");
  if (val) k.emplace_back("val");
  if (is_gradient_acc) k.emplace_back("is_gradient_acc");
  if (fwd_nn_module_stack) k.emplace_back("fwd_nn_module_stack");
  if (fwd_source_fn_stack) k.emplace_back("fwd_source_fn_stack");
  for (const auto& [key, v] : other) k.push_back(key);
  return k;
}

namespace {

enum class slot : std::uint8_t { other, seq_nr, partitioner_tag, nn_module_stack, source_fn_stack, stack_trace, custom,
                                 tensor_meta, val, is_gradient_acc, fwd_nn_module_stack, fwd_source_fn_stack };

// One comparison per key: dispatch on the length and the first letter (four typed keys have 15
// characters: nn_module_stack, source_fn_stack, partitioner_tag, is_gradient_acc).
slot slot_of(std::string_view key) noexcept {
  auto is = [&](std::string_view name, slot s) { return key == name ? s : slot::other; };
  switch (key.size()) {
    case 3: return is("val", slot::val);
    case 6: return key[0] == 's' ? is("seq_nr", slot::seq_nr) : is("custom", slot::custom);
    case 11: return key[0] == 's' ? is("stack_trace", slot::stack_trace) : is("tensor_meta", slot::tensor_meta);
    case 15:
      switch (key[0]) {
        case 'n': return is("nn_module_stack", slot::nn_module_stack);
        case 's': return is("source_fn_stack", slot::source_fn_stack);
        case 'p': return is("partitioner_tag", slot::partitioner_tag);
        case 'i': return is("is_gradient_acc", slot::is_gradient_acc);
        default: return slot::other;
      }
    case 19:
      return key[4] == 'n' ? is("fwd_nn_module_stack", slot::fwd_nn_module_stack)
                           : is("fwd_source_fn_stack", slot::fwd_source_fn_stack);
    default: return slot::other;
  }
}

}  // namespace

std::optional<arg> node_meta::get(std::string_view key) const {
  switch (slot_of(key)) {
    case slot::seq_nr: return seq_nr ? std::optional<arg>(arg(*seq_nr)) : std::nullopt;
    case slot::partitioner_tag: return partitioner_tag ? std::optional<arg>(arg(*partitioner_tag)) : std::nullopt;
    case slot::nn_module_stack: return nn_module_stack;
    case slot::source_fn_stack: return source_fn_stack;
    case slot::stack_trace: return stack_trace ? std::optional<arg>(arg(*stack_trace)) : std::nullopt;
    case slot::custom: return custom;
    case slot::tensor_meta: return tensor_meta;
    case slot::val: return val;
    case slot::is_gradient_acc: return is_gradient_acc ? std::optional<arg>(arg(*is_gradient_acc)) : std::nullopt;
    case slot::fwd_nn_module_stack: return fwd_nn_module_stack;
    case slot::fwd_source_fn_stack: return fwd_source_fn_stack;
    case slot::other: break;
  }
  for (const auto& [k, v] : other)
    if (k == key) return v;
  return std::nullopt;
}

void node_meta::set(std::string_view key, arg value) {
  auto need = [&](arg_kind kind) {
    if (value.kind() != kind)
      throw type_error("meta['" + std::string(key) + "'] must be " + std::string(kind_name(kind)) + ", got " +
                       std::string(kind_name(value.kind())));
  };
  switch (slot_of(key)) {
    case slot::seq_nr: need(arg_kind::integer); seq_nr = value.to_int(); return;
    case slot::partitioner_tag: need(arg_kind::string); partitioner_tag = value.text(); return;
    case slot::stack_trace: need(arg_kind::string); stack_trace = value.text(); return;
    case slot::is_gradient_acc: need(arg_kind::boolean); is_gradient_acc = value.to_bool(); return;
    case slot::nn_module_stack: nn_module_stack = std::move(value); return;
    case slot::source_fn_stack: source_fn_stack = std::move(value); return;
    case slot::custom: custom = std::move(value); return;
    case slot::tensor_meta: tensor_meta = std::move(value); return;
    case slot::val: val = std::move(value); return;
    case slot::fwd_nn_module_stack: fwd_nn_module_stack = std::move(value); return;
    case slot::fwd_source_fn_stack: fwd_source_fn_stack = std::move(value); return;
    case slot::other: break;
  }
  for (auto& [k, v] : other)
    if (k == key) {
      v = std::move(value);
      return;
    }
  other.emplace_back(std::string(key), std::move(value));
}

bool node_meta::erase(std::string_view key) {
  auto clear = [](auto& slot_value) {
    bool had = slot_value.has_value();
    slot_value.reset();
    return had;
  };
  switch (slot_of(key)) {
    case slot::seq_nr: return clear(seq_nr);
    case slot::partitioner_tag: return clear(partitioner_tag);
    case slot::nn_module_stack: return clear(nn_module_stack);
    case slot::source_fn_stack: return clear(source_fn_stack);
    case slot::stack_trace: return clear(stack_trace);
    case slot::custom: return clear(custom);
    case slot::tensor_meta: return clear(tensor_meta);
    case slot::val: return clear(val);
    case slot::is_gradient_acc: return clear(is_gradient_acc);
    case slot::fwd_nn_module_stack: return clear(fwd_nn_module_stack);
    case slot::fwd_source_fn_stack: return clear(fwd_source_fn_stack);
    case slot::other: break;
  }
  auto it = std::find_if(other.begin(), other.end(), [&](const auto& kv) { return kv.first == key; });
  if (it == other.end()) return false;
  other.erase(it);
  return true;
}

//===--- arg_store ---===//

arg* arg_store::allocate(std::size_t n) {
  if (n <= inline_size) {
    for (std::size_t i = 0; i < n; ++i) new (&inline_[i]) arg();
  } else {
    heap_ = new arg[n];
  }
  size_ = n;
  return data();
}

void arg_store::clear() noexcept {
  if (size_ <= inline_size) {
    for (std::size_t i = 0; i < size_; ++i) inline_[i].~arg();
  } else {
    delete[] heap_;
  }
  size_ = 0;
}

void arg_store::take(arg_store& o) noexcept {
  if (o.size_ <= inline_size) {
    for (std::size_t i = 0; i < o.size_; ++i) {
      new (&inline_[i]) arg(std::move(o.inline_[i]));
      o.inline_[i].~arg();
    }
  } else {
    heap_ = o.heap_;
  }
  size_ = o.size_;
  o.size_ = 0;
}

template <class It>
void arg_store::assign_range(It first, std::size_t n) {
  if (size_ == 0 && n <= inline_size) {  // a new node's arguments: nothing to keep safe
    for (std::size_t i = 0; i < n; ++i, ++first) new (&inline_[i]) arg(*first);
    size_ = n;
    return;
  }
  arg_store fresh;  // filled first, so a throwing copy leaves this store as it was
  std::copy_n(first, n, fresh.allocate(n));
  clear();
  take(fresh);
}

void arg_store::assign(std::span<const arg> items) { assign_range(items.begin(), items.size()); }

void arg_store::assign(std::vector<arg>&& items) { assign_range(std::make_move_iterator(items.begin()), items.size()); }

const std::string empty_node_text;
const node_meta empty_node_meta;

Node::Node(const Node& o)
    : own_(o.own_), order_(o.order_),
      target_op_(o.target_op_), name_hash_(o.name_hash_), prev_(o.prev_), next_(o.next_), first_use_(o.first_use_), last_use_(o.last_use_), num_users_(o.num_users_),
      inputs_(o.inputs_), num_inputs_(o.num_inputs_), op_(o.op_), erased_(o.erased_), owner_(o.owner_) {}

Node& Node::operator=(const Node& o) {
  if (this != &o) {
    Node copy(o);
    *this = std::move(copy);
  }
  return *this;
}

Node::owned::owned(const owned& o)
    : name_(o.name_), args_(o.args_), extra_(o.extra_ ? std::make_unique<extra>(*o.extra_) : nullptr) {}

const std::string& Node::target() const {
  if (op_ == node_op::call_function) return op_name(target_op_);
  return own_.extra_ ? own_.extra_->target_text : empty_node_text;
}

//===--- Graph: copying ---===//

Graph::Graph(const Graph& other) = default;

Graph::Graph(Graph&& other) noexcept : Graph() { swap(other); }

Graph& Graph::operator=(Graph&& other) noexcept {
  if (this != &other) {
    Graph gone(std::move(other));  // `other` is left empty, this graph's old state dies with `gone`
    swap(gone);
  }
  return *this;
}

// Every data member, so that a move leaves nothing stale behind (keep in step with the class).
void Graph::swap(Graph& o) noexcept {
  using std::swap;
  swap(nodes_, o.nodes_);
  swap(uses_, o.uses_);
  swap(free_blocks_, o.free_blocks_);
  swap(names_, o.names_);
  swap(scratch_, o.scratch_);
  swap(bases_, o.bases_);
  swap(memo_, o.memo_);
  swap(long_suffixes_, o.long_suffixes_);
  swap(retired_names_, o.retired_names_);
  swap(index_, o.index_);
  swap(first_, o.first_);
  swap(last_, o.last_);
  swap(ops_checked_, o.ops_checked_);
  swap(size_, o.size_);
  swap(insert_, o.insert_);
  swap(codegen_, o.codegen_);
}

Graph& Graph::operator=(const Graph& other) {
  if (this != &other) {
    Graph copy(other);
    *this = std::move(copy);
  }
  return *this;
}

//===--- Graph: access ---===//

void Graph::throw_bad_id(node_id id) { throw index_error("node id " + std::to_string(id) + " is not in this graph"); }

Node& Graph::live(node_id id, std::string_view what) {
  Node& n = at(id);
  if (n.erased_) throw value_error(std::string(what) + ": node " + n.name() + " was erased");
  return n;
}

std::vector<node_id> Graph::nodes() const {
  std::vector<node_id> out;
  out.reserve(size_);
  for (node_id n = first_; n != no_node; n = nodes_[n].next_) out.push_back(n);
  return out;
}

std::vector<node_id> Graph::users(node_id id) const {
  const Node& n = at(id);
  std::vector<node_id> out;
  out.reserve(n.num_users_);
  for (std::uint32_t u = n.first_use_; u != no_use; u = uses_[u].next) out.push_back(uses_[u].consumer);
  return out;
}

std::vector<node_id> Graph::input_nodes(node_id id) const {
  const Node& n = at(id);
  std::vector<node_id> out;
  out.reserve(n.num_inputs_);
  for (std::uint32_t k = 0; k < n.num_inputs_; ++k) out.push_back(uses_[n.inputs_ + k].producer);
  return out;
}

std::optional<node_id> Graph::find_node(std::string_view name) const {
  node_id n = name_lookup(name);
  if (n == no_node || nodes_[n].erased_) return std::nullopt;
  return n;
}

node_id Graph::output_node() const {
  if (last_ == no_node || nodes_[last_].op_ != node_op::output) throw assertion_error("the last node is not an output");
  return last_;
}

std::vector<node_id> Graph::misnamed_nodes() const {
  index_names();  // which finds them: a node whose probe passes a slot holding its name
  std::vector<node_id> out;
  for (node_id id : names_.shadowed)
    if (!nodes_[id].erased_) out.push_back(id);
  std::sort(out.begin(), out.end(), [&](node_id a, node_id b) { return nodes_[a].order_ < nodes_[b].order_; });
  return out;
}

bool Graph::before(node_id a, node_id b) const {
  const Node& x = at(a);
  const Node& y = at(b);
  // an erased node keeps the order label of its old place, which later insertions may reuse
  if (x.erased_ || y.erased_) throw value_error("before: node " + (x.erased_ ? x.name() : y.name()) + " was erased");
  return x.order_ < y.order_;
}

//===--- list and order labels ---===//

void Graph::relabel() {
  std::uint64_t o = order_gap;
  for (node_id n = first_; n != no_node; n = nodes_[n].next_, o += order_gap) nodes_[n].order_ = o;
}

// Links node `id` at the insertion point.
void Graph::link(node_id id) {
  node_id prev, next;
  if (insert_.anchor == no_node) {
    prev = insert_.after ? no_node : last_;  // inserting_after(None)... see inserting_* docs
    next = insert_.after ? first_ : no_node;
  } else if (insert_.after) {
    prev = insert_.anchor;
    next = nodes_[prev].next_;
  } else {
    next = insert_.anchor;
    prev = nodes_[next].prev_;
  }
  Node& n = nodes_[id];
  n.prev_ = prev;
  n.next_ = next;
  if (prev == no_node) first_ = id;
  else nodes_[prev].next_ = id;
  if (next == no_node) last_ = id;
  else nodes_[next].prev_ = id;
  std::uint64_t lo = prev == no_node ? 0 : nodes_[prev].order_;
  if (next == no_node) {
    n.order_ = lo + order_gap;
  } else {
    std::uint64_t hi = nodes_[next].order_;
    if (hi - lo < 2) {
      relabel();
    } else {
      n.order_ = lo + (hi - lo) / 2;
    }
  }
}

void Graph::unlink(node_id id) {
  Node& n = nodes_[id];
  if (n.prev_ == no_node) first_ = n.next_;
  else nodes_[n.prev_].next_ = n.next_;
  if (n.next_ == no_node) last_ = n.prev_;
  else nodes_[n.next_].prev_ = n.prev_;
  n.prev_ = n.next_ = no_node;
}

void Graph::set_insertion_point(insert_point p) {
  if (p.anchor != no_node) {
    if (p.anchor >= nodes_.size() || nodes_[p.anchor].erased_)
      throw assertion_error(p.after ? "Node to insert after is not in graph." : "Node to insert before is not in graph.");
  }
  insert_ = p;
}

//===--- use lists ---===//

std::uint32_t Graph::alloc_uses(std::uint32_t n) {
  if (n < free_blocks_.size() && free_blocks_[n] != no_use) {
    std::uint32_t b = free_blocks_[n];
    free_blocks_[n] = uses_[b].next;
    return b;
  }
  if (uses_.size() + n >= no_use) throw runtime_error("a graph holds at most 2^32 - 2 uses");
  auto b = static_cast<std::uint32_t>(uses_.size());
  uses_.grow_by(n);
  return b;
}

void Graph::free_uses(std::uint32_t first, std::uint32_t n) {
  // blocks of up to 8 are recycled; larger ones (rare fan-ins) are abandoned
  if (n == 0 || n >= free_blocks_.size()) return;
  uses_[first].next = free_blocks_[n];
  free_blocks_[n] = first;
}

void node_edit::list_if_owning() noexcept {
  if (node_.holds_memory()) graph_.nodes_.note_owner(id_);
}

// The distinct node references of args then kwargs, in first-occurrence order (FX's ordered set of
// inputs), into scratch_ (no allocation per node); throws aotkit::value_error for a reference to
// a node not live in this graph, before anything changed.
void Graph::gather_inputs(std::span<const arg> args, std::span<const kwarg> kwargs) {
  std::vector<node_id>& inputs = scratch_;
  inputs.clear();
  std::optional<std::unordered_set<node_id>> seen;  // once there are many (an output of hundreds): no quadratic scan
  constexpr std::size_t scan_limit = 32;
  auto add = [&](node_id p) {
    if (p >= nodes_.size()) [[unlikely]]
      throw value_error("argument references node id " + std::to_string(p) + ", which is not in this graph");
    if (nodes_[p].erased_) [[unlikely]]
      throw value_error("argument references node " + nodes_[p].name() + ", which was erased");
    if (inputs.size() < scan_limit) {
      if (std::find(inputs.begin(), inputs.end(), p) == inputs.end()) inputs.push_back(p);
      return;
    }
    if (!seen) seen.emplace(inputs.begin(), inputs.end());
    if (seen->insert(p).second) inputs.push_back(p);
  };
  auto visit = [&](const arg& a) {
    if (a.is_node()) add(a.to_node());  // most arguments: no walk
    else for_each_node(a, add);
  };
  for (const arg& a : args) visit(a);
  for (const kwarg& kw : kwargs) visit(kw.second);  // NOLINT
}

// Gives node `id` a block of use records for the inputs gather_inputs found.
void Graph::attach_gathered(node_id id) {
  Node& n = nodes_[id];
  auto count = static_cast<std::uint32_t>(scratch_.size());
  n.num_inputs_ = count;
  if (count == 0) {
    n.inputs_ = no_use;
    return;
  }
  std::uint32_t block = alloc_uses(count);
  n.inputs_ = block;
  for (std::uint32_t k = 0; k < count; ++k) {
    uses_[block + k] = {scratch_[k], id, no_use, no_use};
    use_append(block + k);
  }
}

void Graph::attach_inputs(node_id id) {
  const Node& n = nodes_[id];
  gather_inputs(n.args(), n.kwargs());
  attach_gathered(id);
}

void Graph::use_unlink(std::uint32_t r) noexcept {
  use& x = uses_[r];
  Node& p = nodes_[x.producer];
  if (x.prev == no_use) p.first_use_ = x.next;
  else uses_[x.prev].next = x.next;
  if (x.next == no_use) p.last_use_ = x.prev;
  else uses_[x.next].prev = x.prev;
  --p.num_users_;
}

void Graph::use_append(std::uint32_t r) noexcept {
  use& x = uses_[r];
  Node& p = nodes_[x.producer];
  x.prev = p.last_use_;
  x.next = no_use;
  if (p.last_use_ == no_use) p.first_use_ = r;
  else uses_[p.last_use_].next = r;
  p.last_use_ = r;
  ++p.num_users_;
}

void Graph::detach_inputs(node_id id) {
  Node& n = nodes_[id];
  for (std::uint32_t k = 0; k < n.num_inputs_; ++k) use_unlink(n.inputs_ + k);
  free_uses(n.inputs_, n.num_inputs_);
  n.inputs_ = no_use;
  n.num_inputs_ = 0;
}

//===--- find_nodes index ---===//

std::uint64_t Graph::index_key(node_op op, op_handle target) noexcept {
  return (static_cast<std::uint64_t>(op) << 32) | (op == node_op::call_function ? target.index : 0xFFFFFFFFu);
}

// The list of `key`, among the few (op, target) pairs a graph uses. Keys stay once added (an
// emptied list keeps its slot).
Graph::index_slot* Graph::index_find(std::uint64_t key) noexcept {
  return const_cast<index_slot*>(std::as_const(*this).index_find(key));
}

const Graph::index_slot* Graph::index_find(std::uint64_t key) const noexcept {
  return index_.find(runtime::detail::fibonacci_hash(key), [&](const index_slot& s) { return s.key == key; });
}

Graph::index_slot& Graph::index_emplace(std::uint64_t key) {
  std::uint64_t h = runtime::detail::fibonacci_hash(key);
  auto [s, fresh] = index_.emplace(h, [&](const index_slot& x) { return x.key == key; });
  if (fresh) {
    s->key = key;
    s->hash_ = static_cast<std::uint32_t>(h);
  }
  return *s;
}

void Graph::index_add(node_id id) {
  const Node& n = nodes_[id];
  index_emplace(index_key(n.op_, n.target_op_)).ids.push_back(id);
}

// Called by erase_node before it marks the node erased.
void Graph::index_remove(node_id id) {
  const Node& n = nodes_[id];
  index_slot& s = *index_find(index_key(n.op_, n.target_op_));
  if (2 * ++s.erased < s.ids.size()) return;
  std::erase_if(s.ids, [&](node_id x) { return x == id || nodes_[x].erased_; });
  s.erased = 0;
}

std::size_t Graph::count_nodes(node_op op) const noexcept {
  std::size_t count = 0;
  index_.for_each([&](const index_slot& s) {
    if (s.key >> 32 == static_cast<std::uint64_t>(op)) count += s.ids.size() - s.erased;
  });
  return count;
}

std::vector<node_id> Graph::find_nodes(node_op op, std::optional<op_handle> target, bool sort) const {
  if (op == node_op::call_function && !target) throw value_error("find_nodes(op='call_function') needs a target");
  std::vector<node_id> out;
  const index_slot* s = index_find(index_key(op, target.value_or(op_handle{})));
  if (s == nullptr) return out;
  out.reserve(s->ids.size() - s->erased);
  for (node_id n : s->ids)
    if (!nodes_[n].erased_) out.push_back(n);
  if (sort) std::sort(out.begin(), out.end(), [&](node_id a, node_id b) { return nodes_[a].order_ < nodes_[b].order_; });
  return out;
}

bool Graph::links_consistent(node_id id) const noexcept {
  if (id >= nodes_.size()) return false;
  const Node& n = nodes_[id];
  if (index_find(index_key(n.op_, n.target_op_)) == nullptr) return false;
  std::uint32_t count = 0;
  for (std::uint32_t u = n.first_use_; u != no_use; u = uses_[u].next, ++count) {
    const use& x = uses_[u];
    if (x.producer != id || x.consumer >= nodes_.size() || nodes_[x.consumer].erased_) return false;
    const Node& c = nodes_[x.consumer];
    if (u < c.inputs_ || u >= c.inputs_ + c.num_inputs_) return false;
  }
  if (count != n.num_users_) return false;
  for (std::uint32_t k = 0; k < n.num_inputs_; ++k)
    if (uses_[n.inputs_ + k].consumer != id) return false;
  return true;
}

//===--- creation ---===//

const char* target_text_problem(node_op op, std::string_view target) noexcept {
  switch (op) {
    case node_op::call_function: return nullptr;  // an operator handle: its name was checked when interned
    case node_op::placeholder: {
      std::string_view bare = target.starts_with("**") ? target.substr(2) : target.starts_with("*") ? target.substr(1) : target;
      return is_identifier(bare) ? nullptr : "a placeholder's target must be an identifier (or *args, **kwargs)";
    }
    case node_op::call_method: return is_identifier(target) ? nullptr : "a call_method target must be an identifier";
    case node_op::get_attr:
    case node_op::call_module:
      return is_qualified_name(target) ? nullptr : "a get_attr or call_module target must be a dotted name of identifiers";
    case node_op::output: return target == "output" ? nullptr : "an output node's target must be 'output'";
  }
  return "unknown opcode";
}

const char* type_text_problem(std::string_view type) noexcept {
  for (char c : type) {
    auto u = static_cast<unsigned char>(c);
    bool ok = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u >= 0x80 || c == '_' ||
              c == '.' || c == '[' || c == ']' || c == ',' || c == ' ';
    if (!ok) return "a type annotation must be a type expression (dotted names, brackets, commas, spaces)";
  }
  return nullptr;
}

node_id Graph::create_node(node_op op, node_target target, std::vector<arg> args, std::vector<kwarg> kwargs,
                           std::optional<std::string> name, std::string type) {
  std::string_view given = name ? std::string_view(*name) : std::string_view();
  return make_node(op, target, {args, &args}, kwargs, name ? &given : nullptr, type);
}

node_id Graph::emplace_node(node_op op, node_target target, std::span<const arg> args, std::span<const kwarg> kwargs,
                            std::optional<std::string_view> name, std::string type) {
  std::vector<kwarg> kw(kwargs.begin(), kwargs.end());
  std::string_view given = name.value_or(std::string_view());
  return make_node(op, target, {args, nullptr}, kw, name ? &given : nullptr, type);
}

// Takes what it keeps from its reference parameters (the public entry points own them): no moves
// through a chain of by-value parameters on the path every node takes.
node_id Graph::make_node(node_op op, node_target& target, const arg_source& args, std::vector<kwarg>& kwargs,
                         const std::string_view* name, std::string& type) {
  if (nodes_.size() >= no_node - 1) throw runtime_error("a graph holds at most 2^32 - 2 nodes");
  // An insertion guard restores the point it saved, whose anchor may have been erased since (by
  // code inside an inner guard): linking there would splice the node onto the erased one's stale
  // links and cut live nodes out of the list.
  if (insert_.anchor != no_node && nodes_[insert_.anchor].erased_)
    throw assertion_error(std::string(insert_.after ? "Node to insert after" : "Node to insert before") +
                          " is not in graph: node " + nodes_[insert_.anchor].name() + " was erased");
  op_handle target_op;
  std::string* target_text = nullptr;
  if (op == node_op::call_function) {
    if (!std::holds_alternative<op_handle>(target))
      throw value_error("Node [name = '" + std::string(name ? *name : std::string_view()) + "'] target " + std::get<std::string>(target) +
                        " has type str but a Callable is expected");
    target_op = std::get<op_handle>(target);
    // validates the handle; the registry only grows, so every index below a valid one is valid
    if (target_op.index >= ops_checked_) {
      (void)op_name(target_op);
      ops_checked_ = target_op.index + 1;
    }
  } else {
    if (!std::holds_alternative<std::string>(target))
      throw value_error("Node [name = '" + std::string(name ? *name : std::string_view()) + "'] target " + op_name(std::get<op_handle>(target)) +
                        " has type OpOverload but a str is expected");
    target_text = &std::get<std::string>(target);
    if (const char* problem = target_text_problem(op, *target_text))
      throw value_error("Node [name = '" + quote_excerpt(name ? *name : std::string_view()) + "'] target '" +
                        quote_excerpt(*target_text) + "': " + problem);
  }
  if (const char* problem = type_text_problem(type))
    throw value_error("Node [name = '" + quote_excerpt(name ? *name : std::string_view()) + "'] type '" + quote_excerpt(type) + "': " + problem);
  // FX's output node holds the one value the graph returns: printers and codegen read args[0] only
  // (none while a reader has yet to set it)
  if (op == node_op::output && args.view.size() > 1)
    throw value_error("an output node takes one argument (the returned value), got " + std::to_string(args.view.size()));
  gather_inputs(args.view, kwargs);
  // more than two arguments take a heap block: made before anything changes
  arg_store heap_args;
  if (args.view.size() > 2) {
    if (args.owner != nullptr) heap_args.assign(std::move(*args.owner));
    else heap_args.assign(args.view);
  }
  std::string snake;
  std::string_view candidate;
  if (name != nullptr) {
    candidate = *name;
  } else if (op == node_op::call_function) {
    candidate = default_node_name(target_op);
  } else {
    // _target_to_str: strings lose surrounding dunders, then snake case
    std::string_view t = *target_text;
    if (t.size() > 4 && t.starts_with("__") && t.ends_with("__")) t = t.substr(2, t.size() - 4);
    snake = snake_case(t);
    candidate = snake;
  }
  auto id = static_cast<node_id>(nodes_.size());
  // made but not counted while it takes its name (which may look names up) and its parts; what
  // can still throw (allocation) unmakes it
  Node& n = nodes_.make();
  try {
    node_edit edit(*this, id);
    create_name(candidate, edit.name());
    n.op_ = op;
    n.target_op_ = target_op;
    if (args.view.size() > 2) edit.args() = std::move(heap_args);
    else if (args.owner != nullptr) edit.args().assign(std::move(*args.owner));
    else edit.args().assign(args.view);
    if ((target_text != nullptr && !target_text->empty()) || !kwargs.empty() || !type.empty()) {
      Node::extra& e = edit.extra();
      if (target_text != nullptr) e.target_text = std::move(*target_text);
      e.kwargs = std::move(kwargs);
      e.type = std::move(type);
    }
    n.name_hash_ = name_hash(n.name());
  } catch (...) {
    nodes_.abandon();
    throw;
  }
  nodes_.commit();
  link(id);
  attach_gathered(id);
  index_add(id);
  ++size_;
  return id;
}

node_id Graph::placeholder(std::string name, std::string type, std::optional<arg> default_value) {
  std::vector<arg> args;
  if (default_value) args.push_back(std::move(*default_value));
  std::string candidate = name;
  return create_node(node_op::placeholder, std::move(name), std::move(args), {}, std::move(candidate), std::move(type));
}

node_id Graph::get_attr(std::string qualified_name, std::string type) {
  return create_node(node_op::get_attr, std::move(qualified_name), {}, {}, std::nullopt, std::move(type));
}

node_id Graph::call_function(op_handle op, std::vector<arg> args, std::vector<kwarg> kwargs,
                             std::optional<std::string> name, std::string type) {
  return create_node(node_op::call_function, op, std::move(args), std::move(kwargs), std::move(name), std::move(type));
}

node_id Graph::call_function(op_handle op, std::initializer_list<arg> args, std::vector<kwarg> kwargs,
                             std::optional<std::string> name, std::string type) {
  node_target target = op;
  std::string_view given = name ? std::string_view(*name) : std::string_view();
  return make_node(node_op::call_function, target, {std::span<const arg>(args.begin(), args.size()), nullptr}, kwargs,
                   name ? &given : nullptr, type);
}

node_id Graph::call_function(std::string_view op, std::vector<arg> args, std::vector<kwarg> kwargs,
                             std::optional<std::string> name, std::string type) {
  return call_function(intern_op(op), std::move(args), std::move(kwargs), std::move(name), std::move(type));
}

node_id Graph::call_method(std::string method, std::vector<arg> args, std::vector<kwarg> kwargs) {
  return create_node(node_op::call_method, std::move(method), std::move(args), std::move(kwargs));
}

node_id Graph::call_module(std::string qualified_name, std::vector<arg> args, std::vector<kwarg> kwargs) {
  return create_node(node_op::call_module, std::move(qualified_name), std::move(args), std::move(kwargs));
}

node_id Graph::output(arg result, std::string type) {
  return create_node(node_op::output, std::string("output"), {std::move(result)}, {}, std::nullopt, std::move(type));
}

//===--- mutation ---===//

void Graph::set_args(node_id id, std::vector<arg> args) {
  Node& n = live(id, "set_args");
  if (n.op_ == node_op::output && args.size() > 1)
    throw value_error("an output node takes one argument (the returned value), got " + std::to_string(args.size()));
  gather_inputs(args, n.kwargs());
  {
    // everything that can throw before the inputs are detached: the node stays as it was
    node_edit edit(*this, id);
    arg_store fresh;
    fresh.assign(std::move(args));
    detach_inputs(id);
    edit.args() = std::move(fresh);
  }
  attach_gathered(id);
}

void Graph::set_kwargs(node_id id, std::vector<kwarg> kwargs) {
  Node& n = live(id, "set_kwargs");
  gather_inputs(n.args(), kwargs);
  if (!kwargs.empty() || n.extra_block() != nullptr) {
    node_edit edit(*this, id);
    Node::extra& e = edit.extra();  // made before the inputs are detached: a throw changes nothing
    detach_inputs(id);
    e.kwargs = std::move(kwargs);
  } else {
    detach_inputs(id);
  }
  attach_gathered(id);
}

void Graph::update_arg(node_id id, std::size_t index, arg value) {
  Node& n = live(id, "update_arg");
  if (index >= n.args().size()) throw index_error("tuple index out of range");
  std::vector<arg> args(n.args().begin(), n.args().end());
  args[index] = std::move(value);
  set_args(id, std::move(args));
}

node_meta& Graph::meta(node_id id) {
  at(id);
  return node_edit(*this, id).extra().meta;  // the node is listed as it has an extra block now
}

void Graph::set_type(node_id id, std::string type) {
  Node& n = live(id, "set_type");
  if (const char* problem = type_text_problem(type))
    throw value_error("Node " + n.name() + " type '" + quote_excerpt(type) + "': " + problem);
  node_edit(*this, id).extra().type = std::move(type);
}

void Graph::replace_input_with(node_id user, node_id old_input, node_id new_input) {
  Node& u = live(user, "replace_input_with");
  live(new_input, "replace_input_with");
  std::function<arg(node_id)> swap_ref = [&](node_id p) { return arg::node(p == old_input ? new_input : p); };
  auto rewrite = [&](arg& a) {
    if (a.is_node()) {
      if (a.to_node() == old_input) a = arg::node(new_input);
    } else if (a.kind() == arg_kind::list || a.kind() == arg_kind::tuple || a.kind() == arg_kind::dict ||
               a.kind() == arg_kind::slice) {
      a = map_nodes(a, swap_ref);
    }
  };
  bool had_old = false, had_new = false;
  for (std::uint32_t k = 0; k < u.num_inputs_; ++k) {
    had_old |= uses_[u.inputs_ + k].producer == old_input;
    had_new |= uses_[u.inputs_ + k].producer == new_input;
  }
  auto rewrite_all = [&] {
    node_edit edit(*this, user, node_edit::refs_only_t{});
    for (arg& a : edit.args()) rewrite(a);
    if (Node::extra* e = edit.extra_block())
      for (kwarg& kw : e->kwargs) rewrite(kw.second);
  };
  if (!had_old || had_new) {
    // the inputs change shape (a duplicate merges, or nothing to replace): rebuild them
    detach_inputs(user);
    rewrite_all();
    attach_inputs(user);
    return;
  }
  rewrite_all();
  // Same inputs in the same order, old_input's record now new_input's. FX pops the user from
  // every input's users and adds it back, so each record moves to the end of its producer's list.
  for (std::uint32_t r = u.inputs_; r < u.inputs_ + u.num_inputs_; ++r) {
    use_unlink(r);
    if (uses_[r].producer == old_input) uses_[r].producer = new_input;
    use_append(r);
  }
}

std::vector<node_id> Graph::replace_all_uses_with(node_id id, node_id replacement,
                                                  const std::function<bool(node_id)>& delete_user_cb,
                                                  bool propagate_meta) {
  live(id, "replace_all_uses_with");
  live(replacement, "replace_all_uses_with");
  if (propagate_meta) {
    if (!nodes_[replacement].meta().empty())
      throw assertion_error("Called node.replace_all_uses_with(replace_with, propagate_meta=True), but replace_with "
                            "already has .meta keys");
    meta(replacement) = nodes_[id].meta();
  }
  std::vector<node_id> changed;
  for (node_id user : users(id)) {  // a snapshot: replacing edits the list
    if (delete_user_cb && !delete_user_cb(user)) continue;
    // a user that is the replacement itself is rewritten too, as FX does (the self-reference
    // that makes is lint's to report)
    replace_input_with(user, id, replacement);
    changed.push_back(user);
  }
  return changed;
}

void Graph::erase_node(node_id id) {
  Node& n = at(id);
  if (n.erased_) {
    warn(warning_category::user_warning, "erase_node(" + n.name() + ") on an already erased node");
    return;
  }
  if (n.num_users_ > 0) {
    std::string users_repr = "{";
    bool first = true;
    for (node_id u : users(id)) {
      users_repr += (first ? "" : ", ") + nodes_[u].name() + ": None";
      first = false;
    }
    users_repr += "}";
    throw runtime_error("Tried to erase Node " + n.name() + " but it still had " + std::to_string(n.num_users_) +
                        " users in the graph: " + users_repr + "!");
  }
  if (insert_.anchor == id) insert_ = {};
  index_remove(id);
  unlink(id);
  detach_inputs(id);
  // FX replaces the node's own references by None; they are gone from the use lists already
  auto to_none = [](node_id) { return arg(); };
  {
    node_edit edit(*this, id, node_edit::refs_only_t{});
    for (arg& a : edit.args()) a = map_nodes(a, to_none);
    if (Node::extra* e = edit.extra_block())
      for (kwarg& kw : e->kwargs) kw.second = map_nodes(kw.second, to_none);
  }
  n.erased_ = true;
  --size_;
}

void Graph::move_before(node_id n, node_id x) {
  live(n, "prepend");
  live(x, "prepend");
  if (n == x) return;  // FX: "Trying to prepend a node to itself. This behavior has no effect on the graph."
  unlink(x);
  insert_point saved = insert_;
  insert_ = {n, false};
  link(x);
  insert_ = saved;
}

void Graph::move_after(node_id n, node_id x) {
  live(n, "append");
  live(x, "append");
  if (n == x) return;
  unlink(x);
  insert_point saved = insert_;
  insert_ = {n, true};
  link(x);
  insert_ = saved;
}

node_id Graph::node_copy(const Graph& src, node_id id, const std::function<arg(node_id)>& arg_transform) {
  const Node& s = src.node(id);
  if (s.erased_) throw value_error("node_copy: node " + s.name() + " was erased");
  std::vector<arg> args;
  args.reserve(s.args().size());
  for (const arg& a : s.args()) args.push_back(map_nodes(a, arg_transform));
  std::vector<kwarg> kwargs;
  kwargs.reserve(s.kwargs().size());
  for (const kwarg& kw : s.kwargs()) kwargs.emplace_back(kw.first, map_nodes(kw.second, arg_transform));
  node_target target = s.op_ == node_op::call_function ? node_target(s.target_op_) : node_target(s.target());
  node_id n = create_node(s.op_, std::move(target), std::move(args), std::move(kwargs), s.name(), s.type());
  if (!s.meta().empty()) meta(n) = s.meta();
  return n;
}

arg Graph::graph_copy(const Graph& src, std::unordered_map<node_id, node_id>& val_map) {
  auto transform = [&](node_id p) {
    auto it = val_map.find(p);
    if (it == val_map.end()) throw key_error("graph_copy: node " + src.node(p).name() + " has no mapped value");
    return arg::node(it->second);
  };
  for (node_id n = src.first(); n != no_node; n = src.node(n).next()) {
    if (val_map.contains(n)) continue;
    if (src.node(n).op() == node_op::output) return map_nodes(src.node(n).args().front(), transform);
    val_map[n] = node_copy(src, n, transform);
  }
  return {};
}

}  // namespace aotkit::graph
