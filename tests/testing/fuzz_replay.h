// Helpers for the cc_tests that replay a libFuzzer target without libFuzzer:
// load the seed corpus from runfiles, and mutate its inputs deterministically.
//
//   std::vector<std::string> corpus = LoadCorpus("tests/resp/corpus");
//   std::mt19937_64 rng(42);
//   std::string input = MutateInput(corpus, kTokens, rng, {.max_steps = 6});
#ifndef EMBEDIS_TESTS_TESTING_FUZZ_REPLAY_H_
#define EMBEDIS_TESTS_TESTING_FUZZ_REPLAY_H_

#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"

namespace embedis::testing {

// Every regular file under `dir` (a workspace-relative path, found in the
// test's runfiles when run by Bazel).
std::vector<std::string> LoadCorpus(std::string_view dir);

struct MutationOptions {
  size_t max_steps = 6;       // 1..max_steps mutations per input
  size_t max_duplicate = 16;  // longest range a "duplicate" step copies
};

// One of the corpus inputs with random byte flips, inserts, erasures, inserted
// `tokens`, splices of other inputs, duplicated ranges and truncation.
std::string MutateInput(const std::vector<std::string>& corpus,
                        absl::Span<const std::string_view> tokens, std::mt19937_64& rng,
                        MutationOptions options = {});

}  // namespace embedis::testing

#endif  // EMBEDIS_TESTS_TESTING_FUZZ_REPLAY_H_
