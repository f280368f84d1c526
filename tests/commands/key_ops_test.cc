// The key operations shared by the key commands and MemoryStore: SCAN's filters as Redis 7.0
// applies them, the TTL family's rounding (on a ManualClock), the EXPIRE conditions' rule.
#include "lib/commands/key_ops.h"

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/util/clock.h"
#include "lib/util/errors.h"

namespace embedis {
namespace {

// Every key a full SCAN with `args` returns, sorted.
std::vector<std::string> ScanAll(Keyspace& ks, const commands::ScanArgs& args) {
  std::vector<std::string> keys;
  uint64_t cursor = 0;
  do {
    ScanResult r = key_ops::Scan(ks, 0, cursor, args);
    keys.insert(keys.end(), r.keys.begin(), r.keys.end());
    cursor = r.cursor;
  } while (cursor != 0);
  std::sort(keys.begin(), keys.end());
  return keys;
}

TEST(KeyOps, ScanFiltersAsRedis) {
  Keyspace ks({.shards = 2});
  for (const char* k : {"", "a1", "a2", "b"}) ASSERT_TRUE(ks.Set(0, k, "v").ok());
  ASSERT_EQ(*ks.HSet(0, "h", {{"f", "v"}}), 1);
  using V = std::vector<std::string>;
  EXPECT_EQ(ScanAll(ks, {}), (V{"", "a1", "a2", "b", "h"}));
  EXPECT_EQ(ScanAll(ks, {.match = "a*"}), (V{"a1", "a2"}));
  EXPECT_EQ(ScanAll(ks, {.match = ""}), (V{""})) << "MATCH \"\" is the empty name only";
  EXPECT_EQ(ScanAll(ks, {.type = "hash"}), (V{"h"}));
  EXPECT_EQ(ScanAll(ks, {.type = "nosuchtype"}), V{});
  EXPECT_EQ(ScanAll(ks, {.count = std::numeric_limits<int64_t>::max()}).size(), 5u)
      << "a huge COUNT is the whole database";
}

TEST(KeyOps, KeysMatchesTheGlobAndTheEmptyPatternOnlyTheEmptyName) {
  Keyspace ks({.shards = 2});
  for (const char* k : {"a1", "a2", "b"}) ASSERT_TRUE(ks.Set(0, k, "v").ok());
  using V = std::vector<std::string>;
  EXPECT_EQ(key_ops::Keys(ks, 0, ""), V{});
  ASSERT_TRUE(ks.Set(0, "", "v").ok());
  EXPECT_EQ(key_ops::Keys(ks, 0, ""), V{""});
  V a = key_ops::Keys(ks, 0, "a*");
  std::sort(a.begin(), a.end());
  EXPECT_EQ(a, (V{"a1", "a2"}));
  EXPECT_EQ(key_ops::Keys(ks, 0, "*").size(), 4u);
}

TEST(KeyOps, ObjectEncodingOfStringsFollowsHowRedisStoredThem) {
  Keyspace ks({.shards = 2});
  EXPECT_FALSE(key_ops::ObjectEncoding(ks, 0, "missing").has_value());
  ASSERT_TRUE(ks.Set(0, "int", "-9223372036854775808").ok());
  ASSERT_TRUE(ks.Set(0, "big", "9223372036854775808").ok());
  ASSERT_TRUE(ks.Set(0, "long", std::string(45, 'x')).ok());
  EXPECT_EQ(*key_ops::ObjectEncoding(ks, 0, "int"), "int");
  EXPECT_EQ(*key_ops::ObjectEncoding(ks, 0, "big"), "embstr") << "past int64: a string";
  EXPECT_EQ(*key_ops::ObjectEncoding(ks, 0, "long"), "raw");
  ks.Update(0, "created", [](KeyHandle& k) { k.AppendString("1"); });
  EXPECT_EQ(*key_ops::ObjectEncoding(ks, 0, "created"), "int") << "APPEND to a missing key sets";
  ks.Update(0, "created", [](KeyHandle& k) { k.AppendString("2"); });
  EXPECT_EQ(*key_ops::ObjectEncoding(ks, 0, "created"), "raw") << "a modified buffer";
  ASSERT_EQ(*ks.HSet(0, "h", {{"f", "v"}}), 1);
  EXPECT_EQ(*key_ops::ObjectEncoding(ks, 0, "h"), "listpack");
}

TEST(KeyOps, TtlRoundsToTheNearestSecond) {
  ManualClock clock;
  Keyspace ks({.shards = 2, .clock = &clock});
  EXPECT_EQ(key_ops::Ttl(ks, 0, "missing", false, false), -2);
  ASSERT_TRUE(ks.Set(0, "k", "v").ok());
  EXPECT_EQ(key_ops::Ttl(ks, 0, "k", true, false), -1);
  const int64_t at = clock.NowMs() + 10'000;
  ASSERT_TRUE(ks.Expire(0, "k", at));
  clock.Advance(absl::Milliseconds(8'501));
  EXPECT_EQ(key_ops::Ttl(ks, 0, "k", /*millis=*/true, /*absolute=*/false), 1'499);
  EXPECT_EQ(key_ops::Ttl(ks, 0, "k", /*millis=*/false, /*absolute=*/false), 1);
  clock.Advance(absl::Milliseconds(1));
  EXPECT_EQ(key_ops::Ttl(ks, 0, "k", false, false), 1) << "1.498 s";
  EXPECT_EQ(key_ops::Ttl(ks, 0, "k", true, true), at);
  EXPECT_EQ(key_ops::Ttl(ks, 0, "k", false, true), (at + 500) / 1000);
  ASSERT_TRUE(ks.Expire(0, "k", std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(key_ops::Ttl(ks, 0, "k", false, true), 9223372036854776)
      << "rounded without overflowing";
  clock.Advance(absl::Hours(1));
  EXPECT_TRUE(ks.Expire(0, "k", clock.NowMs() + 400));
  EXPECT_EQ(key_ops::Ttl(ks, 0, "k", false, false), 0);
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(key_ops::Ttl(ks, 0, "k", false, false), -2);
}

TEST(KeyOps, ExpireConditions) {
  EXPECT_TRUE(key_ops::CheckExpireCondition({.nx = true}).ok());
  EXPECT_TRUE(key_ops::CheckExpireCondition({.xx = true, .gt = true}).ok());
  EXPECT_EQ(key_ops::CheckExpireCondition({.nx = true, .lt = true}).message(),
            errors::kExpireNxConflict);
  EXPECT_EQ(key_ops::CheckExpireCondition({.gt = true, .lt = true}).message(),
            errors::kExpireGtLtConflict);
}

}  // namespace
}  // namespace embedis
