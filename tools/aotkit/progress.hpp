// tools/aotkit/progress.hpp — the phases of one run of the tool: their timings (`--time`) and a
// progress line on stderr while work takes longer than a second (when stderr is a terminal).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace aotkit::cli {

/// Records the phases of a run ("read", "parse fx-json", ...) and shows the current one on a
/// progress line. The line is written by a background thread with write(2) straight to the file
/// descriptor, so it never contends with the command's own iostream output; it is erased when
/// the run finishes.
class run_tracker {
 public:
  struct options {
    bool progress = false;                   ///< show the progress line at all
    std::chrono::milliseconds delay{1000};   ///< show it once a run has taken this long (0: at every phase, synchronously)
    int fd = 2;                              ///< where the line goes
  };
  using clock = std::chrono::steady_clock;

  run_tracker(std::string label, options opts);
  run_tracker(const run_tracker&) = delete;
  run_tracker& operator=(const run_tracker&) = delete;
  ~run_tracker();

  /// Ends the current phase (if any) and starts `name`.
  void begin(std::string_view name);
  /// Ends the current phase.
  void end();
  /// Adds a phase timed by the caller (ends the current one first).
  void record(std::string_view name, double seconds);
  /// Work done in the current phase, shown on the progress line: `done` of `total` (0 if unknown)
  /// in `unit` ("MB", "nodes"). Cheap enough to call per chunk (one relaxed atomic store).
  void advance(std::uint64_t done, std::uint64_t total = 0, const char* unit = "MB");

  /// Stops the progress thread and erases the line; idempotent.
  void stop();
  /// Completed phases in order, seconds each (a phase begun twice is listed twice).
  std::vector<std::pair<std::string, double>> phases() const;
  /// Seconds since the tracker was made.
  double elapsed() const;
  /// The `--time` table: one line per phase, then the rest of the run and the total.
  std::string time_table() const;

 private:
  void show_line();  // the caller holds mu_
  void loop();

  std::string label_;
  options opts_;
  clock::time_point start_ = clock::now();
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::string current_;  // empty: between phases
  clock::time_point current_start_{};
  std::vector<std::pair<std::string, double>> done_;
  std::atomic<std::uint64_t> work_done_{0}, work_total_{0};
  std::atomic<const char*> work_unit_{"MB"};
  bool line_shown_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

/// Ends the phase it began when it goes out of scope (no-op without a tracker).
class phase_scope {
 public:
  phase_scope(run_tracker* t, std::string_view name) : t_(t) {
    if (t_) t_->begin(name);
  }
  phase_scope(const phase_scope&) = delete;
  phase_scope& operator=(const phase_scope&) = delete;
  ~phase_scope() {
    if (t_) t_->end();
  }

 private:
  run_tracker* t_;
};

}  // namespace aotkit::cli
