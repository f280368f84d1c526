// Pub/Sub and keyspace notifications on embedis-server, compared byte for byte with a real
// redis-server: a subscriber and a publisher connection on each server run the same script.
#include "lib/keyspace/pubsub.h"

#include <sys/socket.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/server/server_fixture.h"
#include "tests/testing/differential.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

// One step: connection 0 (the subscriber) or 1 (the publisher) sends argv and reads `replies`
// replies (pushes included). replies < 0: read until a message on channel "marker" arrived.
struct Step {
  int conn;
  std::vector<std::string> argv;
  int replies = 1;
};

class PubSubTest : public ServerTest {
 protected:
  // Runs `steps` on two fresh connections to `port`; returns the transcript.
  static std::string Run(int port, const std::vector<Step>& steps, bool resp3) {
    RawRespConnection c[2];
    if (!c[0].Connect(port).ok() || !c[1].Connect(port).ok()) return "connect failed";
    if (resp3) {  // HELLO's reply names the server: not compared
      c[0].Call({"HELLO", "3"});
    }
    std::string t;
    for (const Step& s : steps) {
      absl::StrAppend(&t, s.conn, "> ");
      for (const auto& a : s.argv) absl::StrAppend(&t, a, " ");
      t += "\n";
      std::string cmd = absl::StrCat("*", s.argv.size(), "\r\n");
      for (const auto& a : s.argv) absl::StrAppend(&cmd, "$", a.size(), "\r\n", a, "\r\n");
      if (!c[s.conn].SendRaw(cmd).ok()) return t + "send failed";
      if (s.replies >= 0) {
        for (int i = 0; i < s.replies; ++i) t += EscapeResp(c[s.conn].ReadReply()) + "\n";
        continue;
      }
      // The publisher's own reply, then the subscriber's messages up to the marker.
      t += EscapeResp(c[1].ReadReply()) + "\n";
      c[1].Call({"PUBLISH", "marker", "m"});
      // Sorted: the deliveries of several matching patterns come in no defined order (Redis
      // walks a hash table of patterns).
      std::vector<std::string> messages;
      for (int i = 0; i < 50; ++i) {
        std::string m = c[0].ReadReply();
        if (m.empty() || m.find("marker") != std::string::npos) break;
        messages.push_back("  " + EscapeResp(m) + "\n");
      }
      std::sort(messages.begin(), messages.end());
      for (const std::string& m : messages) t += m;
    }
    return t;
  }

  void Compare(const std::vector<Step>& steps, bool resp3) {
    const std::string ours = Run(port_, steps, resp3);
    const std::string theirs = Run(redis_->port(), steps, resp3);
    EXPECT_EQ(ours, theirs);
  }
};

TEST_F(PubSubTest, Resp2SubscribedModeMatchesRedis) {
  StartServer();
  ASSERT_NO_FATAL_FAILURE(StartRedisBeside());
  Compare(
      {
          {0, {"UNSUBSCRIBE"}},  // not subscribed: [unsubscribe, nil, 0]
          {0, {"PUNSUBSCRIBE"}},
          {0, {"SUBSCRIBE", "a", "b"}, 2},
          {0, {"SUBSCRIBE", "a"}},
          {0, {"PSUBSCRIBE", "h?llo"}},
          {0, {"GET", "x"}},
          {0, {"CLIENT", "LIST"}},
          {0, {"PUBLISH", "a", "x"}},
          {0, {"NOSUCH"}},
          {0, {"GET"}},
          {0, {"PING"}},
          {0, {"PING", "hi"}},
          {1, {"PUBLISH", "a", "m1"}},
          {1, {"PUBLISH", "hello", "m2"}},
          {1, {"PUBLISH", "nobody", "m3"}},
          {1, {"PUBSUB", "NUMSUB", "a", "b", "c"}},
          {1, {"PUBSUB", "NUMPAT"}},
          {1, {"PUBSUB", "CHANNELS", "a*"}},
          {1, {"PUBSUB", "CHANNELS", "a", "b"}},
          {1, {"PUBSUB", "NUMSUB"}},
          {1, {"PUBSUB", "HELP"}},
          {1, {"PUBSUB", "NOSUCH"}},
          {1, {"PUBLISH", "a"}},
          {0, {"UNSUBSCRIBE", "a", "zz"}, 2},
          {0, {"UNSUBSCRIBE"}},
          {0, {"PUNSUBSCRIBE"}},
          {0, {"SSUBSCRIBE", "s1"}},
          {0, {"GET", "x"}},
          {1, {"SPUBLISH", "s1", "sm"}},
          {1, {"PUBLISH", "s1", "pm"}},
          {1, {"PUBSUB", "SHARDCHANNELS"}},
          {1, {"PUBSUB", "SHARDNUMSUB", "s1", "s2"}},
          {0, {"SUNSUBSCRIBE"}},
          {0, {"GET", "x"}},
          {0, {"SUBSCRIBE", "z"}},
          {0, {"RESET"}},
          {0, {"GET", "x"}},
          {1, {"PUBSUB", "NUMSUB", "z"}},
          {1, {"PUBLISH", "z", "gone"}},
      },
      false);
}

TEST_F(PubSubTest, Resp2MessagesMatchRedis) {
  StartServer();
  ASSERT_NO_FATAL_FAILURE(StartRedisBeside());
  Compare(
      {
          {0, {"SUBSCRIBE", "marker", "a"}, 2},
          {0, {"PSUBSCRIBE", "h*", "*o"}, 2},
          {1, {"PUBLISH", "a", "m1"}, -1},
          {1, {"PUBLISH", "hello", "m2"}, -1},  // two matching patterns: two pmessages
          {1, {"PUBLISH", "x", "m3"}, -1},
          {0, {"SSUBSCRIBE", "s"}},
          {1, {"SPUBLISH", "s", "m4"}, -1},
      },
      false);
}

TEST_F(PubSubTest, Resp3PushesMatchRedis) {
  StartServer();
  ASSERT_NO_FATAL_FAILURE(StartRedisBeside());
  Compare(
      {
          {0, {"UNSUBSCRIBE"}},
          {0, {"SUBSCRIBE", "marker", "a"}, 2},
          {0, {"GET", "x"}},  // normal commands run in RESP3
          {0, {"PING"}},
          {1, {"PUBLISH", "a", "m1"}, -1},
          {0, {"PUBLISH", "a", "self"}, 2},  // the push comes before the reply
          {0, {"PSUBSCRIBE", "a*"}},
          {1, {"PUBLISH", "a", "m2"}, -1},
          {0, {"PUBSUB", "NUMSUB", "a"}},
          {0, {"UNSUBSCRIBE", "a"}},
          {0, {"PUNSUBSCRIBE"}},
          {0, {"SSUBSCRIBE", "s"}},
          {1, {"SPUBLISH", "s", "m3"}, -1},
          {0, {"RESET"}},
      },
      true);
}

TEST_F(PubSubTest, KeyspaceNotificationsMatchRedis) {
  StartServer();
  ASSERT_NO_FATAL_FAILURE(StartRedisBeside());
  for (bool resp3 : {false, true}) {
    SCOPED_TRACE(resp3 ? "RESP3" : "RESP2");
    Compare(
        {
            {1, {"FLUSHALL"}},
            {1, {"CONFIG", "SET", "notify-keyspace-events", "KEA"}},
            {1, {"CONFIG", "GET", "notify-keyspace-events"}},
            {0, {"SUBSCRIBE", "marker"}},
            {0, {"PSUBSCRIBE", "__key*__:*"}},
            {1, {"SET", "k", "v"}, -1},
            {1, {"SET", "k", "v", "EX", "100"}, -1},
            {1, {"EXPIRE", "k", "200"}, -1},
            {1, {"PERSIST", "k"}, -1},
            {1, {"RENAME", "k", "k2"}, -1},
            {1, {"DEL", "k2", "nokey"}, -1},
            {1, {"MSET", "a", "1", "b", "2"}, -1},
            {1, {"INCRBY", "a", "5"}, -1},
            {1, {"INCR", "a"}, -1},
            {1, {"APPEND", "b", "x"}, -1},
            {1, {"HSET", "h", "f", "v"}, -1},
            {1, {"HINCRBY", "h", "n", "1"}, -1},
            {1, {"HDEL", "h", "f", "n"}, -1},
            {1, {"LPUSH", "l", "a", "b"}, -1},
            {1, {"RPUSH", "l", "c"}, -1},
            {1, {"LPOP", "l"}, -1},
            {1, {"RPOP", "l", "5"}, -1},
            {1, {"SADD", "s", "a", "b"}, -1},
            {1, {"SREM", "s", "a", "b"}, -1},
            {1, {"SADD", "s2", "a"}, -1},  // one member: SPOP's reply is known
            {1, {"SPOP", "s2"}, -1},
            {1, {"SADD", "s2", "a"}, -1},
            {1, {"SPOP", "s2", "5"}, -1},
            {1, {"SMOVE", "s", "s2", "a"}, -1},
            {1, {"SADD", "s", "a"}, -1},
            {1, {"SMOVE", "s", "s3", "a"}, -1},
            {1, {"ZADD", "z", "1", "a"}, -1},
            {1, {"ZINCRBY", "z", "1", "a"}, -1},
            {1, {"ZREM", "z", "a"}, -1},
            {1, {"EXPIRE", "a", "-1"}, -1},
            {1, {"CONFIG", "SET", "notify-keyspace-events", "Kgn"}},
            {1, {"CONFIG", "GET", "notify-keyspace-events"}},
            {1, {"SET", "n1", "v"}, -1},
            {1, {"LPUSH", "n2", "v"}, -1},
            {1, {"CONFIG", "SET", "notify-keyspace-events", "nope"}},
            {1, {"CONFIG", "SET", "notify-keyspace-events", ""}},
        },
        resp3);
  }
}

// The events of the multi-key, STORE, pop-many, bit and HyperLogLog commands, including the "del"
// of a destination an empty result removes and of a key a pop empties.
TEST_F(PubSubTest, KeyspaceNotificationsOfStoreAndRangeCommandsMatchRedis) {
  StartServer();
  ASSERT_NO_FATAL_FAILURE(StartRedisBeside());
  Compare(
      {
          {1, {"FLUSHALL"}},
          {1, {"CONFIG", "SET", "notify-keyspace-events", "KEA"}},
          {0, {"SUBSCRIBE", "marker"}},
          {0, {"PSUBSCRIBE", "__key*__:*"}},
          {1, {"SADD", "s1", "a", "b"}, -1},
          {1, {"SADD", "s2", "b", "c"}, -1},
          {1, {"SINTERSTORE", "d", "s1", "s2"}, -1},
          {1, {"SUNIONSTORE", "d", "s1", "s2"}, -1},
          {1, {"SDIFFSTORE", "d", "s1", "s2"}, -1},
          {1, {"SINTERSTORE", "d", "s1", "nokey"}, -1},
          {1, {"SINTERSTORE", "d", "s1", "nokey"}, -1},
          {1, {"ZADD", "z1", "1", "a", "2", "b", "3", "c", "4", "d"}, -1},
          {1, {"ZADD", "z2", "1", "b"}, -1},
          {1, {"ZUNIONSTORE", "zd", "2", "z1", "z2"}, -1},
          {1, {"ZINTERSTORE", "zd", "2", "z1", "z2"}, -1},
          {1, {"ZDIFFSTORE", "zd", "2", "z1", "z2"}, -1},
          {1, {"ZRANGESTORE", "zd", "z1", "0", "1"}, -1},
          {1, {"ZRANGESTORE", "zd", "z1", "5", "6"}, -1},
          {1, {"ZINTERSTORE", "zd", "2", "z1", "nokey"}, -1},
          {1, {"ZPOPMIN", "z1"}, -1},
          {1, {"ZPOPMAX", "z1"}, -1},
          {1, {"ZREMRANGEBYRANK", "z1", "0", "0"}, -1},
          {1, {"ZADD", "z1", "1", "a", "2", "b", "0", "x", "0", "y"}, -1},
          {1, {"ZREMRANGEBYSCORE", "z1", "1", "1"}, -1},
          {1, {"ZREMRANGEBYLEX", "z1", "[x", "[y"}, -1},
          {1, {"ZMPOP", "1", "z1", "MIN", "COUNT", "5"}, -1},
          {1, {"ZADD", "z3", "1", "a"}, -1},
          {1, {"BZPOPMIN", "z3", "1"}, -1},
          {1, {"SETBIT", "b1", "7", "1"}, -1},
          {1, {"SETBIT", "b1", "7", "1"}, -1},
          {1, {"BITFIELD", "b2", "SET", "u8", "0", "255"}, -1},
          {1, {"BITFIELD", "b2", "GET", "u8", "0"}, -1},
          {1, {"BITOP", "OR", "b3", "b1", "b2"}, -1},
          {1, {"BITOP", "AND", "b3", "nokey", "nokey2"}, -1},
          {1, {"PFADD", "h1", "a", "b"}, -1},
          {1, {"PFADD", "h1", "a"}, -1},
          {1, {"PFADD", "h2", "c"}, -1},
          {1, {"PFMERGE", "h3", "h1", "h2"}, -1},
          {1, {"SET", "g", "v"}, -1},
          {1, {"GETEX", "g", "EX", "100"}, -1},
          {1, {"GETEX", "g", "PERSIST"}, -1},
          {1, {"GETEX", "g", "PX", "-5"}, -1},
          {1, {"SET", "g", "v"}, -1},
          {1, {"GETDEL", "g"}, -1},
          {1, {"SETEX", "g", "100", "v"}, -1},
          {1, {"PSETEX", "g", "100000", "v"}, -1},
          {1, {"SETNX", "g2", "v"}, -1},
          {1, {"GETSET", "g2", "w"}, -1},
          {1, {"MSETNX", "m1", "1", "m2", "2"}, -1},
          {1, {"INCRBYFLOAT", "m1", "1.5"}, -1},
          {1, {"DECRBY", "m2", "1"}, -1},
          {1, {"SETRANGE", "m2", "3", "x"}, -1},
          {1, {"HSETNX", "hh", "f", "v"}, -1},
          {1, {"HINCRBYFLOAT", "hh", "n", "1.5"}, -1},
          {1, {"RPUSH", "l1", "a", "b", "c"}, -1},
          {1, {"LMOVE", "l1", "l2", "LEFT", "RIGHT"}, -1},
          {1, {"LSET", "l1", "0", "x"}, -1},
          {1, {"LINSERT", "l1", "BEFORE", "x", "y"}, -1},
          {1, {"LREM", "l1", "0", "y"}, -1},
          {1, {"LTRIM", "l1", "0", "0"}, -1},
          {1, {"LMPOP", "1", "l1", "LEFT", "COUNT", "9"}, -1},
          {1, {"RPUSH", "srt", "3", "1", "2"}, -1},
          {1, {"SORT", "srt", "STORE", "sd"}, -1},
          {1, {"SORT", "nokey", "STORE", "sd"}, -1},
          {1, {"COPY", "srt", "cp"}, -1},
          {1, {"MOVE", "cp", "1"}, -1},
          {1, {"PEXPIRE", "srt", "100000"}, -1},
          {1, {"EXPIREAT", "srt", "1"}, -1},
          {1, {"UNLINK", "l2"}, -1},
          {1, {"CONFIG", "SET", "notify-keyspace-events", ""}},
      },
      false);
}

// "keymiss" (class m) fires where redis-server's read lookups miss: read commands of every
// family on missing keys (each missing key once), reads of a write command's sources (BITOP,
// SORT BY and GET patterns), never for a write command's own keys, nor for lookups Redis makes
// without notifying (OBJECT, MEMORY USAGE, TYPE on some versions: whatever redis-server does).
TEST_F(PubSubTest, KeyMissEventsMatchRedis) {
  StartServer();
  ASSERT_NO_FATAL_FAILURE(StartRedisBeside());
  std::vector<Step> steps = {
      {1, {"FLUSHALL"}},
      {1, {"MGET", "before", "resetstat"}},  // counted, then zeroed
      {1, {"CONFIG", "RESETSTAT"}},
      {1, {"CONFIG", "SET", "notify-keyspace-events", "KEm"}},
      {1, {"CONFIG", "GET", "notify-keyspace-events"}},
      {0, {"SUBSCRIBE", "marker"}},
      {0, {"PSUBSCRIBE", "__key*__:*"}},
      {1, {"SET", "str", "v"}, -1},
      {1, {"HSET", "h", "f", "v"}, -1},
      {1, {"RPUSH", "l", "3", "1", "2"}, -1},
      {1, {"SADD", "s", "a"}, -1},
      {1, {"ZADD", "z", "1", "a"}, -1},
      {1, {"SET", "gone", "v", "PX", "1"}, -1},
  };
  const std::vector<std::vector<std::string>> reads = {
      {"GET", "m1"},
      {"GET", "str"},
      {"MGET", "m1", "str", "m2"},
      {"EXISTS", "m1", "str"},
      {"TYPE", "m1"},
      {"TTL", "m1"},
      {"PTTL", "m1"},
      {"EXPIRETIME", "m1"},
      {"STRLEN", "m1"},
      {"GETRANGE", "m1", "0", "1"},
      {"SUBSTR", "m1", "0", "1"},
      {"GETEX", "m1"},
      {"GETDEL", "m1"},
      {"LCS", "m1", "m2"},
      {"HGET", "m1", "f"},
      {"HGETALL", "m1"},
      {"HMGET", "m1", "f"},
      {"HLEN", "m1"},
      {"HEXISTS", "m1", "f"},
      {"HSTRLEN", "m1", "f"},
      {"HKEYS", "m1"},
      {"HRANDFIELD", "m1"},
      {"HSCAN", "m1", "0"},
      {"LRANGE", "m1", "0", "-1"},
      {"LLEN", "m1"},
      {"LINDEX", "m1", "0"},
      {"LPOS", "m1", "a"},
      {"LPOP", "m1"},
      {"SMEMBERS", "m1"},
      {"SISMEMBER", "m1", "a"},
      {"SMISMEMBER", "m1", "a"},
      {"SCARD", "m1"},
      {"SRANDMEMBER", "m1"},
      {"SINTER", "s", "m1"},
      {"SUNION", "m1", "s", "m2"},
      {"SDIFF", "m1", "s"},
      {"SINTERCARD", "2", "m1", "s"},
      {"SUNIONSTORE", "d", "m1", "s"},
      {"SSCAN", "m1", "0"},
      {"ZRANGE", "m1", "0", "-1"},
      {"ZSCORE", "m1", "a"},
      {"ZMSCORE", "m1", "a"},
      {"ZCARD", "m1"},
      {"ZRANK", "m1", "a"},
      {"ZCOUNT", "m1", "0", "1"},
      {"ZRANDMEMBER", "m1"},
      {"ZUNION", "2", "m1", "z"},
      {"ZINTERCARD", "2", "m1", "z"},
      {"ZUNIONSTORE", "d", "2", "m1", "z"},
      {"ZRANGESTORE", "d", "m1", "0", "-1"},
      {"ZSCAN", "m1", "0"},
      {"GETBIT", "m1", "0"},
      {"BITCOUNT", "m1"},
      {"BITPOS", "m1", "1"},
      {"BITFIELD_RO", "m1", "GET", "u8", "0"},
      {"BITFIELD", "m1", "GET", "u8", "0"},
      {"BITOP", "OR", "d", "m1", "str"},
      {"PFCOUNT", "m1"},
      {"PFCOUNT", "m1", "m2"},
      {"PFMERGE", "d2", "m1"},
      {"SORT", "m1"},
      {"SORT", "l", "BY", "w_*"},
      {"SORT", "l", "BY", "nosort", "GET", "o_*", "GET", "#"},
      {"SORT_RO", "l", "BY", "w_*"},
      {"OBJECT", "ENCODING", "m1"},
      {"MEMORY", "USAGE", "m1"},
      {"TOUCH", "m1", "str"},
      {"COPY", "m1", "d3"},
      {"RENAME", "m1", "d3"},
      {"LMOVE", "m1", "d3", "LEFT", "LEFT"},
      {"SMOVE", "m1", "d3", "a"},
      {"GET", "gone"},
      {"DEL", "m1"},
      {"INCR", "m1"},
      {"EVAL", "return redis.call('GET', KEYS[1])", "1", "m5"},
  };
  for (const auto& argv : reads) steps.push_back({1, argv, -1});
  steps.push_back({1, {"MULTI"}});
  steps.push_back({1, {"GET", "m6"}});
  steps.push_back({1, {"EXEC"}, -1});
  steps.push_back({1, {"CONFIG", "SET", "notify-keyspace-events", "KEA"}});
  steps.push_back({1, {"GET", "m7"}, -1});  // A excludes m
  steps.push_back({1, {"CONFIG", "SET", "notify-keyspace-events", ""}});
  Compare(steps, false);
  // The same lookups count INFO's keyspace_hits and keyspace_misses.
  auto counters = [](int port) {
    RawRespConnection c;
    if (!c.Connect(port).ok()) return std::string("connect failed");
    const std::string info = c.Call({"INFO", "stats"});
    std::string out;
    for (const char* field : {"keyspace_hits:", "keyspace_misses:"}) {
      const size_t at = info.find(field);
      if (at == std::string::npos) return absl::StrCat("no ", field);
      out += info.substr(at, info.find('\r', at) - at) + " ";
    }
    return out;
  };
  EXPECT_EQ(counters(port_), counters(redis_->port()));
}

// MONITOR's lines from `port` while another connection runs `commands` (then ECHO marker), with the
// timestamp and the client's port taken out ("[<db> <ip>]" or "[<db> lua]" stay).
std::string MonitorTranscript(int port, const std::vector<std::vector<std::string>>& commands) {
  RawRespConnection mon, c;
  if (!mon.Connect(port).ok() || !c.Connect(port).ok()) return "connect failed";
  std::string t = EscapeResp(mon.Call({"MONITOR"})) + "\n";
  for (const auto& argv : commands) c.Call(argv);
  c.Call({"ECHO", "marker"});
  for (int i = 0; i < 100; ++i) {
    std::string line = mon.ReadReply();
    if (line.empty()) return t + "no line";
    // "+<sec>.<usec> [<db> <ip>:<port>] ..." -> "+[<db> <ip>] ..."
    const size_t open = line.find('['), close = line.find(']');
    if (line[0] != '+' || open == std::string::npos || close == std::string::npos) {
      return t + "bad line " + EscapeResp(line);
    }
    std::string where = line.substr(open, close - open);
    if (const size_t colon = where.rfind(':'); colon != std::string::npos) where.resize(colon);
    line = "+" + where + line.substr(close);
    t += EscapeResp(line) + "\n";
    if (line.find("\"marker\"") != std::string::npos) break;
  }
  return t;
}

// MONITOR shows what redis-server's shows: each command after it ran (SELECT's line in the new
// database), EXEC's commands then EXEC, EVAL before its script's commands (from "lua"), AUTH and
// HELLO AUTH secrets redacted, arguments quoted as sdscatrepr; not unknown commands, arity errors
// or admin commands (CONFIG, CLIENT); RESET leaves monitor mode.
TEST_F(PubSubTest, MonitorMatchesRedis) {
  StartServer();
  ASSERT_NO_FATAL_FAILURE(StartRedisBeside());
  const std::vector<std::vector<std::string>> commands = {
      {"SET", "k", std::string("a b\"c\nd\\\x01\xff\t", 11)},
      {"GET"},
      {"NOSUCH", "x"},
      {"CONFIG", "GET", "port"},
      {"CLIENT", "LIST"},
      {"AUTH", "foo"},
      {"AUTH", "user", "foo"},
      {"HELLO", "2", "AUTH", "u", "p", "SETNAME", "n"},
      {"MULTI"},
      {"SET", "a", "1"},
      {"INCR", "a"},
      {"EXEC"},
      {"EVAL", "return redis.call('get','k')", "0"},
      {"SELECT", "3"},
      {"INCR", "x"},
      {"SELECT", "0"},
      {"PING"},
      {"RPUSH", "l", "v"},
      {"BLPOP", "l", "0"},
  };
  const std::string ours = MonitorTranscript(port_, commands);
  const std::string theirs = MonitorTranscript(redis_->port(), commands);
  EXPECT_EQ(ours, theirs);
  EXPECT_NE(ours.find("(redacted)"), std::string::npos);
  EXPECT_NE(ours.find("+[0 lua] \"get\" \"k\""), std::string::npos) << ours;

  // RESET leaves monitor mode: nothing more arrives, the next reply is the command's own.
  RawRespConnection mon, c;
  ASSERT_TRUE(mon.Connect(port_).ok() && c.Connect(port_).ok());
  EXPECT_EQ(mon.Call({"MONITOR"}), "+OK\r\n");
  EXPECT_EQ(mon.Call({"RESET"}), "+RESET\r\n");
  c.Call({"SET", "after", "reset"});
  EXPECT_EQ(mon.Call({"PING"}), "+PONG\r\n");
}

// INFO stats counts channels, patterns and shard channels with a subscriber, as redis-server does.
TEST_F(PubSubTest, InfoCountsChannelsAndPatterns) {
  StartServer();
  ASSERT_NO_FATAL_FAILURE(StartRedisBeside());
  for (int port : {port_, redis_->port()}) {
    SCOPED_TRACE(port == port_ ? "embedis" : "redis");
    RawRespConnection sub, other, c;
    ASSERT_TRUE(sub.Connect(port).ok() && other.Connect(port).ok() && c.Connect(port).ok());
    sub.Call({"SUBSCRIBE", "a", "b"});
    sub.ReadReply();
    other.Call({"SUBSCRIBE", "b"});
    sub.Call({"PSUBSCRIBE", "p*"});
    other.Call({"SSUBSCRIBE", "s"});
    const std::string info = c.Call({"INFO", "stats"});
    EXPECT_NE(info.find("\r\npubsub_channels:2\r\n"), std::string::npos) << info;
    EXPECT_NE(info.find("\r\npubsub_patterns:1\r\n"), std::string::npos) << info;
    EXPECT_NE(info.find("\r\npubsubshard_channels:1\r\n"), std::string::npos) << info;
  }
}

TEST_F(PubSubTest, SlowSubscriberIsCutOffAndPublishKeepsWorking) {
  StartServer();
  auto admin = Connect();
  ASSERT_EQ(admin->Call({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 0 0"}),
            "+OK\r\n");
  // A subscriber that never reads, with small socket buffers.
  RawRespConnection sub;
  ASSERT_TRUE(sub.Connect(port_).ok());
  ASSERT_EQ(sub.Call({"SUBSCRIBE", "c"}), "*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n");
  const std::string payload(64 * 1024, 'x');
  int64_t delivered_to_none = 0;
  for (int i = 0; i < 400; ++i) {
    std::string r = admin->Call({"PUBLISH", "c", payload});
    ASSERT_FALSE(r.empty()) << "publisher stalled or lost at message " << i;
    if (r == ":0\r\n") ++delivered_to_none;
  }
  // The subscriber was disconnected (unsubscribed from everything), the publisher never waited.
  EXPECT_GT(delivered_to_none, 0);
  EXPECT_EQ(admin->Call({"PUBSUB", "NUMSUB", "c"}), "*2\r\n$1\r\nc\r\n:0\r\n");
  const std::string info = admin->Call({"INFO", "stats"});
  EXPECT_NE(info.find("client_output_buffer_limit_disconnections:1"), std::string::npos) << info;
}

TEST_F(PubSubTest, CrossThreadDeliveryReachesEveryLoop) {
  ServerOptions options;
  options.io_threads = 3;
  StartServer(options);
  std::vector<std::unique_ptr<RawRespConnection>> subs;
  for (int i = 0; i < 6; ++i) {
    subs.push_back(Connect());
    ASSERT_EQ(subs.back()->Call({"SUBSCRIBE", "c"}).substr(0, 4), "*3\r\n");
  }
  auto pub = Connect();
  for (int n = 0; n < 100; ++n) {
    ASSERT_EQ(pub->Call({"PUBLISH", "c", std::to_string(n)}), ":6\r\n");
  }
  for (auto& s : subs) {
    for (int n = 0; n < 100; ++n) {
      const std::string v = std::to_string(n);
      ASSERT_EQ(s->ReadReply(),
                absl::StrCat("*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$", v.size(), "\r\n", v, "\r\n"));
    }
  }
  // CLIENT LIST shows the subscriptions.
  const std::string list = pub->Call({"CLIENT", "LIST"});
  EXPECT_NE(list.find("flags=P db=0 sub=1 psub=0 ssub=0"), std::string::npos) << list;
}

// The embedding application subscribes in-process and sees what a network client publishes,
// and keyspace notifications of network writes.
TEST_F(PubSubTest, InProcessSubscriberSeesNetworkMessages) {
  StartServer();
  std::mutex mu;
  std::vector<std::string> seen;
  auto sub = std::make_shared<CallbackSubscriber>([&](const PubSubMessage& m) {
    std::lock_guard l(mu);
    seen.push_back(std::string(m.pattern) + "|" + std::string(m.channel) + "|" +
                   std::string(m.payload));
  });
  keyspace_.pubsub().Subscribe(PubSubKind::kChannel, "news", sub);
  keyspace_.pubsub().Subscribe(PubSubKind::kPattern, "__keyevent@0__:*", sub);
  auto c = Connect();
  EXPECT_EQ(c->Call({"PUBLISH", "news", "hi"}), ":1\r\n");
  EXPECT_EQ(c->Call({"CONFIG", "SET", "notify-keyspace-events", "E$"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"SET", "k", "v"}), "+OK\r\n");
  keyspace_.pubsub().UnsubscribeAll(sub.get());
  std::lock_guard l(mu);
  EXPECT_EQ(seen, (std::vector<std::string>{"|news|hi", "__keyevent@0__:*|__keyevent@0__:set|k"}));
}

}  // namespace
}  // namespace embedis::testing
