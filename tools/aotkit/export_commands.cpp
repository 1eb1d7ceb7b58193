// tools/aotkit/export_commands.cpp — `aotkit export ...`: torch.export's .pt2 archives through
// aotkit.pt2: the layout and records (info), the loaded program's graph, code and signature, and
// the bridge to fx-json (to-fx-json) for the graph and rewrite commands.
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.hpp"

import aotkit;

namespace aotkit::cli {

namespace {

// How a command holds the archive's file: commands that only read it map it (no copy, no fresh
// memory); `save` reads it, because it may write the same path while the program still views
// the archive's bytes (a mapped file cut short under it would be SIGBUS).
enum class hold { map, read };

// A file is mapped, or read straight into the archive's buffer (one read, no copy); standard
// input is slurped.
pt2::zip_archive open_archive(const invocation& inv, const io& io, hold how = hold::map) {
  if (!inv.input || *inv.input == "-") return pt2::zip_archive::from_bytes(read_input(inv, io));
  auto reading = phase(io, "read");
  return how == hold::map ? pt2::zip_archive::map(*inv.input) : pt2::zip_archive::open(*inv.input);
}

pt2::exported_program read_program(const invocation& inv, const io& io) {
  pt2::zip_archive archive = open_archive(inv, io);
  auto parsing = phase(io, "parse");
  return pt2::load_exported_program(archive);
}

// The program with its weights and example inputs, as `run` and `save` need it.
pt2::ExportedProgram load_program(const invocation& inv, const io& io, hold how = hold::map) {
  pt2::zip_archive archive = open_archive(inv, io, how);
  auto parsing = phase(io, "parse");
  return pt2::ExportedProgram::load(archive);
}

nlohmann::ordered_json optional_json(const std::optional<std::string>& s) {
  return s ? nlohmann::ordered_json(*s) : nlohmann::ordered_json(nullptr);
}

}  // namespace

void add_export_commands(registry& reg) {
  reg.groups.push_back({"export", "torch.export's .pt2 archives: layout, graph, code, signature, weights, run, save, fx-json"});
  reg.commands.push_back({
      .group = "export",
      .name = "info",
      .summary = "the archive's layout, schema version, models and records (one JSON object)",
      .description =
          "Reads a .pt2 (or any zip torch writes) and prints one JSON object: \"format\" (the layout:\n"
          "the legacy zip of torch 2.1-2.7, the PT2 archive of 2.8 or 2.9+, an AOTInductor package, a\n"
          "TorchScript or torch.save zip), \"root\", \"schema_version\" (the legacy `version`\n"
          "record), \"archive_version\", \"models\", \"extra_files\" and \"records\" (name, method,\n"
          "size, compressed size), and for an exported program \"program\": schema, torch version,\n"
          "node and submodule counts and the signature one line per input and output\n"
          "(\"PARAMETER p_fc_weight <- fc.weight\", \"BUFFER_MUTATION add -> count\"). Every member is\n"
          "read and its CRC-32 checked; a damaged or hostile archive is an error naming the member and\n"
          "the byte offset.",
      .options = {},
      .run =
          [](const invocation& inv, const io& io) {
            pt2::zip_archive archive = open_archive(inv, io);
            pt2::pt2_info info = pt2::inspect(archive);
            nlohmann::ordered_json out;
            out["format"] = std::string(pt2::to_string(info.layout));
            out["root"] = info.root;
            out["schema_version"] = info.schema_version ? nlohmann::ordered_json(*info.schema_version) : nullptr;
            out["archive_version"] = info.archive_version ? nlohmann::ordered_json(*info.archive_version) : nullptr;
            out["models"] = info.models;
            out["extra_files"] = info.extra_files;
            auto records = nlohmann::ordered_json::array();
            for (const pt2::zip_entry& e : archive.entries()) {
              (void)archive.read(e);  // checks the bytes (CRC-32, inflation)
              records.push_back({{"name", e.name},
                                 {"method", e.method == pt2::zip_method::stored ? "stored" : "deflated"},
                                 {"size", e.size},
                                 {"compressed_size", e.compressed_size}});
            }
            out["records"] = std::move(records);
            // the program, where the archive holds one: counts and a readable signature
            if (info.layout == pt2::pt2_layout::legacy_zip || info.layout == pt2::pt2_layout::pt2_archive ||
                info.layout == pt2::pt2_layout::pt2_archive_raw) {
              pt2::exported_program ep = pt2::load_exported_program(archive, info.models.front());
              nlohmann::ordered_json program;
              program["schema"] = std::to_string(ep.schema_major) + "." + std::to_string(ep.schema_minor);
              program["torch_version"] = ep.torch_version;
              std::size_t nodes = 0;
              for (const auto& [path, g] : ep.module.named_modules()) nodes += g->size();
              program["nodes"] = nodes;
              program["submodules"] = ep.module.named_modules().size() - 1;
              auto lines = nlohmann::ordered_json::array();
              for (const pt2::input_spec& x : ep.inputs)
                lines.push_back(std::string(pt2::to_string(x.kind)) + " " + x.arg + (x.target ? " <- " + *x.target : std::string()) +
                                (x.persistent && !*x.persistent ? " (non-persistent)" : ""));
              for (const pt2::output_spec& x : ep.outputs)
                lines.push_back(std::string(pt2::to_string(x.kind)) + " " + x.arg + (x.target ? " -> " + *x.target : std::string()));
              program["signature"] = std::move(lines);
              out["program"] = std::move(program);
            }
            io.out << out.dump(1) << '\n';
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "export",
      .name = "graph",
      .summary = "print the program's graph exactly as str(ep.graph) after torch.export.load",
      .description =
          "Reads the archive's program (schema 8.x) as torch 2.6's deserializer rebuilds it: arguments\n"
          "with a default become keywords, several outputs become getitem nodes, HOP subgraphs become\n"
          "submodules. Prints str(ep.graph).",
      .options = {},
      .run =
          [](const invocation& inv, const io& io) {
            io.out << graph::graph_str(read_program(inv, io).module.graph()) << '\n';
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "export",
      .name = "code",
      .summary = "print ep.graph_module.code (and each HOP subgraph's, after a `# <name>` line)",
      .description = "Prints the Python code torch generates for the loaded program's graph module, then the\n"
                     "code of each subgraph module (torch.cond branches) after a line `# <name>`.",
      .options = {},
      .run =
          [](const invocation& inv, const io& io) {
            pt2::exported_program ep = read_program(inv, io);
            io.out << graph::python_code(ep.module.graph());
            for (const auto& [path, g] : ep.module.named_modules())
              if (!path.empty()) io.out << "# " << path << '\n' << graph::python_code(*g);
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "export",
      .name = "signature",
      .summary = "the graph signature and calling convention as one JSON object",
      .description =
          "Prints {\"inputs\": [{\"kind\", \"arg\", \"target\", \"persistent\"}, ...], \"outputs\":\n"
          "[{\"kind\", \"arg\", \"target\"}, ...], \"in_spec\", \"out_spec\"}: kinds are torch's\n"
          "InputKind/OutputKind names (PARAMETER, BUFFER, USER_INPUT, BUFFER_MUTATION, ...), the specs\n"
          "treespec_dumps text of the root call.",
      .options = {},
      .run =
          [](const invocation& inv, const io& io) {
            pt2::exported_program ep = read_program(inv, io);
            nlohmann::ordered_json out;
            auto inputs = nlohmann::ordered_json::array();
            for (const pt2::input_spec& s : ep.inputs)
              inputs.push_back({{"kind", std::string(pt2::to_string(s.kind))},
                                {"arg", s.arg},
                                {"target", optional_json(s.target)},
                                {"persistent", s.persistent ? nlohmann::ordered_json(*s.persistent) : nlohmann::ordered_json(nullptr)}});
            auto outputs = nlohmann::ordered_json::array();
            for (const pt2::output_spec& s : ep.outputs)
              outputs.push_back({{"kind", std::string(pt2::to_string(s.kind))}, {"arg", s.arg}, {"target", optional_json(s.target)}});
            out["inputs"] = std::move(inputs);
            out["outputs"] = std::move(outputs);
            out["in_spec"] = pytree::treespec_dumps(ep.in_spec());
            out["out_spec"] = pytree::treespec_dumps(ep.out_spec());
            io.out << out.dump() << '\n';
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "export",
      .name = "weights",
      .summary = "the state dict (shape, dtype, first values) and the constants' names, as one JSON object",
      .description =
          "Reads the archive's weights through the restricted unpickler (tensors, storages and plain\n"
          "containers only: any other pickled global is an error naming it) and prints\n"
          "{\"state_dict\": {fqn: {\"shape\", \"dtype\", \"first\": [first 4 values]}}, \"constants\": [names]}; torch 2.9+ archives' raw\n"
          "weight records are viewed by their payload config's tensor metadata.",
      .options = {},
      .run =
          [](const invocation& inv, const io& io) {
            pt2::zip_archive archive = open_archive(inv, io);
            pt2::pt2_info info = pt2::inspect(archive);
            pt2::pt2_records records = pt2::program_records(info);
            // pickled (torch 2.6-2.8) or raw records with payload configs (2.9+)
            auto tensors = [&](const std::string& record, std::string_view folder) {
              if (info.layout == pt2::pt2_layout::pt2_archive_raw) return pt2::load_raw_tensors(archive, record, folder);
              return pt2::load_tensor_dict(pt2::zip_archive::view(archive.read_record(record)));
            };
            nlohmann::ordered_json out;
            out["state_dict"] = nlohmann::ordered_json::object();
            for (const auto& [name, t] : tensors(records.state_dict, "data/weights/"))
              out["state_dict"][name] = {{"shape", t.shape}, {"dtype", t.dtype}, {"first", t.values(4)}};
            out["constants"] = nlohmann::ordered_json::array();
            if (archive.find_record(records.constants) != nullptr)
              for (const auto& [name, t] : tensors(records.constants, "data/constants/")) out["constants"].push_back(name);
            io.out << out.dump() << '\n';
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "export",
      .name = "run",
      .summary = "run the program on the archive's example inputs; the outputs as one JSON object",
      .description =
          "Loads the program, its weights and its example inputs and calls it as ep.module()(*args,\n"
          "**kwargs) does (inputs checked against in_spec and the exported shapes, state added by the\n"
          "signature, buffer mutations applied), in aotkit's reference interpreter. Prints\n"
          "{\"outputs\": [{\"shape\", \"dtype\", \"values\"}, ...]}, the user outputs flattened in out_spec\n"
          "order (a non-tensor output is its value). An op the interpreter has no kernel for is an error\n"
          "naming it.",
      .options = {},
      .run =
          [](const invocation& inv, const io& io) {
            pt2::ExportedProgram ep = load_program(inv, io);
            if (!ep.example_inputs()) throw value_error("the archive holds no example inputs to run on");
            pytree::Tree<runtime::Value> result = [&] {
              auto running = phase(io, "run");
              return ep(*ep.example_inputs());
            }();
            auto outputs = nlohmann::ordered_json::array();
            for (const runtime::Value& v : result.leaves()) {
              if (!v.is_tensor()) {
                outputs.push_back(v.is_int() ? nlohmann::ordered_json(v.to_int())
                                  : v.is_double() ? nlohmann::ordered_json(v.to_double())
                                  : v.is_bool() ? nlohmann::ordered_json(v.to_bool())
                                  : nlohmann::ordered_json(v.repr()));
                continue;
              }
              const auto& t = rewrite::as_dense(v);
              auto values = nlohmann::ordered_json::array();
              if (rewrite::is_floating(t.dtype())) {
                for (double x : t.values()) values.push_back(x);
              } else {
                for (std::int64_t x : t.int_values()) values.push_back(x);
              }
              outputs.push_back({{"shape", std::vector<std::int64_t>(t.sizes().begin(), t.sizes().end())},
                                 {"dtype", std::string(runtime::to_string(t.dtype()))},
                                 {"values", std::move(values)}});
            }
            nlohmann::ordered_json out;
            out["outputs"] = std::move(outputs);
            io.out << out.dump() << '\n';
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "export",
      .name = "save",
      .summary = "read a .pt2 and write it back as torch.export.save does (to --output, or stdout)",
      .description =
          "Reads the archive (any layout with a program) and writes it in the layout --layout names:\n"
          "  legacy  the flat zip torch 2.1-2.7 write (the default; torch 2.6 loads it): the program\n"
          "          JSON, the state dict, constants and example inputs as torch.save payloads, `version`\n"
          "  pt2-2.8 the PT2 archive of torch 2.8: models/model.json, data/weights/model.pt, ...\n"
          "  pt2     the PT2 archive of torch 2.9+: raw weight_<i> / tensor_<i> records and their configs\n"
          "The program JSON has Python's json.dumps bytes (every field kept, so a torch 2.6 archive's\n"
          "program comes back byte for byte); members are stored and 64-byte aligned. A PT2 archive's\n"
          "root folder is the output file's stem, as torch names it (`archive` on stdout). The PT2\n"
          "layouts follow torch's writer code and documentation; no torch 2.8 or 2.9 checked them.\n"
          "--remove-effect-tokens runs torch.export's _remove_effect_tokens first and --dce the root\n"
          "graph's eliminate_dead_code: the changed program is serialized as torch 2.6 serializes it.",
      .options = {{"output", "FILE", "write the archive here instead of stdout"},
                  {"layout", "NAME", "legacy (default), pt2-2.8 or pt2"},
                  {"remove-effect-tokens", "", "remove the effect tokens first (_remove_effect_tokens)"},
                  {"dce", "", "eliminate the root graph's dead code first"}},
      .run =
          [](const invocation& inv, const io& io) {
            pt2::pt2_layout layout = pt2::pt2_layout::legacy_zip;
            if (auto it = inv.options.find("layout"); it != inv.options.end()) {
              if (it->second == "pt2") layout = pt2::pt2_layout::pt2_archive_raw;
              else if (it->second == "pt2-2.8") layout = pt2::pt2_layout::pt2_archive;
              else if (it->second != "legacy") {
                io.err << "aotkit: error: --layout takes legacy, pt2-2.8 or pt2, not '" << it->second << "'\n";
                return int{usage_error};
              }
            }
            std::string root = "archive";
            if (auto it = inv.options.find("output"); it != inv.options.end()) {
              std::string stem = std::filesystem::path(it->second).stem().string();
              if (!stem.empty() && stem != "." && stem != ".." && stem.find_first_of(":\\") == std::string::npos) root = stem;
            }
            pt2::ExportedProgram ep = load_program(inv, io, hold::read);
            if (inv.has("remove-effect-tokens") || inv.has("dce")) {
              auto changing = phase(io, "change");
              if (inv.has("remove-effect-tokens")) pt2::_remove_effect_tokens(ep.program());
              if (inv.has("dce")) graph::eliminate_dead_code(ep.program().module.graph());
            }
            std::string bytes = [&] {
              auto writing = phase(io, "write");
              return ep.save(layout, root);
            }();
            if (auto it = inv.options.find("output"); it != inv.options.end()) {
              std::ofstream f(it->second, std::ios::binary);
              if (!f || !f.write(bytes.data(), static_cast<std::streamsize>(bytes.size())) || !f.flush()) {
                io.err << "aotkit: error: cannot write " << it->second << '\n';
                return int{output_failed};
              }
            } else {
              io.out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
            }
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "export",
      .name = "to-fx-json",
      .summary = "write the program's graph module as fx-json, for every `aotkit graph` and `rewrite` command",
      .description = "Writes the loaded graph module (root graph and HOP subgraphs) as fx-json/1, so that e.g.\n"
                     "`aotkit export to-fx-json model.pt2 | aotkit graph lint` works.",
      .options = {},
      .run =
          [](const invocation& inv, const io& io) {
            io.out << graph::write_fx_json(read_program(inv, io).module);
            return int{ok};
          },
  });
}

}  // namespace aotkit::cli
