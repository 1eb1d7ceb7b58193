// tests/pytree/static.test.cpp — static pytrees over C++ types: compile-time leaf counts,
// allocation-free flatten into a span, unflatten, typed tree_map, and agreement with Tree.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

import aotkit.runtime;
import aotkit.pytree;

using namespace aotkit::pytree;
using aotkit::runtime::Value;

struct Point {
  double x = 0;
  double y = 0;
  friend bool operator==(const Point&, const Point&) = default;
};
struct Segment {
  Point a;
  Point b;
  int id = 0;
};

template <>
constexpr auto aotkit::pytree::struct_fields<Point> = aotkit::pytree::fields("__main__.Point", &Point::x, "x", &Point::y, "y");
template <>
constexpr auto aotkit::pytree::struct_fields<Segment> =
    aotkit::pytree::fields("__main__.Segment", &Segment::a, "a", &Segment::b, "b", &Segment::id, "id");

static_assert(num_leaves<std::tuple<int, double, std::string>> == 3);
static_assert(num_leaves<std::pair<int, std::array<float, 4>>> == 5);
static_assert(num_leaves<Point> == 2);
static_assert(num_leaves<Segment> == 5);
static_assert(num_leaves<std::array<Point, 3>> == 6);
static_assert(!static_structure<std::vector<int>>);
static_assert(!static_structure<std::tuple<int, std::optional<int>>>);
static_assert(static_node<Point> && !static_node<std::string>);

TEST_CASE("static flatten writes into a caller's span and unflatten rebuilds the value", "[pytree][static]") {
  Segment s{{1, 2}, {3, 4}, 5};
  std::array<double, num_leaves<Segment>> buf{};
  flatten_into<double>(s, std::span<double>(buf));
  CHECK(buf == std::array<double, 5>{1, 2, 3, 4, 5});
  Segment back = static_unflatten<Segment, double>(buf);
  CHECK(back.a == s.a);
  CHECK(back.b == s.b);
  CHECK(back.id == 5);
  std::array<double, 4> small{};
  CHECK_THROWS_AS(flatten_into<double>(s, std::span<double>(small)), aotkit::value_error);
  auto t = static_unflatten<std::tuple<int, std::array<float, 2>>, double>(std::vector<double>{1, 2.5, 3.5});
  CHECK(std::get<0>(t) == 1);
  CHECK(std::get<1>(t)[1] == 3.5f);
}

TEST_CASE("static structures agree with the dynamic TreeSpec and Tree", "[pytree][static]") {
  std::tuple<int, std::vector<double>, std::map<std::string, int>, std::optional<int>, Point> v{
      1, {2.0, 3.0}, {{"a", 4}, {"b", 5}}, std::nullopt, Point{6, 7}};
  TreeSpec spec = tree_structure_of(v);
  using T = Tree<Value>;
  T same = T::tuple({Value(1), T::list({Value(2.0), Value(3.0)}), T::dict({"a", "b"}, {Value(4), Value(5)}), T::none(),
                     T::namedtuple("__main__.Point", {"x", "y"}, {Value(6.0), Value(7.0)})});
  CHECK(spec == same.structure());
  CHECK(static_leaves<double>(v) == std::vector<double>{1, 2, 3, 4, 5, 6, 7});
  std::vector<double> dyn;
  for (const auto& x : tree_leaves(same, none_is::node)) dyn.push_back(x.is_int() ? double(x.to_int()) : x.to_double());
  CHECK(dyn == static_leaves<double>(v));
  CHECK(tree_structure_of(std::optional<int>(3)) == TreeSpec::leaf());
}

TEST_CASE("static_tree_map deduces each leaf's result type", "[pytree][static]") {
  std::tuple<int, std::array<double, 2>, std::vector<int>> v{1, {2.5, 3.5}, {4, 5}};
  auto names = static_tree_map([](auto x) { return std::to_string(x); }, v);
  static_assert(std::is_same_v<decltype(names), std::tuple<std::string, std::array<std::string, 2>, std::vector<std::string>>>);
  CHECK(std::get<0>(names) == "1");
  CHECK(std::get<2>(names)[1] == "5");
  Point p = static_tree_map([](double x) { return x * 2; }, Point{1, 2});
  CHECK(p == Point{2, 4});
  auto m = static_tree_map([](int x) { return x > 4; }, std::map<std::string, int>{{"a", 4}, {"b", 5}});
  CHECK(m.at("b"));
  CHECK_FALSE(m.at("a"));
}

TEST_CASE("partial_flatten_asdict gives a struct's fields and plain dicts", "[pytree][asdict]") {
  Segment s{{1, 2}, {3, 4}, 9};
  auto d = partial_flatten_asdict(s);
  CHECK(std::get<0>(d).first == "a");
  CHECK(std::get<0>(d).second == Point{1, 2});  // not converted further
  CHECK(std::get<2>(d).first == "id");
  CHECK(std::get<2>(d).second == 9);
  using T = Tree<Value>;
  T t = T::list({T::ordered_dict({"x"}, {T::node(node_kind::default_dict, [] {
                                              node_context c;
                                              c.keys = {"y"};
                                              c.type_module = "builtins";
                                              c.type_name = "list";
                                              return c;
                                            }(),
                                                         {Value(1)})}),
                 Value(2)});
  T plain = partial_flatten_asdict(t);
  CHECK(plain == T::list({T::dict({"x"}, {T::dict({"y"}, {Value(1)})}), Value(2)}));
}
