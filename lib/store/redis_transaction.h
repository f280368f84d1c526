// Transactions (MULTI/EXEC, WATCH) through RedisStore::Command() on one server, a Sentinel-guarded
// primary or a Redis Cluster.
//
// A RedisStore runs each command on any pooled connection, but a transaction needs one
// connection from MULTI (or WATCH) to EXEC. So the thread that sends MULTI or WATCH through
// Command() owns a pinned connection until EXEC, DISCARD, RESET, or UNWATCH outside MULTI;
// its Command() calls meanwhile go there, in order (other threads are not affected; the
// store's typed methods, Get, Set, ..., do not join the transaction).
//
//   store->Command({"MULTI"});                      // +OK
//   store->Command({"SET", "user:{42}:name", "a"});  // +QUEUED
//   store->Command({"INCR", "user:{42}:visits"});    // +QUEUED
//   store->Command({"EXEC"});                       // [OK, 1]
//
// One server or Sentinel: the commands go to the pinned connection as they come, and the replies
// are the server's.
//
// Redis Cluster (as go-redis's, node-redis's and ioredis's cluster transactions):
//   - The transaction is pinned to the primary of its first key's slot (WATCH's keys, or the first
//     queued command with keys; keyless commands before it are held and answered QUEUED here,
//     then sent after MULTI once the node is known; a transaction without keys goes to the owner
//     of slot 0). A held command the node then refuses (a wrong number of arguments) makes EXEC
//     answer EXECABORT, though its own reply was QUEUED.
//   - A queued command whose keys are in another slot (or in several) is refused without being
//     sent with Redis's "CROSSSLOT Keys in request don't hash to the same slot", and EXEC then
//     answers "EXECABORT Transaction discarded because of previous errors." (as a cluster node
//     does: it flags the transaction).
//   - MOVED or ASK while queuing or on EXEC (the slot moved during the transaction; the node
//     discarded it or flagged it, so nothing ran): the client DISCARDs, refreshes the slot map,
//     and replays MULTI, the commands queued so far and the current one on the new owner
//     (ASKING first after ASK); TRYAGAIN and CLUSTERDOWN are replayed after a backoff (10 ms
//     doubling to 500 ms). At most the cluster's max_redirects redirections and max_retries
//     retries per command. After WATCH nothing is replayed (the watch would be lost): the
//     redirection is returned as the command's reply and EXEC answers EXECABORT.
//   - A connection that breaks ends the transaction with its status (kUnavailable); nothing is
//     re-sent.
//
// Thread safety: Handle may be called from any thread; each thread's transaction is its own.
#ifndef EMBEDIS_LIB_STORE_REDIS_TRANSACTION_H_
#define EMBEDIS_LIB_STORE_REDIS_TRANSACTION_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/client/client.h"
#include "lib/client/cluster.h"
#include "lib/client/sentinel.h"
#include "lib/resp/value.h"

namespace embedis::store_internal {

class Transactions {
 public:
  // Exactly one of the three is set: the store's backend.
  Transactions(std::shared_ptr<Client> client, std::shared_ptr<ClusterClient> cluster,
               std::shared_ptr<SentinelClient> sentinel);
  ~Transactions();

  // When `argv` belongs to the calling thread's transaction, or starts one (MULTI, WATCH), runs
  // it there and returns its reply; nullopt otherwise (the caller runs it as usual).
  std::optional<absl::StatusOr<resp::Value>> Handle(absl::Span<const std::string_view> argv);

 private:
  struct Pin;

  absl::StatusOr<resp::Value> RunPinned(Pin& pin, absl::Span<const std::string_view> argv);
  absl::StatusOr<resp::Value> RunOnCluster(Pin& pin, absl::Span<const std::string_view> argv);
  // Sends `argv` on the cluster pin's connection (connecting to pin.address first, with
  // [ASKING] MULTI and the queued commands before it when the pin is new), following
  // redirections by replaying the transaction (see the top of this file).
  absl::StatusOr<resp::Value> SendOnCluster(Pin& pin, absl::Span<const std::string_view> argv);

  const std::shared_ptr<Client> client_;
  const std::shared_ptr<ClusterClient> cluster_;
  const std::shared_ptr<SentinelClient> sentinel_;
  std::mutex mu_;
  absl::flat_hash_map<std::thread::id, std::unique_ptr<Pin>> pins_;  // guarded by mu_
};

}  // namespace embedis::store_internal

#endif  // EMBEDIS_LIB_STORE_REDIS_TRANSACTION_H_
