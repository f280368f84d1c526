// CLIENT REPLY ON|OFF|SKIP and CLIENT PAUSE / UNPAUSE over the network.
//
// CLIENT REPLY is compared byte for byte with a real redis-server 7.0: the same script goes to
// both, followed by `CLIENT REPLY ON` and `ECHO end-of-script`, and everything up to the echo must
// be the same bytes (replies that never come cannot be waited for otherwise). CLIENT PAUSE's
// argument errors are compared the same way; its holding and releasing are timed against
// embedis alone, with generous margins: a held reply must not come before most of the pause has
// passed, and must come within seconds after it ends. Every behaviour asserted here was first
// observed on redis-server 7.0.15.
#include <sys/resource.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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

constexpr char kEnd[] = "$13\r\nend-of-script\r\n";

int64_t MsSince(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

// "SET k v" -> {"SET", "k", "v"}.
std::vector<std::string> Words(std::string_view line) {
  return absl::StrSplit(ToAbsl(line), ' ', absl::SkipEmpty());
}

// Sends `script` (one command a line, arguments split on spaces) in one write, then CLIENT REPLY
// ON and ECHO end-of-script, and returns every byte up to that echo, or "<no end>" (with what
// came) if it does not come within 10 s.
std::string RunScript(int port, const std::vector<std::string>& script) {
  TimedConnection c(port);
  if (!c.ok()) return "<connect failed>";
  std::string bytes;
  for (const std::string& line : script) {
    std::vector<std::string> argv = Words(line);
    absl::StrAppend(&bytes, "*", argv.size(), "\r\n");
    for (const std::string& a : argv) absl::StrAppend(&bytes, "$", a.size(), "\r\n", a, "\r\n");
  }
  bytes += "*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$2\r\nON\r\n";
  bytes += "*2\r\n$4\r\nECHO\r\n$13\r\nend-of-script\r\n";
  if (!c.SendRaw(bytes)) return "<send failed>";
  std::optional<std::string> out = c.ReadThrough(kEnd);
  return out.value_or("<no end>");
}

// Embedis in-process and a real redis-server, both fresh.
class ClientDifferentialTest : public ServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    absl::Status s = redis_.Start();
    ASSERT_TRUE(s.ok()) << s;
  }

  // The script's bytes from both servers must be the same; returns embedis's.
  std::string Same(const std::vector<std::string>& script) {
    std::string theirs = RunScript(redis_.port(), script);
    std::string ours = RunScript(port_, script);
    EXPECT_EQ(EscapeResp(ours), EscapeResp(theirs)) << "script: " << absl::StrJoin(script, " | ");
    EXPECT_TRUE(ours.ends_with(kEnd)) << "script: " << absl::StrJoin(script, " | ");
    return ours;
  }

  RedisServerProcess redis_;
};

// ---- CLIENT REPLY ----

TEST_F(ClientDifferentialTest, ReplyOffDropsEveryReplyUntilOn) {
  // Replies, errors of every kind (unknown command, arity, syntax) and OFF's own: all dropped.
  EXPECT_EQ(Same({"CLIENT REPLY OFF", "SET k 1", "nosuch", "GET", "CLIENT REPLY maybe", "INCR k",
                  "CLIENT REPLY ON", "GET k"}),
            absl::StrCat("+OK\r\n$1\r\n2\r\n+OK\r\n", kEnd));
  Same({"CLIENT REPLY ON", "CLIENT REPLY OFF", "CLIENT REPLY OFF", "CLIENT REPLY ON"});
  Same({"CLIENT REPLY OFF", "CLIENT KILL ID 999999", "CLIENT ID", "CLIENT LIST ID 1 2 x"});
}

TEST_F(ClientDifferentialTest, ReplySkipDropsTheNextReplyOnly) {
  EXPECT_EQ(Same({"SET k v", "CLIENT REPLY SKIP", "GET k", "GET k"}),
            absl::StrCat("+OK\r\n$1\r\nv\r\n+OK\r\n", kEnd));
  Same({"CLIENT REPLY SKIP", "nosuch", "GET k"});  // an error is the skipped reply too
  Same({"CLIENT REPLY SKIP", "GET", "GET k"});
  Same({"CLIENT REPLY SKIP", "CLIENT REPLY SKIP", "GET k", "GET k"});  // not cumulative
  Same({"CLIENT REPLY SKIP", "CLIENT REPLY ON", "GET k"});             // ON replies
  Same({"CLIENT REPLY SKIP", "CLIENT REPLY OFF", "GET k", "CLIENT REPLY ON", "GET k"});
  Same({"CLIENT REPLY OFF", "CLIENT REPLY SKIP", "GET k", "CLIENT REPLY ON", "GET k"});
}

TEST_F(ClientDifferentialTest, ReplyArgumentErrors) {
  EXPECT_EQ(Same({"CLIENT REPLY maybe", "CLIENT REPLY", "CLIENT REPLY on x", "client reply On"}),
            absl::StrCat("-ERR syntax error\r\n",
                         "-ERR wrong number of arguments for 'client|reply' command\r\n",
                         "-ERR wrong number of arguments for 'client|reply' command\r\n",
                         "+OK\r\n+OK\r\n", kEnd));
}

TEST_F(ClientDifferentialTest, ReplyInPipelines) {
  // One write of 600 commands with OFF and SKIP in the middle; replies resume exactly.
  std::vector<std::string> script;
  for (int i = 0; i < 200; ++i) script.push_back(absl::StrCat("SET k", i, " ", i));
  script.push_back("CLIENT REPLY OFF");
  for (int i = 0; i < 200; ++i) script.push_back(absl::StrCat("INCR k", i));
  script.push_back("CLIENT REPLY ON");
  for (int i = 0; i < 100; ++i) {
    script.push_back("CLIENT REPLY SKIP");
    script.push_back(absl::StrCat("GET k", i));
  }
  script.push_back("GET k199");
  std::string ours = Same(script);
  EXPECT_TRUE(ours.ends_with(absl::StrCat("+OK\r\n$3\r\n200\r\n+OK\r\n", kEnd))) << ours;
}

TEST_F(ClientDifferentialTest, ReplyInsideTransactions) {
  // Queued, CLIENT REPLY runs inside EXEC and acts from that point of EXEC's reply on: redis-server
  // checks the mode at every write, so the array header can stand without its elements.
  EXPECT_EQ(Same({"MULTI", "CLIENT REPLY OFF", "SET k 2", "EXEC", "CLIENT REPLY ON", "GET k"}),
            absl::StrCat("+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n$1\r\n2\r\n+OK\r\n", kEnd));
  Same({"MULTI", "CLIENT REPLY OFF", "SET k 5", "CLIENT REPLY ON", "GET k", "EXEC", "PING"});
  Same({"CLIENT REPLY OFF", "MULTI", "SET k 6", "CLIENT REPLY ON", "GET k", "EXEC", "PING"});
  // SKIP inside EXEC skips the command after EXEC.
  Same({"MULTI", "CLIENT REPLY SKIP", "GET k", "EXEC", "GET k", "PING"});
  Same({"MULTI", "CLIENT REPLY SKIP", "EXEC", "GET k", "PING"});
  Same({"MULTI", "CLIENT REPLY SKIP", "CLIENT REPLY ON", "EXEC", "GET k", "PING"});
  Same({"MULTI", "CLIENT REPLY SKIP", "CLIENT REPLY SKIP", "EXEC", "PING", "ECHO x"});
  Same({"MULTI", "CLIENT REPLY SKIP", "CLIENT REPLY OFF", "CLIENT REPLY ON", "EXEC", "PING"});
  Same({"MULTI", "CLIENT REPLY OFF", "CLIENT REPLY SKIP", "CLIENT REPLY ON", "EXEC", "PING"});
  Same({"CLIENT REPLY SKIP", "MULTI", "SET k 4", "EXEC"});
  Same({"CLIENT REPLY OFF", "MULTI", "SET k 3", "EXEC", "CLIENT REPLY ON", "GET k"});
  Same({"MULTI", "SET k 3", "CLIENT REPLY ON", "EXEC"});
}

TEST_F(ClientDifferentialTest, ResetTurnsRepliesOnButIsItselfSkipped) {
  EXPECT_EQ(Same({"CLIENT REPLY OFF", "RESET", "PING"}),
            absl::StrCat("+RESET\r\n+PONG\r\n+OK\r\n", kEnd));
  Same({"CLIENT REPLY SKIP", "RESET", "PING"});
  Same({"CLIENT REPLY OFF", "CLIENT REPLY SKIP", "RESET", "PING"});
}

TEST_F(ClientDifferentialTest, ReplyModesInResp3) {
  // HELLO's own reply (server version, client id) differs by design: it is the skipped one.
  Same({"CLIENT REPLY SKIP", "HELLO 3", "HSET h f 1", "CLIENT REPLY OFF", "HGETALL h",
        "CLIENT REPLY ON", "HGETALL h", "CLIENT REPLY SKIP", "HELLO 2", "HGETALL h"});
}

// Deliberate difference: after QUIT, a protocol error or CLIENT KILL of itself, a client with
// replies off gets no reply, and embedis closes the connection. redis-server 7.0.15 leaves it
// open, reading nothing, until the client hangs up.
TEST_F(ServerTest, ReplyOffStillClosesAfterQuitAndProtocolErrors) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  for (const char* last : {"*1\r\n$4\r\nQUIT\r\n", "*x\r\n",
                           "*4\r\n$6\r\nCLIENT\r\n$4\r\nKILL\r\n$6\r\nSKIPME\r\n$2\r\nno\r\n"}) {
    SCOPED_TRACE(last);
    TimedConnection c(port_);
    ASSERT_TRUE(
        c.SendRaw(absl::StrCat("*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n", last)));
    EXPECT_EQ(c.Read(10000), std::nullopt);
    EXPECT_TRUE(c.closed());
  }
  TimedConnection skip(port_);
  ASSERT_TRUE(skip.SendRaw("*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n*x\r\n"));
  EXPECT_EQ(skip.Read(10000), std::nullopt);
  EXPECT_TRUE(skip.closed());
}

// ---- CLIENT PAUSE: arguments ----

TEST_F(ClientDifferentialTest, PauseArgumentErrors) {
  // None of these pauses anything (0 ends at once); the mode is checked before the timeout.
  EXPECT_EQ(
      Same({"CLIENT PAUSE -1", "CLIENT PAUSE abc", "CLIENT PAUSE 1.5", "CLIENT PAUSE 10 foo",
            "CLIENT PAUSE abc foo", "CLIENT PAUSE 10 write extra", "CLIENT PAUSE",
            "CLIENT UNPAUSE x", "CLIENT PAUSE 0", "CLIENT UNPAUSE"}),
      absl::StrCat("-ERR timeout is negative\r\n",
                   "-ERR timeout is not an integer or out of range\r\n",
                   "-ERR timeout is not an integer or out of range\r\n",
                   "-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n",
                   "-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n",
                   "-ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT "
                   "HELP.\r\n",
                   "-ERR wrong number of arguments for 'client|pause' command\r\n",
                   "-ERR wrong number of arguments for 'client|unpause' command\r\n",
                   "+OK\r\n+OK\r\n+OK\r\n", kEnd));
  Same({"CLIENT Pause 10 WRITE x y", "CLIENT PAUSE 99999999999999999999", "CLIENT PAUSE -0",
        "CLIENT PAUSE +5", "CLIENT PAUSE 007", "CLIENT PAUSE -5 foo", "CLIENT PAUSE 0 write",
        "CLIENT PAUSE 0 ALL", "CLIENT UNPAUSE"});
  // Past INT64_MAX on the wall clock the end wraps into the past: no pause.
  EXPECT_EQ(Same({"CLIENT PAUSE 9223372036854775807", "PING", "CLIENT UNPAUSE"}),
            absl::StrCat("+OK\r\n+PONG\r\n+OK\r\n+OK\r\n", kEnd));
}

// ---- CLIENT PAUSE: holding and releasing ----

constexpr int kPauseMs = 300;
constexpr int kHeldAtLeastMs = 250;  // a held reply never comes sooner than this after PAUSE
constexpr int kReleasedWithinMs = 5000;

class ClientPauseTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.io_threads = 1;  // one loop: held clients resume in the order they were held
    ASSERT_NO_FATAL_FAILURE(StartServer(options));
  }

  // Sends CLIENT PAUSE from `c` and expects +OK; returns when it was sent.
  Clock::time_point Pause(TimedConnection& c, std::vector<std::string> argv) {
    std::vector<std::string> pause = {"CLIENT", "PAUSE"};
    pause.insert(pause.end(), argv.begin(), argv.end());
    const Clock::time_point start = Clock::now();
    EXPECT_TRUE(c.Send({pause}));
    EXPECT_EQ(c.Read(), "+OK\r\n");
    return start;
  }

  // Polls INFO clients on `c` (every 20 ms, for up to 5 s) until it has the line `line`.
  static bool WaitForInfo(TimedConnection& c, const std::string& line) {
    for (int i = 0; i < 250; ++i) {
      if (!c.Send({{"INFO", "clients"}})) return false;
      std::optional<std::string> info = c.Read();
      if (!info.has_value()) return false;
      if (info->find(line + "\r\n") != std::string::npos) return true;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return false;
  }

  // Expects `c`'s next reply to be `reply`, held by the pause sent at `start`.
  void ExpectHeldReply(TimedConnection& c, Clock::time_point start, const std::string& reply) {
    std::optional<std::string> got = c.Read(kReleasedWithinMs + kPauseMs);
    const int64_t ms = MsSince(start);
    EXPECT_EQ(got, reply);
    EXPECT_GE(ms, kHeldAtLeastMs) << "not held";
    EXPECT_LT(ms, kReleasedWithinMs) << "not released";
  }
};

TEST_F(ClientPauseTest, AllHoldsEveryCommandUntilTheTimeout) {
  TimedConnection pauser(port_), reader(port_), writer(port_);
  ASSERT_TRUE(pauser.ok() && reader.ok() && writer.ok());
  ASSERT_TRUE(keyspace_.Set(0, "k", "v").ok());
  const Clock::time_point start = Pause(pauser, {absl::StrCat(kPauseMs)});
  ASSERT_TRUE(reader.Send({{"GET", "k"}}));
  ASSERT_TRUE(writer.Send({{"SET", "k", "w"}}));
  ExpectHeldReply(reader, start, "$1\r\nv\r\n");
  ExpectHeldReply(writer, start, "+OK\r\n");
  // The pausing client is held too, and so is CLIENT UNPAUSE under ALL.
  const Clock::time_point again = Pause(pauser, {absl::StrCat(kPauseMs), "ALL"});
  ASSERT_TRUE(pauser.Send({{"CLIENT", "UNPAUSE"}, {"PING"}}));
  ExpectHeldReply(pauser, again, "+OK\r\n");
  EXPECT_EQ(pauser.Read(), "+PONG\r\n");
}

TEST_F(ClientPauseTest, ErrorsRedisGivesFirstAreNotHeld) {
  TimedConnection pauser(port_), c(port_), in_multi(port_);
  ASSERT_TRUE(pauser.Send({{"CONFIG", "SET", "requirepass", "pw"}}));  // connected: still in
  ASSERT_EQ(pauser.Read(), "+OK\r\n");
  TimedConnection anonymous(port_);
  ASSERT_TRUE(in_multi.Send({{"MULTI"}}));
  ASSERT_EQ(in_multi.Read(), "+OK\r\n");
  Pause(pauser, {"10000"});
  const Clock::time_point start = Clock::now();
  ASSERT_TRUE(c.Send({{"NOSUCH"}, {"GET"}, {"CLIENT", "NOSUCH"}, {"CLIENT", "PAUSE"}}));
  EXPECT_EQ(c.Read(), "-ERR unknown command 'NOSUCH', with args beginning with: \r\n");
  EXPECT_EQ(c.Read(), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(c.Read(), "-ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.\r\n");
  EXPECT_EQ(c.Read(), "-ERR wrong number of arguments for 'client|pause' command\r\n");
  ASSERT_TRUE(anonymous.Send({{"GET", "k"}, {"AUTH", "pw"}}));
  EXPECT_EQ(anonymous.Read(), "-NOAUTH Authentication required.\r\n");
  ASSERT_TRUE(in_multi.Send({{"SHUTDOWN"}}));
  EXPECT_EQ(in_multi.Read(), "-ERR Command not allowed inside a transaction\r\n");
  EXPECT_LT(MsSince(start), kReleasedWithinMs);
  EXPECT_EQ(anonymous.Read(100), std::nullopt) << "AUTH is held";
  // A command behind a held one waits for it, error or not.
  ASSERT_TRUE(c.Send({{"PING"}, {"NOSUCH"}}));
  EXPECT_EQ(c.Read(200), std::nullopt);
  // No CLIENT UNPAUSE gets through an ALL pause: TearDown's Stop ends it.
}

TEST_F(ClientPauseTest, WriteHoldsWritesAndServesReads) {
  TimedConnection pauser(port_), reader(port_), writer(port_);
  ASSERT_TRUE(keyspace_.Set(0, "k", "v").ok());
  // A long pause: the read below is served while the write is certainly still held.
  Pause(pauser, {"60000", "WRITE"});
  ASSERT_TRUE(writer.Send({{"SET", "k", "w"}, {"GET", "k"}}));
  ASSERT_TRUE(reader.Send({{"GET", "k"}, {"TTL", "k"}, {"PING"}, {"CLIENT", "ID"}}));
  EXPECT_EQ(reader.Read(kReleasedWithinMs), "$1\r\nv\r\n");
  EXPECT_EQ(reader.Read(), ":-1\r\n");
  EXPECT_EQ(reader.Read(), "+PONG\r\n");
  ASSERT_TRUE(reader.Read().has_value());
  EXPECT_EQ(writer.Read(100), std::nullopt) << "the write was not held";
  // Under WRITE, CLIENT UNPAUSE is not held, and releases the writer.
  ASSERT_TRUE(reader.Send({{"CLIENT", "UNPAUSE"}}));
  EXPECT_EQ(reader.Read(), "+OK\r\n");
  EXPECT_EQ(writer.Read(kReleasedWithinMs), "+OK\r\n");
  EXPECT_EQ(writer.Read(), "$1\r\nw\r\n");
}

TEST_F(ClientPauseTest, WriteHoldsTheEndOfItsTimeout) {
  TimedConnection pauser(port_), writer(port_), reader(port_);
  const Clock::time_point start = Pause(pauser, {absl::StrCat(kPauseMs), "write"});
  ASSERT_TRUE(writer.Send({{"DEL", "k"}}));
  ASSERT_TRUE(reader.Send({{"EXISTS", "k"}}));
  EXPECT_EQ(reader.Read(kReleasedWithinMs), ":0\r\n");
  ExpectHeldReply(writer, start, ":0\r\n");
}

TEST_F(ClientPauseTest, WriteHoldsTransactionsThatWrite) {
  TimedConnection pauser(port_), c(port_), queued(port_);
  ASSERT_TRUE(keyspace_.Set(0, "k", "v").ok());
  ASSERT_TRUE(queued.Send({{"MULTI"}, {"SET", "k", "q"}}));
  EXPECT_EQ(queued.Read(), "+OK\r\n");
  EXPECT_EQ(queued.Read(), "+QUEUED\r\n");
  const Clock::time_point start = Pause(pauser, {absl::StrCat(kPauseMs), "WRITE"});
  // MULTI, queuing a read and EXEC of reads run; queuing a write is held, and so is EXEC of one.
  ASSERT_TRUE(c.Send({{"MULTI"}, {"GET", "k"}, {"EXEC"}, {"MULTI"}, {"SET", "k", "w"}, {"EXEC"}}));
  EXPECT_EQ(c.Read(kReleasedWithinMs), "+OK\r\n");
  EXPECT_EQ(c.Read(), "+QUEUED\r\n");
  EXPECT_EQ(c.Read(), "*1\r\n$1\r\nv\r\n");
  EXPECT_EQ(c.Read(), "+OK\r\n");
  ASSERT_TRUE(queued.Send({{"EXEC"}}));
  ExpectHeldReply(c, start, "+QUEUED\r\n");
  EXPECT_EQ(c.Read(), "*1\r\n+OK\r\n");
  ExpectHeldReply(queued, start, "*1\r\n+OK\r\n");
}

TEST_F(ClientPauseTest, HeldPipelineRunsInOrderAfterThePause) {
  TimedConnection pauser(port_), c(port_);
  const Clock::time_point start = Pause(pauser, {absl::StrCat(kPauseMs), "WRITE"});
  // The GETs could run at once, but wait behind the held SET: replies keep their order.
  ASSERT_TRUE(c.Send({{"SET", "p", "1"}, {"GET", "p"}, {"SET", "p", "2"}, {"GET", "p"}}));
  ExpectHeldReply(c, start, "+OK\r\n");
  EXPECT_EQ(c.Read(), "$1\r\n1\r\n");
  EXPECT_EQ(c.Read(), "+OK\r\n");
  EXPECT_EQ(c.Read(), "$1\r\n2\r\n");
}

TEST_F(ClientPauseTest, UnpauseReleasesHeldClientsInOrder) {
  TimedConnection pauser(port_), a(port_), b(port_), c(port_);
  Pause(pauser, {"60000", "WRITE"});
  ASSERT_TRUE(a.Send({{"APPEND", "order", "a"}}));
  ASSERT_TRUE(b.Send({{"APPEND", "order", "b"}}));
  ASSERT_TRUE(c.Send({{"APPEND", "order", "c"}}));
  // INFO is not held under WRITE: once it reports three blocked clients, all three are held.
  ASSERT_TRUE(WaitForInfo(pauser, "blocked_clients:3"));
  ASSERT_TRUE(pauser.Send({{"CLIENT", "LIST"}}));
  std::optional<std::string> list = pauser.Read();
  ASSERT_TRUE(list.has_value());
  EXPECT_NE(list->find(" flags=b "), std::string::npos) << *list;
  EXPECT_NE(list->find(" cmd=append "), std::string::npos) << *list;
  const Clock::time_point start = Clock::now();
  ASSERT_TRUE(pauser.Send({{"CLIENT", "UNPAUSE"}}));
  EXPECT_EQ(pauser.Read(), "+OK\r\n");
  EXPECT_EQ(a.Read(kReleasedWithinMs), ":1\r\n");
  EXPECT_EQ(b.Read(kReleasedWithinMs), ":2\r\n");
  EXPECT_EQ(c.Read(kReleasedWithinMs), ":3\r\n");
  EXPECT_LT(MsSince(start), kReleasedWithinMs);
  EXPECT_EQ(keyspace_.Get(0, "order").value(), "abc");
  ASSERT_TRUE(pauser.Send({{"INFO", "clients"}}));
  std::optional<std::string> info = pauser.Read();
  ASSERT_TRUE(info.has_value());
  EXPECT_NE(info->find("blocked_clients:0\r\n"), std::string::npos) << *info;
}

TEST_F(ClientPauseTest, ASecondPauseKeepsTheLaterEndAndTheStricterMode) {
  TimedConnection pauser(port_), reader(port_), writer(port_);
  // WRITE for 600 ms, then ALL for 100 ms: ALL until 600 ms.
  const Clock::time_point start = Pause(pauser, {"600", "WRITE"});
  Pause(pauser, {"100", "ALL"});
  ASSERT_TRUE(reader.Send({{"PING"}}));
  std::optional<std::string> pong = reader.Read(kReleasedWithinMs);
  EXPECT_EQ(pong, "+PONG\r\n");
  EXPECT_GE(MsSince(start), 550);
  // An ended pause is forgotten: ALL for 0 ms, then WRITE, holds only writes.
  std::this_thread::sleep_for(milliseconds(50));
  Pause(pauser, {"0", "ALL"});
  const Clock::time_point write_start = Pause(pauser, {absl::StrCat(kPauseMs), "WRITE"});
  ASSERT_TRUE(writer.Send({{"SET", "k", "v"}}));
  ASSERT_TRUE(reader.Send({{"PING"}}));
  EXPECT_EQ(reader.Read(kReleasedWithinMs), "+PONG\r\n");
  ExpectHeldReply(writer, write_start, "+OK\r\n");
}

TEST_F(ClientPauseTest, AHungUpHeldClientsCommandNeverRuns) {
  TimedConnection pauser(port_);
  Pause(pauser, {"60000", "WRITE"});
  {
    TimedConnection gone(port_);
    ASSERT_TRUE(gone.Send({{"SET", "gone", "1"}}));
    EXPECT_EQ(gone.Read(100), std::nullopt);
  }
  // The hang-up is seen while held: the server forgets the client.
  ASSERT_TRUE(WaitForInfo(pauser, "connected_clients:1"));
  ASSERT_TRUE(pauser.Send({{"CLIENT", "UNPAUSE"}, {"EXISTS", "gone"}}));
  EXPECT_EQ(pauser.Read(), "+OK\r\n");
  EXPECT_EQ(pauser.Read(), ":0\r\n");
}

TEST_F(ClientPauseTest, TheEmbeddedKeyspaceIsNotPaused) {
  TimedConnection pauser(port_), reader(port_);
  const Clock::time_point start = Pause(pauser, {absl::StrCat(kPauseMs)});
  ASSERT_TRUE(keyspace_.Set(0, "k", "direct").ok());
  EXPECT_EQ(keyspace_.Get(0, "k").value(), "direct");
  EXPECT_LT(MsSince(start), kHeldAtLeastMs);
  ASSERT_TRUE(reader.Send({{"GET", "k"}}));
  ExpectHeldReply(reader, start, "$6\r\ndirect\r\n");
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

TEST_F(ClientPauseTest, HeldClientsDoNotSpin) {
  TimedConnection pauser(port_), held(port_);
  const Clock::time_point start = Pause(pauser, {"800"});
  ASSERT_TRUE(held.Send({{"PING"}}));
  const double cpu = CpuSeconds();
  std::optional<std::string> pong = held.Read(kReleasedWithinMs);
  EXPECT_EQ(pong, "+PONG\r\n");
  EXPECT_GE(MsSince(start), 750);
  // The whole process (server threads included) while the PING waited ~800 ms: a busy loop would
  // burn about as much CPU.
  EXPECT_LT(CpuSeconds() - cpu, 0.3);
}

// Several loops: a pause set on one loop holds clients of the others, and UNPAUSE wakes them.
TEST_F(ServerTest, PauseAcrossIoThreads) {
  ServerOptions options;
  options.io_threads = 3;
  ASSERT_NO_FATAL_FAILURE(StartServer(options));
  TimedConnection pauser(port_), a(port_), b(port_), reader(port_);
  ASSERT_TRUE(pauser.Send({{"CLIENT", "PAUSE", "60000", "WRITE"}}));
  ASSERT_EQ(pauser.Read(), "+OK\r\n");
  ASSERT_TRUE(a.Send({{"INCR", "n"}}));
  ASSERT_TRUE(b.Send({{"INCR", "n"}}));
  ASSERT_TRUE(reader.Send({{"GET", "n"}}));
  EXPECT_EQ(reader.Read(kReleasedWithinMs), "$-1\r\n");
  EXPECT_EQ(a.Read(100), std::nullopt);
  ASSERT_TRUE(reader.Send({{"CLIENT", "UNPAUSE"}}));
  EXPECT_EQ(reader.Read(), "+OK\r\n");
  std::optional<std::string> ra = a.Read(kReleasedWithinMs), rb = b.Read(kReleasedWithinMs);
  ASSERT_TRUE(ra.has_value() && rb.has_value());
  EXPECT_EQ(*ra == ":1\r\n" ? *rb : *ra, ":2\r\n");
  const Clock::time_point start = Clock::now();
  ASSERT_TRUE(pauser.Send({{"CLIENT", "PAUSE", absl::StrCat(kPauseMs)}}));
  ASSERT_EQ(pauser.Read(), "+OK\r\n");
  ASSERT_TRUE(a.Send({{"GET", "n"}}));
  std::optional<std::string> n = a.Read(kReleasedWithinMs);
  EXPECT_EQ(n, "$1\r\n2\r\n");
  EXPECT_GE(MsSince(start), kHeldAtLeastMs);
}

}  // namespace
}  // namespace embedis::testing
