// tests/tour.test.cpp — the README's five-minute tour, compiled and checked: the code between
// `tour:begin` and `tour:end` is what the README shows (tests/tour_in_sync.cmake keeps them equal).
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <fstream>
#include <span>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

import aotkit;

namespace {

std::string read_file(const std::string& name) {
  std::ifstream in(std::string(AOTKIT_DATA) + "/graphs/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("tour: runtime", "[tour]") {
  // tour:begin runtime
  using namespace aotkit::runtime;
  Callable add("add", [](std::span<const Value> args) { return Value(args[0].to_int() + args[1].to_int()); });
  Callable g = make_boxed_func(add);   // torch's make_boxed_func: called with one list of args
  value_list args{2, 3};
  Value sum = g.call_boxed(args);      // 5
  std::vector<int> a{1, 2, 3};
  std::vector<double> b{0.5, 1.5};
  // strict_zip(a, b) throws aotkit::value_error, as zip(a, b, strict=True) raises ValueError
  // tour:end
  CHECK(sum == Value(5));
  CHECK_THROWS_AS(
      [&] {
        for (auto [x, y] : strict_zip(a, b)) (void)x;
      }(),
      aotkit::value_error);
}

TEST_CASE("tour: pytree", "[tour]") {
  // tour:begin pytree
  using namespace aotkit::pytree;
  using aotkit::runtime::Value;
  using T = Tree<Value>;
  T tree = T::tuple({Value(1), T::dict({"b", "a"}, {T::list({Value(2), Value(3)}), T::none()})});
  auto [leaves, spec] = tree_flatten(tree);         // leaves [1, 2, 3, None]; None is a leaf, as in torch
  std::string json = treespec_dumps(spec);          // torch's protocol 1, byte for byte
  T back = tree_unflatten(leaves, treespec_loads(json));
  auto [with_paths, spec2] = tree_flatten_with_path(tree);
  std::string where = keystr(with_paths[1].first);  // "[1]['b'][0]"
  static_assert(num_leaves<std::tuple<int, std::array<float, 3>>> == 4);  // static pytrees: compile time
  // tour:end
  CHECK(leaves == std::vector<Value>{1, 2, 3, Value()});
  CHECK(back.structure() == spec);  // None came back as a leaf holding None
  CHECK(tree_leaves(back) == leaves);
  CHECK(spec2 == spec);
  CHECK(where == "[1]['b'][0]");
}

TEST_CASE("tour: graph", "[tour]") {
  // tour:begin graph
  using namespace aotkit::graph;
  Graph g;
  node_id x = g.placeholder("x");
  node_id r = g.call_function("aten.relu.default", {arg::node(x)});
  g.call_function("aten.neg.default", {arg::node(x)});  // unused and pure: dead
  g.output(arg::node(r));
  bool changed = eliminate_dead_code(g);                 // true: neg is gone
  lint(g);                                               // FX's checks; throws with FX's text
  std::string code = python_code(g);                     // FX's codegen, byte for byte
  std::string text = write_fx_json(GraphModule(g), "tour");  // fx-json/1; read_fx_json reads it back
  // tour:end
  CHECK(changed);
  CHECK(code.find("relu_default = torch.ops.aten.relu.default(x);  x = None") != std::string::npos);
  CHECK(read_fx_json(text).module.graph().size() == 3);
}

TEST_CASE("tour: rewrite", "[tour]") {
  // tour:begin rewrite
  using namespace aotkit;
  graph::fx_document joint = graph::read_fx_json(read_file("aot_resnet18_joint.json"));  // functorch's joint graph
  rewrite::metadata_copy_report r = rewrite::copy_fwd_metadata_to_bw_nodes(joint.module);
  // r.matched backward nodes now carry fwd_nn_module_stack / fwd_source_fn_stack

  graph::fx_document fw = graph::read_fx_json(read_file("effects_print.json"));  // with_effects(token, ...)
  rewrite::token_metadata tokens{{"ordered"}, 0};  // one forward token, no backward ones
  rewrite::unlift_tokens(fw.module, tokens);       // token input -> _make_token, outputs -> _sink_tokens
  // tour:end
  CHECK(r.matched == 236);
  CHECK(graph::python_code(fw.module.graph()).find("_sink_tokens.default([getitem_2])") != std::string::npos);
}

TEST_CASE("tour: random", "[tour]") {
  // tour:begin random
  using namespace aotkit::random;
  CUDAGenerator gen(0);                       // torch.manual_seed(0) on a CUDA device's generator
  std::vector<float> u = torch_rand(gen, 4);  // torch.rand(4, device='cuda'): 0.3990465, 0.5166792, ...
  philox_stream s(1234);                      // curand_init(1234, 0, 0, &state)
  std::uint32_t first = s.next_u32();         // curand(&state)
  // tour:end
  CHECK(u[0] == 0.39904648065567017f);
  CHECK(u[1] == 0.5166791677474976f);
  CHECK(first == 546353992u);  // libcurand's value (tests/random/curand_reference.test.cpp)
  CHECK(gen.philox_offset_per_thread() == 4);  // torch.rand(4) advanced the offset by 4
}
