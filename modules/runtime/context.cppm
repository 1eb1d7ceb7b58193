// modules/runtime/context.cppm — thread-local runtime context (partition :context): autocast state
// with RAII guards, and the saved-tensors default-hooks stack, as torch's context managers.
module;
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
export module aotkit.runtime:context;

import :error;
import :value;
import :callable;

export namespace aotkit::runtime {

/// Device types that carry an autocast state.
enum class DeviceType : std::uint8_t { CPU, CUDA };

/// The autocast state `_get_autocast_states()` reports (docs/semantics.md §A.5), in Python's order:
/// CUDA enabled, CPU enabled, CUDA dtype, CPU dtype, cache enabled. Defaults are torch's.
struct AutocastState {
  bool cuda_enabled = false;
  bool cpu_enabled = false;
  ScalarType cuda_dtype = ScalarType::Half;
  ScalarType cpu_dtype = ScalarType::BFloat16;
  bool cache_enabled = true;
  friend bool operator==(const AutocastState&, const AutocastState&) = default;
};

/// This thread's autocast state (`_get_autocast_states`). Inside `disable_autocast` both devices
/// report disabled, as torch's do (its enabled flags are the autocast dispatch keys it excludes).
[[nodiscard]] AutocastState _get_autocast_states() noexcept;
/// `torch.is_autocast_enabled(device_type)`.
[[nodiscard]] bool is_autocast_enabled(DeviceType device) noexcept;
/// `torch.get_autocast_dtype(device_type)`.
[[nodiscard]] ScalarType get_autocast_dtype(DeviceType device) noexcept;
/// `torch.is_autocast_cache_enabled()`.
[[nodiscard]] bool is_autocast_cache_enabled() noexcept;
/// Whether an operator run now would be autocast for `device`: is_autocast_enabled (kept for
/// callers of the earlier API, where the two differed).
[[nodiscard]] bool is_autocast_active(DeviceType device) noexcept;
/// The number of `autocast` guards alive on this thread.
[[nodiscard]] std::size_t autocast_depth() noexcept;

/// RAII `torch.autocast(device_type, dtype=..., enabled=..., cache_enabled=...)` (torch 2.6): sets
/// this thread's enabled flag and dtype for `device` (dtype defaults to the device's current
/// autocast dtype) and the cache flag, and puts those three back when destroyed, on every exit
/// path. On CPU an enabled guard with a dtype other than bfloat16/float16 warns torch's text ("In
/// CPU autocast, but the target dtype is not supported. Disabling autocast.\nCPU Autocast only
/// supports dtype of torch.bfloat16, torch.float16 currently.") and disables; CUDA takes any dtype
/// (torch checks only bfloat16 support, which needs a device). Inside `disable_autocast` a guard
/// re-enables its device, as in torch. Guards nest and are meant to end in reverse order; a guard that ends while guards
/// made after it live restores the state from before itself, ends those too (their own end is
/// then a no-op) and warns — the same in every build.
class autocast {
 public:
  explicit autocast(DeviceType device, bool enabled = true, std::optional<ScalarType> dtype = std::nullopt,
                    std::optional<bool> cache_enabled = std::nullopt);
  ~autocast();
  autocast(const autocast&) = delete;
  autocast& operator=(const autocast&) = delete;

 private:
  std::uint64_t id_;  // this guard's entry on the thread's stack
};

/// RAII `torch._C._DisableAutocast()` (an ExcludeDispatchKeyGuard of the autocast keys): while it
/// lives both devices report autocast disabled; a nested `autocast` re-enables its device until it
/// ends; on destruction the devices it disabled are enabled again.
class disable_autocast {
 public:
  disable_autocast() noexcept;
  ~disable_autocast();
  disable_autocast(const disable_autocast&) = delete;
  disable_autocast& operator=(const disable_autocast&) = delete;

 private:
  bool cuda_ = false, cpu_ = false;  // the devices this guard disabled
};

/// A (pack_hook, unpack_hook) pair of saved-tensors default hooks.
using saved_tensors_hooks_pair = std::pair<Callable, Callable>;

/// `top_saved_tensors_hooks()` (§A.23): the innermost hook pair of this thread's stack, or
/// nullopt when it is empty.
[[nodiscard]] std::optional<saved_tensors_hooks_pair> top_saved_tensors_hooks();
/// The number of hook pairs on this thread's stack.
[[nodiscard]] std::size_t saved_tensors_hooks_depth() noexcept;

/// RAII `torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook)`: pushes the pair,
/// pops it on exit. Throws aotkit::runtime_error with the disabling message while a
/// `disable_saved_tensors_hooks` guard is alive.
class saved_tensors_hooks {
 public:
  saved_tensors_hooks(Callable pack_hook, Callable unpack_hook);
  ~saved_tensors_hooks();
  saved_tensors_hooks(const saved_tensors_hooks&) = delete;
  saved_tensors_hooks& operator=(const saved_tensors_hooks&) = delete;

 private:
  std::uint64_t id_;  // this guard's entry on the thread's stack (ending out of order: as autocast)
};

/// RAII `torch.autograd.graph.disable_saved_tensors_hooks(error_message)`: while alive, pushing
/// hooks throws aotkit::runtime_error(error_message). Restores the previous setting on exit.
class disable_saved_tensors_hooks {
 public:
  explicit disable_saved_tensors_hooks(std::string error_message);
  ~disable_saved_tensors_hooks();
  disable_saved_tensors_hooks(const disable_saved_tensors_hooks&) = delete;
  disable_saved_tensors_hooks& operator=(const disable_saved_tensors_hooks&) = delete;

 private:
  std::optional<std::string> previous_;
};

/// `saved_tensors_hooks_are_inlineable(hooks)` (§A.24): false for no hooks; true iff both the
/// pack and the unpack hook are graph modules.
[[nodiscard]] bool saved_tensors_hooks_are_inlineable(const std::optional<saved_tensors_hooks_pair>& hooks) noexcept;
/// The same over a sequence, as Python unpacks it: empty → false; a length other than 2 throws
/// aotkit::value_error ("too many values to unpack (expected 2)" / "not enough values to unpack
/// (expected 2, got 1)").
[[nodiscard]] bool saved_tensors_hooks_are_inlineable(std::span<const Callable> hooks);

}  // namespace aotkit::runtime
