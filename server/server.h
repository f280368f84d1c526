// Server: the Redis wire protocol in front of a Keyspace, embeddable in any process.
//
// An application that keeps its sessions in an embedis Keyspace can serve that same keyspace over
// RESP, so that redis-cli, redis-benchmark and every Redis client library see the live data while
// the application keeps using it in-process:
//
//   Keyspace keyspace;                        // the application's own
//   ServerOptions options;
//   options.port = 0;                         // a free port
//   Server server(&keyspace, options);
//   absl::Status started = server.Start();    // listening when it returns OK
//   int port = server.port();                 // redis-cli -p <port>
//   ...
//   server.Stop();                            // closes every connection, joins the threads
//
// The commands are CommandTable::WithDataCommands() plus the server's own (AUTH, HELLO, CLIENT,
// RESET, SHUTDOWN, INFO, CONFIG, COMMAND); more can be added with table() before Start().
//
// Design (details in server/event_loop.h):
//  - `io_threads` threads, each an epoll loop owning a share of the connections. Listening sockets
//    are in every loop (EPOLLEXCLUSIVE); an accepted connection goes to the loop with the fewest
//    connections. Commands run on the I/O thread that read them: the Keyspace is thread-safe, so
//    there is no hand-off and no global lock.
//  - Non-blocking sockets, full pipelining: every complete command in a read is executed and all
//    their replies leave in one write. Commands are taken from the parser in batches of up to 16;
//    the keys of a batch are prefetched (Keyspace::Prefetch) before it runs, so a pipeline's
//    cache misses on the key table overlap instead of being taken one after another.
//  - Fairness: at most `max_commands_per_turn` commands per connection per loop turn.
//  - Transactions: each loop holds a mutex while it executes a batch; EXEC takes every loop's
//    mutex in index order and runs its queue with all other network clients held off
//    (lib/commands/transaction_family.cc has the whole design).
//  - Backpressure: a client whose unsent replies exceed `client_output_pause` is not read from
//    until they drain; past `client_output_buffer_limit` it is disconnected.
//  - Limits and errors exactly as redis-server: protocol errors are answered and the connection is
//    closed; a query buffer over `client_query_buffer_limit` closes the connection.
//  - TLS (options.tls, redis-server's tls-* parameters): a TLS port beside the plain one. Its
//    connections carry a tls::Session (lib/tls) that the loop reads and writes through
//    (Connection::Read/Write); the handshake happens inside the first reads, non-blocking
//    (WANT_READ/WANT_WRITE turn into epoll interest). A plain connection pays one predictable
//    branch per read and write.
//  - CLIENT PAUSE holds the commands of network clients only: the application's own calls on the
//    Keyspace are never paused (server_state.h has how pausing works).
//
// Thread safety: Start, Stop and the destructor must not run concurrently with each other, and
// Stop must not be called from a command handler (use RequestStop there). port(), RequestStop(),
// Wait() and keyspace() may be called from any thread.
#ifndef EMBEDIS_SERVER_SERVER_H_
#define EMBEDIS_SERVER_SERVER_H_

#include <memory>

#include "absl/status/status.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/keyspace.h"
#include "server/options.h"

namespace embedis {

namespace server_internal {
class ServerState;
}  // namespace server_internal

// The version embedis reports as `redis_version` / HELLO's `version`: the Redis release whose
// behaviour it follows (clients enable features by it).
inline constexpr char kRedisCompatVersion[] = "7.2.4";
// embedis's own version.
inline constexpr char kEmbedisVersion[] = "0.1.0";

class Server {
 public:
  // Serves `keyspace`, which the caller owns and which must outlive the Server.
  // `options.databases` and `options.shards` are ignored (the keyspace has its own).
  Server(Keyspace* keyspace, ServerOptions options);
  // Serves a keyspace of its own, made from `options.databases` and `options.shards`.
  explicit Server(ServerOptions options);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every address, starts the I/O threads, and returns once clients can connect. An error
  // (address in use, bad bind address, ...) leaves nothing running. Call at most once.
  absl::Status Start();

  // Asks the server to stop, from any thread, including a command handler or a signal-handling
  // thread. Returns at once; Wait() returns afterwards.
  void RequestStop();
  // What SIGTERM does before RequestStop(), as redis-server: the final save when save rules are
  // set. An error (the save failed) means the server should keep running (the caller logs it);
  // Stop() does not save again unless something changed since.
  absl::Status PrepareShutdown();
  // Blocks until RequestStop() (or a SHUTDOWN command) has been called.
  void Wait();
  // Stops accepting, closes every connection and joins the I/O threads. Idempotent.
  // REQUIRES: not called from an I/O thread (a command handler).
  void Stop();

  // The bound TCP port (the real one when options.port was 0), or -1 without TCP. Valid after a
  // successful Start().
  int port() const;
  // The bound TLS port (options.tls.port), or -1 without TLS. Valid after a successful Start().
  int tls_port() const;
  // The number of I/O loops (the automatic choice when options.io_threads was 0). Valid after a
  // successful Start().
  int io_threads() const;

  Keyspace& keyspace();
  // The commands this server runs. Add commands only before Start().
  commands::CommandTable& table();

 private:
  std::unique_ptr<Keyspace> owned_keyspace_;
  std::unique_ptr<server_internal::ServerState> state_;
};

}  // namespace embedis

#endif  // EMBEDIS_SERVER_SERVER_H_
