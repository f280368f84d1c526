// Server-level commands over the network: CLIENT, INFO, CONFIG, COMMAND, RESET; and the real
// redis-cli against the in-process server.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "lib/commands/args.h"
#include "lib/commands/command_table.h"
#include "lib/resp/reply_parser.h"
#include "lib/resp/value.h"
#include "lib/util/strings.h"
#include "server/server.h"
#include "tests/server/net_test_util.h"
#include "tests/server/server_fixture.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

using std::chrono::milliseconds;

std::string RedisCli() {
  std::string cli = FindExecutable("redis-cli");
  EXPECT_FALSE(cli.empty()) << "redis-cli not found; install it with: apt-get install redis-tools";
  return cli;
}

std::string BulkPayload(const std::string& reply) {
  // "$<n>\r\n<payload>\r\n" or "=<n>\r\ntxt:<payload>\r\n"
  size_t eol = reply.find("\r\n");
  if (eol == std::string::npos || reply.size() < eol + 4) return "";
  std::string body = reply.substr(eol + 2, reply.size() - eol - 4);
  if (reply[0] == '=') body = body.substr(4);
  return body;
}

TEST_F(ServerTest, ClientIdNameInfoList) {
  StartServer();
  auto c = Connect();
  EXPECT_EQ(c->Call({"CLIENT", "GETNAME"}), "$-1\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "SETNAME", "worker-1"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "GETNAME"}), "$8\r\nworker-1\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "SETNAME", "a b"}),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "SETINFO", "LIB-NAME", "node-redis"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "SETINFO", "lib-ver", "5.0.0"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "SETINFO", "nope", "x"}), "-ERR Unrecognized option 'nope'\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "NO-EVICT", "on"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "NO-TOUCH", "off"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "NO-EVICT", "maybe"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c->Call({"SELECT", "3"}), "+OK\r\n");
  std::string id = c->Call({"CLIENT", "ID"});
  ASSERT_TRUE(id.starts_with(":"));
  std::string info = BulkPayload(c->Call({"CLIENT", "INFO"}));
  EXPECT_TRUE(
      info.starts_with(absl::StrCat("id=", id.substr(1, id.size() - 3), " addr=127.0.0.1:")))
      << info;
  EXPECT_NE(info.find(" name=worker-1 "), std::string::npos) << info;
  EXPECT_NE(info.find(" db=3 "), std::string::npos) << info;
  EXPECT_NE(info.find(" cmd=client|info "), std::string::npos) << info;
  EXPECT_NE(info.find(" lib-name=node-redis lib-ver=5.0.0"), std::string::npos) << info;
  EXPECT_TRUE(info.ends_with("\n"));
  auto other = Connect();
  std::string list = BulkPayload(other->Call({"CLIENT", "LIST"}));
  EXPECT_NE(list.find("name=worker-1"), std::string::npos) << list;
  EXPECT_EQ(std::count(list.begin(), list.end(), '\n'), 2) << list;
  EXPECT_EQ(other->Call({"CLIENT", "LIST", "TYPE", "pubsub"}), "$0\r\n\r\n");
  EXPECT_EQ(other->Call({"CLIENT", "NOSUCH"}),
            "-ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.\r\n");
  EXPECT_EQ(other->Call({"CLIENT", "SETNAME"}),
            "-ERR wrong number of arguments for 'client|setname' command\r\n");
  EXPECT_TRUE(other->Call({"CLIENT", "HELP"}).starts_with("*"));
}

TEST_F(ServerTest, ClientKill) {
  StartServer();
  auto killer = Connect();
  int victim = ConnectTcp(port_);
  ASSERT_GE(victim, 0);
  ASSERT_TRUE(SendAll(victim, "*2\r\n$6\r\nCLIENT\r\n$2\r\nID\r\n"));
  Exchange id_reply = Collect(victim, 300);
  ASSERT_TRUE(id_reply.bytes.starts_with(":"));
  std::string id = id_reply.bytes.substr(1, id_reply.bytes.size() - 3);
  EXPECT_EQ(killer->Call({"CLIENT", "KILL", "ID", "999999"}), ":0\r\n");
  EXPECT_EQ(killer->Call({"CLIENT", "KILL", "ID", id}), ":1\r\n");
  Exchange after = Collect(victim, 2000);
  close(victim);
  EXPECT_TRUE(after.closed);

  // The old form, by address.
  int victim2 = ConnectTcp(port_);
  ASSERT_TRUE(SendAll(victim2, "*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n"));
  std::string info = Collect(victim2, 300).bytes;
  size_t a = info.find("addr=") + 5;
  std::string addr = info.substr(a, info.find(' ', a) - a);
  EXPECT_EQ(killer->Call({"CLIENT", "KILL", addr}), "+OK\r\n");
  EXPECT_TRUE(Collect(victim2, 2000).closed);
  close(victim2);
  EXPECT_EQ(killer->Call({"CLIENT", "KILL", "1.2.3.4:5"}), "-ERR No such client\r\n");
  // SKIPME defaults to yes; killing yourself replies first, then closes.
  EXPECT_EQ(killer->Call({"CLIENT", "KILL", "USER", "default"}), ":0\r\n");
  EXPECT_EQ(killer->Call({"CLIENT", "KILL", "USER", "default", "SKIPME", "no"}), ":1\r\n");
  EXPECT_EQ(killer->Call({"PING"}), "");
}

TEST_F(ServerTest, InfoSections) {
  StartServer();
  auto c = Connect();
  ASSERT_EQ(c->Call({"SET", "a", "1"}), "+OK\r\n");
  ASSERT_EQ(c->Call({"SET", "b", "1", "EX", "100"}), "+OK\r\n");
  ASSERT_EQ(c->Call({"SELECT", "2"}), "+OK\r\n");
  ASSERT_EQ(c->Call({"SET", "c", "1"}), "+OK\r\n");
  EXPECT_EQ(BulkPayload(c->Call({"INFO", "keyspace"})),
            "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\ndb2:keys=1,expires=0,avg_ttl=0\r\n");
  std::string all = BulkPayload(c->Call({"INFO"}));
  const std::vector<std::string> wants = {"# Server\r\nredis_version:",
                                          "redis_mode:standalone\r\n",
                                          "\r\n\r\n# Clients\r\n",
                                          "connected_clients:1\r\n",
                                          "# Memory\r\nused_memory:",
                                          "# Stats\r\n",
                                          "total_commands_processed:",
                                          "# Keyspace\r\n",
                                          "loading:0\r\n",
                                          "role:master\r\n",
                                          absl::StrCat("tcp_port:", port_, "\r\n")};
  for (const std::string& want : wants) {
    EXPECT_NE(all.find(want), std::string::npos) << want;
  }
  std::string two = BulkPayload(c->Call({"info", "CLIENTS", "server"}));
  EXPECT_TRUE(two.starts_with("# Clients\r\n")) << two;
  EXPECT_NE(two.find("\r\n\r\n# Server\r\n"), std::string::npos);
  EXPECT_EQ(c->Call({"INFO", "nosuch"}), "$0\r\n\r\n");
}

TEST_F(ServerTest, ConfigGetSetMatchesRealRedis) {
  StartServer();
  ASSERT_NO_FATAL_FAILURE(StartRedisBeside());
  RawRespConnection& ours = *ours_;
  RawRespConnection& theirs = *theirs_;
  std::vector<std::vector<std::string>> same = {
      {"CONFIG", "GET", "maxclients"},
      {"CONFIG", "GET", "timeout"},
      {"CONFIG", "GET", "databases"},
      {"CONFIG", "GET", "appendonly"},
      {"CONFIG", "GET", "maxmemory"},
      {"CONFIG", "GET", "proto-max-bulk-len"},
      {"CONFIG", "GET", "client-query-buffer-limit"},
      {"CONFIG", "GET", "nosuch*"},
      {"CONFIG", "GET"},
      {"CONFIG", "SET", "nosuch", "1"},
      {"CONFIG", "SET", "maxclients", "abc"},
      {"CONFIG", "SET", "timeout", "7"},
      {"CONFIG", "GET", "timeout"},
      {"CONFIG", "SET", "timeout", "0", "maxclients", "500"},
      {"CONFIG", "GET", "maxclients"},
      {"CONFIG", "SET", "timeout"},
      {"CONFIG", "SET", "protected-mode", "maybe"},
      {"CONFIG", "SET", "client-query-buffer-limit", "2mb"},
      {"CONFIG", "GET", "client-query-buffer-limit"},
      {"CONFIG", "RESETSTAT"},
      {"CONFIG", "NOSUCH"},
  };
  for (const auto& cmd : same) {
    EXPECT_EQ(ours.Call(cmd), theirs.Call(cmd)) << absl::StrJoin(cmd, " ");
  }
  // Save is settable in Redis; here it is fixed (no persistence yet), but readable.
  EXPECT_EQ(ours.Call({"CONFIG", "GET", "save"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  EXPECT_EQ(ours.Call({"CONFIG", "SET", "databases", "4"}),
            "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
            "immutable config\r\n");
  // Keys must fit the keyspace (under 1 GiB): proto-max-bulk-len stops there (Redis: INT64_MAX).
  EXPECT_EQ(ours.Call({"CONFIG", "SET", "proto-max-bulk-len", "1gb"}),
            "-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument "
            "must be between 1048576 and 1073741823 inclusive\r\n");
  EXPECT_EQ(ours.Call({"CONFIG", "SET", "proto-max-bulk-len", "1023mb"}), "+OK\r\n");
  // Runtime changes take effect: requirepass now applies to new connections.
  EXPECT_EQ(ours.Call({"CONFIG", "SET", "requirepass", "pw"}), "+OK\r\n");
  EXPECT_EQ(Connect()->Call({"GET", "x"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(ours.Call({"GET", "x"}), "$-1\r\n");  // already connected: still authenticated
}

TEST_F(ServerTest, CommandRepliesHaveRedisShapes) {
  StartServer();
  auto c = Connect();
  std::string count = c->Call({"COMMAND", "COUNT"});
  ASSERT_TRUE(count.starts_with(":"));
  const int n = std::stoi(count.substr(1));
  EXPECT_GT(n, 20);

  // COMMAND: an array of n 10-element arrays.
  for (bool resp3 : {false, true}) {
    if (resp3) ASSERT_TRUE(c->Call({"HELLO", "3"}).starts_with("%"));
    resp::ReplyParser parser;
    std::string all = c->Call({"COMMAND"});
    parser.Feed(all);
    resp::Value value;
    ASSERT_TRUE(parser.Next(&value)) << all.substr(0, 200);
    ASSERT_EQ(value.elements().size(), static_cast<size_t>(n));
    for (const resp::Value& cmd : value.elements()) {
      ASSERT_EQ(cmd.elements().size(), 10u);
    }
    // DOCS: a map of name -> map, parseable.
    std::string docs = c->Call({"COMMAND", "DOCS"});
    resp::ReplyParser dp;
    dp.Feed(docs);
    resp::Value d;
    ASSERT_TRUE(dp.Next(&d));
    EXPECT_EQ(d.size(), static_cast<size_t>(resp3 ? n : 2 * n));  // RESP2: a flat array
  }
  ASSERT_TRUE(c->Call({"HELLO", "2"}).starts_with("*"));
  // Redis's order; tests/server/command_info_test.cc compares every command with redis-server.
  EXPECT_EQ(c->Call({"COMMAND", "INFO", "get"}),
            "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
            "*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n"
            "+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\n"
            "spec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\n"
            "range\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\n"
            "limit\r\n:0\r\n*0\r\n");
  EXPECT_EQ(c->Call({"COMMAND", "INFO", "nosuch"}), "*1\r\n$-1\r\n");  // a null bulk, as Redis
  // A subcommand by its full name, as Redis 7; its categories include its parent's group.
  std::string kill = c->Call({"COMMAND", "INFO", "client|kill"});
  EXPECT_TRUE(kill.starts_with("*1\r\n*10\r\n$11\r\nclient|kill\r\n:-3\r\n")) << kill;
  EXPECT_NE(kill.find("+@admin\r\n+@slow\r\n+@dangerous\r\n+@connection\r\n"), std::string::npos)
      << kill;
  EXPECT_EQ(c->Call({"COMMAND", "INFO", "client|nosuch"}), "*1\r\n$-1\r\n");
  std::string docs = c->Call({"COMMAND", "DOCS", "get"});
  // summary, since, group, complexity, arguments (tests/server/command_docs_test.cc has the rest).
  EXPECT_TRUE(docs.starts_with("*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n")) << docs;
  std::string client_info = c->Call({"COMMAND", "INFO", "client"});
  EXPECT_NE(client_info.find("$11\r\nclient|list\r\n"), std::string::npos);
  EXPECT_EQ(c->Call({"COMMAND", "GETKEYS", "get", "k"}), "*1\r\n$1\r\nk\r\n");
  std::string list = c->Call({"COMMAND", "LIST", "FILTERBY", "PATTERN", "client|*"});
  EXPECT_NE(list.find("client|setname"), std::string::npos) << list;
  EXPECT_EQ(c->Call({"COMMAND", "NOSUCH"}),
            "-ERR unknown subcommand 'NOSUCH'. Try COMMAND HELP.\r\n");
  // Lower-case names, as ioredis sends them.
  EXPECT_EQ(c->Call({"command", "count"}), count);
}

TEST_F(ServerTest, RedisCliTalksToTheServer) {
  StartServer();
  std::string cli = RedisCli();
  ASSERT_FALSE(cli.empty());
  int code = 0;
  const std::string base = absl::StrCat(cli, " -p ", port_, " ");
  EXPECT_EQ(RunShell(base + "SET greeting hello", &code), "OK\n");
  EXPECT_EQ(code, 0);
  EXPECT_EQ(RunShell(base + "GET greeting", &code), "hello\n");
  EXPECT_EQ(RunShell(base + "INCRBY n 5", &code), "5\n");
  // Many commands from stdin, as a pipeline.
  EXPECT_EQ(RunShell("printf 'SET a 1\\nINCR a\\nGET a\\n' | " + base, &code), "OK\n2\n2\n");
  // RESP3 through redis-cli -3.
  std::string hello = RunShell(base + "-3 HELLO 3", &code);
  EXPECT_NE(hello.find("proto"), std::string::npos) << hello;
  EXPECT_EQ(code, 0);
  std::string info = RunShell(base + "INFO server", &code);
  EXPECT_NE(info.find("redis_version:"), std::string::npos);
  // --pipe mode (mass insertion) checks every reply.
  std::string pipe = RunShell(
      "printf '*3\\r\\n$3\\r\\nSET\\r\\n$1\\r\\nx\\r\\n$1\\r\\ny\\r\\n' | " + base + "--pipe 2>&1",
      &code);
  EXPECT_NE(pipe.find("errors: 0, replies: 1"), std::string::npos) << pipe;
}

TEST_F(ServerTest, RedisCliInteractiveStartupAsksCommandDocs) {
  // Interactive redis-cli (on a terminal) sends COMMAND DOCS first to build its hints; a bad reply
  // shape would break it. `script` provides the terminal; the input answers linenoise's cursor
  // position queries (ESC [ 6 n) so that it does not wait for a real terminal.
  std::atomic<int> docs_calls{0};
  StartServer({}, [&](Server& server) {
    commands::CommandSpec spec = *server.table().Find("command");
    for (commands::CommandSpec& sub : spec.subcommands) {  // COMMAND DOCS is a subcommand spec
      if (sub.name != "docs") continue;
      commands::Handler original = sub.handler;
      sub.handler = [&docs_calls, original](commands::CommandContext& ctx, commands::Args argv) {
        ++docs_calls;
        original(ctx, argv);
      };
    }
    server.table().Register(std::move(spec));
  });
  ASSERT_EQ(Connect()->Call({"SET", "k", "v"}), "+OK\r\n");
  std::string cli = RedisCli();
  ASSERT_FALSE(cli.empty());
  std::string script = FindExecutable("script");
  ASSERT_FALSE(script.empty()) << "script not found; install it with: apt-get install bsdutils";
  int code = 0;
  std::string input;
  for (int i = 0; i < 4; ++i) {
    absl::StrAppend(&input, "sleep 0.4; printf '\\033[1;80R'; sleep 0.3; printf 'GET k\\r'; ");
  }
  std::string out = RunShell(
      absl::StrCat("(", input, "sleep 0.3; printf 'quit\\r'; sleep 0.3) | timeout 15 ", script,
                   " -qec ", ShellQuote(absl::StrCat(cli, " -p ", port_)), " /dev/null 2>&1"),
      &code);
  EXPECT_NE(out.find(absl::StrCat("127.0.0.1:", port_, "> ")), std::string::npos) << out;
  EXPECT_NE(out.find("\"v\""), std::string::npos) << out;
  EXPECT_GE(docs_calls.load(), 1);
}

TEST_F(ServerTest, ProtectedModeRefusesNonLoopbackClients) {
  // Needs a non-loopback address on this machine: bind to it and connect from it.
  std::string ip;
  int code = 0;
  std::string addrs = RunShell("hostname -I 2>/dev/null", &code);
  for (size_t i = 0; i < addrs.size();) {
    size_t j = addrs.find_first_of(" \n", i);
    std::string a = addrs.substr(i, j == std::string::npos ? std::string::npos : j - i);
    if (!a.empty() && a.find(':') == std::string::npos && !a.starts_with("127.")) {
      ip = a;
      break;
    }
    if (j == std::string::npos) break;
    i = j + 1;
  }
  if (ip.empty()) {
    std::printf("note: no non-loopback IPv4 address; protected mode is covered by OptionsTest\n");
    return;
  }
  ServerOptions options;
  options.bind = {"127.0.0.1", ip};
  StartServer(options);
  int fd = ConnectTcp(port_, ip);
  ASSERT_GE(fd, 0) << ip;
  ASSERT_TRUE(SendAll(fd, "PING\r\n"));
  Exchange ex = Collect(fd, 2000);
  close(fd);
  EXPECT_EQ(ex.bytes, absl::StrCat("-", ToAbsl(ProtectedModeError()), "\r\n"));
  EXPECT_TRUE(ex.closed);
  // Loopback clients are fine, and a password lifts protected mode.
  auto local = Connect();
  EXPECT_EQ(local->Call({"PING"}), "+PONG\r\n");
  EXPECT_EQ(local->Call({"CONFIG", "SET", "requirepass", "pw"}), "+OK\r\n");
  fd = ConnectTcp(port_, ip);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "PING\r\n"));
  ex = Collect(fd, 500);
  close(fd);
  EXPECT_EQ(ex.bytes, "-NOAUTH Authentication required.\r\n");
  EXPECT_FALSE(ex.closed);
}

}  // namespace
}  // namespace embedis::testing
