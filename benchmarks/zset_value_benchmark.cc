// ZSetValue (lib/keyspace/zset_value.h) on a 1M-member sorted set in its skiplist encoding: the
// operations behind redis-benchmark's ZRANK, ZINCRBY and ZADD tests (server_vs_redis.sh), without
// the server around them, so that the data structure's cost can be compared between builds.
//
//   bazel run -c opt --config=opt //benchmarks:zset_value_benchmark
//
// The set holds "m:%012d" members with score i (as server_vs_redis.sh's preload); each benchmark
// picks members at random, so nearly every node visited is a cache miss, as on a server.
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "lib/keyspace/zset_value.h"

namespace embedis {
namespace {

constexpr int kMembers = 1000000;

std::string Member(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "m:%012d", i);
  return buf;
}

// One shared set and the member names (built once: a million inserts take a second).
struct Fixture {
  ZSetValue set;
  std::vector<std::string> members;
  Fixture() {
    members.reserve(kMembers);
    for (int i = 0; i < kMembers; ++i) {
      members.push_back(Member(i));
      set.Insert(members.back(), i);
    }
  }
};

Fixture& Shared() {
  static Fixture* f = new Fixture();
  return *f;
}

// ZRANK of a random member.
void BM_ZSetRank(benchmark::State& state) {
  Fixture& f = Shared();
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.set.Rank(f.members[rng() % kMembers]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ZSetRank);

// ZINCRBY 1 of a random member (the score usually stays between its neighbours').
void BM_ZSetIncrBy(benchmark::State& state) {
  Fixture& f = Shared();
  std::mt19937_64 rng(2);
  for (auto _ : state) {
    const std::string& m = f.members[rng() % kMembers];
    f.set.Insert(m, *f.set.Score(m) + 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ZSetIncrBy);

// ZADD of a random member with a random score (moves it: an unlink and a link).
void BM_ZSetAddMoves(benchmark::State& state) {
  Fixture& f = Shared();
  std::mt19937_64 rng(3);
  for (auto _ : state) {
    f.set.Insert(f.members[rng() % kMembers], static_cast<double>(rng() % kMembers));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ZSetAddMoves);

}  // namespace
}  // namespace embedis
