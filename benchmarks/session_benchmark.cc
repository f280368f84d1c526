// Session benchmarks: SessionStore Get+Set of a 200-byte session on MemoryStore
// and on RedisStore (against the raw GET/SET round trip of the same client),
// and the JSON versus binary serializers (time and size).
//
//   bazel run -c opt --config=opt //benchmarks:session_benchmark --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// The Redis benchmarks start their own redis-server on a free port (or use
// EMBEDIS_BENCH_REDIS_URL). Latency percentiles (p50_us, p99_us) are measured
// per Get+Set pair with the steady clock and reported as counters. Results:
// benchmarks/RESULTS.md, section "Sessions".
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "lib/session/serializer.h"
#include "lib/session/session.h"
#include "lib/session/session_store.h"
#include "lib/store/memory_store.h"
#include "lib/store/store.h"
#include "tests/testing/redis_server.h"

namespace embedis::bench {
namespace {

// A session whose JSON is 200 bytes, as express-session writes it.
Session MakeSession(absl::Time now) {
  SessionCookieOptions o;
  o.max_age = absl::Hours(24);
  Session s = Session::New(o, now);
  s.data["user"] = "ada@example.com";
  s.data["views"] = 42;
  s.data["roles"] = {"admin", "dev"};
  s.data["csrf"] = "q0H7uX1yFz3kLw9cVb2Nm";
  const size_t size = JsonSessionSerializer()->Stringify(s).size();
  if (size < 200) s.data["csrf"] = s.data["csrf"].get<std::string>() + std::string(200 - size, 'x');
  return s;
}

class Percentiles {
 public:
  void Add(std::chrono::steady_clock::duration d) { samples_.push_back(d.count()); }
  void Report(benchmark::State& state) {
    if (samples_.empty()) return;
    std::sort(samples_.begin(), samples_.end());
    const auto at = [&](double q) {
      const double ns = std::chrono::duration<double, std::nano>(
                            std::chrono::steady_clock::duration(
                                samples_[static_cast<size_t>(q * (samples_.size() - 1))]))
                            .count();
      return ns / 1000.0;
    };
    state.counters["p50_us"] = at(0.50);
    state.counters["p99_us"] = at(0.99);
  }

 private:
  std::vector<std::chrono::steady_clock::rep> samples_;
};

void GetSetLoop(benchmark::State& state, SessionStore& store) {
  Session s = MakeSession(store.clock()->Now());
  const std::string sid = "Yd8fTs0BzXKj1yQn3vC9mW2pL5rH7gE4";
  if (!store.Set(sid, s).ok()) state.SkipWithError("Set failed");
  Percentiles p;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto got = store.Get(sid);
    if (!got.ok() || !*got) {
      state.SkipWithError("Get failed");
      break;
    }
    (**got).data["views"] = (**got).data["views"].get<int64_t>() + 1;
    if (!store.Set(sid, **got).ok()) {
      state.SkipWithError("Set failed");
      break;
    }
    p.Add(std::chrono::steady_clock::now() - start);
  }
  p.Report(state);
  state.counters["bytes"] = static_cast<double>(store.serializer().Stringify(s).size());
}

void RawGetSetLoop(benchmark::State& state, Store& store) {
  const std::string key = "sess:Yd8fTs0BzXKj1yQn3vC9mW2pL5rH7gE4";
  const std::string value = JsonSessionSerializer()->Stringify(MakeSession(store.clock()->Now()));
  StoreSetOptions set;
  set.ttl = absl::Seconds(86400);
  if (!store.Set(key, value, set).ok()) state.SkipWithError("Set failed");
  Percentiles p;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto got = store.Get(key);
    if (!got.ok() || !*got || !store.Set(key, **got, set).ok()) {
      state.SkipWithError("GET/SET failed");
      break;
    }
    p.Add(std::chrono::steady_clock::now() - start);
  }
  p.Report(state);
}

Store& Memory() {
  static Store* store = NewMemoryStore()->release();
  return *store;
}

Store* Redis() {
  static Store* store = []() -> Store* {
    std::string url;
    if (const char* env = std::getenv("EMBEDIS_BENCH_REDIS_URL"); env != nullptr && *env) {
      url = env;
    } else {
      // Destroyed at exit, which kills the server.
      static testing::RedisServerProcess server;
      if (!server.Start().ok()) return nullptr;
      url = "redis://127.0.0.1:" + std::to_string(server.port()) + "/0";
    }
    auto s = OpenStore(url);
    return s.ok() ? s->release() : nullptr;
  }();
  return store;
}

void BM_SessionGetSet_Memory_Json(benchmark::State& state) {
  SessionStore store(&Memory());
  GetSetLoop(state, store);
}
BENCHMARK(BM_SessionGetSet_Memory_Json);

void BM_SessionGetSet_Memory_Binary(benchmark::State& state) {
  SessionStoreOptions o;
  o.serializer = BinarySessionSerializer();
  SessionStore store(&Memory(), o);
  GetSetLoop(state, store);
}
BENCHMARK(BM_SessionGetSet_Memory_Binary);

void BM_RawGetSet_Memory(benchmark::State& state) { RawGetSetLoop(state, Memory()); }
BENCHMARK(BM_RawGetSet_Memory);

void BM_SessionGetSet_Redis_Json(benchmark::State& state) {
  if (Redis() == nullptr) return state.SkipWithError("no redis-server");
  SessionStore store(Redis());
  GetSetLoop(state, store);
}
BENCHMARK(BM_SessionGetSet_Redis_Json)->UseRealTime();

void BM_RawGetSet_Redis(benchmark::State& state) {
  if (Redis() == nullptr) return state.SkipWithError("no redis-server");
  RawGetSetLoop(state, *Redis());
}
BENCHMARK(BM_RawGetSet_Redis)->UseRealTime();

void BM_Serialize(benchmark::State& state, const SessionSerializer& ser) {
  const Session s = MakeSession(absl::FromUnixSeconds(1767225600));
  size_t size = 0;
  for (auto _ : state) {
    std::string out = ser.Stringify(s);
    size = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["bytes"] = static_cast<double>(size);
}
void BM_Parse(benchmark::State& state, const SessionSerializer& ser) {
  const std::string data = ser.Stringify(MakeSession(absl::FromUnixSeconds(1767225600)));
  for (auto _ : state) {
    auto s = ser.Parse(data);
    benchmark::DoNotOptimize(s);
  }
  state.counters["bytes"] = static_cast<double>(data.size());
}
BENCHMARK_CAPTURE(BM_Serialize, Json, *JsonSessionSerializer());
BENCHMARK_CAPTURE(BM_Serialize, Binary, *BinarySessionSerializer());
BENCHMARK_CAPTURE(BM_Parse, Json, *JsonSessionSerializer());
BENCHMARK_CAPTURE(BM_Parse, Binary, *BinarySessionSerializer());

}  // namespace
}  // namespace embedis::bench

BENCHMARK_MAIN();
