// Keyspace, part 2 of 6: expiry. The EXPIRE, PTTL, EXPIRETIME and PERSIST
// operations, and the reclaiming of expired keys by the timer wheels: the
// background thread on a real clock, ReclaimExpired() on a ManualClock's
// Advance(), ReclaimShard() in rounds. See "Expiry" in keyspace.h. The rest
// of the keyspace is in keyspace.cc, keyspace_copy.cc and keyspace_waiters.cc.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "lib/keyspace/eviction.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/keyspace_internal.h"
#include "lib/keyspace/timer_wheel.h"
#include "lib/util/mutex.h"

namespace embedis {

using keyspace_internal::Db;
using keyspace_internal::Entry;
using keyspace_internal::HashKey;
using keyspace_internal::Shard;

void Keyspace::RunExpiryThread() {
  std::unique_lock<Mutex> lock(stop_mu_);
  while (!stop_) {
    // Wake at the next tick boundary (not a whole tick after the last run's
    // end), so a key is reclaimed within one tick of its deadline.
    const int64_t now = clock_->NowMs();
    const int64_t next = (now / tick_ms_ + 1) * tick_ms_;
    stop_cv_.wait_for(lock, std::chrono::milliseconds(next - now));
    if (stop_) break;
    lock.unlock();
    eviction_->now_ms.store(clock_->NowMs(), std::memory_order_relaxed);  // the access clock
    ReclaimExpired();
    lock.lock();
  }
}

size_t Keyspace::ReclaimExpired() {
  size_t total = 0;
  for (int i = 0; i < num_shards_; ++i) {
    total += ReclaimShard(shards_[i], clock_->NowMs(), 4096);
  }
  return total;
}

// Reclaims in rounds of at most `max_per_round` keys per database, releasing
// the shard lock between rounds so that a mass expiry does not stall readers.
size_t Keyspace::ReclaimShard(Shard& shard, int64_t now_ms, size_t max_per_round) {
  size_t total = 0;
  for (int d = 0; d < databases_; ++d) {
    while (true) {
      ReadyNotifier notify(this);  // publishes the round's "expired" events after the lock
      ShardLock lock(*this, shard);
      Db* db = shard.dbs[d].get();
      if (db == nullptr) break;
      size_t n = db->wheel.Advance(
          now_ms,
          [&](TimerNode* node) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            Entry* e = keyspace_internal::FromTimer(node);
            Entry** link = db->Find(e->key(), HashKey(e->key()));
            shard.Touch(d, e->key());
            keyspace_internal::QueueEvent(db->notifier, kNotifyExpired, "expired", d, e->key());
            keyspace_internal::PropagateDel(db->notifier, d, e->key());
            db->Remove(link);
            ++shard.expired;
          },
          max_per_round);
      total += n;
      db->MaybeResize();
      if (n < max_per_round) break;
    }
  }
  return total;
}

bool Keyspace::Expire(int db, std::string_view key, int64_t at_ms, ExpireCondition condition) {
  bool set = false;
  Update(db, key, [&](KeyHandle& k) {
    if (!k.exists()) return;
    const int64_t current = k.expire_at_ms();  // -1: no expiry, i.e. infinite
    if (condition.nx && current != -1) return;
    if (condition.xx && current == -1) return;
    if (condition.gt && (current == -1 || at_ms <= current)) return;
    if (condition.lt && current != -1 && at_ms >= current) return;
    k.SetExpireAt(at_ms);
    // A deadline already passed deletes the key: Redis then signals "del".
    k.Notify(kNotifyGeneric, k.exists() ? "expire" : "del");
    set = true;
  });
  return set;
}

int64_t Keyspace::PTtl(int db, std::string_view key) {
  NoTouchScope no_touch;  // TTL does not count as an access (Redis's LOOKUP_NOTOUCH)
  int64_t ttl = -2;
  Update(
      db, key,
      [&](KeyHandle& k) {
        if (!k.exists()) return;
        int64_t at = k.expire_at_ms();
        ttl = at == -1 ? -1 : at - k.now_ms();
      },
      Lookup::kRead);
  return ttl;
}

int64_t Keyspace::ExpireTimeMs(int db, std::string_view key) {
  NoTouchScope no_touch;
  int64_t at = -2;
  Update(
      db, key,
      [&](KeyHandle& k) {
        if (k.exists()) at = k.expire_at_ms();
      },
      Lookup::kRead);
  return at;
}

bool Keyspace::Persist(int db, std::string_view key) {
  bool removed = false;
  Update(db, key, [&](KeyHandle& k) {
    if (!k.exists() || k.expire_at_ms() == -1) return;
    k.Persist();
    k.Notify(kNotifyGeneric, "persist");
    removed = true;
  });
  return removed;
}

}  // namespace embedis
