// SmallAllocator: process-wide, thread-safe, headerless size-class memory for value objects and
// their small buffers (a sorted set's 24-byte object and its listpack, ...).
//
// Why: a small sorted set is two blocks, its object (24 bytes) and its listpack (~100 bytes for
// 10 members). glibc malloc adds an 8-byte header to each and rounds to 16, so they take 32 and
// 112 bytes: 24 bytes a set more than their content, which put 100k such sets above Redis by RSS
// (jemalloc has no per-block header). Here a block is rounded to 8 bytes and carries no header:
// the caller passes the size back, as with SlabAllocator, whose pages and page layout this shares.
//
//   void* p = SmallAllocator::Allocate(100);            // a 104-byte slot
//   p = SmallAllocator::Reallocate(p, 100, 113);        // moves to a 120-byte slot
//   SmallAllocator::Free(p, 113);                       // the size as last allocated
//
// A class that always goes through it declares (see ZSetValue):
//   static void* operator new(size_t n) { return SmallAllocator::Allocate(n); }
//   static void operator delete(void* p, size_t n) { SmallAllocator::Free(p, n); }
//
// Users: ZSetValue (object and listpack), SetValue, HashValue and ListValue (their objects). Not
// yet: sets' intsets, hashes' listpacks, list nodes (ListValue sizes its nodes by
// malloc_usable_size) and skip list nodes, which stay on malloc.
//
// Layout. Requests up to kMaxSmall (2 KiB) bytes get a slot of their 8-byte class in a 64 KiB page
// of that class, exactly as SlabAllocator's (slab_allocator.h: one SlotList per class, pages from
// the process-wide pool of 2 MiB regions, an empty page back to the system at once). Larger
// requests go to malloc.
//
// Thread safety: every function may be called from any thread, and a block may be freed or
// reallocated by another thread than the one that allocated it (a value is written under its
// shard's lock, freed by whichever thread deletes its key, and moves between shards with RENAME or
// MOVE), which is why the allocator is process-wide and not per shard. Each class's list has its
// own lock (a std::mutex, one cache line per class), held for the few instructions of taking or
// returning a slot; the page pool has its own. A reallocation within the same class takes no lock.
//
// Accounting. The allocator keeps no counters on the hot path: a value's FootprintBytes() reports
// its blocks at BlockBytes() (the class size, or malloc_usable_size for a large block), which is
// what the keyspace's used_memory adds up (keyspace_eviction.cc). The pages themselves count in
// SlabAllocator::TotalPageBytes() (INFO's allocator_allocated), like the entries' pages.
//
// Under AddressSanitizer free slots are poisoned (see slab_allocator.h).
#ifndef EMBEDIS_LIB_KEYSPACE_SMALL_ALLOCATOR_H_
#define EMBEDIS_LIB_KEYSPACE_SMALL_ALLOCATOR_H_

#include <cstddef>

#include "lib/keyspace/slab_allocator.h"

namespace embedis::keyspace_internal {

class SmallAllocator {
 public:
  static constexpr size_t kMaxSmall = SlabAllocator::kMaxSlabSize;

  // Never returns null (aborts when the system is out of memory). Allocate(0) is one 8-byte slot.
  static void* Allocate(size_t size);
  // REQUIRES: `p` came from Allocate or Reallocate with `size` (or a size of the same class when
  // both are at most kMaxSmall). A null `p` is ignored.
  static void Free(void* p, size_t size);
  // Moves a block of `old_size` bytes to `new_size`, keeping min(old, new) bytes of its content;
  // returns the same block when both sizes are of one class. A null `p` (old_size 0) allocates;
  // new_size 0 frees and returns null.
  static void* Reallocate(void* p, size_t old_size, size_t new_size);

  // The bytes a block of `size` bytes takes: its 8-byte class, or for a large block what malloc
  // gave it (`p` is only read for a large block).
  static size_t BlockBytes(const void* p, size_t size);
  // The same for a small block. REQUIRES: size <= kMaxSmall.
  static constexpr size_t SmallBytes(size_t size) {
    return SlabAllocator::RoundUp(size == 0 ? 1 : size);
  }

  // Pages held by the allocator now (for tests).
  static size_t Pages();
};

}  // namespace embedis::keyspace_internal

#endif  // EMBEDIS_LIB_KEYSPACE_SMALL_ALLOCATOR_H_
