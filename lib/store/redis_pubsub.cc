// RedisPubSub (redis_pubsub.h): a RedisStore's Subscribe and EnableKeyspaceEvents.
#include "lib/store/redis_pubsub.h"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/client/connection.h"
#include "lib/keyspace/pubsub.h"
#include "lib/resp/value.h"
#include "lib/store/list_commands.h"
#include "lib/util/status_macros.h"
#include "lib/util/strings.h"

namespace embedis::store_internal {

namespace {

using resp::Type;
using resp::Value;

// A subscription on the store's Pub/Sub connection(s): a RedisSubscriber, or a
// ClusterSubscriber on a cluster.
template <typename Subscriber>
class RedisSubscription : public Store::Subscription {
 public:
  RedisSubscription(Subscriber* subscriber, std::shared_ptr<SubscriptionState> state)
      : subscriber_(subscriber), state_(std::move(state)) {}
  ~RedisSubscription() override { subscriber_->Remove(state_.get()); }
  absl::Status status() const override { return state_->status(); }
  int64_t gaps() const override { return state_->gaps(); }

 private:
  Subscriber* subscriber_;
  std::shared_ptr<SubscriptionState> state_;
};

// Adds the notification classes `wanted` (from `letters`) to a server's notify-keyspace-events:
// CONFIG GET, then CONFIG SET of the union when it adds anything; `run` runs one command there.
// A refused CONFIG is kFailedPrecondition naming the classes to configure.
template <typename Run>
absl::Status AddNotifyClasses(const Run& run, std::string_view letters, uint32_t wanted) {
  auto refused = [&](std::string_view why) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the server refused CONFIG (", ToAbsl(why), "): enable the keyspace notification classes '",
        ToAbsl(letters), "' in its configuration (notify-keyspace-events)"));
  };
  EMBEDIS_ASSIGN_OR_RETURN(Value got, run({"CONFIG", "GET", "notify-keyspace-events"}));
  if (got.is_error()) return refused(got.str());
  if ((got.type() != Type::kArray && got.type() != Type::kMap) || got.elements().size() != 2) {
    return Unexpected("CONFIG GET", got);
  }
  const std::optional<uint32_t> current = ParseNotifyFlags(got.elements()[1].str());
  if (!current.has_value()) return Unexpected("CONFIG GET", got);
  if ((*current | wanted) == *current) return absl::OkStatus();
  const std::string value = NotifyFlagsString(*current | wanted);
  EMBEDIS_ASSIGN_OR_RETURN(Value set, run({"CONFIG", "SET", "notify-keyspace-events", value}));
  if (set.is_error()) return refused(set.str());
  return absl::OkStatus();
}

// AddNotifyClasses on the cluster node at `address`, over a connection of its own. With
// `replicas`, appends the replicas the node reports connected (ROLE: "ip:port"), which the slot
// map may not show yet (gossip lags behind replication).
absl::Status AddNotifyClassesOnNode(const ClusterClient& cluster, const std::string& address,
                                    std::string_view letters, uint32_t wanted,
                                    std::vector<std::string>* replicas = nullptr) {
  EMBEDIS_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
                           Connection::Open(cluster.AddressOptions(address)));
  EMBEDIS_RETURN_IF_ERROR(AddNotifyClasses(
      [&](std::initializer_list<std::string_view> argv) { return conn->Command(argv); }, letters,
      wanted));
  if (replicas == nullptr) return absl::OkStatus();
  absl::StatusOr<Value> role = conn->Command({"ROLE"});
  if (!role.ok() || role->type() != Type::kArray || role->elements().size() < 3 ||
      role->elements()[2].type() != Type::kArray) {
    return absl::OkStatus();  // not a primary, or no ROLE: the slot map's replicas only
  }
  for (const Value& r : role->elements()[2].elements()) {
    if (r.type() != Type::kArray || r.elements().size() < 2 || !r.elements()[0].is_string_like() ||
        !r.elements()[1].is_string_like()) {
      continue;
    }
    replicas->push_back(absl::StrCat(r.elements()[0].str(), ":", r.elements()[1].str()));
  }
  return absl::OkStatus();
}

}  // namespace

RedisPubSub::RedisPubSub(std::shared_ptr<ClusterClient> cluster,
                         std::shared_ptr<SentinelClient> sentinel)
    : cluster_(std::move(cluster)), sentinel_(std::move(sentinel)) {}

RedisPubSub::~RedisPubSub() = default;

absl::StatusOr<std::unique_ptr<Store::Subscription>> RedisPubSub::Subscribe(
    Store::SubscribeOptions options, const ClientOptions& client_options) {
  EMBEDIS_RETURN_IF_ERROR(CheckSubscribeOptions(options));
  auto state = std::make_shared<SubscriptionState>(std::move(options));
  if (cluster_ != nullptr) {
    ClusterSubscriber* subscriber;
    {
      std::lock_guard<std::mutex> lock(subscriber_mu_);
      if (cluster_subscriber_ == nullptr) {
        // Nodes that appear (a promoted replica, a node added) get the notification classes
        // EnableKeyspaceEvents added so far.
        cluster_subscriber_ =
            std::make_unique<ClusterSubscriber>(cluster_, [this](const std::string& address) {
              const uint32_t flags = notify_flags_.load();
              if (flags == 0) return;
              AddNotifyClassesOnNode(*cluster_, address, NotifyFlagsString(flags), flags)
                  .IgnoreError();  // best effort: EnableKeyspaceEvents reported refusals
            });
      }
      subscriber = cluster_subscriber_.get();
    }
    EMBEDIS_RETURN_IF_ERROR(subscriber->Add(state));
    return std::unique_ptr<Store::Subscription>(
        new RedisSubscription<ClusterSubscriber>(subscriber, std::move(state)));
  }
  RedisSubscriber* subscriber;
  {
    std::lock_guard<std::mutex> lock(subscriber_mu_);
    if (subscriber_ == nullptr) {
      if (sentinel_ != nullptr) {  // the primary of the moment
        subscriber_ = std::make_unique<RedisSubscriber>(
            client_options, [sentinel = sentinel_] { return sentinel->PrimaryOptions(); });
      } else {
        subscriber_ = std::make_unique<RedisSubscriber>(client_options);
      }
    }
    subscriber = subscriber_.get();
  }
  EMBEDIS_RETURN_IF_ERROR(subscriber->Add(state));
  return std::unique_ptr<Store::Subscription>(
      new RedisSubscription<RedisSubscriber>(subscriber, std::move(state)));
}

absl::Status RedisPubSub::EnableKeyspaceEvents(std::string_view letters, RunFn run) {
  const std::optional<uint32_t> wanted = ParseNotifyFlags(letters);
  if (!wanted.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad notify-keyspace-events classes '", ToAbsl(letters), "'"));
  }
  if (cluster_ != nullptr) return EnableClusterKeyspaceEvents(letters, *wanted);
  return AddNotifyClasses(run, letters, *wanted);
}

// A cluster's nodes each publish their own keys' events only: the classes are added on every
// node, primaries and replicas (the map's and those each primary reports with ROLE: a replica
// promoted later needs them too), and on nodes that
// appear later (notify_flags_, applied by the cluster subscriber). Nodes that cannot be
// reached are skipped; a refusal is reported.
absl::Status RedisPubSub::EnableClusterKeyspaceEvents(std::string_view letters, uint32_t wanted) {
  notify_flags_.fetch_or(wanted);
  ClusterClient::SlotMap map = cluster_->CurrentSlotMap();
  int reached = 0;
  absl::Status unreachable = absl::UnavailableError("no cluster node is known");
  for (size_t i = 0; i < map.primaries.size(); ++i) {
    std::vector<std::string> replicas = map.replicas[i];
    std::vector<std::string> done;
    std::vector<std::string> nodes = {map.primaries[i]};
    for (size_t n = 0; n < nodes.size(); ++n) {
      const std::string address = nodes[n];
      if (std::find(done.begin(), done.end(), address) != done.end()) continue;
      done.push_back(address);
      absl::Status s =
          AddNotifyClassesOnNode(*cluster_, address, letters, wanted, n == 0 ? &replicas : nullptr);
      if (n == 0) nodes.insert(nodes.end(), replicas.begin(), replicas.end());
      if (absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s)) {
        unreachable = s;
        continue;
      }
      EMBEDIS_RETURN_IF_ERROR(s);
      ++reached;
    }
  }
  return reached > 0 ? absl::OkStatus() : unreachable;
}

}  // namespace embedis::store_internal
