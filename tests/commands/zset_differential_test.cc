// Sorted-set commands against a real redis-server 7.0: the same commands on both, the reply bytes
// compared (lib/commands/zset_family.cc). Every command with its errors, arity errors, WRONGTYPE,
// the order of checks, extreme numbers, score formatting, RESP2 and RESP3, both encodings (OBJECT
// ENCODING, conversions), the generic key commands on sorted sets, MULTI (the blocking pops do not
// block there), ZSCAN's full iteration, and a randomized session per fixed seed.
//
// A sorted set's order is defined, so nearly everything compares byte for byte; random picks
// (ZRANDMEMBER) are compared where the answer is determined (the whole set, an empty or one-member
// set) and otherwise by their shape; SCAN's order (hash order) is compared sorted.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/testing/differential.h"

namespace embedis::testing {
namespace {

// The bulk strings of a reply, in order, at any depth (headers dropped).
std::vector<std::string> Bulks(const std::string& reply) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < reply.size()) {
    size_t e = reply.find("\r\n", pos);
    if (e == std::string::npos) break;
    if (reply[pos] == '$') {
      size_t len = 0;
      if (!absl::SimpleAtoi(reply.substr(pos + 1, e - pos - 1), &len)) break;
      out.push_back(reply.substr(e + 2, len));
      pos = e + 2 + len + 2;
    } else {
      pos = e + 2;
    }
  }
  return out;
}

class ZSetDifferentialTest : public DifferentialTest {
 protected:
  // The header of an aggregate reply ("*3\r\n"), or the whole reply.
  void SameHeader(const std::vector<std::string>& argv) {
    auto [redis, ours] = Both(argv);
    EXPECT_EQ(EscapeResp(redis.substr(0, redis.find("\r\n"))),
              EscapeResp(ours.substr(0, ours.find("\r\n"))))
        << Shown(argv);
  }
  void SameSortedBulks(const std::vector<std::string>& argv) {
    auto [redis, ours] = Both(argv);
    std::vector<std::string> a = Bulks(redis), b = Bulks(ours);
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    EXPECT_EQ(a, b) << Shown(argv);
  }
};

TEST_F(ZSetDifferentialTest, ArityErrors) {
  Lines({"zadd",
         "zadd z",
         "zadd z 1",
         "zincrby z 1",
         "zrem z",
         "zcard",
         "zcard z x",
         "zcount z 1",
         "zlexcount z -",
         "zscore z",
         "zmscore z",
         "zrank z",
         "zrank z a b",
         "zrevrank z",
         "zrange z 0",
         "zrangestore d z 0",
         "zrangebyscore z 0",
         "zrevrangebyscore z 0",
         "zrangebylex z -",
         "zrevrangebylex z +",
         "zrevrange z 0",
         "zremrangebyrank z 0",
         "zremrangebyscore z 0",
         "zremrangebylex z -",
         "zpopmin",
         "zpopmax",
         "zmpop 1",
         "zmpop",
         "zunion",
         "zinter 1",
         "zdiff",
         "zunionstore d",
         "zinterstore d 1",
         "zdiffstore d",
         "zintercard",
         "zrandmember",
         "zscan z",
         "bzpopmin z",
         "bzpopmax",
         "bzmpop 0 1",
         "bzmpop"});
}

TEST_F(ZSetDifferentialTest, AddOptionsAndErrors) {
  Lines({"zadd z 1 a 2 b 3 c 1.1 d 0 e",
         "zadd z 1e17 f +inf i -inf j",
         "zrange z 0 -1 withscores",
         "zadd z nan x",
         "zadd z 1 a 2",
         "zadd z xx nx 1 a",
         "zadd z gt lt 1 a",
         "zadd z gt nx 1 a",
         "zadd z lt nx 1 a",
         "zadd z incr 1 a 2 b",
         "zadd z x a",
         "zadd z 1 a x b",
         "zadd z nx nx",
         "zadd z ch 5 a 5 b 7 new",
         "zadd z ch 5 a 5 b",
         "zadd z incr 2 a",
         "zadd z nx incr 2 a",
         "zadd z xx incr 2 nope",
         "zadd z gt incr -2 a",
         "zadd z lt incr -2 a",
         "zadd z gt ch 100 a 1 b 50 zz",
         "zadd z lt ch 100 a 1 b",
         "zadd z xx 9 nope",
         "zadd z XX CH 9 a",
         "zadd missing xx 1 a",
         "zadd missing xx incr 1 a",
         "exists missing",
         "zincrby z 1.5 a",
         "zincrby z nx a",
         "zincrby z incr a",
         "zincrby z x a",
         "zincrby z 1e400 a",
         "zincrby z -1e-400 a",
         "zincrby z 0x10 a",
         "zincrby new 2.5 m",
         "zadd z2 +inf i",
         "zincrby z2 -inf i",
         "zadd z2 incr -inf i",
         "zscore z2 i",
         "zadd z 1e400 q",
         "zadd z inf q -inf r",
         "zadd z 9223372036854775807 big 9223372036854775808 big2 -9223372036854775809 big3",
         "zadd z 2147483647 i31 -2147483648 i31n 2147483648 i31p",
         "zrange z 0 -1 withscores",
         "zscan z 0",
         "zcard z",
         "zcard nokey"});
  Same({"zadd", "z", " 1", "sp"});
  Same({"zadd", "z", "1 ", "sp"});
  Same({"zadd", "z", "", "e"});
  Same({"zadd", "bin", "1", std::string("\0a\r\n", 4), "2", "", "3", std::string(100, 'x')});
  Same({"zrange", "bin", "0", "-1", "withscores"});
  Same({"object", "encoding", "bin"});
}

TEST_F(ZSetDifferentialTest, ScoresAsRedisFormatsThem) {
  Lines({"zadd f 1.1 a 0.1 b 1e300 c -2.5e-5 d 3 e 5e18 g 2e18 h -0 nz 4.5e15 k 0.3 l",
         "zrange f 0 -1 withscores", "zscan f 0", "zscore f a", "zscore f nz", "zscore f h",
         "zmscore f a nope g", "zincrby f 0.1 l", "zadd f incr 1e308 c", "zadd f incr 1e308 c",
         "zadd f2 -0 nz", "zrange f2 0 -1 withscores"});
  // A skiplist formats ZSCAN's scores as ZSCORE does; -0 stays -0 there.
  std::vector<std::string> add = {"zadd", "sk"};
  for (int i = 0; i < 130; ++i) {
    add.push_back(absl::StrCat(i, ".1"));
    add.push_back(absl::StrCat("m", i));
  }
  Same(add);
  Lines({"zadd sk 1e17 big -0 nz 1.1 a", "object encoding sk", "zscore sk big", "zscore sk nz",
         "zrange sk 0 3 withscores", "zrangebyscore sk 1e17 1e17 withscores"});
  SameSortedBulks({"zscan", "sk", "0", "count", "1000"});
  // A result built as a skiplist keeps -0; one that fits a listpack, or grows into a skiplist
  // from one, does not.
  Lines({"zunionstore neg 1 sk weights -0", "zrange neg 0 3 withscores", "object encoding neg",
         "zunionstore neg 1 f2 weights -1", "zrange neg 0 -1 withscores", "zrangestore neg sk 0 -1",
         "zrangestore neg2 neg 0 -1", "zrange neg2 0 2 withscores",
         "zrangestore neg3 neg -inf +inf byscore", "zrange neg3 0 2 withscores"});
}

TEST_F(ZSetDifferentialTest, WrongType) {
  Lines({"set str x",
         "zadd str 1 a",
         "zincrby str 1 a",
         "zrem str a",
         "zcard str",
         "zcount str 0 1",
         "zcount str x 1",
         "zlexcount str - +",
         "zscore str a",
         "zmscore str a",
         "zrank str a",
         "zrevrank str a",
         "zrange str 0 1",
         "zrange str x 1",
         "zrangestore d str 0 1",
         "zrangestore str nokey 0 1",
         "exists str",
         "set str x",
         "zrangebyscore str 0 1",
         "zrangebylex str - +",
         "zremrangebyrank str 0 1",
         "zremrangebyscore str 0 1",
         "zremrangebylex str - +",
         "zpopmin str",
         "zpopmax str 2",
         "zpopmin str x",
         "zmpop 1 str min",
         "zmpop 2 nokey str min",
         "zunion 2 nokey str",
         "zunion 1 str weights x",
         "zinter 1 str",
         "zdiff 1 str",
         "zunionstore d 1 str",
         "zintercard 1 str",
         "zintercard 1 str limit x",
         "zrandmember str",
         "zrandmember str 2",
         "zscan str 0",
         "zscan str x",
         "bzpopmin str 0",
         "bzpopmax nokey str 0",
         "bzmpop 0 1 str max",
         "rpush list a",
         "zunion 2 list nokey"});
}

TEST_F(ZSetDifferentialTest, CountsAndRanks) {
  Lines({"zadd z 1 a 2 b 3 c 1.1 d 0 e +inf i -inf j",
         "zcount z -inf +inf",
         "zcount z (1 3",
         "zcount z (1 (3",
         "zcount z 3 1",
         "zcount z 1 1",
         "zcount z (1 1",
         "zcount z x 1",
         "zcount z 1 x",
         "zcount z nan 1",
         "zcount z (nan 1",
         "zcount z ( 1",
         "zcount z 1e400 2",
         "zcount z -inf inf",
         "zcount z -infinity (+inf",
         "zcount z 0x1 3",
         "zcount nokey 0 1",
         "zcount nokey x 1",
         "zrank z c",
         "zrevrank z c",
         "zrank z nope",
         "zrank nokey a",
         "zrevrank z j",
         "zadd lex 0 a 0 b 0 bb 0 c 0 d",
         "zlexcount lex - +",
         "zlexcount lex [b (d",
         "zlexcount lex (b [d",
         "zlexcount lex + -",
         "zlexcount lex [z [a",
         "zlexcount lex a c",
         "zlexcount lex [a c",
         "zlexcount lex -x +",
         "zlexcount lex - ++",
         "zlexcount nokey - +",
         "zlexcount nokey x +"});
  Same({"zcount", "z", " 1", "2"});
  Same({"zcount", "z", "", "("});
  Same({"zcount", "z", std::string("1\0x", 3), "2"});
  Same({"zlexcount", "lex", "", "+"});
}

TEST_F(ZSetDifferentialTest, Ranges) {
  Lines({"zadd z 1 a 2 b 3 c 1.1 d 0 e 5 f",
         "zrange z 0 -1",
         "zrange z 0 -1 withscores",
         "zrange z -100 100",
         "zrange z 5 1",
         "zrange z 2 2",
         "zrange z -1 -1 withscores",
         "zrange z 0 9223372036854775807",
         "zrange z -9223372036854775808 -1",
         "zrange z 0 9223372036854775808",
         "zrange z 0 2147483648",
         "zrange z -2147483649 2147483647",
         "zrange z 0 -1 rev",
         "zrange z 0 -1 rev rev",
         "zrange z 0 -1 limit 0 1",
         "zrange z 0 -1 limit 0 -1",
         "zrange z 0 -1 limit 5 -1 withscores",
         "zrange z 0 1 limit 0",
         "zrange z 0 x",
         "zrange z 0 -1 foo",
         "zrange z (1 3 byscore withscores",
         "zrange z 3 (1 byscore rev withscores",
         "zrange z +inf -inf byscore rev limit 1 2 withscores",
         "zrange z -inf +inf byscore limit 2 2",
         "zrange z -inf +inf byscore bylex",
         "zrange z [a + bylex",
         "zrange z - + bylex withscores",
         "zrange z 0 -1 bylex",
         "zrange z x 1 byscore",
         "zrange z 0 1 byscore limit x 1",
         "zrange z 0 1 byscore limit 1 x",
         "zrange z 0 1 byscore limit 1",
         "zrangebyscore z -inf +inf limit -1 2",
         "zrangebyscore z -inf +inf limit 1 -1",
         "zrangebyscore z -inf +inf limit 6 1",
         "zrangebyscore z -inf +inf limit 5 1",
         "zrangebyscore z -inf +inf limit 0 0",
         "zrangebyscore z -inf +inf limit 9223372036854775807 1",
         "zrangebyscore z -inf +inf limit -9223372036854775808 1",
         "zrangebyscore z -inf +inf limit 0 -9223372036854775808",
         "zrangebyscore z -inf +inf byscore",
         "zrangebyscore z -inf +inf rev",
         "zrangebyscore z (1 5 withscores limit 1 2",
         "zrevrangebyscore z +inf -inf withscores",
         "zrevrangebyscore z 5 (1 withscores limit 1 2",
         "zrevrangebyscore z 1 5",
         "zrevrange z 0 2 withscores",
         "zrevrange z -2 -1",
         "zrevrange z 0 -1 limit 0 1",
         "zrevrange z 0 -1 rev",
         "zrange nokey 0 1",
         "zrange nokey x 1",
         "zrangebyscore nokey x 1",
         "zadd lex 0 a 0 b 0 bb 0 c 0 d",
         "zrangebylex lex - +",
         "zrangebylex lex [b + limit 1 1",
         "zrangebylex lex (b [d",
         "zrangebylex lex - + withscores",
         "zrangebylex lex b c",
         "zrangebylex lex - + limit 0 -1",
         "zrevrangebylex lex + [b",
         "zrevrangebylex lex (c - limit 1 5",
         "zrevrangebylex lex [b [c"});
}

TEST_F(ZSetDifferentialTest, RangeStoreAndRemoveRanges) {
  Lines({"zadd z 1 a 2 b 3 c 1.1 d 0 e 5 f",
         "zrangestore d z 0 -1",
         "zrange d 0 -1 withscores",
         "object encoding d",
         "zrangestore d z 0 -1 withscores",
         "zrangestore d z 1 2 rev",
         "zrange d 0 -1 withscores",
         "zrangestore d z (1 +inf byscore limit 1 2",
         "zrange d 0 -1 withscores",
         "zrangestore d z 10 20",
         "exists d",
         "set d x",
         "expire d 100",
         "zrangestore d z 0 0",
         "ttl d",
         "zrangestore d nokey 0 1",
         "exists d",
         "zrangestore d z x 1",
         "zremrangebyrank z 0 0",
         "zremrangebyrank z -1 -1",
         "zremrangebyrank z 5 1",
         "zremrangebyrank z x 1",
         "zremrangebyrank z 0 9223372036854775808",
         "zrange z 0 -1 withscores",
         "zremrangebyscore z -inf (2",
         "zremrangebyscore z x 1",
         "zremrangebyscore z 5 1",
         "zrange z 0 -1 withscores",
         "zremrangebylex z - +",
         "zremrangebylex z x 1",
         "zremrangebylex nokey - +",
         "zremrangebyscore nokey 0 1",
         "zremrangebyrank nokey 0 1",
         "zremrangebyrank nokey x 1",
         "zadd w 0 a 0 b 0 c",
         "zremrangebylex w (a [b",
         "zrange w 0 -1",
         "zremrangebyrank w -9223372036854775808 9223372036854775807",
         "exists w"});
}

// Lex ranges on a set whose scores differ (unspecified order, but Redis's answers are fixed by how
// it walks a listpack: zslIsInLexRange's check of the first and last members, then the walk).
TEST_F(ZSetDifferentialTest, LexRangesOnMixedScores) {
  // A listpack only: a skiplist's answers on mixed scores depend on its random levels.
  for (const char* key : {"lp"}) {
    const std::string k = key;
    std::vector<std::string> lines = {"zadd " + k + " 0 x 0 y 2 b 3 c"};
    for (const std::string& range :
         {"[x [y", "- [y", "[a +", "(b (z", "[c [c", "- +", "[y +", "- (x"}) {
      lines.push_back("zrangebylex " + k + " " + range);
      lines.push_back("zlexcount " + k + " " + range);
      lines.push_back("zrevrangebylex " + k + " " + range.substr(range.find(' ') + 1) + " " +
                      range.substr(0, range.find(' ')));
    }
    lines.push_back("zremrangebylex " + k + " [x [y");
    lines.push_back("zrange " + k + " 0 -1 withscores");
    lines.push_back("zremrangebylex " + k + " [b [c");
    lines.push_back("zrange " + k + " 0 -1 withscores");
    for (const std::string& line : lines) Same(absl::StrSplit(line, ' ', absl::SkipEmpty()));
  }
}

TEST_F(ZSetDifferentialTest, Pops) {
  Lines({"zadd z 1 a 2 b 3 c 1.1 d 0 e 5 f",
         "zpopmin z",
         "zpopmax z 2",
         "zpopmin z 0",
         "zpopmin z -1",
         "zpopmin z x",
         "zpopmin z 1 2",
         "zpopmin z 9223372036854775808",
         "zpopmin nokey",
         "zpopmin nokey 0",
         "zpopmin nokey -1",
         "zpopmax nokey 3",
         "zmpop 1 z min",
         "zmpop 2 nokey z max count 3",
         "zmpop 1 nokey min",
         "zmpop 0 z min",
         "zmpop -1 z min",
         "zmpop x z min",
         "zmpop 9223372036854775807 z min",
         "zmpop 2 z min",
         "zmpop 1 z left",
         "zmpop 1 z min count 0",
         "zmpop 1 z min count -1",
         "zmpop 1 z min count x",
         "zmpop 1 z min count 1 count 1",
         "zmpop 1 z min foo",
         "zmpop 1 z min count",
         "zadd z 1 a 2 b 3 c",
         "zpopmax z 9223372036854775807",
         "exists z",
         "zadd z 1 a",
         "bzpopmin z 0",
         "bzpopmin z x",
         "bzpopmin z -1",
         "bzpopmin z 9223372036854775808",
         "zadd z 1 a 2 b",
         "bzpopmax nokey z 0.5",
         "bzmpop 0 1 z min count 2",
         "bzmpop x 1 z min count 2",
         "bzmpop x 0 z min",
         "bzmpop 0 1 z min count 0",
         "bzmpop -1 1 z min",
         "multi",
         "bzpopmin nokey 0",
         "bzpopmax nokey 1",
         "bzmpop 0 1 nokey max",
         "zadd q 1 a",
         "bzpopmin q 0",
         "exec"});
}

TEST_F(ZSetDifferentialTest, Combining) {
  Lines({"zadd z 1 a 2 b 3 c 1.1 d",
         "zadd z2 2 b 3 c 4 x +inf i",
         "zadd z3 -inf i 1 b",
         "sadd s b c q",
         "zunion 2 z z2 withscores",
         "zunion 2 z z2",
         "zunion 1 z weights 2 withscores",
         "zunion 2 z z2 weights 1 -1 withscores aggregate max",
         "zunion 2 z z2 aggregate min withscores",
         "zunion 2 z z2 aggregate MAX withscores",
         "zunion 2 z z2 aggregate avg",
         "zunion 2 z z2 aggregate",
         "zunion 2 z z2 weights 1",
         "zunion 2 z z2 weights 1 x",
         "zunion 2 z2 z3 withscores",
         "zunion 2 z2 z3 weights 0 1 withscores",
         "zunion 2 z s withscores",
         "zunion 1 z withscores withscores",
         "zunion 0 z",
         "zunion -1 z",
         "zunion x z",
         "zunion 3 z z2",
         "zunion 2 z nokey withscores",
         "zinter 2 z z2 withscores",
         "zinter 2 z s withscores",
         "zinter 3 z z2 s withscores aggregate max",
         "zinter 2 z2 z3 withscores",
         "zinter 2 z2 z3 weights 1 0 withscores",
         "zinter 2 z nokey",
         "zdiff 2 z z2 withscores",
         "zdiff 2 z s",
         "zdiff 1 z weights 1",
         "zdiff 1 z aggregate sum",
         "zdiff 2 nokey z",
         "zunionstore d 2 z z2",
         "zrange d 0 -1 withscores",
         "object encoding d",
         "zunionstore d 2 z z2 withscores",
         "zinterstore d 2 z z2 weights 2 3",
         "zrange d 0 -1 withscores",
         "zdiffstore d 2 z z2",
         "zrange d 0 -1 withscores",
         "zdiffstore d 2 z z",
         "exists d",
         "zinterstore d 0 z",
         "zunionstore d -1 z",
         "zinterstore d 2 z",
         "zintercard 2 z z2",
         "zintercard 2 z z2 limit 1",
         "zintercard 2 z z2 limit 0",
         "zintercard 2 z s",
         "zintercard 0 z",
         "zintercard 3 z z2",
         "zintercard 1 z limit -1",
         "zintercard 1 z weights 1",
         "zintercard 1 z limit",
         "zintercard 1 z withscores",
         "zintercard x z",
         "zintercard 1 z limit 1 limit 2",
         "zintercard 9223372036854775808 z"});
  Same({"zunionstore", "d", "1", "z"});
  Lines({"zunionstore d 1 z", "set t x", "expire t 10", "zunionstore t 1 z", "ttl t", "type t"});
}

TEST_F(ZSetDifferentialTest, EncodingsConvert) {
  std::vector<std::string> add = {"zadd", "big"};
  for (int i = 0; i < 128; ++i) {
    add.push_back(absl::StrCat(i % 13, ".", i));
    add.push_back(absl::StrCat("m", i));
  }
  Same(add);
  Lines({"object encoding big",
         "zadd big 1 m0",
         "object encoding big",
         "zadd big 1 new",
         "object encoding big",
         "zrem big new",
         "object encoding big",
         "zrange big 0 -1 withscores",
         "zrange big 10 20 rev withscores",
         "zrangebyscore big (3 7.5 withscores limit 2 5",
         "zrevrangebyscore big 7.5 (3 withscores limit 2 5",
         "zcount big 2 5",
         "zrank big m77",
         "zrevrank big m77",
         "zrandmember big 1000 withscores",
         "zrandmember big 128",
         "zrangestore dst big 0 200",
         "object encoding dst",
         "zrangestore dst2 big 0 10",
         "object encoding dst2",
         "zunionstore u 1 big weights 0.5",
         "object encoding u",
         "zunionstore u2 1 dst2",
         "object encoding u2",
         "zinterstore i 2 big u aggregate max",
         "object encoding i",
         "copy big bigcopy",
         "object encoding bigcopy",
         "zrange bigcopy 0 -1 withscores",
         "zremrangebyrank big 0 9",
         "zremrangebyscore big 5 6",
         "zpopmax big 3",
         "zpopmin big",
         "zcard big",
         "object encoding big",
         "zremrangebyrank big 0 -1",
         "exists big"});
  Same({"zadd", "long", "1", std::string(64, 'a')});
  Lines({"object encoding long"});
  Same({"zadd", "long", "1", std::string(65, 'b')});
  Lines({"object encoding long", "zrange long 0 -1"});
}

TEST_F(ZSetDifferentialTest, RandomMembers) {
  Lines({"zadd one 1.5 x",
         "zrandmember one",
         "zrandmember one 1",
         "zrandmember one 5 withscores",
         "zrandmember one -3 withscores",
         "zrandmember one 0",
         "zrandmember nokey",
         "zrandmember nokey 5",
         "zrandmember nokey -5 withscores",
         "zrandmember one x",
         "zrandmember one 1.5",
         "zrandmember one -9223372036854775808",
         "zrandmember one 9223372036854775807",
         "zrandmember one 9223372036854775807 withscores",
         "zrandmember one 4611686018427387903 withscores",
         "zrandmember one -4611686018427387904 withscores",
         "zrandmember one 9223372036854775808",
         "zrandmember one 1 2",
         "zrandmember one 1 withscores x",
         "zrandmember nokey 1 2",
         "zadd z 1 a 2 b 3 c",
         "zrandmember z 3",
         "zrandmember z 100 withscores"});
  SameHeader({"zrandmember", "z", "2"});
  SameHeader({"zrandmember", "z", "-20", "withscores"});
}

TEST_F(ZSetDifferentialTest, Scan) {
  Lines({"zadd z 1 a 2 b 3 c 10 d", "zscan z 0", "zscan z 0 match a*", "zscan z 0 count 1",
         "zscan z 0 count 0", "zscan z 0 count -1", "zscan z 0 count x", "zscan z 0 foo",
         "zscan z 0 match", "zscan z x", "zscan z -1", "zscan z 18446744073709551616",
         "zscan nokey 0", "zscan nokey 0 count 0", "zscan nokey 0 foo bar", "zscan nokey x"});
  std::vector<std::string> add = {"zadd", "big"};
  for (int i = 0; i < 300; ++i) {
    add.push_back(absl::StrCat(i));
    add.push_back(absl::StrCat("m", i));
  }
  Same(add);
  for (bool ours : {false, true}) {
    std::vector<std::string> seen;
    std::string cursor = "0";
    int calls = 0;
    do {
      auto [redis, mine] = Both({"zscan", "big", cursor, "count", "7"});
      std::vector<std::string> bulks = Bulks(ours ? mine : redis);
      ASSERT_FALSE(bulks.empty());
      cursor = bulks[0];
      ASSERT_EQ(bulks.size() % 2, 1u);
      for (size_t i = 1; i < bulks.size(); i += 2) {
        EXPECT_EQ(absl::StrCat("m", bulks[i + 1]), bulks[i]);  // score i for member mi
        seen.push_back(bulks[i]);
      }
      ASSERT_LT(++calls, 1000);
    } while (cursor != "0");
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    EXPECT_EQ(seen.size(), 300u) << (ours ? "embedis" : "redis");
  }
}

TEST_F(ZSetDifferentialTest, KeyCommandsOnSortedSets) {
  Lines({"zadd z 1 a 2 b",
         "zadd h 1 x",
         "type z",
         "copy z z2",
         "object encoding z2",
         "zrange z2 0 -1 withscores",
         "rename h h2",
         "exists h",
         "zcard h2",
         "del h2",
         "move z 1",
         "select 1",
         "zrange z 0 -1",
         "select 0",
         "scan 0 type zset count 1000",
         "del z2",
         "dbsize",
         "zadd e 1 a",
         "zrem e a",
         "exists e",
         "type e"});
}

// SORT converts a sorted set to its skiplist encoding (WATCH does not see it); BY nosort keeps
// the sorted set's order, DESC and LIMIT included.
TEST_F(ZSetDifferentialTest, SortOnSortedSets) {
  Lines({"zadd z 3 c 1 a 2 b 10 10 5 5",
         "object encoding z",
         "sort z",
         "object encoding z",
         "zadd z2 3 c 1 a 2 b",
         "sort z2 alpha",
         "sort z2 by nosort",
         "sort z2 by nosort desc",
         "sort z2 by nosort limit 1 1",
         "sort z2 by nosort desc limit 0 2",
         "sort z2 by nosort limit 1 -1",
         "sort z2 by nosort limit 5 1",
         "sort z2 alpha desc limit 1 5",
         "sort_ro z2 by nosort",
         "zadd z3 1 a",
         "watch z3",
         "sort z3",
         "multi",
         "ping",
         "exec",
         "set w_a 3",
         "set w_b 1",
         "set w_c 2",
         "sort z2 by w_* get # get w_*",
         "sort z2 by nosort store dst",
         "lrange dst 0 -1",
         "sort z2 by nosort desc store dst",
         "lrange dst 0 -1"});
}

TEST_F(ZSetDifferentialTest, MultiExecAndWatch) {
  Lines({"multi",   "zadd z 1 a", "zcard z",     "zpopmin nokey 2", "zrange z 0 -1 withscores",
         "exec",    "watch z",    "zadd z 1 a",  "multi",           "zcard z",
         "exec",    "watch z",    "zadd z 2 a",  "multi",           "zcard z",
         "exec",    "watch z",    "zrem z nope", "zincrby z 0 a",   "multi",
         "zcard z", "exec"});
}

TEST_F(ZSetDifferentialTest, Resp3Replies) {
  Resp3();
  Lines({"zrange nokey 0 1",
         "zpopmin nokey",
         "zpopmin nokey 1",
         "zrandmember nokey",
         "zrandmember nokey 1",
         "zscore nokey a",
         "zmscore nokey a b",
         "zrank nokey a",
         "zadd z 1 a 2.5 b 3 c +inf d",
         "zadd z incr 1 a",
         "zincrby z 1 a",
         "zscore z b",
         "zscore z d",
         "zmscore z a nope b",
         "zrange z 0 -1 withscores",
         "zrange z 0 -1",
         "zrangebyscore z 0 10 withscores",
         "zunion 1 z withscores",
         "zinter 1 z withscores",
         "zdiff 1 z withscores",
         "zrandmember z 100 withscores",
         "zrandmember z 100",
         "zscan z 0",
         "zpopmin z",
         "zpopmin z 1",
         "zpopmax z 5",
         "zadd z 1 a 2 b",
         "zmpop 1 z min count 5",
         "zmpop 1 z min",
         "zadd z 1 a",
         "bzpopmin z 0",
         "zadd z 1 a 2 b",
         "bzmpop 0 1 z max count 1",
         "multi",
         "bzpopmin nokey 0",
         "exec"});
  SameHeader({"zrandmember", "z", "-3", "withscores"});
}

TEST_F(ZSetDifferentialTest, RandomizedSession) {
  std::mt19937 rng(4242);
  const char* keys[] = {"a", "b", "c"};
  auto member = [&] { return absl::StrCat("m", rng() % 40); };
  auto score = [&] {
    switch (rng() % 4) {
      case 0:
        return absl::StrCat(static_cast<int>(rng() % 9) - 4);
      case 1:
        return absl::StrCat(rng() % 100, ".5");
      case 2:
        return std::string(rng() % 2 ? "+inf" : "-inf");
      default:
        return absl::StrCat(rng() % 10);
    }
  };
  auto bound = [&] { return absl::StrCat(rng() % 2 ? "(" : "", rng() % 12); };
  for (int step = 0; step < 800; ++step) {
    const std::string k = keys[rng() % 3];
    const std::string k2 = keys[rng() % 3];
    switch (rng() % 14) {
      case 0:
      case 1:
      case 2:
        Same({"zadd", k, score(), member(), score(), member()});
        break;
      case 3:
        Same({"zincrby", k, score(), member()});
        break;
      case 4:
        Same({"zrem", k, member(), member()});
        break;
      case 5:
        Same({"zrangebyscore", k, bound(), bound(), "withscores"});
        break;
      case 6:
        Same({"zrange", k, absl::StrCat(static_cast<int>(rng() % 20) - 10),
              absl::StrCat(static_cast<int>(rng() % 20) - 10), "withscores"});
        break;
      case 7:
        Same({"zremrangebyscore", k, bound(), bound()});
        break;
      case 8:
        Same({"zunionstore", "d", "2", k, k2, "aggregate", rng() % 2 ? "min" : "max"});
        break;
      case 9:
        Same({"zinterstore", "d", "2", k, k2});
        break;
      case 10:
        Same({"zpopmin", k, absl::StrCat(rng() % 3)});
        break;
      case 11:
        Same({"zrank", k, member()});
        Same({"zcount", k, bound(), bound()});
        break;
      case 12:
        Same({"zadd", k, rng() % 2 ? "gt" : "lt", "ch", score(), member()});
        break;
      default:
        Same({"zcard", k});
        Same({"object", "encoding", k});
        break;
    }
    if (step % 40 == 0) {
      for (const char* key : {"a", "b", "c", "d"}) Same({"zrange", key, "0", "-1", "withscores"});
    }
  }
}

}  // namespace
}  // namespace embedis::testing
