// modules/pytree/static_tree.cppm — pytrees over ordinary C++ types (partition :static_tree): tuples,
// pairs, arrays, optionals, vectors, maps and registered structs, flattened by their static type.
module;
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>
export module aotkit.pytree:static_tree;

import aotkit.runtime;
import :spec;

export namespace aotkit::pytree {

/// The fields of a registered struct: its Python-visible class name and (member pointer, name)
/// pairs. Register a struct with one line:
///   template <> constexpr auto aotkit::pytree::struct_fields<Point> =
///       aotkit::pytree::fields("Point", &Point::x, "x", &Point::y, "y");
/// A registered struct is a namedtuple node with those fields.
template <class... Members>
struct field_list {
  std::string_view name;
  std::tuple<Members...> members;
  std::array<std::string_view, sizeof...(Members)> names;
};

namespace detail {
template <class... Args, std::size_t... I>
constexpr auto make_fields(std::string_view name, std::tuple<Args...> args, std::index_sequence<I...>) {
  return field_list<std::tuple_element_t<2 * I, std::tuple<Args...>>...>{
      name, {std::get<2 * I>(args)...}, {std::string_view(std::get<2 * I + 1>(args))...}};
}
}  // namespace detail

/// Builds a field_list from alternating member pointers and names.
template <class... Args>
constexpr auto fields(std::string_view name, Args... args) {
  static_assert(sizeof...(Args) % 2 == 0, "fields(name, &T::a, \"a\", &T::b, \"b\", ...)");
  return detail::make_fields(name, std::tuple<Args...>(args...), std::make_index_sequence<sizeof...(Args) / 2>{});
}

/// Specialize for a struct to make it a pytree node (see field_list).
template <class T>
constexpr auto struct_fields = nullptr;

template <class T>
concept registered_struct = !std::is_same_v<std::remove_cvref_t<decltype(struct_fields<T>)>, std::nullptr_t>;

namespace detail {
template <class T> struct is_tuple_like : std::false_type {};
template <class... Ts> struct is_tuple_like<std::tuple<Ts...>> : std::true_type {};
template <class A, class B> struct is_tuple_like<std::pair<A, B>> : std::true_type {};
template <class T> struct is_array : std::false_type {};
template <class T, std::size_t N> struct is_array<std::array<T, N>> : std::true_type {};
template <class T> struct is_vector : std::false_type {};
template <class T, class A> struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_map : std::false_type {};
template <class K, class V, class C, class A> struct is_map<std::map<K, V, C, A>> : std::true_type {};
template <class K, class V, class H, class E, class A> struct is_map<std::unordered_map<K, V, H, E, A>> : std::true_type {};
}  // namespace detail

/// True for the C++ types that are pytree nodes; everything else is a leaf.
template <class T>
concept static_node = detail::is_tuple_like<T>::value || detail::is_array<T>::value || detail::is_vector<T>::value ||
                      detail::is_optional<T>::value || detail::is_map<T>::value || registered_struct<T>;

namespace detail {
template <class T>
constexpr std::optional<std::size_t> static_leaves() {
  if constexpr (!static_node<T>) {
    return 1;
  } else if constexpr (is_tuple_like<T>::value) {
    return []<std::size_t... I>(std::index_sequence<I...>) -> std::optional<std::size_t> {
      std::array<std::optional<std::size_t>, sizeof...(I)> parts{static_leaves<std::tuple_element_t<I, T>>()...};
      std::size_t sum = 0;
      for (auto p : parts) {
        if (!p) return std::nullopt;
        sum += *p;
      }
      return sum;
    }(std::make_index_sequence<std::tuple_size_v<T>>{});
  } else if constexpr (is_array<T>::value) {
    auto one = static_leaves<typename T::value_type>();
    return one ? std::optional<std::size_t>(*one * std::tuple_size_v<T>) : std::nullopt;
  } else if constexpr (registered_struct<T>) {
    constexpr auto f = struct_fields<T>;
    return [&]<std::size_t... I>(std::index_sequence<I...>) -> std::optional<std::size_t> {
      std::array<std::optional<std::size_t>, sizeof...(I)> parts{
          static_leaves<std::remove_cvref_t<decltype(std::declval<T>().*std::get<I>(f.members))>>()...};
      std::size_t sum = 0;
      for (auto p : parts) {
        if (!p) return std::nullopt;
        sum += *p;
      }
      return sum;
    }(std::make_index_sequence<std::tuple_size_v<decltype(f.members)>>{});
  } else {
    return std::nullopt;  // vectors, optionals and maps have a size only at run time
  }
}
}  // namespace detail

/// True when every value of T has the same structure (no vectors, optionals or maps inside).
template <class T>
concept static_structure = detail::static_leaves<T>().has_value();

/// The number of leaves of every T, at compile time: `static_assert(num_leaves<T> == 3)`.
template <static_structure T>
inline constexpr std::size_t num_leaves = *detail::static_leaves<T>();

namespace detail {
// Visits the leaves of `value` in pre-order (type-directed recursion: its depth is the type's).
template <class T, class F>
void for_each_leaf(T&& value, F& f) {
  using U = std::remove_cvref_t<T>;
  if constexpr (!static_node<U>) {
    f(std::forward<T>(value));
  } else if constexpr (is_tuple_like<U>::value) {
    std::apply([&](auto&&... xs) { (for_each_leaf(std::forward<decltype(xs)>(xs), f), ...); }, std::forward<T>(value));
  } else if constexpr (is_array<U>::value || is_vector<U>::value) {
    for (auto&& x : value) for_each_leaf(std::forward<decltype(x)>(x), f);
  } else if constexpr (is_optional<U>::value) {
    if (value) for_each_leaf(*std::forward<T>(value), f);
  } else if constexpr (is_map<U>::value) {
    for (auto&& kv : value) for_each_leaf(kv.second, f);
  } else {
    constexpr auto fl = struct_fields<U>;
    std::apply([&](auto... m) { (for_each_leaf(value.*m, f), ...); }, fl.members);
  }
}

template <class K>
key to_key(const K& k) {
  if constexpr (std::is_integral_v<K>) return static_cast<std::int64_t>(k);
  else return std::string(k);
}

template <class T>
void build_spec(const T& value, spec_builder& b) {
  if constexpr (!static_node<T>) {
    b.leaf();
  } else if constexpr (is_tuple_like<T>::value) {
    b.open(node_kind::tuple, std::tuple_size_v<T>);
    std::apply([&](const auto&... xs) { (build_spec(xs, b), ...); }, value);
  } else if constexpr (is_array<T>::value || is_vector<T>::value) {
    b.open(is_array<T>::value ? node_kind::tuple : node_kind::list, value.size());
    for (const auto& x : value) build_spec(x, b);
  } else if constexpr (is_optional<T>::value) {
    if (value) build_spec(*value, b);
    else b.open(node_kind::none, 0);
  } else if constexpr (is_map<T>::value) {
    node_context c;
    for (const auto& kv : value) c.keys.push_back(to_key(kv.first));
    b.open(node_kind::dict, value.size(), std::move(c));
    for (const auto& kv : value) build_spec(kv.second, b);
  } else {
    constexpr auto fl = struct_fields<T>;
    node_context c;
    c.type_name = std::string(fl.name);
    for (auto n : fl.names) c.fields.emplace_back(n);
    b.open(node_kind::namedtuple, fl.names.size(), std::move(c));
    std::apply([&](auto... m) { (build_spec(value.*m, b), ...); }, fl.members);
  }
}
}  // namespace detail

/// The dynamic TreeSpec of a C++ value: tuples, pairs and arrays are tuples, vectors lists, maps
/// dicts (in the map's iteration order), an empty optional None (a full one is its value),
/// registered structs namedtuples. Agrees with tree_flatten of the same data as a Tree.
template <class T>
[[nodiscard]] TreeSpec tree_structure_of(const T& value) {
  spec_builder b;
  detail::build_spec(value, b);
  return std::move(b).finish();
}

/// Writes the leaves of `value`, converted to L, into `out`; allocates nothing. Throws
/// aotkit::value_error when `out` has another size than the number of leaves.
template <class L, class T>
void flatten_into(const T& value, std::span<L> out) {
  std::size_t i = 0;
  auto put = [&](const auto& leaf) {
    if (i < out.size()) out[i] = static_cast<L>(leaf);
    ++i;
  };
  detail::for_each_leaf(value, put);
  if (i != out.size())
    throw value_error("flatten_into: the value has " + std::to_string(i) + " leaves but the output holds " +
                      std::to_string(out.size()));
}

/// The leaves of `value` converted to L, in pre-order.
template <class L, class T>
[[nodiscard]] std::vector<L> static_leaves(const T& value) {
  std::vector<L> out;
  auto put = [&](const auto& leaf) { out.push_back(static_cast<L>(leaf)); };
  detail::for_each_leaf(value, put);
  return out;
}

/// Rebuilds a statically structured T from its leaves (each converted to the leaf's type).
/// Allocates nothing beyond T itself. Throws value_error when the count differs.
template <static_structure T, class L>
[[nodiscard]] T static_unflatten(std::span<const L> leaves) {
  if (leaves.size() != num_leaves<T>)
    throw value_error("static_unflatten: " + std::to_string(leaves.size()) + " leaves for a type with " +
                      std::to_string(num_leaves<T>));
  T value{};
  std::size_t i = 0;
  auto take = [&](auto& leaf) { leaf = static_cast<std::remove_cvref_t<decltype(leaf)>>(leaves[i++]); };
  detail::for_each_leaf(value, take);
  return value;
}

namespace detail {
template <class T, class F>
auto map_value(const T& value, F& f) {
  if constexpr (!static_node<T>) {
    return std::invoke(f, value);
  } else if constexpr (is_tuple_like<T>::value) {
    return std::apply([&](const auto&... xs) { return std::tuple(map_value(xs, f)...); }, value);
  } else if constexpr (is_array<T>::value) {
    using R = decltype(map_value(value[0], f));
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::array<R, std::tuple_size_v<T>>{map_value(value[I], f)...};
    }(std::make_index_sequence<std::tuple_size_v<T>>{});
  } else if constexpr (is_vector<T>::value) {
    using R = decltype(map_value(std::declval<const typename T::value_type&>(), f));
    std::vector<R> out;
    out.reserve(value.size());
    for (const auto& x : value) out.push_back(map_value(x, f));
    return out;
  } else if constexpr (is_optional<T>::value) {
    using R = decltype(map_value(*value, f));
    return value ? std::optional<R>(map_value(*value, f)) : std::optional<R>();
  } else if constexpr (is_map<T>::value) {
    using R = decltype(map_value(std::declval<const typename T::mapped_type&>(), f));
    std::map<typename T::key_type, R> out;
    for (const auto& kv : value) out.emplace(kv.first, map_value(kv.second, f));
    return out;
  } else {
    T out = value;  // a struct keeps its type: f must return each field's type
    auto write = [&](auto& leaf) { leaf = std::invoke(f, leaf); };
    detail::for_each_leaf(out, write);
    return out;
  }
}
}  // namespace detail

/// `partial_flatten_asdict(obj)` (docs/semantics.md §A.3) for a registered struct, the C++ dataclass:
/// its fields as (name, reference) pairs in declaration order, not converted further ("partial").
template <registered_struct T>
[[nodiscard]] auto partial_flatten_asdict(const T& obj) {
  constexpr auto fl = struct_fields<T>;
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::tuple{std::pair<std::string_view, const std::remove_cvref_t<decltype(obj.*std::get<I>(fl.members))>&>(
        fl.names[I], obj.*std::get<I>(fl.members))...};
  }(std::make_index_sequence<fl.names.size()>{});
}

/// Typed `tree_map`: the same shape with `f(leaf)` at every leaf; each leaf's result type is
/// whatever f returns for it (tuples, arrays, vectors, optionals and maps are rebuilt with the new
/// types; std::pair becomes std::tuple; unordered maps become std::map; structs keep their type,
/// so f must keep their fields' types).
template <class T, class F>
[[nodiscard]] auto static_tree_map(F&& f, const T& value) {
  return detail::map_value(value, f);
}

}  // namespace aotkit::pytree
