// tools/aotkit/pytree_commands.cpp — `aotkit treespec ...`: show and convert TreeSpecs between
// torch's JSON protocol 1 (treespec_dumps) and the compact string of torch's C++ pytree.h.
#include <iostream>
#include <string>
#include <string_view>

#include "commands.hpp"

import aotkit;

namespace aotkit::cli {

namespace {

// JSON specs start with '[' (after blanks); anything else is read as the compact format.
pytree::TreeSpec read_spec(const invocation& inv, const io& io) {
  std::string text = read_input(inv, io);
  std::string_view t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  std::size_t first = t.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && t[first] == '[') return pytree::treespec_loads(t);
  return pytree::treespec_from_compact(t);
}

}  // namespace

void add_pytree_commands(registry& reg) {
  reg.groups.push_back({"treespec", "pytree structures: torch's treespec JSON and pytree.h's compact strings"});
  reg.commands.push_back({
      .group = "treespec",
      .name = "show",
      .summary = "print a spec's repr, pprint and counts",
      .description = "Reads a spec as treespec_dumps writes it ([1, {...}]) or in the compact format\n"
                     "(T2#1#2($,L2#1#1($,$))) and prints torch's repr, treespec_pprint and the counts.",
      .options = {{"style", "S", "repr style: torch2 (default, multi-line) or torch1.13 (one line)"}},
      .run =
          [](const invocation& inv, const io& io) {
            auto style = option_choice(inv, "style", {"torch2", "torch1.13"}, "torch2") == "torch2"
                             ? pytree::repr_style::torch2
                             : pytree::repr_style::torch1_13;
            pytree::TreeSpec s = read_spec(inv, io);
            io.out << "repr: " << s.repr(style) << "\npprint: " << pytree::treespec_pprint(s)
                   << "\nnum_leaves: " << s.num_leaves() << "\nnum_nodes: " << s.num_nodes()
                   << "\nnum_children: " << s.num_children() << '\n';
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "treespec",
      .name = "convert",
      .summary = "convert a spec between treespec JSON and the compact format",
      .description = "--to json writes treespec_dumps (protocol 1, byte for byte as torch); --to compact\n"
                     "writes pytree.h's string (lists, tuples, dicts and leaves only).",
      .options = {{"to", "FORMAT", "json | compact (required)"}},
      .run =
          [](const invocation& inv, const io& io) {
            if (!inv.has("to")) throw usage_failure("--to is required");
            std::string to = option_choice(inv, "to", {"json", "compact"}, "json");
            pytree::TreeSpec s = read_spec(inv, io);
            io.out << (to == "json" ? pytree::treespec_dumps(s) : pytree::treespec_to_compact(s)) << '\n';
            return int{ok};
          },
  });
}

}  // namespace aotkit::cli
