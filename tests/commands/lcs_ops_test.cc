// LCS without RESP: Redis's walk (the subsequence and its ranges), the memory limit exactly at
// its boundary, and the order of checks on keys.
#include "lib/commands/lcs_ops.h"

#include <cstdint>
#include <string>

#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/clock.h"
#include "lib/util/errors.h"

namespace embedis {
namespace {

using lcs_ops::LcsOfStrings;
using lcs_ops::LcsOptions;

TEST(LcsOps, SubsequenceAndRanges) {
  absl::StatusOr<lcs_ops::LcsResult> r =
      LcsOfStrings("ohmytext", "mynewtext", {.idx = true}, 1 << 20);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->lcs, "mytext");
  EXPECT_EQ(r->length, 6);
  ASSERT_EQ(r->matches.size(), 2u);
  EXPECT_EQ(r->matches[0].a_start, 4);  // "text", found first (the walk goes backwards)
  EXPECT_EQ(r->matches[0].a_end, 7);
  EXPECT_EQ(r->matches[0].b_start, 5);
  EXPECT_EQ(r->matches[0].b_end, 8);
  EXPECT_EQ(r->matches[0].len, 4);
  EXPECT_EQ(r->matches[1].a_start, 2);  // "my"
  EXPECT_EQ(r->matches[1].len, 2);
  r = LcsOfStrings("ohmytext", "mynewtext", {.idx = true, .min_match_len = 3}, 1 << 20);
  EXPECT_EQ(r->matches.size(), 1u);
  r = LcsOfStrings("ohmytext", "mynewtext", {.len = true}, 1 << 20);
  EXPECT_EQ(r->length, 6);
  EXPECT_EQ(r->lcs, "") << "LEN alone does not build the subsequence";
  r = LcsOfStrings("", "", {}, 1 << 20);
  EXPECT_EQ(r->length, 0);
}

TEST(LcsOps, TableLimitIsExact) {
  // (3 + 1) * (4 + 1) cells of 4 bytes: 80 bytes.
  EXPECT_TRUE(LcsOfStrings("abc", "abcd", {}, 80).ok());
  EXPECT_EQ(LcsOfStrings("abc", "abcd", {}, 79).status().message(), errors::kLcsTableTooLarge);
  EXPECT_EQ(LcsOfStrings("", "", {}, 3).status().message(), errors::kLcsTableTooLarge);
  EXPECT_TRUE(LcsOfStrings("", "", {}, 4).ok());
  // Redis's default limit: 11585 x 11585 is refused, without allocating.
  const std::string big(11585, 'x');
  EXPECT_EQ(LcsOfStrings(big, big, {}, 512LL * 1024 * 1024).status().message(),
            errors::kLcsTableTooLarge);
}

TEST(LcsOps, KeysAreCheckedBeforeOptions) {
  ManualClock clock;
  Keyspace ks({.shards = 2, .clock = &clock});
  ASSERT_TRUE(ks.Set(0, "a", "abcde").ok());
  ks.Update(0, "h", [](KeyHandle& k) { k.CreateHash().Set("f", "v"); });
  const absl::StatusOr<LcsOptions> bad = errors::FromRedisError(errors::kSyntax);
  EXPECT_EQ(lcs_ops::Lcs(ks, 0, "a", "h", bad, 1 << 20).status().message(), errors::kLcsNotStrings);
  EXPECT_EQ(lcs_ops::Lcs(ks, 0, "a", "missing", bad, 1 << 20).status().message(), errors::kSyntax);
  absl::StatusOr<lcs_ops::LcsResult> r = lcs_ops::Lcs(ks, 0, "a", "a", LcsOptions{}, 1 << 20);
  EXPECT_EQ(r->lcs, "abcde");
  r = lcs_ops::Lcs(ks, 0, "a", "missing", LcsOptions{}, 1 << 20);
  EXPECT_EQ(r->lcs, "");
  EXPECT_FALSE(ks.KeyExists(0, "missing"));
  EXPECT_EQ(lcs_ops::Lcs(ks, 0, "a", "a", LcsOptions{}, 100).status().message(),
            errors::kLcsTableTooLarge);
}

}  // namespace
}  // namespace embedis
