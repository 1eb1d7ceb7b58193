// modules/graph/graph_module.cppm — GraphModule (partition :graph_module): a root graph and named submodule
// graphs in one flat table, walked as FX's modules() does.
module;
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
export module aotkit.graph:graph_module;

import :ir;

export namespace aotkit::graph {

/// What a module attribute holds (fx-json/2 "attributes"), as FX's lint tells them apart.
enum class attribute_kind : std::uint8_t {
  module,     ///< an nn.Module (call_module may target it)
  parameter,  ///< an nn.Parameter
  buffer,     ///< a registered buffer
  attribute,  ///< anything else (a plain tensor, a constant): get_attr of it draws FX's warning
};

/// "module", "parameter", "buffer", "attribute"; parse_attribute_kind reads them back.
[[nodiscard]] std::string_view to_string(attribute_kind kind) noexcept;
[[nodiscard]] std::optional<attribute_kind> parse_attribute_kind(std::string_view text) noexcept;

/// One attribute of the owning module, by dotted path from the root.
struct module_attribute {
  std::string name;         ///< "layer1.0.conv1.weight"
  attribute_kind kind = attribute_kind::attribute;
  std::string type;         ///< Python's qualified type name ("torch.nn.modules.conv.Conv2d"); may be empty
  bool persistent = true;   ///< buffers: in the state_dict
  friend bool operator==(const module_attribute&, const module_attribute&) = default;
};

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

  /// The owning module's attributes, when known (fx-json/2 carries them; a graph read from
  /// fx-json/1 or built in C++ has none, and lint then knows only the submodule graphs).
  [[nodiscard]] bool attributes_known() const noexcept { return attributes_known_; }
  [[nodiscard]] std::span<const module_attribute> attributes() const noexcept { return attributes_; }
  /// Replaces the attribute list (and makes it known). Throws aotkit::value_error for a name that
  /// is not a dotted name of identifiers, or one given twice.
  void set_attributes(std::vector<module_attribute> attributes);
  /// The attribute at dotted `path`: a recorded one, or a submodule graph (kind module); none.
  [[nodiscard]] std::optional<attribute_kind> attribute_at(std::string_view path) const;

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
  std::vector<module_attribute> attributes_;
  std::unordered_map<std::string, std::size_t> attribute_index_;
  bool attributes_known_ = false;
};

}  // namespace aotkit::graph
