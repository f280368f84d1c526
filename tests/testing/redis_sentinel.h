// RedisSentinelProcess: a local Sentinel setup for tests: one primary, one replica (redis-server
// with --replicaof) and three sentinels monitoring the primary as `mymaster` (quorum 2,
// down-after-milliseconds 1000, failover-timeout 5000).
//
//   testing::RedisSentinelProcess sentinel;
//   ASSERT_OK(sentinel.Start());
//   std::string url = sentinel.Url();   // "redis+sentinel://127.0.0.1:s1,.../mymaster"
//   sentinel.KillPrimary();             // SIGKILL; the sentinels promote the replica
//
// A sentinel is `redis-sentinel <file>` when Debian's redis-sentinel package is installed, else
// `redis-server <file> --sentinel` (the same program), each with a config file of its own in a
// temporary directory. The destructor kills every process.
//
// Thread safety: none; one per test.
#ifndef EMBEDIS_TESTS_TESTING_REDIS_SENTINEL_H_
#define EMBEDIS_TESTS_TESTING_REDIS_SENTINEL_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {

struct RedisSentinelOptions {
  // TLS only, everywhere: the primary and the replica (`--port 0 --tls-port ...
  // --tls-replication yes`) and the sentinels (`port 0`, `tls-port`, `tls-replication yes`, so
  // they reach the servers and each other over TLS). Url() is then rediss+sentinel://.
  std::optional<RedisTlsFiles> tls;
  // `requirepass` of the sentinels (and `sentinel sentinel-pass` between them); empty: none.
  std::string sentinel_password;
  // With sentinel_password: an ACL user of the sentinels instead (`user default off`, `user <name>
  // on ><password> +@all`, `sentinel sentinel-user` between them).
  std::string sentinel_username;
};

class RedisSentinelProcess {
 public:
  RedisSentinelProcess() = default;
  ~RedisSentinelProcess();
  RedisSentinelProcess(const RedisSentinelProcess&) = delete;
  RedisSentinelProcess& operator=(const RedisSentinelProcess&) = delete;

  // Starts the servers and sentinels; waits (up to 20 s) until the replica is in sync and every
  // sentinel knows the replica and the other sentinels.
  absl::Status Start(RedisSentinelOptions options = {});

  static constexpr const char* kMasterName = "mymaster";
  // "redis+sentinel://127.0.0.1:<s1>,127.0.0.1:<s2>,127.0.0.1:<s3>/mymaster" + suffix
  // (rediss+sentinel:// with TLS).
  std::string Url(std::string_view suffix = "") const;
  int primary_port() const { return primary_->port(); }
  int replica_port() const { return replica_->port(); }
  const std::vector<int>& sentinel_ports() const { return sentinel_ports_; }
  // SIGKILL the primary (it stays dead).
  void KillPrimary() { primary_->Kill(); }
  RedisServerProcess& primary() { return *primary_; }
  RedisServerProcess& replica() { return *replica_; }
  // Connects `conn` to sentinel `i` (TLS and AUTH as configured).
  absl::Status ConnectSentinel(int i, RawRespConnection* conn) const;
  // Waits until the sentinels report the replica's port as the primary's.
  absl::Status WaitFailover(absl::Duration timeout);

 private:
  std::unique_ptr<RedisServerProcess> primary_;
  std::unique_ptr<RedisServerProcess> replica_;
  std::vector<pid_t> sentinel_pids_;
  std::vector<int> sentinel_ports_;
  std::string dir_;
  RedisSentinelOptions options_;
};

// One setup per test binary, started on first use, killed at exit (std::atexit).
RedisSentinelProcess& SharedRedisSentinel();
absl::Status SharedRedisSentinelStatus();

}  // namespace embedis::testing

#endif  // EMBEDIS_TESTS_TESTING_REDIS_SENTINEL_H_
