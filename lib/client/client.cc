#include "lib/client/client.h"

#include <algorithm>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"

namespace embedis {

namespace {

using SteadyClock = std::chrono::steady_clock;

// A pooled connection idle for this long is checked before use.
constexpr std::chrono::milliseconds kIdleCheckAfter(1);

std::chrono::nanoseconds ToNanos(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return std::chrono::nanoseconds(0);
  if (d > absl::Hours(24 * 365)) d = absl::Hours(24 * 365);
  return absl::ToChronoNanoseconds(d);
}

}  // namespace

Client::Lease::~Lease() {
  if (conn_ != nullptr) client_->Give(std::move(conn_));
}

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(const ClientOptions& options) {
  auto client = std::make_unique<Client>(options);
  if (options.tls.enabled) {  // one TLS context (CAs, client certificate) for every connection
    absl::StatusOr<std::shared_ptr<ssl_ctx_st>> ctx = NewTlsContext(options);
    if (!ctx.ok()) return ctx.status();
    client->tls_context_ = *std::move(ctx);
  }
  absl::StatusOr<std::unique_ptr<Connection>> conn = client->Take();
  if (!conn.ok()) return conn.status();
  client->Give(*std::move(conn));
  return client;
}

Client::Client(const ClientOptions& options) : options_(options) {
  MutexLock lock(&mu_);
  idle_.reserve(static_cast<size_t>(std::max(1, options_.pool_size)));
}

Client::~Client() = default;

size_t Client::open_connections() const {
  MutexLock lock(&mu_);
  return open_;
}

size_t Client::idle_connections() const {
  MutexLock lock(&mu_);
  return idle_.size();
}

absl::StatusOr<std::unique_ptr<Connection>> Client::OpenNew() {
  if (tls_context_ != nullptr) return Connection::Open(options_, tls_context_);
  return Connection::Open(options_);
}

absl::StatusOr<std::unique_ptr<Connection>> Client::Take() {
  const size_t pool_size = static_cast<size_t>(std::max(1, options_.pool_size));
  const TimePoint now = SteadyClock::now();
  std::unique_lock<Mutex> lock(mu_);
  bool waited = false;
  TimePoint wait_deadline;
  for (;;) {
    while (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      if (now - conn->last_used() < kIdleCheckAfter) return conn;
      lock.unlock();
      bool alive = conn->CheckIdle();
      if (alive) return conn;
      conn.reset();  // the server closed it while idle: open another
      lock.lock();
      --open_;
    }
    if (open_ < pool_size) {
      const TimePoint attempt = SteadyClock::now();
      if (attempt < next_attempt_) {
        auto wait_ms =
            std::chrono::ceil<std::chrono::milliseconds>(next_attempt_ - attempt).count();
        return absl::UnavailableError(absl::StrCat(
            last_connect_error_.message(), " (next reconnection attempt in ", wait_ms, " ms)"));
      }
      ++open_;
      lock.unlock();
      absl::StatusOr<std::unique_ptr<Connection>> conn = OpenNew();
      lock.lock();
      if (conn.ok()) {
        backoff_ = std::chrono::nanoseconds(0);
        next_attempt_ = TimePoint();
        return conn;
      }
      --open_;
      if (waiters_ > 0) freed_.notify_one();
      // Only failures to reach the server back off; a wrong password or db
      // would fail the same way every time, quickly.
      if (absl::IsUnavailable(conn.status()) || absl::IsDeadlineExceeded(conn.status())) {
        const std::chrono::nanoseconds initial = ToNanos(options_.reconnect_backoff_initial);
        const std::chrono::nanoseconds max = ToNanos(options_.reconnect_backoff_max);
        backoff_ = backoff_.count() == 0 ? initial : std::min(max, backoff_ * 2);
        next_attempt_ = SteadyClock::now() + backoff_;
        // A copy of its own, not a reference to the returned status's shared representation:
        // Debian's absl is not built for ThreadSanitizer, so a representation shared with a
        // caller on another thread would look like a race when that caller drops it.
        last_connect_error_ =
            absl::Status(conn.status().code(), std::string(conn.status().message()));
      }
      return conn.status();
    }
    // Every connection is busy: wait for one to come back.
    if (!waited) {
      waited = true;
      wait_deadline = now + ToNanos(options_.pool_wait_timeout);
    }
    ++waiters_;
    std::cv_status st = freed_.wait_until(lock, wait_deadline);
    --waiters_;
    if (st == std::cv_status::timeout && idle_.empty() && open_ >= pool_size) {
      return absl::DeadlineExceededError(
          absl::StrCat("pool exhausted: all ", pool_size, " connections to the server busy for ",
                       absl::FormatDuration(options_.pool_wait_timeout)));
    }
  }
}

void Client::Give(std::unique_ptr<Connection> conn) {
  if (!conn->ok()) {
    conn.reset();  // closes nothing: a broken connection has no socket
    MutexLock lock(&mu_);
    --open_;
    if (waiters_ > 0) freed_.notify_one();
    return;
  }
  MutexLock lock(&mu_);
  idle_.push_back(std::move(conn));
  if (waiters_ > 0) freed_.notify_one();
}

absl::StatusOr<Client::Lease> Client::Acquire() {
  absl::StatusOr<std::unique_ptr<Connection>> conn = Take();
  if (!conn.ok()) return conn.status();
  return Lease(this, *std::move(conn));
}

absl::StatusOr<resp::Value> Client::Command(absl::Span<const std::string_view> argv) {
  absl::StatusOr<std::unique_ptr<Connection>> conn = Take();
  if (!conn.ok()) return conn.status();
  absl::StatusOr<resp::Value> reply = (*conn)->Command(argv);
  Give(*std::move(conn));
  return reply;
}

absl::Status Client::Exec(const Pipeline& pipeline, std::vector<resp::Value>* replies) {
  absl::StatusOr<std::unique_ptr<Connection>> conn = Take();
  if (!conn.ok()) return conn.status();
  absl::Status s = (*conn)->Exec(pipeline, replies);
  Give(*std::move(conn));
  return s;
}

absl::StatusOr<std::vector<resp::Value>> Client::Exec(const Pipeline& pipeline) {
  std::vector<resp::Value> replies;
  absl::Status s = Exec(pipeline, &replies);
  if (!s.ok()) return s;
  return replies;
}

}  // namespace embedis
