// modules/runtime/zip.cppm — strict_zip (partition :zip): a zip view that refuses ranges of different
// lengths, eagerly for sized ranges (V2's check) and at the first mismatch for the others.
module;
#include <array>
#include <cstddef>
#include <iterator>
#include <optional>
#include <ranges>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
export module aotkit.runtime:zip;

import :error;

namespace aotkit::runtime::detail {

// CPython's strict zip messages, 0-based index `i` of the offending argument.
[[noreturn]] inline void throw_zip_mismatch(std::size_t i, bool shorter) {
  std::string m = "zip() argument " + std::to_string(i + 1) + (shorter ? " is shorter" : " is longer") +
                  " than argument" + (i == 1 ? std::string(" ") : std::string("s 1-")) + std::to_string(i);
  throw value_error(m);
}

template <bool Const, class V>
using maybe_const = std::conditional_t<Const, const V, V>;

}  // namespace aotkit::runtime::detail

export namespace aotkit::runtime {

/// The message `strict_zip` throws for sized ranges of different lengths (V2 wording, §A.1),
/// followed by the lengths, e.g. "... strict mode is enabled. (lengths: 3, 2)".
inline constexpr std::string_view strict_zip_message =
    "The iterables have different lengths and strict mode is enabled.";

/// A view over N ranges that yields `std::tuple`s of their references, position by position.
/// Sized ranges are checked when the view is made; ranges without a size are checked as they run
/// out, with CPython's messages ("zip() argument 2 is shorter than argument 1"). Both throw
/// aotkit::value_error. Forward when every range is forward, else input.
template <std::ranges::view... Vs>
  requires(sizeof...(Vs) >= 1 && (std::ranges::input_range<Vs> && ...))
class strict_zip_view : public std::ranges::view_interface<strict_zip_view<Vs...>> {
 public:
  strict_zip_view() = default;
  explicit strict_zip_view(Vs... views) : views_(std::move(views)...) { check_sizes(); }

  template <bool Const>
  class iterator {
    template <class V>
    using base = detail::maybe_const<Const, V>;

   public:
    using iterator_concept = std::conditional_t<(std::ranges::forward_range<base<Vs>> && ...),
                                                std::forward_iterator_tag, std::input_iterator_tag>;
    // With C++20's std::tuple there is no common reference between a tuple of references and a
    // tuple of values, so the value type is the reference type: a tuple of references.
    using value_type = std::tuple<std::ranges::range_reference_t<base<Vs>>...>;
    using reference = value_type;
    using difference_type = std::common_type_t<std::ranges::range_difference_t<base<Vs>>...>;

    iterator() = default;
    iterator(std::tuple<std::ranges::iterator_t<base<Vs>>...> its,
             std::tuple<std::ranges::sentinel_t<base<Vs>>...> ends)
        : its_(std::move(its)), ends_(std::move(ends)) {}

    reference operator*() const {
      return std::apply([](auto&... it) { return reference(*it...); }, its_);
    }
    iterator& operator++() {
      std::apply([](auto&... it) { (++it, ...); }, its_);
      return *this;
    }
    void operator++(int)
      requires(!std::is_same_v<iterator_concept, std::forward_iterator_tag>)
    {
      ++*this;
    }
    iterator operator++(int)
      requires std::is_same_v<iterator_concept, std::forward_iterator_tag>
    {
      auto copy = *this;
      ++*this;
      return copy;
    }
    friend bool operator==(const iterator& a, const iterator& b)
      requires std::is_same_v<iterator_concept, std::forward_iterator_tag>
    {
      return std::get<0>(a.its_) == std::get<0>(b.its_);
    }
    /// True when every range is exhausted; throws when only some are.
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.at_end(); }

   private:
    bool at_end() const {
      // Fast path, taken on every step but the last: no range is exhausted.
      bool any = [&]<std::size_t... I>(std::index_sequence<I...>) {
        return ((std::get<I>(its_) == std::get<I>(ends_)) || ...);
      }(std::index_sequence_for<Vs...>{});
      if (!any) return false;
      std::array<bool, sizeof...(Vs)> done{};
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((done[I] = std::get<I>(its_) == std::get<I>(ends_)), ...);
      }(std::index_sequence_for<Vs...>{});
      if (!done[0]) {
        std::size_t first = 1;
        while (!done[first]) ++first;
        detail::throw_zip_mismatch(first, true);
      }
      for (std::size_t j = 1; j < done.size(); ++j)
        if (!done[j]) detail::throw_zip_mismatch(j, false);
      return true;
    }

    std::tuple<std::ranges::iterator_t<base<Vs>>...> its_;
    std::tuple<std::ranges::sentinel_t<base<Vs>>...> ends_;
  };

  auto begin() { return make_iterator<false>(*this); }
  auto begin() const
    requires(std::ranges::input_range<const Vs> && ...)
  {
    return make_iterator<true>(*this);
  }
  std::default_sentinel_t end() const noexcept { return {}; }

  /// The common length, when every range is sized (checked equal at construction).
  auto size() const
    requires(std::ranges::sized_range<const Vs> && ...)
  {
    return std::ranges::size(std::get<0>(views_));
  }

 private:
  template <bool Const, class Self>
  static iterator<Const> make_iterator(Self& self) {
    return std::apply(
        [](auto&... v) {
          return iterator<Const>(std::tuple(std::ranges::begin(v)...), std::tuple(std::ranges::end(v)...));
        },
        self.views_);
  }

  void check_sizes() {
    std::array<std::optional<std::size_t>, sizeof...(Vs)> sizes{};
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (([&] {
         using V = std::tuple_element_t<I, std::tuple<Vs...>>;
         if constexpr (std::ranges::sized_range<V>)
           sizes[I] = static_cast<std::size_t>(std::ranges::size(std::get<I>(views_)));
       }()),
       ...);
    }(std::index_sequence_for<Vs...>{});
    std::optional<std::size_t> first;
    bool mismatch = false;
    for (auto s : sizes) {
      if (!s) continue;
      if (first && *first != *s) mismatch = true;
      if (!first) first = s;
    }
    if (!mismatch) return;
    std::string m(strict_zip_message);
    m += " (lengths: ";
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      if (i) m += ", ";
      m += sizes[i] ? std::to_string(*sizes[i]) : std::string("?");
    }
    m += ')';
    throw value_error(m);
  }

  std::tuple<Vs...> views_;
};

template <class... Rs>
strict_zip_view(Rs&&...) -> strict_zip_view<std::views::all_t<Rs>...>;

/// Zips `ranges` strictly (`strict_zip(*iterables)`, docs/semantics.md §A.1): throws
/// aotkit::value_error when their lengths differ. Lvalue ranges are referenced, rvalues moved in.
template <std::ranges::viewable_range... Rs>
  requires(sizeof...(Rs) >= 1)
[[nodiscard]] auto strict_zip(Rs&&... ranges) {
  return strict_zip_view<std::views::all_t<Rs>...>(std::views::all(std::forward<Rs>(ranges))...);
}

}  // namespace aotkit::runtime
