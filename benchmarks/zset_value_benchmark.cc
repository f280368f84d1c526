// The large sorted-set encodings on 1M members: ZSetValue (lib/keyspace/zset_value.h, the
// encoding behind OBJECT ENCODING "skiplist") and ZSetBTree (zset_btree.h), the operations behind
// redis-benchmark's ZRANK, ZINCRBY and ZADD tests (server_vs_redis.sh) and the range queries,
// without the server around them, so that the data structures can be compared. Since the B+tree
// became ZSetValue's large encoding, the ZSetValue rows measure it through ZSetValue (the
// skiplist's figures, from the commit that had both, are in RESULTS.md).
//
//   bazel run -c opt --config=opt //benchmarks:zset_value_benchmark
//
// Each set holds "m:%012d" members with score i (as server_vs_redis.sh's preload); each benchmark
// picks members or ranks at random, so nearly every node visited is a cache miss, as on a server.
// BM_*Memory builds a fresh 1M-member set and reports the bytes per member by the structure's own
// accounting (FootprintBytes) and by glibc (mallinfo2's in-use bytes, headers and rounding
// included).
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "lib/keyspace/zset_btree.h"
#include "lib/keyspace/zset_value.h"

namespace embedis {
namespace {

constexpr int kMembers = 1000000;
constexpr int kFresh = 200000;  // BM_*InsertNew adds these, BM_*Remove removes them

std::string Member(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "m:%012d", i);
  return buf;
}

void Add(ZSetValue& z, std::string_view m, double s) { z.Insert(m, s); }
void Add(ZSetBTree& z, std::string_view m, double s) { z.Insert(m, s); }

// One shared set per structure and the member names (built once: a million inserts take a
// second).
template <typename Set>
struct Fixture {
  Set set;
  std::vector<std::string> members;
  std::vector<std::string> fresh;  // not in the set until BM_*InsertNew
  Fixture() {
    members.reserve(kMembers);
    for (int i = 0; i < kMembers; ++i) {
      members.push_back(Member(i));
      Add(set, members.back(), i);
    }
    std::mt19937_64 rng(7);
    for (int i = 0; i < kFresh; ++i) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "n:%012llu",
                    static_cast<unsigned long long>(rng() % 1000000000000ull));
      fresh.push_back(buf);
    }
  }
};

template <typename Set>
Fixture<Set>& Shared() {
  static auto* f = new Fixture<Set>();
  return *f;
}

// ZRANK of a random member.
template <typename Set>
void BM_Rank(benchmark::State& state) {
  Fixture<Set>& f = Shared<Set>();
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.set.Rank(f.members[rng() % kMembers]));
  }
  state.SetItemsProcessed(state.iterations());
}

// The member at a random rank (ZRANGE k k).
template <typename Set>
void BM_At(benchmark::State& state) {
  Fixture<Set>& f = Shared<Set>();
  std::mt19937_64 rng(4);
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.set.At(rng() % f.set.size()));
  }
  state.SetItemsProcessed(state.iterations());
}

// The rank of a random score bound (ZCOUNT, ZRANGEBYSCORE's start).
template <typename Set>
void BM_ScoreRank(benchmark::State& state) {
  Fixture<Set>& f = Shared<Set>();
  std::mt19937_64 rng(5);
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.set.ScoreRank(static_cast<double>(rng() % kMembers), false));
  }
  state.SetItemsProcessed(state.iterations());
}

// 10 members from a random rank (ZRANGE k k+9), forwards.
template <typename Set>
void BM_Range10(benchmark::State& state) {
  Fixture<Set>& f = Shared<Set>();
  std::mt19937_64 rng(6);
  for (auto _ : state) {
    const size_t start = rng() % (f.set.size() - 10);
    double sum = 0;
    f.set.ForRange(start, start + 10, false,
                   [&](std::string_view m, double s) { sum += s + static_cast<double>(m.size()); });
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations());
}

// ZINCRBY 1 of a random member (the score usually stays between its neighbours').
template <typename Set>
void BM_IncrBy(benchmark::State& state) {
  Fixture<Set>& f = Shared<Set>();
  std::mt19937_64 rng(2);
  for (auto _ : state) {
    const std::string& m = f.members[rng() % kMembers];
    Add(f.set, m, *f.set.Score(m) + 1);
  }
  state.SetItemsProcessed(state.iterations());
}

// ZADD of a random member with a random score (moves it: an unlink and a link).
template <typename Set>
void BM_AddMoves(benchmark::State& state) {
  Fixture<Set>& f = Shared<Set>();
  std::mt19937_64 rng(3);
  for (auto _ : state) {
    Add(f.set, f.members[rng() % kMembers], static_cast<double>(rng() % kMembers));
  }
  state.SetItemsProcessed(state.iterations());
}

// ZADD of kFresh new members with random scores (the set grows from 1M to 1.2M).
template <typename Set>
void BM_InsertNew(benchmark::State& state) {
  Fixture<Set>& f = Shared<Set>();
  std::mt19937_64 rng(8);
  size_t i = 0;
  for (auto _ : state) {
    Add(f.set, f.fresh[i++ % kFresh], static_cast<double>(rng() % kMembers));
  }
  state.SetItemsProcessed(state.iterations());
}

// ZREM of the kFresh members BM_*InsertNew added (back to 1M).
template <typename Set>
void BM_Remove(benchmark::State& state) {
  Fixture<Set>& f = Shared<Set>();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.set.Remove(f.fresh[i++ % kFresh]));
  }
  state.SetItemsProcessed(state.iterations());
}

// A fresh 1M-member set, loaded in random order: bytes per member.
template <typename Set>
void BM_Memory(benchmark::State& state) {
  std::vector<int> order(kMembers);
  for (int i = 0; i < kMembers; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937_64(9));
  for (auto _ : state) {
    const size_t before = mallinfo2().uordblks;
    auto set = std::make_unique<Set>();
    for (int i : order) Add(*set, Member(i), i);
    const size_t after = mallinfo2().uordblks;
    state.counters["footprint_B_per_member"] =
        static_cast<double>(set->FootprintBytes()) / kMembers;
    state.counters["malloc_B_per_member"] = static_cast<double>(after - before) / kMembers;
  }
}

#define ZSET_BENCHMARKS(Set)                                 \
  BENCHMARK_TEMPLATE(BM_Rank, Set);                          \
  BENCHMARK_TEMPLATE(BM_At, Set);                            \
  BENCHMARK_TEMPLATE(BM_ScoreRank, Set);                     \
  BENCHMARK_TEMPLATE(BM_Range10, Set);                       \
  BENCHMARK_TEMPLATE(BM_IncrBy, Set);                        \
  BENCHMARK_TEMPLATE(BM_AddMoves, Set);                      \
  BENCHMARK_TEMPLATE(BM_InsertNew, Set)->Iterations(kFresh); \
  BENCHMARK_TEMPLATE(BM_Remove, Set)->Iterations(kFresh);    \
  BENCHMARK_TEMPLATE(BM_Memory, Set)->Iterations(1)->Unit(benchmark::kMillisecond)

ZSET_BENCHMARKS(ZSetValue);
ZSET_BENCHMARKS(ZSetBTree);

}  // namespace
}  // namespace embedis
