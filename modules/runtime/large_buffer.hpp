// modules/runtime/large_buffer.hpp — memory for buffers of many megabytes (an archive's bytes, a
// parsed document's values) backed by transparent huge pages where Linux offers them (not installed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace aotkit::runtime::detail {

inline constexpr std::size_t huge_page = std::size_t{2} << 20;

// Blocks of 2 MiB and more are aligned to 2 MiB and advised as huge pages: filling a 100 MB buffer
// page by page costs 25,000 page faults with 4 KiB pages and 50 with 2 MiB ones (reading a
// 100k-node program took 2.0 s without huge pages, 0.8 s with glibc's hugetlb tunable). Advice:
// where huge pages are off, nothing changes. (aotkit.graph's tables take their memory here too.)
constexpr std::align_val_t large_align(std::size_t bytes) noexcept {
  return std::align_val_t{bytes >= huge_page ? huge_page : alignof(std::max_align_t)};
}

/// `bytes` of uninitialised memory (std::bad_alloc when there is none).
inline void* allocate_large(std::size_t bytes) {
  void* p = ::operator new(bytes, large_align(bytes));
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes >= huge_page) ::madvise(p, bytes & ~(huge_page - 1), MADV_HUGEPAGE);
#endif
  return p;
}

/// Gives back what allocate_large(bytes) returned.
inline void deallocate_large(void* p, std::size_t bytes) noexcept { ::operator delete(p, large_align(bytes)); }

/// A std::allocator that takes large blocks from allocate_large (for vectors that grow large).
template <class T>
struct large_allocator {
  using value_type = T;
  large_allocator() = default;
  template <class U>
  large_allocator(const large_allocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(allocate_large(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { deallocate_large(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const large_allocator<U>&) const noexcept {
    return true;
  }
};

/// `bytes` of uninitialised memory owned by a shared pointer.
inline std::shared_ptr<char> make_large_buffer(std::size_t bytes) {
  // when its control block cannot be allocated, shared_ptr gives the memory back itself
  return std::shared_ptr<char>(static_cast<char*>(allocate_large(bytes)), [bytes](char* p) { deallocate_large(p, bytes); });
}

}  // namespace aotkit::runtime::detail
