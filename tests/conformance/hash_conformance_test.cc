// Hashes (HSET ... HSCAN) on every backend of store_conformance.h.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/store/store.h"
#include "lib/util/status_matchers.h"
#include "tests/conformance/store_conformance.h"

namespace embedis::conformance {
namespace {

template <typename Backend>
class StoreHashConformance : public StoreConformance<Backend> {};
TYPED_TEST_SUITE_P(StoreHashConformance);

TYPED_TEST_P(StoreHashConformance, Hashes) {
  Store& s = this->store();
  EXPECT_THAT(s.HSet("h", Fields{{"b", "2"}, {"a", "1"}, {"c", "3"}}), IsOkAndHolds(3));
  EXPECT_THAT(s.HSet("h", Fields{{"a", "one"}, {"d", "4"}}), IsOkAndHolds(1));
  EXPECT_THAT(s.HGet("h", "a"), IsOkAndHolds(Optional(std::string("one"))));
  EXPECT_THAT(s.HGet("h", "zz"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.HGet("missing", "a"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.HMGet("h", Keys{"a", "zz", "d"}),
              IsOkAndHolds(ElementsAre(Optional(std::string("one")), std::nullopt,
                                       Optional(std::string("4")))));
  // Small hashes keep insertion order, as Redis's listpack does.
  EXPECT_THAT(s.HGetAll("h"), IsOkAndHolds(ElementsAre(Pair("b", "2"), Pair("a", "one"),
                                                       Pair("c", "3"), Pair("d", "4"))));
  EXPECT_THAT(s.HLen("h"), IsOkAndHolds(4));
  EXPECT_THAT(s.HExists("h", "c"), IsOkAndHolds(true));
  EXPECT_THAT(s.HExists("h", "zz"), IsOkAndHolds(false));
  EXPECT_THAT(s.HDel("h", Keys{"c", "zz", "c"}), IsOkAndHolds(1));
  EXPECT_THAT(s.HIncrBy("h", "n", 5), IsOkAndHolds(5));
  EXPECT_THAT(s.HIncrBy("h", "n", -7), IsOkAndHolds(-2));
  EXPECT_THAT(s.HIncrBy("h", "a", 1),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR hash value is not an integer"));
  EXPECT_THAT(s.HGetAll("missing"), IsOkAndHolds(::testing::IsEmpty()));
  // Deleting the last field deletes the key.
  EXPECT_THAT(s.HDel("h", Keys{"a", "b", "d", "n"}), IsOkAndHolds(4));
  EXPECT_THAT(s.Exists(Keys{"h"}), IsOkAndHolds(0));
}

TYPED_TEST_P(StoreHashConformance, HScanReturnsAllFields) {
  Store& s = this->store();
  ASSERT_OK(s.HSet("small", Fields{{"a", "1"}, {"b", "2"}}));
  auto page = s.HScan("small", 0, {.count = 1});
  ASSERT_OK(page);
  EXPECT_EQ(page->cursor, 0u);  // small hashes come back whole, as Redis's listpack
  EXPECT_THAT(page->fields, ElementsAre(Pair("a", "1"), Pair("b", "2")));
  std::vector<std::pair<std::string, std::string>> big;
  for (int i = 0; i < 500; ++i) big.emplace_back("f" + std::to_string(i), std::to_string(i));
  std::vector<std::pair<std::string_view, std::string_view>> views(big.begin(), big.end());
  ASSERT_OK(s.HSet("big", views));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  do {
    auto p = s.HScan("big", cursor, {.match = "f1*", .count = 20});
    ASSERT_OK(p);
    for (auto& [f, v] : p->fields) seen.insert(f);
    cursor = p->cursor;
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 111u);  // f1, f10-f19, f100-f199
}

REGISTER_TYPED_TEST_SUITE_P(StoreHashConformance, Hashes, HScanReturnsAllFields);
INSTANTIATE_TYPED_TEST_SUITE_P(Backends, StoreHashConformance, Backends, BackendNames);

}  // namespace
}  // namespace embedis::conformance
