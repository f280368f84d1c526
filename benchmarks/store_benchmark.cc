// Store Get/Set latency: MemoryStore (in-process) versus RedisStore (a real
// redis-server on loopback), so users see what the in-process backend saves.
//
//   bazel run -c opt --config=opt //benchmarks:store_benchmark -- [--ops=N] [--rounds=R]
//
// Prints p50/p99/mean latency per operation for each backend, alternating the
// backends round by round (A B A B ...) and reporting the median of rounds.
// Values are 200 bytes, keys session-shaped. Needs /usr/bin/redis-server.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lib/store/memory_store.h"
#include "lib/store/store.h"
#include "tests/testing/redis_server.h"

namespace embedis::bench {
namespace {

struct Stats {
  double p50_us, p99_us, mean_us;
};

Stats Summarize(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  double sum = 0;
  for (double s : samples) sum += s;
  return {samples[samples.size() / 2], samples[samples.size() * 99 / 100], sum / samples.size()};
}

std::vector<std::string> MakeKeys(size_t n) {
  std::mt19937_64 rng(7);
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::vector<std::string> keys(n);
  for (auto& k : keys) {
    k = "sess:";
    for (int i = 0; i < 32; ++i) k += kAlphabet[rng() % 64];
  }
  return keys;
}

// Times `ops` calls of Set then Get over the keys; returns (set, get) stats.
std::pair<Stats, Stats> Run(Store& store, const std::vector<std::string>& keys, size_t ops) {
  const std::string value(200, 'v');
  std::vector<double> set_us, get_us;
  set_us.reserve(ops);
  get_us.reserve(ops);
  for (size_t i = 0; i < ops; ++i) {
    const std::string& k = keys[i % keys.size()];
    auto t0 = std::chrono::steady_clock::now();
    auto s = store.Set(k, value, {.ttl = absl::Hours(24)});
    auto t1 = std::chrono::steady_clock::now();
    auto g = store.Get(k);
    auto t2 = std::chrono::steady_clock::now();
    if (!s.ok() || !g.ok() || !g->has_value()) {
      std::fprintf(stderr, "store error\n");
      std::exit(1);
    }
    set_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    get_us.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
  }
  return {Summarize(std::move(set_us)), Summarize(std::move(get_us))};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Main(int argc, char** argv) {
  size_t ops = 20000;
  int rounds = 3;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--ops=", 6) == 0) ops = std::strtoul(argv[i] + 6, nullptr, 10);
    if (std::strncmp(argv[i], "--rounds=", 9) == 0) rounds = std::atoi(argv[i] + 9);
  }
  testing::RedisServerProcess redis;
  if (absl::Status s = redis.Start(); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  auto memory = NewMemoryStore();
  auto remote = OpenStore("redis://127.0.0.1:" + std::to_string(redis.port()) + "/0");
  if (!memory.ok() || !remote.ok()) {
    std::fprintf(stderr, "could not open the stores\n");
    return 1;
  }
  const auto keys = MakeKeys(10000);
  std::vector<double> m_set50, m_set99, m_get50, m_get99, r_set50, r_set99, r_get50, r_get99;
  for (int r = 0; r < rounds; ++r) {
    auto [ms, mg] = Run(**memory, keys, ops);
    auto [rs, rg] = Run(**remote, keys, ops);
    std::printf(
        "round %d: memory set p50 %.2f p99 %.2f get p50 %.2f p99 %.2f | redis set p50 "
        "%.1f p99 %.1f get p50 %.1f p99 %.1f (us)\n",
        r + 1, ms.p50_us, ms.p99_us, mg.p50_us, mg.p99_us, rs.p50_us, rs.p99_us, rg.p50_us,
        rg.p99_us);
    m_set50.push_back(ms.p50_us);
    m_set99.push_back(ms.p99_us);
    m_get50.push_back(mg.p50_us);
    m_get99.push_back(mg.p99_us);
    r_set50.push_back(rs.p50_us);
    r_set99.push_back(rs.p99_us);
    r_get50.push_back(rg.p50_us);
    r_get99.push_back(rg.p99_us);
  }
  std::printf("\nmedian of %d rounds, %zu ops each (microseconds per operation):\n", rounds, ops);
  std::printf("| op  | MemoryStore p50 | p99 | RedisStore p50 | p99 | p50 ratio |\n");
  std::printf("| Set | %.2f | %.2f | %.1f | %.1f | %.0fx |\n", Median(m_set50), Median(m_set99),
              Median(r_set50), Median(r_set99), Median(r_set50) / Median(m_set50));
  std::printf("| Get | %.2f | %.2f | %.1f | %.1f | %.0fx |\n", Median(m_get50), Median(m_get99),
              Median(r_get50), Median(r_get99), Median(r_get50) / Median(m_get50));
  return 0;
}

}  // namespace
}  // namespace embedis::bench

int main(int argc, char** argv) { return embedis::bench::Main(argc, argv); }
