// ZSetBTree (lib/keyspace/zset_btree.h) against a std::set model, at sizes that split and merge
// every level of the tree (tens of thousands of members with leaves of 30 and inner nodes of 16),
// and shrinking back to nothing so that the root collapses. zset_value_test covers the sorted set
// as a whole (both encodings, through ZSetValue).
#include "lib/keyspace/zset_btree.h"

#include <cmath>
#include <iterator>
#include <limits>
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
using Model = ZSetModel;

Entries All(const ZSetBTree& t) {
  Entries out;
  t.ForRange(0, t.size(), false, [&](std::string_view m, double s) { out.emplace_back(m, s); });
  return out;
}

// Checks everything against the model: invariants, order, Rank/At of a sample, ScoreRank,
// LexRank of the bounds' members, ranges both ways.
void CheckAgainst(const ZSetBTree& t, const Model& model, std::mt19937_64& rng, int samples) {
  ASSERT_EQ(t.CheckInvariants(), "");
  const Entries all = model.All();
  ASSERT_EQ(t.size(), all.size());
  ASSERT_EQ(All(t), all);
  if (all.empty()) return;
  for (int k = 0; k < samples; ++k) {
    const size_t r = rng() % all.size();
    ASSERT_EQ(t.Rank(all[r].first), r);
    auto [m, s] = t.At(r);
    ASSERT_EQ(m, all[r].first);
    ASSERT_EQ(s, all[r].second);
    const double bound = all[r].second;
    size_t below = 0, at_most = 0;
    while (below < all.size() && all[below].second < bound) ++below;
    at_most = below;
    while (at_most < all.size() && all[at_most].second <= bound) ++at_most;
    ASSERT_EQ(t.ScoreRank(bound, false), below);
    ASSERT_EQ(t.ScoreRank(bound, true), at_most);
    const size_t a = rng() % all.size();
    const size_t b = std::min(all.size(), a + rng() % 100);
    Entries fwd, rev, want(all.begin() + a, all.begin() + b);
    t.ForRange(a, b, false, [&](std::string_view mm, double ss) { fwd.emplace_back(mm, ss); });
    t.ForRange(a, b, true, [&](std::string_view mm, double ss) { rev.emplace_back(mm, ss); });
    ASSERT_EQ(fwd, want);
    std::reverse(want.begin(), want.end());
    ASSERT_EQ(rev, want);
  }
}

double RandScore(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0:
      return static_cast<double>(rng() % 5);  // long runs of equal scores
    case 1:
      return (rng() % 2) ? std::numeric_limits<double>::infinity()
                         : -std::numeric_limits<double>::infinity();
    case 2:
      return (rng() % 2) ? 0.0 : -0.0;
    default:
      return static_cast<double>(rng() % 100000) / 7;
  }
}

// Grows to `peak` members with inserts, moves and removals, then shrinks to nothing.
void RunModel(uint64_t seed, size_t peak, size_t check_every, int samples) {
  std::mt19937_64 rng(seed);
  ZSetBTree t;
  Model model;
  const size_t key_space = peak * 4;
  auto member = [&] {
    std::string m = absl::StrCat("m", rng() % key_space);
    if (rng() % 32 == 0) m.append(rng() % 80, 'x');
    return m;
  };
  size_t step = 0;
  auto run = [&](bool grow) {
    const int op = rng() % 20;
    if (op < (grow ? 12 : 4)) {
      const std::string m = member();
      const double s = RandScore(rng);
      const bool added = model.Insert(m, s);
      ASSERT_EQ(t.Insert(m, s) == ZSetBTree::InsertResult::kAdded, added) << step;
    } else if (op < 16) {
      const std::string m = member();
      ASSERT_EQ(t.Remove(m), model.Remove(m)) << step;
    } else if (op < 19 && !model.scores.empty()) {
      // A small step of an existing member's score (ZINCRBY): usually in place.
      auto it = model.scores.lower_bound(member());
      if (it == model.scores.end()) it = model.scores.begin();
      const std::string m = it->first;
      const double s = it->second + static_cast<double>(static_cast<int>(rng() % 5) - 2) / 4;
      ASSERT_EQ(t.Insert(m, s) == ZSetBTree::InsertResult::kAdded, model.Insert(m, s)) << step;
      ASSERT_EQ(t.Score(m), s);
    } else if (!model.scores.empty()) {
      // Near either end, so that finding the range in the model stays cheap.
      const size_t n = model.order.size();
      const size_t len = std::min(n, rng() % (grow ? 8 : 200));
      const size_t near = rng() % (std::min<size_t>(n - len, 1000) + 1);
      const size_t a = rng() % 2 ? near : n - len - near;
      const size_t stop = a + len;
      std::vector<std::string> victims;
      auto it = a <= n / 2 ? std::next(model.order.begin(), static_cast<long>(a))
                           : std::prev(model.order.end(), static_cast<long>(n - a));
      for (size_t i = a; i < stop; ++i, ++it) victims.push_back(it->second);
      t.RemoveRange(a, stop);
      for (const std::string& m : victims) model.Remove(m);
    }
    ASSERT_EQ(t.size(), model.scores.size()) << step;
    if (++step % check_every == 0) CheckAgainst(t, model, rng, samples);
  };
  while (model.scores.size() < peak) {
    run(true);
    if (testing::Test::HasFatalFailure()) return;
  }
  CheckAgainst(t, model, rng, 200);
  while (!model.scores.empty()) {
    run(false);
    if (testing::Test::HasFatalFailure()) return;
  }
  CheckAgainst(t, model, rng, 200);
  EXPECT_EQ(t.size(), 0u);
}

TEST(ZSetBTree, ModelSmall) { RunModel(1, 300, 1, 10); }
TEST(ZSetBTree, ModelSplitsAndMergesEveryLevel) { RunModel(2, 30000, 5000, 200); }

TEST(ZSetBTree, InOrderLoadFillsNodes) {
  ZSetBTree t;
  for (int i = 0; i < 100000; ++i) t.Insert(absl::StrCat("m", i), i);
  ASSERT_EQ(t.CheckInvariants(), "");
  // In-order loads split 3/4 + 1/4 at the end: well under the 2x of half-full nodes.
  const size_t tree_bytes = t.FootprintBytes();
  ZSetBTree copy(t);
  ASSERT_EQ(copy.CheckInvariants(), "");
  EXPECT_EQ(copy.FootprintBytes(), tree_bytes);
  EXPECT_EQ(All(copy), All(t));
  // Removing every other member from the front merges nodes down again.
  for (int i = 0; i < 100000; i += 2) ASSERT_TRUE(t.Remove(absl::StrCat("m", i)));
  ASSERT_EQ(t.CheckInvariants(), "");
  EXPECT_LT(t.FootprintBytes(), tree_bytes);
  t.RemoveRange(0, t.size());
  ASSERT_EQ(t.CheckInvariants(), "");
  EXPECT_EQ(t.size(), 0u);
}

TEST(ZSetBTree, EqualScoresOrderByMemberBytes) {
  ZSetBTree t;
  // -0 and +0 are equal scores: the members' unsigned bytes decide.
  t.Insert("b", 0.0);
  t.Insert("a", -0.0);
  t.Insert("\xff", 0.0);
  t.Insert("", 0.0);
  for (int i = 0; i < 1000; ++i) t.Insert(absl::StrCat("z", i), 0.0);
  ASSERT_EQ(t.CheckInvariants(), "");
  EXPECT_EQ(t.Rank(""), 0u);
  EXPECT_EQ(t.Rank("a"), 1u);
  EXPECT_EQ(t.Rank("b"), 2u);
  EXPECT_EQ(t.Rank("\xff"), t.size() - 1);
  EXPECT_EQ(t.LexRank("b", false), 2u);
  EXPECT_EQ(t.LexRank("b", true), 3u);
  EXPECT_EQ(t.ScoreRank(0.0, false), 0u);
  EXPECT_EQ(t.ScoreRank(-0.0, true), t.size());
}

TEST(ZSetBTree, ScanVisitsEveryMemberAcrossResizes) {
  ZSetBTree t;
  for (int i = 0; i < 1000; ++i) t.Insert(absl::StrCat("m", i), i);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = t.Scan(cursor, 10, [&](std::string_view m, double) { seen.emplace(m); });
    if (++calls == 20) {
      for (int i = 1000; i < 3000; ++i) t.Insert(absl::StrCat("n", i), i);
    }
    if (calls == 60) {
      for (int i = 1000; i < 3000; ++i) t.Remove(absl::StrCat("n", i));
    }
  } while (cursor != 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.count(absl::StrCat("m", i))) << i;
}

}  // namespace
}  // namespace embedis
