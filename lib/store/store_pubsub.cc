// Store's Pub/Sub defaults, SubscriptionState and SubscriptionRegistry (subscription_state.h).
#include <algorithm>

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

void SubscriptionRegistry::Add(const StatePtr& s, std::vector<std::string>* new_channels,
                               std::vector<std::string>* new_patterns) {
  subs_.push_back(s);
  for (const std::string& c : s->options().channels) {
    if (counts_[0][c]++ == 0) new_channels->push_back(c);
  }
  for (const std::string& p : s->options().patterns) {
    if (counts_[1][p]++ == 0) new_patterns->push_back(p);
  }
}

bool SubscriptionRegistry::Remove(SubscriptionState* s, std::vector<std::string>* gone_channels,
                                  std::vector<std::string>* gone_patterns) {
  auto it = std::find_if(subs_.begin(), subs_.end(),
                         [&](const StatePtr& other) { return other.get() == s; });
  if (it == subs_.end()) return false;
  subs_.erase(it);
  auto release = [](absl::flat_hash_map<std::string, int>& counts,
                    const std::vector<std::string>& names, std::vector<std::string>* gone) {
    for (const std::string& n : names) {
      auto found = counts.find(n);
      if (found != counts.end() && --found->second == 0) {
        counts.erase(found);
        gone->push_back(n);
      }
    }
  };
  release(counts_[0], s->options().channels, gone_channels);
  release(counts_[1], s->options().patterns, gone_patterns);
  return true;
}

std::vector<std::string> SubscriptionRegistry::channels() const {
  std::vector<std::string> out;
  for (const auto& [name, count] : counts_[0]) out.push_back(name);
  return out;
}

std::vector<std::string> SubscriptionRegistry::patterns() const {
  std::vector<std::string> out;
  for (const auto& [name, count] : counts_[1]) out.push_back(name);
  return out;
}

std::vector<SubscriptionRegistry::StatePtr> SubscriptionRegistry::Receivers(
    bool pattern, std::string_view name) const {
  std::vector<StatePtr> out;
  for (const StatePtr& s : subs_) {
    const std::vector<std::string>& names = pattern ? s->options().patterns : s->options().channels;
    if (std::find(names.begin(), names.end(), name) != names.end()) out.push_back(s);
  }
  return out;
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
