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

#include "../runtime/json_scan.hpp"  // installed next to the interface units
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

// plain_run_end (the scanner for runs of plain string text) is shared with the flat JSON reader
using runtime::detail::plain_run_end;

// True when no byte of `s` needs escaping or checking: printable ASCII other than '"' and '\\'.
inline bool plain_ascii(std::string_view s) noexcept { return plain_run_end(s, 0) == s.size(); }

inline bool same_text(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.size() > 16) return std::memcmp(a.data(), b.data(), a.size()) == 0;
  return text_words(a) == text_words(b);
}

// Copies n bytes: most texts a printer copies are names of a few bytes, and a memcpy of a length
// not known at compile time is a library call; up to 64 bytes (the operator texts the writers
// repeat per node are about that long) this is a few overlapping word moves instead, never
// touching a byte outside either range.
inline void copy_text(char* d, const char* p, std::size_t n) noexcept {
  auto move = [&](std::size_t at, auto word) {
    std::memcpy(&word, p + at, sizeof word);
    std::memcpy(d + at, &word, sizeof word);
  };
  if (n > 64) {
    std::memcpy(d, p, n);
  } else if (n >= 32) {
    for (std::size_t at = 0; at < 32; at += 8) move(at, std::uint64_t{});
    for (std::size_t at = n - 32; at < n; at += 8) move(at, std::uint64_t{});
  } else if (n >= 16) {
    move(0, std::uint64_t{});
    move(8, std::uint64_t{});
    move(n - 16, std::uint64_t{});
    move(n - 8, std::uint64_t{});
  } else if (n >= 8) {
    move(0, std::uint64_t{});
    move(n - 8, std::uint64_t{});
  } else if (n >= 4) {
    move(0, std::uint32_t{});
    move(n - 4, std::uint32_t{});
  } else if (n > 0) {
    d[0] = p[0];
    d[n / 2] = p[n / 2];
    d[n - 1] = p[n - 1];
  }
}

// Appends to a string through a cursor: printers make room once per line or node, then copy
// their pieces without a capacity check and a library call each (the string is kept sized past
// what is written; the destructor trims it). Code that appends to the string itself runs
// between `flush` and `resume`.
class text_out {
 public:
  inline explicit text_out(std::string& s) : s_(s) { resume(); }
  text_out(const text_out&) = delete;
  text_out& operator=(const text_out&) = delete;
  inline ~text_out() { s_.resize(written()); }
  /// Room for n more bytes.
  inline void room(std::size_t n) {
    if (static_cast<std::size_t>(end_ - cur_) < n) grow(n);
  }
  inline void put(char c) noexcept { *cur_++ = c; }
  inline void put(std::string_view t) noexcept {
    copy_text(cur_, t.data(), t.size());
    cur_ += t.size();
  }
  template <std::size_t N>
  inline void put(const char (&lit)[N]) noexcept {  // a literal: its size is known, the copy inlined
    std::memcpy(cur_, lit, N - 1);
    cur_ += N - 1;
  }
  /// The string with what was written so far, for code that appends to it directly.
  inline std::string& flush() {
    window_ = first_window;
    s_.resize(written());
    return s_;
  }
  inline void resume() noexcept {
    cur_ = s_.data() + s_.size();
    end_ = cur_;
  }

 private:
  // The cursor is two pointers, not the string's size and an index: a char store may alias any
  // object, so after each one the compiler would reload the string's fields through the reference
  // (fx-json save: 25.0-25.6 ns/node against 27.8-28.5 with an index, same window, 10k nodes).
  inline std::size_t written() const noexcept { return static_cast<std::size_t>(cur_ - s_.data()); }
  // resize zero-fills what it adds, and a flush gives back what was added and not written. So
  // the window added starts small after a flush and doubles while no flush comes: zeroing stays
  // within twice what is written plus one small window per flush (sizing to the whole reserved
  // capacity zeroed the tail once per flushing node: writing was quadratic, issue 17's H2), up to
  // max_window (one resize per 16 KiB written is nothing next to the writing). A window stops at
  // the reserved capacity while what is needed fits there (past it the string would reallocate and copy
  // everything), and stays within what is written so far (geometric growth, as the string's own).
  void grow(std::size_t n) {
    std::size_t len = written();
    std::size_t target = len + std::max(n, window_);
    if (target > s_.capacity() && len + n <= s_.capacity()) target = s_.capacity();
    s_.resize(target);
    window_ = std::min({window_ * 2, std::max(first_window, len), max_window});
    cur_ = s_.data() + len;
    end_ = s_.data() + s_.size();
  }
  static constexpr std::size_t first_window = 512;
  // Zeroing a window and then overwriting it costs little while the window stays in the L1 cache;
  // a window of a megabyte is zeroed out to memory and fetched back (a tenth of a writer's time).
  static constexpr std::size_t max_window = 16 * 1024;
  std::size_t window_ = first_window;
  std::string& s_;
  char* cur_ = nullptr;
  char* end_ = nullptr;
};

}  // namespace aotkit::graph
