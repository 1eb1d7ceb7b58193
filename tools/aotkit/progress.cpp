// tools/aotkit/progress.cpp — phase timings and the progress line of the aotkit tool.
// The line is redrawn in place ("\r" and erase-to-end) a few times a second, never more.
#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace aotkit::cli {

namespace {

constexpr auto redraw_every = std::chrono::milliseconds(200);

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n <= 0) return;  // a closed stderr must not stop the work
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", s);
  return buf;
}

}  // namespace

run_tracker::run_tracker(std::string label, options opts) : label_(std::move(label)), opts_(opts) {
  if (opts_.progress && opts_.delay.count() > 0) thread_ = std::thread([this] { loop(); });
}

run_tracker::~run_tracker() { stop(); }

void run_tracker::begin(std::string_view name) {
  std::lock_guard lock(mu_);
  auto now = clock::now();
  if (!current_.empty()) done_.emplace_back(current_, std::chrono::duration<double>(now - current_start_).count());
  current_.assign(name);
  current_start_ = now;
  work_done_.store(0, std::memory_order_relaxed);
  work_total_.store(0, std::memory_order_relaxed);
  if (opts_.progress && opts_.delay.count() == 0 && !stopping_) show_line();
}

void run_tracker::end() {
  std::lock_guard lock(mu_);
  if (current_.empty()) return;
  done_.emplace_back(current_, std::chrono::duration<double>(clock::now() - current_start_).count());
  current_.clear();
}

void run_tracker::record(std::string_view name, double seconds) {
  end();
  std::lock_guard lock(mu_);
  done_.emplace_back(std::string(name), seconds);
}

void run_tracker::advance(std::uint64_t done, std::uint64_t total, const char* unit) {
  work_unit_.store(unit, std::memory_order_relaxed);
  work_total_.store(total, std::memory_order_relaxed);
  work_done_.store(done, std::memory_order_relaxed);
}

void run_tracker::show_line() {
  std::string line = "\r\x1b[K" + label_;
  if (!current_.empty()) {
    line += ": " + current_;
    std::uint64_t done = work_done_.load(std::memory_order_relaxed), total = work_total_.load(std::memory_order_relaxed);
    if (done || total) {
      std::string_view unit = work_unit_.load(std::memory_order_relaxed);
      auto scaled = [&](std::uint64_t v) { return unit == "MB" ? v / 1'000'000 : v; };
      line += " " + std::to_string(scaled(done));
      if (total) line += "/" + std::to_string(scaled(total));
      line += " " + std::string(unit);
      if (total) line += " (" + std::to_string(std::min<std::uint64_t>(100, done * 100 / total)) + "%)";
    }
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "  %.1f s", elapsed());
  line += buf;
  write_all(opts_.fd, line);
  line_shown_ = true;
}

void run_tracker::loop() {
  std::unique_lock lock(mu_);
  if (wake_.wait_for(lock, opts_.delay, [this] { return stopping_; })) return;
  while (!stopping_) {
    show_line();
    wake_.wait_for(lock, redraw_every, [this] { return stopping_; });
  }
}

void run_tracker::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  if (line_shown_) write_all(opts_.fd, "\r\x1b[K");
  line_shown_ = false;
}

std::vector<std::pair<std::string, double>> run_tracker::phases() const {
  std::lock_guard lock(mu_);
  return done_;
}

double run_tracker::elapsed() const { return std::chrono::duration<double>(clock::now() - start_).count(); }

std::string run_tracker::time_table() const {
  auto list = phases();
  double total = elapsed(), sum = 0;
  std::size_t w = 5;
  for (const auto& [name, s] : list) w = std::max(w, name.size());
  auto row = [&](std::string_view name, double s) {
    std::string r = "  " + std::string(name);
    r.append(w - name.size() + 2, ' ');
    return r + seconds(s) + "\n";
  };
  std::string out = "time (" + label_ + "):\n";
  for (const auto& [name, s] : list) {
    out += row(name, s);
    sum += s;
  }
  // Option parsing, start-up and whatever a command does outside its named phases.
  if (!list.empty()) out += row("other", std::max(0.0, total - sum));
  return out + row("total", total);
}

}  // namespace aotkit::cli
