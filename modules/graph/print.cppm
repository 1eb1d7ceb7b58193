// modules/graph/print.cppm — FX's textual forms (partition :print): str(graph), the generated
// Python code, and print_tabular, in current torch's style or torch 1.13's.
module;
#include <cstdint>
#include <string>
#include <string_view>
export module aotkit.graph:print;

import :arg;
import :ir;
import :graph_module;
import :profile;

export namespace aotkit::graph {

/// Which torch's printers to reproduce.
enum class print_style : std::uint8_t {
  torch2,    ///< current torch: `[num_users=N]`; nodes nobody uses free themselves in code
  torch1_13, ///< torch 1.13 (the shared oracles): `[#users=N]`
};

/// The printing style of a profile (torch 2.6 prints as the newest torch does).
[[nodiscard]] constexpr print_style print_style_of(torch_profile p) noexcept {
  return p == torch_profile::torch1_13 ? print_style::torch1_13 : print_style::torch2;
}

/// `node.format_node()`: one line of str(graph) without its indent (`%add : [num_users=1] = ...`).
[[nodiscard]] std::string format_node(const Graph& g, node_id n, print_style style = print_style::torch2);

/// `str(graph)`: `graph():` then one line per node, 4-space indented. Byte-identical to torch.fx.
[[nodiscard]] std::string graph_str(const Graph& g, print_style style = print_style::torch2);

/// `graph.python_code(root_module).src`: FX's generated `forward` (with its leading blank lines
/// and trailing 4-space line), infix operators, getattr sugar, and `;  a = b = None` frees.
[[nodiscard]] std::string python_code(const Graph& g, print_style style = print_style::torch2,
                                      std::string_view root_module = "self");

/// FX's `_BoxedCodeGen` (docs/semantics.md §D.7): `def forward(self, args_list):`, `args_iter = iter(args_list)`,
/// one `name = next(args_iter)` per placeholder, `args_list.clear()`, then the usual body.
[[nodiscard]] std::string python_code_boxed(const Graph& g, print_style style = print_style::torch2);

/// `graph.print_tabular()`: tabulate's "simple" table of opcode, name, target, args, kwargs
/// (trailing blanks trimmed).
[[nodiscard]] std::string print_tabular(const Graph& g);

}  // namespace aotkit::graph
