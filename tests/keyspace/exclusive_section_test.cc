// Keyspace::ExclusiveSection: while one thread holds it, no other thread's operation runs (the
// embedding application, ManualClock::Advance's expiry, eviction), on every shard; what must go
// on while a script is busy (statistics, WATCH registrations) is not held off.
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/pubsub.h"
#include "lib/util/clock.h"

namespace embedis {
namespace {

// Keys that land in several shards (XXH3 spreads 16 names over 16 shards).
std::vector<std::string> SpreadKeys(int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back("k:" + std::to_string(i));
  return keys;
}

std::vector<std::string_view> Views(const std::vector<std::string>& keys) {
  return {keys.begin(), keys.end()};
}

// Whether every value of an MGET is the same.
bool AllEqual(const std::vector<std::optional<std::string>>& v) {
  for (const auto& x : v) {
    if (x != v[0]) return false;
  }
  return true;
}

// Waits (in real time) until `done` or a generous limit.
template <typename F>
bool Eventually(F done) {
  for (int i = 0; i < 2000 && !done(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

// The writer sets every key to the same value one key at a time inside a section; the readers
// (MGET, GET after GET would not be atomic, so MGET) must never see two values.
TEST(ExclusiveSection, OtherThreadsNeverSeeAHalfDoneSection) {
  Keyspace ks;
  const std::vector<std::string> keys = SpreadKeys(16);
  for (const std::string& k : keys) ASSERT_TRUE(ks.Set(0, k, "0").ok());
  std::atomic<bool> stop{false};
  std::atomic<int> mixed{0}, reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        if (!AllEqual(ks.MGet(0, Views(keys)))) ++mixed;
        ++reads;
      }
    });
  }
  for (int round = 1; round <= 300; ++round) {
    Keyspace::ExclusiveSection section(&ks);
    for (const std::string& k : keys) {
      ASSERT_TRUE(ks.Set(0, k, std::to_string(round)).ok());
      if (k == keys[7]) std::this_thread::yield();  // give the readers a chance mid-way
    }
  }
  stop = true;
  for (std::thread& t : readers) t.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(mixed.load(), 0);
}

// Increments under a section against another thread's typed reads and writes of other keys, and
// MSET of the section's keys (a write from outside that must land between sections, whole).
TEST(ExclusiveSection, IncrementsTogetherAgainstForeignWriters) {
  Keyspace ks;
  const std::vector<std::string> keys = SpreadKeys(8);
  std::atomic<bool> stop{false};
  std::atomic<int> mixed{0}, reads{0};
  std::thread app([&] {
    int i = 0;
    while (!stop.load()) {
      ks.Set(0, "other:" + std::to_string(i % 5), std::to_string(i)).IgnoreError();
      if (!AllEqual(ks.MGet(0, Views(keys)))) ++mixed;
      ++reads;
      if (++i % 50 == 0) {  // reset them all at once (atomic on its own)
        std::vector<std::pair<std::string_view, std::string_view>> pairs;
        for (const std::string& k : keys) pairs.emplace_back(k, "0");
        ks.MSet(0, pairs);
      }
    }
  });
  for (int round = 0; round < 2000; ++round) {
    Keyspace::ExclusiveSection section(&ks);
    for (const std::string& k : keys) {
      if (k == keys[3]) std::this_thread::yield();
      ks.Update(0, k, [](KeyHandle& h) {
        const int64_t n = h.exists() ? std::stoll(std::string(h.string_value())) : 0;
        h.SetString(std::to_string(n + 1), /*keep_ttl=*/true);
      });
    }
  }
  stop = true;
  app.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(mixed.load(), 0);
}

// ManualClock::Advance from another thread reclaims a key whose deadline passed only once the
// section has ended; with freeze_time (a script) the holder itself still sees the key.
TEST(ExclusiveSection, ExpiryWaitsForTheSection) {
  ManualClock clock;
  Keyspace ks({.clock = &clock});
  ASSERT_TRUE(
      ks.Set(0, "a", "1", {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = clock.NowMs() + 1000})
          .ok());
  ASSERT_TRUE(ks.Set(0, "b", "2").ok());
  const int64_t start = clock.NowMs();
  std::atomic<bool> advanced{false};
  std::thread advancer;
  {
    Keyspace::ExclusiveSection section(&ks, /*freeze_time=*/true);
    advancer = std::thread([&] {
      clock.Advance(absl::Seconds(5));
      advanced = true;
    });
    // The clock has moved (Advance stores the time before it calls the keyspace), but the wheel's
    // reclaim waits for the section.
    ASSERT_TRUE(Eventually([&] { return clock.NowMs() >= start + 5000; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(advanced.load());
    EXPECT_EQ(ks.GetStats().expired_keys, 0u);
    // The script's time is its start: the key is alive for it, and stays so.
    EXPECT_EQ(*ks.Get(0, "a"), "1");
    EXPECT_EQ(ks.PTtl(0, "a"), 1000);
    EXPECT_EQ(*ks.Get(0, "b"), "2");
  }
  advancer.join();
  EXPECT_TRUE(advanced.load());
  EXPECT_EQ(ks.GetStats().expired_keys, 1u);
  EXPECT_EQ(*ks.Get(0, "a"), std::nullopt);
}

// Without freeze_time (EXEC, as Redis 7) the holder's own reads use the clock.
TEST(ExclusiveSection, WithoutFrozenTimeTheHolderSeesTheClock) {
  ManualClock clock;
  Keyspace ks({.clock = &clock});
  ASSERT_TRUE(
      ks.Set(0, "a", "1", {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = clock.NowMs() + 1000})
          .ok());
  const int64_t start = clock.NowMs();
  std::thread advancer;
  {
    Keyspace::ExclusiveSection section(&ks);
    advancer = std::thread([&] { clock.Advance(absl::Seconds(5)); });
    ASSERT_TRUE(Eventually([&] { return clock.NowMs() >= start + 5000; }));
    EXPECT_EQ(*ks.Get(0, "a"), std::nullopt);  // its own lookup reclaims it
  }
  advancer.join();
}

// Eviction from another thread (the path of the background eviction thread: EvictFromShard)
// evicts nothing until the section ends.
TEST(ExclusiveSection, EvictionWaitsForTheSection) {
  Keyspace ks;
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(ks.Set(0, "key:" + std::to_string(i), "v").ok());
  const size_t used = ks.UsedMemory();
  std::atomic<bool> evicted{false};
  std::thread evictor;
  {
    Keyspace::ExclusiveSection section(&ks);
    ks.SetEvictionOptions(
        {.maxmemory = used / 2, .policy = EvictionPolicy::kAllKeysRandom, .tenacity = 100});
    evictor = std::thread([&] {
      ks.EnsureMemory().IgnoreError();
      evicted = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(evicted.load());
    EXPECT_EQ(ks.GetStats().evicted_keys, 0u);
    EXPECT_EQ(ks.Size(0), 200);
  }
  evictor.join();
  EXPECT_GT(ks.GetStats().evicted_keys, 0u);
  EXPECT_LT(ks.Size(0), 200);
}

// A point-in-time image begun during another thread's section does not wait for it (its caller
// may hold locks the section needs); its instant is the section's end, whole.
TEST(ExclusiveSection, ImageBegunDuringASectionHoldsItWhole) {
  Keyspace ks;
  const std::vector<std::string> keys = SpreadKeys(16);
  for (const std::string& k : keys) ASSERT_TRUE(ks.Set(0, k, "old").ok());
  std::unique_ptr<Keyspace::Image> image;
  std::atomic<bool> taken{false};
  std::vector<KeyRecord> records;
  std::thread saver;
  {
    Keyspace::ExclusiveSection section(&ks);
    ASSERT_TRUE(ks.Set(0, keys[0], "new").ok());  // half done
    std::thread begin([&] { image = ks.BeginImage(); });
    begin.join();  // returns during the section
    saver = std::thread([&] {
      for (int i = 0; i < ks.shards(); ++i) image->TakeShard(i, &records);
      taken = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    EXPECT_FALSE(taken.load());
    for (const std::string& k : keys) ASSERT_TRUE(ks.Set(0, k, "new").ok());
  }
  saver.join();
  ASSERT_EQ(records.size(), keys.size());
  for (const KeyRecord& r : records) EXPECT_EQ(r.str, "new") << r.key;
  ASSERT_TRUE(ks.Set(0, keys[1], "later").ok());  // after the instant: not in the image
  image.reset();
}

// Sections of two threads run one after the other; the holder's sections nest.
TEST(ExclusiveSection, SectionsSerializeAndNest) {
  Keyspace ks;
  std::atomic<int> inside{0}, overlap{0};
  auto work = [&] {
    for (int i = 0; i < 200; ++i) {
      Keyspace::ExclusiveSection outer(&ks);
      EXPECT_TRUE(ks.InExclusiveSection());
      if (++inside > 1) ++overlap;
      {
        Keyspace::ExclusiveSection inner(&ks, /*freeze_time=*/true);
        ks.Set(0, "x", std::to_string(i)).IgnoreError();
      }
      EXPECT_TRUE(ks.InExclusiveSection());
      --inside;
    }
    EXPECT_FALSE(ks.InExclusiveSection());
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  EXPECT_EQ(overlap.load(), 0);
}

// What a busy script must not hold off: statistics, WATCH and UNWATCH, RemoveBlockedKey.
TEST(ExclusiveSection, RegistrationsAndStatisticsAreNotHeldOff) {
  ManualClock clock;
  Keyspace ks({.clock = &clock});
  ASSERT_TRUE(ks.Set(0, "w", "1").ok());
  ASSERT_TRUE(
      ks.Set(0, "gone", "1", {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = clock.NowMs() + 10})
          .ok());
  Keyspace::ExclusiveSection section(&ks);
  std::atomic<bool> done{false};
  std::thread other([&] {
    Watcher watcher;
    EXPECT_TRUE(ks.Watch(0, "w", &watcher));
    EXPECT_TRUE(ks.Watch(0, "gone", &watcher));
    ks.Unwatch(0, "w", &watcher);
    ks.Unwatch(0, "gone", &watcher);
    EXPECT_EQ(ks.WatchCount(), 0u);
    ks.GetStats();
    ks.UsedMemory();
    ks.RemoveBlockedKey(0, "w");
    done = true;
  });
  EXPECT_TRUE(Eventually([&] { return done.load(); }));
  other.join();
}

// A section's messages reach subscribers when it ends, on its thread; a subscriber's callback
// may call the keyspace (it would wait for the section, and the section's next delivery would
// wait for it, if messages were delivered inside).
TEST(ExclusiveSection, MessagesAreDeliveredWhenTheSectionEnds) {
  Keyspace ks;
  ks.SetNotifyFlags(*ParseNotifyFlags("KEA"));
  std::vector<std::string> got;
  std::atomic<bool> in_section{false};
  auto sub = std::make_shared<CallbackSubscriber>([&](const PubSubMessage& m) {
    EXPECT_FALSE(in_section.load());
    got.push_back(std::string(m.channel) + "=" + std::string(m.payload));
    ks.Get(0, "a").IgnoreError();  // calls the keyspace from the callback
  });
  ks.pubsub().Subscribe(PubSubKind::kChannel, "news", sub);
  ks.pubsub().Subscribe(PubSubKind::kChannel, "__keyevent@0__:set", sub);
  {
    Keyspace::ExclusiveSection section(&ks);
    in_section = true;
    EXPECT_EQ(ks.pubsub().Publish("news", "one"), 1);
    ASSERT_TRUE(ks.Set(0, "a", "1").ok());
    EXPECT_EQ(ks.pubsub().Publish("news", "two"), 1);
    EXPECT_TRUE(got.empty());
    in_section = false;
  }
  EXPECT_EQ(got, (std::vector<std::string>{"news=one", "__keyevent@0__:set=a", "news=two"}));
  EXPECT_EQ(ks.pubsub().Publish("news", "three"), 1);  // outside: at once
  EXPECT_EQ(got.back(), "news=three");
  ks.pubsub().UnsubscribeAll(sub.get());
}

}  // namespace
}  // namespace embedis
