// Fixtures and helpers shared by the hash command tests (hash_family_test.cc,
// hash_scan_randfield_test.cc, hash_differential_test.cc).
//
//   TEST_F(HashFamilyTest, ...)        a redis-cli-style session through the command table
//   TEST_F(HashDifferentialTest, ...)  the same commands on a real redis-server 7: the same bytes,
//                                      or the same structure where Redis's output is random
//                                      (HRANDFIELD samples, and anything read from a
//                                      hashtable-encoded hash, whose order is Redis's hash order)
#ifndef EMBEDIS_TESTS_COMMANDS_HASH_TEST_UTIL_H_
#define EMBEDIS_TESTS_COMMANDS_HASH_TEST_UTIL_H_

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/resp/reply_parser.h"
#include "lib/resp/value.h"
#include "lib/util/strings.h"
#include "tests/testing/command_runner.h"
#include "tests/testing/differential.h"

namespace embedis::testing {

inline std::string Bulk(std::string_view s) {
  return absl::StrCat("$", s.size(), "\r\n", ToAbsl(s), "\r\n");
}

// The one RESP value in `bytes` (a test failure if there is not exactly a whole one).
inline resp::Value Parse(const std::string& bytes) {
  resp::ReplyParser parser;
  parser.Feed(bytes);
  resp::Value v;
  EXPECT_TRUE(parser.Next(&v)) << "not one RESP value: " << bytes;
  return v;
}

// In-process: commands through the command table, on a ManualClock.
class HashFamilyTest : public ::testing::Test {
 protected:
  std::string Run(std::initializer_list<std::string_view> argv) { return r_.Run(argv); }
  // HashValue::encoding() of `key` in database 0, or "none".
  std::string Encoding(std::string_view key) {
    std::string enc = "none";
    r_.keyspace().Update(0, key, [&](KeyHandle& k) {
      if (k.exists() && k.type() == ValueType::kHash) enc = std::string(k.hash().encoding());
    });
    return enc;
  }
  CommandRunner r_;
};

// Differential, with Redis's listpack limits pinned to the defaults embedis uses.
class HashDifferentialTest : public DifferentialTest {
 protected:
  static void SetUpTestSuite() {
    StartRedis({"--hash-max-listpack-entries", "512", "--hash-max-listpack-value", "64"});
  }

  // OBJECT ENCODING on Redis equals HashValue::encoding() in embedis.
  void SameEncoding(const std::string& key) {
    std::string expected = conn_.Call({"OBJECT", "ENCODING", key});
    std::string got = "$-1\r\n";
    embedis_.keyspace().Update(embedis_.client().db, key, [&](KeyHandle& k) {
      if (k.exists() && k.type() == ValueType::kHash) got = Bulk(k.hash().encoding());
    });
    if (expected == "_\r\n") expected = "$-1\r\n";
    EXPECT_EQ(EscapeResp(got), EscapeResp(expected)) << "encoding of " << key;
  }

  std::string RedisEncoding(const std::string& key) {
    return conn_.Call({"OBJECT", "ENCODING", key});
  }

  // Same reply up to the order of elements. Field-value pairs stay pairs: map pairs, HGETALL's
  // and HRANDFIELD WITHVALUES's flat RESP2 arrays, and an HSCAN page.
  void SameUnordered(const std::vector<std::string>& argv) {
    auto [expected, got] = Both(argv);
    const bool flat_pairs =
        argv[0] == "hgetall" || argv[0] == "hscan" || (argv[0] == "hrandfield" && argv.size() == 4);
    EXPECT_EQ(Normalize(Parse(got), flat_pairs), Normalize(Parse(expected), flat_pairs))
        << "command: " << Shown(argv);
    ++compared_;
  }
  static std::vector<std::string> Normalize(const resp::Value& v, bool flat_pairs) {
    std::vector<std::string> out;
    if (v.type() == resp::Type::kArray && v.size() == 2 &&
        v.elements()[0].type() == resp::Type::kBulkString &&
        v.elements()[1].type() == resp::Type::kArray) {  // an HSCAN page: cursor and pairs
      out = Normalize(v.elements()[1], true);
      out.push_back("<cursor " + v.elements()[0].str() + ">");
      return out;
    }
    if (!v.is_aggregate()) return {v.DebugString()};
    const auto& e = v.elements();
    const bool pairs =
        v.type() == resp::Type::kMap || (flat_pairs && (e.empty() || !e[0].is_aggregate()));
    for (size_t i = 0; i < e.size(); i += pairs ? 2 : 1) {
      out.push_back(pairs ? e[i].DebugString() + "=" + e[i + 1].DebugString() : e[i].DebugString());
    }
    std::sort(out.begin(), out.end());
    out.push_back(std::string("<") + std::string(resp::TypeName(v.type())) + ">");
    return out;
  }
};

}  // namespace embedis::testing

#endif  // EMBEDIS_TESTS_COMMANDS_HASH_TEST_UTIL_H_
