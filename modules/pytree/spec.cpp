// modules/pytree/spec.cpp — building, comparing, hashing and printing flat TreeSpecs.
// Every walk is a loop over the pre-order array, with an explicit stack where nesting matters.
module;
#include <algorithm>
#include <memory>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>
module aotkit.pytree;

import aotkit.runtime;

namespace aotkit::pytree {

std::string key_repr(const key& k) {
  if (const auto* i = std::get_if<std::int64_t>(&k)) return std::to_string(*i);
  return python::str_repr(std::get<std::string>(k));
}

std::string_view kind_name(node_kind kind) noexcept { return traits_of(kind).name; }

namespace {

const node_context empty_context{};

std::uint32_t checked_u32(std::size_t n, const char* what) {
  if (n >= std::numeric_limits<std::uint32_t>::max())
    throw value_error(std::string("TreeSpec: too many ") + what + " (at most 2^32 - 2)");
  return static_cast<std::uint32_t>(n);
}

// collections.namedtuple's checks of field names, with CPython's texts: every reader and builder
// of specs goes through spec_builder, so none accepts a namedtuple Python could not define. (Names
// starting with '_' pass: namedtuple(..., rename=True) makes them.)
void check_namedtuple_fields(const std::vector<std::string>& fields) {
  auto identifier = [](std::string_view s) {
    if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
    return std::ranges::all_of(s, [](char c) {
      auto u = static_cast<unsigned char>(c);
      return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' || u >= 0x80;
    });
  };
  std::unordered_set<std::string_view> seen;
  for (const std::string& f : fields) {
    std::string shown = quote_excerpt(f);
    if (!identifier(f)) throw value_error("Type names and field names must be valid identifiers: '" + shown + "'");
    if (python::is_keyword(f)) throw value_error("Type names and field names cannot be a keyword: '" + shown + "'");
    if (!seen.insert(f).second) throw value_error("Encountered duplicate field name: '" + shown + "'");
  }
}

}  // namespace

//===--- spec_builder ---===//

void spec_builder::open(node_kind kind, std::size_t arity, node_context context) {
  if (!nodes_.empty() && open_.empty()) throw value_error("spec_builder: the spec is already complete");
  if (kind == node_kind::leaf || kind == node_kind::none) {
    if (arity != 0) throw value_error("spec_builder: a leaf or None node has no children");
  }
  if (traits_of(kind).keyed) {
    if (context.keys.size() != arity)
      throw value_error("spec_builder: " + std::string(kind_name(kind)) + " has " + std::to_string(context.keys.size()) +
                        " keys but " + std::to_string(arity) + " children");
  }
  if (kind == node_kind::namedtuple) {
    if (context.fields.size() != arity)
      throw value_error("spec_builder: namedtuple has " + std::to_string(context.fields.size()) + " fields but " +
                        std::to_string(arity) + " children");
    check_namedtuple_fields(context.fields);
  }
  spec_node n{kind, checked_u32(arity, "children"), 1, kind == node_kind::leaf ? 1u : 0u, spec_node::no_context};
  if (traits_of(kind).has_context) {
    n.context = checked_u32(contexts_.size(), "contexts");
    contexts_.push_back(std::move(context));
  }
  std::size_t index = nodes_.size();
  checked_u32(index + 1, "nodes");
  nodes_.push_back(n);
  if (arity > 0) open_.emplace_back(index, arity);
  else closed(index);
}

// Node `index` is complete: propagate its counts to its parent and close parents that are done.
void spec_builder::closed(std::size_t index) {
  while (!open_.empty()) {
    auto& [parent, missing] = open_.back();
    nodes_[parent].num_nodes += nodes_[index].num_nodes;
    nodes_[parent].num_leaves += nodes_[index].num_leaves;
    if (--missing > 0) return;
    index = parent;
    open_.pop_back();
  }
}

void spec_builder::append(const TreeSpec& spec) {
  if (!nodes_.empty() && open_.empty()) throw value_error("spec_builder: the spec is already complete");
  // Copy the nodes with their counts as they are, then account for the subtree once.
  std::size_t base_nodes = nodes_.size();
  auto base_contexts = contexts_.size();
  checked_u32(base_nodes + spec.data_->nodes.size() + 1, "nodes");
  for (spec_node n : spec.data_->nodes) {
    if (n.context != spec_node::no_context) n.context = checked_u32(n.context + base_contexts, "contexts");
    nodes_.push_back(n);
  }
  contexts_.insert(contexts_.end(), spec.data_->contexts.begin(), spec.data_->contexts.end());
  closed(base_nodes);
}

TreeSpec spec_builder::finish() && {
  if (!complete()) throw value_error("spec_builder: the spec is incomplete");
  bool has_none = std::any_of(nodes_.begin(), nodes_.end(), [](const spec_node& n) { return n.kind == node_kind::none; });
  TreeSpec s;
  s.data_ = std::make_shared<const TreeSpec::data>(TreeSpec::data{std::move(nodes_), std::move(contexts_), has_none});
  return s;
}

//===--- TreeSpec ---===//

const std::shared_ptr<const TreeSpec::data>& TreeSpec::leaf_data() {
  static const std::shared_ptr<const data> leaf =
      std::make_shared<const data>(data{{spec_node{node_kind::leaf, 0, 1, 1, spec_node::no_context}}, {}});
  return leaf;
}

TreeSpec::TreeSpec() : data_(leaf_data()) {}

TreeSpec::TreeSpec(TreeSpec&& other) noexcept : data_(std::exchange(other.data_, leaf_data())) {}

TreeSpec& TreeSpec::operator=(TreeSpec&& other) noexcept {
  if (this != &other) data_ = std::exchange(other.data_, leaf_data());
  return *this;
}

namespace {

TreeSpec make(node_kind kind, node_context ctx, const std::vector<TreeSpec>& children) {
  spec_builder b;
  b.open(kind, children.size(), std::move(ctx));
  for (const auto& c : children) b.append(c);
  return std::move(b).finish();
}

void check_unique(const std::vector<key>& keys) {
  std::set<key> seen;
  for (const auto& k : keys)
    if (!seen.insert(k).second) throw value_error("duplicate dict key " + key_repr(k));
}

}  // namespace

TreeSpec TreeSpec::none() { return make(node_kind::none, {}, {}); }
TreeSpec TreeSpec::tuple(const std::vector<TreeSpec>& children) { return make(node_kind::tuple, {}, children); }
TreeSpec TreeSpec::list(const std::vector<TreeSpec>& children) { return make(node_kind::list, {}, children); }

TreeSpec TreeSpec::dict(std::vector<key> keys, const std::vector<TreeSpec>& children) {
  check_unique(keys);
  node_context c;
  c.keys = std::move(keys);
  return make(node_kind::dict, std::move(c), children);
}

TreeSpec TreeSpec::ordered_dict(std::vector<key> keys, const std::vector<TreeSpec>& children) {
  check_unique(keys);
  node_context c;
  c.keys = std::move(keys);
  return make(node_kind::ordered_dict, std::move(c), children);
}

TreeSpec TreeSpec::default_dict(std::string factory_module, std::string factory_name, std::vector<key> keys,
                                const std::vector<TreeSpec>& children) {
  check_unique(keys);
  node_context c;
  c.keys = std::move(keys);
  c.type_name = std::move(factory_name);
  c.type_module = std::move(factory_module);
  return make(node_kind::default_dict, std::move(c), children);
}

TreeSpec TreeSpec::deque(const std::vector<TreeSpec>& children, std::optional<std::int64_t> maxlen) {
  node_context c;
  c.maxlen = maxlen;
  return make(node_kind::deque, std::move(c), children);
}

TreeSpec TreeSpec::namedtuple(std::string type_name, std::vector<std::string> fields, const std::vector<TreeSpec>& children) {
  node_context c;
  c.type_name = std::move(type_name);
  c.fields = std::move(fields);
  return make(node_kind::namedtuple, std::move(c), children);
}

TreeSpec TreeSpec::custom(std::string type_name, std::string context_json, const std::vector<TreeSpec>& children) {
  node_context c;
  c.type_name = std::move(type_name);
  c.json = std::move(context_json);
  return make(node_kind::custom, std::move(c), children);
}

const node_context& TreeSpec::context_of(std::size_t i) const noexcept {
  std::uint32_t c = data_->nodes[i].context;
  return c == spec_node::no_context ? empty_context : data_->contexts[c];
}

const node_context& TreeSpec::context() const noexcept { return context_of(0); }

TreeSpec detail::subtree(const TreeSpec& spec, std::size_t at) {
  const auto& nodes = spec.nodes();
  std::size_t end = at + nodes[at].num_nodes;
  spec_builder b;
  for (std::size_t i = at; i < end; ++i) b.open(nodes[i].kind, nodes[i].arity, spec.context_of(i));
  return std::move(b).finish();
}

std::size_t detail::leaves_before(const TreeSpec& spec, std::size_t index) {
  // Leaves before a node: every leaf in pre-order before it. Walk from the root, skipping whole
  // subtrees that end before `index`.
  const auto& nodes = spec.nodes();
  std::size_t count = 0, i = 0;
  while (i < index) {
    if (i + nodes[i].num_nodes <= index) {
      count += nodes[i].num_leaves;
      i += nodes[i].num_nodes;
    } else {
      ++i;  // descend into the subtree that contains `index`
    }
  }
  return count;
}

TreeSpec TreeSpec::child(std::size_t i) const {
  if (i >= num_children())
    throw index_error("child index " + std::to_string(i) + " out of range for a node with " +
                      std::to_string(num_children()) + " children");
  std::size_t at = 1;
  for (std::size_t k = 0; k < i; ++k) at += data_->nodes[at].num_nodes;
  return detail::subtree(*this, at);
}

std::vector<TreeSpec> TreeSpec::children() const {
  std::vector<TreeSpec> out;
  out.reserve(num_children());
  for (std::size_t i = 0; i < num_children(); ++i) out.push_back(child(i));
  return out;
}

bool operator==(const TreeSpec& a, const TreeSpec& b) noexcept {
  if (a.data_ == b.data_) return true;  // copies of one spec
  if (a.data_->nodes.size() != b.data_->nodes.size()) return false;
  for (std::size_t i = 0; i < a.data_->nodes.size(); ++i) {
    const spec_node &x = a.data_->nodes[i], &y = b.data_->nodes[i];
    if (x.kind != y.kind || x.arity != y.arity || x.num_nodes != y.num_nodes || x.num_leaves != y.num_leaves) return false;
    if (!(a.context_of(i) == b.context_of(i))) return false;
  }
  return true;
}

namespace {

void combine(std::size_t& seed, std::size_t h) noexcept { seed ^= h + 0x9E3779B97F4A7C15ull + (seed << 6) + (seed >> 2); }

}  // namespace

std::size_t TreeSpec::hash() const noexcept {
  std::size_t seed = data_->nodes.size();
  for (std::size_t i = 0; i < data_->nodes.size(); ++i) {
    const spec_node& n = data_->nodes[i];
    combine(seed, static_cast<std::size_t>(n.kind) | (std::size_t{n.arity} << 8));
    combine(seed, n.num_leaves);
    if (n.context == spec_node::no_context) continue;
    const node_context& c = data_->contexts[n.context];
    for (const auto& k : c.keys) {
      if (const auto* iv = std::get_if<std::int64_t>(&k)) combine(seed, std::hash<std::int64_t>{}(*iv));
      else combine(seed, std::hash<std::string>{}(std::get<std::string>(k)));
    }
    combine(seed, std::hash<std::string>{}(c.type_name));
    combine(seed, std::hash<std::string>{}(c.type_module));
    for (const auto& f : c.fields) combine(seed, std::hash<std::string>{}(f));
    combine(seed, c.maxlen ? std::hash<std::int64_t>{}(*c.maxlen) : 0x5bd1e995u);
    combine(seed, std::hash<std::string>{}(c.json));
  }
  return seed;
}

namespace {

std::string keys_repr(const std::vector<key>& keys) {
  std::string s = "[";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i) s += ", ";
    s += key_repr(keys[i]);
  }
  return s + "]";
}

// The class name Python prints for a qualified name "mod.Sub.Name" (`type.__name__`).
std::string short_name(const std::string& qualified) {
  auto dot = qualified.rfind('.');
  return dot == std::string::npos ? qualified : qualified.substr(dot + 1);
}

// `str(context)` as torch prints it inside a TreeSpec repr.
std::string context_str(node_kind kind, const node_context& c) {
  switch (kind) {
    case node_kind::dict:
    case node_kind::ordered_dict: return keys_repr(c.keys);
    case node_kind::default_dict:
      return "[<class '" + (c.type_module == "builtins" ? c.type_name : c.type_module + "." + c.type_name) + "'>, " +
             keys_repr(c.keys) + "]";
    case node_kind::deque: return c.maxlen ? std::to_string(*c.maxlen) : "None";
    case node_kind::namedtuple: return "<class '" + c.type_name + "'>";
    case node_kind::custom: return c.json;
    case node_kind::leaf:
    case node_kind::none:
    case node_kind::tuple:
    case node_kind::list: return "None";
  }
  return "None";
}

std::string type_str(node_kind kind, const node_context& c) {
  if (kind == node_kind::custom) return short_name(c.type_name);
  return std::string(kind_name(kind));
}

}  // namespace

std::string TreeSpec::repr(repr_style style) const {
  std::string out;
  detail::walk_preorder(
      data_->nodes,
      [&](std::size_t i) {
        const spec_node& n = data_->nodes[i];
        if (n.kind == node_kind::leaf) {
          out += '*';
          return false;
        }
        out += "TreeSpec(";
        out += type_str(n.kind, context_of(i));
        out += ", ";
        out += context_str(n.kind, context_of(i));
        out += ", [";
        return true;
      },
      [&](std::size_t, std::size_t k, std::size_t depth) {
        if (k == 0) return;
        if (style == repr_style::torch2) {
          out += ",\n";
          out.append(2 * depth, ' ');  // torch indents children by 2 per level
        } else {
          out += ", ";
        }
      },
      [&](std::size_t) { out += "])"; });
  return out;
}

std::string treespec_pprint(const TreeSpec& spec) {
  std::string out;
  const auto& nodes = spec.nodes();
  detail::walk_preorder(
      nodes,
      [&](std::size_t i) {
        const spec_node& n = nodes[i];
        const node_context& c = spec.context_of(i);
        switch (n.kind) {
          case node_kind::leaf: out += '*'; return false;
          case node_kind::none: out += "None"; return false;
          case node_kind::tuple: out += '('; break;
          case node_kind::list: out += '['; break;
          case node_kind::dict: out += '{'; break;
          case node_kind::ordered_dict: out += "OrderedDict({"; break;
          case node_kind::default_dict: out += "defaultdict(" + c.type_name + ", {"; break;
          case node_kind::deque: out += "deque(["; break;
          case node_kind::namedtuple:
          case node_kind::custom: out += short_name(c.type_name) + "("; break;
        }
        return true;
      },
      [&](std::size_t parent, std::size_t k, std::size_t) {
        const node_context& c = spec.context_of(parent);
        if (k > 0) out += ", ";
        if (!c.keys.empty()) out += key_repr(c.keys[k]) + ": ";
        else if (nodes[parent].kind == node_kind::namedtuple) out += c.fields[k] + "=";
      },
      [&](std::size_t i) {
        const spec_node& n = nodes[i];
        const node_context& c = spec.context_of(i);
        switch (n.kind) {
          case node_kind::tuple: out += n.arity == 1 ? ",)" : ")"; break;
          case node_kind::list: out += ']'; break;
          case node_kind::dict: out += '}'; break;
          case node_kind::ordered_dict:
          case node_kind::default_dict: out += "})"; break;
          case node_kind::deque: out += c.maxlen ? "], maxlen=" + std::to_string(*c.maxlen) + ")" : "])"; break;
          case node_kind::leaf:
          case node_kind::none:
          case node_kind::namedtuple:
          case node_kind::custom: out += ')'; break;
        }
      });
  return out;
}

}  // namespace aotkit::pytree
