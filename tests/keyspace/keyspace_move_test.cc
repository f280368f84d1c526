// Keyspace::Move (MOVE): the value, its type and its TTL move between databases, nothing changes
// when the source is missing or the target taken, and the move is atomic: a concurrent observer
// never sees the key in both databases or in neither.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/clock.h"
#include "lib/util/status_matchers.h"

namespace embedis {
namespace {

using ::embedis::testing::IsOkAndHolds;
using ::testing::Optional;

class KeyspaceMoveTest : public ::testing::Test {
 protected:
  KeyspaceMoveTest() : ks_({.shards = 4, .databases = 16, .clock = &clock_}) {}

  void Set(std::string_view k, std::string_view v, int db = 0, int64_t ttl_ms = 0) {
    SetOptions options;
    if (ttl_ms > 0)
      options = {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = clock_.NowMs() + ttl_ms};
    ASSERT_TRUE(ks_.Set(db, k, v, options).ok());
  }
  std::optional<std::string> Get(std::string_view k, int db = 0) { return *ks_.Get(db, k); }

  ManualClock clock_;
  Keyspace ks_;
};

TEST_F(KeyspaceMoveTest, MovesTheValueAndItsTtlAndCountsOneChange) {
  Set("k", "v", 0, 5000);
  const uint64_t changes = ks_.GetStats().changes;
  EXPECT_TRUE(ks_.Move(0, 3, "k"));
  EXPECT_EQ(ks_.GetStats().changes - changes, 1u);
  EXPECT_EQ(Get("k", 0), std::nullopt);
  EXPECT_THAT(Get("k", 3), Optional(std::string("v")));
  EXPECT_EQ(ks_.PTtl(3, "k"), 5000);
  EXPECT_EQ(ks_.GetDbStats(0).keys, 0u);
  EXPECT_EQ(ks_.GetDbStats(3).expires, 1u);
  // The deadline now lives in database 3's wheel: reclaimed there without any read.
  clock_.Advance(absl::Milliseconds(5000));
  EXPECT_EQ(ks_.GetStats().expired_keys, 1u);
  EXPECT_EQ(ks_.GetStats().keys, 0u);
}

TEST_F(KeyspaceMoveTest, MovesAHashWithItsFieldsAndWithoutTtl) {
  ASSERT_TRUE(ks_.HSet(5, "h", {{"f", "1"}, {"g", "2"}}).ok());
  EXPECT_TRUE(ks_.Move(5, 0, "h"));
  EXPECT_EQ(ks_.Type(5, "h"), std::nullopt);
  EXPECT_EQ(ks_.Type(0, "h"), ValueType::kHash);
  EXPECT_THAT(ks_.HGet(0, "h", "g"), IsOkAndHolds(Optional(std::string("2"))));
  EXPECT_EQ(ks_.PTtl(0, "h"), -1);
  // The moved hash is the key's own: editing it works and the old database stays empty.
  ASSERT_TRUE(ks_.HSet(0, "h", {{"f", "x"}}).ok());
  EXPECT_THAT(ks_.HGet(0, "h", "f"), IsOkAndHolds(Optional(std::string("x"))));
  EXPECT_EQ(ks_.Size(5), 0);
}

TEST_F(KeyspaceMoveTest, FalseAndNothingChangesWhenMissingOrTakenInTheTarget) {
  Set("k", "here", 0, 100);
  Set("k", "there", 2);
  const uint64_t changes = ks_.GetStats().changes;
  EXPECT_FALSE(ks_.Move(0, 1, "missing"));
  EXPECT_FALSE(ks_.Move(0, 2, "k"));
  EXPECT_FALSE(ks_.Move(0, 0, "k"));  // the target is the key itself
  EXPECT_FALSE(ks_.Move(3, 3, "missing"));
  EXPECT_EQ(ks_.GetStats().changes, changes);
  EXPECT_THAT(Get("k", 0), Optional(std::string("here")));
  EXPECT_EQ(ks_.PTtl(0, "k"), 100);
  EXPECT_THAT(Get("k", 2), Optional(std::string("there")));
  EXPECT_EQ(ks_.PTtl(2, "k"), -1);
}

TEST_F(KeyspaceMoveTest, ExpiredKeysCountAsMissing) {
  Set("gone", "v", 0, 10);
  Set("k", "old", 1, 10);
  Set("k", "new", 0);
  clock_.Advance(absl::Milliseconds(10));
  EXPECT_FALSE(ks_.Move(0, 1, "gone"));
  EXPECT_TRUE(ks_.Move(0, 1, "k"));  // the expired target does not count
  EXPECT_THAT(Get("k", 1), Optional(std::string("new")));
  EXPECT_EQ(ks_.PTtl(1, "k"), -1);
}

TEST_F(KeyspaceMoveTest, ManyKeysBackAndForthKeepTablesConsistent) {
  for (int i = 0; i < 5000; ++i)
    Set("k" + std::to_string(i), std::to_string(i), 0, i % 2 ? 0 : 60000);
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(ks_.Move(0, 7, "k" + std::to_string(i)));
  EXPECT_EQ(ks_.Size(0), 0);
  EXPECT_EQ(ks_.Size(7), 5000);
  EXPECT_EQ(ks_.GetDbStats(7).expires, 2500u);
  for (int i = 0; i < 4990; ++i) ASSERT_TRUE(ks_.Move(7, 0, "k" + std::to_string(i)));
  EXPECT_EQ(ks_.Size(0), 4990);
  EXPECT_EQ(ks_.Size(7), 10);
  for (int i = 0; i < 5000; i += 7) {
    const std::string k = "k" + std::to_string(i);
    EXPECT_THAT(Get(k, i < 4990 ? 0 : 7), Optional(std::to_string(i))) << k;
  }
  clock_.Advance(absl::Seconds(60));
  EXPECT_EQ(ks_.GetStats().keys, 2500u);
}

// The atomicity MOVE promises: one thread moves keys back and forth between databases 0 and 1
// while another repeatedly takes an atomic image of each shard (ExportShard holds the shard's
// lock) and counts each key's copies: always exactly one. COPY followed by DEL (the old MOVE)
// fails this within a few iterations: the image catches the key in both databases.
TEST(KeyspaceMoveConcurrency, AKeyIsNeverInBothDatabasesNorInNeither) {
  Keyspace ks({.shards = 2, .databases = 2, .clock = Clock::Real()});
  const std::vector<std::string> keys = {"session:a", "session:b", "session:c"};
  for (const std::string& k : keys) {
    ASSERT_TRUE(
        ks.Set(0, k, "v:" + k,
               {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = Clock::Real()->NowMs() + 3'600'000})
            .ok());
  }
  std::atomic<bool> done{false};
  std::atomic<int> failed_moves{0};
  std::thread mover([&] {
    for (int i = 0; i < 20000; ++i) {
      for (const std::string& k : keys) {
        if (!ks.Move(i % 2, 1 - i % 2, k)) failed_moves.fetch_add(1);
      }
    }
    done.store(true);
  });
  int images = 0;
  bool consistent = true;
  while (consistent && (!done.load() || images < 100)) {
    std::vector<KeyRecord> records;
    for (int s = 0; s < ks.shards(); ++s) ks.ExportShard(s, &records);
    for (const std::string& k : keys) {
      int copies = 0;
      for (const KeyRecord& r : records) {
        if (r.key != k) continue;
        ++copies;
        EXPECT_EQ(r.str, "v:" + k);
        EXPECT_GT(r.expire_at_ms, 0);  // the TTL travels with it
      }
      EXPECT_EQ(copies, 1) << k << " in image " << images;
      consistent = consistent && copies == 1;
    }
    ++images;
  }
  mover.join();
  ASSERT_TRUE(consistent);
  EXPECT_EQ(failed_moves.load(), 0);
  for (const std::string& k : keys) {
    EXPECT_TRUE(ks.KeyExists(0, k));  // an even number of moves: back home
    EXPECT_FALSE(ks.KeyExists(1, k));
  }
}

// Concurrent moves of one key in opposite directions and concurrent single-database readers:
// every read sees the whole value, and in the end the key exists exactly once.
TEST(KeyspaceMoveConcurrency, RacingMovesAndReadersAgree) {
  Keyspace ks({.shards = 4, .databases = 3, .clock = Clock::Real()});
  const std::string value(300, 'x');
  ASSERT_TRUE(ks.Set(0, "k", value).ok());
  std::atomic<int> moved{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        // Each thread tries its own direction around the ring 0 -> 1 -> 2 -> 0.
        if (ks.Move((t + i) % 3, (t + i + 1) % 3, "k")) moved.fetch_add(1);
        for (int db = 0; db < 3; ++db) {
          std::optional<std::string> v = *ks.Get(db, "k");
          if (v.has_value()) ASSERT_EQ(*v, value);
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_GT(moved.load(), 0);
  EXPECT_EQ(ks.Exists(0, {"k"}) + ks.Exists(1, {"k"}) + ks.Exists(2, {"k"}), 1);
  EXPECT_EQ(ks.GetStats().keys, 1u);
}

}  // namespace
}  // namespace embedis
