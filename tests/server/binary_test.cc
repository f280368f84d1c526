// The real embedis-server binary: flags, startup line, SIGTERM/SIGINT, SHUTDOWN, and a short
// redis-benchmark load.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/server/net_test_util.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

using std::chrono::milliseconds;

class EmbedisProcess {
 public:
  ~EmbedisProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Starts server/embedis-server with `args` (a free --port is added) and waits for PING.
  bool Start(std::vector<std::string> args) {
    log_ =
        absl::StrCat(::testing::TempDir(), "/embedis-server-", getpid(), "-", ++counter_, ".log");
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = FreeLoopbackPort();
      std::vector<std::string> full = {"server/embedis-server", "--port", std::to_string(port_)};
      full.insert(full.end(), args.begin(), args.end());
      pid_ = fork();
      if (pid_ == 0) {
        int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        std::vector<char*> cargs;
        for (auto& a : full) cargs.push_back(a.data());
        cargs.push_back(nullptr);
        execv(cargs[0], cargs.data());
        _exit(127);
      }
      for (int i = 0; i < 200; ++i) {
        RawRespConnection c;
        if (c.Connect(port_).ok()) {
          std::string pong = c.Call({"PING"});
          if (pong == "+PONG\r\n" || pong.starts_with("-NOAUTH")) return true;
        }
        int status;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        std::this_thread::sleep_for(milliseconds(50));
      }
      if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
      }
    }
    return false;
  }

  // Waits for the process to exit; returns its exit code (-1: signal or timeout).
  int WaitExit(int timeout_ms) {
    for (int waited = 0; waited < timeout_ms; waited += 20) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return -1;
  }

  std::string Log() const {
    std::ifstream f(log_);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

  pid_t pid() const { return pid_; }
  int port() const { return port_; }

 private:
  static inline int counter_ = 0;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_;
};

TEST(EmbedisServerBinary, StartsAndStopsCleanlyOnSigterm) {
  EmbedisProcess p;
  ASSERT_TRUE(p.Start({"--io-threads", "2"})) << p.Log();
  const std::string log = p.Log();
  EXPECT_NE(log.find(absl::StrCat("started: port=", p.port(), " pid=", p.pid())), std::string::npos)
      << log;
  int client = ConnectTcp(p.port());
  ASSERT_GE(client, 0);
  ASSERT_TRUE(SendAll(client, "SET k v\r\n"));
  EXPECT_EQ(Collect(client, 300).bytes, "+OK\r\n");
  ASSERT_EQ(kill(p.pid(), SIGTERM), 0);
  EXPECT_EQ(p.WaitExit(10000), 0) << p.Log();
  EXPECT_TRUE(Collect(client, 1000).closed);
  close(client);
  EXPECT_NE(p.Log().find("Received SIGTERM"), std::string::npos);
  EXPECT_NE(p.Log().find("bye bye"), std::string::npos);
}

TEST(EmbedisServerBinary, StopsOnSigint) {
  EmbedisProcess p;
  ASSERT_TRUE(p.Start({})) << p.Log();
  ASSERT_EQ(kill(p.pid(), SIGINT), 0);
  EXPECT_EQ(p.WaitExit(10000), 0) << p.Log();
}

TEST(EmbedisServerBinary, ShutdownCommandExits) {
  EmbedisProcess p;
  ASSERT_TRUE(p.Start({})) << p.Log();
  std::string cli = FindExecutable("redis-cli");
  ASSERT_FALSE(cli.empty()) << "redis-cli not found; install it with: apt-get install redis-tools";
  int code = 0;
  RunShell(absl::StrCat(cli, " -p ", p.port(), " SHUTDOWN NOSAVE 2>&1"), &code);
  EXPECT_EQ(p.WaitExit(10000), 0) << p.Log();
}

TEST(EmbedisServerBinary, RedisStyleFlags) {
  EmbedisProcess p;
  std::string sock = absl::StrCat("/tmp/embedis-bin-", getpid(), ".sock");  // short: sun_path
  ASSERT_TRUE(p.Start({"--bind",
                       "127.0.0.1 -::1",
                       "--client-query-buffer-limit",
                       "1mb",
                       "--proto-max-bulk-len=2mb",
                       "--maxclients",
                       "77",
                       "--timeout",
                       "300",
                       "--requirepass",
                       "pw",
                       "--databases",
                       "4",
                       "--unixsocket",
                       sock,
                       "--unixsocketperm",
                       "700",
                       "--loglevel",
                       "warning",
                       "--hz",
                       "20",
                       "--protected-mode",
                       "no",
                       "--shards",
                       "8"}))
      << p.Log();
  std::string cli = FindExecutable("redis-cli");
  ASSERT_FALSE(cli.empty()) << "redis-cli not found; install it with: apt-get install redis-tools";
  int code = 0;
  std::string out = RunShell(
      absl::StrCat(cli, " -p ", p.port(), " --no-auth-warning -a pw CONFIG GET '*' 2>&1"), &code);
  for (const char* want :
       {"client-query-buffer-limit\n1048576\n", "proto-max-bulk-len\n2097152\n", "maxclients\n77\n",
        "timeout\n300\n", "databases\n4\n", "hz\n20\n", "loglevel\nwarning\n",
        "protected-mode\nno\n", "shards\n8\n", "bind\n127.0.0.1 -::1\n", "unixsocketperm\n700\n"}) {
    EXPECT_NE(out.find(want), std::string::npos) << want << "\n" << out;
  }
  // Over the unix socket, with the password.
  out = RunShell(absl::StrCat(cli, " -s ", sock, " --no-auth-warning -a pw PING 2>&1"), &code);
  EXPECT_EQ(out, "PONG\n");
  out = RunShell(absl::StrCat(cli, " -s ", sock, " PING 2>&1"), &code);
  EXPECT_NE(out.find("NOAUTH"), std::string::npos) << out;
}

TEST(EmbedisServerBinary, RejectsBadFlags) {
  int code = 0;
  RunShell("server/embedis-server --client-query-buffer-limit lots 2>&1", &code);
  EXPECT_NE(code, 0);
  RunShell("server/embedis-server --loglevel loud 2>&1", &code);
  EXPECT_NE(code, 0);
  RunShell("server/embedis-server --no-such-flag 1 2>&1", &code);
  EXPECT_NE(code, 0);
}

TEST(EmbedisServerBinary, RedisBenchmarkLoadHasNoErrors) {
  EmbedisProcess p;
  ASSERT_TRUE(p.Start({})) << p.Log();
  std::string bench = FindExecutable("redis-benchmark");
  ASSERT_FALSE(bench.empty())
      << "redis-benchmark not found; install it with: apt-get install redis-tools";
  int code = 0;
  std::string out = RunShell(absl::StrCat(bench, " -p ", p.port(),
                                          " -q -t set,get,incr,hset,mget -n 20000 -P 16 -c 50 "
                                          "2>&1 | tr '\\r' '\\n'"),
                             &code);
  EXPECT_EQ(code, 0) << out;
  for (const char* want : {"SET: ", "GET: ", "INCR: ", "HSET: "}) {
    EXPECT_NE(out.find(want), std::string::npos) << want << "\n" << out;
  }
  EXPECT_EQ(out.find("ERR"), std::string::npos) << out;
  EXPECT_EQ(out.find("rror"), std::string::npos) << out;
  // The server is still healthy and counted the work.
  RawRespConnection c;
  ASSERT_TRUE(c.Connect(p.port()).ok());
  std::string stats = c.Call({"INFO", "stats"});
  EXPECT_NE(stats.find("total_commands_processed:"), std::string::npos);
  EXPECT_EQ(c.Call({"DBSIZE"}).substr(0, 1), ":");
  kill(p.pid(), SIGTERM);
  EXPECT_EQ(p.WaitExit(10000), 0) << p.Log();
}

}  // namespace
}  // namespace embedis::testing
