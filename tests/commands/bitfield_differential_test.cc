// BITFIELD and BITFIELD_RO against a real redis-server 7.0: the same commands on both, the reply
// bytes compared (lib/commands/bit_family.cc, bit_ops.h). Every error text and the order of
// checks, every OVERFLOW mode at the edges of every width (i1, i8, i63, i64, u1, u8, u63), `#`
// offsets, huge offsets, nil replies in RESP2 and RESP3, MULTI, and randomized sessions.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/differential.h"

namespace embedis::testing {
namespace {

class BitFieldDifferentialTest : public DifferentialTest {};

TEST_F(BitFieldDifferentialTest, ArityAndSyntax) {
  Lines({"bitfield",
         "bitfield_ro",
         "bitfield k",
         "bitfield nokey",
         "exists nokey",
         "bitfield_ro k",
         "bitfield k get",
         "bitfield k get u8",
         "bitfield k set u8 0",
         "bitfield k incrby u8 0",
         "bitfield k overflow",
         "bitfield k foo",
         "bitfield k get u8 0 x",
         "bitfield k GeT u8 0 sEt u8 0 1 InCrBy u8 0 1",
         "bitfield k overflow sat",
         "bitfield k overflow wrap overflow fail",
         "bitfield_ro k overflow sat",
         "bitfield_ro k get u8 0 get",
         "bitfield_ro k foo",
         "bitfield_ro k overflow",
         "exists k"});
}

TEST_F(BitFieldDifferentialTest, ErrorsAndTheirOrder) {
  Lines(
      {"bitfield k get i0 0", "bitfield k get i65 0", "bitfield k get u64 0", "bitfield k get u0 0",
       "bitfield k get I8 0", "bitfield k get U8 0", "bitfield k get 8 0", "bitfield k get i 0",
       "bitfield k get i-1 0", "bitfield k get i+8 0", "bitfield k get i08 0",
       "bitfield k get ix 0", "bitfield k get i8 -1", "bitfield k get i8 x",
       "bitfield k get i8 1.5", "bitfield k get i8 #", "bitfield k get i8 ##1",
       "bitfield k get i8 #-1", "bitfield k get i8 #x", "bitfield k get i8 4294967296",
       "bitfield k set i8 0 x", "bitfield k set i8 0 1.5", "bitfield k incrby i8 0 x",
       "bitfield k overflow foo", "bitfield k overflow SAT overflow Fail overflow wrapx",
       // The first error in argument order wins.
       "bitfield k get u64 x set u8 0 y overflow foo", "bitfield k get u8 x set u64 0 y",
       "bitfield k set u8 0 y get u64 0", "bitfield k overflow foo get u64 0",
       "bitfield k get u8 0 overflow foo", "bitfield k get u8 0 foo", "bitfield k foo get u64 0",
       "bitfield k set u8 0 1 get u8 x", "exists k",
       // BITFIELD_RO: parse errors first, then the refusal of writes, before the key's type.
       "bitfield_ro k set u8 0 1", "bitfield_ro k incrby u8 0 1",
       "bitfield_ro k get u8 0 set u8 0 1", "bitfield_ro k set u64 0 1", "bitfield_ro k set u8 0 x",
       "bitfield_ro k overflow foo set u8 0 1", "bitfield_ro k overflow fail", "exists k",
       "rpush l a", "bitfield l get u8 0", "bitfield l set u8 0 1", "bitfield l overflow sat",
       "bitfield l", "bitfield l get u64 0", "bitfield_ro l get u8 0", "bitfield_ro l",
       "bitfield_ro l set u8 0 1", "bitfield_ro l get i65 0", "type l"});
  // A type is read up to its first NUL byte, as Redis's strlen.
  Same({"bitfield", "k", "get", std::string("i8\0x", 4), "0"});
  Same({"bitfield", "k", "get", std::string("u\0", 2), "0"});
  Same({"bitfield", "k", "get", "u8", std::string("1\0", 2)});
  Same({"bitfield", "k", "get", "u8", std::string("#\0", 2)});
}

TEST_F(BitFieldDifferentialTest, ExtremeNumericArguments) {
  Lines({"set k \xff\x01\x80\x7f\x00\xaa\x55"});
  for (const std::string& x : ExtremeIntegerArguments()) {
    Same({"bitfield", "k", "get", "i8", x});
    Same({"bitfield", "k", "get", "u8", absl::StrCat("#", x)});
    Same({"bitfield", "k", "get", absl::StrCat("i", x), "0"});
    Same({"bitfield", "k", "get", absl::StrCat("u", x), "0"});
    Same({"bitfield", "k", "set", "i16", "3", x});
    Same({"bitfield", "k", "incrby", "u7", "5", x});
    Same({"bitfield", "k", "overflow", "sat", "incrby", "i64", "1", x});
    Same({"bitfield", "k", "overflow", "fail", "set", "u63", "1", x});
    Same({"bitfield_ro", "k", "get", "i64", x});
    Same({"get", "k"});
  }
}

TEST_F(BitFieldDifferentialTest, HugeOffsets) {
  Lines({"set k \xff\xff"});
  for (const char* type : {"u1", "i8", "i64", "u63"}) {
    for (const char* off : {"4294967295",
                            "4294967294",
                            "4294967232",
                            "4294967296",
                            "9223372036854775807",
                            "9223372036854775808",
                            "-1",
                            "-9223372036854775808",
                            "#67108863",
                            "#67108864",
                            "#536870911",
                            "#536870912",
                            "#4294967295",
                            "#4294967296",
                            "#9223372036854775807",
                            "#-9223372036854775808",
                            "#288230376151711745",
                            "#144115188075855873",
                            "#2305843009213693953",
                            "#4611686018427387905"}) {
      Same({"bitfield", "k", "get", type, off});
      Same({"bitfield_ro", "k", "get", type, off});
      Same({"bitfield", "nokey", "get", type, off});
    }
  }
  // Offsets Redis refuses write nothing; "#" forms that wrap to a small offset are written.
  Lines({"bitfield k set u8 4294967296 1", "bitfield k set i64 #288230376151711745 -1",
         "bitfield k incrby i8 #2305843009213693953 5", "get k", "strlen k", "exists nokey"});
  // The last bit offset Redis accepts, written: a string of 512 MB (+ 8 bytes for an i64 there).
  Lines({"bitfield huge set u1 4294967295 1 get u1 4294967295 get i8 4294967288", "strlen huge",
         "bitfield huge overflow fail incrby i64 4294967295 -1 get i64 4294967295", "strlen huge",
         "del huge"});
}

TEST_F(BitFieldDifferentialTest, GetSetIncrByAndHashOffsets) {
  Lines({"bitfield k set i8 0 -100 get i8 0 get u8 0 get u4 0 get i4 4",
         "bitfield k incrby u2 100 1 overflow sat incrby i8 #1 -200 get u16 #6",
         "bitfield k set u8 #0 255 get u8 0 set i5 #3 -3 get i5 15 get u63 0 get i64 0", "get k",
         "strlen k", "bitfield k get u8 #100 get i64 #2", "strlen k",
         "bitfield nokey get i64 0 get u63 7", "exists nokey", "bitfield_ro nokey get u8 0",
         "exists nokey",
         // A write grows the string once, to the farthest bit written, before any op runs.
         "bitfield g get u8 100 set u1 9 1 get u8 20", "get g", "strlen g",
         "bitfield g incrby i64 23 -5 get i64 23", "strlen g", "object encoding g", "set e 12",
         "object encoding e", "bitfield e get u8 0", "object encoding e", "bitfield e set u8 0 49",
         "object encoding e", "get e",
         // FAIL writes nothing but still creates, grows and marks the key.
         "bitfield f overflow fail set u8 8 256", "get f", "exists f", "set t abc", "expire t 100",
         "bitfield t set u8 0 65", "ttl t", "get t",
         "bitfield t overflow fail incrby u8 0 1000 get u8 0", "ttl t",
         // Any write unshares the value (OBJECT ENCODING raw), even one that fails.
         "set r abc", "bitfield r overflow fail set u8 0 256", "object encoding r", "set r2 abc",
         "bitfield r2 get u8 0", "object encoding r2", "set r3 abc", "bitfield r3 set u8 0 97",
         "object encoding r3", "get r3"});
}

TEST_F(BitFieldDifferentialTest, OverflowAtTheEdgesOfEveryWidth) {
  struct Width {
    const char* type;
    std::vector<std::string> edges;  // min, max and their neighbours
  };
  const std::vector<Width> widths = {
      {"i1", {"-1", "0", "1", "-2", "2"}},
      {"i8", {"-128", "127", "-129", "128", "0", "-1", "255", "256"}},
      {"i63",
       {"-4611686018427387904", "4611686018427387903", "-4611686018427387905",
        "4611686018427387904", "0", "-1"}},
      {"i64", {"-9223372036854775808", "9223372036854775807", "0", "-1", "1"}},
      {"u1", {"0", "1", "2", "-1"}},
      {"u8", {"0", "255", "256", "-1", "511", "-256"}},
      {"u63", {"0", "9223372036854775807", "-1", "4611686018427387904", "-9223372036854775808"}},
  };
  const std::vector<std::string> increments = {"0",
                                               "1",
                                               "-1",
                                               "2",
                                               "-2",
                                               "127",
                                               "-128",
                                               "255",
                                               "256",
                                               "4611686018427387903",
                                               "-4611686018427387904",
                                               "9223372036854775807",
                                               "-9223372036854775808"};
  for (const Width& w : widths) {
    for (const char* mode : {"wrap", "sat", "fail"}) {
      // SET of every edge value, from a field holding each edge value.
      for (const std::string& start : w.edges) {
        Same({"del", "k"});
        Same({"bitfield", "k", "set", w.type, "3", start});
        for (const std::string& v : w.edges) {
          Same({"bitfield", "k", "overflow", mode, "set", w.type, "3", v, "get", w.type, "3"});
          Same({"bitfield", "k", "set", w.type, "3", start});
        }
        for (const std::string& inc : increments) {
          Same({"bitfield", "k", "overflow", mode, "incrby", w.type, "3", inc, "get", w.type, "3"});
          Same({"bitfield", "k", "set", w.type, "3", start});
          Same({"get", "k"});
        }
      }
    }
  }
}

TEST_F(BitFieldDifferentialTest, OverflowModeAppliesToTheFollowingOps) {
  Lines(
      {"bitfield k set u8 0 255 incrby u8 0 1 overflow sat incrby u8 0 -5 overflow fail "
       "incrby u8 0 300 incrby u8 0 1 overflow wrap incrby u8 0 300 get u8 0",
       "bitfield k overflow fail set i8 8 200 overflow sat set i8 8 200 get i8 8",
       "bitfield k overflow FAIL overflow Sat set u4 0 16 get u4 0"});
}

TEST_F(BitFieldDifferentialTest, Resp3AndMulti) {
  Resp3();
  Lines({"bitfield k overflow fail set u8 0 256 set u8 0 3 get u8 0", "bitfield k",
         "bitfield_ro k get u8 0 get i4 4", "bitfield_ro k set u8 0 1", "bitfield k get u64 0"});
  Lines({"multi", "bitfield k incrby u8 0 1 overflow fail incrby u8 0 255",
         "bitfield_ro k get u8 0", "bitfield_ro k set u8 0 1", "bitfield k get u64 0", "exec"});
}

TEST_F(BitFieldDifferentialTest, Multi) {
  Lines({"multi", "bitfield k overflow fail set u8 0 256", "bitfield k get u8 0",
         "bitfield_ro k get u8 0 incrby u8 0 1", "exec", "multi", "bitfield k get u8", "exec",
         "multi", "bitfield k get u64 0", "bitfield k set u8 0 5", "exec", "get k"});
}

TEST_F(BitFieldDifferentialTest, RandomSessions) {
  std::mt19937_64 rng(20);
  const char* keys[] = {"a", "b"};
  const char* types[] = {"i1", "i3", "i8", "i16", "i31", "i63", "i64",
                         "u1", "u5", "u8", "u17", "u32", "u63"};
  const char* modes[] = {"wrap", "sat", "fail"};
  auto number = [&]() -> std::string {
    switch (rng() % 4) {
      case 0:
        return absl::StrCat(static_cast<int64_t>(rng() % 600) - 300);
      case 1:
        return absl::StrCat(static_cast<int64_t>(rng()));
      case 2:
        return absl::StrCat(static_cast<int64_t>(rng() >> (rng() % 64)));
      default:
        return absl::StrCat(-static_cast<int64_t>(rng() >> (1 + rng() % 63)));
    }
  };
  for (int i = 0; i < 1500; ++i) {
    std::vector<std::string> argv = {rng() % 8 == 0 ? "bitfield_ro" : "bitfield", keys[rng() % 2]};
    const int n = 1 + static_cast<int>(rng() % 5);
    for (int j = 0; j < n; ++j) {
      const std::string type = types[rng() % 13];
      const std::string offset =
          rng() % 4 == 0 ? absl::StrCat("#", rng() % 12) : absl::StrCat(rng() % 150);
      switch (rng() % 5) {
        case 0:
        case 1:
          argv.insert(argv.end(), {"get", type, offset});
          break;
        case 2:
          argv.insert(argv.end(), {"set", type, offset, number()});
          break;
        case 3:
          argv.insert(argv.end(), {"incrby", type, offset, number()});
          break;
        case 4:
          argv.insert(argv.end(), {"overflow", modes[rng() % 3]});
          break;
      }
    }
    Same(argv);
    if (rng() % 50 == 0) Same({"del", keys[rng() % 2]});
  }
  for (const char* key : keys) Same({"get", key});
}

}  // namespace
}  // namespace embedis::testing
