// The cost of one redis.call inside a script: EVALSHA of a script that runs N redis.call('GET', k)
// against the same script with a plain Lua loop of N iterations, in-process through the command
// table (what embedis-server and MemoryStore run), so no network is measured.
//
//   bazel run -c opt --config=opt //benchmarks:scripting_benchmark -- \
//     --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//
// One redis.call = (BM_EvalshaGetLoop/N - BM_EvalshaLuaLoop/N) / N. BM_EvalshaEmpty is the fixed
// cost of EVALSHA itself (argument parsing, exclusive section, engine mutex, reply).
// BM_RedisServerGetLoop100k runs the same scripts on a real redis-server 7.0 (started on a free
// port; an error naming it when /usr/bin/redis-server is missing) with N = 100000, where the
// loop dominates one round trip, and BM_EmbedisGetLoop100k the same in-process; both report the
// per-call time (wall and the server's CPU) as counters.
#include <time.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "tests/testing/command_runner.h"
#include "tests/testing/redis_server.h"

namespace embedis::bench {
namespace {

constexpr char kEmpty[] = "return 1";
constexpr char kGetLoop[] =
    "for i = 1, tonumber(ARGV[1]) do redis.call('GET', KEYS[1]) end return 1";
constexpr char kLuaLoop[] = "local x for i = 1, tonumber(ARGV[1]) do x = KEYS[1] end return 1";
// benchmarks/compare/server_vs_redis.sh's evalsha_write3.
constexpr char kWrite3[] =
    "redis.call('SET', KEYS[1], ARGV[1]) redis.call('INCR', KEYS[2]) "
    "redis.call('HSET', KEYS[3], 'f', ARGV[1]) return 1";

// The SHA1 SCRIPT LOAD answered ("$40\r\n<sha>\r\n").
std::string ShaOf(const std::string& reply) { return reply.substr(5, 40); }

class Scripts {
 public:
  Scripts() {
    runner_.Run({"SET", "k", "some value of a few bytes"});
    empty_ = ShaOf(runner_.Run({"SCRIPT", "LOAD", kEmpty}));
    get_loop_ = ShaOf(runner_.Run({"SCRIPT", "LOAD", kGetLoop}));
    lua_loop_ = ShaOf(runner_.Run({"SCRIPT", "LOAD", kLuaLoop}));
    write3_ = ShaOf(runner_.Run({"SCRIPT", "LOAD", kWrite3}));
  }
  std::string Run(const std::string& sha, const std::string& n) {
    return runner_.Run({"EVALSHA", sha, "1", "k", n});
  }
  const std::string& empty() const { return empty_; }
  const std::string& get_loop() const { return get_loop_; }
  const std::string& lua_loop() const { return lua_loop_; }
  // EVALSHA of kWrite3 on keys "evs:<i>", "evc:<i>", "evh:<i>".
  std::string RunWrite3(const std::string& i) {
    return runner_.Run({"EVALSHA", write3_, "3", "evs:" + i, "evc:" + i, "evh:" + i, "v"});
  }

 private:
  testing::CommandRunner runner_;
  std::string empty_, get_loop_, lua_loop_, write3_;
};

Scripts& Shared() {
  static Scripts* scripts = new Scripts();
  return *scripts;
}

void BM_EvalshaEmpty(benchmark::State& state) {
  Scripts& s = Shared();
  for (auto _ : state) benchmark::DoNotOptimize(s.Run(s.empty(), "0"));
}
BENCHMARK(BM_EvalshaEmpty);

void RunLoop(benchmark::State& state, const std::string& sha) {
  Scripts& s = Shared();
  const std::string n = std::to_string(state.range(0));
  if (s.Run(sha, n) != ":1\r\n") state.SkipWithError("the script failed");
  for (auto _ : state) benchmark::DoNotOptimize(s.Run(sha, n));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_EvalshaGetLoop(benchmark::State& state) { RunLoop(state, Shared().get_loop()); }
BENCHMARK(BM_EvalshaGetLoop)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

void BM_EvalshaLuaLoop(benchmark::State& state) { RunLoop(state, Shared().lua_loop()); }
BENCHMARK(BM_EvalshaLuaLoop)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

// The write script of server_vs_redis.sh on 1000 rotating keys of each kind (the keys exist after
// the first round, so this is the script's own cost, not the keyspace's growth).
void BM_EvalshaWrite3(benchmark::State& state) {
  Scripts& s = Shared();
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.push_back(std::to_string(100000 + i));
  if (s.RunWrite3(ids[0]) != ":1\r\n") state.SkipWithError("the script failed");
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(s.RunWrite3(ids[i++ % ids.size()]));
}
BENCHMARK(BM_EvalshaWrite3);

// This thread's CPU time in ns.
double ThreadCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

// redis-server's CPU time (user + sys) in ns, from INFO CPU.
double RedisCpuNs(testing::RawRespConnection& conn) {
  const std::string info = conn.Call({"INFO", "CPU"});
  double total = 0;
  for (const char* field : {"used_cpu_sys:", "used_cpu_user:"}) {
    const size_t at = info.find(field);
    if (at != std::string::npos) total += std::atof(info.c_str() + at + std::strlen(field));
  }
  return total * 1e9;
}

// The like-for-like measure: one EVALSHA of 100000 GETs against one of a 100000-iteration Lua
// loop, on redis-server (BM_RedisServerGetLoop100k; started on a free port) and in-process on
// embedis (BM_EmbedisGetLoop100k). Counters: ns_per_call (wall) and cpu_ns_per_call (the server's
// CPU: redis-server's from INFO CPU, embedis's this thread's).
constexpr int kCalls = 100000;

struct Split {
  double wall_ns = 0, cpu_ns = 0;
};

void Report(benchmark::State& state, const Split& get, const Split& lua) {
  const double per = static_cast<double>(kCalls) * static_cast<double>(state.iterations());
  state.counters["ns_per_call"] = (get.wall_ns - lua.wall_ns) / per;
  state.counters["cpu_ns_per_call"] = (get.cpu_ns - lua.cpu_ns) / per;
}

void BM_RedisServerGetLoop100k(benchmark::State& state) {
  static testing::RedisServerProcess redis;  // killed at exit by its destructor
  static testing::RawRespConnection conn;
  static const absl::Status started = [] {
    absl::Status st = redis.Start({"--save", ""});
    if (st.ok()) st = conn.Connect(redis.port());
    if (st.ok()) conn.Call({"SET", "k", "some value of a few bytes"});
    return st;
  }();
  if (!started.ok()) {
    state.SkipWithError(("redis-server: " + std::string(started.message())).c_str());
    return;
  }
  const std::string n = std::to_string(kCalls);
  const std::string get_loop = ShaOf(conn.Call({"SCRIPT", "LOAD", kGetLoop}));
  const std::string lua_loop = ShaOf(conn.Call({"SCRIPT", "LOAD", kLuaLoop}));
  Split get, lua;
  for (auto _ : state) {
    for (auto [sha, split] : {std::pair{&get_loop, &get}, std::pair{&lua_loop, &lua}}) {
      const double cpu0 = RedisCpuNs(conn);
      const auto t0 = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(conn.Call({"EVALSHA", *sha, "1", "k", n}));
      split->wall_ns +=
          std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
      split->cpu_ns += RedisCpuNs(conn) - cpu0;
    }
  }
  Report(state, get, lua);
}
BENCHMARK(BM_RedisServerGetLoop100k)->Unit(benchmark::kMillisecond);

void BM_EmbedisGetLoop100k(benchmark::State& state) {
  Scripts& s = Shared();
  const std::string n = std::to_string(kCalls);
  Split get, lua;
  for (auto _ : state) {
    for (auto [sha, split] : {std::pair{&s.get_loop(), &get}, std::pair{&s.lua_loop(), &lua}}) {
      const double cpu0 = ThreadCpuNs();
      const auto t0 = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(s.Run(*sha, n));
      split->wall_ns +=
          std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
      split->cpu_ns += ThreadCpuNs() - cpu0;
    }
  }
  Report(state, get, lua);
}
BENCHMARK(BM_EmbedisGetLoop100k)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace embedis::bench

BENCHMARK_MAIN();
