// modules/pytree/registry.cpp — the one thread-safe registry of pytree node types (custom types and
// namedtuple serialization names) and the Value ↔ tree conversions that consult it.
module;
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
module aotkit.pytree;

import aotkit.runtime;

namespace aotkit::pytree {

namespace {

struct namedtuple_entry {
  std::string type_name;
  std::vector<std::string> fields;
};

// Readers (every flatten of a registered object, every dumps/loads) vastly outnumber writers.
struct node_registry {
  std::shared_mutex mutex;
  std::map<std::string, std::shared_ptr<const node_def>, std::less<>> nodes;   // class → definition
  std::map<std::string, std::string, std::less<>> serialized;                  // serialized name → class
  std::map<std::string, std::string, std::less<>> namedtuple_name;             // class → serialized name
  std::map<std::string, namedtuple_entry, std::less<>> namedtuple_by_name;     // serialized name → class
};

node_registry& registry() {
  static node_registry r;
  return r;
}

std::string class_repr(std::string_view type_name) { return "<class '" + std::string(type_name) + "'>"; }

bool class_taken(const node_registry& r, std::string_view type_name) {
  return r.nodes.contains(type_name) || r.namedtuple_name.contains(type_name);
}

bool name_taken(const node_registry& r, std::string_view serialized) {
  return r.serialized.contains(serialized) || r.namedtuple_by_name.contains(serialized);
}

void erase_node(node_registry& r, std::string_view type_name) {
  auto it = r.nodes.find(type_name);
  if (it == r.nodes.end()) return;
  if (it->second->serialized_type_name) r.serialized.erase(*it->second->serialized_type_name);
  r.nodes.erase(it);
}

void add_node(std::string type_name, node_def def, bool overwrite) {
  if (static_cast<bool>(def.to_dumpable_context) != static_cast<bool>(def.from_dumpable_context))
    throw value_error("Both to_dumpable_context and from_dumpable_context for " + class_repr(type_name) +
                      " must be None or registered.");
  auto& r = registry();
  std::unique_lock lock(r.mutex);
  if (class_taken(r, type_name)) {
    if (!overwrite || r.namedtuple_name.contains(type_name))
      throw value_error(class_repr(type_name) + " is already registered as pytree node.");
    warn(warning_category::user_warning,
         class_repr(type_name) + " is already registered as pytree node. Overwriting the previous registration.");
    erase_node(r, type_name);
  }
  if (def.serialized_type_name && name_taken(r, *def.serialized_type_name))
    throw value_error("serialized type name '" + *def.serialized_type_name + "' is already registered");
  if (def.serialized_type_name) r.serialized.emplace(*def.serialized_type_name, type_name);
  r.nodes.emplace(std::move(type_name), std::make_shared<const node_def>(std::move(def)));
}

// torch's flatten_fn and unflatten_fn are required arguments: a type without them would flatten its
// objects as leaves, silently
void require_callbacks(std::string_view type_name, const node_def& def) {
  if (!def.flatten || !def.unflatten)
    throw value_error("register_pytree_node(" + class_repr(type_name) + "): flatten_fn and unflatten_fn are required " +
                      "(register_serializable_node names a type that only appears in specs)");
}

}  // namespace

void register_pytree_node(std::string type_name, node_def def) {
  require_callbacks(type_name, def);
  add_node(std::move(type_name), std::move(def), false);
}

void _register_pytree_node(std::string type_name, node_def def) {
  require_callbacks(type_name, def);
  add_node(std::move(type_name), std::move(def), true);
}

bool _deregister_pytree_node(std::string_view type_name) {
  auto& r = registry();
  std::unique_lock lock(r.mutex);
  bool had = r.nodes.contains(type_name);
  erase_node(r, type_name);
  return had;
}

void register_serializable_node(std::string type_name, std::string serialized_type_name) {
  node_def def;
  def.serialized_type_name = std::move(serialized_type_name);
  add_node(std::move(type_name), std::move(def), false);
}

void register_namedtuple(std::string type_name, std::vector<std::string> fields, std::string serialized_type_name) {
  // the fields checked as a spec of this class will check them, before anything is registered
  std::vector<TreeSpec> children(fields.size(), TreeSpec::leaf());
  (void)TreeSpec::namedtuple(type_name, fields, children);
  auto& r = registry();
  std::unique_lock lock(r.mutex);
  if (class_taken(r, type_name)) throw value_error(class_repr(type_name) + " is already registered as pytree node.");
  if (name_taken(r, serialized_type_name))
    throw value_error("serialized type name '" + serialized_type_name + "' is already registered");
  r.namedtuple_name.emplace(type_name, serialized_type_name);
  r.namedtuple_by_name.emplace(std::move(serialized_type_name), namedtuple_entry{std::move(type_name), std::move(fields)});
}

std::shared_ptr<const node_def> find_pytree_node(std::string_view type_name) {
  auto& r = registry();
  std::shared_lock lock(r.mutex);
  auto it = r.nodes.find(type_name);
  return it == r.nodes.end() ? nullptr : it->second;
}

std::pair<std::string, std::shared_ptr<const node_def>> find_serialized_pytree_node(std::string_view name) {
  auto& r = registry();
  std::shared_lock lock(r.mutex);
  auto it = r.serialized.find(name);
  if (it == r.serialized.end()) return {};
  return {it->second, r.nodes.find(it->second)->second};
}

std::optional<std::string> detail::namedtuple_serialized_name(std::string_view type_name) {
  auto& r = registry();
  std::shared_lock lock(r.mutex);
  auto it = r.namedtuple_name.find(type_name);
  if (it == r.namedtuple_name.end()) return std::nullopt;
  return it->second;
}

std::optional<std::pair<std::string, std::vector<std::string>>> detail::namedtuple_by_serialized_name(
    std::string_view serialized_name) {
  auto& r = registry();
  std::shared_lock lock(r.mutex);
  auto it = r.namedtuple_by_name.find(serialized_name);
  if (it == r.namedtuple_by_name.end()) return std::nullopt;
  return std::pair{it->second.type_name, it->second.fields};
}

//===--- Python objects ↔ trees ---===//

Tree<runtime::Value> tree_from_value(const runtime::Value& value, const std::function<bool(const runtime::Value&)>& is_leaf) {
  tree_builder<runtime::Value> b;
  // Each frame owns the children still to visit (flatten_fn results are temporaries).
  // `items` points into a heap buffer (a Value's or `owned`'s), which stays put when frames move.
  struct frame {
    runtime::value_list owned;
    const runtime::Value* items;
    std::size_t size, next;
  };
  std::vector<frame> stack;
  auto visit = [&](const runtime::Value& v) {
    if (is_leaf && is_leaf(v)) {
      b.leaf(v);
    } else if (v.is_none()) {
      b.none();
    } else if (v.is_sequence()) {
      b.open(v.is_list() ? node_kind::list : node_kind::tuple, v.items().size());
      if (!v.items().empty()) stack.push_back({{}, v.items().data(), v.items().size(), 0});
    } else if (std::shared_ptr<const node_def> def; v.is_object() && (def = find_pytree_node(v.to_object()->type_name())) && def->flatten) {
      auto [children, context] = def->flatten(v);
      node_context c;
      c.type_name = v.to_object()->type_name();
      c.json = std::move(context);
      b.open(node_kind::custom, children.size(), std::move(c));
      if (!children.empty()) {
        stack.push_back({std::move(children), nullptr, 0, 0});
        stack.back().items = stack.back().owned.data();
        stack.back().size = stack.back().owned.size();
      }
    } else {
      b.leaf(v);
    }
  };
  visit(value);
  while (!stack.empty()) {
    frame& f = stack.back();
    if (f.next == f.size) {
      stack.pop_back();
      continue;
    }
    const runtime::Value& child = f.items[f.next++];
    visit(child);  // may push and move frames; `child` stays put
  }
  return std::move(b).finish();
}

runtime::Value tree_to_value(const Tree<runtime::Value>& tree) {
  const TreeSpec& spec = tree.structure();
  const auto& nodes = spec.nodes();
  struct frame {
    std::size_t node;
    runtime::value_list children;
  };
  std::vector<frame> stack;
  std::size_t leaf = 0;
  runtime::Value result;
  auto build = [&](std::size_t node, runtime::value_list children) -> runtime::Value {
    const spec_node& n = nodes[node];
    if (n.kind == node_kind::list) return runtime::Value::list(std::move(children));
    if (n.kind == node_kind::tuple) return runtime::Value::tuple(std::move(children));
    const node_context& c = spec.context_of(node);
    auto def = find_pytree_node(c.type_name);
    if (!def || !def->unflatten)
      throw type_error("no unflatten_fn registered for " + class_repr(c.type_name) + " (node " + std::to_string(node) + ")");
    return def->unflatten(std::move(children), c.json);
  };
  // Hands a finished value to its parent, closing every parent it completes.
  auto deliver = [&](runtime::Value v) {
    while (!stack.empty()) {
      frame& f = stack.back();
      f.children.push_back(std::move(v));
      if (f.children.size() < nodes[f.node].arity) return;
      frame done = std::move(f);
      stack.pop_back();
      v = build(done.node, std::move(done.children));
    }
    result = std::move(v);
  };
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const spec_node& n = nodes[i];
    switch (n.kind) {
      case node_kind::leaf: deliver(tree.leaves()[leaf++]); break;
      case node_kind::none: deliver(runtime::Value()); break;
      case node_kind::tuple:
      case node_kind::list:
      case node_kind::custom:
        if (n.arity == 0) deliver(build(i, {}));
        else stack.push_back({i, {}});
        break;
      case node_kind::dict:
      case node_kind::ordered_dict:
      case node_kind::default_dict:
      case node_kind::deque:
      case node_kind::namedtuple:
        throw type_error("a " + std::string(kind_name(n.kind)) + " node (node " + std::to_string(i) +
                         ") has no runtime::Value counterpart; use Tree<runtime::Value>");
    }
  }
  return result;
}

std::pair<runtime::value_list, TreeSpec> tree_flatten(const runtime::Value& value, none_is none) {
  return tree_flatten(tree_from_value(value), none);
}

runtime::Value tree_unflatten_value(runtime::value_list leaves, const TreeSpec& spec) {
  return tree_to_value(tree_unflatten(std::move(leaves), spec));
}

}  // namespace aotkit::pytree
