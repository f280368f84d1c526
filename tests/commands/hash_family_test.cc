// Hash commands, basics: a redis-cli-style session through the command table in-process (HSET
// and friends, counters, errors, RESP3, encodings, command specs). HSCAN and HRANDFIELD are in
// hash_scan_randfield_test.cc, the comparison with a real redis-server in
// hash_differential_test.cc.
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/keyspace.h"
#include "lib/resp/writer.h"
#include "tests/commands/hash_test_util.h"

namespace embedis::testing {
namespace {

const std::string kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

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

}  // namespace
}  // namespace embedis::testing
