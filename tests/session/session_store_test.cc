// SessionStore: connect-redis's rules, each on both backends (MemoryStore on a
// ManualClock, RedisStore against a real redis-server).
#include "lib/session/session_store.h"

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/session/serializer.h"
#include "lib/session/session.h"
#include "lib/util/status_matchers.h"
#include "tests/session/session_test_util.h"

namespace embedis {
namespace {

using ::embedis::session_testing::ClusterBackend;
using ::embedis::session_testing::MemoryBackend;
using ::embedis::session_testing::RecordingStore;
using ::embedis::session_testing::RedisBackend;
using ::embedis::session_testing::SentinelBackend;
using ::embedis::testing::IsOkAndHolds;
using ::embedis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Optional;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

template <typename Backend>
class SessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(backend_.Init()); }
  Store& raw() { return *backend_.store; }
  absl::Time Now() { return raw().clock()->Now(); }
  // A session whose cookie expires `max_age` from now.
  Session NewSession(std::optional<absl::Duration> max_age, std::string_view user = "ada") {
    Session s = Session::New({.max_age = max_age}, Now());
    s.data["user"] = user;
    return s;
  }
  absl::Duration PTtl(std::string_view key) {
    auto t = raw().PTtl(key);
    EXPECT_OK(t);
    return t.ok() ? *t : absl::ZeroDuration();
  }
  Backend backend_;
};

TYPED_TEST_SUITE_P(SessionStoreTest);

TYPED_TEST_P(SessionStoreTest, GetOfMissingKeyIsNoSessionNotAnError) {
  SessionStore store(&this->raw());
  EXPECT_THAT(store.Get("nope"), IsOkAndHolds(std::optional<Session>()));
}

TYPED_TEST_P(SessionStoreTest, GetOfEmptyValueIsNoSession) {
  // connect-redis: `if (!data) return null` — "" is falsy.
  SessionStore store(&this->raw());
  ASSERT_OK(this->raw().Set("sess:empty", ""));
  EXPECT_THAT(store.Get("empty"), IsOkAndHolds(std::optional<Session>()));
}

TYPED_TEST_P(SessionStoreTest, GetOfUnparsableValueIsAnError) {
  SessionStore store(&this->raw());
  ASSERT_OK(this->raw().Set("sess:bad", "{not json"));
  EXPECT_THAT(store.Get("bad"), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(this->raw().Set("sess:nocookie", R"({"user":"ada"})"));
  EXPECT_THAT(store.Get("nocookie"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST_P(SessionStoreTest, SetThenGetRoundTripsUnderPrefix) {
  SessionStore store(&this->raw());
  Session s = this->NewSession(absl::Hours(1));
  s.data["views"] = 3;
  s.data["nested"] = {{"z", 1}, {"a", {1, 2.5, "x"}}};
  ASSERT_OK(store.Set("abc", s));
  EXPECT_THAT(this->raw().Get("sess:abc"),
              IsOkAndHolds(Optional(JsonSessionSerializer()->Stringify(s))));
  EXPECT_THAT(store.Get("abc"), IsOkAndHolds(Optional(s)));
}

TYPED_TEST_P(SessionStoreTest, SetUsesCeilOfCookieExpiresAsTtl) {
  SessionStore store(&this->raw(), {.ttl = int64_t{60}});
  Session s = this->NewSession(absl::Milliseconds(1500));
  EXPECT_EQ(store.TtlSeconds(s), 2);  // ceil(1.5)
  ASSERT_OK(store.Set("a", s));
  const absl::Duration ttl = this->PTtl("sess:a");
  EXPECT_GT(ttl, absl::Milliseconds(1500));
  EXPECT_LE(ttl, absl::Seconds(2));
}

TYPED_TEST_P(SessionStoreTest, SetWithoutExpiresUsesTtlOption) {
  SessionStore defaults(&this->raw());
  Session s = this->NewSession(std::nullopt);
  ASSERT_OK(defaults.Set("a", s));
  EXPECT_GT(this->PTtl("sess:a"), absl::Seconds(86390));
  EXPECT_LE(this->PTtl("sess:a"), absl::Seconds(86400));

  SessionStore custom(&this->raw(), {.ttl = int64_t{60}});
  ASSERT_OK(custom.Set("b", s));
  EXPECT_GT(this->PTtl("sess:b"), absl::Seconds(55));
  EXPECT_LE(this->PTtl("sess:b"), absl::Seconds(60));

  // ttl 0 means the default, as `opts.ttl || 86400`.
  SessionStore zero(&this->raw(), {.ttl = int64_t{0}});
  EXPECT_EQ(zero.TtlSeconds(s), 86400);
}

TYPED_TEST_P(SessionStoreTest, TtlFunctionWinsOverCookieExpires) {
  int calls = 0;
  SessionStore store(&this->raw(), {.ttl = [&](const Session& s) -> int64_t {
    ++calls;
    return s.data.value("vip", false) ? 7200 : 30;
  }});
  Session s = this->NewSession(absl::Hours(10));
  ASSERT_OK(store.Set("a", s));
  EXPECT_LE(this->PTtl("sess:a"), absl::Seconds(30));
  EXPECT_GT(this->PTtl("sess:a"), absl::Seconds(25));
  s.data["vip"] = true;
  ASSERT_OK(store.Set("a", s));
  EXPECT_GT(this->PTtl("sess:a"), absl::Seconds(7100));
  EXPECT_EQ(calls, 2);
}

TYPED_TEST_P(SessionStoreTest, DisableTtlWritesPlainSetClearingOldTtl) {
  SessionStore with_ttl(&this->raw());
  SessionStore no_ttl(&this->raw(), {.disable_ttl = true});
  Session s = this->NewSession(absl::Hours(1));
  ASSERT_OK(with_ttl.Set("a", s));
  EXPECT_GT(this->PTtl("sess:a"), absl::ZeroDuration());
  ASSERT_OK(no_ttl.Set("a", s));
  EXPECT_EQ(this->PTtl("sess:a"), absl::Milliseconds(-1));
  EXPECT_THAT(no_ttl.Get("a"), IsOkAndHolds(Optional(s)));
}

TYPED_TEST_P(SessionStoreTest, NonPositiveTtlDeletesInsteadOfSetting) {
  SessionStore store(&this->raw());
  SessionStore no_ttl(&this->raw(), {.disable_ttl = true});
  Session live = this->NewSession(absl::Hours(1));
  Session expired = this->NewSession(absl::Seconds(-5));
  Session now = this->NewSession(absl::ZeroDuration());
  for (SessionStore* st : {&store, &no_ttl}) {
    for (const Session* dead : {&expired, &now}) {
      ASSERT_OK(store.Set("a", live));
      ASSERT_OK(st->Set("a", *dead));
      EXPECT_THAT(this->raw().Get("sess:a"), IsOkAndHolds(std::optional<std::string>()));
    }
  }
  SessionStore fn(&this->raw(), {.ttl = [](const Session&) -> int64_t { return -1; }});
  ASSERT_OK(store.Set("a", live));
  ASSERT_OK(fn.Set("a", live));
  EXPECT_THAT(this->raw().Get("sess:a"), IsOkAndHolds(std::optional<std::string>()));
}

TYPED_TEST_P(SessionStoreTest, TouchResetsTtlWithoutRewritingValue) {
  SessionStore store(&this->raw());
  Session s = this->NewSession(absl::Seconds(100));
  ASSERT_OK(store.Set("a", s));
  Session changed = s;
  changed.data["user"] = "mallory";
  changed.cookie.SetMaxAge(absl::Hours(5), this->Now());
  ASSERT_OK(store.Touch("a", changed));
  EXPECT_GT(this->PTtl("sess:a"), absl::Hours(4));
  EXPECT_THAT(store.Get("a"), IsOkAndHolds(Optional(s)));  // the old value
  // A touch never creates a key.
  ASSERT_OK(store.Touch("missing", changed));
  EXPECT_THAT(this->raw().Get("sess:missing"), IsOkAndHolds(std::optional<std::string>()));
}

TYPED_TEST_P(SessionStoreTest, TouchDoesNothingWithDisableTouchOrDisableTtl) {
  RecordingStore rec(&this->raw());
  Session s = this->NewSession(absl::Seconds(100));
  ASSERT_OK(SessionStore(&this->raw()).Set("a", s));
  Session longer = s;
  longer.cookie.SetMaxAge(absl::Hours(5), this->Now());
  ASSERT_OK(SessionStore(&rec, {.disable_touch = true}).Touch("a", longer));
  ASSERT_OK(SessionStore(&rec, {.disable_ttl = true}).Touch("a", longer));
  EXPECT_THAT(rec.calls(), ElementsAre());
  EXPECT_LE(this->PTtl("sess:a"), absl::Seconds(100));
}

TYPED_TEST_P(SessionStoreTest, TouchWithExpiredCookieDeletesLikeRedisExpire) {
  SessionStore store(&this->raw());
  ASSERT_OK(store.Set("a", this->NewSession(absl::Hours(1))));
  ASSERT_OK(store.Touch("a", this->NewSession(absl::Seconds(-3))));
  EXPECT_THAT(this->raw().Get("sess:a"), IsOkAndHolds(std::optional<std::string>()));
}

TYPED_TEST_P(SessionStoreTest, DestroyOneOrMany) {
  SessionStore store(&this->raw());
  Session s = this->NewSession(absl::Hours(1));
  for (const char* id : {"a", "b", "c", "d"}) ASSERT_OK(store.Set(id, s));
  ASSERT_OK(store.Destroy("a"));
  ASSERT_OK(store.Destroy("never-existed"));
  const std::vector<std::string_view> many = {"b", "c", "zzz"};
  ASSERT_OK(store.Destroy(many));
  EXPECT_THAT(store.Ids(), IsOkAndHolds(ElementsAre("d")));
}

TYPED_TEST_P(SessionStoreTest, ExpiresWithTheClock) {
  SessionStore store(&this->raw());
  ASSERT_OK(store.Set("a", this->NewSession(absl::Seconds(1))));
  EXPECT_THAT(store.Length(), IsOkAndHolds(1));
  this->backend_.Advance(absl::Milliseconds(1100));
  EXPECT_THAT(store.Get("a"), IsOkAndHolds(std::optional<Session>()));
  EXPECT_THAT(store.Length(), IsOkAndHolds(0));
}

TYPED_TEST_P(SessionStoreTest, BulkOperationsSeeOnlyTheirPrefix) {
  SessionStore app(&this->raw(), {.prefix = "app:", .scan_count = 7});
  SessionStore other(&this->raw(), {.prefix = "other:"});
  ASSERT_OK(this->raw().Set("unrelated", "x"));
  std::vector<std::string> ids;
  for (int i = 0; i < 250; ++i) {
    ids.push_back("id" + std::to_string(i));
    Session s = this->NewSession(absl::Hours(1), "user" + std::to_string(i));
    ASSERT_OK(app.Set(ids.back(), s));
  }
  ASSERT_OK(other.Set("o", this->NewSession(absl::Hours(1))));

  EXPECT_THAT(app.Length(), IsOkAndHolds(250));
  EXPECT_THAT(app.Ids(), IsOkAndHolds(UnorderedElementsAreArray(ids)));
  auto all = app.All();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 250u);
  for (const auto& [id, s] : *all) {
    EXPECT_EQ(s.data["user"], "user" + id.substr(2));
  }
  ASSERT_OK(app.Clear());
  EXPECT_THAT(app.Length(), IsOkAndHolds(0));
  EXPECT_THAT(app.All(), IsOkAndHolds(ElementsAre()));
  EXPECT_THAT(other.Ids(), IsOkAndHolds(ElementsAre("o")));
  EXPECT_THAT(this->raw().Get("unrelated"), IsOkAndHolds(Optional(std::string("x"))));
  ASSERT_OK(app.Clear());  // nothing left: fine
}

TYPED_TEST_P(SessionStoreTest, ScanSendsEscapedPrefixAndScanCountAndDeduplicates) {
  RecordingStore rec(&this->raw());
  SessionStore store(&rec, {.prefix = "a[1]*?\\:", .scan_count = 3});
  ASSERT_OK(this->raw().Set("a1x\\:zzz", "not a session of ours"));
  ASSERT_OK(this->raw().Set("a[1]xy\\:zzz", "nor this"));
  Session s = this->NewSession(absl::Hours(1));
  for (const char* id : {"p", "q", "r", "s", "t"}) ASSERT_OK(store.Set(id, s));
  // SCAN may return a key more than once: make every page repeat its keys.
  rec.on_scan_page = [](StoreScanPage& page) {
    std::vector<std::string> twice = page.keys;
    page.keys.insert(page.keys.end(), twice.begin(), twice.end());
  };
  EXPECT_THAT(store.Ids(), IsOkAndHolds(UnorderedElementsAre("p", "q", "r", "s", "t")));
  EXPECT_THAT(store.Length(), IsOkAndHolds(5));
  ASSERT_FALSE(rec.scan_options.empty());
  EXPECT_EQ(rec.scan_options[0].match, "a\\[1\\]\\*\\?\\\\:*");
  EXPECT_EQ(rec.scan_options[0].count, 3);
}

TYPED_TEST_P(SessionStoreTest, AllSkipsKeysThatVanishAfterTheScan) {
  RecordingStore rec(&this->raw());
  SessionStore store(&rec);
  Session s = this->NewSession(absl::Hours(1));
  for (const char* id : {"a", "b", "c"}) ASSERT_OK(store.Set(id, s));
  rec.before_mget = [&] { ASSERT_OK(SessionStore(&this->raw()).Destroy("b")); };
  auto all = store.All();
  ASSERT_OK(all);
  std::vector<std::string> ids;
  for (const auto& [id, sess] : *all) {
    ids.push_back(id);
    EXPECT_EQ(sess, s);
  }
  EXPECT_THAT(ids, UnorderedElementsAre("a", "c"));
}

TYPED_TEST_P(SessionStoreTest, AllFailsOnAnUnparsableSession) {
  SessionStore store(&this->raw());
  ASSERT_OK(store.Set("good", this->NewSession(absl::Hours(1))));
  ASSERT_OK(this->raw().Set("sess:bad", "garbage"));
  EXPECT_THAT(store.All(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST_P(SessionStoreTest, EmptyPrefixCoversTheWholeDatabase) {
  SessionStore store(&this->raw(), {.prefix = ""});
  Session s = this->NewSession(absl::Hours(1));
  ASSERT_OK(store.Set("k1", s));
  ASSERT_OK(store.Set("k2", s));
  EXPECT_THAT(this->raw().Get("k1"), IsOkAndHolds(Optional(::testing::_)));
  EXPECT_THAT(store.Ids(), IsOkAndHolds(UnorderedElementsAre("k1", "k2")));
  ASSERT_OK(store.Clear());
  EXPECT_THAT(this->raw().DbSize(), IsOkAndHolds(0));
}

TYPED_TEST_P(SessionStoreTest, BinarySerializerWorksThroughTheStore) {
  SessionStore store(&this->raw(), {.serializer = BinarySessionSerializer()});
  Session s = this->NewSession(absl::Hours(1));
  s.data["cart"] = {{"items", {1, 2, 3}}, {"total", 9.99}};
  ASSERT_OK(store.Set("a", s));
  EXPECT_THAT(store.Get("a"), IsOkAndHolds(Optional(s)));
  auto all = store.All();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].second, s);
  // A JSON session is not a binary one.
  ASSERT_OK(SessionStore(&this->raw()).Set("json", s));
  EXPECT_THAT(store.Get("json"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST_P(SessionStoreTest, ConcurrentSetsAndGetsFromManyThreads) {
  SessionStore store(&this->raw());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        Session s = Session::New({.max_age = absl::Hours(1)}, store.clock()->Now());
        s.data["i"] = i;
        EXPECT_OK(store.Set(id, s));
        auto got = store.Get(id);
        EXPECT_OK(got);
        if (got.ok() && *got) {
          EXPECT_EQ((**got).data["i"], i);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_THAT(store.Length(), IsOkAndHolds(200));
}

REGISTER_TYPED_TEST_SUITE_P(
    SessionStoreTest, GetOfMissingKeyIsNoSessionNotAnError, GetOfEmptyValueIsNoSession,
    GetOfUnparsableValueIsAnError, SetThenGetRoundTripsUnderPrefix, SetUsesCeilOfCookieExpiresAsTtl,
    SetWithoutExpiresUsesTtlOption, TtlFunctionWinsOverCookieExpires,
    DisableTtlWritesPlainSetClearingOldTtl, NonPositiveTtlDeletesInsteadOfSetting,
    TouchResetsTtlWithoutRewritingValue, TouchDoesNothingWithDisableTouchOrDisableTtl,
    TouchWithExpiredCookieDeletesLikeRedisExpire, DestroyOneOrMany, ExpiresWithTheClock,
    BulkOperationsSeeOnlyTheirPrefix, ScanSendsEscapedPrefixAndScanCountAndDeduplicates,
    AllSkipsKeysThatVanishAfterTheScan, AllFailsOnAnUnparsableSession,
    EmptyPrefixCoversTheWholeDatabase, BinarySerializerWorksThroughTheStore,
    ConcurrentSetsAndGetsFromManyThreads);

struct BackendNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};
using Backends = ::testing::Types<MemoryBackend, RedisBackend, ClusterBackend, SentinelBackend>;
INSTANTIATE_TYPED_TEST_SUITE_P(Backends, SessionStoreTest, Backends, BackendNames);

// Exact TTL arithmetic needs the manual clock.
TEST(SessionStoreManualClock, TtlIsCeilOfMillisecondsLeftOnTheStoreClock) {
  ManualClock clock;
  auto backend = NewMemoryStore({.keyspace = {.clock = &clock}});
  ASSERT_OK(backend);
  SessionStore store(backend->get());
  Session s = Session::New({.max_age = absl::Seconds(10)}, clock.Now());
  EXPECT_EQ(store.TtlSeconds(s), 10);
  clock.Advance(absl::Milliseconds(1));
  EXPECT_EQ(store.TtlSeconds(s), 10);  // ceil(9.999)
  clock.Advance(absl::Milliseconds(999));
  EXPECT_EQ(store.TtlSeconds(s), 9);
  clock.Advance(absl::Milliseconds(8999));
  EXPECT_EQ(store.TtlSeconds(s), 1);  // 1 ms left
  clock.Advance(absl::Milliseconds(1));
  EXPECT_EQ(store.TtlSeconds(s), 0);
  clock.Advance(absl::Milliseconds(1500));
  EXPECT_EQ(store.TtlSeconds(s), -1);  // ceil(-1.5)
  ASSERT_OK(store.Set("a", Session::New({.max_age = absl::Milliseconds(2001)}, clock.Now())));
  EXPECT_THAT((*backend)->PTtl("sess:a"), IsOkAndHolds(absl::Seconds(3)));
}

TEST(SessionStoreManualClock, TouchNeverWritesTheValue) {
  ManualClock clock;
  auto backend = NewMemoryStore({.keyspace = {.clock = &clock}});
  ASSERT_OK(backend);
  RecordingStore rec(backend->get());
  SessionStore store(&rec);
  Session s = Session::New({.max_age = absl::Seconds(10)}, clock.Now());
  ASSERT_OK(store.Set("a", s));
  ASSERT_OK(store.Touch("a", s));
  ASSERT_OK(SessionStore(&rec, {.disable_ttl = true}).Set("a", s));
  ASSERT_OK(store.Get("a"));
  ASSERT_OK(store.Set("a", Session::New({.max_age = absl::Seconds(-1)}, clock.Now())));
  EXPECT_THAT(rec.calls(), ElementsAre("SET EX", "EXPIRE", "SET", "GET", "DEL"));
}

TEST(EscapeGlob, EscapesEverySpecialByte) {
  EXPECT_EQ(EscapeGlob("sess:"), "sess:");
  EXPECT_EQ(EscapeGlob("a*b?c[d]e\\f"), "a\\*b\\?c\\[d\\]e\\\\f");
  EXPECT_EQ(EscapeGlob(""), "");
}

}  // namespace
}  // namespace embedis
