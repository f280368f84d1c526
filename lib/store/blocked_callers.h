// BlockedCallers: how MemoryStore waits for a blocking command (BLPOP, BRPOP, BLMOVE, ...).
//
// A blocking command run through the command table with CommandContext::may_block either replies
// or leaves a BlockRequest: every key it waits on was empty. The caller then waits here, on its
// own thread, until it is its turn to run the command again (which serves it, or finds the keys
// empty again and keeps waiting) or until the timeout.
//
//   std::shared_ptr<BlockedCallers> callers = BlockedCallers::For(&keyspace);
//   bool served = callers->Wait(db, request.keys, request.deadline_ms, [&](std::string_view key) {
//     return RetryCommandOn(key);     // true when it replied
//   });
//
// Wake-ups come from the keyspace: one BlockedCallers per Keyspace (shared by every MemoryStore
// on it) registers a ReadyListener and the waited keys with AddBlockedKey, so a key created by
// anyone (another thread's Store, a network client of an embedded embedis-server, the
// application calling the keyspace) wakes its waiters. Order: waiters on a key are served first
// come, first served, as Redis serves its blocked clients: when a key becomes ready its oldest
// waiter alone gets a turn for that key, and should retry on that key only (a BLPOP of several
// keys retries as a BLPOP of the ready one, as Redis serves a ready key), since on its other
// keys it may not be the oldest waiter; a waiter that was served (or timed out with turns
// pending) passes a turn for each of its keys on to the next waiter there (the key may still
// hold elements), and one that was not served (another consumer got there first) keeps its
// place. Retries run on the waiter's own thread, never in
// the listener, so a retry that creates a key (BLMOVE pushing onto its destination) may wake
// others. Fairness is among the waiters of this class only: clients blocked in embedis-server
// on the same keyspace compete with them.
//
// Time: `deadline_ms` is on the keyspace's clock, as BlockRequest's. The wait ends when the
// clock reaches it or when the same span of real time has passed, whichever comes first: on the
// real clock these are the same; on a ManualClock, Advance() past the deadline ends the wait at
// once (BlockedCallers subscribes to it), and a test that never advances still gets its answer
// after the timeout in real time instead of hanging.
//
// Thread safety: every method may be called from any thread.
#ifndef EMBEDIS_LIB_STORE_BLOCKED_CALLERS_H_
#define EMBEDIS_LIB_STORE_BLOCKED_CALLERS_H_

#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/mutex.h"

namespace embedis {

class BlockedCallers {
 public:
  // The waiters of `keyspace`, shared by all its users; created on first use and destroyed with
  // the last reference, which must go before the keyspace does.
  static std::shared_ptr<BlockedCallers> For(Keyspace* keyspace);

  explicit BlockedCallers(Keyspace* keyspace);
  ~BlockedCallers();
  BlockedCallers(const BlockedCallers&) = delete;
  BlockedCallers& operator=(const BlockedCallers&) = delete;

  // Waits on `keys` of database `db` until `attempt` returns true (true) or the deadline
  // passes (false). `attempt(key)` runs on this thread with no lock held each time this caller
  // gets a turn for `key`, one of `keys` (see the header comment). `deadline_ms`: absolute, on
  // the keyspace's clock; 0 waits forever.
  bool Wait(int db, absl::Span<const std::string> keys, int64_t deadline_ms,
            absl::FunctionRef<bool(std::string_view key)> attempt);

  // Callers waiting now (for tests).
  size_t waiting();

 private:
  struct Waiter {
    Waiter(int db, absl::Span<const std::string> keys) : db(db), keys(keys) {}
    int db;
    absl::Span<const std::string> keys;
    std::vector<std::string_view> turns;  // keys (of `keys`) that became ready: try them
    std::condition_variable_any cv;
  };

  // Gives the oldest waiter on (db, key) a turn for it.
  void Grant(int db, std::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnReady(int db, std::string_view key);
  void OnClock();

  Keyspace* const keyspace_;
  int ready_listener_ = 0;
  int clock_listener_ = 0;
  Mutex mu_;
  std::list<Waiter*> waiters_ ABSL_GUARDED_BY(mu_);  // oldest first
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_STORE_BLOCKED_CALLERS_H_
