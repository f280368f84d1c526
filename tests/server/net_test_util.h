// Helpers for the server tests: raw sockets that report what a server sent and whether it closed
// the connection, and running command-line tools.
#ifndef EMBEDIS_TESTS_SERVER_NET_TEST_UTIL_H_
#define EMBEDIS_TESTS_SERVER_NET_TEST_UTIL_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace embedis::testing {

// A blocking TCP connection to host:port; -1 on failure.
int ConnectTcp(int port, std::string_view host = "127.0.0.1");

// What a server sent back, and whether it closed the connection.
struct Exchange {
  std::string bytes;
  bool closed = false;
};

// Reads from `fd` until the peer closes it or nothing arrives for `quiet_ms`.
Exchange Collect(int fd, int quiet_ms = 300);

// Connects, sends `data`, and collects the answer.
Exchange SendAndCollect(int port, std::string_view data, int quiet_ms = 300);

// Sends all of `data` on a blocking socket; false on error.
bool SendAll(int fd, std::string_view data);

// A RESP connection whose reads time out, for replies that come late (CLIENT PAUSE) or never
// (CLIENT REPLY OFF). Blocking; one thread.
//
//   TimedConnection c(port);
//   c.Send({{"SET", "k", "v"}, {"GET", "k"}});   // pipelined in one write
//   std::optional<std::string> reply = c.Read(); // "+OK\r\n", or nullopt after 10 s
class TimedConnection {
 public:
  explicit TimedConnection(int port);  // connects to 127.0.0.1:port; ok() says whether it did
  ~TimedConnection();
  TimedConnection(const TimedConnection&) = delete;
  TimedConnection& operator=(const TimedConnection&) = delete;

  bool ok() const { return fd_ >= 0; }
  // Sends the commands, pipelined in one write; false on error.
  bool Send(std::initializer_list<std::vector<std::string>> commands);
  bool SendRaw(std::string_view bytes);
  // The next whole reply's raw bytes, or nullopt if none is complete within `timeout_ms` or the
  // server closed the connection first (closed() then says so).
  std::optional<std::string> Read(int timeout_ms = 10000);
  // Raw bytes up to and including the first that end with `suffix` (whole replies or not), or
  // nullopt if they do not come within `timeout_ms`.
  std::optional<std::string> ReadThrough(std::string_view suffix, int timeout_ms = 10000);
  bool closed() const { return closed_; }
  void Close();

 private:
  int fd_ = -1;
  bool closed_ = false;
  std::string buffer_;
};

// Runs a shell command; returns its stdout and sets `exit_code`.
std::string RunShell(const std::string& command, int* exit_code);

// Escapes `s` for a POSIX shell (single quotes).
std::string ShellQuote(std::string_view s);

}  // namespace embedis::testing

#endif  // EMBEDIS_TESTS_SERVER_NET_TEST_UTIL_H_
