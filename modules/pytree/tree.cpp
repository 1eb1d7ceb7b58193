// modules/pytree/tree.cpp — the non-template parts of tree values: messages, key paths, and the
// None-as-leaf rewrite of a structure. All walks are loops over the pre-order node array.
module;
#include <cstddef>
#include <string>
#include <utility>
#include <variant>
#include <vector>
module aotkit.pytree;

import aotkit.runtime;

namespace aotkit::pytree {

std::string unflatten_count_message(std::size_t got, const TreeSpec& spec) {
  return "treespec.unflatten(leaves): `leaves` has length " + std::to_string(got) +
         " but the spec refers to a pytree that holds " + std::to_string(spec.num_leaves()) + " items (" + spec.repr() +
         ").";
}

TreeSpec detail::none_as_leaves(const TreeSpec& spec, std::vector<std::size_t>& none_leaf_positions) {
  spec_builder b;
  std::size_t leaves = 0;
  const auto& nodes = spec.nodes();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const spec_node& n = nodes[i];
    if (n.kind == node_kind::none) {
      none_leaf_positions.push_back(leaves++);
      b.leaf();
    } else if (n.kind == node_kind::leaf) {
      ++leaves;
      b.leaf();
    } else {
      b.open(n.kind, n.arity, spec.context_of(i));
    }
  }
  return std::move(b).finish();
}

std::string keystr(const KeyPath& path) {
  std::string s;
  for (const auto& e : path) {
    if (const auto* q = std::get_if<SequenceKey>(&e)) s += "[" + std::to_string(q->idx) + "]";
    else if (const auto* m = std::get_if<MappingKey>(&e)) s += "[" + key_repr(m->k) + "]";
    else s += "." + std::get<GetAttrKey>(e).name;
  }
  return s;
}

namespace {

KeyEntry entry_for(const TreeSpec& spec, std::size_t node, std::size_t child) {
  const spec_node& n = spec.nodes()[node];
  const node_context& c = spec.context_of(node);
  switch (n.kind) {
    case node_kind::dict:
    case node_kind::ordered_dict:
    case node_kind::default_dict: return MappingKey{c.keys[child]};
    case node_kind::namedtuple: return GetAttrKey{c.fields[child]};
    case node_kind::custom:
      throw value_error("Did not find a flatten_with_keys_fn for type: <class '" + c.type_name +
                        "'>. Please pass a flatten_with_keys_fn argument to register_pytree_node.");
    default: return SequenceKey{child};
  }
}

}  // namespace

std::vector<KeyPath> leaf_paths(const TreeSpec& spec) {
  std::vector<KeyPath> out;
  out.reserve(spec.num_leaves());
  const auto& nodes = spec.nodes();
  struct frame {
    std::size_t node, next, done;
  };
  std::vector<frame> stack;
  KeyPath path;
  if (nodes[0].kind == node_kind::leaf) {
    out.emplace_back();
    return out;
  }
  stack.push_back({0, 1, 0});
  while (!stack.empty()) {
    frame& f = stack.back();
    if (f.done == nodes[f.node].arity) {
      stack.pop_back();
      if (!path.empty()) path.pop_back();
      continue;
    }
    std::size_t child = f.next, index = f.done++;
    f.next += nodes[child].num_nodes;
    KeyEntry e = entry_for(spec, f.node, index);
    if (nodes[child].kind == node_kind::leaf) {
      path.push_back(std::move(e));
      out.push_back(path);
      path.pop_back();
    } else if (nodes[child].arity > 0) {
      path.push_back(std::move(e));
      stack.push_back({child, child + 1, 0});  // may invalidate f
    }
  }
  return out;
}

std::size_t node_at(const TreeSpec& spec, const KeyPath& path) {
  const auto& nodes = spec.nodes();
  std::size_t at = 0;
  for (std::size_t step = 0; step < path.size(); ++step) {
    const spec_node& n = nodes[at];
    const node_context& c = spec.context_of(at);
    const KeyEntry& e = path[step];
    std::size_t child = n.arity;
    auto where = [&] { return "key path " + keystr(KeyPath(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(step + 1))); };
    if (const auto* q = std::get_if<SequenceKey>(&e)) {
      if (n.kind != node_kind::tuple && n.kind != node_kind::list && n.kind != node_kind::deque)
        throw key_error(where() + ": a " + std::string(kind_name(n.kind)) + " is not indexed by position");
      if (q->idx >= n.arity) throw index_error(where() + ": index out of range for " + std::to_string(n.arity) + " children");
      child = q->idx;
    } else if (const auto* m = std::get_if<MappingKey>(&e)) {
      for (std::size_t i = 0; i < c.keys.size(); ++i)
        if (c.keys[i] == m->k) child = i;
      if (child == n.arity) throw key_error(where() + ": no such key");
    } else {
      const auto& name = std::get<GetAttrKey>(e).name;
      for (std::size_t i = 0; i < c.fields.size(); ++i)
        if (c.fields[i] == name) child = i;
      if (child == n.arity) throw key_error(where() + ": no such attribute");
    }
    std::size_t next = at + 1;
    for (std::size_t k = 0; k < child; ++k) next += nodes[next].num_nodes;
    at = next;
  }
  return at;
}

}  // namespace aotkit::pytree
