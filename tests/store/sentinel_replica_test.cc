// Reads from replicas under Redis Sentinel (`read_from=replica`): read-only commands go to the
// replica SENTINEL REPLICAS names as healthy, writes to the primary; a replica the sentinels
// flag as down (s_down) is skipped, and a dead one sends its reads to the primary. Checked on the
// servers themselves (INFO commandstats), on a Sentinel setup of its own (1 primary, 1 replica,
// 3 sentinels, down-after-milliseconds 1000).
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/client/sentinel.h"
#include "lib/store/redis_store.h"
#include "lib/store/store.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_sentinel.h"

namespace embedis {
namespace {

using ::embedis::testing::IsOkAndHolds;
using ::embedis::testing::RawRespConnection;
using ::embedis::testing::RedisServerProcess;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// GET calls counted by `server` (INFO commandstats), or -1 when it cannot be asked.
int64_t GetCalls(const RedisServerProcess& server) {
  RawRespConnection c;
  if (!server.Connect(&c).ok()) return -1;
  const std::string info = c.Call({"INFO", "commandstats"});
  const size_t at = info.find("cmdstat_get:calls=");
  if (at == std::string::npos) return 0;
  const size_t start = at + std::string("cmdstat_get:calls=").size();
  int64_t n = 0;
  if (!absl::SimpleAtoi(info.substr(start, info.find(',', start) - start), &n)) return -1;
  return n;
}

// Whether every sentinel flags the replica as `flag` (or, with want=false, none does).
bool SentinelsSeeReplica(const testing::RedisSentinelProcess& setup, std::string_view flag,
                         bool want) {
  for (int i = 0; i < 3; ++i) {
    RawRespConnection c;
    if (!setup.ConnectSentinel(i, &c).ok()) return false;
    const bool has = c.Call({"SENTINEL", "REPLICAS", "mymaster"}).find(flag) != std::string::npos;
    if (has != want) return false;
  }
  return true;
}

TEST(SentinelReplicaReads, ReadsGoToAHealthyReplicaAndFallBackToThePrimary) {
  testing::RedisSentinelProcess setup;
  ASSERT_OK(setup.Start());
  const std::string url = setup.Url("?read_from=replica&timeout_ms=300&connect_timeout_ms=300");
  absl::StatusOr<SentinelOptions> options = ParseRedisSentinelUrl(url);
  ASSERT_OK(options);
  EXPECT_TRUE(options->read_from_replica);
  EXPECT_THAT(ParseRedisSentinelUrl(setup.Url("?read_from=any")).status(),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("read_from")));
  absl::StatusOr<std::unique_ptr<SentinelClient>> client = SentinelClient::Connect(*options);
  ASSERT_OK(client);
  SentinelClient& c = **client;
  EXPECT_THAT(c.replica_addresses(), ElementsAre(absl::StrCat("127.0.0.1:", setup.replica_port())));

  // Writes on the primary, reads on the replica.
  ASSERT_OK(c.Command({"SET", "k", "v"}));
  ASSERT_OK(c.Command({"WAIT", "1", "2000"}));  // the replica has it
  const int64_t primary_before = GetCalls(setup.primary());
  const int64_t replica_before = GetCalls(setup.replica());
  for (int i = 0; i < 20; ++i) {
    EXPECT_THAT(c.Command({"GET", "k"}), IsOkAndHolds(resp::Value::BulkString("v")));
  }
  EXPECT_EQ(GetCalls(setup.replica()) - replica_before, 20);
  EXPECT_EQ(GetCalls(setup.primary()) - primary_before, 0);
  // Subcommands: OBJECT ENCODING is read-only, CONFIG SET is not (the replica has no "k2").
  EXPECT_THAT(c.Command({"OBJECT", "ENCODING", "k"}),
              IsOkAndHolds(resp::Value::BulkString("embstr")));
  // A store over the same URL: typed reads on the replica too.
  absl::StatusOr<std::unique_ptr<Store>> store = NewRedisSentinelStore(*options);
  ASSERT_OK(store);
  EXPECT_THAT((*store)->Get("k"), IsOkAndHolds(std::optional<std::string>("v")));
  EXPECT_THAT((*store)->Set("k2", "w"), IsOkAndHolds(true));  // a write: the primary

  // The replica hangs: once the sentinels flag it s_down, reads go to the primary at once.
  setup.replica().Pause();
  ASSERT_TRUE(testing::TimeUntil(
      [&] {
        absl::SleepFor(absl::Milliseconds(50));
        return SentinelsSeeReplica(setup, "s_down", true);
      },
      absl::Seconds(15)))
      << "the sentinels did not flag the paused replica";
  ASSERT_TRUE(testing::TimeUntil(
      [&] {
        absl::SleepFor(absl::Milliseconds(20));
        return c.replica_addresses().empty();
      },
      absl::Seconds(10)))
      << "the client kept the s_down replica";
  const int64_t primary_during = GetCalls(setup.primary());
  const absl::Time start = absl::Now();
  for (int i = 0; i < 10; ++i) {
    EXPECT_THAT(c.Command({"GET", "k"}), IsOkAndHolds(resp::Value::BulkString("v")));
  }
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));  // none waited for the paused replica
  EXPECT_EQ(GetCalls(setup.primary()) - primary_during, 10);

  // Back: the client returns to it after -sdown.
  setup.replica().Resume();
  ASSERT_TRUE(testing::TimeUntil(
      [&] {
        absl::SleepFor(absl::Milliseconds(20));
        return c.replica_addresses().size() == 1;
      },
      absl::Seconds(15)))
      << "the client did not take the replica back";
  const int64_t replica_back = GetCalls(setup.replica());
  EXPECT_THAT(c.Command({"GET", "k"}), IsOkAndHolds(resp::Value::BulkString("v")));
  EXPECT_EQ(GetCalls(setup.replica()) - replica_back, 1);

  // Killed: the read that finds it dead is re-run on the primary (before the sentinels notice).
  setup.replica().Kill();
  const int64_t fallbacks = c.replica_fallback_count();
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(c.Command({"GET", "k"}), IsOkAndHolds(resp::Value::BulkString("v")));
  }
  EXPECT_GE(c.replica_fallback_count(), fallbacks + 1);
}

}  // namespace
}  // namespace embedis
