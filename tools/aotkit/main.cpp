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

namespace {

// The tool promises one line on stderr per failure: a message with a code dump or a huge echoed
// input keeps its first line, at most 1000 bytes of it, and says what it left out.
std::string one_line(std::string message) {
  if (!message.empty() && message.back() == '\n') message.pop_back();
  std::size_t lines = 0;
  if (auto nl = message.find('\n'); nl != std::string::npos) {
    for (std::size_t p = nl; p != std::string::npos; p = message.find('\n', p + 1)) ++lines;
    message.resize(nl);
  }
  constexpr std::size_t max_bytes = 1000;
  if (message.size() > max_bytes) {
    std::size_t total = message.size();
    message.resize(max_bytes);
    message += "... (" + std::to_string(total) + " bytes)";
  }
  if (lines) message += " [" + std::to_string(lines) + " more line" + (lines == 1 ? "" : "s") + " not shown]";
  return message + '\n';
}

}  // namespace

int main(int argc, char** argv) {
  using namespace aotkit::cli;
  registry reg;
  add_all_commands(reg);

  std::vector<std::string_view> args(argv + 1, argv + argc);
  auto parsed = parse(reg, args, AOTKIT_VERSION);
  if (auto* text = std::get_if<show_text>(&parsed)) {
    if (std::cout << text->text << std::flush) return ok;
    std::cerr << "aotkit: error: <stdout>: write failed\n";
    return output_failed;
  }
  if (auto* p = std::get_if<usage_problem>(&parsed)) {
    std::cerr << p->message;
    return usage_error;
  }
  auto& run = std::get<run_command>(parsed);
  // commands that read no input are named instead of <stdin>
  std::string where = run.cmd->takes_input ? input_name(run.inv) : run.cmd->group + " " + run.cmd->name;
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
  } catch (const other_file_failure& e) {
    failure = "aotkit: error: " + e.where + ": " + e.detail + '\n';
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
  // Output that never arrived (a full disk, a closed stdout) is a failure, not a success.
  if (rc != usage_error && !std::cout.flush()) {
    failure += "aotkit: error: <stdout>: write failed\n";
    if (rc == ok || rc == check_failed) rc = output_failed;
  }
  tracker.end();
  tracker.stop();
  // usage failures end with the "Try ... --help" line on purpose
  if (!failure.empty() && rc != usage_error) {
    std::string lines;
    for (std::size_t start = 0; start < failure.size();) {  // the write failure may follow another
      std::size_t next = failure.find("aotkit: error: ", start + 1);
      if (next == std::string::npos) next = failure.size();
      lines += one_line(failure.substr(start, next - start));
      start = next;
    }
    failure = std::move(lines);
  }
  std::cerr << failure;
  if (run.inv.has("time")) std::cerr << tracker.time_table();
  return rc;
}
