// modules/runtime/context.cpp — the thread-local autocast and saved-tensors-hooks state.
// Each guard saves what it replaces on a per-thread stack and puts it back when destroyed.
module;
#include <cassert>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>
module aotkit.runtime;

namespace aotkit::runtime {

namespace {

struct autocast_tls {
  AutocastState state;
  std::vector<AutocastState> saved;  // one entry per live autocast guard
  std::size_t disabled = 0;          // live disable_autocast guards
};

autocast_tls& autocast_state() {
  thread_local autocast_tls tls;
  return tls;
}

struct hooks_tls {
  std::vector<saved_tensors_hooks_pair> stack;
  std::optional<std::string> disabled_message;
};

hooks_tls& hooks_state() {
  thread_local hooks_tls tls;
  return tls;
}

}  // namespace

AutocastState _get_autocast_states() noexcept { return autocast_state().state; }

bool is_autocast_enabled(DeviceType device) noexcept {
  const auto& s = autocast_state().state;
  return device == DeviceType::CUDA ? s.cuda_enabled : s.cpu_enabled;
}

ScalarType get_autocast_dtype(DeviceType device) noexcept {
  const auto& s = autocast_state().state;
  return device == DeviceType::CUDA ? s.cuda_dtype : s.cpu_dtype;
}

bool is_autocast_cache_enabled() noexcept { return autocast_state().state.cache_enabled; }

bool is_autocast_active(DeviceType device) noexcept {
  return is_autocast_enabled(device) && autocast_state().disabled == 0;
}

std::size_t autocast_depth() noexcept { return autocast_state().saved.size(); }

autocast::autocast(DeviceType device, bool enabled, std::optional<ScalarType> dtype,
                   std::optional<bool> cache_enabled) {
  auto& tls = autocast_state();
  ScalarType target = dtype.value_or(device == DeviceType::CUDA ? ScalarType::Half : ScalarType::BFloat16);
  if (enabled && target != ScalarType::Half && target != ScalarType::BFloat16) {
    const char* dev = device == DeviceType::CUDA ? "CUDA" : "CPU";
    warn(warning_category::user_warning,
         std::string("In ") + dev + " autocast, but the target dtype is not supported. Disabling autocast.\n" + dev +
             " Autocast only supports dtypes of torch.float16 and torch.bfloat16 currently.");
    enabled = false;
  }
  tls.saved.push_back(tls.state);
  depth_ = tls.saved.size();
  auto& s = tls.state;
  (device == DeviceType::CUDA ? s.cuda_enabled : s.cpu_enabled) = enabled;
  (device == DeviceType::CUDA ? s.cuda_dtype : s.cpu_dtype) = target;
  if (cache_enabled) s.cache_enabled = *cache_enabled;
}

autocast::~autocast() {
  auto& tls = autocast_state();
  assert(tls.saved.size() == depth_ && "autocast guards must be destroyed in reverse order of construction");
  tls.state = tls.saved.back();
  tls.saved.pop_back();
}

disable_autocast::disable_autocast() noexcept { ++autocast_state().disabled; }
disable_autocast::~disable_autocast() { --autocast_state().disabled; }

std::optional<saved_tensors_hooks_pair> top_saved_tensors_hooks() {
  const auto& tls = hooks_state();
  if (tls.stack.empty()) return std::nullopt;
  return tls.stack.back();
}

std::size_t saved_tensors_hooks_depth() noexcept { return hooks_state().stack.size(); }

saved_tensors_hooks::saved_tensors_hooks(Callable pack_hook, Callable unpack_hook) {
  auto& tls = hooks_state();
  if (tls.disabled_message) throw runtime_error(*tls.disabled_message);
  tls.stack.emplace_back(std::move(pack_hook), std::move(unpack_hook));
  depth_ = tls.stack.size();
}

saved_tensors_hooks::~saved_tensors_hooks() {
  auto& tls = hooks_state();
  assert(tls.stack.size() == depth_ && "saved_tensors_hooks guards must be destroyed in reverse order");
  tls.stack.pop_back();
}

disable_saved_tensors_hooks::disable_saved_tensors_hooks(std::string error_message)
    : previous_(std::exchange(hooks_state().disabled_message, std::move(error_message))) {}

disable_saved_tensors_hooks::~disable_saved_tensors_hooks() { hooks_state().disabled_message = std::move(previous_); }

bool saved_tensors_hooks_are_inlineable(const std::optional<saved_tensors_hooks_pair>& hooks) noexcept {
  return hooks && hooks->first.is_graph_module() && hooks->second.is_graph_module();
}

bool saved_tensors_hooks_are_inlineable(std::span<const Callable> hooks) {
  if (hooks.empty()) return false;
  if (hooks.size() > 2) throw value_error("too many values to unpack (expected 2)");
  if (hooks.size() < 2) {
    throw value_error("not enough values to unpack (expected 2, got " + std::to_string(hooks.size()) + ")");
  }
  return hooks[0].is_graph_module() && hooks[1].is_graph_module();
}

}  // namespace aotkit::runtime
