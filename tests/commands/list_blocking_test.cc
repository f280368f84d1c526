// The blocking list commands' side of the BlockRequest contract (command_table.h), in-process on
// a ManualClock: with CommandContext::may_block a command that finds every key empty writes no
// reply and leaves a BlockRequest (its keys, the absolute deadline, the timeout reply); without it
// (and inside EXEC) it answers at once as Redis does when it may not block; a command that finds
// an element, or an error, leaves no request. Also the two-key moves' edge cases that a single
// connection to Redis cannot show (the same key, a destination created by the move).
#include <atomic>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/keyspace.h"
#include "lib/resp/writer.h"
#include "tests/testing/command_runner.h"

namespace embedis::testing {
namespace {

using commands::BlockRequest;

class ListBlockingTest : public ::testing::Test {
 protected:
  ListBlockingTest() { r_.clock().Advance(absl::Milliseconds(1'000'000)); }

  // Runs argv as a client that may block; returns the reply bytes (empty when it asked to block).
  std::string RunMayBlock(std::vector<std::string_view> argv) {
    std::string out;
    resp::Writer writer(&out, r_.client().protocol);
    commands::CommandContext ctx{
        .keyspace = &r_.keyspace(), .client = &r_.client(), .reply = &writer, .may_block = true};
    r_.client().block_request.reset();
    r_.table().Execute(ctx, commands::Args(argv.data(), argv.size()));
    return out;
  }
  std::string Run(std::initializer_list<std::string_view> argv) { return r_.Run(argv); }
  int64_t Now() { return r_.clock().NowMs(); }
  const std::optional<BlockRequest>& Request() { return r_.client().block_request; }

  CommandRunner r_;
};

TEST_F(ListBlockingTest, BLPopOnEmptyKeysAsksToBlockWithTheDeadline) {
  EXPECT_EQ(RunMayBlock({"BLPOP", "a", "b", "1.5"}), "");
  ASSERT_TRUE(Request().has_value());
  EXPECT_EQ(Request()->keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Request()->deadline_ms, Now() + 1500);
  EXPECT_EQ(Request()->timeout_reply, BlockRequest::TimeoutReply::kNullArray);

  EXPECT_EQ(RunMayBlock({"BRPOP", "a", "0"}), "");
  ASSERT_TRUE(Request().has_value());
  EXPECT_EQ(Request()->keys, (std::vector<std::string>{"a"}));
  EXPECT_EQ(Request()->deadline_ms, 0);  // forever
}

TEST_F(ListBlockingTest, TimeoutsRoundUpToMillisecondsAsRedis) {
  EXPECT_EQ(RunMayBlock({"BLPOP", "a", "0.0001"}), "");
  ASSERT_TRUE(Request().has_value());
  EXPECT_EQ(Request()->deadline_ms, Now() + 1);
  EXPECT_EQ(RunMayBlock({"BLPOP", "a", "0.0015"}), "");
  EXPECT_EQ(Request()->deadline_ms, Now() + 2);
  EXPECT_EQ(RunMayBlock({"BLPOP", "a", "1e3"}), "");
  EXPECT_EQ(Request()->deadline_ms, Now() + 1'000'000);
  // A tiny negative timeout rounds up to 0: forever, as redis-server 7.0.
  EXPECT_EQ(RunMayBlock({"BLPOP", "a", "-0.0001"}), "");
  ASSERT_TRUE(Request().has_value());
  EXPECT_EQ(Request()->deadline_ms, 0);
  // A huge timeout that still fits saturates instead of overflowing.
  EXPECT_EQ(RunMayBlock({"BLPOP", "a", "9223372036854775"}), "");
  ASSERT_TRUE(Request().has_value());
  EXPECT_EQ(Request()->deadline_ms, std::numeric_limits<int64_t>::max());
}

TEST_F(ListBlockingTest, ErrorsAndServedCommandsLeaveNoRequest) {
  EXPECT_EQ(RunMayBlock({"BLPOP", "a", "x"}), "-ERR timeout is not a float or out of range\r\n");
  EXPECT_FALSE(Request().has_value());
  EXPECT_EQ(RunMayBlock({"BLPOP", "a", "-1"}), "-ERR timeout is negative\r\n");
  EXPECT_FALSE(Request().has_value());
  EXPECT_EQ(Run({"SET", "s", "x"}), "+OK\r\n");
  EXPECT_EQ(RunMayBlock({"BLPOP", "a", "s", "0"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_FALSE(Request().has_value());
  EXPECT_EQ(Run({"RPUSH", "b", "1", "2"}), ":2\r\n");
  EXPECT_EQ(RunMayBlock({"BLPOP", "a", "b", "0"}), "*2\r\n$1\r\nb\r\n$1\r\n1\r\n");
  EXPECT_FALSE(Request().has_value());
  EXPECT_EQ(RunMayBlock({"BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "5"}),
            "*2\r\n$1\r\nb\r\n*1\r\n$1\r\n2\r\n");
  EXPECT_FALSE(Request().has_value());
  EXPECT_EQ(Run({"EXISTS", "b"}), ":0\r\n");
}

TEST_F(ListBlockingTest, BLMoveAndBRPopLPushBlockOnTheSourceOnly) {
  // A missing source blocks without looking at the destination (even of another type).
  EXPECT_EQ(Run({"SET", "s", "x"}), "+OK\r\n");
  EXPECT_EQ(RunMayBlock({"BLMOVE", "src", "s", "LEFT", "RIGHT", "2"}), "");
  ASSERT_TRUE(Request().has_value());
  EXPECT_EQ(Request()->keys, (std::vector<std::string>{"src"}));
  EXPECT_EQ(Request()->deadline_ms, Now() + 2000);
  // Redis 7.0 answers a timed-out BLMOVE/BRPOPLPUSH with a null array (*-1), like every blocked
  // list command, although its immediate answer (inside MULTI) is a null bulk string.
  EXPECT_EQ(Request()->timeout_reply, BlockRequest::TimeoutReply::kNullArray);
  EXPECT_EQ(RunMayBlock({"BRPOPLPUSH", "src", "dst", "0"}), "");
  ASSERT_TRUE(Request().has_value());
  EXPECT_EQ(Request()->keys, (std::vector<std::string>{"src"}));
  EXPECT_EQ(Request()->deadline_ms, 0);
  // Without may_block: the immediate answers.
  r_.client().block_request.reset();
  EXPECT_EQ(Run({"BRPOPLPUSH", "src", "dst", "0"}), "$-1\r\n");
  EXPECT_EQ(Run({"BLMOVE", "src", "dst", "LEFT", "LEFT", "0"}), "$-1\r\n");
  EXPECT_FALSE(Request().has_value());
}

TEST_F(ListBlockingTest, BLMPopBlocksOnItsKeysOnly) {
  EXPECT_EQ(RunMayBlock({"BLMPOP", "0.25", "2", "a", "b", "LEFT", "COUNT", "3"}), "");
  ASSERT_TRUE(Request().has_value());
  EXPECT_EQ(Request()->keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Request()->deadline_ms, Now() + 250);
  EXPECT_EQ(Request()->timeout_reply, BlockRequest::TimeoutReply::kNullArray);
}

TEST_F(ListBlockingTest, WithoutMayBlockTheTimeoutReplyComesAtOnce) {
  EXPECT_EQ(Run({"BLPOP", "a", "0"}), "*-1\r\n");
  EXPECT_EQ(Run({"BRPOP", "a", "b", "5"}), "*-1\r\n");
  EXPECT_EQ(Run({"BLMPOP", "0", "1", "a", "LEFT"}), "*-1\r\n");
  EXPECT_FALSE(Request().has_value());
  r_.client().protocol = resp::Protocol::kResp3;
  EXPECT_EQ(Run({"BLPOP", "a", "0"}), "_\r\n");
  EXPECT_EQ(Run({"BLMOVE", "a", "b", "LEFT", "LEFT", "0"}), "_\r\n");
}

TEST_F(ListBlockingTest, InsideExecABlockingCommandNeverBlocks) {
  EXPECT_EQ(RunMayBlock({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(RunMayBlock({"BLPOP", "a", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(RunMayBlock({"BLMOVE", "a", "b", "LEFT", "LEFT", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(RunMayBlock({"RPUSH", "a", "x"}), "+QUEUED\r\n");
  EXPECT_EQ(RunMayBlock({"BRPOP", "a", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(RunMayBlock({"EXEC"}), "*4\r\n*-1\r\n$-1\r\n:1\r\n*2\r\n$1\r\na\r\n$1\r\nx\r\n");
  EXPECT_FALSE(Request().has_value());
  // The caller's may_block is intact afterwards.
  EXPECT_EQ(RunMayBlock({"BLPOP", "a", "0"}), "");
  EXPECT_TRUE(Request().has_value());
}

TEST_F(ListBlockingTest, MovesCreateTheDestinationAndDeleteAnEmptiedSource) {
  EXPECT_EQ(Run({"RPUSH", "src", "a"}), ":1\r\n");
  EXPECT_EQ(Run({"LMOVE", "src", "dst", "LEFT", "RIGHT"}), "$1\r\na\r\n");
  EXPECT_EQ(Run({"EXISTS", "src"}), ":0\r\n");
  EXPECT_EQ(Run({"TYPE", "dst"}), "+list\r\n");
  // A one-element rotation keeps the key.
  EXPECT_EQ(Run({"LMOVE", "dst", "dst", "LEFT", "RIGHT"}), "$1\r\na\r\n");
  EXPECT_EQ(Run({"LRANGE", "dst", "0", "-1"}), "*1\r\n$1\r\na\r\n");
  // The TTL of both keys survives a move.
  EXPECT_EQ(Run({"RPUSH", "src", "b", "c"}), ":2\r\n");
  EXPECT_EQ(Run({"PEXPIRE", "src", "5000"}), ":1\r\n");
  EXPECT_EQ(Run({"PEXPIRE", "dst", "7000"}), ":1\r\n");
  EXPECT_EQ(Run({"RPOPLPUSH", "src", "dst"}), "$1\r\nc\r\n");
  EXPECT_EQ(Run({"PTTL", "src"}), ":5000\r\n");
  EXPECT_EQ(Run({"PTTL", "dst"}), ":7000\r\n");
  r_.clock().Advance(absl::Milliseconds(5000));
  EXPECT_EQ(Run({"LMOVE", "src", "dst", "LEFT", "LEFT"}), "$-1\r\n");
  EXPECT_EQ(Run({"LRANGE", "dst", "0", "-1"}), "*2\r\n$1\r\nc\r\n$1\r\na\r\n");
}

// LMOVE between two different keys is two keyspace updates (see MoveElement in list_family.cc):
// under contention, elements must still be neither lost nor duplicated, and every reply is an
// element or a null (never WRONGTYPE: both keys stay lists).
TEST_F(ListBlockingTest, ConcurrentMovesNeitherLoseNorDuplicate) {
  constexpr int kElements = 200, kThreads = 4, kMoves = 2000;
  for (int i = 0; i < kElements; ++i) {
    r_.Run({"RPUSH", i % 2 == 0 ? "a" : "b", std::to_string(i)});
  }
  std::vector<std::thread> threads;
  std::atomic<int> bad_replies{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      commands::ClientState client;
      for (int i = 0; i < kMoves; ++i) {
        std::string out;
        resp::Writer writer(&out, client.protocol);
        commands::CommandContext ctx{
            .keyspace = &r_.keyspace(), .client = &client, .reply = &writer};
        const bool forward = (i + t) % 2 == 0;
        std::vector<std::string_view> argv = {"LMOVE", forward ? "a" : "b", forward ? "b" : "a",
                                              i % 3 == 0 ? "LEFT" : "RIGHT",
                                              t % 2 == 0 ? "LEFT" : "RIGHT"};
        r_.table().Execute(ctx, commands::Args(argv.data(), argv.size()));
        if (out.empty() || (out[0] != '$')) bad_replies.fetch_add(1);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(bad_replies.load(), 0);
  std::vector<int> seen(kElements, 0);
  for (const char* key : {"a", "b"}) {
    r_.keyspace().Update(0, key, [&](KeyHandle& k) {
      if (!k.exists()) return;
      const ListValue& l = k.list_view();
      l.ForRange(0, l.size(), [&](std::string_view e) { ++seen[std::stoi(std::string(e))]; });
    });
  }
  for (int i = 0; i < kElements; ++i) EXPECT_EQ(seen[i], 1) << "element " << i;
}

}  // namespace
}  // namespace embedis::testing
