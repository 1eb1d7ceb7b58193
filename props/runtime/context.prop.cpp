// props/runtime/context.prop.cpp — autocast and saved-tensors-hooks guards restore the state on
// every exit path: random programs of nested guards, with exceptions thrown at random points,
// checked against a model stack.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

import aotkit.runtime;

using namespace aotkit::runtime;

namespace {

struct op {
  int kind;  // 0 autocast, 1 disable_autocast, 2 hooks, 3 throw, 4 leave the scope
  bool cuda;
  bool enabled;
  bool bf16;
  int cache;  // 0 keep, 1 on, 2 off
};

struct model {
  AutocastState state;
  std::vector<std::string> hooks;
};

struct thrown : std::runtime_error {
  thrown() : std::runtime_error("thrown") {}
};

void check(const model& m) {
  RC_ASSERT(_get_autocast_states() == m.state);
  RC_ASSERT(is_autocast_active(DeviceType::CUDA) == m.state.cuda_enabled);
  RC_ASSERT(saved_tensors_hooks_depth() == m.hooks.size());
  auto top = top_saved_tensors_hooks();
  RC_ASSERT(top.has_value() == !m.hooks.empty());
  if (top) RC_ASSERT(top->first.name() == m.hooks.back());
}

// Runs ops[i...] inside nested scopes; returns the index after the scope closed.
std::size_t run(const std::vector<op>& ops, std::size_t i, model m) {
  while (i < ops.size()) {
    const op& o = ops[i++];
    model inner = m;
    switch (o.kind) {
      case 0: {
        auto dev = o.cuda ? DeviceType::CUDA : DeviceType::CPU;
        auto dtype = o.bf16 ? ScalarType::BFloat16 : ScalarType::Half;
        std::optional<bool> cache = o.cache == 0 ? std::nullopt : std::optional(o.cache == 1);
        autocast g(dev, o.enabled, dtype, cache);
        (o.cuda ? inner.state.cuda_enabled : inner.state.cpu_enabled) = o.enabled;
        (o.cuda ? inner.state.cuda_dtype : inner.state.cpu_dtype) = dtype;
        if (cache) inner.state.cache_enabled = *cache;
        check(inner);
        i = run(ops, i, inner);
        break;
      }
      case 1: {
        // ExcludeDispatchKeyGuard: both devices report disabled; those it disabled come back after
        disable_autocast g;
        inner.state.cuda_enabled = inner.state.cpu_enabled = false;
        check(inner);
        i = run(ops, i, inner);
        break;
      }
      case 2: {
        std::string name = "pack" + std::to_string(i);
        saved_tensors_hooks g(Callable(name, [](std::span<const Value>) { return Value(); }),
                              Callable("unpack", [](std::span<const Value>) { return Value(); }));
        inner.hooks.push_back(name);
        check(inner);
        i = run(ops, i, inner);
        break;
      }
      case 3: throw thrown();
      default: return i;
    }
    check(m);  // the guard of this step has been destroyed
  }
  return i;
}

}  // namespace

TEST_CASE("runtime context guards", "[context]") {
  rc::prop("every guard restores the state it replaced, exceptions included", [] {
    auto ops = *rc::gen::container<std::vector<op>>(rc::gen::build<op>(
        rc::gen::set(&op::kind, rc::gen::weightedElement<int>({{4, 0}, {2, 1}, {3, 2}, {1, 3}, {3, 4}})),
        rc::gen::set(&op::cuda), rc::gen::set(&op::enabled), rc::gen::set(&op::bf16),
        rc::gen::set(&op::cache, rc::gen::inRange(0, 3))));
    model base;
    try {
      run(ops, 0, base);
    } catch (const thrown&) {
    }
    check(base);
  });
}
