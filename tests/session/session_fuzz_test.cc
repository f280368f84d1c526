// Runs the session fuzz entry point (session_fuzzer.cc) without libFuzzer:
// seeds that look like real cookies and sessions, then many pseudo-random
// mutations of them (fixed seed, so failures reproduce).
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void FuzzOne(const std::string& s) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TEST(SessionFuzz, SeedsAndMutationsNeverCrash) {
  const std::vector<std::string> seeds = {
      "",
      "connect.sid=s%3AYd8fTs0BzXKj1yQn3vC9mW2pL5rH7gE4.abc",
      "a=1; connect.sid=\"s:x.y\"; b=%E2%82%AC",
      R"({"cookie":{"originalMaxAge":60000,"expires":"2026-01-01T00:01:00.000Z","httpOnly":true,)"
      R"("path":"/"},"user":"bob","n":1.5,"list":[1,"two",{"three":3}]})",
      R"({"cookie":{"originalMaxAge":null,"expires":null},"u":"\u00e9\n"})",
      std::string("\xE5\x01\x21\x04\x80\xdd\xdb\x01\x02\x01/\x00\x08\x01\x04user\x06\x03"
                  "ada",
                  23),
  };
  std::mt19937 rng(1234);
  int runs = 0;
  for (const std::string& seed : seeds) {
    FuzzOne(seed);
    for (int i = 0; i < 3000; ++i) {
      std::string s = seed;
      const int edits = 1 + rng() % 6;
      for (int k = 0; k < edits; ++k) {
        const size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
        switch (rng() % 4) {
          case 0:
            if (pos < s.size()) s[pos] = static_cast<char>(rng());
            break;
          case 1:
            s.insert(pos, 1, "{}[]\",:%;=s.\\0"[rng() % 15]);
            break;
          case 2:
            if (pos < s.size()) s.erase(pos, 1 + rng() % 4);
            break;
          case 3:
            s.insert(pos, s.substr(rng() % (s.size() + 1), rng() % 8));
            break;
        }
      }
      FuzzOne(s);
      ++runs;
    }
  }
  EXPECT_EQ(runs, 6 * 3000);
}

}  // namespace
