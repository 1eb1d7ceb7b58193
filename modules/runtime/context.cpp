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

// What torch.autocast.__exit__ puts back: the device's enabled flag and dtype, and the cache flag.
struct autocast_saved {
  DeviceType device;
  bool enabled;
  ScalarType dtype;
  bool cache_enabled;
};

// `enabled` is the thread's autocast dispatch-key state: torch reads is_autocast_enabled(device)
// as "the device's Autocast key is not excluded", and _DisableAutocast excludes the keys.
struct autocast_tls {
  AutocastState state;
  std::vector<autocast_saved> saved;  // one entry per live autocast guard
  std::vector<std::uint64_t> ids;     // the guard of each entry
  std::uint64_t next_id = 0;
};

bool& enabled_flag(AutocastState& s, DeviceType d) noexcept { return d == DeviceType::CUDA ? s.cuda_enabled : s.cpu_enabled; }
ScalarType& dtype_slot(AutocastState& s, DeviceType d) noexcept { return d == DeviceType::CUDA ? s.cuda_dtype : s.cpu_dtype; }

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

bool is_autocast_active(DeviceType device) noexcept { return is_autocast_enabled(device); }

std::size_t autocast_depth() noexcept { return autocast_state().saved.size(); }

autocast::autocast(DeviceType device, bool enabled, std::optional<ScalarType> dtype,
                   std::optional<bool> cache_enabled) {
  auto& tls = autocast_state();
  // torch 2.6's torch.autocast.__init__: no dtype means the device's current autocast dtype; only
  // CPU checks it (CUDA takes float32 or float64 as given), and only when enabled
  ScalarType target = dtype.value_or(get_autocast_dtype(device));
  if (device == DeviceType::CPU && enabled && target != ScalarType::BFloat16 && target != ScalarType::Half) {
    warn(warning_category::user_warning,
         "In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
         "CPU Autocast only supports dtype of torch.bfloat16, torch.float16 currently.");
    enabled = false;
  }
  auto& s = tls.state;
  tls.saved.push_back({device, enabled_flag(s, device), dtype_slot(s, device), s.cache_enabled});
  tls.ids.push_back(id_ = tls.next_id++);
  enabled_flag(s, device) = enabled;
  dtype_slot(s, device) = target;
  if (cache_enabled) s.cache_enabled = *cache_enabled;
}

autocast::~autocast() {
  auto& tls = autocast_state();
  std::size_t i = guard_entry(tls.ids, id_, "autocast");
  if (i == static_cast<std::size_t>(-1)) return;
  // __exit__ of this guard and of every guard made after it, innermost first
  for (std::size_t j = tls.saved.size(); j-- > i;) {
    const autocast_saved& e = tls.saved[j];
    enabled_flag(tls.state, e.device) = e.enabled;
    dtype_slot(tls.state, e.device) = e.dtype;
    tls.state.cache_enabled = e.cache_enabled;
  }
  tls.saved.resize(i);
  tls.ids.resize(i);
}

// ExcludeDispatchKeyGuard(autocast keys): excludes the keys not excluded yet, and on destruction
// re-includes exactly those (whatever nested guards did in between).
disable_autocast::disable_autocast() noexcept {
  auto& s = autocast_state().state;
  cuda_ = std::exchange(s.cuda_enabled, false);
  cpu_ = std::exchange(s.cpu_enabled, false);
}

disable_autocast::~disable_autocast() {
  auto& s = autocast_state().state;
  if (cuda_) s.cuda_enabled = true;
  if (cpu_) s.cpu_enabled = true;
}

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
