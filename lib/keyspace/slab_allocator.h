// SlabAllocator: size-class memory for keyspace entries, 8-byte granularity.
//
// Thread safety: none. Each keyspace shard owns one and uses it under its lock.
//
// Why: a session key is one block of about 280 bytes (header, key, value).
// glibc malloc adds an 8-byte header to every block and rounds to 16, which
// for that shape is 11 bytes a key; jemalloc (Redis) rounds 277 up to 320.
// Here a block's size is rounded to 8 bytes and carries no header: the caller
// passes the size back to Free(), and the page a block lives in is found by
// masking its address.
//
//   SlabAllocator slabs;
//   void* p = slabs.Allocate(277);   // a 280-byte slot
//   slabs.Free(p, 277);              // the same size as allocated
//
// Layout. Requests up to kMaxSlabSize bytes are served from 64 KiB pages
// aligned to 64 KiB, one size class per page (sizes 8, 16, ..., kMaxSlabSize).
// Pages come from a process-wide pool of 2 MiB mmap'ed regions (see
// slab_allocator.cc). A page starts with a small header (its class, live
// count, free list, and links in its class's list of pages with free slots),
// then slots carved on demand. A page whose last slot is freed goes back to
// the pool at once and its memory to the system (madvise), so memory follows
// the key count down after mass expiry or FLUSHALL (a page with even one live
// slot stays: the usual slab fragmentation). Larger requests go to malloc.
//
// The pages of one size class are kept by a SlotList, which SmallAllocator (small_allocator.h, the
// process-wide, thread-safe allocator of value objects and their buffers) shares: it puts one
// behind a lock per class. Both draw on the same page pool, so TotalPageBytes() counts both.
//
// Under AddressSanitizer a free slot (and the uncarved rest of a page) is poisoned, so a use after
// Free() or a read past a block into a neighbour that is not handed out is reported.
//
// Accounting. used_bytes() is what the blocks handed out take (a slot at its 8-byte class, a
// large block at malloc_usable_size) plus the "external" bytes the owner reports with
// AddExternal (a keyspace shard: its value objects and hash-table buckets). It is the shard's
// share of INFO used_memory and what maxmemory is compared with. One relaxed atomic written by the
// owner under its lock (a plain load and store, no read-modify-write) and read by anyone.
#ifndef EMBEDIS_LIB_KEYSPACE_SLAB_ALLOCATOR_H_
#define EMBEDIS_LIB_KEYSPACE_SLAB_ALLOCATOR_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace embedis::keyspace_internal {

class SlabAllocator {
 public:
  static constexpr size_t kPageSize = 64 * 1024;
  static constexpr size_t kMaxSlabSize = 2048;
  struct Page;  // the header at the start of a page (slab_allocator.cc)

  SlabAllocator() = default;
  ~SlabAllocator();
  SlabAllocator(const SlabAllocator&) = delete;
  SlabAllocator& operator=(const SlabAllocator&) = delete;

  // Never returns null (aborts when the system is out of memory).
  void* Allocate(size_t size);
  // REQUIRES: `p` came from this allocator's Allocate(size) with a size that
  // rounds to the same 8-byte class.
  void Free(void* p, size_t size);
  // True when the block `p` of `old_size` bytes can hold `new_size` bytes as
  // it is: the same 8-byte class, or a large block with room to spare (and
  // not wastefully large).
  static bool FitsInPlace(void* p, size_t old_size, size_t new_size);
  // Moves a block to a new size, keeping min(old, new) bytes of its content.
  // Large blocks that grow get 50% slack, so that appending to a string costs
  // amortized O(1) per byte (as Redis's greedy sds preallocation).
  void* Reallocate(void* p, size_t old_size, size_t new_size);
  static constexpr size_t RoundUp(size_t n) { return (n + 7) & ~size_t{7}; }

  // One size class's pages: those with a free slot are linked in a list. Thread safety: none.
  // A page is found from a slot by masking its address; it knows its slot size.
  class SlotList {
   public:
    // A slot of `slot_size` bytes (a multiple of 8, at most kMaxSlabSize), from a page of the
    // list or a new one (then *new_page is set).
    void* Allocate(size_t slot_size, bool* new_page);
    // Gives back a slot of a page of this list; returns whether its page went back to the pool.
    bool Free(void* p);
    // Gives back the pages of the list (at exit; their slots must all be free). Returns how many.
    size_t ReleaseAll();

   private:
    void Unlink(Page* page);
    Page* head_ = nullptr;  // pages with at least one free slot
  };

  // The bytes of this allocator's live blocks plus the external bytes (see Accounting above).
  // Any thread.
  size_t used_bytes() const { return static_cast<size_t>(used_.load(std::memory_order_relaxed)); }
  // Adds `delta` (may be negative) to the external bytes. Owner's thread (under its lock).
  void AddExternal(int64_t delta) { Add(delta); }

  // Pages currently held (for tests and stats).
  size_t pages() const { return pages_; }
  // Bytes of pages in use by all allocators of the process (pages are mapped
  // directly, so malloc statistics do not include them).
  static size_t TotalPageBytes();

 private:
  static constexpr size_t kClasses = kMaxSlabSize / 8 + 1;

  void Add(int64_t delta) {
    used_.store(used_.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }

  SlotList classes_[kClasses];  // by size / 8
  size_t pages_ = 0;
  std::atomic<int64_t> used_{0};
};

}  // namespace embedis::keyspace_internal

#endif  // EMBEDIS_LIB_KEYSPACE_SLAB_ALLOCATOR_H_
