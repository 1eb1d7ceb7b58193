// tools/aotkit/main.cpp — the aotkit command-line tool: parses the command line, runs one command,
// and turns every failure into an exit code and one 'aotkit: error: <where>: <what>' line.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"
#include "progress.hpp"

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
  std::string where = input_name(run.inv);
  std::string label = "aotkit " + run.cmd->group + " " + run.cmd->name;
  run_tracker::options track;
  if (auto p = run.inv.options.find("progress"); p != run.inv.options.end()) {
    if (p->second != "auto" && p->second != "always" && p->second != "never") {
      std::cerr << "aotkit: error: --progress: expected one of auto, always, never, got '" << p->second
                << "'\nTry '" << label << " --help' for more information.\n";
      return usage_error;
    }
    track.progress = p->second == "always" || (p->second == "auto" && ::isatty(2));
  } else {
    track.progress = ::isatty(2);
  }
  // For tests of the line itself: AOTKIT_PROGRESS_DELAY_MS=0 draws it at every phase.
  if (const char* d = std::getenv("AOTKIT_PROGRESS_DELAY_MS")) track.delay = std::chrono::milliseconds(std::atol(d));
  run_tracker tracker(label, track);
  const io streams{std::cin, std::cout, std::cerr, &tracker};

  int rc = bad_input;
  std::string failure;  // the one error line, printed once the progress line is gone
  try {
    rc = run.cmd->run(run.inv, streams);
    phase_scope flushing(&tracker, "write output");
    std::cout.flush();
  } catch (const usage_failure& e) {
    failure = "aotkit: error: " + std::string(e.what()) + "\nTry '" + label + " --help' for more information.\n";
    rc = usage_error;
  } catch (const aotkit::input_error& e) {
    // A file-level error already names the file; others name a place inside it.
    std::string w = e.where() == where ? where : where + ": " + e.where();
    failure = "aotkit: error: " + w + ": " + e.detail() + '\n';
  } catch (const aotkit::error& e) {
    failure = "aotkit: error: " + where + ": " + e.what() + '\n';
  } catch (const std::bad_alloc&) {
    failure = "aotkit: error: " + where + ": out of memory\n";
  } catch (const std::exception& e) {
    failure = "aotkit: error: " + where + ": " + e.what() + '\n';
  }
  tracker.end();
  tracker.stop();
  std::cerr << failure;
  if (run.inv.has("time")) std::cerr << tracker.time_table();
  return rc;
}
