// maxmemory: the memory accounting, the access information (OBJECT IDLETIME/FREQ), and each
// eviction policy's choice checked against a model on a ManualClock.
//
// The policy tests use one shard and maxmemory-samples 64 with at most 64 keys: every eviction
// then samples every key, so the choice must be exactly the model's (the best candidate of the
// whole keyspace), not just approximately.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/pubsub.h"
#include "lib/util/clock.h"
#include "lib/util/status_matchers.h"

namespace embedis {
namespace {

using ::embedis::testing::StatusIs;

std::string Key(int i) { return absl::StrCat("key:", 1000 + i); }  // all the same length

class EvictionTest : public ::testing::Test {
 protected:
  void Make(EvictionPolicy policy, int shards = 1) {
    ks_ = std::make_unique<Keyspace>(KeyspaceOptions{
        .shards = shards,
        .databases = 4,
        .clock = &clock_,
        .eviction = {.policy = policy, .samples = 64, .lfu_log_factor = 0, .tenacity = 100}});
  }
  void Set(const std::string& k, int64_t ttl_ms = 0) {
    SetOptions o;
    if (ttl_ms > 0) o = {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = clock_.NowMs() + ttl_ms};
    ASSERT_TRUE(ks_->Set(0, k, "value-of-sixteen", o).ok());
  }
  // Sets maxmemory so that exactly `n` more keys of Set()'s size must go.
  void LimitToEvict(int n) {
    const size_t used = ks_->UsedMemory();
    EvictionOptions o = ks_->eviction_options();
    o.maxmemory = used - n * per_key_ + 1;
    ks_->SetEvictionOptions(o);
  }
  // The bytes one key of Set()'s shape adds (measured on a scratch keyspace whose bucket array
  // does not grow for it: 5 keys and 8 buckets).
  void MeasurePerKey() {
    Keyspace scratch({.shards = 1, .clock = &clock_});
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(scratch.Set(0, Key(i), "value-of-sixteen").ok());
    const size_t before = scratch.UsedMemory();
    ASSERT_TRUE(scratch.Set(0, Key(99), "value-of-sixteen").ok());
    per_key_ = scratch.UsedMemory() - before;
  }
  std::set<std::string> Remaining(int n) {
    std::set<std::string> out;
    for (int i = 0; i < n; ++i) {
      if (ks_->KeyExists(0, Key(i))) out.insert(Key(i));
    }
    return out;
  }

  ManualClock clock_;
  std::unique_ptr<Keyspace> ks_;
  size_t per_key_ = 0;
};

// ---- accounting ----

TEST_F(EvictionTest, UsedMemoryCountsEntriesAndReturnsToItsStartAfterDeletes) {
  Make(EvictionPolicy::kNoEviction, 4);
  const size_t empty = ks_->UsedMemory();
  EXPECT_EQ(empty, 0u);
  ASSERT_TRUE(ks_->Set(0, "k", "v").ok());
  // One 48-byte block (40-byte header, key, value, rounded to 8) and a 4-bucket array.
  EXPECT_EQ(ks_->UsedMemory(), 48u + 4 * sizeof(void*));
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(ks_->Set(0, Key(i), std::string(i, 'x')).ok());
  const size_t full = ks_->UsedMemory();
  EXPECT_GT(full, 1000u * 1000 / 2);  // at least the values' bytes
  ASSERT_TRUE(ks_->HSet(1, "h", {{"f", std::string(100, 'y')}}).ok());
  ASSERT_TRUE(ks_->HSet(1, "h", {{"g", std::string(5000, 'y')}}).ok());
  EXPECT_GT(ks_->UsedMemory(), full + 5000);
  ks_->Update(1, "l", [](KeyHandle& k) {
    ListValue& l = k.CreateList();
    for (int i = 0; i < 2000; ++i) l.PushBack(std::string(50, 'z'));
  });
  EXPECT_GT(ks_->UsedMemory(), full + 5000 + 2000 * 50);
  ASSERT_TRUE(ks_->Rename(1, "h", "h2").ok());  // may cross shards: the object's bytes follow
  ASSERT_TRUE(ks_->Copy(1, "l", 2, "l2", false));
  ks_->FlushAll();
  EXPECT_EQ(ks_->UsedMemory(), 0u);
}

TEST_F(EvictionTest, LargeValuesAreCountedAtTheirAllocation) {
  Make(EvictionPolicy::kNoEviction);
  ASSERT_TRUE(ks_->Set(0, "big", std::string(1 << 20, 'x')).ok());
  EXPECT_GE(ks_->UsedMemory(), size_t{1} << 20);
  EXPECT_LT(ks_->UsedMemory(), (size_t{1} << 20) + 64 * 1024);
  ks_->Update(0, "big", [](KeyHandle& k) { k.AppendString(std::string(1 << 20, 'y')); });
  EXPECT_GE(ks_->UsedMemory(), size_t{2} << 20);
  ASSERT_TRUE(ks_->DeleteKey(0, "big"));
  EXPECT_EQ(ks_->UsedMemory(), 4 * sizeof(void*));  // the empty table's smallest bucket array
}

// ---- access information ----

TEST_F(EvictionTest, IdleTimeFollowsReadsAndWritesButNotNoTouchLookups) {
  Make(EvictionPolicy::kNoEviction);
  Set("k", 100'000);
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(ks_->ObjectAccess(0, "k")->idle_seconds, 10);
  // TYPE, TTL, EXISTS, MEMORY USAGE and OBJECT do not touch the key.
  ks_->Type(0, "k");
  ks_->PTtl(0, "k");
  ks_->ExpireTimeMs(0, "k");
  ks_->KeyExists(0, "k");
  ks_->MemoryUsage(0, "k");
  EXPECT_EQ(ks_->ObjectAccess(0, "k")->idle_seconds, 10);
  {
    Keyspace::NoTouchScope no_touch;  // CLIENT NO-TOUCH
    ASSERT_TRUE(ks_->Get(0, "k").ok());
  }
  EXPECT_EQ(ks_->ObjectAccess(0, "k")->idle_seconds, 10);
  ASSERT_TRUE(ks_->Get(0, "k").ok());
  EXPECT_EQ(ks_->ObjectAccess(0, "k")->idle_seconds, 0);
  clock_.Advance(absl::Seconds(2));
  EXPECT_EQ(ks_->Exists(0, {"k"}, /*touch=*/true), 1);  // TOUCH
  EXPECT_EQ(ks_->ObjectAccess(0, "k")->idle_seconds, 0);
  clock_.Advance(absl::Seconds(3));
  ks_->Expire(0, "k", clock_.NowMs() + 100'000);  // a write touches it too
  EXPECT_EQ(ks_->ObjectAccess(0, "k")->idle_seconds, 0);
  clock_.Advance(absl::Seconds(7));
  ASSERT_TRUE(ks_->Rename(0, "k", "k2").ok());  // RENAME keeps the information (a lookup of k)
  EXPECT_EQ(ks_->ObjectAccess(0, "k2")->idle_seconds, 0);
  clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(ks_->Move(0, 1, "k2"));
  EXPECT_EQ(ks_->ObjectAccess(1, "k2")->idle_seconds, 0);  // MOVE looks it up: touched
  EXPECT_EQ(ks_->ObjectAccess(0, "missing"), std::nullopt);
}

TEST_F(EvictionTest, LfuCounterGrowsByOneWithLogFactorZeroAndDecaysPerPeriod) {
  Make(EvictionPolicy::kAllKeysLfu);
  EvictionOptions o = ks_->eviction_options();
  o.lfu_decay_time = 2;  // minutes
  ks_->SetEvictionOptions(o);
  Set("k");
  EXPECT_EQ(ks_->ObjectAccess(0, "k")->frequency, 5);  // LFU_INIT_VAL
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(ks_->Get(0, "k").ok());
  EXPECT_EQ(ks_->ObjectAccess(0, "k")->frequency, 15);
  clock_.Advance(absl::Minutes(5));  // two whole periods
  EXPECT_EQ(ks_->ObjectAccess(0, "k")->frequency, 13);
  ASSERT_TRUE(ks_->Get(0, "k").ok());  // decays then increments, and restarts the period
  EXPECT_EQ(ks_->ObjectAccess(0, "k")->frequency, 14);
  clock_.Advance(absl::Minutes(60));
  EXPECT_EQ(ks_->ObjectAccess(0, "k")->frequency, 0);
  ASSERT_TRUE(ks_->Get(0, "k").ok());  // stores the decayed counter, plus one
  o.lfu_decay_time = 0;                // never decays
  ks_->SetEvictionOptions(o);
  clock_.Advance(absl::Minutes(600));
  EXPECT_EQ(ks_->ObjectAccess(0, "k")->frequency, 1);
}

TEST_F(EvictionTest, LfuCounterIsLogarithmicWithTheDefaultFactor) {
  Make(EvictionPolicy::kAllKeysLfu);
  EvictionOptions o = ks_->eviction_options();
  o.lfu_log_factor = 10;
  ks_->SetEvictionOptions(o);
  Set("k");
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(ks_->Get(0, "k").ok());
  // Redis's table for factor 10: 100 hits -> 10, 1000 hits -> 18. The increments are random, so
  // a band: 25 was seen in CI. Going from 18 to 32 would take about 3000 more hits (each step
  // past c needs ~10 * (c - 5) hits on average), so 32 cannot be reached by chance in 1000, and
  // a linear counter (1000) or a counter that never grows (5) still fails.
  EXPECT_GE(ks_->ObjectAccess(0, "k")->frequency, 10);
  EXPECT_LE(ks_->ObjectAccess(0, "k")->frequency, 32);
  for (int i = 0; i < 2'000'000; ++i) ASSERT_TRUE(ks_->Get(0, "k").ok());
  EXPECT_GE(ks_->ObjectAccess(0, "k")->frequency, 200);  // saturates near 255
  EXPECT_LE(ks_->ObjectAccess(0, "k")->frequency, 255);
}

// ---- the policies against a model ----

TEST_F(EvictionTest, AllKeysLruEvictsTheLeastRecentlyUsedFirst) {
  MeasurePerKey();
  Make(EvictionPolicy::kAllKeysLru);
  // Key i is created at second i; then the even keys below 20 are read at second 100 + i.
  std::map<std::string, int64_t> last_access;  // the model
  for (int i = 0; i < 60; ++i) {
    Set(Key(i));
    last_access[Key(i)] = clock_.NowMs();
    clock_.Advance(absl::Seconds(1));
  }
  clock_.Advance(absl::Seconds(40));
  for (int i = 0; i < 20; i += 2) {
    ASSERT_TRUE(ks_->Get(0, Key(i)).ok());
    last_access[Key(i)] = clock_.NowMs();
    clock_.Advance(absl::Seconds(1));
  }
  LimitToEvict(25);
  ASSERT_TRUE(ks_->EnsureMemory().ok());
  std::vector<std::pair<int64_t, std::string>> order;
  for (const auto& [k, t] : last_access) order.push_back({t, k});
  std::sort(order.begin(), order.end());
  std::set<std::string> expected;
  for (size_t i = 25; i < order.size(); ++i) expected.insert(order[i].second);
  EXPECT_EQ(Remaining(60), expected);
  EXPECT_EQ(ks_->GetStats().evicted_keys, 25u);
  EXPECT_LE(ks_->UsedMemory(), ks_->eviction_options().maxmemory);
}

TEST_F(EvictionTest, AllKeysLfuEvictsTheLeastFrequentlyUsedFirst) {
  MeasurePerKey();
  Make(EvictionPolicy::kAllKeysLfu);  // log factor 0: each access adds exactly one
  std::map<std::string, int> hits;
  for (int i = 0; i < 40; ++i) {
    Set(Key(i));
    const int n = (i * 7) % 40;  // distinct counts 0..39 in a scrambled order
    for (int j = 0; j < n; ++j) ASSERT_TRUE(ks_->Get(0, Key(i)).ok());
    hits[Key(i)] = n;
  }
  LimitToEvict(10);
  ASSERT_TRUE(ks_->EnsureMemory().ok());
  std::set<std::string> expected;
  for (const auto& [k, n] : hits) {
    if (n >= 10) expected.insert(k);
  }
  EXPECT_EQ(Remaining(40), expected);
}

TEST_F(EvictionTest, LfuDecayMakesOldPopularKeysEvictable) {
  MeasurePerKey();
  Make(EvictionPolicy::kAllKeysLfu);
  EvictionOptions o = ks_->eviction_options();
  o.lfu_decay_time = 1;
  ks_->SetEvictionOptions(o);
  Set(Key(0));  // popular long ago: 5 + 30, then 40 minutes of decay -> 0
  for (int j = 0; j < 30; ++j) ASSERT_TRUE(ks_->Get(0, Key(0)).ok());
  clock_.Advance(absl::Minutes(40));
  for (int i = 1; i < 10; ++i) Set(Key(i));  // new keys: counter 5
  LimitToEvict(1);
  ASSERT_TRUE(ks_->EnsureMemory().ok());
  EXPECT_FALSE(ks_->KeyExists(0, Key(0)));
  EXPECT_EQ(Remaining(10).size(), 9u);
}

TEST_F(EvictionTest, VolatileTtlEvictsTheKeysClosestToExpiryAndNeverPersistentOnes) {
  MeasurePerKey();
  Make(EvictionPolicy::kVolatileTtl);
  std::map<int64_t, std::string> by_deadline;
  for (int i = 0; i < 40; ++i) {
    if (i % 4 == 0) {
      Set(Key(i));  // no expiry
      continue;
    }
    const int64_t ttl = 1000 + ((i * 13) % 40) * 1000;
    Set(Key(i), ttl);
    by_deadline[clock_.NowMs() + ttl] = Key(i);
  }
  LimitToEvict(8);
  ASSERT_TRUE(ks_->EnsureMemory().ok());
  std::set<std::string> expected;
  for (int i = 0; i < 40; ++i) expected.insert(Key(i));
  int n = 0;
  for (const auto& [deadline, key] : by_deadline) {
    if (n++ < 8) expected.erase(key);
  }
  EXPECT_EQ(Remaining(40), expected);
  // Only keys without expiry left beyond what the limit allows: OOM.
  for (int i = 0; i < 40; ++i) {
    if (i % 4 != 0) ks_->DeleteKey(0, Key(i));
  }
  LimitToEvict(1);
  EXPECT_THAT(ks_->EnsureMemory(), StatusIs(absl::StatusCode::kResourceExhausted,
                                            "OOM command not allowed when used memory > "
                                            "'maxmemory'."));
  EXPECT_EQ(Remaining(40).size(), 10u);
}

TEST_F(EvictionTest, VolatileLruChoosesOnlyAmongKeysWithAnExpiry) {
  MeasurePerKey();
  Make(EvictionPolicy::kVolatileLru);
  for (int i = 0; i < 30; ++i) {
    Set(Key(i), i % 2 == 0 ? 0 : 1'000'000);  // odd keys expire
    clock_.Advance(absl::Seconds(1));
  }
  LimitToEvict(5);
  ASSERT_TRUE(ks_->EnsureMemory().ok());
  std::set<std::string> expected;
  for (int i = 0; i < 30; ++i) {
    if (i % 2 == 0 || i > 9) expected.insert(Key(i));  // the 5 oldest odd keys went
  }
  EXPECT_EQ(Remaining(30), expected);
}

TEST_F(EvictionTest, RandomPoliciesPickOnlyFromTheirSet) {
  MeasurePerKey();
  for (EvictionPolicy p : {EvictionPolicy::kVolatileRandom, EvictionPolicy::kAllKeysRandom}) {
    Make(p, 4);
    for (int i = 0; i < 200; ++i) Set(Key(i), i % 3 == 0 ? 1'000'000 : 0);
    LimitToEvict(40);
    ASSERT_TRUE(ks_->EnsureMemory().ok());
    int volatile_gone = 0, persistent_gone = 0;
    for (int i = 0; i < 200; ++i) {
      if (!ks_->KeyExists(0, Key(i))) ++(i % 3 == 0 ? volatile_gone : persistent_gone);
    }
    EXPECT_GE(volatile_gone + persistent_gone, 39) << EvictionPolicyName(p);
    if (p == EvictionPolicy::kVolatileRandom) {
      EXPECT_EQ(persistent_gone, 0);
    } else {
      EXPECT_GT(persistent_gone, 10);  // about two thirds of 40
      EXPECT_GT(volatile_gone, 3);
    }
  }
}

TEST_F(EvictionTest, NoEvictionRefusesAndEvictsNothing) {
  MeasurePerKey();
  Make(EvictionPolicy::kNoEviction);
  for (int i = 0; i < 10; ++i) Set(Key(i));
  EXPECT_TRUE(ks_->EnsureMemory().ok());  // no limit
  LimitToEvict(1);
  EXPECT_THAT(ks_->EnsureMemory(), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(Remaining(10).size(), 10u);
  ks_->DeleteKey(0, Key(0));  // deletes work, and free the room
  EXPECT_TRUE(ks_->EnsureMemory().ok());
}

TEST_F(EvictionTest, EvictionNotifiesWatchersAndSubscribersAndCountsInStats) {
  MeasurePerKey();
  Make(EvictionPolicy::kAllKeysLru);
  ks_->SetNotifyFlags(ParseNotifyFlags("Ee").value());
  std::vector<std::string> events;
  auto sub = std::make_shared<CallbackSubscriber>([&](const PubSubMessage& m) {
    events.push_back(std::string(m.channel) + " " + std::string(m.payload));
  });
  ks_->pubsub().Subscribe(PubSubKind::kPattern, "*", sub);
  Set(Key(0));
  clock_.Advance(absl::Seconds(5));
  Set(Key(1));
  Watcher w;
  ks_->Watch(0, Key(0), &w);
  LimitToEvict(1);
  ASSERT_TRUE(ks_->EnsureMemory().ok());
  EXPECT_TRUE(w.dirty());
  EXPECT_THAT(events, ::testing::ElementsAre(absl::StrCat("__keyevent@0__:evicted ", Key(0))));
  EXPECT_EQ(ks_->GetStats().evicted_keys, 1u);
  EXPECT_EQ(ks_->GetStats().changes, 2u);  // the two SETs: an eviction is not a change
  ks_->Unwatch(0, Key(0), &w);
}

TEST_F(EvictionTest, ManyShardsStayUnderTheLimitUnderAWriteLoad) {
  Make(EvictionPolicy::kAllKeysLru, 16);
  EvictionOptions o = ks_->eviction_options();
  o.maxmemory = 1 << 20;
  o.samples = 5;
  ks_->SetEvictionOptions(o);
  for (int i = 0; i < 50'000; ++i) {
    ASSERT_TRUE(ks_->EnsureMemory().ok());
    ASSERT_TRUE(ks_->Set(0, absl::StrCat("k", i), std::string(100, 'v')).ok());
    if (i % 1000 == 0) clock_.Advance(absl::Seconds(1));
  }
  ASSERT_TRUE(ks_->EnsureMemory().ok());
  EXPECT_LE(ks_->UsedMemory(), size_t{1} << 20);
  EXPECT_GE(ks_->UsedMemory(), (size_t{1} << 20) * 95 / 100);
  // The most recent keys survive, the oldest are gone.
  EXPECT_TRUE(ks_->KeyExists(0, "k49999"));
  EXPECT_FALSE(ks_->KeyExists(0, "k10"));
  EXPECT_GT(ks_->GetStats().evicted_keys, 40'000u);
}

// Writers on several threads evicting from shared shards while readers read and a thread
// changes the policy: no race (run under --config=tsan), and the limit holds at the end.
TEST(EvictionConcurrency, WritersEvictWhileOthersReadAndReconfigure) {
  Keyspace ks(
      {.shards = 8, .eviction = {.maxmemory = 256 * 1024, .policy = EvictionPolicy::kAllKeysLru}});
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&ks, t] {
      for (int i = 0; i < 20'000; ++i) {
        (void)ks.EnsureMemory();
        const std::string key = absl::StrCat("w", t, ":", i);
        if (i % 3 == 0) {
          ks.Update(0, key, [](KeyHandle& k) {
            HashValue& h = k.exists() ? k.hash() : k.CreateHash();
            h.Set("f", std::string(40, 'h'));
          });
        } else {
          ASSERT_TRUE(
              ks.Set(0, key, std::string(60, 'v'),
                     {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = ks.clock()->NowMs() + 100'000})
                  .ok());
        }
      }
    });
  }
  threads.emplace_back([&] {
    int i = 0;
    while (!stop.load()) {
      (void)ks.Get(0, absl::StrCat("w0:", i++ % 20'000));
      (void)ks.ObjectAccess(0, absl::StrCat("w1:", i % 20'000));
      (void)ks.UsedMemory();
    }
  });
  threads.emplace_back([&] {
    const EvictionPolicy policies[] = {EvictionPolicy::kAllKeysLru, EvictionPolicy::kVolatileTtl,
                                       EvictionPolicy::kAllKeysLfu, EvictionPolicy::kAllKeysRandom};
    int i = 0;
    while (!stop.load()) {
      EvictionOptions o = ks.eviction_options();
      o.policy = policies[i++ % 4];
      ks.SetEvictionOptions(o);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  for (int t = 0; t < 3; ++t) threads[t].join();
  stop = true;
  for (size_t t = 3; t < threads.size(); ++t) threads[t].join();
  EvictionOptions o = ks.eviction_options();
  o.policy = EvictionPolicy::kAllKeysLru;
  ks.SetEvictionOptions(o);
  ASSERT_TRUE(ks.EnsureMemory().ok());
  EXPECT_LE(ks.UsedMemory(), 256u * 1024);
  EXPECT_GT(ks.GetStats().evicted_keys, 10'000u);
}

// A call that runs out of its time budget (tenacity 0: 16 keys a call) hands over to the
// background eviction (Redis's eviction time event), which brings memory under the limit with no
// further call, then stops.
TEST(EvictionTimer, EvictionOutOfTimeGoesOnInTheBackground) {
  Keyspace ks({.shards = 4, .eviction = {.policy = EvictionPolicy::kAllKeysRandom, .tenacity = 0}});
  for (int i = 0; i < 20'000; ++i) ASSERT_TRUE(ks.Set(0, Key(i), std::string(100, 'v')).ok());
  EvictionOptions o = ks.eviction_options();
  o.maxmemory = ks.UsedMemory() / 2;
  ks.SetEvictionOptions(o);
  ASSERT_TRUE(ks.EnsureMemory().ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((ks.UsedMemory() > o.maxmemory || ks.eviction_continuing()) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_LE(ks.UsedMemory(), o.maxmemory);
  EXPECT_GT(ks.GetStats().evicted_keys, 1000u);  // far more than one call's 16
  EXPECT_FALSE(ks.eviction_continuing());
  // With noeviction the background eviction does not start: the call fails at once.
  o.policy = EvictionPolicy::kNoEviction;
  o.maxmemory = 1;
  ks.SetEvictionOptions(o);
  EXPECT_THAT(ks.EnsureMemory(), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_FALSE(ks.eviction_continuing());
}

TEST(EvictionPolicyName, RoundTripsRedisNames) {
  for (std::string_view name :
       {"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru",
        "volatile-lfu", "volatile-random", "volatile-ttl"}) {
    std::optional<EvictionPolicy> p = EvictionPolicyFromName(name);
    ASSERT_TRUE(p.has_value()) << name;
    EXPECT_EQ(EvictionPolicyName(*p), name);
  }
  EXPECT_EQ(EvictionPolicyFromName("ALLKEYS-LRU"), EvictionPolicy::kAllKeysLru);
  EXPECT_EQ(EvictionPolicyFromName("lru"), std::nullopt);
}

}  // namespace
}  // namespace embedis
