#include "lib/store/blocked_callers.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace embedis {

std::shared_ptr<BlockedCallers> BlockedCallers::For(Keyspace* keyspace) {
  static Mutex registry_mu;
  static auto* registry = new absl::flat_hash_map<Keyspace*, std::weak_ptr<BlockedCallers>>();
  MutexLock lock(&registry_mu);
  std::weak_ptr<BlockedCallers>& slot = (*registry)[keyspace];
  std::shared_ptr<BlockedCallers> callers = slot.lock();
  if (callers == nullptr) {
    // Entries of keyspaces gone meanwhile (whose callers died) are dropped as they are found.
    absl::erase_if(*registry, [](const auto& entry) { return entry.second.expired(); });
    callers = std::make_shared<BlockedCallers>(keyspace);
    (*registry)[keyspace] = callers;
  }
  return callers;
}

BlockedCallers::BlockedCallers(Keyspace* keyspace) : keyspace_(keyspace) {
  ready_listener_ =
      keyspace_->AddReadyListener([this](int db, std::string_view key) { OnReady(db, key); });
  Clock* clock = keyspace_->clock();
  if (clock->IsManual()) clock_listener_ = clock->AddListener([this](int64_t) { OnClock(); });
}

BlockedCallers::~BlockedCallers() {
  keyspace_->RemoveReadyListener(ready_listener_);
  if (clock_listener_ != 0) keyspace_->clock()->RemoveListener(clock_listener_);
}

void BlockedCallers::OnReady(int db, std::string_view key) {
  MutexLock lock(&mu_);
  Grant(db, key);
}

void BlockedCallers::OnClock() {
  MutexLock lock(&mu_);
  for (Waiter* w : waiters_) w->cv.notify_all();
}

void BlockedCallers::Grant(int db, std::string_view key) {
  for (Waiter* w : waiters_) {
    if (w->db != db) continue;
    auto own = std::find(w->keys.begin(), w->keys.end(), key);
    if (own == w->keys.end()) continue;
    if (std::find(w->turns.begin(), w->turns.end(), key) == w->turns.end()) {
      w->turns.push_back(*own);  // a view of the waiter's own copy of the key
      w->cv.notify_all();
    }
    return;  // the oldest waiter on the key has its turn; it passes one on when it leaves
  }
}

size_t BlockedCallers::waiting() {
  MutexLock lock(&mu_);
  return waiters_.size();
}

bool BlockedCallers::Wait(int db, absl::Span<const std::string> keys, int64_t deadline_ms,
                          absl::FunctionRef<bool(std::string_view key)> attempt) {
  using SteadyClock = std::chrono::steady_clock;
  const Clock* clock = keyspace_->clock();
  // The same span in real time, from now.
  const SteadyClock::time_point real_deadline =
      SteadyClock::now() +
      std::chrono::milliseconds(
          deadline_ms == 0 ? 0 : std::max<int64_t>(0, deadline_ms - clock->NowMs()));
  Waiter w(db, keys);
  std::unique_lock<Mutex> lock(mu_);
  waiters_.push_back(&w);
  const auto self = std::prev(waiters_.end());
  // Registered without mu_: AddBlockedKey waits while another thread holds an exclusive section
  // of the keyspace (a script), whose ready listener (OnReady) takes mu_. Keys readied meanwhile
  // reach this waiter through OnReady, as it is in waiters_ already.
  lock.unlock();
  std::vector<bool> present(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) present[i] = keyspace_->AddBlockedKey(db, keys[i]);
  lock.lock();
  for (size_t i = 0; i < keys.size(); ++i) {
    // A key that exists already (created between the command's look and now) gets its oldest
    // waiter a turn, which may be this one.
    if (present[i]) Grant(db, keys[i]);
  }
  bool served = false;
  for (;;) {
    if (!w.turns.empty()) {
      const std::string_view key = w.turns.front();
      w.turns.erase(w.turns.begin());
      lock.unlock();
      served = attempt(key);
      lock.lock();
      if (served) break;
      continue;
    }
    if (deadline_ms != 0 &&
        (clock->NowMs() >= deadline_ms || SteadyClock::now() >= real_deadline)) {
      break;
    }
    if (deadline_ms == 0) {
      w.cv.wait(lock);
    } else {
      w.cv.wait_until(lock, real_deadline);
    }
  }
  waiters_.erase(self);
  for (const std::string& key : keys) keyspace_->RemoveBlockedKey(db, key);
  // The keys may hold more: the next waiter on each gets a turn (a spare one just retries). A
  // caller that timed out passes on the turns it did not take.
  if (served) {
    for (const std::string& key : keys) Grant(db, key);
  } else {
    for (std::string_view key : w.turns) Grant(db, key);
  }
  return served;
}

}  // namespace embedis
