// props/runtime/boxed.prop.cpp — the boxed convention releases inputs exactly when stealing and
// the callee clears; results are always normalised lists.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include <memory>
#include <span>
#include <vector>

import aotkit.runtime;

#include "generators.hpp"

using namespace aotkit::runtime;

TEST_CASE("boxed calling convention laws", "[boxed]") {
  rc::prop("inputs are released during the call exactly when stolen and cleared by the callee",
           [](bool steal, bool callee_clears, std::uint8_t n_inputs) {
             std::vector<std::weak_ptr<const tensor_impl>> watch;
             value_list args;
             for (int i = 0; i < n_inputs % 8; ++i) {
               Tensor t = empty_meta({i});
               watch.push_back(t.impl());
               args.emplace_back(std::move(t));
             }
             bool released_inside = false;
             Callable f = Callable::boxed("f", [&](value_list& a) {
               if (callee_clears) a.clear();
               released_inside = std::all_of(watch.begin(), watch.end(), [](auto& w) { return w.expired(); });
               return Value();
             });
             call_func_at_runtime_with_args(f, args, steal);
             bool expect_released = steal && callee_clears;
             RC_ASSERT(released_inside == (expect_released || watch.empty()));
             RC_ASSERT(args.empty() == (expect_released || watch.empty()));
             bool alive = std::none_of(watch.begin(), watch.end(), [](auto& w) { return w.expired(); });
             RC_ASSERT(alive == !expect_released || watch.empty());
           });
  rc::prop("the result is normalize_as_list of what the callee returns", [] {
    Value ret = *aotkit_props::gen_value(2);
    Callable f = Callable::boxed("f", [ret](value_list&) { return ret; });
    value_list args;
    value_list out = call_func_at_runtime_with_args(f, args);
    RC_ASSERT(out == normalize_as_list(ret));
    if (ret.is_sequence()) RC_ASSERT(out == ret.items());
    else RC_ASSERT(out.size() == 1u);
  });
  rc::prop("make_boxed_func(f) computes f(*args) and leaves args intact", [] {
    value_list args = *rc::gen::container<value_list>(aotkit_props::gen_scalar());
    Callable count("count", [](std::span<const Value> a) { return Value(static_cast<std::int64_t>(a.size())); });
    Callable g = make_boxed_func(count);
    value_list copy = args;
    RC_ASSERT(g.call_boxed(args) == Value(static_cast<std::int64_t>(copy.size())));
    RC_ASSERT(args == copy);
  });
}
