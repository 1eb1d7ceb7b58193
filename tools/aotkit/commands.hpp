// tools/aotkit/commands.hpp — each component's subcommands register themselves here, and the
// shared helpers every command uses to read its input.
#pragma once

#include <string>

#include "cli.hpp"

namespace aotkit::cli {

/// Adds every group and command of the tool.
void add_all_commands(registry& reg);

/// Adds the `runtime` group: symint-hints, repr.
void add_runtime_commands(registry& reg);

/// Reads the whole input of a run: the named file, or standard input for "-" or none.
/// Throws aotkit::input_error naming the file when it cannot be read.
std::string read_input(const invocation& inv, const io& io);

/// The name an input goes by in error messages: the file name, or "<stdin>".
std::string input_name(const invocation& inv);

}  // namespace aotkit::cli
