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

std::vector<Keyspace::PrefetchItem> Items(const std::vector<std::string>& keys,
                                          std::string_view field = {}) {
  std::vector<Keyspace::PrefetchItem> items;
  for (const std::string& k : keys) items.push_back({k, field});
  return items;
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
  std::vector<Keyspace::PrefetchItem> views = Items(keys);  // 200: more than the 64 it uses
  views.push_back({"ttl", "field-of-a-string"});
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

TEST(KeyspacePrefetch, HashFieldsOfBothEncodings) {
  Keyspace ks;
  for (int i = 0; i < 1000; ++i) {  // > 512 fields: a hash table
    ASSERT_TRUE(ks.HSet(0, "big", {{"f" + std::to_string(i), "v"}}).ok());
  }
  ASSERT_TRUE(ks.HSet(0, "small", {{"a", "1"}}).ok());  // a listpack
  const KeyspaceStats before = ks.GetStats();
  std::vector<std::string> fields;  // the items' views point into these
  for (int i = 0; i < 40; ++i) fields.push_back("f" + std::to_string(i * 7));
  std::vector<Keyspace::PrefetchItem> items;
  for (const std::string& f : fields) items.push_back({"big", f});
  items.push_back({"big", "missing-field"});
  items.push_back({"small", "a"});
  items.push_back({"missing-key", "a"});
  ks.Prefetch(0, items);
  const KeyspaceStats after = ks.GetStats();
  EXPECT_EQ(after.keyspace_hits, before.keyspace_hits);
  EXPECT_EQ(after.keyspace_misses, before.keyspace_misses);
  EXPECT_EQ(after.changes, before.changes);
  EXPECT_EQ(*ks.HGet(0, "big", "f7").value(), "v");
  EXPECT_EQ(*ks.HGet(0, "small", "a").value(), "1");
}

// Run under TSAN/ASAN: prefetching reads the bucket array that concurrent inserts and deletes
// resize and free; the reads must all be under the shard lock.
TEST(KeyspacePrefetch, SafeWhileOtherThreadsResizeTheTable) {
  Keyspace ks({.shards = 2});
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int round = 0; round < 20; ++round) {
      for (int i = 0; i < 4000; ++i) ASSERT_TRUE(ks.Set(0, "k" + std::to_string(i), "v").ok());
      // A hash growing past the listpack limit and through several table resizes.
      for (int f = 0; f < 1500; ++f) {
        ASSERT_TRUE(ks.HSet(0, "big", {{"f" + std::to_string(f), "v"}}).ok());
      }
      ks.DeleteKey(0, "big");
      for (int i = 0; i < 4000; ++i) ks.DeleteKey(0, "k" + std::to_string(i));
    }
    stop = true;
  });
  std::vector<std::string> keys;
  for (int i = 0; i < 32; ++i) keys.push_back("k" + std::to_string(i * 61));
  std::vector<Keyspace::PrefetchItem> views = Items(keys, "f");
  std::vector<std::string> fields;
  for (int i = 0; i < 32; ++i) fields.push_back("f" + std::to_string(i * 43));
  for (const std::string& f : fields) views.push_back({"big", f});
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
