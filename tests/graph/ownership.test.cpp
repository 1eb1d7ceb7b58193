// tests/graph/ownership.test.cpp — memory a node gains through any mutator is freed with its graph
// (the arena destroys only the nodes node_edit listed): the heap's bytes in use are compared around it.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AOTKIT_TEST_ASAN 1
#endif
#endif
#if defined(AOTKIT_TEST_ASAN)
#include <sanitizer/allocator_interface.h>
#else
#include <malloc.h>
#endif

#include <new>

import aotkit.graph;

using namespace aotkit::graph;

// operator new fails once its countdown reaches zero (negative: never): a copy interrupted at
// each of its allocations in turn. (This executable's own operator new; the sanitizer's heap and
// glibc's count what it takes from malloc all the same.)
#if defined(AOTKIT_TEST_ASAN)
// Under ASan the runtime's own operator new still serves some allocations (its object file comes
// in for the forms not replaced here) that this file's operator delete frees: both are ASan's
// heap, but its new/free pairing check would call that a mismatch.
extern "C" const char* __asan_default_options() { return "alloc_dealloc_mismatch=0"; }
#endif
static long new_countdown = -1;
void* operator new(std::size_t n) {
  if (new_countdown >= 0 && new_countdown-- == 0) throw std::bad_alloc();
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

// Bytes the heap holds now: the sanitizer's allocator under ASan, glibc's arenas and maps otherwise.
static long heap_bytes() {
#if defined(AOTKIT_TEST_ASAN)
  return static_cast<long>(__sanitizer_get_current_allocated_bytes());
#else
  struct mallinfo2 m = mallinfo2();
  return static_cast<long>(m.uordblks + m.hblkhd);
#endif
}

namespace {

const std::string long_text(40, 'q');  // past any string's inline buffer

// Each mutator gives a node that held no memory (an inline name, at most two plain arguments)
// memory of its own; the graph dies; every allocation made meanwhile must be gone. Enough plain
// nodes that the arena destroys only the listed ones (with most nodes listed it destroys all).
template <class Mutate>
long leaked_by(Mutate mutate) {
  long before = heap_bytes();
  {
    Graph g;
    node_id x = g.placeholder("x");
    node_id y = x;
    for (int i = 0; i < 32; ++i) y = g.call_function("operator.neg", {arg::node(y)});
    g.output(arg::node(y));
    mutate(g, x, y);
  }
  return heap_bytes() - before;
}

}  // namespace

TEST_CASE("a node's memory is freed with its graph whichever mutator gave it", "[graph][memory]") {
#if !defined(AOTKIT_TEST_ASAN)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  INFO("run with GLIBC_TUNABLES=glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0 (ctest sets it)");
  REQUIRE((tunables != nullptr && std::string_view(tunables).find("tcache_count=0") != std::string_view::npos));
#endif
  (void)leaked_by([](Graph&, node_id, node_id) {});  // interns the operators once (the registry keeps them)
  CHECK(leaked_by([](Graph&, node_id, node_id) {}) == 0);
  CHECK(leaked_by([](Graph& g, node_id x, node_id y) {
          g.set_args(y, {arg::node(x), arg::list({arg(long_text), arg(1), arg(2)}), arg(3)});
        }) == 0);
  CHECK(leaked_by([](Graph& g, node_id x, node_id y) { g.update_arg(y, 0, arg::list({arg::node(x), arg(long_text)})); }) ==
        0);
  CHECK(leaked_by([](Graph& g, node_id, node_id y) { g.set_kwargs(y, {{long_text, arg(long_text)}}); }) == 0);
  CHECK(leaked_by([](Graph& g, node_id, node_id y) { g.meta(y).set("stack_trace", arg(long_text)); }) == 0);
  CHECK(leaked_by([](Graph& g, node_id, node_id y) { g.set_type(y, "torch.Tensor"); }) == 0);
  CHECK(leaked_by([](Graph& g, node_id, node_id y) { g.force_name(y, long_text); }) == 0);
  CHECK(leaked_by([](Graph& g, node_id x, node_id y) {
          node_id z = g.placeholder("z");
          g.set_args(y, {arg::list({arg::node(x), arg::node(z)})});
          g.replace_all_uses_with(x, z);
          g.erase_node(x);
        }) == 0);
  CHECK(leaked_by([](Graph& g, node_id, node_id) {
          Graph copy = g;  // copies list the same nodes
          copy.force_name(2, long_text);
          g = copy;
        }) == 0);
}

TEST_CASE("a graph copy that fails part way frees what it had made", "[graph][memory]") {
#if !defined(AOTKIT_TEST_ASAN)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  REQUIRE((tunables != nullptr && std::string_view(tunables).find("tcache_count=0") != std::string_view::npos));
#endif
  // nodes that own memory (long names, boxed arguments), past the first chunks of the arena
  Graph g;
  node_id y = g.placeholder("x");
  for (int i = 0; i < 100; ++i)
    y = g.call_function("operator.add", {arg::node(y), arg::list({arg(long_text), arg(i)})}, {}, long_text + std::to_string(i));
  g.output(arg::node(y));
  { Graph warm = g; }  // whatever a first copy interns once
  // fail the copy at its k-th allocation, for every k until one copy completes
  long completed_at = -1;
  for (long k = 0; k < 100000 && completed_at < 0; ++k) {
    long before = heap_bytes();
    bool failed = false;
    new_countdown = k;
    try {
      Graph copy = g;
    } catch (const std::bad_alloc&) {
      failed = true;
    }
    new_countdown = -1;
    if (!failed) completed_at = k;
    long after = heap_bytes();  // before INFO, which allocates its message
    INFO("the copy failed at allocation " << k);
    REQUIRE(after == before);
  }
  CHECK(completed_at > 100);  // the copy allocates per node: it was interrupted all along the way
}
