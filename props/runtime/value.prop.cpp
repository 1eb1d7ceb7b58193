// props/runtime/value.prop.cpp — laws of Value: copies are equal and independent, JSON round-trips,
// _get_symint_hints leaves no SymInt behind and is idempotent.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

import aotkit.runtime;

#include "generators.hpp"

using namespace aotkit::runtime;

namespace {

bool contains_symint(const Value& v) {
  std::vector<const Value*> work{&v};
  while (!work.empty()) {
    const Value* x = work.back();
    work.pop_back();
    if (x->is_symint()) return true;
    if (x->is_sequence())
      for (const auto& c : x->items()) work.push_back(&c);
  }
  return false;
}

}  // namespace

TEST_CASE("Value laws", "[value]") {
  rc::prop("a copy equals the original and prints the same", [] {
    Value v = *aotkit_props::gen_value();
    Value c = v;
    RC_ASSERT(c == v);
    RC_ASSERT(c.repr() == v.repr());
  });
  rc::prop("changing a copy leaves the original unchanged", [] {
    Value v = *aotkit_props::gen_value();
    RC_PRE(v.is_sequence());
    Value c = v;
    c.items().push_back(Value("extra"));
    RC_ASSERT(c != v);
    RC_ASSERT(v.items().size() + 1 == c.items().size());
  });
  rc::prop("value_from_json(value_to_json(v)) == v", [] {
    Value v = *aotkit_props::gen_value();
    RC_ASSERT(value_from_json(value_to_json(v)) == v);
  });
  rc::prop("_get_symint_hints removes every SymInt and is idempotent (or names an unbacked one)", [] {
    Value v = *aotkit_props::gen_value();
    Value h;
    try {
      h = _get_symint_hints(v);
    } catch (const aotkit::data_dependent_error& e) {
      RC_ASSERT(std::string(e.what()).starts_with("Could not extract specialized integer from data-dependent expression "));
      return;
    }
    RC_ASSERT(!contains_symint(h));
    RC_ASSERT(_get_symint_hints(h) == h);
    if (!contains_symint(v)) RC_ASSERT(h == v);
  });
}
