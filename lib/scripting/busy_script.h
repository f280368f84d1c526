// BusyScript: the script (EVAL and its kin, or FCALL) that runs now, as far as other clients
// and SCRIPT KILL / FUNCTION KILL / FUNCTION STATS care: when it started, whether it has run past
// busy-reply-threshold (it is then "busy": other clients get -BUSY), whether it wrote, and
// whether SCRIPT KILL asked it to stop.
//
// Thread safety: every method may be called from any thread. Begin, End, OnHook and BeginWrite
// are called by the script's own thread (under the engine's mutex); the rest by anyone, also
// while the script runs (they never take the engine's mutex).
//
// Redis 7.0's rules (scriptKill, scriptInterrupt), reproduced:
//   - the Lua count hook (every 100,000 instructions) compares the running time with the
//     threshold; past it the script is busy until it ends (a threshold of 0: no hook, never busy);
//   - a kill is refused once the script ran a write command (UNKILLABLE), with NOTBUSY when
//     nothing runs, and SCRIPT KILL refuses a function (FUNCTION KILL an EVAL) with the other's
//     BUSY text;
//   - the decision "killed" and the mark "wrote" are one atomic word, so a kill that was accepted
//     can never be followed by a write of the same script: the script's next write (or next hook)
//     raises the kill error instead.
#ifndef EMBEDIS_LIB_SCRIPTING_BUSY_SCRIPT_H_
#define EMBEDIS_LIB_SCRIPTING_BUSY_SCRIPT_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"

namespace embedis::scripting {

// Redis 7.0's texts.
inline constexpr std::string_view kBusyEvalError =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kBusyFunctionError =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kNotBusyError = "NOTBUSY No scripts in execution right now.";
inline constexpr std::string_view kUnkillableError =
    "UNKILLABLE Sorry the script already executed write commands against the dataset. You can "
    "either wait the script termination or kill the server in a hard way using the SHUTDOWN "
    "NOSAVE command.";
// What the killed script raises (the reply adds " script: <name>, on <source>:<line>.").
inline constexpr std::string_view kScriptKilledError =
    "ERR Script killed by user with SCRIPT KILL...";

// What FUNCTION STATS shows of the running script.
struct RunningScript {
  std::string name;                  // the function's name (or the script's SHA1)
  std::vector<std::string> command;  // the command that runs it
  int64_t duration_ms = 0;
  bool is_eval = false;
};

class BusyScript {
 public:
  enum class KillResult { kKilled, kNotBusy, kUnkillable, kRunningEval, kRunningFunction };
  enum class HookAction { kContinue, kBusy, kKill };

  // busy-reply-threshold in milliseconds; 0: scripts are never busy (nor killable). Default 5000.
  void set_threshold_ms(int64_t ms) { threshold_ms_.store(ms, std::memory_order_relaxed); }
  int64_t threshold_ms() const { return threshold_ms_.load(std::memory_order_relaxed); }

  // The script's thread, around the run. `name` and `command` must stay valid until End().
  void Begin(bool is_eval, std::string_view name, absl::Span<const std::string_view> command);
  void End();
  // From the Lua hook: kKill once a kill was accepted; kBusy while past the threshold (the first
  // time it passes, waiters are woken); else kContinue.
  HookAction OnHook();
  // Before a write command of the running script: false if a kill was accepted (the write must
  // not run); otherwise the script is marked as having written (it can no longer be killed).
  bool BeginWrite();
  bool killed() const { return (state_.load(std::memory_order_acquire) & kKilled) != 0; }

  // Any thread.
  // A script runs and has run past the threshold.
  bool busy() const { return (state_.load(std::memory_order_acquire) & kBusy) != 0; }
  // The -BUSY text for the script running now (EVAL's or a function's).
  std::string_view BusyError() const;
  // SCRIPT KILL (is_eval) or FUNCTION KILL.
  KillResult Kill(bool is_eval);
  // SHUTDOWN NOSAVE: the running script stops at its next hook, written or not.
  void Abort();
  // Whether the last script was stopped by Abort (until the next one begins): its client gets no
  // reply, as from redis-server, which exits inside the script.
  bool aborted() const { return aborted_.load(std::memory_order_acquire); }
  std::optional<RunningScript> Running() const;

  // Waits until `try_lock` succeeds (true) or a script is busy (false). Used by callers that
  // would otherwise wait on the engine's mutex for a script that may run for long.
  template <typename TryLock>
  bool WaitUnlessBusy(TryLock try_lock) {
    std::unique_lock<std::mutex> l(mu_);
    while (true) {
      if (try_lock()) return true;
      if (busy()) return false;
      cv_.wait_for(l, std::chrono::milliseconds(1));
    }
  }

 private:
  static constexpr uint32_t kRunning = 1, kEval = 2, kBusy = 4, kDirty = 8, kKilled = 16;

  std::atomic<int64_t> threshold_ms_{5000};
  std::atomic<uint32_t> state_{0};
  std::atomic<bool> aborted_{false};
  std::atomic<int64_t> start_ms_{0};  // CLOCK_MONOTONIC_COARSE (see busy_script.cc)
  mutable std::mutex mu_;             // what Running() reports; the waiters' condition
  std::condition_variable cv_;
  std::string_view name_;                       // guarded by mu_; valid from Begin to End
  absl::Span<const std::string_view> command_;  // guarded by mu_; valid from Begin to End
};

}  // namespace embedis::scripting

#endif  // EMBEDIS_LIB_SCRIPTING_BUSY_SCRIPT_H_
