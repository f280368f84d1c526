// The network core of embedis-server, in-process: embedding, pipelining, inline commands, RESP3,
// AUTH, maxclients, idle timeout, unix socket and IPv6, concurrency, SHUTDOWN.
#include "server/server.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/resp/writer.h"
#include "tests/server/net_test_util.h"
#include "tests/server/server_fixture.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

using std::chrono::milliseconds;

TEST_F(ServerTest, PortZeroPicksAFreePort) {
  StartServer();
  EXPECT_GT(server_->port(), 0);
  auto c = Connect();
  EXPECT_EQ(c->Call({"PING"}), "+PONG\r\n");
}

TEST_F(ServerTest, ServesTheApplicationsKeyspaceBothWays) {
  StartServer();
  ASSERT_TRUE(keyspace_.Set(0, "sess:1", "in-process").ok());
  auto c = Connect();
  EXPECT_EQ(c->Call({"GET", "sess:1"}), "$10\r\nin-process\r\n");
  EXPECT_EQ(c->Call({"SET", "sess:2", "over-resp"}), "+OK\r\n");
  auto v = keyspace_.Get(0, "sess:2");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value_or(""), "over-resp");
  EXPECT_EQ(&server_->keyspace(), &keyspace_);
}

TEST_F(ServerTest, PipelinesTenThousandCommandsInOneWrite) {
  StartServer();
  constexpr int kCommands = 10000;
  std::string batch;
  for (int i = 0; i < kCommands; ++i) resp::AppendCommand(&batch, {"INCR", "counter"});
  int fd = ConnectTcp(port_);
  ASSERT_GE(fd, 0);
  // Send from another thread: replies flow back while the batch is still going out.
  std::thread sender([&] { EXPECT_TRUE(SendAll(fd, batch)); });
  std::string expected;
  for (int i = 1; i <= kCommands; ++i) absl::StrAppend(&expected, ":", i, "\r\n");
  std::string got;
  char buf[65536];
  while (got.size() < expected.size()) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  sender.join();
  close(fd);
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected) << "replies out of order or missing";
}

// One write with many commands is executed in batches (prefetching their keys): the replies,
// their order and every state change between commands must be as if one by one.
TEST_F(ServerTest, PipelinedBatchesKeepOrderAndState) {
  StartServer();
  std::string wire, expected;
  for (int i = 0; i < 40; ++i) {
    resp::AppendCommand(&wire, {"SET", absl::StrCat("k", i), absl::StrCat(i)});
    expected += "+OK\r\n";
  }
  resp::AppendCommand(&wire, {"SELECT", "1"});  // mid-batch: later commands use database 1
  expected += "+OK\r\n";
  for (int i = 0; i < 20; ++i) {
    resp::AppendCommand(&wire, {"GET", absl::StrCat("k", i)});
    expected += "$-1\r\n";
  }
  resp::AppendCommand(&wire, {"SELECT", "0"});
  expected += "+OK\r\n";
  for (int i = 0; i < 20; ++i) {
    resp::AppendCommand(&wire, {"INCR", absl::StrCat("k", i)});
    absl::StrAppend(&expected, ":", i + 1, "\r\n");
  }
  resp::AppendCommand(&wire, {"MGET", "k0", "k39", "nokey"});
  expected += "*3\r\n$1\r\n1\r\n$2\r\n39\r\n$-1\r\n";
  resp::AppendCommand(&wire, {"QUIT"});  // mid-batch: nothing after it runs
  expected += "+OK\r\n";
  resp::AppendCommand(&wire, {"SET", "after", "quit"});
  Exchange ex = SendAndCollect(port_, wire, 5000);
  EXPECT_EQ(ex.bytes, expected);
  EXPECT_TRUE(ex.closed);
  auto c = Connect();
  EXPECT_EQ(c->Call({"EXISTS", "after"}), ":0\r\n");
}

// AUTH in the middle of a pipeline lifts the parser's unauthenticated limits for the commands
// after it, as in redis-server (which parses one command at a time).
TEST_F(ServerTest, PipelinedAuthLiftsLimitsForTheRest) {
  ServerOptions options;
  options.requirepass = "secret";
  StartServer(options);
  std::string wire;
  resp::AppendCommand(&wire, {"AUTH", "secret"});
  std::vector<std::string_view> mset = {"MSET"};
  std::vector<std::string> names;
  for (int i = 0; i < 12; ++i) names.push_back(absl::StrCat("f", i));
  for (int i = 0; i < 12; i += 2) {
    mset.push_back(names[i]);
    mset.push_back(names[i + 1]);
  }
  resp::AppendCommand(&wire, mset);  // 13 arguments: refused before AUTH
  resp::AppendCommand(&wire, {"GET", "f0"});
  Exchange ex = SendAndCollect(port_, wire, 3000);
  EXPECT_EQ(ex.bytes, "+OK\r\n+OK\r\n$2\r\nf1\r\n");
}

TEST_F(ServerTest, InlineCommands) {
  StartServer();
  Exchange ex = SendAndCollect(port_, "PING\r\nSET greeting \"hello world\"\nGET greeting\r\n\r\n");
  EXPECT_EQ(ex.bytes, "+PONG\r\n+OK\r\n$11\r\nhello world\r\n");
  EXPECT_FALSE(ex.closed);
}

TEST_F(ServerTest, Hello3SwitchesToResp3) {
  StartServer();
  auto c = Connect();
  std::string hello = c->Call({"HELLO", "3"});
  EXPECT_TRUE(hello.starts_with("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n")) << hello;
  EXPECT_NE(hello.find("$5\r\nproto\r\n:3\r\n"), std::string::npos);
  EXPECT_NE(hello.find("$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
                       "$7\r\nmodules\r\n*0\r\n"),
            std::string::npos);
  // Replies are now RESP3: a map for CONFIG GET, `_` for a missing key.
  EXPECT_EQ(c->Call({"CONFIG", "GET", "maxclients"}), "%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
  EXPECT_EQ(c->Call({"GET", "missing"}), "_\r\n");
  EXPECT_TRUE(c->Call({"HELLO", "2"}).starts_with("*14\r\n"));
  EXPECT_EQ(c->Call({"GET", "missing"}), "$-1\r\n");
  EXPECT_EQ(c->Call({"HELLO", "4"}), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(c->Call({"HELLO", "x"}), "-ERR Protocol version is not an integer or out of range\r\n");
  EXPECT_EQ(c->Call({"HELLO", "3", "AUTH", "u"}), "-ERR Syntax error in HELLO option 'AUTH'\r\n");
}

TEST_F(ServerTest, HelloIdIsClientId) {
  StartServer();
  auto c = Connect();
  std::string id = c->Call({"CLIENT", "ID"});
  std::string hello = c->Call({"HELLO"});
  EXPECT_NE(hello.find(absl::StrCat("$2\r\nid\r\n", id)), std::string::npos) << hello << id;
}

TEST_F(ServerTest, AuthFlowWithRequirePass) {
  ServerOptions options;
  options.requirepass = "secret";
  StartServer(options);
  auto c = Connect();
  EXPECT_EQ(c->Call({"GET", "a"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "ID"}), "-NOAUTH Authentication required.\r\n");
  // Unknown commands and wrong arity are reported first, as redis-server does.
  EXPECT_EQ(c->Call({"NOSUCH", "a"}),
            "-ERR unknown command 'NOSUCH', with args beginning with: 'a' \r\n");
  EXPECT_EQ(c->Call({"get"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_TRUE(c->Call({"HELLO", "3"}).starts_with("-NOAUTH HELLO must be called"));
  EXPECT_EQ(c->Call({"AUTH", "bad"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(c->Call({"AUTH", "other", "secret"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(c->Call({"AUTH", "a", "b", "c"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c->Call({"AUTH", "secret"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"GET", "a"}), "$-1\r\n");
  EXPECT_EQ(c->Call({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(c->Call({"PING"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(c->Call({"AUTH", "default", "secret"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"PING"}), "+PONG\r\n");

  auto h = Connect();
  std::string hello = h->Call({"HELLO", "3", "AUTH", "default", "secret", "SETNAME", "app"});
  EXPECT_TRUE(hello.starts_with("%7\r\n")) << hello;
  EXPECT_EQ(h->Call({"CLIENT", "GETNAME"}), "$3\r\napp\r\n");

  // Before AUTH, big requests are refused like redis-server does.
  Exchange ex = SendAndCollect(port_, "*11\r\n");
  EXPECT_EQ(ex.bytes, "-ERR Protocol error: unauthenticated multibulk length\r\n");
  EXPECT_TRUE(ex.closed);
}

TEST_F(ServerTest, AuthWithoutPasswordConfigured) {
  StartServer();
  auto c = Connect();
  EXPECT_EQ(c->Call({"AUTH", "x"}),
            "-ERR AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?\r\n");
  EXPECT_EQ(c->Call({"AUTH", "default", "anything"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"AUTH", "a", "b"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
}

TEST_F(ServerTest, AuthRepliesMatchRealRedis) {
  ServerOptions options;
  options.requirepass = "secret";
  StartServer(options);
  RedisServerProcess redis;
  absl::Status s = redis.Start();  // its PING readiness check needs no password yet
  ASSERT_TRUE(s.ok()) << s;
  {
    RawRespConnection admin;
    ASSERT_TRUE(admin.Connect(redis.port()).ok());
    ASSERT_EQ(admin.Call({"CONFIG", "SET", "requirepass", "secret"}), "+OK\r\n");
  }
  std::vector<std::vector<std::string>> script = {{"GET", "a"},
                                                  {"PING"},
                                                  {"AUTH", "bad"},
                                                  {"AUTH", "u", "p"},
                                                  {"AUTH", "x", "y", "z"},
                                                  {"NOSUCH"},
                                                  {"HELLO", "3"},
                                                  {"AUTH", "secret"},
                                                  {"GET", "a"},
                                                  {"RESET"},
                                                  {"GET", "a"},
                                                  {"AUTH", "default", "secret"},
                                                  {"PING"}};
  RawRespConnection ours, theirs;
  ASSERT_TRUE(ours.Connect(port_).ok());
  ASSERT_TRUE(theirs.Connect(redis.port()).ok());
  for (const auto& cmd : script) {
    EXPECT_EQ(ours.Call(cmd), theirs.Call(cmd)) << cmd[0];
  }
}

TEST_F(ServerTest, MaxClients) {
  ServerOptions options;
  options.maxclients = 2;
  StartServer(options);
  auto a = Connect();
  auto b = Connect();
  EXPECT_EQ(a->Call({"PING"}), "+PONG\r\n");
  EXPECT_EQ(b->Call({"PING"}), "+PONG\r\n");
  int fd = ConnectTcp(port_);
  ASSERT_GE(fd, 0);
  Exchange ex = Collect(fd, 2000);
  close(fd);
  EXPECT_EQ(ex.bytes, "-ERR max number of clients reached\r\n");
  EXPECT_TRUE(ex.closed);
  // A slot frees when a client leaves.
  a.reset();
  std::unique_ptr<RawRespConnection> c;
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(milliseconds(20));
    c = Connect();
    if (c->Call({"PING"}) == "+PONG\r\n") break;
    c.reset();
  }
  ASSERT_NE(c, nullptr);
  EXPECT_NE(c->Call({"INFO", "stats"}).find("rejected_connections:1\r\n"), std::string::npos);
}

TEST_F(ServerTest, IdleTimeoutClosesIdleClientsOnly) {
  ServerOptions options;
  options.timeout_seconds = 1;
  options.hz = 20;
  StartServer(options);
  int idle = ConnectTcp(port_);
  ASSERT_GE(idle, 0);
  auto active = Connect();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(milliseconds(250));
    ASSERT_EQ(active->Call({"PING"}), "+PONG\r\n");
  }
  Exchange ex = Collect(idle, 3000);
  close(idle);
  EXPECT_TRUE(ex.closed);
  EXPECT_EQ(ex.bytes, "");  // closed silently, as redis-server does
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

// A big reply's buffer stays for the next one (reallocating it for each LRANGE of 600 elements
// cost five times Redis's CPU), and goes back once the connection has not needed it for a while:
// CLIENT INFO's tot-mem counts it.
TEST_F(ServerTest, BigOutputBufferIsKeptThenReleased) {
  StartServer();
  auto c = Connect();
  const std::string big(300 * 1024, 'x');
  ASSERT_EQ(c->Call({"SET", "big", big}), "+OK\r\n");
  ASSERT_EQ(c->Call({"GET", "big"}), absl::StrCat("$", big.size(), "\r\n", big, "\r\n"));
  auto tot_mem = [&]() -> int64_t {
    std::string info = c->Call({"CLIENT", "INFO"});
    size_t at = info.find(" tot-mem=");
    if (at == std::string::npos) return -1;
    return std::strtoll(info.c_str() + at + 9, nullptr, 10);
  };
  EXPECT_GE(tot_mem(), static_cast<int64_t>(big.size()));
  // Released within the idle time (2 s) plus the check interval (1 s); a generous margin.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  int64_t mem = tot_mem();
  while (mem >= 64 * 1024 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(200));
    mem = tot_mem();
  }
  EXPECT_GT(mem, 0);
  EXPECT_LT(mem, 64 * 1024);
}

TEST_F(ServerTest, QuitRepliesThenCloses) {
  StartServer();
  Exchange ex = SendAndCollect(port_, "*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n", 2000);
  EXPECT_EQ(ex.bytes, "+OK\r\n");
  EXPECT_TRUE(ex.closed);
}

TEST_F(ServerTest, ThousandConcurrentConnections) {
  ServerOptions options;
  options.io_threads = 2;
  StartServer(options);
  constexpr int kClients = 1000;
  std::vector<int> fds;
  for (int i = 0; i < kClients; ++i) {
    int fd = ConnectTcp(port_);
    ASSERT_GE(fd, 0) << "connection " << i;
    fds.push_back(fd);
  }
  // Every client sends, then every client reads.
  for (int i = 0; i < kClients; ++i) {
    std::string cmd;
    resp::AppendCommand(&cmd, {"SET", absl::StrCat("k", i), absl::StrCat(i)});
    resp::AppendCommand(&cmd, {"INCR", absl::StrCat("k", i)});
    ASSERT_TRUE(SendAll(fds[i], cmd));
  }
  for (int i = 0; i < kClients; ++i) {
    std::string want = absl::StrCat("+OK\r\n:", i + 1, "\r\n");
    std::string got;
    char buf[256];
    while (got.size() < want.size()) {
      ssize_t n = recv(fds[i], buf, sizeof(buf), 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(got, want) << "client " << i;
  }
  auto c = Connect();
  std::string info = c->Call({"INFO", "clients"});
  EXPECT_NE(info.find(absl::StrCat("connected_clients:", kClients + 1)), std::string::npos) << info;
  for (int fd : fds) close(fd);
  EXPECT_EQ(keyspace_.Size(0), kClients);
}

TEST_F(ServerTest, ManyThreadsHammering) {
  ServerOptions options;
  options.io_threads = 2;  // several loops, whatever the machine's default
  StartServer(options);
  constexpr int kThreads = 8, kOps = 500;
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RawRespConnection c;
      if (!c.Connect(port_).ok()) {
        ++errors;
        return;
      }
      for (int i = 0; i < kOps; ++i) {
        if (c.Call({"INCR", "shared"}).empty()) ++errors;
        if (i % 100 == 0 && c.Call({"CLIENT", "LIST"}).empty()) ++errors;
        if (i % 100 == 0 && c.Call({"INFO"}).empty()) ++errors;
      }
      (void)t;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  auto c = Connect();
  EXPECT_EQ(c->Call({"GET", "shared"}), absl::StrCat("$4\r\n", kThreads * kOps, "\r\n"));
}

TEST_F(ServerTest, UnixSocket) {
  ServerOptions options;
  std::string path = absl::StrCat("/tmp/embedis-test-", getpid(), ".sock");  // short: sun_path
  options.unixsocket = path;
  options.unixsocketperm = 0700;
  StartServer(options);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_TRUE(SendAll(fd, "PING\r\n*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n"));
  Exchange ex = Collect(fd, 500);
  close(fd);
  EXPECT_TRUE(ex.bytes.starts_with("+PONG\r\n")) << ex.bytes;
  EXPECT_NE(ex.bytes.find(absl::StrCat("addr=", path, ":0")), std::string::npos) << ex.bytes;
  server_->Stop();
  EXPECT_NE(access(path.c_str(), F_OK), 0) << "socket file left behind";
}

TEST_F(ServerTest, BindsSeveralAddressesIncludingIpv6) {
  ServerOptions options;
  options.bind = {"127.0.0.1", "-::1"};
  StartServer(options);
  EXPECT_EQ(Connect()->Call({"PING"}), "+PONG\r\n");
  int fd = ConnectTcp(port_, "::1");
  if (fd < 0) {
    std::printf("note: no IPv6 loopback here; only the IPv4 listener was checked\n");
    return;
  }
  ASSERT_TRUE(SendAll(fd, "*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n"));
  Exchange ex = Collect(fd, 500);
  close(fd);
  EXPECT_NE(ex.bytes.find("addr=[::1]:"), std::string::npos) << ex.bytes;
}

TEST_F(ServerTest, StartFailsCleanlyOnBadAddress) {
  Server bad(&keyspace_, ServerOptions{.port = 0, .bind = {"not-an-address"}});
  absl::Status s = bad.Start();
  EXPECT_FALSE(s.ok());
  // And on a port in use.
  StartServer();
  ServerOptions taken;
  taken.port = port_;
  taken.loglevel = "warning";
  Server second(&keyspace_, taken);
  EXPECT_FALSE(second.Start().ok());
}

TEST_F(ServerTest, ShutdownCommandStopsTheServer) {
  StartServer();
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    server_->Wait();
    returned = true;
  });
  Exchange ex = SendAndCollect(port_, "*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n", 3000);
  EXPECT_EQ(ex.bytes, "");
  EXPECT_TRUE(ex.closed);
  waiter.join();
  EXPECT_TRUE(returned);
  server_->Stop();
  EXPECT_LT(ConnectTcp(port_), 0);
}

TEST_F(ServerTest, ShutdownHookReplacesStop) {
  std::atomic<int> calls{0};
  ServerOptions options;
  options.on_shutdown = [&] { ++calls; };
  StartServer(options);
  SendAndCollect(port_, "SHUTDOWN\r\n", 500);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(Connect()->Call({"PING"}), "+PONG\r\n");  // the application decided not to stop
}

TEST_F(ServerTest, StopClosesClients) {
  StartServer();
  int fd = ConnectTcp(port_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "PING\r\n"));
  std::this_thread::sleep_for(milliseconds(100));
  server_->Stop();
  Exchange ex = Collect(fd, 2000);
  close(fd);
  EXPECT_EQ(ex.bytes, "+PONG\r\n");
  EXPECT_TRUE(ex.closed);
}

}  // namespace
}  // namespace embedis::testing
