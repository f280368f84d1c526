// Redis Sentinel failover (1 primary, 1 replica, 3 sentinels, down-after-milliseconds 1000): the
// primary is killed under load; SentinelClient follows +switch-master to the promoted replica
// within a bounded time, and a store's subscription comes back on the new primary.
#include <atomic>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/client/sentinel.h"
#include "lib/store/redis_store.h"
#include "lib/store/store.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_sentinel.h"

namespace embedis {
namespace {

using ::embedis::testing::IsOk;
using ::embedis::testing::IsOkAndHolds;
using ::embedis::testing::StatusIs;
using resp::Value;
using ::testing::HasSubstr;

TEST(SentinelFault, ClientFollowsTheFailoverUnderLoad) {
  testing::RedisSentinelProcess setup;
  ASSERT_OK(setup.Start());
  auto options = ParseRedisSentinelUrl(setup.Url("?timeout_ms=1000&connect_timeout_ms=300"));
  ASSERT_OK(options);
  auto client = SentinelClient::Connect(*options);
  ASSERT_OK(client);
  SentinelClient& c = **client;
  EXPECT_EQ(c.primary_address(), absl::StrCat("127.0.0.1:", setup.primary_port()));

  auto store = NewRedisSentinelStore(*options);
  ASSERT_OK(store);
  std::mutex mu;
  std::vector<std::string> got;
  auto sub = (*store)->Subscribe(
      {.channels = {"events"},
       .on_message = [&](std::string_view, std::string_view message, std::string_view) {
         std::lock_guard<std::mutex> lock(mu);
         got.push_back(std::string(message));
       }});
  ASSERT_OK(sub);

  std::atomic<bool> stop{false};
  std::atomic<int64_t> ok{0}, failed{0};
  std::thread load([&] {
    for (int i = 0; !stop.load(); ++i) {
      auto r = c.Command({"SET", absl::StrCat("k", i % 100), "v"});
      (r.ok() && !r->is_error() ? ok : failed)++;
    }
  });
  absl::SleepFor(absl::Milliseconds(200));
  setup.KillPrimary();
  std::optional<absl::Duration> recovery = testing::TimeUntil(
      [&] {
        auto r = c.Command({"SET", "after", "1"});
        return r.ok() && !r->is_error();
      },
      absl::Seconds(30));
  stop = true;
  load.join();
  ASSERT_TRUE(recovery.has_value()) << "no write succeeded within 30 s";
  std::cout << "recovered " << absl::FormatDuration(*recovery) << " after the kill (" << ok.load()
            << " writes ok, " << failed.load() << " failed)\n";
  EXPECT_LT(*recovery, absl::Seconds(20));
  EXPECT_EQ(c.primary_address(), absl::StrCat("127.0.0.1:", setup.replica_port()));
  EXPECT_GE(c.switch_count(), 1);
  EXPECT_THAT(c.Command({"GET", "after"}), IsOkAndHolds(Value::BulkString("1")));

  // The store follows too, and its subscription is back on the new primary.
  EXPECT_THAT((*store)->Set("s", "1"), IsOkAndHolds(true));
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  for (;;) {
    ASSERT_OK((*store)->Publish("events", "after failover"));
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!got.empty()) break;
    }
    ASSERT_LT(absl::Now(), deadline) << "the subscription did not come back";
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_GE((*sub)->gaps(), 1);
  sub->reset();
}

TEST(SentinelFault, NoSentinelOrUnknownMasterIsAClearError) {
  SentinelOptions o;
  o.sentinels = {{"127.0.0.1", testing::FreeLoopbackPort()}};
  o.master_name = "mymaster";
  EXPECT_THAT(SentinelClient::Connect(o),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("no primary for 'mymaster'")));
  testing::RedisSentinelProcess setup;
  ASSERT_OK(setup.Start());
  o.sentinels = {{"127.0.0.1", setup.sentinel_ports()[0]}};
  o.master_name = "other";
  EXPECT_THAT(SentinelClient::Connect(o),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("does not know master 'other'")));
}

}  // namespace
}  // namespace embedis
