// modules/graph/print.cpp — str(graph), FX's code generator and print_tabular; one pass each over
// the node list, so printing costs O(nodes + arguments).
module;
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <variant>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
module aotkit.graph;

import aotkit.runtime;
import aotkit.pytree;

namespace aotkit::graph {

namespace {

node_namer namer(const Graph& g) {
  return [&g](node_id n) -> std::string_view { return g.node(n).name(); };
}

// The names generated code calls nodes by. FX's code generator names every node again, in a
// namespace of its own, as it first prints it (python_code's node_repr): that gives each node its
// own name back, unless a name was forced (Graph::force_name), when `input` becomes `input_1` and
// the names after it move as that namespace says.
class code_names {
 public:
  explicit code_names(const Graph& g) : g_(g) {
    if (!g.has_forced_names()) return;
    names_.resize(g.capacity());
    Graph scratch;  // a fresh namespace: placeholders named as FX's create_name names
    for (node_id n : g.node_range())
      names_[n] = scratch.node(scratch.placeholder(g.node(n).name())).name();
  }
  std::string_view operator()(node_id n) const { return names_.empty() ? std::string_view(g_.node(n).name()) : names_[n]; }
  node_namer namer() const {
    return [this](node_id n) { return (*this)(n); };
  }

 private:
  const Graph& g_;
  std::vector<std::string> names_;  // by node id, when a name was forced
};

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
  switch (facts_of(op).family) {
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

// What follows `(args = (` in a line of str(graph): `a, b), kwargs = {k: v})`. Node arguments (most
// of them) go through the cursor; other values and kwargs are formatted onto the string itself.
void append_call_args(text_out& w, const Graph& g, const Node& n, const node_namer& name) {
  std::size_t need = 16;  // room for every node argument and the closing text, made once (again after a flush)
  for (const arg& x : n.args())
    if (x.is_node()) need += 3 + g.node(x.to_node()).name().size();
  w.room(need);
  for (std::size_t i = 0; i < n.args().size(); ++i) {
    const arg& x = n.args()[i];
    if (x.is_node()) {
      if (i) w.put(", ");
      w.put('%');
      w.put(g.node(x.to_node()).name());
    } else {
      std::string& raw = w.flush();
      if (i) raw += ", ";
      append_format_arg(raw, x, name);
      w.resume();
      w.room(need);
    }
  }
  if (n.kwargs().empty()) {
    if (n.args().size() == 1) w.put(",), kwargs = {})");
    else w.put("), kwargs = {})");
    return;
  }
  std::string& raw = w.flush();
  raw += n.args().size() == 1 ? ",), kwargs = {" : "), kwargs = {";
  bool first = true;
  for (const auto& [k, v] : n.kwargs()) {
    if (!first) raw += ", ";
    first = false;
    raw += k + ": ";
    append_format_arg(raw, v, name);
  }
  raw += "})";
  w.resume();
}

// `] = call_function[target=...](args = (`: the same text for every node of an operator, made
// once per graph.
const std::string& call_head(op_text_cache& targets, op_handle op) {
  return targets.get(op, [&] { return "] = call_function[target=" + pretty_target(op) + "](args = ("; });
}

std::string_view users_label(print_style style) { return style == print_style::torch2 ? "[num_users=" : "[#users="; }

// The lines of str(graph) other than a call of nodes (below): `return ...`, other ops, type
// annotations, constant arguments and kwargs. Out of line: graph_str's loop stays small.
[[gnu::noinline]] void append_other_node(text_out& w, const Graph& g, const Node& n, std::string_view users,
                                         std::string_view count, const node_namer& name, op_text_cache& targets) {
  if (n.op() == node_op::output) {
    std::string& raw = w.flush();
    raw += "return ";
    append_repr(raw, n.args().empty() ? arg() : n.args().front(), name);
    w.resume();
    return;
  }
  std::string& raw = w.flush();
  raw += "%";
  raw += n.name();
  raw += " : ";
  if (!n.type().empty()) raw += n.type() + " ";
  raw += users;
  raw += count;
  if (n.op() == node_op::call_function) {
    raw += call_head(targets, n.target_op());
    w.resume();
    append_call_args(w, g, n, name);
    return;
  }
  raw += "] = ";
  raw += to_string(n.op());
  raw += "[target=";
  raw += n.target();
  raw += "]";
  if (n.op() == node_op::placeholder) {
    if (!n.args().empty()) {
      raw += "(default=";
      append_format_arg(raw, n.args().front(), name);  // str(args[0])
      raw += ")";
    }
  } else if (n.op() != node_op::get_attr) {
    raw += "(args = (";
    w.resume();
    append_call_args(w, g, n, name);
    return;
  }
  w.resume();
}

// One line of str(graph) (`%name : [num_users=1] = ...`, or `return ...`), through the cursor `w`;
// `users` is the style's `[num_users=` (torch 2) or `[#users=` (1.13); `targets` keeps the call_head
// of each operator. The one writer of a node's line: format_node and graph_str both call it.
[[gnu::always_inline]] inline void append_node(text_out& w, const Graph& g, node_id id, std::string_view users,
                                               const node_namer& name, op_text_cache& targets) {
  const Node& n = g.node(id);
  char digits[24];
  std::string_view count(digits, std::to_chars(digits, digits + sizeof digits, n.num_users()).ptr);
  bool call = n.op() == node_op::call_function && n.type().empty() && n.kwargs().empty();
  std::size_t need = 24 + n.name().size() + users.size() + count.size();
  for (const arg& x : n.args()) {
    if (!call) break;
    if (!x.is_node()) call = false;
    else need += 3 + g.node(x.to_node()).name().size();
  }
  if (!call) return append_other_node(w, g, n, users, count, name, targets);
  // most lines: `%x : [num_users=1] = call_function[target=...](args = (%a, %b), kwargs = {})`,
  // written within one room made for the whole line
  const std::string& head = call_head(targets, n.target_op());
  w.room(need + head.size());
  w.put('%');
  w.put(n.name());
  w.put(" : ");
  w.put(users);
  w.put(count);
  w.put(head);
  std::span<const arg> args = n.args();
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i) w.put(", ");
    w.put('%');
    w.put(g.node(args[i].to_node()).name());
  }
  if (args.size() == 1) w.put(",), kwargs = {})");
  else w.put("), kwargs = {})");
}

}  // namespace

std::string format_node(const Graph& g, node_id id, print_style style) {
  std::string out;
  op_text_cache targets;
  text_out w(out);
  append_node(w, g, id, users_label(style), namer(g), targets);
  w.flush();
  return out;
}

std::string graph_str(const Graph& g, print_style style) {
  std::string out = "graph():";
  out.reserve(128 * g.size() + 16);  // a typical line is ~110 bytes; unused reserve is only address space
  auto name = namer(g);
  op_text_cache targets;
  std::string_view users = users_label(style);
  text_out w(out);
  for (node_id id : g.node_range()) {
    w.room(5);
    w.put("\n    ");
    append_node(w, g, id, users, name, targets);
  }
  w.flush();
  return out;
}

namespace {

// A placeholder's parameter in the signature: `target : type = default`.
std::string free_var(const Node& n, const node_namer& name) {
  std::string v = n.target();
  if (!n.type().empty()) v += " : " + n.type();
  if (!n.args().empty()) {
    v += " = ";
    append_repr(v, n.args().front(), name);
  }
  return v;
}

// ` -> type` of the last output node with a type (FX keeps the last one it generates).
std::string return_annotation(const Graph& g) {
  std::string ret;
  for (node_id o : g.find_nodes(node_op::output))
    if (!g.node(o).type().empty()) ret = " -> " + g.node(o).type();
  return ret;
}

// Writes the body of forward as FX's CodeGen._gen_python_code builds it into `out`, each line
// after `indent` (FX indents every line of the joined body, so text with a raw newline, which
// only a target can hold, is indented after it too), and a last `indent` after the final newline.
// `boxed`: placeholders are bound by next() already, so the renames before the first other line
// are left out.
void gen_body(const Graph& g, const code_names& code, print_style style, std::string_view root, bool boxed,
              std::string_view indent, std::string& out, bool pytree_output = false) {
  node_namer name = code.namer();
  // last_user[p]: the last node using p (FX registers uses walking the nodes in reverse)
  std::vector<node_id> last_user(g.capacity(), no_node);
  for (node_id n = g.last(); n != no_node; n = g.node(n).prev()) {
    auto reg = [&](node_id p) {
      if (last_user[p] == no_node) last_user[p] = n;
    };
    for (const arg& a : g.node(n).args()) for_each_node(a, reg);
    for (const kwarg& kw : g.node(n).kwargs()) for_each_node(kw.second, reg);
  }
  std::vector<char> freed(g.capacity(), 0);
  op_text_cache globals;  // the name the code calls each operator by
  std::vector<node_id> to_free;
  bool any = false, only_placeholders = true;
  out.reserve(out.size() + 80 * g.size());
  out += indent;
  auto end_line = [&](std::size_t start) {
    if (std::string_view(out).substr(start).find('\n') != std::string_view::npos) {
      std::string text = out.substr(start);
      out.resize(start);
      for (std::size_t nl; (nl = text.find('\n')) != std::string::npos; text.erase(0, nl + 1))
        out.append(text, 0, nl + 1).append(indent);
      out += text;
    }
    out += '\n';
    out += indent;
  };
  for (node_id id : g.node_range()) {
    const Node& n = g.node(id);
    std::size_t start = out.size();
    auto assign = [&] {
      out += code(id);
      if (!n.type().empty()) out.append(" : ").append(n.type());
      out += " = ";
    };
    // `name = base.target(args[skip:], kwargs)`
    auto call = [&](std::string base, std::size_t skip) {
      assign();
      out += format_target(std::move(base), n.target()) + "(";
      append_args(out, n, skip, name);
      out += ")";
    };
    switch (n.op()) {
      case node_op::placeholder: {
        std::string raw = n.target();
        raw.erase(std::remove(raw.begin(), raw.end(), '*'), raw.end());
        if (raw == code(id)) continue;
        any = true;
        if (boxed && only_placeholders) continue;
        out.append(code(id)).append(" = ").append(raw);
        end_line(start);
        continue;  // placeholders free nothing
      }
      case node_op::output:
        // _PyTreeCodeGen.generate_output: the values go back into the caller's structure
        out += pytree_output ? "return pytree.tree_unflatten(" : "return ";
        append_repr(out, n.args().empty() ? arg() : n.args().front(), name);
        if (pytree_output) out += ", self._out_spec)";
        any = true;
        only_placeholders = false;
        end_line(start);
        continue;
      case node_op::call_method: {
        std::string self = "None";
        if (!n.args().empty()) {
          self.clear();
          append_repr(self, n.args().front(), name);
        }
        call(std::move(self), 1);
        break;
      }
      case node_op::call_module: call(std::string(root), 0); break;
      case node_op::get_attr:
        assign();
        out += format_target(std::string(root), n.target());
        break;
      case node_op::call_function: {
        op_handle op = n.target_op();
        op_family family = facts_of(op).family;
        const std::string& op_text = op_name(op);
        assign();
        bool done = false;
        if (family == op_family::python_operator && n.kwargs().empty()) {
          std::string_view fn = std::string_view(op_text).substr(9);
          for (const magic& m : magic_methods) {
            if (m.name != fn || static_cast<std::size_t>(m.arity) != n.args().size()) continue;
            out += m.pre;
            append_repr(out, n.args()[0], name);
            if (m.arity == 2) {
              out += m.mid;
              append_repr(out, n.args()[1], name);
            }
            out += m.post;
            done = true;
            break;
          }
        }
        if (!done && op_text == "builtins.getattr" && n.args().size() == 2 && n.args()[1].kind() == arg_kind::string &&
            is_identifier(n.args()[1].text())) {
          std::string obj;
          append_repr(obj, n.args()[0], name);
          out += format_target(obj, n.args()[1].text());
          done = true;
        }
        if (!done) {
          out += globals.get(op, [&] { return global_name(op); });
          out += '(';
          append_args(out, n, 0, name);
          out += ')';
        }
        break;
      }
    }
    any = true;
    only_placeholders = false;
    // frees: inputs whose last use is here, in first-occurrence order; torch 2 also frees a node
    // nobody uses right after it runs
    to_free.clear();
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
      out += ";  ";
      for (node_id p : to_free) out.append(code(p)).append(" = ");
      out += "None";
    }
    end_line(start);
  }
  if (!any) {
    out += "pass\n";
    out += indent;
  }
}

// _PyTreeCodeGen.gen_fn_def: `def forward(self, <orig_args>):` and, when the graph has
// placeholders, the line that flattens the arguments by in_spec into them (their annotations, if
// any, on a line of their own before it).
std::string pytree_fn_def(const pytree_info& info, std::vector<std::string> free_vars, std::string_view annotation) {
  const auto& orig = info.orig_args;
  auto join = [](auto first, auto last) {
    std::string s;
    for (auto it = first; it != last; ++it) s += (it == first ? "" : ", ") + *it;
    return s;
  };
  if (!orig.empty() && orig.front() == "self") free_vars.insert(free_vars.begin(), "self");
  std::string def = "def forward(";
  if (orig.empty() || orig.front() != "self") def += orig.empty() ? "self" : "self, ";
  def += join(orig.begin(), orig.end()) + ")" + std::string(annotation) + ":";
  if (free_vars.empty()) return def;
  const pytree::TreeSpec& in = info.in_spec;
  std::string signature = "[" + join(orig.begin(), orig.end()) + "], self._in_spec";
  if (in.kind() == pytree::node_kind::tuple && in.num_children() == 2 && in.nodes()[1].kind == pytree::node_kind::tuple &&
      in.nodes()[1 + in.nodes()[1].num_nodes].kind == pytree::node_kind::dict) {
    std::size_t count_args = std::min<std::size_t>(in.nodes()[1].arity, orig.size());
    const auto& keys = in.context_of(1 + in.nodes()[1].num_nodes).keys;
    std::string kwargs = "{";
    for (std::size_t i = 0; i < keys.size() && count_args + i < orig.size(); ++i) {
      std::string k = std::holds_alternative<std::string>(keys[i]) ? std::get<std::string>(keys[i])
                                                                  : std::to_string(std::get<std::int64_t>(keys[i]));
      kwargs += (i ? ", '" : "'") + k + "':" + orig[count_args + i];
    }
    kwargs += "}";
    signature = "([" + join(orig.begin(), orig.begin() + static_cast<std::ptrdiff_t>(count_args)) + "], " + kwargs +
                "), self._in_spec";
  }
  std::string plain, annotated;
  for (std::size_t i = 0; i < free_vars.size(); ++i) {
    const std::string& v = free_vars[i];
    plain += (i ? ", " : "") + v.substr(0, v.find(':'));
    if (v.find(':') != std::string::npos) annotated += v + "; ";
  }
  if (!annotated.empty()) def += "\n    " + annotated + "\n";
  return def + "\n    " + plain + ", = fx_pytree.tree_flatten_spec(" + signature + ")";
}

}  // namespace

std::string python_code(const Graph& g, print_style style, std::string_view root_module) {
  code_names code(g);
  node_namer name = code.namer();
  std::string out = "\n\n\n";
  if (const auto& info = g.codegen()) {
    std::vector<std::string> free_vars;
    for (node_id p : g.find_nodes(node_op::placeholder)) free_vars.push_back(free_var(g.node(p), name));
    out += pytree_fn_def(*info, std::move(free_vars), return_annotation(g)) + "\n";
    gen_body(g, code, style, root_module, false, "    ", out, info->out_spec.has_value());
    return out;
  }
  out += "def forward(" + std::string(root_module);
  for (node_id p : g.find_nodes(node_op::placeholder)) out += ", " + free_var(g.node(p), name);
  out += ")" + return_annotation(g) + ":\n";
  gen_body(g, code, style, root_module, false, "    ", out);
  return out;
}

std::string python_code_boxed(const Graph& g, print_style style) {
  std::string out = "\n\n\ndef forward(self, args_list)" + return_annotation(g) + ":\n    args_iter = iter(args_list)\n";
  code_names code(g);
  for (node_id n : g.find_nodes(node_op::placeholder)) out += "    " + std::string(code(n)) + " = next(args_iter)\n";
  out += "    args_list.clear()\n";
  gen_body(g, code, style, "self", true, "    ", out);
  return out;
}

std::string print_tabular(const Graph& g) {
  auto name = namer(g);
  std::vector<std::array<std::string, 5>> rows;
  for (node_id id : g.node_range()) {
    const Node& n = g.node(id);
    std::string target = n.target();
    if (n.op() == node_op::call_function) {
      auto fam = facts_of(n.target_op()).family;
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
