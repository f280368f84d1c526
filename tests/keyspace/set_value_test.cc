#include "lib/keyspace/set_value.h"

#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace embedis {
namespace {

std::set<std::string> All(const SetValue& s) {
  std::set<std::string> out;
  s.ForEach([&](std::string_view m) { EXPECT_TRUE(out.emplace(m).second) << "twice: " << m; });
  return out;
}

TEST(SetValue, IntegersStayAnIntsetInAscendingOrder) {
  SetValue s;
  for (const char* m : {"5", "-3", "0", "9223372036854775807", "-9223372036854775808", "5"}) {
    s.Add(m);
  }
  EXPECT_EQ(s.encoding(), "intset");
  EXPECT_EQ(s.size(), 5u);
  std::vector<std::string> order;
  s.ForEach([&](std::string_view m) { order.emplace_back(m); });
  EXPECT_EQ(order, (std::vector<std::string>{"-9223372036854775808", "-3", "0", "5",
                                             "9223372036854775807"}));
  EXPECT_TRUE(s.Contains("-3"));
  EXPECT_FALSE(s.Contains("-03"));
  EXPECT_FALSE(s.Contains("x"));
}

TEST(SetValue, NonCanonicalIntegersAreStrings) {
  for (const char* m : {"01", "+1", "-0", " 1", "1 ", "9223372036854775808", "", "1.0"}) {
    SetValue s;
    s.Add("1");
    EXPECT_TRUE(s.Add(m)) << m;
    EXPECT_EQ(s.encoding(), "hashtable") << m;
    EXPECT_EQ(s.size(), 2u) << m;
    EXPECT_TRUE(s.Contains(m));
  }
}

TEST(SetValue, ConvertsPastTheIntsetLimitAndNeverBack) {
  SetValue s(SetValue::Limits{.max_intset_entries = 4});
  for (int i = 0; i < 4; ++i) s.Add(absl::StrCat(i));
  EXPECT_EQ(s.encoding(), "intset");
  s.Add("4");
  EXPECT_EQ(s.encoding(), "hashtable");
  for (int i = 0; i < 4; ++i) s.Remove(absl::StrCat(i));
  EXPECT_EQ(s.encoding(), "hashtable");
  EXPECT_EQ(All(s), (std::set<std::string>{"4"}));
  SetValue copy(s);
  EXPECT_EQ(copy.encoding(), "hashtable");
  EXPECT_EQ(All(copy), All(s));
}

TEST(SetValue, MutationsCountOnlyChanges) {
  SetValue s;
  const uint32_t m0 = s.mutations();
  s.Add("a");
  EXPECT_NE(s.mutations(), m0);
  const uint32_t m1 = s.mutations();
  EXPECT_FALSE(s.Add("a"));
  EXPECT_FALSE(s.Remove("b"));
  EXPECT_EQ(s.mutations(), m1);
}

// Random operations on SetValue and on std::set, compared after every step, across both
// encodings and the conversion.
TEST(SetValue, ModelTest) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    std::mt19937 rng(seed);
    absl::InsecureBitGen gen;
    SetValue s(SetValue::Limits{.max_intset_entries = 16 + seed});
    std::set<std::string> model;
    for (int step = 0; step < 3000; ++step) {
      std::string m = rng() % 10 == 0 ? absl::StrCat("s", rng() % 50)
                                      : absl::StrCat(static_cast<int>(rng() % 60) - 30);
      switch (rng() % 5) {
        case 0:
        case 1:
          ASSERT_EQ(s.Add(m), model.insert(m).second) << step;
          break;
        case 2:
          ASSERT_EQ(s.Remove(m), model.erase(m) == 1) << step;
          break;
        case 3:
          ASSERT_EQ(s.Contains(m), model.count(m) == 1) << step;
          break;
        default:
          if (!model.empty()) {
            std::string popped = s.PopRandom(gen);
            ASSERT_EQ(model.erase(popped), 1u) << popped;
          }
      }
      ASSERT_EQ(s.size(), model.size());
      ASSERT_EQ(s.CheckInvariants(), "");
      if (step % 100 == 0) {
        ASSERT_EQ(All(s), model);
      }
    }
  }
}

TEST(SetValue, RandomMembers) {
  absl::InsecureBitGen gen;
  for (bool ints : {true, false}) {
    SetValue s;
    for (int i = 0; i < 50; ++i) s.Add(ints ? absl::StrCat(i) : absl::StrCat("m", i));
    const std::set<std::string> all = All(s);
    std::vector<std::string> got;
    s.RandomMembers(10, true, gen, [&](std::string_view m) { got.emplace_back(m); });
    EXPECT_EQ(got.size(), 10u);
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), 10u);  // distinct
    for (const auto& m : got) EXPECT_TRUE(all.count(m));
    got.clear();
    s.RandomMembers(100, true, gen, [&](std::string_view m) { got.emplace_back(m); });
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), all);
    got.clear();
    s.RandomMembers(200, false, gen, [&](std::string_view m) { got.emplace_back(m); });
    EXPECT_EQ(got.size(), 200u);
    // 200 independent picks out of 50 repeat some member.
    EXPECT_LT(std::set<std::string>(got.begin(), got.end()).size(), 200u);
    for (const auto& m : got) EXPECT_TRUE(all.count(m));
  }
}

// SSCAN's guarantee: a member present for the whole iteration is returned at least once, even
// when the set grows and shrinks (the table resizes) between calls.
TEST(SetValue, ScanReturnsEveryMemberPresentThroughoutDespiteResizes) {
  for (int round = 0; round < 3; ++round) {
    SetValue s;
    std::set<std::string> stable;
    for (int i = 0; i < 1000; ++i) {
      s.Add(absl::StrCat("stable", i));
      stable.insert(absl::StrCat("stable", i));
    }
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int calls = 0;
    int churn = 0;
    do {
      cursor = s.Scan(cursor, 10, [&](std::string_view m) { seen.emplace(m); });
      // Grow a lot, then shrink, between calls.
      if (calls % 3 == round) {
        for (int i = 0; i < 2000; ++i) s.Add(absl::StrCat("churn", churn++));
      } else {
        for (int i = churn - 2000; i < churn; ++i) s.Remove(absl::StrCat("churn", i));
      }
      ASSERT_LT(++calls, 100000);
    } while (cursor != 0);
    for (const std::string& m : stable) ASSERT_TRUE(seen.count(m)) << m;
  }
}

TEST(SetValue, AnIntsetScansInOneCall) {
  SetValue s;
  for (int i = 0; i < 100; ++i) s.Add(absl::StrCat(i));
  int n = 0;
  EXPECT_EQ(s.Scan(0, 1, [&](std::string_view) { ++n; }), 0u);
  EXPECT_EQ(n, 100);
}

TEST(SetValue, FootprintGrowsWithMembers) {
  SetValue small, big;
  small.Add("1");
  for (int i = 0; i < 400; ++i) big.Add(absl::StrCat(i));
  EXPECT_GT(big.FootprintBytes(), small.FootprintBytes() + 400 * 7);
  SetValue table;
  for (int i = 0; i < 400; ++i) table.Add(absl::StrCat("member", i));
  EXPECT_GT(table.FootprintBytes(), big.FootprintBytes());
}

// The hash table keeps each member's length as a varint before its bytes: members of every length
// class (empty, 1-byte, 2-byte and 3-byte lengths, binary bytes) round-trip through every path.
TEST(SetValue, MembersOfEveryLengthRoundTrip) {
  std::vector<std::string> members = {"", "x", std::string(1, '\0'), std::string("a\0b", 3)};
  for (size_t len : {127, 128, 129, 16383, 16384, 70000}) {
    members.push_back(std::string(len, static_cast<char>('a' + len % 26)));
  }
  SetValue s;
  for (const std::string& m : members) EXPECT_TRUE(s.Add(m)) << m.size();
  for (const std::string& m : members) EXPECT_FALSE(s.Add(m)) << m.size();
  EXPECT_EQ(s.encoding(), "hashtable");
  EXPECT_EQ(s.size(), members.size());
  EXPECT_EQ(All(s), std::set<std::string>(members.begin(), members.end()));
  for (int i = 0; i < 2000; ++i) EXPECT_TRUE(s.Add(absl::StrCat("grow", i)));  // rehashes
  for (const std::string& m : members) EXPECT_TRUE(s.Contains(m)) << m.size();
  EXPECT_EQ(s.CheckInvariants(), "");
  const SetValue copy = s;
  EXPECT_EQ(All(copy), All(s));
  EXPECT_GE(s.FootprintBytes(), 70000u + 16384 + 16383);
  for (int i = 0; i < 2000; ++i) EXPECT_TRUE(s.Remove(absl::StrCat("grow", i)));  // shrinks
  EXPECT_EQ(s.CheckInvariants(), "");
  for (const std::string& m : members) EXPECT_TRUE(s.Remove(m)) << m.size();
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.CheckInvariants(), "");
}

}  // namespace
}  // namespace embedis
