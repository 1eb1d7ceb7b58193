// modules/graph/print.cpp — str(graph), FX's code generator and print_tabular; one pass each over
// the node list, so printing costs O(nodes + arguments).
module;
#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
module aotkit.graph;

import aotkit.runtime;

namespace aotkit::graph {

namespace {

node_namer namer(const Graph& g) {
  return [&g](node_id n) -> std::string_view { return g.node(n).name(); };
}

bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// FX's _format_target: `base.a.b`, with getattr(base, "0") for atoms that are not identifiers.
std::string format_target(std::string base, std::string_view target) {
  std::size_t start = 0;
  while (true) {
    std::size_t dot = target.find('.', start);
    std::string_view atom = target.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (is_identifier(atom)) base += "." + std::string(atom);
    else base = "getattr(" + base + ", \"" + std::string(atom) + "\")";
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return base;
}

// The _operator functions FX prints as operators, with their arity.
struct magic {
  std::string_view name, pre, mid, post;
  int arity;
};
constexpr std::array<magic, 24> magic_methods{{
    {"add", "", " + ", "", 2},    {"sub", "", " - ", "", 2},     {"mul", "", " * ", "", 2},
    {"floordiv", "", " // ", "", 2}, {"truediv", "", " / ", "", 2}, {"div", "", " / ", "", 2},
    {"mod", "", " % ", "", 2},    {"pow", "", " ** ", "", 2},    {"lshift", "", " << ", "", 2},
    {"rshift", "", " >> ", "", 2}, {"and_", "", " & ", "", 2},    {"or_", "", " | ", "", 2},
    {"xor", "", " ^ ", "", 2},    {"getitem", "", "[", "]", 2},  {"matmul", "", " @ ", "", 2},
    {"eq", "", " == ", "", 2},    {"ne", "", " != ", "", 2},     {"lt", "", " < ", "", 2},
    {"gt", "", " > ", "", 2},     {"le", "", " <= ", "", 2},     {"ge", "", " >= ", "", 2},
    {"pos", "+", "", "", 1},      {"neg", "-", "", "", 1},       {"invert", "~", "", "", 1},
}};

// The name the generated code calls a function by (FX's add_global).
std::string global_name(op_handle op) {
  const std::string& name = op_name(op);
  switch (op_info(op).family) {
    case op_family::aten_overload:
    case op_family::higher_order: return "torch.ops." + name;
    case op_family::python_builtin: return name.substr(name.find('.') + 1);
    default:
      if (name.starts_with("torch.")) return name;
      std::string s = name;
      std::replace(s.begin(), s.end(), '.', '_');
      return s;
  }
}

void append_args(std::string& out, const Node& n, std::size_t skip, const node_namer& name) {
  bool first = true;
  for (std::size_t i = skip; i < n.args().size(); ++i) {
    if (!first) out += ", ";
    first = false;
    append_repr(out, n.args()[i], name);
  }
  for (const auto& [k, v] : n.kwargs()) {
    if (!first) out += ", ";
    first = false;
    out += k + " = ";
    append_repr(out, v, name);
  }
}

}  // namespace

namespace {

void append_node(std::string& out, const Graph& g, node_id id, print_style style, const node_namer& name) {
  const Node& n = g.node(id);
  if (n.op() == node_op::output) {
    out += "return ";
    append_repr(out, n.args().empty() ? arg() : n.args().front(), name);
    return;
  }
  out += "%";
  out += n.name();
  out += " : ";
  if (!n.type().empty()) out += n.type() + " ";
  out += style == print_style::torch2 ? "[num_users=" : "[#users=";
  out += std::to_string(n.num_users());
  out += "] = ";
  out += to_string(n.op());
  out += "[target=";
  out += n.op() == node_op::call_function ? pretty_target(n.target_op()) : n.target();
  out += "]";
  if (n.op() == node_op::placeholder) {
    if (!n.args().empty()) {
      out += "(default=";
      append_format_arg(out, n.args().front(), name);  // str(args[0])
      out += ")";
    }
  } else if (n.op() != node_op::get_attr) {
    out += "(args = (";
    for (std::size_t i = 0; i < n.args().size(); ++i) {
      if (i) out += ", ";
      append_format_arg(out, n.args()[i], name);
    }
    out += n.args().size() == 1 ? ",), kwargs = {" : "), kwargs = {";
    bool first = true;
    for (const auto& [k, v] : n.kwargs()) {
      if (!first) out += ", ";
      first = false;
      out += k + ": ";
      append_format_arg(out, v, name);
    }
    out += "})";
  }
}

}  // namespace

std::string format_node(const Graph& g, node_id id, print_style style) {
  std::string out;
  append_node(out, g, id, style, namer(g));
  return out;
}

std::string graph_str(const Graph& g, print_style style) {
  std::string out = "graph():";
  out.reserve(64 * g.size());
  auto name = namer(g);
  for (node_id n = g.first(); n != no_node; n = g.node(n).next()) {
    out += "\n    ";
    append_node(out, g, n, style, name);
  }
  return out;
}

namespace {

// The body of forward and its free variables, as FX's CodeGen._gen_python_code builds them.
std::pair<std::vector<std::string>, std::string> gen_body(const Graph& g, print_style style,
                                                          std::string_view root, std::string& return_annotation) {
  auto name = namer(g);
  // last_user[p]: the last node using p (FX registers uses walking the nodes in reverse)
  std::vector<node_id> last_user(g.capacity(), no_node);
  for (node_id n = g.last(); n != no_node; n = g.node(n).prev()) {
    auto reg = [&](node_id p) {
      if (last_user[p] == no_node) last_user[p] = n;
    };
    for (const arg& a : g.node(n).args()) for_each_node(a, reg);
    for (const kwarg& kw : g.node(n).kwargs()) for_each_node(kw.second, reg);
  }
  std::vector<std::string> free_vars;
  std::string body;
  std::vector<char> freed(g.capacity(), 0);
  for (node_id id = g.first(); id != no_node; id = g.node(id).next()) {
    const Node& n = g.node(id);
    std::string annotation = n.type().empty() ? "" : " : " + n.type();
    switch (n.op()) {
      case node_op::placeholder: {
        std::string v = n.target() + annotation;
        if (!n.args().empty()) {
          v += " = ";
          append_repr(v, n.args().front(), name);
        }
        free_vars.push_back(std::move(v));
        std::string raw = n.target();
        raw.erase(std::remove(raw.begin(), raw.end(), '*'), raw.end());
        if (raw != n.name()) body += n.name() + " = " + raw + "\n";
        continue;  // placeholders free nothing
      }
      case node_op::output:
        if (!n.type().empty()) return_annotation = " -> " + n.type();
        body += "return ";
        append_repr(body, n.args().empty() ? arg() : n.args().front(), name);
        body += "\n";
        continue;
      case node_op::call_method:
        body += n.name() + annotation + " = " +
                format_target(n.args().empty() ? std::string("None") : [&] {
                  std::string s;
                  append_repr(s, n.args().front(), name);
                  return s;
                }(), n.target()) + "(";
        append_args(body, n, 1, name);
        body += ")";
        break;
      case node_op::call_module:
        body += n.name() + annotation + " = " + format_target(std::string(root), n.target()) + "(";
        append_args(body, n, 0, name);
        body += ")";
        break;
      case node_op::get_attr: body += n.name() + annotation + " = " + format_target(std::string(root), n.target()); break;
      case node_op::call_function: {
        op_schema s = op_info(n.target_op());
        body += n.name() + annotation + " = ";
        bool done = false;
        if (s.family == op_family::python_operator && n.kwargs().empty()) {
          std::string_view fn = std::string_view(s.name).substr(9);
          for (const magic& m : magic_methods) {
            if (m.name != fn || static_cast<std::size_t>(m.arity) != n.args().size()) continue;
            body += m.pre;
            append_repr(body, n.args()[0], name);
            if (m.arity == 2) {
              body += m.mid;
              append_repr(body, n.args()[1], name);
            }
            body += m.post;
            done = true;
            break;
          }
        }
        if (!done && s.name == "builtins.getattr" && n.args().size() == 2 && n.args()[1].kind() == arg_kind::string &&
            is_identifier(n.args()[1].text())) {
          std::string obj;
          append_repr(obj, n.args()[0], name);
          body += format_target(obj, n.args()[1].text());
          done = true;
        }
        if (!done) {
          body += global_name(n.target_op()) + "(";
          append_args(body, n, 0, name);
          body += ")";
        }
        break;
      }
    }
    // frees: inputs whose last use is here, in first-occurrence order; torch 2 also frees a node
    // nobody uses right after it runs
    std::vector<node_id> to_free;
    auto collect = [&](node_id p) {
      if (last_user[p] == id && !freed[p]) {
        freed[p] = 1;
        to_free.push_back(p);
      }
    };
    for (const arg& a : n.args()) for_each_node(a, collect);
    for (const kwarg& kw : n.kwargs()) for_each_node(kw.second, collect);
    if (style == print_style::torch2 && n.num_users() == 0) to_free.push_back(id);
    if (!to_free.empty()) {
      body += ";  ";
      for (node_id p : to_free) body += g.node(p).name() + " = ";
      body += "None";
    }
    body += "\n";
  }
  if (body.empty()) body = "pass\n";
  return {std::move(free_vars), std::move(body)};
}

// Appends `body` (leading blank lines dropped) to `out` with every line indented by four spaces.
void append_indented(std::string& out, std::string_view body) {
  std::size_t start = body.find_first_not_of('\n');
  body = start == std::string_view::npos ? std::string_view{} : body.substr(start);
  out.reserve(out.size() + body.size() + body.size() / 8 + 8);
  out += "    ";
  for (std::size_t nl; (nl = body.find('\n')) != std::string_view::npos;) {
    out.append(body.data(), nl + 1);
    out += "    ";
    body.remove_prefix(nl + 1);
  }
  out += body;
}

}  // namespace

std::string python_code(const Graph& g, print_style style, std::string_view root_module) {
  std::string return_annotation;
  auto [free_vars, body] = gen_body(g, style, root_module, return_annotation);
  std::string sig = "def forward(" + std::string(root_module);
  for (const auto& v : free_vars) sig += ", " + v;
  sig += ")" + return_annotation + ":";
  std::string out = "\n\n\n" + sig + "\n";
  append_indented(out, body);
  return out;
}

std::string python_code_boxed(const Graph& g, print_style style) {
  std::string return_annotation;
  auto [free_vars, body] = gen_body(g, style, "self", return_annotation);
  std::string prologue = "args_iter = iter(args_list)\n";
  for (node_id n : g.find_nodes(node_op::placeholder)) prologue += g.node(n).name() + " = next(args_iter)\n";
  prologue += "args_list.clear()\n";
  // placeholders renamed by the body (`name = target`) are bound by next() already
  std::string cleaned;
  std::size_t pos = 0;
  for (node_id n : g.find_nodes(node_op::placeholder)) {
    std::string line = g.node(n).name() + " = " + g.node(n).target() + "\n";
    if (body.compare(pos, line.size(), line) == 0) pos += line.size();
  }
  cleaned = body.substr(pos);
  std::string out = "\n\n\ndef forward(self, args_list)" + return_annotation + ":\n";
  append_indented(out, prologue + cleaned);
  return out;
}

std::string print_tabular(const Graph& g) {
  auto name = namer(g);
  std::vector<std::array<std::string, 5>> rows;
  for (node_id id = g.first(); id != no_node; id = g.node(id).next()) {
    const Node& n = g.node(id);
    std::string target = n.target();
    if (n.op() == node_op::call_function) {
      auto fam = op_info(n.target_op()).family;
      if (fam == op_family::python_operator || fam == op_family::python_builtin)
        target = "<built-in function " + target.substr(target.find('.') + 1) + ">";
    }
    std::string args;
    append_repr(args, arg::tuple(std::vector<arg>(n.args().begin(), n.args().end())), name);
    std::string kwargs = "{";
    bool first = true;
    for (const auto& [k, v] : n.kwargs()) {
      if (!first) kwargs += ", ";
      first = false;
      python::append_str_repr(kwargs, k);
      kwargs += ": ";
      append_repr(kwargs, v, name);
    }
    kwargs += "}";
    rows.push_back({std::string(to_string(n.op())), n.name(), target, args, kwargs});
  }
  std::array<std::string, 5> headers{"opcode", "name", "target", "args", "kwargs"};
  std::array<std::size_t, 5> width{};
  for (std::size_t c = 0; c < 5; ++c) {
    width[c] = headers[c].size() + 2;
    for (const auto& r : rows) width[c] = std::max(width[c], r[c].size());
  }
  auto line = [&](const std::array<std::string, 5>& cells) {
    std::string s;
    for (std::size_t c = 0; c < 5; ++c) {
      if (c) s += "  ";
      s += cells[c];
      s.append(width[c] - cells[c].size(), ' ');
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  std::string out = line(headers);
  std::array<std::string, 5> dashes;
  for (std::size_t c = 0; c < 5; ++c) dashes[c] = std::string(width[c], '-');
  out += line(dashes);
  for (const auto& r : rows) out += line(r);
  return out;
}

}  // namespace aotkit::graph
