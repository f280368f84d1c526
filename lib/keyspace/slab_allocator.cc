#include "lib/keyspace/slab_allocator.h"

#include <malloc.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/lsan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#endif

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace embedis::keyspace_internal {
namespace {
[[noreturn]] void OutOfMemory(size_t n) {
  std::fprintf(stderr, "embedis: out of memory allocating %zu bytes\n", n);
  std::abort();
}

std::atomic<size_t> g_page_bytes{0};

// Pages come from a process-wide pool of 2 MiB regions, each mapped once
// (aligned to the page size by over-mapping and trimming) and carved into 32
// pages. A freed page goes back to the pool with madvise(MADV_DONTNEED), which
// returns its memory to the system but keeps the mapping, so the number of
// mappings grows with the peak data size / 2 MiB, far below the kernel's
// vm.max_map_count even for hundreds of GiB. (aligned_alloc would leave up to
// a page of unusable fragments per page in glibc's heap; one mmap per page
// would run into the mapping limit at a few GiB.)
class PagePool {
 public:
  static constexpr size_t kRegion = 2 * 1024 * 1024;

  void* Get(size_t page_size) {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.empty()) MapRegion(page_size);
    void* page = free_.back();
    free_.pop_back();
    g_page_bytes.fetch_add(page_size, std::memory_order_relaxed);
    return page;
  }

  void Put(void* page, size_t page_size) {
    madvise(page, page_size, MADV_DONTNEED);  // the memory goes back; the mapping stays
    g_page_bytes.fetch_sub(page_size, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(page);
  }

 private:
  void MapRegion(size_t page_size) {
    const size_t span = kRegion + page_size;
    void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) OutOfMemory(kRegion);
    uintptr_t start = reinterpret_cast<uintptr_t>(raw);
    uintptr_t aligned = (start + page_size - 1) & ~(page_size - 1);
    if (aligned > start) munmap(raw, aligned - start);
    uintptr_t end = start + span;
    if (end > aligned + kRegion) {
      munmap(reinterpret_cast<void*>(aligned + kRegion), end - aligned - kRegion);
    }
#if defined(__SANITIZE_ADDRESS__)
    // LeakSanitizer does not scan mmap'ed memory: register the region, whose
    // entries hold the only pointers to hash values.
    __lsan_register_root_region(reinterpret_cast<void*>(aligned), kRegion);
#endif
    for (size_t off = kRegion; off >= page_size; off -= page_size) {
      free_.push_back(reinterpret_cast<void*>(aligned + off - page_size));
    }
  }

  std::mutex mu_;
  std::vector<void*> free_;
};

PagePool& Pool() {
  static PagePool* pool = new PagePool();
  return *pool;
}

void* MapAlignedPage(size_t size) { return Pool().Get(size); }
void UnmapPage(void* page, size_t size) { Pool().Put(page, size); }
}  // namespace

size_t SlabAllocator::TotalPageBytes() { return g_page_bytes.load(std::memory_order_relaxed); }

struct SlabAllocator::Page {
  Page* prev;  // in its SlotList, when it has free slots
  Page* next;
  void* free_list;  // freed slots, linked through their first word
  uint32_t slot_size;
  uint32_t live;      // slots handed out and not freed
  uint32_t carved;    // slots carved so far from the bump region
  uint32_t capacity;  // slots the page holds
  bool listed;

  char* slots() { return reinterpret_cast<char*>(this) + kHeader; }
  static constexpr size_t kHeader = 64;
};

namespace {
// Under ASan, the slots of a page are poisoned but while handed out (whole slots: a caller may use
// a block's class rounding, see FitsInPlace), and a page goes back to the pool unpoisoned.
void Poison(void* p, size_t n) { ASAN_POISON_MEMORY_REGION(p, n); }
void Unpoison(void* p, size_t n) { ASAN_UNPOISON_MEMORY_REGION(p, n); }
}  // namespace

void SlabAllocator::SlotList::Unlink(Page* page) {
  if (page->prev != nullptr) {
    page->prev->next = page->next;
  } else {
    head_ = page->next;
  }
  if (page->next != nullptr) page->next->prev = page->prev;
  page->prev = page->next = nullptr;
  page->listed = false;
}

void* SlabAllocator::SlotList::Allocate(size_t slot_size, bool* new_page) {
  Page* page = head_;
  if (page == nullptr) {
    page = static_cast<Page*>(MapAlignedPage(kPageSize));
    page->prev = page->next = nullptr;
    page->free_list = nullptr;
    page->slot_size = static_cast<uint32_t>(slot_size);
    page->live = 0;
    page->carved = 0;
    page->capacity = static_cast<uint32_t>((kPageSize - Page::kHeader) / slot_size);
    page->listed = true;
    Poison(page->slots(), kPageSize - Page::kHeader);
    head_ = page;
    *new_page = true;
  }
  void* slot;
  if (page->free_list != nullptr) {
    slot = page->free_list;
    Unpoison(slot, page->slot_size);
    page->free_list = *static_cast<void**>(slot);
  } else {
    slot = page->slots() + static_cast<size_t>(page->carved) * page->slot_size;
    Unpoison(slot, page->slot_size);
    ++page->carved;
  }
  ++page->live;
  if (page->free_list == nullptr && page->carved == page->capacity) Unlink(page);  // full
  return slot;
}

bool SlabAllocator::SlotList::Free(void* p) {
  Page* page = reinterpret_cast<Page*>(reinterpret_cast<uintptr_t>(p) & ~(kPageSize - 1));
  *static_cast<void**>(p) = page->free_list;
  page->free_list = p;
  Poison(p, page->slot_size);
  if (--page->live == 0 && !(page->listed && head_ == page && page->next == nullptr)) {
    // Empty: give it back, unless it is the class's only page with room (so
    // that one key set and deleted in a loop does not map and unmap a page
    // each time).
    if (page->listed) Unlink(page);
    Unpoison(page, kPageSize);
    UnmapPage(page, kPageSize);
    return true;
  }
  if (!page->listed) {  // was full: has a free slot again
    page->next = head_;
    page->prev = nullptr;
    if (page->next != nullptr) page->next->prev = page;
    head_ = page;
    page->listed = true;
  }
  return false;
}

size_t SlabAllocator::SlotList::ReleaseAll() {
  size_t n = 0;
  while (Page* p = head_) {
    Unlink(p);
    Unpoison(p, kPageSize);
    UnmapPage(p, kPageSize);
    ++n;
  }
  return n;
}

SlabAllocator::~SlabAllocator() {
  // Pages are owned through the slot lists and through their live slots;
  // the keyspace frees every entry before its allocator, so every page is
  // empty and already released by now. Release anything left defensively.
  for (SlotList& list : classes_) list.ReleaseAll();
}

void* SlabAllocator::Allocate(size_t size) {
  size_t rounded = RoundUp(size == 0 ? 1 : size);
  if (rounded > kMaxSlabSize) {
    void* p = std::malloc(rounded);
    if (p == nullptr) OutOfMemory(rounded);
    Add(static_cast<int64_t>(malloc_usable_size(p)));
    return p;
  }
  Add(static_cast<int64_t>(rounded));
  bool new_page = false;
  void* slot = classes_[rounded / 8].Allocate(rounded, &new_page);
  if (new_page) ++pages_;
  return slot;
}

bool SlabAllocator::FitsInPlace(void* p, size_t old_size, size_t new_size) {
  size_t o = RoundUp(old_size == 0 ? 1 : old_size), n = RoundUp(new_size == 0 ? 1 : new_size);
  if (o <= kMaxSlabSize || n <= kMaxSlabSize) return o == n;
  size_t usable = malloc_usable_size(p);
  return n <= usable && usable <= 2 * n + 4096;
}

void* SlabAllocator::Reallocate(void* p, size_t old_size, size_t new_size) {
  size_t o = RoundUp(old_size == 0 ? 1 : old_size), n = RoundUp(new_size == 0 ? 1 : new_size);
  if (o > kMaxSlabSize && n > kMaxSlabSize) {
    size_t want = n > o ? n + n / 2 : n;
    const size_t before = malloc_usable_size(p);
    void* moved = std::realloc(p, want);
    if (moved == nullptr) OutOfMemory(want);
    Add(static_cast<int64_t>(malloc_usable_size(moved)) - static_cast<int64_t>(before));
    return moved;
  }
  void* moved = Allocate(new_size);
  std::memcpy(moved, p, std::min(o, n));
  Free(p, old_size);
  return moved;
}

void SlabAllocator::Free(void* p, size_t size) {
  size_t rounded = RoundUp(size == 0 ? 1 : size);
  if (rounded > kMaxSlabSize) {
    Add(-static_cast<int64_t>(malloc_usable_size(p)));
    std::free(p);
    return;
  }
  Add(-static_cast<int64_t>(rounded));
  if (classes_[rounded / 8].Free(p)) --pages_;
}

}  // namespace embedis::keyspace_internal
