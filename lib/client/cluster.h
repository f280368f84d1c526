// ClusterClient: a Redis Cluster client over one Client (pool) per node.
//
//   ClusterOptions options;
//   options.seeds = {{"10.0.0.1", 7000}, {"10.0.0.2", 7000}};   // one down seed does not matter
//   absl::StatusOr<std::unique_ptr<ClusterClient>> c = ClusterClient::Connect(options);
//   absl::StatusOr<resp::Value> v = (*c)->Command({"GET", "user:{42}:name"});
//
// How it works:
//   - The slot map comes from CLUSTER SHARDS (Redis 7), or CLUSTER SLOTS when a server does
//     not know SHARDS, asked of the known nodes (the seeds, then every node seen) in turn until
//     one answers. It is refreshed every refresh_interval by a background thread, at once
//     (asynchronously) after a MOVED, and synchronously when a node cannot be reached.
//   - Keys: the key positions of each command come from the server's COMMAND reply (first, last,
//     step; subcommands too), asked once at Connect; commands with movable keys (EVAL, EVALSHA,
//     FCALL and their _RO forms: numkeys) are decoded here, others ask COMMAND GETKEYS. A key's
//     slot is CRC16 (XMODEM) of the key, or of its {hash tag}, modulo 16384 (KeySlot).
//   - A command whose keys are in one slot goes to that slot's primary (or a replica, with
//     read_from_replica, for read-only commands). Keyless commands go to the owner of slot 0,
//     except: PUBLISH (the owner of slot 0 too: one node for every client of the cluster, so that
//     counts of receivers agree with subscriptions made by ClusterStore), DBSIZE (summed over the
//     primaries), FLUSHDB / FLUSHALL / SCRIPT LOAD / SCRIPT FLUSH (every primary), KEYS
//     (concatenated) and SCAN (see below).
//   - MGET, DEL, EXISTS, UNLINK and TOUCH whose keys span several slots are split per slot and
//     their replies reassembled in order (counts summed); MSET / MSETNX and every other
//     multi-key command across slots gets Redis's own error, "CROSSSLOT Keys in request don't
//     hash to the same slot", without being sent.
//   - MOVED: the command goes to the named node and the map is refreshed; ASK: ASKING then the
//     command on the named node, map unchanged; TRYAGAIN and CLUSTERDOWN: retried after a
//     backoff (10 ms doubling to 500 ms). At most max_redirects redirections and max_retries
//     retries per command; beyond that the command fails with kUnavailable naming the last
//     error. A node that cannot be connected to (nothing was sent) is retried after a map
//     refresh within the same budget; a command in flight when its connection broke is not
//     re-sent (it may have run): kUnavailable.
//   - SCAN: the cursor is opaque: its top 8 bits are the index of a primary in the map sorted by
//     node address, the rest that node's own cursor; a walk visits every primary in turn and
//     ends with 0. Its guarantee (every key present for the whole walk is returned) holds while
//     the topology does not change during the walk.
//   - wait_replicas > 0: after each write command (flag "write" in COMMAND), WAIT
//     wait_replicas wait_timeout on the same connection; fewer acknowledgements fail the call
//     with kUnavailable ("... acknowledged by k of N replicas"), though the write happened on
//     the primary.
//   - Pipelines (Exec) are split per node, each part sent as one pipeline, and the replies
//     reassembled in order; a reply that is a redirection is re-run alone as Command() does.
//     Commands needing a fan-out (split MGET, SCAN, ...) also run alone in order.
//
// Thread safety: every method may be called from any thread.
#ifndef EMBEDIS_LIB_CLIENT_CLUSTER_H_
#define EMBEDIS_LIB_CLIENT_CLUSTER_H_

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/client/client.h"
#include "lib/client/connection.h"
#include "lib/client/options.h"
#include "lib/resp/value.h"

namespace embedis {

inline constexpr int kClusterSlots = 16384;

// CRC16 (XMODEM: polynomial 0x1021, initial 0) of `data`, as Redis Cluster uses it.
uint16_t Crc16(std::string_view data);
// The cluster slot of `key`: CRC16 of its hash tag (the part between the first '{' and the
// next '}', when that is not empty) or of the whole key, modulo 16384.
int KeySlot(std::string_view key);

struct ClusterOptions {
  // Seed nodes (host, port); at least one must answer.
  std::vector<std::pair<std::string, int>> seeds;
  // Settings of every node connection (AUTH, TLS, timeouts, pool size, RESP3, name); host, port
  // and unix_socket are ignored. db must be 0 (a cluster has one database).
  ClientOptions node;
  // Redirections (MOVED, ASK) followed per command. Default: 5.
  int max_redirects = 5;
  // Retries of TRYAGAIN / CLUSTERDOWN replies and unreachable nodes per command. Default: 10
  // (with the backoff, about 3.5 s).
  int max_retries = 10;
  // Periodic refresh of the slot map; zero disables it. Default: 10 s.
  absl::Duration refresh_interval = absl::Seconds(10);
  // Read-only commands go to a replica of the slot (connections sent READONLY), falling back to
  // the primary when the shard has none. Default: false.
  bool read_from_replica = false;
  // WAIT this many replicas after each write (0: never). Default: 0.
  int wait_replicas = 0;
  absl::Duration wait_timeout = absl::Seconds(1);
};

class ClusterClient {
 public:
  // Learns the slot map and the command table from the seeds. kUnavailable when no seed
  // answers; kInvalidArgument for bad options.
  static absl::StatusOr<std::unique_ptr<ClusterClient>> Connect(const ClusterOptions& options);
  ~ClusterClient();
  ClusterClient(const ClusterClient&) = delete;
  ClusterClient& operator=(const ClusterClient&) = delete;

  // Runs one command on the right node (see the top of this file).
  absl::StatusOr<resp::Value> Command(absl::Span<const std::string_view> argv);
  absl::StatusOr<resp::Value> Command(std::initializer_list<std::string_view> argv) {
    return Command(absl::Span<const std::string_view>(argv.begin(), argv.size()));
  }
  // Runs a pipeline split per node; one reply per command, in order.
  absl::Status Exec(const Pipeline& pipeline, std::vector<resp::Value>* replies);
  absl::StatusOr<std::vector<resp::Value>> Exec(const Pipeline& pipeline);

  // Runs `argv` on the primary of `slot` (redirections followed).
  absl::StatusOr<resp::Value> CommandOnSlot(int slot, absl::Span<const std::string_view> argv);
  // The slot of a command's keys: -1 keyless, -2 keys of several slots (CROSSSLOT).
  int SlotOf(absl::Span<const std::string_view> argv);
  // Address ("host:port") of the primary serving `slot` in the current map.
  std::string PrimaryAddress(int slot) const;
  // Connection options for the primary of `slot` (host and port set), e.g. for a Pub/Sub
  // connection.
  ClientOptions NodeOptions(int slot) const;
  // Reloads the slot map now.
  absl::Status Refresh();
  // The pooled Client of the node at `address` ("host:port", a primary), for work pinned to one
  // connection (a transaction: lib/store/redis_transaction.h).
  std::shared_ptr<Client> PrimaryClient(const std::string& address) {
    return ClientFor(address, /*readonly=*/false);
  }

  // A copy of the current slot map, for users keeping state per node (the cluster Pub/Sub,
  // lib/store/cluster_subscriber.h; defined in cluster_pubsub.cc).
  struct SlotMap {
    std::vector<std::string> primaries;              // "host:port", sorted
    std::vector<std::vector<std::string>> replicas;  // of each primary
    std::vector<int16_t> slot_owner;  // kClusterSlots entries: index into primaries, -1 none
  };
  SlotMap CurrentSlotMap() const;
  // Connection options (options().node) for the node at `address` ("host:port").
  ClientOptions AddressOptions(std::string_view address) const;

  const ClusterOptions& options() const { return options_; }
  const ClientOptions& node_options() const { return options_.node; }

  // Counters, for tests and monitoring.
  int64_t moved_count() const { return moved_.load(); }
  int64_t ask_count() const { return ask_.load(); }
  int64_t retry_count() const { return retries_.load(); }
  int64_t refresh_count() const { return refreshes_.load(); }

 private:
  struct Node {
    std::string address;  // "host:port"
    std::string host;
    int port = 0;
    std::vector<std::string> replicas;  // addresses
  };
  struct Topology {
    std::vector<Node> primaries;                   // sorted by address
    std::array<int16_t, kClusterSlots> slot_node;  // index into primaries; -1 none
  };
  struct CommandKeys {
    int arity = 0;
    int first = 0, last = 0, step = 0;
    bool movable = false;
    bool write = false;
    bool readonly = false;
    bool has_subcommands = false;
  };

  explicit ClusterClient(const ClusterOptions& options);

  std::shared_ptr<const Topology> topology() const;
  // A Client for `address` ("host:port"), made on first use; READONLY ones for replicas.
  std::shared_ptr<Client> ClientFor(const std::string& address, bool readonly);
  absl::StatusOr<std::shared_ptr<const Topology>> LoadTopology();
  absl::Status LoadCommands();
  const CommandKeys* FindCommand(absl::Span<const std::string_view> argv) const;
  // Key positions of argv (indices), or an error (movable keys the server cannot decode).
  absl::Status KeysOf(absl::Span<const std::string_view> argv, std::vector<size_t>* keys);
  absl::Status KeysOf(absl::Span<const std::string_view> argv, const CommandKeys* k,
                      std::vector<size_t>* keys);
  // Runs argv on `address` (ASKING first when `asking`), following redirects and retries.
  absl::StatusOr<resp::Value> Run(int slot, absl::Span<const std::string_view> argv, bool write,
                                  bool readonly);
  absl::StatusOr<resp::Value> RunOnce(const std::string& address, bool replica, bool asking,
                                      absl::Span<const std::string_view> argv, bool write);
  absl::StatusOr<resp::Value> SplitKeys(absl::Span<const std::string_view> argv,
                                        const std::vector<size_t>& keys, bool mget);
  absl::StatusOr<resp::Value> Scan(absl::Span<const std::string_view> argv);
  absl::StatusOr<resp::Value> AllPrimaries(absl::Span<const std::string_view> argv);
  void RequestRefresh();
  void RefreshLoop();

  const ClusterOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<const Topology> topology_;  // guarded by mu_
  // Every node client ever made, by address (and "r:" + address for READONLY ones).
  absl::flat_hash_map<std::string, std::shared_ptr<Client>> clients_;  // guarded by mu_
  std::vector<std::pair<std::string, int>> known_;  // seeds and nodes seen; guarded by mu_
  // Lowercase name (or "name|sub"); written by Connect only.
  absl::flat_hash_map<std::string, CommandKeys> commands_;
  bool have_commands_ = false;
  std::mutex refresh_mu_;  // one refresh at a time
  std::condition_variable refresh_cv_;
  bool refresh_wanted_ = false;  // guarded by mu_
  bool stop_ = false;            // guarded by mu_
  std::thread refresher_;
  std::atomic<int64_t> moved_{0}, ask_{0}, retries_{0}, refreshes_{0};
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_CLIENT_CLUSTER_H_
