// modules/graph/graph_module.cppm — GraphModule (partition :graph_module): a root graph and named submodule
// graphs in one flat table, walked as FX's modules() does.
module;
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
export module aotkit.graph:graph_module;

import :ir;

export namespace aotkit::graph {

/// A root graph and named submodule graphs (HOP subgraphs, nested modules), flat: entries in
/// insertion order with their parent. `modules()` walks them as FX does: self first, then
/// depth-first in insertion order.
class GraphModule {
 public:
  explicit GraphModule(Graph root = {});
  [[nodiscard]] inline Graph& graph() noexcept { return entries_.front().graph; }
  [[nodiscard]] inline const Graph& graph() const noexcept { return entries_.front().graph; }
  /// Adds a submodule `name` under the module at `parent_path` ("" = root); returns its path.
  /// Throws aotkit::key_error for an unknown parent or a name taken there.
  std::string add_submodule(std::string_view parent_path, std::string name, Graph graph, bool impure = false);
  /// The module at dotted `path` ("" = root); throws aotkit::key_error.
  [[nodiscard]] Graph& submodule(std::string_view path);
  [[nodiscard]] const Graph& submodule(std::string_view path) const;
  [[nodiscard]] bool has_submodule(std::string_view path) const noexcept;
  /// The submodule's `_is_impure` attribute (DCE keeps call_module nodes of impure modules).
  [[nodiscard]] bool is_impure(std::string_view path) const;
  /// `named_modules()`: (path, graph) pairs, root first, depth first.
  [[nodiscard]] std::vector<std::pair<std::string, const Graph*>> named_modules() const;
  [[nodiscard]] std::vector<std::pair<std::string, Graph*>> named_modules();

 private:
  struct entry {
    std::string path;
    std::string name;
    std::size_t parent;
    bool impure;
    Graph graph;
  };
  [[nodiscard]] std::vector<std::size_t> dfs_order() const;
  [[nodiscard]] std::optional<std::size_t> find(std::string_view path) const noexcept;
  std::vector<entry> entries_;
};

}  // namespace aotkit::graph
