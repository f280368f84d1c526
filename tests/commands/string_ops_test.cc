// The string operations without RESP: typed results, Redis's error texts and codes, the order of
// checks for arguments Redis reads after the key, and TTLs (on a ManualClock).
#include "lib/commands/string_ops.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/clock.h"
#include "lib/util/errors.h"

namespace embedis {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

class StringOpsTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  Keyspace ks_{{.shards = 2, .clock = &clock_}};
};

TEST_F(StringOpsTest, IncrByCountsFromZeroAndRefusesOverflow) {
  EXPECT_EQ(*string_ops::IncrBy(ks_, 0, "n", 5), 5);
  EXPECT_EQ(*string_ops::IncrBy(ks_, 0, "n", -7), -2);
  EXPECT_EQ(**ks_.Get(0, "n"), "-2");
  ASSERT_TRUE(ks_.Set(0, "max", "9223372036854775807").ok());
  absl::StatusOr<int64_t> over = string_ops::IncrBy(ks_, 0, "max", 1);
  EXPECT_EQ(over.status().message(), errors::kOverflow);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(**ks_.Get(0, "max"), "9223372036854775807") << "nothing written";
  EXPECT_EQ(*string_ops::IncrBy(ks_, 0, "max", kMin), -1);
  ASSERT_TRUE(ks_.Set(0, "min", "-9223372036854775808").ok());
  EXPECT_EQ(string_ops::IncrBy(ks_, 0, "min", -1).status().message(), errors::kOverflow);
  EXPECT_EQ(*string_ops::IncrBy(ks_, 0, "min", kMax), -1);
  ASSERT_TRUE(ks_.Set(0, "s", "12a").ok());
  EXPECT_EQ(string_ops::IncrBy(ks_, 0, "s", 1).status().message(), errors::kNotInteger);
  ks_.Update(0, "h", [](KeyHandle& k) { k.CreateHash().Set("f", "v"); });
  absl::StatusOr<int64_t> wrong = string_ops::IncrBy(ks_, 0, "h", 1);
  EXPECT_EQ(wrong.status().message(), errors::kWrongType);
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(StringOpsTest, IncrKeepsTheTtl) {
  ASSERT_TRUE(
      ks_.Set(0, "n", "1", {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = clock_.NowMs() + 10'000})
          .ok());
  EXPECT_EQ(*string_ops::IncrBy(ks_, 0, "n", 1), 2);
  EXPECT_EQ(*string_ops::IncrByFloat(ks_, 0, "n", 0.5L), "2.5");
  EXPECT_EQ(ks_.PTtl(0, "n"), 10'000);
  clock_.Advance(absl::Seconds(10));
  EXPECT_FALSE(ks_.KeyExists(0, "n"));
  EXPECT_EQ(*string_ops::IncrBy(ks_, 0, "n", 1), 1) << "expired: counts from 0";
  EXPECT_EQ(ks_.PTtl(0, "n"), -1);
}

TEST_F(StringOpsTest, IncrByFloatChecksInRedisOrder) {
  EXPECT_EQ(*string_ops::IncrByFloat(ks_, 0, "f", 10.5L), "10.5");
  EXPECT_EQ(*string_ops::IncrByFloat(ks_, 0, "f", 5.0e3L), "5010.5");
  const absl::Status bad = errors::FromRedisError(errors::kNotFloat);
  ks_.Update(0, "h", [](KeyHandle& k) { k.CreateHash().Set("f", "v"); });
  EXPECT_EQ(string_ops::IncrByFloat(ks_, 0, "h", bad).status().message(), errors::kWrongType)
      << "WRONGTYPE before the increment";
  ASSERT_TRUE(ks_.Set(0, "s", "abc").ok());
  EXPECT_EQ(string_ops::IncrByFloat(ks_, 0, "s", 1.0L).status().message(), errors::kNotFloat);
  EXPECT_EQ(string_ops::IncrByFloat(ks_, 0, "f", bad).status(), bad);
  EXPECT_EQ(*string_ops::IncrByFloat(ks_, 0, "missing-with-bad", 1.0L), "1");
  EXPECT_EQ(string_ops::IncrByFloat(ks_, 0, "f", std::numeric_limits<long double>::infinity())
                .status()
                .message(),
            errors::kIncrNanOrInfinity);
  EXPECT_EQ(**ks_.Get(0, "f"), "5010.5");
}

TEST_F(StringOpsTest, AppendStrLenGetRangeSetRange) {
  EXPECT_EQ(*string_ops::Append(ks_, 0, "s", "Hello"), 5);
  EXPECT_EQ(*string_ops::Append(ks_, 0, "s", " World"), 11);
  EXPECT_EQ(*string_ops::StrLen(ks_, 0, "s"), 11);
  EXPECT_EQ(*string_ops::StrLen(ks_, 0, "missing"), 0);
  EXPECT_EQ(*string_ops::GetRange(ks_, 0, "s", 0, 4), "Hello");
  EXPECT_EQ(*string_ops::GetRange(ks_, 0, "s", -5, -1), "World");
  EXPECT_EQ(*string_ops::GetRange(ks_, 0, "s", -1, -5), "");
  EXPECT_EQ(*string_ops::GetRange(ks_, 0, "s", kMin, kMax), "Hello World");
  EXPECT_EQ(*string_ops::GetRange(ks_, 0, "missing", 0, -1), "");
  EXPECT_EQ(*string_ops::SetRange(ks_, 0, "s", 6, "Redis"), 11);
  EXPECT_EQ(**ks_.Get(0, "s"), "Hello Redis");
  EXPECT_EQ(*string_ops::SetRange(ks_, 0, "pad", 3, "x"), 4);
  EXPECT_EQ(**ks_.Get(0, "pad"), std::string("\0\0\0x", 4));
  EXPECT_EQ(*string_ops::SetRange(ks_, 0, "none", 5, ""), 0);
  EXPECT_FALSE(ks_.KeyExists(0, "none")) << "an empty value creates no key";
  EXPECT_EQ(
      string_ops::SetRange(ks_, 0, "big", string_ops::kMaxStringLength, "x").status().message(),
      errors::kStringTooLong);
  EXPECT_EQ(string_ops::SetRange(ks_, 0, "big", kMax, "x").status().message(),
            errors::kStringTooLong);
  EXPECT_FALSE(ks_.KeyExists(0, "big"));
  ks_.Update(0, "h", [](KeyHandle& k) { k.CreateHash().Set("f", "v"); });
  EXPECT_EQ(string_ops::Append(ks_, 0, "h", "x").status().message(), errors::kWrongType);
  EXPECT_EQ(string_ops::GetRange(ks_, 0, "h", 0, 1).status().message(), errors::kWrongType);
}

TEST_F(StringOpsTest, GetDelAndGetEx) {
  ASSERT_TRUE(ks_.Set(0, "k", "v").ok());
  EXPECT_EQ(**string_ops::GetDel(ks_, 0, "k"), "v");
  EXPECT_FALSE(ks_.KeyExists(0, "k"));
  EXPECT_FALSE(string_ops::GetDel(ks_, 0, "k")->has_value());

  const absl::Status bad = errors::FromRedisError(errors::InvalidExpireTime("getex"));
  EXPECT_FALSE(string_ops::GetEx(ks_, 0, "missing", {.expire_at_ms = bad})->has_value())
      << "a missing key is null before the expire argument is looked at";
  ASSERT_TRUE(ks_.Set(0, "k", "v").ok());
  EXPECT_EQ(string_ops::GetEx(ks_, 0, "k", {.expire_at_ms = bad}).status(), bad);
  const int64_t at = clock_.NowMs() + 5'000;
  EXPECT_EQ(**string_ops::GetEx(ks_, 0, "k", {.expire_at_ms = std::optional<int64_t>(at)}), "v");
  EXPECT_EQ(ks_.ExpireTimeMs(0, "k"), at);
  EXPECT_EQ(**string_ops::GetEx(ks_, 0, "k", {.persist = true}), "v");
  EXPECT_EQ(ks_.PTtl(0, "k"), -1);
  // A deadline already past: the value is returned and the key goes, as in Redis.
  EXPECT_EQ(**string_ops::GetEx(ks_, 0, "k", {.expire_at_ms = std::optional<int64_t>(1)}), "v");
  EXPECT_FALSE(ks_.KeyExists(0, "k"));
}

}  // namespace
}  // namespace embedis
