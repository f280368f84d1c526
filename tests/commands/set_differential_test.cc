// Set commands against a real redis-server 7.0: the same commands on both, the reply bytes
// compared (lib/commands/set_family.cc). Every command with its errors, arity errors, WRONGTYPE,
// the order of checks, extreme counts, RESP2 and RESP3, encodings (OBJECT ENCODING), the generic
// key commands on sets, and a randomized session per fixed seed.
//
// A hash-table set's order is unspecified (Redis's depends on its hash seed), so replies that list
// such a set are compared with their elements sorted (SameSorted); an intset's order (ascending)
// is compared byte for byte. Random picks (SRANDMEMBER, SPOP) are compared where the answer is
// determined (one member, the whole set), and otherwise by their size and what remains.
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

// A flat aggregate of bulk strings ("*N" or "~N" header) with its elements sorted; any other
// reply unchanged.
std::string SortedReply(const std::string& reply) {
  if (reply.empty() || (reply[0] != '*' && reply[0] != '~')) return reply;
  size_t eol = reply.find("\r\n");
  std::string header = reply.substr(0, eol + 2);
  std::vector<std::string> elements;
  size_t pos = eol + 2;
  while (pos < reply.size()) {
    if (reply[pos] != '$') return reply;  // not flat
    size_t e = reply.find("\r\n", pos);
    size_t len = 0;
    if (!absl::SimpleAtoi(reply.substr(pos + 1, e - pos - 1), &len)) return reply;
    elements.push_back(reply.substr(e + 2, len));
    pos = e + 2 + len + 2;
  }
  std::sort(elements.begin(), elements.end());
  std::string out = header;
  for (const std::string& el : elements) absl::StrAppend(&out, "$", el.size(), "\r\n", el, "\r\n");
  return out;
}

class SetDifferentialTest : public DifferentialTest {
 protected:
  void SameSorted(const std::vector<std::string>& argv) {
    auto [redis, ours] = Both(argv);
    EXPECT_EQ(EscapeResp(SortedReply(redis)), EscapeResp(SortedReply(ours))) << Shown(argv);
  }
  void SortedLines(std::initializer_list<const char*> lines) {
    for (const char* line : lines) SameSorted(absl::StrSplit(line, ' ', absl::SkipEmpty()));
  }
  // The header of an aggregate reply ("*3\r\n"), or the whole reply.
  void SameHeader(const std::vector<std::string>& argv) {
    auto [redis, ours] = Both(argv);
    EXPECT_EQ(EscapeResp(redis.substr(0, redis.find("\r\n"))),
              EscapeResp(ours.substr(0, ours.find("\r\n"))))
        << Shown(argv);
  }
};

TEST_F(SetDifferentialTest, ArityErrors) {
  Lines({"sadd",         "sadd s",        "srem s",          "scard",
         "scard s x",    "sismember s",   "sismember s a b", "smismember s",
         "smembers",     "smembers s x",  "srandmember",     "spop",
         "smove a b",    "smove a b c d", "sinter",          "sinterstore d",
         "sintercard 1", "sunion",        "sunionstore d",   "sdiff",
         "sdiffstore d", "sscan s",       "sintercard"});
}

TEST_F(SetDifferentialTest, AddRemCardMembership) {
  Lines({"sadd s 3 1 2 1",
         "smembers s",
         "object encoding s",
         "scard s",
         "scard nokey",
         "sismember s 1",
         "sismember s 01",
         "sismember s x",
         "sismember nokey x",
         "smismember s 1 x 2 01 -0",
         "smismember nokey a b",
         "srem s 1 x 1",
         "srem nokey a",
         "smembers s",
         "srem s 2 3",
         "exists s",
         "sadd n 0 -1 9223372036854775807 -9223372036854775808 9223372036854775808 01 -0 +1",
         "object encoding n",
         "scard n",
         "sismember n 9223372036854775808",
         "sismember n 9223372036854775807",
         "sadd i 5 -5 100 -100 0",
         "smembers i",
         "object encoding i",
         "sadd i 5",
         "srem i 100",
         "smembers i",
         "type i",
         "type nokey"});
  SortedLines({"smembers n"});
  Same({"sadd", "bin", "", std::string("\0a\r\n", 4), std::string(10000, 'x')});
  Same({"sismember", "bin", std::string("\0a\r\n", 4)});
  SameSorted({"smembers", "bin"});
  Same({"scard", "bin"});
}

TEST_F(SetDifferentialTest, WrongType) {
  Lines({"set str x",
         "rpush list a",
         "sadd str a",
         "srem str a",
         "scard str",
         "sismember str a",
         "smismember str a",
         "smembers str",
         "srandmember str",
         "srandmember str 2",
         "srandmember str x",
         "spop str",
         "spop str 1",
         "spop str x",
         "smove str s a",
         "sadd s a",
         "smove s str a",
         "smove nokey str a",
         "smove s list zz",
         "sinter s str",
         "sinter nokey str",
         "sinter str nokey",
         "sunion nokey str",
         "sdiff nokey str",
         "sdiff s list",
         "sinterstore d nokey str",
         "sunionstore d s list",
         "sdiffstore d s str",
         "sintercard 2 nokey str",
         "sintercard 1 list",
         "sscan str 0",
         "sscan str x",
         "sscan str 0 count 0",
         "lpush s a",
         "get s"});
}

TEST_F(SetDifferentialTest, EncodingsConvert) {
  std::vector<std::string> add = {"sadd", "big"};
  for (int i = 0; i < 512; ++i) add.push_back(absl::StrCat(i * 7 - 1000));
  Same(add);
  Lines({"object encoding big", "scard big", "smembers big"});
  Lines({"sadd big 100000", "object encoding big", "scard big", "srem big 100000",
         "object encoding big", "sadd small 1 2", "sadd small a", "object encoding small",
         "srem small a", "object encoding small"});
  SortedLines({"smembers big", "smembers small"});
}

TEST_F(SetDifferentialTest, RandomPicks) {
  Lines({"sadd one x",
         "srandmember one",
         "srandmember one 1",
         "srandmember one 5",
         "srandmember one -3",
         "srandmember one 0",
         "srandmember nokey",
         "srandmember nokey 5",
         "srandmember nokey -5",
         "srandmember one x",
         "srandmember one 1.5",
         "srandmember one -9223372036854775808",
         "srandmember one 9223372036854775807",
         "srandmember one 9223372036854775808",
         "srandmember one 1 2",
         "srandmember nokey 1 2",
         "sadd ints 1 2 3",
         "srandmember ints 3",
         "srandmember ints 100",
         "spop one",
         "exists one",
         "spop nokey",
         "spop nokey 1",
         "spop nokey 0",
         "spop ints 0",
         "spop ints -1",
         "spop ints x",
         "spop ints 1 2",
         "spop nokey 1 2",
         "spop ints 9223372036854775808",
         "spop ints 3",
         "exists ints"});
  Lines({"sadd h a b c d e f 1 2"});
  SameHeader({"srandmember", "h", "3"});
  SameHeader({"srandmember", "h", "-20"});
  SameSorted({"srandmember", "h", "8"});
  SameSorted({"srandmember", "h", "9223372036854775807"});
  SameHeader({"spop", "h", "3"});
  Lines({"scard h"});
  SameHeader({"spop", "h"});
  Lines({"scard h"});
  SameHeader({"spop", "h", "100"});
  Lines({"exists h"});
}

TEST_F(SetDifferentialTest, Move) {
  Lines({"sadd a 1 2 x", "smove a b 1", "smove a b 1", "smove a b zz", "smembers b",
         "object encoding b", "smove a a 2", "smove a a 7", "smove nokey b 1", "smove a c x",
         "object encoding c", "smove a b 2", "exists a", "smembers b"});
}

TEST_F(SetDifferentialTest, Algebra) {
  Lines({"sadd a 1 2 3 4 x y",
         "sadd b 3 4 5 y z",
         "sadd c 4 y q",
         "sadd ia 1 2 3",
         "sadd ib 2 3 4",
         "sinter ia ib",
         "sinterstore d ia ib",
         "object encoding d",
         "smembers d",
         "sinter a nokey",
         "sinter nokey",
         "sunion nokey",
         "sdiff nokey a",
         "sdiff ia",
         "sinterstore d a nokey",
         "exists d",
         "set str x",
         "expire str 100",
         "sinterstore str a b",
         "ttl str",
         "type str",
         "sunionstore u a b c",
         "object encoding u",
         "sdiffstore df a b c",
         "sdiffstore df nokey a",
         "exists df",
         "sdiffstore ia ia ia",
         "exists ia",
         "sintercard 1 a",
         "sintercard 3 a b c",
         "sintercard 2 a b limit 1",
         "sintercard 2 a b limit 0",
         "sintercard 2 a b LIMIT 100",
         "sintercard 2 a nokey",
         "sintercard 0 a",
         "sintercard -1 a",
         "sintercard x a",
         "sintercard 9223372036854775808 a",
         "sintercard 3 a b",
         "sintercard 1 a limit -1",
         "sintercard 1 a limit x",
         "sintercard 1 a limit",
         "sintercard 1 a foo",
         "sintercard 1 a limit 1 limit 2",
         "sinterstore d d",
         "sunionstore dd nokey nokey2"});
  SortedLines({"sinter a b", "sinter a b c", "sinter a a", "sunion a b c", "sunion a nokey",
               "sdiff a b", "sdiff a b c", "sdiff a nokey", "smembers str", "smembers u",
               "smembers df"});
}

TEST_F(SetDifferentialTest, Scan) {
  Lines({"sadd i 1 2 3 10 20", "sscan i 0", "sscan i 0 match 1*", "sscan i 0 count 1",
         "sscan i 0 count 0", "sscan i 0 count -1", "sscan i 0 count x", "sscan i 0 foo",
         "sscan i 0 match", "sscan i x", "sscan i -1", "sscan i 18446744073709551616",
         "sscan nokey 0", "sscan nokey 0 count 0", "sscan nokey 0 foo bar", "sscan nokey x"});
  Lines({"sadd h a b c"});
  SameHeader({"sscan", "h", "0"});
  // A full iteration of a larger set returns every member (compared as a sorted, deduplicated
  // union on each side).
  std::vector<std::string> add = {"sadd", "big"};
  for (int i = 0; i < 300; ++i) add.push_back(absl::StrCat("m", i));
  Same(add);
  for (bool ours : {false, true}) {
    std::vector<std::string> seen;
    std::string cursor = "0";
    int calls = 0;
    do {
      auto [redis, mine] = Both({"sscan", "big", cursor, "count", "7"});
      const std::string& r = ours ? mine : redis;
      // *2\r\n$len\r\ncursor\r\n*N\r\n...
      size_t p = r.find("\r\n", 4);
      size_t q = r.find("\r\n", p + 2);
      cursor = r.substr(p + 2, q - p - 2);
      std::string rest = "*" + r.substr(r.find("\r\n*", q) + 3);
      std::string sorted = SortedReply(rest);
      size_t pos = sorted.find("\r\n") + 2;
      while (pos < sorted.size()) {
        size_t e = sorted.find("\r\n", pos);
        size_t len = std::stoul(sorted.substr(pos + 1, e - pos - 1));
        seen.push_back(sorted.substr(e + 2, len));
        pos = e + 2 + len + 2;
      }
      ASSERT_LT(++calls, 1000);
    } while (cursor != "0");
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    EXPECT_EQ(seen.size(), 300u) << (ours ? "embedis" : "redis");
  }
}

TEST_F(SetDifferentialTest, KeyCommandsOnSets) {
  Lines({"sadd s 1 2 3", "sadd h a b", "type s", "type h", "copy s s2", "object encoding s2",
         "smembers s2", "rename h h2", "exists h", "scard h2", "del h2", "move s 1", "select 1",
         "smembers s", "select 0", "scan 0 type set count 1000", "del s2", "dbsize"});
}

TEST_F(SetDifferentialTest, MultiExecAndWatch) {
  Lines({"multi", "sadd s a", "scard s", "spop nokey 2", "sinter s", "exec", "watch s", "sadd s a",
         "multi", "scard s", "exec"});
}

TEST_F(SetDifferentialTest, Resp3Replies) {
  Resp3();
  Lines({"smembers nokey",     "sinter nokey",     "sunion nokey",      "sdiff nokey",
         "spop nokey",         "spop nokey 1",     "srandmember nokey", "srandmember nokey 1",
         "smismember nokey a", "sadd s 1 2 3",     "smembers s",        "sinter s s",
         "sismember s 1",      "smismember s 1 4", "srandmember s 3",   "spop s 0",
         "sscan s 0",          "sadd one x",       "spop one 1",        "sadd one x",
         "srandmember one -2", "spop one"});
}

TEST_F(SetDifferentialTest, RandomizedSession) {
  std::mt19937 rng(12345);
  const char* keys[] = {"a", "b", "c"};
  auto member = [&] {
    return (rng() % 3 == 0) ? absl::StrCat("m", rng() % 20) : absl::StrCat(rng() % 30);
  };
  for (int step = 0; step < 600; ++step) {
    const std::string k = keys[rng() % 3];
    const std::string k2 = keys[rng() % 3];
    switch (rng() % 9) {
      case 0:
      case 1:
        Same({"sadd", k, member(), member()});
        break;
      case 2:
        Same({"srem", k, member(), member()});
        break;
      case 3:
        Same({"smove", k, k2, member()});
        break;
      case 4:
        SameSorted({"sinterstore", "d", k, k2});
        break;
      case 5:
        Same({"sunionstore", "d", k, k2});
        break;
      case 6:
        Same({"sdiffstore", "d", k, k2});
        break;
      case 7:
        Same({"sintercard", "2", k, k2});
        break;
      default:
        Same({"scard", k});
        Same({"object", "encoding", k});
        break;
    }
    if (step % 50 == 0) {
      for (const char* key : {"a", "b", "c", "d"}) SameSorted({"smembers", key});
    }
  }
}

}  // namespace
}  // namespace embedis::testing
