// Connection: one blocking RESP connection to a Redis server, with deadlines.
//
// A Connection sends a command and reads its reply on the calling thread. It
// connects over TCP (IPv4 or IPv6) or a Unix socket, sets TCP_NODELAY, and
// runs the handshake from ClientOptions: HELLO 3 (with AUTH and SETNAME
// inside it) when resp3, else AUTH and CLIENT SETNAME; then SELECT.
//
//   absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(options);
//   absl::StatusOr<resp::Value> reply = (*conn)->Command({"SET", "k", "v"});
//
//   Pipeline p;                               // many commands, one write, one read pass
//   for (int i = 0; i < 100; ++i) p.Add({"INCR", "counter"});
//   absl::StatusOr<std::vector<resp::Value>> replies = (*conn)->Exec(p);
//
// Failures:
//   - A Redis error reply (-ERR ..., -WRONGTYPE ...) is not a failure: it is
//     returned as a Value of type kError (StatusFromRedisError in
//     lib/store/store.h converts it). The connection stays usable.
//   - Refused, reset or closed connection: kUnavailable.
//   - No reply within options.command_timeout: kDeadlineExceeded.
//   - Malformed bytes from the server: kInternal.
//   After any of these the connection is broken (ok() is false, the socket is
//   closed, replies could be out of step) and every later call fails with
//   kUnavailable; make a new Connection. Nothing is ever re-sent.
//
// TLS (options.tls.enabled): the TLS handshake follows the TCP connect, within connect_timeout;
// a failed one is kUnavailable naming the reason ("TLS handshake with 127.0.0.1:6380 failed:
// certificate verify failed: self-signed certificate"). Over TLS the socket stays non-blocking
// and every wait is a poll() bounded by the deadline; pipelining and deadlines work as over TCP.
// With TLS 1.3 a server that requires a client certificate and got none says so after the
// handshake: the first command fails ("... tlsv13 alert certificate required").
//
// Timeouts: the socket is blocking with SO_RCVTIMEO, so a reply that arrives
// in one read costs exactly one send() and one recv(); writes are
// non-blocking, and any further wait is a poll() bounded by what is left of
// the command's deadline. A call never blocks longer than command_timeout
// (plus scheduling noise), whatever the server does.
//
// RESP3 push messages (client-side caching invalidations, Pub/Sub) are not
// replies and are discarded by Command() and Exec(). Pub/Sub: a connection in
// subscribed mode is driven by one thread with SendCommand() (SUBSCRIBE and
// friends, whose answers arrive as messages) and ReadMessage(), which returns
// every reply and push in arrival order (RedisStore's subscriber thread).
// MONITOR is not supported.
//
// Allocation: the output and input buffers are kept and reused, so Command()
// allocates nothing but the reply Value itself once warm.
//
// Thread safety: not thread-safe; one thread at a time (Client pools them).
#ifndef EMBEDIS_LIB_CLIENT_CONNECTION_H_
#define EMBEDIS_LIB_CLIENT_CONNECTION_H_

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/client/options.h"
#include "lib/resp/reply_parser.h"
#include "lib/resp/value.h"
#include "lib/resp/writer.h"
#include "lib/tls/tls.h"

namespace embedis {

// A batch of encoded commands, sent with one write and answered in order.
// Reusable: Clear() keeps the buffer's memory.
//
// Thread safety: a plain value type.
class Pipeline {
 public:
  Pipeline() = default;

  Pipeline& Add(absl::Span<const std::string_view> argv) {
    resp::AppendCommand(&buffer_, argv);
    ++count_;
    return *this;
  }
  Pipeline& Add(std::initializer_list<std::string_view> argv) {
    return Add(absl::Span<const std::string_view>(argv.begin(), argv.size()));
  }

  // Number of commands added.
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  void Clear() {
    buffer_.clear();
    count_ = 0;
  }
  // The encoded commands (RESP arrays of bulk strings).
  std::string_view bytes() const { return buffer_; }

 private:
  std::string buffer_;
  size_t count_ = 0;
};

// Converts the text of a Redis error reply to a status carrying that text:
// "WRONGTYPE ..." -> kFailedPrecondition; "ERR no such key" -> kNotFound;
// "NOAUTH", "WRONGPASS", "NOPERM" -> kPermissionDenied; "LOADING", "BUSY",
// "MASTERDOWN", "TRYAGAIN" -> kUnavailable; anything else -> kInvalidArgument.
// (StatusFromRedisError in lib/store/store.h is this function.)
absl::Status StatusFromErrorReply(std::string_view message);

// The TLS context (trusted CAs, client certificate) of options.tls, made once and shared by
// the connections of one Client. kInvalidArgument names an unreadable or bad file.
absl::StatusOr<std::shared_ptr<ssl_ctx_st>> NewTlsContext(const ClientOptions& options);

class Connection {
 public:
  // Connects and runs the handshake. kUnavailable when the server cannot be
  // reached (refused, unreachable, unknown host); kDeadlineExceeded when
  // connecting or the handshake timed out; a handshake error reply becomes
  // StatusFromErrorReply's status (wrong password: kPermissionDenied; bad
  // db: kInvalidArgument) with the failing command named in the message.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const ClientOptions& options);
  // Same, over TLS with `tls_context` (from NewTlsContext(options)) when options.tls.enabled.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const ClientOptions& options, const std::shared_ptr<ssl_ctx_st>& tls_context);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends one command and returns its reply (an error reply as a kError
  // Value). REQUIRES: !argv.empty().
  absl::StatusOr<resp::Value> Command(absl::Span<const std::string_view> argv);
  absl::StatusOr<resp::Value> Command(std::initializer_list<std::string_view> argv) {
    return Command(absl::Span<const std::string_view>(argv.begin(), argv.size()));
  }

  // Sends every command of `pipeline` with one write (more only if the socket
  // buffer fills up, reading replies meanwhile) and returns one reply per
  // command, in order. The deadline covers the whole batch. On failure some
  // commands may have run. An empty pipeline returns no replies.
  absl::StatusOr<std::vector<resp::Value>> Exec(const Pipeline& pipeline);
  // Same, appending the replies to `*replies` (whose capacity can be reused).
  absl::Status Exec(const Pipeline& pipeline, std::vector<resp::Value>* replies);

  // Exec in two halves, so that pipelines to several servers overlap (ClusterClient):
  // SendPipeline writes as Exec does and starts the deadline; ReceivePipeline reads the replies
  // of `n` commands. REQUIRES: each SendPipeline is followed by its ReceivePipeline, with no
  // other call between.
  absl::Status SendPipeline(const Pipeline& pipeline);
  absl::Status ReceivePipeline(size_t n, std::vector<resp::Value>* replies);

  // Pub/Sub mode. SendCommand writes one command without reading anything
  // (bounded by command_timeout). ReadMessage returns the next reply or push
  // (RESP2 subscribed-mode arrays, RESP3 pushes), or nullopt when none
  // arrived within `wait`: waiting out `wait` does not break the connection.
  absl::Status SendCommand(absl::Span<const std::string_view> argv);
  absl::StatusOr<std::optional<resp::Value>> ReadMessage(absl::Duration wait);

  // False once broken (see the top of this file); status() says why.
  bool ok() const { return fd_ >= 0; }
  const absl::Status& status() const { return status_; }

  // Cheap, non-blocking check that the server has not closed the connection
  // (or sent anything unasked) while it was idle; breaks it if so. Returns
  // ok(). Nothing is sent.
  bool CheckIdle();
  // Breaks the connection on purpose (replies it will not read are pending).
  void Abandon();

  resp::Protocol protocol() const { return protocol_; }
  // Over TLS: the negotiated protocol ("TLSv1.3"); else "".
  std::string_view tls_protocol() const;
  // "127.0.0.1:6379", "[::1]:6379" or "unix:/path".
  const std::string& peer() const { return peer_; }
  // When the last command finished (or the connection was opened).
  std::chrono::steady_clock::time_point last_used() const { return last_used_; }

 private:
  using TimePoint = std::chrono::steady_clock::time_point;

  Connection(int fd, const ClientOptions& options, std::string peer);

  // Sends `bytes`; while the socket is full, reads replies into the parser.
  absl::Status Send(std::string_view bytes, TimePoint deadline, bool* waited);
  // Reads `n` replies into `*replies` (or one into `*single` when n == 0).
  absl::Status Receive(size_t n, std::vector<resp::Value>* replies, resp::Value* single,
                       TimePoint deadline, bool blocking_first_read);
  // Reads once from the socket into the parser. `blocking`: a recv() bounded
  // by SO_RCVTIMEO; else poll() until `deadline` first.
  absl::Status ReadSome(TimePoint deadline, bool blocking);
  // The same two over TLS (a non-blocking socket, poll() for every wait).
  absl::Status TlsSend(std::string_view bytes, TimePoint deadline, bool* waited);
  absl::Status TlsReadSome(TimePoint deadline);
  // Runs the TLS handshake on the connected socket until `deadline`.
  absl::Status TlsHandshake(ssl_ctx_st* context, const ClientOptions& options, TimePoint deadline);
  // CheckIdle over TLS.
  bool TlsCheckIdle();
  // Feeds what was just read to the parser's check for unasked data (CheckIdle).
  bool CheckUnasked();
  absl::Status Handshake(const ClientOptions& options);
  // Closes the socket and records why; returns `status`.
  absl::Status Break(absl::Status status);
  absl::Status BrokenError() const;

  int fd_;
  std::unique_ptr<tls::Session> tls_;  // over TLS only
  std::chrono::nanoseconds command_timeout_;
  resp::Protocol protocol_ = resp::Protocol::kResp2;
  std::string peer_;
  std::string out_;  // the encoded command, reused
  resp::ReplyParser parser_;
  absl::Status status_;
  TimePoint last_used_;
  // Between SendPipeline and ReceivePipeline.
  TimePoint pending_deadline_;
  bool pending_waited_ = false;
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_CLIENT_CONNECTION_H_
