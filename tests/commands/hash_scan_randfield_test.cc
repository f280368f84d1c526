// HSCAN and HRANDFIELD: in-process (paging, cursors, counts, RESP3 shapes), then against a real
// redis-server 7 (the same bytes where the reply is deterministic, the same structure where
// Redis's output is random or follows its hash order).
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/resp/value.h"
#include "lib/resp/writer.h"
#include "tests/commands/hash_test_util.h"

namespace embedis::testing {
namespace {

// ---- A redis-cli session ----

TEST_F(HashFamilyTest, HRandField) {
  EXPECT_EQ(Run({"HRANDFIELD", "h"}), "$-1\r\n");
  EXPECT_EQ(Run({"HRANDFIELD", "h", "5"}), "*0\r\n");
  Run({"HSET", "h", "a", "1", "b", "2", "c", "3"});
  EXPECT_EQ(Run({"HRANDFIELD", "h", "0"}), "*0\r\n");
  // count >= size: the whole hash in order.
  EXPECT_EQ(Run({"HRANDFIELD", "h", "3"}), "*3\r\n" + Bulk("a") + Bulk("b") + Bulk("c"));
  EXPECT_EQ(Run({"HRANDFIELD", "h", "100", "WITHVALUES"}),
            "*6\r\n" + Bulk("a") + Bulk("1") + Bulk("b") + Bulk("2") + Bulk("c") + Bulk("3"));
  EXPECT_EQ(Parse(Run({"HRANDFIELD", "h", "-10"})).size(), 10u);
  EXPECT_EQ(Parse(Run({"HRANDFIELD", "h", "2"})).size(), 2u);
  EXPECT_EQ(Run({"HRANDFIELD", "h", "-9223372036854775808"}),
            "-ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807\r\n");
  EXPECT_EQ(Run({"HRANDFIELD", "h", "-4611686018427387904", "withvalues"}),
            "-ERR value is out of range\r\n");
  EXPECT_EQ(Run({"HRANDFIELD", "h", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"HRANDFIELD", "h", "1", "withvalues", "x"}), "-ERR syntax error\r\n");
  // RESP3 nests [field, value] pairs.
  r_.client().protocol = resp::Protocol::kResp3;
  Run({"HSET", "one", "f", "v"});
  EXPECT_EQ(Run({"HRANDFIELD", "one", "-2", "withvalues"}),
            "*2\r\n*2\r\n" + Bulk("f") + Bulk("v") + "*2\r\n" + Bulk("f") + Bulk("v"));
  EXPECT_EQ(Run({"HRANDFIELD", "missing"}), "_\r\n");
  EXPECT_EQ(Run({"HRANDFIELD", "missing", "1"}), "*0\r\n");
}

TEST_F(HashFamilyTest, HScanOfListpackIsOnePage) {
  EXPECT_EQ(Run({"HSCAN", "h", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(Run({"HSCAN", "h", "0", "bogus"}), "*2\r\n$1\r\n0\r\n*0\r\n");  // missing key first
  Run({"HSET", "h", "b", "1", "a", "2", "ab", "3"});
  const std::string all = "*2\r\n$1\r\n0\r\n*6\r\n" + Bulk("b") + Bulk("1") + Bulk("a") +
                          Bulk("2") + Bulk("ab") + Bulk("3");
  EXPECT_EQ(Run({"HSCAN", "h", "0", "COUNT", "1"}), all);
  EXPECT_EQ(Run({"HSCAN", "h", "12345"}), all);
  EXPECT_EQ(Run({"HSCAN", "h", "-1"}), all);
  EXPECT_EQ(Run({"HSCAN", "h", ""}), all);
  EXPECT_EQ(r_.Run(std::vector<std::string>{"HSCAN", "h", std::string("1\0x", 3)}), all);
  EXPECT_EQ(Run({"HSCAN", "h", "0", "MATCH", "a*"}),
            "*2\r\n$1\r\n0\r\n*4\r\n" + Bulk("a") + Bulk("2") + Bulk("ab") + Bulk("3"));
  EXPECT_EQ(Run({"HSCAN", "h", " 0"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run({"HSCAN", "h", "18446744073709551616"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run({"HSCAN", "h", "+"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run({"HSCAN", "h", "0", "COUNT", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"HSCAN", "h", "0", "COUNT"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"HSCAN", "h", "0", "COUNT", "x"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"HSCAN", "h", "0", "NOVALUES"}), "-ERR syntax error\r\n");  // 7.4+ only
}

TEST_F(HashFamilyTest, HScanOfHashtablePagesAndCoversEverything) {
  for (int i = 0; i < 1000; ++i) Run({"HSET", "h", absl::StrCat("f", i), absl::StrCat(i)});
  EXPECT_EQ(Encoding("h"), "hashtable");
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    resp::Value v = Parse(Run({"HSCAN", "h", cursor, "COUNT", "20"}));
    ASSERT_EQ(v.size(), 2u);
    cursor = v.elements()[0].str();
    const auto& items = v.elements()[1].elements();
    ASSERT_EQ(items.size() % 2, 0u);
    for (size_t i = 0; i < items.size(); i += 2) {
      EXPECT_EQ("f" + items[i + 1].str(), items[i].str());
      seen.insert(items[i].str());
    }
    ++calls;
  } while (cursor != "0" && calls < 10000);
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_GT(calls, 10);
}

// ---- Differential: the same commands on a real redis-server ----

TEST_F(HashDifferentialTest, RandFieldDeterministicCases) {
  Lines({"hset h a 1 b 2 c 3 d 4",
         "hrandfield h 4",
         "hrandfield h 5",
         "hrandfield h 100",
         "hrandfield h 4 withvalues",
         "hrandfield h 4 WithValues",
         "hrandfield h 0",
         "hrandfield h 0 withvalues",
         "hrandfield nokey",
         "hrandfield nokey 0",
         "hrandfield nokey -5 withvalues",
         "hrandfield h x",
         "hrandfield h 1.5",
         "hrandfield h 1 x",
         "hrandfield h 1 withvalues x",
         "hrandfield nokey 1 x",
         "hrandfield nokey x",
         "hrandfield h -9223372036854775808",
         "hrandfield h 9223372036854775808",
         "hrandfield h -4611686018427387904 withvalues",
         "hrandfield h 4611686018427387904 withvalues",
         "hset one f v",
         "hrandfield one",
         "hrandfield one -4",
         "hrandfield one -2 withvalues",
         "hrandfield one 1 withvalues"});
  // Random samples: same shape, members of the hash, distinct for positive counts.
  for (const char* count : {"1", "2", "3", "-1", "-3", "-20"}) {
    for (bool with_values : {false, true}) {
      std::vector<std::string> argv = {"hrandfield", "h", count};
      if (with_values) argv.push_back("withvalues");
      auto [expected, got] = Both(argv);
      resp::Value e = Parse(expected), g = Parse(got);
      ASSERT_EQ(g.type(), e.type());
      ASSERT_EQ(g.size(), e.size()) << Shown(argv);
      std::set<std::string> fields;
      for (size_t i = 0; i < g.size(); i += with_values ? 2 : 1) {
        const std::string& f = g.elements()[i].str();
        EXPECT_TRUE(f == "a" || f == "b" || f == "c" || f == "d") << f;
        if (with_values) {
          EXPECT_EQ(g.elements()[i + 1].str()[0] - '1', f[0] - 'a');
        }
        fields.insert(f);
      }
      if (count[0] != '-') {
        EXPECT_EQ(fields.size(), g.size() / (with_values ? 2 : 1));
      }
    }
  }
}

TEST_F(HashDifferentialTest, ScanOptions) {
  Lines({"hset h b 1 a 2 ab 3 c 4",
         "hscan h 0",
         "hscan h 0 count 1",
         "hscan h 0 COUNT 100",
         "hscan h 7",
         "hscan h -1",
         "hscan h +5",
         "hscan h 18446744073709551615",
         "hscan h 18446744073709551616",
         "hscan h abc",
         "hscan h 0x1",
         "hscan h 1.0",
         "hscan h - ",
         "hscan h 0 match a*",
         "hscan h 0 match *",
         "hscan h 0 match [ab]",
         "hscan h 0 MATCH a MATCH b",
         "hscan h 0 match x*",
         "hscan h 0 match",
         "hscan h 0 count",
         "hscan h 0 count 0",
         "hscan h 0 count -1",
         "hscan h 0 count x",
         "hscan h 0 bogus",
         "hscan h 0 novalues",
         "hscan h 0 type string",
         "hscan h 0 count 1 match",
         "hscan h x",
         "hscan nokey x",
         "hscan nokey 0 bogus",
         "hscan nokey 0 count 0"});
  Same({"hscan", "h", ""});
  Same({"hscan", "h", " 1"});
  Same({"hscan", "h", "1 "});
  Same({"hscan", "h", std::string("1\0abc", 5)});
  Same({"hscan", "h", std::string("\0", 1)});
  Same({"hscan", "h", "-"});
  Same({"hscan", "h", "+"});
}

TEST_F(HashDifferentialTest, HashtableEncodedReadsCompareStructurally) {
  std::vector<std::string> hset = {"hset", "h"};
  for (int i = 0; i < 2000; ++i) {
    hset.push_back(absl::StrCat("f", i));
    hset.push_back(absl::StrCat("v", i * 3));
  }
  Same(hset);
  SameEncoding("h");
  for (int i = 0; i < 2000; i += 7) Same({"hdel", "h", absl::StrCat("f", i)});
  Same({"hlen", "h"});
  SameUnordered({"hgetall", "h"});
  SameUnordered({"hkeys", "h"});
  SameUnordered({"hvals", "h"});
  Same({"hmget", "h", "f1", "f7", "f8", "nope"});
  Same({"hget", "h", "f1999"});
  Same({"hstrlen", "h", "f1999"});
  Same({"hincrby", "h", "f1", "1"});
  Same({"hincrbyfloat", "h", "n", "1.5"});
  SameUnordered({"hrandfield", "h", "5000"});
  Resp3();
  SameUnordered({"hgetall", "h"});
  // Both servers page through the hash with a real cursor: compare the pages' shape and the
  // union of every page (as the SCAN guarantee promises) with HGETALL.
  for (const char* count : {"1", "10", "100", "5000"}) {
    std::set<std::pair<std::string, std::string>> pages[2];
    for (int side = 0; side < 2; ++side) {
      std::string cursor = "0";
      int calls = 0;
      do {
        std::vector<std::string> argv = {"hscan", "h", cursor, "count", count};
        std::string reply = side == 0 ? conn_.Call(absl::MakeConstSpan(argv)) : embedis_.Run(argv);
        resp::Value v = Parse(reply);
        ASSERT_EQ(v.type(), resp::Type::kArray);
        ASSERT_EQ(v.size(), 2u);
        ASSERT_EQ(v.elements()[0].type(), resp::Type::kBulkString);
        cursor = v.elements()[0].str();
        const auto& items = v.elements()[1].elements();
        ASSERT_EQ(items.size() % 2, 0u);
        for (size_t i = 0; i < items.size(); i += 2) {
          pages[side].emplace(items[i].str(), items[i + 1].str());
        }
        ASSERT_LT(++calls, 100000);
      } while (cursor != "0");
    }
    EXPECT_EQ(pages[1], pages[0]) << "count " << count;
    EXPECT_EQ(static_cast<int64_t>(pages[1].size()), Parse(embedis_.Run({"hlen", "h"})).integer());
  }
  // MATCH filters each page; the union is the matching fields.
  std::set<std::string> matched[2];
  for (int side = 0; side < 2; ++side) {
    std::string cursor = "0";
    do {
      std::vector<std::string> argv = {"hscan", "h", cursor, "match", "f1?"};
      resp::Value v = Parse(side == 0 ? conn_.Call(absl::MakeConstSpan(argv)) : embedis_.Run(argv));
      cursor = v.elements()[0].str();
      for (size_t i = 0; i < v.elements()[1].elements().size(); i += 2) {
        matched[side].insert(v.elements()[1].elements()[i].str());
      }
    } while (cursor != "0");
  }
  EXPECT_EQ(matched[1], matched[0]);
  EXPECT_EQ(matched[1].size(), 9u);  // f10..f19 without f14 (deleted: 14 % 7 == 0)
  // Random samples: shape, distinctness and membership.
  for (const char* count : {"3", "100", "1500", "-7", "-3000"}) {
    for (bool with_values : {false, true}) {
      std::vector<std::string> argv = {"hrandfield", "h", count};
      if (with_values) argv.push_back("withvalues");
      auto [expected, got] = Both(argv);
      resp::Value e = Parse(expected), g = Parse(got);
      ASSERT_EQ(g.size(), e.size()) << Shown(argv);
      std::set<std::string> fields;
      for (const auto& item : g.elements()) {
        const std::string& f = with_values ? item.elements()[0].str() : item.str();
        EXPECT_TRUE(f[0] == 'f' || f == "n") << f;
        if (with_values) {
          ASSERT_EQ(item.size(), 2u);  // RESP3: nested pairs
          EXPECT_EQ(Parse(embedis_.Run({"hget", "h", f})).str(), item.elements()[1].str());
        }
        fields.insert(f);
      }
      if (count[0] != '-') {
        EXPECT_EQ(fields.size(), g.size());
      }
    }
  }
  Same({"hrandfield", "h", "0"});
}

}  // namespace
}  // namespace embedis::testing
