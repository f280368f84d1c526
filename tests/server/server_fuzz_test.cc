// Runs the libFuzzer entry point of server_fuzzer.cc without libFuzzer: replays the seed corpus
// (tests/server/server_fuzz_corpus) and then a few thousand inputs mutated from it with a fixed
// seed, so that every normal test run checks the fuzzer's invariants over the in-process loop and a
// real Server. A failed invariant aborts and prints the input.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int RunOne(const std::string& input) {
  return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::vector<std::string> LoadCorpus() {
  std::vector<std::string> corpus;
  std::filesystem::path dir = "tests/server/server_fuzz_corpus";
  if (const char* srcdir = std::getenv("TEST_SRCDIR"); srcdir != nullptr) {
    std::filesystem::path runfiles = std::filesystem::path(srcdir) / "embedis" / dir;
    if (std::filesystem::exists(runfiles)) dir = runfiles;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    corpus.push_back(ss.str());
  }
  return corpus;
}

// Pieces that steer mutations toward commands, options and protocol edges.
const char* const kTokens[] = {
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
  auto uniform = [&rng](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  std::string s = corpus[uniform(corpus.size())];
  const size_t steps = 1 + uniform(5);
  for (size_t i = 0; i < steps; ++i) {
    switch (uniform(7)) {
      case 0:  // flip a byte
        if (!s.empty()) s[uniform(s.size())] = static_cast<char>(rng());
        break;
      case 1:  // insert a random byte
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(uniform(s.size() + 1)),
                 static_cast<char>(rng()));
        break;
      case 2:  // erase a range
        if (!s.empty()) {
          size_t at = uniform(s.size());
          s.erase(at, 1 + uniform(std::min<size_t>(8, s.size() - at)));
        }
        break;
      case 3:  // insert a token
        s.insert(uniform(s.size() + 1), kTokens[uniform(std::size(kTokens))]);
        break;
      case 4: {  // splice in part of another input
        const std::string& other = corpus[uniform(corpus.size())];
        size_t from = uniform(other.size() + 1);
        s.insert(uniform(s.size() + 1), other.substr(from, uniform(other.size() - from + 1)));
        break;
      }
      case 5:  // duplicate a range
        if (!s.empty()) {
          size_t at = uniform(s.size());
          s.insert(at, s.substr(at, 1 + uniform(64)));
        }
        break;
      default:  // truncate
        s.resize(uniform(s.size() + 1));
    }
  }
  return s;
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
