// tools/aotkit/export_commands.cpp — `aotkit export ...`: torch.export's .pt2 archives through
// aotkit.pt2. `info` tells the layout and lists the records; reading the program comes next.
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.hpp"

import aotkit;

namespace aotkit::cli {

void add_export_commands(registry& reg) {
  reg.groups.push_back({"export", "torch.export's .pt2 archives: layout and records"});
  reg.commands.push_back({
      .group = "export",
      .name = "info",
      .summary = "the archive's layout, schema version, models and records (one JSON object)",
      .description =
          "Reads a .pt2 (or any zip torch writes) and prints one JSON object: \"format\" (the layout:\n"
          "the legacy zip of torch 2.1-2.7, the PT2 archive of 2.8 or 2.9+, an AOTInductor package, a\n"
          "TorchScript or torch.save zip), \"root\", \"schema_version\" (the legacy `version`\n"
          "record), \"archive_version\", \"models\", \"extra_files\" and \"records\" (name, method,\n"
          "size, compressed size). Every member is read and its CRC-32 checked; a damaged or hostile\n"
          "archive is an error naming the member and the byte offset.",
      .options = {},
      .run =
          [](const invocation& inv, const io& io) {
            pt2::zip_archive archive = pt2::zip_archive::from_bytes(read_input(inv, io));
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
            io.out << out.dump(1) << '\n';
            return int{ok};
          },
  });
}

}  // namespace aotkit::cli
