// The sorted-set operations without RESP: typed results, Redis's error texts and codes, WATCH
// (only a write that changes a sorted set marks it), ranges and LIMIT, the STORE forms replacing
// any destination, score formatting, COPY, MEMORY USAGE and a snapshot round trip of both
// encodings.
#include "lib/commands/zset_ops.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/snapshot.h"
#include "lib/util/errors.h"

namespace embedis {
namespace {

using zset_ops::ScoredMember;
using Members = std::vector<ScoredMember>;
using Pairs = std::vector<std::pair<double, std::string_view>>;
constexpr double kInf = std::numeric_limits<double>::infinity();

std::string Encoding(Keyspace& ks, int db, std::string_view key) {
  std::string out;
  ks.Update(db, key, [&](KeyHandle& k) {
    if (k.exists()) out = std::string(k.object_encoding());
  });
  return out;
}

std::vector<std::string> Names(const absl::StatusOr<Members>& m) {
  EXPECT_TRUE(m.ok()) << m.status();
  std::vector<std::string> out;
  if (m.ok()) {
    for (const ScoredMember& s : *m) out.push_back(s.member);
  }
  return out;
}

TEST(ZSetOps, FormatsScoresAsRedis70) {
  EXPECT_EQ(zset_ops::FormatScore(1.1), "1.1000000000000001");
  EXPECT_EQ(zset_ops::FormatScore(1.5), "1.5");
  EXPECT_EQ(zset_ops::FormatScore(1e17), "1e+17");
  EXPECT_EQ(zset_ops::FormatScore(-0.0), "-0");
  EXPECT_EQ(zset_ops::FormatScore(kInf), "inf");
  EXPECT_EQ(zset_ops::FormatScore(-kInf), "-inf");
  EXPECT_EQ(zset_ops::FormatListpackScore(1e17), "100000000000000000");
  EXPECT_EQ(zset_ops::FormatListpackScore(-0.0), "0");
  EXPECT_EQ(zset_ops::FormatListpackScore(5e18), "5e+18");
  EXPECT_EQ(zset_ops::FormatListpackScore(0.5), "0.5");
}

TEST(ZSetOps, AddOptionsAndErrors) {
  Keyspace ks({.shards = 4});
  using Opt = zset_ops::AddOptions;
  absl::StatusOr<zset_ops::AddResult> r = zset_ops::Add(ks, 0, "z", {}, Pairs{{1, "a"}, {2, "b"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->added, 2);
  r = zset_ops::Add(ks, 0, "z", {.condition = Opt::Condition::kXx}, Pairs{{5, "a"}, {1, "new"}});
  EXPECT_EQ(r->added, 0);
  EXPECT_EQ(r->updated, 1);
  r = zset_ops::Add(ks, 0, "z", {.comparison = Opt::Comparison::kGt, .incr = true},
                    Pairs{{-1, "a"}});
  EXPECT_FALSE(r->processed) << "GT refuses a lower score: ZADD replies null";
  r = zset_ops::Add(ks, 0, "z", {.incr = true}, Pairs{{0.5, "a"}});
  EXPECT_TRUE(r->processed);
  EXPECT_EQ(r->score, 5.5);
  ASSERT_TRUE(zset_ops::Add(ks, 0, "inf", {}, Pairs{{kInf, "i"}}).ok());
  absl::StatusOr<zset_ops::AddResult> nan =
      zset_ops::Add(ks, 0, "inf", {.incr = true}, Pairs{{-kInf, "i"}});
  EXPECT_EQ(nan.status().message(), errors::kScoreNaN);
  EXPECT_EQ(*zset_ops::Score(ks, 0, "inf", "i"), kInf);
  r = zset_ops::Add(ks, 0, "missing", {.condition = Opt::Condition::kXx}, Pairs{{1, "a"}});
  EXPECT_EQ(r->added, 0);
  EXPECT_FALSE(ks.Type(0, "missing").has_value());
  ASSERT_TRUE(ks.Set(0, "str", "v").ok());
  EXPECT_EQ(zset_ops::Card(ks, 0, "str").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(zset_ops::Add(ks, 0, "str", {}, Pairs{{1, "a"}}).status().message(),
            errors::kWrongType);
  EXPECT_EQ(*zset_ops::Rank(ks, 0, "z", "a", false), 1);
  EXPECT_EQ(*zset_ops::Rank(ks, 0, "z", "a", true), 0);
  EXPECT_EQ(*zset_ops::Rank(ks, 0, "z", "nope", false), std::nullopt);
  const std::string_view ab[] = {"a", "b", "x"};
  EXPECT_EQ(*zset_ops::Rem(ks, 0, "z", ab), 2);
  EXPECT_FALSE(ks.Type(0, "z").has_value()) << "an emptied sorted set is deleted";
}

TEST(ZSetOps, RangeParsingAsRedis) {
  EXPECT_TRUE(zset_ops::ParseScoreRange("", "(").ok()) << "strtod of \"\" is 0";
  EXPECT_TRUE(zset_ops::ParseScoreRange(" 1", "-inf").ok());
  EXPECT_EQ(zset_ops::ParseScoreRange("1 ", "2").status().message(), errors::kMinMaxNotFloat);
  EXPECT_EQ(zset_ops::ParseScoreRange("nan", "2").status().message(), errors::kMinMaxNotFloat);
  EXPECT_TRUE(zset_ops::ParseScoreRange(std::string("1\0x", 3), "2").ok());
  absl::StatusOr<zset_ops::ScoreRange> r = zset_ops::ParseScoreRange("(1.5", "+inf");
  EXPECT_TRUE(r->min_exclusive);
  EXPECT_EQ(r->min, 1.5);
  EXPECT_EQ(r->max, kInf);
  EXPECT_TRUE(zset_ops::ParseLexRange("-", "+").ok());
  EXPECT_TRUE(zset_ops::ParseLexRange("[a", "(b").ok());
  EXPECT_EQ(zset_ops::ParseLexRange("a", "+").status().message(), errors::kMinMaxNotLex);
  EXPECT_EQ(zset_ops::ParseLexRange("-x", "+").status().message(), errors::kMinMaxNotLex);
  EXPECT_EQ(zset_ops::ParseLexRange("", "+").status().message(), errors::kMinMaxNotLex);
}

TEST(ZSetOps, RangesLimitsAndRemovals) {
  for (bool skiplist : {false, true}) {
    Keyspace ks({.shards = 2});
    Pairs pairs = {{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}, {5, "e"}};
    std::vector<std::string> fill;
    if (skiplist) {
      for (int i = 0; i < 200; ++i) fill.push_back(absl::StrCat("z", i));
      for (const std::string& f : fill) pairs.push_back({100, f});
    }
    ASSERT_TRUE(zset_ops::Add(ks, 0, "z", {}, pairs).ok());
    EXPECT_EQ(Encoding(ks, 0, "z"), skiplist ? "skiplist" : "listpack");
    using zset_ops::RangeSpec;
    EXPECT_EQ(Names(zset_ops::Range(ks, 0, "z", RangeSpec::Rank(1, 2))),
              (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(Names(zset_ops::Range(ks, 0, "z", RangeSpec::Rank(-1000, 1))),
              (std::vector<std::string>{"a", "b"}));
    RangeSpec by_score = RangeSpec::Score(*zset_ops::ParseScoreRange("(1", "4"));
    EXPECT_EQ(Names(zset_ops::Range(ks, 0, "z", by_score)),
              (std::vector<std::string>{"b", "c", "d"}));
    by_score.offset = 1;
    by_score.limit = 1;
    EXPECT_EQ(Names(zset_ops::Range(ks, 0, "z", by_score)), (std::vector<std::string>{"c"}));
    RangeSpec rev = RangeSpec::Score(*zset_ops::ParseScoreRange("2", "(5"), /*reverse=*/true);
    rev.offset = 1;
    EXPECT_EQ(Names(zset_ops::Range(ks, 0, "z", rev)), (std::vector<std::string>{"c", "b"}));
    rev.offset = -1;
    EXPECT_TRUE(Names(zset_ops::Range(ks, 0, "z", rev)).empty()) << "a negative offset: nothing";
    EXPECT_EQ(*zset_ops::Count(ks, 0, "z", *zset_ops::ParseScoreRange("-inf", "(3")), 2);
    EXPECT_EQ(*zset_ops::Count(ks, 0, "z", *zset_ops::ParseScoreRange("3", "1")), 0);
    EXPECT_EQ(*zset_ops::RangeStore(ks, 0, "dst", "z", RangeSpec::Rank(0, 1)), 2);
    EXPECT_EQ(Encoding(ks, 0, "dst"), "listpack");
    EXPECT_EQ(*zset_ops::RemRange(ks, 0, "z", RangeSpec::Rank(0, 0)), 1);
    EXPECT_EQ(
        *zset_ops::RemRange(ks, 0, "z", RangeSpec::Score(*zset_ops::ParseScoreRange("(2", "4"))),
        2);
    EXPECT_EQ(Names(zset_ops::Pop(ks, 0, "z", /*max=*/false, 2)),
              (std::vector<std::string>{"b", "e"}));
    if (!skiplist) {
      EXPECT_FALSE(ks.Type(0, "z").has_value());
    }
  }
}

TEST(ZSetOps, CombiningTakesSetsAndWeights) {
  Keyspace ks({.shards = 4});
  ASSERT_TRUE(zset_ops::Add(ks, 0, "z", {}, Pairs{{1, "a"}, {2, "b"}, {kInf, "i"}}).ok());
  ks.Update(0, "s", [](KeyHandle& k) {
    SetValue& s = k.CreateSet();
    s.Add("b");
    s.Add("c");
    s.Add("i");
  });
  const std::string_view zs[] = {"z", "s"};
  zset_ops::CombineSpec spec;
  spec.weights = {2, 0};
  absl::StatusOr<Members> u = zset_ops::Combine(ks, 0, zs, spec);
  ASSERT_TRUE(u.ok()) << u.status();
  // c: 1 * 0; a: 2; b: 4 + 0; i: inf + (1 * 0).
  EXPECT_EQ(*u, (Members{{"c", 0}, {"a", 2}, {"b", 4}, {"i", kInf}}));
  spec = {};
  spec.op = zset_ops::SetOp::kInter;
  spec.aggregate = zset_ops::Aggregate::kMax;
  EXPECT_EQ(*zset_ops::Combine(ks, 0, zs, spec), (Members{{"b", 2}, {"i", kInf}}));
  spec.op = zset_ops::SetOp::kDiff;
  EXPECT_EQ(*zset_ops::Combine(ks, 0, zs, spec), (Members{{"a", 1}}));
  EXPECT_EQ(*zset_ops::InterCard(ks, 0, zs, 1), 1);
  ASSERT_TRUE(ks.Set(0, "str", "x").ok());
  const std::string_view bad[] = {"missing", "str"};
  EXPECT_EQ(zset_ops::CheckCombineTypes(ks, 0, bad).message(), errors::kWrongType);
  ASSERT_TRUE(ks.Expire(0, "str", ks.clock()->NowMs() + 100000));
  spec.op = zset_ops::SetOp::kUnion;
  EXPECT_EQ(*zset_ops::CombineStore(ks, 0, "str", zs, spec), 4);
  EXPECT_EQ(ks.Type(0, "str"), ValueType::kZSet);
  EXPECT_EQ(ks.PTtl(0, "str"), -1) << "a STORE destination loses its TTL";
  EXPECT_EQ(Encoding(ks, 0, "str"), "listpack");
}

TEST(ZSetOps, OnlyChangesMarkWatchers) {
  Keyspace ks({.shards = 2});
  ASSERT_TRUE(zset_ops::Add(ks, 0, "z", {}, Pairs{{1, "a"}}).ok());
  Watcher w;
  ks.Watch(0, "z", &w);
  ASSERT_TRUE(zset_ops::Add(ks, 0, "z", {}, Pairs{{1, "a"}}).ok());
  ASSERT_TRUE(zset_ops::Add(ks, 0, "z", {.incr = true}, Pairs{{0, "a"}}).ok());
  const std::string_view nope[] = {"nope"};
  EXPECT_EQ(*zset_ops::Rem(ks, 0, "z", nope), 0);
  EXPECT_EQ(*zset_ops::RemRange(ks, 0, "z", zset_ops::RangeSpec::Rank(5, 6)), 0);
  EXPECT_FALSE(w.dirty()) << "nothing changed";
  ASSERT_TRUE(zset_ops::Add(ks, 0, "z", {}, Pairs{{2, "a"}}).ok());
  EXPECT_TRUE(w.dirty());
  ks.Unwatch(0, "z", &w);
}

TEST(ZSetOps, RandomMembersAndScan) {
  Keyspace ks({.shards = 2});
  ASSERT_TRUE(zset_ops::Add(ks, 0, "z", {}, Pairs{{1, "a"}, {2, "b"}, {3, "c"}}).ok());
  EXPECT_EQ(Names(zset_ops::RandMembers(ks, 0, "z", 5)), (std::vector<std::string>{"c", "b", "a"}));
  EXPECT_EQ(zset_ops::RandMembers(ks, 0, "z", 2)->size(), 2u);
  EXPECT_EQ(zset_ops::RandMembers(ks, 0, "z", -7)->size(), 7u);
  EXPECT_EQ(
      zset_ops::RandMembers(ks, 0, "z", -std::numeric_limits<int64_t>::max()).status().message(),
      errors::kRandomReplyTooLarge);
  EXPECT_TRUE(zset_ops::RandMembers(ks, 0, "missing", 3)->empty());
  absl::StatusOr<zset_ops::ScanPage> page = zset_ops::Scan(ks, 0, "z", 0, 10, "[ab]");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->cursor, 0u);
  EXPECT_EQ(page->entries,
            (std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "2"}}));
}

TEST(ZSetOps, CopyMemoryUsageAndSnapshots) {
  Keyspace ks({.shards = 4, .databases = 2});
  std::vector<std::string> members;
  Pairs pairs;
  for (int i = 0; i < 2000; ++i) members.push_back(absl::StrCat("m", i));
  for (int i = 0; i < 2000; ++i) pairs.push_back({i * 0.5, members[i]});
  ASSERT_TRUE(zset_ops::Add(ks, 0, "big", {}, pairs).ok());
  ASSERT_TRUE(zset_ops::Add(ks, 1, "small", {}, Pairs{{-0.0, "z"}, {1.1, "y"}, {kInf, "x"}}).ok());
  ASSERT_TRUE(ks.Expire(1, "small", ks.clock()->NowMs() + 3'600'000));
  ASSERT_TRUE(ks.Copy(0, "big", 1, "big2", false));
  EXPECT_EQ(*zset_ops::Card(ks, 1, "big2"), 2000);
  EXPECT_EQ(Encoding(ks, 1, "big2"), "skiplist");
  EXPECT_GT(*ks.MemoryUsage(0, "big"), 2000u * 16);
  EXPECT_LT(*ks.MemoryUsage(1, "small"), *ks.MemoryUsage(0, "big"));

  const std::string path =
      absl::StrCat(::testing::TempDir(), "/zset_snapshot_", getpid(), ".embedis");
  ASSERT_TRUE(WriteSnapshot(ks, path).ok());
  Keyspace loaded({.shards = 8, .databases = 2});
  absl::StatusOr<SnapshotLoadStats> stats = LoadSnapshot(path, &loaded);
  std::remove(path.c_str());
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->loaded, 3u);
  EXPECT_EQ(stats->format_version, kSnapshotFormatVersion);
  using zset_ops::RangeSpec;
  EXPECT_EQ(*zset_ops::Range(loaded, 0, "big", RangeSpec::Rank(0, -1)),
            *zset_ops::Range(ks, 0, "big", RangeSpec::Rank(0, -1)));
  EXPECT_EQ(*zset_ops::Range(loaded, 1, "small", RangeSpec::Rank(0, -1)),
            (Members{{"z", 0}, {"y", 1.1}, {"x", kInf}}));
  EXPECT_EQ(Encoding(loaded, 1, "small"), "listpack");
  EXPECT_EQ(Encoding(loaded, 0, "big"), "skiplist");
  EXPECT_GT(loaded.PTtl(1, "small"), 0);
}

}  // namespace
}  // namespace embedis
