// Connection against a real redis-server: handshake (AUTH, ACL users, SELECT,
// SETNAME, HELLO 3), transports (IPv4, IPv6, Unix socket), pipelining, and
// failures (error replies, timeouts, lost and refused connections).
#include "lib/client/connection.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/client/options.h"
#include "lib/resp/value.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_server.h"

namespace embedis {
namespace {

using ::embedis::testing::IsOkAndHolds;
using ::embedis::testing::RedisServerProcess;
using ::embedis::testing::StatusIs;
using resp::Value;
using ::testing::HasSubstr;

ClientOptions Local(int port) {
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = port;
  o.connect_timeout = absl::Seconds(2);
  o.command_timeout = absl::Seconds(5);
  return o;
}

std::unique_ptr<Connection> MustOpen(const ClientOptions& options) {
  absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(options);
  EXPECT_OK(conn);
  if (!conn.ok()) return nullptr;
  return *std::move(conn);
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool HaveIpv6Loopback() {
  int fd = socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(redis_.Start()); }
  RedisServerProcess redis_;
};

TEST_F(ConnectionTest, RunsCommandsAndReturnsReplies) {
  auto conn = MustOpen(Local(redis_.port()));
  ASSERT_NE(conn, nullptr);
  EXPECT_THAT(conn->Command({"SET", "k", "v"}), IsOkAndHolds(Value::SimpleString("OK")));
  EXPECT_THAT(conn->Command({"GET", "k"}), IsOkAndHolds(Value::BulkString("v")));
  EXPECT_THAT(conn->Command({"GET", "missing"}), IsOkAndHolds(Value::NullBulk()));
  EXPECT_THAT(conn->Command({"INCRBY", "n", "41"}), IsOkAndHolds(Value::Integer(41)));
  EXPECT_THAT(conn->Command({"RPUSH", "l", "a", "b"}), IsOkAndHolds(Value::Integer(2)));
  EXPECT_THAT(conn->Command({"LRANGE", "l", "0", "-1"}),
              IsOkAndHolds(Value::Array({Value::BulkString("a"), Value::BulkString("b")})));
  EXPECT_EQ(conn->protocol(), resp::Protocol::kResp2);
  EXPECT_EQ(conn->peer(), absl::StrCat("127.0.0.1:", redis_.port()));
}

TEST_F(ConnectionTest, ErrorReplyIsAValueAndTheConnectionStaysUsable) {
  auto conn = MustOpen(Local(redis_.port()));
  ASSERT_NE(conn, nullptr);
  ASSERT_OK(conn->Command({"SET", "s", "x"}));
  absl::StatusOr<Value> r = conn->Command({"LPUSH", "s", "a"});
  ASSERT_OK(r);
  EXPECT_EQ(r->type(), resp::Type::kError);
  EXPECT_EQ(r->str(), "WRONGTYPE Operation against a key holding the wrong kind of value");
  EXPECT_THAT(StatusFromErrorReply(r->str()), StatusIs(absl::StatusCode::kFailedPrecondition));
  r = conn->Command({"NOSUCHCOMMAND"});
  ASSERT_OK(r);
  EXPECT_TRUE(r->is_error());
  EXPECT_TRUE(conn->ok());
  EXPECT_THAT(conn->Command({"PING"}), IsOkAndHolds(Value::SimpleString("PONG")));
}

TEST_F(ConnectionTest, BinarySafeLargeValues) {
  auto conn = MustOpen(Local(redis_.port()));
  ASSERT_NE(conn, nullptr);
  std::string big(8 * 1024 * 1024 + 3, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + (i >> 13));
  EXPECT_THAT(conn->Command({"SET", "big", big}), IsOkAndHolds(Value::SimpleString("OK")));
  EXPECT_THAT(conn->Command({"GET", "big"}), IsOkAndHolds(Value::BulkString(big)));
  EXPECT_THAT(conn->Command({"STRLEN", "big"}),
              IsOkAndHolds(Value::Integer(static_cast<int64_t>(big.size()))));
}

TEST_F(ConnectionTest, PipelinesTenThousandCommands) {
  auto conn = MustOpen(Local(redis_.port()));
  ASSERT_NE(conn, nullptr);
  Pipeline p;
  std::vector<std::string> keys;
  for (int i = 0; i < 10000; ++i) keys.push_back(absl::StrCat("key:", i));
  for (int i = 0; i < 10000; ++i) {
    if (i % 2 == 0) {
      p.Add({"SET", keys[i], keys[i]});
    } else {
      p.Add({"INCR", "counter"});
    }
  }
  EXPECT_EQ(p.size(), 10000u);
  absl::StatusOr<std::vector<Value>> replies = conn->Exec(p);
  ASSERT_OK(replies);
  ASSERT_EQ(replies->size(), 10000u);
  for (int i = 0; i < 10000; ++i) {
    if (i % 2 == 0) {
      ASSERT_EQ((*replies)[i], Value::SimpleString("OK")) << i;
    } else {
      ASSERT_EQ((*replies)[i], Value::Integer(i / 2 + 1)) << i;
    }
  }
  // Read them back in one pipeline; replies (~10k bulks) far exceed one read.
  p.Clear();
  EXPECT_TRUE(p.empty());
  for (int i = 0; i < 10000; i += 2) p.Add({"GET", keys[i]});
  replies = conn->Exec(p);
  ASSERT_OK(replies);
  ASSERT_EQ(replies->size(), 5000u);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ((*replies)[i], Value::BulkString(keys[2 * i]));
  // An error in the middle does not disturb the rest.
  p.Clear();
  p.Add({"SET", "x", "1"}).Add({"LPUSH", "x", "a"}).Add({"GET", "x"});
  replies = conn->Exec(p);
  ASSERT_OK(replies);
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_TRUE((*replies)[1].is_error());
  EXPECT_EQ((*replies)[2], Value::BulkString("1"));
  // Empty pipelines are fine.
  EXPECT_THAT(conn->Exec(Pipeline()), IsOkAndHolds(::testing::IsEmpty()));
}

TEST_F(ConnectionTest, SelectsTheDatabase) {
  ClientOptions o = Local(redis_.port());
  o.db = 3;
  auto db3 = MustOpen(o);
  auto db0 = MustOpen(Local(redis_.port()));
  ASSERT_NE(db3, nullptr);
  ASSERT_NE(db0, nullptr);
  ASSERT_OK(db3->Command({"SET", "only-in-3", "v"}));
  EXPECT_THAT(db0->Command({"EXISTS", "only-in-3"}), IsOkAndHolds(Value::Integer(0)));
  EXPECT_THAT(db3->Command({"EXISTS", "only-in-3"}), IsOkAndHolds(Value::Integer(1)));
  absl::StatusOr<Value> info = db3->Command({"CLIENT", "INFO"});
  ASSERT_OK(info);
  EXPECT_THAT(info->str(), HasSubstr(" db=3 "));
}

TEST_F(ConnectionTest, BadDatabaseFailsToOpen) {
  ClientOptions o = Local(redis_.port());
  o.db = 99;
  EXPECT_THAT(Connection::Open(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("SELECT: ERR DB index is out of range")));
}

TEST_F(ConnectionTest, SetsTheClientName) {
  ClientOptions o = Local(redis_.port());
  o.client_name = "embedis-test";
  auto conn = MustOpen(o);
  ASSERT_NE(conn, nullptr);
  EXPECT_THAT(conn->Command({"CLIENT", "GETNAME"}),
              IsOkAndHolds(Value::BulkString("embedis-test")));
}

TEST_F(ConnectionTest, Resp3WithHello) {
  ClientOptions o = Local(redis_.port());
  o.resp3 = true;
  o.client_name = "r3";
  o.db = 2;
  auto conn = MustOpen(o);
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(conn->protocol(), resp::Protocol::kResp3);
  EXPECT_THAT(conn->Command({"CLIENT", "GETNAME"}), IsOkAndHolds(Value::BulkString("r3")));
  ASSERT_OK(conn->Command({"HSET", "h", "f1", "v1", "f2", "v2"}));
  absl::StatusOr<Value> all = conn->Command({"HGETALL", "h"});
  ASSERT_OK(all);
  EXPECT_EQ(*all, Value::Map({{Value::BulkString("f1"), Value::BulkString("v1")},
                              {Value::BulkString("f2"), Value::BulkString("v2")}}));
  EXPECT_THAT(conn->Command({"GET", "missing"}), IsOkAndHolds(Value::Null()));
  ASSERT_OK(conn->Command({"ZADD", "z", "1.5", "m"}));
  EXPECT_THAT(conn->Command({"ZSCORE", "z", "m"}), IsOkAndHolds(Value::Double(1.5)));
  absl::StatusOr<Value> info = conn->Command({"CLIENT", "INFO"});
  ASSERT_OK(info);
  EXPECT_THAT(info->str(), HasSubstr(" resp=3"));
  EXPECT_THAT(info->str(), HasSubstr(" db=2 "));
}

TEST_F(ConnectionTest, Resp3PushMessagesAreNotReplies) {
  ClientOptions o = Local(redis_.port());
  o.resp3 = true;
  auto conn = MustOpen(o);
  ASSERT_NE(conn, nullptr);
  // Client-side caching: reading a key, then changing it from elsewhere,
  // makes the server push an invalidation to this connection.
  ASSERT_OK(conn->Command({"CLIENT", "TRACKING", "on"}));
  ASSERT_OK(conn->Command({"SET", "tracked", "1"}));
  ASSERT_OK(conn->Command({"GET", "tracked"}));
  auto other = MustOpen(Local(redis_.port()));
  ASSERT_NE(other, nullptr);
  ASSERT_OK(other->Command({"SET", "tracked", "2"}));
  usleep(50 * 1000);
  EXPECT_TRUE(conn->CheckIdle());
  EXPECT_THAT(conn->Command({"GET", "tracked"}), IsOkAndHolds(Value::BulkString("2")));
  ASSERT_OK(other->Command({"SET", "tracked", "3"}));
  usleep(50 * 1000);
  // Without the idle check, the push is skipped while reading the reply.
  EXPECT_THAT(conn->Command({"GET", "tracked"}), IsOkAndHolds(Value::BulkString("3")));
}

TEST_F(ConnectionTest, Ipv6Loopback) {
  ASSERT_TRUE(HaveIpv6Loopback()) << "this machine has no ::1";
  RedisServerProcess redis6;
  ASSERT_OK(redis6.Start({"--bind", "::1", "127.0.0.1"}));
  ClientOptions o = Local(redis6.port());
  o.host = "::1";
  auto conn = MustOpen(o);
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(conn->peer(), absl::StrCat("[::1]:", redis6.port()));
  EXPECT_THAT(conn->Command({"PING"}), IsOkAndHolds(Value::SimpleString("PONG")));
  absl::StatusOr<Value> info = conn->Command({"CLIENT", "INFO"});
  ASSERT_OK(info);
  EXPECT_THAT(info->str(), HasSubstr("addr=[::1]:"));
  // "localhost" resolves to whatever /etc/hosts says; every address is tried.
  o.host = "localhost";
  conn = MustOpen(o);
  ASSERT_NE(conn, nullptr);
  EXPECT_THAT(conn->Command({"PING"}), IsOkAndHolds(Value::SimpleString("PONG")));
}

TEST_F(ConnectionTest, UnixSocket) {
  char dir_template[] = "/tmp/embedis-client-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string path = absl::StrCat(dir_template, "/redis.sock");
  RedisServerProcess redis_unix;
  ASSERT_OK(redis_unix.Start({"--unixsocket", path, "--unixsocketperm", "700"}));
  ClientOptions o;
  o.unix_socket = path;
  o.port = 1;  // ignored
  auto conn = MustOpen(o);
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(conn->peer(), absl::StrCat("unix:", path));
  EXPECT_THAT(conn->Command({"SET", "k", "unix"}), IsOkAndHolds(Value::SimpleString("OK")));
  absl::StatusOr<Value> info = conn->Command({"CLIENT", "INFO"});
  ASSERT_OK(info);
  EXPECT_THAT(info->str(), HasSubstr(absl::StrCat("laddr=", path)));
  redis_unix.Kill();
  unlink(path.c_str());
  rmdir(dir_template);
  EXPECT_THAT(Connection::Open(o), StatusIs(absl::StatusCode::kUnavailable));
}

TEST(ConnectionAuth, RequirePass) {
  RedisServerProcess redis;
  ASSERT_OK(redis.Start());  // (its readiness check cannot authenticate)
  {
    auto admin = MustOpen(Local(redis.port()));
    ASSERT_NE(admin, nullptr);
    ASSERT_THAT(admin->Command({"CONFIG", "SET", "requirepass", "s3cret"}),
                IsOkAndHolds(Value::SimpleString("OK")));
  }
  // Without a password the connection opens but commands are refused.
  auto anon = MustOpen(Local(redis.port()));
  ASSERT_NE(anon, nullptr);
  absl::StatusOr<Value> r = anon->Command({"GET", "k"});
  ASSERT_OK(r);
  ASSERT_TRUE(r->is_error());
  EXPECT_THAT(StatusFromErrorReply(r->str()),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("NOAUTH")));

  ClientOptions o = Local(redis.port());
  o.password = "wrong";
  EXPECT_THAT(Connection::Open(o),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("AUTH: WRONGPASS")));
  o.password = "s3cret";
  auto conn = MustOpen(o);
  ASSERT_NE(conn, nullptr);
  EXPECT_THAT(conn->Command({"SET", "k", "v"}), IsOkAndHolds(Value::SimpleString("OK")));
  // The same inside HELLO 3, with SETNAME and SELECT.
  o.resp3 = true;
  o.client_name = "authed";
  o.db = 1;
  conn = MustOpen(o);
  ASSERT_NE(conn, nullptr);
  EXPECT_THAT(conn->Command({"CLIENT", "GETNAME"}), IsOkAndHolds(Value::BulkString("authed")));
  o.password = "wrong";
  EXPECT_THAT(Connection::Open(o),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("HELLO: WRONGPASS")));
}

TEST(ConnectionAuth, AclUser) {
  RedisServerProcess redis;
  ASSERT_OK(redis.Start());
  auto admin = MustOpen(Local(redis.port()));
  ASSERT_NE(admin, nullptr);
  ASSERT_THAT(admin->Command({"ACL", "SETUSER", "alice", "on", ">wonder land", "~app:*", "+@all"}),
              IsOkAndHolds(Value::SimpleString("OK")));
  for (bool resp3 : {false, true}) {
    SCOPED_TRACE(resp3 ? "RESP3" : "RESP2");
    ClientOptions o = Local(redis.port());
    o.resp3 = resp3;
    o.username = "alice";
    o.password = "wonder land";
    auto conn = MustOpen(o);
    ASSERT_NE(conn, nullptr);
    EXPECT_THAT(conn->Command({"ACL", "WHOAMI"}), IsOkAndHolds(Value::BulkString("alice")));
    EXPECT_THAT(conn->Command({"SET", "app:1", "v"}), IsOkAndHolds(Value::SimpleString("OK")));
    absl::StatusOr<Value> denied = conn->Command({"SET", "other", "v"});
    ASSERT_OK(denied);
    ASSERT_TRUE(denied->is_error());
    EXPECT_THAT(StatusFromErrorReply(denied->str()),
                StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("NOPERM")));
    o.password = "nope";
    EXPECT_THAT(Connection::Open(o), StatusIs(absl::StatusCode::kPermissionDenied));
  }
}

TEST(ConnectionFailures, ClosedPortIsUnavailableQuickly) {
  int port = ::embedis::testing::FreeLoopbackPort();
  ClientOptions o = Local(port);
  auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(Connection::Open(o),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("Connection refused")));
  EXPECT_LT(SecondsSince(start), 0.5);
  o.host = "no-such-host.invalid";
  EXPECT_THAT(Connection::Open(o), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ConnectionTest, StoppedServerTimesOutWithinTheDeadline) {
  ClientOptions o = Local(redis_.port());
  o.command_timeout = absl::Milliseconds(300);
  auto conn = MustOpen(o);
  ASSERT_NE(conn, nullptr);
  ASSERT_OK(conn->Command({"SET", "k", "v"}));
  redis_.Pause();
  auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(conn->Command({"GET", "k"}), StatusIs(absl::StatusCode::kDeadlineExceeded));
  double took = SecondsSince(start);
  EXPECT_GE(took, 0.25);
  EXPECT_LT(took, 1.0);
  // The reply may still come: the connection is closed rather than left out of step.
  EXPECT_FALSE(conn->ok());
  EXPECT_THAT(conn->Command({"PING"}), StatusIs(absl::StatusCode::kUnavailable));

  // Opening a connection to a stopped server: the kernel accepts the TCP
  // connection, but the handshake gets no answer and times out.
  ClientOptions o2 = o;
  o2.password = "x";
  start = std::chrono::steady_clock::now();
  EXPECT_THAT(Connection::Open(o2), StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(SecondsSince(start), 1.0);
  redis_.Resume();
  auto conn2 = MustOpen(o);
  ASSERT_NE(conn2, nullptr);
  EXPECT_THAT(conn2->Command({"GET", "k"}), IsOkAndHolds(Value::BulkString("v")));
}

TEST_F(ConnectionTest, StoppedServerTimesOutAPipeline) {
  ClientOptions o = Local(redis_.port());
  o.command_timeout = absl::Milliseconds(300);
  auto conn = MustOpen(o);
  ASSERT_NE(conn, nullptr);
  redis_.Pause();
  Pipeline p;
  std::string value(1000, 'x');
  // ~10 MB: more than the socket buffers hold, so the write itself must wait.
  for (int i = 0; i < 10000; ++i) p.Add({"SET", "k", value});
  auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(conn->Exec(p), StatusIs(absl::StatusCode::kDeadlineExceeded));
  double took = SecondsSince(start);
  EXPECT_GE(took, 0.25);
  EXPECT_LT(took, 1.0);
  EXPECT_FALSE(conn->ok());
  redis_.Resume();
}

TEST_F(ConnectionTest, KilledServerIsUnavailable) {
  auto conn = MustOpen(Local(redis_.port()));
  ASSERT_NE(conn, nullptr);
  ASSERT_OK(conn->Command({"PING"}));
  redis_.Kill();
  EXPECT_FALSE(conn->CheckIdle());
  EXPECT_THAT(conn->Command({"PING"}), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ConnectionTest, ServerClosingMidCommandIsUnavailable) {
  auto conn = MustOpen(Local(redis_.port()));
  ASSERT_NE(conn, nullptr);
  // The server closes the connection after replying OK; the next command
  // finds it closed.
  ASSERT_OK(conn->Command({"CLIENT", "KILL", "SKIPME", "no"}));
  absl::StatusOr<Value> r = conn->Command({"PING"});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable));
}

TEST(ConnectionErrors, StatusFromErrorReply) {
  EXPECT_THAT(StatusFromErrorReply("WRONGTYPE Operation against a key"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "WRONGTYPE Operation against a key"));
  EXPECT_THAT(StatusFromErrorReply("ERR no such key"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(StatusFromErrorReply("NOAUTH Authentication required."),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(StatusFromErrorReply("WRONGPASS invalid username-password pair"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(StatusFromErrorReply("LOADING Redis is loading the dataset in memory"),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(StatusFromErrorReply("ERR syntax error"),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR syntax error"));
  EXPECT_THAT(StatusFromErrorReply("WRONGTYPEX"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace embedis
