// Internal to //server: clients blocked on keys (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, and the
// sorted sets' BZPOPMIN, BZPOPMAX, BZMPOP), with
// Redis 7.0's semantics, without ever holding an I/O thread.
//
// The contract with the commands is lib/commands/command_table.h's BlockRequest: a network
// client's command runs with CommandContext::may_block; a blocking command that finds nothing
// writes no reply and leaves ClientState::block_request. The loop then parks the connection:
//
//  - Park (on the owning loop, under its exec_mu_): a BlockedCommand (argv copy, db, keys,
//    deadline) goes into Connection::block; the connection joins the FIFO of each of its keys in
//    the server-wide BlockingRegistry (mutex-protected, (db, key) -> waiters in blocking order),
//    and each key is registered with Keyspace::AddBlockedKey. The commands of the connection
//    already parsed after the blocking one wait in Connection::held, the rest in its parser, and
//    none runs until it is unblocked (as in redis-server); the socket is still read, so a
//    hang-up is seen, and the loop goes on serving its other connections. A key that
//    AddBlockedKey finds present (it was created between the command and the registration) is
//    posted as ready to the loop itself: nothing is lost in that window.
//  - Wake-up: the server's Keyspace ReadyListener runs on whatever thread created a registered
//    key (an I/O thread, an EXEC, the embedding application) after the keyspace released its
//    locks. It looks up the key's first waiter and posts (db, key) to that waiter's loop (inbox +
//    eventfd), and returns: it never waits for a loop.
//  - Serving (EventLoop::ServeReady, on a loop): while the key's first waiter belongs to this
//    loop and the key is of the type waited for (a list; a sorted set for BZ*), re-run the waiter's
//    command for that key alone (BLPOP k1 k2 t ready on k2 runs BLPOP k2 t, as Redis 7.0 serves the
//    key that became ready; BLMPOP likewise with numkeys 1) under the loop's exec_mu_. If it
//    replies, the waiter leaves every FIFO and its pipeline resumes; then the next waiter is tried
//    (an LPUSH of 3 elements serves 3 waiters, in blocking order). If it asks to block again (the
//    key was emptied meanwhile) the waiter keeps its place and serving stops. When the first waiter
//    belongs to another loop, the key is posted there. A key of another type is ignored (Redis 7.0:
//    a client blocked on a key that is SET to a string stays blocked, with no WRONGTYPE).
//  - Timeouts: each loop keeps its waiters' deadlines (on the keyspace's clock) ordered; its
//    epoll_wait sleeps at most until the earliest, and a waiter past its deadline gets the
//    BlockRequest's timeout reply (the list commands ask for a null array, `*-1` in RESP2, `_` in
//    RESP3, BLMOVE and BRPOPLPUSH included: that is what redis-server 7.0.15 sends). A timeout
//    of 0 waits forever.
//  - CLIENT UNBLOCK id [TIMEOUT|ERROR] (any loop) runs under EXEC's isolation (every loop's
//    exec_mu_, so no re-run is half done), claims a parked client by setting its
//    `unblock_reason`, replies 1, and posts the id to the owning loop, which writes the timeout
//    reply or `-UNBLOCKED client unblocked via CLIENT UNBLOCK` and resumes it. Whichever of
//    the claim, a timeout or a serve comes first wins, under the owning loop's exec_mu_.
//  - A disconnect (or CLIENT KILL) unregisters the waiter.
//  - CLIENT PAUSE (WRITE or ALL): blocking pops are write commands, so a paused server serves
//    no waiter; ready keys wait on their loop until the pause ends. Timeouts and CLIENT UNBLOCK
//    still work during a pause, as in redis-server 7.0.
//  - Inside MULTI/EXEC may_block is false: the command replies at once as if timed out.
//
// Differences from the single-threaded redis-server: a client whose BLPOP runs on another I/O
// thread at the moment a push lands may take the element before the waiters are served (its
// command ran "before" the serve); the order among the waiters themselves is FIFO, as Redis.
//
// Thread safety: BlockingRegistry is thread-safe. Lock order: a loop's exec_mu_, then the
// registry's mutex, then a loop's inbox mutex; keyspace calls are never made under the registry
// mutex.
#ifndef EMBEDIS_SERVER_BLOCKING_H_
#define EMBEDIS_SERVER_BLOCKING_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "lib/commands/command_table.h"
#include "lib/util/mutex.h"

namespace embedis::server_internal {

class EventLoop;

// What a parked connection waits with; owned by its loop thread (Connection::block).
struct BlockedCommand {
  std::vector<std::string> argv;  // the command to run again
  int db = 0;
  std::vector<std::string> keys;  // distinct, in argument order
  int64_t deadline_ms = 0;        // keyspace clock; 0: forever
  commands::BlockRequest::TimeoutReply timeout_reply =
      commands::BlockRequest::TimeoutReply::kNullArray;
};

// CLIENT UNBLOCK's reason, in Connection::unblock_reason.
enum class UnblockReason : int { kNone = 0, kTimeout = 1, kError = 2 };

// (db, key) -> the connections blocked on it, first blocked first.
class BlockingRegistry {
 public:
  struct Waiter {
    int64_t id = 0;
    EventLoop* loop = nullptr;
  };

  // Appends the waiter to the FIFO of every key.
  void Add(int db, const std::vector<std::string>& keys, Waiter waiter);
  // Removes connection `id` from the FIFO of every key.
  void Remove(int db, const std::vector<std::string>& keys, int64_t id);
  // The first waiter of (db, key), if any.
  std::optional<Waiter> Front(int db, std::string_view key);
  // The number of (key, waiter) registrations, for tests.
  size_t size();

 private:
  Mutex mu_;
  absl::flat_hash_map<std::pair<int, std::string>, std::deque<Waiter>> fifo_ ABSL_GUARDED_BY(mu_);
};

// The argv that serves a blocked command from `key` alone: BLPOP/BRPOP keep one key and the
// timeout, BLMPOP gets numkeys 1; other commands are run as they were sent.
std::vector<std::string_view> ArgvForReadyKey(const std::vector<std::string>& argv,
                                              std::string_view key);

// The keys of a BlockRequest without duplicates, in order (BLPOP k k 0 waits on k once).
std::vector<std::string> DistinctKeys(const std::vector<std::string>& keys);

}  // namespace embedis::server_internal

#endif  // EMBEDIS_SERVER_BLOCKING_H_
