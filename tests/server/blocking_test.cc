// Clients blocked on keys (server/blocking.h) over the network: FIFO serving, several keys,
// timeouts, wake-ups by another client, by EXEC and by the embedding application, BLMOVE/BRPOPLPUSH
// destinations, pipelines behind a blocked command, disconnects, CLIENT UNBLOCK, INFO, CLIENT
// LIST, CLIENT PAUSE, MULTI, RESP3, other clients of the same I/O thread, and a differential run
// against redis-server 7.0.15 (byte for byte). Timings use generous margins: a reply that must
// wait is checked to be absent for a while, then to come within seconds.
//
// The list commands themselves are lib/commands/list_family.cc (tested in tests/commands).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "lib/util/strings.h"
#include "server/options.h"
#include "tests/server/net_test_util.h"
#include "tests/server/server_fixture.h"
#include "tests/testing/differential.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

int64_t MsSince(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

// ---- Fixture ----

std::string Bulk(std::string_view s) {
  return absl::StrCat("$", s.size(), "\r\n", ToAbsl(s), "\r\n");
}
std::string KeyAndElement(std::string_view key, std::string_view element) {
  return absl::StrCat("*2\r\n", Bulk(key), Bulk(element));
}

class BlockingTest : public ServerTest {
 protected:
  void Start(int io_threads = 2) {
    ServerOptions options;
    options.io_threads = io_threads;
    ASSERT_NO_FATAL_FAILURE(StartServer(options));
  }

  // The value of an INFO clients field, e.g. "blocked_clients".
  std::string InfoField(std::string_view field) {
    TimedConnection c(port_);
    if (!c.Send({{"INFO", "clients"}})) return "<send failed>";
    std::optional<std::string> info = c.Read();
    if (!info) return "<no reply>";
    const std::string prefix = absl::StrCat(ToAbsl(field), ":");
    size_t at = info->find(prefix);
    if (at == std::string::npos) return "<missing>";
    at += prefix.size();
    return info->substr(at, info->find("\r\n", at) - at);
  }

  // Waits (up to 10 s) until INFO says `n` blocked clients.
  bool WaitForBlocked(int n) {
    const std::string want = absl::StrCat(n);
    for (int i = 0; i < 1000; ++i) {
      if (InfoField("blocked_clients") == want) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }

  // Sends a command that blocks, and waits until the server counts it blocked.
  void Block(TimedConnection& c, std::vector<std::string> argv, int blocked_after) {
    ASSERT_TRUE(c.Send({argv}));
    ASSERT_TRUE(WaitForBlocked(blocked_after)) << absl::StrJoin(argv, " ");
  }

  std::string Call(std::vector<std::string> argv) {
    TimedConnection c(port_);
    if (!c.Send({argv})) return "<send failed>";
    return c.Read().value_or("<no reply>");
  }
};

// ---- Tests ----

TEST_F(BlockingTest, WaitersAreServedInTheOrderTheyBlocked) {
  ASSERT_NO_FATAL_FAILURE(Start());
  std::vector<std::unique_ptr<TimedConnection>> waiters;
  for (int i = 0; i < 4; ++i) {
    waiters.push_back(std::make_unique<TimedConnection>(port_));
    ASSERT_NO_FATAL_FAILURE(Block(*waiters.back(), {"BLPOP", "list", "0"}, i + 1));
  }
  EXPECT_EQ(Call({"RPUSH", "list", "a", "b", "c"}), ":3\r\n");
  EXPECT_EQ(waiters[0]->Read(), KeyAndElement("list", "a"));
  EXPECT_EQ(waiters[1]->Read(), KeyAndElement("list", "b"));
  EXPECT_EQ(waiters[2]->Read(), KeyAndElement("list", "c"));
  EXPECT_EQ(waiters[3]->Read(300), std::nullopt);  // nothing left for the fourth
  EXPECT_TRUE(WaitForBlocked(1));
  EXPECT_FALSE(keyspace_.KeyExists(0, "list"));
  EXPECT_EQ(Call({"RPUSH", "list", "d"}), ":1\r\n");
  EXPECT_EQ(waiters[3]->Read(), KeyAndElement("list", "d"));
  EXPECT_TRUE(WaitForBlocked(0));
}

TEST_F(BlockingTest, SeveralKeysServeTheFirstNonEmptyOrTheOneThatBecomesReady) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TimedConnection c(port_);
  EXPECT_EQ(Call({"RPUSH", "k3", "x"}), ":1\r\n");
  EXPECT_EQ(Call({"RPUSH", "k2", "y"}), ":1\r\n");
  ASSERT_TRUE(c.Send({{"BLPOP", "k1", "k2", "k3", "0"}}));
  EXPECT_EQ(c.Read(), KeyAndElement("k2", "y"));  // argument order, not push order
  ASSERT_NO_FATAL_FAILURE(Block(c, {"BRPOP", "k1", "k2", "0"}, 1));
  EXPECT_EQ(Call({"RPUSH", "k2", "a", "b"}), ":2\r\n");
  EXPECT_EQ(c.Read(), KeyAndElement("k2", "b"));
  EXPECT_TRUE(WaitForBlocked(0));
}

TEST_F(BlockingTest, BlmpopIsServedFromTheKeyThatBecameReady) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TimedConnection a(port_), b(port_);
  ASSERT_NO_FATAL_FAILURE(Block(a, {"BLMPOP", "0", "2", "m1", "m2", "RIGHT", "COUNT", "2"}, 1));
  ASSERT_NO_FATAL_FAILURE(Block(b, {"BLMPOP", "0", "2", "m2", "m1", "LEFT"}, 2));
  EXPECT_EQ(Call({"RPUSH", "m2", "1", "2", "3"}), ":3\r\n");
  EXPECT_EQ(a.Read(), absl::StrCat("*2\r\n", Bulk("m2"), "*2\r\n", Bulk("3"), Bulk("2")));
  EXPECT_EQ(b.Read(), absl::StrCat("*2\r\n", Bulk("m2"), "*1\r\n", Bulk("1")));
  EXPECT_TRUE(WaitForBlocked(0));
}

TEST_F(BlockingTest, FractionalTimeoutRepliesNullInBothProtocols) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TimedConnection c(port_);
  Clock::time_point start = Clock::now();
  ASSERT_TRUE(c.Send({{"BLPOP", "none", "0.2"}}));
  EXPECT_EQ(c.Read(), "*-1\r\n");
  EXPECT_GE(MsSince(start), 150);
  EXPECT_LT(MsSince(start), 3000);
  // redis-server 7.0 answers BRPOPLPUSH's and BLMOVE's timeout with a null array too.
  ASSERT_TRUE(c.Send({{"BRPOPLPUSH", "none", "dst", "0.1"}}));
  EXPECT_EQ(c.Read(), "*-1\r\n");
  ASSERT_TRUE(c.Send({{"HELLO", "3"}}));
  ASSERT_TRUE(c.Read().has_value());
  start = Clock::now();
  ASSERT_TRUE(c.Send({{"BLMOVE", "none", "dst", "LEFT", "RIGHT", "0.2"}}));
  EXPECT_EQ(c.Read(), "_\r\n");
  EXPECT_GE(MsSince(start), 150);
  EXPECT_EQ(InfoField("blocked_clients"), "0");
  EXPECT_EQ(InfoField("clients_in_timeout_table"), "0");
}

TEST_F(BlockingTest, ZeroWaitsUntilAPush) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TimedConnection c(port_);
  ASSERT_NO_FATAL_FAILURE(Block(c, {"BLPOP", "k", "0"}, 1));
  EXPECT_EQ(c.Read(1200), std::nullopt);
  EXPECT_EQ(InfoField("clients_in_timeout_table"), "0");
  EXPECT_EQ(Call({"LPUSH", "k", "v"}), ":1\r\n");
  EXPECT_EQ(c.Read(), KeyAndElement("k", "v"));
}

TEST_F(BlockingTest, ExecWakesWaiters) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TimedConnection waiter(port_), tx(port_);
  ASSERT_NO_FATAL_FAILURE(Block(waiter, {"BLPOP", "k", "0"}, 1));
  ASSERT_TRUE(tx.Send({{"MULTI"}, {"RPUSH", "k", "a", "b"}, {"RPUSH", "other", "c"}, {"EXEC"}}));
  EXPECT_EQ(tx.Read(), "+OK\r\n");
  EXPECT_EQ(tx.Read(), "+QUEUED\r\n");
  EXPECT_EQ(tx.Read(), "+QUEUED\r\n");
  EXPECT_EQ(tx.Read(), "*2\r\n:2\r\n:1\r\n");
  EXPECT_EQ(waiter.Read(), KeyAndElement("k", "a"));
}

TEST_F(BlockingTest, TheEmbeddingApplicationWakesWaiters) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TimedConnection waiter(port_);
  ASSERT_NO_FATAL_FAILURE(Block(waiter, {"BRPOP", "jobs", "0"}, 1));
  keyspace_.Update(0, "jobs", [](KeyHandle& h) { h.CreateList().PushBack("job-1"); });
  EXPECT_EQ(waiter.Read(), KeyAndElement("jobs", "job-1"));
  EXPECT_FALSE(keyspace_.KeyExists(0, "jobs"));
}

TEST_F(BlockingTest, BlockingMovesPushToTheDestinationAndWakeItsWaiters) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TimedConnection mover(port_), dst_waiter(port_), blmove(port_);
  ASSERT_NO_FATAL_FAILURE(Block(mover, {"BRPOPLPUSH", "src", "dst", "0"}, 1));
  ASSERT_NO_FATAL_FAILURE(Block(dst_waiter, {"BLPOP", "dst", "0"}, 2));
  EXPECT_EQ(Call({"RPUSH", "src", "a", "b"}), ":2\r\n");
  EXPECT_EQ(mover.Read(), Bulk("b"));
  // The move created dst: its own waiter is woken by the server's re-run.
  EXPECT_EQ(dst_waiter.Read(), KeyAndElement("dst", "b"));
  ASSERT_TRUE(blmove.Send({{"BLMOVE", "src", "dst2", "LEFT", "RIGHT", "0"}}));
  EXPECT_EQ(blmove.Read(), Bulk("a"));
  std::string moved;
  keyspace_.Update(0, "dst2", [&](KeyHandle& h) {
    if (h.exists()) moved = std::string(h.list_view().At(0));
  });
  EXPECT_EQ(moved, "a");
}

TEST_F(BlockingTest, PipelinedCommandsWaitBehindTheBlockedOne) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TimedConnection c(port_);
  ASSERT_TRUE(c.Send({{"BLPOP", "k", "0"}, {"PING"}, {"ECHO", "after"}}));
  ASSERT_TRUE(WaitForBlocked(1));
  EXPECT_EQ(c.Read(400), std::nullopt);  // PING has not run
  ASSERT_TRUE(c.Send({{"ECHO", "later"}}));
  EXPECT_EQ(c.Read(300), std::nullopt);
  EXPECT_EQ(Call({"RPUSH", "k", "v"}), ":1\r\n");
  EXPECT_EQ(c.Read(), KeyAndElement("k", "v"));
  EXPECT_EQ(c.Read(), "+PONG\r\n");
  EXPECT_EQ(c.Read(), Bulk("after"));
  EXPECT_EQ(c.Read(), Bulk("later"));
  // A pipeline that blocks twice in a row.
  ASSERT_TRUE(c.Send({{"BLPOP", "k", "0"}, {"BLPOP", "k", "0"}, {"PING"}}));
  ASSERT_TRUE(WaitForBlocked(1));
  EXPECT_EQ(Call({"RPUSH", "k", "1"}), ":1\r\n");
  EXPECT_EQ(c.Read(), KeyAndElement("k", "1"));
  EXPECT_EQ(c.Read(300), std::nullopt);
  EXPECT_EQ(Call({"RPUSH", "k", "2"}), ":1\r\n");
  EXPECT_EQ(c.Read(), KeyAndElement("k", "2"));
  EXPECT_EQ(c.Read(), "+PONG\r\n");
}

TEST_F(BlockingTest, ADisconnectCancelsTheWait) {
  ASSERT_NO_FATAL_FAILURE(Start());
  {
    TimedConnection gone(port_);
    ASSERT_NO_FATAL_FAILURE(Block(gone, {"BLPOP", "k", "0"}, 1));
  }
  ASSERT_TRUE(WaitForBlocked(0));
  TimedConnection later(port_);
  ASSERT_NO_FATAL_FAILURE(Block(later, {"BLPOP", "k", "0"}, 1));
  EXPECT_EQ(Call({"RPUSH", "k", "v"}), ":1\r\n");
  EXPECT_EQ(later.Read(), KeyAndElement("k", "v"));  // the gone client took nothing
}

TEST_F(BlockingTest, ClientUnblockTimeoutAndError) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TimedConnection c(port_), admin(port_);
  ASSERT_TRUE(c.Send({{"CLIENT", "ID"}}));
  std::optional<std::string> id_reply = c.Read();
  ASSERT_TRUE(id_reply.has_value());
  const std::string id = id_reply->substr(1, id_reply->size() - 3);
  EXPECT_EQ(Call({"CLIENT", "UNBLOCK", id}), ":0\r\n");  // not blocked
  ASSERT_NO_FATAL_FAILURE(Block(c, {"BLMOVE", "k", "d", "LEFT", "LEFT", "0"}, 1));
  ASSERT_TRUE(admin.Send({{"CLIENT", "UNBLOCK", id}}));
  EXPECT_EQ(admin.Read(), ":1\r\n");
  EXPECT_EQ(c.Read(), "*-1\r\n");
  ASSERT_NO_FATAL_FAILURE(Block(c, {"BLPOP", "k", "0"}, 1));
  ASSERT_TRUE(admin.Send({{"CLIENT", "UNBLOCK", id, "error"}}));
  EXPECT_EQ(admin.Read(), ":1\r\n");
  EXPECT_EQ(c.Read(), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
  EXPECT_TRUE(WaitForBlocked(0));
  EXPECT_EQ(Call({"CLIENT", "UNBLOCK", id}), ":0\r\n");
  // Queued in MULTI, it runs inside EXEC (which already holds every loop).
  ASSERT_NO_FATAL_FAILURE(Block(c, {"BLPOP", "k", "0"}, 1));
  ASSERT_TRUE(admin.Send({{"MULTI"}, {"CLIENT", "UNBLOCK", id}, {"EXEC"}}));
  EXPECT_EQ(admin.Read(), "+OK\r\n");
  EXPECT_EQ(admin.Read(), "+QUEUED\r\n");
  EXPECT_EQ(admin.Read(), "*1\r\n:1\r\n");
  EXPECT_EQ(c.Read(), "*-1\r\n");
  // The connection goes on normally.
  ASSERT_TRUE(c.Send({{"PING"}}));
  EXPECT_EQ(c.Read(), "+PONG\r\n");
}

TEST_F(BlockingTest, InfoAndClientListShowBlockedClients) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TimedConnection a(port_), b(port_);
  ASSERT_NO_FATAL_FAILURE(Block(a, {"BLPOP", "k", "0"}, 1));
  ASSERT_NO_FATAL_FAILURE(Block(b, {"BLPOP", "k", "100"}, 2));
  EXPECT_EQ(InfoField("clients_in_timeout_table"), "1");
  const std::string list = Call({"CLIENT", "LIST"});
  size_t blocked_lines = 0;
  for (size_t at = 0; (at = list.find(" flags=b ", at)) != std::string::npos; ++at) {
    ++blocked_lines;
    EXPECT_NE(list.find(" cmd=blpop ", at), std::string::npos) << list;
  }
  EXPECT_EQ(blocked_lines, 2u) << list;
  EXPECT_EQ(Call({"RPUSH", "k", "1", "2"}), ":2\r\n");
  EXPECT_EQ(a.Read(), KeyAndElement("k", "1"));
  EXPECT_EQ(b.Read(), KeyAndElement("k", "2"));
  EXPECT_TRUE(WaitForBlocked(0));
  EXPECT_EQ(InfoField("clients_in_timeout_table"), "0");
}

TEST_F(BlockingTest, InsideMultiBlockingCommandsReplyAtOnce) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TimedConnection c(port_);
  ASSERT_TRUE(c.Send({{"MULTI"},
                      {"BLPOP", "k", "0"},
                      {"BRPOPLPUSH", "k", "d", "0"},
                      {"RPUSH", "k", "v"},
                      {"BLPOP", "k", "0"},
                      {"EXEC"}}));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.Read().has_value());
  EXPECT_EQ(c.Read(), absl::StrCat("*4\r\n*-1\r\n$-1\r\n:1\r\n", KeyAndElement("k", "v")));
  EXPECT_EQ(InfoField("blocked_clients"), "0");
}

TEST_F(BlockingTest, AKeySetToAnotherTypeLeavesTheWaiterBlocked) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TimedConnection c(port_);
  ASSERT_NO_FATAL_FAILURE(Block(c, {"BLPOP", "k", "0"}, 1));
  EXPECT_EQ(Call({"SET", "k", "string"}), "+OK\r\n");
  EXPECT_EQ(c.Read(400), std::nullopt);  // Redis 7.0: no WRONGTYPE, still blocked
  EXPECT_EQ(InfoField("blocked_clients"), "1");
  EXPECT_EQ(Call({"DEL", "k"}), ":1\r\n");
  EXPECT_EQ(Call({"RPUSH", "k", "v"}), ":1\r\n");
  EXPECT_EQ(c.Read(), KeyAndElement("k", "v"));
}

// ---- Sorted sets: BZPOPMIN, BZPOPMAX, BZMPOP park and wake as the list pops ----

TEST_F(BlockingTest, SortedSetPopsAreServedInOrderFromTheKeyThatBecameReady) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TimedConnection a(port_), b(port_), c(port_);
  ASSERT_NO_FATAL_FAILURE(Block(a, {"BZPOPMIN", "z1", "z2", "0"}, 1));
  ASSERT_NO_FATAL_FAILURE(Block(b, {"BZPOPMAX", "z2", "0"}, 2));
  ASSERT_NO_FATAL_FAILURE(Block(c, {"BZMPOP", "0", "2", "z3", "z2", "MIN", "COUNT", "5"}, 3));
  EXPECT_EQ(Call({"ZADD", "z2", "1", "a", "2.5", "b", "3", "c", "4", "d"}), ":4\r\n");
  EXPECT_EQ(a.Read(), absl::StrCat("*3\r\n", Bulk("z2"), Bulk("a"), Bulk("1")));
  EXPECT_EQ(b.Read(), absl::StrCat("*3\r\n", Bulk("z2"), Bulk("d"), Bulk("4")));
  EXPECT_EQ(c.Read(), absl::StrCat("*2\r\n", Bulk("z2"), "*2\r\n*2\r\n", Bulk("b"), Bulk("2.5"),
                                   "*2\r\n", Bulk("c"), Bulk("3")));
  EXPECT_TRUE(WaitForBlocked(0));
  EXPECT_FALSE(keyspace_.KeyExists(0, "z2"));
}

TEST_F(BlockingTest, SortedSetPopsTimeOutIgnoreOtherTypesAndDoNotBlockInMulti) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TimedConnection c(port_);
  const Clock::time_point start = Clock::now();
  ASSERT_TRUE(c.Send({{"BZPOPMIN", "none", "0.2"}}));
  EXPECT_EQ(c.Read(), "*-1\r\n");
  EXPECT_GE(Clock::now() - start, milliseconds(150));
  ASSERT_TRUE(c.Send({{"HELLO", "3"}}));
  ASSERT_TRUE(c.Read().has_value());
  ASSERT_TRUE(c.Send({{"BZMPOP", "0.1", "1", "none", "MAX"}}));
  EXPECT_EQ(c.Read(), "_\r\n");
  // A list where a sorted set is awaited is ignored (Redis 7.0), then a ZADD serves it (RESP3:
  // the score as a double).
  ASSERT_NO_FATAL_FAILURE(Block(c, {"BZPOPMAX", "k", "0"}, 1));
  EXPECT_EQ(Call({"RPUSH", "k", "v"}), ":1\r\n");
  EXPECT_EQ(c.Read(400), std::nullopt);
  EXPECT_EQ(Call({"DEL", "k"}), ":1\r\n");
  EXPECT_EQ(Call({"ZADD", "k", "1.5", "m"}), ":1\r\n");
  EXPECT_EQ(c.Read(), absl::StrCat("*3\r\n", Bulk("k"), Bulk("m"), ",1.5\r\n"));
  // Inside MULTI they answer at once.
  ASSERT_TRUE(c.Send(
      {{"MULTI"}, {"BZPOPMIN", "none", "0"}, {"BZMPOP", "0", "1", "none", "MIN"}, {"EXEC"}}));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.Read().has_value());
  EXPECT_EQ(c.Read(), "*2\r\n_\r\n_\r\n");
  EXPECT_EQ(InfoField("blocked_clients"), "0");
}

TEST_F(BlockingTest, TheEmbeddingApplicationWakesSortedSetWaiters) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TimedConnection waiter(port_);
  ASSERT_NO_FATAL_FAILURE(Block(waiter, {"BZPOPMIN", "jobs", "0"}, 1));
  keyspace_.Update(0, "jobs", [](KeyHandle& h) { h.CreateZSet().Insert("job-1", 7); });
  EXPECT_EQ(waiter.Read(), absl::StrCat("*3\r\n", Bulk("jobs"), Bulk("job-1"), Bulk("7")));
  EXPECT_FALSE(keyspace_.KeyExists(0, "jobs"));
}

TEST_F(BlockingTest, OtherClientsOfTheSameIoThreadKeepBeingServed) {
  ASSERT_NO_FATAL_FAILURE(Start(/*io_threads=*/1));
  std::vector<std::unique_ptr<TimedConnection>> blocked;
  for (int i = 0; i < 3; ++i) {
    blocked.push_back(std::make_unique<TimedConnection>(port_));
    ASSERT_NO_FATAL_FAILURE(Block(*blocked.back(), {"BLPOP", absl::StrCat("k", i), "0"}, i + 1));
  }
  TimedConnection other(port_);
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(other.Send({{"INCR", "n"}}));
    EXPECT_EQ(other.Read(2000), absl::StrCat(":", i + 1, "\r\n"));
  }
  EXPECT_LT(MsSince(start), 5000);
  EXPECT_EQ(Call({"RPUSH", "k1", "v"}), ":1\r\n");
  EXPECT_EQ(blocked[1]->Read(), KeyAndElement("k1", "v"));
}

TEST_F(BlockingTest, ClientPauseHoldsServingButNotTimeouts) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TimedConnection waiter(port_), timed(port_), admin(port_);
  ASSERT_NO_FATAL_FAILURE(Block(waiter, {"BLPOP", "k", "0"}, 1));
  ASSERT_NO_FATAL_FAILURE(Block(timed, {"BLPOP", "t", "0.3"}, 2));
  ASSERT_TRUE(admin.Send({{"CLIENT", "PAUSE", "1500", "WRITE"}}));
  EXPECT_EQ(admin.Read(), "+OK\r\n");
  const Clock::time_point start = Clock::now();
  // Only the application can push during a WRITE pause; the waiter is served after it.
  keyspace_.Update(0, "k", [](KeyHandle& h) { h.CreateList().PushBack("v"); });
  EXPECT_EQ(timed.Read(), "*-1\r\n");  // timeouts fire during a pause, as redis-server 7.0
  EXPECT_LT(MsSince(start), 1200);
  EXPECT_EQ(waiter.Read(), KeyAndElement("k", "v"));
  EXPECT_GE(MsSince(start), 1000);
}

TEST_F(BlockingTest, ManyWaitersAcrossLoopsGetEveryElementExactlyOnce) {
  ASSERT_NO_FATAL_FAILURE(Start(/*io_threads=*/3));
  constexpr int kWaiters = 12;
  constexpr int kRounds = 5;
  std::vector<std::unique_ptr<TimedConnection>> waiters;
  for (int i = 0; i < kWaiters; ++i) waiters.push_back(std::make_unique<TimedConnection>(port_));
  std::vector<std::thread> threads;
  std::atomic<int> received{0};
  std::vector<std::string> got(kWaiters * kRounds);
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&, i] {
      for (int r = 0; r < kRounds; ++r) {
        if (!waiters[i]->Send({{"BLPOP", "a", "b", "0"}})) return;
        std::optional<std::string> reply = waiters[i]->Read(20000);
        if (!reply) return;
        got[i * kRounds + r] = *reply;
        received.fetch_add(1);
      }
    });
  }
  // Pushers: network clients on several loops and the application, concurrently.
  std::vector<std::thread> pushers;
  for (int p = 0; p < 3; ++p) {
    pushers.emplace_back([&, p] {
      TimedConnection c(port_);
      for (int j = 0; j < kWaiters * kRounds / 6; ++j) {
        c.Send({{"RPUSH", p % 2 == 0 ? "a" : "b", absl::StrCat("net", p, "-", j)}});
        c.Read();
      }
    });
  }
  pushers.emplace_back([&] {
    for (int j = 0; j < kWaiters * kRounds / 2; ++j) {
      keyspace_.Update(0, j % 2 == 0 ? "a" : "b", [&](KeyHandle& h) {
        ListValue& l = h.exists() ? h.list() : h.CreateList();
        l.PushBack(absl::StrCat("app-", j));
      });
    }
  });
  for (auto& t : pushers) t.join();
  for (auto& t : threads) t.join();
  EXPECT_EQ(received.load(), kWaiters * kRounds);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(std::unique(got.begin(), got.end()), got.end());  // no element twice
  EXPECT_FALSE(keyspace_.KeyExists(0, "a"));
  EXPECT_FALSE(keyspace_.KeyExists(0, "b"));
  EXPECT_TRUE(WaitForBlocked(0));
}

// ---- Against redis-server 7.0.15 ----

// A scenario over several connections, run the same way on both servers; returns what each
// connection received, labelled, in the order the scenario reads it.
std::string Scenario(int port) {
  std::string transcript;
  auto note = [&](std::string_view who, const std::optional<std::string>& reply) {
    absl::StrAppend(&transcript, ToAbsl(who), ": ", reply.value_or("<none>"), "\n");
  };
  TimedConnection a(port), b(port), c(port), admin(port);
  auto id_of = [&](TimedConnection& conn) {
    conn.Send({{"CLIENT", "ID"}});
    std::string reply = conn.Read().value_or(":0\r\n");
    return reply.substr(1, reply.size() - 3);
  };
  const std::string a_id = id_of(a), b_id = id_of(b);
  auto settle = [] { std::this_thread::sleep_for(milliseconds(150)); };
  a.Send({{"BLPOP", "q", "0"}, {"PING"}});
  settle();
  b.Send({{"BRPOPLPUSH", "q", "dst", "0"}});
  settle();
  c.Send({{"HELLO", "3"}});
  note("c", c.Read().has_value() ? std::optional<std::string>("hello") : std::nullopt);
  c.Send({{"BLPOP", "q", "0"}});
  settle();
  admin.Send({{"RPUSH", "q", "1", "2", "3", "4"}});
  note("admin", admin.Read());
  note("a", a.Read());
  note("a", a.Read());
  note("b", b.Read());
  note("c", c.Read());
  admin.Send({{"BRPOP", "q", "0.05"}});  // what is left: 3
  note("admin", admin.Read());
  admin.Send({{"BRPOP", "dst", "0.05"}});  // what BRPOPLPUSH moved: 4
  note("admin", admin.Read());
  a.Send({{"BLMPOP", "0", "2", "m1", "m2", "LEFT", "COUNT", "5"}});
  settle();
  b.Send({{"BLMPOP", "0", "1", "m2", "RIGHT"}});
  settle();
  admin.Send({{"LPUSH", "m2", "x", "y", "z"}});
  note("admin", admin.Read());
  note("a", a.Read());
  admin.Send({{"LPUSH", "m2", "w"}});
  note("admin", admin.Read());
  note("b", b.Read());
  a.Send({{"BLMOVE", "none", "x", "LEFT", "LEFT", "0"}});
  settle();
  admin.Send({{"CLIENT", "UNBLOCK", a_id, "TIMEOUT"}});
  note("admin", admin.Read());
  note("a", a.Read());
  b.Send({{"BLPOP", "none", "0"}});
  settle();
  admin.Send({{"CLIENT", "UNBLOCK", b_id, "ERROR"}});
  note("admin", admin.Read());
  note("b", b.Read());
  int step = 0;
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"CLIENT", "UNBLOCK", b_id},
           {"CLIENT", "UNBLOCK", "abc"},
           {"CLIENT", "UNBLOCK", "abc", "nope"},
           {"CLIENT", "UNBLOCK", b_id, "nope"},
           {"CLIENT", "UNBLOCK", "1", "timeout", "x"},
           {"CLIENT", "UNBLOCK", "-5"},
           {"BLPOP", "q", "-1"},
           {"BLPOP", "q", "abc"},
           {"BLPOP", "q", "0.05"},
       }) {
    admin.Send({bad});
    note(absl::StrCat("admin ", ++step), admin.Read());
  }
  c.Send({{"BLPOP", "none", "0.05"}});
  note("c", c.Read());
  return transcript;
}

TEST(BlockingDifferentialTest, SameBytesAsRedisServer) {
  RedisServerProcess redis;
  absl::Status started = redis.Start();
  ASSERT_TRUE(started.ok()) << started;
  Keyspace keyspace;
  ServerOptions options;
  options.port = 0;
  options.io_threads = 2;
  options.loglevel = "warning";
  Server server(&keyspace, options);
  ASSERT_TRUE(server.Start().ok());
  const std::string theirs = Scenario(redis.port());
  const std::string ours = Scenario(server.port());
  EXPECT_EQ(EscapeResp(ours), EscapeResp(theirs));
  server.Stop();
}

}  // namespace
}  // namespace embedis::testing
