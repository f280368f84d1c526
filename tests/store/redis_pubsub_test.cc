// RedisStore's Pub/Sub connection across a server restart: the gap is reported and the
// subscriptions (channels, patterns, shard channels) come back by themselves.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/store/store.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_server.h"

namespace embedis {
namespace {

using ::testing::ElementsAre;

// What a subscription saw: "m:<channel>:<message>:<pattern>" and "s:<status code>".
class Events {
 public:
  void Add(std::string e) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(e));
    cv_.notify_all();
  }
  std::vector<std::string> WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return events_.size() >= n; });
    return events_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

Store::SubscribeOptions Recording(Events* events, std::vector<std::string> channels,
                                  std::vector<std::string> patterns,
                                  std::vector<std::string> shard_channels = {}) {
  Store::SubscribeOptions o;
  o.channels = std::move(channels);
  o.patterns = std::move(patterns);
  o.shard_channels = std::move(shard_channels);
  o.on_message = [events](std::string_view channel, std::string_view message,
                          std::string_view pattern) {
    events->Add("m:" + std::string(channel) + ":" + std::string(message) + ":" +
                std::string(pattern));
  };
  o.on_status = [events](const absl::Status& s) {
    events->Add("s:" + absl::StatusCodeToString(s.code()));
  };
  return o;
}

TEST(RedisPubSub, ResubscribesAfterTheServerRestartsAndReportsTheGap) {
  testing::RedisServerProcess redis;
  ASSERT_OK(redis.Start());
  auto store = OpenStore("redis://127.0.0.1:" + std::to_string(redis.port()));
  ASSERT_OK(store.status());
  Events events;
  auto sub = (*store)->Subscribe(Recording(&events, {"ch"}, {"p.*"}, {"sh"}));
  ASSERT_OK(sub.status());
  EXPECT_THAT((*store)->Publish("ch", "before"), embedis::testing::IsOkAndHolds(1));
  EXPECT_THAT(events.WaitFor(1), ElementsAre("m:ch:before:"));

  ASSERT_OK(redis.Restart());
  // Lost, then back: both reported, in order.
  EXPECT_THAT(events.WaitFor(3), ElementsAre("m:ch:before:", "s:UNAVAILABLE", "s:OK"));
  EXPECT_OK((*sub)->status());
  EXPECT_EQ((*sub)->gaps(), 1);
  // The new server knows the three subscriptions again.
  EXPECT_THAT((*store)->Publish("ch", "after"), embedis::testing::IsOkAndHolds(1));
  EXPECT_THAT((*store)->Publish("p.x", "pat"), embedis::testing::IsOkAndHolds(1));
  EXPECT_THAT((*store)->SPublish("sh", "shard"), embedis::testing::IsOkAndHolds(1));
  EXPECT_THAT(events.WaitFor(6), ElementsAre("m:ch:before:", "s:UNAVAILABLE", "s:OK",
                                             "m:ch:after:", "m:p.x:pat:p.*", "m:sh:shard:"));
  // A subscription made after the restart works on the new connection.
  Events late;
  auto late_sub = (*store)->Subscribe(Recording(&late, {"ch"}, {}));
  ASSERT_OK(late_sub.status());
  // One connection per store: Redis counts it once, however many subscriptions share it.
  EXPECT_THAT((*store)->Publish("ch", "both"), embedis::testing::IsOkAndHolds(1));
  EXPECT_THAT(late.WaitFor(1), ElementsAre("m:ch:both:"));
}

TEST(RedisPubSub, SubscribeToAnUnreachableServerIsUnavailable) {
  testing::RedisServerProcess redis;
  ASSERT_OK(redis.Start());
  auto store = OpenStore("redis://127.0.0.1:" + std::to_string(redis.port()));
  ASSERT_OK(store.status());
  redis.Kill();
  Events events;
  EXPECT_THAT((*store)->Subscribe(Recording(&events, {"ch"}, {})),
              embedis::testing::StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace embedis
