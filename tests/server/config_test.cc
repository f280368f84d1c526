// The configuration table (server/config_table.h) through all its doors: the command line, a
// redis.conf-style file, CONFIG GET and CONFIG SET, compared with a real redis-server 7.0.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "server/config_table.h"
#include "server/options.h"
#include "tests/server/embedis_process.h"
#include "tests/server/net_test_util.h"
#include "tests/server/server_fixture.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

// The in-process server and a real redis-server, answering the same commands.
class ConfigDifferentialTest : public ServerTest {
 protected:
  void SetUp() override {
    StartServer();
    ASSERT_TRUE(redis_.Start().ok());
    ASSERT_TRUE(ours_.Connect(port_).ok());
    ASSERT_TRUE(theirs_.Connect(redis_.port()).ok());
  }
  void Same(const std::vector<std::string>& cmd) {
    EXPECT_EQ(ours_.Call(cmd), theirs_.Call(cmd)) << absl::StrJoin(cmd, " ");
  }
  // For glob patterns, whose answers Redis gives in its hash table's order: the same pairs.
  void SamePairs(const std::vector<std::string>& cmd) {
    auto pairs = [](const std::string& reply) {
      std::vector<std::string> lines = absl::StrSplit(reply, "\r\n");
      std::vector<std::string> out;
      for (size_t i = 2; i + 3 < lines.size(); i += 4) {
        out.push_back(absl::StrCat(lines[i], "=", lines[i + 2]));
      }
      std::sort(out.begin(), out.end());
      return absl::StrCat(lines.empty() ? "" : lines[0], " ", absl::StrJoin(out, " "));
    };
    EXPECT_EQ(pairs(ours_.Call(cmd)), pairs(theirs_.Call(cmd))) << absl::StrJoin(cmd, " ");
  }
  RedisServerProcess redis_;
  RawRespConnection ours_, theirs_;
};

TEST_F(ConfigDifferentialTest, HzIsClampedNotRefused) {
  for (const char* hz : {"0", "501", "100000", "-1", "abc", "7"}) {
    Same({"CONFIG", "SET", "hz", hz});
    Same({"CONFIG", "GET", "hz"});
  }
}

TEST_F(ConfigDifferentialTest, DuplicateParametersAreRefused) {
  Same({"CONFIG", "SET", "timeout", "1", "timeout", "2"});
  Same({"CONFIG", "SET", "timeout", "1", "TIMEOUT", "2"});
  // A name and its alias are two parameters to Redis 7.0: the later one wins.
  Same({"CONFIG", "SET", "hash-max-listpack-entries", "1", "hash-max-ziplist-entries", "2"});
  Same({"CONFIG", "GET", "timeout"});
  Same({"CONFIG", "GET", "hash-max-listpack-entries"});
}

TEST_F(ConfigDifferentialTest, ErrorsComeInRedisOrder) {
  Same({"CONFIG", "SET", "hz", "5", "nosuch", "1", "port"});  // odd: syntax error
  Same({"CONFIG", "SET", "databases", "5", "nosuch", "1"});   // immutable first
  Same({"CONFIG", "SET", "nosuch", "1", "databases", "5"});   // unknown first
  Same({"CONFIG", "SET", "timeout", "abc", "nosuch", "1"});   // names before values
  Same({"CONFIG", "SET", "hash-max-ziplist-value", "abc"});   // the name as given
  Same({"CONFIG", "SET", "maxclients", "0"});
  Same({"CONFIG", "SET", "list-compress-depth", "-1"});
  Same({"CONFIG", "SET", "set-max-intset-entries", "1gb"});
  Same({"CONFIG", "SET", "hash-max-listpack-entries", "-1"});
}

TEST_F(ConfigDifferentialTest, SetIsAllOrNothing) {
  // The second value is bad: the first is not applied either.
  Same({"CONFIG", "SET", "timeout", "9", "maxclients", "abc"});
  Same({"CONFIG", "GET", "timeout"});
  Same({"CONFIG", "SET", "timeout", "9", "hz", "20", "loglevel", "verbose"});
  Same({"CONFIG", "GET", "timeout"});
  Same({"CONFIG", "GET", "hz"});
  Same({"CONFIG", "GET", "loglevel"});
}

TEST_F(ConfigDifferentialTest, ClientOutputBufferLimitKeepsEveryClass) {
  Same({"CONFIG", "GET", "client-output-buffer-limit"});
  Same({"CONFIG", "SET", "client-output-buffer-limit",
        "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60"});
  Same({"CONFIG", "GET", "client-output-buffer-limit"});
  Same({"CONFIG", "SET", "client-output-buffer-limit", "normal 10mb 5mb 10"});
  Same({"CONFIG", "GET", "client-output-buffer-limit"});
  Same({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 1mb 1 slave 2mb 1mb 3"});
  Same({"CONFIG", "GET", "client-output-buffer-limit"});
  Same({"CONFIG", "SET", "client-output-buffer-limit", "normal 1 2"});
  Same({"CONFIG", "SET", "client-output-buffer-limit", "master 1 2 3"});
  Same({"CONFIG", "SET", "client-output-buffer-limit", "normal x 2 3"});
  Same({"CONFIG", "GET", "client-output-buffer-limit"});
}

TEST_F(ConfigDifferentialTest, EncodingParametersAsRedis70) {
  for (const char* name :
       {"hash-max-listpack-entries", "hash-max-listpack-value", "hash-max-ziplist-entries",
        "hash-max-ziplist-value", "list-max-listpack-size", "list-max-ziplist-size",
        "list-compress-depth", "set-max-intset-entries", "zset-max-listpack-entries",
        "zset-max-listpack-value", "zset-max-ziplist-entries", "zset-max-ziplist-value"}) {
    Same({"CONFIG", "GET", name});
  }
  // An alias and its parameter are one value.
  Same({"CONFIG", "SET", "hash-max-ziplist-value", "1kb"});
  Same({"CONFIG", "GET", "hash-max-listpack-value"});
  Same({"CONFIG", "SET", "list-max-listpack-size", "-5"});
  Same({"CONFIG", "GET", "list-max-ziplist-size"});
  Same({"CONFIG", "SET", "zset-max-listpack-entries", "7", "list-compress-depth", "2"});
  Same({"CONFIG", "GET", "zset-max-ziplist-entries"});
  Same({"CONFIG", "GET", "list-compress-depth"});
  // Exact names answer under the name as given; globs match names and aliases.
  Same({"CONFIG", "GET", "MAXCLIENTS"});
  Same({"CONFIG", "GET", "maxclients", "MAXCLIENTS"});
  SamePairs({"CONFIG", "GET", "*ziplist-size"});
  SamePairs({"CONFIG", "GET", "list-max-*"});
  SamePairs({"CONFIG", "GET", "hash-*", "zset*", "*intset*"});
  // The command layer reads the values (RuntimeConfig::Encoding()); here through CONFIG GET.
  EXPECT_EQ(ours_.Call({"CONFIG", "GET", "set-max-listpack-entries"}),
            "*2\r\n$24\r\nset-max-listpack-entries\r\n$3\r\n128\r\n");
}

// set-max-intset-entries is applied as Redis applies it: a new limit takes effect at a set's next
// SADD (lowered: the intset converts; raised: new intsets grow further), and SINTERSTORE's result
// follows it too.
TEST_F(ConfigDifferentialTest, SetMaxIntsetEntriesIsApplied) {
  Same({"SADD", "s", "1", "2", "3", "4"});
  Same({"OBJECT", "ENCODING", "s"});
  Same({"CONFIG", "SET", "set-max-intset-entries", "3"});
  Same({"OBJECT", "ENCODING", "s"});  // untouched: still an intset
  Same({"SADD", "s", "5"});
  Same({"OBJECT", "ENCODING", "s"});
  Same({"SADD", "t", "1", "2", "3"});
  Same({"OBJECT", "ENCODING", "t"});
  Same({"SADD", "t", "4"});
  Same({"OBJECT", "ENCODING", "t"});
  Same({"SADD", "u", "1", "2"});
  Same({"SINTERSTORE", "d", "s", "s"});
  Same({"OBJECT", "ENCODING", "d"});
  Same({"SINTERSTORE", "d", "u", "u"});
  Same({"OBJECT", "ENCODING", "d"});
  Same({"CONFIG", "SET", "set-max-intset-entries", "1000"});
  std::vector<std::string> big = {"SADD", "b"};
  for (int i = 0; i < 900; ++i) big.push_back(std::to_string(i));
  Same(big);
  Same({"OBJECT", "ENCODING", "b"});
  Same({"CONFIG", "SET", "set-max-intset-entries", "0"});
  Same({"SADD", "z", "1"});
  Same({"OBJECT", "ENCODING", "z"});
  Same({"CONFIG", "SET", "set-max-intset-entries", "512"});
}

// zset-max-listpack-* and hash-max-listpack-* are applied as Redis applies them: a new limit takes
// effect at a value's next write (a listpack past it converts; nothing converts back), new values
// and STORE results follow it, 0 entries makes every new value a skiplist / hash table.
TEST_F(ConfigDifferentialTest, ZsetAndHashListpackLimitsAreApplied) {
  Same({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
  Same({"CONFIG", "SET", "zset-max-listpack-entries", "2"});
  Same({"OBJECT", "ENCODING", "z"});  // untouched: still a listpack
  Same({"ZADD", "z", "4", "d"});
  Same({"OBJECT", "ENCODING", "z"});
  Same({"ZADD", "y", "1", "a", "2", "b"});
  Same({"OBJECT", "ENCODING", "y"});
  Same({"ZINCRBY", "y", "1", "c"});
  Same({"OBJECT", "ENCODING", "y"});
  Same({"ZUNIONSTORE", "u", "1", "y"});
  Same({"OBJECT", "ENCODING", "u"});
  Same({"ZREM", "y", "c"});
  Same({"ZUNIONSTORE", "u", "1", "y"});
  Same({"OBJECT", "ENCODING", "u"});
  Same({"ZRANGESTORE", "r", "z", "0", "1"});
  Same({"OBJECT", "ENCODING", "r"});
  Same({"ZRANGESTORE", "r", "z", "0", "-1"});
  Same({"OBJECT", "ENCODING", "r"});
  Same({"CONFIG", "SET", "zset-max-listpack-value", "3"});
  Same({"ZADD", "v", "1", "abcd"});
  Same({"OBJECT", "ENCODING", "v"});
  Same({"ZADD", "w", "1", "abc"});
  Same({"OBJECT", "ENCODING", "w"});
  Same({"CONFIG", "SET", "zset-max-listpack-entries", "0"});
  Same({"ZADD", "e", "1", "a"});
  Same({"OBJECT", "ENCODING", "e"});
  Same({"CONFIG", "SET", "zset-max-listpack-entries", "128", "zset-max-listpack-value", "64"});
  Same({"ZADD", "e2", "1", "a"});
  Same({"OBJECT", "ENCODING", "e2"});

  Same({"HSET", "h", "a", "1", "b", "2", "c", "3"});
  Same({"CONFIG", "SET", "hash-max-listpack-entries", "2"});
  Same({"OBJECT", "ENCODING", "h"});
  Same({"HSET", "h", "d", "4"});
  Same({"OBJECT", "ENCODING", "h"});
  Same({"HSET", "g", "a", "1", "b", "2"});
  Same({"OBJECT", "ENCODING", "g"});
  Same({"HINCRBY", "g", "c", "3"});
  Same({"OBJECT", "ENCODING", "g"});
  Same({"CONFIG", "SET", "hash-max-listpack-value", "3"});
  Same({"HSET", "v2", "f", "abcd"});
  Same({"OBJECT", "ENCODING", "v2"});
  Same({"HSET", "w2", "f", "abc"});
  Same({"OBJECT", "ENCODING", "w2"});
  Same({"CONFIG", "SET", "hash-max-listpack-entries", "0"});
  Same({"HSET", "e3", "f", "1"});
  Same({"OBJECT", "ENCODING", "e3"});
  Same({"CONFIG", "SET", "hash-max-listpack-entries", "512", "hash-max-listpack-value", "64"});
}

TEST(ConfigTable, EveryParameterOnceAndItsDefaultRoundTrips) {
  std::vector<std::string> names;
  const ServerOptions defaults;
  for (const ConfigParam& p : ConfigTable()) {
    for (const std::string& n : {p.name, p.alias}) {
      if (n.empty()) continue;
      EXPECT_EQ(std::find(names.begin(), names.end(), n), names.end()) << n;
      names.push_back(n);
    }
    ASSERT_TRUE(p.set && p.get) << p.name;
    // Setting the default's text gives the defaults back.
    ServerOptions o;
    EXPECT_EQ(p.set(o, p.get(defaults)), std::nullopt) << p.name;
    EXPECT_EQ(p.get(o), p.get(defaults)) << p.name;
  }
  EXPECT_EQ(FindConfigParam("HASH-MAX-ZIPLIST-ENTRIES")->name, "hash-max-listpack-entries");
  EXPECT_EQ(FindConfigParam("nosuch"), nullptr);
}

TEST(ConfigTable, SplitsArgumentsAsSdssplitargs) {
  using V = std::vector<std::string>;
  EXPECT_EQ(SplitConfigArgs("save 900 1   300 10"), (V{"save", "900", "1", "300", "10"}));
  EXPECT_EQ(SplitConfigArgs("requirepass \"a b\\x41\\n\""), (V{"requirepass", "a bA\n"}));
  EXPECT_EQ(SplitConfigArgs("requirepass 'it\\'s'"), (V{"requirepass", "it's"}));
  EXPECT_EQ(SplitConfigArgs("save \"\""), (V{"save", ""}));
  EXPECT_EQ(SplitConfigArgs("  "), V{});
  EXPECT_EQ(SplitConfigArgs("hz \"5"), std::nullopt);
  EXPECT_EQ(SplitConfigArgs("hz \"5\"x"), std::nullopt);
  EXPECT_EQ(SplitConfigArgs("hz '5"), std::nullopt);
}

std::string WriteFile(const std::string& name, const std::string& text) {
  std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigTable, ConfigFileThenFlags) {
  WriteFile("inc.conf", "timeout 30\n");
  const std::string path =
      WriteFile("main.conf",
                "# comment\n\n  port 7000\nrequirepass \"s3 cret\"\nsave 900 1\nsave 300 10\n"
                "hash-max-ziplist-entries 99\nclient-output-buffer-limit normal 1mb 512kb 5\n"
                "appendonly no\ninclude inc.conf\nbind 127.0.0.1 -::1\nhz 0\n");
  ServerOptions o;
  std::string file;
  bool help = false;
  ASSERT_TRUE(ParseCommandLine({"embedis-server", path, "--port", "7001", "--save", "60", "5",
                                "--protected_mode", "no", "--maxclients=50"},
                               &o, &file, &help)
                  .ok());
  EXPECT_EQ(file, path);
  EXPECT_EQ(o.port, 7001);  // the flag wins
  EXPECT_EQ(o.requirepass, "s3 cret");
  EXPECT_EQ(o.persistence.save, "60 5");  // the flag replaces the file's rules
  EXPECT_EQ(o.encoding.hash_max_listpack_entries, 99);
  EXPECT_EQ(o.client_output_buffer_limit, 1024 * 1024);
  EXPECT_EQ(o.client_output_buffer_soft_limit, 512 * 1024);
  EXPECT_EQ(o.client_output_buffer_soft_seconds, 5);
  EXPECT_EQ(o.timeout_seconds, 30);
  EXPECT_EQ(o.bind, (std::vector<std::string>{"127.0.0.1", "-::1"}));
  EXPECT_EQ(o.hz, 1);
  EXPECT_FALSE(o.protected_mode);
  EXPECT_EQ(o.maxclients, 50);
  // Save lines of one file add up.
  ServerOptions f;
  ASSERT_TRUE(ParseCommandLine({"embedis-server", path}, &f, &file, &help).ok());
  EXPECT_EQ(f.persistence.save, "900 1 300 10");
}

TEST(ConfigTable, ConfigFileErrorsNameFileAndLine) {
  const std::string path = WriteFile("bad.conf", "port 7000\n# ok\nfoo bar\n");
  ServerOptions o;
  std::string file;
  bool help = false;
  absl::Status s = ParseCommandLine({"embedis-server", path}, &o, &file, &help);
  EXPECT_EQ(s.message(),
            absl::StrCat("\n*** FATAL CONFIG FILE ERROR (embedis-server) ***\nReading the "
                         "configuration file ",
                         path,
                         ", at line 3\n>>> 'foo bar'\nBad directive or wrong number of "
                         "arguments"));
  for (const auto& [text, why] : std::vector<std::pair<std::string, std::string>>{
           {"hz \"5\n", "Unbalanced quotes in configuration line"},
           {"port 7390 1\n", "wrong number of arguments"},
           {"timeout abc\n", "argument couldn't be parsed into an integer"},
           {"aof-use-rdb-preamble no\n", "only 'yes' is accepted"},
           {"include /nonexistent/x.conf\n", "can't open config file"},
       }) {
    const std::string bad = WriteFile("bad2.conf", text);
    s = ParseCommandLine({"embedis-server", bad}, &o, &file, &help);
    EXPECT_NE(s.message().find(why), absl::string_view::npos) << s.message();
    EXPECT_NE(s.message().find(absl::StrCat(bad, ", at line 1")), absl::string_view::npos)
        << s.message();
  }
  EXPECT_FALSE(ParseCommandLine({"embedis-server", "--nosuch", "1"}, &o, &file, &help).ok());
  EXPECT_FALSE(ParseCommandLine({"embedis-server", "--shards", "3"}, &o, &file, &help).ok());
  ASSERT_TRUE(ParseCommandLine({"embedis-server", "--help"}, &o, &file, &help).ok());
  EXPECT_TRUE(help);
}

TEST(EmbedisServerBinary, ReadsAConfigFileAndFlagsOverrideIt) {
  const std::string path =
      WriteFile("server.conf", "timeout 42\nhz 33\nzset-max-ziplist-value 100\nsave \"\"\n");
  EmbedisProcess p;
  EmbedisProcess::Options options;
  options.attempts = 3;
  // EmbedisProcess puts --port after the file.
  ASSERT_TRUE(p.Start({path, "--hz", "44"}, options)) << p.Log();
  RawRespConnection c;
  ASSERT_TRUE(c.Connect(p.port()).ok());
  EXPECT_EQ(c.Call({"CONFIG", "GET", "timeout"}), "*2\r\n$7\r\ntimeout\r\n$2\r\n42\r\n");
  EXPECT_EQ(c.Call({"CONFIG", "GET", "hz"}), "*2\r\n$2\r\nhz\r\n$2\r\n44\r\n");
  EXPECT_EQ(c.Call({"CONFIG", "GET", "zset-max-listpack-value"}),
            "*2\r\n$23\r\nzset-max-listpack-value\r\n$3\r\n100\r\n");
}

}  // namespace
}  // namespace embedis::testing
