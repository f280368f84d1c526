// Keyspace benchmarks against a plain absl::flat_hash_map + std::mutex.
//
//   bazel run -c opt --config=opt //benchmarks:keyspace_benchmark --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Data: kKeys session-shaped keys ("sess:" + 32 base64url characters, 200-byte
// values; see session_keys.h). Every lookup benchmark walks one pre-generated
// random permutation of the key array, so the keyspace and the baseline touch
// the same keys in the same order and pay the same cache misses. Results and
// the targets they are checked against: benchmarks/RESULTS.md.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "benchmarks/session_keys.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/clock.h"

namespace embedis::bench {
namespace {

constexpr size_t kKeys = 1'000'000;
// Length of the pre-generated access sequence (a power of two, several
// permutations of the key indices back to back).
constexpr size_t kOrderLength = size_t{1} << 23;

struct Dataset {
  std::vector<std::string> keys;
  std::string value;
  std::string other_value;      // what the Set benchmarks write (same length)
  std::vector<uint32_t> order;  // kOrderLength random key indices
};

const Dataset& Data() {
  static const Dataset* data = [] {
    auto* d = new Dataset;
    std::mt19937_64 rng(20260101);
    d->keys.resize(kKeys);
    for (std::string& k : d->keys) MakeSessionKey(rng, &k);
    d->value = MakeSessionValue(rng);
    d->other_value = MakeSessionValue(rng);
    d->order.reserve(kOrderLength);
    std::vector<uint32_t> perm(kKeys);
    for (uint32_t i = 0; i < kKeys; ++i) perm[i] = i;
    while (d->order.size() < kOrderLength) {
      std::shuffle(perm.begin(), perm.end(), rng);
      for (uint32_t i : perm) {
        if (d->order.size() == kOrderLength) break;
        d->order.push_back(i);
      }
    }
    return d;
  }();
  return *data;
}

// ---- The baseline: one flat_hash_map behind one std::mutex ----

// Get and Set are not inlined, as Keyspace's are not (they live in another
// translation unit); it also lets callgrind --toggle-collect single them out.
class BaselineMap {
 public:
  __attribute__((noinline)) std::optional<std::string> Get(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    return it->second;  // a copy, as Keyspace::Get returns one
  }
  __attribute__((noinline)) void Set(const std::string& key, const std::string& value) {
    std::lock_guard<std::mutex> lock(mu_);
    map_[key].assign(value);
  }

 private:
  std::mutex mu_;
  absl::flat_hash_map<std::string, std::string> map_;
};

BaselineMap& Baseline() {
  static BaselineMap* map = [] {
    auto* m = new BaselineMap;
    for (const std::string& k : Data().keys) m->Set(k, Data().value);
    return m;
  }();
  return *map;
}

// The keyspace as embedis-server runs it: default options (16 shards, 16
// databases, 100 ms tick, the real clock). PlainKeyspace() holds the keys
// without TTL (the like-for-like comparison with the baseline map, which has
// no TTLs); SessionKeyspace() holds them with a one-day TTL, as sessions are.
Keyspace* NewLoadedKeyspace(bool with_ttl) {
  auto* k = new Keyspace();
  const int64_t at = Clock::Real()->NowMs() + kDayMs;
  SetOptions options;
  if (with_ttl) options = {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = at};
  for (const std::string& key : Data().keys) (void)k->Set(0, key, Data().value, options);
  return k;
}
Keyspace& PlainKeyspace() {
  static Keyspace* ks = NewLoadedKeyspace(false);
  return *ks;
}
Keyspace& SessionKeyspace() {
  static Keyspace* ks = NewLoadedKeyspace(true);
  return *ks;
}

// Where thread `t` starts in the access sequence (threads walk disjoint parts).
size_t StartFor(const benchmark::State& state) {
  return (kOrderLength / 4) * static_cast<size_t>(state.thread_index() % 4);
}

// ---- 1. Get / Set, one thread ----

// GET of an existing key; the value is copied out (std::optional<std::string>)
// by both the keyspace and the baseline.
void BM_KeyspaceGet(benchmark::State& state) {
  const Dataset& d = Data();
  Keyspace& ks = PlainKeyspace();
  size_t i = StartFor(state);
  for (auto _ : state) {
    auto v = ks.Get(0, d.keys[d.order[i++ & (kOrderLength - 1)]]);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_BaselineMapGet(benchmark::State& state) {
  const Dataset& d = Data();
  BaselineMap& map = Baseline();
  size_t i = StartFor(state);
  for (auto _ : state) {
    auto v = map.Get(d.keys[d.order[i++ & (kOrderLength - 1)]]);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}

// Plain SET overwriting an existing key (same value length).
void BM_KeyspaceSet(benchmark::State& state) {
  const Dataset& d = Data();
  Keyspace& ks = PlainKeyspace();
  size_t i = StartFor(state);
  for (auto _ : state) {
    auto r = ks.Set(0, d.keys[d.order[i++ & (kOrderLength - 1)]], d.other_value);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_BaselineMapSet(benchmark::State& state) {
  const Dataset& d = Data();
  BaselineMap& map = Baseline();
  size_t i = StartFor(state);
  for (auto _ : state) {
    map.Set(d.keys[d.order[i++ & (kOrderLength - 1)]], d.other_value);
  }
  state.SetItemsProcessed(state.iterations());
}

// Diagnostics for Get (see RESULTS.md). GetLowLoad: the same 1M keys plus
// 150k others, so each shard's table has doubled (load factor ~0.55 instead
// of ~0.95): isolates the cost of hash-chain collisions. GetNoCopy: reads the
// value in place through Update() (no std::string copy, no malloc).
void BM_KeyspaceGetLowLoad(benchmark::State& state) {
  const Dataset& d = Data();
  static Keyspace* ks = [] {
    Keyspace* k = NewLoadedKeyspace(false);
    std::mt19937_64 rng(99);
    std::string key;
    for (int i = 0; i < 150'000; ++i) {
      MakeSessionKey(rng, &key);
      (void)k->Set(0, key, Data().value);
    }
    return k;
  }();
  size_t i = StartFor(state);
  for (auto _ : state) {
    auto v = ks->Get(0, d.keys[d.order[i++ & (kOrderLength - 1)]]);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_KeyspaceGetNoCopy(benchmark::State& state) {
  const Dataset& d = Data();
  Keyspace& ks = PlainKeyspace();
  size_t i = StartFor(state);
  for (auto _ : state) {
    size_t n = 0;
    ks.Update(
        0, d.keys[d.order[i++ & (kOrderLength - 1)]],
        [&](KeyHandle& k) {
          std::string_view v = k.string_value();
          n = v.size() + static_cast<unsigned char>(v[0]) + static_cast<unsigned char>(v[199]);
        },
        Keyspace::Lookup::kRead);
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations());
}

// The same on session keys (every key has a one-day TTL): GET, and a session
// save (SET key value PX ttl, which moves the key's timer node).
void BM_KeyspaceGetSession(benchmark::State& state) {
  const Dataset& d = Data();
  Keyspace& ks = SessionKeyspace();
  size_t i = StartFor(state);
  for (auto _ : state) {
    auto v = ks.Get(0, d.keys[d.order[i++ & (kOrderLength - 1)]]);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_KeyspaceSetSession(benchmark::State& state) {
  const Dataset& d = Data();
  Keyspace& ks = SessionKeyspace();
  const int64_t at = Clock::Real()->NowMs() + kDayMs;
  size_t i = StartFor(state);
  for (auto _ : state) {
    auto r = ks.Set(0, d.keys[d.order[i++ & (kOrderLength - 1)]], d.other_value,
                    {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = at});
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- 2. 90% Get / 10% Set on 1 and 2 threads ----

void BM_KeyspaceMixed90Get10Set(benchmark::State& state) {
  const Dataset& d = Data();
  Keyspace& ks = PlainKeyspace();
  size_t i = StartFor(state);
  for (auto _ : state) {
    const std::string& key = d.keys[d.order[i & (kOrderLength - 1)]];
    if (i % 10 == 0) {
      auto r = ks.Set(0, key, d.other_value);
      benchmark::DoNotOptimize(r);
    } else {
      auto v = ks.Get(0, key);
      benchmark::DoNotOptimize(v);
    }
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_BaselineMapMixed90Get10Set(benchmark::State& state) {
  const Dataset& d = Data();
  BaselineMap& map = Baseline();
  size_t i = StartFor(state);
  for (auto _ : state) {
    const std::string& key = d.keys[d.order[i & (kOrderLength - 1)]];
    if (i % 10 == 0) {
      map.Set(key, d.other_value);
    } else {
      auto v = map.Get(key);
      benchmark::DoNotOptimize(v);
    }
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}

// The machine's scaling ceiling for this access pattern: lock-free reads of
// the (read-only here) baseline map, nothing shared is written, so two threads
// can only be slowed down by the machine itself (vCPUs, memory, neighbours).
void BM_ScalingCeilingUnlockedGet(benchmark::State& state) {
  const Dataset& d = Data();
  static const absl::flat_hash_map<std::string, std::string>* map = [] {
    auto* m = new absl::flat_hash_map<std::string, std::string>;
    for (const std::string& k : Data().keys) (*m)[k] = Data().value;
    return m;
  }();
  size_t i = StartFor(state);
  for (auto _ : state) {
    auto it = map->find(d.keys[d.order[i++ & (kOrderLength - 1)]]);
    std::optional<std::string> v(it->second);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- 4. Expiry ----

// Loads kKeys keys whose deadlines are spread evenly over the next 10 s.
// Returns the last deadline.
int64_t LoadExpiring(Keyspace& ks, int64_t now_ms, int64_t spread_ms) {
  const Dataset& d = Data();
  int64_t last = 0;
  for (size_t k = 0; k < kKeys; ++k) {
    const int64_t at = now_ms + 1 + static_cast<int64_t>(k) * spread_ms / kKeys;
    (void)ks.Set(0, d.keys[k], d.value, {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = at});
    last = std::max(last, at);
  }
  return last;
}

// ManualClock: one Advance() past the last deadline (range(0) == 0), or one
// Advance() per 100 ms tick (range(0) == 1, what the background driver does).
// Reports ns per expired key, the keys left and the malloc delta afterwards.
void BM_KeyspaceExpire1M(benchmark::State& state) {
  Data();
  const bool per_tick = state.range(0) == 1;
  for (auto _ : state) {
    ManualClock clock;
    const size_t malloc_before = MallocInUse();
    auto ks = std::make_unique<Keyspace>(KeyspaceOptions{.clock = &clock});
    const int64_t last = LoadExpiring(*ks, clock.NowMs(), 10'000);
    const size_t malloc_loaded = MallocInUse();
    const auto start = std::chrono::steady_clock::now();
    if (per_tick) {
      while (clock.NowMs() <= last + 100) clock.Advance(absl::Milliseconds(100));
    } else {
      clock.AdvanceTo(absl::FromUnixMillis(last + 100));
    }
    const auto stop = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(stop - start).count();
    state.SetIterationTime(seconds);
    const KeyspaceStats stats = ks->GetStats();
    const size_t malloc_after = MallocInUse();
    state.counters["ns_per_key"] = seconds * 1e9 / kKeys;
    state.counters["keys_left"] = static_cast<double>(stats.keys);
    state.counters["expired"] = static_cast<double>(stats.expired_keys);
    state.counters["loaded_MB"] = (static_cast<double>(malloc_loaded) - malloc_before) / 1e6;
    state.counters["left_KB"] = (static_cast<double>(malloc_after) - malloc_before) / 1e3;
    ks.reset();
    state.counters["after_destroy_KB"] = (static_cast<double>(MallocInUse()) - malloc_before) / 1e3;
  }
}

// The real clock and the background expiry thread: 1M keys with a 1 s TTL;
// reports how long after the last deadline the thread has reclaimed them all.
void BM_KeyspaceExpire1MRealClock(benchmark::State& state) {
  const Dataset& d = Data();
  for (auto _ : state) {
    const size_t malloc_before = MallocInUse();
    auto ks = std::make_unique<Keyspace>();
    Clock* clock = Clock::Real();
    int64_t last = 0;
    for (const std::string& key : d.keys) {
      const int64_t at = clock->NowMs() + 1000;
      (void)ks->Set(0, key, d.value, {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = at});
      last = at;
    }
    while (clock->NowMs() < last) std::this_thread::sleep_for(std::chrono::microseconds(200));
    const auto start = std::chrono::steady_clock::now();
    while (ks->GetStats().expired_keys < kKeys) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    const auto stop = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(stop - start).count();
    state.SetIterationTime(seconds);
    state.counters["lag_after_last_deadline_ms"] = seconds * 1e3;
    state.counters["keys_left"] = static_cast<double>(ks->GetStats().keys);
    state.counters["left_KB"] = (static_cast<double>(MallocInUse()) - malloc_before) / 1e3;
  }
}

// Reference floor for expiry: erasing the same 1M keys (in key-array order,
// i.e. random memory order) from the baseline map, one std::mutex lock each.
void BM_BaselineMapErase1M(benchmark::State& state) {
  const Dataset& d = Data();
  for (auto _ : state) {
    std::mutex mu;
    absl::flat_hash_map<std::string, std::string> map;
    for (const std::string& k : d.keys) map[k] = d.value;
    const auto start = std::chrono::steady_clock::now();
    for (const std::string& k : d.keys) {
      std::lock_guard<std::mutex> lock(mu);
      map.erase(k);
    }
    const auto stop = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(stop - start).count();
    state.SetIterationTime(seconds);
    state.counters["ns_per_key"] = seconds * 1e9 / kKeys;
  }
}

// ---- 5. Touch: moving deadlines ----

// Expire() with a new deadline each time over 1k keys: ns per move, and the
// malloc delta across all the moves (should be 0: a move allocates nothing).
void BM_KeyspaceTouch(benchmark::State& state) {
  const Dataset& d = Data();
  Keyspace ks;
  const int64_t now = Clock::Real()->NowMs();
  for (size_t k = 0; k < 1000; ++k) {
    (void)ks.Set(0, d.keys[k], d.value,
                 {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = now + kDayMs});
  }
  // Deadlines from 1 h to 2 days ahead, varying every call.
  std::vector<int64_t> deadlines(4096);
  std::mt19937_64 rng(7);
  for (int64_t& at : deadlines) at = now + 3'600'000 + static_cast<int64_t>(rng() % (2 * kDayMs));
  const size_t malloc_before = MallocInUse();
  size_t i = 0;
  for (auto _ : state) {
    bool ok = ks.Expire(0, d.keys[i % 1000], deadlines[i & 4095]);
    benchmark::DoNotOptimize(ok);
    ++i;
  }
  const size_t malloc_after = MallocInUse();
  state.SetItemsProcessed(state.iterations());
  state.counters["malloc_delta_bytes"] =
      static_cast<double>(malloc_after) - static_cast<double>(malloc_before);
  state.counters["keys"] = static_cast<double>(ks.GetStats().keys);
}

BENCHMARK(BM_KeyspaceGet);
BENCHMARK(BM_BaselineMapGet);
BENCHMARK(BM_KeyspaceSet);
BENCHMARK(BM_BaselineMapSet);
BENCHMARK(BM_KeyspaceGetLowLoad);
BENCHMARK(BM_KeyspaceGetNoCopy);
BENCHMARK(BM_KeyspaceGetSession);
BENCHMARK(BM_KeyspaceSetSession);
BENCHMARK(BM_KeyspaceMixed90Get10Set)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_BaselineMapMixed90Get10Set)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_ScalingCeilingUnlockedGet)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_KeyspaceExpire1M)
    ->Arg(0)
    ->Arg(1)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KeyspaceExpire1MRealClock)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BaselineMapErase1M)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KeyspaceTouch)->Iterations(10'000'000);

}  // namespace
}  // namespace embedis::bench
