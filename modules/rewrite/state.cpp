// modules/rewrite/state.cpp — module state, the global buffer-registration hook table (a mutex and
// stable ids), the export-time buffer hook, and maybe_to_fresh_input.
module;
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>
module aotkit.rewrite;

import aotkit.runtime;
import aotkit.graph;

namespace aotkit::rewrite {

namespace {

struct hook_table {
  std::mutex mutex;
  std::uint64_t next = 1;
  std::map<std::uint64_t, buffer_registration_hook> hooks;  // id order = registration order
};

hook_table& hooks() {
  static hook_table t;
  return t;
}

}  // namespace

void module_state::register_parameter(std::string name, runtime::Value value) {
  parameters_.emplace_back(std::move(name), std::move(value));
}

void module_state::register_buffer(std::string name, runtime::Value value) {
  std::vector<buffer_registration_hook> snapshot;
  {
    auto& t = hooks();
    std::scoped_lock lock(t.mutex);
    for (const auto& [id, h] : t.hooks) snapshot.push_back(h);
  }
  for (const auto& h : snapshot)  // outside the lock: a hook may register buffers or hooks itself
    if (auto replaced = h(*this, name, value)) value = std::move(*replaced);
  for (auto& [k, v] : buffers_)
    if (k == name) {
      v = std::move(value);
      return;
    }
  buffers_.emplace_back(std::move(name), std::move(value));
}

module_state& module_state::submodule(std::string_view name) {
  for (auto& [k, m] : children_)
    if (k == name) return *m;
  children_.emplace_back(std::string(name), std::make_unique<module_state>());
  return *children_.back().second;
}

std::vector<std::pair<std::string, runtime::Value>> module_state::state_dict() const {
  std::vector<std::pair<std::string, runtime::Value>> out;
  struct frame {
    const module_state* m;
    std::string prefix;
  };
  std::vector<frame> stack{{this, ""}};
  while (!stack.empty()) {
    frame f = std::move(stack.back());
    stack.pop_back();
    for (const auto& [k, v] : f.m->parameters_) out.emplace_back(f.prefix + k, v);
    for (const auto& [k, v] : f.m->buffers_) out.emplace_back(f.prefix + k, v);
    for (auto it = f.m->children_.rbegin(); it != f.m->children_.rend(); ++it)
      stack.push_back({it->second.get(), f.prefix + it->first + "."});
  }
  return out;
}

hook_handle& hook_handle::operator=(hook_handle&& o) noexcept {
  if (this != &o) {
    remove();
    id_ = std::exchange(o.id_, 0);
  }
  return *this;
}

void hook_handle::remove() noexcept {
  if (id_ == 0) return;
  auto& t = hooks();
  std::scoped_lock lock(t.mutex);
  t.hooks.erase(id_);
  id_ = 0;
}

hook_handle register_module_buffer_registration_hook(buffer_registration_hook hook) {
  auto& t = hooks();
  std::scoped_lock lock(t.mutex);
  std::uint64_t id = t.next++;
  t.hooks.emplace(id, std::move(hook));
  return hook_handle(id);
}

hook_handle register_buffer_assignment_hook(module_state& mod, std::unordered_map<std::string, std::string>& assigned_buffers,
                                            const proxy_tracer* tracer) {
  return register_module_buffer_registration_hook(
      [&mod, &assigned_buffers, tracer](module_state& m, std::string_view name,
                                        const runtime::Value& buffer) -> std::optional<runtime::Value> {
        if (&m != &mod) return std::nullopt;  // only the root's own buffer table
        if (!buffer.is_tensor()) throw assertion_error("expected FakeTensor, got " + buffer.type_repr());
        if (!tracer) throw assertion_error("proxy_mode must not be None");
        auto it = tracer->tensor_to_node.find(buffer.to_tensor().impl().get());
        if (it == tracer->tensor_to_node.end()) {
          // get_proxy_slot's RuntimeError (torch 2.6's text, no space before "is"; id() is the
          // tensor's address)
          throw runtime_error(buffer.repr() + " (" +
                              std::to_string(reinterpret_cast<std::uintptr_t>(buffer.to_tensor().impl().get())) +
                              ")is not tracked with proxy for <torch.fx.experimental.proxy_tensor.PythonKeyTracer object>");
        }
        assigned_buffers[std::string(name)] = it->second;
        return std::nullopt;
      });
}

module_state* root_module_when_exporting_non_strict(const export_flat_fn& flat_fn) noexcept { return flat_fn.export_root; }

module_state* root_module_when_exporting_non_strict(const runtime::Callable& flat_fn) noexcept {
  auto it = flat_fn.info().dict.find("_orig_mod");
  if (it == flat_fn.info().dict.end() || !it->second.is_object()) return nullptr;
  const auto* wrapper = dynamic_cast<const export_wrapper*>(it->second.to_object().get());
  return wrapper ? wrapper->export_root() : nullptr;
}

fresh_input maybe_to_fresh_input_kind(std::size_t idx, const mutation_meta& meta) {
  if (std::find(meta.mutated_inp_runtime_indices.begin(), meta.mutated_inp_runtime_indices.end(), idx) ==
      meta.mutated_inp_runtime_indices.end())
    return fresh_input::unchanged;
  if (idx >= meta.inputs.size()) throw index_error("list index out of range");
  const input_info& info = meta.inputs[idx];
  if (info.requires_grad && info.mutates_data) return fresh_input::clone;
  if (info.mutates_metadata) return fresh_input::view;
  return fresh_input::unchanged;
}

graph::node_id maybe_to_fresh_input(graph::Graph& g, std::size_t idx, graph::node_id t, const mutation_meta& meta) {
  using namespace aotkit::graph;
  fresh_input kind = maybe_to_fresh_input_kind(idx, meta);
  if (kind == fresh_input::unchanged) return t;
  // after the last placeholder, so the new node precedes every computation
  node_id anchor = t;
  for (node_id p : g.find_nodes(node_op::placeholder)) anchor = p;
  node_id fresh;
  {
    auto guard = g.inserting_after(anchor);
    if (kind == fresh_input::clone) {
      fresh = g.call_function("aten.clone.default", {arg::node(t)});
    } else {
      const auto& tm = g.node(t).meta().tensor_meta;
      std::optional<arg> shape;
      if (tm && tm->kind() == arg_kind::dict)
        for (const auto& [k, v] : tm->entries())
          if (k.kind() == arg_kind::string && k.text() == "shape") shape = v;
      fresh = shape ? g.call_function("aten.view.default", {arg::node(t), *shape})
                    : g.call_function("aten.alias.default", {arg::node(t)});
    }
  }
  g.replace_all_uses_with(t, fresh, [&](node_id u) { return u != fresh; });
  return fresh;
}

}  // namespace aotkit::rewrite
