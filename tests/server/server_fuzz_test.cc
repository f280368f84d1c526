// Runs the libFuzzer entry point of server_fuzzer.cc without libFuzzer: replays the seed corpus
// (tests/server/server_fuzz_corpus) and then a few thousand inputs mutated from it with a fixed
// seed, so that every normal test run checks the fuzzer's invariants over the in-process loop and a
// real Server. A failed invariant aborts and prints the input.
#include <cstdint>
#include <cstdlib>
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

// Pieces that steer mutations toward commands, options and protocol edges.
const std::string_view kTokens[] = {
    "\r\n",
    "*",
    "$",
    "$-1\r\n",
    "*-1\r\n",
    "*0\r\n",
    "-1",
    "0",
    "\"",
    "'",
    "\\x",
    " ",
    "EX",
    "PX",
    "NX",
    "XX",
    "GET",
    "KEEPTTL",
    "MATCH",
    "COUNT",
    "TYPE",
    "WITHVALUES",
    "HELLO",
    "3",
    "QUIT",
    "SELECT",
    "SWAPDB",
    "CLIENT",
    "INFO",
    "SCAN",
    "HSET",
    "EXPIRE",
    "INCR",
    "SETRANGE",
    "BITFIELD",
    "OVERFLOW",
    "LCS",
    "#288230376151711745",
    "99999999999999999999",
    "9223372036854775807",
    "-9223372036854775808",
    "1e308",
    "inf",
    "nan",
    "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
    "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
    "*4\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\nf\r\n$1\r\nv\r\n",
};

std::string Mutate(const std::vector<std::string>& corpus, std::mt19937_64& rng) {
  static const std::vector<std::string_view> tokens(std::begin(kTokens), std::end(kTokens));
  return embedis::testing::MutateInput(corpus, tokens, rng, {.max_steps = 5, .max_duplicate = 64});
}

std::vector<std::string> LoadCorpus() {
  return embedis::testing::LoadCorpus("tests/server/server_fuzz_corpus");
}

TEST(ServerFuzz, SeedCorpusKeepsInvariants) {
  std::vector<std::string> corpus = LoadCorpus();
  ASSERT_GE(corpus.size(), 20u);
  for (const std::string& input : corpus) EXPECT_EQ(RunOne(input), 0);
}

TEST(ServerFuzz, MutatedInputsKeepInvariants) {
  std::vector<std::string> corpus = LoadCorpus();
  ASSERT_FALSE(corpus.empty());
  std::mt19937_64 rng(20240612);
  for (int i = 0; i < 3000; ++i) RunOne(Mutate(corpus, rng));
}

TEST(ServerFuzz, EdgeInputsKeepInvariants) {
  RunOne("");
  RunOne(std::string(1, '\0'));
  RunOne(std::string(70000, 'a'));              // over the inline limit
  RunOne("*1\r\n$" + std::string(70000, '1'));  // an endless bulk length
  RunOne("*100000\r\n");                        // a count with nothing behind it
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n";
  RunOne(many);  // more than the fairness budget and the output pause
}

}  // namespace
