// tools/aotkit/commands.cpp — helpers every subcommand shares: reading FILE or stdin.
// Errors name the file, so the tool's one-line message says where.
#include "commands.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

import aotkit;

namespace aotkit::cli {

std::string input_name(const invocation& inv) {
  return !inv.input || *inv.input == "-" ? std::string("<stdin>") : *inv.input;
}

namespace {

// Reads `in` to the end in chunks, reporting progress; `size_hint` preallocates (0: unknown).
std::string read_stream(std::istream& in, std::uint64_t size_hint, run_tracker* tracker) {
  constexpr std::size_t chunk = std::size_t{4} << 20;
  std::string text;
  if (size_hint) text.reserve(size_hint);
  std::size_t used = 0;
  for (;;) {
    if (text.size() < used + chunk) text.resize(used + chunk);
    in.read(text.data() + used, static_cast<std::streamsize>(chunk));
    used += static_cast<std::size_t>(in.gcount());
    if (tracker) tracker->advance(used, size_hint);
    if (!in) break;
  }
  text.resize(used);
  return text;
}

}  // namespace

std::string read_input(const invocation& inv, const io& io) {
  auto reading = phase(io, "read");
  if (!inv.input || *inv.input == "-") return read_stream(io.in, 0, io.tracker);
  std::ifstream f(*inv.input, std::ios::binary);
  if (!f) throw aotkit::input_error(*inv.input, std::string("cannot open: ") + std::strerror(errno));
  std::error_code ec;
  auto size = std::filesystem::is_regular_file(*inv.input, ec) ? std::filesystem::file_size(*inv.input, ec) : 0;
  if (ec) size = 0;
  std::string text = read_stream(f, size, io.tracker);
  if (f.bad()) throw aotkit::input_error(*inv.input, "read failed");
  return text;
}

void add_all_commands(registry& reg) {
  add_runtime_commands(reg);
  add_pytree_commands(reg);
  add_random_commands(reg);
  add_graph_commands(reg);
  add_rewrite_commands(reg);
  add_export_commands(reg);
  add_demo_command(reg);
}

std::uint64_t option_u64(const invocation& inv, std::string_view name, std::uint64_t fallback) {
  auto it = inv.options.find(name);
  if (it == inv.options.end()) return fallback;
  const std::string& text = it->second;
  std::string_view digits = text;
  int base = 10;
  if (digits.starts_with("0x") || digits.starts_with("0X")) {
    digits.remove_prefix(2);
    base = 16;
  }
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
    throw usage_failure("--" + std::string(name) + ": expected an unsigned 64-bit integer, got '" + text + "'");
  return v;
}

std::string option_choice(const invocation& inv, std::string_view name, std::initializer_list<std::string_view> choices,
                          std::string_view fallback) {
  auto it = inv.options.find(name);
  if (it == inv.options.end()) return std::string(fallback);
  std::string list;
  for (auto c : choices) {
    if (c == it->second) return it->second;
    list += (list.empty() ? "" : ", ") + std::string(c);
  }
  throw usage_failure("--" + std::string(name) + ": expected one of " + list + ", got '" + it->second + "'");
}

}  // namespace aotkit::cli
