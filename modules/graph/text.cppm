// modules/graph/text.cppm — text helpers (partition :text, internal to aotkit.graph: nothing
// exported): short-text words, the plain-run scanner, and the output cursor every printer writes through.
module;
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
export module aotkit.graph:text;

namespace aotkit::graph {

// Two words that together hold every byte of a text of up to 16 bytes (overlapping loads; of a
// longer one, its first and last eight bytes): with the length they tell short texts apart, for
// hashing and comparing names, keys and targets without calls to memcpy or memcmp.
inline std::pair<std::uint64_t, std::uint64_t> text_words(std::string_view s) noexcept {
  const char* p = s.data();
  std::size_t n = s.size();
  auto load = [](const char* q, auto type) {
    decltype(type) w;
    std::memcpy(&w, q, sizeof w);
    return static_cast<std::uint64_t>(w);
  };
  if (n >= 8) return {load(p, std::uint64_t{}), load(p + n - 8, std::uint64_t{})};
  if (n >= 4) return {load(p, std::uint32_t{}), load(p + n - 4, std::uint32_t{})};
  if (n == 0) return {0, 0};
  return {static_cast<unsigned char>(p[0]) | static_cast<unsigned char>(p[n / 2]) << 8 |
              static_cast<unsigned char>(p[n - 1]) << 16,
          0};
}

// The index of the first byte at or after `i` that ends a plain run of string text: '"', '\\', a
// control character or a non-ASCII byte (s.size() when none). Eight bytes at a time: each test's
// lowest flagged byte is exact (borrows only run upward from a flagged byte), so the lowest flag
// of their union is the first such byte.
inline std::size_t plain_run_end(std::string_view s, std::size_t i) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  auto has_zero = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    std::uint64_t m = has_zero(w ^ (0x22 * ones)) | has_zero(w ^ (0x5C * ones)) | ((w - 0x20 * ones) & ~w & highs) | (w & highs);
    if (m != 0) return i + static_cast<std::size_t>(std::countr_zero(m)) / 8;
  }
  for (; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return i;
  }
  return i;
}

// True when no byte of `s` needs escaping or checking: printable ASCII other than '"' and '\\'.
inline bool plain_ascii(std::string_view s) noexcept { return plain_run_end(s, 0) == s.size(); }

inline bool same_text(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.size() > 16) return std::memcmp(a.data(), b.data(), a.size()) == 0;
  return text_words(a) == text_words(b);
}

// Appends to a string through a cursor: printers make room once per line or node, then copy
// their pieces without a capacity check and a library call each (the string is kept sized past
// what is written; the destructor trims it). Code that appends to the string itself runs
// between `flush` and `resume`.
class text_out {
 public:
  inline explicit text_out(std::string& s) : s_(s), len_(s.size()) {}
  text_out(const text_out&) = delete;
  text_out& operator=(const text_out&) = delete;
  inline ~text_out() { s_.resize(len_); }
  /// Room for n more bytes.
  inline void room(std::size_t n) {
    if (s_.size() - len_ < n) grow(n);
  }
  inline void put(char c) noexcept { s_[len_++] = c; }
  inline void put(std::string_view t) noexcept {
    std::memcpy(s_.data() + len_, t.data(), t.size());
    len_ += t.size();
  }
  template <std::size_t N>
  inline void put(const char (&lit)[N]) noexcept {  // a literal: its size is known, the copy inlined
    std::memcpy(s_.data() + len_, lit, N - 1);
    len_ += N - 1;
  }
  /// The string with what was written so far, for code that appends to it directly.
  inline std::string& flush() {
    window_ = first_window;
    s_.resize(len_);
    return s_;
  }
  inline void resume() noexcept { len_ = s_.size(); }

 private:
  // resize zero-fills what it adds, and a flush gives back what was added and not written. So
  // the window added starts small after a flush and doubles while no flush comes: zeroing stays
  // within twice what is written plus one small window per flush (sizing to the whole reserved
  // capacity zeroed the tail once per flushing node: writing was quadratic, issue 17's H2), and a
  // writer that never flushes grows a logarithmic number of times. A window stops at the reserved
  // capacity while what is needed fits there (past it the string would reallocate and copy
  // everything), and stays within what is written so far (geometric growth, as the string's own).
  void grow(std::size_t n) {
    std::size_t target = len_ + std::max(n, window_);
    if (target > s_.capacity() && len_ + n <= s_.capacity()) target = s_.capacity();
    s_.resize(target);
    window_ = std::min(window_ * 2, std::max(first_window, len_));
  }
  static constexpr std::size_t first_window = 512;
  std::size_t window_ = first_window;
  std::string& s_;
  std::size_t len_;
};

}  // namespace aotkit::graph
