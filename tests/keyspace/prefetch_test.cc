// Keyspace::Prefetch is a hint: it must change nothing observable and must be safe while other
// threads insert (which resizes the table it looks into).
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/clock.h"

namespace embedis {
namespace {

std::vector<std::string_view> Views(const std::vector<std::string>& keys) {
  return std::vector<std::string_view>(keys.begin(), keys.end());
}

TEST(KeyspacePrefetch, ChangesNothingObservable) {
  ManualClock clock;
  Keyspace ks({.clock = &clock});
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) keys.push_back("key:" + std::to_string(i));
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(ks.Set(0, keys[i], "v" + std::to_string(i)).ok());
  }
  ASSERT_TRUE(
      ks.Set(0, "ttl", "x", {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = clock.NowMs() + 1000})
          .ok());
  const KeyspaceStats before = ks.GetStats();
  std::vector<std::string_view> views = Views(keys);  // 200 keys: more than the 64 it looks at
  views.push_back("ttl");
  ks.Prefetch(0, views);
  ks.Prefetch(1, views);   // a database with no table yet
  ks.Prefetch(-1, views);  // out of range: ignored, no crash
  ks.Prefetch(99, views);
  ks.Prefetch(0, {});
  const KeyspaceStats after = ks.GetStats();
  EXPECT_EQ(after.keys, before.keys);
  EXPECT_EQ(after.expires, before.expires);
  EXPECT_EQ(after.keyspace_hits, before.keyspace_hits);
  EXPECT_EQ(after.keyspace_misses, before.keyspace_misses);
  EXPECT_EQ(after.changes, before.changes);
  EXPECT_EQ(ks.Size(1), 0);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(*ks.Get(0, keys[i]).value(), "v" + std::to_string(i));
  EXPECT_EQ(ks.PTtl(0, "ttl"), 1000);
}

// Run under TSAN/ASAN: prefetching reads the bucket array that concurrent inserts and deletes
// resize and free; the reads must all be under the shard lock.
TEST(KeyspacePrefetch, SafeWhileOtherThreadsResizeTheTable) {
  Keyspace ks({.shards = 2});
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int round = 0; round < 20; ++round) {
      for (int i = 0; i < 4000; ++i) ASSERT_TRUE(ks.Set(0, "k" + std::to_string(i), "v").ok());
      for (int i = 0; i < 4000; ++i) ks.DeleteKey(0, "k" + std::to_string(i));
    }
    stop = true;
  });
  std::vector<std::string> keys;
  for (int i = 0; i < 64; ++i) keys.push_back("k" + std::to_string(i * 61));
  const std::vector<std::string_view> views = Views(keys);
  uint64_t calls = 0;
  while (!stop) {
    ks.Prefetch(0, views);
    ++calls;
  }
  writer.join();
  EXPECT_GT(calls, 0u);
  EXPECT_EQ(ks.Size(0), 0);
}

}  // namespace
}  // namespace embedis
