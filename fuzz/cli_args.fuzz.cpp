// fuzz/cli_args.fuzz.cpp — the aotkit command-line grammar on arbitrary argument vectors (NUL
// separated): every outcome is help text, a usage problem or a command to run; never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const aotkit::cli::registry reg = [] {
    aotkit::cli::registry r;
    aotkit::cli::add_all_commands(r);
    return r;
  }();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> args;
  for (std::size_t start = 0; start <= bytes.size();) {
    std::size_t end = bytes.find('\0', start);
    if (end == std::string_view::npos) end = bytes.size();
    args.push_back(bytes.substr(start, end - start));
    start = end + 1;
  }
  auto result = aotkit::cli::parse(reg, args, "fuzz");
  if (auto* run = std::get_if<aotkit::cli::run_command>(&result)) {
    if (!run->cmd || !run->cmd->run) __builtin_trap();
    (void)aotkit::cli::command_help(*run->cmd);
  } else if (auto* p = std::get_if<aotkit::cli::usage_problem>(&result)) {
    if (p->message.rfind("aotkit: error: ", 0) != 0) __builtin_trap();
  }
  return 0;
}
