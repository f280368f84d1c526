// SCAN's guarantee under concurrent writers: every key present from the start
// to the end of a full iteration is returned, while other threads insert and
// delete enough keys to make every shard's table grow and shrink many times.
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/clock.h"

namespace embedis {
namespace {

TEST(KeyspaceScanConcurrency, KeysPresentThroughoutAreAlwaysReturned) {
  ManualClock clock;
  Keyspace ks({.shards = 2, .databases = 1, .clock = &clock});
  constexpr int kStable = 3000;
  std::set<std::string> stable;
  for (int i = 0; i < kStable; ++i) {
    std::string k = "stable:" + std::to_string(i);
    ASSERT_TRUE(ks.Set(0, k, "v").ok());
    stable.insert(k);
  }

  std::atomic<bool> stop{false};
  std::atomic<int64_t> churn_ops{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      int round = 0;
      while (!stop.load()) {
        // Waves: grow by thousands of keys (tables double), then delete them
        // all (tables shrink back).
        int n = 2000 + 6000 * (round % 3);
        for (int i = 0; i < n && !stop.load(); ++i) {
          (void)ks.Set(0, "churn:" + std::to_string(t) + ":" + std::to_string(i), "x");
          churn_ops.fetch_add(1, std::memory_order_relaxed);
        }
        for (int i = 0; i < n && !stop.load(); ++i) {
          ks.DeleteKey(0, "churn:" + std::to_string(t) + ":" + std::to_string(i));
          churn_ops.fetch_add(1, std::memory_order_relaxed);
        }
        ++round;
      }
    });
  }

  int full_scans = 0;
  int64_t total_returned = 0;
  for (; full_scans < 40; ++full_scans) {
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int calls = 0;
    do {
      ScanResult r = ks.Scan(0, cursor, {}, 1 + (calls % 50));
      total_returned += r.keys.size();
      seen.insert(r.keys.begin(), r.keys.end());
      cursor = r.cursor;
      ASSERT_LT(++calls, 10'000'000) << "scan did not terminate";
      if (calls % 16 == 0) std::this_thread::yield();  // let writers resize tables mid-scan
    } while (cursor != 0);
    for (const auto& k : stable) {
      ASSERT_TRUE(seen.count(k)) << k << " missing from full scan " << full_scans;
    }
  }
  stop.store(true);
  for (auto& w : writers) w.join();
  EXPECT_GT(churn_ops.load(), 10'000) << "writers did not run concurrently with the scans";
  EXPECT_GE(total_returned, 40 * kStable);
}

}  // namespace
}  // namespace embedis
