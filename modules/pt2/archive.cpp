// modules/pt2/archive.cpp — telling torch's `.pt2` layouts apart by their records, and where each
// keeps a program's records.
module;
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
module aotkit.pt2;

import aotkit.runtime;

namespace aotkit::pt2 {

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view to_string(pt2_layout layout) noexcept {
  switch (layout) {
    case pt2_layout::legacy_zip: return "legacy zip (torch 2.1-2.7)";
    case pt2_layout::pt2_archive: return "PT2 archive, pickled weights (torch 2.8)";
    case pt2_layout::pt2_archive_raw: return "PT2 archive, raw weights (torch 2.9+)";
    case pt2_layout::aoti_package: return "AOTInductor package";
    case pt2_layout::torchscript: return "TorchScript archive";
    case pt2_layout::torch_save: return "torch.save archive";
    case pt2_layout::unknown: return "unknown";
  }
  return "unknown";
}

pt2_info inspect(const zip_archive& archive) {
  pt2_info info;
  info.root = archive.root();
  auto has = [&](std::string_view record) { return archive.find_record(record) != nullptr; };
  auto text = [&](std::string_view record) { return std::string(trimmed(archive.read_record(record))); };
  // the names relative to the root
  std::vector<std::string_view> names;
  for (const zip_entry& e : archive.entries()) {
    std::string_view n = e.name;
    if (n.starts_with(info.root)) n.remove_prefix(info.root.size());
    names.push_back(n);
  }
  auto any_under = [&](std::string_view folder) {
    return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return n.starts_with(folder); });
  };
  auto files_under = [&](std::string_view folder) {
    std::vector<std::string> out;
    for (std::string_view n : names)
      if (n.starts_with(folder) && n.size() > folder.size()) out.emplace_back(n.substr(folder.size()));
    return out;
  };
  if (has("archive_format") && text("archive_format") == "pt2") {
    if (has("archive_version")) {
      info.archive_version = text("archive_version");
      if (*info.archive_version != "0")
        throw value_error("PT2 archive version '" + quote_excerpt(*info.archive_version) + "' is not supported (torch writes \"0\")");
    }
    for (std::string_view n : names) {
      if (!n.starts_with("models/") || !n.ends_with(".json")) continue;
      std::string_view model = n.substr(7, n.size() - 7 - 5);
      if (!model.empty() && model.find('/') == std::string_view::npos) info.models.emplace_back(model);
    }
    info.extra_files = files_under("extra/");
    if (info.models.empty()) {
      info.layout = any_under("data/aotinductor/") ? pt2_layout::aoti_package : pt2_layout::unknown;
    } else {
      // 2.9's writer keeps a config beside raw weight records; 2.8's weights are one torch.save per model
      const std::string& m = info.models.front();
      info.layout = has("data/weights/" + m + "_weights_config.json") ? pt2_layout::pt2_archive_raw : pt2_layout::pt2_archive;
    }
    return info;
  }
  if (has("serialized_exported_program.json") && has("version")) {
    info.layout = pt2_layout::legacy_zip;
    info.schema_version = text("version");
    info.models.emplace_back();
    info.extra_files = files_under("extra_files/");
  } else if (any_under("data/aotinductor/")) {
    info.layout = pt2_layout::aoti_package;
  } else if (has("data.pkl") && has("constants.pkl")) {
    info.layout = pt2_layout::torchscript;
  } else if (has("data.pkl")) {
    info.layout = pt2_layout::torch_save;
  }
  return info;
}

pt2_records program_records(const pt2_info& info, std::string_view model) {
  switch (info.layout) {
    case pt2_layout::legacy_zip:
      if (!model.empty() && model != "model") throw key_error("a legacy .pt2 holds one program; there is no model '" + std::string(model) + "'");
      return {"serialized_exported_program.json", "serialized_state_dict.pt", "serialized_constants.pt",
              "serialized_example_inputs.pt"};
    case pt2_layout::pt2_archive:
    case pt2_layout::pt2_archive_raw: {
      if (std::find(info.models.begin(), info.models.end(), model) == info.models.end())
        throw key_error("the archive has no model '" + std::string(model) + "'");
      std::string m(model);
      if (info.layout == pt2_layout::pt2_archive)
        return {"models/" + m + ".json", "data/weights/" + m + ".pt", "data/constants/" + m + ".pt", "data/sample_inputs/" + m + ".pt"};
      return {"models/" + m + ".json", "data/weights/" + m + "_weights_config.json",
              "data/constants/" + m + "_constants_config.json", "data/sample_inputs/" + m + ".pt"};
    }
    case pt2_layout::aoti_package:
      throw value_error("this .pt2 is an AOTInductor package (compiled kernels for AOTInductor's runtime, no exported program); "
                        "aotkit reads the archives torch.export.save writes");
    case pt2_layout::torchscript:
      throw value_error("this archive is a TorchScript model (torch.jit.save), not an exported program");
    case pt2_layout::torch_save:
      throw value_error("this archive is a torch.save file, not an exported program");
    case pt2_layout::unknown: break;
  }
  throw value_error("this archive holds no exported program (no serialized_exported_program.json, no models/*.json)");
}

}  // namespace aotkit::pt2
