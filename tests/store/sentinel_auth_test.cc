// Sentinels that want credentials: `sentinel_username=` / `sentinel_password=` (as redis-py's and
// ioredis's sentinelUsername / sentinelPassword) on a plain-TCP Sentinel setup whose sentinels have
// an ACL user and no default user. (A password alone, `requirepass`, over TLS:
// tls_topology_test.)
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/store/redis_store.h"
#include "lib/store/store.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_sentinel.h"

namespace embedis {
namespace {

using ::embedis::testing::IsOkAndHolds;
using ::embedis::testing::StatusIs;
using ::testing::HasSubstr;

TEST(SentinelAuth, AclUserOfTheSentinels) {
  testing::RedisSentinelProcess setup;
  ASSERT_OK(setup.Start({.sentinel_password = "pw-of-app", .sentinel_username = "app"}));
  const std::string params = "?timeout_ms=1000&connect_timeout_ms=500";
  // No credentials, the password alone (the default user is off), a wrong password: refused.
  EXPECT_THAT(OpenStore(setup.Url(params)).status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("NOAUTH")));
  EXPECT_THAT(OpenStore(setup.Url(absl::StrCat(params, "&sentinel_password=pw-of-app"))).status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("WRONGPASS")));
  EXPECT_THAT(
      OpenStore(setup.Url(absl::StrCat(params, "&sentinel_username=app&sentinel_password=no")))
          .status(),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("WRONGPASS")));
  // The user and its password.
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(
      setup.Url(absl::StrCat(params, "&sentinel_username=app&sentinel_password=pw-of-app")));
  ASSERT_OK(store);
  EXPECT_THAT((*store)->Set("k", "v"), IsOkAndHolds(true));
  EXPECT_THAT((*store)->Get("k"), IsOkAndHolds(std::optional<std::string>("v")));
  // Replica reads ask the sentinels with the same credentials (SENTINEL REPLICAS).
  absl::StatusOr<SentinelOptions> options = ParseRedisSentinelUrl(setup.Url(absl::StrCat(
      params, "&sentinel_username=app&sentinel_password=pw-of-app&read_from=replica")));
  ASSERT_OK(options);
  absl::StatusOr<std::unique_ptr<SentinelClient>> client = SentinelClient::Connect(*options);
  ASSERT_OK(client);
  EXPECT_THAT((*client)->replica_addresses(),
              ::testing::ElementsAre(absl::StrCat("127.0.0.1:", setup.replica_port())));
}

}  // namespace
}  // namespace embedis
