// The EventLoop (accept, read, execute, write); Connection is in connection.cc, ServerState in
// server_state.cc.
#include "server/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/scripting/script_engine.h"
#include "lib/util/errors.h"
#include "lib/util/strings.h"
#include "server/command_util.h"
#include "server/server_state.h"

namespace embedis {
namespace server_internal {
namespace {

constexpr uint64_t kWakeTag = 1ULL << 63;
constexpr uint64_t kListenerTag = 1ULL << 62;
constexpr int kMaxEvents = 256;
constexpr int kAcceptsPerWakeup = 64;
constexpr size_t kKeepOutputCapacity = 64 * 1024;
// How long a connection keeps an output buffer bigger than kKeepOutputCapacity after its last
// big reply drained. Freeing it at once made every big reply (LRANGE of 600 elements: 120 KB)
// map fresh pages and grow the string again: five times Redis's CPU per request.
constexpr int64_t kBigOutputIdleMs = 2000;
// While a script is busy: how long a waiting loop sleeps between looks.
constexpr int kBusyPollMs = 5;

// What a connection past maxclients gets before it is closed.
const std::string& MaxClientsReply() {
  static const std::string* reply = new std::string(absl::StrCat("-", errors::kMaxClients, "\r\n"));
  return *reply;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// EventLoop

EventLoop::EventLoop(ServerState* state, int index) : state_(state), index_(index) {}

EventLoop::~EventLoop() {
  if (spare_fd_ >= 0) ::close(spare_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

absl::Status EventLoop::Init(const std::vector<Listener>& listeners) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return absl::InternalError(absl::StrCat("epoll_create1: ", strerror(errno)));
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return absl::InternalError(absl::StrCat("eventfd: ", strerror(errno)));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
    return absl::InternalError(absl::StrCat("epoll_ctl: ", strerror(errno)));
  }
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);  // see OnAcceptOutOfFds
  listeners_ = listeners;
  for (size_t i = 0; i < listeners_.size(); ++i) {
    epoll_event lev{};
    // EPOLLEXCLUSIVE: a new connection wakes one loop, not all of them.
    lev.events = EPOLLIN | EPOLLEXCLUSIVE;
    lev.data.u64 = kListenerTag | i;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listeners_[i].fd, &lev) != 0) {
      return absl::InternalError(absl::StrCat("epoll_ctl(listener): ", strerror(errno)));
    }
  }
  return absl::OkStatus();
}

void EventLoop::Start() {
  thread_ = std::thread([this] { Run(); });
}

void EventLoop::Join() {
  if (thread_.joinable()) thread_.join();
}

void EventLoop::Wake() {
  uint64_t one = 1;
  ssize_t ignored = ::write(wake_fd_, &one, sizeof(one));
  (void)ignored;
}

void EventLoop::Adopt(std::shared_ptr<Connection> conn) {
  count_.fetch_add(1, std::memory_order_relaxed);
  {
    MutexLock l(&inbox_mu_);
    inbox_conns_.push_back(std::move(conn));
  }
  Wake();
}

void EventLoop::Kill(int64_t id) {
  {
    MutexLock l(&inbox_mu_);
    inbox_kills_.push_back(id);
  }
  Wake();
}

void EventLoop::Evict(int64_t id) {
  {
    MutexLock l(&inbox_mu_);
    inbox_evictions_.push_back(id);
  }
  Wake();
}

void EventLoop::DrainInbox() {
  uint64_t value;
  while (::read(wake_fd_, &value, sizeof(value)) > 0) {
  }
  std::vector<std::shared_ptr<Connection>> conns;
  std::vector<int64_t> kills, unblocks, evictions;
  std::vector<std::pair<int, std::string>> ready;
  std::vector<std::shared_ptr<Connection>> mail;
  // While a script is busy, ready keys and CLIENT UNBLOCKs stay in the inbox until it ends (they
  // re-run blocked commands), and so does a kill of the connection whose command runs the script.
  const bool busy = ScriptBusy() || serving_busy_;
  {
    MutexLock l(&inbox_mu_);
    mail.swap(inbox_mail_);
    conns.swap(inbox_conns_);
    kills.swap(inbox_kills_);
    evictions.swap(inbox_evictions_);
    if (!busy) {
      ready.swap(inbox_ready_);
      unblocks.swap(inbox_unblocks_);
    } else if (!inbox_ready_.empty() || !inbox_unblocks_.empty()) {
      inbox_deferred_ = true;
    }
  }
  if (serving_busy_) {  // mail for the client whose command is under way: after the command
    auto running = std::find_if(mail.begin(), mail.end(),
                                [&](const auto& c) { return c.get() == executing_; });
    if (running != mail.end()) {
      MutexLock l(&inbox_mu_);
      inbox_mail_.push_back(std::move(*running));
      inbox_deferred_ = true;
      mail.erase(running);
    }
  }
  if (!unblocks.empty()) FinishUnblocks(unblocks);
  if (!ready.empty()) ServeReady(std::move(ready));
  for (auto& c : conns) Register(std::move(c));
  if (!mail.empty()) DeliverMail(mail);
  for (int64_t id : evictions) {  // as Redis's freeClient: nothing more is sent
    auto it = conns_.find(id);
    if (it == conns_.end()) continue;
    if (it->second.get() == executing_) {  // its command (a busy script) is under way: after it
      MutexLock l(&inbox_mu_);
      inbox_evictions_.push_back(id);
      inbox_deferred_ = true;
      continue;
    }
    Close(it->second, "client eviction (maxmemory-clients)");
  }
  for (int64_t id : kills) {
    auto it = conns_.find(id);
    if (it == conns_.end()) continue;
    std::shared_ptr<Connection> c = it->second;
    if (c.get() == executing_) {  // killed while its command runs: once the command is over
      MutexLock l(&inbox_mu_);
      inbox_kills_.push_back(id);
      inbox_deferred_ = true;
      continue;
    }
    // Let replies already produced go out first, as redis-server does for CLIENT KILL.
    c->closing = true;
    if (Flush(c)) UpdateInterest(*c);
    if (!c->closed) Close(c, "killed by CLIENT KILL");
  }
}

void EventLoop::Register(std::shared_ptr<Connection> conn) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = static_cast<uint64_t>(conn->id());
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, conn->fd(), &ev) != 0) {
    state_->Log(LogLevel::kWarning, absl::StrCat("epoll_ctl(add): ", strerror(errno)));
    count_.fetch_sub(1, std::memory_order_relaxed);
    state_->ReleaseSlot();
    return;
  }
  conn->registered_events = EPOLLIN;
  conn->client.subscriber = NewConnectionSubscriber(conn);
  state_->AddClient(conn);
  conns_.emplace(conn->id(), std::move(conn));
}

void EventLoop::Accept(const Listener& listener) {
  for (int i = 0; i < kAcceptsPerWakeup; ++i) {
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    int fd = accept4(listener.fd, reinterpret_cast<sockaddr*>(&peer), &len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      if (errno == EMFILE || errno == ENFILE) OnAcceptOutOfFds(listener);
      return;
    }
    Stats& stats = state_->stats();
    stats.connections_received.fetch_add(1, std::memory_order_relaxed);
    std::string addr, laddr;
    bool local = true;
    if (listener.unix_socket) {
      addr = absl::StrCat(listener.address, ":0");
      laddr = addr;
    } else {
      std::string ip;
      int port = 0;
      if (SockaddrToIp(peer, &ip, &port)) {
        addr = FormatAddress(ip, port);
        local = IsLoopbackAddress(ip);
      }
      sockaddr_storage self{};
      socklen_t self_len = sizeof(self);
      if (getsockname(fd, reinterpret_cast<sockaddr*>(&self), &self_len) == 0 &&
          SockaddrToIp(self, &ip, &port)) {
        laddr = FormatAddress(ip, port);
      }
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    }
    RuntimeConfig& config = state_->config();
    if (!state_->TryReserveSlot()) {
      stats.rejected_connections.fetch_add(1, std::memory_order_relaxed);
      if (!listener.tls) {  // (a TLS client could not read a plain-text error)
        ssize_t ignored =
            ::send(fd, MaxClientsReply().data(), MaxClientsReply().size(), MSG_NOSIGNAL);
        (void)ignored;
      }
      ::close(fd);
      continue;
    }
    if (ProtectedModeRefuses(config.protected_mode.load(std::memory_order_relaxed),
                             config.has_password.load(std::memory_order_relaxed), local)) {
      std::string reply = absl::StrCat("-", ToAbsl(ProtectedModeError()), "\r\n");
      ssize_t ignored = listener.tls ? 0 : ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
      (void)ignored;
      ::close(fd);
      state_->ReleaseSlot();
      state_->Log(LogLevel::kWarning,
                  absl::StrCat("Possible SECURITY ATTACK detected: protected mode refused ", addr));
      continue;
    }
    EventLoop* target = state_->PickLoop();
    auto conn =
        std::make_shared<Connection>(state_, target, fd, state_->NextClientId(), std::move(addr),
                                     std::move(laddr), local, listener.unix_socket);
    if (listener.tls) {
      conn->tls = tls::Session::New(state_->tls_context().get(), fd, /*server=*/true);
      if (conn->tls == nullptr) {
        state_->Log(LogLevel::kWarning, "Error creating a TLS session for a client");
        ::close(fd);
        conn->closed = true;
        state_->ReleaseSlot();
        continue;
      }
    }
    state_->Log(LogLevel::kVerbose, absl::StrCat("Accepted ", conn->addr()));
    if (target == this) {
      count_.fetch_add(1, std::memory_order_relaxed);
      Register(std::move(conn));
    } else {
      target->Adopt(std::move(conn));
    }
  }
}

void EventLoop::OnAcceptOutOfFds(const Listener& listener) {
  const int err = errno;
  // The pending connection would make the listener readable again at once (a busy loop): free
  // the spare descriptor, take the connection, tell it the server is full and close it.
  if (spare_fd_ >= 0) {
    ::close(spare_fd_);
    spare_fd_ = -1;
    int fd = accept4(listener.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      state_->stats().rejected_connections.fetch_add(1, std::memory_order_relaxed);
      ssize_t ignored =
          ::send(fd, MaxClientsReply().data(), MaxClientsReply().size(), MSG_NOSIGNAL);
      (void)ignored;
      ::close(fd);
    }
    spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  // At most one line a second, however many connections are refused.
  const int64_t now = MonotonicMs();
  ++accept_errors_unlogged_;
  if (now - last_accept_error_log_ms_ < 1000) return;
  last_accept_error_log_ms_ = now;
  state_->Log(LogLevel::kWarning,
              absl::StrCat("Error accepting a client connection: ", strerror(err), " (",
                           accept_errors_unlogged_,
                           " times since the last such message; lower maxclients or raise "
                           "'ulimit -n')"));
  accept_errors_unlogged_ = 0;
}

void EventLoop::UpdateInterest(Connection& c) {
  if (c.closed) return;
  uint32_t want = 0;
  // A paused connection is still read (its commands wait in the query buffer): a client that
  // writes a long pipeline before reading must be able to finish writing.
  if (!c.closing && !c.backlog) want |= EPOLLIN;
  if (c.pending_output() > 0) want |= EPOLLOUT;
  if (c.tls != nullptr) [[unlikely]] {
    if (c.tls_read_wants_write) want |= EPOLLOUT;
    if (c.tls_write_wants_read) want |= EPOLLIN;
  }
  if (want == c.registered_events) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = static_cast<uint64_t>(c.id());
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd(), &ev);
  c.registered_events = want;
}

void EventLoop::Close(const std::shared_ptr<Connection>& c, std::string_view reason) {
  if (c->closed) return;
  c->closed = true;
  // Forgotten by the registry (CLIENT LIST/KILL, maxclients) before the peer can see the close:
  // a client that saw its connection end must not find it still counted.
  // MULTI state and WATCH registrations go now, not when the last reference does.
  c->client.ResetTransaction();
  if (c->client.subscriber != nullptr) {
    state_->keyspace()->pubsub().UnsubscribeAll(c->client.subscriber.get());
  }
  state_->monitors().Remove(c.get());
  if (c->block != nullptr) Unblock(*c);
  if (c->blocked.exchange(false, std::memory_order_relaxed)) {
    state_->blocked_clients().fetch_sub(1, std::memory_order_relaxed);
  }
  state_->RemoveClient(c->id());
  state_->ReleaseSlot();
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd(), nullptr);
  if (c->tls != nullptr) c->tls->Shutdown();
  ::close(c->fd());
  state_->Log(LogLevel::kVerbose, absl::StrCat("Client id=", c->id(), " addr=", c->addr(),
                                               " closed: ", ToAbsl(reason)));
  conns_.erase(c->id());
  count_.fetch_sub(1, std::memory_order_relaxed);
}

void EventLoop::OnReadable(const std::shared_ptr<Connection>& c) {
  if (c->closing || c->backlog) return;
  absl::Span<char> room = c->parser.PrepareWrite(kReadSize);
  ssize_t n = c->Read(room.data(), room.size());
  if (n == 0) return Close(c, "connection closed by client");
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      if (c->tls != nullptr) UpdateInterest(*c);  // the handshake may wait for writability
      return;
    }
    return Close(c, errno == EPROTO && c->tls != nullptr ? std::string_view(c->tls_error)
                                                         : std::string_view(strerror(errno)));
  }
  c->parser.CommitWrite(static_cast<size_t>(n));
  state_->stats().net_input_bytes.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
  // The turn's time (read once per epoll_wait, as Redis's cached server.mstime), not a clock read
  // per read: that cost a -P 1 request more than some commands do.
  c->last_interaction_ms.store(turn_ms_, std::memory_order_relaxed);
  // A connection held by a client pause is still read (a hang-up closes it, as in redis-server)
  // but runs nothing: ResumeHeld resumes the held connections in order. A paused connection
  // (replies piled up) is read but runs nothing until Flush has drained them.
  if (c->held.empty() && !c->paused && !Process(c)) return;
  const int64_t limit = state_->config().client_query_buffer_limit.load(std::memory_order_relaxed);
  if (!c->closing && static_cast<int64_t>(c->parser.pending_bytes()) > limit) {
    state_->stats().query_limit_disconnections.fetch_add(1, std::memory_order_relaxed);
    state_->Log(LogLevel::kWarning,
                absl::StrCat("Closing client that reached max query buffer length: ",
                             c->InfoLine(NowMs())));
    if (!Flush(c)) return;  // the replies so far go out first, as before the close
    return Close(c, "query buffer limit");
  }
  c->qbuf.store(c->parser.pending_bytes(), std::memory_order_relaxed);
}

void EventLoop::OnWritable(const std::shared_ptr<Connection>& c) { Flush(c); }

bool EventLoop::ExecuteOne(Connection& c, const std::vector<std::string_view>& argv,
                           const commands::CommandSpec* spec) {
  const commands::CommandTable& table = state_->table();
  const commands::Args args(argv.data(), argv.size());
  // Looked up and checked once; everything below and Execute use the resolution.
  const commands::Resolved resolved = table.Resolve(args, spec);
  c.last_cmd.store(spec, std::memory_order_relaxed);
  c.last_subcmd.store(resolved.sub, std::memory_order_relaxed);
  if (const PauseMode pause = state_->ActivePause(); pause != PauseMode::kNone) [[unlikely]] {
    // (As Redis: a busy script's -BUSY comes before the pause.)
    const bool refused_busy =
        busy_mode_ && !(resolved.ok() && (resolved.flags() & commands::kAllowBusy) != 0);
    if (!refused_busy && HeldByPause(pause, table, c.client, resolved)) return false;
  }
  const size_t mark = c.out.size();
  const bool dropping = c.replies_dropped();
  // As redis-server: unknown commands and wrong arity are reported before NOAUTH.
  if (!c.client.authenticated && resolved.command_ok() && (spec->flags & commands::kNoAuth) == 0) {
    c.writer.Error(errors::kNoAuth);
    c.EndCommandOutput(mark, dropping);
    return true;
  }
  commands::CommandContext ctx{.keyspace = state_->keyspace(),
                               .client = &c.client,
                               .reply = &c.writer,
                               .server = &c,
                               .exclusive = &exclusive_,
                               .may_block = true,
                               .observer = &state_->monitors(),
                               .script_busy = busy_mode_};
  const Persistence* const persistence = state_->persistence();
  const Aof* const aof = state_->aof();
  const bool rdb_error = persistence != nullptr && persistence->writes_denied();
  const bool aof_error = aof != nullptr && aof->writes_denied();
  if (rdb_error || aof_error) [[unlikely]] {
    // As redis-server's processCommand: the maxmemory check (OOM) comes before MISCONF, and the
    // snapshot's error before the append-only file's.
    if (table.RefuseForMaxmemory(ctx, resolved) ||
        (rdb_error && RefuseForDiskError(c, resolved, errors::kMisconf)) ||
        (aof_error && RefuseForDiskError(c, resolved, aof->misconf_error()))) {
      c.EndCommandOutput(mark, dropping);
      return true;
    }
  }
  if (c.client.in_pubsub_context() && resolved.ok()) [[unlikely]] {
    if (!AllowedInPubSubContext(c, resolved)) {
      c.EndCommandOutput(mark, dropping);
      return true;
    }
  }
  {
    // CLIENT NO-TOUCH: the client's commands leave the keys' LRU/LFU information alone, except
    // TOUCH (Redis 7.2).
    Keyspace::NoTouchScope no_touch(c.no_touch &&
                                    !(resolved.ok() && resolved.top->name == "touch"));
    table.Execute(ctx, args, resolved);
  }
  // A command that asks to block wrote nothing: its reply (and CLIENT REPLY SKIP's effect on it)
  // comes when it is served or times out (the caller parks it: server/blocking.h).
  if (c.client.block_request.has_value()) [[unlikely]]
    return true;
  c.EndCommandOutput(mark, dropping);  // CLIENT REPLY OFF / SKIP
  const int queued = c.client.tx.in_multi ? static_cast<int>(c.client.tx.queue.size()) : -1;
  if (queued != c.multi.load(std::memory_order_relaxed)) {
    c.multi.store(queued, std::memory_order_relaxed);
  }
  if (c.writer.protocol() != c.client.protocol) c.writer.set_protocol(c.client.protocol);
  c.db.store(c.client.db, std::memory_order_relaxed);
  c.resp.store(static_cast<int>(c.client.protocol), std::memory_order_relaxed);
  if (c.parser.authenticated() != c.client.authenticated) {
    c.parser.set_authenticated(c.client.authenticated);
  }
  if (c.client.close_after_reply) c.closing = true;
  return true;
}

// As redis-server after a failed background save (Persistence::writes_denied()): a write command,
// PING, or an EXEC whose queue holds a write is refused with MISCONF (EXEC discards the
// transaction, "EXECABORT Transaction discarded because of: MISCONF ..."); one refused while
// queuing in MULTI makes EXEC fail. Returns whether the command was refused.
bool EventLoop::RefuseForDiskError(Connection& c, const commands::Resolved& resolved,
                                   std::string_view misconf) {
  if (!resolved.ok()) return false;  // the command's own error comes first
  commands::Transaction& tx = c.client.tx;
  const commands::CommandSpec& spec = *resolved.spec();
  if (resolved.has(commands::kEndsTransaction)) {  // EXEC
    if (!tx.in_multi) return false;
    bool writes = false;
    for (const std::vector<std::string>& queued : tx.queue) {
      const commands::CommandSpec* q = state_->table().Find(queued[0]);
      writes |= q != nullptr && (q->flags & commands::kWrite) != 0;
    }
    if (!writes) return false;
    tx.Discard();
    tx.UnwatchAll();
    c.writer.Error(absl::StrCat(errors::kExecAbortBecause, ToAbsl(misconf)));
    return true;
  }
  if ((resolved.flags() & commands::kWrite) == 0 && spec.name != "ping") return false;
  if (tx.in_multi && !resolved.has(commands::kRunsInMulti)) tx.failed = true;
  c.writer.Error(misconf);
  return true;
}

// As redis-server 7.0 for a RESP2 client with subscriptions: only (P|S)(UN)SUBSCRIBE, PING, QUIT
// and RESET run; anything else is refused. Returns true when the command may run.
bool EventLoop::AllowedInPubSubContext(Connection& c, const commands::Resolved& resolved) {
  static const char* const kAllowed[] = {"subscribe",    "unsubscribe", "psubscribe",
                                         "punsubscribe", "ssubscribe",  "sunsubscribe",
                                         "ping",         "quit",        "reset"};
  const std::string& name = resolved.top->name;
  for (const char* a : kAllowed) {
    if (name == a) return true;
  }
  std::string full = name;
  if (resolved.sub != nullptr) absl::StrAppend(&full, "|", resolved.sub->name);
  c.writer.Error(absl::StrCat("ERR Can't execute '", full,
                              "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
                              "are allowed in this context"));
  return false;
}

// Called by EXEC (or a script) on this loop's thread, inside Process (which holds exec_mu_).
// Sections take the gate's token one at a time, then lock every loop in index order (only short
// batches hold those then). Waiting for the token, or for this loop's mutex afterwards, while a
// script is busy, this loop's other clients are served in busy mode (see server_state.h).
void EventLoop::Exclusive::Run(absl::FunctionRef<void()> fn) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (running_) return fn();  // CLIENT UNBLOCK queued in MULTI: EXEC holds every loop already
  ServerState* state = loop_->state_;
  const int n = state->io_threads();
  auto busy = [this] { return loop_->ScriptBusy(); };
  // Never wait for a loop mutex while holding one out of index order: let ours go first.
  loop_->exec_mu_.Unlock();
  while (!state->gate().Take(busy)) loop_->ServeWhileBusy(kBusyPollMs);
  for (int i = 0; i < n; ++i) state->loop(i).exec_mu_.Lock();
  running_ = true;
  fn();
  running_ = false;
  for (int i = n - 1; i >= 0; --i) state->loop(i).exec_mu_.Unlock();
  state->gate().Release();
  while (!state->gate().Wait(
      [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return loop_->exec_mu_.TryLock(); }, busy)) {
    loop_->ServeWhileBusy(kBusyPollMs);
  }
}

// The script of this section is busy (called from its Lua hook): wake the loops that wait for
// the gate, and serve this loop's other clients.
void EventLoop::Exclusive::WhileBusy() {
  loop_->state_->gate().Notify();
  loop_->ServeWhileBusy(0);
}

bool EventLoop::ScriptBusy() const {
  scripting::ScriptEngine* engine = state_->table().scripts();
  return engine != nullptr && engine->busy().busy();
}

bool EventLoop::LockExec(std::unique_lock<Mutex>& lock) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (serving_busy_) return false;  // nested in a busy script's wait: busy mode only
  if (exec_mu_.TryLock()) {
    lock = std::unique_lock<Mutex>(exec_mu_, std::adopt_lock);
    return true;
  }
  if (!state_->gate().Wait([this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return exec_mu_.TryLock(); },
                           [this] { return ScriptBusy(); })) {
    return false;
  }
  lock = std::unique_lock<Mutex>(exec_mu_, std::adopt_lock);
  return true;
}

void EventLoop::ServeWhileBusy(int timeout_ms) {
  if (serving_busy_) return;
  serving_busy_ = true;
  // Replies this turn produced before the script started go out now (the turn's FlushPending
  // comes after the script), as Redis writes pending replies while a script is busy.
  for (size_t i = 0; i < to_flush_.size(); ++i) {
    const std::shared_ptr<Connection> c = to_flush_[i];
    if (c.get() != executing_ && !c->closed && c->pending_output() > 0) Flush(c);
  }
  epoll_event events[64];
  const int n = epoll_wait(epoll_fd_, events, 64, timeout_ms);
  turn_ms_ = NowMs();
  for (int i = 0; i < n; ++i) {
    const epoll_event& ev = events[i];
    if (ev.data.u64 == kWakeTag) {
      DrainInbox();  // new connections, kills and mail; the rest waits (DrainInbox)
      continue;
    }
    if (ev.data.u64 & kListenerTag) {
      Accept(listeners_[ev.data.u64 & ~kListenerTag]);
      continue;
    }
    auto it = conns_.find(static_cast<int64_t>(ev.data.u64));
    if (it == conns_.end()) continue;
    std::shared_ptr<Connection> c = it->second;
    // The client whose command waits (or runs the script) is not read meanwhile, as in Redis.
    if (c.get() == executing_) continue;
    if ((ev.events & EPOLLOUT) && !Flush(c)) continue;
    if (ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
      if ((ev.events & EPOLLIN) == 0) {
        Close(c, "socket error");
        continue;
      }
      OnReadable(c);
      if (!c->closed) Flush(c);  // the outer turn's FlushPending comes only after the script
    }
  }
  // Connections with commands left from an earlier turn.
  for (int64_t id : std::vector<int64_t>(backlog_)) {
    auto it = conns_.find(id);
    if (it == conns_.end() || it->second.get() == executing_) continue;
    std::shared_ptr<Connection> c = it->second;
    if (c->paused || c->closing || !ScriptBusy()) continue;
    std::erase(backlog_, id);
    c->backlog = false;
    Process(c);
    if (!c->closed) Flush(c);
  }
  serving_busy_ = false;
}

bool EventLoop::OverOutputLimit(Connection& c, int64_t hard) {
  const int64_t pending = static_cast<int64_t>(c.pending_output());
  if (hard > 0 && pending > hard) return true;
  // As redis-server's soft limit: past it for more than its seconds in a row.
  const int64_t soft = state_->config().client_output_soft_limit.load(std::memory_order_relaxed);
  if (soft <= 0 || pending <= soft) {
    c.soft_limit_since_ms = 0;
    return false;
  }
  const int64_t now_ms = NowMs();  // read only past the soft limit: not once per command
  if (c.soft_limit_since_ms == 0) {
    c.soft_limit_since_ms = now_ms;
    return false;
  }
  const int64_t seconds =
      state_->config().client_output_soft_seconds.load(std::memory_order_relaxed);
  return now_ms - c.soft_limit_since_ms > seconds * 1000;
}

void EventLoop::CloseForOutputLimit(const std::shared_ptr<Connection>& c) {
  state_->stats().output_limit_disconnections.fetch_add(1, std::memory_order_relaxed);
  state_->Log(LogLevel::kWarning, absl::StrCat("Client ", c->InfoLine(NowMs()),
                                               " closed for overcoming of output buffer limits."));
  Close(c, "output buffer limit");
}

bool EventLoop::Process(const std::shared_ptr<Connection>& c) {
  RuntimeConfig& config = state_->config();
  const size_t pause =
      static_cast<size_t>(config.client_output_pause.load(std::memory_order_relaxed));
  const int64_t hard = config.client_output_buffer_limit.load(std::memory_order_relaxed);
  const commands::CommandTable& table = state_->table();
  int budget = state_->options().max_commands_per_turn;
  bool more = false;
  bool held = false;  // a client pause holds the next command
  uint64_t executed = 0;
  // Held while this batch executes, so that another loop's EXEC can hold this loop off; not held
  // while a script is busy (busy mode: see "Busy scripts" in server_state.h).
  std::unique_lock<Mutex> exec_lock(exec_mu_, std::defer_lock);
  const bool busy_mode = !LockExec(exec_lock);
  struct Restore {
    EventLoop* loop;
    Connection* executing;
    bool busy_mode;
    ~Restore() {
      loop->executing_ = executing;
      loop->busy_mode_ = busy_mode;
    }
  } restore{this, executing_, busy_mode_};
  executing_ = c.get();
  busy_mode_ = busy_mode;
  // After each command: false if the connection was closed for its output.
  auto within_output_limit = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (!OverOutputLimit(*c, hard)) return true;
    if (exec_lock.owns_lock()) exec_lock.unlock();
    state_->stats().commands_processed.fetch_add(executed, std::memory_order_relaxed);
    CloseForOutputLimit(c);
    return false;
  };
  while (!c->closing && !held && c->block == nullptr) {
    if (c->pending_output() > pause) {
      c->paused = true;  // backpressure: resume when the replies have drained
      break;
    }
    if (budget == 0) {
      more = true;
      break;
    }
    if (busy_mode && !ScriptBusy()) [[unlikely]] {
      more = true;  // the script is over: the rest runs under the lock, next turn
      break;
    }
    if (!c->held.empty()) [[unlikely]] {
      // Commands a client pause held run first, in order, once it no longer holds them.
      const std::vector<std::string>& command = c->held.front();
      const std::vector<std::string_view> argv(command.begin(), command.end());
      if (!ExecuteOne(*c, argv, table.Find(argv[0]))) {
        held = true;
        break;
      }
      if (c->client.block_request.has_value()) [[unlikely]]
        Park(*c, argv);
      c->held.pop_front();
      --budget;
      ++executed;
      if (!within_output_limit()) return false;
      continue;
    }
    // Take a batch of complete commands (their views stay valid until the next read), prefetch
    // the keys they will touch, then run them: the batch's cache misses overlap. A command that
    // may change how the next ones parse (AUTH, HELLO, RESET: the parser's unauthenticated
    // limits) ends the batch, so every command is parsed in the state redis-server would parse
    // it in.
    // CONFIG SET proto-max-bulk-len reaches every connection's parser (an admin command or a
    // container such as CONFIG ends the batch, so the commands after it are parsed under the new
    // limit, as in redis-server).
    if (const int64_t max_bulk = config.proto_max_bulk_len.load(std::memory_order_relaxed);
        max_bulk != c->parser.options().max_bulk_length) [[unlikely]] {
      c->parser.set_max_bulk_length(max_bulk);
    }
    // Busy mode takes one command at a time: the script may end after any of them.
    const size_t want = busy_mode ? 1 : std::min<size_t>(static_cast<size_t>(budget), kBatch);
    size_t n = 0;
    // Nested in a busy script's command (ServeWhileBusy), the outer command's batch stays intact.
    std::vector<std::vector<std::string_view>>& batch = serving_busy_ ? busy_batch_ : batch_;
    std::vector<const commands::CommandSpec*>& found = serving_busy_ ? busy_found_ : found_;
    while (n < want && c->parser.Next(&batch[n])) {
      const commands::CommandSpec* spec = table.Find(batch[n][0]);
      found[n++] = spec;
      if (spec != nullptr && ((spec->flags & (commands::kNoAuth | commands::kAdmin)) != 0 ||
                              !spec->subcommands.empty())) {
        break;
      }
    }
    if (n == 0) break;
    budget -= static_cast<int>(n);
    if (n > 1) {
      table.PrefetchKeys(*state_->keyspace(), c->client.db,
                         absl::Span<const std::vector<std::string_view>>(batch.data(), n),
                         found.data());
    }
    for (size_t i = 0; i < n && !c->closing; ++i) {  // after QUIT or a kill, drop the rest
      if (!ExecuteOne(*c, batch[i], found[i])) {
        // Held by a client pause: it and the rest of the batch wait in the connection.
        for (size_t j = i; j < n; ++j) c->held.emplace_back(batch[j].begin(), batch[j].end());
        held = true;
        break;
      }
      ++executed;
      if (c->client.block_request.has_value()) [[unlikely]] {
        // Blocked on keys: the rest of the batch waits, in order, until it is unblocked.
        Park(*c, commands::Args(batch[i].data(), batch[i].size()));
        for (size_t j = i + 1; j < n; ++j) c->held.emplace_back(batch[j].begin(), batch[j].end());
        break;
      }
      if (!within_output_limit()) return false;
    }
    if (state_->stopping()) break;
  }
  if (exec_lock.owns_lock()) exec_lock.unlock();
  state_->stats().commands_processed.fetch_add(executed, std::memory_order_relaxed);
  if (const bool blocked = !c->held.empty() || c->block != nullptr;
      blocked != c->blocked.load(std::memory_order_relaxed)) {
    c->blocked.store(blocked, std::memory_order_relaxed);
    state_->blocked_clients().fetch_add(blocked ? 1 : -1, std::memory_order_relaxed);
  }
  if (held && !c->held_listed) {
    c->held_listed = true;
    held_.push_back(c->id());
  }
  if (!c->closing && !c->paused && !more && c->held.empty() && c->block == nullptr &&
      !c->parser.status().ok()) {
    // redis-server answers a protocol error with -ERR and closes the connection (the error, too,
    // is dropped under CLIENT REPLY OFF or SKIP).
    if (!c->replies_dropped()) c->writer.Error(absl::StrCat("ERR ", c->parser.status().message()));
    c->closing = true;
    state_->Log(LogLevel::kVerbose, absl::StrCat("Protocol error (", c->parser.status().message(),
                                                 ") from client: ", c->addr()));
  }
  if (more && !c->backlog) {
    c->backlog = true;
    backlog_.push_back(c->id());
  } else if (!more) {
    c->backlog = false;
  }
  // The replies leave at the end of the loop turn, after every ready connection has been read and
  // run (as redis-server writes in beforeSleep): a client with many connections (redis-benchmark,
  // a pool) then finds many replies at once and wakes up once for them, not once per reply.
  if (!c->flush_pending) {
    c->flush_pending = true;
    to_flush_.push_back(c);
  }
  return true;
}

void EventLoop::ResumeHeld() {
  if (held_.empty()) return;
  // While the same pause is in force nothing it holds can run: a pause only ends or grows.
  const uint64_t epoch = state_->pause_epoch();
  if (epoch == held_pause_epoch_ && state_->ActivePause() != PauseMode::kNone) return;
  held_pause_epoch_ = epoch;
  std::vector<int64_t> ids;
  ids.swap(held_);
  for (int64_t id : ids) {  // in the order they were held; Process holds each again if it must
    auto it = conns_.find(id);
    if (it == conns_.end()) continue;
    std::shared_ptr<Connection> c = it->second;
    c->held_listed = false;
    if (c->closing || c->backlog) continue;  // the backlog runs it
    if (c->paused) {
      // Waits for its output to drain (Flush then puts it in the backlog); stays held meanwhile.
      c->held_listed = true;
      held_.push_back(id);
      continue;
    }
    Process(c);
  }
}

void EventLoop::FlushPending() {
  std::vector<std::shared_ptr<Connection>> list;
  list.swap(to_flush_);
  for (const std::shared_ptr<Connection>& c : list) {
    c->flush_pending = false;
    Flush(c);  // a closed connection is skipped; one closing after its reply is closed here
  }
}

bool EventLoop::Flush(const std::shared_ptr<Connection>& c) {
  if (c->closed) return false;
  // appendfsync always: the writes these replies acknowledge are on disk first (server/aof.h).
  if (Aof* aof = state_->aof(); aof != nullptr) aof->BeforeReply();
  uint64_t written = 0;
  while (c->pending_output() > 0) {
    ssize_t n = c->Write(c->out.data() + c->out_sent, c->pending_output());
    if (n > 0) {
      c->out_sent += static_cast<size_t>(n);
      written += static_cast<uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    state_->stats().net_output_bytes.fetch_add(written, std::memory_order_relaxed);
    Close(c, n < 0 ? (errno == EPROTO && c->tls != nullptr ? std::string_view(c->tls_error)
                                                           : std::string_view(strerror(errno)))
                   : "write returned 0");
    return false;
  }
  if (written > 0) {
    state_->stats().net_output_bytes.fetch_add(written, std::memory_order_relaxed);
  }
  if (c->pending_output() == 0) {
    // The capacity stays: the next reply of this size needs no new memory. A big buffer goes
    // back when the connection has not needed it for kBigOutputIdleMs (Cron).
    if (c->out.size() > kKeepOutputCapacity) c->big_output_ms = NowMs();
    c->out.clear();
    c->out_sent = 0;
    if (c->closing) {
      Close(c, "closed after reply");
      return false;
    }
    if (c->paused) {
      c->paused = false;
      if (!c->backlog) {
        c->backlog = true;
        backlog_.push_back(c->id());
      }
    }
  } else if (c->out_sent > kKeepOutputCapacity && c->out_sent * 2 > c->out.size()) {
    c->out.erase(0, c->out_sent);
    c->out_sent = 0;
  }
  c->omem.store(c->pending_output(), std::memory_order_relaxed);
  c->out_capacity.store(c->out.capacity(), std::memory_order_relaxed);
  UpdateInterest(*c);
  return true;
}

void EventLoop::Cron() {
  const int64_t now = NowMs();
  // A client that reads none of its replies runs no more commands once they pass the pause
  // threshold, so its soft output limit is checked here too.
  if (state_->config().client_output_soft_limit.load(std::memory_order_relaxed) > 0) {
    const int64_t hard =
        state_->config().client_output_buffer_limit.load(std::memory_order_relaxed);
    std::vector<std::shared_ptr<Connection>> over;
    for (const auto& [id, c] : conns_) {
      if (!c->closing && OverOutputLimit(*c, hard)) over.push_back(c);
    }
    for (const auto& c : over) CloseForOutputLimit(c);
  }
  if (now - last_buffer_check_ms_ >= 1000) {  // big output buffers unused for a while go back
    last_buffer_check_ms_ = now;
    for (const auto& [id, c] : conns_) {
      if (c->out.capacity() > kKeepOutputCapacity && c->pending_output() == 0 &&
          now - c->big_output_ms >= kBigOutputIdleMs) {
        std::string().swap(c->out);
        c->out_sent = 0;
        c->out_capacity.store(c->out.capacity(), std::memory_order_relaxed);
      }
    }
  }
  const int timeout = state_->config().timeout_seconds.load(std::memory_order_relaxed);
  if (timeout > 0) {
    std::vector<std::shared_ptr<Connection>> idle;
    for (const auto& [id, c] : conns_) {
      // As redis-server: a blocked client does not time out.
      if (!c->held.empty() || c->block != nullptr) continue;
      if (now - c->last_interaction_ms.load(std::memory_order_relaxed) >
          static_cast<int64_t>(timeout) * 1000) {
        idle.push_back(c);
      }
    }
    for (const auto& c : idle) Close(c, "idle timeout");
  }
  if (index_ == 0) {
    if (state_->config().maxmemory_clients.load(std::memory_order_relaxed) != 0) EvictClients();
    const uint64_t ops = state_->stats().commands_processed.load(std::memory_order_relaxed);
    if (last_ops_ms_ != 0 && now > last_ops_ms_) {
      state_->stats().ops_per_sec.store((ops - last_ops_) * 1000 / (now - last_ops_ms_),
                                        std::memory_order_relaxed);
    }
    last_ops_ = ops;
    last_ops_ms_ = now;
  }
}

// Redis 7's client eviction (evictClients): the limit is maxmemory-clients bytes, or its
// percentage of maxmemory, at least 128 KB; while the clients' memory (CLIENT LIST tot-mem,
// summed over every loop's clients) is at or over it, the client using most is disconnected,
// except those with CLIENT NO-EVICT on. Runs in loop 0's cron (every 1000/hz ms), so a client
// may pass the limit for up to one cron period; the chosen client's own loop closes it.
void EventLoop::EvictClients() {
  const int64_t setting = state_->config().maxmemory_clients.load(std::memory_order_relaxed);
  uint64_t limit = 0;
  if (setting > 0) {
    limit = static_cast<uint64_t>(setting);
  } else {
    const uint64_t maxmemory = state_->keyspace()->eviction_options().maxmemory;
    if (maxmemory == 0) return;  // a percentage of no limit: none
    limit = static_cast<uint64_t>(static_cast<double>(maxmemory) * static_cast<double>(-setting) /
                                  100.0);
  }
  limit = std::max<uint64_t>(limit, 128 * 1024);
  std::vector<std::pair<uint64_t, std::shared_ptr<Connection>>> clients;
  uint64_t total = 0;
  for (std::shared_ptr<Connection>& c : state_->Clients()) {
    if (c->evicted.load(std::memory_order_relaxed)) continue;  // being closed
    const uint64_t mem = c->TotalMemory();
    total += mem;
    if (!c->no_evict.load(std::memory_order_relaxed)) clients.emplace_back(mem, std::move(c));
  }
  if (total < limit) return;
  std::sort(clients.begin(), clients.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  const int64_t now = NowMs();
  for (auto& [mem, c] : clients) {
    if (total < limit) break;
    state_->Log(LogLevel::kNotice, absl::StrCat("Evicting client: ", c->InfoLine(now)));
    c->evicted.store(true, std::memory_order_relaxed);
    c->loop()->Evict(c->id());
    state_->stats().evicted_clients.fetch_add(1, std::memory_order_relaxed);
    total -= mem;
  }
  if (total >= limit && now - last_client_eviction_log_ms_ >= 1000) {  // at most once a second
    last_client_eviction_log_ms_ = now;
    state_->Log(LogLevel::kWarning, "Over client maxmemory after evicting all evictable clients");
  }
}

void EventLoop::Run() {
  std::vector<epoll_event> events(kMaxEvents);
  SetCurrentLoop(this);
  last_cron_ms_ = NowMs();
  while (!state_->stopping()) {
    const int hz = std::clamp(state_->config().hz.load(std::memory_order_relaxed), 1, 500);
    const int cron_interval = 1000 / hz;
    int timeout = backlog_.empty() ? cron_interval : 0;
    if (!held_.empty()) {  // wake when the pause ends (or CLIENT UNPAUSE wakes us)
      timeout = static_cast<int>(std::min<int64_t>(timeout, state_->PauseRemainingMs()));
    }
    timeout = BlockedSleepMs(timeout);
    if (inbox_deferred_ || ScriptBusy()) {
      // Something waits for a busy script to end (ready keys, unblocks, blocked clients' timeouts,
      // this loop's mutex): look again soon, without spinning.
      if (inbox_deferred_ && !ScriptBusy()) {
        inbox_deferred_ = false;
        Wake();
      }
      if (backlog_.empty()) timeout = std::clamp(timeout, kBusyPollMs, cron_interval);
    }
    int n = epoll_wait(epoll_fd_, events.data(), kMaxEvents, timeout);
    turn_ms_ = NowMs();
    if (n < 0 && errno != EINTR) {
      state_->Log(LogLevel::kWarning, absl::StrCat("epoll_wait: ", strerror(errno)));
      break;
    }
    // Connections a client pause held go first, before anything read in this turn.
    ResumeHeld();
    if (!paused_ready_.empty() && state_->ActivePause() == PauseMode::kNone && !ScriptBusy()) {
      ServeReady(std::exchange(paused_ready_, {}));
    }
    for (int i = 0; i < n; ++i) {
      const epoll_event& ev = events[i];
      if (ev.data.u64 == kWakeTag) {
        DrainInbox();
        continue;
      }
      if (ev.data.u64 & kListenerTag) {
        Accept(listeners_[ev.data.u64 & ~kListenerTag]);
        continue;
      }
      auto it = conns_.find(static_cast<int64_t>(ev.data.u64));
      if (it == conns_.end()) continue;  // closed earlier in this batch
      std::shared_ptr<Connection> c = it->second;
      if (c->tls != nullptr) [[unlikely]] {
        // A TLS read that waited for writability, a write that waited for readability.
        if ((ev.events & EPOLLOUT) && c->tls_read_wants_write) {
          c->tls_read_wants_write = false;
          OnReadable(c);
          if (c->closed) continue;
        }
        if ((ev.events & EPOLLIN) && c->tls_write_wants_read) {
          c->tls_write_wants_read = false;
          if (!Flush(c)) continue;
        }
      }
      if (ev.events & EPOLLOUT) {
        if (!Flush(c)) continue;
      }
      if (ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        if ((ev.events & EPOLLIN) == 0 && (ev.events & (EPOLLHUP | EPOLLERR))) {
          Close(c, "socket error");
          continue;
        }
        OnReadable(c);
      }
    }
    if (!backlog_.empty()) {
      std::vector<int64_t> ids;
      ids.swap(backlog_);
      for (int64_t id : ids) {
        auto it = conns_.find(id);
        if (it == conns_.end()) continue;
        std::shared_ptr<Connection> c = it->second;
        c->backlog = false;
        if (c->paused || c->closing) {
          UpdateInterest(*c);
          continue;
        }
        Process(c);
      }
    }
    if (!deadlines_.empty()) ExpireBlocked();
    FlushPending();
    const int64_t now = NowMs();
    if (now - last_cron_ms_ >= cron_interval) {
      last_cron_ms_ = now;
      Cron();
    }
  }
  // Stopping: close everything this loop owns, and connections still in the inbox.
  DrainInbox();
  std::vector<std::shared_ptr<Connection>> all;
  for (const auto& [id, c] : conns_) all.push_back(c);
  for (const auto& c : all) {
    Flush(c);
    Close(c, "server stopping");
  }
}

}  // namespace server_internal
}  // namespace embedis
