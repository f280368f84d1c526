#include "lib/keyspace/zset_value.h"

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/keyspace/zset_model.h"

namespace embedis {
namespace {

using Entries = ZSetEntries;

Entries All(const ZSetValue& z) {
  Entries out;
  z.ForEach([&](std::string_view m, double s) { out.emplace_back(m, s); });
  return out;
}

using Model = ZSetModel;

TEST(ZSetValue, OrdersByScoreThenMemberBytes) {
  ZSetValue z;
  EXPECT_TRUE(z.Insert("b", 1));
  EXPECT_TRUE(z.Insert("a", 1));
  EXPECT_TRUE(z.Insert("\xff", 0.5));
  EXPECT_TRUE(z.Insert("c", -std::numeric_limits<double>::infinity()));
  EXPECT_TRUE(z.Insert("d", std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(z.Insert("b", 0.25));
  EXPECT_EQ(All(z), (Entries{{"c", -std::numeric_limits<double>::infinity()},
                             {"b", 0.25},
                             {"\xff", 0.5},
                             {"a", 1},
                             {"d", std::numeric_limits<double>::infinity()}}));
  EXPECT_EQ(z.encoding(), "listpack");
  EXPECT_EQ(z.Rank("a"), 3u);
  EXPECT_EQ(z.Rank("zz"), std::nullopt);
  EXPECT_EQ(z.Score("b"), 0.25);
  EXPECT_EQ(z.ScoreRank(0.5, false), 2u);
  EXPECT_EQ(z.ScoreRank(0.5, true), 3u);
}

TEST(ZSetValue, ScoresSurviveTheListpackCoding) {
  ZSetValue z;
  const std::vector<double> scores = {0.0,
                                      -0.0,
                                      1,
                                      -1,
                                      1.5,
                                      9007199254740991.0,
                                      9007199254740992.0,
                                      -9007199254740993.0,
                                      1e300,
                                      -1e-300,
                                      std::numeric_limits<double>::infinity(),
                                      -std::numeric_limits<double>::infinity()};
  for (size_t i = 0; i < scores.size(); ++i) z.Insert(absl::StrCat("m", i), scores[i]);
  for (size_t i = 0; i < scores.size(); ++i) {
    auto s = z.Score(absl::StrCat("m", i));
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(*s, scores[i]);
    // A listpack keeps an integral score as an integer: -0 reads back as 0, as in Redis.
    EXPECT_EQ(std::signbit(*s), std::signbit(scores[i]) && scores[i] != 0) << i;
  }
  EXPECT_EQ(z.CheckInvariants(), "");
  ZSetValue skip({.max_listpack_entries = 0});
  skip.Insert("z", -0.0);
  EXPECT_TRUE(std::signbit(*skip.Score("z")));  // a skiplist keeps -0, as Redis's
}

TEST(ZSetValue, ConvertsPastEitherLimitAndBackOnlyWhenAsked) {
  ZSetValue z(ZSetValue::Limits{.max_listpack_entries = 4, .max_listpack_value = 8});
  for (int i = 0; i < 4; ++i) z.Insert(absl::StrCat(i), i);
  EXPECT_EQ(z.encoding(), "listpack");
  z.Insert("4", 4);
  EXPECT_EQ(z.encoding(), "skiplist");
  EXPECT_EQ(z.CheckInvariants(), "");
  z.Remove("4");
  EXPECT_EQ(z.encoding(), "skiplist");
  z.ConvertToListpackIfFits();
  EXPECT_EQ(z.encoding(), "listpack");
  EXPECT_EQ(All(z), (Entries{{"0", 0}, {"1", 1}, {"2", 2}, {"3", 3}}));
  ZSetValue w(ZSetValue::Limits{.max_listpack_entries = 4, .max_listpack_value = 8});
  w.Insert("12345678", 1);
  EXPECT_EQ(w.encoding(), "listpack");
  w.Insert("123456789", 1);
  EXPECT_EQ(w.encoding(), "skiplist");
  w.ConvertToListpackIfFits();
  EXPECT_EQ(w.encoding(), "skiplist");
  // An update of a present member never converts.
  ZSetValue u(ZSetValue::Limits{.max_listpack_entries = 1, .max_listpack_value = 8});
  u.Insert("a", 1);
  u.Insert("a", 2);
  EXPECT_EQ(u.encoding(), "listpack");
  ZSetValue copy(w);
  EXPECT_EQ(copy.encoding(), "skiplist");
  EXPECT_EQ(All(copy), All(w));
}

TEST(ZSetValue, MutationsCountOnlyChanges) {
  ZSetValue z;
  z.Insert("a", 1);
  const uint32_t m = z.mutations();
  z.Insert("a", 1);
  z.Insert("a", -0.0 + 1);
  z.Remove("b");
  EXPECT_EQ(z.mutations(), m);
  z.Insert("a", 2);
  EXPECT_NE(z.mutations(), m);
}

// Random inserts, updates, deletes and rank/range queries on both encodings, compared with the
// model after every step.
void RunModel(ZSetValue::Limits limits, uint32_t seed, int steps, int key_space) {
  std::mt19937_64 rng(seed);
  ZSetValue z(limits);
  Model model;
  auto rand_member = [&] {
    std::string m = absl::StrCat("m", rng() % key_space);
    if (rng() % 16 == 0) m.append(rng() % 80, 'x');
    return m;
  };
  auto rand_score = [&]() -> double {
    switch (rng() % 5) {
      case 0:
        return static_cast<double>(rng() % 7);  // many ties
      case 1:
        return static_cast<double>(static_cast<int64_t>(rng())) / 1e3;
      case 2:
        return (rng() % 2) ? std::numeric_limits<double>::infinity()
                           : -std::numeric_limits<double>::infinity();
      default:
        return static_cast<double>(rng() % 1000) / 8;
    }
  };
  for (int step = 0; step < steps; ++step) {
    const int op = rng() % 10;
    if (op < 5) {
      const std::string m = rand_member();
      const double s = rand_score();
      ASSERT_EQ(z.Insert(m, s), model.Insert(m, s)) << step;
    } else if (op < 8) {
      const std::string m = rand_member();
      ASSERT_EQ(z.Remove(m), model.Remove(m)) << step;
    } else if (op == 8 && !model.scores.empty()) {
      // Remove a rank range.
      const size_t a = rng() % model.order.size();
      const size_t b = a + rng() % 4;
      const size_t stop = std::min(b, model.order.size());
      z.RemoveRange(a, stop);
      Entries all = model.All();
      for (size_t i = a; i < stop; ++i) model.Remove(all[i].first);
    } else if (op == 9 && !model.scores.empty()) {
      // A small step of an existing member's score (ZINCRBY): it usually stays between its
      // neighbours, the skiplist's in-place update; sometimes it passes one.
      auto it = model.scores.begin();
      std::advance(it, rng() % model.scores.size());
      const std::string m = it->first;
      const double s = it->second + static_cast<double>(static_cast<int>(rng() % 5) - 2) / 4;
      ASSERT_EQ(z.Insert(m, s), model.Insert(m, s)) << step;
    }
    ASSERT_EQ(z.size(), model.scores.size()) << step;
    if (step % 7 == 0 || steps < 3000) {
      ASSERT_EQ(z.CheckInvariants(), "") << step;
      ASSERT_EQ(All(z), model.All()) << step;
    }
    // Queries.
    const Entries all = model.All();
    const std::string m = rand_member();
    auto it = model.scores.find(m);
    ASSERT_EQ(z.Score(m),
              it == model.scores.end() ? std::nullopt : std::optional<double>(it->second));
    if (it != model.scores.end()) {
      size_t r = std::distance(model.order.begin(), model.order.find({it->second, m}));
      ASSERT_EQ(z.Rank(m), r) << step;
    } else {
      ASSERT_EQ(z.Rank(m), std::nullopt);
    }
    const double s = rand_score();
    size_t below = 0, at_most = 0;
    for (const auto& [mm, ss] : all) {
      below += ss < s;
      at_most += ss <= s;
    }
    ASSERT_EQ(z.ScoreRank(s, false), below) << step;
    ASSERT_EQ(z.ScoreRank(s, true), at_most) << step;
    if (!all.empty()) {
      const size_t r = rng() % all.size();
      auto [am, as] = z.At(r);
      ASSERT_EQ(std::string(am), all[r].first);
      ASSERT_EQ(as, all[r].second);
      const size_t a = rng() % all.size();
      const size_t b = a + rng() % (all.size() - a + 1);
      Entries got, want(all.begin() + a, all.begin() + b), rev;
      z.ForRange(a, b, false, [&](std::string_view mm, double ss) { got.emplace_back(mm, ss); });
      ASSERT_EQ(got, want);
      z.ForRange(a, b, true, [&](std::string_view mm, double ss) { rev.emplace_back(mm, ss); });
      std::reverse(want.begin(), want.end());
      ASSERT_EQ(rev, want);
    }
  }
}

TEST(ZSetValue, ModelListpack) {
  RunModel({.max_listpack_entries = 1000, .max_listpack_value = 1000}, 1, 3000, 60);
}
TEST(ZSetValue, ModelSkiplist) {
  RunModel({.max_listpack_entries = 0, .max_listpack_value = 0}, 2, 20000, 500);
}
TEST(ZSetValue, ModelBothEncodings) { RunModel({}, 3, 20000, 200); }
// Thousands of members: the large encoding's tree splits and merges nodes on several levels
// (zset_btree_test goes further).
TEST(ZSetValue, ModelLargeEncodingSplitsAndMerges) {
  RunModel({.max_listpack_entries = 0, .max_listpack_value = 0}, 4, 3000, 6000);
}

TEST(ZSetValue, LexRankOnEqualScores) {
  for (ZSetValue::Limits limits :
       {ZSetValue::Limits{}, ZSetValue::Limits{.max_listpack_entries = 0}}) {
    ZSetValue z(limits);
    for (const char* m : {"a", "b", "bb", "c", "d"}) z.Insert(m, 0);
    EXPECT_EQ(z.LexRank("b", false), 1u);
    EXPECT_EQ(z.LexRank("b", true), 2u);
    EXPECT_EQ(z.LexRank("bc", false), 3u);
    EXPECT_EQ(z.LexRank("zz", true), 5u);
  }
}

TEST(ZSetValue, ScanVisitsEveryMemberAcrossResizes) {
  ZSetValue z({.max_listpack_entries = 0});
  for (int i = 0; i < 1000; ++i) z.Insert(absl::StrCat("m", i), i);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = z.Scan(cursor, 10, [&](std::string_view m, double) { seen.emplace(m); });
    if (++calls == 20) {
      for (int i = 1000; i < 3000; ++i) z.Insert(absl::StrCat("n", i), i);  // grow
    }
    if (calls == 60) {
      for (int i = 1000; i < 3000; ++i) z.Remove(absl::StrCat("n", i));  // shrink
    }
  } while (cursor != 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.count(absl::StrCat("m", i))) << i;
}

}  // namespace
}  // namespace embedis
