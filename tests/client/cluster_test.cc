// ClusterClient against a local 3-primary + 3-replica Redis Cluster (RedisClusterProcess):
// CRC16 slots checked against CLUSTER KEYSLOT, routing, seeds, multi-key splits, CROSSSLOT,
// pipelines across nodes, SCAN over every primary. Faults are in cluster_fault_test.
#include "lib/client/cluster.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/resp/value.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_cluster.h"
#include "tests/testing/shared_topologies.h"

namespace embedis {
namespace {

using ::embedis::testing::IsOk;
using ::embedis::testing::IsOkAndHolds;
using ::embedis::testing::StatusIs;
using resp::Value;
using ::testing::HasSubstr;

ClusterOptions Options(const testing::RedisClusterProcess& cluster) {
  return testing::ClusterClientOptions(cluster, absl::Seconds(5));
}

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(testing::SharedRedisClusterStatus());
    cluster_ = &testing::SharedRedisCluster();
    ASSERT_OK(cluster_->WaitHealthy(absl::Seconds(5)));
    auto c = ClusterClient::Connect(Options(*cluster_));
    ASSERT_OK(c);
    client_ = std::move(*c);
    ASSERT_THAT(client_->Command({"FLUSHALL"}), IsOkAndHolds(Value::SimpleString("OK")));
  }
  testing::RedisClusterProcess* cluster_ = nullptr;
  std::unique_ptr<ClusterClient> client_;
};

TEST(ClusterSlot, Crc16KnownValues) {
  EXPECT_EQ(Crc16("123456789"), 0x31C3);  // the XMODEM check value
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("bar"), 5061);
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("{user1000}.followers"));
  EXPECT_EQ(KeySlot("{}abc"), KeySlot("{}abc"));
  EXPECT_NE(KeySlot("{}abc"), KeySlot("abc"));  // an empty tag: the whole key
  EXPECT_EQ(KeySlot("foo{}{bar}"), KeySlot("foo{}{bar}"));
}

TEST_F(ClusterTest, SlotsMatchTheServersKeyslot) {
  std::vector<std::string> keys = {
      "",           "a",  "b",  "foo",      "{user1000}.x", "{}",    "{}abc",
      "foo{}{bar}", "{a", "a}", "x{y}z{w}", "sess:abcdef",  "{{a}}", "\xff\xfe"};
  for (int i = 0; i < 50; ++i) keys.push_back(absl::StrCat("key:", i * 7919));
  for (const std::string& k : keys) {
    std::string raw = cluster_->Call(0, {"CLUSTER", "KEYSLOT", k});
    EXPECT_EQ(raw, absl::StrCat(":", KeySlot(k), "\r\n")) << "key " << k;
  }
}

TEST_F(ClusterTest, RoutesEachKeyToItsPrimary) {
  for (int i = 0; i < 100; ++i) {
    std::string key = absl::StrCat("k", i);
    ASSERT_THAT(client_->Command({"SET", key, absl::StrCat("v", i)}),
                IsOkAndHolds(Value::SimpleString("OK")));
  }
  for (int i = 0; i < 100; ++i) {
    std::string key = absl::StrCat("k", i);
    EXPECT_THAT(client_->Command({"GET", key}),
                IsOkAndHolds(Value::BulkString(absl::StrCat("v", i))));
    int owner = cluster_->PrimaryOf(KeySlot(key));
    ASSERT_GE(owner, 0);
    // READONLY-less GET on the owner answers the value itself (no MOVED).
    EXPECT_EQ(cluster_->Call(owner, {"GET", key}),
              absl::StrCat("$", absl::StrCat("v", i).size(), "\r\nv", i, "\r\n"));
  }
  EXPECT_EQ(client_->moved_count(), 0);
  EXPECT_THAT(client_->Command({"DBSIZE"}), IsOkAndHolds(Value::Integer(100)));
}

TEST_F(ClusterTest, OneDownSeedDoesNotMatter) {
  ClusterOptions o = Options(*cluster_);
  o.seeds.insert(o.seeds.begin(), {"127.0.0.1", testing::FreeLoopbackPort()});
  auto c = ClusterClient::Connect(o);
  ASSERT_OK(c);
  EXPECT_THAT((*c)->Command({"SET", "x", "1"}), IsOkAndHolds(Value::SimpleString("OK")));
  ClusterOptions none;
  none.seeds = {{"127.0.0.1", testing::FreeLoopbackPort()}};
  EXPECT_THAT(ClusterClient::Connect(none),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("no Redis Cluster node")));
}

TEST_F(ClusterTest, MultiKeyCommandsSplitPerSlot) {
  ASSERT_NE(KeySlot("a"), KeySlot("b"));
  ASSERT_THAT(client_->Command({"SET", "a", "1"}), IsOk());
  ASSERT_THAT(client_->Command({"SET", "b", "2"}), IsOk());
  ASSERT_THAT(client_->Command({"SET", "c", "3"}), IsOk());
  EXPECT_THAT(
      client_->Command({"MGET", "a", "missing", "b", "c", "a"}),
      IsOkAndHolds(Value::Array({Value::BulkString("1"), Value::NullBulk(), Value::BulkString("2"),
                                 Value::BulkString("3"), Value::BulkString("1")})));
  EXPECT_THAT(client_->Command({"EXISTS", "a", "a", "b", "zz"}), IsOkAndHolds(Value::Integer(3)));
  EXPECT_THAT(client_->Command({"TOUCH", "a", "b", "zz"}), IsOkAndHolds(Value::Integer(2)));
  EXPECT_THAT(client_->Command({"DEL", "a", "a", "zz"}), IsOkAndHolds(Value::Integer(1)));
  EXPECT_THAT(client_->Command({"UNLINK", "b", "c"}), IsOkAndHolds(Value::Integer(2)));
  EXPECT_THAT(client_->Command({"DBSIZE"}), IsOkAndHolds(Value::Integer(0)));
}

TEST_F(ClusterTest, OtherMultiKeyCommandsAcrossSlotsAreRefused) {
  const Value crossslot = Value::Error("CROSSSLOT Keys in request don't hash to the same slot");
  EXPECT_THAT(client_->Command({"MSET", "a", "1", "b", "2"}), IsOkAndHolds(crossslot));
  EXPECT_THAT(client_->Command({"RENAME", "a", "b"}), IsOkAndHolds(crossslot));
  EXPECT_THAT(client_->Command({"SINTERSTORE", "a", "b", "c"}), IsOkAndHolds(crossslot));
  EXPECT_THAT(client_->Command({"EVAL", "return 1", "2", "a", "b"}), IsOkAndHolds(crossslot));
  EXPECT_THAT(client_->Command({"ZUNIONSTORE", "a", "2", "b", "c"}), IsOkAndHolds(crossslot));
  // The same as Redis says it (a hash tag puts both keys on one node, which refuses the rest).
  EXPECT_EQ(cluster_->Call(cluster_->PrimaryOf(KeySlot("{t}a")), {"MSET", "{t}a", "1", "b", "2"}),
            "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  EXPECT_THAT(client_->Command({"MSET", "{t}a", "1", "{t}b", "2"}),
              IsOkAndHolds(Value::SimpleString("OK")));
  EXPECT_THAT(client_->Command({"EVAL", "return redis.call('GET', KEYS[1])", "1", "{t}a"}),
              IsOkAndHolds(Value::BulkString("1")));
  EXPECT_THAT(client_->Command({"ZUNIONSTORE", "{t}z", "2", "{t}a", "{t}c"}),
              IsOkAndHolds(Value::Error("WRONGTYPE Operation against a key holding the wrong "
                                        "kind of value")));
  // Keyless, unknown and malformed commands get Redis's own replies.
  EXPECT_THAT(client_->Command({"PING"}), IsOkAndHolds(Value::SimpleString("PONG")));
  EXPECT_THAT(client_->Command({"GET"}),
              IsOkAndHolds(Value::Error("ERR wrong number of arguments for 'get' command")));
  auto unknown = client_->Command({"NOSUCHCOMMAND", "a"});
  ASSERT_OK(unknown);
  EXPECT_THAT(unknown->str(), HasSubstr("unknown command"));
}

TEST_F(ClusterTest, PipelinesSplitPerNodeAndKeepOrder) {
  Pipeline p;
  std::vector<Value> want;
  for (int i = 0; i < 60; ++i) {
    std::string key = absl::StrCat("p", i);
    p.Add({"SET", key, std::to_string(i)});
    p.Add({"INCR", key});
    want.push_back(Value::SimpleString("OK"));
    want.push_back(Value::Integer(i + 1));
  }
  p.Add({"MGET", "p0", "p1", "p59"});
  want.push_back(
      Value::Array({Value::BulkString("1"), Value::BulkString("2"), Value::BulkString("60")}));
  p.Add({"DBSIZE"});
  want.push_back(Value::Integer(60));
  p.Add({"MSET", "p0", "x", "p1", "y"});
  want.push_back(Value::Error("CROSSSLOT Keys in request don't hash to the same slot"));
  auto got = client_->Exec(p);
  ASSERT_OK(got);
  EXPECT_EQ(*got, want);
}

TEST_F(ClusterTest, ScanWalksEveryPrimary) {
  std::set<std::string> want;
  for (int i = 0; i < 300; ++i) {
    std::string key = absl::StrCat("sess:", i);
    ASSERT_THAT(client_->Command({"SET", key, "v"}), IsOk());
    want.insert(key);
  }
  ASSERT_THAT(client_->Command({"SET", "other", "v"}), IsOk());
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int pages = 0;
  std::set<uint64_t> nodes;
  do {
    auto r = client_->Command({"SCAN", std::to_string(cursor), "MATCH", "sess:*", "COUNT", "50"});
    ASSERT_OK(r);
    ASSERT_EQ(r->elements().size(), 2u);
    cursor = std::stoull(r->elements()[0].str());
    nodes.insert(cursor >> 56);
    for (const Value& k : r->elements()[1].elements()) seen.insert(k.str());
    ASSERT_LT(++pages, 1000);
  } while (cursor != 0);
  EXPECT_EQ(seen, want);
  EXPECT_GE(nodes.size(), 3u);  // 0 (the end) and at least two other primaries' indices
  EXPECT_THAT(client_->Command({"SCAN", "abc"}), IsOkAndHolds(Value::Error("ERR invalid cursor")));
  auto keys = client_->Command({"KEYS", "sess:1*"});
  ASSERT_OK(keys);
  EXPECT_EQ(keys->elements().size(), 111u);  // 1, 10-19, 100-199
}

// cmdstat_<command> calls on `node` (INFO commandstats), 0 when absent.
int64_t CommandCalls(const testing::RedisClusterProcess& cluster, int node, std::string_view cmd) {
  std::string info = cluster.Call(node, {"INFO", "commandstats"});
  std::string needle = "cmdstat_" + std::string(cmd) + ":calls=";
  size_t at = info.find(needle);
  if (at == std::string::npos) return 0;
  return std::stoll(info.substr(at + needle.size()));
}

TEST_F(ClusterTest, ReadsFromReplicasWithReadFromReplica) {
  ClusterOptions o = Options(*cluster_);
  o.read_from_replica = true;
  auto c = ClusterClient::Connect(o);
  ASSERT_OK(c);
  for (int i = 0; i < 30; ++i) {
    ASSERT_THAT((*c)->Command({"SET", absl::StrCat("r", i), "v"}), IsOk());  // to the primary
  }
  // Let every replica catch up (reads from replicas see the writes eventually).
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  for (int i = 0; i < 30; ++i) {
    for (;;) {
      auto v = (*c)->Command({"GET", absl::StrCat("r", i)});
      if (v.ok() && *v == Value::BulkString("v")) break;
      ASSERT_LT(absl::Now(), deadline) << "replicas did not catch up";
      absl::SleepFor(absl::Milliseconds(10));
    }
  }
  for (int i = 0; i < cluster_->size(); ++i) cluster_->Call(i, {"CONFIG", "RESETSTAT"});
  for (int i = 0; i < 30; ++i) {
    EXPECT_THAT((*c)->Command({"GET", absl::StrCat("r", i)}), IsOkAndHolds(Value::BulkString("v")));
  }
  const std::vector<int> primaries = cluster_->Primaries();
  int64_t on_primaries = 0, on_replicas = 0;
  for (int i = 0; i < cluster_->size(); ++i) {
    const bool primary = std::find(primaries.begin(), primaries.end(), i) != primaries.end();
    (primary ? on_primaries : on_replicas) += CommandCalls(*cluster_, i, "get");
  }
  EXPECT_EQ(on_primaries, 0);
  EXPECT_EQ(on_replicas, 30);
  // Writes still go to primaries (a replica would answer MOVED even with READONLY).
  EXPECT_THAT((*c)->Command({"INCR", "r-counter"}), IsOkAndHolds(Value::Integer(1)));
  EXPECT_EQ((*c)->moved_count(), 0);
}

TEST_F(ClusterTest, RefreshesTheSlotMapPeriodically) {
  ClusterOptions o = Options(*cluster_);
  o.refresh_interval = absl::Milliseconds(50);
  auto c = ClusterClient::Connect(o);
  ASSERT_OK(c);
  const int64_t before = (*c)->refresh_count();
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_GE((*c)->refresh_count(), before + 3);
}

}  // namespace
}  // namespace embedis
