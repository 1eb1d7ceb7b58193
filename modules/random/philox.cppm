// modules/random/philox.cppm — re-exports the constexpr Philox core of include/aotkit/philox_core.hpp
// (partition :philox), the single definition that CPU code and CUDA kernels both compile.
module;
#include <aotkit/philox_core.hpp>
export module aotkit.random:philox;

export namespace aotkit::random::core {
using core::box_muller_double_u;
using core::box_muller_double_v;
using core::box_muller_u;
using core::box_muller_v;
using core::counter_add;
using core::counter_add_high;
using core::philox4x32;
using core::philox_round;
using core::philox_state;
using core::u32x2;
using core::u32x4;
using core::uniform_double_hq;
using core::uniform_double_u32;
using core::uniform_float;
}  // namespace aotkit::random::core
