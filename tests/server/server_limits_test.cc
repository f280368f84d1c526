// Malformed input, limits and misbehaving clients. Each protocol case is sent to embedis and to a
// real redis-server, and the bytes and the close must be the same.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/resp/writer.h"
#include "server/server.h"
#include "tests/server/net_test_util.h"
#include "tests/server/server_fixture.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

using std::chrono::milliseconds;

struct Case {
  const char* name;
  std::string input;
};

std::vector<Case> MalformedCases() {
  return {
      {"bad multibulk count", "*abc\r\n"},
      {"multibulk count too big", "*2147483648\r\n"},
      {"bad bulk length", "*3\r\n$3\r\nSET\r\n$x\r\n"},
      {"negative bulk length", "*2\r\n$3\r\nGET\r\n$-5\r\n"},
      {"null bulk in request", "*1\r\n$-1\r\n"},
      {"bulk over proto-max-bulk-len", "*1\r\n$600000000\r\n"},
      {"missing $", "*1\r\nfoo\r\n"},
      {"unbalanced quotes", "set k \"abc\r\n"},
      {"quote not followed by space", "set k 'a'b\r\n"},
      {"mbulk count line too long", "*" + std::string(70000, '1')},
      {"inline too long", std::string(70000, 'A')},
      {"error after good commands", "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n*1\r\n$abc\r\n"},
      {"empty requests", "\r\n\r\n*-1\r\n*0\r\nPING\r\n"},
      {"bare LF", "PING\n"},
      {"bulk trailer not checked", "*2\r\n$4\r\nECHO\r\n$3\r\nabcXY"},
      {"empty command name", "*1\r\n$0\r\n\r\n"},
      {"unknown command", "*2\r\n$3\r\nFOO\r\n$3\r\nbar\r\n"},
      {"wrong arity inline", "GET\r\n"},
      {"huge declared multibulk, nothing behind", "*1048577\r\n"},
      {"binary junk", std::string("\x00\x01\x02\xff\r\n", 6)},
  };
}

TEST_F(ServerTest, MalformedInputMatchesRealRedis) {
  StartServer();
  RedisServerProcess redis;
  absl::Status s = redis.Start();
  ASSERT_TRUE(s.ok()) << s;
  for (const Case& c : MalformedCases()) {
    Exchange ours = SendAndCollect(port_, c.input);
    Exchange theirs = SendAndCollect(redis.port(), c.input);
    EXPECT_EQ(ours.bytes, theirs.bytes) << c.name;
    EXPECT_EQ(ours.closed, theirs.closed) << c.name;
  }
  // The server is still fine.
  EXPECT_EQ(Connect()->Call({"PING"}), "+PONG\r\n");
}

TEST_F(ServerTest, MalformedInputByteByByteMatchesRealRedis) {
  // The same inputs trickled one byte at a time exercise every partial state of the parser.
  StartServer();
  RedisServerProcess redis;
  ASSERT_TRUE(redis.Start().ok());
  for (const Case& c : MalformedCases()) {
    if (c.input.size() > 200) continue;
    Exchange result[2];
    int ports[2] = {port_, redis.port()};
    for (int k = 0; k < 2; ++k) {
      int fd = ConnectTcp(ports[k]);
      ASSERT_GE(fd, 0);
      for (char ch : c.input) {
        if (!SendAll(fd, std::string_view(&ch, 1))) break;
      }
      result[k] = Collect(fd, 300);
      close(fd);
    }
    EXPECT_EQ(result[0].bytes, result[1].bytes) << c.name;
    EXPECT_EQ(result[0].closed, result[1].closed) << c.name;
  }
}

TEST_F(ServerTest, ProtoMaxBulkLenMatchesRealRedis) {
  ServerOptions options;
  options.proto_max_bulk_len = 1024 * 1024;
  StartServer(options);
  RedisServerProcess redis;
  ASSERT_TRUE(redis.Start({"--proto-max-bulk-len", "1mb"}).ok());
  for (const std::string& input :
       {std::string("*2\r\n$3\r\nGET\r\n$1048577\r\n"),
        std::string("*2\r\n$4\r\nECHO\r\n$1048576\r\n") + std::string(1048576, 'x') + "\r\n"}) {
    Exchange ours = SendAndCollect(port_, input, 500);
    Exchange theirs = SendAndCollect(redis.port(), input, 500);
    EXPECT_EQ(ours.bytes.substr(0, 100), theirs.bytes.substr(0, 100));
    EXPECT_EQ(ours.bytes.size(), theirs.bytes.size());
    EXPECT_EQ(ours.closed, theirs.closed);
  }
}

TEST_F(ServerTest, QueryBufferLimitClosesLikeRealRedis) {
  ServerOptions options;
  options.client_query_buffer_limit = 1024 * 1024;
  StartServer(options);
  RedisServerProcess redis;
  ASSERT_TRUE(redis.Start({"--client-query-buffer-limit", "1mb"}).ok());
  const std::string input = "*2\r\n$3\r\nGET\r\n$2000000\r\n" + std::string(1500000, 'a');
  Exchange ours = SendAndCollect(port_, input, 1000);
  Exchange theirs = SendAndCollect(redis.port(), input, 1000);
  EXPECT_EQ(ours.bytes, "");
  EXPECT_EQ(ours.bytes, theirs.bytes);
  EXPECT_TRUE(ours.closed);
  EXPECT_EQ(ours.closed, theirs.closed);
  // Under the limit, a big value goes through.
  auto c = Connect();
  std::string value(900 * 1024, 'v');
  EXPECT_EQ(c->Call({"SET", "big", value}), "+OK\r\n");
  EXPECT_EQ(c->Call({"STRLEN", "big"}), absl::StrCat(":", value.size(), "\r\n"));
}

TEST_F(ServerTest, ClientStalledMidCommandBlocksNoOne) {
  StartServer();
  int staller = ConnectTcp(port_);
  ASSERT_GE(staller, 0);
  ASSERT_TRUE(SendAll(staller, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhel"));
  auto other = Connect();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) ASSERT_EQ(other->Call({"PING"}), "+PONG\r\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(other->Call({"GET", "k"}), "$-1\r\n");
  ASSERT_TRUE(SendAll(staller, "lo\r\n"));
  Exchange ex = Collect(staller, 500);
  close(staller);
  EXPECT_EQ(ex.bytes, "+OK\r\n");
  EXPECT_EQ(other->Call({"GET", "k"}), "$5\r\nhello\r\n");
}

int64_t FieldOf(const std::string& line, const std::string& field) {
  size_t pos = line.find(" " + field + "=");
  if (pos == std::string::npos) return -1;
  return std::stoll(line.substr(pos + field.size() + 2));
}

// The CLIENT LIST line of the client whose `name` is given.
std::string ClientLine(RawRespConnection& c, const std::string& name) {
  std::string list = c.Call({"CLIENT", "LIST"});
  size_t pos = list.find("name=" + name + " ");
  if (pos == std::string::npos) return "";
  size_t begin = list.rfind("id=", pos);
  size_t end = list.find('\n', pos);
  return list.substr(begin, end - begin);
}

TEST_F(ServerTest, ClientThatNeverReadsIsBoundedAndHarmless) {
  StartServer();  // client_output_pause 1 MB, hard limit 256 MB
  auto setup = Connect();
  const std::string value(256 * 1024, 'x');
  ASSERT_EQ(setup->Call({"SET", "big", value}), "+OK\r\n");
  int hog = ConnectTcp(port_);
  ASSERT_GE(hog, 0);
  int small = 4096;
  setsockopt(hog, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  std::string batch;
  resp::AppendCommand(&batch, {"CLIENT", "SETNAME", "hog"});
  for (int i = 0; i < 4000; ++i) resp::AppendCommand(&batch, {"GET", "big"});  // 1 GB of replies
  // The server stops reading the hog once its replies pile up, so this send may block: use a
  // thread and shut the socket down at the end.
  std::thread sender([&] { SendAll(hog, batch); });
  std::this_thread::sleep_for(milliseconds(1500));
  // Others are served normally meanwhile.
  auto other = Connect();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) ASSERT_EQ(other->Call({"PING"}), "+PONG\r\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  std::string line = ClientLine(*other, "hog");
  ASSERT_FALSE(line.empty());
  const int64_t omem = FieldOf(line, "omem");
  // Bounded by the pause threshold plus one reply.
  EXPECT_LE(omem, 1024 * 1024 + 2 * static_cast<int64_t>(value.size())) << line;
  EXPECT_GT(omem, 0) << line;
  shutdown(hog, SHUT_RDWR);
  sender.join();
  close(hog);
  EXPECT_EQ(other->Call({"PING"}), "+PONG\r\n");
}

// A client with a small receive buffer that sends `gets` GETs of `key` and reads none of the
// replies; returns its socket, or -1.
int SendGetsAndReadNothing(int port, const std::string& key, int gets) {
  int fd = ConnectTcp(port);
  if (fd < 0) return -1;
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  std::string batch;
  for (int i = 0; i < gets; ++i) resp::AppendCommand(&batch, {"GET", key});
  if (!SendAll(fd, batch)) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST_F(ServerTest, OutputBufferHardLimitDisconnects) {
  ServerOptions options;
  options.client_output_buffer_limit = 2 * 1024 * 1024;
  options.client_output_pause = 64 * 1024 * 1024;  // so the hard limit is reached first
  StartServer(options);
  auto setup = Connect();
  ASSERT_EQ(setup->Call({"SET", "big", std::string(512 * 1024, 'x')}), "+OK\r\n");
  const int hog = SendGetsAndReadNothing(port_, "big", 64);
  ASSERT_GE(hog, 0);
  bool disconnected = false;
  for (int i = 0; i < 100 && !disconnected; ++i) {
    std::this_thread::sleep_for(milliseconds(50));
    disconnected =
        setup->Call({"INFO", "stats"}).find("client_output_buffer_limit_disconnections:1") !=
        std::string::npos;
  }
  EXPECT_TRUE(disconnected);
  close(hog);
  EXPECT_EQ(setup->Call({"PING"}), "+PONG\r\n");
}

// The soft limit, set at run time as in redis-server: a client whose replies stay past it for more
// than its seconds is disconnected (here one that reads nothing and has 1.5 MB queued), not before.
TEST_F(ServerTest, OutputBufferSoftLimitDisconnectsAfterItsSeconds) {
  ServerOptions options;
  options.hz = 20;
  StartServer(options);
  auto setup = Connect();
  ASSERT_EQ(setup->Call({"CONFIG", "SET", "client-output-buffer-limit", "normal 0 256kb 1"}),
            "+OK\r\n");
  ASSERT_EQ(setup->Call({"SET", "big", std::string(512 * 1024, 'x')}), "+OK\r\n");
  const auto start = std::chrono::steady_clock::now();
  const int hog = SendGetsAndReadNothing(port_, "big", 16);
  ASSERT_GE(hog, 0);
  auto disconnections = [&] {
    return setup->Call({"INFO", "stats"}).find("client_output_buffer_limit_disconnections:1") !=
           std::string::npos;
  };
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_FALSE(disconnections()) << "closed before the soft limit's second";
  bool disconnected = false;
  for (int i = 0; i < 200 && !disconnected; ++i) {
    std::this_thread::sleep_for(milliseconds(50));
    disconnected = disconnections();
  }
  EXPECT_TRUE(disconnected);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  close(hog);
  EXPECT_EQ(setup->Call({"PING"}), "+PONG\r\n");
}

TEST_F(ServerTest, FairnessBetweenPipeliningClients) {
  ServerOptions options;
  options.io_threads = 1;  // both clients on one loop
  options.max_commands_per_turn = 64;
  StartServer(options);
  int heavy = ConnectTcp(port_);
  ASSERT_GE(heavy, 0);
  std::string batch;
  for (int i = 0; i < 200000; ++i) resp::AppendCommand(&batch, {"INCR", "heavy"});
  std::thread sender([&] { SendAll(heavy, batch); });
  std::thread reader([&] {
    char buf[65536];
    size_t want = 0;
    for (int i = 1; i <= 200000; ++i) want += absl::StrCat(":", i, "\r\n").size();
    size_t got = 0;
    while (got < want) {
      ssize_t n = recv(heavy, buf, sizeof(buf), 0);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
  });
  std::this_thread::sleep_for(milliseconds(20));
  auto light = Connect();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(light->Call({"PING"}), "+PONG\r\n");
  auto elapsed = std::chrono::steady_clock::now() - start;
  sender.join();
  reader.join();
  close(heavy);
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_EQ(light->Call({"GET", "heavy"}), "$6\r\n200000\r\n");
}

TEST_F(ServerTest, RandomGarbageNeverCrashes) {
  StartServer();
  uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const char* pieces[] = {"*", "$",           "\r\n",  "\n",  "1",      "-1", "3",
                          "0", "99999999999", "PING",  "SET", "\"",     "'",  "\\x",
                          " ", "GET",         "HELLO", "3",   "CLIENT", "\0"};
  for (int round = 0; round < 300; ++round) {
    std::string input;
    int n = static_cast<int>(next() % 40);
    for (int i = 0; i < n; ++i) {
      const char* p = pieces[next() % (sizeof(pieces) / sizeof(pieces[0]))];
      input += p[0] == '\0' ? std::string(1, '\0') : std::string(p);
    }
    int fd = ConnectTcp(port_);
    ASSERT_GE(fd, 0);
    SendAll(fd, input);
    Collect(fd, 5);
    close(fd);
  }
  EXPECT_EQ(Connect()->Call({"PING"}), "+PONG\r\n");
}

}  // namespace
}  // namespace embedis::testing
