// modules/graph/memory.cppm — table memory (partition :memory, internal to aotkit.graph: nothing
// exported): huge-page blocks, blocks that grow by remapping, flat arrays of trivially copyable records.
module;
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>
export module aotkit.graph:memory;

namespace aotkit::graph {

// Memory for big flat tables: blocks of 2 MiB and more are aligned to 2 MiB and advised as huge
// pages, so the kernel maps them with one fault per 2 MiB instead of 512 (on a virtual machine a
// fault costs microseconds, more than the work that fills the page). A hint: where huge pages are
// off this is ordinary memory.
inline constexpr std::size_t huge_page = std::size_t{2} << 20;
void* allocate_table(std::size_t bytes);
void free_table(void* p, std::size_t bytes) noexcept;
// A block that grows: `used` bytes of the old one kept; `capacity` is its size (0 for none).
void* resize_block(void* p, std::size_t used, std::size_t capacity, std::size_t bytes);
void free_block(void* p, std::size_t capacity) noexcept;

// Where element i of a segmented array lives whose segments double from 2^first_log2 elements
// (segment 0 holds the first 2^first_log2, segment 1 twice as many, ...): {segment, offset}.
// Segments never move, so elements keep their addresses as the array grows.
constexpr std::pair<std::size_t, std::size_t> doubling_segment(std::size_t i, unsigned first_log2) noexcept {
  std::size_t first = std::size_t{1} << first_log2;
  std::size_t t = i + first;
  std::size_t k = static_cast<std::size_t>(std::bit_width(t)) - 1 - first_log2;
  return {k, t - (first << k)};
}

// A fixed-size array of trivially copyable records in table memory.
template <class T>
  requires std::is_trivially_copyable_v<T>
class table_array {
 public:
  table_array() = default;
  inline table_array(std::size_t n, const T& fill) : data_(static_cast<T*>(allocate_table(n * sizeof(T)))), size_(n) {
    std::fill_n(data_, n, fill);
  }
  inline table_array(const table_array& o) : table_array() {
    if (o.size_ == 0) return;
    data_ = static_cast<T*>(allocate_table(o.size_ * sizeof(T)));
    size_ = o.size_;
    std::memcpy(data_, o.data_, size_ * sizeof(T));
  }
  inline table_array(table_array&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  inline table_array& operator=(table_array o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    return *this;
  }
  inline ~table_array() {
    if (data_ != nullptr) free_table(data_, size_ * sizeof(T));
  }
  [[nodiscard]] inline std::size_t size() const noexcept { return size_; }
  [[nodiscard]] inline bool empty() const noexcept { return size_ == 0; }
  inline T& operator[](std::size_t i) noexcept { return data_[i]; }
  inline const T& operator[](std::size_t i) const noexcept { return data_[i]; }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

// A growable array of trivially copyable records. Small ones live on the heap; from a few MiB
// on (Linux) the records get pages of their own that grow by remapping, so growth neither copies
// them nor faults their pages in again (a std::vector copies into a fresh block each time it
// doubles, and glibc's realloc copies too once its heap serves blocks that big), in huge pages.
// New records are left unwritten; whoever takes them writes every field.
template <class T>
  requires std::is_trivially_copyable_v<T>
class pod_buffer {
 public:
  pod_buffer() = default;
  inline pod_buffer(const pod_buffer& o) {
    if (o.size_ == 0) return;
    reserve(o.size_);
    std::memcpy(data_, o.data_, o.size_ * sizeof(T));
    size_ = o.size_;
  }
  inline pod_buffer(pod_buffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), capacity_(std::exchange(o.capacity_, 0)) {}
  inline pod_buffer& operator=(const pod_buffer& o) {
    if (this != &o) *this = pod_buffer(o);
    return *this;
  }
  inline pod_buffer& operator=(pod_buffer&& o) noexcept {
    if (this != &o) {
      free_block(data_, capacity_ * sizeof(T));
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      capacity_ = std::exchange(o.capacity_, 0);
    }
    return *this;
  }
  inline ~pod_buffer() { free_block(data_, capacity_ * sizeof(T)); }
  [[nodiscard]] inline std::size_t size() const noexcept { return size_; }
  [[nodiscard]] inline bool empty() const noexcept { return size_ == 0; }
  inline T& operator[](std::size_t i) noexcept { return data_[i]; }
  inline const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  /// Appends n unwritten records.
  inline void grow_by(std::size_t n) {
    if (size_ + n > capacity_) reserve(std::max(size_ + n, std::max<std::size_t>(64, 2 * capacity_)));
    size_ += n;
  }

 private:
  inline void reserve(std::size_t n) {
    data_ = static_cast<T*>(resize_block(data_, size_ * sizeof(T), capacity_ * sizeof(T), n * sizeof(T)));
    capacity_ = n;
  }
  T* data_ = nullptr;
  std::size_t size_ = 0, capacity_ = 0;
};

}  // namespace aotkit::graph
