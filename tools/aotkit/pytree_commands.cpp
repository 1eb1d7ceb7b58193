// tools/aotkit/pytree_commands.cpp — `aotkit treespec ...`: show and convert TreeSpecs between
// torch's JSON protocol 1 (treespec_dumps) and the compact string of torch's C++ pytree.h.
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "runtime/json_document.hpp"

import aotkit;

namespace aotkit::cli {

namespace {

// JSON specs start with '[' (after blanks); anything else is read as the compact format.
pytree::TreeSpec parse_spec(std::string_view t) {
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  std::size_t first = t.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && t[first] == '[') return pytree::treespec_loads(t);
  return pytree::treespec_from_compact(t);
}

pytree::TreeSpec read_spec(const invocation& inv, const io& io) { return parse_spec(read_input(inv, io)); }

// One line of `pytree unflatten`: a JSON array of encoded leaves, or an object with "leaves" (and
// "spec" when no --spec is given), as `pytree flatten` writes them.
std::string unflatten_record(std::string_view line, const pytree::TreeSpec* spec) {
  nlohmann::ordered_json doc;
  try {
    doc = runtime::detail::parse_json_unique_keys<nlohmann::ordered_json>(line);
  } catch (const runtime::detail::duplicate_json_key& e) {
    throw input_error(e.pointer, e.what());
  } catch (const nlohmann::ordered_json::parse_error& e) {
    throw runtime::json_syntax_error(e.what(), e.byte);
  } catch (const nlohmann::ordered_json::exception& e) {
    throw runtime::json_syntax_error(e.what());
  }
  const nlohmann::ordered_json* leaves = &doc;
  std::optional<pytree::TreeSpec> own;
  if (doc.is_object()) {
    auto it = doc.find("leaves");
    if (it == doc.end()) throw input_error("/", "expected an array of leaves or an object with \"leaves\"");
    leaves = &*it;
    if (!spec) {
      auto sp = doc.find("spec");
      if (sp == doc.end() || !sp->is_string()) throw input_error("/spec", "no --spec given and no \"spec\" string here");
      own = parse_spec(sp->get_ref<const std::string&>());
      spec = &*own;
    }
  }
  if (!leaves->is_array()) throw input_error(doc.is_object() ? "/leaves" : "/", "expected an array of leaves");
  if (!spec) throw input_error("/", "no --spec given and the line is not a record with a \"spec\"");
  runtime::value_list values;
  values.reserve(leaves->size());
  for (std::size_t i = 0; i < leaves->size(); ++i) {
    try {
      // written again for the Value reader without recursion: a leaf may nest any depth
      auto put_string = [](std::string& out, const std::string& text) { out += runtime::json_string(text); };
      values.push_back(runtime::value_from_json(runtime::detail::dump_iterative((*leaves)[i], put_string, python::append_float_repr)));
    } catch (const aotkit::input_error& e) {
      throw input_error("/leaves/" + std::to_string(i) + e.where(), e.detail());
    }
  }
  // None leaves go back to None nodes, so the tree prints {"none": null} where it had None.
  auto tree = pytree::tree_unflatten(std::move(values), *spec);
  return pytree::tree_to_json(tree);
}

}  // namespace

namespace {

// One JSON Lines record for one tree (see the command's help).
std::string flatten_record(const pytree::Tree<runtime::Value>& tree, pytree::none_is none) {
  auto [leaves, spec] = pytree::tree_flatten(tree, none);
  std::string out = "{\"leaves\": [";
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    if (i) out += ", ";
    out += runtime::value_to_json(leaves[i]);  // None prints as {"none": null}
  }
  out += "], \"num_leaves\": " + std::to_string(spec.num_leaves()) + ", \"num_nodes\": " + std::to_string(spec.num_nodes());
  std::string dumped;
  try {
    dumped = runtime::json_string(pytree::treespec_dumps(spec));
  } catch (const aotkit::error&) {
    dumped = "null";  // e.g. None nodes or unregistered namedtuples have no protocol-1 form
  }
  out += ", \"spec\": " + dumped + ", \"repr\": " + runtime::json_string(spec.repr()) + ", \"keystrs\": [";
  // torch's keystr of each leaf's key path (tree_flatten_with_path)
  auto paths = pytree::leaf_paths(spec);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (i) out += ", ";
    out += runtime::json_string(pytree::keystr(paths[i]));
  }
  out += "]}";
  return out;
}

}  // namespace

void add_pytree_commands(registry& reg) {
  reg.groups.push_back({"pytree", "Python-like trees in pytree-json/1: flatten, unflatten"});
  reg.commands.push_back({
      .group = "pytree",
      .name = "flatten",
      .summary = "flatten each tree of a JSON Lines input (tree_flatten)",
      .description = "Each input line is a pytree-json/1 tree, or an object with a \"tree\" member (the\n"
                     "conformance cases' form). Each output line is\n"
                     "  {\"leaves\": [...], \"num_leaves\": n, \"num_nodes\": m, \"spec\": \"<treespec_dumps>\",\n"
                     "   \"repr\": \"<torch repr>\", \"keystrs\": [\"<keystr of each leaf's key path>\", ...]}\n"
                     "with \"spec\": null where protocol 1 has no form for the spec (None nodes, unregistered\n"
                     "namedtuples). Errors name the line: '<file>: line <n>: <where>: <what>'.",
      .options = {{"none-is-node", "", "flatten None as a node with no children (optree/JAX) instead of a leaf"}},
      .run =
          [](const invocation& inv, const io& io) {
            auto none = inv.has("none-is-node") ? pytree::none_is::node : pytree::none_is::leaf;
            std::string text = read_input(inv, io);
            auto working = phase(io, "flatten");
            std::size_t line_no = 0;
            for (std::size_t start = 0; start < text.size();) {
              std::size_t end = text.find('\n', start);
              if (end == std::string::npos) end = text.size();
              std::string_view line(text.data() + start, end - start);
              start = end + 1;
              ++line_no;
              if (io.tracker) io.tracker->advance(line_no, 0, "lines");
              if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
              try {
                // {"tree": ...} records (the conformance cases) carry the tree as a member.
                auto tree = pytree::tree_from_json(line, "tree");
                io.out << flatten_record(tree, none) << '\n';
              } catch (const aotkit::input_error& e) {
                throw aotkit::input_error("line " + std::to_string(line_no) + ": " + e.where(), e.detail());
              }
            }
            return int{ok};
          },
  });

  reg.commands.push_back({
      .group = "pytree",
      .name = "unflatten",
      .summary = "rebuild trees from leaves and a spec (tree_unflatten)",
      .description = "Each input line is a JSON array of encoded leaves, or an object with \"leaves\" (and\n"
                     "\"spec\", the records 'pytree flatten' writes, when --spec is not given). Each output\n"
                     "line is the pytree-json/1 tree. --spec reads a treespec JSON or compact file.",
      .options = {{"spec", "FILE", "the spec for every line (treespec_dumps JSON or the compact format)"}},
      .run =
          [](const invocation& inv, const io& io) {
            std::optional<pytree::TreeSpec> spec;
            if (inv.has("spec")) {
              invocation spec_input;
              const std::string& path = inv.options.find("spec")->second;
              spec_input.input = path;
              try {
                spec = read_spec(spec_input, io);
              } catch (const aotkit::input_error& e) {  // names the spec file, not the input
                throw other_file_failure("--spec " + path + (e.where() == path ? "" : ": " + e.where()), e.detail());
              }
            }
            std::string text = read_input(inv, io);
            auto working = phase(io, "unflatten");
            std::size_t line_no = 0;
            for (std::size_t start = 0; start < text.size();) {
              std::size_t end = text.find('\n', start);
              if (end == std::string::npos) end = text.size();
              std::string_view line(text.data() + start, end - start);
              start = end + 1;
              ++line_no;
              if (io.tracker) io.tracker->advance(line_no, 0, "lines");
              if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
              try {
                io.out << unflatten_record(line, spec ? &*spec : nullptr) << '\n';
              } catch (const aotkit::input_error& e) {
                throw aotkit::input_error("line " + std::to_string(line_no) + ": " + e.where(), e.detail());
              } catch (const aotkit::value_error& e) {
                throw aotkit::input_error("line " + std::to_string(line_no), e.what());
              }
            }
            return int{ok};
          },
  });

  reg.groups.push_back({"treespec", "pytree structures: torch's treespec JSON and pytree.h's compact strings"});
  reg.commands.push_back({
      .group = "treespec",
      .name = "show",
      .summary = "print a spec's repr, pprint and counts",
      .description = "Reads a spec as treespec_dumps writes it ([1, {...}]) or in the compact format\n"
                     "(T2#1#2($,L2#1#1($,$))) and prints torch's repr, treespec_pprint and the counts.",
      .options = {{"style", "S", "repr style: torch2 (default, multi-line) or torch1.13 (one line)"}},
      .run =
          [](const invocation& inv, const io& io) {
            auto style = option_choice(inv, "style", {"torch2", "torch1.13"}, "torch2") == "torch2"
                             ? pytree::repr_style::torch2
                             : pytree::repr_style::torch1_13;
            pytree::TreeSpec s = read_spec(inv, io);
            io.out << "repr: " << s.repr(style) << "\npprint: " << pytree::treespec_pprint(s)
                   << "\nnum_leaves: " << s.num_leaves() << "\nnum_nodes: " << s.num_nodes()
                   << "\nnum_children: " << s.num_children() << '\n';
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "treespec",
      .name = "convert",
      .summary = "convert a spec between treespec JSON and the compact format",
      .description = "--to json writes treespec_dumps (protocol 1, byte for byte as torch); --to compact\n"
                     "writes pytree.h's string (lists, tuples, dicts and leaves only).",
      .options = {{"to", "FORMAT", "json | compact (required)"}},
      .run =
          [](const invocation& inv, const io& io) {
            if (!inv.has("to")) throw usage_failure("--to is required");
            std::string to = option_choice(inv, "to", {"json", "compact"}, "json");
            pytree::TreeSpec s = read_spec(inv, io);
            io.out << (to == "json" ? pytree::treespec_dumps(s) : pytree::treespec_to_compact(s)) << '\n';
            return int{ok};
          },
  });
}

}  // namespace aotkit::cli
