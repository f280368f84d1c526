// LCS against a real redis-server 7.0: the same commands on both, the reply bytes compared
// (lib/commands/lcs_ops.h, string_family.cc). Every option and error with the order of checks,
// extreme MINMATCHLEN values, the RESP2 and RESP3 shapes of IDX, Redis's refusal of a table
// larger than proto-max-bulk-len, MULTI, and random strings.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/differential.h"

namespace embedis::testing {
namespace {

class LcsDifferentialTest : public DifferentialTest {};

TEST_F(LcsDifferentialTest, OptionsAndReplies) {
  Lines({"set a ohmytext",
         "set b mynewtext",
         "lcs a b",
         "lcs a b len",
         "lcs a b LEN",
         "lcs a b idx",
         "lcs a b IDX withmatchlen",
         "lcs a b idx minmatchlen 4",
         "lcs a b idx minmatchlen 4 withmatchlen",
         "lcs a b withmatchlen idx minmatchlen 0",
         "lcs a b withmatchlen",
         "lcs a b minmatchlen 3",
         "lcs a b len withmatchlen",
         "lcs a b len minmatchlen 2",
         "lcs a b idx idx minmatchlen 9 minmatchlen 1",
         "lcs b a idx withmatchlen",
         "lcs a a",
         "lcs a a idx withmatchlen",
         "lcs a nokey",
         "lcs nokey a idx",
         "lcs nokey nokey",
         "lcs nokey nokey len",
         "lcs nokey nokey idx withmatchlen",
         "exists nokey",
         "set n 12345",
         "set m 2345",
         "lcs n m",
         "lcs n m idx",
         "set e \"\"",
         "lcs e a"});
  Same({"set", "empty", ""});
  Lines({"lcs empty a idx", "lcs empty empty len"});
  Same({"set", "bin1", std::string("a\0b\0c\xff", 6)});
  Same({"set", "bin2", std::string("\0\0c\xff\xff", 5)});
  Lines({"lcs bin1 bin2", "lcs bin1 bin2 idx withmatchlen"});
}

TEST_F(LcsDifferentialTest, ErrorsAndTheirOrder) {
  Lines({"lcs",
         "lcs a",
         "set a abc",
         "set b abd",
         "rpush l x",
         "lcs a l",
         "lcs l a",
         "lcs l nokey",
         "lcs l l len",
         "lcs l a foo",
         "lcs l a len idx",
         "lcs a b foo",
         "lcs a b len idx",
         "lcs a b idx len",
         "lcs a b idx foo len",
         "lcs a b len idx foo",
         "lcs a b minmatchlen",
         "lcs a b minmatchlen x",
         "lcs a b minmatchlen x len idx",
         "lcs a b len idx minmatchlen x",
         "lcs a b idx minmatchlen",
         "lcs a b minmatchlen len",
         "lcs a b minmatchlen idx",
         "lcs a b withmatchlen foo",
         "lcs a b len len"});
  // MINMATCHLEN's small values matter too: ranges of 1 to 4 bytes are kept or left out.
  std::vector<std::string> values = ExtremeIntegerArguments();
  values.insert(values.end(), {"2", "3", "4"});
  for (const std::string& n : values) {
    Same({"lcs", "a", "b", "idx", "minmatchlen", n});
    Same({"lcs", "a", "b", "idx", "minmatchlen", n, "withmatchlen"});
    Same({"lcs", "a", "b", "minmatchlen", n});
  }
}

TEST_F(LcsDifferentialTest, Resp3Shapes) {
  Resp3();
  Lines({"set a ohmytext", "set b mynewtext", "lcs a b", "lcs a b len", "lcs a b idx",
         "lcs a b idx withmatchlen minmatchlen 2", "lcs nokey nokey idx", "lcs nokey b",
         "rpush l x", "lcs a l", "lcs a b len idx"});
}

TEST_F(LcsDifferentialTest, TooLargeTablesAreRefused) {
  // 11585 bytes each: (11586^2) * 4 bytes passes 512 MB. Nothing is allocated on either side.
  Lines({"setrange big 11584 x", "setrange big2 11583 y", "setrange small 100 z", "lcs big big",
         "lcs big big len", "lcs big big idx", "lcs big big2 len", "lcs big2 big idx withmatchlen",
         "lcs big big len idx", "lcs big big foo", "lcs big small len", "lcs small big"});
}

TEST_F(LcsDifferentialTest, Multi) {
  Lines({"set a abcdef", "set b acf", "multi", "lcs a b", "lcs a b idx", "lcs a b len idx",
         "lcs a b foo", "exec"});
}

TEST_F(LcsDifferentialTest, RandomStrings) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 400; ++i) {
    auto random_string = [&] {
      const int alphabet = 1 + static_cast<int>(rng() % 4);
      std::string s(rng() % 40, '\0');
      for (char& c : s) c = static_cast<char>('a' + rng() % alphabet);
      return s;
    };
    Same({"set", "a", random_string()});
    Same({"set", "b", random_string()});
    Same({"lcs", "a", "b"});
    Same({"lcs", "b", "a", "len"});
    Same({"lcs", "a", "b", "idx", "withmatchlen"});
    Same({"lcs", "a", "b", "idx", "minmatchlen", absl::StrCat(rng() % 5)});
  }
}

}  // namespace
}  // namespace embedis::testing
