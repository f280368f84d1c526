// List commands against a real redis-server 7.0: the same commands on both, the reply bytes
// compared (lib/commands/list_family.cc). Every command with its errors, arity errors, WRONGTYPE,
// the order of checks, extreme numbers in every numeric argument, RESP2 and RESP3, MULTI/EXEC
// (where a blocking command that finds nothing answers at once), WATCH, the generic key commands
// on lists, long lists that span many quicklist nodes, and a randomized session per fixed seed.
//
// Blocking commands outside MULTI: the in-process runner cannot block (may_block is false), so
// on empty keys only BLPOP/BRPOP/BLMPOP with a tiny timeout are compared (Redis times out and
// answers the same null array); BlockRequest itself is checked in list_blocking_test.cc.
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/commands/command_info.h"
#include "lib/resp/writer.h"
#include "lib/util/strings.h"
#include "tests/testing/differential.h"

namespace embedis::testing {
namespace {

class ListDifferentialTest : public DifferentialTest {
 protected:
  // Every list in both, element by element (LRANGE 0 -1 of each key given).
  void SameLists(std::initializer_list<const char*> keys) {
    for (const char* key : keys) Same({"lrange", key, "0", "-1"});
  }
};

TEST_F(ListDifferentialTest, ArityErrors) {
  Lines({"lpush",
         "lpush l",
         "rpush l",
         "lpushx l",
         "rpushx l",
         "lpop",
         "lpop l 1 2",
         "rpop",
         "rpop l 1 2",
         "llen",
         "llen l x",
         "lindex l",
         "lindex l 0 x",
         "lset l 0",
         "lset l 0 v x",
         "lrange l 0",
         "lrange l 0 1 2",
         "ltrim l 0",
         "ltrim l 0 1 2",
         "lrem l 0",
         "lrem l 0 a b",
         "linsert l before a",
         "linsert l before a b c",
         "lpos l",
         "lmove a b left",
         "lmove a b left left x",
         "rpoplpush a",
         "rpoplpush a b c",
         "lmpop 1 a",
         "lmpop 1",
         "blpop a",
         "brpop a",
         "blmove a b left left",
         "blmove a b left left 0 x",
         "brpoplpush a b",
         "brpoplpush a b 0 x",
         "blmpop 0 1 a",
         "blmpop 0 1"});
}

TEST_F(ListDifferentialTest, PushesAndPops) {
  Lines({"lpush l a b c",
         "rpush l d e",
         "lrange l 0 -1",
         "lpushx l x",
         "rpushx l y z",
         "lpushx nokey a",
         "rpushx nokey a",
         "exists nokey",
         "llen l",
         "lpop l",
         "rpop l",
         "lpop l 0",
         "rpop l 0",
         "lpop l 2",
         "rpop l 2",
         "lrange l 0 -1",
         "lpop l 100",
         "exists l",
         "lpop l",
         "rpop l",
         "lpop l 1",
         "rpop l 0",
         "lpop nokey 0",
         "rpush l 1 2 3",
         "lpop l -1",
         "lpop l x",
         "lpop l 1.5",
         "lpop l 9223372036854775807",
         "rpush l 1 2 3",
         "rpop l 9223372036854775807",
         "rpop l 9223372036854775808",
         "rpop l -9223372036854775808",
         "lpop nokey -1",
         "rpush l 1",
         "lpop l 2147483648",
         "rpush l 1 2",
         "rpop l 4294967296",
         "rpush l 0 -1 9223372036854775807 -9223372036854775808 12345678901234567890 01",
         "lrange l 0 -1",
         "lpop l 6",
         "lpop l +1"});
  Same({"rpush", "bin", "", std::string("\0a\r\n", 4), std::string(100000, 'x')});
  Same({"lrange", "bin", "0", "-1"});
  Same({"lpop", "bin", "3"});
}

TEST_F(ListDifferentialTest, LLenLIndexLSet) {
  Lines({"rpush l a b c d",
         "llen l",
         "llen nokey",
         "lindex l 0",
         "lindex l 3",
         "lindex l 4",
         "lindex l -1",
         "lindex l -4",
         "lindex l -5",
         "lindex l x",
         "lindex l 1.0",
         "lindex l 2147483648",
         "lindex l -2147483649",
         "lindex l 9223372036854775807",
         "lindex l -9223372036854775808",
         "lindex l 9223372036854775808",
         "lindex l -9223372036854775809",
         "lindex nokey 0",
         "lindex nokey x",
         "lset l 0 A",
         "lset l -1 D",
         "lset l 4 x",
         "lset l -5 x",
         "lset l x x",
         "lset l 9223372036854775807 x",
         "lset l -9223372036854775808 x",
         "lset l 9223372036854775808 x",
         "lset nokey 0 x",
         "lset nokey x x",
         "exists nokey",
         "lrange l 0 -1"});
  Same({"lset", "l", "1", std::string(20000, 'b')});
  Same({"lindex", "l", "1"});
  Same({"lset", "l", "1", ""});
  Same({"lindex", "l", "1"});
}

TEST_F(ListDifferentialTest, LRangeAndLTrim) {
  Lines({"rpush l 0 1 2 3 4 5 6 7 8 9",
         "lrange l 0 -1",
         "lrange l 2 4",
         "lrange l -3 -1",
         "lrange l -100 2",
         "lrange l 5 100",
         "lrange l 5 4",
         "lrange l 10 10",
         "lrange l -1 -2",
         "lrange l 0 0",
         "lrange l -9223372036854775808 9223372036854775807",
         "lrange l 9223372036854775807 -9223372036854775808",
         "lrange l 2147483647 2147483648",
         "lrange l -2147483649 -2147483648",
         "lrange l 9223372036854775808 1",
         "lrange l 0 -9223372036854775809",
         "lrange l x 1",
         "lrange l 0 y",
         "lrange nokey 0 -1",
         "lrange nokey x 1",
         "ltrim l 1 -2",
         "lrange l 0 -1",
         "ltrim l -100 100",
         "lrange l 0 -1",
         "ltrim l 2 3",
         "lrange l 0 -1",
         "ltrim l -1 -1",
         "lrange l 0 -1",
         "ltrim l 1 0",
         "exists l",
         "ltrim nokey 0 1",
         "ltrim nokey x 1",
         "rpush l a b c",
         "ltrim l x 1",
         "ltrim l 0 9223372036854775808",
         "ltrim l -9223372036854775808 9223372036854775807",
         "lrange l 0 -1",
         "ltrim l 9223372036854775807 -9223372036854775808",
         "exists l",
         "rpush l a b c",
         "ltrim l 5 10",
         "exists l",
         "rpush l a b c",
         "ltrim l 0 -4",
         "exists l"});
}

TEST_F(ListDifferentialTest, LRem) {
  Lines({"rpush l a b a c a b a",
         "lrem l 2 a",
         "lrange l 0 -1",
         "lrem l -1 a",
         "lrange l 0 -1",
         "lrem l 0 b",
         "lrange l 0 -1",
         "lrem l 0 zz",
         "lrem l 1 A",
         "rpush l a a a a",
         "lrem l -2 a",
         "lrange l 0 -1",
         "lrem l 9223372036854775807 a",
         "lrange l 0 -1",
         "rpush l x y x y x",
         "lrem l -9223372036854775808 x",
         "lrange l 0 -1",
         "lrem l x y",
         "lrem l 9223372036854775808 y",
         "lrem l 1.5 y",
         "lrem nokey 1 a",
         "lrem nokey x a",
         "lrem l 0 y",
         "exists l",
         "rpush l a",
         "lrem l 2147483648 a",
         "exists l"});
}

TEST_F(ListDifferentialTest, LInsert) {
  Lines({"rpush l a b c b", "linsert l before b x", "linsert l after b y", "linsert l AFTER c z",
         "linsert l BeFoRe a first", "lrange l 0 -1", "linsert l before zz q",
         "linsert l after zz q", "linsert l middle b q", "linsert l middle zz q",
         "linsert nokey before a b", "linsert nokey middle a b", "exists nokey", "lrange l 0 -1"});
  Same({"linsert", "l", "after", "z", ""});
  Same({"linsert", "l", "before", "", "empty-pivot"});
  Same({"lrange", "l", "0", "-1"});
}

TEST_F(ListDifferentialTest, LPos) {
  Lines({"rpush l a b c a b c a",
         "lpos l a",
         "lpos l c",
         "lpos l zz",
         "lpos l A",
         "lpos l a rank 1",
         "lpos l a rank 2",
         "lpos l a rank 3",
         "lpos l a rank 4",
         "lpos l a rank -1",
         "lpos l a rank -3",
         "lpos l a rank -4",
         "lpos l a rank 0",
         "lpos l a rank x",
         "lpos l a rank 9223372036854775807",
         "lpos l a rank -9223372036854775807",
         "lpos l a rank -9223372036854775808",
         "lpos l a rank -9223372036854775808 count 1",
         "lpos l a rank -9223372036854775808 count 0",
         "lpos l a rank -9223372036854775808 count 2 maxlen 3",
         "lpos l a rank -9223372036854775808 maxlen 1",
         "lpos l a rank 9223372036854775808",
         "lpos l a rank 2147483648",
         "lpos l a count 0",
         "lpos l a count 1",
         "lpos l a count 2",
         "lpos l a count 100",
         "lpos l a count -1",
         "lpos l a count x",
         "lpos l a count 9223372036854775807",
         "lpos l a count 9223372036854775808",
         "lpos l zz count 0",
         "lpos l a rank 2 count 0",
         "lpos l a rank -2 count 1",
         "lpos l a rank 3 count 1",
         "lpos l a rank 4 count 1",
         "lpos l a maxlen 1",
         "lpos l a maxlen 3 count 0",
         "lpos l a maxlen 4 count 0",
         "lpos l a maxlen 4 count 0 rank -1",
         "lpos l c maxlen 2",
         "lpos l a maxlen 0 count 0",
         "lpos l a maxlen -1",
         "lpos l a maxlen x",
         "lpos l a maxlen 9223372036854775807",
         "lpos l a count 1 count 2",
         "lpos l a rank 1 rank -1",
         "lpos l a foo",
         "lpos l a rank",
         "lpos l a count",
         "lpos l a maxlen",
         "lpos l a rank 1 count",
         "lpos nokey a",
         "lpos nokey a count 1",
         "lpos nokey a count 0",
         "lpos nokey a rank 0",
         "lpos nokey a count -1",
         "lpos nokey a foo"});
}

TEST_F(ListDifferentialTest, LMoveAndRPopLPush) {
  Lines({"rpush src a b c d",
         "lmove src dst left left",
         "lmove src dst left right",
         "lmove src dst right left",
         "lmove src dst right right",
         "lrange dst 0 -1",
         "exists src",
         "lmove src dst left left",
         "rpoplpush src dst",
         "rpoplpush dst src",
         "lrange src 0 -1",
         "lrange dst 0 -1",
         "lmove dst dst left right",
         "lrange dst 0 -1",
         "lmove dst dst right left",
         "lrange dst 0 -1",
         "lmove dst dst left left",
         "lmove dst dst right right",
         "lrange dst 0 -1",
         "rpoplpush dst dst",
         "lrange dst 0 -1",
         "rpush one x",
         "lmove one one left right",
         "rpoplpush one one",
         "lrange one 0 -1",
         "lmove dst src LEFT RIGHT",
         "lmove dst src Left Right",
         "lmove dst src middle left",
         "lmove dst src left middle",
         "lmove nokey src middle left",
         "lmove nokey src left left",
         "lmove nokey nokey left left",
         "rpoplpush nokey src",
         "exists nokey",
         "set s x",
         "lmove s dst left left",
         "lmove dst s left left",
         "lmove nokey s left left",
         "lmove s nokey left left",
         "lmove s s left left",
         "rpoplpush s dst",
         "rpoplpush dst s",
         "rpoplpush nokey s",
         "lrange dst 0 -1",
         "lrange src 0 -1",
         "get s"});
}

TEST_F(ListDifferentialTest, LMPop) {
  Lines({"rpush a 1 2 3",
         "rpush b 4 5 6",
         "set s x",
         "lmpop 1 a left",
         "lmpop 1 a right",
         "lmpop 2 nokey b left count 2",
         "lmpop 2 nokey b right count 10",
         "exists b",
         "lmpop 2 nokey b left",
         "lmpop 1 nokey right count 5",
         "lmpop 3 nokey s a left",
         "lmpop 2 a s left",
         "lmpop 1 a LEFT COUNT 9223372036854775807",
         "exists a",
         "rpush a 1 2 3",
         "lmpop 0 a left",
         "lmpop -1 a left",
         "lmpop x a left",
         "lmpop 2147483648 a left",
         "lmpop 9223372036854775807 a left",
         "lmpop 9223372036854775808 a left",
         "lmpop 2 a left",
         "lmpop 2 a b",
         "lmpop 1 a middle",
         "lmpop 1 a left count 0",
         "lmpop 1 a left count -1",
         "lmpop 1 a left count x",
         "lmpop 1 a left count 9223372036854775808",
         "lmpop 1 a left count 1 count 2",
         "lmpop 1 a left foo",
         "lmpop 1 a left count",
         "lmpop 1 a left count 1 foo",
         "lmpop 1 s middle",
         "lmpop 0 s middle",
         "lmpop 1 s left count 0",
         "lmpop 1 a right count 2",
         "lmpop 1 a right count 2",
         "exists a"});
}

TEST_F(ListDifferentialTest, BlockingCommandsServeAndValidate) {
  Lines({"rpush a 1 2 3",
         "rpush b 4 5 6",
         "set s x",
         "blpop a 0",
         "brpop a 0",
         "blpop nokey b 0",
         "brpop nokey b 1.5",
         "blpop a b 0",
         "exists a",
         "blpop nokey s b 0",
         "blpop b s 0",
         "rpush b 1 2 3 4 5 6 7 8 9 10",
         "blpop s 0",
         "blpop b x",
         "blpop b -1",
         "blpop b -0.001",
         "blpop b 0.001",
         "blpop s x",
         "blpop s -1",
         "blpop b inf",
         "blpop b -inf",
         "blpop b +inf",
         "blpop b nan",
         "blpop b 1e30",
         "blpop b 9223372036854775807",
         "blpop b 9223372036854775.807",
         "blpop b -9223372036854775808",
         "blpop b 1e5000",
         "blpop b 0x10",
         "blpop b 1e3",
         "blpop b .5",
         "blpop b 1.",
         "rpush b 7 8 9",
         "brpop b 2147483648",
         "brpop b 0.0001",
         "blpop b 1e",
         "blpop b 1,5",
         "rpush src a b c",
         "blmove src dst left right 0",
         "blmove src dst right left 0.5",
         "brpoplpush src dst 0",
         "lrange dst 0 -1",
         "blmove dst dst left right 0",
         "brpoplpush dst dst 0",
         "lrange dst 0 -1",
         "blmove s dst left left 0",
         "blmove dst s left left 0",
         "blmove dst s left left x",
         "blmove dst s middle left x",
         "blmove dst s left middle x",
         "blmove dst s left left -1",
         "brpoplpush s dst 0",
         "brpoplpush dst s 0",
         "brpoplpush dst s x",
         "brpoplpush dst s -1",
         "rpush m 1 2 3 4",
         "blmpop 0 1 m left",
         "blmpop 0 2 nokey m right count 2",
         "blmpop 0.5 1 m left count 5",
         "exists m",
         "rpush m 1",
         "blmpop 0 2 s m left",
         "blmpop 0 2 m s left",
         "blmpop x 1 m left",
         "blmpop -1 1 m left",
         "blmpop x 0 m left",
         "blmpop x 1 m middle",
         "blmpop x 1 m left count 0",
         "blmpop x 2 m left",
         "blmpop x 1 m left foo",
         "blmpop 0 1 m left count 1 count 1",
         "blmpop x 1 s left",
         "blmpop inf 1 nokey left"});
  Same({"blpop", "b", " 1"});
  Same({"blpop", "b", ""});
}

TEST_F(ListDifferentialTest, BlockingOnEmptyKeysTimesOut) {
  // Redis blocks for 10 ms and answers a null array; embedis (which may not block here) answers
  // the same at once.
  Lines({"blpop nokey 0.01", "brpop nokey other 0.01", "blmpop 0.01 1 nokey left",
         "blmpop 0.01 2 nokey other right count 3"});
  Resp3();
  Lines({"blpop nokey 0.01", "blmpop 0.01 1 nokey left"});
}

TEST_F(ListDifferentialTest, MultiExec) {
  Lines({"multi",
         "rpush l a b c",
         "lpush l z",
         "lpop l",
         "rpop l 2",
         "llen l",
         "blpop nokey 0",
         "brpop nokey 0",
         "blmove nokey dst left left 0",
         "brpoplpush nokey dst 0",
         "blmpop 0 1 nokey left",
         "blmpop 0 1 nokey left count 2",
         "blpop l 0",
         "blmove l l right left 0",
         "lrange l 0 -1",
         "exec",
         "multi",
         "lpush l x",
         "lset l 99 x",
         "linsert l middle a b",
         "lpop l 2 3",
         "exec",
         "multi",
         "lpush l y",
         "lindex l 0",
         "exec",
         "lrange l 0 -1"});
  Resp3();
  Lines({"multi", "blpop nokey 0", "blmove nokey dst left left 0", "brpoplpush nokey d 0",
         "blmpop 0 1 nokey left", "lpop nokey", "lpop nokey 1", "exec"});
}

TEST_F(ListDifferentialTest, WatchSeesOnlyRealModifications) {
  // One client: its own writes before MULTI touch its watched keys too. Commands that change
  // nothing (LREM or LINSERT that find nothing, LPOP with count 0, ...) must not make EXEC fail;
  // every real change must, and so must LTRIM and LSET even when the list stays the same.
  for (const char* cmd : {"lrem l 0 zz",
                          "linsert l before zz q",
                          "lpos l a",
                          "lpop l 0",
                          "rpushx nokey x",
                          "lindex l 0",
                          "lrange l 0 -1",
                          "llen l",
                          "lmove nokey l left left",
                          "lset l 9 x",
                          "lpop nokey",
                          "lmpop 1 nokey left",
                          "ltrim nokey 0 -1",
                          "lpushx nokey a",
                          "ltrim l 0 -1",
                          "ltrim l 0 100",
                          "lset l 0 a",
                          "lmove l l left left",
                          "rpoplpush l l",
                          "lrem l 1 a",
                          "linsert l after a q",
                          "lpush l a",
                          "rpushx l x",
                          "lpop l",
                          "rpop l 1",
                          "lmove l other left left",
                          "lmove other l left left",
                          "lmpop 1 l right",
                          "blpop l 0",
                          "ltrim l 1 0",
                          "lmove l s left left"}) {
    SCOPED_TRACE(cmd);
    Lines({"flushall", "rpush l a b c", "rpush other o", "set s x", "watch l"});
    Lines({cmd});
    Lines({"multi", "ping", "exec"});
  }
}

TEST_F(ListDifferentialTest, WrongTypeEverywhere) {
  Lines({"set s x",
         "hset h f v",
         "rpush l a b",
         "lpush s a",
         "rpush s a",
         "lpushx s a",
         "rpushx s a",
         "lpop s",
         "rpop s",
         "lpop s 1",
         "rpop s 0",
         "llen s",
         "lindex s 0",
         "lset s 0 v",
         "lrange s 0 -1",
         "ltrim s 0 -1",
         "lrem s 0 a",
         "linsert s before a b",
         "lpos s a",
         "lpos s a count 0",
         "lmove s l left left",
         "lmove l s left left",
         "lmove h l left left",
         "rpoplpush s l",
         "rpoplpush l s",
         "lmpop 1 s left",
         "blpop s 0",
         "brpop h 0",
         "blmove s l left left 0",
         "blmove l h left left 0",
         "brpoplpush s l 0",
         "brpoplpush l s 0",
         "blmpop 0 1 h left",
         "lrange l 0 -1",
         "get s",
         "hgetall h",
         "get l",
         "hget l f",
         "hset l f v",
         "set l x",
         "type l"});
}

// COMMAND GETKEYS is a server command; compare Redis's answer with the key extraction it runs
// (commands::GetCommandKeys over the list commands' key specs).
TEST_F(ListDifferentialTest, GetKeysFindsTheListCommandsKeys) {
  const std::vector<std::vector<std::string>> calls = {
      {"lpush", "k", "a"},
      {"lmove", "a", "b", "left", "right"},
      {"rpoplpush", "a", "b"},
      {"blpop", "a", "b", "c", "0"},
      {"brpop", "a", "0"},
      {"blmove", "a", "b", "left", "left", "0"},
      {"brpoplpush", "a", "b", "0"},
      {"lmpop", "2", "a", "b", "left"},
      {"lmpop", "1", "a", "right", "count", "2"},
      {"blmpop", "0", "3", "a", "b", "c", "left"},
      {"lmpop", "3", "a", "left"},
      {"lpos", "k", "e", "rank", "1"},
  };
  for (const std::vector<std::string>& argv : calls) {
    std::vector<std::string> command = {"command", "getkeys"};
    command.insert(command.end(), argv.begin(), argv.end());
    const std::string expected = conn_.Call(absl::MakeConstSpan(command));
    std::vector<std::string_view> views(argv.begin(), argv.end());
    auto keys = commands::GetCommandKeys(embedis_.table(), commands::Args(views));
    std::string got;
    resp::Writer w(&got);
    if (keys.ok()) {
      w.ArrayHeader(keys->size());
      for (const commands::KeyRef& k : *keys) w.BulkString(k.key);
    } else {
      w.Error(FromAbsl(keys.status().message()));
    }
    EXPECT_EQ(EscapeResp(got), EscapeResp(expected)) << Shown(command);
  }
}

TEST_F(ListDifferentialTest, GenericKeyCommandsOnLists) {
  Lines({"rpush l a b c",
         "type l",
         "object encoding l",
         "exists l",
         "copy l l2",
         "lrange l2 0 -1",
         "rpush l2 d",
         "lrange l 0 -1",
         "copy l l2",
         "copy l l2 replace",
         "lrange l2 0 -1",
         "rename l2 l3",
         "lrange l3 0 -1",
         "type l3",
         "renamenx l3 l",
         "move l3 1",
         "select 1",
         "lrange l3 0 -1",
         "type l3",
         "object encoding l3",
         "select 0",
         "expire l 100",
         "ttl l",
         "lpop l",
         "ttl l",
         "persist l",
         "ttl l",
         "set s x",
         "hset h f v",
         "scan 0 type list",
         "scan 0 type LIST",
         "del l",
         "type l",
         "object encoding l",
         "rpush e x",
         "lpop e",
         "type e",
         "dbsize"});
  Resp3();
  Lines({"rpush l a", "type l", "object encoding l"});
}

TEST_F(ListDifferentialTest, Resp3Replies) {
  Resp3();
  Lines({"lpop nokey",
         "rpop nokey",
         "lpop nokey 1",
         "rpop nokey 0",
         "lindex nokey 0",
         "lrange nokey 0 -1",
         "lpos nokey a",
         "lpos nokey a count 0",
         "lmove nokey d left left",
         "rpoplpush nokey d",
         "lmpop 1 nokey left",
         "rpush l a b c a",
         "lpop l",
         "lpop l 0",
         "lpop l 1",
         "rpop l 5",
         "rpush l a b c a",
         "lindex l 9",
         "lindex l 1",
         "lpos l zz",
         "lpos l a count 0",
         "lpos l a",
         "lrange l 0 -1",
         "lmpop 2 nokey l right count 2",
         "blpop l 0",
         "blmpop 0 1 l left",
         "lset l 0 z",
         "lset l 5 z",
         "lset nokey 0 z",
         "linsert l before zz q",
         "ltrim l 0 0",
         "lrange l 0 -1"});
}

TEST_F(ListDifferentialTest, LongListsAcrossManyNodes) {
  // Thousands of elements of mixed sizes span many quicklist nodes: indexes from both ends,
  // inserts and removals in the middle, trims that cut nodes in half.
  std::vector<std::string> push = {"rpush", "big"};
  for (int i = 0; i < 3000; ++i) {
    push.push_back(i % 97 == 0 ? std::string(600 + i % 300, 'a' + i % 26) : absl::StrCat(i));
  }
  Same(push);
  Lines({"llen big",
         "lindex big 1500",
         "lindex big -1500",
         "lindex big 2999",
         "lindex big -3000",
         "lset big 1501 mid",
         "lindex big 1501",
         "linsert big before 1700 ins",
         "linsert big after 2999 last",
         "lpos big 2500",
         "lpos big 2500 rank -1",
         "lpos big ins count 0",
         "lrem big 0 mid",
         "lrange big 1490 1510",
         "lrange big -20 -1",
         "ltrim big 100 -100",
         "llen big",
         "lindex big 0",
         "lindex big -1",
         "lrange big 1000 1100",
         "lpop big 250",
         "rpop big 250",
         "llen big",
         "lrange big 0 -1"});
  for (int i = 0; i < 50; ++i) {
    Same({"lmove", "big", "other", i % 2 == 0 ? "left" : "right", i % 3 == 0 ? "left" : "right"});
  }
  SameLists({"big", "other"});
}

// Random list commands on a few keys (some of another type) with small elements, so that
// matches and collisions are common; every reply compared. Fixed seeds: a failure reproduces.
TEST_F(ListDifferentialTest, RandomizedSessions) {
  for (uint32_t seed : {1u, 2u, 3u, 4u}) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    std::mt19937 rng(seed);
    Same({"flushall"});
    Same({"set", "str", "x"});
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
    auto key = [&] {
      static const char* kKeys[] = {"a", "b", "c", "str"};
      return std::string(kKeys[pick(pick(8) == 0 ? 4 : 3)]);
    };
    auto elem = [&] { return std::string(1, static_cast<char>('p' + pick(5))); };
    auto index = [&] { return absl::StrCat(pick(15) - 7); };
    auto end = [&] { return std::string(pick(2) == 0 ? "left" : "right"); };
    for (int step = 0; step < 400; ++step) {
      std::vector<std::string> cmd;
      switch (pick(19)) {
        case 0:
          cmd = {"lpush", key(), elem(), elem()};
          break;
        case 1:
          cmd = {"rpush", key(), elem()};
          break;
        case 2:
          cmd = {pick(2) == 0 ? "lpushx" : "rpushx", key(), elem()};
          break;
        case 3:
          cmd = {pick(2) == 0 ? "lpop" : "rpop", key()};
          if (pick(2) == 0) cmd.push_back(absl::StrCat(pick(4)));
          break;
        case 4:
          cmd = {"llen", key()};
          break;
        case 5:
          cmd = {"lindex", key(), index()};
          break;
        case 6:
          cmd = {"lset", key(), index(), elem()};
          break;
        case 7:
          cmd = {"lrange", key(), index(), index()};
          break;
        case 8:
          cmd = {"ltrim", key(), index(), absl::StrCat(pick(20) - 3)};
          break;
        case 9:
          cmd = {"lrem", key(), index(), elem()};
          break;
        case 10:
          cmd = {"linsert", key(), pick(2) == 0 ? "before" : "after", elem(), elem()};
          break;
        case 11:
          cmd = {"lpos", key(), elem()};
          if (pick(2) == 0) cmd.insert(cmd.end(), {"rank", absl::StrCat(pick(7) - 3)});
          if (pick(2) == 0) cmd.insert(cmd.end(), {"count", absl::StrCat(pick(4))});
          if (pick(3) == 0) cmd.insert(cmd.end(), {"maxlen", absl::StrCat(pick(6))});
          break;
        case 12:
          cmd = {"lmove", key(), key(), end(), end()};
          break;
        case 13:
          cmd = {"rpoplpush", key(), key()};
          break;
        case 14:
          cmd = {"lmpop", "2", key(), key(), end()};
          if (pick(2) == 0) cmd.insert(cmd.end(), {"count", absl::StrCat(pick(4) + 1)});
          break;
        case 15:
          // Blocking pops only where Redis would not block (a key with elements), else LRANGE.
          cmd = {pick(2) == 0 ? "blpop" : "brpop", key(), key(), "0"};
          break;
        case 16:
          cmd = {"blmove", key(), key(), end(), end(), "0"};
          break;
        case 17:
          cmd = {"blmpop", "0", "2", key(), key(), end(), "count", absl::StrCat(pick(3) + 1)};
          break;
        default:
          cmd = {"lrange", key(), "0", "-1"};
          break;
      }
      // A blocking command on keys that are all missing would block Redis for ever: skip it.
      const std::string& name = cmd[0];
      if (name == "blpop" || name == "brpop" || name == "blmove" || name == "blmpop") {
        std::vector<std::string> keys;
        if (name == "blmpop") {
          keys = {cmd[3], cmd[4]};
        } else if (name == "blmove") {
          keys = {cmd[1]};
        } else {
          keys = {cmd[1], cmd[2]};
        }
        bool any = false;
        for (const std::string& k : keys) {
          if (conn_.Call({"exists", k}) == ":1\r\n") any = true;
        }
        if (!any) continue;
      }
      Same(cmd);
    }
    SameLists({"a", "b", "c"});
  }
}

}  // namespace
}  // namespace embedis::testing
