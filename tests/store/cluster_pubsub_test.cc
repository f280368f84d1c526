// Pub/Sub of a RedisStore on a local Redis Cluster that changes under it (each test starts its
// own 3+3 cluster, cluster-node-timeout 1000 ms): a shard channel follows its slot when the slot
// migrates to another primary, and shard channels and keyspace events keep arriving after a
// primary is killed and its replica promoted (lib/store/cluster_subscriber.h).
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/client/cluster.h"
#include "lib/store/redis_store.h"
#include "lib/store/store.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_cluster.h"

namespace embedis {
namespace {

using ::embedis::testing::IsOkAndHolds;
using ::testing::HasSubstr;

// Messages ("channel|message") and status changes received, waitable.
class Received {
 public:
  Store::SubscribeOptions Options(std::vector<std::string> channels,
                                  std::vector<std::string> shard_channels) {
    Store::SubscribeOptions o;
    o.channels = std::move(channels);
    o.shard_channels = std::move(shard_channels);
    o.on_message = [this](std::string_view channel, std::string_view message, std::string_view) {
      std::lock_guard<std::mutex> lock(mu_);
      messages_.insert(absl::StrCat(std::string(channel), "|", std::string(message)));
      cv_.notify_all();
    };
    o.on_status = [this](const absl::Status& s) {
      std::lock_guard<std::mutex> lock(mu_);
      statuses_.push_back(s);
    };
    return o;
  }
  // Whether `message` arrived within `wait`.
  bool Got(const std::string& message, absl::Duration wait) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoMilliseconds(wait),
                        [&] { return messages_.count(message) > 0; });
  }
  size_t Count(const std::string& message) {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_.count(message);
  }
  std::vector<absl::Status> statuses() {
    std::lock_guard<std::mutex> lock(mu_);
    return statuses_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::multiset<std::string> messages_;
  std::vector<absl::Status> statuses_;
};

// The store over `cluster`; `protocol` 2 or 3 (RESP3: Pub/Sub messages and Redis's
// `sunsubscribe` arrive as pushes).
std::unique_ptr<Store> OpenCluster(const testing::RedisClusterProcess& cluster, int protocol) {
  auto options = ParseRedisClusterUrl(
      cluster.Url(absl::StrCat("/?timeout_ms=2000&connect_timeout_ms=500&protocol=", protocol)));
  EXPECT_OK(options);
  if (!options.ok()) return nullptr;
  auto store = NewRedisClusterStore(*options);
  EXPECT_OK(store);
  return store.ok() ? *std::move(store) : nullptr;
}

// PUBSUB SHARDNUMSUB's count for `channel` on `node` (raw RESP: "*2\r\n$n\r\nname\r\n:N\r\n").
int ShardNumSub(const testing::RedisClusterProcess& cluster, int node, const std::string& channel) {
  const std::string raw = cluster.Call(node, {"PUBSUB", "SHARDNUMSUB", channel});
  const size_t colon = raw.rfind(":");
  if (colon == std::string::npos) return -1;
  return std::atoi(raw.c_str() + colon + 1);
}

// SPUBLISHes to `channel` until one counts one receiver and arrives (up to 15 s): how long that
// took.
std::optional<absl::Duration> UntilShardMessageArrives(Store& store, Received& got,
                                                       const std::string& channel) {
  int round = 0;
  return testing::TimeUntil(
      [&] {
        const std::string message = absl::StrCat("probe ", round++);
        absl::StatusOr<int64_t> n = store.SPublish(channel, message);
        return n.ok() && *n == 1 && got.Got(channel + "|" + message, absl::Milliseconds(200));
      },
      absl::Seconds(15));
}

// Over RESP3 (the failover test below speaks RESP2).
TEST(ClusterPubSub, ShardChannelFollowsItsSlotWhenItMigrates) {
  testing::RedisClusterProcess cluster;
  ASSERT_OK(cluster.Start());
  std::unique_ptr<Store> store = OpenCluster(cluster, 3);
  ASSERT_NE(store, nullptr);
  const std::string channel = "{mig}.chan";
  const int slot = KeySlot(channel);
  const int source = cluster.PrimaryOf(slot);
  int target = -1;
  for (int p : cluster.Primaries()) {
    if (p != source) target = p;
  }
  ASSERT_GE(source, 0);
  ASSERT_GE(target, 0);
  Received got;
  auto sub = store->Subscribe(got.Options({}, {channel}));
  ASSERT_OK(sub);
  EXPECT_THAT(store->SPublish(channel, "before"), IsOkAndHolds(1));
  EXPECT_TRUE(got.Got(channel + "|before", absl::Seconds(5)));
  EXPECT_EQ(ShardNumSub(cluster, source, channel), 1);

  // The migration of the (empty) slot, by hand.
  const std::string slot_text = std::to_string(slot);
  const std::string target_id = cluster.NodeId(target);
  ASSERT_EQ(
      cluster.Call(target, {"CLUSTER", "SETSLOT", slot_text, "IMPORTING", cluster.NodeId(source)}),
      "+OK\r\n");
  ASSERT_EQ(cluster.Call(source, {"CLUSTER", "SETSLOT", slot_text, "MIGRATING", target_id}),
            "+OK\r\n");
  ASSERT_EQ(cluster.Call(target, {"CLUSTER", "SETSLOT", slot_text, "NODE", target_id}), "+OK\r\n");
  ASSERT_EQ(cluster.Call(source, {"CLUSTER", "SETSLOT", slot_text, "NODE", target_id}), "+OK\r\n");
  for (int p : cluster.Primaries()) {
    cluster.Call(p, {"CLUSTER", "SETSLOT", slot_text, "NODE", target_id});
  }

  // SPUBLISH goes to the target (MOVED followed) and the subscription is there again.
  std::optional<absl::Duration> moved = UntilShardMessageArrives(*store, got, channel);
  ASSERT_TRUE(moved.has_value()) << "the shard channel was not re-subscribed on its new owner";
  std::cout << "shard channel moved within " << absl::FormatDuration(*moved) << "\n";
  EXPECT_EQ(ShardNumSub(cluster, target, channel), 1);
  EXPECT_EQ(ShardNumSub(cluster, source, channel), 0);
  EXPECT_OK((*sub)->status());
  sub->reset();
  EXPECT_TRUE(testing::TimeUntil([&] { return ShardNumSub(cluster, target, channel) == 0; },
                                 absl::Seconds(5))
                  .has_value());
}

// Patterns (and keyspace notification channels) are subscribed on every primary, ordinary
// channels on one; all are unsubscribed when the last subscription goes.
TEST(ClusterPubSub, PatternsOnEveryPrimaryChannelsOnOne) {
  testing::RedisClusterProcess cluster;
  ASSERT_OK(cluster.Start());
  std::unique_ptr<Store> store = OpenCluster(cluster, 2);
  ASSERT_NE(store, nullptr);
  Received got;
  Store::SubscribeOptions options = got.Options({"news", "__keyevent@0__:del"}, {});
  options.patterns = {"user:*"};
  auto sub = store->Subscribe(options);
  ASSERT_OK(sub);
  // ":N" of PUBSUB NUMPAT, and the count of "news" / the keyevent channel in PUBSUB NUMSUB.
  auto count = [&](int node, std::initializer_list<std::string_view> argv) {
    const std::string raw = cluster.Call(node, argv);
    const size_t colon = raw.rfind(':');
    return colon == std::string::npos ? -1 : std::atoi(raw.c_str() + colon + 1);
  };
  const std::vector<int> primaries = cluster.Primaries();
  ASSERT_EQ(primaries.size(), 3u);
  int news = 0;
  for (int p : primaries) {
    EXPECT_EQ(count(p, {"PUBSUB", "NUMPAT"}), 1) << "node " << p;
    EXPECT_EQ(count(p, {"PUBSUB", "NUMSUB", "__keyevent@0__:del"}), 1) << "node " << p;
    news += count(p, {"PUBSUB", "NUMSUB", "news"});
  }
  EXPECT_EQ(news, 1);
  // A broadcast PUBLISH matching the pattern is delivered once, not once per node.
  EXPECT_THAT(store->Publish("user:1", "hi"), IsOkAndHolds(1));
  EXPECT_TRUE(got.Got("user:1|hi", absl::Seconds(5)));
  absl::SleepFor(absl::Milliseconds(300));  // time for copies from the other nodes, if any
  EXPECT_EQ(got.Count("user:1|hi"), 1u);
  sub->reset();
  EXPECT_TRUE(testing::TimeUntil(
                  [&] {
                    int left = 0;
                    for (int p : primaries) {
                      left += count(p, {"PUBSUB", "NUMPAT"}) +
                              count(p, {"PUBSUB", "NUMSUB", "__keyevent@0__:del"}) +
                              count(p, {"PUBSUB", "NUMSUB", "news"});
                    }
                    return left == 0;
                  },
                  absl::Seconds(5))
                  .has_value());
}

TEST(ClusterPubSub, FailoverKeepsShardChannelsAndKeyspaceEvents) {
  testing::RedisClusterProcess cluster;
  ASSERT_OK(cluster.Start());
  std::unique_ptr<Store> store = OpenCluster(cluster, 2);
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->EnableKeyspaceEvents("E$"));
  // On every node, replicas included (a promoted replica publishes events too).
  for (int node = 0; node < cluster.size(); ++node) {
    EXPECT_THAT(cluster.Call(node, {"CONFIG", "GET", "notify-keyspace-events"}),
                HasSubstr("\r\n$E\r\n"))
        << "node " << node;
  }
  const std::string event = "__keyevent@0__:set";
  const std::string channel = "{f}.news";
  const int victim = cluster.PrimaryOf(KeySlot(channel));
  ASSERT_GE(victim, 0);
  Received got;
  auto sub = store->Subscribe(got.Options({event}, {channel}));
  ASSERT_OK(sub);
  // Events of keys on every primary.
  for (int i = 0; i < 12; ++i) {
    const std::string key = absl::StrCat("before:", i);
    ASSERT_OK(store->Set(key, "v").status());
    EXPECT_TRUE(got.Got(event + "|" + key, absl::Seconds(5))) << key;
  }
  EXPECT_THAT(store->SPublish(channel, "before"), IsOkAndHolds(1));
  EXPECT_TRUE(got.Got(channel + "|before", absl::Seconds(5)));

  cluster.Kill(victim);
  // Writes on the victim's slots work again once its replica is promoted.
  ASSERT_TRUE(testing::TimeUntil(
                  [&] {
                    absl::StatusOr<bool> r = store->Set("{f}:probe", "v");
                    return r.ok();
                  },
                  absl::Seconds(20))
                  .has_value());
  // Then its keys' events and its shard channel reach the store again, from the new primary.
  int round = 0;
  std::optional<absl::Duration> events = testing::TimeUntil(
      [&] {
        const std::string key = absl::StrCat("{f}:after:", round++);
        return store->Set(key, "v").ok() && got.Got(event + "|" + key, absl::Milliseconds(200));
      },
      absl::Seconds(15));
  ASSERT_TRUE(events.has_value()) << "no keyspace event from the promoted replica";
  std::optional<absl::Duration> shard = UntilShardMessageArrives(*store, got, channel);
  ASSERT_TRUE(shard.has_value()) << "the shard channel was not re-subscribed after the failover";
  // The other primaries' events still arrive.
  for (int i = 0; i < 12; ++i) {
    const std::string key = absl::StrCat("after:", i);
    ASSERT_OK(store->Set(key, "v").status());
    EXPECT_TRUE(got.Got(event + "|" + key, absl::Seconds(5))) << key;
  }
  // The loss was reported as a gap, and delivery is OK again.
  EXPECT_GE((*sub)->gaps(), 1);
  EXPECT_TRUE(
      testing::TimeUntil([&] { return (*sub)->status().ok(); }, absl::Seconds(10)).has_value());
  std::vector<absl::Status> statuses = got.statuses();
  ASSERT_GE(statuses.size(), 2u);
  EXPECT_EQ(statuses.front().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(statuses.back().ok());
  sub->reset();
}

}  // namespace
}  // namespace embedis
