// MOVE key db: a redis-cli-style session in-process (on a ManualClock, so TTLs are exact), then
// the same commands on a real redis-server 7 with the replies compared byte for byte.
#include <chrono>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "lib/commands/command_table.h"
#include "tests/testing/command_runner.h"
#include "tests/testing/differential.h"

namespace embedis::testing {
namespace {

class MoveTest : public ::testing::Test {
 protected:
  std::string Run(std::initializer_list<std::string_view> argv) { return r_.Run(argv); }
  CommandRunner r_;
};

TEST_F(MoveTest, MovesTheValueAndItsTtl) {
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "5000"}), "+OK\r\n");
  EXPECT_EQ(Run({"MOVE", "k", "1"}), ":1\r\n");
  EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n");
  EXPECT_EQ(Run({"SELECT", "1"}), "+OK\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"PTTL", "k"}), ":5000\r\n");
  r_.clock().Advance(absl::Milliseconds(5000));
  EXPECT_EQ(Run({"GET", "k"}), "$-1\r\n");
}

TEST_F(MoveTest, MovesAHashWithoutTtlBackToDatabaseZero) {
  EXPECT_EQ(Run({"SELECT", "15"}), "+OK\r\n");
  EXPECT_EQ(Run({"HSET", "h", "f", "1", "g", "2"}), ":2\r\n");
  EXPECT_EQ(Run({"MOVE", "h", "0"}), ":1\r\n");
  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
  EXPECT_EQ(Run({"SELECT", "0"}), "+OK\r\n");
  EXPECT_EQ(Run({"HGETALL", "h"}), "*4\r\n$1\r\nf\r\n$1\r\n1\r\n$1\r\ng\r\n$1\r\n2\r\n");
  EXPECT_EQ(Run({"PTTL", "h"}), ":-1\r\n");
}

TEST_F(MoveTest, ZeroAndNothingChangesWhenMissingOrTakenInTheTarget) {
  EXPECT_EQ(Run({"MOVE", "missing", "1"}), ":0\r\n");
  EXPECT_EQ(Run({"SET", "k", "here", "PX", "100"}), "+OK\r\n");
  EXPECT_EQ(Run({"SELECT", "2"}), "+OK\r\n");
  EXPECT_EQ(Run({"SET", "k", "there"}), "+OK\r\n");
  EXPECT_EQ(Run({"SELECT", "0"}), "+OK\r\n");
  EXPECT_EQ(Run({"MOVE", "k", "2"}), ":0\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$4\r\nhere\r\n");
  EXPECT_EQ(Run({"PTTL", "k"}), ":100\r\n");
  EXPECT_EQ(Run({"SELECT", "2"}), "+OK\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$5\r\nthere\r\n");
  EXPECT_EQ(Run({"MOVE", "missing", "0"}), ":0\r\n");
}

TEST_F(MoveTest, ExpiredKeysCountAsMissing) {
  EXPECT_EQ(Run({"SET", "gone", "v", "PX", "10"}), "+OK\r\n");
  EXPECT_EQ(Run({"SELECT", "1"}), "+OK\r\n");
  EXPECT_EQ(Run({"SET", "k", "old", "PX", "10"}), "+OK\r\n");
  EXPECT_EQ(Run({"SELECT", "0"}), "+OK\r\n");
  EXPECT_EQ(Run({"SET", "k", "new"}), "+OK\r\n");
  r_.clock().Advance(absl::Milliseconds(10));
  EXPECT_EQ(Run({"MOVE", "gone", "1"}), ":0\r\n");
  EXPECT_EQ(Run({"MOVE", "k", "1"}), ":1\r\n");  // the expired target does not count
  EXPECT_EQ(Run({"SELECT", "1"}), "+OK\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$3\r\nnew\r\n");
  EXPECT_EQ(Run({"PTTL", "k"}), ":-1\r\n");
}

TEST_F(MoveTest, DatabaseArgumentIsCheckedBeforeTheKey) {
  const std::string not_integer = "-ERR value is not an integer or out of range\r\n";
  const std::string out_of_range = "-ERR DB index is out of range\r\n";
  EXPECT_EQ(Run({"MOVE", "missing", "x"}), not_integer);
  EXPECT_EQ(Run({"MOVE", "missing", "1.0"}), not_integer);
  EXPECT_EQ(Run({"MOVE", "missing", "+1"}), not_integer);
  EXPECT_EQ(Run({"MOVE", "missing", "01"}), not_integer);
  EXPECT_EQ(Run({"MOVE", "missing", ""}), not_integer);
  EXPECT_EQ(Run({"MOVE", "missing", "9223372036854775808"}), not_integer);
  EXPECT_EQ(Run({"MOVE", "missing", "2147483648"}),
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");
  EXPECT_EQ(Run({"MOVE", "missing", "-2147483649"}),
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");
  EXPECT_EQ(Run({"MOVE", "missing", "16"}), out_of_range);
  EXPECT_EQ(Run({"MOVE", "missing", "-1"}), out_of_range);
  EXPECT_EQ(Run({"MOVE", "missing", "2147483647"}), out_of_range);
  EXPECT_EQ(Run({"MOVE", "missing", "0"}), "-ERR source and destination objects are the same\r\n");
  EXPECT_EQ(Run({"MOVE", "k"}), "-ERR wrong number of arguments for 'move' command\r\n");
  EXPECT_EQ(Run({"MOVE", "k", "1", "2"}), "-ERR wrong number of arguments for 'move' command\r\n");
}

TEST_F(MoveTest, CommandSpecMatchesCommandInfo) {
  const commands::CommandSpec* move = r_.table().Find("MOVE");
  ASSERT_NE(move, nullptr);
  EXPECT_EQ(move->name, "move");
  EXPECT_EQ(move->arity, 3);
  EXPECT_EQ(move->flags, commands::kWrite | commands::kFast);
  EXPECT_EQ(move->first_key, 1);
  EXPECT_EQ(move->last_key, 1);
  EXPECT_EQ(move->key_step, 1);
  EXPECT_EQ(move->group, "generic");
  EXPECT_EQ(move->since, "1.0.0");
}

// ---- Differential: the same commands on a real redis-server ----

class MoveDifferentialTest : public DifferentialTest {};

TEST_F(MoveDifferentialTest, RepliesAndErrors) {
  Lines({"move",
         "move k",
         "move k 1 2",
         "move nokey 1",
         "move nokey 0",
         "move nokey x",
         "move nokey 1.0",
         "move nokey +1",
         "move nokey 01",
         "move nokey -0",
         "move nokey 16",
         "move nokey -1",
         "move nokey 2147483647",
         "move nokey 2147483648",
         "move nokey -2147483648",
         "move nokey -2147483649",
         "move nokey 9223372036854775807",
         "move nokey 9223372036854775808",
         "move nokey 99999999999999999999",
         "MOVE nokey 1",
         "set k v",
         "move k 0",
         "move k 16",
         "move k x",
         "get k",
         "move k 1",
         "exists k",
         "move k 1",
         "select 1",
         "get k",
         "dbsize",
         "move k 1",
         "move k 15",
         "select 15",
         "get k",
         "move k 0",
         "select 0",
         "get k",
         "dbsize"});
  Same({"move", "nokey", ""});
  Same({"move", "nokey", " 1"});
  Same({"move", "nokey", "1 "});
  Same({"set", std::string("a\0b", 3), "v"});
  Same({"move", std::string("a\0b", 3), "3"});
  Same({"select", "3"});
  Same({"get", std::string("a\0b", 3)});
}

// COPY's DB option reads its index the same way.
TEST_F(MoveDifferentialTest, CopyDbIndexErrors) {
  Lines({"set a 1", "copy a b db 2147483648", "copy a b db -2147483649", "copy a b db 16",
         "copy a b db -1", "copy a b db x", "copy a b db 2147483647", "copy a b db 1",
         "copy a b db 1", "copy a a", "copy a a db 0", "copy a a db 1 replace"});
}

TEST_F(MoveDifferentialTest, TargetTakenLeavesBothAlone) {
  Lines({"set k here", "hset h f 1", "select 2", "set k there", "set h str", "select 0", "move k 2",
         "move h 2", "get k", "hgetall h", "select 2", "get k", "get h", "move k 0", "move h 0"});
}

TEST_F(MoveDifferentialTest, KeepsTheTtlAndTheType) {
  // An absolute deadline far ahead: PEXPIRETIME is the same number on both servers.
  Lines({"set s v", "pexpireat s 4102444800000", "hset h b 2 a 1", "pexpireat h 4102444801234",
         "set p v", "move s 4", "move h 4", "move p 4", "select 4", "pexpiretime s",
         "pexpiretime h", "pexpiretime p", "type s", "type h", "hgetall h", "get s",
         "object encoding h"});
}

TEST_F(MoveDifferentialTest, ExpiredKeysCountAsMissing) {
  Lines({"set gone v px 1", "select 1", "set k old px 1", "select 0", "set k new"});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Lines({"move gone 1", "move k 1", "exists k", "select 1", "get k", "pttl k"});
}

}  // namespace
}  // namespace embedis::testing
