// props/runtime/generators.hpp — rapidcheck generators for runtime Values (nested lists/tuples of
// every scalar kind). Include after <rapidcheck.h> and `import aotkit.runtime;`.
#pragma once

namespace aotkit_props {

using aotkit::runtime::SymBool;
using aotkit::runtime::SymFloat;
using aotkit::runtime::SymInt;
using aotkit::runtime::Value;
using aotkit::runtime::value_list;

/// Scalars of every kind that JSON can carry (finite floats: NaN is not equal to itself).
inline rc::Gen<Value> gen_scalar() {
  return rc::gen::oneOf(
      rc::gen::just(Value()), rc::gen::map(rc::gen::arbitrary<bool>(), [](bool b) { return Value(b); }),
      rc::gen::map(rc::gen::arbitrary<std::int64_t>(), [](std::int64_t i) { return Value(i); }),
      rc::gen::map(rc::gen::arbitrary<double>(), [](double d) { return Value(std::isfinite(d) ? d : 0.5); }),
      rc::gen::map(rc::gen::container<std::string>(rc::gen::inRange<char>('a', 'z' + 1)),
                   [](std::string s) { return Value(std::move(s)); }),
      rc::gen::map(rc::gen::pair(rc::gen::inRange(0, 9), rc::gen::maybe(rc::gen::inRange<std::int64_t>(-5, 100))),
                   [](std::pair<int, rc::Maybe<std::int64_t>> p) {
                     std::optional<std::int64_t> hint;
                     if (p.second) hint = *p.second;
                     return Value(SymInt::symbolic("s" + std::to_string(p.first), hint));
                   }),
      rc::gen::map(rc::gen::arbitrary<std::int64_t>(), [](std::int64_t i) { return Value(SymInt(i)); }),
      rc::gen::just(Value(SymFloat::symbolic("f0", 0.25))), rc::gen::just(Value(SymBool(true))));
}

/// Values up to `depth` levels of lists and tuples.
inline rc::Gen<Value> gen_value(int depth = 4) {
  if (depth == 0) return gen_scalar();
  auto children = rc::gen::resize(6, rc::gen::container<value_list>(gen_value(depth - 1)));
  return rc::gen::weightedOneOf<Value>(
      {{3, gen_scalar()},
       {1, rc::gen::map(children, [](value_list v) { return Value::list(std::move(v)); })},
       {1, rc::gen::map(children, [](value_list v) { return Value::tuple(std::move(v)); })}});
}

}  // namespace aotkit_props
