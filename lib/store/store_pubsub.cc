// Store's Pub/Sub defaults and SubscriptionState (subscription_state.h).
#include "lib/store/store.h"
#include "lib/store/subscription_state.h"

namespace embedis {

absl::StatusOr<int64_t> Store::Publish(std::string_view channel, std::string_view message) {
  absl::StatusOr<resp::Value> reply = Command({"PUBLISH", channel, message});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return StatusFromRedisError(reply->str());
  if (reply->type() != resp::Type::kInteger) {
    return absl::InternalError("PUBLISH: unexpected reply " + reply->DebugString());
  }
  return reply->integer();
}

absl::StatusOr<std::unique_ptr<Store::Subscription>> Store::Subscribe(SubscribeOptions) {
  return absl::UnimplementedError("this store does not support Subscribe");
}

absl::Status Store::EnableKeyspaceEvents(std::string_view) {
  return absl::UnimplementedError("this store does not support keyspace notifications");
}

namespace store_internal {

void SubscriptionState::Deliver(std::string_view channel, std::string_view message,
                                std::string_view pattern) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (active_) options_.on_message(channel, message, pattern);
}

void SubscriptionState::SetStatus(const absl::Status& status) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (status.ok() == status_.ok()) {
    status_ = status;
    return;
  }
  if (!status.ok()) gaps_.fetch_add(1);
  status_ = status;
  if (active_ && options_.on_status) options_.on_status(status);
}

void SubscriptionState::Deactivate() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  active_ = false;
}

absl::Status SubscriptionState::status() const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return status_;
}

absl::Status CheckSubscribeOptions(const Store::SubscribeOptions& options) {
  if (options.channels.empty() && options.patterns.empty()) {
    return absl::InvalidArgumentError("Subscribe: no channel and no pattern");
  }
  if (!options.on_message) return absl::InvalidArgumentError("Subscribe: no on_message callback");
  return absl::OkStatus();
}

}  // namespace store_internal
}  // namespace embedis
