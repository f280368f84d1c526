// The list operations without RESP: typed results, Redis's error texts and codes, the order of
// checks for arguments Redis reads after the key, and LTRIM marking the key modified.
#include "lib/commands/list_ops.h"

#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/errors.h"

namespace embedis {
namespace {

using list_ops::End;

TEST(ListOps, TypedResultsAndRedisErrors) {
  Keyspace ks({.shards = 2});
  const std::string_view abc[] = {"a", "b", "c"};
  EXPECT_EQ(*list_ops::Push(ks, 0, "l", abc, End::kTail), 3);
  EXPECT_EQ(*list_ops::Push(ks, 0, "none", abc, End::kTail, /*create=*/false), 0);
  EXPECT_FALSE(ks.KeyExists(0, "none"));
  ASSERT_TRUE(ks.Set(0, "s", "v").ok());
  absl::StatusOr<int64_t> wrong = list_ops::Len(ks, 0, "s");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(wrong.status().message(), errors::kWrongType);
  EXPECT_EQ(list_ops::Move(ks, 0, "l", "s", End::kTail, End::kHead).status().message(),
            errors::kWrongType);
  EXPECT_EQ(*list_ops::Len(ks, 0, "l"), 3) << "WRONGTYPE before anything is popped";
  EXPECT_EQ(**list_ops::Move(ks, 0, "l", "m", End::kTail, End::kHead), "c");
  EXPECT_FALSE(list_ops::Move(ks, 0, "missing", "s", End::kTail, End::kHead)->has_value());
  EXPECT_EQ(*list_ops::Range(ks, 0, "l", 0, -1), std::vector<std::string>({"a", "b"}));
  EXPECT_FALSE(list_ops::Pop(ks, 0, "missing", End::kHead, 2)->has_value());
  EXPECT_EQ(**list_ops::Pop(ks, 0, "l", End::kHead, 5), std::vector<std::string>({"a", "b"}));
  EXPECT_FALSE(ks.KeyExists(0, "l")) << "an emptied list is deleted";
}

TEST(ListOps, LateArgumentErrorsComeAfterTheKeyChecks) {
  Keyspace ks({.shards = 2});
  const absl::Status bad = errors::FromRedisError(errors::kNotInteger);
  EXPECT_FALSE(list_ops::Index(ks, 0, "missing", bad)->has_value());
  EXPECT_EQ(list_ops::Set(ks, 0, "missing", bad, "x").message(), errors::kNoSuchKey);
  EXPECT_EQ(list_ops::Set(ks, 0, "missing", bad, "x").code(), absl::StatusCode::kNotFound);
  const std::string_view a[] = {"a"};
  ASSERT_TRUE(list_ops::Push(ks, 0, "l", a, End::kTail).ok());
  EXPECT_EQ(list_ops::Index(ks, 0, "l", bad).status(), bad);
  EXPECT_EQ(list_ops::Set(ks, 0, "l", bad, "x"), bad);
  EXPECT_EQ(list_ops::Set(ks, 0, "l", 5, "x").message(), errors::kIndexOutOfRange);
  EXPECT_TRUE(list_ops::Set(ks, 0, "l", -1, "z").ok());
  EXPECT_EQ(**list_ops::Index(ks, 0, "l", 0), "z");
}

TEST(ListOps, TrimKeepingEverythingStillModifiesTheKey) {
  Keyspace ks({.shards = 2});
  const std::string_view ab[] = {"a", "b"};
  ASSERT_TRUE(list_ops::Push(ks, 0, "l", ab, End::kTail).ok());
  Watcher w;
  ks.Watch(0, "l", &w);
  ASSERT_TRUE(list_ops::Trim(ks, 0, "l", 0, -1).ok());
  EXPECT_TRUE(w.dirty());
  EXPECT_EQ(*list_ops::Range(ks, 0, "l", 0, -1), std::vector<std::string>({"a", "b"}));
  w.Clear();
  EXPECT_EQ(*list_ops::Rem(ks, 0, "l", 0, "zz"), 0);
  EXPECT_FALSE(w.dirty()) << "an LREM that removes nothing is not a modification";
  ks.Unwatch(0, "l", &w);
}

}  // namespace
}  // namespace embedis
