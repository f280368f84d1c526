#include "lib/keyspace/small_allocator.h"

#include <malloc.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace embedis::keyspace_internal {
namespace {

using SA = SmallAllocator;

// Fills a block with a pattern derived from `seed`; Check verifies it.
void Fill(void* p, size_t n, uint8_t seed) {
  auto* b = static_cast<uint8_t*>(p);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
}
bool Check(const void* p, size_t n, uint8_t seed) {
  auto* b = static_cast<const uint8_t*>(p);
  for (size_t i = 0; i < n; ++i) {
    if (b[i] != static_cast<uint8_t>(seed + i * 7)) return false;
  }
  return true;
}

bool OnSlabPage(const void* p) {
  // Slab pages are 64 KiB-aligned and a slot never starts in the page's 64-byte header.
  return (reinterpret_cast<uintptr_t>(p) & (SlabAllocator::kPageSize - 1)) >= 64;
}

TEST(SmallAllocator, EachClassBoundary) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{15}, size_t{16},
                   size_t{17}, size_t{24}, size_t{100}, size_t{104}, size_t{105}, SA::kMaxSmall - 8,
                   SA::kMaxSmall - 1, SA::kMaxSmall}) {
    void* a = SA::Allocate(n);
    void* b = SA::Allocate(n);
    ASSERT_NE(a, b);
    const size_t cls = n == 0 ? 8 : (n + 7) / 8 * 8;
    EXPECT_EQ(SA::BlockBytes(a, n), cls) << n;
    EXPECT_EQ(SA::SmallBytes(n), cls) << n;
    EXPECT_TRUE(OnSlabPage(a)) << n;
    // Slots of one class do not overlap: the whole class size is usable.
    Fill(a, cls, 1);
    Fill(b, cls, 2);
    EXPECT_TRUE(Check(a, cls, 1)) << n;
    EXPECT_TRUE(Check(b, cls, 2)) << n;
    const auto d = static_cast<char*>(a) > static_cast<char*>(b)
                       ? static_cast<char*>(a) - static_cast<char*>(b)
                       : static_cast<char*>(b) - static_cast<char*>(a);
    EXPECT_GE(static_cast<size_t>(d), cls) << n;
    SA::Free(a, n);
    SA::Free(b, n);
  }
  // Past the largest class: malloc, accounted at what malloc gave.
  void* big = SA::Allocate(SA::kMaxSmall + 1);
  EXPECT_EQ(SA::BlockBytes(big, SA::kMaxSmall + 1), malloc_usable_size(big));
  EXPECT_GE(SA::BlockBytes(big, SA::kMaxSmall + 1), SA::kMaxSmall + 1);
  Fill(big, SA::kMaxSmall + 1, 3);
  EXPECT_TRUE(Check(big, SA::kMaxSmall + 1, 3));
  SA::Free(big, SA::kMaxSmall + 1);
  SA::Free(nullptr, 10);  // ignored
}

TEST(SmallAllocator, ReallocateAcrossClassesAndIntoAndOutOfMalloc) {
  // Grow one byte at a time from 1 to past the small limit and back down, checking the content.
  size_t n = 1;
  void* p = SA::Reallocate(nullptr, 0, n);
  Fill(p, n, 9);
  for (; n < SA::kMaxSmall + 300; ++n) {
    void* q = SA::Reallocate(p, n, n + 1);
    if (n <= SA::kMaxSmall && n + 1 <= SA::kMaxSmall && (n + 7) / 8 == (n + 8) / 8) {
      EXPECT_EQ(q, p) << "same class moves nothing: " << n;
    }
    p = q;
    ASSERT_TRUE(Check(p, n, 9)) << n;
    static_cast<uint8_t*>(p)[n] = static_cast<uint8_t>(9 + n * 7);
  }
  EXPECT_EQ(SA::BlockBytes(p, n), malloc_usable_size(p));
  while (n > 1) {
    const size_t m = n > 3 ? n - 3 : 1;
    p = SA::Reallocate(p, n, m);
    ASSERT_TRUE(Check(p, m, 9)) << m;
    if (m <= SA::kMaxSmall) EXPECT_TRUE(OnSlabPage(p)) << m;
    n = m;
  }
  EXPECT_EQ(SA::Reallocate(p, 1, 0), nullptr);  // frees
  // Large to large: realloc.
  void* big = SA::Allocate(5000);
  Fill(big, 5000, 4);
  big = SA::Reallocate(big, 5000, 9000);
  EXPECT_TRUE(Check(big, 5000, 4));
  big = SA::Reallocate(big, 9000, 3000);
  EXPECT_TRUE(Check(big, 3000, 4));
  big = SA::Reallocate(big, 3000, 40);  // out of malloc, into a slot
  EXPECT_TRUE(OnSlabPage(big));
  EXPECT_TRUE(Check(big, 40, 4));
  SA::Free(big, 40);
}

TEST(SmallAllocator, PagesGoBackWhenEmpty) {
  constexpr size_t kSize = 1992;  // 32 slots a page
  // A class keeps one empty page: make sure it has it, so that the count below is exact.
  SA::Free(SA::Allocate(kSize), kSize);
  const size_t before = SA::Pages();
  std::vector<void*> blocks;
  for (int i = 0; i < 32 * 4 + 1; ++i) blocks.push_back(SA::Allocate(kSize));  // 5 pages
  EXPECT_EQ(SA::Pages(), before + 4);
  for (void* p : blocks) SA::Free(p, kSize);
  EXPECT_EQ(SA::Pages(), before);  // the empty pages went back but the class's last one
}

// Threads allocate blocks of random sizes (small and large), hand half of them to the next thread,
// which frees them, and check every block's content before freeing: blocks never overlap and any
// thread may free any block. Run under --config=tsan and --config=asan.
TEST(SmallAllocator, ManyThreadsAllocateAndFreeAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 20000;
  struct Block {
    void* p;
    size_t n;
    uint8_t seed;
  };
  struct Mailbox {
    std::mutex mu;
    std::vector<Block> blocks;
  };
  std::vector<Mailbox> boxes(kThreads);
  std::atomic<int> bad{0};
  auto worker = [&](int t) {
    std::mt19937 rng(t + 1);
    std::vector<Block> mine;
    for (int r = 0; r < kRounds; ++r) {
      const size_t n = rng() % 16 == 0 ? rng() % 4000 : rng() % 300;
      const auto seed = static_cast<uint8_t>(rng());
      void* p = SA::Allocate(n);
      Fill(p, n, seed);
      Block b{p, n, seed};
      if (rng() % 2 == 0) {
        std::lock_guard<std::mutex> lock(boxes[(t + 1) % kThreads].mu);
        boxes[(t + 1) % kThreads].blocks.push_back(b);
      } else {
        mine.push_back(b);
      }
      if (rng() % 3 == 0 && !mine.empty()) {  // grow or shrink one of ours
        Block& m = mine[rng() % mine.size()];
        const size_t nn = rng() % 2 == 0 ? m.n + rng() % 64 : m.n / 2;
        m.p = SA::Reallocate(m.p, m.n, nn);
        if (!Check(m.p, std::min(m.n, nn), m.seed)) bad.fetch_add(1);
        m.n = nn;
        Fill(m.p, m.n, m.seed);
        if (m.n == 0) m.p = SA::Allocate(0);
      }
      if (r % 64 == 0) {
        std::vector<Block> theirs;
        {
          std::lock_guard<std::mutex> lock(boxes[t].mu);
          theirs.swap(boxes[t].blocks);
        }
        for (const Block& x : theirs) {
          if (!Check(x.p, x.n, x.seed)) bad.fetch_add(1);
          SA::Free(x.p, x.n);
        }
        while (mine.size() > 200) {
          const Block& x = mine.back();
          if (!Check(x.p, x.n, x.seed)) bad.fetch_add(1);
          SA::Free(x.p, x.n);
          mine.pop_back();
        }
      }
    }
    for (const Block& x : mine) {
      if (!Check(x.p, x.n, x.seed)) bad.fetch_add(1);
      SA::Free(x.p, x.n);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  for (auto& th : threads) th.join();
  for (Mailbox& box : boxes) {
    for (const Block& x : box.blocks) {
      if (!Check(x.p, x.n, x.seed)) bad.fetch_add(1);
      SA::Free(x.p, x.n);
    }
  }
  EXPECT_EQ(bad.load(), 0);
}

#if defined(__SANITIZE_ADDRESS__)
TEST(SmallAllocatorDeathTest, UseAfterFreeIsReported) {
  EXPECT_DEATH(
      {
        auto* p = static_cast<volatile char*>(SA::Allocate(40));
        SA::Free(const_cast<char*>(p), 40);
        p[20] = 1;
      },
      "use-after-poison");
}
#endif

}  // namespace
}  // namespace embedis::keyspace_internal
