// tools/aotkit/commands.hpp — each component's subcommands register themselves here, and the
// shared helpers every command uses to read its input.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "cli.hpp"
#include "progress.hpp"

namespace aotkit::cli {

/// Adds every group and command of the tool.
void add_all_commands(registry& reg);

/// Adds the `runtime` group: symint-hints, repr.
void add_runtime_commands(registry& reg);

/// Adds the `treespec` group (show, convert) and the `pytree` group (flatten, unflatten).
void add_pytree_commands(registry& reg);

/// Adds the `random` group: stream, curand-host, torch.
void add_random_commands(registry& reg);

/// Adds the `demo` group (default command `report`): `aotkit demo`.
void add_demo_command(registry& reg);

/// Adds the `rewrite` group: copy-fwd-metadata, unlift-tokens, dce.
void add_rewrite_commands(registry& reg);

/// Adds the `export` group: info (torch.export's .pt2 archives).
void add_export_commands(registry& reg);

/// Adds the `graph` group: print, code, lint, dce, stats, convert.
void add_graph_commands(registry& reg);

/// What `dce` reports on stderr: the removed names (`graph dce`) or their count (`rewrite dce`).
enum class dce_report { names, count };
/// The one dead-code command behind `graph dce` and `rewrite dce`: reads fx-json/1, runs
/// eliminate_dead_code over every graph, writes fx-json/1.
int run_dce(const invocation& inv, const io& io, dce_report report);

/// The value of option `--name` as an unsigned integer (decimal or 0x hex), or `fallback` when
/// absent; throws usage_failure for anything else.
std::uint64_t option_u64(const invocation& inv, std::string_view name, std::uint64_t fallback);

/// The value of option `--name`, which must be one of `choices`; `fallback` when absent.
std::string option_choice(const invocation& inv, std::string_view name, std::initializer_list<std::string_view> choices,
                          std::string_view fallback);

/// Reads the whole input of a run: the named file, or standard input for "-" or none, as phase
/// "read" (with its progress in MB). Throws aotkit::input_error naming the file when it cannot be read.
std::string read_input(const invocation& inv, const io& io);

/// Starts phase `name` of the run (for `--time` and the progress line); it ends with the scope.
inline phase_scope phase(const io& io, std::string_view name) { return phase_scope(io.tracker, name); }

/// The name an input goes by in error messages: the file name, or "<stdin>".
std::string input_name(const invocation& inv);

}  // namespace aotkit::cli
