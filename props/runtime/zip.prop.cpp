// props/runtime/zip.prop.cpp — strict_zip yields exactly min(len) positional tuples and throws iff
// the lengths differ, for sized (eager) and unsized (lazy) ranges alike.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include <forward_list>
#include <tuple>
#include <vector>

import aotkit.runtime;

using aotkit::runtime::strict_zip;

TEST_CASE("strict_zip laws", "[zip]") {
  rc::prop("sized ranges: throws at construction iff lengths differ, else yields pairs in order",
           [](const std::vector<int>& a, const std::vector<int>& b) {
             if (a.size() != b.size()) {
               RC_ASSERT_THROWS_AS((void)strict_zip(a, b), aotkit::value_error);
               return;
             }
             std::size_t i = 0;
             for (auto [x, y] : strict_zip(a, b)) {
               RC_ASSERT(x == a[i]);
               RC_ASSERT(y == b[i]);
               ++i;
             }
             RC_ASSERT(i == a.size());
           });
  rc::prop("unsized ranges: yields min(len) tuples, then throws iff lengths differ",
           [](const std::vector<int>& a, const std::vector<int>& b, const std::vector<int>& c) {
             std::forward_list<int> fa(a.begin(), a.end()), fb(b.begin(), b.end()), fc(c.begin(), c.end());
             std::size_t shortest = std::min({a.size(), b.size(), c.size()});
             std::size_t produced = 0;
             bool threw = false;
             try {
               for (auto [x, y, z] : strict_zip(fa, fb, fc)) {
                 RC_ASSERT(x == a[produced]);
                 RC_ASSERT(y == b[produced]);
                 RC_ASSERT(z == c[produced]);
                 ++produced;
               }
             } catch (const aotkit::value_error&) {
               threw = true;
             }
             RC_ASSERT(produced == shortest);
             RC_ASSERT(threw == !(a.size() == b.size() && b.size() == c.size()));
           });
}
