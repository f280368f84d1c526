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
#include <mutex>
#include <string_view>

#include "absl/status/status.h"
#include "lib/store/store.h"

namespace embedis::store_internal {

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

// Checks a Subscribe's options (names, on_message); InvalidArgument naming what is missing.
absl::Status CheckSubscribeOptions(const Store::SubscribeOptions& options);

}  // namespace embedis::store_internal

#endif  // EMBEDIS_LIB_STORE_SUBSCRIPTION_STATE_H_
