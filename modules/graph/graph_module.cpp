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

std::string_view to_string(attribute_kind kind) noexcept {
  switch (kind) {
    case attribute_kind::module: return "module";
    case attribute_kind::parameter: return "parameter";
    case attribute_kind::buffer: return "buffer";
    case attribute_kind::attribute: return "attribute";
  }
  return "attribute";
}

std::optional<attribute_kind> parse_attribute_kind(std::string_view text) noexcept {
  for (attribute_kind k : {attribute_kind::module, attribute_kind::parameter, attribute_kind::buffer, attribute_kind::attribute})
    if (to_string(k) == text) return k;
  return std::nullopt;
}

void GraphModule::set_attributes(std::vector<module_attribute> attributes) {
  std::unordered_map<std::string, std::size_t> index;
  index.reserve(attributes.size());
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    const std::string& name = attributes[i].name;
    if (!is_qualified_name(name))
      throw value_error("attribute name '" + quote_excerpt(name) + "' is not a dotted name of identifiers");
    if (!index.emplace(name, i).second) throw value_error("attribute '" + quote_excerpt(name) + "' given twice");
  }
  attributes_ = std::move(attributes);
  attribute_index_ = std::move(index);
  attributes_known_ = true;
}

std::optional<attribute_kind> GraphModule::attribute_at(std::string_view path) const {
  if (has_submodule(path)) return attribute_kind::module;
  auto it = attribute_index_.find(std::string(path));
  if (it == attribute_index_.end()) return std::nullopt;
  return attributes_[it->second].kind;
}

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
