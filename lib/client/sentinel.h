// SentinelClient: a client of the primary that Redis Sentinel names, following its failovers.
//
//   SentinelOptions options;
//   options.sentinels = {{"10.0.0.1", 26379}, {"10.0.0.2", 26379}};
//   options.master_name = "mymaster";
//   absl::StatusOr<std::unique_ptr<SentinelClient>> c = SentinelClient::Connect(options);
//   absl::StatusOr<resp::Value> v = (*c)->Command({"GET", "k"});
//
// How it works: the sentinels are asked in turn for SENTINEL GET-MASTER-ADDR-BY-NAME; the
// address they name is checked with ROLE (it must say "master") and gets a Client (pool) of
// its own. A background thread subscribes to +switch-master on one sentinel (the next one when
// that fails) and switches to the new primary when the message names our master. A call that
// cannot reach the primary (nothing sent), or that the old primary refuses with READONLY (it
// became a replica), asks the sentinels again and is retried, at most max_retries times with a
// backoff (10 ms doubling to 500 ms); a command in flight when the primary died is not re-sent
// (it may have run): kUnavailable.
//
// Reads from replicas (read_from_replica, URL `read_from=replica`): read-only commands (flag
// "readonly" in the primary's COMMAND reply, subcommands too) go to the replicas that SENTINEL
// REPLICAS <name> lists as healthy (no s_down / o_down / disconnected flag, master-link-status
// ok), in turn; with none, to the primary. The list is asked again after a failover, when a
// sentinel announces +sdown / -sdown / +slave / +reboot, and every 5 s. A read that fails on a
// replica (unreachable, timed out, LOADING, MASTERDOWN) is re-run on the primary (a read can be
// repeated). Replicas lag behind the primary (asynchronous replication): a read may not see a
// write just made, unless the writer waits for it (WAIT). Pipelines (Exec) go to the primary.
//
// Thread safety: every method may be called from any thread.
#ifndef EMBEDIS_LIB_CLIENT_SENTINEL_H_
#define EMBEDIS_LIB_CLIENT_SENTINEL_H_

#include <atomic>
#include <condition_variable>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/client/client.h"
#include "lib/client/connection.h"
#include "lib/client/options.h"
#include "lib/resp/value.h"

namespace embedis {

struct SentinelOptions {
  // Sentinels (host, port); at least one must answer.
  std::vector<std::pair<std::string, int>> sentinels;
  // The name the sentinels monitor the primary under.
  std::string master_name;
  // Connections to the primary (db, AUTH, TLS, timeouts, pool); host and port are ignored.
  ClientOptions node;
  // AUTH for the sentinels (their own requirepass / ACL user), when set.
  std::string sentinel_username;
  std::string sentinel_password;
  // Retries of a call whose primary is unreachable or demoted. Default: 10 (about 3.5 s).
  int max_retries = 10;
  // Read-only commands go to a healthy replica (see above). Default: false.
  bool read_from_replica = false;
};

class SentinelClient {
 public:
  // Finds the primary and connects. kUnavailable when no sentinel answers or none knows the
  // master name; kInvalidArgument for bad options.
  static absl::StatusOr<std::unique_ptr<SentinelClient>> Connect(const SentinelOptions& options);
  ~SentinelClient();
  SentinelClient(const SentinelClient&) = delete;
  SentinelClient& operator=(const SentinelClient&) = delete;

  absl::StatusOr<resp::Value> Command(absl::Span<const std::string_view> argv);
  absl::StatusOr<resp::Value> Command(std::initializer_list<std::string_view> argv) {
    return Command(absl::Span<const std::string_view>(argv.begin(), argv.size()));
  }
  absl::Status Exec(const Pipeline& pipeline, std::vector<resp::Value>* replies);

  // The Client (pool) of the primary now, for work pinned to one connection (a transaction).
  std::shared_ptr<Client> primary_client() const { return client(); }
  // The primary's connection options now (host and port of the current primary).
  ClientOptions PrimaryOptions() const;
  const ClientOptions& node_options() const { return options_.node; }
  // "host:port" of the current primary.
  std::string primary_address() const;
  // Switches to a new primary so far.
  int64_t switch_count() const { return switches_.load(); }
  // With read_from_replica: "host:port" of the replicas reads go to now (healthy ones).
  std::vector<std::string> replica_addresses() const;
  // Reads re-run on the primary after a replica failed them, so far.
  int64_t replica_fallback_count() const { return replica_fallbacks_.load(); }

 private:
  explicit SentinelClient(const SentinelOptions& options) : options_(options) {}
  ClientOptions SentinelConnectionOptions(const std::pair<std::string, int>& sentinel) const;
  // Asks the sentinels, checks ROLE, switches the client. Serialized.
  absl::Status Resolve();
  std::shared_ptr<Client> client() const;
  void Watch();
  // read_from_replica: the primary's read-only command names (lowercase, "name|sub" too).
  absl::Status LoadReadOnlyCommands();
  bool IsReadOnly(absl::Span<const std::string_view> argv) const;
  // Asks the sentinels for the healthy replicas and replaces the list.
  void RefreshReplicas();
  // A replica's Client for a read, in turn; nullptr with none.
  std::shared_ptr<Client> NextReplica();

  const SentinelOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<Client> client_;  // guarded by mu_
  std::string host_;                // guarded by mu_
  int port_ = 0;                    // guarded by mu_
  bool stop_ = false;               // guarded by mu_
  std::condition_variable stop_cv_;
  std::mutex resolve_mu_;
  std::thread watcher_;
  std::atomic<int64_t> switches_{0};
  // read_from_replica.
  absl::flat_hash_set<std::string> readonly_;  // written by Connect only
  std::vector<std::pair<std::string, std::shared_ptr<Client>>> replicas_;  // guarded by mu_
  std::atomic<uint64_t> next_replica_{0};
  std::atomic<int64_t> replica_fallbacks_{0};
  std::atomic<bool> replicas_stale_{false};
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_CLIENT_SENTINEL_H_
