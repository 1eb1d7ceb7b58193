// tools/aotkit/graph_commands.cpp — `aotkit graph ...`: print, code, lint, dce, stats and convert
// over fx-json/1 files.
#include <chrono>
#include <cstddef>
#include <ostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"

import aotkit;

#include "fx_io.hpp"  // after the import: it uses aotkit.graph

namespace aotkit::cli {

namespace {

// --style names the printer; without it, --torch's profile decides
graph::print_style style_of(const invocation& inv) {
  if (!inv.has("style")) return graph::print_style_of(profile_of(inv));
  if (inv.has("torch")) throw usage_failure("--style and --torch: give one (--torch 1.13 prints as --style torch1.13)");
  return option_choice(inv, "style", {"torch2", "torch1.13"}, "torch2") == "torch2" ? graph::print_style::torch2
                                                                                   : graph::print_style::torch1_13;
}

const option_spec style_option{"style", "S", "printing style: torch2 (default) or torch1.13 (the shared oracles)"};

}  // namespace

int run_dce(const invocation& inv, const io& io, dce_report report) {
  auto doc = read_graph(inv, io);
  std::vector<std::string> removed;
  {
    auto dce = phase(io, "eliminate_dead_code");
    graph::eliminate_dead_code(doc.module, &removed, profile_of(inv));
  }
  write_graph(doc, io);
  if (report == dce_report::names)
    for (const auto& n : removed) io.err << n << '\n';
  else
    io.err << "removed " << removed.size() << " nodes\n";
  return ok;
}

void add_graph_commands(registry& reg) {
  reg.groups.push_back({"graph", "FX graphs in fx-json/1: print, code, lint, dce, stats, convert"});
  reg.commands.push_back({
      .group = "graph",
      .name = "print",
      .summary = "print str(graph) (or the print_tabular table)",
      .description = "Prints the root graph as torch.fx's str(graph) does, byte for byte, in the chosen style;\n"
                     "--tabular prints graph.print_tabular()'s table instead.",
      .options = {style_option, torch_option, {"tabular", "", "print_tabular's table"}},
      .run =
          [](const invocation& inv, const io& io) {
            auto doc = read_graph(inv, io);
            auto printing = phase(io, "print");
            if (inv.has("tabular")) io.out << graph::print_tabular(doc.module.graph());
            else io.out << graph::graph_str(doc.module.graph(), style_of(inv)) << '\n';
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "graph",
      .name = "code",
      .summary = "print the Python code FX generates (python_code)",
      .description = "Prints graph.python_code(\"self\").src of the root graph; --boxed prints the boxed\n"
                     "calling convention's code (_BoxedCodeGen).",
      .options = {style_option, torch_option, {"boxed", "", "the boxed code generator's form"}},
      .run =
          [](const invocation& inv, const io& io) {
            auto doc = read_graph(inv, io);
            const auto& g = doc.module.graph();
            auto printing = phase(io, "python_code");
            io.out << (inv.has("boxed") ? graph::python_code_boxed(g, style_of(inv)) : graph::python_code(g, style_of(inv)))
                   << '\n';
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "graph",
      .name = "lint",
      .summary = "check every graph; exit 1 listing the problems",
      .description = "Runs FX's lint checks (and the arena's use-list invariants) on the root graph and\n"
                     "every submodule. Prints 'ok' and exits 0 when clean; otherwise prints one problem per\n"
                     "line, prefixed by the module path, and exits 1. Torch 2.6 and the newest torch lint alike.",
      .options = {torch_option},
      .run =
          [](const invocation& inv, const io& io) {
            auto doc = read_graph(inv, io);
            auto linting = phase(io, "lint");
            std::size_t count = 0;
            for (const auto& [path, g] : std::as_const(doc.module).named_modules()) {
              for (const auto& p : graph::lint_problems(*g)) {
                io.out << (path.empty() ? "<root>" : path) << ": " << p << '\n';
                ++count;
              }
            }
            if (count == 0) {
              try {
                graph::lint(doc.module);  // owning-module checks (call_module targets)
              } catch (const aotkit::error& e) {
                io.out << "<root>: " << e.what() << '\n';
                return 1;
              }
              io.out << "ok\n";
              return int{ok};
            }
            return 1;
          },
  });
  reg.commands.push_back({
      .group = "graph",
      .name = "dce",
      .summary = "eliminate dead code; fx-json/1 on stdout, removed names on stderr",
      .description = "Runs eliminate_dead_code on every graph with --torch's impurity rules (torch 2.6 removes\n"
                     "an unused prims._sink_tokens and keeps seeded random ops only when used; the newest\n"
                     "torch keeps both) and writes the result as fx-json/1; the removed node names go to\n"
                     "stderr, one per line.",
      .options = {torch_option},
      .run = [](const invocation& inv, const io& io) { return run_dce(inv, io, dce_report::names); },
  });
  reg.commands.push_back({
      .group = "graph",
      .name = "stats",
      .summary = "node and op counts, call_function targets, meta key counts",
      .description = "Prints, for the root graph: the node count, counts per opcode, the call_function\n"
                     "targets by count, and how many nodes carry each meta key; --json for one JSON object.",
      .options = {{"json", "", "one JSON object instead of text"}},
      .run =
          [](const invocation& inv, const io& io) {
            auto t0 = std::chrono::steady_clock::now();
            auto doc = read_graph(inv, io);
            auto counting = phase(io, "count");
            const auto& g = doc.module.graph();
            std::map<std::string, std::size_t> ops, targets, meta;
            for (graph::node_id n = g.first(); n != graph::no_node; n = g.node(n).next()) {
              const auto& node = g.node(n);
              ++ops[std::string(graph::to_string(node.op()))];
              if (node.op() == graph::node_op::call_function) ++targets[node.target()];
              for (const auto& k : node.meta().keys()) ++meta[k];
            }
            double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            auto object = [](const std::map<std::string, std::size_t>& m) {
              std::string s = "{";
              for (const auto& [k, v] : m) s += (s.size() > 1 ? ", " : "") + runtime::json_string(k) + ": " + std::to_string(v);
              return s + "}";
            };
            if (inv.has("json")) {
              io.out << "{\"name\": " << runtime::json_string(doc.name) << ", \"num_nodes\": " << g.size()
                     << ", \"op_counts\": " << object(ops) << ", \"targets\": " << object(targets)
                     << ", \"meta_key_counts\": " << object(meta)
                     << ", \"submodules\": " << doc.module.named_modules().size() - 1 << ", \"seconds\": " << secs << "}\n";
              return int{ok};
            }
            io.out << "graph: " << (doc.name.empty() ? "<unnamed>" : doc.name) << "\nnodes: " << g.size() << '\n';
            io.out << "ops:\n";
            for (const auto& [k, v] : ops) io.out << "  " << k << ": " << v << '\n';
            io.out << "call_function targets:\n";
            for (const auto& [k, v] : targets) io.out << "  " << k << ": " << v << '\n';
            io.out << "meta keys:\n";
            for (const auto& [k, v] : meta) io.out << "  " << k << ": " << v << '\n';
            io.out << "submodules: " << doc.module.named_modules().size() - 1 << '\n';
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "graph",
      .name = "convert",
      .summary = "read and rewrite fx-json/1 (normalized), checking it on the way",
      .description = "Reads fx-json/1 and writes it back in aotkit's normalized form (the same graph:\n"
                     "reading the output gives the same nodes, arguments and meta).",
      .options = {},
      .run =
          [](const invocation& inv, const io& io) {
            write_graph(read_graph(inv, io), io);
            return int{ok};
          },
  });
}

}  // namespace aotkit::cli
