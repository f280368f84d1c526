#include "lib/resp/input_buffer.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace embedis::resp::internal {
namespace {

TEST(ParseRedisInt, AcceptsWhatRedisString2llAccepts) {
  int64_t v = 0;
  EXPECT_TRUE(ParseRedisInt("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ParseRedisInt("-1", &v));
  EXPECT_EQ(v, -1);
  EXPECT_TRUE(ParseRedisInt("9223372036854775807", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(ParseRedisInt("-9223372036854775808", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::min());
}

TEST(ParseRedisInt, RejectsWhatRedisString2llRejects) {
  int64_t v = 0;
  for (const char* s :
       {"", "-", "-0", "01", "+1", " 1", "1 ", "1a", "9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "000000000000000000001", "99999999999999999999"}) {
    EXPECT_FALSE(ParseRedisInt(s, &v)) << s;
  }
}

TEST(ParseRespInt, AcceptsSignsAndLeadingZeros) {
  int64_t v = 0;
  EXPECT_TRUE(ParseRespInt("+7", &v));
  EXPECT_EQ(v, 7);
  EXPECT_TRUE(ParseRespInt("-007", &v));
  EXPECT_EQ(v, -7);
  EXPECT_TRUE(ParseRespInt("-9223372036854775808", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::min());
  EXPECT_FALSE(ParseRespInt("9223372036854775808", &v));
  EXPECT_FALSE(ParseRespInt("99999999999999999999999", &v));
  EXPECT_FALSE(ParseRespInt("-", &v));
  EXPECT_FALSE(ParseRespInt("", &v));
}

TEST(ParseRespDouble, AcceptsRespThreeDoubles) {
  double d = 0;
  EXPECT_TRUE(ParseRespDouble("1.5", &d));
  EXPECT_EQ(d, 1.5);
  EXPECT_TRUE(ParseRespDouble("-inf", &d));
  EXPECT_EQ(d, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(ParseRespDouble("nan", &d));
  EXPECT_TRUE(std::isnan(d));
  EXPECT_TRUE(ParseRespDouble("1E-2", &d));
  EXPECT_EQ(d, 0.01);
  EXPECT_FALSE(ParseRespDouble("1,5", &d));
  EXPECT_FALSE(ParseRespDouble("--1", &d));
  EXPECT_FALSE(ParseRespDouble("INF", &d));
  EXPECT_FALSE(ParseRespDouble(".", &d));
}

TEST(InputBuffer, GrowsKeepsDataAndDiscardsPrefix) {
  InputBuffer b;
  std::string all;
  for (int i = 0; i < 1000; ++i) {
    std::string piece = std::to_string(i) + ",";
    std::memcpy(b.PrepareAppend(piece.size()), piece.data(), piece.size());
    b.CommitAppend(piece.size());
    all += piece;
  }
  EXPECT_EQ(std::string(b.data(), b.size()), all);
  b.DiscardPrefix(10);
  EXPECT_EQ(std::string(b.data(), b.size()), all.substr(10));
  b.Clear(0);
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.capacity(), 0u);
}

TEST(InputBuffer, SoftLimitCapsDoubling) {
  InputBuffer b;
  b.PrepareAppend(4096);
  b.CommitAppend(4096);
  b.PrepareAppend(1, 5000);
  EXPECT_EQ(b.capacity(), 5000u);
}

}  // namespace
}  // namespace embedis::resp::internal
