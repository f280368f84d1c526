// Test helpers that start a real redis-server and talk RESP to it.
//
//   RedisServerProcess redis;                 // fails the test if redis-server is missing
//   ASSERT_TRUE(redis.Start().ok());
//   RawRespConnection conn;
//   ASSERT_TRUE(conn.Connect(redis.port()).ok());
//   std::string reply = conn.Call({"SET", "k", "v"});   // "+OK\r\n" (one whole reply, raw bytes)
//
// Thread safety: none; one per test.
#ifndef EMBEDIS_TESTS_TESTING_REDIS_SERVER_H_
#define EMBEDIS_TESTS_TESTING_REDIS_SERVER_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/resp/reply_parser.h"
#include "lib/tls/tls.h"

namespace embedis::testing {

// TLS for a test redis-server (RedisServerProcess::set_tls) and for RawRespConnection: PEM files
// made by MakeTestPki (tls_certs.h). The server gets --tls-cert-file/--tls-key-file/
// --tls-ca-cert-file, and presents client_cert_file to the servers it connects to (replication,
// cluster bus: --tls-client-cert-file); test connections present client_cert_file too.
struct RedisTlsFiles {
  std::string ca_file;
  std::string cert_file, key_file;                // the server's (names 127.0.0.1)
  std::string client_cert_file, client_key_file;  // a client certificate of the same CA
};

// Returns a TCP port on 127.0.0.1 that was free a moment ago (bind to port 0).
int FreeLoopbackPort();

// Finds an executable on PATH (and in /usr/bin, /usr/sbin); empty if missing.
std::string FindExecutable(std::string_view name);

// A redis-server child process on a free loopback port, without persistence.
// The destructor kills it.
class RedisServerProcess {
 public:
  RedisServerProcess() = default;
  ~RedisServerProcess();
  RedisServerProcess(const RedisServerProcess&) = delete;
  RedisServerProcess& operator=(const RedisServerProcess&) = delete;

  // Starts the server with `extra_args` appended, and waits (up to 10 s)
  // until it answers PING. A missing binary is an error that says what to
  // install.
  absl::Status Start(std::vector<std::string> extra_args = {});
  // Before Start(): serve TLS only (`--port 0 --tls-port <port> --tls-replication yes` and the
  // files), so port() is the TLS port; readiness is checked over TLS.
  void set_tls(RedisTlsFiles files) { tls_ = std::move(files); }
  const std::optional<RedisTlsFiles>& tls() const { return tls_; }
  // Connects `conn` to this server (over TLS when set_tls was called).
  absl::Status Connect(class RawRespConnection* conn) const;
  // SIGKILL and wait.
  void Kill();
  // Kill(), then Start() again with the same arguments on the same port (a server restart, as
  // clients see it). REQUIRES: Start() succeeded before.
  absl::Status Restart();
  // SIGSTOP / SIGCONT, to make it hang.
  void Pause();
  void Resume();
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  absl::Status StartOn(int fixed_port);

  pid_t pid_ = -1;
  int port_ = 0;
  std::vector<std::string> extra_args_;
  std::string dir_;
  std::optional<RedisTlsFiles> tls_;
};

// A blocking RESP connection that returns each reply's raw bytes.
class RawRespConnection {
 public:
  RawRespConnection() = default;
  ~RawRespConnection();
  absl::Status Connect(int port, std::string_view host = "127.0.0.1");
  // The same over TLS (the server verified against files.ca_file; the client certificate sent).
  absl::Status ConnectTls(int port, const RedisTlsFiles& files,
                          std::string_view host = "127.0.0.1");
  // Sends one command and returns its whole reply as raw RESP bytes (empty
  // string on a connection error, with the error in last_error()).
  std::string Call(absl::Span<const std::string> argv);
  std::string Call(std::initializer_list<std::string_view> argv);
  // Sends raw bytes as they are.
  absl::Status SendRaw(std::string_view bytes);
  // Reads exactly one reply's raw bytes (blocking, kReplyTimeoutSeconds).
  std::string ReadReply();
  static constexpr int kReplyTimeoutSeconds = 60;
  const absl::Status& last_error() const { return last_error_; }

 private:
  // Waits until fd_ is readable (POLLIN) or writable (POLLOUT), up to `deadline`.
  bool WaitFor(short events, std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string buffer_;
  absl::Status last_error_;
  std::shared_ptr<ssl_ctx_st> tls_context_;
  std::unique_ptr<tls::Session> tls_;
};

// Calls `attempt` until it returns true or `limit` passes; how long that took, or nullopt if it
// never did (fault tests: "the first write that succeeds after the kill").
std::optional<absl::Duration> TimeUntil(absl::FunctionRef<bool()> attempt, absl::Duration limit);

// Length of the first complete RESP value in `bytes`, or 0 if incomplete.
size_t CompleteReplyLength(std::string_view bytes);

}  // namespace embedis::testing

#endif  // EMBEDIS_TESTS_TESTING_REDIS_SERVER_H_
