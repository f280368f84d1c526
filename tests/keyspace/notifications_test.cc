// Keyspace notifications and the in-process Pub/Sub hub, at the keyspace level (no server):
// "expired" fires when the expiry wheel reclaims a key as the ManualClock passes its deadline,
// and when a reader reclaims it; callbacks run outside shard locks (they may call the keyspace).
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/pubsub.h"
#include "lib/util/clock.h"

namespace embedis {
namespace {

struct Recorder {
  std::vector<std::string> seen;
  std::shared_ptr<CallbackSubscriber> sub =
      std::make_shared<CallbackSubscriber>([this](const PubSubMessage& m) {
        seen.push_back(std::string(m.channel) + " " + std::string(m.payload));
      });
};

TEST(Notifications, ExpiredFiresWhenTheClockPassesTheDeadline) {
  ManualClock clock;
  Keyspace ks({.clock = &clock});
  ks.SetNotifyFlags(*ParseNotifyFlags("KEx"));
  Recorder r;
  ks.pubsub().Subscribe(PubSubKind::kPattern, "__key*", r.sub);
  ASSERT_TRUE(
      ks.Set(0, "sess", "v", {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = clock.NowMs() + 1000})
          .ok());
  EXPECT_TRUE(r.seen.empty());  // "set" and "expire" are not in the x class
  clock.Advance(absl::Milliseconds(500));
  EXPECT_TRUE(r.seen.empty());
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(r.seen, (std::vector<std::string>{"__keyspace@0__:sess expired",
                                              "__keyevent@0__:expired sess"}));
  ks.pubsub().UnsubscribeAll(r.sub.get());
}

TEST(Notifications, ReaderReclaimFiresExpiredAndCallbackMayCallTheKeyspace) {
  ManualClock clock;
  // A long tick: the wheel is unlikely to reclaim the key before GET looks at it (either way,
  // "expired" fires once).
  Keyspace ks({.tick = absl::Hours(1), .clock = &clock});
  ks.SetNotifyFlags(*ParseNotifyFlags("Ex$g"));
  std::vector<std::string> seen;
  auto sub = std::make_shared<CallbackSubscriber>([&](const PubSubMessage& m) {
    seen.push_back(std::string(m.channel) + " " + std::string(m.payload));
    // No shard lock is held here: calling back into the keyspace must not deadlock.
    if (m.channel == "__keyevent@0__:expired") (void)ks.Set(1, "log", std::string(m.payload));
  });
  ks.pubsub().Subscribe(PubSubKind::kPattern, "__keyevent@0__:*", sub);
  ASSERT_TRUE(
      ks.Set(0, "k", "v", {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = clock.NowMs() + 10}).ok());
  clock.Advance(absl::Milliseconds(20));  // the wheel or the GET below reclaims it
  EXPECT_EQ(*ks.Get(0, "k"), std::nullopt);
  EXPECT_EQ(*ks.Get(1, "log"), std::optional<std::string>("k"));
  EXPECT_EQ(seen, (std::vector<std::string>{"__keyevent@0__:set k", "__keyevent@0__:expire k",
                                            "__keyevent@0__:expired k"}));
  ks.pubsub().UnsubscribeAll(sub.get());
}

TEST(Notifications, NothingWithoutFlagsOrWithoutKE) {
  Keyspace ks;
  Recorder r;
  ks.pubsub().Subscribe(PubSubKind::kPattern, "*", r.sub);
  ASSERT_TRUE(ks.Set(0, "a", "1").ok());
  ks.SetNotifyFlags(*ParseNotifyFlags("A"));  // classes but neither K nor E
  ASSERT_TRUE(ks.Set(0, "a", "2").ok());
  EXPECT_TRUE(r.seen.empty());
  ks.pubsub().UnsubscribeAll(r.sub.get());
}

TEST(Notifications, FlagsStringIsRedisNormalized) {
  // Checked against redis-server 7.0.15's CONFIG GET.
  EXPECT_EQ(NotifyFlagsString(*ParseNotifyFlags("KEA")), "AKE");
  EXPECT_EQ(NotifyFlagsString(*ParseNotifyFlags("nmKEA")), "AKEm");
  EXPECT_EQ(NotifyFlagsString(*ParseNotifyFlags("g$lshzxetd")), "A");
  EXPECT_EQ(NotifyFlagsString(*ParseNotifyFlags("Kx")), "xK");
  EXPECT_EQ(NotifyFlagsString(*ParseNotifyFlags("Elgxm")), "glxEm");
  EXPECT_EQ(NotifyFlagsString(*ParseNotifyFlags("Kn")), "nK");
  EXPECT_EQ(NotifyFlagsString(*ParseNotifyFlags("")), "");
  EXPECT_FALSE(ParseNotifyFlags("Q").has_value());
}

TEST(PubSubHub, PublishCountsChannelAndPatternDeliveries) {
  PubSub hub;
  Recorder a, b;
  EXPECT_TRUE(hub.Subscribe(PubSubKind::kChannel, "news", a.sub));
  EXPECT_FALSE(hub.Subscribe(PubSubKind::kChannel, "news", a.sub));
  hub.Subscribe(PubSubKind::kPattern, "n*", a.sub);
  hub.Subscribe(PubSubKind::kPattern, "*s", b.sub);
  hub.Subscribe(PubSubKind::kShardChannel, "news", b.sub);
  EXPECT_EQ(hub.Publish("news", "x"), 3);
  EXPECT_EQ(hub.SPublish("news", "y"), 1);
  EXPECT_EQ(a.seen, (std::vector<std::string>{"news x", "news x"}));
  EXPECT_EQ(b.seen, (std::vector<std::string>{"news x", "news y"}));
  EXPECT_EQ(hub.NumSub(PubSubKind::kChannel, "news"), 1);
  EXPECT_EQ(hub.NumPat(), 2);
  EXPECT_EQ(a.sub->subscription_count(), 2);
  EXPECT_EQ(hub.UnsubscribeAll(PubSubKind::kChannel, a.sub.get()),
            (std::vector<std::string>{"news"}));
  hub.UnsubscribeAll(a.sub.get());
  hub.UnsubscribeAll(b.sub.get());
  EXPECT_TRUE(hub.empty());
  EXPECT_EQ(hub.Publish("news", "z"), 0);
}

}  // namespace
}  // namespace embedis
