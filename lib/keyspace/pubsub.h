// PubSub: Redis's publish/subscribe hub, and keyspace notifications' flags.
//
// One PubSub belongs to each Keyspace (Keyspace::pubsub()), so that everything that shares the
// keyspace shares the channels: embedis-server's network clients (SUBSCRIBE, PUBLISH), the
// embedding application (a Subscriber of its own, in-process, no socket), and the keyspace's own
// notifications (`__keyspace@0__:key`, `__keyevent@0__:set`; see "Notifications" in keyspace.h),
// which are ordinary PUBLISHes on this hub.
//
//   class Printer : public Subscriber {
//     void Deliver(const PubSubMessage& m) override { std::cout << m.channel << m.payload; }
//   };
//   auto sub = std::make_shared<Printer>();
//   ks.pubsub().Subscribe(PubSubKind::kChannel, "news", sub);   // true: a new subscription
//   ks.pubsub().Subscribe(PubSubKind::kPattern, "__keyevent@0__:*", sub);
//   ks.pubsub().Publish("news", "hello");                        // 1: one receiver
//   ks.pubsub().UnsubscribeAll(sub.get());                       // before `sub` goes away
//
// Delivery. Publish finds the receivers under a shared lock, copies their shared_ptrs, releases
// the lock and calls Deliver on the publishing thread: channel subscribers first, then one call
// per matching pattern (a subscriber with two matching patterns receives the message twice and is
// counted twice), as redis-server. A Deliver may subscribe, unsubscribe and publish (no hub lock
// is held); it must be quick, since the publisher waits for it: embedis-server's connections
// append the message to their output under a small lock and wake their I/O thread; an
// application callback that needs time should hand the message to a queue of its own. Deliver
// may run concurrently from several publishing threads. The keyspace publishes its
// notifications after it has released its shard locks, so a Deliver may call the keyspace.
// Inside an exclusive section (Keyspace::ExclusiveSection: EXEC, a script) the receivers are
// found and counted at once but called when the section ends, in order, on the same thread, as
// redis-server's clients read a script's messages after it: a Deliver never runs while its
// publisher holds everyone else off (an application callback that calls the keyspace would wait
// for the section while holding its subscription's lock, which the section's next delivery
// needs).
//
// Subscriptions. Each Subscriber keeps its own channels, patterns and shard channels, in the
// order it subscribed to them (UNSUBSCRIBE without arguments answers in that order), changed only
// by the hub under its exclusive lock. The counts are atomics, readable from any thread (CLIENT
// LIST's sub/psub/ssub); the lists are for the subscriber's owner thread (the only one that
// changes them, through the hub).
//
// Thread safety: every PubSub method may be called from any thread.
#ifndef EMBEDIS_LIB_KEYSPACE_PUBSUB_H_
#define EMBEDIS_LIB_KEYSPACE_PUBSUB_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/util/strings.h"

namespace embedis {

// What a subscription is to: a channel (SUBSCRIBE), a glob pattern over channel names
// (PSUBSCRIBE; lib/util/glob.h) or a shard channel (SSUBSCRIBE: a namespace of its own, as in
// Redis, where SPUBLISH reaches only SSUBSCRIBErs).
enum class PubSubKind : uint8_t { kChannel = 0, kPattern = 1, kShardChannel = 2 };

// One delivered message, as Redis's "message", "pmessage" and "smessage" pushes carry it.
struct PubSubMessage {
  PubSubKind kind = PubSubKind::kChannel;  // kPattern: matched `pattern`
  std::string_view pattern;                // kPattern only
  std::string_view channel;
  std::string_view payload;
  // Scratch for subscribers that encode the message (the server's connections): the encoding in
  // each of two protocols (RESP2, RESP3), built by the first receiver that needs it and reused
  // by the others of the same delivery round, so a message to N connections is formatted once.
  // The publisher clears it whenever it changes the fields above.
  mutable std::string encoded[2];
};

class PubSub;

// A receiver of messages: an embedis-server connection, or the embedding application.
class Subscriber {
 public:
  Subscriber() = default;
  virtual ~Subscriber() = default;
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Called on the publishing thread with no hub or keyspace lock held (see "Delivery").
  virtual void Deliver(const PubSubMessage& message) = 0;

  // Any thread.
  int64_t channel_count() const { return counts_[0].load(std::memory_order_relaxed); }
  int64_t pattern_count() const { return counts_[1].load(std::memory_order_relaxed); }
  int64_t shard_channel_count() const { return counts_[2].load(std::memory_order_relaxed); }
  // Channels and patterns: what SUBSCRIBE's and PSUBSCRIBE's replies count (Redis 7.0).
  int64_t subscription_count() const { return channel_count() + pattern_count(); }
  int64_t count(PubSubKind kind) const {
    return counts_[static_cast<int>(kind)].load(std::memory_order_relaxed);
  }
  // The subscriptions of `kind`, oldest first. Only for the thread that subscribes this
  // subscriber (the hub changes them only on its behalf).
  const std::vector<std::string>& subscriptions(PubSubKind kind) const {
    return lists_[static_cast<int>(kind)];
  }

 private:
  friend class PubSub;
  std::vector<std::string> lists_[3];
  std::atomic<int64_t> counts_[3] = {0, 0, 0};
};

// A Subscriber that calls a function: the embedding application's way to subscribe in-process.
// The function runs on the publishing thread (see "Delivery").
class CallbackSubscriber : public Subscriber {
 public:
  using Callback = std::function<void(const PubSubMessage&)>;
  explicit CallbackSubscriber(Callback callback) : callback_(std::move(callback)) {}
  void Deliver(const PubSubMessage& message) override { callback_(message); }

 private:
  Callback callback_;
};

class PubSub {
 public:
  PubSub() = default;
  PubSub(const PubSub&) = delete;
  PubSub& operator=(const PubSub&) = delete;

  // Subscribes `s` to `name`; false if it already was. REQUIRES: s != nullptr.
  bool Subscribe(PubSubKind kind, std::string_view name, const std::shared_ptr<Subscriber>& s);
  // Removes the subscription; false if there was none.
  bool Unsubscribe(PubSubKind kind, std::string_view name, Subscriber* s);
  // Removes every subscription of `kind`; returns their names, oldest first.
  std::vector<std::string> UnsubscribeAll(PubSubKind kind, Subscriber* s);
  // Every kind: what a closing connection or a departing application subscriber calls.
  void UnsubscribeAll(Subscriber* s);

  // PUBLISH: delivers to the channel's subscribers and to every subscriber of a matching
  // pattern; returns the number of deliveries.
  int64_t Publish(std::string_view channel, std::string_view message);
  // SPUBLISH: to the shard channel's subscribers only.
  int64_t SPublish(std::string_view channel, std::string_view message);

  // PUBSUB CHANNELS / SHARDCHANNELS: the channels with at least one subscriber, matching
  // `pattern` when given (unordered, as Redis).
  std::vector<std::string> Channels(PubSubKind kind, std::optional<std::string_view> pattern);
  // PUBSUB NUMSUB / SHARDNUMSUB: subscribers of one channel.
  int64_t NumSub(PubSubKind kind, std::string_view channel);
  // PUBSUB NUMPAT: patterns with at least one subscriber.
  int64_t NumPat();
  // Whether anyone subscribes to anything at all: the keyspace skips building notifications
  // nobody can receive. One relaxed load.
  bool empty() const { return total_.load(std::memory_order_relaxed) == 0; }

  // Held (nested) by the calling thread: its publications, on every hub, are counted as usual
  // but delivered only when the outermost hold is released, in order (see "Delivery").
  static void HoldDeliveries();
  static void ReleaseDeliveries();

 private:
  using Receivers = std::vector<std::shared_ptr<Subscriber>>;
  using Map = StringMap<Receivers>;
  using PatternReceivers = std::vector<std::pair<std::string, std::shared_ptr<Subscriber>>>;
  int64_t PublishTo(PubSubKind kind, std::string_view channel, std::string_view message);
  static void Deliver(PubSubKind kind, std::string_view channel, std::string_view message,
                      const Receivers& direct, const PatternReceivers& by_pattern);

  mutable std::shared_mutex mu_;
  Map maps_[3];  // guarded by mu_; one per PubSubKind
  std::atomic<int64_t> total_{0};
};

// ---- Keyspace notifications (notify-keyspace-events) ----
// The event classes, with Redis 7's bit values and letters.
enum NotifyClass : uint32_t {
  kNotifyKeyspace = 1u << 0,  // K: __keyspace@<db>__:<key> channels
  kNotifyKeyevent = 1u << 1,  // E: __keyevent@<db>__:<event> channels
  kNotifyGeneric = 1u << 2,   // g: DEL, EXPIRE, RENAME, ...
  kNotifyString = 1u << 3,    // $
  kNotifyList = 1u << 4,      // l
  kNotifySet = 1u << 5,       // s
  kNotifyHash = 1u << 6,      // h
  kNotifyZSet = 1u << 7,      // z
  kNotifyExpired = 1u << 8,   // x
  kNotifyEvicted = 1u << 9,   // e: maxmemory evicted the key
  kNotifyStream = 1u << 10,   // t (embedis has no streams)
  kNotifyKeyMiss = 1u << 11,  // m
  kNotifyLoaded = 1u << 12,   // modules only; no letter
  kNotifyModule = 1u << 13,   // d
  kNotifyNew = 1u << 14,      // n
  // A: g$lshzxetd
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
               kNotifyZSet | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// The flags of a notify-keyspace-events string ("KEA", "Ex", ""); nullopt for a character that is
// no class letter (CONFIG SET's error).
std::optional<uint32_t> ParseNotifyFlags(std::string_view letters);
// The normalized string CONFIG GET shows, as Redis's keyspaceEventsFlagsToString ("AKE").
std::string NotifyFlagsString(uint32_t flags);

}  // namespace embedis

#endif  // EMBEDIS_LIB_KEYSPACE_PUBSUB_H_
