// tools/aotkit/cli.cpp — parsing and help texts of the aotkit command line.
// Everything wrong with a command line becomes a usage_problem: the tool exits 2, never crashes.
#include "cli.hpp"

#include <algorithm>
#include <string>

namespace aotkit::cli {

const command* registry::find(std::string_view g, std::string_view n) const {
  for (const auto& c : commands)
    if (c.group == g && c.name == n) return &c;
  return nullptr;
}

namespace {

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s + "  ";
}

usage_problem problem(const std::string& what, const std::string& help_cmd) {
  return {"aotkit: error: " + what + "\nTry '" + help_cmd + " --help' for more information.\n"};
}

bool is_help(std::string_view a) { return a == "--help" || a == "-h"; }

// Shows a command-line word in an error message without letting control bytes through.
std::string shown(std::string_view a) {
  std::string s;
  for (char c : a) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      static constexpr char hex[] = "0123456789abcdef";
      s += "\\x";
      s += hex[u >> 4];
      s += hex[u & 0xF];
    } else {
      s += c;
    }
  }
  return "'" + s + "'";
}

}  // namespace

std::string tool_help(const registry& reg) {
  std::string s =
      "usage: aotkit <group> <command> [options] [FILE|-]\n"
      "       aotkit            (runs 'aotkit demo': what aotkit is for, on bundled PyTorch artifacts)\n"
      "\n"
      "PyTorch's AOT Autograd toolbox in native C++: pytrees, FX graphs, graph rewrites,\n"
      "the boxed runtime convention and Philox random streams.\n"
      "\n"
      "Groups:\n";
  std::size_t w = 0;
  for (const auto& g : reg.groups) w = std::max(w, g.name.size());
  for (const auto& g : reg.groups) s += "  " + pad(g.name, w) + g.summary + "\n";
  s +=
      "\n"
      "Options:\n"
      "  -h, --help   show help (also after a group or a command)\n"
      "  --version    show the version\n"
      "  --time       print how long each step took, on stderr (also after the command)\n"
      "  --progress WHEN  progress line on stderr for work over a second: auto (when a\n"
      "               terminal), always, never\n"
      "\n"
      "Commands read FILE, or standard input when FILE is '-' or absent, and write standard output.\n"
      "Exit status: 0 success, 1 a check failed, 2 usage error, 3 bad input, 4 output not written\n"
      "(one line on stderr: 'aotkit: error: <where>: <what>').\n";
  return s;
}

std::string group_help(const registry& reg, const group& g) {
  std::size_t w = 0, count = 0;
  bool reads_input = false;
  const command* only = nullptr;
  for (const auto& c : reg.commands) {
    if (c.group != g.name) continue;
    w = std::max(w, c.name.size());
    reads_input |= c.takes_input;
    only = &c;
    ++count;
  }
  // a group of one command (demo) runs it when named alone: its help is the command's, options and all
  if (count == 1) return command_help(*only) + "\n'aotkit " + g.name + "' alone runs '" + only->name + "'.\n";
  std::string s = "usage: aotkit " + g.name + " <command> [options]" + (reads_input ? " [FILE|-]" : "") + "\n\n" + g.summary +
                  "\n\nCommands:\n";
  for (const auto& c : reg.commands)
    if (c.group == g.name) s += "  " + pad(c.name, w) + c.summary + "\n";
  s += "\nRun 'aotkit " + g.name + " <command> --help' for a command's options.\n";
  return s;
}

std::string command_help(const command& c) {
  std::string s = "usage: aotkit " + c.group + " " + c.name + " [options]" + (c.takes_input ? " [FILE|-]" : "") +
                  "\n\n" + c.summary + "\n";
  if (!c.description.empty()) s += "\n" + c.description + "\n";
  s += "\nOptions:\n";
  std::vector<std::pair<std::string, std::string>> rows{{"-h, --help", "show this help"}};
  auto row = [](const option_spec& o) {
    return std::pair{"--" + o.name + (o.metavar.empty() ? "" : " " + o.metavar), o.help};
  };
  for (const auto& o : c.options) rows.push_back(row(o));
  std::size_t common_from = rows.size();
  for (const auto& o : common_options()) rows.push_back(row(o));
  std::size_t w = 0;
  for (const auto& r : rows) w = std::max(w, r.first.size());
  for (std::size_t k = 0; k < rows.size(); ++k) {
    if (k == common_from) s += "\nCommon options:\n";
    s += "  " + pad(rows[k].first, w) + rows[k].second + "\n";
  }
  return s;
}

const std::vector<option_spec>& common_options() {
  static const std::vector<option_spec> list{
      {"time", "", "print how long each step took, on stderr"},
      {"progress", "WHEN", "progress line on stderr for work over a second: auto (when a terminal), always, never"},
  };
  return list;
}

parse_result parse(const registry& reg, std::span<const std::string_view> args, std::string_view version) {
  invocation inv;
  // One `--name[=VALUE]` or `--name VALUE` at args[i] against `specs` (then the common options);
  // advances i past a separate value. Returns a problem, or nothing when the option was taken.
  auto take_option = [&](std::size_t& i, const std::vector<option_spec>& specs,
                         const std::string& self) -> std::optional<usage_problem> {
    std::string_view a = args[i];
    std::string_view body = a.substr(2);
    std::optional<std::string_view> inline_value;
    if (auto eq = body.find('='); eq != std::string_view::npos) {
      inline_value = body.substr(eq + 1);
      body = body.substr(0, eq);
    }
    auto named = [&](const option_spec& o) { return o.name == body; };
    auto spec = std::find_if(specs.begin(), specs.end(), named);
    if (spec == specs.end()) {
      spec = std::find_if(common_options().begin(), common_options().end(), named);
      if (spec == common_options().end()) return problem("unknown option " + shown(a), self);
    }
    if (inv.has(body)) return problem("option --" + std::string(body) + " given twice", self);
    if (spec->metavar.empty()) {
      if (inline_value) return problem("option --" + std::string(body) + " takes no value", self);
      inv.options.emplace(std::string(body), "");
    } else if (inline_value) {
      inv.options.emplace(std::string(body), std::string(*inline_value));
    } else {
      if (i + 1 == args.size()) return problem("option --" + std::string(body) + " needs " + spec->metavar, self);
      inv.options.emplace(std::string(body), std::string(args[++i]));
    }
    return std::nullopt;
  };

  std::size_t i = 0;
  // Tool-level options come before the group.
  for (; i < args.size() && args[i].starts_with('-'); ++i) {
    if (is_help(args[i])) return show_text{tool_help(reg)};
    if (args[i] == "--version") return show_text{"aotkit " + std::string(version) + "\n"};
    if (!args[i].starts_with("--")) return problem("unknown option " + shown(args[i]), "aotkit");
    if (auto p = take_option(i, {}, "aotkit")) return *p;
  }
  const group* g = nullptr;
  if (i == args.size()) {
    if (reg.default_group.empty()) return problem("missing <group>", "aotkit");
    for (const auto& gr : reg.groups)
      if (gr.name == reg.default_group) g = &gr;
    if (!g) return problem("missing <group>", "aotkit");
  } else {
    for (const auto& gr : reg.groups)
      if (gr.name == args[i]) g = &gr;
    if (!g) return problem("unknown group " + shown(args[i]), "aotkit");
    ++i;
  }
  const command* c = nullptr;
  if (!g->default_command.empty() && (i == args.size() || (args[i].starts_with('-') && !is_help(args[i])))) {
    c = reg.find(g->name, g->default_command);  // `aotkit demo [--json]`
  } else {
    for (; i < args.size() && args[i].starts_with('-'); ++i) {
      if (is_help(args[i])) return show_text{group_help(reg, *g)};
      return problem("unknown option " + shown(args[i]) + " for group '" + g->name + "'", "aotkit " + g->name);
    }
    if (i == args.size()) return problem("missing <command> for group '" + g->name + "'", "aotkit " + g->name);
    c = reg.find(g->name, args[i]);
    if (!c) return problem("unknown command " + shown(args[i]) + " in group '" + g->name + "'", "aotkit " + g->name);
    ++i;
  }
  std::string self = "aotkit " + c->group + " " + c->name;
  bool only_positional = false;
  for (; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (!only_positional && a == "--") {
      only_positional = true;
      continue;
    }
    if (!only_positional && is_help(a)) return show_text{command_help(*c)};
    if (!only_positional && a.starts_with("--")) {
      if (auto p = take_option(i, c->options, self)) return *p;
      continue;
    }
    if (!only_positional && a.size() > 1 && a.starts_with('-')) return problem("unknown option " + shown(a), self);
    if (!c->takes_input) return problem("unexpected argument " + shown(a), self);
    if (inv.input) return problem("more than one input: " + shown(*inv.input) + " and " + shown(a), self);
    inv.input = std::string(a);
  }
  return run_command{c, std::move(inv)};
}

}  // namespace aotkit::cli
