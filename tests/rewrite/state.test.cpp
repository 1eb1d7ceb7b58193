// tests/rewrite/state.test.cpp — export-time module state: buffer-registration hooks and their
// handles, register_buffer_assignment_hook's rules and texts, the non-strict export root, and
// maybe_to_fresh_input's three outcomes (docs/semantics.md §A.11, docs/semantics.md §A.15, docs/semantics.md §A.20).
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

import aotkit.runtime;
import aotkit.graph;
import aotkit.pytree;
import aotkit.rewrite;

using namespace aotkit::rewrite;
using namespace aotkit::graph;
using aotkit::runtime::Value;

TEST_CASE("buffer assignments on the root map to the node that produced them", "[rewrite][state]") {
  module_state root;
  module_state& child = root.submodule("child");
  Value produced = make_tensor({1}, {2.0f});
  proxy_tracer tracer;
  tracer.tensor_to_node[produced.to_tensor().impl().get()] = "add_3";
  std::unordered_map<std::string, std::string> assigned;
  {
    hook_handle h = register_buffer_assignment_hook(root, assigned, &tracer);
    root.register_buffer("running_mean", produced);
    child.register_buffer("other", produced);  // not the root's table: ignored
    CHECK_THROWS_WITH(root.register_buffer("count", Value(3)), "expected FakeTensor, got <class 'int'>");
  }
  CHECK(assigned == std::unordered_map<std::string, std::string>{{"running_mean", "add_3"}});
  root.register_buffer("after", make_tensor({0}, {}));  // the handle removed the hook
  CHECK(assigned.size() == 1);
  std::vector<std::string> keys;
  root.register_parameter("weight", make_tensor({1}, {1.0f}));
  for (const auto& [k, v] : root.state_dict()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"weight", "running_mean", "after", "child.other"});

  std::unordered_map<std::string, std::string> none;
  hook_handle h = register_buffer_assignment_hook(root, none, nullptr);
  CHECK_THROWS_WITH(root.register_buffer("x", produced), "proxy_mode must not be None");
  h.remove();

  // a tensor the tracer never saw: get_proxy_slot's RuntimeError, torch 2.6's text
  Value stranger = make_tensor({1}, {5.0f});
  hook_handle h2 = register_buffer_assignment_hook(root, none, &tracer);
  std::string id = std::to_string(reinterpret_cast<std::uintptr_t>(stranger.to_tensor().impl().get()));
  CHECK_THROWS_AS(root.register_buffer("y", stranger), aotkit::runtime_error);
  CHECK_THROWS_WITH(root.register_buffer("y", stranger),
                    stranger.repr() + " (" + id + ")is not tracked with proxy for <torch.fx.experimental.proxy_tensor.PythonKeyTracer object>");
  CHECK(none.empty());
}

TEST_CASE("a hook's result replaces the registered buffer", "[rewrite][state]") {
  module_state m;
  hook_handle h = register_module_buffer_registration_hook(
      [](module_state&, std::string_view, const Value&) -> std::optional<Value> { return Value(42); });
  m.register_buffer("b", Value(1));
  CHECK(m.buffers().front().second == Value(42));
}

TEST_CASE("root_module_when_exporting_non_strict", "[rewrite][state]") {
  module_state root;
  export_flat_fn wrapped{{}, &root};
  CHECK(root_module_when_exporting_non_strict(wrapped) == &root);
  CHECK(root_module_when_exporting_non_strict(export_flat_fn{}) == nullptr);

  // the chain through create_tree_flattened_fn: _orig_mod travels from fn to flat_fn, as in torch
  aotkit::runtime::Callable fn("forward", [](std::span<const Value> a) { return Value::tuple({a[0], a[1]}); });
  fn.info().dict.emplace("_orig_mod", Value(std::make_shared<export_wrapper>(&root)));
  using T = aotkit::pytree::Tree<Value>;
  auto [flat, spec] = aotkit::pytree::create_tree_flattened_fn(fn, T::tuple({T(Value(1)), T(Value(2))}));
  CHECK(root_module_when_exporting_non_strict(flat) == &root);
  CHECK(flat({Value(3), Value(4)}) == Value::list({3, 4}));
  CHECK(root_module_when_exporting_non_strict(fn) == &root);
  aotkit::runtime::Callable plain("f", [](std::span<const Value>) { return Value(); });
  CHECK(root_module_when_exporting_non_strict(aotkit::pytree::create_tree_flattened_fn(plain, T::tuple({})).first) == nullptr);
}

TEST_CASE("maybe_to_fresh_input: clone, view or unchanged (docs/semantics.md §A.11)", "[rewrite][state]") {
  mutation_meta meta;
  meta.inputs = {{true, true, true}, {false, true, true}, {false, true, false}, {true, false, false}};
  meta.mutated_inp_runtime_indices = {0, 1, 2};
  CHECK(maybe_to_fresh_input_kind(0, meta) == fresh_input::clone);  // data + metadata + grad: clone wins
  CHECK(maybe_to_fresh_input_kind(1, meta) == fresh_input::view);
  CHECK(maybe_to_fresh_input_kind(2, meta) == fresh_input::unchanged);
  CHECK(maybe_to_fresh_input_kind(3, meta) == fresh_input::unchanged);  // not mutated
  Graph g;
  node_id a = g.placeholder("a");
  node_id b = g.placeholder("b");
  g.meta(b).tensor_meta = arg::dict({{"shape", arg::list({2, 3})}});
  node_id use = g.call_function("aten.add_.Tensor", {arg::node(a), arg::node(b)});
  g.output(arg::node(use));
  node_id fa = maybe_to_fresh_input(g, 0, a, meta);
  node_id fb = maybe_to_fresh_input(g, 1, b, meta);
  CHECK(maybe_to_fresh_input(g, 2, a, meta) == a);
  CHECK(format_node(g, fa) == "%clone_default : [num_users=1] = call_function[target=torch.ops.aten.clone.default](args = (%a,), kwargs = {})");
  CHECK(format_node(g, fb) == "%view_default : [num_users=1] = call_function[target=torch.ops.aten.view.default](args = (%b, [2, 3]), kwargs = {})");
  CHECK(g.input_nodes(use) == std::vector<node_id>{fa, fb});
  CHECK(lint_problems(g).empty());
}
