#include "tests/server/net_test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>

#include "tests/testing/redis_server.h"

namespace embedis::testing {

int ConnectTcp(int port, std::string_view host) {
  std::string h(host);
  const bool v6 = h.find(':') != std::string::npos;
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int rc;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET6, h.c_str(), &a.sin6_addr);
    rc = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, h.c_str(), &a.sin_addr);
    rc = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  }
  if (rc != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

Exchange Collect(int fd, int quiet_ms) {
  Exchange ex;
  char buf[65536];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, quiet_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ex.closed = true;
      break;
    }
    ex.bytes.append(buf, static_cast<size_t>(n));
  }
  return ex;
}

Exchange SendAndCollect(int port, std::string_view data, int quiet_ms) {
  int fd = ConnectTcp(port);
  if (fd < 0) return Exchange{"<connect failed>", true};
  // A server may close before reading everything; that is part of what is observed.
  SendAll(fd, data);
  Exchange ex = Collect(fd, quiet_ms);
  close(fd);
  return ex;
}

TimedConnection::TimedConnection(int port) : fd_(ConnectTcp(port)) {}

TimedConnection::~TimedConnection() { Close(); }

void TimedConnection::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool TimedConnection::Send(std::initializer_list<std::vector<std::string>> commands) {
  std::string out;
  for (const std::vector<std::string>& argv : commands) {
    out += "*" + std::to_string(argv.size()) + "\r\n";
    for (const std::string& arg : argv) {
      out += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
    }
  }
  return SendRaw(out);
}

bool TimedConnection::SendRaw(std::string_view bytes) { return fd_ >= 0 && SendAll(fd_, bytes); }

namespace {

// Reads into `buffer` until `done(*buffer)` returns a length > 0, then takes that many bytes.
template <typename Done>
std::optional<std::string> ReadWhere(int fd, bool* closed, std::string* buffer, int timeout_ms,
                                     Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    if (size_t n = done(*buffer); n > 0) {
      std::string taken = buffer->substr(0, n);
      buffer->erase(0, n);
      return taken;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (fd < 0 || *closed || left.count() <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    char buf[65536];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *closed = true;
      return std::nullopt;
    }
    buffer->append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

std::optional<std::string> TimedConnection::Read(int timeout_ms) {
  return ReadWhere(fd_, &closed_, &buffer_, timeout_ms,
                   [](std::string_view b) { return CompleteReplyLength(b); });
}

std::optional<std::string> TimedConnection::ReadThrough(std::string_view suffix, int timeout_ms) {
  return ReadWhere(fd_, &closed_, &buffer_, timeout_ms, [&](std::string_view b) -> size_t {
    size_t at = b.find(suffix);
    return at == std::string_view::npos ? 0 : at + suffix.size();
  });
}

std::string RunShell(const std::string& command, int* exit_code) {
  std::string out;
  FILE* f = popen(command.c_str(), "r");
  if (f == nullptr) {
    *exit_code = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  int status = pclose(f);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

}  // namespace embedis::testing
