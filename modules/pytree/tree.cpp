// modules/pytree/tree.cpp — the non-template parts of tree values: messages, key paths, and the
// None-as-leaf rewrite of a structure. All walks are loops over the pre-order node array.
module;
#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
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

// The key entries of a custom node's children, from its registered flatten_with_keys_fn.
KeyPath custom_keys(const TreeSpec& spec, std::size_t node) {
  const node_context& c = spec.context_of(node);
  auto def = find_pytree_node(c.type_name);
  if (!def || !def->child_keys)
    throw value_error("Did not find a flatten_with_keys_fn for type: <class '" + c.type_name +
                      "'>. Please pass a flatten_with_keys_fn argument to register_pytree_node.");
  KeyPath keys = def->child_keys(c.json, spec.nodes()[node].arity);
  if (keys.size() != spec.nodes()[node].arity)
    throw value_error("flatten_with_keys_fn for <class '" + c.type_name + "'> gave " + std::to_string(keys.size()) +
                      " keys for " + std::to_string(spec.nodes()[node].arity) + " children");
  return keys;
}

// The key entry of child `child` of `node`; `custom` holds custom_keys(node) for custom nodes.
KeyEntry entry_for(const TreeSpec& spec, std::size_t node, std::size_t child, const KeyPath& custom) {
  const spec_node& n = spec.nodes()[node];
  const node_context& c = spec.context_of(node);
  switch (n.kind) {
    case node_kind::dict:
    case node_kind::ordered_dict:
    case node_kind::default_dict: return MappingKey{c.keys[child]};
    case node_kind::namedtuple: return GetAttrKey{c.fields[child]};
    case node_kind::custom: return custom[child];
    case node_kind::leaf:
    case node_kind::none:
    case node_kind::tuple:
    case node_kind::list:
    case node_kind::deque: return SequenceKey{child};
  }
  return SequenceKey{child};
}

}  // namespace

std::vector<KeyPath> leaf_paths(const TreeSpec& spec) {
  std::vector<KeyPath> out;
  out.reserve(spec.num_leaves());
  const auto& nodes = spec.nodes();
  std::vector<KeyPath> custom;  // the custom keys of every entered node (empty for built-in kinds)
  KeyPath path;
  KeyEntry entry;  // the key of the node about to open, from its parent
  detail::walk_preorder(
      nodes,
      [&](std::size_t i) {
        if (nodes[i].kind == node_kind::leaf) {
          if (i == 0) {  // the whole tree is one leaf, at the empty path
            out.emplace_back();
            return false;
          }
          path.push_back(std::move(entry));
          out.push_back(path);
          path.pop_back();
          return false;
        }
        if (i != 0) {
          if (nodes[i].arity == 0) return false;  // an empty container holds no leaf
          path.push_back(std::move(entry));
        }
        custom.push_back(nodes[i].kind == node_kind::custom ? custom_keys(spec, i) : KeyPath{});
        return true;
      },
      [&](std::size_t parent, std::size_t k, std::size_t) { entry = entry_for(spec, parent, k, custom.back()); },
      [&](std::size_t) {
        custom.pop_back();
        if (!path.empty()) path.pop_back();
      });
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
    if (n.kind == node_kind::custom) {
      KeyPath keys = custom_keys(spec, at);
      for (std::size_t i = 0; i < keys.size(); ++i)
        if (keys[i] == e) child = i;
      if (child == n.arity) throw key_error(where() + ": no such child of " + type_repr_of(spec, at));
    } else if (const auto* q = std::get_if<SequenceKey>(&e)) {
      if (!traits_of(n.kind).sequence)
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

std::string type_repr_of(const TreeSpec& spec, std::size_t node) {
  const spec_node& n = spec.nodes()[node];
  switch (n.kind) {
    case node_kind::ordered_dict: return "<class 'collections.OrderedDict'>";
    case node_kind::default_dict: return "<class 'collections.defaultdict'>";
    case node_kind::deque: return "<class 'collections.deque'>";
    case node_kind::namedtuple:
    case node_kind::custom: return "<class '" + spec.context_of(node).type_name + "'>";
    case node_kind::leaf: return "a leaf";
    case node_kind::none:
    case node_kind::tuple:
    case node_kind::list:
    case node_kind::dict: return "<class '" + std::string(kind_name(n.kind)) + "'>";
  }
  return "<class '" + std::string(kind_name(n.kind)) + "'>";
}

namespace {

// Python's repr of a set of keys, sorted for a stable message (Python's own order is a hash order).
std::string key_set_repr(std::vector<key> keys) {
  if (keys.empty()) return "set()";
  std::sort(keys.begin(), keys.end());
  std::string s = "{";
  for (std::size_t i = 0; i < keys.size(); ++i) s += (i ? ", " : "") + key_repr(keys[i]);
  return s + "}";
}

std::vector<std::size_t> child_starts(const TreeSpec& spec, std::size_t node) {
  std::vector<std::size_t> starts;
  const auto& nodes = spec.nodes();
  for (std::size_t c = node + 1, j = 0; j < nodes[node].arity; ++j, c += nodes[c].num_nodes) starts.push_back(c);
  return starts;
}

}  // namespace

std::vector<std::size_t> flatten_up_to_nodes(const TreeSpec& spec, const TreeSpec& tree) {
  std::vector<std::size_t> out;
  std::vector<std::pair<std::size_t, std::size_t>> work{{0, 0}};  // (spec node, tree node)
  const auto& sn = spec.nodes();
  const auto& tn = tree.nodes();
  while (!work.empty()) {
    auto [s, t] = work.back();
    work.pop_back();
    if (sn[s].kind == node_kind::leaf) {
      out.push_back(t);
      continue;
    }
    bool same_kind = sn[s].kind == tn[t].kind || (traits_of(sn[s].kind).keyed && traits_of(tn[t].kind).keyed);
    if (!same_kind)
      throw value_error("Node type mismatch; expected " + type_repr_of(spec, s) + ", but got " + type_repr_of(tree, t) + ".");
    if (sn[s].arity != tn[t].arity)
      throw value_error("Node arity mismatch; expected " + std::to_string(sn[s].arity) + ", but got " +
                        std::to_string(tn[t].arity) + ".");
    const node_context& sc = spec.context_of(s);
    const node_context& tc = tree.context_of(t);
    std::vector<std::size_t> spec_children = child_starts(spec, s), tree_children = child_starts(tree, t);
    std::vector<std::size_t> order(tree_children.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    if (traits_of(sn[s].kind).keyed) {
      std::vector<key> missing, extra;
      for (const auto& k : sc.keys)
        if (std::find(tc.keys.begin(), tc.keys.end(), k) == tc.keys.end()) missing.push_back(k);
      for (const auto& k : tc.keys)
        if (std::find(sc.keys.begin(), sc.keys.end(), k) == sc.keys.end()) extra.push_back(k);
      if (!missing.empty() || !extra.empty())
        throw value_error("Node keys mismatch; missing key(s): " + key_set_repr(missing) + "; extra key(s): " +
                          key_set_repr(extra) + ".");
      for (std::size_t j = 0; j < sc.keys.size(); ++j)
        order[j] = static_cast<std::size_t>(std::find(tc.keys.begin(), tc.keys.end(), sc.keys[j]) - tc.keys.begin());
    } else if (sn[s].kind == node_kind::namedtuple && sc.type_name != tc.type_name) {
      throw value_error("Node context mismatch for node type " + type_repr_of(spec, s) + "; expected <class '" +
                        sc.type_name + "'>, but got <class '" + tc.type_name + "'>.");
    } else if (sn[s].kind == node_kind::custom && (sc.type_name != tc.type_name || sc.json != tc.json)) {
      throw value_error("Node context mismatch for custom node type " + type_repr_of(spec, s) + ".");
    }
    for (std::size_t j = spec_children.size(); j-- > 0;) work.emplace_back(spec_children[j], tree_children[order[j]]);
  }
  return out;
}

void PytreeThunk::set(const TreeSpec& spec) {
  if (spec_ && !(*spec_ == spec))
    throw assertion_error("spec mismatch: existing=" + spec_->repr() + ", new=" + spec.repr());
  spec_ = spec;
  const auto& nodes = spec.nodes();
  if (spec.kind() == node_kind::tuple || spec.kind() == node_kind::list) {
    bool all_leaves = true;
    for (std::size_t c = 1, j = 0; j < nodes[0].arity; ++j, c += nodes[c].num_nodes) all_leaves &= nodes[c].kind == node_kind::leaf;
    if (all_leaves) is_simple_ = true;
  }
  if (spec.is_leaf()) is_really_simple_ = true;
}

std::pair<flat_fn, std::shared_ptr<PytreeThunk>> create_tree_flattened_fn(
    std::function<Tree<runtime::Value>(const Tree<runtime::Value>&, const Tree<runtime::Value>&)> fn,
    const Tree<runtime::Value>& args, const Tree<runtime::Value>& kwargs) {
  using T = Tree<runtime::Value>;
  TreeSpec tensor_args_spec = tree_structure(T::tuple({args, kwargs}));
  auto out_spec = std::make_shared<PytreeThunk>();
  flat_fn flat = [fn = std::move(fn), tensor_args_spec, out_spec](const runtime::value_list& flat_args) {
    T both = tree_unflatten(flat_args, tensor_args_spec);
    T result = fn(both.child(0), both.child(1));
    auto [flat_out, spec] = tree_flatten(result);
    for (const runtime::Value& leaf : flat_out) check_known_output_type(leaf);
    out_spec->set(spec);
    return flat_out;
  };
  return {std::move(flat), out_spec};
}

void check_known_output_type(const runtime::Value& leaf) {
  // KNOWN_TYPES: Tensor, BackwardState, int, str, float, bool, NoneType, the Sym types and script
  // objects; of runtime::Value's kinds only an opaque object is none of them (lists and tuples are
  // nodes, never leaves of a flattened output)
  if (!leaf.is_object()) return;
  throw runtime_error("Found " + leaf.type_repr() +
                      " in output, which is not a known type. If this type holds tensors, you need to register a "
                      "pytree for it. See https://github.com/pytorch/functorch/issues/475 for a brief explanation "
                      "why. If you don't need to register a pytree, please leave a comment explaining your use case "
                      "and we'll make this more ergonomic to deal with");
}

std::pair<runtime::Callable, std::shared_ptr<PytreeThunk>> create_tree_flattened_fn(const runtime::Callable& fn,
                                                                                   const Tree<runtime::Value>& args,
                                                                                   const Tree<runtime::Value>& kwargs) {
  using T = Tree<runtime::Value>;
  if (kwargs.structure().num_leaves() != 0 || kwargs.num_children() != 0)
    throw value_error("create_tree_flattened_fn: a runtime::Callable takes no keyword arguments");
  auto [inner, out_spec] = create_tree_flattened_fn(
      [fn](const T& a, const T&) {
        // fn(*args): each child of args is one positional argument, as a Value
        runtime::value_list positional;
        for (std::size_t i = 0; i < a.num_children(); ++i) positional.push_back(tree_to_value(a.child(i)));
        return tree_from_value(fn(positional));
      },
      args, kwargs);
  // "Can't use functools.wraps here because the wrapper has different calling convention"
  runtime::Callable flat("flat_fn", [inner = std::move(inner)](std::span<const runtime::Value> flat_args) {
    return runtime::Value::list(inner(runtime::value_list(flat_args.begin(), flat_args.end())));
  });
  flat.info().qualname = "create_tree_flattened_fn.<locals>.flat_fn";
  if (auto it = fn.info().dict.find("_orig_mod"); it != fn.info().dict.end()) flat.info().dict.emplace("_orig_mod", it->second);
  return {std::move(flat), std::move(out_spec)};
}

}  // namespace aotkit::pytree
