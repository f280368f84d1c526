// Store's Pub/Sub defaults, SubscriptionState and SubscriptionRegistry (subscription_state.h).
#include <algorithm>
#include <string>

#include "lib/store/store.h"
#include "lib/store/subscription_state.h"

namespace embedis {

namespace {

// PUBLISH or SPUBLISH through Command(): the integer reply.
absl::StatusOr<int64_t> RunPublish(Store& store, std::string_view command, std::string_view channel,
                                   std::string_view message) {
  absl::StatusOr<resp::Value> reply = store.Command({command, channel, message});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return StatusFromRedisError(reply->str());
  if (reply->type() != resp::Type::kInteger) {
    return absl::InternalError(std::string(command) + ": unexpected reply " + reply->DebugString());
  }
  return reply->integer();
}

}  // namespace

absl::StatusOr<int64_t> Store::Publish(std::string_view channel, std::string_view message) {
  return RunPublish(*this, "PUBLISH", channel, message);
}

absl::StatusOr<int64_t> Store::SPublish(std::string_view channel, std::string_view message) {
  return RunPublish(*this, "SPUBLISH", channel, message);
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

const std::vector<std::string>& NamesOf(const Store::SubscribeOptions& options,
                                        SubscriptionKind kind) {
  switch (kind) {
    case SubscriptionKind::kChannel:
      return options.channels;
    case SubscriptionKind::kPattern:
      return options.patterns;
    case SubscriptionKind::kShardChannel:
      return options.shard_channels;
  }
  return options.channels;
}

const char* SubscribeCommand(SubscriptionKind kind, bool subscribe) {
  switch (kind) {
    case SubscriptionKind::kChannel:
      return subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE";
    case SubscriptionKind::kPattern:
      return subscribe ? "PSUBSCRIBE" : "PUNSUBSCRIBE";
    case SubscriptionKind::kShardChannel:
      return subscribe ? "SSUBSCRIBE" : "SUNSUBSCRIBE";
  }
  return "";
}

void SubscriptionRegistry::Add(const StatePtr& s, Names& added) {
  subs_.push_back(s);
  for (SubscriptionKind kind : kSubscriptionKinds) {
    const int k = static_cast<int>(kind);
    for (const std::string& n : NamesOf(s->options(), kind)) {
      if (counts_[k][n]++ == 0) added[k].push_back(n);
    }
  }
}

bool SubscriptionRegistry::Remove(SubscriptionState* s, Names& gone) {
  auto it = std::find_if(subs_.begin(), subs_.end(),
                         [&](const StatePtr& other) { return other.get() == s; });
  if (it == subs_.end()) return false;
  subs_.erase(it);
  for (SubscriptionKind kind : kSubscriptionKinds) {
    const int k = static_cast<int>(kind);
    for (const std::string& n : NamesOf(s->options(), kind)) {
      auto found = counts_[k].find(n);
      if (found != counts_[k].end() && --found->second == 0) {
        counts_[k].erase(found);
        gone[k].push_back(n);
      }
    }
  }
  return true;
}

std::vector<std::string> SubscriptionRegistry::names(SubscriptionKind kind) const {
  std::vector<std::string> out;
  for (const auto& [name, count] : counts_[static_cast<int>(kind)]) out.push_back(name);
  return out;
}

std::vector<SubscriptionRegistry::StatePtr> SubscriptionRegistry::Receivers(
    SubscriptionKind kind, std::string_view name) const {
  std::vector<StatePtr> out;
  for (const StatePtr& s : subs_) {
    const std::vector<std::string>& names = NamesOf(s->options(), kind);
    if (std::find(names.begin(), names.end(), name) != names.end()) out.push_back(s);
  }
  return out;
}

absl::Status CheckSubscribeOptions(const Store::SubscribeOptions& options) {
  if (options.channels.empty() && options.patterns.empty() && options.shard_channels.empty()) {
    return absl::InvalidArgumentError("Subscribe: no channel, no pattern and no shard channel");
  }
  if (!options.on_message) return absl::InvalidArgumentError("Subscribe: no on_message callback");
  return absl::OkStatus();
}

}  // namespace store_internal
}  // namespace embedis
