// Runs the libFuzzer entry point of resp_parser_fuzzer.cc without libFuzzer: replays the seed
// corpus (tests/resp/corpus), then a bounded number of inputs mutated from it with a fixed seed,
// so that every normal test run checks the fuzzer's invariants. A failed invariant aborts.
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/fuzz_replay.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int RunOne(const std::string& input) {
  return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

// Pieces that make mutations likely to reach interesting parser states.
const std::string_view kTokens[] = {"\r\n",
                                    "\r",
                                    "\n",
                                    "*",
                                    "$",
                                    "$-1\r\n",
                                    "*-1\r\n",
                                    "_\r\n",
                                    "%1\r\n",
                                    "|1\r\n",
                                    "=8\r\ntxt:",
                                    "2147483648",
                                    "-1",
                                    "0",
                                    "\"",
                                    "'",
                                    "\\x4",
                                    "\\",
                                    std::string_view("\0", 1),
                                    ",",
                                    "#t\r\n",
                                    "(",
                                    "9223372036854775808",
                                    ">2\r\n",
                                    "~1\r\n",
                                    "!3\r\n",
                                    ":-0\r\n",
                                    "+OK\r\n"};

std::string Mutate(const std::vector<std::string>& corpus, std::mt19937_64& rng) {
  static const std::vector<std::string_view> tokens(std::begin(kTokens), std::end(kTokens));
  return embedis::testing::MutateInput(corpus, tokens, rng, {.max_steps = 6, .max_duplicate = 16});
}

std::vector<std::string> LoadCorpus() { return embedis::testing::LoadCorpus("tests/resp/corpus"); }

TEST(RespParserFuzz, SeedCorpusKeepsInvariants) {
  std::vector<std::string> corpus = LoadCorpus();
  ASSERT_GE(corpus.size(), 20u);
  for (const std::string& input : corpus) EXPECT_EQ(RunOne(input), 0);
}

TEST(RespParserFuzz, MutatedInputsKeepInvariants) {
  std::vector<std::string> corpus = LoadCorpus();
  ASSERT_FALSE(corpus.empty());
  std::mt19937_64 rng(20240611);
  for (int i = 0; i < 60000; ++i) RunOne(Mutate(corpus, rng));
}

TEST(RespParserFuzz, EdgeInputsKeepInvariants) {
  RunOne("");
  RunOne(std::string(1, '\0'));
  RunOne(std::string(70000, 'a'));
  RunOne("*1\r\n$" + std::string(70000, '1'));
  RunOne(std::string(200, '*') + "1\r\n");
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "*1\r\n";
  RunOne(deep + ":1\r\n");
}

}  // namespace
