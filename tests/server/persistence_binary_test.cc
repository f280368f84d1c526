// Persistence with the real embedis-server binary: restarts keep every key and its TTL (which
// keeps counting down), SHUTDOWN NOSAVE loses what was written since the last save, a damaged
// snapshot stops the start with a clear message, and SIGKILL at random moments of a large
// background save always leaves the previous snapshot loadable.
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/keyspace/snapshot.h"
#include "lib/util/strings.h"
#include "tests/server/embedis_process.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class PersistenceBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/persistence_binary_", getpid(), "_", counter_++);
    ASSERT_EQ(std::system(absl::StrCat("rm -rf '", dir_, "' && mkdir -p '", dir_, "'").c_str()), 0);
    file_ = dir_ + "/dump.embedis";
  }
  void TearDown() override { std::system(absl::StrCat("rm -rf '", dir_, "'").c_str()); }

  // Starts the server with its snapshot (and log) in dir_; a large snapshot may take a while to
  // load under sanitizers.
  bool Start(EmbedisProcess& p, std::vector<std::string> args = {}) {
    return p.Start(std::move(args), {.dir = dir_, .ready_timeout = absl::Seconds(60)});
  }

  std::unique_ptr<RawRespConnection> Connect(const EmbedisProcess& p) {
    auto c = std::make_unique<RawRespConnection>();
    EXPECT_TRUE(c->Connect(p.port()).ok());
    return c;
  }

  static int64_t Int(const std::string& reply) {
    int64_t v = -999;
    if (reply.size() > 3 && reply[0] == ':') {
      EXPECT_TRUE(absl::SimpleAtoi(reply.substr(1, reply.size() - 3), &v)) << reply;
    }
    return v;
  }

  // Loads `n` keys "key:<i>" with `size`-byte values, pipelined.
  static void Fill(RawRespConnection& c, int n, size_t size, std::string_view tag) {
    const std::string value(size, 'v');
    constexpr int kBatch = 5000;
    for (int start = 0; start < n; start += kBatch) {
      std::string batch;
      const int end = std::min(n, start + kBatch);
      for (int i = start; i < end; ++i) {
        std::string key = absl::StrCat("key:", i);
        std::string v = absl::StrCat(ToAbsl(tag), value);
        absl::StrAppend(&batch, "*3\r\n$3\r\nSET\r\n$", key.size(), "\r\n", key, "\r\n$", v.size(),
                        "\r\n", v, "\r\n");
      }
      ASSERT_TRUE(c.SendRaw(batch).ok());
      for (int i = start; i < end; ++i) ASSERT_EQ(c.ReadReply(), "+OK\r\n");
    }
  }

  std::string dir_, file_;
  static inline int counter_ = 0;
};

TEST_F(PersistenceBinaryTest, SigtermSavesAndRestartRestoresEverythingWithTtlsCountingDown) {
  EmbedisProcess p;
  ASSERT_TRUE(Start(p)) << p.Log();  // default save rules: SIGTERM saves
  auto c = Connect(p);
  EXPECT_EQ(c->Call({"SET", "plain", "value"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"SET", "session", "data", "EX", "60"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"HSET", "hash", "b", "2", "a", "1"}), ":2\r\n");
  EXPECT_EQ(c->Call({"PEXPIRE", "hash", "120000"}), ":1\r\n");
  EXPECT_EQ(c->Call({"SET", "short", "x", "PX", "300"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"SELECT", "15"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"SET", std::string_view("k\0\xff", 3), std::string_view("\0\r\n", 3)}),
            "+OK\r\n");
  c.reset();
  const auto saved_at = Clock::now();
  p.Signal(SIGTERM);
  ASSERT_EQ(p.WaitExit(), 0) << p.Log();
  EXPECT_NE(p.Log().find("DB saved on disk"), std::string::npos) << p.Log();

  std::this_thread::sleep_for(milliseconds(1000));  // "short" expires while the server is down
  EmbedisProcess q;
  ASSERT_TRUE(Start(q)) << q.Log();
  const int64_t down_ms = std::chrono::duration_cast<milliseconds>(Clock::now() - saved_at).count();
  c = Connect(q);
  EXPECT_EQ(c->Call({"GET", "plain"}), "$5\r\nvalue\r\n");
  EXPECT_EQ(c->Call({"PTTL", "plain"}), ":-1\r\n");
  EXPECT_EQ(c->Call({"GET", "session"}), "$4\r\ndata\r\n");
  const int64_t pttl = Int(c->Call({"PTTL", "session"}));
  EXPECT_LE(pttl, 60000 - down_ms) << "the TTL must keep counting down while the server is off";
  EXPECT_GT(pttl, 60000 - down_ms - 20000);  // generous margin
  EXPECT_EQ(c->Call({"HGETALL", "hash"}), "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_GT(Int(c->Call({"PTTL", "hash"})), 60000);
  EXPECT_EQ(c->Call({"EXISTS", "short"}), ":0\r\n");
  EXPECT_EQ(c->Call({"SELECT", "15"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"GET", std::string_view("k\0\xff", 3)}), std::string("$3\r\n\0\r\n\r\n", 9));
  EXPECT_NE(q.Log().find("keys loaded: 4, keys expired: 1"), std::string::npos) << q.Log();
}

TEST_F(PersistenceBinaryTest, ShutdownNosaveLosesWritesSinceTheLastSave) {
  EmbedisProcess p;
  ASSERT_TRUE(Start(p)) << p.Log();
  auto c = Connect(p);
  EXPECT_EQ(c->Call({"SET", "before", "1"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"SAVE"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"SET", "after", "2"}), "+OK\r\n");
  c->Call({"SHUTDOWN", "NOSAVE"});
  ASSERT_EQ(p.WaitExit(), 0) << p.Log();

  EmbedisProcess q;
  ASSERT_TRUE(Start(q)) << q.Log();
  c = Connect(q);
  EXPECT_EQ(c->Call({"GET", "before"}), "$1\r\n1\r\n");
  EXPECT_EQ(c->Call({"GET", "after"}), "$-1\r\n");
}

TEST_F(PersistenceBinaryTest, NoSaveRulesMeansNoSaveAtSigtermButShutdownSaveSaves) {
  EmbedisProcess p;
  ASSERT_TRUE(Start(p, {"--save", ""})) << p.Log();
  auto c = Connect(p);
  EXPECT_EQ(c->Call({"CONFIG", "GET", "save"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  EXPECT_EQ(c->Call({"SET", "a", "1"}), "+OK\r\n");
  p.Signal(SIGTERM);
  ASSERT_EQ(p.WaitExit(), 0) << p.Log();
  EXPECT_NE(access(file_.c_str(), F_OK), 0);

  EmbedisProcess q;
  ASSERT_TRUE(Start(q, {"--save", "", "--dbfilename", "other.embedis"})) << q.Log();
  c = Connect(q);
  EXPECT_EQ(c->Call({"SET", "b", "2"}), "+OK\r\n");
  c->Call({"SHUTDOWN", "SAVE"});
  ASSERT_EQ(q.WaitExit(), 0) << q.Log();
  EXPECT_EQ(access((dir_ + "/other.embedis").c_str(), F_OK), 0);
}

// As redis-server: when SIGTERM's final save fails (its directory is gone), the server says so and
// keeps serving with every key; once the save can succeed, SIGTERM saves and exits.
TEST_F(PersistenceBinaryTest, SigtermWhoseFinalSaveFailsKeepsServing) {
  const std::string data = dir_ + "/data";
  ASSERT_EQ(std::system(absl::StrCat("mkdir -p '", data, "'").c_str()), 0);
  EmbedisProcess p;
  ASSERT_TRUE(p.Start({"--dir", data, "--save", "3600 1"}, {.ready_timeout = absl::Seconds(60)}))
      << p.Log();
  auto c = Connect(p);
  EXPECT_EQ(c->Call({"SET", "kept", "1"}), "+OK\r\n");
  ASSERT_EQ(std::system(absl::StrCat("rm -rf '", data, "'").c_str()), 0);
  p.Signal(SIGTERM);
  // Still serving after the failed save, with its data.
  for (int i = 0; i < 200 && p.Log().find("Errors trying to shut down") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(p.Log().find("Error trying to save the DB, can't exit."), std::string::npos) << p.Log();
  EXPECT_NE(p.Log().find("Errors trying to shut down the server."), std::string::npos) << p.Log();
  EXPECT_EQ(c->Call({"GET", "kept"}), "$1\r\n1\r\n");
  EXPECT_EQ(c->Call({"SET", "later", "2"}), "+OK\r\n");
  // The directory is back: the next SIGTERM saves both keys and exits.
  ASSERT_EQ(std::system(absl::StrCat("mkdir -p '", data, "'").c_str()), 0);
  c.reset();
  p.Signal(SIGTERM);
  ASSERT_EQ(p.WaitExit(), 0) << p.Log();
  EmbedisProcess q;
  ASSERT_TRUE(q.Start({"--dir", data}, {.ready_timeout = absl::Seconds(60)})) << q.Log();
  c = Connect(q);
  EXPECT_EQ(c->Call({"MGET", "kept", "later"}), "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
}

TEST_F(PersistenceBinaryTest, DamagedSnapshotsStopTheStartWithAClearMessage) {
  {
    EmbedisProcess p;
    ASSERT_TRUE(Start(p)) << p.Log();
    auto c = Connect(p);
    Fill(*c, 20000, 50, "");
    EXPECT_EQ(c->Call({"SAVE"}), "+OK\r\n");
    c->Call({"SHUTDOWN", "NOSAVE"});
    ASSERT_EQ(p.WaitExit(), 0);
  }
  std::string good;
  {
    std::ifstream in(file_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    good = ss.str();
  }
  auto write = [&](const std::string& bytes) {
    std::ofstream out(file_, std::ios::binary | std::ios::trunc);
    out << bytes;
  };
  struct Case {
    std::string name, bytes, expect;
  };
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x01;
  std::string future = good;
  future[9] = static_cast<char>(kSnapshotFormatVersion + 1);
  const std::string future_message =
      absl::StrCat("format version ", kSnapshotFormatVersion + 1,
                   " is newer than this embedis supports (", kSnapshotFormatVersion, ")");
  std::string wrong_magic = good;
  wrong_magic[0] = 'R';
  for (const Case& k : std::vector<Case>{
           {"truncated", good.substr(0, good.size() * 2 / 3), "truncated"},
           {"flipped", flipped, "checksum mismatch"},
           {"wrong magic", wrong_magic, "not an embedis snapshot (wrong magic)"},
           {"future version", future, future_message},
       }) {
    write(k.bytes);
    EmbedisProcess p;
    EXPECT_FALSE(Start(p)) << k.name;
    EXPECT_EQ(p.exit_code(), 1) << k.name;
    const std::string log = p.Log();
    EXPECT_NE(log.find(file_), std::string::npos) << k.name << ": " << log;
    EXPECT_NE(log.find(k.expect), std::string::npos) << k.name << ": " << log;
  }
  // The operator's way out: start empty, keeping the damaged file aside.
  write(flipped);
  EmbedisProcess p;
  ASSERT_TRUE(Start(p, {"--on-corrupt-snapshot", "start-empty"})) << p.Log();
  auto c = Connect(p);
  EXPECT_EQ(c->Call({"DBSIZE"}), ":0\r\n");
  EXPECT_NE(access(file_.c_str(), F_OK), 0);
  EXPECT_NE(p.Log().find(absl::StrCat("Moved the damaged snapshot to ", file_, ".corrupt-")),
            std::string::npos)
      << p.Log();
}

// SIGKILL during a large background save, many times at random moments: every restart must load
// a complete snapshot, the previous one or (if the rename happened) the new one.
TEST_F(PersistenceBinaryTest, KillDuringBackgroundSaveAlwaysLeavesALoadableSnapshot) {
  constexpr int kKeys = 150000;
  constexpr int kRounds = 12;
  const std::string value = "g0:" + std::string(400, 'v');
  const std::string value_reply = absl::StrCat("$", value.size(), "\r\n", value, "\r\n");
  int64_t save_ms = 0;
  {
    EmbedisProcess p;
    ASSERT_TRUE(Start(p, {"--save", ""})) << p.Log();
    auto c = Connect(p);
    Fill(*c, kKeys, 400, "g0:");
    EXPECT_EQ(c->Call({"SET", "generation", "0"}), "+OK\r\n");
    const auto start = Clock::now();
    EXPECT_EQ(c->Call({"SAVE"}), "+OK\r\n");
    save_ms = std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
    p.Kill();
  }
  std::mt19937_64 rng(::testing::UnitTest::GetInstance()->random_seed());
  int on_disk = 0;  // the generation of the snapshot known to be on disk
  int newer_loaded = 0;
  for (int round = 1; round <= kRounds + 1; ++round) {
    EmbedisProcess p;
    ASSERT_TRUE(Start(p, {"--save", ""})) << "round " << round << ": " << p.Log();
    auto c = Connect(p);
    ASSERT_EQ(Int(c->Call({"DBSIZE"})), kKeys + 1) << "round " << round;
    const std::string gen = c->Call({"GET", "generation"});
    // Either the previous snapshot, or the one whose save was killed after its rename.
    auto bulk = [](int n) {
      std::string s = std::to_string(n);
      return absl::StrCat("$", s.size(), "\r\n", s, "\r\n");
    };
    if (gen == bulk(round - 1) && round - 1 != on_disk) {
      ++newer_loaded;
      on_disk = round - 1;
    } else {
      ASSERT_EQ(gen, bulk(on_disk)) << "round " << round;
    }
    for (int i : {0, kKeys / 2, kKeys - 1}) {  // every key is whole
      EXPECT_EQ(c->Call({"GET", absl::StrCat("key:", i)}), value_reply) << "round " << round;
    }
    if (round == kRounds + 1) break;
    EXPECT_EQ(c->Call({"SET", "generation", std::to_string(round)}), "+OK\r\n");
    const int delay_ms = static_cast<int>(rng() % static_cast<uint64_t>(save_ms * 3 / 2 + 5));
    EXPECT_EQ(c->Call({"BGSAVE"}), "+Background saving started\r\n");
    std::this_thread::sleep_for(milliseconds(delay_ms));
    p.Kill();
  }
  // The last start removed the temporary files of the killed saves.
  int temps = 0;
  DIR* d = opendir(dir_.c_str());
  while (dirent* e = readdir(d))
    temps += std::string_view(e->d_name).find(".tmp-") != std::string_view::npos;
  closedir(d);
  EXPECT_EQ(temps, 0);
  std::printf("save of %d keys took %lld ms; %d of %d killed saves had completed\n", kKeys + 1,
              static_cast<long long>(save_ms), newer_loaded, kRounds);
}

}  // namespace
}  // namespace embedis::testing
