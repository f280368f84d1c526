// Pub/Sub (channels, patterns, shard channels, keyspace notifications) on every backend of
// store_conformance.h.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/store/store.h"
#include "lib/util/status_matchers.h"
#include "tests/conformance/store_conformance.h"

namespace embedis::conformance {
namespace {

template <typename Backend>
class StorePubSubConformance : public StoreConformance<Backend> {};
TYPED_TEST_SUITE_P(StorePubSubConformance);

// Collects a subscription's messages ("channel|message|pattern") for tests to wait on: redis://
// delivers on its own thread, memory:// on the publisher's.
class Inbox {
 public:
  Store::MessageCallback Callback() {
    return [this](std::string_view channel, std::string_view message, std::string_view pattern) {
      std::lock_guard<std::mutex> lock(mu_);
      messages_.push_back(std::string(channel) + "|" + std::string(message) + "|" +
                          std::string(pattern));
      cv_.notify_all();
    };
  }
  // The messages once there are at least `n` (or after 5 s).
  std::vector<std::string> WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(5), [&] { return messages_.size() >= n; });
    return messages_;
  }
  size_t Count() {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> messages_;
};

// PUBLISH's count (SPUBLISH's with `shard`), polled until it is `want` (an UNSUBSCRIBE reaches a
// server asynchronously).
template <typename Store>
int64_t PublishUntil(Store& s, const std::string& channel, int64_t want, bool shard = false) {
  int64_t got = -1;
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<int64_t> n = shard ? s.SPublish(channel, "probe") : s.Publish(channel, "probe");
    if (!n.ok()) return -1;
    got = *n;
    if (got == want) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return got;
}

TYPED_TEST_P(StorePubSubConformance, PublishReachesChannelSubscribers) {
  Store& s = this->store();
  const std::string a = absl::StrCat(TypeParam::kName, ".chan.a");
  const std::string b = absl::StrCat(TypeParam::kName, ".chan.b");
  EXPECT_THAT(s.Publish(a, "nobody"), IsOkAndHolds(0));
  Inbox inbox;
  Store::SubscribeOptions options;
  options.channels = {a, b};
  options.on_message = inbox.Callback();
  absl::StatusOr<std::unique_ptr<Store::Subscription>> sub = s.Subscribe(options);
  ASSERT_OK(sub.status());
  EXPECT_OK((*sub)->status());
  EXPECT_THAT(s.Publish(a, "hello"), IsOkAndHolds(1));
  EXPECT_THAT(s.Publish(b, std::string("bin\0ary", 7)), IsOkAndHolds(1));
  EXPECT_THAT(inbox.WaitFor(2), ElementsAre(absl::StrCat(a, "|hello|"),
                                            absl::StrCat(b, "|", std::string("bin\0ary", 7), "|")));
  sub->reset();  // unsubscribes
  EXPECT_EQ(PublishUntil(s, a, 0), 0);
  EXPECT_EQ(inbox.Count(), 2u);  // nothing after the subscription was destroyed
}

TYPED_TEST_P(StorePubSubConformance, PatternSubscribersMatchAndCount) {
  Store& s = this->store();
  const std::string prefix = absl::StrCat(TypeParam::kName, ".news.");
  Inbox by_pattern, by_channel;
  Store::SubscribeOptions p;
  p.patterns = {prefix + "*"};
  p.on_message = by_pattern.Callback();
  auto psub = s.Subscribe(p);
  ASSERT_OK(psub.status());
  Store::SubscribeOptions c;
  c.channels = {prefix + "x"};
  c.on_message = by_channel.Callback();
  auto csub = s.Subscribe(c);
  ASSERT_OK(csub.status());
  // One channel subscriber plus one matching pattern.
  EXPECT_THAT(s.Publish(prefix + "x", "1"), IsOkAndHolds(2));
  EXPECT_THAT(s.Publish(prefix + "y", "2"), IsOkAndHolds(1));
  EXPECT_THAT(s.Publish(absl::StrCat(TypeParam::kName, ".other"), "3"), IsOkAndHolds(0));
  EXPECT_THAT(by_pattern.WaitFor(2), ElementsAre(absl::StrCat(prefix, "x|1|", prefix, "*"),
                                                 absl::StrCat(prefix, "y|2|", prefix, "*")));
  EXPECT_THAT(by_channel.WaitFor(1), ElementsAre(absl::StrCat(prefix, "x|1|")));
  // A store counts once per channel and once per pattern, however many of its subscriptions
  // share them (Redis counts one connection; memory:// one hub subscriber per store).
  Inbox again;
  auto csub2 = s.Subscribe({.channels = {prefix + "x"}, .on_message = again.Callback()});
  ASSERT_OK(csub2.status());
  EXPECT_THAT(s.Publish(prefix + "x", "4"), IsOkAndHolds(2));
  EXPECT_THAT(again.WaitFor(1), ElementsAre(absl::StrCat(prefix, "x|4|")));
  EXPECT_THAT(by_channel.WaitFor(2),
              ElementsAre(absl::StrCat(prefix, "x|1|"), absl::StrCat(prefix, "x|4|")));
  csub2->reset();
  EXPECT_THAT(s.Publish(prefix + "x", "5"), IsOkAndHolds(2));  // csub still wants it
  psub->reset();
  EXPECT_EQ(PublishUntil(s, prefix + "x", 1), 1);
  csub->reset();
  EXPECT_EQ(PublishUntil(s, prefix + "x", 0), 0);
}

TYPED_TEST_P(StorePubSubConformance, ShardChannelsAreANamespaceOfTheirOwn) {
  Store& s = this->store();
  // On a cluster these names are on several slots and nodes; the last has a hash tag.
  const std::string prefix = absl::StrCat(TypeParam::kName, ".shard.");
  const std::vector<std::string> names = {prefix + "a", prefix + "b", prefix + "c",
                                          prefix + "{user:1}.inbox"};
  EXPECT_THAT(s.SPublish(names[0], "nobody"), IsOkAndHolds(0));
  Inbox inbox, by_pattern;
  auto sub = s.Subscribe({.shard_channels = names, .on_message = inbox.Callback()});
  ASSERT_OK(sub.status());
  EXPECT_OK((*sub)->status());
  // A pattern never sees SPUBLISH, nor a shard subscriber PUBLISH.
  auto psub = s.Subscribe({.patterns = {prefix + "*"}, .on_message = by_pattern.Callback()});
  ASSERT_OK(psub.status());
  std::vector<std::string> want;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string message = absl::StrCat("m", i);
    EXPECT_THAT(s.SPublish(names[i], message), IsOkAndHolds(1)) << names[i];
    want.push_back(absl::StrCat(names[i], "|", message, "|"));
  }
  EXPECT_THAT(s.Publish(names[0], "plain"), IsOkAndHolds(1));  // the pattern only
  // (Unordered: on a cluster the channels live on several nodes, each read by its own thread.)
  EXPECT_THAT(inbox.WaitFor(want.size()), UnorderedElementsAreArray(want));
  EXPECT_THAT(by_pattern.WaitFor(1), ElementsAre(absl::StrCat(names[0], "|plain|", prefix, "*")));
  // Two subscriptions of one store to a shard channel: the store counts once.
  Inbox again;
  auto sub2 = s.Subscribe({.shard_channels = {names[3]}, .on_message = again.Callback()});
  ASSERT_OK(sub2.status());
  EXPECT_THAT(s.SPublish(names[3], "both"), IsOkAndHolds(1));
  EXPECT_THAT(again.WaitFor(1), ElementsAre(absl::StrCat(names[3], "|both|")));
  want.push_back(absl::StrCat(names[3], "|both|"));
  EXPECT_THAT(inbox.WaitFor(want.size()), UnorderedElementsAreArray(want));
  sub->reset();
  EXPECT_EQ(PublishUntil(s, names[0], 0, /*shard=*/true), 0);
  EXPECT_THAT(s.SPublish(names[3], "still"), IsOkAndHolds(1));  // sub2 keeps it
  EXPECT_THAT(again.WaitFor(2),
              ElementsAre(absl::StrCat(names[3], "|both|"), absl::StrCat(names[3], "|still|")));
  sub2->reset();
  EXPECT_EQ(PublishUntil(s, names[3], 0, /*shard=*/true), 0);
  EXPECT_EQ(inbox.Count(), want.size());
  EXPECT_EQ(by_pattern.Count(), 1u);
}

// Keyspace notifications of keys all over the keyspace (every node of a cluster: each publishes
// its own keys' events to its own subscribers) reach a channel and a pattern subscription.
TYPED_TEST_P(StorePubSubConformance, KeyspaceEventsOfEveryKeyArrive) {
  Store& s = this->store();
  ASSERT_OK(s.EnableKeyspaceEvents("KE$"));
  const std::string prefix = absl::StrCat(TypeParam::kName, ".ev.");
  const std::string set_channel = absl::StrCat("__keyevent@", s.db(), "__:set");
  const std::string key_pattern = absl::StrCat("__keyspace@", s.db(), "__:", prefix, "*");
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::string> by_event, by_key;
  auto sub = s.Subscribe({.channels = {set_channel},
                          .patterns = {key_pattern},
                          .on_message = [&](std::string_view channel, std::string_view message,
                                            std::string_view pattern) {
                            std::lock_guard<std::mutex> lock(mu);
                            if (pattern.empty() && channel == set_channel &&
                                message.substr(0, prefix.size()) == prefix) {
                              by_event.insert(std::string(message));
                            } else if (pattern == key_pattern && message == "set") {
                              by_key.insert(std::string(channel.substr(channel.find(':') + 1)));
                            }
                            cv.notify_all();
                          }});
  ASSERT_OK(sub.status());
  std::set<std::string> keys;
  for (int i = 0; i < 24; ++i) {
    keys.insert(absl::StrCat(prefix, i));
    ASSERT_OK(s.Set(absl::StrCat(prefix, i), "v").status());
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait_for(lock, std::chrono::seconds(10),
              [&] { return by_event.size() >= keys.size() && by_key.size() >= keys.size(); });
  EXPECT_EQ(by_event, keys);
  EXPECT_EQ(by_key, keys);
}

TYPED_TEST_P(StorePubSubConformance, SubscribeNeedsNamesAndACallback) {
  Store& s = this->store();
  Store::SubscribeOptions none;
  none.on_message = [](std::string_view, std::string_view, std::string_view) {};
  EXPECT_THAT(s.Subscribe(none), StatusIs(absl::StatusCode::kInvalidArgument));
  Store::SubscribeOptions no_callback;
  no_callback.channels = {"c"};
  EXPECT_THAT(s.Subscribe(no_callback), StatusIs(absl::StatusCode::kInvalidArgument));
}

REGISTER_TYPED_TEST_SUITE_P(StorePubSubConformance, PublishReachesChannelSubscribers,
                            PatternSubscribersMatchAndCount, ShardChannelsAreANamespaceOfTheirOwn,
                            KeyspaceEventsOfEveryKeyArrive, SubscribeNeedsNamesAndACallback);
INSTANTIATE_TYPED_TEST_SUITE_P(Backends, StorePubSubConformance, Backends, BackendNames);

}  // namespace
}  // namespace embedis::conformance
