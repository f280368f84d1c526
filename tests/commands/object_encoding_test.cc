// OBJECT ENCODING of strings against a real redis-server 7.0: Redis's "int", "embstr" or "raw"
// depends on the command that stored a value, not only on its bytes (StringOrigin in
// lib/keyspace/keyspace.h), and every rule is checked here byte for byte, including what a
// snapshot reload re-derives (redis-server's DEBUG RELOAD against an embedis snapshot round trip).
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/snapshot.h"
#include "tests/testing/command_runner.h"
#include "tests/testing/differential.h"

namespace embedis::testing {
namespace {

class ObjectEncodingTest : public DifferentialTest {
 protected:
  // DEBUG RELOAD (a save and load of the RDB file) needs the debug command.
  static void SetUpTestSuite() { StartRedis({"--enable-debug-command", "yes"}); }

  // Every key's encoding on both sides.
  void SameEncodings(std::initializer_list<const char*> keys) {
    for (const char* key : keys) Same({"object", "encoding", key});
  }
};

TEST_F(ObjectEncodingTest, SetStoresIntEmbstrOrRawByContent) {
  Lines({"set a 123",
         "object encoding a",
         "set a -9223372036854775808",
         "object encoding a",
         "set a 9223372036854775807",
         "object encoding a",
         "set a 9223372036854775808",
         "object encoding a",
         "set a -0",
         "object encoding a",
         "set a 007",
         "object encoding a",
         "set a +1",
         "object encoding a",
         "set a 0",
         "object encoding a",
         "set a 1.5",
         "object encoding a",
         "set a -1",
         "object encoding a"});
  for (const std::string& v :
       {std::string(""), std::string(" 1"), std::string("1 "), std::string(44, 'x'),
        std::string(45, 'x'), std::string(20, '9'), std::string(21, '1'), std::string(5000, 'y')}) {
    Same({"set", "a", v});
    Same({"object", "encoding", "a"});
  }
}

TEST_F(ObjectEncodingTest, EverySetVariantEncodesByContent) {
  const std::string long_value(50, 'z');
  Lines({"setnx b 5", "setnx c hello", "mset d 7 e hello", "msetnx f 8 g hi", "setex h 100 42",
         "psetex i 100000 x", "set j 1 get", "set k 5 keepttl", "set l 6 px 100000"});
  Same({"getset", "m", long_value});
  Same({"set", "n", long_value, "get"});
  SameEncodings({"b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n"});
}

TEST_F(ObjectEncodingTest, AppendAndSetrangeLeaveRaw) {
  Lines({"set a ab", "append a c", "object encoding a",          // tiny
         "set b 1", "append b 2", "object encoding b", "get b",  // integer-looking
         "set c ab", "object encoding c", "setrange c 0 x", "object encoding c", "set d 1",
         "setrange d 0 2", "object encoding d",  // integer-looking
         "setrange e 0 5", "object encoding e",  // created by SETRANGE
         "setrange f 3 x", "object encoding f", "strlen f"});
  Same({"set", "g", "ab"});
  Same({"append", "g", ""});  // even an empty append
  Same({"object", "encoding", "g"});
  Same({"set", "h", std::string(50, 'y')});
  Lines({"append h z", "object encoding h"});
}

TEST_F(ObjectEncodingTest, AppendToAMissingKeyStoresItsArgumentAsSet) {
  Lines({"append a 5", "object encoding a", "append b hello", "object encoding b", "append a 6",
         "object encoding a"});
  Same({"append", "c", ""});
  Same({"object", "encoding", "c"});
  Same({"append", "d", std::string(45, 'x')});
  Same({"object", "encoding", "d"});
}

TEST_F(ObjectEncodingTest, SetrangeThatWritesNothingKeepsTheEncoding) {
  Lines({"set a 12", "object encoding a"});
  Same({"setrange", "a", "0", ""});
  Same({"object", "encoding", "a"});
  Same({"setrange", "missing", "0", ""});
  Same({"object", "encoding", "missing"});
}

TEST_F(ObjectEncodingTest, IncrFamilyStoresInt) {
  Lines({"incr a", "object encoding a", "set b 10", "decrby b 3", "object encoding b", "set c 1",
         "append c 2", "object encoding c", "incrby c 0", "object encoding c", "set d 1",
         "append d 5", "decr d", "object encoding d", "set e 1", "incrbyfloat e 2", "incr e",
         "object encoding e"});
}

TEST_F(ObjectEncodingTest, IncrbyfloatStoresEmbstrNeverInt) {
  Lines({"set a 1", "incrbyfloat a 2", "get a", "object encoding a",  // "3" but embstr
         "incrbyfloat b 1.5", "object encoding b", "set c 1", "append c 2", "incrbyfloat c 1",
         "object encoding c", "incrbyfloat d 1e40", "strlen d", "object encoding d",
         "incrbyfloat e 1e50", "strlen e", "object encoding e"});
}

TEST_F(ObjectEncodingTest, SettingAgainClearsRaw) {
  for (const char* setter : {"set a 3", "set a 3 keepttl", "set a 3 xx", "getset a 3", "mset a 3",
                             "setex a 100 3", "set a hello"}) {
    Lines({"set a 1", "append a 2", "object encoding a", setter, "object encoding a"});
  }
  // A write that does not happen keeps it.
  Lines({"set b 1", "append b 2", "set b 3 nx", "setnx b 3", "msetnx b 3", "object encoding b"});
  // So does a hash turned into a string and back.
  Lines({"hset h f v", "object encoding h", "set h 5", "object encoding h"});
}

TEST_F(ObjectEncodingTest, ExpiryRenameCopyAndMoveKeepTheEncoding) {
  relative_ttl_tolerance_ = true;
  Lines({"set a 1",           "append a 2",        "getex a ex 100",    "object encoding a",
         "getex a persist",   "object encoding a", "getex a",           "object encoding a",
         "expire a 100",      "object encoding a", "pexpire a 100000",  "persist a",
         "object encoding a", "rename a b",        "object encoding b", "renamenx b c",
         "object encoding c", "copy c d",          "object encoding d", "copy c e db 1",
         "set f 1",           "incrbyfloat f 2",   "copy f g",          "object encoding g",
         "rename g h",        "object encoding h", "set i 1",           "copy i j",
         "object encoding j", "set k hello",       "copy k l",          "object encoding l",
         "set x 1",           "copy c x replace",  "object encoding x", "move c 2",
         "move f 3",          "select 1",          "object encoding e", "select 2",
         "object encoding c", "select 3",          "object encoding f"});
}

TEST_F(ObjectEncodingTest, ReloadRederivesTheEncodingAsRedisDoes) {
  Lines({"set raw ab", "append raw c", "set rawint 1", "append rawint 2", "set f 1",
         "incrbyfloat f 2", "set ff 1.5", "incrbyfloat ff 1", "set i 42", "set e hello", "select 1",
         "setrange s 0 abc", "select 0"});
  Same({"set", "big", std::string(60, 'x')});
  Same({"append", "big", "y"});
  SameEncodings({"raw", "rawint", "f", "ff", "i", "e", "big"});

  // Redis: save and load the RDB file. embedis: a snapshot written, the keyspace emptied, the
  // snapshot loaded.
  ASSERT_EQ(conn_.Call({"DEBUG", "RELOAD"}), "+OK\r\n");
  const std::string path =
      absl::StrCat(::testing::TempDir(), "/object_encoding_", getpid(), ".embedis");
  ASSERT_TRUE(WriteSnapshot(embedis_.keyspace(), path, {.sync = false}).ok());
  embedis_.keyspace().FlushAll();
  ASSERT_TRUE(LoadSnapshot(path, &embedis_.keyspace()).ok());
  std::remove(path.c_str());

  SameEncodings({"raw", "rawint", "f", "ff", "i", "e", "big"});
  Lines({"select 1", "object encoding s"});
}

}  // namespace
}  // namespace embedis::testing
