// Faults on a local Redis Cluster (each test starts its own 3+3 cluster, cluster-node-timeout
// 1000 ms): a slot migrated by hand while a client writes (ASK and MOVED followed), a redirection
// loop (bounded), a primary killed under load (the client recovers once its replica is
// promoted), and wait_replicas=1 (every acknowledged session write survives the failover).
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/client/cluster.h"
#include "lib/session/session_store.h"
#include "lib/store/redis_store.h"
#include "lib/store/store.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_cluster.h"
#include "tests/testing/shared_topologies.h"

namespace embedis {
namespace {

using ::embedis::testing::IsOk;
using ::embedis::testing::IsOkAndHolds;
using ::embedis::testing::StatusIs;
using resp::Value;
using ::testing::HasSubstr;

ClusterOptions Options(const testing::RedisClusterProcess& cluster) {
  ClusterOptions o = testing::ClusterClientOptions(cluster, absl::Seconds(2));
  o.node.connect_timeout = absl::Milliseconds(500);
  return o;
}

// A primary other than `node`.
int OtherPrimary(testing::RedisClusterProcess& cluster, int node) {
  for (int p : cluster.Primaries()) {
    if (p != node) return p;
  }
  return -1;
}

TEST(ClusterFault, SlotMigratedWhileWritingFollowsAskThenMoved) {
  testing::RedisClusterProcess cluster;
  ASSERT_OK(cluster.Start());
  auto client = ClusterClient::Connect(Options(cluster));
  ASSERT_OK(client);
  ClusterClient& c = **client;
  const int slot = KeySlot("{m}");
  const int source = cluster.PrimaryOf(slot);
  const int target = OtherPrimary(cluster, source);
  ASSERT_GE(source, 0);
  ASSERT_GE(target, 0);
  for (int i = 0; i < 100; ++i) {
    ASSERT_THAT(c.Command({"SET", absl::StrCat("{m}:", i), "0"}), IsOk());
  }

  // The writer: increments the existing keys and creates new ones, checking every reply.
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::atomic<int> created{0};
  std::string first_error;
  std::mutex mu;
  std::thread writer([&] {
    int i = 0;
    while (!stop.load()) {
      auto r = c.Command({"INCR", absl::StrCat("{m}:", i % 100)});
      auto n = c.Command({"SET", absl::StrCat("{m}:new:", created.load()), "x"});
      if (!r.ok() || r->is_error() || !n.ok() || n->is_error()) {
        std::lock_guard<std::mutex> lock(mu);
        if (errors++ == 0) {
          first_error = !r.ok()         ? r.status().ToString()
                        : r->is_error() ? r->str()
                        : !n.ok()       ? n.status().ToString()
                                        : n->str();
        }
      } else {
        created++;
      }
      ++i;
    }
  });

  // The migration, by hand (as redis-cli --cluster reshard does it).
  const std::string slot_text = std::to_string(slot);
  const std::string source_id = cluster.NodeId(source);
  const std::string target_id = cluster.NodeId(target);
  ASSERT_EQ(cluster.Call(target, {"CLUSTER", "SETSLOT", slot_text, "IMPORTING", source_id}),
            "+OK\r\n");
  ASSERT_EQ(cluster.Call(source, {"CLUSTER", "SETSLOT", slot_text, "MIGRATING", target_id}),
            "+OK\r\n");
  absl::SleepFor(absl::Milliseconds(300));  // new keys are created on the target meanwhile: ASK
  for (int round = 0; round < 1000; ++round) {
    std::string raw = cluster.Call(source, {"CLUSTER", "GETKEYSINSLOT", slot_text, "10"});
    std::vector<std::string> keys;
    // A RESP array of bulk strings: take every line after a "$n" line.
    size_t pos = 0;
    while ((pos = raw.find("\r\n$", pos)) != std::string::npos) {
      size_t start = raw.find("\r\n", pos + 3) + 2;
      size_t end = raw.find("\r\n", start);
      keys.push_back(raw.substr(start, end - start));
      pos = end;
    }
    if (keys.empty()) break;
    std::vector<std::string> migrate = {
        "MIGRATE", "127.0.0.1", std::to_string(cluster.port(target)), "", "0", "5000", "KEYS"};
    migrate.insert(migrate.end(), keys.begin(), keys.end());
    ASSERT_EQ(cluster.Call(source, migrate), "+OK\r\n");
    absl::SleepFor(absl::Milliseconds(5));
  }
  for (int node : cluster.Primaries()) {
    ASSERT_EQ(cluster.Call(node, {"CLUSTER", "SETSLOT", slot_text, "NODE", target_id}), "+OK\r\n");
  }
  absl::SleepFor(absl::Milliseconds(300));  // the writer now meets MOVED
  stop = true;
  writer.join();
  EXPECT_EQ(errors.load(), 0) << first_error;
  EXPECT_GT(c.ask_count(), 0);
  EXPECT_GT(c.moved_count(), 0);
  EXPECT_GT(created.load(), 0);
  // Everything written is where the client reads it (on the target now).
  EXPECT_EQ(cluster.PrimaryOf(slot), target);
  int64_t sum = 0;
  for (int i = 0; i < 100; ++i) {
    auto v = c.Command({"GET", absl::StrCat("{m}:", i)});
    ASSERT_OK(v);
    ASSERT_FALSE(v->is_null()) << i;
    sum += std::stoll(v->str());
  }
  EXPECT_GT(sum, 0);
  for (int i = 0; i < created.load(); ++i) {
    EXPECT_THAT(c.Command({"GET", absl::StrCat("{m}:new:", i)}),
                IsOkAndHolds(Value::BulkString("x")));
  }

  // A redirection loop (a slot MIGRATING to a node that is not IMPORTING it: ASK there, MOVED
  // back) ends after max_redirects with a clear status.
  const int other = cluster.PrimaryOf(slot);
  const int away = OtherPrimary(cluster, other);
  ASSERT_EQ(
      cluster.Call(other, {"CLUSTER", "SETSLOT", slot_text, "MIGRATING", cluster.NodeId(away)}),
      "+OK\r\n");
  const absl::Time start = absl::Now();
  EXPECT_THAT(c.Command({"GET", "{m}:missing"}),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("too many redirections")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  ASSERT_EQ(cluster.Call(other, {"CLUSTER", "SETSLOT", slot_text, "STABLE"}), "+OK\r\n");
  EXPECT_THAT(c.Command({"GET", "{m}:missing"}), IsOkAndHolds(Value::NullBulk()));
}

TEST(ClusterFault, KilledPrimaryUnderLoadRecoversAfterPromotion) {
  testing::RedisClusterProcess cluster;
  ASSERT_OK(cluster.Start());
  auto client = ClusterClient::Connect(Options(cluster));
  ASSERT_OK(client);
  ClusterClient& c = **client;
  const int victim = cluster.PrimaryOf(KeySlot("f"));
  ASSERT_GE(victim, 0);
  // Load: 4 threads writing keys all over the slots.
  std::atomic<bool> stop{false};
  std::atomic<int64_t> ok{0}, failed{0};
  std::vector<std::thread> load;
  for (int t = 0; t < 4; ++t) {
    load.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        auto r = c.Command({"SET", absl::StrCat("load:", t, ":", i % 500), "v"});
        (r.ok() && !r->is_error() ? ok : failed)++;
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(300));
  cluster.Kill(victim);
  // The first write of "f" that succeeds after the kill: bounded by node timeout + election.
  std::optional<absl::Duration> recovery = testing::TimeUntil(
      [&] {
        auto r = c.Command({"SET", "f", "after"});
        return r.ok() && !r->is_error();
      },
      absl::Seconds(20));
  stop = true;
  for (auto& t : load) t.join();
  ASSERT_TRUE(recovery.has_value()) << "no write of 'f' succeeded within 20 s";
  EXPECT_LT(*recovery, absl::Seconds(10));
  std::cout << "recovered " << absl::FormatDuration(*recovery) << " after the kill (" << ok.load()
            << " writes ok, " << failed.load() << " failed, " << c.retry_count() << " retries)\n";
  EXPECT_THAT(c.Command({"GET", "f"}), IsOkAndHolds(Value::BulkString("after")));
  EXPECT_NE(cluster.PrimaryOf(KeySlot("f")), victim);
  EXPECT_GT(ok.load(), 0);
  // Every key works again, on every slot.
  for (int i = 0; i < 200; ++i) {
    EXPECT_THAT(c.Command({"SET", absl::StrCat("after:", i), "1"}), IsOk());
  }
}

TEST(ClusterFault, WaitReplicasKeepsEveryAcknowledgedSessionWriteThroughFailover) {
  testing::RedisClusterProcess cluster;
  ASSERT_OK(cluster.Start());
  auto options = ParseRedisClusterUrl(cluster.Url("/?timeout_ms=2000&wait_replicas=1"));
  ASSERT_OK(options);
  auto store = NewRedisClusterStore(*options);
  ASSERT_OK(store);
  // More replicas than a shard has: the write happens, but is not acknowledged.
  auto strict = ParseRedisClusterUrl(cluster.Url("/?wait_replicas=2&wait_timeout_ms=100"));
  ASSERT_OK(strict);
  auto strict_store = NewRedisClusterStore(*strict);
  ASSERT_OK(strict_store);
  EXPECT_THAT((*strict_store)->Set("k", "v"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("of 2 replicas within 100 ms")));
  EXPECT_THAT((*store)->Set("k", "v"), IsOkAndHolds(true));
  SessionStore sessions(store->get(), {.prefix = "sess:"});
  // Writers: each session id is rewritten with an increasing counter; the last acknowledged
  // value of each id is remembered.
  std::mutex mu;
  std::map<std::string, int> acked;
  std::atomic<bool> stop{false};
  std::atomic<int> refused{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        const std::string sid = absl::StrCat("s", t, "-", i % 50);
        Session s = Session::New({.max_age = absl::Hours(1)}, absl::Now());
        s.data["n"] = i;
        absl::Status st = sessions.Set(sid, s);
        if (st.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          acked[sid] = i;
        } else {
          refused++;
        }
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(500));
  const int victim = cluster.Primaries()[0];
  cluster.Kill(victim);
  absl::SleepFor(absl::Seconds(1));
  ASSERT_OK(cluster.WaitHealthy(absl::Seconds(15)));
  absl::SleepFor(absl::Milliseconds(500));  // writes on the new primary too
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_GT(acked.size(), 100u);
  for (const auto& [sid, n] : acked) {
    auto got = sessions.Get(sid);
    ASSERT_OK(got);
    ASSERT_TRUE(got->has_value()) << sid << " lost (last acknowledged write " << n << ")";
    // A later write may have reached the primary unacknowledged: never older than acknowledged.
    EXPECT_GE((*got)->data["n"].get<int>(), n) << sid;
  }
}

TEST(ClusterFault, ReadsFallBackToThePrimaryWhenTheReplicaIsDown) {
  testing::RedisClusterProcess cluster;
  ASSERT_OK(cluster.Start());
  ClusterOptions o = Options(cluster);
  o.read_from_replica = true;
  o.refresh_interval = absl::ZeroDuration();  // the map keeps naming the dead replica
  auto client = ClusterClient::Connect(o);
  ASSERT_OK(client);
  ClusterClient& c = **client;
  ASSERT_THAT(c.Command({"SET", "rk", "v"}), IsOk());
  std::optional<absl::Duration> replicated = testing::TimeUntil(
      [&] {
        auto v = c.Command({"GET", "rk"});
        return v.ok() && *v == Value::BulkString("v");
      },
      absl::Seconds(10));
  ASSERT_TRUE(replicated.has_value());
  // Kill the replica of the key's primary.
  const int primary = cluster.PrimaryOf(KeySlot("rk"));
  const std::string master_port = absl::StrCat("master_port:", cluster.port(primary), "\r\n");
  int replica = -1;
  for (int i = 0; i < cluster.size(); ++i) {
    if (cluster.Call(i, {"INFO", "replication"}).find(master_port) != std::string::npos) {
      replica = i;
    }
  }
  ASSERT_GE(replica, 0);
  cluster.Kill(replica);
  const absl::Time start = absl::Now();
  EXPECT_THAT(c.Command({"GET", "rk"}), IsOkAndHolds(Value::BulkString("v")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

// Not a fault, but needs a cluster of its own: Pub/Sub across nodes.
TEST(ClusterStore, PublishOnAnyNodeReachesTheStoresSubscribers) {
  testing::RedisClusterProcess cluster;
  ASSERT_OK(cluster.Start());
  auto options = ParseRedisClusterUrl(cluster.Url());
  ASSERT_OK(options);
  auto store = NewRedisClusterStore(*options);
  ASSERT_OK(store);
  std::mutex mu;
  std::vector<std::string> got;
  auto sub = (*store)->Subscribe(
      {.channels = {"news"},
       .on_message = [&](std::string_view channel, std::string_view message, std::string_view) {
         std::lock_guard<std::mutex> lock(mu);
         got.push_back(std::string(message));
       }});
  ASSERT_OK(sub);
  // PUBLISH on every node, primaries and replicas: the cluster bus carries each to all.
  for (int node = 0; node < cluster.size(); ++node) {
    ASSERT_EQ(cluster.Call(node, {"PUBLISH", "news", absl::StrCat("from ", node)}).substr(0, 1),
              ":");
  }
  EXPECT_THAT((*store)->Publish("news", "from the store"), IsOkAndHolds(1));
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (got.size() == static_cast<size_t>(cluster.size()) + 1 || absl::Now() > deadline) break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(got.size(), static_cast<size_t>(cluster.size()) + 1);
  }
  EXPECT_OK((*store)->EnableKeyspaceEvents("Ex"));  // on every node (cluster_pubsub_test.cc)
  sub->reset();
}

}  // namespace
}  // namespace embedis
