// Propagation (lib/commands/propagation.h): what each write command hands the keyspace's
// Propagator, the feed of the append-only file. Commands run in-process on a ManualClock.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "lib/keyspace/propagator.h"
#include "tests/testing/command_runner.h"

namespace embedis {
namespace {

using testing::CommandRunner;

// Records every command appended, one string per command ("db:ARG ARG ..."); a group appended in
// one call is joined with " | ".
class Recorder : public Propagator {
 public:
  void Append(absl::Span<const PropagatedCommand> commands) override {
    std::vector<std::string> parts;
    for (const PropagatedCommand& c : commands) {
      std::vector<std::string> argv(c.argv.begin(), c.argv.end());
      parts.push_back(absl::StrCat(c.db, ":", absl::StrJoin(argv, " ")));
    }
    log.push_back(absl::StrJoin(parts, " | "));
  }
  std::vector<std::string> Take() { return std::exchange(log, {}); }
  std::vector<std::string> log;
};

class PropagationTest : public ::testing::Test {
 protected:
  PropagationTest() { r.keyspace().SetPropagator(&rec); }
  ~PropagationTest() override { r.keyspace().SetPropagator(nullptr); }
  std::string Now(int64_t plus_ms) { return std::to_string(r.clock().NowMs() + plus_ms); }
  CommandRunner r;
  Recorder rec;
};

using V = std::vector<std::string>;

TEST_F(PropagationTest, WritesThatChangedDataAreLoggedAsReceived) {
  r.Run({"SET", "a", "1"});
  r.Run({"INCR", "a"});
  r.Run({"GET", "a"});         // a read: nothing
  r.Run({"SETNX", "a", "x"});  // changed nothing: nothing
  r.Run({"DEL", "missing"});   // changed nothing: nothing
  r.Run({"HSET", "h", "f", "v"});
  EXPECT_EQ(rec.Take(), (V{"0:SET a 1", "0:INCR a", "0:HSET h f v"}));
}

TEST_F(PropagationTest, RelativeExpiriesBecomeAbsolute) {
  const std::string in10s = Now(10000);
  r.Run({"SET", "a", "1", "EX", "10"});
  r.Run({"SET", "b", "1", "PX", "10000", "GET"});
  r.Run({"SETEX", "c", "10", "v"});
  r.Run({"PSETEX", "d", "10000", "v"});
  r.Run({"EXPIRE", "a", "20"});
  r.Run({"PEXPIRE", "b", "20000"});
  r.Run({"EXPIREAT", "c", std::to_string(r.clock().NowMs() / 1000 + 30)});
  r.Run({"GETEX", "d", "PERSIST"});
  r.Run({"GETEX", "d", "EX", "5"});
  r.Run({"EXPIRE", "d", "-1"});  // a deadline in the past deletes
  const int64_t s30 = (r.clock().NowMs() / 1000 + 30) * 1000;
  EXPECT_EQ(rec.Take(),
            (V{absl::StrCat("0:SET a 1 PXAT ", in10s), absl::StrCat("0:SET b 1 PXAT ", in10s),
               absl::StrCat("0:SET c v PXAT ", in10s), absl::StrCat("0:SET d v PXAT ", in10s),
               absl::StrCat("0:PEXPIREAT a ", Now(20000)),
               absl::StrCat("0:PEXPIREAT b ", Now(20000)), absl::StrCat("0:PEXPIREAT c ", s30),
               "0:PERSIST d", absl::StrCat("0:PEXPIREAT d ", Now(5000)), "0:DEL d"}));
}

TEST_F(PropagationTest, NonDeterministicCommandsLogTheirEffect) {
  r.Run({"SADD", "s", "x"});
  r.Run({"SPOP", "s"});
  r.Run({"SADD", "s", "y", "z"});
  rec.Take();
  r.Run({"SPOP", "s", "5"});
  std::vector<std::string> log = rec.Take();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_TRUE(log[0] == "0:SREM s y z" || log[0] == "0:SREM s z y") << log[0];
  r.Run({"SET", "f", "1.5", "EX", "100"});
  r.Run({"INCRBYFLOAT", "f", "0.25"});
  r.Run({"HINCRBYFLOAT", "h", "g", "2.5"});
  EXPECT_EQ(rec.Take(), (V{absl::StrCat("0:SET f 1.5 PXAT ", Now(100000)), "0:SET f 1.75 KEEPTTL",
                           "0:HSET h g 2.5"}));
}

TEST_F(PropagationTest, SelectAndTransactionsAndScripts) {
  r.Run({"SELECT", "3"});
  r.Run({"SET", "k", "v"});
  r.Run({"MULTI"});
  r.Run({"SET", "k", "1"});
  r.Run({"GET", "k"});
  r.Run({"INCR", "k"});
  r.Run({"EXEC"});
  r.Run({"MULTI"});
  r.Run({"SET", "k", "2"});
  r.Run({"EXEC"});
  r.Run({"EVAL", "redis.call('set', KEYS[1], 'a'); redis.call('expire', KEYS[1], 5); return 1", "1",
         "k"});
  r.Run({"EVAL", "return redis.call('get', KEYS[1])", "1", "k"});  // reads only: nothing
  EXPECT_EQ(rec.Take(),
            (V{"3:SET k v", "3:MULTI | 3:SET k 1 | 3:INCR k | 3:EXEC", "3:SET k 2",
               absl::StrCat("3:MULTI | 3:SET k a | 3:PEXPIREAT k ", Now(5000), " | 3:EXEC")}));
}

TEST_F(PropagationTest, ExpiredKeysAreLoggedAsDel) {
  r.Run({"SET", "lazy", "v", "PX", "100"});
  r.Run({"SET", "wheel", "v", "PX", "100"});
  rec.Take();
  r.keyspace().SetPropagator(nullptr);
  r.clock().Advance(absl::Milliseconds(50));
  r.keyspace().SetPropagator(&rec);
  r.clock().Advance(absl::Milliseconds(200));  // the wheel reclaims both
  std::vector<std::string> log = rec.Take();
  std::sort(log.begin(), log.end());
  EXPECT_EQ(log, (V{"0:DEL lazy", "0:DEL wheel"}));
}

TEST_F(PropagationTest, BlockingPopsAreLoggedInTheirNonBlockingForm) {
  r.Run({"RPUSH", "l", "a", "b"});
  rec.Take();
  r.Run({"BLPOP", "none", "l", "0"});
  r.Run({"BRPOPLPUSH", "l", "m", "0"});
  r.Run({"RPUSH", "l", "c", "d", "e"});
  r.Run({"BLMPOP", "0", "2", "none", "l", "RIGHT", "COUNT", "2"});
  r.Run({"LMPOP", "1", "l", "LEFT"});
  r.Run({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
  r.Run({"BZPOPMIN", "z", "0"});
  r.Run({"BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"});
  r.Run({"BLPOP", "none", "0"});  // nothing to pop (inside no MULTI it would block): nothing
  EXPECT_EQ(rec.Take(), (V{"0:LPOP l", "0:LMOVE l m RIGHT LEFT", "0:RPUSH l c d e", "0:RPOP l 2",
                           "0:LPOP l 1", "0:ZADD z 1 a 2 b 3 c", "0:ZPOPMIN z", "0:ZPOPMAX z 2"}));
}

}  // namespace
}  // namespace embedis
