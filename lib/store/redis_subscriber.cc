#include "lib/store/redis_subscriber.h"

#include <algorithm>
#include <chrono>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace embedis::store_internal {

namespace {
constexpr auto kPollInterval = absl::Milliseconds(20);
constexpr auto kBackoffInitial = std::chrono::milliseconds(10);
constexpr auto kBackoffMax = std::chrono::milliseconds(1000);

}  // namespace

absl::StatusOr<std::optional<resp::Value>> SendThenRead(
    Connection& conn, const std::vector<std::vector<std::string>>& commands, absl::Duration wait) {
  for (const std::vector<std::string>& command : commands) {
    std::vector<std::string_view> argv(command.begin(), command.end());
    absl::Status s = conn.SendCommand(argv);
    if (!s.ok()) return s;
  }
  return conn.ReadMessage(wait);
}

RedisSubscriber::~RedisSubscriber() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RedisSubscriber::Queue(const char* command, const std::vector<std::string>& names) {
  if (names.empty()) return;
  std::vector<std::string> argv = {command};
  argv.insert(argv.end(), names.begin(), names.end());
  outbox_.push_back(std::move(argv));
}

absl::Status RedisSubscriber::Add(const std::shared_ptr<SubscriptionState>& state) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stop_) return absl::FailedPreconditionError("the store is closing");
  if (!started_) {
    absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(ConnectOptions());
    if (!conn.ok()) return conn.status();
    conn_ = std::move(*conn);
    started_ = true;
    thread_ = std::thread([this] { Run(); });
  }
  SubscriptionRegistry::Names added;
  registry_.Add(state, added);
  for (SubscriptionKind kind : kSubscriptionKinds) {
    const std::vector<std::string>& names = NamesOf(state->options(), kind);
    Queue(SubscribeCommand(kind, true), names);
    expected_ += names.size();
  }
  const uint64_t target = expected_;
  if (std::this_thread::get_id() == thread_.get_id()) return absl::OkStatus();
  const auto timeout = absl::ToChronoMilliseconds(options_.command_timeout);
  if (cv_.wait_for(lock, timeout, [&] { return confirmed_ >= target || stop_; })) {
    return absl::OkStatus();
  }
  lock.unlock();
  Remove(state.get());
  return absl::DeadlineExceededError(
      "Subscribe: the server did not confirm the subscription within the command timeout");
}

void RedisSubscriber::Remove(SubscriptionState* state) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    SubscriptionRegistry::Names gone;
    if (registry_.Remove(state, gone)) {
      for (SubscriptionKind kind : kSubscriptionKinds) {
        Queue(SubscribeCommand(kind, false), gone[static_cast<int>(kind)]);
      }
    }
  }
  state->Deactivate();
}

void RedisSubscriber::Broadcast(const absl::Status& status) {
  std::vector<std::shared_ptr<SubscriptionState>> subs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    subs = registry_.all();
  }
  for (const auto& s : subs) s->SetStatus(status);
}

void RedisSubscriber::ResubscribedLocked() {
  confirmed_ = std::max(confirmed_, resubscribe_target_);
  cv_.notify_all();
}

void RedisSubscriber::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  auto backoff = kBackoffInitial;
  while (!stop_) {
    if (conn_ == nullptr) {
      lock.unlock();
      absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(ConnectOptions());
      lock.lock();
      if (stop_) break;
      if (!conn.ok()) {
        cv_.wait_for(lock, backoff, [&] { return stop_; });
        backoff = std::min(backoff * 2, kBackoffMax);
        continue;
      }
      backoff = kBackoffInitial;
      conn_ = std::move(*conn);
      outbox_.clear();
      resubscribing_ = 0;
      for (SubscriptionKind kind : kSubscriptionKinds) {
        const std::vector<std::string> names = registry_.names(kind);
        Queue(SubscribeCommand(kind, true), names);
        resubscribing_ += static_cast<int64_t>(names.size());
      }
      resubscribe_target_ = expected_;
      if (resubscribing_ == 0) {
        ResubscribedLocked();
        lock.unlock();
        Broadcast(absl::OkStatus());
        lock.lock();
      }
      continue;
    }
    std::vector<std::vector<std::string>> out = std::move(outbox_);
    outbox_.clear();
    Connection* conn = conn_.get();
    lock.unlock();
    absl::StatusOr<std::optional<resp::Value>> message = SendThenRead(*conn, out, kPollInterval);
    if (!message.ok()) {
      const absl::Status& s = message.status();
      Broadcast(absl::UnavailableError(
          absl::StrCat("the Pub/Sub connection was lost (", s.message(),
                       "); reconnecting: messages published meanwhile are lost")));
      lock.lock();
      conn_.reset();
      continue;
    }
    if (message->has_value()) Dispatch(**message);
    lock.lock();
  }
  conn_.reset();
}

void RedisSubscriber::Dispatch(const resp::Value& v) {
  if (v.type() != resp::Type::kArray && v.type() != resp::Type::kPush) return;
  const std::vector<resp::Value>& e = v.elements();
  if (e.empty() || !e[0].is_string_like()) return;
  for (size_t i = 1; i < e.size(); ++i) {
    if (!e[i].is_string_like() && e[i].type() != resp::Type::kInteger) return;
  }
  const std::string kind = absl::AsciiStrToLower(e[0].str());
  if (kind == "subscribe" || kind == "psubscribe" || kind == "ssubscribe") {
    bool resubscribed = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (resubscribing_ > 0) {
        if (--resubscribing_ == 0) {
          ResubscribedLocked();
          resubscribed = true;
        }
      } else {
        ++confirmed_;
        cv_.notify_all();
      }
    }
    if (resubscribed) Broadcast(absl::OkStatus());
    return;
  }
  const bool pattern = kind == "pmessage";
  const bool shard = kind == "smessage";
  if (!((kind == "message" || shard) && e.size() == 3) && !(pattern && e.size() == 4)) return;
  std::vector<std::shared_ptr<SubscriptionState>> receivers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    receivers = registry_.Receivers(pattern ? SubscriptionKind::kPattern
                                    : shard ? SubscriptionKind::kShardChannel
                                            : SubscriptionKind::kChannel,
                                    e[1].str());
  }
  for (const auto& s : receivers) {
    if (pattern) {
      s->Deliver(e[2].str(), e[3].str(), e[1].str());
    } else {
      s->Deliver(e[1].str(), e[2].str(), std::string_view());
    }
  }
}

}  // namespace embedis::store_internal
