// modules/pt2/archive.cppm — which of torch's `.pt2` layouts an archive is, told by its records
// (torch's own version strings do not tell them apart: archive_version stayed "0" through three).
module;
#include <optional>
#include <string>
#include <string_view>
#include <vector>
export module aotkit.pt2:archive;

import :zip;

export namespace aotkit::pt2 {

/// The layouts torch has written under the `.pt2` name.
enum class pt2_layout {
  legacy_zip,         ///< torch 2.1–2.7 `torch.export.save`: a flat zip, `serialized_exported_program.json`, `version`
  pt2_archive,        ///< torch 2.8: the PT2 archive, `models/<m>.json`, weights as a nested torch.save
  pt2_archive_raw,    ///< torch 2.9+: the PT2 archive, raw `data/weights/weight_N` records and JSON configs
  aoti_package,       ///< an AOTInductor package: compiled kernels, no program
  torchscript,        ///< a TorchScript zip (`data.pkl`, `constants.pkl`)
  torch_save,         ///< a plain torch.save zip (`data.pkl`, `data/N` storages)
  unknown,
};

/// "legacy zip (torch 2.1-2.7)", ...
[[nodiscard]] std::string_view to_string(pt2_layout layout) noexcept;

/// What an archive's records say about it.
struct pt2_info {
  pt2_layout layout = pt2_layout::unknown;
  std::string root;                      ///< the archive's root folder ("" for none)
  std::optional<std::string> schema_version;  ///< the legacy `version` record ("8.2"); the PT2 archive keeps it in the program JSON
  std::optional<std::string> archive_version; ///< the PT2 archive's `archive_version` ("0")
  std::vector<std::string> models;       ///< the programs: "model" for `models/model.json`; "" for the legacy zip's one
  std::vector<std::string> extra_files;  ///< `extra/<name>` (`extra_files/<name>` in the legacy zip)
};

/// Tells the layout from the records present. A PT2 archive whose `archive_version` is not "0"
/// is aotkit::value_error (torch refuses it too).
[[nodiscard]] pt2_info inspect(const zip_archive& archive);

/// The program records of `info`'s model `model` (the legacy zip's fixed names, or the PT2
/// archive's per-model paths), relative to the root.
struct pt2_records {
  std::string program;         ///< the serialized ExportedProgram JSON
  std::string state_dict;      ///< a nested torch.save, or the raw weights' config
  std::string constants;       ///< likewise
  std::string example_inputs;  ///< a nested torch.save of (args, kwargs); may be absent
};
/// Throws aotkit::value_error naming the layout when the archive holds no exported program (an
/// AOTInductor package, a TorchScript or torch.save zip), aotkit::key_error for an unknown model.
[[nodiscard]] pt2_records program_records(const pt2_info& info, std::string_view model = "model");

}  // namespace aotkit::pt2
