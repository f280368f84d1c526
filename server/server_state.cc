// ServerState (listeners, the client registry, start and stop) and the public Server.
#include "server/server_state.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
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
#include <limits>
#include <random>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/scripting/script_engine.h"
#include "lib/util/strings.h"
#include "server/server.h"

namespace embedis {

namespace server_internal {
namespace {

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ NowMs());
  static const char kHex[] = "0123456789abcdef";
  std::string s(n, '0');
  for (char& c : s) c = kHex[gen() % 16];
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ServerState

int DefaultIoThreads(unsigned cpus) {
  // One loop per two CPUs, at most 4, at least 1: the clients (or, embedded, the application)
  // need CPUs too. Measured on 2 vCPUs with redis-benchmark on the same machine: a second loop
  // made p99 latency worse (three busy threads on two CPUs) without more throughput
  // (benchmarks/RESULTS.md, "embedis-server vs redis-server").
  return static_cast<int>(std::clamp(cpus / 2, 1u, 4u));
}

int AdjustOpenFilesLimit(int maxclients, const std::function<void(LogLevel, std::string)>& log) {
  const rlim_t want = static_cast<rlim_t>(maxclients) + kReservedFds;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    log(LogLevel::kWarning,
        absl::StrCat("Unable to obtain the current NOFILE limit (", strerror(errno),
                     "), assuming 1024 and setting the max clients configuration accordingly."));
    return std::min(maxclients, 1024 - kReservedFds);
  }
  const rlim_t old_limit = limit.rlim_cur;
  if (old_limit >= want) return maxclients;
  // Only the soft limit moves (an embedding application keeps its hard limit).
  rlim_t best = std::min(want, limit.rlim_max);
  int error = EPERM;
  while (best > old_limit) {
    limit.rlim_cur = best;
    if (setrlimit(RLIMIT_NOFILE, &limit) == 0) break;
    error = errno;
    best = best < 16 ? old_limit : best - 16;
  }
  best = std::max(best, old_limit);
  if (best >= want) {
    log(LogLevel::kNotice, absl::StrCat("Increased maximum number of open files to ", want,
                                        " (it was originally set to ", old_limit, ")."));
    return maxclients;
  }
  if (best <= static_cast<rlim_t>(kReservedFds)) {
    log(LogLevel::kWarning,
        absl::StrCat("Your current 'ulimit -n' of ", old_limit,
                     " is not enough for the server to start. Please increase your open file "
                     "limit to at least ",
                     want, ". Exiting."));
    return 0;
  }
  const int fits = static_cast<int>(best) - kReservedFds;
  log(LogLevel::kWarning, absl::StrCat("You requested maxclients of ", maxclients,
                                       " requiring at least ", want, " max file descriptors."));
  log(LogLevel::kWarning, absl::StrCat("Server can't set maximum open files to ", want,
                                       " because of OS error: ", strerror(error), "."));
  log(LogLevel::kWarning,
      absl::StrCat("Current maximum open files is ", best, ". maxclients has been reduced to ",
                   fits,
                   " to compensate for low ulimit. If you need higher maxclients increase "
                   "'ulimit -n'."));
  return fits;
}

void PublishRuntimeConfig(const ServerOptions& values, RuntimeConfig* config) {
  config->maxclients = values.maxclients;
  config->timeout_seconds = values.timeout_seconds;
  config->proto_max_bulk_len = values.proto_max_bulk_len;
  config->client_query_buffer_limit = values.client_query_buffer_limit;
  config->maxmemory_clients = values.maxmemory_clients;
  config->client_output_buffer_limit = values.client_output_buffer_limit;
  config->client_output_soft_limit = values.client_output_buffer_soft_limit;
  config->client_output_soft_seconds = values.client_output_buffer_soft_seconds;
  config->pubsub_output_hard = values.pubsub_output_buffer_limit.hard;
  config->pubsub_output_soft = values.pubsub_output_buffer_limit.soft;
  config->pubsub_output_soft_seconds = values.pubsub_output_buffer_limit.soft_seconds;
  config->protected_mode = values.protected_mode;
  config->loglevel = static_cast<int>(ParseLogLevel(values.loglevel).value_or(LogLevel::kNotice));
  config->hz = values.hz;
}

static_assert(kMaxProtoMaxBulkLen == static_cast<int64_t>(Keyspace::kMaxKeyBytes),
              "a client's key must fit the keyspace");

ServerState::ServerState(Keyspace* keyspace, ServerOptions options)
    : keyspace_(keyspace),
      options_(std::move(options)),
      table_(commands::CommandTable::WithDataCommands()) {
  RegisterServerCommands(&table_);
  {
    MutexLock l(&config_.values_mu);
    config_.values = options_;
    config_.values.proto_max_bulk_len = std::min(options_.proto_max_bulk_len, kMaxProtoMaxBulkLen);
    config_.values.hz = std::clamp(options_.hz, 1, 500);
    config_.values.databases = keyspace_->databases();
    config_.values.shards = keyspace_->shards();
    if (!options_.persistence.enabled) config_.values.persistence.save.clear();
    PublishRuntimeConfig(config_.values, &config_);
  }
  config_.client_output_pause = options_.client_output_pause;
  table_.scripts()->busy().set_threshold_ms(options_.busy_reply_threshold_ms);
  config_.has_password = !options_.requirepass.empty();
  password_ = options_.requirepass;
  run_id_ = RandomHex(40);
  if (options_.persistence.enabled) {
    persistence_ = std::make_unique<Persistence>(
        keyspace_, options_.persistence, [this](bool warning, std::string_view message) {
          Log(warning ? LogLevel::kWarning : LogLevel::kNotice, message);
        });
  }
}

ServerState::~ServerState() { Stop(); }

absl::Status ServerState::ReloadTls(const tls::ServerConfig& config) {
  if (tls_port_ <= 0) return absl::OkStatus();
  absl::StatusOr<tls::ContextPtr> ctx = tls::NewServerContext(config);
  if (!ctx.ok()) return ctx.status();
  std::shared_ptr<ssl_ctx_st> fresh(std::move(*ctx));
  MutexLock l(&tls_mu_);
  tls_context_.swap(fresh);
  return absl::OkStatus();  // the old context goes when its last session does
}


void ServerState::Log(LogLevel level, std::string_view message) {
  if (static_cast<int>(level) < config_.loglevel.load(std::memory_order_relaxed)) return;
  static const char kMarks[] = ".-*#";
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  int ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char date[64];
  std::strftime(date, sizeof(date), "%d %b %Y %H:%M:%S", &tm);
  MutexLock l(&log_mu_);
  std::fprintf(stderr, "%d:M %s.%03d %c %.*s\n", static_cast<int>(getpid()), date, ms,
               kMarks[static_cast<int>(level)], static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
}

std::string ServerState::Password() const {
  MutexLock l(&password_mu_);
  return password_;
}

void ServerState::SetPassword(std::string password) {
  MutexLock l(&password_mu_);
  config_.has_password.store(!password.empty(), std::memory_order_relaxed);
  password_ = std::move(password);
}

bool ServerState::CheckPassword(std::string_view candidate) const {
  std::string password = Password();
  // Constant time in the length of the candidate and the password: no early exit on the first
  // differing byte (the lengths themselves are not secret enough to hide, as in redis-server).
  unsigned char diff = password.size() == candidate.size() ? 0 : 1;
  const size_t n = std::max(password.size(), candidate.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char a = i < password.size() ? static_cast<unsigned char>(password[i]) : 0;
    unsigned char b = i < candidate.size() ? static_cast<unsigned char>(candidate[i]) : 0;
    diff |= static_cast<unsigned char>(a ^ b);
  }
  return diff == 0 && !password.empty();
}

bool ServerState::TryReserveSlot() {
  const size_t max = static_cast<size_t>(std::max(config_.maxclients.load(), 1));
  size_t current = connected_.load(std::memory_order_relaxed);
  while (true) {
    if (current >= max) return false;
    if (connected_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed)) {
      return true;
    }
  }
}

void ServerState::ReleaseSlot() { connected_.fetch_sub(1, std::memory_order_relaxed); }

void ServerState::AddClient(const std::shared_ptr<Connection>& c) {
  MutexLock l(&clients_mu_);
  clients_[c->id()] = c;
}

void ServerState::RemoveClient(int64_t id) {
  std::shared_ptr<Connection> victim;  // destroyed outside the lock
  MutexLock l(&clients_mu_);
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  victim = std::move(it->second);
  clients_.erase(it);
}

std::vector<std::shared_ptr<Connection>> ServerState::Clients() const {
  std::vector<std::shared_ptr<Connection>> out;
  {
    MutexLock l(&clients_mu_);
    out.reserve(clients_.size());
    for (const auto& [id, c] : clients_) out.push_back(c);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a->id() < b->id(); });
  return out;
}

std::shared_ptr<Connection> ServerState::FindClient(int64_t id) const {
  MutexLock l(&clients_mu_);
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second;
}

EventLoop* ServerState::PickLoop() {
  EventLoop* best = loops_[0].get();
  for (const auto& loop : loops_) {
    if (loop->connection_count() < best->connection_count()) best = loop.get();
  }
  return best;
}

void ServerState::Pause(int64_t timeout_ms, PauseMode mode) {
  // redis-server adds the timeout to the wall clock in milliseconds; past INT64_MAX the end wraps
  // into the past and the pause is over at once (it still makes a pause in force stricter).
  const bool overflows = timeout_ms > std::numeric_limits<int64_t>::max() - NowMs();
  MutexLock l(&pause_mu_);
  const int64_t now = MonotonicMs();
  int64_t end = pause_end_ms_.load(std::memory_order_relaxed);
  int mode_now = pause_mode_.load(std::memory_order_relaxed);
  if (now >= end) {  // a pause that has ended is forgotten
    end = std::numeric_limits<int64_t>::min();
    mode_now = static_cast<int>(PauseMode::kNone);
  }
  if (!overflows) end = std::max(end, now + timeout_ms);
  pause_end_ms_.store(end, std::memory_order_release);
  pause_mode_.store(std::max(mode_now, static_cast<int>(mode)), std::memory_order_release);
  pause_epoch_.fetch_add(1, std::memory_order_acq_rel);
}

void ServerState::Unpause() {
  {
    MutexLock l(&pause_mu_);
    pause_mode_.store(static_cast<int>(PauseMode::kNone), std::memory_order_release);
    pause_end_ms_.store(std::numeric_limits<int64_t>::min(), std::memory_order_release);
    pause_epoch_.fetch_add(1, std::memory_order_acq_rel);
  }
  for (auto& loop : loops_) loop->Wake();  // their held connections run now
}

PauseMode ServerState::ActivePause() const {
  const int mode = pause_mode_.load(std::memory_order_acquire);
  if (mode == static_cast<int>(PauseMode::kNone)) return PauseMode::kNone;
  if (MonotonicMs() >= pause_end_ms_.load(std::memory_order_acquire)) return PauseMode::kNone;
  return static_cast<PauseMode>(mode);
}

int64_t ServerState::PauseRemainingMs() const {
  if (pause_mode_.load(std::memory_order_acquire) == static_cast<int>(PauseMode::kNone)) return 0;
  return std::max<int64_t>(0, pause_end_ms_.load(std::memory_order_acquire) - MonotonicMs());
}

absl::Status ServerState::ListenTcp(const std::string& spec, bool optional, int requested,
                                    int* bound, bool tls) {
  std::string host = spec;
  if (host == "*") host = "0.0.0.0";
  if (host == "::*") host = "::";
  const bool v6 = host.find(':') != std::string::npos;
  sockaddr_storage ss{};
  socklen_t len;
  const int want_port = *bound >= 0 ? *bound : requested;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(want_port));
    if (inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1) {
      return absl::InvalidArgumentError(absl::StrCat("Invalid bind address '", spec, "'"));
    }
    len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(want_port));
    if (inet_pton(AF_INET, host.c_str(), &a->sin_addr) != 1) {
      return absl::InvalidArgumentError(absl::StrCat("Invalid bind address '", spec, "'"));
    }
    len = sizeof(sockaddr_in);
  }
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    if (optional) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat("socket: ", strerror(errno)));
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (v6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, 511) != 0) {
    int err = errno;
    ::close(fd);
    if (optional && (err == EADDRNOTAVAIL || err == EAFNOSUPPORT || err == EPROTONOSUPPORT)) {
      return absl::OkStatus();
    }
    return absl::UnavailableError(absl::StrCat("Could not create server TCP listening socket ",
                                               host, ":", want_port, ": ", strerror(err)));
  }
  if (*bound < 0) {
    sockaddr_storage self{};
    socklen_t self_len = sizeof(self);
    getsockname(fd, reinterpret_cast<sockaddr*>(&self), &self_len);
    std::string ip;
    int port = 0;
    SockaddrToIp(self, &ip, &port);
    *bound = port;
  }
  listeners_.push_back(Listener{.fd = fd, .address = FormatAddress(host, *bound), .tls = tls});
  return absl::OkStatus();
}

absl::Status ServerState::ListenUnix() {
  const std::string& path = options_.unixsocket;
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("unixsocket path too long: ", path));
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  ::unlink(path.c_str());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("socket(AF_UNIX): ", strerror(errno)));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 511) != 0) {
    int err = errno;
    ::close(fd);
    return absl::UnavailableError(
        absl::StrCat("Failed opening Unix socket ", path, ": ", strerror(err)));
  }
  if (options_.unixsocketperm != 0) {
    ::chmod(path.c_str(), static_cast<mode_t>(options_.unixsocketperm));
  }
  listeners_.push_back(Listener{.fd = fd, .address = path, .unix_socket = true});
  return absl::OkStatus();
}

absl::Status ServerState::Listen() {
  if (options_.port >= 0) {
    if (options_.port > 65535) return absl::InvalidArgumentError("Invalid port");
    bool any = false;
    for (const std::string& raw : options_.bind) {
      const bool optional = !raw.empty() && raw[0] == '-';
      std::string address = optional ? raw.substr(1) : raw;
      size_t before = listeners_.size();
      absl::Status s = ListenTcp(address, optional, options_.port, &port_, /*tls=*/false);
      if (!s.ok()) return s;
      any = any || listeners_.size() > before;
    }
    if (!any) return absl::UnavailableError("Failed listening on any bind address");
  }
  if (options_.tls.port > 0) {
    if (options_.tls.port > 65535) return absl::InvalidArgumentError("Invalid tls-port");
    bool any = false;
    for (const std::string& raw : options_.bind) {
      const bool optional = !raw.empty() && raw[0] == '-';
      std::string address = optional ? raw.substr(1) : raw;
      size_t before = listeners_.size();
      absl::Status s = ListenTcp(address, optional, options_.tls.port, &tls_port_, /*tls=*/true);
      if (!s.ok()) return s;
      any = any || listeners_.size() > before;
    }
    if (!any) return absl::UnavailableError("Failed listening on any bind address (tls-port)");
  }
  if (!options_.unixsocket.empty()) {
    absl::Status s = ListenUnix();
    if (!s.ok()) return s;
  }
  if (listeners_.empty()) {
    return absl::InvalidArgumentError("Nothing to listen on: set a port or a unixsocket");
  }
  return absl::OkStatus();
}

void ServerState::CloseListeners() {
  for (const Listener& l : listeners_) {
    ::close(l.fd);
    if (l.unix_socket) ::unlink(l.address.c_str());
  }
  listeners_.clear();
}

absl::Status ServerState::Start() {
  if (started_) return absl::FailedPreconditionError("Server already started");
  started_ = true;
  start_ms_ = NowMs();
  keyspace_->SetEncodingLimits(EncodingLimitsOf(options_));
  keyspace_->SetNotifyFlags(options_.notify_keyspace_events);
  keyspace_->SetEvictionOptions(EvictionOptionsOf(options_));
  if (persistence_) {  // load the append-only file or the snapshot before serving
    persistence_->set_scripts(table_.scripts());
    aof_ = std::make_unique<Aof>(keyspace_, AofOptionsOf(options_.persistence, persistence_->dir()),
                                 [this](bool warning, std::string_view message) {
                                   Log(warning ? LogLevel::kWarning : LogLevel::kNotice, message);
                                 });
    // As redis-server: with appendonly yes, the append-only file (when there is one) is loaded
    // and the dump file is not.
    Persistence* p = persistence_.get();
    aof_->set_bgsave_running([p] { return p->bgsave_in_progress(); });
    const bool from_aof = options_.persistence.appendonly && aof_->Exists();
    absl::Status loaded = persistence_->Load(/*load_file=*/!from_aof);
    if (loaded.ok() && from_aof) loaded = aof_->Load();
    if (loaded.ok()) loaded = aof_->Start();
    if (!loaded.ok()) {
      aof_.reset();
      stopped_ = true;
      return loaded;
    }
    Aof* aof = aof_.get();
    persistence_->set_rewrite_running([aof] { return aof->rewrite_in_progress(); });
    persistence_->SetAofInfo([aof] { return aof->InfoFields(); });
  }
  // As redis-server: room for maxclients open files, or fewer clients.
  const int maxclients = AdjustOpenFilesLimit(
      config_.maxclients.load(), [this](LogLevel level, std::string m) { Log(level, m); });
  if (maxclients < 1) {
    stopped_ = true;
    return absl::ResourceExhaustedError("open files limit too low ('ulimit -n')");
  }
  config_.maxclients = maxclients;
  if (options_.tls.port > 0) {  // as redis-server: a bad TLS setup stops the start
    absl::StatusOr<tls::ContextPtr> ctx = tls::NewServerContext(options_.tls);
    if (!ctx.ok()) {
      stopped_ = true;
      return absl::InvalidArgumentError(
          absl::StrCat("Failed to configure TLS: ", ctx.status().message()));
    }
    MutexLock l(&tls_mu_);
    tls_context_ = std::shared_ptr<ssl_ctx_st>(std::move(*ctx));
  }
  absl::Status s = Listen();
  if (!s.ok()) {
    CloseListeners();
    stopped_ = true;
    return s;
  }
  {  // CONFIG GET shows what the server runs with
    MutexLock l(&config_.values_mu);
    config_.values.maxclients = maxclients;
    config_.values.port = port_;
    if (tls_port_ >= 0) config_.values.tls.port = tls_port_;
    if (persistence_) {
      config_.values.persistence.dir = persistence_->dir();
      config_.values.persistence.save = persistence_->save_rules();
    } else {
      char buf[4096];
      config_.values.persistence.dir = getcwd(buf, sizeof(buf)) ? buf : "";
    }
  }
  int threads = options_.io_threads;
  if (threads <= 0) threads = DefaultIoThreads(std::thread::hardware_concurrency());
  threads = std::min(threads, 128);
  for (int i = 0; i < threads; ++i) {
    auto loop = std::make_unique<EventLoop>(this, i);
    s = loop->Init(listeners_);
    if (!s.ok()) {
      loops_.clear();
      CloseListeners();
      stopped_ = true;
      return s;
    }
    loops_.push_back(std::move(loop));
  }
  // Keys that clients wait for (server/blocking.h): whoever creates one, the loop of its first
  // waiter is told; the listener never waits for a loop.
  ready_listener_ = keyspace_->AddReadyListener([this](int db, std::string_view key) {
    if (const std::optional<BlockingRegistry::Waiter> front = blocking_.Front(db, key)) {
      front->loop->PostReady(db, key);
    }
  });
  {
    MutexLock l(&config_.values_mu);
    config_.values.io_threads = threads;
  }
  for (auto& loop : loops_) loop->Start();
  if (persistence_) persistence_->Start();
  return absl::OkStatus();
}

void ServerState::RequestStop() {
  {
    std::lock_guard<Mutex> l(stop_mu_);
    stop_requested_.store(true, std::memory_order_release);
  }
  stop_cv_.notify_all();
  for (auto& loop : loops_) loop->Wake();
}

void ServerState::Wait() {
  std::unique_lock<Mutex> l(stop_mu_);
  stop_cv_.wait(l, [this] { return stop_requested_.load(std::memory_order_acquire); });
}

void ServerState::Stop() {
  if (stopped_ || !started_) return;
  stopped_ = true;
  RequestStop();
  if (ready_listener_ != 0) keyspace_->RemoveReadyListener(ready_listener_);  // before the loops go
  ready_listener_ = 0;
  for (auto& loop : loops_) loop->Join();
  loops_.clear();
  CloseListeners();
  {
    MutexLock l(&clients_mu_);
    clients_.clear();
  }
  // The log's last records are written and synced once no command can write any more.
  if (aof_) aof_->Stop();
  // The final save (if due) runs once no command can write any more.
  if (persistence_) persistence_->Stop().IgnoreError();
}

void ServerState::RunShutdownHook() {
  if (options_.on_shutdown) {
    options_.on_shutdown();
  } else {
    RequestStop();
  }
}

}  // namespace server_internal

// -----------------------------------------------------------------------------------------------
// Server

Server::Server(Keyspace* keyspace, ServerOptions options)
    : state_(std::make_unique<server_internal::ServerState>(keyspace, std::move(options))) {}

Server::Server(ServerOptions options)
    : owned_keyspace_(std::make_unique<Keyspace>(
          KeyspaceOptions{.shards = options.shards, .databases = options.databases})),
      state_(std::make_unique<server_internal::ServerState>(owned_keyspace_.get(),
                                                            std::move(options))) {}

Server::~Server() { Stop(); }

absl::Status Server::Start() { return state_->Start(); }
void Server::RequestStop() { state_->RequestStop(); }
absl::Status Server::PrepareShutdown() {
  Persistence* p = state_->persistence();
  return p != nullptr ? p->PrepareShutdown(Persistence::ShutdownMode::kDefault, /*force=*/false)
                      : absl::OkStatus();
}
void Server::Wait() { state_->Wait(); }
void Server::Stop() { state_->Stop(); }
int Server::port() const { return state_->port(); }
int Server::tls_port() const { return state_->tls_port(); }
int Server::io_threads() const { return state_->io_threads(); }
Keyspace& Server::keyspace() { return *state_->keyspace(); }
commands::CommandTable& Server::table() { return state_->mutable_table(); }

}  // namespace embedis
