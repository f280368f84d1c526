#include "tests/testing/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "lib/resp/writer.h"
#include "lib/tls/tls.h"
#include "lib/util/strings.h"

namespace embedis::testing {

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

std::string FindExecutable(std::string_view name) {
  std::string path = getenv("PATH") ? getenv("PATH") : "";
  absl::StrAppend(&path, ":/usr/bin:/usr/sbin:/usr/local/bin:/bin");
  for (absl::string_view dir : absl::StrSplit(path, ':')) {
    if (dir.empty()) continue;
    std::string candidate = absl::StrCat(dir, "/", ToAbsl(name));
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

RedisServerProcess::~RedisServerProcess() { Kill(); }

absl::Status RedisServerProcess::Start(std::vector<std::string> extra_args) {
  extra_args_ = std::move(extra_args);
  return StartOn(0);
}

absl::Status RedisServerProcess::Restart() {
  Kill();
  return StartOn(port_);
}

absl::Status RedisServerProcess::StartOn(int fixed_port) {
  const std::vector<std::string>& extra_args = extra_args_;
  std::string bin = FindExecutable("redis-server");
  if (bin.empty()) {
    return absl::FailedPreconditionError(
        "redis-server not found on PATH; install it with: apt-get install redis-server");
  }
  if (dir_.empty()) {
    char tmpl[] = "/tmp/embedis-redis-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
    dir_ = tmpl;
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = fixed_port != 0 ? fixed_port : FreeLoopbackPort();
    std::vector<std::string> args = {bin,      "--port",       std::to_string(port_),
                                     "--bind", "127.0.0.1",    "--save",
                                     "",       "--appendonly", "no",
                                     "--dir",  dir_,           "--daemonize",
                                     "no",     "--logfile",    dir_ + "/redis.log"};
    if (tls_) {
      args[2] = "0";
      args.insert(args.end(),
                  {"--tls-port", std::to_string(port_), "--tls-cert-file", tls_->cert_file,
                   "--tls-key-file", tls_->key_file, "--tls-ca-cert-file", tls_->ca_file,
                   "--tls-client-cert-file", tls_->client_cert_file, "--tls-client-key-file",
                   tls_->client_key_file, "--tls-replication", "yes"});
    }
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> cargs;
      for (auto& a : args) cargs.push_back(a.data());
      cargs.push_back(nullptr);
      execv(bin.c_str(), cargs.data());
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      RawRespConnection conn;
      if (Connect(&conn).ok()) {
        // With --requirepass, PING answers NOAUTH: the server is up all the same.
        std::string reply = conn.Call({"PING"});
        if (reply == "+PONG\r\n" || reply.rfind("-NOAUTH", 0) == 0) return absl::OkStatus();
      }
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;  // died (port taken?): try another port
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    Kill();
  }
  return absl::UnavailableError(
      absl::StrCat("redis-server did not start; see ", dir_, "/redis.log"));
}

void RedisServerProcess::Kill() {
  if (pid_ > 0) {
    kill(pid_, SIGCONT);
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

void RedisServerProcess::Pause() {
  if (pid_ > 0) kill(pid_, SIGSTOP);
}
void RedisServerProcess::Resume() {
  if (pid_ > 0) kill(pid_, SIGCONT);
}

absl::Status RedisServerProcess::Connect(RawRespConnection* conn) const {
  return tls_ ? conn->ConnectTls(port_, *tls_) : conn->Connect(port_);
}

RawRespConnection::~RawRespConnection() {
  tls_.reset();
  if (fd_ >= 0) close(fd_);
}

bool RawRespConnection::WaitFor(short events, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return false;
    pollfd p{fd_, events, 0};
    const int r = poll(&p, 1, static_cast<int>(left));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

absl::Status RawRespConnection::ConnectTls(int port, const RedisTlsFiles& files,
                                           std::string_view host) {
  if (absl::Status s = Connect(port, host); !s.ok()) return s;
  absl::StatusOr<tls::ContextPtr> ctx = tls::NewClientContext({.ca_file = files.ca_file,
                                                               .ca_dir = "",
                                                               .cert_file = files.client_cert_file,
                                                               .key_file = files.client_key_file});
  if (!ctx.ok()) return ctx.status();
  tls_context_ = std::shared_ptr<ssl_ctx_st>(std::move(*ctx));
  fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  tls_ = tls::Session::New(tls_context_.get(), fd_, /*server=*/false);
  if (tls_ == nullptr) return absl::InternalError("SSL_new failed");
  if (absl::Status s = tls_->SetPeerName(std::string(host), ""); !s.ok()) return s;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    const tls::Session::Result r = tls_->Handshake();
    if (r == tls::Session::Result::kOk) return absl::OkStatus();
    if ((r != tls::Session::Result::kWantRead && r != tls::Session::Result::kWantWrite) ||
        !WaitFor(r == tls::Session::Result::kWantRead ? POLLIN : POLLOUT, deadline)) {
      return absl::UnavailableError(absl::StrCat("TLS handshake: ", tls_->error()));
    }
  }
}

absl::Status RawRespConnection::Connect(int port, std::string_view host) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, std::string(host).c_str(), &addr.sin_addr);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd_);
    fd_ = -1;
    return absl::UnavailableError(absl::StrCat("connect: ", strerror(errno)));
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return absl::OkStatus();
}

absl::Status RawRespConnection::SendRaw(std::string_view bytes) {
  if (tls_ != nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!bytes.empty()) {
      size_t written = 0;
      const tls::Session::Result r = tls_->Write(bytes.data(), bytes.size(), &written);
      if (r == tls::Session::Result::kOk) {
        bytes.remove_prefix(written);
      } else if ((r != tls::Session::Result::kWantRead && r != tls::Session::Result::kWantWrite) ||
                 !WaitFor(r == tls::Session::Result::kWantRead ? POLLIN : POLLOUT, deadline)) {
        return last_error_ = absl::UnavailableError(absl::StrCat("TLS write: ", tls_->error()));
      }
    }
    return absl::OkStatus();
  }
  while (!bytes.empty()) {
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return last_error_ = absl::UnavailableError(absl::StrCat("send: ", strerror(errno)));
    }
    bytes.remove_prefix(n);
  }
  return absl::OkStatus();
}

std::string RawRespConnection::ReadReply() {
  // Generous: a reply that allocates half a gigabyte (SETRANGE at offset 2^29) takes redis-server
  // more than 10 s on a loaded 2-vCPU machine, and a timeout desynchronizes every later reply.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kReplyTimeoutSeconds);
  while (true) {
    size_t len = CompleteReplyLength(buffer_);
    if (len > 0) {
      std::string reply = buffer_.substr(0, len);
      buffer_.erase(0, len);
      return reply;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      last_error_ =
          absl::DeadlineExceededError(absl::StrCat("no reply within ", kReplyTimeoutSeconds, " s"));
      return "";
    }
    char buf[65536];
    if (tls_ != nullptr) {
      size_t got = 0;
      const tls::Session::Result r = tls_->Read(buf, sizeof(buf), &got);
      if (r == tls::Session::Result::kOk) {
        buffer_.append(buf, got);
      } else if (r == tls::Session::Result::kWantRead || r == tls::Session::Result::kWantWrite) {
        WaitFor(r == tls::Session::Result::kWantRead ? POLLIN : POLLOUT,
                std::chrono::steady_clock::now() + std::chrono::milliseconds(left));
      } else {
        last_error_ = absl::UnavailableError("connection closed");
        return "";
      }
      continue;
    }
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      last_error_ = absl::UnavailableError("connection closed");
      return "";
    }
    buffer_.append(buf, n);
  }
}

std::string RawRespConnection::Call(absl::Span<const std::string> argv) {
  std::vector<std::string_view> views(argv.begin(), argv.end());
  std::string out;
  resp::AppendCommand(&out, views);
  if (!SendRaw(out).ok()) return "";
  return ReadReply();
}

std::string RawRespConnection::Call(std::initializer_list<std::string_view> argv) {
  std::string out;
  resp::AppendCommand(&out, argv);
  if (!SendRaw(out).ok()) return "";
  return ReadReply();
}

namespace {
// Advances `pos` past one complete RESP value; false if `bytes` ends first.
bool SkipValue(std::string_view bytes, size_t& pos, int depth = 0) {
  if (depth > 1000) return false;
  size_t eol = bytes.find("\r\n", pos);
  if (pos >= bytes.size() || eol == std::string_view::npos) return false;
  char type = bytes[pos];
  int64_t n = std::strtoll(std::string(bytes.substr(pos + 1, eol - pos - 1)).c_str(), nullptr, 10);
  pos = eol + 2;
  switch (type) {
    case '$':
    case '=':
    case '!':
      if (n < 0) return true;
      if (bytes.size() < pos + n + 2) return false;
      pos += n + 2;
      return true;
    case '%':
      n *= 2;
      [[fallthrough]];
    case '*':
    case '~':
    case '>':
      for (int64_t i = 0; i < n; ++i) {
        if (!SkipValue(bytes, pos, depth + 1)) return false;
      }
      return true;
    case '|':
      for (int64_t i = 0; i < 2 * n; ++i) {
        if (!SkipValue(bytes, pos, depth + 1)) return false;
      }
      return SkipValue(bytes, pos, depth + 1);
    default:
      return true;
  }
}
}  // namespace

std::optional<absl::Duration> TimeUntil(absl::FunctionRef<bool()> attempt, absl::Duration limit) {
  const absl::Time start = absl::Now();
  while (absl::Now() - start < limit) {
    if (attempt()) return absl::Now() - start;
  }
  return std::nullopt;
}

size_t CompleteReplyLength(std::string_view bytes) {
  size_t pos = 0;
  return SkipValue(bytes, pos) ? pos : 0;
}

}  // namespace embedis::testing
