// tools/aotkit/runtime_commands.cpp — `aotkit runtime ...`: the runtime module on the command line.
// Values are read and written in the tagged JSON of pytree-json/1 (with symbolic scalars).
#include <iostream>
#include <string>

#include "commands.hpp"

import aotkit;

namespace aotkit::cli {

void add_runtime_commands(registry& reg) {
  reg.groups.push_back({"runtime", "the boxed runtime: values, symbolic ints, calling convention"});
  reg.commands.push_back({
      .group = "runtime",
      .name = "symint-hints",
      .summary = "replace every SymInt of a value by its hint (_get_symint_hints)",
      .description =
          "Reads one value in tagged JSON, e.g.\n"
          "  {\"list\": [{\"int\": 1}, {\"symint\": {\"expr\": \"s0\", \"hint\": 4}}]}\n"
          "and writes it back with each SymInt replaced by its hint. An unbacked symbol (no hint)\n"
          "is torch's data-dependent error. Lists and tuples keep their kind; SymFloat and SymBool\n"
          "are unchanged.",
      .options = {{"repr", "", "print Python's repr of the result instead of JSON"}},
      .run =
          [](const invocation& inv, const io& io) {
            runtime::Value v = runtime::_get_symint_hints(runtime::value_from_json(read_input(inv, io)));
            io.out << (inv.has("repr") ? v.repr() : runtime::value_to_json(v)) << '\n';
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "runtime",
      .name = "repr",
      .summary = "print Python's repr of a value given in tagged JSON",
      .description = "Reads one value in tagged JSON and prints it as Python's repr() would,\n"
                     "e.g. [1, (2.5, 's0'), None].",
      .options = {},
      .run =
          [](const invocation& inv, const io& io) {
            io.out << runtime::value_from_json(read_input(inv, io)).repr() << '\n';
            return int{ok};
          },
  });
}

}  // namespace aotkit::cli
