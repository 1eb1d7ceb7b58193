// tests/runtime/context.test.cpp — autocast state and guards, saved-tensors hooks (docs/semantics.md §A.5, docs/semantics.md §A.23–A.24).
// State is thread-local: a second thread sees torch's defaults.
#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <thread>
#include <vector>

import aotkit.runtime;

using namespace aotkit::runtime;

namespace {

Callable graph_hook(const char* name) {
  return Callable(name, [](std::span<const Value> a) { return a[0]; }, callable_kind::graph_module);
}
Callable opaque_hook(const char* name) {
  return Callable(name, [](std::span<const Value> a) { return a[0]; });
}

}  // namespace

TEST_CASE("_get_autocast_states reports torch's defaults in Python's order", "[context][autocast]") {
  AutocastState s = _get_autocast_states();
  CHECK(s == AutocastState{false, false, ScalarType::Half, ScalarType::BFloat16, true});
  CHECK(to_string(s.cuda_dtype) == "torch.float16");
  CHECK(to_string(s.cpu_dtype) == "torch.bfloat16");
  CHECK(autocast_depth() == 0);
}

TEST_CASE("autocast guards set and restore the state, nested", "[context][autocast]") {
  {
    autocast cuda(DeviceType::CUDA, true, ScalarType::BFloat16);
    CHECK(is_autocast_enabled(DeviceType::CUDA));
    CHECK(get_autocast_dtype(DeviceType::CUDA) == ScalarType::BFloat16);
    CHECK_FALSE(is_autocast_enabled(DeviceType::CPU));
    {
      autocast cpu(DeviceType::CPU, true, std::nullopt, false);
      CHECK(is_autocast_enabled(DeviceType::CPU));
      CHECK_FALSE(is_autocast_cache_enabled());
      CHECK(autocast_depth() == 2);
      autocast off(DeviceType::CUDA, false);
      CHECK_FALSE(is_autocast_enabled(DeviceType::CUDA));
    }
    CHECK(is_autocast_enabled(DeviceType::CUDA));
    CHECK_FALSE(is_autocast_enabled(DeviceType::CPU));
    CHECK(is_autocast_cache_enabled());
  }
  CHECK(_get_autocast_states() == AutocastState{});
}

TEST_CASE("autocast restores the state when an exception leaves the scope", "[context][autocast]") {
  try {
    autocast cuda(DeviceType::CUDA);
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  CHECK(_get_autocast_states() == AutocastState{});
}

TEST_CASE("autocast with an unsupported dtype warns and disables", "[context][autocast]") {
  aotkit::capture_warnings w;
  autocast bad(DeviceType::CPU, true, ScalarType::Double);
  CHECK_FALSE(is_autocast_enabled(DeviceType::CPU));
  CHECK(get_autocast_dtype(DeviceType::CPU) == ScalarType::Double);  // torch sets the dtype anyway
  REQUIRE(w.records().size() == 1);
  // torch 2.6's text, recorded
  CHECK(w.records()[0].message ==
        "In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
        "CPU Autocast only supports dtype of torch.bfloat16, torch.float16 currently.");
}

TEST_CASE("CUDA autocast takes float32 and float64 as torch 2.6 does; no dtype means the current one", "[context][autocast]") {
  aotkit::capture_warnings w;
  {
    autocast f32(DeviceType::CUDA, true, ScalarType::Float);
    CHECK(is_autocast_enabled(DeviceType::CUDA));
    CHECK(get_autocast_dtype(DeviceType::CUDA) == ScalarType::Float);
    autocast inherit(DeviceType::CUDA);
    CHECK(get_autocast_dtype(DeviceType::CUDA) == ScalarType::Float);
  }
  {
    autocast disabled(DeviceType::CPU, false, ScalarType::Double);  // disabled: no check, no warning
  }
  CHECK(w.records().empty());
  CHECK(_get_autocast_states() == AutocastState{});
}

TEST_CASE("disable_autocast reports autocast disabled; a nested autocast re-enables (torch 2.6, recorded)", "[context][autocast]") {
  // as torch 2.6 reported it (recorded with ../shared/tools/torch26):
  //   with autocast("cpu"): with _DisableAutocast(): with autocast("cpu", dtype=float16): ...
  using S = AutocastState;
  const auto H = ScalarType::Half, B = ScalarType::BFloat16;
  {
    autocast cpu(DeviceType::CPU);
    CHECK(_get_autocast_states() == S{false, true, H, B, true});
    {
      disable_autocast off;
      CHECK(_get_autocast_states() == S{false, false, H, B, true});
      CHECK_FALSE(is_autocast_active(DeviceType::CPU));
      {
        autocast nested(DeviceType::CPU, true, H);
        CHECK(_get_autocast_states() == S{false, true, H, H, true});
      }
      CHECK(_get_autocast_states() == S{false, false, H, B, true});
    }
    CHECK(_get_autocast_states() == S{false, true, H, B, true});
    CHECK(is_autocast_active(DeviceType::CPU));
  }
  CHECK(_get_autocast_states() == S{});
  {
    disable_autocast off;  // nothing enabled: nothing to put back
    CHECK(_get_autocast_states() == S{});
  }
  CHECK(_get_autocast_states() == S{});
}

TEST_CASE("autocast state is per thread", "[context][autocast]") {
  autocast cuda(DeviceType::CUDA);
  std::optional<AutocastState> other;
  std::thread([&] { other = _get_autocast_states(); }).join();
  CHECK(*other == AutocastState{});
  CHECK(_get_autocast_states().cuda_enabled);
}

TEST_CASE("top_saved_tensors_hooks is the innermost pair or nothing", "[context][hooks]") {
  CHECK_FALSE(top_saved_tensors_hooks().has_value());
  {
    saved_tensors_hooks outer(opaque_hook("pack1"), opaque_hook("unpack1"));
    {
      saved_tensors_hooks inner(graph_hook("pack2"), graph_hook("unpack2"));
      auto top = top_saved_tensors_hooks();
      REQUIRE(top);
      CHECK(top->first.name() == "pack2");
      CHECK(saved_tensors_hooks_depth() == 2);
    }
    CHECK(top_saved_tensors_hooks()->second.name() == "unpack1");
  }
  CHECK(saved_tensors_hooks_depth() == 0);
}

TEST_CASE("disable_saved_tensors_hooks makes pushing hooks fail with its message", "[context][hooks]") {
  {
    disable_saved_tensors_hooks no("saved tensors default hooks are disabled here");
    CHECK_THROWS_AS(saved_tensors_hooks(opaque_hook("p"), opaque_hook("u")), aotkit::runtime_error);
    CHECK_THROWS_WITH(saved_tensors_hooks(opaque_hook("p"), opaque_hook("u")),
                      "saved tensors default hooks are disabled here");
    CHECK(saved_tensors_hooks_depth() == 0);
  }
  CHECK_NOTHROW(saved_tensors_hooks(opaque_hook("p"), opaque_hook("u")));
}

TEST_CASE("saved_tensors_hooks_are_inlineable needs two graph modules", "[context][hooks]") {
  CHECK_FALSE(saved_tensors_hooks_are_inlineable(std::nullopt));
  CHECK(saved_tensors_hooks_are_inlineable(saved_tensors_hooks_pair{graph_hook("p"), graph_hook("u")}));
  CHECK_FALSE(saved_tensors_hooks_are_inlineable(saved_tensors_hooks_pair{graph_hook("p"), opaque_hook("u")}));
  CHECK_FALSE(saved_tensors_hooks_are_inlineable(saved_tensors_hooks_pair{opaque_hook("p"), graph_hook("u")}));
  std::vector<Callable> none;
  CHECK_FALSE(saved_tensors_hooks_are_inlineable(std::span<const Callable>(none)));
  std::vector<Callable> one{graph_hook("p")};
  CHECK_THROWS_WITH(saved_tensors_hooks_are_inlineable(std::span<const Callable>(one)),
                    "not enough values to unpack (expected 2, got 1)");
  std::vector<Callable> three{graph_hook("a"), graph_hook("b"), graph_hook("c")};
  CHECK_THROWS_WITH(saved_tensors_hooks_are_inlineable(std::span<const Callable>(three)),
                    "too many values to unpack (expected 2)");
  std::vector<Callable> two{graph_hook("a"), graph_hook("b")};
  CHECK(saved_tensors_hooks_are_inlineable(std::span<const Callable>(two)));
}

// Issue 17, L9: ending an outer guard first asserted in Debug and left CUDA autocast on in Release.
TEST_CASE("autocast and hooks guards ended out of order unwind to the outer guard's state and warn", "[context][autocast]") {
  std::vector<aotkit::capture_warnings::record> warnings;
  {
    aotkit::capture_warnings capture;
    auto outer = std::make_unique<autocast>(DeviceType::CUDA);
    auto inner = std::make_unique<autocast>(DeviceType::CPU);
    outer.reset();  // out of order: the state from before `outer`, and `inner` is ended too
    CHECK(_get_autocast_states() == AutocastState{});
    CHECK(autocast_depth() == 0);
    {
      autocast later(DeviceType::CUDA);  // a new guard is not disturbed by the stale one's end
      inner.reset();
      CHECK(is_autocast_enabled(DeviceType::CUDA));
      CHECK(autocast_depth() == 1);
    }
    CHECK(_get_autocast_states() == AutocastState{});

    auto h1 = std::make_unique<saved_tensors_hooks>(graph_hook("p1"), graph_hook("u1"));
    auto h2 = std::make_unique<saved_tensors_hooks>(graph_hook("p2"), graph_hook("u2"));
    h1.reset();
    CHECK_FALSE(top_saved_tensors_hooks());
    h2.reset();
    CHECK(saved_tensors_hooks_depth() == 0);
    warnings = capture.records();
  }
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0].message.starts_with("autocast guard ended before guards made after it"));
  CHECK(warnings[1].message.starts_with("saved_tensors_hooks guard ended before guards made after it"));
}
