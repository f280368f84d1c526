// The hash operations without RESP: typed results, Redis's error texts and codes, the emptied
// hash deleted, HSCAN's options reported only for an existing hash, and HRANDFIELD's streamed
// sample.
#include "lib/commands/hash_ops.h"

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/errors.h"

namespace embedis {
namespace {

using FV = hash_ops::FieldValues;

class HashOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(*ks_.HSet(0, "h", {{"a", "1"}, {"b", "2"}, {"c", "3"}}), 3);
    ASSERT_TRUE(ks_.Set(0, "s", "v").ok());
  }
  // Every operation on the string key "s" is WRONGTYPE (kFailedPrecondition).
  template <typename T>
  static void ExpectWrongType(const absl::StatusOr<T>& r) {
    EXPECT_EQ(r.status().message(), errors::kWrongType);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  }
  Keyspace ks_{{.shards = 2}};
};

TEST_F(HashOpsTest, ReadsAreTypedAndMissingKeysAreValues) {
  EXPECT_EQ(*hash_ops::GetAll(ks_, 0, "h"), (FV{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  EXPECT_TRUE(hash_ops::GetAll(ks_, 0, "missing")->empty());
  EXPECT_EQ(*hash_ops::Keys(ks_, 0, "h"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(*hash_ops::Vals(ks_, 0, "h"), (std::vector<std::string>{"1", "2", "3"}));
  const std::string_view fields[] = {"c", "zz", "a"};
  EXPECT_EQ(*hash_ops::MGet(ks_, 0, "h", fields),
            (std::vector<std::optional<std::string>>{"3", std::nullopt, "1"}));
  EXPECT_EQ(hash_ops::MGet(ks_, 0, "missing", fields)->size(), 3u);
  EXPECT_EQ(*hash_ops::Len(ks_, 0, "h"), 3);
  EXPECT_EQ(*hash_ops::Len(ks_, 0, "missing"), 0);
  EXPECT_TRUE(*hash_ops::Exists(ks_, 0, "h", "b"));
  EXPECT_FALSE(*hash_ops::Exists(ks_, 0, "h", "zz"));
  EXPECT_EQ(*hash_ops::StrLen(ks_, 0, "h", "a"), 1);
  EXPECT_EQ(*hash_ops::StrLen(ks_, 0, "h", "zz"), 0);
  ExpectWrongType(hash_ops::GetAll(ks_, 0, "s"));
  ExpectWrongType(hash_ops::MGet(ks_, 0, "s", fields));
  ExpectWrongType(hash_ops::Len(ks_, 0, "s"));
  ExpectWrongType(hash_ops::Exists(ks_, 0, "s", "a"));
  ExpectWrongType(hash_ops::StrLen(ks_, 0, "s", "a"));
  ExpectWrongType(hash_ops::Keys(ks_, 0, "s"));
}

TEST_F(HashOpsTest, WritesAndTheEmptiedHashIsDeleted) {
  EXPECT_FALSE(*hash_ops::SetNx(ks_, 0, "h", "a", "x"));
  EXPECT_TRUE(*hash_ops::SetNx(ks_, 0, "h", "d", "4"));
  EXPECT_EQ(**ks_.HGet(0, "h", "a"), "1");
  const std::string_view del[] = {"a", "a", "zz", "b"};
  EXPECT_EQ(*hash_ops::Del(ks_, 0, "h", del), 2) << "a field named twice counts once";
  EXPECT_EQ(*hash_ops::Del(ks_, 0, "missing", del), 0);
  EXPECT_FALSE(ks_.KeyExists(0, "missing"));
  const std::string_view rest[] = {"c", "d"};
  EXPECT_EQ(*hash_ops::Del(ks_, 0, "h", rest), 2);
  EXPECT_FALSE(ks_.KeyExists(0, "h"));
  ExpectWrongType(hash_ops::Del(ks_, 0, "s", rest));
  ExpectWrongType(hash_ops::SetNx(ks_, 0, "s", "f", "v"));
}

TEST_F(HashOpsTest, IncrByAndIncrByFloat) {
  EXPECT_EQ(*hash_ops::IncrBy(ks_, 0, "h", "a", 41), 42);
  EXPECT_EQ(*hash_ops::IncrBy(ks_, 0, "h", "new", -5), -5);
  EXPECT_EQ(*hash_ops::IncrBy(ks_, 0, "h", "new", std::numeric_limits<int64_t>::min() + 5),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(hash_ops::IncrBy(ks_, 0, "h", "new", -1).status().message(), errors::kOverflow);
  EXPECT_EQ(**ks_.HGet(0, "h", "new"), "-9223372036854775808") << "nothing written";
  ASSERT_EQ(*ks_.HSet(0, "h", {{"txt", "x1"}}), 1);
  EXPECT_EQ(hash_ops::IncrBy(ks_, 0, "h", "txt", 1).status().message(), errors::kHashNotInteger);
  EXPECT_EQ(hash_ops::IncrByFloat(ks_, 0, "h", "txt", 1).status().message(), errors::kHashNotFloat);
  EXPECT_EQ(*hash_ops::IncrByFloat(ks_, 0, "h", "b", 0.5L), "2.5");
  EXPECT_EQ(**ks_.HGet(0, "h", "b"), "2.5") << "stores the text it returns";
  ASSERT_TRUE(
      hash_ops::IncrByFloat(ks_, 0, "h", "b", std::numeric_limits<long double>::max()).ok());
  EXPECT_EQ(hash_ops::IncrByFloat(ks_, 0, "h", "b", std::numeric_limits<long double>::max())
                .status()
                .message(),
            errors::kIncrNanOrInfinity);
  ExpectWrongType(hash_ops::IncrBy(ks_, 0, "s", "f", 1));
  ExpectWrongType(hash_ops::IncrByFloat(ks_, 0, "s", "f", 1));
}

TEST_F(HashOpsTest, FailedWritesLeaveTheKeyspaceAsItWas) {
  ASSERT_EQ(*ks_.HSet(0, "one", {{"f", "9223372036854775807"}}), 1);
  EXPECT_EQ(hash_ops::IncrBy(ks_, 0, "one", "f", 1).status().message(), errors::kOverflow);
  EXPECT_EQ(**ks_.HGet(0, "one", "f"), "9223372036854775807");
  const std::string_view none[] = {"zz"};
  EXPECT_EQ(*hash_ops::Del(ks_, 0, "nothing", none), 0);
  EXPECT_EQ(hash_ops::IncrBy(ks_, 0, "s", "f", 1).status().message(), errors::kWrongType);
  EXPECT_EQ(ks_.Size(0), 3) << "h, s, one: nothing created";
}

TEST_F(HashOpsTest, ScanReportsBadOptionsOnlyForAnExistingHash) {
  const absl::Status bad = errors::FromRedisError(errors::kSyntax);
  absl::StatusOr<hash_ops::ScanPage> missing = hash_ops::Scan(ks_, 0, "missing", 0, bad);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->cursor, 0u);
  EXPECT_TRUE(missing->fields.empty());
  EXPECT_EQ(hash_ops::Scan(ks_, 0, "h", 0, bad).status(), bad);
  ExpectWrongType(hash_ops::Scan(ks_, 0, "s", 0, commands::ScanArgs{}));
  absl::StatusOr<hash_ops::ScanPage> all = hash_ops::Scan(ks_, 0, "h", 0, commands::ScanArgs{});
  EXPECT_EQ(all->cursor, 0u) << "a listpack answers in one page";
  EXPECT_EQ(all->fields, (FV{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  absl::StatusOr<hash_ops::ScanPage> b =
      hash_ops::Scan(ks_, 0, "h", 0, commands::ScanArgs{.match = "b*"});
  EXPECT_EQ(b->fields, (FV{{"b", "2"}}));
  EXPECT_TRUE(hash_ops::Scan(ks_, 0, "h", 0, commands::ScanArgs{.match = ""})->fields.empty());
}

TEST_F(HashOpsTest, ScanOfAHashTableVisitsEveryFieldOnce) {
  std::vector<std::pair<std::string, std::string>> owned;
  for (int i = 0; i < 1000; ++i) owned.emplace_back("f" + std::to_string(i), "v");
  std::vector<std::pair<std::string_view, std::string_view>> fields(owned.begin(), owned.end());
  ASSERT_EQ(*ks_.HSet(0, "big", fields), 1000);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int pages = 0;
  do {
    absl::StatusOr<hash_ops::ScanPage> page =
        hash_ops::Scan(ks_, 0, "big", cursor, commands::ScanArgs{.count = 50});
    ASSERT_TRUE(page.ok());
    for (const auto& [f, v] : page->fields) EXPECT_TRUE(seen.insert(f).second) << f;
    cursor = page->cursor;
    ++pages;
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_GT(pages, 1);
}

TEST_F(HashOpsTest, RandomFieldsStreamsTheSample) {
  EXPECT_FALSE(hash_ops::RandomField(ks_, 0, "missing")->has_value());
  EXPECT_TRUE(
      std::set<std::string>({"a", "b", "c"}).contains(**hash_ops::RandomField(ks_, 0, "h")));
  ExpectWrongType(hash_ops::RandomField(ks_, 0, "s"));

  uint64_t announced = 0;
  std::vector<std::string> got;
  auto begin = [&](uint64_t n) {
    announced = n;
    return true;
  };
  auto field = [&](std::string_view f, std::string_view) {
    got.emplace_back(f);
    return true;
  };
  EXPECT_FALSE(*hash_ops::RandomFields(ks_, 0, "missing", 5, true, begin, field));
  EXPECT_TRUE(got.empty());
  EXPECT_TRUE(*hash_ops::RandomFields(ks_, 0, "h", 10, /*unique=*/true, begin, field));
  EXPECT_EQ(announced, 3u) << "distinct: at most the hash's size";
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), 3u);
  got.clear();
  EXPECT_TRUE(*hash_ops::RandomFields(ks_, 0, "h", 10, /*unique=*/false, begin, field));
  EXPECT_EQ(announced, 10u);
  EXPECT_EQ(got.size(), 10u) << "repeats allowed";
  got.clear();
  int calls = 0;
  EXPECT_TRUE(
      *hash_ops::RandomFields(ks_, 0, "h", 1'000'000, false, begin,
                              [&](std::string_view, std::string_view) { return ++calls < 4; }));
  EXPECT_EQ(calls, 4) << "stops when the sink says so";
  EXPECT_TRUE(*hash_ops::RandomFields(
      ks_, 0, "h", 5, false, [](uint64_t) { return false; }, field));
  EXPECT_TRUE(got.empty()) << "begin refused: no field";
  ExpectWrongType(hash_ops::RandomFields(ks_, 0, "s", 5, false, begin, field));
}

}  // namespace
}  // namespace embedis
