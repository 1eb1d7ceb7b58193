// tools/aotkit/main.cpp — the aotkit command-line tool: parses the command line, runs one command,
// and turns every failure into an exit code and one 'aotkit: error: <where>: <what>' line.
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"

import aotkit;

int main(int argc, char** argv) {
  using namespace aotkit::cli;
  registry reg;
  add_all_commands(reg);

  std::vector<std::string_view> args(argv + 1, argv + argc);
  auto parsed = parse(reg, args, AOTKIT_VERSION);
  if (auto* text = std::get_if<show_text>(&parsed)) {
    std::cout << text->text;
    return ok;
  }
  if (auto* p = std::get_if<usage_problem>(&parsed)) {
    std::cerr << p->message;
    return usage_error;
  }
  auto& run = std::get<run_command>(parsed);
  const io streams{std::cin, std::cout, std::cerr};
  std::string where = input_name(run.inv);
  try {
    int rc = run.cmd->run(run.inv, streams);
    std::cout.flush();
    return rc;
  } catch (const usage_failure& e) {
    std::cerr << "aotkit: error: " << e.what() << "\nTry 'aotkit " << run.cmd->group << ' ' << run.cmd->name
              << " --help' for more information.\n";
    return usage_error;
  } catch (const aotkit::input_error& e) {
    // A file-level error already names the file; others name a place inside it.
    std::string w = e.where() == where ? where : where + ": " + e.where();
    std::cerr << "aotkit: error: " << w << ": " << e.detail() << '\n';
  } catch (const aotkit::error& e) {
    std::cerr << "aotkit: error: " << where << ": " << e.what() << '\n';
  } catch (const std::bad_alloc&) {
    std::cerr << "aotkit: error: " << where << ": out of memory\n";
  } catch (const std::exception& e) {
    std::cerr << "aotkit: error: " << where << ": " << e.what() << '\n';
  }
  return bad_input;
}
