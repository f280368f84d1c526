// Loads N session-shaped keys (see session_keys.h) with a one-day TTL into a
// Keyspace with default options and prints the memory they cost per key:
// the allocated bytes (glibc's malloc'ed chunks, chunk headers included, plus
// the keyspace's slab pages, which it maps directly) and the RSS delta. compare/memory_vs_redis.sh
// runs it beside redis-server loaded with the same shape.
//
//   bazel run -c opt --config=opt //benchmarks:keyspace_memory -- 1000000
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "benchmarks/session_keys.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/slab_allocator.h"
#include "lib/util/clock.h"

int main(int argc, char** argv) {
  using namespace embedis;
  using namespace embedis::bench;
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  std::mt19937_64 rng(std::random_device{}());
  const std::string value = MakeSessionValue(rng);
  std::string key;
  key.reserve(64);
  const int64_t at = Clock::Real()->NowMs() + kDayMs;

  const size_t malloc_before = MallocInUse() + keyspace_internal::SlabAllocator::TotalPageBytes();
  const size_t rss_before = ResidentBytes();
  {
    Keyspace ks;
    for (size_t i = 0; i < n; ++i) {
      MakeSessionKey(rng, &key);
      (void)ks.Set(0, key, value, {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = at});
    }
    const size_t malloc_after = MallocInUse() + keyspace_internal::SlabAllocator::TotalPageBytes();
    const size_t rss_after = ResidentBytes();
    const KeyspaceStats stats = ks.GetStats();
    std::printf("keys=%llu expires=%llu\n", static_cast<unsigned long long>(stats.keys),
                static_cast<unsigned long long>(stats.expires));
    std::printf("allocated_bytes_per_key=%.1f\n",
                static_cast<double>(malloc_after - malloc_before) / static_cast<double>(n));
    std::printf("rss_bytes_per_key=%.1f\n",
                static_cast<double>(rss_after - rss_before) / static_cast<double>(n));
    std::printf("payload_bytes_per_key=%zu\n", key.size() + value.size());
  }
  return 0;
}
