// modules/graph/memory.cpp — table memory (2 MiB blocks advised as huge pages, blocks that grow by
// remapping) and the node arena that Graph keeps its nodes in.
module;
#include <algorithm>
#include <array>
#include <bit>
#include <mutex>
#include <cctype>
#include <charconv>
#include <cstring>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "runtime/large_buffer.hpp"
module aotkit.graph;

import aotkit.runtime;

namespace aotkit::graph {

//===--- table memory and the node arena ---===//

// Two nodes to a cache line pair, and a huge page holds a power of two of them (the arena finds a
// node with shifts).
static_assert(sizeof(Node) == 128 || sizeof(void*) != 8, "Node grew past 128 bytes");

void* allocate_table(std::size_t bytes) { return runtime::detail::allocate_large(bytes); }

void free_table(void* p, std::size_t bytes) noexcept { runtime::detail::deallocate_large(p, bytes); }

namespace {
// From here on a growing block gets pages of its own (Linux): remapped when it grows, never copied.
constexpr std::size_t mapped_block = 4 * huge_page;
}  // namespace

void* resize_block(void* p, std::size_t used, std::size_t capacity, std::size_t bytes) {
#if defined(__linux__) && defined(MREMAP_MAYMOVE)
  if (bytes >= mapped_block) {
    void* q;
    if (capacity >= mapped_block) {
      q = ::mremap(p, capacity, bytes, MREMAP_MAYMOVE);
      if (q == MAP_FAILED) throw std::bad_alloc();
    } else {
      q = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (q == MAP_FAILED) throw std::bad_alloc();
      if (used != 0) std::memcpy(q, p, used);
      std::free(p);
    }
#if defined(MADV_HUGEPAGE)
    ::madvise(q, bytes, MADV_HUGEPAGE);  // its whole huge pages; a remap keeps the advice
#endif
    return q;
  }
#else
  (void)capacity;
#endif
  (void)used;
  void* q = std::realloc(p, bytes);
  if (q == nullptr) throw std::bad_alloc();
  return q;
}

void free_block(void* p, std::size_t capacity) noexcept {
#if defined(__linux__) && defined(MREMAP_MAYMOVE)
  if (capacity >= mapped_block) {
    ::munmap(p, capacity);
    return;
  }
#else
  (void)capacity;
#endif
  std::free(p);
}

void Graph::node_arena::add_chunk() {
  std::size_t c = chunks_.size();
  std::size_t n = c < small_chunks ? first_chunk << c : big_chunk;
  if (c == chunks_.capacity()) chunks_.reserve(2 * c + 8);  // first: once allocated, keeping the chunk cannot throw
  chunks_.push_back(static_cast<Node*>(allocate_table(c < small_chunks ? n * sizeof(Node) : big_bytes)));
  capacity_ += n;
}

void Graph::node_arena::release(bool every) noexcept {
  // the listed nodes, or (when most are listed, or asked) every node in memory order
  std::size_t left = 0;
  if (!every && 8 * owners_.size() < size_) {
    for (node_id id : owners_) (*this)[id].~Node();
  } else {
    left = size_;
  }
  for (std::size_t c = 0; c < chunks_.size(); ++c) {
    std::size_t n = c < small_chunks ? first_chunk << c : big_chunk;
    std::destroy_n(chunks_[c], std::min(n, left));
    left -= std::min(n, left);
    free_table(chunks_[c], c < small_chunks ? n * sizeof(Node) : big_bytes);
  }
  chunks_.clear();
  owners_ = {};
  size_ = capacity_ = 0;
}


}  // namespace aotkit::graph
