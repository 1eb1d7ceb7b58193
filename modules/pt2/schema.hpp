// modules/pt2/schema.hpp — what torch 2.6's export serializer and deserializer both consult, shared
// by the program reader and writer: operator schemas, the serialized enums, the symbolic operators.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace aotkit::pt2::detail {

// ---- operator schemas (tools/capture_op_schemas.py under torch 2.6) ----

inline constexpr const char* schema_lines[] = {
#include "op_schemas_torch26.inc"
};

struct schema_arg {
  std::string_view name;
  bool kwarg_only, has_default;
  char list_element;  // a list argument's element: b i f s t (Tensor or Tensor?) x; 0 when not a list
};
struct op_schema {
  bool single_tensor_return;
  int returns;                    // how many values the overload returns
  std::string_view return_kinds;  // one letter per return: t o (Tensor?) l (Tensor[]) i f b x
  std::vector<schema_arg> args;
};

// The schema of "aten::add.Tensor", or null.
inline const op_schema* find_schema(std::string_view qualified) {
  static const auto table = [] {
    std::unordered_map<std::string_view, op_schema> t;
    for (std::string_view line : schema_lines) {
      std::size_t bar1 = line.find('|'), bar2 = line.find('|', bar1 + 1);
      std::string_view ret = line.substr(bar1 + 1, bar2 - bar1 - 1);
      op_schema s{ret == "T", ret == "T" ? 1 : static_cast<int>(ret.size()), ret == "T" ? std::string_view("t") : ret, {}};
      std::string_view rest = line.substr(bar2 + 1);
      while (!rest.empty()) {
        std::size_t comma = rest.find(',');
        std::string_view a = rest.substr(0, comma);
        schema_arg x{a, false, false, 0};
        if (x.name.starts_with('*')) x.name.remove_prefix(1), x.kwarg_only = true;
        if (x.name.ends_with('=')) x.name.remove_suffix(1), x.has_default = true;
        if (auto colon = x.name.find(':'); colon != std::string_view::npos) {
          x.list_element = x.name[colon + 1];
          x.name = x.name.substr(0, colon);
        }
        s.args.push_back(x);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
      t.emplace(line.substr(0, bar1), std::move(s));
    }
    return t;
  }();
  auto it = table.find(qualified);
  return it == table.end() ? nullptr : &it->second;
}

// ---- serialized enums (serialize.py's _TORCH_TO_SERIALIZE_LAYOUT / _MEMORY_FORMAT) ----

inline constexpr std::array<std::string_view, 8> layout_names{
    "", "torch.sparse_coo", "torch.sparse_csr", "torch.sparse_csc", "torch.sparse_bsr", "torch.sparse_bsc", "torch._mkldnn", "torch.strided"};
inline constexpr std::array<std::string_view, 5> memory_format_names{
    "", "torch.contiguous_format", "torch.channels_last", "torch.channels_last_3d", "torch.preserve_format"};

// The name of serialized code `code` in `names`, or "" for an unknown code.
template <std::size_t N>
std::string_view enum_name(const std::array<std::string_view, N>& names, std::int64_t code) {
  return code > 0 && static_cast<std::uint64_t>(code) < N ? names[static_cast<std::size_t>(code)] : std::string_view();
}
// The serialized code of `name`, or -1.
template <std::size_t N>
std::int64_t enum_code(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::size_t i = 1; i < N; ++i)
    if (names[i] == name) return static_cast<std::int64_t>(i);
  return -1;
}

// ---- symbolic operators ----

// serialize.py's _SYM_INT_OPS, _SYM_BOOL_OPS and _SYM_FLOAT_OPS (serialized targets, with the
// parameter names serialize_sym_op_inputs gives their inputs), then aten.item: positional
// arguments, named after their one symbolic output.
inline constexpr const char* sym_op_lines[] = {
#include "sym_op_params_torch26.inc"
};

// The parameter names of symbolic operator `target` ("a,b"), or null when it is not one.
inline const std::string_view* sym_op_params(std::string_view target) {
  static const auto table = [] {
    std::vector<std::pair<std::string_view, std::string_view>> t;
    for (std::string_view line : sym_op_lines) {
      std::size_t bar = line.find('|');
      t.emplace_back(line.substr(0, bar), line.substr(bar + 1));
    }
    // torch.sym_sqrt serializes as its function's own name, torch._sym_sqrt; read both
    t.emplace_back("torch.sym_sqrt", "a");
    t.emplace_back("torch.ops.aten.item.default", "self");
    return t;
  }();
  for (const auto& [name, params] : table)
    if (name == target) return &params;
  return nullptr;
}
inline bool sym_op(std::string_view target) { return sym_op_params(target) != nullptr; }

}  // namespace aotkit::pt2::detail
