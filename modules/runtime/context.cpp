// modules/runtime/context.cpp — the thread-local autocast and saved-tensors-hooks state.
// Each guard saves what it replaces on a per-thread stack and puts it back when destroyed.
module;
#include <cstddef>
#include <cstdint>
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
  std::vector<std::uint64_t> ids;    // the guard of each entry
  std::uint64_t next_id = 0;
  std::size_t disabled = 0;          // live disable_autocast guards
};

autocast_tls& autocast_state() {
  thread_local autocast_tls tls;
  return tls;
}

struct hooks_tls {
  std::vector<saved_tensors_hooks_pair> stack;
  std::vector<std::uint64_t> ids;  // the guard of each entry
  std::uint64_t next_id = 0;
  std::optional<std::string> disabled_message;
};

// Where guard `id` sits on a stack of guard ids, or npos when it is gone already (an outer guard
// ended first and took it along). Warns when guards made after it are still alive.
std::size_t guard_entry(const std::vector<std::uint64_t>& ids, std::uint64_t id, const char* what) {
  for (std::size_t i = ids.size(); i-- > 0;) {
    if (ids[i] != id) continue;
    if (i + 1 != ids.size())
      warn(warning_category::user_warning, std::string(what) +
                                               " guard ended before guards made after it: they are ended too "
                                               "(guards must end in reverse order of construction)");
    return i;
  }
  return static_cast<std::size_t>(-1);
}

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
  tls.ids.push_back(id_ = tls.next_id++);
  auto& s = tls.state;
  (device == DeviceType::CUDA ? s.cuda_enabled : s.cpu_enabled) = enabled;
  (device == DeviceType::CUDA ? s.cuda_dtype : s.cpu_dtype) = target;
  if (cache_enabled) s.cache_enabled = *cache_enabled;
}

autocast::~autocast() {
  auto& tls = autocast_state();
  std::size_t i = guard_entry(tls.ids, id_, "autocast");
  if (i == static_cast<std::size_t>(-1)) return;
  tls.state = tls.saved[i];
  tls.saved.resize(i);
  tls.ids.resize(i);
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
  tls.ids.push_back(id_ = tls.next_id++);
}

saved_tensors_hooks::~saved_tensors_hooks() {
  auto& tls = hooks_state();
  std::size_t i = guard_entry(tls.ids, id_, "saved_tensors_hooks");
  if (i == static_cast<std::size_t>(-1)) return;
  tls.stack.erase(tls.stack.begin() + static_cast<std::ptrdiff_t>(i), tls.stack.end());
  tls.ids.resize(i);
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
