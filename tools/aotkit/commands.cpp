// tools/aotkit/commands.cpp — helpers every subcommand shares: reading FILE or stdin.
// Errors name the file, so the tool's one-line message says where.
#include "commands.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

import aotkit;

namespace aotkit::cli {

std::string input_name(const invocation& inv) {
  return !inv.input || *inv.input == "-" ? std::string("<stdin>") : *inv.input;
}

std::string read_input(const invocation& inv, const io& io) {
  if (!inv.input || *inv.input == "-") {
    return {std::istreambuf_iterator<char>(io.in), std::istreambuf_iterator<char>()};
  }
  std::ifstream f(*inv.input, std::ios::binary);
  if (!f) throw aotkit::input_error(*inv.input, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream s;
  s << f.rdbuf();
  if (f.bad()) throw aotkit::input_error(*inv.input, "read failed");
  return std::move(s).str();
}

void add_all_commands(registry& reg) { add_runtime_commands(reg); }

}  // namespace aotkit::cli
