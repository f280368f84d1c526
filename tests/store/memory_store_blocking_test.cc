// MemoryStore's blocking pops beyond the conformance suite: waits on a ManualClock, wake-ups
// from every writer of a shared keyspace, strict first-come-first-served order among many
// waiters, and no element lost or served twice under contention.
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/store/blocked_callers.h"
#include "lib/store/memory_store.h"
#include "lib/util/clock.h"
#include "lib/util/status_matchers.h"

namespace embedis {
namespace {

using ::embedis::testing::IsOkAndHolds;
using ::testing::Optional;
using ::testing::Pair;
using Keys = std::vector<std::string_view>;

std::unique_ptr<Store> OpenOn(Keyspace* ks, int db = 0) {
  auto s = NewMemoryStore({.shared_keyspace = ks, .db = db});
  EXPECT_TRUE(s.ok()) << s.status();
  return std::move(*s);
}

// Waits (really) until `n` callers are blocked on `ks`.
void AwaitWaiters(Keyspace* ks, size_t n) {
  std::shared_ptr<BlockedCallers> callers = BlockedCallers::For(ks);
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (callers->waiting() < n && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_EQ(callers->waiting(), n);
}

TEST(MemoryStoreBlocking, ManualClockAdvancePastTheDeadlineEndsTheWait) {
  ManualClock clock;
  Keyspace ks({.clock = &clock});
  std::unique_ptr<Store> s = OpenOn(&ks);
  const absl::Time start = absl::Now();
  std::thread advancer([&] {
    AwaitWaiters(&ks, 1);
    clock.Advance(absl::Seconds(59));  // not yet
    absl::SleepFor(absl::Milliseconds(50));
    clock.Advance(absl::Seconds(2));
  });
  EXPECT_THAT(s->BLPop(Keys{"q"}, absl::Seconds(60)), IsOkAndHolds(std::nullopt));
  advancer.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));  // not the 60 s of real time
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(40));
}

TEST(MemoryStoreBlocking, ManualClockThatNeverMovesStillTimesOutInRealTime) {
  ManualClock clock;
  Keyspace ks({.clock = &clock});
  std::unique_ptr<Store> s = OpenOn(&ks);
  const absl::Time start = absl::Now();
  EXPECT_THAT(s->BRPop(Keys{"q"}, absl::Milliseconds(150)), IsOkAndHolds(std::nullopt));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(140));
  EXPECT_EQ(BlockedCallers::For(&ks)->waiting(), 0u);
}

TEST(MemoryStoreBlocking, AnyWriterOfTheKeyspaceWakesTheWaiter) {
  Keyspace ks;
  std::unique_ptr<Store> waiter = OpenOn(&ks);
  std::unique_ptr<Store> other = OpenOn(&ks);
  std::unique_ptr<Store> other_db = OpenOn(&ks, 1);
  // Another store on the same keyspace.
  std::thread t1([&] {
    AwaitWaiters(&ks, 1);
    EXPECT_THAT(other->RPush("q", Keys{"from another store"}), IsOkAndHolds(1));
  });
  EXPECT_THAT(waiter->BLPop(Keys{"q"}, absl::Seconds(10)),
              IsOkAndHolds(Optional(Pair("q", "from another store"))));
  t1.join();
  // The application writing the keyspace directly (what an embedded server's clients do). A
  // push to the same key in another database does not serve it.
  std::thread t2([&] {
    AwaitWaiters(&ks, 1);
    EXPECT_THAT(other_db->RPush("q", Keys{"db 1"}), IsOkAndHolds(1));
    ks.Update(0, "q", [](KeyHandle& h) { h.CreateList().PushBack("direct"); });
  });
  EXPECT_THAT(waiter->BLPop(Keys{"q"}, absl::Seconds(10)),
              IsOkAndHolds(Optional(Pair("q", "direct"))));
  t2.join();
  EXPECT_THAT(other_db->LLen("q"), IsOkAndHolds(1));
  // A RENAME onto the waited key.
  std::thread t3([&] {
    AwaitWaiters(&ks, 1);
    EXPECT_OK(other->RPush("tmp", Keys{"renamed"}));
    EXPECT_THAT(other->Command({"RENAME", "tmp", "q"}),
                IsOkAndHolds(resp::Value::SimpleString("OK")));
  });
  EXPECT_THAT(waiter->BRPop(Keys{"q"}, absl::ZeroDuration()),
              IsOkAndHolds(Optional(Pair("q", "renamed"))));
  t3.join();
  EXPECT_EQ(BlockedCallers::For(&ks)->waiting(), 0u);
}

TEST(MemoryStoreBlocking, ManyWaitersAreServedInArrivalOrder) {
  Keyspace ks;
  std::unique_ptr<Store> s = OpenOn(&ks);
  constexpr int kWaiters = 6;
  std::vector<std::string> got(kWaiters);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&, i] {
      // Every other waiter also waits on a key nobody pushes to.
      Keys keys = i % 2 ? Keys{"never", "q"} : Keys{"q"};
      auto r = s->BLPop(keys, absl::Seconds(20));
      ASSERT_OK(r);
      ASSERT_TRUE(r->has_value());
      got[i] = (*r)->second;
    });
    AwaitWaiters(&ks, i + 1);
  }
  // Elements arrive one push at a time, and then several at once.
  EXPECT_OK(s->RPush("q", Keys{"0"}));
  EXPECT_OK(s->RPush("q", Keys{"1"}));
  EXPECT_OK(s->RPush("q", Keys{"2", "3", "4", "5"}));
  for (auto& t : threads) t.join();
  for (int i = 0; i < kWaiters; ++i) EXPECT_EQ(got[i], std::to_string(i)) << "waiter " << i;
  EXPECT_THAT(s->Exists(Keys{"q"}), IsOkAndHolds(0));
}

TEST(MemoryStoreBlocking, EveryElementIsServedExactlyOnceUnderContention) {
  Keyspace ks({.shards = 4});
  std::unique_ptr<Store> s = OpenOn(&ks);
  constexpr int kConsumers = 4, kProducers = 3, kPerProducer = 300;
  std::atomic<int> remaining{kProducers * kPerProducer};
  std::vector<std::vector<std::string>> got(kConsumers);
  std::vector<std::thread> threads;
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&, c] {
      while (remaining.load() > 0) {
        auto r = c % 2 ? s->BRPop(Keys{"a", "b"}, absl::Milliseconds(50))
                       : s->BLPop(Keys{"b", "a"}, absl::Milliseconds(50));
        ASSERT_OK(r);
        if (r->has_value()) {
          got[c].push_back((*r)->second);
          remaining.fetch_sub(1);
        }
      }
    });
  }
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        std::string e = std::to_string(p) + ":" + std::to_string(i);
        EXPECT_OK(i % 3 ? s->RPush(i % 2 ? "a" : "b", Keys{e}) : s->LPush("a", Keys{e}));
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  size_t total = 0;
  for (const auto& v : got) {
    all.insert(v.begin(), v.end());
    total += v.size();
  }
  EXPECT_EQ(total, static_cast<size_t>(kProducers * kPerProducer));
  EXPECT_EQ(all.size(), total);  // none twice
  EXPECT_THAT(s->DbSize(), IsOkAndHolds(0));
  EXPECT_EQ(BlockedCallers::For(&ks)->waiting(), 0u);
}

TEST(MemoryStoreBlocking, GenericBlockingCommandsBlock) {
  Keyspace ks;
  std::unique_ptr<Store> s = OpenOn(&ks);
  std::thread pusher([&] {
    AwaitWaiters(&ks, 1);
    EXPECT_OK(s->RPush("src", Keys{"x"}));
  });
  // BLMOVE: its timeout reply would be a null bulk string; here it is served.
  EXPECT_THAT(s->Command({"BLMOVE", "src", "dst", "LEFT", "RIGHT", "5"}),
              IsOkAndHolds(resp::Value::BulkString("x")));
  pusher.join();
  EXPECT_THAT(s->LRange("dst", 0, -1), IsOkAndHolds(::testing::ElementsAre("x")));
  EXPECT_THAT(s->Command({"BRPOPLPUSH", "src", "dst", "0.05"}),
              IsOkAndHolds(resp::Value::NullArray()));
}

}  // namespace
}  // namespace embedis
