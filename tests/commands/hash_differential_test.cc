// Hash commands against a real redis-server 7: the same commands on both, and the reply bytes
// compared (structurally where Redis's own output is random: HRANDFIELD samples and anything read
// from a hashtable-encoded hash, whose order is Redis's hash order). HSCAN and HRANDFIELD cases
// are in hash_scan_randfield_test.cc.
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/commands/hash_test_util.h"

namespace embedis::testing {
namespace {

TEST_F(HashDifferentialTest, BasicsErrorsAndArity) {
  Lines({"hset h",
         "hset h f",
         "hset h f v g",
         "hmset h f",
         "hmset h f v g",
         "hsetnx h f",
         "hget h",
         "hmget h",
         "hgetall",
         "hgetall h x",
         "hdel h",
         "hexists h",
         "hlen",
         "hkeys h x",
         "hvals",
         "hstrlen h",
         "hincrby h f",
         "hincrbyfloat h f",
         "hrandfield",
         "hscan h",
         "exists h",
         "hset h b 1 a 2 c 3",
         "hset h a 9 d 4",
         "hmset h e 5 f 6",
         "hsetnx h a x",
         "hsetnx h g 7",
         "hget h a",
         "hget h zz",
         "hget nokey a",
         "hmget h a zz b",
         "hmget nokey a b",
         "hgetall h",
         "hkeys h",
         "hvals h",
         "hlen h",
         "hlen nokey",
         "hstrlen h a",
         "hstrlen h zz",
         "hstrlen nokey a",
         "hexists h a",
         "hexists h zz",
         "hexists nokey a",
         "hdel h a a zz",
         "hdel nokey a",
         "hgetall h",
         "hset h a 10",
         "hkeys h",
         "hgetall nokey",
         "hkeys nokey",
         "hvals nokey",
         "hdel h b c d e f g a",
         "exists h",
         "hgetall h",
         "set s x",
         "hset s f v",
         "hsetnx s f v",
         "hget s f",
         "hmget s f",
         "hmset s f v",
         "hgetall s",
         "hdel s f",
         "hexists s f",
         "hlen s",
         "hkeys s",
         "hvals s",
         "hstrlen s f",
         "hincrby s f 1",
         "hincrby s f x",
         "hincrbyfloat s f 1",
         "hincrbyfloat s f x",
         "hrandfield s",
         "hrandfield s 1",
         "hrandfield s 1 x",
         "hrandfield s x",
         "hscan s 0",
         "hscan s x",
         "hscan s 0 bogus",
         "get s"});
}

TEST_F(HashDifferentialTest, Counters) {
  Lines({"hincrby h n 5",
         "hincrby h n -7",
         "hincrby h n 1.5",
         "hincrby h n 9223372036854775807",
         "hincrby h n 9223372036854775807",
         "hincrby h n2 9223372036854775807",
         "hincrby h n2 1",
         "hincrby h n3 -9223372036854775808",
         "hincrby h n3 -1",
         "hincrby h n3 9223372036854775808",
         "hincrby h n4 +1",
         "hincrby h n4 01",
         "hincrby h n4 -0",
         "hset h s abc p +5 z 007 e 5.0e3 neg -3",
         "hincrby h s 1",
         "hincrby h p 1",
         "hincrby h z 1",
         "hincrby h e 1",
         "hincrby h neg -3",
         "hincrbyfloat h f 10.50000",
         "hincrbyfloat h f 0.1",
         "hincrbyfloat h f -10.6",
         "hincrbyfloat h g 3.0e3",
         "hincrbyfloat h g 1e-20",
         "hincrbyfloat h t 1e-20",
         "hincrbyfloat h f abc",
         "hincrbyfloat h f nan",
         "hincrbyfloat h f inf",
         "hincrbyfloat h f -inf",
         "hincrbyfloat h f +inf",
         "hincrbyfloat h f 1e308",
         "hincrbyfloat h f 1e308",
         "hincrbyfloat h f 0x10",
         "hincrbyfloat h s 1",
         "hincrbyfloat h p 1",
         "hincrbyfloat h z 1.5",
         "hincrbyfloat h e 1",
         "hincrbyfloat h n3 1",
         "hincrbyfloat h n2 -1",
         "hincrbyfloat h q 5",
         "hincrbyfloat h q -0.0",
         "hincrbyfloat h q .5",
         "hincrbyfloat h q 5.",
         "hincrbyfloat h q 1e",
         "hset h i inf mi -inf",
         "hincrbyfloat h i 1",
         "hincrbyfloat h mi 1",
         "hincrby h i 1"});
  SameUnordered({"hgetall", "h"});  // a hashtable by now: f's value is 309 bytes
  Same({"hincrbyfloat", "h", "f", " 1"});
  Same({"hincrbyfloat", "h", "f", "1 "});
  Same({"hincrbyfloat", "h", "f", ""});
  Same({"hincrby", "h", "f", ""});
  Same({"hincrby", "h", "f", " 1"});
}

TEST_F(HashDifferentialTest, FloatRangeErrors) {
  // Depends on ParseLongDouble rejecting ERANGE overflow/underflow as Redis's string2ld does.
  Lines({"hincrbyfloat h f 1e5000", "hincrbyfloat h f 1e-5000", "hset h big 1e5000",
         "hincrbyfloat h big 1", "hincrbyfloat h f 1e-4940", "hgetall h"});
}

TEST_F(HashDifferentialTest, Resp3Replies) {
  Resp3();
  Lines({"hgetall nokey",
         "hget nokey f",
         "hmget nokey a b",
         "hrandfield nokey",
         "hrandfield nokey 3",
         "hrandfield nokey 3 withvalues",
         "hscan nokey 0",
         "hset h a 1 b 2 c 3",
         "hgetall h",
         "hget h a",
         "hget h zz",
         "hmget h a zz",
         "hkeys h",
         "hvals h",
         "hlen h",
         "hincrbyfloat h a 1.25",
         "hincrby h b 3",
         "hrandfield h 3",
         "hrandfield h 10 withvalues",
         "hrandfield h 0",
         "hrandfield h 0 withvalues",
         "hscan h 0",
         "hscan h 0 match [ab]",
         "hset one f v",
         "hrandfield one",
         "hrandfield one 1",
         "hrandfield one 1 withvalues",
         "hrandfield one -3",
         "hrandfield one -3 withvalues",
         "hmset h x y",
         "hsetnx h x z",
         "hdel h x",
         "hexists h a",
         "hstrlen h a",
         "hincrbyfloat h a inf",
         "set s x",
         "hgetall s",
         "hrandfield s 1"});
}

TEST_F(HashDifferentialTest, EncodingTransitions) {
  const std::string v64(64, 'x'), v65(65, 'y');
  Same({"hset", "a", "f", v64});
  SameEncoding("a");
  Same({"hset", "a", v64, "1"});
  SameEncoding("a");
  Same({"hsetnx", "a", "f", v65});  // existing field: no conversion
  SameEncoding("a");
  Same({"hgetall", "a"});
  Same({"hset", "a", "f", v65});
  SameEncoding("a");
  Same({"hsetnx", "b", "f", v65});
  SameEncoding("b");
  Same({"hincrby", "c", v65, "1"});
  SameEncoding("c");
  Same({"hincrbyfloat", "d", v65, "1.5"});
  SameEncoding("d");
  Same({"hset", "e", "f", "1e60"});
  Same({"hincrbyfloat", "e", "f", "1"});  // a 60-byte result stays small
  SameEncoding("e");
  Same({"hset", "e", "f", "1e70"});
  Same({"hincrbyfloat", "e", "f", "1"});  // a 71-byte result converts
  SameEncoding("e");
  // 512 fields stay a listpack, in order; the 513th converts, and deleting does not go back.
  std::vector<std::string> hset = {"hset", "big"};
  for (int i = 0; i < 512; ++i) {
    hset.push_back(absl::StrCat("field", i));
    hset.push_back(absl::StrCat(i * 7));
  }
  Same(hset);
  SameEncoding("big");
  Same({"hgetall", "big"});
  Same({"hscan", "big", "0", "count", "3"});
  Same({"hset", "big", "one-more", "x"});
  SameEncoding("big");
  for (int i = 0; i < 510; ++i) Same({"hdel", "big", absl::StrCat("field", i)});
  SameEncoding("big");
  SameUnordered({"hgetall", "big"});
  // One HSET that goes past 512 at once.
  std::vector<std::string> many = {"hset", "many"};
  for (int i = 0; i < 600; ++i) {
    many.push_back(absl::StrCat("f", i));
    many.push_back("v");
  }
  Same(many);
  SameEncoding("many");
}

// A few hundred random hash commands over a handful of keys, fields and values (some long, some
// numeric, so encodings change and counters hit every error). While a key is a listpack on both
// sides every reply must be the same bytes; a hashtable's order-dependent replies are compared
// structurally. Every step then checks that the encodings agree.
TEST_F(HashDifferentialTest, RandomCommandsMatchRedis) {
  std::mt19937 rng(20240601);
  auto pick = [&](std::initializer_list<const char*> options) {
    return std::string(*(options.begin() + rng() % options.size()));
  };
  const std::string long_value(70, 'L');
  auto key = [&] { return pick({"h1", "h2", "h3", "str", "nokey"}); };
  auto field = [&] { return pick({"a", "b", "c", "d", "n", "x", "", "a*", "long"}); };
  auto value = [&]() -> std::string {
    switch (rng() % 10) {
      case 0:
        return long_value;
      case 1:
        return pick({"1.5", "-2", "abc", "9223372036854775807", "0", "1e3", " 1"});
      default:
        return absl::StrCat(rng() % 100);
    }
  };
  Same({"set", "str", "x"});
  for (int step = 0; step < 600; ++step) {
    if (step == 300) Resp3();
    std::vector<std::string> argv;
    const std::string k = key();
    switch (rng() % 16) {
      case 0:
        argv = {"hset", k};
        for (int i = 0, n = 1 + rng() % 3; i < n; ++i) {
          argv.push_back(field());
          argv.push_back(value());
        }
        if (rng() % 20 == 0) argv.pop_back();  // odd: arity error
        break;
      case 1:
        argv = {"hsetnx", k, field(), value()};
        break;
      case 2:
        argv = {"hget", k, field()};
        break;
      case 3:
        argv = {"hmget", k, field(), field(), field()};
        break;
      case 4:
        argv = {"hmset", k, field(), value()};
        break;
      case 5:
        argv = {"hgetall", k};
        break;
      case 6:
        argv = {"hdel", k, field(), field()};
        break;
      case 7:
        argv = {"hexists", k, field()};
        break;
      case 8:
        argv = {"hlen", k};
        break;
      case 9:
        argv = {rng() % 2 ? "hkeys" : "hvals", k};
        break;
      case 10:
        argv = {"hstrlen", k, field()};
        break;
      case 11:
        argv = {"hincrby", k, field(), pick({"1", "-5", "100", "x", "9223372036854775807"})};
        break;
      case 12:
        argv = {"hincrbyfloat", k, field(), pick({"0.5", "-1.25", "1e2", "abc", "inf", "3"})};
        break;
      case 13:
        argv = {"hrandfield", k, pick({"20", "0", "-1", "x"})};
        if (rng() % 2) argv.push_back("withvalues");
        break;
      case 14:
        argv = {"hscan", k, pick({"0", "x"}), "match", pick({"*", "a*", "[ab]", "\\a*"})};
        break;
      case 15:
        argv = {"del", k};
        break;
    }
    const std::string& cmd = argv[0];
    const bool order_dependent = cmd == "hgetall" || cmd == "hkeys" || cmd == "hvals" ||
                                 cmd == "hscan" || cmd == "hrandfield";
    const std::string encoding = RedisEncoding(k);
    if (cmd == "hrandfield" && argv[2] == "-1") {
      // One random field (repeats allowed): compare the shape only.
      auto [expected, got] = Both(argv);
      EXPECT_EQ(Parse(got).type(), Parse(expected).type()) << Shown(argv);
      EXPECT_EQ(Parse(got).size(), Parse(expected).size()) << Shown(argv);
    } else if (order_dependent && encoding.find("hashtable") != std::string::npos) {
      SameUnordered(argv);
    } else {
      Same(argv);
    }
    if (k != "str" && k != "nokey") SameEncoding(k);
  }
  EXPECT_GE(compared_, 500);
}

}  // namespace
}  // namespace embedis::testing
