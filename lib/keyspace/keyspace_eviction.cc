// Keyspace, part 5 of 6: maxmemory. Memory accounting, per-key access information, and
// eviction as Redis 7.0 does it (evict.c), shard by shard.
//
// Accounting. What maxmemory limits and INFO used_memory reports is Keyspace::UsedMemory(): the
// sum over the shards of their SlabAllocator's used_bytes() (slab_allocator.h), which counts
//   - every entry block at its 8-byte size class (header, key, string value or object pointer),
//     and a large block (over 2 KiB) at malloc_usable_size;
//   - every value object (hash, list, set, sorted set) at the bytes it was last measured at
//     (MeasureObject in keyspace_internal.h: MEMORY USAGE's footprint with a table sampled on 16
//     fields), kept in the entry after the object pointer so that freeing it subtracts exactly
//     what was added; a command that changed the object measures it again (FinishUpdate);
//   - every database's bucket array.
// Each shard's counter is one relaxed atomic written under the shard's lock (no read-modify-write:
// a write pays a plain store on a line it already owns) and summed when read, so a write never
// touches a global counter. Not counted: allocator headers and page slack (they show in
// used_memory_rss), the WATCH/blocking registries, client buffers, scripts.
//
// Access information. Each key keeps Redis's 24 bits (robj.lru) in its timer node's owner bits
// (timer_wheel.h: the top 16 bits of its two 48-bit link pointers), so the 40-byte entry header
// does not grow. Under LRU (and any non-LFU policy, so that OBJECT IDLETIME always works) they
// hold the LRU clock of the last access, in seconds modulo 2^24; under allkeys-lfu/volatile-lfu
// an 8-bit logarithmic counter (incremented with probability 1 / ((counter - 5) * lfu-log-factor
// + 1), starting at 5) and the minute of its last decrement modulo 2^16; it loses one per
// lfu-decay-time minutes since. The clock is the keyspace's clock as of the last tick (the expiry
// thread's, or a ManualClock's Advance), so an access reads no clock. Every lookup of a live key
// updates the bits (reads and writes, as Redis's lookupKey) except those Redis makes with
// LOOKUP_NOTOUCH (TYPE, TTL/PTTL/EXPIRETIME, EXISTS, OBJECT, MEMORY USAGE, WATCH) and any operation
// of a thread inside a Keyspace::NoTouchScope (CLIENT NO-TOUCH). New keys start with the current
// clock (LRU) or counter 5 (LFU); RENAME and MOVE keep the bits, COPY starts afresh. Switching
// between LRU and LFU policies reinterprets the bits, as in Redis ("LRU and LFU data will take
// some time to adjust").
//
// Eviction. EnsureMemory() is called before a command runs (the command layer, MemoryStore's
// typed writes) when maxmemory is set. While UsedMemory() > maxmemory it evicts one key at a time
// from the shards in round-robin order. Inside a shard (under its lock) the key is chosen as
// Redis chooses:
//   - allkeys-random / volatile-random: a random key (a random bucket, then a random key of its
//     chain) of a random non-empty database, among the keys with an expiry for volatile-random;
//   - the others keep the shard's eviction pool of 16 candidates (Redis's EVPOOL_SIZE), sorted by
//     score (idle milliseconds for LRU, 255 minus the decayed counter for LFU, UINT64_MAX minus
//     the deadline for volatile-ttl): each eviction samples maxmemory-samples keys of every
//     non-empty database of the shard (consecutive buckets from a random one, as dictGetSomeKeys;
//     only keys with an expiry for volatile-*) into the pool, then takes the best candidate. A
//     candidate that is gone is dropped; one whose score has dropped since it was pooled (it was
//     accessed) goes back with its new score and the next best is tried.
// The evicted key counts in INFO evicted_keys, raises the `evicted` keyspace notification (class
// e), and marks its watchers dirty (Redis's signalModifiedKey); it does not count as a change for
// the save rules (Redis does not increment dirty either). Evicting stops when the bytes freed
// (measured on the shard's counter around each deletion) cover the excess seen at the start. With
// noeviction, or when no shard has a candidate (volatile-* and no key with an expiry), the call
// fails with Redis's OOM text. maxmemory-eviction-tenacity bounds the time one call may spend as
// Redis's does (50 us per step up to 10, +15% a step above, no bound at 100; checked every 16
// keys); a call that runs out of time while keys were still being evicted succeeds and hands over
// to the background eviction, as Redis's eviction time event (evictionTimeProc): a thread of the
// keyspace, started on first need, that runs one more budget's worth at a time (yielding in
// between) until the keyspace is under the limit or nothing more can go, so memory comes back
// under the limit without waiting for another command.
//
// Differences from Redis, by design: the pool is per shard, not global (every shard holds a
// uniform share of the keys, so the best of a shard's pool approximates the best overall; the
// eviction-accuracy benchmark in benchmarks/ measures it); a pooled candidate's score is checked
// again before it is evicted.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "lib/keyspace/eviction.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/keyspace_internal.h"
#include "lib/util/mutex.h"

namespace embedis {

using keyspace_internal::Db;
using keyspace_internal::Entry;
using keyspace_internal::EvictionPool;
using keyspace_internal::EvictionState;
using keyspace_internal::Shard;

namespace keyspace_internal {

constinit thread_local bool tl_no_touch = false;

// A per-thread xorshift64* generator: eviction sampling and the LFU increment need speed, not
// quality.
uint64_t NextRandomForEviction() {
  static thread_local uint64_t state = 0;
  if (state == 0) {
    state = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
            reinterpret_cast<uintptr_t>(&state) ^ 0x9E3779B97F4A7C15ull;
    if (state == 0) state = 1;
  }
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1Dull;
}

uint32_t EvictionState::LfuCounter(uint32_t bits) const {
  const uint32_t ldt = bits >> 8;
  uint32_t counter = bits & 255;
  const int decay = lfu_decay_time.load(std::memory_order_relaxed);
  if (decay <= 0) return counter;
  const uint32_t now = LfuMinutes();
  const uint32_t elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
  const uint32_t periods = elapsed / static_cast<uint32_t>(decay);
  return periods > counter ? 0 : counter - periods;
}

uint32_t EvictionState::TouchedBits(uint32_t bits) const {
  if (!lfu()) return LruClock();
  uint32_t counter = LfuCounter(bits);
  if (counter < 255) {
    const double base = counter > kLfuInitVal ? static_cast<double>(counter - kLfuInitVal) : 0.0;
    const double p = 1.0 / (base * lfu_log_factor.load(std::memory_order_relaxed) + 1);
    const double r =
        static_cast<double>(NextRandomForEviction() >> 11) * (1.0 / 9007199254740992.0);
    if (r < p) ++counter;
  }
  return (LfuMinutes() << 8) | counter;
}

uint64_t EvictionState::IdleMs(uint32_t bits) const {
  const uint32_t lru = bits & kLruClockMax;
  const uint32_t clock = LruClock();
  const uint64_t ticks = clock >= lru ? clock - lru : clock + (kLruClockMax - lru);
  return ticks * kLruResolutionMs;
}

void EvictionPool::RemoveAt(int i) {
  for (int j = i; j + 1 < size; ++j) std::swap(slots[j], slots[j + 1]);
  --size;
}

void EvictionPool::Offer(uint64_t score, int db, std::string_view key) {
  for (int i = 0; i < size; ++i) {
    if (slots[i].db == db && slots[i].key == key) {
      RemoveAt(i);
      break;
    }
  }
  if (size == kSize) {
    if (score <= slots[0].score) return;  // worse than every candidate
    RemoveAt(0);
  }
  int pos = size;
  while (pos > 0 && slots[pos - 1].score > score) {
    std::swap(slots[pos], slots[pos - 1]);
    --pos;
  }
  slots[pos].score = score;
  slots[pos].db = db;
  slots[pos].key.assign(key.data(), key.size());
  ++size;
}

}  // namespace keyspace_internal

namespace {

bool IsVolatile(EvictionPolicy p) {
  return p == EvictionPolicy::kVolatileLru || p == EvictionPolicy::kVolatileLfu ||
         p == EvictionPolicy::kVolatileRandom || p == EvictionPolicy::kVolatileTtl;
}
bool IsRandom(EvictionPolicy p) {
  return p == EvictionPolicy::kAllKeysRandom || p == EvictionPolicy::kVolatileRandom;
}

constexpr std::pair<EvictionPolicy, std::string_view> kPolicyNames[] = {
    {EvictionPolicy::kVolatileLru, "volatile-lru"},
    {EvictionPolicy::kVolatileLfu, "volatile-lfu"},
    {EvictionPolicy::kVolatileRandom, "volatile-random"},
    {EvictionPolicy::kVolatileTtl, "volatile-ttl"},
    {EvictionPolicy::kAllKeysLru, "allkeys-lru"},
    {EvictionPolicy::kAllKeysLfu, "allkeys-lfu"},
    {EvictionPolicy::kAllKeysRandom, "allkeys-random"},
    {EvictionPolicy::kNoEviction, "noeviction"},
};

// The candidates of a database under `policy`: all keys, or those with an expiry.
size_t Candidates(const Db& d, EvictionPolicy policy) {
  return IsVolatile(policy) ? d.wheel.size() : d.size;
}

// The eviction score of an entry: higher is a better candidate.
uint64_t Score(const EvictionState& ev, EvictionPolicy policy, const Entry* e) {
  switch (policy) {
    case EvictionPolicy::kAllKeysLru:
    case EvictionPolicy::kVolatileLru:
      return ev.IdleMs(e->access());
    case EvictionPolicy::kAllKeysLfu:
    case EvictionPolicy::kVolatileLfu:
      return 255 - ev.LfuCounter(e->access());
    case EvictionPolicy::kVolatileTtl:
      return std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(e->timer.deadline_ms);
    case EvictionPolicy::kNoEviction:
    case EvictionPolicy::kAllKeysRandom:
    case EvictionPolicy::kVolatileRandom:
      return 0;
  }
  return 0;
}

// Redis's evictionTimeLimitUs.
uint64_t TimeLimitUs(int tenacity) {
  if (tenacity <= 10) return 50u * static_cast<uint64_t>(std::max(0, tenacity));
  if (tenacity < 100) return static_cast<uint64_t>(500.0 * std::pow(1.15, tenacity - 10.0));
  return std::numeric_limits<uint64_t>::max();
}

}  // namespace

std::string_view EvictionPolicyName(EvictionPolicy policy) {
  for (const auto& [p, name] : kPolicyNames) {
    if (p == policy) return name;
  }
  return "noeviction";
}

std::optional<EvictionPolicy> EvictionPolicyFromName(std::string_view name) {
  for (const auto& [p, n] : kPolicyNames) {
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return a == (b >= 'A' && b <= 'Z' ? static_cast<char>(b - 'A' + 'a') : b);
        })) {
      return p;
    }
  }
  return std::nullopt;
}

Keyspace::NoTouchScope::NoTouchScope(bool active) : saved_(keyspace_internal::tl_no_touch) {
  if (active) keyspace_internal::tl_no_touch = true;
}
Keyspace::NoTouchScope::~NoTouchScope() { keyspace_internal::tl_no_touch = saved_; }

void Keyspace::SetEvictionOptions(const EvictionOptions& o) {
  EvictionState& ev = *eviction_;
  ev.maxmemory.store(o.maxmemory, std::memory_order_relaxed);
  ev.policy.store(o.policy, std::memory_order_relaxed);
  ev.samples.store(std::clamp(o.samples, 1, 1024), std::memory_order_relaxed);
  ev.lfu_log_factor.store(std::max(0, o.lfu_log_factor), std::memory_order_relaxed);
  ev.lfu_decay_time.store(std::max(0, o.lfu_decay_time), std::memory_order_relaxed);
  ev.tenacity.store(std::clamp(o.tenacity, 0, 100), std::memory_order_relaxed);
}

EvictionOptions Keyspace::eviction_options() const {
  const EvictionState& ev = *eviction_;
  return {.maxmemory = ev.maxmemory.load(std::memory_order_relaxed),
          .policy = ev.policy.load(std::memory_order_relaxed),
          .samples = ev.samples.load(std::memory_order_relaxed),
          .lfu_log_factor = ev.lfu_log_factor.load(std::memory_order_relaxed),
          .lfu_decay_time = ev.lfu_decay_time.load(std::memory_order_relaxed),
          .tenacity = ev.tenacity.load(std::memory_order_relaxed)};
}

size_t Keyspace::UsedMemory() const {
  size_t total = 0;
  for (int i = 0; i < num_shards_; ++i) total += shards_[i].alloc.used_bytes();
  return total;
}

bool Keyspace::maxmemory_enabled() const {
  return eviction_->maxmemory.load(std::memory_order_relaxed) != 0;
}

std::optional<AccessInfo> Keyspace::ObjectAccess(int db, std::string_view key) {
  CheckDb(db);
  ReadyNotifier notify(this);  // publishes "expired" events after the lock
  keyspace_internal::LazyNow now(clock_);
  const uint64_t hash = keyspace_internal::HashKey(key);
  Shard& shard = ShardFor(hash);
  ShardLock lock(*this, shard);
  Entry** link = keyspace_internal::LookupLive(shard, db, DbIfPresent(shard, db), key, hash, now,
                                               /*touch=*/false);
  if (link == nullptr) return std::nullopt;
  const uint32_t bits = (*link)->access();
  return AccessInfo{.idle_seconds = static_cast<int64_t>(eviction_->IdleMs(bits) / 1000),
                    .frequency = static_cast<int64_t>(eviction_->LfuCounter(bits))};
}

absl::Status Keyspace::EnsureMemory() {
  if (PerformEvictions(/*from_timer=*/false) == EvictResult::kFail) {
    return absl::ResourceExhaustedError(std::string(kOomMessage));
  }
  return absl::OkStatus();
}

bool Keyspace::eviction_continuing() const {
  return eviction_->timer_running.load(std::memory_order_acquire);
}

void Keyspace::StartEvictionTimer() {
  MutexLock l(&evict_mu_);
  if (evict_stop_) return;
  evict_requested_ = true;
  eviction_->timer_running.store(true, std::memory_order_release);
  if (!evict_thread_.joinable()) {
    evict_thread_ = std::thread([this] { RunEvictionTimer(); });
  }
  evict_cv_.notify_all();
}

void Keyspace::StopEvictionTimer() {
  std::thread t;
  {
    MutexLock l(&evict_mu_);
    evict_stop_ = true;
    evict_cv_.notify_all();
    t = std::move(evict_thread_);
  }
  if (t.joinable()) t.join();
}

// Redis's evictionTimeProc: as long as a budget's worth of eviction ends still over the limit,
// another one runs (Redis re-arms its time event at 0 ms; here the thread yields in between, so
// that commands keep running beside it).
void Keyspace::RunEvictionTimer() {
  std::unique_lock<Mutex> l(evict_mu_);
  while (true) {
    evict_cv_.wait(
        l, [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return evict_stop_ || evict_requested_; });
    if (evict_stop_) break;
    evict_requested_ = false;
    l.unlock();
    while (PerformEvictions(/*from_timer=*/true) == EvictResult::kRunning) {
      std::this_thread::yield();
      MutexLock s(&evict_mu_);
      if (evict_stop_) break;
    }
    l.lock();
    // A call that ran out of time meanwhile asked again (evict_requested_): go on.
    if (!evict_requested_) eviction_->timer_running.store(false, std::memory_order_release);
  }
  eviction_->timer_running.store(false, std::memory_order_release);
}

Keyspace::EvictResult Keyspace::PerformEvictions(bool from_timer) {
  EvictionState& ev = *eviction_;
  const uint64_t max = ev.maxmemory.load(std::memory_order_relaxed);
  if (max == 0) return EvictResult::kOk;
  const size_t used = UsedMemory();
  if (used <= max) return EvictResult::kOk;
  const EvictionPolicy policy = ev.policy.load(std::memory_order_relaxed);
  if (policy == EvictionPolicy::kNoEviction) return EvictResult::kFail;
  const int64_t to_free = static_cast<int64_t>(used - max);
  const uint64_t limit_us = TimeLimitUs(ev.tenacity.load(std::memory_order_relaxed));
  const auto start = std::chrono::steady_clock::now();
  int64_t freed = 0;
  uint64_t keys = 0;
  while (freed < to_free) {
    int64_t got = -1;
    for (int n = 0; n < num_shards_ && got < 0; ++n) {
      const uint32_t i = ev.next_shard.fetch_add(1, std::memory_order_relaxed);
      got = EvictFromShard(shards_[i & static_cast<uint32_t>(num_shards_ - 1)], policy);
    }
    if (got < 0) break;  // no shard has a candidate
    freed += got;
    if (++keys % 16 == 0 &&
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::steady_clock::now() - start)
                                  .count()) > limit_us) {
      // Out of time while still evicting: the background eviction goes on (Redis starts its
      // eviction time event here), and this call succeeds.
      if (!from_timer) StartEvictionTimer();
      return EvictResult::kRunning;
    }
  }
  if (freed >= to_free || UsedMemory() <= max) return EvictResult::kOk;
  return EvictResult::kFail;
}

int64_t Keyspace::EvictFromShard(Shard& shard, EvictionPolicy policy) {
  ReadyNotifier notify(this);  // publishes the "evicted" event after the lock
  keyspace_internal::LazyNow now(clock_);
  ShardLock lock(*this, shard);
  const EvictionState& ev = *eviction_;
  const bool volatile_only = IsVolatile(policy);
  int victim_db = -1;
  Entry** victim = nullptr;
  if (IsRandom(policy)) {
    // A random database among those with candidates, then a random candidate of it.
    const int start = static_cast<int>(keyspace_internal::NextRandomForEviction() %
                                       static_cast<uint64_t>(databases_));
    for (int k = 0; k < databases_ && victim == nullptr; ++k) {
      const int d = (start + k) % databases_;
      Db* db = DbIfPresent(shard, d);
      if (db == nullptr || db->buckets == nullptr || Candidates(*db, policy) == 0) continue;
      const size_t buckets = db->mask + 1;
      size_t b = keyspace_internal::NextRandomForEviction() & db->mask;
      for (size_t steps = 0; steps < buckets && victim == nullptr;
           ++steps, b = (b + 1) & db->mask) {
        size_t chain = 0;
        for (Entry* e = db->buckets[b]; e != nullptr; e = e->next) {
          if (!volatile_only || e->has_ttl()) ++chain;
        }
        if (chain == 0) continue;
        size_t pick = keyspace_internal::NextRandomForEviction() % chain;
        for (Entry** link = &db->buckets[b]; *link != nullptr; link = &(*link)->next) {
          if (volatile_only && !(*link)->has_ttl()) continue;
          if (pick-- == 0) {
            victim = link;
            break;
          }
        }
      }
      if (victim != nullptr) victim_db = d;
    }
  } else {
    if (shard.pool == nullptr) shard.pool = std::make_unique<EvictionPool>();
    EvictionPool& pool = *shard.pool;
    const size_t samples = static_cast<size_t>(ev.samples.load(std::memory_order_relaxed));
    // Twice at most: a pool full of candidates that are gone (a FLUSHDB, many DELs) rejects the
    // fresh samples until it has been emptied of them; the second round then fills it again.
    for (int round = 0; round < 2 && victim == nullptr; ++round) {
      bool any = false;
      for (int d = 0; d < databases_; ++d) {
        Db* db = DbIfPresent(shard, d);
        if (db == nullptr || db->buckets == nullptr) continue;
        const size_t candidates = Candidates(*db, policy);
        if (candidates == 0) continue;
        any = true;
        // Consecutive buckets from a random one (dictGetSomeKeys); for volatile-*, as many more
        // buckets as keys without an expiry dilute the candidates.
        const size_t buckets = db->mask + 1;
        const size_t dilution = std::max<size_t>(1, db->size / candidates);
        const size_t max_steps = std::min(buckets, samples * 10 * dilution);
        size_t b = keyspace_internal::NextRandomForEviction() & db->mask;
        size_t found = 0;
        for (size_t steps = 0; steps < max_steps && found < samples;
             ++steps, b = (b + 1) & db->mask) {
          for (Entry* e = db->buckets[b]; e != nullptr && found < samples; e = e->next) {
            if (volatile_only && !e->has_ttl()) continue;
            pool.Offer(Score(ev, policy, e), d, e->key());
            ++found;
          }
        }
      }
      if (!any) {
        pool.size = 0;
        break;
      }
      // The best candidate that still exists and has not been accessed since it was pooled.
      for (int tries = 0; tries < 2 * EvictionPool::kSize && pool.size > 0 && victim == nullptr;
           ++tries) {
        EvictionPool::Candidate& c = pool.slots[pool.size - 1];
        Db* db = DbIfPresent(shard, c.db);
        Entry** link = db == nullptr ? nullptr : db->Find(c.key, keyspace_internal::HashKey(c.key));
        if (link == nullptr || (volatile_only && !(*link)->has_ttl())) {
          pool.RemoveAt(pool.size - 1);
          continue;
        }
        const uint64_t score = Score(ev, policy, *link);
        if (score < c.score) {
          const std::string key = std::move(c.key);
          const int d = c.db;
          pool.RemoveAt(pool.size - 1);
          pool.Offer(score, d, key);
          continue;
        }
        victim = link;
        victim_db = c.db;
        pool.RemoveAt(pool.size - 1);
      }
    }
  }
  if (victim == nullptr) return -1;
  shard.BeforeWrite();
  Db* db = DbIfPresent(shard, victim_db);
  const size_t before = shard.alloc.used_bytes();
  const std::string key((*victim)->key());
  const bool expired = (*victim)->expired(now.get());
  shard.Touch(victim_db, key);
  db->Remove(victim);
  if (expired) {  // it was due anyway: reclaimed as an expiry
    ++shard.expired;
    keyspace_internal::QueueEvent(notifier_.get(), kNotifyExpired, "expired", victim_db, key);
  } else {
    ++shard.evicted;
    keyspace_internal::QueueEvent(notifier_.get(), kNotifyEvicted, "evicted", victim_db, key);
  }
  // The append-only file (and any other propagation target) logs the removal as a DEL, as
  // Redis propagates evictions.
  keyspace_internal::PropagateDel(notifier_.get(), victim_db, key);
  db->MaybeResize();
  const int64_t freed =
      static_cast<int64_t>(before) - static_cast<int64_t>(shard.alloc.used_bytes());
  return std::max<int64_t>(freed, 1);
}

}  // namespace embedis
