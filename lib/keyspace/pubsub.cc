#include "lib/keyspace/pubsub.h"

#include <algorithm>
#include <memory>
#include <mutex>

#include "lib/util/glob.h"

namespace embedis {

bool PubSub::Subscribe(PubSubKind kind, std::string_view name,
                       const std::shared_ptr<Subscriber>& s) {
  std::unique_lock lock(mu_);
  Receivers& receivers = maps_[static_cast<int>(kind)][name];
  for (const auto& r : receivers) {
    if (r.get() == s.get()) return false;
  }
  receivers.push_back(s);
  const int k = static_cast<int>(kind);
  s->lists_[k].emplace_back(name);
  s->counts_[k].fetch_add(1, std::memory_order_relaxed);
  total_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool PubSub::Unsubscribe(PubSubKind kind, std::string_view name, Subscriber* s) {
  std::unique_lock lock(mu_);
  const int k = static_cast<int>(kind);
  auto it = maps_[k].find(name);
  if (it == maps_[k].end()) return false;
  Receivers& receivers = it->second;
  auto r =
      std::find_if(receivers.begin(), receivers.end(), [s](const auto& p) { return p.get() == s; });
  if (r == receivers.end()) return false;
  receivers.erase(r);
  if (receivers.empty()) maps_[k].erase(it);
  std::vector<std::string>& list = s->lists_[k];
  list.erase(std::find(list.begin(), list.end(), name));
  s->counts_[k].fetch_sub(1, std::memory_order_relaxed);
  total_.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

std::vector<std::string> PubSub::UnsubscribeAll(PubSubKind kind, Subscriber* s) {
  std::vector<std::string> names = s->lists_[static_cast<int>(kind)];
  for (const std::string& name : names) Unsubscribe(kind, name, s);
  return names;
}

void PubSub::UnsubscribeAll(Subscriber* s) {
  for (PubSubKind kind : {PubSubKind::kChannel, PubSubKind::kPattern, PubSubKind::kShardChannel}) {
    UnsubscribeAll(kind, s);
  }
}

namespace {
// Deliveries held by HoldDeliveries (an exclusive section), oldest first.
struct HeldDelivery {
  PubSubKind kind;
  std::string channel;
  std::string message;
  std::vector<std::shared_ptr<Subscriber>> direct;
  std::vector<std::pair<std::string, std::shared_ptr<Subscriber>>> by_pattern;
};
constinit thread_local int tl_hold = 0;
constinit thread_local std::vector<HeldDelivery>* tl_held = nullptr;
}  // namespace

void PubSub::HoldDeliveries() { ++tl_hold; }

void PubSub::ReleaseDeliveries() {
  if (--tl_hold > 0 || tl_held == nullptr) return;
  // A Deliver may publish again (now delivered at once); take the list first.
  std::unique_ptr<std::vector<HeldDelivery>> held(tl_held);
  tl_held = nullptr;
  for (const HeldDelivery& h : *held) Deliver(h.kind, h.channel, h.message, h.direct, h.by_pattern);
}

void PubSub::Deliver(PubSubKind kind, std::string_view channel, std::string_view message,
                     const Receivers& direct, const PatternReceivers& by_pattern) {
  PubSubMessage m{.kind = kind, .pattern = {}, .channel = channel, .payload = message};
  for (const auto& r : direct) r->Deliver(m);
  m.kind = PubSubKind::kPattern;
  bool first = true;
  for (const auto& [pattern, r] : by_pattern) {
    if (first || pattern != m.pattern) {  // a pattern's receivers are consecutive
      first = false;
      m.pattern = pattern;
      m.encoded[0].clear();
      m.encoded[1].clear();
    }
    r->Deliver(m);
  }
}

int64_t PubSub::PublishTo(PubSubKind kind, std::string_view channel, std::string_view message) {
  // Receivers are copied out under the lock and called after it: a Deliver may subscribe,
  // unsubscribe or publish, and a subscriber unsubscribed meanwhile stays alive for its call.
  Receivers direct;
  PatternReceivers by_pattern;
  {
    std::shared_lock lock(mu_);
    const Map& map = maps_[static_cast<int>(kind)];
    if (auto it = map.find(channel); it != map.end()) direct = it->second;
    if (kind == PubSubKind::kChannel) {
      for (const auto& [pattern, receivers] : maps_[static_cast<int>(PubSubKind::kPattern)]) {
        if (!GlobMatch(pattern, channel)) continue;
        for (const auto& r : receivers) by_pattern.emplace_back(pattern, r);
      }
    }
  }
  const int64_t n = static_cast<int64_t>(direct.size() + by_pattern.size());
  if (tl_hold > 0) [[unlikely]] {
    if (n == 0) return 0;
    if (tl_held == nullptr) tl_held = new std::vector<HeldDelivery>();
    tl_held->push_back(HeldDelivery{.kind = kind,
                                    .channel = std::string(channel),
                                    .message = std::string(message),
                                    .direct = std::move(direct),
                                    .by_pattern = std::move(by_pattern)});
    return n;
  }
  Deliver(kind, channel, message, direct, by_pattern);
  return n;
}

int64_t PubSub::Publish(std::string_view channel, std::string_view message) {
  if (empty()) return 0;
  return PublishTo(PubSubKind::kChannel, channel, message);
}

int64_t PubSub::SPublish(std::string_view channel, std::string_view message) {
  if (empty()) return 0;
  return PublishTo(PubSubKind::kShardChannel, channel, message);
}

std::vector<std::string> PubSub::Channels(PubSubKind kind,
                                          std::optional<std::string_view> pattern) {
  std::vector<std::string> out;
  std::shared_lock lock(mu_);
  for (const auto& [name, receivers] : maps_[static_cast<int>(kind)]) {
    if (!pattern.has_value() || GlobMatch(*pattern, name)) out.push_back(name);
  }
  return out;
}

int64_t PubSub::NumSub(PubSubKind kind, std::string_view channel) {
  std::shared_lock lock(mu_);
  const Map& map = maps_[static_cast<int>(kind)];
  auto it = map.find(channel);
  return it == map.end() ? 0 : static_cast<int64_t>(it->second.size());
}

int64_t PubSub::NumPat() {
  std::shared_lock lock(mu_);
  return static_cast<int64_t>(maps_[static_cast<int>(PubSubKind::kPattern)].size());
}

namespace {
struct Letter {
  char c;
  uint32_t flag;
};
// In the order Redis 7.0's keyspaceEventsFlagsToString writes them (before K, E and m). 'n' is
// written only when the flags are not all of A (7.0 checks it in the same branch as 'd').
constexpr Letter kClassLetters[] = {
    {'g', kNotifyGeneric}, {'$', kNotifyString}, {'l', kNotifyList},    {'s', kNotifySet},
    {'h', kNotifyHash},    {'z', kNotifyZSet},   {'x', kNotifyExpired}, {'e', kNotifyEvicted},
    {'t', kNotifyStream},  {'d', kNotifyModule}, {'n', kNotifyNew},
};
}  // namespace

std::optional<uint32_t> ParseNotifyFlags(std::string_view letters) {
  uint32_t flags = 0;
  for (char c : letters) {
    switch (c) {
      case 'A':
        flags |= kNotifyAll;
        continue;
      case 'K':
        flags |= kNotifyKeyspace;
        continue;
      case 'E':
        flags |= kNotifyKeyevent;
        continue;
      case 'm':
        flags |= kNotifyKeyMiss;
        continue;
      default:
        break;
    }
    bool found = false;
    for (const Letter& l : kClassLetters) {
      if (l.c == c) {
        flags |= l.flag;
        found = true;
      }
    }
    if (!found) return std::nullopt;
  }
  return flags;
}

std::string NotifyFlagsString(uint32_t flags) {
  std::string s;
  if ((flags & kNotifyAll) == kNotifyAll) {
    s = "A";
  } else {
    for (const Letter& l : kClassLetters) {
      if (flags & l.flag) s.push_back(l.c);
    }
  }
  if (flags & kNotifyKeyspace) s.push_back('K');
  if (flags & kNotifyKeyevent) s.push_back('E');
  if (flags & kNotifyKeyMiss) s.push_back('m');
  return s;
}

}  // namespace embedis
