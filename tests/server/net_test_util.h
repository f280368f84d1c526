// Helpers for the server tests: raw sockets that report what a server sent and whether it closed
// the connection, and running command-line tools.
#ifndef EMBEDIS_TESTS_SERVER_NET_TEST_UTIL_H_
#define EMBEDIS_TESTS_SERVER_NET_TEST_UTIL_H_

#include <string>
#include <string_view>

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

// Runs a shell command; returns its stdout and sets `exit_code`.
std::string RunShell(const std::string& command, int* exit_code);

// Escapes `s` for a POSIX shell (single quotes).
std::string ShellQuote(std::string_view s);

}  // namespace embedis::testing

#endif  // EMBEDIS_TESTS_SERVER_NET_TEST_UTIL_H_
