// tests/rewrite/kernels.test.cpp — the interpreter's kernel table: binding as Python binds, torch's
// type promotion and broadcasting, dtype storage (float16/bfloat16 rounding), and torch's texts.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

import aotkit.runtime;
import aotkit.graph;
import aotkit.rewrite;

using namespace aotkit::graph;
using namespace aotkit::rewrite;
using aotkit::runtime::ScalarType;
using aotkit::runtime::Value;

namespace {

// Runs one call_function node on the given inputs (placeholders p0, p1, ...).
Value run_op(const std::string& op, std::vector<Value> inputs, std::vector<arg> extra = {}, std::vector<kwarg> kwargs = {}) {
  Graph g;
  std::vector<arg> args;
  for (std::size_t i = 0; i < inputs.size(); ++i) args.push_back(arg::node(g.placeholder("p" + std::to_string(i))));
  for (arg& a : extra) args.push_back(std::move(a));
  g.output(arg::node(g.call_function(op, std::move(args), std::move(kwargs))));
  GraphModule gm(std::move(g));
  interpreter run(gm);
  return run.run(inputs);
}

Value f32(std::vector<std::int64_t> sizes, std::vector<float> v) { return make_tensor(std::move(sizes), std::move(v)); }
Value i64(std::vector<std::int64_t> sizes, std::vector<std::int64_t> v) { return make_int_tensor(std::move(sizes), ScalarType::Long, v); }

std::vector<double> vals(const Value& v) { return as_dense(v).values(); }
ScalarType dt(const Value& v) { return as_dense(v).dtype(); }
std::vector<std::int64_t> shape(const Value& v) {
  auto s = as_dense(v).sizes();
  return {s.begin(), s.end()};
}

}  // namespace

TEST_CASE("promote_types follows torch's table for the real dtypes", "[rewrite][kernels]") {
  CHECK(promote_types(ScalarType::Byte, ScalarType::Char) == ScalarType::Short);
  CHECK(promote_types(ScalarType::Int, ScalarType::Long) == ScalarType::Long);
  CHECK(promote_types(ScalarType::Half, ScalarType::BFloat16) == ScalarType::Float);
  CHECK(promote_types(ScalarType::Long, ScalarType::Half) == ScalarType::Half);
  CHECK(promote_types(ScalarType::Bool, ScalarType::Byte) == ScalarType::Byte);
  CHECK(promote_types(ScalarType::Float, ScalarType::Double) == ScalarType::Double);
  for (auto a : {ScalarType::Byte, ScalarType::Char, ScalarType::Short, ScalarType::Int, ScalarType::Long, ScalarType::Half,
                 ScalarType::Float, ScalarType::Double, ScalarType::Bool, ScalarType::BFloat16})
    for (auto b : {ScalarType::Byte, ScalarType::Long, ScalarType::Half, ScalarType::Double, ScalarType::Bool})
      CHECK(promote_types(a, b) == promote_types(b, a));
}

TEST_CASE("result_type: dimensioned tensors over zero-dim tensors over Python numbers", "[rewrite][kernels]") {
  Value ints = i64({2}, {1, 2});
  // int tensor + float scalar -> the default float dtype
  Value a = run_op("aten.add.Tensor", {ints}, {arg(0.5)});
  CHECK(dt(a) == ScalarType::Float);
  CHECK(vals(a) == std::vector<double>{1.5, 2.5});
  // float16 tensor + a float64 zero-dim tensor stays float16 (same category, lower tier)
  Value h = make_tensor({2}, ScalarType::Half, std::vector<double>{1.0, 2.0});
  Value z = make_tensor({}, ScalarType::Double, std::vector<double>{0.25});
  CHECK(dt(run_op("aten.mul.Tensor", {h, z})) == ScalarType::Half);
  // int tensor + float zero-dim tensor: the category rises, to the zero-dim tensor's dtype
  CHECK(dt(run_op("aten.mul.Tensor", {ints, z})) == ScalarType::Double);
  // true division of integers gives float32; floor division stays integral, rounding down
  CHECK(dt(run_op("aten.div.Tensor", {ints, i64({2}, {2, 2})})) == ScalarType::Float);
  Value fl = run_op("aten.div.Tensor_mode", {i64({2}, {-7, 7}), i64({2}, {2, 2})}, {}, {{"rounding_mode", arg(std::string_view("floor"))}});
  CHECK(dt(fl) == ScalarType::Long);
  CHECK(vals(fl) == std::vector<double>{-4, 3});
  // comparisons give bool
  CHECK(dt(run_op("aten.gt.Scalar", {ints}, {arg(std::int64_t{1})})) == ScalarType::Bool);
  // an integral tensor refuses a float alpha, as torch does
  CHECK_THROWS_WITH(run_op("aten.add.Tensor", {ints, ints}, {}, {{"alpha", arg(0.5)}}),
                    "For integral input tensors, argument alpha must not be a floating point number.");
}

TEST_CASE("broadcasting follows torch's rule and its error text", "[rewrite][kernels]") {
  Value col = f32({3, 1}, {1, 2, 3});
  Value row = f32({4}, {10, 20, 30, 40});
  Value s = run_op("aten.add.Tensor", {col, row});
  CHECK(shape(s) == std::vector<std::int64_t>{3, 4});
  CHECK(vals(s)[5] == 22);
  CHECK_THROWS_WITH(run_op("aten.add.Tensor", {f32({3}, {1, 2, 3}), row}),
                    "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0");
}

TEST_CASE("arguments bind by position, keyword and default, as Python binds a call", "[rewrite][kernels]") {
  Value x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  // sum.dim_IntList(self, dim, keepdim=False, *, dtype=None)
  Value a = run_op("aten.sum.dim_IntList", {x}, {arg::list({arg(std::int64_t{1})})});
  Value b = run_op("aten.sum.dim_IntList", {x}, {arg::list({arg(std::int64_t{1})})}, {{"keepdim", arg(true)}});
  CHECK(shape(a) == std::vector<std::int64_t>{2});
  CHECK(shape(b) == std::vector<std::int64_t>{2, 1});
  CHECK(vals(a) == vals(b));
  Value d = run_op("aten.sum.dim_IntList", {x}, {arg::list(std::vector<arg>{}), arg(false)}, {{"dtype", arg::tagged(arg_kind::dtype, "torch.float64")}});
  CHECK(dt(d) == ScalarType::Double);
  CHECK(vals(d) == std::vector<double>{21});
  CHECK_THROWS_WITH(run_op("aten.mul.Tensor", {x, x}, {}, {{"alpha", arg(std::int64_t{2})}}),
                    "mul() got an unexpected keyword argument 'alpha' (node mul_tensor)");
  CHECK_THROWS_WITH(run_op("aten.sub.Tensor", {x, x}, {arg(std::int64_t{2})}), "sub() takes 2 positional arguments but 3 were given (node sub_tensor)");
  CHECK_THROWS_WITH(run_op("aten.permute.default", {x}), "permute() missing required argument 'dims' (node permute_default)");
  CHECK_THROWS_WITH(run_op("aten.sum.dim_IntList", {x}, {arg::list(std::vector<arg>{}), arg(true)}, {{"keepdim", arg(false)}}),
                    "sum() got multiple values for argument 'keepdim' (node sum_dim_int_list)");
  CHECK_THROWS_AS(run_op("aten.no_such_op.default", {x}), aotkit::not_implemented_error);
}

TEST_CASE("view ops: permute, transpose, expand, slice, select, reshape with -1", "[rewrite][kernels]") {
  Value x = f32({2, 3}, {0, 1, 2, 3, 4, 5});
  CHECK(vals(run_op("aten.permute.default", {x}, {arg::list({arg(std::int64_t{1}), arg(std::int64_t{0})})})) ==
        std::vector<double>{0, 3, 1, 4, 2, 5});
  Value e = run_op("aten.expand.default", {f32({1, 3}, {7, 8, 9})}, {arg::list({arg(std::int64_t{2}), arg(std::int64_t{-1})})});
  CHECK(vals(e) == std::vector<double>{7, 8, 9, 7, 8, 9});
  Value sl = run_op("aten.slice.Tensor", {x}, {arg(std::int64_t{1}), arg(std::int64_t{-2}), arg(std::int64_t{9223372036854775807})});
  CHECK(shape(sl) == std::vector<std::int64_t>{2, 2});
  CHECK(vals(sl) == std::vector<double>{1, 2, 4, 5});
  CHECK(vals(run_op("aten.select.int", {x}, {arg(std::int64_t{1}), arg(std::int64_t{-1})})) == std::vector<double>{2, 5});
  Value r = run_op("aten.view.default", {x}, {arg::list({arg(std::int64_t{-1}), arg(std::int64_t{2})})});
  CHECK(shape(r) == std::vector<std::int64_t>{3, 2});
  CHECK_THROWS_WITH(run_op("aten.view.default", {x}, {arg::list({arg(std::int64_t{4}), arg(std::int64_t{2})})}),
                    "shape '[4, 2]' is invalid for input of size 6");
  CHECK_THROWS_WITH(run_op("aten.transpose.int", {x}, {arg(std::int64_t{0}), arg(std::int64_t{2})}),
                    "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
}

TEST_CASE("float16 and bfloat16 store torch's rounding; integers narrow as casts do", "[rewrite][kernels]") {
  // 1 + 2^-11 is halfway between two float16 values: ties go to even (1.0)
  Value h = make_tensor({3}, ScalarType::Half, std::vector<double>{1.0 + std::ldexp(1.0, -11), 65504.0, 70000.0});
  CHECK(vals(h)[0] == 1.0);
  CHECK(vals(h)[1] == 65504.0);
  CHECK(std::isinf(vals(h)[2]));
  Value sub = make_tensor({1}, ScalarType::Half, std::vector<double>{std::ldexp(1.0, -24)});  // the smallest subnormal
  CHECK(vals(sub)[0] == std::ldexp(1.0, -24));
  Value b = make_tensor({2}, ScalarType::BFloat16, std::vector<double>{1.0 + std::ldexp(1.0, -8), 3.140625});
  CHECK(vals(b)[0] == 1.0);
  CHECK(vals(b)[1] == 3.140625);
  Value u8 = make_int_tensor({2}, ScalarType::Byte, std::vector<std::int64_t>{257, -1});
  CHECK(as_dense(u8).int_values() == std::vector<std::int64_t>{1, 255});
  Value conv = run_op("aten._to_copy.default", {f32({2}, {-1.7f, 2.9f})}, {}, {{"dtype", arg::tagged(arg_kind::dtype, "torch.int32")}});
  CHECK(dt(conv) == ScalarType::Int);
  CHECK(as_dense(conv).int_values() == std::vector<std::int64_t>{-1, 2});
}

TEST_CASE("reductions, softmax and norms", "[rewrite][kernels]") {
  Value x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(vals(run_op("aten.mean.dim", {x}, {arg::list({arg(std::int64_t{0})})})) == std::vector<double>{2.5, 3.5, 4.5});
  CHECK(vals(run_op("aten.amax.default", {x}, {arg::list({arg(std::int64_t{-1})})})) == std::vector<double>{3, 6});
  Value sm = run_op("aten._softmax.default", {x}, {arg(std::int64_t{1}), arg(false)});
  auto p = vals(sm);
  CHECK(std::fabs(p[0] + p[1] + p[2] - 1) < 1e-6);
  CHECK(p[2] > p[1]);
  Value ln = run_op("aten.native_layer_norm.default", {x}, {arg::list({arg(std::int64_t{3})}), arg(), arg(), arg(1e-5)});
  REQUIRE(ln.is_tuple());
  CHECK(shape(ln.items()[1]) == std::vector<std::int64_t>{2, 1});
  CHECK(std::fabs(vals(ln.items()[0])[0] + 1.2247) < 1e-3);
  Value md = run_op("aten.max.dim", {x}, {arg(std::int64_t{1})});
  CHECK(vals(md.items()[0]) == std::vector<double>{3, 6});
  CHECK(dt(md.items()[1]) == ScalarType::Long);
  CHECK(dt(run_op("aten.sum.default", {i64({2}, {1, 2})})) == ScalarType::Long);
  CHECK_THROWS_AS(run_op("aten.mean.default", {i64({2}, {1, 2})}), aotkit::runtime_error);
}

TEST_CASE("convolution and pooling agree with hand-computed windows", "[rewrite][kernels]") {
  // a 1x1x3x3 input, a 1x1x2x2 kernel of ones: sums of 2x2 windows
  Value x = f32({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Value w = f32({1, 1, 2, 2}, {1, 1, 1, 1});
  Value c = run_op("aten.conv2d.default", {x, w});
  CHECK(vals(c) == std::vector<double>{12, 16, 24, 28});
  Value mp = run_op("aten.max_pool2d_with_indices.default", {x}, {arg::list({arg(std::int64_t{2}), arg(std::int64_t{2})}),
                                                                 arg::list({arg(std::int64_t{1}), arg(std::int64_t{1})})});
  CHECK(vals(mp.items()[0]) == std::vector<double>{5, 6, 8, 9});
  CHECK(as_dense(mp.items()[1]).int_values() == std::vector<std::int64_t>{4, 5, 7, 8});
  // ceil mode without padding counted: the last window holds one element
  Value ap = run_op("aten.avg_pool2d.default", {x}, {arg::list({arg(std::int64_t{2}), arg(std::int64_t{2})}), arg::list(std::vector<arg>{}),
                                                    arg::list({arg(std::int64_t{0}), arg(std::int64_t{0})}), arg(true), arg(false)});
  CHECK(vals(ap) == std::vector<double>{3, 4.5, 7.5, 9});
}

TEST_CASE("the kernel table lists each op once, sorted", "[rewrite][kernels]") {
  auto ops = supported_ops();
  CHECK(ops.size() >= 150);
  CHECK(std::is_sorted(ops.begin(), ops.end()));
  CHECK(std::adjacent_find(ops.begin(), ops.end()) == ops.end());
}
