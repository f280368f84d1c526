#include "lib/scripting/busy_script.h"

#include <time.h>

namespace embedis::scripting {
namespace {

// The coarse monotonic clock (the kernel's tick, a few milliseconds): read once when a script
// starts and before each of its redis.calls, where the precise clock cost more than a small
// command (kvm-clock: 50-170 ns a read), while busy-reply-threshold is counted in whole
// milliseconds, thousands by default.
int64_t CoarseMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace

void BusyScript::Begin(bool is_eval, std::string_view name,
                       absl::Span<const std::string_view> command) {
  {
    std::lock_guard<std::mutex> l(mu_);
    name_ = name;  // views: Running() copies them, under mu_, only while the script runs
    command_ = command;
  }
  start_ms_.store(CoarseMs(), std::memory_order_relaxed);
  aborted_.store(false, std::memory_order_relaxed);
  state_.store(kRunning | (is_eval ? kEval : 0), std::memory_order_release);
}

void BusyScript::End() {
  state_.store(0, std::memory_order_release);
  {
    std::lock_guard<std::mutex> l(mu_);
    name_ = {};
    command_ = {};
  }
  cv_.notify_all();
}

BusyScript::HookAction BusyScript::OnHook() {
  const uint32_t s = state_.load(std::memory_order_acquire);
  if ((s & kKilled) != 0) return HookAction::kKill;
  if ((s & kBusy) != 0) return HookAction::kBusy;
  const int64_t threshold = threshold_ms();
  if (threshold <= 0 || CoarseMs() - start_ms_.load(std::memory_order_relaxed) < threshold) {
    return HookAction::kContinue;
  }
  {
    std::lock_guard<std::mutex> l(mu_);  // (a waiter checks busy() under mu_: no lost wake-up)
    state_.fetch_or(kBusy, std::memory_order_acq_rel);
  }
  cv_.notify_all();
  return HookAction::kBusy;
}

bool BusyScript::BeginWrite() {
  uint32_t s = state_.load(std::memory_order_acquire);
  while (true) {
    if ((s & kKilled) != 0) return false;
    if ((s & kDirty) != 0) return true;
    if (state_.compare_exchange_weak(s, s | kDirty, std::memory_order_acq_rel)) return true;
  }
}

std::string_view BusyScript::BusyError() const {
  return (state_.load(std::memory_order_acquire) & kEval) != 0 ? kBusyEvalError
                                                               : kBusyFunctionError;
}

BusyScript::KillResult BusyScript::Kill(bool is_eval) {
  uint32_t s = state_.load(std::memory_order_acquire);
  while (true) {
    if ((s & kRunning) == 0) return KillResult::kNotBusy;
    if ((s & kDirty) != 0) return KillResult::kUnkillable;
    if (is_eval && (s & kEval) == 0) return KillResult::kRunningFunction;
    if (!is_eval && (s & kEval) != 0) return KillResult::kRunningEval;
    if (state_.compare_exchange_weak(s, s | kKilled, std::memory_order_acq_rel)) {
      return KillResult::kKilled;
    }
  }
}

void BusyScript::Abort() {
  uint32_t s = state_.load(std::memory_order_acquire);
  while ((s & kRunning) != 0 &&
         !state_.compare_exchange_weak(s, s | kKilled, std::memory_order_acq_rel)) {
  }
  if ((s & kRunning) != 0) aborted_.store(true, std::memory_order_release);
}

std::optional<RunningScript> BusyScript::Running() const {
  std::lock_guard<std::mutex> l(mu_);
  const uint32_t s = state_.load(std::memory_order_acquire);
  if ((s & kRunning) == 0) return std::nullopt;
  return RunningScript{.name = std::string(name_),
                       .command = std::vector<std::string>(command_.begin(), command_.end()),
                       .duration_ms = CoarseMs() - start_ms_.load(std::memory_order_relaxed),
                       .is_eval = (s & kEval) != 0};
}

}  // namespace embedis::scripting
