// Transactions over the network against an in-process Server: WATCH across connections and
// against the embedding application, EXEC's isolation from clients on other I/O threads, no lost
// WATCH registrations when a client disconnects, and no deadlock when many clients EXEC at once.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "lib/resp/writer.h"
#include "tests/server/net_test_util.h"
#include "tests/server/server_fixture.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

constexpr char kQueued[] = "+QUEUED\r\n";
constexpr char kNilArray[] = "*-1\r\n";

// Waits up to 5 s for the keyspace's WATCH registry to drop to `n`.
bool WatchCountBecomes(Keyspace& ks, size_t n) {
  for (int i = 0; i < 500; ++i) {
    if (ks.WatchCount() == n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return ks.WatchCount() == n;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// The CLIENT LIST line of client `id`.
std::string ClientLine(RawRespConnection& c, const std::string& id) {
  std::vector<std::string> lines = absl::StrSplit(c.Call({"CLIENT", "LIST"}), '\n');
  for (const std::string& line : lines) {
    if (line.starts_with("id=" + id + " ")) return line;
  }
  return "";
}

// "5" from CLIENT ID's ":5\r\n".
std::string ClientId(RawRespConnection& c) {
  std::string reply = c.Call({"CLIENT", "ID"});
  return reply.size() > 3 ? reply.substr(1, reply.size() - 3) : reply;
}

TEST_F(ServerTest, WatchedKeyChangedByAnotherConnectionAbortsExec) {
  StartServer();
  auto a = Connect();
  auto b = Connect();
  EXPECT_EQ(a->Call({"SET", "balance", "100"}), "+OK\r\n");
  EXPECT_EQ(a->Call({"WATCH", "balance"}), "+OK\r\n");
  EXPECT_EQ(b->Call({"INCRBY", "balance", "5"}), ":105\r\n");
  EXPECT_EQ(a->Call({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(a->Call({"SET", "balance", "90"}), kQueued);
  EXPECT_EQ(a->Call({"EXEC"}), kNilArray);
  EXPECT_EQ(a->Call({"GET", "balance"}), "$3\r\n105\r\n");
  // The retry, undisturbed, goes through.
  EXPECT_EQ(a->Call({"WATCH", "balance"}), "+OK\r\n");
  EXPECT_EQ(a->Call({"GET", "balance"}), "$3\r\n105\r\n");
  EXPECT_EQ(a->Call({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(a->Call({"SET", "balance", "95"}), kQueued);
  EXPECT_EQ(a->Call({"EXEC"}), "*1\r\n+OK\r\n");
  EXPECT_EQ(b->Call({"GET", "balance"}), "$2\r\n95\r\n");
  EXPECT_EQ(keyspace_.WatchCount(), 0u);
}

TEST_F(ServerTest, WatchSeesTheEmbeddingApplicationsWrites) {
  StartServer();
  auto a = Connect();
  EXPECT_EQ(a->Call({"WATCH", "sess:1"}), "+OK\r\n");
  ASSERT_TRUE(keyspace_.Set(0, "sess:1", "{}").ok());
  EXPECT_EQ(a->Call({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(a->Call({"DEL", "sess:1"}), kQueued);
  EXPECT_EQ(a->Call({"EXEC"}), kNilArray);
  EXPECT_TRUE(keyspace_.KeyExists(0, "sess:1"));
}

TEST_F(ServerTest, ExecRepliesAndErrorsOverTheWire) {
  StartServer();
  auto a = Connect();
  // One write: MULTI, the queue, EXEC, and an aborted transaction, pipelined.
  std::string batch;
  resp::AppendCommand(&batch, {"SET", "s", "abc"});
  resp::AppendCommand(&batch, {"MULTI"});
  resp::AppendCommand(&batch, {"INCR", "s"});
  resp::AppendCommand(&batch, {"SET", "n", "1"});
  resp::AppendCommand(&batch, {"INCR", "n"});
  resp::AppendCommand(&batch, {"EXEC"});
  resp::AppendCommand(&batch, {"MULTI"});
  resp::AppendCommand(&batch, {"NOSUCH"});
  resp::AppendCommand(&batch, {"EXEC"});
  resp::AppendCommand(&batch, {"EXEC"});
  ASSERT_TRUE(a->SendRaw(batch).ok());
  EXPECT_EQ(a->ReadReply(), "+OK\r\n");
  EXPECT_EQ(a->ReadReply(), "+OK\r\n");
  EXPECT_EQ(a->ReadReply(), kQueued);
  EXPECT_EQ(a->ReadReply(), kQueued);
  EXPECT_EQ(a->ReadReply(), kQueued);
  EXPECT_EQ(a->ReadReply(), "*3\r\n-ERR value is not an integer or out of range\r\n+OK\r\n:2\r\n");
  EXPECT_EQ(a->ReadReply(), "+OK\r\n");
  EXPECT_EQ(a->ReadReply(), "-ERR unknown command 'NOSUCH', with args beginning with: \r\n");
  EXPECT_EQ(a->ReadReply(), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(a->ReadReply(), "-ERR EXEC without MULTI\r\n");
}

TEST_F(ServerTest, Resp3NilAndHelloInsideMulti) {
  StartServer();
  auto a = Connect();
  auto b = Connect();
  ASSERT_FALSE(a->Call({"HELLO", "3"}).empty());
  EXPECT_EQ(a->Call({"WATCH", "k"}), "+OK\r\n");
  EXPECT_EQ(b->Call({"SET", "k", "1"}), "+OK\r\n");
  EXPECT_EQ(a->Call({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(a->Call({"EXEC"}), "_\r\n");
  // HELLO inside a transaction switches the protocol for the replies after it, as in Redis.
  auto c = Connect();
  EXPECT_EQ(c->Call({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"GET", "missing"}), kQueued);
  EXPECT_EQ(c->Call({"HELLO", "3"}), kQueued);
  EXPECT_EQ(c->Call({"GET", "missing"}), kQueued);
  std::string exec = c->Call({"EXEC"});
  EXPECT_TRUE(exec.starts_with("*3\r\n$-1\r\n%")) << exec;
  EXPECT_TRUE(exec.ends_with("_\r\n")) << exec;
}

TEST_F(ServerTest, SelectInsideMultiSticksAfterExec) {
  StartServer();
  auto a = Connect();
  EXPECT_EQ(a->Call({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(a->Call({"SELECT", "3"}), kQueued);
  EXPECT_EQ(a->Call({"SET", "k", "in3"}), kQueued);
  EXPECT_EQ(a->Call({"EXEC"}), "*2\r\n+OK\r\n+OK\r\n");
  EXPECT_EQ(a->Call({"GET", "k"}), "$3\r\nin3\r\n");
  auto v = keyspace_.Get(3, "k");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value_or(""), "in3");
  std::string id = ClientId(*a);
  auto b = Connect();
  EXPECT_TRUE(Contains(ClientLine(*b, id), " db=3 ")) << ClientLine(*b, id);
}

TEST_F(ServerTest, ShutdownAndSaveAreRefusedInsideMulti) {
  StartServer();
  auto a = Connect();
  EXPECT_EQ(a->Call({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(a->Call({"SHUTDOWN"}), "-ERR Command not allowed inside a transaction\r\n");
  EXPECT_EQ(a->Call({"SAVE"}), "-ERR Command not allowed inside a transaction\r\n");
  EXPECT_EQ(a->Call({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(a->Call({"PING"}), "+PONG\r\n");  // still running
}

TEST_F(ServerTest, ClientListShowsTheTransaction) {
  StartServer();
  auto a = Connect();
  auto b = Connect();
  std::string id = ClientId(*a);
  EXPECT_TRUE(Contains(ClientLine(*b, id), " flags=N ")) << ClientLine(*b, id);
  EXPECT_TRUE(Contains(ClientLine(*b, id), " multi=-1 "));
  a->Call({"MULTI"});
  a->Call({"SET", "x", "1"});
  a->Call({"SET", "y", "2"});
  std::string line = ClientLine(*b, id);
  EXPECT_TRUE(Contains(line, " flags=x ")) << line;
  EXPECT_TRUE(Contains(line, " multi=2 ")) << line;
  a->Call({"EXEC"});
  EXPECT_TRUE(Contains(ClientLine(*b, id), " multi=-1 "));
}

TEST_F(ServerTest, DisconnectInMultiAndWatchLeavesNoRegistration) {
  StartServer();
  {
    auto a = Connect();
    EXPECT_EQ(a->Call({"WATCH", "k1", "k2", "k3"}), "+OK\r\n");
    EXPECT_EQ(a->Call({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(a->Call({"SET", "k1", "never"}), kQueued);
    EXPECT_EQ(keyspace_.WatchCount(), 3u);
  }  // closes the socket mid-transaction
  EXPECT_TRUE(WatchCountBecomes(keyspace_, 0)) << keyspace_.WatchCount() << " left";
  EXPECT_FALSE(keyspace_.KeyExists(0, "k1"));

  // QUIT inside MULTI runs at once and closes.
  auto q = Connect();
  EXPECT_EQ(q->Call({"WATCH", "k"}), "+OK\r\n");
  EXPECT_EQ(q->Call({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(q->Call({"QUIT"}), "+OK\r\n");
  EXPECT_TRUE(WatchCountBecomes(keyspace_, 0));

  // CLIENT KILL from another connection.
  auto victim = Connect();
  EXPECT_EQ(victim->Call({"WATCH", "a", "b"}), "+OK\r\n");
  std::string id = ClientId(*victim);
  auto killer = Connect();
  EXPECT_EQ(killer->Call({"CLIENT", "KILL", "ID", id}), ":1\r\n");
  EXPECT_TRUE(WatchCountBecomes(keyspace_, 0));
}

TEST_F(ServerTest, StoppingTheServerUnwatchesEveryone) {
  StartServer();
  std::vector<std::unique_ptr<RawRespConnection>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(Connect());
    EXPECT_EQ(clients.back()->Call({"WATCH", absl::StrCat("k", i)}), "+OK\r\n");
  }
  EXPECT_EQ(keyspace_.WatchCount(), 4u);
  server_->Stop();
  EXPECT_EQ(keyspace_.WatchCount(), 0u);
}

// RESET must leave MULTI and unwatch (Redis 7). Enable once RESET's handler
// (server/server_commands.cc, CmdReset) calls ctx.client->ResetTransaction().
TEST_F(ServerTest, ResetLeavesMultiAndUnwatches) {
  StartServer();
  auto a = Connect();
  EXPECT_EQ(a->Call({"WATCH", "k"}), "+OK\r\n");
  EXPECT_EQ(a->Call({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(a->Call({"SET", "k", "1"}), kQueued);
  EXPECT_EQ(a->Call({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(keyspace_.WatchCount(), 0u);
  EXPECT_EQ(a->Call({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(a->Call({"GET", "k"}), "$-1\r\n");
}

// The values of an MGET a b reply ("" for nil).
std::pair<std::string, std::string> MGetPair(const std::string& reply) {
  std::vector<std::string> lines = absl::StrSplit(reply, "\r\n");
  std::vector<std::string> values;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i] == "$-1") {
      values.emplace_back();
    } else if (!lines[i].empty() && lines[i][0] == '$') {
      values.push_back(lines[++i]);
    }
  }
  if (values.size() != 2) return {"bad reply", reply};
  return {values[0], values[1]};
}

// EXEC is atomic for clients on other I/O threads: one client runs transactions that increment
// `a`, write padding, then increment `b`; another, on the other loop, pipelines MGET a b and must
// never see a != b.
TEST_F(ServerTest, ExecIsIsolatedFromClientsOnOtherThreads) {
  ServerOptions options;
  options.io_threads = 2;
  StartServer(options);
  auto writer = Connect();
  auto reader = Connect();  // the second connection goes to the other, emptier, loop
  constexpr int kBatches = 200;
  constexpr int kPerBatch = 20;
  std::atomic<bool> done{false};
  auto write_all = [&] {
    std::string batch;
    for (int t = 0; t < kPerBatch; ++t) {
      resp::AppendCommand(&batch, {"MULTI"});
      resp::AppendCommand(&batch, {"INCR", "a"});
      for (int p = 0; p < 10; ++p) resp::AppendCommand(&batch, {"SET", "pad", "x"});
      resp::AppendCommand(&batch, {"INCR", "b"});
      resp::AppendCommand(&batch, {"EXEC"});
    }
    for (int i = 0; i < kBatches; ++i) {
      ASSERT_TRUE(writer->SendRaw(batch).ok());
      for (int t = 0; t < kPerBatch; ++t) {
        for (int r = 0; r < 13; ++r) ASSERT_EQ(writer->ReadReply(), r == 0 ? "+OK\r\n" : kQueued);
        std::string exec = writer->ReadReply();
        ASSERT_TRUE(exec.starts_with("*12\r\n:")) << exec;
      }
    }
  };
  std::thread write_thread([&] {
    write_all();
    done = true;
  });
  int reads = 0, torn = 0;
  std::string example;
  std::string mgets;
  for (int i = 0; i < 50; ++i) resp::AppendCommand(&mgets, {"MGET", "a", "b"});
  while (!done) {
    ASSERT_TRUE(reader->SendRaw(mgets).ok());
    for (int i = 0; i < 50; ++i) {
      auto [a, b] = MGetPair(reader->ReadReply());
      ++reads;
      if (a != b) {
        ++torn;
        example = absl::StrCat("a=", a, " b=", b);
      }
    }
  }
  write_thread.join();
  EXPECT_EQ(torn, 0) << torn << " of " << reads << " MGETs saw a half-done transaction, e.g. "
                     << example;
  EXPECT_GT(reads, 0);
  const std::string total = std::to_string(kBatches * kPerBatch);
  EXPECT_EQ(reader->Call({"MGET", "a", "b"}),
            absl::StrCat("*2\r\n$", total.size(), "\r\n", total, "\r\n$", total.size(), "\r\n",
                         total, "\r\n"));
}

// Many clients on four loops EXEC at the same time (each EXEC takes every loop's lock): all
// finish, and every transaction applied whole.
TEST_F(ServerTest, ConcurrentExecsOnManyLoopsDoNotDeadlock) {
  ServerOptions options;
  options.io_threads = 4;
  StartServer(options);
  constexpr int kClients = 8;
  constexpr int kTransactions = 300;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      RawRespConnection conn;
      if (!conn.Connect(port_).ok()) {
        ++failures;
        return;
      }
      for (int t = 0; t < kTransactions; ++t) {
        std::string batch;
        resp::AppendCommand(&batch, {"MULTI"});
        resp::AppendCommand(&batch, {"INCR", "total"});
        resp::AppendCommand(&batch, {"INCR", absl::StrCat("own:", c)});
        resp::AppendCommand(&batch, {"EXEC"});
        if (!conn.SendRaw(batch).ok()) {
          ++failures;
          return;
        }
        for (int r = 0; r < 3; ++r) conn.ReadReply();
        std::string exec = conn.ReadReply();
        if (!exec.starts_with("*2\r\n:")) {
          ++failures;
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto check = Connect();
  EXPECT_EQ(check->Call({"GET", "total"}),
            absl::StrCat("$4\r\n", kClients * kTransactions, "\r\n"));
}

// For each command of `disturbances`: on a fresh `setup` (its commands, then WATCH `watched`) on
// connection a, the command on connection b, then MULTI, PING, EXEC on a. EXEC's reply is nil
// when the command counted as a modification of a watched key; embedis's replies, on (a, b), must
// be the bytes redis-server gives on two connections to `redis_port`.
void ExpectWatchSeesWhatRedisSees(RawRespConnection& a, RawRespConnection& b, int redis_port,
                                  const std::vector<std::vector<std::string>>& setup,
                                  const std::vector<std::string>& watched,
                                  const std::vector<std::vector<std::string>>& disturbances) {
  auto run = [&](RawRespConnection& x, RawRespConnection& y, const std::vector<std::string>& cmd) {
    std::string out;
    for (const std::vector<std::string>& c : setup) out += x.Call(absl::Span<const std::string>(c));
    std::vector<std::string> watch = {"WATCH"};
    watch.insert(watch.end(), watched.begin(), watched.end());
    out += x.Call(absl::Span<const std::string>(watch));
    out += y.Call(absl::Span<const std::string>(cmd));
    out += x.Call({"MULTI"});
    out += x.Call({"PING"});
    out += x.Call({"EXEC"});
    return out;
  };
  RawRespConnection ra, rb;
  ASSERT_TRUE(ra.Connect(redis_port).ok());
  ASSERT_TRUE(rb.Connect(redis_port).ok());
  for (const auto& cmd : disturbances) {
    EXPECT_EQ(run(a, b, cmd), run(ra, rb, cmd)) << absl::StrJoin(cmd, " ");
  }
}

// Which list writes count as modifications for WATCH, compared with a real redis-server 7.0: each
// command runs on a second connection between WATCH and EXEC, on a fresh list, and EXEC's reply
// (nil when the watched key counts as modified) must be the same bytes. LTRIM is a modification
// even when it keeps every element (Redis signals it unconditionally); an LREM, LINSERT or LPUSHX
// that changes nothing is not.
TEST_F(ServerTest, ListWritesTouchWatchedKeysAsRedis) {
  StartServer();
  RedisServerProcess redis;
  ASSERT_TRUE(redis.Start().ok());
  const std::vector<std::vector<std::string>> disturbances = {
      {"LTRIM", "l", "0", "-1"},
      {"LTRIM", "l", "0", "100"},
      {"LTRIM", "l", "1", "0"},
      {"LTRIM", "missing", "0", "-1"},
      {"LREM", "l", "0", "zz"},
      {"LREM", "l", "1", "a"},
      {"LINSERT", "l", "BEFORE", "zz", "x"},
      {"LINSERT", "l", "AFTER", "a", "x"},
      {"LPUSHX", "missing", "x"},
      {"LSET", "l", "0", "a"},
      {"LMOVE", "l", "l", "RIGHT", "LEFT"},
      {"RPOPLPUSH", "l", "other"},
      {"LMOVE", "missing", "l", "LEFT", "LEFT"},
      {"LPOS", "l", "a"},
      {"LRANGE", "l", "0", "-1"},
      {"LPOP", "missing"},
  };
  auto a = Connect();
  auto b = Connect();
  ExpectWatchSeesWhatRedisSees(*a, *b, redis.port(),
                               {{"DEL", "l", "other", "missing"}, {"RPUSH", "l", "a", "b", "c"}},
                               {"l", "other", "missing"}, disturbances);
}

// Which string edits count as modifications for WATCH, compared with a real redis-server 7.0 as
// above: a BITFIELD SET or INCRBY only when it did not fail and grew the string or changed its
// field (a failed SET on a missing key creates the key without modifying it), SETBIT only when the
// bit changes or the string grows, SETRANGE always (even writing the bytes already there); reads
// (BITFIELD GETs, BITFIELD_RO, LCS) never.
TEST_F(ServerTest, StringEditsTouchWatchedKeysAsRedis) {
  StartServer();
  RedisServerProcess redis;
  ASSERT_TRUE(redis.Start().ok());
  const std::vector<std::vector<std::string>> disturbances = {
      {"BITFIELD", "s", "GET", "u8", "0"},
      {"BITFIELD", "s"},
      {"BITFIELD", "s", "OVERFLOW", "FAIL"},
      {"BITFIELD", "s", "OVERFLOW", "FAIL", "SET", "u8", "0", "256"},
      {"BITFIELD", "s", "SET", "u8", "0", "97"},
      {"BITFIELD", "s", "INCRBY", "u8", "0", "0"},
      {"BITFIELD", "s", "GET", "u64", "0", "SET", "u8", "0", "1"},
      {"BITFIELD", "missing", "GET", "u8", "0"},
      {"BITFIELD", "missing", "OVERFLOW", "FAIL", "SET", "u8", "0", "256"},
      {"BITFIELD_RO", "s", "GET", "u8", "0"},
      {"BITFIELD_RO", "s", "SET", "u8", "0", "1"},
      {"SETBIT", "s", "7", "1"},
      {"SETBIT", "s", "6", "0"},
      {"SETBIT", "s", "6", "1"},
      {"SETBIT", "s", "100", "0"},
      {"SETRANGE", "s", "0", "a"},
      {"SETRANGE", "s", "0", ""},
      {"SETRANGE", "missing", "5", ""},
      {"LCS", "s", "missing"},
  };
  auto a = Connect();
  auto b = Connect();
  ExpectWatchSeesWhatRedisSees(*a, *b, redis.port(), {{"DEL", "s", "missing"}, {"SET", "s", "abc"}},
                               {"s", "missing"}, disturbances);
}

}  // namespace
}  // namespace embedis::testing
