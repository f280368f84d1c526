// RedisStore against a real redis-server (a smoke set of every method, over
// RESP2 and RESP3; tests/conformance holds the full backend suite), and
// ParseRedisUrl table tests.
#include "lib/store/redis_store.h"

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_server.h"

namespace embedis {
namespace {

using ::embedis::testing::IsOkAndHolds;
using ::embedis::testing::RedisServerProcess;
using ::embedis::testing::StatusIs;
using resp::Value;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;
using Pairs = std::vector<std::pair<std::string_view, std::string_view>>;
using Keys = std::vector<std::string_view>;

// ---------------------------------------------------------------------------
// ParseRedisUrl

TEST(ParseRedisUrl, Defaults) {
  absl::StatusOr<ClientOptions> o = ParseRedisUrl("redis://");
  ASSERT_OK(o);
  EXPECT_EQ(o->host, "127.0.0.1");
  EXPECT_EQ(o->port, 6379);
  EXPECT_EQ(o->db, 0);
  EXPECT_EQ(o->username, "");
  EXPECT_EQ(o->password, "");
  EXPECT_FALSE(o->resp3);
  EXPECT_TRUE(o->unix_socket.empty());
}

TEST(ParseRedisUrl, Full) {
  absl::StatusOr<ClientOptions> o = ParseRedisUrl(
      "redis://alice:p%40ss%3Aw0rd@cache.example.com:6380/5?timeout_ms=250&connect_timeout_ms=100"
      "&pool=16&pool_timeout_ms=0&protocol=3&name=web%201");
  ASSERT_OK(o);
  EXPECT_EQ(o->username, "alice");
  EXPECT_EQ(o->password, "p@ss:w0rd");
  EXPECT_EQ(o->host, "cache.example.com");
  EXPECT_EQ(o->port, 6380);
  EXPECT_EQ(o->db, 5);
  EXPECT_EQ(o->command_timeout, absl::Milliseconds(250));
  EXPECT_EQ(o->connect_timeout, absl::Milliseconds(100));
  EXPECT_EQ(o->pool_size, 16);
  EXPECT_EQ(o->pool_wait_timeout, absl::ZeroDuration());
  EXPECT_TRUE(o->resp3);
  EXPECT_EQ(o->client_name, "web 1");
}

TEST(ParseRedisUrl, ValidForms) {
  struct Case {
    std::string url;
    std::string host;
    int port;
    int db;
    std::string user, password;
  };
  const std::vector<Case> cases = {
      {"redis://localhost", "localhost", 6379, 0, "", ""},
      {"redis://localhost:7000", "localhost", 7000, 0, "", ""},
      {"redis://localhost:7000/", "localhost", 7000, 0, "", ""},
      {"redis://10.0.0.1/15", "10.0.0.1", 6379, 15, "", ""},
      {"redis://[::1]:6380/2", "::1", 6380, 2, "", ""},
      {"redis://[::1]", "::1", 6379, 0, "", ""},
      {"redis://[fe80::1%25eth0]:1", "fe80::1%eth0", 1, 0, "", ""},
      {"redis://:secret@h", "h", 6379, 0, "", "secret"},
      {"redis://bob@h", "h", 6379, 0, "bob", ""},
      {"redis://bob:@h", "h", 6379, 0, "bob", ""},
      {"redis://u:a@b@h:1", "h", 1, 0, "u", "a@b"},  // the last '@' ends the user info
      {"redis://h?db=3", "h", 6379, 3, "", ""},
      {"REDIS://h:2/1", "h", 2, 1, "", ""},
      {"redis://h/1?", "h", 6379, 1, "", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.url);
    absl::StatusOr<ClientOptions> o = ParseRedisUrl(c.url);
    ASSERT_OK(o);
    EXPECT_EQ(o->host, c.host);
    EXPECT_EQ(o->port, c.port);
    EXPECT_EQ(o->db, c.db);
    EXPECT_EQ(o->username, c.user);
    EXPECT_EQ(o->password, c.password);
  }
}

TEST(ParseRedisUrl, UnixSockets) {
  absl::StatusOr<ClientOptions> o = ParseRedisUrl("unix:///var/run/redis/redis.sock?db=4");
  ASSERT_OK(o);
  EXPECT_EQ(o->unix_socket, "/var/run/redis/redis.sock");
  EXPECT_EQ(o->db, 4);
  o = ParseRedisUrl("unix://:pw@/tmp/my%20redis.sock?protocol=3");
  ASSERT_OK(o);
  EXPECT_EQ(o->unix_socket, "/tmp/my redis.sock");
  EXPECT_EQ(o->password, "pw");
  EXPECT_TRUE(o->resp3);
}

TEST(ParseRedisUrl, TlsUrlsAndParameters) {
  absl::StatusOr<ClientOptions> o = ParseRedisUrl("rediss://h:6380");
  ASSERT_OK(o);
  EXPECT_TRUE(o->tls.enabled);
  EXPECT_TRUE(o->tls.verify_peer);  // verification is on unless asked
  EXPECT_EQ(o->tls.ca_file, "");
  EXPECT_EQ(o->host, "h");
  EXPECT_EQ(o->port, 6380);
  o = ParseRedisUrl(
      "REDISS://u:p@[::1]/2?ca_file=/etc/ca%20x.crt&ca_dir=/etc/cas&cert_file=c.crt&"
      "key_file=c.key&sni=redis.example&verify=none");
  ASSERT_OK(o);
  EXPECT_TRUE(o->tls.enabled);
  EXPECT_EQ(o->host, "::1");
  EXPECT_EQ(o->db, 2);
  EXPECT_EQ(o->username, "u");
  EXPECT_EQ(o->tls.ca_file, "/etc/ca x.crt");
  EXPECT_EQ(o->tls.ca_dir, "/etc/cas");
  EXPECT_EQ(o->tls.cert_file, "c.crt");
  EXPECT_EQ(o->tls.key_file, "c.key");
  EXPECT_EQ(o->tls.sni, "redis.example");
  EXPECT_FALSE(o->tls.verify_peer);
  o = ParseRedisUrl("rediss://h?verify=full");
  ASSERT_OK(o);
  EXPECT_TRUE(o->tls.verify_peer);
  EXPECT_FALSE(ParseRedisUrl("redis://h")->tls.enabled);
  EXPECT_THAT(ParseRedisUrl("rediss://h?verify=maybe"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad verify 'maybe'")));
  EXPECT_THAT(ParseRedisUrl("redis://h?ca_file=/x"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("TLS parameter 'ca_file' needs a rediss:// URL")));
  EXPECT_THAT(ParseRedisUrl("unix:///tmp/s?verify=none"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs a rediss:// URL")));
}

TEST(ParseRedisUrl, MalformedUrlsNameTheProblem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "missing scheme"},
      {"localhost:6379", "missing scheme"},
      {"http://h", "unsupported scheme 'http://'"},
      {"memory://", "unsupported scheme"},
      {"redis://h:", "bad port ''"},
      {"redis://h:abc", "bad port 'abc'"},
      {"redis://h:0", "bad port '0'"},
      {"redis://h:65536", "bad port '65536'"},
      {"redis://h:-1", "bad port '-1'"},
      {"redis://::1:6379", "IPv6 host must be in brackets"},
      {"redis://[::1", "unterminated '['"},
      {"redis://[::1]x", "after the IPv6 host"},
      {"redis://[]:1", "empty IPv6 host"},
      {"redis://h/x", "bad db 'x'"},
      {"redis://h/-1", "bad db '-1'"},
      {"redis://h/1/2", "bad db '1/2'"},
      {"redis://h/99999999999", "bad db"},
      {"redis://h?db=z", "bad db 'z'"},
      {"redis://h?timeout=5", "unknown parameter 'timeout'"},
      {"redis://h?timeout_ms", "parameter 'timeout_ms' needs a value"},
      {"redis://h?timeout_ms=0", "bad timeout_ms '0'"},
      {"redis://h?timeout_ms=1s", "bad timeout_ms '1s'"},
      {"redis://h?connect_timeout_ms=-5", "bad connect_timeout_ms"},
      {"redis://h?pool=0", "bad pool '0'"},
      {"redis://h?protocol=4", "bad protocol '4'"},
      {"redis://u:p%zz@h", "bad percent-encoding in the password"},
      {"redis://u%2@h", "bad percent-encoding in the user name"},
      {"redis://h#frag", "fragment"},
      {"redis://a b", "bad host 'a b'"},
      {"unix://", "missing socket path"},
      {"unix:///", "missing socket path"},
      {"unix://relative/path.sock", "must be absolute"},
      {"unix:///tmp/r.sock?pool=x", "bad pool 'x'"},
  };
  for (const auto& [url, message] : cases) {
    SCOPED_TRACE(url);
    EXPECT_THAT(ParseRedisUrl(url),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         ::testing::AllOf(HasSubstr("invalid Redis URL"), HasSubstr(message))));
  }
  // A password never appears in an error message.
  absl::StatusOr<ClientOptions> o = ParseRedisUrl("redis://u:hunter2@h:bad");
  ASSERT_FALSE(o.ok());
  EXPECT_THAT(std::string(o.status().message()), ::testing::Not(HasSubstr("hunter2")));
}

TEST(StatusFromRedisError, MapsRedisErrorsToCodes) {
  EXPECT_THAT(StatusFromRedisError("WRONGTYPE Operation against a key holding the wrong kind of "
                                   "value"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "WRONGTYPE Operation against a key holding the wrong kind of value"));
  EXPECT_THAT(StatusFromRedisError("ERR no such key"),
              StatusIs(absl::StatusCode::kNotFound, "ERR no such key"));
  EXPECT_THAT(StatusFromRedisError("NOAUTH Authentication required."),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(StatusFromRedisError("WRONGPASS invalid username-password pair"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(
      StatusFromRedisError("ERR value is not an integer or out of range"),
      StatusIs(absl::StatusCode::kInvalidArgument, "ERR value is not an integer or out of range"));
}

// ---------------------------------------------------------------------------
// RedisStore

TEST(NewRedisStore, UnreachableServerIsUnavailable) {
  ClientOptions o;
  o.port = ::embedis::testing::FreeLoopbackPort();
  EXPECT_THAT(NewRedisStore(o), StatusIs(absl::StatusCode::kUnavailable));
}

// Starts `redis` and opens a store on it with the URL's `path_and_query` ("/1?protocol=3").
void StartAndOpen(RedisServerProcess& redis, const char* path_and_query,
                  std::unique_ptr<Store>* store) {
  ASSERT_OK(redis.Start());
  absl::StatusOr<ClientOptions> o =
      ParseRedisUrl(absl::StrCat("redis://127.0.0.1:", redis.port(), path_and_query));
  ASSERT_OK(o);
  absl::StatusOr<std::unique_ptr<Store>> s = NewRedisStore(*o);
  ASSERT_OK(s);
  *store = *std::move(s);
}

class RedisStoreTest : public ::testing::TestWithParam<bool /*resp3*/> {
 protected:
  void SetUp() override {
    StartAndOpen(redis_, GetParam() ? "/1?protocol=3" : "/1?protocol=2", &store_);
  }

  RedisServerProcess redis_;
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TEST_SUITE_P(Protocols, RedisStoreTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Resp3" : "Resp2";
                         });

TEST_P(RedisStoreTest, Strings) {
  Store& s = *store_;
  EXPECT_EQ(s.clock(), Clock::Real());
  EXPECT_THAT(s.Get("k"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.Set("k", "v"), IsOkAndHolds(true));
  EXPECT_THAT(s.Get("k"), IsOkAndHolds(Optional(std::string("v"))));
  EXPECT_THAT(s.Set("k", "w", {.condition = StoreSetOptions::Condition::kIfMissing}),
              IsOkAndHolds(false));
  EXPECT_THAT(s.Set("k", "w", {.condition = StoreSetOptions::Condition::kIfExists}),
              IsOkAndHolds(true));
  EXPECT_THAT(s.Set("new", "w", {.condition = StoreSetOptions::Condition::kIfExists}),
              IsOkAndHolds(false));
  EXPECT_THAT(s.SetGet("k", "x"), IsOkAndHolds(Optional(std::string("w"))));
  EXPECT_THAT(s.SetGet("fresh", "x"), IsOkAndHolds(std::nullopt));
  std::string binary("a\0b\r\n", 5);
  EXPECT_THAT(s.Set("bin", binary), IsOkAndHolds(true));
  EXPECT_THAT(s.Get("bin"), IsOkAndHolds(Optional(binary)));

  EXPECT_OK(s.MSet(Pairs{{"m1", "1"}, {"m2", "2"}}));
  EXPECT_THAT(s.MGet(Keys{"m1", "nope", "m2"}),
              IsOkAndHolds(ElementsAre(Optional(std::string("1")), std::nullopt,
                                       Optional(std::string("2")))));
  EXPECT_THAT(s.IncrBy("m1", 41), IsOkAndHolds(42));
  EXPECT_THAT(s.Incr("counter"), IsOkAndHolds(1));
  EXPECT_THAT(s.Decr("counter"), IsOkAndHolds(0));
  EXPECT_THAT(s.IncrBy("k", 1), StatusIs(absl::StatusCode::kInvalidArgument,
                                         "ERR value is not an integer or out of range"));
  EXPECT_THAT(s.IncrByFloat("f", 1.5), IsOkAndHolds(1.5));
  EXPECT_THAT(s.IncrByFloat("f", 0.1), IsOkAndHolds(1.6));
  ASSERT_OK(s.HSet("h", Pairs{{"a", "1"}}));
  EXPECT_THAT(s.Get("h"), StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("WRONGTYPE")));
  EXPECT_THAT(s.SetGet("h", "x"), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_P(RedisStoreTest, SetExpiryOptions) {
  Store& s = *store_;
  EXPECT_THAT(s.Set("ttl", "v", {.ttl = absl::Seconds(100)}), IsOkAndHolds(true));
  absl::StatusOr<absl::Duration> pttl = s.PTtl("ttl");
  ASSERT_OK(pttl);
  EXPECT_GT(*pttl, absl::Seconds(99));
  EXPECT_LE(*pttl, absl::Seconds(100));
  EXPECT_THAT(s.Ttl("ttl"), IsOkAndHolds(100));
  EXPECT_THAT(s.Set("ttl", "v2", {.keep_ttl = true}), IsOkAndHolds(true));
  EXPECT_THAT(s.Ttl("ttl"), IsOkAndHolds(100));
  EXPECT_THAT(s.Set("ttl", "v3"), IsOkAndHolds(true));
  EXPECT_THAT(s.Ttl("ttl"), IsOkAndHolds(-1));
  EXPECT_THAT(s.Ttl("missing"), IsOkAndHolds(-2));
  EXPECT_THAT(s.PTtl("missing"), IsOkAndHolds(absl::Milliseconds(-2)));
  EXPECT_THAT(s.PTtl("ttl"), IsOkAndHolds(absl::Milliseconds(-1)));

  EXPECT_THAT(s.Set("at", "v", {.expire_at = absl::Now() + absl::Seconds(50)}), IsOkAndHolds(true));
  absl::StatusOr<int64_t> ttl = s.Ttl("at");
  ASSERT_OK(ttl);
  EXPECT_GE(*ttl, 49);
  EXPECT_LE(*ttl, 50);
  EXPECT_THAT(
      s.Set("k", "v", {.ttl = absl::ZeroDuration()}),
      StatusIs(absl::StatusCode::kInvalidArgument, "ERR invalid expire time in 'set' command"));
  EXPECT_THAT(
      s.Set("k", "v", {.ttl = absl::Seconds(-1)}),
      StatusIs(absl::StatusCode::kInvalidArgument, "ERR invalid expire time in 'set' command"));
  EXPECT_THAT(s.Set("k", "v", {.ttl = absl::Seconds(1), .keep_ttl = true}),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR syntax error"));
  // A short TTL really expires.
  EXPECT_THAT(s.Set("short", "v", {.ttl = absl::Milliseconds(30)}), IsOkAndHolds(true));
  absl::SleepFor(absl::Milliseconds(80));
  EXPECT_THAT(s.Get("short"), IsOkAndHolds(std::nullopt));
}

TEST_P(RedisStoreTest, Keys) {
  Store& s = *store_;
  ASSERT_OK(s.MSet(Pairs{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  EXPECT_THAT(s.Exists(Keys{"a", "b", "nope", "a"}), IsOkAndHolds(3));
  EXPECT_THAT(s.Del(Keys{"a", "nope"}), IsOkAndHolds(1));
  EXPECT_THAT(s.DbSize(), IsOkAndHolds(2));

  EXPECT_THAT(s.Expire("b", absl::Seconds(100)), IsOkAndHolds(true));
  EXPECT_THAT(s.Expire("nope", absl::Seconds(100)), IsOkAndHolds(false));
  EXPECT_THAT(s.Expire("b", absl::Seconds(10), {.gt = true}), IsOkAndHolds(false));
  EXPECT_THAT(s.Expire("b", absl::Seconds(10), {.lt = true}), IsOkAndHolds(true));
  EXPECT_THAT(s.Ttl("b"), IsOkAndHolds(10));
  EXPECT_THAT(s.Expire("c", absl::Seconds(10), {.xx = true}), IsOkAndHolds(false));
  EXPECT_THAT(s.Expire("c", absl::Seconds(10), {.nx = true}), IsOkAndHolds(true));
  EXPECT_THAT(s.Expire("c", absl::Seconds(10), {.nx = true, .xx = true}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s.Persist("c"), IsOkAndHolds(true));
  EXPECT_THAT(s.Persist("c"), IsOkAndHolds(false));
  EXPECT_THAT(s.ExpireAt("c", absl::Now() + absl::Seconds(30)), IsOkAndHolds(true));
  absl::StatusOr<int64_t> ttl = s.Ttl("c");
  ASSERT_OK(ttl);
  EXPECT_GE(*ttl, 29);
  // A non-positive TTL deletes.
  EXPECT_THAT(s.Expire("c", absl::ZeroDuration()), IsOkAndHolds(true));
  EXPECT_THAT(s.Get("c"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.ExpireAt("b", absl::Now() - absl::Seconds(1)), IsOkAndHolds(true));
  EXPECT_THAT(s.DbSize(), IsOkAndHolds(0));
}

TEST_P(RedisStoreTest, ScanVisitsEveryKey) {
  Store& s = *store_;
  for (int i = 0; i < 300; ++i) {
    ASSERT_OK(s.Set(absl::StrCat(i % 3 == 0 ? "sess:" : "other:", i), "v"));
  }
  ASSERT_OK(s.HSet("sess:hash", Pairs{{"f", "v"}}));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int pages = 0;
  do {
    absl::StatusOr<StoreScanPage> page = s.Scan(cursor, {.match = "sess:*", .count = 20});
    ASSERT_OK(page);
    seen.insert(page->keys.begin(), page->keys.end());
    cursor = page->cursor;
    ++pages;
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 101u);
  EXPECT_GT(pages, 1);
  seen.clear();
  do {
    absl::StatusOr<StoreScanPage> page =
        s.Scan(cursor, {.match = "sess:*", .count = 1000, .type = "hash"});
    ASSERT_OK(page);
    seen.insert(page->keys.begin(), page->keys.end());
    cursor = page->cursor;
  } while (cursor != 0);
  EXPECT_THAT(seen, ElementsAre("sess:hash"));
  ASSERT_OK(s.FlushDb());
  EXPECT_THAT(s.DbSize(), IsOkAndHolds(0));
}

TEST_P(RedisStoreTest, Hashes) {
  Store& s = *store_;
  EXPECT_THAT(s.HSet("h", Pairs{{"b", "2"}, {"a", "1"}, {"c", "3"}}), IsOkAndHolds(3));
  EXPECT_THAT(s.HSet("h", Pairs{{"a", "one"}, {"d", "4"}}), IsOkAndHolds(1));
  EXPECT_THAT(s.HGet("h", "a"), IsOkAndHolds(Optional(std::string("one"))));
  EXPECT_THAT(s.HGet("h", "zz"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.HGet("nokey", "a"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.HMGet("h", Keys{"b", "zz", "d"}),
              IsOkAndHolds(ElementsAre(Optional(std::string("2")), std::nullopt,
                                       Optional(std::string("4")))));
  EXPECT_THAT(s.HGetAll("h"), IsOkAndHolds(ElementsAre(Pair("b", "2"), Pair("a", "one"),
                                                       Pair("c", "3"), Pair("d", "4"))));
  EXPECT_THAT(s.HGetAll("nokey"), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(s.HLen("h"), IsOkAndHolds(4));
  EXPECT_THAT(s.HExists("h", "c"), IsOkAndHolds(true));
  EXPECT_THAT(s.HExists("h", "zz"), IsOkAndHolds(false));
  EXPECT_THAT(s.HDel("h", Keys{"c", "zz"}), IsOkAndHolds(1));
  EXPECT_THAT(s.HIncrBy("h", "n", 5), IsOkAndHolds(5));
  EXPECT_THAT(s.HIncrBy("h", "n", -7), IsOkAndHolds(-2));
  EXPECT_THAT(s.HIncrBy("h", "a", 1),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR hash value is not an integer"));
  absl::StatusOr<HashScanPage> page = s.HScan("h", 0, {.match = "*", .count = 100});
  ASSERT_OK(page);
  EXPECT_EQ(page->cursor, 0u);
  EXPECT_THAT(page->fields, UnorderedElementsAre(Pair("b", "2"), Pair("a", "one"), Pair("d", "4"),
                                                 Pair("n", "-2")));
  ASSERT_OK(s.Set("str", "v"));
  EXPECT_THAT(s.HGetAll("str"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(s.HSet("str", Pairs{{"a", "b"}}), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_P(RedisStoreTest, CommandPassesThrough) {
  Store& s = *store_;
  EXPECT_THAT(s.Command({"SET", "k", "v"}), IsOkAndHolds(Value::SimpleString("OK")));
  EXPECT_THAT(s.Command({"APPEND", "k", "w"}), IsOkAndHolds(Value::Integer(2)));
  absl::StatusOr<Value> err = s.Command({"LPUSH", "k", "x"});
  ASSERT_OK(err);
  EXPECT_TRUE(err->is_error());
  EXPECT_THAT(s.Command({"GET", "nope"}),
              IsOkAndHolds(GetParam() ? Value::Null() : Value::NullBulk()));
  // The store is on db 1 (from the URL).
  absl::StatusOr<Value> info = s.Command({"CLIENT", "INFO"});
  ASSERT_OK(info);
  EXPECT_THAT(info->str(), HasSubstr(" db=1 "));
}

TEST_P(RedisStoreTest, ListsOverBothProtocols) {
  Store& s = *store_;
  EXPECT_THAT(s.RPush("l", Keys{"a", "b", "c"}), IsOkAndHolds(3));
  EXPECT_THAT(s.LRange("l", 0, -1), IsOkAndHolds(ElementsAre("a", "b", "c")));
  EXPECT_THAT(s.LPop("l", 2), IsOkAndHolds(ElementsAre("a", "b")));
  EXPECT_THAT(s.LPop("missing", 2), IsOkAndHolds(::testing::IsEmpty()));  // a null
  EXPECT_THAT(s.LIndex("l", 5), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.BLPop(Keys{"l"}, absl::Seconds(1)), IsOkAndHolds(Optional(Pair("l", "c"))));
  EXPECT_THAT(s.BLPop(Keys{"l"}, absl::Milliseconds(50)), IsOkAndHolds(std::nullopt));
}

// A blocking pop longer than the client's command timeout is not cut short by it.
class RedisStoreBlockingTest : public ::testing::Test {
 protected:
  void SetUp() override { StartAndOpen(redis_, "?timeout_ms=300", &store_); }
  RedisServerProcess redis_;
  std::unique_ptr<Store> store_;
};

TEST_F(RedisStoreBlockingTest, TimeoutLongerThanTheCommandTimeout) {
  const absl::Time start = absl::Now();
  EXPECT_THAT(store_->BLPop(Keys{"q"}, absl::Milliseconds(800)), IsOkAndHolds(std::nullopt));
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(780));
  EXPECT_LT(took, absl::Seconds(3));
}

TEST_F(RedisStoreBlockingTest, ServedAfterSeveralCommandTimeouts) {
  for (absl::Duration timeout : {absl::Seconds(10), absl::ZeroDuration()}) {
    const absl::Time start = absl::Now();
    std::thread pusher([&] {
      absl::SleepFor(absl::Milliseconds(700));
      EXPECT_THAT(store_->RPush("q", Keys{"late"}), IsOkAndHolds(1));
    });
    EXPECT_THAT(store_->BRPop(Keys{"q"}, timeout), IsOkAndHolds(Optional(Pair("q", "late"))));
    pusher.join();
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(650));
  }
}

TEST_F(RedisStoreBlockingTest, AHungServerIsStillNoticed) {
  redis_.Pause();
  const absl::Time start = absl::Now();
  EXPECT_THAT(store_->BLPop(Keys{"q"}, absl::ZeroDuration()),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  redis_.Resume();
}

TEST_P(RedisStoreTest, ServerDownIsUnavailable) {
  redis_.Kill();
  EXPECT_THAT(store_->Get("k"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(store_->Set("k", "v"), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace embedis

namespace embedis {
namespace {

TEST(ParseRedisClusterUrl, SeedsNodeOptionsAndClusterParameters) {
  auto o = ParseRedisClusterUrl(
      "redis+cluster://u:p%40ss@h1:7000,[::1]:7001,h3/?timeout_ms=250&read_from=replica&"
      "wait_replicas=1&wait_timeout_ms=300&max_redirects=3&max_retries=4&refresh_ms=0&pool=2");
  ASSERT_TRUE(o.ok()) << o.status();
  ASSERT_EQ(o->seeds.size(), 3u);
  EXPECT_EQ(o->seeds[0], std::make_pair(std::string("h1"), 7000));
  EXPECT_EQ(o->seeds[1], std::make_pair(std::string("::1"), 7001));
  EXPECT_EQ(o->seeds[2], std::make_pair(std::string("h3"), 6379));
  EXPECT_EQ(o->node.username, "u");
  EXPECT_EQ(o->node.password, "p@ss");
  EXPECT_EQ(o->node.command_timeout, absl::Milliseconds(250));
  EXPECT_EQ(o->node.pool_size, 2);
  EXPECT_TRUE(o->read_from_replica);
  EXPECT_EQ(o->wait_replicas, 1);
  EXPECT_EQ(o->wait_timeout, absl::Milliseconds(300));
  EXPECT_EQ(o->max_redirects, 3);
  EXPECT_EQ(o->max_retries, 4);
  EXPECT_EQ(o->refresh_interval, absl::ZeroDuration());
}

TEST(ParseRedisClusterUrl, MalformedUrlsNameTheProblem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"redis://h", "starts with redis+cluster://"},
      {"redis+cluster://", "no hosts"},
      {"redis+cluster://h1,,h2", "empty host"},
      {"redis+cluster://h1:0", "bad port '0'"},
      {"redis+cluster://h1/2", "only db 0"},
      {"redis+cluster://h1?read_from=any", "bad read_from 'any'"},
      {"redis+cluster://h1?wait_replicas=x", "bad wait_replicas 'x'"},
      {"redis+cluster://h1?bogus=1", "unknown parameter 'bogus'"},
  };
  for (const auto& [url, problem] : cases) {
    EXPECT_THAT(ParseRedisClusterUrl(url),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(problem)))
        << url;
  }
}

TEST(ParseRedisSentinelUrl, SentinelsMasterDbAndParameters) {
  auto o = ParseRedisSentinelUrl(
      "redis+sentinel://:pw@s1,s2:26380,[::1]/my%20master/3?sentinel_password=sp&"
      "sentinel_username=su&max_retries=2&timeout_ms=300");
  ASSERT_TRUE(o.ok()) << o.status();
  ASSERT_EQ(o->sentinels.size(), 3u);
  EXPECT_EQ(o->sentinels[0], std::make_pair(std::string("s1"), 26379));
  EXPECT_EQ(o->sentinels[1], std::make_pair(std::string("s2"), 26380));
  EXPECT_EQ(o->sentinels[2], std::make_pair(std::string("::1"), 26379));
  EXPECT_EQ(o->master_name, "my master");
  EXPECT_EQ(o->node.db, 3);
  EXPECT_EQ(o->node.password, "pw");
  EXPECT_EQ(o->node.command_timeout, absl::Milliseconds(300));
  EXPECT_EQ(o->sentinel_password, "sp");
  EXPECT_EQ(o->sentinel_username, "su");
  EXPECT_EQ(o->max_retries, 2);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"redis://h", "starts with redis+sentinel://"},
      {"redis+sentinel://s1", "no master name"},
      {"redis+sentinel://s1/", "no master name"},
      {"redis+sentinel:///m", "no hosts"},
      {"redis+sentinel://s1/m/x", "bad db 'x'"},
      {"redis+sentinel://s1/m?max_retries=-1", "bad max_retries"},
      {"redis+sentinel://s1/m?nope=1", "unknown parameter 'nope'"},
  };
  for (const auto& [url, problem] : cases) {
    EXPECT_THAT(ParseRedisSentinelUrl(url),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(problem)))
        << url;
  }
}

}  // namespace
}  // namespace embedis
