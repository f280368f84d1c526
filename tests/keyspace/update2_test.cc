// Keyspace::Update2: two keys locked together. The handles stay valid whatever either one does
// (both keys may share a hash chain), everything Update does after its callback is done for both
// keys (WATCH, deleting an emptied list, readying a created key), the same key twice is one
// handle, and a move between two lists is atomic: no other thread ever sees the element in
// neither list or in both.
#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/list_value.h"
#include "lib/util/clock.h"
#include "xxhash.h"

namespace embedis {
namespace {

using Elements = std::vector<std::string>;

// The shard of `key` in a keyspace of `shards` shards (the top bits of XXH3, as the keyspace).
int ShardOf(std::string_view key, int shards) {
  const int bits = __builtin_ctz(static_cast<unsigned>(shards));
  return bits == 0 ? 0 : static_cast<int>(XXH3_64bits(key.data(), key.size()) >> (64 - bits));
}

// Two key names of the same shard (same == true) or of different shards.
std::pair<std::string, std::string> KeysOn(int shards, bool same) {
  const std::string first = "k0";
  for (int i = 1;; ++i) {
    std::string other = absl::StrCat("k", i);
    if ((ShardOf(first, shards) == ShardOf(other, shards)) == same) return {first, other};
  }
}

void Push(Keyspace& ks, std::string_view key, const Elements& elements) {
  ks.Update(0, key, [&](KeyHandle& k) {
    ListValue& l = k.exists() ? k.list() : k.CreateList();
    for (const std::string& e : elements) l.PushBack(e);
  });
}

std::optional<Elements> Range(Keyspace& ks, std::string_view key) {
  std::optional<Elements> out;
  ks.Update(0, key, [&](KeyHandle& k) {
    if (!k.exists()) return;
    out.emplace();
    const ListValue& l = k.list_view();
    l.ForRange(0, l.size(), [&](std::string_view e) { out->emplace_back(e); });
  });
  return out;
}

// RPOPLPUSH src dst through Update2, as the list operations do it. False when src is missing.
bool MoveTailToHead(Keyspace& ks, std::string_view src, std::string_view dst) {
  bool moved = false;
  ks.Update2(0, src, dst, [&](KeyHandle& s, KeyHandle& d) {
    if (!s.exists()) return;
    std::string e = s.list().PopBack();
    (d.exists() ? d.list() : d.CreateList()).PushFront(e);
    moved = true;
  });
  return moved;
}

class Update2Test : public ::testing::TestWithParam<bool> {};  // param: keys on the same shard

TEST_P(Update2Test, MovesCreateTheDestinationAndDeleteTheEmptiedSource) {
  ManualClock clock;
  Keyspace ks({.shards = 4, .clock = &clock});
  auto [a, b] = KeysOn(4, GetParam());
  Push(ks, a, {"x", "y"});
  ASSERT_TRUE(MoveTailToHead(ks, a, b));
  EXPECT_EQ(Range(ks, a), Elements({"x"}));
  EXPECT_EQ(Range(ks, b), Elements({"y"}));
  ASSERT_TRUE(MoveTailToHead(ks, a, b));
  EXPECT_EQ(Range(ks, a), std::nullopt) << "an emptied source is deleted";
  EXPECT_EQ(Range(ks, b), Elements({"x", "y"}));
  EXPECT_FALSE(MoveTailToHead(ks, a, b));
  EXPECT_EQ(ks.Size(0), 1);
  EXPECT_EQ(ks.GetStats().changes, 1u + 2u) << "one push, then one change per move";
}

TEST_P(Update2Test, WatchSeesBothKeysAndOnlyRealChanges) {
  ManualClock clock;
  Keyspace ks({.shards = 4, .clock = &clock});
  auto [a, b] = KeysOn(4, GetParam());
  Push(ks, a, {"x"});
  Watcher wa, wb;
  ks.Watch(0, a, &wa);
  ks.Watch(0, b, &wb);
  ks.Update2(0, a, b, [](KeyHandle& s, KeyHandle& d) {
    EXPECT_TRUE(s.exists());
    EXPECT_FALSE(d.exists());
    (void)s.list_view().size();
  });
  EXPECT_FALSE(wa.dirty());
  EXPECT_FALSE(wb.dirty());
  ASSERT_TRUE(MoveTailToHead(ks, a, b));
  EXPECT_TRUE(wa.dirty());
  EXPECT_TRUE(wb.dirty());
  wa.Clear();
  wb.Clear();
  ks.Update2(0, a, b, [](KeyHandle&, KeyHandle& d) { d.Touch(); });
  EXPECT_FALSE(wa.dirty());
  EXPECT_TRUE(wb.dirty()) << "Touch() marks its key modified";
  ks.Unwatch(0, a, &wa);
  ks.Unwatch(0, b, &wb);
}

TEST_P(Update2Test, ReadiesACreatedDestinationAfterTheLocksAreReleased) {
  ManualClock clock;
  Keyspace ks({.shards = 4, .clock = &clock});
  auto [a, b] = KeysOn(4, GetParam());
  Push(ks, a, {"x"});
  std::vector<std::string> ready;
  const int id = ks.AddReadyListener([&](int, std::string_view key) {
    ready.emplace_back(key);
    EXPECT_TRUE(ks.KeyExists(0, key)) << "called with no lock held, the write visible";
  });
  EXPECT_FALSE(ks.AddBlockedKey(0, b));
  ASSERT_TRUE(MoveTailToHead(ks, a, b));
  EXPECT_EQ(ready, Elements({b}));
  ks.RemoveBlockedKey(0, b);
  ks.RemoveReadyListener(id);
}

// A clock that moves only when told and tells nobody: expired keys stay until a lookup meets them.
class SilentClock : public Clock {
 public:
  int64_t NowMicros() const override { return now_us_.load(); }
  void AdvanceMs(int64_t ms) { now_us_.fetch_add(ms * 1000); }

 private:
  std::atomic<int64_t> now_us_{1'000'000'000'000};
};

TEST_P(Update2Test, AnExpiredKeyIsAbsentAndReclaimed) {
  SilentClock clock;
  Keyspace ks({.shards = 4, .tick = absl::Hours(1), .clock = &clock});
  auto [a, b] = KeysOn(4, GetParam());
  Push(ks, a, {"x"});
  Push(ks, b, {"old"});
  ASSERT_TRUE(ks.Expire(0, b, clock.NowMs() + 10));
  ASSERT_TRUE(ks.Expire(0, a, clock.NowMs() + 10));
  clock.AdvanceMs(20);  // expired, and the wheel does not run: Update2's lookups reclaim them
  EXPECT_EQ(ks.GetStats().keys, 2u);
  ks.Update2(0, b, a, [](KeyHandle& s, KeyHandle& d) {
    EXPECT_FALSE(s.exists());
    EXPECT_FALSE(d.exists());
    d.CreateList().PushBack("new");
  });
  EXPECT_EQ(Range(ks, a), Elements({"new"}));
  EXPECT_EQ(Range(ks, b), std::nullopt);
  EXPECT_EQ(ks.PTtl(0, a), -1);
  EXPECT_EQ(ks.GetStats().expired_keys, 2u);
}

INSTANTIATE_TEST_SUITE_P(Shards, Update2Test, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "SameShard" : "TwoShards"; });

TEST(Update2, TheSameKeyTwiceIsOneHandle) {
  Keyspace ks({.shards = 2});
  Push(ks, "l", {"a", "b", "c"});
  ks.Update2(0, "l", "l", [](KeyHandle& s, KeyHandle& d) {
    EXPECT_EQ(&s, &d);
    std::string e = s.list().PopBack();
    d.list().PushFront(e);
  });
  EXPECT_EQ(Range(ks, "l"), Elements({"c", "a", "b"}));
  // A one-element list rotated onto itself is not deleted halfway.
  Push(ks, "one", {"x"});
  ASSERT_TRUE(MoveTailToHead(ks, "one", "one"));
  EXPECT_EQ(Range(ks, "one"), Elements({"x"}));
}

// One shard and a tiny table: every pair of keys is likely to share a chain, so creating,
// replacing and deleting one key through its handle moves the other's slot. Random work on two
// handles, checked against a model after every step (run under ASan to catch a stale slot).
TEST(Update2, HandlesSurviveEachOthersChainChanges) {
  ManualClock clock;
  Keyspace ks({.shards = 1, .clock = &clock});
  std::map<std::string, std::string> model;  // strings only: their entries get reallocated
  std::mt19937 rng(7);
  auto key = [&] { return absl::StrCat("key", rng() % 6); };
  for (int step = 0; step < 20000; ++step) {
    const std::string k1 = key(), k2 = key();
    const int op1 = rng() % 4, op2 = rng() % 4, order = rng() % 2;
    const std::string v1 = std::string(rng() % 80, 'a' + rng() % 26);
    const std::string v2 = std::string(rng() % 80, 'a' + rng() % 26);
    auto apply = [&](KeyHandle& h, const std::string& k, int op, const std::string& v) {
      auto it = model.find(k);
      ASSERT_EQ(h.exists(), it != model.end()) << k;
      if (h.exists()) ASSERT_EQ(h.string_value(), it->second) << k;
      switch (op) {
        case 0:
          h.SetString(v, false);
          model[k] = v;
          break;
        case 1:
          h.AppendString(v);
          model[k] += v;
          break;
        case 2:
          h.Delete();
          model.erase(k);
          break;
        case 3:
          break;
      }
      if (h.exists()) ASSERT_EQ(h.string_value(), model[k]);
    };
    ks.Update2(0, k1, k2, [&](KeyHandle& h1, KeyHandle& h2) {
      if (&h1 == &h2) return apply(h1, k1, op1, v1);
      if (order == 0) {
        apply(h1, k1, op1, v1);
        apply(h2, k2, op2, v2);
        apply(h1, k1, 3, "");
      } else {
        apply(h2, k2, op2, v2);
        apply(h1, k1, op1, v1);
        apply(h2, k2, 3, "");
      }
    });
    ASSERT_FALSE(HasFatalFailure()) << "step " << step;
    ASSERT_EQ(ks.Size(0), static_cast<int64_t>(model.size()));
  }
  for (const auto& [k, v] : model) EXPECT_EQ(*ks.Get(0, k), v);
}

// Movers rotate elements between lists while readers check, atomically, that nothing is lost or
// duplicated. Two checks: a pair of lists whose sizes a reader sums under Update2 (the total
// never changes), and rings of lists around which a single token travels while a reader asks
// EXISTS of the whole ring at once (always exactly one: never in none, never in two).
TEST(Update2, ConcurrentMovesAreAtomic) {
  Keyspace ks({.shards = 8});
  auto [a, b] = KeysOn(8, /*same=*/false);
  constexpr int kElements = 50;
  for (int i = 0; i < kElements; ++i) Push(ks, i % 2 ? a : b, {absl::StrCat(i)});
  constexpr int kRings = 3, kRingSize = 5;
  std::vector<std::vector<std::string>> rings(kRings);
  for (int r = 0; r < kRings; ++r) {
    for (int i = 0; i < kRingSize; ++i) rings[r].push_back(absl::StrCat("ring", r, ":", i));
    Push(ks, rings[r][0], {"token"});
  }
  std::atomic<bool> stop{false};
  std::atomic<int64_t> moves{0}, checks{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      while (!stop.load()) {
        if (rng() % 2) {
          MoveTailToHead(ks, rng() % 2 ? a : b, rng() % 2 ? a : b);
        } else {
          const auto& ring = rings[rng() % kRings];
          const int i = rng() % kRingSize;
          MoveTailToHead(ks, ring[i], ring[(i + 1) % kRingSize]);
        }
        moves.fetch_add(1);
      }
    });
  }
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        size_t total = 0;
        ks.Update2(0, a, b, [&](KeyHandle& x, KeyHandle& y) {
          total = (x.exists() ? x.list_view().size() : 0) + (y.exists() ? y.list_view().size() : 0);
        });
        if (total != kElements) failures.fetch_add(1);
        for (const auto& ring : rings) {
          std::vector<std::string_view> keys(ring.begin(), ring.end());
          if (ks.Exists(0, keys) != 1) failures.fetch_add(1);
        }
        checks.fetch_add(1);
      }
    });
  }
  while (moves.load() < 20000 || checks.load() < 2000) std::this_thread::yield();
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  Elements all = Range(ks, a).value_or(Elements());
  if (auto more = Range(ks, b)) all.insert(all.end(), more->begin(), more->end());
  std::sort(all.begin(), all.end());
  Elements expected;
  for (int i = 0; i < kElements; ++i) expected.push_back(absl::StrCat(i));
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(all, expected) << "every element exactly once";
}

}  // namespace
}  // namespace embedis
