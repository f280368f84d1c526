#include "lib/client/connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/util/errors.h"
#include "lib/util/strings.h"

namespace embedis {

namespace {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// Bytes asked of the kernel per recv().
constexpr size_t kReadChunk = 16 * 1024;
// The output buffer keeps at most this much memory between commands.
constexpr size_t kKeepOutput = 1024 * 1024;

std::chrono::nanoseconds ToChrono(absl::Duration d) {
  if (d == absl::InfiniteDuration() || d > absl::Hours(24 * 365 * 100)) {
    return std::chrono::nanoseconds::max();
  }
  if (d < absl::ZeroDuration()) return std::chrono::nanoseconds(0);
  return absl::ToChronoNanoseconds(d);
}

TimePoint DeadlineAfter(TimePoint start, std::chrono::nanoseconds timeout) {
  if (timeout == std::chrono::nanoseconds::max()) return TimePoint::max();
  return start + timeout;
}

// poll() on one descriptor until `deadline`; returns poll's result (0 on
// timeout), retrying on EINTR.
int PollUntil(pollfd* p, TimePoint deadline) {
  for (;;) {
    int timeout_ms = -1;
    if (deadline != TimePoint::max()) {
      auto remaining = deadline - Clock::now();
      if (remaining <= Clock::duration::zero()) return 0;
      auto ms = std::chrono::ceil<std::chrono::milliseconds>(remaining).count();
      timeout_ms = ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
    }
    p->revents = 0;
    int r = poll(p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0 && deadline != TimePoint::max() && Clock::now() < deadline) continue;
    return r;
  }
}

std::string ErrnoText(int err) { return std::strerror(err); }

absl::Status WithContext(const absl::Status& s, std::string_view context) {
  return absl::Status(s.code(), absl::StrCat(ToAbsl(context), ": ", s.message()));
}

std::string FormatPeer(const sockaddr* addr, int port) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (addr->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, text,
              sizeof(text));
    return absl::StrCat("[", text, "]:", port);
  }
  inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, text, sizeof(text));
  return absl::StrCat(text, ":", port);
}

// Connects `fd` (non-blocking) to `addr`, waiting until `deadline`.
absl::Status ConnectFd(int fd, const sockaddr* addr, socklen_t len, TimePoint deadline,
                       const std::string& peer) {
  if (connect(fd, addr, len) == 0) return absl::OkStatus();
  if (errno != EINPROGRESS && errno != EINTR && errno != EAGAIN) {
    return absl::UnavailableError(absl::StrCat("connect to ", peer, ": ", ErrnoText(errno)));
  }
  pollfd p{fd, POLLOUT, 0};
  int r = PollUntil(&p, deadline);
  if (r == 0) {
    return absl::DeadlineExceededError(absl::StrCat("connect to ", peer, ": timed out"));
  }
  if (r < 0) {
    return absl::UnavailableError(absl::StrCat("connect to ", peer, ": ", ErrnoText(errno)));
  }
  int err = 0;
  socklen_t err_len = sizeof(err);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) err = errno;
  if (err != 0) {
    return absl::UnavailableError(absl::StrCat("connect to ", peer, ": ", ErrnoText(err)));
  }
  return absl::OkStatus();
}

// Makes a connected socket blocking, with the command timeout on reads (unless `tls`: a TLS
// connection keeps its socket non-blocking and polls).
absl::Status ConfigureSocket(int fd, bool tcp, bool tls, std::chrono::nanoseconds command_timeout) {
  if (tcp) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
  }
  if (tls) return absl::OkStatus();
  int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
    return absl::InternalError(absl::StrCat("fcntl: ", ErrnoText(errno)));
  }
  if (command_timeout != std::chrono::nanoseconds::max()) {
    // SO_RCVTIMEO of zero means "forever": never set less than 1 µs.
    auto us =
        std::max<int64_t>(1, std::chrono::ceil<std::chrono::microseconds>(command_timeout).count());
    timeval tv{};
    tv.tv_sec = us / 1000000;
    tv.tv_usec = us % 1000000;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
      return absl::InternalError(absl::StrCat("setsockopt(SO_RCVTIMEO): ", ErrnoText(errno)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status StatusFromErrorReply(std::string_view message) {
  return errors::FromRedisError(message);
}

absl::StatusOr<std::shared_ptr<ssl_ctx_st>> NewTlsContext(const ClientOptions& options) {
  absl::StatusOr<tls::ContextPtr> ctx = tls::NewClientContext({
      .verify_peer = options.tls.verify_peer,
      .ca_file = options.tls.ca_file,
      .ca_dir = options.tls.ca_dir,
      .cert_file = options.tls.cert_file,
      .key_file = options.tls.key_file,
  });
  if (!ctx.ok()) return WithContext(ctx.status(), "TLS");
  return std::shared_ptr<ssl_ctx_st>(std::move(*ctx));
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const ClientOptions& options) {
  if (!options.tls.enabled) return Open(options, nullptr);
  absl::StatusOr<std::shared_ptr<ssl_ctx_st>> ctx = NewTlsContext(options);
  if (!ctx.ok()) return ctx.status();
  return Open(options, *ctx);
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const ClientOptions& options, const std::shared_ptr<ssl_ctx_st>& tls_context) {
  const bool use_tls = options.tls.enabled;
  if (use_tls && tls_context == nullptr) {
    return absl::InvalidArgumentError("TLS: no TLS context (see NewTlsContext)");
  }
  if (use_tls && !options.unix_socket.empty()) {
    return absl::InvalidArgumentError("TLS over a unix socket is not supported");
  }
  const std::chrono::nanoseconds connect_timeout = ToChrono(options.connect_timeout);
  const std::chrono::nanoseconds command_timeout = ToChrono(options.command_timeout);
  const TimePoint deadline = DeadlineAfter(Clock::now(), connect_timeout);
  int fd = -1;
  std::string peer;

  if (!options.unix_socket.empty()) {
    peer = absl::StrCat("unix:", options.unix_socket);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (options.unix_socket.size() >= sizeof(addr.sun_path)) {
      return absl::InvalidArgumentError(absl::StrCat("unix socket path too long: ", peer));
    }
    std::memcpy(addr.sun_path, options.unix_socket.data(), options.unix_socket.size());
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", ErrnoText(errno)));
    absl::Status s =
        ConnectFd(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr), deadline, peer);
    if (s.ok()) s = ConfigureSocket(fd, /*tcp=*/false, /*tls=*/false, command_timeout);
    if (!s.ok()) {
      close(fd);
      return s;
    }
  } else {
    if (options.port <= 0 || options.port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("bad port ", options.port));
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* result = nullptr;
    std::string port = std::to_string(options.port);
    int gai = getaddrinfo(options.host.c_str(), port.c_str(), &hints, &result);
    if (gai != 0) {
      return absl::UnavailableError(
          absl::StrCat("resolving ", options.host, ": ", gai_strerror(gai)));
    }
    absl::Status last = absl::UnavailableError(absl::StrCat("no address for ", options.host));
    for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
      peer = FormatPeer(ai->ai_addr, options.port);
      fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        last = absl::UnavailableError(absl::StrCat("socket: ", ErrnoText(errno)));
        continue;
      }
      last = ConnectFd(fd, ai->ai_addr, ai->ai_addrlen, deadline, peer);
      if (last.ok()) last = ConfigureSocket(fd, /*tcp=*/true, use_tls, command_timeout);
      if (last.ok()) break;
      close(fd);
      fd = -1;
      if (absl::IsDeadlineExceeded(last)) break;  // no time left for other addresses
    }
    freeaddrinfo(result);
    if (fd < 0) return last;
  }

  std::unique_ptr<Connection> conn(new Connection(fd, options, std::move(peer)));
  if (use_tls) {
    absl::Status s = conn->TlsHandshake(tls_context.get(), options, deadline);
    if (!s.ok()) return s;
  }
  absl::Status s = conn->Handshake(options);
  if (!s.ok()) return s;
  return conn;
}

Connection::Connection(int fd, const ClientOptions& options, std::string peer)
    : fd_(fd),
      command_timeout_(ToChrono(options.command_timeout)),
      peer_(std::move(peer)),
      last_used_(Clock::now()) {}

Connection::~Connection() {
  if (fd_ >= 0) {
    if (tls_ != nullptr) tls_->Shutdown();
    close(fd_);
  }
}

std::string_view Connection::tls_protocol() const {
  return tls_ != nullptr ? tls_->protocol() : std::string_view();
}

absl::Status Connection::TlsHandshake(ssl_ctx_st* context, const ClientOptions& options,
                                      TimePoint deadline) {
  tls_ = tls::Session::New(context, fd_, /*server=*/false);
  if (tls_ == nullptr) return Break(absl::InternalError("TLS: cannot allocate a session"));
  const std::string& name = options.tls.sni.empty() ? options.host : options.tls.sni;
  // No SNI for an IP literal (RFC 6066).
  in6_addr ignored;
  const bool literal = inet_pton(AF_INET, name.c_str(), &ignored) == 1 ||
                       inet_pton(AF_INET6, name.c_str(), &ignored) == 1;
  if (absl::Status s = tls_->SetPeerName(name, literal ? "" : name); !s.ok()) return Break(s);
  for (;;) {
    const tls::Session::Result r = tls_->Handshake();
    if (r == tls::Session::Result::kOk) return absl::OkStatus();
    if (r != tls::Session::Result::kWantRead && r != tls::Session::Result::kWantWrite) {
      return Break(absl::UnavailableError(
          absl::StrCat("TLS handshake with ", peer_, " failed: ", tls_->error())));
    }
    pollfd p{fd_, static_cast<short>(r == tls::Session::Result::kWantRead ? POLLIN : POLLOUT), 0};
    const int pr = PollUntil(&p, deadline);
    if (pr == 0) {
      return Break(
          absl::DeadlineExceededError(absl::StrCat("TLS handshake with ", peer_, ": timed out")));
    }
    if (pr < 0) return Break(absl::UnavailableError(absl::StrCat("poll: ", ErrnoText(errno))));
  }
}

absl::Status Connection::Handshake(const ClientOptions& options) {
  Pipeline p;
  std::vector<std::string_view> names;  // for messages
  // (Both branches must be views: a std::string temporary would dangle.)
  const std::string_view user =
      options.username.empty() ? std::string_view("default") : std::string_view(options.username);
  if (options.resp3) {
    std::vector<std::string_view> argv = {"HELLO", "3"};
    if (!options.password.empty()) {
      argv.insert(argv.end(), {"AUTH", user, options.password});
    }
    if (!options.client_name.empty()) argv.insert(argv.end(), {"SETNAME", options.client_name});
    p.Add(argv);
    names.push_back("HELLO");
  } else {
    if (!options.password.empty()) {
      if (options.username.empty()) {
        p.Add({"AUTH", options.password});
      } else {
        p.Add({"AUTH", options.username, options.password});
      }
      names.push_back("AUTH");
    }
    if (!options.client_name.empty()) {
      p.Add({"CLIENT", "SETNAME", options.client_name});
      names.push_back("CLIENT SETNAME");
    }
  }
  std::string db;
  if (options.db != 0) {
    db = std::to_string(options.db);
    p.Add({"SELECT", db});
    names.push_back("SELECT");
  }
  if (options.readonly) {  // a Redis Cluster replica serving reads
    p.Add({"READONLY"});
    names.push_back("READONLY");
  }
  if (p.empty()) return absl::OkStatus();
  std::vector<resp::Value> replies;
  absl::Status s = Exec(p, &replies);
  if (!s.ok()) return WithContext(s, "handshake");
  for (size_t i = 0; i < replies.size(); ++i) {
    if (replies[i].is_error()) {
      return Break(WithContext(StatusFromErrorReply(replies[i].str()),
                               absl::StrCat(peer_, ": ", ToAbsl(names[i]))));
    }
  }
  if (options.resp3) protocol_ = resp::Protocol::kResp3;
  return absl::OkStatus();
}

absl::Status Connection::Break(absl::Status status) {
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  tls_.reset();
  if (status_.ok()) status_ = status;
  return status;
}

absl::Status Connection::BrokenError() const {
  return absl::UnavailableError(
      absl::StrCat("connection to ", peer_, " is broken: ", status_.ToString()));
}

bool Connection::CheckIdle() {
  if (fd_ < 0) return false;
  if (tls_ != nullptr) return TlsCheckIdle();
  for (;;) {
    absl::Span<char> room = parser_.PrepareWrite(kReadChunk);
    ssize_t n = recv(fd_, room.data(), room.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n == 0) {
      Break(absl::UnavailableError(absl::StrCat(peer_, ": server closed the connection")))
          .IgnoreError();
      return false;
    }
    if (n < 0) {
      Break(absl::UnavailableError(absl::StrCat(peer_, ": recv: ", ErrnoText(errno))))
          .IgnoreError();
      return false;
    }
    parser_.CommitWrite(static_cast<size_t>(n));
    if (!CheckUnasked()) return false;
  }
}

bool Connection::CheckUnasked() {
  // Only RESP3 push messages may arrive unasked; anything else means the
  // replies are out of step.
  resp::Value v;
  while (parser_.Next(&v)) {
    if (v.type() != resp::Type::kPush) {
      Break(absl::InternalError(absl::StrCat(peer_, ": unexpected data from the server")))
          .IgnoreError();
      return false;
    }
  }
  if (!parser_.status().ok()) {
    Break(absl::InternalError(
              absl::StrCat(peer_, ": bad reply from the server: ", parser_.status().message())))
        .IgnoreError();
    return false;
  }
  return true;
}

bool Connection::TlsCheckIdle() {
  for (;;) {
    absl::Span<char> room = parser_.PrepareWrite(kReadChunk);
    size_t got = 0;
    switch (tls_->Read(room.data(), room.size(), &got)) {
      case tls::Session::Result::kOk:
        parser_.CommitWrite(got);
        if (!CheckUnasked()) return false;
        continue;
      case tls::Session::Result::kWantRead:
      case tls::Session::Result::kWantWrite:
        return true;
      case tls::Session::Result::kClosed:
        Break(absl::UnavailableError(absl::StrCat(peer_, ": server closed the connection")))
            .IgnoreError();
        return false;
      case tls::Session::Result::kError:
        Break(absl::UnavailableError(absl::StrCat(peer_, ": TLS: ", tls_->error()))).IgnoreError();
        return false;
    }
  }
}

absl::Status Connection::TlsSend(std::string_view bytes, TimePoint deadline, bool* waited) {
  while (!bytes.empty()) {
    size_t n = 0;
    const tls::Session::Result r = tls_->Write(bytes.data(), bytes.size(), &n);
    switch (r) {
      case tls::Session::Result::kOk:
        bytes.remove_prefix(n);
        continue;
      case tls::Session::Result::kClosed:
      case tls::Session::Result::kError: {
        // The server may have said why before closing (a TLS alert: "certificate required").
        std::string why = r == tls::Session::Result::kError ? tls_->error() : "";
        absl::Span<char> room = parser_.PrepareWrite(kReadChunk);
        size_t got = 0;
        if (tls_->Read(room.data(), room.size(), &got) == tls::Session::Result::kError) {
          why = tls_->error();
        }
        return Break(absl::UnavailableError(why.empty() ? absl::StrCat(peer_, ": connection closed")
                                                        : absl::StrCat(peer_, ": TLS: ", why)));
      }
      case tls::Session::Result::kWantRead:
      case tls::Session::Result::kWantWrite:
        break;
    }
    // As Send: wait for room, taking in replies that arrive meanwhile.
    *waited = true;
    pollfd p{fd_,
             static_cast<short>(r == tls::Session::Result::kWantWrite ? POLLOUT | POLLIN : POLLIN),
             0};
    const int pr = PollUntil(&p, deadline);
    if (pr == 0) {
      return Break(
          absl::DeadlineExceededError(absl::StrCat(peer_, ": timed out writing a command")));
    }
    if (pr < 0) return Break(absl::UnavailableError(absl::StrCat("poll: ", ErrnoText(errno))));
    if (r == tls::Session::Result::kWantWrite && (p.revents & POLLIN)) {
      absl::Span<char> room = parser_.PrepareWrite(kReadChunk);
      size_t got = 0;
      const tls::Session::Result rr = tls_->Read(room.data(), room.size(), &got);
      if (rr == tls::Session::Result::kOk) {
        parser_.CommitWrite(got);
      } else if (rr == tls::Session::Result::kClosed) {
        return Break(absl::UnavailableError(absl::StrCat(peer_, ": connection closed")));
      } else if (rr == tls::Session::Result::kError) {
        return Break(absl::UnavailableError(absl::StrCat(peer_, ": TLS: ", tls_->error())));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Connection::TlsReadSome(TimePoint deadline) {
  absl::Span<char> room = parser_.PrepareWrite(kReadChunk);
  for (;;) {
    size_t got = 0;
    const tls::Session::Result r = tls_->Read(room.data(), room.size(), &got);
    switch (r) {
      case tls::Session::Result::kOk:
        parser_.CommitWrite(got);
        return absl::OkStatus();
      case tls::Session::Result::kClosed:
        return Break(
            absl::UnavailableError(absl::StrCat(peer_, ": connection closed by the server")));
      case tls::Session::Result::kError:
        return Break(absl::UnavailableError(absl::StrCat(peer_, ": TLS: ", tls_->error())));
      case tls::Session::Result::kWantRead:
      case tls::Session::Result::kWantWrite:
        break;
    }
    pollfd p{fd_, static_cast<short>(r == tls::Session::Result::kWantRead ? POLLIN : POLLOUT), 0};
    const int pr = PollUntil(&p, deadline);
    if (pr == 0) {
      return Break(absl::DeadlineExceededError(
          absl::StrCat(peer_, ": no reply within the command timeout")));
    }
    if (pr < 0) return Break(absl::UnavailableError(absl::StrCat("poll: ", ErrnoText(errno))));
  }
}

absl::Status Connection::Send(std::string_view bytes, TimePoint deadline, bool* waited) {
  if (tls_ != nullptr) return TlsSend(bytes, deadline, waited);
  while (!bytes.empty()) {
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // The socket buffer is full: wait for room, and take in replies that
      // arrive meanwhile so that the server never blocks on us.
      *waited = true;
      pollfd p{fd_, POLLOUT | POLLIN, 0};
      int r = PollUntil(&p, deadline);
      if (r == 0) {
        return Break(
            absl::DeadlineExceededError(absl::StrCat(peer_, ": timed out writing a command")));
      }
      if (r < 0) return Break(absl::UnavailableError(absl::StrCat("poll: ", ErrnoText(errno))));
      if (p.revents & POLLIN) {
        absl::Span<char> room = parser_.PrepareWrite(kReadChunk);
        ssize_t got = recv(fd_, room.data(), room.size(), MSG_DONTWAIT);
        if (got == 0) {
          return Break(absl::UnavailableError(absl::StrCat(peer_, ": connection closed")));
        }
        if (got > 0) parser_.CommitWrite(static_cast<size_t>(got));
      }
      continue;
    }
    return Break(absl::UnavailableError(absl::StrCat(peer_, ": send: ", ErrnoText(errno))));
  }
  return absl::OkStatus();
}

absl::Status Connection::ReadSome(TimePoint deadline, bool blocking) {
  if (tls_ != nullptr) return TlsReadSome(deadline);
  absl::Span<char> room = parser_.PrepareWrite(kReadChunk);
  for (;;) {
    ssize_t n = recv(fd_, room.data(), room.size(), blocking ? 0 : MSG_DONTWAIT);
    if (n > 0) {
      parser_.CommitWrite(static_cast<size_t>(n));
      return absl::OkStatus();
    }
    if (n == 0) {
      return Break(
          absl::UnavailableError(absl::StrCat(peer_, ": connection closed by the server")));
    }
    if (errno == EINTR) {
      blocking = false;
      continue;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return Break(absl::UnavailableError(absl::StrCat(peer_, ": recv: ", ErrnoText(errno))));
    }
    if (blocking) {
      // SO_RCVTIMEO (the whole command timeout) expired.
      return Break(absl::DeadlineExceededError(
          absl::StrCat(peer_, ": no reply within the command timeout")));
    }
    pollfd p{fd_, POLLIN, 0};
    int r = PollUntil(&p, deadline);
    if (r == 0) {
      return Break(absl::DeadlineExceededError(
          absl::StrCat(peer_, ": no reply within the command timeout")));
    }
    if (r < 0) return Break(absl::UnavailableError(absl::StrCat("poll: ", ErrnoText(errno))));
  }
}

absl::Status Connection::Receive(size_t n, std::vector<resp::Value>* replies, resp::Value* single,
                                 TimePoint deadline, bool blocking_first_read) {
  const size_t want = n == 0 ? 1 : n;
  size_t got = 0;
  bool blocking = blocking_first_read;
  resp::Value tmp;
  for (;;) {
    resp::Value* slot = single != nullptr ? single : &tmp;
    while (got < want && parser_.Next(slot)) {
      if (slot->type() == resp::Type::kPush) continue;  // out-of-band, not a reply
      if (single == nullptr) replies->push_back(std::move(tmp));
      ++got;
    }
    if (!parser_.status().ok()) {
      return Break(absl::InternalError(
          absl::StrCat(peer_, ": bad reply from the server: ", parser_.status().message())));
    }
    if (got == want) return absl::OkStatus();
    absl::Status s = ReadSome(deadline, blocking);
    if (!s.ok()) return s;
    blocking = false;
  }
}

absl::StatusOr<resp::Value> Connection::Command(absl::Span<const std::string_view> argv) {
  if (fd_ < 0) return BrokenError();
  out_.clear();
  resp::AppendCommand(&out_, argv);
  const TimePoint start = Clock::now();
  const TimePoint deadline = DeadlineAfter(start, command_timeout_);
  last_used_ = start;
  bool waited = false;
  absl::Status s = Send(out_, deadline, &waited);
  if (out_.capacity() > kKeepOutput) {
    out_.clear();
    out_.shrink_to_fit();
  }
  if (!s.ok()) return s;
  resp::Value reply;
  s = Receive(0, nullptr, &reply, deadline, /*blocking_first_read=*/!waited);
  if (!s.ok()) return s;
  return reply;
}

absl::Status Connection::Exec(const Pipeline& pipeline, std::vector<resp::Value>* replies) {
  if (fd_ < 0) return BrokenError();
  if (pipeline.empty()) return absl::OkStatus();
  const TimePoint start = Clock::now();
  const TimePoint deadline = DeadlineAfter(start, command_timeout_);
  last_used_ = start;
  bool waited = false;
  absl::Status s = Send(pipeline.bytes(), deadline, &waited);
  if (!s.ok()) return s;
  replies->reserve(replies->size() + pipeline.size());
  return Receive(pipeline.size(), replies, nullptr, deadline, /*blocking_first_read=*/!waited);
}

void Connection::Abandon() {
  Break(absl::CancelledError(absl::StrCat(peer_, ": abandoned with replies unread")));
}

absl::Status Connection::SendPipeline(const Pipeline& pipeline) {
  if (fd_ < 0) return BrokenError();
  const TimePoint start = Clock::now();
  pending_deadline_ = DeadlineAfter(start, command_timeout_);
  last_used_ = start;
  pending_waited_ = false;
  return Send(pipeline.bytes(), pending_deadline_, &pending_waited_);
}

absl::Status Connection::ReceivePipeline(size_t n, std::vector<resp::Value>* replies) {
  if (fd_ < 0) return BrokenError();
  if (n == 0) return absl::OkStatus();
  replies->reserve(replies->size() + n);
  return Receive(n, replies, nullptr, pending_deadline_, /*blocking_first_read=*/!pending_waited_);
}

absl::StatusOr<std::vector<resp::Value>> Connection::Exec(const Pipeline& pipeline) {
  std::vector<resp::Value> replies;
  absl::Status s = Exec(pipeline, &replies);
  if (!s.ok()) return s;
  return replies;
}

absl::Status Connection::SendCommand(absl::Span<const std::string_view> argv) {
  if (fd_ < 0) return BrokenError();
  out_.clear();
  resp::AppendCommand(&out_, argv);
  bool waited = false;
  return Send(out_, DeadlineAfter(Clock::now(), command_timeout_), &waited);
}

absl::StatusOr<std::optional<resp::Value>> Connection::ReadMessage(absl::Duration wait) {
  if (fd_ < 0) return BrokenError();
  const TimePoint deadline = DeadlineAfter(Clock::now(), ToChrono(wait));
  for (;;) {
    resp::Value v;
    if (parser_.Next(&v)) return std::optional<resp::Value>(std::move(v));
    if (!parser_.status().ok()) {
      return Break(absl::InternalError(
          absl::StrCat(peer_, ": bad reply from the server: ", parser_.status().message())));
    }
    if (tls_ == nullptr || tls_->Pending() == 0) {
      pollfd p{fd_, POLLIN, 0};
      const int r = PollUntil(&p, deadline);
      if (r == 0) return std::optional<resp::Value>();
      if (r < 0) return Break(absl::UnavailableError(absl::StrCat("poll: ", ErrnoText(errno))));
    }
    // Readable: the rest of a message that has begun is due within the command timeout.
    const TimePoint read_deadline = DeadlineAfter(Clock::now(), command_timeout_);
    absl::Status s =
        tls_ != nullptr ? TlsReadSome(read_deadline) : ReadSome(read_deadline, /*blocking=*/false);
    if (!s.ok()) return s;
  }
}

}  // namespace embedis
