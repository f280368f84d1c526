// Regression tests for the divergences from Redis 7 listed in issue #16: each case runs on embedis
// (in-process) and on a real redis-server 7.0.15, and the replies are compared byte for byte,
// except where embedis deliberately does better than Redis (HRANDFIELD's bounded replies) or the
// case cannot be produced on a real server (a command that throws).
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/commands/command_table.h"
#include "tests/testing/command_runner.h"
#include "tests/testing/differential.h"

namespace embedis::testing {
namespace {

class Redis7DivergenceTest : public DifferentialTest {};

// SETRANGE's offset + length used to overflow int64 and pass the size check, then
// std::string::resize threw std::length_error and ended the server.
TEST_F(Redis7DivergenceTest, SetRangeOffsetPlusLengthPastTheLimit) {
  Lines({"setrange k 9223372036854775807 x", "setrange k 9223372036854775800 xyzabcdefghi",
         "setrange k 9223372036854775806 xy", "setrange k 536870912 x", "setrange k 536870911 xy",
         "setrange k -1 x", "setrange k -9223372036854775808 x", "setrange k 9223372036854775808 x",
         "exists k", "set k hello", "setrange k 9223372036854775807 x",
         "setrange k 4611686018427387904 x", "get k", "hset h f v",
         "setrange h 9223372036854775807 x", "setrange h -1 x"});
  Same({"setrange", "k", "9223372036854775807", ""});
  Same({"setrange", "missing", "9223372036854775807", ""});
  Same({"setrange", "h", "9223372036854775807", ""});
  Same({"exists", "missing"});
}

TEST_F(Redis7DivergenceTest, GetRangeAndSubstrWithExtremeIndexes) {
  Lines({"set s hello",
         "getrange s 0 9223372036854775807",
         "getrange s -9223372036854775808 -1",
         "getrange s -9223372036854775808 9223372036854775807",
         "getrange s 9223372036854775807 -9223372036854775808",
         "getrange s -1 -9223372036854775808",
         "getrange s 9223372036854775807 9223372036854775807",
         "getrange s 2 1",
         "getrange missing 0 -1",
         "getrange s 0 9223372036854775808",
         "substr s 1 3",
         "substr s 0 -1",
         "substr s -9223372036854775808 9223372036854775807",
         "substr s 9223372036854775807 0",
         "substr missing 0 1",
         "substr s 1",
         "substr s 1 2 3",
         "substr s x 1",
         "hset h f v",
         "substr h 0 1"});
}

TEST_F(Redis7DivergenceTest, IncrementsAtTheirLimits) {
  Lines({"incrby n 9223372036854775807",
         "incrby n 1",
         "incr n",
         "decrby n -1",
         "set n -9223372036854775808",
         "decr n",
         "decrby n 1",
         "incrby n -1",
         "decrby n -9223372036854775808",
         "decrby m -9223372036854775808",
         "decrby m 9223372036854775807",
         "decr m",
         "decr m",
         "incrby n 9223372036854775808",
         "incrbyfloat f 1e308",
         "incrbyfloat f 1e308",
         "incrbyfloat f 1e4932",
         "incrbyfloat f 1.18973149535723176502e+4932",
         "incrbyfloat g -1.7e308",
         "incrbyfloat g inf",
         "incrbyfloat g nan",
         "get g"});
}

TEST_F(Redis7DivergenceTest, HugeExpireTimes) {
  Lines({"set s v ex 9223372036854775",
         "set s v ex 9223372036854774",
         "set s v ex 9223372036854776",
         "set s v px 9223372036854775807",
         "set s v px 9223372036854775000",
         "set s v ex -9223372036854775808",
         "set s v ex 0",
         "set s v exat 9223372036854775",
         "set s v exat 9223372036854776",
         "set s v pxat 9223372036854775807",
         "pexpiretime s",
         "setex s 9223372036854775 v",
         "psetex s 9223372036854775807 v",
         "getex s ex 9223372036854775",
         "getex s px 9223372036854775807",
         "getex s exat 9223372036854776",
         "expire s 9223372036854775807",
         "expire s 9223372036854775",
         "expire s 9223372036854774",
         "expire s -9223372036854775808",
         "set s v",
         "expire s -9223372036854775",
         "set s v",
         "pexpire s 9223372036854775807",
         "expireat s 9223372036854775807",
         "pexpireat s 9223372036854775807",
         "pexpiretime s",
         "pexpireat s -9223372036854775808",
         "set s v",
         "expire s abc NX XX",
         "expire s abc GT LT",
         "expire s abc FOO",
         "pexpire s 9223372036854775808 NX GT",
         "exists s"});
}

// EXPIRETIME rounds to the nearest second; (ms + 500) / 1000 overflowed near INT64_MAX and
// answered -9223372036854775 where Redis answers 9223372036854776 (found by the random test).
TEST_F(Redis7DivergenceTest, ExpireTimeRoundsWithoutOverflow) {
  Lines({"set s v", "pexpireat s 9223372036854775807", "expiretime s", "pexpiretime s",
         "pexpireat s 9223372036854775500", "expiretime s", "pexpireat s 9223372036854775499",
         "expiretime s", "pexpireat s 9223372036854775308", "expiretime s",
         "pexpireat s 9223372036854775307", "expiretime s", "pexpireat s 4102444800499",
         "expiretime s", "pexpireat s 4102444800500", "expiretime s"});
}

// SET with a past EXAT/PXAT: Redis 7.0 stores the key with its past time and DBSIZE counts it
// until it is reclaimed (its active expiry runs on a timer: not comparable); embedis's DBSIZE
// counts live keys. Once an access has reclaimed it, both agree (the random test reclaims with
// SCAN).
TEST_F(Redis7DivergenceTest, SetWithPastExpiryIsGoneOnceReclaimed) {
  Lines({"set k v exat 100", "exists k", "dbsize", "set k v pxat 100", "get k", "dbsize", "set k v",
         "set k w exat 1 get", "ttl k", "dbsize", "set k v pxat 1", "scan 0", "dbsize"});
}

// Redis accepts the same expire option twice (the last value wins) but not two different ones.
TEST_F(Redis7DivergenceTest, RepeatedSetAndGetExOptions) {
  relative_ttl_tolerance_ = true;
  Lines({"set k v EX 100 EX 1000",
         "ttl k",
         "set k v px 100000 PX 2000000",
         "ttl k",
         "set k v EXAT 100000000000 exat 100000000001",
         "expiretime k",
         "set k v PXAT 100000000000000 pxat 100000000001000",
         "expiretime k",
         "set k v EX 100 PX 1000",
         "set k v PX 100 EX 1000",
         "set k v EX 100 EXAT 100000000000",
         "set k v EX 100 KEEPTTL",
         "set k v KEEPTTL KEEPTTL",
         "set k v KEEPTTL EX 10",
         "set k v NX NX",
         "set k v XX XX",
         "set k v NX XX",
         "set k v GET GET",
         "set k v EX 10 EX",
         "set k v EX 10 EX 0",
         "set k v EX 10 EX x",
         "getex k EX 100 EX 200",
         "ttl k",
         "getex k PX 100000 PX 300000",
         "ttl k",
         "getex k EX 1 PX 1",
         "getex k PERSIST PERSIST",
         "ttl k",
         "getex k PERSIST EX 1",
         "getex k EX 1 PERSIST",
         "getex k EXAT 100000000000 EXAT 100000000001",
         "expiretime k"});
}

// GETEX looks the key up before it reads the expire argument; INCRBYFLOAT checks the type and the
// stored value before its increment. HINCRBYFLOAT and HINCRBY read their increment first.
TEST_F(Redis7DivergenceTest, OrderOfChecks) {
  Lines({"getex missing EX -1",
         "getex missing EX abc",
         "getex missing PX 0",
         "getex missing EX 100 EX -1",
         "getex missing FOO",
         "getex missing EX 1 PX 1",
         "hset h a 1",
         "getex h EX 1",
         "getex h EX -1",
         "getex h EX abc",
         "getex h FOO",
         "set s hello",
         "getex s EX -1",
         "getex s EX abc",
         "getex s EX 9223372036854775807",
         "ttl s",
         "incrbyfloat h abc",
         "incrbyfloat h 1",
         "incrbyfloat s abc",
         "incrbyfloat s 1",
         "incrbyfloat missing abc",
         "exists missing",
         "set f 1.5",
         "incrbyfloat f abc",
         "incrbyfloat f inf",
         "hincrbyfloat s f abc",
         "hincrbyfloat s f 1",
         "hincrbyfloat s f inf",
         "hincrbyfloat h a abc",
         "hincrbyfloat h a inf",
         "hincrbyfloat h nofield abc",
         "hset h t text",
         "hincrbyfloat h t abc",
         "hincrbyfloat h t 1",
         "hincrby s f abc",
         "hincrby h t abc",
         "hincrby h t 1"});
}

// An empty glob matches only the empty key name; an empty SCAN cursor is cursor 0.
TEST_F(Redis7DivergenceTest, EmptyPatternsAndCursors) {
  Lines({"set a 1", "hset h f v"});
  Same({"keys", ""});
  Same({"scan", "0", "match", ""});
  Same({"scan", "0", "match", "", "count", "1000"});
  Same({"hscan", "h", "0", "match", ""});
  Same({"set", "", "empty"});
  Same({"keys", ""});
  Same({"scan", "0", "match", "", "count", "1000"});
  Same({"hset", "h2", "", "empty"});
  Same({"hscan", "h2", "0", "match", ""});
  Same({"del", ""});
  Lines({"del a h2"});
  Same({"scan", ""});
  Same({"scan", "", "count", "10"});
  Same({"hscan", "h", ""});
  Same({"hscan", "missing", ""});
  Lines({"scan 0 count 9223372036854775807", "scan 0 count 4611686018427387904",
         "scan 0 count 9223372036854775808", "scan 0 count 0", "scan 0 count -1",
         "hscan h 0 count 9223372036854775807", "hscan h 0 count -9223372036854775808"});
}

TEST_F(Redis7DivergenceTest, SelectAndSwapDbWithOutOfRangeIntegers) {
  Lines({"select 99999999999",
         "select 2147483648",
         "select 2147483647",
         "select -2147483649",
         "select -2147483648",
         "select -1",
         "select 16",
         "select 9223372036854775808",
         "select x",
         "swapdb 99999999999 1",
         "swapdb 1 99999999999",
         "swapdb 2147483648 1",
         "swapdb -2147483649 1",
         "swapdb 2147483647 1",
         "swapdb -1 1",
         "swapdb 16 1",
         "swapdb x 1",
         "swapdb 1 x",
         "swapdb x 99999999999",
         "move k 99999999999",
         "copy k j db 99999999999"});
}

// The counts Redis refuses, with its texts, and small ones it serves.
TEST_F(Redis7DivergenceTest, HRandFieldCountsRedisRefuses) {
  Lines({"hset h a 1 b 2 c 3",
         "hrandfield h -9223372036854775808",
         "hrandfield h -9223372036854775808 withvalues",
         "hrandfield h 9223372036854775808",
         "hrandfield h -4611686018427387904 withvalues",
         "hrandfield h 4611686018427387904 withvalues",
         "hrandfield h 9223372036854775807 withvalues",
         "hrandfield h -9223372036854775807 withvalues",
         "hrandfield h 9223372036854775807 foo",
         "hrandfield nokey -9223372036854775807",
         "hrandfield nokey -9223372036854775807 withvalues",
         "hrandfield nokey -9223372036854775808",
         "set s x",
         "hrandfield s -9223372036854775807",
         "hrandfield s -9223372036854775808",
         "hset one f v",
         "hrandfield one -3",
         "hrandfield one -2 withvalues",
         "hrandfield one 9223372036854775807",
         "hrandfield one 4611686018427387903 withvalues"});
}

// Beyond Redis: a negative count whose reply would pass 512 MB is refused at once, or as soon as
// the reply passes the limit, instead of growing until memory runs out.
TEST(Redis7DivergenceInProcess, HRandFieldBoundsHugeNegativeCounts) {
  CommandRunner r;
  ASSERT_EQ(r.Run({"HSET", "h", "a", "1", "b", "2", "c", "3"}), ":3\r\n");
  const std::string too_large =
      "-ERR value is out of range, the reply would exceed 536870912 bytes\r\n";
  EXPECT_EQ(r.Run({"HRANDFIELD", "h", "-1000000000"}), too_large);
  EXPECT_EQ(r.Run({"HRANDFIELD", "h", "-1000000000", "WITHVALUES"}), too_large);
  EXPECT_EQ(r.Run({"HRANDFIELD", "h", "-9223372036854775807"}), too_large);
  EXPECT_EQ(r.Run({"HRANDFIELD", "h", "-4611686018427387903", "WITHVALUES"}), too_large);
  // 536870912 / 7 = 76695844: the largest count that 1-byte fields could still fit.
  EXPECT_EQ(r.Run({"HRANDFIELD", "h", "-76695845"}), too_large);
  EXPECT_EQ(r.Run({"HRANDFIELD", "h", "-38347923", "WITHVALUES"}), too_large);
  // Long values pass the limit while the reply is built: what was written is dropped.
  ASSERT_EQ(r.Run({"HSET", "big", "f", std::string(8 << 20, 'x')}), ":1\r\n");
  EXPECT_EQ(r.Run({"HRANDFIELD", "big", "-100", "WITHVALUES"}), too_large);
  // A count whose reply fits is served in full; a positive count is bounded by the hash's size.
  const std::string small = r.Run({"HRANDFIELD", "h", "-1000", "WITHVALUES"});
  EXPECT_EQ(small.substr(0, 7), "*2000\r\n");
  EXPECT_EQ(r.Run({"HRANDFIELD", "big", "-2"}).substr(0, 4), "*2\r\n");
  EXPECT_EQ(r.Run({"HRANDFIELD", "h", "9223372036854775807"}).substr(0, 4), "*3\r\n");
  EXPECT_EQ(r.Run({"PING"}), "+PONG\r\n");
}

// A handler that throws: one error reply replaces whatever it wrote, and the table keeps serving.
TEST(Redis7DivergenceInProcess, ThrowingCommandRepliesAnErrorAndServingGoesOn) {
  CommandRunner r;
  r.table().Register(
      commands::CommandSpec{.name = "testbadalloc",
                            .arity = 1,
                            .flags = commands::kReadOnly,
                            .summary = "test only",
                            .handler = [](commands::CommandContext& ctx, commands::Args) {
                              ctx.reply->ArrayHeader(3);  // a partial reply, dropped
                              ctx.reply->BulkString("partial");
                              throw std::bad_alloc();
                            }});
  r.table().Register(commands::CommandSpec{
      .name = "testruntime",
      .arity = -1,
      .flags = commands::kWrite,
      .summary = "test only",
      .handler = [](commands::CommandContext& ctx, commands::Args argv) {
        ctx.reply->Integer(1);
        throw std::runtime_error(argv.size() > 1 ? std::string(argv[1]) : "boom");
      }});
  r.table().Register(commands::CommandSpec{
      .name = "testint",
      .arity = 1,
      .flags = commands::kReadOnly,
      .summary = "test only",
      .handler = [](commands::CommandContext&, commands::Args) { throw 42; }});
  r.table().Register(
      commands::CommandSpec{.name = "testthrowinupdate",
                            .arity = 2,
                            .flags = commands::kWrite,
                            .summary = "test only",
                            .handler = [](commands::CommandContext& ctx, commands::Args argv) {
                              ctx.keyspace->Update(ctx.client->db, argv[1], [](KeyHandle& k) {
                                k.SetString("changed", /*keep_ttl=*/false);
                                throw std::length_error("in update");
                              });
                            }});
  EXPECT_EQ(r.Run({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(r.Run({"TESTBADALLOC"}), "-ERR internal error: out of memory\r\n");
  EXPECT_EQ(r.Run({"TESTRUNTIME"}), "-ERR internal error: boom\r\n");
  EXPECT_EQ(r.Run({"TESTRUNTIME", "two\r\nlines"}), "-ERR internal error: two  lines\r\n");
  EXPECT_EQ(r.Run({"TESTINT"}), "-ERR internal error: unknown exception\r\n");
  EXPECT_EQ(r.Run({"GET", "k"}), "$1\r\nv\r\n");
  // Inside EXEC: the failing command's slot holds the error, the others run.
  EXPECT_EQ(r.Run({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(r.Run({"TESTBADALLOC"}), "+QUEUED\r\n");
  EXPECT_EQ(r.Run({"SET", "k", "w"}), "+QUEUED\r\n");
  EXPECT_EQ(r.Run({"TESTRUNTIME", "x"}), "+QUEUED\r\n");
  EXPECT_EQ(r.Run({"EXEC"}),
            "*3\r\n-ERR internal error: out of memory\r\n+OK\r\n-ERR internal error: x\r\n");
  EXPECT_EQ(r.Run({"GET", "k"}), "$1\r\nw\r\n");
  // The keyspace's locks were released on the way out: the same key is served afterwards.
  EXPECT_EQ(r.Run({"TESTTHROWINUPDATE", "u"}), "-ERR internal error: in update\r\n");
  EXPECT_EQ(r.Run({"SET", "u", "after"}), "+OK\r\n");
  EXPECT_EQ(r.Run({"GET", "u"}), "$5\r\nafter\r\n");
  EXPECT_EQ(r.Run({"SETRANGE", "k", "9223372036854775807", "x"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
  EXPECT_EQ(r.Run({"APPEND", "k", "x"}), ":2\r\n");
}

}  // namespace
}  // namespace embedis::testing
