// The argument parsers (lib/commands/args.h) at their limits: 0, -1, ±2^31, ±2^63 and just past
// each, with Redis 7.0's error texts (checked against redis-server 7.0.15 by the differential
// tests of each family; here the parsers alone).
#include "lib/commands/args.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "lib/util/errors.h"

namespace embedis::commands {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// The error message of a failed parse ("" when it succeeded).
template <typename T>
std::string ErrorOf(const absl::StatusOr<T>& r) {
  return r.ok() ? "" : std::string(r.status().message());
}

TEST(Args, IntegerAcceptsExactlyTheInt64Range) {
  EXPECT_EQ(*ParseInteger("0"), 0);
  EXPECT_EQ(*ParseInteger("-1"), -1);
  EXPECT_EQ(*ParseInteger("2147483648"), 2147483648LL);
  EXPECT_EQ(*ParseInteger("-2147483649"), -2147483649LL);
  EXPECT_EQ(*ParseInteger("9223372036854775807"), kMax);
  EXPECT_EQ(*ParseInteger("-9223372036854775808"), kMin);
  for (const char* bad : {"9223372036854775808", "-9223372036854775809", "18446744073709551616", "",
                          "-", "+1", " 1", "1 ", "01", "-0", "1.0", "1e3", "0x10"}) {
    absl::StatusOr<int64_t> r = ParseInteger(bad);
    EXPECT_EQ(ErrorOf(r), errors::kNotInteger) << bad;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(Args, IntegerInRangeWordsItsBoundsAsRedis) {
  EXPECT_EQ(*ParseIntegerInRange("-9223372036854775807", -kMax, kMax), -kMax);
  EXPECT_EQ(ErrorOf(ParseIntegerInRange("-9223372036854775808", -kMax, kMax)),
            errors::kCountOutOfLongRange);
  EXPECT_EQ(ErrorOf(ParseIntegerInRange("x", -kMax, kMax)), errors::kNotInteger);
  // With a message, both a non-integer and a value outside give it.
  EXPECT_EQ(ErrorOf(ParseIntegerInRange("x", 0, 10, "ERR custom")), "ERR custom");
  EXPECT_EQ(ErrorOf(ParseIntegerInRange("11", 0, 10, "ERR custom")), "ERR custom");
  EXPECT_EQ(*ParseIntegerInRange("10", 0, 10, "ERR custom"), 10);
}

TEST(Args, PositiveAndNonNegativeCounts) {
  EXPECT_EQ(*ParseNonNegative("0", errors::kMustBePositive), 0);
  EXPECT_EQ(*ParseNonNegative("9223372036854775807", errors::kMustBePositive), kMax);
  for (const char* bad : {"-1", "-9223372036854775808", "9223372036854775808", "x", ""}) {
    EXPECT_EQ(ErrorOf(ParseNonNegative(bad, errors::kMustBePositive)), errors::kMustBePositive)
        << bad;
  }
  EXPECT_EQ(*ParsePositive("1", errors::kCountNotPositive), 1);
  EXPECT_EQ(*ParsePositive("9223372036854775807", errors::kCountNotPositive), kMax);
  for (const char* bad : {"0", "-1", "9223372036854775808", "x"}) {
    EXPECT_EQ(ErrorOf(ParsePositive(bad, errors::kCountNotPositive)), errors::kCountNotPositive)
        << bad;
  }
}

TEST(Args, IntAndDbIndex) {
  EXPECT_EQ(*ParseInt("2147483647"), 2147483647);
  EXPECT_EQ(*ParseInt("-2147483648"), -2147483647 - 1);
  EXPECT_EQ(ErrorOf(ParseInt("2147483648")), errors::kValueOutOfIntRange);
  EXPECT_EQ(ErrorOf(ParseInt("-2147483649")), errors::kValueOutOfIntRange);
  EXPECT_EQ(ErrorOf(ParseInt("9223372036854775808")), errors::kNotInteger);
  EXPECT_EQ(*ParseDbIndex("0", 16), 0);
  EXPECT_EQ(*ParseDbIndex("15", 16), 15);
  EXPECT_EQ(ErrorOf(ParseDbIndex("16", 16)), errors::kDbIndexOutOfRange);
  EXPECT_EQ(ErrorOf(ParseDbIndex("-1", 16)), errors::kDbIndexOutOfRange);
  EXPECT_EQ(ErrorOf(ParseDbIndex("2147483648", 16)), errors::kValueOutOfIntRange);
}

TEST(Args, IndexRange) {
  absl::StatusOr<IndexRange> r = ParseIndexRange("-9223372036854775808", "9223372036854775807");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->start, kMin);
  EXPECT_EQ(r->stop, kMax);
  EXPECT_EQ(ErrorOf(ParseIndexRange("0", "9223372036854775808")), errors::kNotInteger);
  EXPECT_EQ(ErrorOf(ParseIndexRange("a", "1")), errors::kNotInteger);
}

TEST(Args, ScanCursorReadsAsStrtoul) {
  EXPECT_EQ(*ParseScanCursor("0"), 0u);
  EXPECT_EQ(*ParseScanCursor(""), 0u);
  EXPECT_EQ(*ParseScanCursor("18446744073709551615"), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(*ParseScanCursor("-1"), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(*ParseScanCursor("+7"), 7u);
  EXPECT_EQ(*ParseScanCursor("007"), 7u);
  EXPECT_EQ(*ParseScanCursor(std::string("5\0junk", 6)), 5u) << "strtoul stops at the NUL";
  for (const char* bad : {"18446744073709551616", " 1", "1 ", "-", "+", "x", "1.5"}) {
    EXPECT_EQ(ErrorOf(ParseScanCursor(bad)), errors::kInvalidCursor) << bad;
  }
}

TEST(Args, ScanOptions) {
  const std::string_view ok[] = {"MATCH", "a*", "count", "5", "TYPE", "hash", "COUNT", "7"};
  absl::StatusOr<ScanArgs> a = ParseScanArgs(ok, /*allow_type=*/true);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->count, 7) << "the last COUNT wins";
  EXPECT_EQ(a->match, "a*");
  EXPECT_EQ(a->type, "hash");
  EXPECT_EQ(ErrorOf(ParseScanArgs(ok, /*allow_type=*/false)), errors::kSyntax) << "HSCAN: TYPE";
  const std::string_view zero[] = {"COUNT", "0"};
  EXPECT_EQ(ErrorOf(ParseScanArgs(zero, true)), errors::kSyntax);
  const std::string_view huge[] = {"COUNT", "9223372036854775808"};
  EXPECT_EQ(ErrorOf(ParseScanArgs(huge, true)), errors::kNotInteger);
  const std::string_view dangling[] = {"MATCH"};
  EXPECT_EQ(ErrorOf(ParseScanArgs(dangling, true)), errors::kSyntax);
  EXPECT_EQ(ParseScanArgs({}, true)->count, 10);
}

TEST(Args, FloatArg) {
  EXPECT_EQ(*ParseFloatArg("1.5"), 1.5L);
  EXPECT_TRUE(std::isinf(*ParseFloatArg("inf")));
  for (const char* bad : {"nan", "", " 1", "1x", "1e99999"}) {
    EXPECT_EQ(ErrorOf(ParseFloatArg(bad)), errors::kNotFloat) << bad;
  }
}

TEST(Args, BlockingTimeoutRoundsUpToMilliseconds) {
  EXPECT_EQ(*ParseBlockingTimeoutMs("0"), 0);
  EXPECT_EQ(*ParseBlockingTimeoutMs("1.5"), 1500);
  EXPECT_EQ(*ParseBlockingTimeoutMs("0.0001"), 1);
  EXPECT_EQ(*ParseBlockingTimeoutMs("-0.0001"), 0) << "rounds up to 0: waits forever";
  EXPECT_EQ(ErrorOf(ParseBlockingTimeoutMs("-1")), errors::kTimeoutNegative);
  EXPECT_EQ(ErrorOf(ParseBlockingTimeoutMs("inf")), errors::kTimeoutNegative);
  EXPECT_EQ(ErrorOf(ParseBlockingTimeoutMs("1e30")), errors::kTimeoutNegative);
  EXPECT_EQ(ErrorOf(ParseBlockingTimeoutMs("x")), errors::kTimeoutNotFloat);
}

TEST(Args, ExpireTimeRules) {
  const int64_t now = 1'000'000;
  const ExpireArg ex{.seconds = true, .relative = true, .positive = true};
  EXPECT_EQ(*ParseExpireTimeMs("10", ex, now, "set"), now + 10'000);
  EXPECT_EQ(ErrorOf(ParseExpireTimeMs("0", ex, now, "set")),
            "ERR invalid expire time in 'set' command");
  EXPECT_EQ(ErrorOf(ParseExpireTimeMs("-1", ex, now, "getex")),
            "ERR invalid expire time in 'getex' command");
  EXPECT_EQ(*ParseExpireTimeMs("9223372036854775", ex, 0, "set"), 9223372036854775000);
  EXPECT_EQ(ErrorOf(ParseExpireTimeMs("9223372036854776", ex, 0, "set")),
            "ERR invalid expire time in 'set' command")
      << "seconds * 1000 overflows";
  EXPECT_EQ(ErrorOf(ParseExpireTimeMs("9223372036854775807", {.relative = true}, now, "pexpire")),
            "ERR invalid expire time in 'pexpire' command")
      << "now + ms overflows";
  EXPECT_EQ(*ParseExpireTimeMs("9223372036854775807", {}, now, "pexpireat"), kMax);
  // EXPIRE's rule: negative values are fine (they delete the key).
  EXPECT_EQ(*ParseExpireTimeMs("-1", {.seconds = true, .relative = true}, now, "expire"),
            now - 1000);
  EXPECT_EQ(ErrorOf(ParseExpireTimeMs("-9223372036854776", {.seconds = true}, now, "expireat")),
            "ERR invalid expire time in 'expireat' command");
  EXPECT_EQ(ErrorOf(ParseExpireTimeMs("1.5", ex, now, "set")), errors::kNotInteger);
}

}  // namespace
}  // namespace embedis::commands
