// Client: a thread-safe pool of Redis connections.
//
// Use one Client per server for the whole process; every method may be called
// from any thread. A call borrows an idle connection (or opens a new one, up
// to options.pool_size), runs, and gives the connection back.
//
//   absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(options);
//   if (!client.ok()) return client.status();       // kUnavailable: no server
//   absl::StatusOr<resp::Value> v = (*client)->Command({"GET", "k"});
//
//   Pipeline p;
//   p.Add({"SET", "a", "1"}).Add({"INCR", "a"});
//   absl::StatusOr<std::vector<resp::Value>> replies = (*client)->Exec(p);
//
//   {  // several commands on one connection (MULTI/EXEC, WATCH)
//     absl::StatusOr<Client::Lease> conn = (*client)->Acquire();
//     (*conn)->Command({"MULTI"}); ...
//   }  // returned to the pool here
//
// Failures (besides Connection's, see connection.h):
//   - All pool_size connections busy for pool_wait_timeout: kDeadlineExceeded
//     "pool exhausted".
//   - A connection that failed (lost, timed out) is discarded when it comes
//     back; the next call opens a new one. Commands are never re-sent, since
//     one may have run: only opening a connection is retried, on later calls.
//   - While the server is unreachable, calls fail fast with kUnavailable:
//     after a failed attempt to open a connection, no new attempt is made for
//     a backoff period (reconnect_backoff_initial, doubling up to
//     reconnect_backoff_max, reset by a success).
//
// After the server restarts: a pooled connection that has been idle for at
// least 1 ms is checked without blocking before use (a non-blocking recv), so
// one that the old server closed is discarded and a new one is opened: the
// first command after a restart succeeds. It fails with kUnavailable only if
// the server went away within that last millisecond, or the command was in
// flight (or queued in a pipeline) when it did.
//
// Thread safety: all methods are thread-safe. REQUIRES: every Lease is
// destroyed before the Client.
#ifndef EMBEDIS_LIB_CLIENT_CLIENT_H_
#define EMBEDIS_LIB_CLIENT_CLIENT_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/client/connection.h"
#include "lib/client/options.h"
#include "lib/resp/value.h"
#include "lib/util/mutex.h"

namespace embedis {

class Client {
 public:
  // A connection borrowed from the pool; gives it back when destroyed (or
  // discards it if it broke). Movable.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : client_(other.client_), conn_(std::move(other.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();
    Connection* operator->() const { return conn_.get(); }
    Connection& operator*() const { return *conn_; }
    Connection* get() const { return conn_.get(); }

   private:
    friend class Client;
    Lease(Client* client, std::unique_ptr<Connection> conn)
        : client_(client), conn_(std::move(conn)) {}
    Client* client_;
    std::unique_ptr<Connection> conn_;
  };

  // Creates a client and opens its first connection, so that a wrong address
  // or password is reported here (see Connection::Open for the codes).
  static absl::StatusOr<std::unique_ptr<Client>> Connect(const ClientOptions& options);

  // Creates a client without connecting: the first call connects.
  explicit Client(const ClientOptions& options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Runs one command on a pooled connection (see Connection::Command).
  absl::StatusOr<resp::Value> Command(absl::Span<const std::string_view> argv);
  absl::StatusOr<resp::Value> Command(std::initializer_list<std::string_view> argv) {
    return Command(absl::Span<const std::string_view>(argv.begin(), argv.size()));
  }

  // Runs a pipeline on one pooled connection (see Connection::Exec).
  absl::StatusOr<std::vector<resp::Value>> Exec(const Pipeline& pipeline);
  absl::Status Exec(const Pipeline& pipeline, std::vector<resp::Value>* replies);

  // Borrows a connection for exclusive use, waiting up to pool_wait_timeout.
  absl::StatusOr<Lease> Acquire();

  const ClientOptions& options() const { return options_; }
  // Connections open now (idle or borrowed), and idle ones.
  size_t open_connections() const;
  size_t idle_connections() const;

 private:
  using TimePoint = std::chrono::steady_clock::time_point;

  absl::StatusOr<std::unique_ptr<Connection>> Take();
  void Give(std::unique_ptr<Connection> conn);
  // Opens a new connection (the caller has reserved a slot in open_).
  absl::StatusOr<std::unique_ptr<Connection>> OpenNew();

  const ClientOptions options_;
  // Over TLS, shared by the connections (set by Connect before any is opened).
  std::shared_ptr<ssl_ctx_st> tls_context_;
  mutable Mutex mu_;
  std::condition_variable_any freed_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  // Idle + borrowed + being opened.
  size_t open_ ABSL_GUARDED_BY(mu_) = 0;
  size_t waiters_ ABSL_GUARDED_BY(mu_) = 0;
  // Reconnection backoff.
  TimePoint next_attempt_ ABSL_GUARDED_BY(mu_) = {};
  std::chrono::nanoseconds backoff_ ABSL_GUARDED_BY(mu_) = {};
  absl::Status last_connect_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_CLIENT_CLIENT_H_
