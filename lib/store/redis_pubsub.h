// RedisPubSub: a RedisStore's Pub/Sub side (internal to lib/store; see Store::Subscribe and
// Store::EnableKeyspaceEvents).
//
// Subscribe: on one server (or the primary Redis Sentinel names at the moment) one dedicated
// connection for every subscription (RedisSubscriber, redis_subscriber.h); on a Redis Cluster a
// connection to each node that publishes what is subscribed (ClusterSubscriber,
// cluster_subscriber.h). The subscriber is made by the first Subscribe and destroyed (its threads
// joined) with this object.
//
// EnableKeyspaceEvents adds notification classes to notify-keyspace-events with CONFIG GET and
// CONFIG SET: on the server, or on every node of a cluster (each publishes its own keys' events
// only) and on the nodes that appear later (applied as the cluster subscriber connects to them).
//
// Thread safety: every method may be called from any thread.
#ifndef EMBEDIS_LIB_STORE_REDIS_PUBSUB_H_
#define EMBEDIS_LIB_STORE_REDIS_PUBSUB_H_

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/client/cluster.h"
#include "lib/client/options.h"
#include "lib/client/sentinel.h"
#include "lib/resp/value.h"
#include "lib/store/cluster_subscriber.h"
#include "lib/store/redis_subscriber.h"
#include "lib/store/store.h"

namespace embedis::store_internal {

class RedisPubSub {
 public:
  // One command on the server (CONFIG GET / SET of a single server or a Sentinel's primary).
  using RunFn =
      absl::FunctionRef<absl::StatusOr<resp::Value>(std::initializer_list<std::string_view>)>;

  // The store's cluster or sentinel client, if it has one (neither: a single server).
  RedisPubSub(std::shared_ptr<ClusterClient> cluster, std::shared_ptr<SentinelClient> sentinel);
  ~RedisPubSub();
  RedisPubSub(const RedisPubSub&) = delete;
  RedisPubSub& operator=(const RedisPubSub&) = delete;

  // Store::Subscribe. `client_options`: the store's connection options (server, AUTH, TLS,
  // timeouts), used when the first subscription makes the subscriber.
  absl::StatusOr<std::unique_ptr<Store::Subscription>> Subscribe(
      Store::SubscribeOptions options, const ClientOptions& client_options);

  // Store::EnableKeyspaceEvents. `run` is used except on a cluster.
  absl::Status EnableKeyspaceEvents(std::string_view letters, RunFn run);

 private:
  absl::Status EnableClusterKeyspaceEvents(std::string_view letters, uint32_t wanted);

  const std::shared_ptr<ClusterClient> cluster_;
  const std::shared_ptr<SentinelClient> sentinel_;
  std::mutex subscriber_mu_;
  // Made by the first Subscribe; destroyed (its thread joined) with the store.
  std::unique_ptr<RedisSubscriber> subscriber_;
  // The notification classes EnableKeyspaceEvents added on a cluster (NotifyClass bits).
  std::atomic<uint32_t> notify_flags_{0};
  // A cluster's, made by the first Subscribe; destroyed before notify_flags_ (its threads use it).
  std::unique_ptr<ClusterSubscriber> cluster_subscriber_;
};

}  // namespace embedis::store_internal

#endif  // EMBEDIS_LIB_STORE_REDIS_PUBSUB_H_
