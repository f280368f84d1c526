// Hash commands: a redis-cli-style session through the command table in-process, then a
// differential test that runs the same commands on a real redis-server 7 and compares the reply
// bytes (structurally where Redis's own output is random: HRANDFIELD samples and anything read
// from a hashtable-encoded hash, whose order is Redis's hash order).
#include <algorithm>
#include <initializer_list>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "lib/keyspace/hash_value.h"
#include "lib/keyspace/keyspace.h"
#include "lib/resp/reply_parser.h"
#include "lib/resp/value.h"
#include "lib/resp/writer.h"
#include "lib/util/strings.h"
#include "tests/testing/command_runner.h"
#include "tests/testing/redis_server.h"

namespace embedis {
namespace {

using testing::CommandRunner;
using testing::RawRespConnection;
using testing::RedisServerProcess;

const std::string kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

std::string Bulk(std::string_view s) {
  return absl::StrCat("$", s.size(), "\r\n", ToAbsl(s), "\r\n");
}

resp::Value Parse(const std::string& bytes) {
  resp::ReplyParser parser;
  parser.Feed(bytes);
  resp::Value v;
  EXPECT_TRUE(parser.Next(&v)) << "not one RESP value: " << bytes;
  return v;
}

// Shows RESP bytes readably in failure messages.
std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 32) {
      absl::StrAppend(&out, "\\x", static_cast<int>(c));
    } else {
      out += c;
    }
  }
  return out;
}

class HashFamilyTest : public ::testing::Test {
 protected:
  std::string Run(std::initializer_list<std::string_view> argv) { return r_.Run(argv); }
  std::string Encoding(std::string_view key) {
    std::string enc = "none";
    r_.keyspace().Update(0, key, [&](KeyHandle& k) {
      if (k.exists() && k.type() == ValueType::kHash) enc = std::string(k.hash().encoding());
    });
    return enc;
  }
  CommandRunner r_;
};

// ---- A redis-cli session ----

TEST_F(HashFamilyTest, SetGetAndInsertionOrder) {
  EXPECT_EQ(Run({"HSET", "h", "b", "1", "a", "2"}), ":2\r\n");
  EXPECT_EQ(Run({"HSET", "h", "b", "3", "c", "4"}), ":1\r\n");
  EXPECT_EQ(Run({"HGET", "h", "b"}), "$1\r\n3\r\n");
  EXPECT_EQ(Run({"HGET", "h", "nope"}), "$-1\r\n");
  EXPECT_EQ(Run({"HGET", "missing", "f"}), "$-1\r\n");
  EXPECT_EQ(Run({"HGETALL", "h"}),
            "*6\r\n" + Bulk("b") + Bulk("3") + Bulk("a") + Bulk("2") + Bulk("c") + Bulk("4"));
  EXPECT_EQ(Run({"HDEL", "h", "b", "b", "zz"}), ":1\r\n");
  EXPECT_EQ(Run({"HSET", "h", "b", "5"}), ":1\r\n");
  EXPECT_EQ(Run({"HKEYS", "h"}), "*3\r\n" + Bulk("a") + Bulk("c") + Bulk("b"));
  EXPECT_EQ(Run({"HVALS", "h"}), "*3\r\n" + Bulk("2") + Bulk("4") + Bulk("5"));
  EXPECT_EQ(Run({"HLEN", "h"}), ":3\r\n");
  EXPECT_EQ(Run({"HSTRLEN", "h", "a"}), ":1\r\n");
  EXPECT_EQ(Run({"HSTRLEN", "h", "zz"}), ":0\r\n");
  EXPECT_EQ(Run({"HEXISTS", "h", "a"}), ":1\r\n");
  EXPECT_EQ(Run({"HEXISTS", "h", "zz"}), ":0\r\n");
  EXPECT_EQ(Run({"HMGET", "h", "a", "zz", "b"}), "*3\r\n" + Bulk("2") + "$-1\r\n" + Bulk("5"));
  EXPECT_EQ(Run({"HMGET", "missing", "a"}), "*1\r\n$-1\r\n");
  EXPECT_EQ(Run({"HSETNX", "h", "a", "x"}), ":0\r\n");
  EXPECT_EQ(Run({"HSETNX", "h", "d", "x"}), ":1\r\n");
  EXPECT_EQ(Run({"HMSET", "h", "e", "1", "f", "2"}), "+OK\r\n");
  EXPECT_EQ(Run({"HLEN", "h"}), ":6\r\n");
}

TEST_F(HashFamilyTest, EmptiedHashIsDeleted) {
  Run({"HSET", "h", "a", "1", "b", "2"});
  EXPECT_EQ(Run({"HDEL", "h", "a", "b"}), ":2\r\n");
  EXPECT_FALSE(r_.keyspace().KeyExists(0, "h"));
  EXPECT_EQ(Run({"HDEL", "h", "a"}), ":0\r\n");
  EXPECT_EQ(Run({"HGETALL", "h"}), "*0\r\n");
  // A write that fails on a new key leaves no empty hash behind.
  EXPECT_EQ(Run({"HINCRBYFLOAT", "n", "f", "inf"}), "-ERR value is NaN or Infinity\r\n");
  EXPECT_FALSE(r_.keyspace().KeyExists(0, "n"));
}

TEST_F(HashFamilyTest, ArityAndOddArguments) {
  EXPECT_EQ(Run({"HSET", "h", "f"}), "-ERR wrong number of arguments for 'hset' command\r\n");
  EXPECT_EQ(Run({"HSET", "h", "f", "v", "g"}),
            "-ERR wrong number of arguments for 'hset' command\r\n");
  EXPECT_EQ(Run({"HMSET", "h", "f", "v", "g"}),
            "-ERR wrong number of arguments for 'hmset' command\r\n");
  EXPECT_EQ(Run({"hget", "h"}), "-ERR wrong number of arguments for 'hget' command\r\n");
  EXPECT_EQ(Run({"HSCAN", "h"}), "-ERR wrong number of arguments for 'hscan' command\r\n");
  EXPECT_FALSE(r_.keyspace().KeyExists(0, "h"));
}

TEST_F(HashFamilyTest, WrongType) {
  Run({"SET", "s", "x"});
  for (auto argv : std::vector<std::vector<std::string_view>>{{"HSET", "s", "f", "v"},
                                                              {"HSETNX", "s", "f", "v"},
                                                              {"HGET", "s", "f"},
                                                              {"HMGET", "s", "f"},
                                                              {"HMSET", "s", "f", "v"},
                                                              {"HGETALL", "s"},
                                                              {"HDEL", "s", "f"},
                                                              {"HEXISTS", "s", "f"},
                                                              {"HLEN", "s"},
                                                              {"HKEYS", "s"},
                                                              {"HVALS", "s"},
                                                              {"HSTRLEN", "s", "f"},
                                                              {"HINCRBY", "s", "f", "1"},
                                                              {"HINCRBYFLOAT", "s", "f", "1"},
                                                              {"HRANDFIELD", "s"},
                                                              {"HRANDFIELD", "s", "0"},
                                                              {"HSCAN", "s", "0", "bogus"}}) {
    EXPECT_EQ(r_.Run(argv), kWrongType) << argv[0];
  }
  // Arguments are checked before the type.
  EXPECT_EQ(Run({"HINCRBY", "s", "f", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"HINCRBYFLOAT", "s", "f", "x"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(Run({"HSCAN", "s", "x"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run({"HRANDFIELD", "s", "1", "x"}), "-ERR syntax error\r\n");
}

TEST_F(HashFamilyTest, HIncrBy) {
  EXPECT_EQ(Run({"HINCRBY", "h", "n", "5"}), ":5\r\n");
  EXPECT_EQ(Run({"HINCRBY", "h", "n", "-7"}), ":-2\r\n");
  EXPECT_EQ(Run({"HGET", "h", "n"}), Bulk("-2"));
  EXPECT_EQ(Run({"HINCRBY", "h", "n", "1.5"}), "-ERR value is not an integer or out of range\r\n");
  Run({"HSET", "h", "s", "abc", "p", "+5", "sp", " 5", "big", "9223372036854775807"});
  EXPECT_EQ(Run({"HINCRBY", "h", "s", "1"}), "-ERR hash value is not an integer\r\n");
  EXPECT_EQ(Run({"HINCRBY", "h", "p", "1"}), "-ERR hash value is not an integer\r\n");
  EXPECT_EQ(Run({"HINCRBY", "h", "sp", "1"}), "-ERR hash value is not an integer\r\n");
  EXPECT_EQ(Run({"HINCRBY", "h", "big", "1"}), "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(Run({"HINCRBY", "h", "big", "0"}), ":9223372036854775807\r\n");
  EXPECT_EQ(Run({"HINCRBY", "h", "m", "-9223372036854775808"}), ":-9223372036854775808\r\n");
  EXPECT_EQ(Run({"HINCRBY", "h", "m", "-1"}), "-ERR increment or decrement would overflow\r\n");
}

TEST_F(HashFamilyTest, HIncrByFloat) {
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "10.50000"}), Bulk("10.5"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "0.1"}), Bulk("10.6"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "-10.6"}), Bulk("0"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "g", "3.0e3"}), Bulk("3000"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "tiny", "1e-20"}), Bulk("0"));
  EXPECT_EQ(Run({"HGET", "h", "g"}), Bulk("3000"));  // stored as replied
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "abc"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "nan"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", " 1"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "inf"}), "-ERR value is NaN or Infinity\r\n");
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "-inf"}), "-ERR value is NaN or Infinity\r\n");
  Run({"HSET", "h", "s", "abc", "i", "inf", "hex", "0x10"});
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "s", "1"}), "-ERR hash value is not a float\r\n");
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "i", "1"}),
            "-ERR increment would produce NaN or Infinity\r\n");
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "hex", "1"}), Bulk("17"));  // strtold reads hex
}

TEST_F(HashFamilyTest, HIncrByFloatRejectsOutOfRangeNumbersAsRedis) {
  // Redis's string2ld rejects a number that overflows to infinity or underflows to zero.
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "1e5000"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "1e-5000"}), "-ERR value is not a valid float\r\n");
  Run({"HSET", "h", "f", "1e5000"});
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "1"}), "-ERR hash value is not a float\r\n");
}

TEST_F(HashFamilyTest, HGetAllIsAMapInResp3) {
  EXPECT_EQ(Run({"HGETALL", "h"}), "*0\r\n");
  r_.client().protocol = resp::Protocol::kResp3;
  EXPECT_EQ(Run({"HGETALL", "h"}), "%0\r\n");
  Run({"HSET", "h", "f", "v"});
  EXPECT_EQ(Run({"HGETALL", "h"}), "%1\r\n" + Bulk("f") + Bulk("v"));
  EXPECT_EQ(Run({"HGET", "h", "x"}), "_\r\n");
  EXPECT_EQ(Run({"HMGET", "h", "x"}), "*1\r\n_\r\n");
}

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

TEST_F(HashFamilyTest, EncodingFollowsRedisLimits) {
  for (int i = 0; i < 512; ++i) Run({"HSET", "h", absl::StrCat("f", i), "v"});
  EXPECT_EQ(Encoding("h"), "listpack");
  Run({"HSET", "h", "f512", "v"});
  EXPECT_EQ(Encoding("h"), "hashtable");
  Run({"HSET", "v", "f", std::string(64, 'x')});
  EXPECT_EQ(Encoding("v"), "listpack");
  Run({"HSETNX", "v", "f", std::string(65, 'x')});  // exists: no write, no conversion
  EXPECT_EQ(Encoding("v"), "listpack");
  Run({"HINCRBY", "v", std::string(65, 'k'), "1"});
  EXPECT_EQ(Encoding("v"), "hashtable");
}

TEST_F(HashFamilyTest, ReadsCountHitsAndMisses) {
  Run({"HSET", "h", "f", "v"});
  const KeyspaceStats before = r_.keyspace().GetStats();
  Run({"HGET", "h", "f"});
  Run({"HGET", "missing", "f"});
  Run({"HSCAN", "missing", "0"});
  const KeyspaceStats after = r_.keyspace().GetStats();
  EXPECT_EQ(after.keyspace_hits - before.keyspace_hits, 1u);
  EXPECT_EQ(after.keyspace_misses - before.keyspace_misses, 2u);
}

TEST_F(HashFamilyTest, CommandSpecsMatchCommandInfo) {
  const commands::CommandSpec* hset = r_.table().Find("HSET");
  ASSERT_NE(hset, nullptr);
  EXPECT_EQ(hset->arity, -4);
  EXPECT_EQ(hset->flags, commands::kWrite | commands::kDenyOom | commands::kFast);
  EXPECT_EQ(hset->first_key, 1);
  EXPECT_EQ(hset->group, "hash");
  EXPECT_EQ(r_.table().Find("hgetall")->flags, commands::kReadOnly);
  EXPECT_EQ(r_.table().Find("hdel")->flags, commands::kWrite | commands::kFast);
  EXPECT_EQ(r_.table().Find("hrandfield")->arity, -2);
  EXPECT_EQ(r_.table().Find("hscan")->arity, -3);
}

// ---- Differential: the same commands on a real redis-server ----

class HashDifferentialTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new RedisServerProcess();
    // Pin the listpack limits to the defaults embedis uses (they are Redis's defaults too).
    absl::Status s =
        redis_->Start({"--hash-max-listpack-entries", "512", "--hash-max-listpack-value", "64"});
    if (!s.ok()) start_error_ = std::string(s.message());
  }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  void SetUp() override {
    // Never skipped: without redis-server the differential test cannot vouch for anything.
    ASSERT_TRUE(start_error_.empty())
        << start_error_ << " (the differential test needs it: apt-get install redis-server)";
    ASSERT_TRUE(conn_.Connect(redis_->port()).ok());
    ASSERT_EQ(conn_.Call({"FLUSHALL"}), "+OK\r\n");
  }

  void Resp3() {
    ASSERT_EQ(conn_.Call({"HELLO", "3"}).substr(0, 1), "%");
    embedis_.client().protocol = resp::Protocol::kResp3;
  }

  // Both replies, for callers that compare structurally.
  std::pair<std::string, std::string> Both(const std::vector<std::string>& argv) {
    std::string expected = conn_.Call(absl::MakeConstSpan(argv));
    EXPECT_FALSE(expected.empty()) << conn_.last_error();
    return {expected, embedis_.Run(argv)};
  }

  static std::string Shown(const std::vector<std::string>& argv) {
    std::string shown;
    for (const auto& a : argv) absl::StrAppend(&shown, Escape(a.substr(0, 40)), " ");
    return shown;
  }

  // Exact bytes.
  void Same(const std::vector<std::string>& argv) {
    auto [expected, got] = Both(argv);
    EXPECT_EQ(Escape(got), Escape(expected)) << "command: " << Shown(argv);
    ++compared_;
  }
  void Lines(std::initializer_list<const char*> lines) {
    for (const char* line : lines) Same(absl::StrSplit(line, ' ', absl::SkipEmpty()));
  }

  // OBJECT ENCODING on Redis equals HashValue::encoding() in embedis.
  void SameEncoding(const std::string& key) {
    std::string expected = conn_.Call({"OBJECT", "ENCODING", key});
    std::string got = "$-1\r\n";
    embedis_.keyspace().Update(embedis_.client().db, key, [&](KeyHandle& k) {
      if (k.exists() && k.type() == ValueType::kHash) got = Bulk(k.hash().encoding());
    });
    if (expected == "_\r\n") expected = "$-1\r\n";
    EXPECT_EQ(Escape(got), Escape(expected)) << "encoding of " << key;
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

  static RedisServerProcess* redis_;
  static std::string start_error_;
  RawRespConnection conn_;
  CommandRunner embedis_{Clock::Real()};
  int compared_ = 0;
};

RedisServerProcess* HashDifferentialTest::redis_ = nullptr;
std::string HashDifferentialTest::start_error_;

TEST_F(HashDifferentialTest, BasicsErrorsAndArity) {
  Lines({"hset h",
         "hset h f",
         "hset h f v g",
         "hmset h f",
         "hmset h f v g",
         "hsetnx h f",
         "hget h",
         "hmget h",
         "hgetall",
         "hgetall h x",
         "hdel h",
         "hexists h",
         "hlen",
         "hkeys h x",
         "hvals",
         "hstrlen h",
         "hincrby h f",
         "hincrbyfloat h f",
         "hrandfield",
         "hscan h",
         "exists h",
         "hset h b 1 a 2 c 3",
         "hset h a 9 d 4",
         "hmset h e 5 f 6",
         "hsetnx h a x",
         "hsetnx h g 7",
         "hget h a",
         "hget h zz",
         "hget nokey a",
         "hmget h a zz b",
         "hmget nokey a b",
         "hgetall h",
         "hkeys h",
         "hvals h",
         "hlen h",
         "hlen nokey",
         "hstrlen h a",
         "hstrlen h zz",
         "hstrlen nokey a",
         "hexists h a",
         "hexists h zz",
         "hexists nokey a",
         "hdel h a a zz",
         "hdel nokey a",
         "hgetall h",
         "hset h a 10",
         "hkeys h",
         "hgetall nokey",
         "hkeys nokey",
         "hvals nokey",
         "hdel h b c d e f g a",
         "exists h",
         "hgetall h",
         "set s x",
         "hset s f v",
         "hsetnx s f v",
         "hget s f",
         "hmget s f",
         "hmset s f v",
         "hgetall s",
         "hdel s f",
         "hexists s f",
         "hlen s",
         "hkeys s",
         "hvals s",
         "hstrlen s f",
         "hincrby s f 1",
         "hincrby s f x",
         "hincrbyfloat s f 1",
         "hincrbyfloat s f x",
         "hrandfield s",
         "hrandfield s 1",
         "hrandfield s 1 x",
         "hrandfield s x",
         "hscan s 0",
         "hscan s x",
         "hscan s 0 bogus",
         "get s"});
}

TEST_F(HashDifferentialTest, Counters) {
  Lines({"hincrby h n 5",
         "hincrby h n -7",
         "hincrby h n 1.5",
         "hincrby h n 9223372036854775807",
         "hincrby h n 9223372036854775807",
         "hincrby h n2 9223372036854775807",
         "hincrby h n2 1",
         "hincrby h n3 -9223372036854775808",
         "hincrby h n3 -1",
         "hincrby h n3 9223372036854775808",
         "hincrby h n4 +1",
         "hincrby h n4 01",
         "hincrby h n4 -0",
         "hset h s abc p +5 z 007 e 5.0e3 neg -3",
         "hincrby h s 1",
         "hincrby h p 1",
         "hincrby h z 1",
         "hincrby h e 1",
         "hincrby h neg -3",
         "hincrbyfloat h f 10.50000",
         "hincrbyfloat h f 0.1",
         "hincrbyfloat h f -10.6",
         "hincrbyfloat h g 3.0e3",
         "hincrbyfloat h g 1e-20",
         "hincrbyfloat h t 1e-20",
         "hincrbyfloat h f abc",
         "hincrbyfloat h f nan",
         "hincrbyfloat h f inf",
         "hincrbyfloat h f -inf",
         "hincrbyfloat h f +inf",
         "hincrbyfloat h f 1e308",
         "hincrbyfloat h f 1e308",
         "hincrbyfloat h f 0x10",
         "hincrbyfloat h s 1",
         "hincrbyfloat h p 1",
         "hincrbyfloat h z 1.5",
         "hincrbyfloat h e 1",
         "hincrbyfloat h n3 1",
         "hincrbyfloat h n2 -1",
         "hincrbyfloat h q 5",
         "hincrbyfloat h q -0.0",
         "hincrbyfloat h q .5",
         "hincrbyfloat h q 5.",
         "hincrbyfloat h q 1e",
         "hset h i inf mi -inf",
         "hincrbyfloat h i 1",
         "hincrbyfloat h mi 1",
         "hincrby h i 1"});
  SameUnordered({"hgetall", "h"});  // a hashtable by now: f's value is 309 bytes
  Same({"hincrbyfloat", "h", "f", " 1"});
  Same({"hincrbyfloat", "h", "f", "1 "});
  Same({"hincrbyfloat", "h", "f", ""});
  Same({"hincrby", "h", "f", ""});
  Same({"hincrby", "h", "f", " 1"});
}

TEST_F(HashDifferentialTest, FloatRangeErrors) {
  // Depends on ParseLongDouble rejecting ERANGE overflow/underflow as Redis's string2ld does.
  Lines({"hincrbyfloat h f 1e5000", "hincrbyfloat h f 1e-5000", "hset h big 1e5000",
         "hincrbyfloat h big 1", "hincrbyfloat h f 1e-4940", "hgetall h"});
}

TEST_F(HashDifferentialTest, Resp3Replies) {
  Resp3();
  Lines({"hgetall nokey",
         "hget nokey f",
         "hmget nokey a b",
         "hrandfield nokey",
         "hrandfield nokey 3",
         "hrandfield nokey 3 withvalues",
         "hscan nokey 0",
         "hset h a 1 b 2 c 3",
         "hgetall h",
         "hget h a",
         "hget h zz",
         "hmget h a zz",
         "hkeys h",
         "hvals h",
         "hlen h",
         "hincrbyfloat h a 1.25",
         "hincrby h b 3",
         "hrandfield h 3",
         "hrandfield h 10 withvalues",
         "hrandfield h 0",
         "hrandfield h 0 withvalues",
         "hscan h 0",
         "hscan h 0 match [ab]",
         "hset one f v",
         "hrandfield one",
         "hrandfield one 1",
         "hrandfield one 1 withvalues",
         "hrandfield one -3",
         "hrandfield one -3 withvalues",
         "hmset h x y",
         "hsetnx h x z",
         "hdel h x",
         "hexists h a",
         "hstrlen h a",
         "hincrbyfloat h a inf",
         "set s x",
         "hgetall s",
         "hrandfield s 1"});
}

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

TEST_F(HashDifferentialTest, EncodingTransitions) {
  const std::string v64(64, 'x'), v65(65, 'y');
  Same({"hset", "a", "f", v64});
  SameEncoding("a");
  Same({"hset", "a", v64, "1"});
  SameEncoding("a");
  Same({"hsetnx", "a", "f", v65});  // existing field: no conversion
  SameEncoding("a");
  Same({"hgetall", "a"});
  Same({"hset", "a", "f", v65});
  SameEncoding("a");
  Same({"hsetnx", "b", "f", v65});
  SameEncoding("b");
  Same({"hincrby", "c", v65, "1"});
  SameEncoding("c");
  Same({"hincrbyfloat", "d", v65, "1.5"});
  SameEncoding("d");
  Same({"hset", "e", "f", "1e60"});
  Same({"hincrbyfloat", "e", "f", "1"});  // a 60-byte result stays small
  SameEncoding("e");
  Same({"hset", "e", "f", "1e70"});
  Same({"hincrbyfloat", "e", "f", "1"});  // a 71-byte result converts
  SameEncoding("e");
  // 512 fields stay a listpack, in order; the 513th converts, and deleting does not go back.
  std::vector<std::string> hset = {"hset", "big"};
  for (int i = 0; i < 512; ++i) {
    hset.push_back(absl::StrCat("field", i));
    hset.push_back(absl::StrCat(i * 7));
  }
  Same(hset);
  SameEncoding("big");
  Same({"hgetall", "big"});
  Same({"hscan", "big", "0", "count", "3"});
  Same({"hset", "big", "one-more", "x"});
  SameEncoding("big");
  for (int i = 0; i < 510; ++i) Same({"hdel", "big", absl::StrCat("field", i)});
  SameEncoding("big");
  SameUnordered({"hgetall", "big"});
  // One HSET that goes past 512 at once.
  std::vector<std::string> many = {"hset", "many"};
  for (int i = 0; i < 600; ++i) {
    many.push_back(absl::StrCat("f", i));
    many.push_back("v");
  }
  Same(many);
  SameEncoding("many");
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

// A few hundred random hash commands over a handful of keys, fields and values (some long, some
// numeric, so encodings change and counters hit every error). While a key is a listpack on both
// sides every reply must be the same bytes; a hashtable's order-dependent replies are compared
// structurally. Every step then checks that the encodings agree.
TEST_F(HashDifferentialTest, RandomCommandsMatchRedis) {
  std::mt19937 rng(20240601);
  auto pick = [&](std::initializer_list<const char*> options) {
    return std::string(*(options.begin() + rng() % options.size()));
  };
  const std::string long_value(70, 'L');
  auto key = [&] { return pick({"h1", "h2", "h3", "str", "nokey"}); };
  auto field = [&] { return pick({"a", "b", "c", "d", "n", "x", "", "a*", "long"}); };
  auto value = [&]() -> std::string {
    switch (rng() % 10) {
      case 0:
        return long_value;
      case 1:
        return pick({"1.5", "-2", "abc", "9223372036854775807", "0", "1e3", " 1"});
      default:
        return absl::StrCat(rng() % 100);
    }
  };
  Same({"set", "str", "x"});
  for (int step = 0; step < 600; ++step) {
    if (step == 300) Resp3();
    std::vector<std::string> argv;
    const std::string k = key();
    switch (rng() % 16) {
      case 0:
        argv = {"hset", k};
        for (int i = 0, n = 1 + rng() % 3; i < n; ++i) {
          argv.push_back(field());
          argv.push_back(value());
        }
        if (rng() % 20 == 0) argv.pop_back();  // odd: arity error
        break;
      case 1:
        argv = {"hsetnx", k, field(), value()};
        break;
      case 2:
        argv = {"hget", k, field()};
        break;
      case 3:
        argv = {"hmget", k, field(), field(), field()};
        break;
      case 4:
        argv = {"hmset", k, field(), value()};
        break;
      case 5:
        argv = {"hgetall", k};
        break;
      case 6:
        argv = {"hdel", k, field(), field()};
        break;
      case 7:
        argv = {"hexists", k, field()};
        break;
      case 8:
        argv = {"hlen", k};
        break;
      case 9:
        argv = {rng() % 2 ? "hkeys" : "hvals", k};
        break;
      case 10:
        argv = {"hstrlen", k, field()};
        break;
      case 11:
        argv = {"hincrby", k, field(), pick({"1", "-5", "100", "x", "9223372036854775807"})};
        break;
      case 12:
        argv = {"hincrbyfloat", k, field(), pick({"0.5", "-1.25", "1e2", "abc", "inf", "3"})};
        break;
      case 13:
        argv = {"hrandfield", k, pick({"20", "0", "-1", "x"})};
        if (rng() % 2) argv.push_back("withvalues");
        break;
      case 14:
        argv = {"hscan", k, pick({"0", "x"}), "match", pick({"*", "a*", "[ab]", "\\a*"})};
        break;
      case 15:
        argv = {"del", k};
        break;
    }
    const std::string& cmd = argv[0];
    const bool order_dependent = cmd == "hgetall" || cmd == "hkeys" || cmd == "hvals" ||
                                 cmd == "hscan" || cmd == "hrandfield";
    const std::string encoding = RedisEncoding(k);
    if (cmd == "hrandfield" && argv[2] == "-1") {
      // One random field (repeats allowed): compare the shape only.
      auto [expected, got] = Both(argv);
      EXPECT_EQ(Parse(got).type(), Parse(expected).type()) << Shown(argv);
      EXPECT_EQ(Parse(got).size(), Parse(expected).size()) << Shown(argv);
    } else if (order_dependent && encoding.find("hashtable") != std::string::npos) {
      SameUnordered(argv);
    } else {
      Same(argv);
    }
    if (k != "str" && k != "nokey") SameEncoding(k);
  }
  EXPECT_GE(compared_, 500);
}

}  // namespace
}  // namespace embedis
