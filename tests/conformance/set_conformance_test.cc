// Sets and sorted sets (BZPOPMIN/BZPOPMAX included) on every backend of store_conformance.h.
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/store/store.h"
#include "lib/util/status_matchers.h"
#include "tests/conformance/store_conformance.h"

namespace embedis::conformance {
namespace {

template <typename Backend>
class StoreSetConformance : public StoreConformance<Backend> {};
TYPED_TEST_SUITE_P(StoreSetConformance);

using ScorePairs = std::vector<std::pair<double, std::string_view>>;
using Scored = std::vector<StoreScoredMember>;

TYPED_TEST_P(StoreSetConformance, Sets) {
  Store& s = this->store();
  EXPECT_THAT(s.SAdd("s", Keys{"3", "1", "2", "1"}), IsOkAndHolds(3));
  EXPECT_THAT(s.SMembers("s"), IsOkAndHolds(ElementsAre("1", "2", "3")));  // an intset: ascending
  EXPECT_THAT(s.SAdd("s", Keys{"b", "a"}), IsOkAndHolds(2));
  EXPECT_THAT(s.SMembers("s"),
              IsOkAndHolds(::testing::UnorderedElementsAre("1", "2", "3", "a", "b")));
  EXPECT_THAT(s.SCard("s"), IsOkAndHolds(5));
  EXPECT_THAT(s.SIsMember("s", "a"), IsOkAndHolds(true));
  EXPECT_THAT(s.SIsMember("s", "z"), IsOkAndHolds(false));
  EXPECT_THAT(s.SRem("s", Keys{"a", "z", "1"}), IsOkAndHolds(2));
  EXPECT_THAT(s.SCard("missing"), IsOkAndHolds(0));
  EXPECT_THAT(s.SMembers("missing"), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(s.SIsMember("missing", "a"), IsOkAndHolds(false));
  EXPECT_THAT(s.SRem("s", Keys{"2", "3", "b"}), IsOkAndHolds(3));
  EXPECT_THAT(s.Exists(Keys{"s"}), IsOkAndHolds(0));  // the emptied set is deleted
  ASSERT_OK(s.Set("str", "v"));
  const auto kCode = absl::StatusCode::kFailedPrecondition;
  EXPECT_THAT(s.SAdd("str", Keys{"a"}), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.SRem("str", Keys{"a"}), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.SMembers("str"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.SIsMember("str", "a"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.SCard("str"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.SAdd("s", Keys{}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST_P(StoreSetConformance, SortedSets) {
  Store& s = this->store();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THAT(s.ZAdd("z", ScorePairs{{1.5, "a"}, {1.1, "b"}, {3, "c"}, {1.5, "a"}}),
              IsOkAndHolds(3));
  EXPECT_THAT(s.ZAdd("z", ScorePairs{{2, "a"}, {9, "new"}},
                     {.condition = StoreZAddOptions::Condition::kIfExists, .count_changed = true}),
              IsOkAndHolds(1));
  EXPECT_THAT(s.ZAdd("z", ScorePairs{{0, "c"}, {-inf, "d"}},
                     {.comparison = StoreZAddOptions::Comparison::kGreater}),
              IsOkAndHolds(1));
  EXPECT_THAT(s.ZAdd("z", ScorePairs{{1, "a"}},
                     {.condition = StoreZAddOptions::Condition::kIfMissing,
                      .comparison = StoreZAddOptions::Comparison::kLess}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "ERR GT, LT, and/or NX options at the same time are not compatible"));
  EXPECT_THAT(s.ZAdd("z", ScorePairs{}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s.ZScore("z", "b"), IsOkAndHolds(Optional(1.1)));
  EXPECT_THAT(s.ZScore("z", "d"), IsOkAndHolds(Optional(-inf)));
  EXPECT_THAT(s.ZScore("z", "zz"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.ZIncrBy("z", 0.5, "a"), IsOkAndHolds(2.5));
  EXPECT_THAT(s.ZIncrBy("z", inf, "d"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                 "ERR resulting score is not a number (NaN)"));
  EXPECT_THAT(s.ZCard("z"), IsOkAndHolds(4));
  // d -inf, b 1.1, a 2.5, c 3
  EXPECT_THAT(s.ZRank("z", "a"), IsOkAndHolds(Optional(2)));
  EXPECT_THAT(s.ZRank("z", "a", /*reverse=*/true), IsOkAndHolds(Optional(1)));
  EXPECT_THAT(s.ZRank("z", "zz"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.ZRange("z", "0", "-1"), IsOkAndHolds(ElementsAre("d", "b", "a", "c")));
  EXPECT_THAT(s.ZRange("z", "0", "1", {.reverse = true}), IsOkAndHolds(ElementsAre("c", "a")));
  EXPECT_THAT(s.ZRangeWithScores("z", "(1.1", "+inf", {.by = ZRangeBy::kScore}),
              IsOkAndHolds(ElementsAre(StoreScoredMember{"a", 2.5}, StoreScoredMember{"c", 3})));
  EXPECT_THAT(s.ZRangeWithScores("z", "-inf", "+inf",
                                 {.by = ZRangeBy::kScore, .reverse = true, .limit = {{1, 2}}}),
              IsOkAndHolds(ElementsAre(StoreScoredMember{"a", 2.5}, StoreScoredMember{"b", 1.1})));
  EXPECT_THAT(s.ZRange("z", "x", "1", {.by = ZRangeBy::kScore}),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR min or max is not a float"));
  ASSERT_THAT(s.ZAdd("lex", ScorePairs{{0, "a"}, {0, "b"}, {0, "c"}, {0, "d"}}), IsOkAndHolds(4));
  EXPECT_THAT(s.ZRange("lex", "[b", "+", {.by = ZRangeBy::kLex, .limit = {{0, 2}}}),
              IsOkAndHolds(ElementsAre("b", "c")));
  EXPECT_THAT(s.ZRange("lex", "-", "(c", {.by = ZRangeBy::kLex, .reverse = true}),
              IsOkAndHolds(ElementsAre("b", "a")));
  EXPECT_THAT(s.ZPopMin("z"), IsOkAndHolds(ElementsAre(StoreScoredMember{"d", -inf})));
  EXPECT_THAT(s.ZPopMax("z", 2),
              IsOkAndHolds(ElementsAre(StoreScoredMember{"c", 3}, StoreScoredMember{"a", 2.5})));
  EXPECT_THAT(s.ZPopMax("z", -1), StatusIs(absl::StatusCode::kInvalidArgument,
                                           "ERR value is out of range, must be positive"));
  EXPECT_THAT(s.ZPopMin("missing", 3), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(s.ZRem("z", Keys{"b", "zz"}), IsOkAndHolds(1));
  EXPECT_THAT(s.Exists(Keys{"z"}), IsOkAndHolds(0));  // the emptied sorted set is deleted
  ASSERT_OK(s.Set("str", "v"));
  const auto kCode = absl::StatusCode::kFailedPrecondition;
  EXPECT_THAT(s.ZAdd("str", ScorePairs{{1, "a"}}), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.ZScore("str", "a"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.ZRange("str", "0", "-1"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.ZPopMin("str"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.BZPopMin(Keys{"str"}, absl::Milliseconds(10)), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.Command({"TYPE", "lex"}), IsOkAndHolds(resp::Value::SimpleString("zset")));
}

TYPED_TEST_P(StoreSetConformance, BlockingZPopServesTimesOutAndWakes) {
  Store& s = this->store();
  ASSERT_THAT(s.ZAdd("z2", ScorePairs{{1, "a"}, {2, "b"}}), IsOkAndHolds(2));
  auto got = s.BZPopMax(Keys{"z1", "z2"}, absl::Seconds(1));
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->key, "z2");
  EXPECT_EQ((*got)->member, "b");
  EXPECT_EQ((*got)->score, 2);
  absl::Time start = absl::Now();
  EXPECT_THAT(s.BZPopMin(Keys{"z1"}, absl::Milliseconds(150)), IsOkAndHolds(std::nullopt));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(130));
  start = absl::Now();
  std::thread adder([&] {
    absl::SleepFor(absl::Milliseconds(150));
    EXPECT_THAT(s.ZAdd("z1", ScorePairs{{0.5, "x"}, {0.25, "y"}}), IsOkAndHolds(2));
  });
  got = s.BZPopMin(Keys{"z1"}, absl::Seconds(10));
  adder.join();
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->key, "z1");
  EXPECT_EQ((*got)->member, "y");
  EXPECT_EQ((*got)->score, 0.25);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(100));
  EXPECT_THAT(s.BZPopMin(Keys{"z1"}, -absl::Seconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR timeout is negative"));
}

REGISTER_TYPED_TEST_SUITE_P(StoreSetConformance, Sets, SortedSets,
                            BlockingZPopServesTimesOutAndWakes);
INSTANTIATE_TYPED_TEST_SUITE_P(Backends, StoreSetConformance, Backends, BackendNames);

}  // namespace
}  // namespace embedis::conformance
