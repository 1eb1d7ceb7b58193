// examples/consumer/main.cpp — uses aotkit through its installed CMake package and named modules:
// zips strictly, runs a boxed call that steals its inputs, and reads a value with symbolic ints.
#include <cstdint>
#include <cstdio>
#include <span>
#include <tuple>  // std::get for structured bindings: modules do not export std headers
#include <vector>

import aotkit;

using namespace aotkit::runtime;

int main() {
  std::vector<int> xs{1, 2, 3};
  std::vector<double> ys{0.5, 1.5, 2.5};
  double dot = 0;
  for (auto [x, y] : strict_zip(xs, ys)) dot += x * y;

  Callable sum("sum", [](std::span<const Value> args) {
    std::int64_t s = 0;
    for (const auto& a : args) s += a.to_int();
    return Value(s);
  });
  Callable boxed = make_boxed_func(sum);
  value_list args{1, 2, 39};
  value_list out = call_func_at_runtime_with_args(boxed, args, /*steal_args=*/true);

  Value hints = _get_symint_hints(value_from_json(R"({"tuple": [{"symint": {"expr": "s0", "hint": 8}}, {"int": 3}]})"));
  std::printf("dot=%s sum=%s hints=%s\n", aotkit::python::float_repr(dot).c_str(), out.at(0).repr().c_str(),
              hints.repr().c_str());
  return dot == 11.0 && out.at(0) == Value(42) && hints == Value::tuple({8, 3}) ? 0 : 1;
}
