// In-place string edits: SETBIT, BITFIELD INCRBY and SETRANGE on one string of 1 KB and of 1 MB.
// Each iteration changes the value (a bit or bytes flip back and forth), so every call writes.
// Before the in-place access (KeyHandle::MutableString) each write copied the whole string twice
// (into a std::string, then back into the entry): the 1 MB case cost O(length). Now the cost
// should not depend on the length.
//
//   bazel run -c opt --config=opt //benchmarks:bit_benchmark
//
// Results: benchmarks/RESULTS.md, "Bits: in-place string edits".
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "benchmark/benchmark.h"
#include "lib/commands/bit_ops.h"
#include "lib/commands/string_ops.h"
#include "lib/keyspace/keyspace.h"

namespace embedis::bench {
namespace {

// A keyspace holding one string "k" of state.range(0) bytes.
struct OneString {
  explicit OneString(benchmark::State& state) {
    if (!ks.Set(0, "k", std::string(static_cast<size_t>(state.range(0)), 'a')).ok()) {
      state.SkipWithError("SET failed");
    }
  }
  Keyspace ks{{.shards = 1}};
};

void BM_SetBit(benchmark::State& state) {
  OneString s(state);
  bool on = true;
  for (auto _ : state) {
    benchmark::DoNotOptimize(bit_ops::SetBit(s.ks, 0, "k", 8 * 500 + 7, on));  // 'a' has bit 7 set
    on = !on;
  }
}
BENCHMARK(BM_SetBit)->Arg(1 << 10)->Arg(1 << 20);

void BM_BitFieldIncrBy(benchmark::State& state) {
  OneString s(state);
  const std::vector<std::string_view> args = {"incrby", "u8", "#500", "1"};
  const std::vector<bit_ops::FieldOp> ops = *bit_ops::ParseFieldOps(args);
  for (auto _ : state) {
    benchmark::DoNotOptimize(bit_ops::Field(s.ks, 0, "k", ops, /*read_only=*/false));
  }
}
BENCHMARK(BM_BitFieldIncrBy)->Arg(1 << 10)->Arg(1 << 20);

void BM_SetRange(benchmark::State& state) {
  OneString s(state);
  bool flip = false;
  for (auto _ : state) {
    benchmark::DoNotOptimize(string_ops::SetRange(s.ks, 0, "k", 500, flip ? "abcd" : "wxyz"));
    flip = !flip;
  }
}
BENCHMARK(BM_SetRange)->Arg(1 << 10)->Arg(1 << 20);

}  // namespace
}  // namespace embedis::bench
