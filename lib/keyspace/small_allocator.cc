#include "lib/keyspace/small_allocator.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace embedis::keyspace_internal {
namespace {

[[noreturn]] void OutOfMemory(size_t n) {
  std::fprintf(stderr, "embedis: out of memory allocating %zu bytes\n", n);
  std::abort();
}

// One size class: its pages with free slots, behind its own lock, on a cache line of its own so
// that threads working in different classes do not share one.
struct alignas(64) SizeClass {
  std::mutex mu;
  SlabAllocator::SlotList slots;  // guarded by mu
};

constexpr size_t kClasses = SmallAllocator::kMaxSmall / 8 + 1;

// Never destroyed: blocks may be freed by static destructors that run after this file's.
SizeClass* Classes() {
  static SizeClass* classes = new SizeClass[kClasses];
  return classes;
}

std::atomic<size_t> g_pages{0};

}  // namespace

void* SmallAllocator::Allocate(size_t size) {
  if (size > kMaxSmall) {
    void* p = std::malloc(size);
    if (p == nullptr) OutOfMemory(size);
    return p;
  }
  const size_t rounded = SmallBytes(size);
  SizeClass& c = Classes()[rounded / 8];
  bool new_page = false;
  void* slot;
  {
    std::lock_guard<std::mutex> lock(c.mu);
    slot = c.slots.Allocate(rounded, &new_page);
  }
  if (new_page) g_pages.fetch_add(1, std::memory_order_relaxed);
  return slot;
}

void SmallAllocator::Free(void* p, size_t size) {
  if (p == nullptr) return;
  if (size > kMaxSmall) {
    std::free(p);
    return;
  }
  SizeClass& c = Classes()[SmallBytes(size) / 8];
  bool released;
  {
    std::lock_guard<std::mutex> lock(c.mu);
    released = c.slots.Free(p);
  }
  if (released) g_pages.fetch_sub(1, std::memory_order_relaxed);
}

void* SmallAllocator::Reallocate(void* p, size_t old_size, size_t new_size) {
  if (p == nullptr) return Allocate(new_size);
  if (new_size == 0) {
    Free(p, old_size);
    return nullptr;
  }
  if (old_size > kMaxSmall && new_size > kMaxSmall) {
    void* moved = std::realloc(p, new_size);
    if (moved == nullptr) OutOfMemory(new_size);
    return moved;
  }
  if (old_size <= kMaxSmall && new_size <= kMaxSmall &&
      SmallBytes(old_size) == SmallBytes(new_size)) {
    return p;
  }
  void* moved = Allocate(new_size);
  std::memcpy(moved, p, std::min(old_size, new_size));
  Free(p, old_size);
  return moved;
}

size_t SmallAllocator::BlockBytes(const void* p, size_t size) {
  if (size <= kMaxSmall) return SmallBytes(size);
  return malloc_usable_size(const_cast<void*>(p));
}

size_t SmallAllocator::Pages() { return g_pages.load(std::memory_order_relaxed); }

}  // namespace embedis::keyspace_internal
