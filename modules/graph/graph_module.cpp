// modules/graph/graph_module.cpp — GraphModule: a root graph and named submodule graphs in one flat table,
// walked as FX's modules() does.
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
module aotkit.graph;

import aotkit.runtime;

namespace aotkit::graph {

//===--- GraphModule ---===//

GraphModule::GraphModule(Graph root) { entries_.push_back({"", "", 0, false, std::move(root)}); }

std::optional<std::size_t> GraphModule::find(std::string_view path) const noexcept {
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].path == path) return i;
  return std::nullopt;
}

std::string GraphModule::add_submodule(std::string_view parent_path, std::string name, Graph graph, bool impure) {
  auto parent = find(parent_path);
  if (!parent) throw key_error("no module '" + std::string(parent_path) + "'");
  if (name.empty() || name.find('.') != std::string::npos)
    throw key_error("module name '" + name + "' must be non-empty and have no '.'");
  std::string path = parent_path.empty() ? name : std::string(parent_path) + "." + name;
  if (find(path)) throw key_error("attribute '" + name + "' already exists in '" + std::string(parent_path) + "'");
  entries_.push_back({path, std::move(name), *parent, impure, std::move(graph)});
  return path;
}

Graph& GraphModule::submodule(std::string_view path) {
  auto i = find(path);
  if (!i) throw key_error("no module '" + std::string(path) + "'");
  return entries_[*i].graph;
}

const Graph& GraphModule::submodule(std::string_view path) const {
  auto i = find(path);
  if (!i) throw key_error("no module '" + std::string(path) + "'");
  return entries_[*i].graph;
}

bool GraphModule::has_submodule(std::string_view path) const noexcept { return find(path).has_value(); }

bool GraphModule::is_impure(std::string_view path) const {
  auto i = find(path);
  if (!i) throw key_error("no module '" + std::string(path) + "'");
  return entries_[*i].impure;
}

std::vector<std::size_t> GraphModule::dfs_order() const {
  std::vector<std::vector<std::size_t>> children(entries_.size());
  for (std::size_t i = 1; i < entries_.size(); ++i) children[entries_[i].parent].push_back(i);
  std::vector<std::size_t> order, stack{0};
  while (!stack.empty()) {
    std::size_t i = stack.back();
    stack.pop_back();
    order.push_back(i);
    for (auto it = children[i].rbegin(); it != children[i].rend(); ++it) stack.push_back(*it);
  }
  return order;
}

std::vector<std::pair<std::string, const Graph*>> GraphModule::named_modules() const {
  std::vector<std::pair<std::string, const Graph*>> out;
  for (std::size_t i : dfs_order()) out.emplace_back(entries_[i].path, &entries_[i].graph);
  return out;
}

std::vector<std::pair<std::string, Graph*>> GraphModule::named_modules() {
  std::vector<std::pair<std::string, Graph*>> out;
  for (std::size_t i : dfs_order()) out.emplace_back(entries_[i].path, &entries_[i].graph);
  return out;
}


}  // namespace aotkit::graph
