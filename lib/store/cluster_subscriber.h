// ClusterSubscriber: the Pub/Sub of a RedisStore on a Redis Cluster (internal to lib/store; see
// Store::Subscribe).
//
// One Pub/Sub connection (a "link") per primary that has something to subscribe, each read by a
// thread of its own on which the callbacks run, and a manager thread that follows the slot map.
// Where each name goes (the plan, from ClusterClient's slot map):
//   - an ordinary channel: the owner of slot 0, the "home" (ClusterClient sends PUBLISH there,
//     so counts of receivers include this store; PUBLISH is broadcast to every node anyway);
//   - a keyspace notification channel (`__keyspace@...`, `__keyevent@...`) and every pattern:
//     every primary serving slots, since a node publishes its own keys' events only to its own
//     subscribers (they are not broadcast);
//   - a shard channel: the primary of its slot (KeySlot: CRC16, hash tags as for keys).
// A message on an ordinary channel (a broadcast PUBLISH reaches every link subscribed to a
// matching pattern) is delivered from the home link only; keyspace notifications from every link.
// Each link sends one (UN)SUBSCRIBE command per name (an SSUBSCRIBE of names in several slots
// would be refused with CROSSSLOT) and keeps what its node confirmed.
//
// Following the topology. The manager re-plans from ClusterClient's slot map every second, and
// refreshes the map first (ClusterClient::Refresh; at most about ten times a second) when a link
// asks for it: its node cannot be reached or its connection broke, its node refused an
// SSUBSCRIBE (MOVED: the slot is elsewhere), or its node sent an `sunsubscribe` nobody asked for
// (Redis 7 does so when the channel's slot migrates away or the node turns into a replica). Links
// are made for primaries that appear in the plan (a promoted replica, a node added) and closed
// when the plan leaves them nothing; each link subscribes what the plan gives it and unsubscribes
// the rest, so a shard channel follows its slot and keyspace events follow new primaries.
//
// Delivery status: when a link's connection breaks, every subscription is told kUnavailable (a
// gap: messages published meanwhile are lost); OK again once no link is broken and every link has
// subscribed its names (after a failover: once the promoted replica's link has).
//
// Thread safety: Add and Remove may be called from any thread, including from a callback (Add
// then does not wait for the confirmation).
#ifndef EMBEDIS_LIB_STORE_CLUSTER_SUBSCRIBER_H_
#define EMBEDIS_LIB_STORE_CLUSTER_SUBSCRIBER_H_

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "lib/client/cluster.h"
#include "lib/resp/value.h"
#include "lib/store/subscription_state.h"

namespace embedis::store_internal {

class ClusterSubscriber {
 public:
  // `on_connect(address)` runs on a link's thread after each connection to the node at
  // `address` ("host:port"), before anything is subscribed there (RedisStore enables the
  // keyspace notification classes asked for on nodes that appear). It may be empty.
  ClusterSubscriber(std::shared_ptr<ClusterClient> cluster,
                    std::function<void(const std::string& address)> on_connect);
  // Stops and joins every thread. REQUIRES: every subscription was removed.
  ~ClusterSubscriber();
  ClusterSubscriber(const ClusterSubscriber&) = delete;
  ClusterSubscriber& operator=(const ClusterSubscriber&) = delete;

  // Registers `state` and subscribes its names where the plan says; waits (up to the command
  // timeout) until every node concerned confirmed them. kUnavailable (the connection's error)
  // when a node concerned cannot be reached at all, a node's refusal (an ACL's NOPERM, ...) as
  // StatusFromRedisError maps it, kDeadlineExceeded when no confirmation came; `state` is
  // removed again on failure.
  absl::Status Add(const std::shared_ptr<SubscriptionState>& state);
  // Unregisters `state`; no callback of it runs after this returns (unless called from inside
  // one).
  void Remove(SubscriptionState* state);

 private:
  using Name = std::pair<SubscriptionKind, std::string>;
  struct Link;

  void Manage();
  void RunLink(Link* link);
  // A reply or push from `link`'s node. Called without mu_ held.
  void Handle(Link* link, const resp::Value& v);
  // The nodes (addresses) where `name` is subscribed by the current plan. REQUIRES: mu_ held.
  std::vector<std::string> PlannedLocked(const Name& name) const;
  // Installs a slot map: the home and the primaries serving slots. REQUIRES: mu_ held.
  void SetMapLocked(ClusterClient::SlotMap map);
  // Gives every link its names by the plan, making links where needed. REQUIRES: mu_ held.
  void ApplyPlanLocked();
  // True when `state`'s names are all confirmed where the plan puts them, or (with *result set)
  // when a node concerned failed them. REQUIRES: mu_ held.
  bool AddedLocked(const SubscriptionState& state, absl::Status* result) const;
  // Marks `link` synchronized when every name it wants is confirmed (or refused).
  void SyncLocked(Link* link);
  // Tells every subscription when the delivery status changed (may unlock `lock` meanwhile).
  void SettleStatus(std::unique_lock<std::mutex>& lock);
  void RequestRefreshLocked();

  const std::shared_ptr<ClusterClient> cluster_;
  const std::function<void(const std::string&)> on_connect_;
  std::mutex mu_;
  std::condition_variable cv_;        // confirmations, the manager's wake-ups, stop
  SubscriptionRegistry registry_;     // guarded by mu_
  bool have_map_ = false;             // guarded by mu_
  ClusterClient::SlotMap map_;        // guarded by mu_
  std::string home_;                  // owner of slot 0; guarded by mu_
  std::vector<std::string> serving_;  // primaries with slots; guarded by mu_
  std::map<std::string, std::unique_ptr<Link>> links_;  // by address; guarded by mu_
  bool delivering_ = true;                              // the status last told; guarded by mu_
  bool refresh_wanted_ = false;                         // guarded by mu_
  bool replan_wanted_ = false;                          // guarded by mu_
  bool stop_ = false;                                   // guarded by mu_
  std::thread manager_;                                 // started by the first Add
};

}  // namespace embedis::store_internal

#endif  // EMBEDIS_LIB_STORE_CLUSTER_SUBSCRIBER_H_
