// tools/aotkit/cli.hpp — the command-line grammar of the aotkit tool: groups, commands, options.
// `aotkit <group> <command> [options] [FILE|-]`; parsing never throws and never exits.
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <string_view>
#include <variant>
#include <vector>

namespace aotkit::cli {

/// Exit codes shared by every subcommand.
enum exit_code : int { ok = 0, check_failed = 1, usage_error = 2, bad_input = 3, output_failed = 4 };

/// One option of a command: `--name VALUE` (or `--name=VALUE`) when `metavar` is set, else a flag.
struct option_spec {
  std::string name;
  std::string metavar;
  std::string help;
};

/// What a command's run function receives.
struct invocation {
  std::map<std::string, std::string, std::less<>> options;  ///< given options; flags map to ""
  std::optional<std::string> input;                        ///< FILE, or nullopt/"-" for stdin
  bool has(std::string_view name) const { return options.find(name) != options.end(); }
};

class run_tracker;

/// Input and output streams of a run (files or stdin, stdout, stderr), and the tracker that
/// times its phases (none when the command runs inside a test or a fuzzer).
struct io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  run_tracker* tracker = nullptr;
};

struct command {
  std::string group;
  std::string name;
  std::string summary;      ///< one line, for the group's help
  std::string description;  ///< paragraphs for the command's own help
  std::vector<option_spec> options;
  bool takes_input = true;  ///< accepts [FILE|-]
  std::function<int(const invocation&, const io&)> run;
};

struct group {
  group(std::string name, std::string summary, std::string default_command = {})
      : name(std::move(name)), summary(std::move(summary)), default_command(std::move(default_command)) {}
  std::string name;
  std::string summary;
  std::string default_command;  ///< run when the command is omitted (`aotkit demo`)
};

/// Options every command takes, after the command or before the group: `--time`, `--progress WHEN`.
const std::vector<option_spec>& common_options();

/// Every group and command the tool knows.
struct registry {
  std::vector<group> groups;
  std::vector<command> commands;
  std::string default_group;  ///< run when no group is given (`aotkit` alone runs `aotkit demo`)
  const command* find(std::string_view group, std::string_view name) const;
};

/// Outcomes of parsing a command line.
struct show_text {
  std::string text;  ///< help or version text, for stdout; exit 0
};
struct usage_problem {
  std::string message;  ///< "aotkit: error: ..." line and a hint, for stderr; exit 2
};
struct run_command {
  const command* cmd;
  invocation inv;
};
using parse_result = std::variant<show_text, usage_problem, run_command>;

/// Thrown by a command for a bad option value: the tool prints it as a usage error (exit 2).
struct usage_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A failure in a file other than the command's input (`--spec FILE`, the demo's data): its
/// `where` is complete, and the tool prints it without the input's name in front.
struct other_file_failure : std::runtime_error {
  other_file_failure(std::string where_, std::string what_)
      : std::runtime_error(where_ + ": " + what_), where(std::move(where_)), detail(std::move(what_)) {}
  std::string where, detail;
};

/// Parses `args` (without argv[0]).
parse_result parse(const registry& reg, std::span<const std::string_view> args, std::string_view version);

/// Help texts, as `--help` prints them at each level.
std::string tool_help(const registry& reg);
std::string group_help(const registry& reg, const group& g);
std::string command_help(const command& c);

}  // namespace aotkit::cli
