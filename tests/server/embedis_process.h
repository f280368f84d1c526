// EmbedisProcess: the real server/embedis-server binary as a child process, for tests of the
// binary itself (flags, signals, SHUTDOWN, persistence across restarts).
//
//   EmbedisProcess p;
//   ASSERT_TRUE(p.Start({"--io-threads", "2"})) << p.Log();   // on a free port, answers PING
//   RawRespConnection c;
//   ASSERT_TRUE(c.Connect(p.port()).ok());
//   p.Signal(SIGTERM);
//   EXPECT_EQ(p.WaitExit(), 0) << p.Log();
//
// The binary is found at server/embedis-server relative to the working directory, which is the
// runfiles root of a test that depends on this library (its data includes the binary).
//
// Thread safety: none; one per test. The destructor kills the process if it still runs.
#ifndef EMBEDIS_TESTS_SERVER_EMBEDIS_PROCESS_H_
#define EMBEDIS_TESTS_SERVER_EMBEDIS_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace embedis::testing {

class EmbedisProcess {
 public:
  struct Options {
    // When set, passed as --dir (the snapshot's directory), and the log is written there.
    // Default: empty (no --dir; the log goes to ::testing::TempDir()).
    std::string dir;
    // Starts to try, each on a fresh free port, while a start fails (the port may have been
    // taken in between). Default: 1.
    int attempts = 1;
    // How long one start may take to answer PING. Default: 10 s.
    absl::Duration ready_timeout = absl::Seconds(10);
    // When > 0, the child's soft and hard RLIMIT_NOFILE (as `ulimit -n`). Default: 0 (inherited).
    int max_open_files = 0;
  };

  EmbedisProcess() = default;
  ~EmbedisProcess();
  EmbedisProcess(const EmbedisProcess&) = delete;
  EmbedisProcess& operator=(const EmbedisProcess&) = delete;

  // Starts the binary as `embedis-server [file] --port <free port> [--dir <dir>] args...` (a
  // first argument not starting with '-' is a config file, which must come first), with its
  // stdout and stderr in a log file, and waits until it answers PING (+PONG, or -NOAUTH with
  // --requirepass). Returns false when every attempt failed: the process exited first (see
  // exit_code() and Log()) or did not answer in time (then it was killed).
  bool Start(std::vector<std::string> args, const Options& options);
  bool Start(std::vector<std::string> args) { return Start(std::move(args), Options()); }

  // Waits up to `timeout_ms` for the process to exit; returns its exit code (-1: killed by a
  // signal, or still running).
  int WaitExit(int timeout_ms = 60000);
  // Sends `sig` to the process, if it runs.
  void Signal(int sig);
  // SIGKILL and wait, if it runs.
  void Kill();

  // Everything the process wrote to stdout and stderr so far.
  std::string Log() const;
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  // The exit code once the process has exited and been waited for; -1 before, or after a signal.
  int exit_code() const { return exit_code_; }

 private:
  // Forks and execs the binary with stdout and stderr to log_.
  void Spawn(std::vector<std::string> argv, int max_open_files);
  // Polls PING until the process answers (true), exits or `timeout` passes (false).
  bool WaitReady(absl::Duration timeout);
  // Reaps the process without blocking; true if it has exited (exit_code_ is then set).
  bool Reap();

  pid_t pid_ = -1;
  int port_ = 0;
  int exit_code_ = -1;
  std::string log_;
};

}  // namespace embedis::testing

#endif  // EMBEDIS_TESTS_SERVER_EMBEDIS_PROCESS_H_
