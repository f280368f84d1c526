// SessionStore::OnExpired / OnDestroyed on memory:// (ManualClock, no sleeps), on a real
// redis-server (keyspace notifications over the store's Pub/Sub connection) and on a Redis
// Cluster (notifications from every primary: each publishes only its own keys' events).
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/client/cluster.h"
#include "lib/session/session_store.h"
#include "lib/store/memory_store.h"
#include "lib/store/store.h"
#include "lib/util/clock.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_cluster.h"
#include "tests/testing/redis_server.h"

namespace embedis {
namespace {

using ::embedis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

// The ids a callback received; waitable, since redis:// calls back on another thread.
class Ids {
 public:
  SessionStore::SessionEventCallback Callback() {
    return [this](std::string_view sid) {
      std::lock_guard<std::mutex> lock(mu_);
      ids_.emplace_back(sid);
      cv_.notify_all();
    };
  }
  std::vector<std::string> WaitFor(size_t n, std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return ids_.size() >= n; });
    return ids_;
  }
  std::vector<std::string> Now() {
    std::lock_guard<std::mutex> lock(mu_);
    return ids_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> ids_;
};

Session NewSession(absl::Duration max_age, absl::Time now) {
  return Session::New({.max_age = max_age, .expires = std::nullopt}, now);
}

TEST(SessionEventsMemory, OnExpiredFiresWhenTheClockPassesTheDeadline) {
  ManualClock clock;
  auto backend = NewMemoryStore({.keyspace = {.clock = &clock}});
  ASSERT_OK(backend.status());
  SessionStore sessions(backend->get(), {.prefix = "app:"});
  Ids expired;
  auto sub = sessions.OnExpired(expired.Callback());
  ASSERT_OK(sub.status());
  ASSERT_OK(sessions.Set("short", NewSession(absl::Seconds(10), clock.Now())));
  ASSERT_OK(sessions.Set("long", NewSession(absl::Seconds(60), clock.Now())));
  ASSERT_OK((*backend)->Set("other:short", "x", {.ttl = absl::Seconds(5)}));  // not a session
  clock.Advance(absl::Seconds(9));
  EXPECT_THAT(expired.Now(), ElementsAre());
  clock.Advance(absl::Seconds(2));  // synchronously, on this thread
  EXPECT_THAT(expired.Now(), ElementsAre("short"));
  clock.Advance(absl::Seconds(60));
  EXPECT_THAT(expired.Now(), ElementsAre("short", "long"));
  sub->reset();
  ASSERT_OK(sessions.Set("later", NewSession(absl::Seconds(1), clock.Now())));
  clock.Advance(absl::Seconds(2));
  EXPECT_THAT(expired.Now(), ElementsAre("short", "long"));  // unsubscribed
}

TEST(SessionEventsMemory, OnDestroyedFiresForDestroyAndClearOnly) {
  ManualClock clock;
  auto backend = NewMemoryStore({.keyspace = {.clock = &clock}});
  ASSERT_OK(backend.status());
  SessionStore sessions(backend->get(), {.prefix = "app:"});
  Ids destroyed, expired;
  auto on_destroyed = sessions.OnDestroyed(destroyed.Callback());
  ASSERT_OK(on_destroyed.status());
  auto on_expired = sessions.OnExpired(expired.Callback());
  ASSERT_OK(on_expired.status());
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_OK(sessions.Set(id, NewSession(absl::Seconds(10), clock.Now())));
  }
  ASSERT_OK(sessions.Destroy("a"));
  ASSERT_OK(sessions.Destroy("never-existed"));  // DEL of nothing raises nothing
  clock.Advance(absl::Seconds(11));
  EXPECT_THAT(destroyed.Now(), ElementsAre("a"));
  EXPECT_THAT(expired.Now(), UnorderedElementsAre("b", "c"));
}

// On a real server: `n` sessions expire (1 s TTL) and `n` others are destroyed; OnExpired and
// OnDestroyed report every one. Appends the session keys used to `keys`.
void ExpectEventsFire(Store* backend, int n, std::vector<std::string>* keys) {
  SessionStore sessions(backend, {.prefix = "app:"});
  Ids expired, destroyed;
  auto on_expired = sessions.OnExpired(expired.Callback());
  ASSERT_OK(on_expired.status());
  auto on_destroyed = sessions.OnDestroyed(destroyed.Callback());
  ASSERT_OK(on_destroyed.status());
  std::vector<std::string> gone, kept;
  for (int i = 0; i < n; ++i) {
    gone.push_back("gone" + std::to_string(i));
    kept.push_back("kept" + std::to_string(i));
    ASSERT_OK(sessions.Set(gone.back(), NewSession(absl::Seconds(1), absl::Now())));
    ASSERT_OK(sessions.Set(kept.back(), NewSession(absl::Seconds(60), absl::Now())));
    keys->push_back(sessions.Key(gone.back()));
    keys->push_back(sessions.Key(kept.back()));
  }
  const std::vector<std::string_view> ids(kept.begin(), kept.end());
  ASSERT_OK(sessions.Destroy(ids));  // on a cluster: DEL split per slot
  EXPECT_THAT(destroyed.WaitFor(kept.size(), std::chrono::seconds(10)),
              UnorderedElementsAreArray(kept));
  // Redis's active expiry finds a key within about 100 ms of its deadline.
  EXPECT_THAT(expired.WaitFor(gone.size(), std::chrono::seconds(15)),
              UnorderedElementsAreArray(gone));
}

TEST(SessionEventsRedis, OnExpiredAndOnDestroyedFire) {
  testing::RedisServerProcess redis;
  ASSERT_OK(redis.Start());
  auto backend = OpenStore("redis://127.0.0.1:" + std::to_string(redis.port()) + "/3");
  ASSERT_OK(backend.status());
  std::vector<std::string> keys;
  ExpectEventsFire(backend->get(), 1, &keys);
  // The classes were added, not replaced.
  auto config = (*backend)->Command({"CONFIG", "GET", "notify-keyspace-events"});
  ASSERT_OK(config.status());
  ASSERT_EQ(config->elements().size(), 2u);
  EXPECT_EQ(config->elements()[1].str(), "gxE");
}

// Sessions on every primary of a cluster: each node publishes only its own keys' events.
TEST(SessionEventsCluster, OnExpiredAndOnDestroyedFireForSessionsOnEveryNode) {
  ASSERT_OK(testing::SharedRedisClusterStatus());
  testing::RedisClusterProcess& cluster = testing::SharedRedisCluster();
  auto backend = OpenStore(cluster.Url("/?timeout_ms=5000"));
  ASSERT_OK(backend.status());
  std::vector<std::string> keys;
  ExpectEventsFire(backend->get(), 9, &keys);
  std::set<int> nodes;
  for (const std::string& key : keys) nodes.insert(cluster.PrimaryOf(KeySlot(key)));
  EXPECT_EQ(nodes.size(), 3u);  // the sessions lived on every primary
}

TEST(SessionEventsRedis, RefusedConfigIsAClearError) {
  testing::RedisServerProcess redis;
  ASSERT_OK(redis.Start({"--rename-command", "CONFIG", ""}));
  auto backend = OpenStore("redis://127.0.0.1:" + std::to_string(redis.port()));
  ASSERT_OK(backend.status());
  SessionStore sessions(backend->get());
  EXPECT_THAT(sessions.OnExpired([](std::string_view) {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("refused CONFIG (ERR unknown command 'CONFIG'")));
}

}  // namespace
}  // namespace embedis
