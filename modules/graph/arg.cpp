// modules/graph/arg.cpp — argument values: shared immutable containers with a bounded depth, and
// their two textual forms (FX's _format_arg and Python's repr as the code generator writes it).
module;
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
module aotkit.graph;

import aotkit.runtime;

namespace aotkit::graph {

struct arg::block {
  std::atomic<std::uint32_t> refs{1};
  std::uint32_t depth = 0;
  std::string text;
  std::vector<arg> items;
  std::vector<std::pair<arg, arg>> entries;
  double re = 0, im = 0;
};

void arg::retain() const noexcept { p_->refs.fetch_add(1, std::memory_order_relaxed); }

void arg::release() noexcept {
  // Depth is bounded by max_arg_depth, so the recursive destruction of nested blocks is too.
  if (p_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete p_;
}

arg arg::boxed_arg(arg_kind kind, block* b) noexcept {
  arg a;
  a.kind_ = kind;
  a.p_ = b;
  return a;
}

arg::arg(arg_kind kind, std::string_view text) : kind_(kind) {
  p_ = new block;
  p_->text.assign(text);
}

namespace {

std::uint32_t checked_depth(std::uint32_t child_depth) {
  if (child_depth + 1 > max_arg_depth)
    throw value_error("argument containers nest deeper than " + std::to_string(max_arg_depth) + " levels");
  return child_depth + 1;
}

}  // namespace

void wrong_kind(std::string_view expected, arg_kind got) {
  throw type_error("expected " + std::string(expected) + ", got " + std::string(kind_name(got)));
}

arg arg::list(std::vector<arg> items) {
  std::uint32_t d = 0;
  for (const auto& x : items) d = std::max(d, x.depth());
  auto* b = new block;
  b->items = std::move(items);
  try {
    b->depth = checked_depth(d);
  } catch (...) {
    delete b;
    throw;
  }
  return boxed_arg(arg_kind::list, b);
}

arg arg::tuple(std::vector<arg> items) {
  arg a = list(std::move(items));
  a.kind_ = arg_kind::tuple;
  return a;
}

arg arg::dict(std::vector<std::pair<arg, arg>> entries) {
  std::uint32_t d = 0;
  for (const auto& [k, v] : entries) d = std::max({d, k.depth(), v.depth()});
  auto* b = new block;
  b->entries = std::move(entries);
  try {
    b->depth = checked_depth(d);
  } catch (...) {
    delete b;
    throw;
  }
  return boxed_arg(arg_kind::dict, b);
}

arg arg::slice(arg start, arg stop, arg step) {
  arg a = list({std::move(start), std::move(stop), std::move(step)});
  a.kind_ = arg_kind::slice;
  return a;
}

arg arg::tagged(arg_kind kind, std::string_view name) {
  if (kind < arg_kind::dtype || kind > arg_kind::layout) {
    if (kind != arg_kind::repr && kind != arg_kind::string && kind != arg_kind::op)
      throw value_error("arg::tagged: not a tagged kind");
  }
  return arg(kind, name);
}

arg arg::complex(double re, double im) {
  auto* b = new block;
  b->re = re;
  b->im = im;
  return boxed_arg(arg_kind::complex, b);
}

bool arg::to_bool() const {
  if (kind_ != arg_kind::boolean) wrong_kind("bool", kind_);
  return i_ != 0;
}
std::int64_t arg::to_int() const {
  if (kind_ != arg_kind::integer) wrong_kind("int", kind_);
  return i_;
}
double arg::to_double() const {
  if (kind_ != arg_kind::floating) wrong_kind("float", kind_);
  return d_;
}
const std::string& arg::text() const {
  if (kind_ != arg_kind::string && kind_ != arg_kind::repr && kind_ != arg_kind::op &&
      (kind_ < arg_kind::dtype || kind_ > arg_kind::layout))
    wrong_kind("str", kind_);
  return p_->text;
}
std::span<const arg> arg::items() const {
  if (kind_ != arg_kind::list && kind_ != arg_kind::tuple && kind_ != arg_kind::slice) wrong_kind("list or tuple", kind_);
  return p_->items;
}
std::span<const std::pair<arg, arg>> arg::entries() const {
  if (kind_ != arg_kind::dict) wrong_kind("dict", kind_);
  return p_->entries;
}
std::pair<double, double> arg::to_complex() const {
  if (kind_ != arg_kind::complex) wrong_kind("complex", kind_);
  return {p_->re, p_->im};
}
std::uint32_t arg::depth() const noexcept {
  return kind_ == arg_kind::list || kind_ == arg_kind::tuple || kind_ == arg_kind::dict || kind_ == arg_kind::slice
             ? p_->depth
             : 0;
}

bool operator==(const arg& a, const arg& b) noexcept {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case arg_kind::none:
    case arg_kind::ellipsis: return true;
    case arg_kind::boolean:
    case arg_kind::integer: return a.i_ == b.i_;
    case arg_kind::floating: return a.d_ == b.d_ || (a.d_ != a.d_ && b.d_ != b.d_);  // nan == nan, as FX's graphs compare
    case arg_kind::node: return a.i_ == b.i_;
    case arg_kind::complex: return a.p_->re == b.p_->re && a.p_->im == b.p_->im;
    case arg_kind::list:
    case arg_kind::tuple:
    case arg_kind::slice:
      if (a.p_ == b.p_) return true;
      return a.p_->items == b.p_->items;
    case arg_kind::dict:
      if (a.p_ == b.p_) return true;
      return a.p_->entries == b.p_->entries;
    default: return a.p_ == b.p_ || a.p_->text == b.p_->text;
  }
}

std::string_view kind_name(arg_kind kind) noexcept {
  switch (kind) {
    case arg_kind::none: return "NoneType";
    case arg_kind::boolean: return "bool";
    case arg_kind::integer: return "int";
    case arg_kind::floating: return "float";
    case arg_kind::string: return "str";
    case arg_kind::node: return "Node";
    case arg_kind::list: return "list";
    case arg_kind::tuple: return "tuple";
    case arg_kind::dict: return "dict";
    case arg_kind::slice: return "slice";
    case arg_kind::ellipsis: return "ellipsis";
    case arg_kind::dtype: return "torch.dtype";
    case arg_kind::device: return "torch.device";
    case arg_kind::memory_format: return "torch.memory_format";
    case arg_kind::layout: return "torch.layout";
    case arg_kind::complex: return "complex";
    case arg_kind::repr: return "object";
    case arg_kind::op: return "OpOverload";
  }
  return "?";
}

arg map_nodes(const arg& a, const std::function<arg(node_id)>& f) {
  switch (a.kind()) {
    case arg_kind::node: return f(a.to_node());
    case arg_kind::list:
    case arg_kind::tuple:
    case arg_kind::slice: {
      if (a.depth() == 1) {
        bool any = false;
        for (const auto& x : a.items()) any = any || x.is_node();
        if (!any) return a;
      }
      std::vector<arg> items;
      items.reserve(a.items().size());
      bool changed = false;
      for (const auto& x : a.items()) {
        items.push_back(map_nodes(x, f));
        changed = changed || !(items.back() == x) || x.is_node();
      }
      if (!changed) return a;
      if (a.kind() == arg_kind::slice) return arg::slice(items[0], items[1], items[2]);
      return a.kind() == arg_kind::list ? arg::list(std::move(items)) : arg::tuple(std::move(items));
    }
    case arg_kind::dict: {
      std::vector<std::pair<arg, arg>> entries;
      entries.reserve(a.entries().size());
      for (const auto& [k, v] : a.entries()) entries.emplace_back(k, map_nodes(v, f));
      return arg::dict(std::move(entries));
    }
    default: return a;
  }
}

namespace {

// Python's str() of a scalar (strings raw) or repr() (strings quoted); containers elsewhere.
void append_scalar(std::string& out, const arg& a, bool repr) {
  switch (a.kind()) {
    case arg_kind::none: out += "None"; break;
    case arg_kind::boolean: out += a.to_bool() ? "True" : "False"; break;
    case arg_kind::integer: out += std::to_string(a.to_int()); break;
    case arg_kind::floating: python::append_float_repr(out, a.to_double()); break;
    case arg_kind::string:
      if (repr) python::append_str_repr(out, a.text());
      else out += a.text();
      break;
    case arg_kind::ellipsis: out += "Ellipsis"; break;
    case arg_kind::op: {
      // str(OpOverload) is its qualified name; the code generator writes the global name
      const std::string& t = a.text();
      std::size_t dots = static_cast<std::size_t>(std::count(t.begin(), t.end(), '.'));
      bool torch_op = (dots == 2 && !t.starts_with("torch.") && !t.starts_with("operator.") && !t.starts_with("builtins.")) ||
                      t.starts_with("higher_order.");
      if (repr && torch_op) out += "torch.ops.";
      out += t;
      break;
    }
    case arg_kind::dtype:
    case arg_kind::memory_format:
    case arg_kind::layout:
    case arg_kind::repr: out += a.text(); break;
    case arg_kind::device: {
      if (!repr) {
        out += a.text();
        break;
      }
      const std::string& d = a.text();
      auto colon = d.find(':');
      out += "device(type='" + d.substr(0, colon) + "'";
      if (colon != std::string::npos) out += ", index=" + d.substr(colon + 1);
      out += ')';
      break;
    }
    case arg_kind::complex: {
      // Python: (re+imj), or imj alone when re is +0.0
      auto [re, im] = a.to_complex();
      std::string ims = python::float_repr(im);
      if (ims.size() > 2 && ims.ends_with(".0")) ims.resize(ims.size() - 2);
      if (re == 0.0 && !std::signbit(re)) {
        out += ims + "j";
      } else {
        std::string res = python::float_repr(re);
        if (res.size() > 2 && res.ends_with(".0")) res.resize(res.size() - 2);
        out += "(" + res + (ims.front() == '-' ? "" : "+") + ims + "j)";
      }
      break;
    }
    default: break;
  }
}

}  // namespace

void append_format_arg(std::string& out, const arg& a, const node_namer& name) {
  switch (a.kind()) {
    case arg_kind::node:
      out += '%';
      out += name(a.to_node());
      break;
    case arg_kind::list:
    case arg_kind::tuple: {
      bool list = a.kind() == arg_kind::list;
      out += list ? '[' : '(';
      auto items = a.items();
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        append_format_arg(out, items[i], name);
      }
      if (!list && items.size() == 1) out += ',';
      out += list ? ']' : ')';
      break;
    }
    case arg_kind::dict: {
      out += '{';
      bool first = true;
      for (const auto& [k, v] : a.entries()) {
        if (!first) out += ", ";
        first = false;
        append_scalar(out, k, false);  // f'{k}: ...' is str(k)
        out += ": ";
        append_format_arg(out, v, name);
      }
      out += '}';
      break;
    }
    case arg_kind::slice:
      // str(slice) is repr(slice): its parts are repr'd
      append_repr(out, a, name);
      break;
    default: append_scalar(out, a, false);
  }
}

void append_repr(std::string& out, const arg& a, const node_namer& name) {
  switch (a.kind()) {
    case arg_kind::node: out += name(a.to_node()); break;
    case arg_kind::list:
    case arg_kind::tuple: {
      bool list = a.kind() == arg_kind::list;
      out += list ? '[' : '(';
      auto items = a.items();
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        append_repr(out, items[i], name);
      }
      if (!list && items.size() == 1) out += ',';
      out += list ? ']' : ')';
      break;
    }
    case arg_kind::slice: {
      auto items = a.items();
      out += "slice(";
      for (std::size_t i = 0; i < 3; ++i) {
        if (i) out += ", ";
        append_repr(out, items[i], name);
      }
      out += ')';
      break;
    }
    case arg_kind::dict: {
      out += '{';
      bool first = true;
      for (const auto& [k, v] : a.entries()) {
        if (!first) out += ", ";
        first = false;
        append_repr(out, k, name);
        out += ": ";
        append_repr(out, v, name);
      }
      out += '}';
      break;
    }
    default: append_scalar(out, a, true);
  }
}

}  // namespace aotkit::graph
