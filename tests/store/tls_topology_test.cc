// rediss+cluster:// and rediss+sentinel:// against real TLS topologies, with certificates made by
// the test (openssl):
//   - a 3-primary + 3-replica Redis Cluster serving TLS only (`--port 0 --tls-port ...
//     --tls-cluster yes --tls-replication yes`, created with `redis-cli --tls --cluster create`);
//   - a Sentinel setup serving TLS only, whose sentinels want a password (`requirepass`),
//     followed through a failover.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/client/sentinel.h"
#include "lib/store/redis_store.h"
#include "lib/store/store.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_cluster.h"
#include "tests/testing/redis_sentinel.h"
#include "tests/testing/tls_certs.h"

namespace embedis {
namespace {

using ::embedis::testing::IsOkAndHolds;
using ::embedis::testing::RedisTlsFiles;
using ::embedis::testing::StatusIs;
using ::testing::HasSubstr;

RedisTlsFiles Files(const testing::TestPki& pki) {
  return {.ca_file = pki.ca_crt,
          .cert_file = pki.server_crt,
          .key_file = pki.server_key,
          .client_cert_file = pki.client_crt,
          .client_key_file = pki.client_key};
}

// The URL parameters of the client's TLS (the test CA, the client certificate).
std::string TlsParams(const testing::TestPki& pki) {
  return absl::StrCat("ca_file=", pki.ca_crt, "&cert_file=", pki.client_crt,
                      "&key_file=", pki.client_key);
}

TEST(TlsCluster, RedissClusterUrlOnATlsOnlyCluster) {
  absl::StatusOr<testing::TestPki> pki = testing::MakeTestPki();
  ASSERT_OK(pki);
  testing::RedisClusterProcess cluster;
  ASSERT_OK(cluster.Start({.tls = Files(*pki)}));
  // TLS only: no plain port, the bus and the replication over TLS.
  EXPECT_THAT(cluster.Call(0, {"CONFIG", "GET", "port"}), HasSubstr("$1\r\n0\r\n"));
  EXPECT_THAT(cluster.Call(0, {"CONFIG", "GET", "tls-cluster"}), HasSubstr("yes"));

  const std::string url = cluster.Url(absl::StrCat("/?timeout_ms=2000&", TlsParams(*pki)));
  ASSERT_EQ(url.rfind("rediss+cluster://", 0), 0u);
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(url);
  ASSERT_OK(store);
  Store& s = **store;
  // Keys on every primary.
  std::vector<std::string> keys;
  for (int i = 0; i < 30; ++i) keys.push_back(absl::StrCat("tls-key-", i));
  for (const std::string& k : keys) ASSERT_THAT(s.Set(k, "v-" + k), IsOkAndHolds(true)) << k;
  std::vector<std::string_view> views(keys.begin(), keys.end());
  absl::StatusOr<std::vector<std::optional<std::string>>> got = s.MGet(views);
  ASSERT_OK(got);
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ((*got)[i], "v-" + keys[i]);
  EXPECT_THAT(s.DbSize(), IsOkAndHolds(30));
  // SCAN walks every primary over TLS.
  uint64_t cursor = 0;
  size_t seen = 0;
  do {
    absl::StatusOr<StoreScanPage> page = s.Scan(cursor, {.match = "tls-key-*", .count = 100});
    ASSERT_OK(page);
    seen += page->keys.size();
    cursor = page->cursor;
  } while (cursor != 0);
  EXPECT_EQ(seen, 30u);

  // The same nodes refuse a client that does not trust their CA, or speaks plain TCP.
  EXPECT_THAT(OpenStore(cluster.Url(absl::StrCat(
                            "/?connect_timeout_ms=1000&ca_file=", pki->other_ca_crt,
                            "&cert_file=", pki->client_crt, "&key_file=", pki->client_key)))
                  .status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("certificate verify failed")));
  std::string plain = cluster.Url("/?connect_timeout_ms=1000&timeout_ms=1000");
  plain.erase(5, 1);  // rediss+cluster:// -> redis+cluster://
  ASSERT_EQ(plain.rfind("redis+cluster://", 0), 0u);
  EXPECT_FALSE(OpenStore(plain).ok());
  // TLS parameters need the TLS scheme.
  EXPECT_THAT(OpenStore(absl::StrCat(plain, "&ca_file=", pki->ca_crt)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ca_file")));
}

TEST(TlsSentinel, RedissSentinelUrlWithSentinelPasswordFollowsAFailover) {
  absl::StatusOr<testing::TestPki> pki = testing::MakeTestPki();
  ASSERT_OK(pki);
  testing::RedisSentinelProcess setup;
  ASSERT_OK(setup.Start({.tls = Files(*pki), .sentinel_password = "s3cret pass"}));
  const std::string params =
      absl::StrCat("?timeout_ms=1000&connect_timeout_ms=500&", TlsParams(*pki));

  // Without the sentinels' password, or with a wrong one: refused, naming why.
  EXPECT_THAT(OpenStore(setup.Url(params)).status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("NOAUTH")));
  EXPECT_THAT(OpenStore(setup.Url(absl::StrCat(params, "&sentinel_password=wrong"))).status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("WRONGPASS")));

  const std::string url = setup.Url(absl::StrCat(params, "&sentinel_password=s3cret%20pass"));
  ASSERT_EQ(url.rfind("rediss+sentinel://", 0), 0u);
  absl::StatusOr<SentinelOptions> options = ParseRedisSentinelUrl(url);
  ASSERT_OK(options);
  EXPECT_EQ(options->sentinel_password, "s3cret pass");
  EXPECT_TRUE(options->node.tls.enabled);
  absl::StatusOr<std::unique_ptr<SentinelClient>> client = SentinelClient::Connect(*options);
  ASSERT_OK(client);
  EXPECT_EQ((*client)->primary_address(), absl::StrCat("127.0.0.1:", setup.primary_port()));
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(url);
  ASSERT_OK(store);
  ASSERT_THAT((*store)->Set("k", "before"), IsOkAndHolds(true));
  ASSERT_OK((*store)->Command({"WAIT", "1", "2000"}));

  // The failover, watched over TLS (+switch-master on an authenticated sentinel connection).
  setup.KillPrimary();
  std::optional<absl::Duration> recovery = testing::TimeUntil(
      [&] {
        absl::StatusOr<bool> r = (*store)->Set("k2", "after");
        return r.ok() && *r;
      },
      absl::Seconds(30));
  ASSERT_TRUE(recovery.has_value()) << "no write succeeded within 30 s of the kill";
  EXPECT_LT(*recovery, absl::Seconds(20));
  // The other client learns of the switch on its own sentinel connection, which may come a little
  // after the store (which found the new primary by itself) could write.
  const std::string new_primary = absl::StrCat("127.0.0.1:", setup.replica_port());
  EXPECT_TRUE(testing::TimeUntil([&] { return (*client)->primary_address() == new_primary; },
                                 absl::Seconds(30))
                  .has_value())
      << "the sentinel client still names " << (*client)->primary_address();
  EXPECT_GE((*client)->switch_count(), 1);
  EXPECT_THAT((*store)->Get("k"), IsOkAndHolds(std::optional<std::string>("before")));
}

}  // namespace
}  // namespace embedis
