// Persistence inside an in-process Server: SAVE, BGSAVE, LASTSAVE, INFO persistence, CONFIG
// save/dir/dbfilename, save rules on a ManualClock, SHUTDOWN SAVE/NOSAVE, the save at Stop(), and
// refusing a damaged snapshot at Start().
#include "server/persistence.h"

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/snapshot.h"
#include "lib/util/clock.h"
#include "lib/util/strings.h"
#include "server/options.h"
#include "server/server.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

using std::chrono::milliseconds;

std::string Bulk(std::string_view s) {
  return absl::StrCat("$", s.size(), "\r\n", ToAbsl(s), "\r\n");
}

TEST(SaveRules, ParseAndFormat) {
  absl::StatusOr<std::vector<SaveRule>> r = ParseSaveRules("3600 1 300 100 60 10000");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (std::vector<SaveRule>{{3600, 1}, {300, 100}, {60, 10000}}));
  EXPECT_EQ(FormatSaveRules(*r), "3600 1 300 100 60 10000");
  EXPECT_TRUE(ParseSaveRules("")->empty());
  EXPECT_TRUE(ParseSaveRules("  ")->empty());
  EXPECT_EQ(ParseSaveRules(" 10   2 ")->size(), 1u);
  for (const char* bad : {"100", "100 x", "x 1", "-1 5", "10 -2", "1 2 3"}) {
    absl::StatusOr<std::vector<SaveRule>> b = ParseSaveRules(bad);
    EXPECT_FALSE(b.ok()) << bad;
    if (!b.ok()) {
      EXPECT_EQ(b.status().message(), "Invalid save parameters");
    }
  }
}

class PersistenceServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/persistence_test_", getpid(), "_", counter_++);
    ASSERT_EQ(std::system(absl::StrCat("rm -rf '", dir_, "' && mkdir -p '", dir_, "'").c_str()), 0);
    file_ = dir_ + "/dump.embedis";
  }
  void TearDown() override {
    server_.reset();
    std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
  }

  ServerOptions Options(std::string save = "") {
    ServerOptions o;
    o.port = 0;
    o.loglevel = "warning";
    o.persistence.enabled = true;
    o.persistence.dir = dir_;
    o.persistence.save = std::move(save);
    return o;
  }

  absl::Status StartServer(ServerOptions options) {
    keyspace_ = std::make_unique<Keyspace>(KeyspaceOptions{.shards = 4, .clock = &clock_});
    server_ = std::make_unique<Server>(keyspace_.get(), std::move(options));
    absl::Status s = server_->Start();
    if (s.ok()) {
      conn_ = std::make_unique<RawRespConnection>();
      s = conn_->Connect(server_->port());
    }
    return s;
  }
  void StopServer() {
    conn_.reset();
    server_->Stop();
    server_.reset();
  }

  std::string Call(std::initializer_list<std::string_view> argv) { return conn_->Call(argv); }

  // The value of one INFO persistence field.
  std::string InfoField(std::string_view name) {
    std::string info = Call({"INFO", "persistence"});
    size_t at = info.find(absl::StrCat("\r\n", ToAbsl(name), ":"));
    if (at == std::string::npos) return "<missing>";
    at += name.size() + 3;
    return info.substr(at, info.find("\r\n", at) - at);
  }

  bool WaitFor(const std::function<bool()>& done, int timeout_ms = 20000) {
    for (int waited = 0; waited < timeout_ms; waited += 10) {
      if (done()) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return done();
  }

  bool FileExists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

  // A redis-server with save rules "3600 1" saving into `redis_dir` (created), whose dir may be
  // changed (it is removed to make a save fail).
  static void StartRedisSavingInto(const std::string& redis_dir, RedisServerProcess* redis) {
    ASSERT_EQ(std::system(absl::StrCat("mkdir -p '", redis_dir, "'").c_str()), 0);
    ASSERT_TRUE(
        redis->Start({"--save", "3600 1", "--dir", redis_dir, "--enable-protected-configs", "yes"})
            .ok())
        << "the test compares with redis-server: apt-get install redis-server";
  }

  // Neither a BGSAVE nor an append-only file rewrite runs.
  bool NoJobRuns() {
    return InfoField("rdb_bgsave_in_progress") == "0" &&
           InfoField("aof_rewrite_in_progress") == "0";
  }

  std::vector<std::string> DirEntries() {
    std::vector<std::string> out;
    DIR* d = opendir(dir_.c_str());
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    closedir(d);
    std::sort(out.begin(), out.end());
    return out;
  }

  // Fills the keyspace directly with `n` keys of `size` bytes.
  void Fill(int n, size_t size) {
    std::string v(size, 'v');
    for (int i = 0; i < n; ++i) ASSERT_TRUE(keyspace_->Set(0, absl::StrCat("fill:", i), v).ok());
  }

  ManualClock clock_;
  std::string dir_, file_;
  std::unique_ptr<Keyspace> keyspace_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<RawRespConnection> conn_;
  static inline int counter_ = 0;
};

TEST_F(PersistenceServerTest, SaveWritesAndRestartLoadsEverything) {
  ASSERT_TRUE(StartServer(Options()).ok());
  EXPECT_EQ(Call({"SET", "a", "1"}), "+OK\r\n");
  EXPECT_EQ(Call({"SET", "t", "2", "PX", "60000"}), "+OK\r\n");
  EXPECT_EQ(Call({"HSET", "h", "f", "v", "g", "w"}), ":2\r\n");
  EXPECT_EQ(Call({"SELECT", "7"}), "+OK\r\n");
  EXPECT_EQ(Call({"SET", std::string_view("bin\0key", 7), std::string_view("\r\n\0", 3)}),
            "+OK\r\n");
  EXPECT_EQ(InfoField("rdb_changes_since_last_save"), "4");
  EXPECT_EQ(InfoField("rdb_saves"), "0");
  EXPECT_EQ(Call({"SAVE"}), "+OK\r\n");
  EXPECT_EQ(InfoField("rdb_changes_since_last_save"), "0");
  EXPECT_EQ(InfoField("rdb_saves"), "1");
  EXPECT_EQ(Call({"LASTSAVE"}), absl::StrCat(":", clock_.NowMs() / 1000, "\r\n"));
  EXPECT_EQ(DirEntries(), std::vector<std::string>{"dump.embedis"});
  StopServer();

  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(StartServer(Options()).ok());
  EXPECT_EQ(Call({"GET", "a"}), Bulk("1"));
  EXPECT_EQ(Call({"PTTL", "t"}), ":50000\r\n");  // the deadline is absolute
  EXPECT_EQ(Call({"HGETALL", "h"}), "*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n");
  EXPECT_EQ(Call({"SELECT", "7"}), "+OK\r\n");
  EXPECT_EQ(Call({"GET", std::string_view("bin\0key", 7)}), Bulk(std::string_view("\r\n\0", 3)));
  EXPECT_EQ(InfoField("rdb_last_load_keys_loaded"), "4");
  EXPECT_EQ(InfoField("rdb_changes_since_last_save"), "0");
}

// FUNCTION libraries are kept in the snapshot (format version 5) and come back on restart, with
// their flags; FLUSHALL does not touch them (as in Redis), a BGSAVE writes them too.
TEST_F(PersistenceServerTest, FunctionLibrariesSurviveARestart) {
  ASSERT_TRUE(StartServer(Options()).ok());
  const std::string code =
      "#!lua name=keep\nredis.register_function{function_name='kept', callback=function(keys, "
      "args) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='d'}";
  EXPECT_EQ(Call({"FUNCTION", "LOAD", code}), Bulk("keep"));
  EXPECT_EQ(Call({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(Call({"SAVE"}), "+OK\r\n");
  StopServer();

  ASSERT_TRUE(StartServer(Options()).ok());
  EXPECT_EQ(Call({"FCALL_RO", "kept", "1", "k"}), Bulk("v"));
  EXPECT_EQ(Call({"FUNCTION", "LIST", "WITHCODE"}),
            absl::StrCat("*1\r\n*8\r\n$12\r\nlibrary_name\r\n$4\r\nkeep\r\n$6\r\nengine\r\n$"
                         "3\r\nLUA\r\n$9\r\nfunctions\r\n*1\r\n*6\r\n$4\r\nname\r\n$4\r\nkept\r\n$"
                         "11\r\ndescription\r\n$1\r\nd\r\n$5\r\nflags\r\n*1\r\n+no-writes\r\n$"
                         "12\r\nlibrary_code\r\n",
                         Bulk(code)));
  EXPECT_EQ(Call({"FLUSHALL"}), "+OK\r\n");
  EXPECT_EQ(Call({"FUNCTION", "DELETE", "keep"}), "+OK\r\n");
  EXPECT_EQ(Call({"SAVE"}), "+OK\r\n");
  StopServer();

  ASSERT_TRUE(StartServer(Options()).ok());
  EXPECT_EQ(Call({"FCALL", "kept", "0"}), "-ERR Function not found\r\n");
}

TEST_F(PersistenceServerTest, BackgroundSaveAndItsErrors) {
  ASSERT_TRUE(StartServer(Options()).ok());
  Fill(300000, 100);  // big enough that a second command arrives while the first save runs
  EXPECT_EQ(Call({"BGSAVE"}), "+Background saving started\r\n");
  EXPECT_EQ(Call({"BGSAVE"}), "-ERR Background save already in progress\r\n");
  EXPECT_EQ(Call({"SAVE"}), "-ERR Background save already in progress\r\n");
  EXPECT_EQ(InfoField("rdb_bgsave_in_progress"), "1");
  // As redis-server 7.0.15: SCHEDULE does not queue a second save behind a running BGSAVE.
  EXPECT_EQ(Call({"BGSAVE", "SCHEDULE"}), "-ERR Background save already in progress\r\n");
  EXPECT_EQ(Call({"BGSAVE", "now"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Call({"SAVE", "x"}), "-ERR wrong number of arguments for 'save' command\r\n");
  // The server keeps answering while it saves.
  EXPECT_EQ(Call({"SET", "during", "save"}), "+OK\r\n");
  ASSERT_TRUE(WaitFor([&] { return InfoField("rdb_bgsave_in_progress") == "0"; }));
  EXPECT_EQ(InfoField("rdb_saves"), "1");
  EXPECT_EQ(InfoField("rdb_last_bgsave_status"), "ok");
  EXPECT_EQ(DirEntries(), std::vector<std::string>{"dump.embedis"});
  Keyspace loaded;
  absl::StatusOr<SnapshotLoadStats> stats = LoadSnapshot(file_, &loaded);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->loaded, 300000u);  // the dataset when BGSAVE began: not the later SET
}

// One background job at a time, with redis-server 7.0.15's replies (each text taken from a real
// 7.0.15 with rdb-key-save-delay making its children last): during an append-only file rewrite
// BGSAVE is refused ("Another child process is active (AOF?) ...") and BGSAVE SCHEDULE is
// scheduled, BGREWRITEAOF is "already in progress", SAVE runs; during a BGSAVE, BGSAVE (with or
// without SCHEDULE) and SAVE are "Background save already in progress" and BGREWRITEAOF is
// scheduled; inside EXEC both are scheduled. Every scheduled job then runs.
TEST_F(PersistenceServerTest, SavesAndRewritesRunOneAtATimeAsRedis) {
  ServerOptions options = Options();
  options.persistence.appendonly = true;
  ASSERT_TRUE(StartServer(options).ok());
  Fill(500000, 100);  // big enough that a few commands arrive while each job runs
  EXPECT_EQ(Call({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
  EXPECT_EQ(Call({"BGREWRITEAOF"}),
            "-ERR Background append only file rewriting already in progress\r\n");
  EXPECT_EQ(Call({"BGSAVE"}),
            "-ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
            "SCHEDULE in order to schedule a BGSAVE whenever possible.\r\n");
  EXPECT_EQ(Call({"BGSAVE", "SCHEDULE"}), "+Background saving scheduled\r\n");
  EXPECT_EQ(InfoField("aof_rewrite_in_progress"), "1");
  EXPECT_EQ(InfoField("rdb_bgsave_in_progress"), "0");
  EXPECT_EQ(Call({"SAVE"}), "+OK\r\n");
  // The scheduled BGSAVE runs once the rewrite is over.
  ASSERT_TRUE(WaitFor([&] { return InfoField("rdb_saves") == "2"; })) << InfoField("rdb_saves");
  ASSERT_TRUE(WaitFor([&] { return NoJobRuns(); }));
  EXPECT_EQ(InfoField("aof_rewrites"), "1");

  EXPECT_EQ(Call({"BGSAVE"}), "+Background saving started\r\n");
  EXPECT_EQ(Call({"BGSAVE"}), "-ERR Background save already in progress\r\n");
  EXPECT_EQ(Call({"BGSAVE", "SCHEDULE"}), "-ERR Background save already in progress\r\n");
  EXPECT_EQ(Call({"SAVE"}), "-ERR Background save already in progress\r\n");
  EXPECT_EQ(Call({"BGREWRITEAOF"}), "+Background append only file rewriting scheduled\r\n");
  EXPECT_EQ(Call({"BGREWRITEAOF"}), "+Background append only file rewriting scheduled\r\n");
  EXPECT_EQ(InfoField("aof_rewrite_scheduled"), "1");
  EXPECT_EQ(InfoField("aof_rewrite_in_progress"), "0");
  ASSERT_TRUE(WaitFor([&] { return InfoField("aof_rewrites") == "2"; }));
  ASSERT_TRUE(WaitFor([&] { return NoJobRuns(); }));
  EXPECT_EQ(InfoField("rdb_saves"), "3");

  EXPECT_EQ(Call({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(Call({"BGSAVE"}), "+QUEUED\r\n");
  EXPECT_EQ(Call({"BGREWRITEAOF"}), "+QUEUED\r\n");
  EXPECT_EQ(Call({"EXEC"}),
            "*2\r\n+Background saving scheduled\r\n+Background append only file rewriting "
            "scheduled\r\n");
  ASSERT_TRUE(WaitFor([&] {
    return InfoField("rdb_saves") == "4" && InfoField("aof_rewrites") == "3";
  })) << InfoField("rdb_saves")
      << " " << InfoField("aof_rewrites");
}

TEST_F(PersistenceServerTest, FailedBackgroundSaveIsReported) {
  ASSERT_TRUE(StartServer(Options()).ok());
  EXPECT_EQ(Call({"SET", "a", "1"}), "+OK\r\n");
  ASSERT_EQ(std::system(absl::StrCat("rm -rf '", dir_, "'").c_str()), 0);
  EXPECT_EQ(Call({"BGSAVE"}), "+Background saving started\r\n");
  ASSERT_TRUE(WaitFor([&] { return InfoField("rdb_last_bgsave_status") == "err"; }));
  EXPECT_EQ(Call({"SAVE"}), "-ERR\r\n");
  // SHUTDOWN cannot save, so the server keeps running; FORCE exits anyway.
  EXPECT_EQ(Call({"SHUTDOWN", "SAVE"}), "-ERR Errors trying to SHUTDOWN. Check logs.\r\n");
  EXPECT_EQ(Call({"PING"}), "+PONG\r\n");
  ASSERT_EQ(std::system(absl::StrCat("mkdir -p '", dir_, "'").c_str()), 0);
}

// stop-writes-on-bgsave-error, side by side with redis-server 7.0 (both with save rules, both
// saving into a directory that is then removed): after the failed BGSAVE, writes, PING and an
// EXEC of queued writes get MISCONF, reads work, a write queued in MULTI makes EXEC fail, the
// option and "save ''" lift it, and a successful save ends it. Every reply compared byte for byte.
TEST_F(PersistenceServerTest, FailedBackgroundSaveRefusesWritesWithMisconfAsRedis) {
  const std::string redis_dir = dir_ + "/redis";
  RedisServerProcess redis;
  ASSERT_NO_FATAL_FAILURE(StartRedisSavingInto(redis_dir, &redis));
  RawRespConnection theirs, theirs2;
  ASSERT_TRUE(theirs.Connect(redis.port()).ok());
  ASSERT_TRUE(theirs2.Connect(redis.port()).ok());
  ASSERT_TRUE(StartServer(Options("3600 1")).ok());
  RawRespConnection ours2;
  ASSERT_TRUE(ours2.Connect(server_->port()).ok());
  auto both = [&](RawRespConnection& a, RawRespConnection& b,
                  std::initializer_list<std::string_view> argv) {
    std::string r = a.Call(argv), o = b.Call(argv);
    std::string shown;
    for (std::string_view a : argv) absl::StrAppend(&shown, ToAbsl(a), " ");
    EXPECT_EQ(o, r) << shown;
  };
  auto same = [&](std::initializer_list<std::string_view> argv) { both(theirs, *conn_, argv); };
  auto status = [&](RawRespConnection& c) {
    std::string info = c.Call({"INFO", "persistence"});
    return info.find("rdb_last_bgsave_status:err") != std::string::npos ? "err" : "ok";
  };
  auto fail_a_save = [&] {
    ASSERT_EQ(std::system(absl::StrCat("rm -rf '", dir_, "'").c_str()), 0);
    same({"BGSAVE"});
    ASSERT_TRUE(WaitFor([&] { return std::string(status(theirs)) == "err"; }));
    ASSERT_TRUE(WaitFor([&] { return std::string(status(*conn_)) == "err"; }));
  };

  same({"SET", "a", "1"});
  // A transaction queued before the failure: its EXEC is refused after it.
  both(theirs2, ours2, {"MULTI"});
  both(theirs2, ours2, {"SET", "t", "1"});
  fail_a_save();
  both(theirs2, ours2, {"EXEC"});
  both(theirs2, ours2, {"GET", "t"});
  both(theirs2, ours2, {"EXEC"});
  same({"SET", "a", "2"});
  same({"PING"});
  same({"GET", "a"});
  same({"DEL", "a"});
  same({"EXPIRE", "a", "100"});
  same({"INCR", "n"});
  same({"HSET", "h", "f", "v"});
  same({"SET"});  // the arity error comes first
  same({"NOSUCH", "x"});
  same({"MULTI"});
  same({"SET", "a", "1"});
  same({"GET", "a"});
  same({"EXEC"});
  same({"MULTI"});
  same({"GET", "a"});
  same({"PING"});
  same({"EXEC"});
  same({"CONFIG", "GET", "stop-writes-on-bgsave-error"});
  same({"CONFIG", "SET", "stop-writes-on-bgsave-error", "no"});
  same({"SET", "a", "3"});
  same({"CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"});
  same({"SET", "a", "4"});
  same({"CONFIG", "SET", "save", ""});
  same({"SET", "a", "5"});
  same({"CONFIG", "SET", "save", "3600 1"});
  same({"SET", "a", "6"});
  // A successful save ends it.
  ASSERT_EQ(std::system(absl::StrCat("mkdir -p '", redis_dir, "'").c_str()), 0);
  // redis-server works inside its dir (chdir): it needs to be told the new directory.
  ASSERT_EQ(theirs.Call({"CONFIG", "SET", "dir", redis_dir}), "+OK\r\n");
  same({"SAVE"});
  same({"SET", "a", "7"});
  same({"GET", "a"});
  // And a later failed BGSAVE starts it again; a successful BGSAVE ends it.
  fail_a_save();
  same({"SET", "a", "8"});
  ASSERT_EQ(std::system(absl::StrCat("mkdir -p '", redis_dir, "'").c_str()), 0);
  // redis-server works inside its dir (chdir): it needs to be told the new directory.
  ASSERT_EQ(theirs.Call({"CONFIG", "SET", "dir", redis_dir}), "+OK\r\n");
  same({"BGSAVE"});
  ASSERT_TRUE(WaitFor([&] { return std::string(status(theirs)) == "ok"; }));
  ASSERT_TRUE(WaitFor([&] { return std::string(status(*conn_)) == "ok"; }));
  same({"SET", "a", "9"});
}

// When both a failed save (MISCONF) and maxmemory (OOM) apply, redis-server 7.0's processCommand
// checks maxmemory first: a denyoom write gets OOM, a write that is not denyoom (DEL, EXPIRE) and
// PING get MISCONF, reads work, and inside MULTI every command is refused with OOM, except one
// refused in MULTI (SAVE), whose error comes first. Side by side with redis-server, byte for byte.
TEST_F(PersistenceServerTest, OomIsCheckedBeforeMisconfAsRedis) {
  const std::string redis_dir = dir_ + "/redis";
  RedisServerProcess redis;
  ASSERT_NO_FATAL_FAILURE(StartRedisSavingInto(redis_dir, &redis));
  RawRespConnection theirs;
  ASSERT_TRUE(theirs.Connect(redis.port()).ok());
  ASSERT_TRUE(StartServer(Options("3600 1")).ok());
  auto same = [&](std::initializer_list<std::string_view> argv) {
    std::string r = theirs.Call(argv), o = conn_->Call(argv);
    std::string shown;
    for (std::string_view a : argv) absl::StrAppend(&shown, ToAbsl(a), " ");
    EXPECT_EQ(o, r) << shown;
  };
  auto status = [&](RawRespConnection& c) {
    std::string info = c.Call({"INFO", "persistence"});
    return info.find("rdb_last_bgsave_status:err") != std::string::npos ? "err" : "ok";
  };
  same({"SET", "a", "1"});
  ASSERT_EQ(std::system(absl::StrCat("rm -rf '", dir_, "'").c_str()), 0);
  same({"BGSAVE"});
  ASSERT_TRUE(WaitFor([&] { return std::string(status(theirs)) == "err"; }));
  ASSERT_TRUE(WaitFor([&] { return std::string(status(*conn_)) == "err"; }));
  same({"SET", "a", "2"});                    // MISCONF alone
  same({"CONFIG", "SET", "maxmemory", "1"});  // below what either uses: always over, noeviction
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"SET", "a", "3"},
           {"INCR", "n"},
           {"HSET", "h", "f", "v"},
           {"GET", "a"},
           {"PING"},
           {"DEL", "a"},
           {"EXPIRE", "a", "100"},
           {"MULTI"},
           {"SET", "a", "4"},
           {"EXEC"},
           {"MULTI"},
           {"GET", "a"},
           {"EXEC"},
           {"MULTI"},
           {"SAVE"},
           {"EXEC"},
           {"SET"},
       }) {
    EXPECT_EQ(conn_->Call(argv), theirs.Call(argv)) << argv[0];
  }
  same({"CONFIG", "SET", "maxmemory", "0"});
  same({"SET", "a", "5"});  // MISCONF again
  same({"CONFIG", "SET", "save", ""});
  same({"SET", "a", "6"});
  ASSERT_EQ(std::system(absl::StrCat("mkdir -p '", dir_, "'").c_str()), 0);
}

TEST_F(PersistenceServerTest, SaveRulesFollowTheClock) {
  ASSERT_TRUE(StartServer(Options("10 2")).ok());
  EXPECT_EQ(Call({"CONFIG", "GET", "save"}), "*2\r\n$4\r\nsave\r\n$4\r\n10 2\r\n");
  EXPECT_EQ(Call({"SET", "a", "1"}), "+OK\r\n");
  clock_.Advance(absl::Seconds(11));
  std::this_thread::sleep_for(milliseconds(400));  // 1 change < 2: nothing happens
  EXPECT_FALSE(FileExists(file_));
  EXPECT_EQ(Call({"SET", "b", "2"}), "+OK\r\n");
  ASSERT_TRUE(WaitFor([&] { return InfoField("rdb_saves") == "1"; }));
  EXPECT_TRUE(FileExists(file_));
  EXPECT_EQ(InfoField("rdb_last_save_time"), std::to_string(clock_.NowMs() / 1000));
  // Not again until 10 more seconds and 2 more changes.
  EXPECT_EQ(Call({"SET", "c", "3"}), "+OK\r\n");
  EXPECT_EQ(Call({"SET", "d", "4"}), "+OK\r\n");
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_EQ(InfoField("rdb_saves"), "1");
  clock_.Advance(absl::Seconds(11));
  ASSERT_TRUE(WaitFor([&] { return InfoField("rdb_saves") == "2"; }));
  // CONFIG SET save replaces the rules; "" disables them.
  EXPECT_EQ(Call({"CONFIG", "SET", "save", "100 x"}),
            "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save "
            "parameters\r\n");
  EXPECT_EQ(Call({"CONFIG", "SET", "save", ""}), "+OK\r\n");
  EXPECT_EQ(Call({"CONFIG", "GET", "save"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  EXPECT_EQ(Call({"SET", "e", "5"}), "+OK\r\n");
  EXPECT_EQ(Call({"SET", "f", "6"}), "+OK\r\n");
  clock_.Advance(absl::Seconds(100));
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_EQ(InfoField("rdb_saves"), "2");
  EXPECT_EQ(Call({"CONFIG", "SET", "save", "1 1"}), "+OK\r\n");
  ASSERT_TRUE(WaitFor([&] { return InfoField("rdb_saves") == "3"; }));
}

TEST_F(PersistenceServerTest, ConfigShowsDirAndDbfilename) {
  ServerOptions o = Options("3600 1 300 100 60 10000");
  o.persistence.dbfilename = "sessions.embedis";
  ASSERT_TRUE(StartServer(o).ok());
  EXPECT_EQ(Call({"CONFIG", "GET", "dir"}), absl::StrCat("*2\r\n$3\r\ndir\r\n", Bulk(dir_)));
  EXPECT_EQ(Call({"CONFIG", "GET", "dbfilename"}),
            "*2\r\n$10\r\ndbfilename\r\n$16\r\nsessions.embedis\r\n");
  EXPECT_EQ(Call({"CONFIG", "GET", "save"}),
            "*2\r\n$4\r\nsave\r\n$23\r\n3600 1 300 100 60 10000\r\n");
  EXPECT_EQ(Call({"SAVE"}), "+OK\r\n");
  EXPECT_TRUE(FileExists(dir_ + "/sessions.embedis"));
}

TEST_F(PersistenceServerTest, StopSavesWhenRulesAreSet) {
  ASSERT_TRUE(StartServer(Options("3600 1")).ok());
  EXPECT_EQ(Call({"SET", "a", "1"}), "+OK\r\n");
  StopServer();  // as SIGTERM does in embedis-server
  ASSERT_TRUE(StartServer(Options("3600 1")).ok());
  EXPECT_EQ(Call({"GET", "a"}), Bulk("1"));
}

TEST_F(PersistenceServerTest, StopWithoutRulesDoesNotSave) {
  ASSERT_TRUE(StartServer(Options("")).ok());
  EXPECT_EQ(Call({"SET", "a", "1"}), "+OK\r\n");
  StopServer();
  EXPECT_FALSE(FileExists(file_));
}

TEST_F(PersistenceServerTest, ShutdownNosaveLosesWritesSinceTheLastSave) {
  ASSERT_TRUE(StartServer(Options("3600 1")).ok());
  EXPECT_EQ(Call({"SET", "saved", "1"}), "+OK\r\n");
  EXPECT_EQ(Call({"SAVE"}), "+OK\r\n");
  EXPECT_EQ(Call({"SET", "lost", "2"}), "+OK\r\n");
  EXPECT_EQ(Call({"SHUTDOWN", "SAVE", "NOSAVE"}), "-ERR syntax error\r\n");
  Call({"SHUTDOWN", "NOSAVE"});  // no reply: the connection closes
  server_->Wait();
  StopServer();
  ASSERT_TRUE(StartServer(Options("3600 1")).ok());
  EXPECT_EQ(Call({"GET", "saved"}), Bulk("1"));
  EXPECT_EQ(Call({"GET", "lost"}), "$-1\r\n");
}

TEST_F(PersistenceServerTest, ShutdownSaveSavesWithoutRules) {
  ASSERT_TRUE(StartServer(Options("")).ok());
  EXPECT_EQ(Call({"SET", "a", "1"}), "+OK\r\n");
  Call({"SHUTDOWN", "SAVE"});
  server_->Wait();
  EXPECT_TRUE(FileExists(file_));  // saved before the connection closed
  StopServer();
  ASSERT_TRUE(StartServer(Options("")).ok());
  EXPECT_EQ(Call({"GET", "a"}), Bulk("1"));
}

TEST_F(PersistenceServerTest, StopCancelsABackgroundSaveAndSavesOnce) {
  ASSERT_TRUE(StartServer(Options("3600 1")).ok());
  Fill(200000, 100);
  EXPECT_EQ(Call({"BGSAVE"}), "+Background saving started\r\n");
  EXPECT_EQ(Call({"SET", "last", "write"}), "+OK\r\n");
  StopServer();
  EXPECT_EQ(DirEntries(), std::vector<std::string>{"dump.embedis"});
  Keyspace loaded;
  absl::StatusOr<SnapshotLoadStats> stats = LoadSnapshot(file_, &loaded);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->loaded, 200001u);
}

TEST_F(PersistenceServerTest, DamagedSnapshotRefusesToStart) {
  {
    std::ofstream out(file_, std::ios::binary);
    out << "\x89"
           "EMBEDIS and then garbage";
  }
  absl::Status s = StartServer(Options());
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find(file_), std::string::npos) << s;
  EXPECT_NE(s.message().find("--on-corrupt-snapshot start-empty"), std::string::npos) << s;
  EXPECT_EQ(DirEntries(), std::vector<std::string>{"dump.embedis"});  // untouched
}

TEST_F(PersistenceServerTest, DamagedSnapshotIsMovedAsideWhenAsked) {
  {
    std::ofstream out(file_, std::ios::binary);
    out << "not a snapshot";
  }
  ServerOptions o = Options();
  o.persistence.start_empty_on_corrupt = true;
  ASSERT_TRUE(StartServer(o).ok());
  EXPECT_EQ(Call({"DBSIZE"}), ":0\r\n");
  std::vector<std::string> entries = DirEntries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0], absl::StrCat("dump.embedis.corrupt-", clock_.NowMs() / 1000));
}

TEST_F(PersistenceServerTest, NewerFormatIsRefusedEvenWithStartEmpty) {
  {
    Keyspace ks;
    ASSERT_TRUE(ks.Set(0, "k", "v").ok());
    ASSERT_TRUE(WriteSnapshot(ks, file_).ok());
    std::fstream f(file_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(9);
    f.put(static_cast<char>(kSnapshotFormatVersion + 1));
  }
  ServerOptions o = Options();
  o.persistence.start_empty_on_corrupt = true;
  absl::Status s = StartServer(o);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find("is newer than this embedis supports"), std::string::npos) << s;
}

TEST_F(PersistenceServerTest, BadOptionsAreRefusedAtStart) {
  ServerOptions o = Options();
  o.persistence.dbfilename = "a/b";
  EXPECT_EQ(StartServer(o).code(), absl::StatusCode::kInvalidArgument);
  o = Options();
  o.persistence.dir = dir_ + "/missing";
  EXPECT_EQ(StartServer(o).code(), absl::StatusCode::kFailedPrecondition);
  o = Options("1 2 3");
  EXPECT_EQ(StartServer(o).code(), absl::StatusCode::kInvalidArgument);
}

TEST(PersistenceDisabled, CommandsSayPersistenceIsOff) {
  Keyspace ks;
  ServerOptions o;
  o.port = 0;
  o.loglevel = "warning";
  Server server(&ks, o);
  ASSERT_TRUE(server.Start().ok());
  RawRespConnection c;
  ASSERT_TRUE(c.Connect(server.port()).ok());
  EXPECT_EQ(c.Call({"SAVE"}), "-ERR persistence is disabled on this server\r\n");
  EXPECT_EQ(c.Call({"BGSAVE"}), "-ERR persistence is disabled on this server\r\n");
  EXPECT_EQ(c.Call({"CONFIG", "GET", "save"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  EXPECT_NE(c.Call({"INFO", "persistence"}).find("rdb_bgsave_in_progress:0"), std::string::npos);
  server.Stop();
}

}  // namespace
}  // namespace embedis::testing
