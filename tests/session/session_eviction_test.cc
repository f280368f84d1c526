// maxmemory for an embedded session store: a memory:// SessionStore under volatile-ttl evicts
// the sessions closest to expiry first, and under noeviction refuses new sessions with a clear
// status while reads and logouts keep working. Also the memory:// URL's maxmemory parameters.
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/session/session.h"
#include "lib/session/session_store.h"
#include "lib/store/memory_store.h"
#include "lib/store/store.h"
#include "lib/util/clock.h"
#include "lib/util/status_matchers.h"

namespace embedis {
namespace {

using ::embedis::testing::StatusIs;

class SessionEvictionTest : public ::testing::Test {
 protected:
  void Open(EvictionPolicy policy) {
    // One shard and 64 samples: with fewer than 64 sessions every eviction sees them all, so the
    // choice is exact (with more shards it is the best of each shard's sample, as Redis's).
    ks_ = std::make_unique<Keyspace>(KeyspaceOptions{
        .shards = 1, .clock = &clock_, .eviction = {.policy = policy, .samples = 64}});
    auto store = NewMemoryStore({.shared_keyspace = ks_.get()});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    sessions_ = std::make_unique<SessionStore>(store_.get());
  }
  Session NewSession(absl::Duration max_age) {
    Session s = Session::New({.max_age = max_age}, clock_.Now());
    s.data["user"] = "ada lovelace";
    s.data["cart"] = {1, 2, 3, 4, 5};
    return s;
  }
  void Limit(int64_t bytes) {
    EvictionOptions o = ks_->eviction_options();
    o.maxmemory = static_cast<uint64_t>(bytes);
    ks_->SetEvictionOptions(o);
  }
  std::string Sid(int i) { return absl::StrCat("sid-", 1000 + i); }

  ManualClock clock_;
  std::unique_ptr<Keyspace> ks_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<SessionStore> sessions_;
};

TEST_F(SessionEvictionTest, VolatileTtlEvictsTheSessionsClosestToExpiryFirst) {
  Open(EvictionPolicy::kVolatileTtl);
  // 40 sessions of equal size whose cookies expire in 1 h + (i * 7 % 40) minutes.
  std::map<int, int> minutes_by_session;
  for (int i = 0; i < 40; ++i) {
    const int minutes = 60 + (i * 7) % 40;
    minutes_by_session[i] = minutes;
    ASSERT_OK(sessions_->Set(Sid(i), NewSession(absl::Minutes(minutes))));
  }
  const size_t used = ks_->UsedMemory();
  const size_t per_session = used / 40;
  // Room for about 30: the next login must push out the 11 sessions nearest their end (10 to get
  // under the limit, one more for the new session's own bytes).
  Limit(static_cast<int64_t>(used - 10 * per_session));
  ASSERT_OK(sessions_->Set("newcomer", NewSession(absl::Hours(10))));
  ASSERT_OK(sessions_->Set("newcomer2", NewSession(absl::Hours(10))));
  std::set<int> gone;
  for (int i = 0; i < 40; ++i) {
    auto s = sessions_->Get(Sid(i));
    ASSERT_OK(s);
    if (!s->has_value()) gone.insert(i);
  }
  ASSERT_GE(gone.size(), 10u);
  // Every evicted session expires no later than every surviving one.
  int latest_gone = 0, earliest_kept = 1 << 30;
  for (int i = 0; i < 40; ++i) {
    if (gone.count(i)) {
      latest_gone = std::max(latest_gone, minutes_by_session[i]);
    } else {
      earliest_kept = std::min(earliest_kept, minutes_by_session[i]);
    }
  }
  EXPECT_LE(latest_gone, earliest_kept);
  EXPECT_THAT(sessions_->Get("newcomer"), ::embedis::testing::IsOk());
  EXPECT_TRUE(sessions_->Get("newcomer2")->has_value());
  EXPECT_LE(ks_->UsedMemory(), ks_->eviction_options().maxmemory + 2 * per_session);
}

TEST_F(SessionEvictionTest, NoEvictionRefusesNewSessionsButReadsAndLogoutsWork) {
  Open(EvictionPolicy::kNoEviction);
  for (int i = 0; i < 10; ++i) ASSERT_OK(sessions_->Set(Sid(i), NewSession(absl::Hours(1))));
  Limit(static_cast<int64_t>(ks_->UsedMemory()) - 1);
  EXPECT_THAT(sessions_->Set("late", NewSession(absl::Hours(1))),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "OOM command not allowed when used memory > 'maxmemory'."));
  auto reply = store_->Command({"SET", "x", "y"});  // an error reply is a value, as on redis://
  ASSERT_OK(reply);
  EXPECT_TRUE(reply->is_error());
  EXPECT_EQ(reply->str(), "OOM command not allowed when used memory > 'maxmemory'.");
  EXPECT_TRUE(sessions_->Get(Sid(3))->has_value());
  ASSERT_OK(sessions_->Destroy(Sid(3)));  // a logout frees room
  EXPECT_OK(sessions_->Set("late", NewSession(absl::Hours(1))));
}

TEST(MemoryUrl, TakesMaxmemoryParameters) {
  auto store = OpenStore(
      "memory://?maxmemory=64mb&maxmemory-policy=volatile-ttl&maxmemory-samples=10&"
      "lfu-log-factor=5&lfu-decay-time=2&maxmemory-eviction-tenacity=20");
  ASSERT_TRUE(store.ok()) << store.status();
  // The limit applies: a big value under a tiny limit is refused once the limit is passed.
  auto tiny = OpenStore("memory://?maxmemory=1k");
  ASSERT_TRUE(tiny.ok()) << tiny.status();
  ASSERT_OK((*tiny)->Set("a", std::string(4000, 'x')));
  EXPECT_THAT((*tiny)->Set("b", "y"), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT((*tiny)->Get("a"), ::embedis::testing::IsOk());
  for (const char* bad :
       {"memory://?maxmemory=lots", "memory://?maxmemory=-1", "memory://?maxmemory-policy=lru",
        "memory://?maxmemory-samples=0", "memory://?maxmemory-eviction-tenacity=101",
        "memory://?lfu-decay-time=-1"}) {
    EXPECT_THAT(OpenStore(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

// Redis runs its eviction before every command, reads included: over the limit, a typed read or
// delete of a memory:// store evicts as the policy says (and is never refused), so an application
// that mostly reads still comes back under maxmemory.
TEST(MemoryStoreEviction, TypedReadsAndDeletesEvictOverTheLimit) {
  ManualClock clock;
  Keyspace ks({.shards = 1,
               .clock = &clock,
               .eviction = {.policy = EvictionPolicy::kAllKeysRandom, .tenacity = 100}});
  auto opened = NewMemoryStore({.shared_keyspace = &ks});
  ASSERT_TRUE(opened.ok()) << opened.status();
  Store& store = **opened;
  const std::string_view missing[] = {"missing"};
  const std::vector<std::pair<std::string, std::function<void()>>> calls = {
      {"Get", [&] { (void)store.Get("missing"); }},
      {"MGet", [&] { (void)store.MGet(missing); }},
      {"Exists", [&] { (void)store.Exists(missing); }},
      {"PTtl", [&] { (void)store.PTtl("missing"); }},
      {"DbSize", [&] { (void)store.DbSize(); }},
      {"HGet", [&] { (void)store.HGet("missing", "f"); }},
      {"HGetAll", [&] { (void)store.HGetAll("missing"); }},
      {"LRange", [&] { (void)store.LRange("missing", 0, -1); }},
      {"SMembers", [&] { (void)store.SMembers("missing"); }},
      {"ZScore", [&] { (void)store.ZScore("missing", "m"); }},
      {"Del", [&] { (void)store.Del(missing); }},
      {"Expire", [&] { (void)store.Expire("missing", absl::Seconds(10)); }},
  };
  for (const auto& [name, call] : calls) {
    EvictionOptions o = ks.eviction_options();
    o.maxmemory = 0;
    ks.SetEvictionOptions(o);
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(store.Set(absl::StrCat("k", i), std::string(100, 'v')).ok());
    }
    o.maxmemory = ks.UsedMemory() / 2;
    ks.SetEvictionOptions(o);
    const uint64_t evicted = ks.GetStats().evicted_keys;
    call();
    EXPECT_LE(ks.UsedMemory(), o.maxmemory) << name;
    EXPECT_GT(ks.GetStats().evicted_keys, evicted) << name;
  }
}

}  // namespace
}  // namespace embedis
