// Bit commands against a real redis-server 7.0: the same commands on both, the reply bytes
// compared (lib/commands/bit_family.cc). Every command with its errors, arity errors, WRONGTYPE,
// the order of checks, extreme values of every numeric argument (0, -1, +-2^31, +-2^63, just past
// each limit), RESP2 and RESP3 (integer replies are the same in both), and a randomized session.
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/differential.h"

namespace embedis::testing {
namespace {

class BitDifferentialTest : public DifferentialTest {};

// The extreme values thrown at every numeric argument, with the bit offsets' own limits.
const std::vector<std::string>& Extremes() {
  static const auto* v = [] {
    auto* v = new std::vector<std::string>(ExtremeIntegerArguments());
    v->insert(v->end(), {"4294967294", "536870911", "536870912"});
    return v;
  }();
  return *v;
}

TEST_F(BitDifferentialTest, ArityErrors) {
  Lines({"setbit", "setbit k", "setbit k 1", "setbit k 1 1 1", "getbit", "getbit k", "getbit k 1 2",
         "bitcount", "bitpos", "bitpos k", "bitop", "bitop and", "bitop and d"});
}

TEST_F(BitDifferentialTest, SetBitGetBit) {
  Lines({"setbit k 7 1",
         "get k",
         "getbit k 7",
         "getbit k 6",
         "getbit k 8",
         "getbit k 100",
         "setbit k 7 0",
         "setbit k 7 0",
         "get k",
         "setbit k 100 1",
         "strlen k",
         "getbit k 100",
         "object encoding k",
         "getbit nokey 0",
         "setbit k 0 1",
         "get k",
         "set n 12",
         "setbit n 1 1",
         "get n",
         "object encoding n",
         "set e foo",
         "expire e 100",
         "setbit e 3 1",
         "ttl e",
         "setbit k 7 01",
         "setbit k 7 -0",
         "setbit k 7 2",
         "setbit k 7 -1",
         "setbit k 7 a",
         "setbit k -1 1",
         "setbit k x 1",
         "setbit k x x",
         "setbit k 4294967296 1",
         "getbit k 4294967296",
         "getbit k 4294967295",
         "getbit k -1",
         "getbit k x",
         "setbit K 0 1",
         "setbit K 0 0",
         "exists K"});
  // Wrong type: the offset and the value are checked first.
  Lines(
      {"rpush l a", "setbit l 0 1", "getbit l 0", "setbit l -1 1", "setbit l 0 2", "getbit l -1"});
}

TEST_F(BitDifferentialTest, SetBitGetBitExtremes) {
  Lines({"setbit k 0 1"});
  for (const std::string& x : Extremes()) {
    // 2^32-1 and its neighbours would allocate 512 MB: only the refused ones are set.
    if (x != "4294967295" && x != "4294967294" && x != "2147483647" && x != "2147483648" &&
        x != "536870911" && x != "536870912") {
      Same({"setbit", "k", x, "1"});
    }
    Same({"setbit", "k", "3", x});
    Same({"getbit", "k", x});
    Same({"getbit", "nokey", x});
  }
  Same({"get", "k"});
}

TEST_F(BitDifferentialTest, BitCount) {
  Lines({"bitcount nokey",
         "bitcount nokey 0",
         "bitcount nokey x y z",
         "set s foobar",
         "bitcount s",
         "bitcount s 0 0",
         "bitcount s 1 1",
         "bitcount s 1 -2",
         "bitcount s -2 -1",
         "bitcount s -1 -2",
         "bitcount s 5 30",
         "bitcount s 0 0 byte",
         "bitcount s 0 0 BYTE",
         "bitcount s 5 30 BIT",
         "bitcount s 0 -1 bit",
         "bitcount s -3 -1 bit",
         "bitcount s 1 1 bit",
         "bitcount s 7 7 bit",
         "bitcount s 2 13 bit",
         "bitcount s 9 8 bit",
         "bitcount s 0",
         "bitcount s 0 1 2",
         "bitcount s 0 1 bit x",
         "bitcount s x 1",
         "bitcount s 1 x",
         "bitcount s x y z",
         "bitcount s 0 x z",
         "bitcount s 0 1 bits",
         "set e \"\"",
         "set empty x",
         "del empty",
         "set n 1234",
         "bitcount n",
         "bitcount n 1 2 bit",
         "rpush l a",
         "bitcount l",
         "bitcount l 0 1",
         "bitcount l x y"});
  for (const std::string& x : Extremes()) {
    Same({"bitcount", "s", x, "-1"});
    Same({"bitcount", "s", "0", x});
    Same({"bitcount", "s", x, "-1", "bit"});
    Same({"bitcount", "s", "0", x, "bit"});
    Same({"bitcount", "s", x, x, "bit"});
  }
  Same({"set", "empty", ""});
  Lines({"bitcount empty", "bitcount empty 0 -1", "bitcount empty 0 -1 bit"});
}

TEST_F(BitDifferentialTest, BitPos) {
  Lines({"bitpos nokey 0",       "bitpos nokey 1",       "bitpos nokey 2",
         "bitpos nokey x",       "bitpos nokey 0 x",     "bitpos nokey 1 0 1 bit x",
         "set s \xff\xf0\x00",   "setbit z 23 1",        "bitpos z 1",
         "bitpos z 0",           "bitpos z 1 2",         "bitpos z 1 0 1",
         "bitpos z 0 1",         "bitpos z 0 0 -1",      "bitpos z 0 3",
         "bitpos z 1 -1",        "bitpos z 1 -1 -2",     "bitpos z 1 0 0 bit",
         "bitpos z 1 0 23 bit",  "bitpos z 1 20 22 BIT", "bitpos z 0 20 22 bit",
         "bitpos z 0 1 bit",     "bitpos z 0 23 bit",    "bitpos z 0 23 23 bit",
         "bitpos z 1 0 -1 byte", "bitpos z 1 0 -1 bits", "bitpos z 1 x",
         "bitpos z 1 0 x",       "bitpos z 1 x 0 bits",  "bitpos z 1 0 x bits",
         "bitpos z 1 0 1 bit 1", "bitpos z 2",           "bitpos z -1",
         "bitpos z 1.0",         "set f \xff",           "rpush l a",
         "bitpos l 1",           "bitpos l 2",           "bitpos l 1 x"});
  std::string ff(3, '\xff');
  Same({"set", "ones", ff});
  Same({"set", "mixed", std::string("\xff\xf0\x00\x0f", 4)});
  Same({"set", "empty", ""});
  for (const char* key : {"ones", "mixed", "empty", "z"}) {
    for (const char* bit : {"0", "1"}) {
      Same({"bitpos", key, bit});
      for (const char* unit : {"byte", "bit"}) {
        for (const char* a : {"0", "1", "-1", "2", "5", "12", "-13", "31", "100"}) {
          Same({"bitpos", key, bit, a});
          for (const char* b : {"0", "1", "-1", "3", "11", "-9", "31", "100"}) {
            Same({"bitpos", key, bit, a, b});
            Same({"bitpos", key, bit, a, b, unit});
          }
        }
      }
    }
  }
  for (const std::string& x : Extremes()) {
    Same({"bitpos", "mixed", x});
    Same({"bitpos", "mixed", "0", x});
    Same({"bitpos", "mixed", "1", x, "-1"});
    Same({"bitpos", "mixed", "0", "0", x});
    Same({"bitpos", "mixed", "1", x, x, "bit"});
    Same({"bitpos", "mixed", "0", "0", x, "bit"});
  }
}

TEST_F(BitDifferentialTest, BitOp) {
  Lines({"set a foobar",
         "set b abcdef",
         "set c x",
         "bitop and d a b",
         "get d",
         "bitop or d a b c",
         "get d",
         "bitop XOR d a b c",
         "get d",
         "bitop not d a",
         "get d",
         "object encoding d",
         "bitop and d a nokey",
         "get d",
         "bitop or d nokey c",
         "get d",
         "bitop not d nokey",
         "exists d",
         "bitop and d nokey",
         "exists d",
         "set d keep",
         "bitop or d nokey nokey2",
         "exists d",
         "bitop nand d a",
         "bitop not d a b",
         "bitop not d",
         "bitop x d",
         "rpush l a",
         "bitop and d a l",
         "bitop and d nokey l",
         "bitop or d l",
         "bitop not d l",
         "bitop or l a",
         "type l",
         "get l",
         "set t x",
         "expire t 100",
         "bitop or t a",
         "ttl t",
         "bitop and a a b",
         "get a",
         "bitop or d a a a a",
         "get d"});
}

TEST_F(BitDifferentialTest, Resp3Replies) {
  Resp3();
  Lines({"setbit k 5 1", "getbit k 5", "bitcount k", "bitpos k 1", "bitop not d k", "get d",
         "setbit k -1 1", "bitcount k x y", "bitpos k 2", "bitop not d k k"});
}

TEST_F(BitDifferentialTest, RandomSession) {
  std::mt19937_64 rng(12);
  const char* keys[] = {"a", "b", "c", "d"};
  for (int i = 0; i < 1500; ++i) {
    const std::string key = keys[rng() % 4];
    const std::string n1 = absl::StrCat(static_cast<int64_t>(rng() % 120) - 40);
    const std::string n2 = absl::StrCat(static_cast<int64_t>(rng() % 120) - 40);
    const std::string off = absl::StrCat(rng() % 200);
    const std::string unit = rng() % 2 ? "bit" : "byte";
    switch (rng() % 6) {
      case 0:
        Same({"setbit", key, off, absl::StrCat(rng() % 2)});
        break;
      case 1:
        Same({"getbit", key, off});
        break;
      case 2:
        Same({"bitcount", key, n1, n2, unit});
        break;
      case 3:
        Same({"bitpos", key, absl::StrCat(rng() % 2), n1, n2, unit});
        break;
      case 4:
        Same({"bitpos", key, absl::StrCat(rng() % 2), n1});
        break;
      case 5: {
        const char* ops[] = {"and", "or", "xor", "not"};
        const std::string op = ops[rng() % 4];
        if (op == "not") {
          Same({"bitop", op, key, keys[rng() % 4]});
        } else {
          Same({"bitop", op, key, keys[rng() % 4], keys[rng() % 4]});
        }
        break;
      }
    }
  }
  for (const char* key : keys) Same({"get", key});
}

}  // namespace
}  // namespace embedis::testing
