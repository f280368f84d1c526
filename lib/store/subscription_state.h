// SubscriptionState: the part of a Store::Subscription both backends share (internal to
// lib/store): its names, its callbacks, its delivery status and gap count, and the rule that a
// callback never runs after the subscription is deactivated nor concurrently with itself.
//
// Thread safety: every method may be called from any thread. Deliver and SetStatus hold a
// recursive mutex while calling back, so a callback may publish to its own channel (memory://
// delivers on the publishing thread) or destroy its own subscription.
#ifndef EMBEDIS_LIB_STORE_SUBSCRIPTION_STATE_H_
#define EMBEDIS_LIB_STORE_SUBSCRIPTION_STATE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "lib/store/store.h"

namespace embedis::store_internal {

// What a name of a subscription is (SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE).
enum class SubscriptionKind : int { kChannel = 0, kPattern = 1, kShardChannel = 2 };
inline constexpr SubscriptionKind kSubscriptionKinds[] = {
    SubscriptionKind::kChannel, SubscriptionKind::kPattern, SubscriptionKind::kShardChannel};
// The names of `kind` in `options`.
const std::vector<std::string>& NamesOf(const Store::SubscribeOptions& options,
                                        SubscriptionKind kind);
// Redis's command for subscribing (or unsubscribing) names of `kind`.
const char* SubscribeCommand(SubscriptionKind kind, bool subscribe);

class SubscriptionState {
 public:
  explicit SubscriptionState(Store::SubscribeOptions options) : options_(std::move(options)) {}

  const Store::SubscribeOptions& options() const { return options_; }

  // Calls on_message unless deactivated.
  void Deliver(std::string_view channel, std::string_view message, std::string_view pattern);
  // Records the delivery status; a loss (after OK) counts a gap. Calls on_status on a change.
  void SetStatus(const absl::Status& status);
  // No callback runs after this returns (except when called from inside one).
  void Deactivate();

  absl::Status status() const;
  int64_t gaps() const { return gaps_.load(); }

 private:
  const Store::SubscribeOptions options_;
  mutable std::recursive_mutex mu_;
  bool active_ = true;   // guarded by mu_
  absl::Status status_;  // guarded by mu_
  std::atomic<int64_t> gaps_{0};
};

// The subscriptions of one store, with reference counts per name, so that the store subscribes
// each channel and pattern once (RedisStore: on its connection; MemoryStore: one hub subscriber),
// and PUBLISH counts a store once per channel and once per pattern on both backends, as Redis
// counts a connection. Not thread-safe: the owner guards it.
class SubscriptionRegistry {
 public:
  using StatePtr = std::shared_ptr<SubscriptionState>;
  // Names by kind (indexed by SubscriptionKind).
  using Names = std::vector<std::string>[3];
  // Registers `s`; appends the names nobody had subscribed to `added`.
  void Add(const StatePtr& s, Names& added);
  // Unregisters `s` (false if it was not); appends the names nobody subscribes any more.
  bool Remove(SubscriptionState* s, Names& gone);
  // Every name of `kind` subscribed.
  std::vector<std::string> names(SubscriptionKind kind) const;
  // The subscriptions to `name` of `kind`.
  std::vector<StatePtr> Receivers(SubscriptionKind kind, std::string_view name) const;
  const std::vector<StatePtr>& all() const { return subs_; }

 private:
  std::vector<StatePtr> subs_;
  absl::flat_hash_map<std::string, int> counts_[3];  // by SubscriptionKind
};

// Checks a Subscribe's options (names, on_message); InvalidArgument naming what is missing.
absl::Status CheckSubscribeOptions(const Store::SubscribeOptions& options);

}  // namespace embedis::store_internal

#endif  // EMBEDIS_LIB_STORE_SUBSCRIPTION_STATE_H_
