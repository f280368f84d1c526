#include "lib/util/clock.h"

#include <chrono>
#include <utility>

namespace embedis {
namespace {

class SystemClock : public Clock {
 public:
  int64_t NowMicros() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

Clock* Clock::Real() {
  static SystemClock* const clock = new SystemClock();
  return clock;
}

ManualClock::ManualClock(absl::Time start) : now_us_(absl::ToUnixMicros(start)) {}

int ManualClock::AddListener(Listener fn) {
  MutexLock lock(&mu_);
  int id = next_id_++;
  listeners_.emplace(id, std::move(fn));
  return id;
}

void ManualClock::RemoveListener(int id) {
  MutexLock lock(&mu_);
  listeners_.erase(id);
}

void ManualClock::Advance(absl::Duration d) {
  if (d < absl::ZeroDuration()) d = absl::ZeroDuration();
  MutexLock lock(&mu_);
  int64_t now = now_us_.load(std::memory_order_relaxed) + absl::ToInt64Microseconds(d);
  now_us_.store(now, std::memory_order_release);
  for (auto& [id, fn] : listeners_) fn(now / 1000);
}

void ManualClock::AdvanceTo(absl::Time t) {
  Advance(absl::FromUnixMicros(absl::ToUnixMicros(t)) -
          absl::FromUnixMicros(now_us_.load(std::memory_order_acquire)));
}

}  // namespace embedis
