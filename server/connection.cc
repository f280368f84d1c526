// Connection (the per-client state the loop and the CLIENT commands share), and the small
// helpers of server_state.h that are not the loop's: clocks, log levels, addresses.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/util/strings.h"
#include "server/server_state.h"

namespace embedis {
namespace server_internal {

// Fills ip/port from a socket address; returns false for non-inet families.
bool SockaddrToIp(const sockaddr_storage& ss, std::string* ip, int* port) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
    *port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof(buf));
    *port = ntohs(a->sin6_port);
  } else {
    return false;
  }
  *ip = buf;
  return true;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  std::string lower = commands::AsciiLower(name);
  if (lower == "debug") return LogLevel::kDebug;
  if (lower == "verbose") return LogLevel::kVerbose;
  if (lower == "notice") return LogLevel::kNotice;
  if (lower == "warning") return LogLevel::kWarning;
  return std::nullopt;
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kVerbose:
      return "verbose";
    case LogLevel::kNotice:
      return "notice";
    case LogLevel::kWarning:
      return "warning";
  }
  return "notice";
}

std::string FormatAddress(std::string_view ip, int port) {
  if (ip.find(':') != std::string_view::npos) {
    return absl::StrCat("[", ToAbsl(ip), "]:", port);
  }
  return absl::StrCat(ToAbsl(ip), ":", port);
}

// ---------------------------------------------------------------------------------------------
// Connection

Connection::Connection(ServerState* state, EventLoop* loop, int fd, int64_t id, std::string addr,
                       std::string laddr, bool is_local, bool is_unix)
    : parser(resp::RequestParserOptions{
          .max_bulk_length = state->config().proto_max_bulk_len.load(std::memory_order_relaxed)}),
      created_ms(NowMs()),
      last_interaction_ms(created_ms),
      state_(state),
      loop_(loop),
      fd_(fd),
      id_(id),
      addr_(std::move(addr)),
      laddr_(std::move(laddr)),
      local(is_local),
      unix_socket(is_unix) {
  client.id = id;
  client.authenticated = !state->config().has_password.load(std::memory_order_relaxed);
  parser.set_authenticated(client.authenticated);
}

Connection::~Connection() {
  if (!closed) ::close(fd_);
}

ssize_t Connection::TlsRead(char* buf, size_t n) {
  size_t got = 0;
  switch (tls->Read(buf, n, &got)) {
    case tls::Session::Result::kOk:
      return static_cast<ssize_t>(got);
    case tls::Session::Result::kClosed:
      return 0;
    case tls::Session::Result::kWantWrite:
      tls_read_wants_write = true;
      [[fallthrough]];
    case tls::Session::Result::kWantRead:
      errno = EAGAIN;
      return -1;
    case tls::Session::Result::kError:
      tls_error = tls->error();
      errno = EPROTO;
      return -1;
  }
  errno = EPROTO;
  return -1;
}

ssize_t Connection::TlsWrite(const char* buf, size_t n) {
  size_t written = 0;
  switch (tls->Write(buf, n, &written)) {
    case tls::Session::Result::kOk:
      return static_cast<ssize_t>(written);
    case tls::Session::Result::kWantRead:
      tls_write_wants_read = true;
      [[fallthrough]];
    case tls::Session::Result::kWantWrite:
      errno = EAGAIN;
      return -1;
    case tls::Session::Result::kClosed:
      errno = EPIPE;
      return -1;
    case tls::Session::Result::kError:
      tls_error = tls->error();
      errno = EPROTO;
      return -1;
  }
  errno = EPROTO;
  return -1;
}

void Connection::SetName(std::string name) {
  client.name = name;
  MutexLock l(&info_mu_);
  name_ = std::move(name);
}

void Connection::SetLibName(std::string name) {
  client.lib_name = name;
  MutexLock l(&info_mu_);
  lib_name_ = std::move(name);
}

void Connection::SetLibVer(std::string ver) {
  client.lib_ver = ver;
  MutexLock l(&info_mu_);
  lib_ver_ = std::move(ver);
}

void Connection::SetReplyMode(bool off, bool skip) {
  const bool before = replies_dropped();
  reply_off_ = off;
  reply_skip_ = skip;
  if (replies_dropped() != before) reply_switches_.emplace_back(out.size(), replies_dropped());
}

void Connection::RepliesOn() { SetReplyMode(false, false); }
void Connection::RepliesOff() { SetReplyMode(true, reply_skip_); }
void Connection::ResetReplies() { SetReplyMode(false, reply_skip_); }

void Connection::SkipNextReply() {
  if (!reply_off_) reply_skip_next_ = true;
}

void Connection::EndCommandOutput(size_t mark, bool dropping) {
  if (dropping || !reply_switches_.empty()) [[unlikely]] {
    // The command's output [mark, end) alternates between dropped and kept runs at the switches;
    // erase the dropped runs, last first so that the earlier offsets stay valid.
    std::vector<std::pair<size_t, size_t>> drop;  // [from, to)
    size_t from = mark;
    for (const auto& [at, drop_from_here] : reply_switches_) {
      if (dropping && !drop_from_here) drop.emplace_back(from, at);
      if (!dropping && drop_from_here) from = at;
      dropping = drop_from_here;
    }
    if (dropping) drop.emplace_back(from, out.size());
    for (auto it = drop.rbegin(); it != drop.rend(); ++it) {
      out.erase(it->first, it->second - it->first);
    }
    reply_switches_.clear();
  }
  reply_skip_ = reply_skip_next_;
  reply_skip_next_ = false;
}

std::string Connection::Name() const {
  MutexLock l(&info_mu_);
  return name_;
}

uint64_t Connection::TotalMemory() const {
  return qbuf.load(std::memory_order_relaxed) + out_capacity.load(std::memory_order_relaxed) +
         sizeof(*this);
}

std::string Connection::InfoLine(int64_t now_ms) const {
  std::string name, lib_name, lib_ver;
  {
    MutexLock l(&info_mu_);
    name = name_;
    lib_name = lib_name_;
    lib_ver = lib_ver_;
  }
  std::string cmd = "NULL";
  if (const commands::CommandSpec* spec = last_cmd.load(std::memory_order_relaxed)) {
    cmd = spec->name;
    if (const commands::CommandSpec* sub = last_subcmd.load(std::memory_order_relaxed)) {
      absl::StrAppend(&cmd, "|", sub->name);
    }
  }
  const uint64_t q = qbuf.load(std::memory_order_relaxed);
  const uint64_t o = omem.load(std::memory_order_relaxed);
  const int queued = multi.load(std::memory_order_relaxed);
  const Subscriber* sub = client.subscriber.get();  // set before the registry publishes us
  const int64_t nsub = sub != nullptr ? sub->channel_count() : 0;
  const int64_t npsub = sub != nullptr ? sub->pattern_count() : 0;
  const int64_t nssub = sub != nullptr ? sub->shard_channel_count() : 0;
  std::string flags = absl::StrCat(
      queued >= 0 ? "x" : "", blocked.load(std::memory_order_relaxed) ? "b" : "",
      nsub + npsub + nssub > 0 ? "P" : "", no_evict.load(std::memory_order_relaxed) ? "e" : "");
  if (flags.empty()) flags = "N";
  return absl::StrCat(
      "id=", id_, " addr=", addr_, " laddr=", laddr_, " fd=", fd_, " name=", name,
      " age=", (now_ms - created_ms) / 1000,
      " idle=", (now_ms - last_interaction_ms.load(std::memory_order_relaxed)) / 1000,
      " flags=", flags, " db=", db.load(std::memory_order_relaxed), " sub=", nsub, " psub=", npsub,
      " ssub=", nssub, " multi=", queued, " qbuf=", q, " qbuf-free=0 argv-mem=0 multi-mem=0",
      " rbs=", kReadSize, " rbp=0 obl=0 oll=0 omem=", o, " tot-mem=", TotalMemory(), " events=r",
      o > 0 ? "w" : "", " cmd=", cmd,
      " user=default redir=-1 resp=", resp.load(std::memory_order_relaxed), " lib-name=", lib_name,
      " lib-ver=", lib_ver);
}

}  // namespace server_internal
}  // namespace embedis
