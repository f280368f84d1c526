// Runs the libFuzzer entry point of resp_parser_fuzzer.cc without libFuzzer: replays the seed
// corpus (tests/resp/corpus), then a bounded number of inputs mutated from it with a fixed seed,
// so that every normal test run checks the fuzzer's invariants. A failed invariant aborts.
#include <cstdint>
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
  std::filesystem::path dir = "tests/resp/corpus";
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

// Pieces that make mutations likely to reach interesting parser states.
const char* const kTokens[] = {"\r\n",
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
                               "\0",
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
  auto uniform = [&rng](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  std::string s = corpus[uniform(corpus.size())];
  size_t steps = 1 + uniform(6);
  for (size_t i = 0; i < steps; ++i) {
    switch (uniform(7)) {
      case 0:  // flip a byte
        if (!s.empty()) s[uniform(s.size())] = static_cast<char>(rng());
        break;
      case 1:  // insert a random byte
        s.insert(s.begin() + uniform(s.size() + 1), static_cast<char>(rng()));
        break;
      case 2:  // erase a range
        if (!s.empty()) {
          size_t at = uniform(s.size());
          s.erase(at, 1 + uniform(std::min<size_t>(8, s.size() - at)));
        }
        break;
      case 3: {  // insert a token
        std::string token = kTokens[uniform(std::size(kTokens))];
        if (token.empty()) token.push_back('\0');
        s.insert(uniform(s.size() + 1), token);
        break;
      }
      case 4: {  // splice in part of another input
        const std::string& other = corpus[uniform(corpus.size())];
        size_t from = uniform(other.size() + 1);
        s.insert(uniform(s.size() + 1), other.substr(from, uniform(other.size() - from + 1)));
        break;
      }
      case 5:  // duplicate a range
        if (!s.empty()) {
          size_t at = uniform(s.size());
          s.insert(at, s.substr(at, 1 + uniform(16)));
        }
        break;
      default:  // truncate
        s.resize(uniform(s.size() + 1));
    }
  }
  return s;
}

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
