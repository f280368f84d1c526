#include "tests/server/embedis_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

int g_starts = 0;  // numbers the log files of one test binary

}  // namespace

EmbedisProcess::~EmbedisProcess() { Kill(); }

bool EmbedisProcess::Start(std::vector<std::string> args, const Options& options) {
  const std::string log_dir = options.dir.empty() ? ::testing::TempDir() : options.dir;
  log_ = absl::StrCat(log_dir, "/embedis-server-", getpid(), "-", ++g_starts, ".log");
  for (int attempt = 0; attempt < options.attempts; ++attempt) {
    port_ = FreeLoopbackPort();
    std::vector<std::string> argv = {"server/embedis-server"};
    auto rest = args.begin();
    if (rest != args.end() && !rest->starts_with("-")) argv.push_back(*rest++);  // config file
    argv.insert(argv.end(), {"--port", std::to_string(port_)});
    if (!options.dir.empty()) argv.insert(argv.end(), {"--dir", options.dir});
    argv.insert(argv.end(), rest, args.end());
    Spawn(std::move(argv), options.max_open_files);
    if (WaitReady(options.ready_timeout)) return true;
    Kill();  // if it still runs without answering
  }
  return false;
}

void EmbedisProcess::Spawn(std::vector<std::string> argv, int max_open_files) {
  exit_code_ = -1;
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    if (max_open_files > 0) {
      rlimit limit{static_cast<rlim_t>(max_open_files), static_cast<rlim_t>(max_open_files)};
      setrlimit(RLIMIT_NOFILE, &limit);
    }
    std::vector<char*> cargs;
    for (auto& a : argv) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    execv(cargs[0], cargs.data());
    _exit(127);
  }
}

bool EmbedisProcess::WaitReady(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    RawRespConnection c;
    if (c.Connect(port_).ok()) {
      const std::string pong = c.Call({"PING"});
      // The server answers as soon as it listens, a moment before main() logs its startup line:
      // ready means both, so that a test reading the log finds the line.
      if ((pong == "+PONG\r\n" || pong.starts_with("-NOAUTH")) &&
          Log().find("Ready to accept connections") != std::string::npos) {
        return true;
      }
    }
    if (Reap()) return false;
    if (absl::Now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool EmbedisProcess::Reap() {
  if (pid_ <= 0) return true;
  int status;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  pid_ = -1;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return true;
}

int EmbedisProcess::WaitExit(int timeout_ms) {
  for (int waited = 0; !Reap(); waited += 10) {
    if (waited >= timeout_ms) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_code_;
}

void EmbedisProcess::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

void EmbedisProcess::Kill() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

std::string EmbedisProcess::Log() const {
  std::ifstream f(log_);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace embedis::testing
