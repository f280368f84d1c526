#include "lib/store/cluster_subscriber.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/client/connection.h"
#include "lib/store/redis_subscriber.h"
#include "lib/util/errors.h"
#include "lib/util/strings.h"

namespace embedis::store_internal {

namespace {

constexpr auto kPollInterval = absl::Milliseconds(20);
constexpr auto kBackoffInitial = std::chrono::milliseconds(10);
constexpr auto kBackoffMax = std::chrono::milliseconds(1000);
constexpr auto kReplanInterval = std::chrono::milliseconds(1000);
constexpr auto kRefreshGap = std::chrono::milliseconds(100);

// Set on the link threads: an Add from a callback must not wait for its own thread.
thread_local bool t_on_link_thread = false;

bool IsKeyspaceChannel(std::string_view channel) {
  return absl::StartsWith(ToAbsl(channel), "__keyspace@") ||
         absl::StartsWith(ToAbsl(channel), "__keyevent@");
}

// A refusal that a re-plan may cure (the slot is elsewhere, or the cluster is busy) rather than
// one to report to Subscribe's caller.
bool Retryable(std::string_view error) {
  for (const char* prefix : {"MOVED", "ASK", "TRYAGAIN", "CLUSTERDOWN", "LOADING"}) {
    if (absl::StartsWith(ToAbsl(error), prefix)) return true;
  }
  return error.empty();
}

// The kind and direction of a confirmation ("ssubscribe", "punsubscribe", ...).
std::optional<std::pair<SubscriptionKind, bool>> Confirmation(std::string_view word) {
  for (SubscriptionKind kind : kSubscriptionKinds) {
    for (bool subscribe : {true, false}) {
      if (absl::EqualsIgnoreCase(ToAbsl(word), SubscribeCommand(kind, subscribe))) {
        return std::make_pair(kind, subscribe);
      }
    }
  }
  return std::nullopt;
}

}  // namespace

struct ClusterSubscriber::Link {
  struct Pending {
    bool subscribe;
    Name name;
  };
  std::string address;
  std::thread thread;
  bool stop = false;
  std::set<Name> want;                  // by the plan
  std::set<Name> subscribed;            // confirmed by the node
  std::map<Name, std::string> refused;  // name -> the node's error ("" for a sunsubscribe)
  std::deque<Pending> pending;          // commands sent, in order, not yet answered
  bool connected = false;
  bool ever_connected = false;
  bool synced = false;  // every wanted name confirmed (or refused) since the last connection
  bool lost = false;    // the connection broke and the names are not all back yet
  int failed_connects = 0;
  absl::Status connect_error;

  bool IsPending(bool subscribe, const Name& name) const {
    return std::any_of(pending.begin(), pending.end(), [&](const Pending& p) {
      return p.subscribe == subscribe && p.name == name;
    });
  }
};

ClusterSubscriber::ClusterSubscriber(std::shared_ptr<ClusterClient> cluster,
                                     std::function<void(const std::string&)> on_connect)
    : cluster_(std::move(cluster)), on_connect_(std::move(on_connect)) {}

ClusterSubscriber::~ClusterSubscriber() {
  std::map<std::string, std::unique_ptr<Link>> links;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    for (auto& [address, link] : links_) link->stop = true;
  }
  cv_.notify_all();
  if (manager_.joinable()) manager_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    links = std::move(links_);
    links_.clear();
  }
  for (auto& [address, link] : links) {
    if (link->thread.joinable()) link->thread.join();
  }
}

// ---- The plan ----

void ClusterSubscriber::SetMapLocked(ClusterClient::SlotMap map) {
  map_ = std::move(map);
  have_map_ = !map_.primaries.empty();
  std::set<int> serving;
  for (int16_t owner : map_.slot_owner) {
    if (owner >= 0 && owner < static_cast<int>(map_.primaries.size())) serving.insert(owner);
  }
  serving_.clear();
  for (int i : serving) serving_.push_back(map_.primaries[i]);
  home_.clear();
  if (!map_.slot_owner.empty() && serving.count(map_.slot_owner[0]) > 0) {
    home_ = map_.primaries[map_.slot_owner[0]];
  }
}

std::vector<std::string> ClusterSubscriber::PlannedLocked(const Name& name) const {
  switch (name.first) {
    case SubscriptionKind::kChannel:
      if (IsKeyspaceChannel(name.second)) return serving_;
      if (home_.empty()) return {};
      return {home_};
    case SubscriptionKind::kPattern:
      return serving_;
    case SubscriptionKind::kShardChannel: {
      const int slot = KeySlot(name.second);
      if (slot >= static_cast<int>(map_.slot_owner.size())) return {};
      const int owner = map_.slot_owner[slot];
      if (owner < 0 || owner >= static_cast<int>(map_.primaries.size())) return {};
      return {map_.primaries[owner]};
    }
  }
  return {};
}

void ClusterSubscriber::ApplyPlanLocked() {
  std::map<std::string, std::set<Name>> wants;
  for (SubscriptionKind kind : kSubscriptionKinds) {
    for (std::string& n : registry_.names(kind)) {
      Name name(kind, std::move(n));
      for (const std::string& address : PlannedLocked(name)) wants[address].insert(name);
    }
  }
  for (const auto& [address, want] : wants) {
    std::unique_ptr<Link>& link = links_[address];
    if (link != nullptr) continue;
    link = std::make_unique<Link>();
    link->address = address;
    Link* l = link.get();
    l->thread = std::thread([this, l] { RunLink(l); });
  }
  for (auto& [address, link] : links_) {
    auto it = wants.find(address);
    link->want = it == wants.end() ? std::set<Name>() : std::move(it->second);
    link->refused.clear();  // a new plan: try again
    SyncLocked(link.get());
  }
  cv_.notify_all();
}

bool ClusterSubscriber::AddedLocked(const SubscriptionState& state, absl::Status* result) const {
  for (SubscriptionKind kind : kSubscriptionKinds) {
    for (const std::string& n : NamesOf(state.options(), kind)) {
      const Name name(kind, n);
      const std::vector<std::string> planned = PlannedLocked(name);
      if (planned.empty()) return false;  // no node serves it yet
      for (const std::string& address : planned) {
        auto it = links_.find(address);
        if (it == links_.end()) return false;
        const Link& link = *it->second;
        if (!link.ever_connected && link.failed_connects > 0) {
          *result = link.connect_error;
          return true;
        }
        auto refused = link.refused.find(name);
        if (refused != link.refused.end() && !Retryable(refused->second)) {
          *result = errors::FromRedisError(refused->second);
          return true;
        }
        if (link.subscribed.count(name) == 0) return false;
      }
    }
  }
  return true;
}

// ---- Subscriptions ----

absl::Status ClusterSubscriber::Add(const std::shared_ptr<SubscriptionState>& state) {
  std::optional<ClusterClient::SlotMap> map;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!have_map_) map = cluster_->CurrentSlotMap();
  }
  std::unique_lock<std::mutex> lock(mu_);
  if (stop_) return absl::FailedPreconditionError("the store is closing");
  if (map.has_value() && !have_map_) SetMapLocked(*std::move(map));
  if (!manager_.joinable()) manager_ = std::thread([this] { Manage(); });
  SubscriptionRegistry::Names added;
  registry_.Add(state, added);
  ApplyPlanLocked();
  if (t_on_link_thread) return absl::OkStatus();
  absl::Status result;
  const auto deadline = std::chrono::steady_clock::now() +
                        absl::ToChronoMilliseconds(cluster_->node_options().command_timeout);
  const bool done =
      cv_.wait_until(lock, deadline, [&] { return stop_ || AddedLocked(*state, &result); });
  if (done && result.ok()) return absl::OkStatus();
  lock.unlock();
  Remove(state.get());
  if (!done) {
    return absl::DeadlineExceededError(
        "Subscribe: the cluster's nodes did not confirm the subscription within the command "
        "timeout");
  }
  return result;
}

void ClusterSubscriber::Remove(SubscriptionState* state) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    SubscriptionRegistry::Names gone;
    if (registry_.Remove(state, gone)) {
      ApplyPlanLocked();
      replan_wanted_ = true;  // the manager closes links left with nothing
      cv_.notify_all();
    }
  }
  state->Deactivate();
}

// ---- Status ----

void ClusterSubscriber::SyncLocked(Link* link) {
  if (link->synced || !link->connected) return;
  for (const Name& name : link->want) {
    if (link->subscribed.count(name) == 0 && link->refused.count(name) == 0) return;
  }
  link->synced = true;
  link->lost = false;
}

void ClusterSubscriber::SettleStatus(std::unique_lock<std::mutex>& lock) {
  bool broken = false, synced = true;
  for (const auto& [address, link] : links_) {
    broken = broken || link->lost;
    synced = synced && link->synced;
  }
  if (delivering_ && broken) {
    delivering_ = false;
  } else if (!delivering_ && !broken && synced) {
    delivering_ = true;
  } else {
    return;
  }
  // Told without mu_ held: another thread may settle the opposite meanwhile and be told first,
  // so tell again until what was told last is the current state.
  for (;;) {
    const bool told = delivering_;
    std::vector<SubscriptionRegistry::StatePtr> subs = registry_.all();
    lock.unlock();
    const absl::Status status =
        told ? absl::OkStatus()
             : absl::UnavailableError(
                   "a Pub/Sub connection to a cluster node was lost; reconnecting (or following "
                   "the failover): messages published meanwhile are lost");
    for (const auto& s : subs) s->SetStatus(status);
    lock.lock();
    if (delivering_ == told) return;
  }
}

void ClusterSubscriber::RequestRefreshLocked() {
  refresh_wanted_ = true;
  cv_.notify_all();
}

// ---- Threads ----

void ClusterSubscriber::Manage() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, kReplanInterval, [&] { return stop_ || refresh_wanted_ || replan_wanted_; });
    if (stop_) break;
    const bool refresh = refresh_wanted_;
    refresh_wanted_ = replan_wanted_ = false;
    lock.unlock();
    if (refresh) cluster_->Refresh().IgnoreError();  // a failure: the next round tries again
    ClusterClient::SlotMap map = cluster_->CurrentSlotMap();
    lock.lock();
    if (stop_) break;
    SetMapLocked(std::move(map));
    ApplyPlanLocked();
    std::vector<std::unique_ptr<Link>> closing;
    for (auto it = links_.begin(); it != links_.end();) {
      if (it->second->want.empty()) {
        it->second->stop = true;
        closing.push_back(std::move(it->second));
        it = links_.erase(it);
      } else {
        ++it;
      }
    }
    cv_.notify_all();
    SettleStatus(lock);
    lock.unlock();
    for (const auto& link : closing) link->thread.join();
    if (refresh) std::this_thread::sleep_for(kRefreshGap);
    lock.lock();
  }
}

void ClusterSubscriber::RunLink(Link* link) {
  t_on_link_thread = true;
  std::unique_ptr<Connection> conn;
  auto backoff = kBackoffInitial;
  std::unique_lock<std::mutex> lock(mu_);
  while (!link->stop) {
    if (conn == nullptr) {
      lock.unlock();
      absl::StatusOr<std::unique_ptr<Connection>> opened =
          Connection::Open(cluster_->AddressOptions(link->address));
      if (opened.ok() && on_connect_) on_connect_(link->address);
      lock.lock();
      if (link->stop) break;
      if (!opened.ok()) {
        link->connect_error = opened.status();
        ++link->failed_connects;
        RequestRefreshLocked();  // the node may be gone: its slots elsewhere
        cv_.wait_for(lock, backoff, [&] { return link->stop; });
        backoff = std::min(backoff * 2, kBackoffMax);
        continue;
      }
      backoff = kBackoffInitial;
      conn = *std::move(opened);
      link->connected = link->ever_connected = true;
      link->failed_connects = 0;
      link->subscribed.clear();
      link->refused.clear();
      link->pending.clear();
      link->synced = false;
      SyncLocked(link);
      SettleStatus(lock);
      continue;
    }
    // One command per name: what the plan wants and the node has not, and the reverse.
    std::vector<std::vector<std::string>> out;
    for (const Name& name : link->want) {
      if (link->subscribed.count(name) > 0 || link->refused.count(name) > 0 ||
          link->IsPending(true, name)) {
        continue;
      }
      out.push_back({SubscribeCommand(name.first, true), name.second});
      link->pending.push_back({true, name});
    }
    for (const Name& name : link->subscribed) {
      if (link->want.count(name) > 0 || link->IsPending(false, name)) continue;
      out.push_back({SubscribeCommand(name.first, false), name.second});
      link->pending.push_back({false, name});
    }
    lock.unlock();
    absl::StatusOr<std::optional<resp::Value>> message = SendThenRead(*conn, out, kPollInterval);
    if (!message.ok()) {
      conn.reset();
      lock.lock();
      link->connected = false;
      link->synced = false;
      link->lost = true;
      link->connect_error = message.status();
      RequestRefreshLocked();
      SettleStatus(lock);
      continue;
    }
    if (message->has_value()) Handle(link, **message);
    lock.lock();
  }
  link->connected = false;
}

void ClusterSubscriber::Handle(Link* link, const resp::Value& v) {
  std::unique_lock<std::mutex> lock(mu_);
  if (v.is_error()) {  // a refused (S)SUBSCRIBE: the oldest command without an answer
    if (link->pending.empty()) return;
    const Link::Pending p = link->pending.front();
    link->pending.pop_front();
    if (p.subscribe) {
      link->refused[p.name] = v.str();
      RequestRefreshLocked();
    }
    SyncLocked(link);
    cv_.notify_all();
    SettleStatus(lock);
    return;
  }
  if (v.type() != resp::Type::kArray && v.type() != resp::Type::kPush) return;
  const std::vector<resp::Value>& e = v.elements();
  if (e.size() < 2 || !e[0].is_string_like() || !e[1].is_string_like()) return;
  if (std::optional<std::pair<SubscriptionKind, bool>> c = Confirmation(e[0].str())) {
    const auto [kind, subscribe] = *c;
    const Name name(kind, e[1].str());
    auto it = std::find_if(link->pending.begin(), link->pending.end(), [&](const Link::Pending& p) {
      return p.subscribe == subscribe && p.name == name;
    });
    const bool asked = it != link->pending.end();
    if (asked) link->pending.erase(it);
    if (subscribe) {
      link->subscribed.insert(name);
    } else {
      link->subscribed.erase(name);
      if (!asked && link->want.count(name) > 0) {
        // The node dropped it (its slot migrated away, or the node is a replica now): find the
        // new owner.
        link->refused[name] = "";
        RequestRefreshLocked();
      }
    }
    SyncLocked(link);
    cv_.notify_all();
    SettleStatus(lock);
    return;
  }
  const std::string word = absl::AsciiStrToLower(e[0].str());
  SubscriptionKind kind;
  std::string_view pattern, channel, payload;
  if (word == "message" && e.size() == 3 && e[2].is_string_like()) {
    kind = SubscriptionKind::kChannel;
    channel = e[1].str();
    payload = e[2].str();
  } else if (word == "pmessage" && e.size() == 4 && e[2].is_string_like() &&
             e[3].is_string_like()) {
    kind = SubscriptionKind::kPattern;
    pattern = e[1].str();
    channel = e[2].str();
    payload = e[3].str();
  } else if (word == "smessage" && e.size() == 3 && e[2].is_string_like()) {
    kind = SubscriptionKind::kShardChannel;
    channel = e[1].str();
    payload = e[2].str();
  } else {
    return;
  }
  // A broadcast PUBLISH reaches every node: take it from the home link only.
  if (kind != SubscriptionKind::kShardChannel && !IsKeyspaceChannel(channel) &&
      link->address != home_) {
    return;
  }
  std::vector<SubscriptionRegistry::StatePtr> receivers =
      registry_.Receivers(kind, kind == SubscriptionKind::kPattern ? pattern : channel);
  lock.unlock();
  for (const auto& r : receivers) r->Deliver(channel, payload, pattern);
}

}  // namespace embedis::store_internal
