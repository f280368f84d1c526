#include "lib/keyspace/list_value.h"

#include <deque>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace embedis {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Strings = std::vector<std::string>;

ListValue::Limits Fill(int f) { return ListValue::Limits{f}; }

Strings All(const ListValue& l) {
  Strings out;
  l.ForRange(0, l.size(), [&](std::string_view e) { out.emplace_back(e); });
  return out;
}

Strings Range(const ListValue& l, size_t first, size_t count) {
  Strings out;
  l.ForRange(first, count, [&](std::string_view e) { out.emplace_back(e); });
  return out;
}

Strings Walked(const ListValue& l, bool reverse) {
  Strings out;
  size_t expect = reverse ? l.size() - 1 : 0;
  l.Walk(reverse, [&](size_t index, std::string_view e) {
    EXPECT_EQ(index, expect);
    expect += reverse ? -1 : 1;
    out.emplace_back(e);
    return true;
  });
  return out;
}

// Every way of reading the list agrees with `want`, and the internals are sound.
void ExpectContents(const ListValue& l, const std::deque<std::string>& want) {
  ASSERT_EQ(l.CheckInvariants(), "");
  ASSERT_EQ(l.size(), want.size());
  ASSERT_EQ(l.empty(), want.empty());
  Strings expected(want.begin(), want.end());
  ASSERT_EQ(All(l), expected);
  Strings reversed(want.rbegin(), want.rend());
  ASSERT_EQ(Walked(l, true), reversed);
  ASSERT_EQ(Walked(l, false), expected);
  for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(l.At(i), want[i]) << "index " << i;
}

const int kAllFills[] = {-1, -2, -3, -4, -5, 1, 2, 3, 7, 128};

TEST(ListValue, EmptyList) {
  ListValue l;
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.size(), 0u);
  EXPECT_EQ(l.encoding(), "quicklist");
  EXPECT_EQ(l.limits().max_listpack_size, -2);
  EXPECT_EQ(l.mutations(), 0u);
  EXPECT_EQ(l.nodes(), 0u);
  EXPECT_EQ(l.FootprintBytes(), sizeof(ListValue));
  EXPECT_THAT(All(l), IsEmpty());
  EXPECT_THAT(Walked(l, true), IsEmpty());
  EXPECT_EQ(l.CheckInvariants(), "");
}

TEST(ListValue, PushAndPopBothEnds) {
  ListValue l;
  l.PushBack("a");
  l.PushBack("b");
  l.PushFront("z");
  EXPECT_THAT(All(l), ElementsAre("z", "a", "b"));
  EXPECT_EQ(l.At(1), "a");
  EXPECT_EQ(l.PopFront(), "z");
  EXPECT_EQ(l.PopBack(), "b");
  EXPECT_EQ(l.PopBack(), "a");
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.nodes(), 0u);
  EXPECT_EQ(l.FootprintBytes(), sizeof(ListValue));
}

TEST(ListValue, ElementSizesAroundVarintBoundaries) {
  const size_t sizes[] = {0, 1, 2, 126, 127, 128, 129, 16383, 16384, 16385, 70000, 300000};
  for (int fill : kAllFills) {
    ListValue l(Fill(fill));
    std::deque<std::string> model;
    size_t k = 0;
    for (size_t n : sizes) {
      std::string e(n, static_cast<char>('a' + (k++ % 26)));
      if (n > 0) e[n - 1] = '!';
      l.PushBack(e);
      model.push_back(e);
      l.PushFront(e + "f");
      model.push_front(e + "f");
    }
    ExpectContents(l, model);
    // Middle inserts and sets with every size.
    for (size_t n : sizes) {
      std::string e(n, 'm');
      size_t at = (n * 7) % (model.size() + 1);
      l.Insert(at, e);
      model.insert(model.begin() + at, e);
      size_t set_at = (n * 13) % model.size();
      l.Set(set_at, e + "s");
      model[set_at] = e + "s";
    }
    ExpectContents(l, model);
    while (!model.empty()) {
      ASSERT_EQ(l.PopBack(), model.back());
      model.pop_back();
      if (model.empty()) break;
      ASSERT_EQ(l.PopFront(), model.front());
      model.pop_front();
    }
    ExpectContents(l, model);
    EXPECT_EQ(l.nodes(), 0u) << fill;
  }
}

TEST(ListValue, ElementLargerThanANodeGetsItsOwnNode) {
  ListValue l(Fill(-1));  // 4 KB nodes
  l.PushBack("small1");
  l.PushBack(std::string(10000, 'x'));
  l.PushBack("small2");
  EXPECT_EQ(l.nodes(), 3u);
  EXPECT_EQ(l.At(1).size(), 10000u);
  EXPECT_EQ(l.CheckInvariants(), "");
  l.Insert(1, std::string(5000, 'y'));
  EXPECT_EQ(l.CheckInvariants(), "");
  EXPECT_EQ(l.At(1), std::string(5000, 'y'));
  EXPECT_EQ(l.At(2), std::string(10000, 'x'));
  // Growing an element past the bound in place (LSET) keeps every node sound.
  l.Set(0, std::string(9000, 'z'));
  EXPECT_EQ(l.CheckInvariants(), "");
  EXPECT_THAT(All(l), ElementsAre(std::string(9000, 'z'), std::string(5000, 'y'),
                                  std::string(10000, 'x'), "small2"));
}

TEST(ListValue, PositiveFillBoundsElementsPerNode) {
  for (int fill : {1, 2, 5}) {
    ListValue l(Fill(fill));
    for (int i = 0; i < 100; ++i) l.PushBack(absl::StrCat(i));
    EXPECT_EQ(l.nodes(), (100 + fill - 1) / fill) << fill;
    for (int i = 0; i < 100; ++i) l.PushFront(absl::StrCat(i));
    EXPECT_EQ(l.CheckInvariants(), "");
    EXPECT_GE(l.nodes(), 200u / fill);
  }
}

TEST(ListValue, PositiveFillStillHasAnEightKilobyteSafetyBound) {
  ListValue l(Fill(1000));
  for (int i = 0; i < 100; ++i) l.PushBack(std::string(1000, 'a'));
  EXPECT_GE(l.nodes(), 13u);  // at most 8 such elements in 8 KB
  EXPECT_EQ(l.CheckInvariants(), "");
}

TEST(ListValue, ByteFillsBoundNodeBytes) {
  const size_t bytes[] = {4096, 8192, 16384, 32768, 65536};
  for (int level = 1; level <= 5; ++level) {
    ListValue l(Fill(-level));
    for (int i = 0; i < 20000; ++i) l.PushBack(std::string(20, 'e'));
    const size_t per_node = bytes[level - 1] / 22;  // 22 bytes per 20-byte element
    EXPECT_GE(l.nodes(), 20000 / per_node) << level;
    EXPECT_LE(l.nodes(), 20000 / per_node + 2) << level;
    EXPECT_LE(l.FootprintBytes(), sizeof(ListValue) + l.nodes() * (bytes[level - 1] + 64));
    EXPECT_EQ(l.CheckInvariants(), "");
  }
  // Below -5 behaves as -5 (Redis clamps), 0 as one element a node.
  ListValue deep(Fill(-9));
  for (int i = 0; i < 20000; ++i) deep.PushBack(std::string(20, 'e'));
  EXPECT_LE(deep.nodes(), 20000 / (65536 / 22) + 2);
  ListValue zero(Fill(0));
  for (int i = 0; i < 10; ++i) zero.PushBack("z");
  EXPECT_EQ(zero.nodes(), 10u);
}

TEST(ListValue, TinyListIsTiny) {
  ListValue l;
  for (int i = 0; i < 10; ++i) l.PushBack(std::string(10, 'a' + i));
  EXPECT_EQ(l.nodes(), 1u);
  // 10 elements of 12 encoded bytes, a 32-byte header and some slack: far from 8 KB.
  EXPECT_LE(l.FootprintBytes(), sizeof(ListValue) + 32 + 200);
  ListValue one;
  one.PushBack("x");
  EXPECT_LE(one.FootprintBytes(), sizeof(ListValue) + 32 + 24);
}

// One RPUSH (or LPUSH) of many elements sizes the node once: no growth slack beyond malloc's own
// rounding (100k such lists were 1.19x Redis's used_memory when each push grew the node by half).
TEST(ListValue, PushingManyAtOnceSizesTheNodeExactly) {
  const std::vector<std::string> elements(10, std::string(20, 'e'));
  const std::vector<std::string_view> views(elements.begin(), elements.end());
  for (bool front : {false, true}) {
    ListValue l;
    front ? l.PushFront(views) : l.PushBack(views);
    EXPECT_EQ(l.nodes(), 1u);
    EXPECT_EQ(l.CheckInvariants(), "");
    // 10 elements of 22 encoded bytes and a 32-byte header; malloc rounds up by at most 16.
    EXPECT_LE(l.FootprintBytes(), sizeof(ListValue) + 32 + 220 + 16) << front;
    // A second batch grows the node once, to the exact size again.
    front ? l.PushFront(views) : l.PushBack(views);
    EXPECT_EQ(l.nodes(), 1u);
    EXPECT_LE(l.FootprintBytes(), sizeof(ListValue) + 32 + 440 + 16) << front;
  }
  // The order is that of pushing one by one.
  ListValue a, b;
  const std::vector<std::string_view> abc = {"a", "b", "c"};
  a.PushFront(abc);
  for (std::string_view e : abc) b.PushFront(e);
  EXPECT_EQ(All(a), All(b));
  EXPECT_THAT(All(a), ElementsAre("c", "b", "a"));
}

// A batch spills into new nodes at the node bounds, with elements too big for any node alone.
TEST(ListValue, PushingManyAtOnceRespectsNodeBounds) {
  for (int fill : kAllFills) {
    for (bool front : {false, true}) {
      ListValue l(Fill(fill));
      std::deque<std::string> model;
      Strings batch;
      for (int i = 0; i < 300; ++i)
        batch.push_back(std::string(i % 50 == 0 ? 70000 : i % 97, 'a' + i % 26));
      const std::vector<std::string_view> views(batch.begin(), batch.end());
      for (int round = 0; round < 2; ++round) {
        front ? l.PushFront(views) : l.PushBack(views);
        for (const std::string& e : batch) front ? model.push_front(e) : model.push_back(e);
      }
      ExpectContents(l, model);
    }
  }
}

TEST(ListValue, LargeListUsesAboutTheElementsBytes) {
  ListValue l;
  for (int i = 0; i < 100000; ++i) l.PushBack(std::string(20, 'a' + i % 26));
  const double per_element = static_cast<double>(l.FootprintBytes()) / l.size();
  EXPECT_LT(per_element, 22.5);
  EXPECT_GT(per_element, 22.0);
}

TEST(ListValue, AtSetInsertInTheMiddle) {
  ListValue l(Fill(4));
  for (int i = 0; i < 10; ++i) l.PushBack(absl::StrCat(i));
  l.Set(5, "five");
  l.Insert(3, "before3");
  l.Insert(0, "head");
  l.Insert(l.size(), "tail");
  EXPECT_THAT(All(l), ElementsAre("head", "0", "1", "2", "before3", "3", "4", "five", "6", "7", "8",
                                  "9", "tail"));
  EXPECT_EQ(l.At(7), "five");
  EXPECT_EQ(l.CheckInvariants(), "");
}

TEST(ListValue, InsertIntoFullNodesSplits) {
  for (int fill : {1, 2, 3}) {
    ListValue l(Fill(fill));
    std::deque<std::string> model;
    for (int i = 0; i < 12; ++i) {
      l.PushBack(absl::StrCat(i));
      model.push_back(absl::StrCat(i));
    }
    for (size_t at : {1u, 5u, 5u, 6u, 13u, 2u, 0u}) {
      l.Insert(at, absl::StrCat("i", at));
      model.insert(model.begin() + at, absl::StrCat("i", at));
      ExpectContents(l, model);
    }
  }
}

TEST(ListValue, ForRangeSubranges) {
  ListValue l(Fill(3));
  for (int i = 0; i < 20; ++i) l.PushBack(absl::StrCat(i));
  EXPECT_THAT(Range(l, 0, 0), IsEmpty());
  EXPECT_THAT(Range(l, 19, 1), ElementsAre("19"));
  EXPECT_THAT(Range(l, 2, 5), ElementsAre("2", "3", "4", "5", "6"));
  EXPECT_THAT(Range(l, 17, 3), ElementsAre("17", "18", "19"));
  EXPECT_THAT(Range(l, 20, 0), IsEmpty());
}

TEST(ListValue, WalkStopsWhenAsked) {
  ListValue l(Fill(2));
  for (int i = 0; i < 10; ++i) l.PushBack(absl::StrCat(i));
  Strings seen;
  l.Walk(false, [&](size_t i, std::string_view e) {
    seen.emplace_back(e);
    return i < 3;
  });
  EXPECT_THAT(seen, ElementsAre("0", "1", "2", "3"));
  seen.clear();
  l.Walk(true, [&](size_t i, std::string_view e) {
    seen.emplace_back(absl::StrCat(i, ":", std::string(e)));
    return i > 8;
  });
  EXPECT_THAT(seen, ElementsAre("9:9", "8:8"));
}

TEST(ListValue, EraseRanges) {
  for (int fill : kAllFills) {
    ListValue l(Fill(fill));
    std::deque<std::string> model;
    for (int i = 0; i < 3000; ++i) {
      l.PushBack(absl::StrCat("element-", i));
      model.push_back(absl::StrCat("element-", i));
    }
    const uint32_t before = l.mutations();
    l.Erase(10, 0);
    EXPECT_EQ(l.mutations(), before);
    l.Erase(0, 1000);  // LTRIM's head
    model.erase(model.begin(), model.begin() + 1000);
    ExpectContents(l, model);
    l.Erase(1500, 500);  // the tail
    model.erase(model.begin() + 1500, model.end());
    ExpectContents(l, model);
    l.Erase(3, 900);  // the middle, across nodes
    model.erase(model.begin() + 3, model.begin() + 903);
    ExpectContents(l, model);
    l.Erase(0, l.size());
    model.clear();
    ExpectContents(l, model);
    EXPECT_EQ(l.nodes(), 0u);
  }
}

TEST(ListValue, EraseMergesSmallNeighbours) {
  ListValue l(Fill(-1));
  for (int i = 0; i < 2000; ++i) l.PushBack(std::string(20, 'a'));
  const size_t nodes = l.nodes();
  EXPECT_GT(nodes, 5u);
  // Leave a few elements at the end of one node and the start of the next: they merge.
  l.Erase(10, 1980);
  EXPECT_EQ(l.nodes(), 1u);
  EXPECT_EQ(l.CheckInvariants(), "");
}

TEST(ListValue, RemoveFromHeadTailAndAll) {
  for (int fill : kAllFills) {
    ListValue l(Fill(fill));
    // a b a c a d a (x3)
    std::deque<std::string> model;
    for (int r = 0; r < 3; ++r) {
      for (const char* e : {"a", "b", "a", "c", "a", "", "a"}) {
        l.PushBack(e);
        model.push_back(e);
      }
    }
    uint32_t m = l.mutations();
    EXPECT_EQ(l.Remove("zzz", 0, false), 0u);
    EXPECT_EQ(l.Remove("zzz", 2, true), 0u);
    EXPECT_EQ(l.mutations(), m);
    EXPECT_EQ(l.Remove("a", 2, false), 2u);  // the first two
    model.erase(model.begin() + 2);
    model.erase(model.begin());
    ExpectContents(l, model);
    EXPECT_NE(l.mutations(), m);
    EXPECT_EQ(l.Remove("a", 3, true), 3u);  // the last three
    for (int k = 0; k < 3; ++k) {
      auto it = std::find(model.rbegin(), model.rend(), "a");
      model.erase(std::next(it).base());
    }
    ExpectContents(l, model);
    EXPECT_EQ(l.Remove("", 0, true), 3u);
    model.erase(std::remove(model.begin(), model.end(), ""), model.end());
    ExpectContents(l, model);
    EXPECT_EQ(l.Remove("a", 0, false), 7u);
    model.erase(std::remove(model.begin(), model.end(), "a"), model.end());
    ExpectContents(l, model);
    EXPECT_EQ(l.Remove("b", 0, false) + l.Remove("c", 0, true), 6u);
    EXPECT_TRUE(l.empty());
    EXPECT_EQ(l.nodes(), 0u);
  }
}

TEST(ListValue, MutationsCountEveryChangeAndOnlyChanges) {
  ListValue l;
  uint32_t m = l.mutations();
  auto changed = [&] {
    bool c = l.mutations() != m;
    m = l.mutations();
    return c;
  };
  l.Clear();
  EXPECT_FALSE(changed());
  l.PushBack("a");
  EXPECT_TRUE(changed());
  l.PushFront("b");
  EXPECT_TRUE(changed());
  l.Insert(1, "c");
  EXPECT_TRUE(changed());
  l.Set(0, "d");
  EXPECT_TRUE(changed());
  (void)l.At(0);
  l.ForRange(0, 3, [](std::string_view) {});
  l.Walk(false, [](size_t, std::string_view) { return true; });
  (void)l.FootprintBytes();
  EXPECT_FALSE(changed());
  l.Erase(0, 0);
  EXPECT_FALSE(changed());
  l.Erase(0, 1);
  EXPECT_TRUE(changed());
  EXPECT_EQ(l.Remove("nope", 0, false), 0u);
  EXPECT_FALSE(changed());
  EXPECT_EQ(l.Remove("a", 0, false), 1u);
  EXPECT_TRUE(changed());
  l.PopFront();
  EXPECT_TRUE(changed());
  l.PushBack("x");
  changed();
  l.PopBack();
  EXPECT_TRUE(changed());
  l.PushBack("x");
  changed();
  l.Clear();
  EXPECT_TRUE(changed());
  EXPECT_TRUE(l.empty());
}

TEST(ListValue, CopyIsDeepAndMoveEmptiesTheSource) {
  ListValue a(Fill(3));
  for (int i = 0; i < 20; ++i) a.PushBack(absl::StrCat(i));
  ListValue b(a);
  EXPECT_EQ(All(b), All(a));
  EXPECT_EQ(b.limits().max_listpack_size, 3);
  b.Set(0, "changed");
  b.PushBack("more");
  EXPECT_EQ(a.At(0), "0");
  EXPECT_EQ(a.size(), 20u);
  EXPECT_EQ(b.CheckInvariants(), "");

  ListValue c;
  c.PushBack("old");
  c = a;
  EXPECT_EQ(All(c), All(a));
  EXPECT_EQ(c.limits().max_listpack_size, 3);
  c = c;  // self-assignment keeps it
  EXPECT_EQ(All(c), All(a));

  ListValue d(std::move(c));
  EXPECT_EQ(All(d), All(a));
  EXPECT_TRUE(c.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty and valid
  EXPECT_EQ(c.CheckInvariants(), "");
  c.PushBack("reuse");
  EXPECT_THAT(All(c), ElementsAre("reuse"));

  ListValue e;
  e.PushBack("gone");
  e = std::move(d);
  EXPECT_EQ(All(e), All(a));
  EXPECT_TRUE(d.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(d.nodes(), 0u);
  EXPECT_EQ(d.FootprintBytes(), sizeof(ListValue));
}

TEST(ListValue, QueueAndStackPatternsKeepMemoryBounded) {
  ListValue q;
  for (int round = 0; round < 100000; ++round) {
    q.PushBack(std::string(20, 'q'));
    if (q.size() > 100) q.PopFront();
  }
  EXPECT_EQ(q.size(), 100u);
  EXPECT_LE(q.FootprintBytes(), sizeof(ListValue) + 3 * 8192);
  EXPECT_EQ(q.CheckInvariants(), "");
  // Front pushes then back pops.
  ListValue s;
  for (int round = 0; round < 100000; ++round) {
    s.PushFront(std::string(20, 's'));
    if (s.size() > 100) s.PopBack();
  }
  EXPECT_LE(s.FootprintBytes(), sizeof(ListValue) + 3 * 8192);
  // Shrinks back after mass pops.
  for (int i = 0; i < 95; ++i) s.PopFront();
  EXPECT_LE(s.FootprintBytes(), sizeof(ListValue) + 32 + 4 * 22 * 5);
  EXPECT_EQ(s.CheckInvariants(), "");
}

// Random operations against std::deque, checked after every step.
class ListValueModelTest : public ::testing::TestWithParam<std::pair<int, uint32_t>> {};

std::string RandomElement(std::mt19937& rng) {
  const int kind = rng() % 20;
  size_t len;
  if (kind < 12) {
    len = rng() % 12;  // small, often equal (LREM finds them)
  } else if (kind < 17) {
    len = 100 + rng() % 60;  // around the 1-byte/2-byte varint boundary
  } else if (kind < 19) {
    len = 1000 + rng() % 3000;
  } else {
    len = 16380 + rng() % 8;  // around the 2-byte/3-byte boundary, larger than small nodes
  }
  std::string e(len, 'a');
  for (size_t i = 0; i < std::min<size_t>(len, 3); ++i) e[i] = static_cast<char>('a' + rng() % 3);
  return e;
}

TEST_P(ListValueModelTest, MatchesDeque) {
  const auto [fill, seed] = GetParam();
  std::mt19937 rng(seed);
  ListValue l(Fill(fill));
  std::deque<std::string> model;
  const int kSteps = 4000;
  for (int step = 0; step < kSteps; ++step) {
    const uint32_t before = l.mutations();
    bool changes = true;
    const int op = rng() % 100;
    if (op < 28 && rng() % 4 == 0) {  // several at once: LPUSH/RPUSH with many elements
      const bool front = op >= 15;
      Strings batch(1 + rng() % 40);
      for (std::string& e : batch) e = RandomElement(rng);
      const std::vector<std::string_view> views(batch.begin(), batch.end());
      if (front) {
        l.PushFront(views);
        for (const std::string& e : batch) model.push_front(e);
      } else {
        l.PushBack(views);
        for (const std::string& e : batch) model.push_back(e);
      }
    } else if (op < 15) {
      std::string e = RandomElement(rng);
      l.PushBack(e);
      model.push_back(e);
    } else if (op < 28) {
      std::string e = RandomElement(rng);
      l.PushFront(e);
      model.push_front(e);
    } else if (op < 36) {
      if (model.empty()) continue;
      ASSERT_EQ(l.PopFront(), model.front());
      model.pop_front();
    } else if (op < 44) {
      if (model.empty()) continue;
      ASSERT_EQ(l.PopBack(), model.back());
      model.pop_back();
    } else if (op < 56) {
      std::string e = RandomElement(rng);
      const size_t at = rng() % (model.size() + 1);
      l.Insert(at, e);
      model.insert(model.begin() + at, e);
    } else if (op < 66) {
      if (model.empty()) continue;
      std::string e = RandomElement(rng);
      const size_t at = rng() % model.size();
      l.Set(at, e);
      model[at] = e;
    } else if (op < 74) {
      const size_t at = rng() % (model.size() + 1);
      size_t count = rng() % (model.size() - at + 1);
      if (rng() % 3 == 0) count = std::min<size_t>(count, 3);
      l.Erase(at, count);
      model.erase(model.begin() + at, model.begin() + at + count);
      changes = count > 0;
    } else if (op < 82) {
      const std::string e = RandomElement(rng);
      const size_t limit = rng() % 4;
      const bool from_tail = rng() % 2;
      size_t want = 0;
      if (!from_tail) {
        for (auto it = model.begin(); it != model.end();) {
          if (*it == e && (limit == 0 || want < limit)) {
            it = model.erase(it);
            ++want;
          } else {
            ++it;
          }
        }
      } else {
        for (size_t i = model.size(); i-- > 0;) {
          if (model[i] == e && (limit == 0 || want < limit)) {
            model.erase(model.begin() + i);
            ++want;
          }
        }
      }
      ASSERT_EQ(l.Remove(e, limit, from_tail), want);
      changes = want > 0;
    } else if (op < 90) {
      if (model.empty()) continue;
      const size_t first = rng() % model.size();
      const size_t count = rng() % (model.size() - first + 1);
      Strings want(model.begin() + first, model.begin() + first + count);
      ASSERT_EQ(Range(l, first, count), want);
      changes = false;
    } else if (op < 96) {
      if (model.empty()) continue;
      const size_t at = rng() % model.size();
      ASSERT_EQ(l.At(at), model[at]);
      changes = false;
    } else if (op < 97) {
      changes = !model.empty();
      l.Clear();
      model.clear();
    } else if (op < 98) {
      ListValue copy(l);
      ASSERT_EQ(copy.CheckInvariants(), "");
      ASSERT_EQ(All(copy), All(l));
      l = std::move(copy);
      changes = false;  // a move assignment counts as a change; checked below as such
      ASSERT_NE(l.mutations(), before);
      continue;
    } else {
      // A burst at one end, so nodes fill, split and empty.
      for (int i = 0; i < 50; ++i) {
        l.PushBack(std::string(i % 7, 'b'));
        model.push_back(std::string(i % 7, 'b'));
      }
    }
    ASSERT_EQ(l.mutations() != before, changes) << "step " << step << " op " << op;
    ASSERT_EQ(l.size(), model.size());
    if (step % 7 == 0 || model.size() < 20) {
      ASSERT_NO_FATAL_FAILURE(ExpectContents(l, model)) << "step " << step << " op " << op;
    } else {
      ASSERT_EQ(l.CheckInvariants(), "") << "step " << step << " op " << op;
    }
  }
  ExpectContents(l, model);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ListValueModelTest,
                         ::testing::Values(std::pair{1, 1u}, std::pair{2, 2u}, std::pair{3, 3u},
                                           std::pair{5, 4u}, std::pair{-1, 5u}, std::pair{-1, 6u},
                                           std::pair{-2, 7u}, std::pair{-5, 8u}, std::pair{16, 9u},
                                           std::pair{1, 10u}));

}  // namespace
}  // namespace embedis
