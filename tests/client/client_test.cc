// Client (the connection pool) against a real redis-server: concurrency, pool
// exhaustion, timeouts, and reconnection after the server restarts.
#include "lib/client/client.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/resp/value.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_server.h"

namespace embedis {
namespace {

using ::embedis::testing::IsOkAndHolds;
using ::embedis::testing::RawRespConnection;
using ::embedis::testing::RedisServerProcess;
using ::embedis::testing::StatusIs;
using resp::Value;
using ::testing::HasSubstr;

ClientOptions Local(int port) {
  ClientOptions o;
  o.port = port;
  o.connect_timeout = absl::Seconds(2);
  o.command_timeout = absl::Seconds(5);
  return o;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A redis-server on a given port (RedisServerProcess picks its own), to
// restart a server where the old one was.
class RedisAtPort {
 public:
  explicit RedisAtPort(int port) : port_(port) {}
  ~RedisAtPort() { Kill(); }

  void Start() {
    std::string bin = ::embedis::testing::FindExecutable("redis-server");
    ASSERT_FALSE(bin.empty()) << "redis-server not found; install it: apt-get install redis-server";
    char tmpl[] = "/tmp/embedis-redis-at-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    std::vector<std::string> args = {bin,
                                     "--port",
                                     std::to_string(port_),
                                     "--bind",
                                     "127.0.0.1",
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--dir",
                                     tmpl,
                                     "--logfile",
                                     absl::StrCat(tmpl, "/redis.log")};
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> cargs;
      for (auto& a : args) cargs.push_back(a.data());
      cargs.push_back(nullptr);
      execv(bin.c_str(), cargs.data());
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      RawRespConnection conn;
      if (conn.Connect(port_).ok() && conn.Call({"PING"}) == "+PONG\r\n") return;
      usleep(50 * 1000);
    }
    FAIL() << "redis-server did not start on port " << port_;
  }

  void Kill() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

TEST(Client, ConnectReportsAnUnreachableServer) {
  int port = ::embedis::testing::FreeLoopbackPort();
  auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(Client::Connect(Local(port)), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(SecondsSince(start), 0.5);
}

TEST(Client, RunsCommandsAndPipelines) {
  RedisServerProcess redis;
  ASSERT_OK(redis.Start());
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(Local(redis.port()));
  ASSERT_OK(client);
  EXPECT_EQ((*client)->open_connections(), 1u);
  EXPECT_THAT((*client)->Command({"SET", "k", "v"}), IsOkAndHolds(Value::SimpleString("OK")));
  Pipeline p;
  p.Add({"GET", "k"}).Add({"INCR", "n"}).Add({"INCR", "n"});
  EXPECT_THAT((*client)->Exec(p),
              IsOkAndHolds(::testing::ElementsAre(Value::BulkString("v"), Value::Integer(1),
                                                  Value::Integer(2))));
  {
    absl::StatusOr<Client::Lease> lease = (*client)->Acquire();
    ASSERT_OK(lease);
    EXPECT_THAT((*lease)->Command({"MULTI"}), IsOkAndHolds(Value::SimpleString("OK")));
    EXPECT_THAT((*lease)->Command({"INCR", "n"}), IsOkAndHolds(Value::SimpleString("QUEUED")));
    EXPECT_THAT((*lease)->Command({"EXEC"}), IsOkAndHolds(Value::Array({Value::Integer(3)})));
    EXPECT_EQ((*client)->idle_connections(), 0u);
  }
  EXPECT_EQ((*client)->idle_connections(), 1u);
  EXPECT_EQ((*client)->open_connections(), 1u);
}

TEST(Client, PoolServesEightThreads) {
  RedisServerProcess redis;
  ASSERT_OK(redis.Start());
  ClientOptions o = Local(redis.port());
  o.pool_size = 4;
  o.pool_wait_timeout = absl::Seconds(10);
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(o);
  ASSERT_OK(client);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string key = absl::StrCat("own:", t);
      Pipeline p;
      for (int i = 0; i < kPerThread; ++i) {
        absl::StatusOr<Value> r = (*client)->Command({"INCR", "shared"});
        if (!r.ok() || r->type() != resp::Type::kInteger) ++failures;
        r = (*client)->Command({"INCR", key});
        if (!r.ok() || *r != Value::Integer(i + 1)) ++failures;
        if (i % 50 == 0) {
          p.Clear();
          p.Add({"INCR", "shared"}).Add({"GET", key});
          absl::StatusOr<std::vector<Value>> rs = (*client)->Exec(p);
          if (!rs.ok() || rs->size() != 2 || (*rs)[1] != Value::BulkString(std::to_string(i + 1))) {
            ++failures;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_THAT((*client)->Command({"GET", "shared"}),
              IsOkAndHolds(Value::BulkString(std::to_string(kThreads * (kPerThread + 10)))));
  EXPECT_LE((*client)->open_connections(), 4u);
  EXPECT_GE((*client)->open_connections(), 1u);
}

TEST(Client, PoolExhaustedIsDeadlineExceeded) {
  RedisServerProcess redis;
  ASSERT_OK(redis.Start());
  ClientOptions o = Local(redis.port());
  o.pool_size = 1;
  o.pool_wait_timeout = absl::Milliseconds(200);
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(o);
  ASSERT_OK(client);
  {
    absl::StatusOr<Client::Lease> held = (*client)->Acquire();
    ASSERT_OK(held);
    auto start = std::chrono::steady_clock::now();
    EXPECT_THAT((*client)->Command({"PING"}),
                StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("pool exhausted")));
    double took = SecondsSince(start);
    EXPECT_GE(took, 0.15);
    EXPECT_LT(took, 1.0);
  }
  // A waiter gets the connection as soon as it is given back.
  std::atomic<bool> released{false};
  absl::StatusOr<Client::Lease> held = (*client)->Acquire();
  ASSERT_OK(held);
  std::thread waiter([&] {
    EXPECT_THAT((*client)->Command({"PING"}), IsOkAndHolds(Value::SimpleString("PONG")));
    EXPECT_TRUE(released.load());
  });
  usleep(50 * 1000);
  released = true;
  { Client::Lease give_back = *std::move(held); }
  waiter.join();
}

TEST(Client, StoppedServerTimesOutThenRecovers) {
  RedisServerProcess redis;
  ASSERT_OK(redis.Start());
  ClientOptions o = Local(redis.port());
  o.command_timeout = absl::Milliseconds(250);
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(o);
  ASSERT_OK(client);
  ASSERT_OK((*client)->Command({"SET", "k", "v"}));
  redis.Pause();
  auto start = std::chrono::steady_clock::now();
  EXPECT_THAT((*client)->Command({"GET", "k"}), StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(SecondsSince(start), 1.0);
  EXPECT_EQ((*client)->open_connections(), 0u);  // the timed-out connection was dropped
  redis.Resume();
  EXPECT_THAT((*client)->Command({"GET", "k"}), IsOkAndHolds(Value::BulkString("v")));
}

TEST(Client, FirstCommandAfterARestartSucceeds) {
  RedisServerProcess first;
  ASSERT_OK(first.Start());
  const int port = first.port();
  ClientOptions o = Local(port);
  o.pool_size = 3;
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(o);
  ASSERT_OK(client);
  {
    // Open three connections, all idle afterwards.
    auto a = (*client)->Acquire(), b = (*client)->Acquire(), c = (*client)->Acquire();
    ASSERT_OK(a);
    ASSERT_OK(b);
    ASSERT_OK(c);
  }
  ASSERT_EQ((*client)->idle_connections(), 3u);
  first.Kill();
  RedisAtPort second(port);
  second.Start();
  // Every pooled connection was closed by the old server: each is noticed
  // before use and replaced, so no command fails.
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT((*client)->Command({"INCR", "n"}), IsOkAndHolds(Value::Integer(i + 1)));
  }
  EXPECT_EQ((*client)->open_connections(), 1u);
}

TEST(Client, ReconnectsWithBackoffAfterTheServerComesBack) {
  RedisServerProcess first;
  ASSERT_OK(first.Start());
  const int port = first.port();
  ClientOptions o = Local(port);
  o.reconnect_backoff_initial = absl::Milliseconds(100);
  o.reconnect_backoff_max = absl::Milliseconds(400);
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(o);
  ASSERT_OK(client);
  ASSERT_OK((*client)->Command({"SET", "k", "v"}));
  first.Kill();
  // Down: the stale connection is dropped, reconnecting is refused. Under load the kernel may
  // deliver the dead server's FIN after the idle check, so the first command can instead find
  // the old connection closed; the attempt after it is the refused reconnection.
  absl::StatusOr<Value> down = (*client)->Command({"GET", "k"});
  EXPECT_THAT(down, StatusIs(absl::StatusCode::kUnavailable));
  if (absl::StrContains(down.status().message(), "connection closed by the server")) {
    down = (*client)->Command({"GET", "k"});
  }
  EXPECT_THAT(down, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("refused")));
  // Within the backoff, calls fail fast without trying.
  auto start = std::chrono::steady_clock::now();
  EXPECT_THAT((*client)->Command({"GET", "k"}),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("next reconnection attempt")));
  EXPECT_LT(SecondsSince(start), 0.05);

  RedisAtPort second(port);
  second.Start();
  // Back: the next attempt after the backoff succeeds (a new, empty server).
  absl::StatusOr<Value> r;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  do {
    r = (*client)->Command({"GET", "k"});
    if (r.ok()) break;
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable));
    usleep(20 * 1000);
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_THAT(r, IsOkAndHolds(Value::NullBulk()));
}

TEST(Client, KilledMidPipelineIsUnavailable) {
  RedisServerProcess redis;
  ASSERT_OK(redis.Start());
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(Local(redis.port()));
  ASSERT_OK(client);
  absl::StatusOr<Client::Lease> lease = (*client)->Acquire();
  ASSERT_OK(lease);
  std::thread killer([&] {
    usleep(100 * 1000);
    redis.Kill();
  });
  // BLPOP blocks on the server until the server dies.
  EXPECT_THAT((*lease)->Command({"BLPOP", "nothing", "0"}),
              StatusIs(absl::StatusCode::kUnavailable));
  killer.join();
}

}  // namespace
}  // namespace embedis
