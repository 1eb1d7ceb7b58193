// tests/pt2/run.test.cpp — exported programs run on their example inputs against torch 2.6's own
// outputs (`ep.module()(*args, **kwargs)`), and the input checks torch's unlifted module makes.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "../data_files.hpp"

import aotkit.runtime;
import aotkit.pytree;
import aotkit.rewrite;
import aotkit.pt2;

using namespace aotkit::pt2;
using aotkit::runtime::Value;
using aotkit_testing::slurp;
using tree = aotkit::pytree::Tree<Value>;

namespace {

const std::filesystem::path data_dir = "tests/pt2/data";

// torch's outputs as the oracle scripts record them: {"shape", "dtype", "values"} per tensor, in
// out_spec's leaf order; relative 1e-4 (float math here is in double, torch's in float32).
void check_outputs(const std::vector<Value>& got, const nlohmann::json& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("output " << i);
    const auto& w = want[i];
    if (!w.is_object()) {
      CHECK(got[i].repr() == w.dump());
      continue;
    }
    const auto& t = aotkit::rewrite::as_dense(got[i]);
    CHECK(std::vector<std::int64_t>(t.sizes().begin(), t.sizes().end()) == w["shape"].get<std::vector<std::int64_t>>());
    CHECK(std::string(aotkit::runtime::to_string(t.dtype())) == w["dtype"].get<std::string>());
    std::vector<double> v = t.values();
    REQUIRE(v.size() == w["values"].size());
    for (std::size_t k = 0; k < v.size(); ++k) {
      double e = w["values"][k].get<double>();
      INFO("element " << k << ": " << v[k] << " vs " << e);
      CHECK(std::fabs(v[k] - e) <= 1e-4 * std::fabs(e) + 1e-6);
    }
  }
}

// The oracle's inputs (flattened, as torch ran them) unflattened by the program's in_spec.
tree oracle_inputs(const ExportedProgram& ep, const nlohmann::json& flat) {
  std::vector<Value> leaves;
  for (const auto& x : flat) {
    if (x.is_object()) {
      auto dtype = aotkit::rewrite::parse_dtype(x["dtype"].get<std::string>());
      leaves.push_back(aotkit::rewrite::make_tensor(x["shape"].get<std::vector<std::int64_t>>(), dtype, x["values"].get<std::vector<double>>()));
    } else if (x.is_boolean()) {
      leaves.emplace_back(x.get<bool>());
    } else if (x.is_number_integer()) {
      leaves.emplace_back(x.get<std::int64_t>());
    } else if (x.is_number()) {
      leaves.emplace_back(x.get<double>());
    } else if (x.is_string()) {
      leaves.emplace_back(x.get<std::string>());
    } else {
      leaves.emplace_back(nullptr);
    }
  }
  return aotkit::pytree::tree_unflatten(std::move(leaves), ep.program().in_spec());
}

std::vector<std::filesystem::path> fixtures() {
  std::vector<std::filesystem::path> out;
  for (const auto& dir : {data_dir / "torch26", data_dir / "torch26_run"})
    if (std::filesystem::exists(dir))
      for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".pt2") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("every torch 2.6 archive runs on its example inputs and gives torch's outputs", "[pt2][run]") {
  std::size_t ran = 0;
  for (const auto& path : fixtures()) {
    INFO(path);
    auto oracle = nlohmann::json::parse(slurp(std::filesystem::path(path).replace_extension(".oracle.json")));
    ExportedProgram ep = ExportedProgram::load(zip_archive::open(path));
    REQUIRE(ep.example_inputs().has_value());
    // the oracle ran on its own inputs (a dynamic program on another batch size than exported)
    tree out = ep(oracle_inputs(ep, oracle["example_inputs"]));
    CHECK(out.structure() == ep.program().out_spec());
    std::vector<Value> flat(out.leaves().begin(), out.leaves().end());
    check_outputs(flat, oracle["example_outputs"]);
    ++ran;
  }
  CHECK(ran >= 7);
}

TEST_CASE("a buffer mutation updates the program's state, as the unlifted module's buffer", "[pt2][run]") {
  ExportedProgram ep = ExportedProgram::load(zip_archive::open(data_dir / "torch26/struct_buffers.pt2"));
  auto count = [&] {
    for (const auto& [name, v] : ep.state_dict())
      if (name == "count") return aotkit::rewrite::as_dense(v).values();
    FAIL("no count buffer");
    return std::vector<double>{};
  };
  std::vector<double> before = count();
  (void)ep(*ep.example_inputs());
  std::vector<double> after = count();
  REQUIRE(before.size() == after.size());
  for (std::size_t i = 0; i < before.size(); ++i) CHECK(after[i] == before[i] + 1);  // count.add_(1)
  (void)ep(*ep.example_inputs());
  CHECK(count()[0] == before[0] + 2);
}

TEST_CASE("inputs are checked as torch's unlifted module checks them", "[pt2][run]") {
  ExportedProgram ep = ExportedProgram::load(zip_archive::open(data_dir / "torch26/mlp_dynamic.pt2"));
  auto x = [](std::int64_t rows, std::int64_t cols) {
    return tree(aotkit::rewrite::make_tensor({rows, cols}, std::vector<float>(static_cast<std::size_t>(rows * cols), 0.5f)));
  };
  // the dynamic batch dimension takes any size in its range
  CHECK(ep.call({x(7, 8)}).leaves().size() == 1);
  CHECK(aotkit::rewrite::as_dense(ep.call({x(64, 8)}).leaves()[0]).sizes()[0] == 64);
  CHECK_THROWS_WITH(ep.call({x(65, 8)}), "Expected input at *args[0].shape[0] to be <= 64, but got 65");
  CHECK_THROWS_WITH(ep.call({x(5, 7)}), "Expected input at *args[0].shape[1] to be equal to 8, but got 7");
  CHECK_THROWS_WITH(ep.call({tree(aotkit::rewrite::make_tensor({8}, std::vector<float>(8, 0.0f)))}),
                    "Unexpected number of dimensions in input at *args[0].shape (expected torch.Size([s0, 8]), got torch.Size([8]))");
  CHECK_THROWS_WITH(ep.call({tree(Value(3))}), "Expected input at *args[0] to be a tensor, but got <class 'int'>");
  CHECK_THROWS_AS(ep.call({x(5, 8), x(5, 8)}), aotkit::value_error);
  CHECK_THROWS_WITH(ep.call({x(5, 8)}, {{"y", x(5, 8)}}),
                    "Ran into a kwarg keyword mismatch: Got the following keywords ['y'] but expected []");
}

TEST_CASE("keyword inputs bind by name in any order", "[pt2][run]") {
  ExportedProgram ep = ExportedProgram::load(zip_archive::open(data_dir / "torch26/struct_buffers.pt2"));
  const tree& example = *ep.example_inputs();
  tree expected = ep(example);
  // the same call with the kwargs dict's entries reversed
  tree kwargs = example.child(1);
  const auto& keys = kwargs.structure().context().keys;
  std::vector<aotkit::pytree::key> rev(keys.rbegin(), keys.rend());
  std::vector<tree> vals;
  for (std::size_t i = keys.size(); i-- > 0;) vals.push_back(kwargs.child(i));
  ExportedProgram again = ExportedProgram::load(zip_archive::open(data_dir / "torch26/struct_buffers.pt2"));
  tree got = again(tree::tuple({example.child(0), tree::dict(rev, std::move(vals))}));
  REQUIRE(got.leaves().size() == expected.leaves().size());
  for (std::size_t i = 0; i < got.leaves().size(); ++i) CHECK(aotkit::rewrite::same_value(got.leaves()[i], expected.leaves()[i]));
}
