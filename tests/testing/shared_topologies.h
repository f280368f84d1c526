// The process-wide test topologies (redis_cluster.h's SharedRedisCluster, redis_sentinel.h's
// SharedRedisSentinel) as the "Setup" of a backend in a typed test suite: a name and the Store URL
// to open, or the reason the topology could not start (the suite then fails with it).
//
//   template <typename Setup> struct SharedSetupBackend { ... Setup::Url() ... };
//   using ClusterBackend = SharedSetupBackend<testing::SharedClusterSetup>;
//
// And the options of a ClusterClient on a local cluster (the shared one or a test's own), for the
// client and fault suites that connect to one directly:
//
//   auto client = ClusterClient::Connect(testing::ClusterClientOptions(cluster, absl::Seconds(5)));
#ifndef EMBEDIS_TESTS_TESTING_SHARED_TOPOLOGIES_H_
#define EMBEDIS_TESTS_TESTING_SHARED_TOPOLOGIES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/client/cluster.h"
#include "tests/testing/redis_cluster.h"
#include "tests/testing/redis_sentinel.h"

namespace embedis::testing {

// A local 3-primary + 3-replica Redis Cluster (redis+cluster://).
struct SharedClusterSetup {
  static constexpr const char* kName = "cluster";
  static absl::StatusOr<std::string> Url() {
    if (!SharedRedisClusterStatus().ok()) return SharedRedisClusterStatus();
    return SharedRedisCluster().Url("/?timeout_ms=5000");
  }
};

// The primary named by three sentinels (redis+sentinel://; one primary, one replica).
struct SharedSentinelSetup {
  static constexpr const char* kName = "sentinel";
  static absl::StatusOr<std::string> Url() {
    if (!SharedRedisSentinelStatus().ok()) return SharedRedisSentinelStatus();
    return SharedRedisSentinel().Url("?timeout_ms=5000");
  }
};

// Every node of `cluster` as a seed (127.0.0.1), and `command_timeout` on every node connection.
inline ClusterOptions ClusterClientOptions(const RedisClusterProcess& cluster,
                                           absl::Duration command_timeout) {
  ClusterOptions o;
  for (int i = 0; i < cluster.size(); ++i) o.seeds.emplace_back("127.0.0.1", cluster.port(i));
  o.node.command_timeout = command_timeout;
  return o;
}

}  // namespace embedis::testing

#endif  // EMBEDIS_TESTS_TESTING_SHARED_TOPOLOGIES_H_
