#include "tests/testing/fuzz_replay.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace embedis::testing {

std::vector<std::string> LoadCorpus(std::string_view dir_name) {
  std::vector<std::string> corpus;
  std::filesystem::path dir(dir_name);
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

std::string MutateInput(const std::vector<std::string>& corpus,
                        absl::Span<const std::string_view> tokens, std::mt19937_64& rng,
                        MutationOptions options) {
  auto uniform = [&rng](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  std::string s = corpus[uniform(corpus.size())];
  const size_t steps = 1 + uniform(options.max_steps);
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
        if (!tokens.empty()) s.insert(uniform(s.size() + 1), tokens[uniform(tokens.size())]);
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
          s.insert(at, s.substr(at, 1 + uniform(options.max_duplicate)));
        }
        break;
      default:  // truncate
        s.resize(uniform(s.size() + 1));
    }
  }
  return s;
}

}  // namespace embedis::testing
