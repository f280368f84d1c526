#include "lib/keyspace/hash_value.h"

#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace embedis {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;
using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs All(const HashValue& h) {
  Pairs out;
  h.ForEach([&](std::string_view f, std::string_view v) { out.emplace_back(f, v); });
  return out;
}

std::vector<std::string> Fields(const HashValue& h) {
  std::vector<std::string> out;
  h.ForEach([&](std::string_view f, std::string_view) { out.emplace_back(f); });
  return out;
}

HashValue BigHash(int n) {
  HashValue h;
  for (int i = 0; i < n; ++i) h.Set(absl::StrCat("f", i), absl::StrCat(i));
  return h;
}

TEST(HashValue, FindSetEraseBasics) {
  HashValue h;
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.Find("a"), nullptr);
  EXPECT_TRUE(h.Set("a", "1"));
  EXPECT_FALSE(h.Set("a", "2"));
  ASSERT_NE(h.Find("a"), nullptr);
  EXPECT_EQ(*h.Find("a"), "2");
  EXPECT_FALSE(h.SetIfAbsent("a", "3"));
  EXPECT_TRUE(h.SetIfAbsent("b", "3"));
  EXPECT_EQ(h.size(), 2u);
  EXPECT_TRUE(h.Erase("a"));
  EXPECT_FALSE(h.Erase("a"));
  EXPECT_EQ(h.size(), 1u);
  EXPECT_TRUE(h.Contains("b"));
  EXPECT_TRUE(h.Set("", ""));  // empty field and value are fine
  EXPECT_EQ(*h.Find(""), "");
}

TEST(HashValue, ListpackKeepsInsertionOrderAsRedis) {
  HashValue h;
  for (const char* f : {"a", "b", "c", "d", "e"}) h.Set(f, "1");
  h.Set("b", "x");  // overwrite: same position
  h.Erase("c");     // delete: gap closes
  h.Set("c", "y");  // re-added at the end
  EXPECT_THAT(All(h), ElementsAre(std::pair<std::string, std::string>("a", "1"),
                                  std::pair<std::string, std::string>("b", "x"),
                                  std::pair<std::string, std::string>("d", "1"),
                                  std::pair<std::string, std::string>("e", "1"),
                                  std::pair<std::string, std::string>("c", "y")));
  EXPECT_EQ(h.encoding(), "listpack");
}

TEST(HashValue, ConvertsAfter512EntriesAndNeverBack) {
  HashValue h = BigHash(512);
  EXPECT_EQ(h.encoding(), "listpack");
  EXPECT_EQ(Fields(h).front(), "f0");
  EXPECT_EQ(Fields(h).back(), "f511");
  h.Set("f0", "overwrite");  // no new entry: still a listpack
  EXPECT_EQ(h.encoding(), "listpack");
  h.Set("f512", "x");
  EXPECT_EQ(h.encoding(), "hashtable");
  EXPECT_EQ(h.size(), 513u);
  for (int i = 0; i < 513; ++i) {
    ASSERT_NE(h.Find(absl::StrCat("f", i)), nullptr) << i;
  }
  for (int i = 0; i < 512; ++i) h.Erase(absl::StrCat("f", i));
  EXPECT_EQ(h.encoding(), "hashtable");
  EXPECT_THAT(All(h), ElementsAre(std::pair<std::string, std::string>("f512", "x")));
}

TEST(HashValue, ConvertsOnLongFieldOrValue) {
  HashValue h;
  h.Set("a", std::string(64, 'v'));  // 64 bytes is still small
  h.Set(std::string(64, 'f'), "v");
  EXPECT_EQ(h.encoding(), "listpack");
  h.Set("a", std::string(65, 'v'));  // an overwrite converts too
  EXPECT_EQ(h.encoding(), "hashtable");
  EXPECT_EQ(*h.Find("a"), std::string(65, 'v'));

  HashValue g;
  g.Set(std::string(65, 'f'), "v");
  EXPECT_EQ(g.encoding(), "hashtable");
}

TEST(HashValue, SetIfAbsentOnExistingFieldDoesNotConvert) {
  // Redis 7.0: HSETNX h existing <long value> answers 0 and leaves a listpack.
  HashValue h;
  h.Set("f", "1");
  EXPECT_FALSE(h.SetIfAbsent("f", std::string(100, 'x')));
  EXPECT_EQ(h.encoding(), "listpack");
  EXPECT_TRUE(h.SetIfAbsent("g", std::string(100, 'x')));
  EXPECT_EQ(h.encoding(), "hashtable");
}

TEST(HashValue, CustomLimits) {
  HashValue h({.max_listpack_entries = 2, .max_listpack_value = 3});
  h.Set("a", "abc");
  h.Set("b", "1");
  EXPECT_EQ(h.encoding(), "listpack");
  h.Set("c", "1");
  EXPECT_EQ(h.encoding(), "hashtable");
  HashValue g({.max_listpack_entries = 2, .max_listpack_value = 3});
  g.Set("a", "abcd");
  EXPECT_EQ(g.encoding(), "hashtable");
}

TEST(HashValue, HashtableMatchesAModelUnderRandomOperations) {
  std::mt19937_64 rng(7);
  HashValue h;
  std::map<std::string, std::string> model;
  for (int step = 0; step < 50000; ++step) {
    // Few distinct fields early and many later, so the table grows and shrinks repeatedly.
    const int range = (step / 5000) % 2 == 0 ? 3000 : 60;
    std::string f = absl::StrCat("field:", rng() % range);
    switch (rng() % 4) {
      case 0:
      case 1: {
        std::string v = absl::StrCat(rng());
        EXPECT_EQ(h.Set(f, v), model.count(f) == 0);
        model[f] = v;
        break;
      }
      case 2:
        EXPECT_EQ(h.Erase(f), model.erase(f) == 1);
        break;
      case 3: {
        const std::string* v = h.Find(f);
        auto it = model.find(f);
        ASSERT_EQ(v != nullptr, it != model.end());
        if (v != nullptr) EXPECT_EQ(*v, it->second);
        break;
      }
    }
    ASSERT_EQ(h.size(), model.size());
  }
  EXPECT_EQ(h.encoding(), "hashtable");
  Pairs expected(model.begin(), model.end());
  EXPECT_THAT(All(h), UnorderedElementsAreArray(expected));
}

TEST(HashValue, CopyKeepsEncodingAndOrder) {
  HashValue small;
  for (const char* f : {"z", "a", "m"}) small.Set(f, f);
  HashValue copy = small;
  EXPECT_EQ(All(copy), All(small));
  copy.Set("a", "changed");
  EXPECT_EQ(*small.Find("a"), "a");

  HashValue big = BigHash(1000);
  HashValue big_copy(big);
  EXPECT_EQ(big_copy.encoding(), "hashtable");
  EXPECT_EQ(All(big_copy), All(big));  // same buckets, same chain order
  big_copy = small;
  EXPECT_EQ(big_copy.encoding(), "listpack");
  HashValue moved(std::move(big));
  EXPECT_EQ(moved.size(), 1000u);
}

TEST(HashValue, ScanOfListpackReturnsEverythingWithCursorZero) {
  HashValue h;
  for (const char* f : {"c", "a", "b"}) h.Set(f, "v");
  for (uint64_t cursor : {0ull, 7ull, ~0ull}) {
    std::vector<std::string> seen;
    EXPECT_EQ(
        h.Scan(cursor, 1, [&](std::string_view f, std::string_view) { seen.emplace_back(f); }), 0u);
    EXPECT_THAT(seen, ElementsAre("c", "a", "b"));
  }
}

std::multiset<std::string> ScanAll(const HashValue& h, size_t count, int* calls = nullptr) {
  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  int n = 0;
  do {
    cursor = h.Scan(cursor, count, [&](std::string_view f, std::string_view) { seen.emplace(f); });
    ++n;
  } while (cursor != 0);
  if (calls != nullptr) *calls = n;
  return seen;
}

TEST(HashValue, ScanOfHashtableVisitsEveryFieldExactlyOnceWithoutChanges) {
  HashValue h = BigHash(5000);
  for (size_t count : {1, 10, 100, 100000}) {
    int calls = 0;
    std::multiset<std::string> seen = ScanAll(h, count, &calls);
    ASSERT_EQ(seen.size(), 5000u) << count;
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 5000u);
    if (count == 10) EXPECT_GT(calls, 100);  // it really pages
    if (count == 100000) EXPECT_EQ(calls, 1);
  }
}

TEST(HashValue, ScanGuaranteeHoldsAcrossGrowthAndShrink) {
  // Fields "keep:*" are present for the whole iteration and must all be returned; the table
  // grows (many "tmp:" fields added) and shrinks (all removed again) between calls.
  absl::BitGen gen;
  for (int round = 0; round < 20; ++round) {
    HashValue h;
    for (int i = 0; i < 700; ++i) h.Set(absl::StrCat("keep:", i), "v");
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int calls = 0;
    int next_tmp = 0;
    do {
      cursor = h.Scan(cursor, 1 + absl::Uniform(gen, 0, 30),
                      [&](std::string_view f, std::string_view) { seen.emplace(f); });
      ++calls;
      switch (absl::Uniform(gen, 0, 4)) {
        case 0:  // grow a lot
          for (int i = 0; i < 3000; ++i) h.Set(absl::StrCat("tmp:", next_tmp++), "v");
          break;
        case 1:  // shrink a lot
          for (int i = 0; i < next_tmp; ++i) h.Erase(absl::StrCat("tmp:", i));
          break;
        default:
          break;
      }
      ASSERT_LT(calls, 100000) << "the iteration must end";
    } while (cursor != 0);
    for (int i = 0; i < 700; ++i) {
      ASSERT_TRUE(seen.count(absl::StrCat("keep:", i))) << "round " << round << " keep:" << i;
    }
  }
}

TEST(HashValue, GarbageCursorDoesNotCrash) {
  HashValue h = BigHash(600);
  for (uint64_t cursor : {1ull, 12345ull, ~0ull, 1ull << 63}) {
    size_t n = 0;
    uint64_t c = cursor;
    for (int i = 0; i < 10000 && (i == 0 || c != 0); ++i) {
      c = h.Scan(c, 10, [&](std::string_view, std::string_view) { ++n; });
    }
    EXPECT_EQ(c, 0u);
    EXPECT_LE(n, 600u);
  }
}

TEST(HashValue, RandomFieldReachesEveryField) {
  absl::BitGen gen;
  for (int n : {5, 2000}) {
    HashValue h = BigHash(n);
    std::set<std::string> seen;
    for (int i = 0; i < n * 40; ++i) {
      auto [f, v] = h.RandomField(gen);
      ASSERT_NE(h.Find(f), nullptr);
      EXPECT_EQ(*h.Find(f), v);
      seen.emplace(f);
    }
    EXPECT_EQ(seen.size(), static_cast<size_t>(n));
  }
}

TEST(HashValue, RandomFieldsUniqueAndRepeated) {
  absl::BitGen gen;
  for (int n : {6, 30, 300, 3000}) {
    HashValue h = BigHash(n);
    for (uint64_t count : {1, 2, 5, 10, 100, 1000, 5000}) {
      std::vector<std::string> got;
      h.RandomFields(count, /*unique=*/true, gen,
                     [&](std::string_view f, std::string_view) { got.emplace_back(f); });
      ASSERT_EQ(got.size(), std::min<size_t>(count, n)) << n << " " << count;
      EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), got.size());
      if (count >= static_cast<uint64_t>(n)) EXPECT_EQ(got, Fields(h));  // whole hash, in order
      if (h.encoding() == "listpack" && count * 3 <= static_cast<uint64_t>(n)) {
        // A listpack's small sample comes in insertion order, as Redis 7.0's.
        std::vector<std::string> order = Fields(h);
        std::vector<size_t> positions;
        for (const auto& f : got) {
          positions.push_back(std::find(order.begin(), order.end(), f) - order.begin());
        }
        EXPECT_TRUE(std::is_sorted(positions.begin(), positions.end()));
      }
      got.clear();
      h.RandomFields(count, /*unique=*/false, gen,
                     [&](std::string_view f, std::string_view) { got.emplace_back(f); });
      EXPECT_EQ(got.size(), count);
      for (const auto& f : got) EXPECT_TRUE(h.Contains(f));
    }
  }
}

}  // namespace
}  // namespace embedis
