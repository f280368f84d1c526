// The real embedis-server binary: flags, startup line, SIGTERM/SIGINT, SHUTDOWN, and a short
// redis-benchmark load.
#include <signal.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/server/embedis_process.h"
#include "tests/server/net_test_util.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

// A free port can be taken between the probe and the server's bind: try three ports.
EmbedisProcess::Options Retrying() {
  EmbedisProcess::Options options;
  options.attempts = 3;
  return options;
}

TEST(EmbedisServerBinary, StartsAndStopsCleanlyOnSigterm) {
  EmbedisProcess p;
  ASSERT_TRUE(p.Start({"--io-threads", "2"}, Retrying())) << p.Log();
  const std::string log = p.Log();
  EXPECT_NE(log.find(absl::StrCat("started: port=", p.port(), " pid=", p.pid())), std::string::npos)
      << log;
  int client = ConnectTcp(p.port());
  ASSERT_GE(client, 0);
  ASSERT_TRUE(SendAll(client, "SET k v\r\n"));
  EXPECT_EQ(Collect(client, 300).bytes, "+OK\r\n");
  ASSERT_EQ(kill(p.pid(), SIGTERM), 0);
  EXPECT_EQ(p.WaitExit(10000), 0) << p.Log();
  EXPECT_TRUE(Collect(client, 1000).closed);
  close(client);
  EXPECT_NE(p.Log().find("Received SIGTERM"), std::string::npos);
  EXPECT_NE(p.Log().find("bye bye"), std::string::npos);
}

TEST(EmbedisServerBinary, StopsOnSigint) {
  EmbedisProcess p;
  ASSERT_TRUE(p.Start({}, Retrying())) << p.Log();
  ASSERT_EQ(kill(p.pid(), SIGINT), 0);
  EXPECT_EQ(p.WaitExit(10000), 0) << p.Log();
}

TEST(EmbedisServerBinary, ShutdownCommandExits) {
  EmbedisProcess p;
  ASSERT_TRUE(p.Start({}, Retrying())) << p.Log();
  std::string cli = FindExecutable("redis-cli");
  ASSERT_FALSE(cli.empty()) << "redis-cli not found; install it with: apt-get install redis-tools";
  int code = 0;
  RunShell(absl::StrCat(cli, " -p ", p.port(), " SHUTDOWN NOSAVE 2>&1"), &code);
  EXPECT_EQ(p.WaitExit(10000), 0) << p.Log();
}

TEST(EmbedisServerBinary, RedisStyleFlags) {
  EmbedisProcess p;
  std::string sock = absl::StrCat("/tmp/embedis-bin-", getpid(), ".sock");  // short: sun_path
  ASSERT_TRUE(p.Start({"--bind",
                       "127.0.0.1 -::1",
                       "--client-query-buffer-limit",
                       "1mb",
                       "--proto-max-bulk-len=2mb",
                       "--maxclients",
                       "77",
                       "--timeout",
                       "300",
                       "--requirepass",
                       "pw",
                       "--databases",
                       "4",
                       "--unixsocket",
                       sock,
                       "--unixsocketperm",
                       "700",
                       "--loglevel",
                       "warning",
                       "--hz",
                       "20",
                       "--protected-mode",
                       "no",
                       "--shards",
                       "8"},
                      Retrying()))
      << p.Log();
  std::string cli = FindExecutable("redis-cli");
  ASSERT_FALSE(cli.empty()) << "redis-cli not found; install it with: apt-get install redis-tools";
  int code = 0;
  std::string out = RunShell(
      absl::StrCat(cli, " -p ", p.port(), " --no-auth-warning -a pw CONFIG GET '*' 2>&1"), &code);
  for (const char* want :
       {"client-query-buffer-limit\n1048576\n", "proto-max-bulk-len\n2097152\n", "maxclients\n77\n",
        "timeout\n300\n", "databases\n4\n", "hz\n20\n", "loglevel\nwarning\n",
        "protected-mode\nno\n", "shards\n8\n", "bind\n127.0.0.1 -::1\n", "unixsocketperm\n700\n"}) {
    EXPECT_NE(out.find(want), std::string::npos) << want << "\n" << out;
  }
  // Over the unix socket, with the password.
  out = RunShell(absl::StrCat(cli, " -s ", sock, " --no-auth-warning -a pw PING 2>&1"), &code);
  EXPECT_EQ(out, "PONG\n");
  out = RunShell(absl::StrCat(cli, " -s ", sock, " PING 2>&1"), &code);
  EXPECT_NE(out.find("NOAUTH"), std::string::npos) << out;
}

TEST(EmbedisServerBinary, RejectsBadFlags) {
  int code = 0;
  RunShell("server/embedis-server --client-query-buffer-limit lots 2>&1", &code);
  EXPECT_NE(code, 0);
  RunShell("server/embedis-server --loglevel loud 2>&1", &code);
  EXPECT_NE(code, 0);
  RunShell("server/embedis-server --no-such-flag 1 2>&1", &code);
  EXPECT_NE(code, 0);
}

TEST(EmbedisServerBinary, RedisBenchmarkLoadHasNoErrors) {
  EmbedisProcess p;
  ASSERT_TRUE(p.Start({}, Retrying())) << p.Log();
  std::string bench = FindExecutable("redis-benchmark");
  ASSERT_FALSE(bench.empty())
      << "redis-benchmark not found; install it with: apt-get install redis-tools";
  int code = 0;
  std::string out = RunShell(absl::StrCat(bench, " -p ", p.port(),
                                          " -q -t set,get,incr,hset,mget -n 20000 -P 16 -c 50 "
                                          "2>&1 | tr '\\r' '\\n'"),
                             &code);
  EXPECT_EQ(code, 0) << out;
  for (const char* want : {"SET: ", "GET: ", "INCR: ", "HSET: "}) {
    EXPECT_NE(out.find(want), std::string::npos) << want << "\n" << out;
  }
  EXPECT_EQ(out.find("ERR"), std::string::npos) << out;
  EXPECT_EQ(out.find("rror"), std::string::npos) << out;
  // The server is still healthy and counted the work.
  RawRespConnection c;
  ASSERT_TRUE(c.Connect(p.port()).ok());
  std::string stats = c.Call({"INFO", "stats"});
  EXPECT_NE(stats.find("total_commands_processed:"), std::string::npos);
  EXPECT_EQ(c.Call({"DBSIZE"}).substr(0, 1), ":");
  kill(p.pid(), SIGTERM);
  EXPECT_EQ(p.WaitExit(10000), 0) << p.Log();
}

}  // namespace
}  // namespace embedis::testing
