#include "lib/keyspace/keyspace.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/util/clock.h"
#include "lib/util/status_matchers.h"

namespace embedis {
namespace {

using ::embedis::testing::IsOkAndHolds;
using ::embedis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Optional;
using ::testing::UnorderedElementsAre;

constexpr auto kWrongType = absl::StatusCode::kFailedPrecondition;

class KeyspaceTest : public ::testing::Test {
 protected:
  KeyspaceTest() : ks_({.shards = 4, .databases = 16, .clock = &clock_}) {}

  std::optional<std::string> Get(std::string_view k, int db = 0) {
    auto r = ks_.Get(db, k);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::nullopt;
  }
  void Set(std::string_view k, std::string_view v, int db = 0) {
    ASSERT_TRUE(ks_.Set(db, k, v).ok());
  }
  SetOptions ExpireIn(int64_t ms) {
    return {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = clock_.NowMs() + ms};
  }
  std::vector<std::string> ScanAll(int db = 0, std::string_view match = {}, size_t count = 10,
                                   std::optional<ValueType> type = std::nullopt) {
    std::vector<std::string> keys;
    uint64_t cursor = 0;
    int calls = 0;
    do {
      ScanResult r = ks_.Scan(db, cursor, match, count, type);
      keys.insert(keys.end(), r.keys.begin(), r.keys.end());
      cursor = r.cursor;
      EXPECT_LT(++calls, 1'000'000) << "scan did not terminate";
    } while (cursor != 0);
    return keys;
  }

  ManualClock clock_;
  Keyspace ks_;
};

TEST_F(KeyspaceTest, GetMissingIsNulloptAndSetThenGetReturnsValue) {
  EXPECT_EQ(Get("k"), std::nullopt);
  Set("k", "v");
  EXPECT_THAT(Get("k"), Optional(std::string("v")));
  Set("k", "longer value that needs a bigger block than before");
  EXPECT_THAT(Get("k"),
              Optional(std::string("longer value that needs a bigger block than before")));
  Set("k", "");
  EXPECT_THAT(Get("k"), Optional(std::string("")));
}

TEST_F(KeyspaceTest, BinaryKeysAndValuesWithNulBytes) {
  std::string key("a\0b", 3), value("x\0\0y\xff", 5);
  Set(key, value);
  EXPECT_THAT(Get(key), Optional(value));
  EXPECT_EQ(Get(std::string_view("a\0c", 3)), std::nullopt);
  EXPECT_EQ(Get("a"), std::nullopt);
}

TEST_F(KeyspaceTest, DatabasesAreSeparate) {
  Set("k", "zero", 0);
  Set("k", "fifteen", 15);
  EXPECT_THAT(Get("k", 0), Optional(std::string("zero")));
  EXPECT_THAT(Get("k", 15), Optional(std::string("fifteen")));
  EXPECT_EQ(Get("k", 1), std::nullopt);
  EXPECT_EQ(ks_.Size(0), 1);
  EXPECT_EQ(ks_.Size(15), 1);
  ks_.Flush(0);
  EXPECT_EQ(Get("k", 0), std::nullopt);
  EXPECT_THAT(Get("k", 15), Optional(std::string("fifteen")));
}

TEST_F(KeyspaceTest, SetNxXxConditions) {
  using C = SetOptions::Condition;
  EXPECT_THAT(ks_.Set(0, "k", "1", {.condition = C::kIfExists}),
              IsOkAndHolds(::testing::Field(&SetResult::written, false)));
  EXPECT_EQ(Get("k"), std::nullopt);
  EXPECT_THAT(ks_.Set(0, "k", "1", {.condition = C::kIfMissing}),
              IsOkAndHolds(::testing::Field(&SetResult::written, true)));
  EXPECT_THAT(ks_.Set(0, "k", "2", {.condition = C::kIfMissing}),
              IsOkAndHolds(::testing::Field(&SetResult::written, false)));
  EXPECT_THAT(Get("k"), Optional(std::string("1")));
  EXPECT_THAT(ks_.Set(0, "k", "3", {.condition = C::kIfExists}),
              IsOkAndHolds(::testing::Field(&SetResult::written, true)));
  EXPECT_THAT(Get("k"), Optional(std::string("3")));
}

TEST_F(KeyspaceTest, SetGetReturnsOldValueAndRefusesWrongType) {
  auto r = ks_.Set(0, "k", "1", {.get = true});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->old_value, std::nullopt);
  r = ks_.Set(0, "k", "2", {.get = true});
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->old_value, Optional(std::string("1")));
  // NX with GET: not written, but the old value comes back (Redis 7).
  r = ks_.Set(0, "k", "3", {.condition = SetOptions::Condition::kIfMissing, .get = true});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->written);
  EXPECT_THAT(r->old_value, Optional(std::string("2")));

  ASSERT_TRUE(ks_.HSet(0, "h", {{"f", "v"}}).ok());
  EXPECT_THAT(ks_.Set(0, "h", "x", {.get = true}), StatusIs(kWrongType));
  EXPECT_EQ(ks_.Type(0, "h"), ValueType::kHash);  // nothing written
  // Without GET, SET replaces any type.
  Set("h", "x");
  EXPECT_EQ(ks_.Type(0, "h"), ValueType::kString);
}

TEST_F(KeyspaceTest, GetOnHashIsWrongTypeWithRedisText) {
  ASSERT_TRUE(ks_.HSet(0, "h", {{"f", "v"}}).ok());
  EXPECT_THAT(
      ks_.Get(0, "h"),
      StatusIs(kWrongType, "WRONGTYPE Operation against a key holding the wrong kind of value"));
  EXPECT_THAT(ks_.HSet(0, "h", {{"f", "w"}, {"g", "x"}}), IsOkAndHolds(1));
  EXPECT_THAT(ks_.HGet(0, "h", "f"), IsOkAndHolds(Optional(std::string("w"))));
  EXPECT_THAT(ks_.HGet(0, "h", "nope"), IsOkAndHolds(std::nullopt));
  Set("s", "v");
  EXPECT_THAT(ks_.HSet(0, "s", {{"f", "v"}}), StatusIs(kWrongType));
  EXPECT_THAT(ks_.HGet(0, "s", "f"), StatusIs(kWrongType));
}

TEST_F(KeyspaceTest, SetWithTtlExpiresExactlyAtDeadline) {
  ASSERT_TRUE(ks_.Set(0, "k", "v", ExpireIn(1000)).ok());
  EXPECT_EQ(ks_.PTtl(0, "k"), 1000);
  clock_.Advance(absl::Milliseconds(999));
  EXPECT_THAT(Get("k"), Optional(std::string("v")));
  EXPECT_EQ(ks_.PTtl(0, "k"), 1);
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(Get("k"), std::nullopt);
  EXPECT_EQ(ks_.PTtl(0, "k"), -2);
}

TEST_F(KeyspaceTest, ExpiredKeysAreReclaimedWithoutAnyRead) {
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(ks_.Set(0, "k" + std::to_string(i), "v", ExpireIn(1000 + i)).ok());
  }
  Set("forever", "v");
  EXPECT_EQ(ks_.GetStats().keys, 1001u);
  EXPECT_EQ(ks_.GetStats().expires, 1000u);
  clock_.Advance(absl::Milliseconds(1500));
  // Advance reclaimed 501 keys synchronously; stats read no key.
  KeyspaceStats stats = ks_.GetStats();
  EXPECT_EQ(stats.keys, 500u);
  EXPECT_EQ(stats.expired_keys, 501u);
  clock_.Advance(absl::Seconds(10));
  stats = ks_.GetStats();
  EXPECT_EQ(stats.keys, 1u);
  EXPECT_EQ(stats.expires, 0u);
  EXPECT_EQ(stats.expired_keys, 1000u);
  EXPECT_EQ(ks_.ReclaimExpired(), 0u);
}

TEST_F(KeyspaceTest, ReclaimHappensInsideClockAdvanceNotOnRead) {
  ASSERT_TRUE(ks_.Set(0, "k", "v", ExpireIn(100)).ok());
  clock_.Advance(absl::Milliseconds(250));
  // ReclaimExpired has nothing left to do: the Advance listener did it.
  EXPECT_EQ(ks_.ReclaimExpired(), 0u);
  EXPECT_EQ(ks_.GetStats().expired_keys, 1u);
}

TEST_F(KeyspaceTest, SetInThePastStoresNothingAndRemovesOldValue) {
  Set("k", "old");
  auto r = ks_.Set(0, "k", "new",
                   {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = clock_.NowMs() - 1, .get = true});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->written);
  EXPECT_THAT(r->old_value, Optional(std::string("old")));
  EXPECT_EQ(Get("k"), std::nullopt);
  EXPECT_EQ(ks_.Size(0), 0);
}

TEST_F(KeyspaceTest, PlainSetClearsTtlAndKeepTtlKeepsIt) {
  ASSERT_TRUE(ks_.Set(0, "k", "v", ExpireIn(5000)).ok());
  ASSERT_TRUE(ks_.Set(0, "k", "v2", {.ttl = SetOptions::Ttl::kKeep}).ok());
  EXPECT_EQ(ks_.PTtl(0, "k"), 5000);
  Set("k", "v3");
  EXPECT_EQ(ks_.PTtl(0, "k"), -1);
  clock_.Advance(absl::Seconds(10));
  EXPECT_THAT(Get("k"), Optional(std::string("v3")));
}

TEST_F(KeyspaceTest, TtlRepliesFollowRedis) {
  EXPECT_EQ(ks_.PTtl(0, "missing"), -2);
  EXPECT_EQ(ks_.ExpireTimeMs(0, "missing"), -2);
  Set("k", "v");
  EXPECT_EQ(ks_.PTtl(0, "k"), -1);
  EXPECT_EQ(ks_.ExpireTimeMs(0, "k"), -1);
  int64_t at = clock_.NowMs() + 12345;
  EXPECT_TRUE(ks_.Expire(0, "k", at));
  EXPECT_EQ(ks_.ExpireTimeMs(0, "k"), at);
  EXPECT_EQ(ks_.PTtl(0, "k"), 12345);
}

TEST_F(KeyspaceTest, ExpireConditionsNxXxGtLt) {
  const int64_t now = clock_.NowMs();
  EXPECT_FALSE(ks_.Expire(0, "missing", now + 10));
  Set("k", "v");
  // No TTL: XX and GT fail; NX and LT succeed (no TTL counts as infinite).
  EXPECT_FALSE(ks_.Expire(0, "k", now + 1000, {.xx = true}));
  EXPECT_FALSE(ks_.Expire(0, "k", now + 1000, {.gt = true}));
  EXPECT_TRUE(ks_.Expire(0, "k", now + 1000, {.lt = true}));
  EXPECT_EQ(ks_.PTtl(0, "k"), 1000);
  ks_.Persist(0, "k");
  EXPECT_TRUE(ks_.Expire(0, "k", now + 1000, {.nx = true}));
  EXPECT_FALSE(ks_.Expire(0, "k", now + 2000, {.nx = true}));
  EXPECT_TRUE(ks_.Expire(0, "k", now + 2000, {.xx = true}));
  EXPECT_FALSE(ks_.Expire(0, "k", now + 2000, {.gt = true}));  // equal is not greater
  EXPECT_TRUE(ks_.Expire(0, "k", now + 3000, {.gt = true}));
  EXPECT_FALSE(ks_.Expire(0, "k", now + 3000, {.lt = true}));
  EXPECT_TRUE(ks_.Expire(0, "k", now + 500, {.lt = true}));
  EXPECT_EQ(ks_.PTtl(0, "k"), 500);
}

TEST_F(KeyspaceTest, ExpireInThePastDeletesTheKey) {
  Set("k", "v");
  EXPECT_TRUE(ks_.Expire(0, "k", clock_.NowMs()));
  EXPECT_FALSE(ks_.KeyExists(0, "k"));
  Set("k", "v");
  EXPECT_TRUE(ks_.Expire(0, "k", -5));
  EXPECT_FALSE(ks_.KeyExists(0, "k"));
  // The condition is checked before the deletion.
  Set("k", "v");
  EXPECT_FALSE(ks_.Expire(0, "k", 0, {.xx = true}));
  EXPECT_TRUE(ks_.KeyExists(0, "k"));
}

TEST_F(KeyspaceTest, PersistRemovesDeadline) {
  EXPECT_FALSE(ks_.Persist(0, "missing"));
  Set("k", "v");
  EXPECT_FALSE(ks_.Persist(0, "k"));
  EXPECT_TRUE(ks_.Expire(0, "k", clock_.NowMs() + 100));
  EXPECT_TRUE(ks_.Persist(0, "k"));
  EXPECT_EQ(ks_.PTtl(0, "k"), -1);
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(ks_.KeyExists(0, "k"));
  EXPECT_EQ(ks_.GetStats().expires, 0u);
}

TEST_F(KeyspaceTest, DeleteAndExistsCountLikeRedis) {
  Set("a", "1");
  Set("b", "2");
  EXPECT_EQ(ks_.Exists(0, {"a", "a", "b", "c"}), 3);
  EXPECT_EQ(ks_.Delete(0, {"a", "a", "c"}), 1);
  EXPECT_EQ(ks_.Exists(0, {"a", "b"}), 1);
  EXPECT_FALSE(ks_.DeleteKey(0, "a"));
  EXPECT_TRUE(ks_.DeleteKey(0, "b"));
  EXPECT_EQ(ks_.Size(0), 0);
}

// An empty key given as a default std::string_view (data() is null) finds the stored empty key
// without passing that null to memcmp (undefined behaviour: UBSan stops under --config=asan).
TEST_F(KeyspaceTest, EmptyKeyWithNullData) {
  Set("", "v");
  EXPECT_EQ(ks_.Exists(0, {std::string_view()}), 1);
  EXPECT_THAT(Get(std::string_view()), Optional(std::string("v")));
}

TEST_F(KeyspaceTest, TypeOfEachKind) {
  EXPECT_EQ(ks_.Type(0, "none"), std::nullopt);
  Set("s", "v");
  ASSERT_TRUE(ks_.HSet(0, "h", {{"f", "v"}}).ok());
  EXPECT_EQ(ks_.Type(0, "s"), ValueType::kString);
  EXPECT_EQ(ks_.Type(0, "h"), ValueType::kHash);
  EXPECT_EQ(ValueTypeName(ValueType::kHash), "hash");
  EXPECT_EQ(ValueTypeFromName("STRING"), ValueType::kString);
  EXPECT_EQ(ValueTypeFromName("zset"), ValueType::kZSet);
  EXPECT_EQ(ValueTypeFromName("stream"), std::nullopt);
}

TEST_F(KeyspaceTest, MGetAndMSet) {
  ks_.MSet(0, {{"a", "1"}, {"b", "2"}, {"a", "3"}});
  ASSERT_TRUE(ks_.HSet(0, "h", {{"f", "v"}}).ok());
  EXPECT_THAT(ks_.MGet(0, {"a", "b", "c", "h"}),
              ElementsAre(Optional(std::string("3")), Optional(std::string("2")), std::nullopt,
                          std::nullopt));
  EXPECT_FALSE(ks_.MSet(0, {{"new", "1"}, {"a", "x"}}, /*if_none_exist=*/true));
  EXPECT_EQ(Get("new"), std::nullopt);
  EXPECT_THAT(Get("a"), Optional(std::string("3")));
  EXPECT_TRUE(ks_.MSet(0, {{"new", "1"}, {"new2", "2"}}, /*if_none_exist=*/true));
  EXPECT_THAT(Get("new2"), Optional(std::string("2")));
}

TEST_F(KeyspaceTest, MSetClearsTtl) {
  ASSERT_TRUE(ks_.Set(0, "a", "1", ExpireIn(100)).ok());
  ks_.MSet(0, {{"a", "2"}});
  EXPECT_EQ(ks_.PTtl(0, "a"), -1);
}

TEST_F(KeyspaceTest, RenameMovesValueAndTtl) {
  EXPECT_THAT(ks_.Rename(0, "missing", "x"),
              StatusIs(absl::StatusCode::kNotFound, "ERR no such key"));
  ASSERT_TRUE(ks_.Set(0, "a", "1", ExpireIn(5000)).ok());
  Set("b", "2");
  EXPECT_THAT(ks_.Rename(0, "a", "b"), IsOkAndHolds(true));
  EXPECT_EQ(Get("a"), std::nullopt);
  EXPECT_THAT(Get("b"), Optional(std::string("1")));
  EXPECT_EQ(ks_.PTtl(0, "b"), 5000);
  clock_.Advance(absl::Seconds(6));
  EXPECT_EQ(Get("b"), std::nullopt);
  EXPECT_EQ(ks_.GetStats().keys, 0u);
}

TEST_F(KeyspaceTest, RenameNxAndSelfRename) {
  Set("a", "1");
  Set("b", "2");
  EXPECT_THAT(ks_.Rename(0, "a", "b", /*only_if_absent=*/true), IsOkAndHolds(false));
  EXPECT_THAT(Get("a"), Optional(std::string("1")));
  EXPECT_THAT(ks_.Rename(0, "a", "a"), IsOkAndHolds(true));
  EXPECT_THAT(ks_.Rename(0, "a", "a", true), IsOkAndHolds(false));
  EXPECT_THAT(Get("a"), Optional(std::string("1")));
  EXPECT_THAT(ks_.Rename(0, "a", "c", true), IsOkAndHolds(true));
  EXPECT_THAT(Get("c"), Optional(std::string("1")));
}

TEST_F(KeyspaceTest, RenameHashKeepsFields) {
  ASSERT_TRUE(ks_.HSet(0, "h", {{"f", "v"}, {"g", "w"}}).ok());
  EXPECT_THAT(ks_.Rename(0, "h", "h2"), IsOkAndHolds(true));
  EXPECT_THAT(ks_.HGet(0, "h2", "g"), IsOkAndHolds(Optional(std::string("w"))));
  EXPECT_EQ(ks_.Type(0, "h"), std::nullopt);
}

TEST_F(KeyspaceTest, CopyCopiesValueAndTtlAcrossDatabases) {
  ASSERT_TRUE(ks_.Set(0, "a", "1", ExpireIn(5000)).ok());
  EXPECT_FALSE(ks_.Copy(0, "missing", 0, "x", false));
  EXPECT_TRUE(ks_.Copy(0, "a", 3, "a", false));
  EXPECT_THAT(Get("a", 3), Optional(std::string("1")));
  EXPECT_EQ(ks_.PTtl(3, "a"), 5000);
  Set("b", "2");
  EXPECT_FALSE(ks_.Copy(0, "a", 0, "b", false));
  EXPECT_THAT(Get("b"), Optional(std::string("2")));
  EXPECT_TRUE(ks_.Copy(0, "a", 0, "b", true));
  EXPECT_THAT(Get("b"), Optional(std::string("1")));
  ASSERT_TRUE(ks_.HSet(0, "h", {{"f", "v"}}).ok());
  EXPECT_TRUE(ks_.Copy(0, "h", 0, "h2", false));
  ASSERT_TRUE(ks_.HSet(0, "h", {{"f", "changed"}}).ok());
  EXPECT_THAT(ks_.HGet(0, "h2", "f"), IsOkAndHolds(Optional(std::string("v"))));  // deep copy
  clock_.Advance(absl::Seconds(6));
  EXPECT_EQ(ks_.Size(3), 0);
}

TEST_F(KeyspaceTest, ExportAndImportRoundTripEveryKeyWithTtls) {
  ASSERT_TRUE(ks_.Set(0, "s", "v", ExpireIn(5000)).ok());
  ASSERT_TRUE(ks_.Set(7, std::string("b\0in", 4), std::string("\0\xff", 2)).ok());
  ASSERT_TRUE(ks_.HSet(2, "h", {{"z", "1"}, {"a", "2"}}).ok());
  ASSERT_TRUE(ks_.Set(0, "gone", "v", ExpireIn(10)).ok());
  clock_.Advance(absl::Milliseconds(10));
  std::vector<KeyRecord> records;
  for (int i = 0; i < ks_.shards(); ++i) ks_.ExportShard(i, &records);
  ASSERT_EQ(records.size(), 3u);  // the expired key is not exported

  ManualClock clock2(clock_.Now());
  Keyspace copy({.shards = 8, .clock = &clock2});
  for (const KeyRecord& r : records) EXPECT_TRUE(copy.Import(r));
  EXPECT_THAT(copy.Get(0, "s"), IsOkAndHolds(Optional(std::string("v"))));
  EXPECT_EQ(copy.PTtl(0, "s"), 4990);
  EXPECT_THAT(copy.Get(7, std::string("b\0in", 4)),
              IsOkAndHolds(Optional(std::string("\0\xff", 2))));
  std::vector<std::string> order;
  copy.Update(2, "h", [&](KeyHandle& k) {
    k.hash_view().ForEach([&](std::string_view f, std::string_view) { order.emplace_back(f); });
  });
  EXPECT_THAT(order, ElementsAre("z", "a"));  // insertion order survives
  // A record that expired meanwhile is dropped at import.
  clock2.Advance(absl::Seconds(10));
  EXPECT_FALSE(copy.Import(records[0].key == "s"   ? records[0]
                           : records[1].key == "s" ? records[1]
                                                   : records[2]));
}

TEST_F(KeyspaceTest, ChangeCounterCountsWritesNotReads) {
  const uint64_t start = ks_.GetStats().changes;
  Set("a", "1");
  ks_.MSet(0, {{"b", "2"}, {"c", "3"}});
  (void)ks_.Get(0, "a");
  (void)ks_.PTtl(0, "a");
  EXPECT_EQ(ks_.Type(0, "a"), ValueType::kString);
  EXPECT_EQ(ks_.GetStats().changes - start, 3u);
  EXPECT_TRUE(ks_.Expire(0, "a", clock_.NowMs() + 1000));
  EXPECT_EQ(ks_.Delete(0, {"a", "b", "zz"}), 2);
  EXPECT_EQ(ks_.GetStats().changes - start, 6u);
}

TEST_F(KeyspaceTest, RandomKeyReturnsLiveKeysOnly) {
  EXPECT_EQ(ks_.RandomKey(0), std::nullopt);
  for (int i = 0; i < 50; ++i) Set("k" + std::to_string(i), "v");
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(ks_.Set(0, "e" + std::to_string(i), "v", ExpireIn(10)).ok());
  }
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    auto k = ks_.RandomKey(0);
    ASSERT_TRUE(k.has_value());
    seen.insert(*k);
  }
  EXPECT_GT(seen.size(), 40u);  // uniform enough to see most of 100 keys
  clock_.Advance(absl::Seconds(1));
  for (int i = 0; i < 500; ++i) EXPECT_EQ(ks_.RandomKey(0)->at(0), 'k');
}

TEST_F(KeyspaceTest, FlushAllAndSwapDb) {
  Set("a", "0", 0);
  Set("b", "1", 1);
  ks_.SwapDb(0, 1);
  EXPECT_THAT(Get("b", 0), Optional(std::string("1")));
  EXPECT_THAT(Get("a", 1), Optional(std::string("0")));
  EXPECT_EQ(Get("a", 0), std::nullopt);
  ks_.FlushAll();
  EXPECT_EQ(ks_.GetStats().keys, 0u);
}

TEST_F(KeyspaceTest, SwapDbMovesTtlsToo) {
  ASSERT_TRUE(ks_.Set(1, "a", "v", ExpireIn(100)).ok());
  ks_.SwapDb(0, 1);
  EXPECT_EQ(ks_.PTtl(0, "a"), 100);
  clock_.Advance(absl::Milliseconds(200));
  EXPECT_EQ(ks_.Size(0), 0);
}

TEST_F(KeyspaceTest, HitAndMissCounters) {
  Set("a", "1");
  (void)ks_.Get(0, "a");
  (void)ks_.Get(0, "a");
  (void)ks_.Get(0, "b");
  KeyspaceStats s = ks_.GetStats();
  EXPECT_EQ(s.keyspace_hits, 2u);
  EXPECT_EQ(s.keyspace_misses, 1u);
}

TEST_F(KeyspaceTest, UpdateAppendAndInPlaceEdits) {
  ASSERT_TRUE(ks_.Set(0, "k", "ab", ExpireIn(1000)).ok());
  for (int i = 0; i < 100; ++i) {
    ks_.Update(0, "k", [](KeyHandle& k) { k.AppendString("cd"); });
  }
  std::string expect = "ab";
  for (int i = 0; i < 100; ++i) expect += "cd";
  EXPECT_THAT(Get("k"), Optional(expect));
  EXPECT_EQ(ks_.PTtl(0, "k"), 1000);  // APPEND keeps the TTL
  ks_.Update(0, "new", [](KeyHandle& k) {
    EXPECT_FALSE(k.exists());
    k.AppendString("x");
  });
  EXPECT_THAT(Get("new"), Optional(std::string("x")));
}

TEST_F(KeyspaceTest, MutableStringEditsInPlaceAndGrowsWithZeros) {
  ASSERT_TRUE(ks_.Set(0, "k", "abc", ExpireIn(1000)).ok());
  const uint64_t start = ks_.GetStats().changes;
  const char* first = nullptr;
  ks_.Update(0, "k", [&](KeyHandle& k) {
    absl::Span<char> s = k.MutableString(2);  // shorter than the value: the whole value
    ASSERT_EQ(s.size(), 3u);
    s[1] = 'X';
    first = s.data();
    EXPECT_EQ(k.string_origin(), StringOrigin::kRaw);
  });
  EXPECT_THAT(Get("k"), Optional(std::string("aXc")));
  EXPECT_EQ(ks_.GetStats().changes - start, 0u) << "a change only when the caller says so";
  ks_.Update(0, "k", [&](KeyHandle& k) {
    k.MutableString(0)[0] = 'A';
    k.Touch();
  });
  EXPECT_EQ(ks_.GetStats().changes - start, 1u);
  ks_.Update(0, "k", [&](KeyHandle& k) {
    EXPECT_EQ(k.MutableString(0).data(), first) << "no growth: the same bytes, nothing copied";
  });
  // Growth pads with zero bytes, keeps the TTL and the old bytes, many times over.
  for (size_t n = 4; n < 5000; n += 97) {
    ks_.Update(0, "k", [&](KeyHandle& k) {
      absl::Span<char> s = k.MutableString(n);
      ASSERT_EQ(s.size(), n);
      EXPECT_EQ(s[n - 1], '\0');
      s[n - 1] = 'z';
    });
  }
  const std::string v = *Get("k");
  EXPECT_EQ(v.substr(0, 5), std::string("AXcz\0", 5));
  EXPECT_EQ(v[100], 'z');
  EXPECT_EQ(v[101], '\0');
  EXPECT_EQ(ks_.PTtl(0, "k"), 1000);
  // A missing key is created with zero bytes and no TTL.
  ks_.Update(0, "new", [](KeyHandle& k) { EXPECT_EQ(k.MutableString(5).size(), 5u); });
  EXPECT_THAT(Get("new"), Optional(std::string(5, '\0')));
  EXPECT_EQ(ks_.PTtl(0, "new"), -1);
}

TEST_F(KeyspaceTest, UpdateDeletesHashLeftEmpty) {
  ks_.Update(0, "h", [](KeyHandle& k) { k.CreateHash(); });
  EXPECT_EQ(ks_.Type(0, "h"), std::nullopt);
  ASSERT_TRUE(ks_.HSet(0, "h", {{"f", "v"}}).ok());
  ks_.Update(0, "h", [](KeyHandle& k) { k.hash().Erase("f"); });
  EXPECT_EQ(ks_.KeyExists(0, "h"), false);
}

TEST_F(KeyspaceTest, ManyKeysGrowAndShrinkTables) {
  for (int i = 0; i < 20000; ++i) Set("key:" + std::to_string(i), std::to_string(i));
  EXPECT_EQ(ks_.Size(0), 20000);
  for (int i = 0; i < 20000; i += 3) {
    EXPECT_THAT(Get("key:" + std::to_string(i)), Optional(std::to_string(i)));
  }
  for (int i = 0; i < 19990; ++i) ASSERT_TRUE(ks_.DeleteKey(0, "key:" + std::to_string(i)));
  EXPECT_EQ(ks_.Size(0), 10);
  EXPECT_THAT(ScanAll(), ::testing::SizeIs(10));
}

TEST_F(KeyspaceTest, ScanReturnsEveryKeyWithMatchCountAndType) {
  std::set<std::string> all;
  for (int i = 0; i < 500; ++i) {
    std::string k = (i % 2 ? "user:" : "sess:") + std::to_string(i);
    Set(k, "v");
    all.insert(k);
  }
  ASSERT_TRUE(ks_.HSet(0, "hash:1", {{"f", "v"}}).ok());
  all.insert("hash:1");
  for (size_t count : {1, 10, 1000}) {
    auto keys = ScanAll(0, {}, count);
    EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()), all) << count;
  }
  auto sess = ScanAll(0, "sess:*", 7);
  EXPECT_EQ(sess.size(), 250u);
  for (const auto& k : sess) EXPECT_EQ(k.substr(0, 5), "sess:");
  EXPECT_THAT(ScanAll(0, {}, 10, ValueType::kHash), ElementsAre("hash:1"));
  EXPECT_THAT(ScanAll(0, "sess:1?", 10),
              UnorderedElementsAre("sess:10", "sess:12", "sess:14", "sess:16", "sess:18"));
  EXPECT_TRUE(ScanAll(1).empty());
}

TEST(Keyspace, ReadersNeverSeeExpiredKeysBeforeTheWheelRuns) {
  // A one-hour tick: the wheel will not reclaim anything during this test, so
  // only the per-operation deadline check hides the expired key.
  Keyspace ks({.shards = 2, .tick = absl::Hours(1)});
  int64_t now = Clock::Real()->NowMs();
  SetOptions soon{.ttl = SetOptions::Ttl::kAt, .expire_at_ms = now + 5};
  ASSERT_TRUE(ks.Set(0, "gone", "v", soon).ok());
  ASSERT_TRUE(ks.HSet(0, "h", {{"f", "v"}}).ok());
  ASSERT_TRUE(ks.Expire(0, "h", now + 5));
  ASSERT_TRUE(ks.Set(0, "here", "v").ok());
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(ks.GetStats().expired_keys, 0u);  // nothing reclaimed yet
  ScanResult r = ks.Scan(0, 0, {}, 1000);
  EXPECT_THAT(r.keys, ElementsAre("here"));
  EXPECT_THAT(ks.Get(0, "gone"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(ks.HGet(0, "h", "f"), IsOkAndHolds(std::nullopt));
  EXPECT_EQ(ks.PTtl(0, "h"), -2);
  EXPECT_EQ(ks.Exists(0, {"gone", "h", "here"}), 1);
  EXPECT_EQ(ks.Size(0), 1);
}

TEST_F(KeyspaceTest, ScanCountIsAHint) {
  for (int i = 0; i < 1000; ++i) Set("k" + std::to_string(i), "v");
  ScanResult r = ks_.Scan(0, 0, {}, 100);
  EXPECT_GE(r.keys.size(), 100u);
  EXPECT_LT(r.keys.size(), 200u);
  EXPECT_NE(r.cursor, 0u);
}

TEST_F(KeyspaceTest, ScanWithGarbageCursorTerminates) {
  for (int i = 0; i < 100; ++i) Set("k" + std::to_string(i), "v");
  for (uint64_t cursor : {uint64_t{12345}, ~uint64_t{0}, uint64_t{1} << 63}) {
    int calls = 0;
    do {
      cursor = ks_.Scan(0, cursor, {}, 10).cursor;
      ASSERT_LT(++calls, 10000);
    } while (cursor != 0);
  }
}

TEST(Keyspace, RealClockDriverReclaimsInTheBackground) {
  Keyspace ks({.shards = 2, .tick = absl::Milliseconds(10)});
  int64_t now = Clock::Real()->NowMs();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(ks.Set(0, "k" + std::to_string(i), "v",
                       {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = now + 20})
                    .ok());
  }
  // Generous margin: the driver runs every 10 ms; allow 10 s on a loaded machine.
  for (int i = 0; i < 1000 && ks.GetStats().expired_keys < 100; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(ks.GetStats().expired_keys, 100u);
}

// ---- StringOrigin (OBJECT ENCODING) ----

class StringOriginTest : public KeyspaceTest {
 protected:
  // The origin of a string key, nullopt when missing.
  std::optional<StringOrigin> Origin(std::string_view k, int db = 0) {
    std::optional<StringOrigin> out;
    ks_.Update(db, k, [&](KeyHandle& h) {
      if (h.exists()) out = h.string_origin();
    });
    return out;
  }
  void Append(std::string_view k, std::string_view suffix) {
    ks_.Update(0, k, [&](KeyHandle& h) { h.AppendString(suffix); });
  }
};

TEST_F(StringOriginTest, SetStoresKSetAndAppendToAnExistingValueKRaw) {
  Set("k", "1");
  EXPECT_THAT(Origin("k"), Optional(StringOrigin::kSet));
  Append("k", "2");
  EXPECT_THAT(Origin("k"), Optional(StringOrigin::kRaw));
  EXPECT_THAT(Get("k"), Optional(std::string("12")));
  Set("k", "3");  // any new value starts over
  EXPECT_THAT(Origin("k"), Optional(StringOrigin::kSet));
  Append("new", "5");  // APPEND creating the key stores its argument as SET would
  EXPECT_THAT(Origin("new"), Optional(StringOrigin::kSet));
  ks_.Update(0, "f", [](KeyHandle& h) { h.SetString("3", false, StringOrigin::kFloat); });
  EXPECT_THAT(Origin("f"), Optional(StringOrigin::kFloat));
  ks_.Update(0, "f", [](KeyHandle& h) { h.SetString("4", true); });
  EXPECT_THAT(Origin("f"), Optional(StringOrigin::kSet));
  ASSERT_TRUE(ks_.MSet(0, {{"k", "1"}, {"f", "2"}}));
  Append("k", "x");
  ASSERT_TRUE(ks_.MSet(0, {{"k", "1"}}));
  EXPECT_THAT(Origin("k"), Optional(StringOrigin::kSet));
}

// The origin shares a 32-bit word with the key length: neither may disturb the other, when an
// entry grows in place or moves to a larger block (with its timer), or over a hash.
TEST_F(StringOriginTest, TheFlagAndTheKeyLengthShareAWordWithoutInterfering) {
  for (size_t key_len : {1, 7, 200, 5000}) {
    const std::string key(key_len, 'k');
    ASSERT_TRUE(ks_.Set(0, key, "v", ExpireIn(100'000)).ok());
    std::string expect = "v";
    for (int i = 0; i < 40; ++i) {  // through several slab size classes, then malloc
      const std::string piece(i * 37, static_cast<char>('a' + i % 26));
      Append(key, piece);
      expect += piece;
      ASSERT_THAT(Get(key), Optional(expect)) << key_len << " " << i;
      ASSERT_THAT(Origin(key), Optional(StringOrigin::kRaw));
    }
    EXPECT_EQ(ks_.PTtl(0, key), 100'000);
    EXPECT_THAT(ScanAll(0, key.substr(0, 1) + "*"), ElementsAre(key));
    EXPECT_TRUE(ks_.KeyExists(0, key));
    ASSERT_TRUE(ks_.Set(0, key, "again").ok());
    EXPECT_THAT(Origin(key), Optional(StringOrigin::kSet));
    EXPECT_THAT(Get(key), Optional(std::string("again")));
    EXPECT_EQ(ks_.PTtl(0, key), -1);
    EXPECT_TRUE(ks_.DeleteKey(0, key));
  }
  ASSERT_TRUE(ks_.HSet(0, "h", {{"f", "v"}}).ok());
  Set("h", "now a string");
  EXPECT_THAT(Origin("h"), Optional(StringOrigin::kSet));
}

TEST_F(StringOriginTest, RenameCopyMoveAndExpiryKeepIt) {
  Set("a", "1");
  Append("a", "2");
  ASSERT_TRUE(ks_.Expire(0, "a", clock_.NowMs() + 50'000));
  ASSERT_TRUE(ks_.Persist(0, "a"));
  EXPECT_THAT(Origin("a"), Optional(StringOrigin::kRaw));
  for (int i = 0; i < 20; ++i) {  // targets in several shards
    const std::string to = "b" + std::to_string(i);
    ASSERT_THAT(ks_.Rename(0, i == 0 ? "a" : "b" + std::to_string(i - 1), to), IsOkAndHolds(true));
    EXPECT_THAT(Origin(to), Optional(StringOrigin::kRaw)) << to;
  }
  ASSERT_TRUE(ks_.Copy(0, "b19", 1, "c", false));
  EXPECT_THAT(Origin("c", 1), Optional(StringOrigin::kRaw));
  EXPECT_THAT(Origin("b19"), Optional(StringOrigin::kRaw));
  ASSERT_TRUE(ks_.Move(0, 2, "b19"));
  EXPECT_THAT(Origin("b19", 2), Optional(StringOrigin::kRaw));
  ks_.Update(0, "f", [](KeyHandle& h) { h.SetString("3", false, StringOrigin::kFloat); });
  ASSERT_TRUE(ks_.Copy(0, "f", 0, "g", false));
  EXPECT_THAT(Origin("g"), Optional(StringOrigin::kFloat));
}

TEST_F(StringOriginTest, ImportStoresKSetAsRedisLoadingAnRdbFile) {
  Set("a", "1");
  Append("a", "2");
  std::vector<KeyRecord> records;
  for (int s = 0; s < ks_.shards(); ++s) ks_.ExportShard(s, &records);
  ASSERT_EQ(records.size(), 1u);
  ks_.FlushAll();
  ASSERT_TRUE(ks_.Import(records[0]));
  EXPECT_THAT(Origin("a"), Optional(StringOrigin::kSet));
  EXPECT_THAT(Get("a"), Optional(std::string("12")));
}

// ---- MemoryUsage (MEMORY USAGE) ----

TEST_F(KeyspaceTest, MemoryUsageIsNulloptForMissingAndExpiredKeys) {
  EXPECT_EQ(ks_.MemoryUsage(0, "missing"), std::nullopt);
  ASSERT_TRUE(ks_.Set(0, "k", "v", ExpireIn(10)).ok());
  EXPECT_NE(ks_.MemoryUsage(0, "k"), std::nullopt);
  EXPECT_EQ(ks_.MemoryUsage(1, "k"), std::nullopt);
  clock_.Advance(absl::Milliseconds(10));
  EXPECT_EQ(ks_.MemoryUsage(0, "k"), std::nullopt);
}

TEST_F(KeyspaceTest, MemoryUsageOfAStringIsItsSlabBlockAndABucketPointer) {
  Set("k", "v");
  // A 40-byte header, 1 key byte and 1 value byte round to a 48-byte block, plus 8.
  EXPECT_EQ(ks_.MemoryUsage(0, "k"), 56u);
  Set("k", std::string(100, 'x'));
  EXPECT_EQ(ks_.MemoryUsage(0, "k"), 8u * ((40 + 1 + 100 + 7) / 8) + 8);
}

TEST_F(KeyspaceTest, MemoryUsageGrowsWithTheValue) {
  size_t last = 0;
  for (size_t n : {0, 8, 16, 100, 1000, 2000, 2100, 10000, 100000, 1000000}) {
    Set("s", std::string(n, 'x'));
    const size_t bytes = *ks_.MemoryUsage(0, "s");
    EXPECT_GE(bytes, n + 40) << n;
    EXPECT_GT(bytes, last) << n;
    last = bytes;
  }
  last = 0;
  for (int fields : {1, 2, 10, 100, 511, 512, 513, 1000}) {  // listpack, then hashtable
    ks_.Delete(0, {"h"});
    for (int i = 0; i < fields; ++i) {
      ASSERT_TRUE(ks_.HSet(0, "h", {{"field:" + std::to_string(i), "value"}}).ok());
    }
    const size_t bytes = *ks_.MemoryUsage(0, "h");
    EXPECT_GT(bytes, last) << fields;
    last = bytes;
  }
  const size_t short_values = last;
  ASSERT_TRUE(ks_.HSet(0, "h", {{"field:0", std::string(1000, 'v')}}).ok());
  EXPECT_GE(*ks_.MemoryUsage(0, "h"), short_values + 1000);
}

TEST_F(KeyspaceTest, MemoryUsageOfAHashCountsTheHashObject) {
  Set("s", "value");
  ASSERT_TRUE(ks_.HSet(0, "h", {{"f", "value"}}).ok());
  // The same bytes as a one-field hash cost the entry plus a HashValue and its pair.
  EXPECT_GT(*ks_.MemoryUsage(0, "h"), *ks_.MemoryUsage(0, "s") + sizeof(HashValue));
}

TEST_F(KeyspaceTest, MemoryUsageDependsOnTheValueNotItsHistory) {
  // A string written at once and one appended piece by piece (which grows its block with slack).
  std::string big(5000, 'a');
  Set("set", big);
  for (int i = 0; i < 50; ++i) {
    ks_.Update(0, "app", [](KeyHandle& k) { k.AppendString(std::string(100, 'a')); });
  }
  EXPECT_EQ(*ks_.MemoryUsage(0, "set"), *ks_.MemoryUsage(0, "app"));
  EXPECT_EQ(*ks_.MemoryUsage(0, "set"), *ks_.MemoryUsage(0, "set"));
  // Hash tables with the same 100 fields: one grown to 600 fields and cut back (its bucket array
  // stayed large), one converted by a long value that was then removed.
  for (int i = 0; i < 600; ++i) {
    ASSERT_TRUE(ks_.HSet(0, "h1", {{"f" + std::to_string(i), "v" + std::to_string(i)}}).ok());
  }
  ks_.Update(0, "h1", [](KeyHandle& k) {
    for (int i = 100; i < 600; ++i) k.hash().Erase("f" + std::to_string(i));
  });
  ASSERT_TRUE(ks_.HSet(0, "h2", {{"long", std::string(100, 'x')}}).ok());
  for (int i = 99; i >= 0; --i) {
    ASSERT_TRUE(ks_.HSet(0, "h2", {{"f" + std::to_string(i), "v" + std::to_string(i)}}).ok());
  }
  ks_.Update(0, "h2", [](KeyHandle& k) { k.hash().Erase("long"); });
  ks_.Update(0, "h1", [](KeyHandle& k) { EXPECT_EQ(k.hash_view().encoding(), "hashtable"); });
  ks_.Update(0, "h2", [](KeyHandle& k) { EXPECT_EQ(k.hash_view().encoding(), "hashtable"); });
  EXPECT_EQ(*ks_.MemoryUsage(0, "h1"), *ks_.MemoryUsage(0, "h2"));
  // Listpacks too: overwriting a value with a longer one and back changes nothing.
  ASSERT_TRUE(ks_.HSet(0, "l1", {{"a", "short"}, {"b", "also short"}}).ok());
  const size_t before = *ks_.MemoryUsage(0, "l1");
  ASSERT_TRUE(ks_.HSet(0, "l1", {{"a", std::string(60, 'z')}}).ok());
  EXPECT_GT(*ks_.MemoryUsage(0, "l1"), before);
  ASSERT_TRUE(ks_.HSet(0, "l1", {{"a", "short"}}).ok());
  EXPECT_EQ(*ks_.MemoryUsage(0, "l1"), before);
}

// SAMPLES: a hash table is measured on its first `samples` fields and extrapolated; a listpack
// and a string are measured whole whatever the count.
TEST_F(KeyspaceTest, MemoryUsageSamplesAHashTableAndExtrapolates) {
  // Fields and values of one size: any sample gives the exact answer.
  for (int i = 0; i < 1000; ++i) {
    char field[16];
    std::snprintf(field, sizeof(field), "f%05d", i);
    ASSERT_TRUE(ks_.HSet(0, "uniform", {{field, "v"}}).ok());
  }
  const size_t exact = *ks_.MemoryUsage(0, "uniform");
  for (size_t samples : {1, 5, 999, 1000, 5000}) {
    EXPECT_EQ(ks_.MemoryUsage(0, "uniform", samples), exact) << samples;
  }
  // One value of 100 kB among 1000 short ones: five fields cannot see it and tell the exact size
  // both (the big one sampled: about 200 times too much; missed: 100 kB too little).
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(ks_.HSet(0, "skewed", {{"f" + std::to_string(i), "v"}}).ok());
  }
  ASSERT_TRUE(ks_.HSet(0, "skewed", {{"f500", std::string(100'000, 'x')}}).ok());
  const size_t all = *ks_.MemoryUsage(0, "skewed");
  EXPECT_GE(all, 100'000u);
  EXPECT_NE(ks_.MemoryUsage(0, "skewed", 5), all);
  EXPECT_EQ(ks_.MemoryUsage(0, "skewed", 1001), all);  // at least every field: exact
  EXPECT_EQ(ks_.MemoryUsage(0, "skewed", 0), all);
  // A listpack ignores SAMPLES, as Redis's listpack size is exact.
  ASSERT_TRUE(ks_.HSet(0, "small", {{"a", "1"}, {"b", std::string(60, 'y')}, {"c", "3"}}).ok());
  ks_.Update(0, "small", [](KeyHandle& k) { ASSERT_EQ(k.hash_view().encoding(), "listpack"); });
  EXPECT_EQ(ks_.MemoryUsage(0, "small", 1), ks_.MemoryUsage(0, "small"));
  Set("s", std::string(1000, 's'));
  EXPECT_EQ(ks_.MemoryUsage(0, "s", 1), ks_.MemoryUsage(0, "s"));
}

// A hash of many fields with short values and one long: an estimate from a sample stays close to
// the exact answer when the sample is large enough to be representative.
TEST_F(KeyspaceTest, MemoryUsageOfALargeHashIsEstimatedFromASample) {
  ks_.Update(0, "big", [](KeyHandle& k) {
    HashValue& h = k.CreateHash();
    for (int i = 0; i < 200'000; ++i) h.Set("field:" + std::to_string(i), "value");
  });
  const double exact = static_cast<double>(*ks_.MemoryUsage(0, "big"));
  const double sampled = static_cast<double>(*ks_.MemoryUsage(0, "big", 1000));
  EXPECT_NEAR(sampled / exact, 1.0, 0.02);
  const double five = static_cast<double>(*ks_.MemoryUsage(0, "big", 5));
  EXPECT_NEAR(five / exact, 1.0, 0.05);  // field names differ by at most 5 of ~90 bytes each
}

}  // namespace
}  // namespace embedis
