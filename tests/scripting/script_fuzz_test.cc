// Runs the libFuzzer entry point of script_fuzzer.cc without libFuzzer: the seed corpus
// (tests/scripting/script_fuzz_corpus), then inputs mutated from it with a fixed seed.
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/fuzz_replay.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

const std::string_view kTokens[] = {
    "\n",
    "0",
    "1",
    "-1",
    "KEYS[1]",
    "ARGV[1]",
    "return ",
    "redis.call",
    "redis.pcall",
    "('set','k','v')",
    "('get','k')",
    "{err='x'}",
    "{ok='y'}",
    "{double=1.5}",
    "{map={a=1}}",
    "{set={a=true}}",
    "nil",
    "true",
    "false",
    "redis.setresp(3)",
    "error(",
    ")",
    "{",
    "}",
    "'",
    "#!lua flags=no-writes\n",
    "x = 1",
    "string.x = 1",
    "redis.error_reply('e')",
    "3.7",
};

TEST(ScriptFuzz, CorpusAndMutations) {
  std::vector<std::string> corpus =
      embedis::testing::LoadCorpus("tests/scripting/script_fuzz_corpus");
  ASSERT_FALSE(corpus.empty());
  for (const std::string& input : corpus) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  }
  std::mt19937_64 rng(14);
  for (int i = 0; i < 1500; ++i) {
    const std::string input = embedis::testing::MutateInput(corpus, kTokens, rng);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  }
}

}  // namespace
