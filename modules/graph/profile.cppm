// modules/graph/profile.cppm — behaviour profiles (partition :profile): which torch's behaviour to
// reproduce where versions differ (printing, DCE's impurity set, and in aotkit.rewrite the token
// unlifting and the forward/backward predicates of the metadata copy; docs/semantics.md §0).
module;
#include <cstdint>
#include <optional>
#include <string_view>
export module aotkit.graph:profile;

export namespace aotkit::graph {

/// Whose behaviour to reproduce. Each rule that differs between torch versions takes one.
enum class torch_profile : std::uint8_t {
  torch1_13,  ///< torch 1.13: torch 2.6's rules, printed `[#users=N]` (the shared 1.13 captures)
  torch2_6,   ///< torch 2.6 (the seed's utils.py, V2): list outputs after unlift_tokens, one
              ///< `_make_token` per with_effects use, forward/backward told by nn_module_stack,
              ///< `_sink_tokens` and random ops not impure
  latest,     ///< newest upstream (V3): tuple outputs, one `_make_token` per token input,
              ///< partitioner_tag, `_sink_tokens` and (for DCE) seeded random ops impure
};

/// The profile an API call or CLI command uses when none is named: the newest upstream, the
/// behaviour PyTorch is converging on and what aotkit released first (a default that changed
/// with a version would silently change existing users' results).
inline constexpr torch_profile default_torch_profile = torch_profile::latest;

/// Reads a profile name as the CLI's `--torch` takes it: "1.13", "2.6" or "latest".
[[nodiscard]] constexpr std::optional<torch_profile> parse_torch_profile(std::string_view name) noexcept {
  if (name == "1.13") return torch_profile::torch1_13;
  if (name == "2.6") return torch_profile::torch2_6;
  if (name == "latest") return torch_profile::latest;
  return std::nullopt;
}

/// The name parse_torch_profile reads.
[[nodiscard]] constexpr std::string_view to_string(torch_profile p) noexcept {
  switch (p) {
    case torch_profile::torch1_13: return "1.13";
    case torch_profile::torch2_6: return "2.6";
    case torch_profile::latest: return "latest";
  }
  return "latest";
}

}  // namespace aotkit::graph
