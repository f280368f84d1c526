// ListValue (lib/keyspace/list_value.h) benchmarks and memory figures.
//
//   bazel run -c opt --config=opt //benchmarks:list_value_benchmark
//
// Speed: pushes and pops at both ends, LINDEX in the middle of a 1M-element list, LRANGE of 100
// elements, LREM over a whole list (pushes use 20-byte elements, or ELEM=<bytes> from the
// environment: ELEM=200 is redis-benchmark's LPUSH/RPUSH shape). Memory (BM_Memory*, counters):
// bytes per element of one list of 1M 20-byte elements, and bytes per list of 100k lists of 10
// 10-byte elements, both as FootprintBytes() (what MEMORY USAGE reports) and as glibc's heap
// growth (mallinfo2), to set against redis-server's used_memory for the same data (about 22 bytes
// per element, and 300+ bytes per small list, in Redis 7.0 with the default list-max-listpack-size
// -2).
#include <malloc.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "lib/keyspace/list_value.h"

namespace embedis::bench {
namespace {

constexpr size_t kBig = 1'000'000;

std::string Element(size_t len, size_t i) {
  std::string e(len, 'a');
  for (size_t k = 0; k < len && i > 0; ++k, i /= 26) e[k] = static_cast<char>('a' + i % 26);
  return e;
}

const ListValue& BigList() {
  static const ListValue* list = [] {
    auto* l = new ListValue;
    for (size_t i = 0; i < kBig; ++i) l->PushBack(Element(20, i));
    return l;
  }();
  return *list;
}

// RPUSH then LPOP: a queue that stays at 1000 elements.
void BM_ListPushBackPopFront(benchmark::State& state) {
  ListValue l;
  const std::string e = Element(getenv("ELEM") ? atoi(getenv("ELEM")) : 20, 7);
  for (int i = 0; i < 1000; ++i) l.PushBack(e);
  for (auto _ : state) {
    l.PushBack(e);
    benchmark::DoNotOptimize(l.PopFront());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ListPushBackPopFront);

// LPUSH of 1M elements into one list (the list is rebuilt when it reaches 1M).
void BM_ListPushFront(benchmark::State& state) {
  auto l = std::make_unique<ListValue>();
  const std::string e = Element(getenv("ELEM") ? atoi(getenv("ELEM")) : 20, 7);
  for (auto _ : state) {
    l->PushFront(e);
    if (l->size() == kBig) {
      state.PauseTiming();
      l = std::make_unique<ListValue>();
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ListPushFront);

void BM_ListPushBack(benchmark::State& state) {
  auto l = std::make_unique<ListValue>();
  const std::string e = Element(getenv("ELEM") ? atoi(getenv("ELEM")) : 20, 7);
  for (auto _ : state) {
    l->PushBack(e);
    if (l->size() == kBig) {
      state.PauseTiming();
      l = std::make_unique<ListValue>();
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ListPushBack);

// LPUSH then RPOP on a 1000-element list.
void BM_ListPushFrontPopBack(benchmark::State& state) {
  ListValue l;
  const std::string e = Element(getenv("ELEM") ? atoi(getenv("ELEM")) : 20, 7);
  for (int i = 0; i < 1000; ++i) l.PushFront(e);
  for (auto _ : state) {
    l.PushFront(e);
    benchmark::DoNotOptimize(l.PopBack());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ListPushFrontPopBack);

// LINDEX at random positions around the middle of 1M elements (the worst place: farthest from
// both ends), and exactly at the middle.
void BM_ListAtMiddle(benchmark::State& state) {
  const ListValue& l = BigList();
  std::mt19937_64 rng(1);
  std::vector<size_t> at(4096);
  for (size_t& i : at) i = kBig / 4 + rng() % (kBig / 2);
  size_t k = 0;
  for (auto _ : state) benchmark::DoNotOptimize(l.At(at[k++ & 4095]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ListAtMiddle);

void BM_ListAtExactMiddle(benchmark::State& state) {
  const ListValue& l = BigList();
  for (auto _ : state) benchmark::DoNotOptimize(l.At(kBig / 2));
}
BENCHMARK(BM_ListAtExactMiddle);

void BM_ListAtEnds(benchmark::State& state) {
  const ListValue& l = BigList();
  size_t k = 0;
  for (auto _ : state) benchmark::DoNotOptimize(l.At((k++ & 1) ? 5 : kBig - 6));
}
BENCHMARK(BM_ListAtEnds);

// LRANGE key start start+99: at the head, and in the middle of 1M elements.
void BM_ListForRange100(benchmark::State& state) {
  const ListValue& l = BigList();
  const size_t first = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    size_t bytes = 0;
    l.ForRange(first, 100, [&](std::string_view e) { bytes += e.size(); });
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_ListForRange100)->Arg(0)->Arg(kBig / 2);

// LSET and LINSERT in the middle of a 100k-element list.
void BM_ListSetMiddle(benchmark::State& state) {
  ListValue l;
  for (size_t i = 0; i < 100'000; ++i) l.PushBack(Element(20, i));
  std::mt19937_64 rng(2);
  const std::string e = Element(20, 99);
  for (auto _ : state) l.Set(25'000 + rng() % 50'000, e);
}
BENCHMARK(BM_ListSetMiddle);

void BM_ListInsertEraseMiddle(benchmark::State& state) {
  ListValue l;
  for (size_t i = 0; i < 100'000; ++i) l.PushBack(Element(20, i));
  std::mt19937_64 rng(3);
  const std::string e = Element(20, 99);
  for (auto _ : state) {
    const size_t at = 25'000 + rng() % 50'000;
    l.Insert(at, e);
    l.Erase(at, 1);
  }
}
BENCHMARK(BM_ListInsertEraseMiddle);

// LREM key 0 <absent element> over 100k elements: the whole scan.
void BM_ListRemoveAbsent(benchmark::State& state) {
  ListValue l;
  for (size_t i = 0; i < 100'000; ++i) l.PushBack(Element(20, i));
  for (auto _ : state) benchmark::DoNotOptimize(l.Remove("absent-element-xxxxx", 0, false));
  state.SetItemsProcessed(state.iterations() * 100'000);
}
BENCHMARK(BM_ListRemoveAbsent);

size_t HeapBytes() { return mallinfo2().uordblks; }

// One list of 1M 20-byte elements.
void BM_MemoryBigList(benchmark::State& state) {
  for (auto _ : state) {
    const size_t before = HeapBytes();
    auto l = std::make_unique<ListValue>();
    for (size_t i = 0; i < kBig; ++i) l->PushBack(Element(20, i));
    const size_t heap = HeapBytes() - before;
    state.counters["footprint_B_per_elem"] =
        static_cast<double>(l->FootprintBytes()) / static_cast<double>(kBig);
    state.counters["heap_B_per_elem"] = static_cast<double>(heap) / static_cast<double>(kBig);
    state.counters["nodes"] = static_cast<double>(l->nodes());
  }
}
BENCHMARK(BM_MemoryBigList)->Iterations(1)->Unit(benchmark::kMillisecond);

// 100k lists of 10 10-byte elements (each list built by RPUSH).
void BM_MemorySmallLists(benchmark::State& state) {
  constexpr size_t kLists = 100'000;
  for (auto _ : state) {
    const size_t before = HeapBytes();
    std::vector<std::unique_ptr<ListValue>> lists;
    lists.reserve(kLists);
    const size_t vector_bytes = HeapBytes() - before;
    size_t footprint = 0;
    for (size_t i = 0; i < kLists; ++i) {
      auto l = std::make_unique<ListValue>();
      for (size_t k = 0; k < 10; ++k) l->PushBack(Element(10, i * 10 + k));
      footprint += l->FootprintBytes();
      lists.push_back(std::move(l));
    }
    const size_t heap = HeapBytes() - before - vector_bytes;
    state.counters["footprint_B_per_list"] =
        static_cast<double>(footprint) / static_cast<double>(kLists);
    state.counters["heap_B_per_list"] = static_cast<double>(heap) / static_cast<double>(kLists);
  }
}
BENCHMARK(BM_MemorySmallLists)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace embedis::bench
