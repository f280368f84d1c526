// The set operations without RESP: typed results, Redis's error texts and codes, WATCH (only a
// write that changes a set marks it), the STORE forms replacing any destination, COPY, MEMORY
// USAGE and a snapshot round trip of both encodings.
#include "lib/commands/set_ops.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/snapshot.h"
#include "lib/util/errors.h"

namespace embedis {
namespace {

using Strings = std::vector<std::string>;

Strings Sorted(absl::StatusOr<Strings> v) {
  EXPECT_TRUE(v.ok()) << v.status();
  Strings out = v.ok() ? *v : Strings{};
  std::sort(out.begin(), out.end());
  return out;
}

std::string Encoding(Keyspace& ks, int db, std::string_view key) {
  std::string out;
  ks.Update(db, key, [&](KeyHandle& k) {
    if (k.exists()) out = std::string(k.object_encoding());
  });
  return out;
}

TEST(SetOps, TypedResultsAndRedisErrors) {
  Keyspace ks({.shards = 4});
  const std::string_view abc[] = {"a", "b", "c"};
  const std::string_view ints[] = {"3", "1", "2"};
  EXPECT_EQ(*set_ops::Add(ks, 0, "s", abc), 3);
  EXPECT_EQ(*set_ops::Add(ks, 0, "s", abc), 0);
  EXPECT_EQ(*set_ops::Add(ks, 0, "i", ints), 3);
  EXPECT_EQ(ks.Type(0, "s"), ValueType::kSet);
  EXPECT_EQ(Encoding(ks, 0, "s"), "hashtable");
  EXPECT_EQ(Encoding(ks, 0, "i"), "intset");
  EXPECT_EQ(*set_ops::Members(ks, 0, "i"), (Strings{"1", "2", "3"}));
  ASSERT_TRUE(ks.Set(0, "str", "v").ok());
  absl::StatusOr<int64_t> wrong = set_ops::Card(ks, 0, "str");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(wrong.status().message(), errors::kWrongType);
  const std::string_view missing_then_str[] = {"missing", "str"};
  EXPECT_EQ(set_ops::Combine(ks, 0, missing_then_str, set_ops::SetOp::kInter).status().message(),
            errors::kWrongType);
  EXPECT_EQ(set_ops::Move(ks, 0, "s", "str", "a").status().message(), errors::kWrongType);
  EXPECT_FALSE(*set_ops::Move(ks, 0, "missing", "str", "a"));
  EXPECT_EQ(*set_ops::Card(ks, 0, "s"), 3) << "WRONGTYPE before anything moved";
  EXPECT_TRUE(*set_ops::Move(ks, 0, "s", "t", "a"));
  EXPECT_EQ(*set_ops::MIsMember(ks, 0, "t", abc), (std::vector<bool>{true, false, false}));
  const std::string_view si[] = {"s", "i"};
  EXPECT_EQ(Sorted(set_ops::Combine(ks, 0, si, set_ops::SetOp::kUnion)),
            (Strings{"1", "2", "3", "b", "c"}));
  EXPECT_EQ(*set_ops::Store(ks, 0, "str", si, set_ops::SetOp::kUnion), 5);
  EXPECT_EQ(ks.Type(0, "str"), ValueType::kSet) << "a STORE replaces a key of any type";
  EXPECT_EQ(*set_ops::Store(ks, 0, "str", si, set_ops::SetOp::kInter), 0);
  EXPECT_FALSE(ks.KeyExists(0, "str")) << "an empty result deletes the destination";
  const std::string_view ii[] = {"i", "i"};
  EXPECT_EQ(*set_ops::InterCard(ks, 0, ii, 2), 2);
  EXPECT_EQ(*set_ops::InterCard(ks, 0, ii, 0), 3);
  EXPECT_EQ(set_ops::PopCount(ks, 0, "i", 10)->size(), 3u);
  EXPECT_FALSE(ks.KeyExists(0, "i")) << "popping every member deletes the set";
  EXPECT_FALSE(set_ops::Pop(ks, 0, "i")->has_value());
  EXPECT_EQ(set_ops::RandMembers(ks, 0, "t", -4)->size(), 4u);
  EXPECT_EQ(set_ops::RandMembers(ks, 0, "t", -(int64_t{1} << 62)).status().message(),
            errors::kRandomReplyTooLarge);
}

TEST(SetOps, OnlyChangesMarkWatchers) {
  Keyspace ks({.shards = 2});
  const std::string_view a[] = {"a"};
  const std::string_view b[] = {"b"};
  ASSERT_EQ(*set_ops::Add(ks, 0, "s", a), 1);
  Watcher w;
  ks.Watch(0, "s", &w);
  EXPECT_EQ(*set_ops::Add(ks, 0, "s", a), 0);
  EXPECT_EQ(*set_ops::Rem(ks, 0, "s", b), 0);
  EXPECT_FALSE(*set_ops::Move(ks, 0, "s", "t", "zz"));
  EXPECT_FALSE(w.dirty()) << "no member added, removed or moved";
  EXPECT_EQ(*set_ops::Add(ks, 0, "s", b), 1);
  EXPECT_TRUE(w.dirty());
  ks.Unwatch(0, "s", &w);
}

TEST(SetOps, CopyMemoryUsageAndSnapshots) {
  Keyspace ks({.shards = 4, .databases = 2});
  std::vector<std::string> members;
  for (int i = 0; i < 2000; ++i) members.push_back(absl::StrCat("m", i));
  std::vector<std::string_view> views(members.begin(), members.end());
  ASSERT_EQ(*set_ops::Add(ks, 0, "big", views), 2000);
  const std::string_view ints[] = {"7", "-7", "0"};
  ASSERT_EQ(*set_ops::Add(ks, 1, "ints", ints), 3);
  ASSERT_TRUE(ks.Expire(1, "ints", ks.clock()->NowMs() + 3'600'000));
  ASSERT_TRUE(ks.Copy(0, "big", 1, "big2", false));
  EXPECT_EQ(*set_ops::Card(ks, 1, "big2"), 2000);
  EXPECT_GT(*ks.MemoryUsage(0, "big"), 2000u * 8);
  EXPECT_LT(*ks.MemoryUsage(1, "ints"), *ks.MemoryUsage(0, "big"));

  const std::string path =
      absl::StrCat(::testing::TempDir(), "/set_snapshot_", getpid(), ".embedis");
  ASSERT_TRUE(WriteSnapshot(ks, path).ok());
  Keyspace loaded({.shards = 8, .databases = 2});
  absl::StatusOr<SnapshotLoadStats> stats = LoadSnapshot(path, &loaded);
  std::remove(path.c_str());
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->loaded, 3u);
  EXPECT_EQ(stats->format_version, kSnapshotFormatVersion);
  EXPECT_EQ(Sorted(set_ops::Members(loaded, 0, "big")), Sorted(set_ops::Members(ks, 0, "big")));
  EXPECT_EQ(*set_ops::Members(loaded, 1, "ints"), (Strings{"-7", "0", "7"}));
  EXPECT_EQ(Encoding(loaded, 1, "ints"), "intset");
  EXPECT_EQ(Encoding(loaded, 0, "big"), "hashtable");
  EXPECT_GT(loaded.PTtl(1, "ints"), 0);
}

}  // namespace
}  // namespace embedis
