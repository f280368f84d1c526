// RedisSubscriber: a RedisStore's Pub/Sub connection and its reader thread (internal to
// lib/store; see Store::Subscribe).
//
// One per RedisStore, made by its first Subscribe. The first connection is opened by Add (so an
// unreachable server is reported to the caller); from then on one thread owns the connection: it
// sends the queued SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE (and UN- forms) commands, reads the
// server's messages (polling every 20 ms for new commands to send) and calls the subscriptions'
// callbacks. Names are reference-counted across subscriptions: UNSUBSCRIBE is sent when the last
// subscription of a name goes; SUBSCRIBE is sent for every Add (Redis ignores a repeat), so that
// Add can wait for the server's confirmation of each of its names (confirmed_ counts them).
//
// Reconnection: when the connection fails (the server restarted, a timeout, bad bytes) the thread
// tells every subscription (SubscriptionState::SetStatus, kUnavailable: a gap), reconnects with
// backoff (10 ms doubling to 1 s), re-subscribes every name in three commands and, once the server
// confirmed them all, tells the subscriptions OK again. Commands queued before the reconnection
// are dropped: the re-subscription covers their names.
//
// Thread safety: Add and Remove may be called from any thread, including from a callback on the
// reader thread (Add then does not wait for the confirmation).
#ifndef EMBEDIS_LIB_STORE_REDIS_SUBSCRIBER_H_
#define EMBEDIS_LIB_STORE_REDIS_SUBSCRIBER_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "lib/client/connection.h"
#include "lib/client/options.h"
#include "lib/resp/value.h"
#include "lib/store/subscription_state.h"

namespace embedis::store_internal {

// Sends `commands` on a Pub/Sub connection, then reads the next message (nullopt when none
// came within `wait`); a failure of either is the connection's loss.
absl::StatusOr<std::optional<resp::Value>> SendThenRead(
    Connection& conn, const std::vector<std::vector<std::string>>& commands, absl::Duration wait);

class RedisSubscriber {
 public:
  explicit RedisSubscriber(ClientOptions options) : options_(std::move(options)) {}
  // Connects (and reconnects) where `where()` says at that moment (a Redis Cluster node); the
  // timeouts come from `options`.
  RedisSubscriber(ClientOptions options, std::function<ClientOptions()> where)
      : options_(std::move(options)), where_(std::move(where)) {}
  // Stops and joins the thread. REQUIRES: every subscription was removed.
  ~RedisSubscriber();
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  // Registers `state` and subscribes its names; waits (up to the command timeout) until the
  // server confirmed them. The first call connects: kUnavailable (or the handshake's error)
  // when it cannot. kDeadlineExceeded, with `state` removed again, when no confirmation came.
  absl::Status Add(const std::shared_ptr<SubscriptionState>& state);
  // Unregisters `state` and unsubscribes names nobody else wants; no callback of it runs after
  // this returns (unless called from inside one).
  void Remove(SubscriptionState* state);

 private:
  void Run();
  // A message or a confirmation from the server. Called without mu_ held.
  void Dispatch(const resp::Value& v);
  // Queues (UN)SUBSCRIBE commands for `names`. REQUIRES: mu_ held.
  void Queue(const char* command, const std::vector<std::string>& names);
  // The re-subscription after a reconnect is confirmed. REQUIRES: mu_ held.
  void ResubscribedLocked();
  // Tells every subscription `status` (without mu_ held).
  void Broadcast(const absl::Status& status);

  // Connection options for a (re)connection: where_() when set, else options_.
  ClientOptions ConnectOptions() const { return where_ ? where_() : options_; }

  const ClientOptions options_;
  const std::function<ClientOptions()> where_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  bool started_ = false;                          // guarded by mu_
  bool stop_ = false;                             // guarded by mu_
  std::unique_ptr<Connection> conn_;              // the thread's once started
  SubscriptionRegistry registry_;                 // guarded by mu_
  std::vector<std::vector<std::string>> outbox_;  // guarded by mu_
  uint64_t expected_ = 0;                         // confirmations asked for; guarded by mu_
  uint64_t confirmed_ = 0;     // confirmations received (or covered by a re-subscription)
  int64_t resubscribing_ = 0;  // confirmations the re-subscription still waits for
  uint64_t resubscribe_target_ = 0;
};

}  // namespace embedis::store_internal

#endif  // EMBEDIS_LIB_STORE_REDIS_SUBSCRIBER_H_
