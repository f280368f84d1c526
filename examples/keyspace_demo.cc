// A short tour of the in-process keyspace: sessions with TTLs, a touch, SCAN,
// and expiry driven by a ManualClock. Run: bazel run //examples:keyspace_demo
#include <cstdio>
#include <string>

#include "lib/keyspace/keyspace.h"
#include "lib/util/clock.h"

int main() {
  using embedis::Keyspace;
  using embedis::SetOptions;
  embedis::ManualClock clock;
  Keyspace ks({.clock = &clock});

  for (int i = 0; i < 5; ++i) {
    std::string sid = "sess:user" + std::to_string(i);
    (void)ks.Set(0, sid, R"({"cookie":{"path":"/"},"views":)" + std::to_string(i) + "}",
                 {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = clock.NowMs() + 60'000});
  }
  (void)ks.Set(0, "counter", "42");
  std::printf("DBSIZE %lld\n", static_cast<long long>(ks.Size(0)));

  // A session touch moves the deadline: O(1), no memory.
  ks.Expire(0, "sess:user0", clock.NowMs() + 3'600'000);
  std::printf("PTTL sess:user0 %lld ms, PTTL sess:user1 %lld ms, PTTL counter %lld\n",
              static_cast<long long>(ks.PTtl(0, "sess:user0")),
              static_cast<long long>(ks.PTtl(0, "sess:user1")),
              static_cast<long long>(ks.PTtl(0, "counter")));

  std::printf("SCAN MATCH sess:*:");
  uint64_t cursor = 0;
  do {
    embedis::ScanResult r = ks.Scan(0, cursor, "sess:*", 10);
    for (const auto& k : r.keys) std::printf(" %s", k.c_str());
    cursor = r.cursor;
  } while (cursor != 0);
  std::printf("\n");

  clock.Advance(absl::Minutes(2));  // four sessions expire and are reclaimed here
  embedis::KeyspaceStats stats = ks.GetStats();
  std::printf("after 2 minutes: keys=%llu expired_keys=%llu; GET sess:user0 -> %s\n",
              static_cast<unsigned long long>(stats.keys),
              static_cast<unsigned long long>(stats.expired_keys),
              ks.Get(0, "sess:user0")->value_or("(nil)").c_str());
  return 0;
}
