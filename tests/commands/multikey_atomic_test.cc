// Multi-key commands are one atomic step (Keyspace::UpdateMany): a writer on another thread that
// moves a value between keys atomically (SMOVE, MSET) is never seen half-done by SUNION,
// SINTERSTORE, SDIFF or BITOP, which read all their keys under their shards' locks together.
// Before UpdateMany these read their keys one at a time and saw such moves half-done.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lib/commands/bit_ops.h"
#include "lib/commands/set_ops.h"
#include "lib/commands/zset_ops.h"
#include "lib/keyspace/keyspace.h"

namespace embedis {
namespace {

constexpr int kRounds = 20000;

// A member that a writer moves back and forth between sets "a" and "b" (which live in different
// shards) is in their union exactly once, every time.
TEST(MultiKeyAtomicTest, SetCombinationsNeverSeeAMoveHalfDone) {
  Keyspace ks({.shards = 16});
  ASSERT_TRUE(set_ops::Add(ks, 0, "a", {"m", "x"}).ok());
  ASSERT_TRUE(set_ops::Add(ks, 0, "b", {"y"}).ok());
  std::atomic<bool> stop{false};
  std::thread mover([&] {
    while (!stop) {
      if (!set_ops::Move(ks, 0, "a", "b", "m").value_or(false)) {
        set_ops::Move(ks, 0, "b", "a", "m").IgnoreError();
      }
    }
  });
  const std::vector<std::string_view> ab = {"a", "b"};
  for (int i = 0; i < kRounds; ++i) {
    absl::StatusOr<std::vector<std::string>> u =
        set_ops::Combine(ks, 0, ab, set_ops::SetOp::kUnion);
    ASSERT_TRUE(u.ok());
    ASSERT_EQ(u->size(), 3u) << "round " << i;
    // m is in exactly one of them: the difference a - b holds it or b - a does.
    absl::StatusOr<int64_t> stored = set_ops::Store(ks, 0, "d", ab, set_ops::SetOp::kUnion);
    ASSERT_TRUE(stored.ok());
    ASSERT_EQ(*stored, 3) << "round " << i;
    absl::StatusOr<int64_t> inter = set_ops::Store(ks, 0, "i", ab, set_ops::SetOp::kInter);
    ASSERT_TRUE(inter.ok());
    ASSERT_EQ(*inter, 0) << "round " << i;
  }
  stop = true;
  mover.join();
}

// The same for sorted sets: a member moved between "za" and "zb" in one step (Update2) is in
// ZUNIONSTORE's result exactly once and never in ZINTERSTORE's.
TEST(MultiKeyAtomicTest, SortedSetCombinationsNeverSeeAMoveHalfDone) {
  Keyspace ks({.shards = 16});
  ASSERT_TRUE(zset_ops::Add(ks, 0, "za", {}, {{1, "m"}, {2, "x"}}).ok());
  ASSERT_TRUE(zset_ops::Add(ks, 0, "zb", {}, {{3, "y"}}).ok());
  std::atomic<bool> stop{false};
  std::thread mover([&] {
    bool to_b = true;
    while (!stop) {
      ks.Update2(0, to_b ? "za" : "zb", to_b ? "zb" : "za", [&](KeyHandle& from, KeyHandle& to) {
        if (from.exists() && from.zset().Remove("m")) to.zset().Insert("m", 1);
      });
      to_b = !to_b;
    }
  });
  const std::vector<std::string_view> ab = {"za", "zb"};
  zset_ops::CombineSpec uni, inter;
  inter.op = zset_ops::SetOp::kInter;
  for (int i = 0; i < kRounds; ++i) {
    ASSERT_EQ(zset_ops::CombineStore(ks, 0, "d", ab, uni).value_or(-1), 3) << "round " << i;
    absl::StatusOr<std::vector<zset_ops::ScoredMember>> u = zset_ops::Combine(ks, 0, ab, uni);
    ASSERT_TRUE(u.ok());
    ASSERT_EQ(u->size(), 3u) << "round " << i;
    ASSERT_EQ(zset_ops::CombineStore(ks, 0, "i", ab, inter).value_or(-1), 0) << "round " << i;
  }
  stop = true;
  mover.join();
}

// MSET swaps which of x and y holds the set byte; BITOP OR of the two always has it.
TEST(MultiKeyAtomicTest, BitopNeverSeesAnMsetHalfDone) {
  Keyspace ks({.shards = 16});
  const std::string on(1, '\xff'), off(1, '\0');
  ASSERT_TRUE(ks.MSet(0, {{"x", on}, {"y", off}}));
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    bool flip = false;
    while (!stop) {
      ks.MSet(0, {{"x", flip ? on : off}, {"y", flip ? off : on}});
      flip = !flip;
    }
  });
  const std::vector<std::string_view> xy = {"x", "y"};
  for (int i = 0; i < kRounds; ++i) {
    ASSERT_EQ(bit_ops::Op(ks, 0, bit_ops::BitOperation::kOr, "d", xy).value_or(-1), 1);
    absl::StatusOr<std::optional<std::string>> d = ks.Get(0, "d");
    ASSERT_TRUE(d.ok() && d->has_value());
    ASSERT_EQ(**d, on) << "round " << i;
  }
  stop = true;
  swapper.join();
}

}  // namespace
}  // namespace embedis
