// PFADD / PFCOUNT / PFMERGE in-process: hll_ops on a Keyspace (what the command handlers call),
// and the pure sketch functions underneath. See "HyperLogLog" in RESULTS.md.
//
//   bazel run -c opt --config=opt //benchmarks:hll_benchmark
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "lib/commands/hll.h"
#include "lib/commands/hll_ops.h"
#include "lib/keyspace/keyspace.h"

namespace embedis {
namespace {

// Distinct elements, generated once.
const std::vector<std::string>& Elements() {
  static const auto* v = [] {
    auto* out = new std::vector<std::string>();
    for (int i = 0; i < 1 << 20; ++i) out->push_back(absl::StrCat("user:", i * 2654435761u));
    return out;
  }();
  return *v;
}

// PFADD of one new element to a key that starts empty and is reset every `range(0)` elements:
// small ranges stay sparse, large ones become dense.
void BM_PfAdd(benchmark::State& state) {
  Keyspace ks;
  const auto& e = Elements();
  const size_t reset = static_cast<size_t>(state.range(0));
  size_t i = 0;
  for (auto _ : state) {
    if (i % reset == 0) ks.DeleteKey(0, "h");
    std::string_view el = e[i++ % e.size()];
    benchmark::DoNotOptimize(hll_ops::Add(ks, 0, "h", {&el, 1}));
  }
}
BENCHMARK(BM_PfAdd)->Arg(100)->Arg(1000)->Arg(1 << 20);

// PFADD of one element to a dense HLL already holding 1M elements (most adds change nothing).
void BM_PfAddDenseSaturated(benchmark::State& state) {
  Keyspace ks;
  const auto& e = Elements();
  for (size_t i = 0; i < e.size(); i += 1000) {
    std::vector<std::string_view> batch(e.begin() + i, e.begin() + std::min(e.size(), i + 1000));
    (void)hll_ops::Add(ks, 0, "h", batch);
  }
  size_t i = 0;
  for (auto _ : state) {
    std::string_view el = e[i++ % e.size()];
    benchmark::DoNotOptimize(hll_ops::Add(ks, 0, "h", {&el, 1}));
  }
}
BENCHMARK(BM_PfAddDenseSaturated);

// PFCOUNT of one key: `range(0)` = 0 answers from the cache; 1 has a PFADD of a new element
// (which marks the cache stale) before each count, so the count is computed.
void BM_PfCount(benchmark::State& state) {
  Keyspace ks;
  const auto& e = Elements();
  const bool stale = state.range(0) == 1;
  const size_t n = static_cast<size_t>(state.range(1));
  for (size_t i = 0; i < n; ++i) {
    std::string_view el = e[i];
    (void)hll_ops::Add(ks, 0, "h", {&el, 1});
  }
  std::string_view keys[] = {"h"};
  size_t i = n;
  for (auto _ : state) {
    if (stale) {
      state.PauseTiming();
      // A register that surely changes: write the HLL with its cache marked stale.
      std::string v = **ks.Get(0, "h");
      hll::InvalidateCache(&v);
      (void)ks.Set(0, "h", v);
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(hll_ops::Count(ks, 0, keys));
    ++i;
  }
}
BENCHMARK(BM_PfCount)->Args({0, 100000})->Args({1, 100})->Args({1, 100000});

// PFCOUNT of the union of two dense HLLs (never cached).
void BM_PfCountUnion(benchmark::State& state) {
  Keyspace ks;
  const auto& e = Elements();
  for (const char* key : {"a", "b"}) {
    for (size_t i = 0; i < 100000; i += 1000) {
      std::vector<std::string_view> batch(e.begin() + i + (key[0] == 'b' ? 50000 : 0),
                                          e.begin() + i + 1000 + (key[0] == 'b' ? 50000 : 0));
      (void)hll_ops::Add(ks, 0, key, batch);
    }
  }
  std::string_view keys[] = {"a", "b"};
  for (auto _ : state) benchmark::DoNotOptimize(hll_ops::Count(ks, 0, keys));
}
BENCHMARK(BM_PfCountUnion);

// PFMERGE of two dense HLLs into a third.
void BM_PfMerge(benchmark::State& state) {
  Keyspace ks;
  const auto& e = Elements();
  for (const char* key : {"a", "b"}) {
    std::vector<std::string_view> batch(e.begin() + (key[0] == 'b' ? 50000 : 0),
                                        e.begin() + 100000 + (key[0] == 'b' ? 50000 : 0));
    (void)hll_ops::Add(ks, 0, key, batch);
  }
  std::string_view sources[] = {"a", "b"};
  for (auto _ : state) benchmark::DoNotOptimize(hll_ops::Merge(ks, 0, "d", sources));
}
BENCHMARK(BM_PfMerge);

// The sketch alone: hashing one element, and the estimate of a dense HLL.
void BM_HllHashElement(benchmark::State& state) {
  const auto& e = Elements();
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(hll::HashElement(e[i++ % e.size()]));
}
BENCHMARK(BM_HllHashElement);

void BM_HllEstimateDense(benchmark::State& state) {
  std::string h = hll::NewSparse();
  for (size_t i = 0; i < 100000; ++i) hll::Add(&h, Elements()[i]);
  for (auto _ : state) benchmark::DoNotOptimize(hll::Estimate(std::string_view(h)));
}
BENCHMARK(BM_HllEstimateDense);

}  // namespace
}  // namespace embedis
