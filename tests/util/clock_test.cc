#include "lib/util/clock.h"

#include <chrono>
#include <cstdlib>
#include <vector>

#include "gtest/gtest.h"

namespace embedis {
namespace {

TEST(Clock, RealClockIsNearSystemTime) {
  int64_t a = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  int64_t b = Clock::Real()->NowMicros();
  EXPECT_LT(std::abs(a - b), 5'000'000);
  EXPECT_FALSE(Clock::Real()->IsManual());
}

TEST(ManualClock, StartsAtGivenTimeAndOnlyMovesWhenAdvanced) {
  ManualClock clock(absl::FromUnixSeconds(1000));
  EXPECT_EQ(clock.NowMs(), 1'000'000);
  EXPECT_EQ(clock.NowMs(), 1'000'000);
  clock.Advance(absl::Milliseconds(1500));
  EXPECT_EQ(clock.NowMs(), 1'001'500);
  EXPECT_EQ(clock.Now(), absl::FromUnixMillis(1'001'500));
}

TEST(ManualClock, NeverGoesBackwards) {
  ManualClock clock(absl::FromUnixSeconds(1000));
  clock.Advance(-absl::Seconds(5));
  EXPECT_EQ(clock.NowMs(), 1'000'000);
  clock.AdvanceTo(absl::FromUnixSeconds(10));
  EXPECT_EQ(clock.NowMs(), 1'000'000);
  clock.AdvanceTo(absl::FromUnixSeconds(2000));
  EXPECT_EQ(clock.NowMs(), 2'000'000);
}

TEST(ManualClock, AdvanceRunsListenersSynchronouslyWithNewTime) {
  ManualClock clock(absl::FromUnixSeconds(1000));
  std::vector<int64_t> seen;
  int id = clock.AddListener([&](int64_t now_ms) { seen.push_back(now_ms); });
  clock.Advance(absl::Seconds(1));
  clock.Advance(absl::Seconds(2));
  EXPECT_EQ(seen, (std::vector<int64_t>{1'001'000, 1'003'000}));
  clock.RemoveListener(id);
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(seen.size(), 2u);
}

}  // namespace
}  // namespace embedis
