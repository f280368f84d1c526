// Eviction accuracy: how close maxmemory's sampled LRU comes to true LRU, measured as Redis's own
// LRU test does (utils/lru/test-lru.rb in the Redis repository):
//   1. fill: SET keys 0, 1, 2, ... until used memory reaches maxmemory (N keys);
//   2. access: GET the older half, keys 0 .. N/2 - 1, in order;
//   3. insert N/2 new keys, which must evict about N/2 keys.
// True LRU evicts exactly the keys N/2 .. N - 1 (never accessed since they were written, and all
// older than the accessed half's accesses). The program reports, for each setting, how many of
// the evicted keys were accessed ones (0 for true LRU) or new ones, and which share of the
// never-accessed half survived; "random" (allkeys-random) is the baseline.
//
// Time runs on a ManualClock advanced one second every `ops_per_second` operations (the LRU
// clock's resolution is one second, as Redis's), so the experiment spans simulated minutes in a
// fraction of a second of real time, as a real workload spreads its accesses over time.
//
//   bazel run -c opt //benchmarks:eviction_accuracy -- [keys_limit_mb] [ops_per_second]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/clock.h"

namespace embedis {
namespace {

struct Result {
  int64_t filled = 0;            // N: keys that fit
  int64_t evicted = 0;           // keys gone after the inserts
  int64_t evicted_accessed = 0;  // of which in the accessed half (true LRU: 0)
  int64_t evicted_new = 0;       // of which new keys (true LRU: 0)
  int64_t untouched_kept = 0;    // never-accessed old keys that survived (true LRU: about 0)
};

Result Run(EvictionPolicy policy, int shards, int samples, uint64_t limit, int ops_per_second) {
  ManualClock clock;
  Keyspace ks({.shards = shards,
               .databases = 1,
               .clock = &clock,
               .eviction = {.maxmemory = limit, .policy = policy, .samples = samples}});
  const std::string value = "foo";
  int64_t ops = 0;
  auto tick = [&] {
    if (++ops % ops_per_second == 0) clock.Advance(absl::Seconds(1));
  };
  Result r;
  // 1. Fill until the limit is reached (the next SET would evict).
  while (ks.UsedMemory() <= limit) {
    (void)ks.Set(0, absl::StrCat(r.filled), value);
    ++r.filled;
    tick();
  }
  const int64_t n = r.filled;
  const int64_t half = n / 2;
  // 2. Access the older half in order.
  for (int64_t i = 0; i < half; ++i) {
    (void)ks.Get(0, absl::StrCat(i));
    tick();
  }
  // 3. Insert half as many new keys.
  for (int64_t i = n; i < n + half; ++i) {
    if (!ks.EnsureMemory().ok()) std::abort();
    (void)ks.Set(0, absl::StrCat(i), value);
    tick();
  }
  for (int64_t i = 0; i < n + half; ++i) {
    const bool present = ks.KeyExists(0, absl::StrCat(i));
    if (!present) {
      ++r.evicted;
      if (i < half) ++r.evicted_accessed;
      if (i >= n) ++r.evicted_new;
    } else if (i >= half && i < n) {
      ++r.untouched_kept;
    }
  }
  return r;
}

}  // namespace
}  // namespace embedis

int main(int argc, char** argv) {
  using embedis::EvictionPolicy;
  const uint64_t limit_mb = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 8;
  const int ops_per_second = argc > 2 ? std::atoi(argv[2]) : 1000;
  const uint64_t limit = limit_mb << 20;
  std::printf(
      "# eviction accuracy (Redis's test-lru idea): maxmemory %llu MB, %d ops per simulated "
      "second\n",
      static_cast<unsigned long long>(limit_mb), ops_per_second);
  std::printf("%-15s %6s %7s | %8s %8s | %16s %12s | %20s\n", "policy", "shards", "samples",
              "N fit", "evicted", "accessed evicted", "new evicted", "untouched half kept");
  struct Setting {
    EvictionPolicy policy;
    int shards;
    int samples;
  };
  for (const Setting& s : std::vector<Setting>{{EvictionPolicy::kAllKeysLru, 16, 5},
                                               {EvictionPolicy::kAllKeysLru, 16, 10},
                                               {EvictionPolicy::kAllKeysLru, 1, 5},
                                               {EvictionPolicy::kAllKeysLru, 1, 10},
                                               {EvictionPolicy::kAllKeysLru, 64, 5},
                                               {EvictionPolicy::kAllKeysRandom, 16, 5}}) {
    const embedis::Result r = embedis::Run(s.policy, s.shards, s.samples, limit, ops_per_second);
    const double half = static_cast<double>(r.filled / 2);
    std::printf("%-15s %6d %7d | %8lld %8lld | %8lld (%5.2f%%) %5lld (%4.2f%%) | %8lld (%6.2f%%)\n",
                std::string(embedis::EvictionPolicyName(s.policy)).c_str(), s.shards, s.samples,
                static_cast<long long>(r.filled), static_cast<long long>(r.evicted),
                static_cast<long long>(r.evicted_accessed), 100.0 * r.evicted_accessed / half,
                static_cast<long long>(r.evicted_new), 100.0 * r.evicted_new / half,
                static_cast<long long>(r.untouched_kept), 100.0 * r.untouched_kept / half);
  }
  return 0;
}
