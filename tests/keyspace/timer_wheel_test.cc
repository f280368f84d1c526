#include "lib/keyspace/timer_wheel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <new>
#include <random>
#include <vector>

#include "gtest/gtest.h"

// Counts heap allocations, so that tests can prove the wheel allocates nothing.
namespace {
std::atomic<int64_t> g_allocations{0};
}  // namespace

void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace embedis {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kSecond = 1000;
constexpr int64_t kDay = 86'400 * kSecond;
constexpr int64_t kYear = 365 * kDay;
constexpr int64_t kStart = 1'700'000'000'123;  // an ordinary epoch time in ms

// A node that knows its index, so tests can map fired nodes back.
struct Timer {
  TimerNode node;
  int id = 0;
  int64_t fired_at = -1;  // the `now` of the Advance that fired it
  int fire_count = 0;
};

Timer* Of(TimerNode* n) {
  return reinterpret_cast<Timer*>(reinterpret_cast<char*>(n) - offsetof(Timer, node));
}

std::vector<Timer> MakeTimers(int n) {
  std::vector<Timer> timers(n);
  for (int i = 0; i < n; ++i) timers[i].id = i;
  return timers;
}

// Advances and records, in each fired Timer, the `now` that fired it.
size_t AdvanceRecord(TimerWheel& wheel, int64_t now, size_t max_fire = 0) {
  return wheel.Advance(
      now,
      [now](TimerNode* n) {
        EXPECT_FALSE(n->linked());
        Timer* t = Of(n);
        t->fired_at = now;
        ++t->fire_count;
      },
      max_fire);
}

TEST(TimerWheel, FiresAtFirstAdvanceAtOrAfterDeadlineNeverEarly) {
  TimerWheel wheel(100, kStart);
  std::mt19937_64 rng(1);
  auto timers = MakeTimers(5000);
  for (Timer& t : timers) {
    int64_t d = kStart + static_cast<int64_t>(rng() % 30'000);
    wheel.Schedule(&t.node, d);
  }
  // Advance in uneven steps of 1..37 ms: every timer must fire at exactly the
  // first `now` >= its deadline.
  int64_t prev = kMin;
  for (int64_t now = kStart; now <= kStart + 31'000; now += 1 + static_cast<int64_t>(rng() % 37)) {
    AdvanceRecord(wheel, now);
    for (const Timer& t : timers) {
      if (t.fired_at == now) {
        ASSERT_LE(t.node.deadline_ms, now) << "fired early";
        ASSERT_GT(t.node.deadline_ms, prev) << "fired late";
      }
    }
    prev = now;
  }
  EXPECT_EQ(wheel.size(), 0u);
  for (const Timer& t : timers) EXPECT_EQ(t.fire_count, 1);
}

TEST(TimerWheel, FiresWithinOneTickWhenAdvancedByTicks) {
  constexpr int64_t kTick = 100;
  TimerWheel wheel(kTick, kStart);
  std::mt19937_64 rng(2);
  auto timers = MakeTimers(20'000);
  // Deadlines up to ~2 hours: they cross level 0, 1 and 2 and are cascaded.
  for (Timer& t : timers) {
    wheel.Schedule(&t.node, kStart + static_cast<int64_t>(rng() % (2 * 3600 * kSecond)));
  }
  int64_t now = kStart;
  while (wheel.size() > 0) {
    now += kTick;
    AdvanceRecord(wheel, now);
    ASSERT_LE(now, kStart + 2 * 3600 * kSecond + kTick);
  }
  for (const Timer& t : timers) {
    ASSERT_EQ(t.fire_count, 1);
    EXPECT_LE(t.node.deadline_ms, t.fired_at);
    EXPECT_LT(t.fired_at - t.node.deadline_ms, kTick);
  }
}

TEST(TimerWheel, CancelledTimerNeverFires) {
  TimerWheel wheel(100, kStart);
  auto timers = MakeTimers(1000);
  for (int i = 0; i < 1000; ++i) wheel.Schedule(&timers[i].node, kStart + i * 37);
  for (int i = 0; i < 1000; i += 2) wheel.Cancel(&timers[i].node);
  wheel.Cancel(&timers[0].node);  // cancelling twice is a no-op
  EXPECT_EQ(wheel.size(), 500u);
  EXPECT_EQ(AdvanceRecord(wheel, kStart + kYear), 500u);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(timers[i].fire_count, i % 2) << i;
    EXPECT_FALSE(timers[i].node.linked());
  }
  EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheel, RescheduleManyTimesAllocatesNothing) {
  auto timers = MakeTimers(2);
  TimerWheel wheel(100, kStart);
  wheel.Schedule(&timers[1].node, kStart + 5 * kSecond);
  std::mt19937_64 rng(3);
  const int64_t before = g_allocations.load();
  for (int i = 0; i < 1'000'000; ++i) {
    // Move across all levels, the past and the far future.
    int64_t d;
    switch (i % 4) {
      case 0:
        d = kStart + static_cast<int64_t>(rng() % 10'000);
        break;
      case 1:
        d = kStart + static_cast<int64_t>(rng() % (10 * kYear));
        break;
      case 2:
        d = kStart - static_cast<int64_t>(rng() % 10'000);
        break;
      default:
        d = kMax - static_cast<int64_t>(rng() % 1000);
        break;
    }
    wheel.Schedule(&timers[0].node, d);
    if (wheel.size() != 2) break;
  }
  wheel.Schedule(&timers[0].node, kStart + 2 * kSecond);
  // Advancing without firing allocates nothing either.
  int64_t now = kStart;
  for (int i = 0; i < 10; ++i) AdvanceRecord(wheel, now += 100);
  const int64_t after = g_allocations.load();
  EXPECT_EQ(after - before, 0) << "the wheel allocated";
  EXPECT_EQ(wheel.size(), 2u);
  EXPECT_EQ(AdvanceRecord(wheel, kStart + 2 * kSecond - 1), 0u);
  EXPECT_EQ(AdvanceRecord(wheel, kStart + 2 * kSecond), 1u);
  EXPECT_EQ(timers[0].fire_count, 1);
  EXPECT_EQ(timers[1].fire_count, 0);
  EXPECT_EQ(wheel.size(), 1u);
}

TEST(TimerWheel, FarDeadlinesNeverFireEarly) {
  const std::vector<int64_t> deadlines = {
      kStart + kDay,
      kStart + kYear,
      kStart + 100 * kYear,
      kStart + 10'000 * kYear,
      kMax / 2,
      kMax - 1'000,
      kMax - 1,
      kMax,
  };
  for (int64_t tick : {1, 100, 1000}) {
    SCOPED_TRACE(tick);
    TimerWheel wheel(tick, kStart);
    auto timers = MakeTimers(static_cast<int>(deadlines.size()));
    for (size_t i = 0; i < deadlines.size(); ++i) wheel.Schedule(&timers[i].node, deadlines[i]);
    // Small steps first (the stepping path and its cascades).
    int64_t now = kStart;
    for (int i = 0; i < 5000; ++i) EXPECT_EQ(AdvanceRecord(wheel, now += 3 * tick), 0u);
    // Then, for each deadline: jump to just before it, then onto it.
    for (size_t i = 0; i < deadlines.size(); ++i) {
      EXPECT_EQ(AdvanceRecord(wheel, deadlines[i] - 1), 0u) << i;
      EXPECT_EQ(timers[i].fire_count, 0) << i;
      EXPECT_EQ(AdvanceRecord(wheel, deadlines[i]), 1u) << i;
      EXPECT_EQ(timers[i].fire_count, 1) << i;
      EXPECT_EQ(timers[i].fired_at, deadlines[i]) << i;
    }
    EXPECT_EQ(wheel.size(), 0u);
  }
}

TEST(TimerWheel, FarDeadlineSurvivesTopLevelWrapInSmallSteps) {
  // Start just before a multiple of 64^6 ticks, so that small steps cross the
  // top level's wrap and cascade the slot where far deadlines are parked.
  constexpr int64_t kWrap = int64_t{1} << 36;
  TimerWheel wheel(1, kWrap - 500);
  auto timers = MakeTimers(4);
  wheel.Schedule(&timers[0].node, kWrap + (int64_t{1} << 40));  // far
  wheel.Schedule(&timers[1].node, kMax);                        // farthest
  wheel.Schedule(&timers[2].node, kWrap + 3);                   // just after the wrap
  wheel.Schedule(&timers[3].node, kWrap + 5000);                // level 2 after the wrap
  int64_t now = kWrap - 500;
  for (int i = 0; i < 6000; ++i) {
    AdvanceRecord(wheel, ++now);
    EXPECT_EQ(timers[0].fire_count + timers[1].fire_count, 0);
  }
  EXPECT_EQ(timers[2].fired_at, kWrap + 3);
  EXPECT_EQ(timers[3].fired_at, kWrap + 5000);
  EXPECT_EQ(AdvanceRecord(wheel, kWrap + (int64_t{1} << 40) - 1), 0u);
  EXPECT_EQ(AdvanceRecord(wheel, kWrap + (int64_t{1} << 40)), 1u);
  EXPECT_EQ(timers[0].fire_count, 1);
  EXPECT_EQ(AdvanceRecord(wheel, kMax - 1), 0u);
  EXPECT_EQ(AdvanceRecord(wheel, kMax), 1u);
  EXPECT_EQ(timers[1].fire_count, 1);
}

TEST(TimerWheel, ManyTimersInOneSlot) {
  constexpr int kN = 100'000;
  TimerWheel wheel(100, kStart);
  auto timers = MakeTimers(kN);
  const int64_t base = (kStart / 100 + 50) * 100;  // the start of one tick
  for (int i = 0; i < kN; ++i) wheel.Schedule(&timers[i].node, base + i % 100);
  EXPECT_EQ(AdvanceRecord(wheel, base - 1), 0u);
  // Half of the tick has passed: exactly the timers due by now fire.
  EXPECT_EQ(AdvanceRecord(wheel, base + 49), static_cast<size_t>(kN / 2));
  for (int i = 0; i < kN; ++i) ASSERT_EQ(timers[i].fire_count, i % 100 <= 49 ? 1 : 0) << i;
  EXPECT_EQ(AdvanceRecord(wheel, base + 49), 0u);  // again within the same tick
  EXPECT_EQ(AdvanceRecord(wheel, base + 99), static_cast<size_t>(kN / 2));
  for (const Timer& t : timers) ASSERT_EQ(t.fire_count, 1);
  EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheel, PastDeadlinesFireOnNextAdvance) {
  TimerWheel wheel(100, kStart);
  auto timers = MakeTimers(5);
  AdvanceRecord(wheel, kStart + 12'345);
  const int64_t now = kStart + 12'345;
  wheel.Schedule(&timers[0].node, now);
  wheel.Schedule(&timers[1].node, now - 1);
  wheel.Schedule(&timers[2].node, now - kYear);
  wheel.Schedule(&timers[3].node, kMin);
  wheel.Schedule(&timers[4].node, now + 1);
  EXPECT_EQ(AdvanceRecord(wheel, now), 4u);  // same `now`: the wheel does not move
  EXPECT_EQ(timers[4].fire_count, 0);
  EXPECT_EQ(AdvanceRecord(wheel, now + 1), 1u);
  EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheel, HugeJumpFiresAllTimersQuickly) {
  constexpr int kN = 100'000;
  for (int64_t tick : {1, 100}) {
    SCOPED_TRACE(tick);
    TimerWheel wheel(tick, kStart);
    auto timers = MakeTimers(kN);
    std::mt19937_64 rng(4);
    for (Timer& t : timers) {
      wheel.Schedule(&t.node, kStart + 1 + static_cast<int64_t>(rng() % kYear));
    }
    // One tick-by-tick walk over a year at 1 ms would take minutes; this must not.
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(AdvanceRecord(wheel, kStart + kYear), static_cast<size_t>(kN));
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    EXPECT_LT(elapsed, std::chrono::seconds(2));
    EXPECT_EQ(wheel.size(), 0u);
    for (const Timer& t : timers) ASSERT_EQ(t.fire_count, 1);
  }
}

TEST(TimerWheel, JumpsFireExactlyTheDueTimers) {
  constexpr int kN = 100'000;
  TimerWheel wheel(100, kStart);
  auto timers = MakeTimers(kN);
  std::mt19937_64 rng(5);
  for (Timer& t : timers) {
    wheel.Schedule(&t.node, kStart + 1 + static_cast<int64_t>(rng() % kYear));
  }
  size_t total = 0;
  int64_t prev = kStart;
  for (int64_t now = kStart + 7 * kDay + 12'345; prev < kStart + kYear; now += 7 * kDay + 12'345) {
    total += AdvanceRecord(wheel, now);
    prev = now;
  }
  EXPECT_EQ(total, static_cast<size_t>(kN));
  for (const Timer& t : timers) {
    ASSERT_EQ(t.fire_count, 1);
    ASSERT_LE(t.node.deadline_ms, t.fired_at);
    ASSERT_LT(t.fired_at - t.node.deadline_ms, 7 * kDay + 12'345);
  }
}

TEST(TimerWheel, CallbackMayCancelAndRescheduleOthersInSameSlot) {
  for (int64_t jump : {int64_t{1}, int64_t{100}, kYear}) {  // current slot, stepping, jump
    SCOPED_TRACE(jump);
    constexpr int kN = 3000;
    TimerWheel wheel(100, kStart);
    auto timers = MakeTimers(kN);
    const int64_t due = kStart + jump;
    for (Timer& t : timers) wheel.Schedule(&t.node, due);  // all in one slot
    std::vector<int> order;
    const size_t fired = wheel.Advance(due, [&](TimerNode* n) {
      Timer* t = Of(n);
      order.push_back(t->id);
      ++t->fire_count;
      // Every fired timer cancels another one and moves a third to later.
      int cancel = (t->id * 7 + 1) % kN;
      int move = (t->id * 13 + 5) % kN;
      if (timers[cancel].fire_count == 0) wheel.Cancel(&timers[cancel].node);
      if (timers[move].fire_count == 0) wheel.Schedule(&timers[move].node, due + kDay);
      if (t->id % 3 == 0) wheel.Schedule(n, due + 2 * kDay);  // re-arm itself
    });
    EXPECT_EQ(fired, order.size());
    std::vector<int> fire_counts(kN);
    for (int id : order) {
      ++fire_counts[id];
      EXPECT_EQ(fire_counts[id], 1);
    }
    // What is still linked must be exactly what was moved or re-armed.
    size_t linked = 0;
    for (const Timer& t : timers) {
      if (!t.node.linked()) continue;
      ++linked;
      EXPECT_GT(t.node.deadline_ms, due);
    }
    EXPECT_EQ(linked, wheel.size());
    EXPECT_EQ(AdvanceRecord(wheel, due + kDay - 1), 0u);
    AdvanceRecord(wheel, due + 2 * kDay);
    EXPECT_EQ(wheel.size(), 0u);
    for (const Timer& t : timers) EXPECT_FALSE(t.node.linked());
  }
}

TEST(TimerWheel, CallbackMayFreeFiredNode) {
  TimerWheel wheel(10, kStart);
  for (int i = 0; i < 1000; ++i) {
    auto* t = new Timer;
    t->id = i;
    wheel.Schedule(&t->node, kStart + i);
  }
  size_t fired = 0;
  for (int64_t now = kStart; wheel.size() > 0; now += 7) {
    fired += wheel.Advance(now, [](TimerNode* n) { delete Of(n); });
  }
  EXPECT_EQ(fired, 1000u);  // ASan reports any use after free
}

TEST(TimerWheel, CallbackReschedulingIntoThePastDoesNotLoop) {
  for (int64_t step : {int64_t{0}, int64_t{100}, int64_t{5000}, kYear}) {
    SCOPED_TRACE(step);
    TimerWheel wheel(100, kStart);
    Timer t;
    wheel.Schedule(&t.node, kStart);
    int64_t now = kStart;
    int calls = 0;
    for (int i = 0; i < 5; ++i) {
      now += step;
      const size_t fired = wheel.Advance(now, [&](TimerNode* n) {
        ++calls;
        wheel.Schedule(n, now - 1000);  // always due again
      });
      EXPECT_GE(fired, 1u);                                   // it was due
      EXPECT_LE(fired, static_cast<size_t>(step / 100 + 2));  // at most once per tick stepped
      EXPECT_TRUE(t.node.linked());
    }
    wheel.Cancel(&t.node);
    EXPECT_EQ(AdvanceRecord(wheel, now + 1000), 0u);
  }
}

TEST(TimerWheel, MaxFireBoundsEachCall) {
  for (int64_t jump : {int64_t{50}, int64_t{3000}, kYear}) {  // current slot, stepping, jump
    SCOPED_TRACE(jump);
    constexpr int kN = 1000;
    auto timers = MakeTimers(kN);
    Timer later;
    TimerWheel wheel(100, kStart);
    for (int i = 0; i < kN; ++i) wheel.Schedule(&timers[i].node, kStart + (i * 31) % (jump + 1));
    wheel.Schedule(&later.node, kStart + jump + 1);  // never due here
    const size_t not_due = 1;
    size_t total = 0;
    int calls = 0;
    while (total < kN) {
      const size_t fired = AdvanceRecord(wheel, kStart + jump, 64);
      ASSERT_EQ(fired, std::min<size_t>(64, kN - total));
      total += fired;
      ASSERT_LT(++calls, 100);
    }
    EXPECT_EQ(AdvanceRecord(wheel, kStart + jump, 64), 0u);
    for (const Timer& t : timers) EXPECT_EQ(t.fire_count, 1);
    EXPECT_EQ(wheel.size(), not_due);
  }
}

TEST(TimerWheel, DestructorUnlinksNodes) {
  auto timers = MakeTimers(3);
  {
    TimerWheel wheel(100, kStart);
    wheel.Schedule(&timers[0].node, kStart);
    wheel.Schedule(&timers[1].node, kStart + kDay);
    wheel.Schedule(&timers[2].node, kMax);
  }
  for (const Timer& t : timers) EXPECT_FALSE(t.node.linked());
}

// Random schedule/cancel/move/advance steps, checked after every Advance
// against a std::multimap of deadlines. With `callback_ops`, the fire callback
// also schedules, moves and cancels random nodes.
void RunRandomized(uint64_t seed, int64_t tick, int steps, bool callback_ops) {
  SCOPED_TRACE(testing::Message() << "seed " << seed << " tick " << tick);
  constexpr int kTimers = 400;
  std::mt19937_64 rng(seed);
  auto rnd = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
  int64_t now = kStart + rnd(1'000'000);
  auto timers = MakeTimers(kTimers);  // declared first: outlives the wheel
  TimerWheel wheel(tick, now);
  std::multimap<int64_t, int> ref;  // deadline -> timer id
  std::vector<std::multimap<int64_t, int>::iterator> where(kTimers, ref.end());

  auto random_deadline = [&]() -> int64_t {
    switch (rnd(10)) {
      case 0:
        return now - rnd(10 * tick + 1);  // past
      case 1:
        return now;  // now
      case 2:
        return now + rnd(tick);  // this tick
      case 3:
      case 4:
        return now + rnd(64 * tick);  // level 0
      case 5:
        return now + rnd(4096 * tick);  // level 1
      case 6:
        return now + rnd(64 * 4096 * tick);  // level 2..3
      case 7:
        return now + rnd(10 * kYear);  // up to years
      case 8:
        return kMax - rnd(10);  // INT64_MAX-ish
      default:
        return now + rnd(500 * tick);
    }
  };
  auto schedule = [&](int id, int64_t d) {
    if (where[id] != ref.end()) ref.erase(where[id]);
    where[id] = ref.emplace(d, id);
    wheel.Schedule(&timers[id].node, d);
  };

  for (int step = 0; step < steps; ++step) {
    const int id = static_cast<int>(rnd(kTimers));
    const int64_t op = rnd(100);
    if (op < 35) {  // schedule or move
      schedule(id, random_deadline());
    } else if (op < 45) {  // cancel
      if (where[id] != ref.end()) {
        ref.erase(where[id]);
        where[id] = ref.end();
      }
      wheel.Cancel(&timers[id].node);
    } else {  // advance
      int64_t next;
      switch (rnd(14)) {
        case 12:
        case 13: {
          // Exactly onto (or 1 ms before) a pending deadline, near or far:
          // the boundary where "never early" and "never late" meet.
          auto it = ref.lower_bound(now + (rnd(2) ? rnd(100 * tick) : rnd(2 * kYear)));
          next = now + tick;
          if (it != ref.end() && it->first < kMax / 2) next = it->first - rnd(2);
          break;
        }
        case 0:
          next = now;
          break;
        case 1:
          next = now + rnd(tick);
          break;
        case 2:
        case 3:
        case 4:
          next = now + tick;
          break;
        case 5:
        case 6:
          next = now + rnd(70 * tick);
          break;
        case 7:
          next = now + rnd(5000 * tick);
          break;
        case 8:
          next = now + rnd(kDay);
          break;
        case 9:
          next = now + rnd(3 * kYear);
          break;
        case 10:
          next = now - rnd(3 * tick);
          break;  // a step back: must not misbehave
        default:
          next = now + rnd(3 * tick);
          break;
      }
      const size_t max_fire = rnd(8) == 0 ? static_cast<size_t>(1 + rnd(20)) : 0;
      if (callback_ops) {
        // The callback checks each fired node against the reference and
        // moves or cancels itself and random others (into the future only:
        // a node re-armed into the past may fire in this or the next call).
        auto future = [&] { return next + 1 + (rnd(2) ? rnd(100 * tick) : rnd(kYear)); };
        const size_t n = wheel.Advance(
            next,
            [&](TimerNode* node) {
              ASSERT_FALSE(node->linked());
              const int f = Of(node)->id;
              ASSERT_NE(where[f], ref.end()) << "fired a cancelled node, step " << step;
              ASSERT_LE(where[f]->first, next) << "fired early, step " << step;
              ref.erase(where[f]);
              where[f] = ref.end();
              if (rnd(4) == 0) schedule(f, future());
              const int other = static_cast<int>(rnd(kTimers));
              switch (rnd(4)) {
                case 0:
                  schedule(other, future());
                  break;
                case 1:
                  if (where[other] != ref.end()) ref.erase(where[other]);
                  where[other] = ref.end();
                  wheel.Cancel(&timers[other].node);
                  break;
                default:
                  break;
              }
            },
            max_fire);
        if (max_fire != 0) {
          ASSERT_LE(n, max_fire);
        }
        if (max_fire == 0 || n < max_fire) {
          ASSERT_TRUE(ref.empty() || ref.begin()->first > next)
              << "a due node did not fire, step " << step;
        }
        now = std::max(now, next);
        ASSERT_EQ(wheel.size(), ref.size()) << "step " << step;
        continue;
      }
      std::vector<int> fired;
      const size_t n = wheel.Advance(
          next,
          [&](TimerNode* node) {
            ASSERT_FALSE(node->linked());
            fired.push_back(Of(node)->id);
          },
          max_fire);
      ASSERT_EQ(n, fired.size());
      now = std::max(now, next);
      // The due set according to the reference.
      std::vector<int> due;
      for (auto it = ref.begin(); it != ref.end() && it->first <= next; ++it) {
        due.push_back(it->second);
      }
      std::sort(due.begin(), due.end());
      std::sort(fired.begin(), fired.end());
      if (max_fire == 0) {
        ASSERT_EQ(fired, due) << "step " << step << " now " << next;
      } else {
        ASSERT_EQ(fired.size(), std::min(max_fire, due.size())) << "step " << step;
        ASSERT_TRUE(std::includes(due.begin(), due.end(), fired.begin(), fired.end()))
            << "step " << step;
      }
      for (int f : fired) {
        ref.erase(where[f]);
        where[f] = ref.end();
      }
    }
    ASSERT_EQ(wheel.size(), ref.size()) << "step " << step;
  }
}

TEST(TimerWheel, RandomizedMatchesReference) {
  for (uint64_t seed : {1, 2, 3, 4, 5, 6}) {
    for (int64_t tick : {1, 7, 100}) RunRandomized(seed, tick, 6000, /*callback_ops=*/false);
  }
}

TEST(TimerWheel, RandomizedWithCallbackOpsMatchesReference) {
  for (uint64_t seed : {11, 12, 13, 14, 15, 16}) {
    for (int64_t tick : {1, 7, 100}) RunRandomized(seed, tick, 6000, /*callback_ops=*/true);
  }
}

}  // namespace
}  // namespace embedis
