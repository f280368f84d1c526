// The append-only file (server/aof.h) with the real embedis-server binary:
//   - appendfsync always, SIGKILL at random moments under a pipelined write load, many times:
//     every write acknowledged to a client is there after the restart, in order, exactly once;
//   - the same with everysec (SIGKILL keeps what was write()n: nothing acknowledged is lost);
//   - BGREWRITEAOF repeatedly under load, then SIGKILL: nothing lost;
//   - a tail cut short by a crash is repaired (aof-load-truncated yes) or refused (no);
//   - damage in the middle refuses the start, naming the file and the byte offset;
//   - a full disk (a 1 MB tmpfs) gives MISCONF for writes, reads keep working, and writes are
//     accepted again once space returns;
//   - CONFIG SET appendonly yes at run time writes a base, and the data survives a restart;
//   - differential with redis-server 7: CONFIG GET/SET of the AOF parameters, BGREWRITEAOF's
//     reply, the INFO persistence field names.
// Longer by hand: AOF_KILL_ROUNDS=1000 bazel test //tests/server:aof_binary_test
// --test_env=AOF_KILL_ROUNDS=1000 --test_filter='*Kill*'.
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/util/strings.h"
#include "tests/server/embedis_process.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

int64_t Int(const std::string& reply) {
  int64_t v = -999;
  if (reply.size() > 3 && reply[0] == ':') {
    if (!absl::SimpleAtoi(reply.substr(1, reply.size() - 3), &v)) v = -998;
  }
  return v;
}

// The RESP array of bulk strings `reply` holds, as strings.
std::vector<std::string> Bulks(const std::string& reply) {
  std::vector<std::string> out;
  size_t pos = reply.find("\r\n");
  while (pos != std::string::npos && pos + 2 < reply.size()) {
    pos += 2;
    if (reply[pos] != '$') break;
    size_t eol = reply.find("\r\n", pos);
    int64_t len = 0;
    if (!absl::SimpleAtoi(reply.substr(pos + 1, eol - pos - 1), &len) || len < 0) break;
    out.push_back(reply.substr(eol + 2, static_cast<size_t>(len)));
    pos = eol + 2 + static_cast<size_t>(len);
  }
  return out;
}

class AofBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/aof_binary_", getpid(), "_", counter_++);
    ASSERT_EQ(std::system(absl::StrCat("rm -rf '", dir_, "' && mkdir -p '", dir_, "'").c_str()), 0);
  }
  void TearDown() override { std::system(absl::StrCat("rm -rf '", dir_, "'").c_str()); }

  bool Start(EmbedisProcess& p, std::vector<std::string> args) {
    std::vector<std::string> all = {"--save", "", "--appendonly", "yes"};
    all.insert(all.end(), args.begin(), args.end());
    return p.Start(std::move(all),
                   {.dir = dir_, .attempts = 3, .ready_timeout = absl::Seconds(60)});
  }
  std::string Incr() const {
    return absl::StrCat(dir_, "/appendonlydir/appendonly.aof.1.incr.aof");
  }

  // A client pushing 0, 1, 2, ... to list `key` in pipelined batches of 16 until the connection
  // fails; `acked` is the number of pushes whose reply arrived.
  static void Pusher(int port, std::string key, std::atomic<int64_t>* acked) {
    RawRespConnection c;
    if (!c.Connect(port).ok()) return;
    int64_t next = 0;
    while (true) {
      std::string batch;
      for (int i = 0; i < 16; ++i) {
        std::string v = std::to_string(next + i);
        absl::StrAppend(&batch, "*3\r\n$5\r\nRPUSH\r\n$", key.size(), "\r\n", key, "\r\n$",
                        v.size(), "\r\n", v, "\r\n");
      }
      if (!c.SendRaw(batch).ok()) return;
      for (int i = 0; i < 16; ++i) {
        std::string r = c.ReadReply();
        if (r.empty() || r[0] != ':') return;
        acked->store(Int(r), std::memory_order_relaxed);
      }
      next += 16;
    }
  }

  // After a restart: `key` holds exactly 0..n-1 with n >= acked.
  static void CheckList(RawRespConnection& c, const std::string& key, int64_t acked, int round) {
    std::vector<std::string> got = Bulks(c.Call({"LRANGE", key, "0", "-1"}));
    ASSERT_GE(static_cast<int64_t>(got.size()), acked) << "round " << round << " key " << key;
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i], std::to_string(i)) << "round " << round << " key " << key;
    }
  }

  // Rounds of: start, push from two clients, SIGKILL at a random moment, restart, check.
  void KillRounds(const std::string& fsync, int rounds, bool rewrite) {
    std::mt19937 rng(12345);
    std::vector<int64_t> expected = {0, 0};
    for (int round = 0; round < rounds; ++round) {
      EmbedisProcess p;
      ASSERT_TRUE(Start(p, {"--appendfsync", fsync, "--io-threads", "2"})) << p.Log();
      {
        RawRespConnection check;
        ASSERT_TRUE(check.Connect(p.port()).ok());
        CheckList(check, "a", expected[0], round);
        CheckList(check, "b", expected[1], round);
        // Start each round afresh so the log stays small.
        ASSERT_EQ(check.Call({"DEL", "a", "b"}).substr(0, 1), ":");
      }
      std::atomic<int64_t> acked_a{0}, acked_b{0};
      std::thread ta(Pusher, p.port(), "a", &acked_a);
      std::thread tb(Pusher, p.port(), "b", &acked_b);
      // The kill comes at a random moment once the load runs.
      for (int i = 0; i < 500 && acked_a.load() + acked_b.load() == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 60));
      if (rewrite) {
        RawRespConnection admin;
        ASSERT_TRUE(admin.Connect(p.port()).ok());
        for (int i = 0; i < 3; ++i) {
          std::string r = admin.Call({"BGREWRITEAOF"});
          EXPECT_TRUE(r.find("rewriting") != std::string::npos) << r;
          std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 40));
        }
      }
      p.Kill();
      ta.join();
      tb.join();
      expected = {acked_a.load(), acked_b.load()};
      ASSERT_GT(expected[0] + expected[1], 0) << "no write was acknowledged in round " << round;
    }
    EmbedisProcess p;
    ASSERT_TRUE(Start(p, {})) << p.Log();
    RawRespConnection check;
    ASSERT_TRUE(check.Connect(p.port()).ok());
    CheckList(check, "a", expected[0], rounds);
    CheckList(check, "b", expected[1], rounds);
  }

  // Starts the server with `args`, runs `commands` (each must succeed) and SIGKILLs it.
  void RunThenKill(std::vector<std::string> args,
                   const std::vector<std::vector<std::string>>& commands) {
    EmbedisProcess p;
    ASSERT_TRUE(Start(p, std::move(args))) << p.Log();
    RawRespConnection c;
    ASSERT_TRUE(c.Connect(p.port()).ok());
    for (const std::vector<std::string>& cmd : commands) {
      const std::string r = c.Call(cmd);
      ASSERT_TRUE(!r.empty() && r[0] != '-') << absl::StrJoin(cmd, " ") << ": " << r;
    }
    p.Kill();
  }

  std::string dir_;
  static inline int counter_ = 0;
};

int KillRoundsFromEnv(int fallback) {
  const char* v = std::getenv("AOF_KILL_ROUNDS");
  int n = 0;
  return v != nullptr && absl::SimpleAtoi(v, &n) && n > 0 ? n : fallback;
}

TEST_F(AofBinaryTest, KillNineWithAlwaysLosesNoAcknowledgedWrite) {
  KillRounds("always", KillRoundsFromEnv(50), /*rewrite=*/false);
}

TEST_F(AofBinaryTest, KillNineWithEverysecLosesNoAcknowledgedWrite) {
  // SIGKILL keeps what was write()n before the replies left; only a power loss could lose the
  // last second (not testable here).
  KillRounds("everysec", KillRoundsFromEnv(10), /*rewrite=*/false);
}

TEST_F(AofBinaryTest, KillNineDuringRewritesUnderLoadLosesNothing) {
  KillRounds("always", KillRoundsFromEnv(10), /*rewrite=*/true);
}

TEST_F(AofBinaryTest, RestartKeepsDataTtlsAndDatabases) {
  {
    EmbedisProcess p;
    ASSERT_TRUE(Start(p, {})) << p.Log();
    RawRespConnection c;
    ASSERT_TRUE(c.Connect(p.port()).ok());
    EXPECT_EQ(c.Call({"SET", "s", "v", "EX", "1000"}), "+OK\r\n");
    EXPECT_EQ(c.Call({"SET", "gone", "v", "PX", "50"}), "+OK\r\n");
    EXPECT_EQ(c.Call({"HSET", "h", "f", "1"}), ":1\r\n");
    EXPECT_EQ(c.Call({"SELECT", "5"}), "+OK\r\n");
    EXPECT_EQ(c.Call({"SADD", "set", "x", "y", "z"}), ":3\r\n");
    EXPECT_EQ(c.Call({"SPOP", "set"}).substr(0, 1), "$");
    EXPECT_EQ(c.Call({"INCRBYFLOAT", "f", "2.5"}), "$3\r\n2.5\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    p.Kill();
  }
  EmbedisProcess p;
  ASSERT_TRUE(Start(p, {})) << p.Log();
  RawRespConnection c;
  ASSERT_TRUE(c.Connect(p.port()).ok());
  EXPECT_EQ(c.Call({"GET", "s"}), "$1\r\nv\r\n");
  const int64_t ttl = Int(c.Call({"TTL", "s"}));
  EXPECT_GT(ttl, 990);
  EXPECT_LE(ttl, 1000);
  EXPECT_EQ(c.Call({"EXISTS", "gone"}), ":0\r\n");
  EXPECT_EQ(c.Call({"HGET", "h", "f"}), "$1\r\n1\r\n");
  EXPECT_EQ(c.Call({"SELECT", "5"}), "+OK\r\n");
  EXPECT_EQ(c.Call({"SCARD", "set"}), ":2\r\n");
  EXPECT_EQ(c.Call({"GET", "f"}), "$3\r\n2.5\r\n");
}

TEST_F(AofBinaryTest, AutomaticRewriteOnGrowth) {
  {
    EmbedisProcess p;
    ASSERT_TRUE(
        Start(p, {"--auto-aof-rewrite-min-size", "4kb", "--auto-aof-rewrite-percentage", "100"}))
        << p.Log();
    RawRespConnection c;
    ASSERT_TRUE(c.Connect(p.port()).ok());
    EXPECT_NE(c.Call({"INFO", "persistence"}).find("aof_rewrites:0"), std::string::npos);
    for (int i = 0; i < 300; ++i) {
      ASSERT_EQ(c.Call({"INCR", absl::StrCat("counter", i % 7)}).substr(0, 1), ":");
    }
    bool rewrote = false;
    for (int t = 0; t < 100 && !rewrote; ++t) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const std::string info = c.Call({"INFO", "persistence"});
      rewrote = info.find("aof_rewrites:0") == std::string::npos &&
                info.find("aof_rewrite_in_progress:0") != std::string::npos;
    }
    EXPECT_TRUE(rewrote) << c.Call({"INFO", "persistence"});
    EXPECT_NE(p.Log().find("Starting automatic rewriting of AOF on"), std::string::npos) << p.Log();
    p.Kill();
  }
  EmbedisProcess p;
  ASSERT_TRUE(Start(p, {})) << p.Log();
  RawRespConnection c;
  ASSERT_TRUE(c.Connect(p.port()).ok());
  int64_t total = 0;
  for (int i = 0; i < 7; ++i)
    total += std::stoll(Bulks("*1\r\n" + c.Call({"GET", absl::StrCat("counter", i)}))[0]);
  EXPECT_EQ(total, 300);
}

TEST_F(AofBinaryTest, LeftoversOfAKilledRewriteAreRemoved) {
  RunThenKill({}, {{"SET", "a", "1"}});
  const std::string folder = dir_ + "/appendonlydir/";
  WriteFile(folder + "appendonly.aof.7.base.embedis", "orphan");
  WriteFile(folder + "appendonly.aof.7.base.embedis.tmp-999999-1", "partial");
  WriteFile(folder + "unrelated.txt", "kept");
  EmbedisProcess p;
  ASSERT_TRUE(Start(p, {})) << p.Log();
  EXPECT_NE(p.Log().find("Removed 2 file(s) a killed AOF rewrite left behind"), std::string::npos)
      << p.Log();
  EXPECT_EQ(ReadFile(folder + "appendonly.aof.7.base.embedis"), "");
  EXPECT_EQ(ReadFile(folder + "unrelated.txt"), "kept");
  RawRespConnection c;
  ASSERT_TRUE(c.Connect(p.port()).ok());
  EXPECT_EQ(c.Call({"GET", "a"}), "$1\r\n1\r\n");
}

TEST_F(AofBinaryTest, TruncatedTailIsRepairedOrRefused) {
  RunThenKill({"--appendfsync", "always"}, {{"SET", "a", "1"}, {"SET", "b", "2"}});
  const std::string good = ReadFile(Incr());
  ASSERT_FALSE(good.empty());
  WriteFile(Incr(), good + "*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\n12");  // cut mid-command
  {
    EmbedisProcess p;
    ASSERT_FALSE(Start(p, {"--aof-load-truncated", "no"}));
    EXPECT_NE(p.Log().find("Unexpected end of file"), std::string::npos) << p.Log();
  }
  EmbedisProcess p;
  ASSERT_TRUE(Start(p, {})) << p.Log();
  EXPECT_NE(p.Log().find(absl::StrCat("Truncating the AOF appendonly.aof.1.incr.aof at offset ",
                                      good.size())),
            std::string::npos)
      << p.Log();
  RawRespConnection c;
  ASSERT_TRUE(c.Connect(p.port()).ok());
  EXPECT_EQ(c.Call({"MGET", "a", "b", "c"}), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n");
  p.Kill();
  EXPECT_EQ(ReadFile(Incr()), good);  // the partial command is gone from the file
}

TEST_F(AofBinaryTest, IncompleteTransactionAtTheEndIsReverted) {
  RunThenKill({}, {{"SET", "a", "1"}});
  const std::string good = ReadFile(Incr());
  WriteFile(Incr(), good + "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n2\r\n");
  EmbedisProcess p;
  ASSERT_TRUE(Start(p, {})) << p.Log();
  EXPECT_NE(p.Log().find("Revert incomplete MULTI/EXEC"), std::string::npos) << p.Log();
  RawRespConnection c;
  ASSERT_TRUE(c.Connect(p.port()).ok());
  EXPECT_EQ(c.Call({"GET", "a"}), "$1\r\n1\r\n");
}

TEST_F(AofBinaryTest, CorruptMiddleRefusesToStartNamingFileAndOffset) {
  {
    EmbedisProcess p;
    ASSERT_TRUE(Start(p, {})) << p.Log();
    RawRespConnection c;
    ASSERT_TRUE(c.Connect(p.port()).ok());
    for (int i = 0; i < 20; ++i) {
      EXPECT_EQ(c.Call({"SET", absl::StrCat("k", i), "v"}), "+OK\r\n");
    }
    p.Kill();
  }
  std::string data = ReadFile(Incr());
  // Damage the length line of the 10th SET: "$3\r\nSET" -> "$X\r\nSET".
  size_t at = 0;
  for (int i = 0; i < 10; ++i) at = data.find("$3\r\nSET", at + 1);
  ASSERT_NE(at, std::string::npos);
  const size_t command_start = data.rfind('*', at);
  data[at + 1] = 'X';
  WriteFile(Incr(), data);
  EmbedisProcess p;
  ASSERT_FALSE(Start(p, {}));
  const std::string log = p.Log();
  EXPECT_NE(log.find("Bad file format reading the append only file"), std::string::npos) << log;
  EXPECT_NE(log.find("appendonly.aof.1.incr.aof"), std::string::npos) << log;
  EXPECT_NE(log.find(absl::StrCat("at byte offset ", command_start)), std::string::npos) << log;
}

TEST_F(AofBinaryTest, ConfigSetAppendonlyAtRunTimeWritesABase) {
  {
    EmbedisProcess p;
    ASSERT_TRUE(p.Start({"--save", ""}, {.dir = dir_})) << p.Log();
    RawRespConnection c;
    ASSERT_TRUE(c.Connect(p.port()).ok());
    EXPECT_EQ(c.Call({"SET", "before", "1"}), "+OK\r\n");
    EXPECT_EQ(c.Call({"CONFIG", "SET", "appendonly", "yes"}), "+OK\r\n");
    EXPECT_EQ(c.Call({"SET", "after", "2"}), "+OK\r\n");
    for (int i = 0; i < 100 && c.Call({"INFO", "persistence"}).find("aof_rewrite_in_progress:0") ==
                                   std::string::npos;
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    p.Kill();
  }
  EmbedisProcess p;
  ASSERT_TRUE(Start(p, {})) << p.Log();
  RawRespConnection c;
  ASSERT_TRUE(c.Connect(p.port()).ok());
  EXPECT_EQ(c.Call({"MGET", "before", "after"}), "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
}

TEST_F(AofBinaryTest, FullDiskGivesMisconfAndRecovers) {
  const std::string mnt = dir_ + "/tmpfs";
  ASSERT_EQ(std::system(absl::StrCat("mkdir -p '", mnt, "'").c_str()), 0);
  ASSERT_EQ(::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m"), 0)
      << "this test mounts a 1 MB tmpfs and must run as root (or with CAP_SYS_ADMIN): "
      << std::strerror(errno);
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  // Most of the space is taken by a filler that is removed later ("space returns").
  WriteFile(mnt + "/filler", std::string(700 * 1024, 'f'));
  EmbedisProcess p;
  ASSERT_TRUE(
      p.Start({"--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", mnt},
              {.dir = dir_}))
      << p.Log();
  RawRespConnection c;
  ASSERT_TRUE(c.Connect(p.port()).ok());
  EXPECT_EQ(c.Call({"SET", "keep", "me"}), "+OK\r\n");
  const std::string value(4096, 'x');
  std::string reply;
  int i = 0;
  for (; i < 2000; ++i) {
    reply = c.Call({"SET", absl::StrCat("k", i), value});
    if (reply != "+OK\r\n") break;
  }
  EXPECT_EQ(reply, "-MISCONF Errors writing to the AOF file: No space left on device\r\n")
      << "after " << i << " writes";
  EXPECT_EQ(c.Call({"GET", "keep"}), "$2\r\nme\r\n");  // reads keep working
  EXPECT_EQ(c.Call({"DEL", "keep"}),
            "-MISCONF Errors writing to the AOF file: No space left on device\r\n");
  EXPECT_NE(c.Call({"INFO", "persistence"}).find("aof_last_write_status:err"), std::string::npos);
  ASSERT_EQ(::unlink((mnt + "/filler").c_str()), 0);
  bool recovered = false;
  for (int t = 0; t < 50 && !recovered; ++t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    recovered = c.Call({"SET", "again", "1"}) == "+OK\r\n";
  }
  EXPECT_TRUE(recovered) << p.Log();
  EXPECT_NE(c.Call({"INFO", "persistence"}).find("aof_last_write_status:ok"), std::string::npos);
  p.Kill();
  // Everything acknowledged is in the log.
  EmbedisProcess q;
  ASSERT_TRUE(q.Start({"--save", "", "--appendonly", "yes", "--dir", mnt}, {.dir = dir_}))
      << q.Log();
  RawRespConnection d;
  ASSERT_TRUE(d.Connect(q.port()).ok());
  EXPECT_EQ(d.Call({"GET", "keep"}), "$2\r\nme\r\n");
  EXPECT_EQ(d.Call({"GET", "again"}), "$1\r\n1\r\n");
  EXPECT_EQ(d.Call({"STRLEN", absl::StrCat("k", i - 1)}), ":4096\r\n");
  q.Kill();
}

// ---- Differential with redis-server 7 ----

TEST_F(AofBinaryTest, ConfigAndCommandsMatchRedis) {
  RedisServerProcess redis;
  ASSERT_TRUE(redis.Start({"--appendonly", "yes"}).ok())
      << "install redis-server 7 (apt-get install redis-server)";
  EmbedisProcess p;
  ASSERT_TRUE(Start(p, {})) << p.Log();
  RawRespConnection r, e;
  ASSERT_TRUE(r.Connect(redis.port()).ok());
  ASSERT_TRUE(e.Connect(p.port()).ok());
  const std::vector<std::vector<std::string>> commands = {
      {"CONFIG", "GET", "appendonly"},
      {"CONFIG", "GET", "appendfsync"},
      {"CONFIG", "GET", "appendfilename"},
      {"CONFIG", "GET", "appenddirname"},
      {"CONFIG", "GET", "auto-aof-rewrite-percentage"},
      {"CONFIG", "GET", "auto-aof-rewrite-min-size"},
      {"CONFIG", "GET", "aof-load-truncated"},
      {"CONFIG", "GET", "aof-use-rdb-preamble"},
      {"CONFIG", "SET", "appendfsync", "sometimes"},
      {"CONFIG", "SET", "appendfsync", "always"},
      {"CONFIG", "GET", "appendfsync"},
      {"CONFIG", "SET", "appendfsync", "everysec"},
      {"CONFIG", "SET", "appendfilename", "x.aof"},
      {"CONFIG", "SET", "appenddirname", "other"},
      {"CONFIG", "SET", "auto-aof-rewrite-percentage", "-1"},
      {"CONFIG", "SET", "auto-aof-rewrite-percentage", "50"},
      {"CONFIG", "GET", "auto-aof-rewrite-percentage"},
      {"CONFIG", "SET", "auto-aof-rewrite-min-size", "abc"},
      {"CONFIG", "SET", "auto-aof-rewrite-min-size", "1mb"},
      {"CONFIG", "GET", "auto-aof-rewrite-min-size"},
      {"CONFIG", "SET", "aof-load-truncated", "maybe"},
      {"CONFIG", "SET", "appendonly", "maybe"},
      {"BGREWRITEAOF", "now"},
      {"BGREWRITEAOF"},
  };
  for (const std::vector<std::string>& cmd : commands) {
    EXPECT_EQ(e.Call(cmd), r.Call(cmd)) << absl::StrJoin(cmd, " ");
  }
  // INFO persistence: the same aof_* field names, in the same order.
  auto aof_fields = [](const std::string& info) {
    std::vector<std::string> names;
    for (absl::string_view line : absl::StrSplit(info, "\r\n")) {
      if (absl::StartsWith(line, "aof_")) names.emplace_back(line.substr(0, line.find(':')));
    }
    return names;
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // both rewrites done
  EXPECT_EQ(aof_fields(e.Call({"INFO", "persistence"})),
            aof_fields(r.Call({"INFO", "persistence"})));
  EXPECT_NE(e.Call({"INFO", "persistence"}).find("aof_enabled:1"), std::string::npos);
}

}  // namespace
}  // namespace embedis::testing
