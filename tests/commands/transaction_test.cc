// MULTI, EXEC, DISCARD, WATCH, UNWATCH through the command table in-process: redis-cli-style
// sessions of one or two clients, then a differential test that sends the same commands to a real
// redis-server 7 (two connections) and to the table (two ClientStates on one keyspace) and
// compares every reply byte for byte.
#include <atomic>
#include <chrono>
#include <initializer_list>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/keyspace.h"
#include "lib/resp/writer.h"
#include "lib/util/clock.h"
#include "tests/testing/command_runner.h"
#include "tests/testing/redis_server.h"

namespace embedis {
namespace {

using testing::CommandRunner;
using testing::RawRespConnection;
using testing::RedisServerProcess;

constexpr char kQueued[] = "+QUEUED\r\n";
constexpr char kExecAbort[] = "-EXECABORT Transaction discarded because of previous errors.\r\n";
constexpr char kNilArray[] = "*-1\r\n";

// Shows RESP bytes readably in failure messages.
std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// A second client on the runner's keyspace and table.
class OtherClient {
 public:
  explicit OtherClient(CommandRunner& r) : r_(r) {}
  std::string Run(const std::vector<std::string_view>& argv) {
    std::string out;
    resp::Writer writer(&out, client_.protocol);
    commands::CommandContext ctx{.keyspace = &r_.keyspace(), .client = &client_, .reply = &writer};
    r_.table().Execute(ctx, commands::Args(argv.data(), argv.size()));
    return out;
  }
  std::string Run(std::initializer_list<std::string_view> argv) {
    return Run(std::vector<std::string_view>(argv));
  }
  commands::ClientState& client() { return client_; }

 private:
  CommandRunner& r_;
  commands::ClientState client_;
};

class TransactionTest : public ::testing::Test {
 protected:
  std::string Run(std::initializer_list<std::string_view> argv) { return r_.Run(argv); }
  CommandRunner r_;
  OtherClient other_{r_};
};

// ---- redis-cli-style sessions ----

TEST_F(TransactionTest, MultiQueuesAndExecRunsInOrder) {
  EXPECT_EQ(Run({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(Run({"SET", "k", "v"}), kQueued);
  EXPECT_EQ(Run({"INCR", "n"}), kQueued);
  EXPECT_EQ(Run({"GET", "k"}), kQueued);
  // Nothing ran yet, as another client sees.
  EXPECT_EQ(other_.Run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(Run({"EXEC"}), "*3\r\n+OK\r\n:1\r\n$1\r\nv\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$1\r\nv\r\n");
  EXPECT_FALSE(r_.client().tx.in_multi);
}

TEST_F(TransactionTest, EmptyTransactionAndStrayCommands) {
  EXPECT_EQ(Run({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(Run({"DISCARD"}), "-ERR DISCARD without MULTI\r\n");
  EXPECT_EQ(Run({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(Run({"MULTI"}), "-ERR MULTI calls can not be nested\r\n");
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");  // the nested MULTI did not doom it
}

TEST_F(TransactionTest, DiscardDropsTheQueue) {
  Run({"MULTI"});
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"DISCARD"}), "+OK\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(Run({"EXEC"}), "-ERR EXEC without MULTI\r\n");
}

TEST_F(TransactionTest, ErrorsWhileQueuingAbortExec) {
  Run({"MULTI"});
  EXPECT_EQ(Run({"SET", "k", "v"}), kQueued);
  EXPECT_EQ(Run({"NOSUCH", "a"}),
            "-ERR unknown command 'NOSUCH', with args beginning with: 'a' \r\n");
  EXPECT_EQ(Run({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(Run({"INCR", "n"}), kQueued);  // queuing goes on
  EXPECT_EQ(Run({"EXEC"}), kExecAbort);
  EXPECT_EQ(Run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(Run({"EXEC"}), "-ERR EXEC without MULTI\r\n");
}

TEST_F(TransactionTest, UnknownSubcommandWhileQueuingAbortsExec) {
  Run({"MULTI"});
  EXPECT_EQ(Run({"OBJECT", "NOPE", "k"}), "-ERR unknown subcommand 'NOPE'. Try OBJECT HELP.\r\n");
  EXPECT_EQ(Run({"EXEC"}), kExecAbort);
}

TEST_F(TransactionTest, RuntimeErrorsAreRepliesInsideTheArray) {
  Run({"SET", "s", "abc"});
  Run({"MULTI"});
  Run({"INCR", "s"});
  Run({"SET", "t", "1"});
  Run({"HSET", "s", "f", "v"});
  Run({"HSET", "h", "a", "b", "c"});  // odd pairs: found by the handler, at EXEC
  Run({"INCR", "t"});
  EXPECT_EQ(Run({"EXEC"}),
            "*5\r\n-ERR value is not an integer or out of range\r\n+OK\r\n"
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
            "-ERR wrong number of arguments for 'hset' command\r\n:2\r\n");
}

TEST_F(TransactionTest, WatchInsideMultiIsRefusedButDoesNotAbort) {
  Run({"MULTI"});
  EXPECT_EQ(Run({"WATCH", "k"}), "-ERR WATCH inside MULTI is not allowed\r\n");
  Run({"SET", "k", "1"});
  EXPECT_EQ(Run({"EXEC"}), "*1\r\n+OK\r\n");
}

TEST_F(TransactionTest, SelectInsideMultiChangesTheDatabaseForWhatFollows) {
  Run({"MULTI"});
  Run({"SELECT", "1"});
  Run({"SET", "k", "one"});
  Run({"SELECT", "99"});
  EXPECT_EQ(Run({"EXEC"}), "*3\r\n+OK\r\n+OK\r\n-ERR DB index is out of range\r\n");
  EXPECT_EQ(r_.client().db, 1);
  EXPECT_EQ(Run({"GET", "k"}), "$3\r\none\r\n");
}

TEST_F(TransactionTest, WatchedKeyChangedByAnotherClientAbortsExec) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"WATCH", "k"}), "+OK\r\n");
  other_.Run({"SET", "k", "theirs"});
  Run({"MULTI"});
  EXPECT_EQ(Run({"SET", "k", "mine"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), kNilArray);
  EXPECT_EQ(Run({"GET", "k"}), "$6\r\ntheirs\r\n");
  EXPECT_EQ(r_.keyspace().WatchCount(), 0u);  // EXEC unwatched
}

TEST_F(TransactionTest, WatchedKeyUnchangedLetsExecRun) {
  Run({"SET", "k", "v"});
  Run({"WATCH", "k", "missing"});
  other_.Run({"SET", "k", "x", "NX"});        // writes nothing
  other_.Run({"HSET", "k", "f", "v"});        // WRONGTYPE: nothing
  other_.Run({"SET", "missing", "x", "XX"});  // nothing
  other_.Run({"GET", "k"});                   // a read
  other_.Run({"SET", "unrelated", "x"});      // another key
  Run({"MULTI"});
  Run({"INCR", "counter"});
  EXPECT_EQ(Run({"EXEC"}), "*1\r\n:1\r\n");
}

TEST_F(TransactionTest, OwnWriteAfterWatchAbortsExec) {
  Run({"WATCH", "k"});
  Run({"SET", "k", "1"});
  Run({"MULTI"});
  EXPECT_EQ(Run({"EXEC"}), kNilArray);
}

TEST_F(TransactionTest, DiscardAndUnwatchForgetWatchedKeys) {
  Run({"WATCH", "k"});
  Run({"MULTI"});
  Run({"DISCARD"});
  other_.Run({"SET", "k", "1"});
  Run({"MULTI"});
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");

  Run({"WATCH", "k"});
  EXPECT_EQ(Run({"UNWATCH"}), "+OK\r\n");
  other_.Run({"SET", "k", "2"});
  Run({"MULTI"});
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
  EXPECT_EQ(r_.keyspace().WatchCount(), 0u);
}

TEST_F(TransactionTest, ExecAbortAlsoUnwatches) {
  Run({"WATCH", "k"});
  Run({"MULTI"});
  Run({"NOSUCH"});
  EXPECT_EQ(Run({"EXEC"}), kExecAbort);
  EXPECT_EQ(r_.keyspace().WatchCount(), 0u);
}

TEST_F(TransactionTest, WatchedKeyThatExpiresBeforeExecAbortsIt) {
  Run({"SET", "k", "v", "PX", "1000"});
  Run({"WATCH", "k"});
  r_.clock().Advance(absl::Milliseconds(1000));
  Run({"MULTI"});
  EXPECT_EQ(Run({"EXEC"}), kNilArray);
}

// A clock that moves only when told to but is not "manual": it calls no listeners, and the
// keyspace's expiry thread, with a one-hour tick, sleeps through the test. So a key can be past
// its deadline and still not reclaimed.
class SilentClock : public Clock {
 public:
  int64_t NowMicros() const override { return now_us_.load(); }
  void Advance(absl::Duration d) { now_us_ += absl::ToInt64Microseconds(d); }

 private:
  std::atomic<int64_t> now_us_{absl::ToUnixMicros(absl::FromUnixSeconds(1767225600))};
};

// The deadline passes, but nothing has reclaimed the key yet when EXEC looks: EXEC's own lookup
// finds it expired.
TEST_F(TransactionTest, LogicallyExpiredWatchedKeyAbortsExecBeforeAnyReclaim) {
  SilentClock clock;
  Keyspace ks({.shards = 4, .tick = absl::Hours(1), .clock = &clock});
  commands::CommandTable table = commands::CommandTable::WithDataCommands();
  commands::ClientState client;
  auto run = [&](std::initializer_list<std::string_view> argv) {
    std::string out;
    resp::Writer writer(&out, client.protocol);
    commands::CommandContext ctx{.keyspace = &ks, .client = &client, .reply = &writer};
    table.Execute(ctx, argv);
    return out;
  };
  run({"SET", "k", "v", "PX", "10"});
  run({"WATCH", "k"});
  clock.Advance(absl::Milliseconds(20));
  EXPECT_FALSE(client.tx.watcher.dirty());  // not reclaimed yet
  run({"MULTI"});
  EXPECT_EQ(run({"EXEC"}), kNilArray);
}

TEST_F(TransactionTest, KeyExpiredBeforeWatchDoesNotAbort) {
  Run({"SET", "k", "v", "PX", "1000"});
  r_.clock().Advance(absl::Milliseconds(1000));
  Run({"WATCH", "k"});
  r_.clock().Advance(absl::Seconds(10));
  Run({"MULTI"});
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
}

TEST_F(TransactionTest, ApplicationWritesThroughTheKeyspaceAreSeen) {
  Run({"WATCH", "session"});
  ASSERT_TRUE(r_.keyspace().Set(0, "session", "{}").ok());  // the embedding app, directly
  Run({"MULTI"});
  EXPECT_EQ(Run({"EXEC"}), kNilArray);
}

TEST_F(TransactionTest, Resp3NilForAnAbortedExec) {
  r_.client().protocol = resp::Protocol::kResp3;
  Run({"WATCH", "k"});
  other_.Run({"SET", "k", "1"});
  Run({"MULTI"});
  EXPECT_EQ(Run({"EXEC"}), "_\r\n");
}

TEST_F(TransactionTest, DestroyingTheClientUnwatches) {
  {
    OtherClient gone(r_);
    gone.Run({"WATCH", "a", "b", "c"});
    gone.Run({"MULTI"});
    gone.Run({"SET", "a", "1"});
    EXPECT_EQ(r_.keyspace().WatchCount(), 3u);
  }
  EXPECT_EQ(r_.keyspace().WatchCount(), 0u);
  EXPECT_EQ(Run({"GET", "a"}), "$-1\r\n");
}

TEST_F(TransactionTest, ResetTransactionLeavesMultiAndUnwatches) {
  Run({"WATCH", "k"});
  Run({"MULTI"});
  Run({"SET", "k", "1"});
  r_.client().ResetTransaction();  // what RESET and a closed connection do
  EXPECT_FALSE(r_.client().tx.in_multi);
  EXPECT_EQ(r_.keyspace().WatchCount(), 0u);
  EXPECT_EQ(Run({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$-1\r\n");
}

TEST_F(TransactionTest, ExecWithArgumentsDiscardsTheTransaction) {
  Run({"WATCH", "k"});
  Run({"MULTI"});
  Run({"SET", "k", "1"});
  EXPECT_EQ(Run({"EXEC", "now"}),
            "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' "
            "command\r\n");
  EXPECT_FALSE(r_.client().tx.in_multi);
  EXPECT_EQ(r_.keyspace().WatchCount(), 0u);
  EXPECT_EQ(Run({"EXEC"}), "-ERR EXEC without MULTI\r\n");
}

TEST_F(TransactionTest, WatchArityAndUnwatchInsideMulti) {
  EXPECT_EQ(Run({"WATCH"}), "-ERR wrong number of arguments for 'watch' command\r\n");
  Run({"WATCH", "k", "k"});  // twice: registered once
  EXPECT_EQ(r_.keyspace().WatchCount(), 1u);
  Run({"MULTI"});
  EXPECT_EQ(Run({"UNWATCH"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), "*1\r\n+OK\r\n");
  EXPECT_EQ(r_.keyspace().WatchCount(), 0u);
}

// ---- Differential against a real redis-server ----

// One step of a two-client script: "A: SET k v" or "B: ..."; `""` is an empty argument;
// "A: HELLO3" switches that client to RESP3 (redis: HELLO 3, whose reply is not compared);
// "SLEEP <ms>" waits.
class TransactionCompatTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new RedisServerProcess();
    absl::Status s = redis_->Start();
    if (!s.ok()) start_error_ = std::string(s.message());
  }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(start_error_.empty()) << start_error_;
    ASSERT_TRUE(a_.Connect(redis_->port()).ok());
    ASSERT_TRUE(b_.Connect(redis_->port()).ok());
    ASSERT_EQ(a_.Call({"FLUSHALL"}), "+OK\r\n");
  }

  void Lines(std::initializer_list<const char*> lines) {
    for (const char* raw : lines) {
      std::string_view line = raw;
      if (line.starts_with("SLEEP ")) {
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::stoi(std::string(line.substr(6)))));
        continue;
      }
      ASSERT_TRUE(line.starts_with("A: ") || line.starts_with("B: ")) << line;
      const bool is_a = line[0] == 'A';
      std::vector<std::string> argv =
          absl::StrSplit(std::string(line.substr(3)), ' ', absl::SkipEmpty());
      for (std::string& arg : argv) {
        if (arg == "\"\"") arg.clear();
      }
      RawRespConnection& redis = is_a ? a_ : b_;
      commands::ClientState& client = is_a ? embedis_.client() : other_.client();
      if (argv.size() == 1 && argv[0] == "HELLO3") {
        ASSERT_FALSE(redis.Call({"HELLO", "3"}).empty());
        client.protocol = resp::Protocol::kResp3;
        continue;
      }
      std::string expected = redis.Call(absl::MakeConstSpan(argv));
      ASSERT_FALSE(expected.empty()) << redis.last_error();
      std::string got = is_a ? embedis_.Run(argv)
                             : other_.Run(std::vector<std::string_view>(argv.begin(), argv.end()));
      EXPECT_EQ(Escape(got), Escape(expected)) << "step: " << line;
      last_expected_ = expected;
    }
  }

  // WATCH k (and the other keys of `watch`) on A after `setup`, then B runs `action`, then A runs
  // MULTI, PING, EXEC: EXEC's reply says whether `action` modified a watched key. `aborts` is
  // what redis-server must answer (so that the script tests what it means to).
  enum Outcome { kRuns, kAborts };
  void WatchCycle(Outcome outcome, const char* watch, const std::vector<const char*>& setup,
                  const std::vector<const char*>& action) {
    SCOPED_TRACE(absl::StrCat("watch ", watch, " then: ", *action.begin()));
    Lines({"A: FLUSHALL", "A: SELECT 0", "B: SELECT 0"});
    for (const char* line : setup) Lines({line});
    std::string w = absl::StrCat("A: WATCH ", watch);
    Lines({w.c_str()});
    for (const char* line : action) Lines({line});
    Lines({"A: MULTI", "A: PING", "A: EXEC"});
    EXPECT_EQ(Escape(last_expected_), Escape(outcome == kAborts ? kNilArray : "*1\r\n+PONG\r\n"))
        << "redis-server disagrees with the test's expectation";
  }

  static RedisServerProcess* redis_;
  static std::string start_error_;
  RawRespConnection a_, b_;
  std::string last_expected_;  // redis-server's last reply
  CommandRunner embedis_{Clock::Real()};
  OtherClient other_{embedis_};
};

RedisServerProcess* TransactionCompatTest::redis_ = nullptr;
std::string TransactionCompatTest::start_error_;

TEST_F(TransactionCompatTest, MultiExecBasics) {
  Lines({"A: EXEC",   "A: DISCARD", "A: MULTI",          "A: SET k v",   "A: INCR n",
         "A: GET k",  "B: GET k",   "A: EXEC",           "A: GET k",     "A: MULTI",
         "A: MULTI",  "A: PING",    "A: EXEC",           "A: MULTI",     "A: EXEC",
         "A: MULTI",  "A: SET k x", "A: DISCARD",        "A: GET k",     "A: MULTI",
         "A: PING a", "A: ECHO hi", "A: HSET h a 1 b 2", "A: HGETALL h", "A: MGET k n h",
         "A: EXEC"});
}

TEST_F(TransactionCompatTest, ErrorsWhileQueuing) {
  Lines({"A: MULTI",   "A: SET k v",      "A: FOO bar", "A: INCR n",    "A: EXEC",
         "A: GET k",   "A: EXEC",         "A: MULTI",   "A: GET",       "A: EXEC",
         "A: MULTI",   "A: object foo k", "A: EXEC",    "A: MULTI",     "A: object encoding",
         "A: EXEC",    "A: MULTI",        "A: WATCH",   "A: EXEC",      "A: MULTI",
         "A: EXEC x",  "A: EXEC",         "A: EXEC x",  "A: WATCH k",   "A: EXEC x",
         "B: SET k 1", "A: MULTI",        "A: PING",    "A: EXEC",      "A: MULTI",
         "A: MULTI x", "A: EXEC",         "A: MULTI",   "A: DISCARD x", "A: DISCARD",
         "A: MULTI",   "A: UNWATCH x",    "A: EXEC",    "A: MULTI",     "A: WATCH k",
         "A: SET k 1", "A: EXEC",         "A: GET k"});
}

TEST_F(TransactionCompatTest, RuntimeErrorsInsideExec) {
  Lines({"A: SET s abc", "A: MULTI", "A: INCR s", "A: SET t 1", "A: HSET s f v", "A: HSET h a b c",
         "A: PING a b", "A: INCRBY t x", "A: SET t 2 EX 0", "A: GET t", "A: EXEC", "A: GET t"});
}

TEST_F(TransactionCompatTest, SelectInsideMulti) {
  Lines({"A: MULTI", "A: SELECT 1", "A: SET k one", "A: SELECT 99", "A: GET k", "A: EXEC",
         "A: GET k", "A: SELECT 0", "A: GET k"});
}

TEST_F(TransactionCompatTest, WatchAndAnotherClientsWrite) {
  Lines({"A: SET k v", "A: WATCH k", "B: SET k theirs", "A: MULTI", "A: SET k mine", "A: EXEC",
         "A: GET k",
         // Unchanged: EXEC runs.
         "A: WATCH k", "A: MULTI", "A: INCR c", "A: EXEC",
         // Own write between WATCH and EXEC.
         "A: WATCH k", "A: SET k 1", "A: MULTI", "A: PING", "A: EXEC",
         // Several keys, one of them changed; the same key twice.
         "A: WATCH a b k k", "B: SET b 1", "A: MULTI", "A: PING", "A: EXEC",
         // DISCARD, UNWATCH, EXEC and EXECABORT all unwatch.
         "A: WATCH k", "A: MULTI", "A: DISCARD", "B: SET k 2", "A: MULTI", "A: PING", "A: EXEC",
         "A: WATCH k", "A: UNWATCH", "B: SET k 3", "A: MULTI", "A: PING", "A: EXEC", "A: WATCH k",
         "A: MULTI", "A: EXEC", "B: SET k 4", "A: MULTI", "A: PING", "A: EXEC", "A: WATCH k",
         "A: MULTI", "A: FOO", "A: EXEC", "B: SET k 5", "A: MULTI", "A: PING", "A: EXEC",
         "A: WATCH k", "A: MULTI", "A: UNWATCH", "A: EXEC",
         // Keys are watched in the database of WATCH.
         "A: WATCH k", "B: SELECT 1", "B: SET k other-db", "A: MULTI", "A: PING", "A: EXEC",
         "A: WATCH k", "A: SELECT 1", "A: SET k mine-db1", "A: MULTI", "A: PING", "A: EXEC",
         "A: SELECT 0", "A: WATCH k", "B: SELECT 0", "B: DEL k", "A: MULTI", "A: PING", "A: EXEC"});
}

TEST_F(TransactionCompatTest, WritesThatChangeNothingDoNotAbort) {
  const std::vector<const char*> setup = {"A: SET k v", "A: HSET h f v", "A: SET n 5 EX 100",
                                          "A: SET nottl 1"};
  for (const char* action : {"B: SET k x NX",
                             "B: SET missing x XX",
                             "B: HSETNX h f x",
                             "B: HDEL h nope",
                             "B: HINCRBY h f 1",
                             "B: HINCRBYFLOAT h f 1",
                             "B: INCR k",
                             "B: EXPIRE k 100 XX",
                             "B: EXPIRE n 200 NX",
                             "B: EXPIRE n 50 GT",
                             "B: PERSIST k",
                             "B: DEL missing",
                             "B: GETDEL missing",
                             "B: GETEX k PERSIST",
                             "B: GETEX k",
                             "B: MSETNX k 1 missing 2",
                             "B: RENAME k k",
                             "B: RENAMENX nottl k",
                             "B: COPY nottl k",
                             "B: SETRANGE k 0 \"\"",
                             "B: SETRANGE missing 0 \"\"",
                             "B: HSET k f v",
                             "B: SET h v GET",
                             "B: APPEND h x",
                             "B: INCRBYFLOAT k 1",
                             "B: GET k",
                             "B: EXISTS k h",
                             "B: HGETALL h",
                             "B: TYPE k",
                             "B: TTL n",
                             "B: KEYS nomatch*",
                             "B: TOUCH k",
                             "B: MGET k h",
                             "B: STRLEN k",
                             "B: DBSIZE",
                             "B: EXPIRETIME n",
                             "B: HGET h f",
                             "B: RENAME nope x",
                             "B: SET other 1",
                             "B: DEL other nottl"}) {
    WatchCycle(kRuns, "k h n missing", setup, {action});
  }
  WatchCycle(kRuns, "k h n missing", setup, {"B: SELECT 1", "B: FLUSHDB"});
}

TEST_F(TransactionCompatTest, WritesThatChangeTheKeyAbort) {
  WatchCycle(kAborts, "k", {"A: SET k v"}, {"B: SET k v"});
  WatchCycle(kAborts, "k", {"A: SET k v"}, {"B: APPEND k \"\""});
  WatchCycle(kAborts, "k", {"A: SET k v"}, {"B: SETRANGE k 0 x"});
  WatchCycle(kAborts, "k", {"A: SET k 1"}, {"B: INCR k"});
  WatchCycle(kAborts, "k", {"A: SET k 1"}, {"B: INCRBYFLOAT k 0.5"});
  WatchCycle(kAborts, "k", {"A: SET k v"}, {"B: DEL k"});
  WatchCycle(kAborts, "k", {"A: SET k v"}, {"B: UNLINK k"});
  WatchCycle(kAborts, "k", {"A: SET k v"}, {"B: GETDEL k"});
  WatchCycle(kAborts, "k", {"A: SET k v"}, {"B: GETSET k w"});
  WatchCycle(kAborts, "k", {"A: SET k v"}, {"B: GETEX k EX 100"});
  WatchCycle(kAborts, "k", {"A: SET k v EX 100"}, {"B: GETEX k PERSIST"});
  WatchCycle(kAborts, "k", {"A: SET k v EX 100"}, {"B: EXPIRE k 100"});
  WatchCycle(kAborts, "k", {"A: SET k v EX 100"}, {"B: PERSIST k"});
  WatchCycle(kAborts, "k", {"A: SET k v"}, {"B: EXPIRE k -1"});
  WatchCycle(kAborts, "k", {"A: SET k v"}, {"B: PEXPIREAT k 1"});
  WatchCycle(kAborts, "k", {}, {"B: SET k v PXAT 1"});
  WatchCycle(kAborts, "k", {}, {"B: MSET a 1 k 2"});
  WatchCycle(kAborts, "k", {}, {"B: MSETNX a 1 k 2"});
  WatchCycle(kAborts, "k", {}, {"B: SETNX k 1"});
  WatchCycle(kAborts, "k", {}, {"B: SETEX k 100 v"});
  WatchCycle(kAborts, "k", {"A: SET other x"}, {"B: RENAME other k"});
  WatchCycle(kAborts, "k", {"A: SET k x"}, {"B: RENAME k other"});
  WatchCycle(kAborts, "k", {"A: SET other x"}, {"B: COPY other k"});
  WatchCycle(kAborts, "k", {"A: SET other x", "A: SET k y"}, {"B: COPY other k REPLACE"});
  WatchCycle(kAborts, "k", {"A: SET other x"}, {"B: COPY other k DB 0"});
  WatchCycle(kAborts, "k", {"A: HSET k f v"}, {"B: HSET k f v"});
  WatchCycle(kAborts, "k", {"A: HSET k f v"}, {"B: HDEL k f"});
  WatchCycle(kAborts, "k", {"A: HSET k f 1"}, {"B: HINCRBY k f 1"});
  WatchCycle(kAborts, "k", {"A: HSET k f 1"}, {"B: HINCRBYFLOAT k f 1.5"});
  WatchCycle(kAborts, "k", {}, {"B: HSETNX k f v"});
  WatchCycle(kAborts, "k", {}, {"B: HMSET k f v"});
  WatchCycle(kAborts, "k", {"A: SET k v"}, {"B: FLUSHDB"});
  WatchCycle(kAborts, "k", {"A: SET k v"}, {"B: FLUSHALL"});
  WatchCycle(kAborts, "k", {"A: SELECT 1", "A: SET k v", "A: SELECT 0"}, {"B: SWAPDB 0 1"});
  WatchCycle(kAborts, "k", {"A: SET k v"}, {"B: SWAPDB 1 0"});
}

TEST_F(TransactionCompatTest, FlushAndSwapOfUnwatchedOrMissingKeys) {
  WatchCycle(kRuns, "k", {}, {"B: FLUSHALL"});
  WatchCycle(kRuns, "k", {"A: SELECT 1", "A: SET k v", "A: SELECT 0"},
             {"B: SELECT 1", "B: FLUSHDB"});
  WatchCycle(kRuns, "k", {"A: SELECT 2", "A: SET k v", "A: SELECT 0"}, {"B: SWAPDB 0 1"});
  WatchCycle(kRuns, "k", {"A: SET other v"}, {"B: SWAPDB 0 1"});
}

TEST_F(TransactionCompatTest, ExpiryAndWatch) {
  // Expires after WATCH: EXEC fails. Expired before WATCH: it runs.
  Lines({"A: SET k v PX 100", "A: WATCH k", "SLEEP 250", "A: MULTI", "A: PING", "A: EXEC",
         "A: SET k v PX 100", "SLEEP 250", "A: WATCH k", "A: MULTI", "A: PING", "A: EXEC",
         "A: SET k v PX 100", "A: WATCH k", "SLEEP 250", "B: GET k", "A: MULTI", "A: PING",
         "A: EXEC"});
}

TEST_F(TransactionCompatTest, Resp3) {
  Lines({"A: HELLO3", "A: HSET h f v", "A: WATCH k", "B: SET k 1", "A: MULTI", "A: SET k x",
         "A: EXEC", "A: MULTI", "A: HGETALL h", "A: GET nope", "A: INCR k", "A: HGET h f",
         "A: EXEC", "A: MULTI", "A: FOO", "A: EXEC", "A: EXEC"});
}

TEST_F(TransactionCompatTest, ManyQueuedCommands) {
  std::vector<std::string> lines = {"A: MULTI"};
  for (int i = 0; i < 300; ++i) lines.push_back(absl::StrCat("A: INCRBY n ", i));
  lines.push_back("A: GET n");
  lines.push_back("A: EXEC");
  for (const std::string& line : lines) Lines({line.c_str()});
}

}  // namespace
}  // namespace embedis
