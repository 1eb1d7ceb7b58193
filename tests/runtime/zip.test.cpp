// tests/runtime/zip.test.cpp — strict_zip: eager V2 (docs/semantics.md §0) checks on sized ranges, lazy CPython checks on
// unsized ones, and use with std::ranges and range-v3 adaptors.
#include <catch2/catch.hpp>

#include <forward_list>
#include <list>
#include <ranges>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <range/v3/view/filter.hpp>
#include <range/v3/view/transform.hpp>
#include <range/v3/range/conversion.hpp>

import aotkit.runtime;

using namespace aotkit::runtime;

TEST_CASE("strict_zip yields tuples of references in order", "[zip]") {
  std::vector<int> a{1, 2, 3};
  std::vector<std::string> b{"x", "y", "z"};
  std::vector<std::pair<int, std::string>> seen;
  for (auto [x, y] : strict_zip(a, b)) seen.emplace_back(x, y);
  CHECK(seen == std::vector<std::pair<int, std::string>>{{1, "x"}, {2, "y"}, {3, "z"}});
  for (auto [x, y] : strict_zip(a, b)) x *= 10;  // references: writes go through
  CHECK(a == std::vector<int>{10, 20, 30});
  CHECK(strict_zip(a, b).size() == 3);
  static_assert(std::ranges::forward_range<decltype(strict_zip(a, b))>);
  static_assert(std::ranges::view<decltype(strict_zip(a, b))>);
}

TEST_CASE("strict_zip checks sized ranges eagerly with V2's message and the lengths", "[zip]") {
  std::vector<int> a{1, 2, 3};
  std::list<int> b{1, 2};
  CHECK_THROWS_AS(strict_zip(a, b), aotkit::value_error);
  CHECK_THROWS_WITH(strict_zip(a, b),
                    "The iterables have different lengths and strict mode is enabled. (lengths: 3, 2)");
  std::vector<int> c{1, 2, 3};
  CHECK_THROWS_WITH(strict_zip(a, c, b),
                    "The iterables have different lengths and strict mode is enabled. (lengths: 3, 3, 2)");
  CHECK_NOTHROW(strict_zip(a, c));
}

TEST_CASE("strict_zip checks unsized ranges at the first mismatch with CPython's messages", "[zip]") {
  std::vector<int> three{1, 2, 3};
  std::forward_list<int> two{1, 2};  // no size(): checked lazily
  std::forward_list<int> four{1, 2, 3, 4};
  auto count = [](auto&& z) {
    int n = 0;
    for (auto&& t : z) {
      (void)t;
      ++n;
    }
    return n;
  };
  CHECK_THROWS_WITH(count(strict_zip(three, two)), "zip() argument 2 is shorter than argument 1");
  CHECK_THROWS_WITH(count(strict_zip(two, three)), "zip() argument 2 is longer than argument 1");
  CHECK_THROWS_WITH(count(strict_zip(three, three, two)), "zip() argument 3 is shorter than arguments 1-2");
  CHECK_THROWS_WITH(count(strict_zip(two, two, four)), "zip() argument 3 is longer than arguments 1-2");
  // The mismatch surfaces only when reached: two elements are produced first.
  int produced = 0;
  try {
    for (auto&& t : strict_zip(three, two)) {
      (void)t;
      ++produced;
    }
  } catch (const aotkit::value_error&) {
  }
  CHECK(produced == 2);
  std::forward_list<int> other{5, 6};
  CHECK(count(strict_zip(two, other)) == 2);
}

TEST_CASE("strict_zip works on input-only and owning ranges", "[zip]") {
  std::istringstream in("1 2 3");
  auto words = std::views::istream<int>(in);
  std::vector<char> letters{'a', 'b', 'c'};
  std::string joined;
  for (auto [n, c] : strict_zip(words, letters)) joined += std::to_string(n) + c;
  CHECK(joined == "1a2b3c");
  int total = 0;
  for (auto [x, y] : strict_zip(std::vector<int>{1, 2}, std::views::iota(10, 12))) total += x * y;
  CHECK(total == 1 * 10 + 2 * 11);
  CHECK(strict_zip(std::vector<int>{}).empty());
}

TEST_CASE("strict_zip composes with std::views and range-v3 views", "[zip]") {
  std::vector<int> a{1, 2, 3, 4};
  std::vector<int> b{10, 20, 30, 40};
  auto z = strict_zip(a, b);
  auto sums = z | std::views::transform([](auto t) { return std::get<0>(t) + std::get<1>(t); });
  std::vector<int> s;
  for (int x : sums) s.push_back(x);
  CHECK(s == std::vector<int>{11, 22, 33, 44});
  auto v3 = z | ranges::views::filter([](auto t) { return std::get<0>(t) % 2 == 0; }) |
            ranges::views::transform([](auto t) { return std::get<1>(t); }) | ranges::to<std::vector>();
  CHECK(v3 == std::vector<int>{20, 40});
}
