// MULTI/EXEC and WATCH through Store::Command() (lib/store/redis_transaction.h): on a local Redis
// Cluster (pinned to the node of the first key's slot, CROSSSLOT and EXECABORT as a node answers,
// MOVED during the transaction replayed on the new owner) and on one redis-server (one pinned
// connection per thread: concurrent transactions stay atomic).
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/client/cluster.h"
#include "lib/store/redis_store.h"
#include "lib/store/store.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_cluster.h"
#include "tests/testing/redis_server.h"

namespace embedis {
namespace {

using ::embedis::testing::IsOkAndHolds;
using resp::Value;

const Value kOk = Value::SimpleString("OK");
const Value kQueued = Value::SimpleString("QUEUED");

std::unique_ptr<Store> ClusterStore() {
  absl::Status started = testing::SharedRedisClusterStatus();
  EXPECT_OK(started);
  if (!started.ok()) return nullptr;
  absl::StatusOr<std::unique_ptr<Store>> store =
      OpenStore(testing::SharedRedisCluster().Url("/?timeout_ms=2000"));
  EXPECT_OK(store);
  return store.ok() ? *std::move(store) : nullptr;
}

// The raw GET of `key` on the node serving its slot now.
std::string RawGet(std::string_view key) {
  testing::RedisClusterProcess& cluster = testing::SharedRedisCluster();
  return cluster.Call(cluster.PrimaryOf(KeySlot(key)), {"GET", key});
}

// Moves the (empty) slot of `key` to another primary, as redis-cli --cluster reshard does
// (IMPORTING, MIGRATING, then SETSLOT NODE on every primary). Returns the new owner.
int MoveSlot(std::string_view key) {
  testing::RedisClusterProcess& cluster = testing::SharedRedisCluster();
  const int slot = KeySlot(key);
  const std::string slot_text = std::to_string(slot);
  const int source = cluster.PrimaryOf(slot);
  int target = -1;
  for (int p : cluster.Primaries()) {
    if (p != source) target = p;
  }
  EXPECT_GE(target, 0);
  const std::string target_id = cluster.NodeId(target);
  EXPECT_EQ(
      cluster.Call(target, {"CLUSTER", "SETSLOT", slot_text, "IMPORTING", cluster.NodeId(source)}),
      "+OK\r\n");
  EXPECT_EQ(cluster.Call(source, {"CLUSTER", "SETSLOT", slot_text, "MIGRATING", target_id}),
            "+OK\r\n");
  EXPECT_EQ(cluster.Call(target, {"CLUSTER", "SETSLOT", slot_text, "NODE", target_id}), "+OK\r\n");
  for (int p : cluster.Primaries()) {
    if (p == target) continue;
    EXPECT_EQ(cluster.Call(p, {"CLUSTER", "SETSLOT", slot_text, "NODE", target_id}), "+OK\r\n");
  }
  EXPECT_OK(cluster.WaitHealthy(absl::Seconds(10)));
  return target;
}

TEST(ClusterTransaction, PinnedToTheNodeOfTheFirstKeysSlot) {
  std::unique_ptr<Store> store = ClusterStore();
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->Command({"DEL", "{t}a", "{t}b"}));
  EXPECT_THAT(store->Command({"MULTI"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"SET", "{t}a", "1"}), IsOkAndHolds(kQueued));
  EXPECT_THAT(store->Command({"INCR", "{t}a"}), IsOkAndHolds(kQueued));
  EXPECT_THAT(store->Command({"GET", "{t}b"}), IsOkAndHolds(kQueued));
  EXPECT_THAT(store->Command({"EXEC"}),
              IsOkAndHolds(Value::Array({kOk, Value::Integer(2), Value::NullBulk()})));
  EXPECT_EQ(RawGet("{t}a"), "$1\r\n2\r\n");
  // Keyless commands before the first key are held, then sent on its node.
  EXPECT_THAT(store->Command({"MULTI"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"PING"}), IsOkAndHolds(kQueued));
  EXPECT_THAT(store->Command({"INCR", "{t}a"}), IsOkAndHolds(kQueued));
  EXPECT_THAT(store->Command({"EXEC"}),
              IsOkAndHolds(Value::Array({Value::SimpleString("PONG"), Value::Integer(3)})));
  // No keys at all: the owner of slot 0.
  EXPECT_THAT(store->Command({"MULTI"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"ECHO", "x"}), IsOkAndHolds(kQueued));
  EXPECT_THAT(store->Command({"EXEC"}), IsOkAndHolds(Value::Array({Value::BulkString("x")})));
  // DISCARD; nested MULTI and EXEC without MULTI as Redis words them.
  EXPECT_THAT(store->Command({"MULTI"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"MULTI"}),
              IsOkAndHolds(Value::Error("ERR MULTI calls can not be nested")));
  EXPECT_THAT(store->Command({"SET", "{t}a", "gone"}), IsOkAndHolds(kQueued));
  EXPECT_THAT(store->Command({"DISCARD"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"EXEC"}), IsOkAndHolds(Value::Error("ERR EXEC without MULTI")));
  EXPECT_EQ(RawGet("{t}a"), "$1\r\n3\r\n");
  // Outside a transaction, commands go anywhere again.
  EXPECT_THAT(store->Command({"SET", "elsewhere", "1"}), IsOkAndHolds(kOk));
}

TEST(ClusterTransaction, OtherSlotsGetCrossSlotAndExecAborts) {
  std::unique_ptr<Store> store = ClusterStore();
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->Command({"SET", "{x}a", "before"}));
  EXPECT_THAT(store->Command({"MULTI"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"SET", "{x}a", "after"}), IsOkAndHolds(kQueued));
  EXPECT_THAT(store->Command({"SET", "{y}b", "other slot"}),
              IsOkAndHolds(Value::Error("CROSSSLOT Keys in request don't hash to the same slot")));
  EXPECT_THAT(
      store->Command({"EXEC"}),
      IsOkAndHolds(Value::Error("EXECABORT Transaction discarded because of previous errors.")));
  EXPECT_EQ(RawGet("{x}a"), "$6\r\nbefore\r\n");
  // A command over two slots in one transaction: the same.
  EXPECT_THAT(store->Command({"MULTI"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"MSET", "{x}a", "1", "{y}b", "2"}),
              IsOkAndHolds(Value::Error("CROSSSLOT Keys in request don't hash to the same slot")));
  EXPECT_THAT(
      store->Command({"EXEC"}),
      IsOkAndHolds(Value::Error("EXECABORT Transaction discarded because of previous errors.")));
  // An error the node gives while queuing aborts too.
  EXPECT_THAT(store->Command({"MULTI"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"SET", "{x}a", "after"}), IsOkAndHolds(kQueued));
  EXPECT_THAT(store->Command({"SET", "{x}a"}),
              IsOkAndHolds(Value::Error("ERR wrong number of arguments for 'set' "
                                        "command")));
  EXPECT_THAT(
      store->Command({"EXEC"}),
      IsOkAndHolds(Value::Error("EXECABORT Transaction discarded because of previous errors.")));
  EXPECT_EQ(RawGet("{x}a"), "$6\r\nbefore\r\n");
}

TEST(ClusterTransaction, WatchOnTheSlotsNode) {
  std::unique_ptr<Store> store = ClusterStore();
  ASSERT_NE(store, nullptr);
  testing::RedisClusterProcess& cluster = testing::SharedRedisCluster();
  ASSERT_OK(store->Command({"SET", "{w}k", "0"}));
  // Untouched: EXEC runs.
  EXPECT_THAT(store->Command({"WATCH", "{w}k"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"GET", "{w}k"}), IsOkAndHolds(Value::BulkString("0")));
  EXPECT_THAT(store->Command({"MULTI"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"SET", "{w}k", "mine"}), IsOkAndHolds(kQueued));
  EXPECT_THAT(store->Command({"EXEC"}), IsOkAndHolds(Value::Array({kOk})));
  // Changed by another client after WATCH: EXEC answers a null array and nothing runs.
  EXPECT_THAT(store->Command({"WATCH", "{w}k"}), IsOkAndHolds(kOk));
  ASSERT_EQ(cluster.Call(cluster.PrimaryOf(KeySlot("{w}k")), {"SET", "{w}k", "theirs"}), "+OK\r\n");
  EXPECT_THAT(store->Command({"MULTI"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"SET", "{w}k", "mine again"}), IsOkAndHolds(kQueued));
  EXPECT_THAT(store->Command({"EXEC"}), IsOkAndHolds(Value::NullArray()));
  EXPECT_EQ(RawGet("{w}k"), "$6\r\ntheirs\r\n");
  // UNWATCH ends it.
  EXPECT_THAT(store->Command({"WATCH", "{w}k"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"UNWATCH"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"EXEC"}), IsOkAndHolds(Value::Error("ERR EXEC without MULTI")));
}

TEST(ClusterTransaction, MovedDuringTheTransactionIsReplayedOnTheNewOwner) {
  std::unique_ptr<Store> store = ClusterStore();
  ASSERT_NE(store, nullptr);
  testing::RedisClusterProcess& cluster = testing::SharedRedisCluster();
  // MOVED while queuing: the commands queued so far are replayed on the new node.
  ASSERT_OK(store->Command({"DEL", "{mv1}k"}));
  EXPECT_THAT(store->Command({"MULTI"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"SET", "{mv1}k", "1"}), IsOkAndHolds(kQueued));
  const int target1 = MoveSlot("{mv1}k");
  EXPECT_THAT(store->Command({"INCR", "{mv1}k"}), IsOkAndHolds(kQueued));
  EXPECT_THAT(store->Command({"EXEC"}), IsOkAndHolds(Value::Array({kOk, Value::Integer(2)})));
  EXPECT_EQ(cluster.Call(target1, {"GET", "{mv1}k"}), "$1\r\n2\r\n");

  // MOVED on EXEC (the node discarded the transaction): replayed whole.
  ASSERT_OK(store->Command({"DEL", "{mv2}k"}));
  EXPECT_THAT(store->Command({"MULTI"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"SET", "{mv2}k", "a"}), IsOkAndHolds(kQueued));
  EXPECT_THAT(store->Command({"APPEND", "{mv2}k", "b"}), IsOkAndHolds(kQueued));
  const int target2 = MoveSlot("{mv2}k");
  EXPECT_THAT(store->Command({"EXEC"}), IsOkAndHolds(Value::Array({kOk, Value::Integer(2)})));
  EXPECT_EQ(cluster.Call(target2, {"GET", "{mv2}k"}), "$2\r\nab\r\n");

  // After WATCH nothing is replayed: the redirection is the reply and EXEC aborts.
  ASSERT_OK(store->Command({"DEL", "{mv3}k"}));
  EXPECT_THAT(store->Command({"WATCH", "{mv3}k"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"MULTI"}), IsOkAndHolds(kOk));
  MoveSlot("{mv3}k");
  absl::StatusOr<Value> moved = store->Command({"SET", "{mv3}k", "x"});
  ASSERT_OK(moved);
  EXPECT_TRUE(moved->is_error());
  EXPECT_EQ(moved->str().substr(0, 6), "MOVED ");
  EXPECT_THAT(
      store->Command({"EXEC"}),
      IsOkAndHolds(Value::Error("EXECABORT Transaction discarded because of previous errors.")));
  EXPECT_EQ(RawGet("{mv3}k"), "$-1\r\n");
  // The store goes on.
  EXPECT_THAT(store->Command({"SET", "{mv3}k", "y"}), IsOkAndHolds(kOk));
  ASSERT_OK(store->Command({"DEL", "{mv1}k", "{mv2}k", "{mv3}k"}));
}

TEST(ClusterTransaction, AskDuringAMigrationIsReplayedOnTheTargetWithAsking) {
  std::unique_ptr<Store> store = ClusterStore();
  ASSERT_NE(store, nullptr);
  testing::RedisClusterProcess& cluster = testing::SharedRedisCluster();
  const std::string key = "{ask}k";
  ASSERT_OK(store->Command({"DEL", key}));
  const std::string slot = std::to_string(KeySlot(key));
  const int source = cluster.PrimaryOf(KeySlot(key));
  int target = -1;
  for (int p : cluster.Primaries()) {
    if (p != source) target = p;
  }
  ASSERT_GE(target, 0);
  const std::string target_id = cluster.NodeId(target);
  ASSERT_EQ(cluster.Call(target, {"CLUSTER", "SETSLOT", slot, "IMPORTING", cluster.NodeId(source)}),
            "+OK\r\n");
  ASSERT_EQ(cluster.Call(source, {"CLUSTER", "SETSLOT", slot, "MIGRATING", target_id}), "+OK\r\n");
  // The key is not on the source: the queued SET meets ASK there, and the transaction is replayed
  // on the target after ASKING (which holds for the whole MULTI ... EXEC).
  EXPECT_THAT(store->Command({"MULTI"}), IsOkAndHolds(kOk));
  EXPECT_THAT(store->Command({"SET", key, "v"}), IsOkAndHolds(kQueued));
  EXPECT_THAT(store->Command({"APPEND", key, "w"}), IsOkAndHolds(kQueued));
  EXPECT_THAT(store->Command({"EXEC"}), IsOkAndHolds(Value::Array({kOk, Value::Integer(2)})));
  // Not on the source (which sends a client asking for a missing key of the slot to the target).
  EXPECT_EQ(cluster.Call(source, {"EXISTS", key}).substr(0, 5), "-ASK ");
  // The migration ends; the key is on the target.
  ASSERT_EQ(cluster.Call(target, {"CLUSTER", "SETSLOT", slot, "NODE", target_id}), "+OK\r\n");
  for (int p : cluster.Primaries()) {
    if (p != target) {
      ASSERT_EQ(cluster.Call(p, {"CLUSTER", "SETSLOT", slot, "NODE", target_id}), "+OK\r\n");
    }
  }
  ASSERT_OK(cluster.WaitHealthy(absl::Seconds(10)));
  EXPECT_EQ(cluster.Call(target, {"GET", key}), "$2\r\nvw\r\n");
  ASSERT_OK(store->Command({"DEL", key}));
}

// One server: each thread's transaction on a connection of its own, so concurrent transactions
// stay whole (the two INCRs of one EXEC are consecutive).
TEST(RedisTransaction, ConcurrentTransactionsThroughCommandStayAtomic) {
  testing::RedisServerProcess redis;
  ASSERT_OK(redis.Start());
  absl::StatusOr<std::unique_ptr<Store>> store =
      OpenStore(absl::StrCat("redis://127.0.0.1:", redis.port(), "?pool=8"));
  ASSERT_OK(store);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        EXPECT_THAT((*store)->Command({"MULTI"}), IsOkAndHolds(kOk));
        EXPECT_THAT((*store)->Command({"INCR", "n"}), IsOkAndHolds(kQueued));
        EXPECT_THAT((*store)->Command({"INCR", "n"}), IsOkAndHolds(kQueued));
        absl::StatusOr<Value> r = (*store)->Command({"EXEC"});
        ASSERT_OK(r);
        ASSERT_EQ(r->elements().size(), 2u);
        EXPECT_EQ(r->elements()[1].integer(), r->elements()[0].integer() + 1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT((*store)->Get("n"), IsOkAndHolds(std::optional<std::string>("400")));
  // WATCH, and a change by the store's other methods (another connection) aborts EXEC.
  EXPECT_THAT((*store)->Command({"WATCH", "n"}), IsOkAndHolds(kOk));
  EXPECT_THAT((*store)->Set("n", "changed"), IsOkAndHolds(true));
  EXPECT_THAT((*store)->Command({"MULTI"}), IsOkAndHolds(kOk));
  EXPECT_THAT((*store)->Command({"SET", "n", "mine"}), IsOkAndHolds(kQueued));
  EXPECT_THAT((*store)->Command({"EXEC"}), IsOkAndHolds(Value::NullArray()));
  EXPECT_THAT((*store)->Get("n"), IsOkAndHolds(std::optional<std::string>("changed")));
}

}  // namespace
}  // namespace embedis
