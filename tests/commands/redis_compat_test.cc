// Differential test: the same command scripts run through embedis's command
// table in-process and through a real redis-server (DifferentialTest); every
// reply must be the same bytes. Redis is the specification.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/differential.h"

namespace embedis::testing {
namespace {

class RedisCompatTest : public DifferentialTest {
 protected:
  // TTL k after SET k v EX 100 and the like: both run on the real clock, one after the other.
  RedisCompatTest() { relative_ttl_tolerance_ = true; }

  // Same() for each command, for arguments Lines() cannot split (empty, spaces, NULs).
  void Script(const std::vector<std::vector<std::string>>& commands) {
    for (const auto& argv : commands) Same(argv);
  }
};

TEST_F(RedisCompatTest, UnknownCommandsAndArity) {
  Lines({"foo", "foo a b", "FOO a b c d", "get", "get a b", "set k", "ping a b", "object",
         "object foo k", "object encoding", "mset a", "mset a b c", "msetnx a", "hset h"});
  std::string long_arg(300, 'x');
  Script({{"nosuchcommand", long_arg, "b"}, {std::string(200, 'c'), "x"}});
}

TEST_F(RedisCompatTest, ConnectionBasics) {
  Lines({"ping", "ping hello", "PING", "echo hi", "select 1", "select 16", "select -1", "select x",
         "select 0", "dbsize", "swapdb 0 x", "swapdb x 0", "swapdb 0 99", "flushdb async",
         "flushdb sync", "flushdb foo", "flushall foo bar"});
}

TEST_F(RedisCompatTest, SetOptions) {
  Lines({"set k v",
         "get k",
         "set k v nx",
         "set k v2 xx",
         "get k",
         "set k v nx xx",
         "set k v xx nx",
         "set k v ex",
         "set k v ex 0",
         "set k v ex -1",
         "set k v ex abc",
         "set k v px 0",
         "set k v ex 10 px 10",
         "set k v keepttl ex 10",
         "set k v ex 10 keepttl",
         "set k v get",
         "set k v3 get nx",
         "set n v get xx",
         "set k v exat 9223372036854775807",
         "set k v px 9223372036854775807",
         "set k v ex 9223372036854775",
         "set k v ex 100",
         "ttl k",
         "set k v keepttl",
         "ttl k",
         "set k v",
         "ttl k",
         "set k v pxat 1",
         "get k",
         "exists k",
         "set k v exat 1 get",
         "set k v foo",
         "SET k v EX 100 NX",
         "set k v EX 100 XX GET",
         "ttl k"});
}

TEST_F(RedisCompatTest, SetVariants) {
  Lines({"setnx a 1",
         "setnx a 2",
         "get a",
         "setex b 100 v",
         "ttl b",
         "setex b 0 v",
         "setex b -5 v",
         "setex b x v",
         "psetex c 100000 v",
         "ttl c",
         "psetex c 0 v",
         "getset a 3",
         "getset missing 1",
         "get missing",
         "getdel a",
         "getdel a",
         "hset h f v",
         "getset h x",
         "getdel h",
         "get h",
         "set k v get",
         "set h v get",
         "type h"});
}

TEST_F(RedisCompatTest, GetEx) {
  Lines({"set k v",
         "getex k",
         "getex k ex 100",
         "ttl k",
         "getex k persist",
         "ttl k",
         "getex k px 5000",
         "pttl k",
         "getex k ex 0",
         "getex k ex -1",
         "getex k exat 1",
         "exists k",
         "getex missing ex 10",
         "set k v",
         "getex k ex 10 px 10",
         "getex k persist ex 10",
         "getex k foo",
         "getex k ex",
         "hset h f v",
         "getex h"});
}

TEST_F(RedisCompatTest, MultiKeyStrings) {
  Lines({"mset a 1 b 2 c 3", "mget a b c d", "hset h f v", "mget a h", "msetnx a 1 z 2", "get z",
         "msetnx y 1 z 2", "mget y z", "mset a", "mget"});
}

TEST_F(RedisCompatTest, AppendStrlenRanges) {
  Lines({"append k hello",
         "append k _world",
         "get k",
         "strlen k",
         "strlen missing",
         "getrange k 0 3",
         "getrange k -3 -1",
         "getrange k 5 1",
         "getrange k -1 -5",
         "getrange k 0 -1",
         "getrange k 100 200",
         "getrange k -100 2",
         "getrange k x 1",
         "getrange missing 0 1",
         "setrange k 0 J",
         "get k",
         "setrange k 20 X",
         "get k",
         "strlen k",
         "setrange k -1 x",
         "setrange k x y",
         "exists new",
         "setrange new 3 abc",
         "get new",
         "setrange k 536870912 x",
         "hset h f v",
         "append h x",
         "strlen h",
         "getrange h 0 1",
         "setrange h 0 x"});
  Script({{"setrange", "new", "0", ""},
          {"exists", "new"},
          {"setrange", "k", "1", ""},
          {"setrange", "k", "100", ""},
          {"get", "k"},
          {"append", "e", ""},
          {"exists", "e"},
          {"set", "bin", std::string("a\0b", 3)},
          {"get", "bin"},
          {"strlen", "bin"},
          {"append", "bin", std::string("\0", 1)},
          {"get", "bin"}});
}

TEST_F(RedisCompatTest, Counters) {
  Lines({"incr n",
         "incrby n 10",
         "decr n",
         "decrby n 5",
         "get n",
         "incrby n x",
         "incrby n 9223372036854775807",
         "set n 9223372036854775807",
         "incr n",
         "set n -9223372036854775808",
         "decr n",
         "decrby n -9223372036854775808",
         "set s abc",
         "incr s",
         "set s 01",
         "incr s",
         "set s 1.5",
         "incr s",
         "incrbyfloat f 1.5",
         "incrbyfloat f 0.1",
         "incrbyfloat f -1.6",
         "incrbyfloat f 10.50",
         "incrbyfloat f 5.0e3",
         "get f",
         "incrbyfloat f abc",
         "incrbyfloat s 1",
         "set f 1e308",
         "incrbyfloat f 1e308",
         "incrbyfloat f inf",
         "incrbyfloat f nan",
         "set x 3",
         "incrbyfloat x 0.0",
         "hset h f v",
         "incr h",
         "incrbyfloat h 1",
         "set k v ex 100",
         "set c 1 ex 100",
         "incr c",
         "ttl c"});
  Script({{"set", "s", " 1"},
          {"incr", "s"},
          {"set", "s", "1 "},
          {"incr", "s"},
          {"incrbyfloat", "s", "1"},
          {"incrbyfloat", "f2", " 1"},
          {"set", "s", ""},
          {"incr", "s"},
          {"incrbyfloat", "s", "1"}});
}

TEST_F(RedisCompatTest, DelExistsTypeRename) {
  Lines({"set a 1",      "set b 2",     "hset h f v", "exists a a b z",   "del a a z",
         "unlink b",     "exists a b",  "type h",     "type missing",     "set a 1",
         "type a",       "rename a b",  "get b",      "rename missing x", "renamenx b h",
         "renamenx b c", "get c",       "rename c c", "renamenx c c",     "rename missing missing",
         "touch c h z",  "rename h h2", "type h2",    "set e v ex 100",   "rename e e2",
         "ttl e2"});
}

TEST_F(RedisCompatTest, ExpireFamily) {
  Lines({"set k v",
         "ttl k",
         "pttl k",
         "expiretime k",
         "pexpiretime k",
         "ttl missing",
         "pttl missing",
         "expiretime missing",
         "expire k 100",
         "ttl k",
         "expire k 100 nx",
         "expire k 200 xx",
         "ttl k",
         "expire k 100 gt",
         "expire k 300 gt",
         "ttl k",
         "expire k 400 lt",
         "expire k 50 lt",
         "ttl k",
         "expire k 100 xx gt",
         "expire k 10 xx lt",
         "ttl k",
         "expire k 10 nx xx",
         "expire k 10 gt lt",
         "expire k 10 nx gt",
         "expire k 10 foo",
         "expire k abc",
         "expire k 9223372036854775807",
         "pexpire k 9223372036854775807",
         "expire k -9223372036854775808",
         "persist k",
         "persist k",
         "persist missing",
         "set k v",
         "expire k 100 xx",
         "expire k 100 gt",
         "expire k 100 lt",
         "ttl k",
         "expireat k 1",
         "exists k",
         "set k v",
         "pexpireat k 1",
         "exists k",
         "set k v",
         "expire k 0",
         "exists k",
         "set k v",
         "expire k -10",
         "exists k",
         "expire missing 10",
         "set k v",
         "expireat k 99999999999",
         "expiretime k",
         "pexpiretime k",
         "pexpireat k 99999999999999",
         "pexpiretime k"});
}

TEST_F(RedisCompatTest, ScanAndKeys) {
  Lines({"mset a 1 b 2 c 3",
         "hset h f v",
         "keys nomatch*",
         "dbsize",
         "scan x",
         "scan +0 match zz*",
         "scan \t0",
         "scan 0 count 0",
         "scan 0 count -1",
         "scan 0 count x",
         "scan 0 match",
         "scan 0 foo bar",
         "scan 0 type nosuchtype count 100",
         "scan 0 type hash count 100",
         "scan 0 match h* count 100",
         "scan 18446744073709551616",
         "flushall",
         "randomkey",
         "set only 1",
         "randomkey",
         "del only",
         "keys *",
         "scan 0",
         "scan -1",
         "scan 007"});
}

// SCAN and HSCAN read their cursor with one parser (ParseScanCursor in args.h), as Redis reads
// both with strtoul: any number of leading zeros, and a NUL byte ends the number.
TEST_F(RedisCompatTest, ScanAndHScanCursorsAlike) {
  Lines({"hset h f v"});
  const std::string zeros(80, '0');
  Script({{"scan", zeros},
          {"scan", std::string("0\0junk", 6)},
          {"scan", std::string("\0", 1)},
          {"scan", "-"},
          {"hscan", "h", zeros},
          {"hscan", "h", std::string("0\0junk", 6)},
          {"hscan", "h", "-"},
          {"hscan", "h", "18446744073709551616"}});
}

TEST_F(RedisCompatTest, CopyAndObject) {
  Lines({"set a 12345",
         "object encoding a",
         "set b hello",
         "object encoding b",
         "set c 0123456789012345678901234567890123456789abcdefghij",
         "object encoding c",
         "object encoding missing",
         "object refcount missing",
         "object freq a",
         "object help",
         "copy a a",
         "copy a a2",
         "get a2",
         "copy a a2",
         "copy a a2 replace",
         "copy a a2 db 1",
         "copy missing x",
         "copy a a db 1",
         "select 1",
         "get a",
         "select 0",
         "copy a x db 99",
         "copy a x db x",
         "copy a x foo",
         "set t v ex 100",
         "copy t t2",
         "ttl t2"});
}

TEST(RedisCompatUnit, EscapeShowsCrLf) { EXPECT_EQ(EscapeResp("+OK\r\n"), "+OK\\r\\n"); }

}  // namespace
}  // namespace embedis::testing
