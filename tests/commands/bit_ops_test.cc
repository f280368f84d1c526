// The bit operations without RESP: typed results, Redis's error texts and codes, argument limits,
// TTLs kept or dropped (on a ManualClock), and the order of checks for ranges read after the key.
#include "lib/commands/bit_ops.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/clock.h"
#include "lib/util/errors.h"

namespace embedis {
namespace {

class BitOpsTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  Keyspace ks_{{.shards = 2, .clock = &clock_}};
};

TEST_F(BitOpsTest, ParsersKeepRedisLimits) {
  EXPECT_EQ(*bit_ops::ParseBitOffset("0"), 0u);
  EXPECT_EQ(*bit_ops::ParseBitOffset("4294967295"), 4294967295u);
  for (const char* bad : {"4294967296", "-1", "9223372036854775807", "-9223372036854775808",
                          "9223372036854775808", "1.5", "", "+1", "01", " 1"}) {
    absl::StatusOr<uint64_t> r = bit_ops::ParseBitOffset(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(), errors::kBitOffsetOutOfRange) << bad;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(*bit_ops::ParseBitValue("1"));
  EXPECT_FALSE(*bit_ops::ParseBitValue("0"));
  for (const char* bad : {"2", "-1", "x", "2147483648", "01"}) {
    EXPECT_EQ(bit_ops::ParseBitValue(bad).status().message(), errors::kBitValueOutOfRange) << bad;
  }
  EXPECT_EQ(bit_ops::ParseBitArgument("x").status().message(), errors::kNotInteger);
  EXPECT_EQ(bit_ops::ParseBitArgument("2").status().message(), errors::kBitArgument);
  EXPECT_TRUE(*bit_ops::ParseBitArgument("1"));
}

TEST_F(BitOpsTest, SetBitGrowsAndKeepsTheTtl) {
  EXPECT_EQ(*bit_ops::SetBit(ks_, 0, "k", 9, true), 0);
  EXPECT_EQ(**ks_.Get(0, "k"), std::string("\x00\x40", 2));
  EXPECT_EQ(*bit_ops::SetBit(ks_, 0, "k", 9, false), 1);
  EXPECT_EQ(**ks_.Get(0, "k"), std::string("\x00\x00", 2));
  EXPECT_EQ(*bit_ops::GetBit(ks_, 0, "k", 9), 0);
  EXPECT_EQ(*bit_ops::GetBit(ks_, 0, "k", 4294967295u), 0);
  EXPECT_EQ(*bit_ops::GetBit(ks_, 0, "missing", 0), 0);
  ASSERT_TRUE(
      ks_.Set(0, "t", "a", {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = clock_.NowMs() + 5000})
          .ok());
  EXPECT_EQ(*bit_ops::SetBit(ks_, 0, "t", 7, false), 1);  // 'a' = 0x61
  EXPECT_EQ(**ks_.Get(0, "t"), "`");
  EXPECT_EQ(ks_.PTtl(0, "t"), 5000);
  ks_.Update(0, "h", [](KeyHandle& k) { k.CreateHash().Set("f", "v"); });
  absl::StatusOr<int64_t> wrong = bit_ops::SetBit(ks_, 0, "h", 0, true);
  EXPECT_EQ(wrong.status().message(), errors::kWrongType);
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(bit_ops::GetBit(ks_, 0, "h", 0).status().message(), errors::kWrongType);
}

TEST_F(BitOpsTest, CountRangesInBytesAndBits) {
  ASSERT_TRUE(ks_.Set(0, "s", "foobar").ok());
  EXPECT_EQ(*bit_ops::Count(ks_, 0, "s", std::nullopt), 26);
  EXPECT_EQ(*bit_ops::Count(ks_, 0, "s", bit_ops::Range{.start = 1, .end = 1}), 6);
  EXPECT_EQ(*bit_ops::Count(ks_, 0, "s", bit_ops::Range{.start = 5, .end = 30, .bit = true}), 17);
  EXPECT_EQ(*bit_ops::Count(ks_, 0, "s", bit_ops::Range{.start = -1, .end = -2}), 0);
  EXPECT_EQ(*bit_ops::Count(ks_, 0, "s", bit_ops::Range{.start = INT64_MIN, .end = INT64_MAX}), 26);
  // A range error is reported only for an existing string.
  const absl::StatusOr<std::optional<bit_ops::Range>> bad = errors::FromRedisError(errors::kSyntax);
  EXPECT_EQ(*bit_ops::Count(ks_, 0, "missing", bad), 0);
  EXPECT_EQ(bit_ops::Count(ks_, 0, "s", bad).status().message(), errors::kSyntax);
}

TEST_F(BitOpsTest, PosFindsBitsAndPadsWithZeros) {
  ASSERT_TRUE(ks_.Set(0, "s", std::string("\xff\xf0\x00", 3)).ok());
  EXPECT_EQ(*bit_ops::Pos(ks_, 0, "s", false, std::nullopt), 12);
  EXPECT_EQ(*bit_ops::Pos(ks_, 0, "missing", false, std::nullopt), 0);
  EXPECT_EQ(*bit_ops::Pos(ks_, 0, "missing", true, std::nullopt), -1);
  ASSERT_TRUE(ks_.Set(0, "ones", "\xff").ok());
  EXPECT_EQ(*bit_ops::Pos(ks_, 0, "ones", false, std::nullopt), 8) << "padded with zeros";
  EXPECT_EQ(*bit_ops::Pos(ks_, 0, "ones", false, bit_ops::Range{.start = 0, .end = std::nullopt}),
            8);
  EXPECT_EQ(*bit_ops::Pos(ks_, 0, "ones", false, bit_ops::Range{.start = 0, .end = 0}), -1)
      << "an explicit end: no padding";
  EXPECT_EQ(*bit_ops::Pos(ks_, 0, "s", true, bit_ops::Range{.start = 6, .end = 9, .bit = true}), 6);
  EXPECT_EQ(*bit_ops::Pos(ks_, 0, "s", false, bit_ops::Range{.start = 6, .end = 9, .bit = true}),
            -1);
}

TEST_F(BitOpsTest, OpCombinesAndDeletesAnEmptyResult) {
  ASSERT_TRUE(ks_.Set(0, "a", "\x0f\xf0").ok());
  ASSERT_TRUE(ks_.Set(0, "b", "\xff").ok());
  const std::vector<std::string_view> ab = {"a", "b"};
  EXPECT_EQ(*bit_ops::Op(ks_, 0, bit_ops::BitOperation::kAnd, "d", ab), 2);
  EXPECT_EQ(**ks_.Get(0, "d"), std::string("\x0f\x00", 2));
  EXPECT_EQ(*bit_ops::Op(ks_, 0, bit_ops::BitOperation::kXor, "d", ab), 2);
  EXPECT_EQ(**ks_.Get(0, "d"), std::string("\xf0\xf0", 2));
  const std::vector<std::string_view> a = {"a"};
  EXPECT_EQ(*bit_ops::Op(ks_, 0, bit_ops::BitOperation::kNot, "d", a), 2);
  EXPECT_EQ(**ks_.Get(0, "d"), std::string("\xf0\x0f", 2));
  const std::vector<std::string_view> none = {"missing"};
  EXPECT_EQ(*bit_ops::Op(ks_, 0, bit_ops::BitOperation::kOr, "d", none), 0);
  EXPECT_FALSE(ks_.KeyExists(0, "d"));
  ks_.Update(0, "h", [](KeyHandle& k) { k.CreateHash().Set("f", "v"); });
  const std::vector<std::string_view> ah = {"a", "h"};
  EXPECT_EQ(bit_ops::Op(ks_, 0, bit_ops::BitOperation::kOr, "d", ah).status().message(),
            errors::kWrongType);
  EXPECT_FALSE(ks_.KeyExists(0, "d")) << "nothing written";
  EXPECT_EQ(*bit_ops::Op(ks_, 0, bit_ops::BitOperation::kOr, "h", a), 2) << "any type replaced";
  EXPECT_EQ(**ks_.Get(0, "h"), "\x0f\xf0");
}

using bit_ops::FieldOp;
using bit_ops::FieldType;
using bit_ops::Overflow;

TEST_F(BitOpsTest, FieldTypesAndOffsets) {
  EXPECT_EQ(bit_ops::ParseFieldType("i64")->bits, 64);
  EXPECT_TRUE(bit_ops::ParseFieldType("i1")->is_signed);
  EXPECT_FALSE(bit_ops::ParseFieldType("u63")->is_signed);
  EXPECT_EQ(bit_ops::ParseFieldType(std::string("u8\0z", 4))->bits, 8) << "read up to the NUL";
  for (const char* bad : {"u64", "i65", "i0", "u0", "I8", "8", "", "i", "i+1", "i08", "i-1",
                          "i9223372036854775808"}) {
    absl::StatusOr<FieldType> t = bit_ops::ParseFieldType(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().message(), errors::kBitfieldType) << bad;
  }
  EXPECT_EQ(*bit_ops::ParseFieldOffset("#3", 8), 24u);
  EXPECT_EQ(*bit_ops::ParseFieldOffset("4294967295", 64), 4294967295u);
  EXPECT_EQ(*bit_ops::ParseFieldOffset("#67108863", 64), 4294967232u);
  // Redis's long long product wraps: 64 * (2^58 + 1) is 64.
  EXPECT_EQ(*bit_ops::ParseFieldOffset("#288230376151711745", 64), 64u);
  for (const char* bad : {"#67108864", "4294967296", "-1", "#-1", "#", "##1", "", "x",
                          "#9223372036854775807", "9223372036854775808"}) {
    EXPECT_EQ(bit_ops::ParseFieldOffset(bad, 64).status().message(), errors::kBitOffsetOutOfRange)
        << bad;
  }
}

TEST_F(BitOpsTest, FieldArithmeticAtTheEdges) {
  const FieldType i64{true, 64}, i8{true, 8}, i63{true, 63}, u63{false, 63}, u8{false, 8};
  const auto incr = FieldOp::Kind::kIncrBy;
  const auto set = FieldOp::Kind::kSet;
  auto r = bit_ops::FieldArithmetic(i64, incr, INT64_MAX, 1, Overflow::kWrap);
  EXPECT_TRUE(r.overflow);
  EXPECT_EQ(r.stored, INT64_MIN);
  r = bit_ops::FieldArithmetic(i64, incr, INT64_MAX, 1, Overflow::kSat);
  EXPECT_EQ(r.stored, INT64_MAX);
  r = bit_ops::FieldArithmetic(i64, incr, INT64_MIN, INT64_MIN, Overflow::kSat);
  EXPECT_EQ(r.stored, INT64_MIN);
  r = bit_ops::FieldArithmetic(i64, incr, INT64_MIN, INT64_MIN, Overflow::kWrap);
  EXPECT_EQ(r.stored, 0);
  r = bit_ops::FieldArithmetic(i64, incr, INT64_MIN, INT64_MAX, Overflow::kFail);
  EXPECT_FALSE(r.overflow);
  EXPECT_EQ(r.stored, -1);
  r = bit_ops::FieldArithmetic(i8, incr, 127, 1, Overflow::kWrap);
  EXPECT_EQ(r.stored, -128);
  r = bit_ops::FieldArithmetic(i8, set, 0, 200, Overflow::kSat);
  EXPECT_EQ(r.stored, 127);
  // Redis's quirk, kept: SET i63 below its minimum counts as above the maximum.
  r = bit_ops::FieldArithmetic(i63, set, 0, -(int64_t{1} << 62) - 1, Overflow::kSat);
  EXPECT_TRUE(r.overflow);
  EXPECT_EQ(r.stored, (int64_t{1} << 62) - 1);
  r = bit_ops::FieldArithmetic(u63, incr, INT64_MAX, INT64_MAX, Overflow::kWrap);
  EXPECT_EQ(r.stored, INT64_MAX - 1);
  r = bit_ops::FieldArithmetic(u63, incr, 0, INT64_MIN, Overflow::kSat);
  EXPECT_EQ(r.stored, 0);
  r = bit_ops::FieldArithmetic(u8, set, 0, -1, Overflow::kSat);
  EXPECT_EQ(r.stored, 255) << "a negative SET on an unsigned field is too big";
  r = bit_ops::FieldArithmetic(u8, set, 0, -1, Overflow::kWrap);
  EXPECT_EQ(r.stored, 255);
  r = bit_ops::FieldArithmetic(u8, incr, 3, -4, Overflow::kWrap);
  EXPECT_EQ(r.stored, 255);
}

TEST_F(BitOpsTest, FieldRunsParsedOpsInOrder) {
  const std::vector<std::string_view> args = {"set", "u8", "0", "255", "overflow", "fail", "incrby",
                                              "u8",  "0",  "1", "get", "i8",       "0"};
  absl::StatusOr<std::vector<FieldOp>> ops = bit_ops::ParseFieldOps(args);
  ASSERT_TRUE(ops.ok()) << ops.status();
  ASSERT_EQ(ops->size(), 3u);
  EXPECT_EQ((*ops)[1].overflow, Overflow::kFail);
  EXPECT_EQ(bit_ops::Field(ks_, 0, "k", *ops, /*read_only=*/true).status().message(),
            errors::kBitfieldRoGetOnly);
  EXPECT_FALSE(ks_.KeyExists(0, "k"));
  absl::StatusOr<std::vector<std::optional<int64_t>>> r =
      bit_ops::Field(ks_, 0, "k", *ops, /*read_only=*/false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (std::vector<std::optional<int64_t>>{0, std::nullopt, -1}));
  EXPECT_EQ(**ks_.Get(0, "k"), "\xff");
  // GETs alone never create the key.
  const std::vector<std::string_view> get = {"get", "u63", "1000"};
  r = bit_ops::Field(ks_, 0, "missing", *bit_ops::ParseFieldOps(get), /*read_only=*/false);
  EXPECT_EQ(*r, (std::vector<std::optional<int64_t>>{0}));
  EXPECT_FALSE(ks_.KeyExists(0, "missing"));
  EXPECT_FALSE(bit_ops::FieldArgsAreReadOnly(args));
  EXPECT_TRUE(bit_ops::FieldArgsAreReadOnly(get));
  const std::vector<std::string_view> bad = {"get", "u8", "0", "overflow", "nope"};
  EXPECT_EQ(bit_ops::ParseFieldOps(bad).status().message(), errors::kBitfieldOverflowType);
}

}  // namespace
}  // namespace embedis
