// Keyspace internals for maxmemory: the per-key access information (LRU clock or LFU counter)
// and the keyspace's eviction settings. Private to lib/keyspace; the design is described at the
// top of keyspace_eviction.cc.
#ifndef EMBEDIS_LIB_KEYSPACE_EVICTION_H_
#define EMBEDIS_LIB_KEYSPACE_EVICTION_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "lib/keyspace/keyspace.h"

namespace embedis::keyspace_internal {

// A key's access information, Redis's 24 bits (robj.lru), kept in the owner bits of the entry's
// timer node (timer_wheel.h): under an LRU (or non-LFU) policy the LRU clock of the last access,
// seconds modulo 2^24; under an LFU policy the last decrement time in minutes modulo 2^16 (high 16
// bits) and a logarithmic access counter (low 8 bits).
constexpr uint32_t kLruBits = 24;
constexpr uint32_t kLruClockMax = (uint32_t{1} << kLruBits) - 1;
constexpr int64_t kLruResolutionMs = 1000;
constexpr uint32_t kLfuInitVal = 5;

inline bool IsLfu(EvictionPolicy p) {
  return p == EvictionPolicy::kAllKeysLfu || p == EvictionPolicy::kVolatileLfu;
}

// The keyspace's eviction settings (Keyspace::SetEvictionOptions) and its coarse clock, read by
// every access. Any thread.
struct EvictionState {
  std::atomic<uint64_t> maxmemory{0};
  std::atomic<EvictionPolicy> policy{EvictionPolicy::kNoEviction};
  std::atomic<int> samples{5};
  std::atomic<int> lfu_log_factor{10};
  std::atomic<int> lfu_decay_time{1};
  std::atomic<int> tenacity{10};
  // The clock as of the last tick (Redis's cached server.lruclock / unixtime): an access costs
  // no clock read. Updated by the expiry thread every tick, and on a ManualClock's Advance().
  std::atomic<int64_t> now_ms{0};
  // Where the next eviction round starts (round robin over the shards).
  std::atomic<uint32_t> next_shard{0};
  // Redis's isEvictionProcRunning: the background eviction goes on (Keyspace::EnsureMemory).
  std::atomic<bool> timer_running{false};

  bool lfu() const { return IsLfu(policy.load(std::memory_order_relaxed)); }
  int64_t now() const { return now_ms.load(std::memory_order_relaxed); }
  uint32_t LruClock() const {
    return static_cast<uint32_t>(now() / kLruResolutionMs) & kLruClockMax;
  }
  uint32_t LfuMinutes() const { return static_cast<uint32_t>(now() / 60000) & 0xFFFF; }

  // The bits of a new key.
  uint32_t NewBits() const { return lfu() ? (LfuMinutes() << 8) | kLfuInitVal : LruClock(); }
  // The bits after an access (Redis's updateLFU, or the LRU clock).
  uint32_t TouchedBits(uint32_t bits) const;
  // The idle time in milliseconds of LRU bits (estimateObjectIdleTime).
  uint64_t IdleMs(uint32_t bits) const;
  // The decayed LFU counter (LFUDecrAndReturn).
  uint32_t LfuCounter(uint32_t bits) const;
};

// A fast per-thread pseudo-random number (sampling, the LFU increment's coin).
uint64_t NextRandomForEviction();

// CLIENT NO-TOUCH (Keyspace::NoTouchScope): this thread's accesses leave the access bits alone.
extern constinit thread_local bool tl_no_touch;

// Up to 16 eviction candidates of one shard (Redis's EVPOOL_SIZE), best last: ascending `score`,
// where a higher score is a better candidate (idle time, 255 - LFU counter, or
// UINT64_MAX - deadline).
struct EvictionPool {
  static constexpr int kSize = 16;
  struct Candidate {
    uint64_t score = 0;
    int db = 0;
    std::string key;
  };
  std::array<Candidate, kSize> slots;
  int size = 0;

  // Inserts (db, key) with `score` if the pool has room or it beats the worst candidate; a key
  // already in the pool gets the new score.
  void Offer(uint64_t score, int db, std::string_view key);
  void RemoveAt(int i);
};

}  // namespace embedis::keyspace_internal

#endif  // EMBEDIS_LIB_KEYSPACE_EVICTION_H_
