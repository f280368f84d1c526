// RedisClusterProcess: a local Redis Cluster for tests (3 primaries + 3 replicas by default).
//
//   testing::RedisClusterProcess cluster;
//   ASSERT_OK(cluster.Start());                  // fails naming the package if a tool is missing
//   std::string url = cluster.Url();             // "redis+cluster://127.0.0.1:p1,127.0.0.1:p2"
//   cluster.Call(0, {"CLUSTER", "KEYSLOT", "k"}); // raw RESP bytes from node 0
//
// Each node is a redis-server child (RedisServerProcess) on a free loopback port with
// `--cluster-enabled yes`, its own temporary directory (nodes.conf there), a cluster bus port of
// its own (`--cluster-port`), `--save '' --appendonly no` and `--cluster-node-timeout`
// (options.node_timeout_ms). Start() joins them with `redis-cli --cluster create ...
// --cluster-replicas N --cluster-yes` and waits until every node reports cluster_state:ok and
// knows every other node, and every replica is in sync with its primary (replicas sync at
// once: --repl-diskless-sync-delay 0). The destructor kills every node.
//
// Thread safety: none; one per test (or one per suite, behind a static).
#ifndef EMBEDIS_TESTS_TESTING_REDIS_CLUSTER_H_
#define EMBEDIS_TESTS_TESTING_REDIS_CLUSTER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {

struct RedisClusterOptions {
  int primaries = 3;
  int replicas_per_primary = 1;
  // cluster-node-timeout: how soon a dead primary is failed over.
  int node_timeout_ms = 1000;
  // Appended to every node's command line.
  std::vector<std::string> extra_args;
  // TLS only: every node serves TLS (`--port 0 --tls-port ... --tls-cluster yes
  // --tls-replication yes`), the cluster is created with `redis-cli --tls ... --cluster create`,
  // Call() speaks TLS and Url() is rediss+cluster://.
  std::optional<RedisTlsFiles> tls;
};

class RedisClusterProcess {
 public:
  RedisClusterProcess() = default;
  ~RedisClusterProcess();
  RedisClusterProcess(const RedisClusterProcess&) = delete;
  RedisClusterProcess& operator=(const RedisClusterProcess&) = delete;

  // Starts the nodes, creates the cluster, waits (up to 30 s) until it is healthy.
  absl::Status Start(RedisClusterOptions options = {});

  // Number of nodes (primaries * (1 + replicas_per_primary)).
  int size() const { return static_cast<int>(nodes_.size()); }
  int port(int node) const { return nodes_[node]->port(); }
  // "redis+cluster://127.0.0.1:<port0>,127.0.0.1:<port1>,..." (every node as a seed) followed
  // by `suffix` ("/?timeout_ms=500"); rediss+cluster:// with TLS.
  std::string Url(std::string_view suffix = "") const;

  // One command on node `node` (a fresh connection); the whole reply as raw RESP bytes, or ""
  // when the node cannot be reached.
  std::string Call(int node, std::initializer_list<std::string_view> argv) const;
  std::string Call(int node, const std::vector<std::string>& argv) const;
  // The node (index) that serves `slot` as a primary now, by CLUSTER SHARDS / NODES as node 0
  // (or the first live node) sees it; -1 if unknown.
  int PrimaryOf(int slot) const;
  // The node id (CLUSTER MYID) of node `node`.
  std::string NodeId(int node) const;
  // Indices of the nodes that are primaries now, by their own ROLE.
  std::vector<int> Primaries() const;
  // SIGKILL node `node` (it stays dead).
  void Kill(int node);
  bool alive(int node) const { return nodes_[node]->pid() > 0; }
  // Waits until every live node reports cluster_state:ok and sees every slot served by a live
  // primary, up to `timeout`.
  absl::Status WaitHealthy(absl::Duration timeout);

 private:
  std::vector<std::unique_ptr<RedisServerProcess>> nodes_;
  bool tls_ = false;
};

// One cluster per test binary, started on first use with default options and killed at exit
// (std::atexit). Check start_status() before using it.
RedisClusterProcess& SharedRedisCluster();
absl::Status SharedRedisClusterStatus();

}  // namespace embedis::testing

#endif  // EMBEDIS_TESTS_TESTING_REDIS_CLUSTER_H_
