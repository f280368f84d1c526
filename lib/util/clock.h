// Clock: where embedis reads the time, so tests can replace it.
//
// Every TTL in embedis goes through a Clock. Production code uses
// Clock::Real() (the system clock). Tests use ManualClock, whose Advance()
// moves time forward and synchronously runs every listener registered on it,
// so a keyspace expires its keys during Advance() without any sleep (like
// miniredis's FastForward).
//
//   ManualClock clock;
//   Keyspace ks({.clock = &clock});
//   ks.Set(0, "k", "v", {.expire = ExpireAt::In(absl::Seconds(10))});
//   clock.Advance(absl::Seconds(11));   // "k" is gone, and reclaimed, here
//
// Thread safety: all methods may be called from any thread.
#ifndef EMBEDIS_LIB_UTIL_CLOCK_H_
#define EMBEDIS_LIB_UTIL_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "lib/util/mutex.h"

namespace embedis {

class Clock {
 public:
  virtual ~Clock() = default;

  // Microseconds since the Unix epoch.
  virtual int64_t NowMicros() const = 0;

  // Milliseconds since the Unix epoch (Redis's unit for expiry times).
  int64_t NowMs() const { return NowMicros() / 1000; }
  absl::Time Now() const { return absl::FromUnixMicros(NowMicros()); }

  // True for clocks that only move when told to (ManualClock). Components that
  // would otherwise run a background thread on the system clock (the
  // keyspace's expiry driver) subscribe with AddListener() instead.
  virtual bool IsManual() const { return false; }

  using Listener = std::function<void(int64_t now_ms)>;
  // Registers `fn` to run after each time the clock moves; returns an id for
  // RemoveListener. Only manual clocks call listeners; the real clock returns
  // 0 and never calls them.
  virtual int AddListener(Listener fn) { return 0; }
  // Unregisters a listener. When this returns, the listener is not running and
  // will not run again.
  virtual void RemoveListener(int id) {}

  // The process-wide system clock. Never null; not owned by the caller.
  static Clock* Real();
};

// A clock that moves only when told to. Time starts at `start` (default
// 2026-01-01T00:00:00Z) and never goes backwards.
class ManualClock : public Clock {
 public:
  explicit ManualClock(absl::Time start = absl::FromUnixSeconds(1767225600));

  int64_t NowMicros() const override { return now_us_.load(std::memory_order_acquire); }
  bool IsManual() const override { return true; }
  int AddListener(Listener fn) override;
  void RemoveListener(int id) override;

  // Moves time forward by `d` (negative values are treated as zero), then runs
  // every listener with the new time, on this thread, before returning.
  void Advance(absl::Duration d);
  // Moves time forward to `t` (no-op if `t` is not later than now), then runs
  // the listeners.
  void AdvanceTo(absl::Time t);

 private:
  std::atomic<int64_t> now_us_;
  // Held while listeners run, so RemoveListener() waits for a running one and
  // two Advance() calls never interleave their listener runs.
  Mutex mu_;
  int next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<int, Listener> listeners_ ABSL_GUARDED_BY(mu_);
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_UTIL_CLOCK_H_
