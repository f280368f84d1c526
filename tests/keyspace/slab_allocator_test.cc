#include "lib/keyspace/slab_allocator.h"

#include <cstring>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace embedis::keyspace_internal {
namespace {

TEST(SlabAllocator, BlocksOfOneClassShareAPageAndPagesAreReturnedWhenEmpty) {
  SlabAllocator slabs;
  std::vector<void*> blocks;
  for (int i = 0; i < 1000; ++i) {
    void* p = slabs.Allocate(277);
    std::memset(p, i & 0xff, 277);  // ASAN checks the slot is really 277+ bytes
    blocks.push_back(p);
  }
  // 280-byte slots, about 233 per 64 KiB page.
  EXPECT_EQ(slabs.pages(), 5u);
  for (void* p : blocks) slabs.Free(p, 277);
  EXPECT_LE(slabs.pages(), 1u);  // at most one empty page kept per class
}

TEST(SlabAllocator, BlocksDoNotOverlapAndKeepTheirContents) {
  SlabAllocator slabs;
  std::mt19937 rng(3);
  struct Block {
    unsigned char* p;
    size_t size;
    unsigned char fill;
  };
  std::vector<Block> live;
  for (int step = 0; step < 20000; ++step) {
    if (live.empty() || rng() % 3 != 0) {
      size_t size = 1 + rng() % 3000;  // both slab classes and malloc'ed blocks
      auto* p = static_cast<unsigned char*>(slabs.Allocate(size));
      unsigned char fill = static_cast<unsigned char>(rng());
      std::memset(p, fill, size);
      live.push_back({p, size, fill});
    } else {
      size_t i = rng() % live.size();
      const Block& b = live[i];
      for (size_t j = 0; j < b.size; ++j) ASSERT_EQ(b.p[j], b.fill) << "block overwritten";
      slabs.Free(b.p, b.size);
      live[i] = live.back();
      live.pop_back();
    }
  }
  for (const Block& b : live) slabs.Free(b.p, b.size);
  EXPECT_LE(slabs.pages(), SlabAllocator::kMaxSlabSize / 8 + 1);
}

TEST(SlabAllocator, ReallocateKeepsContentAcrossClassesAndLargeBlocks) {
  SlabAllocator slabs;
  size_t size = 10;
  auto* p = static_cast<char*>(slabs.Allocate(size));
  std::memset(p, 'a', size);
  for (size_t next : {size_t{100}, size_t{2048}, size_t{5000}, size_t{100000}, size_t{50}}) {
    if (!SlabAllocator::FitsInPlace(p, size, next)) {
      p = static_cast<char*>(slabs.Reallocate(p, size, next));
    }
    for (size_t i = 0; i < std::min(size, next); ++i) ASSERT_EQ(p[i], 'a');
    std::memset(p, 'a', next);
    size = next;
  }
  slabs.Free(p, size);
}

TEST(SlabAllocator, LargeBlocksGrowWithSlack) {
  SlabAllocator slabs;
  size_t size = 4096;
  void* p = slabs.Allocate(size);
  int moves = 0;
  for (size_t next = size + 16; next < 4 * 1024 * 1024; next += 16) {
    if (!SlabAllocator::FitsInPlace(p, size, next)) {
      p = slabs.Reallocate(p, size, next);
      ++moves;
    }
    size = next;
  }
  slabs.Free(p, size);
  // 260k appends of 16 bytes: geometric growth means a few dozen moves, not 260k.
  EXPECT_LT(moves, 100);
}

}  // namespace
}  // namespace embedis::keyspace_internal
