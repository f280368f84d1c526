// One suite, seven backends: every assertion here must hold for MemoryStore, for RedisStore
// against a real redis-server (started on a free loopback port), for RedisStore over TLS
// (rediss://) against the same server's TLS port, and for RedisStore on a local Redis Cluster
// (redis+cluster://, 3 primaries + 3 replicas), and for RedisStore on a Sentinel-guarded primary
// (redis+sentinel://), and for both of those again serving TLS only (rediss+cluster://,
// rediss+sentinel:// with a sentinel password).
#include <chrono>
#include <condition_variable>
#include <limits>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/store/memory_store.h"
#include "lib/store/store.h"
#include "lib/util/clock.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_cluster.h"
#include "tests/testing/redis_sentinel.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/shared_topologies.h"
#include "tests/testing/tls_certs.h"

namespace embedis {
namespace {

using ::embedis::testing::IsOk;
using ::embedis::testing::IsOkAndHolds;
using ::embedis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

using Fields = std::vector<std::pair<std::string_view, std::string_view>>;
using Keys = std::vector<std::string_view>;

// Backend: the in-process keyspace on a ManualClock.
struct MemoryBackend {
  static constexpr const char* kName = "memory";
  absl::Status Init() {
    auto s = NewMemoryStore({.keyspace = {.shards = 8, .clock = &clock}});
    if (!s.ok()) return s.status();
    store = std::move(*s);
    return absl::OkStatus();
  }
  // Moves time forward: synchronous expiry on the manual clock.
  void Advance(absl::Duration d) { clock.Advance(d); }
  absl::Time Now() { return clock.Now(); }
  ManualClock clock;
  std::unique_ptr<Store> store;
};

// The suite's redis-server, with a TLS port beside its plain one (certificates made with the
// openssl command line), shared by the redis and rediss backends.
struct SharedRedis {
  testing::RedisServerProcess process;
  int tls_port = 0;
  absl::Status status;
  const testing::TestPki* pki = nullptr;

  static SharedRedis& Get() {
    static SharedRedis* shared = [] {
      auto* s = new SharedRedis();
      s->pki = &testing::SharedTestPki();
      s->status = absl::UnavailableError("redis-server with TLS did not start");
      for (int attempt = 0; attempt < 3 && !s->status.ok(); ++attempt) {
        s->tls_port = testing::FreeLoopbackPort();
        s->status =
            s->process.Start({"--tls-port", std::to_string(s->tls_port), "--tls-cert-file",
                              s->pki->server_crt, "--tls-key-file", s->pki->server_key,
                              "--tls-ca-cert-file", s->pki->ca_crt, "--tls-auth-clients", "no"});
      }
      return s;
    }();
    return *shared;
  }
};

// Backend: a real redis-server, shared by the suite, flushed before each test.
struct RedisBackend {
  static constexpr const char* kName = "redis";
  static std::string Url(SharedRedis& redis) {
    return "redis://127.0.0.1:" + std::to_string(redis.process.port()) + "/0";
  }
  absl::Status Init() { return InitWith(Url); }
  absl::Status InitWith(std::string (*url)(SharedRedis&)) {
    SharedRedis& redis = SharedRedis::Get();
    if (!redis.status.ok()) return redis.status;
    auto s = OpenStore(url(redis));
    if (!s.ok()) return s.status();
    store = std::move(*s);
    return store->FlushDb();
  }
  // Real time: sleep, with the margin added by callers.
  void Advance(absl::Duration d) { absl::SleepFor(d); }
  absl::Time Now() { return absl::Now(); }
  std::unique_ptr<Store> store;
};

// Backend: the same redis-server over TLS (rediss://, verifying its certificate).
struct RedissBackend : RedisBackend {
  static constexpr const char* kName = "rediss";
  static std::string Url(SharedRedis& redis) {
    return "rediss://127.0.0.1:" + std::to_string(redis.tls_port) +
           "/0?ca_file=" + redis.pki->ca_crt;
  }
  absl::Status Init() { return InitWith(Url); }
};

// Backends on a setup shared by the test binary (started on first use), flushed before each
// test; time is real. `Setup` names the backend and gives the store's URL.
template <typename Setup>
struct SharedSetupBackend {
  static constexpr const char* kName = Setup::kName;
  absl::Status Init() {
    absl::StatusOr<std::string> url = Setup::Url();
    if (!url.ok()) return url.status();
    auto s = OpenStore(*url);
    if (!s.ok()) return s.status();
    store = std::move(*s);
    return store->FlushDb();
  }
  void Advance(absl::Duration d) { absl::SleepFor(d); }
  absl::Time Now() { return absl::Now(); }
  std::unique_ptr<Store> store;
};

using ClusterBackend = SharedSetupBackend<testing::SharedClusterSetup>;
using SentinelBackend = SharedSetupBackend<testing::SharedSentinelSetup>;

// The same over TLS only: a cluster with `--port 0 --tls-cluster yes --tls-replication yes`
// (rediss+cluster://), and a Sentinel setup whose servers and sentinels serve TLS only and whose
// sentinels want a password (rediss+sentinel://?sentinel_password=...). Certificates of the
// binary's test PKI; the client presents its client certificate.
testing::RedisTlsFiles SharedTlsFiles() {
  const testing::TestPki& pki = testing::SharedTestPki();
  return {.ca_file = pki.ca_crt,
          .cert_file = pki.server_crt,
          .key_file = pki.server_key,
          .client_cert_file = pki.client_crt,
          .client_key_file = pki.client_key};
}
std::string ClientTlsParams() {
  const testing::TestPki& pki = testing::SharedTestPki();
  return absl::StrCat("ca_file=", pki.ca_crt, "&cert_file=", pki.client_crt,
                      "&key_file=", pki.client_key);
}
struct TlsClusterSetup {
  static constexpr const char* kName = "tls_cluster";
  static absl::StatusOr<std::string> Url() {
    static auto* shared = new std::pair<testing::RedisClusterProcess, absl::Status>();
    static const bool started = [] {
      shared->second = shared->first.Start({.tls = SharedTlsFiles()});
      std::atexit([] { delete shared; });
      return true;
    }();
    (void)started;
    if (!shared->second.ok()) return shared->second;
    return shared->first.Url(absl::StrCat("/?timeout_ms=5000&", ClientTlsParams()));
  }
};
using TlsClusterBackend = SharedSetupBackend<TlsClusterSetup>;
struct TlsSentinelSetup {
  static constexpr const char* kName = "tls_sentinel";
  static absl::StatusOr<std::string> Url() {
    static auto* shared = new std::pair<testing::RedisSentinelProcess, absl::Status>();
    static const bool started = [] {
      shared->second =
          shared->first.Start({.tls = SharedTlsFiles(), .sentinel_password = "sentinel-secret"});
      std::atexit([] { delete shared; });
      return true;
    }();
    (void)started;
    if (!shared->second.ok()) return shared->second;
    return shared->first.Url(
        absl::StrCat("?timeout_ms=5000&sentinel_password=sentinel-secret&", ClientTlsParams()));
  }
};
using TlsSentinelBackend = SharedSetupBackend<TlsSentinelSetup>;

template <typename Backend>
class StoreConformance : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(backend_.Init()); }
  Store& store() { return *backend_.store; }
  Backend backend_;
};

TYPED_TEST_SUITE_P(StoreConformance);

TYPED_TEST_P(StoreConformance, GetSetBasics) {
  Store& s = this->store();
  EXPECT_THAT(s.Get("k"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.Set("k", "v"), IsOkAndHolds(true));
  EXPECT_THAT(s.Get("k"), IsOkAndHolds(Optional(std::string("v"))));
  EXPECT_THAT(s.Set("k", ""), IsOkAndHolds(true));
  EXPECT_THAT(s.Get("k"), IsOkAndHolds(Optional(std::string(""))));
}

TYPED_TEST_P(StoreConformance, SetConditions) {
  Store& s = this->store();
  using C = StoreSetOptions::Condition;
  EXPECT_THAT(s.Set("k", "1", {.condition = C::kIfExists}), IsOkAndHolds(false));
  EXPECT_THAT(s.Set("k", "1", {.condition = C::kIfMissing}), IsOkAndHolds(true));
  EXPECT_THAT(s.Set("k", "2", {.condition = C::kIfMissing}), IsOkAndHolds(false));
  EXPECT_THAT(s.Set("k", "3", {.condition = C::kIfExists}), IsOkAndHolds(true));
  EXPECT_THAT(s.Get("k"), IsOkAndHolds(Optional(std::string("3"))));
  EXPECT_THAT(s.SetGet("k", "4"), IsOkAndHolds(Optional(std::string("3"))));
  EXPECT_THAT(s.SetGet("new", "x"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.SetGet("k", "5", {.condition = C::kIfMissing}),
              IsOkAndHolds(Optional(std::string("4"))));
  EXPECT_THAT(s.Get("k"), IsOkAndHolds(Optional(std::string("4"))));
}

TYPED_TEST_P(StoreConformance, TtlRules) {
  Store& s = this->store();
  EXPECT_THAT(s.Ttl("missing"), IsOkAndHolds(-2));
  EXPECT_THAT(s.PTtl("missing"), IsOkAndHolds(absl::Milliseconds(-2)));
  ASSERT_OK(s.Set("k", "v"));
  EXPECT_THAT(s.Ttl("k"), IsOkAndHolds(-1));
  EXPECT_THAT(s.PTtl("k"), IsOkAndHolds(absl::Milliseconds(-1)));
  ASSERT_OK(s.Set("k", "v", {.ttl = absl::Seconds(100)}));
  EXPECT_THAT(s.Ttl("k"), IsOkAndHolds(100));
  auto pttl = s.PTtl("k");
  ASSERT_OK(pttl);
  EXPECT_GT(*pttl, absl::Seconds(99));
  EXPECT_LE(*pttl, absl::Seconds(100));
  // KEEPTTL keeps it, a plain SET clears it.
  ASSERT_OK(s.Set("k", "v2", {.keep_ttl = true}));
  EXPECT_THAT(s.Ttl("k"), IsOkAndHolds(100));
  ASSERT_OK(s.Set("k", "v3"));
  EXPECT_THAT(s.Ttl("k"), IsOkAndHolds(-1));
  // Zero and negative TTLs are Redis's error; nothing is written.
  EXPECT_THAT(
      s.Set("z", "v", {.ttl = absl::ZeroDuration()}),
      StatusIs(absl::StatusCode::kInvalidArgument, "ERR invalid expire time in 'set' command"));
  EXPECT_THAT(s.Set("z", "v", {.ttl = absl::Seconds(-5)}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s.Get("z"), IsOkAndHolds(std::nullopt));
  // A positive TTL under a millisecond is one millisecond on both.
  EXPECT_THAT(s.Set("tiny", "v", {.ttl = absl::Microseconds(10)}), IsOkAndHolds(true));
  // Conflicting options are Redis's syntax error.
  EXPECT_THAT(s.Set("z", "v", {.ttl = absl::Seconds(1), .keep_ttl = true}),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR syntax error"));
  // Empty key lists are Redis's arity errors.
  EXPECT_THAT(s.Del(Keys{}), StatusIs(absl::StatusCode::kInvalidArgument,
                                      "ERR wrong number of arguments for 'del' command"));
  EXPECT_THAT(s.MGet(Keys{}), StatusIs(absl::StatusCode::kInvalidArgument));
  // An absolute deadline in the past stores nothing and removes the old value.
  ASSERT_OK(s.Set("p", "old"));
  EXPECT_THAT(s.Set("p", "new", {.expire_at = absl::FromUnixSeconds(1)}), IsOkAndHolds(true));
  EXPECT_THAT(s.Get("p"), IsOkAndHolds(std::nullopt));
}

TYPED_TEST_P(StoreConformance, ExpireFamilyWithConditions) {
  Store& s = this->store();
  EXPECT_THAT(s.Expire("missing", absl::Seconds(10)), IsOkAndHolds(false));
  ASSERT_OK(s.Set("k", "v"));
  EXPECT_THAT(s.Expire("k", absl::Seconds(100), {.xx = true}), IsOkAndHolds(false));
  EXPECT_THAT(s.Expire("k", absl::Seconds(100), {.gt = true}), IsOkAndHolds(false));
  EXPECT_THAT(s.Expire("k", absl::Seconds(100), {.lt = true}), IsOkAndHolds(true));
  EXPECT_THAT(s.Expire("k", absl::Seconds(200), {.nx = true}), IsOkAndHolds(false));
  EXPECT_THAT(s.Expire("k", absl::Seconds(200), {.xx = true, .gt = true}), IsOkAndHolds(true));
  EXPECT_THAT(s.Ttl("k"), IsOkAndHolds(200));
  EXPECT_THAT(s.Expire("k", absl::Seconds(300), {.lt = true}), IsOkAndHolds(false));
  EXPECT_THAT(s.Expire("k", absl::Seconds(50), {.xx = true, .lt = true}), IsOkAndHolds(true));
  EXPECT_THAT(s.Ttl("k"), IsOkAndHolds(50));
  EXPECT_THAT(s.Expire("k", absl::Seconds(1), {.nx = true, .xx = true}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "ERR NX and XX, GT or LT options at the same time are not compatible"));
  EXPECT_THAT(s.Expire("k", absl::Seconds(1), {.gt = true, .lt = true}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "ERR GT and LT options at the same time are not compatible"));
  EXPECT_THAT(s.Persist("k"), IsOkAndHolds(true));
  EXPECT_THAT(s.Persist("k"), IsOkAndHolds(false));
  EXPECT_THAT(s.Ttl("k"), IsOkAndHolds(-1));
  // Zero, negative and past deadlines delete the key.
  EXPECT_THAT(s.Expire("k", absl::ZeroDuration()), IsOkAndHolds(true));
  EXPECT_THAT(s.Get("k"), IsOkAndHolds(std::nullopt));
  ASSERT_OK(s.Set("k", "v"));
  EXPECT_THAT(s.Expire("k", absl::Seconds(-1)), IsOkAndHolds(true));
  EXPECT_THAT(s.Exists(Keys{"k"}), IsOkAndHolds(0));
  ASSERT_OK(s.Set("k", "v"));
  EXPECT_THAT(s.ExpireAt("k", absl::FromUnixSeconds(1000)), IsOkAndHolds(true));
  EXPECT_THAT(s.Exists(Keys{"k"}), IsOkAndHolds(0));
  ASSERT_OK(s.Set("k", "v"));
  EXPECT_THAT(s.ExpireAt("k", this->backend_.Now() + absl::Hours(1)), IsOkAndHolds(true));
  EXPECT_THAT(s.Ttl("k"), IsOkAndHolds(3600));
}

TYPED_TEST_P(StoreConformance, KeysExpireAfterTheirTtl) {
  Store& s = this->store();
  ASSERT_OK(s.Set("short", "v", {.ttl = absl::Milliseconds(200)}));
  ASSERT_OK(s.Set("long", "v", {.ttl = absl::Seconds(100)}));
  ASSERT_OK(s.HSet("h", Fields{{"f", "v"}}));
  ASSERT_THAT(s.Expire("h", absl::Milliseconds(200)), IsOkAndHolds(true));
  this->backend_.Advance(absl::Milliseconds(700));  // generous margin for the real server
  EXPECT_THAT(s.Get("short"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.HGet("h", "f"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.Get("long"), IsOkAndHolds(Optional(std::string("v"))));
  EXPECT_THAT(s.DbSize(), IsOkAndHolds(1));
}

TYPED_TEST_P(StoreConformance, MultiKey) {
  Store& s = this->store();
  ASSERT_OK(s.MSet(Fields{{"a", "1"}, {"b", "2"}}));
  ASSERT_OK(s.HSet("h", Fields{{"f", "v"}}));
  EXPECT_THAT(s.MGet(Keys{"a", "missing", "b", "h"}),
              IsOkAndHolds(ElementsAre(Optional(std::string("1")), std::nullopt,
                                       Optional(std::string("2")), std::nullopt)));
  EXPECT_THAT(s.Exists(Keys{"a", "a", "b", "zz"}), IsOkAndHolds(3));
  EXPECT_THAT(s.Del(Keys{"a", "a", "zz"}), IsOkAndHolds(1));
  EXPECT_THAT(s.DbSize(), IsOkAndHolds(2));
  ASSERT_OK(s.FlushDb());
  EXPECT_THAT(s.DbSize(), IsOkAndHolds(0));
}

TYPED_TEST_P(StoreConformance, Counters) {
  Store& s = this->store();
  EXPECT_THAT(s.Incr("n"), IsOkAndHolds(1));
  EXPECT_THAT(s.IncrBy("n", 41), IsOkAndHolds(42));
  EXPECT_THAT(s.Decr("n"), IsOkAndHolds(41));
  EXPECT_THAT(s.IncrBy("n", -50), IsOkAndHolds(-9));
  ASSERT_OK(s.Set("max", "9223372036854775807"));
  EXPECT_THAT(s.Incr("max"), StatusIs(absl::StatusCode::kInvalidArgument,
                                      "ERR increment or decrement would overflow"));
  ASSERT_OK(s.Set("text", "abc"));
  EXPECT_THAT(s.Incr("text"), StatusIs(absl::StatusCode::kInvalidArgument,
                                       "ERR value is not an integer or out of range"));
  EXPECT_THAT(s.IncrByFloat("f", 1.5), IsOkAndHolds(1.5));
  EXPECT_THAT(s.IncrByFloat("f", 0.25), IsOkAndHolds(1.75));
  EXPECT_THAT(s.Get("f"), IsOkAndHolds(Optional(std::string("1.75"))));
  EXPECT_THAT(s.IncrByFloat("text", 1),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR value is not a valid float"));
  // The TTL survives INCR.
  ASSERT_OK(s.Set("c", "1", {.ttl = absl::Seconds(100)}));
  EXPECT_THAT(s.Incr("c"), IsOkAndHolds(2));
  EXPECT_THAT(s.Ttl("c"), IsOkAndHolds(100));
}

TYPED_TEST_P(StoreConformance, WrongType) {
  Store& s = this->store();
  ASSERT_OK(s.HSet("h", Fields{{"f", "v"}}));
  ASSERT_OK(s.Set("str", "v"));
  const std::string kText = "WRONGTYPE Operation against a key holding the wrong kind of value";
  const auto kCode = absl::StatusCode::kFailedPrecondition;
  EXPECT_THAT(s.Get("h"), StatusIs(kCode, kText));
  EXPECT_THAT(s.SetGet("h", "x"), StatusIs(kCode, kText));
  EXPECT_THAT(s.Incr("h"), StatusIs(kCode, kText));
  EXPECT_THAT(s.HGet("str", "f"), StatusIs(kCode, kText));
  EXPECT_THAT(s.HSet("str", Fields{{"f", "v"}}), StatusIs(kCode, kText));
  EXPECT_THAT(s.HGetAll("str"), StatusIs(kCode, kText));
  EXPECT_THAT(s.HLen("str"), StatusIs(kCode, kText));
  EXPECT_THAT(s.HIncrBy("str", "f", 1), StatusIs(kCode, kText));
  // A plain SET replaces any type.
  EXPECT_THAT(s.Set("h", "now a string"), IsOkAndHolds(true));
  EXPECT_THAT(s.Get("h"), IsOkAndHolds(Optional(std::string("now a string"))));
}

TYPED_TEST_P(StoreConformance, Hashes) {
  Store& s = this->store();
  EXPECT_THAT(s.HSet("h", Fields{{"b", "2"}, {"a", "1"}, {"c", "3"}}), IsOkAndHolds(3));
  EXPECT_THAT(s.HSet("h", Fields{{"a", "one"}, {"d", "4"}}), IsOkAndHolds(1));
  EXPECT_THAT(s.HGet("h", "a"), IsOkAndHolds(Optional(std::string("one"))));
  EXPECT_THAT(s.HGet("h", "zz"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.HGet("missing", "a"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.HMGet("h", Keys{"a", "zz", "d"}),
              IsOkAndHolds(ElementsAre(Optional(std::string("one")), std::nullopt,
                                       Optional(std::string("4")))));
  // Small hashes keep insertion order, as Redis's listpack does.
  EXPECT_THAT(s.HGetAll("h"), IsOkAndHolds(ElementsAre(Pair("b", "2"), Pair("a", "one"),
                                                       Pair("c", "3"), Pair("d", "4"))));
  EXPECT_THAT(s.HLen("h"), IsOkAndHolds(4));
  EXPECT_THAT(s.HExists("h", "c"), IsOkAndHolds(true));
  EXPECT_THAT(s.HExists("h", "zz"), IsOkAndHolds(false));
  EXPECT_THAT(s.HDel("h", Keys{"c", "zz", "c"}), IsOkAndHolds(1));
  EXPECT_THAT(s.HIncrBy("h", "n", 5), IsOkAndHolds(5));
  EXPECT_THAT(s.HIncrBy("h", "n", -7), IsOkAndHolds(-2));
  EXPECT_THAT(s.HIncrBy("h", "a", 1),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR hash value is not an integer"));
  EXPECT_THAT(s.HGetAll("missing"), IsOkAndHolds(::testing::IsEmpty()));
  // Deleting the last field deletes the key.
  EXPECT_THAT(s.HDel("h", Keys{"a", "b", "d", "n"}), IsOkAndHolds(4));
  EXPECT_THAT(s.Exists(Keys{"h"}), IsOkAndHolds(0));
}

TYPED_TEST_P(StoreConformance, ScanWithMatchCountType) {
  Store& s = this->store();
  std::set<std::string> sessions;
  for (int i = 0; i < 300; ++i) {
    std::string k = "sess:" + std::to_string(i);
    ASSERT_OK(s.Set(k, "v"));
    sessions.insert(k);
  }
  for (int i = 0; i < 50; ++i) ASSERT_OK(s.Set("other:" + std::to_string(i), "v"));
  ASSERT_OK(s.HSet("sess:hash", Fields{{"f", "v"}}));
  for (int64_t count : {1, 10, 1000}) {
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int calls = 0;
    do {
      auto page = s.Scan(cursor, {.match = "sess:*", .count = count, .type = "string"});
      ASSERT_OK(page);
      seen.insert(page->keys.begin(), page->keys.end());
      cursor = page->cursor;
      ASSERT_LT(++calls, 100000);
    } while (cursor != 0);
    EXPECT_EQ(seen, sessions) << "count " << count;
  }
  auto hashes = s.Scan(0, {.count = 1000, .type = "hash"});
  ASSERT_OK(hashes);
  std::vector<std::string> all_hashes = hashes->keys;
  for (uint64_t c = hashes->cursor; c != 0;) {
    auto p = s.Scan(c, {.count = 1000, .type = "hash"});
    ASSERT_OK(p);
    all_hashes.insert(all_hashes.end(), p->keys.begin(), p->keys.end());
    c = p->cursor;
  }
  EXPECT_THAT(all_hashes, ElementsAre("sess:hash"));
}

TYPED_TEST_P(StoreConformance, HScanReturnsAllFields) {
  Store& s = this->store();
  ASSERT_OK(s.HSet("small", Fields{{"a", "1"}, {"b", "2"}}));
  auto page = s.HScan("small", 0, {.count = 1});
  ASSERT_OK(page);
  EXPECT_EQ(page->cursor, 0u);  // small hashes come back whole, as Redis's listpack
  EXPECT_THAT(page->fields, ElementsAre(Pair("a", "1"), Pair("b", "2")));
  std::vector<std::pair<std::string, std::string>> big;
  for (int i = 0; i < 500; ++i) big.emplace_back("f" + std::to_string(i), std::to_string(i));
  std::vector<std::pair<std::string_view, std::string_view>> views(big.begin(), big.end());
  ASSERT_OK(s.HSet("big", views));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  do {
    auto p = s.HScan("big", cursor, {.match = "f1*", .count = 20});
    ASSERT_OK(p);
    for (auto& [f, v] : p->fields) seen.insert(f);
    cursor = p->cursor;
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 111u);  // f1, f10-f19, f100-f199
}

TYPED_TEST_P(StoreConformance, BigAndBinaryValues) {
  Store& s = this->store();
  std::string big(3 * 1024 * 1024 + 7, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 + 7);
  ASSERT_OK(s.Set("big", big));
  EXPECT_THAT(s.Get("big"), IsOkAndHolds(Optional(big)));
  std::string key("k\0e\r\ny", 6), value("\0\r\n\xff", 4);
  ASSERT_OK(s.Set(key, value));
  EXPECT_THAT(s.Get(key), IsOkAndHolds(Optional(value)));
  EXPECT_THAT(s.Get(std::string_view("k", 1)), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.HSet(key, Fields{{std::string_view("f\0", 2), value}}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(s.HSet("bh", Fields{{std::string_view("f\0", 2), value}}));
  EXPECT_THAT(s.HGet("bh", std::string_view("f\0", 2)), IsOkAndHolds(Optional(value)));
  EXPECT_THAT(s.HGet("bh", "f"), IsOkAndHolds(std::nullopt));
}

TYPED_TEST_P(StoreConformance, GenericCommandMatchesAcrossBackends) {
  Store& s = this->store();
  EXPECT_THAT(s.Command({"SET", "k", "v"}), IsOkAndHolds(resp::Value::SimpleString("OK")));
  EXPECT_THAT(s.Command({"GET", "k"}), IsOkAndHolds(resp::Value::BulkString("v")));
  EXPECT_THAT(s.Command({"GET", "missing"}), IsOkAndHolds(resp::Value::NullBulk()));
  EXPECT_THAT(s.Command({"APPEND", "k", "w"}), IsOkAndHolds(resp::Value::Integer(2)));
  EXPECT_THAT(
      s.Command({"MGET", "k", "missing"}),
      IsOkAndHolds(resp::Value::Array({resp::Value::BulkString("vw"), resp::Value::NullBulk()})));
  EXPECT_THAT(s.Command({"TYPE", "k"}), IsOkAndHolds(resp::Value::SimpleString("string")));
  EXPECT_THAT(s.Command({"GETRANGE", "k", "0", "0"}), IsOkAndHolds(resp::Value::BulkString("v")));
  EXPECT_THAT(s.Command({"NOSUCHCOMMAND", "a", "b"}),
              IsOkAndHolds(resp::Value::Error(
                  "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'a' 'b' ")));
  EXPECT_THAT(s.Command({"GET"}),
              IsOkAndHolds(resp::Value::Error("ERR wrong number of arguments for 'get' command")));
  EXPECT_THAT(s.Command({"SET", "k", "v", "EX", "0"}),
              IsOkAndHolds(resp::Value::Error("ERR invalid expire time in 'set' command")));
  EXPECT_THAT(s.Command({"HSET", "h", "f", "v"}), IsOkAndHolds(resp::Value::Integer(1)));
  EXPECT_THAT(s.Command({"HGETALL", "h"}),
              IsOkAndHolds(resp::Value::Array(
                  {resp::Value::BulkString("f"), resp::Value::BulkString("v")})));
  EXPECT_THAT(s.Command({"GET", "h"}),
              IsOkAndHolds(resp::Value::Error(
                  "WRONGTYPE Operation against a key holding the wrong kind of value")));
}

// ---- Lists ----

using Strings = std::vector<std::string>;
const char kWrongType[] = "WRONGTYPE Operation against a key holding the wrong kind of value";

TYPED_TEST_P(StoreConformance, ListPushPopAndRange) {
  Store& s = this->store();
  EXPECT_THAT(s.RPush("l", Keys{"a", "b"}), IsOkAndHolds(2));
  EXPECT_THAT(s.LPush("l", Keys{"y", "z"}), IsOkAndHolds(4));  // z pushed last: first
  EXPECT_THAT(s.LRange("l", 0, -1), IsOkAndHolds(ElementsAre("z", "y", "a", "b")));
  EXPECT_THAT(s.LRange("l", -3, -2), IsOkAndHolds(ElementsAre("y", "a")));
  EXPECT_THAT(s.LRange("l", 1, 100), IsOkAndHolds(ElementsAre("y", "a", "b")));
  EXPECT_THAT(s.LRange("l", -100, 0), IsOkAndHolds(ElementsAre("z")));
  EXPECT_THAT(s.LRange("l", 3, 1), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(s.LRange("missing", 0, -1), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(s.LLen("l"), IsOkAndHolds(4));
  EXPECT_THAT(s.LLen("missing"), IsOkAndHolds(0));
  EXPECT_THAT(s.LIndex("l", 0), IsOkAndHolds(Optional(std::string("z"))));
  EXPECT_THAT(s.LIndex("l", -1), IsOkAndHolds(Optional(std::string("b"))));
  EXPECT_THAT(s.LIndex("l", -4), IsOkAndHolds(Optional(std::string("z"))));
  EXPECT_THAT(s.LIndex("l", 4), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.LIndex("l", -5), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.LIndex("missing", 0), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.LPop("l"), IsOkAndHolds(Optional(std::string("z"))));
  EXPECT_THAT(s.RPop("l"), IsOkAndHolds(Optional(std::string("b"))));
  EXPECT_THAT(s.LPop("missing"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.RPop("missing"), IsOkAndHolds(std::nullopt));
  // Popping the last element deletes the key.
  EXPECT_THAT(s.LPop("l"), IsOkAndHolds(Optional(std::string("y"))));
  EXPECT_THAT(s.RPop("l"), IsOkAndHolds(Optional(std::string("a"))));
  EXPECT_THAT(s.Exists(Keys{"l"}), IsOkAndHolds(0));
  EXPECT_THAT(s.Command({"TYPE", "l"}), IsOkAndHolds(resp::Value::SimpleString("none")));
  // Binary elements survive.
  std::string binary("a\0\r\n\xff", 5);
  EXPECT_THAT(s.RPush("bin", Keys{binary, ""}), IsOkAndHolds(2));
  EXPECT_THAT(s.LRange("bin", 0, -1), IsOkAndHolds(ElementsAre(binary, "")));
  EXPECT_THAT(s.Command({"TYPE", "bin"}), IsOkAndHolds(resp::Value::SimpleString("list")));
}

TYPED_TEST_P(StoreConformance, ListPopWithCount) {
  Store& s = this->store();
  ASSERT_OK(s.RPush("l", Keys{"1", "2", "3", "4", "5"}));
  EXPECT_THAT(s.LPop("l", 2), IsOkAndHolds(ElementsAre("1", "2")));
  EXPECT_THAT(s.RPop("l", 2), IsOkAndHolds(ElementsAre("5", "4")));  // in the order popped
  EXPECT_THAT(s.LPop("l", 0), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(s.LLen("l"), IsOkAndHolds(1));
  EXPECT_THAT(s.LPop("l", -1), StatusIs(absl::StatusCode::kInvalidArgument,
                                        "ERR value is out of range, must be positive"));
  EXPECT_THAT(s.RPop("l", 10), IsOkAndHolds(ElementsAre("3")));  // more than there are: all
  EXPECT_THAT(s.Exists(Keys{"l"}), IsOkAndHolds(0));
  EXPECT_THAT(s.LPop("l", 3), IsOkAndHolds(::testing::IsEmpty()));  // missing
  EXPECT_THAT(s.RPop("missing", 0), IsOkAndHolds(::testing::IsEmpty()));
}

TYPED_TEST_P(StoreConformance, ListPushXOnlyOntoExistingLists) {
  Store& s = this->store();
  EXPECT_THAT(s.LPushX("l", Keys{"a"}), IsOkAndHolds(0));
  EXPECT_THAT(s.RPushX("l", Keys{"a", "b"}), IsOkAndHolds(0));
  EXPECT_THAT(s.Exists(Keys{"l"}), IsOkAndHolds(0));
  ASSERT_OK(s.RPush("l", Keys{"m"}));
  EXPECT_THAT(s.LPushX("l", Keys{"b", "a"}), IsOkAndHolds(3));
  EXPECT_THAT(s.RPushX("l", Keys{"y", "z"}), IsOkAndHolds(5));
  EXPECT_THAT(s.LRange("l", 0, -1), IsOkAndHolds(ElementsAre("a", "b", "m", "y", "z")));
  EXPECT_THAT(s.LPush("l", Keys{}), StatusIs(absl::StatusCode::kInvalidArgument,
                                             "ERR wrong number of arguments for 'lpush' command"));
  EXPECT_THAT(s.RPushX("l", Keys{}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST_P(StoreConformance, ListSetRemTrim) {
  Store& s = this->store();
  EXPECT_THAT(s.LSet("missing", 0, "x"), StatusIs(absl::StatusCode::kNotFound, "ERR no such key"));
  ASSERT_OK(s.RPush("l", Keys{"a", "x", "b", "x", "c", "x"}));
  EXPECT_OK(s.LSet("l", 0, "A"));
  EXPECT_OK(s.LSet("l", -1, "X"));
  EXPECT_THAT(s.LSet("l", 6, "?"),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR index out of range"));
  EXPECT_THAT(s.LSet("l", -7, "?"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s.LRange("l", 0, -1), IsOkAndHolds(ElementsAre("A", "x", "b", "x", "c", "X")));
  ASSERT_OK(s.RPush("l", Keys{"x", "x"}));             // A x b x c X x x
  EXPECT_THAT(s.LRem("l", 1, "x"), IsOkAndHolds(1));   // the first from the head
  EXPECT_THAT(s.LRem("l", -2, "x"), IsOkAndHolds(2));  // the last two
  EXPECT_THAT(s.LRange("l", 0, -1), IsOkAndHolds(ElementsAre("A", "b", "x", "c", "X")));
  EXPECT_THAT(s.LRem("l", 0, "x"), IsOkAndHolds(1));  // all
  EXPECT_THAT(s.LRem("l", 0, "nope"), IsOkAndHolds(0));
  EXPECT_THAT(s.LRem("missing", 0, "x"), IsOkAndHolds(0));
  EXPECT_OK(s.LTrim("l", 1, -2));  // A b c X -> b c
  EXPECT_THAT(s.LRange("l", 0, -1), IsOkAndHolds(ElementsAre("b", "c")));
  EXPECT_OK(s.LTrim("l", -100, 100));  // keeps all
  EXPECT_THAT(s.LLen("l"), IsOkAndHolds(2));
  EXPECT_OK(s.LTrim("missing", 0, 1));
  // An empty range deletes the key; so does LRem of every element.
  EXPECT_OK(s.LTrim("l", 5, 10));
  EXPECT_THAT(s.Exists(Keys{"l"}), IsOkAndHolds(0));
  ASSERT_OK(s.RPush("r", Keys{"x", "x"}));
  EXPECT_THAT(s.LRem("r", -5, "x"), IsOkAndHolds(2));
  EXPECT_THAT(s.Exists(Keys{"r"}), IsOkAndHolds(0));
}

TYPED_TEST_P(StoreConformance, ListMove) {
  Store& s = this->store();
  using E = ListEnd;
  EXPECT_THAT(s.LMove("missing", "d", E::kLeft, E::kRight), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.Exists(Keys{"d"}), IsOkAndHolds(0));
  ASSERT_OK(s.RPush("src", Keys{"1", "2", "3"}));
  EXPECT_THAT(s.LMove("src", "d", E::kLeft, E::kRight), IsOkAndHolds(Optional(std::string("1"))));
  EXPECT_THAT(s.LMove("src", "d", E::kRight, E::kLeft), IsOkAndHolds(Optional(std::string("3"))));
  EXPECT_THAT(s.LRange("d", 0, -1), IsOkAndHolds(ElementsAre("3", "1")));
  // The same list: a rotation.
  EXPECT_THAT(s.LMove("d", "d", E::kLeft, E::kRight), IsOkAndHolds(Optional(std::string("3"))));
  EXPECT_THAT(s.LRange("d", 0, -1), IsOkAndHolds(ElementsAre("1", "3")));
  // A destination of another type: WRONGTYPE, and the source keeps its element.
  ASSERT_OK(s.Set("str", "v"));
  EXPECT_THAT(s.LMove("src", "str", E::kLeft, E::kLeft),
              StatusIs(absl::StatusCode::kFailedPrecondition, kWrongType));
  EXPECT_THAT(s.LRange("src", 0, -1), IsOkAndHolds(ElementsAre("2")));
  // Moving the last element deletes the source.
  EXPECT_THAT(s.LMove("src", "d", E::kLeft, E::kLeft), IsOkAndHolds(Optional(std::string("2"))));
  EXPECT_THAT(s.Exists(Keys{"src"}), IsOkAndHolds(0));
  EXPECT_THAT(s.LRange("d", 0, -1), IsOkAndHolds(ElementsAre("2", "1", "3")));
}

TYPED_TEST_P(StoreConformance, ListWrongType) {
  Store& s = this->store();
  ASSERT_OK(s.Set("str", "v"));
  ASSERT_OK(s.RPush("l", Keys{"a"}));
  const auto kCode = absl::StatusCode::kFailedPrecondition;
  EXPECT_THAT(s.LPush("str", Keys{"a"}), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.RPush("str", Keys{"a"}), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LPushX("str", Keys{"a"}), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.RPushX("str", Keys{"a"}), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LPop("str"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.RPop("str"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LPop("str", 2), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.RPop("str", 2), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LRange("str", 0, -1), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LLen("str"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LIndex("str", 0), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LSet("str", 0, "x"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LRem("str", 0, "x"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LTrim("str", 0, 1), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LMove("str", "l", ListEnd::kLeft, ListEnd::kLeft), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.BLPop(Keys{"str"}, absl::Milliseconds(100)), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.BRPop(Keys{"missing", "str"}, absl::Milliseconds(100)),
              StatusIs(kCode, kWrongType));
  // The other way round: string and hash commands on a list.
  EXPECT_THAT(s.Get("l"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.HGet("l", "f"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.Incr("l"), StatusIs(kCode, kWrongType));
  // The string is untouched; a plain SET replaces the list.
  EXPECT_THAT(s.Get("str"), IsOkAndHolds(Optional(std::string("v"))));
  EXPECT_THAT(s.Set("l", "now a string"), IsOkAndHolds(true));
  EXPECT_THAT(s.LLen("l"), StatusIs(kCode, kWrongType));
}

TYPED_TEST_P(StoreConformance, BlockingPopServesAtOnceWhenAnElementIsThere) {
  Store& s = this->store();
  ASSERT_OK(s.RPush("b", Keys{"1", "2"}));
  ASSERT_OK(s.RPush("c", Keys{"x"}));
  // The first non-empty key in argument order.
  EXPECT_THAT(s.BLPop(Keys{"a", "b", "c"}, absl::Seconds(1)),
              IsOkAndHolds(Optional(Pair("b", "1"))));
  EXPECT_THAT(s.BRPop(Keys{"c", "b"}, absl::ZeroDuration()),
              IsOkAndHolds(Optional(Pair("c", "x"))));
  EXPECT_THAT(s.Exists(Keys{"c"}), IsOkAndHolds(0));  // emptied: deleted
  EXPECT_THAT(s.BRPop(Keys{"c", "b"}, absl::InfiniteDuration()),
              IsOkAndHolds(Optional(Pair("b", "2"))));
  EXPECT_THAT(s.BLPop(Keys{"b"}, absl::Seconds(-1)),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR timeout is negative"));
  EXPECT_THAT(s.BLPop(Keys{"b"}, absl::Microseconds(-10)),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR timeout is negative"));
  EXPECT_THAT(s.BLPop(Keys{}, absl::Seconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "ERR wrong number of arguments for 'blpop' command"));
}

TYPED_TEST_P(StoreConformance, BlockingPopTimesOut) {
  Store& s = this->store();
  for (auto timeout : {absl::Milliseconds(200), absl::Microseconds(150'500)}) {
    const absl::Time start = absl::Now();
    EXPECT_THAT(s.BLPop(Keys{"q1", "q2"}, timeout), IsOkAndHolds(std::nullopt));
    const absl::Duration took = absl::Now() - start;
    EXPECT_GE(took, timeout - absl::Milliseconds(20));
    EXPECT_LT(took, timeout + absl::Seconds(2));
  }
  const absl::Time start = absl::Now();
  EXPECT_THAT(s.BRPop(Keys{"q1"}, absl::Milliseconds(100)), IsOkAndHolds(std::nullopt));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(80));
  EXPECT_THAT(s.Exists(Keys{"q1", "q2"}), IsOkAndHolds(0));
  // The generic Command() blocks too, and times out with Redis's reply (a RESP2 null array).
  EXPECT_THAT(s.Command({"BLPOP", "q1", "0.1"}), IsOkAndHolds(resp::Value::NullArray()));
}

TYPED_TEST_P(StoreConformance, BlockingPopServedByAPushFromAnotherThread) {
  Store& s = this->store();
  const absl::Time start = absl::Now();
  std::thread pusher([&] {
    absl::SleepFor(absl::Milliseconds(150));
    EXPECT_THAT(s.RPush("q2", Keys{"first", "second"}), IsOkAndHolds(2));
  });
  EXPECT_THAT(s.BLPop(Keys{"q1", "q2"}, absl::Seconds(10)),
              IsOkAndHolds(Optional(Pair("q2", "first"))));
  const absl::Duration took = absl::Now() - start;
  pusher.join();
  EXPECT_GE(took, absl::Milliseconds(100));
  EXPECT_LT(took, absl::Seconds(5));
  EXPECT_THAT(s.LRange("q2", 0, -1), IsOkAndHolds(ElementsAre("second")));
  // BRPOP takes from the tail; LMOVE onto a waited key wakes the waiter too.
  ASSERT_OK(s.RPush("src", Keys{"moved"}));
  std::thread mover([&] {
    absl::SleepFor(absl::Milliseconds(150));
    EXPECT_THAT(s.LMove("src", "q3", ListEnd::kLeft, ListEnd::kLeft),
                IsOkAndHolds(Optional(std::string("moved"))));
  });
  EXPECT_THAT(s.BRPop(Keys{"q3"}, absl::Seconds(10)), IsOkAndHolds(Optional(Pair("q3", "moved"))));
  mover.join();
  // The generic Command() is served the same way.
  std::thread pusher2([&] {
    absl::SleepFor(absl::Milliseconds(150));
    EXPECT_THAT(s.LPush("q4", Keys{"v"}), IsOkAndHolds(1));
  });
  EXPECT_THAT(s.Command({"BRPOP", "q4", "10"}),
              IsOkAndHolds(resp::Value::Array(
                  {resp::Value::BulkString("q4"), resp::Value::BulkString("v")})));
  pusher2.join();
}

TYPED_TEST_P(StoreConformance, BlockingPopWithTimeoutZeroWaitsForAPush) {
  Store& s = this->store();
  const absl::Time start = absl::Now();
  std::thread pusher([&] {
    absl::SleepFor(absl::Milliseconds(300));
    EXPECT_THAT(s.LPush("q", Keys{"late"}), IsOkAndHolds(1));
  });
  EXPECT_THAT(s.BRPop(Keys{"q"}, absl::ZeroDuration()), IsOkAndHolds(Optional(Pair("q", "late"))));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  pusher.join();
  EXPECT_THAT(s.Exists(Keys{"q"}), IsOkAndHolds(0));
}

TYPED_TEST_P(StoreConformance, BlockedCallersAreServedFirstComeFirstServed) {
  Store& s = this->store();
  std::optional<std::pair<std::string, std::string>> first, second;
  std::thread a([&] {
    auto r = s.BLPop(Keys{"fifo"}, absl::Seconds(10));
    ASSERT_OK(r);
    first = *r;
  });
  absl::SleepFor(absl::Milliseconds(150));  // a blocks first
  std::thread b([&] {
    auto r = s.BLPop(Keys{"other", "fifo"}, absl::Seconds(10));
    ASSERT_OK(r);
    second = *r;
  });
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_THAT(s.RPush("fifo", Keys{"1", "2"}), IsOkAndHolds(2));
  a.join();
  b.join();
  EXPECT_THAT(first, Optional(Pair("fifo", "1")));
  EXPECT_THAT(second, Optional(Pair("fifo", "2")));
  EXPECT_THAT(s.Exists(Keys{"fifo"}), IsOkAndHolds(0));
}

// ---- Sets ----

TYPED_TEST_P(StoreConformance, Sets) {
  Store& s = this->store();
  EXPECT_THAT(s.SAdd("s", Keys{"3", "1", "2", "1"}), IsOkAndHolds(3));
  EXPECT_THAT(s.SMembers("s"), IsOkAndHolds(ElementsAre("1", "2", "3")));  // an intset: ascending
  EXPECT_THAT(s.SAdd("s", Keys{"b", "a"}), IsOkAndHolds(2));
  EXPECT_THAT(s.SMembers("s"),
              IsOkAndHolds(::testing::UnorderedElementsAre("1", "2", "3", "a", "b")));
  EXPECT_THAT(s.SCard("s"), IsOkAndHolds(5));
  EXPECT_THAT(s.SIsMember("s", "a"), IsOkAndHolds(true));
  EXPECT_THAT(s.SIsMember("s", "z"), IsOkAndHolds(false));
  EXPECT_THAT(s.SRem("s", Keys{"a", "z", "1"}), IsOkAndHolds(2));
  EXPECT_THAT(s.SCard("missing"), IsOkAndHolds(0));
  EXPECT_THAT(s.SMembers("missing"), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(s.SIsMember("missing", "a"), IsOkAndHolds(false));
  EXPECT_THAT(s.SRem("s", Keys{"2", "3", "b"}), IsOkAndHolds(3));
  EXPECT_THAT(s.Exists(Keys{"s"}), IsOkAndHolds(0));  // the emptied set is deleted
  ASSERT_OK(s.Set("str", "v"));
  const auto kCode = absl::StatusCode::kFailedPrecondition;
  EXPECT_THAT(s.SAdd("str", Keys{"a"}), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.SRem("str", Keys{"a"}), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.SMembers("str"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.SIsMember("str", "a"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.SCard("str"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.SAdd("s", Keys{}), StatusIs(absl::StatusCode::kInvalidArgument));
}

// ---- Sorted sets ----

using ScorePairs = std::vector<std::pair<double, std::string_view>>;
using Scored = std::vector<StoreScoredMember>;

TYPED_TEST_P(StoreConformance, SortedSets) {
  Store& s = this->store();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THAT(s.ZAdd("z", ScorePairs{{1.5, "a"}, {1.1, "b"}, {3, "c"}, {1.5, "a"}}),
              IsOkAndHolds(3));
  EXPECT_THAT(s.ZAdd("z", ScorePairs{{2, "a"}, {9, "new"}},
                     {.condition = StoreZAddOptions::Condition::kIfExists, .count_changed = true}),
              IsOkAndHolds(1));
  EXPECT_THAT(s.ZAdd("z", ScorePairs{{0, "c"}, {-inf, "d"}},
                     {.comparison = StoreZAddOptions::Comparison::kGreater}),
              IsOkAndHolds(1));
  EXPECT_THAT(s.ZAdd("z", ScorePairs{{1, "a"}},
                     {.condition = StoreZAddOptions::Condition::kIfMissing,
                      .comparison = StoreZAddOptions::Comparison::kLess}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "ERR GT, LT, and/or NX options at the same time are not compatible"));
  EXPECT_THAT(s.ZAdd("z", ScorePairs{}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s.ZScore("z", "b"), IsOkAndHolds(Optional(1.1)));
  EXPECT_THAT(s.ZScore("z", "d"), IsOkAndHolds(Optional(-inf)));
  EXPECT_THAT(s.ZScore("z", "zz"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.ZIncrBy("z", 0.5, "a"), IsOkAndHolds(2.5));
  EXPECT_THAT(s.ZIncrBy("z", inf, "d"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                 "ERR resulting score is not a number (NaN)"));
  EXPECT_THAT(s.ZCard("z"), IsOkAndHolds(4));
  // d -inf, b 1.1, a 2.5, c 3
  EXPECT_THAT(s.ZRank("z", "a"), IsOkAndHolds(Optional(2)));
  EXPECT_THAT(s.ZRank("z", "a", /*reverse=*/true), IsOkAndHolds(Optional(1)));
  EXPECT_THAT(s.ZRank("z", "zz"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.ZRange("z", "0", "-1"), IsOkAndHolds(ElementsAre("d", "b", "a", "c")));
  EXPECT_THAT(s.ZRange("z", "0", "1", {.reverse = true}), IsOkAndHolds(ElementsAre("c", "a")));
  EXPECT_THAT(s.ZRangeWithScores("z", "(1.1", "+inf", {.by = ZRangeBy::kScore}),
              IsOkAndHolds(ElementsAre(StoreScoredMember{"a", 2.5}, StoreScoredMember{"c", 3})));
  EXPECT_THAT(s.ZRangeWithScores("z", "-inf", "+inf",
                                 {.by = ZRangeBy::kScore, .reverse = true, .limit = {{1, 2}}}),
              IsOkAndHolds(ElementsAre(StoreScoredMember{"a", 2.5}, StoreScoredMember{"b", 1.1})));
  EXPECT_THAT(s.ZRange("z", "x", "1", {.by = ZRangeBy::kScore}),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR min or max is not a float"));
  ASSERT_THAT(s.ZAdd("lex", ScorePairs{{0, "a"}, {0, "b"}, {0, "c"}, {0, "d"}}), IsOkAndHolds(4));
  EXPECT_THAT(s.ZRange("lex", "[b", "+", {.by = ZRangeBy::kLex, .limit = {{0, 2}}}),
              IsOkAndHolds(ElementsAre("b", "c")));
  EXPECT_THAT(s.ZRange("lex", "-", "(c", {.by = ZRangeBy::kLex, .reverse = true}),
              IsOkAndHolds(ElementsAre("b", "a")));
  EXPECT_THAT(s.ZPopMin("z"), IsOkAndHolds(ElementsAre(StoreScoredMember{"d", -inf})));
  EXPECT_THAT(s.ZPopMax("z", 2),
              IsOkAndHolds(ElementsAre(StoreScoredMember{"c", 3}, StoreScoredMember{"a", 2.5})));
  EXPECT_THAT(s.ZPopMax("z", -1), StatusIs(absl::StatusCode::kInvalidArgument,
                                           "ERR value is out of range, must be positive"));
  EXPECT_THAT(s.ZPopMin("missing", 3), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(s.ZRem("z", Keys{"b", "zz"}), IsOkAndHolds(1));
  EXPECT_THAT(s.Exists(Keys{"z"}), IsOkAndHolds(0));  // the emptied sorted set is deleted
  ASSERT_OK(s.Set("str", "v"));
  const auto kCode = absl::StatusCode::kFailedPrecondition;
  EXPECT_THAT(s.ZAdd("str", ScorePairs{{1, "a"}}), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.ZScore("str", "a"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.ZRange("str", "0", "-1"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.ZPopMin("str"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.BZPopMin(Keys{"str"}, absl::Milliseconds(10)), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.Command({"TYPE", "lex"}), IsOkAndHolds(resp::Value::SimpleString("zset")));
}

TYPED_TEST_P(StoreConformance, BlockingZPopServesTimesOutAndWakes) {
  Store& s = this->store();
  ASSERT_THAT(s.ZAdd("z2", ScorePairs{{1, "a"}, {2, "b"}}), IsOkAndHolds(2));
  auto got = s.BZPopMax(Keys{"z1", "z2"}, absl::Seconds(1));
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->key, "z2");
  EXPECT_EQ((*got)->member, "b");
  EXPECT_EQ((*got)->score, 2);
  absl::Time start = absl::Now();
  EXPECT_THAT(s.BZPopMin(Keys{"z1"}, absl::Milliseconds(150)), IsOkAndHolds(std::nullopt));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(130));
  start = absl::Now();
  std::thread adder([&] {
    absl::SleepFor(absl::Milliseconds(150));
    EXPECT_THAT(s.ZAdd("z1", ScorePairs{{0.5, "x"}, {0.25, "y"}}), IsOkAndHolds(2));
  });
  got = s.BZPopMin(Keys{"z1"}, absl::Seconds(10));
  adder.join();
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->key, "z1");
  EXPECT_EQ((*got)->member, "y");
  EXPECT_EQ((*got)->score, 0.25);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(100));
  EXPECT_THAT(s.BZPopMin(Keys{"z1"}, -absl::Seconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR timeout is negative"));
}

// ---- Pub/Sub ----

// Collects a subscription's messages ("channel|message|pattern") for tests to wait on: redis://
// delivers on its own thread, memory:// on the publisher's.
class Inbox {
 public:
  Store::MessageCallback Callback() {
    return [this](std::string_view channel, std::string_view message, std::string_view pattern) {
      std::lock_guard<std::mutex> lock(mu_);
      messages_.push_back(std::string(channel) + "|" + std::string(message) + "|" +
                          std::string(pattern));
      cv_.notify_all();
    };
  }
  // The messages once there are at least `n` (or after 5 s).
  std::vector<std::string> WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(5), [&] { return messages_.size() >= n; });
    return messages_;
  }
  size_t Count() {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> messages_;
};

// PUBLISH's count (SPUBLISH's with `shard`), polled until it is `want` (an UNSUBSCRIBE reaches a
// server asynchronously).
template <typename Store>
int64_t PublishUntil(Store& s, const std::string& channel, int64_t want, bool shard = false) {
  int64_t got = -1;
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<int64_t> n = shard ? s.SPublish(channel, "probe") : s.Publish(channel, "probe");
    if (!n.ok()) return -1;
    got = *n;
    if (got == want) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return got;
}

TYPED_TEST_P(StoreConformance, PublishReachesChannelSubscribers) {
  Store& s = this->store();
  const std::string a = absl::StrCat(TypeParam::kName, ".chan.a");
  const std::string b = absl::StrCat(TypeParam::kName, ".chan.b");
  EXPECT_THAT(s.Publish(a, "nobody"), IsOkAndHolds(0));
  Inbox inbox;
  Store::SubscribeOptions options;
  options.channels = {a, b};
  options.on_message = inbox.Callback();
  absl::StatusOr<std::unique_ptr<Store::Subscription>> sub = s.Subscribe(options);
  ASSERT_OK(sub.status());
  EXPECT_OK((*sub)->status());
  EXPECT_THAT(s.Publish(a, "hello"), IsOkAndHolds(1));
  EXPECT_THAT(s.Publish(b, std::string("bin\0ary", 7)), IsOkAndHolds(1));
  EXPECT_THAT(inbox.WaitFor(2), ElementsAre(absl::StrCat(a, "|hello|"),
                                            absl::StrCat(b, "|", std::string("bin\0ary", 7), "|")));
  sub->reset();  // unsubscribes
  EXPECT_EQ(PublishUntil(s, a, 0), 0);
  EXPECT_EQ(inbox.Count(), 2u);  // nothing after the subscription was destroyed
}

TYPED_TEST_P(StoreConformance, PatternSubscribersMatchAndCount) {
  Store& s = this->store();
  const std::string prefix = absl::StrCat(TypeParam::kName, ".news.");
  Inbox by_pattern, by_channel;
  Store::SubscribeOptions p;
  p.patterns = {prefix + "*"};
  p.on_message = by_pattern.Callback();
  auto psub = s.Subscribe(p);
  ASSERT_OK(psub.status());
  Store::SubscribeOptions c;
  c.channels = {prefix + "x"};
  c.on_message = by_channel.Callback();
  auto csub = s.Subscribe(c);
  ASSERT_OK(csub.status());
  // One channel subscriber plus one matching pattern.
  EXPECT_THAT(s.Publish(prefix + "x", "1"), IsOkAndHolds(2));
  EXPECT_THAT(s.Publish(prefix + "y", "2"), IsOkAndHolds(1));
  EXPECT_THAT(s.Publish(absl::StrCat(TypeParam::kName, ".other"), "3"), IsOkAndHolds(0));
  EXPECT_THAT(by_pattern.WaitFor(2), ElementsAre(absl::StrCat(prefix, "x|1|", prefix, "*"),
                                                 absl::StrCat(prefix, "y|2|", prefix, "*")));
  EXPECT_THAT(by_channel.WaitFor(1), ElementsAre(absl::StrCat(prefix, "x|1|")));
  // A store counts once per channel and once per pattern, however many of its subscriptions
  // share them (Redis counts one connection; memory:// one hub subscriber per store).
  Inbox again;
  auto csub2 = s.Subscribe({.channels = {prefix + "x"}, .on_message = again.Callback()});
  ASSERT_OK(csub2.status());
  EXPECT_THAT(s.Publish(prefix + "x", "4"), IsOkAndHolds(2));
  EXPECT_THAT(again.WaitFor(1), ElementsAre(absl::StrCat(prefix, "x|4|")));
  EXPECT_THAT(by_channel.WaitFor(2),
              ElementsAre(absl::StrCat(prefix, "x|1|"), absl::StrCat(prefix, "x|4|")));
  csub2->reset();
  EXPECT_THAT(s.Publish(prefix + "x", "5"), IsOkAndHolds(2));  // csub still wants it
  psub->reset();
  EXPECT_EQ(PublishUntil(s, prefix + "x", 1), 1);
  csub->reset();
  EXPECT_EQ(PublishUntil(s, prefix + "x", 0), 0);
}

TYPED_TEST_P(StoreConformance, ShardChannelsAreANamespaceOfTheirOwn) {
  Store& s = this->store();
  // On a cluster these names are on several slots and nodes; the last has a hash tag.
  const std::string prefix = absl::StrCat(TypeParam::kName, ".shard.");
  const std::vector<std::string> names = {prefix + "a", prefix + "b", prefix + "c",
                                          prefix + "{user:1}.inbox"};
  EXPECT_THAT(s.SPublish(names[0], "nobody"), IsOkAndHolds(0));
  Inbox inbox, by_pattern;
  auto sub = s.Subscribe({.shard_channels = names, .on_message = inbox.Callback()});
  ASSERT_OK(sub.status());
  EXPECT_OK((*sub)->status());
  // A pattern never sees SPUBLISH, nor a shard subscriber PUBLISH.
  auto psub = s.Subscribe({.patterns = {prefix + "*"}, .on_message = by_pattern.Callback()});
  ASSERT_OK(psub.status());
  std::vector<std::string> want;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string message = absl::StrCat("m", i);
    EXPECT_THAT(s.SPublish(names[i], message), IsOkAndHolds(1)) << names[i];
    want.push_back(absl::StrCat(names[i], "|", message, "|"));
  }
  EXPECT_THAT(s.Publish(names[0], "plain"), IsOkAndHolds(1));  // the pattern only
  // (Unordered: on a cluster the channels live on several nodes, each read by its own thread.)
  EXPECT_THAT(inbox.WaitFor(want.size()), UnorderedElementsAreArray(want));
  EXPECT_THAT(by_pattern.WaitFor(1), ElementsAre(absl::StrCat(names[0], "|plain|", prefix, "*")));
  // Two subscriptions of one store to a shard channel: the store counts once.
  Inbox again;
  auto sub2 = s.Subscribe({.shard_channels = {names[3]}, .on_message = again.Callback()});
  ASSERT_OK(sub2.status());
  EXPECT_THAT(s.SPublish(names[3], "both"), IsOkAndHolds(1));
  EXPECT_THAT(again.WaitFor(1), ElementsAre(absl::StrCat(names[3], "|both|")));
  want.push_back(absl::StrCat(names[3], "|both|"));
  EXPECT_THAT(inbox.WaitFor(want.size()), UnorderedElementsAreArray(want));
  sub->reset();
  EXPECT_EQ(PublishUntil(s, names[0], 0, /*shard=*/true), 0);
  EXPECT_THAT(s.SPublish(names[3], "still"), IsOkAndHolds(1));  // sub2 keeps it
  EXPECT_THAT(again.WaitFor(2),
              ElementsAre(absl::StrCat(names[3], "|both|"), absl::StrCat(names[3], "|still|")));
  sub2->reset();
  EXPECT_EQ(PublishUntil(s, names[3], 0, /*shard=*/true), 0);
  EXPECT_EQ(inbox.Count(), want.size());
  EXPECT_EQ(by_pattern.Count(), 1u);
}

// Keyspace notifications of keys all over the keyspace (every node of a cluster: each publishes
// its own keys' events to its own subscribers) reach a channel and a pattern subscription.
TYPED_TEST_P(StoreConformance, KeyspaceEventsOfEveryKeyArrive) {
  Store& s = this->store();
  ASSERT_OK(s.EnableKeyspaceEvents("KE$"));
  const std::string prefix = absl::StrCat(TypeParam::kName, ".ev.");
  const std::string set_channel = absl::StrCat("__keyevent@", s.db(), "__:set");
  const std::string key_pattern = absl::StrCat("__keyspace@", s.db(), "__:", prefix, "*");
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::string> by_event, by_key;
  auto sub = s.Subscribe({.channels = {set_channel},
                          .patterns = {key_pattern},
                          .on_message = [&](std::string_view channel, std::string_view message,
                                            std::string_view pattern) {
                            std::lock_guard<std::mutex> lock(mu);
                            if (pattern.empty() && channel == set_channel &&
                                message.substr(0, prefix.size()) == prefix) {
                              by_event.insert(std::string(message));
                            } else if (pattern == key_pattern && message == "set") {
                              by_key.insert(std::string(channel.substr(channel.find(':') + 1)));
                            }
                            cv.notify_all();
                          }});
  ASSERT_OK(sub.status());
  std::set<std::string> keys;
  for (int i = 0; i < 24; ++i) {
    keys.insert(absl::StrCat(prefix, i));
    ASSERT_OK(s.Set(absl::StrCat(prefix, i), "v").status());
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait_for(lock, std::chrono::seconds(10),
              [&] { return by_event.size() >= keys.size() && by_key.size() >= keys.size(); });
  EXPECT_EQ(by_event, keys);
  EXPECT_EQ(by_key, keys);
}

TYPED_TEST_P(StoreConformance, SubscribeNeedsNamesAndACallback) {
  Store& s = this->store();
  Store::SubscribeOptions none;
  none.on_message = [](std::string_view, std::string_view, std::string_view) {};
  EXPECT_THAT(s.Subscribe(none), StatusIs(absl::StatusCode::kInvalidArgument));
  Store::SubscribeOptions no_callback;
  no_callback.channels = {"c"};
  EXPECT_THAT(s.Subscribe(no_callback), StatusIs(absl::StatusCode::kInvalidArgument));
}

REGISTER_TYPED_TEST_SUITE_P(StoreConformance, GetSetBasics, SetConditions, TtlRules,
                            ExpireFamilyWithConditions, KeysExpireAfterTheirTtl, MultiKey, Counters,
                            WrongType, Hashes, ScanWithMatchCountType, HScanReturnsAllFields,
                            BigAndBinaryValues, GenericCommandMatchesAcrossBackends,
                            ListPushPopAndRange, ListPopWithCount, ListPushXOnlyOntoExistingLists,
                            ListSetRemTrim, ListMove, ListWrongType,
                            BlockingPopServesAtOnceWhenAnElementIsThere, BlockingPopTimesOut,
                            BlockingPopServedByAPushFromAnotherThread,
                            BlockingPopWithTimeoutZeroWaitsForAPush,
                            BlockedCallersAreServedFirstComeFirstServed, Sets, SortedSets,
                            BlockingZPopServesTimesOutAndWakes, PublishReachesChannelSubscribers,
                            PatternSubscribersMatchAndCount, ShardChannelsAreANamespaceOfTheirOwn,
                            KeyspaceEventsOfEveryKeyArrive, SubscribeNeedsNamesAndACallback);

struct BackendNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};
using Backends = ::testing::Types<MemoryBackend, RedisBackend, RedissBackend, ClusterBackend,
                                  SentinelBackend, TlsClusterBackend, TlsSentinelBackend>;
INSTANTIATE_TYPED_TEST_SUITE_P(Backends, StoreConformance, Backends, BackendNames);

// ---- Scripts (Store::Eval) ----

// The same fixture, registered on its own.
template <typename Backend>
class StoreEvalConformance : public StoreConformance<Backend> {};
TYPED_TEST_SUITE_P(StoreEvalConformance);

// A fixed-window rate limiter: counts hits, the first one starts the window.
const StoreScript& RateLimiter() {
  static const StoreScript* const script = new StoreScript(
      "local n = redis.call('INCR', KEYS[1])\n"
      "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end\n"
      "return n\n");
  return *script;
}

// Releases a lock only for the holder of its token.
const StoreScript& LockRelease() {
  static const StoreScript* const script = new StoreScript(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
      "  return redis.call('DEL', KEYS[1])\n"
      "end\n"
      "return 0\n");
  return *script;
}

TYPED_TEST_P(StoreEvalConformance, EvalRateLimiter) {
  Store& s = this->store();
  for (int64_t i = 1; i <= 3; ++i) {
    EXPECT_THAT(s.Eval(RateLimiter(), {"rl:user"}, {"300"}), IsOkAndHolds(resp::Value::Integer(i)));
  }
  absl::StatusOr<absl::Duration> ttl = s.PTtl("rl:user");
  ASSERT_OK(ttl.status());
  EXPECT_GT(*ttl, absl::ZeroDuration());
  EXPECT_LE(*ttl, absl::Milliseconds(300));
  this->backend_.Advance(absl::Milliseconds(400));
  EXPECT_THAT(s.Get("rl:user"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.Eval(RateLimiter(), {"rl:user"}, {"300"}), IsOkAndHolds(resp::Value::Integer(1)));
}

TYPED_TEST_P(StoreEvalConformance, EvalLockReleaseOnlyByItsHolder) {
  Store& s = this->store();
  using C = StoreSetOptions::Condition;
  ASSERT_THAT(s.Set("lock", "token-a", {.condition = C::kIfMissing, .ttl = absl::Seconds(30)}),
              IsOkAndHolds(true));
  EXPECT_THAT(s.Eval(LockRelease(), {"lock"}, {"token-b"}), IsOkAndHolds(resp::Value::Integer(0)));
  EXPECT_THAT(s.Get("lock"), IsOkAndHolds(Optional(std::string("token-a"))));
  EXPECT_THAT(s.Eval(LockRelease(), {"lock"}, {"token-a"}), IsOkAndHolds(resp::Value::Integer(1)));
  EXPECT_THAT(s.Exists(Keys{"lock"}), IsOkAndHolds(0));
  EXPECT_THAT(s.Eval(LockRelease(), {"lock"}, {"token-a"}), IsOkAndHolds(resp::Value::Integer(0)));
}

TYPED_TEST_P(StoreEvalConformance, EvalMultiKeyScriptRepliesAndErrors) {
  Store& s = this->store();
  // Moves ARGV[1] from one counter to another, refusing to go below zero. (The keys share a
  // {hash tag}: a script's keys must be on one slot of a Redis Cluster.)
  const StoreScript transfer(
      "local have = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
      "local amount = tonumber(ARGV[1])\n"
      "if have < amount then return redis.error_reply('INSUFFICIENT funds') end\n"
      "redis.call('DECRBY', KEYS[1], amount)\n"
      "redis.call('INCRBY', KEYS[2], amount)\n"
      "redis.call('RPUSH', KEYS[3], ARGV[2])\n"
      "return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]), "
      "redis.call('LLEN', KEYS[3]), false}\n");
  ASSERT_THAT(s.Set("{acct}:a", "10"), IsOkAndHolds(true));
  EXPECT_THAT(
      s.Eval(transfer, {"{acct}:a", "{acct}:b", "{acct}:log"}, {"4", "a->b 4"}),
      IsOkAndHolds(resp::Value::Array({resp::Value::BulkString("6"), resp::Value::BulkString("4"),
                                       resp::Value::Integer(1), resp::Value::NullBulk()})));
  EXPECT_THAT(s.Eval(transfer, {"{acct}:a", "{acct}:b", "{acct}:log"}, {"7", "a->b 7"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("INSUFFICIENT funds")));
  EXPECT_THAT(s.Get("{acct}:a"), IsOkAndHolds(Optional(std::string("6"))));
  EXPECT_THAT(s.LRange("{acct}:log", 0, -1), IsOkAndHolds(ElementsAre("a->b 4")));

  // A failing redis.call is the command's error, with Redis's script suffix.
  const StoreScript incr("return redis.call('INCR', KEYS[1])");
  EXPECT_THAT(s.Eval(incr, {"{acct}:log"}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::StartsWith("WRONGTYPE Operation against a key holding the "
                                             "wrong kind of value script: " +
                                             incr.sha1())));
  // A script that does not compile.
  const StoreScript broken("return +");
  EXPECT_THAT(s.Eval(broken, {}), StatusIs(absl::StatusCode::kInvalidArgument,
                                           ::testing::StartsWith("ERR Error compiling script")));
  // Nothing but ARGV.
  const StoreScript echo("return ARGV[1] .. ARGV[2]");
  EXPECT_THAT(s.Eval(echo, {}, {"ab", "cd"}), IsOkAndHolds(resp::Value::BulkString("abcd")));
}

TYPED_TEST_P(StoreEvalConformance, EvalFallsBackToEvalAfterScriptFlush) {
  Store& s = this->store();
  const StoreScript script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  EXPECT_EQ(script.sha1(), "8cd00688c05c46bde4a2e60658ef20a2e5c0b248") << "SHA1 of the body";
  ASSERT_THAT(s.Command({"SCRIPT", "FLUSH"}), IsOkAndHolds(resp::Value::SimpleString("OK")));
  const resp::Value missing = resp::Value::Array({resp::Value::Integer(0)});
  const resp::Value cached = resp::Value::Array({resp::Value::Integer(1)});
  EXPECT_THAT(s.Command({"SCRIPT", "EXISTS", script.sha1()}), IsOkAndHolds(missing));
  const bool has_info = std::string_view(TypeParam::kName) != "memory";  // INFO: a server's
  if (has_info) ASSERT_OK(s.Command({"CONFIG", "RESETSTAT"}).status());
  // NOSCRIPT, then EVAL, which caches it; then EVALSHA alone.
  EXPECT_THAT(s.Eval(script, {"n"}, {"2"}), IsOkAndHolds(resp::Value::Integer(2)));
  EXPECT_THAT(s.Command({"SCRIPT", "EXISTS", script.sha1()}), IsOkAndHolds(cached));
  EXPECT_THAT(s.Eval(script, {"n"}, {"3"}), IsOkAndHolds(resp::Value::Integer(5)));
  if (has_info) {
    absl::StatusOr<resp::Value> info = s.Command({"INFO", "commandstats"});
    ASSERT_OK(info.status());
    EXPECT_THAT(info->str(), HasSubstr("cmdstat_evalsha:calls=2,"));
    EXPECT_THAT(info->str(), HasSubstr("cmdstat_eval:calls=1,"));
  }
  ASSERT_THAT(s.Command({"SCRIPT", "FLUSH"}), IsOkAndHolds(resp::Value::SimpleString("OK")));
  EXPECT_THAT(s.Eval(script, {"n"}, {"1"}), IsOkAndHolds(resp::Value::Integer(6)));
  EXPECT_THAT(s.Command({"SCRIPT", "EXISTS", script.sha1()}), IsOkAndHolds(cached));
  // A script loaded by SCRIPT LOAD runs through EVALSHA at once.
  const StoreScript loaded("return 'loaded'");
  EXPECT_THAT(s.Command({"SCRIPT", "LOAD", loaded.body()}),
              IsOkAndHolds(resp::Value::BulkString(loaded.sha1())));
  EXPECT_THAT(s.Eval(loaded, {}), IsOkAndHolds(resp::Value::BulkString("loaded")));
}

// Redis 7 Functions: a library with a rate limiter and a read-only getter, FCALL and FCALL_RO,
// and the errors applications meet (unknown function, FCALL_RO of a writing function, a library
// that exists already).
TYPED_TEST_P(StoreEvalConformance, FunctionsLoadAndCall) {
  Store& s = this->store();
  const std::string library =
      "#!lua name=conformance\n"
      "redis.register_function('cf_hit', function(keys, args)\n"
      "  local n = redis.call('INCR', keys[1])\n"
      "  if n == 1 then redis.call('PEXPIRE', keys[1], args[1]) end\n"
      "  return n\n"
      "end)\n"
      "redis.register_function{function_name='cf_get', callback=function(keys) return "
      "redis.call('GET', keys[1]) end, flags={'no-writes'}}\n";
  EXPECT_THAT(s.FunctionLoad(library, /*replace=*/true), IsOkAndHolds(std::string("conformance")));
  EXPECT_THAT(s.FunctionLoad(library), StatusIs(absl::StatusCode::kInvalidArgument,
                                                HasSubstr("Library 'conformance' already exists")));
  for (int64_t i = 1; i <= 3; ++i) {
    EXPECT_THAT(s.FCall("cf_hit", {"cf:rl"}, {"300"}), IsOkAndHolds(resp::Value::Integer(i)));
  }
  EXPECT_THAT(s.FCallRo("cf_get", {"cf:rl"}), IsOkAndHolds(resp::Value::BulkString("3")));
  EXPECT_THAT(s.FCall("CF_GET", {"cf:rl"}), IsOkAndHolds(resp::Value::BulkString("3")));
  this->backend_.Advance(absl::Milliseconds(400));
  EXPECT_THAT(s.FCallRo("cf_get", {"cf:rl"}), IsOkAndHolds(resp::Value::NullBulk()));
  EXPECT_THAT(s.FCallRo("cf_hit", {"cf:rl"}, {"300"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("Can not execute a script with write flag using *_ro command.")));
  EXPECT_THAT(s.FCall("cf_nosuch", {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Function not found")));
  ASSERT_THAT(s.Command({"FUNCTION", "DELETE", "conformance"}),
              IsOkAndHolds(resp::Value::SimpleString("OK")));
}

REGISTER_TYPED_TEST_SUITE_P(StoreEvalConformance, EvalRateLimiter, EvalLockReleaseOnlyByItsHolder,
                            EvalMultiKeyScriptRepliesAndErrors, EvalFallsBackToEvalAfterScriptFlush,
                            FunctionsLoadAndCall);
INSTANTIATE_TYPED_TEST_SUITE_P(Backends, StoreEvalConformance, Backends, BackendNames);

}  // namespace
}  // namespace embedis
